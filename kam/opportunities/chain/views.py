"""The decision-chain page (物理树状图), its side panel, and the power map (权力地图).

The charts are drawn by kam/static/js/decision_chain.js from the JSON API; these pages carry the same
facts as HTML tables and forms, so everything works without JavaScript. Every object comes through
`chain.chain_opportunity` / `chain.chain_contact`, so a record the user may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import get_visible_chain_contact
from kam.core.forms import labelled_errors
from kam.core.web import current_user
from kam.opportunities import services
from kam.opportunities.chain import selectors as chain
from kam.opportunities.forms import (
    ChainRolesForm,
    ContactRoleForm,
    RelationshipChangeForm,
    add_service_errors,
)
from kam.opportunities.models import Opportunity, OpportunityContact
from kam.relationships import services as relationship_services
from kam.relationships.models import Contact, DecisionRole, Stance

CHAIN_CHANGED = "chain-changed"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def echarts_locale() -> str:
    return "ZH" if (get_language() or "").startswith("zh") else "EN"


def chart_labels() -> dict[str, str]:
    """Words the charts draw (legend, axes, quadrants), translated on the server."""
    return {
        "A": str(Stance.SUPPORT.label),
        "B": str(Stance.NEUTRAL.label),
        "C": str(Stance.OPPOSE.label),
        "context": _("Manager shown for context"),
        "technical": _("Technical approval chain"),
        "business": _("Business approval chain"),
        "reports_to": _("Reports to"),
        "influence": _("Influence"),
        "influence_line": _("Influence line"),
        "rank": _("Rank"),
        "stance": _("Stance"),
        "level": _("Company CR level"),
        "opponents_with_power": _("Opponents with power"),
        "supporters_with_power": _("Supporters with power"),
        "no_level": _("no known level"),
    }


def _chain_context(request: HttpRequest, opportunity: Opportunity, data: dict[str, Any]) -> dict[str, Any]:
    names = {node["id"]: node["name"] for node in data["nodes"]}
    for node in data["nodes"]:
        node["role_values"] = [r["decision_role"] for r in node["roles"]]
        node["parent_name"] = names.get(node["parent"], "")
    for line in data["influence_lines"]:
        line["source_name"] = names.get(line["source"], "")
        line["target_name"] = names.get(line["target"], "")
    data["technical_chain_names"] = [[names[pk] for pk in path] for path in data["technical_chain"]]
    data["business_chain_names"] = [[names[pk] for pk in path] for path in data["business_chain"]]
    return {
        "nav": "pipeline",
        "opportunity": opportunity,
        "chain": data,
        "score": data["relationship_score"],
        "role_choices": DecisionRole.choices,
        "stance_choices": Stance.choices,
        "chart_labels": chart_labels(),
    }


@login_required
@require_GET
def decision_chain(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    opportunity = chain.chain_opportunity(user, pk)
    data = chain.decision_chain(opportunity)
    context = _chain_context(request, opportunity, data)
    context.update(
        add_form=ContactRoleForm(user=user, opportunity=opportunity),
        echarts_locale=echarts_locale(),
        api_url=reverse("api:get_decision_chain", args=[opportunity.pk]),
        person_url=reverse("chain:person", args=[opportunity.pk, 0]),
    )
    return render(request, "opportunities/decision_chain.html", context)


@login_required
@require_GET
def power_map(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = chain.chain_opportunity(current_user(request), pk)
    data = chain.power_map(opportunity)
    context = {
        "nav": "pipeline",
        "opportunity": opportunity,
        "power": data,
        "score": data["relationship_score"],
        "echarts_locale": echarts_locale(),
        "chart_labels": chart_labels(),
        "api_url": reverse("api:get_power_map", args=[opportunity.pk]),
    }
    return render(request, "opportunities/power_map.html", context)


# --- side panel -------------------------------------------------------------------------------


def _panel_context(
    request: HttpRequest,
    opportunity: Opportunity,
    contact: Contact,
    *,
    roles_form: ChainRolesForm | None = None,
    relationship_form: RelationshipChangeForm | None = None,
    saved: str = "",
) -> dict[str, Any]:
    user = current_user(request)
    panel = chain.person_panel(opportunity, contact)
    people = chain.our_people(opportunity, user)
    if roles_form is None:
        roles_form = ChainRolesForm(
            initial={
                "decision_role": [r.decision_role for r in panel.roles],
                "stance": panel.stance or Stance.NEUTRAL,
            },
            prefix=f"roles-{contact.pk}",
        )
    if relationship_form is None:
        relationship_form = RelationshipChangeForm(
            people=people, initial={"user": user.pk, "level": panel.level or 1}, prefix=f"rel-{contact.pk}"
        )
    return {
        "nav": "pipeline",
        "opportunity": opportunity,
        "panel": panel,
        "roles_form": roles_form,
        "relationship_form": relationship_form,
        "saved": saved,
    }


def _panel_response(
    request: HttpRequest,
    opportunity: Opportunity,
    contact: Contact,
    *,
    changed: bool = False,
    status: int = 200,
    **kwargs: Any,
) -> HttpResponse:
    context = _panel_context(request, opportunity, contact, **kwargs)
    if not _is_htmx(request):
        return render(request, "opportunities/chain_person.html", context, status=status)
    body = render_to_string("opportunities/_chain_person.html", context, request=request)
    response = HttpResponse(body, status=status)
    if changed:
        # The gap list and the fallback table are re-rendered out of band; the chart reloads its JSON.
        data = chain.decision_chain(opportunity)
        extra = _chain_context(request, opportunity, data)
        body += render_to_string(
            "opportunities/_relationship_gaps.html", {**extra, "oob": True}, request=request
        )
        body += render_to_string("opportunities/_chain_table.html", {**extra, "oob": True}, request=request)
        response = HttpResponse(body, status=status)
        response["HX-Trigger"] = CHAIN_CHANGED
    return response


def _back_to_chain(opportunity: Opportunity) -> HttpResponse:
    return redirect(reverse("chain:decision_chain", args=[opportunity.pk]) + "#chain-table")


@login_required
@require_GET
def person(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    user = current_user(request)
    opportunity = chain.chain_opportunity(user, pk)
    contact = get_visible_chain_contact(user, opportunity, contact_id)
    return _panel_response(request, opportunity, contact)


@login_required
@require_POST
def person_roles(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    """Set the person's roles and stance: ticked roles are set (with the stance), unticked ones removed."""
    user = current_user(request)
    opportunity = chain.chain_opportunity(user, pk)
    contact = get_visible_chain_contact(user, opportunity, contact_id)
    form = ChainRolesForm(request.POST, prefix=f"roles-{contact.pk}")
    if not form.is_valid():
        return _panel_response(request, opportunity, contact, roles_form=form, status=_error_status(request))
    wanted = set(form.cleaned_data["decision_role"])
    try:
        for role in DecisionRole.values:
            if role in wanted:
                services.set_contact_role(
                    opportunity, contact, by=user, decision_role=role, stance=form.cleaned_data["stance"]
                )
        for entry in OpportunityContact.objects.filter(opportunity=opportunity, contact=contact).exclude(
            decision_role__in=wanted
        ):
            services.remove_contact_role(entry, by=user)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _panel_response(request, opportunity, contact, roles_form=form, status=_error_status(request))
    if not _is_htmx(request):
        messages.success(request, _("%(name)s's roles saved.") % {"name": contact.name})
        return _back_to_chain(opportunity)
    return _panel_response(request, opportunity, contact, changed=True, saved=_("Roles and stance saved."))


@login_required
@require_POST
def person_relationship(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    """Log a relationship change (our person, new level, a note saying why) through the service."""
    user = current_user(request)
    opportunity = chain.chain_opportunity(user, pk)
    contact = get_visible_chain_contact(user, opportunity, contact_id)
    form = RelationshipChangeForm(
        request.POST, people=chain.our_people(opportunity, user), prefix=f"rel-{contact.pk}"
    )
    if form.is_valid():
        try:
            relationship_services.set_relationship_level(
                contact,
                form.cleaned_data["user"],
                form.cleaned_data["level"],
                by=user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        return _panel_response(
            request, opportunity, contact, relationship_form=form, status=_error_status(request)
        )
    if not _is_htmx(request):
        messages.success(request, _("Relationship change logged for %(name)s.") % {"name": contact.name})
        return redirect(reverse("chain:person", args=[opportunity.pk, contact.pk]))
    return _panel_response(
        request, opportunity, contact, changed=True, saved=_("Relationship change logged.")
    )


@login_required
@require_POST
def add_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a contact of the customer into the chain with a role and a stance."""
    user = current_user(request)
    opportunity = chain.chain_opportunity(user, pk)
    form = ContactRoleForm(request.POST, user=user, opportunity=opportunity)
    if form.is_valid():
        try:
            services.set_contact_role(
                opportunity,
                form.cleaned_data["contact"],
                by=user,
                decision_role=form.cleaned_data["decision_role"],
                stance=form.cleaned_data["stance"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        for line in labelled_errors(form):
            messages.error(request, line)
        if _is_htmx(request):
            # A redirect would be followed by htmx and the whole page swapped into the side panel.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("chain:decision_chain", args=[opportunity.pk]) + "#chain-table"
            return response
        return _back_to_chain(opportunity)
    contact = form.cleaned_data["contact"]
    if not _is_htmx(request):
        messages.success(request, _("%(name)s added to the decision chain.") % {"name": contact.name})
        return _back_to_chain(opportunity)
    return _panel_response(
        request, opportunity, contact, changed=True, saved=_("Added to the decision chain.")
    )


def _error_status(request: HttpRequest) -> int:
    # htmx swaps only successful responses; a page without JS gets the honest status.
    return 200 if _is_htmx(request) else 422


@login_required
@require_GET
def relationship_ahead(request: HttpRequest, pk: int) -> HttpResponse:
    """The look-ahead under the deal page's relationship score (loaded through htmx)."""
    opportunity = chain.chain_opportunity(current_user(request), pk)
    ahead = chain.relationship_score_dict(opportunity)["look_ahead"]
    return render(
        request, "opportunities/_relationship_ahead.html", {"ahead": ahead, "opportunity": opportunity}
    )

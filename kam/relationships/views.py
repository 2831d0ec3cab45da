"""Contact pages: create, edit, the contact's relationships, level history and influence lines."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.access.visibility import get_visible_contact, get_visible_customer
from kam.core.errors import ConflictError, RuleViolation
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.relationships import selectors, services
from kam.relationships.forms import (
    ContactForm,
    InfluenceDirection,
    InfluenceForm,
    RelationshipLevelForm,
    apply_validation_error,
)
from kam.relationships.models import Contact
from kam.relationships.orgchart import selectors as orgchart


def _next_url(request: HttpRequest) -> str | None:
    """Where to go after the form (e.g. back to the org chart editor): a local address only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _render_contact_form(
    request: HttpRequest, form: ContactForm, *, status: int = 200, conflict: bool = False
) -> HttpResponse:
    context = {
        "nav": "customers",
        "form": form,
        "customer": form.customer,
        "contact": form.contact,
        "conflict": conflict,
        "next_url": _next_url(request),
    }
    return render(request, "relationships/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    customer_id = parse_id(request.GET.get("customer"))
    if customer_id is None:
        raise Http404(_("Choose the customer the contact belongs to."))
    customer = get_visible_customer(user, customer_id)
    if request.method != "POST":
        form = ContactForm(customer=customer)
        manager_id = parse_id(request.GET.get("reports_to"))
        manager = Contact.objects.filter(customer=customer, pk=manager_id).first() if manager_id else None
        if manager is not None:
            # "Add a person here" in the org chart editor presets the manager.
            form.initial["reports_to"] = manager.pk
            form.initial["department"] = manager.department
        return _render_contact_form(request, form)
    form = ContactForm(request.POST, customer=customer)
    if form.is_valid():
        fields = form.changes()
        name = fields.pop("name")
        try:
            contact = services.create_contact(by=user, customer=customer, name=name, **fields)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Contact %(name)s added.") % {"name": contact.name})
            return redirect(_next_url(request) or reverse("relationships:detail", args=[contact.pk]))
    return _render_contact_form(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contact = get_visible_contact(user, pk)
    if request.method != "POST":
        return _render_contact_form(request, ContactForm(customer=contact.customer, contact=contact))
    form = ContactForm(request.POST, customer=contact.customer, contact=contact)
    if form.is_valid():
        try:
            services.update_contact(
                contact,
                by=user,
                version=form.cleaned_data["version"],
                **form.changes(),
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            return _render_contact_form(request, form, status=409, conflict=True)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": contact.name})
            return redirect(_next_url(request) or reverse("relationships:detail", args=[contact.pk]))
    return _render_contact_form(request, form, status=400)


def _render_detail(
    request: HttpRequest,
    contact: Contact,
    *,
    level_form: RelationshipLevelForm | None = None,
    influence_form: InfluenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    context: dict[str, Any] = {
        "nav": "customers",
        "contact": contact,
        "customer": contact.customer,
        "relationships": list(selectors.contact_relationships(contact)),
        "history": selectors.relationship_history(contact),
        "influences_out": list(selectors.influences_out(contact)),
        "influences_in": list(selectors.influences_in(contact)),
        "reports": list(selectors.direct_reports(contact)),
        "level_form": level_form or RelationshipLevelForm(by=user),
        "influence_form": influence_form or InfluenceForm(contact=contact, by=user),
    }
    context["company_level"] = max((r.level for r in context["relationships"]), default=None)
    return render(request, "relationships/detail.html", context, status=status)


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_visible_contact(current_user(request), pk)
    return _render_detail(request, contact)


@login_required
@require_POST
def set_level(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contact = get_visible_contact(user, pk)
    form = RelationshipLevelForm(request.POST, by=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_relationship_level(contact, data["user"], data["level"], by=user, note=data["note"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(user)s is now at CR%(level)s with %(contact)s.")
                % {"user": data["user"], "level": data["level"], "contact": contact.name},
            )
            return redirect("relationships:detail", pk=contact.pk)
    return _render_detail(request, contact, level_form=form, status=400)


@login_required
@require_POST
def add_influence(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contact = get_visible_contact(user, pk)
    form = InfluenceForm(request.POST, contact=contact, by=user)
    if form.is_valid():
        data = form.cleaned_data
        other = data["other"]
        source, target = (contact, other) if data["direction"] == InfluenceDirection.OUT else (other, contact)
        try:
            services.add_influence(source, target, by=user, note=data["note"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                error = ValidationError(
                    {("other" if k in ("source", "target") else k): v for k, v in error.error_dict.items()}
                )
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Influence line added."))
            return redirect("relationships:detail", pk=contact.pk)
    return _render_detail(request, contact, influence_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what deleting would take with it (or why it is refused); POST: delete through the service."""
    user = current_user(request)
    contact = get_visible_contact(user, pk)
    back = _next_url(request) or reverse("customers:detail", args=[contact.customer_id]) + "#contacts"
    status = 200
    error = None
    if request.method == "POST":
        try:
            services.delete_contact(contact, by=user)
        except RuleViolation as refusal:
            error, status = str(refusal), 409
        else:
            messages.success(request, _("%(name)s deleted.") % {"name": contact.name})
            return redirect(back)
    impact = services.contact_delete_impact(contact, user)
    context = {
        "nav": "customers",
        "contact": contact,
        "customer": contact.customer,
        "impact": impact,
        "message": orgchart.delete_impact_message(contact, impact),
        "error": error,
        "next_url": _next_url(request),
        "back": back,
    }
    return render(request, "relationships/confirm_delete.html", context, status=status)

"""The score section of the customer page (breakdown, static values, tier override) and the scoring
model page with its administrator edits. Thin: parse, call a service or selector, render.

The section is a fragment the 360° page loads with htmx; requested without htmx it is a plain page,
and its forms work as ordinary POST + redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_customer, get_visible_scoring_criterion
from kam.core.errors import ConflictError
from kam.core.web import current_user, echarts_locale
from kam.customers.models import CriterionKind, Customer, ScoreBand, ScoringCriterion, ScoringModel
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.customers.scoring.forms import (
    BandsMetaForm,
    CriterionForm,
    NewCriterionForm,
    StaticValueForm,
    ThresholdsForm,
    TierOverrideForm,
    apply_band_errors,
    apply_validation_error,
    band_formset,
    bands_from_formset,
)
from kam.customers.scoring.selectors import model_page, score_view
from kam.org.models import User

# Sent with every re-rendered section after a change, so other parts of the page (the profile's
# tier badge, the customer list) can refresh themselves.
SCORE_CHANGED = "kam:score-changed"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- The score section ------------------------------------------------------------------------------


def _section_context(
    request: HttpRequest,
    user: User,
    customer: Customer,
    *,
    override_form: TierOverrideForm | None = None,
    static_errors: dict[int, list[str]] | None = None,
    error: str = "",
    notice: str = "",
    conflict: bool = False,
) -> dict[str, Any]:
    view = score_view(customer, viewer=user)
    may_override = permissions.may_override_tier(user)
    if may_override and override_form is None:
        override_form = TierOverrideForm(current_override=customer.tier_override)
    return {
        "nav": "customers",
        "customer": customer,
        "score": view,
        "may_override": may_override,
        "override_form": override_form if may_override else None,
        "static_errors": static_errors or {},
        "notice": notice,
        "error": error,
        "conflict": conflict,
        "echarts_locale": echarts_locale(),
        "chart_url": reverse("api:customer_score", args=[customer.pk]),
    }


def _render_section(
    request: HttpRequest, context: dict[str, Any], *, status: int = 200, changed: bool = False
) -> HttpResponse:
    """`changed`: the score may differ from what the page shows (someone else's write came first)."""
    if _is_htmx(request):
        # htmx swaps only successful responses: errors travel as a 200 with the messages inside.
        response = render(request, "customers/sections/score.html", context)
        if context.get("notice") or changed:
            response["HX-Trigger"] = SCORE_CHANGED
        return response
    return render(request, "customers/scoring/score_page.html", context, status=status)


def _back_to_section(customer: Customer) -> HttpResponse:
    return redirect(reverse("customers:score_section", args=[customer.pk]))


@login_required
@require_GET
def score_section(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    return _render_section(request, _section_context(request, user, customer))


@login_required
@require_POST
def set_static_value(request: HttpRequest, pk: int, criterion_id: int) -> HttpResponse:
    """Choose the value of one static criterion; the section comes back with the new score."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    model = scoring.load_model()
    spec = model.criterion(criterion_id) if model else None
    if spec is None:
        raise Http404
    criterion = get_visible_scoring_criterion(user, criterion_id)
    form = StaticValueForm(request.POST, criterion=spec)
    errors: list[str] = []
    if form.is_valid():
        band_id = form.cleaned_data["band"]
        band = ScoreBand.objects.filter(pk=band_id).first() if band_id else None
        tier_before = customer.tier
        try:
            scoring_services.set_static_value(
                customer, criterion, band, by=user, expected_band=form.cleaned_data["expected"]
            )
        except ConflictError as error:
            # The section comes back with the value someone else chose and says so.
            customer.refresh_from_db()
            context = _section_context(request, user, customer, static_errors={criterion_id: [str(error)]})
            return _render_section(request, context, status=409, changed=True)
        except ValidationError as error:
            errors = [str(m) for m in error.messages]
        else:
            notice = _("%(criterion)s saved: score %(score)s, tier %(tier)s.") % {
                "criterion": spec.display_name,
                "score": customer.score if customer.score is not None else "—",
                "tier": customer.tier if customer.tier == tier_before else f"{tier_before} → {customer.tier}",
            }
            if not _is_htmx(request):
                messages.success(request, notice)
                return _back_to_section(customer)
            return _render_section(request, _section_context(request, user, customer, notice=notice))
    else:
        errors = [str(m) for field_errors in form.errors.values() for m in field_errors]
    if spec.kind == CriterionKind.STATIC:
        context = _section_context(request, user, customer, static_errors={criterion_id: errors})
    else:
        context = _section_context(request, user, customer, error=" ".join(errors))
    return _render_section(request, context, status=422)


@login_required
@require_POST
def override_tier(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager sets or removes the tier override, with a reason; a changed override is a conflict."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    permissions.check_override_tier(user)
    form = TierOverrideForm(request.POST, current_override=customer.tier_override)
    if form.is_valid():
        data = form.cleaned_data
        try:
            scoring_services.override_tier(
                customer,
                by=user,
                tier=data["tier"],
                reason=data["reason"],
                expected_override=data["expected_override"] or "",
            )
        except ConflictError as error:
            customer.refresh_from_db()
            # The manager's choice and reason stay filled in; the hidden value now names the
            # override they have been shown, so sending again is a deliberate decision.
            fresh = TierOverrideForm(
                initial={**data, "expected_override": customer.tier_override},
                current_override=customer.tier_override,
            )
            fresh.conflict_message = str(error)  # type: ignore[attr-defined]
            context = _section_context(request, user, customer, override_form=fresh, conflict=True)
            return _render_section(request, context, status=409)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            notice = (
                _("Tier overridden to %(tier)s.") % {"tier": customer.tier}
                if customer.tier_override
                else _("Override removed: the tier is the computed %(tier)s again.") % {"tier": customer.tier}
            )
            if not _is_htmx(request):
                messages.success(request, notice)
                return _back_to_section(customer)
            return _render_section(request, _section_context(request, user, customer, notice=notice))
    context = _section_context(request, user, customer, override_form=form)
    return _render_section(request, context, status=422)


# --- The scoring model page -------------------------------------------------------------------------


def _active_model() -> ScoringModel:
    model = scoring_services.active_model()
    if model is None:
        raise Http404(_("No scoring model is active."))
    return model


def _model_criterion(user: User, model: ScoringModel, criterion_id: int) -> ScoringCriterion:
    return get_visible_scoring_criterion(user, criterion_id, scoring_model=model)


def _back_to_model(anchor: str = "") -> HttpResponse:
    return redirect(reverse("customers:scoring_model") + (f"#{anchor}" if anchor else ""))


@login_required
@require_GET
def scoring_model(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    page = model_page(viewer=user)
    context = {
        "nav": "customers",
        "page": page,
        "may_edit": permissions.may_edit_scoring_model(user),
    }
    return render(request, "customers/scoring/model.html", context)


def _edit_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200, conflict: bool = False
) -> HttpResponse:
    if "formset" in context:
        context["band_rows"] = _band_rows(context["formset"], context["in_use"])
    return render(
        request,
        f"customers/scoring/{template}",
        {"nav": "customers", "conflict": conflict, **context},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, criterion_id: int) -> HttpResponse:
    user = current_user(request)
    permissions.check_edit_scoring_model(user)
    model = _active_model()
    criterion = _model_criterion(user, model, criterion_id)
    if request.method != "POST":
        form = CriterionForm.for_criterion(criterion, model.version)
        return _edit_page(
            request, "criterion_form.html", {"form": form, "criterion": criterion, "model": model}
        )
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            scoring_services.update_criterion(
                criterion, by=user, version=form.cleaned_data["version"], **form.changes()
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            context = {"form": form, "criterion": criterion, "model": model}
            return _edit_page(request, "criterion_form.html", context, status=409, conflict=True)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s saved. Every customer is being rescored.") % {"name": criterion.display_name},
            )
            return _back_to_model(f"criterion-{criterion.pk}")
    criterion.refresh_from_db()
    context = {"form": form, "criterion": criterion, "model": model}
    return _edit_page(request, "criterion_form.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.check_edit_scoring_model(user)
    model = _active_model()
    if request.method != "POST":
        form = NewCriterionForm(initial={"version": model.version, "weight": 5})
        return _edit_page(request, "criterion_new.html", {"form": form, "model": model})
    form = NewCriterionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            criterion = scoring_services.add_criterion(
                model,
                by=user,
                version=data["version"],
                code=data["code"],
                name=data["name"],
                name_en=data["name_en"],
                kind=data["kind"],
                source=data["source"],
                weight=data["weight"],
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            return _edit_page(
                request, "criterion_new.html", {"form": form, "model": model}, status=409, conflict=True
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s added. Now give it its bands: until then it scores 0 for everyone.")
                % {"name": criterion.display_name},
            )
            return redirect("customers:scoring_bands", criterion_id=criterion.pk)
    return _edit_page(request, "criterion_new.html", {"form": form, "model": model}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_bands(request: HttpRequest, criterion_id: int) -> HttpResponse:
    """All bands of one criterion, saved together (so ranges are checked against each other)."""
    user = current_user(request)
    permissions.check_edit_scoring_model(user)
    model = _active_model()
    criterion = _model_criterion(user, model, criterion_id)
    in_use = scoring_services.customers_per_band([criterion.pk])
    context: dict[str, Any] = {"criterion": criterion, "model": model, "in_use": in_use}
    if request.method != "POST":
        context.update(
            formset=band_formset(criterion), meta=BandsMetaForm(initial={"version": model.version})
        )
        return _edit_page(request, "bands_form.html", context)
    formset = band_formset(criterion, request.POST)
    meta = BandsMetaForm(request.POST)
    context.update(formset=formset, meta=meta)
    if formset.is_valid() and meta.is_valid():
        bands, kept = bands_from_formset(formset)
        try:
            scoring_services.set_bands(
                criterion,
                bands,
                by=user,
                version=meta.cleaned_data["version"],
                confirm_delete=meta.cleaned_data["confirm_delete"],
            )
        except ConflictError as error:
            meta.add_error(None, str(error))
            return _edit_page(request, "bands_form.html", context, status=409, conflict=True)
        except scoring_services.BandsInUse as error:
            apply_band_errors(error, formset, kept, meta)
            context["ask_confirm"] = True
        except ValidationError as error:
            apply_band_errors(error, formset, kept, meta)
        else:
            messages.success(
                request,
                _("Bands of %(name)s saved. Every customer is being rescored.")
                % {"name": criterion.display_name},
            )
            return _back_to_model(f"criterion-{criterion.pk}")
    return _edit_page(request, "bands_form.html", context, status=422)


def _band_rows(formset: Any, in_use: dict[int, int]) -> list[tuple[Any, int]]:
    """Each row of the band editor with how many customers chose that band."""
    rows = []
    for form in formset.forms:
        try:
            band_id = int(form["id"].value() or 0)
        except (TypeError, ValueError):
            band_id = 0
        rows.append((form, in_use.get(band_id, 0)))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def thresholds_edit(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    permissions.check_edit_scoring_model(user)
    model = _active_model()
    if request.method != "POST":
        form = ThresholdsForm.for_model(list(model.thresholds.all()), model.version)
        return _edit_page(request, "thresholds_form.html", {"form": form, "model": model})
    form = ThresholdsForm(request.POST)
    if form.is_valid():
        try:
            scoring_services.set_thresholds(
                model, form.to_inputs(), by=user, version=form.cleaned_data["version"]
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            return _edit_page(
                request, "thresholds_form.html", {"form": form, "model": model}, status=409, conflict=True
            )
        except ValidationError as error:
            form.apply_service_error(error)
        else:
            messages.success(request, _("Tier thresholds saved. Every customer is being rescored."))
            return _back_to_model("thresholds")
    return _edit_page(request, "thresholds_form.html", {"form": form, "model": model}, status=422)

"""Scoring over JSON: the model (read by everyone, edited by administrators with If-Match on the
model's version), each customer's score breakdown, static values and tier overrides.

Customer endpoints have the visibility of the customer pages: a customer the caller may not see is
a 404. Every write goes through kam.customers.services or kam.customers.scoring.services.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.access import permissions
from kam.access.visibility import get_visible_customer, get_visible_scoring_criterion
from kam.core.api.helpers import (
    BODY_CHECKED_WRITE_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    ErrorOut,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.customers.models import ScoreBand, ScoringCriterion, ScoringModel, TierOverride
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.customers.scoring.schemas import (
    BandsIn,
    CriterionCreateIn,
    CriterionOut,
    CriterionUpdateIn,
    CustomerScoreOut,
    ScoringModelOut,
    StaticValueIn,
    ThresholdsIn,
    TierOverrideIn,
    TierOverrideOut,
    TierOverrideResultOut,
)
from kam.customers.scoring.selectors import BreakdownRow, ScoreView, model_page, score_view
from kam.org.models import User

router = Router(tags=["scoring"])

ADMIN_WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, **VERSIONED_WRITE_ERRORS}


# --- helpers ------------------------------------------------------------------------------------------


def _model() -> ScoringModel:
    model = scoring_services.active_model()
    if model is None:
        raise Http404
    return model


def _model_body(response: HttpResponse, viewer: User) -> dict[str, Any]:
    page = model_page(viewer=viewer)
    if page is None:
        raise Http404
    set_etag(response, page.model.version)
    return {
        "id": page.model.pk,
        "name": page.model.display_name,
        "version": page.model.version,
        "updated_at": page.model.updated_at,
        "total_weight": page.total_weight,
        "formula": _("Total score = Σ (points × weight) ÷ Σ weights, 0–100."),
        "last_computed_at": page.last_computed_at,
        "recompute_pending": page.recompute_pending,
        "criteria": [
            {
                "id": row.criterion.pk,
                "code": row.criterion.code,
                "name": row.criterion.name,
                "name_en": row.criterion.name_en,
                "display_name": row.criterion.display_name,
                "kind": row.criterion.kind,
                "source": row.criterion.source,
                "weight": row.criterion.weight,
                "weight_share": row.share_percent,
                "position": row.criterion.position,
                "is_active": row.criterion.is_active,
                "bands": [_band(band, chosen) for band, chosen in row.band_rows],
            }
            for row in page.criteria
        ],
        "thresholds": [
            {"tier": t.tier, "min_score": t.min_score, "segment": t.segment} for t in page.thresholds
        ],
    }


def _band(band: ScoreBand, customers: int) -> dict[str, Any]:
    return {
        "id": band.pk,
        "label": band.label,
        "label_en": band.label_en,
        "display_label": band.display_label,
        "min_value": band.min_value,
        "max_value": band.max_value,
        "points": band.points,
        "position": band.position,
        "customers": customers,
    }


def _criterion_body(response: HttpResponse, criterion_id: int, viewer: User) -> dict[str, Any]:
    body = _model_body(response, viewer)
    return next(c for c in body["criteria"] if c["id"] == criterion_id)


def _band_ref(band: scoring.BandSpec | None) -> dict[str, Any] | None:
    if band is None:
        return None
    return {"id": band.id, "label": band.display_label, "points": band.points}


def _breakdown_row(row: BreakdownRow) -> dict[str, Any]:
    c = row.criterion
    return {
        "criterion": {"id": c.id, "code": c.code, "name": c.display_name},
        "kind": c.kind,
        "source": c.source,
        "scored": row.scored,
        "input": row.input,
        "input_display": row.input_display,
        "input_hidden": row.input_hidden,
        "band": _band_ref(row.band),
        "chosen_band": row.chosen_band_id,
        "points": row.points,
        "weight": c.weight,
        "contribution": row.contribution,
        "next_band": _band_ref(row.next_band),
        "next_gain": row.next_gain,
        "options": [_band_ref(b) for b in row.options],
    }


def _score_body(view: ScoreView) -> dict[str, Any]:
    customer = view.customer
    upcoming = view.next_threshold
    return {
        "customer": {"id": customer.pk, "name": str(customer)},
        "scored": view.score is not None,
        "total": view.total,
        "computed_tier": customer.computed_tier,
        "tier": customer.tier,
        "tier_override": customer.tier_override,
        "segment": customer.segment,
        "computed_at": view.score.computed_at if view.score else None,
        "model_version": view.model.version if view.model else None,
        "next_tier": (
            {"tier": upcoming.tier, "min_score": upcoming.min_score, "points_needed": view.points_to_next}
            if upcoming is not None
            else None
        ),
        "breakdown": [_breakdown_row(row) for row in view.rows],
    }


def _override(entry: TierOverride) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "tier": entry.tier,
        "previous_tier": entry.previous_tier,
        "computed_tier": entry.computed_tier,
        "computed_score": entry.computed_score,
        "reason": entry.reason,
        "created_by": user_ref(entry.created_by),
        "created_at": entry.created_at,
    }


# --- the model ----------------------------------------------------------------------------------------


@router.get(
    "/scoring-model",
    url_name="scoring_model",
    response={200: ScoringModelOut, **READ_ERRORS},
    summary="The active scoring model: criteria, bands, weights and tier thresholds",
)
def get_scoring_model(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Everyone may read it. The ETag is the model's version: send it as If-Match to change the model."""
    return _model_body(response, current_user(request))


@router.post(
    "/scoring-model/criteria",
    url_name="scoring_criterion_create",
    response={201: CriterionOut, **ADMIN_WRITE_ERRORS},
    summary="Add a criterion to the scoring model (administrators)",
)
def create_criterion(request: HttpRequest, response: HttpResponse, payload: CriterionCreateIn) -> Status:
    """Needs If-Match with the model's version. Every customer is rescored in the background."""
    by = current_user(request)
    permissions.check_edit_scoring_model(by)
    model = _model()
    version = expected_version(request, model.version)
    criterion = scoring_services.add_criterion(
        model,
        by=by,
        version=version,
        code=payload.code,
        name=payload.name,
        name_en=payload.name_en,
        kind=payload.kind,
        source=payload.source,
        weight=payload.weight,
        position=payload.position,
        is_active=payload.is_active,
        bands=[band.to_input() for band in payload.bands],
    )
    return Status(201, _criterion_body(response, criterion.pk, current_user(request)))


@router.patch(
    "/scoring-model/criteria/{int:criterion_id}",
    url_name="scoring_criterion_update",
    response={200: CriterionOut, **ADMIN_WRITE_ERRORS},
    summary="Change a criterion's names, weight, order or active flag (administrators)",
)
def update_criterion(
    request: HttpRequest, response: HttpResponse, criterion_id: int, payload: CriterionUpdateIn
) -> dict[str, Any]:
    """Needs If-Match with the model's version (428 without, 412 if stale)."""
    by = current_user(request)
    permissions.check_edit_scoring_model(by)
    model = _model()
    criterion = get_visible_scoring_criterion(by, criterion_id, scoring_model=model)
    version = expected_version(request, model.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, scoring_services.CRITERION_FIELDS)
    criterion.scoring_model = model
    scoring_services.update_criterion(criterion, by=by, version=version, **changes)
    return _criterion_body(response, criterion.pk, current_user(request))


@router.put(
    "/scoring-model/criteria/{int:criterion_id}/bands",
    url_name="scoring_criterion_bands",
    response={200: CriterionOut, **ADMIN_WRITE_ERRORS},
    summary="Replace all bands of a criterion at once (administrators)",
)
def put_bands(
    request: HttpRequest, response: HttpResponse, criterion_id: int, payload: BandsIn
) -> dict[str, Any]:
    """Bands sent with their id are kept (customers' choices survive a rename); bands left out are
    deleted. Deleting a band customers chose needs `confirm_delete`. Dynamic ranges [from, to) must
    not overlap. Needs If-Match with the model's version."""
    by = current_user(request)
    permissions.check_edit_scoring_model(by)
    model = _model()
    criterion = get_visible_scoring_criterion(by, criterion_id, scoring_model=model)
    version = expected_version(request, model.version)
    criterion.scoring_model = model
    scoring_services.set_bands(
        criterion,
        [band.to_input() for band in payload.bands],
        by=by,
        version=version,
        confirm_delete=payload.confirm_delete,
    )
    return _criterion_body(response, criterion.pk, current_user(request))


@router.put(
    "/scoring-model/thresholds",
    url_name="scoring_thresholds",
    response={200: ScoringModelOut, **ADMIN_WRITE_ERRORS},
    summary="Set the minimum score and segment of every tier (administrators)",
)
def put_thresholds(request: HttpRequest, response: HttpResponse, payload: ThresholdsIn) -> dict[str, Any]:
    """One row per tier; A > B > C > D strictly. Errors are keyed `<tier>.<field>`. Needs If-Match."""
    by = current_user(request)
    permissions.check_edit_scoring_model(by)
    model = _model()
    version = expected_version(request, model.version)
    scoring_services.set_thresholds(
        model,
        [scoring_services.ThresholdInput(t.tier, t.min_score, t.segment) for t in payload.thresholds],
        by=by,
        version=version,
    )
    return _model_body(response, current_user(request))


# --- a customer's score -------------------------------------------------------------------------------


@router.get(
    "/customers/{int:customer_id}/score",
    url_name="customer_score",
    response={200: CustomerScoreOut, **READ_ERRORS},
    summary="A customer's score with its breakdown and what would move it to the next tier",
)
def get_score(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    by = current_user(request)
    customer = get_visible_customer(by, customer_id)
    return _score_body(score_view(customer, viewer=by, overrides_limit=0))


@router.put(
    "/customers/{int:customer_id}/score/static/{criterion_code}",
    url_name="customer_static_value",
    response={200: CustomerScoreOut, **BODY_CHECKED_WRITE_ERRORS},
    summary="Choose the value of a static criterion for a customer (rescored at once)",
)
def put_static_value(
    request: HttpRequest, customer_id: int, criterion_code: str, payload: StaticValueIn
) -> dict[str, Any]:
    """Anyone who can see the customer may set it. `band: null` clears the value (0 points)."""
    by = current_user(request)
    customer = get_visible_customer(by, customer_id)
    criterion = get_object_or_404(
        ScoringCriterion.objects.select_related("scoring_model"),
        scoring_model__is_active=True,
        code=criterion_code,
    )
    band = None
    if payload.band is not None:
        band = ScoreBand.objects.filter(pk=payload.band, criterion=criterion).first()
        if band is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"band": [_("Choose one of this criterion's values.")]})
    scoring_services.set_static_value(customer, criterion, band, by=by, expected_band=payload.expected_band)
    return _score_body(score_view(customer, viewer=by, overrides_limit=0))


@router.get(
    "/customers/{int:customer_id}/tier-overrides",
    url_name="customer_tier_overrides",
    response={200: list[TierOverrideOut], **READ_ERRORS},
    summary="The customer's tier override history, newest first",
)
def list_tier_overrides(request: HttpRequest, customer_id: int) -> list[dict[str, Any]]:
    customer = get_visible_customer(current_user(request), customer_id)
    entries = TierOverride.objects.filter(customer=customer).select_related("created_by")
    return [_override(entry) for entry in entries]


@router.post(
    "/customers/{int:customer_id}/tier-override",
    url_name="customer_tier_override",
    response={201: TierOverrideResultOut, 403: ErrorOut, **BODY_CHECKED_WRITE_ERRORS},
    summary="Override a customer's tier, or remove the override (managers)",
)
def post_tier_override(request: HttpRequest, customer_id: int, payload: TierOverrideIn) -> Status:
    """The computed score and tier stay as they are; the effective tier (and segment) follow the
    override. `expected_override` is the override you saw: if it changed meanwhile the write is
    refused (412) instead of silently replacing someone's decision."""
    by = current_user(request)
    customer = get_visible_customer(by, customer_id)
    entry = scoring_services.override_tier(
        customer, by=by, tier=payload.tier, reason=payload.reason, expected_override=payload.expected_override
    )
    return Status(201, {"override": _override(entry), "tier": customer.tier, "segment": customer.segment})

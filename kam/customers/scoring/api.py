"""Scoring over JSON: the model (read by everyone, edited by administrators with If-Match on the
model's version), each customer's score breakdown, static values and tier overrides.

Customer endpoints have the visibility of the customer pages: a customer the caller may not see is
a 404. Every write goes through kam.customers.services or kam.customers.scoring.services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kam.access import permissions
from kam.access.visibility import get_visible_customer, get_visible_scoring_criterion
from kam.core.api.helpers import (
    BODY_CHECKED_WRITE_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    ErrorOut,
    Id,
    InputSchema,
    Ref,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.money import MONEY_DIGITS
from kam.core.web import current_user
from kam.customers import services
from kam.customers.models import ScoreBand, ScoringCriterion, ScoringModel, TierOverride
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.customers.scoring.selectors import BreakdownRow, ScoreView, model_page, score_view
from kam.org.models import User

router = Router(tags=["scoring"])

TierChoice = Literal["A", "B", "C", "D"]
# One literal, not `TierChoice | Literal[""]`: a union reports its errors per member
# (`tier.literal['']`), not under the field's own name.
TierOrNone = Literal["A", "B", "C", "D", ""]
SegmentChoice = Literal["key", "important", "general"]
KindChoice = Literal["static", "dynamic"]
SourceChoice = Literal[
    "",
    "years_as_customer",
    "won_amount_12m",
    "share_of_wallet",
    "gross_profit_12m",
    "open_weighted_pipeline",
    "growth_yoy",
]
Points = Field(..., ge=0, le=100, max_digits=5, decimal_places=2)
ADMIN_WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, **VERSIONED_WRITE_ERRORS}


# --- schemas: the model -------------------------------------------------------------------------------


class BandOut(Schema):
    id: int
    label: str
    label_en: str
    display_label: str = Field(..., description="The label in the request's language.")
    min_value: Decimal | None = Field(
        None, description="Dynamic criteria: from (inclusive); null = no lower end."
    )
    max_value: Decimal | None = Field(
        None, description="Dynamic criteria: to (exclusive); null = no upper end."
    )
    points: Decimal
    position: int
    customers: int = Field(..., description="Static criteria: how many customers chose this band.")


class CriterionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    display_name: str
    kind: KindChoice
    source: str = Field(..., description="What a dynamic criterion is computed from; empty for static ones.")
    weight: Decimal
    weight_share: Decimal | None = Field(
        None, description="Share of the sum of active weights, in % (null: inactive, so no weight)."
    )
    position: int
    is_active: bool
    bands: list[BandOut]


class ThresholdOut(Schema):
    tier: TierChoice
    min_score: Decimal = Field(..., description="The tier starts at this total score (inclusive).")
    segment: SegmentChoice


class ScoringModelOut(Schema):
    id: int
    name: str
    version: int = Field(..., description="Send it in If-Match to change the model (it is also the ETag).")
    updated_at: dt.datetime
    total_weight: Decimal = Field(..., description="Sum of the active criteria's weights.")
    formula: str = Field(..., description="How the total is computed, in words.")
    last_computed_at: dt.datetime | None = Field(None, description="When the latest score was computed.")
    recompute_pending: bool = Field(
        ...,
        description="Some scores were computed with an earlier version of the model: a recompute is on its way.",
    )
    criteria: list[CriterionOut] = Field(..., description="All criteria in their order, inactive ones too.")
    thresholds: list[ThresholdOut] = Field(..., description="A first.")


class BandIn(InputSchema):
    id: Id | None = Field(
        None, description="An existing band of this criterion to keep (customers' choices stay)."
    )
    label: str = Field(..., min_length=1, max_length=100)
    label_en: str = Field("", max_length=100)
    min_value: Decimal | None = Field(None, max_digits=MONEY_DIGITS, decimal_places=2)
    max_value: Decimal | None = Field(None, max_digits=MONEY_DIGITS, decimal_places=2)
    points: Decimal = Points

    def to_input(self) -> scoring_services.BandInput:
        return scoring_services.BandInput(
            id=self.id,
            label=self.label,
            label_en=self.label_en,
            min_value=self.min_value,
            max_value=self.max_value,
            points=self.points,
        )


class CriterionCreateIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    kind: KindChoice
    source: SourceChoice = Field("", description="Required for a dynamic criterion, empty for a static one.")
    weight: Decimal = Points
    position: int | None = Field(None, ge=0, le=32767, description="Default: after the last criterion.")
    is_active: bool = True
    bands: list[BandIn] = Field(default_factory=list, description="Optional: the bands, in order.")


class CriterionUpdateIn(InputSchema):
    """Only the fields sent are changed; code, kind and source are fixed once a criterion exists."""

    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    weight: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    is_active: bool | None = None
    position: int | None = Field(None, ge=0, le=32767)


class BandsIn(InputSchema):
    bands: list[BandIn] = Field(
        ..., description="Every band of the criterion, in order; a band left out is deleted."
    )
    confirm_delete: bool = Field(
        False, description="Delete bands customers have chosen (their choice is cleared); refused otherwise."
    )


class ThresholdIn(InputSchema):
    tier: TierChoice
    min_score: Decimal = Points
    segment: SegmentChoice


class ThresholdsIn(InputSchema):
    thresholds: list[ThresholdIn] = Field(..., description="One per tier A–D; A needs the highest score.")


# --- schemas: a customer's score --------------------------------------------------------------------


class CriterionRef(Schema):
    id: int
    code: str
    name: str


class BandRef(Schema):
    id: int
    label: str
    points: Decimal


class BreakdownOut(Schema):
    criterion: CriterionRef
    kind: KindChoice
    source: str
    scored: bool = Field(..., description="False: the criterion is newer than the last recompute.")
    input: Decimal | None = Field(
        None, description="A dynamic criterion's value; null = no data, or not shown (input_hidden)."
    )
    input_hidden: bool = Field(
        False,
        description="The input sums the customer's deals and you may not see all of them: its band "
        "and points are given, the figure is not.",
    )
    input_display: str = Field(
        ..., description="The input as the page shows it (money, %, years, the value)."
    )
    band: BandRef | None = Field(None, description="The band hit (null: no input, 0 points).")
    chosen_band: int | None = Field(None, description="Static criteria: the band chosen now.")
    points: Decimal | None
    weight: Decimal
    contribution: Decimal | None = Field(None, description="points × weight ÷ Σ weights.")
    next_band: BandRef | None = Field(None, description="The smallest step up for this criterion.")
    next_gain: Decimal | None = Field(None, description="What the next band would add to the total.")
    options: list[BandRef] = Field(..., description="Static criteria: the values to choose from.")


class NextTierOut(Schema):
    tier: TierChoice
    min_score: Decimal
    points_needed: Decimal


class ScoreOut(Schema):
    customer: Ref
    scored: bool = Field(..., description="False until the customer's first recompute.")
    total: Decimal | None
    computed_tier: str = Field(..., description="The tier the score gives.")
    tier: str = Field(..., description="The effective tier: the override if any, else the computed tier.")
    tier_override: str
    segment: str
    computed_at: dt.datetime | None
    model_version: int | None = Field(None, description="Version of the active scoring model.")
    next_tier: NextTierOut | None = Field(None, description="Null at the top tier or when not scored.")
    breakdown: list[BreakdownOut]


class StaticValueIn(InputSchema):
    band: Id | None = Field(..., description="Id of one of the criterion's bands; null clears the value.")
    expected_band: Id | None = Field(
        ...,
        description="The band you saw (null: not set). If someone changed it since, the write is "
        "refused with 412 instead of replacing their choice.",
    )


class TierOverrideOut(Schema):
    id: int
    tier: str = Field(..., description="The tier set; empty: the override was removed.")
    previous_tier: str = Field(..., description="The effective tier before.")
    computed_tier: str = Field(..., description="The computed tier at the time.")
    computed_score: Decimal | None
    reason: str
    created_by: Ref | None
    created_at: dt.datetime


class TierOverrideIn(InputSchema):
    tier: TierOrNone = Field(..., description="A–D, or empty to remove the override.")
    reason: str = Field(..., max_length=2000, description="Required: kept in the customer's history.")
    expected_override: TierOrNone = Field(
        ..., description="The override you saw (empty: none); a changed override is refused with 412."
    )


class TierOverrideResultOut(Schema):
    override: TierOverrideOut
    tier: str = Field(..., description="The customer's effective tier now.")
    segment: str


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
    response={200: ScoreOut, **READ_ERRORS},
    summary="A customer's score with its breakdown and what would move it to the next tier",
)
def get_score(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    by = current_user(request)
    customer = get_visible_customer(by, customer_id)
    return _score_body(score_view(customer, viewer=by, overrides_limit=0))


@router.put(
    "/customers/{int:customer_id}/score/static/{criterion_code}",
    url_name="customer_static_value",
    response={200: ScoreOut, **BODY_CHECKED_WRITE_ERRORS},
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
    services.set_static_value(customer, criterion, band, by=by, expected_band=payload.expected_band)
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
    entry = services.override_tier(
        customer, by=by, tier=payload.tier, reason=payload.reason, expected_override=payload.expected_override
    )
    return Status(201, {"override": _override(entry), "tier": customer.tier, "segment": customer.segment})

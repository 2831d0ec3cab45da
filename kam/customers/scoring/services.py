"""Edits of the scoring model by an administrator: criteria, their bands, the tier thresholds.

Each edit is one transaction that first bumps the model's version (a stale editor gets a conflict,
never a silent overwrite of another administrator's change), writes, and then asks for a
background recompute of every customer, which starts once the edit has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import EllipsisType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.access import permissions
from kam.core.errors import ConflictError
from kam.core.versioning import versioned_update
from kam.customers.history import both_languages
from kam.customers.models import (
    CriterionKind,
    Customer,
    CustomerChange,
    CustomerCriterionValue,
    DynamicSource,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    Segment,
    Tier,
    TierOverride,
    TierThreshold,
)
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import tasks as rescores
from kam.org.models import User


def set_static_value(
    customer: Customer,
    criterion: ScoringCriterion,
    band: ScoreBand | None,
    *,
    by: User,
    expected_band: int | None | EllipsisType = ...,
) -> Customer:
    """Choose (or, with None, clear) the band of a static criterion for a customer and rescore it.

    `expected_band` is the value the user saw (None: not set). If someone changed it since, the
    write is refused with a ConflictError instead of silently replacing their choice; the demo and
    imports, which saw nothing, leave it out. The caller has already checked the customer is
    visible to `by` (selectors.customer_detail).
    """
    if criterion.kind != CriterionKind.STATIC or not criterion.is_active:
        raise ValidationError({"criterion": [_("Only an active static criterion is set by hand.")]})
    if not criterion.scoring_model.is_active:
        raise ValidationError(
            {"criterion": [_("This criterion belongs to a scoring model that is not in use.")]}
        )
    if band is not None and band.criterion_id != criterion.pk:
        raise ValidationError({"band": [_("Choose one of this criterion's values.")]})
    with transaction.atomic():
        # Locked on PostgreSQL, so a writer who read the same value waits and then sees the new one
        # (SQLite's IMMEDIATE transactions already run one writer at a time).
        current = (
            CustomerCriterionValue.objects.filter(customer=customer, criterion=criterion)
            .select_related("band", "updated_by")
            .select_for_update(of=("self",))
            .first()
        )
        current_band = current.band_id if current else None
        if current_band == (band.pk if band else None):
            return customer
        if expected_band is not ... and current_band != expected_band:
            raise _static_value_conflict(criterion, current)
        if current is None:
            assert band is not None  # clearing what is not set returned above
            try:
                with transaction.atomic():
                    CustomerCriterionValue.objects.create(
                        customer=customer, criterion=criterion, band=band, updated_by=by
                    )
            except IntegrityError:
                # Someone set a first value at the same moment (the unique constraint caught it).
                raise _static_value_conflict(criterion, None) from None
        else:
            # Written only if it is still the value read: never someone else's newer choice.
            still = CustomerCriterionValue.objects.filter(pk=current.pk, band_id=current_band)
            if band is None:
                written = still.delete()[0]
            else:
                written = still.update(band=band, updated_by=by, updated_at=timezone.now())
            if not written:
                raise _static_value_conflict(criterion, None)
        CustomerChange.objects.create(
            customer=customer,
            changed_by=by,
            **both_languages(
                lambda: (
                    f"{criterion.display_name}: "
                    f"{current.band.display_label if current else '—'} → {band.display_label if band else '—'}"
                )
            ),
        )
        rescores.request_rescore([customer.pk])
    customer.refresh_from_db()
    return customer


def _static_value_conflict(
    criterion: ScoringCriterion, current: CustomerCriterionValue | None
) -> ConflictError:
    if current is None:
        message = _("Someone changed “%(criterion)s” while you were looking. Choose again.") % {
            "criterion": criterion.display_name
        }
    else:
        message = _(
            "%(who)s set “%(criterion)s” to “%(value)s” at %(when)s while you were looking. "
            "Choose again to replace it."
        ) % {
            "who": current.updated_by or _("someone"),
            "criterion": criterion.display_name,
            "value": current.band.display_label,
            "when": timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M"),
        }
    return ConflictError(message)


def override_tier(
    customer: Customer, *, by: User, tier: str, reason: str, expected_override: str | None = None
) -> TierOverride:
    """Set the tier a manager decided (tier="" removes the override), with the reason, in history.

    `expected_override` is the override the manager saw; if someone changed it meanwhile the
    write is refused rather than silently replacing their decision.
    """
    permissions.check_override_tier(by)
    tier = (tier or "").strip()
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if tier and tier not in Tier.values:
        errors["tier"] = [_("Choose A, B, C or D, or nothing to remove the override.")]
    if not reason:
        errors["reason"] = [_("Say why: the reason is kept in the customer's history.")]
    if errors:
        raise ValidationError(errors)
    model = scoring.load_model()
    with transaction.atomic():
        current = (
            Customer.objects.filter(pk=customer.pk)
            .values_list("tier_override", "tier", "computed_tier", "score")
            .first()
        )
        if current is None:
            raise ValidationError(_("This customer no longer exists."))
        old_override, old_tier, computed_tier, score = current
        if expected_override is not None and expected_override != old_override:
            raise ConflictError(
                _(
                    "Someone changed this customer's tier override meanwhile. Reload to see it, then decide again."
                )
            )
        if tier == old_override:
            raise ValidationError({"tier": [_("The override is already %(tier)s.") % {"tier": tier or "—"}]})
        effective = tier or computed_tier or old_tier
        segment = model.segment_for_tier(effective) if model else customer.segment
        updated = Customer.objects.filter(pk=customer.pk, tier_override=old_override).update(
            tier_override=tier, tier=effective, segment=segment
        )
        if not updated:
            raise ConflictError()
        entry = TierOverride.objects.create(
            customer=customer,
            tier=tier,
            previous_tier=old_tier,
            computed_tier=computed_tier,
            computed_score=score,
            reason=reason,
            created_by=by,
        )
        CustomerChange.objects.create(
            customer=customer,
            changed_by=by,
            **both_languages(
                lambda: (
                    _("Tier overridden to %(tier)s: %(reason)s") % {"tier": tier, "reason": reason}
                    if tier
                    else _("Tier override removed: %(reason)s") % {"reason": reason}
                )
            ),
        )
    customer.refresh_from_db()
    return entry


ZERO = Decimal("0")
HUNDRED = Decimal("100")
# Fields of a criterion an administrator may change after it exists; code, kind and source are
# fixed, because customers' chosen values and the meaning of the bands hang on them.
CRITERION_FIELDS = ("name", "name_en", "weight", "is_active", "position")
TIERS = tuple(Tier.values)  # A first: the highest tier needs the highest score


@dataclass(frozen=True)
class BandInput:
    """One band as the administrator sent it; `id` names a band that stays (None: a new one)."""

    label: str
    points: Decimal | None
    label_en: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    id: int | None = None


class BandsInUse(ValidationError):
    """Deleting these bands would clear values customers have chosen; `counts` maps band id → customers."""

    def __init__(self, messages: dict[str, list[str]], counts: dict[int, int]) -> None:
        super().__init__(messages)
        self.counts = counts


@dataclass(frozen=True)
class ThresholdInput:
    tier: str
    min_score: Decimal | None
    segment: str


def active_model() -> ScoringModel | None:
    return ScoringModel.objects.filter(is_active=True).first()


def _bump(model: ScoringModel, version: int | None) -> None:
    """Claim the model for this edit: the conditional UPDATE refuses a stale version."""
    versioned_update(model, version, updated_at=timezone.now())


def _after_edit() -> None:
    # Every customer's score may move; the recompute runs in the background after the commit.
    rescores.request_rescore(None)


def _check_weights(model: ScoringModel) -> None:
    total = ScoringCriterion.objects.filter(scoring_model=model, is_active=True).aggregate(
        total=Sum("weight")
    )["total"]
    if not total:
        raise ValidationError(
            {
                "weight": [
                    _("At least one active criterion needs a weight above 0, or no score can be computed.")
                ]
            }
        )


# --- Criteria --------------------------------------------------------------------------------------


def _clean_criterion(criterion: ScoringCriterion) -> None:
    criterion.name = (criterion.name or "").strip()
    criterion.name_en = (criterion.name_en or "").strip()
    # scoring_model is set by the caller; uniqueness of the code is checked with the others here.
    criterion.full_clean(exclude=["scoring_model"], validate_constraints=False)


def update_criterion(
    criterion: ScoringCriterion, *, by: User, version: int | None, **changes: Any
) -> ScoringCriterion:
    """Change a criterion's names, weight, order or whether it counts."""
    permissions.check_edit_scoring_model(by)
    unknown = set(changes) - set(CRITERION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(criterion, name, value)
    _clean_criterion(criterion)
    model = criterion.scoring_model
    with transaction.atomic():
        _bump(model, version)
        criterion.save(update_fields=list(changes) or None)
        _check_weights(model)
        _after_edit()
    return criterion


def add_criterion(
    model: ScoringModel,
    *,
    by: User,
    version: int | None,
    code: str,
    name: str,
    kind: str,
    weight: Decimal | None,
    name_en: str = "",
    source: str = "",
    position: int | None = None,
    is_active: bool = True,
    bands: list[BandInput] | None = None,
) -> ScoringCriterion:
    """Add a static criterion (chosen by hand per customer) or a dynamic one (computed from `source`)."""
    permissions.check_edit_scoring_model(by)
    code = (code or "").strip()
    if weight is None:
        raise ValidationError({"weight": [_("Give the criterion a weight (0–100).")]})
    errors: dict[str, list[str]] = {}
    if kind not in CriterionKind.values:
        errors["kind"] = [_("Choose static or dynamic.")]
    elif kind == CriterionKind.STATIC and source:
        errors["source"] = [_("A static criterion is chosen by hand: it has no data source.")]
    elif kind == CriterionKind.DYNAMIC and source not in DynamicSource.values:
        errors["source"] = [_("Choose what a dynamic criterion is computed from.")]
    if errors:
        raise ValidationError(errors)
    criterion = ScoringCriterion(
        scoring_model=model,
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        source=source if kind == CriterionKind.DYNAMIC else "",
        weight=weight,
        is_active=is_active,
        position=0 if position is None else position,
    )
    _clean_criterion(criterion)
    band_rows = _clean_bands(criterion, bands or []) if bands else []
    with transaction.atomic():
        _bump(model, version)
        # Codes name criteria in addresses and imports: two that differ only in case would be mistaken.
        if ScoringCriterion.objects.filter(scoring_model=model, code__iexact=criterion.code).exists():
            raise ValidationError({"code": [_("Another criterion already has this code.")]})
        if position is None:
            last = model.criteria.order_by("-position").values_list("position", flat=True).first()
            criterion.position = (last or 0) + 1
        criterion.save()
        for index, band in enumerate(band_rows, start=1):
            ScoreBand.objects.create(criterion=criterion, position=index, **_band_fields(band))
        _check_weights(model)
        _after_edit()
    return criterion


# --- Bands ------------------------------------------------------------------------------------------


def _band_fields(band: BandInput) -> dict[str, Any]:
    return {
        "label": band.label,
        "label_en": band.label_en,
        "min_value": band.min_value,
        "max_value": band.max_value,
        "points": band.points,
    }


def _clean_bands(criterion: ScoringCriterion, bands: list[BandInput]) -> list[BandInput]:
    """Check the bands as a whole; errors are keyed `bands.<row>.<field>` (row from 0) or `bands`."""
    errors: dict[str, list[str]] = {}
    cleaned: list[BandInput] = []
    dynamic = criterion.kind == CriterionKind.DYNAMIC
    if not bands:
        errors["bands"] = [_("A criterion needs at least one band.")]
    seen_ids: set[int] = set()
    for row, band in enumerate(bands):
        label = (band.label or "").strip()
        label_en = (band.label_en or "").strip()
        key = f"bands.{row}"
        if not label:
            errors[f"{key}.label"] = [_("Give the band a label.")]
        elif len(label) > 100:
            errors[f"{key}.label"] = [_("At most 100 characters.")]
        if len(label_en) > 100:
            errors[f"{key}.label_en"] = [_("At most 100 characters.")]
        if band.points is None:
            errors[f"{key}.points"] = [_("Give the points of this band (0–100).")]
        elif not ZERO <= band.points <= HUNDRED:
            errors[f"{key}.points"] = [_("Points are between 0 and 100.")]
        if band.id is not None:
            if band.id in seen_ids:
                errors[f"{key}.id"] = [_("This band is listed twice.")]
            seen_ids.add(band.id)
        if dynamic:
            if band.min_value is not None and band.max_value is not None and band.min_value >= band.max_value:
                errors[f"{key}.max_value"] = [_("“To” must be above “from”.")]
        elif band.min_value is not None or band.max_value is not None:
            errors[f"{key}.min_value"] = [
                _("A static criterion's values are chosen by hand: leave “from” and “to” empty.")
            ]
        cleaned.append(
            BandInput(
                id=band.id,
                label=label,
                label_en=label_en,
                points=band.points,
                min_value=band.min_value if dynamic else None,
                max_value=band.max_value if dynamic else None,
            )
        )
    if dynamic:
        # Rows whose own range is wrong are reported as such, not again as overlaps.
        ranged = [(row, band) for row, band in enumerate(cleaned) if f"bands.{row}.max_value" not in errors]
        for key, messages in _overlaps(ranged).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _overlaps(bands: list[tuple[int, BandInput]]) -> dict[str, list[str]]:
    """Ranges [from, to) may leave gaps (a value in a gap scores 0) but must not overlap, or the
    band a value falls in would depend on the order of the rows. `bands` are (row, band) pairs."""
    low = Decimal("-Infinity")
    high = Decimal("Infinity")
    ordered = sorted(bands, key=lambda item: low if item[1].min_value is None else item[1].min_value)
    errors: dict[str, list[str]] = {}
    # The band reaching furthest so far: every later start below its end overlaps it.
    reach: BandInput | None = None
    for row, band in ordered:
        start = low if band.min_value is None else band.min_value
        end = high if band.max_value is None else band.max_value
        if reach is not None:
            reach_end = high if reach.max_value is None else reach.max_value
            if start < reach_end:
                errors.setdefault(f"bands.{row}.min_value", []).append(
                    _("This range overlaps “%(other)s”: a value must fall into one band only.")
                    % {"other": reach.label or "—"}
                )
            if end <= reach_end:
                continue
        reach = band
    return errors


def set_bands(
    criterion: ScoringCriterion,
    bands: list[BandInput],
    *,
    by: User,
    version: int | None,
    confirm_delete: bool = False,
) -> ScoringCriterion:
    """Replace all bands of one criterion at once, in the order given.

    A band sent with its id is updated in place, so customers who chose it keep their choice; a
    band left out is deleted. Deleting a band that customers have chosen clears their choice, so it
    is refused unless `confirm_delete` says the administrator accepts that.
    """
    permissions.check_edit_scoring_model(by)
    cleaned = _clean_bands(criterion, bands)
    model = criterion.scoring_model
    with transaction.atomic():
        _bump(model, version)
        existing = {band.pk: band for band in ScoreBand.objects.filter(criterion=criterion)}
        unknown = [
            (row, band.id)
            for row, band in enumerate(cleaned)
            if band.id is not None and band.id not in existing
        ]
        if unknown:
            raise ValidationError(
                {
                    f"bands.{row}.id": [_("This band is not one of this criterion's bands.")]
                    for row, _id in unknown
                }
            )
        kept = {band.id for band in cleaned if band.id is not None}
        dropped = [pk for pk in existing if pk not in kept]
        in_use = dict(
            CustomerCriterionValue.objects.filter(band_id__in=dropped)
            .order_by()
            .values("band_id")
            .annotate(n=Count("id"))
            .values_list("band_id", "n")
        )
        if in_use and not confirm_delete:
            raise BandsInUse(
                {
                    "bands": [
                        ngettext(
                            "“%(band)s” is chosen for %(count)d customer: deleting it clears that "
                            "customer's value. Keep the band, or confirm the deletion.",
                            "“%(band)s” is chosen for %(count)d customers: deleting it clears those "
                            "customers' values. Keep the band, or confirm the deletion.",
                            count,
                        )
                        % {"band": existing[pk].label, "count": count}
                        for pk, count in in_use.items()
                    ]
                },
                in_use,
            )
        ScoreBand.objects.filter(pk__in=dropped).delete()
        for position, band in enumerate(cleaned, start=1):
            fields = {**_band_fields(band), "position": position}
            if band.id is not None:
                ScoreBand.objects.filter(pk=band.id).update(**fields)
            else:
                ScoreBand.objects.create(criterion=criterion, **fields)
        _after_edit()
    return criterion


def customers_per_band(criterion_ids: list[int] | None = None) -> dict[int, int]:
    """How many customers chose each static band: what deleting the band would clear."""
    qs = CustomerCriterionValue.objects.order_by()
    if criterion_ids is not None:
        qs = qs.filter(criterion_id__in=criterion_ids)
    return dict(qs.values("band_id").annotate(n=Count("id")).values_list("band_id", "n"))


# --- Thresholds -------------------------------------------------------------------------------------


def set_thresholds(
    model: ScoringModel, thresholds: list[ThresholdInput], *, by: User, version: int | None
) -> ScoringModel:
    """Set the minimum total score and the segment of every tier; A needs more than B, B than C …"""
    permissions.check_edit_scoring_model(by)
    errors: dict[str, list[str]] = {}
    by_tier: dict[str, ThresholdInput] = {}
    for item in thresholds:
        if item.tier not in TIERS:
            errors.setdefault("thresholds", []).append(_("Unknown tier %(tier)s.") % {"tier": item.tier})
            continue
        if item.tier in by_tier:
            errors[f"{item.tier}.tier"] = [_("Tier %(tier)s is given twice.") % {"tier": item.tier}]
        by_tier[item.tier] = item
    missing = [tier for tier in TIERS if tier not in by_tier]
    if missing:
        errors.setdefault("thresholds", []).append(
            _("Give a minimum score for every tier; missing: %(tiers)s.") % {"tiers": ", ".join(missing)}
        )
    for tier, item in by_tier.items():
        if item.min_score is None:
            errors[f"{tier}.min_score"] = [_("Give the minimum score (0–100).")]
        elif not ZERO <= item.min_score <= HUNDRED:
            errors[f"{tier}.min_score"] = [_("The minimum score is between 0 and 100.")]
        if item.segment not in Segment.values:
            errors[f"{tier}.segment"] = [_("Choose the segment of this tier.")]
    if not errors:
        for higher, lower in zip(TIERS, TIERS[1:], strict=False):
            high_score, low_score = by_tier[higher].min_score, by_tier[lower].min_score
            assert high_score is not None and low_score is not None
            if high_score <= low_score:
                errors[f"{higher}.min_score"] = [
                    _("Tier %(higher)s must need more than tier %(lower)s (%(score)s).")
                    % {"higher": higher, "lower": lower, "score": low_score}
                ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _bump(model, version)
        for tier in TIERS:
            item = by_tier[tier]
            assert item.min_score is not None  # checked above
            TierThreshold.objects.update_or_create(
                scoring_model=model,
                tier=tier,
                defaults={"min_score": item.min_score, "segment": item.segment},
            )
        _after_edit()
    return model

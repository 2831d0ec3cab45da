"""Writes to customers; edits are version-checked and leave a history row."""

from __future__ import annotations

from types import EllipsisType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.core.errors import ConflictError
from kam.core.versioning import versioned_update
from kam.customers.history import both_languages
from kam.customers.models import (
    CriterionKind,
    Customer,
    CustomerChange,
    CustomerCriterionValue,
    ScoreBand,
    ScoringCriterion,
    Tier,
    TierOverride,
)
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import tasks as rescores
from kam.org.models import User

# Inputs of the score that live on the customer row: changing one recomputes the score.
SCORED_FIELDS = ("category_purchases",)

CUSTOMER_FIELDS = (
    "name",
    "short_name",
    "parent",
    "owner",
    "industry",
    "region",
    "status",
    "annual_revenue",
    "category_purchases",
    "employees",
    "notes",
)


def check_parent(customer: Customer | None, parent: Customer | None) -> None:
    if parent is None or customer is None or customer.pk is None:
        return
    node: Customer | None = parent
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == customer.pk:
            raise ValidationError(
                {"parent": [_("A customer cannot be inside its own group (that would be a cycle).")]}
            )
        seen.add(node.pk)
        node = Customer.objects.filter(pk=node.parent_id).first() if node.parent_id else None


def create_customer(*, by: User, name: str, owner: User | None = None, **fields: Any) -> Customer:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in sorted(unknown)})
    customer = Customer(name=(name or "").strip(), owner=owner or by, **fields)
    customer.full_clean()
    with transaction.atomic():
        customer.save()
        CustomerChange.objects.create(
            customer=customer, changed_by=by, **both_languages(lambda: _("Created"))
        )
        rescores.request_rescore([customer.pk])
    customer.refresh_from_db()
    return customer


def update_customer(customer: Customer, *, by: User, version: int | None, **changes: Any) -> Customer:
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in sorted(unknown)})
    if "parent" in changes:
        check_parent(customer, changes["parent"])
    if (
        "owner" in changes
        and changes["owner"] != customer.owner
        and not permissions.may_hand_over_customer(by, customer)
    ):
        raise ValidationError(
            {"owner": [_("Only the customer's owner or a manager hands the customer to someone else.")]}
        )
    candidate = Customer(**{f: getattr(customer, f) for f in CUSTOMER_FIELDS if f not in ("parent", "owner")})
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.full_clean(exclude=["parent", "owner"])
    changed = [name for name, value in changes.items() if getattr(customer, name) != value]
    with transaction.atomic():
        versioned_update(customer, version, **changes)
        if changed:
            labels = {f.name: f.verbose_name for f in Customer._meta.fields}
            CustomerChange.objects.create(
                customer=customer,
                changed_by=by,
                **both_languages(lambda: ", ".join(f"{labels[n]}: {getattr(customer, n)}" for n in changed)),
            )
        if any(name in SCORED_FIELDS for name in changed):
            rescores.request_rescore([customer.pk])
            customer.refresh_from_db()
    return customer


# --- Scoring inputs and tier overrides ------------------------------------------------------------


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

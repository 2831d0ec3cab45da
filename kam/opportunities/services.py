"""Every write to opportunities goes through here: views, API, imports and the demo alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ConflictError, RuleViolation
from kam.core.versioning import versioned_update
from kam.customers.models import Customer
from kam.opportunities import gates, rollups
from kam.opportunities.models import (
    CloseReason,
    Competitor,
    CriterionCheck,
    DatePrecision,
    ExitCriterion,
    MemberRole,
    NumberSequence,
    Opportunity,
    OpportunityChange,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityMember,
    OpportunityStatus,
    SalesProcess,
    Stage,
    StageChange,
    period_end,
)
from kam.opportunities.signals import health_inputs_changed, score_inputs_changed
from kam.org.models import User
from kam.relationships.models import Contact, DecisionRole, Stance

# Fields an update may touch, with whether a change is worth a history row.
# Fields of an opportunity that are inputs of its customer's score (kam.customers.scoring).
SCORE_INPUTS = {"amount", "amount_low", "amount_high", "gross_margin"}


def _score_inputs_changed(opportunity: Opportunity) -> None:
    score_inputs_changed.send(sender=Opportunity, customer_ids=[opportunity.customer_id])


def _health_inputs_changed(opportunity_id: int) -> None:
    """Last in each writing transaction, so the flags are recomputed from what it wrote."""
    health_inputs_changed.send(sender=Opportunity, opportunity_ids=[opportunity_id])


EDITABLE_FIELDS = (
    "name",
    "amount",
    "amount_low",
    "amount_high",
    "sign_date",
    "sign_date_precision",
    "product_line",
    "gross_margin",
    "expense_budget",
    "customer_lead",
    "initiated_at",
    "owner",
    "forecast_category",
)
TRACKED_FIELDS = (
    "name",
    "amount",
    "amount_low",
    "amount_high",
    "sign_date",
    "sign_date_precision",
    "owner",
    "forecast_category",
)


@dataclass
class MoveResult:
    opportunity: Opportunity
    change: StageChange
    warnings: list[str] = field(default_factory=list)


def default_process() -> SalesProcess:
    process = (
        SalesProcess.objects.filter(is_default=True).first() or SalesProcess.objects.order_by("id").first()
    )
    if process is None:
        raise RuleViolation(_("No sales process is configured."))
    return process


def next_project_number(when: dt.date | None = None) -> str:
    """Prefix + year + yearly sequence (XM-2026-0001); the counter row is bumped atomically."""
    when = when or timezone.localdate()
    prefix = settings.KAM_PROJECT_NUMBER_PREFIX
    with transaction.atomic():
        NumberSequence.objects.get_or_create(prefix=prefix, year=when.year)
        NumberSequence.objects.filter(prefix=prefix, year=when.year).update(last=F("last") + 1)
        last = NumberSequence.objects.get(prefix=prefix, year=when.year).last
    return f"{prefix}-{when.year}-{last:04d}"


# Worked out once: `DatePrecision.values` builds its list anew on every read (an import checks
# thousands of rows).
_PRECISIONS = frozenset(DatePrecision.values)


def validate_four_elements(
    stage: Stage,
    *,
    name: str | None,
    amount: Decimal | None,
    amount_low: Decimal | None,
    amount_high: Decimal | None,
    sign_date: dt.date | None,
    sign_date_precision: str,
) -> None:
    """Check the four elements against the stage's rules (data on the stage, not code)."""
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors.setdefault("name", []).append(_("Name is required."))
    for label, value in (("amount", amount), ("amount_low", amount_low), ("amount_high", amount_high)):
        if value is not None and value < 0:
            errors.setdefault(label, []).append(_("Amount cannot be negative."))
    if (amount_low is None) != (amount_high is None):
        errors.setdefault("amount_high", []).append(_("Give both ends of the amount range, or neither."))
    if amount_low is not None and amount_high is not None and amount_low > amount_high:
        errors.setdefault("amount_high", []).append(
            _("The high end of the range must not be below the low end.")
        )
    if (
        amount is not None
        and amount_low is not None
        and amount_high is not None
        and not (amount_low <= amount <= amount_high)
    ):
        errors.setdefault("amount", []).append(_("The amount must lie within the range."))
    if stage.requires_exact_amount and amount is None:
        errors.setdefault("amount", []).append(
            _("From stage %(stage)s on, a single amount is required (a range is not enough).")
            % {"stage": stage.code}
        )
    if sign_date_precision not in _PRECISIONS:
        errors.setdefault("sign_date_precision", []).append(_("Unknown date precision."))
    if stage.requires_exact_date:
        if sign_date is None:
            errors.setdefault("sign_date", []).append(
                _("From stage %(stage)s on, an expected sign date is required.") % {"stage": stage.code}
            )
        elif sign_date_precision != DatePrecision.DAY:
            errors.setdefault("sign_date_precision", []).append(
                _("From stage %(stage)s on, the sign date must be a day, not a month or quarter.")
                % {"stage": stage.code}
            )
    if errors:
        raise ValidationError(errors)


def _validate_related(customer: Customer | None, customer_lead: Contact | None) -> None:
    if customer_lead is not None and customer is not None and customer_lead.customer_id != customer.pk:
        raise ValidationError(
            {"customer_lead": [_("The customer-side lead must be a contact of this customer.")]}
        )


def create_opportunity(
    *,
    by: User,
    customer: Customer,
    name: str,
    owner: User | None = None,
    stage: Stage | None = None,
    amount: Decimal | None = None,
    amount_low: Decimal | None = None,
    amount_high: Decimal | None = None,
    sign_date: dt.date | None = None,
    sign_date_precision: str = DatePrecision.DAY,
    product_line: str = "",
    gross_margin: Decimal | None = None,
    expense_budget: Decimal | None = None,
    customer_lead: Contact | None = None,
    initiated_at: dt.date | None = None,
    forecast_category: str = "",
    note: str = "",
    created_at: dt.datetime | None = None,
) -> Opportunity:
    stage = stage or default_process().stages.order_by("order").first()
    if stage is None:
        raise RuleViolation(_("The sales process has no stages."))
    validate_four_elements(
        stage,
        name=name,
        amount=amount,
        amount_low=amount_low,
        amount_high=amount_high,
        sign_date=sign_date,
        sign_date_precision=sign_date_precision,
    )
    _validate_related(customer, customer_lead)
    now = created_at or timezone.now()
    with transaction.atomic():
        opportunity = Opportunity(
            project_number=next_project_number(timezone.localtime(now).date()),
            name=name.strip(),
            customer=customer,
            owner=owner or by,
            stage=stage,
            stage_entered_at=now,
            furthest_stage_order=stage.order,
            amount=amount,
            amount_low=amount_low,
            amount_high=amount_high,
            sign_date=period_end(sign_date, sign_date_precision) if sign_date else None,
            sign_date_precision=sign_date_precision,
            product_line=product_line,
            gross_margin=gross_margin,
            expense_budget=expense_budget,
            customer_lead=customer_lead,
            initiated_at=initiated_at,
            forecast_category=forecast_category,
        )
        opportunity.full_clean(exclude=["project_number"])
        opportunity.save()
        if created_at is not None:
            Opportunity.objects.filter(pk=opportunity.pk).update(created_at=created_at)
        rollups.add_new([opportunity.pk])
        StageChange.objects.create(
            opportunity=opportunity, from_stage=None, to_stage=stage, changed_by=by, changed_at=now, note=note
        )
        OpportunityMember.objects.get_or_create(
            opportunity=opportunity,
            user=opportunity.owner,
            defaults={"role": MemberRole.LEADER, "is_owner": True},
        )
        # An open opportunity feeds the customer's weighted pipeline, one of the score's inputs.
        _score_inputs_changed(opportunity)
        _health_inputs_changed(opportunity.pk)
    return opportunity


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, User):
        return value.username
    return str(value)


def update_opportunity(
    opportunity: Opportunity, *, by: User, version: int | None, **changes: Any
) -> Opportunity:
    """Edit the opportunity's fields (not its stage or status: those have their own services)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    if not opportunity.is_open:
        raise RuleViolation(_("A closed opportunity cannot be edited."))
    merged = {name: changes.get(name, getattr(opportunity, name)) for name in EDITABLE_FIELDS}
    precision = merged["sign_date_precision"] or DatePrecision.DAY
    validate_four_elements(
        opportunity.stage,
        name=merged["name"],
        amount=merged["amount"],
        amount_low=merged["amount_low"],
        amount_high=merged["amount_high"],
        sign_date=merged["sign_date"],
        sign_date_precision=precision,
    )
    _validate_related(opportunity.customer, merged["customer_lead"])
    if merged["sign_date"] is not None:
        merged["sign_date"] = period_end(merged["sign_date"], precision)
    if isinstance(merged["name"], str):
        merged["name"] = merged["name"].strip()
    fields = {name: merged[name] for name in changes}
    if "sign_date" in changes or "sign_date_precision" in changes:
        fields["sign_date"] = merged["sign_date"]
    candidate = Opportunity(**{**{f: getattr(opportunity, f) for f in EDITABLE_FIELDS}, **fields})
    candidate.full_clean(
        exclude=["project_number", "customer", "stage", "owner", "customer_lead"],
        validate_unique=False,
        validate_constraints=False,
    )
    with transaction.atomic():
        before = {name: getattr(opportunity, name) for name in TRACKED_FIELDS}
        with rollups.track([opportunity.pk] if rollups.ROLLUP_FIELDS & set(fields) else []):
            versioned_update(opportunity, version, updated_at=timezone.now(), **fields)
            if "owner" in fields and before["owner"].pk != opportunity.owner_id:
                # Inside the tracked write: the team rollup moves with the flags.
                _owner_on_team(opportunity)
        OpportunityChange.objects.bulk_create(
            OpportunityChange(
                opportunity=opportunity,
                subject_label=opportunity.project_number,
                field=name,
                old_value=_display(before[name])[:300],
                new_value=_display(getattr(opportunity, name))[:300],
                changed_by=by,
            )
            for name in TRACKED_FIELDS
            if name in fields and before[name] != getattr(opportunity, name)
        )
        if SCORE_INPUTS & set(fields):
            _score_inputs_changed(opportunity)
        # Every edit moves updated_at (the no-update rule); slips come from the changes above.
        _health_inputs_changed(opportunity.pk)
    return opportunity


def _owner_on_team(opportunity: Opportunity) -> None:
    """After a reassignment: which deal-team row is the owner's (`OpportunityMember.is_owner`).
    The new owner sees the deal as its owner, the old one keeps the membership they had."""
    rollups.fix_owner_flags(OpportunityMember.objects.filter(opportunity=opportunity))


def open_exit_criteria(opportunity: Opportunity, stage: Stage | None = None) -> list[ExitCriterion]:
    stage = stage or opportunity.stage
    done = CriterionCheck.objects.filter(opportunity=opportunity).values("criterion_id")
    return list(stage.exit_criteria.exclude(pk__in=done))


def move_stage(
    opportunity: Opportunity,
    to_stage: Stage,
    *,
    by: User,
    note: str = "",
    key_node_confirmed: bool = False,
    version: int | None = None,
    changed_at: dt.datetime | None = None,
    achieved: str = "",
    carry_over: str = "",
) -> MoveResult:
    """Move an open opportunity to another stage of its process.

    Forward needs the target stage's key node confirmed; backward needs a note. Open exit
    criteria of the stage being left are returned as warnings (or refuse, if that stage says so).
    The stage summary of the stage being left (achieved, carry_over) is kept on the move.
    """
    from_stage = opportunity.stage
    if not opportunity.is_open:
        raise RuleViolation(_("Only an open opportunity can change stage."))
    if to_stage.process_id != from_stage.process_id:
        raise RuleViolation(_("The stage belongs to another sales process."))
    if to_stage.pk == from_stage.pk:
        raise RuleViolation(_("The opportunity is already in stage %(stage)s.") % {"stage": to_stage.code})
    forward = to_stage.order > from_stage.order
    warnings: list[str] = []
    if forward:
        if not key_node_confirmed:
            raise RuleViolation(
                _("Moving to %(stage)s needs its key node confirmed: %(node)s.")
                % {"stage": to_stage.code, "node": to_stage.display_key_node},
                {"key_node_confirmed": [_("Confirm the key node to move forward.")]},
            )
        # A jump forward enters every stage it passes: each one's gates apply.
        entered = list(
            Stage.objects.filter(
                process_id=to_stage.process_id, order__gt=from_stage.order, order__lte=to_stage.order
            ).order_by("order")
        )
        refused = gates.refusals(opportunity, entered)
        if refused:
            raise RuleViolation(" ".join(refused))
        open_criteria = open_exit_criteria(opportunity, from_stage)
        if open_criteria and from_stage.blocks_on_open_criteria:
            raise RuleViolation(
                _("Stage %(stage)s still has open exit criteria: %(items)s.")
                % {"stage": from_stage.code, "items": "; ".join(c.display_text for c in open_criteria)}
            )
        warnings = [
            _("Open exit criterion of %(stage)s: %(item)s")
            % {"stage": from_stage.code, "item": c.display_text}
            for c in open_criteria
        ]
        try:
            validate_four_elements(
                to_stage,
                name=opportunity.name,
                amount=opportunity.amount,
                amount_low=opportunity.amount_low,
                amount_high=opportunity.amount_high,
                sign_date=opportunity.sign_date,
                sign_date_precision=opportunity.sign_date_precision,
            )
        except ValidationError as exc:
            messages = [str(m) for errors in exc.message_dict.values() for m in errors]
            raise RuleViolation(
                _("The four elements do not meet %(stage)s's rules: %(messages)s")
                % {"stage": to_stage.code, "messages": " ".join(messages)},
                exc.message_dict,
            ) from exc
    elif not note.strip():
        raise RuleViolation(
            _("Moving back to %(stage)s needs a note saying why.") % {"stage": to_stage.code},
            {"note": [_("A note is required for a backward move.")]},
        )
    now = changed_at or timezone.now()
    with transaction.atomic():
        expected = opportunity.version if version is None else version
        # Guard on the stage as well as the version: two people dragging the same card race here.
        with rollups.track([opportunity.pk]):
            updated = Opportunity.objects.filter(
                pk=opportunity.pk, version=expected, stage=from_stage
            ).update(
                stage=to_stage,
                stage_entered_at=now,
                furthest_stage_order=Greatest(F("furthest_stage_order"), Value(to_stage.order)),
                version=F("version") + 1,
                updated_at=now,
            )
            if updated == 0:
                current = (
                    Opportunity.objects.filter(pk=opportunity.pk).values_list("version", flat=True).first()
                )
                raise ConflictError(current_version=current)
        opportunity.stage = to_stage
        opportunity.stage_entered_at = now
        opportunity.furthest_stage_order = max(opportunity.furthest_stage_order, to_stage.order)
        opportunity.version = expected + 1
        change = StageChange.objects.create(
            opportunity=opportunity,
            from_stage=from_stage,
            to_stage=to_stage,
            changed_by=by,
            changed_at=now,
            note=note.strip(),
            achieved=achieved.strip(),
            carry_over=carry_over.strip(),
        )
        _score_inputs_changed(opportunity)
        _health_inputs_changed(opportunity.pk)
    return MoveResult(opportunity=opportunity, change=change, warnings=warnings)


CLOSED_STATUSES = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)


def close_opportunity(
    opportunity: Opportunity,
    *,
    by: User,
    status: str,
    reason: str = "",
    lost_to: Competitor | None = None,
    version: int | None = None,
    closed_at: dt.datetime | None = None,
    reason_choice: CloseReason | None = None,
    lessons: str = "",
) -> Opportunity:
    """End an opportunity as won, lost or dropped; every close needs a reason.

    The reason is one from the administrators' list for the outcome (reason_choice), words
    (reason), or both; a listed loss reason may ask for the competitor the deal was lost to.
    """
    errors: dict[str, list[str]] = {}
    if status not in CLOSED_STATUSES:
        errors["status"] = [_("Choose won, lost or dropped.")]
    if reason_choice is None and not (reason or "").strip():
        errors["reason"] = [_("A reason is required to close an opportunity.")]
    if reason_choice is not None:
        if reason_choice.outcome != status:
            errors["reason_choice"] = [_("The reason belongs to another outcome.")]
        elif not reason_choice.is_active:
            errors["reason_choice"] = [_("This reason is no longer in use.")]
        elif reason_choice.needs_competitor and lost_to is None:
            errors["lost_to"] = [_("Name the competitor the opportunity was lost to.")]
    if status != OpportunityStatus.LOST and lost_to is not None:
        errors["lost_to"] = [_("Only a lost opportunity names the competitor it was lost to.")]
    if errors:
        raise ValidationError(errors)
    if not opportunity.is_open:
        raise RuleViolation(_("This opportunity is already closed."))
    now = closed_at or timezone.now()
    with transaction.atomic():
        fields: dict[str, Any] = {
            "status": status,
            "close_reason": (reason or "").strip() or (reason_choice.display_name if reason_choice else ""),
            "close_reason_choice": reason_choice,
            "lessons": lessons.strip(),
            "lost_to": lost_to,
            "closed_at": now,
            "updated_at": now,
        }
        won_stage = None
        if status == OpportunityStatus.WON:
            won_stage = opportunity.stage.process.stages.filter(is_won=True).order_by("order").first()
            if won_stage is not None and won_stage.order > opportunity.stage.order:
                fields["stage"] = won_stage
                fields["stage_entered_at"] = now
                fields["furthest_stage_order"] = max(opportunity.furthest_stage_order, won_stage.order)
            else:
                won_stage = None
        from_stage = opportunity.stage
        with rollups.track([opportunity.pk]):
            versioned_update(opportunity, version, **fields)
        if won_stage is not None:
            StageChange.objects.create(
                opportunity=opportunity,
                from_stage=from_stage,
                to_stage=won_stage,
                changed_by=by,
                changed_at=now,
                note=_("Won: %(reason)s") % {"reason": fields["close_reason"]},
            )
        OpportunityChange.objects.create(
            opportunity=opportunity,
            field="status",
            old_value=OpportunityStatus.OPEN,
            new_value=status,
            changed_by=by,
        )
        # A won deal moves the customer's revenue, profit, share of wallet and pipeline; a lost one its pipeline.
        _score_inputs_changed(opportunity)
        _health_inputs_changed(opportunity.pk)  # a closed deal keeps no flag
    return opportunity


def set_criterion_checked(
    opportunity: Opportunity, criterion: ExitCriterion, *, by: User, checked: bool
) -> None:
    if criterion.stage.process_id != opportunity.stage.process_id:
        raise RuleViolation(_("The criterion belongs to another sales process."))
    if not opportunity.is_open:
        # What was done before the close is the deal's record; the review reads it as it was.
        raise RuleViolation(_("A closed opportunity's exit criteria no longer change."))
    with transaction.atomic():
        if checked:
            CriterionCheck.objects.get_or_create(
                opportunity=opportunity, criterion=criterion, defaults={"checked_by": by}
            )
        else:
            CriterionCheck.objects.filter(opportunity=opportunity, criterion=criterion).delete()


def set_member(
    opportunity: Opportunity, user: User, *, by: User, role: str, part: str = ""
) -> OpportunityMember:
    if role not in MemberRole.values:
        raise ValidationError({"role": [_("Unknown deal team role.")]})
    with transaction.atomic(), rollups.track([opportunity.pk]):
        member, _created = OpportunityMember.objects.update_or_create(
            opportunity=opportunity,
            user=user,
            defaults={"role": role, "part": part, "is_owner": user.pk == opportunity.owner_id},
        )
    return member


def remove_member(opportunity: Opportunity, user: User, *, by: User) -> None:
    if user.pk == opportunity.owner_id:
        raise RuleViolation(_("The owner stays on the deal team."))
    with transaction.atomic(), rollups.track([opportunity.pk]):
        OpportunityMember.objects.filter(opportunity=opportunity, user=user).delete()


def set_contact_role(
    opportunity: Opportunity, contact: Contact, *, by: User, decision_role: str, stance: str = Stance.NEUTRAL
) -> OpportunityContact:
    errors: dict[str, list[str]] = {}
    if contact.customer_id != opportunity.customer_id:
        errors["contact"] = [_("The contact must belong to the opportunity's customer.")]
    if decision_role not in DecisionRole.values:
        errors["decision_role"] = [_("Unknown decision role.")]
    if stance not in Stance.values:
        errors["stance"] = [_("Stance must be A, B or C.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry, _created = OpportunityContact.objects.update_or_create(
            opportunity=opportunity, contact=contact, decision_role=decision_role, defaults={"stance": stance}
        )
        _health_inputs_changed(opportunity.pk)
    return entry


def remove_contact_role(entry: OpportunityContact, *, by: User) -> None:
    with transaction.atomic():
        entry.delete()
        _health_inputs_changed(entry.opportunity_id)


def add_competitor(
    opportunity: Opportunity,
    competitor: Competitor,
    *,
    by: User,
    strengths: str = "",
    weaknesses: str = "",
    notes: str = "",
) -> OpportunityCompetitor:
    with transaction.atomic():
        entry, _created = OpportunityCompetitor.objects.update_or_create(
            opportunity=opportunity,
            competitor=competitor,
            defaults={"strengths": strengths, "weaknesses": weaknesses, "notes": notes},
        )
    return entry

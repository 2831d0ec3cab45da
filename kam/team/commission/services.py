"""Every write of commission: plans, deal splits, statements (compute, recompute, submit, approve,
return). Each public function is one transaction; approved lines are never rewritten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.permissions import (
    check_approve_statement,
    check_compute_statement,
    check_edit_plans,
    check_set_split,
    check_submit_statement,
)
from kam.core.errors import ConflictError, RuleViolation
from kam.core.versioning import require_version, versioned_update
from kam.opportunities.models import MemberRole, Opportunity
from kam.org.models import User
from kam.team.commission.inputs import calculate
from kam.team.commission.models import (
    HUNDRED,
    Band,
    BandKind,
    CommissionPlan,
    DealShare,
    DealSplit,
    Layer,
    Statement,
    StatementLine,
    StatementStatus,
)

TIER_LETTERS = set("ABCD")


@dataclass
class LayerSpec:
    name: str
    name_en: str = ""
    tiers: str = ""
    customer_kind: str = ""
    product_line: str = ""
    factor: Decimal = Decimal("1")


@dataclass
class BandSpec:
    lower: Decimal
    rate: Decimal


def _bump(instance: Model, version: int, **fields: Any) -> None:
    """Move the version on (and write `fields`) if the row still has `version`; else a conflict."""
    model = type(instance)
    if not model._default_manager.filter(pk=instance.pk, version=version).update(
        version=F("version") + 1, **fields
    ):
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise ConflictError(current_version=current)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.version = version + 1  # type: ignore[attr-defined]


# Plans -------------------------------------------------------------------------------------------

PLAN_FIELDS = (
    "name",
    "name_en",
    "role_family",
    "base",
    "band_kind",
    "cap",
    "floor",
    "use_star_multiplier",
    "is_active",
    "notes",
)


def _check_bands(bands: Sequence[BandSpec]) -> None:
    if not bands:
        raise ValidationError({"bands": [_("A plan needs at least one band.")]})
    lowers = sorted(b.lower for b in bands)
    if lowers[0] != 0:
        raise ValidationError({"bands": [_("The first band starts at 0.")]})
    if len(set(lowers)) != len(lowers):
        raise ValidationError({"bands": [_("Two bands start at the same edge.")]})
    if any(b.rate < 0 or b.lower < 0 for b in bands):
        raise ValidationError({"bands": [_("Edges and rates cannot be negative.")]})


def _check_layers(layers: Sequence[LayerSpec]) -> None:
    for layer in layers:
        if not layer.name.strip():
            raise ValidationError({"layers": [_("Every layer needs a name.")]})
        if set(layer.tiers.upper()) - TIER_LETTERS:
            raise ValidationError({"layers": [_("Tiers are letters among A, B, C and D.")]})
        if layer.factor < 0:
            raise ValidationError({"layers": [_("A layer's factor cannot be negative.")]})


def _check_limits(cap: Decimal | None, floor: Decimal | None) -> None:
    if cap is not None and floor is not None and cap < floor:
        raise ValidationError({"cap": [_("The cap cannot be below the floor.")]})


def _write_parts(
    plan: CommissionPlan, layers: Sequence[LayerSpec] | None, bands: Sequence[BandSpec] | None
) -> None:
    if layers is not None:
        plan.layers.all().delete()
        Layer.objects.bulk_create(
            Layer(
                plan=plan,
                order=i,
                name=spec.name.strip(),
                name_en=spec.name_en.strip(),
                tiers="".join(sorted(set(spec.tiers.upper()))),
                customer_kind=spec.customer_kind,
                product_line=spec.product_line.strip(),
                factor=spec.factor,
            )
            for i, spec in enumerate(layers)
        )
    if bands is not None:
        plan.bands.all().delete()
        Band.objects.bulk_create(Band(plan=plan, lower=b.lower, rate=b.rate) for b in bands)


@transaction.atomic
def create_plan(
    *,
    by: User,
    layers: Sequence[LayerSpec] = (),
    bands: Sequence[BandSpec],
    people: Iterable[User] = (),
    **fields: Any,
) -> CommissionPlan:
    check_edit_plans(by)
    _check_bands(bands)
    _check_layers(layers)
    _check_limits(fields.get("cap"), fields.get("floor"))
    if CommissionPlan.objects.filter(name=fields.get("name", "")).exists():
        raise ValidationError({"name": [_("A plan with this name exists.")]})
    plan = CommissionPlan(**{k: v for k, v in fields.items() if k in PLAN_FIELDS})
    plan.full_clean(exclude=["people"])
    plan.save()
    _write_parts(plan, layers, bands)
    plan.people.set(list(people))
    return plan


@transaction.atomic
def update_plan(
    plan: CommissionPlan,
    *,
    by: User,
    version: int | None,
    layers: Sequence[LayerSpec] | None = None,
    bands: Sequence[BandSpec] | None = None,
    people: Iterable[User] | None = None,
    **fields: Any,
) -> CommissionPlan:
    check_edit_plans(by)
    require_version(plan, version)
    if bands is not None:
        _check_bands(bands)
    if layers is not None:
        _check_layers(layers)
    changes = {k: v for k, v in fields.items() if k in PLAN_FIELDS}
    _check_limits(changes.get("cap", plan.cap), changes.get("floor", plan.floor))
    if "name" in changes and CommissionPlan.objects.filter(name=changes["name"]).exclude(pk=plan.pk).exists():
        raise ValidationError({"name": [_("A plan with this name exists.")]})
    if layers is not None or bands is not None or people is not None:
        # The parts change: the plan's version moves even when its own fields stay.
        _bump(plan, plan.version if version is None else version)
        _write_parts(plan, layers, bands)
        if people is not None:
            plan.people.set(list(people))
        version = plan.version
    versioned_update(plan, version, **changes)
    return plan


def plan_of(person: User) -> CommissionPlan | None:
    return person.commission_plans.filter(is_active=True).order_by("name").first()  # type: ignore[attr-defined]


# Deal splits ---------------------------------------------------------------------------------------


def split_candidates(opportunity: Opportunity) -> list[User]:
    """Who may share a deal: its owner and its deal team's leader and members (not the monitor or
    the executive sponsor)."""
    ids = {opportunity.owner_id} | set(
        opportunity.members.filter(role__in=[MemberRole.LEADER, MemberRole.MEMBER]).values_list(
            "user_id", flat=True
        )
    )
    return list(User.objects.filter(pk__in=ids).order_by("username"))


@transaction.atomic
def set_split(
    opportunity: Opportunity, *, by: User, version: int | None, shares: Sequence[tuple[User, Decimal]]
) -> DealSplit | None:
    """Replace the deal's split. Shares must be positive and sum to exactly 100 %; no shares at all
    removes the split (100 % to the owner again). `version` is the split's (0: none yet)."""
    check_set_split(by, opportunity)
    split = DealSplit.objects.select_for_update().filter(opportunity=opportunity).first()
    current = split.version if split is not None else 0
    if version is not None and version != current:
        raise ConflictError(current_version=current)
    allowed = {u.pk for u in split_candidates(opportunity)}
    seen: set[int] = set()
    for user, share in shares:
        if user.pk not in allowed:
            raise ValidationError({"shares": [_("%(name)s is not on this deal's team.") % {"name": user}]})
        if user.pk in seen:
            raise ValidationError({"shares": [_("%(name)s is listed twice.") % {"name": user}]})
        if share <= 0 or share > HUNDRED:
            raise ValidationError({"shares": [_("Each share is more than 0 % and at most 100 %.")]})
        seen.add(user.pk)
    total = sum((s for _u, s in shares), Decimal("0"))
    if shares and total != HUNDRED:
        raise ValidationError(
            {
                "shares": [
                    _("The shares add up to %(total)s %%; they must add up to 100 %%.") % {"total": total}
                ]
            }
        )
    if not shares:
        if split is not None:
            split.delete()
        return None
    if split is None:
        split = DealSplit.objects.create(opportunity=opportunity, updated_by=by)
    else:
        DealSplit.objects.filter(pk=split.pk).update(
            version=current + 1, updated_by=by, updated_at=timezone.now()
        )
        split.refresh_from_db()
        split.shares.all().delete()
    DealShare.objects.bulk_create(DealShare(split=split, user=u, share=s) for u, s in shares)
    return split


# Statements ------------------------------------------------------------------------------------------


def _fill(statement: Statement) -> None:
    """Compute the statement's figures and write its lines (a new or a draft statement only)."""
    plan, person = statement.plan, statement.person
    calc = calculate(plan, person, statement.period_start, statement.period_end)
    if plan.band_kind == BandKind.ATTAINMENT and calc.target is None:
        raise RuleViolation(
            _("%(person)s has no target inside this period: a plan with attainment bands needs one.")
            % {"person": person}
        )
    r = calc.result
    statement.target = calc.target
    statement.base_total = r.base_total
    statement.commission = r.commission
    statement.star = calc.star
    statement.multiplier = r.multiplier
    statement.multiplied = r.multiplied
    statement.cap = plan.cap
    statement.floor = plan.floor
    statement.limit_applied = r.limit_applied
    statement.total = r.total
    statement.computed_at = timezone.now()
    statement.save()
    statement.lines.all().delete()
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            order=i,
            key=line.key,
            kind=line.credit.kind,
            opportunity_id=line.credit.opportunity_id,
            payment_id=line.credit.payment_id,
            label=line.credit.label[:300],
            customer=line.credit.customer[:200],
            dated=line.credit.dated,
            layer=line.credit.layer,
            source_amount=line.credit.source_amount,
            share=line.credit.share,
            band=line.band,
            portion=line.portion,
            rate=line.rate,
            amount=line.amount,
        )
        for i, line in enumerate(r.lines)
    )


@transaction.atomic
def create_statement(
    person: User, *, by: User, period_start: dt.date, period_end: dt.date, plan: CommissionPlan | None = None
) -> Statement:
    check_compute_statement(by, person)
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The period ends before it starts.")]})
    plan = plan or plan_of(person)
    if plan is None:
        raise RuleViolation(_("%(person)s is on no active commission plan.") % {"person": person})
    if Statement.objects.filter(person=person, period_start=period_start, period_end=period_end).exists():
        raise RuleViolation(_("A statement for this person and period exists: recompute it instead."))
    statement = Statement(
        person=person,
        plan=plan,
        period_start=period_start,
        period_end=period_end,
        created_by=by,
        computed_at=timezone.now(),
    )
    _fill(statement)
    return statement


@transaction.atomic
def recompute(statement: Statement, *, by: User, version: int | None) -> Statement:
    """A draft or submitted statement is recomputed in place (back to draft). An approved one keeps
    its lines: the new figures are a new revision, a draft beside it, whose page shows the
    difference line by line."""
    check_compute_statement(by, statement.person)
    require_version(statement, version)
    if statement.status != StatementStatus.APPROVED:
        _bump(
            statement,
            statement.version if version is None else version,
            status=StatementStatus.DRAFT,
            submitted_at=None,
        )
        _fill(statement)
        return statement
    if Statement.objects.filter(previous=statement).exists():
        raise RuleViolation(_("A newer revision of this statement exists: recompute that one."))
    revision = Statement(
        person=statement.person,
        plan=statement.plan,
        period_start=statement.period_start,
        period_end=statement.period_end,
        revision=statement.revision + 1,
        previous=statement,
        created_by=by,
        computed_at=timezone.now(),
    )
    _fill(revision)
    return revision


@transaction.atomic
def submit(statement: Statement, *, by: User, version: int | None) -> Statement:
    check_submit_statement(by, statement)
    require_version(statement, version)
    if statement.status != StatementStatus.DRAFT:
        raise RuleViolation(_("Only a draft statement is submitted."))
    versioned_update(statement, version, status=StatementStatus.SUBMITTED, submitted_at=timezone.now())
    return statement


@transaction.atomic
def approve(statement: Statement, *, by: User, version: int | None) -> Statement:
    check_approve_statement(by, statement)
    require_version(statement, version)
    if statement.status != StatementStatus.SUBMITTED:
        raise RuleViolation(_("Only a submitted statement is approved."))
    versioned_update(
        statement, version, status=StatementStatus.APPROVED, approved_by=by, approved_at=timezone.now()
    )
    return statement


@transaction.atomic
def return_statement(statement: Statement, *, by: User, version: int | None, comment: str) -> Statement:
    check_approve_statement(by, statement)
    require_version(statement, version)
    if statement.status != StatementStatus.SUBMITTED:
        raise RuleViolation(_("Only a submitted statement is returned."))
    if not comment.strip():
        raise ValidationError({"comment": [_("Say why the statement goes back.")]})
    versioned_update(
        statement, version, status=StatementStatus.DRAFT, submitted_at=None, comment=comment.strip()
    )
    return statement

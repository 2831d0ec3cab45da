"""Account plan writes (DOMAIN.md §9): create a plan with its prefilled sections, edit them while a
draft, submit to the approvals `account-plan` flow, become active on approval (back to draft with
the approver's comment on a rejection), close; members, shares by product line and region, and the
five-year forecast. One transaction each; every write appends a PlanChange and every content save
a PlanRevision (a snapshot of the whole plan).

Callers check visibility through kam.access (`get_visible_customer` to create,
`get_visible_account_plan` for the rest): whoever may see the plan may edit it. The plan's
`version` guards every content write, the children's too (a member, a share, a forecast row), so
a page or API client working on a stale plan gets a ConflictError, never a silent overwrite.

The OGSM and review parts call `record_change` and `snapshot` for their own writes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kam.core.errors import ConflictError, RuleViolation
from kam.core.versioning import versioned_update
from kam.customers.models import Customer
from kam.org.models import User
from kam.planning.accountplans import cadence
from kam.planning.accountplans.models import (
    FORECAST_YEARS,
    AccountPlan,
    MemberRole,
    PlanChange,
    PlanChangeAction,
    PlanForecastYear,
    PlanMember,
    PlanRevision,
    PlanShare,
    PlanStatus,
)
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalRequest, ApprovalStatus

FLOW_CODE = "account-plan"
TEXT_FIELDS = (
    "executive_summary",
    "strategic_choices",
    "business_risks",
    "customer_objectives",
    "action_plan_year",
    "action_plan_outline",
    "resources",
)
MONEY_FIELDS = ("revenue_target", "contribution_target", "cost_to_serve", "total_demand", "budget")
PERCENT_FIELDS = ("target_share",)
# The §9 sections, as a form or the API edits them.
SECTION_FIELDS = TEXT_FIELDS + MONEY_FIELDS + PERCENT_FIELDS
# Besides the sections, who owns the plan and whether it covers the customer's group.
EDITABLE_FIELDS = SECTION_FIELDS + ("owner", "covers_group")
TEXT_MAX = 10_000
SHORT_MAX = {"responsibility": 300, "product_line": 100, "region": 100}
MONEY_MAX = Decimal("1e16")  # MONEY_DIGITS=18 with 2 decimals
# What a plan must say before it goes to the approvers.
REQUIRED_TO_SUBMIT = ("executive_summary", "customer_objectives", "revenue_target")
YEAR_MIN, YEAR_MAX = 2000, 2100


# Helpers -----------------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, User):
        return value.pk
    return value


def field_label(name: str) -> str:
    """A plan field's name as people read it."""
    field = AccountPlan._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _too_long(limit: int) -> str:
    return _("At most %(count)d characters.") % {"count": limit}


def _check_amounts(values: dict[str, Any], money: tuple[str, ...], percent: tuple[str, ...]) -> dict:
    errors: dict[str, list[str]] = {}
    for name in money:
        value = values.get(name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(_("An amount cannot be negative."))
        elif value is not None and value >= MONEY_MAX:
            errors.setdefault(name, []).append(_("This amount is too large."))
    for name in percent:
        value = values.get(name)
        if value is not None and not Decimal("0") <= value <= Decimal("100"):
            errors.setdefault(name, []).append(_("A share is a percentage from 0 to 100."))
    return errors


def _validate_sections(values: dict[str, Any]) -> None:
    errors = _check_amounts(values, MONEY_FIELDS, PERCENT_FIELDS)
    for name in TEXT_FIELDS:
        value = values.get(name)
        if isinstance(value, str) and len(value) > TEXT_MAX:
            errors.setdefault(name, []).append(_too_long(TEXT_MAX))
    owner = values.get("owner")
    if owner is not None and (not isinstance(owner, User) or not owner.is_active):
        errors.setdefault("owner", []).append(_("Pick an active person as the plan's owner."))
    if errors:
        raise ValidationError(errors)


def _clean_text(changes: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in changes:
            changes[name] = (changes[name] or "").strip()


def _check_editable(plan: AccountPlan) -> None:
    if plan.status == PlanStatus.SUBMITTED:
        raise RuleViolation(_("The plan is awaiting approval: withdraw it to change it."))
    if plan.status == PlanStatus.ACTIVE:
        raise RuleViolation(
            _(
                "The plan is active: it changes through its reviews and its OGSM, not by rewriting the sections."
            )
        )
    if plan.status == PlanStatus.CLOSED:
        raise RuleViolation(_("The plan is closed and no longer changes."))


def _locked(plan: AccountPlan, version: int | None) -> AccountPlan:
    """The plan's row as it stands (locked on PostgreSQL), refused when `version` is stale."""
    current = AccountPlan.objects.select_for_update(of=("self",)).select_related("customer").get(pk=plan.pk)
    if version is not None and current.version != version:
        raise ConflictError(current_version=current.version)
    return current


def _bump(plan: AccountPlan, version: int) -> None:
    """A write to a member, share or forecast row moves the plan's version on, so every form of
    the plan read before it is stale (one version guards the whole plan)."""
    rows = AccountPlan.objects.filter(pk=plan.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if rows == 0:
        raise ConflictError(
            current_version=AccountPlan.objects.filter(pk=plan.pk).values_list("version", flat=True).first()
        )
    plan.version = version + 1


def _sync(stale: AccountPlan, fresh: AccountPlan) -> None:
    """The caller's copy follows the write."""
    if stale is not fresh:
        for field in AccountPlan._meta.concrete_fields:
            setattr(stale, field.attname, getattr(fresh, field.attname))


# History and revisions ---------------------------------------------------------------------------


def record_change(
    plan: AccountPlan, *, by: User | None, action: str, summary: str = "", changes: dict | None = None
) -> PlanChange:
    """Append a line to the plan's history (the OGSM and review parts call this for their writes)."""
    return PlanChange.objects.create(
        plan=plan, action=action, changed_by=by, summary=(summary or "")[:300], changes=changes or {}
    )


def snapshot_data(plan: AccountPlan) -> dict[str, Any]:
    """The plan as it stands, in JSON: sections, team, shares, forecast and the OGSM cascade."""
    plan = (
        AccountPlan.objects.select_related("customer", "owner")
        .prefetch_related(
            "members__user",
            "shares",
            "forecast_years",
            "objectives__goals__strategies__measures__actions__owner",
        )
        .get(pk=plan.pk)
    )
    return {
        "customer": {"id": plan.customer_id, "name": plan.customer.name},
        "year": plan.year,
        "status": plan.status,
        "owner": {"id": plan.owner_id, "name": str(plan.owner)},
        "covers_group": plan.covers_group,
        "version": plan.version,
        "sections": {name: _json(getattr(plan, name)) for name in SECTION_FIELDS},
        "members": [
            {
                "user": {"id": m.user_id, "name": str(m.user)},
                "role": m.role,
                "responsibility": m.responsibility,
                "time_share": _json(m.time_share),
            }
            for m in plan.members.all()
        ],
        "shares": [
            {
                "product_line": s.product_line,
                "region": s.region,
                "customer_demand": _json(s.customer_demand),
                "our_revenue": _json(s.our_revenue),
                "target_share": _json(s.target_share),
                "share": _json(s.share),
            }
            for s in plan.shares.all()
        ],
        "forecast": [
            {
                "year": f.year,
                "revenue": _json(f.revenue),
                "contribution": _json(f.contribution),
                "cost_to_serve": _json(f.cost_to_serve),
                "share": _json(f.share),
            }
            for f in plan.forecast_years.all()
        ],
        "ogsm": [
            {
                "objective": o.text,
                "goals": [
                    {
                        "goal": g.text,
                        "metric": g.metric,
                        "target": _json(g.target),
                        "manual_actual": _json(g.manual_actual),
                        "due_date": _json(g.due_date),
                        "strategies": [
                            {
                                "strategy": s.text,
                                "measures": [
                                    {
                                        "measure": m.text,
                                        "target": m.target,
                                        "actions": [
                                            {
                                                "action": a.text,
                                                "owner": str(a.owner),
                                                "due_date": _json(a.due_date),
                                                "status": a.status,
                                            }
                                            for a in m.actions.all()
                                        ],
                                    }
                                    for m in s.measures.all()
                                ],
                            }
                            for s in g.strategies.all()
                        ],
                    }
                    for g in o.goals.all()
                ],
            }
            for o in plan.objectives.all()
        ],
    }


def snapshot(plan: AccountPlan, *, by: User | None, reason: str) -> PlanRevision:
    """Append a revision: the whole plan as it stands, numbered after the last one. `reason` is
    stored as given and translated when shown, so pass an English msgid (gettext_noop)."""
    for _attempt in range(3):
        number = (PlanRevision.objects.filter(plan=plan).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                return PlanRevision.objects.create(
                    plan=plan,
                    number=number,
                    snapshot=snapshot_data(plan),
                    reason=(reason or "")[:200],
                    created_by=by,
                )
        except IntegrityError:
            continue  # another writer took the number (SQLite serialises; PostgreSQL may race)
    raise ConflictError()


# Create and edit ---------------------------------------------------------------------------------


def prefill(customer: Customer) -> dict[str, Any]:
    """A new plan's values from what kam knows of the customer."""
    return {"total_demand": customer.category_purchases}


@transaction.atomic
def create_plan(
    *, customer: Customer, year: int, by: User, owner: User | None = None, **sections: Any
) -> AccountPlan:
    """A draft plan for the customer and year: the owner is the customer's owner unless given, the
    team starts with the owner as account lead, the customer's total demand is its annual
    purchases of our category, and the five forecast rows year … year+4 are there to fill in.
    A second plan for the same customer and year is refused (ValidationError on `year`)."""
    unknown = set(sections) - set(SECTION_FIELDS) - {"covers_group"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        errors["year"] = [_("Pick a year from %(low)d to %(high)d.") % {"low": YEAR_MIN, "high": YEAR_MAX}]
    elif AccountPlan.objects.filter(customer=customer, year=year).exists():
        errors["year"] = [_the_year_is_taken(customer, year)]
    if errors:
        raise ValidationError(errors)
    _clean_text(sections, TEXT_FIELDS)
    owner = owner or customer.owner
    values = {**prefill(customer), **sections}
    _validate_sections({**values, "owner": owner})
    try:
        with transaction.atomic():
            plan = AccountPlan.objects.create(
                customer=customer, year=year, owner=owner, created_by=by, **values
            )
    except IntegrityError as error:
        # Two people creating the same year at once: the constraint decides, the message is the same.
        raise ValidationError({"year": [_the_year_is_taken(customer, year)]}) from error
    PlanMember.objects.create(plan=plan, user=owner, role=MemberRole.LEAD)
    PlanForecastYear.objects.bulk_create(
        PlanForecastYear(plan=plan, year=year + offset) for offset in range(FORECAST_YEARS)
    )
    record_change(plan, by=by, action=PlanChangeAction.CREATED, summary=str(plan))
    snapshot(plan, by=by, reason=gettext_noop("created"))
    return plan


def _the_year_is_taken(customer: Customer, year: int) -> str:
    return _("%(customer)s already has an account plan for %(year)d: open that one.") % {
        "customer": customer,
        "year": year,
    }


@transaction.atomic
def update_plan(plan: AccountPlan, *, by: User, version: int | None, **changes: Any) -> AccountPlan:
    """Change the sections (and the owner or group coverage) given, on the version read; a draft
    only. A new owner joins the team as account lead."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    if version is None:
        raise ConflictError(current_version=plan.version)
    current = _locked(plan, version)
    _check_editable(current)
    _clean_text(changes, TEXT_FIELDS)
    _validate_sections(changes)
    before = {name: getattr(current, name) for name in changes}
    versioned_update(current, version, **changes)
    diff = {
        name: [_json(before[name]), _json(changes[name])] for name in changes if before[name] != changes[name]
    }
    if diff:
        owner = changes.get("owner")
        if owner is not None and "owner" in diff:
            PlanMember.objects.get_or_create(plan=current, user=owner, defaults={"role": MemberRole.LEAD})
        record_change(
            current,
            by=by,
            action=PlanChangeAction.EDITED,
            summary=", ".join(field_label(name) for name in diff),
            changes=diff,
        )
        snapshot(current, by=by, reason=gettext_noop("sections saved"))
    _sync(plan, current)
    return plan


# Submit, decide, withdraw, close -----------------------------------------------------------------


def missing_to_submit(plan: AccountPlan) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in REQUIRED_TO_SUBMIT:
        value = getattr(plan, name)
        if value is None or value == "":
            errors[name] = [_("Fill this in before submitting the plan.")]
    return errors


@transaction.atomic
def submit_plan(plan: AccountPlan, *, by: User, version: int | None = None) -> AccountPlan:
    """Send a draft to the `account-plan` flow (the owner's manager, then a director). Refused
    with field messages when a required section is empty, or when the flow finds no approver."""
    current = _locked(plan, plan.version if version is None else version)
    if current.status != PlanStatus.DRAFT:
        raise RuleViolation(
            _("Only a draft plan can be submitted; this one is %(status)s.")
            % {"status": current.get_status_display()}
        )
    missing = missing_to_submit(current)
    if missing:
        raise ValidationError(missing)
    request = approvals.submit(
        current,
        flow_code=FLOW_CODE,
        by=by,
        title=_("Account plan: %(customer)s %(year)d") % {"customer": current.customer, "year": current.year},
    )
    versioned_update(
        current,
        current.version,
        status=PlanStatus.SUBMITTED,
        approval=request,
        submitted_at=timezone.now(),
        rejection_comment="",
    )
    record_change(current, by=by, action=PlanChangeAction.SUBMITTED, summary=request.title)
    snapshot(current, by=by, reason=gettext_noop("submitted"))
    _sync(plan, current)
    return plan


@transaction.atomic
def withdraw_plan(plan: AccountPlan, *, by: User, version: int | None = None) -> AccountPlan:
    """The submitter takes a submitted plan back to draft (the request stays as withdrawn)."""
    current = _locked(plan, plan.version if version is None else version)
    if current.status != PlanStatus.SUBMITTED or current.approval_id is None:
        raise RuleViolation(_("Only a plan awaiting approval can be withdrawn."))
    request = ApprovalRequest.objects.get(pk=current.approval_id)
    if request.requested_by_id != by.pk:
        raise RuleViolation(_("Only the person who submitted the plan can withdraw it."))
    approvals.withdraw(request, by=by)
    versioned_update(current, current.version, status=PlanStatus.DRAFT)
    record_change(current, by=by, action=PlanChangeAction.WITHDRAWN)
    _sync(plan, current)
    return plan


def on_decided(request: ApprovalRequest) -> None:
    """The approvals engine's outcome, inside its transaction: approved → active (the first review
    falls due by the customer's segment's cadence), rejected → back to draft with the comment."""
    plan = AccountPlan.objects.select_related("customer").filter(pk=request.target_id).first()
    if plan is None or plan.approval_id != request.pk:
        return  # an older request of this plan: its outcome no longer speaks for it
    last = request.decisions.select_related("approver").order_by("-at", "-id").first()
    by = last.approver if last else None
    comment = last.comment if last else ""
    if request.status == ApprovalStatus.APPROVED:
        today = timezone.localdate()
        versioned_update(
            plan,
            plan.version,
            status=PlanStatus.ACTIVE,
            activated_at=timezone.now(),
            next_review_due=cadence.next_review_due(plan.customer.segment, today),
        )
        record_change(
            plan, by=by, action=PlanChangeAction.APPROVED, summary=comment, changes={"comment": comment}
        )
        snapshot(plan, by=by, reason=gettext_noop("approved"))
    elif request.status == ApprovalStatus.REJECTED:
        versioned_update(plan, plan.version, status=PlanStatus.DRAFT, rejection_comment=comment)
        record_change(
            plan, by=by, action=PlanChangeAction.REJECTED, summary=comment, changes={"comment": comment}
        )


@transaction.atomic
def close_plan(plan: AccountPlan, *, by: User, version: int | None = None) -> AccountPlan:
    """An active plan ends (at the end of its year, or when the account changes course)."""
    current = _locked(plan, plan.version if version is None else version)
    if current.status != PlanStatus.ACTIVE:
        raise RuleViolation(_("Only an active plan can be closed."))
    versioned_update(current, current.version, status=PlanStatus.CLOSED, closed_at=timezone.now())
    record_change(current, by=by, action=PlanChangeAction.CLOSED)
    snapshot(current, by=by, reason=gettext_noop("closed"))
    _sync(plan, current)
    return plan


# Members -----------------------------------------------------------------------------------------


def _check_team_editable(plan: AccountPlan) -> None:
    """The team may change while the plan is active (people join and leave during the year);
    not while it awaits approval nor once closed."""
    if plan.status == PlanStatus.SUBMITTED:
        raise RuleViolation(_("The plan is awaiting approval: withdraw it to change it."))
    if plan.status == PlanStatus.CLOSED:
        raise RuleViolation(_("The plan is closed and no longer changes."))


def _validate_member(values: dict[str, Any]) -> None:
    errors = _check_amounts(values, (), ("time_share",))
    if "role" in values and values["role"] not in MemberRole.values:
        errors.setdefault("role", []).append(_("Pick a role from the list."))
    if len(values.get("responsibility") or "") > SHORT_MAX["responsibility"]:
        errors.setdefault("responsibility", []).append(_too_long(SHORT_MAX["responsibility"]))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_member(
    plan: AccountPlan,
    *,
    by: User,
    version: int | None,
    user: User,
    role: str = MemberRole.SALES,
    responsibility: str = "",
    time_share: Decimal | None = None,
) -> PlanMember:
    current = _locked(plan, version if version is not None else plan.version)
    _check_team_editable(current)
    responsibility = (responsibility or "").strip()
    _validate_member({"role": role, "responsibility": responsibility, "time_share": time_share})
    if not user.is_active:
        raise ValidationError({"user": [_("Pick an active person.")]})
    if PlanMember.objects.filter(plan=current, user=user).exists():
        raise ValidationError({"user": [_("%(person)s is on the team already.") % {"person": user}]})
    member = PlanMember.objects.create(
        plan=current, user=user, role=role, responsibility=responsibility, time_share=time_share
    )
    _bump(current, current.version)
    record_change(
        current,
        by=by,
        action=PlanChangeAction.EDITED,
        summary=_("%(person)s joined the team as %(role)s")
        % {"person": user, "role": member.get_role_display()},
        changes={"member": [None, user.pk]},
    )
    snapshot(current, by=by, reason=gettext_noop("team changed"))
    _sync(plan, current)
    member.plan = plan  # the caller's copy, which follows each later write through this member
    return member


@transaction.atomic
def update_member(member: PlanMember, *, by: User, version: int | None, **changes: Any) -> PlanMember:
    unknown = set(changes) - {"role", "responsibility", "time_share"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    plan = member.plan
    current = _locked(plan, version if version is not None else plan.version)
    _check_team_editable(current)
    _clean_text(changes, ("responsibility",))
    _validate_member(changes)
    member = PlanMember.objects.select_related("user").get(pk=member.pk)
    member.plan = plan
    diff = {n: [_json(getattr(member, n)), _json(v)] for n, v in changes.items() if getattr(member, n) != v}
    if diff:
        PlanMember.objects.filter(pk=member.pk).update(**changes)
        for name, value in changes.items():
            setattr(member, name, value)
        _bump(current, current.version)
        record_change(
            current,
            by=by,
            action=PlanChangeAction.EDITED,
            summary=_("%(person)s's part on the team changed") % {"person": member.user},
            changes=diff,
        )
        snapshot(current, by=by, reason=gettext_noop("team changed"))
    _sync(plan, current)
    return member


@transaction.atomic
def remove_member(member: PlanMember, *, by: User, version: int | None) -> None:
    plan = member.plan
    current = _locked(plan, version if version is not None else plan.version)
    _check_team_editable(current)
    if member.user_id == current.owner_id:
        raise RuleViolation(_("The plan's owner stays on the team: give the plan another owner first."))
    person = str(member.user)
    member.delete()
    _bump(current, current.version)
    record_change(
        current,
        by=by,
        action=PlanChangeAction.EDITED,
        summary=_("%(person)s left the team") % {"person": person},
        changes={"member": [member.user_id, None]},
    )
    snapshot(current, by=by, reason=gettext_noop("team changed"))
    _sync(plan, current)


# Shares by product line and region ---------------------------------------------------------------

SHARE_FIELDS = ("product_line", "region", "customer_demand", "our_revenue", "target_share")


def _validate_share(values: dict[str, Any]) -> None:
    errors = _check_amounts(values, ("customer_demand", "our_revenue"), ("target_share",))
    if "product_line" in values and not values["product_line"]:
        errors.setdefault("product_line", []).append(_("Name the product line."))
    for name in ("product_line", "region"):
        if len(values.get(name) or "") > SHORT_MAX[name]:
            errors.setdefault(name, []).append(_too_long(SHORT_MAX[name]))
    if errors:
        raise ValidationError(errors)


def _share_taken(plan: AccountPlan, product_line: str, region: str, exclude: int | None = None) -> bool:
    qs = PlanShare.objects.filter(plan=plan, product_line=product_line, region=region)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _share_taken_message() -> str:
    return _("This product line and region has a row already.")


@transaction.atomic
def add_share(plan: AccountPlan, *, by: User, version: int | None, **values: Any) -> PlanShare:
    unknown = set(values) - set(SHARE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    current = _locked(plan, version if version is not None else plan.version)
    _check_editable(current)
    _clean_text(values, ("product_line", "region"))
    values.setdefault("product_line", "")
    values.setdefault("region", "")
    _validate_share(values)
    if _share_taken(current, values["product_line"], values["region"]):
        raise ValidationError({"product_line": [_share_taken_message()]})
    order = (PlanShare.objects.filter(plan=current).aggregate(n=Max("order"))["n"] or 0) + 1
    share = PlanShare.objects.create(plan=current, order=order, **values)
    _bump(current, current.version)
    record_change(
        current,
        by=by,
        action=PlanChangeAction.EDITED,
        summary=_("Share added: %(row)s") % {"row": share},
        changes={name: [None, _json(values.get(name))] for name in SHARE_FIELDS},
    )
    snapshot(current, by=by, reason=gettext_noop("shares changed"))
    _sync(plan, current)
    share.plan = plan
    return share


@transaction.atomic
def update_share(share: PlanShare, *, by: User, version: int | None, **changes: Any) -> PlanShare:
    unknown = set(changes) - set(SHARE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    plan = share.plan
    current = _locked(plan, version if version is not None else plan.version)
    _check_editable(current)
    _clean_text(changes, ("product_line", "region"))
    _validate_share(changes)
    share = PlanShare.objects.get(pk=share.pk)
    share.plan = plan
    line = changes.get("product_line", share.product_line)
    region = changes.get("region", share.region)
    if _share_taken(current, line, region, exclude=share.pk):
        raise ValidationError({"product_line": [_share_taken_message()]})
    diff = {n: [_json(getattr(share, n)), _json(v)] for n, v in changes.items() if getattr(share, n) != v}
    if diff:
        PlanShare.objects.filter(pk=share.pk).update(**changes)
        for name, value in changes.items():
            setattr(share, name, value)
        _bump(current, current.version)
        record_change(
            current,
            by=by,
            action=PlanChangeAction.EDITED,
            summary=_("Share changed: %(row)s") % {"row": share},
            changes=diff,
        )
        snapshot(current, by=by, reason=gettext_noop("shares changed"))
    _sync(plan, current)
    return share


@transaction.atomic
def remove_share(share: PlanShare, *, by: User, version: int | None) -> None:
    plan = share.plan
    current = _locked(plan, version if version is not None else plan.version)
    _check_editable(current)
    label = str(share)
    share.delete()
    _bump(current, current.version)
    record_change(
        current, by=by, action=PlanChangeAction.EDITED, summary=_("Share removed: %(row)s") % {"row": label}
    )
    snapshot(current, by=by, reason=gettext_noop("shares changed"))
    _sync(plan, current)


# The five-year forecast --------------------------------------------------------------------------

FORECAST_FIELDS = ("revenue", "contribution", "cost_to_serve", "share")


@transaction.atomic
def update_forecast(
    plan: AccountPlan, *, by: User, version: int | None, rows: dict[int, dict[str, Any]]
) -> list[PlanForecastYear]:
    """Write the forecast rows given as {year: {field: value}} (a draft only; the years are the
    plan's five, fixed when it was created)."""
    current = _locked(plan, version if version is not None else plan.version)
    _check_editable(current)
    existing = {row.year: row for row in PlanForecastYear.objects.filter(plan=current)}
    errors: dict[str, list[str]] = {}
    for year, values in rows.items():
        if year not in existing:
            errors.setdefault("year", []).append(
                _("%(year)s is not a year of this plan's forecast.") % {"year": year}
            )
            continue
        unknown = set(values) - set(FORECAST_FIELDS)
        for name in sorted(unknown):
            errors.setdefault(name, []).append(_("This field cannot be changed here."))
        for name, messages in _check_amounts(
            values, ("revenue", "contribution", "cost_to_serve"), ("share",)
        ).items():
            errors.setdefault(f"{name}_{year}", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    diff: dict[str, list[Any]] = {}
    for year, values in sorted(rows.items()):
        row = existing[year]
        changed = {n: v for n, v in values.items() if getattr(row, n) != v}
        if changed:
            for name, value in changed.items():
                diff[f"{name} {year}"] = [_json(getattr(row, name)), _json(value)]
                setattr(row, name, value)
            row.save(update_fields=list(changed))
    if diff:
        _bump(current, current.version)
        record_change(
            current, by=by, action=PlanChangeAction.EDITED, summary=_("Five-year forecast"), changes=diff
        )
        snapshot(current, by=by, reason=gettext_noop("forecast saved"))
    _sync(plan, current)
    return sorted(existing.values(), key=lambda row: row.year)

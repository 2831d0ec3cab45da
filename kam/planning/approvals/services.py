"""Approvals: submit a record for approval, decide on a step, withdraw; one transaction each.

The contract the other tools build on:
- `submit(target, *, flow_code, by, title="")` resolves every step's approvers now (an empty step
  is refused with its name) and opens the request at its first step;
- `decide(request, *, by, approve, comment="", version=None)`: only an approver of the current
  step who has not decided yet; 或签 advances on the first approval, 会签 once every approver of
  the step approved; a rejection (comment required) ends the request;
- `register_outcome_handler(model_label, on_decided)`: called inside the deciding transaction
  when a request on a record of that model ends approved or rejected.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ConflictError, RuleViolation
from kam.core.versioning import versioned_update
from kam.org.models import User
from kam.planning.approvals.models import (
    ApprovalAssignment,
    ApprovalDecision,
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStep,
    ApproverKind,
    StepMode,
)

COMMENT_MAX = 2000
TITLE_MAX = 200

OutcomeHandler = Callable[[ApprovalRequest], None]
_outcome_handlers: dict[str, list[OutcomeHandler]] = {}


def register_outcome_handler(model_label: str, on_decided: OutcomeHandler) -> OutcomeHandler:
    """`model_label` as Django spells it (`planning_initiation.initiationreport`, any case)."""
    handlers = _outcome_handlers.setdefault(model_label.lower(), [])
    if on_decided not in handlers:
        handlers.append(on_decided)
    return on_decided


def _notify_outcome(request: ApprovalRequest) -> None:
    label = f"{request.target_type.app_label}.{request.target_type.model}"
    for handler in _outcome_handlers.get(label, []):
        handler(request)


# Approvers ---------------------------------------------------------------------------------------


def manager_chain(owner: User, levels: int) -> list[User]:
    """The first `levels` managers above `owner`: the manager of the owner's team, then of each
    parent team in turn. A team the owner manages themself, a team without a manager or with an
    inactive one is passed over, so the chain reaches the next real manager up."""
    chain: list[User] = []
    team = owner.team
    seen: set[int] = set()
    while team is not None and team.pk not in seen and len(chain) < levels:
        seen.add(team.pk)
        manager = team.manager
        if manager is not None and manager.is_active and manager.pk != owner.pk and manager not in chain:
            chain.append(manager)
        team = team.parent
    return chain


def step_approvers(step: ApprovalStep, *, owner: User, requested_by: User) -> list[User]:
    """Who approves this step for a record owned by `owner`; nobody approves their own request."""
    if step.approver_kind == ApproverKind.MANAGER:
        people = manager_chain(owner, max(step.manager_levels, 1))
    elif step.approver_kind == ApproverKind.ROLE:
        people = list(User.objects.filter(role=step.role, is_active=True).order_by("pk"))
    else:
        people = list(step.people.filter(is_active=True).order_by("pk"))
    return [p for p in people if p.pk != requested_by.pk]


def _owner_of(target: models.Model, fallback: User) -> User:
    owner = getattr(target, "owner", None)
    return owner if isinstance(owner, User) else fallback


# Writes ------------------------------------------------------------------------------------------


@transaction.atomic
def submit(target: models.Model, *, flow_code: str, by: User, title: str = "") -> ApprovalRequest:
    """Open a request for `target` on the flow `flow_code`, at its first step.

    Refused (RuleViolation) when the flow is unknown or inactive, has no steps, a step has nobody
    to approve it, or the record already has a pending request on this flow. The subject owner,
    whose manager chain the steps follow, is the record's `owner` when it has one, else `by`.
    """
    flow = ApprovalFlow.objects.filter(code=flow_code, is_active=True).first()
    if flow is None:
        raise RuleViolation(_("There is no active approval flow “%(code)s”.") % {"code": flow_code})
    steps = list(flow.steps.order_by("order"))
    if not steps:
        raise RuleViolation(_("The approval flow “%(flow)s” has no steps.") % {"flow": flow.display_name})
    target_type = ContentType.objects.get_for_model(target)
    if ApprovalRequest.objects.filter(
        flow=flow, target_type=target_type, target_id=target.pk, status=ApprovalStatus.PENDING
    ).exists():
        raise RuleViolation(_("This record is already waiting for approval."))
    owner = _owner_of(target, by)
    approvers = {step.pk: step_approvers(step, owner=owner, requested_by=by) for step in steps}
    empty = [step for step in steps if not approvers[step.pk]]
    if empty:
        raise RuleViolation(
            _(
                "Nobody can approve the step “%(step)s” of “%(flow)s” for %(owner)s: ask an administrator to set its approvers."
            )
            % {"step": empty[0].display_name, "flow": flow.display_name, "owner": owner}
        )
    request = ApprovalRequest.objects.create(
        flow=flow,
        target_type=target_type,
        target_id=target.pk,
        title=(title or str(target)).strip()[:TITLE_MAX],
        requested_by=by,
        subject_owner=owner,
        current_step=steps[0],
    )
    ApprovalAssignment.objects.bulk_create(
        ApprovalAssignment(request=request, step=step, approver=person)
        for step in steps
        for person in approvers[step.pk]
    )
    return request


def _next_step(request: ApprovalRequest, step: ApprovalStep) -> ApprovalStep | None:
    return request.flow.steps.filter(order__gt=step.order).order_by("order").first()


@transaction.atomic
def decide(
    request: ApprovalRequest, *, by: User, approve: bool, comment: str = "", version: int | None = None
) -> ApprovalRequest:
    """Record `by`'s decision at the current step and move the request on.

    `version` is the request's version the decider saw (None: the one in `request`); a request
    decided by someone else meanwhile is a ConflictError, never a second decision on a stale view.
    """
    comment = (comment or "").strip()
    current = ApprovalRequest.objects.select_related("flow", "current_step", "target_type").get(pk=request.pk)
    expected = request.version if version is None else version
    if current.version != expected:
        raise ConflictError(current_version=current.version)
    if current.status != ApprovalStatus.PENDING:
        raise RuleViolation(
            _("This request is no longer pending: it is %(status)s.")
            % {"status": current.get_status_display()}
        )
    step = current.current_step
    assert step is not None  # a pending request always stands at a step
    if not ApprovalAssignment.objects.filter(request=current, step=step, approver=by).exists():
        raise RuleViolation(
            _("You are not an approver of the current step “%(step)s”.") % {"step": step.display_name}
        )
    if ApprovalDecision.objects.filter(request=current, step=step, approver=by).exists():
        raise RuleViolation(_("You have already decided on this step."))
    if not approve and not comment:
        raise RuleViolation(
            _("Say why you reject it: the comment goes back to the submitter."),
            {"comment": [_("A rejection needs a comment.")]},
        )
    if len(comment) > COMMENT_MAX:
        raise RuleViolation(
            _("At most %(count)d characters.") % {"count": COMMENT_MAX},
            {"comment": [_("At most %(count)d characters.") % {"count": COMMENT_MAX}]},
        )

    changes: dict[str, object] = {}
    if not approve:
        changes = {"status": ApprovalStatus.REJECTED, "decided_at": timezone.now()}
    else:
        done = step.mode == StepMode.ANY or not (
            ApprovalAssignment.objects.filter(request=current, step=step)
            .exclude(approver=by)
            .exclude(
                approver__in=ApprovalDecision.objects.filter(request=current, step=step, approve=True).values(
                    "approver"
                )
            )
            .exists()
        )
        if done:
            following = _next_step(current, step)
            if following is None:
                changes = {
                    "status": ApprovalStatus.APPROVED,
                    "decided_at": timezone.now(),
                    "current_step": None,
                }
            else:
                changes = {"current_step": following}
    # The version moves on every decision (even one that leaves the step where it is), so two
    # approvers deciding on the same view cannot both pass unseen.
    if changes:
        versioned_update(current, expected, **changes)
    else:
        _bump(current, expected)
    ApprovalDecision.objects.create(request=current, step=step, approver=by, approve=approve, comment=comment)
    _sync(request, current)
    if current.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        _notify_outcome(current)
    return current


def _sync(stale: ApprovalRequest, fresh: ApprovalRequest) -> None:
    """The caller's copy follows the write, so deciding twice on one object needs no reload."""
    if stale is not fresh:
        for name in ("status", "current_step", "decided_at", "version"):
            setattr(stale, name, getattr(fresh, name))


def _bump(request: ApprovalRequest, expected: int) -> None:
    rows = ApprovalRequest.objects.filter(pk=request.pk, version=expected).update(
        version=models.F("version") + 1
    )
    if rows == 0:
        raise ConflictError(
            current_version=ApprovalRequest.objects.filter(pk=request.pk)
            .values_list("version", flat=True)
            .first()
        )
    request.version = expected + 1


@transaction.atomic
def withdraw(request: ApprovalRequest, *, by: User, version: int | None = None) -> ApprovalRequest:
    """The submitter takes back a pending request (it stays in the history as withdrawn)."""
    current = ApprovalRequest.objects.get(pk=request.pk)
    if current.requested_by_id != by.pk:
        raise RuleViolation(_("Only the submitter can withdraw a request."))
    if current.status != ApprovalStatus.PENDING:
        raise RuleViolation(
            _("This request is no longer pending: it is %(status)s.")
            % {"status": current.get_status_display()}
        )
    versioned_update(
        current,
        request.version if version is None else version,
        status=ApprovalStatus.WITHDRAWN,
        decided_at=timezone.now(),
        current_step=None,
    )
    _sync(request, current)
    return current

"""The demo's initiation reports (立项), written through the initiation and approvals services.

Every demo deal that reaches a stage requiring initiation (P3, S3) gets its report approved by the
owner's manager and the director just before the move (`approve_before_gate`, called from the
deal's stage history in kam.demo.generator). After the deals are built, `build` adds reports still
under way on deals at the stage before: drafts, some awaiting the manager or the director, one or
two returned with a comment.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kam.opportunities.models import Opportunity, OpportunityStatus, Stage
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalAssignment, ApprovalDecision, ApprovalRequest, StepMode
from kam.planning.initiation import selectors, services
from kam.planning.initiation.models import InitiationChange, InitiationReport, InitiationStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet

BACKGROUNDS = [
    "客户计划扩建二期产线，现有设备能耗高、故障多。/ The customer plans a second production line; "
    "the current equipment uses too much energy and fails often.",
    "集团推进数字化转型，今年预算已批。/ The group is going digital; this year's budget is approved.",
    "老旧系统明年停止维护，需在年底前完成替换。/ The old system loses support next year and must be "
    "replaced by year end.",
    "新厂区建设启动，设备招标将于下季度开始。/ A new plant is being built; equipment tenders start "
    "next quarter.",
]
NEEDS = [
    "降低单位能耗15%，三年内收回投资。/ Cut energy per unit by 15 %, pay back within three years.",
    "稳定性优先，非计划停机每年不超过两次。/ Reliability first: at most two unplanned stops a year.",
    "本地化服务团队，4小时到场。/ A local service team on site within four hours.",
    "与现有MES系统集成。/ Integration with the existing MES.",
]
SOLUTIONS = [
    "交钥匙方案：设备、安装调试与三年维保。/ Turnkey: equipment, commissioning and three years of "
    "maintenance.",
    "分期实施，先试点一条线再推广。/ In phases: one pilot line first, then the rest.",
    "标准产品加定制接口，配驻场工程师。/ Standard product with custom interfaces and a resident engineer.",
]
RISKS = [
    "竞争对手报价低10%。/ A competitor prices 10 % lower.",
    "决策人可能调动。/ The decision maker may be moved to another post.",
    "预算审批可能推迟到下季度。/ Budget approval may slip to next quarter.",
    "",
]
REJECTIONS = [
    "毛利率低于公司要求，请重新核算成本后再提交。/ The margin is below the company's minimum: "
    "rework the costs and submit again.",
    "客户需求描述不清，先与技术负责人确认。/ The customer's needs are unclear: confirm them with "
    "their technical lead first.",
]


def _rng(opportunity: Opportunity) -> random.Random:
    # Keyed on what a reset rebuilds identically (not the ids), so a rebuild writes the same text.
    return random.Random(f"initiation-{opportunity.customer.name}-{opportunity.name}")


def _write(opportunity: Opportunity, rng: random.Random) -> InitiationReport:
    report = selectors.report_for(opportunity)
    values = {
        "background": rng.choice(BACKGROUNDS),
        "customer_needs": rng.choice(NEEDS),
        "our_solution": rng.choice(SOLUTIONS),
        "risks": rng.choice(RISKS),
    }
    return services.save_report(
        opportunity, by=opportunity.owner, version=report.version if report else 0, **values
    )


def _decide_step(request: ApprovalRequest, *, approve: bool, comment: str = "") -> None:
    """The current step's approvers decide (one for 或签, every one for 会签)."""
    step = request.current_step
    people = [
        a.approver
        for a in ApprovalAssignment.objects.filter(request=request, step=step).select_related("approver")
    ]
    for person in people if step is not None and step.mode == StepMode.ALL else people[:1]:
        approvals.decide(request, by=person, approve=approve, comment=comment)
        if not approve:
            return


def _backdate(report: InitiationReport, submitted: dt.datetime) -> None:
    """Demo history happens in the past: the report and its approval carry the day of the move."""
    InitiationReport.objects.filter(pk=report.pk).update(
        submitted_at=submitted,
        approved_at=submitted + dt.timedelta(days=2) if report.status == InitiationStatus.APPROVED else None,
    )
    if report.approval_id:
        request = ApprovalRequest.objects.filter(pk=report.approval_id)
        request.filter(decided_at__isnull=False).update(decided_at=submitted + dt.timedelta(days=2))
        request.update(submitted_at=submitted)
        for day, decision in enumerate(
            ApprovalDecision.objects.filter(request_id=report.approval_id), start=1
        ):
            ApprovalDecision.objects.filter(pk=decision.pk).update(at=submitted + dt.timedelta(days=day))
    for hours, change in enumerate(reversed(list(report.changes.all()))):
        InitiationChange.objects.filter(pk=change.pk).update(
            changed_at=submitted - dt.timedelta(days=1) + dt.timedelta(hours=hours)
        )


def approve_before_gate(builder: Any, opportunity: Opportunity, when: dt.datetime) -> None:
    """Write, submit and approve the deal's report just before it enters a gated stage."""
    if selectors.is_approved(opportunity):
        return
    rng = _rng(opportunity)
    report = services.submit_report(_write(opportunity, rng), by=opportunity.owner)
    request = report.approval
    assert request is not None
    while request.is_pending:
        _decide_step(request, approve=True, comment=rng.choice(["", "同意 / Agreed", "同意立项 / Go ahead"]))
        request.refresh_from_db()
    report.refresh_from_db()
    _backdate(report, when - dt.timedelta(days=3))
    # An approval may date the deal's initiation (a new version): the builder's copy follows.
    opportunity.refresh_from_db(fields=["version", "initiated_at", "updated_at"])


def build(builder: Any, rng: random.Random) -> None:
    """Reports under way on open deals before the gate: drafts, pending at the manager or the
    director, two rejected with a comment."""
    # Highest first, so the dict keeps each process's first gated stage.
    gated = Stage.objects.filter(requires_initiation=True).order_by("-order")
    gate_order = dict(gated.values_list("process_id", "order"))
    deals = (
        Opportunity.objects.filter(
            owner__username__startswith="demo_", status=OpportunityStatus.OPEN, initiation_report__isnull=True
        )
        .select_related("customer", "owner", "stage", "customer_lead")
        .order_by("project_number")
    )
    candidates = [
        o
        for o in deals
        if o.stage.process_id in gate_order and o.stage.order < gate_order[o.stage.process_id]
    ]
    # The deals nearest the gate first: their reports are the ones due now.
    candidates.sort(key=lambda o: (gate_order[o.stage.process_id] - o.stage.order, o.project_number))
    now = builder.midnight + dt.timedelta(hours=10)
    for index, opportunity in enumerate([o for o in candidates if o.is_complete][:14]):
        report = _write(opportunity, _rng(opportunity))
        if index % 5 == 4:
            continue  # a draft, still being written
        report = services.submit_report(report, by=opportunity.owner)
        request = report.approval
        assert request is not None
        if index in (2, 9):
            _decide_step(request, approve=False, comment=REJECTIONS[index % len(REJECTIONS)])
        elif index % 3 == 1:
            _decide_step(request, approve=True, comment="同意 / Agreed")  # now with the director
        report.refresh_from_db()
        _backdate(report, now - dt.timedelta(days=rng.randint(1, 6)))


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """The reports (and their approval requests) on the demo's deals or written by its people."""
    reports = InitiationReport.objects.filter(Q(opportunity__in=deals) | Q(created_by__in=users))
    approvals_of = ApprovalRequest.objects.filter(
        target_type__app_label="planning_initiation",
        target_type__model="initiationreport",
        target_id__in=reports.values("pk"),
    )
    approvals_of.delete()
    reports.delete()

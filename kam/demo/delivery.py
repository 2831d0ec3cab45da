"""The demo's after-sale data (DOMAIN.md §11): a contract for each won deal, approved through the
`contract` flow and in force (a few completed, one terminated, one amended); a payment plan for
each with payments for the older instalments and overdue ones in every aging bucket, a few
invoices; implementation projects for most contracts; service requests on the key and important
accounts with the SLA watch run at the demo's now; satisfaction surveys on the key accounts.

Everything goes through the delivery services, so the history lines and the care rows are the
ones a user's work would have written."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from kam.customers.models import Customer, Segment
from kam.delivery.contracts import services as contracts
from kam.delivery.implementation import services as implementation
from kam.delivery.models import (
    Contract,
    ContractStatus,
    CustomerCare,
    DeliveryChange,
    Instalment,
    Priority,
    Project,
    ProjectStatus,
    SatisfactionSurvey,
    ServiceKind,
    ServiceRequest,
    ServiceStatus,
    SurveyQuestion,
    SurveyScale,
)
from kam.delivery.payments import services as payments
from kam.delivery.satisfaction import services as satisfaction
from kam.delivery.service import services as service
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.planning.approvals import services as approvals
from kam.planning.approvals.models import ApprovalAssignment, ApprovalRequest, ApprovalStatus, StepMode

if TYPE_CHECKING:
    from django.db.models import QuerySet

CENT = Decimal("0.01")
# Payment plans: (name, percentage or None for an amount share) per instalment. Percentages are
# of the contract's amount; the amount plans give the same shares as sums of money.
PLANS: list[list[tuple[str, Decimal]]] = [
    [
        ("预付款 / Advance", Decimal("30")),
        ("到货款 / On delivery", Decimal("60")),
        ("质保金 / Retention", Decimal("10")),
    ],
    [("预付款 / Advance", Decimal("50")), ("验收款 / On acceptance", Decimal("50"))],
    [
        ("预付款 / Advance", Decimal("20")),
        ("到货款 / On delivery", Decimal("30")),
        ("验收款 / On acceptance", Decimal("40")),
        ("质保金 / Retention", Decimal("10")),
    ],
    [("预付款 / Advance", Decimal("30")), ("验收款 / On acceptance", Decimal("70"))],
]
# The first contracts' last instalment due before today is left unpaid this many days overdue,
# so the receivables' aging shows every bucket (0–30, 31–60, 61–90, over 90).
OVERDUE_AGES = (12, 45, 75, 130, 25, 52, 88, 100)
WORK_ITEMS = [
    ("现场勘查 / Site survey", "确认安装条件 / Installation conditions confirmed"),
    ("设计联络会 / Design liaison meeting", "图纸会签 / Drawings signed off"),
    ("设备到货 / Equipment delivered", "到货验收 / Delivery inspected"),
    ("安装调试 / Installation and commissioning", "单机试车 / Single-machine test run"),
    ("人员培训 / Operator training", "培训签到 / Training attended"),
    ("试运行 / Trial operation", "连续运行72小时 / 72 hours' continuous running"),
]
REQUESTS = [
    ("设备异响 / Noise from the gearbox", "减速机轴承更换 / Gearbox bearing replaced"),
    ("控制柜报警 / Control cabinet alarm", "PLC程序更新 / PLC program updated"),
    ("备件询价 / Spare parts quotation", "报价已发送 / Quotation sent"),
    ("操作培训需求 / Operator training wanted", "现场培训完成 / Training held on site"),
    ("液压系统渗漏 / Hydraulic leak", "密封件更换 / Seals replaced"),
    ("产量不达标 / Output below rating", "参数优化 / Parameters tuned"),
    ("年度保养 / Yearly maintenance", "保养完成 / Maintenance done"),
]
COMMENTS = [
    "交付及时，服务响应快 / On-time delivery, quick service",
    "设备稳定，希望加强培训 / Reliable machines; more training wanted",
    "售后响应偏慢 / After-sale response too slow",
    "",
]


def _now(builder: Any) -> dt.datetime:
    """The demo's now: the real one on the real day, else noon of the demo's day."""
    if builder.today == timezone.localdate():
        return timezone.now()
    return builder.midnight + dt.timedelta(hours=12)


def _approve(contract: Contract) -> None:
    """The contract flow's approvers decide, step by step (one for 或签, each for 会签)."""
    if contract.approval_id is None:
        return
    request = ApprovalRequest.objects.get(pk=contract.approval_id)
    while request.status == ApprovalStatus.PENDING:
        step = request.current_step
        people = [
            a.approver
            for a in ApprovalAssignment.objects.filter(request=request, step=step).select_related("approver")
        ]
        if not people:
            return
        for person in people if step is not None and step.mode == StepMode.ALL else people[:1]:
            approvals.decide(request, by=person, approve=True, comment="同意 / Agreed")
        request = ApprovalRequest.objects.get(pk=request.pk)


def _won_deals(builder: Any) -> list[Opportunity]:
    ids = [a.customer.pk for a in builder.accounts]
    return list(
        Opportunity.objects.filter(customer_id__in=ids, status=OpportunityStatus.WON)
        .select_related("customer", "owner")
        .order_by("closed_at", "pk")
    )


def _signed_contract(deal: Opportunity, today: dt.date) -> Contract | None:
    owner = deal.owner
    closed = timezone.localtime(deal.closed_at).date() if deal.closed_at else today - dt.timedelta(days=60)
    contract = contracts.create_from_opportunity(
        deal,
        by=owner,
        starts_on=closed,
        ends_on=closed + dt.timedelta(days=730),
        our_party="示范装备有限公司 / Demo Equipment Co., Ltd.",
        customer_party=deal.customer.name,
        payment_terms="按付款计划分期支付 / By the instalments of the payment plan",
    )
    if not contract.amount:
        return contract
    contracts.submit_for_approval(contract, by=owner)
    contract.refresh_from_db()
    _approve(contract)
    contract.refresh_from_db()
    if contract.status != ContractStatus.SIGNED:
        return contract
    contracts.change_status(contract, by=owner, to=ContractStatus.IN_FORCE)
    return contract


def _plan(contract: Contract, rng: random.Random, today: dt.date, position: int) -> list[Instalment]:
    """Two to four instalments; the first due some months back, the others spread after it so
    some fall in the future."""
    shares = PLANS[position % len(PLANS)]
    by_amount = position % 3 == 2
    first_due = today - dt.timedelta(days=rng.randint(60, 240))
    if position < len(OVERDUE_AGES):
        # The first instalment is the overdue one of this bucket's age.
        first_due = today - dt.timedelta(days=OVERDUE_AGES[position])
    due = first_due
    rows = []
    left = contract.amount
    for index, (name, pct) in enumerate(shares):
        kwargs: dict[str, Any]
        if by_amount:
            last = index == len(shares) - 1
            amount = left if last else (contract.amount * pct / 100).quantize(CENT)
            left -= amount
            kwargs = {"amount": amount}
        else:
            kwargs = {"percentage": pct}
        rows.append(payments.add_instalment(contract, by=contract.owner, name=name, due_date=due, **kwargs))
        due = due + dt.timedelta(days=rng.randint(45, 120))
    return rows


def _pay(
    contract: Contract, rows: list[Instalment], rng: random.Random, today: dt.date, position: int
) -> None:
    """Payments for the instalments due in the past: most in full a few days after their due date,
    some partly; the bucket contracts leave their first one unpaid (or half paid) so it is overdue."""
    for index, row in enumerate(rows):
        if row.due_date >= today:
            break
        received = min(row.due_date + dt.timedelta(days=rng.randint(0, 20)), today - dt.timedelta(days=1))
        amount = row.amount
        if position < len(OVERDUE_AGES) and index == 0:
            if position % 2:
                continue  # nothing received yet
            amount = (row.amount / 2).quantize(CENT)  # half received, the rest overdue
        elif rng.random() < 0.12:
            amount = (row.amount * Decimal("0.6")).quantize(CENT)
        elif rng.random() < 0.08:
            continue
        payments.record_payment(
            contract,
            by=contract.owner,
            amount=amount,
            received_on=received,
            reference=f"HD-{contract.number}-{index + 1}",
        )
        if position % 4 == 1 and index == 0:
            payments.issue_invoice(
                contract,
                by=contract.owner,
                number=f"FP-{contract.number}-{index + 1}",
                issued_on=max(row.due_date - dt.timedelta(days=5), contract.sign_date or row.due_date),
                amount=row.amount,
                instalment=row,
            )


def _project(
    contract: Contract, rows: list[Instalment], rng: random.Random, today: dt.date, *, handover_done: bool
) -> Project:
    owner = contract.owner
    project = implementation.open_project(contract, by=owner, manager=owner)
    checks = list(project.handover_checks.select_related("item").order_by("item__order", "pk"))
    for position, check in enumerate(checks):
        if handover_done or position < len(checks) // 2:
            implementation.check_handover(check, by=owner, done=True)
    if not handover_done:
        return project
    project.refresh_from_db()
    implementation.complete_handover(project, by=owner, version=project.version)
    start = contract.starts_on or today - dt.timedelta(days=120)
    count = rng.randint(4, 6)
    tied = rows[1:3] or rows[:1]
    milestones = {count - 1: tied[0]}
    if len(tied) > 1 and count > 4:
        milestones[count // 2] = tied[1]
    for index, (name, checkpoint) in enumerate(WORK_ITEMS[:count]):
        starts = start + dt.timedelta(days=20 * index)
        ends = starts + dt.timedelta(days=rng.randint(10, 30))
        instalment = milestones.get(index)
        item = implementation.add_work_item(
            project,
            by=owner,
            name=name,
            starts_on=starts,
            ends_on=ends,
            owner=owner,
            checkpoint=checkpoint,
            is_milestone=instalment is not None,
            instalment=instalment,
            progress=100 if ends < today else (50 if starts < today else 0),
        )
        if instalment is not None and ends < today:
            implementation.accept_milestone(item, by=owner, version=item.version, done_on=ends)
    return project


def build_contracts(builder: Any, rng: random.Random) -> list[Contract]:
    today = builder.today
    built = []
    deals = _won_deals(builder)
    for position, deal in enumerate(deals):
        contract = _signed_contract(deal, today)
        if contract is None or contract.status != ContractStatus.IN_FORCE:
            continue
        rows = _plan(contract, rng, today, position)
        if position == 3 and len(deals) > 10:
            # A change of scope signed after the plan: the plan's amounts stay, the contract grows.
            contracts.add_amendment(
                contract,
                by=contract.owner,
                amount_change=(contract.amount / 10).quantize(CENT),
                reason="增加备件包与一年驻厂服务 / A spare parts kit and a year's on-site service added",
                signed_on=min(today, (contract.sign_date or today) + dt.timedelta(days=30)),
            )
        _pay(contract, rows, rng, today, position)
        completed = position in (len(deals) - 1, len(deals) - 2, len(deals) - 3) and position >= 10
        terminated = position == 9
        if not terminated and position % 6 != 5:
            project = _project(contract, rows, rng, today, handover_done=position != 8)
            if completed and project.status == ProjectStatus.IN_PROGRESS:
                for item in project.work_items.filter(is_milestone=True, done_on__isnull=True):
                    implementation.accept_milestone(
                        item, by=contract.owner, version=item.version, done_on=today
                    )
                project.refresh_from_db()
                implementation.close_project(
                    project,
                    by=contract.owner,
                    version=project.version,
                    accepted_on=today - dt.timedelta(days=rng.randint(3, 20)),
                    notes="设备运行稳定，客户签署验收报告 / Running steadily; the customer signed the acceptance report",
                )
        contract.refresh_from_db()
        if completed:
            contracts.change_status(contract, by=contract.owner, to=ContractStatus.COMPLETED)
        elif terminated:
            contracts.change_status(
                contract,
                by=contract.owner,
                to=ContractStatus.TERMINATED,
                reason="客户产线搬迁，双方协商解除 / The customer moved its line; ended by mutual agreement",
            )
        built.append(contract)
    return built


def build_service(builder: Any, rng: random.Random) -> None:
    """Requests on the key and important accounts over the past six weeks; most resolved in time,
    the oldest open ones past due (the watch escalates them), the newest at their warning point."""
    now = _now(builder)
    kinds = list(ServiceKind.objects.filter(is_active=True).order_by("order", "pk"))
    ids = [a.customer.pk for a in builder.accounts]
    accounts = list(
        Customer.objects.filter(pk__in=ids, segment__in=[Segment.KEY, Segment.IMPORTANT], in_pool=False)
        .select_related("owner")
        .order_by("name")
    )
    if not kinds or not accounts:
        return
    priorities = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.NORMAL, Priority.LOW]
    count = 16
    for index in range(count):
        customer = accounts[index % len(accounts)]
        subject, resolution = REQUESTS[index % len(REQUESTS)]
        priority = priorities[index % len(priorities)]
        # Oldest first: the first twelve are worked on, the last four still open.
        days_ago = 42 - index * 2 - rng.randint(0, 1)
        opened = now - dt.timedelta(days=days_ago, hours=rng.randint(1, 6))
        contract = Contract.objects.filter(customer=customer).order_by("pk").first()
        sr = service.open_request(
            by=customer.owner,
            customer=customer,
            kind=kinds[index % len(kinds)],
            subject=subject,
            priority=priority,
            description=subject,
            contract=contract,
            opened_at=opened,
        )
        if index >= count - 2:
            continue  # new, not yet answered: the watch warns or escalates them by their clock
        response = min(opened + (sr.response_due_at - opened) / 2, now)
        service.move(sr, by=sr.owner, version=None, to=ServiceStatus.ACKNOWLEDGED, now=response)
        if index >= count - 5:
            # In progress past their resolution due: breached, the watch escalates them.
            service.move(sr, by=sr.owner, version=None, to=ServiceStatus.IN_PROGRESS, now=response)
            continue
        # Most resolved in time; every fifth late.
        late = index % 5 == 4
        span = sr.resolution_due_at - opened
        resolved = opened + (span * 1.3 if late else span * rng.uniform(0.3, 0.8))
        resolved = min(resolved, now - dt.timedelta(hours=1))
        service.move(sr, by=sr.owner, version=None, to=ServiceStatus.IN_PROGRESS, now=response)
        service.move(
            sr, by=sr.owner, version=None, to=ServiceStatus.RESOLVED, resolution=resolution, now=resolved
        )
        if index % 2 == 0:
            service.move(
                sr,
                by=sr.owner,
                version=None,
                to=ServiceStatus.CLOSED,
                now=min(resolved + dt.timedelta(days=2), now),
            )
    service.watch(now)


def _key_accounts(builder: Any) -> list[Customer]:
    ids = [a.customer.pk for a in builder.accounts]
    return list(
        Customer.objects.filter(pk__in=ids, segment=Segment.KEY, in_pool=False)
        .select_related("owner")
        .order_by("name")
    )


def build_surveys(builder: Any, rng: random.Random) -> None:
    """One or two surveys a key account over the past year, five-point and NPS by turns, their
    levels spread so the churn risks differ (the latest survey decides)."""
    today = builder.today
    questions = list(SurveyQuestion.objects.filter(is_active=True).order_by("order", "pk"))
    five_levels = (5, 4, 3, 2)
    nps_scores = (9, 7, 5, 2, 10, 6)
    for position, customer in enumerate(_key_accounts(builder)):
        taken = [today - dt.timedelta(days=rng.randint(200, 330))]
        if position % 3 != 2:
            taken.append(today - dt.timedelta(days=rng.randint(10, 90)))
        for turn, day in enumerate(taken):
            if (position + turn) % 2 == 0:
                overall = five_levels[(position + turn) % len(five_levels)]
                answers = {q.pk: max(1, min(5, overall + rng.choice((-1, 0, 0, 1)))) for q in questions}
                satisfaction.record_survey(
                    customer,
                    by=customer.owner,
                    taken_on=day,
                    overall=overall,
                    scale=SurveyScale.FIVE,
                    answers=answers,
                    comment=rng.choice(COMMENTS),
                )
            else:
                satisfaction.record_survey(
                    customer,
                    by=customer.owner,
                    taken_on=day,
                    overall=nps_scores[(position + turn) % len(nps_scores)],
                    scale=SurveyScale.NPS,
                    comment=rng.choice(COMMENTS),
                )
        satisfaction.refresh_care(customer)


def build(builder: Any, rng: random.Random) -> None:
    """Write the demo's after-sale records through the delivery services."""
    built = build_contracts(builder, rng)
    build_service(builder, rng)
    build_surveys(builder, rng)
    # The overdue signals on the customers, as of the demo's day.
    payments.refresh_care({c.customer_id for c in built}, on=builder.today)


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    """Remove the demo's after-sale records: they protect its people, customers and deals, so they go
    before those (the approvals part removes the contract requests its people made)."""
    people = Q(customer__in=customers)
    requests = ServiceRequest.objects.filter(people | Q(owner__in=users) | Q(created_by__in=users))
    DeliveryChange.objects.filter(Q(customer__in=customers) | Q(service_request__in=requests)).delete()
    requests.delete()
    SatisfactionSurvey.objects.filter(people | Q(recorded_by__in=users)).delete()
    CustomerCare.objects.filter(customer__in=customers).delete()
    Contract.objects.filter(
        people | Q(opportunity__in=deals) | Q(owner__in=users) | Q(created_by__in=users)
    ).delete()

"""`kam demo`'s after-sale data: contracts of the won deals, payments and aging, projects, service
requests and the SLA watch, surveys and churn risk; the pages the director opens; the reset.

The world is loaded once for the module inside a transaction rolled back at the end."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kam.customers.models import Customer, Segment
from kam.delivery.models import (
    Contract,
    ContractAmendment,
    ContractStatus,
    CustomerCare,
    DeliveryChange,
    Instalment,
    Invoice,
    Payment,
    Project,
    ProjectStatus,
    SatisfactionSurvey,
    ServiceRequest,
    ServiceStatus,
    SurveyScale,
)
from kam.delivery.payments.services import overdue_instalments
from kam.demo.generator import delete_demo_data
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User
from kam.planning.approvals.models import ApprovalStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def demo_contracts():
    return Contract.objects.filter(owner__username__startswith="demo_")


def test_each_won_deal_has_an_approved_contract(demo):
    won = Opportunity.objects.filter(owner__username__startswith="demo_", status=OpportunityStatus.WON)
    assert won.count() > 10
    contracts = demo_contracts()
    assert set(contracts.values_list("opportunity_id", flat=True)) == set(won.values_list("pk", flat=True))
    for contract in contracts.select_related("approval"):
        assert contract.approval is not None and contract.approval.status == ApprovalStatus.APPROVED
        assert contract.sign_date is not None
    statuses = Counter(contracts.values_list("status", flat=True))
    assert statuses[ContractStatus.IN_FORCE] > statuses[ContractStatus.COMPLETED] >= 2
    assert statuses[ContractStatus.TERMINATED] == 1
    assert not statuses[ContractStatus.DRAFT] and not statuses[ContractStatus.IN_APPROVAL]
    assert contracts.get(status=ContractStatus.TERMINATED).terminated_reason
    amendment = ContractAmendment.objects.get(contract__in=contracts)
    assert amendment.amount_change > 0
    assert DeliveryChange.objects.filter(contract=amendment.contract, action="approved").exists()


def test_payment_plans_payments_and_overdue_in_every_bucket(demo):
    today = timezone.localdate()
    contracts = demo_contracts()
    per_contract = Counter(
        Instalment.objects.filter(contract__in=contracts).values_list("contract_id", flat=True)
    )
    assert set(per_contract) == set(contracts.values_list("pk", flat=True))
    assert set(per_contract.values()) == {2, 3, 4}
    by_percent = Instalment.objects.filter(contract__in=contracts, percentage__isnull=False)
    assert (
        by_percent.exists()
        and Instalment.objects.filter(contract__in=contracts, percentage__isnull=True).exists()
    )
    assert Instalment.objects.filter(contract__in=contracts, due_date__gt=today).exists()
    assert Payment.objects.filter(contract__in=contracts).count() > len(per_contract)
    partial = Instalment.objects.filter(
        contract__in=contracts, received__gt=0, paid_on__isnull=True, due_date__lt=today
    )
    assert partial.exists()
    ages = [
        (today - due).days
        for due in overdue_instalments(today)
        .filter(contract__in=contracts)
        .values_list("due_date", flat=True)
    ]
    buckets = {0 if a <= 30 else 1 if a <= 60 else 2 if a <= 90 else 3 for a in ages}
    assert buckets == {0, 1, 2, 3}
    assert Invoice.objects.filter(contract__in=contracts).count() >= 3
    overdue_customers = set(
        overdue_instalments(today)
        .filter(contract__in=contracts)
        .values_list("contract__customer_id", flat=True)
    )
    care = CustomerCare.objects.filter(customer_id__in=overdue_customers, overdue_amount__gt=0)
    assert care.count() == len(overdue_customers)


def test_projects_for_most_contracts_one_in_hand_over_one_closed(demo):
    contracts = demo_contracts()
    projects = Project.objects.filter(contract__in=contracts)
    assert projects.count() * 3 > contracts.count() * 2
    statuses = Counter(projects.values_list("status", flat=True))
    assert statuses[ProjectStatus.HANDOVER] == 1
    assert statuses[ProjectStatus.ACCEPTED] >= 1
    assert statuses[ProjectStatus.IN_PROGRESS] > statuses[ProjectStatus.ACCEPTED]
    for project in projects.filter(status=ProjectStatus.ACCEPTED):
        assert project.accepted_on is not None
        assert not project.work_items.filter(is_milestone=True, done_on__isnull=True).exists()
    for project in projects.exclude(status=ProjectStatus.HANDOVER).prefetch_related("work_items"):
        items = list(project.work_items.all())
        assert 4 <= len(items) <= 6
        milestones = [i for i in items if i.is_milestone]
        assert 1 <= len(milestones) <= 2
        assert all(
            m.instalment is not None and m.instalment.contract_id == project.contract_id for m in milestones
        )
        assert not project.handover_checks.filter(done=False).exists()


def test_service_requests_across_statuses_some_breached_and_escalated(demo):
    requests = ServiceRequest.objects.filter(customer__owner__username__startswith="demo_")
    assert 10 <= requests.count() <= 20
    assert set(requests.values_list("customer__segment", flat=True)) <= {Segment.KEY, Segment.IMPORTANT}
    statuses = Counter(requests.values_list("status", flat=True))
    assert {
        ServiceStatus.NEW,
        ServiceStatus.IN_PROGRESS,
        ServiceStatus.RESOLVED,
        ServiceStatus.CLOSED,
    } <= set(statuses)
    assert len(set(requests.values_list("priority", flat=True))) == 4
    resolved = requests.filter(resolved_at__isnull=False)
    in_time = [r for r in resolved if r.resolved_at <= r.resolution_due_at]
    assert len(in_time) * 2 > resolved.count() > len(in_time)
    escalated = requests.filter(escalated_at__isnull=False)
    assert escalated.count() >= 3
    assert escalated.filter(escalated_to__isnull=False).exists()
    assert (
        DeliveryChange.objects.filter(service_request__in=escalated, action="escalated").count()
        == escalated.count()
    )
    opened = sorted(requests.values_list("opened_at", flat=True))
    assert opened[-1] - opened[0] > dt.timedelta(days=30)


def test_key_accounts_have_surveys_on_both_scales_and_differing_churn(demo):
    keys = Customer.objects.filter(owner__username__startswith="demo_", segment=Segment.KEY)
    assert keys.exists()
    per_customer = Counter(
        SatisfactionSurvey.objects.filter(customer__in=keys).values_list("customer_id", flat=True)
    )
    assert set(per_customer) == set(keys.values_list("pk", flat=True))
    assert set(per_customer.values()) <= {1, 2}
    scales = set(SatisfactionSurvey.objects.filter(customer__in=keys).values_list("scale", flat=True))
    assert scales == {SurveyScale.FIVE, SurveyScale.NPS}
    churn = set(CustomerCare.objects.filter(customer__in=keys).values_list("churn_percent", flat=True))
    assert None not in churn and len(churn) >= 2


def test_the_directors_pages_answer_with_the_demo_data(demo, client):
    director = User.objects.get(username="demo_director")
    client.force_login(director)
    # A demo key account with money overdue: its 360° page and its receivables section.
    care = (
        CustomerCare.objects.filter(
            customer__segment=Segment.KEY, customer__owner__username__startswith="demo_", overdue_amount__gt=0
        )
        .select_related("customer")
        .first()
    )
    assert care is not None
    key = care.customer
    page = client.get(reverse("customers:detail", args=[key.pk]))
    assert page.status_code == 200 and key.name in page.content.decode()
    section = client.get(reverse("delivery_payments:customer_section", args=[key.pk]), HTTP_HX_REQUEST="true")
    late = overdue_instalments().filter(contract__customer=key).select_related("contract").first()
    assert section.status_code == 200 and late.contract.number in section.content.decode()
    receivables = client.get(reverse("delivery_payments:receivables"))
    body = receivables.content.decode()
    assert receivables.status_code == 200
    assert any(
        c.number in body for c in demo_contracts().filter(instalments__in=overdue_instalments()).distinct()
    )
    listing = client.get(reverse("delivery_service:list"))
    assert listing.status_code == 200
    assert ServiceRequest.objects.order_by("-opened_at").first().number in listing.content.decode()
    last = ServiceRequest.objects.filter(resolved_at__isnull=False).order_by("-resolved_at").first()
    month = timezone.localtime(last.resolved_at).strftime("%Y-%m")
    sla = client.get(reverse("delivery_service:sla"), {"month": month})
    assert sla.status_code == 200
    assert last.owner.team.name in sla.content.decode()


def test_reset_rebuilds_the_same_after_sale_data_and_delete_removes_it(demo):
    def counts():
        return (
            demo_contracts().count(),
            Instalment.objects.count(),
            Payment.objects.count(),
            Project.objects.count(),
            ServiceRequest.objects.count(),
            SatisfactionSurvey.objects.count(),
        )

    before = counts()
    call_command("demo", "--reset", stdout=io.StringIO())
    assert counts() == before
    delete_demo_data()
    assert counts() == (0, 0, 0, 0, 0, 0)
    assert not DeliveryChange.objects.exists() and not CustomerCare.objects.exists()

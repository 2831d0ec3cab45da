"""The 360° page's overview tiles: the customer's figures, links to the lists behind them, a fixed
number of statements whatever the number of deals, and empty states."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import unescape

from django.urls import reverse
from django.utils import timezone

from kam.customers.profile.overview import customer_overview
from kam.delivery.models import CustomerCare
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from kam.planning.accountplans import services as plan_services
from kam.planning.accountplans.models import AccountPlan
from tests.delivery.service.conftest import T0
from tests.factories import make_opportunity


def _furnish(world):
    today = timezone.localdate()
    won = make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        name="Crane",
        amount=Decimal("300000"),
        sign_date=today,
    )
    opportunity_services.close_opportunity(
        won, by=world.east_rep, status=OpportunityStatus.WON, reason="Signed"
    )
    CustomerCare.objects.create(
        customer=world.east_customer,
        overdue_amount=Decimal("50000"),
        oldest_overdue_due=today - dt.timedelta(days=20),
        satisfaction_level=2,
        churn_percent=Decimal("40"),
    )
    from kam.delivery.models import ServiceKind
    from kam.delivery.service import services as service_services

    kind, _ = ServiceKind.objects.get_or_create(code="fault", defaults={"name": "故障", "name_en": "Fault"})
    service_services.open_request(
        by=world.east_rep, customer=world.east_customer, kind=kind, subject="Fault", opened_at=T0
    )
    plan = plan_services.create_plan(customer=world.east_customer, year=today.year, by=world.east_rep)
    # The state the review services keep on an active plan.
    AccountPlan.objects.filter(pk=plan.pk).update(
        status="active", next_review_due=today + dt.timedelta(days=10)
    )
    return plan


def test_overview_figures_of_a_customer(world):
    plan = _furnish(world)
    world.east_customer.refresh_from_db()
    o = customer_overview(world.east_rep, world.east_customer)
    assert (o.open_count, o.open_amount, o.weighted) == (1, Decimal("1000000.00"), Decimal("100000.00"))
    assert (o.won_count, o.won_amount) == (1, Decimal("300000.00"))
    assert o.overdue_amount == Decimal("50000")
    assert o.open_service_requests == 1
    assert o.next_review_plan_id == plan.pk and not o.review_overdue
    assert o.satisfaction_level == 2
    assert o.urls["open"] == f"/opportunities/?customer={world.east_customer.pk}&status=open"
    assert o.urls["review"] == reverse("planning_accountplans:detail", args=[plan.pk])


def test_overview_counts_only_the_deals_the_reader_sees(world):
    """A deal of another team on the same customer stays out of a rep's tiles."""
    make_opportunity(
        owner=world.west_rep, customer=world.east_customer, name="West's own", amount=Decimal("5")
    )
    assert customer_overview(world.east_rep, world.east_customer).open_count == 1
    assert customer_overview(world.director, world.east_customer).open_count == 2


def test_overview_on_the_page_with_links_and_bounded_queries(
    client, world, password, django_assert_max_num_queries
):
    _furnish(world)
    client.login(username="east_rep", password=password)
    url = reverse("customers:detail", args=[world.east_customer.pk])
    client.get(url)
    pk = world.east_customer.pk
    with django_assert_max_num_queries(4) as few:
        customer_overview(world.east_rep, world.east_customer)
    for i in range(5):
        make_opportunity(owner=world.east_rep, customer=world.east_customer, name=f"More {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        customer_overview(world.east_rep, world.east_customer)
    page = unescape(client.get(url).content.decode())
    assert f'href="/opportunities/?customer={pk}&status=open" data-tile="open"' in page
    assert f'href="/delivery/receivables/?customer={pk}&overdue=1" data-tile="overdue"' in page
    assert 'data-tile="satisfaction"' in page and "2 / 5" in page


def test_overview_of_a_customer_with_nothing_yet(client, world, password):
    from tests.factories import CustomerFactory

    fresh = CustomerFactory(owner=world.east_rep, name="Fresh Co")
    client.login(username="east_rep", password=password)
    page = client.get(reverse("customers:detail", args=[fresh.pk])).content.decode()
    assert "No open opportunity with this customer." in page
    assert "Nobody of ours has logged an activity with this customer yet." in page
    assert "No active account plan." in page

"""The account plan pages: list (filters, sorting, pagination, visibility, query count), create,
the plan page with its sections, a stale form refused with a 409, submit and approve, team, shares,
forecast, revisions, the customer 360° panel, printing, the Chinese page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from kam.planning.accountplans import services
from kam.planning.accountplans.models import AccountPlan, PlanStatus
from kam.planning.approvals import services as approvals
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("planning_accountplans:list")


def plan_for(world, customer=None, year=2027, **sections):
    return services.create_plan(
        customer=customer or world.east_customer, year=year, by=world.east_rep, **sections
    )


# The list ----------------------------------------------------------------------------------------


def test_the_list_shows_an_empty_state_and_the_new_plan_form(client, world):
    client.force_login(world.east_rep)
    body = client.get(LIST).content.decode()
    assert "No account plan yet" in body
    assert 'action="/planning/accounts/new/"' in body
    assert "data-print" in body


def test_the_list_never_shows_another_teams_plans(client, world):
    plan_for(world)
    services.create_plan(customer=world.west_customer, year=2027, by=world.west_rep)
    client.force_login(world.east_rep)
    body = client.get(LIST).content.decode()
    assert "East Steel" in body
    assert "West Power" not in body
    client.force_login(world.director)
    body = client.get(LIST).content.decode()
    assert "East Steel" in body and "West Power" in body


def test_the_list_filters_sorts_and_pages(client, world):
    plan_for(world, year=2026)
    plan_for(world, year=2027)
    other = CustomerFactory(name="Alpha Mining", owner=world.east_rep, segment="key")
    plan_for(world, customer=other, year=2027)
    client.force_login(world.east_rep)

    body = client.get(LIST, {"year": "2026"}).content.decode()
    assert len(re.findall(r'href="/planning/accounts/\d+/"', body)) == 1
    body = client.get(LIST, {"segment": "key"}).content.decode()
    assert "Alpha Mining" in body and "East Steel" not in body
    body = client.get(LIST, {"q": "alpha"}).content.decode()
    assert "Alpha Mining" in body and "East Steel" not in body
    body = client.get(LIST, {"status": "active"}).content.decode()
    assert "No plan matches these filters." in body
    body = client.get(LIST, {"sort": "customer"}).content.decode()
    assert body.index("Alpha Mining") < body.index("East Steel")
    body = client.get(LIST, {"sort": "-customer"}).content.decode()
    assert body.index("Alpha Mining") > body.index("East Steel")
    # A bad filter is a message, not an error page.
    response = client.get(LIST, {"year": "abc", "status": "nope"})
    assert response.status_code == 200
    assert "Unknown status." in response.content.decode()


def test_the_list_pages_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for number in range(30):
        customer = CustomerFactory(name=f"Customer {number:02d}", owner=world.east_rep)
        plan_for(world, customer=customer)
    client.force_login(world.east_rep)
    client.get(LIST)  # warm the session and the content types
    with django_assert_max_num_queries(6):
        response = client.get(LIST, {"sort": "customer"})
    body = response.content.decode()
    assert "Customer 00" in body and "Customer 30" not in body
    assert "Page 1 of 2" in body
    assert "Customer 29" in client.get(LIST, {"sort": "customer", "page": "2"}).content.decode()


def test_the_plan_page_reads_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    plan = plan_for(world)
    for number in range(8):
        services.add_share(plan, by=world.east_rep, version=plan.version, product_line=f"Line {number}")
        services.record_change(plan, by=world.east_rep, action="reviewed", summary=f"Review {number}")
    client.force_login(world.east_rep)
    client.get(plan.get_absolute_url())
    with django_assert_max_num_queries(8):
        body = client.get(plan.get_absolute_url()).content.decode()
    assert "Line 7" in body and "Review 7" in body


# Create ------------------------------------------------------------------------------------------


def test_create_from_the_form_and_the_one_per_year_rule(client, world):
    client.force_login(world.east_rep)
    create = reverse("planning_accountplans:create")
    response = client.post(create, {"customer": world.east_customer.pk, "year": "2027"})
    plan = AccountPlan.objects.get(customer=world.east_customer, year=2027)
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()

    response = client.post(create, {"customer": world.east_customer.pk, "year": "2027"})
    assert response.status_code == 400
    assert "already has an account plan for 2027" in response.content.decode()


def test_create_refuses_a_customer_the_user_does_not_see(client, world):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("planning_accountplans:create"), {"customer": world.west_customer.pk, "year": "2027"}
    )
    assert response.status_code == 400
    assert not AccountPlan.objects.exists()


# One plan ----------------------------------------------------------------------------------------


def test_the_plan_page_shows_every_section_and_the_links(client, world):
    plan = plan_for(world, executive_summary="Grow with the new plant")
    client.force_login(world.east_rep)
    body = client.get(plan.get_absolute_url()).content.decode()
    for heading in (
        "Executive summary",
        "Strategic choices",
        "Business risks",
        "Customer objectives",
        "The team&#x27;s action plan",
        "Resources and budget",
        "Five-year financial forecast",
        "Team members and roles",
        "Our share by product line and region",
        "Revisions",
        "History",
    ):
        assert heading in body, heading
    assert "Grow with the new plant" in body
    assert "No rows yet: add our share" in body
    assert "Not written yet." in body  # the strategic choices, still empty
    assert f'href="/planning/accounts/{plan.pk}/ogsm/"' in body
    assert f'hx-get="/planning/accounts/{plan.pk}/reviews/panel/"' in body
    assert "data-print" in body and "no-print" in body


def test_a_rep_of_another_team_gets_404(client, world):
    plan = plan_for(world)
    client.force_login(world.west_rep)
    assert client.get(plan.get_absolute_url()).status_code == 404
    url = reverse("planning_accountplans:edit_section", args=[plan.pk, "summary"])
    assert client.post(url, {"executive_summary": "x", "version": plan.version}).status_code == 404


def test_a_section_saves_and_a_stale_form_gets_409(client, world):
    plan = plan_for(world)
    client.force_login(world.east_rep)
    url = reverse("planning_accountplans:edit_section", args=[plan.pk, "risks"])
    assert 'name="business_risks"' in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    response = client.post(url, {"business_risks": "A new rival", "version": 1})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.business_risks == "A new rival"

    response = client.post(url, {"business_risks": "Stale", "version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    plan.refresh_from_db()
    assert plan.business_risks == "A new rival"


def test_a_section_saved_through_htmx_reloads_the_plan_page(client, world):
    plan = plan_for(world)
    client.force_login(world.east_rep)
    url = reverse("planning_accountplans:edit_section", args=[plan.pk, "summary"])
    response = client.post(url, {"executive_summary": "Grow", "version": 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == plan.get_absolute_url() + "?v=2#section-summary"
    # The history names the field as people read it.
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "Executive summary: — → Grow" in body


def test_a_section_refuses_bad_input_with_messages(client, world):
    plan = plan_for(world)
    client.force_login(world.east_rep)
    url = reverse("planning_accountplans:edit_section", args=[plan.pk, "objectives"])
    response = client.post(url, {"target_share": "150", "version": plan.version})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


def test_submit_approve_and_the_active_plan_is_read_only(client, world):
    plan = plan_for(
        world,
        executive_summary="Grow",
        customer_objectives="Win the line",
        revenue_target=Decimal("1000000"),
    )
    client.force_login(world.east_rep)
    response = client.post(reverse("planning_accountplans:submit", args=[plan.pk]), {"version": plan.version})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    approvals.decide(plan.approval, by=world.east_mgr, approve=True)
    approvals.decide(plan.approval, by=world.director, approve=True)

    body = client.get(plan.get_absolute_url()).content.decode()
    assert "The plan is active: its sections are read-only." in body
    assert "edit/summary/" not in body
    assert "Close the plan" in body


def test_submit_with_empty_sections_says_what_is_missing(client, world):
    plan = plan_for(world)
    client.force_login(world.east_rep)
    response = client.post(reverse("planning_accountplans:submit", args=[plan.pk]), {"version": plan.version})
    assert response.status_code == 400
    assert "Fill this in before submitting the plan." in response.content.decode()


def test_team_shares_and_forecast_through_the_page(client, world):
    plan = plan_for(world)
    client.force_login(world.east_rep)
    response = client.post(
        reverse("planning_accountplans:member_add", args=[plan.pk]),
        {"user": world.east_rep2.pk, "role": "solution", "responsibility": "Design", "version": plan.version},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    response = client.post(
        reverse("planning_accountplans:share_add", args=[plan.pk]),
        {
            "product_line": "Furnaces",
            "region": "East",
            "customer_demand": "800",
            "our_revenue": "200",
            "version": plan.version,
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    data = {"version": plan.version, "revenue_2027": "1000", "share_2029": "30"}
    response = client.post(reverse("planning_accountplans:forecast", args=[plan.pk]), data)
    assert response.status_code == 302

    body = client.get(plan.get_absolute_url()).content.decode()
    assert "east_rep2" in body or str(world.east_rep2) in body
    assert "25.0%" in body
    history = body[body.index('id="history"') :]
    assert "Revenue 2027: — → 1000" in history
    assert "Product line: — → Furnaces" in history
    plan.refresh_from_db()
    assert plan.forecast_years.get(year=2029).share == Decimal("30")
    # A form read before those writes is stale.
    response = client.post(reverse("planning_accountplans:forecast", args=[plan.pk]), {**data, "version": 1})
    assert response.status_code == 409


def test_revisions_are_listed_and_readable(client, world):
    plan = plan_for(world)
    services.update_plan(plan, by=world.east_rep, version=plan.version, executive_summary="Second version")
    client.force_login(world.east_rep)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "Revision 2" in body
    body = client.get(reverse("planning_accountplans:revision", args=[plan.pk, 2])).content.decode()
    assert "Second version" in body
    first = client.get(reverse("planning_accountplans:revision", args=[plan.pk, 1])).content.decode()
    assert "Second version" not in first
    assert client.get(reverse("planning_accountplans:revision", args=[plan.pk, 9])).status_code == 404


def test_history_shows_other_parts_lines_newest_first(client, world):
    plan = plan_for(world)
    services.record_change(plan, by=world.east_rep, action="reviewed", summary="Quarterly review held")
    client.force_login(world.east_rep)
    body = client.get(plan.get_absolute_url()).content.decode()
    history = body[body.index('id="history"') :]
    assert history.index("Quarterly review held") < history.index("created")


# The customer 360° panel -------------------------------------------------------------------------


def test_the_customer_panel_lists_the_plans_and_offers_a_new_one(client, world):
    plan_for(world)
    client.force_login(world.east_rep)
    url = reverse("planning_accountplans:customer_panel", args=[world.east_customer.pk])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "2027" in body
    assert f"/planning/accounts/new/?customer={world.east_customer.pk}" in body
    client.force_login(world.west_rep)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_a_pooled_customer_offers_no_new_plan(client, world):
    pooled = CustomerFactory(owner=world.west_rep, in_pool=True)
    client.force_login(world.east_rep)
    url = reverse("planning_accountplans:customer_panel", args=[pooled.pk])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "No account plan for this customer yet." in body
    assert "/planning/accounts/new/" not in body


def test_the_customer_page_loads_the_panel(client, world):
    client.force_login(world.east_rep)
    body = client.get(reverse("customers:detail", args=[world.east_customer.pk])).content.decode()
    assert f'hx-get="/planning/accounts/customer/{world.east_customer.pk}/panel/"' in body


def test_the_menu_links_the_plans(client, world):
    client.force_login(world.east_rep)
    assert f'href="{LIST}"' in client.get(LIST).content.decode()


# Printing and languages --------------------------------------------------------------------------


def test_the_print_css_is_a4(client, world):
    from django.contrib.staticfiles import finders

    path = finders.find("planning/accountplans/plans/plans.css")
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        assert "@page { size: A4" in handle.read()


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_pages_are_translated(client, world):
    plan = plan_for(world)
    client.force_login(world.east_rep)
    with translation.override("zh-hans"):
        body = client.get(plan.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        list_body = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "客户规划" in body
    assert "五年财务预测" in body and "按产品线和区域的我方份额" in body and "目标份额（%）" in body
    # A revision's reason is stored as its msgid and shown in the reader's language.
    assert "第 1 版</a> · 创建" in body
    for english in (
        "Five-year financial forecast",
        "Our share by product line and region",
        "Status and approval",
    ):
        assert english not in body
    assert "新建客户规划" in list_body and "New account plan" not in list_body

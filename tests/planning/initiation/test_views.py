from __future__ import annotations

import pytest
from django.urls import reverse

from kam.planning.approvals import services as approvals
from kam.planning.initiation import services
from kam.planning.initiation.models import InitiationReport, InitiationStatus
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

FORM = {
    "background": "Plant expansion",
    "customer_needs": "Two new lines",
    "our_solution": "Turnkey furnace",
    "product_line": "Furnaces",
    "resources": "",
    "expense_budget": "50000",
    "gross_margin": "30",
    "risks": "",
}


@pytest.fixture
def deal(world):
    return make_opportunity(owner=world.east_rep, customer=world.east_customer, stage_code="P2")


def test_empty_state_shows_a_prefilled_form_and_a_print_button(client, world, deal):
    client.force_login(world.east_rep)
    body = client.get(reverse("planning_initiation:opportunity", args=[deal.pk])).content.decode()
    assert "No initiation report yet" in body
    assert "data-print" in body
    assert deal.project_number in body
    assert 'name="background"' in body


def test_save_then_submit_through_htmx(client, world, deal):
    client.force_login(world.east_rep)
    url = reverse("planning_initiation:opportunity", args=[deal.pk])
    response = client.post(url, {**FORM, "version": 0}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "The initiation report is saved." in response.content.decode()
    report = InitiationReport.objects.get(opportunity=deal)

    response = client.post(
        reverse("planning_initiation:submit", args=[deal.pk]),
        {"version": report.version},
        HTTP_HX_REQUEST="true",
    )
    assert "submitted for approval" in response.content.decode()
    report.refresh_from_db()
    assert report.status == InitiationStatus.PENDING


def test_validation_messages_come_back_on_the_form(client, world, deal):
    client.force_login(world.east_rep)
    url = reverse("planning_initiation:opportunity", args=[deal.pk])
    response = client.post(url, {**FORM, "gross_margin": "250", "version": 0}, HTTP_HX_REQUEST="true")
    assert "errorlist" in response.content.decode()
    assert not InitiationReport.objects.exists()

    client.post(url, {**FORM, "our_solution": "", "version": 0})
    report = InitiationReport.objects.get()
    response = client.post(reverse("planning_initiation:submit", args=[deal.pk]), {"version": report.version})
    assert "Fill this in before submitting the report." in response.content.decode()
    report.refresh_from_db()
    assert report.status == InitiationStatus.DRAFT


def test_a_stale_form_is_a_conflict_not_a_lost_update(client, world, deal):
    services.save_report(deal, by=world.east_rep, version=0, risks="first")
    services.save_report(deal, by=world.east_rep2, version=1, risks="second")
    client.force_login(world.east_rep)
    response = client.post(
        reverse("planning_initiation:opportunity", args=[deal.pk]),
        {**FORM, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert "Someone changed the report meanwhile" in response.content.decode()
    assert InitiationReport.objects.get().risks == "second"


def test_rejected_report_shows_the_comment_and_is_editable(client, world, deal):
    client.force_login(world.east_rep)
    client.post(reverse("planning_initiation:opportunity", args=[deal.pk]), {**FORM, "version": 0})
    report = InitiationReport.objects.get()
    report = services.submit_report(report, by=world.east_rep)
    approvals.decide(report.approval, by=world.east_mgr, approve=False, comment="Margin too thin")
    client.force_login(world.east_rep)
    body = client.get(reverse("planning_initiation:opportunity", args=[deal.pk])).content.decode()
    assert "Margin too thin" in body
    assert 'name="background"' in body


def test_another_teams_deal_is_a_404(client, world, deal):
    client.force_login(world.west_rep)
    assert client.get(reverse("planning_initiation:opportunity", args=[deal.pk])).status_code == 404
    assert client.post(reverse("planning_initiation:opportunity", args=[deal.pk]), FORM).status_code == 404
    assert not InitiationReport.objects.exists()


def test_the_strategy_panel_lists_the_tool_with_its_state(client, world, deal):
    services.save_report(deal, by=world.east_rep, version=0)
    client.force_login(world.east_rep)
    body = client.get(reverse("planning:opportunity_panel", args=[deal.pk])).content.decode()
    assert reverse("planning_initiation:opportunity", args=[deal.pk]) in body
    assert "draft" in body


def test_the_page_reads_in_chinese(client, world, deal):
    client.force_login(world.east_rep)
    body = client.get(
        reverse("planning_initiation:opportunity", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "立项报告" in body

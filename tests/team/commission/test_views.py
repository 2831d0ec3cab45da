"""The commission pages: compute a statement, its lines linked to their deals, approval through the
forms, the Excel export's content, the plans page, a deal's split form, and visibility."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kam.opportunities.models import MemberRole
from kam.opportunities.services import set_member
from kam.team.commission.models import DealShare, Statement
from kam.team.commission.services import create_statement
from tests.factories import PASSWORD
from tests.team.commission.helpers import Q3_END, Q3_START, D, plan, won

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def approved_plan(world):
    plan(world.admin, [world.east_rep, world.east_rep2], name="Sales 2026", cap=D("30000"))
    return world


def test_manager_computes_a_statement_from_the_list(approved_plan, client):
    w = approved_plan
    deal = won(w.east_rep, "1500000", name="Furnace")
    login(client, w.east_mgr)
    page = client.get(reverse("team_commission:statements"))
    assert page.status_code == 200 and b"Compute a statement" in page.content
    bad = client.post(reverse("team_commission:statements"), {"person": w.east_rep.pk, "period": "soon"})
    assert bad.status_code == 200 and b"Write a quarter such as 2026 Q3" in bad.content
    done = client.post(reverse("team_commission:statements"), {"person": w.east_rep.pk, "period": "2026 Q3"})
    statement = Statement.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "team_commission:statement", args=[statement.pk]
    )
    detail = client.get(done["Location"]).content.decode()
    deal_url = reverse("opportunities:detail", args=[deal.pk])
    assert f'class="line-figure" href="{deal_url}"' in detail
    assert "0–1,000,000" in detail and "1,000,000–2,000,000" in detail
    assert "cap applied" in detail  # 35,000 capped at 30,000
    assert 'id="statement-total">¥30,000.00<' in detail


def test_approval_through_the_pages(approved_plan, client):
    w = approved_plan
    won(w.east_rep, "100000")
    s = create_statement(w.east_rep, by=w.east_mgr, period_start=Q3_START, period_end=Q3_END)
    login(client, w.east_rep)
    url = reverse("team_commission:action", args=[s.pk, "submit"])
    assert client.post(url, {"version": 1}).status_code == 302
    assert (
        client.post(reverse("team_commission:action", args=[s.pk, "approve"]), {"version": 2}).status_code
        == 403
    )
    client.logout()
    login(client, w.east_mgr)
    stale = client.post(reverse("team_commission:action", args=[s.pk, "approve"]), {"version": 1})
    assert stale.status_code == 409
    assert (
        client.post(reverse("team_commission:action", args=[s.pk, "approve"]), {"version": 2}).status_code
        == 302
    )
    s.refresh_from_db()
    assert s.status == "approved"
    assert (
        client.post(reverse("team_commission:action", args=[s.pk, "delete"]), {"version": 3}).status_code
        == 404
    )
    revised = client.post(reverse("team_commission:action", args=[s.pk, "recompute"]), {"version": 3})
    new = Statement.objects.get(previous=s)
    assert revised["Location"] == reverse("team_commission:statement", args=[new.pk])
    page = client.get(revised["Location"]).content.decode()
    assert "Differences from revision 1" in page and "No line differs from the revision before." in page


def test_excel_export_holds_every_line_and_the_totals(approved_plan, client):
    w = approved_plan
    won(w.east_rep, "1500000", name="Furnace")
    s = create_statement(w.east_rep, by=w.east_mgr, period_start=Q3_START, period_end=Q3_END)
    login(client, w.east_rep)
    response = client.get(reverse("team_commission:export", args=[s.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="commission-east_rep-2026-07-01-r1.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    lines = [row for row in book["Lines"].iter_rows(values_only=True) if row and row[0] is not None]
    header = lines.index(next(r for r in lines if r[0] == "Date"))
    body = lines[header + 1 :]
    assert [(r[2], r[7], r[8], r[9], r[10]) for r in body[:2]] == [
        ("Furnace", "0–1,000,000", 1000000, 2, 20000),
        ("Furnace", "1,000,000–2,000,000", 500000, 3, 15000),
    ]
    assert body[2][0] == "Total" and body[2][10] == 35000
    totals = dict(book["Totals"].iter_rows(min_row=2, values_only=True))
    assert (totals["Commission from the bands"], totals["Cap or floor applied"], totals["Total"]) == (
        35000,
        "cap",
        30000,
    )


def test_other_teams_statements_are_not_found(approved_plan, client):
    w = approved_plan
    s = create_statement(w.east_rep, by=w.east_mgr, period_start=Q3_START, period_end=Q3_END)
    login(client, w.west_mgr)
    assert client.get(reverse("team_commission:statement", args=[s.pk])).status_code == 404
    assert client.get(reverse("team_commission:export", args=[s.pk])).status_code == 404
    client.logout()
    login(client, w.east_rep2)
    assert client.get(reverse("team_commission:statement", args=[s.pk])).status_code == 404
    page = client.get(reverse("team_commission:statements"))
    assert b"Compute a statement" not in page.content and b"No statements yet." in page.content


def test_split_form(approved_plan, client):
    w = approved_plan
    set_member(w.east_opp, w.east_rep2, by=w.east_rep, role=MemberRole.LEADER)
    login(client, w.east_rep)
    url = reverse("team_commission:split", args=[w.east_opp.pk])
    page = client.get(url)
    assert b"No split set: 100 % to the owner." in page.content
    fields = {"version": 0, f"share_{w.east_rep.pk}": "50", f"share_{w.east_rep2.pk}": "40"}
    refused = client.post(url, fields)
    assert refused.status_code == 422 and b"The shares add up to 90 %" in refused.content
    fields[f"share_{w.east_rep2.pk}"] = "50"
    assert client.post(url, fields).status_code == 302
    assert sorted(DealShare.objects.values_list("share", flat=True)) == [D("50"), D("50")]


def test_plans_page(approved_plan, client):
    login(client, approved_plan.east_rep)
    page = client.get(reverse("team_commission:plans")).content.decode()
    assert "Sales 2026" in page and "never the top rate on the whole" in page and "Edit plans" not in page
    client.logout()
    login(client, approved_plan.admin)
    page = client.get(reverse("team_commission:plans")).content.decode()
    assert 'href="/admin/team_commission/commissionplan/"' in page


def test_pages_in_chinese(approved_plan, client):
    won(approved_plan.east_rep, "100000")
    s = create_statement(
        approved_plan.east_rep, by=approved_plan.east_mgr, period_start=Q3_START, period_end=Q3_END
    )
    login(client, approved_plan.east_mgr)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(
        reverse("team_commission:statement", args=[s.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "提成结算单" in page and "落入本档的基数" in page and "重新计算" in page


def test_statement_page_query_count(approved_plan, client, django_assert_max_num_queries):
    w = approved_plan
    for n in range(5):
        won(w.east_rep, "300000", name=f"Deal {n}")
    s = create_statement(w.east_rep, by=w.east_mgr, period_start=Q3_START, period_end=Q3_END)
    login(client, w.east_mgr)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("team_commission:statement", args=[s.pk])).status_code == 200

"""Implementation pages: the contract's panel opens the project, the project page (checklist, plan
table, Gantt data, closing, print), writes posted plainly and through htmx, a stale form is a 409,
the projects list with its filters; another team's project is a 404."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from kam.delivery.models import Project, ProjectStatus, WorkItem
from tests.delivery.implementation.factories import open_project, row, signed_contract
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_panel_offers_to_open_and_the_project_opens(client, world):
    contract = signed_contract(world.east_customer, world.east_rep)
    _login(client, world.east_rep)
    panel = client.get(reverse("delivery_implementation:panel", args=[contract.pk]), **HTMX)
    assert panel.status_code == 200 and "Open the implementation project" in panel.content.decode()
    response = client.post(
        reverse("delivery_implementation:contract_project", args=[contract.pk]),
        {"manager": world.east_rep2.pk},
    )
    project = Project.objects.get(contract=contract)
    assert response.status_code == 302 and response["Location"] == reverse(
        "delivery_implementation:detail", args=[project.pk]
    )
    panel = client.get(reverse("delivery_implementation:panel", args=[contract.pk]), **HTMX).content.decode()
    assert "Hand-over" in panel and reverse("delivery_implementation:detail", args=[project.pk]) in panel


def test_the_project_page_shows_the_checklist_plan_gantt_and_print(
    client, world, django_assert_max_num_queries
):
    project = open_project(world)
    for n in range(6):
        row(project, world.east_rep, name=f"Row {n}", ends_on=dt.date(2026, 4, 30))
    row(
        project,
        world.east_rep,
        name="Go-live",
        is_milestone=True,
        starts_on=dt.date(2099, 1, 1),
        ends_on=dt.date(2099, 1, 2),
    )
    _login(client, world.east_rep)
    with django_assert_max_num_queries(22):
        response = client.get(reverse("delivery_implementation:detail", args=[project.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-print" in body and 'id="plan-table"' in body and "aria-label" in body
    assert body.count('class="overdue') == 6
    start = body.index('id="gantt-data"')
    data = json.loads(body[body.index(">", start) + 1 : body.index("</script>", start)])
    assert [r["name"] for r in data["rows"]][-1] == "Go-live" and data["rows"][-1]["milestone"] is True


def test_the_handover_gate_on_the_page(client, world):
    project = open_project(world, handed_over=False)
    _login(client, world.east_rep)
    url = reverse("delivery_implementation:complete_handover", args=[project.pk])
    refused = client.post(url, {"version": 1})
    assert refused.status_code == 409
    first = project.handover_checks.select_related("item").first()
    assert first.item.text in refused.content.decode()
    for check in project.handover_checks.all():
        ticked = client.post(
            reverse("delivery_implementation:tick", args=[project.pk, check.pk]),
            {"version": 1, "done": "on", "note": "ok"},
            **HTMX,
        )
        assert ticked.status_code == 200
    assert client.post(url, {"version": 1}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS


def test_rows_added_edited_stale_and_closing(client, world):
    project = open_project(world)
    _login(client, world.east_rep)
    add = reverse("delivery_implementation:add_item", args=[project.pk])
    data = {
        "name": "Commissioning",
        "starts_on": "2026-05-01",
        "ends_on": "2026-05-20",
        "owner": world.east_rep.pk,
        "progress": 0,
        "is_milestone": "on",
    }
    response = client.post(add, data, **HTMX)
    assert response.status_code == 200 and "Work item added." in response.content.decode()
    item = WorkItem.objects.get()
    bad = client.post(add, {**data, "ends_on": "2026-04-01"})
    assert bad.status_code == 400 and "The end cannot come before the start." in bad.content.decode()
    edit = reverse("delivery_implementation:edit_item", args=[project.pk, item.pk])
    assert client.post(edit, {**data, "progress": 40, "version": 1}).status_code == 302
    stale = client.post(edit, {**data, "progress": 50, "version": 1})
    assert stale.status_code == 409
    item.refresh_from_db()
    assert item.progress == 40
    close = reverse("delivery_implementation:close", args=[project.pk])
    project.refresh_from_db()
    refused = client.post(close, {"version": project.version, "accepted_on": "2026-06-01"})
    assert refused.status_code == 409 and "Commissioning" in refused.content.decode()
    accept = reverse("delivery_implementation:accept_item", args=[project.pk, item.pk])
    assert client.post(accept, {"version": 2, "done_on": "2026-05-21"}).status_code == 302
    assert client.post(close, {"version": project.version, "accepted_on": ""}).status_code == 400
    assert client.post(close, {"version": project.version, "accepted_on": "2026-06-01"}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED


def test_the_list_filters_and_hides_other_teams(client, world):
    ours = open_project(world)
    row(ours, world.east_rep, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 31))
    from kam.delivery.implementation import services

    theirs = services.open_project(
        signed_contract(world.west_customer, world.west_rep), by=world.west_rep, manager=world.west_rep
    )
    _login(client, world.east_rep)
    body = client.get(reverse("delivery_implementation:list")).content.decode()
    assert ours.contract.number in body and theirs.contract.number not in body and "overdue" in body
    empty = client.get(reverse("delivery_implementation:list") + "?status=accepted").content.decode()
    assert "No project matches these filters." in empty
    assert client.get(reverse("delivery_implementation:detail", args=[theirs.pk])).status_code == 404
    assert (
        client.get(reverse("delivery_implementation:panel", args=[theirs.contract_id]), **HTMX).status_code
        == 404
    )


def test_the_list_sorts_by_a_column_both_ways(client, world):
    from kam.delivery.implementation import services
    from tests.factories import CustomerFactory

    first = open_project(world)
    other = CustomerFactory(name="Aardvark Works", owner=world.east_rep)
    second = services.open_project(
        signed_contract(other, world.east_rep), by=world.east_rep, manager=world.east_rep
    )
    _login(client, world.east_rep)
    url = reverse("delivery_implementation:list")
    up = client.get(url + "?sort=customer").content.decode()
    assert up.index(second.contract.number) < up.index(first.contract.number)
    assert 'aria-sort="ascending"' in up
    down = client.get(url + "?sort=-customer").content.decode()
    assert down.index(first.contract.number) < down.index(second.contract.number)
    assert client.get(url + "?sort=--bogus").status_code == 200

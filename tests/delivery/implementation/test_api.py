"""Implementation projects over JSON: open, hand-over, rows with If-Match, milestones, closing, the
Gantt's data, the list's filters and overdue flag; another team's project is a 404."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.delivery.models import Project, WorkItem
from tests.delivery.implementation.factories import instalment, open_project, row, signed_contract

pytestmark = pytest.mark.django_db


def _delete(api, path, *, if_match=None):
    return api.client.delete("/api/v1" + path, **api._headers(if_match))


def _put(api, path, data, *, if_match=None):
    import json

    return api.client.put(
        "/api/v1" + path, data=json.dumps(data), content_type="application/json", **api._headers(if_match)
    )


def test_open_a_project_tick_the_checklist_and_hand_over(world, api_as):
    api = api_as(world.east_rep)
    contract = signed_contract(world.east_customer, world.east_rep)
    assert api.get(f"/delivery/contracts/{contract.pk}/project").status_code == 404
    opened = api.post(f"/delivery/contracts/{contract.pk}/project", {"manager": world.east_rep2.pk})
    assert opened.status_code == 201 and opened["ETag"] == '"1"'
    body = opened.json()
    assert body["status"] == "handover" and body["manager"]["id"] == world.east_rep2.pk
    pid = body["id"]
    again = api.post(f"/delivery/contracts/{contract.pk}/project", {"manager": world.east_rep2.pk})
    assert again.status_code == 409
    early = api.post(f"/delivery/projects/{pid}/handover/complete", {}, if_match=1)
    assert early.status_code == 409 and body["handover"][0]["item"] in early.json()["message"]
    for check in body["handover"]:
        ticked = _put(
            api, f"/delivery/projects/{pid}/handover/{check['id']}", {"done": True, "note": "ok"}, if_match=1
        )
        assert ticked.status_code == 200 and ticked.json()["done"] is True
    assert api.post(f"/delivery/projects/{pid}/handover/complete", {}).status_code == 428
    done = api.post(f"/delivery/projects/{pid}/handover/complete", {}, if_match=1)
    assert done.status_code == 200 and done.json()["status"] == "in_progress" and done["ETag"] == '"2"'
    stale = _put(
        api, f"/delivery/projects/{pid}/handover/{body['handover'][0]['id']}", {"done": False}, if_match=1
    )
    assert stale.status_code == 412


def test_rows_milestones_and_closing(world, api_as):
    project = open_project(world)
    inst = instalment(project.contract)
    api = api_as(world.east_rep)
    base = f"/delivery/projects/{project.pk}"
    created = api.post(
        base + "/work-items",
        {
            "name": "Commissioning",
            "starts_on": "2026-05-01",
            "ends_on": "2026-05-20",
            "owner": world.east_rep2.pk,
            "is_milestone": True,
            "instalment": inst.pk,
        },
    )
    assert created.status_code == 201, created.json()
    item = created.json()
    assert item["instalment"] == inst.pk and item["version"] == 1
    bad = api.post(
        base + "/work-items",
        {"name": "x", "starts_on": "2026-05-02", "ends_on": "2026-05-01", "owner": world.east_rep.pk},
    )
    assert bad.status_code == 422 and "ends_on" in bad.json()["errors"]
    path = f"/delivery/work-items/{item['id']}"
    assert api.patch(path, {"progress": 50}).status_code == 428
    ok = api.patch(path, {"progress": 50}, if_match=1)
    assert ok.status_code == 200 and ok.json()["progress"] == 50 and ok["ETag"] == '"2"'
    assert api.patch(path, {"progress": 60}, if_match=1).status_code == 412
    project.refresh_from_db()
    refused = api.post(base + "/close", {"accepted_on": "2026-06-01"}, if_match=project.version)
    assert refused.status_code == 409 and "Commissioning" in refused.json()["message"]
    no_date = api.post(base + "/close", {}, if_match=project.version)
    assert no_date.status_code == 422 and "accepted_on" in no_date.json()["errors"]
    accepted = api.post(path + "/accept", {"done_on": "2026-05-21"}, if_match=2)
    assert accepted.status_code == 200 and accepted.json()["done_on"] == "2026-05-21"
    closed = api.post(
        base + "/close", {"accepted_on": "2026-06-01", "notes": "Signed off"}, if_match=project.version
    )
    assert closed.status_code == 200 and closed.json()["status"] == "accepted"
    actions = [c["action"] for c in closed.json()["history"]]
    assert actions[:3] == ["accepted", "milestone_accepted", "edited"]


def test_the_gantt_has_bars_milestones_and_today(world, api_as):
    project = open_project(world)
    row(project, world.east_rep, name="Design", starts_on=dt.date(2026, 1, 5), ends_on=dt.date(2026, 2, 1))
    row(
        project,
        world.east_rep,
        name="Go-live",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 3, 1),
        is_milestone=True,
    )
    body = api_as(world.east_rep).get(f"/delivery/projects/{project.pk}/gantt").json()
    assert [r["name"] for r in body["rows"]] == ["Design", "Go-live"]
    assert body["rows"][0]["start"] == "2026-01-05" and body["rows"][0]["end"] == "2026-02-01"
    assert body["rows"][1]["milestone"] is True and body["rows"][0]["milestone"] is False
    assert body["start"] == "2026-01-05" and body["end"] == "2026-03-01" and body["today"]
    assert body["rows"][0]["overdue"] is True


def test_the_list_filters_flags_overdue_and_hides_other_teams(world, api_as):
    ours = open_project(world)
    row(ours, world.east_rep, ends_on=dt.date(2026, 4, 30))
    theirs_contract = signed_contract(world.west_customer, world.west_rep)
    from kam.delivery.implementation import services

    theirs = services.open_project(theirs_contract, by=world.west_rep, manager=world.west_rep)
    api = api_as(world.east_rep)
    listed = api.get("/delivery/projects").json()
    assert [p["id"] for p in listed["results"]] == [ours.pk] and listed["results"][0]["has_overdue"] is True
    assert api.get("/delivery/projects?status=handover").json()["count"] == 0
    assert api.get(f"/delivery/projects?manager={world.east_rep2.pk}").json()["count"] == 1
    assert api.get(f"/delivery/projects?customer={world.west_customer.pk}").json()["count"] == 0
    assert api.get(f"/delivery/projects/{theirs.pk}").status_code == 404
    assert (
        api.post(
            f"/delivery/projects/{theirs.pk}/work-items",
            {"name": "x", "starts_on": "2026-01-01", "ends_on": "2026-01-02", "owner": world.east_rep.pk},
        ).status_code
        == 404
    )
    assert Project.objects.count() == 2 and not WorkItem.objects.filter(project=theirs).exists()


def test_a_project_reads_in_few_queries(world, api_as, django_assert_max_num_queries):
    project = open_project(world)
    for n in range(8):
        row(project, world.east_rep, name=f"Row {n}")
    api = api_as(world.east_rep)
    with django_assert_max_num_queries(14):
        assert api.get(f"/delivery/projects/{project.pk}").status_code == 200


def test_a_row_is_removed_with_if_match(world, api_as):
    project = open_project(world)
    item = row(project, world.east_rep)
    api = api_as(world.east_rep)
    assert _delete(api, f"/delivery/work-items/{item.pk}").status_code == 428
    assert _delete(api, f"/delivery/work-items/{item.pk}", if_match=1).status_code == 204
    assert not WorkItem.objects.exists()

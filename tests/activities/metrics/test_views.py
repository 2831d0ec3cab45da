"""The 1×5 pages and API: the scorecard scoped to the user, metrics edited by managers only."""

from __future__ import annotations

from django.urls import reverse

from kam.activities.models import ProcessMetric
from tests.factories import PASSWORD

WEEK = {"date": "2026-06-03"}


def test_scorecard_page_shows_pass_and_miss_with_counts(client, process):
    w = process
    client.login(username="east_mgr", password=PASSWORD)
    response = client.get(reverse("process_metrics:page"), WEEK)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-metric="{w.dm_visits.pk}"' in page
    assert "2 / 2 · pass" in page and "1 / 2 · miss" in page
    assert f'data-person="{w.west_rep.pk}"' not in page
    assert reverse("process_metrics:new") in page  # a manager may define metrics


def test_rep_sees_own_row_and_no_editing(client, process):
    w = process
    client.login(username="east_rep2", password=PASSWORD)
    page = client.get(reverse("process_metrics:page"), WEEK).content.decode()
    assert f'data-person="{w.east_rep2.pk}"' in page and f'data-person="{w.east_rep.pk}"' not in page
    assert reverse("process_metrics:new") not in page
    assert client.get(reverse("process_metrics:new")).status_code == 403
    assert client.post(reverse("process_metrics:delete", args=[w.tech.pk])).status_code == 403
    assert ProcessMetric.objects.filter(pk=w.tech.pk).exists()


def test_scorecard_page_refuses_a_bad_date(client, process):
    client.login(username="director", password=PASSWORD)
    response = client.get(reverse("process_metrics:page"), {"date": "June"})
    assert response.status_code == 400


def test_scorecard_page_queries_are_bounded(client, process, django_assert_max_num_queries):
    client.login(username="director", password=PASSWORD)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("process_metrics:page"), WEEK).status_code == 200


def test_manager_defines_and_edits_a_metric_through_the_form(client, metrics):
    client.login(username="east_mgr", password=PASSWORD)
    response = client.post(
        reverse("process_metrics:new"),
        {
            "name": "方案",
            "name_en": "Proposals",
            "cycle": "month",
            "minimum": "2",
            "order": "3",
            "active": "on",
        },
    )
    assert response.status_code == 302
    metric = ProcessMetric.objects.get(name_en="Proposals")
    response = client.post(
        reverse("process_metrics:edit", args=[metric.pk]),
        {"name": "方案", "cycle": "week", "minimum": "0", "order": "3"},
    )
    assert response.status_code == 400  # minimum below 1
    metric.refresh_from_db()
    assert metric.cycle == "month"


def test_api_scorecard(api_as, process):
    w = process
    body = api_as(w.director).get("/activities/process-metrics/scorecard", {**WEEK, "cycles": 2}).json()
    dm = body["metrics"][0]
    assert dm["id"] == w.dm_visits.pk and [c["start"] for c in dm["cycles"]] == ["2026-05-25", "2026-06-01"]
    people = {p["id"]: p["results"] for p in dm["people"]}
    assert people[w.east_rep.pk] == [{"count": 1, "passed": False}, {"count": 2, "passed": True}]
    assert people[w.east_rep2.pk][-1] == {"count": 1, "passed": False}


def test_api_metrics_crud_for_managers_only(api_as, metrics):
    w = metrics
    rep, manager = api_as(w.east_rep), api_as(w.east_mgr)
    assert {m["name_en"] for m in rep.get("/activities/process-metrics").json()} == {
        "DM visits",
        "Tech exchanges",
    }
    body = {"name": "演示", "cycle": "week", "minimum": 1, "kinds": ["demo"]}
    assert rep.post("/activities/process-metrics", body).status_code == 403
    created = manager.post("/activities/process-metrics", body)
    assert created.status_code == 201 and created.json()["kinds"] == ["demo"]
    metric_id = created.json()["id"]
    assert manager.post("/activities/process-metrics", {**body, "kinds": ["nope"]}).status_code == 422
    changed = manager.patch(f"/activities/process-metrics/{metric_id}", {"minimum": 3, "tier": "A"})
    assert changed.status_code == 200 and (changed.json()["minimum"], changed.json()["tier"]) == (3, "A")
    assert (
        rep.client.delete(f"/api/v1/activities/process-metrics/{metric_id}", **rep._headers()).status_code
        == 403
    )
    assert (
        manager.client.delete(
            f"/api/v1/activities/process-metrics/{metric_id}", **manager._headers()
        ).status_code
        == 204
    )
    assert manager.patch("/activities/process-metrics/999999", {"minimum": 3}).status_code == 404


def test_scorecard_in_chinese(client, process):
    from django.conf import settings

    client.login(username="east_mgr", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("process_metrics:page"), WEEK).content.decode()
    assert "1×5 过程管理指标" in page and "2 / 2 · 达标" in page and "1 / 2 · 未达标" in page
    assert "A 类客户 · 见到拍板人：每周至少 2 次" in page

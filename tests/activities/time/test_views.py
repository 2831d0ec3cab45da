"""The sales time page and its JSON: the same figures, scoped to the user, pickers checked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.activities.time.factories import log
from tests.factories import PASSWORD


@pytest.fixture
def june(world):
    w = world
    day = dt.date(2026, 6, 10)
    log(w.east_rep, w.east_customer, "visit", 240, day)
    log(w.east_rep, w.east_customer, "admin", 360, day)
    log(w.west_rep, w.west_customer, "travel", 600, day)
    return w


def test_page_shows_each_rep_with_share_and_band(client, june):
    w = june
    client.login(username="director", password=PASSWORD)
    response = client.get(reverse("activity_time:page"), {"month": "2026-06"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-owner="{w.east_rep.pk}"' in page and f'data-owner="{w.west_rep.pk}"' in page
    assert "40 %" in page and "band-good" in page and "band-low" in page
    assert 'id="time-data"' in page  # the stacked bar's figures
    assert 'data-month="2026-01"' in page and 'data-month="2026-06"' in page


def test_page_for_a_rep_shows_only_their_time(client, june):
    w = june
    client.login(username="west_rep", password=PASSWORD)
    page = client.get(reverse("activity_time:page"), {"month": "2026-06"}).content.decode()
    assert f'data-owner="{w.west_rep.pk}"' in page
    assert f'data-owner="{w.east_rep.pk}"' not in page


def test_page_refuses_a_bad_month_with_a_message(client, june):
    client.login(username="director", password=PASSWORD)
    response = client.get(reverse("activity_time:page"), {"month": "June"})
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_empty_month_says_so(client, june):
    client.login(username="director", password=PASSWORD)
    page = client.get(reverse("activity_time:page"), {"month": "2026-01"}).content.decode()
    assert "No done activities in this month" in page


def test_page_queries_are_bounded(client, june, django_assert_max_num_queries):
    client.login(username="director", password=PASSWORD)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("activity_time:page"), {"month": "2026-06"}).status_code == 200


def test_api_returns_the_same_figures(api_as, june):
    w = june
    response = api_as(w.director).get("/activities/time", {"month": "2026-06"})
    assert response.status_code == 200
    body = response.json()
    reps = {row["key"]: row for row in body["reps"]}
    east = reps[str(w.east_rep.pk)]
    assert (east["hours"], east["revenue_share"], east["band"]) == ("10.0", "0.4000", "good")
    assert east["categories"]["selling"] == "4.0"
    assert reps[str(w.west_rep.pk)]["band"] == "low"
    assert body["bands"] == {"good_from": 40, "ordinary_from": 15, "ordinary_to": 25}
    assert body["total"]["hours"] == "20.0"
    assert [t["tier"] for t in body["tiers"]] == ["A", "B", "C", "D"]
    assert [m["key"] for m in body["months"]][-2:] == ["2026-05", "2026-06"]
    assert (body["months"][-1]["hours"], body["months"][-1]["band"]) == ("20.0", "ordinary")  # 4 of 20 h
    assert body["months"][0]["band"] is None


def test_api_scoped_to_the_user_and_refuses_other_teams(api_as, june):
    w = june
    body = api_as(w.east_mgr).get("/activities/time", {"month": "2026-06"}).json()
    # east_rep2 logged nothing in June: listed with no hours; the west team's rep is not.
    assert sorted(row["key"] for row in body["reps"]) == sorted([str(w.east_rep.pk), str(w.east_rep2.pk)])
    idle = next(row for row in body["reps"] if row["key"] == str(w.east_rep2.pk))
    assert (idle["hours"], idle["band"]) == ("0.0", None)
    response = api_as(w.east_mgr).get("/activities/time", {"month": "2026-06", "team": str(w.west.pk)})
    assert response.status_code == 422


def test_page_in_chinese(client, june):
    from django.conf import settings

    client.login(username="director", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("activity_time:page"), {"month": "2026-06"}).content.decode()
    assert "销售时间分析" in page and "面对面销售" in page and "优秀" in page and "创收时间占比" in page

"""The Health page and the flags on the pipeline table, the board and the opportunity page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.insights.models import HealthRule
from tests.insights.health.conftest import _add_flagged


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_health_page_lists_flagged_opportunities_by_rule_and_owner(client, flagged):
    client.force_login(flagged.director)
    response = client.get(reverse("health:page"))
    assert response.status_code == 200
    body = response.content.decode()
    report = response.context["report"]
    assert report["count"] == 2
    counts = {row["code"]: row["count"] for row in report["by_rule"]}
    assert counts["sign_date_passed"] == 1 and counts["four_elements_incomplete"] == 1
    owners = {row["owner"]: row for row in report["by_owner"]}
    assert owners[flagged.east_rep.name]["critical"] == 1
    assert owners[flagged.west_rep.name]["info"] == 1
    assert [o.pk for o in report["items"]] == [flagged.east_opp.pk, flagged.west_opp.pk]  # worst first
    assert reverse("opportunities:detail", args=[flagged.east_opp.pk]) in body
    assert "passed 3 days ago" in body
    assert "East rolling mill" not in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rule": "sign_date_passed"}, ["East furnace"]),
        ({"severity": "info"}, ["West turbine"]),
        ({"severity": "warn"}, []),
        ({"owner": "west_rep"}, ["West turbine"]),
        ({"team": "East"}, ["East furnace"]),
        ({"rule": "nonsense"}, ["East furnace", "West turbine"]),
    ],
)
def test_health_page_filters(client, flagged, params, expected):
    client.force_login(flagged.director)
    query = dict(params)
    if "owner" in query:
        query["owner"] = getattr(flagged, query["owner"]).pk
    if "team" in query:
        query["team"] = {"East": flagged.east, "West": flagged.west}[query["team"]].pk
    response = client.get(reverse("health:page"), query)
    assert [o.name for o in response.context["report"]["items"]] == expected


def test_rep_sees_only_own_flags_on_the_health_page(client, flagged):
    client.force_login(flagged.west_rep)
    report = client.get(reverse("health:page")).context["report"]
    assert [o.name for o in report["items"]] == ["West turbine"]
    assert [row["owner"] for row in report["by_owner"]] == [flagged.west_rep.name]


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("health:page"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        reverse("health:page"),
        reverse("opportunities:pipeline"),
        reverse("opportunities:pipeline") + "?flagged=1&sort=-severity",
        reverse("opportunities:board"),
    ],
)
def test_query_count_is_the_same_for_10_and_60_flagged_opportunities(client, world, url):
    client.force_login(world.east_mgr)
    _add_flagged(world, 10)
    small, _response = _count_queries(client, url)
    _add_flagged(world, 50)
    large, response = _count_queries(client, url)
    assert large == small
    assert "Late stage with an opposing decision maker or approver" in response.content.decode()


def test_pipeline_shows_flag_count_worst_severity_and_explanations(client, flagged):
    client.force_login(flagged.director)
    response = client.get(reverse("opportunities:pipeline"))
    rows = {o.pk: o for o in response.context["rows"]}
    assert [f.code for f in rows[flagged.east_opp.pk].health_flags] == ["sign_date_passed"]
    assert rows[flagged.east_opp2.pk].health_flags == []
    body = response.content.decode()
    assert 'class="health-flags severity-critical"' in body
    assert "Sign date passed while open: sign date" in body  # the hover title
    assert "<details" in body and 'class="flag-count">1<' in body


def test_pipeline_flagged_only_filter(client, flagged):
    client.force_login(flagged.director)
    response = client.get(reverse("opportunities:pipeline"), {"flagged": "1"})
    assert {o.name for o in response.context["rows"]} == {"East furnace", "West turbine"}
    assert response.context["totals"]["count"] == 2


def test_pipeline_sorts_by_severity_both_ways(client, flagged):
    client.force_login(flagged.director)
    worst_first = client.get(reverse("opportunities:pipeline"), {"sort": "-severity"}).context["rows"]
    assert [o.name for o in worst_first] == ["East furnace", "West turbine", "East rolling mill"]
    best_first = client.get(reverse("opportunities:pipeline"), {"sort": "severity"}).context["rows"]
    assert [o.name for o in best_first] == ["East rolling mill", "West turbine", "East furnace"]


def test_pipeline_flags_follow_an_inactive_rule(client, flagged, django_capture_on_commit_callbacks):
    rule = HealthRule.objects.get(code="sign_date_passed")
    rule.active = False
    with django_capture_on_commit_callbacks(execute=True):
        rule.save()  # as the admin saves it: a background rescan once the edit commits
    client.force_login(flagged.director)
    response = client.get(reverse("opportunities:pipeline"), {"flagged": "1"})
    assert [o.name for o in response.context["rows"]] == ["West turbine"]


def test_board_card_shows_a_flag_badge(client, flagged):
    client.force_login(flagged.director)
    body = client.get(reverse("opportunities:board")).content.decode()
    assert "flag-badge severity-critical" in body
    assert "flag-badge severity-info" in body


def test_opportunity_page_shows_its_flags_with_explanations(client, flagged):
    client.force_login(flagged.east_rep)
    body = client.get(reverse("opportunities:detail", args=[flagged.east_opp.pk])).content.decode()
    assert 'id="health"' in body
    assert "Sign date passed while open" in body
    assert "passed 3 days ago but the opportunity is still open" in body
    clean = client.get(reverse("opportunities:detail", args=[flagged.east_opp2.pk]))
    assert clean.status_code == 404  # east_rep does not see east_rep2's deal
    client.force_login(flagged.east_rep2)
    assert (
        "No health flags."
        in client.get(reverse("opportunities:detail", args=[flagged.east_opp2.pk])).content.decode()
    )

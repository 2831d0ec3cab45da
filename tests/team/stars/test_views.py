"""The star rating pages: run, review, adjust (reason required), publish; history, distribution,
schemes and role families; who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kam.team.stars import services
from kam.team.stars.models import Evaluation, FamilyMember, RoleFamily, Scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(world, monkeypatch):
    monkeypatch.setattr("kam.team.stars.metrics.certified_user_ids", lambda on: set())
    for person in (world.east_rep, world.east_rep2, world.west_rep):
        services.assign_family(person, RoleFamily.REGIONAL, by=world.director)
    world.scheme = Scheme.objects.get(family=RoleFamily.REGIONAL, active=True)
    return world


def run(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("team_stars:list"),
        {"scheme": world.scheme.pk, "year": 2026, "quarter": "", "team": world.east.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Evaluation.objects.get()


def test_manager_runs_reviews_adjusts_and_publishes(client, rated):
    evaluation = run(client, rated)
    page = client.get(reverse("team_stars:evaluation", args=[evaluation.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-person="{rated.east_rep.pk}"' in html and f'data-person="{rated.west_rep.pk}"' not in html
    assert 'data-metric="won_revenue"' in html

    rating = evaluation.ratings.get(user=rated.east_rep)
    url = reverse("team_stars:adjust", args=[rating.pk])
    refused = client.post(url, {"star": 3, "reason": "", "version": rating.version})
    assert refused.status_code == 400
    rating.refresh_from_db()
    assert rating.final_star == 1
    assert (
        client.post(url, {"star": 3, "reason": "Won the bid", "version": rating.version}).status_code == 302
    )
    rating.refresh_from_db()
    assert (rating.proposed_star, rating.final_star) == (1, 3)

    client.post(reverse("team_stars:publish", args=[evaluation.pk]), {"version": evaluation.version})
    evaluation.refresh_from_db()
    assert evaluation.status == "published"
    history = client.get(reverse("team_stars:history", args=[rated.east_rep.pk])).content.decode()
    assert "Won the bid" in history


def test_a_stale_publish_is_refused_with_a_message(client, rated):
    evaluation = run(client, rated)
    response = client.post(reverse("team_stars:publish", args=[evaluation.pk]), {"version": 99}, follow=True)
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"
    assert "changed by someone else" in response.content.decode()


def test_rep_sees_only_their_own_published_ratings(client, rated):
    evaluation = run(client, rated)
    client.force_login(rated.east_rep)
    home = client.get(reverse("team_stars:list"))
    assert home.status_code == 200 and "Run an evaluation" not in home.content.decode()
    assert (
        client.post(reverse("team_stars:list"), {"scheme": rated.scheme.pk, "year": 2026}).status_code == 403
    )
    assert client.get(reverse("team_stars:evaluation", args=[evaluation.pk])).status_code == 404
    assert client.get(reverse("team_stars:history", args=[rated.east_rep2.pk])).status_code == 404
    own = client.get(reverse("team_stars:history", args=[rated.east_rep.pk])).content.decode()
    assert "data-rating" not in own  # the draft is not theirs to read yet
    assert client.get(reverse("team_stars:families")).status_code == 403


def test_distribution_schemes_and_families_pages(client, rated):
    evaluation = run(client, rated)
    services.publish_evaluation(evaluation, by=rated.east_mgr, version=evaluation.version)
    dist = client.get(reverse("team_stars:distribution"), {"on": "2027-01-01"})
    assert dist.status_code == 200
    assert f'data-team="{rated.east.pk}"' in dist.content.decode()
    assert client.get(reverse("team_stars:distribution"), {"on": "nope"}).status_code == 400
    schemes = client.get(reverse("team_stars:schemes")).content.decode()
    assert schemes.count("data-scheme=") == 3
    families = client.post(
        reverse("team_stars:families"), {"person": rated.east_rep.pk, "family": "strategic"}
    )
    assert families.status_code == 302
    assert FamilyMember.objects.get(user=rated.east_rep).family == "strategic"
    client.post(reverse("team_stars:families"), {"person": rated.west_rep.pk, "family": "service"})
    assert FamilyMember.objects.get(user=rated.west_rep).family == "regional"  # not east_mgr's person


def test_evaluation_page_queries_do_not_grow_with_people(client, rated, django_assert_max_num_queries):
    evaluation = run(client, rated)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("team_stars:evaluation", args=[evaluation.pk])).status_code == 200


def test_evaluation_page_and_run_cost_the_same_for_more_people(client, rated):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    def measure():
        with CaptureQueriesContext(connection) as run_queries:
            evaluation = services.create_evaluation(
                rated.scheme,
                by=rated.east_mgr,
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31),
                team=rated.east,
            )
        with CaptureQueriesContext(connection) as page_queries:
            assert client.get(reverse("team_stars:evaluation", args=[evaluation.pk])).status_code == 200
        return len(run_queries), len(page_queries)

    client.force_login(rated.east_mgr)
    measure()  # warms the per-request caches (session, language, unit)
    few = measure()
    for n in range(4):
        services.assign_family(
            UserFactory(username=f"more{n}", team=rated.east), RoleFamily.REGIONAL, by=rated.director
        )
    assert measure() == few


def test_pages_read_in_chinese(client, rated):
    evaluation = run(client, rated)
    services.publish_evaluation(evaluation, by=rated.east_mgr, version=evaluation.version)
    client.cookies["django_language"] = "zh-hans"
    pages = {
        reverse("team_stars:list"): "星级评定",
        reverse("team_stars:evaluation", args=[evaluation.pk]): "赢单金额",
        reverse("team_stars:history", args=[rated.east_rep.pk]): "星级历史",
        reverse("team_stars:distribution"): "星级分布",
        reverse("team_stars:schemes"): "区域大客户经理星级评定",
        reverse("team_stars:families"): "岗位序列",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url

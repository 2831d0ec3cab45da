from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.team.contests import services
from kam.team.contests.models import Contest, ContestResult, Metric, ParticipantKind

pytestmark = pytest.mark.django_db


def _running(w, **kwargs):
    today = timezone.localdate()
    defaults = {
        "by": w.east_mgr,
        "name": "Spring push",
        "period_start": today - dt.timedelta(days=10),
        "period_end": today + dt.timedelta(days=10),
        "metric": Metric.WON_AMOUNT,
        "participant_kind": ParticipantKind.PEOPLE,
        "people": [w.east_rep, w.east_rep2],
        "bonuses": {1: Decimal("3000")},
    }
    defaults.update(kwargs)
    return services.create_contest(**defaults)


def test_list_shows_the_contests_one_takes_part_in(client, world, django_assert_max_num_queries):
    contest = _running(world)
    client.force_login(world.east_rep)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("team_contests:list"))
    assert [c for c, _state in page.context["rows"]] == [contest]
    client.force_login(world.west_rep)
    assert list(client.get(reverse("team_contests:list")).context["rows"]) == []
    assert client.get(reverse("team_contests:detail", args=[contest.pk])).status_code == 404


def test_detail_shows_the_live_ranking_and_bonus_table(client, world):
    contest = _running(world)
    Opportunity.objects.filter(pk=world.east_opp2.pk).update(
        status=OpportunityStatus.WON, amount=Decimal("420000"), closed_at=timezone.now()
    )
    client.force_login(world.east_rep)
    page = client.get(reverse("team_contests:detail", args=[contest.pk]))
    ranking = page.context["ranking"]
    assert [(s.rank, s.user_id, s.bonus) for s in ranking] == [
        (1, world.east_rep2.pk, Decimal("3000")),
        (2, world.east_rep.pk, Decimal("0")),
    ]
    text = page.content.decode()
    assert 'id="bonus-table"' in text and "Live ranking" in text


def test_manager_creates_a_contest_for_the_team_through_the_form(client, world):
    client.force_login(world.east_mgr)
    today = timezone.localdate()
    response = client.post(
        reverse("team_contests:create"),
        {
            "name": "Visit the bosses",
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=30)).isoformat(),
            "metric": Metric.DECISION_MAKER_VISITS,
            "participant_kind": ParticipantKind.TEAMS,
            "teams": [world.east.pk],
            "bonus_1": "1000",
            "bonus_2": "500",
        },
    )
    assert response.status_code == 302
    contest = Contest.objects.get(name="Visit the bosses")
    assert list(contest.teams.all()) == [world.east]
    assert dict(contest.bonuses.values_list("rank", "bonus")) == {1: Decimal("1000"), 2: Decimal("500")}
    assert contest.created_by == world.east_mgr


def test_a_manager_cannot_pick_another_teams_people(client, world):
    client.force_login(world.east_mgr)
    today = timezone.localdate()
    response = client.post(
        reverse("team_contests:create"),
        {
            "name": "Raid",
            "period_start": today.isoformat(),
            "period_end": today.isoformat(),
            "metric": Metric.WON_AMOUNT,
            "participant_kind": ParticipantKind.PEOPLE,
            "people": [world.west_rep.pk],
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["people"]
    assert not Contest.objects.exists()


def test_reps_cannot_create_contests(client, world):
    client.force_login(world.east_rep)
    assert client.get(reverse("team_contests:create")).status_code == 403


def test_editing_with_a_stale_version_is_a_conflict(client, world):
    contest = _running(world)
    client.force_login(world.east_mgr)
    data = {
        "version": contest.version,
        "name": "Renamed",
        "period_start": contest.period_start.isoformat(),
        "period_end": contest.period_end.isoformat(),
        "metric": contest.metric,
        "people": [world.east_rep.pk],
        "bonus_1": "3000",
    }
    assert client.post(reverse("team_contests:edit", args=[contest.pk]), data).status_code == 302
    contest.refresh_from_db()
    assert (contest.name, list(contest.people.all())) == ("Renamed", [world.east_rep])
    stale = client.post(reverse("team_contests:edit", args=[contest.pk]), {**data, "name": "Old copy"})
    assert stale.status_code == 409
    contest.refresh_from_db()
    assert contest.name == "Renamed"


def test_freezing_the_results_after_the_period(client, world):
    today = timezone.localdate()
    contest = _running(
        world, period_start=today - dt.timedelta(days=20), period_end=today - dt.timedelta(days=1)
    )
    client.force_login(world.east_mgr)
    page = client.get(reverse("team_contests:detail", args=[contest.pk]))
    assert "Freeze the results" in page.content.decode()
    response = client.post(reverse("team_contests:finish", args=[contest.pk]), {"version": contest.version})
    assert response.status_code == 302
    assert ContestResult.objects.filter(contest=contest).count() == 2
    contest.refresh_from_db()
    assert contest.finished_by == world.east_mgr
    assert client.get(reverse("team_contests:edit", args=[contest.pk])).status_code == 403

"""The 1×5 scorecard: pass at exactly the minimum, miss one below, per rep and cycle; only the
activities a metric names count; visibility; one grouped query."""

from __future__ import annotations

import datetime as dt

from kam.activities.metrics.selectors import cycle_of, process_scorecard
from tests.activities.metrics.conftest import PREVIOUS_WEEK, WEEK
from tests.activities.time.factories import log


def scores(card):
    return {str(score.person): [(cell.count, cell.passed) for cell in score.cells] for score in card.people}


def test_weekly_metric_pass_at_the_minimum_and_miss_one_below(process):
    w = process
    card = process_scorecard(w.director, cycle_start=dt.date(2026, 6, 3), cycles=2).cards[0]
    assert card.metric == w.dm_visits
    assert [c.start for c in card.cycles] == [PREVIOUS_WEEK, WEEK]
    table = scores(card)
    assert table[str(w.east_rep)] == [(1, False), (2, True)]
    assert table[str(w.east_rep2)] == [(0, False), (1, False)]
    assert table[str(w.west_rep)] == [(0, False), (0, False)]


def test_monthly_metric_counts_its_kinds_in_the_calendar_month(process):
    w = process
    card = process_scorecard(w.director, cycle_start=dt.date(2026, 6, 30), cycles=2).cards[1]
    assert [c.label for c in card.cycles] == ["2026-05", "2026-06"]
    table = scores(card)
    assert table[str(w.east_rep2)] == [(0, False), (1, True)]
    assert table[str(w.east_rep)] == [(0, False), (0, False)]


def test_a_week_starts_on_monday_and_sunday_night_belongs_to_it(process):
    assert cycle_of(dt.date(2026, 6, 7), "week") == WEEK  # Sunday
    assert cycle_of(dt.date(2026, 6, 8), "week") == dt.date(2026, 6, 8)
    assert cycle_of(dt.date(2026, 6, 30), "month") == dt.date(2026, 6, 1)


def test_manager_and_rep_see_their_reps_only(process):
    w = process
    east = process_scorecard(w.east_mgr, cycle_start=WEEK, cycles=1)
    assert {str(p) for p in east.people} == {str(w.east_rep), str(w.east_rep2)}
    mine = process_scorecard(w.east_rep, cycle_start=WEEK, cycles=1)
    assert [str(p) for p in mine.people] == [str(w.east_rep)]
    assert scores(mine.cards[0]) == {str(w.east_rep): [(2, True)]}


def test_team_filter(process):
    w = process
    result = process_scorecard(w.director, cycle_start=WEEK, team=w.west, cycles=1)
    assert [str(p) for p in result.people] == [str(w.west_rep)]


def test_inactive_metrics_are_left_out(process):
    w = process
    w.tech.active = False
    w.tech.save()
    assert [card.metric for card in process_scorecard(w.director, cycle_start=WEEK).cards] == [w.dm_visits]


def test_one_grouped_query_whatever_the_activities(process, django_assert_num_queries):
    w = process
    # Metrics, their kinds, the reps, the grouped counts.
    with django_assert_num_queries(4):
        process_scorecard(w.director, cycle_start=WEEK, cycles=4)
    for day in range(1, 6):
        log(w.east_rep2, w.east_opp2.customer, "technical-exchange", 30, dt.date(2026, 6, day))
    with django_assert_num_queries(4):
        result = process_scorecard(w.director, cycle_start=WEEK, cycles=4)
    assert scores(result.cards[1])[str(w.east_rep2)][-1] == (6, True)

"""Loss diagnosis over the deals closed in a period: where they stopped, why, to whom, per rep and
team, the largest stage-to-stage leak with its numbers; visibility and query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kam.insights.loss import selectors
from kam.insights.loss.selectors import loss_diagnosis
from tests.factories import default_process
from tests.insights.loss.conftest import close, deal

JUNE_START, JUNE_END = dt.date(2026, 6, 1), dt.date(2026, 6, 30)
D = Decimal


def diagnose(user, **kwargs):
    return loss_diagnosis(user, start=JUNE_START, end=JUNE_END, **kwargs)


def test_where_they_stopped(closes):
    result = diagnose(closes.director)
    stopped = {stage.code: (t.lost, t.dropped, t.amount) for stage, t in result.stopped}
    assert stopped == {
        "P0": (0, 1, D("10000.00")),
        "P2": (2, 1, D("350000.00")),
        "P4": (1, 0, D("300000.00")),
    }
    assert (result.total.lost, result.total.dropped, result.total.amount) == (3, 2, D("660000.00"))


def test_reasons_grouped_as_written_case_and_spaces_aside(closes):
    reasons = [(t.label, t.lost, t.dropped) for t in diagnose(closes.director).reasons]
    assert reasons[0] == ("Price too high", 2, 0)
    assert sorted(reasons[1:]) == [
        ("Margin too low", 0, 1),
        ("Not shortlisted", 0, 1),
        ("Relationship", 1, 0),
    ]


def test_competitors_lost_to(closes):
    competitors = [(t.label, t.lost, t.amount) for t in diagnose(closes.director).competitors]
    assert competitors == [("Huawei", 2, D("300000.00")), ("No competitor named", 1, D("300000.00"))]


def test_per_rep_and_team(closes):
    w = closes
    result = diagnose(w.director)
    reps = {t.label: (t.lost, t.dropped, t.amount) for t in result.reps}
    assert reps == {
        str(w.east_rep): (2, 0, D("300000.00")),
        str(w.east_rep2): (0, 1, D("50000.00")),
        str(w.west_rep): (1, 1, D("310000.00")),
    }
    assert {t.label: t.count for t in result.teams} == {"East": 3, "West": 2}


def test_largest_leak_named_with_its_numbers(closes):
    result = diagnose(closes.director)
    assert result.closed == 6  # the won deal is part of the funnel
    funnel = {step.stage.code: (step.entered, step.reached_next, step.leaked) for step in result.funnel}
    assert funnel["P0"] == (6, 5, 1)
    assert funnel["P1"] == (5, 5, 0)
    assert funnel["P2"] == (5, 2, 3)
    assert funnel["P4"] == (2, 1, 1)
    leak = result.largest_leak
    assert (leak.stage.code, leak.next_stage.code, leak.entered, leak.reached_next, leak.leaked) == (
        "P2",
        "P3",
        5,
        2,
        3,
    )
    assert leak.leak_share == D("0.6000")
    assert result.leak_sentence == (
        "Largest leak: P2 → P3. 5 closed deals entered P2, 2 reached P3: 3 stopped there (60 %)."
    )


def test_a_tie_names_the_earlier_stage(world):
    w = world
    close(deal(w.east_rep, "P1", 1000), "lost", "Price")
    close(deal(w.east_rep, "P3", 1000), "lost", "Price")
    leak = diagnose(w.director).largest_leak
    assert (leak.stage.code, leak.leaked) == ("P1", 1)


def test_no_leak_without_closed_deals(world):
    result = diagnose(world.director)
    assert result.is_empty and result.largest_leak is None and result.leak_sentence == ""


def test_manager_and_rep_see_their_own_deals(closes):
    w = closes
    east = diagnose(w.east_mgr)
    assert {t.label for t in east.reps} == {str(w.east_rep), str(w.east_rep2)}
    assert east.closed == 4
    rep = diagnose(w.east_rep)
    assert [t.label for t in rep.reps] == [str(w.east_rep)]
    assert rep.competitors[0].count == 2 and rep.closed == 3


def test_team_filter(closes):
    w = closes
    result = diagnose(w.director, team=w.west)
    assert [t.label for t in result.teams] == ["West"]
    # E stopped at P0 and D at P4: one deal leaked at each, and the tie names the earlier stage.
    assert result.largest_leak.stage.code == "P0"


def test_period_bounds_are_whole_local_days(closes):
    w = closes
    july = loss_diagnosis(w.director, start=dt.date(2026, 7, 1), end=dt.date(2026, 7, 1))
    assert july.total.count == 1 and july.reasons[0].label == "Too late"


def test_parse_filters(world):
    w = world
    filters, errors = selectors.parse_filters(w.east_mgr, {"start": "2026-06-01", "end": "2026-06-30"})
    assert errors == {} and (filters.start, filters.end) == (JUNE_START, JUNE_END)
    _, errors = selectors.parse_filters(w.east_mgr, {"start": "2026-06-30", "end": "2026-06-01"})
    assert set(errors) == {"end"}
    _, errors = selectors.parse_filters(w.east_mgr, {"start": "30/06/2026", "team": str(w.west.pk)})
    assert set(errors) == {"start", "team"}
    _, errors = selectors.parse_filters(w.east_mgr, {"process": "nope"})
    assert set(errors) == {"process"}


def test_queries_do_not_grow_with_deals(closes, django_assert_num_queries):
    w = closes
    process = default_process()
    # Stages, stopped, reasons, competitors, per owner, funnel.
    with django_assert_num_queries(6):
        diagnose(w.director, process=process)
    for n in range(10):
        close(deal(w.west_rep, "P1", 1000 + n), "dropped", f"Reason {n}")
    with django_assert_num_queries(6):
        result = diagnose(w.director, process=process)
    assert result.total.count == 15

"""Ratios, slips, fallbacks and the calibrated figure, from constructed snapshots and outcomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from kam.insights.learning.calibration import selectors
from tests.factories import make_opportunity

from .conftest import CALLED_SIGN, LOST, Q1, TODAY, WON, call, history_of, take

pytestmark = pytest.mark.django_db


def _calibrate(user):
    return selectors.calibrate(user, *Q1, today=TODAY)


def _row(result, user):
    return next(r for r in result.reps if r.key == user.pk)


def test_ratios_from_known_calls(world, east_record):
    history = _row(_calibrate(world.director), world.east_rep).history
    commit = history.calls["commit"]
    assert (commit.calls, commit.called, commit.won_calls, commit.won) == (
        5,
        Decimal("500000"),
        3,
        Decimal("280000"),
    )
    assert commit.ratio == Decimal("0.56")
    assert history.calls["best_case"].ratio == Decimal("0.4")
    # Won 280k where 300k was called.
    assert commit.amount_change == Decimal("-6.7")


def test_slip_days_by_stage(world, east_record):
    """Five won calls at P5 slipped 30, 40, 50, 40, 40 days; a P3 call of another deal still open
    a month past its date (moved to 15 March) counts to that later date."""
    snapshot = take(dt.date(2026, 8, 10))
    open_late = make_opportunity(owner=world.east_rep, name="Still open", sign_date=dt.date(2027, 3, 15))
    call(snapshot, open_late, stage_code="P3", sign_date=dt.date(2027, 1, 10))
    # An open deal whose called date has not come yet tells nothing about slips.
    not_due = make_opportunity(owner=world.east_rep, name="Not due", sign_date=dt.date(2027, 6, 1))
    call(snapshot, not_due, stage_code="P3", sign_date=dt.date(2027, 5, 1))

    history = _row(_calibrate(world.director), world.east_rep).history
    p5 = history.slips[5]
    assert (p5.samples, p5.days, p5.average, p5.label) == (5, 200, 40, "P5")
    p3 = history.slips[3]
    assert (p3.samples, p3.average, p3.label) == (1, 64, "P3")


def test_open_deal_past_its_date_slips_at_least_to_today(world):
    """Still open, its sign date never moved from 5 January: by 10 February it has slipped 36 days."""
    snapshot = take(dt.date(2026, 9, 1))
    stuck = make_opportunity(owner=world.west_rep, name="Stuck", sign_date=dt.date(2027, 1, 5))
    call(snapshot, stuck, stage_code="P4", sign_date=dt.date(2027, 1, 5))
    slip = _row(_calibrate(world.director), world.west_rep).history.slips[4]
    assert (slip.samples, slip.average) == (1, 36)


def test_calls_outside_the_history_window_are_not_read(world):
    history_of(
        world.west_rep, [(WON, "100000", 10)] * 5, day=TODAY - dt.timedelta(days=selectors.HISTORY_DAYS + 1)
    )
    assert _row(_calibrate(world.director), world.west_rep).history.calls_made == 0


def test_calibrated_figure(world, period_deals):
    row = _row(_calibrate(world.director), world.east_rep)
    assert row.ratios["commit"].source == selectors.OWN
    assert row.slips[5].source == selectors.OWN and row.slips[5].value == 40
    assert row.stated == {"commit": Decimal("500000"), "best_case": Decimal("100000")}
    assert row.slipped == {"commit": Decimal("200000"), "best_case": Decimal("0")}
    # (500k − 200k slipped out) × 56 %; 100k × 40 %.
    assert row.calibrated == {"commit": Decimal("168000.00"), "best_case": Decimal("40000.00")}
    assert row.won == Decimal("50000")
    assert row.stated_total == Decimal("650000")
    assert row.calibrated_total == Decimal("258000.00")


def test_team_fallback_for_a_rep_without_history(world, period_deals):
    """east_rep2 has no calls: the East team's record (east_rep's) stands in and the page says so;
    west_rep's team has none either: the company's."""
    make_opportunity(
        owner=world.east_rep2,
        name="New rep's commit",
        stage_code="P5",
        amount=Decimal("100000"),
        sign_date=dt.date(2027, 1, 10),
        forecast_category="commit",
    )
    result = _calibrate(world.director)
    row = _row(result, world.east_rep2)
    assert row.ratios["commit"].source == selectors.TEAM
    assert row.ratios["commit"].value == Decimal("0.56")
    assert row.slips[5].source == selectors.TEAM
    assert row.calibrated["commit"] == Decimal("56000.00")
    assert any("team's ratio is used" in w for w in row.fallback)
    west = _row(result, world.west_rep)
    assert west.ratios["commit"].source == selectors.COMPANY
    assert any("company's ratio is used" in w for w in west.fallback)


def test_no_history_anywhere_leaves_the_stated_figure(world):
    make_opportunity(
        owner=world.west_rep,
        name="Only call",
        stage_code="P5",
        amount=Decimal("70000"),
        sign_date=dt.date(2027, 2, 1),
        forecast_category="commit",
    )
    row = _row(_calibrate(world.director), world.west_rep)
    assert row.ratios["commit"].source == selectors.NONE
    assert row.calibrated["commit"] == row.stated["commit"] == Decimal("70000.00")
    assert any("stated figure stands" in w for w in row.fallback)


def test_team_rows_sum_their_reps(world, period_deals):
    result = _calibrate(world.director)
    east = next(t for t in result.teams if t.key == world.east.pk)
    reps = [r for r in result.reps if r.team_id == world.east.pk]
    assert east.calibrated_total == sum((r.calibrated_total for r in reps), Decimal(0))
    assert east.stated_total == sum((r.stated_total for r in reps), Decimal(0))
    assert result.total.calibrated_total == sum((r.calibrated_total for r in result.reps), Decimal(0))


def test_bias_in_words_in_english_and_chinese(world, east_record):
    with translation.override("en"):
        words = _row(_calibrate(world.director), world.east_rep).bias
    assert "closes 56 % of commit by amount (5 calls)" in words
    assert "closes 40 % of best case by amount (5 calls)" in words
    # Won 480k where 500k was called: 4 % below, too little to say.
    assert not any("below" in w for w in words)
    assert "slips 40 days on average from P5" in words
    with translation.override("zh-hans"):
        words = _row(_calibrate(world.director), world.east_rep).bias
    assert "承诺类按金额兑现 56 %（5 次判断）" in words
    assert "签约日期从 P5 起平均推迟 40 天" in words


def test_amount_change_in_words(world):
    history_of(world.west_rep, [(WON, "80000", 0)] * 5)
    with translation.override("en"):
        words = _row(_calibrate(world.director), world.west_rep).bias
    assert "deals won come in 20.0 % below the amount called" in words
    with translation.override("zh-hans"):
        words = _row(_calibrate(world.director), world.west_rep).bias
    assert "赢单金额平均比判断时低 20.0 %" in words


def test_early_signing_is_said_as_early(world):
    history_of(world.west_rep, [(WON, "100000", -20)] * 5)
    words = _row(_calibrate(world.director), world.west_rep).bias
    assert "signs 20 days early on average from P5" in words


def test_visibility(world, period_deals):
    """A rep sees their own row only; a manager their team's people; the director everyone."""
    assert [r.key for r in _calibrate(world.east_rep).reps] == [world.east_rep.pk]
    assert _calibrate(world.east_rep).teams == []
    manager_keys = {r.key for r in _calibrate(world.east_mgr).reps}
    assert world.east_rep.pk in manager_keys and world.west_rep.pk not in manager_keys
    assert [t.key for t in _calibrate(world.east_mgr).teams] == [world.east.pk]
    director_keys = {r.key for r in _calibrate(world.director).reps}
    assert {world.east_rep.pk, world.west_rep.pk} <= director_keys


def test_a_rep_reads_the_team_fallback_without_seeing_the_teammates_deals(world, period_deals):
    row = _row(_calibrate(world.east_rep2), world.east_rep2)
    assert row.ratios["commit"].source == selectors.TEAM
    assert row.stated_total == Decimal("0")


def test_query_count_does_not_grow_with_deals(world, period_deals, django_assert_num_queries):
    """Seven queries, five while the record is kept; as many with more calls and deals."""
    with django_assert_num_queries(7):
        _calibrate(world.director)
    with django_assert_num_queries(5):
        _calibrate(world.director)
    history_of(world.west_rep, [(WON, "100000", 10), (LOST, None, None)] * 5)
    for n in range(5):
        make_opportunity(
            owner=world.west_rep,
            name=f"More {n}",
            stage_code="P5",
            sign_date=dt.date(2027, 2, n + 1),
            forecast_category="commit",
        )
    with django_assert_num_queries(7):
        _calibrate(world.director)


def test_a_new_snapshot_is_read_at_once_while_a_record_is_kept(world, east_record):
    before = _row(_calibrate(world.director), world.west_rep).history.calls_made
    history_of(world.west_rep, [(WON, "100000", 10)] * 5)  # takes a new snapshot
    after = _row(_calibrate(world.director), world.west_rep).history.calls_made
    assert (before, after) == (0, 10)


def test_unchanged_call_outcome_dates_give_zero_slip(world):
    history_of(world.west_rep, [(WON, "100000", 0)] * 5)
    row = _row(_calibrate(world.director), world.west_rep)
    assert row.history.slips[5].average == 0
    assert not any("slips" in w for w in row.bias)
    assert CALLED_SIGN  # the outcome dates above are the dates called

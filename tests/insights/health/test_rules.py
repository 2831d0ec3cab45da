"""Each health rule on constructed opportunities, with its boundaries and its thresholds as data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.insights.health.norms import stage_norms
from kam.insights.models import StageNorm
from kam.opportunities.models import OpportunityContact
from tests.factories import ContactFactory, stage
from tests.insights.health.conftest import NOW, TODAY, _chain, _changes, _stays, flags, quiet, set_thresholds


def test_a_quiet_opportunity_has_no_flags(opp):
    assert flags(opp) == {}


# --- sign dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "flagged"), [(-1, True), (-30, True), (0, False), (1, False)])
def test_sign_date_passed_flags_a_date_before_today(opp, days, flagged):
    quiet(opp, sign_date=TODAY + dt.timedelta(days=days))
    found = flags(opp)
    assert ("sign_date_passed" in found) is flagged
    if flagged:
        date = (TODAY + dt.timedelta(days=days)).isoformat()
        assert date in found["sign_date_passed"]["explanation"]
        assert found["sign_date_passed"]["severity"] == "critical"


@pytest.mark.parametrize(
    ("days", "stage_code", "flagged"),
    [
        (0, "P0", True),
        (60, "P3", True),  # exactly the threshold days, exactly the threshold stage
        (61, "P3", False),
        (30, "P4", False),
        (-1, "P1", False),  # passed: the other rule's business
    ],
)
def test_sign_date_near_early_stage_boundaries(opp, days, stage_code, flagged):
    quiet(opp, sign_date=TODAY + dt.timedelta(days=days), stage_code=stage_code)
    assert ("sign_date_near_early_stage" in flags(opp)) is flagged


def test_sign_date_near_explanation_has_the_facts(opp):
    quiet(opp, sign_date=dt.date(2026, 12, 1), stage_code="P3")
    explanation = flags(opp)["sign_date_near_early_stage"]["explanation"]
    assert explanation == "sign date 2026-12-01 is 9 days away but stage is P3"


def test_sign_date_near_follows_the_thresholds_row(opp):
    quiet(opp, sign_date=TODAY + dt.timedelta(days=90), stage_code="P4")
    assert "sign_date_near_early_stage" not in flags(opp)
    set_thresholds("sign_date_near_early_stage", days=90, max_stage_order=4)
    assert "sign_date_near_early_stage" in flags(opp)


# --- decision chain ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage_code", "entries", "flagged", "text"),
    [
        ("P4", [], True, "stage is P4 but no decision maker is known"),
        ("P4", [("decision_maker", "A", 2)], True, "best decision maker relationship is CR2 (CR3 needed)"),
        ("P4", [("decision_maker", "A", None)], True, "is CR0 (CR3 needed)"),
        ("P4", [("decision_maker", "A", 3)], False, ""),
        ("P4", [("decision_maker", "A", 1), ("decision_maker", "B", 4)], False, ""),
        ("P4", [("influencer", "A", 5)], True, "no decision maker"),
        ("P3", [], False, ""),
    ],
)
def test_late_stage_weak_decision_maker(opp, stage_code, entries, flagged, text):
    quiet(opp, stage_code=stage_code)
    found = flags(_chain(opp, *entries))
    assert ("late_stage_weak_decision_maker" in found) is flagged
    if flagged:
        assert text in found["late_stage_weak_decision_maker"]["explanation"]


def test_weak_decision_maker_level_is_a_threshold(opp):
    quiet(opp, stage_code="P4")
    _chain(opp, ("decision_maker", "A", 2))
    set_thresholds("late_stage_weak_decision_maker", min_level=2)
    assert "late_stage_weak_decision_maker" not in flags(opp)


@pytest.mark.parametrize(
    ("stage_code", "role", "stance", "flagged"),
    [
        ("P4", "decision_maker", "C", True),
        ("P5", "technical_approver", "C", True),
        ("P6", "business_approver", "C", True),
        ("P4", "influencer", "C", False),
        ("P4", "decision_maker", "B", False),
        ("P3", "decision_maker", "C", False),
    ],
)
def test_late_stage_opposition(opp, stage_code, role, stance, flagged):
    quiet(opp, stage_code=stage_code)
    _chain(opp, (role, stance, 3))
    found = flags(opp)
    assert ("late_stage_opposition" in found) is flagged
    if flagged:
        name = OpportunityContact.objects.get(opportunity=opp).contact.name
        assert name in found["late_stage_opposition"]["explanation"]
        assert f"stage is {stage_code}" in found["late_stage_opposition"]["explanation"]


@pytest.mark.parametrize(
    ("stage_code", "contacts", "flagged"),
    [("P3", 0, True), ("P3", 1, True), ("P3", 2, False), ("P2", 1, False), ("P6", 1, True)],
)
def test_single_threaded_from_p3(opp, stage_code, contacts, flagged):
    quiet(opp, stage_code=stage_code)
    _chain(opp, *[("influencer", "A", 3)] * contacts)
    found = flags(opp)
    assert ("single_threaded" in found) is flagged
    if flagged:
        assert f"only {contacts} contact" in found["single_threaded"]["explanation"]


def test_single_threaded_counts_a_contact_in_two_roles_once(opp):
    quiet(opp, stage_code="P3")
    contact = ContactFactory(customer=opp.customer)
    OpportunityContact.objects.create(opportunity=opp, contact=contact, decision_role="decision_maker")
    OpportunityContact.objects.create(opportunity=opp, contact=contact, decision_role="influencer")
    assert "single_threaded" in flags(opp)


# --- no update --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage_code", "age", "flagged"),
    [
        ("P0", dt.timedelta(days=60), False),  # exactly N days: not yet
        ("P0", dt.timedelta(days=60, seconds=1), True),
        ("P4", dt.timedelta(days=21), False),
        ("P4", dt.timedelta(days=21, seconds=1), True),
        ("P5", dt.timedelta(days=15), True),
    ],
)
def test_no_update_by_stage_boundaries(opp, stage_code, age, flagged):
    quiet(opp, stage_code=stage_code, last_touch_at=NOW - age)
    found = flags(opp)
    assert ("no_update" in found) is flagged
    if flagged:
        assert f"no activity for {age.days} days" in found["no_update"]["explanation"]
        assert stage_code in found["no_update"]["explanation"]


def test_no_update_uses_default_days_for_a_stage_not_listed(opp):
    set_thresholds("no_update", days_by_stage={}, default_days=10)
    quiet(opp, last_touch_at=NOW - dt.timedelta(days=11))
    assert "no_update" in flags(opp)
    set_thresholds("no_update", default_days=12)
    assert "no_update" not in flags(opp)


def test_no_update_reads_the_last_touch_not_the_last_edit(opp):
    # Edited yesterday, but no activity for 70 days in P0 (60 allowed): flagged.
    quiet(
        opp, stage_code="P0", updated_at=NOW - dt.timedelta(days=1), last_touch_at=NOW - dt.timedelta(days=70)
    )
    assert "no_update" in flags(opp)
    # Untouched for a year but an activity logged last week: not flagged.
    quiet(
        opp,
        stage_code="P0",
        updated_at=NOW - dt.timedelta(days=365),
        last_touch_at=NOW - dt.timedelta(days=7),
    )
    assert "no_update" not in flags(opp)


def test_a_deal_never_touched_counts_from_its_creation(opp):
    quiet(opp, stage_code="P0", last_touch_at=None, created_at=NOW - dt.timedelta(days=61))
    found = flags(opp)
    assert "no activity for 61 days" in found["no_update"]["explanation"]
    quiet(opp, stage_code="P0", last_touch_at=None, created_at=NOW - dt.timedelta(days=59))
    assert "no_update" not in flags(opp)


# --- time in stage ----------------------------------------------------------------------------


@pytest.fixture
def history(world):
    _stays(world.east_rep2, "P1", [10, 20, 30, 40, 50])
    _stays(world.west_rep, "P1", [100])
    # The writes above recomputed flags, storing norms from the history half built: start as a
    # fresh install would, with none stored, so the rules compute them from the whole history.
    StageNorm.objects.all().delete()


def test_stage_norm_is_the_nearest_rank_percentile_per_team_and_company(world, history):
    norms = stage_norms(80, 5)
    p1 = stage("P1").pk
    assert norms.by_team[(world.east.pk, p1)] == 40 * 86400
    assert (world.west.pk, p1) not in norms.by_team  # one stay: below min_samples
    assert norms.by_stage[p1] == 50 * 86400  # rank ceil(0.8 × 6) = 5 of 10,20,30,40,50,100


@pytest.mark.parametrize(
    ("days_in_stage", "flagged"),
    [(dt.timedelta(days=40), False), (dt.timedelta(days=40, hours=1), True), (dt.timedelta(days=10), False)],
)
def test_stage_too_long_against_the_team_norm(opp, history, days_in_stage, flagged):
    quiet(opp, stage_code="P1", stage_entered_at=NOW - days_in_stage)
    found = flags(opp)
    assert ("stage_too_long" in found) is flagged
    if flagged:
        assert found["stage_too_long"]["explanation"] == (
            "in P1 for 40 days; the team's norm (80th percentile) is 40 days"
        )


def test_stage_too_long_falls_back_to_the_company_norm_below_min_samples(opp, world, history):
    quiet(opp, stage_code="P1", stage_entered_at=NOW - dt.timedelta(days=45))
    assert "stage_too_long" in flags(opp)
    set_thresholds("stage_too_long", min_samples=6)
    assert "stage_too_long" not in flags(opp)  # company norm: 50 days
    quiet(opp, stage_code="P1", stage_entered_at=NOW - dt.timedelta(days=51))
    assert "company norm" in flags(opp)["stage_too_long"]["explanation"]


def test_stage_too_long_percentile_is_a_threshold(opp, history):
    quiet(opp, stage_code="P1", stage_entered_at=NOW - dt.timedelta(days=45))
    set_thresholds("stage_too_long", percentile=100)
    assert "stage_too_long" not in flags(opp)  # the team's longest stay is 50 days


def test_stage_too_long_without_history_flags_nothing(opp):
    quiet(opp, stage_code="P1", stage_entered_at=NOW - dt.timedelta(days=999))
    assert "stage_too_long" not in flags(opp)


# --- four elements and slips ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "flagged", "text"),
    [
        ({"amount": None}, True, "missing: amount"),
        ({"amount": None, "amount_low": Decimal(1), "amount_high": Decimal(2)}, False, ""),
        ({"amount": None, "amount_low": Decimal(1)}, True, "amount"),
        ({"sign_date": None}, True, "missing: sign date"),
        ({"sign_date": None, "amount": None}, True, "missing: amount, sign date"),
    ],
)
def test_four_elements_incomplete(opp, fields, flagged, text):
    quiet(opp, **fields)
    found = flags(opp)
    assert ("four_elements_incomplete" in found) is flagged
    if flagged:
        assert (
            found["four_elements_incomplete"]["explanation"] == text
            or text in found["four_elements_incomplete"]["explanation"]
        )


@pytest.mark.parametrize(
    ("edits", "flagged"),
    [
        ([("sign_date", "2027-01-31", "2027-03-31"), ("sign_date", "2027-03-31", "2027-06-30")], True),
        ([("sign_date", "2027-01-31", "2027-03-31")], False),
        ([("sign_date", "2027-03-31", "2027-01-31"), ("sign_date", "2027-01-31", "2026-12-31")], False),
        ([("amount", "500000.00", "400000.00"), ("sign_date", "2027-01-31", "2027-02-28")], True),
        ([("amount", "500000.00", "600000.00"), ("amount", "600000.00", "900000.00")], False),
        ([("sign_date", "", "2027-01-31"), ("sign_date", "2027-01-31", "2027-02-28")], False),
        ([("amount", "900000.00", "80000.00"), ("amount", "80000.00", "7000.00")], True),
        ([("name", "a", "b"), ("name", "b", "c"), ("amount", "2.00", "1.00")], False),
    ],
)
def test_repeated_slip_counts_later_dates_and_lower_amounts(opp, edits, flagged):
    _changes(opp, *edits)
    found = flags(opp)
    assert ("repeated_slip" in found) is flagged
    if flagged:
        assert "slipped 2 times" in found["repeated_slip"]["explanation"]


def test_repeated_slip_minimum_is_a_threshold(opp):
    _changes(opp, ("sign_date", "2027-01-31", "2027-03-31"), ("sign_date", "2027-03-31", "2027-06-30"))
    set_thresholds("repeated_slip", min_slips=3)
    assert "repeated_slip" not in flags(opp)

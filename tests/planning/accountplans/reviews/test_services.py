"""Reviews through the services: due dates per segment after a review, the rules on a review, the
history and revision it leaves, the collective review, and the planning cycle's order and phase."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.errors import ConflictError
from kam.planning.accountplans.models import (
    AccountPlan,
    PlanChange,
    PlanChangeAction,
    PlanningCycle,
    PlanReview,
    PlanRevision,
    PlanStatus,
    ReviewCadence,
    ReviewKind,
)
from kam.planning.accountplans.reviews import services
from kam.planning.accountplans.reviews.services import Phase
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def _review(plan, by, held_on=dt.date(2026, 6, 10), **kwargs):
    kwargs.setdefault("conclusions", "On track; widen the coverage of the plant managers.")
    return services.record_review(plan, by=by, held_on=held_on, today=TODAY, **kwargs)


@pytest.mark.parametrize(
    ("segment", "due"),
    [
        ("key", dt.date(2026, 9, 10)),  # quarterly
        ("important", dt.date(2027, 6, 10)),  # yearly
        ("general", dt.date(2026, 12, 1)),  # the collective review in December
    ],
)
def test_a_review_sets_the_next_due_date_by_the_segment_cadence(world, make_plan, segment, due):
    plan = make_plan(world.east_customer, segment=segment, year=2026)
    review = _review(plan, world.east_rep)
    plan.refresh_from_db()
    assert plan.last_reviewed_on == dt.date(2026, 6, 10)
    assert plan.next_review_due == due
    assert review.next_due == due
    assert review.reviewed_by == world.east_rep


def test_the_cadence_is_data_a_changed_interval_moves_the_due_date(world, make_plan):
    ReviewCadence.objects.filter(segment="key").update(interval_months=2)
    plan = make_plan(world.east_customer, segment="key", year=2026)
    _review(plan, world.east_rep)
    assert AccountPlan.objects.get(pk=plan.pk).next_review_due == dt.date(2026, 8, 10)


def test_a_review_recorded_late_for_an_earlier_date_keeps_the_latest_rhythm(world, make_plan):
    plan = make_plan(world.east_customer, segment="key", year=2026)
    _review(plan, world.east_rep, held_on=dt.date(2026, 6, 10))
    _review(
        plan, world.east_rep, held_on=dt.date(2026, 3, 2), conclusions="The March review, written up late."
    )
    plan.refresh_from_db()
    assert plan.last_reviewed_on == dt.date(2026, 6, 10)
    assert plan.next_review_due == dt.date(2026, 9, 10)
    assert PlanReview.objects.filter(plan=plan).count() == 2


def test_a_review_leaves_a_history_line_and_a_revision(world, make_plan):
    plan = make_plan(world.east_customer, year=2026, executive_summary="Grow the furnace business.")
    review = _review(
        plan,
        world.east_rep,
        conclusions="Revenue behind plan.\nMove the second line to Q4.",
        changes="Second line moved to Q4",
        participants=[world.east_mgr],
    )
    change = PlanChange.objects.get(plan=plan, action=PlanChangeAction.REVIEWED)
    assert change.action == PlanChangeAction.REVIEWED
    assert (
        change.summary
        == "Revenue behind plan. Move the second line to Q4. · Changes: Second line moved to Q4"
    )
    assert change.changes["changes_decided"] == "Second line moved to Q4"
    assert change.changes["review"] == review.pk
    assert change.changes["next_review_due"] == "2026-09-10"
    assert change.changed_by == world.east_rep
    revision = PlanRevision.objects.filter(plan=plan).first()
    assert revision.snapshot["sections"]["executive_summary"] == "Grow the furnace business."
    assert "2026-06-10" in revision.reason
    assert list(review.participants.all()) == [world.east_mgr]
    assert review.changes == "Second line moved to Q4"


def test_a_review_needs_conclusions_a_past_date_and_an_active_plan(world, make_plan):
    plan = make_plan(world.east_customer, year=2026)
    with pytest.raises(ValidationError) as refused:
        _review(plan, world.east_rep, conclusions="   ")
    assert refused.value.message_dict["conclusions"] == ["Write the review's conclusions."]
    with pytest.raises(ValidationError) as refused:
        _review(plan, world.east_rep, held_on=TODAY + dt.timedelta(days=1))
    assert "cannot be in the future" in refused.value.message_dict["held_on"][0]
    with pytest.raises(ValidationError) as refused:
        _review(plan, world.east_rep, held_on=dt.date(2006, 6, 10))
    assert "cannot be held before 2025" in refused.value.message_dict["held_on"][0]
    with pytest.raises(ValidationError) as refused:
        _review(plan, world.east_rep, kind="monthly")
    assert "kind" in refused.value.message_dict
    draft = make_plan(world.west_customer, status=PlanStatus.DRAFT, year=2026)
    with pytest.raises(ValidationError) as refused:
        _review(draft, world.west_rep)
    assert refused.value.message_dict["__all__"] == ["Only an active plan is reviewed: this one is draft."]
    assert not PlanReview.objects.exists()
    assert not PlanChange.objects.filter(action=PlanChangeAction.REVIEWED).exists()


def test_only_who_may_see_the_plan_reviews_it(world, make_plan):
    plan = make_plan(world.east_customer, year=2026)
    with pytest.raises(PermissionDenied):
        _review(plan, world.west_rep)
    with pytest.raises(PermissionDenied):
        _review(plan, world.west_mgr)
    _review(plan, world.east_mgr)
    _review(plan, world.director, held_on=dt.date(2026, 6, 11))
    assert PlanReview.objects.filter(plan=plan).count() == 2


def test_a_stale_version_is_a_conflict_and_records_nothing(world, make_plan):
    plan = make_plan(world.east_customer, year=2026)
    read = plan.version
    _review(plan, world.east_rep, version=read)
    assert plan.version == read + 1
    with pytest.raises(ConflictError):
        _review(plan, world.east_mgr, version=read, held_on=dt.date(2026, 6, 12))
    assert PlanReview.objects.filter(plan=plan).count() == 1
    assert PlanChange.objects.filter(plan=plan, action=PlanChangeAction.REVIEWED).count() == 1


def test_a_collective_review_records_one_review_per_plan(world, make_plan):
    one = make_plan(world.east_customer, segment="general", year=2026)
    two = make_plan(CustomerFactory(owner=world.east_rep2), segment="general", year=2026)
    reviews = services.record_collective_review(
        [one, two],
        by=world.east_mgr,
        held_on=dt.date(2026, 6, 1),
        conclusions="All general accounts on plan.",
        own_conclusions={two.pk: "Behind: add a visit a month."},
        changes="",
        today=TODAY,
    )
    assert [r.kind for r in reviews] == [ReviewKind.COLLECTIVE, ReviewKind.COLLECTIVE]
    assert {r.plan_id: r.conclusions for r in reviews} == {
        one.pk: "All general accounts on plan.",
        two.pk: "Behind: add a visit a month.",
    }
    assert set(AccountPlan.objects.values_list("next_review_due", flat=True)) == {dt.date(2026, 12, 1)}
    assert PlanChange.objects.filter(action=PlanChangeAction.REVIEWED).count() == 2


def test_a_collective_review_is_all_or_nothing(world, make_plan):
    one = make_plan(world.east_customer, segment="general", year=2026)
    draft = make_plan(
        CustomerFactory(owner=world.east_rep2, name="Draft Co"),
        segment="general",
        status=PlanStatus.DRAFT,
        year=2026,
    )
    with pytest.raises(ValidationError) as refused:
        services.record_collective_review(
            [one, draft], by=world.east_mgr, held_on=dt.date(2026, 6, 1), conclusions="Fine.", today=TODAY
        )
    assert "Draft Co" in refused.value.message_dict["__all__"][0]
    with pytest.raises(ValidationError) as refused:
        services.record_collective_review([one], by=world.east_mgr, held_on=dt.date(2026, 6, 1), today=TODAY)
    assert "Write the conclusions for" in refused.value.message_dict["conclusions"][0]
    with pytest.raises(ValidationError):
        services.record_collective_review([], by=world.east_mgr, held_on=dt.date(2026, 6, 1), conclusions="x")
    hidden = make_plan(world.west_customer, segment="general", year=2026)
    with pytest.raises(PermissionDenied):
        services.record_collective_review(
            [one, hidden], by=world.east_mgr, held_on=dt.date(2026, 6, 1), conclusions="Fine.", today=TODAY
        )
    assert not PlanReview.objects.exists()


# The planning cycle ------------------------------------------------------------------------------

DATES = {
    "preparation_starts": dt.date(2026, 9, 1),
    "drafting_starts": dt.date(2026, 9, 21),
    "drafting_ends": dt.date(2026, 11, 30),
    "review_by": dt.date(2026, 12, 18),
    "implementation_starts": dt.date(2027, 1, 1),
}


def test_directors_set_the_cycle_and_its_changes_are_versioned(world):
    cycle = services.set_cycle(2027, by=world.director, expectations="Grow key accounts 15%.", **DATES)
    assert (cycle.year, cycle.version, cycle.updated_by) == (2027, 1, world.director)
    services.set_cycle(2027, by=world.admin, version=1, review_by=dt.date(2026, 12, 20))
    cycle.refresh_from_db()
    assert (cycle.review_by, cycle.version, cycle.updated_by) == (dt.date(2026, 12, 20), 2, world.admin)
    assert cycle.expectations == "Grow key accounts 15%."
    with pytest.raises(ConflictError):
        services.set_cycle(2027, by=world.director, version=1, review_by=dt.date(2026, 12, 19))
    with pytest.raises(PermissionDenied):
        services.set_cycle(2027, by=world.east_mgr, version=2, review_by=dt.date(2026, 12, 19))


def test_the_cycle_dates_must_be_in_order_with_a_clear_message(world):
    with pytest.raises(ValidationError) as refused:
        services.set_cycle(2027, by=world.director, **{**DATES, "drafting_ends": dt.date(2026, 9, 1)})
    assert refused.value.message_dict["drafting_ends"] == [
        "Drafting ends cannot be before drafting starts (2026-09-21)."
    ]
    with pytest.raises(ValidationError) as refused:
        services.set_cycle(2027, by=world.director, **{**DATES, "preparation_starts": dt.date(2024, 9, 1)})
    assert "2026 and 2027" in refused.value.message_dict["preparation_starts"][0]
    with pytest.raises(ValidationError) as refused:
        services.set_cycle(2027, by=world.director, **{k: v for k, v in DATES.items() if k != "review_by"})
    assert refused.value.message_dict["review_by"] == ["Give the date."]
    assert not PlanningCycle.objects.exists()


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (dt.date(2026, 8, 31), Phase.UPCOMING),
        (dt.date(2026, 9, 1), Phase.PREPARATION),
        (dt.date(2026, 9, 21), Phase.DRAFTING),
        (dt.date(2026, 11, 30), Phase.DRAFTING),
        (dt.date(2026, 12, 1), Phase.REVIEW),
        (dt.date(2026, 12, 31), Phase.REVIEW),
        (dt.date(2027, 1, 1), Phase.IMPLEMENTATION),
    ],
)
def test_the_current_phase_follows_the_dates(today, phase):
    assert services.current_phase(PlanningCycle(year=2027, **DATES), today) == phase

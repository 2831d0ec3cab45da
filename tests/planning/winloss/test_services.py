"""The review's rules: only for a closed deal, once, what decided it required, a meeting that took
place, causes of this deal only, versioned edits, and the history of each write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from kam.core.errors import ConflictError, RuleViolation
from kam.planning.winloss import selectors, services
from kam.planning.winloss.models import WinLossReview, WinLossReviewChange

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def write(w, **extra):
    values = {
        "meeting_date": YESTERDAY,
        "decided_by": "Price, and the GM backed the rival",
        "our_people": [w.east_rep, w.east_mgr],
        "causes": [w.cause],
    }
    values.update(extra)
    return services.write_review(w.east_opp, by=w.east_rep, **values)


def test_write_keeps_the_review_and_its_first_history_row(closed):
    review = write(closed, other_participants=" Partner Li ", lessons="Cost case first")
    review.refresh_from_db()
    assert review.decided_by == "Price, and the GM backed the rival"
    assert review.other_participants == "Partner Li"
    assert set(review.our_people.all()) == {closed.east_rep, closed.east_mgr}
    assert list(review.causes.all()) == [closed.cause]
    change = WinLossReviewChange.objects.get(review=review)
    assert change.action == "created" and change.changed_by == closed.east_rep
    assert change.changes["causes"] == ["Price 12% high"]
    assert change.changes["meeting_date"] == YESTERDAY.isoformat()


def test_an_open_deal_has_no_review_yet(closed):
    with pytest.raises(RuleViolation):
        services.write_review(closed.west_opp, by=closed.west_rep, meeting_date=YESTERDAY, decided_by="x")
    assert not WinLossReview.objects.exists()


def test_a_deal_is_reviewed_once(closed):
    write(closed)
    with pytest.raises(RuleViolation, match="already has a review"):
        write(closed, decided_by="again")
    assert WinLossReview.objects.count() == 1


def test_what_decided_it_and_a_past_meeting_are_required(closed):
    with pytest.raises(ValidationError) as excinfo:
        write(closed, decided_by="  ", meeting_date=timezone.localdate() + dt.timedelta(days=3))
    errors = excinfo.value.message_dict
    assert errors["decided_by"] == ["Say what decided the deal."]
    assert "took place" in errors["meeting_date"][0]
    assert not WinLossReview.objects.exists()


def test_causes_of_another_deal_are_refused(closed):
    with pytest.raises(ValidationError) as excinfo:
        write(closed, causes=[closed.foreign_cause])
    assert "causes" in excinfo.value.message_dict


def test_a_rep_of_another_team_cannot_write_it(closed):
    with pytest.raises(Http404):
        services.write_review(closed.east_opp, by=closed.west_rep, meeting_date=YESTERDAY, decided_by="x")


def test_edit_moves_the_version_and_records_before_and_after(closed):
    review = write(closed)
    services.update_review(
        review,
        by=closed.east_mgr,
        version=1,
        lessons="Build the cost case in P3",
        causes=[closed.cause, closed.other_cause],
    )
    review.refresh_from_db()
    assert review.version == 2 and review.lessons == "Build the cost case in P3"
    assert {c.pk for c in review.causes.all()} == {closed.cause.pk, closed.other_cause.pk}
    edit = WinLossReviewChange.objects.filter(action="edited").get()
    assert edit.changed_by == closed.east_mgr
    assert edit.changes == {
        "lessons": ["", "Build the cost case in P3"],
        "causes": [["Price 12% high"], ["GM never met", "Price 12% high"]],
    }


def test_a_change_of_participants_alone_moves_the_version(closed):
    review = write(closed)
    services.update_review(review, by=closed.east_rep, version=1, our_people=[closed.east_rep])
    review.refresh_from_db()
    assert review.version == 2
    assert list(review.our_people.all()) == [closed.east_rep]


def test_a_stale_edit_is_a_conflict_and_changes_nothing(closed):
    review = write(closed)
    services.update_review(review, by=closed.east_rep, version=1, lessons="first")
    stale = WinLossReview.objects.get(pk=review.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        services.update_review(stale, by=closed.east_mgr, version=1, lessons="second", our_people=[])
    review.refresh_from_db()
    assert review.lessons == "first" and review.our_people.count() == 2
    assert WinLossReviewChange.objects.filter(action="edited").count() == 1


def test_an_edit_that_changes_nothing_keeps_the_version_and_writes_no_history(closed):
    review = write(closed)
    services.update_review(review, by=closed.east_rep, version=1, decided_by=review.decided_by)
    review.refresh_from_db()
    assert review.version == 1
    assert WinLossReviewChange.objects.count() == 1


def test_the_panel_state_follows_the_deal(closed, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.state(closed.west_opp, closed.west_rep) == "after the close"
    with django_assert_num_queries(1):
        assert selectors.state(closed.east_opp, closed.east_rep) == "no review yet"
    write(closed)
    with django_assert_num_queries(1):
        assert selectors.state(closed.east_opp, closed.east_rep) == f"reviewed {YESTERDAY.isoformat()}"

"""The review over JSON: read (null until written), write once for a closed deal, edit with
If-Match, causes of this deal only, visibility."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.planning.winloss.models import WinLossReview

pytestmark = pytest.mark.django_db

YESTERDAY = (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def path(opportunity):
    return f"/planning/opportunities/{opportunity.pk}/winloss"


def body(w, **extra):
    data = {
        "meeting_date": YESTERDAY,
        "decided_by": "The rival's price",
        "our_people": [w.east_rep.pk],
        "other_participants": "Partner Li",
        "causes": [w.cause.pk],
    }
    data.update(extra)
    return data


def test_read_before_and_after_writing(closed, api_as):
    client = api_as(closed.east_rep)
    empty = client.get(path(closed.east_opp))
    assert empty.status_code == 200
    assert empty.json()["review"] is None
    assert empty.json()["opportunity"]["close_reason_choice"] == "price"
    assert empty.json()["opportunity"]["lost_to"]["name"] == "Rival Corp"
    written = client.post(path(closed.east_opp), body(closed))
    assert written.status_code == 201, written.content
    review = written.json()["review"]
    assert review["decided_by"] == "The rival's price"
    assert review["causes"] == [{"id": closed.cause.pk, "bone": "commercial", "text": "Price 12% high"}]
    assert [p["id"] for p in review["our_people"]] == [closed.east_rep.pk]
    assert written["ETag"] == '"1"'
    assert written.json()["history"][0]["action"] == "created"


def test_an_open_deal_and_a_second_review_are_409(closed, api_as):
    client = api_as(closed.west_rep)
    refused = client.post(path(closed.west_opp), {"meeting_date": YESTERDAY, "decided_by": "x"})
    assert refused.status_code == 409
    east = api_as(closed.east_rep)
    assert east.post(path(closed.east_opp), body(closed)).status_code == 201
    assert east.post(path(closed.east_opp), body(closed)).status_code == 409
    assert WinLossReview.objects.count() == 1


def test_bad_input_names_the_field(closed, api_as):
    client = api_as(closed.east_rep)
    foreign = client.post(path(closed.east_opp), body(closed, causes=[closed.foreign_cause.pk]))
    assert foreign.status_code == 422
    assert "causes" in foreign.json()["errors"]
    empty = client.post(path(closed.east_opp), body(closed, decided_by=" "))
    assert empty.json()["errors"]["decided_by"] == ["Say what decided the deal."]
    unknown_field = client.post(path(closed.east_opp), body(closed, verdict="lost"))
    assert unknown_field.status_code == 422
    assert not WinLossReview.objects.exists()


def test_edit_needs_if_match_and_refuses_a_stale_version(closed, api_as):
    client = api_as(closed.east_rep)
    client.post(path(closed.east_opp), body(closed))
    assert client.patch(path(closed.east_opp), {"lessons": "x"}).status_code == 428
    edited = client.patch(
        path(closed.east_opp), {"lessons": "Cost case by P3", "causes": [closed.other_cause.pk]}, if_match=1
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["review"]["lessons"] == "Cost case by P3"
    assert edited.json()["review"]["version"] == 2
    assert [c["text"] for c in edited.json()["review"]["causes"]] == ["GM never met"]
    stale = client.patch(path(closed.east_opp), {"lessons": "late"}, if_match=1)
    assert stale.status_code == 412
    assert client.patch(path(closed.east_opp), {"decided_by": None}, if_match=2).status_code == 422
    assert WinLossReview.objects.get().lessons == "Cost case by P3"


def test_another_teams_rep_gets_404_everywhere(closed, api_as):
    client = api_as(closed.west_rep)
    assert client.get(path(closed.east_opp)).status_code == 404
    assert client.post(path(closed.east_opp), body(closed)).status_code == 404
    assert client.patch(path(closed.east_opp), {"lessons": "x"}, if_match=1).status_code == 404

"""The review page of one deal: empty states, writing and editing through the form (whole page and
htmx), a stale edit, print, the strategy panel's line, and visibility."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.planning.winloss import services
from kam.planning.winloss.models import WinLossReview

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def url(opportunity):
    return reverse("planning_winloss:opportunity", kwargs={"pk": opportunity.pk})


def form_data(w, **extra):
    data = {
        "meeting_date": YESTERDAY.isoformat(),
        "our_people": [w.east_rep.pk, w.east_mgr.pk],
        "other_participants": "Partner Li",
        "decided_by": "The rival's price",
        "worked": "Technical exchange",
        "failed": "No access to the GM",
        "competitor_did": "Cut the price 12%",
        "lessons": "Cost case by P3",
        "causes": [w.cause.pk],
    }
    data.update(extra)
    return data


def test_an_open_deal_says_the_review_comes_after_the_close(client, closed):
    client.force_login(closed.west_rep)
    body = client.get(url(closed.west_opp)).content.decode()
    assert "still open" in body
    assert "<form" not in body.split('id="winloss-workspace"')[1].split("History")[0]


def test_a_closed_deal_without_review_shows_the_close_and_the_form(client, closed):
    client.force_login(closed.east_rep)
    body = client.get(url(closed.east_opp)).content.decode()
    assert "No review yet" in body
    assert "Price too high" in body and "Rival Corp" in body
    # The deal's causes are offered, another deal's are not; the print button is there.
    assert "Price 12% high" in body and "West&#x27;s own cause" not in body
    assert "data-print" in body and "no-print" in body


def test_writing_the_review_through_the_page(client, closed):
    client.force_login(closed.east_rep)
    response = client.post(url(closed.east_opp), form_data(closed))
    assert response.status_code == 302
    review = WinLossReview.objects.get(opportunity=closed.east_opp)
    assert review.competitor_did == "Cut the price 12%"
    assert list(review.causes.all()) == [closed.cause]
    body = client.get(url(closed.east_opp)).content.decode()
    assert "Cut the price 12%" in body and "Edit the review" in body
    assert "Written" in body  # the history's first row


def test_the_form_says_what_is_missing(client, closed):
    client.force_login(closed.east_rep)
    response = client.post(url(closed.east_opp), form_data(closed, decided_by="", meeting_date=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "decided_by" in errors and "meeting_date" in errors
    assert not WinLossReview.objects.exists()


def test_htmx_edit_swaps_the_workspace(client, closed):
    services.write_review(closed.east_opp, by=closed.east_rep, meeting_date=YESTERDAY, decided_by="Price")
    client.force_login(closed.east_mgr)
    editing = client.get(url(closed.east_opp) + "?edit=1", HTTP_HX_REQUEST="true")
    assert editing.status_code == 200
    assert editing.content.decode().lstrip().startswith('<div id="winloss-workspace">')
    assert 'name="version" value="1"' in editing.content.decode()
    saved = client.post(
        url(closed.east_opp),
        form_data(closed, decided_by="Price and access", version=1),
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert "Price and access" in saved.content.decode()
    review = WinLossReview.objects.get()
    assert (review.version, review.decided_by) == (2, "Price and access")


def test_a_stale_edit_is_refused_on_the_page(client, closed):
    review = services.write_review(
        closed.east_opp, by=closed.east_rep, meeting_date=YESTERDAY, decided_by="Price"
    )
    services.update_review(review, by=closed.east_mgr, version=1, lessons="Theirs")
    client.force_login(closed.east_rep)
    response = client.post(url(closed.east_opp), form_data(closed, lessons="Mine", version=1))
    assert response.status_code == 409
    assert "Someone else changed this review" in response.content.decode()
    review.refresh_from_db()
    assert review.lessons == "Theirs"


def test_another_teams_rep_gets_a_404(client, closed):
    client.force_login(closed.west_rep)
    assert client.get(url(closed.east_opp)).status_code == 404
    assert client.post(url(closed.east_opp), form_data(closed)).status_code == 404
    assert not WinLossReview.objects.exists()


def test_the_strategy_panel_lists_the_tool_with_its_state(client, closed):
    client.force_login(closed.east_rep)
    body = client.get(
        reverse("planning:opportunity_panel", kwargs={"pk": closed.east_opp.pk})
    ).content.decode()
    assert url(closed.east_opp) in body and "no review yet" in body


def test_the_page_in_chinese(client, closed):
    client.force_login(closed.east_rep)
    body = client.get(url(closed.east_opp), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "项目总结" in body

"""Satisfaction pages: the customer section (surveys, churn risk and band, trend, the record form),
recording and deleting through htmx and plain forms, the surveys list with filters and CSV; another
team's customer is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kam.delivery.models import SatisfactionSurvey, SurveyQuestion
from kam.delivery.satisfaction import services
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _five(world, level, on):
    answers = {q.pk: level for q in SurveyQuestion.objects.filter(is_active=True)}
    return services.record_survey(
        world.east_customer, by=world.east_rep, taken_on=on, overall=level, answers=answers
    )


def test_the_customer_page_has_the_satisfaction_slot(client, world):
    _login(client, world.east_rep)
    body = client.get(reverse("customers:detail", args=[world.east_customer.pk])).content.decode()
    assert reverse("delivery_satisfaction:customer_panel", args=[world.east_customer.pk]) in body


def test_the_section_shows_the_churn_risk_band_and_trend(client, world, django_assert_max_num_queries):
    _login(client, world.east_rep)
    url = reverse("delivery_satisfaction:customer_panel", args=[world.east_customer.pk])
    empty = client.get(url, **HTMX).content.decode()
    assert "No satisfaction survey recorded" in empty and "the churn risk is unknown" in empty
    _five(world, 2, dt.date(2026, 1, 10))
    _five(world, 4, dt.date(2026, 6, 10))
    with django_assert_max_num_queries(12):
        body = client.get(url, **HTMX).content.decode()
    assert "Churn risk: 10 %" in body and "Satisfaction 4/5 (Satisfied)" in body
    assert "<polyline" in body and body.count('id="survey-') == 2


def test_recording_through_htmx_and_a_refused_form(client, world):
    _login(client, world.east_rep)
    url = reverse("delivery_satisfaction:record", args=[world.east_customer.pk])
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    data = {"scale": "five", "taken_on": "2026-03-01", "source": "form", "overall": 5}
    data.update({f"q{q.pk}": 5 for q in questions[1:]})
    refused = client.post(url, data)
    assert refused.status_code == 400
    # The message names the unscored question in the page's language (English here).
    assert (questions[0].text_en or questions[0].text) in refused.content.decode()
    assert not SatisfactionSurvey.objects.exists()
    data[f"q{questions[0].pk}"] = 4
    done = client.post(url, data, **HTMX)
    assert done.status_code == 200 and "Survey recorded." in done.content.decode()
    survey = SatisfactionSurvey.objects.get()
    assert survey.source == "form" and survey.answers.count() == len(questions)
    nps = client.post(url, {"scale": "nps", "taken_on": "2026-04-01", "source": "team", "overall": 6})
    assert nps.status_code == 302
    deleted = client.post(reverse("delivery_satisfaction:delete", args=[survey.pk]), **HTMX)
    assert deleted.status_code == 200 and SatisfactionSurvey.objects.count() == 1


def test_the_list_filters_exports_and_hides_other_teams(client, world):
    _five(world, 1, dt.date(2026, 2, 1))
    _five(world, 5, dt.date(2026, 3, 1))
    services.record_survey(
        world.west_customer, by=world.west_rep, taken_on=dt.date(2026, 3, 1), overall=9, scale="nps"
    )
    _login(client, world.east_rep)
    url = reverse("delivery_satisfaction:list")
    body = client.get(url).content.decode()
    assert "East Steel" in body and "West Power" not in body and "2 surveys" in body
    assert "1 survey" in client.get(url + "?max_overall=2").content.decode()
    csv = client.get(url + "?format=csv").content.decode("utf-8-sig")
    assert csv.count("East Steel") == 2 and "West Power" not in csv
    west = world.west_customer.pk
    assert client.get(reverse("delivery_satisfaction:customer_panel", args=[west]), **HTMX).status_code == 404
    assert (
        client.post(reverse("delivery_satisfaction:record", args=[west]), {"scale": "nps"}).status_code == 404
    )
    theirs = SatisfactionSurvey.objects.get(customer_id=west)
    assert client.post(reverse("delivery_satisfaction:delete", args=[theirs.pk])).status_code == 404


def test_the_list_sorts_by_overall_both_ways(client, world):
    _five(world, 2, dt.date(2026, 2, 1))
    _five(world, 5, dt.date(2026, 1, 1))
    _login(client, world.east_rep)
    url = reverse("delivery_satisfaction:list")
    up = client.get(url + "?sort=overall").content.decode()
    assert up.index("2026-02-01") < up.index("2026-01-01")
    down = client.get(url + "?sort=-overall").content.decode()
    assert down.index("2026-01-01") < down.index("2026-02-01")

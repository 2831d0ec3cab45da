"""Satisfaction over JSON: the curve, recording a five-point and an NPS survey, the customer's
section with the churn risk and trend, the list's filters, deletion; another team's customer is a 404."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.delivery.models import SatisfactionSurvey, SurveyQuestion
from kam.delivery.satisfaction import services

pytestmark = pytest.mark.django_db


def _delete(api, path):
    return api.client.delete("/api/v1" + path, **api._headers())


def _answers(score):
    return {str(q.pk): score for q in SurveyQuestion.objects.filter(is_active=True)}


def test_the_curve(world, api_as):
    body = api_as(world.east_rep).get("/delivery/churn-curve").json()
    assert [b["level"] for b in body] == [1, 2, 3, 4, 5]
    assert body[0]["churn_percent"] in ("80.00", 80, "80")


def test_record_read_and_delete(world, api_as):
    api = api_as(world.east_rep)
    base = f"/delivery/customers/{world.east_customer.pk}"
    five = api.post(base + "/surveys", {"taken_on": "2026-03-01", "overall": 2, "answers": _answers(2)})
    assert five.status_code == 201, five.json()
    assert len(five.json()["answers"]) == SurveyQuestion.objects.filter(is_active=True).count()
    nps = api.post(
        base + "/surveys", {"taken_on": "2026-09-01", "overall": 9, "scale": "nps", "source": "form"}
    )
    assert nps.status_code == 201 and nps.json()["answers"] == []
    missing = api.post(base + "/surveys", {"taken_on": "2026-09-02", "overall": 4})
    assert missing.status_code == 422 and "answers" in missing.json()["errors"]
    section = api.get(base + "/satisfaction").json()
    assert section["care"]["satisfaction_level"] == 5 and section["care"]["band"]["level"] == 5
    assert [p["level"] for p in section["trend"]] == [2, 5]
    assert _delete(api, f"/delivery/surveys/{nps.json()['id']}").status_code == 204
    after = api.get(base + "/satisfaction").json()
    assert after["care"]["satisfaction_level"] == 2 and float(after["care"]["churn_percent"]) == 40.0


def test_the_list_filters_and_hides_other_teams(world, api_as):
    services.record_survey(
        world.east_customer,
        by=world.east_rep,
        taken_on=dt.date.fromisoformat("2026-01-01"),
        overall=3,
        scale="nps",
    )
    services.record_survey(
        world.east_customer,
        by=world.east_rep,
        taken_on=dt.date.fromisoformat("2026-02-01"),
        overall=9,
        scale="nps",
    )
    services.record_survey(
        world.west_customer,
        by=world.west_rep,
        taken_on=dt.date.fromisoformat("2026-02-01"),
        overall=9,
        scale="nps",
    )
    api = api_as(world.east_rep)
    listed = api.get("/delivery/surveys").json()
    assert listed["count"] == 2 and {s["customer"]["id"] for s in listed["results"]} == {
        world.east_customer.pk
    }
    assert api.get("/delivery/surveys?max_overall=5").json()["count"] == 1
    assert api.get("/delivery/surveys?date_from=2026-01-15").json()["count"] == 1
    assert api.get("/delivery/surveys?date_from=nope").status_code == 422
    west = SatisfactionSurvey.objects.get(customer=world.west_customer)
    assert api.get(f"/delivery/surveys/{west.pk}").status_code == 404
    assert _delete(api, f"/delivery/surveys/{west.pk}").status_code == 404
    assert api.get(f"/delivery/customers/{world.west_customer.pk}/satisfaction").status_code == 404
    refused = api.post(
        f"/delivery/customers/{world.west_customer.pk}/surveys",
        {"taken_on": "2026-01-01", "overall": 9, "scale": "nps"},
    )
    assert refused.status_code == 404 and SatisfactionSurvey.objects.count() == 3


def test_the_list_reads_in_few_queries(world, api_as, django_assert_max_num_queries):
    answers = {q.pk: 4 for q in SurveyQuestion.objects.filter(is_active=True)}
    for day in range(1, 11):
        services.record_survey(
            world.east_customer, by=world.east_rep, taken_on=dt.date(2026, 1, day), overall=4, answers=answers
        )
    api = api_as(world.east_rep)
    with django_assert_max_num_queries(8):
        assert api.get("/delivery/surveys").json()["count"] == 10

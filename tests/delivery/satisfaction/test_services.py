"""Satisfaction surveys: the five-point and NPS scales validated, the churn curve per band and at
the NPS boundaries, the customer's care row refreshed (its satisfaction fields only), history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.delivery.models import ChurnBand, CustomerCare, DeliveryChange, SatisfactionSurvey, SurveyQuestion
from kam.delivery.satisfaction import services

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def five(world, level: int, *, on=DAY, customer=None):
    answers = {q.pk: level for q in SurveyQuestion.objects.filter(is_active=True)}
    return services.record_survey(
        customer or world.east_customer, by=world.east_rep, taken_on=on, overall=level, answers=answers
    )


@pytest.mark.parametrize(
    ("level", "churn"),
    [(1, Decimal("80")), (2, Decimal("40")), (3, Decimal("20")), (4, Decimal("10")), (5, Decimal("1.5"))],
)
def test_each_band_of_the_curve(world, level, churn):
    five(world, level)
    care = CustomerCare.objects.get(customer=world.east_customer)
    assert care.satisfaction_level == level and care.churn_percent == churn
    assert care.satisfaction_on == DAY


@pytest.mark.parametrize(("nps", "level"), [(0, 1), (4, 1), (5, 2), (6, 2), (7, 3), (8, 4), (9, 5), (10, 5)])
def test_nps_maps_onto_the_levels_at_the_band_boundaries(world, nps, level):
    band = ChurnBand.objects.get(level=level)
    assert band.nps_from <= nps <= band.nps_to
    services.record_survey(world.east_customer, by=world.east_rep, taken_on=DAY, overall=nps, scale="nps")
    care = CustomerCare.objects.get(customer=world.east_customer)
    assert care.satisfaction_level == level and care.churn_percent == band.churn_percent


def test_the_latest_survey_counts_and_a_deletion_falls_back(world):
    five(world, 2, on=dt.date(2026, 1, 5))
    latest = five(world, 5, on=dt.date(2026, 6, 5))
    assert CustomerCare.objects.get(customer=world.east_customer).satisfaction_level == 5
    services.delete_survey(latest, by=world.east_rep)
    care = CustomerCare.objects.get(customer=world.east_customer)
    assert care.satisfaction_level == 2 and care.churn_percent == Decimal("40")
    deleted = DeliveryChange.objects.get(record="survey", action="deleted")
    assert deleted.changes["overall"] == [5, None]
    services.delete_survey(SatisfactionSurvey.objects.get(), by=world.east_rep)
    care.refresh_from_db()
    assert care.satisfaction_level is None and care.churn_percent is None


def test_the_refresh_keeps_the_receivables_fields(world):
    CustomerCare.objects.create(
        customer=world.east_customer, overdue_amount=Decimal("5000"), oldest_overdue_due=dt.date(2026, 1, 1)
    )
    five(world, 3)
    care = CustomerCare.objects.get(customer=world.east_customer)
    assert care.overdue_amount == Decimal("5000") and care.oldest_overdue_due == dt.date(2026, 1, 1)
    assert care.satisfaction_level == 3


def test_every_active_question_is_scored_from_one_to_five(world):
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    answers = {q.pk: 4 for q in questions[1:]}
    answers[questions[1].pk] = 6
    with pytest.raises(ValidationError) as error:
        services.record_survey(
            world.east_customer, by=world.east_rep, taken_on=DAY, overall=4, answers=answers
        )
    text = " ".join(error.value.message_dict["answers"])
    assert questions[0].text_en in text and questions[1].text_en in text
    with pytest.raises(ValidationError) as error:
        services.record_survey(world.east_customer, by=world.east_rep, taken_on=DAY, overall=11, scale="nps")
    assert "overall" in error.value.message_dict
    assert not SatisfactionSurvey.objects.exists() and not DeliveryChange.objects.exists()


def test_a_contact_of_another_customer_and_a_future_date_are_refused(world):
    from tests.factories import ContactFactory

    stranger = ContactFactory(customer=world.west_customer)
    with pytest.raises(ValidationError) as error:
        services.record_survey(
            world.east_customer,
            by=world.east_rep,
            taken_on=dt.date(2999, 1, 1),
            overall=8,
            scale="nps",
            contact=stranger,
        )
    assert set(error.value.message_dict) == {"contact", "taken_on"}


def test_another_teams_customer_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.record_survey(world.west_customer, by=world.east_rep, taken_on=DAY, overall=8, scale="nps")

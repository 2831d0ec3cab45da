from __future__ import annotations

import datetime as dt

import pytest

from kam.team.playbook.models import CertificationElement, CertificationRecord
from kam.team.playbook.selectors import certified_user_ids, is_certified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)


def _examine(user, *, passed=True, on=DAY, valid_until=None, skip=(), by=None):
    for element in CertificationElement.objects.filter(is_active=True):
        if element.code in skip:
            continue
        CertificationRecord.objects.create(
            user=user,
            element=element,
            passed=passed,
            certified_on=on,
            valid_until=valid_until,
            certified_by=by,
        )


def test_six_elements_are_seeded():
    assert CertificationElement.objects.filter(is_active=True).count() == 6


def test_all_six_passed_is_certified_from_that_day():
    rep = UserFactory()
    _examine(rep)
    assert is_certified(rep, DAY)
    assert not is_certified(rep, DAY - dt.timedelta(days=1))
    assert certified_user_ids(DAY) == {rep.pk}


def test_one_element_missing_is_not_certified():
    rep = UserFactory()
    _examine(rep, skip=("relationships",))
    assert not is_certified(rep, DAY)
    assert certified_user_ids(DAY) == set()


def test_latest_examination_counts():
    rep = UserFactory()
    _examine(rep)
    element = CertificationElement.objects.get(code="decision-chain")
    CertificationRecord.objects.create(
        user=rep, element=element, passed=False, certified_on=DAY + dt.timedelta(days=10)
    )
    assert is_certified(rep, DAY + dt.timedelta(days=9))
    assert not is_certified(rep, DAY + dt.timedelta(days=10))
    CertificationRecord.objects.create(
        user=rep, element=element, passed=True, certified_on=DAY + dt.timedelta(days=20)
    )
    assert certified_user_ids(DAY + dt.timedelta(days=20)) == {rep.pk}


def test_expired_pass_no_longer_certifies():
    rep = UserFactory()
    _examine(rep, valid_until=DAY + dt.timedelta(days=30))
    assert is_certified(rep, DAY + dt.timedelta(days=30))
    assert not is_certified(rep, DAY + dt.timedelta(days=31))


def test_an_element_no_longer_required_is_not_asked_for():
    rep = UserFactory()
    _examine(rep, skip=("bid-negotiation",))
    CertificationElement.objects.filter(code="bid-negotiation").update(is_active=False)
    assert is_certified(rep, DAY)


def test_certified_user_ids_in_two_queries(django_assert_num_queries):
    for _ in range(3):
        _examine(UserFactory())
    with django_assert_num_queries(2):
        assert len(certified_user_ids(DAY)) == 3

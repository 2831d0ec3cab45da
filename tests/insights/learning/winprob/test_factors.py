"""Factor explanations: the three groups that move one constructed deal's probability most, in
words, with their points."""

from __future__ import annotations

import pytest
from django.utils import translation

from kam.insights.learning.models import WinModel
from kam.insights.learning.winprob import selectors
from kam.insights.learning.winprob.services import train
from kam.insights.learning.words import factor_words, points_text
from kam.opportunities.models import OpportunityContact
from kam.relationships.models import Relationship, Stance
from tests.insights.learning.winprob.constructed import NOW, build

pytestmark = pytest.mark.django_db


def test_an_opposed_decision_maker_at_cr1_is_the_factor_that_pulls_the_deal_down():
    open_deals = build(300, n_open=2)
    weak = open_deals[0]
    role = OpportunityContact.objects.get(opportunity=weak)
    OpportunityContact.objects.filter(pk=role.pk).update(stance=Stance.OPPOSE)
    Relationship.objects.filter(contact_id=role.contact_id).update(level=1)
    model = train(now=NOW)
    assert model.verdict == WinModel.Verdict.BEATS
    prediction = selectors.prediction_for(weak.pk)
    assert prediction is not None
    factors = selectors.factors(prediction)
    assert 1 <= len(factors) <= 3
    assert factors[0].code == "decision_maker"
    assert factors[0].points <= -10
    assert factors[0].words == "decision maker at CR1, opposed"
    assert factors[0].text == f"decision maker at CR1, opposed: −{-factors[0].points} points"
    # Ordered by how far each moves the probability.
    moves = [abs(f.points) for f in factors]
    assert moves == sorted(moves, reverse=True)
    assert prediction.percent < 20


def test_factor_words_in_both_languages():
    facts = {"dm": True, "dm_level": 1, "dm_opposed": False, "dm_support": False}
    assert factor_words("decision_maker", facts) == "decision maker at CR1"
    assert factor_words("slips", {"slips": 2, "slip_days": 60}) == "sign date moved later 2 times (60 days)"
    assert factor_words("sign_date", {"days_to_sign": -12}) == "sign date passed 12 days ago"
    assert factor_words("competition", {"competitors": 0}) == "no competitor known"
    assert points_text(-18) == "−18 points"
    assert points_text(7) == "+7 points"
    with translation.override("zh-hans"):
        assert factor_words("decision_maker", facts) == "拍板人 CR1"
        assert points_text(-18) == "−18 个百分点"

"""The worst flag decides an opportunity's rank: critical and warning together rank, sort and count
as critical, wherever the rank is used (the live rank, the stored column the pipeline's severity
sort and the Health page's counts read)."""

from __future__ import annotations

import datetime as dt

from kam.insights.health import store
from kam.insights.health.engine import LIVE_RANK, HealthEngine
from kam.insights.health.stored import StoredFlags
from kam.insights.models import HealthRule
from kam.opportunities.models import Opportunity
from kam.opportunities.selectors import sort_pipeline
from tests.insights.health.conftest import NOW, TODAY, flags, quiet


def _critical_and_warning(world):
    HealthRule.objects.filter(code="sign_date_passed").update(severity="critical")
    HealthRule.objects.filter(code="four_elements_incomplete").update(severity="warn")
    both = quiet(world.east_opp, sign_date=TODAY - dt.timedelta(days=5), amount=None)
    warning = quiet(world.west_opp, amount=None)
    quiet(world.east_opp2)
    assert {f["severity"] for f in flags(both).values()} == {"critical", "warn"}
    assert {f["severity"] for f in flags(warning).values()} == {"warn"}
    return both, warning


def test_critical_and_warning_together_rank_as_critical(world):
    both, warning = _critical_and_warning(world)
    engine = HealthEngine(NOW)
    ranks = dict(engine.with_rank(Opportunity.objects.all(), alias=False).values_list("pk", LIVE_RANK))
    assert ranks == {both.pk: 3, warning.pk: 2, world.east_opp2.pk: 0}
    store.recompute(ranks, now=NOW)
    assert dict(Opportunity.objects.values_list("pk", "health_rank")) == ranks


def test_critical_and_warning_together_sort_with_the_critical_ones(world):
    both, warning = _critical_and_warning(world)
    store.recompute(Opportunity.objects.values_list("pk", flat=True), now=NOW)
    engine = StoredFlags(NOW)
    for sort, expected in [
        ("severity", [world.east_opp2.pk, warning.pk, both.pk]),
        ("-severity", [both.pk, warning.pk, world.east_opp2.pk]),
    ]:
        qs, _ = sort_pipeline(Opportunity.objects.all(), sort, engine)
        assert list(qs.values_list("pk", flat=True)) == expected, sort
    flagged = engine.with_rank(Opportunity.objects.all()).filter(health_rank=3)
    assert list(flagged.values_list("pk", flat=True)) == [both.pk]  # counted with the critical ones


def test_stored_flags_name_each_rule_in_the_readers_language(world):
    """A page's flags name their rule once per rule, in the language of the reader of that page."""
    from django.utils import translation

    HealthRule.objects.filter(code="sign_date_passed").update(name="签约日已过", name_en="Sign date passed")
    HealthRule.objects.filter(code="four_elements_incomplete").update(name="四要素不全", name_en="")
    both, warning = _critical_and_warning(world)
    store.recompute(Opportunity.objects.values_list("pk", flat=True), now=NOW)
    for language, passed in (("en", "Sign date passed"), ("zh-hans", "签约日已过")):
        with translation.override(language):
            found = StoredFlags(NOW).flags_by_id([both.pk, warning.pk])
        names = {pk: {f.code: f.name for f in flags} for pk, flags in found.items()}
        # No English name: the rule's own name in either language.
        assert names == {
            both.pk: {"sign_date_passed": passed, "four_elements_incomplete": "四要素不全"},
            warning.pk: {"four_elements_incomplete": "四要素不全"},
        }, language

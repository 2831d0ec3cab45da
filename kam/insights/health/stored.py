"""The pipeline's flag engine over stored flags (registered in InsightsConfig.ready).

The rank is the stored `Opportunity.health_rank` column (sorted and filtered through its index),
and a page's flags are one query over StoredFlag with their rules: no rule runs while a page is
read. The explanations are written from the stored facts in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from kam.core.statements import id_rows
from kam.insights.health.engine import local_date
from kam.insights.health.rules import REGISTRY, Flag
from kam.insights.models import HealthRule, StoredFlag
from kam.opportunities.flags import RANK_FIELD
from kam.opportunities.models import OpportunityStatus

FLAGGED = Q(status=OpportunityStatus.OPEN, **{f"{RANK_FIELD}__gt": 0})


class StoredFlags:
    """What kam.opportunities.flags.FlagEngine asks for, read from storage."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.today = local_date(self.now)

    def with_rank(self, qs: QuerySet, name: str = RANK_FIELD, *, alias: bool = True) -> QuerySet:
        if name == RANK_FIELD:
            return qs  # the column itself
        return (qs.alias if alias else qs.annotate)(**{name: F(RANK_FIELD)})

    def flagged_only(self, qs: QuerySet) -> QuerySet:
        return qs.filter(FLAGGED)

    def flags_by_id(self, ids: list[int]) -> dict[int, list[Flag]]:
        if not ids:
            return {}
        result: dict[int, list[Flag]] = defaultdict(list)
        # Plain tuples, not model instances: a page of 50 deals has a hundred flags or more, and
        # building two records per flag cost more than the query.
        rows = id_rows(
            "stored flags",
            StoredFlag,
            lambda some: (
                StoredFlag.objects.filter(opportunity_id__in=some)
                .order_by("opportunity_id", "-rank", "rule__order", "rule__code")
                .values_list(
                    "opportunity_id", "severity", "facts", "rule__code", "rule__name", "rule__name_en"
                )
            ),
            ids,
        )
        # A rule's name once per page, not once per flag: the reader's language is looked up each time.
        labels: dict[str, str] = {}
        for opportunity_id, severity, facts, code, name, name_en in rows:
            rule = REGISTRY.get(code)
            explanation = rule.describe(facts, self.today, self.now) if rule is not None else ""
            label = labels.get(code)
            if label is None:
                label = labels[code] = HealthRule.label(name, name_en)
            result[opportunity_id].append(Flag(code, label, severity, explanation))
        return dict(result)

    def flags_for(self, opportunities: list[Any]) -> dict[int, list[Flag]]:
        return self.flags_by_id([o.pk for o in opportunities])

    def attach(self, opportunities: list[Any], attr: str = "health_flags") -> list[Any]:
        flags = self.flags_for(opportunities)
        for opportunity in opportunities:
            setattr(opportunity, attr, flags.get(opportunity.pk, []))
        return opportunities

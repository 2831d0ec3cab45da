"""The health engine: the active rules loaded once, applied in SQL to any opportunity queryset.

It computes flags live: the recompute that stores them (kam.insights.health.store) and `kam health
verify` use it. Pages read the stored flags (kam.insights.health.stored), never this engine."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from kam.insights.health import checklist  # noqa: F401  (registers the weak-checklist rule)
from kam.insights.health.rules import REGISTRY, Flag, Rule
from kam.insights.models import SEVERITY_RANK, HealthRule, Severity
from kam.opportunities.models import (
    Opportunity,
    OpportunityStatus,
)

# The live rank's name on a queryset: not `health_rank`, which is the stored column it is checked against.
LIVE_RANK = "live_health_rank"


def local_date(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date() if timezone.is_aware(now) else now.date()


# --- the engine -------------------------------------------------------------------------------

BASE_FIELDS = (
    "id",
    "owner_id",
    "stage_id",
    "sign_date",
    "updated_at",
    "amount",
    "amount_low",
    "amount_high",
    "h_stage_code",
    "h_stage_order",
    "h_team",
)


class HealthEngine:
    """The active rules (one query) and what they need (the stage norms: one more), loaded once
    and then applied to any number of querysets: a scan, a page's flags, a sort, a filter."""

    def __init__(self, now: dt.datetime | None = None, rules: list[HealthRule] | None = None) -> None:
        self.now = now or timezone.now()
        self.today = local_date(self.now)
        self._rows = rules
        self._rules: list[Rule] | None = None

    @property
    def rules(self) -> list[Rule]:
        if self._rules is None:
            rows = self._rows
            if rows is None:
                rows = list(HealthRule.objects.filter(active=True, code__in=list(REGISTRY)))
            self._rules = [
                REGISTRY[row.code](row, self) for row in rows if row.active and row.code in REGISTRY
            ]
        return self._rules

    def _annotate(self, qs: QuerySet, *, alias: bool = False) -> QuerySet:
        """The rules' facts on `qs`: selected for a scan, only aliased (never selected) for a
        filter or a sort, so a pipeline page computes them in WHERE / ORDER BY alone."""
        add = qs.alias if alias else qs.annotate
        qs = add(h_stage_code=F("stage__code"), h_stage_order=F("stage__order"), h_team=F("owner__team_id"))
        facts: dict[str, Any] = {}
        later: dict[str, Any] = {}
        for rule in self.rules:
            facts.update(rule.annotations())
            later.update(rule.annotations_after())
        if facts:
            qs = (qs.alias if alias else qs.annotate)(**facts)
        if later:
            qs = (qs.alias if alias else qs.annotate)(**later)
        return qs

    def _open(self, qs: QuerySet) -> QuerySet:
        return qs.filter(status=OpportunityStatus.OPEN)

    def any_condition(self, rules: list[Rule] | None = None) -> Q | None:
        combined: Q | None = None
        for rule in self.rules if rules is None else rules:
            combined = rule.condition() if combined is None else combined | rule.condition()
        return combined

    def rank_expression(self) -> Any:
        """The worst severity among the flags as 0–3 (0: no flag), from the rules' conditions."""
        whens = []
        for severity in (Severity.CRITICAL, Severity.WARN, Severity.INFO):
            condition = self.any_condition([r for r in self.rules if r.severity == severity])
            if condition is not None:
                whens.append(
                    When(condition & Q(status=OpportunityStatus.OPEN), then=Value(SEVERITY_RANK[severity]))
                )
        return Case(*whens, default=Value(0), output_field=IntegerField())

    def with_rank(self, qs: QuerySet, name: str = LIVE_RANK, *, alias: bool = True) -> QuerySet:
        """The worst-severity rank on any opportunity queryset: aliased for sorting and filtering,
        annotated (`alias=False`) where an aggregate counts over the rules' facts."""
        qs = self._annotate(qs, alias=alias)
        return (qs.alias if alias else qs.annotate)(**{name: self.rank_expression()})

    def flagged_only(self, qs: QuerySet) -> QuerySet:
        condition = self.any_condition()
        if condition is None:
            return qs.none()
        return self._annotate(qs, alias=True).filter(condition & Q(status=OpportunityStatus.OPEN))

    def fact_rows(self, qs: QuerySet, *, explain: bool = True) -> QuerySet:
        """Values rows of the open opportunities in `qs` with every rule's facts, each computed
        once per row: no condition in WHERE, and no flag column over a subquery fact, since
        either would repeat the facts' subqueries. Rules over plain columns come as one boolean
        column each; the others are decided from the fetched facts (`flags_from_row`).
        Without `explain`, only what decides the flags is fetched (no dates to convert)."""
        if not self.rules:
            return qs.none().values("id")
        qs = self._open(qs).annotate(
            h_stage_code=F("stage__code"), h_stage_order=F("stage__order"), h_team=F("owner__team_id")
        )
        facts: dict[str, Any] = {}
        helpers: dict[str, Any] = {}
        for rule in self.rules:
            facts.update(rule.annotations())
            if not rule.decided_in_python:
                helpers.update(rule.annotations_after())
        qs = qs.annotate(**facts)
        if helpers:
            qs = qs.alias(**helpers)
        in_sql = [r for r in self.rules if not r.decided_in_python]
        qs = qs.annotate(
            **{r.flag_field: ExpressionWrapper(r.condition(), output_field=BooleanField()) for r in in_sql}
        )
        flag_fields = [r.flag_field for r in in_sql]
        if explain:
            return qs.values(*BASE_FIELDS, *sorted(facts), *flag_fields)
        needed: set[str] = set()
        for rule in self.rules:
            if rule.decided_in_python:
                needed |= set(rule.annotations())
        return qs.values("id", "h_stage_order", *sorted(needed), *flag_fields)

    def flags_from_row(self, row: dict[str, Any]) -> list[Flag]:
        flags = [rule.flag(row) for rule in self.rules if rule.matches(row)]
        flags.sort(key=lambda f: -f.rank)
        return flags

    def scan(self, qs: QuerySet) -> dict[int, list[Flag]]:
        """Flags per opportunity id for the open opportunities in `qs` (ids without flags are absent)."""
        result: dict[int, list[Flag]] = {}
        for row in self.fact_rows(qs).order_by().iterator(chunk_size=5000):
            flags = self.flags_from_row(row)
            if flags:
                result[row["id"]] = flags
        return result

    def flags_for(self, opportunities: list[Opportunity]) -> dict[int, list[Flag]]:
        """Flags for an already scoped list (a page, the board's cards): one query for all of them."""
        ids = [o.pk for o in opportunities]
        if not ids:
            return {}
        return self.scan(Opportunity.objects.filter(pk__in=ids))

    def attach(self, opportunities: list[Opportunity], attr: str = "health_flags") -> list[Opportunity]:
        flags = self.flags_for(opportunities)
        for opportunity in opportunities:
            setattr(opportunity, attr, flags.get(opportunity.pk, []))
        return opportunities


def scan(qs: QuerySet, *, now: dt.datetime | None = None) -> dict[int, list[dict[str, str]]]:
    """Per opportunity id, its flags as [{code, name, severity, explanation}] (worst first)."""
    engine = HealthEngine(now)
    return {pk: [f.as_dict() for f in flags] for pk, flags in engine.scan(qs).items()}


def scan_all_open(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The complete scan over every open opportunity: the number flagged per rule (the benchmark's figure)."""
    engine = HealthEngine(now)
    counts: Counter[str] = Counter({rule.code: 0 for rule in engine.rules})
    rows = engine.fact_rows(Opportunity.objects.all(), explain=False).order_by()
    for row in rows.iterator(chunk_size=5000):
        for rule in engine.rules:
            if rule.matches(row):
                counts[rule.code] += 1
    return dict(counts)

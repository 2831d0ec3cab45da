"""Pipeline health: rules over open opportunities, evaluated in SQL, explained in one line each.

A rule is one class registered under the code of its `HealthRule` row (severity, thresholds and
the on/off switch are that row's data). Each rule contributes fact annotations and a condition
(a `Q` over those annotations), so a scan is one query over every open opportunity in scope,
whatever the number of rules or rows; the rule then writes its explanation from the facts of
the flagged row. Adding a rule is one class here plus one row (a data migration).

Boundaries, chosen once for every rule:
- "N days" thresholds flag strictly more than N days: exactly N days is not yet flagged.
- A stage threshold is inclusive: `min_stage_order: 4` flags P4 itself.
- The stage norm is the nearest-rank percentile of completed stays; a stay exactly at the norm
  is not flagged, one second more is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import get_visible_opportunity, opportunities_for
from kam.core.ids import parse_id
from kam.insights.models import SEVERITY_RANK, HealthRule, Severity, StageNorm
from kam.opportunities.flags import RANK_FIELD
from kam.opportunities.models import (
    Opportunity,
    OpportunityChange,
    OpportunityContact,
    OpportunityStatus,
    Stage,
    StageChange,
)
from kam.org.models import User
from kam.org.visibility import team_subtree_ids
from kam.relationships.models import DecisionRole, Relationship

# Keyed by the plain string: a TextChoices member hashes by its name, not its value.
SEVERITY_ORDER: dict[str, int] = {str(severity.value): rank for severity, rank in SEVERITY_RANK.items()}
FLAG_COUNT_FIELD = "health_flag_count"


@dataclass(frozen=True)
class Flag:
    code: str
    name: str
    severity: str
    explanation: str

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.get(self.severity, 0)

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "explanation": self.explanation,
        }


# --- rules ------------------------------------------------------------------------------------


class Rule:
    """One health check. Subclasses set `code` and `defaults`, and override the three hooks."""

    code: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    # False: the flag is the SQL condition selected as one boolean column (the rule reads plain
    # columns only, so nothing repeats). True: the rule reads subquery facts, selected once each,
    # and `matches` decides from the fetched values.
    decided_in_python: ClassVar[bool] = False

    def __init__(self, row: HealthRule, engine: HealthEngine) -> None:
        self.row = row
        self.engine = engine
        self.thresholds = {**self.defaults, **(row.thresholds or {})}

    @property
    def severity(self) -> str:
        return self.row.severity

    def annotations(self) -> dict[str, Any]:
        """Fact columns this rule needs, named `h_…` (rules may share a name for the same fact).
        A scan selects each of them once per row and decides the flags from the fetched values."""
        return {}

    def annotations_after(self) -> dict[str, Any]:
        """SQL-only helpers built on the facts (cutoffs, sums), for `condition()`: never fetched,
        since a reference to a fact repeats its subquery."""
        return {}

    def condition(self) -> Q:
        """The rule in SQL, for filtering and sorting querysets (flagged only, by severity)."""
        raise NotImplementedError

    @property
    def flag_field(self) -> str:
        return f"h_flag_{self.code}"

    def matches(self, row: dict[str, Any]) -> bool:
        """The rule on a fetched row: its SQL flag column, or (`decided_in_python`) the same
        condition written over the fetched facts."""
        return bool(row[self.flag_field])

    def explain(self, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def flag(self, row: dict[str, Any]) -> Flag:
        return Flag(self.code, self.row.display_name, self.severity, self.explain(row))

    def int_threshold(self, name: str) -> int:
        return int(self.thresholds[name])

    def int_thresholds(self, *names: str) -> tuple[int, ...]:
        """Parsed once per rule: `matches` runs for every open opportunity."""
        cached: dict[tuple[str, ...], tuple[int, ...]] = self.__dict__.setdefault("_ints", {})
        if names not in cached:
            cached[names] = tuple(self.int_threshold(name) for name in names)
        return cached[names]


REGISTRY: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    REGISTRY[cls.code] = cls
    return cls


def _days(delta: dt.timedelta) -> int:
    return max(0, delta.days)


def _stage(row: dict[str, Any]) -> str:
    return row["h_stage_code"]


@register
class SignDatePassed(Rule):
    code = "sign_date_passed"

    def condition(self) -> Q:
        return Q(sign_date__lt=self.engine.today)

    def explain(self, row: dict[str, Any]) -> str:
        return _("sign date %(date)s passed %(days)s days ago but the opportunity is still open") % {
            "date": row["sign_date"].isoformat(),
            "days": (self.engine.today - row["sign_date"]).days,
        }


@register
class SignDateNearEarlyStage(Rule):
    code = "sign_date_near_early_stage"
    defaults = {"days": 60, "max_stage_order": 3}

    def condition(self) -> Q:
        today = self.engine.today
        return Q(
            sign_date__gte=today,
            sign_date__lte=today + dt.timedelta(days=self.int_threshold("days")),
            h_stage_order__lte=self.int_threshold("max_stage_order"),
        )

    def explain(self, row: dict[str, Any]) -> str:
        return _("sign date %(date)s is %(days)s days away but stage is %(stage)s") % {
            "date": row["sign_date"].isoformat(),
            "days": (row["sign_date"] - self.engine.today).days,
            "stage": _stage(row),
        }


def _top_level_of(contact_ref: Any) -> Subquery:
    return Subquery(
        Relationship.objects.filter(contact_id=contact_ref)
        .order_by()
        .values("contact_id")
        .annotate(top=Max("level"))
        .values("top")[:1]
    )


@register
class LateStageWeakDecisionMaker(Rule):
    code = "late_stage_weak_decision_maker"
    decided_in_python = True
    defaults = {"min_stage_order": 4, "min_level": 3}

    def annotations(self) -> dict[str, Any]:
        makers = OpportunityContact.objects.filter(
            opportunity_id=OuterRef("pk"), decision_role=DecisionRole.DECISION_MAKER
        )
        # The best company-level CR among the decision makers (0 when known at no level).
        best = (
            makers.annotate(level=Coalesce(_top_level_of(OuterRef("contact_id")), 0))
            .order_by("-level")
            .values("level")[:1]
        )
        return {"h_dm_level": Subquery(best, output_field=IntegerField())}

    def condition(self) -> Q:
        return Q(h_stage_order__gte=self.int_threshold("min_stage_order")) & (
            Q(h_dm_level__isnull=True) | Q(h_dm_level__lt=self.int_threshold("min_level"))
        )

    def matches(self, row: dict[str, Any]) -> bool:
        min_stage_order, min_level = self.int_thresholds("min_stage_order", "min_level")
        level = row["h_dm_level"]
        return row["h_stage_order"] >= min_stage_order and (level is None or level < min_level)

    def explain(self, row: dict[str, Any]) -> str:
        if row["h_dm_level"] is None:
            return _("stage is %(stage)s but no decision maker is known") % {"stage": _stage(row)}
        return _(
            "stage is %(stage)s but the best decision maker relationship is CR%(level)s (CR%(needed)s needed)"
        ) % {
            "stage": _stage(row),
            "level": row["h_dm_level"],
            "needed": self.int_threshold("min_level"),
        }


OPPOSING_ROLES = (
    DecisionRole.DECISION_MAKER,
    DecisionRole.TECHNICAL_APPROVER,
    DecisionRole.BUSINESS_APPROVER,
)


@register
class LateStageOpposition(Rule):
    code = "late_stage_opposition"
    decided_in_python = True
    defaults = {"min_stage_order": 4}

    def annotations(self) -> dict[str, Any]:
        opposing = OpportunityContact.objects.filter(
            opportunity_id=OuterRef("pk"), decision_role__in=OPPOSING_ROLES, stance="C"
        ).order_by("decision_role", "id")
        # Role and name in one subquery ("role|name"; a role code has no "|").
        first = opposing.annotate(
            who=Concat("decision_role", Value("|"), "contact__name", output_field=CharField())
        )
        return {"h_opposing": Subquery(first.values("who")[:1])}

    def condition(self) -> Q:
        return Q(h_stage_order__gte=self.int_threshold("min_stage_order"), h_opposing__isnull=False)

    def matches(self, row: dict[str, Any]) -> bool:
        return (
            row["h_stage_order"] >= self.int_thresholds("min_stage_order")[0]
            and row["h_opposing"] is not None
        )

    def explain(self, row: dict[str, Any]) -> str:
        role, _sep, name = row["h_opposing"].partition("|")
        return _("stage is %(stage)s and %(role)s %(name)s opposes") % {
            "stage": _stage(row),
            "role": str(DecisionRole(role).label).lower(),
            "name": name,
        }


@register
class NoUpdate(Rule):
    """Until activities exist, the opportunity's last update stands for the last activity."""

    code = "no_update"
    defaults = {"days_by_stage": {}, "default_days": 30}

    def _days_for(self, stage_code: str) -> int:
        by_stage = self.thresholds.get("days_by_stage") or {}
        return int(by_stage.get(stage_code, self.thresholds["default_days"]))

    def annotations_after(self) -> dict[str, Any]:
        now = self.engine.now
        whens = [
            When(h_stage_code=code, then=Value(now - dt.timedelta(days=int(days)), DateTimeField()))
            for code, days in (self.thresholds.get("days_by_stage") or {}).items()
        ]
        default = Value(now - dt.timedelta(days=int(self.thresholds["default_days"])), DateTimeField())
        return {"h_update_cutoff": Case(*whens, default=default, output_field=DateTimeField())}

    def condition(self) -> Q:
        return Q(updated_at__lt=F("h_update_cutoff"))

    def explain(self, row: dict[str, Any]) -> str:
        return _("no update for %(days)s days (more than %(limit)s allowed in %(stage)s)") % {
            "days": _days(self.engine.now - row["updated_at"]),
            "limit": self._days_for(_stage(row)),
            "stage": _stage(row),
        }


@register
class StageTooLong(Rule):
    code = "stage_too_long"
    defaults = {"percentile": 80, "min_samples": 5}

    def __init__(self, row: HealthRule, engine: HealthEngine) -> None:
        super().__init__(row, engine)
        self.norms = load_stage_norms(self.int_threshold("percentile"), self.int_threshold("min_samples"))

    def annotations(self) -> dict[str, Any]:
        return {"h_in_stage_since": Coalesce("stage_entered_at", "created_at")}

    def annotations_after(self) -> dict[str, Any]:
        now = self.engine.now
        whens = [
            When(
                h_team=team, stage_id=stage, then=Value(now - dt.timedelta(seconds=seconds), DateTimeField())
            )
            for (team, stage), seconds in self.norms.by_team.items()
        ]
        whens += [
            When(stage_id=stage, then=Value(now - dt.timedelta(seconds=seconds), DateTimeField()))
            for stage, seconds in self.norms.by_stage.items()
        ]
        cutoff: Any = (
            Case(*whens, default=None, output_field=DateTimeField())
            if whens
            else Cast(Value(None), DateTimeField())
        )
        return {"h_stage_cutoff": cutoff}

    def condition(self) -> Q:
        return Q(h_in_stage_since__lt=F("h_stage_cutoff"))

    def explain(self, row: dict[str, Any]) -> str:
        seconds, scope = self.norms.norm(row["h_team"], row["stage_id"])
        facts = {
            "stage": _stage(row),
            "days": _days(self.engine.now - row["h_in_stage_since"]),
            "norm": math.ceil(seconds / 86400) if seconds else 0,
            "percentile": self.int_threshold("percentile"),
        }
        if scope == "team":
            return (
                _(
                    "in %(stage)s for %(days)s days; the team's norm (%(percentile)sth percentile) is %(norm)s days"
                )
                % facts
            )
        return (
            _(
                "in %(stage)s for %(days)s days; the company norm (%(percentile)sth percentile) is %(norm)s days"
            )
            % facts
        )


@register
class FourElementsIncomplete(Rule):
    code = "four_elements_incomplete"

    def condition(self) -> Q:
        return Q(sign_date__isnull=True) | (
            Q(amount__isnull=True) & (Q(amount_low__isnull=True) | Q(amount_high__isnull=True))
        )

    def explain(self, row: dict[str, Any]) -> str:
        missing = []
        if row["amount"] is None and (row["amount_low"] is None or row["amount_high"] is None):
            missing.append(_("amount"))
        if row["sign_date"] is None:
            missing.append(_("sign date"))
        return _("missing: %(elements)s") % {"elements": ", ".join(str(m) for m in missing)}


def _count_of(qs: QuerySet) -> Subquery:
    return Subquery(
        qs.order_by().values("opportunity_id").annotate(c=Count("id")).values("c")[:1],
        output_field=IntegerField(),
    )


@register
class RepeatedSlip(Rule):
    """A slip is an edit that moved a set sign date later or lowered a set amount; a first
    setting, an earlier date or a raise is not a slip."""

    code = "repeated_slip"
    decided_in_python = True
    defaults = {"min_slips": 2}

    def annotations(self) -> dict[str, Any]:
        changes = OpportunityChange.objects.filter(opportunity_id=OuterRef("pk")).exclude(old_value="")
        # CASE keeps PostgreSQL from casting a date text to a number: WHERE has no evaluation order.
        old_amount = Case(
            When(field="amount", then=Cast(NullIf(F("old_value"), Value("")), FloatField())), default=None
        )
        new_amount = Case(
            When(field="amount", then=Cast(NullIf(F("new_value"), Value("")), FloatField())), default=None
        )
        date_slips = changes.filter(field="sign_date", new_value__gt=F("old_value"))
        amount_slips = changes.filter(field="amount").alias(o=old_amount, n=new_amount).filter(n__lt=F("o"))
        return {
            "h_date_slips": Coalesce(_count_of(date_slips), 0),
            "h_amount_slips": Coalesce(_count_of(amount_slips), 0),
        }

    def condition(self) -> Q:
        return Q(h_slips__gte=self.int_threshold("min_slips"))

    def matches(self, row: dict[str, Any]) -> bool:
        return row["h_date_slips"] + row["h_amount_slips"] >= self.int_thresholds("min_slips")[0]

    def annotations_after(self) -> dict[str, Any]:
        return {"h_slips": F("h_date_slips") + F("h_amount_slips")}

    def explain(self, row: dict[str, Any]) -> str:
        return _(
            "slipped %(count)s times: sign date moved later %(dates)s times, amount lowered %(amounts)s times"
        ) % {
            "count": row["h_date_slips"] + row["h_amount_slips"],
            "dates": row["h_date_slips"],
            "amounts": row["h_amount_slips"],
        }


@register
class SingleThreaded(Rule):
    code = "single_threaded"
    decided_in_python = True
    defaults = {"min_stage_order": 3}

    def annotations(self) -> dict[str, Any]:
        contacts = (
            OpportunityContact.objects.filter(opportunity_id=OuterRef("pk"))
            .order_by()
            .values("opportunity_id")
            .annotate(c=Count("contact_id", distinct=True))
            .values("c")[:1]
        )
        return {"h_contacts": Coalesce(Subquery(contacts, output_field=IntegerField()), 0)}

    def condition(self) -> Q:
        return Q(h_stage_order__gte=self.int_threshold("min_stage_order"), h_contacts__lte=1)

    def matches(self, row: dict[str, Any]) -> bool:
        return row["h_stage_order"] >= self.int_thresholds("min_stage_order")[0] and row["h_contacts"] <= 1

    def explain(self, row: dict[str, Any]) -> str:
        return _("stage is %(stage)s but only %(count)s contact is known on the customer side") % {
            "stage": _stage(row),
            "count": row["h_contacts"],
        }


# --- stage norms ------------------------------------------------------------------------------

DEFAULT_PERCENTILE = 80


@dataclass
class StageNorms:
    """Per (team, stage) and per stage (company-wide): the percentile of completed stays, in seconds."""

    by_team: dict[tuple[int, int], int] = field(default_factory=dict)
    by_stage: dict[int, int] = field(default_factory=dict)

    def norm(self, team: int | None, stage: int) -> tuple[int | None, str]:
        if team is not None and (team, stage) in self.by_team:
            return self.by_team[(team, stage)], "team"
        return self.by_stage.get(stage), "company"

    @classmethod
    def from_rows(cls, rows: Any, min_samples: int) -> StageNorms:
        """From (team, stage, seconds, samples) rows: a team's norm needs `min_samples` stays."""
        norms = cls()
        for team, stage, seconds, samples in rows:
            if team is None:
                norms.by_stage[stage] = int(seconds)
            elif samples >= min_samples:
                norms.by_team[(team, stage)] = int(seconds)
        return norms


def _duration_sql(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"ROUND(EXTRACT(EPOCH FROM ({later} - {earlier})))::bigint"
    return f"CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


def compute_stage_norms(percentile: int) -> list[tuple[int | None, int, int, int]]:
    """One query: stays from the stage history (LEAD over each opportunity's changes), ranked per
    team and stage and per stage, keeping the nearest-rank percentile row of each group, as
    (team or None for company-wide, stage, seconds, samples).

    A stay belongs to the team of the opportunity's owner today. Every team row is returned with
    its number of stays; whether it has enough to stand (`min_samples`) is decided when read.
    """
    percentile = min(100, max(1, int(percentile)))
    changes = StageChange._meta.db_table
    opportunities = Opportunity._meta.db_table
    users = User._meta.db_table
    duration = _duration_sql("left_at", "entered_at")
    pick = "rn = (n * %s + 99) / 100"
    sql = f"""
        WITH ordered AS (
            SELECT opportunity_id, to_stage_id AS stage_id, changed_at AS entered_at,
                   LEAD(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at, id) AS left_at
            FROM {changes}
        ),
        stays AS (
            SELECT s.stage_id, u.team_id, {duration} AS seconds
            FROM ordered s
            JOIN {opportunities} o ON o.id = s.opportunity_id
            JOIN {users} u ON u.id = o.owner_id
            WHERE s.left_at IS NOT NULL
        ),
        by_team AS (
            SELECT team_id, stage_id, seconds,
                   ROW_NUMBER() OVER (PARTITION BY team_id, stage_id ORDER BY seconds) AS rn,
                   COUNT(*) OVER (PARTITION BY team_id, stage_id) AS n
            FROM stays WHERE team_id IS NOT NULL
        ),
        by_stage AS (
            SELECT stage_id, seconds,
                   ROW_NUMBER() OVER (PARTITION BY stage_id ORDER BY seconds) AS rn,
                   COUNT(*) OVER (PARTITION BY stage_id) AS n
            FROM stays
        )
        SELECT team_id, stage_id, seconds, n FROM by_team WHERE {pick}
        UNION ALL
        SELECT NULL, stage_id, seconds, n FROM by_stage WHERE {pick}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [percentile, percentile])
        return [(team, stage, max(0, int(seconds)), int(n)) for team, stage, seconds, n in cursor.fetchall()]


def stage_norms(percentile: int, min_samples: int) -> StageNorms:
    """The norms computed now from the stage history (not stored)."""
    return StageNorms.from_rows(compute_stage_norms(percentile), int(min_samples))


def configured_percentile() -> int:
    row = HealthRule.objects.filter(code=StageTooLong.code).only("thresholds").first()
    thresholds = {**StageTooLong.defaults, **((row.thresholds if row else None) or {})}
    return min(100, max(1, int(thresholds.get("percentile", DEFAULT_PERCENTILE))))


def refresh_stage_norms(percentile: int | None = None, *, now: dt.datetime | None = None) -> list[StageNorm]:
    """Recompute the norms (for the configured percentile unless given) and replace every stored
    norm with them in one transaction: readers see the old set or the new one, never a mix."""
    percentile = configured_percentile() if percentile is None else min(100, max(1, int(percentile)))
    computed_at = now or timezone.now()
    norms = [
        StageNorm(
            team_id=team,
            stage_id=stage,
            percentile=percentile,
            seconds=seconds,
            samples=samples,
            computed_at=computed_at,
        )
        for team, stage, seconds, samples in compute_stage_norms(percentile)
    ]
    with transaction.atomic():
        StageNorm.objects.all().delete()
        StageNorm.objects.bulk_create(norms)
    return norms


def load_stage_norms(percentile: int, min_samples: int) -> StageNorms:
    """The stored norms for `percentile` (one small query); computed and stored when none are
    stored yet for it (a fresh install, or a percentile just changed by an admin)."""
    percentile = min(100, max(1, int(percentile)))
    rows: list[tuple[int | None, int, int, int]] = list(
        StageNorm.objects.filter(percentile=percentile).values_list(
            "team_id", "stage_id", "seconds", "samples"
        )
    )
    if not rows:
        rows = [(n.team_id, n.stage_id, n.seconds, n.samples) for n in refresh_stage_norms(percentile)]
    return StageNorms.from_rows(rows, int(min_samples))


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
        self.today = timezone.localtime(self.now).date() if timezone.is_aware(self.now) else self.now.date()
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

    def with_rank(self, qs: QuerySet, name: str = RANK_FIELD, *, alias: bool = True) -> QuerySet:
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


def stage_label(stage: Stage) -> str:
    return f"{stage.code} {stage.display_name}"


# --- the Health page and API ------------------------------------------------------------------


@dataclass
class HealthFilters:
    rule: str | None = None
    severity: str | None = None
    owner: int | None = None
    team: int | None = None

    @classmethod
    def from_mapping(cls, data: Any) -> HealthFilters:
        """Lenient parse of query parameters: an unknown value is ignored, not a 500."""

        def as_int(name: str) -> int | None:
            return parse_id(data.get(name))

        rule = data.get("rule") or None
        severity = data.get("severity") or None
        return cls(
            rule=rule if rule in REGISTRY else None,
            severity=severity if severity in SEVERITY_ORDER else None,
            owner=as_int("owner"),
            team=as_int("team"),
        )


def _scoped_open(user: User, filters: HealthFilters) -> QuerySet:

    qs = opportunities_for(user, Opportunity.objects.filter(status=OpportunityStatus.OPEN))
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([filters.team]))
    return qs


def health_report(
    user: User,
    filters: HealthFilters,
    *,
    offset: int = 0,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Flagged open opportunities the user may see: counts by rule and by owner (SQL aggregates),
    and one page of the flagged list with every flag of each row, in a fixed number of queries."""
    engine = HealthEngine(now)
    rules = engine.rules
    base = _scoped_open(user, filters)
    # Which rules decide that a row is listed: the chosen rule and/or severity, else all.
    chosen = [r for r in rules if (not filters.rule or r.code == filters.rule)]
    chosen = [r for r in chosen if (not filters.severity or r.severity == filters.severity)]
    listed_condition = engine.any_condition(chosen)
    annotated = engine.with_rank(base, alias=False)
    by_rule: list[dict[str, Any]] = []
    by_owner: list[dict[str, Any]] = []
    items: list[Opportunity] = []
    count = 0
    if listed_condition is not None:
        totals = annotated.aggregate(
            **{r.code: Count("pk", filter=r.condition()) for r in rules},
            flagged=Count("pk", filter=listed_condition),
        )
        count = totals.pop("flagged") or 0
        by_rule = [
            {"code": r.code, "name": r.row.display_name, "severity": r.severity, "count": totals[r.code] or 0}
            for r in rules
            if r in chosen
        ]
        owners = (
            annotated.filter(listed_condition)
            .values("owner_id", "owner__username", "owner__name")
            .annotate(
                flagged=Count("pk"),
                critical=Count("pk", filter=Q(**{RANK_FIELD: 3})),
                warn=Count("pk", filter=Q(**{RANK_FIELD: 2})),
                info=Count("pk", filter=Q(**{RANK_FIELD: 1})),
            )
            .order_by("-critical", "-warn", "-flagged", "owner__username")
        )
        by_owner = [
            {
                "owner_id": row["owner_id"],
                "owner": row["owner__name"] or row["owner__username"],
                "flagged": row["flagged"],
                "critical": row["critical"],
                "warn": row["warn"],
                "info": row["info"],
            }
            for row in owners
        ]
        if count:
            page = (
                annotated.filter(listed_condition)
                .select_related("customer", "owner", "stage")
                .order_by(F(RANK_FIELD).desc(), F("sign_date").asc(nulls_last=True), "id")[
                    offset : offset + limit
                ]
            )
            items = engine.attach(list(page))
    return {
        "rules": [r.row for r in rules],
        "by_rule": by_rule,
        "by_owner": by_owner,
        "count": count,
        "items": items,
        "offset": offset,
        "limit": limit,
    }


def opportunity_health(
    user: User, pk: int, *, now: dt.datetime | None = None
) -> tuple[Opportunity, list[Flag]]:
    """One opportunity the user may see (404 otherwise) and its flags."""
    opportunity = get_visible_opportunity(
        user, pk, queryset=Opportunity.objects.select_related("stage", "owner", "customer")
    )
    return opportunity, HealthEngine(now).flags_for([opportunity]).get(opportunity.pk, [])

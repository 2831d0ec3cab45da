"""Pipeline health rules: each a condition over open opportunities, evaluated in SQL, explained in one line each.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
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
from django.utils.translation import gettext as _

from kam.insights.health.norms import STAGE_TOO_LONG, STAGE_TOO_LONG_DEFAULTS, load_stage_norms
from kam.insights.models import SEVERITY_RANK, HealthRule
from kam.opportunities.models import (
    OpportunityChange,
    OpportunityContact,
)

if TYPE_CHECKING:
    from kam.insights.health.engine import HealthEngine

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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        """What the explanation says, as JSON values (dates as ISO text): stored with the flag, so
        a page explains a stored flag in the reader's language without the rules' facts. Nothing
        here depends on the clock: the days since a date are counted when the flag is read."""
        raise NotImplementedError

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        """The one-line explanation from `facts`, on `today` / at `now`."""
        raise NotImplementedError

    def explain(self, row: dict[str, Any]) -> str:
        return self.describe(self.facts(row), self.engine.today, self.engine.now)

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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"sign_date": row["sign_date"].isoformat()}

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        date = dt.date.fromisoformat(facts["sign_date"])
        return _("sign date %(date)s passed %(days)s days ago but the opportunity is still open") % {
            "date": date.isoformat(),
            "days": (today - date).days,
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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"sign_date": row["sign_date"].isoformat(), "stage": _stage(row)}

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        date = dt.date.fromisoformat(facts["sign_date"])
        return _("sign date %(date)s is %(days)s days away but stage is %(stage)s") % {
            "date": date.isoformat(),
            "days": (date - today).days,
            "stage": facts["stage"],
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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"stage": _stage(row), "level": row["h_dm_level"], "needed": self.int_threshold("min_level")}

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        if facts["level"] is None:
            return _("stage is %(stage)s but no decision maker is known") % {"stage": facts["stage"]}
        return _(
            "stage is %(stage)s but the best decision maker relationship is CR%(level)s (CR%(needed)s needed)"
        ) % {"stage": facts["stage"], "level": facts["level"], "needed": facts["needed"]}


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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        role, _sep, name = row["h_opposing"].partition("|")
        return {"stage": _stage(row), "role": role, "name": name}

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        return _("stage is %(stage)s and %(role)s %(name)s opposes") % {
            "stage": facts["stage"],
            "role": str(DecisionRole(facts["role"]).label).lower(),
            "name": facts["name"],
        }


@register
class NoUpdate(Rule):
    """No activity with the deal for too long: its last touch (the latest done activity logged on
    it, kept by kam.activities), or its creation when nothing was logged yet."""

    code = "no_update"
    defaults = {"days_by_stage": {}, "default_days": 30}

    def _days_for(self, stage_code: str) -> int:
        by_stage = self.thresholds.get("days_by_stage") or {}
        return int(by_stage.get(stage_code, self.thresholds["default_days"]))

    def annotations(self) -> dict[str, Any]:
        return {"h_last_touch": Coalesce(F("last_touch_at"), F("created_at"))}

    def annotations_after(self) -> dict[str, Any]:
        now = self.engine.now
        whens = [
            When(h_stage_code=code, then=Value(now - dt.timedelta(days=int(days)), DateTimeField()))
            for code, days in (self.thresholds.get("days_by_stage") or {}).items()
        ]
        default = Value(now - dt.timedelta(days=int(self.thresholds["default_days"])), DateTimeField())
        return {"h_update_cutoff": Case(*whens, default=default, output_field=DateTimeField())}

    def condition(self) -> Q:
        return Q(h_last_touch__lt=F("h_update_cutoff"))

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "last_touch": row["h_last_touch"].isoformat(),
            "limit": self._days_for(_stage(row)),
            "stage": _stage(row),
        }

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        # Flags stored before activities existed name the deal's last update instead.
        since = facts.get("last_touch") or facts["updated_at"]
        return _("no activity for %(days)s days (more than %(limit)s allowed in %(stage)s)") % {
            "days": _days(now - dt.datetime.fromisoformat(since)),
            "limit": facts["limit"],
            "stage": facts["stage"],
        }


@register
class StageTooLong(Rule):
    code = STAGE_TOO_LONG
    defaults = STAGE_TOO_LONG_DEFAULTS

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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        seconds, scope = self.norms.norm(row["h_team"], row["stage_id"])
        return {
            "stage": _stage(row),
            "since": row["h_in_stage_since"].isoformat(),
            "norm": math.ceil(seconds / 86400) if seconds else 0,
            "percentile": self.int_threshold("percentile"),
            "scope": scope,
        }

    @classmethod
    def describe(cls, stored: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        facts = {
            "stage": stored["stage"],
            "days": _days(now - dt.datetime.fromisoformat(stored["since"])),
            "norm": stored["norm"],
            "percentile": stored["percentile"],
        }
        if stored["scope"] == "team":
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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        missing = []
        if row["amount"] is None and (row["amount_low"] is None or row["amount_high"] is None):
            missing.append("amount")
        if row["sign_date"] is None:
            missing.append("sign_date")
        return {"missing": missing}

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        names = {"amount": _("amount"), "sign_date": _("sign date")}
        return _("missing: %(elements)s") % {"elements": ", ".join(str(names[m]) for m in facts["missing"])}


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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"dates": row["h_date_slips"], "amounts": row["h_amount_slips"]}

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        return _(
            "slipped %(count)s times: sign date moved later %(dates)s times, amount lowered %(amounts)s times"
        ) % {"count": facts["dates"] + facts["amounts"], "dates": facts["dates"], "amounts": facts["amounts"]}


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

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"stage": _stage(row), "count": row["h_contacts"]}

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        return _("stage is %(stage)s but only %(count)s contact is known on the customer side") % {
            "stage": facts["stage"],
            "count": facts["count"],
        }

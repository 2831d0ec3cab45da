"""The weak-strategy-checklist rule: a late-stage deal with a checklist section answered below the
minimum completeness (kam.planning.checklists: yes 1, partly ½, no or unanswered 0, over the
questions that apply at the deal's stage).

One fact per deal, in SQL: the weak sections as one text, each "order␟name␟English name␟points␟
questions" (points in halves), joined by the database's string aggregate over a per-section
grouping. The names travel with the flag, so a stored flag is explained in the reader's language
without reading the checklist again. Only late-stage deals compute it (a CASE around it), and
by default only deals whose checklist someone has started."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _

from kam.core.bilingual import in_english
from kam.insights.health.rules import Rule, register
from kam.planning.checklists.models import ChecklistAnswer, ChecklistQuestion, half_points

FIELD_SEP = "\x1f"
ITEM_SEP = "\x1e"


class WeakSections(Subquery):
    """The items of a grouped subquery joined into one text by the database's string aggregate:
    `(SELECT agg(item) FROM (<grouped>) weak)`; NULL when no row is weak."""

    sqlite = "(SELECT GROUP_CONCAT(weak.item, char(30)) FROM (%(subquery)s) weak)"
    postgresql = "(SELECT STRING_AGG(weak.item, chr(30)) FROM (%(subquery)s) weak)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=self.sqlite, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=self.postgresql, **extra)


def _joined(*parts: Any) -> Func:
    """The parts as text, FIELD_SEP between them, as one flat `a || sep || b …`: Concat nests a
    pair per part, and SQLite's parser has a depth limit the health rank's CASE comes near."""
    pieces: list[Any] = []
    for part in parts:
        if pieces:
            pieces.append(Value(FIELD_SEP, output_field=TextField()))
        pieces.append(Cast(part, TextField()))
    return Func(*pieces, template="(%(expressions)s)", arg_joiner=" || ", output_field=TextField())


def weak_sections(min_percent: int) -> WeakSections:
    """Over the outer opportunity (`pk`, `stage_id`): its sections below `min_percent`."""
    points = Coalesce(
        Subquery(
            ChecklistAnswer.objects.filter(
                question_id=OuterRef("pk"), opportunity_id=OuterRef(OuterRef("pk"))
            )
            .annotate(p=half_points())
            .values("p")[:1],
            output_field=IntegerField(),
        ),
        0,
    )

    grouped = (
        ChecklistQuestion.objects.applicable(OuterRef("stage_id"))
        .order_by()
        .annotate(p=points)
        .values("section_id", "section__order", "section__name", "section__name_en")
        .annotate(got=Sum("p"), total=Count("id"))
        # Below the minimum: got / (2 · total) < min %, kept in integers.
        .alias(scaled=F("got") * 100)
        .filter(scaled__lt=F("total") * (2 * min_percent))
        .annotate(
            item=_joined(F("section__order"), F("section__name"), F("section__name_en"), F("got"), F("total"))
        )
        .values("item")
    )
    return WeakSections(grouped, output_field=TextField())


def parse(joined: str) -> list[dict[str, Any]]:
    """The fact's sections in their order, each with its names and completeness (%)."""
    sections: list[dict[str, Any]] = []
    for item in joined.split(ITEM_SEP):
        parts = item.split(FIELD_SEP)
        if len(parts) != 5:
            continue
        order, name, name_en, got, total = parts
        # Floored, so a weak section never shows the minimum itself.
        percent = int(got) * 50 // int(total) if int(total) else 0
        sections.append({"order": int(order), "name": name, "name_en": name_en, "percent": percent})
    sections.sort(key=lambda s: s["order"])
    return sections


@register
class WeakChecklist(Rule):
    code = "weak_checklist"
    decided_in_python = True
    defaults = {"min_stage_order": 4, "min_percent": 60, "unanswered_is_weak": False}

    def annotations(self) -> dict[str, Any]:
        min_stage_order, min_percent = self.int_thresholds("min_stage_order", "min_percent")
        applies = Q(stage__order__gte=min_stage_order)
        if not self.thresholds.get("unanswered_is_weak"):
            applies &= Q(Exists(ChecklistAnswer.objects.filter(opportunity_id=OuterRef("pk"))))
        return {
            "h_weak_sections": Case(
                When(applies, then=weak_sections(min_percent)), default=None, output_field=TextField()
            )
        }

    def condition(self) -> Q:
        return Q(
            h_stage_order__gte=self.int_threshold("min_stage_order"), h_weak_sections__isnull=False
        ) & ~Q(h_weak_sections="")

    def matches(self, row: dict[str, Any]) -> bool:
        return row["h_stage_order"] >= self.int_thresholds("min_stage_order")[0] and bool(
            row["h_weak_sections"]
        )

    def facts(self, row: dict[str, Any]) -> dict[str, Any]:
        sections = [
            {"name": s["name"], "name_en": s["name_en"], "percent": s["percent"]}
            for s in parse(row["h_weak_sections"])
        ]
        return {
            "stage": row["h_stage_code"],
            "min_percent": self.int_threshold("min_percent"),
            "sections": sections,
        }

    @classmethod
    def describe(cls, facts: dict[str, Any], today: dt.date, now: dt.datetime) -> str:
        english = in_english()
        named = ", ".join(
            _("%(section)s %(percent)s %%")
            % {"section": (s["name_en"] if english and s["name_en"] else s["name"]), "percent": s["percent"]}
            for s in facts["sections"]
        )
        return _("stage is %(stage)s but the strategy checklist is weak (below %(min)s %%): %(sections)s") % {
            "stage": facts["stage"],
            "min": facts["min_percent"],
            "sections": named,
        }

"""Reads of skills and training: the people a reader may look at (a manager their teams' people, a
director everyone, a rep only themself), the ability × attitude matrix with each cell's treatment,
a person's skills with their gaps, a team's gaps, and training plans. Each read is a fixed number of
queries whatever the number of people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.org.models import Role, Team, User
from kam.org.visibility import team_subtree_ids, visible_users
from kam.team.skills.models import (
    Ability,
    Attitude,
    Placement,
    Skill,
    SkillLevel,
    TrainingItem,
    TrainingStatus,
    Treatment,
)

# The middle of the 1–5 scales: the gap chart's quadrant lines. A value on the line counts as high.
MIDPOINT = 3
HISTORY_LIMIT = 50
ASSESSED_ROLES = (Role.REP, Role.MANAGER)


# People ------------------------------------------------------------------------------------------


def people_for(user: User) -> QuerySet[User]:
    """Whose skills `user` may read: themself, the reps and managers of the teams they manage, every
    rep and manager for a director or an administrator."""
    if not (user.is_authenticated and user.is_active):
        return User.objects.none()
    return (
        visible_users(user)
        .filter(Q(is_active=True, role__in=ASSESSED_ROLES) | Q(pk=user.pk))
        .select_related("team")
        .order_by("team__name", "name", "username")
    )


def assessed_people(user: User, team: Team | None = None) -> QuerySet[User]:
    """The people a page lists: a rep themself; anyone above a rep the people below them (not
    themself: their own manager assesses them). `team` narrows to a team and the teams under it."""
    people = people_for(user)
    if user.role != Role.REP:
        people = people.exclude(pk=user.pk)
    if team is not None:
        people = people.filter(team_id__in=team_subtree_ids([team.pk]))
    return people


def get_visible_person(user: User, pk: Any) -> User:
    """A person whose skills `user` may read; 404 for anyone else (a refusal never tells they exist)."""
    person = people_for(user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def get_visible_training_item(user: User, pk: Any) -> TrainingItem:
    item = (
        TrainingItem.objects.filter(pk=pk, person__in=people_for(user).values("pk"))
        .select_related("skill", "person")
        .first()
    )
    if item is None:
        raise Http404
    return item


def get_skill(pk: Any) -> Skill:
    """Skills are shared vocabulary: everyone signed in reads them."""
    skill = Skill.objects.filter(pk=pk).first()
    if skill is None:
        raise Http404
    return skill


def get_treatment(pk: Any) -> Treatment:
    treatment = Treatment.objects.filter(pk=pk).first()
    if treatment is None:
        raise Http404
    return treatment


# The ability × attitude matrix -------------------------------------------------------------------


@dataclass
class Cell:
    ability: str
    attitude: str
    treatment: Treatment | None
    placements: list[Placement] = field(default_factory=list)

    @property
    def ability_label(self) -> str:
        return str(Ability(self.ability).label)

    @property
    def attitude_label(self) -> str:
        return str(Attitude(self.attitude).label)

    @property
    def key(self) -> str:
        return f"{self.ability}-{self.attitude}"


@dataclass
class Matrix:
    cells: list[Cell]
    unplaced: list[User]

    def rows(self) -> list[list[Cell]]:
        """Willing above, unwilling below; able, can learn, cannot from left to right."""
        return [[c for c in self.cells if c.attitude == attitude] for attitude in Attitude.values]

    def cell_of(self, person_id: int) -> Cell | None:
        return next((c for c in self.cells if any(p.person_id == person_id for p in c.placements)), None)


def treatments() -> dict[tuple[str, str], Treatment]:
    return {(t.ability, t.attitude): t for t in Treatment.objects.all()}


def treatment_of(ability: str, attitude: str) -> Treatment | None:
    return Treatment.objects.filter(ability=ability, attitude=attitude).first()


def matrix(user: User, team: Team | None = None) -> Matrix:
    """The six cells with the people placed in each (their latest placement) and the people not yet
    placed: three queries."""
    people = list(assessed_people(user, team))
    current = {
        p.person_id: p
        for p in Placement.objects.filter(current=True, person__in=[u.pk for u in people]).select_related(
            "set_by"
        )
    }
    by_cell = treatments()
    cells = [
        Cell(ability, attitude, by_cell.get((ability, attitude)))
        for attitude in Attitude.values
        for ability in Ability.values
    ]
    index = {(c.ability, c.attitude): c for c in cells}
    unplaced = []
    for person in people:
        placement = current.get(person.pk)
        if placement is None:
            unplaced.append(person)
            continue
        placement.person = person  # the row already read, with its team
        index[(placement.ability, placement.attitude)].placements.append(placement)
    return Matrix(cells, unplaced)


def current_placement(person: User) -> Placement | None:
    return Placement.objects.filter(person=person, current=True).select_related("set_by").first()


def placement_history(person: User) -> list[Placement]:
    return list(
        Placement.objects.filter(person=person)
        .select_related("set_by")
        .order_by("-on", "-id")[:HISTORY_LIMIT]
    )


# Skills and gaps ---------------------------------------------------------------------------------


class Quadrant:
    """Importance against performance (the level): where training pays first."""

    TRAIN_FIRST = "train_first"
    KEEP_UP = "keep_up"
    LOW_PRIORITY = "low_priority"
    OVERKILL = "overkill"

    @staticmethod
    def labels() -> dict[str, str]:
        return {
            Quadrant.TRAIN_FIRST: _("Train first: important, performed below the middle"),
            Quadrant.KEEP_UP: _("Keep up: important and performed well"),
            Quadrant.LOW_PRIORITY: _("Low priority: less important, performed below the middle"),
            Quadrant.OVERKILL: _("Possible overkill: less important, performed well"),
        }

    @staticmethod
    def of(importance: Decimal | int, level: Decimal | int) -> str:
        important = importance >= MIDPOINT
        performed = level >= MIDPOINT
        if important:
            return Quadrant.KEEP_UP if performed else Quadrant.TRAIN_FIRST
        return Quadrant.OVERKILL if performed else Quadrant.LOW_PRIORITY


@dataclass
class SkillRow:
    """One skill for a person (level: their latest) or a team (level: the average of its people's)."""

    skill: Skill
    level: Decimal | None
    level_on: dt.date | None = None
    assessed: int = 0
    below: int = 0
    open_training: int = 0

    @property
    def importance(self) -> int:
        return self.skill.importance

    @property
    def gap(self) -> Decimal | None:
        """Importance − level: positive where the person falls short of what the skill asks."""
        if self.level is None:
            return None
        return Decimal(self.importance) - self.level

    @property
    def has_gap(self) -> bool:
        return self.gap is not None and self.gap > 0

    @property
    def quadrant(self) -> str | None:
        return None if self.level is None else Quadrant.of(self.importance, self.level)


def _by_gap(rows: list[SkillRow]) -> list[SkillRow]:
    """The largest gap first, then the more important skill; skills without a level last."""
    return sorted(
        rows,
        key=lambda r: (r.gap is None, -(r.gap or 0), -r.importance, r.skill.order, r.skill.pk),
    )


def person_skills(person: User) -> list[SkillRow]:
    """Every skill in use with the person's latest level and the open training on it, ordered by gap:
    one query."""
    current = SkillLevel.objects.filter(person=person, skill=OuterRef("pk"), current=True)
    skills = Skill.objects.filter(active=True).annotate(
        current_level=Subquery(current.values("level")[:1]),
        current_on=Subquery(current.values("on")[:1]),
        open_training=Count(
            "training_items",
            filter=Q(training_items__person=person, training_items__status=TrainingStatus.OPEN),
        ),
    )
    rows = [
        SkillRow(
            skill=s,
            level=None if s.current_level is None else Decimal(s.current_level),  # type: ignore[attr-defined]
            level_on=s.current_on,  # type: ignore[attr-defined]
            assessed=int(s.current_level is not None),  # type: ignore[attr-defined]
            open_training=s.open_training,  # type: ignore[attr-defined]
        )
        for s in skills
    ]
    return _by_gap(rows)


def team_skills(people: QuerySet[User]) -> list[SkillRow]:
    """Per skill, the average of the people's latest levels, how many were assessed and how many
    fall below the skill's importance, ordered by gap: two queries."""
    figures = {
        row["skill"]: row
        for row in SkillLevel.objects.filter(current=True, person__in=people.values("pk"), skill__active=True)
        .values("skill")
        .annotate(
            average=Avg("level"),
            assessed=Count("id"),
            below=Count("id", filter=Q(level__lt=F("skill__importance"))),
        )
        .order_by()
    }
    rows = []
    for skill in Skill.objects.filter(active=True):
        found = figures.get(skill.pk)
        average = None
        if found is not None:
            average = Decimal(str(found["average"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        rows.append(
            SkillRow(
                skill=skill,
                level=average,
                assessed=found["assessed"] if found else 0,
                below=found["below"] if found else 0,
            )
        )
    return _by_gap(rows)


def level_history(person: User) -> list[SkillLevel]:
    return list(
        SkillLevel.objects.filter(person=person)
        .select_related("skill", "set_by")
        .order_by("-on", "-id")[:HISTORY_LIMIT]
    )


def chart_points(rows: list[SkillRow]) -> list[dict[str, Any]]:
    """The gap chart's points: performance (x) against importance (y), assessed skills only."""
    labels = Quadrant.labels()
    return [
        {
            "skill": r.skill.pk,
            "name": r.skill.display_name,
            "importance": r.importance,
            "level": str(r.level),
            "gap": str(r.gap),
            "quadrant": r.quadrant,
            "quadrant_label": labels[r.quadrant],
        }
        for r in rows
        if r.level is not None and r.quadrant is not None
    ]


# Training plans ----------------------------------------------------------------------------------


def is_overdue(item: TrainingItem, today: dt.date | None = None) -> bool:
    return item.status == TrainingStatus.OPEN and item.due < (today or timezone.localdate())


def training_plan(person: User) -> list[TrainingItem]:
    """Open items first by due date, then the done ones; each with `overdue` set."""
    today = timezone.localdate()
    items = list(
        TrainingItem.objects.filter(person=person).select_related("skill").order_by("status", "due", "id")
    )
    for item in items:
        item.overdue = is_overdue(item, today)  # type: ignore[attr-defined]
    return items


def overdue_counts(people: list[User]) -> dict[int, int]:
    """Overdue training items per person, for the matrix and team pages: one query."""
    rows = (
        TrainingItem.objects.filter(
            person__in=[p.pk for p in people], status=TrainingStatus.OPEN, due__lt=timezone.localdate()
        )
        .values("person")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["person"]: row["n"] for row in rows}

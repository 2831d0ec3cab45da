"""The demo's skills: every rep and manager placed in the ability × attitude matrix (a placement
half a year ago and a newer one for some), levels in every skill with some history, and training
plans made from the largest gaps: one item done, one overdue, the rest open."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import QuerySet

from kam.team.skills import seeds, services
from kam.team.skills.models import Placement, Skill, SkillLevel, TrainingItem, TrainingStatus, Treatment

# How far below a skill's importance a person tends to be, by their ability.
SHORTFALL = {"able": (-1, 0, 0, 1), "can_learn": (0, 1, 1, 2), "cannot": (1, 2, 2, 3)}
ABILITIES = ("able", "can_learn", "can_learn", "cannot")
ATTITUDES = ("willing", "willing", "willing", "unwilling")


def _level(importance: int, ability: str, rng: random.Random) -> int:
    return max(1, min(5, importance - rng.choice(SHORTFALL[ability])))


def build(builder: Any, rng: random.Random) -> None:
    # A browser test may have flushed what the migration seeded.
    seeds.seed(Treatment, Skill)
    director = builder.users["demo_director"]
    today: dt.date = builder.today
    skills = list(Skill.objects.filter(active=True))
    people = [(u, director) for name, u in builder.users.items() if name.startswith("demo_manager_")]
    for team in builder.teams:
        if team:
            people += [(rep, builder.manager(team)) for rep in builder.reps(team)]
    for position, (person, manager) in enumerate(people):
        earlier = (rng.choice(ABILITIES), rng.choice(ATTITUDES))
        services.place_person(
            person,
            by=manager,
            ability=earlier[0],
            attitude=earlier[1],
            on=today - dt.timedelta(days=180),
            note="",
        )
        # Half the team were looked at again this quarter; most moved a step up.
        ability = earlier[0]
        if position % 2 == 0:
            ability = {"cannot": "can_learn", "can_learn": rng.choice(("able", "can_learn"))}.get(
                ability, ability
            )
            services.place_person(
                person,
                by=manager,
                ability=ability,
                attitude=rng.choice(ATTITUDES),
                on=today - dt.timedelta(days=rng.randint(5, 40)),
            )
        for skill in skills:
            if rng.random() < 0.4:
                services.set_level(
                    person,
                    skill,
                    by=manager,
                    level=_level(skill.importance, "cannot", rng),
                    on=today - dt.timedelta(days=180),
                )
            services.set_level(
                person,
                skill,
                by=manager,
                level=_level(skill.importance, ability, rng),
                on=today - dt.timedelta(days=rng.randint(5, 60)),
            )
        if person.role != "rep":
            continue
        gaps = [
            (skill.importance - level.level, skill)
            for skill in skills
            for level in SkillLevel.objects.filter(person=person, skill=skill, current=True)
            if level.level < skill.importance
        ]
        gaps.sort(key=lambda g: (-g[0], -g[1].importance, g[1].order))
        for number, (_gap, skill) in enumerate(gaps[:3]):
            item = services.plan_from_gap(
                person, skill, by=manager, due=today + dt.timedelta(days=rng.randint(10, 60))
            )
            if number == 1 and position % 3 == 0:
                # Planned six weeks ago and not done: the plan shows it overdue.
                TrainingItem.objects.filter(pk=item.pk).update(
                    due=today - dt.timedelta(days=rng.randint(3, 20))
                )
            elif number == 2:
                TrainingItem.objects.filter(pk=item.pk).update(
                    status=TrainingStatus.DONE, done_on=today - dt.timedelta(days=rng.randint(1, 9))
                )


def delete(users: QuerySet, customers: QuerySet, deals: QuerySet) -> None:
    TrainingItem.objects.filter(person__in=users).delete()
    SkillLevel.objects.filter(person__in=users).delete()
    Placement.objects.filter(person__in=users).delete()

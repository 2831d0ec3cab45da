"""Skills and training over JSON: the matrix, a person's skills, gaps and training plan, a team's
gaps (the charts draw from these), and the writes through the same services as the pages. Edits of
a training item, a skill or a treatment need If-Match; placements and levels are new history rows."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from kam.access.permissions import may_assess_person
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    RuleViolationOut,
    expected_version,
    refuse_nulls,
    set_etag,
    user_ref,
)
from kam.core.web import current_user
from kam.org.models import Team, User
from kam.org.visibility import visible_teams
from kam.team.skills import selectors, services
from kam.team.skills.models import Skill
from kam.team.skills.schemas import (
    MatrixCellOut,
    PersonSkillsOut,
    PlacementIn,
    PlacementOut,
    SkillGapOut,
    SkillGapsOut,
    SkillLevelIn,
    SkillLevelOut,
    SkillMatrixOut,
    SkillOut,
    SkillUpdateIn,
    TrainingFromGapIn,
    TrainingItemIn,
    TrainingItemOut,
    TrainingItemUpdateIn,
    TreatmentOut,
    TreatmentUpdateIn,
)

router = Router(tags=["team skills"])

# A write on a person the reader sees but may not assess (a rep on themself) is a 403.
PERSON_WRITE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 403: ErrorOut}
GAP_PLAN_ERRORS: dict[int, Any] = {**PERSON_WRITE_ERRORS, 409: RuleViolationOut}
CATALOGUE_WRITE_ERRORS: dict[int, Any] = {**VERSIONED_WRITE_ERRORS, 403: ErrorOut}


def _skill(pk: int) -> Skill:
    skill = Skill.objects.filter(pk=pk).first()
    if skill is None:
        raise ValidationError({"skill": [_("Unknown skill.")]})
    return skill


def _item_out(by: User, item_id: int, response: HttpResponse) -> dict[str, Any]:
    item = selectors.get_visible_training_item(by, item_id)
    set_etag(response, item.version)
    return TrainingItemOut.from_item(item, selectors.is_overdue(item))


def _team(user: User, team_id: int) -> Team:
    team = visible_teams(user).filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


# The catalogue -----------------------------------------------------------------------------------


@router.get("/skills/skills", response=list[SkillOut])
def skills_list_skills(request: HttpRequest) -> list[dict[str, Any]]:
    """Every skill, in use or not, in the catalogue's order."""
    return [SkillOut.from_skill(s) for s in Skill.objects.all()]


@router.patch("/skills/skills/{int:skill_id}", response={200: SkillOut, **CATALOGUE_WRITE_ERRORS})
def skills_update_skill(
    request: HttpRequest, response: HttpResponse, skill_id: int, payload: SkillUpdateIn
) -> Any:
    """Administrators change a skill's names, importance or use. Needs If-Match."""
    by = current_user(request)
    skill = selectors.get_skill(skill_id)
    version = expected_version(request, skill.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("name", "importance", "active"))
    services.update_skill(skill, by=by, version=version, **changes)
    set_etag(response, skill.version)
    return SkillOut.from_skill(skill)


@router.get("/skills/treatments", response=list[TreatmentOut])
def skills_list_treatments(request: HttpRequest) -> list[dict[str, Any]]:
    """The suggested treatment of each of the matrix's six cells."""
    return [TreatmentOut.from_treatment(t) for t in selectors.treatments().values()]


@router.patch("/skills/treatments/{int:treatment_id}", response={200: TreatmentOut, **CATALOGUE_WRITE_ERRORS})
def skills_update_treatment(
    request: HttpRequest, response: HttpResponse, treatment_id: int, payload: TreatmentUpdateIn
) -> Any:
    """Administrators reword a cell's treatment. Needs If-Match."""
    by = current_user(request)
    treatment = selectors.get_treatment(treatment_id)
    version = expected_version(request, treatment.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("advice",))
    services.update_treatment(treatment, by=by, version=version, **changes)
    set_etag(response, treatment.version)
    return TreatmentOut.from_treatment(treatment)


# The matrix --------------------------------------------------------------------------------------


@router.get("/skills/matrix", response={200: SkillMatrixOut, **LIST_ERRORS})
def skills_matrix(request: HttpRequest, team: Id | None = None) -> dict[str, Any]:
    """The six cells with the people the reader may see, each at their latest placement; `team`
    narrows to a team and the teams under it."""
    user = current_user(request)
    grid = selectors.matrix(user, None if team is None else _team(user, team))
    return {
        "cells": [MatrixCellOut.from_cell(cell) for cell in grid.cells],
        "unplaced": [user_ref(p) for p in grid.unplaced],
    }


# A person ----------------------------------------------------------------------------------------


@router.get("/skills/people/{int:user_id}", response={200: PersonSkillsOut, **READ_ERRORS})
def skills_person_skills(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """A person's latest placement and its treatment, their skills by gap and their training plan."""
    by = current_user(request)
    person = selectors.get_visible_person(by, user_id)
    placement = selectors.current_placement(person)
    treatment = None if placement is None else selectors.treatment_of(placement.ability, placement.attitude)
    today = timezone.localdate()
    return {
        "person": user_ref(person),
        "team": None if person.team is None else {"id": person.team.pk, "name": str(person.team)},
        "placement": None if placement is None else PlacementOut.from_placement(placement),
        "treatment": None if treatment is None else TreatmentOut.from_treatment(treatment),
        "gaps": [SkillGapOut.from_row(r) for r in selectors.person_skills(person)],
        "training": [
            TrainingItemOut.from_item(i, selectors.is_overdue(i, today))
            for i in selectors.training_plan(person)
        ],
        "can_assess": may_assess_person(by, person),
    }


@router.get("/skills/people/{int:user_id}/gaps", response={200: SkillGapsOut, **READ_ERRORS})
def skills_person_gaps(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """The gap chart's data for a person: importance against their latest level, per skill."""
    person = selectors.get_visible_person(current_user(request), user_id)
    return {
        "subject": user_ref(person),
        "people": 1,
        "gaps": [SkillGapOut.from_row(r) for r in selectors.person_skills(person)],
        "quadrant_labels": selectors.Quadrant.labels(),
    }


@router.get("/skills/people/{int:user_id}/placements", response={200: list[PlacementOut], **READ_ERRORS})
def skills_placement_history(request: HttpRequest, user_id: int) -> list[dict[str, Any]]:
    """The person's placements, newest first (the last 50)."""
    person = selectors.get_visible_person(current_user(request), user_id)
    return [PlacementOut.from_placement(p) for p in selectors.placement_history(person)]


@router.post("/skills/people/{int:user_id}/placements", response={201: PlacementOut, **PERSON_WRITE_ERRORS})
def skills_place_person(request: HttpRequest, user_id: int, payload: PlacementIn) -> Status:
    """Put the person in a cell of the matrix (their manager, or a director). The earlier placements
    stay as history; the latest by date is current."""
    by = current_user(request)
    person = selectors.get_visible_person(by, user_id)
    placement = services.place_person(
        person,
        by=by,
        ability=payload.ability,
        attitude=payload.attitude,
        on=payload.on or timezone.localdate(),
        note=payload.note,
    )
    return Status(201, PlacementOut.from_placement(placement))


def _level_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "skill": {"id": row.skill.pk, "name": row.skill.display_name},
        "level": row.level,
        "on": row.on,
        "note": row.note,
        "current": row.current,
        "set_by": user_ref(row.set_by),
    }


@router.get("/skills/people/{int:user_id}/levels", response={200: list[SkillLevelOut], **READ_ERRORS})
def skills_level_history(request: HttpRequest, user_id: int) -> list[dict[str, Any]]:
    """The person's skill levels as set over time, newest first (the last 50)."""
    person = selectors.get_visible_person(current_user(request), user_id)
    return [_level_out(row) for row in selectors.level_history(person)]


@router.post("/skills/people/{int:user_id}/levels", response={201: SkillLevelOut, **PERSON_WRITE_ERRORS})
def skills_set_level(request: HttpRequest, user_id: int, payload: SkillLevelIn) -> Status:
    """Record the person's level (1–5) in a skill as of `on`; the latest by date is current."""
    by = current_user(request)
    person = selectors.get_visible_person(by, user_id)
    row = services.set_level(
        person,
        _skill(payload.skill),
        by=by,
        level=payload.level,
        on=payload.on or timezone.localdate(),
        note=payload.note,
    )
    return Status(201, _level_out(row))


# Training plans ----------------------------------------------------------------------------------


@router.post("/skills/people/{int:user_id}/training", response={201: TrainingItemOut, **PERSON_WRITE_ERRORS})
def skills_add_training_item(
    request: HttpRequest, response: HttpResponse, user_id: int, payload: TrainingItemIn
) -> Status:
    by = current_user(request)
    person = selectors.get_visible_person(by, user_id)
    item = services.add_training_item(
        person, by=by, skill=_skill(payload.skill), action=payload.action, due=payload.due
    )
    return Status(201, _item_out(by, item.pk, response))


@router.post(
    "/skills/people/{int:user_id}/training/from-gap", response={201: TrainingItemOut, **GAP_PLAN_ERRORS}
)
def skills_plan_from_gap(
    request: HttpRequest, response: HttpResponse, user_id: int, payload: TrainingFromGapIn
) -> Status:
    """A training item from a skill's gap: refused (409) where there is no gap or an open item on
    the skill already covers it."""
    by = current_user(request)
    person = selectors.get_visible_person(by, user_id)
    item = services.plan_from_gap(
        person, _skill(payload.skill), by=by, action=payload.action, due=payload.due
    )
    return Status(201, _item_out(by, item.pk, response))


@router.patch("/skills/training/{int:item_id}", response={200: TrainingItemOut, **CATALOGUE_WRITE_ERRORS})
def skills_update_training_item(
    request: HttpRequest, response: HttpResponse, item_id: int, payload: TrainingItemUpdateIn
) -> Any:
    """Change the action, the due date or the status (done records today). Needs If-Match."""
    by = current_user(request)
    item = selectors.get_visible_training_item(by, item_id)
    version = expected_version(request, item.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("action", "due", "status"))
    services.update_training_item(item, by=by, version=version, **changes)
    return _item_out(by, item.pk, response)


# A team ------------------------------------------------------------------------------------------


@router.get("/skills/teams/{int:team_id}/gaps", response={200: SkillGapsOut, **READ_ERRORS})
def skills_team_gaps(request: HttpRequest, team_id: int) -> dict[str, Any]:
    """The gap chart's data for a team and the teams under it: importance against the average of
    its people's latest levels, with how many fall below."""
    by = current_user(request)
    team = _team(by, team_id)
    people = selectors.assessed_people(by, team)
    return {
        "subject": {"id": team.pk, "name": str(team)},
        "people": people.count(),
        "gaps": [SkillGapOut.from_row(r) for r in selectors.team_skills(people)],
        "quadrant_labels": selectors.Quadrant.labels(),
    }

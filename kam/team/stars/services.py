"""Every write of star ratings: family assignments, evaluations (create, re-run), adjustments and
publication. Each public function is one transaction and checks who may do it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.permissions import check_adjust, check_manage_evaluation, check_rate_team, may_rate_team
from kam.core.errors import RuleViolation
from kam.core.versioning import require_version, versioned_update
from kam.org.models import Team, User
from kam.org.visibility import team_subtree_ids
from kam.team.stars import engine, metrics
from kam.team.stars.models import (
    STARS,
    Adjustment,
    Evaluation,
    EvaluationStatus,
    FamilyMember,
    PeriodKind,
    Rating,
    RatingValue,
    Scheme,
)

REASON_MAX = 1000


def period_bounds(kind: str, year: int, quarter: int | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of a year, or of one of its quarters."""
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
    if kind == PeriodKind.QUARTER:
        if quarter not in (1, 2, 3, 4):
            raise ValidationError({"quarter": [_("Give a quarter from 1 to 4.")]})
        first = dt.date(year, 3 * (quarter - 1) + 1, 1)
        after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
        return first, after - dt.timedelta(days=1)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# Role families -----------------------------------------------------------------------------------


@transaction.atomic
def assign_family(person: User, family: str, *, by: User) -> FamilyMember:
    """Put a person in a role family (their manager or a director does)."""
    if not may_rate_team(by, person.team) or person.pk == by.pk and not by.sees_everything:
        raise PermissionDenied(_("Only the person's manager or a director assigns the role family."))
    member, _created = FamilyMember.objects.update_or_create(
        user=person, defaults={"family": family, "assigned_by": by}
    )
    return member


@transaction.atomic
def remove_family(person: User, *, by: User) -> None:
    if not may_rate_team(by, person.team):
        raise PermissionDenied(_("Only the person's manager or a director assigns the role family."))
    FamilyMember.objects.filter(user=person).delete()


# Evaluations -------------------------------------------------------------------------------------


def _people(scheme: Scheme, team: Team | None) -> list[User]:
    qs = User.objects.filter(is_active=True, star_family__family=scheme.family)
    if team is not None:
        qs = qs.filter(team_id__in=team_subtree_ids([team.pk]))
    return list(qs.order_by("name", "username"))


def _compute(evaluation: Evaluation, people: list[User]) -> dict[int, engine.Result]:
    scheme = evaluation.scheme
    criteria = list(scheme.criteria.prefetch_related("thresholds").order_by("order", "id"))
    rules = [
        engine.CriterionRule(c.metric, c.weight, {t.star: t.min_value for t in c.thresholds.all()})
        for c in criteria
    ]
    min_points = {level.star: level.min_points for level in scheme.levels.all()}
    values = metrics.compute(
        [c.metric for c in criteria], [p.pk for p in people], evaluation.period_start, evaluation.period_end
    )
    return {
        person.pk: engine.combine(
            scheme.rule, rules, {metric: values[metric][person.pk] for metric in values}, min_points
        )
        for person in people
    }


def _write_values(evaluation: Evaluation, results: dict[int, engine.Result]) -> None:
    """Every rating's criterion values, replaced in two statements whatever the number of people."""
    criteria_ids = dict(evaluation.scheme.criteria.values_list("metric", "id"))
    RatingValue.objects.filter(rating__evaluation=evaluation).delete()
    RatingValue.objects.bulk_create(
        RatingValue(
            rating_id=rating_id,
            criterion_id=criteria_ids[r.metric],
            metric=r.metric,
            value=r.value,
            star=r.star,
            points=r.points,
        )
        for rating_id, user_id in evaluation.ratings.values_list("pk", "user_id")
        for r in results[user_id].criteria
    )


@transaction.atomic
def create_evaluation(
    scheme: Scheme, *, by: User, period_start: dt.date, period_end: dt.date, team: Team | None = None
) -> Evaluation:
    """Rate everyone of the scheme's family (in the team's subtree) over the period: a draft
    rating per person with each criterion's value and the level it reaches."""
    check_rate_team(by, team)
    if not scheme.active:
        raise RuleViolation(_("This scheme is retired; evaluate with the family's active scheme."))
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The period ends before it starts.")]})
    evaluation = Evaluation.objects.create(
        scheme=scheme, team=team, period_start=period_start, period_end=period_end, created_by=by
    )
    people = _people(scheme, team)
    results = _compute(evaluation, people)
    effective = period_end + dt.timedelta(days=1)
    Rating.objects.bulk_create(
        Rating(
            evaluation=evaluation,
            user=person,
            team_id=person.team_id,
            proposed_star=results[person.pk].star,
            final_star=results[person.pk].star,
            points=results[person.pk].points,
            effective_from=effective,
        )
        for person in people
    )
    _write_values(evaluation, results)
    return evaluation


@transaction.atomic
def rerun_evaluation(evaluation: Evaluation, *, by: User, version: int | None) -> Evaluation:
    """Compute a draft again from today's data: new people of the family join, those who left go,
    proposed levels follow the data; a level a manager adjusted stays as adjusted."""
    check_manage_evaluation(by, evaluation)
    evaluation = Evaluation.objects.select_for_update().select_related("scheme").get(pk=evaluation.pk)
    require_version(evaluation, version)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise RuleViolation(_("A published evaluation is history: start a new one."))
    people = _people(evaluation.scheme, evaluation.team)
    results = _compute(evaluation, people)
    existing = {r.user_id: r for r in evaluation.ratings.all()}
    Rating.objects.filter(evaluation=evaluation).exclude(user_id__in=[p.pk for p in people]).delete()
    effective = evaluation.period_end + dt.timedelta(days=1)
    for person in people:
        result = results[person.pk]
        rating = existing.get(person.pk)
        if rating is None:
            rating = Rating.objects.create(
                evaluation=evaluation,
                user=person,
                team_id=person.team_id,
                proposed_star=result.star,
                final_star=result.star,
                points=result.points,
                effective_from=effective,
            )
        else:
            final = rating.final_star if rating.adjusted else result.star
            versioned_update(
                rating,
                None,
                proposed_star=result.star,
                final_star=final,
                points=result.points,
                team_id=person.team_id,
            )
    _write_values(evaluation, results)
    # The rows beneath changed: a client holding the old version must reload them.
    Evaluation.objects.filter(pk=evaluation.pk).update(version=F("version") + 1)
    evaluation.refresh_from_db()
    return evaluation


@transaction.atomic
def adjust_rating(rating: Rating, *, by: User, version: int | None, star: int, reason: str) -> Rating:
    """Set a draft rating's final level; the reason is required and kept with the proposed level."""
    check_adjust(by, rating)
    rating = Rating.objects.select_for_update().select_related("evaluation").get(pk=rating.pk)
    require_version(rating, version)
    if rating.evaluation.status != EvaluationStatus.DRAFT:
        raise RuleViolation(_("A published rating is history and cannot change."))
    errors: dict[str, list[str]] = {}
    if star not in (0, *STARS):
        errors["star"] = [_("Give a level from 0 to 5.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the level differs from the proposal.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": REASON_MAX}]
    if errors:
        raise ValidationError(errors)
    if star == rating.final_star:
        return rating
    Adjustment.objects.create(rating=rating, from_star=rating.final_star, to_star=star, reason=reason, by=by)
    versioned_update(
        rating,
        version,
        final_star=star,
        reason=reason if star != rating.proposed_star else "",
        adjusted_by=by,
        adjusted_at=timezone.now(),
    )
    return rating


@transaction.atomic
def publish_evaluation(evaluation: Evaluation, *, by: User, version: int | None) -> Evaluation:
    """Publish every rating of the evaluation: they become history, and each supersedes the
    person's earlier published ratings that took effect on or before it."""
    check_manage_evaluation(by, evaluation)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    require_version(evaluation, version)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise RuleViolation(_("This evaluation is already published."))
    now = timezone.now()
    effective = evaluation.period_end + dt.timedelta(days=1)
    for rating in evaluation.ratings.all():
        Rating.objects.filter(
            user_id=rating.user_id,
            published_at__isnull=False,
            superseded_by__isnull=True,
            effective_from__lte=effective,
        ).update(superseded_by=rating)
    evaluation.ratings.update(published_at=now)
    versioned_update(
        evaluation, version, status=EvaluationStatus.PUBLISHED, published_at=now, published_by=by
    )
    return evaluation

"""Who sees and decides commission: a person sees their own statements, a manager those of the
people in the managed team subtree, directors and administrators everyone's. Statements are computed
and approved by someone above the person; plans are set by directors and administrators; a deal's
split by its owner or someone above the owner. Local to commission: kam.access sits below team."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kam.opportunities.models import Opportunity
from kam.org.models import Role, User
from kam.org.visibility import managed_team_ids, visible_users
from kam.team.commission.models import CommissionPlan, Statement


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def manages(by: User, person: User) -> bool:
    """`by` is above `person`: a director or administrator, or the manager of the person's team subtree."""
    if not _active(by):
        return False
    if by.sees_everything:
        return True
    return by.role == Role.MANAGER and person.team_id is not None and person.team_id in managed_team_ids(by)


def statements_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    qs = Statement.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(person__in=visible_users(user).values("pk"))


def get_visible_statement(user: User, pk: Any, *, for_update: bool = False) -> Statement:
    qs = statements_for(user, Statement.objects.select_related("person", "plan", "approved_by", "previous"))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


def get_visible_plan(user: User, pk: Any) -> CommissionPlan:
    """Plans are the company's rules: everyone signed in reads them."""
    if not _active(user):
        raise PermissionDenied
    return get_object_or_404(CommissionPlan, pk=pk)


def may_edit_plans(user: User) -> bool:
    return _active(user) and user.sees_everything


def check_edit_plans(user: User) -> None:
    if not may_edit_plans(user):
        raise PermissionDenied(_("Only directors and administrators change commission plans."))


def may_compute_statement(by: User, person: User) -> bool:
    return by.pk != person.pk and manages(by, person)


def check_compute_statement(by: User, person: User) -> None:
    if not may_compute_statement(by, person):
        raise PermissionDenied(_("Only this person's manager computes their commission statement."))


def may_submit_statement(by: User, statement: Statement) -> bool:
    return _active(by) and (by.pk == statement.person_id or manages(by, statement.person))


def check_submit_statement(by: User, statement: Statement) -> None:
    if not may_submit_statement(by, statement):
        raise PermissionDenied(_("Only the person or their manager submits a statement."))


def may_approve_statement(by: User, statement: Statement) -> bool:
    return by.pk != statement.person_id and manages(by, statement.person)


def check_approve_statement(by: User, statement: Statement) -> None:
    if not may_approve_statement(by, statement):
        raise PermissionDenied(_("Only the person's manager approves or returns their statement."))


def may_set_split(by: User, opportunity: Opportunity) -> bool:
    return _active(by) and (by.pk == opportunity.owner_id or manages(by, opportunity.owner))


def check_set_split(by: User, opportunity: Opportunity) -> None:
    if not may_set_split(by, opportunity):
        raise PermissionDenied(_("Only the deal's owner or their manager sets the split."))


def visible_people(user: User) -> QuerySet[User]:
    return visible_users(user).filter(is_active=True).order_by("username")

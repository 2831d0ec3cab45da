"""What a user may do: every `may_<verb>_<thing>` decision, and its refusal.

Services enforce these (`check_*` raises PermissionDenied with the message people read); views and
the API ask `may_*` to decide what to show (a button, a form) and never restate the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kam.customers.models import Customer, Tag, TagKind
from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids
from kam.planning.accountplans.models import AccountPlan, PlanMember

if TYPE_CHECKING:
    from kam.activities.models import Plan
    from kam.opportunities.models import Opportunity
    from kam.team.commission.models import Statement
    from kam.team.contests.models import Contest
    from kam.team.stars.models import Evaluation, Rating

MANAGERS_AND_ABOVE = (Role.MANAGER, Role.DIRECTOR, Role.ADMIN)


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


# Signing in ----------------------------------------------------------------------------------------


def must_use_mfa(user: User) -> bool:
    """With KAM_REQUIRE_MFA on, administrators and directors sign in with a second factor: they see
    everything, so their password alone is not enough."""
    return (
        bool(settings.KAM_REQUIRE_MFA)
        and _active(user)
        and (user.is_superuser or user.role in (Role.DIRECTOR, Role.ADMIN))
    )


# Customers and their tiers -----------------------------------------------------------------------


def may_override_tier(user: User) -> bool:
    """Managers and above override tiers (of customers they can see); reps propose, they decide."""
    return _active(user) and (user.is_superuser or user.role in MANAGERS_AND_ABOVE)


def check_override_tier(user: User) -> None:
    if not may_override_tier(user):
        raise PermissionDenied(_("Only a manager can override a customer's tier."))


def may_hand_over_customer(user: User, customer: Customer) -> bool:
    """The owner decides who takes a customer over, and managers above them; a rep who sees the
    customer through a deal team edits it but does not take it."""
    return _active(user) and (user.pk == customer.owner_id or may_override_tier(user))


def may_decide_pool_return(user: User, customer: Customer) -> bool:
    """A key customer returns to the public pool only when a manager of its owner (or a director or
    administrator) approves; the owner does not decide about their own customer."""
    if not _active(user) or user.pk == customer.owner_id:
        return False
    if user.sees_everything:
        return True
    teams = managed_team_ids(user)
    return bool(teams) and customer.owner.team_id in teams


def check_decide_pool_return(user: User, customer: Customer) -> None:
    if not may_decide_pool_return(user, customer):
        raise PermissionDenied(
            _("Only a manager of the customer's owner decides whether it returns to the pool.")
        )


def may_claim_from_pool(user: User, customer: Customer) -> bool:
    """Anyone signed in claims a pooled customer (within the claim limit, checked when claiming)."""
    return _active(user) and customer.in_pool


def check_claim_from_pool(user: User, customer: Customer) -> None:
    if not may_claim_from_pool(user, customer):
        raise PermissionDenied(_("This customer is not in the pool."))


def may_edit_scoring_model(user: User) -> bool:
    return _active(user) and (user.is_superuser or user.role == Role.ADMIN)


def check_edit_scoring_model(user: User) -> None:
    if not may_edit_scoring_model(user):
        raise PermissionDenied(_("Only an administrator changes the scoring model."))


# Tags --------------------------------------------------------------------------------------------


def may_manage_dynamic_tags(user: User) -> bool:
    """A dynamic tag changes what everyone sees in their lists: managers and above define them."""
    return _active(user) and (user.is_superuser or user.role in MANAGERS_AND_ABOVE)


def may_create_tag(user: User, kind: str) -> bool:
    if not _active(user):
        return False
    return kind == TagKind.STATIC or may_manage_dynamic_tags(user)


def check_create_tag(user: User, kind: str) -> None:
    if not may_create_tag(user, kind):
        raise PermissionDenied(_("Only managers and above define dynamic tags."))


def may_change_tag(user: User, tag: Tag) -> bool:
    """Managers and above change any tag; a rep changes the static tags they created."""
    if not _active(user):
        return False
    if may_manage_dynamic_tags(user):
        return True
    return tag.kind == TagKind.STATIC and tag.created_by_id == user.pk


def check_change_tag(user: User, tag: Tag) -> None:
    if not may_change_tag(user, tag):
        raise PermissionDenied(_("Only managers and above, or the rep who made a static tag, change it."))


def check_delete_tag(user: User, tag: Tag) -> None:
    if not may_change_tag(user, tag):
        raise PermissionDenied(_("Only managers and above, or the rep who made a static tag, delete it."))


# Targets -----------------------------------------------------------------------------------------


def may_set_targets(user: User) -> bool:
    return _active(user) and (user.sees_everything or user.role == Role.MANAGER)


def check_set_targets(user: User) -> None:
    if not may_set_targets(user):
        raise PermissionDenied(_("Only managers, directors and administrators set targets."))


def may_set_target(by: User, *, user: User | None = None, team: Team | None = None) -> bool:
    """A target of this person or team: directors any, managers those in their subtree."""
    if not may_set_targets(by):
        return False
    if by.sees_everything:
        return True
    teams = managed_team_ids(by)
    if team is not None:
        return team.pk in teams
    if user is not None:
        return user.team_id in teams
    return False


def check_change_target(by: User, *, user: User | None = None, team: Team | None = None) -> None:
    if not may_set_target(by, user=user, team=team):
        raise PermissionDenied(_("You may not change this target."))


def check_delete_target(by: User, *, user: User | None = None, team: Team | None = None) -> None:
    if not may_set_target(by, user=user, team=team):
        raise PermissionDenied(_("You may not delete this target."))


# The audit trail and erasure -----------------------------------------------------------------------


def may_view_audit(user: User) -> bool:
    """Every change across kam, of every record: administrators and directors (who see everything)."""
    return _active(user) and (user.is_superuser or user.sees_everything)


def check_view_audit(user: User) -> None:
    if not may_view_audit(user):
        raise PermissionDenied(_("Only administrators and directors read the audit trail."))


def may_erase_contact(user: User) -> bool:
    """Erasing a person's data on their request cannot be undone: administrators only."""
    return _active(user) and (user.is_superuser or user.role == Role.ADMIN)


def check_erase_contact(user: User) -> None:
    if not may_erase_contact(user):
        raise PermissionDenied(_("Only an administrator erases a person's data."))


# Bulk imports --------------------------------------------------------------------------------------


def may_import(user: User) -> bool:
    """Importing customers, contacts and deals from a file writes many records at once: managers and above."""
    return _active(user) and (user.is_superuser or user.role in MANAGERS_AND_ABOVE)


def check_import(user: User) -> None:
    if not may_import(user):
        raise PermissionDenied(_("Only managers, directors and administrators import data."))


# Weekly and monthly plans, visit policy, selling capacity ------------------------------------------


def may_edit_plan(user: User, plan: Plan) -> bool:
    """A plan is its owner's own commitment: only they change its goals and planned activities."""
    return _active(user) and user.pk == plan.owner_id


def check_edit_plan(user: User, plan: Plan) -> None:
    if not may_edit_plan(user, plan):
        raise PermissionDenied(_("Only the plan's owner changes it."))


def _manages(by: User, person: User) -> bool:
    """`by` is above `person`: a director or administrator, or the manager of the person's team subtree."""
    if by.sees_everything:
        return True
    return by.role == Role.MANAGER and person.team_id is not None and person.team_id in managed_team_ids(by)


def may_comment_plan(user: User, plan: Plan) -> bool:
    """A manager (or a director) comments on the plans of the people below them; the owner reads."""
    return _active(user) and user.pk != plan.owner_id and _manages(user, plan.owner)


def check_comment_plan(user: User, plan: Plan) -> None:
    if not may_comment_plan(user, plan):
        raise PermissionDenied(_("Only the owner's manager comments on a plan."))


def may_edit_visit_policy(user: User) -> bool:
    """Visit frequencies set every rep's workload: managers and above decide them."""
    return _active(user) and (user.is_superuser or user.role in MANAGERS_AND_ABOVE)


def check_edit_visit_policy(user: User) -> None:
    if not may_edit_visit_policy(user):
        raise PermissionDenied(_("Only managers, directors and administrators change the visit policy."))


def may_set_selling_capacity(by: User, person: User) -> bool:
    """A person's selling hours are set by their manager (or a director), not by themself."""
    return _active(by) and by.pk != person.pk and _manages(by, person)


def check_set_selling_capacity(by: User, person: User) -> None:
    if not may_set_selling_capacity(by, person):
        raise PermissionDenied(_("Only this person's manager sets their selling hours."))


# 1×5 process metrics -------------------------------------------------------------------------------


def may_edit_process_metrics(user: User) -> bool:
    """The quantified actions every rep is assessed on: managers and above define them."""
    return _active(user) and (user.is_superuser or user.role in MANAGERS_AND_ABOVE)


def check_edit_process_metrics(user: User) -> None:
    if not may_edit_process_metrics(user):
        raise PermissionDenied(_("Only managers, directors and administrators define the process metrics."))


# Account plans (kam.planning.accountplans) --------------------------------------------------------


def may_edit_planning_cycle(user: User) -> bool:
    """Management sets the planning round's timetable: directors and administrators."""
    return bool(user.is_active and user.sees_everything)


def may_create_account_plan(user: User, customer: Customer) -> bool:
    """A plan is written by those who see the customer as theirs (not from the public pool)."""
    from kam.access.visibility import customers_for

    if customer.in_pool:
        return False
    return customers_for(user, Customer.objects.filter(pk=customer.pk)).exists()


def may_edit_account_plan(user: User, plan: AccountPlan) -> bool:
    """Whoever may see the plan's customer, and the plan's owner and members."""
    from kam.access.visibility import customers_for

    if not user.is_active:
        return False
    if plan.owner_id == user.pk:
        return True
    if customers_for(user).filter(pk=plan.customer_id).exists():
        return True
    return PlanMember.objects.filter(plan_id=plan.pk, user_id=user.pk).exists()


# Notification channels (kam.notifications.channels) -----------------------------------------------


def may_configure_team_channels(user: User, team: Team | None = None) -> bool:
    """A team's group robots are set up by its manager (a team they manage), or by a director or
    administrator; without `team`, whether the user configures any team's robots at all."""
    if not _active(user):
        return False
    if user.sees_everything:
        return True
    teams = managed_team_ids(user)
    return bool(teams) and (team is None or team.pk in teams)


def check_configure_team_channels(user: User, team: Team | None = None) -> None:
    if not may_configure_team_channels(user, team):
        raise PermissionDenied(_("Only a manager of the team configures its group robots."))


def may_open_team_channels(user: User) -> bool:
    """Whether the group robots page is offered (the top bar's link): managers and above. Which
    teams' robots is `may_configure_team_channels`'s question, asked on the page."""
    return _active(user) and (user.sees_everything or user.role == Role.MANAGER)


def may_view_delivery_log(user: User) -> bool:
    """The delivery log is read by managers and above (it shows their teams' sends)."""
    return _active(user) and (user.sees_everything or bool(managed_team_ids(user)))


# Skills and training (kam.team.skills) -------------------------------------------------------------


def may_assess_person(by: User, person: User) -> bool:
    """A person's place in the ability × attitude matrix, their skill levels and training plan are
    set by their manager (or a director), never by themself: a rep reads their own."""
    return _active(by) and by.pk != person.pk and _manages(by, person)


def check_assess_person(by: User, person: User) -> None:
    if not may_assess_person(by, person):
        raise PermissionDenied(
            _("Only this person's manager assesses their skills and plans their training.")
        )


def may_edit_skill_catalogue(user: User) -> bool:
    """Skills, their importance and the matrix's treatments are shared data administrators keep."""
    return _active(user) and (user.is_superuser or user.role == Role.ADMIN)


def check_edit_skill_catalogue(user: User) -> None:
    if not may_edit_skill_catalogue(user):
        raise PermissionDenied(_("Only administrators change the skills and the treatments."))


# Win probability (kam.insights.learning.winprob) ---------------------------------------------------


def may_view_models(user: User) -> bool:
    """The backtest and the model versions read every closed deal: administrators and directors."""
    return may_view_audit(user)


# Commission (kam.team.commission) ------------------------------------------------------------------


def may_edit_plans(user: User) -> bool:
    """Commission plans are the company's rules: directors and administrators set them."""
    return _active(user) and user.sees_everything


def check_edit_plans(user: User) -> None:
    if not may_edit_plans(user):
        raise PermissionDenied(_("Only directors and administrators change commission plans."))


def may_compute_statement(by: User, person: User) -> bool:
    """A statement is computed by someone above the person, never by the person."""
    return _active(by) and by.pk != person.pk and _manages(by, person)


def check_compute_statement(by: User, person: User) -> None:
    if not may_compute_statement(by, person):
        raise PermissionDenied(_("Only this person's manager computes their commission statement."))


def may_submit_statement(by: User, statement: Statement) -> bool:
    return _active(by) and (by.pk == statement.person_id or _manages(by, statement.person))


def check_submit_statement(by: User, statement: Statement) -> None:
    if not may_submit_statement(by, statement):
        raise PermissionDenied(_("Only the person or their manager submits a statement."))


def may_approve_statement(by: User, statement: Statement) -> bool:
    return _active(by) and by.pk != statement.person_id and _manages(by, statement.person)


def check_approve_statement(by: User, statement: Statement) -> None:
    if not may_approve_statement(by, statement):
        raise PermissionDenied(_("Only the person's manager approves or returns their statement."))


def may_set_split(by: User, opportunity: Opportunity) -> bool:
    """A deal's split among its team: its owner, or someone above the owner."""
    return _active(by) and (by.pk == opportunity.owner_id or _manages(by, opportunity.owner))


def check_set_split(by: User, opportunity: Opportunity) -> None:
    if not may_set_split(by, opportunity):
        raise PermissionDenied(_("Only the deal's owner or their manager sets the split."))


# Contests (kam.team.contests) ----------------------------------------------------------------------


def may_create_contest(user: User) -> bool:
    return bool(user.is_active and (user.sees_everything or managed_team_ids(user)))


def may_edit_contest(user: User, contest: Contest) -> bool:
    return bool(user.is_active and (user.sees_everything or contest.created_by_id == user.pk))


def may_run_for(user: User, *, people: list[User], teams: list[Team]) -> bool:
    """A manager runs contests for the teams they manage and the people in them."""
    if user.sees_everything:
        return True
    managed = managed_team_ids(user)
    return all(team.pk in managed for team in teams) and all(
        person.team_id in managed or person.pk == user.pk for person in people
    )


# Playbook and certification (kam.team.playbook) ----------------------------------------------------


def may_edit_playbook(user: User) -> bool:
    """The playbook and the rule are company-wide data: administrators and directors edit them."""
    return bool(user.is_active and user.sees_everything)


def may_certify(by: User, user: User) -> bool:
    """The rep's manager (their team in the managed subtree) or a director records examinations."""
    if not by.is_active:
        return False
    if by.sees_everything:
        return True
    return by.pk != user.pk and user.team_id is not None and user.team_id in managed_team_ids(by)


# Star ratings (kam.team.stars) ---------------------------------------------------------------------


def may_rate(user: User) -> bool:
    """Managers and those who see everything run evaluations."""
    return _active(user) and (user.sees_everything or user.role == Role.MANAGER)


def may_rate_team(user: User, team: Team | None) -> bool:
    """A whole-company evaluation (no team) is a director's; a manager rates teams they manage."""
    if not may_rate(user):
        return False
    if user.sees_everything:
        return True
    return team is not None and team.pk in managed_team_ids(user)


def check_rate_team(user: User, team: Team | None) -> None:
    if not may_rate_team(user, team):
        raise PermissionDenied(_("Only the team's manager or a director rates these people."))


def may_manage_evaluation(user: User, evaluation: Evaluation) -> bool:
    return may_rate(user) and (user.sees_everything or evaluation.team_id in managed_team_ids(user))


def check_manage_evaluation(user: User, evaluation: Evaluation) -> None:
    if not may_manage_evaluation(user, evaluation):
        raise PermissionDenied(_("Only the team's manager or a director reviews this evaluation."))


def may_adjust(user: User, rating: Rating) -> bool:
    """No one adjusts their own rating."""
    return rating.user_id != user.pk and may_manage_evaluation(user, rating.evaluation)


def check_adjust(user: User, rating: Rating) -> None:
    if not may_adjust(user, rating):
        raise PermissionDenied(_("Only the person's manager adjusts this rating, never the person."))

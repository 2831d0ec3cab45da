"""What a user may see, for every record a route takes by id.

rep: customers and opportunities they own or are on the deal team of;
manager: everything owned by anyone in their team's subtree (plus their own deal teams);
director / admin: everything. Contacts, influence lines and decision-chain entries follow their
customer or opportunity; tags are shared vocabulary; targets follow the org (own, own team's, the
managed subtree's).

Lists filter through `<things>_for(user, qs)`; a route that takes an id asks
`get_visible_<thing>(user, pk, *, for_update=False)`, which answers 404 for anything outside, so a
refusal never tells that the record exists. `for_update=True` locks the row (PostgreSQL; SQLite
runs one writer at a time) and must be called inside the writing transaction.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, Func, Model, Q, QuerySet
from django.shortcuts import get_object_or_404

from kam.activities.models import Activity, Plan, PlanGoal, ProcessMetric, VisitPolicy
from kam.customers.models import Customer, ScoringCriterion, ScoringModel, Tag
from kam.delivery.models import Contract, ServiceRequest
from kam.imports.models import ImportJob
from kam.insights.learning.models import WinModel
from kam.insights.models import Snapshot
from kam.notifications.models import Delivery, TeamChannel
from kam.opportunities.models import (
    Competitor,
    ExitCriterion,
    Opportunity,
    OpportunityContact,
    OpportunityMember,
    Stage,
)
from kam.org.models import ApiToken, Role, Target, User
from kam.org.visibility import managed_team_ids, visible_users
from kam.planning.accountplans.models import AccountPlan, PlanMember
from kam.planning.approvals.models import ApprovalAssignment, ApprovalRequest
from kam.relationships.models import Contact, Influence

M = TypeVar("M", bound=Model)


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _one(qs: QuerySet[M], pk: Any, *, for_update: bool) -> M:
    if for_update:
        # Only the record's own row: joined nullable rows (a parent, a lead contact) cannot be locked.
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, pk=pk)


# Lists -------------------------------------------------------------------------------------------


def _owners(user: User) -> QuerySet | list[int]:
    """Whose records the user sees as an owner: themself, and for a manager everyone in the managed
    subtree (a subquery, so no extra statement)."""
    teams = managed_team_ids(user)
    if teams:
        return User.objects.filter(Q(pk=user.pk) | Q(team_id__in=teams)).order_by().values("pk")
    return [user.pk]


def visible_opportunity_ids(user: User) -> QuerySet:
    """The ids of the opportunities an active rep or manager sees, as one subquery driven from the
    indexes: those the owners (`_owners`) own UNION those the user is on the deal team of.

    Written as `id IN (owned UNION member-of)` rather than `owner = X OR EXISTS(member …)`: the OR
    made the database probe the member table once per candidate row (1.1 s per statement at 1M
    opportunities); the union reads the owner index and the member rows of one user, a few
    hundred ids (benchmarks/RESULTS.md, "Visibility")."""
    owned = Opportunity.objects.filter(owner_id__in=_owners(user)).order_by().values("pk")
    member_of = OpportunityMember.objects.filter(user_id=user.pk).order_by().values("opportunity_id")
    return owned.union(member_of)


def opportunities_for(user: User, qs: QuerySet | None = None, *, in_sort_order: bool = False) -> QuerySet:
    """`in_sort_order`: for a page read by walking a sort index (kam.core.keyset). A manager sees
    a large share of the deals, so such a page finds its rows among the first index entries when
    visibility is checked row by row (owner in the subtree, or a deal-team membership), while
    `id IN (…)` first gathers every visible id (tens of thousands) and sorts them: 0.4–0.7 ms
    against 20–60 ms per page at 200,000 opportunities on SQLite and PostgreSQL. A rep's few
    hundred ids stay the faster start. The same rows either way."""
    qs = Opportunity.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    if in_sort_order and managed_team_ids(user):
        member_of = OpportunityMember.objects.filter(user_id=user.pk).order_by().values("opportunity_id")
        visible = Q(owner_id__in=_owners(user)) | Q(pk__in=member_of)
        if connections[qs.db].vendor == "sqlite":
            # Checked row by row as the sort index is walked. SQLite would rather gather the
            # region's 150,000 deals through the owner and primary-key indexes and sort them
            # (350 ms a page at a million deals, with full statistics): a unary + (a no-op on the
            # value) keeps the condition out of its index choice.
            return qs.filter(
                Func(ExpressionWrapper(visible, output_field=BooleanField()), template="+(%(expressions)s)")
            )
        return qs.filter(visible)
    return qs.filter(pk__in=visible_opportunity_ids(user))


def memberships_elsewhere(user: User) -> QuerySet[OpportunityMember]:
    """The user's deal-team rows on deals they do not own. The owner stays on their deal's team
    (as its leader), so a rep's memberships are mostly their own deals; the row says which
    (`is_owner`, kept by the services), so the rest are one range of the member index."""
    return OpportunityMember.objects.filter(user_id=user.pk, is_owner=False)


def deals_elsewhere(user: User) -> QuerySet:
    """The ids of the deals the user is on the team of and does not own, as a subquery read from
    the member index (SQLite reads it once per statement; PostgreSQL reads the deals' copies of
    their teams instead, `opportunity_parts`)."""
    return memberships_elsewhere(user).order_by().values("opportunity_id")


def opportunity_parts(user: User, qs: QuerySet | None = None) -> list[QuerySet] | None:
    """For a page read in sort order: the rows a rep sees as two parts whose union is
    `opportunities_for(user, qs)`, those they own and those they are on the deal team of, each
    read from its own index with the sort value in hand (kam.core.keyset.Seek's `parts`). None for
    everyone else: a director's and a manager's pages walk the sort index itself.

    Gathering the visible ids first and then fetching each row by primary key for its sort value
    cost one index probe per deal the rep ever owned (5,000 at a million opportunities, 20–30 ms
    on PostgreSQL); the parts read the rep's open deals straight from the owner index (5 ms)."""
    qs = Opportunity.objects.all() if qs is None else qs
    if not _active(user) or user.sees_everything or managed_team_ids(user):
        return None
    if connections[qs.db].vendor == "postgresql":
        # The deals' copies of their teams (`Opportunity.deal_team`) through their GIN index: the
        # deals' rows straight away, where the member rows gave ids, each looked up by primary
        # key (873 lookups, 4 ms, for a rep at a million deals; and the ids sent back and forth).
        return [qs.filter(owner_id=user.pk), qs.filter(deal_team__contains=[user.pk])]
    return [qs.filter(owner_id=user.pk), qs.filter(pk__in=deals_elsewhere(user))]


def customers_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Customers the owners (`_owners`) own, and the customers of the user's own deals and of the
    deals they are on the team of (not of their reports' deals: those customers are the reports'),
    and every customer in the public pool (kam.customers.pool: a rep judges a pooled customer by
    its page, contacts and past activities before claiming it; its last owner stays in `owner`,
    so "own" lists are not the way to see it), as one `id IN (… UNION …)` subquery read through
    the owner, member and pool indexes."""
    qs = Customer.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    owned = Customer.objects.filter(owner_id__in=_owners(user)).order_by().values("pk")
    own_deals = Opportunity.objects.filter(owner_id=user.pk).order_by().values("customer_id")
    team_deals = (
        OpportunityMember.objects.filter(user_id=user.pk).order_by().values("opportunity__customer_id")
    )
    pooled = Customer.objects.filter(in_pool=True).order_by().values("pk")
    return qs.filter(pk__in=owned.union(own_deals, team_deals, pooled))


def get_visible_pool_customer(user: User, pk: Any, *, for_update: bool = False) -> Customer:
    """A customer in the public pool: every active user sees it (and may claim it)."""
    qs = Customer.objects.select_related("owner", "previous_owner").filter(in_pool=True)
    return _one(qs if _active(user) else qs.none(), pk, for_update=for_update)


def contacts_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Contacts follow their customer's visibility."""
    qs = Contact.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(customer__in=customers_for(user))


def activities_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Activities follow their customer's visibility (as contacts do)."""
    qs = Activity.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(customer__in=customers_for(user))


def approval_requests_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Approval requests a person may read: their own, those they approve, and those on the work of
    people they may see (a manager their team's, a director all)."""
    qs = ApprovalRequest.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(
        Q(requested_by=user)
        | Q(subject_owner__in=visible_users(user).values("pk"))
        | Q(pk__in=ApprovalAssignment.objects.filter(approver=user).values("request_id"))
    )


def contracts_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Contracts follow their customer's visibility; their owner and the project manager of
    their implementation see them too (delivery staff need not see the customer's deals)."""
    qs = Contract.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(Q(customer__in=customers_for(user)) | Q(owner=user) | Q(project__manager=user))


def service_requests_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Service requests follow their customer's visibility; their owner, and the manager a breach
    was escalated to, see them too."""
    qs = ServiceRequest.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(Q(customer__in=customers_for(user)) | Q(owner=user) | Q(escalated_to=user))


def account_plans_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Account plans follow their customer's visibility; a plan's owner and members see it too."""
    qs = AccountPlan.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(
        Q(customer__in=customers_for(user))
        | Q(owner=user)
        | Q(pk__in=PlanMember.objects.filter(user=user).values("plan_id"))
    )


def plans_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """One's own plans; a manager's team subtree's; everyone's for directors."""
    qs = Plan.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(owner_id__in=_owners(user))


def targets_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Everyone's for directors, the subtree's for managers, one's own and one's team's for a rep."""
    qs = Target.objects.select_related("user", "team") if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    condition = Q(user_id=user.pk)
    if user.team_id:
        condition |= Q(team_id=user.team_id)
    teams = managed_team_ids(user)
    if teams:
        condition |= Q(team_id__in=teams) | Q(user__team_id__in=teams)
    return qs.filter(condition)


def team_channels_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """A team's group robots: those of the teams a manager manages; every team's for directors."""
    qs = TeamChannel.objects.select_related("team") if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(team_id__in=managed_team_ids(user))


def deliveries_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """The delivery log: a manager's teams' robots and their people's e-mails; all for directors;
    a rep their own e-mails."""
    qs = Delivery.objects.all() if qs is None else qs
    if not _active(user):
        return qs.none()
    if user.sees_everything:
        return qs
    condition = Q(notification__recipient_id=user.pk)
    teams = managed_team_ids(user)
    if teams:
        condition |= Q(team_channel__team_id__in=teams) | Q(notification__recipient__team_id__in=teams)
    return qs.filter(condition)


# One record by id --------------------------------------------------------------------------------


def get_visible_customer(
    user: User, pk: Any, *, for_update: bool = False, queryset: QuerySet[Customer] | None = None
) -> Customer:
    qs = Customer.objects.select_related("parent", "owner") if queryset is None else queryset
    return _one(customers_for(user, qs), pk, for_update=for_update)


def get_visible_opportunity(
    user: User, pk: Any, *, for_update: bool = False, queryset: QuerySet[Opportunity] | None = None
) -> Opportunity:
    return _one(opportunities_for(user, queryset), pk, for_update=for_update)


def get_visible_contact(
    user: User, pk: Any, *, for_update: bool = False, queryset: QuerySet[Contact] | None = None
) -> Contact:
    qs = Contact.objects.select_related("customer", "reports_to") if queryset is None else queryset
    return _one(contacts_for(user, qs), pk, for_update=for_update)


def get_visible_activity(user: User, pk: Any, *, for_update: bool = False) -> Activity:
    return _one(activities_for(user), pk, for_update=for_update)


def get_visible_approval_request(
    user: User, pk: Any, *, qs: QuerySet | None = None, for_update: bool = False
) -> ApprovalRequest:
    return _one(approval_requests_for(user, qs), pk, for_update=for_update)


def get_visible_contract(user: User, pk: Any, *, for_update: bool = False) -> Contract:
    return _one(contracts_for(user).select_related("customer", "owner"), pk, for_update=for_update)


def get_visible_contract_part(user: User, model: type[M], pk: Any, *, contract: Contract | None = None) -> M:
    """A record of a contract (an instalment, a payment, an invoice) by id: visible with its contract."""
    qs = model._default_manager.filter(contract__in=contracts_for(user))
    if contract is not None:
        qs = qs.filter(contract=contract)
    return _one(qs, pk, for_update=False)


def get_visible_service_request(user: User, pk: Any, *, for_update: bool = False) -> ServiceRequest:
    return _one(service_requests_for(user).select_related("customer", "owner"), pk, for_update=for_update)


def get_visible_account_plan(user: User, pk: Any, *, for_update: bool = False) -> AccountPlan:
    return _one(account_plans_for(user).select_related("customer", "owner"), pk, for_update=for_update)


def get_visible_plan(user: User, pk: Any, *, for_update: bool = False) -> Plan:
    return _one(plans_for(user), pk, for_update=for_update)


def get_visible_plan_goal(user: User, plan: Plan, pk: Any) -> PlanGoal:
    """A goal of a plan already fetched through get_visible_plan."""
    return _one(
        PlanGoal.objects.filter(plan=plan).select_related("customer", "contact"), pk, for_update=False
    )


def get_visible_visit_policy(user: User, pk: Any, *, for_update: bool = False) -> VisitPolicy:
    """Visit policy rows are shared data: every active user reads them (managers edit them)."""
    qs = VisitPolicy.objects.all() if _active(user) else VisitPolicy.objects.none()
    return _one(qs, pk, for_update=for_update)


def get_visible_team_channel(user: User, pk: Any, *, for_update: bool = False) -> TeamChannel:
    return _one(team_channels_for(user), pk, for_update=for_update)


def get_visible_colleague(user: User, pk: Any) -> User:
    """A person the user sees (themself, their team subtree as a manager, everyone as a director)."""
    return _one(visible_users(user), pk, for_update=False)


def get_visible_influence(user: User, pk: Any, *, for_update: bool = False) -> Influence:
    """An influence line whose source person the user may see."""
    qs = Influence.objects.filter(source__in=contacts_for(user))
    return _one(qs, pk, for_update=for_update)


def get_visible_chain_contact(
    user: User, opportunity: Opportunity, pk: Any, *, for_update: bool = False
) -> Contact:
    """A person of the opportunity's customer (the decision chain's candidates), visible to the user."""
    qs = contacts_for(user, Contact.objects.filter(customer_id=opportunity.customer_id))
    return _one(qs.select_related("customer", "reports_to"), pk, for_update=for_update)


def get_visible_chain_entry(
    user: User, opportunity: Opportunity, pk: Any, *, for_update: bool = False
) -> OpportunityContact:
    """One person-in-a-role of a visible opportunity's decision chain."""
    visible = opportunities_for(user, Opportunity.objects.filter(pk=opportunity.pk))
    qs = OpportunityContact.objects.filter(opportunity__in=visible).select_related("contact")
    return _one(qs, pk, for_update=for_update)


def get_visible_deal_team_member(
    user: User, opportunity: Opportunity, user_id: Any, *, for_update: bool = False
) -> OpportunityMember:
    """A member of a visible opportunity's deal team, by the member's user id."""
    visible = opportunities_for(user, Opportunity.objects.filter(pk=opportunity.pk))
    qs = OpportunityMember.objects.filter(opportunity__in=visible).select_related("user")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return get_object_or_404(qs, user_id=user_id)


def get_visible_exit_criterion(user: User, pk: Any) -> ExitCriterion:
    """An exit criterion of any sales process: processes are rules as data that every user reads
    (whether it belongs to the opportunity's stage is the service's rule, with its own message)."""
    qs = ExitCriterion.objects.select_related("stage")
    return get_object_or_404(qs if _active(user) else qs.none(), pk=pk)


def get_visible_tag(user: User, pk: Any, *, for_update: bool = False) -> Tag:
    """Tags are shared vocabulary: every active user sees every tag (members stay scoped)."""
    qs = Tag.objects.select_related("created_by") if _active(user) else Tag.objects.none()
    return _one(qs, pk, for_update=for_update)


def get_visible_competitor(user: User, pk: Any, *, for_update: bool = False) -> Competitor:
    """The competitor directory is shared: every active user sees every competitor (the deals it
    was on stay scoped)."""
    qs = Competitor.objects.all() if _active(user) else Competitor.objects.none()
    return _one(qs, pk, for_update=for_update)


def get_visible_process_metric(user: User, pk: Any, *, for_update: bool = False) -> ProcessMetric:
    """1×5 process metrics are shared rules: every active user sees every one (the scores stay scoped)."""
    qs = ProcessMetric.objects.all() if _active(user) else ProcessMetric.objects.none()
    return _one(qs, pk, for_update=for_update)


def get_visible_scoring_criterion(
    user: User, pk: Any, *, scoring_model: ScoringModel | None = None
) -> ScoringCriterion:
    """A scoring criterion (of the given model, when one is given). The scoring model is public:
    each customer's score breakdown shows it; changing it is a permission, not a visibility."""
    qs = ScoringCriterion.objects.select_related("scoring_model")
    if scoring_model is not None:
        qs = qs.filter(scoring_model=scoring_model)
    return get_object_or_404(qs if _active(user) else qs.none(), pk=pk)


def get_visible_target(user: User, pk: Any, *, for_update: bool = False) -> Target:
    return _one(targets_for(user), pk, for_update=for_update)


def import_jobs_for(user: User) -> QuerySet[ImportJob]:
    """A background import: the uploader sees their own, administrators everyone's."""
    jobs = ImportJob.objects.defer("content")
    if not _active(user):
        return jobs.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return jobs
    return jobs.filter(user=user)


def get_visible_import_job(user: User, pk: Any) -> ImportJob:
    return _one(import_jobs_for(user), pk, for_update=False)


def get_visible_snapshot(user: User, pk: Any) -> Snapshot:
    """A pipeline snapshot: every user may pick one; the rows read from it are scoped to the
    opportunities the user may see (kam.insights.review.selectors)."""
    qs = Snapshot.objects.all()
    return get_object_or_404(qs if _active(user) else qs.none(), pk=pk)


def get_visible_token(user: User, pk: Any) -> ApiToken:
    """A person sees their own API tokens only."""
    return get_object_or_404(ApiToken.objects.filter(user_id=user.pk), pk=pk)


def get_visible_stage(user: User, pk: Any, *, queryset: QuerySet[Stage] | None = None) -> Stage:
    """A stage of any sales process: processes are rules as data that every user reads (its
    playbook entry too; changing it is a permission, not a visibility)."""
    qs = Stage.objects.all() if queryset is None else queryset
    return get_object_or_404(qs if _active(user) else qs.none(), pk=pk)


def get_visible_win_model(user: User, pk: Any) -> WinModel:
    """A win-probability model version (without its fitted blob): the routes refuse with 403
    first whoever may not view the models (permissions.may_view_models)."""
    qs = WinModel.objects.defer("blob")
    return get_object_or_404(qs if _active(user) else qs.none(), pk=pk)

"""The one place that decides what a user may see.

rep: customers and opportunities they own or are on the deal team of;
manager: everything owned by anyone in their team's subtree (plus their own deal teams);
director / admin: everything. Every page and API endpoint filters through here.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from kam.org.models import Role, Team, User


def team_subtree_ids(root_ids: list[int]) -> set[int]:
    """Ids of the given teams and every team below them (teams are few; one query per level)."""
    seen: set[int] = set()
    frontier = set(root_ids)
    while frontier:
        seen |= frontier
        frontier = set(Team.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
    return seen


def managed_team_ids(user: User) -> set[int]:
    if user.role != Role.MANAGER:
        return set()
    # Cached on the user object: one request asks several times (list, totals, pickers).
    cached = user.__dict__.get("_kam_managed_team_ids")
    if cached is not None:
        return cached
    roots = list(Team.objects.filter(manager=user).values_list("id", flat=True))
    if not roots and user.team_id:
        roots = [user.team_id]
    ids = team_subtree_ids(roots)
    user.__dict__["_kam_managed_team_ids"] = ids
    return ids


def visible_users(user: User) -> QuerySet[User]:
    """The people whose work this user may see (used for owner filters and pickers)."""
    if user.sees_everything:
        return User.objects.filter(is_active=True)
    teams = managed_team_ids(user)
    if teams:
        return User.objects.filter(Q(team_id__in=teams) | Q(pk=user.pk))
    return User.objects.filter(pk=user.pk)


def opportunities_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    from kam.opportunities.models import Opportunity, OpportunityMember

    qs = Opportunity.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    on_team = Exists(OpportunityMember.objects.filter(opportunity_id=OuterRef("pk"), user_id=user.pk))
    condition: Q = Q(owner_id=user.pk) | Q(on_team)
    teams = managed_team_ids(user)
    if teams:
        condition |= Q(owner__team_id__in=teams)
    return qs.filter(condition)


def customers_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    from kam.customers.models import Customer
    from kam.opportunities.models import Opportunity, OpportunityMember

    qs = Customer.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    on_deal = Exists(
        OpportunityMember.objects.filter(opportunity__customer_id=OuterRef("pk"), user_id=user.pk)
    ) | Exists(Opportunity.objects.filter(customer_id=OuterRef("pk"), owner_id=user.pk))
    condition = Q(owner_id=user.pk) | on_deal
    teams = managed_team_ids(user)
    if teams:
        condition |= Q(owner__team_id__in=teams)
    return qs.filter(condition)


def contacts_for(user: User, qs: QuerySet | None = None) -> QuerySet:
    """Contacts follow their customer's visibility."""
    from kam.relationships.models import Contact

    qs = Contact.objects.all() if qs is None else qs
    if user.sees_everything and user.is_active:
        return qs
    return qs.filter(customer__in=customers_for(user))

"""Reads for the customer list and the customer page: scoped by visibility, aggregated in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext as _

from kam.access.visibility import customers_for, opportunities_for
from kam.core import pinyin
from kam.core.ids import parse_id
from kam.core.money import MAX_MONEY
from kam.customers.models import (
    Customer,
    CustomerChange,
    CustomerStatus,
    CustomerTag,
    Industry,
    Region,
    Segment,
    Tag,
    TagKind,
    Tier,
)
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, MONEY
from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids, team_subtree_ids, visible_users

PAGE_SIZE = 50

# Sort keys offered to users; anything else falls back to the default order.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "short_name": ("short_name", "id"),
    "parent": ("parent__name", "id"),
    "owner": ("owner__username", "id"),
    "industry": ("industry", "id"),
    "region": ("region", "id"),
    "status": ("status", "id"),
    "tier": ("tier", "id"),
    "segment": ("segment", "id"),
    # Unscored customers (score NULL) come last in both directions: see sort_customers.
    "score": ("score", "id"),
    # The churn risk of the latest satisfaction survey (kept on CustomerCare by kam.delivery);
    # never surveyed (NULL) comes last in both directions.
    "churn_risk": ("care__churn_percent", "id"),
    "open_count": ("open_count", "id"),
    "open_amount": ("open_amount", "id"),
    # Never touched (NULL) comes last in both directions, as unscored customers do.
    "last_touch": ("last_touch_at", "id"),
}
DEFAULT_SORT = "name"
# Sorts that need the open-pipeline annotations of with_open_pipeline().
PIPELINE_SORTS = ("open_count", "open_amount")

MAX_TEXT = 100
# A customer group deeper than this is a data error; the walk stops rather than loop for ever.
MAX_GROUP_DEPTH = 50


@dataclass
class CustomerFilters:
    """The list's filters. A dynamic tag's rule is the same filters without `q`, stored as JSON.

    Built by `parse`, which keeps a message per refused value in `errors` and drops that value,
    so a bad parameter is reported and ignored, never a 500.
    """

    q: str | None = None
    tier: str | None = None
    segment: str | None = None
    status: str | None = None
    tag: int | None = None
    owner: int | None = None
    team: int | None = None
    industry: str | None = None
    region: str | None = None
    parent: int | None = None
    score_min: Decimal | None = None
    score_max: Decimal | None = None
    open_pipeline_min: Decimal | None = None
    errors: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: Mapping[str, Any], keys: Iterable[str] | None = None) -> CustomerFilters:
        keys = FILTER_KEYS if keys is None else tuple(keys)
        result = cls()
        for name in keys:
            raw = data.get(name)
            if raw is None or raw == "":
                continue
            try:
                setattr(result, name, PARSERS[name](raw))
            except ValueError as error:
                result.errors[name] = str(error)
        if (
            result.score_min is not None
            and result.score_max is not None
            and result.score_min > result.score_max
        ):
            result.errors["score_max"] = _("The minimum score is above the maximum.")
            result.score_min = result.score_max = None
        return result

    @classmethod
    def from_mapping(cls, data: Any) -> CustomerFilters:
        """Lenient parse of query parameters: an unknown value is reported and ignored, not a 500."""
        return cls.parse(data)

    @classmethod
    def from_rule(cls, rule: Mapping[str, Any]) -> CustomerFilters:
        return cls.parse(rule, RULE_KEYS)

    def to_rule(self) -> dict[str, Any]:
        """The filters as a dynamic tag's rule: JSON values (ids as numbers, decimals as text)."""
        rule: dict[str, Any] = {}
        for name in RULE_KEYS:
            value = getattr(self, name)
            if value is not None:
                rule[name] = str(value) if isinstance(value, Decimal) else value
        return rule

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "") for f in fields(self) if f.name != "errors")


def _one_text(value: Any) -> str:
    if isinstance(value, bool | list | dict | tuple):
        raise ValueError(_("Enter one value."))
    text = str(value).strip()
    if "\x00" in text:
        raise ValueError(_("Text must not contain NUL characters."))
    return text


def _text(value: Any) -> str | None:
    text = _one_text(value)
    if len(text) > MAX_TEXT:
        raise ValueError(_("At most %(count)d characters.") % {"count": MAX_TEXT})
    return text or None


def _choice(allowed: list[str]) -> Any:
    def parse(value: Any) -> str | None:
        text = _one_text(value)
        if text not in allowed:
            raise ValueError(
                _("Unknown value “%(value)s”; choose one of: %(choices)s.")
                % {"value": text[:MAX_TEXT], "choices": ", ".join(allowed)}
            )
        return text

    return parse


def _id(value: Any) -> int:
    number = parse_id(_one_text(value))
    if number is None:
        raise ValueError(_("Enter an id (a whole number above 0)."))
    return number


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(_one_text(value))
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    return number


def _score(value: Any) -> Decimal:
    number = _decimal(value)
    if not Decimal("0") <= number <= Decimal("100"):
        raise ValueError(_("Enter a score from 0 to 100."))
    return number


def _amount(value: Any) -> Decimal:
    number = _decimal(value)
    if number < 0:
        raise ValueError(_("Enter an amount of 0 or more."))
    if number > MAX_MONEY:
        raise ValueError(_("Enter an amount of at most %(limit)s.") % {"limit": f"{MAX_MONEY:,}"})
    return number


PARSERS: dict[str, Any] = {
    "q": _text,
    "tier": _choice(Tier.values),
    "segment": _choice(Segment.values),
    "status": _choice(CustomerStatus.values),
    "tag": _id,
    "owner": _id,
    "team": _id,
    "industry": _text,
    "region": _text,
    "parent": _id,
    "score_min": _score,
    "score_max": _score,
    "open_pipeline_min": _amount,
}
FILTER_KEYS: tuple[str, ...] = tuple(PARSERS)
# What a dynamic tag's rule may say. Activity-based conditions ("no visit in 30 days") belong here
# once activities exist: a key, a parser above and one condition in apply_filters.
RULE_KEYS: tuple[str, ...] = tuple(key for key in FILTER_KEYS if key != "q")


def visible_open_opportunities(user: User) -> QuerySet[Opportunity]:
    return opportunities_for(user, Opportunity.objects.filter(status=OpportunityStatus.OPEN))


def with_open_pipeline(qs: QuerySet[Customer], user: User) -> QuerySet[Customer]:
    """Count and amount of the open opportunities the user may see, per customer, as correlated subqueries.

    Subqueries rather than a JOIN + GROUP BY keep the row count exact whatever other filters join.
    """
    per_customer = (
        visible_open_opportunities(user).filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
    )
    open_count = Subquery(per_customer.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField())
    return qs.annotate(open_count=Coalesce(open_count, Value(0)), open_amount=visible_open_pipeline(user))


def _pipeline_per_customer(opportunities: QuerySet[Opportunity]) -> Coalesce:
    """Σ expected amount of `opportunities` at the outer customer row (0 when none)."""
    total = (
        opportunities.filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(total=Sum(EXPECTED_AMOUNT))
        .values("total")[:1]
    )
    return Coalesce(Subquery(total, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)


def visible_open_pipeline(user: User) -> Coalesce:
    """The open pipeline of the customer's deals `user` may see: the list's column, and what its
    "open pipeline at least" filter compares, so the filter reveals no hidden deal."""
    return _pipeline_per_customer(visible_open_opportunities(user))


def open_pipeline_of_customer() -> Coalesce:
    """The customer's whole open pipeline (expected amounts), whoever may see it: a fact about the
    customer, so a dynamic tag has the same members for everyone who can see them."""
    return _pipeline_per_customer(Opportunity.objects.filter(status=OpportunityStatus.OPEN))


def group_ids(root_id: int) -> set[int]:
    """The group and every subsidiary below it, one query per level."""
    seen = {root_id}
    frontier = {root_id}
    for _level in range(MAX_GROUP_DEPTH):
        frontier = set(Customer.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
        if not frontier:
            break
        seen |= frontier
    return seen


def apply_filters(
    qs: QuerySet[Customer],
    filters: CustomerFilters,
    *,
    seen_tags: frozenset[int] = frozenset(),
    viewer: User | None = None,
) -> QuerySet[Customer]:
    """Narrow `qs` to the customers the filters match. Every condition is SQL; the team and group
    subtrees and a referenced tag are looked up first (a few small queries, none per row).

    `seen_tags` are the dynamic tags being evaluated around this call, so a rule that reaches
    itself through other tags matches nothing instead of recursing. With a `viewer`, the open
    pipeline compared is the part of it they may see (a list); without, the customer's whole
    pipeline (a dynamic tag's rule, the same members for everyone)."""
    if filters.q:
        # The name or short name, typed or by pinyin (full or initials): kam.core.pinyin.
        qs = qs.filter(pinyin.text_matches(filters.q, "search_key", "name", "short_name"))
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([filters.team]))
    # A value in any language finds the customers holding its row's name (kam.customers.models.choices).
    if filters.industry:
        qs = qs.filter(industry__in={filters.industry, Industry.stored(filters.industry)})
    if filters.region:
        qs = qs.filter(region__in={filters.region, Region.stored(filters.region)})
    if filters.parent:
        qs = qs.filter(pk__in=group_ids(filters.parent))
    if filters.score_min is not None:
        qs = qs.filter(score__gte=filters.score_min)
    if filters.score_max is not None:
        qs = qs.filter(score__lte=filters.score_max)
    if filters.open_pipeline_min is not None:
        pipeline = open_pipeline_of_customer() if viewer is None else visible_open_pipeline(viewer)
        qs = qs.filter(GreaterThanOrEqual(pipeline, Value(filters.open_pipeline_min)))
    if filters.tag:
        qs = qs.filter(tag_condition(filters.tag, seen_tags))
    return qs


def drop_unknown_references(user: User, filters: CustomerFilters) -> None:
    """A tag, team or owner that does not exist, or a group the user cannot see, is reported in
    `filters.errors` and dropped: an empty list would look like an answer (a deleted tag's link)."""
    if filters.tag and not Tag.objects.filter(pk=filters.tag).exists():
        filters.errors["tag"] = _("Unknown tag.")
        filters.tag = None
    if filters.team and not Team.objects.filter(pk=filters.team).exists():
        filters.errors["team"] = _("Unknown team.")
        filters.team = None
    if filters.owner and not User.objects.filter(pk=filters.owner).exists():
        filters.errors["owner"] = _("Unknown user.")
        filters.owner = None
    if filters.parent and not customers_for(user, Customer.objects.filter(pk=filters.parent)).exists():
        filters.errors["parent"] = _("Unknown customer.")
        filters.parent = None


def sort_customers(qs: QuerySet[Customer], sort: str | None) -> tuple[QuerySet[Customer], str]:
    sort = sort or DEFAULT_SORT
    key = sort.lstrip("-")
    if key not in SORTS or sort.count("-") > 1:
        sort, key = DEFAULT_SORT, DEFAULT_SORT
    descending = sort.startswith("-")
    ordering = []
    for name in SORTS[key]:
        expr = F(name)
        ordering.append(expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True))
    return qs.order_by(*ordering), sort


def customer_rows(
    user: User, filters: CustomerFilters, sort: str | None = None, *, pipeline: bool = True
) -> tuple[QuerySet[Customer], str]:
    """The customer list's rows: every column in one query, whatever the page size.

    Without `pipeline` the open-pipeline columns are left out (the API does not show them) unless
    the sort needs them."""
    qs = apply_filters(customers_for(user, Customer.objects.all()), filters, viewer=user)
    qs = qs.select_related("parent", "owner", "care")
    if pipeline or (sort or "").lstrip("-") in PIPELINE_SORTS:
        qs = with_open_pipeline(qs, user)
    return sort_customers(qs, sort)


def visible_teams(user: User) -> QuerySet[Team]:
    if user.sees_everything:
        return Team.objects.all()
    if user.role == Role.MANAGER:
        return Team.objects.filter(pk__in=managed_team_ids(user))
    return Team.objects.filter(pk=user.team_id or 0)


def filter_choices(user: User) -> dict[str, list[Any]]:
    """Choices for the filter bar, from what the user may see (one query each)."""
    visible = customers_for(user, Customer.objects.all())
    industries = (
        visible.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct()
    )
    regions = visible.exclude(region="").order_by("region").values_list("region", flat=True).distinct()
    groups = visible.filter(children__isnull=False).distinct().order_by("name")
    return {
        "owners": list(visible_users(user).order_by("username")),
        "industries": list(industries),
        "regions": list(regions),
        "tags": list(Tag.objects.order_by("name")),
        "teams": list(visible_teams(user).order_by("name")),
        "groups": list(groups),
    }


def parent_is_visible(user: User, customer: Customer) -> bool:
    if customer.parent_id is None:
        return False
    return customers_for(user, Customer.objects.filter(pk=customer.parent_id)).exists()


def visible_children(user: User, customer: Customer) -> QuerySet[Customer]:
    return (
        customers_for(user, Customer.objects.filter(parent=customer)).select_related("owner").order_by("name")
    )


def customer_opportunities(user: User, customer: Customer) -> QuerySet[Opportunity]:
    """The customer's opportunities the user may see, open ones first, then by sign date."""
    qs = opportunities_for(user, Opportunity.objects.filter(customer=customer))
    return (
        qs.select_related("stage", "owner")
        .annotate(
            expected_amount=EXPECTED_AMOUNT,
            open_first=Case(When(status=OpportunityStatus.OPEN, then=Value(0)), default=Value(1)),
        )
        .order_by("open_first", F("sign_date").asc(nulls_last=True), "id")
    )


def customer_history(customer: Customer, limit: int = 100) -> list[CustomerChange]:
    return list(CustomerChange.objects.filter(customer=customer).select_related("changed_by")[:limit])


# Tags as filters: a dynamic tag is a saved filter, and "has tag X" is one of the filters, so the
# two are defined together (a rule reaching itself through other tags matches nothing).


def apply_rule(qs: QuerySet[Customer], rule: Any, seen: frozenset[int] = frozenset()) -> QuerySet[Customer]:
    """The customers of `qs` a dynamic tag's rule matches, as SQL.

    A rule that does not parse cleanly (edited outside the services, or naming a key this version
    does not know) matches nothing: dropping the bad condition would silently widen the tag."""
    if not isinstance(rule, dict) or not rule or set(rule) - set(RULE_KEYS):
        return qs.filter(pk__in=[])
    filters = CustomerFilters.from_rule(rule)
    if filters.errors:
        return qs.filter(pk__in=[])
    return apply_filters(qs, filters, seen_tags=seen)


def membership(tag: Tag, seen: frozenset[int] = frozenset()) -> Q:
    """A condition on customers: "is a member of `tag`"."""
    if tag.kind == TagKind.STATIC:
        return Q(Exists(CustomerTag.objects.filter(customer_id=OuterRef("pk"), tag_id=tag.pk)))
    if tag.pk in seen:
        return Q(pk__in=[])
    matched = apply_rule(Customer.objects.all(), tag.rule, seen | {tag.pk})
    return Q(pk__in=matched.values("pk"))


def tag_condition(tag_id: int, seen: frozenset[int] = frozenset()) -> Q:
    """The list's `tag` filter: members of the tag, whichever its kind; an unknown tag matches none."""
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        return Q(pk__in=[])
    return membership(tag, seen)

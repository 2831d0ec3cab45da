"""Reads of tags: members, chips on rows, the tag list with member counts, rules in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.access.visibility import customers_for
from kam.core.templatetags.kam_format import format_money
from kam.customers import selectors
from kam.customers.models import Customer, CustomerStatus, CustomerTag, Segment, Tag, TagKind
from kam.customers.selectors import apply_rule, membership
from kam.org.models import Team, User

DYNAMIC_PREFIX = "dynamic_tag_"


def members(user: User, tag: Tag) -> QuerySet[Customer]:
    """The tag's members the user may see."""
    return customers_for(user, Customer.objects.all()).filter(membership(tag))


def dynamic_tags() -> list[Tag]:
    return list(Tag.objects.filter(kind=TagKind.DYNAMIC).order_by("name"))


def _matches(tag: Tag) -> Exists:
    """Correlated "does the outer customer match this dynamic tag": one index probe per row."""
    inner = apply_rule(Customer.objects.filter(pk=OuterRef("pk")), tag.rule, frozenset({tag.pk}))
    return Exists(inner)


def with_tags(qs: QuerySet[Customer]) -> tuple[QuerySet[Customer], list[Tag]]:
    """Rows with their static tags prefetched and one boolean column per dynamic tag: the chips of
    any number of rows cost the same two queries (plus the rules' own look-ups)."""
    dynamic = dynamic_tags()
    qs = qs.prefetch_related(
        Prefetch("customer_tags", queryset=CustomerTag.objects.select_related("tag").order_by("tag__name"))
    )
    if dynamic:
        qs = qs.annotate(**{f"{DYNAMIC_PREFIX}{tag.pk}": _matches(tag) for tag in dynamic})
    return qs, dynamic


def chips(customer: Customer, dynamic: list[Tag]) -> list[Tag]:
    """The tags to show on a row of `with_tags`: static ones, then the dynamic ones it matches."""
    static = [link.tag for link in customer.customer_tags.all()]
    return static + [tag for tag in dynamic if getattr(customer, f"{DYNAMIC_PREFIX}{tag.pk}", False)]


@dataclass
class CustomerTags:
    attached: list[Tag]
    matched: list[Tag]
    available: list[Tag]


def customer_tags(customer: Customer) -> CustomerTags:
    """One customer's static tags, the dynamic tags it matches, and the static tags it could get."""
    all_tags = list(Tag.objects.order_by("name"))
    attached_ids = set(CustomerTag.objects.filter(customer=customer).values_list("tag_id", flat=True))
    dynamic = [tag for tag in all_tags if tag.kind == TagKind.DYNAMIC]
    matched: list[Tag] = []
    if dynamic:
        row = (
            Customer.objects.filter(pk=customer.pk)
            .annotate(**{f"{DYNAMIC_PREFIX}{tag.pk}": _matches(tag) for tag in dynamic})
            .values(*(f"{DYNAMIC_PREFIX}{tag.pk}" for tag in dynamic))
            .first()
        ) or {}
        matched = [tag for tag in dynamic if row.get(f"{DYNAMIC_PREFIX}{tag.pk}")]
    static = [tag for tag in all_tags if tag.kind == TagKind.STATIC]
    return CustomerTags(
        attached=[tag for tag in static if tag.pk in attached_ids],
        matched=matched,
        available=[tag for tag in static if tag.pk not in attached_ids],
    )


@dataclass
class TagRow:
    tag: Tag
    members: int
    summary: list[str]
    can_change: bool


def dynamic_member_counts(user: User, tags: Sequence[Tag]) -> dict[int, int]:
    """Visible members of each dynamic tag, all in one aggregate over the visible customers."""
    dynamic = [tag for tag in tags if tag.kind == TagKind.DYNAMIC]
    if not dynamic:
        return {}
    counts = customers_for(user, Customer.objects.all()).aggregate(
        **{f"t{tag.pk}": Count("pk", filter=membership(tag)) for tag in dynamic}
    )
    return {tag.pk: counts[f"t{tag.pk}"] or 0 for tag in dynamic}


def tag_rows(user: User) -> list[TagRow]:
    """Every tag with its visible member count and, for a dynamic one, its rule in words."""
    visible = customers_for(user, Customer.objects.all()).values("pk")
    static_members = Count("customer_tags", filter=Q(customer_tags__customer__in=visible))
    tags = list(
        Tag.objects.select_related("created_by").annotate(static_members=static_members).order_by("name")
    )
    counts = dynamic_member_counts(user, tags)
    names = rule_names(user, [tag.rule for tag in tags if tag.kind == TagKind.DYNAMIC])
    return [
        TagRow(
            tag=tag,
            members=counts.get(tag.pk, 0) if tag.kind == TagKind.DYNAMIC else tag.static_members,  # type: ignore[attr-defined]
            summary=describe_rule(tag.rule, names) if tag.kind == TagKind.DYNAMIC else [],
            can_change=permissions.may_change_tag(user, tag),
        )
        for tag in tags
    ]


def rule_names(user: User, rules: list[Any]) -> dict[tuple[str, int], str]:
    """Display names of the ids in some rules, one query per kind of id. A group the user cannot
    see is named by its id only, so a tag's summary does not reveal it."""
    wanted: dict[str, set[int]] = {"owner": set(), "team": set(), "parent": set(), "tag": set()}
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        for key in wanted:
            value = rule.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                wanted[key].add(value)
    names: dict[tuple[str, int], str] = {}
    if wanted["owner"]:
        names.update({("owner", u.pk): str(u) for u in User.objects.filter(pk__in=wanted["owner"])})
    if wanted["team"]:
        names.update({("team", t.pk): t.name for t in Team.objects.filter(pk__in=wanted["team"])})
    if wanted["parent"]:
        groups = customers_for(user, Customer.objects.filter(pk__in=wanted["parent"]))
        names.update({("parent", c.pk): c.name for c in groups})
    if wanted["tag"]:
        names.update({("tag", t.pk): t.name for t in Tag.objects.filter(pk__in=wanted["tag"])})
    return names


def describe_rule(rule: Any, names: dict[tuple[str, int], str]) -> list[str]:
    """The rule as short phrases, e.g. ["Industry: Manufacturing", "Open pipeline ≥ ¥1,000,000.00"]."""
    if not isinstance(rule, dict):
        return []
    filters = selectors.CustomerFilters.from_rule(rule)
    parts: list[str] = []

    def named(key: str, value: int) -> str:
        return names.get((key, value)) or f"#{value}"

    if filters.tier:
        parts.append(_("Tier: %(value)s") % {"value": filters.tier})
    if filters.segment:
        parts.append(_("Segment: %(value)s") % {"value": Segment(filters.segment).label})
    if filters.status:
        parts.append(_("Status: %(value)s") % {"value": CustomerStatus(filters.status).label})
    if filters.tag:
        parts.append(_("Tag: %(value)s") % {"value": named("tag", filters.tag)})
    if filters.owner:
        parts.append(_("Owner: %(value)s") % {"value": named("owner", filters.owner)})
    if filters.team:
        parts.append(_("Team: %(value)s (and teams below)") % {"value": named("team", filters.team)})
    if filters.industry:
        parts.append(_("Industry: %(value)s") % {"value": filters.industry})
    if filters.region:
        parts.append(_("Region: %(value)s") % {"value": filters.region})
    if filters.parent:
        parts.append(_("Group: %(value)s (and subsidiaries)") % {"value": named("parent", filters.parent)})
    if filters.score_min is not None and filters.score_max is not None:
        parts.append(
            _("Score %(min)s–%(max)s")
            % {"min": _number(filters.score_min), "max": _number(filters.score_max)}
        )
    elif filters.score_min is not None:
        parts.append(_("Score ≥ %(value)s") % {"value": _number(filters.score_min)})
    elif filters.score_max is not None:
        parts.append(_("Score ≤ %(value)s") % {"value": _number(filters.score_max)})
    if filters.open_pipeline_min is not None:
        parts.append(_("Open pipeline ≥ %(value)s") % {"value": format_money(filters.open_pipeline_min)})
    if set(rule) - set(selectors.RULE_KEYS) or filters.errors:
        parts.append(_("(this filter has values that are no longer valid; it matches no customer)"))
    return parts


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def referring_tags(tag: Tag) -> list[Tag]:
    """Dynamic tags whose rule filters by `tag`."""
    return list(
        Tag.objects.filter(kind=TagKind.DYNAMIC, rule__tag=tag.pk).exclude(pk=tag.pk).order_by("name")
    )

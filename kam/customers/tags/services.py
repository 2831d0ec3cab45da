"""Tags on customers. Static tags are attached by hand; a dynamic tag is a saved filter (`Tag.rule`,
the customer list's filters as JSON) whose members are computed in SQL whenever they are read and
never stored, so a changed industry or a closed opportunity changes membership with no write to
the tag.

Reads (membership, chips, the tags page) and writes (create, edit, delete, attach, detach: each
one transaction, each attachment change with a history line) live here together because they
share the rule machinery.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.access.visibility import customers_for
from kam.core.errors import ConflictError, RuleViolation
from kam.core.templatetags.kam_format import format_money
from kam.core.versioning import versioned_update
from kam.customers import selectors
from kam.customers.history import both_languages
from kam.customers.models import Customer, CustomerChange, CustomerStatus, CustomerTag, Segment, Tag, TagKind
from kam.customers.selectors import apply_rule, membership
from kam.org.models import Team, User

COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = "#5470c6"
# A dynamic tag may filter by another tag, which may filter by another…; past this depth the
# chain is refused (it would only make every list slower and is never what anyone means).
MAX_TAG_DEPTH = 5
DYNAMIC_PREFIX = "dynamic_tag_"


# --- Who may do what -------------------------------------------------------------------------------


# --- Rules -------------------------------------------------------------------------------------------


def validate_rule(rule: Any, *, tag: Tag | None = None, by: User | None = None) -> dict[str, Any]:
    """Check a dynamic tag's rule and return it normalised (ids as numbers, decimals as text).

    Errors are keyed `rule.<key>` (or `rule` for the rule as a whole), with messages a person
    can act on: an unknown key, a bad value, a minimum above the maximum, a tag referring to
    itself, a reference to something that does not exist."""
    if not isinstance(rule, dict):
        raise ValidationError({"rule": [_("A filter is a set of keys and values.")]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(key) for key in rule if key not in selectors.RULE_KEYS)
    for key in unknown:
        errors.setdefault("rule", []).append(
            _("Unknown filter “%(key)s”; the filters are: %(keys)s.")
            % {"key": key[:60], "keys": ", ".join(selectors.RULE_KEYS)}
        )
    filters = selectors.CustomerFilters.from_rule(rule)
    for key, message in filters.errors.items():
        errors.setdefault(f"rule.{key}", []).append(message)
    normalised = filters.to_rule()
    if not normalised and not errors:
        errors["rule"] = [_("A dynamic tag needs at least one condition.")]
    for key, message in _reference_errors(filters, tag=tag, by=by).items():
        errors.setdefault(f"rule.{key}", []).append(message)
    if errors:
        raise ValidationError(errors)
    return normalised


def _reference_errors(
    filters: selectors.CustomerFilters, *, tag: Tag | None, by: User | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if filters.owner and not User.objects.filter(pk=filters.owner).exists():
        errors["owner"] = _("Unknown user.")
    if filters.team and not Team.objects.filter(pk=filters.team).exists():
        errors["team"] = _("Unknown team.")
    if filters.parent:
        groups = Customer.objects.filter(pk=filters.parent)
        if by is not None:
            groups = customers_for(by, groups)
        if not groups.exists():
            errors["parent"] = _("Unknown customer.")
    if filters.tag:
        message = _tag_reference_error(filters.tag, tag)
        if message:
            errors["tag"] = message
    return errors


def _tag_reference_error(referenced_id: int, tag: Tag | None) -> str | None:
    if tag is not None and referenced_id == tag.pk:
        return _("A dynamic tag cannot refer to itself.")
    node = Tag.objects.filter(pk=referenced_id).first()
    if node is None:
        return _("Unknown tag.")
    for _depth in range(MAX_TAG_DEPTH):
        if node.kind != TagKind.DYNAMIC or not isinstance(node.rule, dict) or not node.rule.get("tag"):
            return None
        next_id = node.rule["tag"]
        if tag is not None and next_id == tag.pk:
            return _("“%(name)s” already refers to this tag, so this tag cannot refer to it.") % {
                "name": node.name
            }
        node = Tag.objects.filter(pk=next_id).first()
        if node is None:
            return None
    return _("Tags may refer to other tags at most %(depth)d deep.") % {"depth": MAX_TAG_DEPTH}


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


# --- The tags page -------------------------------------------------------------------------------


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


# --- Writes ------------------------------------------------------------------------------------------

TAG_FIELDS = ("name", "color", "description", "rule")


def _clean(values: dict[str, Any], *, kind: str, tag: Tag | None, by: User) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "name" in values:
        name = str(values["name"] or "").strip()
        if not name:
            errors["name"] = [_("Give the tag a name.")]
        elif len(name) > 60:
            errors["name"] = [_("At most %(count)d characters.") % {"count": 60}]
        else:
            same = Tag.objects.filter(name__iexact=name)
            if tag is not None:
                same = same.exclude(pk=tag.pk)
            if same.exists():
                errors["name"] = [_("A tag with this name exists already.")]
        clean["name"] = name
    if "color" in values:
        color = str(values["color"] or "").strip()
        if not COLOR_PATTERN.match(color):
            errors["color"] = [_("Enter a colour as #rrggbb, e.g. #5470c6.")]
        clean["color"] = color.lower()
    if "description" in values:
        description = str(values["description"] or "").strip()
        if len(description) > 300:
            errors["description"] = [_("At most %(count)d characters.") % {"count": 300}]
        clean["description"] = description
    if "rule" in values:
        rule = values["rule"]
        if kind == TagKind.STATIC:
            if rule:
                errors["rule"] = [_("A static tag has no filter: its customers are chosen by hand.")]
            clean["rule"] = {}
        else:
            try:
                clean["rule"] = validate_rule(rule, tag=tag, by=by)
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return clean


def create_tag(
    *,
    by: User,
    name: str,
    kind: str = TagKind.STATIC,
    color: str = DEFAULT_COLOR,
    description: str = "",
    rule: Any = None,
) -> Tag:
    if kind not in TagKind.values:
        raise ValidationError({"kind": [_("Choose static or dynamic.")]})
    permissions.check_create_tag(by, kind)
    if kind == TagKind.DYNAMIC and rule is None:
        rule = {}
    values = _clean(
        {"name": name, "color": color, "description": description, "rule": rule or {}},
        kind=kind,
        tag=None,
        by=by,
    )
    try:
        with transaction.atomic():
            return Tag.objects.create(kind=kind, created_by=by, **values)
    except IntegrityError:
        raise ValidationError({"name": [_("A tag with this name exists already.")]}) from None


def update_tag(tag: Tag, *, by: User, version: int | None, **changes: Any) -> Tag:
    """Change name, colour, description or rule; `version` is the one the editor read."""
    if "kind" in changes and changes.pop("kind") != tag.kind:
        raise ValidationError({"kind": [_("A tag's kind cannot change; create a new tag instead.")]})
    unknown = set(changes) - set(TAG_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    permissions.check_change_tag(by, tag)
    if version is not None and version != tag.version:
        raise ConflictError(current_version=tag.version)
    values = _clean(changes, kind=tag.kind, tag=tag, by=by)
    try:
        with transaction.atomic():
            versioned_update(tag, version, **values)
    except IntegrityError:
        raise ValidationError({"name": [_("A tag with this name exists already.")]}) from None
    return tag


def referring_tags(tag: Tag) -> list[Tag]:
    """Dynamic tags whose rule filters by `tag`."""
    return list(
        Tag.objects.filter(kind=TagKind.DYNAMIC, rule__tag=tag.pk).exclude(pk=tag.pk).order_by("name")
    )


def delete_tag(tag: Tag, *, by: User, version: int | None = None) -> None:
    """Delete a tag and its attachments; each customer that had it gets a history line."""
    permissions.check_delete_tag(by, tag)
    users = referring_tags(tag)
    if users:
        raise RuleViolation(
            _("“%(name)s” is used in the filter of: %(tags)s. Change those tags first.")
            % {"name": tag.name, "tags": ", ".join(t.name for t in users)},
            {"tag": [_("Used by other dynamic tags.")]},
        )
    with transaction.atomic():
        current = Tag.objects.filter(pk=tag.pk).values_list("version", flat=True).first()
        if current is None or (version is not None and version != current):
            raise ConflictError(current_version=current)
        customer_ids = list(CustomerTag.objects.filter(tag=tag).values_list("customer_id", flat=True))
        summary = both_languages(
            lambda: _("Tag removed: %(name)s (the tag was deleted)") % {"name": tag.name}
        )
        CustomerChange.objects.bulk_create(
            [CustomerChange(customer_id=pk, changed_by=by, **summary) for pk in customer_ids],
            batch_size=500,
        )
        Tag.objects.filter(pk=tag.pk).delete()


def _static_only(tag: Tag) -> None:
    if tag.kind != TagKind.STATIC:
        raise RuleViolation(
            _("“%(name)s” is a dynamic tag: its customers come from its filter, not by hand.")
            % {"name": tag.name},
            {"tag": [_("Only static tags are put on or taken off by hand.")]},
        )


def attach_tag(customer: Customer, tag: Tag, *, by: User) -> bool:
    """Put a static tag on a customer the caller can see (checked by the caller); False if it was there."""
    _static_only(tag)
    with transaction.atomic():
        _link, created = CustomerTag.objects.get_or_create(
            customer=customer, tag=tag, defaults={"added_by": by}
        )
        if created:
            CustomerChange.objects.create(
                customer=customer,
                changed_by=by,
                **both_languages(lambda: _("Tag added: %(name)s") % {"name": tag.name}),
            )
    return created


def detach_tag(customer: Customer, tag: Tag, *, by: User) -> bool:
    """Take a static tag off a customer; False if it was not there."""
    _static_only(tag)
    with transaction.atomic():
        deleted, _detail = CustomerTag.objects.filter(customer=customer, tag=tag).delete()
        if deleted:
            CustomerChange.objects.create(
                customer=customer,
                changed_by=by,
                **both_languages(lambda: _("Tag removed: %(name)s") % {"name": tag.name}),
            )
    return bool(deleted)

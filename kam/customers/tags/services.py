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
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.access.visibility import customers_for
from kam.core.errors import ConflictError, RuleViolation
from kam.core.versioning import versioned_update
from kam.customers import selectors
from kam.customers.history import both_languages
from kam.customers.models import Customer, CustomerChange, CustomerTag, Tag, TagKind
from kam.customers.tags.selectors import referring_tags
from kam.org.models import Team, User

COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = "#5470c6"
# A dynamic tag may filter by another tag, which may filter by another…; past this depth the
# chain is refused (it would only make every list slower and is never what anyone means).
MAX_TAG_DEPTH = 5


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


# --- The tags page -------------------------------------------------------------------------------


# --- Writes ------------------------------------------------------------------------------------------

TAG_FIELDS = ("name", "name_en", "color", "description", "rule")


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
    if "name_en" in values:
        name_en = str(values["name_en"] or "").strip()
        if len(name_en) > 60:
            errors["name_en"] = [_("At most %(count)d characters.") % {"count": 60}]
        clean["name_en"] = name_en
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
    name_en: str = "",
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
        {"name": name, "name_en": name_en, "color": color, "description": description, "rule": rule or {}},
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

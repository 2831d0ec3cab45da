"""The one write path for 1×5 process metrics: managers and above define, change and remove them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.access.permissions import check_edit_process_metrics
from kam.activities.models import ActivityKind, AssessmentCycle, ProcessMetric
from kam.customers.models import Tier
from kam.org.models import User
from kam.relationships.models import DecisionRole

NAME_MAX = 100
MINIMUM_MAX = 1000
FIELDS = ("name", "name_en", "tier", "decision_role", "cycle", "minimum", "active", "order")


def _validate(values: dict[str, Any], kinds: list[ActivityKind] | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean = dict(values)
    for name in ("name", "name_en"):
        if name in clean:
            clean[name] = (clean[name] or "").strip()
            if len(clean[name]) > NAME_MAX:
                errors[name] = [_("At most %(count)d characters.") % {"count": NAME_MAX}]
    if "name" in clean and not clean["name"]:
        errors["name"] = [_("Name the quantified action, e.g. visits to decision makers of A customers.")]
    if "tier" in clean:
        clean["tier"] = clean["tier"] or ""
        if clean["tier"] and clean["tier"] not in Tier.values:
            errors["tier"] = [_("Choose a tier A–D, or none for every customer.")]
    if "decision_role" in clean:
        clean["decision_role"] = clean["decision_role"] or ""
        if clean["decision_role"] and clean["decision_role"] not in DecisionRole.values:
            errors["decision_role"] = [_("Choose one of the decision roles, or none.")]
    if "cycle" in clean and clean["cycle"] not in AssessmentCycle.values:
        errors["cycle"] = [_("Choose a weekly or a monthly cycle.")]
    if "minimum" in clean:
        minimum = clean["minimum"]
        if not isinstance(minimum, int) or isinstance(minimum, bool) or not 1 <= minimum <= MINIMUM_MAX:
            errors["minimum"] = [_("The minimum is a whole number from 1 to %(max)d.") % {"max": MINIMUM_MAX}]
    if "order" in clean:
        order = clean["order"]
        if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= 32767:
            errors["order"] = [_("The order is a whole number from 0 to 32767.")]
    if kinds is not None and any(not isinstance(kind, ActivityKind) for kind in kinds):
        errors["kinds"] = [_("Choose activity kinds from the list.")]
    if errors:
        raise ValidationError(errors)
    return clean


def create_metric(
    *,
    by: User,
    name: str,
    cycle: str,
    minimum: int,
    name_en: str = "",
    kinds: Iterable[ActivityKind] = (),
    tier: str = "",
    decision_role: str = "",
    active: bool = True,
    order: int = 0,
) -> ProcessMetric:
    """A quantified action: done activities of these kinds (none: every kind that counts as a
    visit), optionally with customers of a tier and a contact holding a decision role, counted per
    rep in every weekly or monthly cycle against the minimum."""
    check_edit_process_metrics(by)
    kind_list = list(kinds)
    values = _validate(
        {
            "name": name,
            "name_en": name_en,
            "tier": tier,
            "decision_role": decision_role,
            "cycle": cycle,
            "minimum": minimum,
            "active": bool(active),
            "order": order,
        },
        kind_list,
    )
    with transaction.atomic():
        metric = ProcessMetric.objects.create(**values)
        metric.kinds.set(kind_list)
    return metric


def update_metric(
    metric: ProcessMetric, *, by: User, kinds: Iterable[ActivityKind] | None = None, **changes: Any
) -> ProcessMetric:
    check_edit_process_metrics(by)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    kind_list = list(kinds) if kinds is not None else None
    values = _validate(changes, kind_list)
    with transaction.atomic():
        for name, value in values.items():
            setattr(metric, name, value)
        if values:
            metric.save(update_fields=list(values))
        if kind_list is not None:
            metric.kinds.set(kind_list)
    return metric


def delete_metric(metric: ProcessMetric, *, by: User) -> None:
    check_edit_process_metrics(by)
    metric.delete()

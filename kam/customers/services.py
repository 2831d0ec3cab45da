"""Writes to customers; edits are version-checked and leave a history row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.core.versioning import versioned_update
from kam.customers.history import both_languages
from kam.customers.models import (
    Customer,
    CustomerChange,
)
from kam.customers.scoring import tasks as rescores
from kam.org.models import User

# Inputs of the score that live on the customer row: changing one recomputes the score.
SCORED_FIELDS = ("category_purchases",)

CUSTOMER_FIELDS = (
    "name",
    "short_name",
    "parent",
    "owner",
    "industry",
    "region",
    "status",
    "annual_revenue",
    "category_purchases",
    "employees",
    "notes",
)


def check_parent(customer: Customer | None, parent: Customer | None) -> None:
    if parent is None or customer is None or customer.pk is None:
        return
    node: Customer | None = parent
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == customer.pk:
            raise ValidationError(
                {"parent": [_("A customer cannot be inside its own group (that would be a cycle).")]}
            )
        seen.add(node.pk)
        node = Customer.objects.filter(pk=node.parent_id).first() if node.parent_id else None


def create_customer(*, by: User, name: str, owner: User | None = None, **fields: Any) -> Customer:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in sorted(unknown)})
    customer = Customer(name=(name or "").strip(), owner=owner or by, **fields)
    customer.full_clean()
    with transaction.atomic():
        customer.save()
        CustomerChange.objects.create(
            customer=customer, changed_by=by, **both_languages(lambda: _("Created"))
        )
        rescores.request_rescore([customer.pk])
    customer.refresh_from_db()
    return customer


def update_customer(customer: Customer, *, by: User, version: int | None, **changes: Any) -> Customer:
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in sorted(unknown)})
    if "parent" in changes:
        check_parent(customer, changes["parent"])
    if (
        "owner" in changes
        and changes["owner"] != customer.owner
        and not permissions.may_hand_over_customer(by, customer)
    ):
        raise ValidationError(
            {"owner": [_("Only the customer's owner or a manager hands the customer to someone else.")]}
        )
    candidate = Customer(**{f: getattr(customer, f) for f in CUSTOMER_FIELDS if f not in ("parent", "owner")})
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.full_clean(exclude=["parent", "owner"])
    changed = [name for name, value in changes.items() if getattr(customer, name) != value]
    with transaction.atomic():
        versioned_update(customer, version, **changes)
        if changed:
            labels = {f.name: f.verbose_name for f in Customer._meta.fields}
            CustomerChange.objects.create(
                customer=customer,
                changed_by=by,
                **both_languages(lambda: ", ".join(f"{labels[n]}: {getattr(customer, n)}" for n in changed)),
            )
        if any(name in SCORED_FIELDS for name in changed):
            rescores.request_rescore([customer.pk])
            customer.refresh_from_db()
    return customer


# --- Scoring inputs and tier overrides ------------------------------------------------------------

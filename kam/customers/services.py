"""Writes to customers; edits are version-checked and leave a history row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.core.companies import (
    company_name_key,
    company_name_pinyin,
    normalise_credit_code,
    validate_credit_code,
)
from kam.core.versioning import versioned_update
from kam.customers import owner_checks
from kam.customers.history import both_languages
from kam.customers.models import (
    Customer,
    CustomerChange,
)
from kam.customers.pool.duplicates import check_duplicates
from kam.customers.scoring import tasks as rescores
from kam.opportunities.models import Opportunity
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


def create_customer(
    *,
    by: User,
    name: str,
    owner: User | None = None,
    credit_code: str = "",
    confirm_duplicates: bool = False,
    **fields: Any,
) -> Customer:
    """A new customer. Possible duplicates (kam.customers.pool.duplicates: the same normalised name
    or pinyin) stop it unless `confirm_duplicates`; the same credit code always does."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in sorted(unknown)})
    customer = Customer(name=(name or "").strip(), owner=owner or by, credit_code=credit_code or "", **fields)
    customer.full_clean(validate_constraints=False)
    owner_checks.check(customer, customer.owner)
    # Before the constraints: a taken credit code is reported on its field, with the customer's name.
    check_duplicates(by, name=customer.name, credit_code=customer.credit_code, confirmed=confirm_duplicates)
    customer.validate_constraints()
    with transaction.atomic():
        customer.save()
        CustomerChange.objects.create(
            customer=customer, changed_by=by, **both_languages(lambda: _("Created"))
        )
        rescores.request_rescore([customer.pk])
    customer.refresh_from_db()
    return customer


def _credit_code_change(customer: Customer, value: str) -> str:
    """The code as stored, checked: well formed and no other customer's."""
    code = normalise_credit_code(value or "")
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise ValidationError({"credit_code": error.messages}) from None
    if code and Customer.objects.filter(credit_code=code).exclude(pk=customer.pk).exists():
        raise ValidationError(
            {"credit_code": [_("A customer with this unified social credit code exists already.")]}
        )
    return code


def update_customer(customer: Customer, *, by: User, version: int | None, **changes: Any) -> Customer:
    unknown = set(changes) - set(CUSTOMER_FIELDS) - {"credit_code"}
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
    if "owner" in changes and changes["owner"] != customer.owner:
        owner_checks.check(customer, changes["owner"])
    candidate = Customer(**{f: getattr(customer, f) for f in CUSTOMER_FIELDS if f not in ("parent", "owner")})
    for name, value in changes.items():
        setattr(candidate, name, value)
    # The credit code's uniqueness is checked against the other customers (the candidate has no id).
    candidate.full_clean(exclude=["parent", "owner", "credit_code"])
    if "credit_code" in changes:
        changes["credit_code"] = _credit_code_change(customer, changes["credit_code"])
    # The candidate's clean() wrote industry and region as their rows name them (制造业, not Manufacturing).
    for name in ("industry", "region"):
        if name in changes:
            changes[name] = getattr(candidate, name)
    changed = [name for name, value in changes.items() if getattr(customer, name) != value]
    written = dict(changes)
    if "name" in changed:
        written.update(
            name_key=company_name_key(changes["name"]), name_pinyin=company_name_pinyin(changes["name"])
        )
    if "owner" in changed:
        written["kept_since"] = timezone.now()  # the public pool's clock starts again for the new owner
    with transaction.atomic():
        versioned_update(customer, version, **written)
        if "name" in changed:
            # The deals keep their customer's name for the pipeline's customer sort.
            Opportunity.objects.filter(customer=customer).update(customer_name=written["name"])
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

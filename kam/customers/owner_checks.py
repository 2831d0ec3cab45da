"""Checks on who may own a customer, registered by the apps above this one.

The customers app sits below the apps that know about people's qualifications (kam.team's playbook
certification: only certified reps own key-tier customers), so it cannot ask them; they register a
check here from their AppConfig.ready(), and every service that gives a customer an owner calls
`check()` before writing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kam.customers.models import Customer
    from kam.org.models import User

# A check raises django.core.exceptions.ValidationError (keyed on "owner") to refuse the owner.
OwnerCheck = Callable[["Customer", "User"], None]

_checks: list[OwnerCheck] = []


def register(check_fn: OwnerCheck) -> None:
    """Add a check (once: registering the same function again changes nothing)."""
    if check_fn not in _checks:
        _checks.append(check_fn)


def unregister(check_fn: OwnerCheck) -> None:
    if check_fn in _checks:
        _checks.remove(check_fn)


def check(customer: Customer, owner: User | None) -> None:
    """Run every registered check for `owner` becoming the owner of `customer`."""
    if owner is None:
        return
    for check_fn in list(_checks):
        check_fn(customer, owner)

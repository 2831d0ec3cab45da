"""The rule that only certified reps own key-tier customers, checked when a customer is given an
owner (registered with kam.customers.owner_checks by the app's ready())."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.customers.models import Customer
from kam.org.models import User
from kam.team.playbook.selectors import certification_rule, is_certified


def check_key_owner(customer: Customer, owner: User) -> None:
    rule = certification_rule()
    if not rule.enforce_key_owner or customer.tier not in rule.tier_set:
        return
    if is_certified(owner, timezone.localdate()):
        return
    raise ValidationError(
        {
            "owner": [
                _(
                    "%(name)s is not certified on the playbook and cannot own a tier %(tier)s customer: "
                    "only certified reps own key-tier customers."
                )
                % {"name": owner, "tier": customer.tier}
            ]
        }
    )

"""The duplicate check (查重): customers that may be the same company as a name and credit code.

Every customer is searched, not only those the asking user sees: the check exists so that two reps
do not hold the same company under two records. A match the user cannot see shows its name and
owner only (so the rep knows whom to ask), never a link into it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access.visibility import customers_for
from kam.core.companies import company_name_key, company_name_pinyin, normalise_credit_code
from kam.customers.models import Customer
from kam.org.models import User

MAX_MATCHES = 10

REASON_LABELS = {
    "name": gettext_lazy("same name"),
    "pinyin": gettext_lazy("same pinyin"),
    "credit_code": gettext_lazy("same credit code"),
}


@dataclass
class DuplicateMatch:
    customer: Customer
    reasons: list[str] = field(default_factory=list)
    visible: bool = False

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS[r]) for r in self.reasons]

    @property
    def blocking(self) -> bool:
        """The same credit code is the same company: no confirmation lets a second record in."""
        return "credit_code" in self.reasons


def find_duplicates(
    user: User, *, name: str, credit_code: str = "", exclude_pk: int | None = None
) -> list[DuplicateMatch]:
    """At most MAX_MATCHES customers sharing the normalised name, its pinyin or the credit code, each
    with the keys it shares; two statements (the matches, and which of them the user sees)."""
    key, pinyin, code = company_name_key(name), company_name_pinyin(name), normalise_credit_code(credit_code)
    condition = Q()
    if key:
        condition |= Q(name_key=key)
    if pinyin:
        condition |= Q(name_pinyin=pinyin)
    if code:
        condition |= Q(credit_code=code)
    if not condition:
        return []
    qs = Customer.objects.filter(condition).select_related("owner").order_by("name", "id")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    matches = []
    for customer in qs[:MAX_MATCHES]:
        reasons = []
        if code and customer.credit_code == code:
            reasons.append("credit_code")
        if key and customer.name_key == key:
            reasons.append("name")
        if pinyin and customer.name_pinyin == pinyin:
            reasons.append("pinyin")
        matches.append(DuplicateMatch(customer=customer, reasons=reasons))
    if matches:
        seen = set(
            customers_for(user, Customer.objects.filter(pk__in=[m.customer.pk for m in matches])).values_list(
                "pk", flat=True
            )
        )
        for match in matches:
            match.visible = match.customer.pk in seen
    return matches


def describe(matches: list[DuplicateMatch]) -> str:
    return "; ".join(
        _("%(name)s (owner %(owner)s: %(reasons)s)")
        % {"name": m.customer.name, "owner": m.customer.owner, "reasons": ", ".join(m.reason_labels)}
        for m in matches
    )


class DuplicatesFound(ValidationError):
    """Possible duplicates the user has not confirmed; `matches` lists them for the form or API."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        self.matches = matches
        blocking = [m for m in matches if m.blocking]
        if blocking:
            super().__init__(
                {
                    "credit_code": [
                        _("A customer with this unified social credit code exists already: %(matches)s.")
                        % {"matches": describe(blocking)}
                    ]
                }
            )
        else:
            super().__init__(
                {
                    "name": [
                        _("Possibly the same company as: %(matches)s. Confirm to go on anyway.")
                        % {"matches": describe(matches)}
                    ]
                }
            )

    @property
    def blocking(self) -> bool:
        return any(m.blocking for m in self.matches)


def check_duplicates(
    user: User, *, name: str, credit_code: str = "", exclude_pk: int | None = None, confirmed: bool
) -> None:
    """Raise DuplicatesFound for a credit code already taken, or for unconfirmed name matches."""
    matches = find_duplicates(user, name=name, credit_code=credit_code, exclude_pk=exclude_pk)
    if any(m.blocking for m in matches) or (matches and not confirmed):
        raise DuplicatesFound(matches)

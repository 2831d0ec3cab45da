"""Customer analysis (客户分析, DOMAIN.md section 3): saves and reads.

Every save is a new CustomerAnalysis row, revision n+1, holding the whole analysis; rows are never
updated. A save names the revision it was based on: if someone saved meanwhile it is refused with
the other person's revision, so nobody overwrites an analysis they have not seen. A save that
changes nothing creates no revision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ConflictError
from kam.customers.analysis.selectors import FIELDS, field_label, latest_analysis, values_of
from kam.customers.history import both_languages
from kam.customers.models import Customer, CustomerAnalysis, CustomerChange
from kam.org.models import User


class AnalysisConflict(ConflictError):
    """Someone saved a revision after the one the save was based on; `latest` is theirs."""

    def __init__(self, latest: CustomerAnalysis | None) -> None:
        revision = latest.revision if latest else 0
        if latest is not None:
            who = _name(latest.created_by)
            message = _(
                "%(who)s saved revision %(revision)s at %(when)s while you were editing. "
                "Compare with theirs, then save again."
            ) % {
                "who": who,
                "revision": revision,
                "when": timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M"),
            }
        else:
            # Revisions are never deleted: the save named one that was never there.
            message = _(
                "No analysis has been saved for this customer yet: reload and save as the first revision."
            )
        super().__init__(message, current_version=revision)
        self.latest = latest


def _name(user: User | None) -> str:
    if user is None:
        return _("someone")
    return user.name or user.username


@dataclass
class SaveResult:
    """The latest revision after the save, whether one was created, and which fields changed."""

    analysis: CustomerAnalysis | None
    created: bool
    changed: list[str] = field(default_factory=list)

    @property
    def revision(self) -> int:
        return self.analysis.revision if self.analysis else 0


# --- Reads --------------------------------------------------------------------------------------


# --- Writes -------------------------------------------------------------------------------------


def normalise(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: [_("Enter text.")]})
    # Browsers send CRLF; the stored text should compare equal to what was typed before.
    return value.replace("\r\n", "\n").strip()


def save_analysis(customer: Customer, *, by: User, base_revision: int, **fields: Any) -> SaveResult:
    """Save the analysis as revision n+1 if anything changed.

    `fields` are the analysis fields to set; any left out keep the value of the base revision.
    `base_revision` is the revision the user read (0 when there was none). The caller has checked
    that `by` may see the customer (selectors.customer_detail).
    """
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    given = {name: normalise(name, value) for name, value in fields.items()}
    # Validate what was sent before looking at the stored revision: a bad choice is the user's
    # error whatever anyone else saved.
    CustomerAnalysis(customer=customer, revision=1, **given).full_clean(
        exclude=["customer", "created_by", "revision"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            latest = latest_analysis(customer)
            current = latest.revision if latest else 0
            if base_revision != current:
                raise AnalysisConflict(latest)
            before = values_of(latest)
            after = {**before, **given}
            changed = [name for name in FIELDS if after[name] != before[name]]
            if not changed:
                return SaveResult(latest, created=False)
            analysis = CustomerAnalysis.objects.create(
                customer=customer, revision=current + 1, created_by=by, **after
            )
            CustomerChange.objects.create(
                customer=customer,
                changed_by=by,
                **both_languages(
                    lambda: (
                        _("Customer analysis revision %(revision)s: %(fields)s")
                        % {
                            "revision": analysis.revision,
                            "fields": ", ".join(field_label(name) for name in changed),
                        }
                    )
                ),
            )
    except IntegrityError:
        # Another save took revision n+1 between our read and our insert.
        raise AnalysisConflict(latest_analysis(customer)) from None
    analysis.created_by = by
    return SaveResult(analysis, created=True, changed=changed)

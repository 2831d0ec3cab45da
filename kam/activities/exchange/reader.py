"""Excel import of activities: every row read and checked, then all written or none.

A row's errors name the row and the column in the reader's language. The rows are written through
`create_activity` (the uploader leads them), each in a savepoint, so every row's errors are found
in one pass; any error rolls the whole file back."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kam.access.visibility import customers_for, opportunities_for
from kam.activities import services
from kam.activities.exchange.columns import COLUMNS, REQUIRED, column_label, header_index
from kam.activities.models import ActivityKind, ActivityStatus
from kam.core.excel import safe_cell
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.relationships.models import Contact

MAX_ROWS = 5_000
LIST_SEPARATORS = (";", "；", ",", "，", "\n")


@dataclass
class ImportResult:
    created: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    """Leaves the import's transaction so that nothing of a file with errors is kept."""


def _where(row: int, key: str) -> str:
    if key in ("__all__", "row"):
        return pgettext("import", "Row %(row)d") % {"row": row}
    return _("Row %(row)d, column %(column)s") % {"row": row, "column": column_label(key)}


def _names(value: Any) -> list[str]:
    text = str(value or "")
    for separator in LIST_SEPARATORS[1:]:
        text = text.replace(separator, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


class _Resolver:
    """Turns a row's cells into the values the service takes, with a message per column."""

    def __init__(self, by: User) -> None:
        self.by = by
        self.kinds: dict[str, ActivityKind] = {}
        for kind in ActivityKind.objects.filter(active=True):
            for name in (kind.code, kind.name, kind.name_en):
                if name:
                    self.kinds[name.strip().lower()] = kind
        self.statuses: dict[str, str] = {}
        for value, label in ActivityStatus.choices:
            self.statuses[value] = value
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    self.statuses[str(label).lower()] = value
        self.customers: dict[str, Customer | None] = {}

    def customer(self, text: str) -> Customer | None:
        if text not in self.customers:
            qs = customers_for(self.by, Customer.objects.all())
            found = list(
                qs.filter(pk=int(text))
                if text.isdecimal() and len(text) < 19
                else qs.filter(Q(name=text) | Q(short_name=text))[:2]
            )
            self.customers[text] = found[0] if len(found) == 1 else None
        return self.customers[text]

    def row(self, cells: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}

        def add(key: str, message: str) -> None:
            errors.setdefault(key, []).append(message)

        for key in REQUIRED:
            if not _text(cells.get(key)):
                add(key, _("This column is required."))
        customer = None
        if _text(cells.get("customer")):
            customer = self.customer(_text(cells.get("customer")))
            if customer is None:
                add("customer", _("No customer you can see has this name or id."))
        values["customer"] = customer
        kind_text = _text(cells.get("kind")).lower()
        if kind_text:
            values["kind"] = self.kinds.get(kind_text)
            if values["kind"] is None:
                add("kind", _("Unknown kind of activity: use a code or a name from the template's list."))
        status_text = _text(cells.get("status")).lower()
        values["status"] = self.statuses.get(status_text, "") if status_text else ActivityStatus.DONE
        if not values["status"]:
            add("status", _("Use planned, done or cancelled."))
        start = cells.get("start")
        if isinstance(start, dt.datetime):
            values["start"] = timezone.make_aware(start) if timezone.is_naive(start) else start
        elif isinstance(start, dt.date):
            values["start"] = timezone.make_aware(dt.datetime.combine(start, dt.time(9, 0)))
        elif _text(start):
            parsed = parse_datetime(_text(start).replace("/", "-"))
            if parsed is None:
                day = parse_date(_text(start).replace("/", "-"))
                parsed = dt.datetime.combine(day, dt.time(9, 0)) if day else None
            if parsed is None:
                add("start", _("Write a date and time, e.g. 2026-03-31 14:00."))
            else:
                values["start"] = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        minutes = cells.get("duration_minutes")
        if _text(minutes):
            try:
                values["duration_minutes"] = int(float(_text(minutes)))
            except ValueError:
                add("duration_minutes", _("Write a whole number of minutes."))
        due = cells.get("next_step_due")
        if isinstance(due, dt.datetime):
            values["next_step_due"] = due.date()
        elif isinstance(due, dt.date):
            values["next_step_due"] = due
        elif _text(due):
            values["next_step_due"] = parse_date(_text(due).replace("/", "-"))
            if values["next_step_due"] is None:
                add("next_step_due", _("Write a date, e.g. 2026-03-31."))
        for key in ("summary", "outcome", "next_step"):
            values[key] = _text(cells.get(key))
        if customer is not None:
            number = _text(cells.get("opportunity"))
            if number:
                opportunity = (
                    opportunities_for(self.by, Opportunity.objects.filter(customer_id=customer.pk))
                    .filter(Q(project_number=number) | Q(name=number))
                    .first()
                )
                if opportunity is None:
                    add(
                        "opportunity",
                        _("No opportunity of this customer you can see has this project number."),
                    )
                values["opportunity"] = opportunity
            names = _names(cells.get("contacts"))
            if names:
                found = {c.name: c for c in Contact.objects.filter(customer_id=customer.pk, name__in=names)}
                missing = [n for n in names if n not in found]
                if missing:
                    add(
                        "contacts",
                        _("Not contacts of this customer: %(names)s.") % {"names": ", ".join(missing)},
                    )
                values["contacts"] = [found[n] for n in names if n in found]
        people = _names(cells.get("our_people"))
        if people:
            found_people = {u.username: u for u in User.objects.filter(username__in=people)}
            missing = [n for n in people if n not in found_people]
            if missing:
                add("our_people", _("Unknown usernames: %(names)s.") % {"names": ", ".join(missing)})
            values["our_people"] = [found_people[n] for n in people if n in found_people]
        return values, errors


def import_activities(content: bytes, *, by: User) -> ImportResult:
    """Read the first sheet; write every row through the service, or none if any row fails."""
    result = ImportResult()
    try:
        rows = read_rows(content)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        result.errors.append(_("The file is not an Excel workbook (.xlsx)."))
        return result
    if not rows:
        result.errors.append(_("The workbook is empty."))
        return result
    index = header_index(rows[0])
    missing = [key for key in REQUIRED if key not in index]
    if missing:
        result.errors.append(
            _("The header row lacks the columns %(columns)s.")
            % {"columns": ", ".join(column_label(k) for k in missing)}
        )
        return result
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(_text(c) for c in row)]
    if len(body) > MAX_ROWS:
        result.errors.append(_("At most %(count)s rows per file.") % {"count": f"{MAX_ROWS:,}"})
        return result
    resolver = _Resolver(by)
    try:
        with transaction.atomic():
            for number, row in body:
                cells = {
                    key: row[position] if position < len(row) else None for key, position in index.items()
                }
                values, errors = resolver.row(cells)
                if not errors:
                    try:
                        with transaction.atomic():
                            services.create_activity(by=by, **values)
                    except ValidationError as error:
                        errors = error.message_dict
                    else:
                        result.created += 1
                for key, messages in errors.items():
                    result.errors.extend(
                        _("%(where)s: %(message)s") % {"where": _where(number, key), "message": message}
                        for message in messages
                    )
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = 0
    return result


def template_xlsx(by: User) -> bytes:
    """The header (keys with their meaning) and one example row, then a sheet of the kinds."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Activities")
    sheet.append([column_label(key) for key in COLUMNS])
    customer = customers_for(by, Customer.objects.order_by("name")).first()
    example = {
        "customer": customer.name if customer else _("Example Steel"),
        "kind": "visit",
        "status": ActivityStatus.DONE.value,
        "start": timezone.localtime().replace(minute=0, second=0, microsecond=0, tzinfo=None)
        - dt.timedelta(days=1),
        "duration_minutes": 60,
        "summary": _("Visit the plant manager"),
        "outcome": _("Agreed on a site survey"),
        "next_step": _("Send the survey plan"),
        "our_people": by.username,
    }
    sheet.append([safe_cell(example.get(key, "")) for key in COLUMNS])
    for cells in sheet.columns:
        sheet.column_dimensions[cells[0].column_letter].width = 20
    kinds = workbook.create_sheet(_("Kinds"))
    kinds.append([_("code"), _("name"), _("English name")])
    for kind in ActivityKind.objects.filter(active=True):
        kinds.append([kind.code, kind.name, kind.name_en])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

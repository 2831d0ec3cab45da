"""Targets (quotas): who may set them, the one write path, and the Excel/CSV upload.

Managers set targets for the teams of their subtree and the people in them; directors and
administrators for everyone; reps only read their own and their team's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.core.money import MAX_MONEY
from kam.core.periods import parse_quarter, quarter_bounds
from kam.core.versioning import versioned_update
from kam.insights.targets.selectors import settable_teams, settable_users
from kam.org.models import Target, Team, User

DUPLICATE_CHOICES = ("update", "refuse")


def _clean(
    by: User,
    *,
    user: User | None,
    team: Team | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    amount: Any,
) -> tuple[dt.date, dt.date, Decimal]:
    errors: dict[str, list[str]] = {}
    if (user is None) == (team is None):
        errors["__all__"] = [_("A target is for one person or one team.")]
    elif not permissions.may_set_target(by, user=user, team=team):
        errors["user" if user is not None else "team"] = [
            _("You may not set targets for this person or team.")
        ]
    if period_start is None:
        errors["period_start"] = [_("Enter the first day of the period.")]
    if period_end is None:
        errors["period_end"] = [_("Enter the last day of the period.")]
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    value: Decimal | None = None
    try:
        value = Decimal(str(amount)) if amount not in (None, "") else None
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        errors["amount"] = [_("Enter an amount.")]
    elif value < 0:
        errors["amount"] = [_("A target cannot be negative.")]
    elif value > MAX_MONEY:
        errors["amount"] = [_("The amount is too large.")]
    elif value != value.quantize(Decimal("0.01")):
        errors["amount"] = [_("At most two decimal places.")]
    if errors:
        raise ValidationError(errors)
    assert period_start and period_end and value is not None
    return period_start, period_end, value.quantize(Decimal("0.01"))


def _duplicate(
    user: User | None, team: Team | None, start: dt.date, end: dt.date, exclude: int | None = None
):
    qs = Target.objects.filter(period_start=start, period_end=end)
    qs = qs.filter(user=user) if user is not None else qs.filter(team=team)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def create_target(
    *,
    by: User,
    user: User | None = None,
    team: Team | None = None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    amount: Any,
) -> Target:
    start, end, value = _clean(
        by, user=user, team=team, period_start=period_start, period_end=period_end, amount=amount
    )
    with transaction.atomic():
        if _duplicate(user, team, start, end):
            raise ValidationError(
                {"period_start": [_("A target for this person or team and period exists already.")]}
            )
        return Target.objects.create(
            user=user, team=team, period_start=start, period_end=end, amount=value, set_by=by
        )


def update_target(target: Target, *, by: User, version: int | None = None, **changes: Any) -> Target:
    """Change a target's period or amount (and who it is for); the same rules as creating one.

    `version` is the one the editor read: a stale one is a conflict, not a silent overwrite."""
    permissions.check_change_target(by, user=target.user, team=target.team)
    unknown = set(changes) - {"user", "team", "period_start", "period_end", "amount"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    user = changes.get("user", target.user)
    team = changes.get("team", target.team)
    if "user" in changes and changes["user"] is not None and "team" not in changes:
        team = None
    if "team" in changes and changes["team"] is not None and "user" not in changes:
        user = None
    start, end, value = _clean(
        by,
        user=user,
        team=team,
        period_start=changes.get("period_start", target.period_start),
        period_end=changes.get("period_end", target.period_end),
        amount=changes.get("amount", target.amount),
    )
    with transaction.atomic():
        if _duplicate(user, team, start, end, exclude=target.pk):
            raise ValidationError(
                {"period_start": [_("A target for this person or team and period exists already.")]}
            )
        versioned_update(
            target,
            version,
            user=user,
            team=team,
            period_start=start,
            period_end=end,
            amount=value,
            set_by=by,
            updated_at=timezone.now(),
        )
    return target


def delete_target(target: Target, *, by: User) -> None:
    permissions.check_delete_target(by, user=target.user, team=target.team)
    target.delete()


# ---------------------------------------------------------------------------------------------
# Upload


def parse_period_cells(start: Any, end: Any) -> tuple[dt.date | None, dt.date | None, str | None]:
    """A period from the start and end cells: two dates, or a quarter ("2027 Q3", "27.Q3") in the
    start cell with the end left empty. Returns (start, end, error)."""

    def as_date(value: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value or "").strip()
        try:
            return dt.date.fromisoformat(text[:10]) if text else None
        except ValueError:
            return None

    start_text = str(start or "").strip() if not isinstance(start, dt.date) else ""
    end_text = str(end or "").strip() if not isinstance(end, dt.date) else ""
    if start_text and parse_quarter(start_text):
        year, quarter = parse_quarter(start_text)  # type: ignore[misc]
        first, last = quarter_bounds(year, quarter)
        if end_text or isinstance(end, dt.date):
            end_quarter = parse_quarter(end_text) if end_text else None
            if end_quarter:
                last = quarter_bounds(*end_quarter)[1]
            elif as_date(end) is not None:
                last = as_date(end)  # type: ignore[assignment]
            else:
                return None, None, _("Write the period end as a date (2027-09-30) or a quarter.")
        return first, last, None
    start_day = as_date(start)
    if start_day is None:
        return None, None, _("Write the period start as a date (2027-07-01) or a quarter (2027 Q3).")
    end_day = as_date(end)
    if end_day is not None:
        return start_day, end_day, None
    end_quarter = parse_quarter(end_text) if end_text else None
    if end_quarter is None:
        return None, None, _("Write the period end as a date (2027-09-30) or a quarter.")
    return start_day, quarter_bounds(*end_quarter)[1], None


@dataclass
class RowError:
    row: int
    field: str
    message: str

    @property
    def column(self) -> str:
        """The file's column as written in it, with its meaning in the reader's language."""
        meanings = {
            "username": _("person"),
            "team": _("team"),
            "period_start": _("period start"),
            "period_end": _("period end"),
            "amount": _("amount"),
        }
        if self.field in meanings:
            return f"{self.field} ({meanings[self.field]})"
        return {"header": _("header row"), "file": _("file")}.get(self.field, self.field)


@dataclass
class UploadResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(content: bytes, filename: str) -> list[list[Any]]:
    """The sheet's rows (header included) from an .xlsx or a .csv (UTF-8, with or without BOM, or GB18030)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ValidationError({"file": [_("This is not a readable .xlsx file.")]}) from exc
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": [_("The CSV file is neither UTF-8 nor GB18030 text.")]})
        return list(csv.reader(io.StringIO(text)))
    raise ValidationError({"file": [_("Upload an .xlsx or .csv file.")]})


def _header_index(header: list[Any]) -> dict[str, int]:
    aliases = {
        "username": ("username", "user", "person", "用户名", "人员"),
        "team": ("team", "team name", "团队"),
        "period_start": ("period_start", "period start", "start", "开始", "期间开始"),
        "period_end": ("period_end", "period end", "end", "结束", "期间结束"),
        "amount": ("amount", "target", "目标", "金额", "目标金额"),
    }
    index: dict[str, int] = {}
    for position, cell in enumerate(header):
        text = str(cell or "").strip().lower()
        for key, names in aliases.items():
            if text in names and key not in index:
                index[key] = position
    return index


def import_targets(*, by: User, content: bytes, filename: str, on_duplicate: str = "refuse") -> UploadResult:
    """Validate every row first; save all of them in one transaction, or none if any row is wrong.

    Duplicates (same person or team and period, in the database or earlier in the file) are
    updated or refused, as the user chose."""
    if on_duplicate not in DUPLICATE_CHOICES:
        raise ValidationError({"on_duplicate": [_("Choose update or refuse.")]})
    permissions.check_set_targets(by)
    rows = read_rows(content, filename)
    result = UploadResult()
    if not rows:
        result.errors.append(RowError(1, "file", _("The file is empty.")))
        return result
    index = _header_index(rows[0])
    missing = [name for name in ("period_start", "amount") if name not in index]
    if "username" not in index and "team" not in index:
        missing.insert(0, "username / team")
    if missing:
        result.errors.append(
            RowError(1, "header", _("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        )
        return result

    def cell(row: list[Any], name: str) -> Any:
        position = index.get(name)
        return row[position] if position is not None and position < len(row) else None

    users = {u.username.lower(): u for u in settable_users(by)}
    teams = {t.name.lower(): t for t in settable_teams(by)}
    planned: list[tuple[int, User | None, Team | None, dt.date, dt.date, Decimal]] = []
    seen: dict[tuple[str, int, dt.date, dt.date], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if all(value in (None, "") or str(value).strip() == "" for value in row):
            continue
        username = str(cell(row, "username") or "").strip()
        team_name = str(cell(row, "team") or "").strip()
        user = team = None
        if username and team_name:
            result.errors.append(RowError(number, "username", _("Give a person or a team, not both.")))
            continue
        if username:
            user = users.get(username.lower())
            if user is None:
                result.errors.append(
                    RowError(number, "username", _("Unknown person, or not one you set targets for."))
                )
                continue
        elif team_name:
            team = teams.get(team_name.lower())
            if team is None:
                result.errors.append(
                    RowError(number, "team", _("Unknown team, or not one you set targets for."))
                )
                continue
        else:
            result.errors.append(RowError(number, "username", _("Give a username or a team name.")))
            continue
        start, end, period_error = parse_period_cells(cell(row, "period_start"), cell(row, "period_end"))
        if period_error:
            result.errors.append(RowError(number, "period_start", period_error))
            continue
        try:
            start, end, amount = _clean(
                by, user=user, team=team, period_start=start, period_end=end, amount=cell(row, "amount")
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    result.errors.append(RowError(number, name, message))
            continue
        key = ("u" if user else "t", (user or team).pk, start, end)  # type: ignore[union-attr]
        if key in seen:
            result.errors.append(
                RowError(
                    number,
                    "period_start",
                    _("Same person or team and period as row %(row)s.") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = number
        planned.append((number, user, team, start, end, amount))
    # One query for the duplicates already stored.
    existing: dict[tuple[str, int, dt.date, dt.date], Target] = {}
    if planned:
        user_ids = [u.pk for _n, u, _t, _s, _e, _a in planned if u]
        team_ids = [t.pk for _n, _u, t, _s, _e, _a in planned if t]
        for target in Target.objects.filter(Q(user_id__in=user_ids) | Q(team_id__in=team_ids)):
            kind, pk = ("u", target.user_id) if target.user_id else ("t", target.team_id)
            existing[(kind, pk, target.period_start, target.period_end)] = target  # type: ignore[index]
    to_create: list[Target] = []
    to_update: list[Target] = []
    for number, user, team, start, end, amount in planned:
        key = ("u" if user else "t", (user or team).pk, start, end)  # type: ignore[union-attr]
        current = existing.get(key)
        if current is None:
            to_create.append(
                Target(user=user, team=team, period_start=start, period_end=end, amount=amount, set_by=by)
            )
        elif on_duplicate == "update":
            current.amount, current.set_by = amount, by
            to_update.append(current)
        else:
            result.errors.append(
                RowError(
                    number, "period_start", _("A target for this person or team and period exists already.")
                )
            )
    if result.errors:
        return result
    with transaction.atomic():
        Target.objects.bulk_create(to_create, batch_size=500)
        for target in to_update:
            target.save(update_fields=["amount", "set_by", "updated_at"])
    result.created, result.updated = len(to_create), len(to_update)
    return result

"""Reads for setting targets: whom a user may set targets for, and the upload template."""

from __future__ import annotations

import io

from django.db.models import QuerySet

from kam.core.excel import safe_cell
from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids

TEMPLATE_HEADERS = ("username", "team", "period_start", "period_end", "amount")


def settable_teams(by: User) -> QuerySet[Team]:
    if by.sees_everything:
        return Team.objects.all()
    if by.role == Role.MANAGER:
        return Team.objects.filter(pk__in=managed_team_ids(by))
    return Team.objects.none()


def settable_users(by: User) -> QuerySet[User]:
    if by.sees_everything:
        return User.objects.filter(is_active=True)
    if by.role == Role.MANAGER:
        return User.objects.filter(is_active=True, team_id__in=managed_team_ids(by))
    return User.objects.none()


def template_xlsx(user: User | None = None) -> bytes:
    """The upload template: the columns, two example rows (a person by dates, a team by quarter).

    The examples name the downloader and their team, so the unchanged template uploads."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "targets"
    sheet.append(list(TEMPLATE_HEADERS))
    username = user.username if user is not None else "zhangsan"
    team = user.team.name if user is not None and user.team is not None else "East"
    sheet.append([safe_cell(username), "", "2027-07-01", "2027-09-30", 1000000])
    sheet.append(["", safe_cell(team), "2027 Q3", "", 5000000])
    for column, width in zip("ABCDE", (16, 16, 14, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

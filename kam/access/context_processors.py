"""What the top bar may offer the signed-in user: its links ask kam.access.permissions, once."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kam.access import permissions


def top_bar(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "may_view_audit": False,
            "may_import": False,
            "may_open_team_channels": False,
            "may_view_win_models": False,
        }
    return {
        "may_view_audit": permissions.may_view_audit(user),
        "may_import": permissions.may_import(user),
        "may_open_team_channels": permissions.may_open_team_channels(user),
        "may_view_win_models": permissions.may_view_models(user),
    }

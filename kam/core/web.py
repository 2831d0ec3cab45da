"""What every view and API operation asks of a request: who is signing in, in which language."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from django.utils.translation import get_language

if TYPE_CHECKING:
    from kam.org.models import User


def current_user(request: HttpRequest) -> User:
    """The signed-in user. Pages sit behind login_required and the API behind its auth classes,
    so by the time a view asks, the request's user is a kam user (never anonymous)."""
    return cast("User", request.user)


def echarts_locale() -> str:
    """ECharts' locale for the active language (its built-in ZH or EN)."""
    return "ZH" if (get_language() or "").lower().startswith("zh") else "EN"

"""The unit a reader sees amounts in: yuan (¥144,553,500.00) or ten thousand yuan (14,455.35 万).

Each person chooses it (`org.User.money_unit`); left blank, the language decides: Chinese readers
think in 万元, English readers in yuan. Lists, cards, boards, charts and the 360° page follow it;
forms, a record's own header and exports keep exact yuan.

The template filters have no context, so `MoneyUnitMiddleware` keeps the request in a context
variable and `current_unit()` reads the person off it: the user row the page loaded already, so
no call of a filter costs a query. Code that renders for someone outside a request (an e-mail
digest) says whose unit to use with `use_money_unit()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class MoneyUnit(models.TextChoices):
    YUAN = "yuan", _("Yuan (¥1,234,567.89)")
    WAN = "wan", _("Ten thousand yuan (123.46 万)")


UNITS = frozenset(MoneyUnit.values)
# What a 万 amount ends with, in both languages: it is the unit our readers know by that sign.
WAN_SUFFIX = "万"

_request: ContextVar[HttpRequest | None] = ContextVar("kam_money_request", default=None)
_override: ContextVar[str] = ContextVar("kam_money_unit", default="")


def language_default(language: str | None = None) -> str:
    """万元 for Chinese, yuan for every other language."""
    language = (language if language is not None else get_language()) or ""
    return MoneyUnit.WAN if language.lower().startswith("zh") else MoneyUnit.YUAN


def chosen_unit(user: Any) -> str:
    """The unit a person picked, or "" (the language's default)."""
    unit = getattr(user, "money_unit", "") or ""
    return unit if unit in UNITS else ""


def current_unit() -> str:
    """The unit of the reader being served: an explicit `use_money_unit`, else the signed-in
    person's choice, else the active language's default."""
    unit = _override.get()
    if unit:
        return unit
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            unit = chosen_unit(user)
            if unit:
                return unit
    return language_default()


@contextmanager
def use_money_unit(unit: str) -> Iterator[None]:
    """Render in `unit` (a MoneyUnit value; "" falls back to the usual rules) inside the block."""
    token = _override.set(unit if unit in UNITS else "")
    try:
        yield
    finally:
        _override.reset(token)


class MoneyUnitMiddleware:
    """Lets the money filters find the reader of this request (module doc). It reads nothing
    itself: the user is looked at only when an amount is shown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)

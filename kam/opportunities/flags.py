"""The flags the pipeline shows on a deal, raised by an engine the layer above supplies.

The pipeline table, the board, the deal page and the API sort, filter and badge deals by their
flags; what raises a flag (pipeline health) belongs to kam.insights, whose rules read
stages, history and decision chains. So this module names what the pipeline needs (a FlagEngine)
and insights registers its engine when the app registry is ready (InsightsConfig.ready): the
pipeline asks for "the flag engine" and never imports the layer above it.

The registered engine reads stored flags: the worst one is the `health_rank` column (sorted and
filtered through its index), a page's flags one query. The services tell insights what changed
(kam.opportunities.signals.health_inputs_changed) and it recomputes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

# The column holding a deal's worst stored flag as 0 (none) … 3 (critical), for sorting and filtering.
RANK_FIELD = "health_rank"


class Flag(Protocol):
    code: str
    name: str
    severity: str
    explanation: str

    @property
    def rank(self) -> int: ...


class FlagEngine(Protocol):
    """The rules loaded once, applied to any number of opportunity querysets or lists."""

    def with_rank(self, qs: QuerySet, name: str = ..., *, alias: bool = ...) -> QuerySet: ...

    def flagged_only(self, qs: QuerySet) -> QuerySet: ...

    def flags_for(self, opportunities: list[Any]) -> dict[int, list[Any]]: ...

    def attach(self, opportunities: list[Any], attr: str = ...) -> list[Any]: ...


_factory: Callable[..., FlagEngine] | None = None


def register(factory: Callable[..., FlagEngine]) -> None:
    """Called once by the app that raises flags, when Django's app registry is ready."""
    global _factory
    _factory = factory


def flag_engine(now: dt.datetime | None = None) -> FlagEngine:
    if _factory is None:
        raise ImproperlyConfigured("No flag engine is registered: kam.insights must be in INSTALLED_APPS.")
    return _factory(now)


def worst_severity(flags: Sequence[Flag]) -> str | None:
    """The worst severity among a deal's flags (for the badge colour), None without flags."""
    if not flags:
        return None
    return max(flags, key=lambda flag: flag.rank).severity

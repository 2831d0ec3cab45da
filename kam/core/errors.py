"""Errors the services raise; views turn them into form messages, the API into JSON."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """Someone else saved the record since it was read (stale version)."""

    def __init__(self, message: str | None = None, *, current_version: int | None = None) -> None:
        super().__init__(
            message or str(_("This record was changed by someone else. Reload and apply your change again."))
        )
        self.current_version = current_version


class PreconditionRequired(Exception):
    """An API write came without If-Match."""


class RuleViolation(Exception):
    """A business rule refused the write (e.g. a forward stage move without the key node)."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class TooManyAttempts(Exception):
    """Too many failed attempts from one address: refused until the window ends (HTTP 429)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

"""Whether the top bar shows the imports link (the rule stays in kam.access.permissions)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kam.access import permissions


def imports(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"may_import": bool(user is not None and user.is_authenticated and permissions.may_import(user))}

"""The demo logins printed by `kam demo` and `kam serve`."""

from __future__ import annotations

from django.db.utils import DatabaseError

from kam.org.models import User

DEMO_PASSWORD = "kam-demo-2026"


def demo_logins_text() -> str:

    try:
        users = list(
            User.objects.filter(username__startswith="demo_")
            .select_related("team")
            .order_by("role", "username")
        )
    except DatabaseError:
        return ""
    if not users:
        return ""
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for user in users:
        team = user.team.name if user.team else "-"
        lines.append(f"  {user.username:<22} {user.get_role_display():<16} {team}")
    return "\n".join(lines)

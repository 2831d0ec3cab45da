"""The `kam` console command: Django's management commands plus `demo` and `serve`."""

from __future__ import annotations

import os
import sys

# Stands in for the secret key only while help is printed: listing commands signs nothing.
HELP_ONLY_SECRET_KEY = "kam-help-only-key-never-used-to-sign-anything"

HOW_TO_SET_A_SECRET_KEY = (
    "Set the SECRET_KEY environment variable to a long random string (e.g. "
    "export SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\"), "
    "or run `make run` in the kam checkout, which writes one to var/secret_key where kam finds it; "
    "for development only, DEBUG=1 makes kam use a built-in insecure key."
)
MISSING_SECRET_KEY = (
    "kam: no secret key, so this command cannot run. kam signs sessions and tokens with Django's "
    "SECRET_KEY and, with DEBUG off, refuses to start without one. " + HOW_TO_SET_A_SECRET_KEY
)
HELP_WITHOUT_SECRET_KEY = (
    "Note: no secret key is set, and every command but help needs one. " + HOW_TO_SET_A_SECRET_KEY
)


def wants_help(argv: list[str]) -> bool:
    """Whether the command line only asks for help or the version (nothing that needs the settings)."""
    args = argv[1:]
    if not args or args[0] in {"help", "version", "--help", "-h", "--version"}:
        return True
    return "--help" in args[1:] or "-h" in args[1:]


def settings_problem() -> Exception | None:
    """The error that keeps the settings from loading, or None when they load."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings module
    except ImproperlyConfigured as exc:
        return exc
    return None


def explain(problem: Exception) -> str:
    if "SECRET_KEY" in str(problem):
        return MISSING_SECRET_KEY
    return f"kam: the settings are not usable, so this command cannot run: {problem}"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    from django.core.management import execute_from_command_line

    argv[0] = "kam"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # `kam erase-contact` is the erase_contact command
    problem = settings_problem()
    if problem is None:
        execute_from_command_line(argv)
        return 0
    if not wants_help(argv):
        print(explain(problem), file=sys.stderr)
        return 2
    if "SECRET_KEY" not in str(problem):
        # Django lists its own commands and says why the others are missing.
        execute_from_command_line(argv)
        return 0
    # Django lists kam's own commands only once the settings load; help needs no real key.
    os.environ["SECRET_KEY"] = HELP_ONLY_SECRET_KEY
    try:
        execute_from_command_line(argv)
    finally:
        del os.environ["SECRET_KEY"]
        if argv[1:2] not in (["version"], ["--version"]):
            print(f"\n{HELP_WITHOUT_SECRET_KEY}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

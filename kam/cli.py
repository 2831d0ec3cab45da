"""The `kam` console command: Django's management commands plus `demo` and `serve`."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    from django.core.management import execute_from_command_line

    argv[0] = "kam"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())

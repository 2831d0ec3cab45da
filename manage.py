#!/usr/bin/env python
"""Local entry point: like `kam`, and on a developer's machine it creates var/secret_key once."""

import os
import secrets
import sys
from pathlib import Path

from kam.cli import main

if __name__ == "__main__":
    key_file = Path(os.environ.get("KAM_VAR_DIR", Path(__file__).resolve().parent / "var")) / "secret_key"
    if not os.environ.get("SECRET_KEY") and not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50) + "\n")
    sys.exit(main(sys.argv))

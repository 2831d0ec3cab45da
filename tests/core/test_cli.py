"""`kam` without a secret key: help still lists kam's own commands; the others say what to set, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kam import cli

KAM = Path(sys.executable).parent / "kam"


@pytest.fixture
def run_kam(tmp_path):
    """Run the installed `kam` in a temp dir with an empty KAM_VAR_DIR (so no var/secret_key), DEBUG unset."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "KAM_VAR_DIR", "STATIC_ROOT"}
    }
    env["KAM_VAR_DIR"] = str(tmp_path / "var")

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KAM), *args],
            cwd=tmp_path,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_help_without_a_secret_key_lists_kams_commands(run_kam):
    result = run_kam("--help")
    assert result.returncode == 0, result.stderr
    for command in ("demo", "serve", "rescore", "snapshot", "issue_token", "migrate"):
        assert f"    {command}\n" in result.stdout
    assert "only Django core commands are listed" not in result.stdout
    assert "no secret key is set" in result.stderr and "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_for_a_kam_command_without_a_secret_key(run_kam):
    result = run_kam("demo", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: kam demo" in result.stdout and "--if-empty" in result.stdout


def test_demo_without_a_secret_key_says_what_to_set(run_kam):
    result = run_kam("demo")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "ImproperlyConfigured" not in result.stderr
    message = result.stderr.strip()
    assert "\n" not in message  # one paragraph
    for advice in ("SECRET_KEY environment variable", "make run", "var/secret_key", "DEBUG=1"):
        assert advice in message
    assert result.stdout == ""


def test_with_a_secret_key_help_has_no_note(run_kam):
    result = run_kam("--help", SECRET_KEY="kam-test-secret")
    assert result.returncode == 0
    assert "    serve\n" in result.stdout
    assert result.stderr == ""


def test_debug_uses_the_development_key(run_kam):
    result = run_kam("diffsettings", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY = 'kam-insecure-development-key" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["kam"], True),
        (["kam", "help"], True),
        (["kam", "help", "serve"], True),
        (["kam", "--help"], True),
        (["kam", "-h"], True),
        (["kam", "--version"], True),
        (["kam", "serve", "--help"], True),
        (["kam", "demo"], False),
        (["kam", "serve", "--port", "8000"], False),
    ],
)
def test_what_counts_as_asking_for_help(argv, expected):
    assert cli.wants_help(argv) is expected

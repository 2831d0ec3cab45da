"""`kam serve` for real: it answers HTTP, and SIGTERM or SIGINT stops it together with everything it
started (gunicorn, its workers, the background task worker); none is left running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# One worker runs the module (xdist --dist loadgroup): its fixture migrates a database of its own.
# A server on a SQLite file of its own, whatever DATABASE_URL names.
pytestmark = [pytest.mark.xdist_group("serve"), pytest.mark.database("sqlite")]

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may hold spaces: the fields after the last ")" are plain.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants_of(pid: int) -> list[int]:
    found = []
    for child in children_of(pid):
        found += [child, *descendants_of(child)]
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def is_running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has ended; only its exit status waits to be read)."""
    try:
        os.kill(pid, 0)
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False
    except PermissionError:
        return True
    return stat[stat.rindex(")") + 2] != "Z"


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


def answers_http(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer will do: the server is up
    except OSError:
        return False


@pytest.fixture(scope="module")
def serve_env(tmp_path_factory) -> dict[str, str]:
    """A migrated SQLite file and collected static files in a temp dir, nothing of the checkout's var/."""
    root = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "SECRET_KEY": "serve-signals-test",
        "KAM_VAR_DIR": str(root),
        "DATABASE_URL": f"sqlite:///{root / 'kam.sqlite3'}",
        "STATIC_ROOT": str(root / "static"),
        "KAM_TASKS_BACKEND": "database",
    }
    env.pop("DEBUG", None)
    for args in (["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        done = subprocess.run(
            [sys.executable, "-m", "kam.cli", *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    return env


@pytest.mark.parametrize(
    ("signum", "with_worker"),
    [(signal.SIGTERM, True), (signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["SIGTERM", "SIGINT", "SIGTERM-no-task-worker"],
)
def test_a_signal_stops_serve_and_everything_it_started(serve_env, signum, with_worker):
    port = free_port()
    args = ["serve", "--port", str(port), "--workers", "1"] + ([] if with_worker else ["--no-task-worker"])
    serve = subprocess.Popen(
        [sys.executable, "-m", "kam.cli", *args],
        env=serve_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: answers_http(port) or serve.poll() is not None, START_TIMEOUT, "kam serve answers")
        assert serve.poll() is None, serve.stderr.read() if serve.stderr else ""
        children = children_of(serve.pid)
        workers = [pid for pid in children if "db_worker" in command_line(pid)]
        gunicorns = [pid for pid in children if "gunicorn" in command_line(pid)]
        assert len(gunicorns) == 1, [command_line(pid) for pid in children]
        assert len(workers) == (1 if with_worker else 0), [command_line(pid) for pid in children]
        started = [serve.pid, *descendants_of(serve.pid)]
        assert len(started) == (4 if with_worker else 3)  # serve, gunicorn, its worker (, db_worker)

        serve.send_signal(signum)
        wait_until(lambda: serve.poll() is not None, STOP_TIMEOUT, f"kam serve exits on {signum.name}")
        assert serve.returncode == 0, serve.stderr.read() if serve.stderr else ""
        still = {pid: command_line(pid) for pid in started if is_running(pid)}
        wait_until(lambda: not any(is_running(pid) for pid in started), STOP_TIMEOUT, f"{still} exit")
        assert not answers_http(port)
    finally:
        for pid in [serve.pid, *descendants_of(serve.pid)]:
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
        serve.wait(timeout=10)

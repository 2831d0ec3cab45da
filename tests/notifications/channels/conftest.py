"""A local fake group robot: an HTTP server on 127.0.0.1 in a thread that records every request and
answers what the test queued (by default the services' "ok")."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeRobot:
    base: str
    requests: list[Received] = field(default_factory=list)
    answers: deque = field(default_factory=deque)

    def url(self, path: str = "/robot/send?access_token=abc123") -> str:
        return self.base + path

    def answer(self, *answers: tuple[int, Any]) -> None:
        """Queue the next answers (status, JSON body or raw bytes); then "ok" again."""
        self.answers.extend(answers)


@pytest.fixture
def robot():
    state: dict[str, FakeRobot] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            fake = state["robot"]
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            parts = urllib.parse.urlsplit(self.path)
            fake.requests.append(
                Received(
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw.decode("utf-8")),
                )
            )
            status, body = fake.answers.popleft() if fake.answers else OK
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            if status in (301, 302, 307):
                self.send_header("Location", fake.base + "/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    state["robot"] = FakeRobot(base=f"http://{host}:{port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["robot"]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_port() -> str:
    """An address nothing listens on (a port bound then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/robot"

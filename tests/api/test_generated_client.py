"""A client generated from the served openapi.json works against the running app.

The spec is fetched from a live server, openapi-python-client generates a package from it (once per
module), and that package opens a customer and an opportunity, moves it a stage with If-Match and
closes it as won. A generator warning fails the test: the spec is what must change, not the test.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from kam.opportunities.models import Opportunity, OpportunityStatus, Stage
from tests.conftest import make_token
from tests.factories import UserFactory, ensure_sales_processes

PACKAGE = "kam_generated_client"
# The export's workbook: a vendor media type the generator does not know; it is bytes to a client.
GENERATOR_CONFIG = {
    "content_type_overrides": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "application/octet-stream"
    }
}


def _generator() -> str | None:
    """The openapi-python-client next to this interpreter (the dev extras install it), else on PATH."""
    beside = Path(sys.executable).with_name("openapi-python-client")
    return str(beside) if beside.exists() else shutil.which("openapi-python-client")


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], ModuleType]]:
    """`generated_client(base_url)` → the package generated from that server's spec (generated once)."""
    executable = _generator()
    if executable is None:
        pytest.skip("openapi-python-client is not installed (pip install -e '.[dev]')")
    workdir = tmp_path_factory.mktemp("generated_client")
    made: dict[str, ModuleType] = {}

    def generate(base_url: str) -> ModuleType:
        if PACKAGE in made:
            return made[PACKAGE]
        spec = httpx.get(f"{base_url}/api/v1/openapi.json", timeout=30)
        assert spec.status_code == 200, spec.text
        (workdir / "openapi.json").write_bytes(spec.content)
        (workdir / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
        # The generator formats its output with ruff, a dependency installed beside it.
        path = os.pathsep.join([str(Path(executable).parent), os.environ.get("PATH", "")])
        result = subprocess.run(
            [
                executable,
                "generate",
                "--path",
                "openapi.json",
                "--config",
                "config.json",
                "--output-path",
                PACKAGE,
                "--meta",
                "none",
            ],
            cwd=workdir,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "warning" not in output.lower() and "error" not in output.lower(), output
        sys.path.insert(0, str(workdir))
        made[PACKAGE] = importlib.import_module(PACKAGE)
        return made[PACKAGE]

    yield generate
    if str(workdir) in sys.path:
        sys.path.remove(str(workdir))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_generated_client_opens_moves_and_wins_an_opportunity(live_server, generated_client):
    ensure_sales_processes()  # a transactional test may have flushed the seeded processes
    rep = UserFactory(username="client_rep")
    raw, _token = make_token(rep, name="generated client")
    generated_client(live_server.url)
    models = _module("models")
    client = _module("client").AuthenticatedClient(base_url=live_server.url, token=raw)
    create_customer = _module("api.customers.kam_customers_api_create_customer")
    create_opportunity = _module("api.opportunities.kam_opportunities_api_create_opportunity")
    get_opportunity = _module("api.opportunities.kam_opportunities_api_get_opportunity")
    move_opportunity = _module("api.opportunities.kam_opportunities_api_move_opportunity")
    close_opportunity = _module("api.opportunities.kam_opportunities_api_close_opportunity")

    with client:
        created = create_customer.sync_detailed(
            client=client, body=models.CustomerCreateIn(name="Generated Client Steel")
        )
        assert created.status_code == 201, created.content
        customer = created.parsed
        assert isinstance(customer, models.CustomerOut)
        assert customer.name == "Generated Client Steel"
        assert customer.owner.id == rep.pk

        opened = create_opportunity.sync_detailed(
            client=client,
            body=models.OpportunityCreateIn(customer=customer.id, name="Cooling line", amount="250000"),
        )
        assert opened.status_code == 201, opened.content
        opportunity = opened.parsed
        assert isinstance(opportunity, models.OpportunityDetailOut)
        assert opportunity.stage.code == "P0"
        assert opportunity.status == "open"

        read = get_opportunity.sync_detailed(opportunity.id, client=client)
        assert read.status_code == 200, read.content
        etag = read.headers["ETag"]
        assert etag == f'"{read.parsed.version}"'

        moved = move_opportunity.sync_detailed(
            opportunity.id,
            client=client,
            body=models.OpportunityMoveIn(to_stage="P1", key_node_confirmed=True),
            if_match=etag,
        )
        assert moved.status_code == 200, moved.content
        assert isinstance(moved.parsed, models.OpportunityMoveOut)
        assert moved.parsed.opportunity.stage.code == "P1"
        assert moved.parsed.opportunity.version == read.parsed.version + 1

        stale = close_opportunity.sync_detailed(
            opportunity.id,
            client=client,
            body=models.OpportunityCloseIn(
                status=models.OpportunityCloseInStatus.WON, reason_choice="solution", reason="Signed"
            ),
            if_match=etag,
        )
        assert stale.status_code == 412, stale.content
        assert isinstance(stale.parsed, models.ConflictOut)

        won = close_opportunity.sync_detailed(
            opportunity.id,
            client=client,
            body=models.OpportunityCloseIn(
                status=models.OpportunityCloseInStatus.WON, reason_choice="solution", reason="Signed"
            ),
            if_match=moved.headers["ETag"],
        )
        assert won.status_code == 200, won.content
        assert isinstance(won.parsed, models.OpportunityDetailOut)
        assert won.parsed.status == "won"

    won_stage = Stage.objects.get(process__code="key-account", is_won=True)
    assert won.parsed.stage.code == won_stage.code
    saved = Opportunity.objects.get(pk=opportunity.id)
    assert saved.status == OpportunityStatus.WON
    assert saved.stage == won_stage
    assert saved.customer.name == "Generated Client Steel"

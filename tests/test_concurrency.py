"""Two processes editing the same opportunity at once on a real SQLite file: one wins, the other
gets a conflict, and neither sees "database is locked" (WAL + busy timeout + IMMEDIATE)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SETUP = """
import django; django.setup()
from decimal import Decimal
from kam.customers.models import Customer
from kam.org.models import User
from kam.opportunities.services import create_opportunity
owner = User.objects.create_user("owner", password="x")
customer = Customer.objects.create(name="Baosteel", owner=owner)
print(create_opportunity(by=owner, customer=customer, name="Blast furnace", amount=Decimal("100")).pk)
"""

WRITER = """
import sys, time, django; django.setup()
from decimal import Decimal
from kam.core.errors import ConflictError
from kam.opportunities.models import Opportunity
from kam.opportunities.services import update_opportunity
opportunity = Opportunity.objects.get(pk=int(sys.argv[1]))
start_at = float(sys.argv[2])
while time.time() < start_at:
    time.sleep(0.001)
try:
    update_opportunity(opportunity, by=opportunity.owner, version=1, amount=Decimal(sys.argv[3]))
    print("saved")
except ConflictError:
    print("conflict")
"""


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.long
@pytest.mark.database("sqlite")
def test_simultaneous_edits_on_sqlite_file_give_one_save_and_one_conflict(tmp_path: Path):
    import time

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "SECRET_KEY": "concurrency-test",
        "KAM_SQLITE_PATH": str(tmp_path / "kam.sqlite3"),
        "KAM_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    migrate = subprocess.run(
        [sys.executable, "-m", "kam.cli", "migrate", "--noinput"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    setup = run_python(SETUP, env)
    out, err = setup.communicate(timeout=60)
    assert setup.returncode == 0, err
    pk = out.strip().splitlines()[-1]

    start_at = str(time.time() + 1.5)
    writers = [run_python(WRITER, env, pk, start_at, amount) for amount in ("200", "300")]
    results = []
    for writer in writers:
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert "database is locked" not in err
        results.append(out.strip())
    assert sorted(results) == ["conflict", "saved"]

    check = run_python(
        "import django; django.setup()\n"
        "from kam.opportunities.models import Opportunity, OpportunityChange\n"
        f"o = Opportunity.objects.get(pk={pk}); print(o.version, o.amount, OpportunityChange.objects.count())",
        env,
    )
    out, err = check.communicate(timeout=60)
    version, amount, changes = out.split()
    assert version == "2" and amount in ("200.00", "300.00") and changes == "1"

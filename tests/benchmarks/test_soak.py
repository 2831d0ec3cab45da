"""The concurrency soak (`make soak`) in short: a few clients for a few seconds against a real `kam serve`
on SQLite and on PostgreSQL, no lost update, no 5xx, every write in the history; and the checks
themselves catch a lost update, a missing history row and a 5xx when there is one."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks import soak
from tests.postgres import scratch_database

SECONDS = 5
CLIENTS = 4


def tally(writes, patches=None, gets=None, errors=()) -> soak.Tally:
    return soak.Tally(
        gets=Counter(gets or {200: len(writes)}),
        patches=Counter(patches or {200: len(writes)}),
        writes=list(writes),
        errors=list(errors),
    )


SEEDED = {7: (1, "Deal"), 8: (3, "Other deal")}


def state(**overrides):
    clean = {
        7: {"version": 3, "name": "b", "changes": [["Deal", "a"], ["a", "b"]]},
        8: {"version": 3, "name": "Other deal", "changes": []},
    }
    for pk, value in overrides.items():
        clean[int(pk.removeprefix("o"))] = value
    return clean


WRITES = [(7, "a", 2), (7, "b", 3)]


def test_a_clean_run_has_no_problems():
    assert soak.problems_in(tally(WRITES), SEEDED, state()) == []


def test_the_checks_catch_a_lost_update():
    # Both writes answered 200 with the same version: the second overwrote the first unseen.
    lost = [(7, "a", 2), (7, "b", 2)]
    problems = soak.problems_in(
        tally(lost), SEEDED, state(o7={"version": 2, "name": "b", "changes": [["Deal", "a"], ["Deal", "b"]]})
    )
    assert any("lost update" in p and "versions [2, 2]" in p for p in problems)
    assert any("version 2 after 2 successful writes" in p for p in problems)
    assert any("written over 'Deal', but the name then was 'a'" in p for p in problems)


def test_the_checks_catch_a_missing_or_extra_history_row_and_a_wrong_final_name():
    problems = soak.problems_in(
        tally(WRITES), SEEDED, state(o7={"version": 3, "name": "a", "changes": [["Deal", "a"], ["a", "x"]]})
    )
    assert "opportunity 7: 1 writes without a history row" in problems
    assert "opportunity 7: 1 history rows no successful write made" in problems
    assert "opportunity 7: named 'a', the last write sent 'b'" in problems


def test_the_checks_catch_5xx_odd_statuses_and_requests_without_answer():
    problems = soak.problems_in(
        tally(
            WRITES, patches={200: 2, 412: 5, 500: 1, 428: 1}, errors=["/x: no answer (ConnectionResetError)"]
        ),
        SEEDED,
        state(),
    )
    assert "1 responses with a 5xx status" in problems
    assert "unexpected statuses: {'PATCH 428': 1}" in problems
    assert any(p.startswith("1 failed requests") for p in problems)


def check(result: soak.Result) -> None:
    counts = result.counts()
    assert result.problems == [], result.problems
    assert counts["5xx"] == counts["other"] == 0
    assert counts["patch_200"] > 0
    assert counts["get_200"] == counts["patch_200"] + counts["patch_412"]
    assert result.duration >= SECONDS


@pytest.mark.long
@pytest.mark.database("sqlite")
def test_soak_on_sqlite():
    check(soak.soak("sqlite", duration=SECONDS, clients=CLIENTS, opportunities=10, workers=2))


@pytest.mark.long
@pytest.mark.database("postgresql")
def test_soak_on_postgres(monkeypatch):
    with scratch_database("kam_soak_test") as server:
        # The soak makes (and drops) its own scratch database on the server it is given.
        monkeypatch.setenv("SOAK_DATABASE_URL", server)
        check(soak.soak("postgres", duration=SECONDS, clients=CLIENTS, opportunities=10, workers=2))


def test_the_soak_refuses_an_unknown_database():
    with pytest.raises(SystemExit):
        soak.main(["--databases", "oracle"])

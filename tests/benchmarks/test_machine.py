"""The machine reference the benchmark reports print beside their timings."""

from types import SimpleNamespace

import pytest

from benchmarks import machine
from benchmarks.run import summary


def test_reference_times_the_fixed_work(monkeypatch):
    calls = []
    monkeypatch.setattr(machine, "_work", lambda: calls.append(1))
    assert machine.reference_ms(3) >= 0
    assert len(calls) == 3


def test_summary_names_each_databases_machine_reference():
    row = {
        "name": "api_list",
        "label": "API list",
        "ms": 12.0,
        "reference_ms": 6.0,
        "goal_text": "≤ 25 ms",
        "goal_met": True,
    }
    text = summary(
        [
            {"vendor": "sqlite", "machine": machine.describe(55, 61), "measures": [row]},
            {"vendor": "postgresql", "measures": [row]},
        ]
    )
    assert "sqlite: machine reference: 55 ms before, 61 ms after" in text
    assert "postgresql: machine" not in text
    assert "2.0×" in text


def test_a_goal_is_judged_on_the_95th_percentile_not_the_median():
    from benchmarks.run import Measure

    runs = [10.0] * 18 + [30.0, 40.0]  # twenty runs: the median is 10, the p95 (19th) is 30
    measure = Measure("api_list", "API list", ms=10.0, runs=runs)
    assert measure.p95 == 30.0
    assert Measure("x", "x", ms=1.0, runs=[3.0, 1.0, 2.0]).p95 == 3.0  # fewer than 20: the slowest
    assert Measure("x", "x").p95 is None
    row = {"name": "api_list", "label": "API list", "ms": 10.0, "reference_ms": 5.0, "runs": runs}
    text = summary([{"vendor": "sqlite", "measures": [{**row, "goal_text": "≤ 25 ms", "goal_met": False}]}])
    assert "30.0" in text and "sqlite: MISSED" in text


@pytest.mark.django_db
def test_a_scenario_measured_against_a_goal_uses_its_p95(monkeypatch):
    from benchmarks import run

    def clock(ticks):
        ticks = iter(ticks)
        return SimpleNamespace(perf_counter=lambda: next(ticks))

    scenario = run.Scenario("fast_mostly", "fast mostly", lambda ctx: None, lambda r: r, None, goal_ms=25)
    monkeypatch.setattr(run, "time", clock([0.0, 0.001] * 19 + [0.0, 0.030]))  # one slow run in 20
    result = run.measure(scenario, None, runs=20, vendor="sqlite")  # type: ignore[arg-type]
    assert result.ms == pytest.approx(1.0) and result.p95 == pytest.approx(1.0) and result.goal_met
    monkeypatch.setattr(run, "time", clock([0.0, 0.001] * 18 + [0.0, 0.030] * 2))  # two in 20
    result = run.measure(scenario, None, runs=20, vendor="sqlite")  # type: ignore[arg-type]
    assert result.ms == pytest.approx(1.0) and result.p95 == pytest.approx(30.0)
    assert result.goal_met is False


def test_an_api_body_is_parsed_only_when_read():
    from benchmarks.run import ApiBody

    body = ApiBody(b'{"items": [{"id": 3}], "count": 1}')
    assert body._parsed is None
    assert (
        [item["id"] for item in body["items"]] == [3] and len(body) == 2 and set(body) == {"items", "count"}
    )

"""The machine reference the benchmark reports print beside their timings."""

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

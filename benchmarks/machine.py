"""How fast this machine runs Python right now, to read the timings beside.

On a shared host the same work takes up to 1.6× longer from one minute to the next (another
guest's load, the CPU's clock), so a scenario's milliseconds alone do not tell a slower change
from a slower machine. Each report prints the time of one fixed piece of pure Python work taken
before and after the scenarios: figures from runs whose reference times differ are compared in
proportion to them."""

from __future__ import annotations

import statistics
import time

LOOPS = 1_000_000


def _work() -> int:
    total = 0
    for i in range(LOOPS):
        total += i * i % 7
    return total


def reference_ms(repeats: int = 5) -> float:
    """Median milliseconds of the fixed work."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def describe(before: float, after: float) -> str:
    return f"machine reference: {before:.0f} ms before, {after:.0f} ms after (fixed Python work; lower is faster)"

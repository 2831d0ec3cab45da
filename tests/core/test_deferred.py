"""Recomputes gathered in a bulk write run once at its end (kam.core.deferred)."""

from __future__ import annotations

import pytest

from kam.core.deferred import DeferredRecomputes


def _recorder():
    calls: list = []
    deferred = DeferredRecomputes(
        "test_deferred", recompute=lambda ids: calls.append(ids), recompute_all=lambda: calls.append("all")
    )
    return deferred, calls


def test_outside_a_block_nothing_is_gathered():
    deferred, calls = _recorder()
    assert deferred.gather([1]) is False
    assert calls == []


def test_ids_are_run_once_at_the_end_of_the_outermost_block():
    deferred, calls = _recorder()
    with deferred.deferred():
        assert deferred.gather([3, 1])
        with deferred.deferred():
            deferred.gather([1, 2])
        assert calls == []  # the nested block joined the outer one
    assert calls == [[1, 2, 3]]


def test_a_request_for_everything_runs_one_full_recompute():
    deferred, calls = _recorder()
    with deferred.deferred():
        deferred.gather([1])
        deferred.gather(None)
    assert calls == ["all"]


def test_an_error_drops_what_was_gathered():
    deferred, calls = _recorder()
    with pytest.raises(RuntimeError), deferred.deferred():
        deferred.gather([1])
        raise RuntimeError
    assert calls == []
    assert deferred.gather([1]) is False  # the block is closed

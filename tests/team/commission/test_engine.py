"""The band arithmetic: progressive (each part of the base at its own band's rate), every edge just
below, at and just above, then the multiplier, the cap and the floor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.team.commission.engine import Credit, Edge, fill_bands, settle

D = Decimal
# 0–1,000,000 at 2 %, 1,000,000–2,000,000 at 3 %, from 2,000,000 at 5 %.
EDGES = [Edge(D("0"), D("2"), "low"), Edge(D("1000000"), D("3"), "mid"), Edge(D("2000000"), D("5"), "top")]


def credit(
    amount: str, key: str = "deal:1", day: int = 1, share: str = "100", factor: str | None = "1"
) -> Credit:
    return Credit(
        key=key,
        kind="deal",
        dated=dt.date(2026, 8, day),
        label=key,
        source_amount=D(amount),
        share=D(share),
        factor=None if factor is None else D(factor),
    )


def total(amount: str) -> Decimal:
    return settle(fill_bands([credit(amount)], EDGES)).commission


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "0"),
        ("1", "0.02"),
        # The first edge (1,000,000): below, at, above.
        ("999999", "19999.98"),
        ("1000000", "20000.00"),
        ("1000001", "20000.03"),
        # The second edge (2,000,000): below, at, above.
        ("1999999", "49999.97"),
        ("2000000", "50000.00"),
        ("2000001", "50000.05"),
        # Far into the top band: the top rate only on the part above 2,000,000.
        ("3000000", "100000.00"),
    ],
)
def test_every_edge_of_a_progressive_plan(amount, expected):
    assert total(amount) == D(expected)


def test_never_the_top_rate_on_the_whole_amount():
    assert total("3000000") != D("3000000") * D("0.05")


def test_a_deal_across_an_edge_is_two_lines_one_per_band():
    lines = fill_bands([credit("1500000")], EDGES)
    assert [(line.band, line.portion, line.rate, line.amount) for line in lines] == [
        ("low", D("1000000"), D("2"), D("20000.00")),
        ("mid", D("500000"), D("3"), D("15000.00")),
    ]


def test_later_deals_start_where_earlier_ones_left_off():
    first, second = credit("800000", "deal:1", day=1), credit("400000", "deal:2", day=2)
    lines = fill_bands([second, first], EDGES)  # given out of order: filled by date
    assert [(line.credit.key, line.band, line.portion) for line in lines] == [
        ("deal:1", "low", D("800000")),
        ("deal:2", "low", D("200000")),
        ("deal:2", "mid", D("200000")),
    ]


def test_share_and_layer_factor():
    lines = fill_bands([credit("1000000", share="40", factor="1.5")], EDGES)
    assert [(line.portion, line.rate, line.amount) for line in lines] == [
        (D("400000.00"), D("3.0"), D("12000.00"))
    ]


def test_a_credit_no_layer_matches_earns_nothing_and_fills_no_band():
    lines = fill_bands([credit("900000", "deal:1", factor=None), credit("900000", "deal:2", day=2)], EDGES)
    assert lines[0].amount == 0 and lines[0].band_index is None
    assert [(line.band, line.amount) for line in lines[1:]] == [("low", D("18000.00"))]


def test_multiplier_then_cap():
    lines = fill_bands([credit("1000000")], EDGES)
    result = settle(lines, multiplier=D("1.2"), cap=D("23000"))
    assert (result.commission, result.multiplied, result.total, result.limit_applied) == (
        D("20000.00"),
        D("24000.00"),
        D("23000"),
        "cap",
    )
    under = settle(lines, multiplier=D("1.2"), cap=D("30000"))
    assert (under.total, under.limit_applied) == (D("24000.00"), "")


def test_floor_lifts_a_small_total():
    result = settle(fill_bands([credit("100000")], EDGES), floor=D("5000"))
    assert (result.commission, result.total, result.limit_applied) == (D("2000.00"), D("5000"), "floor")
    at_floor = settle(fill_bands([credit("250000")], EDGES), floor=D("5000"))
    assert (at_floor.total, at_floor.limit_applied) == (D("5000.00"), "")

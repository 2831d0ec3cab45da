"""The periods the report pickers name, and the fallback (with a message) for anything else."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.reports.periods import months_of, neighbours, parse_month, parse_month_or_quarter, parse_week

TODAY = dt.date(2026, 12, 5)  # a Saturday


def test_a_week_by_iso_week_or_by_one_of_its_days():
    week, error = parse_week("2026-W46", TODAY)
    assert (week.start, week.end, week.label, error) == (
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 15),
        "2026-W46",
        None,
    )
    assert parse_week("2026-11-12", TODAY)[0] == week
    assert parse_week("2026w46", TODAY)[0] == week


def test_the_default_week_is_the_last_full_one():
    week, error = parse_week("", TODAY)
    assert (week.start, week.end, error) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29), None)


def test_the_default_month_is_the_last_full_one():
    month, error = parse_month(None, TODAY)
    assert (month.label, month.start, month.end, error) == (
        "2026-11",
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        None,
    )


def test_a_quarter_or_a_month():
    quarter, error = parse_month_or_quarter("26.Q4", TODAY)
    assert (quarter.kind, quarter.start, quarter.end, error) == (
        "quarter",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
        None,
    )
    assert [m.month for m in months_of(quarter)] == [10, 11, 12]
    assert parse_month_or_quarter("2026-02", TODAY)[0].end == dt.date(2026, 2, 28)


@pytest.mark.parametrize("text", ["soon", "2026-W60", "9999-W52", "9999-12-31", "0001-01-01", "2026-13-01"])
def test_a_week_that_cannot_be_read_falls_back_with_a_message(text):
    week, error = parse_week(text, TODAY)
    assert week.label == "2026-W48"
    assert error


@pytest.mark.parametrize("text", ["2026 Q4", "2026", "2026-13", "9999-12", "1000-01"])
def test_the_business_review_takes_only_a_month(text):
    month, error = parse_month(text, TODAY)
    assert month.label == "2026-11"
    assert error == "Write a month as 2026-11."


@pytest.mark.parametrize("text", ["2026", "9999 Q4", "week 3"])
def test_the_sales_report_takes_a_month_or_a_quarter(text):
    period, error = parse_month_or_quarter(text, TODAY)
    assert period.label == "2026-11"
    assert error


def test_the_period_before_and_after():
    assert neighbours(parse_week("2026-W01", TODAY)[0]) == ("2025-W52", "2026-W02")
    assert neighbours(parse_month("2026-01", TODAY)[0]) == ("2025-12", "2026-02")
    assert neighbours(parse_month_or_quarter("2026 Q4", TODAY)[0]) == ("2026 Q3", "2027 Q1")

"""The money filters: exact yuan, 万 with two decimals, and which unit a reader gets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kam.core.money_unit import MoneyUnit, current_unit, language_default, use_money_unit
from kam.core.templatetags.kam_format import (
    format_amount,
    format_money,
    format_wan,
    money_html,
    money_range_html,
    unit_name,
)


def render(source: str, **context: object) -> str:
    return Template("{% load kam_format %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("144553500"), "¥144,553,500.00"),
        (Decimal("1234567.891"), "¥1,234,567.89"),
        (Decimal("0.005"), "¥0.01"),  # half up, as people round
        (Decimal("-1234.5"), "-¥1,234.50"),
        (Decimal("-0.001"), "¥0.00"),  # never "-0.00"
        (0.1, "¥0.10"),
        (12, "¥12.00"),
        ("2500.5", "¥2,500.50"),
        (Decimal("9999999999999.99"), "¥9,999,999,999,999.99"),
        (Decimal("1E+30"), "¥1,000,000,000,000,000,000,000,000,000,000.00"),
        (None, ""),
        ("", ""),
        ("n/a", "n/a"),
    ],
)
def test_exact_yuan(value: object, expected: str) -> None:
    assert format_money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("144553500"), "14,455.35 万"),
        (Decimal("144553550"), "14,455.36 万"),  # 14,455.355 rounds half up
        (Decimal("50"), "0.01 万"),
        (Decimal("49.99"), "0.00 万"),
        (Decimal("-1234567"), "-123.46 万"),
        (Decimal("-49"), "0.00 万"),
        (Decimal("9999999999999.99"), "1,000,000,000.00 万"),
        (Decimal("1E+30"), "100,000,000,000,000,000,000,000,000.00 万"),
        (0, "0.00 万"),
        (None, ""),
        ("n/a", "n/a"),
    ],
)
def test_wan(value: object, expected: str) -> None:
    assert format_wan(value) == expected


def test_html_in_wan_keeps_exact_yuan_in_the_title() -> None:
    html = money_html(Decimal("144553500"), MoneyUnit.WAN)
    assert html == '<span class="money" title="¥144,553,500.00">14,455.35 万</span>'
    assert money_html(Decimal("144553500"), MoneyUnit.YUAN) == "¥144,553,500.00"
    assert money_html(None, MoneyUnit.WAN) == ""
    assert money_html("<b>", MoneyUnit.WAN) == "&lt;b&gt;"


def test_range() -> None:
    assert money_range_html(100000, 300000, MoneyUnit.YUAN) == "¥100,000.00–¥300,000.00"
    assert money_range_html(100000, 300000, MoneyUnit.WAN) == (
        '<span class="money" title="¥100,000.00–¥300,000.00">10.00–30.00 万</span>'
    )


@pytest.mark.parametrize(("language", "unit"), [("zh-hans", MoneyUnit.WAN), ("en", MoneyUnit.YUAN)])
def test_the_language_decides_when_nobody_chose(language: str, unit: str) -> None:
    with translation.override(language):
        assert language_default() == unit
        assert current_unit() == unit


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_filters_in_both_units_and_languages(language: str) -> None:
    source = "{{ v|money }}|{{ v|money_text }}|{{ v|yuan }}|{{ none|money|default:'—' }}"
    with translation.override(language):
        with use_money_unit(MoneyUnit.WAN):
            assert render(source, v=Decimal("144553500"), none=None) == (
                '<span class="money" title="¥144,553,500.00">14,455.35 万</span>'
                "|14,455.35 万|¥144,553,500.00|—"
            )
        with use_money_unit(MoneyUnit.YUAN):
            assert render(source, v=Decimal("-5"), none=None) == "-¥5.00|-¥5.00|-¥5.00|—"


def test_unit_names_follow_the_language() -> None:
    with translation.override("zh-hans"):
        assert unit_name(MoneyUnit.WAN) == "万元" and unit_name(MoneyUnit.YUAN) == "元"
    with translation.override("en"):
        assert unit_name(MoneyUnit.WAN) == "ten thousand yuan" and unit_name(MoneyUnit.YUAN) == "yuan"


def test_override_ends_with_its_block() -> None:
    with translation.override("en"):
        with use_money_unit(MoneyUnit.WAN):
            assert format_amount(10000) == "1.00 万"
        assert format_amount(10000) == "¥10,000.00"
        with use_money_unit("bogus"):
            assert current_unit() == MoneyUnit.YUAN


def test_unit_attributes_for_scripts() -> None:
    with translation.override("zh-hans"), use_money_unit(MoneyUnit.WAN):
        assert render("{% money_unit_attrs %}") == (
            'data-money-unit="wan" data-money-suffix="万" data-money-name="万元"'
        )
    with translation.override("en"), use_money_unit(MoneyUnit.YUAN):
        assert (
            render("{% money_unit_attrs %}")
            == 'data-money-unit="yuan" data-money-suffix="" data-money-name="yuan"'
        )

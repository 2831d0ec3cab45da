"""Cells written to a spreadsheet: text a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import pytest

from kam.core.excel import safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+x", "-x", "@x", "\tx"])
def test_safe_cell_prefixes_formula_starters(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("East") == "East"

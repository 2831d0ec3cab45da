"""The layers run core → org → apps → demo: nothing under kam/core imports kam.demo."""

from __future__ import annotations

import ast
from pathlib import Path

import kam.core

CORE = Path(kam.core.__file__).parent


def is_demo(name: str) -> bool:
    return name == "kam.demo" or name.startswith("kam.demo.")


def demo_references(source: str) -> list[int]:
    """Line numbers of imports of kam.demo, and of strings naming it (import_module("kam.demo…"))."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        else:
            continue
        if any(is_demo(name) for name in names):
            lines.append(node.lineno)
    return lines


def test_the_check_sees_a_demo_import():
    source = 'import kam.demo\nfrom kam.demo.logins import x\nimport_module("kam.demo.logins")\nimport kam.demos_other\n'
    assert demo_references(source) == [1, 2, 3]


def test_core_does_not_import_demo():
    sources = sorted(CORE.rglob("*.py"))
    assert CORE / "management" / "commands" / "serve.py" in sources
    offenders = {
        str(path.relative_to(CORE.parent.parent)): lines
        for path in sources
        if (lines := demo_references(path.read_text()))
    }
    assert offenders == {}

"""The house's layout rules that the import contract cannot see, checked on the source itself:
one current_user, access decided in kam.access only, and sub-areas as packages (no families of
prefixed modules)."""

from __future__ import annotations

import ast
import collections
from pathlib import Path

import kam

KAM = Path(kam.__file__).resolve().parent
ROLES = {"api", "views", "urls", "forms", "selectors", "services", "schemas", "tasks"}


def _modules() -> list[Path]:
    return [p for p in KAM.rglob("*.py") if "migrations" not in p.parts]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _relative(path: Path) -> str:
    return path.relative_to(KAM.parent).as_posix()


def test_only_core_says_who_is_signed_in():
    defined = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef) and node.name in ("current_user", "_user"):
                defined.append(_relative(path))
    assert defined == ["kam/core/web.py"]


def test_every_may_decision_lives_in_the_permissions_module():
    outside = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith(("may_", "can_"))
                and _relative(path) != "kam/access/permissions.py"
            ):
                outside.append(f"{_relative(path)}:{node.name}")
    assert outside == []


def test_records_are_fetched_by_id_only_through_kam_access():
    """get_object_or_404 by primary key is kam.access's job (get_visible_*); elsewhere it may only
    find a part of a record already fetched through it (a role by its name, a criterion by code)."""
    by_id = []
    for path in _modules():
        if _relative(path).startswith("kam/access/"):
            continue
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "get_object_or_404"
                and any(kw.arg in ("pk", "id") or (kw.arg or "").endswith("_id") for kw in node.keywords)
            ):
                by_id.append(f"{_relative(path)}:{node.lineno}")
    assert by_id == []


def test_sub_areas_are_packages_not_families_of_prefixed_modules():
    families = []
    for folder in {p.parent for p in _modules()}:
        stems = [p.stem for p in folder.glob("*.py")]
        by_prefix = collections.defaultdict(list)
        for stem in stems:
            if "_" in stem.strip("_"):
                by_prefix[stem.split("_")[0]].append(stem)
            if "_" in stem and stem.rsplit("_", 1)[-1] in ROLES:
                families.append(f"{folder.relative_to(KAM.parent).as_posix()}/{stem}.py")
        families.extend(
            f"{folder.relative_to(KAM.parent).as_posix()}: {sorted(members)}"
            for members in by_prefix.values()
            if len(members) > 1
        )
    assert families == []

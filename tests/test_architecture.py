"""The map stays true: every module of the package is in docs/architecture.md and in its package's docstring."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "generator"
ARCHITECTURE = REPO / "docs" / "architecture.md"


def modules() -> list[Path]:
    """Every module of generator/ and its subpackages, but the packages' own __init__.py."""
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" and "skeleton" not in p.parts)


def table_rows(text: str) -> set[str]:
    """The modules the tables of docs/architecture.md name, one a row: `name.py` or `scrape/name.py`."""
    return set(re.findall(r"^\| `([\w/]+\.py)` \|", text, flags=re.MULTILINE))


def docstring_names(package: Path) -> set[str]:
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
    return set(re.findall(r"`(\w+)", docstring))


def test_the_package_has_modules_to_check():
    names = {p.relative_to(PACKAGE).as_posix() for p in modules()}
    assert {"cli.py", "loader.py", "scrape/run.py", "scrape/shelf.py"} <= names and len(names) > 40


@pytest.mark.parametrize("module", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_module_has_a_row_in_the_architecture_page(module: Path):
    name = module.relative_to(PACKAGE).as_posix()
    assert name in table_rows(ARCHITECTURE.read_text(encoding="utf-8")), f"docs/architecture.md has no row for {name}"


@pytest.mark.parametrize("module", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_module_is_named_in_its_package_docstring(module: Path):
    names = docstring_names(module.parent)
    where = module.parent.relative_to(REPO) / "__init__.py"
    assert module.stem in names, f"the docstring of {where} does not name `{module.stem}`"


def test_the_tables_name_each_module_once():
    rows = re.findall(r"^\| `([\w/]+\.py)` \|", ARCHITECTURE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert len(rows) == len(set(rows)), sorted(r for r in rows if rows.count(r) > 1)


def test_the_data_flow_is_drawn():
    blocks = re.findall(r"```mermaid\n(.*?)```", ARCHITECTURE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 2
    assert "content/papers/" in blocks[0] and "output/" in blocks[1]

"""The shape of the code base that issue 11 asks for, checked (so it cannot silently regrow).

* no module of the package is longer than 350 lines and no function longer than 80 (docstrings included);
* no underscore name is imported across module boundaries, except from ``discrete_softq._validate``
  and the private kernels ``discrete_softq._fast``;
* no module outside ``_validate`` hand-writes the shared number check
  ``isinstance(x, bool) or not isinstance(x, numbers.Real)``;
* nothing reads a model's private transitions (``mdp._P``) from outside ``mdp.py``;
* notebooks import the package only: never ``demos``, ``tests`` or ``sys.path`` tricks.
"""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "discrete_softq"
MODULES = sorted(PACKAGE.rglob("*.py"))
ALLOWED_PRIVATE_SOURCES = ("_validate", "_fast")


def _relative(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", MODULES, ids=_relative)
def test_modules_are_short(path):
    """Every module has at most 350 lines."""
    assert len(path.read_text().splitlines()) <= 350


@pytest.mark.parametrize("path", MODULES, ids=_relative)
def test_functions_fit_on_a_screen(path):
    """Every function has at most 80 lines, docstring included."""
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80]
    assert not long


def _private_imports(path: pathlib.Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            source = (node.module or "").split(".")
            if any(part in ALLOWED_PRIVATE_SOURCES for part in source):
                continue
            found += [f"{'.' * node.level}{node.module or ''}:{alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")
                      and alias.name not in ALLOWED_PRIVATE_SOURCES]
    return found


@pytest.mark.parametrize("path", MODULES, ids=_relative)
def test_no_private_name_crosses_a_module_boundary(path):
    """``from x import _name`` only from ``_validate`` and ``_fast``."""
    assert not _private_imports(path)


def test_the_private_import_check_can_fail(tmp_path):
    """The checker above finds a private import (so the test above is not vacuous)."""
    module = tmp_path / "m.py"
    module.write_text("from .soft import _helper\nfrom ._fast import _kernel\nfrom . import _validate\n"
                      "from .soft import public\n")
    assert _private_imports(module) == [".soft:_helper"]


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "_validate.py"], ids=_relative)
def test_number_checks_are_not_hand_written(path):
    """Argument checks go through ``discrete_softq._validate``, not local copies."""
    assert not re.search(r"isinstance\(\w+, bool\) or not isinstance\(\w+, numbers\.", path.read_text())


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "mdp.py"], ids=_relative)
def test_nothing_reads_private_transitions(path):
    """The public read-only ``TabularMDP.P`` (or ``transition_matrix``) replaces ``mdp._P``."""
    assert not re.search(r"\b\w+\._P\b", path.read_text())


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=_relative)
def test_notebooks_import_only_the_package(path):
    """Notebooks never import demos/ or tests/, nor touch sys.path."""
    source = "".join("".join(cell.get("source", [])) for cell in json.loads(path.read_text())["cells"])
    assert not re.search(r"discrete_softq\.demos|from discrete_softq import demos|sys\.path|from tests|import tests",
                         source)

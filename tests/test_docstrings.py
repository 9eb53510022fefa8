"""Documentation as a contract: every public function shows an example, every solver describes every parameter.

(The examples run as doctests in ``tests/test_doctests.py``; the site is built with warnings as errors in CI.)
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import discrete_softq

SKIP = ("discrete_softq.demos", "discrete_softq.demo", "discrete_softq.__main__")


def _public_functions() -> list[tuple[str, object]]:
    found = []
    for info in pkgutil.walk_packages(discrete_softq.__path__, "discrete_softq."):
        if any(part.startswith("_") for part in info.name.split(".")) or info.name.startswith(SKIP):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isfunction(obj) and obj.__module__ == info.name:
                found.append((f"{info.name}.{name}", obj))
    return found


@pytest.mark.parametrize("name, function", _public_functions(), ids=[n for n, _ in _public_functions()])
def test_every_public_function_has_an_example(name, function):
    """A docstring with at least one ``>>>`` example (numpydoc Examples), which the doctest run executes."""
    assert ">>>" in (function.__doc__ or ""), f"{name} has no example"


SOLVERS = ["discrete_softq.dp.soft_q_iteration", "discrete_softq.dp.soft_value_iteration",
           "discrete_softq.dp.soft_policy_iteration", "discrete_softq.dp.value_iteration",
           "discrete_softq.selection.solve", "discrete_softq.evaluation.soft_policy_state_values",
           "discrete_softq.horizon.soft_backward_induction", "discrete_softq.horizon.finite_horizon_values",
           "discrete_softq.envs.toy_text.from_gymnasium"]


@pytest.mark.parametrize("path", SOLVERS)
def test_solvers_describe_every_parameter(path):
    """Each parameter of a public solver has a description line under its name in the Parameters section."""
    module, name = path.rsplit(".", 1)
    function = getattr(importlib.import_module(module), name)
    doc = inspect.getdoc(function)
    section = doc.split("Parameters\n----------\n", 1)[1].split("\n\n", 1)[0] if "Parameters\n---" in doc else ""
    lines = section.splitlines()
    for parameter in inspect.signature(function).parameters:
        heads = [i for i, line in enumerate(lines) if line.split(" :")[0].split(", ") and
                 parameter in [p.strip() for p in line.split(" :")[0].split(",")]]
        assert heads, f"{path}: parameter {parameter} is not documented"
        following = lines[heads[0] + 1] if heads[0] + 1 < len(lines) else ""
        assert following.startswith("    ") and following.strip(), f"{path}: {parameter} has no description"

"""The docstring examples of the core modules run and print what they claim."""

import doctest
import importlib

import pytest

CORE_MODULES = ["discrete_softq.mdp", "discrete_softq.soft", "discrete_softq.dp", "discrete_softq.evaluation",
                "discrete_softq.evaluation_system", "discrete_softq.sweep", "discrete_softq.factored",
                "discrete_softq.testing"]


@pytest.mark.parametrize("name", CORE_MODULES)
def test_docstring_examples(name):
    """Every example in the module's docstrings gives the output shown."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

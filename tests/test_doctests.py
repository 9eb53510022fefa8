"""The docstring examples of the core modules run and print what they claim."""

import doctest
import importlib
import pkgutil

import pytest

TOP_LEVEL = ["mdp", "soft", "dp", "evaluation", "reference", "_validate"]
#: Subpackages whose every module is core: the fast kernels and the testing tools.
SUBPACKAGES = ["_fast", "testing"]


def core_modules():
    """The top-level core modules and every module of the core subpackages (as they are on disk)."""
    names = [f"discrete_softq.{name}" for name in TOP_LEVEL]
    for sub in SUBPACKAGES:
        package = importlib.import_module(f"discrete_softq.{sub}")
        names.append(package.__name__)
        names += [info.name for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
    return names


@pytest.mark.parametrize("name", core_modules())
def test_docstring_examples(name):
    """Every example in the module's docstrings gives the output shown."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0

"""The docstring examples of every module of the package run and print what they claim."""

import doctest
import importlib
import pkgutil

import pytest


def package_modules():
    """Every module of the package, as it is on disk (each public function's example must run)."""
    import discrete_softq

    skip = ("discrete_softq.__main__",)
    return ["discrete_softq"] + [info.name for info in pkgutil.walk_packages(discrete_softq.__path__, "discrete_softq.")
                                 if info.name not in skip]


@pytest.mark.parametrize("name", package_modules())
def test_docstring_examples(name):
    """Every example in the module's docstrings gives the output shown."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0

"""Sphinx configuration of the discrete_softq documentation site.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The API pages are generated here, one per public module of the package (``api/``, not committed),
so that every public module is documented at the place it is defined; the notebooks are rendered
with the outputs they are committed with (they are executed by the test suite).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import discrete_softq  # noqa: E402

project = "discrete_softq"
author = "the discrete_softq developers"
copyright = "2026, the discrete_softq developers"
release = discrete_softq.__version__

extensions = ["sphinx.ext.autodoc", "numpydoc", "sphinx.ext.mathjax", "sphinx.ext.viewcode", "myst_nb"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "notebooks/.ipynb_checkpoints", "**/.ipynb_checkpoints"]
html_theme = "furo"
html_title = "discrete_softq"
nb_execution_mode = "off"  # rendered with their committed outputs
myst_enable_extensions = ["dollarmath", "amsmath"]
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()
autodoc_member_order = "bysource"
#: Members are documented where they are defined (``ignore-module-all``): a package's re-exports are
#: listed in its docstring, not documented twice.
autodoc_default_options = {"members": True, "undoc-members": False, "ignore-module-all": True}
autodoc_inherit_docstrings = False  # gymnasium's Env.step/reset docstrings are Markdown, not reST
#: Two classes named ``History`` (tabular and continuous training) make bare type names ambiguous.
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "ref.python"]

#: Public modules documented in the API reference (private ones, the command-line demos and
#: the __main__ entry point are left out).
SKIP = ("discrete_softq.demos", "discrete_softq.demo", "discrete_softq.__main__")


def public_modules() -> list[str]:
    names = ["discrete_softq"]
    for info in pkgutil.walk_packages(discrete_softq.__path__, "discrete_softq."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or info.name.startswith(SKIP):
            continue
        names.append(info.name)
    return sorted(names)


def write_api_pages(app) -> None:  # noqa: ANN001
    folder = Path(app.srcdir) / "api"
    folder.mkdir(exist_ok=True)
    modules = public_modules()
    for name in modules:
        importlib.import_module(name)
        title = f"``{name}``"
        body = f"{title}\n{'=' * len(title)}\n\n.. automodule:: {name}\n"
        if hasattr(importlib.import_module(name), "__path__"):  # a package: its docstring lists what it offers
            body += "   :no-members:\n"
        page = folder / f"{name}.rst"
        if not page.exists() or page.read_text() != body:
            page.write_text(body)
    index = "API reference\n=============\n\nEvery public module, documented where its objects are defined.\n\n"
    index += ".. toctree::\n   :maxdepth: 1\n\n" + "".join(f"   {name}\n" for name in modules)
    target = folder / "index.rst"
    if not target.exists() or target.read_text() != index:
        target.write_text(index)


def setup(app) -> None:  # noqa: ANN001
    app.connect("builder-inited", write_api_pages)

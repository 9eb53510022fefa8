"""The command line of every demo, built from its ``Args`` dataclass (CleanRL style).

Each field becomes ``--field-name``; the docstring written under the field is its help text,
so the dataclass doubles as the demo's hyperparameter table. ``bool`` fields are switches;
``Optional[X]`` / ``X | None`` fields take an ``X`` and default to ``None``.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import textwrap
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["field_docs", "parse_dataclass_args", "default_out_dir"]

T = TypeVar("T")
_CONVERTERS = {"int": int, "float": float, "str": str}


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass, read from its source."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body  # type: ignore[attr-defined]
    return {node.target.id: str(nxt.value.value) for node, nxt in zip(body, body[1:])
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)}


def _converter(annotation: Any) -> Any:
    """``int``, ``float`` or ``str`` for an annotation such as ``"Optional[int]"`` or ``"float | None"``."""
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    name = name.replace("Optional[", "").replace("]", "").replace("| None", "").replace("None |", "").strip()
    return _CONVERTERS.get(name, str)


def parse_dataclass_args(cls: type[T], argv: list[str] | None, demo: str, description: str) -> T:
    """Parse ``argv`` into an instance of the dataclass ``cls`` (``--help`` prints the table)."""
    parser = argparse.ArgumentParser(prog=f"python -m discrete_softq.demo {demo}", description=description)
    docs = field_docs(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        flag = "--" + f.name.replace("_", "-")
        doc = docs.get(f.name, "")
        if f.type in (bool, "bool"):
            parser.add_argument(flag, action="store_true", help=doc)
        else:
            parser.add_argument(flag, type=_converter(f.type), default=f.default,
                                help=f"{doc} (default: {f.default})")
    return cls(**vars(parser.parse_args(argv)))


def default_out_dir() -> str:
    """``figures/`` of the source checkout (editable install), else ``./figures``."""
    root = Path(__file__).resolve().parents[2]
    return str(root / "figures" if (root / "setup.cfg").exists() else Path.cwd() / "figures")

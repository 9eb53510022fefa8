"""The command line of every demo, built from its ``Args`` dataclass (CleanRL style).

Each field becomes ``--field-name``; the docstring written under the field is its help text,
so the dataclass doubles as the demo's hyperparameter table. The valid range of a field is
declared once, in the field's metadata (:func:`option`, :func:`floats`, :func:`names`), and
becomes both the ``--help`` text and an argparse type that refuses anything else: every
invalid value exits with status 2 and one line naming the option and its range, never a
traceback. ``bool`` fields are switches; ``X | None`` fields default to ``None``.

A class attribute ``QUICK = {field: value}`` lists what ``--quick`` changes; options given
explicitly on the command line win over it.

>>> from discrete_softq.demos.svgd import Args
>>> parse_dataclass_args(Args, ["--n-particles", "5", "--quick"], "svgd", "").n_particles
5
>>> parse_dataclass_args(Args, ["--quick"], "svgd", "").n_iter   # Args.QUICK
150
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import math
import sys
import textwrap
from pathlib import Path
from typing import Any, NoReturn, Sequence, TypeVar

from .._validate import _range_text

__all__ = ["option", "floats", "names", "field_docs", "OneLineParser", "build_parser", "parse_dataclass_args",
           "DEFAULT_OUT", "save_figure", "pyplot"]

T = TypeVar("T")

#: Where demos write unless told otherwise: a folder in the current directory, never the gallery.
DEFAULT_OUT = "discrete_softq-figures"


def option(default: Any, *, low: float | None = None, high: float | None = None, low_open: bool = False,
           high_open: bool = False, choices: Sequence[str] | None = None) -> Any:
    """A dataclass field whose command-line value must lie in ``[low, high]`` (or among ``choices``).

    ``low_open`` / ``high_open`` exclude the end point. The range is stored in the field's metadata,
    from which :func:`build_parser` makes the argparse type and the ``--help`` text.

    >>> option(30, low=2).metadata["low"]
    2
    """
    meta = {"low": low, "high": high, "low_open": low_open, "high_open": high_open,
            "choices": tuple(choices) if choices is not None else None}
    return dataclasses.field(default=default, metadata=meta)


def floats(default: Sequence[float], *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False, allow_empty: bool = False) -> Any:
    """A field read as comma-separated numbers, each in the range (stored as a tuple of floats).

    >>> floats([0.5, 0.9], low=0, high=1, high_open=True).default
    (0.5, 0.9)
    """
    meta = {"kind": "floats", "low": low, "high": high, "low_open": low_open, "high_open": high_open,
            "allow_empty": allow_empty}
    return dataclasses.field(default=tuple(float(x) for x in default), metadata=meta)


def names(default: Sequence[str], choices: Sequence[str]) -> Any:
    """A field read as comma-separated names, each among ``choices`` (stored as a tuple of str).

    >>> names(["soft"], choices=["soft", "q"]).metadata["choices"]
    ('soft', 'q')
    """
    return dataclasses.field(default=tuple(default), metadata={"kind": "names", "choices": tuple(choices)})


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass, read from its source.

    >>> from discrete_softq.demos.svgd import Args
    >>> field_docs(Args)["n_iter"]
    'SVGD iterations'
    """
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body  # type: ignore[attr-defined]
    return {node.target.id: str(nxt.value.value) for node, nxt in zip(body, body[1:])
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)}


def _kind(f: dataclasses.Field) -> str:
    """``int``, ``float``, ``str``, ``floats`` or ``names`` for a field (annotations may be strings)."""
    if "kind" in f.metadata:
        return f.metadata["kind"]
    name = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    name = name.replace("Optional[", "").replace("]", "").replace("| None", "").replace("None |", "").strip()
    return name if name in ("int", "float") else "str"


class _Type:
    """The argparse ``type`` of one field: converts the text and checks the declared range."""

    def __init__(self, kind: str, meta: Any) -> None:
        self.kind, self.low, self.high = kind, meta.get("low"), meta.get("high")
        self.low_open, self.high_open = meta.get("low_open", False), meta.get("high_open", False)
        self.choices, self.allow_empty = meta.get("choices"), meta.get("allow_empty", False)

    def describe(self) -> str:
        """The valid values in words, e.g. ``an int >= 2`` or ``one of: a, b``."""
        if self.choices:
            many = "comma-separated, each " if self.kind == "names" else ""
            return f"{many}one of: {', '.join(self.choices)}"
        span = _range_text(self.low, self.high, self.low_open, self.high_open)
        return {"int": f"an int{span}", "float": f"a number{span}", "floats": f"comma-separated numbers{span}{' (may be empty)' if self.allow_empty else ''}",
                "str": "text"}[self.kind]

    def _number(self, text: str) -> float:
        x = float(text)
        ok = math.isfinite(x) and not (self.low is not None and (x < self.low or (self.low_open and x == self.low))) \
            and not (self.high is not None and (x > self.high or (self.high_open and x == self.high)))
        if not ok:
            raise ValueError(text)
        return x

    def __call__(self, text: str) -> Any:
        try:
            if self.kind == "int":
                n = int(text)
                self._number(text)
                return n
            if self.kind == "float":
                return self._number(text)
            if self.kind == "floats":
                values = tuple(self._number(t) for t in text.split(",") if t.strip())
                if not values and not self.allow_empty:
                    raise ValueError(text)
                return values
            items = tuple(t.strip() for t in text.split(",") if t.strip()) if self.kind == "names" else (text,)
            if self.choices and (not items or any(t not in self.choices for t in items)):
                raise ValueError(text)
            return items if self.kind == "names" else text
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {self.describe()}; got {text!r}") from None


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports an error in one line (``prog: error: ...``) and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _show_default(value: Any) -> str:
    return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) \
        if isinstance(value, tuple) else str(value)


def build_parser(cls: type, demo: str, description: str) -> argparse.ArgumentParser:
    """The parser of ``cls``: one ``--flag`` per field, its help, range and default; no defaults filled in.

    >>> from discrete_softq.demos.svgd import Args
    >>> parser = build_parser(Args, "svgd", "")
    >>> [a.help for a in parser._actions if a.dest == "n_particles"]
    ['number of SVGD particles [an int >= 2] (default: 100)']
    """
    parser = OneLineParser(prog=f"python -m discrete_softq.demo {demo}", description=description,
                     argument_default=argparse.SUPPRESS)
    docs = field_docs(cls)
    quick = getattr(cls, "QUICK", {})
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        flag, doc = "--" + f.name.replace("_", "-"), docs.get(f.name, "")
        if f.type in (bool, "bool"):
            parser.add_argument(flag, action="store_true", help=doc)
            continue
        kind = _kind(f)
        check = _Type(kind, f.metadata)
        notes = ([f"default: {_show_default(f.default)}"] if f.default is not None else []) + \
            ([f"with --quick: {_show_default(quick[f.name])}"] if f.name in quick else [])
        parser.add_argument(flag, type=check, metavar=kind.upper(),
                            help=f"{doc} [{check.describe()}]" + (f" ({'; '.join(notes)})" if notes else ""))
    return parser


def parse_dataclass_args(cls: type[T], argv: list[str] | None, demo: str, description: str) -> T:
    """Parse ``argv`` into an instance of the dataclass ``cls``; exit 2 with one line on a bad value.

    ``--quick`` applies ``cls.QUICK`` to every field not given explicitly. A ``ValueError`` raised
    by the dataclass itself (checks across fields, in ``__post_init__``) is reported the same way.

    >>> from discrete_softq.demos.maze_change import Args
    >>> parse_dataclass_args(Args, ["--quick", "--seeds", "8"], "maze_change", "").seeds   # explicit beats --quick
    8
    """
    parser = build_parser(cls, demo, description)
    given = vars(parser.parse_args(sys.argv[1:] if argv is None else argv))
    if given.get("quick"):
        given = {**getattr(cls, "QUICK", {}), **given}
    try:
        return cls(**given)
    except (TypeError, ValueError) as err:
        parser.error(str(err))


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (imported late: quick ``--help``).

    >>> pyplot().get_backend().lower()
    'agg'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, out: str | Path, name: str, dpi: int = 110) -> Path:
    """Save ``fig`` as ``out/name`` (creating ``out``), close it, print and return the path.

    >>> import tempfile
    >>> fig = pyplot().figure()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_figure(fig, tmp, "empty.png")  # doctest: +ELLIPSIS
    saved .../empty.png
    """
    import matplotlib.pyplot as plt

    path = Path(out) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    print(f"saved {path}")
    return path

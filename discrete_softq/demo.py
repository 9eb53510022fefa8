"""Command-line demos: ``python -m discrete_softq.demo NAME [options]``.

Each demo lives in its own module under :mod:`discrete_softq.demos` and exposes

* ``DESCRIPTION`` -- one line shown by ``--help``;
* ``main(argv: list[str] | None = None) -> int`` -- parses its own options (built from an
  ``Args`` dataclass) and returns an exit code.

``python -m discrete_softq.demo all --out figures`` regenerates every figure of the gallery.
An unknown name exits with status 2 and lists the demos that exist.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

#: Demo name -> module under ``discrete_softq.demos``. The order is the order of ``all``.
DEMOS: dict[str, str] = {
    "dp": "discrete_softq.demos.dp",
    "maze_change": "discrete_softq.demos.maze_change",
    "multigoal": "discrete_softq.demos.multigoal",
    "svgd": "discrete_softq.demos.svgd",
    "composition": "discrete_softq.demos.composition",
    "pretraining": "discrete_softq.demos.pretraining",
}


def available_demos() -> dict[str, str]:
    """Return ``{name: description}`` for every demo whose module is importable."""
    found = {}
    for name, module_name in DEMOS.items():
        module = _load(module_name)
        if module is not None:
            found[name] = getattr(module, "DESCRIPTION", "")
    return found


def _load(module_name: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name:  # the demo is not written yet; anything else is a real bug
            return None
        raise


def _usage(demos: dict[str, str]) -> str:
    lines = ["usage: python -m discrete_softq.demo NAME [options]", "", "demos:"]
    width = max((len(n) for n in demos), default=0)
    lines += [f"  {name:<{width}}  {desc}" for name, desc in demos.items()]
    lines += [
        f"  {'all':<{width}}  run every demo (passes --out, --quick, --no-progress on)",
        "",
        "python -m discrete_softq.demo NAME --help lists the options of one demo.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``argv[0]`` to its demo; return the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    demos = available_demos()
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage(demos))
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name == "all":
        return _run_all(demos, rest)
    if name not in demos:
        print(f"unknown demo {name!r}; choose one of: {', '.join(demos) or '(none yet)'}, all",
              file=sys.stderr)
        print(_usage(demos), file=sys.stderr)
        return 2
    module = _load(DEMOS[name])
    assert module is not None
    return int(module.main(rest) or 0)


def _run_all(demos: dict[str, str], rest: list[str]) -> int:
    status = 0
    for name in demos:
        print(f"=== {name} ===", flush=True)
        module = _load(DEMOS[name])
        assert module is not None
        status = max(status, int(module.main(list(rest)) or 0))
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Command-line demos: ``python -m discrete_softq.demo NAME [options]``.

Each demo lives in its own module under :mod:`discrete_softq.demos` and exposes

* ``DESCRIPTION`` -- one line shown by ``--help``;
* ``Args`` -- the dataclass its options are built from (:mod:`discrete_softq.demos._cli`);
* ``main(argv: list[str] | None = None) -> int`` -- parses its options and returns an exit code.

Figures go to ``--out`` (default: ``discrete_softq-figures/`` in the current directory);
``python -m discrete_softq.demo all --out figures`` regenerates the committed gallery. An unknown
name, like any invalid option, exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
from types import ModuleType

from .demos._cli import DEFAULT_OUT, OneLineParser, build_parser

#: Demo name -> module under ``discrete_softq.demos``. The order is the order of ``all``.
DEMOS: dict[str, str] = {
    "dp": "discrete_softq.demos.dp",
    "maze_change": "discrete_softq.demos.maze_change",
    "boltzmann_vs_maxent": "discrete_softq.demos.boltzmann_vs_maxent",
    "robustness": "discrete_softq.demos.robustness",
    "offpolicy": "discrete_softq.demos.offpolicy",
    "multigoal": "discrete_softq.demos.multigoal",
    "svgd": "discrete_softq.demos.svgd",
    "importance_sampling": "discrete_softq.demos.importance_sampling",
    "multigoal_compose": "discrete_softq.demos.multigoal_compose",
    "composition": "discrete_softq.demos.composition",
    "pretraining": "discrete_softq.demos.pretraining",
    "pointmass_pretraining": "discrete_softq.demos.pointmass_pretraining",
    "irl": "discrete_softq.demos.irl",
}
#: The options ``all`` understands and hands on to every demo that has them.
ALL_OPTIONS = ("out", "quick", "no_progress")


def _load(name: str) -> ModuleType:
    return importlib.import_module(DEMOS[name])


def available_demos() -> dict[str, str]:
    """Return ``{name: description}`` for every demo.

    >>> list(available_demos())
    ['dp', 'maze_change', 'boltzmann_vs_maxent', 'robustness', 'offpolicy', 'multigoal', 'svgd',
     'importance_sampling', 'multigoal_compose', 'composition', 'pretraining', 'pointmass_pretraining', 'irl']
    """
    return {name: _load(name).DESCRIPTION for name in DEMOS}


def _usage() -> str:
    demos = available_demos()
    width = max(len(n) for n in demos)
    lines = ["usage: python -m discrete_softq.demo NAME [options]", "", "demos:"]
    lines += [f"  {name:<{width}}  {desc}" for name, desc in demos.items()]
    lines += [f"  {'all':<{width}}  run every demo (passes --out, --quick and --no-progress on)", "",
              "python -m discrete_softq.demo NAME --help lists the options of one demo (all --help: of every demo)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``argv[0]`` to its demo; return the process exit code.

    >>> main(["nosuch"])   # one line on stderr names the demos that exist
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name == "all":
        return _run_all(rest)
    if name not in DEMOS:
        print(f"python -m discrete_softq.demo: error: unknown demo {name!r}; choose one of: "
              f"{', '.join(DEMOS)}, all", file=sys.stderr)
        return 2
    return int(_load(name).main(rest) or 0)


def _all_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m discrete_softq.demo all", add_help=False,
                           description="Run every demo in turn with the same --out, --quick and --no-progress.")
    parser.add_argument("-h", "--help", action="store_true", help="the options of every demo")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"directory for every PNG (default: {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true", help="every demo's small run")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _run_all(rest: list[str]) -> int:
    """Every demo in turn; each gets ``--out`` and those of ``--quick``/``--no-progress`` it has."""
    parser = _all_parser()
    opts = parser.parse_args(rest)
    if opts.help:
        parser.print_help()
        for name in DEMOS:
            print(f"\n=== {name} ===")
            build_parser(_load(name).Args, name, _load(name).DESCRIPTION).print_help()
        raise SystemExit(0)
    status = 0
    for name in DEMOS:
        print(f"=== {name} ===", flush=True)
        module = _load(name)
        fields = {f.name for f in dataclasses.fields(module.Args)}
        argv = ["--out", opts.out] + ["--" + k.replace("_", "-") for k in ALL_OPTIONS[1:]
                                      if getattr(opts, k) and k in fields]
        status = max(status, int(module.main(argv) or 0))
    return status


def _entry() -> None:
    """``python -m discrete_softq.demo``: exit with :func:`main`'s status; quietly if the reader stops reading."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. ``... all --help | head``: not an error of the demo
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 141
    sys.exit(status)


if __name__ == "__main__":
    _entry()

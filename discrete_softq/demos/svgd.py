"""Demo: Stein variational gradient descent on Liu & Wang's 1-D mixture and a 2-D four-mode target.

    python -m discrete_softq.demo svgd [--quick] [--seed 0] [--out DIR]

Runs :func:`discrete_softq.experiments.svgd.run_svgd`, prints its report and writes ``svgd.png``
(:func:`discrete_softq.plotting.svgd.plot_svgd_study`): top row, the 1-D histograms against p
after 0, a few and all iterations; bottom row, the 2-D particles before and after, and the 1-D
particle mean and variance against the target's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "SVGD: particles match a 1-D Gaussian mixture (Liu & Wang 2016) and cover a 2-D four-mode target"


@dataclass
class Args:
    n_particles: int = option(100, low=2)
    """number of SVGD particles"""
    n_iter: int = option(1000, low=1)
    """SVGD iterations"""
    step_size: float = option(1.0, low=0.0, low_open=True, high=100.0)
    """constant SVGD step for the 1-D mixture (plain Euler step, no AdaGrad)"""
    step_size_2d: float = option(0.5, low=0.0, low_open=True, high=100.0)
    """constant SVGD step for the 2-D target"""
    seed: int = option(0, low=0)
    """seed of the initial particles"""
    out: str = DEFAULT_OUT
    """directory for svgd.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds"""
    no_progress: bool = False
    """hide the progress bar"""

    QUICK: ClassVar[dict] = {"n_iter": 150}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the experiment, print its report, draw and save ``svgd.png``; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--n-particles", "0"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.svgd import SVGDConfig, run_svgd
    from ..plotting.svgd import plot_svgd_study

    args = parse_dataclass_args(Args, argv, "svgd", DESCRIPTION)
    result = run_svgd(SVGDConfig(args.n_particles, args.n_iter, args.step_size, args.step_size_2d, args.seed),
                      progress=not args.no_progress)
    print(result.report())
    fig, axes = pyplot().subplots(2, 3, figsize=(15, 9))
    plot_svgd_study(axes, result)
    fig.suptitle("Stein variational gradient descent (RBF kernel, median bandwidth, constant step)")
    fig.tight_layout()
    save_figure(fig, args.out, "svgd.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

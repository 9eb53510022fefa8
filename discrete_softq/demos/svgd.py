"""Demo: SVGD with its default steps (constant, and AdaGrad) on Liu & Wang's 1-D mixture and four 2-D modes.

    python -m discrete_softq.demo svgd [--quick] [--seed 0] [--n-seeds 10] [--out DIR]

Runs :func:`discrete_softq.experiments.svgd.run_svgd`, prints its report and writes ``svgd.png``
(:func:`discrete_softq.plotting.svgd.plot_svgd_study`): top row, the 1-D histograms against p
after 0, a few and all iterations, and the particle mean and variance against the target's;
bottom row, the 2-D particles at the off-centre start, after the constant and the AdaGrad steps,
and how far each scheme's mode shares are from balance over the iterations (all seeds).
The default run takes about 2 minutes on one core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..continuous.svgd import DEFAULT_ADAPTIVE_STEP_SIZE, DEFAULT_STEP_SIZE
from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = ("SVGD with default steps: particles match a 1-D Gaussian mixture (Liu & Wang 2016); constant step "
               "vs AdaGrad on the balance of four 2-D modes")


@dataclass
class Args:
    n_particles: int = option(100, low=2)
    """number of SVGD particles"""
    n_iter: int = option(2000, low=1)
    """SVGD iterations"""
    step_size: float = option(DEFAULT_STEP_SIZE, low=0.0, low_open=True, high=100.0)
    """constant SVGD step for the 1-D mixture (plain Euler step; SVGD's default)"""
    step_size_2d: float = option(DEFAULT_STEP_SIZE, low=0.0, low_open=True, high=100.0)
    """constant SVGD step for the 2-D target"""
    adaptive_step_size: float = option(DEFAULT_ADAPTIVE_STEP_SIZE, low=0.0, low_open=True, high=100.0)
    """AdaGrad step (SVGD(adaptive=True)'s default), both targets"""
    n_seeds: int = option(10, low=1)
    """seeds of the initial particles (seed, seed + 1, ...); per seed, n_particles in 2-D and twice as many in 1-D"""
    seed: int = option(0, low=0)
    """first seed of the initial particles"""
    out: str = DEFAULT_OUT
    """directory for svgd.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds"""
    no_progress: bool = False
    """hide the progress bar"""

    QUICK: ClassVar[dict] = {"n_iter": 150, "n_seeds": 2}


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
    result = run_svgd(SVGDConfig(args.n_particles, args.n_iter, args.step_size, args.step_size_2d, args.seed,
                                 args.adaptive_step_size, args.n_seeds), progress=not args.no_progress)
    print(result.report())
    fig, axes = pyplot().subplots(2, 4, figsize=(21, 9))
    plot_svgd_study(axes, result)
    fig.suptitle("Stein variational gradient descent (RBF kernel, median bandwidth): SVGD's default steps")
    fig.tight_layout()
    save_figure(fig, args.out, "svgd.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

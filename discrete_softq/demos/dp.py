"""Demo: exact soft dynamic programming on a gridworld -- the contraction, temperatures, soft vs hard.

``python -m discrete_softq.demo dp [--quick] [--out DIR] [--prior shannon|uniform]``

Runs :func:`discrete_softq.experiments.dp.run_dp`, prints its report (iterations, error bounds
and times per solver, the measured contraction rates) and saves three figures
(:mod:`discrete_softq.plotting.dp_study`):

* ``contraction.png`` -- residuals per sweep (log scale) for several gammas and alphas, with the
  ``gamma^k`` slope of the contraction theorem, and the iterations each solver needs per gamma;
* ``soft_vs_hard_gridworld.png`` -- values, policy arrows and policy entropy over the map, one
  column per temperature (alpha = 0 is the hard solution);
* ``temperature_sweep.png`` -- the policy at the start state as alpha goes from ~0 to large, for
  the Shannon objective and the KL-to-uniform one, and the start value between its bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..envs import LAYOUTS
from ._cli import DEFAULT_OUT, floats, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "exact soft DP on a gridworld: the contraction, solvers per gamma, soft vs hard across temperatures"


@dataclass
class Args:
    layout: str = option("two_routes", choices=list(LAYOUTS))
    """gridworld map (a key of discrete_softq.envs.LAYOUTS)"""
    gamma: float = option(0.9, low=0.0, high=1.0, high_open=True)
    """discount of the runs whose alpha varies, and of the gridworld and temperature figures"""
    alpha: float = option(0.1, low=0.0, high=1e3)
    """temperature of the runs whose gamma varies, and of the solver comparison"""
    contraction_gammas: tuple[float, ...] = floats((0.8, 0.9, 0.95), low=0.0, high=1.0, high_open=True)
    """discounts of the contraction panel (at --alpha)"""
    contraction_alphas: tuple[float, ...] = floats((0, 0.01, 0.1, 1), low=0.0, high=1e3)
    """temperatures of the contraction panel (at --gamma)"""
    solver_gammas: tuple[float, ...] = floats((0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99), low=0.0, high=1.0,
                                              high_open=True)
    """discounts of the iterations-per-solver panel"""
    grid_alphas: tuple[float, ...] = floats((0, 0.003, 0.01, 0.03), low=0.0, high=1e3)
    """temperatures of the soft-vs-hard gridworld figure (0 = hard)"""
    prior: str = option("shannon", choices=("shannon", "uniform"))
    """entropy of the gridworld figure: 'shannon' (prior=None, the paper's) or 'uniform' (KL to uniform)"""
    n_temperatures: int = option(31, low=2, high=1000)
    """temperatures of the sweep, log-spaced in [1e-3, 10]"""
    tol: float = option(1e-8, low=1e-12, high=1.0)
    """guaranteed sup-norm accuracy of every solve"""
    out: str = DEFAULT_OUT
    """directory for the PNGs (figures = the committed gallery)"""
    quick: bool = False
    """fewer discounts and temperatures (seconds)"""

    QUICK: ClassVar[dict] = {"contraction_gammas": (0.8, 0.9), "contraction_alphas": (0.0, 0.01, 0.1),
                             "solver_gammas": (0.5, 0.9, 0.99), "n_temperatures": 7}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the experiment, print its report, draw and save the three figures; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--gamma", "1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.dp import DPConfig, run_dp
    from ..plotting.dp_study import plot_contraction_study, plot_soft_vs_hard_study, plot_temperature_study

    args = parse_dataclass_args(Args, argv, "dp", DESCRIPTION)
    config = DPConfig(**{k: v for k, v in vars(args).items() if k not in ("out", "quick")})
    result = run_dp(config)
    print(result.report())
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), constrained_layout=True)
    plot_contraction_study(axes, result)
    fig.suptitle(f"Soft Q-iteration is a gamma-contraction ({args.layout} gridworld, exact model)")
    save_figure(fig, args.out, "contraction.png", dpi=100)
    n = len(result.grid)
    fig, axes = plt.subplots(3, n, figsize=(4.6 * n, 11), constrained_layout=True, squeeze=False)
    plot_soft_vs_hard_study(axes, result)
    fig.suptitle(f"Soft vs hard optimal solutions on {args.layout} (gamma = {args.gamma:g}, "
                 f"{'Shannon entropy, prior=None' if args.prior == 'shannon' else 'KL to the uniform prior'})")
    save_figure(fig, args.out, "soft_vs_hard_gridworld.png", dpi=100)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), constrained_layout=True)
    plot_temperature_study(axes, result)
    fig.suptitle(f"From hard (alpha -> 0) to uniform (alpha large) at the start of {args.layout}, "
                 f"gamma = {args.gamma:g}")
    save_figure(fig, args.out, "temperature_sweep.png", dpi=100)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

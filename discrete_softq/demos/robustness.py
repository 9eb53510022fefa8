"""Demo: are max-ent policies more robust to perturbed dynamics? Exact reward-only returns on perturbed models.

    python -m discrete_softq.demo robustness [--quick] [--out DIR]

Runs :func:`discrete_softq.experiments.robustness.run_robustness` (policies optimal for the nominal
two_routes, blocking_maze and random MDPs; slip, wind pushes, walls on the route, and a worst-case
L1 adversary), prints its tables with the crossing points (the smallest perturbation from which
the soft policy stays ahead of the hard one) and writes ``robustness.png``
(:func:`discrete_softq.plotting.robustness.plot_robustness_study`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from ._cli import DEFAULT_OUT, floats, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "Robustness: soft (max-ent) vs hard optimal policies under slip, pushes, new walls and an L1 adversary"


@dataclass
class Args:
    alphas: tuple = floats([0.003, 0.01, 0.03, 0.1], low=0.0, low_open=True, high=100.0)
    """temperatures of the soft policies (KL to uniform)"""
    n_draws: int = option(20, low=2)
    """random wind fields / wall blocks per strength on a gridworld"""
    n_mdps: int = option(20, low=2)
    """MDPs of the random family"""
    seed: int = option(0, low=0)
    """seed of the random models"""
    out: str = DEFAULT_OUT
    """directory for robustness.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds"""
    no_progress: bool = False
    """hide the progress bar"""

    QUICK: ClassVar[dict] = {"alphas": (0.01, 0.1), "n_draws": 5, "n_mdps": 5}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the study, print its report, draw and save ``robustness.png``; return 0.

    >>> try:
    ...     main(["--n-mdps", "1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.robustness import KINDS, RobustnessConfig, run_robustness
    from ..plotting.robustness import plot_robustness_study

    args = parse_dataclass_args(Args, argv, "robustness", DESCRIPTION)
    config = RobustnessConfig(alphas=tuple(args.alphas), n_draws=args.n_draws, n_mdps=args.n_mdps, seed=args.seed)
    if args.quick:   # coarser strength grids
        config = replace(config, slips=(0.0, 0.1, 0.2, 0.3), pushes=(0.0, 0.1, 0.2, 0.3), budgets=(0.0, 0.1, 0.2, 0.4),
                         walls=(0, 1, 2))
    study = run_robustness(config, progress=not args.no_progress)
    print(study.report())
    fig, axes = pyplot().subplots(len(study.tasks), len(KINDS), figsize=(5 * len(KINDS), 4 * len(study.tasks)))
    plot_robustness_study(axes, study)
    fig.suptitle("Policies optimal for the nominal model, evaluated exactly on perturbed models (reward only; "
                 "bands: 95% bootstrap CI over random draws)")
    fig.tight_layout()
    save_figure(fig, args.out, "robustness.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

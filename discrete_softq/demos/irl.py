"""Demo: maximum-causal-entropy inverse RL recovers a hidden reward's policy on a gridworld.

    python -m discrete_softq.demo irl [--quick] [--out DIR]

Runs :func:`discrete_softq.experiments.irl.run_irl`, prints its report and writes ``irl.png``
(:func:`discrete_softq.plotting.irl.plot_irl_study`): the true, recovered and shaped rewards, the
expert's and the recovered policy's occupancies, and the gap against the number of demonstrations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "MCE inverse RL: a hidden reward's soft-optimal policy, recovered from its occupancy and from demos"


@dataclass
class Args:
    layout: str = option("two_routes", choices=["two_routes", "open_room", "blocking_maze", "shortcut_maze"])
    """gridworld of the hidden reward"""
    alpha: float = option(0.5, low=0.0, low_open=True, high=100.0)
    """temperature of the expert and the learner"""
    n_features: int = option(8, low=2, high=64)
    """state features (the last one constant)"""
    n_seeds: int = option(10, low=2)
    """seeds per number of demonstrations"""
    seed: int = option(0, low=0)
    """seed of the hidden reward and the demonstrations"""
    out: str = DEFAULT_OUT
    """directory for irl.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds"""
    no_progress: bool = False
    """hide the progress bar"""

    QUICK: ClassVar[dict] = {"n_seeds": 3}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the study, print its report, draw and save ``irl.png``; return 0.

    >>> try:
    ...     main(["--n-seeds", "1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.irl import IRLConfig, run_irl
    from ..plotting.irl import plot_irl_study

    args = parse_dataclass_args(Args, argv, "irl", DESCRIPTION)
    trajectories = (10, 100) if args.quick else (10, 100, 1000)
    study = run_irl(IRLConfig(layout=args.layout, alpha=args.alpha, n_features=args.n_features,
                              trajectories=trajectories, n_seeds=args.n_seeds, seed=args.seed),
                    progress=not args.no_progress)
    print(study.report())
    fig, axes = pyplot().subplots(2, 3, figsize=(16, 9))
    plot_irl_study(axes, study)
    fig.suptitle("Maximum-causal-entropy IRL: only the policy is identified (shaping changes the reward, not the policy)")
    fig.tight_layout()
    save_figure(fig, args.out, "irl.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

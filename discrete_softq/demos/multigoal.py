"""Multi-goal point mass: soft Q-learning keeps all four goals, DDPG commits (Haarnoja et al. 2017, Fig. 1).

    python -m discrete_softq.demo multigoal [--quick] [--seed 0] [--seeds 5] [--out DIR] [--no-progress]

Runs :func:`discrete_softq.experiments.multigoal.compare_over_seeds` (soft Q-learning with its
amortized SVGD sampler and the deterministic DDPG baseline with Ornstein-Uhlenbeck exploration,
default settings, rolled out from the origin) on ``--seeds`` seeds from ``--seed``; prints, per
seed, the goal hits, mean returns and how SQL's 500 sampled actions cluster at (0, 0) and
(2.5, 2.5), then the summary (coverage, SQL / DDPG return with a 95% CI, clusters). Writes
``multigoal.png`` for the first seed: rollouts over the reward landscape (left) and Q(s, .) over
the action square with the actions taken at the states (-2.5, 0), (0, 0), (2.5, 2.5) (right),
one row per agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "multi-goal point mass: SQL's sampled policy reaches all four goals, DDPG commits (paper Fig. 1)"


@dataclass
class Args:
    steps: int = option(6000, low=1)
    """environment steps of training per agent (the target allows up to 20,000)"""
    n_rollouts: int = option(100, low=1)
    """evaluation rollouts from the origin per agent"""
    n_samples: int = option(100, low=1)
    """actions sampled from SQL's network at each contour state"""
    seed: int = option(0, low=0)
    """first seed of both agents, training and evaluation (the figure's)"""
    seeds: int = option(5, low=1)
    """number of seeds (seed, seed + 1, ...): per-seed coverage, returns and clusters"""
    alpha: float = option(5.0, low=0.0, low_open=True, high=1e6)
    """SQL's temperature (the tuned default of SQL_DEFAULTS; the paper's is 10)"""
    updates_per_step: int = option(2, low=1, high=100)
    """SQL's gradient steps per environment step (the tuned default; the paper's is 1)"""
    out: str = DEFAULT_OUT
    """directory for multigoal.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds (the agents are barely trained)"""
    no_progress: bool = False
    """hide the progress bars"""

    QUICK: ClassVar[dict] = {"steps": 300, "n_rollouts": 20, "seeds": 1}


def main(argv: list[str] | None = None) -> int:
    """Parse, train and evaluate both agents per seed, print the measures, draw and save ``multigoal.png``; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--steps", "0"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..envs.multigoal import MultiGoalEnv
    from ..experiments.multigoal import compare_over_seeds
    from ..plotting.continuous import plot_multigoal_study

    args = parse_dataclass_args(Args, argv, "multigoal", DESCRIPTION)
    study = compare_over_seeds(range(args.seed, args.seed + args.seeds), args.steps, n_rollouts=args.n_rollouts,
                               n_samples=args.n_samples, progress=not args.no_progress, alpha=args.alpha,
                               updates_per_step=args.updates_per_step)
    for seed, comparison in zip(study.seeds, study.comparisons):
        print(f"--- seed {seed}\n{comparison.report()}")
    print(f"--- all seeds\n{study.report()}")
    fig, axes = pyplot().subplots(2, 4, figsize=(17, 8.5))
    plot_multigoal_study(axes, study.comparisons[0], MultiGoalEnv())
    fig.suptitle(f"Multi-goal task, {args.steps} training steps per agent, seed {args.seed} "
                 "(Haarnoja et al. 2017, Figure 1)")
    fig.tight_layout()
    save_figure(fig, args.out, "multigoal.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

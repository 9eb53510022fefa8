"""Composing two learned continuous policies with zero new environment steps (Haarnoja et al. 2018).

    python -m discrete_softq.demo multigoal_compose [--quick] [--seeds 3] [--out DIR] [--no-progress]

Runs :func:`discrete_softq.experiments.multigoal_compose.compose_study`: soft Q-learning on the
sub-tasks {East, North} and {North, West} of the point mass, their Q networks averaged and a new
sampler fitted on the union of their replay buffers (no environment steps), against a policy
trained on the combined (average) reward from scratch. Prints per seed where each policy's
rollouts end, the share at North (rewarded by both) with 95% bootstrap CIs, and the gap between
the composed and the scratch Q; writes ``multigoal_compose.png``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "composition of learned continuous policies: average two soft Q networks, re-fit only the sampler"


@dataclass
class Args:
    steps: int = option(3000, low=1)
    """environment steps of each sub-task agent and of the scratch agent"""
    sampler_steps: int = option(2000, low=0)
    """gradient steps of the composed sampler (no environment steps)"""
    n_rollouts: int = option(50, low=1)
    """evaluation rollouts per policy and seed"""
    seeds: int = option(3, low=1)
    """number of seeds (seed, seed + 1, ...)"""
    seed: int = option(0, low=0)
    """first seed"""
    out: str = DEFAULT_OUT
    """directory for multigoal_compose.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds: one seed, small networks, barely trained"""
    no_progress: bool = False
    """hide the progress bars"""

    QUICK: ClassVar[dict] = {"steps": 250, "sampler_steps": 50, "n_rollouts": 10, "seeds": 1}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the study, print its report, draw and save ``multigoal_compose.png``; return 0.

    >>> try:
    ...     main(["--seeds", "0"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..envs.multigoal import MultiGoalEnv
    from ..experiments.multigoal_compose import compose_study
    from ..plotting.multigoal_compose import plot_compose_study

    args = parse_dataclass_args(Args, argv, "multigoal_compose", DESCRIPTION)
    small = {"hidden": (32, 32)} if args.quick else {}
    study = compose_study(tuple(range(args.seed, args.seed + args.seeds)), args.steps, args.sampler_steps,
                          args.n_rollouts, progress=not args.no_progress, **small)
    print(study.report())
    fig, axes = pyplot().subplots(1, 5, figsize=(23, 5))
    plot_compose_study(axes, study, MultiGoalEnv())
    fig.suptitle("Composition on the point mass: sub-task {E, N} + sub-task {N, W}, Q averaged, sampler re-fitted "
                 f"with 0 env steps; seed {args.seed} rollouts")
    fig.tight_layout()
    save_figure(fig, args.out, "multigoal_compose.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

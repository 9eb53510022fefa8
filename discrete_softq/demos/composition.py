"""Demo: compose two gridworld tasks by averaging soft Q-functions; bound vs true gap.

``python -m discrete_softq.demo composition [--alpha 0.5] [--out DIR] [--quick]``

Runs :func:`discrete_softq.experiments.composition.run_composition`: two tasks on one map
(leave by the left exit / by the right exit) are solved exactly, their soft Q-functions
averaged, and the composed policy compared with the exact optimum of the mean reward. Prints the
Lemma 1 and Theorem 1 bounds against the true gaps, and sweeps over the temperature and over
how far the tasks part; saves ``composition.png``
(:func:`discrete_softq.plotting.compose.plot_composition_study`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "compose two gridworld tasks by averaging soft Q-functions; Haarnoja et al. 2018 bounds vs true gaps"


@dataclass
class Args:
    alpha: float = option(0.5, low=0.0, low_open=True, high=1e3)
    """temperature of both tasks and of the combined task"""
    gamma: float = option(0.95, low=0.0, high=1.0, high_open=True)
    """discount"""
    slip: float = option(0.1, low=0.0, high=1.0)
    """probability that a move goes sideways"""
    goal_reward: float = option(10.0, low=-1e6, high=1e6)
    """reward at the task's own exit (the other exit pays 0)"""
    step_cost: float = option(1.0, low=-1e6, high=1e6)
    """cost of every move"""
    n_alphas: int = option(13, low=2, high=1000)
    """temperatures in the sweep (log-spaced in [0.05, 2])"""
    n_ts: int = option(11, low=2, high=1000)
    """steps t in [0, 1] of the second task r2(t) = (1-t) r1 + t r2"""
    out: str = DEFAULT_OUT
    """directory for composition.png (figures = the committed gallery)"""
    quick: bool = False
    """short sweeps (seconds)"""

    QUICK: ClassVar[dict] = {"n_alphas": 5, "n_ts": 5}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the study, print its report, draw and save ``composition.png``; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--slip", "2"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.composition import run_composition
    from ..plotting.compose import plot_composition_study

    args = parse_dataclass_args(Args, argv, "composition", DESCRIPTION)
    study = run_composition(args.alpha, args.gamma, args.slip, args.goal_reward, args.step_cost, args.n_alphas,
                            args.n_ts)
    print(study.report())
    fig, axes = pyplot().subplots(2, 4, figsize=(19, 8.5), constrained_layout=True)
    plot_composition_study(axes, study)
    fig.suptitle(f"Composing max-ent policies by averaging Q (Haarnoja et al. 2018), alpha = {args.alpha:g}")
    save_figure(fig, args.out, "composition.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

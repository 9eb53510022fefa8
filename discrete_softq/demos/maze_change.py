"""Demo: when the preferred route is blocked, does a max-ent agent adapt faster than Q-learning?

``python -m discrete_softq.demo maze_change [--layout two_routes] [--condition both] [--quick]``

The rows: soft Q-learning (KL to uniform, Shannon), Q-learning (epsilon-greedy, and the epsilon = 0
control), Boltzmann Q-learning (hard target, softmax behaviour: as random per step as the soft
agent, but blind to future entropy), Dyna-Q and soft Dyna-Q.

Runs :func:`discrete_softq.experiments.maze_change.run_maze_change`: every agent is tuned on its
own small grid (same budget) on tuning seeds, then evaluated on ``--seeds`` separate seeds with
the batched runner, in two conditions: the change at a fixed step, and after pre-training on the
first map. Prints the report (per agent, the measures with bootstrap 95% intervals, the exact
"termination pitfall" table), the untuned temperature sweep, and saves ``maze_change.png``
(cumulative reward with CI bands and the change marked; visitation heat maps before and well
after the change).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

from ..experiments.maze_setup import AGENTS, DEFAULT_AGENTS, REWARDS, SETUPS
from ._cli import DEFAULT_OUT, floats, names, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = ("walls block the preferred route: soft Q-learning vs Q-learning vs Boltzmann Q-learning vs Dyna, "
               "with seed statistics")


@dataclass
class Args:
    layout: str = option("two_routes", choices=list(SETUPS))
    """map before the change"""
    agents: tuple[str, ...] = names(DEFAULT_AGENTS, choices=list(AGENTS))
    """agents to compare"""
    seeds: int = option(30, low=2)
    """evaluation seeds (separate from the tuning seeds)"""
    tune_seeds: int = option(10, low=1)
    """tuning seeds per configuration"""
    steps: Optional[int] = option(None, low=2)
    """steps after the change (default: per layout, 2000-3000)"""
    change_step: Optional[int] = option(None, low=1)
    """step of the change in the fixed condition (default: the book's / the registered one)"""
    alpha: Optional[float] = option(None, low=0.0, low_open=True, high=1e3)
    """pin the temperature of the soft agents (default: tuned; Boltzmann Q-learning keeps its own grid)"""
    epsilon: Optional[float] = option(None, low=0.0, high=1.0)
    """pin epsilon of Q-learning and Dyna-Q (default: tuned; the eps=0 control stays 0)"""
    lr: Optional[float] = option(None, low=0.0, low_open=True, high=1.0)
    """pin the learning rate of every agent (default: tuned)"""
    reward: str = option("step", choices=list(REWARDS))
    """reward scheme: 'goal' (+1 at the goal) or 'step' (+1 at the goal, -0.05 per step)"""
    condition: str = option("both", choices=("fixed", "pretrained", "both"))
    """which conditions to run"""
    seed: int = option(0, low=0)
    """master seed (tuning and evaluation seeds are spawned from it)"""
    sweep: tuple[float, ...] = floats((0.01, 0.05, 0.1), low=0.0, low_open=True, allow_empty=True)
    """temperatures of the untuned soft-Q sweep ('' to skip it)"""
    out: str = DEFAULT_OUT
    """directory for maze_change.png (figures = the committed gallery)"""
    quick: bool = False
    """a small run (seconds): 5 seeds, short phases, one sweep temperature"""
    no_progress: bool = False
    """no progress bar"""

    QUICK: ClassVar[dict] = {"seeds": 5, "tune_seeds": 3, "change_step": 600, "steps": 1000, "sweep": (0.1,)}


def main(argv: list[str] | None = None) -> int:
    """Run the study, print its report and the sweep, save ``maze_change.png``; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--seeds", "1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.maze_change import alpha_sweep, run_maze_change, sweep_report
    from ..plotting.maze import plot_maze_change

    args = parse_dataclass_args(Args, argv, "maze_change", DESCRIPTION)
    conditions = ("fixed", "pretrained") if args.condition == "both" else (args.condition,)
    common = dict(n_seeds=args.seeds, change_step=args.change_step, post_steps=args.steps, seed=args.seed)
    result = run_maze_change(args.layout, args.agents, conditions, n_tune_seeds=args.tune_seeds,
                             reward=args.reward, overrides={"alpha": args.alpha, "epsilon": args.epsilon,
                                                            "lr": args.lr},
                             progress=not args.no_progress, **common)
    print(result.report())
    if args.sweep and "soft" in result.tuning:
        lr = result.best_params("soft")["lr"]
        sweep = alpha_sweep(args.layout, args.reward, args.sweep, lr=lr, conditions=conditions,
                            progress=not args.no_progress, **common)
        print("\n" + sweep_report(sweep, lr))
    n_rows = 1 + (len(args.agents) + 1) // 2
    fig = pyplot().figure(figsize=(13, 3.2 + 2.3 * (n_rows - 1)), layout="constrained")
    plot_maze_change(fig, result)
    save_figure(fig, args.out, "maze_change.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

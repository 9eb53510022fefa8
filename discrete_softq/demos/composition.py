"""Demo: compose two gridworld tasks by averaging soft Q-functions; bound vs true gap.

``python -m discrete_softq.demo composition [--alpha 0.5] [--out DIR] [--quick]``

Two tasks on one map (leave by the left exit / by the right exit) are solved exactly, their
soft Q-functions averaged, and the composed policy compared with the exact optimum of the mean
reward. Prints the Lemma 1 and Theorem 1 bounds against the true gaps, and a sweep over the
temperature; saves ``composition.png``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._cli import default_out_dir, parse_dataclass_args

DESCRIPTION = "compose two gridworld tasks by averaging soft Q-functions; Haarnoja et al. 2018 bounds vs true gaps"


@dataclass
class Args:
    alpha: float = 0.5
    """temperature of both tasks and of the combined task"""
    gamma: float = 0.95
    """discount"""
    slip: float = 0.1
    """probability that a move goes sideways"""
    goal_reward: float = 10.0
    """reward at the task's own exit (the other exit pays 0)"""
    step_cost: float = 1.0
    """cost of every move"""
    n_alphas: int = 13
    """temperatures in the sweep (log-spaced in [0.05, 2])"""
    seed: int = 0
    """unused: everything here is exact (kept for a uniform command line)"""
    out: str = default_out_dir()
    """directory for composition.png"""
    quick: bool = False
    """a short sweep (seconds)"""
    no_progress: bool = False
    """no progress bars (there are none here)"""


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..experiments.composition import (
        bound_versus_alpha,
        bound_versus_interpolation,
        composition_example,
    )
    from ..plotting.compose import plot_bound_against_gap, plot_bound_versus_alpha
    from ..plotting.gridworld import plot_policy_arrows, plot_values
    from ..soft import boltzmann_policy

    args = parse_dataclass_args(Args, argv, "composition", DESCRIPTION)
    task: dict[str, Any] = dict(gamma=args.gamma, slip=args.slip, goal_reward=args.goal_reward,
                                step_cost=args.step_cost)
    ex = composition_example(alpha=args.alpha, **task)
    per_state, summary = ex.per_state(), ex.summary()
    alphas = np.geomspace(0.05, 2.0, 5 if args.quick else args.n_alphas)
    sweep = bound_versus_alpha(alphas, **task)
    ts = np.linspace(0.0, 1.0, 5 if args.quick else 11)
    interp = bound_versus_interpolation(ts, alpha=args.alpha, **task)

    # ------------------------------------------------------------------ printed figures
    print(f"two exit tasks on a {ex.env.n_rows}x{ex.env.n_cols} map, alpha={args.alpha}, gamma={args.gamma}, "
          f"slip={args.slip}")
    print(f"Lemma 1   max_s,a (Q_sum - Q*_C) = {summary['max_gap']:.4f}  <=  max C* = {summary['max_C']:.4f}")
    print(f"          at the start: gap {summary['start_gap']:.4f} <= C* {summary['start_C']:.4f}")
    print(f"Theorem 1 max_s,a (Q*_C - Q^pi_sum) = {summary['max_loss']:.4f}  <=  max D* = {summary['max_D']:.4f}")
    print(f"          at the start: loss {summary['start_loss']:.4f} <= D* {summary['start_D']:.4f}")
    print(f"max-ent return from the start: optimal {summary['return_optimal']:.4f}, "
          f"composed {summary['return_composed']:.4f}")
    print(f"{'alpha':>8} {'gap':>9} {'C*':>9} {'loss':>9} {'D*':>9}   (start state)")
    for i, a in enumerate(alphas):
        print(f"{a:8.3f} {sweep['start_gap'][i]:9.4f} {sweep['start_C'][i]:9.4f} "
              f"{sweep['start_loss'][i]:9.4f} {sweep['start_D'][i]:9.4f}")

    print(f"second task r2(t) = (1-t) r1 + t r2 at alpha={args.alpha} (max over states and actions):")
    print(f"{'t':>6} {'D_1/2':>8} {'gap':>9} {'C*':>9} {'loss':>9} {'D*':>9}")
    for i, t in enumerate(ts):
        print(f"{t:6.2f} {interp['divergence'][i]:8.4f} {interp['max_gap'][i]:9.4f} {interp['max_C'][i]:9.4f} "
              f"{interp['max_loss'][i]:9.4f} {interp['max_D'][i]:9.4f}")

    # ------------------------------------------------------------------ the figure
    fig, axes = plt.subplots(2, 4, figsize=(19, 8.5), constrained_layout=True)
    L = ex.env.layout
    policies = (boltzmann_policy(ex.Q1, ex.alpha), boltzmann_policy(ex.Q2, ex.alpha), ex.bound.policy, ex.policy_opt)
    titles = ("task 1 (left exit): pi*_1", "task 2 (right exit): pi*_2", "composed: pi_sum ~ sqrt(pi1 pi2)",
              "true optimum of the mean reward: pi*_C")
    for ax, pi, title in zip(axes[0], policies, titles):
        plot_policy_arrows(ax, pi, L, title=title)
    plot_bound_against_gap(axes[1, 0], per_state["gap"], per_state["C"],
                           title="Lemma 1 per state: Q_sum - Q*_C <= C*",
                           gap_label="true gap max_a(Q_sum - Q*_C)", bound_label="bound max_a C*")
    plot_bound_against_gap(axes[1, 1], per_state["loss"], per_state["D"], log=True,
                           title="Theorem 1 per state: Q*_C - Q^pi_sum <= D*",
                           gap_label="true loss max_a(Q*_C - Q^pi_sum)", bound_label="bound max_a D*")
    plot_values(axes[1, 2], np.where(ex.live, ex.bound.divergence, np.nan), L,
                title="Renyi divergence D_1/2(pi*_1 || pi*_2)", cmap="magma")
    plot_bound_versus_alpha(axes[1, 3], alphas, {
        "true gap Q_sum - Q*_C": sweep["start_gap"], "bound C*": sweep["start_C"],
        "true loss Q*_C - Q^pi_sum": sweep["start_loss"], "bound D*": sweep["start_D"]})
    fig.suptitle(f"Composing max-ent policies by averaging Q (Haarnoja et al. 2018), alpha = {args.alpha}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "composition.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

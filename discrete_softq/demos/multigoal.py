"""Multi-goal point mass: soft Q-learning keeps all four goals, DDPG commits (Haarnoja et al. 2017, Fig. 1).

    python -m discrete_softq.demo multigoal [--quick] [--seed 0] [--out figures] [--no-progress]

Trains soft Q-learning (amortized SVGD sampler) and the deterministic DDPG baseline with their
default settings, rolls each out from the origin, prints the goal-hit counts and writes
``multigoal.png``: rollouts over the reward landscape (left) and Q(s, .) over the action square
with sampled actions at the states (-2.5, 0), (0, 0), (2.5, 2.5) (right), one row per agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._cli import default_out_dir, parse_dataclass_args

DESCRIPTION = "multi-goal point mass: SQL's sampled policy reaches all four goals, DDPG commits (paper Fig. 1)"


@dataclass
class Args:
    steps: int = 6000
    """environment steps of training per agent (the target allows up to 20,000)"""
    quick_steps: int = 300
    """environment steps with --quick (a smoke run: the agents are barely trained)"""
    n_rollouts: int = 100
    """evaluation rollouts from the origin per agent"""
    n_samples: int = 100
    """actions sampled from SQL's network at each contour state"""
    seed: int = 0
    """seed of both agents, training and evaluation"""
    out: str = default_out_dir()
    """directory for multigoal.png"""
    quick: bool = False
    """small run in seconds (quick_steps, 20 rollouts)"""
    no_progress: bool = False
    """hide the progress bars"""


def parse_args(argv: list[str] | None) -> Args:
    """argparse built from :class:`Args`: one ``--flag`` per field, help from its docstring."""
    return parse_dataclass_args(Args, argv, "multigoal", DESCRIPTION)


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from discrete_softq.continuous import MultiGoalEnv, run_multigoal
    from discrete_softq.continuous.experiment import FIGURE_STATES, q_on_action_grid
    from discrete_softq.plotting.continuous import (
        plot_action_q_contours,
        plot_multigoal_rollouts,
    )

    args = parse_args(argv)
    steps = args.quick_steps if args.quick else args.steps
    n_rollouts = min(args.n_rollouts, 20) if args.quick else args.n_rollouts
    results = {}
    for name in ("sql", "ddpg"):
        res = run_multigoal(name, n_steps=steps, seed=args.seed, n_rollouts=n_rollouts,
                            progress=not args.no_progress)
        results[name] = res
        print(f"{name.upper():5s} {steps} steps, trained in {res.history.wall_time:.1f} s; "
              f"goal hits (E, W, N, S) over {n_rollouts} rollouts: {res.goal_counts.tolist()}, "
              f"no goal: {n_rollouts - res.goal_counts.sum()}", flush=True)

    env = MultiGoalEnv()
    fig, axes = plt.subplots(2, 4, figsize=(17, 8.5))
    for row, (name, res) in enumerate(results.items()):
        label = "soft Q-learning (sampled actions)" if name == "sql" else "DDPG (deterministic policy)"
        plot_multigoal_rollouts(axes[row, 0], env, res.rollouts.paths, res.rollouts.goals,
                                title=f"{label}\nhits E,W,N,S = {res.goal_counts.tolist()}")
        for col, state in enumerate(FIGURE_STATES, start=1):
            grid, q = q_on_action_grid(res.agent, state)
            if name == "sql":
                actions, what = res.agent.sample_actions(np.asarray(state), args.n_samples), "sampled actions"
            else:
                actions, what = res.agent.policy_action(np.asarray(state)), "deterministic action"
            plot_action_q_contours(axes[row, col], grid, q, actions, actions_label=what,
                                   title=f"{name.upper()}: Q(s, a) at s = {state}")
    fig.suptitle(f"Multi-goal task, {steps} training steps per agent (Haarnoja et al. 2017, Figure 1)")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "multigoal.png", dpi=110)
    plt.close(fig)
    print(f"wrote {out / 'multigoal.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Demo: when the preferred route is blocked, does a max-ent agent adapt faster than Q-learning?

``python -m discrete_softq.demo maze_change [--layout two_routes] [--condition both] [--quick]``

Every agent is tuned on its own small grid (same budget) on tuning seeds, then evaluated on
``--seeds`` separate seeds with the batched runner, in two conditions: the change at a fixed
step, and after pre-training on the first map. Prints, per agent, the measures of
:mod:`discrete_softq.experiments.maze_change` with bootstrap 95% intervals, the exact
"termination pitfall" table, and saves ``maze_change.png`` (cumulative reward with CI bands and
the change marked; visitation heat maps before and well after the change).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ._cli import default_out_dir, parse_dataclass_args

if TYPE_CHECKING:  # the experiment is imported inside main (keeps the command line quick to start)
    from ..experiments.maze_change import MazeChangeResult

DESCRIPTION = "walls block the preferred route: soft Q-learning vs Q-learning vs Dyna, with seed statistics"

#: Which measure answers which question (the order of the printed table).
MEASURES = [
    ("converged", "(pre) greedy path optimal at the change, share"),
    ("greedy_knows", "(a) greedy path reaches the goal on the new map, share"),
    ("route_knowledge", "(a) share of new-route cells whose greedy path reaches the goal"),
    ("p_reach", "(a) P(behaviour policy reaches goal in 2x new shortest)"),
    ("recovered", "(b) share of seeds that recover"),
    ("recovery_steps", "(b) recovery time, median steps after the change"),
    ("reward_before", "(c) reward before the change"),
    ("reward_after", "(c) reward after the change"),
    ("shortcut_found", "(d) share of seeds that use the shortcut"),
    ("shortcut_steps", "(d) steps until the shortcut is used, median"),
]


@dataclass
class Args:
    layout: str = "two_routes"
    """map: two_routes, blocking_maze or shortcut_maze"""
    agents: str = "soft,soft_shannon,q,q_greedy,dyna,soft_dyna"
    """comma-separated agents among soft, soft_shannon, q, q_greedy, dyna, dyna_plus, soft_dyna"""
    seeds: int = 30
    """evaluation seeds (separate from the tuning seeds)"""
    tune_seeds: int = 10
    """tuning seeds per configuration"""
    steps: Optional[int] = None
    """steps after the change (default: per layout, 2000-3000)"""
    change_step: Optional[int] = None
    """step of the change in the fixed condition (default: the book's / the registered one)"""
    alpha: Optional[float] = None
    """pin the temperature of the soft agents (default: tuned)"""
    epsilon: Optional[float] = None
    """pin epsilon of Q-learning and Dyna-Q (default: tuned; the eps=0 control stays 0)"""
    lr: Optional[float] = None
    """pin the learning rate of every agent (default: tuned)"""
    reward: str = "step"
    """reward scheme: 'goal' (+1 at the goal) or 'step' (+1 at the goal, -0.05 per step)"""
    condition: str = "both"
    """fixed, pretrained or both"""
    seed: int = 0
    """master seed (tuning and evaluation seeds are spawned from it)"""
    out: str = default_out_dir()
    """directory for maze_change.png"""
    quick: bool = False
    """a small run (seconds): 5 seeds, short phases"""
    sweep: str = "0.01,0.05,0.1"
    """temperatures of the untuned soft-Q sweep ('' to skip it; --quick keeps the last one)"""
    no_progress: bool = False
    """no progress bar"""


def parse_args(argv: list[str] | None) -> Args:
    """Build the command line from :class:`Args` (a ``--flag`` per field, help from its docstring)."""
    return parse_dataclass_args(Args, argv, "maze_change", DESCRIPTION)


def print_report(result: MazeChangeResult) -> None:
    """The tuning results, the pitfall table and one table per agent and condition."""
    r = result
    print(f"\nlayout {r.layout}, reward '{r.reward}': shortest path {r.shortest_before} steps before the change, "
          f"{r.shortest_after} after")
    print("\ntuning (mean total reward on the tuning seeds; * = best, the first of tied bests is kept):")
    for name, scores in r.tuning.items():
        best = max(s for _, s in scores)
        cells = ", ".join(f"{'*' if s == best else ''}{p}: {s:.1f}" for p, s in scores)
        print(f"  {name:13s} {cells}")
    print("\ntermination pitfall (exact soft-optimal policy on the first map, P(goal within the episode)):")
    for row in r.pitfall:
        print(f"  alpha={row['alpha']:<5g} Shannon entropy: {row['shannon']:.3f}   "
              f"KL to uniform: {row['kl_uniform']:.3f}")
    for condition, per_agent in r.results.items():
        for name, res in per_agent.items():
            print(f"\n[{condition}] {res.label} {res.params}  (change at step {res.change_step} of {res.n_steps}, "
                  f"{next(iter(res.measures.values())).n} seeds; value [95% CI])")
            for key, text in MEASURES:
                if key in res.measures:
                    print(f"  {text:60s} {res.measures[key]}")


def print_sweep(sweep: dict, lr: float) -> None:
    """One line per temperature of the untuned soft-Q sweep."""
    keys = ["converged", "route_knowledge", "p_reach", "recovered", "recovery_steps", "reward_before", "reward_after"]
    print(f"\nsoft Q (KL to uniform) at fixed temperatures, lr={lr} (not tuned; value [95% CI]):")
    for condition, per_alpha in sweep.items():
        print(f"  [{condition}]  " + " | ".join(keys))
        for alpha, res in per_alpha.items():
            print(f"    alpha={alpha:<5g} " + " | ".join(str(res.measures[k]) for k in keys))


def main(argv: list[str] | None = None) -> int:
    """Run the study, print the tables, save ``maze_change.png``; return 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..experiments.maze_change import run_maze_change
    from ..plotting.maze import plot_maze_change

    args = parse_args(argv)
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    conditions = ("fixed", "pretrained") if args.condition == "both" else (args.condition,)
    n_seeds, n_tune, change, post = args.seeds, args.tune_seeds, args.change_step, args.steps
    if args.quick:
        n_seeds, n_tune = min(n_seeds, 5), min(n_tune, 3)
        change, post = change or 600, post or 1000
    start = time.perf_counter()
    result = run_maze_change(args.layout, agents, conditions, n_seeds=n_seeds, n_tune_seeds=n_tune,
                             reward=args.reward, change_step=change, post_steps=post,
                             overrides={"alpha": args.alpha, "epsilon": args.epsilon, "lr": args.lr},
                             seed=args.seed, progress=not args.no_progress)
    print_report(result)
    alphas = [float(a) for a in args.sweep.split(",") if a.strip()]
    if args.quick:
        alphas = alphas[-1:]  # one temperature keeps --quick within seconds
    if alphas and "soft" in result.tuning:
        from ..experiments.maze_change import alpha_sweep

        lr = max(result.tuning["soft"], key=lambda ps: ps[1])[0]["lr"]
        sweep = alpha_sweep(args.layout, args.reward, alphas, lr=lr, conditions=conditions, n_seeds=n_seeds,
                            change_step=change, post_steps=post, seed=args.seed)
        print_sweep(sweep, lr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n_rows = 1 + (len(agents) + 1) // 2
    fig = plt.figure(figsize=(13, 3.2 + 2.3 * (n_rows - 1)), layout="constrained")
    plot_maze_change(fig, result)
    fig.savefig(out / "maze_change.png", dpi=110)
    plt.close(fig)
    print(f"\nsaved {out / 'maze_change.png'} ({time.perf_counter() - start:.1f} s)")
    return 0

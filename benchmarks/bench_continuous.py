"""Benchmark: the multi-goal experiment (Haarnoja et al. 2017, Figure 1) with default settings.

For each seed, trains soft Q-learning (SQL) and the DDPG baseline for ``--steps`` environment
steps (default settings: ``SQL_DEFAULTS``, DDPG with OU noise), then rolls each out 100 times
from the origin. Prints the training time, the goal-hit counts (E, W, N, S), the mean return,
whether SQL meets the target (every goal in >= 10% of the rollouts and >= 90% of the rollouts at
some goal) and, for SQL, how many goals get a mode of its sampled actions at (0, 0) and
(2.5, 2.5). Also times the building blocks.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_continuous.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from discrete_softq.continuous import MLP, SVGD
from discrete_softq.experiments.multigoal import CLUSTER_STATES, DEFAULT_STEPS, action_clusters, run_multigoal


def time_call(fn, repeat: int = 50) -> float:
    """Mean seconds per call."""
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def building_blocks() -> None:
    net = MLP([4, 100, 100, 2], seed=0, dtype=np.float32)
    x = np.random.default_rng(0).normal(size=(1024, 4))
    y, cache = net.forward(x)
    print(f"MLP 4-100-100-2 float32, 1024 rows: forward {1e3 * time_call(lambda: net.forward(x)):.2f} ms, "
          f"backward {1e3 * time_call(lambda: net.backward(cache, np.ones_like(y))):.2f} ms")
    svgd = SVGD(lambda z: -z, step_size=0.5)
    z = np.random.default_rng(0).normal(size=(100, 2))
    print(f"SVGD step, 100 particles in 2-D: {1e3 * time_call(lambda: svgd.step(z)):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--agents", nargs="+", default=["sql", "ddpg"])
    args = parser.parse_args()
    building_blocks()
    print(f"multi-goal, {args.steps} env steps, 100 rollouts each; goal counts are (E, W, N, S)")
    for agent in args.agents:
        for seed in args.seeds:
            res = run_multigoal(agent, n_steps=args.steps, seed=seed)
            counts = res.goal_counts
            ok = res.n_goals_reached(0.1) == 4 and counts.sum() >= 90
            modes = "" if agent != "sql" else ", modes aimed at goals: " + ", ".join(
                f"{k.goals_with_a_mode}/{len(k.goal_indices)} at {k.state}"
                for k in (action_clusters(res.agent, s, g) for s, g in CLUSTER_STATES))
            print(f"{agent:5s} seed {seed}: train {res.history.wall_time:6.1f} s "
                  f"({1e3 * res.history.wall_time / args.steps:.1f} ms/step), goals {counts.tolist()}, "
                  f"at a goal {counts.sum():3d}/100, goals with >=10%: {res.n_goals_reached(0.1)}, "
                  f"mean return {res.rollouts.returns.mean():7.1f}, target met: {ok}{modes}", flush=True)


if __name__ == "__main__":
    main()

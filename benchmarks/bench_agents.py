"""Agent-steps per second: the per-environment loop (`train`) against the batched runner.

``python benchmarks/bench_agents.py [--steps 2000] [--quick]``

Environment: ``two_routes`` with its wall change and the 200-step limit, step-cost rewards.
An agent-step is one environment step plus the agent's update (and, for Dyna, its 5 planning
updates). Target of issue 4: >= 1e6 agent-steps/s batched on 2 cores. Single-threaded NumPy
(``OPENBLAS_NUM_THREADS=1``); the batched runner is one process, so the second core is idle.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from discrete_softq.agents import run_batched, train  # noqa: E402
from discrete_softq.experiments.maze_setup import AGENTS, make_agents, make_env  # noqa: E402

PARAMS = {"soft": {"alpha": 0.05, "lr": 0.5}, "q": {"epsilon": 0.1, "lr": 0.5},
          "dyna": {"epsilon": 0.1, "lr": 0.5}, "soft_dyna": {"alpha": 0.05, "lr": 0.5}}


def single_rate(name: str, n_steps: int) -> float:
    env = make_env("two_routes", "step", change_step=n_steps // 2)
    agent = make_agents(AGENTS[name], PARAMS[name], [0], env.n_states)[0]
    start = time.perf_counter()
    train(env, agent, n_steps=n_steps, seed=0)
    return n_steps / (time.perf_counter() - start)


def batched_rate(name: str, n_agents: int, n_steps: int) -> float:
    env = make_env("two_routes", "step", change_step=n_steps // 2)
    agents = make_agents(AGENTS[name], PARAMS[name], list(range(n_agents)), env.n_states)
    start = time.perf_counter()
    run_batched(env, agents, n_steps, seeds=list(range(n_agents)))
    return n_agents * n_steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per agent in the batched runs")
    parser.add_argument("--quick", action="store_true", help="fewer sizes and steps")
    args = parser.parse_args()
    sizes = (30, 1000) if args.quick else (30, 300, 1000, 3000)
    steps = 500 if args.quick else args.steps
    print(f"{'agent':10s} {'runner':>14s} {'agents':>7s} {'agent-steps/s':>14s}")
    for name in PARAMS:
        print(f"{name:10s} {'train (1 env)':>14s} {1:7d} {single_rate(name, 3 * steps):14.3g}")
        for n in sizes:
            print(f"{name:10s} {'run_batched':>14s} {n:7d} {batched_rate(name, n, steps):14.3g}", flush=True)


if __name__ == "__main__":
    main()

"""Agent-steps per second: the per-environment loop (`train`) and the batched runner (`run_batched`).

``python benchmarks/bench_agents.py [--steps 2000] [--train-steps 6000] [--repeat 3] [--quick]``

Environment: ``two_routes`` with its wall change half-way and the 200-step limit, a step cost
of -0.05. Agents: soft Q-learning with a uniform prior (KL form) and with the Shannon bonus,
epsilon-greedy Q-learning, Dyna-Q and soft Dyna-Q (uniform prior), 5 planning steps. An agent-step is one environment step plus the agent's update (and, for Dyna, its 5
planning updates). Agents are built before the clock starts. Each figure is the best of
``--repeat`` runs, timed in process CPU time
(``time.process_time``) so that other load on a shared machine does not count. Single-threaded
NumPy (``OPENBLAS_NUM_THREADS=1``); the batched runner is one process.

The script uses only names that exist in every version of the package, so the figures before
and after a change come from the same code::

    PYTHONPATH=/path/to/old/checkout python benchmarks/bench_agents.py   # before
    python benchmarks/bench_agents.py                                     # after
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any, Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from discrete_softq.agents import DynaQ, QLearning, SoftDynaQ, SoftQLearning, run_batched, train  # noqa: E402
from discrete_softq.envs import GridWorld, WallChange  # noqa: E402

UNIFORM = np.full(4, 0.25)
#: name -> agent factory (n_states, seed) -> agent
AGENTS: dict[str, Callable[[int, int], Any]] = {
    "soft": lambda S, k: SoftQLearning(S, 4, alpha=0.05, lr=0.5, prior=UNIFORM, gamma=0.95, seed=k),
    "soft_shannon": lambda S, k: SoftQLearning(S, 4, alpha=0.05, lr=0.5, gamma=0.95, seed=k),
    "q": lambda S, k: QLearning(S, 4, epsilon=0.1, lr=0.5, gamma=0.95, seed=k),
    "dyna": lambda S, k: DynaQ(S, 4, epsilon=0.1, lr=0.5, n_planning=5, gamma=0.95, seed=k),
    "soft_dyna": lambda S, k: SoftDynaQ(S, 4, alpha=0.05, lr=0.5, n_planning=5, prior=UNIFORM,
                                        gamma=0.95, seed=k),
}


def make_env(n_steps: int) -> GridWorld:
    """two_routes, blocked after half the run, 200-step episodes, step cost -0.05."""
    return GridWorld("two_routes", changes=[WallChange(at_step=n_steps // 2, layout="two_routes_blocked")],
                     max_steps=200, step_reward=-0.05, goal_reward=1.0, gamma=0.95)


def best_rate(setup: Callable[[], Any], run: Callable[[Any], None], work: int, repeat: int) -> float:
    """``work / CPU seconds`` of the fastest of ``repeat`` calls ``run(setup())`` (setup not timed)."""
    best = float("inf")
    for _ in range(repeat):
        state = setup()
        start = time.process_time()
        run(state)
        best = min(best, time.process_time() - start)
    return work / best


def single_rate(name: str, n_steps: int, repeat: int) -> float:
    env = make_env(n_steps)
    return best_rate(lambda: AGENTS[name](env.n_states, 0),
                     lambda agent: train(env, agent, n_steps=n_steps, seed=0), n_steps, repeat)


def batched_rate(name: str, n_agents: int, n_steps: int, repeat: int) -> float:
    env = make_env(n_steps)
    return best_rate(lambda: [AGENTS[name](env.n_states, k) for k in range(n_agents)],
                     lambda agents: run_batched(env, agents, n_steps, seeds=list(range(n_agents))),
                     n_agents * n_steps, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per agent in the batched runs")
    parser.add_argument("--train-steps", type=int, default=6000, help="steps of each train() run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is kept)")
    parser.add_argument("--quick", action="store_true", help="fewer sizes and steps")
    args = parser.parse_args()
    sizes = (30, 1000) if args.quick else (30, 300, 1000, 3000)
    steps = 500 if args.quick else args.steps
    train_steps = 1500 if args.quick else args.train_steps
    print(f"{'agent':10s} {'runner':>14s} {'agents':>7s} {'agent-steps/s':>14s}")
    for name in AGENTS:
        print(f"{name:10s} {'train (1 env)':>14s} {1:7d} {single_rate(name, train_steps, args.repeat):14.4g}",
              flush=True)
        for n in sizes:
            print(f"{name:10s} {'run_batched':>14s} {n:7d} {batched_rate(name, n, steps, args.repeat):14.4g}",
                  flush=True)


if __name__ == "__main__":
    main()

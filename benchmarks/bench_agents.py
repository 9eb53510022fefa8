"""Agent-steps per second: the per-environment loop (`train`) and the batched runner (`run_batched`).

``python benchmarks/bench_agents.py [--steps 2000] [--train-steps 6000] [--repeat 3] [--quick]``
``python benchmarks/bench_agents.py --compare /path/to/old/checkout [--repeat 5] [--sizes 30 300 1000]``

Environment: ``two_routes`` with its wall change half-way and the 200-step limit, a step cost
of -0.05. Agents: soft Q-learning with a uniform prior (KL form) and with the Shannon bonus,
epsilon-greedy Q-learning, Dyna-Q and soft Dyna-Q (uniform prior), 5 planning steps. An
agent-step is one environment step plus the agent's update (and, for Dyna, its 5 planning
updates). Agents are built before the clock starts; runs are timed in process CPU time
(``time.process_time``), single-threaded NumPy (``OPENBLAS_NUM_THREADS=1``), one process.

The first form prints the rates of the installed package (the best of ``--repeat`` runs).

``--compare OLD`` measures the speed ratio *current / OLD* on a shared machine: it starts two
worker processes, one importing the package of this checkout and one that of ``OLD`` (a
``git worktree`` of an older commit; the editable install's import hook is removed in that
worker so that ``OLD`` is imported), and times every configuration in both, alternating which
goes first, ``--repeat`` times. Load on the machine then hits both versions alike; it prints
the median ratio and its range over the repeats (``> 1``: the current code is faster). The
script uses only names that exist in every version of the package.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
UNIFORM = np.full(4, 0.25)
NAMES = ("soft", "soft_shannon", "q", "dyna", "soft_dyna")


def _import(root: Path | None) -> dict[str, Any]:
    """The package's names, from ``root`` (bypassing the editable install) or from the installed package."""
    if root is not None:
        sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
        sys.path.insert(0, str(root))
    from discrete_softq.agents import DynaQ, QLearning, SoftDynaQ, SoftQLearning, run_batched, train
    from discrete_softq.envs import GridWorld, WallChange

    return dict(DynaQ=DynaQ, QLearning=QLearning, SoftDynaQ=SoftDynaQ, SoftQLearning=SoftQLearning,
                run_batched=run_batched, train=train, GridWorld=GridWorld, WallChange=WallChange)


def agent_factories(p: dict[str, Any]) -> dict[str, Callable[[int, int], Any]]:
    """name -> agent factory (n_states, seed) -> agent."""
    return {
        "soft": lambda S, k: p["SoftQLearning"](S, 4, alpha=0.05, lr=0.5, prior=UNIFORM, gamma=0.95, seed=k),
        "soft_shannon": lambda S, k: p["SoftQLearning"](S, 4, alpha=0.05, lr=0.5, gamma=0.95, seed=k),
        "q": lambda S, k: p["QLearning"](S, 4, epsilon=0.1, lr=0.5, gamma=0.95, seed=k),
        "dyna": lambda S, k: p["DynaQ"](S, 4, epsilon=0.1, lr=0.5, n_planning=5, gamma=0.95, seed=k),
        "soft_dyna": lambda S, k: p["SoftDynaQ"](S, 4, alpha=0.05, lr=0.5, n_planning=5, prior=UNIFORM,
                                                 gamma=0.95, seed=k),
    }


def make_env(p: dict[str, Any], n_steps: int) -> Any:
    """two_routes, blocked after half the run, 200-step episodes, step cost -0.05."""
    return p["GridWorld"]("two_routes", changes=[p["WallChange"](at_step=n_steps // 2, layout="two_routes_blocked")],
                          max_steps=200, step_reward=-0.05, goal_reward=1.0, gamma=0.95)


def cpu_seconds(p: dict[str, Any], name: str, n_agents: int, n_steps: int) -> float:
    """CPU seconds of one run: ``train`` for ``n_agents == 0``, else ``run_batched`` on ``n_agents`` agents."""
    env, make = make_env(p, n_steps), agent_factories(p)[name]
    if n_agents == 0:
        agent = make(env.n_states, 0)
        start = time.process_time()
        p["train"](env, agent, n_steps=n_steps, seed=0)
    else:
        agents = [make(env.n_states, k) for k in range(n_agents)]
        start = time.process_time()
        p["run_batched"](env, agents, n_steps, seeds=list(range(n_agents)))
    return time.process_time() - start


def configurations(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """``(agent, n_agents (0: train), steps)`` of every measurement."""
    sizes = (30, 1000) if args.quick else tuple(args.sizes)
    steps = 500 if args.quick else args.steps
    train_steps = 1500 if args.quick else args.train_steps
    return [(name, n, train_steps if n == 0 else steps) for name in args.agents for n in (0, *sizes)]


def worker(root: str) -> None:
    """Time the configurations read from stdin (one JSON list per line), answering with CPU seconds."""
    p = _import(None if root == "-" else Path(root))
    cpu_seconds(p, "q", 30, 50)   # warm-up: imports and first calls off the clock
    print("ready", flush=True)
    for line in sys.stdin:
        name, n, steps = json.loads(line)
        print(json.dumps(cpu_seconds(p, name, n, steps)), flush=True)


def compare(args: argparse.Namespace) -> None:
    old = Path(args.compare).resolve()
    procs = {label: subprocess.Popen([sys.executable, __file__, "--worker", root], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
             for label, root in (("current", args.current or "-"), ("old", str(old)))}
    for proc in procs.values():
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"

    def timed(label: str, config: tuple[str, int, int]) -> float:
        proc = procs[label]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(config) + "\n")
        proc.stdin.flush()
        return float(proc.stdout.readline())

    configs = configurations(args)
    ratios: dict[tuple[str, int, int], list[float]] = {c: [] for c in configs}
    for r in range(args.repeat):
        for i, config in enumerate(configs):
            order = ("current", "old") if (r + i) % 2 == 0 else ("old", "current")
            t = {label: timed(label, config) for label in order}
            ratios[config].append(t["old"] / t["current"])
        print(f"repeat {r + 1}/{args.repeat} done", file=sys.stderr, flush=True)
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    print(f"speed current / old ({old}), {args.repeat} interleaved repeats (median [min, max]); > 1: faster now")
    print(f"{'agent':13s} {'runner':>14s} {'agents':>7s} {'ratio':>24s}")
    for (name, n, _), values in ratios.items():
        runner = "train (1 env)" if n == 0 else "run_batched"
        print(f"{name:13s} {runner:>14s} {max(n, 1):7d} {statistics.median(values):9.2f} "
              f"[{min(values):.2f}, {max(values):.2f}]", flush=True)


def rates(args: argparse.Namespace) -> None:
    p = _import(None)
    print(f"{'agent':13s} {'runner':>14s} {'agents':>7s} {'agent-steps/s':>14s}")
    for name, n, steps in configurations(args):
        best = min(cpu_seconds(p, name, n, steps) for _ in range(args.repeat))
        runner = "train (1 env)" if n == 0 else "run_batched"
        print(f"{name:13s} {runner:>14s} {max(n, 1):7d} {max(n, 1) * steps / best:14.4g}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per agent in the batched runs")
    parser.add_argument("--train-steps", type=int, default=6000, help="steps of each train() run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (rates: the best is kept)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 300, 1000, 3000], help="batch sizes")
    parser.add_argument("--quick", action="store_true", help="fewer sizes and steps")
    parser.add_argument("--compare", metavar="OLD", help="checkout to compare against (interleaved workers)")
    parser.add_argument("--current", metavar="DIR", help="with --compare: a checkout to use instead of the installed package")
    parser.add_argument("--agents", nargs="+", default=list(NAMES), choices=NAMES, help="agents to time")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker)
    elif args.compare is not None:
        compare(args)
    else:
        rates(args)


if __name__ == "__main__":
    main()

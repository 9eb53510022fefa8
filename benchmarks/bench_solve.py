"""A regime map of the exact solvers: the time of each, of ``solve()``, and of the textbook baselines.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_solve.py                 # 10^2 - 10^5 states
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_solve.py --sizes 1000000 # the 10^6 cells (long)
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_solve.py --quick         # a minute

Cells: for each size ``n`` (states) and discount, open grids (``sqrt(n)`` a side, one terminal
goal, reward -1 per step) deterministic and slippery (each move goes sideways with probability
0.2), random MDPs without terminal states (Garnet, 3 actions, 5 successors); then FrozenLake 8x8
(slippery, episodic) and Taxi (deterministic, episodic). alpha = 0.1 with a uniform prior, tol
1e-6 (at gamma 0.9999 and |Q| ~ 10^4, 1e-8 is below what float64 can certify). Each fast solver gets ``MAX_SWEEPS`` sweeps or ``MAX_ROUNDS`` rounds; one that does not
converge within them shows ``>cap``. ``ratio`` is ``solve()``'s time over the best fast solver's,
all measured side by side in this run (best of 3 for runs under ``SINGLE_RUN_SECONDS``, of 9 under ``QUICK_SECONDS``). The baseline columns
are the textbook solvers of :mod:`discrete_softq.reference` (value iteration up to
``--reference-max-states`` states, policy iteration, a dense solve per round, up to
``REFERENCE_PI_MAX_STATES``; ``-`` where skipped) and ``speed-up`` is the best baseline's time over
``solve()``'s. The load average is printed with each row: the machine may be shared.
The figure (``--figure``) is drawn by :mod:`discrete_softq.plotting.regime_map`.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np

from discrete_softq import TabularMDP, random_mdp, reference, soft_policy_iteration, soft_value_iteration, solve
from discrete_softq.envs import from_gymnasium
from discrete_softq.mdp_builders import open_grid_mdp, slippery_grid_mdp

ALPHA, TOL, MAX_SWEEPS, MAX_ROUNDS = 0.1, 1e-6, 50_000, 200
#: Runs longer than this are timed once (shorter ones: best of 3; at 10^6 states one run of a few seconds
#: varies by +-30% with memory effects).
SINGLE_RUN_SECONDS = 10.0
#: Runs shorter than this are repeated ``QUICK_RUNS`` times (the best counts).
QUICK_SECONDS, QUICK_RUNS = 0.1, 9
#: The textbook policy iteration solves a dense system per round: skipped above this many states.
REFERENCE_PI_MAX_STATES = 1_000


def timed(fn, mdp: TabularMDP) -> tuple[float, str]:  # noqa: ANN001
    """(best seconds of up to 3 runs, the solver that answered); inf if it did not converge. Runs over
    ``SINGLE_RUN_SECONDS`` are timed once, runs under ``QUICK_SECONDS`` ``QUICK_RUNS`` times."""
    best, name, runs = np.inf, "", 3
    for run in range(QUICK_RUNS):
        if run >= runs:
            break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            sol = fn(mdp)
            seconds = time.perf_counter() - start
        if not sol.converged:
            return np.inf, sol.solver
        best, name = min(best, seconds), sol.solver
        if seconds > SINGLE_RUN_SECONDS:
            break
        if seconds < QUICK_SECONDS:  # millisecond runs vary most on a shared machine: more repeats
            runs = QUICK_RUNS
    return best, name


def cells(sizes: list[int], gammas: list[float]):  # noqa: ANN201
    """(row label, gamma, mdp) for every cell of the map."""
    for n in sizes:
        side = int(round(np.sqrt(n)))
        for gamma in gammas:
            yield f"grid {side}x{side}", gamma, open_grid_mdp(side, gamma)
            yield f"slippery {side}x{side}", gamma, slippery_grid_mdp(side, gamma)
            yield f"random {n}", gamma, random_mdp(n, 3, gamma, branching=5, seed=0, sparse=True)
    for gamma in gammas:
        yield "FrozenLake 8x8", gamma, from_gymnasium(gym.make("FrozenLake8x8-v1"), gamma=gamma)
        yield "Taxi", gamma, from_gymnasium(gym.make("Taxi-v4"), gamma=gamma)


def measure(mdp: TabularMDP, reference_max_states: int) -> dict:
    """Times of the fast solvers, ``solve()`` and (where feasible) the textbook ones, in one run."""
    rho = np.full(mdp.n_actions, 1 / mdp.n_actions)
    out = {"soft_value_iteration": timed(lambda m: soft_value_iteration(m, ALPHA, tol=TOL, prior=rho,
                                                                        max_iter=MAX_SWEEPS), mdp)[0],
           "soft_policy_iteration": timed(lambda m: soft_policy_iteration(m, ALPHA, tol=TOL, prior=rho,
                                                                          max_iter=MAX_ROUNDS), mdp)[0]}
    out["solve"], out["picked"] = timed(lambda m: solve(m, ALPHA, tol=TOL, prior=rho), mdp)
    out["reference VI"] = out["reference PI"] = np.nan
    if mdp.n_states <= reference_max_states:
        out["reference VI"] = timed(lambda m: reference.soft_value_iteration(m, ALPHA, tol=TOL, prior=rho,
                                                                             max_iter=MAX_SWEEPS), mdp)[0]
    if mdp.n_states <= REFERENCE_PI_MAX_STATES:
        out["reference PI"] = timed(lambda m: reference.soft_policy_iteration(m, ALPHA, tol=TOL, prior=rho,
                                                                              max_iter=MAX_ROUNDS), mdp)[0]
    return out


def show(t: float) -> str:
    return "-" if np.isnan(t) else (">cap" if not np.isfinite(t) else f"{t:.3f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000,100000", help="numbers of states (grids: a square side)")
    parser.add_argument("--gammas", default="0.9,0.99,0.999,0.9999", help="discounts")
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000 and gammas 0.9,0.999 only")
    parser.add_argument("--reference-max-states", type=int, default=10_000,
                        help="time the textbook value iteration up to this many states")
    parser.add_argument("--figure", default="figures/regime_map.png", help="where to save the map ('' for none)")
    args = parser.parse_args(argv)
    sizes = [100, 1000] if args.quick else [int(x) for x in args.sizes.split(",")]
    gammas = [0.9, 0.999] if args.quick else [float(x) for x in args.gammas.split(",")]
    print(f"{'MDP':>18} {'gamma':>7} {'value it.':>10} {'policy it.':>11} {'solve':>8} {'picked':>22} {'ratio':>6} "
          f"{'ref. VI':>8} {'ref. PI':>8} {'speed-up':>8} {'load':>5}")
    rows: dict[str, dict[float, dict]] = {}
    for name, gamma, mdp in cells(sizes, gammas):
        r = measure(mdp, args.reference_max_states)
        best = min(r["soft_value_iteration"], r["soft_policy_iteration"])
        r["ratio"] = r["solve"] / best if np.isfinite(best) else np.nan
        r["best"] = ("none" if not np.isfinite(best) else
                     min(("soft_value_iteration", "soft_policy_iteration"), key=lambda k: r[k]))
        baseline = np.nanmin([r["reference VI"], r["reference PI"], np.inf])
        speedup = baseline / r["solve"] if np.isfinite(baseline) and np.isfinite(r["solve"]) else np.nan
        rows.setdefault(name, {})[gamma] = r
        print(f"{name:>18} {gamma:>7} {show(r['soft_value_iteration']):>10} {show(r['soft_policy_iteration']):>11} "
              f"{show(r['solve']):>8} {r['picked']:>22} {r['ratio']:>6.2f} {show(r['reference VI']):>8} "
              f"{show(r['reference PI']):>8} {speedup:>8.1f} {os.getloadavg()[0]:>5.1f}", flush=True)
    ratios = [c["ratio"] for row in rows.values() for c in row.values() if np.isfinite(c["ratio"])]
    print(f"worst ratio of solve() to the best solver: {max(ratios):.2f} over {len(ratios)} cells "
          f"({sum(x <= 1.5 for x in ratios)} within 1.5x)")
    if args.figure:
        save_figure(rows, gammas, Path(args.figure))


def save_figure(rows: dict, gammas: list[float], path: Path) -> None:
    import matplotlib.pyplot as plt

    from discrete_softq.plotting.regime_map import plot_best_solver_map, plot_ratio_map

    names = list(rows)
    ratio = [[rows[n].get(g, {}).get("ratio", np.nan) for g in gammas] for n in names]
    best = [[rows[n].get(g, {}).get("best", "none") for g in gammas] for n in names]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.35 * len(names) + 2), constrained_layout=True)
    fig.colorbar(plot_ratio_map(left, names, gammas, ratio), ax=left, label="solve() / best")
    plot_best_solver_map(right, names, gammas, best)
    right.set_yticklabels([])
    fig.suptitle(f"Exact soft DP solvers, alpha {ALPHA}, tol {TOL:g} (bench_solve.py)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"saved {path}")


if __name__ == "__main__":
    main()

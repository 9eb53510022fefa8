"""A regime map of the exact solvers: the time of each, and of ``solve()``, across sizes, discounts and kinds.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_solve.py [--sides 10,32,100] [--gammas 0.9,0.99,0.999,0.9999]

Cells: open grids (``side x side``, one terminal goal, reward -1 per step) deterministic and
slippery (each move goes sideways with probability 0.2), random MDPs without terminal states
(Garnet, 3 actions, 5 successors), FrozenLake 8x8 and Taxi. alpha = 0.1 with a uniform prior, tol
1e-8. Each solver gets ``MAX_SWEEPS`` sweeps or ``MAX_ROUNDS`` rounds; a solver that does not
converge within them shows ``>``. The last column is ``solve()``'s time over the best solver's,
all measured side by side in this run (best of 3 for runs under a second).
"""

from __future__ import annotations

import argparse
import time
import warnings

import gymnasium as gym
import numpy as np
import scipy.sparse as sp

from discrete_softq import TabularMDP, random_mdp, soft_policy_iteration, soft_value_iteration, solve
from discrete_softq.envs import from_gymnasium
from discrete_softq.mdp import open_grid_mdp

ALPHA, TOL, MAX_SWEEPS, MAX_ROUNDS = 0.1, 1e-8, 50_000, 200


def slippery_grid(side: int, gamma: float, slip: float = 0.2) -> TabularMDP:
    """The open grid with each move going to either perpendicular direction with probability slip / 2."""
    base = open_grid_mdp(side, gamma)
    S = side * side
    succ = base.P.indices.reshape(S, 4)  # successors of up, right, down, left
    rows, cols, vals = [], [], []
    for a in range(4):
        for b, p in ((a, 1 - slip), ((a + 1) % 4, slip / 2), ((a + 3) % 4, slip / 2)):
            rows.append(np.arange(S) * 4 + a)
            cols.append(succ[:, b])
            vals.append(np.full(S, p))
    P = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(4 * S, S))
    return TabularMDP(P, base.rewards, gamma, terminal=base.terminal)


def timed(fn, mdp: TabularMDP) -> tuple[float, str]:  # noqa: ANN001
    best, name = np.inf, ""
    for _ in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            sol = fn(mdp)
            seconds = time.perf_counter() - start
        if not sol.converged:
            return np.inf, sol.solver
        best, name = min(best, seconds), sol.solver
        if seconds > 1.0:
            break
    return best, name


def cells(sides: list[int], gammas: list[float]):  # noqa: ANN201
    for side in sides:
        for gamma in gammas:
            yield f"grid {side}x{side}", gamma, open_grid_mdp(side, gamma)
            yield f"slippery {side}x{side}", gamma, slippery_grid(side, gamma)
            yield f"random {side * side}", gamma, random_mdp(side * side, 3, gamma, branching=5, seed=0, sparse=True)
    for gamma in gammas:
        yield "FrozenLake 8x8", gamma, from_gymnasium(gym.make("FrozenLake8x8-v1"), gamma=gamma)
        yield "Taxi", gamma, from_gymnasium(gym.make("Taxi-v4"), gamma=gamma)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sides", default="10,32,100", help="grid sides (states = side^2)")
    parser.add_argument("--gammas", default="0.9,0.99,0.999,0.9999", help="discounts")
    args = parser.parse_args()
    sides = [int(x) for x in args.sides.split(",")]
    gammas = [float(x) for x in args.gammas.split(",")]
    print(f"{'MDP':>18} {'gamma':>7} {'value it.':>10} {'policy it.':>11} {'solve':>8} {'picked':>22} {'ratio':>6}")
    worst = 0.0
    for name, gamma, mdp in cells(sides, gammas):
        rho = np.full(mdp.n_actions, 1 / mdp.n_actions)
        vi = timed(lambda m: soft_value_iteration(m, ALPHA, tol=TOL, prior=rho, max_iter=MAX_SWEEPS), mdp)[0]
        pi = timed(lambda m: soft_policy_iteration(m, ALPHA, tol=TOL, prior=rho, max_iter=MAX_ROUNDS), mdp)[0]
        so, picked = timed(lambda m: solve(m, ALPHA, tol=TOL, prior=rho), mdp)
        ratio = so / min(vi, pi)
        worst = max(worst, ratio)
        show = lambda t: f">{'cap':>8}" if not np.isfinite(t) else f"{t:>9.3f}"  # noqa: E731
        print(f"{name:>18} {gamma:>7} {show(vi):>10} {show(pi):>11} {show(so):>8} {picked:>22} {ratio:>6.2f}",
              flush=True)
    print(f"worst ratio of solve() to the best solver: {worst:.2f}")


if __name__ == "__main__":
    main()

"""Speed of exact-occupancy MCE IRL on a 10^4-state gridworld with 8 features (issue 15's target: < 10 s).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_irl.py [--side 100] [--gamma 0.95]

A side x side open grid (4 moves, one terminal goal), state features drawn at random (8 of them,
the last constant), a hidden reward ``Phi theta*``, its soft-optimal expert (alpha 0.5, uniform
prior) and that expert's exact occupancy. MCE IRL starts from ``theta = 0`` and runs L-BFGS until
``|grad|_inf <= 1e-6``. Prints the time, the iterations, the gradient norm reached and the
recovered policy's max per-state KL divergence from the expert where the expert goes.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.special import rel_entr

from discrete_softq import TabularMDP, soft_value_iteration
from discrete_softq.inference import mce_irl, occupancy
from discrete_softq.mdp import open_grid_mdp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=100, help="grid side (states = side^2; default 100)")
    parser.add_argument("--gamma", type=float, default=0.95, help="discount (default 0.95)")
    args = parser.parse_args()
    grid = open_grid_mdp(args.side, args.gamma)
    S = grid.n_states
    rng = np.random.default_rng(0)
    phi = np.concatenate([rng.normal(size=(S, 7)), np.ones((S, 1))], axis=1)
    theta_star = np.concatenate([rng.normal(scale=0.3, size=7), [-1.0]])
    rewards = np.repeat(phi @ theta_star, 4).reshape(S, 4)
    task = TabularMDP(grid.P, rewards, args.gamma, initial=np.full(S, 1 / S), terminal=grid.terminal)
    expert = soft_value_iteration(task, 0.5, tol=1e-11, prior=[0.25] * 4).policy
    d = occupancy(task, expert)
    start = time.perf_counter()
    res = mce_irl(task, phi, d, alpha=0.5, prior=[0.25] * 4, gtol=1e-6)
    seconds = time.perf_counter() - start
    where = d.sum(axis=1) > 0
    kl = float(rel_entr(expert, res.policy).sum(axis=1)[where].max())
    print(f"MCE IRL on {S} states, 8 features, gamma {args.gamma}: {seconds:.2f} s, {res.iterations} L-BFGS "
          f"iterations, |grad|_inf = {res.gradient_norm:.1e} (converged={res.converged}), max per-state KL {kl:.1e}")


if __name__ == "__main__":
    main()

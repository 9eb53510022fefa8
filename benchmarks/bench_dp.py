"""Speed and memory of the exact soft DP solvers on large open gridworlds.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dp.py            # 10^4 and 10^6 states
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dp.py --small    # 10^4 only (about a minute)

The MDP: a side x side open grid, 4 deterministic moves (bumping into the border stays put),
reward -1 per step, one terminal goal in the top-right corner, alpha = 0.1. For each solver and
gamma it prints the time (best of 5 on 10^4 states) to |Q - Q*|_inf <= 1e-6 (the solvers' ``tol``
is a guarantee; on 10^4 states it is also checked against a 1e-11 reference), iterations, time
per sweep and the peak resident memory of a fresh process. The baseline rows "reference.*" are the
textbook solvers of ``discrete_softq.reference`` (sparse ``P @ V``, scipy's logsumexp, ``spsolve``)
that the fast solvers must not be slower than; "ratio" is reference time / fast time, measured in one run.
The sweep's memory-traffic bound is the bytes a sweep must move at least (the transitions, the
rewards, V and the new V) divided by the measured copy bandwidth of this machine; it is given
for the CSR matrix the MDP holds and for what the factored sweep actually moves (its matrix M
stored by diagonals, and six vectors of S numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from discrete_softq import reference, soft_policy_iteration, soft_q_iteration, soft_value_iteration
from discrete_softq._fast.sweep import SoftSweep
from discrete_softq.mdp import open_grid_mdp

ALPHA = 0.1
TOL = 1e-6
REPEATS = 5
#: The baselines first: each fast solver's ratio is against the reference of its kind (value / policy).
SOLVERS = {"reference.soft_value_iteration": reference.soft_value_iteration,
           "reference.soft_policy_iteration": reference.soft_policy_iteration,
           "soft_value_iteration": soft_value_iteration, "soft_q_iteration": soft_q_iteration,
           "soft_policy_iteration": soft_policy_iteration}


def copy_bandwidth() -> float:
    """Bytes per second of a large array copy (read + write), best of 5."""
    a = np.ones(25_000_000)
    b = np.empty_like(a)
    best = min(_timed(lambda: np.copyto(b, a)) for _ in range(5))
    return 2 * a.nbytes / best


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run_one(side: int, gamma: float, solver: str) -> dict:
    mdp = open_grid_mdp(side, gamma)
    seconds = np.inf
    for _ in range(REPEATS if side <= 100 else 1):  # best of a few where a run is short
        t = time.perf_counter()
        max_iter = 1_000_000 if "value" in solver or "_q_" in solver else 1000
        sol = SOLVERS[solver](mdp, ALPHA, tol=TOL, max_iter=max_iter)
        Q, iterations = sol.Q, sol.iterations
        seconds = min(seconds, time.perf_counter() - t)
    result = dict(side=side, gamma=gamma, solver=solver, seconds=seconds, iterations=iterations,
                  peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if side <= 100:
        reference = soft_policy_iteration(mdp, ALPHA, tol=1e-11).Q
        result["error"] = float(np.abs(Q - reference).max())
    return result


def sweep_seconds(side: int) -> tuple[float, float, float]:
    """(seconds per soft VI iteration, memory-traffic bounds for the CSR input and for what the sweep reads).

    The time per iteration is marginal: (time of 120 iterations - time of 20) / 100, best of 5, so
    it excludes the solver's set-up and final policy; it includes the stopping rule's bracket and
    the recentrings of the factored sweep.
    """
    mdp = open_grid_mdp(side, 0.99)
    import warnings
    warnings.simplefilter("ignore")

    def solve(iterations: int) -> float:
        # tol 1e-10: far from reached in 120 sweeps, and a tol the fused sweep can certify (a smaller
        # one, below its rounding allowance, would make soft VI use the plain sweep instead)
        return min(_timed(lambda: soft_value_iteration(mdp, ALPHA, tol=1e-10, max_iter=iterations))
                   for _ in range(5))

    per_sweep = (solve(120) - solve(20)) / 100
    S, SA, nnz = mdp.n_states, mdp.n_states * mdp.n_actions, mdp.P.nnz
    values = 3 * S * 8  # V read twice (gathered, and as the previous values) and written once, at least
    csr_bytes = nnz * 12 + (SA + 1) * 4 + SA * 8 + values  # CSR (data, indices, indptr), R
    # What the factored sweep moves on this grid: M by diagonals, c, U_ref, U, w (gathered), U', w'.
    diagonals = SoftSweep(mdp, ALPHA)._factored.offsets.size
    read_bytes = diagonals * S * 8 + 6 * S * 8
    bandwidth = copy_bandwidth()
    return per_sweep, csr_bytes / bandwidth, read_bytes / bandwidth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="10^4 states only")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one run in a fresh process
    args = parser.parse_args()
    if args.one:
        side, gamma, solver = json.loads(args.one)
        import warnings
        warnings.simplefilter("ignore")
        print(json.dumps(run_one(side, gamma, solver)))
        return
    sides = [100] if args.small else [100, 1000]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    print(f"{'states':>9} {'gamma':>5} {'solver':>32} {'seconds':>8} {'iters':>6} {'s/iter':>8} "
          f"{'peak MB':>8} {'|Q-Q*|':>9} {'ratio':>6}")
    for side in sides:
        for gamma in (0.9, 0.99):
            baseline = {}
            for solver in SOLVERS:
                if side > 100 and solver in ("soft_q_iteration", "reference.soft_policy_iteration"):
                    continue  # Q-iteration: the sweeps of value iteration on 4x the state; spsolve: too slow
                out = subprocess.run([sys.executable, __file__, "--one", json.dumps([side, gamma, solver])],
                                     capture_output=True, text=True, env=env, check=True)
                r = json.loads(out.stdout)
                kind = "policy" if "policy" in solver else "value"
                baseline.setdefault(kind, r["seconds"])
                err = f"{r['error']:.1e}" if "error" in r else "-"
                print(f"{side * side:>9} {gamma:>5} {solver:>32} {r['seconds']:>8.2f} {r['iterations']:>6} "
                      f"{r['seconds'] / r['iterations']:>8.4f} {r['peak_mb']:>8.0f} {err:>9} "
                      f"{baseline.get(kind, np.nan) / r['seconds']:>6.1f}", flush=True)
    for side in sides:
        per_sweep, csr_bound, read_bound = sweep_seconds(side)
        print(f"soft VI sweep on {side * side} states: {per_sweep * 1e3:.2f} ms; memory-traffic bound "
              f"{csr_bound * 1e3:.2f} ms for the CSR input (ratio {per_sweep / csr_bound:.2f}), "
              f"{read_bound * 1e3:.2f} ms for the bytes the sweep reads (ratio {per_sweep / read_bound:.2f})")


if __name__ == "__main__":
    main()

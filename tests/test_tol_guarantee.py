"""``tol`` is a guarantee: every solver's ``error_bound`` bounds its true error, checked in 40-digit arithmetic.

The claim (:mod:`discrete_softq.stopping`): a solver returns ``Q`` with ``|Q - Q*|_inf <=
error_bound``, where ``Q*`` is the exact fixed point in real arithmetic, and ``converged`` only if
``error_bound <= tol``. The oracle below computes ``Q*`` of a small MDP to about 40 significant
digits with mpmath, independently of the library: soft policy iteration (Newton's method on the
soft Bellman equation) with exact linear solves, enough working digits that ``Q / alpha`` of
size ``1e-300`` is still resolved, and a final residual check ``|T Q - Q| / (1 - gamma)``.
The edges of issue 12 are here: warm starts near ``+-1e17`` and ``+-1e300``, temperatures from
``1e-300`` to ``1e300`` with and without a normalised prior, ``gamma`` near 1, rewards of ``1e4``.
"""

import warnings

import mpmath
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from discrete_softq import (
    TabularMDP,
    random_mdp,
    soft_policy_iteration,
    soft_q_iteration,
    soft_value,
    soft_value_iteration,
    value_iteration,
)
from discrete_softq.mdp import open_grid_mdp
from discrete_softq.testing import mdps, self_loop_chain

DIGITS = 40
mpf = mpmath.mpf


# ---------------------------------------------------------------------- the 40-digit oracle
def mp_model(mdp, prior):
    """P (S, A, S) with rows renormalised exactly, r (S, A), and the prior (S, A) as mpmath numbers."""
    P = getattr(mdp, "P", mdp.transitions)
    P = P.toarray() if sp.issparse(P) else np.asarray(P)
    P = P.reshape(mdp.n_states, mdp.n_actions, mdp.n_states)
    S, A = mdp.n_states, mdp.n_actions
    Pm = [[[mpf(float(p)) for p in P[s, a]] for a in range(A)] for s in range(S)]
    Pm = [[[p / mpmath.fsum(row) for p in row] for row in rows] for rows in Pm]
    r = [[mpf(float(mdp.rewards[s, a])) for a in range(A)] for s in range(S)]
    rho = np.broadcast_to(np.ones(A) if prior is None else np.asarray(prior, dtype=float), (S, A))
    rho = [[mpf(float(p)) for p in row] for row in rho]
    if prior is not None:
        rho = [[p / mpmath.fsum(row) for p in row] for row in rho]
    return Pm, r, rho


def mp_soft_value(q, alpha, rho):
    """alpha log sum_a rho_a e^{q_a / alpha} (max over the prior's support at alpha = 0), max-shifted."""
    support = [x for x, p in zip(q, rho) if p > 0]
    m = max(support)
    if alpha == 0:
        return m
    return m + alpha * mpmath.log(mpmath.fsum(p * mpmath.exp((x - m) / alpha) for x, p in zip(q, rho) if p > 0))


def mp_policy(q, alpha, rho):
    """Boltzmann policy of one row; at alpha = 0 (or where it underflows) greedy on the prior's support."""
    m = max(x for x, p in zip(q, rho) if p > 0)
    if alpha == 0:
        w = [mpf(1) if (x == m and p > 0) else mpf(0) for x, p in zip(q, rho)]
    else:
        w = [p * mpmath.exp((x - m) / alpha) for x, p in zip(q, rho)]
    total = mpmath.fsum(w)
    return [x / total for x in w]


def mp_evaluate(model, pi, alpha, gamma, terminal):
    """Exact Q^pi: solve (I - gamma P_pi) V = r_pi + alpha h_pi on the non-terminal states."""
    P, r, rho = model
    S, A = len(r), len(r[0])
    keep = [s for s in range(S) if not terminal[s]]
    V = [mpf(0)] * S
    if keep:
        M = mpmath.matrix(len(keep), len(keep))
        c = mpmath.matrix(len(keep), 1)
        for i, s in enumerate(keep):
            bonus = -mpmath.fsum(pi[s][a] * mpmath.log(pi[s][a] / rho[s][a]) for a in range(A) if pi[s][a] > 0)
            c[i] = mpmath.fsum(pi[s][a] * r[s][a] for a in range(A)) + (alpha * bonus if alpha else 0)
            for j, t in enumerate(keep):
                M[i, j] = (1 if i == j else 0) - gamma * mpmath.fsum(pi[s][a] * P[s][a][t] for a in range(A))
        for s, v in zip(keep, mpmath.lu_solve(M, c)):
            V[s] = v
    return mp_backup_values(model, V, gamma, terminal)


def mp_backup_values(model, V, gamma, terminal):
    """Q(s,a) = r(s,a) + gamma sum_t P[s,a,t] V(t), V = 0 at terminal t, Q = 0 on terminal rows."""
    P, r, _ = model
    S, A = len(r), len(r[0])
    V = [mpf(0) if terminal[t] else V[t] for t in range(S)]
    return [[mpf(0) if terminal[s] else r[s][a] + gamma * mpmath.fsum(P[s][a][t] * V[t] for t in range(S))
             for a in range(A)] for s in range(S)]


def exact_q_star(mdp, alpha, prior=None):
    """Q* to about 40 digits, by soft policy iteration in mpmath; verified by its Bellman residual."""
    extra = max(0, int(np.log10(alpha))) if alpha > 0 else 0
    with mpmath.workdps(DIGITS + 20 + extra):
        model = mp_model(mdp, prior)
        gamma, a = mpf(mdp.gamma), mpf(alpha)
        terminal = [bool(t) for t in mdp.terminal]
        uniform = [[mpf(1) / mdp.n_actions] * mdp.n_actions for _ in range(mdp.n_states)]
        pi = uniform if prior is None else model[2]
        for _ in range(200):
            Q = mp_evaluate(model, pi, a, gamma, terminal)
            V = [mp_soft_value(Q[s], a, model[2][s]) for s in range(mdp.n_states)]
            residual = max(abs(x - y) for TQ_row, Q_row in zip(mp_backup_values(model, V, gamma, terminal), Q)
                           for x, y in zip(TQ_row, Q_row))
            # relative to |Q| (which may be 1e-270), plus the working precision's resolution of alpha log(...)
            scale = max([abs(x) for row in Q for x in row] + [mpf(10) ** -300])
            if residual <= (mpf(10) ** (-DIGITS) * scale + a * mpf(10) ** (10 - mpmath.mp.dps)) * (1 - gamma):
                return np.array([[float(x) for x in row] for row in Q])
            pi = [mp_policy(Q[s], a, model[2][s]) for s in range(mdp.n_states)]
    raise AssertionError("the mpmath oracle did not converge")


def assert_within_bound(mdp, sol, alpha, tol, prior=None):
    """|Q - Q*|_inf <= error_bound (no slack: the bound is the guarantee), finite Q, converged => bound <= tol."""
    assert np.all(np.isfinite(sol.Q)), "finite input gave a non-finite Q"
    exact = exact_q_star(mdp, alpha, prior)
    error = float(np.max(np.abs(sol.Q - exact)))
    assert error <= sol.error_bound, f"true error {error:.3g} > error_bound {sol.error_bound:.3g}"
    assert not sol.converged or sol.error_bound <= tol, f"converged, error_bound {sol.error_bound:.3g} > tol {tol:g}"


def quietly(solver, *args, **kwargs):
    """Run a solver, ignoring its convergence warnings (this file checks the bound, not the advice)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return solver(*args, **kwargs)


# ---------------------------------------------------------------------- the property
SOLVERS = {"soft_q_iteration": soft_q_iteration, "soft_value_iteration": soft_value_iteration,
           "soft_policy_iteration": soft_policy_iteration, "value_iteration": value_iteration}
EXTREME_ALPHAS = [1e-300, 1e-12, 1e-3, 1.0, 100.0, 1e12, 1e16, 1e300]
WARM_STARTS = [None, 1e17, -1e17, 1e300, -1e300, "random"]


@settings(max_examples=150)
@given(mdp=mdps(max_states=4, max_actions=3, terminal=True, gammas=st.sampled_from([0.0, 0.5, 0.9, 0.99]),
                reward_scale=1e4),
       solver=st.sampled_from(sorted(SOLVERS)), alpha=st.sampled_from(EXTREME_ALPHAS), with_prior=st.booleans(),
       tol=st.sampled_from([1e-2, 1e-6, 1e-8, 1e-12]), start=st.sampled_from(WARM_STARTS), seed=st.integers(0, 9))
def test_error_bound_is_a_true_bound(mdp, solver, alpha, with_prior, tol, start, seed):
    """For every solver, MDP (dense or sparse, terminal states), temperature, prior, tol and warm start,
    |Q - Q*| <= error_bound against the 40-digit Q*, and converged means error_bound <= tol.

    A warm start near +-1e300 may instead be refused with a ValueError naming it.
    """
    alpha = 0.0 if solver == "value_iteration" else alpha
    prior = np.linspace(1.0, 3.0, mdp.n_actions) / np.linspace(1.0, 3.0, mdp.n_actions).sum() if with_prior else None
    kwargs = {} if solver == "value_iteration" else {"prior": prior}
    if start is not None and solver != "soft_policy_iteration":
        name, shape = ("Q0", (mdp.n_states, mdp.n_actions)) if solver == "soft_q_iteration" else ("V0", (mdp.n_states,))
        kwargs[name] = (np.random.default_rng(seed).uniform(-1e3, 1e3, shape) if start == "random"
                        else np.full(shape, float(start)))
        if start in (1e300, -1e300):
            try:
                sol = quietly(SOLVERS[solver], mdp, *([] if solver == "value_iteration" else [alpha]), tol=tol,
                              max_iter=20_000, **kwargs)
            except ValueError as err:
                assert name in str(err)
                return
            return assert_within_bound(mdp, sol, alpha, tol, None if solver == "value_iteration" else prior)
    args = [] if solver == "value_iteration" else [alpha]
    sol = quietly(SOLVERS[solver], mdp, *args, tol=tol, max_iter=20_000, **kwargs)
    assert_within_bound(mdp, sol, alpha, tol, None if solver == "value_iteration" else prior)


# ---------------------------------------------------------------------- the cases of issue 12
def test_soft_value_at_huge_temperature_with_a_prior_is_the_prior_mean():
    """soft_value([0, 1], 1e17, prior=[.5, .5]) is 0.5 and soft_value([0, 800], 1e300, prior=[.5, .5]) is 400."""
    assert soft_value([0.0, 1.0], 1e17, prior=[0.5, 0.5]) == pytest.approx(0.5, abs=4e-16)
    assert soft_value([0.0, 800.0], 1e300, prior=[0.5, 0.5]) == pytest.approx(400.0, abs=1e-12)


@pytest.mark.parametrize("solver", [soft_q_iteration, soft_value_iteration, soft_policy_iteration])
def test_huge_temperature_with_a_uniform_prior(solver):
    """random_mdp(4, 3, seed=4) at alpha 1e16 with prior [1/3]*3: within its bound of the 40-digit Q* (was off by 7)."""
    mdp, prior = random_mdp(4, 3, seed=4), [1 / 3] * 3
    assert_within_bound(mdp, quietly(solver, mdp, 1e16, prior=prior), 1e16, 1e-8, prior)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("start", [1e17, -1e17])
def test_large_warm_starts(sparse, start):
    """random_mdp(4, 2, seed=0) from V0 = Q0 = +-1e17: within the bound (the true error was 25 with bound 0)."""
    mdp = random_mdp(4, 2, seed=0, sparse=sparse)
    sol_v = quietly(soft_value_iteration, mdp, 1.0, V0=np.full(4, start))
    sol_q = quietly(soft_q_iteration, mdp, 1.0, Q0=np.full((4, 2), start))
    for sol in (sol_v, sol_q):
        assert_within_bound(mdp, sol, 1.0, 1e-8)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("solver", [soft_q_iteration, soft_value_iteration, soft_policy_iteration, value_iteration])
def test_self_loop_chain_near_gamma_one(solver, sparse):
    """On a 5-state self-loop chain at gamma 0.99999 (|Q*| ~ 1e5) the bound covers the true error,
    which rounding makes far larger than tol = 1e-8 (it used to report error_bound 0 and converged)."""
    mdp = self_loop_chain(5, 0.99999, sparse=sparse)
    alpha = 0.0 if solver is value_iteration else 1.0
    sol = quietly(solver, mdp, tol=1e-8) if solver is value_iteration else quietly(solver, mdp, alpha, tol=1e-8)
    assert_within_bound(mdp, sol, alpha, 1e-8)


@pytest.mark.parametrize("gamma", [0.999, 0.99999])
def test_gamma_near_one_with_large_rewards(gamma):
    """A 3-state random MDP with rewards of size 1e4 at gamma 0.999 / 0.99999: every solver within its bound."""
    base = random_mdp(3, 2, gamma=gamma, seed=1)
    mdp = TabularMDP(getattr(base, "P", base.transitions), 1e4 * base.rewards, gamma)
    for solver in (soft_q_iteration, soft_value_iteration, soft_policy_iteration):
        assert_within_bound(mdp, quietly(solver, mdp, 2.0, tol=1e-6, max_iter=200_000), 2.0, 1e-6)


def chain_of(n, gamma):
    """An n-state self-loop chain, sparse (the large case of issue 12)."""
    return self_loop_chain(n, gamma, sparse=True)


@pytest.mark.parametrize("case", ["open_grid_40", "random_5_branching_2", "chain_2000"])
def test_soft_policy_iteration_stops_at_the_rounding_floor(case):
    """When tol is below what float64 can certify, soft policy iteration stops within a few rounds (<= 30),
    warns at most once, and its advice does not recommend soft_policy_iteration itself."""
    mdp, alpha = {"open_grid_40": lambda: (open_grid_mdp(40, 0.999, rewards=-100 * np.ones((1600, 4))), 1.0),
                  "random_5_branching_2": lambda: (random_mdp(5, 3, seed=11, branching=2), 1e6),
                  "chain_2000": lambda: (chain_of(2000, 0.99999), 1.0)}[case]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = soft_policy_iteration(mdp, alpha)
    assert sol.iterations <= 30
    assert np.all(np.isfinite(sol.Q))
    assert len(caught) <= 1
    assert not any("use soft_policy_iteration" in str(w.message) for w in caught)
    assert not sol.converged or sol.error_bound <= 1e-10
    if case == "random_5_branching_2":
        assert_within_bound(mdp, sol, alpha, 1e-10)
    if case == "chain_2000":
        assert len(caught) == 1 and not sol.converged  # 1e-10 cannot be certified at |Q*| ~ 1e5, gamma 0.99999

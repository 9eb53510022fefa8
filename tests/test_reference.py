"""Every solver and every theorem, checked against an independent oracle.

The library's operators and its solvers share one soft-value kernel, so checking one against the
other cannot catch a log-sum-exp bug. Here the oracles are independent: the kernel is compared
with ``scipy.special.logsumexp(Q / alpha, b=prior)`` and 50-digit mpmath; the solvers with the
textbook solvers of :mod:`discrete_softq.reference` (dense einsum, ``logsumexp``,
``np.linalg.solve``) and, for the hard case, with exact policy iteration written out below; the
theorems of :mod:`discrete_softq.testing` are run on the reference module's answers and with a
backup written with SciPy.
"""

import mpmath
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import logsumexp
from scipy.special import softmax as scipy_softmax

from discrete_softq import (
    boltzmann_policy,
    maxent_return,
    reference,
    soft_policy_evaluation,
    soft_policy_iteration,
    soft_bellman_operator,
    soft_policy_state_values,
    soft_q_iteration,
    soft_value,
    soft_value_iteration,
    value_iteration,
)
from discrete_softq.horizon import soft_backward_induction
from discrete_softq.soft import log_sum_exp
from discrete_softq.testing import (
    alphas,
    check_boltzmann_policy_is_optimal,
    check_policy_evaluation_equation,
    check_residuals_contract,
    check_same_fixed_point,
    check_soft_bellman_constant_shift,
    check_soft_bellman_contraction,
    check_soft_bellman_equation,
    check_soft_bellman_monotone,
    check_soft_hard_sandwich,
    check_soft_policy_improvement,
    mdp_and_policy,
    mdp_and_prior,
    mdp_and_q,
    mdps,
    priors,
    rounding_slack,
)

SMALL = dict(max_states=6, max_actions=3)
TOL = 1e-10


def dense_P(mdp):
    """The transitions as a dense (S, A, S) array, whatever their storage."""
    P = getattr(mdp, "P", mdp.transitions)
    P = P.toarray() if sp.issparse(P) else np.asarray(P)
    return P.reshape(mdp.n_states, mdp.n_actions, mdp.n_states)


def textbook_backup(mdp, V):
    """r(s,a) + gamma sum_t P[s,a,t] V(t), with V = 0 at terminal t and Q = 0 on terminal rows (the episode is over)."""
    Q = mdp.rewards + mdp.gamma * np.einsum("sat,t->sa", dense_P(mdp), np.where(mdp.terminal, 0.0, V))
    return np.where(mdp.terminal[:, None], 0.0, Q)


def scipy_soft_value(Q, alpha, prior=None):
    """alpha log sum_a rho_a exp(Q_a / alpha) by SciPy (max over the prior's support at alpha = 0)."""
    if alpha == 0.0:
        return np.max(np.where(np.broadcast_to(prior, Q.shape) > 0, Q, -np.inf) if prior is not None else Q, axis=-1)
    b = None if prior is None else np.broadcast_to(prior, Q.shape)
    return alpha * logsumexp(Q / alpha, b=b, axis=-1)


def scipy_backup(mdp, Q, alpha, prior=None):
    """(T Q)(s,a) = r(s,a) + gamma sum_t P[s,a,t] V(t), V(t) by scipy.special.logsumexp."""
    return textbook_backup(mdp, scipy_soft_value(np.asarray(Q, dtype=float), alpha, prior))


@st.composite
def rows_with_prior(draw):
    """(Q, prior): a few rows of action values and a prior (or None) for them."""
    n_rows, n_actions = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    Q = draw(arrays(np.float64, (n_rows, n_actions), elements=st.floats(-1e3, 1e3)))
    prior = draw(st.one_of(st.none(), priors(n_rows, n_actions)))
    return Q, prior


# ---------------------------------------------------------------------- the kernel
@given(drawn=rows_with_prior(), alpha=st.one_of(st.just(0.0), st.floats(1e-2, 1e3)))
def test_soft_value_kernel_matches_scipy_logsumexp(drawn, alpha):
    """soft_value and the kernel log_sum_exp equal alpha * scipy.special.logsumexp(Q / alpha, b=prior), row by row."""
    Q, prior = drawn
    expected = scipy_soft_value(Q, alpha, prior)
    scale = 1 + np.abs(Q).max() + alpha * np.log(Q.shape[1])
    assert np.allclose(soft_value(Q, alpha, prior=prior), expected, rtol=0, atol=1e-13 * scale)
    rho = None if prior is None else np.broadcast_to(prior, Q.shape)
    assert np.allclose(log_sum_exp(Q, alpha, rho), expected, rtol=0, atol=1e-13 * scale)


@given(drawn=rows_with_prior(), alpha=st.floats(1e-2, 1e3))
def test_boltzmann_policy_matches_scipy_softmax(drawn, alpha):
    """boltzmann_policy(Q, alpha, prior) = scipy.special.softmax(Q / alpha + log prior) (zero where the prior is)."""
    Q, prior = drawn
    with np.errstate(divide="ignore"):
        logits = Q / alpha + (0.0 if prior is None else np.log(np.broadcast_to(prior, Q.shape)))
    assert np.allclose(boltzmann_policy(Q, alpha, prior=prior), scipy_softmax(logits, axis=-1), rtol=1e-10, atol=1e-14)


def mp_soft_value(Q, alpha, prior, normalise):
    """alpha log sum_a rho_a exp(Q_a / alpha) with enough digits that Q / alpha ~ 1e-300 is still resolved."""
    with mpmath.workdps(40 + max(0, int(np.log10(alpha)))):
        a, prior = mpmath.mpf(alpha), [mpmath.mpf(p) for p in prior]
        if normalise:  # 0.1 + 0.9 is not exactly 1 in binary; alpha log(sum rho) would be huge at alpha = 1e300
            prior = [p / mpmath.fsum(prior) for p in prior]
        total = mpmath.fsum(mpmath.mpf(p) * mpmath.exp(mpmath.mpf(q) / a) for q, p in zip(Q, prior))
        return float(a * mpmath.log(total))


@pytest.mark.parametrize("alpha", [1e-300, 1e-12, 1.0, 1e12, 1e16, 1e300])
@pytest.mark.parametrize("prior", [[0.5, 0.5], [0.1, 0.9], [1.0, 1.0]], ids=["uniform", "skewed", "shannon"])
def test_soft_value_kernel_matches_mpmath_at_extreme_temperatures(alpha, prior):
    """At every temperature the soft value is right to rounding: alpha -> inf gives E_rho Q (+ alpha log sum rho).

    The examples of issue 12: soft_value([0, 1], 1e17, prior=[.5, .5]) is 0.5 and
    soft_value([0, 800], 1e300, prior=[.5, .5]) is 400, not the hard max.
    """
    Q = [0.0, 800.0] if alpha == 1e300 else [0.0, 1.0]
    given_prior = None if prior == [1.0, 1.0] else prior
    value = soft_value(Q, alpha, prior=given_prior)
    expected = mp_soft_value(Q, alpha, prior, normalise=given_prior is not None)
    scale = max(np.abs(Q).max(), abs(expected), 1.0)
    assert np.isfinite(value) and abs(value - expected) <= 8 * np.finfo(float).eps * scale


def test_soft_value_at_huge_temperature_is_the_prior_mean():
    """The exact numbers of issue 12: alpha 1e17 and 1e300 with a uniform prior give the mean of Q."""
    assert soft_value([0.0, 1.0], 1e17, prior=[0.5, 0.5]) == pytest.approx(0.5, abs=1e-15)
    assert soft_value([0.0, 800.0], 1e300, prior=[0.5, 0.5]) == pytest.approx(400.0, abs=1e-12)


# ---------------------------------------------------------------------- the solvers
def solver_pairs():
    return [(soft_q_iteration, reference.soft_q_iteration), (soft_value_iteration, reference.soft_value_iteration),
            (soft_policy_iteration, reference.soft_policy_iteration)]


@settings(max_examples=25)
@given(drawn=mdp_and_prior(terminal=True, **SMALL), alpha=alphas(allow_zero=False))
def test_every_soft_solver_matches_the_reference(drawn, alpha):
    """Each soft solver (dense or sparse, with or without terminal states, no prior, one prior or one per state)
    finds the reference's Q*, V* and policy, and its residuals contract like the reference's."""
    mdp, prior = drawn
    for solver, textbook in solver_pairs():
        sol, ref = solver(mdp, alpha, tol=TOL, prior=prior), textbook(mdp, alpha, tol=TOL, prior=prior)
        check_same_fixed_point(mdp, sol, ref)
        assert np.allclose(sol.policy, ref.policy, atol=1e-7)
    check_residuals_contract(reference.soft_q_iteration(mdp, alpha, tol=TOL, prior=prior).residuals, mdp.gamma,
                             scale=np.abs(ref.Q).max())


def hard_policy_iteration(mdp):
    """Exact hard Q* by Howard's policy iteration (greedy improvement, np.linalg.solve evaluation)."""
    P, r, g, keep = dense_P(mdp), mdp.rewards, mdp.gamma, ~mdp.terminal
    greedy = np.zeros(mdp.n_states, dtype=int)
    for _ in range(1000):
        P_pi, r_pi = P[np.arange(mdp.n_states), greedy], r[np.arange(mdp.n_states), greedy]
        V = np.zeros(mdp.n_states)
        V[keep] = np.linalg.solve(np.eye(keep.sum()) - g * P_pi[np.ix_(keep, keep)], r_pi[keep])
        Q = textbook_backup(mdp, V)
        better = Q[np.arange(mdp.n_states), greedy] < Q.max(axis=1) - 1e-12 * (1 + np.abs(Q).max())
        if not better.any():
            return Q
        greedy = np.where(better, Q.argmax(axis=1), greedy)
    raise AssertionError("hard policy iteration did not stop")


@given(mdp=mdps(terminal=True, **SMALL))
def test_value_iteration_matches_exact_policy_iteration(mdp):
    """value_iteration (alpha = 0) is within its error_bound of the hard Q* found by exact policy iteration."""
    sol, exact = value_iteration(mdp, tol=TOL), hard_policy_iteration(mdp)
    assert np.abs(sol.Q - exact).max() <= sol.error_bound + rounding_slack(mdp.gamma, exact)


@given(drawn=mdp_and_policy(terminal=True, **SMALL), alpha=alphas(), with_prior=st.booleans())
def test_policy_evaluation_matches_the_reference(drawn, alpha, with_prior):
    """soft_policy_evaluation (Q^pi), soft_policy_state_values (V^pi) and maxent_return agree with the reference's
    solve, which satisfies the policy's soft Bellman equation."""
    mdp, pi = drawn
    prior = np.full(mdp.n_actions, 1.0 / mdp.n_actions) if with_prior else None
    Q_ref = reference.soft_policy_evaluation(mdp, pi, alpha, prior=prior)
    check_policy_evaluation_equation(mdp, pi, alpha, Q_ref, prior=prior)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(pi) - (0.0 if prior is None else np.log(prior))
    V_ref = np.where(mdp.terminal, 0.0, (pi * (Q_ref - alpha * np.where(pi > 0, log_ratio, 0.0))).sum(axis=1))
    slack = rounding_slack(mdp.gamma, Q_ref, V_ref)
    assert np.abs(soft_policy_evaluation(mdp, pi, alpha, prior=prior) - Q_ref).max() <= slack
    assert np.abs(soft_policy_state_values(mdp, pi, alpha, prior=prior) - V_ref).max() <= slack
    assert abs(maxent_return(mdp, pi, alpha, prior=prior) - mdp.initial @ V_ref) <= slack


# ---------------------------------------------------------------------- the theorems, on independent answers
@given(drawn=mdp_and_q(n_tables=2, terminal=True, **SMALL), alpha=alphas(), c=st.floats(-100, 100))
def test_backup_theorems_hold_for_the_scipy_backup(drawn, alpha, c):
    """Contraction, monotonicity and the translation rule hold for T written with SciPy; it equals the library's T."""
    mdp, Q1, Q2 = drawn
    check_soft_bellman_contraction(mdp, Q1, Q2, alpha, operator=scipy_backup)
    check_soft_bellman_monotone(mdp, np.minimum(Q1, Q2), np.maximum(Q1, Q2), alpha, operator=scipy_backup)
    check_soft_bellman_constant_shift(mdp, Q1, c, alpha, operator=scipy_backup)
    assert np.abs(soft_bellman_operator(mdp, Q1, alpha) - scipy_backup(mdp, Q1, alpha)).max() <= rounding_slack(
        mdp.gamma, Q1, scipy_backup(mdp, Q1, alpha))


@given(drawn=mdp_and_policy(terminal=True, **SMALL), alpha=alphas(allow_zero=False))
def test_solution_theorems_hold_for_the_reference_answers(drawn, alpha):
    """Theorems 1 and 4, the Bellman equation and the soft/hard sandwich hold for the reference's answers."""
    mdp, other = drawn
    ref = reference.soft_policy_iteration(mdp, alpha, tol=TOL)
    check_soft_bellman_equation(mdp, ref, operator=scipy_backup)
    check_boltzmann_policy_is_optimal(mdp, ref, other, evaluate=reference.soft_policy_evaluation)
    check_soft_policy_improvement(mdp, other, alpha, evaluate=reference.soft_policy_evaluation)
    check_soft_hard_sandwich(mdp, reference.soft_value_iteration(mdp, alpha, tol=TOL),
                             reference.soft_value_iteration(mdp, 0.0, tol=TOL))


@given(drawn=mdp_and_prior(terminal=True, **SMALL), alpha=alphas(), horizon=st.integers(1, 30))
def test_backward_induction_is_repeated_textbook_backups(drawn, alpha, horizon):
    """soft_backward_induction: V_H = 0, Q_t = r + gamma E V_{t+1}, V_t = alpha logsumexp(Q_t / alpha, b=prior),
    as SciPy computes it step by step; V_0 is within gamma^H |V*| of the infinite-horizon V* (contraction from 0)."""
    mdp, prior = drawn
    sol = soft_backward_induction(mdp, alpha, horizon, prior=prior)
    V = np.zeros(mdp.n_states)
    for t in reversed(range(horizon)):
        Q = textbook_backup(mdp, V)
        V = np.where(mdp.terminal, 0.0, scipy_soft_value(Q, alpha, prior))
        slack = rounding_slack(mdp.gamma, Q, V, alpha)
        assert np.abs(sol.Q[t] - Q).max() <= slack and np.abs(sol.V[t] - V).max() <= slack
    star = reference.soft_policy_iteration(mdp, alpha, tol=TOL, prior=prior)
    gap = np.abs(sol.V[0] - star.V).max()
    slack = star.error_bound + rounding_slack(mdp.gamma, star.Q, star.V, alpha)
    assert gap <= mdp.gamma ** horizon * np.abs(star.V).max() + slack


def test_reference_policy_when_the_prior_excludes_the_best_action():
    """A prior that gives the largest Q zero mass: the reference's Boltzmann policy shifts by the best *allowed*
    action (the plain shift by max Q underflows every allowed weight to 0 and divides 0 by 0)."""
    import warnings

    from discrete_softq import TabularMDP, reference, soft_value_iteration

    mdp = TabularMDP(np.ones((1, 2, 1)), np.array([[-1.0, 0.0]]), gamma=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = reference.soft_value_iteration(mdp, 1e-3, prior=[1.0, 0.0])
    assert np.array_equal(ref.policy, [[1.0, 0.0]])
    assert np.allclose(ref.V, soft_value_iteration(mdp, 1e-3, prior=[1.0, 0.0]).V)

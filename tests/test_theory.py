"""The theory of soft Q-learning, stated as properties and checked on random MDPs.

Each test is one claim; its docstring says which. Haarnoja et al. (2017) is "the paper".
Try breaking the library (e.g. drop ``gamma`` from ``soft_bellman_operator``, or replace the
log-sum-exp by a max) and watch which of these claims hypothesis refutes, and with what MDP.
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from discrete_softq import (
    TabularMDP,
    boltzmann_policy,
    maxent_return,
    policy_entropy,
    soft_bellman_operator,
    soft_policy_evaluation,
    soft_policy_iteration,
    soft_policy_state_values,
    soft_q_iteration,
    soft_value,
    soft_value_iteration,
    value_iteration,
)
from discrete_softq.testing import alphas, mdps, policies, q_tables, two_state_goal_mdp

TOL = 1e-10


def close(a, b, tol=1e-7):
    """Sup-norm closeness, relative to the scale of the values."""
    a, b = np.asarray(a), np.asarray(b)
    return np.max(np.abs(a - b), initial=0.0) <= tol * (1.0 + np.max(np.abs(b), initial=0.0))


# ---------------------------------------------------------------------- the soft backup
@given(data=st.data(), mdp=mdps(terminal=True), alpha=alphas())
def test_soft_backup_is_a_gamma_contraction(data, mdp, alpha):
    """|T Q1 - T Q2|_inf <= gamma |Q1 - Q2|_inf for every alpha >= 0 (alpha = 0: the hard backup).

    This is why soft Q-iteration converges to a unique fixed point (the paper, Appendix A.2).
    """
    Q1 = data.draw(q_tables(mdp.n_states, mdp.n_actions))
    Q2 = data.draw(q_tables(mdp.n_states, mdp.n_actions))
    lhs = np.abs(soft_bellman_operator(mdp, Q1, alpha) - soft_bellman_operator(mdp, Q2, alpha)).max()
    assert lhs <= mdp.gamma * np.abs(Q1 - Q2).max() * (1 + 1e-12) + 1e-12


@given(data=st.data(), mdp=mdps(terminal=True), alpha=alphas())
def test_soft_backup_is_monotone(data, mdp, alpha):
    """Q1 <= Q2 everywhere implies T Q1 <= T Q2 (log-sum-exp is increasing in every argument)."""
    Q1 = data.draw(q_tables(mdp.n_states, mdp.n_actions))
    bump = data.draw(q_tables(mdp.n_states, mdp.n_actions))
    Q2 = Q1 + np.abs(bump)
    assert np.all(soft_bellman_operator(mdp, Q1, alpha) <= soft_bellman_operator(mdp, Q2, alpha) + 1e-12)


@given(data=st.data(), mdp=mdps(), alpha=alphas(), c=st.floats(-100, 100))
def test_soft_backup_commutes_with_constants(data, mdp, alpha, c):
    """T(Q + c) = T Q + gamma c: the property behind the MacQueen stopping bounds."""
    Q = data.draw(q_tables(mdp.n_states, mdp.n_actions))
    assert close(soft_bellman_operator(mdp, Q + c, alpha), soft_bellman_operator(mdp, Q, alpha) + mdp.gamma * c, 1e-12)


# ---------------------------------------------------------------------- the fixed point
@given(mdp=mdps(terminal=True), alpha=alphas())
@example(mdp=two_state_goal_mdp(), alpha=1.0)
def test_fixed_point_satisfies_the_soft_bellman_equation(mdp, alpha):
    """Q* = r + gamma E_{s'}[alpha log sum_a' exp(Q*(s',a')/alpha)] (the paper, Eq. 2-3)."""
    sol = soft_q_iteration(mdp, alpha, tol=TOL)
    assert sol.converged
    assert close(soft_bellman_operator(mdp, sol.Q, alpha), sol.Q, 1e-9)


@given(data=st.data(), mdp=mdps(terminal=True), alpha=alphas())
def test_soft_q_iteration_converges_from_any_start(data, mdp, alpha):
    """The fixed point is unique: soft Q-iteration from any Q0 reaches the same Q*."""
    Q0 = data.draw(q_tables(mdp.n_states, mdp.n_actions, scale=1e3))
    a = soft_q_iteration(mdp, alpha, tol=TOL)
    b = soft_q_iteration(mdp, alpha, tol=TOL, Q0=Q0)
    assert np.abs(a.Q - b.Q).max() <= 2 * TOL + 1e-12 * np.abs(a.Q).max()


@given(mdp=mdps(terminal=True), alpha=alphas())
@example(mdp=two_state_goal_mdp(), alpha=0.3)
def test_the_three_solvers_agree(mdp, alpha):
    """Soft Q-iteration, soft value iteration and soft policy iteration find the same Q*, V*, pi*."""
    qi = soft_q_iteration(mdp, alpha, tol=TOL)
    vi = soft_value_iteration(mdp, alpha, tol=TOL)
    pi = soft_policy_iteration(mdp, alpha, tol=TOL)
    for other in (vi, pi):
        assert np.abs(other.Q - qi.Q).max() <= 2 * TOL + 1e-12 * np.abs(qi.Q).max()
        assert np.abs(other.V - qi.V).max() <= 2 * TOL + 1e-12 * np.abs(qi.V).max()


@settings(max_examples=15)
@given(mdp=mdps(terminal=True, gammas=st.floats(0.5, 0.99)), alpha=alphas(),
       tol=st.sampled_from([1e-2, 1e-4, 1e-6]))
def test_tol_is_a_guarantee(mdp, alpha, tol):
    """Every solver's Q is within tol of Q* in sup-norm (the MacQueen bounds are valid)."""
    exact = soft_policy_iteration(mdp, alpha, tol=1e-12).Q
    for solver in (soft_q_iteration, soft_value_iteration, soft_policy_iteration):
        sol = solver(mdp, alpha, tol=tol)
        assert sol.error_bound <= tol
        assert np.abs(sol.Q - exact).max() <= tol + 1e-11 * (1 + np.abs(exact).max())


# ---------------------------------------------------------------------- optimality
@given(data=st.data(), mdp=mdps(terminal=True), alpha=alphas(allow_zero=False))
def test_boltzmann_policy_of_q_star_is_maxent_optimal(data, mdp, alpha):
    """Theorem 1 of the paper: pi*(a|s) = exp((Q*(s,a) - V*(s))/alpha) maximises the max-ent return.

    Its max-ent return equals mu^T V*, and no other policy (drawn at random) does better, from any
    start state.
    """
    sol = soft_policy_iteration(mdp, alpha, tol=TOL)
    assert close(soft_policy_state_values(mdp, sol.policy, alpha), sol.V, 1e-8)
    other = data.draw(policies(mdp.n_states, mdp.n_actions))
    V_other = soft_policy_state_values(mdp, other, alpha)
    assert np.all(V_other <= sol.V + 1e-8 * (1 + np.abs(sol.V).max()))
    assert maxent_return(mdp, other, alpha) <= maxent_return(mdp, sol.policy, alpha) + 1e-8 * (1 + np.abs(sol.V).max())


@given(data=st.data(), mdp=mdps(terminal=True), alpha=alphas())
def test_soft_policy_improvement_never_decreases_q(data, mdp, alpha):
    """Theorem 4 of the paper: with pi_new proportional to exp(Q^pi_old / alpha), Q^pi_new >= Q^pi_old."""
    pi_old = data.draw(policies(mdp.n_states, mdp.n_actions))
    Q_old = soft_policy_evaluation(mdp, pi_old, alpha)
    Q_new = soft_policy_evaluation(mdp, boltzmann_policy(Q_old, alpha), alpha)
    assert np.all(Q_new >= Q_old - 1e-9 * (1 + np.abs(Q_old).max()))


@given(data=st.data(), mdp=mdps(terminal=True), alpha=alphas())
def test_soft_policy_evaluation_solves_the_policys_bellman_equation(data, mdp, alpha):
    """Q^pi = r + gamma E_{s'}[ sum_a' pi(a'|s') (Q^pi(s',a') - alpha log pi(a'|s')) ] exactly."""
    pi = data.draw(policies(mdp.n_states, mdp.n_actions))
    Q = soft_policy_evaluation(mdp, pi, alpha)
    V = (pi * Q).sum(axis=1) + alpha * policy_entropy(pi)
    assert close(mdp.rewards + mdp.gamma * mdp.expected_next(V), Q, 1e-9)


# ---------------------------------------------------------------------- soft vs hard
@given(mdp=mdps(terminal=True), alpha=alphas())
def test_soft_values_are_bounded_by_hard_values(mdp, alpha):
    """V_hard <= V_soft <= V_hard + alpha log|A| / (1 - gamma): the entropy bonus is at most log|A| a step."""
    hard = value_iteration(mdp, tol=TOL).V
    soft = soft_value_iteration(mdp, alpha, tol=TOL).V
    slack = 4 * TOL + 1e-12 * (1 + np.abs(hard).max())
    assert np.all(hard <= soft + slack)
    assert np.all(soft <= hard + alpha * np.log(mdp.n_actions) / (1 - mdp.gamma) + slack)


@given(mdp=mdps(terminal=True), alpha=st.floats(1e-6, 1.0))
def test_alpha_to_zero_recovers_value_iteration(mdp, alpha):
    """|Q*_alpha - Q*_hard| <= gamma alpha log|A| / (1 - gamma) -> 0 as alpha -> 0."""
    hard = value_iteration(mdp, tol=TOL).Q
    soft = soft_q_iteration(mdp, alpha, tol=TOL).Q
    bound = mdp.gamma * alpha * np.log(mdp.n_actions) / (1 - mdp.gamma)
    assert np.abs(soft - hard).max() <= bound + 4 * TOL + 1e-12 * (1 + np.abs(hard).max())


@given(mdp=mdps(), alpha=alphas(), c=st.floats(-10, 10))
def test_adding_c_to_every_reward_adds_c_over_one_minus_gamma(mdp, alpha, c):
    """Rewards r + c give V* + c / (1 - gamma) (no terminal states: every step earns c forever)."""
    shifted = TabularMDP(mdp.transitions, mdp.rewards + c, mdp.gamma)
    a = soft_policy_iteration(mdp, alpha, tol=TOL).V
    b = soft_policy_iteration(shifted, alpha, tol=TOL).V
    assert close(b, a + c / (1 - mdp.gamma), 1e-8)


@given(mdp=mdps(), alpha=alphas())
def test_shannon_and_uniform_prior_differ_by_alpha_log_A_per_step(mdp, alpha):
    """prior=None (Shannon H) and a uniform prior (-KL to uniform) differ by alpha log|A| / (1 - gamma)."""
    uniform = np.full(mdp.n_actions, 1.0 / mdp.n_actions)
    shannon = soft_policy_iteration(mdp, alpha, tol=TOL)
    kl = soft_policy_iteration(mdp, alpha, tol=TOL, prior=uniform)
    assert close(shannon.V, kl.V + alpha * np.log(mdp.n_actions) / (1 - mdp.gamma), 1e-8)
    assert close(shannon.policy, kl.policy, 1e-7)


# ---------------------------------------------------------------------- one state at a time
@given(data=st.data(), n_actions=st.integers(1, 6), alpha=alphas(allow_zero=False))
def test_soft_value_is_the_gibbs_variational_maximum(data, n_actions, alpha):
    """alpha log sum exp(Q/alpha) = max_mu E_mu[Q] + alpha H(mu), attained by the Boltzmann policy.

    This one-state identity is the heart of Theorem 1.
    """
    Q = data.draw(q_tables(1, n_actions))[0]
    mu = data.draw(policies(1, n_actions))[0]
    pi = boltzmann_policy(Q, alpha)
    V = soft_value(Q, alpha)
    assert np.isclose(V, pi @ Q + alpha * policy_entropy(pi), rtol=1e-10, atol=1e-10)
    assert mu @ Q + alpha * policy_entropy(mu) <= V + 1e-10


@given(data=st.data(), n_actions=st.integers(1, 6), alpha=alphas(allow_zero=False))
def test_the_gradient_of_the_soft_value_is_the_boltzmann_policy(data, n_actions, alpha):
    """dV/dQ(a) = pi(a): the soft max is a smooth max whose gradient is the soft-greedy policy."""
    Q = data.draw(q_tables(1, n_actions))[0]
    h = 1e-6 * max(alpha, 1e-2)
    grad = np.array([(soft_value(Q + h * e, alpha) - soft_value(Q - h * e, alpha)) / (2 * h)
                     for e in np.eye(n_actions)])
    assert np.allclose(grad, boltzmann_policy(Q, alpha), atol=1e-5)


# ---------------------------------------------------------------------- representations and extremes
@given(mdp=mdps(sparse=True, terminal=True), alpha=alphas())
def test_dense_and_sparse_transitions_give_the_same_answers(mdp, alpha):
    """The same MDP given as (S, A, S) dense array or (S*A, S) CSR matrix has the same solution."""
    dense = TabularMDP(mdp.transitions.toarray().reshape(mdp.n_states, mdp.n_actions, mdp.n_states),
                       mdp.rewards, mdp.gamma, terminal=mdp.terminal)
    for solver in (soft_value_iteration, soft_policy_iteration):
        assert close(solver(mdp, alpha, tol=TOL).Q, solver(dense, alpha, tol=TOL).Q, 1e-12)


@given(mdp=mdps(max_states=6, terminal=True, reward_scale=1e6), alpha=st.sampled_from([1e-12, 1e-6, 1e3, 1e6]))
def test_extreme_temperatures_and_reward_scales_stay_finite(mdp, alpha):
    """For alpha in [1e-12, 1e6] and rewards up to 1e6, solutions are finite and policies sum to 1."""
    sol = soft_policy_iteration(mdp, alpha, tol=1e-6 * (1 + alpha) / (1 - mdp.gamma))
    assert np.all(np.isfinite(sol.Q)) and np.all(np.isfinite(sol.V))
    assert np.allclose(sol.policy.sum(axis=1), 1.0)
    assert np.all(sol.policy >= 0)


@pytest.mark.parametrize("alpha", [1e-12, 1e-3, 1.0, 1e6])
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_policies_stay_normalised_where_the_naive_formula_fails(alpha, scale):
    """exp((Q - V)/alpha) cancels catastrophically for tiny alpha; the stable policy still sums to 1."""
    Q = scale * np.array([[1.0, 1.0 + 1e-9, -3.0], [0.0, 0.0, 0.0]])
    pi = boltzmann_policy(Q, alpha)
    assert np.all(np.isfinite(pi)) and np.allclose(pi.sum(axis=1), 1.0, atol=1e-14)
    assert np.all(np.isfinite(soft_value(Q, alpha)))

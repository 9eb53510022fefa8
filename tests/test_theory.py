"""The theory of soft Q-learning, stated as properties and checked on random MDPs.

Each test is one claim; its docstring says which. Haarnoja et al. (2017) is "the paper". The
claims themselves are plain functions in :mod:`discrete_softq.testing` (``check_*``), shared with
notebook 02; here hypothesis searches for MDPs that break them. Try breaking the library (e.g. drop
``gamma`` from ``soft_bellman_operator``, or replace the log-sum-exp by a max) and watch which of
these claims hypothesis refutes, and with what MDP.
"""

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from discrete_softq import (
    TabularMDP,
    boltzmann_policy,
    maxent_return,
    soft_policy_evaluation,
    soft_policy_iteration,
    soft_q_iteration,
    soft_value,
    soft_value_iteration,
    value_iteration,
)
from discrete_softq.testing import (
    alphas,
    check_boltzmann_policy_is_optimal,
    check_gibbs_variational_principle,
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
    policies,
    q_tables,
    rounding_slack,
    two_state_goal_mdp,
)

TOL = 1e-10


def certifiable_tol(mdp, alpha):
    """TOL, or the rounding floor eps |Q*| / (1 - gamma) (times a margin) when that is larger: |Q*| can be
    (max|r| + alpha log|A|) / (1 - gamma), and no solver can certify less than its rounding (stopping.py)."""
    size = 1 + np.abs(mdp.rewards).max() + alpha * np.log(mdp.n_actions)
    return max(TOL, 100 * np.finfo(float).eps * size / (1 - mdp.gamma) ** 2)

#: One state's action values and another distribution over the same actions.
q_row_and_mu = st.integers(1, 6).flatmap(lambda n: st.tuples(q_tables(1, n), policies(1, n))).map(
    lambda qm: (qm[0][0], qm[1][0]))


# ---------------------------------------------------------------------- the soft backup
@given(drawn=mdp_and_q(n_tables=2, terminal=True), alpha=alphas())
def test_soft_backup_is_a_gamma_contraction(drawn, alpha):
    """|T Q1 - T Q2|_inf <= gamma |Q1 - Q2|_inf for every alpha >= 0 (alpha = 0: the hard backup).

    This is why soft Q-iteration converges to a unique fixed point (the paper, Appendix A.2).
    """
    check_soft_bellman_contraction(*drawn, alpha)


@given(drawn=mdp_and_q(n_tables=2, terminal=True), alpha=alphas())
def test_soft_backup_is_monotone(drawn, alpha):
    """Q1 <= Q2 everywhere implies T Q1 <= T Q2 (log-sum-exp is increasing in every argument)."""
    mdp, Q1, bump = drawn
    check_soft_bellman_monotone(mdp, Q1, Q1 + np.abs(bump), alpha)


@given(drawn=mdp_and_q(terminal=True), alpha=alphas(), c=st.floats(-100, 100))
def test_soft_backup_commutes_with_constants(drawn, alpha, c):
    """T(Q + c) = T Q + gamma c P(next state not terminal): the property behind the MacQueen stopping bounds."""
    mdp, Q = drawn
    check_soft_bellman_constant_shift(mdp, Q, c, alpha)


@given(mdp=mdps(terminal=True), alpha=alphas())
def test_soft_q_iteration_residuals_shrink_by_gamma_each_sweep(mdp, alpha):
    """|T Q_{k+1} - Q_{k+1}| <= gamma |T Q_k - Q_k|: the contraction, one sweep at a time (as in notebook 02)."""
    sol = soft_q_iteration(mdp, alpha, tol=TOL)
    check_residuals_contract(sol.residuals, mdp.gamma, scale=np.abs(sol.Q).max())


# ---------------------------------------------------------------------- the fixed point
@given(mdp=mdps(terminal=True), alpha=alphas())
@example(mdp=two_state_goal_mdp(), alpha=1.0)
def test_fixed_point_satisfies_the_soft_bellman_equation(mdp, alpha):
    """Q* = r + gamma E_{s'}[alpha log sum_a' exp(Q*(s',a')/alpha)] (the paper, Eq. 2-3)."""
    sol = soft_q_iteration(mdp, alpha, tol=certifiable_tol(mdp, alpha))
    assert sol.converged
    check_soft_bellman_equation(mdp, sol)


@given(drawn=mdp_and_q(terminal=True, scale=1e3), alpha=alphas())
def test_soft_q_iteration_converges_from_any_start(drawn, alpha):
    """The fixed point is unique: soft Q-iteration from any Q0 reaches the same Q*."""
    mdp, Q0 = drawn
    check_same_fixed_point(mdp, soft_q_iteration(mdp, alpha, tol=TOL), soft_q_iteration(mdp, alpha, tol=TOL, Q0=Q0))


@given(mdp=mdps(terminal=True), alpha=alphas())
@example(mdp=two_state_goal_mdp(), alpha=0.3)
def test_the_three_solvers_agree(mdp, alpha):
    """Soft Q-iteration, soft value iteration and soft policy iteration find the same Q*, V* (within their bounds)."""
    qi = soft_q_iteration(mdp, alpha, tol=TOL)
    for other in (soft_value_iteration(mdp, alpha, tol=TOL), soft_policy_iteration(mdp, alpha, tol=TOL)):
        check_same_fixed_point(mdp, qi, other)


@settings(max_examples=15)
@given(mdp=mdps(terminal=True, gammas=st.floats(0.5, 0.99)), alpha=alphas(),
       tol=st.sampled_from([1e-2, 1e-4, 1e-6]))
def test_tol_is_a_guarantee(mdp, alpha, tol):
    """Every solver's Q is within its error_bound of Q*, and converged means error_bound <= tol.

    (The high-precision version of this claim, at the edges, is tests/test_tol_guarantee.py.)
    """
    exact = soft_policy_iteration(mdp, alpha, tol=1e-12)
    for solver in (soft_q_iteration, soft_value_iteration, soft_policy_iteration):
        sol = solver(mdp, alpha, tol=tol)
        assert sol.converged and sol.error_bound <= tol
        gap = np.abs(sol.Q - exact.Q).max()
        assert gap <= sol.error_bound + exact.error_bound + rounding_slack(mdp.gamma, exact.Q)


# ---------------------------------------------------------------------- optimality
@given(drawn=mdp_and_policy(terminal=True), alpha=alphas(allow_zero=False))
def test_boltzmann_policy_of_q_star_is_maxent_optimal(drawn, alpha):
    """Theorem 1 of the paper: pi*(a|s) = exp((Q*(s,a) - V*(s))/alpha) maximises the max-ent return.

    Its soft value is V*, and no other policy (drawn at random) does better, from any start state.
    """
    mdp, other = drawn
    sol = soft_policy_iteration(mdp, alpha, tol=TOL)
    check_boltzmann_policy_is_optimal(mdp, sol, other)
    slack = sol.error_bound + rounding_slack(mdp.gamma, sol.Q, sol.V, alpha)
    assert maxent_return(mdp, other, alpha) <= mdp.initial @ sol.V + slack


@given(drawn=mdp_and_policy(terminal=True), alpha=alphas())
def test_soft_policy_improvement_never_decreases_q(drawn, alpha):
    """Theorem 4 of the paper: with pi_new proportional to exp(Q^pi_old / alpha), Q^pi_new >= Q^pi_old."""
    check_soft_policy_improvement(*drawn, alpha)


@given(drawn=mdp_and_policy(terminal=True), alpha=alphas())
def test_soft_policy_evaluation_solves_the_policys_bellman_equation(drawn, alpha):
    """Q^pi = r + gamma E_{s'}[ sum_a' pi(a'|s') (Q^pi(s',a') - alpha log pi(a'|s')) ] exactly."""
    mdp, pi = drawn
    check_policy_evaluation_equation(mdp, pi, alpha, soft_policy_evaluation(mdp, pi, alpha))


@st.composite
def kl_problems(draw):
    """(mdp, prior, Q1, Q2, other): an MDP with a prior, two tables and a policy within the prior's support."""
    mdp, prior = draw(mdp_and_prior(terminal=True, max_states=6))
    S, A = mdp.n_states, mdp.n_actions
    Q1, Q2 = draw(q_tables(S, A)), draw(q_tables(S, A))
    support = np.broadcast_to(prior > 0, (S, A)) if prior is not None else np.ones((S, A), dtype=bool)
    other = (draw(policies(S, A)) + 1e-3) * support
    return mdp, prior, Q1, Q2, other / other.sum(axis=1, keepdims=True)


@given(problem=kl_problems(), alpha=alphas())
def test_the_kl_regularised_backup_is_a_monotone_contraction(problem, alpha):
    """With a prior rho (the KL form, -alpha KL(pi || rho)), T is still a monotone gamma-contraction that translates."""
    mdp, prior, Q1, Q2, _ = problem
    check_soft_bellman_contraction(mdp, Q1, Q2, alpha, prior=prior)
    check_soft_bellman_monotone(mdp, np.minimum(Q1, Q2), np.maximum(Q1, Q2), alpha, prior=prior)
    check_soft_bellman_constant_shift(mdp, Q1, 3.0, alpha, prior=prior)


@given(problem=kl_problems(), alpha=alphas(allow_zero=False))
def test_theorems_1_and_4_hold_with_a_prior(problem, alpha):
    """With a prior rho: pi* ~ rho exp(Q*/alpha) is optimal (Theorem 1), and improvement never hurts (Theorem 4)."""
    mdp, prior, _, _, other = problem
    sol = soft_policy_iteration(mdp, alpha, tol=TOL, prior=prior)
    check_soft_bellman_equation(mdp, sol, prior=prior)
    check_boltzmann_policy_is_optimal(mdp, sol, other, prior=prior)
    check_soft_policy_improvement(mdp, other, alpha, prior=prior)


# ---------------------------------------------------------------------- soft vs hard
@given(mdp=mdps(terminal=True), alpha=alphas())
def test_soft_values_are_bounded_by_hard_values(mdp, alpha):
    """V_hard <= V_soft <= V_hard + alpha log|A| / (1 - gamma): the entropy bonus is at most log|A| a step."""
    check_soft_hard_sandwich(mdp, soft_value_iteration(mdp, alpha, tol=TOL), value_iteration(mdp, tol=TOL))


@given(mdp=mdps(terminal=True), alpha=st.floats(1e-6, 1.0))
def test_alpha_to_zero_recovers_value_iteration(mdp, alpha):
    """|Q*_alpha - Q*_hard| <= gamma alpha log|A| / (1 - gamma) -> 0 as alpha -> 0."""
    hard, soft = value_iteration(mdp, tol=TOL), soft_q_iteration(mdp, alpha, tol=TOL)
    bound = mdp.gamma * alpha * np.log(mdp.n_actions) / (1 - mdp.gamma)
    slack = hard.error_bound + soft.error_bound + rounding_slack(mdp.gamma, hard.Q)
    assert np.abs(soft.Q - hard.Q).max() <= bound + slack


@given(mdp=mdps(), alpha=alphas(), c=st.floats(-10, 10))
def test_adding_c_to_every_reward_adds_c_over_one_minus_gamma(mdp, alpha, c):
    """Rewards r + c give V* + c / (1 - gamma) (no terminal states: every step earns c forever)."""
    a = soft_policy_iteration(mdp, alpha, tol=TOL)
    b = soft_policy_iteration(TabularMDP(mdp.transitions, mdp.rewards + c, mdp.gamma), alpha, tol=TOL)
    gap = np.abs(b.V - (a.V + c / (1 - mdp.gamma))).max()
    assert gap <= a.error_bound + b.error_bound + rounding_slack(mdp.gamma, b.Q, a.Q)


@given(mdp=mdps(), alpha=alphas())
def test_shannon_and_uniform_prior_differ_by_alpha_log_A_per_step(mdp, alpha):
    """prior=None (Shannon H) and a uniform prior (-KL to uniform) differ by alpha log|A| / (1 - gamma), same policy."""
    uniform = np.full(mdp.n_actions, 1.0 / mdp.n_actions)
    shannon = soft_policy_iteration(mdp, alpha, tol=TOL)
    kl = soft_policy_iteration(mdp, alpha, tol=TOL, prior=uniform)
    gap = np.abs(shannon.V - (kl.V + alpha * np.log(mdp.n_actions) / (1 - mdp.gamma))).max()
    assert gap <= shannon.error_bound + kl.error_bound + rounding_slack(mdp.gamma, shannon.Q)
    assert np.allclose(shannon.policy, kl.policy, atol=1e-7)


# ---------------------------------------------------------------------- one state at a time
@given(row=q_row_and_mu, alpha=alphas(allow_zero=False))
def test_soft_value_is_the_gibbs_variational_maximum(row, alpha):
    """alpha log sum exp(Q/alpha) = max_mu E_mu[Q] + alpha H(mu), attained by the Boltzmann policy.

    This one-state identity is the heart of Theorem 1.
    """
    check_gibbs_variational_principle(row[0], alpha, row[1])


@given(row=q_row_and_mu, alpha=alphas(allow_zero=False))
def test_the_gradient_of_the_soft_value_is_the_boltzmann_policy(row, alpha):
    """dV/dQ(a) = pi(a): the soft max is a smooth max whose gradient is the soft-greedy policy."""
    Q, n_actions = row[0], len(row[0])
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
        check_same_fixed_point(mdp, solver(mdp, alpha, tol=TOL), solver(dense, alpha, tol=TOL))


def hard_margins(Q_hard):
    """Per state: the gap between the best and the second-best action value (inf with one action)."""
    top2 = -np.sort(-Q_hard, axis=1)[:, :2]
    return top2[:, 0] - top2[:, 1] if Q_hard.shape[1] > 1 else np.full(len(Q_hard), np.inf)


@given(mdp=mdps(max_states=6, min_actions=2, terminal=True, reward_scale=1e6))
def test_tiny_temperature_policy_is_the_argmax(mdp):
    """As alpha -> 0 the Boltzmann policy of Q*_alpha puts all its mass on the hard-greedy action.

    At alpha = 1e-12 and rewards up to 1e6, Q*_alpha is within gamma alpha log|A| / (1 - gamma) of
    the hard Q*; wherever the hard best action beats the second by more than that (plus rounding),
    the soft policy gives it probability 1 (to double precision), and every answer is finite.
    """
    alpha = 1e-12
    soft, hard = soft_policy_iteration(mdp, alpha, tol=1e-3), value_iteration(mdp, tol=1e-3)
    assert np.all(np.isfinite(soft.Q)) and np.all(np.isfinite(soft.V)) and np.all(np.isfinite(soft.policy))
    clear = (hard_margins(hard.Q) > 2 * (soft.error_bound + hard.error_bound) + 100 * alpha) & ~mdp.terminal
    greedy = np.argmax(hard.Q, axis=1)
    assert np.all(soft.policy[clear, greedy[clear]] >= 1 - 1e-12)


@given(mdp=mdps(max_states=6, terminal=True, reward_scale=1e6))
def test_huge_temperature_policy_is_the_prior(mdp):
    """As alpha -> inf with a normalised prior rho, pi*_alpha -> rho: |pi - rho| <= 2 d with d = span(Q*) / alpha.

    Here alpha = 1e12 and rewards up to 1e6, so span_a Q* <= 2 max|r| / (1 - gamma) and d <= 2e-4:
    the policy is the prior to that accuracy (KL form: the bonus -alpha KL(pi || rho) pins it).
    """
    alpha, rho = 1e12, np.linspace(1.0, 2.0, mdp.n_actions) / np.linspace(1.0, 2.0, mdp.n_actions).sum()
    sol = soft_policy_iteration(mdp, alpha, tol=1e-3 * (1 + np.abs(mdp.rewards).max()) / (1 - mdp.gamma), prior=rho)
    assert np.all(np.isfinite(sol.Q)) and np.all(np.isfinite(sol.V))
    d = 2 * np.abs(mdp.rewards).max() / ((1 - mdp.gamma) * alpha)
    assert np.all(np.abs(sol.policy - rho) <= 2 * d + 1e-12)


def mp_softmax(Q, alpha):
    """Boltzmann policy and soft value of one row in 50-digit arithmetic (the independent oracle)."""
    with mpmath.workdps(50):
        q, a = [mpmath.mpf(float(x)) for x in Q], mpmath.mpf(alpha)
        m = max(q)
        w = [mpmath.exp((x - m) / a) for x in q]
        return np.array([float(x / sum(w)) for x in w]), float(m + a * mpmath.log(sum(w)))


@pytest.mark.parametrize("alpha", [1e-20, 1e-12, 1e-3, 1.0, 1e6])
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_policies_are_right_where_the_naive_formulas_fail(alpha, scale):
    """The stable soft value and policy match 50-digit arithmetic, where the naive formulas fail.

    Like SciPy's logsumexp examples: the naive ``alpha log sum exp(Q/alpha)`` overflows to inf once
    Q/alpha > 709, and ``exp((Q - V)/alpha)`` with a rounded V is no longer normalised once
    ``alpha log sum ...`` is below the spacing of V (for Q = [1, 1] and alpha = 1e-20 it sums to 2).
    """
    Q = scale * np.array([[1.0, 1.0 + 1e-9, -3.0], [1.0, 1.0, 1.0]])
    pi, V = boltzmann_policy(Q, alpha), soft_value(Q, alpha)
    for s in range(2):
        pi_mp, V_mp = mp_softmax(Q[s], alpha)
        assert np.allclose(pi[s], pi_mp, rtol=1e-12, atol=1e-15) and np.isclose(V[s], V_mp, rtol=1e-14)
    with np.errstate(over="ignore", invalid="ignore"):
        naive_V = alpha * np.log(np.sum(np.exp(Q / alpha), axis=1))
        naive_pi = np.exp((Q - V[:, None]) / alpha)
    if np.max(np.abs(Q)) / alpha > 710:
        assert not np.all(np.isfinite(naive_V))  # the naive soft value overflowed ...
        assert np.all(np.isfinite(V))             # ... the stable one did not
    if alpha * np.log(3) < np.spacing(V[1]) / 2:
        assert not np.isclose(naive_pi[1].sum(), 1.0)  # the naive policy lost its normalisation ...
    assert np.allclose(pi.sum(axis=1), 1.0, atol=1e-14)   # ... the stable one did not


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_boltzmann_policy_limits(scale):
    """alpha -> 0: all mass on the argmax (a uniform answer fails); alpha -> inf: the prior (or uniform)."""
    Q = scale * np.array([[1.0, 1.0 + 1e-3, -3.0]])
    assert boltzmann_policy(Q, 1e-12 * scale)[0, 1] >= 1 - 1e-15
    assert boltzmann_policy(Q, 0.0)[0].tolist() == [0.0, 1.0, 0.0]
    assert np.allclose(boltzmann_policy(Q, 1e12 * scale), 1 / 3, atol=1e-11)
    rho = np.array([0.2, 0.3, 0.5])
    assert np.allclose(boltzmann_policy(Q, 1e12 * scale, prior=rho), rho, atol=1e-11)

"""The tabular core by example: a hand-solved MDP, the termination pitfall, input validation."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from discrete_softq import (
    ConvergenceWarning,
    TabularMDP,
    boltzmann_policy,
    maxent_return,
    random_mdp,
    soft_bellman_operator,
    soft_policy_evaluation,
    soft_policy_iteration,
    soft_q_iteration,
    soft_value,
    soft_value_iteration,
    value_iteration,
)
from discrete_softq.testing import check_residuals_contract, two_state_goal_mdp


# ---------------------------------------------------------------------- numbers derived by hand
@pytest.mark.parametrize("alpha", [0.1, 1.0, 5.0])
@pytest.mark.parametrize("solver", [soft_q_iteration, soft_value_iteration, soft_policy_iteration])
def test_two_state_goal_mdp_matches_its_closed_form(solver, alpha):
    """V(0) = 2 alpha log((1 + sqrt(1 + 4 e^{1/alpha})) / 2) and pi(go|0) = e^{1/alpha} / y^2 (see testing.py)."""
    sol = solver(two_state_goal_mdp(), alpha, tol=1e-12)
    y = (1 + np.sqrt(1 + 4 * np.exp(1 / alpha))) / 2
    assert sol.V[0] == pytest.approx(2 * alpha * np.log(y), abs=1e-11)
    assert sol.V[1] == 0.0  # terminal
    assert sol.policy[0, 0] == pytest.approx(np.exp(1 / alpha) / y**2, abs=1e-11)


def test_two_state_goal_mdp_hard_limit():
    """With alpha = 0 the agent just takes the +1: V(0) = 1, pi(go|0) = 1."""
    sol = value_iteration(two_state_goal_mdp(), tol=1e-12)
    assert sol.V[0] == pytest.approx(1.0, abs=1e-12)
    assert np.array_equal(sol.policy[0], [1.0, 0.0])


def test_uniform_prior_two_state_closed_form():
    """With a uniform prior, y^2 = e^{1/alpha}/2 + y/2, so y = (1/2 + sqrt(1/4 + 2 e^{1/alpha})) / 2."""
    alpha = 0.7
    sol = soft_policy_iteration(two_state_goal_mdp(), alpha, tol=1e-12, prior=[0.5, 0.5])
    y = (0.5 + np.sqrt(0.25 + 2 * np.exp(1 / alpha))) / 2
    assert sol.V[0] == pytest.approx(2 * alpha * np.log(y), abs=1e-11)


def corridor(n: int = 4, gamma: float = 0.9, goal_reward: float = 1.0) -> TabularMDP:
    """A corridor 0..n-1 with a terminal goal at n-1: actions left/right, +goal_reward on arrival."""
    P = np.zeros((n, 2, n))
    R = np.zeros((n, 2))
    for s in range(n - 1):
        P[s, 0, max(s - 1, 0)] = 1.0
        P[s, 1, s + 1] = 1.0
        if s + 1 == n - 1:
            R[s, 1] = goal_reward
    P[n - 1, :, n - 1] = 1.0
    terminal = np.zeros(n, dtype=bool)
    terminal[-1] = True
    return TabularMDP(P, R, gamma, terminal=terminal)


def test_the_shannon_termination_pitfall():
    """With the Shannon bonus every step earns up to alpha log|A|, so ending the episode forfeits
    future entropy: when alpha log 2 / (1 - gamma) exceeds the goal reward, the soft-optimal agent
    prefers to wander rather than collect +1. The KL-to-uniform form (prior) has no such pull."""
    mdp = corridor(gamma=0.9)
    alpha = 0.5  # alpha log 2 / (1 - gamma) = 3.47 > 1
    shannon = soft_policy_iteration(mdp, alpha)
    kl = soft_policy_iteration(mdp, alpha, prior=[0.5, 0.5])
    s_before_goal = mdp.n_states - 2
    assert shannon.policy[s_before_goal, 1] < 0.5  # walks away from the +1
    assert kl.policy[s_before_goal, 1] > 0.5  # goes for it
    assert shannon.V[0] > 1.0  # wandering is worth more than the goal itself


# ---------------------------------------------------------------------- solver behaviour
def test_solution_is_frozen_and_records_the_contraction():
    """SoftSolution is immutable, and its residuals shrink at least geometrically with rate gamma."""
    mdp = random_mdp(10, 3, gamma=0.8, seed=0)
    sol = soft_q_iteration(mdp, 1.0)
    with pytest.raises(AttributeError):
        sol.alpha = 2.0
    with pytest.raises(ValueError):
        sol.Q[0, 0] = 1.0
    assert len(sol.residuals) == sol.iterations and sol.converged
    check_residuals_contract(sol.residuals, mdp.gamma, scale=np.abs(sol.Q).max())


def test_span_rule_stops_before_the_sup_norm_rule():
    """The MacQueen span bound needs fewer sweeps than the plain rule |TQ - Q| <= tol (1 - gamma) / gamma."""
    mdp = random_mdp(50, 4, gamma=0.99, seed=1)
    sol = soft_value_iteration(mdp, 0.5, tol=1e-6)
    plain = np.argmax(sol.residuals * mdp.gamma ** 2 / (1 - mdp.gamma) <= 1e-6)
    assert sol.converged and (plain == 0 or sol.iterations < plain)  # argmax 0: never reached
    assert sol.iterations < 200  # the plain rule needs ~ log(1e-6 (1-g) / range) / log(g) > 2000


def test_non_convergence_warns_with_advice():
    """Stopping at max_iter warns (ConvergenceWarning, naming the cure) and sets converged=False."""
    mdp = random_mdp(5, 2, gamma=0.99, seed=2)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        sol = soft_q_iteration(mdp, 1.0, max_iter=3)
    assert not sol.converged and sol.iterations == 3 and sol.error_bound > 1e-8


def test_sparse_transitions_are_never_densified():
    """A 20,000-state sparse MDP is stored in O(nnz) and solved without a dense (S, S) matrix."""
    mdp = random_mdp(20_000, 4, gamma=0.9, branching=3, seed=3, sparse=True)
    assert sp.issparse(mdp.P) and mdp.P.nnz == 20_000 * 4 * 3
    sol = soft_value_iteration(mdp, 0.1, tol=1e-6)
    assert sol.converged and np.all(np.isfinite(sol.Q))
    P_pi = mdp.policy_matrix(sol.policy)
    assert sp.issparse(P_pi) and P_pi.nnz <= 20_000 * 12


def test_random_mdp_is_reproducible_from_a_seed():
    """The same seed gives the same MDP; a Generator is accepted too."""
    a = random_mdp(6, 2, branching=2, seed=42)
    b = random_mdp(6, 2, branching=2, seed=np.random.default_rng(42))
    assert np.array_equal(a.transitions, b.transitions) and np.array_equal(a.rewards, b.rewards)


def test_three_dimensional_rewards_are_reduced_to_expectations():
    """r(s, a, s') is turned into r(s, a) = sum_s' P(s'|s,a) r(s,a,s'), dense or sparse."""
    mdp = random_mdp(4, 2, seed=5)
    R3 = np.random.default_rng(0).normal(size=(4, 2, 4))
    expected = np.einsum("sat,sat->sa", mdp.transitions, R3)
    assert np.allclose(TabularMDP(mdp.transitions, R3, 0.9).rewards, expected)
    sparse = sp.csr_matrix(mdp.transitions.reshape(8, 4))
    assert np.allclose(TabularMDP(sparse, R3, 0.9).rewards, expected)


def test_maxent_return_averages_over_the_start_distribution():
    """J(pi) = mu^T V^pi: starting surely in state 0 gives V^pi(0)."""
    mdp = two_state_goal_mdp()
    pi = np.array([[0.3, 0.7], [0.5, 0.5]])
    Q = soft_policy_evaluation(mdp, pi, 1.0)
    V0 = pi[0] @ Q[0] - pi[0] @ np.log(pi[0])
    assert maxent_return(mdp, pi, 1.0) == pytest.approx(V0, abs=1e-12)


# ---------------------------------------------------------------------- validation
P2 = np.full((2, 2, 2), 0.5)
R2 = np.zeros((2, 2))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(transitions=np.full((2, 2, 2), 0.6), rewards=R2, gamma=0.9), ValueError, "transitions"),
        (dict(transitions=P2, rewards=R2, gamma=1.0), ValueError, "gamma"),
        (dict(transitions=P2, rewards=R2, gamma=float("nan")), ValueError, "gamma"),
        (dict(transitions=P2, rewards=R2, gamma="0.9"), TypeError, "gamma"),
        (dict(transitions=P2, rewards=np.zeros((3, 2)), gamma=0.9), ValueError, "rewards"),
        (dict(transitions=P2, rewards=[[0, np.nan], [0, 0]], gamma=0.9), ValueError, "rewards"),
        (dict(transitions=np.ones((2, 2)), rewards=R2, gamma=0.9), ValueError, "transitions"),
        (dict(transitions=P2, rewards=R2, gamma=0.9, initial=[0.5, 0.6]), ValueError, "initial"),
        (dict(transitions=P2, rewards=R2, gamma=0.9, terminal=[True]), ValueError, "terminal"),
        (dict(transitions=sp.csr_matrix(np.ones((3, 2)) / 2), rewards=R2, gamma=0.9), ValueError, "transitions"),
    ],
)
def test_bad_mdps_are_rejected_with_a_message_naming_the_parameter(kwargs, error, match):
    """Invalid input raises ValueError/TypeError naming what is wrong, never a later numpy error."""
    with pytest.raises(error, match=match):
        TabularMDP(**kwargs)


def test_negative_probabilities_are_rejected():
    """A row like (1.5, -0.5) sums to 1 but is not a distribution."""
    P = np.array([[[1.5, -0.5]], [[0.0, 1.0]]])
    with pytest.raises(ValueError, match="non-negative"):
        TabularMDP(P, [[0.0], [0.0]], 0.5)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: soft_value([[1.0, 2.0]], alpha=-1.0), "alpha"),
        (lambda m: soft_value([[1.0, 2.0]], alpha=np.inf), "alpha"),
        (lambda m: soft_value([[1.0, np.nan]], alpha=1.0), "Q"),
        (lambda m: boltzmann_policy([[1.0, 2.0]], alpha=1.0, prior=[0.5, 0.6]), "prior"),
        (lambda m: boltzmann_policy([[1.0, 2.0]], alpha=1.0, prior=[1.0, 0.0, 0.0]), "prior"),
        (lambda m: soft_bellman_operator(m, np.zeros((3, 2)), 1.0), "Q"),
        (lambda m: soft_q_iteration(m, 1.0, tol=0.0), "tol"),
        (lambda m: soft_q_iteration(m, 1.0, max_iter=0), "max_iter"),
        (lambda m: soft_value_iteration(m, 1.0, V0=[0.0]), "V0"),
        (lambda m: soft_policy_evaluation(m, [[1.0, 0.0]], 1.0), "policy"),
        (lambda m: soft_policy_evaluation(m, [[0.5, 0.6], [0.5, 0.5]], 1.0), "policy"),
        (lambda m: random_mdp(0, 2), "n_states"),
        (lambda m: random_mdp(3, 2, branching=4), "branching"),
    ],
)
def test_bad_arguments_are_rejected_with_a_message_naming_the_parameter(call, match):
    """Operators and solvers validate their arguments up front."""
    with pytest.raises((ValueError, TypeError), match=match):
        call(two_state_goal_mdp())


def test_solver_rejects_a_non_mdp():
    """Passing a raw array where an MDP is expected is a TypeError naming `mdp`."""
    with pytest.raises(TypeError, match="mdp"):
        soft_q_iteration(np.zeros((2, 2, 2)), 1.0)


def test_no_runtime_warnings_at_extremes():
    """No overflow or invalid-value warnings for huge Q/alpha: the max-shift trick at work."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert soft_value([1e300, -1e300], alpha=1e-300) == 1e300
        assert np.array_equal(boltzmann_policy([[1e300, -1e300]], alpha=1e-12), [[1.0, 0.0]])




def test_open_grid_mdp_checks_its_side():
    """The benchmark grid builder names a bad ``side`` instead of failing inside NumPy."""
    from discrete_softq.mdp import open_grid_mdp

    with pytest.raises(ValueError, match="side"):
        open_grid_mdp(0, 0.9)
    assert open_grid_mdp(1, 0.9).terminal.tolist() == [True]

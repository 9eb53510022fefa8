"""Finite-horizon soft DP: closed forms, the infinite-horizon limit, optimality, and a time limit in a real env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from discrete_softq import TabularMDP, random_mdp, soft_value_iteration, value_iteration
from discrete_softq.envs import from_gymnasium
from discrete_softq.horizon import finite_horizon_values, soft_backward_induction


@pytest.mark.parametrize("alpha", [0.0, 0.3, 2.0])
def test_a_self_loop_sums_a_geometric_series(alpha):
    """One state, A self-loop actions of reward r: V_0 = (r + alpha log A) (1 - gamma^H) / (1 - gamma)."""
    gamma, H, r, A = 0.8, 7, 0.5, 3
    mdp = TabularMDP(np.ones((1, A, 1)), np.full((1, A), r), gamma)
    sol = soft_backward_induction(mdp, alpha, H)
    assert sol.V[0, 0] == pytest.approx((r + alpha * np.log(A)) * (1 - gamma ** H) / (1 - gamma), rel=1e-13)
    assert sol.Q.shape == (H, 1, A) and sol.V.shape == (H + 1, 1) and np.all(sol.V[H] == 0)


@pytest.mark.parametrize("prior", [None, "uniform"])
def test_long_horizons_reach_the_infinite_horizon_fixed_point(prior):
    """As H grows V_0 -> V* at rate gamma^H: with H = 400 and gamma 0.9 they agree within the solver's bound (terminal states too)."""
    base = random_mdp(12, 3, gamma=0.9, seed=3)
    mdp = TabularMDP(base.P, base.rewards, 0.9, terminal=np.arange(12) % 5 == 0)
    rho = None if prior is None else np.full(3, 1 / 3)
    star = soft_value_iteration(mdp, 0.4, tol=1e-11, prior=rho)
    sol = soft_backward_induction(mdp, 0.4, 400, prior=rho)
    assert star.converged and np.abs(sol.Q[0] - star.Q).max() <= 1e-12 + star.error_bound
    gaps = [np.abs(soft_backward_induction(mdp, 0.4, H, prior=rho).V[0] - star.V).max() for H in (5, 10, 20)]
    assert gaps[0] > gaps[1] > gaps[2]


def test_the_backward_policy_is_optimal_among_time_indexed_policies():
    """Evaluating backward induction's own policy gives its V; any other policy does no better (soft objective)."""
    mdp, alpha, H = random_mdp(6, 3, gamma=0.95, seed=1), 0.5, 15
    sol = soft_backward_induction(mdp, alpha, H)
    assert np.allclose(finite_horizon_values(mdp, sol.policy, alpha, H), sol.V, atol=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(5):
        other = rng.dirichlet(np.ones(3), size=(H, 6))
        assert np.all(finite_horizon_values(mdp, other, alpha, H)[0] <= sol.V[0] + 1e-12)


def test_success_within_the_time_limit_of_frozen_lake():
    """FrozenLake's greedy policy (gamma 0.99) reaches the goal within its 100-step TimeLimit with probability
    0.740 exactly (gamma = 1, horizon 100); the real env's success rate agrees within 4 standard errors."""
    greedy_Q = value_iteration(from_gymnasium(gym.make("FrozenLake-v1"), gamma=0.99), tol=1e-10).Q
    policy = np.eye(4)[greedy_Q.argmax(axis=1)]
    exact = finite_horizon_values(from_gymnasium(gym.make("FrozenLake-v1"), gamma=1.0), policy, 0.0, 100)[0, 0]
    assert exact == pytest.approx(0.740, abs=5e-4)
    env = gym.make("FrozenLake-v1")  # with its TimeLimit of 100 steps
    env.reset(seed=0)
    wins, episodes = 0, 3000
    for _ in range(episodes):
        state, _ = env.reset()
        while True:
            state, reward, terminated, truncated, _ = env.step(int(policy[state].argmax()))
            if terminated or truncated:
                wins += reward > 0
                break
    stderr = np.sqrt(exact * (1 - exact) / episodes)
    assert abs(wins / episodes - exact) <= 4 * stderr


def test_bad_arguments_are_named():
    """Horizons and policies are checked, naming the parameter."""
    mdp = random_mdp(3, 2, seed=0)
    with pytest.raises(ValueError, match="horizon"):
        soft_backward_induction(mdp, 0.1, -1)
    with pytest.raises(TypeError, match="horizon"):
        soft_backward_induction(mdp, 0.1, 2.5)
    with pytest.raises(ValueError, match="policy"):
        finite_horizon_values(mdp, np.full((4, 3, 2), 0.5), 0.1, 3)
    with pytest.raises(ValueError, match="policy"):
        finite_horizon_values(mdp, [0.7, 0.7], 0.1, 3)

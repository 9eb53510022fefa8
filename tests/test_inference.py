"""Control as inference, the forward pass and MCE IRL: the claims of issue 15, checked.

* the occupancy measure is a distribution, satisfies the flow (Bellman) equation, and gives the
  max-ent return as sum d (r + alpha h) / (1 - gamma) (hypothesis properties);
* its visit counts match Monte Carlo in the real gridworld (``env.step``) within the CI;
* MCE IRL's gradient matches finite differences; with exact expert occupancy the recovered reward's
  soft-optimal policy matches the expert's (max per-state KL < 1e-6) on two_routes and random MDPs; with
  sampled demonstrations the gap shrinks with the number of trajectories; only the policy is identified.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from scipy.special import logsumexp, rel_entr

from discrete_softq import TabularMDP, maxent_return, random_mdp, soft_policy_iteration
from discrete_softq.envs import GridWorld
from discrete_softq.horizon import soft_backward_induction
from discrete_softq.inference import (expert_counts, mce_irl, occupancy, sample_trajectories,
                                      trajectory_entropy, visit_counts)
from discrete_softq.irl import irl_objective
from discrete_softq.soft import entropy_bonus
from discrete_softq.testing import alphas, mdp_and_policy, numerical_gradient


@given(mdp_and_policy(max_states=6))
def test_the_occupancy_is_a_distribution(drawn):
    """Without terminal states d = (1 - gamma) n sums to 1 and is non-negative."""
    mdp, pi = drawn
    d = occupancy(mdp, pi)
    assert d.min() >= -1e-15 and abs(d.sum() - 1.0) <= 1e-9 / (1 - mdp.gamma + 1e-3)


@given(mdp_and_policy(max_states=6, terminal=True))
def test_the_occupancy_satisfies_the_flow_equation(drawn):
    """On live states: sum_a d(s', a) = (1 - gamma) mu(s') + gamma sum_{s,a} P(s'|s,a) d(s,a)."""
    mdp, pi = drawn
    d = occupancy(mdp, pi)
    inflow = (1 - mdp.gamma) * mdp.initial + mdp.gamma * np.asarray(mdp.transition_matrix.T @ d.ravel())
    live = ~mdp.terminal
    assert np.allclose(d.sum(axis=1)[live], inflow[live], atol=1e-10)
    assert np.all(d[mdp.terminal] == 0)


@given(mdp_and_policy(max_states=6, terminal=True), alphas())
def test_the_maxent_return_is_the_occupancy_weighted_reward_and_entropy(drawn, alpha):
    """J(pi) = mu^T V^pi = sum_{s,a} n(s,a) (r(s,a) + alpha h_pi(s)), and the entropy part is trajectory_entropy."""
    mdp, pi = drawn
    n = visit_counts(mdp, pi)
    J = maxent_return(mdp, pi, alpha)
    direct = float((n * mdp.rewards).sum()) + alpha * trajectory_entropy(mdp, pi)
    assert abs(J - direct) <= 1e-8 * (1 + abs(J)) / (1 - mdp.gamma + 1e-3)
    assert abs(trajectory_entropy(mdp, pi) - float(n.sum(axis=1) @ entropy_bonus(pi))) <= 1e-9 * (1 + abs(J))


def test_long_horizons_reach_the_discounted_counts():
    """Finite-horizon counts (the forward recursion) tend to the linear solve's as H grows."""
    mdp = random_mdp(8, 3, gamma=0.8, seed=2)
    pi = np.random.default_rng(0).dirichlet(np.ones(3), 8)
    assert np.abs(visit_counts(mdp, pi, horizon=200) - visit_counts(mdp, pi)).max() < 1e-12


def test_visit_counts_match_monte_carlo_in_the_real_gridworld():
    """Discounted visits of a soft policy on two_routes, from env.step rollouts, lie within 4 standard errors."""
    env = GridWorld("two_routes", max_steps=None)
    mdp = env.to_mdp(gamma=0.9)
    pi = soft_policy_iteration(mdp, 0.3, prior=[0.25] * 4).policy
    exact = visit_counts(mdp, pi).sum(axis=1)
    rng, episodes = np.random.default_rng(0), 1500
    samples = np.zeros((episodes, mdp.n_states))
    state, _ = env.reset(seed=0)
    for i in range(episodes):
        state, _ = env.reset()
        for t in range(150):  # 0.9^150 < 1e-6
            samples[i, state] += 0.9 ** t
            state, _, terminated, _, _ = env.step(int(rng.choice(4, p=pi[state])))
            if terminated:
                break
    mean, stderr = samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(episodes)
    visited = exact > 0.05
    assert np.all(np.abs(mean - exact)[visited] <= 4 * stderr[visited] + 1e-3)


def test_finite_horizon_backward_pass_matches_the_published_definition():
    """imitation's mce_partition_fh (Gleave et al.), from its definition: V_H = 0, Q_t = R + gamma P V_{t+1},
    V_t = logsumexp_a Q_t, pi_t = exp(Q_t - V_t) (temperature 1). Written out here independently."""
    mdp = random_mdp(5, 3, gamma=0.95, seed=4)
    P, R, H = np.asarray(mdp.P), np.asarray(mdp.rewards), 12
    V = np.zeros(5)
    for t in reversed(range(H)):
        Q = R + 0.95 * np.einsum("sat,t->sa", P, V)
        V = logsumexp(Q, axis=1)
        pi_t = np.exp(Q - V[:, None])
        if t == 0:
            break
    sol = soft_backward_induction(mdp, 1.0, H)
    assert np.allclose(sol.V[0], V, atol=1e-12) and np.allclose(sol.policy[0], pi_t, atol=1e-12)


def _hidden_task(mdp: TabularMDP, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    phi = np.random.default_rng(seed).normal(size=(mdp.n_states, mdp.n_actions, k))
    theta = np.random.default_rng(seed + 1).normal(size=k)
    return phi, theta


def test_the_irl_gradient_matches_finite_differences():
    """d(-g/alpha)/d theta = -(mu_E - mu_theta)/alpha, against central differences (relative 1e-6)."""
    mdp = random_mdp(7, 3, gamma=0.9, seed=5)
    phi, theta = _hidden_task(mdp, 4, seed=5)
    expert = soft_policy_iteration(TabularMDP(mdp.P, phi @ theta, 0.9), 0.7).policy
    dual = irl_objective(mdp, phi, occupancy(mdp, expert), alpha=0.7)
    at = np.array([0.3, -0.2, 0.1, 0.5])
    analytic = dual(at)[1]
    numeric = numerical_gradient(lambda: dual(at)[0], at, eps=1e-5)
    assert np.abs(analytic - numeric).max() <= 1e-6 * max(1.0, np.abs(analytic).max())


def _max_kl(p: np.ndarray, q: np.ndarray, where: np.ndarray) -> float:
    return float(rel_entr(p, q).sum(axis=-1)[where].max())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_occupancy_recovers_the_expert_on_random_mdps(seed):
    """A soft-optimal expert of a hidden linear reward: the recovered policy's max per-state KL is < 1e-6."""
    mdp = random_mdp(10, 3, gamma=0.9, seed=seed)
    phi, theta = _hidden_task(mdp, 5, seed)
    expert = soft_policy_iteration(TabularMDP(mdp.P, phi @ theta, 0.9), 1.0).policy
    res = mce_irl(mdp, phi, occupancy(mdp, expert), alpha=1.0)
    assert res.converged and _max_kl(expert, res.policy, np.ones(10, bool)) < 1e-6


def test_exact_occupancy_recovers_the_expert_on_two_routes():
    """On the two_routes gridworld with 8 state features, max per-state KL < 1e-6 where the expert goes
    (states with at least 1e-6 of its occupancy; the data cannot constrain states it never visits)."""
    mdp = GridWorld("two_routes").to_mdp(gamma=0.95)
    phi = np.random.default_rng(3).normal(size=(mdp.n_states, 8))
    task = TabularMDP(mdp.P, np.repeat(phi @ np.linspace(-1, 1, 8), 4).reshape(-1, 4) - 0.1, 0.95,
                      initial=mdp.initial, terminal=mdp.terminal)
    expert = soft_policy_iteration(task, 0.5, prior=[0.25] * 4).policy
    d = occupancy(mdp, expert)
    res = mce_irl(mdp, np.concatenate([phi, np.ones((mdp.n_states, 1))], axis=1), d, alpha=0.5, prior=[0.25] * 4)
    assert res.converged and _max_kl(expert, res.policy, d.sum(axis=1) / d.sum() >= 1e-6) < 1e-6


def test_more_demonstrations_shrink_the_gap():
    """With 10, 100, 1000 sampled trajectories the mean KL (expert || recovered) falls, averaged over 3 seeds."""
    mdp = random_mdp(8, 3, gamma=0.9, seed=7)
    phi, theta = _hidden_task(mdp, 4, seed=7)
    expert = soft_policy_iteration(TabularMDP(mdp.P, phi @ theta, 0.9), 1.0).policy
    weights = occupancy(mdp, expert).sum(axis=1)
    gaps = []
    for n in (10, 100, 1000):
        kls = []
        for seed in range(3):
            demos = sample_trajectories(mdp, expert, n=n, max_steps=60, seed=seed)
            res = mce_irl(mdp, phi, demos, alpha=1.0, gtol=1e-7)
            kls.append(float(weights @ rel_entr(expert, res.policy).sum(axis=1)))
        gaps.append(np.mean(kls))
    assert gaps[0] > gaps[1] > gaps[2]


def test_only_the_policy_is_identified():
    """A constant feature on a task without terminal states shifts every reward equally: two starts give
    different theta (along that direction) and the same policy."""
    mdp = random_mdp(6, 2, gamma=0.9, seed=8)
    phi, theta = _hidden_task(mdp, 3, seed=8)
    expert = soft_policy_iteration(TabularMDP(mdp.P, phi @ theta, 0.9), 1.0).policy
    features = np.concatenate([phi, np.ones((6, 2, 1))], axis=2)
    a = mce_irl(mdp, features, occupancy(mdp, expert), theta0=np.zeros(4))
    b = mce_irl(mdp, features, occupancy(mdp, expert), theta0=np.array([0.0, 0.0, 0.0, 5.0]))
    assert abs(a.theta[3] - b.theta[3]) > 1.0 and np.abs(a.policy - b.policy).max() < 1e-6


def test_finite_horizon_irl_recovers_a_time_indexed_expert():
    """horizon=H: the backward pass and forward counts of horizon H; the expert's time-indexed policy is recovered."""
    mdp = random_mdp(6, 2, gamma=1.0 - 1e-9, seed=9)
    phi, theta = _hidden_task(mdp, 3, seed=9)
    expert = soft_backward_induction(TabularMDP(mdp.P, phi @ theta, mdp.gamma), 1.0, 6).policy
    res = mce_irl(mdp, phi, occupancy(mdp, expert, horizon=6), alpha=1.0, horizon=6)
    assert res.converged and np.abs(res.policy - expert).max() < 1e-6


def test_bad_inputs_are_named():
    """Features, experts and trajectories are checked."""
    mdp = random_mdp(3, 2, seed=0)
    with pytest.raises(ValueError, match="features"):
        mce_irl(mdp, np.ones((4, 2)), np.full((3, 2), 1 / 6))
    with pytest.raises(ValueError, match="expert"):
        mce_irl(mdp, np.ones((3, 2)), np.full((2, 2), 0.25))
    with pytest.raises(ValueError, match=r"trajectories\[0\]"):
        expert_counts(mdp, [[(0, 5)]])
    with pytest.raises(ValueError, match="alpha"):
        mce_irl(mdp, np.ones((3, 2)), np.full((3, 2), 1 / 6), alpha=0.0)

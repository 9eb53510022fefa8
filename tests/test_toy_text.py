"""``from_gymnasium``: the exact model of Gymnasium's toy_text environments, checked against the real ones.

The claim: the converted model is the environment. The exact value of a policy from the start
distribution lies inside the Monte-Carlo confidence interval of its returns in the real
environment (``step()`` sampled by Gymnasium itself), on FrozenLake 4x4 and 8x8, CliffWalking and
Taxi; and the converter's rules (duplicates summed, terminal flags on the reachable part, the start
distribution) are visible on small cases.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from discrete_softq import ConvergenceWarning, TabularMDP, soft_policy_state_values, value_iteration
from discrete_softq.envs import from_gymnasium


def greedy(mdp: TabularMDP) -> np.ndarray:
    """The deterministic greedy policy of the hard optimum (first maximiser), as (S, A) one-hot rows."""
    Q = value_iteration(mdp, tol=1e-10).Q
    return np.eye(mdp.n_actions)[Q.argmax(axis=1)]


def monte_carlo(env_id: str, policy: np.ndarray, gamma: float, episodes: int, seed: int,
                max_steps: int = 5_000) -> tuple[float, float]:
    """Mean and standard error of the discounted return of ``policy`` in the real environment."""
    env = gym.make(env_id).unwrapped  # no TimeLimit: the model has none either
    rng = np.random.default_rng(seed)
    returns = np.empty(episodes)
    state, _ = env.reset(seed=seed)
    for i in range(episodes):
        state, _ = env.reset()
        total, discount = 0.0, 1.0
        for _ in range(max_steps):
            action = int(rng.choice(policy.shape[1], p=policy[state]))
            state, reward, terminated, _, _ = env.step(action)
            total += discount * reward
            discount *= gamma
            if terminated:
                break
        returns[i] = total
    return float(returns.mean()), float(returns.std(ddof=1) / np.sqrt(episodes))


@pytest.mark.parametrize("env_id, gamma, episodes", [("FrozenLake-v1", 0.99, 3000), ("FrozenLake8x8-v1", 0.99, 1500),
                                                     ("CliffWalking-v1", 1.0, 20), ("Taxi-v4", 1.0, 800)])
def test_the_model_value_lies_in_the_monte_carlo_interval(env_id, gamma, episodes):
    """mu^T V^pi of the greedy policy is within 4 standard errors of its mean return in the real environment."""
    mdp = from_gymnasium(gym.make(env_id), gamma=gamma)
    pi = greedy(mdp)
    exact = float(mdp.initial @ soft_policy_state_values(mdp, pi, 0.0))
    mean, stderr = monte_carlo(env_id, pi, gamma, episodes, seed=1)
    assert abs(mean - exact) <= 4 * stderr + 1e-9


def test_frozen_lake_pinned_numbers():
    """FrozenLake 4x4 slippery at gamma 0.99: V(start) = 0.5420 (the issue's figure); undiscounted optimum 14/17."""
    assert abs(value_iteration(from_gymnasium(gym.make("FrozenLake-v1"), gamma=0.99)).V[0] - 0.5420) < 5e-5
    with pytest.warns(ConvergenceWarning, match="no error bound could be certified"):
        undiscounted = value_iteration(from_gymnasium(gym.make("FrozenLake-v1"), gamma=1.0))
    assert abs(undiscounted.V[0] - 14 / 17) < 1e-9 and not undiscounted.converged


def test_cliff_walking_greedy_return_is_minus_13():
    """CliffWalking is deterministic: the optimal path along the cliff has return -13 exactly."""
    mdp = from_gymnasium(gym.make("CliffWalking-v1"), gamma=1.0)
    assert float(mdp.initial @ soft_policy_state_values(mdp, greedy(mdp), 0.0)) == pytest.approx(-13.0, abs=1e-9)


def test_slips_into_a_border_are_summed():
    """FrozenLake lists state 0's 'left' outcome three times (two of them stay put): one entry of 2/3."""
    mdp = from_gymnasium(gym.make("FrozenLake-v1"))
    row = mdp.P[0 * 4 + 0].toarray().ravel()
    assert row[0] == pytest.approx(2 / 3) and row[4] == pytest.approx(1 / 3) and row.sum() == pytest.approx(1.0)


def test_terminal_states_come_from_the_flags_on_the_reachable_part():
    """Holes and the goal of FrozenLake are terminal; in CliffWalking the goal is, and the never-entered cliff cells
    are marked terminal as unreachable; Taxi's post-drop-off states are terminal."""
    lake = from_gymnasium(gym.make("FrozenLake-v1"))
    assert set(np.flatnonzero(lake.terminal)) == {5, 7, 11, 12, 15}
    cliff = from_gymnasium(gym.make("CliffWalking-v1"))
    assert cliff.terminal[47] and cliff.terminal[37:47].all() and not cliff.terminal[:36].any()
    taxi = from_gymnasium(gym.make("Taxi-v4"))
    assert taxi.terminal.sum() >= 16 and not taxi.terminal[taxi.initial > 0].any()


def test_the_start_distribution_is_the_environments():
    """``initial`` is ``initial_state_distrib`` (Taxi: uniform over its 300 valid starts)."""
    taxi = from_gymnasium(gym.make("Taxi-v4"))
    assert np.allclose(taxi.initial, gym.make("Taxi-v4").unwrapped.initial_state_distrib)


def test_environments_without_a_model_are_refused():
    """An environment without ``unwrapped.P`` (or not Discrete/Discrete) gets a TypeError that says what is needed."""
    with pytest.raises(TypeError, match="unwrapped.P"):
        from_gymnasium(gym.make("CartPole-v1"))
    with pytest.raises(TypeError, match="unwrapped.P"):
        TabularMDP.from_gymnasium(object())

"""Continuous soft Q-learning (Haarnoja et al. 2017, Algorithm 1) and the DDPG baseline, piece by piece."""

import numpy as np
import pytest

from discrete_softq.continuous import (
    DDPGAgent,
    MultiGoalEnv,
    SoftQLearningAgent,
    goal_hit_counts,
    rollouts,
    soft_value_estimate,
    train,
)
from discrete_softq.continuous.replay import Batch, ReplayBuffer
from discrete_softq.testing import numerical_gradient


def _batch(rng, B=5, obs_dim=2, act_dim=2):
    return Batch(rng.normal(size=(B, obs_dim)), rng.uniform(-1, 1, size=(B, act_dim)), rng.normal(size=B),
                 rng.normal(size=(B, obs_dim)), rng.random(B) < 0.3)




def _small_agent(**kwargs):
    return SoftQLearningAgent(2, 2, hidden=(8, 8), dtype=np.float64, seed=0, **kwargs)


def test_soft_value_of_constant_q_is_q_plus_log_volume():
    """For Q/alpha = c everywhere, V/alpha = log of the integral of e^c over [-1,1]^d = c + d log 2."""
    q = np.full((3, 16), 1.7)
    np.testing.assert_allclose(soft_value_estimate(q, act_dim=2), 1.7 + 2 * np.log(2.0))


def test_soft_value_estimate_matches_the_integral():
    """With many uniform samples the estimate approaches log of the integral of e^{Q(a)} over [-1, 1] (1-D)."""
    a = np.random.default_rng(0).uniform(-1, 1, size=200_000)
    q = 3.0 * a - a**2
    grid = np.linspace(-1, 1, 200_001)
    exact = np.log(np.trapezoid(np.exp(3.0 * grid - grid**2), grid))
    assert soft_value_estimate(q, act_dim=1) == pytest.approx(exact, abs=0.01)


def test_soft_value_estimate_is_stable_for_huge_q():
    """The log-sum-exp never overflows: Q/alpha = 1e4 gives 1e4 + d log 2, not inf."""
    assert np.isfinite(soft_value_estimate(np.full(8, 1e4), act_dim=2))


def test_q_gradient_matches_finite_differences():
    """q_gradients is the gradient of 1/2 mean (Q/alpha - y)^2 with the soft target y held fixed."""
    rng = np.random.default_rng(1)
    agent = _small_agent()
    agent.target_qf.params[0] += 0.1          # a target network that differs from the online one
    batch, uniform = _batch(rng), rng.uniform(-1, 1, size=(5, 4, 2))
    grads, _ = agent.q_gradients(batch, uniform)
    v = soft_value_estimate(agent.target_qf(agent._pair(batch.next_obs, uniform))[..., 0], 2)
    y = batch.rewards / agent.alpha + agent.gamma * np.where(batch.terminated, 0.0, v)

    def loss():
        return 0.5 * np.mean((agent.qf(np.concatenate([batch.obs, batch.actions], 1))[:, 0] - y) ** 2)

    for p, g in zip(agent.qf.params, grads):
        np.testing.assert_allclose(g, numerical_gradient(loss, p), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("squash_correction", [False, True])
def test_sampler_gradient_pushes_svgd_direction_through_tanh(squash_correction):
    """Eq. 14: the sampler gradient is d/dtheta of -1/B sum <phi, tanh f(s, xi; theta)> with phi fixed."""
    rng = np.random.default_rng(2)
    agent = _small_agent(squash_correction=squash_correction)
    obs, xi = rng.normal(size=(3, 2)), rng.normal(size=(3, 4, 2))
    fixed = agent.sample_actions(obs, 5)
    grads, phi = agent.sampler_gradients(obs, fixed, xi)

    def surrogate():
        return -np.sum(phi * np.tanh(agent.policy(agent._pair(obs, xi)))) / len(obs)

    for p, g in zip(agent.policy.params, grads):
        np.testing.assert_allclose(g, numerical_gradient(surrogate, p), rtol=1e-5, atol=1e-8)


def test_svgd_direction_uses_the_action_gradient_of_q():
    """With one fixed particle and a huge kernel bandwidth, phi is the score grad_a Q/alpha itself."""
    agent = _small_agent()
    obs = np.zeros((1, 2))
    fixed = np.array([[[0.2, -0.3]]])
    from discrete_softq.continuous.svgd import svgd_direction

    _, cache = agent.qf.forward(agent._pair(obs, fixed))
    _, dx = agent.qf.backward(cache, np.ones((1, 1, 1)))
    eps = 1e-6
    num = [(agent.qf(np.array([[0, 0, 0.2 + eps * (k == 0), -0.3 + eps * (k == 1)]]))[0, 0]
            - agent.qf(np.array([[0, 0, 0.2 - eps * (k == 0), -0.3 - eps * (k == 1)]]))[0, 0]) / (2 * eps)
           for k in range(2)]
    np.testing.assert_allclose(dx[0, 0, 2:], num, rtol=1e-5)
    phi = svgd_direction(fixed, dx[..., 2:], fixed, bandwidth=1e12)
    np.testing.assert_allclose(phi[0, 0], dx[0, 0, 2:])


def test_target_network_is_copied_every_interval():
    """The target Q network stays frozen between copies and equals the online one right after a copy."""
    agent = SoftQLearningAgent(2, 2, hidden=(8, 8), target_update_interval=3, seed=0)
    batch = _batch(np.random.default_rng(3), B=8)
    before = agent.target_qf.params[0].copy()
    agent.train_step(batch)
    agent.train_step(batch)
    np.testing.assert_array_equal(agent.target_qf.params[0], before)
    agent.train_step(batch)
    np.testing.assert_array_equal(agent.target_qf.params[0], agent.qf.params[0])


def test_actions_lie_in_the_box_and_follow_the_seed():
    """act() returns a float action of shape (act_dim,) in [-1, 1]^d; the same seed gives the same actions."""
    a, b = SoftQLearningAgent(2, 2, seed=5), SoftQLearningAgent(2, 2, seed=5)
    acts = np.array([a.act(np.array([0.5, -1.0])) for _ in range(50)])
    assert acts.shape == (50, 2) and np.all(np.abs(acts) <= 1.0)
    np.testing.assert_array_equal(acts[0], b.act(np.array([0.5, -1.0])))


def test_replay_buffer_overwrites_the_oldest():
    """A full ring buffer keeps only the newest ``capacity`` transitions."""
    buf = ReplayBuffer(1, 1, capacity=3)
    for k in range(5):
        buf.add([k], [0.0], float(k), [k + 1], False)
    assert len(buf) == 3 and sorted(buf.rewards.tolist()) == [2.0, 3.0, 4.0]


def test_train_history_is_consistent():
    """History: one reward per step; episodes end at increasing steps; lengths sum to the last end + 1."""
    hist = train(MultiGoalEnv(), SoftQLearningAgent(2, 2, hidden=(16, 16), batch_size=32, min_replay=50, seed=0), 300, seed=0)
    assert hist.step_rewards.shape == (300,)
    assert np.all(np.diff(hist.episode_end_steps) > 0)
    assert hist.episode_lengths.sum() == hist.episode_end_steps[-1] + 1
    assert np.all(hist.episode_lengths <= 30)
    assert len(hist.episode_goals) == len(hist.episode_returns)


def test_rollouts_start_near_the_origin_and_count_goals():
    """Evaluation rollouts start at 0.1 N(0, I); a policy pushing east ends every episode at goal 0."""
    ro = rollouts(MultiGoalEnv(), lambda obs: np.array([1.0, 0.0]), n_rollouts=10, seed=0)
    assert np.all(np.linalg.norm([p[0] for p in ro.paths], axis=1) < 0.5)
    assert goal_hit_counts(ro.goals).tolist() == [10, 0, 0, 0]


@pytest.mark.parametrize("kwargs, name", [({"alpha": 0.0}, "alpha"), ({"gamma": 1.0}, "gamma"),
                                          ({"svgd_particles": 1}, "svgd_particles"), ({"batch_size": 0}, "batch_size")])
def test_bad_agent_arguments_raise(kwargs, name):
    """Invalid hyperparameters raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=name):
        SoftQLearningAgent(2, 2, **kwargs)


def test_ddpg_actor_gradient_follows_the_critic():
    """One DDPG actor step on a fixed batch raises the critic's value of the actor's actions."""
    rng = np.random.default_rng(4)
    agent = DDPGAgent(2, 2, hidden=(16, 16), policy_lr=1e-2, q_lr=1e-12, tau=1e-9, seed=0)
    batch = _batch(rng, B=32)

    def q_of_policy():
        return agent.critic(np.concatenate([batch.obs, np.tanh(agent.actor(batch.obs))], 1)).mean()

    before = q_of_policy()
    agent.train_step(batch)
    assert q_of_policy() > before


def test_public_api_names_import():
    """The names of DESIGN.md import from discrete_softq.continuous."""
    from discrete_softq.continuous import (
        MLP,
        SVGD,
        Adam,
        MultiGoalEnv,
        SoftQLearningAgent,
        rbf_kernel,
        train,
    )

    assert all(callable(obj) for obj in (MLP, SVGD, Adam, MultiGoalEnv, SoftQLearningAgent, rbf_kernel, train))

"""Bad input to the continuous toolkit raises a named error; finite input never gives inf/NaN silently.

Every row of the tables below is one claim: this call raises this exception type, and the
message names the parameter exactly as the caller spelled it (``hidden``, not the network's
``sizes``; ``q_lr``, not Adam's ``lr``; ``replay_capacity``, not the buffer's ``capacity``).
Change a check in :mod:`discrete_softq.continuous` and see which row fails.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from discrete_softq.continuous import (
    MLP,
    SVGD,
    Adam,
    DDPGAgent,
    GaussianMixture,
    MultiGoalEnv,
    ReplayBuffer,
    SoftQLearningAgent,
    goal_hit_counts,
    rbf_kernel,
    rollouts,
    soft_value_estimate,
    svgd_direction,
    train,
)
from discrete_softq.continuous.replay import Batch


def _sql(**kwargs):
    return SoftQLearningAgent(2, 2, **{"hidden": (4,), **kwargs})


def _ddpg(**kwargs):
    return DDPGAgent(2, 2, **{"hidden": (4,), **kwargs})


def _steep_mlp():
    """A linear network y = 10 (x_1 + x_2): finite inputs near 1e308 overflow its output."""
    net = MLP([2, 1], seed=0)
    net.params[0][:] = 10.0
    return net


def _adam_step(grads):
    Adam([np.zeros(2), np.zeros((2, 2))]).step(grads)


def _buffer_with(n):
    buf = ReplayBuffer(2, 1, capacity=10)
    for _ in range(n):
        buf.add([0.0, 0.0], [0.0], 0.0, [0.0, 0.0], False)
    return buf


def _nan_after(k):
    """A score that is fine for k calls and then returns NaN."""
    calls = [0]

    def score(x):
        calls[0] += 1
        return -x if calls[0] <= k else np.full_like(x, np.nan)

    return score


POINTS = np.zeros((3, 2))
MLP_21 = MLP([2, 3, 1], seed=0)

CASES = [
    # ---- SVGD and the kernel
    (lambda: SVGD(lambda x: -x).run(POINTS + 1j, 1), TypeError, "x0"),
    (lambda: SVGD(lambda x: -x).run(np.zeros((0, 2)), 1), ValueError, "x0 must hold at least one particle"),
    (lambda: SVGD(lambda x: -x).run(POINTS, 1.5), TypeError, "n_iter"),
    (lambda: SVGD(lambda x: -x).run(POINTS, -1), ValueError, "n_iter"),
    (lambda: SVGD(lambda x: -x).run(POINTS, 1, callback=3), TypeError, "callback"),
    (lambda: SVGD(lambda x: -x, step_size="0.1"), TypeError, "step_size"),
    (lambda: SVGD(lambda x: -x, step_size=np.nan), ValueError, "step_size"),
    (lambda: SVGD(lambda x: -x, step_size=0.0), ValueError, "step_size"),
    (lambda: SVGD(lambda x: -x, bandwidth="1"), TypeError, "bandwidth"),
    (lambda: SVGD(lambda x: -x, bandwidth=0.0), ValueError, "bandwidth"),
    (lambda: SVGD(lambda x: -x, bandwidth=np.inf), ValueError, "bandwidth"),
    (lambda: SVGD(lambda x: -x, decay=-1.0), ValueError, "decay"),
    (lambda: SVGD("not callable"), TypeError, "grad_log_prob"),
    (lambda: SVGD(lambda x: np.full_like(x, np.nan)).step(POINTS), ValueError, "grad_log_prob"),
    (lambda: SVGD(lambda x: np.full_like(x, np.inf)).step(POINTS), ValueError, "grad_log_prob"),
    (lambda: SVGD(lambda x: x[:, :1]).step(POINTS), ValueError, "grad_log_prob"),
    (lambda: SVGD(lambda x: x + 1j).step(POINTS), TypeError, "grad_log_prob"),
    (lambda: SVGD(_nan_after(3)).run(np.ones((3, 2)), 10), ValueError, "grad_log_prob (at step 3)"),
    (lambda: rbf_kernel(POINTS, bandwidth=5e-324), ValueError, "bandwidth"),
    (lambda: rbf_kernel(POINTS, bandwidth=[1.0, 2.0]), ValueError, "bandwidth"),
    (lambda: rbf_kernel(POINTS, np.zeros((2, 3))), ValueError, "dimension"),
    (lambda: rbf_kernel(np.arange(6.0).reshape(3, 2) * 1e200), ValueError, "overflow"),
    (lambda: svgd_direction(POINTS, np.zeros((3, 1))), ValueError, "grad_log_p"),
    (lambda: svgd_direction(POINTS, np.full((3, 2), np.nan)), ValueError, "grad_log_p"),
    # ---- GaussianMixture
    (lambda: GaussianMixture([np.nan, 1.0], [[0.0], [1.0]]), ValueError, "weights"),
    (lambda: GaussianMixture([0.7, 0.7], [[0.0], [1.0]]), ValueError, "weights must sum to 1"),
    (lambda: GaussianMixture([-0.5, 1.5], [[0.0], [1.0]]), ValueError, "weights"),
    (lambda: GaussianMixture([0.5, 0.5 + 0j], [[0.0], [1.0]]), TypeError, "weights"),
    (lambda: GaussianMixture([0.5, 0.5], [[0.0], [np.nan]]), ValueError, "means"),
    (lambda: GaussianMixture([0.5, 0.5], [[0.0], [1j]]), TypeError, "means"),
    (lambda: GaussianMixture([0.5, 0.5], [[0.0]]), ValueError, "means"),
    (lambda: GaussianMixture([1.0], [[0.0]], var="1"), TypeError, "var"),
    (lambda: GaussianMixture([1.0], [[0.0]], var=0.0), ValueError, "var"),
    (lambda: GaussianMixture([1.0], [[0.0, 0.0]]).log_prob(np.zeros((4, 3))), ValueError, "x must have shape"),
    (lambda: GaussianMixture([1.0], [[0.0, 0.0]]).score(np.zeros((4, 1))), ValueError, "x must have shape"),
    (lambda: GaussianMixture([1.0], [[0.0, 0.0]]).score(np.zeros((4, 2)) + 1j), TypeError, "x"),
    (lambda: GaussianMixture([1.0], [[0.0]]).score([[1e200]]), ValueError, "x is too far"),
    # ---- MLP
    (lambda: MLP([2, True, 1]), TypeError, "sizes[1]"),
    (lambda: MLP([2, 1.5, 1]), TypeError, "sizes[1]"),
    (lambda: MLP([2, 0, 1]), ValueError, "sizes[1]"),
    (lambda: MLP([2]), ValueError, "sizes"),
    (lambda: MLP("21"), TypeError, "sizes"),
    (lambda: MLP([2, 1], activation="sigmoid"), ValueError, "activation"),
    (lambda: MLP([2, 1], activation=None), ValueError, "activation"),
    (lambda: MLP([2, 1], seed="x"), TypeError, "seed"),
    (lambda: MLP([2, 1], dtype=int), TypeError, "dtype"),
    (lambda: MLP([2, 1], output_scale=np.nan), ValueError, "output_scale"),
    (lambda: MLP_21.forward(np.ones((4, 3))), ValueError, "x must have shape"),
    (lambda: MLP_21.forward(np.ones((4, 2)) + 1j), TypeError, "x"),
    (lambda: MLP_21.forward([[np.nan, 0.0]]), ValueError, "x"),
    (lambda: _steep_mlp().forward([[1e308, 1e308]]), ValueError, "overflows"),
    (lambda: MLP_21.backward(MLP_21.forward(POINTS)[1], np.ones((3, 2))), ValueError, "dy"),
    (lambda: MLP_21.backward(MLP_21.forward(POINTS)[1], np.full((3, 1), np.nan)), ValueError, "dy"),
    (lambda: MLP_21.backward("cache", np.ones((3, 1))), TypeError, "cache"),
    (lambda: _steep_mlp().backward(_steep_mlp().forward(POINTS)[1], np.full((3, 1), 1e308)), ValueError, "dy"),
    (lambda: _steep_mlp().input_gradient(_steep_mlp().forward(POINTS)[1], np.full((3, 1), 1e308)), ValueError,
     "dy too large"),
    (lambda: MLP_21.load_params(MLP([2, 3, 1]), tau=0.0), ValueError, "tau"),
    (lambda: MLP_21.load_params(MLP([2, 4, 1])), ValueError, "other"),
    # ---- Adam
    (lambda: Adam([np.zeros(2)], lr="x"), TypeError, "lr"),
    (lambda: Adam([np.zeros(2)], lr=0.0), ValueError, "lr"),
    (lambda: Adam([np.zeros(2)], lr=-1e-3), ValueError, "lr"),
    (lambda: Adam([np.zeros(2)], betas=(0.9, 1.0)), ValueError, "betas[1]"),
    (lambda: Adam([np.zeros(2)], betas=0.9), TypeError, "betas"),
    (lambda: Adam([np.zeros(2)], eps=0.0), ValueError, "eps"),
    (lambda: Adam([np.zeros(2)], lr=1e308), ValueError, "lr"),
    (lambda: Adam([np.zeros(2, dtype=np.float32)], lr=1e20), ValueError, "lr"),
    (lambda: Adam([[0.0, 1.0]]), TypeError, "params"),
    (lambda: _adam_step([np.zeros(2)]), ValueError, "grads"),
    (lambda: _adam_step([np.zeros(3), np.zeros((2, 2))]), ValueError, "grads[0]"),
    (lambda: _adam_step([np.zeros(2), np.full((2, 2), np.nan)]), ValueError, "grads[1]"),
    (lambda: _adam_step([np.zeros(2) + 1j, np.zeros((2, 2))]), TypeError, "grads[0]"),
    (lambda: _adam_step([np.full(2, 1e300), np.zeros((2, 2))]), ValueError, "grads[0]"),
    # ---- ReplayBuffer
    (lambda: ReplayBuffer(2, 1, capacity=1.5), TypeError, "capacity"),
    (lambda: ReplayBuffer(2, 1, capacity=-1), ValueError, "capacity"),
    (lambda: ReplayBuffer(0, 1), ValueError, "obs_dim"),
    (lambda: ReplayBuffer(2, 1).sample(1, np.random.default_rng(0)), ValueError, "empty"),
    (lambda: _buffer_with(3).sample(4, np.random.default_rng(0)), ValueError, "batch_size"),
    (lambda: _buffer_with(3).sample(0, np.random.default_rng(0)), ValueError, "batch_size"),
    (lambda: _buffer_with(3).sample(2, 0), TypeError, "rng"),
    (lambda: _buffer_with(0).add([np.nan, 0.0], [0.0], 0.0, [0.0, 0.0], False), ValueError, "obs"),
    (lambda: _buffer_with(0).add([0.0, 0.0], [0.0, 1.0], 0.0, [0.0, 0.0], False), ValueError, "action"),
    (lambda: _buffer_with(0).add([0.0, 0.0], [0.0], np.inf, [0.0, 0.0], False), ValueError, "reward"),
    (lambda: _buffer_with(0).add([0.0, 0.0], [0.0], 0.0, [0.0, 1j], False), TypeError, "next_obs"),
    (lambda: _buffer_with(0).add([0.0, 0.0], [0.0], 0.0, [0.0, 0.0], "no"), TypeError, "terminated"),
    # ---- soft Q-learning agent
    (lambda: _sql(updates_per_step=-1), ValueError, "updates_per_step"),
    (lambda: _sql(updates_per_step=1.5), TypeError, "updates_per_step"),
    (lambda: _sql(hidden=(0,)), ValueError, "hidden[0]"),
    (lambda: _sql(hidden=(True,)), TypeError, "hidden[0]"),
    (lambda: _sql(q_lr=0.0), ValueError, "q_lr"),
    (lambda: _sql(q_lr="x"), TypeError, "q_lr"),
    (lambda: _sql(policy_lr=-1.0), ValueError, "policy_lr"),
    (lambda: _sql(replay_capacity=100), ValueError, "replay_capacity"),
    (lambda: _sql(replay_capacity=1.5), TypeError, "replay_capacity"),
    (lambda: _sql(batch_size=0), ValueError, "batch_size"),
    (lambda: _sql(min_replay=10), ValueError, "min_replay"),
    (lambda: _sql(alpha=0.0), ValueError, "alpha"),
    (lambda: _sql(alpha=1j), TypeError, "alpha"),
    (lambda: _sql(gamma=1.0), ValueError, "gamma"),
    (lambda: _sql(svgd_update_ratio=1.0), ValueError, "svgd_update_ratio"),
    (lambda: _sql(svgd_particles=1), ValueError, "svgd_particles"),
    (lambda: _sql(squash_correction=1), TypeError, "squash_correction"),
    (lambda: _sql(dtype="int32"), TypeError, "dtype"),
    (lambda: _sql(seed=-1), ValueError, "seed"),
    (lambda: SoftQLearningAgent(0, 2), ValueError, "obs_dim"),
    (lambda: _sql(seed=0).act([np.nan, 0.0]), ValueError, "obs"),
    (lambda: _sql(seed=0).act([0.0, 0.0, 0.0]), ValueError, "obs"),
    (lambda: _sql(seed=0).act([0.0, 1j]), TypeError, "obs"),
    (lambda: _sql(seed=0).sample_actions(np.zeros(2), 0), ValueError, "n_samples"),
    (lambda: _sql(seed=0).q_values(np.zeros((3, 2)), np.zeros((3, 1))), ValueError, "actions"),
    (lambda: _sql(seed=0).q_values(np.zeros((3, 2)), np.zeros((4, 2))), ValueError, "leading shape"),
    (lambda: _sql(seed=0).update([np.nan, 0.0], [0.0, 0.0], 0.0, [0.0, 0.0], False), ValueError, "obs"),
    (lambda: _sql(seed=0).update([0.0, 0.0], [0.0, 0.0], np.nan, [0.0, 0.0], False), ValueError, "reward"),
    (lambda: _sql(seed=0).train_step("batch"), TypeError, "batch"),
    # ---- DDPG
    (lambda: _ddpg(batch_size=0), ValueError, "batch_size"),
    (lambda: _ddpg(reward_scale="0.1"), TypeError, "reward_scale"),
    (lambda: _ddpg(reward_scale=np.nan), ValueError, "reward_scale"),
    (lambda: _ddpg(reward_scale=0.0), ValueError, "reward_scale"),
    (lambda: _ddpg(q_lr=0.0), ValueError, "q_lr"),
    (lambda: _ddpg(replay_capacity=-1), ValueError, "replay_capacity"),
    (lambda: _ddpg(hidden=(0,)), ValueError, "hidden[0]"),
    (lambda: _ddpg(noise_std=-0.1), ValueError, "noise_std"),
    (lambda: _ddpg(tau=0.0), ValueError, "tau"),
    (lambda: _ddpg(gamma=np.nan), ValueError, "gamma"),
    (lambda: DDPGAgent(2, 1.5), TypeError, "act_dim"),
    (lambda: _ddpg(seed=0).act([np.nan, 0.0]), ValueError, "obs"),
    (lambda: _ddpg(seed=0).policy_action(np.zeros((3, 5))), ValueError, "obs"),
    (lambda: _ddpg(seed=0).update([0.0, 0.0], [0.0, np.inf], 0.0, [0.0, 0.0], False), ValueError, "action"),
    # ---- training helpers
    (lambda: goal_hit_counts([0, 4], n_goals=4), ValueError, "goals"),
    (lambda: goal_hit_counts([0, -2]), ValueError, "goals"),
    (lambda: goal_hit_counts([0, 1.5]), ValueError, "goals"),
    (lambda: goal_hit_counts([0, np.nan]), ValueError, "goals"),
    (lambda: goal_hit_counts([[0, 1]]), ValueError, "goals"),
    (lambda: goal_hit_counts([0], n_goals=0), ValueError, "n_goals"),
    (lambda: train(MultiGoalEnv(), _ddpg(seed=0), 1.5), TypeError, "n_steps"),
    (lambda: train(MultiGoalEnv(), _ddpg(seed=0), 1, seed="x"), TypeError, "seed"),
    (lambda: train(MultiGoalEnv(), _ddpg(seed=0), 1, progress="yes"), TypeError, "progress"),
    (lambda: train(MultiGoalEnv(), object(), 1), TypeError, "agent"),
    (lambda: train(MultiGoalEnv(), DDPGAgent(3, 2, hidden=(4,)), 1), ValueError, "agent.obs_dim = 3"),
    (lambda: train(MultiGoalEnv(), SoftQLearningAgent(2, 1, hidden=(4,)), 1), ValueError, "agent.act_dim = 1"),
    (lambda: rollouts(MultiGoalEnv(), lambda o: o, n_rollouts=0), ValueError, "n_rollouts"),
    (lambda: rollouts(MultiGoalEnv(), "policy"), TypeError, "policy"),
    (lambda: soft_value_estimate(np.array([np.nan]), 2), ValueError, "q_over_alpha"),
    (lambda: soft_value_estimate(np.zeros(3), 0), ValueError, "act_dim"),
    # ---- MultiGoalEnv
    (lambda: MultiGoalEnv(goals=[[np.nan, 0.0]]), ValueError, "goals"),
    (lambda: MultiGoalEnv(goals=[[1j, 0.0]]), TypeError, "goals"),
    (lambda: MultiGoalEnv(goals=[[1.0, 0.0, 0.0]]), ValueError, "goals"),
    (lambda: MultiGoalEnv(goals=np.zeros((0, 2))), ValueError, "goals"),
    (lambda: MultiGoalEnv(goals=[[8.0, 0.0]]), ValueError, "goals"),
    (lambda: MultiGoalEnv(action_cost_coeff=np.nan), ValueError, "action_cost_coeff"),
    (lambda: MultiGoalEnv(distance_cost_coeff="1"), TypeError, "distance_cost_coeff"),
    (lambda: MultiGoalEnv(goal_reward=-1.0), ValueError, "goal_reward"),
    (lambda: MultiGoalEnv(goal_threshold=0.0), ValueError, "goal_threshold"),
    (lambda: MultiGoalEnv(init_sigma=np.inf), ValueError, "init_sigma"),
    (lambda: MultiGoalEnv(max_episode_steps=30.0), TypeError, "max_episode_steps"),
    (lambda: MultiGoalEnv(max_episode_steps=0), ValueError, "max_episode_steps"),
    (lambda: MultiGoalEnv(bound=0.0), ValueError, "bound"),
    (lambda: MultiGoalEnv(render_mode="human"), ValueError, "render_mode"),
    (lambda: MultiGoalEnv(dynamics_noise=-0.1), ValueError, "dynamics_noise"),
    (lambda: MultiGoalEnv(dynamics_noise=np.nan), ValueError, "dynamics_noise"),
    (lambda: MultiGoalEnv(dynamics_noise="0.1"), TypeError, "dynamics_noise"),
    (lambda: MultiGoalEnv().reset(options={"position": [np.nan, 0.0]}), ValueError, "options['position']"),
    (lambda: MultiGoalEnv().reset(options={"position": [0.0]}), ValueError, "options['position']"),
    (lambda: MultiGoalEnv().reset(options=[1]), TypeError, "options"),
    (lambda: MultiGoalEnv().step([1j, 0.0]), TypeError, "action"),
    (lambda: MultiGoalEnv().step([np.nan, 0.0]), ValueError, "action"),
    (lambda: MultiGoalEnv().step([0.0, 0.0, 0.0]), ValueError, "action"),
    (lambda: MultiGoalEnv().goal_distance([[0.0, 0.0, 0.0]]), ValueError, "position"),
    (lambda: MultiGoalEnv().goal_index([np.nan, 0.0]), ValueError, "position"),
    (lambda: MultiGoalEnv().reward([1j, 0.0], [0.0, 0.0]), TypeError, "action"),
]


@pytest.mark.parametrize("call, exc, name", CASES, ids=[f"{c[1].__name__}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_raises_a_named_error(call, exc, name):
    """The call raises ``exc`` and its message names the parameter (and never leaks numpy's message)."""
    with pytest.raises(exc) as info:
        call()
    assert name in str(info.value)


# ---------------------------------------------------------------------- nothing silent
def test_svgd_step_that_diverges_raises_instead_of_returning_inf():
    """A step size far beyond stability (1e300 on a unit Gaussian) raises naming step_size, not inf particles."""
    svgd = SVGD(lambda x: -x * 1e10, step_size=1e300)
    with pytest.raises(ValueError, match="step_size"):
        svgd.run(np.random.default_rng(0).normal(size=(5, 2)), 3)


def test_svgd_nan_score_is_reported_at_the_step_where_it_happens():
    """A score that turns NaN after 3 calls stops the run at step 3, naming grad_log_prob; the clock stays at 3."""
    svgd = SVGD(_nan_after(3), step_size=0.1)
    with pytest.raises(ValueError, match=r"grad_log_prob \(at step 3\)"):
        svgd.run(np.ones((4, 2)), 10)
    assert svgd.n_steps == 3


def test_adam_refuses_gradients_whose_square_overflows_and_changes_nothing():
    """float32 gradients of 1e20 (g**2 beyond float32) raise naming grads[0]; params and moments stay as they were."""
    p = [np.ones(3, dtype=np.float32)]
    opt = Adam(p, lr=0.1)
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        opt.step([np.full(3, 1e20, dtype=np.float32)])
    np.testing.assert_array_equal(p[0], 1.0)
    assert opt.t == 0 and not opt.m[0].any() and not opt.v[0].any()


def test_adam_step_checks_every_gradient_before_changing_any_parameter():
    """With a NaN in the second gradient, the first parameter is not updated either."""
    p = [np.zeros(2), np.zeros(2)]
    with pytest.raises(ValueError, match=r"grads\[1\]"):
        Adam(p, lr=0.1).step([np.ones(2), np.array([np.nan, 0.0])])
    np.testing.assert_array_equal(p[0], 0.0)


def test_huge_rewards_raise_naming_the_reward_scale():
    """A reward of 1e300 (beyond the float32 Q network after dividing by alpha) raises, not NaN weights."""
    agent = SoftQLearningAgent(2, 2, hidden=(4,), batch_size=2, min_replay=2, seed=0)
    batch = Batch(np.zeros((2, 2)), np.zeros((2, 2)), np.full(2, 1e300), np.zeros((2, 2)), np.zeros(2, bool))
    with pytest.raises(ValueError, match="rewards / alpha"):
        agent.train_step(batch)
    assert all(np.all(np.isfinite(p)) for p in agent.qf.params)


def test_tiny_alpha_raises_naming_rewards_over_alpha():
    """alpha = 5e-324 makes r / alpha overflow: train_step raises naming "rewards / alpha", not NaN weights."""
    agent = SoftQLearningAgent(2, 2, hidden=(4,), alpha=5e-324, batch_size=2, min_replay=2, seed=0)
    batch = Batch(np.zeros((2, 2)), np.zeros((2, 2)), np.ones(2), np.zeros((2, 2)), np.zeros(2, bool))
    with pytest.raises(ValueError, match="rewards / alpha"):
        agent.train_step(batch)


@pytest.mark.parametrize("kwargs", [{"bound": 1e308}, {"goal_threshold": 1e154}, {"bound": 1e154}])
def test_render_works_at_extreme_box_sizes(kwargs):
    """Rendering with a box of 1e308 or a goal radius of 1e154 gives a finite uint8 image (no overflow)."""
    env = MultiGoalEnv(render_mode="rgb_array", **kwargs)
    env.reset(seed=0)
    env.step([1.0, 1.0])
    img = env.render()
    assert img.dtype == np.uint8 and img.shape == (256, 256, 3)


def test_huge_rewards_raise_in_ddpg_naming_the_reward_scale():
    """The DDPG critic refuses a Bellman error beyond float32 (reward 1e300 * reward_scale) by name."""
    agent = DDPGAgent(2, 2, hidden=(4,), batch_size=2, min_replay=2, seed=0)
    batch = Batch(np.zeros((2, 2)), np.zeros((2, 2)), np.full(2, 1e300), np.zeros((2, 2)), np.zeros(2, bool))
    with pytest.raises(ValueError, match="reward_scale"):
        agent.train_step(batch)


def test_extreme_but_representable_inputs_stay_finite():
    """Large finite inputs that float64 can handle give finite results: the kernel at coordinates 1e100
    (bandwidth by the median heuristic) and the mixture's log-density 1e100 away from a mean."""
    x = np.array([[0.0], [1e100], [2e100]])
    K, dK = rbf_kernel(x)
    assert np.all(np.isfinite(K)) and np.all(np.isfinite(dK))
    p = GaussianMixture([0.5, 0.5], [[0.0], [1.0]])
    assert np.isfinite(p.log_prob([[1e100]])).all() and np.isfinite(p.score([[1e100]])).all()


def test_goal_hit_counts_counts_every_known_goal():
    """goal_hit_counts counts indices 0..n_goals-1 exactly and ignores -1 (no goal)."""
    assert goal_hit_counts([3, 3, -1, 0, 1], n_goals=4).tolist() == [1, 1, 0, 2]
    assert goal_hit_counts([], n_goals=2).tolist() == [0, 0]


def test_inputs_are_not_modified():
    """SVGD.step, MLP.forward and ReplayBuffer.add leave the caller's arrays untouched."""
    x = np.random.default_rng(0).normal(size=(5, 2))
    before = x.copy()
    SVGD(lambda z: -z).step(x)
    MLP([2, 3, 1], seed=0).forward(x)
    ReplayBuffer(2, 2).add(x[0], x[1], 0.0, x[2], False)
    np.testing.assert_array_equal(x, before)


def test_q_values_in_reward_units_raise_instead_of_overflowing():
    """Q = alpha * (network output) beyond float64 raises naming alpha; DDPG's Q / c names reward_scale."""
    obs, act = np.zeros((3, 2)), np.full((3, 2), 0.5)
    sql = SoftQLearningAgent(2, 2, hidden=(4,), alpha=1.7e308, seed=0)
    sql.qf.params[-1][:] = 10.0                      # output bias 10: Q = 1.7e309
    with pytest.raises(ValueError, match="alpha"):
        sql.q_values(obs, act)
    ddpg = DDPGAgent(2, 2, hidden=(4,), reward_scale=1e-320, seed=0)
    ddpg.critic.params[-1][:] = 1.0
    with pytest.raises(ValueError, match="reward_scale"):
        ddpg.q_values(obs, act)


def test_mixture_variance_has_no_cancellation_far_from_the_origin():
    """Two unit Gaussians at 1e10 and 1e10 + 2 (equal weights) have variance exactly 1 + 1 = 2.

    The naive E[mu^2] - E[mu]^2 loses all digits here (1e20 - 1e20); the centred sum does not.
    """
    p = GaussianMixture([0.5, 0.5], [[1e10], [1e10 + 2.0]])
    assert p.variance()[0] == pytest.approx(2.0, abs=1e-12)
    assert p.mean()[0] == 1e10 + 1.0


def test_mixture_variance_beyond_float64_raises_naming_the_means():
    """Means 2e200 apart give a variance beyond float64: a ValueError naming means, not inf."""
    with pytest.raises(ValueError, match="means"):
        GaussianMixture([0.5, 0.5], [[-1e200], [1e200]]).variance()


def test_env_reward_overflow_raises_naming_the_coefficients():
    """An action cost of 1e308 times |a|^2 = 2 overflows: step raises naming action_cost_coeff, not reward -inf."""
    env = MultiGoalEnv(action_cost_coeff=1e308)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action_cost_coeff"):
        env.step([1.0, 1.0])


def test_goal_distance_is_exact_where_the_squares_overflow():
    """|(1e200, 0) - g| is 1e200 for every goal (the squares overflow; hypot does not)."""
    env = MultiGoalEnv()
    assert env.goal_distance([1e200, 0.0]) == pytest.approx(1e200, rel=1e-15)
    assert env.goal_index([1e200, 0.0]) == -1


# ---------------------------------------------------------------------- fuzz: hostile arrays
#: Finite extremes, the float64 edges, NaN and inf: what a careless or hostile caller passes.
HOSTILE_FLOATS = st.one_of(st.floats(-10, 10), st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e154, -1e200, 1e308,
                                                                 -1.7e308, np.nan, np.inf, -np.inf]))
_SHAPES = st.sampled_from([(2,), (3, 2), (1, 2), (0, 2), (3, 1), (2, 3), (2, 2, 2), ()])
HOSTILE = st.one_of(
    arrays(np.float64, _SHAPES, elements=HOSTILE_FLOATS),
    arrays(np.complex128, st.sampled_from([(2,), (3, 2)]), elements=st.complex_numbers(max_magnitude=10)),
    st.sampled_from(["ab", None, [[1.0, 2.0], [3.0]], [True, False], object()]),
)

_SQL, _DDPG = SoftQLearningAgent(2, 2, hidden=(4,), seed=0), DDPGAgent(2, 2, hidden=(4,), seed=0)
_MIX = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.0]])
_ENV = MultiGoalEnv()
_ENV.reset(seed=0)
ENTRY_POINTS = {
    "rbf_kernel": lambda x: rbf_kernel(x),
    "svgd_direction": lambda x: svgd_direction(x, np.zeros_like(x) if isinstance(x, np.ndarray) else x),
    "SVGD.step": lambda x: SVGD(lambda z: -z).step(x),
    "SVGD.step(score=x)": lambda x: SVGD(lambda z: x).step(np.ones((3, 2))),
    "GaussianMixture.score": lambda x: _MIX.score(x),
    "GaussianMixture.log_prob": lambda x: _MIX.log_prob(x),
    "GaussianMixture(means=x)": lambda x: GaussianMixture([1.0], x).variance(),
    "MLP.forward": lambda x: MLP_21.forward(x)[0],
    "Adam.step": lambda x: Adam([np.zeros(2)]).step([x]),
    "SoftQLearningAgent.act": lambda x: _SQL.act(x),
    "SoftQLearningAgent.q_values": lambda x: _SQL.q_values(x, x),
    "DDPGAgent.act": lambda x: _DDPG.act(x),
    "ReplayBuffer.add": lambda x: ReplayBuffer(2, 2).add(x, x, 0.0, x, False),
    "goal_hit_counts": lambda x: goal_hit_counts(x),
    "MultiGoalEnv.goal_distance": lambda x: _ENV.goal_distance(x),
    "MultiGoalEnv.reward": lambda x: _ENV.reward(x, x),
    "MultiGoalEnv(goals=x)": lambda x: MultiGoalEnv(goals=x).goals,
    "soft_value_estimate": lambda x: soft_value_estimate(x, 2),
}


def _all_finite(out) -> bool:
    if out is None:
        return True
    if isinstance(out, tuple):
        return all(_all_finite(o) for o in out)
    a = np.asarray(out)
    return a.dtype.kind not in "fc" or bool(np.all(np.isfinite(a)))


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
@settings(max_examples=60)
@given(x=HOSTILE)
def test_hostile_input_gives_a_named_error_or_a_finite_answer(name, x):
    """Any hostile array (NaN, inf, float64 edges, complex, strings, ragged, wrong shapes) either raises
    TypeError/ValueError, or the result is entirely finite: never inf/NaN silently, never another exception."""
    try:
        out = ENTRY_POINTS[name](x)
    except (TypeError, ValueError):
        return
    assert _all_finite(out), f"{name} returned non-finite output for finite-or-refused input {x!r}"


HOSTILE_SCALARS = st.one_of(HOSTILE_FLOATS, st.integers(-3, 3), st.sampled_from([True, "1", None, 1j, [1.0]]))


def _env_episode(**kwargs):
    env = MultiGoalEnv(render_mode="rgb_array", **kwargs)
    obs, _ = env.reset(seed=0)
    out = [obs] + list(env.step([1.0, -1.0])[:2])
    img = env.render()
    assert img.dtype == np.uint8
    return tuple(out)


def _svgd_run(**kwargs):
    return SVGD(lambda z: -z, **kwargs).run(np.random.default_rng(0).normal(size=(4, 2)), 3)


def _sql_step(**kwargs):
    agent = SoftQLearningAgent(2, 2, hidden=(4,), batch_size=2, min_replay=2, **kwargs)
    batch = Batch(np.zeros((2, 2)), np.zeros((2, 2)), np.ones(2), np.zeros((2, 2)), np.zeros(2, bool))
    return agent.train_step(batch), agent.q_values(np.zeros(2), np.zeros(2)), agent.act(np.zeros(2))


SCALAR_ENTRY_POINTS = {
    **{f"MultiGoalEnv({k})": (lambda k: lambda v: _env_episode(**{k: v}))(k)
       for k in ("action_cost_coeff", "distance_cost_coeff", "goal_reward", "goal_threshold", "init_sigma",
                 "bound", "dynamics_noise", "max_episode_steps")},
    **{f"SVGD({k})": (lambda k: lambda v: _svgd_run(**{k: v}))(k) for k in ("step_size", "bandwidth", "decay")},
    **{f"SoftQLearningAgent({k})": (lambda k: lambda v: _sql_step(**{k: v}))(k)
       for k in ("alpha", "gamma", "q_lr", "policy_lr", "svgd_update_ratio")},
    "Adam(lr)": lambda v: Adam([np.zeros(2)], lr=v).step([np.ones(2)]),
    "GaussianMixture(var)": lambda v: (GaussianMixture([1.0], [[0.0]], var=v).score([[1.0]]),
                                       GaussianMixture([1.0], [[0.0]], var=v).variance()),
    "rbf_kernel(bandwidth)": lambda v: rbf_kernel(np.eye(3), bandwidth=v),
}


@pytest.mark.parametrize("name", sorted(SCALAR_ENTRY_POINTS))
@settings(max_examples=40)
@given(v=HOSTILE_SCALARS)
def test_hostile_scalar_gives_a_named_error_or_a_finite_answer(name, v):
    """A hostile hyperparameter (NaN, inf, float64 edges, negatives, bools, strings, complex, lists) either
    raises TypeError/ValueError at once or in use, or everything computed with it is finite."""
    try:
        out = SCALAR_ENTRY_POINTS[name](v)
    except (TypeError, ValueError):
        return
    assert _all_finite(out), f"{name} = {v!r} gave a non-finite result"


def test_mixture_with_a_huge_variance_has_a_finite_log_density():
    """var = 1e308: log p(0) = -log(2 pi var) / 2 in 1-D, finite (2 pi var alone would overflow)."""
    p = GaussianMixture([1.0], [[0.0]], var=1e308)
    assert p.log_prob([[0.0]])[0] == pytest.approx(-0.5 * (np.log(2 * np.pi) + np.log(1e308)), rel=1e-14)

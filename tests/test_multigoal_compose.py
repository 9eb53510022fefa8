"""Composition of learned continuous policies: SumQFunction, compose_agents, the combined task, the demo."""

import numpy as np
import pytest

from discrete_softq.continuous import MLP, MultiGoalEnv, ReplayBuffer, SoftQLearningAgent, train
from discrete_softq.continuous.compose import SumQFunction, compose_agents
from discrete_softq.continuous.replay import UnionBuffer
from discrete_softq.envs.multigoal import GOALS
from discrete_softq.experiments.multigoal_compose import CombinedTaskEnv


def test_sum_q_input_gradient_matches_finite_differences():
    """SumQFunction.input_gradient equals central finite differences of w1 Q1 + w2 Q2 (float64 networks)."""
    q1, q2 = MLP([4, 16, 1], "tanh", seed=0), MLP([4, 16, 1], "tanh", seed=1)
    qs = SumQFunction([q1, q2], weights=[0.3, 0.7])
    x = np.random.default_rng(0).normal(size=(5, 4))
    _, cache = qs.forward(x)
    grad = qs.input_gradient(cache, np.ones((5, 1)))
    h, fd = 1e-6, np.zeros_like(x)
    for j in range(4):
        e = np.zeros(4)
        e[j] = h
        fd[:, j] = (qs(x + e)[:, 0] - qs(x - e)[:, 0]) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(qs(x), 0.3 * q1(x) + 0.7 * q2(x))


def test_sum_q_refuses_networks_of_different_shapes():
    """Q networks with different input sizes cannot be summed (ValueError naming q_functions)."""
    with pytest.raises(ValueError, match="q_functions"):
        SumQFunction([MLP([4, 3, 1], seed=0), MLP([3, 3, 1], seed=0)])


def test_union_buffer_samples_uniformly_over_all_transitions():
    """A union of buffers holding 1 and 3 transitions draws from the first a quarter of the time."""
    a, b = ReplayBuffer(1, 1), ReplayBuffer(1, 1)
    a.add([0.0], [0.0], 0.0, [0.0], False)
    for _ in range(3):
        b.add([1.0], [0.0], 0.0, [1.0], False)
    obs = np.concatenate([UnionBuffer([a, b]).sample(4, np.random.default_rng(k)).obs[:, 0] for k in range(2000)])
    assert abs(np.mean(obs == 0.0) - 0.25) < 0.01


class QuadraticQ:
    """Q(s, a)/alpha = -|a - c|^2 / (2 s^2): exp(Q/alpha) is a Gaussian N(c, s^2 I) on the action square."""

    def __init__(self, centre, scale=0.2):
        self.c, self.s2 = np.asarray(centre, float), scale**2
        self.sizes, self.dtype = [4, 1], np.dtype(np.float64)

    def forward(self, x):
        x = np.asarray(x, float)
        return -np.sum((x[..., 2:] - self.c) ** 2, axis=-1, keepdims=True) / (2 * self.s2), x

    def __call__(self, x):
        return self.forward(x)[0]

    def input_gradient(self, x, dy):
        g = np.zeros_like(x)
        g[..., 2:] = -(x[..., 2:] - self.c) / self.s2 * dy
        return g


def _parts(n_transitions=64):
    parts = [SoftQLearningAgent(2, 2, hidden=(32, 32), batch_size=32, min_replay=32, policy_lr=3e-3, seed=k)
             for k in (0, 1)]
    rng = np.random.default_rng(0)
    for part in parts:
        for _ in range(n_transitions):
            s = rng.uniform(-1, 1, 2)
            part.buffer.add(s, rng.uniform(-1, 1, 2), 0.0, s, False)
    return parts


def test_composed_sampler_targets_the_average_of_the_two_q_functions():
    """With Q1/alpha, Q2/alpha quadratics centred at (0.5, 0) and (0, 0.5), exp(mean Q / alpha) is
    N((0.25, 0.25), 0.2^2 I); the composed sampler's actions end up with that mean (closed form)."""
    parts = _parts()
    parts[0].qf, parts[1].qf = QuadraticQ([0.5, 0.0]), QuadraticQ([0.0, 0.5])
    composed = compose_agents(*parts, n_sampler_steps=400, seed=0)
    actions = composed.sample_actions(np.zeros(2), 2000)
    np.testing.assert_allclose(actions.mean(axis=0), [0.25, 0.25], atol=0.06)
    assert 0.1 < actions.std(axis=0).mean() < 0.3


def test_composition_takes_zero_environment_steps_and_leaves_the_parts_alone(monkeypatch):
    """compose_agents calls no env.step (counted on MultiGoalEnv), adds nothing to the parts' buffers,
    and changes neither part's Q network."""
    parts = [SoftQLearningAgent(2, 2, hidden=(8,), batch_size=16, min_replay=16, seed=k) for k in (0, 1)]
    for k, part in enumerate(parts):
        train(MultiGoalEnv(goals=GOALS[[0, 2]] if k == 0 else GOALS[[2, 1]]), part, n_steps=40, seed=k)
    sizes = [len(p.buffer) for p in parts]
    params = [[w.copy() for w in p.qf.params] for p in parts]
    calls = []
    original = MultiGoalEnv.step
    monkeypatch.setattr(MultiGoalEnv, "step", lambda self, a: calls.append(1) or original(self, a))
    composed = compose_agents(*parts, n_sampler_steps=20, seed=0)
    assert calls == [] and composed.n_env_steps == 0
    assert [len(p.buffer) for p in parts] == sizes and len(composed.buffer) == sum(sizes)
    for p, before in zip(parts, params):
        assert all(np.array_equal(w, b) for w, b in zip(p.qf.params, before))
    q = composed.q_values(np.zeros((3, 2)), np.zeros((3, 2)))
    np.testing.assert_allclose(q, (parts[0].q_values(np.zeros((3, 2)), np.zeros((3, 2)))
                                   + parts[1].q_values(np.zeros((3, 2)), np.zeros((3, 2)))) / 2, rtol=1e-5)


def test_compose_refuses_agents_with_different_temperatures():
    """Q networks hold Q / alpha: agents with different alpha are refused (ValueError naming alpha)."""
    a, b = (SoftQLearningAgent(2, 2, hidden=(4,), alpha=x, seed=0) for x in (1.0, 2.0))
    with pytest.raises(ValueError, match="alpha"):
        compose_agents(a, b, n_sampler_steps=0)


def test_combined_task_reward_is_the_average_of_the_subtask_rewards():
    """On random transitions the combined reward is (r_EN + r_NW)/2, each from the env's formula by hand:
    -(30 |a|^2 + min_g |s' - g|^2) + 10 at a goal of the sub-task."""
    env, rng = CombinedTaskEnv(), np.random.default_rng(0)
    for _ in range(30):
        start = rng.uniform(-6, 6, 2)
        env.reset(seed=0, options={"position": start})
        a = rng.uniform(-1, 1, 2)
        nxt, r, terminated, _, info = env.step(a)
        by_hand = []
        for goals in (GOALS[[0, 2]], GOALS[[2, 1]]):
            d = np.min(np.linalg.norm(nxt - goals, axis=1))
            by_hand.append(-(30 * a @ a + d**2) + 10.0 * (d < 1.0))
        assert r == pytest.approx(np.mean(by_hand))
        assert terminated == (info["goal"] in (0, 1, 2)) and info["goal"] != 3


def test_multigoal_compose_demo_runs_quick(tmp_path, capsys):
    """``demo multigoal_compose --quick`` exits 0, prints the North shares and 0 new env steps, writes its figure."""
    from discrete_softq.demos.multigoal_compose import main

    assert main(["--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "multigoal_compose.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "ending at North" in out and "composed: 0 new env steps" in out

"""Pre-training on the point mass: the general task's reward, the network copy, the threshold measure, the demo.

These tests check that the experiment measures what it says it measures; the measured result
(which start fine-tunes fastest) is reported by the demo, not asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest

from discrete_softq.continuous import DDPGAgent, SoftQLearningAgent
from discrete_softq.continuous.replay import ReplayBuffer
from discrete_softq.envs.multigoal import MultiGoalEnv
from discrete_softq.experiments.pointmass_pretraining import (
    CONDITIONS,
    PointMassPretrainingConfig,
    SpeedReward,
    copy_networks,
    direction_spread,
    run_pointmass_pretraining,
    steps_to_threshold,
)

TINY = PointMassPretrainingConfig(n_seeds=3, pretrain_steps=40, finetune_steps=40, eval_every=20, n_eval=2,
                                  hidden=(4,), min_replay=8, batch_size=8, svgd_particles=4, n_boot=100)


@pytest.fixture(scope="module")
def result():
    return run_pointmass_pretraining(TINY, seed=3)


# ---------------------------------------------------------------- the general task
def test_speed_reward_is_the_capped_distance_moved():
    """From random positions and random actions (some beyond the box), the reward is c * min(|s' - s|, 1) with
    s' = clip(s + clip(a), -7, 7), computed here by hand; nothing terminates and no goal is reported."""
    rng = np.random.default_rng(0)
    env = SpeedReward(MultiGoalEnv(), speed_reward=7.0)
    for _ in range(200):
        start = rng.uniform(-7.5, 7.5, size=2).clip(-7, 7)
        env.reset(seed=1, options={"position": start})
        action = rng.uniform(-1.5, 1.5, size=2)
        obs, reward, terminated, truncated, info = env.step(action)
        expected_next = np.clip(start + np.clip(action, -1, 1), -7, 7)
        assert np.allclose(obs, expected_next)
        assert reward == pytest.approx(7.0 * min(np.linalg.norm(expected_next - start), 1.0))
        assert not terminated and info["goal"] == -1


def test_every_direction_pays_the_same_and_walls_pay_less():
    """A unit move pays c in each of 16 directions (the cap removes the box corners' advantage: (1, 1) pays c,
    not sqrt(2) c); pushing into the wall at x = 7 pays nothing; passing over a goal does not end the episode."""
    env = SpeedReward(MultiGoalEnv(), speed_reward=30.0)
    for theta in np.linspace(0, 2 * np.pi, 16, endpoint=False):
        env.reset(seed=0, options={"position": [0.0, 0.0]})
        assert env.step([np.cos(theta), np.sin(theta)])[1] == pytest.approx(30.0)
    env.reset(seed=0, options={"position": [0.0, 0.0]})
    assert env.step([1.0, 1.0])[1] == pytest.approx(30.0)
    env.reset(seed=0, options={"position": [7.0, 0.0]})
    assert env.step([1.0, 0.0])[1] == 0.0
    env.reset(seed=0, options={"position": [4.5, 0.0]})
    assert env.step([0.5, 0.0])[2] is False           # (5, 0) is a goal of the wrapped env


def test_speed_reward_keeps_the_time_limit_and_refuses_bad_input():
    """Episodes are truncated after the wrapped env's 30 steps, also when the 30th step ends on a goal of the wrapped
    env (which would not truncate it), and a reset restarts the count; a non-MultiGoalEnv or c <= 0 is refused."""
    env = SpeedReward(MultiGoalEnv())
    for start, action in (([0.0, 0.0], [0.1, 0.0]), ([2.0, 0.0], [0.1, 0.0])):   # the second reaches (5, 0) at 30
        env.reset(seed=0, options={"position": start})
        flags = [env.step(action)[3] for _ in range(30)]
        assert flags == [False] * 29 + [True]
    with pytest.raises(TypeError, match="env"):
        SpeedReward("not an env")
    with pytest.raises(ValueError, match="speed_reward"):
        SpeedReward(MultiGoalEnv(), speed_reward=0.0)


# ---------------------------------------------------------------- the network copy
def _sql(seed, hidden=(5,)):
    return SoftQLearningAgent(2, 2, hidden=hidden, batch_size=4, min_replay=4, svgd_particles=4, seed=seed)


def _ddpg(seed):
    return DDPGAgent(2, 2, hidden=(5,), batch_size=4, min_replay=4, seed=seed)


def _trained(agent, n=20, seed=0):
    """An agent whose networks moved away from their initialisation (a few gradient steps on random data)."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        agent.update(rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2), float(rng.normal()), rng.uniform(-1, 1, 2), False)
    return agent


@pytest.mark.parametrize("kind", ["sql", "ddpg"])
def test_fine_tuning_starts_from_exactly_the_pretrained_parameters(kind):
    """After copy_networks every network of the fresh agent (targets included) equals the source's bit for bit, in
    its own arrays (no aliasing), which its fresh optimisers (step 0) train; its replay buffer stays empty; and a
    gradient step changes the copy but not the source."""
    make = _sql if kind == "sql" else _ddpg
    names = ("qf", "target_qf", "policy") if kind == "sql" else ("actor", "critic", "target_actor", "target_critic")
    source, target = _trained(make(0)), make(1)
    assert not np.array_equal(getattr(source, names[0]).params[0], getattr(target, names[0]).params[0])
    before = {n: [p.copy() for p in getattr(source, n).params] for n in names}
    copy_networks(source, target)
    for n in names:
        for p, q in zip(getattr(target, n).params, getattr(source, n).params):
            assert np.array_equal(p, q) and p is not q and p.dtype == q.dtype
    optimizers = (target.q_optimizer, target.policy_optimizer) if kind == "sql" else \
        (target.critic_optimizer, target.actor_optimizer)
    owners = (target.qf, target.policy) if kind == "sql" else (target.critic, target.actor)
    for opt, net in zip(optimizers, owners):
        assert opt.t == 0 and all(a is b for a, b in zip(opt.params, net.params))
    assert isinstance(target.buffer, ReplayBuffer) and len(target.buffer) == 0
    _trained(target, n=6, seed=5)
    assert not np.array_equal(getattr(target, names[0]).params[0], before[names[0]][0])
    for n in names:
        assert all(np.array_equal(p, q) for p, q in zip(getattr(source, n).params, before[n]))


def test_copied_sql_agent_acts_like_its_source():
    """With the same random stream, the fine-tuning agent's first sampled actions are the pre-trained agent's;
    copying only the sampler ("policy") leaves the fresh Q network as it was."""
    source, target, partial = _trained(_sql(0)), _sql(1), _sql(2)
    copy_networks(source, target)
    source.rng, target.rng = np.random.default_rng(9), np.random.default_rng(9)
    assert np.array_equal(source.sample_actions(np.zeros(2), 7), target.sample_actions(np.zeros(2), 7))
    fresh_q = [p.copy() for p in partial.qf.params]
    copy_networks(source, partial, ("policy",))
    assert all(np.array_equal(p, q) for p, q in zip(partial.policy.params, source.policy.params))
    assert all(np.array_equal(p, q) for p, q in zip(partial.qf.params, fresh_q))


def test_copy_networks_refuses_mismatched_agents():
    """An SQL source for a DDPG target, an unknown network name, or other widths are refused."""
    sql = _sql(0)
    with pytest.raises(TypeError, match="source and target"):
        copy_networks(sql, _ddpg(0))
    with pytest.raises(ValueError, match="names"):
        copy_networks(sql, _sql(1), ("actor",))
    with pytest.raises(ValueError, match="sizes"):
        copy_networks(sql, _sql(1, hidden=(6,)))


# ---------------------------------------------------------------- the measures
def test_steps_to_threshold_is_the_first_crossing_of_a_constructed_curve():
    """First evaluation at or above the threshold (a later dip does not undo it, exactly the threshold counts, a
    crossing at step 0 gives 0); a curve that never reaches it gives inf."""
    steps = [0, 100, 200, 300, 400]
    curves = [[0.0, 0.3, 0.8, 0.2, 0.9],    # reaches 0.8 at 200 exactly, then dips
              [0.9, 0.0, 0.0, 0.0, 0.0],    # already there at step 0
              [0.1, 0.7, 0.79, 0.7, 0.6],   # never
              [0.0, 0.0, 0.0, 0.0, 1.0]]    # on the last evaluation
    assert steps_to_threshold(steps, curves, 0.8).tolist() == [200.0, 0.0, np.inf, 400.0]
    assert steps_to_threshold(steps, curves[0], 0.3).tolist() == [100.0]
    with pytest.raises(ValueError, match="success"):
        steps_to_threshold(steps, [[0.1, 0.2]], 0.8)


def test_direction_spread_of_known_sets():
    """Resultant length: 1 for one direction whatever the speeds, 0 for n equally spaced directions, and about
    1/sqrt(n) for n random directions (Monte Carlo, 4000 directions)."""
    assert direction_spread([[0.5, 0.5], [1.0, 1.0], [0.1, 0.1]]) == pytest.approx(1.0)
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    assert direction_spread(np.c_[np.cos(angles), np.sin(angles)]) == pytest.approx(0.0, abs=1e-12)
    theta = np.random.default_rng(0).uniform(0, 2 * np.pi, 4000)
    assert direction_spread(np.c_[np.cos(theta), np.sin(theta)]) < 4 / np.sqrt(4000)


def test_the_result_measures_what_it_reports(result):
    """Every condition has n_seeds curves of success rates in steps of 1/n_eval from step 0; steps to threshold,
    mean success and the paired differences (capped at the budget) are computed from those curves."""
    n, k, cap = TINY.n_seeds, TINY.finetune_steps // TINY.eval_every + 1, TINY.finetune_steps
    assert result.labels == tuple(label for label, _, _ in CONDITIONS)
    assert result.eval_steps.tolist() == list(range(0, cap + 1, TINY.eval_every))
    for label in result.labels:
        s = result.success[label]
        assert s.shape == (n, k) and np.allclose(s * TINY.n_eval, np.round(s * TINY.n_eval))
        expected = steps_to_threshold(result.eval_steps, s, TINY.threshold)
        assert np.array_equal(result.steps_to_threshold[label], expected)
        assert np.allclose(result.mean_success[label], s.mean(axis=1))
    a, b = result.labels[0], result.labels[2]
    diff = np.minimum(result.steps_to_threshold[a], cap) - np.minimum(result.steps_to_threshold[b], cap)
    assert result.paired_difference(a, b).value == pytest.approx(diff.mean())
    assert set(result.pretrain_speed) == set(result.pretrain_spread) == {"sql", "ddpg"}
    assert all(v.shape == (n,) for v in result.pretrain_spread.values())
    assert all(0.0 <= v.min() and v.max() <= 1.0 + 1e-9 for v in result.pretrain_speed.values())


def test_same_seed_same_result(result):
    """The experiment is a function of its seed: a second run reproduces every curve."""
    again = run_pointmass_pretraining(TINY, seed=3)
    for label in result.labels:
        assert np.array_equal(again.success[label], result.success[label])


def test_config_refuses_a_budget_that_is_not_a_multiple_of_eval_every():
    """finetune_steps must be a multiple of eval_every (every curve ends at the budget)."""
    with pytest.raises(ValueError, match="finetune_steps"):
        PointMassPretrainingConfig(finetune_steps=150, eval_every=100)


# ---------------------------------------------------------------- the demo
def test_the_demo_runs_quick_and_refuses_bad_values(tmp_path, capsys):
    """``pointmass_pretraining --quick`` prints the table and writes the figure; a bad value exits with status 2."""
    from discrete_softq.demos.pointmass_pretraining import main

    assert main(["--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "steps to threshold" in out and all(label in out for label, _, _ in CONDITIONS)
    assert (tmp_path / "pointmass_pretraining.png").stat().st_size > 0
    with pytest.raises(SystemExit) as stop:
        main(["--finetune-steps", "150", "--eval-every", "100"])
    assert stop.value.code == 2

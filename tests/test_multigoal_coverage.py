"""The measures behind the Figure 1 claims (clusters of sampled actions, coverage), and DDPG's OU noise.

The expensive claim -- SQL's default run covers all four goals on 5 of 5 seeds, with its return
compared to DDPG's -- is printed by ``python -m discrete_softq.demo multigoal`` (5 seeds by
default) and ``benchmarks/bench_continuous.py``; here the measures are checked on constructed
samplers with known answers, and the pipeline on a short run.
"""

import numpy as np
import pytest

from discrete_softq.continuous import DDPGAgent, MultiGoalEnv, train
from discrete_softq.experiments.multigoal import (
    CLUSTER_STATES,
    DDPG_DEFAULTS,
    DEFAULT_STEPS,
    action_clusters,
    compare_over_seeds,
    mean_shift_modes,
    sector_shares,
)


class Sampler:
    """A stand-in for the SQL sampler: ``sample_actions(obs, n)`` draws from a given function of (rng, n)."""

    def __init__(self, draw, seed=0):
        self.draw, self.rng = draw, np.random.default_rng(seed)

    def sample_actions(self, obs, n):
        return np.clip(self.draw(self.rng, n), -1, 1)


def _blobs(centres, std=0.12):
    centres = np.asarray(centres, float)
    return Sampler(lambda rng, n: centres[rng.integers(0, len(centres), n)] + std * rng.normal(size=(n, 2)))


ORIGIN, CORNER = CLUSTER_STATES[0], CLUSTER_STATES[1]


def test_default_run_stays_within_the_step_budget():
    """The default training length is at most 20,000 environment steps."""
    assert DEFAULT_STEPS <= 20_000


def test_sector_share_of_uniform_actions_matches_the_closed_form():
    """Uniform actions on the square: the share within 22.5 degrees of an axis is tan(22.5 deg) / 4 = 0.1036."""
    a = np.random.default_rng(0).uniform(-1, 1, (200_000, 2))
    np.testing.assert_allclose(sector_shares((0, 0), a, (0, 1, 2, 3)), np.tan(np.pi / 8) / 4, atol=3e-3)


def test_mean_shift_finds_the_planted_modes():
    """Three well-separated Gaussian blobs with shares 0.5, 0.3, 0.2: three modes at their centres, those shares."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.6, 0.0], [-0.6, 0.0], [0.0, 0.6]])
    x = np.concatenate([c + 0.08 * rng.normal(size=(n, 2)) for c, n in zip(centres, (250, 150, 100))])
    found, shares = mean_shift_modes(x)
    np.testing.assert_allclose(shares, [0.5, 0.3, 0.2], atol=0.01)
    np.testing.assert_allclose(found, centres, atol=0.03)


def test_four_goal_clusters_at_the_origin_are_recognised():
    """Four blobs aimed at E, W, N, S: four modes, one per goal, and each goal sector holds about a quarter."""
    res = action_clusters(_blobs([[0.6, 0], [-0.6, 0], [0, 0.6], [0, -0.6]]), *ORIGIN)
    assert res.clustered and sorted(res.mode_goals.tolist()) == [0, 1, 2, 3]
    assert np.all(res.sector_shares > 0.2)


def test_uniform_and_corner_samples_are_not_clusters():
    """Uniform actions, and tanh-squashed wide Gaussians (piling up in the corners), are not the paper's clusters."""
    uniform = Sampler(lambda rng, n: rng.uniform(-1, 1, (n, 2)))
    corners = Sampler(lambda rng, n: np.tanh(0.8 * rng.normal(size=(n, 2))))
    for sampler in (uniform, corners):
        res = action_clusters(sampler, *ORIGIN)
        assert not res.clustered and res.goals_with_a_mode < 4, res.report()


def test_two_clusters_at_two_and_a_half_two_and_a_half():
    """At (2.5, 2.5), blobs toward North (up-left) and East (down-right) are two aimed modes; one blob is not enough."""
    both = action_clusters(_blobs([[-0.45, 0.45], [0.45, -0.45]]), *CORNER)
    north_only = action_clusters(_blobs([[-0.45, 0.45]]), *CORNER)
    assert both.clustered and sorted(both.mode_goals.tolist()) == [0, 2]
    assert not north_only.clustered and north_only.mode_goals.tolist() == [2]


def test_ou_noise_has_the_stationary_spread_and_memory_of_the_formula():
    """DDPG's OU noise n <- (1 - theta) n + sigma eps: stationary std sigma / sqrt(theta (2 - theta)),
    lag-1 autocorrelation 1 - theta."""
    agent = DDPGAgent(2, 2, hidden=(4,), noise="ou", noise_std=0.3, ou_theta=0.15, seed=0)
    x = np.array([agent.exploration_noise() for _ in range(40_000)])[1000:, 0]
    assert x.std() == pytest.approx(0.3 / np.sqrt(0.15 * 1.85), rel=0.06)
    assert np.corrcoef(x[1:], x[:-1])[0, 1] == pytest.approx(0.85, abs=0.02)


def test_train_resets_the_ou_noise_at_every_episode_end():
    """train() calls end_episode() once per finished episode: the OU state is 0 after each one."""
    agent = DDPGAgent(2, 2, hidden=(4,), noise="ou", min_replay=1000, seed=0)
    ends = []
    original = agent.end_episode
    agent.end_episode = lambda: ends.append(1) or original()
    history = train(MultiGoalEnv(), agent, n_steps=95, seed=0)
    assert len(ends) == len(history.episode_returns) >= 3
    assert DDPG_DEFAULTS["noise"] == "ou"


def test_short_run_reports_per_seed_coverage_returns_and_clusters():
    """A short two-seed run: one comparison per seed, SQL's clusters at each cluster state, and a report
    with the coverage count and the SQL / DDPG return ratio."""
    study = compare_over_seeds((0, 1), n_steps=250, n_rollouts=4, n_samples=5, hidden=(16, 16))
    assert [len(c.clusters) for c in study.comparisons] == [len(CLUSTER_STATES)] * 2
    assert study.mean_returns("sql").shape == (2,) and np.all(study.mean_returns("ddpg") < 0)
    text = study.report()
    assert "reaches all four goals" in text and "SQL / DDPG" in text and "clustered as the paper" in text

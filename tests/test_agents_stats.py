"""Seed statistics: bootstrap intervals and the recovery measures, on hand-checkable inputs."""

import numpy as np
import pytest

from discrete_softq.agents.stats import bootstrap_band, bootstrap_ci, first_short_episode, recovery_time


def test_bootstrap_interval_of_a_mean_has_the_normal_width():
    """For n = 400 standard normal draws the 95% interval of the mean is about 2 * 1.96 / sqrt(n) wide and holds the mean."""
    x = np.random.default_rng(0).standard_normal(400)
    est = bootstrap_ci(x, seed=1)
    assert est.low <= est.value <= est.high
    assert est.high - est.low == pytest.approx(2 * 1.96 / 20, rel=0.2)


def test_bootstrap_median_with_censored_seeds():
    """A median over seeds stays finite when fewer than half never recover (inf), and is inf when most do not."""
    assert np.isfinite(bootstrap_ci([1.0, 2.0, 3.0, np.inf], np.median).value)
    assert np.isinf(bootstrap_ci([1.0, np.inf, np.inf], np.median).value)


def test_bootstrap_band_brackets_the_mean_curve():
    """The pointwise band contains the mean curve at every point."""
    curves = np.cumsum(np.random.default_rng(2).standard_normal((20, 50)), axis=1)
    mean, lo, hi = bootstrap_band(curves)
    assert np.all(lo <= mean) and np.all(mean <= hi)


# episodes: (end step, length, terminated); the change is at step 100, the new shortest path is 10 steps
ENDS = np.array([95, 110, 130, 150, 162, 174, 186, 250])
LENGTHS = np.array([20, 15, 20, 20, 12, 12, 12, 64])
TERMINATED = np.array([True, True, True, True, True, True, False, True])


def test_recovery_is_the_end_of_the_first_run_of_k_good_episodes():
    """Good = reaches the goal within ceil(1.25 * 10) = 13 steps; episode 1 started before the change
    and does not count; the first 2 good in a row end at step 174, i.e. 74 steps after the change."""
    assert recovery_time(ENDS, LENGTHS, TERMINATED, 100, 10, k=2, margin=0.25) == 74.0


def test_a_truncated_episode_breaks_the_run():
    """With k = 3 the third short episode was truncated (no goal), so there is no recovery: inf."""
    assert recovery_time(ENDS, LENGTHS, TERMINATED, 100, 10, k=3, margin=0.25) == np.inf


def test_shortcut_is_found_at_the_first_episode_shorter_than_the_old_path():
    """With the old shortest path 13, the first goal episode shorter than 13 (started after the change) ends at 162."""
    assert first_short_episode(ENDS, LENGTHS, TERMINATED, 100, shorter_than=13) == 62.0

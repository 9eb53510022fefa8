"""The max-ent pre-training experiment: protocol checks on a tiny run (4 seeds, short budgets).

These tests check that the experiment measures what it says it measures; the measured result
itself (which initialisation fine-tunes fastest) is reported by the demo, not asserted here.
"""

import numpy as np
import pytest

from discrete_softq.experiments.pretraining import (
    CONDITIONS,
    PretrainingConfig,
    PretrainingResult,
    run_pretraining_experiment,
)

TINY = PretrainingConfig(n_seeds=4, pretrain_steps=2_000, finetune_steps=1_000, eval_every=250,
                         early_steps=500, n_boot=200)


@pytest.fixture(scope="module")
def result() -> PretrainingResult:
    return run_pretraining_experiment(TINY, seed=1)


def test_every_condition_has_one_row_per_seed(result):
    """Each of the six conditions has n_seeds rows: curves over windows/snapshots, one number per seed."""
    n, k = TINY.n_seeds, TINY.finetune_steps // TINY.eval_every
    assert result.labels == tuple(label for label, _, _ in CONDITIONS)
    for label in result.labels:
        assert result.reward_rate[label].shape == (n, k)
        assert result.greedy_value[label].shape == (n, k + 1)
        assert result.steps_to_threshold[label].shape == (n,)
        assert result.early_reward[label].shape == (n,)


def test_fine_tuning_starts_from_the_given_q_table(result):
    """At step 0 both learners hold the same table for the same initialisation, so their greedy values agree;
    from scratch the table is all zeros, whose greedy policy is uniform: the same for every seed."""
    for init in ("max-ent init", "hard init", "from scratch"):
        assert np.array_equal(result.greedy_value[f"SQL, {init}"][:, 0], result.greedy_value[f"QL, {init}"][:, 0])
    scratch = result.greedy_value["SQL, from scratch"][:, 0]
    assert np.all(scratch == scratch[0])


def test_greedy_steps_to_threshold_is_the_first_crossing(result):
    """greedy_steps_to_threshold is the first evaluation step whose greedy value reaches the threshold (inf if none)."""
    for label in result.labels:
        values, steps = result.greedy_value[label], result.greedy_steps_to_threshold[label]
        for v, s in zip(values, steps):
            hit = np.flatnonzero(v >= TINY.greedy_threshold - 1e-12)
            assert s == (result.eval_steps[hit[0]] if hit.size else np.inf)


def test_greedy_values_are_relative_to_the_optimum(result):
    """Greedy values are V_greedy(start) / V*(start): between 0 and 1, since nothing beats the optimal policy."""
    for values in result.greedy_value.values():
        assert np.all(values >= -1e-12) and np.all(values <= 1 + 1e-9)


def test_reward_rate_is_bounded_by_the_shortest_path(result):
    """Reward 1 per paying exit, at least shortest_path steps per episode: reward per step <= 1 / shortest_path (+ one
    episode straddling a window edge)."""
    bound = 1.0 / result.shortest_path + 1.0 / TINY.eval_every
    assert result.shortest_path == 6
    for rate in result.reward_rate.values():
        assert np.all((rate >= 0) & (rate <= bound))


def test_same_seed_same_result(result):
    """The experiment is a function of its seed: a second run reproduces every number."""
    again = run_pretraining_experiment(TINY, seed=1)
    for label in result.labels:
        assert np.array_equal(again.reward_rate[label], result.reward_rate[label])
        assert np.array_equal(again.steps_to_threshold[label], result.steps_to_threshold[label])


def test_estimates_bracket_their_statistic(result):
    """Every bootstrap interval contains the statistic it is built around."""
    for per_measure in result.estimates().values():
        for e in per_measure.values():
            assert e.low <= e.value <= e.high


@pytest.mark.parametrize("name, value", [("n_seeds", 0), ("eval_every", -1), ("finetune_steps", 1_001),
                                         ("greedy_threshold", 1.5)])
def test_bad_config_names_the_parameter(name, value):
    """A bad hyperparameter raises ValueError naming it."""
    with pytest.raises(ValueError, match=name):
        PretrainingConfig(**{name: value})

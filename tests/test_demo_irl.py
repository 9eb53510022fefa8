"""The IRL study and its demo: the measured claims hold on a small budget, the command line is one-line-strict."""

from __future__ import annotations

import subprocess
import sys

import pytest

from discrete_softq.experiments.irl import IRLConfig, run_irl


@pytest.fixture(scope="module")
def study():
    return run_irl(IRLConfig(trajectories=(10, 300), n_seeds=3))


def test_exact_occupancy_recovers_the_policy_and_its_return(study):
    """Where the expert goes, the recovered reward's soft-optimal policy is the expert's (KL < 1e-6), and its
    return under the true reward is the expert's."""
    assert study.exact_max_kl < 1e-6
    assert abs(study.recovered_return - study.expert_return) < 1e-6


def test_shaping_changes_the_reward_but_not_the_policy(study):
    """Potential-based shaping: a different reward map, the same soft-optimal policy (non-identifiability)."""
    assert abs(study.shaped_reward - study.recovered_reward).max() > 0.5
    assert study.shaping_policy_change < 1e-9


def test_more_demonstrations_give_a_smaller_gap(study):
    """The mean occupancy-weighted KL over seeds falls from 10 to 300 demonstrations."""
    assert study.sampled_kl[300].value < study.sampled_kl[10].value
    assert "300 trajectories" in study.report()


def test_the_demo_runs_quick_and_refuses_bad_values(tmp_path):
    """``demo irl --quick`` writes irl.png; an invalid option exits 2 with one line naming it."""
    done = subprocess.run([sys.executable, "-m", "discrete_softq.demo", "irl", "--quick", "--no-progress",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "irl.png").exists() and "MCE IRL" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "discrete_softq.demo", "irl", "--alpha", "-1"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--alpha" in bad.stderr

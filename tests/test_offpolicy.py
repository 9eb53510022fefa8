"""The off-policy study (issue 14, section 3): claims of experiments/offpolicy.py on small budgets, and its demo.

The oracle is the exact soft Q* of soft Q-iteration on each task's model: GridWorld.to_mdp() for the
3x4 layout, discrete_softq.envs.from_gymnasium for FrozenLake, whose agent is trained by train() on
gymnasium's real FrozenLake-v1.
"""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

from discrete_softq import soft_q_iteration, value_iteration
from discrete_softq.agents import InverseCount, SoftQLearning, train
from discrete_softq.envs import from_gymnasium
from discrete_softq.experiments.offpolicy import OffPolicyConfig, relative_error, run_offpolicy


@pytest.fixture(scope="module")
def study():
    return run_offpolicy(OffPolicyConfig(n_seeds=3, grid_steps=20_000, lake_steps=500, model_samples=20_000, epsilons=(0.5,)))


def test_uniform_behaviour_beats_on_policy_on_the_grid(study):
    """On the 3x4 layout after 20,000 steps, every uniform-behaviour seed is within 10% of max|Q*| and every
    on-policy seed is still off by more than 90% (a target that ignored the behaviour's support, or a
    behaviour option that did nothing, would break one side)."""
    labels = study.grid.labels
    uniform, on_policy = study.grid.errors[labels.index("uniform"), :, -1], study.grid.errors[0, :, -1]
    assert labels[0] == "on-policy"
    assert uniform.max() < 0.1 and on_policy.min() > 0.9


def test_the_lock_in_is_visible_in_the_visit_counts(study):
    """On-policy, some live pair of the grid is never tried in 20,000 steps and the final Boltzmann policy gives
    a live pair less than e^-8; uniform behaviour tries every live pair more than 50 times, each with
    probability 1/4."""
    g = study.grid
    live_visits = g.visits[..., g.live, :].reshape(*g.visits.shape[:2], -1)
    k = g.labels.index("uniform")
    assert live_visits[0].min(axis=1).max() == 0 and np.log(g.min_probability[0]).max() < -8
    assert live_visits[k].min() > 50 and np.allclose(g.min_probability[k], 0.25)


def test_report_and_bands_cover_every_behaviour(study):
    """report() prints one row per behaviour and task; the error bands are ordered low <= mean <= high."""
    text = study.report()
    assert text.count("on-policy") == 2 and text.count("uniform") == 2 and "FrozenLake" in text
    for run in (study.grid, study.frozen_lake):
        for k in range(len(run.labels)):
            mean, lo, hi = run.band(k)
            assert np.all(lo <= mean * (1 + 1e-12)) and np.all(mean <= hi * (1 + 1e-12))


def test_pairs_from_the_model_converge_on_frozen_lake(study):
    """The study's model run (20,000 uniform pairs of FrozenLake's model per seed): the error falls on every seed
    from 100% (zero table) to below 25%, every live pair is drawn more than 300 times, and report() prints it."""
    m = study.model
    assert np.all(m.errors[:, 0] > 0.5) and m.errors[:, -1].max() < 0.25 and m.min_visits.min() > 300
    assert "i.i.d. pairs from its exact model" in study.report()


def test_uniform_behaviour_on_frozen_lake_approaches_the_soft_not_the_hard_q_star():
    """On gymnasium's slippery FrozenLake (alpha 0.5, gamma 0.95, step size n^-0.6), 15,000 steps of uniform
    behaviour bring Q within 30% of the exact soft Q* on both seeds, from 100% at the start; the hard Q*
    (value iteration) stays more than 5 times farther away (a hard max target would land there)."""
    env = gym.make("FrozenLake-v1")
    mdp = from_gymnasium(env, gamma=0.95)
    soft, hard, live = soft_q_iteration(mdp, 0.5, tol=1e-10).Q, value_iteration(mdp, tol=1e-10).Q, ~mdp.terminal
    for seed in (0, 1):
        agent = SoftQLearning(16, 4, alpha=0.5, gamma=0.95, lr=InverseCount(power=0.6), behaviour=np.full(4, 0.25),
                              seed=seed)
        train(env, agent, n_steps=15_000, seed=seed)
        error = relative_error(agent.Q, soft, live)
        assert error < 0.3
        assert np.abs(agent.Q - hard)[live].max() > 5 * error * np.abs(soft[live]).max()


def test_bad_config_is_refused():
    """OffPolicyConfig names the bad field."""
    with pytest.raises(ValueError, match="epsilons"):
        OffPolicyConfig(epsilons=(1.0,))
    with pytest.raises(ValueError, match="lake_lr_power"):
        OffPolicyConfig(lake_lr_power=0.5)


def test_the_demo_runs_quick(tmp_path):
    """``demo offpolicy --quick`` prints the table and writes offpolicy.png; a bad option exits 2 naming it."""
    done = subprocess.run([sys.executable, "-m", "discrete_softq.demos.offpolicy", "--quick", "--no-progress",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "offpolicy.png").exists() and "FrozenLake" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "discrete_softq.demos.offpolicy", "--seeds", "1"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--seeds" in bad.stderr

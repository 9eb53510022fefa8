"""The importance-sampling lab, soft Q-learning's value proposal, the noise study and the demo (issue 16)."""

import numpy as np
import pytest

from discrete_softq.continuous import MultiGoalEnv, SoftQLearningAgent, train
from discrete_softq.continuous.replay import Batch
from discrete_softq.experiments.importance_sampling import ISLabConfig, lab_q, run_is_lab
from discrete_softq.experiments.multigoal_noise import evaluate_under_noise, summarise_runs, train_agents


@pytest.fixture(scope="module")
def lab():
    return run_is_lab(ISLabConfig(dims=(1, 4), sample_sizes=(1, 16, 256), n_repeats=150))


def test_lab_target_has_the_product_closed_form():
    """The lab's modes share every coordinate after the first (centre 0.25), so log Z grows by the same constant per
    added dimension: the log of the 1-D integral of exp(-(a - 0.25)^2 / (2 * 0.2^2)) over [-1, 1] (scipy quad)."""
    steps = np.diff([lab_q(d).log_partition() for d in (1, 2, 3, 4)])
    np.testing.assert_allclose(steps, steps[0], rtol=1e-12)
    one = lab_q(1, 0.2)
    z_shared = lab_q(2, 0.2).log_partition() - one.log_partition()
    from scipy import integrate
    val, _ = integrate.quad(lambda a: np.exp(-(a - 0.25) ** 2 / (2 * 0.2**2)), -1, 1)
    assert z_shared == pytest.approx(np.log(val), rel=1e-10)


def test_uniform_bias_grows_with_dimension_and_policy_bias_stays_small(lab):
    """Jensen: the log-space bias is negative and shrinks with M for both proposals; at M = 16 the uniform proposal's
    bias in d = 4 is more than 10x the policy proposal's and below -0.3 (the exp(Q/alpha) mass is a small share of the box)."""
    for p in ("uniform", "policy"):
        b = lab.bias[p].value
        assert np.all(b[:, 0] < 0) and np.all(np.abs(b[:, -1]) < np.abs(b[:, 0]))
    j = lab.config.sample_sizes.index(16)
    assert lab.bias["uniform"].value[1, j] < -0.3
    assert abs(lab.bias["uniform"].value[1, j]) > 10 * abs(lab.bias["policy"].value[1, j])


def test_variance_ratio_grows_with_dimension(lab):
    """Var_uniform / Var_policy of log Z_hat at M = 16 is above 10 in d = 4 (its interval too) and larger than in d = 1."""
    r = lab.variance_ratio
    assert r.low[1] > 10 and r.value[1] > r.value[0]


def test_report_prints_every_dimension(lab):
    """ISLabResult.report() names each dimension and the variance ratio."""
    text = lab.report()
    assert "d=1 " in text and "d=4 " in text and "Variance ratio" in text


# ---------------------------------------------------------------------- the agent's value_proposal
def _trained(**kwargs):
    agent = SoftQLearningAgent(2, 2, hidden=(16, 16), batch_size=8, min_replay=16, seed=3, **kwargs)
    train(MultiGoalEnv(), agent, 60, seed=5)
    return agent


def _params(agent):
    return np.concatenate([w.ravel() for w in agent.qf.params + agent.policy.params]).astype(np.float64)


def test_default_value_proposal_is_uniform_and_unchanged():
    """value_proposal defaults to "uniform", a seeded run is bit-identical with and without the keyword, and it
    matches the parameters this run had before the option existed (sums pinned at commit 5515ca5).

    The pin allows a relative 1e-6: NumPy releases round matrix products and ``exp`` differently
    in the last bits (numpy 2.4.6 moved these sums by 9e-8 relative); a change to the algorithm
    moves them by far more."""
    default, uniform = _trained(), _trained(value_proposal="uniform")
    assert default.value_proposal == "uniform"
    np.testing.assert_array_equal(_params(default), _params(uniform))
    assert _params(default).sum() == pytest.approx(8.463017282425426, rel=1e-6)
    assert np.abs(_params(default)).sum() == pytest.approx(158.88122377183754, rel=1e-6)


def test_policy_proposal_value_is_the_importance_weighted_estimate():
    """With value_proposal="policy" the Bellman target uses log mean exp(Q/alpha - log q) over actions of a truncated
    Gaussian fitted to the sampler's particles: replaying the same random draws by hand gives the same loss."""
    from discrete_softq.continuous.importance import TruncatedGaussian, log_mean_weight

    agent = SoftQLearningAgent(2, 2, hidden=(8,), batch_size=4, min_replay=4, seed=0, value_proposal="policy")
    rng = np.random.default_rng(1)
    batch = Batch(rng.normal(size=(4, 2)), rng.uniform(-1, 1, (4, 2)), rng.normal(size=4), rng.normal(size=(4, 2)),
                  np.array([False, False, True, False]))
    state = agent.rng.bit_generator.state
    fit = TruncatedGaussian.fit(agent._sample(batch.next_obs, agent.svgd_particles).astype(float))
    actions = fit.sample(agent.value_particles, agent.rng)
    q_next = agent.target_qf(agent._pair(batch.next_obs, actions))[..., 0]
    v = np.where(batch.terminated, 0.0, log_mean_weight(q_next, fit.log_prob(actions)))
    q = agent.qf(np.concatenate([batch.obs, batch.actions], axis=1))[:, 0]
    expected = 0.5 * np.mean((agent.alpha * (q - (batch.rewards / agent.alpha + agent.gamma * v))) ** 2)
    agent.rng.bit_generator.state = state
    loss, _ = agent.train_step(batch)
    assert loss == pytest.approx(expected, rel=1e-5)


def test_bad_value_proposal_raises():
    """An unknown value_proposal raises ValueError naming it."""
    with pytest.raises(ValueError, match="value_proposal"):
        SoftQLearningAgent(2, 2, value_proposal="gaussian")


# ---------------------------------------------------------------------- the multi-goal study and the demo
def test_noise_study_shapes_and_noise_free_consistency():
    """evaluate_under_noise gives one hit rate per level and seed in [0, 1]; at sigma = 0 a deterministic policy
    (DDPG) reproduces the noise-free rollouts of the same starts exactly."""
    from discrete_softq.continuous.training import rollouts

    runs = train_agents({"ddpg": ("ddpg", {})}, n_steps=40, seeds=[0, 1], n_rollouts=4)
    study = evaluate_under_noise(runs, noise_levels=(0.0, 0.5), n_rollouts=4, seed=7)
    assert study.hit_rate["ddpg"].shape == (2, 2) and np.all((0 <= study.hit_rate["ddpg"]) & (study.hit_rate["ddpg"] <= 1))
    ref = rollouts(MultiGoalEnv(), runs["ddpg"][0].agent.policy_action, 4, seed=7)
    assert study.mean_return["ddpg"][0, 0] == pytest.approx(ref.returns.mean())
    assert summarise_runs(runs)["ddpg"].n_seeds == 2
    assert "sigma 0.5" in study.report()


def test_demo_quick_runs_and_writes_its_figure(tmp_path, capsys):
    """demo importance_sampling --quick --no-progress --out DIR prints the lab and multi-goal reports and writes the figure."""
    from discrete_softq.demos.importance_sampling import main

    assert main(["--quick", "--no-progress", "--out", str(tmp_path), "--mg-steps", "40", "--n-rollouts", "2"]) == 0
    out = capsys.readouterr().out
    assert "Variance ratio" in out and "sql-policy" in out and "dynamics_noise" in out
    assert (tmp_path / "importance_sampling.png").exists()

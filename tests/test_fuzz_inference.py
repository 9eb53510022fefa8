"""Fuzz of control-as-inference (occupancy measures, feature expectations, MCE IRL) with hostile inputs (issue 12).

The claim of :func:`discrete_softq.testing.hostile.check_call`: a finite result of the right shape or
a TypeError/ValueError naming the parameter; never another exception, NaN/inf, a silent coercion
or a modified argument. Plus the invariants every valid answer has: an occupancy measure is a
sub-distribution (a distribution without terminal states), visit counts are non-negative.
"""

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from discrete_softq.inference import (
    expert_counts,
    feature_expectations,
    mce_irl,
    occupancy,
    sample_trajectories,
    trajectory_entropy,
    visit_counts,
)
from discrete_softq.testing import mdps
from discrete_softq.testing.hostile import Arg, check_call, distributions, ints, real_arrays, reals

FUZZ = settings(max_examples=40)
small_mdps = mdps(max_states=3, max_actions=2, terminal=True)
#: Horizons >= 1 (or None) and hostile ones; horizon 0 has its own test below.
POSITIVE_HORIZONS = ints(1, allow_none=True).filter(lambda arg: arg.value != 0)


@FUZZ
@given(mdp=small_mdps, horizon=POSITIVE_HORIZONS, data=st.data())
def test_fuzz_occupancy_and_visits(mdp, horizon, data):
    """occupancy (S, A) and visit_counts on hostile policies and horizons: non-negative, at most 1 in total."""
    S, A = mdp.n_states, mdp.n_actions
    policy = data.draw(distributions((S, A)))
    d = check_call(occupancy, Arg(mdp), policy, horizon=horizon)
    if d is not None:
        assert d.shape == (S, A) and np.all(d >= -1e-12) and d.sum() <= 1 + 1e-9
    counts = check_call(visit_counts, Arg(mdp), policy, horizon=horizon)
    assert counts is None or np.all(np.asarray(counts) >= -1e-12)


@FUZZ
@given(mdp=small_mdps, k=st.integers(1, 3), horizon=POSITIVE_HORIZONS, data=st.data())
def test_fuzz_feature_expectations_and_entropy(mdp, k, horizon, data):
    """feature_expectations (k,) for features (S, k) or (S, A, k), and trajectory_entropy (a float), hostile input."""
    S, A = mdp.n_states, mdp.n_actions
    policy = data.draw(distributions((S, A)))
    features = data.draw(real_arrays(data.draw(st.sampled_from([(S, k), (S, A, k)])), shape_matters=False))
    mu = check_call(feature_expectations, Arg(mdp), policy, features, horizon=horizon)
    assert mu is None or np.shape(mu) == (k,)
    H = check_call(trajectory_entropy, Arg(mdp), policy, prior=data.draw(distributions((A,), allow_none=True)),
                   horizon=horizon)
    assert H is None or isinstance(H, float)


@settings(max_examples=20, phases=(Phase.explicit, Phase.reuse, Phase.generate))  # L-BFGS makes shrinking slow
@given(mdp=small_mdps, alpha=reals(0.0, low_open=True), gtol=reals(0.0, low_open=True),
       max_iter=ints(1), data=st.data())
def test_fuzz_mce_irl(mdp, alpha, gtol, max_iter, data):
    """mce_irl(mdp, features, expert occupancy, alpha, ...): a finite IRLResult of the right shapes, or an error."""
    S, A = mdp.n_states, mdp.n_actions
    features = data.draw(real_arrays((S, 2), shape_matters=False))
    flat = data.draw(distributions((S * A,)))  # an occupancy measure, flattened so that it sums to 1
    value = flat.value
    if isinstance(value, np.ndarray) and value.shape == (S * A,):
        value = value.reshape(S, A)
    expert = Arg(value, flat.verdict if isinstance(value, np.ndarray) else "invalid", flat.label)
    res = check_call(mce_irl, Arg(mdp), features, expert, alpha=alpha, gtol=gtol, max_iter=max_iter)
    if res is not None:
        assert res.theta.shape == np.shape(features.value)[-1:]
        assert res.reward.shape == res.policy.shape == (S, A)


@FUZZ
@given(mdp=small_mdps, n=ints(1), max_steps=ints(1), seed=ints(0, allow_none=True), data=st.data())
def test_fuzz_trajectories(mdp, n, max_steps, seed, data):
    """sample_trajectories (n arrays of states in range) and expert_counts of them, on hostile sizes and seeds."""
    trajectories = check_call(sample_trajectories, Arg(mdp), data.draw(distributions((mdp.n_states, mdp.n_actions))),
                              n, max_steps, seed=seed)
    if trajectories is not None:
        assert len(trajectories) == n.value
        counts = check_call(expert_counts, Arg(mdp), trajectories)
        assert counts is None or np.all(np.asarray(counts) >= 0)
    check_call(expert_counts, Arg(mdp), Arg([np.array([mdp.n_states + 5])], "invalid", "a state out of range"))


@pytest.mark.parametrize("call", [
    lambda m, bad: occupancy(m, bad, horizon=0),
    lambda m, bad: feature_expectations(m, bad, np.zeros((2, 1)), horizon=0),
    lambda m, bad: __import__("discrete_softq.horizon", fromlist=["x"]).finite_horizon_values(m, bad, 0.0, 0),
], ids=["occupancy", "feature_expectations", "finite_horizon_values"])
def test_a_non_distribution_policy_is_refused_at_horizon_zero(call):
    """A policy whose rows sum to 1.4 is refused (ValueError naming policy) whatever the horizon, 0 included."""
    from discrete_softq import random_mdp
    with pytest.raises(ValueError, match="policy"):
        call(random_mdp(2, 2, seed=0), np.full((2, 2), 0.7))

"""Fuzz of the continuous module (SVGD, MLP, Adam, replay, agents, multi-goal env) and of composition (issue 12).

The claim of :func:`discrete_softq.testing.hostile.check_call` for every call: a finite result or a
TypeError/ValueError naming the parameter -- never another exception, never NaN/inf particles or
outputs from finite input, never a silent coercion (complex -> real, a bool as a layer width) --
and no argument modified.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discrete_softq import random_mdp
from discrete_softq.compose import compose_q, composition_bound
from discrete_softq.continuous import MLP, SVGD, Adam, MultiGoalEnv, SoftQLearningAgent, rbf_kernel
from discrete_softq.continuous.baselines import DDPGAgent
from discrete_softq.continuous.replay import ReplayBuffer
from discrete_softq.continuous.svgd import GaussianMixture
from discrete_softq.continuous.training import goal_hit_counts
from discrete_softq.testing.hostile import Arg, check_call, distributions, ints, not_a, real_arrays, reals

FUZZ = settings(max_examples=30)


# ---------------------------------------------------------------------- SVGD and its target
def gaussian_score(x):
    return -np.asarray(x)


@FUZZ
@given(x=real_arrays((5, 2), shape_matters=False), step_size=reals(0.0, low_open=True), n_iter=ints(0))
def test_fuzz_svgd(x, step_size, n_iter):
    """SVGD(grad, step_size).run(x0, n_iter) and rbf_kernel(x): finite (n, d) particles / kernels or named errors."""
    svgd = check_call(SVGD, gaussian_score, step_size=step_size)
    if svgd is not None:  # a large step size may rightly make a run diverge (a named error)
        stable = step_size.verdict == "valid" and step_size.value <= 0.5
        out = check_call(svgd.run, x if stable else Arg(x.value, "either", x.label), n_iter)
        assert out is None or out.shape == (5, 2)
    check_call(rbf_kernel, x)


@pytest.mark.parametrize("score, name", [
    (lambda x: np.full_like(x, np.nan), "grad"), (lambda x: np.full_like(x, np.inf), "grad"),
    (lambda x: x[:, :1], "grad"), (lambda x: x + 1j, "grad"),
], ids=["nan", "inf", "wrong shape", "complex"])
def test_svgd_refuses_a_bad_gradient(score, name):
    """A gradient returning NaN/inf, the wrong shape or complex numbers raises (naming it), not NaN particles."""
    with pytest.raises((ValueError, TypeError), match=name):
        SVGD(score, step_size=0.1).run(np.zeros((4, 2)), 2)


@pytest.mark.parametrize("call", [lambda: SVGD(gaussian_score).run(np.zeros((0, 2)), 2),
                                  lambda: SVGD(gaussian_score, step_size="0.1"),
                                  lambda: SVGD("not callable")],
                         ids=["0 particles", "step_size str", "grad str"])
def test_svgd_bad_arguments(call):
    """SVGD on 0 particles, a string step size or a non-callable gradient raises TypeError/ValueError."""
    with pytest.raises((ValueError, TypeError)):
        call()


@FUZZ
@given(weights=distributions((2,)), means=real_arrays((2, 2), shape_matters=False), var=reals(0.0, low_open=True),
       points=real_arrays((3, 2)))
def test_fuzz_gaussian_mixture(weights, means, var, points):
    """GaussianMixture(weights, means, var).log_prob / .score on hostile points: finite (n,) / (n, d) or named errors.
    """
    gm = check_call(GaussianMixture, weights, means, var=var)
    if gm is not None and var.verdict == "valid":  # a var of 1e-300 may rightly refuse every finite point
        lp = check_call(gm.log_prob, points)
        assert lp is None or lp.shape == (3,)
        sc = check_call(gm.score, points)
        assert sc is None or sc.shape == (3, 2)
        check_call(gm.log_prob, Arg(np.zeros((3, 3)), "invalid", "points of dimension 3"))


# ---------------------------------------------------------------------- MLP, Adam, replay
widths = st.one_of(st.just(Arg([2, 4, 1], "valid", "[2, 4, 1]")),
                   st.sampled_from([Arg([2, True, 1], "invalid", "bool width"), Arg([2, 0, 1], "invalid", "zero width"),
                                    Arg([2, 1.5, 1], "invalid", "float width"), Arg([2], "invalid", "one layer"),
                                    Arg("21", "invalid", "string"), Arg([2, -3, 1], "invalid", "negative width")]),
                   not_a("sizes"))


@FUZZ
@given(sizes=widths,
       activation=st.sampled_from([Arg("relu"), Arg("tanh"), Arg("sigmoidx", "invalid"), Arg(3, "invalid")]),
       x=real_arrays((3, 2)), dy=real_arrays((3, 1)))
def test_fuzz_mlp(sizes, activation, x, dy):
    """MLP(sizes, activation).forward(x) and .backward(cache, dy): finite outputs and gradients or named errors."""
    mlp = check_call(MLP, sizes, activation=activation, seed=0)
    if mlp is not None:
        out = check_call(mlp.forward, x)
        if out is not None:
            y, cache = out
            assert y.shape == (3, 1)
            check_call(mlp.backward, cache, dy)


@FUZZ
@given(lr=reals(0.0, low_open=True), grad=real_arrays((2, 3)))
def test_fuzz_adam(lr, grad):
    """Adam(params, lr).step(grads) on hostile lr and gradients (NaN, wrong shape, complex): finite or a named error."""
    params = [np.zeros((2, 3))]
    adam = check_call(Adam, params, lr=lr)
    if adam is not None:
        check_call(adam.step, Arg([grad.value], grad.verdict, f"[{grad.label}]"))
        assert np.all(np.isfinite(params[0]))


@FUZZ
@given(capacity=ints(1), obs=real_arrays((2,)), action=real_arrays((1,)), reward=reals(),
       terminated=st.sampled_from([Arg(True), Arg(False), Arg(1, "invalid"), Arg("no", "invalid")]))
def test_fuzz_replay_buffer(capacity, obs, action, reward, terminated):
    """ReplayBuffer(obs_dim, act_dim, capacity).add(...) and .sample(...): finite batches or named errors."""
    buf = check_call(ReplayBuffer, 2, 1, capacity=capacity)
    if buf is not None:
        if check_call(buf.add, obs, action, reward, Arg(np.zeros(2)), terminated) is None and len(buf):
            check_call(buf.sample, 1, np.random.default_rng(0))


@pytest.mark.parametrize("make, name", [
    (lambda: SoftQLearningAgent(2, 2, updates_per_step=-1), "updates_per_step"),
    (lambda: SoftQLearningAgent(2, 2, hidden=(0,)), "hidden"),
    (lambda: SoftQLearningAgent(2, 2, q_lr="x"), "q_lr"),
    (lambda: SoftQLearningAgent(2, 2, replay_capacity=1.5), "replay_capacity"),
    (lambda: DDPGAgent(2, 2, batch_size=0), "batch_size"),
    (lambda: DDPGAgent(2, 2, reward_scale=float("nan")), "reward_scale"),
    (lambda: MultiGoalEnv(goals=[[np.nan, 0.0]]), "goals"),
    (lambda: goal_hit_counts([0, 7], n_goals=4), "goals"),
    (lambda: Adam([np.zeros(2)], lr="x"), "lr"),
    (lambda: ReplayBuffer(2, 1, capacity=-1), "capacity"),
])
def test_continuous_named_errors_from_issue_12(make, name):
    """The continuous examples of issue 12 raise TypeError/ValueError naming the parameter as the user spelled it."""
    with pytest.raises((ValueError, TypeError), match=name):
        make()


@settings(max_examples=15)
@given(obs=real_arrays((2,)))
def test_fuzz_continuous_agent_act(obs):
    """SoftQLearningAgent.act(obs) on hostile observations: an action in [-1, 1]^d or a named error (no NaN actions)."""
    agent = SoftQLearningAgent(2, 2, hidden=(8,), seed=0)
    action = check_call(agent.act, obs)
    assert action is None or (np.shape(action) == (2,) and np.all(np.abs(action) <= 1))


@FUZZ
@given(action=real_arrays((2,)))
def test_fuzz_multigoal_env_step(action):
    """MultiGoalEnv.step(action) on hostile actions: a finite observation and reward or a named error."""
    env = MultiGoalEnv()
    env.reset(seed=0)
    out = check_call(env.step, action)
    assert out is None or np.all(np.isfinite(out[0]))


# ---------------------------------------------------------------------- composition (helper C owns compose)
def unnormalised_is_fine(weights):
    """compose_q normalises its non-negative weights: a sum of 1.4 is valid."""
    return Arg(weights.value, "valid", weights.label) if weights.label == "rows sum to 1.4" else weights


@FUZZ
@given(Q1=real_arrays((3, 2), shape_matters=False), Q2=real_arrays((3, 2), shape_matters=False), weights=st.one_of(
    distributions((2,), allow_none=True).map(unnormalised_is_fine),
    st.just(Arg([1e308, 1e308], "valid", "weights 1e308")),
    st.just(Arg([1.0, -1.0], "invalid", "negative weight"))))
def test_fuzz_compose_q(Q1, Q2, weights):
    """compose_q([Q1, Q2], weights): a finite (3, 2) table or a named error; weights [1e308, 1e308] is the mean."""
    Q = check_call(compose_q, [Q1.value, Q2.value] if Q1.verdict == Q2.verdict == "valid" else Arg(
        [Q1.value, Q2.value], "invalid" if "invalid" in (Q1.verdict, Q2.verdict) else "either"), weights=weights)
    if Q is not None and weights.label == "weights 1e308":
        assert np.allclose(Q, (np.asarray(Q1.value) + np.asarray(Q2.value)) / 2)


@settings(max_examples=15)
@given(Q1=real_arrays((3, 2)), alpha=reals(0.0))
def test_fuzz_composition_bound(Q1, alpha):
    """composition_bound(mdp, Q1, Q2, alpha): a finite bound or a named error."""
    mdp = random_mdp(3, 2, seed=0)
    check_call(composition_bound, Arg(mdp), Q1, Arg(np.zeros((3, 2))), alpha)


@settings(max_examples=30)
@given(alpha=reals(0.0, low_open=True), gamma=reals(0.0, 1.0, high_open=True), batch_size=ints(1),
       hidden=widths, updates_per_step=ints(1), seed=ints(0, allow_none=True))
def test_fuzz_soft_q_learning_agent(alpha, gamma, batch_size, hidden, updates_per_step, seed):
    """SoftQLearningAgent(obs_dim, act_dim, alpha=, gamma=, batch_size=, hidden=, ...): an agent, or a named error."""
    if isinstance(hidden.value, list) and len(hidden.value) > 2:  # the hidden widths of an MLP's sizes
        hidden = Arg(hidden.value[1:-1], hidden.verdict, hidden.label)
    min_replay = Arg(batch_size.value if batch_size.verdict == "valid" else 1)
    agent = check_call(SoftQLearningAgent, 2, 2, alpha=alpha, gamma=gamma, batch_size=batch_size, hidden=hidden,
                       updates_per_step=updates_per_step, min_replay=min_replay,
                       seed=seed)
    if agent is not None:
        assert np.all(np.abs(agent.act(np.zeros(2))) <= 1)


@settings(max_examples=30)
@given(goals=st.one_of(real_arrays((4, 2)), st.just(Arg(None))), action_cost_coeff=reals(0.0),
       goal_threshold=reals(0.0, low_open=True),
       max_episode_steps=ints(1), bound=reals(0.0, low_open=True))
def test_fuzz_multigoal_env(goals, action_cost_coeff, goal_threshold, max_episode_steps, bound):
    """MultiGoalEnv(goals=, action_cost_coeff=, goal_threshold=, max_episode_steps=, bound=): an env, or an error."""
    if goals.verdict == bound.verdict == "valid" and goals.value is not None \
            and np.abs(goals.value).max() > bound.value:
        goals = Arg(goals.value, "invalid", "goals outside [-bound, bound]^2")
    env = check_call(MultiGoalEnv, goals=goals, action_cost_coeff=action_cost_coeff, goal_threshold=goal_threshold,
                     max_episode_steps=max_episode_steps, bound=bound)
    if env is not None:
        env.reset(seed=0)
        obs, reward, *_ = env.step(np.zeros(2))
        assert np.all(np.isfinite(obs)) and np.isfinite(reward)

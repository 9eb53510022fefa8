"""Fuzz of the tabular agents, their schedules and training loops, and the gridworlds (issue 12).

The claim of :func:`discrete_softq.testing.hostile.check_call` for every call: a finite result or a
TypeError/ValueError naming the parameter, never another exception, never a silent coercion
(``act(1.7)`` acting in state 1), never a NaN/inf Q-table from finite input, no argument modified.
"""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discrete_softq.agents import (
    DynaQ,
    ExponentialDecay,
    InverseCount,
    QLearning,
    SoftDynaQ,
    SoftQLearning,
    run_batched,
    train,
)
from discrete_softq.envs import LAYOUTS, GridWorld, WallChange
from discrete_softq.testing.hostile import Arg, check_call, discounts, ints, not_a, reals

FUZZ = settings(max_examples=40)
AGENTS = [SoftQLearning, QLearning, DynaQ, SoftDynaQ]
flags = st.sampled_from([Arg(True), Arg(False), Arg(np.bool_(True)), Arg(1, "invalid"), Arg("yes", "invalid"),
                         Arg(None, "invalid")])


@FUZZ
@given(cls=st.sampled_from(AGENTS), n_states=ints(1), n_actions=ints(1), gamma=reals(0.0, 1.0),
       lr=reals(0.0, 1.0), q_init=reals(), seed=ints(0, allow_none=True))
def test_fuzz_agent_construction(cls, n_states, n_actions, gamma, lr, q_init, seed):
    """Agent(n_states, n_actions, gamma=, lr=, q_init=, seed=): a working agent or a named error."""
    agent = check_call(cls, n_states, n_actions, gamma=gamma, lr=lr, q_init=q_init, seed=seed)
    if agent is not None:
        assert agent.Q.shape == (n_states.value, n_actions.value) and np.all(np.isfinite(agent.Q))


@FUZZ
@given(cls=st.sampled_from(AGENTS), state=ints(0, 3), a=ints(0, 1), r=reals(), s_next=ints(0, 3),
       terminated=flags)
def test_fuzz_act_and_update(cls, state, a, r, s_next, terminated):
    """act(state) returns an action in range; update(s, a, r, s_next, terminated) keeps Q finite or raises by name.

    act(1.7), act('1'), act(nan), act(None), update(a=1.9), NaN rewards: all refused.
    """
    agent = cls(4, 2, seed=0)
    action = check_call(agent.act, state)
    if action is not None:
        assert isinstance(action, (int, np.integer)) and 0 <= action < 2
    check_call(agent.update, state, a, r, s_next, terminated)
    assert np.all(np.isfinite(agent.Q)), "a finite transition made Q non-finite"


@pytest.mark.parametrize("cls", AGENTS)
def test_extreme_q_init_and_reward_do_not_overflow(cls):
    """Agent(2, 2, lr=1.0, q_init=-1e308).update(0, 0, 1e308, 1, True): finite Q or a named ValueError (was inf/nan)."""
    agent = cls(2, 2, lr=1.0, q_init=-1e308)
    check_call(agent.update, 0, 0, Arg(1e308, "either"), 1, True)
    assert np.all(np.isfinite(agent.Q))
    agent = cls(2, 2, lr=1.0, q_init=1e308)
    check_call(agent.update, 0, 0, Arg(1e308, "either"), 1, False)
    assert np.all(np.isfinite(agent.Q))


@pytest.mark.parametrize("make, name", [
    (lambda: SoftQLearning(3, 2, alpha=lambda n: float("nan")), "alpha"),
    (lambda: SoftQLearning(3, 2, alpha=lambda n: -1.0), "alpha"),
    (lambda: SoftQLearning(3, 2, lr=lambda n: 5.0), "lr"),
    (lambda: QLearning(3, 2, lr=lambda n: "0.1"), "lr"),
    (lambda: SoftDynaQ(3, 2, alpha=lambda n: float("inf")), "alpha"),
], ids=["alpha nan", "alpha negative", "lr 5", "lr str", "alpha inf"])
def test_bad_schedules_raise_naming_the_schedule_when_used(make, name):
    """A schedule returning NaN, a negative temperature or a step size outside [0, 1] raises (naming it) when used."""
    with pytest.raises((ValueError, TypeError), match=name):
        agent = make()
        agent.act(0)
        agent.update(0, 0, 1.0, 1, False)
        agent.act(1)


@pytest.mark.parametrize("make, name", [
    (lambda: InverseCount(power=-1), "power"), (lambda: InverseCount(scale=0.0), "scale"),
    (lambda: ExponentialDecay(start=1.0, end=0.0, rate=float("nan")), "rate"),
    (lambda: ExponentialDecay(start=1.0, end=0.0, rate=2.0), "rate"),
    (lambda: ExponentialDecay(start="1", end=0.0, rate=0.5), "start"),
])
def test_bad_schedule_parameters_raise_at_construction(make, name):
    """InverseCount(power=-1), ExponentialDecay(rate=nan) and the like are refused, naming the parameter."""
    with pytest.raises((ValueError, TypeError), match=name):
        make()


def test_training_refuses_mismatched_agents():
    """train() of a 2-action agent on a 4-action env, and run_batched with the same agent twice, raise ValueError."""
    env = GridWorld("two_routes", max_steps=50)
    with pytest.raises(ValueError, match="action"):
        train(env, SoftQLearning(env.n_states, 2, seed=0), n_steps=10)
    agent = SoftQLearning(env.n_states, 4, seed=0)
    with pytest.raises(ValueError, match="agent"):
        run_batched(env, [agent, agent], n_steps=10)


def test_run_batched_on_an_env_it_cannot_batch_names_env():
    """run_batched on a non-gridworld (FrozenLake) raises TypeError/ValueError naming env, not AttributeError."""
    env = gym.make("FrozenLake-v1")
    with pytest.raises((TypeError, ValueError), match="env"):
        run_batched(env, [SoftQLearning(16, 4, seed=0)], n_steps=10)


# ---------------------------------------------------------------------- gridworlds
layouts = st.one_of(st.sampled_from([Arg(None), Arg(0), Arg(1), Arg(LAYOUTS["two_routes_blocked"], "valid", "map")]),
                    st.sampled_from([Arg(5, "invalid"), Arg(-1, "invalid"), Arg(1.0, "invalid"), Arg("nope", "invalid"),
                                     Arg(["S.G"], "invalid", "map of another size"), Arg(True, "invalid")]))


@FUZZ
@given(state=ints(0, 125), action=ints(0, 3), layout=layouts,
       gamma=discounts(allow_none=True))
def test_fuzz_gridworld_queries(state, action, layout, gamma):
    """nearest_free_state, outcome_distribution and to_mdp on hostile states, actions, layouts and gamma.

    to_mdp(layout=5), nearest_free_state(10**6), nearest_free_state(-1) and outcome_distribution(0, 7)
    used to raise raw IndexError/KeyError (or return -1).
    """
    env = GridWorld("two_routes", changes=[WallChange(at_step=10, layout="two_routes_blocked")], max_steps=100)
    free = check_call(env.nearest_free_state, state, layout=layout)
    assert free is None or 0 <= free < env.n_states
    out = check_call(env.outcome_distribution, state, action, layout=layout)
    if out is not None:
        assert np.isclose(out[1].sum(), 1.0)
    check_call(env.to_mdp, gamma=gamma, layout=layout)


@FUZZ
@given(layout=st.one_of(st.just(Arg("two_routes")), st.just(Arg(["S.G"], "valid", "list map")),
                        st.sampled_from([Arg("nope", "invalid"), Arg(["S.."], "invalid", "no goal"),
                                         Arg(["S.G", "."], "invalid", "ragged"), Arg(["..G"], "invalid", "no start")]),
                        not_a("layout")),
       slip=reals(0.0, 1.0), max_steps=ints(1, allow_none=True), step_reward=reals())
def test_fuzz_gridworld_construction(layout, slip, max_steps, step_reward):
    """GridWorld(layout, slip=, max_steps=, step_reward=): a working env (reset, step) or a named error."""
    env = check_call(GridWorld, layout, slip=slip, max_steps=max_steps, step_reward=step_reward)
    if env is not None:
        env.reset(seed=0)
        for action in (Arg(1.7, "invalid"), Arg("1", "invalid"), Arg(None, "invalid"), Arg(5, "invalid"), Arg(0)):
            check_call(env.step, action)


def test_layouts_are_immutable():
    """LAYOUTS cannot be edited (it is what gym.make builds for a registered id), nor can a layout in it."""
    with pytest.raises(TypeError):
        LAYOUTS["two_routes"] = ["S.G"]
    layout = LAYOUTS["two_routes"]
    with pytest.raises((TypeError, AttributeError)):
        layout[0] = "S.G"


@pytest.mark.parametrize("env_id", ["discrete_softq/TwoRoutes-v0", "discrete_softq/BlockingMaze-v0",
                                    "discrete_softq/ShortcutMaze-v0"])
def test_registered_gridworlds_have_a_time_limit(env_id):
    """Every registered gridworld ends its episodes (a TimeLimit from gym.make, or the env's own max_steps)."""
    import discrete_softq  # noqa: F401 -- registers the ids

    env = gym.make(env_id)
    assert env.spec.max_episode_steps is not None or env.unwrapped.max_steps is not None


@settings(max_examples=30)
@given(n_steps=ints(0, allow_none=True), n_episodes=ints(0, allow_none=True),
       seed=ints(0, allow_none=True),
       progress=st.sampled_from([Arg(False), Arg(1, "invalid"), Arg("no", "invalid")]))
def test_fuzz_train(n_steps, n_episodes, seed, progress):
    """train(env, agent, n_steps, n_episodes, seed, progress): a History of finite returns or a named error."""
    if n_steps.value is None and n_episodes.value is None and "invalid" not in (n_steps.verdict, n_episodes.verdict):
        n_steps = Arg(None, "invalid", "neither n_steps nor n_episodes")
    env = GridWorld("two_routes", max_steps=20)
    hist = check_call(train, env, SoftQLearning(env.n_states, 4, seed=0), n_steps=n_steps, n_episodes=n_episodes,
                      seed=seed, progress=progress)
    assert hist is None or np.all(np.isfinite(hist.step_rewards))


@settings(max_examples=30)
@given(n_steps=ints(1),
       seeds=st.sampled_from([Arg(None), Arg([1, 2]), Arg([1], "invalid", "one seed for two agents"),
                              Arg(["a", "b"], "invalid"), Arg([1.5, 2.5], "invalid")]),
       snapshot_steps=st.sampled_from([Arg(()), Arg([5, 10]), Arg([-1], "invalid"), Arg([1.5], "invalid"),
                                       Arg("5", "invalid")]))
def test_fuzz_run_batched(n_steps, seeds, snapshot_steps):
    """run_batched(env, agents, n_steps, seeds, snapshot_steps): a finite BatchedHistory or a named error."""
    env = GridWorld("two_routes", max_steps=20)
    agents = [SoftQLearning(env.n_states, 4, seed=0), SoftQLearning(env.n_states, 4, seed=1)]
    if isinstance(snapshot_steps.value, list) and snapshot_steps.verdict == "valid" and n_steps.verdict == "valid":
        if max(snapshot_steps.value) > n_steps.value:
            snapshot_steps = Arg(snapshot_steps.value, "either", "snapshots past the end")
    check_call(run_batched, env, agents, n_steps, seeds=seeds, snapshot_steps=snapshot_steps)


@settings(max_examples=30)
@given(at_step=ints(0, allow_none=True), at_episode=ints(0, allow_none=True),
       layout=st.sampled_from([Arg("two_routes_blocked"), Arg(5, "invalid"), Arg("nope", "invalid"),
                               Arg(["S.G"], "valid", "another size"), Arg(None, "invalid")]))
def test_fuzz_wall_changes(at_step, at_episode, layout):
    """GridWorld('two_routes', changes=[WallChange(at_step, at_episode, layout)]): a working env or a named error.

    WallChange takes exactly one of at_step and at_episode.
    """
    if at_step.verdict == at_episode.verdict == "valid" and (at_step.value is None) == (at_episode.value is None):
        at_step = Arg(at_step.value, "invalid", "exactly one of at_step and at_episode is needed")
    change = check_call(WallChange, at_step=at_step, at_episode=at_episode, layout=layout)
    if change is not None:
        changes = Arg([change], "invalid" if layout.label == "another size" else "valid", "changes")
        env = check_call(GridWorld, "two_routes", changes=changes, max_steps=50)
        if env is not None:
            env.reset(seed=0)
            env.step(0)

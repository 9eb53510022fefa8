"""The agents at the edges: named errors for bad states, actions, rewards and schedules; no silent overflow.

Each test states one claim. The oracle for the overflow tests is the exact arithmetic of the
convex update (1 - lr) Q + lr * target, evaluated by hand on representable numbers.
"""

import math

import numpy as np
import pytest

from discrete_softq.agents import (DynaQ, ExponentialDecay, InverseCount, QLearning, SoftDynaQ, SoftQLearning,
                                   run_batched, train)
from discrete_softq.envs import GridWorld

AGENTS = {
    "soft": lambda **kw: SoftQLearning(2, 2, **kw),
    "q": lambda **kw: QLearning(2, 2, **kw),
    "dyna": lambda **kw: DynaQ(2, 2, n_planning=3, **kw),
    "soft_dyna": lambda **kw: SoftDynaQ(2, 2, n_planning=3, **kw),
}


# ---------------------------------------------------------------------- states, actions, rewards
@pytest.mark.parametrize("kind", list(AGENTS))
@pytest.mark.parametrize("state, error", [(1.7, TypeError), ("1", TypeError), (float("nan"), TypeError),
                                          (None, TypeError), (True, TypeError), (2, ValueError),
                                          (-1, ValueError)])
def test_act_refuses_a_state_that_is_not_an_index(kind, state, error):
    """act(state) needs an int in [0, n_states): floats, strings, NaN, None, bools and out-of-range ints
    raise TypeError/ValueError naming `state` (no silent int(1.7) == 1)."""
    with pytest.raises(error, match="state"):
        AGENTS[kind](seed=0).act(state)


@pytest.mark.parametrize("kind", list(AGENTS))
def test_act_accepts_numpy_integers(kind):
    """NumPy integer states are indices like ints."""
    assert AGENTS[kind](seed=0).act(np.int64(1)) in (0, 1)


@pytest.mark.parametrize("kind", list(AGENTS))
@pytest.mark.parametrize("args, name", [
    ((0, 1.9, 0.0, 1, False), "a"), ((0, 2, 0.0, 1, False), "a"), (("0", 1, 0.0, 1, False), "s"),
    ((0, 1, 0.0, 1.0, False), "s_next"), ((0, 1, float("nan"), 1, False), "r"),
    ((0, 1, float("inf"), 1, False), "r"), ((0, 1, "1", 1, False), "r"), ((0, 1, 0.0, 1, "no"), "terminated")])
def test_update_refuses_bad_transitions_naming_the_parameter(kind, args, name):
    """update(s, a, r, s_next, terminated) checks every argument, naming it; Q is left untouched."""
    agent = AGENTS[kind](seed=0)
    with pytest.raises((TypeError, ValueError), match=rf"\b{name}\b"):
        agent.update(*args)
    assert np.all(agent.Q == 0.0)


# ---------------------------------------------------------------------- overflow
@pytest.mark.parametrize("kind", list(AGENTS))
def test_update_across_the_whole_float_range_stays_finite(kind):
    """From Q = -1e308 toward a target of 1e308 the convex update gives exactly 1e308 at lr = 1 and,
    at lr = 0.5, 1e308 - 0.5^(k-1) 1e308 after k updates of the pair (k = 1, or 1 + 3 planning
    replays for Dyna); the form Q + lr (target - Q) overflows to inf, and the Dyna agents to NaN."""
    k = 4 if "dyna" in kind else 1
    for lr, expected in ((1.0, 1e308), (0.5, 1e308 - 0.5 ** (k - 1) * 1e308)):
        agent = AGENTS[kind](lr=lr, q_init=-1e308, seed=0)
        agent.update(0, 0, 1e308, 1, True)
        assert agent.Q[0, 0] == pytest.approx(expected, rel=1e-15, abs=0.0)
        assert np.isfinite(agent.Q).all()


@pytest.mark.parametrize("kind", list(AGENTS))
def test_an_overflowing_target_raises_instead_of_storing_inf(kind):
    """r + gamma V(s') beyond the float range raises ValueError naming the target; Q keeps its values."""
    agent = AGENTS[kind](lr=0.5, gamma=1.0, q_init=1e308, seed=0)
    with pytest.raises(ValueError, match="TD target"):
        agent.update(0, 0, 1e308, 1, False)
    assert np.all(agent.Q == 1e308)


def test_batched_runner_raises_on_overflow_too():
    """The batched runner shares the rule: a step whose target overflows raises the same ValueError."""
    env = GridWorld(["S.G"], step_reward=1e308, goal_reward=1e308, max_steps=5, gamma=0.9)
    agents = [QLearning(3, 4, gamma=1.0, lr=1.0, q_init=1e308, seed=k) for k in range(2)]
    with pytest.raises(ValueError, match="TD target"):
        run_batched(env, agents, 10)


# ---------------------------------------------------------------------- schedules
@pytest.mark.parametrize("make, message", [
    (lambda: SoftQLearning(2, 2, alpha=lambda t: float("nan"), seed=0), "alpha schedule returned nan at t=0"),
    (lambda: SoftQLearning(2, 2, alpha=lambda t: -1.0, seed=0), "alpha schedule returned -1 at t=0"),
    (lambda: QLearning(2, 2, lr=lambda n: 5.0, seed=0), r"lr schedule returned 5 at n=1; expected a finite number in \[0, 1\]"),
    (lambda: QLearning(2, 2, lr=lambda n: "fast", seed=0), "lr schedule returned 'fast'"),
])
def test_a_callable_schedule_is_checked_when_used(make, message):
    """A user's schedule returning NaN, a negative temperature, a step size above 1 or a non-number
    raises when its value is used, naming the schedule, the value and the clock."""
    agent = make()
    with pytest.raises((TypeError, ValueError), match=message):
        agent.act(0)
        agent.update(0, 0, 0.0, 1, False)


def test_a_valid_callable_schedule_runs_unchanged():
    """A callable schedule with valid values gives the same numbers as the equivalent constant."""
    a = SoftQLearning(2, 2, alpha=lambda t: 0.5, lr=lambda n: 0.3, seed=0)
    b = SoftQLearning(2, 2, alpha=0.5, lr=0.3, seed=0)
    for agent in (a, b):
        for k in range(20):
            agent.update(k % 2, agent.act(k % 2), 0.1 * k, (k + 1) % 2, k % 5 == 4)
    assert np.array_equal(a.Q, b.Q)


@pytest.mark.parametrize("make, name", [
    (lambda: InverseCount(power=-1), "power"), (lambda: InverseCount(scale=0.0), "scale"),
    (lambda: InverseCount(floor=float("nan")), "floor"), (lambda: ExponentialDecay(1.0, 0.1, float("nan")), "rate"),
    (lambda: ExponentialDecay(1.0, 0.1, 1.5), "rate"), (lambda: ExponentialDecay(float("inf"), 0.1, 0.5), "start"),
    (lambda: InverseCount(power="1"), "power"),
])
def test_schedule_classes_check_their_arguments(make, name):
    """The schedule classes refuse arguments that would give NaN, growing or negative values."""
    with pytest.raises((TypeError, ValueError), match=name):
        make()


@pytest.mark.parametrize("make", [lambda: QLearning(2, 2, lr=InverseCount(scale=2.0)),
                                  lambda: SoftQLearning(2, 2, alpha=ExponentialDecay(1.0, -0.5, 0.5))])
def test_schedules_outside_the_parameters_range_are_refused_at_construction(make):
    """An lr schedule reaching 2, or a temperature schedule decaying to -0.5, is refused up front."""
    with pytest.raises(ValueError, match="schedule takes values"):
        make()


# ---------------------------------------------------------------------- training
@pytest.mark.parametrize("agent, what", [(QLearning(6, 2), "n_actions"), (QLearning(5, 4), "n_states")])
def test_train_refuses_an_agent_of_the_wrong_size(agent, what):
    """train() checks the agent's table against the env's Discrete spaces, naming both sizes."""
    env = GridWorld(["S.G", "..."], max_steps=5)
    with pytest.raises(ValueError, match=rf"{what}=.*Discrete"):
        train(env, agent, n_steps=3)


def test_train_takes_numpy_integer_seeds_and_refuses_a_non_bool_progress():
    """seed=np.int64(0) works like seed=0 (gymnasium itself wants a Python int); progress=1 is refused."""
    env = GridWorld(["S.G", "..."], max_steps=5, slip=0.3)
    a, b = QLearning(6, 4, seed=0), QLearning(6, 4, seed=0)
    assert np.array_equal(train(env, a, n_steps=50, seed=np.int64(3)).step_rewards,
                          train(env, b, n_steps=50, seed=3).step_rewards)
    with pytest.raises(TypeError, match="progress"):
        train(env, a, n_steps=5, progress=1)
    with pytest.raises(TypeError, match="progress"):
        run_batched(env, [a], 5, progress=1)


def test_run_batched_refuses_the_same_agent_twice():
    """Each agent learns its own run: passing one object twice would mix two runs in one table."""
    env = GridWorld(["S.G", "..."], max_steps=5)
    agent = QLearning(6, 4, seed=0)
    with pytest.raises(ValueError, match=r"agents\[0\] and agents\[1\] are the same"):
        run_batched(env, [agent, agent], 10)


def test_run_batched_on_an_unsupported_env_says_which_envs_it_supports():
    """FrozenLake is not a GridWorld: a TypeError names the supported envs and points to train()."""
    import gymnasium as gym

    with pytest.raises(TypeError, match="GridWorld.*train"):
        run_batched(gym.make("FrozenLake-v1"), [QLearning(16, 4, seed=0)], 10)


@pytest.mark.parametrize("gamma", [0.0, 1.0])
def test_agents_accept_gamma_in_the_closed_unit_interval(gamma):
    """Episodic learning with gamma = 1 is legitimate: the agents accept gamma in [0, 1], refuse 1.5."""
    assert SoftQLearning(2, 2, gamma=gamma).gamma == gamma
    with pytest.raises(ValueError, match="gamma"):
        SoftQLearning(2, 2, gamma=1.5)


def test_terminated_target_is_the_reward_even_when_q_is_huge():
    """A terminated step ignores V(s') entirely: with Q(s', .) = 1e308 the target is still r."""
    agent = SoftQLearning(2, 2, lr=1.0, alpha=1.0, seed=0)
    agent.Q[1] = 1e308
    agent.update(0, 0, 2.0, 1, True)
    assert agent.Q[0, 0] == 2.0 and math.isfinite(agent.Q[0, 1])

"""The MiniGrid bridge: exact models of real MiniGrid grids, and the MiniGrid whose walls change."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

pytest.importorskip("minigrid")
import minigrid  # noqa: E402,F401  (registers MiniGrid's ids)

import discrete_softq.envs  # noqa: E402,F401  (registers ours)
from discrete_softq import soft_q_iteration  # noqa: E402
from discrete_softq.envs import WallChange, parse_layout  # noqa: E402
from discrete_softq.envs.minigrid import (  # noqa: E402
    StationaryRewardWrapper,
    TabularObsWrapper,
    WallChangeMiniGridEnv,
    minigrid_state,
    minigrid_to_mdp,
)

REWARDS = {"goal_reward": 2.0, "lava_reward": -3.0, "step_reward": -0.01}
CASES = [("MiniGrid-Empty-5x5-v0", 0), ("MiniGrid-FourRooms-v0", 0), ("MiniGrid-FourRooms-v0", 1),
         ("MiniGrid-FourRooms-v0", 2), ("MiniGrid-LavaGapS5-v0", 0), ("MiniGrid-LavaCrossingS9N1-v0", 3)]


def tabular(env_id: str, seed: int, **kwargs):
    env = TabularObsWrapper(StationaryRewardWrapper(gym.make(env_id, **kwargs), **REWARDS))
    env.reset(seed=seed)
    return env


def assert_model_matches_env(env) -> None:
    """Put the real agent in every non-terminal state, take every action, compare with the model."""
    mdp = minigrid_to_mdp(env, **REWARDS)
    P = mdp.transitions.tocsr()
    base = env.unwrapped
    for s in np.flatnonzero(~mdp.terminal):
        for a in range(3):
            cell, d = divmod(int(s), 4)
            base.agent_pos, base.agent_dir, base.step_count = (cell % base.width, cell // base.width), d, 0
            s2, r, terminated, _, _ = env.step(a)
            row = P[s * 3 + a]
            assert row.indices.tolist() == [s2], (s, a)
            assert r == pytest.approx(mdp.rewards[s, a]) and terminated == mdp.terminal[s2], (s, a)


@pytest.mark.parametrize("env_id, seed", CASES)
def test_model_agrees_with_real_minigrid_for_every_state_action(env_id, seed):
    """For every (state, action), the real env's next state, reward and termination are the model's."""
    assert_model_matches_env(tabular(env_id, seed))


@pytest.mark.parametrize("env_id, seed", [("MiniGrid-Empty-8x8-v0", 0), ("MiniGrid-FourRooms-v0", 0),
                                          ("MiniGrid-FourRooms-v0", 1), ("MiniGrid-LavaCrossingS9N1-v0", 3),
                                          ("MiniGrid-LavaGapS5-v0", 0)])
def test_soft_optimal_policy_reaches_the_goal_in_the_real_env(env_id, seed):
    """Actions sampled from the exact soft-optimal policy of the model reach the goal of the real env."""
    env = TabularObsWrapper(StationaryRewardWrapper(gym.make(env_id)))
    s, _ = env.reset(seed=seed)
    policy = soft_q_iteration(minigrid_to_mdp(env, gamma=0.99), alpha=1e-3).policy
    rng = np.random.default_rng(seed)
    for _ in range(env.unwrapped.max_steps):
        s, r, terminated, truncated, _ = env.step(int(rng.choice(3, p=policy[s])))
        if terminated or truncated:
            break
    assert terminated and r == 1.0 and env.unwrapped.grid.get(*env.unwrapped.agent_pos).type == "goal"


def test_stationary_wrapper_removes_minigrids_clock_from_the_goal_reward():
    """MiniGrid's goal reward shrinks with the step count; the wrapped env pays goal_reward regardless."""
    def goal_reward(wrap: bool) -> float:
        env = gym.make("MiniGrid-Empty-5x5-v0")
        env = StationaryRewardWrapper(env, goal_reward=1.0) if wrap else env
        env.reset(seed=0)
        for a in [0, 1, 2, 2, 1, 2, 2]:  # a wasted turn pair, then right twice, down twice: the goal
            _, r, terminated, _, _ = env.step(a)
        assert terminated
        return r
    assert goal_reward(wrap=False) < 1.0 and goal_reward(wrap=True) == 1.0


def test_observations_are_the_model_state_indices():
    """TabularObsWrapper: Discrete(4 W H) observations equal minigrid_state, and the model starts there."""
    env = tabular("MiniGrid-FourRooms-v0", seed=5)
    s, _ = env.reset(seed=5)
    base = env.unwrapped
    assert env.observation_space == gym.spaces.Discrete(4 * base.width * base.height)
    assert env.action_space == gym.spaces.Discrete(3)
    assert s == minigrid_state(env) == 4 * (base.agent_pos[1] * base.width + base.agent_pos[0]) + base.agent_dir
    assert minigrid_to_mdp(env).initial[s] == 1.0


@pytest.mark.parametrize("env_id, word", [("MiniGrid-DoorKey-5x5-v0", "door|key"),
                                          ("MiniGrid-Dynamic-Obstacles-5x5-v0", "ball")])
def test_unsupported_objects_raise_a_clear_error(env_id, word):
    """Grids with doors, keys or moving obstacles get a ValueError naming the object, never a wrong model."""
    env = gym.make(env_id)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=word):
        minigrid_to_mdp(env)


def test_bad_envs_are_rejected():
    """A non-MiniGrid env is a TypeError; a MiniGrid env never reset is a ValueError saying reset."""
    with pytest.raises(TypeError, match="env"):
        minigrid_to_mdp(gym.make("discrete_softq/OpenRoom-v0"))
    with pytest.raises(ValueError, match="reset"):
        minigrid_to_mdp(gym.make("MiniGrid-Empty-5x5-v0"))


# ---------------------------------------------------------------------- the wall-change MiniGrid
def test_wall_change_minigrid_passes_check_env():
    """The registered MiniGrid-WallChange env passes check_env (render check skipped: human mode opens a window)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gym.make("discrete_softq/MiniGrid-WallChange-v0").unwrapped, skip_render_check=True)
    frame = gym.make("discrete_softq/MiniGrid-WallChange-v0", render_mode="rgb_array")
    frame.reset(seed=0)
    assert frame.render().ndim == 3


def test_wall_change_minigrid_same_seed_same_trajectory():
    """Same seed and actions give the same observations in the wall-change MiniGrid."""
    def run():
        env = TabularObsWrapper(gym.make("discrete_softq/MiniGrid-WallChange-v0", changes=[
            WallChange(at_step=10, layout="two_routes_blocked")]))
        env.reset(seed=7)
        return [env.step(int(a))[0] for a in np.random.default_rng(7).integers(3, size=40)]
    assert run() == run()


def test_wall_change_minigrid_schedule_matches_gridworld_semantics():
    """at_step=N: the grid's walls become the new map after N steps, persist across reset, revert on reset(seed)."""
    env = WallChangeMiniGridEnv(changes=[WallChange(at_step=3, layout="two_routes_blocked")])
    env.reset(seed=0)
    walls = lambda: np.array([[env.grid.get(x, y) is not None and env.grid.get(x, y).type == "wall"  # noqa: E731
                               for x in range(env.width)] for y in range(env.height)])
    for t in range(1, 4):
        info = env.step(0)[-1]
        assert info["layout_index"] == (t >= 3)
    np.testing.assert_array_equal(walls(), parse_layout("two_routes_blocked").walls)
    env.reset()
    assert env.changed and env.episode == 1
    np.testing.assert_array_equal(walls(), parse_layout("two_routes_blocked").walls)
    env.reset(seed=0)
    assert not env.changed and env.total_steps == 0
    np.testing.assert_array_equal(walls(), parse_layout("two_routes").walls)


def test_wall_change_minigrid_model_after_the_change():
    """After the change, the bridge's model of the wall-change MiniGrid still matches it for every (s, a)."""
    env = TabularObsWrapper(StationaryRewardWrapper(
        WallChangeMiniGridEnv(changes=[WallChange(at_episode=1, layout="two_routes_blocked")]), **REWARDS))
    env.reset(seed=0)
    env.reset()
    assert env.unwrapped.changed
    assert_model_matches_env(env)


def test_wall_change_minigrid_moves_an_agent_walled_in():
    """A new wall on the agent's cell moves it to the nearest free cell, as in GridWorld."""
    env = WallChangeMiniGridEnv(layout=["S...", "...G"], changes=[WallChange(at_step=2, layout=["S.#.", "...G"])])
    env.reset(seed=0)  # a border is added: the agent starts at (x=1, y=1) facing right
    env.step(2)
    info = env.step(2)[-1]  # forward onto (3, 1), which becomes a wall after this second step
    # (2, 1), (4, 1) and (3, 2) are all at distance 1: the tie goes to the lowest y * width + x
    assert info["displaced"] and tuple(env.agent_pos) == (2, 1) and env.agent_dir == 0

"""GridWorld at the edges: immutable layouts, time limits on every id, named errors, one set of dynamics.

The dynamics claims use an independent oracle: a plain re-statement of the book's rules (move in
the chosen direction unless a wall or the border is in the way; slip sideways with probability
slip / 2 each), written here cell by cell, against the tables that step(), to_mdp() and the
batched runner all read.
"""

import gymnasium as gym
import numpy as np
import pytest

import discrete_softq.envs as envs
from discrete_softq.envs import LAYOUTS, GridTables, GridWorld, WallChange, parse_layout
from discrete_softq.envs.dynamics import slip_direction, slip_distribution

GRID_IDS = ["discrete_softq/TwoRoutes-v0", "discrete_softq/BlockingMaze-v0",
            "discrete_softq/ShortcutMaze-v0", "discrete_softq/OpenRoom-v0"]


# ---------------------------------------------------------------------- immutability
def test_layouts_cannot_be_edited():
    """LAYOUTS is a read-only mapping of tuples: adding, replacing or editing a map raises TypeError."""
    with pytest.raises(TypeError):
        LAYOUTS["two_routes"] = ["S.G"]  # type: ignore[index]
    with pytest.raises(TypeError):
        LAYOUTS["two_routes"][1] = "#S.........G#"  # type: ignore[index]
    with pytest.raises((TypeError, AttributeError)):
        LAYOUTS["two_routes"].append("#")  # type: ignore[attr-defined]


def test_gym_make_builds_the_registered_map():
    """What gym.make builds is the map of LAYOUTS, whatever a caller did with the layouts it was given."""
    env = gym.make("discrete_softq/TwoRoutes-v0").unwrapped
    assert env.layouts[0].rows == tuple(LAYOUTS["two_routes"])
    with pytest.raises(ValueError):
        env.layouts[0].walls[1, 1] = True


def test_layout_masks_are_read_only_copies():
    """A Layout's masks (walls, goals, traps, terminal) are read-only, also when built by hand."""
    L = parse_layout(["S.G"])
    for mask in (L.walls, L.goals, L.traps, L.terminal):
        assert not mask.flags.writeable
    walls = np.zeros((1, 3), dtype=bool)
    hand = envs.Layout(rows=("S.G",), walls=walls, goals=L.goals, traps=L.traps, start=(0, 0))
    walls[0, 1] = True
    assert not hand.walls[0, 1] and not hand.walls.flags.writeable


def test_environment_dynamics_are_read_only():
    """slip, rewards, max_steps and gamma cannot be reassigned after construction (the tables follow them)."""
    env = GridWorld(["S.G"])
    for name in ("slip", "step_reward", "goal_reward", "trap_reward", "max_steps", "gamma"):
        with pytest.raises(AttributeError):
            setattr(env, name, 0.5)
    assert not env.tables().moves.flags.writeable


# ---------------------------------------------------------------------- time limits
@pytest.mark.parametrize("env_id", GRID_IDS)
def test_every_registered_gridworld_has_a_time_limit(env_id):
    """Every registered gridworld truncates: the env's own max_steps is set (200, or 1000 on the mazes)."""
    env = gym.make(env_id).unwrapped
    assert env.max_steps == (envs.MAZE_MAX_STEPS if "Maze" in env_id else 200)


def test_maze_episode_is_truncated_at_its_limit():
    """A random walk on BlockingMaze-v0 that never reaches the goal is truncated exactly at 1000 steps."""
    env = gym.make("discrete_softq/BlockingMaze-v0", goal_reward=0.0, max_steps=1000)
    env.reset(seed=0)
    for t in range(1, 1001):
        _, _, terminated, truncated, _ = env.step(0)   # UP from the start: never reaches the goal
        assert not terminated and truncated == (t == 1000)


# ---------------------------------------------------------------------- named errors
@pytest.mark.parametrize("call, error, name", [
    (lambda env: env.to_mdp(layout=5), ValueError, "layout"),
    (lambda env: env.to_mdp(layout=-1), ValueError, "layout"),
    (lambda env: env.nearest_free_state(10**6), ValueError, "state"),
    (lambda env: env.nearest_free_state(-1), ValueError, "state"),
    (lambda env: env.nearest_free_state(1.5), TypeError, "state"),
    (lambda env: env.outcome_distribution(0, 7), ValueError, "action"),
    (lambda env: env.outcome_distribution(10**6, 0), ValueError, "state"),
    (lambda env: env.outcome_distribution(0, 1.0), TypeError, "action"),
    (lambda env: env.reset(options={"state": 2.5}), TypeError, "state"),
    (lambda env: (env.reset(seed=0), env.step(1.5)), TypeError, "action"),
    (lambda env: (env.reset(seed=0), env.step(4)), ValueError, "action"),
    (lambda env: (env.reset(seed=0), env.step("1")), TypeError, "action"),
])
def test_bad_queries_raise_named_errors(call, error, name):
    """Out-of-range or non-integer layouts, states and actions raise TypeError/ValueError naming them."""
    env = GridWorld("two_routes", changes=[WallChange(at_step=5, layout="two_routes_blocked")])
    with pytest.raises(error, match=name):
        call(env)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"slip": "0.1"}, TypeError, "slip"), ({"slip": -0.1}, ValueError, "slip"),
    ({"gamma": float("nan")}, ValueError, "gamma"), ({"gamma": 1.5}, ValueError, "gamma"),
    ({"max_steps": 2.5}, TypeError, "max_steps"), ({"max_steps": True}, TypeError, "max_steps"),
    ({"goal_reward": 1j}, TypeError, "goal_reward"), ({"trap_reward": float("inf")}, ValueError, "trap_reward"),
    ({"changes": [WallChange(at_step=1, layout="blocking_maze_after")], "layout": "two_routes"}, ValueError, "shape"),
])
def test_constructor_arguments_are_checked(kwargs, error, name):
    """Every GridWorld argument is checked with the shared validators, the error naming it."""
    kwargs = {"layout": "blocking_maze", **kwargs}
    with pytest.raises(error, match=name):
        GridWorld(**kwargs)


# ---------------------------------------------------------------------- one set of dynamics
def _book_move(L, s, d):
    """The book's move rule, cell by cell (the oracle)."""
    H, W = L.shape
    r, c = divmod(s, W)
    if L.terminal[r, c] or L.walls[r, c]:
        return s
    dr, dc = [(-1, 0), (0, 1), (1, 0), (0, -1)][d]
    nr, nc = r + dr, c + dc
    return nr * W + nc if 0 <= nr < H and 0 <= nc < W and not L.walls[nr, nc] else s


@pytest.mark.parametrize("layout", ["two_routes", "cliff", "blocking_maze"])
def test_tables_and_exact_model_follow_the_book_rules(layout):
    """moves[d, s] is the book's move, and to_mdp's P(s'|s,a) puts 1 - slip on the action and
    slip / 2 on each perpendicular move, for every cell and action."""
    env = GridWorld(layout, slip=0.3)
    L = env.layouts[0]
    P = env.to_mdp().transitions.toarray()
    for s in range(env.n_states):
        for a in range(4):
            assert env.tables().moves[0, a, s] == _book_move(L, s, a)
            expected = np.zeros(env.n_states)
            for d, p in ((a, 0.7), ((a + 1) % 4, 0.15), ((a + 3) % 4, 0.15)):
                expected[_book_move(L, s, d)] += p
            np.testing.assert_allclose(P[s * 4 + a], expected, atol=1e-15)


def test_slip_draw_samples_the_slip_distribution():
    """slip_direction, on a fine grid of uniforms, lands on each direction with slip_distribution's mass."""
    u = (np.arange(100_000) + 0.5) / 100_000
    for action in range(4):
        dirs, probs = slip_distribution(action, 0.3)
        drawn = slip_direction(np.full(u.size, action), u, 0.3)
        for d, p in zip(dirs, probs):
            assert abs(np.mean(drawn == d) - p) < 1e-4


def test_tables_are_shared_and_agnostic_of_wrappers():
    """GridTables.from_env reads the env's own tables (the ones step() samples), also through wrappers."""
    env = gym.make("discrete_softq/TwoRoutes-v0")
    assert GridTables.from_env(env) is env.unwrapped.tables()
    from discrete_softq.agents.batched import GridTables as Compat
    assert Compat is GridTables

"""GridWorld: layouts, the exact model against the environment, and walls that change mid-run."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from discrete_softq import soft_q_iteration, value_iteration
from discrete_softq.envs import LAYOUTS, Action, GridWorld, WallChange
from discrete_softq.envs.layouts import parse_layout


def free_states(env: GridWorld, layout=None) -> list[int]:
    L = env.layouts[0] if layout is None else parse_layout(layout)
    return [int(s) for s in np.flatnonzero(~(L.walls | L.terminal).ravel())]


def shortest_path(layout) -> int:
    """Steps from start to goal, read off the hard values: V(start) = gamma^(d - 1)."""
    env = GridWorld(layout)
    V = value_iteration(env.to_mdp(gamma=0.5), tol=1e-12).V
    return int(round(1 + np.log(V[env.start_state()]) / np.log(0.5)))


# ---------------------------------------------------------------------- layouts
def test_sutton_barto_mazes_are_the_books():
    """Blocking and shortcut mazes: 6 x 9, start (5, 3), goal (0, 8), walls on row 3 as in Ex. 8.2/8.3."""
    expected_walls = {"blocking_maze": range(0, 8), "blocking_maze_after": range(1, 9),
                      "shortcut_maze": range(1, 9), "shortcut_maze_after": range(1, 8)}
    for name, cols in expected_walls.items():
        L = parse_layout(name)
        assert L.shape == (6, 9) and L.start == (5, 3)
        assert list(zip(*np.nonzero(L.goals))) == [(0, 8)]
        assert [tuple(map(int, rc)) for rc in np.argwhere(L.walls)] == [(3, c) for c in cols]


def test_two_routes_upper_route_is_shorter_until_blocked():
    """two_routes: the upper route (13 steps) beats the lower (21); blocked, only the lower one is left."""
    assert shortest_path("two_routes") == 13
    assert shortest_path("two_routes_blocked") == 21


def test_two_routes_block_is_one_wall_just_before_the_goal():
    """The blocked map differs in one cell: the last cell of the upper corridor, left of the goal."""
    a, b = parse_layout("two_routes"), parse_layout("two_routes_blocked")
    diff = [tuple(map(int, rc)) for rc in np.argwhere(a.walls != b.walls)]
    (gr, gc), = [tuple(map(int, rc)) for rc in np.argwhere(a.goals)]
    assert diff == [(gr, gc - 1)] and b.walls[gr, gc - 1]


def test_soft_policy_at_the_fork_switches_route_when_blocked():
    """Soft-optimal policy at the start: more mass up (short route) before the block, down after."""
    env = GridWorld("two_routes")
    s = env.start_state()
    before = soft_q_iteration(env.to_mdp(), alpha=0.01).policy[s]
    after = soft_q_iteration(env.to_mdp(layout="two_routes_blocked"), alpha=0.01).policy[s]
    assert before[Action.UP] > before[Action.DOWN]
    assert after[Action.DOWN] > after[Action.UP]


@pytest.mark.parametrize("bad, message", [
    (["...", "..G"], "start"), (["S..", "..."], "goal"), (["S..", "..G."], "same length"),
    (["S.x", "..G"], "unknown"), ("no_such_layout", "LAYOUTS")])
def test_bad_layouts_raise_value_error_naming_the_problem(bad, message):
    """Maps without a start or goal, ragged or with unknown characters are rejected clearly."""
    with pytest.raises(ValueError, match=message):
        GridWorld(bad)


@pytest.mark.parametrize("kwargs, name", [
    ({"slip": 1.5}, "slip"), ({"gamma": 1.5}, "gamma"), ({"max_steps": 0}, "max_steps"),
    ({"step_reward": float("nan")}, "step_reward"), ({"render_mode": "human"}, "render_mode"),
    ({"changes": [WallChange(at_step=1, layout="open_room")]}, "shape")])
def test_bad_arguments_name_the_parameter(kwargs, name):
    """Each invalid constructor argument raises ValueError mentioning it."""
    with pytest.raises(ValueError, match=name):
        GridWorld("blocking_maze", **kwargs)


def test_wall_change_needs_exactly_one_trigger():
    """WallChange takes at_step or at_episode, not both and not neither."""
    with pytest.raises(ValueError, match="at_step"):
        WallChange(layout="open_room")
    with pytest.raises(ValueError, match="at_step"):
        WallChange(at_step=1, at_episode=1, layout="open_room")
    with pytest.raises(ValueError, match="at_episode"):
        WallChange(at_episode=-1, layout="open_room")


# ---------------------------------------------------------------------- the exact model
@pytest.mark.parametrize("layout", ["two_routes", "two_routes_blocked", "blocking_maze", "cliff"])
def test_deterministic_model_matches_step_for_every_state_action(layout):
    """Without slip, to_mdp's successor, reward and terminal flag equal step's for every (s, a)."""
    env = GridWorld(layout, step_reward=-0.1, goal_reward=2.0, trap_reward=-5.0)
    mdp = env.to_mdp()
    P = mdp.transitions.tocsr()
    assert P.nnz == mdp.n_states * mdp.n_actions  # one successor per row
    env.reset(seed=0)
    for s in free_states(env):
        for a in Action:
            env.reset(options={"state": s})
            s2, r, terminated, _, _ = env.step(a)
            row = P[s * 4 + a]
            assert row.indices.tolist() == [s2] and row.data.tolist() == [1.0]
            assert r == mdp.rewards[s, a] and terminated == mdp.terminal[s2]


def test_slippery_model_equals_the_exact_outcome_distribution():
    """With slip, each row of to_mdp is the distribution (and expected reward) outcome_distribution gives."""
    env = GridWorld("cliff", slip=0.3, step_reward=-1.0, goal_reward=10.0, trap_reward=-100.0)
    mdp = env.to_mdp()
    P = mdp.transitions.toarray()
    for s in free_states(env):
        for a in Action:
            nxt, p, r = env.outcome_distribution(s, a)
            expected = np.zeros(mdp.n_states)
            expected[nxt] = p
            np.testing.assert_allclose(P[s * 4 + a], expected, atol=1e-15)
            assert mdp.rewards[s, a] == pytest.approx(p @ r)


def test_slippery_steps_sample_the_exact_outcome_distribution():
    """Empirical next-state counts from step agree with outcome_distribution (chi-square, p > 1e-4)."""
    env = GridWorld("two_routes", slip=0.4)
    env.reset(seed=123)
    chi2, dof, n = 0.0, 0, 150
    for s in free_states(env)[::3]:
        for a in Action:
            nxt, p, _ = env.outcome_distribution(s, a)
            counts = dict.fromkeys(nxt.tolist(), 0)
            for _ in range(n):
                env.reset(options={"state": s})
                counts[env.step(a)[0]] += 1  # a KeyError here = an outcome the model says is impossible
            observed = np.array([counts[k] for k in nxt.tolist()])
            chi2 += float(((observed - n * p) ** 2 / (n * p)).sum())
            dof += len(p) - 1
    assert stats.chi2.sf(chi2, dof) > 1e-4


def test_to_mdp_defaults_to_env_gamma_and_current_layout():
    """to_mdp() uses the env's gamma and the map in force; gamma= overrides it."""
    env = GridWorld("blocking_maze", gamma=0.9, changes=[WallChange(at_step=1, layout="blocking_maze_after")])
    env.reset(seed=0)
    assert env.to_mdp().gamma == 0.9 and env.to_mdp(gamma=0.5).gamma == 0.5
    before = env.to_mdp().transitions.toarray()
    env.step(Action.UP)
    np.testing.assert_array_equal(env.to_mdp().transitions.toarray(), env.to_mdp(layout=1).transitions.toarray())
    assert not np.array_equal(before, env.to_mdp().transitions.toarray())


# ---------------------------------------------------------------------- wall changes
def test_step_change_lands_after_exactly_n_steps_and_persists_across_reset():
    """at_step=N: steps 0..N-1 on the first map, the N-th step's observation on the new one; plain reset keeps it."""
    N = 7
    env = GridWorld("blocking_maze", changes=[WallChange(at_step=N, layout="blocking_maze_after")], max_steps=3)
    env.reset(seed=0)
    for t in range(1, N + 1):
        _, _, term, trunc, info = env.step(Action.LEFT)
        assert info["layout_index"] == (1 if t >= N else 0) and env.changed == (t >= N)
        assert info["layout_changed"] == (t == N)
        if term or trunc:
            env.reset()
    assert env.total_steps == N and env.episode == 2  # truncations at steps 3 and 6 started episodes 1, 2
    env.reset()
    assert env.layout == parse_layout("blocking_maze_after") and env.episode == 3


def test_seeded_reset_starts_a_new_run():
    """reset(seed=...) brings back the first map and zero counters."""
    env = GridWorld("shortcut_maze", changes=[WallChange(at_step=2, layout="shortcut_maze_after")])
    env.reset(seed=1)
    env.step(0), env.step(0)
    env.reset()
    assert env.changed and env.total_steps == 2 and env.episode == 1
    env.reset(seed=1)
    assert not env.changed and env.total_steps == 0 and env.episode == 0
    assert env.layout == parse_layout("shortcut_maze")


def test_episode_change_lands_at_the_reset_of_that_episode():
    """at_episode=K: episodes 0..K-1 on the first map, episode K onwards on the new one."""
    env = GridWorld("open_room", changes=[WallChange(at_episode=2, layout=list(LAYOUTS["open_room"][:-1]) + ["S#....."])])
    indices = []
    env.reset(seed=0)
    indices.append(env.layout_index)
    for _ in range(3):
        env.reset()
        indices.append(env.layout_index)
    assert indices == [0, 0, 1, 1]


def test_changes_apply_in_order_and_layout_at_predicts_the_run():
    """Several changes land in order, and layout_at(total_steps, episode) names the map the env uses."""
    maps = ["S...G", "S#..G", "S.#.G", "S..#G"]
    changes = [WallChange(at_step=3, layout=[maps[1]]), WallChange(at_episode=2, layout=[maps[2]]),
               WallChange(at_step=4, layout=[maps[3]])]  # waits for the episode change before it
    env = GridWorld([maps[0]], changes=changes, max_steps=2)
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    seen = []
    for _ in range(12):
        _, _, term, trunc, _ = env.step(int(rng.integers(4)))
        assert env.layout == env.layout_at(env.total_steps, env.episode)
        seen.append(env.layout_index)
        if term or trunc:
            env.reset()
            assert env.layout == env.layout_at(env.total_steps, env.episode)
    assert seen == sorted(seen) and seen[-1] == 3
    assert env.layout_index_at(3, 1) == 1 and env.layout_index_at(100, 1) == 1 and env.layout_index_at(4, 2) == 3


def test_new_wall_on_the_agent_moves_it_to_the_nearest_free_cell():
    """A wall landing on the agent's cell moves it to the nearest free cell (ties: lowest index)."""
    env = GridWorld(["S...", "....", "...G"], changes=[WallChange(at_step=1, layout=["S...", ".#..", "...G"])])
    env.reset(seed=0, options={"state": (1, 0)})
    s, _, _, _, info = env.step(Action.RIGHT)  # lands on (1, 1), which becomes a wall
    assert info["displaced"] and env.cell_of(s) == (0, 1)  # (0,1), (1,0), (1,2), (2,1) tie: lowest index
    assert env.state == s == env.nearest_free_state(env.state_index(1, 1))


def test_agent_not_on_the_new_wall_stays_put():
    """A change elsewhere leaves the agent where it is and reports displaced=False."""
    env = GridWorld(["S...", "....", "...G"], changes=[WallChange(at_step=1, layout=["S...", ".#..", "...G"])])
    env.reset(seed=0)
    s, _, _, _, info = env.step(Action.RIGHT)
    assert not info["displaced"] and env.cell_of(s) == (0, 1)


# ---------------------------------------------------------------------- gymnasium conventions
def test_truncation_at_max_steps():
    """An episode that has not ended is truncated after max_steps steps, not terminated."""
    env = GridWorld("open_room", max_steps=5)
    env.reset(seed=0)
    flags = [env.step(Action.LEFT)[2:4] for _ in range(5)]
    assert flags == [(False, False)] * 4 + [(False, True)]


def test_goal_terminates_with_goal_reward():
    """Entering the goal gives goal_reward and terminates; other steps give step_reward."""
    env = GridWorld(["SG"], step_reward=-0.5, goal_reward=3.0)
    env.reset(seed=0)
    assert env.step(Action.LEFT)[1:3] == (-0.5, False)
    assert env.step(Action.RIGHT)[1:3] == (3.0, True)


def test_same_seed_same_trajectory():
    """Two slippery envs reset with the same seed and fed the same actions produce the same trajectory."""
    def run(seed):
        env = GridWorld("two_routes", slip=0.3)
        env.reset(seed=seed)
        return [env.step(a)[0] for a in np.random.default_rng(5).integers(4, size=100)]
    assert run(3) == run(3) and run(3) != run(4)


def test_renders_ansi_and_rgb():
    """ansi marks the agent with 'A' on the map; rgb_array is an (H*16, W*16, 3) uint8 image."""
    env = GridWorld("open_room", render_mode="ansi")
    env.reset(seed=0)
    text = env.render().splitlines()
    assert text[4][0] == "A" and text[0] == LAYOUTS["open_room"][0]
    img = GridWorld("open_room", render_mode="rgb_array")
    img.reset(seed=0)
    frame = img.render()
    assert frame.shape == (5 * 16, 7 * 16, 3) and frame.dtype == np.uint8


def test_state_index_and_cell_are_inverse():
    """state_index and cell_of are inverse maps (scalars and arrays)."""
    env = GridWorld("two_routes")
    s = np.arange(env.n_states)
    np.testing.assert_array_equal(env.state_index(*env.cell_of(s)), s)
    assert env.cell_of(env.start_state()) == parse_layout("two_routes").start


def test_move_table_and_slip_rule_reproduce_step_draw_for_draw():
    """move_table[slip_directions(a, u), s] with the env's own uniform draws gives step's next states."""
    import copy
    env = GridWorld("two_routes", slip=0.5, step_reward=-1.0)
    env.reset(seed=11)
    rng = copy.deepcopy(env.np_random)
    moves, enter = env.move_table(), env.reward_table()
    actions = np.random.default_rng(0).integers(4, size=300)
    for a in actions:
        s = env.state
        predicted = moves[env.slip_directions(a, rng.random()), s]
        s2, r, terminated, truncated, _ = env.step(a)
        assert s2 == predicted and r == enter[s2]
        if terminated or truncated:
            env.reset()

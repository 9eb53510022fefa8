"""The maze-change study: its measures mean what their docstrings say, and the demo runs.

The measures are checked on Q-tables whose answer is known exactly (the DP optimum of the old
or the new map), so they can be trusted on learnt Q-tables.
"""

import numpy as np
import pytest

from discrete_softq import soft_q_iteration, value_iteration
from discrete_softq.demos import maze_change as demo
from discrete_softq.envs import GridTables
from discrete_softq.experiments import maze_measures as mm
from discrete_softq.experiments.maze_change import MEASURES, _policy_of, run_maze_change, termination_pitfall
from discrete_softq.experiments.maze_setup import AGENTS, BOLTZMANN_DECAY, DEFAULT_AGENTS, configurations, make_env
from discrete_softq.soft import softmax


@pytest.fixture(scope="module")
def two_routes():
    env = make_env("two_routes", "step", change_step=100)
    return env, GridTables.from_env(env)


def test_shortest_paths_match_the_layout_documentation(two_routes):
    """two_routes: 13 steps by the upper route; 21 by the lower one once the upper is blocked."""
    _, tables = two_routes
    assert (mm.shortest_path_length(tables, 0), mm.shortest_path_length(tables, 1)) == (13, 21)


def test_the_new_maps_optimum_knows_the_new_route(two_routes):
    """Q* of the new map: its greedy path reaches the goal from every cell of the new route."""
    env, tables = two_routes
    Q = value_iteration(env.to_mdp(layout=1)).Q
    assert mm.greedy_reaches_goal(Q, tables, 1) and mm.route_knowledge(Q, tables, 1) == 1.0


def test_the_old_maps_optimum_walks_into_the_new_wall(two_routes):
    """Q* of the old map, followed on the new map from the start, never reaches the goal (the upper route is shut)."""
    env, tables = two_routes
    Q = value_iteration(env.to_mdp(layout=0)).Q
    assert not mm.greedy_reaches_goal(Q, tables, 1)
    assert mm.route_knowledge(Q, tables, 1) < 1.0


def test_reach_probability_of_an_optimal_deterministic_policy(two_routes):
    """A greedy optimal policy reaches the goal with probability 1 in exactly the shortest number of steps."""
    env, tables = two_routes
    Q = value_iteration(env.to_mdp(layout=1)).Q
    pi = np.eye(4)[Q.argmax(axis=1)]
    L = mm.shortest_path_length(tables, 1)
    assert mm.reach_probability(pi, env, 1, L) == pytest.approx(1.0)
    assert mm.reach_probability(pi, env, 1, L - 1) == 0.0


def test_termination_pitfall_shannon_avoids_the_goal_kl_does_not():
    """Goal-only reward, alpha = 0.1: the Shannon soft-optimal policy almost never ends the episode;
    the KL-to-uniform one almost always does (its entropy term is <= 0, so ending costs nothing)."""
    row = termination_pitfall("two_routes", "goal", alphas=(0.1,))[0]
    assert row["shannon"] < 0.01 and row["kl_uniform"] > 0.9


def test_reach_probability_agrees_with_rollouts_in_the_environment():
    """The exact reach probability of a stochastic (soft-optimal) policy matches the frequency over
    1000 rollouts of GridWorld.step within 4 standard errors."""
    env = make_env("two_routes", "goal", change_step=10**6)
    pi = soft_q_iteration(env.to_mdp(layout=0), 0.02, tol=1e-6).policy
    horizon, n = 20, 1000  # p is about 0.6 here: a non-trivial probability
    p = mm.reach_probability(pi, env, 0, horizon)
    rng = np.random.default_rng(0)
    hits = 0
    s, _ = env.reset(seed=0)
    for _ in range(n):
        s, _ = env.reset()
        for _ in range(horizon):
            s, _, terminated, _, _ = env.step(int(rng.choice(4, p=pi[s])))
            if terminated:
                hits += 1
                break
    assert abs(hits / n - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-9


def test_bad_study_arguments_name_the_parameter():
    """Unknown layout or agent names raise ValueError naming them."""
    with pytest.raises(ValueError, match="layout"):
        run_maze_change(layout="nope")
    with pytest.raises(ValueError, match="agents"):
        run_maze_change(agents=("soft", "sarsa"))


def test_demo_quick_run_writes_the_figure(tmp_path, capsys):
    """`maze_change --quick --no-progress --out DIR` exits 0, prints every agent's table and the
    temperature sweep, and saves maze_change.png."""
    assert demo.main(["--quick", "--no-progress", "--out", str(tmp_path), "--agents", "soft,q,boltzmann,dyna"]) == 0
    out = capsys.readouterr().out
    assert "(b) share of seeds that recover" in out and "Dyna-Q" in out and "alpha=0.1" in out
    assert "[fixed] Boltzmann Q-learning" in out
    assert (tmp_path / "maze_change.png").stat().st_size > 10_000


def test_the_report_is_returned_text_with_every_measure(capsys):
    """MazeChangeResult.report() returns (does not print) the tables: each agent's measures, by name."""
    res = run_maze_change("two_routes", ("soft",), ("fixed",), n_seeds=2, n_tune_seeds=1, change_step=200,
                          post_steps=200)
    text = res.report()
    assert capsys.readouterr().out == ""
    assert "termination pitfall" in text and "[fixed]" in text
    assert all(label in text for key, label in MEASURES if key in res.results["fixed"]["soft"].measures)


def test_too_short_a_phase_after_the_change_is_refused():
    """post_steps = 1 leaves no window after the change: a ValueError naming post_steps."""
    with pytest.raises(ValueError, match="post_steps"):
        run_maze_change(post_steps=1)


def test_boltzmann_q_learning_is_a_default_row_tuned_on_a_constant_and_an_annealed_temperature():
    """The Boltzmann row is in DEFAULT_AGENTS with the same budget as the others: 4 configurations, a constant
    temperature and the annealed BOLTZMANN_DECAY, each at two step sizes; --alpha does not pin it."""
    assert "boltzmann" in DEFAULT_AGENTS
    configs = configurations(AGENTS["boltzmann"], {"alpha": 0.5})
    assert len(configs) == 4 and {str(c["temperature"]) for c in configs} == {"0.01", str(BOLTZMANN_DECAY)}


def test_the_reach_probability_reads_an_annealed_temperature_at_the_change():
    """The behaviour policy whose reach probability is measured uses the temperature in force at the change
    (the schedule at update change_step), not the schedule's starting value."""
    Q = np.random.default_rng(0).normal(size=(5, 4))
    params = {"temperature": BOLTZMANN_DECAY, "lr": 0.9}
    expected = softmax(Q, BOLTZMANN_DECAY(2000))
    assert np.allclose(_policy_of("boltzmann", params, Q, 2000), expected)
    assert not np.allclose(_policy_of("boltzmann", params, Q, 0), expected)

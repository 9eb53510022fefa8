"""``solve`` picks a solver and keeps its guarantee; its answers agree with the textbook solvers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import gymnasium as gym
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from gymnasium.envs.toy_text.frozen_lake import generate_random_map

from discrete_softq import TabularMDP, random_mdp, reference, soft_policy_iteration, soft_value_iteration, solve
from discrete_softq.envs import from_gymnasium
from discrete_softq.mdp_builders import open_grid_mdp, slippery_grid_mdp
from discrete_softq.testing.strategies import mdps


def random_frozen_lake(size: int, gamma: float) -> TabularMDP:
    """Gymnasium's slippery FrozenLake on a random ``size x size`` map, as an exact model.

    At gamma near 1 it mixes slowly: soft value iteration needs over 10^5 sweeps on a 24 x 24 map.
    """
    return from_gymnasium(gym.make("FrozenLake-v1", desc=generate_random_map(size=size, p=0.9, seed=1)), gamma=gamma)


@pytest.mark.parametrize("mdp", [random_mdp(8, 3, seed=0), random_mdp(900, 3, seed=1, sparse=True, branching=3),
                                 open_grid_mdp(30, 0.99)], ids=["small", "sparse", "grid"])
@pytest.mark.parametrize("alpha, prior", [(0.5, None), (0.2, [0.25, 0.25, 0.5, 0.0][:3]), (0.0, None)])
def test_solve_agrees_with_the_reference(mdp, alpha, prior):
    """Whatever solver ``solve`` picks, its Q is within its bound of the textbook solver's (and tol holds)."""
    if prior is not None:
        prior = np.full(mdp.n_actions, 1.0 / mdp.n_actions)
    sol = solve(mdp, alpha, tol=1e-8, prior=prior)
    ref = reference.soft_policy_iteration(mdp, alpha, tol=1e-9, prior=prior)
    assert sol.converged and sol.error_bound <= 1e-8
    assert np.abs(sol.Q - ref.Q).max() <= sol.error_bound + ref.error_bound
    assert sol.solver in ("soft_value_iteration", "soft_policy_iteration")


def test_small_fast_mixing_models_stay_with_value_iteration():
    """A small random MDP (no terminal states: the span rule stops VI early) is solved within the trial."""
    assert solve(random_mdp(10, 3, seed=0), 0.5).solver == "soft_value_iteration"


def test_small_slowly_mixing_episodic_models_go_to_policy_iteration():
    """FrozenLake 8x8 at gamma 0.999 (stochastic, terminal holes) goes straight to Newton's method."""
    mdp = from_gymnasium(gym.make("FrozenLake8x8-v1"), gamma=0.999)
    sol = solve(mdp, 0.1, tol=1e-8)
    assert sol.solver == "soft_policy_iteration" and sol.converged and sol.iterations <= 12


#: Work units of the proxy below, in value-iteration sweeps, measured on 12-state models (process time,
#: interleaved runs): a soft_value_iteration call costs about 5 sweeps of set-up, a policy-iteration round
#: about 30 sweeps (a dense solve, the improvement and the bracket's backup, each a few NumPy calls).
VI_SETUP_SWEEPS, ROUND_SWEEPS = 5, 30


def _work(calls: list[tuple[str, int]]) -> float:
    return sum(k + VI_SETUP_SWEEPS if name == "vi" else ROUND_SWEEPS * k for name, k in calls)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mdp=mdps(max_states=12, terminal=True, gammas=st.sampled_from([0.0, 0.5, 0.9, 0.99, 0.999])),
       alpha=st.sampled_from([0.0, 0.1, 1.0]))
def test_solve_never_does_more_than_twice_the_work_of_the_better_solver(mdp, alpha):
    """On the test suite's MDP family, solve()'s work (sweeps and rounds of every solver it ran, in the units
    above) is at most 2x that of the cheaper of soft VI and soft PI run alone, plus its two short trials
    (a strict 2x fails on 7-state models whose hard VI stops after 31 sweeps while the rate predicted more)."""
    import discrete_softq.selection as selection

    calls: list[tuple[str, int]] = []

    def recorded(name, fn):  # noqa: ANN001, ANN202
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            sol = fn(*args, **kwargs)
            calls.append((name, sol.iterations))
            return sol
        return wrapper

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vi = soft_value_iteration(mdp, alpha, tol=1e-8, max_iter=10**6)
        pi = soft_policy_iteration(mdp, alpha, tol=1e-8)
        original = selection.soft_value_iteration, selection.soft_policy_iteration
        selection.soft_value_iteration = recorded("vi", original[0])
        selection.soft_policy_iteration = recorded("pi", original[1])
        try:
            sol = solve(mdp, alpha, tol=1e-8)
        finally:
            selection.soft_value_iteration, selection.soft_policy_iteration = original
    best = min(_work([("vi", vi.iterations)]), _work([("pi", pi.iterations)]))
    assert _work(calls) <= 2 * best + 2 * (selection.FIRST_SWEEPS + VI_SETUP_SWEEPS), (calls, vi.iterations, pi.iterations)
    assert sol.converged or not (vi.converged or pi.converged)


def test_slowly_mixing_episodic_tasks_switch_to_policy_iteration():
    """On a 24 x 24 FrozenLake at gamma 0.9999 value iteration would need >> its budget: solve ends with PI."""
    mdp = random_frozen_lake(24, 0.9999)
    sol = solve(mdp, 0.01, tol=1e-8)
    assert sol.solver == "soft_policy_iteration" and sol.converged
    ref = reference.soft_policy_iteration(mdp, 0.01, tol=1e-8)
    assert np.abs(sol.Q - ref.Q).max() <= sol.error_bound + ref.error_bound


def test_fast_mixing_grids_stay_with_value_iteration():
    """An open grid is solved within value iteration's trial (its sweeps are far cheaper than LU solves)."""
    assert solve(open_grid_mdp(40, 0.99), 0.1, tol=1e-6).solver == "soft_value_iteration"


def test_solve_names_bad_arguments():
    """Bad input is refused with the parameter's name."""
    with pytest.raises(TypeError, match="mdp"):
        solve("not an mdp", 0.1)
    with pytest.raises(ValueError, match="alpha"):
        solve(random_mdp(3, 2, seed=0), -1.0)
    with pytest.raises(ValueError, match="tol"):
        solve(random_mdp(3, 2, seed=0), 0.1, tol=0.0)


def test_policy_iteration_certifies_fast_mixing_mdps_near_gamma_one():
    """At gamma 0.9999 |Q| ~ 1e4 and a plain check would stop at a floor near 4e-7; polishing on Q - c (values of
    the size of Q's span) certifies tol = 1e-8, as value iteration does, and agrees with it."""
    from discrete_softq import soft_policy_iteration, soft_value_iteration

    mdp = random_mdp(100, 3, 0.9999, branching=5, seed=0, sparse=True)
    pi = soft_policy_iteration(mdp, 0.1, tol=1e-8, prior=[1 / 3] * 3)
    vi = soft_value_iteration(mdp, 0.1, tol=1e-8, prior=[1 / 3] * 3)
    assert pi.converged and vi.converged
    assert np.abs(pi.Q - vi.Q).max() <= pi.error_bound + vi.error_bound


def test_value_iteration_resumes_from_its_iterate_as_one_run():
    """Stopping soft VI after 60 of its 87 sweeps on the episodic 40x40 grid (gamma 0.999) and resuming from
    ``sol.iterate`` takes the cold run's sweep count in total, to the same answer within the bounds. Resuming
    from the extrapolated ``sol.V`` instead costs more than twice the remaining sweeps: the shift must be undone state by state as
    the goal's values travel (why solve() resumes from the iterate)."""
    mdp, rho = open_grid_mdp(40, 0.999), np.full(4, 0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cold = soft_value_iteration(mdp, 0.1, tol=1e-6, prior=rho, max_iter=50_000)
        first = soft_value_iteration(mdp, 0.1, tol=1e-6, prior=rho, max_iter=60)
        resumed = soft_value_iteration(mdp, 0.1, tol=1e-6, prior=rho, max_iter=50_000, V0=first.iterate)
        from_V = soft_value_iteration(mdp, 0.1, tol=1e-6, prior=rho, max_iter=50_000, V0=first.V)
    assert not first.converged and resumed.converged and cold.converged
    assert abs(first.iterations + resumed.iterations - cold.iterations) <= 1
    assert np.abs(resumed.Q - cold.Q).max() <= resumed.error_bound + cold.error_bound
    assert from_V.iterations > 2 * resumed.iterations
    assert first.iterate is not None and not first.iterate.flags.writeable
    assert soft_policy_iteration(mdp, 0.1, tol=1e-6, prior=rho).iterate is None


def test_a_far_warm_start_without_terminal_states_certifies_what_a_cold_start_does():
    """No terminal state, gamma 0.9999: a warm start at -5000 everywhere (|V*| ~ 10^3) once raised the rounding
    floor above tol = 1e-8 (the floor grows with |V|) and stopped with a RoundingFloorWarning; the start's
    mid-range is now subtracted (the bracket absorbs constants), so it converges to within 1e-8 of the reference."""
    mdp, rho = random_mdp(100, 3, 0.9999, branching=5, seed=0, sparse=True), np.full(3, 1 / 3)
    exact = reference.soft_value_iteration(mdp, 0.1, tol=1e-8, prior=rho, max_iter=10**6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warm = soft_value_iteration(mdp, 0.1, tol=1e-8, prior=rho, V0=np.full(100, -5000.0))
        chosen = solve(mdp, 0.1, tol=1e-8, prior=rho)
    for sol in (warm, chosen):
        assert sol.converged and np.abs(sol.Q - exact.Q).max() <= sol.error_bound + exact.error_bound


def test_large_long_episodes_go_to_policy_iteration_after_a_short_trial():
    """A slippery 240 x 240 grid (57,600 states, above DIRECT_SOLVE_MAX_STATES) at gamma 0.999: value iteration
    would cross it many times; solve() stops value iteration after SHORT_TRIAL_SWEEPS and certifies with policy
    iteration. At gamma 0.9 the same grid stays with value iteration."""
    import discrete_softq.selection as selection

    rho, sweeps = np.full(4, 0.25), []
    original = selection.soft_value_iteration

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        sol = original(*args, **kwargs)
        sweeps.append(sol.iterations)
        return sol

    selection.soft_value_iteration = counted
    try:
        sol = solve(slippery_grid_mdp(240, 0.999), 0.1, tol=1e-6, prior=rho)
    finally:
        selection.soft_value_iteration = original
    assert sol.solver == "soft_policy_iteration" and sol.converged and sol.error_bound <= 1e-6
    assert sweeps == [selection.SHORT_TRIAL_SWEEPS] and selection.SHORT_TRIAL_SWEEPS < selection.TRIAL_SWEEPS
    assert solve(slippery_grid_mdp(240, 0.9), 0.1, tol=1e-6, prior=rho).solver == "soft_value_iteration"


def _chain(n: int, gamma: float) -> TabularMDP:
    """A corridor of n states, a goal at its right end; left or right, reward -1 per step (deterministic)."""
    P = np.zeros((n, 2, n))
    P[np.arange(n), 0, np.maximum(np.arange(n) - 1, 0)] = 1.0
    P[np.arange(n), 1, np.minimum(np.arange(n) + 1, n - 1)] = 1.0
    terminal = np.zeros(n, dtype=bool)
    terminal[-1] = True
    return TabularMDP(P, -np.ones((n, 2)), gamma, terminal=terminal)


@pytest.mark.parametrize("mdp, goal_directed", [
    (_chain(60, 0.999), True), (_chain(60, 0.8), True), (open_grid_mdp(12, 0.9999), True), (open_grid_mdp(40, 0.99), True),
    (open_grid_mdp(40, 0.9), True), (open_grid_mdp(9, 0.99, rewards=np.random.default_rng(1).uniform(-2, 0, (81, 4))), False)],
    ids=["chain 0.999", "chain 0.8", "grid 0.9999", "grid 0.99", "grid 0.9", "grid, random rewards"])
def test_the_sweep_estimate_is_near_value_iterations_count(mdp, goal_directed):
    """The estimate solve() uses to skip value iteration on large deterministic episodic models (a goal's values cross
    as a wave; where steps gain less than alpha, values converge at gamma's rate) is at most 2x the sweeps the
    textbook value iteration needs, so it never sends solve() past a model value iteration solves fast; on tasks of
    reaching a goal at a cost per step it is at least 0.4x of them (at gamma >= 0.999, exactly the corridor's or the
    grid's length). With random rewards, wandering can beat reaching the goal and the estimate is low: solve() then
    keeps its trial of value iteration."""
    from discrete_softq.selection import _expected_sweeps

    estimate = _expected_sweeps(mdp, 0.1, 1e-6)
    sweeps = reference.soft_value_iteration(mdp, 0.1, tol=1e-6).iterations
    assert 0 < estimate <= 2 * sweeps
    if goal_directed:
        assert estimate >= 0.4 * sweeps
    if mdp.gamma >= 0.999:
        assert estimate == (mdp.n_states - 1 if mdp.n_actions == 2 else 2 * 11)


def test_long_deterministic_episodes_go_to_policy_iteration_at_once(monkeypatch):
    """A 1,200-state corridor at gamma 0.9999: its goal's values need 1,199 sweeps to cross it, more than policy
    iteration costs (DETERMINISTIC_PI_IN_SWEEPS), so solve() runs no value iteration at all; at gamma 0.9 the
    horizon (~170 sweeps) is what binds and value iteration's trial answers."""
    import discrete_softq.selection as selection

    calls = []
    monkeypatch.setattr(selection, "soft_value_iteration", lambda *a, **k: calls.append(1) or soft_value_iteration(*a, **k))
    monkeypatch.setattr(selection, "SMALL_PAIRS", 0)  # the large-model rules, on a model quick to solve
    sol = solve(_chain(1200, 0.9999), 0.1, tol=1e-6)
    assert sol.solver == "soft_policy_iteration" and sol.converged and not calls
    assert solve(_chain(1200, 0.9), 0.1, tol=1e-6).solver == "soft_value_iteration"

"""The robust (worst-case L1) evaluation of a fixed policy, against independent oracles.

The inner closed form against SciPy's LP solver; the fixed point against brute force over every
extreme adversary of a 2-state MDP and against robust value iteration whose inner step is an LP;
the theorems: eps = 0 is the nominal evaluation, the worst case falls as the budget grows, the
operator is a gamma-contraction, no policy beats the robust optimum (robust policy iteration).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from discrete_softq import TabularMDP, random_mdp
from discrete_softq.envs import GridWorld
from discrete_softq.evaluation import soft_policy_state_values
from discrete_softq.robust import (action_noise, block_states, dense_transitions, robust_bellman_operator,
                                   robust_policy_evaluation, robust_policy_iteration, wind, worst_case_l1)


def lp_worst_case(P, W, eps, allowed):
    """min_p W.p over the simplex, |p - P|_1 <= eps, supp p in allowed: variables (p, t), t >= |p - P|."""
    n = P.size
    c = np.concatenate([W, np.zeros(n)])
    eye = np.eye(n)
    A_ub = np.block([[eye, -eye], [-eye, -eye], [np.zeros((1, n)), np.ones((1, n))]])
    b_ub = np.concatenate([P, -P, [eps]])
    A_eq = np.concatenate([np.ones(n), np.zeros(n)])[None]
    bounds = [(0, None if ok else 0) for ok in (allowed | (P > 0))] + [(0, None)] * n
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
    assert res.status == 0
    return res.fun


@settings(max_examples=60)
@given(st.integers(2, 7), st.floats(0.0, 2.5), st.integers(0, 2**31 - 1), st.booleans())
def test_closed_form_matches_the_lp(n, eps, seed, restrict):
    """The closed form (eps/2 of mass from the best successors onto the worst allowed state) attains the LP optimum
    and is feasible: a distribution within eps of P in L1, supported on the allowed states."""
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(n)) * (rng.random(n) < 0.7)
    P = P / P.sum() if P.sum() > 0 else np.eye(n)[0]
    W = rng.normal(size=n).round(1)            # rounding makes ties common
    allowed = rng.random(n) < 0.5 if restrict else np.ones(n, dtype=bool)
    p = worst_case_l1(P, W, eps, allowed)
    assert abs(p.sum() - 1) < 1e-12 and p.min() >= 0
    assert np.abs(p - P).sum() <= eps + 1e-12
    assert not (p[~(allowed | (P > 0))] > 0).any()
    assert p @ W == pytest.approx(lp_worst_case(P, W, eps, allowed), abs=1e-9)


def test_closed_form_is_vectorised_row_by_row():
    """On a (2, 3, n) stack each row is the closed form of that row alone."""
    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.ones(5), size=(2, 3))
    W = rng.normal(size=5)
    stacked = worst_case_l1(P, W, 0.3)
    for i, j in itertools.product(range(2), range(3)):
        assert np.array_equal(stacked[i, j], worst_case_l1(P[i, j], W, 0.3))


def two_state_mdp():
    P = np.array([[[0.7, 0.3], [0.2, 0.8]], [[0.5, 0.5], [0.9, 0.1]]])
    return TabularMDP(P, [[1.0, 0.0], [0.3, 2.0]], gamma=0.8, initial=[0.6, 0.4])


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.37, 1.0, 2.0])
def test_two_state_worst_case_is_the_worst_extreme_adversary(eps):
    """With two states each row's uncertainty set is a segment: the worst case over every combination of segment
    end points (2^4 adversaries, each evaluated by np.linalg.solve) is the robust value, state by state."""
    mdp, pi = two_state_mdp(), np.array([[0.4, 0.6], [0.9, 0.1]])
    P = dense_transitions(mdp)
    lo, hi = np.clip(P[..., 0] - eps / 2, 0, 1), np.clip(P[..., 0] + eps / 2, 0, 1)
    best = np.full(2, np.inf)
    for ends in itertools.product([0, 1], repeat=4):
        p0 = np.where(np.array(ends).reshape(2, 2) == 0, lo, hi)
        Pa = np.stack([p0, 1 - p0], axis=-1)
        P_pi, r_pi = np.einsum("sa,sat->st", pi, Pa), (pi * mdp.rewards).sum(axis=1)
        best = np.minimum(best, np.linalg.solve(np.eye(2) - mdp.gamma * P_pi, r_pi))
    result = robust_policy_evaluation(mdp, pi, eps)
    assert np.allclose(result.values, best, atol=1e-10)
    assert result.error_bound <= 1e-10


def test_three_state_evaluation_matches_robust_policy_iteration_with_an_lp_inner_step():
    """Robust value iteration whose inner minimum is SciPy's LP (an independent solver) converges to the same values,
    with entering rewards that move with the mass and a restricted support."""
    mdp = random_mdp(3, 2, gamma=0.6, seed=3)
    P, r_next = dense_transitions(mdp), np.array([0.0, 1.0, -0.5])
    support = np.array([[1, 1, 0], [0, 1, 1], [1, 1, 1]], dtype=bool)
    pi, eps = np.array([[0.5, 0.5], [1.0, 0.0], [0.2, 0.8]]), 0.5
    V = np.zeros(3)
    for _ in range(80):
        W = r_next + mdp.gamma * V
        V = np.array([sum(pi[s, a] * lp_worst_case(P[s, a], W, eps, support[s]) for a in range(2)) for s in range(3)])
    result = robust_policy_evaluation(mdp, pi, eps, next_reward=r_next, support=support)
    assert np.allclose(result.values, V, atol=1e-9)


def test_zero_budget_is_the_nominal_evaluation():
    """eps = 0: the robust values are the reward-only values of the policy (library and a direct linear solve)."""
    mdp = random_mdp(6, 3, gamma=0.9, seed=0)
    pi = np.random.default_rng(0).dirichlet(np.ones(3), size=6)
    P = dense_transitions(mdp)
    direct = np.linalg.solve(np.eye(6) - 0.9 * np.einsum("sa,sat->st", pi, P), (pi * mdp.rewards).sum(axis=1))
    robust = robust_policy_evaluation(mdp, pi, 0.0).values
    assert np.allclose(robust, direct, atol=1e-10)
    assert np.allclose(robust, soft_policy_state_values(mdp, pi, 0.0), atol=1e-10)


def test_gridworld_entering_rewards_at_zero_budget_match_the_model():
    """On a gridworld, r(s, a) = P(.|s, a) . r_enter: the robust evaluation with next_reward at eps = 0 is the nominal."""
    env = GridWorld("blocking_maze", step_reward=-0.05)
    mdp = env.to_mdp()
    pi = np.full((mdp.n_states, 4), 0.25)
    robust = robust_policy_evaluation(mdp, pi, 0.0, next_reward=env.reward_table())
    assert robust.values == pytest.approx(soft_policy_state_values(mdp, pi, 0.0), abs=1e-10)


@settings(max_examples=25)
@given(st.integers(0, 10_000), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_worst_case_is_monotone_in_the_budget(seed, e1, e2):
    """A larger L1 budget never raises the worst-case value in any state (the sets are nested)."""
    mdp = random_mdp(5, 2, gamma=0.85, branching=3, seed=seed)
    pi = np.random.default_rng(seed).dirichlet(np.ones(2), size=5)
    small, large = sorted((e1, e2))
    assert (robust_policy_evaluation(mdp, pi, large).values <= robust_policy_evaluation(mdp, pi, small).values + 1e-9).all()


@settings(max_examples=25)
@given(st.integers(0, 10_000), st.floats(0.0, 2.0))
def test_the_robust_operator_is_a_gamma_contraction(seed, eps):
    """|T V1 - T V2|_inf <= gamma |V1 - V2|_inf, and the returned values are its fixed point within error_bound."""
    mdp = random_mdp(4, 2, gamma=0.7, seed=seed)
    rng = np.random.default_rng(seed)
    pi, V1, V2 = rng.dirichlet(np.ones(2), size=4), rng.normal(size=4) * 5, rng.normal(size=4) * 5
    T1, T2 = (robust_bellman_operator(mdp, pi, V, eps) for V in (V1, V2))
    assert np.abs(T1 - T2).max() <= 0.7 * np.abs(V1 - V2).max() + 1e-12
    result = robust_policy_evaluation(mdp, pi, eps)
    assert np.abs(robust_bellman_operator(mdp, pi, result.values, eps) - result.values).max() <= 1e-9


def test_the_adversary_model_is_feasible_and_attains_the_values():
    """Every row of the returned worst-case model lies in its L1 ball, and the policy's nominal evaluation on that
    model gives the robust values."""
    mdp = random_mdp(6, 2, gamma=0.9, branching=3, seed=5)
    pi = np.full((6, 2), 0.5)
    result = robust_policy_evaluation(mdp, pi, 0.3)
    P = dense_transitions(mdp)
    assert (np.abs(result.transitions - P).sum(axis=2) <= 0.3 + 1e-12).all()
    attained = soft_policy_state_values(TabularMDP(result.transitions, mdp.rewards, mdp.gamma), pi, 0.0)
    assert np.allclose(attained, result.values, atol=1e-9)


def test_blocking_a_cell_is_a_wall_of_the_gridworld():
    """block_states reproduces GridWorld's own wall semantics: the same values as the map with that cell walled."""
    env = GridWorld("open_room", step_reward=-0.05)
    blocked_rows = list(env.layout.rows)
    blocked_rows[2] = blocked_rows[2][:3] + "#" + blocked_rows[2][4:]
    walled = GridWorld(blocked_rows, step_reward=-0.05).to_mdp()
    mdp = env.to_mdp()
    cell = env.state_index(2, 3)
    P = block_states(dense_transitions(mdp), [cell])
    ours = TabularMDP(P, np.broadcast_to(env.reward_table(), P.shape), mdp.gamma, initial=mdp.initial,
                      terminal=mdp.terminal)
    pi = np.random.default_rng(0).dirichlet(np.ones(4), size=mdp.n_states)
    keep = np.arange(mdp.n_states) != cell
    assert np.allclose(soft_policy_state_values(ours, pi, 0.0)[keep], soft_policy_state_values(walled, pi, 0.0)[keep])


def test_action_noise_and_wind_are_mixtures_of_the_action_rows():
    """p = 1 action noise makes every action the uniform mixture; p = 1 wind makes every action the pushed one."""
    P = dense_transitions(random_mdp(4, 3, seed=2))
    assert np.allclose(action_noise(P, 1.0), P.mean(axis=1, keepdims=True).repeat(3, axis=1))
    pushes = np.array([0, 2, 1, 1])
    assert np.allclose(wind(P, 1.0, pushes), P[np.arange(4), pushes][:, None].repeat(3, axis=1))
    assert np.allclose(wind(P, 0.3, pushes).sum(axis=2), 1.0)


@pytest.mark.parametrize("call, name", [
    (lambda m: robust_policy_evaluation(m, [0.5, 0.5], -0.1), "eps"),
    (lambda m: robust_policy_evaluation(m, [0.5, 0.5], 0.1, tol=0.0), "tol"),
    (lambda m: robust_policy_evaluation(m, [0.5, 0.5], 0.1, support=np.ones((2, 2))), "support"),
    (lambda m: robust_policy_evaluation(m, [0.5, 0.5], 0.1, next_reward=[1.0]), "next_reward"),
    (lambda m: robust_policy_evaluation(m, [0.7, 0.7], 0.1), "policy"),
    (lambda m: worst_case_l1([0.5, 0.6], [0.0, 1.0], 0.1), "P"),
    (lambda m: wind(dense_transitions(m), 0.1, [0, 5, 0]), "pushes"),
    (lambda m: action_noise(dense_transitions(m), 1.5), "p"),
])
def test_bad_input_names_the_parameter(call, name):
    """Invalid arguments raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=name):
        call(random_mdp(3, 2, seed=0))


def test_undiscounted_and_wrong_types_are_refused():
    """gamma = 1 (no contraction) is a ValueError naming gamma; a non-model a TypeError naming mdp."""
    P = np.zeros((2, 1, 2))
    P[:, 0, 1] = 1.0
    episodic = TabularMDP(P, [[1.0], [0.0]], gamma=1.0, terminal=[False, True])
    with pytest.raises(ValueError, match="gamma"):
        robust_policy_evaluation(episodic, [1.0], 0.1)
    with pytest.raises(TypeError, match="mdp"):
        robust_policy_evaluation("model", [1.0], 0.1)


def test_robust_policy_iteration_is_the_best_worst_case_of_every_deterministic_policy():
    """Brute force on the 2-state MDP: the robust-optimal worst case equals the best of the 4 deterministic policies'
    worst cases, state by state; at eps = 0 it is the nominal optimum (value_iteration)."""
    from discrete_softq import value_iteration

    mdp = two_state_mdp()
    for eps in (0.0, 0.3, 1.0):
        best = np.max([robust_policy_evaluation(mdp, np.eye(2)[list(a)], eps).values
                       for a in itertools.product(range(2), repeat=2)], axis=0)
        assert np.allclose(robust_policy_iteration(mdp, eps).values, best, atol=1e-9)
    assert np.allclose(robust_policy_iteration(mdp, 0.0).values, value_iteration(mdp, tol=1e-11).V, atol=1e-9)


@settings(max_examples=15)
@given(st.integers(0, 10_000), st.floats(0.0, 1.0))
def test_no_policy_beats_the_robust_optimum(seed, eps):
    """Every (random stochastic) policy's worst case is at most the robust-optimal one, in every state."""
    mdp = random_mdp(5, 3, gamma=0.8, branching=3, seed=seed)
    pi = np.random.default_rng(seed).dirichlet(np.ones(3), size=5)
    best = robust_policy_iteration(mdp, eps).values
    assert (robust_policy_evaluation(mdp, pi, eps).values <= best + 1e-8).all()


def lp_robust_values(mdp, pi, eps, r_next, support, sweeps):
    """Robust value iteration whose inner step is SciPy's LP, with V = 0 on terminal states (the oracle)."""
    P, S, A = dense_transitions(mdp), mdp.n_states, mdp.n_actions
    V = np.zeros(S)
    for _ in range(sweeps):
        W = r_next + mdp.gamma * np.where(mdp.terminal, 0.0, V)
        V = np.array([0.0 if mdp.terminal[s] else sum(pi[s, a] * lp_worst_case(P[s, a], W, eps, support[s])
                                                     for a in range(A)) for s in range(S)])
    return V


def test_error_bound_covers_the_distance_to_the_lp_oracle_with_terminal_states():
    """With a terminal state (worth its entering reward, no future) and a restricted support, the returned values
    lie within error_bound of robust value iteration with an LP inner step (run to gamma^60 ~ 1e-13), and the
    bound is honest but not vacuous (< 1e-9)."""
    P = dense_transitions(random_mdp(4, 2, gamma=0.6, seed=7))
    mdp = TabularMDP(P, np.zeros((4, 2)), 0.6, terminal=[False, False, False, True])
    r_next, support = np.array([0.0, -1.0, 0.5, 2.0]), np.eye(4, dtype=bool) | np.eye(4, k=1, dtype=bool)
    pi = np.random.default_rng(7).dirichlet(np.ones(2), size=4)
    result = robust_policy_evaluation(mdp, pi, 0.6, next_reward=r_next, support=support)
    oracle = lp_robust_values(mdp, pi, 0.6, r_next, support, sweeps=60)
    assert result.converged and result.values[3] == 0.0
    assert np.abs(result.values - oracle).max() <= result.error_bound + 1e-12 and result.error_bound < 1e-9


def test_a_tol_below_the_rounding_floor_stops_and_says_so():
    """tol = 1e-300 cannot be certified in float64: the evaluation stops (it used to loop forever or claim a bound
    of exactly 0), warns with RoundingFloorWarning, reports converged=False, and its bound still covers a
    tol = 1e-10 solution's distance; with a reachable tol it converges with error_bound <= tol."""
    from discrete_softq.stopping import RoundingFloorWarning

    base = random_mdp(12, 3, gamma=0.99, seed=8)
    mdp = TabularMDP(dense_transitions(base), base.rewards * 1e3, 0.99)
    pi = np.full(3, 1 / 3)
    with pytest.warns(RoundingFloorWarning):
        tight = robust_policy_evaluation(mdp, pi, 0.3, tol=1e-300)
    loose = robust_policy_evaluation(mdp, pi, 0.3, tol=1e-6)
    assert not tight.converged and 0 < tight.error_bound < 1e-6
    assert loose.converged and loose.error_bound <= 1e-6
    assert np.abs(tight.values - loose.values).max() <= tight.error_bound + loose.error_bound


def test_the_studys_support_is_what_the_lp_oracle_checks():
    """On blocking_maze the study's support (s itself and every successor of any action, Task.support) is passed
    to the closed form; on every row of a sample of states the result equals the LP optimum over that support,
    and no mass lands outside it (the adversary pushes only into neighbouring cells)."""
    from discrete_softq.experiments.robustness import gridworld_task

    task = gridworld_task("blocking_maze")
    W = np.random.default_rng(3).normal(size=task.mdp.n_states)
    for s in range(0, task.mdp.n_states, 7):
        for a in range(4):
            p = worst_case_l1(task.P[s, a], W, 0.4, task.support[s])
            assert not (p[~task.support[s]] > 0).any()
            assert p @ W == pytest.approx(lp_worst_case(task.P[s, a], W, 0.4, task.support[s]), abs=1e-9)


def test_repeated_blocked_states_count_once():
    """block_states(P, [c, c]) is block_states(P, [c]): every row stays a distribution (it used to add the mass
    into c twice, rows summing to up to 2)."""
    P = dense_transitions(random_mdp(4, 2, seed=4))
    assert np.array_equal(block_states(P, [1, 1]), block_states(P, [1]))
    assert np.allclose(block_states(P, [1, 1, 2]).sum(axis=2), 1.0)

"""Composing max-ent policies (Haarnoja et al. 2018), checked exactly on random MDPs.

Two tasks share the dynamics and differ in their rewards; the composed Q-function is the mean
of their optimal soft Q-functions. Lemma 1 brackets the optimum of the mean reward between
``Q_sum - C`` and ``Q_sum``; Theorem 1 bounds how much the composed policy loses by ``D``.
Try breaking :mod:`discrete_softq.compose` (halve ``penalty``, drop ``alpha`` from it, replace
the max in the C-recursion by the composed policy's mean) and see which claim fails.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from discrete_softq import (
    TabularMDP,
    boltzmann_policy,
    random_mdp,
    soft_policy_evaluation,
    soft_policy_iteration,
)
from discrete_softq.compose import CompositionBound, compose_q, composition_bound, renyi_divergence
from discrete_softq.testing import alphas, mdps

TOL = 1e-10


def slack(Q: np.ndarray) -> float:
    """Rounding allowance for comparisons between exactly solved Q-functions of scale |Q|."""
    return 1e-8 * (1.0 + np.abs(Q).max())


def with_rewards(mdp: TabularMDP, rewards) -> TabularMDP:
    return TabularMDP(mdp.transitions, rewards, mdp.gamma, terminal=mdp.terminal)


@dataclass
class Composition:
    """Two tasks, the combined task and everything the theorems talk about, solved exactly."""

    alpha: float
    weights: np.ndarray
    tasks: tuple[TabularMDP, TabularMDP]
    combined: TabularMDP
    Q1: np.ndarray
    Q2: np.ndarray
    Q_opt: np.ndarray  # Q*_C
    Q_pi: np.ndarray  # Q^{pi_sum}_C
    bound: CompositionBound


def solve_composition(mdp1: TabularMDP, rewards2, alpha: float, weights=(0.5, 0.5)) -> Composition:
    mdp2 = with_rewards(mdp1, rewards2)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    combined = with_rewards(mdp1, w[0] * mdp1.rewards + w[1] * mdp2.rewards)
    Q1 = soft_policy_iteration(mdp1, alpha, tol=TOL).Q
    Q2 = soft_policy_iteration(mdp2, alpha, tol=TOL).Q
    bound = composition_bound(mdp1, Q1, Q2, alpha, weights=weights)
    return Composition(alpha, w, (mdp1, mdp2), combined, Q1, Q2,
                       soft_policy_iteration(combined, alpha, tol=TOL).Q,
                       soft_policy_evaluation(combined, bound.policy, alpha), bound)


small_mdps = mdps(max_states=6, max_actions=3, gammas=st.floats(0.0, 0.95), terminal=True)


@st.composite
def compositions(draw: st.DrawFn, weighted: bool = False) -> Composition:
    """A random MDP, a second reward on its dynamics, a temperature (0 included), solved."""
    mdp = draw(small_mdps)
    rewards2 = draw(arrays(np.float64, (mdp.n_states, mdp.n_actions), elements=st.floats(-1.0, 1.0)))
    alpha = draw(alphas(max_alpha=10.0))
    w1 = draw(st.floats(0.05, 0.95)) if weighted else 0.5
    return solve_composition(mdp, rewards2, alpha, weights=(w1, 1.0 - w1))


# ---------------------------------------------------------------------- compose_q
@given(comp=compositions(), alpha=alphas(allow_zero=False))
def test_composed_policy_is_the_normalised_geometric_mean(comp, alpha):
    """Boltzmann(mean of Q1, Q2) is proportional to sqrt(pi1 * pi2): a product of tempered experts."""
    p, q = boltzmann_policy(comp.Q1, alpha), boltzmann_policy(comp.Q2, alpha)
    composed = boltzmann_policy(compose_q([comp.Q1, comp.Q2]), alpha)
    log_geo = 0.5 * (np.log(np.maximum(p, 1e-300)) + np.log(np.maximum(q, 1e-300)))
    expected = boltzmann_policy(log_geo, 1.0)
    assert np.allclose(composed, expected, atol=1e-9)


def test_compose_q_normalises_the_weights():
    """compose_q is a weighted *mean*: weights (3, 1) and (0.75, 0.25) give the same table."""
    Qs = [np.array([[0.0, 2.0]]), np.array([[4.0, 0.0]])]
    assert np.allclose(compose_q(Qs, weights=[3, 1]), compose_q(Qs, weights=[0.75, 0.25]))
    assert np.allclose(compose_q(Qs), [[2.0, 1.0]])


# ---------------------------------------------------------------------- Lemma 1 and Theorem 1
@given(comp=compositions())
def test_lemma1_composed_q_is_an_upper_bound(comp):
    """Lemma 1, upper side: Q_sum = (Q1* + Q2*)/2 >= Q*_C for the mean reward."""
    assert np.all(comp.Q_opt <= comp.bound.Q_sum + slack(comp.Q_opt))


@given(comp=compositions())
def test_lemma1_lower_bound(comp):
    """Lemma 1, lower side: Q*_C >= Q_sum - C*, with C* built from (alpha/2) D_1/2 per state."""
    assert np.all(comp.Q_opt >= comp.bound.q_lower - slack(comp.Q_opt))


@given(comp=compositions())
def test_theorem1_composed_policy_is_suboptimal(comp):
    """Theorem 1, upper side: the composed policy does no better than the optimum, Q^{pi_sum}_C <= Q*_C."""
    assert np.all(comp.Q_pi <= comp.Q_opt + slack(comp.Q_opt))


@given(comp=compositions())
def test_theorem1_lower_bound(comp):
    """Theorem 1, lower side: Q^{pi_sum}_C >= Q*_C - D*."""
    assert np.all(comp.Q_pi >= comp.Q_opt - comp.bound.D - slack(comp.Q_opt))


@given(comp=compositions(weighted=True))
def test_both_bounds_hold_for_any_weights(comp):
    """For r_C = w1 r1 + w2 r2 the same bounds hold with penalty alpha * w2 * D_{w1}(pi1 || pi2)."""
    b, s = comp.bound, slack(comp.Q_opt)
    assert np.all(b.q_lower - s <= comp.Q_opt) and np.all(comp.Q_opt <= b.Q_sum + s)
    assert np.all(comp.Q_opt - b.D - s <= comp.Q_pi)


def test_lemma1_lower_bound_is_attained_on_a_two_step_chain():
    """On s0 -> s1 -> terminal, Q*_C = Q_sum - C exactly, with C(s0) = gamma alpha log cosh(1/(2 alpha)).

    In s1 task 1 rewards action 0 and task 2 action 1 (reward 1 each). Then
    (V1 + V2)/2 - V_C = alpha log((1 + e^{1/alpha}) / (2 e^{1/(2 alpha)})) = alpha log cosh(1/(2 alpha)),
    which is (alpha/2) D_1/2(pi1 || pi2): the bound has no slack here, so a factor 2 shows.
    """
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = P[1, :, 2] = P[2, :, 2] = 1.0
    gamma, alpha = 0.9, 0.7
    task1 = TabularMDP(P, [[0.2, 0.0], [1.0, 0.0], [0.0, 0.0]], gamma, terminal=[False, False, True])
    comp = solve_composition(task1, [[0.0, -0.3], [0.0, 1.0], [0.0, 0.0]], alpha)
    expected = gamma * alpha * np.log(np.cosh(1.0 / (2.0 * alpha)))
    assert np.allclose(comp.bound.C[0], expected, atol=1e-12)
    assert np.allclose(comp.bound.Q_sum - comp.Q_opt, comp.bound.C, atol=1e-9)


# ---------------------------------------------------------------------- what the bound depends on
@given(mdp=small_mdps, alpha=alphas(max_alpha=10.0))
def test_identical_tasks_compose_for_free(mdp, alpha):
    """With r1 = r2 the policies agree: D_1/2 = 0, so C* = D* = 0 and Q_sum = Q*_C."""
    Q = soft_policy_iteration(mdp, alpha, tol=TOL).Q
    bound = composition_bound(mdp, Q, Q, alpha)
    assert np.abs(bound.C).max() <= 1e-12 * (1 + np.abs(Q).max())
    assert np.abs(bound.D).max() <= 1e-12 * (1 + np.abs(Q).max())


@given(comp=compositions(), alpha=alphas(allow_zero=False))
def test_penalty_is_alpha_half_renyi_divergence(comp, alpha):
    """delta(s) = (V1 + V2)/2 - V_sum(s) equals (alpha/2) D_1/2(pi1(.|s) || pi2(.|s)) from the policies."""
    bound = composition_bound(comp.tasks[0], comp.Q1, comp.Q2, alpha)
    p, q = boltzmann_policy(comp.Q1, alpha), boltzmann_policy(comp.Q2, alpha)
    direct = renyi_divergence(p, q, 0.5)
    live = ~comp.tasks[0].terminal & np.isfinite(direct)
    assert np.allclose(bound.divergence[live], direct[live], rtol=1e-6, atol=1e-9)
    assert np.allclose(bound.penalty, 0.5 * alpha * bound.divergence, rtol=1e-12, atol=0.0)


@given(comp=compositions())
def test_c_and_d_solve_their_recursions(comp):
    """C = gamma E[delta + max C] and D = gamma E E_{pi_sum}[C + D]: the returned tables are fixed points."""
    b, mdp = comp.bound, comp.tasks[0]
    C_next = mdp.gamma * mdp.expected_next(b.penalty + b.C.max(axis=1))
    D_next = mdp.gamma * mdp.expected_next(np.einsum("sa,sa->s", b.policy, b.C + b.D))
    assert np.allclose(C_next, b.C, atol=1e-10 * (1 + np.abs(b.C).max()))
    assert np.allclose(D_next, b.D, atol=1e-10 * (1 + np.abs(b.D).max()))


@given(mdp=small_mdps, data=st.data(), alpha=alphas(max_alpha=10.0, allow_zero=False))
def test_bound_grows_with_the_divergence(mdp, data, alpha):
    """Along Q2(t) = Q1 + t * Delta (t >= 0), D_1/2 grows in every state, and so does C* everywhere.

    Every Q-table is the optimal soft Q of one reward, r = Q - gamma E V(Q), so this is a family
    of second tasks whose rewards move away from the first. D_1/2(pi1 || pi2(t)) = -2(K(t/2) - K(t)/2)
    with K the cumulant generating function of Delta/alpha under pi1, which is non-decreasing
    for t >= 0 (K' is increasing); C* is monotone in the per-state divergence.
    """
    Q1 = soft_policy_iteration(mdp, alpha, tol=TOL).Q
    delta = data.draw(arrays(np.float64, Q1.shape, elements=st.floats(-5.0, 5.0)))
    delta[mdp.terminal] = 0.0
    ts = [0.0, 0.5, 1.0, 2.0]
    bounds = [composition_bound(mdp, Q1, Q1 + t * delta, alpha) for t in ts]
    for lo, hi in zip(bounds, bounds[1:]):
        assert np.all(hi.divergence >= lo.divergence - 1e-9)
        assert np.all(hi.C >= lo.C - 1e-9 * (1 + np.abs(hi.C).max()))


# ---------------------------------------------------------------------- bad input
def test_bad_input_names_the_parameter():
    """Wrong shapes, weights, temperature or MDP type raise errors that say which argument is wrong."""
    mdp = random_mdp(3, 2, seed=0)
    Q = np.zeros((3, 2))
    with pytest.raises(ValueError, match="weights"):
        compose_q([Q, Q], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="weights"):
        compose_q([Q, Q], weights=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="Qs"):
        compose_q([Q, np.zeros((2, 2))])
    with pytest.raises(ValueError, match="Qs"):
        compose_q([])
    with pytest.raises(ValueError, match="Q2 must have shape"):
        composition_bound(mdp, Q, np.zeros((3, 3)), 1.0)
    with pytest.raises(ValueError, match="alpha"):
        composition_bound(mdp, Q, Q, -1.0)
    with pytest.raises(TypeError, match="mdp"):
        composition_bound("not an mdp", Q, Q, 1.0)
    with pytest.raises(ValueError, match="order"):
        renyi_divergence([1.0], [1.0], order=1.0)


@pytest.mark.parametrize("weights", [[1e308, 1e308], [5e-324, 5e-324], [1.5e308, 0.5e308]])
def test_extreme_weights_are_normalised_without_overflow(weights):
    """Weights near the float64 limits give the same mean as the equal-ratio weights (3, 1) or (1, 1)."""
    Qs = [np.array([[0.0, 2.0]]), np.array([[4.0, 0.0]])]
    expected = compose_q(Qs, weights=[weights[0] / weights[1], 1.0])
    np.testing.assert_allclose(compose_q(Qs, weights=weights), expected, rtol=1e-15)
    assert not np.allclose(expected, 0.0)


def test_mean_of_huge_q_tables_stays_finite():
    """Three tables at 1.7e308 average to 1.7e308 (the weighted sum may round past the float64 maximum)."""
    Q = np.full((2, 2), 1.7e308)
    np.testing.assert_array_equal(compose_q([Q, Q, Q]), Q)
    np.testing.assert_array_equal(compose_q([Q, -Q], weights=[1, 0]), Q)


def test_bound_beyond_float64_raises_naming_the_q_tables():
    """Q-tables near 1e308 whose C* or D* overflow raise a ValueError naming Q1 and Q2, not return inf."""
    mdp = random_mdp(3, 2, seed=0)
    rng = np.random.default_rng(0)
    Q1, Q2 = rng.uniform(-5e307, 5e307, (2, 3, 2))
    with pytest.raises(ValueError, match="Q1 and Q2"):
        composition_bound(mdp, Q1, Q2, 1.0)


@pytest.mark.parametrize("p, q, exc, name", [
    ([-0.5, 1.5], [0.5, 0.5], ValueError, "p must hold non-negative"),
    ([1.0, 1.0], [0.5, 0.5], ValueError, "p must sum to 1"),
    ([0.5, 0.5], [0.2, 0.2], ValueError, "q must sum to 1"),
    ([0.5, 0.5], [np.nan, 1.0], ValueError, "q must not contain NaN"),
    ([0.5, 0.5], [1 + 0j, 0.0], TypeError, "q must be a real"),
    ([0.5, 0.5], [1 / 3] * 3, ValueError, "p and q"),
    ("ab", [0.5, 0.5], TypeError, "p must be"),
])
def test_renyi_divergence_refuses_non_distributions(p, q, exc, name):
    """Negative, unnormalised, NaN, complex or mismatched inputs raise naming p or q (not nan or 0.0)."""
    with pytest.raises(exc, match=name):
        renyi_divergence(p, q)


@pytest.mark.parametrize("order, exc", [("0.5", TypeError), (True, TypeError), (np.nan, ValueError),
                                        (0.0, ValueError), (1.0, ValueError), (1 + 0j, TypeError)])
def test_renyi_order_is_checked(order, exc):
    """The order must be a real number in (0, 1); the error names ``order``."""
    with pytest.raises(exc, match="order"):
        renyi_divergence([0.5, 0.5], [0.5, 0.5], order=order)


def test_renyi_divergence_disjoint_supports_is_infinite():
    """D_1/2 of disjoint distributions is exactly inf (the true value), and 0 for equal ones."""
    assert renyi_divergence([1.0, 0.0], [0.0, 1.0]) == np.inf
    assert renyi_divergence([0.3, 0.7], [0.3, 0.7]) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("call, exc, name", [
    (lambda Q: compose_q([Q + 1j, Q]), TypeError, r"Qs\[0\]"),
    (lambda Q: compose_q([Q, Q], weights=[1.0, np.nan]), ValueError, "weights"),
    (lambda Q: compose_q([Q, Q], weights=[0.0, 0.0]), ValueError, "weights"),
    (lambda Q: compose_q([Q, Q], weights=[1.0, np.inf]), ValueError, "weights"),
    (lambda Q: compose_q([Q, Q], weights="ab"), TypeError, "weights"),
    (lambda Q: compose_q([Q, Q], weights=[1 + 1j, 1.0]), TypeError, "weights"),
    (lambda Q: compose_q([Q, np.full_like(Q, np.nan)]), ValueError, r"Qs\[1\]"),
    (lambda Q: compose_q("Q"), TypeError, "Qs"),
    (lambda Q: composition_bound(random_mdp(3, 2, seed=0), Q + 1j, Q, 1.0), TypeError, "Q1"),
    (lambda Q: composition_bound(random_mdp(3, 2, seed=0), Q, Q * np.nan, 1.0), ValueError, "Q2"),
    (lambda Q: composition_bound(random_mdp(3, 2, seed=0), Q, Q, 1.0, weights=[1.0]), ValueError, "weights"),
    (lambda Q: composition_bound(random_mdp(3, 2, seed=0), Q, Q, "1"), TypeError, "alpha"),
])
def test_bad_composition_input_names_the_parameter(call, exc, name):
    """Complex, NaN, inf, string or wrong-shape input raises the named error (not numpy's, not a silent 0)."""
    with pytest.raises(exc, match=name):
        call(np.zeros((3, 2)))


# ---------------------------------------------------------------------- the gridworld example
@pytest.fixture(scope="module")
def exits_example():
    from discrete_softq.experiments.composition import composition_example

    return composition_example(alpha=0.5)


def test_gridworld_example_lemma1(exits_example):
    """Two exit tasks on one map: 0 <= Q_sum - Q*_C <= C* in every state and action, and the gap is not zero."""
    ex, s = exits_example, slack(exits_example.Q_opt)
    assert np.all(ex.q_gap >= -s) and np.all(ex.q_gap <= ex.bound.C + s)
    assert ex.q_gap.max() > 0.1  # conflicting exits: averaging Q is visibly not the optimum


def test_gridworld_example_theorem1(exits_example):
    """The composed policy on the mean-reward task: 0 <= Q*_C - Q^{pi_sum}_C <= D* everywhere."""
    ex, s = exits_example, slack(exits_example.Q_opt)
    assert np.all(ex.policy_loss >= -s) and np.all(ex.policy_loss <= ex.bound.D + s)


def test_gridworld_example_tasks_share_dynamics(exits_example):
    """Both tasks (and the mean task) have the same transitions and terminal states, only rewards differ."""
    t1, t2 = exits_example.tasks
    assert (t1.transitions != t2.transitions).nnz == 0
    assert np.array_equal(t1.terminal, t2.terminal)
    assert np.allclose(exits_example.combined.rewards, (t1.rewards + t2.rewards) / 2)
    assert not np.allclose(t1.rewards, t2.rewards)


def test_gridworld_bound_grows_as_the_rewards_part():
    """On the two-exit map, with r2(t) = (1-t) r1 + t r2: zero at t = 0, then max D_1/2 and max C* grow with t.

    (Measured on this example; for reward interpolation in general MDPs it is not a theorem --
    test_bound_grows_with_the_divergence states the general, provable version.)
    """
    from discrete_softq.experiments.composition import bound_versus_interpolation

    out = bound_versus_interpolation([0.0, 0.25, 0.5, 1.0], alpha=0.5)
    assert out["max_C"][0] <= 1e-12 and out["max_D"][0] <= 1e-12
    assert np.all(np.diff(out["divergence"]) > 0) and np.all(np.diff(out["max_C"]) > 0)
    assert np.all(out["max_gap"] <= out["max_C"] + 1e-8)


# ---------------------------------------------------------------------- fuzz: hostile input
HOSTILE_FLOATS = st.one_of(st.floats(-10, 10), st.sampled_from([0.0, 5e-324, 1e-300, 1e154, -1e200, 1e308, -1.7e308,
                                                                 np.nan, np.inf, -np.inf]))
HOSTILE_TABLES = st.one_of(
    arrays(np.float64, st.sampled_from([(3, 2), (2, 3), (3,), (0, 2), (3, 2, 1)]), elements=HOSTILE_FLOATS),
    arrays(np.complex128, st.just((3, 2)), elements=st.complex_numbers(max_magnitude=5)),
    st.sampled_from(["Q", None, [[1.0, 2.0], [3.0]], object()]),
)
FUZZ_MDP = random_mdp(3, 2, seed=0)


@given(Q=HOSTILE_TABLES, w=st.one_of(st.none(), arrays(np.float64, st.sampled_from([(2,), (3,)]),
                                                         elements=HOSTILE_FLOATS)))
def test_compose_q_on_hostile_input_is_named_or_finite(Q, w):
    """compose_q([Q, 0], w) raises TypeError/ValueError, or returns a finite table inside the entries' range."""
    try:
        out = compose_q([Q, np.zeros_like(Q) if isinstance(Q, np.ndarray) else Q], weights=w)
    except (TypeError, ValueError):
        return
    assert np.all(np.isfinite(out))
    assert np.all(out <= np.maximum(Q, 0.0)) and np.all(out >= np.minimum(Q, 0.0))


@given(Q1=HOSTILE_TABLES, alpha=st.one_of(HOSTILE_FLOATS, st.sampled_from(["1", True, 1j])))
def test_composition_bound_on_hostile_input_is_named_or_finite(Q1, alpha):
    """composition_bound raises TypeError/ValueError, or its Q_sum, C, D and penalty are all finite."""
    try:
        b = composition_bound(FUZZ_MDP, Q1, np.zeros((3, 2)), alpha)
    except (TypeError, ValueError):
        return
    for table in (b.Q_sum, b.C, b.D, b.penalty, b.policy):
        assert np.all(np.isfinite(table))


@given(p=HOSTILE_TABLES, q=HOSTILE_TABLES)
def test_renyi_divergence_on_hostile_input_is_named_or_exact(p, q):
    """renyi_divergence raises TypeError/ValueError, or returns values >= 0 that are inf only for disjoint supports."""
    try:
        d = renyi_divergence(p, q)
    except (TypeError, ValueError):
        return
    assert np.all(d >= 0)
    overlap = np.sum(np.asarray(p) * np.asarray(q), axis=-1)
    assert np.all(np.isfinite(d) | (overlap == 0))


@st.composite
def sparse_distributions(draw: st.DrawFn) -> np.ndarray:
    """Rows over 3 actions with exact zeros and subnormal masses, normalised (a mapped, not filtered, strategy)."""
    raw = draw(arrays(np.float64, (2, 3), elements=st.sampled_from([0.0, 5e-324, 1e-300, 1e-10, 0.5, 1.0])))
    raw[:, 0] += raw.sum(axis=1) == 0            # no empty row
    return raw / raw.sum(axis=1, keepdims=True)


@given(p=sparse_distributions(), q=sparse_distributions(), order=st.floats(0.01, 0.99))
def test_renyi_divergence_of_valid_distributions_is_finite_unless_disjoint(p, q, order):
    """For distributions with zeros and subnormal masses, D_w >= 0, never NaN, inf exactly when no action is
    shared (a subnormal shared mass must not underflow to inf), and D_w(p || p) = 0."""
    d = renyi_divergence(p, q, order)
    shared = np.any((p > 0) & (q > 0), axis=1)
    assert not np.any(np.isnan(d)) and np.all(d >= 0)
    np.testing.assert_array_equal(np.isinf(d), ~shared)
    np.testing.assert_allclose(renyi_divergence(p, p, order), 0.0, atol=1e-12)


def test_renyi_divergence_with_a_subnormal_shared_mass_is_finite():
    """p = (5e-324, 1) and q = (1, 0) share only a subnormal mass: D_1/2 = -2 log sqrt(5e-324) = 744.4, not inf.

    (The direct sum sqrt(p q) underflows to 0 and would report disjoint supports.)
    """
    d = renyi_divergence([[5e-324, 1.0]], [[1.0, 0.0]])
    assert d[0] == pytest.approx(-np.log(5e-324), rel=1e-12)

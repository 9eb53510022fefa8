"""Fuzz of the rest of the tabular API: model methods, the reference solvers, solve, divergences, builders.

Same claim as tests/test_fuzz_api.py (:func:`discrete_softq.testing.hostile.check_call`): a finite
result of the right shape, or TypeError/ValueError naming the parameter; no other exception, no
NaN/inf from finite input, no silent coercion, no argument modified.
"""

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from discrete_softq import TabularMDP, bellman_operator, entropy_bonus, reference, solve, state_values
from discrete_softq.divergences import renyi_divergence
from discrete_softq.envs import from_gymnasium
from discrete_softq.horizon import finite_horizon_values, soft_backward_induction
from discrete_softq.mdp import open_grid_mdp
from discrete_softq.testing import mdps, numerical_gradient, self_loop_chain
from discrete_softq.testing.hostile import Arg, check_call, discounts, distributions, ints, real_arrays, reals

FUZZ = settings(max_examples=50)
small_mdps = mdps(max_states=3, max_actions=2, terminal=True)


@FUZZ
@given(mdp=small_mdps, data=st.data())
def test_fuzz_expected_next(mdp, data):
    """mdp.expected_next(V): a finite (S, A) table, or a named error for NaN/inf/complex/mis-shaped V."""
    V = data.draw(real_arrays((mdp.n_states,)))
    if V.label.startswith("extra axis"):  # (1, S + 1) is a valid (S, k) table of value columns when S = 1
        V = Arg(V.value, "either", V.label)
    EV = check_call(mdp.expected_next, V)
    assert EV is None or EV.shape[:2] == (mdp.n_states, mdp.n_actions)


@FUZZ
@given(mdp=small_mdps, data=st.data())
def test_fuzz_model_methods(mdp, data):
    """mdp.policy_matrix(policy) (S, S), state_values (S,), bellman_operator (S, A) on hostile input."""
    S, A = mdp.n_states, mdp.n_actions
    P_pi = check_call(mdp.policy_matrix, data.draw(distributions((S, A))))
    assert P_pi is None or P_pi.shape == (S, S)
    Q = data.draw(real_arrays((S, A)))
    prior = data.draw(distributions((A,), allow_none=True))
    V = check_call(state_values, Arg(mdp), Q, data.draw(reals(0.0)), prior=prior)
    assert V is None or V.shape == (S,)
    TQ = check_call(bellman_operator, Arg(mdp), Q)
    assert TQ is None or TQ.shape == (S, A)


@FUZZ
@given(size=st.tuples(st.integers(1, 3), st.integers(1, 3)), order=reals(0.0, 1.0, low_open=True, high_open=True),
       data=st.data())
def test_fuzz_divergences(size, order, data):
    """entropy_bonus(policy, prior) and renyi_divergence(p, q, order): finite, >= 0 for Renyi, or named errors.

    Negative or unnormalised input (renyi_divergence used to return nan or 0.0) is refused.
    """
    k, A = size
    p, q = data.draw(distributions((k, A), shape_matters=False)), data.draw(distributions((k, A)))
    check_call(entropy_bonus, p, prior=data.draw(distributions((A,), allow_none=True)))
    D = check_call(renyi_divergence, p, q, order=order)
    assert D is None or np.all(D >= -1e-12)


REFERENCE = {"soft_q_iteration": "Q0", "soft_value_iteration": "V0", "soft_policy_iteration": "policy0"}


@settings(max_examples=60)
@given(mdp=small_mdps, name=st.sampled_from(sorted(REFERENCE)), alpha=reals(0.0),
       tol=reals(0.0, low_open=True),
       max_iter=ints(1), data=st.data())
def test_fuzz_reference_solvers(mdp, name, alpha, tol, max_iter, data):
    """discrete_softq.reference's solvers take the same hostile arguments as the fast ones, with the same answers."""
    S, A = mdp.n_states, mdp.n_actions
    start = REFERENCE[name]
    start_arg = data.draw({"Q0": real_arrays((S, A), allow_none=True), "V0": real_arrays((S,), allow_none=True),
                           "policy0": distributions((S, A), allow_none=True)}[start])
    sol = check_call(getattr(reference, name), Arg(mdp), alpha, tol=tol, max_iter=max_iter,
                     prior=data.draw(distributions((A,), allow_none=True)), **{start: start_arg})
    assert sol is None or sol.Q.shape == (S, A)


@FUZZ
@given(mdp=small_mdps, alpha=reals(0.0), tol=reals(0.0, low_open=True), data=st.data())
def test_fuzz_solve_and_reference_evaluation(mdp, alpha, tol, data):
    """solve(mdp, alpha, tol, prior) and reference.soft_policy_evaluation on hostile arguments."""
    S, A = mdp.n_states, mdp.n_actions
    prior = data.draw(distributions((A,), allow_none=True))
    sol = check_call(solve, Arg(mdp), alpha, tol=tol, prior=prior)
    assert sol is None or sol.Q.shape == (S, A)
    Q = check_call(reference.soft_policy_evaluation, Arg(mdp), data.draw(distributions((S, A))), alpha, prior=prior)
    assert Q is None or Q.shape == (S, A)


@FUZZ
@given(size=st.tuples(st.integers(1, 3), st.integers(1, 2)), data=st.data())
def test_fuzz_three_dimensional_rewards(size, data):
    """TabularMDP(P, R) with hostile R of shape (S, A, S): expected rewards or a named error."""
    S, A = size
    P = np.full((S, A, S), 1.0 / S)
    m = check_call(TabularMDP, Arg(P), data.draw(real_arrays((S, A, S))), 0.9)
    assert m is None or m.rewards.shape == (S, A)


@FUZZ
@given(side=ints(1), gamma=discounts(), n=ints(1), sparse=st.sampled_from(
    [Arg(True), Arg(False), Arg(1, "invalid"), Arg("no", "invalid")]))
def test_fuzz_builders(side, gamma, n, sparse):
    """open_grid_mdp(side, gamma) and testing.self_loop_chain(n, gamma, sparse): models or named errors."""
    check_call(open_grid_mdp, side, gamma)
    check_call(self_loop_chain, n, gamma, sparse=sparse)


@FUZZ
@given(eps=reals(0.0, 1.0, low_open=True))
def test_fuzz_numerical_gradient(eps):
    """numerical_gradient(f, x, eps): a finite gradient, or a named error for a bad eps (x is restored exactly)."""
    x = np.array([0.5, -1.0])
    grad = check_call(numerical_gradient, lambda: float(np.sum(x ** 2)), Arg(x), eps=eps)
    assert np.array_equal(x, [0.5, -1.0])
    assert grad is None or grad.shape == (2,)


@FUZZ
@given(mdp=small_mdps, alpha=reals(0.0), horizon=ints(1).filter(lambda arg: arg.value != 0), data=st.data())
def test_fuzz_finite_horizon(mdp, alpha, horizon, data):
    """soft_backward_induction and finite_horizon_values on hostile alpha, horizon, prior and policy."""
    S, A = mdp.n_states, mdp.n_actions
    prior = data.draw(distributions((A,), allow_none=True))
    sol = check_call(soft_backward_induction, Arg(mdp), alpha, horizon, prior=prior)
    assert sol is None or sol.Q.shape == (horizon.value, S, A)
    V = check_call(finite_horizon_values, Arg(mdp), data.draw(distributions((S, A))), alpha, horizon, prior=prior)
    assert V is None or V.shape[-1] == S


@settings(max_examples=30)
@given(gamma=discounts(), initial=distributions((16,), allow_none=True),
       env=st.sampled_from([Arg("FrozenLake-v1", "valid", "FrozenLake"),
                            Arg("CliffWalking-v1", "valid", "CliffWalking"),
                            Arg("MountainCar-v0", "invalid", "continuous observations"), Arg("nope", "invalid"),
                            Arg(None, "invalid")]))
def test_fuzz_from_gymnasium(gamma, initial, env):
    """from_gymnasium(env, gamma, initial): the exact TabularMDP of a toy-text env, or a named error."""
    import gymnasium as gym

    made = gym.make(env.value) if env.verdict == "valid" or env.label == "continuous observations" else env.value
    n = getattr(getattr(made, "observation_space", None), "n", 16)
    if n != 16 and initial.value is not None:  # a start distribution for FrozenLake's 16 states
        initial = Arg(initial.value, "invalid", "initial of the wrong length")
    if env.label == "CliffWalking" and initial.value is not None and initial.verdict == "valid":
        initial = Arg(initial.value, "invalid", "initial of the wrong length")
    mdp = check_call(from_gymnasium, Arg(made, env.verdict, env.label), gamma=gamma, initial=initial)
    assert mdp is None or mdp.n_states == made.observation_space.n

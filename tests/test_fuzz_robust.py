"""Fuzz of the robustness module's public API with hostile inputs (issue 14, in the style of issue 12's fuzz).

The claim, for every call (:func:`discrete_softq.testing.hostile.check_call`): a finite result of the
right shape, or a TypeError/ValueError naming the bad parameter -- never another exception, never
NaN/inf from finite input, never a silent coercion -- and no argument is modified. Then the results
are what the maths says: perturbed models are models, and the worst case is never better than nominal.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from discrete_softq.robust import (action_noise, block_states, robust_bellman_operator, robust_policy_evaluation,
                                   robust_policy_iteration, worst_case_l1)
from discrete_softq.testing import mdps
from discrete_softq.testing.hostile import Arg, check_call, distributions, not_a, real_arrays, reals

FUZZ = settings(max_examples=25, deadline=None)
small_mdps = mdps(max_states=3, max_actions=2, terminal=True)
budgets = reals(0.0)   # an L1 radius: any eps >= 0 is valid (eps >= 2 allows any distribution)


def _index_args(n: int) -> st.SearchStrategy[Arg]:
    """Index arrays into range(n), valid or not (out of range, floats, not a number)."""
    good = st.lists(st.integers(0, n - 1), min_size=1, max_size=3).map(lambda i: Arg(np.array(i), "valid", "indices"))
    return st.one_of(good, st.just(Arg(np.array([n]), "invalid", "out of range")),
                     st.just(Arg(np.array([0.5]), "invalid", "floats")), not_a("index"))


@FUZZ
@given(n=st.integers(1, 4), data=st.data())
def test_fuzz_worst_case_l1(n, data):
    """worst_case_l1(P, W, eps): a distribution within eps of P (L1) whose expectation of W is at most P's."""
    P, W, eps = data.draw(distributions((2, n))), data.draw(real_arrays((2, n))), data.draw(budgets)
    out = check_call(worst_case_l1, P, W, eps)
    if out is not None and P.verdict == W.verdict == eps.verdict == "valid":
        p, w = np.asarray(P.value, dtype=float), np.asarray(W.value, dtype=float)
        assert out.shape == p.shape and np.all(out >= -1e-15) and np.allclose(out.sum(axis=-1), 1.0)
        assert np.all(np.abs(out - p).sum(axis=-1) <= eps.value + 1e-12)
        assert np.all((out * w).sum(axis=-1) <= (p * w).sum(axis=-1) + 1e-9 * (1 + np.abs(w).max()))


@FUZZ
@given(mdp=small_mdps, data=st.data())
def test_fuzz_perturbed_models(mdp, data):
    """action_noise(P, p) and block_states(P, blocked) of a valid model are valid models (rows sum to 1)."""
    P = np.array(mdp.P.toarray().reshape(mdp.n_states, mdp.n_actions, -1) if mdp.is_sparse else mdp.P)
    for out in (check_call(action_noise, Arg(P), data.draw(reals(0.0, 1.0))),
                check_call(block_states, Arg(P), data.draw(_index_args(mdp.n_states)))):
        if out is not None:
            assert out.shape == P.shape and np.all(out >= 0) and np.allclose(out.sum(axis=-1), 1.0)


@FUZZ
@given(mdp=small_mdps, data=st.data())
def test_fuzz_robust_evaluation(mdp, data):
    """robust_bellman_operator / robust_policy_evaluation / robust_policy_iteration: finite values or named errors;
    with a valid budget the robust values never exceed the nominal ones (eps = 0)."""
    if mdp.gamma >= 1.0:
        return
    S, A = mdp.n_states, mdp.n_actions
    policy = data.draw(distributions((S, A)))
    V, eps = data.draw(real_arrays((S,))), data.draw(budgets)
    check_call(robust_bellman_operator, Arg(mdp), policy, V, eps)
    robust = check_call(robust_policy_evaluation, Arg(mdp), policy, eps)
    if robust is not None and policy.verdict == eps.verdict == "valid":
        nominal = robust_policy_evaluation(mdp, policy.value, 0.0)
        assert np.all(robust.values <= nominal.values + robust.error_bound + nominal.error_bound)
    best = check_call(robust_policy_iteration, Arg(mdp), eps)
    if best is not None and robust is not None:
        assert np.all(robust.values <= best.values + robust.error_bound + best.error_bound)

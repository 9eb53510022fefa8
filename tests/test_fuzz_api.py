"""Fuzz of the tabular core's public API with hostile inputs (issue 12).

The claim, for every call below (:func:`discrete_softq.testing.hostile.check_call`): it returns a
finite result of the right shape or raises TypeError/ValueError naming the bad parameter -- never
another exception, never NaN/inf from finite input, never a silent coercion (complex -> real,
1.7 -> 1) -- and it modifies no argument. Valid arguments must be accepted. Then: a TabularMDP
cannot be changed after construction, and the caller's arrays are never touched.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from discrete_softq import (
    TabularMDP,
    boltzmann_policy,
    kl_divergence,
    maxent_return,
    policy_entropy,
    random_mdp,
    soft_bellman_operator,
    soft_policy_evaluation,
    soft_policy_iteration,
    soft_policy_state_values,
    soft_q_iteration,
    soft_value,
    soft_value_iteration,
    value_iteration,
)
from discrete_softq.testing import mdps, numerical_gradient
from discrete_softq.testing.hostile import Arg, check_call, discounts, distributions, ints, not_a, real_arrays, reals

FUZZ = settings(max_examples=60)
sizes = st.tuples(st.integers(1, 3), st.integers(1, 3))
small_mdps = mdps(max_states=3, max_actions=2, terminal=True)
mdp_args = st.one_of(small_mdps.map(lambda m: Arg(m, "valid", repr(m))), not_a("mdp"),
                     st.just(Arg(np.full((2, 2, 2), 0.5), "invalid", "an array, not a TabularMDP")))


# ---------------------------------------------------------------------- TabularMDP and random_mdp
@st.composite
def transition_args(draw, S, A):
    """Dense (S, A, S) or CSR (S*A, S) transitions, valid or hostile."""
    P = draw(distributions((S, A, S)))
    if P.verdict == "valid" and draw(st.booleans()):
        return Arg(sp.csr_matrix(np.asarray(P.value).reshape(S * A, S)), "valid", "CSR")
    if P.verdict == "valid" and draw(st.booleans()):
        return Arg(sp.csr_matrix(np.asarray(P.value).reshape(S * A, S) * (1 + 1j)), "invalid", "complex CSR")
    return P


def terminal_args(S):
    bools = st.lists(st.booleans(), min_size=S, max_size=S)
    return st.one_of(st.just(Arg(None, "valid", "None")), bools.map(lambda b: Arg(np.array(b), "valid", "mask")),
                     bools.map(lambda b: Arg(np.array(b, dtype=float) + 0.5, "invalid", "floats")),
                     st.just(Arg([True] * (S + 1), "invalid", "wrong length")), not_a("mask", allow_none=True))


@FUZZ
@given(size=sizes, data=st.data())
def test_fuzz_tabular_mdp(size, data):
    """TabularMDP(transitions, rewards, gamma, initial, terminal): a valid model or a named TypeError/ValueError."""
    S, A = size
    m = check_call(TabularMDP, data.draw(transition_args(S, A)), data.draw(real_arrays((S, A))),
                   data.draw(discounts()), initial=data.draw(distributions((S,), allow_none=True)),
                   terminal=data.draw(terminal_args(S)))
    if m is not None:
        assert (m.n_states, m.n_actions) == (S, A) and m.rewards.shape == (S, A)


@FUZZ
@given(n_states=ints(1), n_actions=ints(1), gamma=discounts(),
       branching=st.sampled_from([Arg(None), Arg(1), Arg(0, "invalid"), Arg(1.5, "invalid"), Arg("2", "invalid")]),
       seed=st.one_of(ints(0, allow_none=True), st.just(Arg(np.random.default_rng(0), "valid", "rng"))),
       sparse=st.sampled_from([Arg(True), Arg(False), Arg("yes", "invalid"), Arg(1.0, "invalid")]))
def test_fuzz_random_mdp(n_states, n_actions, gamma, branching, seed, sparse):
    """random_mdp(n_states, n_actions, gamma, branching, seed, sparse): a valid MDP or a named error."""
    m = check_call(random_mdp, n_states, n_actions, gamma=gamma, branching=branching, seed=seed, sparse=sparse)
    if m is not None:
        assert (m.n_states, m.n_actions) == (n_states.value, n_actions.value)


def solve_all(mdp):
    return [solver(mdp, 0.5).Q for solver in (soft_q_iteration, soft_value_iteration, soft_policy_iteration)]


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_mutating_the_callers_arrays_does_not_change_the_model(sparse):
    """After TabularMDP(P, R, ...), writes into P, R, initial or terminal change neither the model nor its solutions."""
    base = random_mdp(4, 2, seed=3)
    P = np.array(base.P if hasattr(base, "P") else base.transitions, dtype=float).reshape(4, 2, 4)
    given_P = sp.csr_matrix(P.reshape(8, 4)) if sparse else P.copy()
    R, initial, terminal = np.array(base.rewards), np.full(4, 0.25), np.array([False, False, False, True])
    mdp = TabularMDP(given_P, R, 0.9, initial=initial, terminal=terminal)
    before = solve_all(mdp)
    if sparse:
        given_P.data[:] = 2.0
    else:
        given_P[0, 0] = [2.0, -1.0, 0.0, 0.0]
    R[:] = 1e6
    initial[:] = [1.0, 0.0, 0.0, 0.0]
    terminal[:] = True
    assert not mdp.terminal.all() and mdp.rewards.max() < 1e6 and mdp.initial[1] == 0.25
    for old, new in zip(before, solve_all(mdp)):
        assert np.array_equal(old, new)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_model_attributes_are_read_only(sparse):
    """m.terminal[0] = True, m.gamma = 1.5, m.rewards[0, 0] = 1, m.initial[0] = 1, writes into m.P all raise."""
    mdp = random_mdp(3, 2, seed=1, sparse=sparse)
    P = mdp.P
    writes = [lambda: mdp.terminal.__setitem__(0, True), lambda: setattr(mdp, "gamma", 1.5),
              lambda: mdp.rewards.__setitem__((0, 0), 1.0), lambda: mdp.initial.__setitem__(0, 1.0),
              lambda: setattr(mdp, "n_states", 5),
              (lambda: P.data.__setitem__(0, 2.0)) if sparse else (lambda: P.__setitem__((0, 0, 0), 2.0))]
    for write in writes:
        with pytest.raises((AttributeError, TypeError, ValueError)):
            write()
    assert mdp.gamma == 0.9 and not mdp.terminal.any()


@pytest.mark.parametrize("fmt", ["csr", "coo", "csc"])
def test_constructor_does_not_modify_the_callers_sparse_matrix(fmt):
    """A sparse P with duplicate entries (summed by SciPy's canonicalisation) is left exactly as the caller built it."""
    rows, cols = np.array([0, 0, 1, 2, 2, 3]), np.array([0, 0, 1, 0, 1, 1])  # (0, 0) twice
    data = np.array([0.25, 0.75, 1.0, 0.5, 0.5, 1.0])
    P = sp.coo_matrix((data, (rows, cols)), shape=(4, 2))
    if fmt == "csr":
        P = sp.csr_matrix((data, cols, np.array([0, 2, 3, 5, 6])), shape=(4, 2))
    elif fmt == "csc":
        P = sp.csc_matrix(P)
    parts = [name for name in ("data", "row", "col", "indices", "indptr") if hasattr(P, name)]
    snapshot = [np.array(getattr(P, name)).copy() for name in parts]
    mdp = TabularMDP(P, np.zeros((2, 2)), 0.5)
    after = [np.array(getattr(P, name)) for name in parts]
    assert all(np.array_equal(a, b) for a, b in zip(snapshot, after)) and len(snapshot) == len(after)
    assert np.allclose(mdp.expected_next(np.array([1.0, 0.0])), [[1.0, 0.0], [0.5, 0.0]])


# ---------------------------------------------------------------------- the soft operators
@FUZZ
@given(size=sizes, alpha=reals(0.0), data=st.data())
def test_fuzz_soft_value_and_boltzmann_policy(size, alpha, data):
    """soft_value and boltzmann_policy on hostile Q, alpha and prior: finite (..,) / (.., A) results or named errors."""
    k, A = size
    Q, prior = data.draw(real_arrays((k, A), shape_matters=False)), data.draw(distributions((A,), allow_none=True))
    V = check_call(soft_value, Q, alpha, prior=prior)
    pi = check_call(boltzmann_policy, Q, alpha, prior=prior)
    if V is not None:
        assert np.shape(V) == (k,)
    if pi is not None:
        assert pi.shape == (k, A) and np.allclose(pi.sum(axis=1), 1.0)


@FUZZ
@given(size=sizes, data=st.data())
def test_fuzz_entropy_and_kl(size, data):
    """policy_entropy and kl_divergence accept only distributions; a non-distribution like [0.7, 0.7] is refused."""
    k, A = size
    policy, prior = data.draw(distributions((k, A), shape_matters=False)), data.draw(distributions((A,)))
    H = check_call(policy_entropy, policy)
    check_call(kl_divergence, policy, prior)
    if H is not None:
        assert H.shape == (k,) and np.all(H >= -1e-12) and np.all(H <= np.log(A) + 1e-12)


def test_policy_entropy_of_a_non_distribution_raises():
    """policy_entropy([0.7, 0.7]) raises ValueError naming policy (it used to return 0.499)."""
    with pytest.raises(ValueError, match="policy"):
        policy_entropy([0.7, 0.7])


@FUZZ
@given(mdp=small_mdps, alpha=reals(0.0), data=st.data())
def test_fuzz_soft_bellman_operator(mdp, alpha, data):
    """soft_bellman_operator(mdp, Q, alpha, prior): a finite (S, A) table or a named error."""
    S, A = mdp.n_states, mdp.n_actions
    TQ = check_call(soft_bellman_operator, Arg(mdp), data.draw(real_arrays((S, A))), alpha,
                    prior=data.draw(distributions((A,), allow_none=True)))
    if TQ is not None:
        assert TQ.shape == (S, A)


# ---------------------------------------------------------------------- the solvers and evaluation
SOLVERS = {"soft_q_iteration": (soft_q_iteration, "Q0"), "soft_value_iteration": (soft_value_iteration, "V0"),
           "soft_policy_iteration": (soft_policy_iteration, "policy0"), "value_iteration": (value_iteration, "V0")}


@st.composite
def solver_calls(draw):
    """A solver, a (possibly hostile) MDP and hostile alpha, tol, max_iter, start and prior."""
    name = draw(st.sampled_from(sorted(SOLVERS)))
    mdp = draw(mdp_args)
    S, A = (mdp.value.n_states, mdp.value.n_actions) if mdp.verdict == "valid" else (2, 2)
    start_name = SOLVERS[name][1]
    start = {"Q0": real_arrays((S, A), allow_none=True), "V0": real_arrays((S,), allow_none=True),
             "policy0": distributions((S, A), allow_none=True)}[start_name]
    kwargs = {"tol": draw(reals(0.0, low_open=True)), "max_iter": draw(ints(1)), start_name: draw(start)}
    if name != "value_iteration":
        kwargs["prior"] = draw(distributions((A,), allow_none=True))
        return SOLVERS[name][0], [mdp, draw(reals(0.0))], kwargs
    return SOLVERS[name][0], [mdp], kwargs


@settings(max_examples=120)
@given(call=solver_calls())
def test_fuzz_solvers(call):
    """Every solver on hostile alpha, tol, max_iter, Q0/V0/policy0 and prior: a finite SoftSolution or a named error."""
    solver, args, kwargs = call
    sol = check_call(solver, *args, **kwargs)
    if sol is not None:
        mdp = args[0].value
        assert sol.Q.shape == (mdp.n_states, mdp.n_actions) and sol.V.shape == (mdp.n_states,)


@pytest.mark.parametrize("call, error, name", [
    (lambda m: TabularMDP(m.P, m.rewards, 0.9, initial="ab"), TypeError, "initial"),
    (lambda m: soft_value_iteration(m, 1.0, V0="abcd"), TypeError, "V0"),
    (lambda m: soft_q_iteration(m, 1.0, Q0=np.zeros((3, 2))), ValueError, "Q0"),
    (lambda m: soft_q_iteration(m, 1.0, Q0=np.zeros((4, 2)) + 1j), TypeError, "Q0"),
    (lambda m: random_mdp(4, 2, seed="x"), TypeError, "seed"),
    (lambda m: soft_q_iteration(m, 1.0, prior=np.full((1, 4, 2), 0.5)), ValueError, "prior"),
    (lambda m: soft_policy_iteration(m, 1.0, tol="1e-8"), TypeError, "tol"),
    (lambda m: soft_q_iteration(m, 1.0, max_iter=10.0), TypeError, "max_iter"),
    (lambda m: soft_value_iteration(m, True), TypeError, "alpha"),
    (lambda m: soft_value(np.array([0.0, 1.0]) + 0j, 1.0), TypeError, "Q"),
], ids=["initial='ab'", "V0='abcd'", "Q0 shape", "Q0 complex", "seed='x'", "prior (1, 4, 2)", "tol str",
        "max_iter float", "alpha bool", "Q complex"])
def test_named_errors_from_issue_12(call, error, name):
    """The examples of issue 12: each bad argument raises the right error type, naming the parameter as spelled."""
    with pytest.raises(error, match=name):
        call(random_mdp(4, 2, seed=0))


@FUZZ
@given(mdp=small_mdps, alpha=reals(0.0), data=st.data())
def test_fuzz_policy_evaluation(mdp, alpha, data):
    """soft_policy_evaluation (S, A), soft_policy_state_values (S,) and maxent_return (float) on hostile policies."""
    S, A = mdp.n_states, mdp.n_actions
    policy, prior = data.draw(distributions((S, A))), data.draw(distributions((A,), allow_none=True))
    Q = check_call(soft_policy_evaluation, Arg(mdp), policy, alpha, prior=prior)
    V = check_call(soft_policy_state_values, Arg(mdp), policy, alpha, prior=prior)
    J = check_call(maxent_return, Arg(mdp), policy, alpha, prior=prior)
    assert Q is None or Q.shape == (S, A)
    assert V is None or V.shape == (S,)
    assert J is None or isinstance(J, float)


def test_numerical_gradient_refuses_integer_arrays():
    """numerical_gradient cannot perturb an int array by eps: it raises TypeError instead of returning nonsense."""
    x = np.array([1, 2])
    with pytest.raises(TypeError, match="x"):
        numerical_gradient(lambda: float(np.sum(x ** 2)), x)
    y = np.array([1.0, 2.0])
    assert np.allclose(numerical_gradient(lambda: float(np.sum(y ** 2)), y), [2.0, 4.0])

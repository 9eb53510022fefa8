"""Hypothesis strategies for random valid MDPs, with matching Q-tables, policies and priors.

The strategies *build* valid objects by normalising what they draw, never by filtering: a
transition row is a vector of non-negative weights plus one forced successor, divided by its sum.
Hypothesis shrinks weights towards zero, so counterexamples shrink to deterministic MDPs with
few states -- the easiest ones to check by hand.

The composite strategies :func:`mdp_and_q` and :func:`mdp_and_policy` draw the MDP's sizes once
and the tables to match, so a test never passes sizes around with ``st.data()``.

Examples
--------
>>> from hypothesis import given
>>> from discrete_softq.testing import mdp_and_q, alphas
>>> @given(drawn=mdp_and_q(max_states=4), alpha=alphas())
... def test_policy_rows_sum_to_one(drawn, alpha):
...     mdp, Q = drawn
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ..mdp import TabularMDP

__all__ = ["mdps", "alphas", "policies", "priors", "q_tables", "mdp_and_q", "mdp_and_policy", "mdp_and_prior"]

_unit = st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False)
#: Discounts: the interesting corners (0 = myopic, 0.99 = long horizon) often, anything in between too.
_default_gammas = st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.99]), st.floats(0.0, 0.99))


@st.composite
def _distributions(draw: st.DrawFn, n_rows: int, n_cols: int) -> np.ndarray:
    """``(n_rows, n_cols)`` row-stochastic matrix: weights in [0, 1] plus 1 on a drawn column."""
    weights = draw(arrays(np.float64, (n_rows, n_cols), elements=_unit))
    forced = draw(arrays(np.int64, (n_rows,), elements=st.integers(0, n_cols - 1)))
    weights[np.arange(n_rows), forced] += 1.0
    return weights / weights.sum(axis=1, keepdims=True)


@st.composite
def mdps(
    draw: st.DrawFn,
    min_states: int = 1,
    max_states: int = 12,
    max_actions: int = 4,
    gammas: st.SearchStrategy[float] | None = None,
    reward_scale: float = 1.0,
    sparse: bool | None = None,
    terminal: bool = False,
    min_actions: int = 1,
) -> TabularMDP:
    """Random valid :class:`TabularMDP` instances.

    Parameters
    ----------
    min_states, max_states, min_actions, max_actions : int
        Size ranges.
    gammas : strategy of float, optional
        Discounts; default: 0, 0.5, 0.9, 0.99 or any float in ``[0, 0.99]``.
    reward_scale : float
        Rewards are drawn from ``[-reward_scale, reward_scale]``.
    sparse : bool, optional
        Force the transition format; ``None`` draws it.
    terminal : bool
        Whether some states may be terminal (drawn mask).

    Examples
    --------
    The simplest sparse MDP with three states (:func:`hypothesis.find` returns the shrunk example):

    >>> from hypothesis import find
    >>> find(mdps(max_states=3, sparse=True), lambda mdp: mdp.n_states == 3)
    TabularMDP(n_states=3, n_actions=1, gamma=0.0, sparse, n_terminal=0)
    """
    n_states = draw(st.integers(min_states, max_states))
    n_actions = draw(st.integers(min_actions, max_actions))
    gamma = draw(gammas if gammas is not None else _default_gammas)
    P = draw(_distributions(n_states * n_actions, n_states))
    rewards = draw(arrays(np.float64, (n_states, n_actions), elements=st.floats(-1.0, 1.0)))
    mask = draw(arrays(np.bool_, (n_states,))) if terminal else None
    as_sparse = draw(st.booleans()) if sparse is None else sparse
    transitions = sp.csr_matrix(P) if as_sparse else P.reshape(n_states, n_actions, n_states)
    return TabularMDP(transitions, reward_scale * rewards, gamma, terminal=mask)


def alphas(max_alpha: float = 100.0, allow_zero: bool = True) -> st.SearchStrategy[float]:
    """Temperatures: exactly 0 (the hard limit) or a float in ``[1e-3, max_alpha]``.

    >>> from hypothesis import find
    >>> find(alphas(), lambda alpha: alpha > 1.0)
    2.0
    """
    positive = st.floats(1e-3, max_alpha)
    return st.one_of(st.just(0.0), positive) if allow_zero else positive


def policies(n_states: int, n_actions: int) -> st.SearchStrategy[np.ndarray]:
    """Stochastic policies of shape ``(n_states, n_actions)`` (deterministic ones included).

    >>> from hypothesis import find
    >>> find(policies(2, 2), lambda pi: 0 < pi[0, 0] < 1)
    array([[0.66666667, 0.33333333],
           [0.66666667, 0.33333333]])
    """
    return _distributions(n_states, n_actions)


def priors(n_states: int, n_actions: int) -> st.SearchStrategy[np.ndarray]:
    """Prior policies: one ``(n_actions,)`` distribution for every state, or one per state ``(n_states, n_actions)``.

    >>> from hypothesis import find
    >>> find(priors(3, 2), lambda rho: rho.ndim == 2).shape
    (3, 2)
    """
    return st.one_of(_distributions(1, n_actions).map(lambda p: p[0]), _distributions(n_states, n_actions))


def q_tables(n_states: int, n_actions: int, scale: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """Arbitrary finite action-value tables with entries in ``[-scale, scale]``.

    >>> from hypothesis import find
    >>> find(q_tables(2, 3), lambda Q: True)
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """
    return arrays(np.float64, (n_states, n_actions), elements=st.floats(-scale, scale))


@st.composite
def mdp_and_q(draw: st.DrawFn, n_tables: int = 1, scale: float = 10.0, **mdp_kwargs) -> tuple:
    """An MDP and ``n_tables`` Q-tables of its shape: the tuple ``(mdp, Q_1, ..., Q_n)``.

    ``mdp_kwargs`` go to :func:`mdps`; entries of the tables lie in ``[-scale, scale]``.

    >>> from hypothesis import find
    >>> mdp, Q1, Q2 = find(mdp_and_q(n_tables=2, max_states=3), lambda drawn: drawn[0].n_states == 3)
    >>> Q1.shape == Q2.shape == (mdp.n_states, mdp.n_actions)
    True
    """
    mdp = draw(mdps(**mdp_kwargs))
    return (mdp, *(draw(q_tables(mdp.n_states, mdp.n_actions, scale)) for _ in range(n_tables)))


@st.composite
def mdp_and_policy(draw: st.DrawFn, n_policies: int = 1, **mdp_kwargs) -> tuple:
    """An MDP and ``n_policies`` stochastic policies of its shape: ``(mdp, pi_1, ..., pi_n)``.

    >>> from hypothesis import find
    >>> mdp, pi = find(mdp_and_policy(max_states=3), lambda drawn: drawn[0].n_states == 3)
    >>> pi.shape == (mdp.n_states, mdp.n_actions)
    True
    """
    mdp = draw(mdps(**mdp_kwargs))
    return (mdp, *(draw(policies(mdp.n_states, mdp.n_actions)) for _ in range(n_policies)))


@st.composite
def mdp_and_prior(draw: st.DrawFn, **mdp_kwargs) -> tuple:
    """An MDP and a prior for it: ``None`` (Shannon entropy), one ``(A,)`` distribution or one per state ``(S, A)``.

    >>> from hypothesis import find
    >>> mdp, prior = find(mdp_and_prior(max_states=3), lambda drawn: drawn[1] is not None and drawn[1].ndim == 2)
    >>> prior.shape == (mdp.n_states, mdp.n_actions)
    True
    """
    mdp = draw(mdps(**mdp_kwargs))
    return mdp, draw(st.one_of(st.none(), priors(mdp.n_states, mdp.n_actions)))

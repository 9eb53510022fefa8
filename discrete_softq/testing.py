"""Hypothesis strategies for random valid MDPs, policies and temperatures (for tests and notebooks).

The strategies *build* valid objects by normalising what they draw, never by filtering: a
transition row is a vector of non-negative weights plus one forced successor, divided by its sum.
Hypothesis shrinks weights towards zero, so counterexamples shrink to deterministic MDPs with
few states -- the easiest ones to check by hand.

Examples
--------
>>> from hypothesis import given
>>> from discrete_softq.testing import mdps, alphas
>>> @given(mdp=mdps(max_states=4), alpha=alphas())
... def test_policy_rows_sum_to_one(mdp, alpha):
...     ...

Requires ``hypothesis`` (the ``test`` extra).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from .mdp import TabularMDP

__all__ = ["mdps", "alphas", "policies", "q_tables", "two_state_goal_mdp", "numerical_gradient"]

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
) -> TabularMDP:
    """Random valid :class:`TabularMDP` instances.

    Parameters
    ----------
    min_states, max_states, max_actions : int
        Size ranges (``n_actions`` is drawn from ``[1, max_actions]``).
    gammas : strategy of float, optional
        Discounts; default: 0, 0.5, 0.9, 0.99 or any float in ``[0, 0.99]``.
    reward_scale : float
        Rewards are drawn from ``[-reward_scale, reward_scale]``.
    sparse : bool, optional
        Force the transition format; ``None`` draws it.
    terminal : bool
        Whether some states may be terminal (drawn mask).
    """
    n_states = draw(st.integers(min_states, max_states))
    n_actions = draw(st.integers(1, max_actions))
    gamma = draw(gammas if gammas is not None else _default_gammas)
    P = draw(_distributions(n_states * n_actions, n_states))
    rewards = draw(arrays(np.float64, (n_states, n_actions), elements=st.floats(-1.0, 1.0)))
    mask = draw(arrays(np.bool_, (n_states,))) if terminal else None
    as_sparse = draw(st.booleans()) if sparse is None else sparse
    transitions = sp.csr_matrix(P) if as_sparse else P.reshape(n_states, n_actions, n_states)
    return TabularMDP(transitions, reward_scale * rewards, gamma, terminal=mask)


def alphas(max_alpha: float = 100.0, allow_zero: bool = True) -> st.SearchStrategy[float]:
    """Temperatures: exactly 0 (the hard limit) or a float in ``[1e-3, max_alpha]``."""
    positive = st.floats(1e-3, max_alpha)
    return st.one_of(st.just(0.0), positive) if allow_zero else positive


def policies(n_states: int, n_actions: int) -> st.SearchStrategy[np.ndarray]:
    """Stochastic policies of shape ``(n_states, n_actions)`` (deterministic ones included)."""
    return _distributions(n_states, n_actions)


def q_tables(n_states: int, n_actions: int, scale: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """Arbitrary finite action-value tables with entries in ``[-scale, scale]``."""
    return arrays(np.float64, (n_states, n_actions), elements=st.floats(-scale, scale))


def two_state_goal_mdp(gamma: float = 0.5) -> TabularMDP:
    r"""A two-state MDP whose soft values have a closed form.

    State 0 has two actions: ``go`` (action 0) reaches the terminal goal, state 1, with reward 1;
    ``stay`` (action 1) loops with reward 0. With ``gamma = 1/2`` the soft Bellman equation
    :math:`V = \alpha \log(e^{1/\alpha} + e^{V/(2\alpha)})` becomes a quadratic in
    :math:`y = e^{V/(2\alpha)}`: :math:`y^2 = e^{1/\alpha} + y`, so
    :math:`V(0) = 2 \alpha \log \tfrac{1 + \sqrt{1 + 4 e^{1/\alpha}}}{2}`.
    """
    P = np.zeros((2, 2, 2))
    P[0, 0, 1] = P[0, 1, 0] = 1.0
    P[1, :, 1] = 1.0
    return TabularMDP(P, [[1.0, 0.0], [0.0, 0.0]], gamma, initial=[1.0, 0.0], terminal=[False, True])


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place (and restored), so ``f`` may read it through a closure: the
    way the hand-written backward passes of :mod:`discrete_softq.continuous` are checked.
    """
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f()
        x[idx] = old - eps
        down = f()
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad

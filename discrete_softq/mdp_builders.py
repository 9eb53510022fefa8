"""Random and benchmark MDPs: :func:`random_mdp` (Garnet-style) and :func:`open_grid_mdp`.

Both are also importable from :mod:`discrete_softq.mdp`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from . import _validate
from .mdp import TabularMDP

__all__ = ["random_mdp", "open_grid_mdp", "slippery_grid_mdp"]


def _distinct_successors(rng: np.random.Generator, n_rows: int, n_states: int, k: int) -> NDArray[np.intp]:
    """``(n_rows, k)`` sorted column indices, distinct within each row, uniform over k-subsets."""
    if k == n_states:
        return np.broadcast_to(np.arange(n_states), (n_rows, k))
    if 4 * k > n_states:  # dense regime: the first k of a random permutation of each row
        return np.sort(np.argpartition(rng.random((n_rows, n_states)), k - 1, axis=1)[:, :k], axis=1)
    cols = np.sort(rng.integers(0, n_states, size=(n_rows, k)), axis=1)
    while True:  # redraw the (few) rows with a repeated successor; memory stays O(n_rows * k)
        bad = np.flatnonzero(np.any(cols[:, 1:] == cols[:, :-1], axis=1))
        if bad.size == 0:
            return cols
        cols[bad] = np.sort(rng.integers(0, n_states, size=(bad.size, k)), axis=1)


def random_mdp(
    n_states: int,
    n_actions: int,
    gamma: float = 0.9,
    branching: int | None = None,
    seed: int | np.random.Generator | None = None,
    sparse: bool = False,
    reward_scale: float = 1.0,
) -> TabularMDP:
    """A random MDP (Garnet-style) for experiments and tests.

    Each ``P(.|s, a)`` is a Dirichlet(1) draw over ``branching`` distinct successors chosen
    uniformly (all states when ``branching`` is None); rewards are ``reward_scale * N(0, 1)``.

    Parameters
    ----------
    n_states, n_actions : int
        Sizes, at least 1.
    gamma : float
        Discount in ``[0, 1)``.
    branching : int, optional
        Number of successors per state-action pair, in ``[1, n_states]``.
    seed : int or numpy.random.Generator, optional
        Source of randomness (``numpy.random.default_rng(seed)``).
    sparse : bool
        Return transitions as a CSR matrix of shape ``(n_states * n_actions, n_states)``.
    reward_scale : float
        Standard deviation of the rewards.

    Examples
    --------
    >>> mdp = random_mdp(5, 2, gamma=0.9, branching=2, seed=0, sparse=True)
    >>> mdp.transitions.shape, mdp.transitions.nnz
    ((10, 5), 20)
    """
    n_states = _validate.integer(n_states, "n_states", low=1)
    n_actions = _validate.integer(n_actions, "n_actions", low=1)
    k = n_states if branching is None else _validate.integer(branching, "branching", low=1, high=n_states)
    sparse = _validate.flag(sparse, "sparse")
    reward_scale = _validate.real(reward_scale, "reward_scale", low=0.0)
    rng = _validate.generator(seed)
    SA = n_states * n_actions
    cols = _distinct_successors(rng, SA, n_states, k)
    probs = rng.dirichlet(np.ones(k), size=SA)
    P = sp.csr_matrix((probs.ravel(), cols.ravel(), np.arange(0, SA * k + 1, k)), shape=(SA, n_states))
    rewards = reward_scale * rng.standard_normal((n_states, n_actions))
    transitions = P if sparse else P.toarray().reshape(n_states, n_actions, n_states)
    return TabularMDP(transitions, rewards, gamma)


def open_grid_mdp(side: int, gamma: float, rewards: ArrayLike | None = None) -> TabularMDP:
    """An open ``side x side`` grid, sparse: the benchmark MDP of the exact solvers.

    Moves up, right, down, left (bumping into the border stays put), reward -1 per step unless
    ``rewards`` of shape ``(side**2, 4)`` is given, one terminal goal in the top-right corner.
    Every action has a single successor, so soft value iteration uses its factored sweep.

    >>> open_grid_mdp(3, 0.9).expected_next(np.arange(9.0))[4]  # the centre: up, right, down, left
    array([1., 5., 7., 3.])
    """
    side = _validate.integer(side, "side", low=1)
    rows, cols = np.divmod(np.arange(side * side), side)
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    successors = np.stack([np.clip(rows + dr, 0, side - 1) * side + np.clip(cols + dc, 0, side - 1)
                           for dr, dc in moves], axis=1).ravel()
    S = side * side
    P = sp.csr_matrix((np.ones(4 * S), successors, np.arange(4 * S + 1)), shape=(4 * S, S))
    terminal = np.zeros(S, dtype=bool)
    terminal[side - 1] = True
    return TabularMDP(P, -np.ones((S, 4)) if rewards is None else rewards, gamma, terminal=terminal)


def slippery_grid_mdp(side: int, gamma: float, slip: float = 0.2) -> TabularMDP:
    """:func:`open_grid_mdp` with each move going to either perpendicular direction with probability ``slip / 2``.

    >>> slippery_grid_mdp(3, 0.9).expected_next(np.arange(9.0))[4].round(2)  # up, right, down, left from the centre
    array([1.6, 4.8, 6.4, 3.2])
    """
    base = open_grid_mdp(side, gamma)
    slip = _validate.real(slip, "slip", low=0.0, high=1.0)
    S = base.n_states
    succ = base.transition_matrix.indices.reshape(S, 4)  # successors of up, right, down, left
    rows, cols, vals = [], [], []
    for a in range(4):
        for b, p in ((a, 1 - slip), ((a + 1) % 4, slip / 2), ((a + 3) % 4, slip / 2)):
            rows.append(np.arange(S) * 4 + a)
            cols.append(succ[:, b])
            vals.append(np.full(S, p))
    P = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(4 * S, S))
    return TabularMDP(P, base.rewards, gamma, terminal=base.terminal)

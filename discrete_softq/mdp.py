"""Finite Markov decision processes: :class:`TabularMDP` and :func:`random_mdp`.

Array convention, fixed once for the whole toolkit::

    P[s, a, s']   transition probabilities      (dense input, shape (S, A, S))
    P[s*A + a, s'] the same, as a sparse matrix (shape (S*A, S), never densified)
    R[s, a]       expected reward               (given as (S, A) or (S, A, S))
    Q[s, a], V[s]

Terminal states end the episode: the value of being in one is zero (no reward and no entropy
after it), so every backup uses ``V(s') = 0`` for terminal ``s'`` and the rows of terminal
states are zero in every Q-function. :meth:`TabularMDP.expected_next` applies both rules, which
is why the solvers never mention terminal states themselves.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

__all__ = ["TabularMDP", "random_mdp", "open_grid_mdp", "check_mdp", "check_policy", "check_q"]

#: Rows of a transition matrix may miss 1 by this much (accumulated rounding of user input).
ROW_SUM_ATOL = 1e-8


class TabularMDP:
    r"""A finite MDP with expected rewards, a discount, a start distribution and terminal states.

    Parameters
    ----------
    transitions : ndarray of shape (n_states, n_actions, n_states) or scipy.sparse matrix of shape (n_states * n_actions, n_states)
        :math:`P(s' \mid s, a)`; in the sparse form row ``s * n_actions + a`` holds
        :math:`P(\cdot \mid s, a)`. Sparse input stays sparse (memory O(nnz)); it is stored
        once in CSR form for fast products.
    rewards : ndarray of shape (n_states, n_actions) or (n_states, n_actions, n_states)
        :math:`r(s, a)`, or :math:`r(s, a, s')`, which is reduced to the expected reward
        :math:`r(s, a) = \sum_{s'} P(s' \mid s, a)\, r(s, a, s')`. Must be finite.
    gamma : float
        Discount factor in ``[0, 1)``.
    initial : ndarray of shape (n_states,), optional
        Start distribution; uniform when omitted.
    terminal : ndarray of bool of shape (n_states,), optional
        Terminal states (value zero, episode over). None are terminal when omitted.
        Rewards given for acting *in* a terminal state are ignored (stored as zero).

    Attributes
    ----------
    n_states, n_actions : int
    gamma : float
    transitions : ndarray or scipy.sparse matrix
        As given.
    rewards : ndarray of shape (n_states, n_actions)
        Expected rewards, zero on terminal rows.
    initial : ndarray of shape (n_states,)
    terminal : ndarray of bool of shape (n_states,)
    is_sparse : bool

    Examples
    --------
    A two-state chain: action 0 stays, action 1 moves to the other state.

    >>> import numpy as np
    >>> P = np.zeros((2, 2, 2))
    >>> P[0, 0, 0] = P[0, 1, 1] = P[1, 0, 1] = P[1, 1, 0] = 1.0
    >>> mdp = TabularMDP(P, rewards=[[0.0, 1.0], [0.0, 0.0]], gamma=0.5)
    >>> mdp.n_states, mdp.n_actions
    (2, 2)
    >>> mdp.expected_next(np.array([10.0, 20.0]))
    array([[10., 20.],
           [20., 10.]])
    """

    def __init__(
        self,
        transitions: ArrayLike | sp.spmatrix | sp.sparray,
        rewards: ArrayLike,
        gamma: float,
        initial: ArrayLike | None = None,
        terminal: ArrayLike | None = None,
    ) -> None:
        self.gamma = _check_gamma(gamma)
        self.transitions = transitions
        self._P, self.n_states, self.n_actions = _check_transitions(transitions)
        self.is_sparse = sp.issparse(self._P)
        self.terminal = _check_terminal(terminal, self.n_states)
        self.rewards = _expected_rewards(rewards, self._P, self.n_states, self.n_actions)
        self.rewards[self.terminal] = 0.0
        self.rewards.setflags(write=False)
        self.initial = _check_initial(initial, self.n_states)
        self._nonterminal = (~self.terminal).astype(float)
        self._has_terminal = bool(self.terminal.any())

    # ------------------------------------------------------------------ the one kernel
    def expected_next(self, V: ArrayLike) -> NDArray[np.float64]:
        r"""Expected value of the next state, :math:`\mathbb{E}_{s' \sim P(\cdot|s,a)} V(s')`.

        Terminal successors count as ``V(s') = 0`` and terminal rows of the result are zero.

        Parameters
        ----------
        V : ndarray of shape (n_states,) or (n_states, k)
            State values (``k`` columns are evaluated together).

        Returns
        -------
        ndarray of shape (n_states, n_actions) or (n_states, n_actions, k)
        """
        values = np.asarray(V, dtype=float)
        if values.shape[:1] != (self.n_states,) or values.ndim > 2:
            raise ValueError(f"V must have shape ({self.n_states},) or ({self.n_states}, k); got {values.shape}")
        if self._has_terminal:
            values = values * (self._nonterminal if values.ndim == 1 else self._nonterminal[:, None])
        EV = np.asarray(self._P @ values).reshape((self.n_states, self.n_actions) + values.shape[1:])
        if self._has_terminal:
            EV[self.terminal] = 0.0
        return EV

    # ------------------------------------------------------------------ helpers
    def policy_matrix(self, policy: ArrayLike) -> sp.csr_matrix:
        r"""The state-to-state transition matrix of a policy, :math:`P_\pi = \Pi P`, sparse.

        ``P_pi[s, s'] = sum_a pi(a|s) P(s'|s, a)`` with terminal rows and columns zeroed, so
        that :math:`(I - \gamma P_\pi)` is the matrix of policy evaluation.
        """
        pi = check_policy(policy, self.n_states, self.n_actions)
        S, A = self.n_states, self.n_actions
        Pi = sp.csr_matrix(
            (pi.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A)
        )
        P = self._P if self.is_sparse else sp.csr_matrix(self._P)
        P_pi = (Pi @ P).tocsr()
        if self._has_terminal:
            keep = sp.diags(self._nonterminal)
            P_pi = (keep @ P_pi @ keep).tocsr()
        return P_pi

    def __repr__(self) -> str:
        kind = "sparse" if self.is_sparse else "dense"
        return (f"TabularMDP(n_states={self.n_states}, n_actions={self.n_actions}, "
                f"gamma={self.gamma}, {kind}, n_terminal={int(self.terminal.sum())})")


# ---------------------------------------------------------------------- validation
def _check_gamma(gamma: Any) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(f"gamma must be a real number in [0, 1); got {type(gamma).__name__}")
    gamma = float(gamma)
    if not 0.0 <= gamma < 1.0:  # also false for NaN
        raise ValueError(f"gamma must be in [0, 1); got {gamma}")
    return gamma


def _check_transitions(transitions: Any) -> tuple[Any, int, int]:
    """Validate and return ``(P as (S*A, S), S, A)``: CSR if sparse, a dense view otherwise."""
    if sp.issparse(transitions):
        P = sp.csr_matrix(transitions, dtype=float)
        SA, S = P.shape
        if S == 0 or SA % S != 0:
            raise ValueError(
                "sparse transitions must have shape (n_states * n_actions, n_states); "
                f"got {P.shape}")
        P.sum_duplicates()
        data = P.data
        row_sums = np.asarray(P.sum(axis=1)).ravel()
    else:
        try:
            dense = np.asarray(transitions, dtype=float)
        except (TypeError, ValueError) as err:
            raise TypeError(f"transitions must be a numeric array or scipy.sparse matrix: {err}") from None
        if dense.ndim != 3 or dense.shape[0] != dense.shape[2] or 0 in dense.shape:
            raise ValueError(
                f"dense transitions must have shape (n_states, n_actions, n_states); got {dense.shape}")
        S = dense.shape[0]
        P = dense.reshape(-1, S)
        data = P
        row_sums = P.sum(axis=1)
    A = SA // S if sp.issparse(transitions) else P.shape[0] // S
    if A == 0:
        raise ValueError("transitions must have at least one action")
    if not np.all(np.isfinite(data)):
        raise ValueError("transitions must be finite (found NaN or inf)")
    if np.any(data < 0):
        raise ValueError("transitions must be non-negative probabilities")
    bad = np.flatnonzero(np.abs(row_sums - 1.0) > ROW_SUM_ATOL)
    if bad.size:
        s, a = divmod(int(bad[0]), A)
        raise ValueError(
            f"transitions must be distributions: P(.|s={s}, a={a}) sums to {row_sums[bad[0]]!r}, "
            f"not 1 ({bad.size} such rows)")
    return P, S, A


def _check_terminal(terminal: Any, n_states: int) -> NDArray[np.bool_]:
    if terminal is None:
        return np.zeros(n_states, dtype=bool)
    t = np.asarray(terminal)
    if t.shape != (n_states,):
        raise ValueError(f"terminal must be a boolean mask of shape ({n_states},); got {t.shape}")
    if t.dtype != bool:
        if not np.all((t == 0) | (t == 1)):
            raise TypeError("terminal must be a boolean mask (True for terminal states)")
        t = t.astype(bool)
    t = t.copy()
    t.setflags(write=False)
    return t


def _expected_rewards(rewards: Any, P: Any, S: int, A: int) -> NDArray[np.float64]:
    try:
        R = np.array(rewards, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"rewards must be a numeric array: {err}") from None
    if R.shape == (S, A, S):
        R = np.asarray(
            (P.multiply(R.reshape(S * A, S)).sum(axis=1) if sp.issparse(P)
             else np.einsum("ij,ij->i", P, R.reshape(S * A, S)))
        ).reshape(S, A)
    elif R.shape != (S, A):
        raise ValueError(f"rewards must have shape ({S}, {A}) or ({S}, {A}, {S}); got {R.shape}")
    if not np.all(np.isfinite(R)):
        raise ValueError("rewards must be finite (found NaN or inf)")
    return R


def _check_initial(initial: Any, n_states: int) -> NDArray[np.float64]:
    if initial is None:
        mu = np.full(n_states, 1.0 / n_states)
    else:
        mu = np.array(initial, dtype=float)
        if mu.shape != (n_states,):
            raise ValueError(f"initial must have shape ({n_states},); got {mu.shape}")
        if not np.all(np.isfinite(mu)) or np.any(mu < 0) or abs(mu.sum() - 1.0) > ROW_SUM_ATOL:
            raise ValueError("initial must be a probability distribution over states "
                             "(non-negative, summing to 1)")
    mu.setflags(write=False)
    return mu


def check_policy(policy: ArrayLike, n_states: int, n_actions: int, name: str = "policy") -> NDArray[np.float64]:
    """Validate a stochastic policy; broadcast an ``(A,)`` policy to ``(S, A)``."""
    try:
        pi = np.asarray(policy, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a numeric array: {err}") from None
    if pi.shape == (n_actions,):
        pi = np.broadcast_to(pi, (n_states, n_actions))
    if pi.shape != (n_states, n_actions):
        raise ValueError(f"{name} must have shape ({n_states}, {n_actions}) or ({n_actions},); got {pi.shape}")
    if not np.all(np.isfinite(pi)) or np.any(pi < 0):
        raise ValueError(f"{name} must hold finite non-negative probabilities")
    if np.any(np.abs(pi.sum(axis=-1) - 1.0) > ROW_SUM_ATOL):
        raise ValueError(f"{name} rows must sum to 1")
    return pi


# ---------------------------------------------------------------------- random MDPs
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
    for name, value in (("n_states", n_states), ("n_actions", n_actions)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an int; got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1; got {value}")
    k = n_states if branching is None else branching
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= n_states:
        raise ValueError(f"branching must be an int in [1, n_states={n_states}]; got {branching!r}")
    rng = np.random.default_rng(seed)
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
    if isinstance(side, bool) or not isinstance(side, numbers.Integral) or side < 1:
        raise ValueError(f"side must be an int >= 1; got {side!r}")
    rows, cols = np.divmod(np.arange(side * side), side)
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    successors = np.stack([np.clip(rows + dr, 0, side - 1) * side + np.clip(cols + dc, 0, side - 1)
                           for dr, dc in moves], axis=1).ravel()
    S = side * side
    P = sp.csr_matrix((np.ones(4 * S), successors, np.arange(4 * S + 1)), shape=(4 * S, S))
    terminal = np.zeros(S, dtype=bool)
    terminal[side - 1] = True
    return TabularMDP(P, -np.ones((S, 4)) if rewards is None else rewards, gamma, terminal=terminal)


def check_mdp(mdp: object) -> TabularMDP:
    """``mdp`` itself if it is a :class:`TabularMDP`, else a :class:`TypeError` naming ``mdp``."""
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
    return mdp


def check_q(mdp: TabularMDP, Q: ArrayLike, name: str = "Q") -> NDArray[np.float64]:
    """A finite real copy of ``Q``, checked to have shape ``(n_states, n_actions)``."""
    from . import _validate

    return _validate.array(Q, name, shape=(mdp.n_states, mdp.n_actions))

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

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from . import _validate
from ._validate import ROW_SUM_ATOL

__all__ = ["TabularMDP", "random_mdp", "open_grid_mdp", "check_mdp", "check_policy", "check_q"]

class TabularMDP:
    r"""A finite MDP with expected rewards, a discount, a start distribution and terminal states.

    Immutable: the constructor copies what it is given (the caller's arrays are never modified,
    and changing them afterwards does not change the model), and every attribute is read-only.

    Parameters
    ----------
    transitions : ndarray of shape (n_states, n_actions, n_states) or scipy.sparse matrix of shape (n_states * n_actions, n_states)
        :math:`P(s' \mid s, a)`; in the sparse form row ``s * n_actions + a`` holds
        :math:`P(\cdot \mid s, a)`. Sparse input stays sparse (memory O(nnz)), stored in CSR
        form with duplicate entries summed. Rows must sum to 1 within ``1e-8``; they are then
        divided by their sums, so that the model is exactly stochastic (to rounding).
    rewards : ndarray of shape (n_states, n_actions) or (n_states, n_actions, n_states)
        :math:`r(s, a)`, or :math:`r(s, a, s')`, which is reduced to the expected reward
        :math:`r(s, a) = \sum_{s'} P(s' \mid s, a)\, r(s, a, s')`. Must be finite.
    gamma : float
        Discount factor in ``[0, 1]``. ``gamma = 1`` (undiscounted episodic tasks) needs every state
        to reach a terminal state with probability 1 under a full-support policy (checked on the
        graph of ``P``); the solvers then certify their answers as :mod:`discrete_softq.episodic` explains.
    initial : ndarray of shape (n_states,), optional
        Start distribution; uniform when omitted.
    terminal : ndarray of bool of shape (n_states,), optional
        Terminal states (value zero, episode over). None are terminal when omitted.
        Rewards given for acting *in* a terminal state are ignored (stored as zero).

    Attributes
    ----------
    n_states, n_actions : int
    gamma : float
    P : ndarray of shape (n_states, n_actions, n_states) or scipy.sparse CSR matrix of shape (n_states * n_actions, n_states)
        The transitions, read-only, in the form given (``transitions`` is the same object).
    rewards : ndarray of shape (n_states, n_actions)
        Expected rewards, zero on terminal rows (read-only).
    initial : ndarray of shape (n_states,)
    terminal : ndarray of bool of shape (n_states,)
    transition_matrix : ndarray or scipy.sparse CSR matrix of shape (n_states * n_actions, n_states)
        ``P`` with row ``s * n_actions + a`` holding :math:`P(\cdot \mid s, a)` (read-only).
    is_sparse : bool
    max_successors : int
        The largest number of successors (non-zero entries) of a state-action pair.

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
    >>> mdp.gamma = 0.9
    Traceback (most recent call last):
    ...
    AttributeError: TabularMDP is immutable: gamma cannot be set
    """

    __slots__ = ("_gamma", "_P", "_rows", "_n_states", "_n_actions", "_terminal", "_rewards", "_initial",
                 "_nonterminal", "_has_terminal", "_max_successors")
    _gamma: float
    _P: Any
    _rows: Any
    _n_states: int
    _n_actions: int
    _terminal: NDArray[np.bool_]
    _rewards: NDArray[np.float64]
    _initial: NDArray[np.float64]
    _nonterminal: NDArray[np.float64]
    _has_terminal: bool
    _max_successors: int

    def __init__(
        self,
        transitions: ArrayLike | sp.spmatrix | sp.sparray,
        rewards: ArrayLike,
        gamma: float,
        initial: ArrayLike | None = None,
        terminal: ArrayLike | None = None,
    ) -> None:
        put = object.__setattr__
        put(self, "_gamma", _validate.real(gamma, "gamma", low=0.0, high=1.0))
        rows, S, A = _check_transitions(transitions)
        put(self, "_rows", rows)  # (S*A, S): CSR, or a read-only view of the dense array
        put(self, "_P", rows if sp.issparse(rows) else rows.reshape(S, A, S))
        put(self, "_n_states", S)
        put(self, "_n_actions", A)
        put(self, "_max_successors", int(np.diff(rows.indptr).max() if sp.issparse(rows)
                                          else np.count_nonzero(rows, axis=1).max()))
        put(self, "_terminal", _check_terminal(terminal, S))
        if self._gamma == 1.0:
            _check_episodic(rows, self._terminal, A)
        R = _expected_rewards(rewards, rows, S, A)
        R[self._terminal] = 0.0
        R.setflags(write=False)
        put(self, "_rewards", R)
        put(self, "_initial", _check_initial(initial, S))
        put(self, "_nonterminal", _validate.frozen((~self._terminal).astype(float)))
        put(self, "_has_terminal", bool(self._terminal.any()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"TabularMDP is immutable: {name} cannot be set")

    # ------------------------------------------------------------------ read-only attributes
    n_states = property(lambda self: self._n_states, doc="Number of states ``S``.")
    n_actions = property(lambda self: self._n_actions, doc="Number of actions ``A``.")
    gamma = property(lambda self: self._gamma, doc="Discount factor.")
    P = property(lambda self: self._P, doc="Read-only transitions, dense (S, A, S) or CSR (S*A, S).")
    transitions = property(lambda self: self._P, doc="The same read-only object as :attr:`P`.")
    transition_matrix = property(lambda self: self._rows,
                                 doc="``P`` as an (S*A, S) matrix, row ``s * A + a`` (read-only CSR or dense).")
    rewards = property(lambda self: self._rewards, doc="Expected rewards (S, A), read-only.")
    initial = property(lambda self: self._initial, doc="Start distribution (S,), read-only.")
    terminal = property(lambda self: self._terminal, doc="Terminal mask (S,), read-only.")
    is_sparse = property(lambda self: sp.issparse(self._P), doc="Whether ``P`` is a sparse matrix.")
    max_successors = property(lambda self: self._max_successors,
                              doc="Largest number of stored successors of one state-action pair.")

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
        values = _validate.array(V, "V", copy=False)
        if values.shape[:1] != (self.n_states,) or values.ndim > 2:
            raise ValueError(f"V must have shape ({self.n_states},) or ({self.n_states}, k); got {values.shape}")
        if self._has_terminal:
            values = values * (self._nonterminal if values.ndim == 1 else self._nonterminal[:, None])
        EV = np.asarray(self._rows @ values).reshape((self.n_states, self.n_actions) + values.shape[1:])
        if self._has_terminal:
            EV[self._terminal] = 0.0
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
        P = self._rows if self.is_sparse else sp.csr_matrix(self._rows)
        P_pi = (Pi @ P).tocsr()
        if self._has_terminal:
            keep = sp.diags(self._nonterminal)
            P_pi = (keep @ P_pi @ keep).tocsr()
        return P_pi

    def __repr__(self) -> str:
        kind = "sparse" if self.is_sparse else "dense"
        return (f"TabularMDP(n_states={self.n_states}, n_actions={self.n_actions}, "
                f"gamma={self.gamma}, {kind}, n_terminal={int(self.terminal.sum())})")

    @classmethod
    def from_gymnasium(cls, env: Any, gamma: float = 0.99, initial: ArrayLike | None = None) -> "TabularMDP":
        """The exact model of a Gymnasium environment with ``unwrapped.P``: :func:`discrete_softq.envs.from_gymnasium`."""
        from .envs.toy_text import from_gymnasium

        return from_gymnasium(env, gamma=gamma, initial=initial)

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (multiprocessing): rebuild from the parts
        return (TabularMDP, (self._P, self._rewards, self._gamma, self._initial, self._terminal))


# ---------------------------------------------------------------------- validation
def _freeze_csr(P: sp.csr_matrix) -> sp.csr_matrix:
    for part in (P.data, P.indices, P.indptr):
        part.setflags(write=False)
    return P


def _check_transitions(transitions: Any) -> tuple[Any, int, int]:
    """Validate and copy: ``(P as (S*A, S), S, A)``, read-only CSR if sparse, else a read-only dense array."""
    if sp.issparse(transitions):
        if transitions.dtype.kind not in "biuf":
            raise TypeError(f"transitions must hold real numbers; got dtype {transitions.dtype}")
        P = sp.csr_matrix(transitions, dtype=float, copy=True)  # a copy: the caller's matrix is not touched
        SA, S = P.shape
        if S == 0 or SA == 0 or SA % S != 0:
            raise ValueError("sparse transitions must have shape (n_states * n_actions, n_states); "
                             f"got {P.shape}")
        P.sum_duplicates()
        P.sort_indices()
        data = P.data
    else:
        dense = _validate.array(transitions, "transitions")
        if dense.ndim != 3 or dense.shape[0] != dense.shape[2] or 0 in dense.shape:
            raise ValueError(
                f"dense transitions must have shape (n_states, n_actions, n_states); got {dense.shape}")
        S = dense.shape[0]
        P = dense.reshape(-1, S)
        data = P
        SA = P.shape[0]
    A = SA // S
    if not np.all(np.isfinite(data)):
        raise ValueError("transitions must be finite (found NaN or inf)")
    if np.any(data < 0):
        raise ValueError("transitions must be non-negative probabilities")
    row_sums = np.asarray(P.sum(axis=1)).ravel()
    bad = np.flatnonzero(np.abs(row_sums - 1.0) > ROW_SUM_ATOL)
    if bad.size:
        s, a = divmod(int(bad[0]), A)
        raise ValueError(
            f"transitions must be distributions: P(.|s={s}, a={a}) sums to {row_sums[bad[0]]!r}, "
            f"not 1 ({bad.size} such rows)")
    off = row_sums != 1.0  # renormalise: the stopping rule needs T(X + c) = T X + gamma c
    if off.any():
        if sp.issparse(P):
            P.data /= np.repeat(row_sums, np.diff(P.indptr))
        else:
            P[off] /= row_sums[off, None]
    if sp.issparse(P):
        return _freeze_csr(P), S, A
    P.setflags(write=False)
    return P, S, A


def _check_episodic(rows: Any, terminal: NDArray[np.bool_], A: int) -> None:
    """Raise unless every state reaches a terminal state along edges ``P(t|s,a) > 0`` (``gamma = 1``)."""
    graph = rows if sp.issparse(rows) else sp.csr_matrix(rows)
    S = terminal.size
    owner = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr)) // A
    G = sp.csr_matrix((np.ones(graph.nnz), (owner, graph.indices)), shape=(S, S))  # G[s, t] > 0: s -> t
    reached, frontier = terminal.copy(), terminal.copy()
    while frontier.any():  # breadth-first search backwards from the terminal states
        frontier = (G @ frontier.astype(float) > 0) & ~reached
        reached |= frontier
    if not reached.all():
        stuck = np.flatnonzero(~reached)
        raise ValueError(f"gamma = 1 needs every state to reach a terminal state; states {stuck[:10].tolist()}"
                         f"{' ...' if stuck.size > 10 else ''} ({stuck.size} in all) never do, whatever the policy")


def _check_terminal(terminal: Any, n_states: int) -> NDArray[np.bool_]:
    if terminal is None:
        return _validate.frozen(np.zeros(n_states, dtype=bool))
    t = _validate.array(terminal, "terminal", shape=(n_states,), dtype=None)
    if t.dtype != bool:
        if not np.all((t == 0) | (t == 1)):
            raise TypeError("terminal must be a boolean mask (True for terminal states)")
        t = t.astype(bool)
    return _validate.frozen(t)


def _expected_rewards(rewards: Any, P: Any, S: int, A: int) -> NDArray[np.float64]:
    R = _validate.array(rewards, "rewards")
    if R.shape == (S, A, S):
        R = np.asarray(
            (P.multiply(R.reshape(S * A, S)).sum(axis=1) if sp.issparse(P)
             else np.einsum("ij,ij->i", P, R.reshape(S * A, S)))
        ).reshape(S, A)
    elif R.shape != (S, A):
        raise ValueError(f"rewards must have shape ({S}, {A}) or ({S}, {A}, {S}); got {R.shape}")
    return R


def _check_initial(initial: Any, n_states: int) -> NDArray[np.float64]:
    if initial is None:
        return _validate.frozen(np.full(n_states, 1.0 / n_states))
    return _validate.frozen(_validate.distribution(initial, "initial", shape=(n_states,)))


def check_policy(policy: ArrayLike, n_states: int, n_actions: int, name: str = "policy") -> NDArray[np.float64]:
    """Validate a stochastic policy; broadcast an ``(A,)`` policy to ``(S, A)``.

    >>> check_policy([0.25, 0.75], n_states=2, n_actions=2)
    array([[0.25, 0.75],
           [0.25, 0.75]])
    """
    pi = _validate.array(policy, name)
    if pi.shape == (n_actions,):
        pi = np.broadcast_to(pi, (n_states, n_actions))
    if pi.shape != (n_states, n_actions):
        raise ValueError(f"{name} must have shape ({n_states}, {n_actions}) or ({n_actions},); got {pi.shape}")
    return _validate.distribution(pi, name)


def check_mdp(mdp: object) -> TabularMDP:
    """``mdp`` itself if it is a :class:`TabularMDP`, else a :class:`TypeError` naming ``mdp``.

    >>> check_mdp("not an mdp")
    Traceback (most recent call last):
    ...
    TypeError: mdp must be a TabularMDP; got str
    """
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
    return mdp


def check_q(mdp: TabularMDP, Q: ArrayLike, name: str = "Q") -> NDArray[np.float64]:
    """A finite real copy of ``Q``, checked to have shape ``(n_states, n_actions)``.

    >>> from discrete_softq import random_mdp
    >>> check_q(random_mdp(2, 3, seed=0), [[0, 1, 2]], "Q0")
    Traceback (most recent call last):
    ...
    ValueError: Q0 must have shape (2, 3); got (1, 3)
    """
    return _validate.array(Q, name, shape=(mdp.n_states, mdp.n_actions))


# Random and benchmark MDPs live in a module of their own; importable from here as before.
from .mdp_builders import open_grid_mdp, random_mdp  # noqa: E402

r"""State aggregation: a smaller MDP whose solution gives policy iteration on a large one a good start.

Policy iteration is Newton's method, and Newton's method is fast only near the solution. Started
from the uniform policy on a large grid at ``gamma`` near 1 it needs many rounds: a round's
improvement is informative only where the values already differ by more than ``alpha``, a front
that moves a limited distance per round (29 rounds on a 316 x 316 grid at 0.999). Multigrid's
answer is to solve a coarse version of the problem first and start from its solution.

The coarse MDP aggregates states (Bertsekas and Castanon 1989, "Adaptive aggregation methods for
infinite horizon dynamic programming"): each aggregate :math:`I` of neighbouring states becomes
one state whose action :math:`a` does what :math:`a` does from a uniformly chosen member,

.. math:: \bar P(J | I, a) = \frac{1}{|I|} \sum_{s \in I} \sum_{t \in J} P(t | s, a), \qquad
          \bar r(I, a) = \frac{1}{|I|} \sum_{s \in I} r(s, a),

(and the prior averaged likewise). All terminal states form one terminal aggregate. The
aggregates are pyamg's standard aggregation (a state and its not yet aggregated neighbours) of
the symmetrised transition graph, so no geometry is needed. The coarse values, copied to the
members and smoothed by a few soft Bellman sweeps, give the first policy and the first guess of
the first evaluation (:func:`coarse_start`). The start changes only how many rounds policy
iteration takes: its answer and ``error_bound`` come from the same stopping rule as ever.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from .evaluation import start_policy
from .mdp import TabularMDP, check_policy
from . import _validate
from ._fast import soft_values, softmax_rows

__all__ = ["transition_edges", "aggregate_states", "aggregated_mdp", "coarse_start", "policy_iteration_start", "COARSE_START_MIN_STATES"]

#: Policy iteration starts from an aggregated model's solution above this many non-terminal states.
COARSE_START_MIN_STATES = 50_000
#: The coarse model is solved only this accurately: it is a start, its error is the aggregation's.
COARSE_TOL = 1e-3
#: Soft Bellman sweeps smoothing the copied coarse values (they are constant on each aggregate).
SMOOTHING_SWEEPS = 10
#: Aggregation must shrink the model at least this much, or no coarse start is made.
MIN_COARSENING = 2.0


def transition_edges(mdp: TabularMDP) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """The possible moves ``s -> t`` (``P(t|s, a) > 0`` for some action ``a``), one pair per entry of ``P``.

    >>> from discrete_softq.mdp_builders import open_grid_mdp
    >>> source, target = transition_edges(open_grid_mdp(2, 0.9))  # up, right, down, left from each cell
    >>> source[:4].tolist(), target[:4].tolist()
    ([0, 0, 0, 0], [0, 1, 2, 0])
    """
    S, A = mdp.n_states, mdp.n_actions
    P = mdp.transition_matrix if mdp.is_sparse else sp.csr_matrix(mdp.transition_matrix)
    possible = P.data > 0
    return np.repeat(np.arange(S * A) // A, np.diff(P.indptr))[possible], P.indices[possible]


def aggregate_states(mdp: TabularMDP) -> NDArray[np.int64]:
    """The aggregate of each state: neighbourhoods of the transition graph, terminal states in the last one.

    Returns ``labels`` of shape (n_states,) with values ``0 .. n_aggregates - 1``; the terminal
    aggregate (when there are terminal states) is ``n_aggregates - 1``.

    >>> from discrete_softq.mdp_builders import open_grid_mdp
    >>> labels = aggregate_states(open_grid_mdp(4, 0.9))
    >>> int(labels.max()) + 1 < 16, int(labels[3]) == int(labels.max())  # fewer states; the goal alone
    (True, True)
    """
    from pyamg.aggregation.aggregate import standard_aggregation  # lazily: pyamg is only needed here

    S = mdp.n_states
    source, target = transition_edges(mdp)
    live = ~mdp.terminal
    keep = live[source] & live[target] & (source != target)
    edges = sp.csr_matrix((np.ones(int(keep.sum())), (source[keep], target[keep])), shape=(S, S))
    graph = (edges + edges.T).tocsr()
    aggregates, _ = standard_aggregation(graph)
    labels = np.full(S, -1, dtype=np.int64)
    rows, columns = aggregates.nonzero()
    labels[rows] = columns
    lone = live & (labels < 0)  # states without live neighbours stay on their own
    n = aggregates.shape[1]
    labels[lone] = n + np.arange(int(lone.sum()))
    labels[~live] = n + int(lone.sum())
    return labels


def aggregated_mdp(mdp: TabularMDP, labels: ArrayLike, prior: NDArray | None = None
                   ) -> tuple[TabularMDP, NDArray | None]:
    r"""The aggregated model (module docstring) and the aggregated prior (None stays None).

    >>> from discrete_softq.mdp_builders import open_grid_mdp
    >>> grid = open_grid_mdp(4, 0.9)
    >>> coarse, _ = aggregated_mdp(grid, aggregate_states(grid))
    >>> coarse.n_states < grid.n_states, bool(coarse.terminal[-1])
    (True, True)
    """
    S, A = mdp.n_states, mdp.n_actions
    labels = _checked_labels(labels, S)
    n = int(labels.max()) + 1
    size = np.bincount(labels, minlength=n).astype(float)
    P = mdp.transition_matrix if mdp.is_sparse else sp.csr_matrix(mdp.transition_matrix)
    row = np.repeat(np.arange(S * A), np.diff(P.indptr))
    state, action = np.divmod(row, A)
    live = ~mdp.terminal[state]
    coarse_row = labels[state[live]] * A + action[live]
    weight = P.data[live] / size[labels[state[live]]]
    terminal = np.zeros(n, dtype=bool)
    terminal[np.unique(labels[mdp.terminal])] = True
    loops = np.flatnonzero(terminal)  # terminal aggregates: a self-loop for each action (value 0 anyway)
    coarse_row = np.concatenate([coarse_row, (loops[:, None] * A + np.arange(A)).ravel()])
    column = np.concatenate([labels[P.indices[live]], np.repeat(loops, A)])
    weight = np.concatenate([weight, np.ones(loops.size * A)])
    coarse_P = sp.csr_matrix((weight, (coarse_row, column)), shape=(n * A, n))
    rewards = _average(mdp.rewards, labels, size)
    if prior is None or np.ndim(prior) == 1:  # one prior for every state: the aggregates share it
        rho = None if prior is None else np.array(prior, dtype=float)
    else:
        rho = _average(np.broadcast_to(prior, (S, A)), labels, size)
        rho[terminal] = 1.0 / A
    return TabularMDP(coarse_P, rewards, mdp.gamma, terminal=terminal), rho


def _checked_labels(labels: object, n_states: int) -> NDArray[np.int64]:
    """One integer label per state, the labels ``0 .. n - 1`` each used."""
    out = _validate.array(labels, "labels", shape=(n_states,), dtype=None)
    if out.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers (an aggregate per state); got dtype {out.dtype}")
    if out.size and (out.min() < 0 or np.unique(out).size != int(out.max()) + 1):
        raise ValueError("labels must use each aggregate 0 .. n_aggregates - 1 (non-negative, none skipped)")
    return out.astype(np.int64)


def _average(table: NDArray, labels: NDArray[np.int64], size: NDArray) -> NDArray[np.float64]:
    """Mean of the rows of ``table`` over each aggregate."""
    out = np.stack([np.bincount(labels, weights=column, minlength=size.size) for column in table.T], axis=1)
    return out / size[:, None]


def coarse_start(mdp: TabularMDP, alpha: float, prior: NDArray | None,
                 solve: Callable[..., object]) -> tuple[NDArray, NDArray] | None:
    r"""A first policy and first values for policy iteration, from the aggregated model's solution.

    ``solve(coarse_mdp, alpha, tol=..., prior=...)`` solves the coarse model (policy iteration
    itself, so the start recurses while the model is large). The coarse values are copied to
    each aggregate's members, smoothed by ``SMOOTHING_SWEEPS`` sweeps :math:`V \leftarrow
    \alpha \log \sum_a \rho_a e^{(r + \gamma P V)/\alpha}`, and the Boltzmann policy of the result
    is the first policy. Returns ``(policy, V)``, or None when aggregation would not shrink the
    model by ``MIN_COARSENING``.

    >>> from discrete_softq import soft_policy_iteration
    >>> from discrete_softq.mdp_builders import open_grid_mdp
    >>> pi, V = coarse_start(open_grid_mdp(30, 0.99), 0.1, None, soft_policy_iteration)
    >>> pi.shape, bool(V[29] == 0.0)
    ((900, 4), True)
    """
    labels = aggregate_states(mdp)
    if mdp.n_states < MIN_COARSENING * (int(labels.max()) + 1):
        return None
    coarse, rho = aggregated_mdp(mdp, labels, prior)
    coarse_V = solve(coarse, alpha, tol=COARSE_TOL, prior=rho).V  # type: ignore[attr-defined]
    V = np.where(mdp.terminal, 0.0, coarse_V[labels])
    for _ in range(SMOOTHING_SWEEPS):
        V = np.where(mdp.terminal, 0.0, soft_values(mdp.expected_next(V), alpha, prior, mdp.rewards, mdp.gamma))
    return softmax_rows(mdp.rewards + mdp.gamma * mdp.expected_next(V), alpha, prior), V


def policy_iteration_start(mdp: TabularMDP, alpha: float, prior: NDArray | None, policy0: ArrayLike | None,
                           solve: Callable[..., object]) -> tuple[NDArray, NDArray | None]:
    """Policy iteration's first policy and first evaluation guess: ``policy0`` if given (checked); else
    :func:`coarse_start` on discounted models above ``COARSE_START_MIN_STATES`` non-terminal states;
    else the prior, or uniform (no guess).

    >>> from discrete_softq import random_mdp, soft_policy_iteration
    >>> pi, V = policy_iteration_start(random_mdp(3, 2, seed=0), 1.0, None, None, soft_policy_iteration)
    >>> pi.tolist(), V
    ([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], None)
    """
    S, A = mdp.n_states, mdp.n_actions
    if policy0 is not None:
        return check_policy(policy0, S, A, "policy0"), None
    if mdp.gamma < 1.0 and S - int(mdp.terminal.sum()) > COARSE_START_MIN_STATES:
        start = coarse_start(mdp, alpha, prior, solve)
        if start is not None:
            return start
    return start_policy(S, A, prior), None

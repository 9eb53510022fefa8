"""Row-wise soft values of large tables, block by block (the speed behind :func:`discrete_softq.soft.log_sum_exp`).

The formula is :func:`~discrete_softq.soft.log_sum_exp`'s; for the Shannon case (no prior) a block
is copied action-major, so that every reduction over actions is an elementwise operation between
contiguous rows (25% faster than strided columns), and blocks of ``BLOCK_ROWS`` rows keep the
temporaries in the CPU cache, so a large table is read from memory once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..soft import log_sum_exp, softmax

__all__ = ["soft_values", "softmax_rows", "BLOCK_ROWS"]

#: Rows per block: the temporaries of a block stay in the CPU cache.
BLOCK_ROWS = 8192
#: The reductions, called as ufuncs: ``ndarray.sum`` / ``max`` / ``all`` reach these same reductions (so the same
#: numbers) through a Python wrapper that costs about as much as the work on a batch of 30 rows.
_SUM, _MAX, _ALL = np.add.reduce, np.maximum.reduce, np.logical_and.reduce
#: Up to this many actions the Shannon case runs action-major.
ACTION_MAJOR_MAX_ACTIONS = 32
#: From this share of rows on the ``log1p`` branch of the prior's log-sum-exp is computed for every
#: row and selected (cheaper than gathering the rows that take it).
NEAR_SHARE_FOR_SELECT = 0.25


def soft_values(Q: NDArray, alpha: float, prior: NDArray | None = None,
                rewards: NDArray | None = None, gamma: float = 1.0) -> NDArray[np.float64]:
    """``log_sum_exp(rewards + gamma * Q, alpha, prior)`` row by row, for a table ``Q`` of shape (S, A).

    With ``rewards``, ``Q`` is overwritten block by block by ``rewards + gamma * Q`` (pass a
    scratch array, such as a fresh ``mdp.expected_next(V)``): the backup of a dense sweep then
    reads each block from memory once.

    >>> import numpy as np
    >>> from discrete_softq.soft import log_sum_exp
    >>> Q = np.random.default_rng(0).normal(size=(20_000, 3))
    >>> bool(np.allclose(soft_values(Q, 0.5), log_sum_exp(Q, 0.5)))
    True
    """
    if rewards is None and Q.shape[0] <= BLOCK_ROWS:   # one block (a batch of agents): no copy into `out`
        return _block_values(Q, alpha, prior)
    out = np.empty(Q.shape[0])
    row_prior = prior is not None and prior.ndim == 2
    for i in range(0, Q.shape[0], BLOCK_ROWS):
        block = slice(i, i + BLOCK_ROWS)
        q = Q[block]
        if rewards is not None:
            q *= gamma
            q += rewards[block]
        out[block] = _block_values(q, alpha, prior[block] if row_prior and prior is not None else prior)
    return out


def _block_values(q: NDArray, alpha: float, rho: NDArray | None) -> NDArray[np.float64]:
    """The soft values of one block: action-major for few actions, else the plain kernel."""
    if alpha > 0.0 and q.shape[1] <= ACTION_MAJOR_MAX_ACTIONS:
        return _shannon_action_major(q, alpha) if rho is None else _prior_action_major(q, alpha, rho)
    return log_sum_exp(q, alpha, rho)


def _shannon_action_major(q: NDArray, alpha: float) -> NDArray[np.float64]:
    """``m + alpha log sum_a exp((q - m) / alpha)`` on an action-major copy of the block."""
    w = q.T.copy()
    m = _MAX(w, axis=0)
    with np.errstate(over="ignore"):
        w -= m
        w /= alpha
    np.exp(w, out=w)
    v = _SUM(w, axis=0)
    np.log(v, out=v)
    v *= alpha
    v += m
    return v


def _prior_action_major(q: NDArray, alpha: float, prior: NDArray) -> NDArray[np.float64]:
    """:func:`~discrete_softq.soft.log_sum_exp` with a prior, action-major, element for element the same
    operations (so the same numbers). Where many rows take the ``log1p`` branch it is computed for
    all and selected; where few do, only on those rows.

    A prior of shape (A,) stays one column, and its zeros are looked for among its A entries, not
    in a broadcast table: for a few rows (a batch of agents) this bookkeeping is most of the cost.
    """
    rho, has_zero = _action_major_prior(prior)
    x = np.where(rho > 0, q.T, -np.inf) if has_zero else q.T.copy()
    m = _MAX(x, axis=0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        x -= m
        x /= alpha
        weighted = np.exp(x)
        weighted *= rho
        total = _SUM(weighted, axis=0)
        log_total = np.log(total)
        near = total > 0.5
        n_near = np.count_nonzero(near)
        if n_near >= NEAR_SHARE_FOR_SELECT * q.shape[0]:    # many: both branches, then a select
            log_total = np.where(near, np.log1p(_SUM(rho * np.expm1(x), axis=0)), log_total)
        elif n_near:                                          # few: only those rows, gathered
            rows = np.flatnonzero(near)
            rho_near = rho if rho.shape[1] == 1 else rho[:, rows]
            log_total[rows] = np.log1p(_SUM(rho_near * np.expm1(x[:, rows]), axis=0))
        log_total *= alpha
        log_total += m
    return log_total


def _action_major_prior(prior: NDArray) -> tuple[NDArray, bool]:
    """The prior as an (A, 1) column or an (A, n) action-major view, and whether it has a zero."""
    rho = prior[:, None] if prior.ndim == 1 else prior.T
    return rho, not _ALL(rho, axis=None)


def softmax_rows(Q: NDArray, alpha: float, prior: NDArray | None = None) -> NDArray[np.float64]:
    """:func:`~discrete_softq.soft.softmax` of many rows (n, A), action-major: the same numbers, faster.

    >>> import numpy as np
    >>> from discrete_softq.soft import softmax
    >>> Q = np.random.default_rng(0).normal(size=(500, 4))
    >>> bool(np.array_equal(softmax_rows(Q, 0.3, np.full(4, 0.25)), softmax(Q, 0.3, np.full(4, 0.25))))
    True
    """
    if alpha == 0.0 or Q.shape[-1] > ACTION_MAJOR_MAX_ACTIONS or Q.ndim != 2:
        return softmax(Q, alpha, prior)
    rho, has_zero = (None, False) if prior is None else _action_major_prior(prior)
    w = np.where(rho > 0, Q.T, -np.inf) if rho is not None and has_zero else Q.T.copy()
    m = _MAX(w, axis=0)
    with np.errstate(over="ignore"):
        w -= m
        w /= alpha
    np.exp(w, out=w)
    if rho is not None:
        w *= rho
    w /= _SUM(w, axis=0)
    return np.ascontiguousarray(w.T)

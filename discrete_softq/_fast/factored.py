r"""The soft backup of a deterministic MDP as a sparse product in exp-space.

When every action has one successor :math:`s'(s,a)`, the soft backup in units of alpha,
:math:`U'(s) = \log \sum_a e^{\tilde r(s,a) + \gamma U(s'(s,a))}`, factors around a reference
:math:`\bar U`:

.. math:: e^{U'(s) - c(s)} = \sum_a K(s,a)\, w\big(s'(s,a)\big) = (M w)(s), \qquad
          K(s,a) = e^{\tilde r(s,a) + \gamma \bar U(s'(s,a)) - c(s)}, \qquad
          w = e^{\gamma (U - \bar U)},

with :math:`c(s) = \max_a (\tilde r(s,a) + \gamma \bar U(s'))`, so ``K <= 1`` and the largest
factor of each state is 1. The matrix :math:`M(s, t) = \sum_{a:\, s'(s,a) = t} K(s,a)` has the
sparsity pattern of the MDP's graph and changes only when the reference does. A sweep is then
one ``exp`` per state, one sparse product and one ``log`` per state: no ``exp`` per action.
:class:`FactoredBackup` holds ``M`` row block by row block and refills it from new factors.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["FactoredBackup"]


#: ``M`` is stored by diagonals (``M(s, s + d)`` for a few offsets ``d``) when the MDP's moves
#: have at most this many distinct offsets ``s' - s``, as in gridworlds (``0, +-1, +-width``):
#: the product is then a few contiguous multiply-adds, 30% faster than the CSR product.
MAX_DIAGONALS = 9


class FactoredBackup:
    """The matrix ``M`` of the factored backup, in row blocks that share the sweep's blocks.

    ``M`` is stored by diagonals when the successors lie at few offsets from their states (then
    :meth:`product` reads ``w`` through slices, and ``w`` must be padded by ``pad`` zeros on
    each side), as CSR otherwise (``pad = 0``).

    Parameters
    ----------
    successors : list of ndarray of int
        Per block of states ``[s0, s1)``, the successor of each state-action, action-major:
        entry ``a * n + k`` is ``s'(s0 + k, a)``.
    n_states, n_actions : int

    Examples
    --------
    Two states, two actions; state 0 goes to 1 either way (the two factors add up):

    >>> import numpy as np
    >>> backup = FactoredBackup([np.array([1, 0, 1, 1])], n_states=2, n_actions=2)
    >>> backup.set_factors(0, np.array([[0.5, 1.0], [0.25, 1.0]]))  # K[a, s]
    >>> w = np.array([2.0, 3.0])
    >>> backup.product(0, np.pad(w, backup.pad))  # [(0.5 + 0.25) * 3, 1 * 2 + 1 * 3]
    array([2.25, 5.  ])
    """

    def __init__(self, successors: list[NDArray], n_states: int, n_actions: int) -> None:
        self.n_states = n_states
        self._slots: list[NDArray] = []
        self._data: list[NDArray] = []
        self._matrices: list[sp.csr_matrix] = []
        starts = np.cumsum([0] + [succ.size // n_actions for succ in successors])
        moves = [succ.reshape(n_actions, -1) - np.arange(s0, s0 + succ.size // n_actions)
                 for succ, s0 in zip(successors, starts)]
        self.offsets = np.unique(np.concatenate([m.ravel() for m in moves])) if moves else np.zeros(0, int)
        self.by_diagonals = self.offsets.size <= MAX_DIAGONALS
        self.pad = int(np.abs(self.offsets).max(initial=0)) if self.by_diagonals else 0
        for succ, move in zip(successors, moves):
            n = move.shape[1]
            if self.by_diagonals:  # entry (a, k) adds to M(s0 + k, s0 + k + d): slot d-index * n + k
                self._slots.append((np.searchsorted(self.offsets, move) * n + np.arange(n)).ravel())
                self._data.append(np.zeros((self.offsets.size, n)))
            else:
                self._add_csr_block(succ.reshape(n_actions, n).T)

    def _add_csr_block(self, by_state: NDArray) -> None:
        """CSR storage of one block, given each state's successors ``(n, A)``; equal ones share a slot."""
        order = np.argsort(by_state, axis=1, kind="stable")
        ordered = np.take_along_axis(by_state, order, axis=1)
        first = np.ones(ordered.shape, dtype=bool)
        first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        slot_of_ordered = (np.cumsum(first.ravel()) - 1).reshape(ordered.shape)
        slots = np.empty_like(slot_of_ordered)
        np.put_along_axis(slots, order, slot_of_ordered, axis=1)
        self._slots.append(np.ascontiguousarray(slots.T).ravel())  # action-major, like K
        indptr = np.concatenate([[0], np.cumsum(first.sum(axis=1))])
        matrix = sp.csr_matrix((np.zeros(int(indptr[-1])), ordered[first], indptr),
                               shape=(by_state.shape[0], self.n_states))
        self._matrices.append(matrix)
        self._data.append(matrix.data)

    def set_factors(self, i: int, K: NDArray) -> None:
        """Fill block ``i`` of ``M`` from the factors ``K`` of shape ``(n_actions, block size)``."""
        data = self._data[i]
        data.reshape(-1)[:] = np.bincount(self._slots[i], weights=K.ravel(), minlength=data.size)

    def product(self, i: int, w_padded: NDArray, start: int = 0) -> NDArray:
        """``(M w)`` on block ``i`` (states from ``start``): ``sum_a K(s,a) w(s'(s,a))``.

        ``w_padded`` is ``w`` with ``pad`` zeros on each side.
        """
        if not self.by_diagonals:
            return self._matrices[i] @ w_padded
        data = self._data[i]
        n = data.shape[1]
        out, term = np.empty(n), np.empty(n)
        for d, offset in enumerate(self.offsets):
            lo = self.pad + start + offset
            if d == 0:
                np.multiply(data[d], w_padded[lo:lo + n], out=out)
            else:
                out += np.multiply(data[d], w_padded[lo:lo + n], out=term)
        return out

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


class FactoredBackup:
    """The matrix ``M`` of the factored backup, in row blocks that share the sweep's blocks.

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
    >>> backup.product(0, np.array([2.0, 3.0]))  # [(0.5 + 0.25) * 3, 1 * 2 + 1 * 3]
    array([2.25, 5.  ])
    """

    def __init__(self, successors: list[NDArray], n_states: int, n_actions: int) -> None:
        self._matrices: list[sp.csr_matrix] = []
        self._slots: list[NDArray] = []
        for succ in successors:
            n = succ.size // n_actions
            by_state = succ.reshape(n_actions, n).T  # (n, A): each state's successors
            order = np.argsort(by_state, axis=1, kind="stable")
            ordered = np.take_along_axis(by_state, order, axis=1)
            first = np.ones(ordered.shape, dtype=bool)  # the first of equal successors owns a slot
            first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
            slot_of_ordered = (np.cumsum(first.ravel()) - 1).reshape(ordered.shape)
            slots = np.empty_like(slot_of_ordered)
            np.put_along_axis(slots, order, slot_of_ordered, axis=1)
            self._slots.append(np.ascontiguousarray(slots.T).ravel())  # action-major, like K
            indptr = np.concatenate([[0], np.cumsum(first.sum(axis=1))])
            self._matrices.append(sp.csr_matrix(
                (np.zeros(int(indptr[-1])), ordered[first], indptr), shape=(n, n_states)))

    def set_factors(self, i: int, K: NDArray) -> None:
        """Fill block ``i`` of ``M`` from the factors ``K`` of shape ``(n_actions, block size)``."""
        data = self._matrices[i].data
        data[:] = np.bincount(self._slots[i], weights=K.ravel(), minlength=data.size)

    def product(self, i: int, w: NDArray) -> NDArray:
        """``(M w)`` on block ``i``: the sums ``sum_a K(s,a) w(s'(s,a))`` of its states."""
        return self._matrices[i] @ w

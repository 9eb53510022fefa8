r"""The sweep of soft value iteration on a sparse MDP, fused and blocked.

One sweep is

.. math:: V'(s) = \alpha \log \sum_a \rho(a|s)
          \exp\Big(\big(r(s,a) + \gamma \textstyle\sum_{s'} P(s'|s,a) V(s')\big)/\alpha\Big).

Written naively it makes a dozen passes over ``S * A`` numbers in memory. :class:`SoftSweep`
instead works in units of the temperature, :math:`U = V/\alpha`, where the sweep reads

.. math:: U'(s) = m(s) + \log \sum_a e^{q(s,a) - m(s)}, \qquad
          q(s,a) = \tilde r(s,a) + \gamma \textstyle\sum_{s'} P(s'|s,a)\, U(s'), \qquad m = \max_a q,

with :math:`\tilde r = r/\alpha + \log\rho` computed once (``log 0 = -inf`` drops the actions a
prior excludes). States are processed in blocks whose ``q`` fits in the CPU cache, stored
action-major so every reduction over actions is an elementwise operation between contiguous
rows, and the range of :math:`U' - U` that the stopping rule needs is taken block by block.

Stochastic MDPs use a sparse product and shift the log-sum-exp by the previous values ``U``
(close to ``U'`` near convergence, so no maximum over actions is needed; a block where that
would overflow is redone with the max-shift).

Deterministic MDPs (every row of ``P`` a single 1, as in gridworlds) need far fewer ``exp``:
with :math:`s'(s,a)` the successor and a reference :math:`\bar U`,

.. math:: e^{q(s,a)} = \underbrace{e^{\tilde r(s,a) + \gamma \bar U(s') - c(s)}}_{K(s,a)}\;
          \underbrace{e^{\gamma (U(s') - \bar U(s'))}}_{w(s')}\; e^{c(s)}, \qquad
          U'(s) = c(s) + \log \sum_a K(s,a)\, w(s'(s,a)),

so a sweep is one ``exp`` per *state* (for ``w``), a gather, a product and a ``log``. The
factors ``K`` (with :math:`c = \max_a` of their exponent) are computed by a max-shift sweep
that "recentres" at :math:`\bar U = U`; that is repeated whenever
:math:`\gamma |U - \bar U|_\infty` would exceed ``FACTOR_RANGE``, so ``w`` never overflows.

``alpha = 0`` (hard value iteration) uses the same blocks with ``U = V`` and ``U' = max_a q``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ..mdp import TabularMDP
from .factored import FactoredBackup

__all__ = ["SoftSweep"]

#: State-action pairs per block: ``q`` takes 2 MB, which stays in the L2/L3 cache.
BLOCK_ENTRIES = 1 << 18
#: Scaled values ``V / alpha`` beyond this are too close to overflow for :class:`SoftSweep`.
MAX_SCALED_VALUE = 1e250
#: Exponents shifted by the previous values are trusted while the result stays within this.
SAFE_SHIFT = 600.0
#: The factored sweep recentres when :math:`\gamma |U - \bar U|` would exceed this: its factors
#: then stay far from overflow, and the terms it drops (factors that underflowed at the last
#: recentring) stay below :math:`e^{-745 + 2 \cdot 300}` of the largest, i.e. negligible.
FACTOR_RANGE = 300.0


#: The last MDP's action-major transition blocks: solve() runs several sweeps' set-ups on one model.
_LAST_BLOCKS: list = []


def _transition_blocks(mdp: TabularMDP, blocks: list[tuple[int, int]]
                       ) -> tuple[bool, list[NDArray], list[sp.csr_matrix]]:
    """(deterministic, successors per block, gamma * P per block), action-major; the last model's are reused
    (a TabularMDP is immutable, and these arrays are read-only)."""
    if _LAST_BLOCKS and _LAST_BLOCKS[0] is mdp and _LAST_BLOCKS[1] == blocks:
        return _LAST_BLOCKS[2]
    A, P = mdp.n_actions, mdp.transition_matrix
    deterministic = bool(np.all(np.diff(P.indptr) == 1) and np.all(P.data == 1.0))
    successors, matrices = [], []
    for s0, s1 in blocks:
        rows = (np.arange(A)[:, None] + A * np.arange(s0, s1)[None, :]).ravel()  # action-major
        if deterministic:
            successors.append(P.indices[rows].astype(np.intp))
            successors[-1].flags.writeable = False
        else:
            matrices.append((P[rows] * mdp.gamma).tocsr())
            matrices[-1].data.flags.writeable = False
    _LAST_BLOCKS[:] = [mdp, blocks, (deterministic, successors, matrices)]
    return deterministic, successors, matrices


class SoftSweep:
    r"""One soft Bellman backup in value space, ``U -> U'`` with ``U = V / alpha``.

    Calling the sweep on ``U`` returns ``(U', lo, hi)`` with ``[lo, hi]`` the range of
    ``U' - U``, which the stopping rule needs (computed block by block, while in cache).

    The sweep keeps state between calls: the factors of its last recentring, and ``w`` for the
    array it returned last. Passing that array back unmodified (as the solver does) lets the
    next sweep skip a pass over ``U``; any other array is checked against the reference anew.

    Parameters
    ----------
    mdp : TabularMDP
        A sparse MDP.
    alpha : float
        Temperature ``>= 0``; ``scale`` is ``alpha`` (or 1 when ``alpha = 0``).
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> from discrete_softq import TabularMDP
    >>> P = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]))
    >>> mdp = TabularMDP(P, [[0.0, 1.0], [0.0, 0.0]], gamma=0.5)
    >>> sweep = SoftSweep(mdp, alpha=1.0)
    >>> U, lo, hi = sweep(np.array([0.0, 2.0]))  # log(e^0 + e^(1 + 0.5*2)), log(2 e^(0.5*2))
    >>> bool(np.allclose(U, [np.log(1 + np.e ** 2), np.log(2) + 1]))
    True
    >>> bool(np.isclose(lo, np.log(2) - 1) and np.isclose(hi, np.log(1 + np.e ** 2)))
    True
    """

    def __init__(self, mdp: TabularMDP, alpha: float, prior: NDArray | None = None) -> None:
        if not mdp.is_sparse:
            raise TypeError("SoftSweep needs a sparse MDP")
        S, A = mdp.n_states, mdp.n_actions
        self.n_states, self.n_actions, self.alpha = S, A, alpha
        self.scale = alpha if alpha > 0 else 1.0
        self.gamma = mdp.gamma
        block = max(1, BLOCK_ENTRIES // A)
        self._blocks = [(s0, min(S, s0 + block)) for s0 in range(0, S, block)]
        rewards = mdp.rewards / self.scale
        if prior is not None:  # log 0 = -inf drops the actions the prior excludes
            support = np.broadcast_to(prior, (S, A)) > 0
            with np.errstate(divide="ignore"):
                rewards = rewards + (np.log(prior) if alpha > 0 else np.where(support, 0.0, -np.inf))
        deterministic, self._successors, self._matrices = _transition_blocks(mdp, self._blocks)
        self._rewards = [np.ascontiguousarray(rewards[s0:s1].T).ravel() for s0, s1 in self._blocks]
        self._terminal = [np.flatnonzero(mdp.terminal[s0:s1]) for s0, s1 in self._blocks]
        self._q = np.empty(A * (self._blocks[0][1] - self._blocks[0][0]) if deterministic else 0)
        self._diff = np.empty(self._blocks[0][1] - self._blocks[0][0])
        # The factored sweep's state (deterministic MDPs, alpha > 0), set by a recentring sweep:
        # M (filled from the factors K), the shifts c per block, the reference U_ref and gamma * U_ref.
        self._factored = FactoredBackup(self._successors, S, A) if deterministic and alpha > 0 else None
        self._shifts = [np.empty(s1 - s0) for s0, s1 in self._blocks] if self._factored else []
        self._reference = self._scaled_reference = np.empty(0)
        # w, and w for the next sweep, with the padding the diagonal storage of M reads into.
        pad = self._factored.pad if self._factored else 0
        self._pad = pad
        self._weights, self._next_weights = (np.zeros(S + 2 * pad if self._factored else 0) for _ in range(2))
        #: The array returned last (the solver passes it back unmodified), a bound on
        #: ``|U - U_ref|_inf`` for it, and whether ``w`` for it is ready in ``_next_weights``.
        self._last: NDArray | None = None
        self._drift = 0.0
        self._weights_ready = False
        self.recentrings = 0

    @staticmethod
    def suits(mdp: TabularMDP, alpha: float, V0: NDArray) -> bool:
        """Whether the fused sweep applies: a sparse MDP, and ``V / alpha`` far from overflow."""
        if not mdp.is_sparse:
            return False
        if alpha == 0.0:
            return True
        largest = max(np.abs(mdp.rewards).max(initial=0.0) / (1.0 - mdp.gamma), np.abs(V0).max(initial=0.0))
        return bool(largest <= MAX_SCALED_VALUE * alpha)

    def __call__(self, U: NDArray, out: NDArray | None = None) -> tuple[NDArray, float, float]:
        """One sweep: the new scaled values ``U'`` (zero at terminal states) and ``min, max (U' - U)``.

        ``out``, if given, receives ``U'`` (reusing it saves the page faults of a fresh array).
        """
        if out is None:
            out = np.empty(self.n_states)
        elif np.may_share_memory(out, U):
            raise ValueError("out must not share memory with U: later blocks still read U")
        block: Callable[[int, NDArray, NDArray, NDArray], None]
        factored = self._factored is not None
        if self.alpha == 0.0:
            block = partial(self._hard_block, gathered=self.gamma * U if self._successors else U)
        elif not factored:
            block = partial(self._soft_block, gathered=U)
        elif self._weights_for(U):
            block = self._factored_block
        else:
            block = self._recentring_block(U)
        lo, hi = np.inf, -np.inf
        for i, (s0, s1) in enumerate(self._blocks):
            new, diff = out[s0:s1], self._diff[:s1 - s0]
            block(i, U, new, diff)  # new = U', diff = U' - U on the block
            if self._terminal[i].size:
                new[self._terminal[i]] = diff[self._terminal[i]] = 0.0  # U = U' = 0 there
            lo, hi = min(lo, diff.min()), max(hi, diff.max())
            if factored:  # w for the next sweep, while U' is in cache
                w = self._next_weights[self._pad + s0:self._pad + s1]
                np.subtract(new, self._reference[s0:s1], out=w)
                w *= self.gamma
                with np.errstate(over="ignore", under="ignore"):  # unused if out of range, below
                    np.exp(w, out=w)
        if factored:  # |U' - U_ref| <= |U - U_ref| + |U' - U|
            self._drift += max(-lo, hi)
            self._last = out
            self._weights_ready = self.gamma * self._drift <= FACTOR_RANGE
        return out, float(lo), float(hi)

    # ------------------------------------------------------------------ the kinds of block
    def _block_q(self, i: int, U: NDArray, gathered: NDArray) -> NDArray:
        """``q = r~ + gamma P U`` on block ``i``, action-major, shape ``(n_actions, block size)``."""
        if self._successors:
            q = self._q[:self._successors[i].size]
            np.take(gathered, self._successors[i], out=q, mode="clip")  # clip: no buffered copy
        else:
            q = self._matrices[i] @ U
        q += self._rewards[i]
        return q.reshape(self.n_actions, -1)

    def _hard_block(self, i: int, U: NDArray, new: NDArray, diff: NDArray, gathered: NDArray) -> None:
        """``alpha = 0``: ``U' = max_a q``."""
        _max_over_actions(self._block_q(i, U, gathered), out=new)
        np.subtract(new, U[self._blocks[i][0]:self._blocks[i][1]], out=diff)

    def _soft_block(self, i: int, U: NDArray, new: NDArray, diff: NDArray, gathered: NDArray) -> None:
        """``U' = log sum_a exp(q)``, shifted by the previous values ``U`` (max-shift if that fails)."""
        old = U[self._blocks[i][0]:self._blocks[i][1]]
        if not _log_sum_exp_shifted(self._block_q(i, U, gathered), old, out=diff):
            # Shifting by the previous values was off by hundreds (early sweeps, extreme
            # rewards): exp could overflow or underflow. Redo the block with the max-shift.
            q = self._block_q(i, U, gathered)
            m = _max_over_actions(q, out=np.empty(diff.size))
            _log_sum_exp_shifted(q, m, out=diff)
            diff += m
            diff -= old
        np.add(diff, old, out=new)

    def _weights_for(self, U: NDArray) -> bool:
        r"""Put :math:`w = e^{\gamma (U - \bar U)}` in ``_weights``; ``False`` if a recentring is due."""
        if self._reference.size == 0:
            return False
        if U is self._last:  # the last output, passed back: w is ready if its drift allowed it
            if not self._weights_ready:
                return False
            self._weights, self._next_weights = self._next_weights, self._weights
            return True
        w = np.subtract(U, self._reference, out=self._weights[self._pad:self._pad + self.n_states])
        w *= self.gamma
        drift = max(-w.min(), w.max())
        if not drift <= FACTOR_RANGE:
            return False
        self._drift = drift / self.gamma if self.gamma > 0 else 0.0
        np.exp(w, out=w)
        return True

    def _factored_block(self, i: int, U: NDArray, new: NDArray, diff: NDArray) -> None:
        r"""Deterministic MDPs: :math:`U'(s) = c(s) + \log\, (M w)(s)`, no ``exp`` per action."""
        assert self._factored is not None
        np.log(self._factored.product(i, self._weights, start=self._blocks[i][0]), out=new)
        new += self._shifts[i]
        np.subtract(new, U[self._blocks[i][0]:self._blocks[i][1]], out=diff)

    def _recentring_block(self, U: NDArray) -> Callable[[int, NDArray, NDArray, NDArray], None]:
        r"""A max-shift sweep that also refills ``M`` with the factors :math:`K` at :math:`\bar U = U`."""
        self._reference = U.copy()
        self._scaled_reference = self.gamma * self._reference
        self._drift = 0.0
        self.recentrings += 1

        def block(i: int, U: NDArray, new: NDArray, diff: NDArray) -> None:
            assert self._factored is not None
            q = self._block_q(i, U, self._scaled_reference)
            c = _max_over_actions(q, out=self._shifts[i])
            q -= c
            K = np.exp(q, out=q)
            self._factored.set_factors(i, K)
            _sum_over_actions(K, out=new)
            np.log(new, out=new)
            new += c
            np.subtract(new, U[self._blocks[i][0]:self._blocks[i][1]], out=diff)

        return block


def _sum_over_actions(q2: NDArray, out: NDArray) -> NDArray:
    """``out = q2.sum(axis=0)`` by halving: few, long elementwise additions. Overwrites ``q2``."""
    rows = q2.shape[0]
    while rows > 2:
        half = rows // 2
        q2[:half] += q2[rows - half:rows]
        rows -= half
    if rows == 2:
        np.add(q2[0], q2[1], out=out)
    else:
        np.copyto(out, q2[0])
    return out


def _log_sum_exp_shifted(q: NDArray, shift: NDArray, out: NDArray) -> bool:
    r"""``out = log sum_a exp(q[a] - shift)``, overwriting ``q``; ``False`` if it may be inaccurate.

    With ``shift`` the previous sweep's values, ``q - shift`` is within a few units of the
    result near convergence, so no maximum over actions is needed. The result is trusted when
    it lies within ``SAFE_SHIFT``: then nothing overflowed and the largest term did not underflow.
    """
    q -= shift
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # caught by the check below
        np.exp(q, out=q)
        _sum_over_actions(q, out=out)
        np.log(out, out=out)
    return bool(-SAFE_SHIFT < out.min() and out.max() < SAFE_SHIFT)


def _max_over_actions(q2: NDArray, out: NDArray) -> NDArray:
    """``out = q2.max(axis=0)`` by elementwise maxima of contiguous rows."""
    np.copyto(out, q2[0])
    for a in range(1, q2.shape[0]):
        np.maximum(out, q2[a], out=out)
    return out

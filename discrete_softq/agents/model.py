r"""The Dyna agents' learned model and its two rules, record and simulate, for one agent or many.

:class:`TableModel` holds the deterministic table models of ``M`` agents with a leading agent
axis (``M = 1`` inside one :class:`~discrete_softq.agents.DynaQ`; ``M = N`` in the batched
runner, which stacks the agents' models). Its two rules take ``rows`` (which agents: ``0`` for a
single agent, an index array for many) and states/actions of the same shape:

* :meth:`TableModel.record` -- remember :math:`\hat m(s,a) = (r, s', \text{terminated})`, the last
  outcome seen, and when ``(s, a)`` was last tried; a Dyna-Q+ agent (``kappa > 0``) also models
  the untried actions of a state it sees for the first time as "stay put, reward 0" (Sutton &
  Barto's footnote to Section 8.3);
* :meth:`TableModel.simulate` -- the simulated transition of one planning draw ``u`` in [0, 1):
  the pair ``pairs[floor(u * n_pairs)]`` (uniform over the modelled pairs, in the order they
  entered the model), its reward plus the bonus :math:`\kappa \sqrt{\tau}` (``tau`` real steps
  since the pair was last tried), its next state and termination.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["TableModel"]

def _any(mask: Any) -> bool:
    """Whether any entry of ``mask`` (an array, or one flag) holds; cheap on a single flag."""
    return bool(mask.any()) if isinstance(mask, np.ndarray) else bool(mask)


def _floor(x: Any) -> Any:
    """``floor(x)`` as an index (``x >= 0``; an array, or one number); cheap on a single number."""
    return x.astype(np.intp) if isinstance(x, np.ndarray) else int(x)


_FIELDS = ("next", "reward", "terminal", "known", "seen", "last", "pairs", "n_pairs", "kappa")


class TableModel:
    """Deterministic table models of ``n_models`` agents, with ``n_states`` states and ``n_actions`` actions.

    Every attribute has the agent as its leading axis (``M`` = ``n_models``).

    Attributes
    ----------
    next : ndarray of int of shape (M, S, A)
    reward : ndarray of shape (M, S, A)
    terminal, known : ndarray of bool of shape (M, S, A)
    seen : ndarray of bool of shape (M, S)
        States seen (Dyna-Q+ bookkeeping).
    last : ndarray of int of shape (M, S, A)
        The real step at which each pair was last tried.
    pairs : ndarray of int of shape (M, S * A)
        The modelled pairs ``s * A + a`` in the order they entered the model; ``n_pairs`` (M,) of them.
    kappa : ndarray of shape (M,)

    Examples
    --------
    >>> m = TableModel(1, 3, 2, kappa=[0.0])
    >>> m.record(0, 0, 1, 5.0, 2, False, now=1)
    >>> [int(x) if x.dtype.kind in "iub" else float(x) for x in m.simulate(0, np.float64(0.3), now=1)]
    [0, 1, 5.0, 2, 0]
    """

    def __init__(self, n_models: int, n_states: int, n_actions: int, kappa: Any) -> None:
        M, S, A = n_models, n_states, n_actions
        self.S, self.A = S, A
        self.next = np.zeros((M, S, A), dtype=np.intp)
        self.reward = np.zeros((M, S, A))
        self.terminal = np.zeros((M, S, A), dtype=bool)
        self.known = np.zeros((M, S, A), dtype=bool)
        self.seen = np.zeros((M, S), dtype=bool)
        self.last = np.zeros((M, S, A), dtype=np.int64)
        self.pairs = np.zeros((M, S * A), dtype=np.intp)
        self.n_pairs = np.zeros(M, dtype=np.int64)
        self.kappa = np.broadcast_to(np.asarray(kappa, dtype=float), (M,)).copy()
        self._views()

    def _views(self) -> None:
        # flat views: entry (i, s, a) is [(i * S + s) * A + a] (1-d fancy indexing is fast)
        self.plus = bool((self.kappa > 0).any())
        self.next_f, self.reward_f = self.next.reshape(-1), self.reward.reshape(-1)
        self.terminal_f, self.known_f = self.terminal.reshape(-1), self.known.reshape(-1)
        self.last_f, self.seen_f, self.pairs_f = self.last.reshape(-1), self.seen.reshape(-1), self.pairs.reshape(-1)
        # rows=None means every model, in order: their offsets into the flat views, computed once
        self._all = np.arange(self.n_pairs.size)
        self._all_s, self._all_sa = self._all * self.S, self._all * (self.S * self.A)

    @classmethod
    def stack(cls, models: Sequence["TableModel"]) -> "TableModel":
        """One model holding copies of every row of ``models``, in order."""
        out = cls.__new__(cls)
        out.S, out.A = models[0].S, models[0].A
        for name in _FIELDS:
            setattr(out, name, np.concatenate([getattr(m, name) for m in models]))
        out._views()
        return out

    def unstack(self, models: Sequence["TableModel"]) -> None:
        """Copy the rows back into ``models`` (one row each, in order)."""
        i = 0
        for m in models:
            k = m.n_pairs.size
            for name in _FIELDS:
                getattr(m, name)[...] = getattr(self, name)[i:i + k]
            i += k

    # ------------------------------------------------------------------ the two rules
    def _add(self, rows: Any, s: Any, a: Any, mask: Any) -> None:
        """Append the pairs ``(s, a)`` of the rows where ``mask`` holds to those rows' model."""
        sel = np.flatnonzero(mask)
        rows, s, a = np.take(rows, sel), np.take(s, sel), np.take(a, sel)
        self.known_f[(rows * self.S + s) * self.A + a] = True
        self.pairs_f[rows * self.S * self.A + self.n_pairs[rows]] = s * self.A + a
        self.n_pairs[rows] += 1

    def record(self, rows: Any, s: Any, a: Any, r: Any, s_next: Any, terminated: Any, now: Any) -> None:
        """Remember ``(r, s_next, terminated)`` as the outcome of ``(s, a)``, tried at real step ``now``.

        ``rows``: the model index (one agent), an index array, or None for every model in order.
        """
        base = self._all_s if rows is None else rows * self.S
        rows = self._all if rows is None else rows
        if self.plus:
            fresh = (self.kappa[rows] > 0) & ~self.seen_f[base + s]
            if _any(fresh):  # Dyna-Q+: untried actions of a new state "stay put, reward 0" until tried
                sel = np.flatnonzero(fresh)
                fr, fs = np.take(rows, sel), np.take(s, sel)
                self.seen_f[fr * self.S + fs] = True
                for b in range(self.A):
                    untried = ~self.known_f[(fr * self.S + fs) * self.A + b]
                    self.next_f[(fr[untried] * self.S + fs[untried]) * self.A + b] = fs[untried]
                    self._add(fr, fs, np.full(fr.shape, b), untried)
        f = (base + s) * self.A + a
        new = ~self.known_f[f]
        if _any(new):
            self._add(rows, s, a, new)
        self.next_f[f], self.reward_f[f], self.terminal_f[f], self.last_f[f] = s_next, r, terminated, now

    def simulate(self, rows: Any, u: Any, now: Any) -> tuple[Any, Any, Any, Any, Any]:
        """``(s, a, r + kappa sqrt(now - last), s_next, terminated)`` of the planning draw ``u``.

        ``rows`` as in :meth:`record`; ``u`` one uniform per row.
        """
        if rows is None:
            base, n_pairs, kappa = self._all_sa, self.n_pairs, self.kappa
        else:
            base, n_pairs, kappa = rows * (self.S * self.A), self.n_pairs[rows], self.kappa[rows]
        pair = self.pairs_f[base + _floor(u * n_pairs)]
        f = base + pair
        s, a = divmod(pair, self.A)   # one ufunc (np.divmod) on arrays
        r = self.reward_f[f]
        if self.plus:
            r = r + kappa * np.sqrt(now - self.last_f[f])
        return s, a, r, self.next_f[f], self.terminal_f[f]

    def row(self, name: str) -> NDArray:
        """Field ``name`` of the first (for a single agent, the only) model."""
        return getattr(self, name)[0]

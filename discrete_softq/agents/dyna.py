r"""Dyna: learn a model from real steps and replay it (Sutton & Barto, Section 8.2-8.3).

After each real transition the agent (1) makes the ordinary TD update, (2) records the
transition in a deterministic table model :math:`\hat m(s,a) = (r, s', \text{terminated})` (the
last outcome seen), and (3) makes ``n_planning`` simulated TD updates on pairs drawn uniformly
from those in the model:

.. math:: Q(s,a) \leftarrow Q(s,a) + \eta\,\big(\hat r + \kappa\sqrt{\tau(s,a)} + \gamma V(\hat s') - Q(s,a)\big)

with :math:`V` the hard max (:class:`DynaQ`) or the soft value (:class:`SoftDynaQ`, soft backups
on the learned model), and :math:`\tau(s,a)` the number of real steps since ``(s, a)`` was last
tried. ``kappa = 0`` is Dyna-Q; ``kappa > 0`` is **Dyna-Q+**, which also lets planning consider
actions never tried in an already visited state (modelled as "stay put, reward 0", the book's
footnote), so the bonus pulls the agent back to parts of the world it has not checked lately.

Random numbers: one uniform per action (``act``) and exactly ``n_planning`` per ``update``.
Visit counts (the ``1/n`` clock) include simulated updates. The model is deterministic: on a
stochastic environment it remembers only the last outcome of each pair (as in the book).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from .schedules import Schedule, ScheduleLike
from .tabular import QLearning, SoftQLearning

__all__ = ["DynaQ", "SoftDynaQ"]


def _check_planning(n_planning: int, kappa: float) -> tuple[int, float]:
    if isinstance(n_planning, bool) or not isinstance(n_planning, numbers.Integral) or n_planning < 0:
        raise ValueError(f"n_planning must be an int >= 0; got {n_planning!r}")
    if isinstance(kappa, bool) or not isinstance(kappa, numbers.Real) or not (np.isfinite(kappa) and kappa >= 0):
        raise ValueError(f"kappa must be a finite number >= 0; got {kappa!r}")
    return int(n_planning), float(kappa)


class _DynaMixin:
    """Model, bookkeeping and planning shared by :class:`DynaQ` and :class:`SoftDynaQ`."""

    n_states: int
    n_actions: int
    n_updates: int
    rng: np.random.Generator

    def _init_model(self, n_planning: int, kappa: float) -> None:
        S, A = self.n_states, self.n_actions
        self.n_planning, self.kappa = _check_planning(n_planning, kappa)
        self.model_next = np.zeros((S, A), dtype=np.intp)
        self.model_reward = np.zeros((S, A))
        self.model_terminal = np.zeros((S, A), dtype=bool)
        self.known = np.zeros((S, A), dtype=bool)
        self.seen_state = np.zeros(S, dtype=bool)
        self.last_tried = np.zeros((S, A), dtype=np.int64)
        #: the modelled pairs ``s * A + a`` in the order they entered the model
        self.model_pairs = np.zeros(S * A, dtype=np.intp)
        self.n_model_pairs = 0

    def _add_pair(self, s: int, a: int) -> None:
        self.known[s, a] = True
        self.model_pairs[self.n_model_pairs] = s * self.n_actions + a
        self.n_model_pairs += 1

    def update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """Real TD update, model update, then ``n_planning`` simulated updates (see the module)."""
        s, s_next = self._check_state(s, "s"), self._check_state(s_next, "s_next")  # type: ignore[attr-defined]
        a, r, terminated = int(a), float(r), bool(terminated)
        if not 0 <= a < self.n_actions:
            raise ValueError(f"a must be in [0, {self.n_actions}); got {a!r}")
        self.td_update(s, a, r, s_next, terminated)  # type: ignore[attr-defined]
        now = self.n_updates + 1
        if self.kappa > 0 and not self.seen_state[s]:
            self.seen_state[s] = True
            for b in range(self.n_actions):  # untried actions: "stay put, reward 0" until tried
                if not self.known[s, b]:
                    self.model_next[s, b] = s
                    self._add_pair(s, b)
        if not self.known[s, a]:
            self._add_pair(s, a)
        self.model_next[s, a], self.model_reward[s, a], self.model_terminal[s, a] = s_next, r, terminated
        self.last_tried[s, a] = now
        if self.n_planning:
            u = self.rng.random(self.n_planning)
            for k in range(self.n_planning):
                pair = int(self.model_pairs[int(u[k] * self.n_model_pairs)])
                ps, pa = divmod(pair, self.n_actions)
                bonus = self.kappa * np.sqrt(now - self.last_tried[ps, pa]) if self.kappa > 0 else 0.0
                self.td_update(ps, pa, self.model_reward[ps, pa] + bonus,  # type: ignore[attr-defined]
                               int(self.model_next[ps, pa]), bool(self.model_terminal[ps, pa]))
        self.n_updates = now


class DynaQ(_DynaMixin, QLearning):
    r"""Dyna-Q (``kappa = 0``) and Dyna-Q+ (``kappa > 0``): epsilon-greedy Q-learning plus planning.

    Parameters
    ----------
    n_states, n_actions : int
    epsilon, gamma, lr, q_init, seed
        As in :class:`~discrete_softq.agents.QLearning`.
    n_planning : int
        Simulated updates per real step (Sutton & Barto use 5-50 on their mazes).
    kappa : float
        Exploration bonus :math:`\kappa \sqrt{\tau}` added to simulated rewards (Dyna-Q+).

    Examples
    --------
    >>> agent = DynaQ(3, 2, epsilon=0.0, gamma=0.9, lr=1.0, n_planning=5, seed=0)
    >>> agent.update(0, 1, 1.0, 1, terminated=True)
    >>> float(agent.Q[0, 1])
    1.0
    """

    def __init__(self, n_states: int, n_actions: int, epsilon: float = 0.1, gamma: float = 0.95,
                 lr: ScheduleLike = 0.1, n_planning: int = 10, kappa: float = 0.0, q_init: float = 0.0,
                 seed: int | np.random.Generator | None = None) -> None:
        super().__init__(n_states, n_actions, epsilon=epsilon, gamma=gamma, lr=lr, q_init=q_init, seed=seed)
        self._init_model(n_planning, kappa)


class SoftDynaQ(_DynaMixin, SoftQLearning):
    r"""Soft Dyna-Q: soft Q-learning whose planning steps are soft backups on the learned model.

    Parameters
    ----------
    n_states, n_actions : int
    alpha, gamma, lr, prior, q_init, seed
        As in :class:`~discrete_softq.agents.SoftQLearning`.
    n_planning, kappa
        As in :class:`DynaQ`.
    """

    def __init__(self, n_states: int, n_actions: int, alpha: float | Schedule = 0.1, gamma: float = 0.95,
                 lr: ScheduleLike = 0.1, n_planning: int = 10, kappa: float = 0.0,
                 prior: ArrayLike | None = None, q_init: float = 0.0,
                 seed: int | np.random.Generator | None = None) -> None:
        super().__init__(n_states, n_actions, alpha=alpha, gamma=gamma, lr=lr, prior=prior,
                         q_init=q_init, seed=seed)
        self._init_model(n_planning, kappa)

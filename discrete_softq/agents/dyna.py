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

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate
from .model import TableModel
from .schedules import Schedule, ScheduleLike
from .tabular import QLearning, SoftQLearning

__all__ = ["DynaQ", "SoftDynaQ", "DynaAgent"]


class DynaAgent:
    """Model, bookkeeping and planning shared by :class:`DynaQ` and :class:`SoftDynaQ`.

    The model is a :class:`~discrete_softq.agents.model.TableModel` with one row (the batched
    runner stacks the rows of many agents and runs the same rules on them).
    """

    n_states: int
    n_actions: int
    n_updates: int
    rng: np.random.Generator

    def _init_model(self, n_planning: int, kappa: float) -> None:
        self.n_planning = _validate.integer(n_planning, "n_planning", low=0)
        self.kappa = _validate.real(kappa, "kappa", low=0.0)
        self.model = TableModel(1, self.n_states, self.n_actions, kappa=[self.kappa])

    # the model's fields for this agent (views of its only row)
    model_next = property(lambda self: self.model.row("next"), doc="Modelled next state of each pair (S, A).")
    model_reward = property(lambda self: self.model.row("reward"), doc="Modelled reward of each pair (S, A).")
    model_terminal = property(lambda self: self.model.row("terminal"), doc="Modelled termination (S, A).")
    known = property(lambda self: self.model.row("known"), doc="Pairs in the model (S, A).")
    seen_state = property(lambda self: self.model.row("seen"), doc="States seen so far (S,).")
    last_tried = property(lambda self: self.model.row("last"), doc="Real step each pair was last tried (S, A).")
    model_pairs = property(lambda self: self.model.row("pairs"), doc="Modelled pairs s * A + a, in order.")

    @property
    def n_model_pairs(self) -> int:
        """Number of pairs in the model."""
        return int(self.model.n_pairs[0])

    def update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """Real TD update, model update, then ``n_planning`` simulated updates (see the module)."""
        s, a, r, s_next, terminated = self._checked(s, a, r, s_next, terminated)  # type: ignore[attr-defined]
        self.learn(s, a, r, s_next, terminated)  # type: ignore[attr-defined]
        now = self.n_updates + 1
        self.model.record(0, s, a, r, s_next, terminated, now)
        if self.n_planning:
            for u in self.rng.random(self.n_planning):
                self.learn(*self.model.simulate(0, u, now))  # type: ignore[attr-defined]
        self.n_updates = now


class DynaQ(DynaAgent, QLearning):
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


class SoftDynaQ(DynaAgent, SoftQLearning):
    r"""Soft Dyna-Q: soft Q-learning whose planning steps are soft backups on the learned model.

    Parameters
    ----------
    n_states, n_actions : int
    alpha, gamma, lr, prior, q_init, seed, behaviour
        As in :class:`~discrete_softq.agents.SoftQLearning`.
    n_planning, kappa
        As in :class:`DynaQ`.
    """

    def __init__(self, n_states: int, n_actions: int, alpha: float | Schedule = 0.1, gamma: float = 0.95,
                 lr: ScheduleLike = 0.1, n_planning: int = 10, kappa: float = 0.0,
                 prior: ArrayLike | None = None, q_init: float = 0.0,
                 seed: int | np.random.Generator | None = None, behaviour: Any = None) -> None:
        super().__init__(n_states, n_actions, alpha=alpha, gamma=gamma, lr=lr, prior=prior,
                         q_init=q_init, seed=seed, behaviour=behaviour)
        self._init_model(n_planning, kappa)

"""A stack of tabular agents as arrays: the agents' own rules, run on one row per agent.

Used by :func:`~discrete_softq.agents.run_batched`. :class:`AgentBatch` holds the state of ``N``
agents of one class stacked (``Q`` of shape (N, S, A), their Dyna models as one
:class:`~discrete_softq.agents.model.TableModel`) and calls the rules of
:mod:`discrete_softq.agents.rules` and :class:`~.model.TableModel` exactly as the single agents
do, with index arrays instead of ints: that is why results agree bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from .dyna import DynaAgent
from .model import TableModel
from .._fast import softmax_rows
from .rules import (epsilon_greedy, hard_values, mix_uniform, sample_rows, soft_values, td_step, td_target,
                    visit_step_size)
from .schedules import Constant
from .tabular import BoltzmannQLearning, SoftQLearning

__all__ = ["AgentBatch", "checked_agents"]


def _shared(values: list[Any], name: str) -> Any:
    if any(v != values[0] for v in values[1:]):
        raise ValueError(f"run_batched needs one {name} shared by all agents (or constants); got {values}")
    return values[0]


def checked_agents(agents: Sequence[Any], supported: tuple[type, ...], n_states: int, n_actions: int,
                   against: str) -> list[Any]:
    """``agents`` as a list, checked for a batch: non-empty, one class among ``supported``, distinct objects,
    and sizes ``(n_states, n_actions)`` (those of ``against``, named in the message).

    >>> from discrete_softq.agents import QLearning
    >>> len(checked_agents([QLearning(2, 2), QLearning(2, 2)], (QLearning,), 2, 2, "env"))
    2
    """
    agents = list(agents)
    if not agents:
        raise ValueError("agents must hold at least one agent")
    kind = type(agents[0])
    if kind not in supported or any(type(a) is not kind for a in agents):
        raise TypeError(f"agents must all be of one class among {', '.join(c.__name__ for c in supported)}; "
                        f"got {sorted({type(a).__name__ for a in agents})}")
    first: dict[int, int] = {}
    for i, a in enumerate(agents):
        if id(a) in first:
            raise ValueError(f"agents must be distinct objects (each learns its own run); agents[{first[id(a)]}] "
                             f"and agents[{i}] are the same agent")
        first[id(a)] = i
    if any(a.n_states != n_states or a.n_actions != n_actions for a in agents):
        raise ValueError(f"agents must have n_states={n_states} and n_actions={n_actions} to match {against}; got "
                         f"{sorted({(a.n_states, a.n_actions) for a in agents})} (n_states, n_actions)")
    return agents


@dataclass(frozen=True, eq=False)
class _PerAgent:
    """Constant step sizes, one per agent: ``lr(n)`` of a batch (n has one entry per agent)."""

    values: NDArray[np.float64]

    def __call__(self, n: Any) -> NDArray[np.float64]:
        return self.values


class AgentBatch:
    """The state of ``N`` agents of one class, stacked (``Q`` has shape (N, S, A))."""

    def __init__(self, agents: Sequence[Any]) -> None:
        self.agents = list(agents)
        a0 = self.agents[0]
        self.N, self.S, self.A = len(self.agents), a0.n_states, a0.n_actions
        self.ar = np.arange(self.N)
        self.Q = np.stack([a.Q for a in self.agents]).astype(float)
        self.visits = np.stack([a.visits for a in self.agents]).astype(np.int64)
        # flat views: entry (i, s, a) of an (N, S, A) array is [(i * S + s) * A + a] (1-d fancy
        # indexing is much faster than a 3-tuple of index arrays)
        self.row0 = self.ar * self.S
        self.Q_rows, self.Q_flat = self.Q.reshape(-1, self.A), self.Q.reshape(-1)
        self.visits_flat = self.visits.reshape(-1)
        self.gamma = np.array([a.gamma for a in self.agents])
        self.n0 = np.array([a.n_updates for a in self.agents], dtype=np.int64)
        lrs = [a.lr for a in self.agents]
        self.lr: Callable[[Any], Any] = (_PerAgent(np.array([lr.value for lr in lrs]))
                                         if all(isinstance(lr, Constant) for lr in lrs)
                                         else _shared(lrs, "non-constant lr schedule"))
        self.soft = isinstance(a0, SoftQLearning)                                  # soft next-state values
        self.boltzmann = isinstance(a0, (SoftQLearning, BoltzmannQLearning))     # softmax behaviour
        if self.boltzmann:
            self._init_groups()
        else:
            self.epsilon = np.array([a.epsilon for a in self.agents])
        self.model: TableModel | None = None
        if isinstance(a0, DynaAgent):
            self.n_planning = _shared([a.n_planning for a in self.agents], "n_planning")
            self.model = TableModel.stack([a.model for a in self.agents])

    def _init_groups(self) -> None:
        """Group agents by (temperature schedule, has a prior): one softmax / soft-value call per group."""
        groups: dict[Any, list[int]] = {}
        for i, a in enumerate(self.agents):
            schedule = a.alpha_schedule if self.soft else a.temperature_schedule
            groups.setdefault((schedule, getattr(a, "prior", None) is None), []).append(i)
        self.groups = []
        for (schedule, no_prior), idx in groups.items():
            idx_arr = np.asarray(idx)
            if not isinstance(schedule, Constant):
                _shared([int(self.n0[i]) for i in idx], "update count for a temperature schedule")
            prior = None if no_prior else np.stack([self.agents[i].prior for i in idx])
            if prior is not None and np.all(prior == prior[0, 0]):  # one prior for every agent and state:
                prior = prior[0, 0].copy()                          # kept as an (A,) row, nothing to gather
            self.groups.append((idx_arr, schedule, prior))
        # one group (the common case): its temperature, when constant, and its prior are looked up once
        self.one = self.groups[0] if len(self.groups) == 1 else None
        self.alpha_const = (float(self.one[1].value) if self.one is not None and isinstance(self.one[1], Constant)
                            else None)
        # the soft agents' behaviour: a share of uniform actions, or a fixed policy
        self.mix = np.array([getattr(a, "mix", 0.0) for a in self.agents])[:, None]
        self.fixed_idx = np.array([i for i, a in enumerate(self.agents)
                                   if getattr(a, "fixed_behaviour", None) is not None], dtype=np.intp)
        self.fixed = (np.stack([self.agents[i].fixed_behaviour for i in self.fixed_idx])
                      if self.fixed_idx.size else None)
        self.mixing = bool(self.mix.any())

    # ------------------------------------------------------------------ randomness
    def draw(self, n_steps: int) -> NDArray[np.float64]:
        """The agents' uniforms for ``n_steps`` steps: shape (n_steps, N, 1 + n_planning), step-major."""
        k = 1 + (self.n_planning if self.model is not None else 0)
        return np.stack([a.rng.random((n_steps, k)) for a in self.agents], axis=1)

    # ------------------------------------------------------------------ the agents' rules, per group
    def _per_group(self, states: NDArray, t: int, rule: Callable[..., NDArray], out_shape: tuple[int, ...]) -> NDArray:
        """``rule(Q_rows, alpha, prior_rows)`` for each temperature group, gathered into one array."""
        rows = self.Q_rows[self.row0 + states]
        if self.one is not None:
            _, schedule, prior = self.one
            alpha = self.alpha_const if self.alpha_const is not None else float(schedule(int(self.n0[0]) + t))
            return rule(rows, alpha, prior if prior is None or prior.ndim == 1 else prior[self.ar, states])
        out = np.empty(out_shape)
        for idx, schedule, prior in self.groups:
            alpha = float(schedule(int(self.n0[idx[0]]) + t))
            p = prior if prior is None or prior.ndim == 1 else prior[np.arange(idx.size), states[idx]]
            out[idx] = rule(rows[idx], alpha, p)
        return out

    def act(self, state: NDArray, u: NDArray, t: int) -> NDArray[np.intp]:
        """Actions of all agents in their states (``u``: one uniform each), as the agents' ``act``."""
        if not self.boltzmann:
            return epsilon_greedy(self.Q_rows[self.row0 + state], self.epsilon, u)
        probs = self._per_group(state, t, softmax_rows, (self.N, self.A))
        if self.mixing:
            probs = mix_uniform(probs, self.mix)
        if self.fixed is not None:
            probs[self.fixed_idx] = self.fixed[np.arange(self.fixed_idx.size), state[self.fixed_idx]]
        return sample_rows(probs, u)

    def next_value(self, states: NDArray, t: int) -> NDArray[np.float64]:
        """``V(states[i])`` of each agent ``i`` (soft or hard, as the agents' ``next_value``)."""
        if not self.soft:
            return hard_values(self.Q_rows[self.row0 + states])
        return self._per_group(states, t, soft_values, (self.N,))

    def learn(self, s: NDArray, a: NDArray, r: NDArray, s_next: NDArray, term: NDArray, t: int) -> None:
        """One TD step on ``Q[i, s_i, a_i]`` for every agent ``i`` (:meth:`TabularAgent.learn` on many rows)."""
        i = (self.row0 + s) * self.A + a
        target = td_target(r, self.gamma, self.next_value(s_next, t), term)
        self.Q_flat[i] = td_step(self.Q_flat[i], visit_step_size(self.visits_flat, i, self.lr), target)

    def update(self, s: NDArray, a: NDArray, r: NDArray, s_next: NDArray, term: NDArray,
               u_plan: NDArray, t: int) -> None:
        """Real TD update; for Dyna also the model and ``n_planning`` simulated updates (:meth:`DynaAgent.update`)."""
        self.learn(s, a, r, s_next, term, t)
        if self.model is None:
            return
        now = self.n0 + t + 1
        self.model.record(None, s, a, r, s_next, term, now)          # None: every agent's model
        for k in range(self.n_planning):
            self.learn(*self.model.simulate(None, u_plan[:, k], now), t)

    # ------------------------------------------------------------------ hand back
    def write_back(self, n_steps: int) -> None:
        """Copy the learnt state into the agent objects (their generators have advanced already)."""
        for i, agent in enumerate(self.agents):
            agent.Q[...] = self.Q[i]
            agent.visits[...] = self.visits[i]
            agent.n_updates = int(self.n0[i]) + n_steps
        if self.model is not None:
            self.model.unstack([a.model for a in self.agents])

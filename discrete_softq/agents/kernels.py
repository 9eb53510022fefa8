"""A stack of tabular agents as arrays: act, TD-update and plan for all of them at once.

Used by :func:`~discrete_softq.agents.run_batched`. Every operation mirrors, elementwise and in
the same order, what :class:`SoftQLearning`, :class:`QLearning` and the Dyna agents do for one
transition, so results agree bit for bit with the per-agent code.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from ..soft import _soft_value
from .dyna import _DynaMixin
from .schedules import Constant, Schedule
from .tabular import SoftQLearning, epsilon_greedy, sample_boltzmann

__all__ = ["AgentBatch"]


def _shared(values: list[Any], name: str) -> Any:
    if any(v != values[0] for v in values[1:]):
        raise ValueError(f"run_batched needs one {name} shared by all agents (or constants); got {values}")
    return values[0]


class AgentBatch:
    """The state of ``N`` agents of one class, stacked (``Q`` has shape (N, S, A))."""

    # the Dyna agents' models, stacked (set by ``_init_dyna``; shapes as in ``_DynaMixin`` with a leading N)
    model_next: NDArray[np.intp]
    model_reward: NDArray[np.float64]
    model_terminal: NDArray[np.bool_]
    known: NDArray[np.bool_]
    seen_state: NDArray[np.bool_]
    last_tried: NDArray[np.int64]
    model_pairs: NDArray[np.intp]

    def __init__(self, agents: Sequence[Any]) -> None:
        self.agents = list(agents)
        a0 = self.agents[0]
        self.N, self.A = len(self.agents), a0.n_actions
        self.ar = np.arange(self.N)
        self.Q = np.stack([a.Q for a in self.agents]).astype(float)
        self.visits = np.stack([a.visits for a in self.agents]).astype(np.int64)
        self.S = a0.n_states
        # flat views: entry (i, s, a) of an (N, S, A) array is [(i * S + s) * A + a] (1-d fancy
        # indexing is much faster than a 3-tuple of index arrays)
        self.row0 = self.ar * self.S
        self.Q_rows = self.Q.reshape(-1, self.A)
        self.Q_flat = self.Q.reshape(-1)
        self.visits_flat = self.visits.reshape(-1)
        self.gamma = np.array([a.gamma for a in self.agents])
        self.n0 = np.array([a.n_updates for a in self.agents], dtype=np.int64)
        lrs = [a.lr for a in self.agents]
        if all(isinstance(lr, Constant) for lr in lrs):
            self.lr_values: NDArray | None = np.array([lr.value for lr in lrs])
            self.lr_schedule: Schedule | None = None
        else:
            self.lr_values, self.lr_schedule = None, _shared(lrs, "non-constant lr schedule")
        self.soft = isinstance(a0, SoftQLearning)
        if self.soft:
            self._init_soft()
        else:
            self.epsilon = np.array([a.epsilon for a in self.agents])
        self.dyna = isinstance(a0, _DynaMixin)
        if self.dyna:
            self._init_dyna()

    # ------------------------------------------------------------------ setup
    def _init_soft(self) -> None:
        """Group agents by (temperature schedule, has a prior): one soft-value call per group."""
        groups: dict[Any, list[int]] = {}
        for i, a in enumerate(self.agents):
            groups.setdefault((a.alpha_schedule, a.prior is None), []).append(i)
        self.groups = []
        for (schedule, no_prior), idx in groups.items():
            idx_arr = np.asarray(idx)
            if not isinstance(schedule, Constant):
                _shared([int(self.n0[i]) for i in idx], "update count for a temperature schedule")
            prior = None if no_prior else np.stack([self.agents[i].prior for i in idx])
            self.groups.append((idx_arr, schedule, prior))
        self.whole = len(self.groups) == 1

    def _init_dyna(self) -> None:
        ag = self.agents
        self.n_planning = _shared([a.n_planning for a in ag], "n_planning")
        self.kappa = np.array([a.kappa for a in ag])
        self.plus = bool((self.kappa > 0).any())
        for name in ("model_next", "model_reward", "model_terminal", "known", "seen_state", "last_tried",
                     "model_pairs"):
            setattr(self, name, np.stack([getattr(a, name) for a in ag]).copy())
        self.next_flat, self.reward_flat = self.model_next.reshape(-1), self.model_reward.reshape(-1)
        self.term_flat, self.last_flat = self.model_terminal.reshape(-1), self.last_tried.reshape(-1)
        self.known_flat = self.known.reshape(-1)
        self.n_model_pairs = np.array([a.n_model_pairs for a in ag], dtype=np.int64)

    # ------------------------------------------------------------------ randomness
    def draw(self, n_steps: int) -> NDArray[np.float64]:
        """The agents' uniforms for ``n_steps`` steps: shape (N, n_steps, 1 + n_planning)."""
        k = 1 + (self.n_planning if self.dyna else 0)
        return np.stack([a.rng.random((n_steps, k)) for a in self.agents])

    # ------------------------------------------------------------------ the kernels
    def _alpha(self, schedule: Any, idx: NDArray, t: int) -> float:
        return float(schedule(int(self.n0[idx[0]]) + t))

    def act(self, state: NDArray, u: NDArray, t: int) -> NDArray[np.intp]:
        """Actions of all agents in their states (``u``: one uniform each)."""
        rows = self.Q_rows[self.row0 + state]
        if not self.soft:
            return epsilon_greedy(rows, self.epsilon, u)
        if self.whole:
            idx, schedule, prior = self.groups[0]
            p = None if prior is None else prior[self.ar, state]
            return sample_boltzmann(rows, self._alpha(schedule, idx, t), p, u)
        out = np.empty(self.N, dtype=np.intp)
        for idx, schedule, prior in self.groups:
            p = None if prior is None else prior[np.arange(idx.size), state[idx]]
            out[idx] = sample_boltzmann(rows[idx], self._alpha(schedule, idx, t), p, u[idx])
        return out

    def _values(self, states: NDArray, t: int) -> NDArray[np.float64]:
        rows = self.Q_rows[self.row0 + states]
        if not self.soft:
            return rows.max(axis=-1)
        if self.whole:
            idx, schedule, prior = self.groups[0]
            p = None if prior is None else prior[self.ar, states]
            return _soft_value(rows, self._alpha(schedule, idx, t), p)
        out = np.empty(self.N)
        for idx, schedule, prior in self.groups:
            p = None if prior is None else prior[np.arange(idx.size), states[idx]]
            out[idx] = _soft_value(rows[idx], self._alpha(schedule, idx, t), p)
        return out

    def td(self, s: NDArray, a: NDArray, r: NDArray, s_next: NDArray, term: NDArray, t: int) -> None:
        """One TD step on ``Q[i, s_i, a_i]`` for every agent ``i`` (as :meth:`TabularAgent.td_update`)."""
        v_next = np.where(term, 0.0, self._values(s_next, t))
        target = r + self.gamma * v_next
        flat = (self.row0 + s) * self.A + a
        n = self.visits_flat[flat] + 1
        self.visits_flat[flat] = n
        q = self.Q_flat[flat]
        if self.lr_values is not None:
            lr = self.lr_values
        else:
            assert self.lr_schedule is not None  # set whenever lr_values is None
            lr = self.lr_schedule(n)
        self.Q_flat[flat] = q + lr * (target - q)

    def _add_pairs(self, rows: NDArray, s: NDArray, a: NDArray | int) -> None:
        self.known[rows, s, a] = True
        self.model_pairs[rows, self.n_model_pairs[rows]] = s * self.A + a
        self.n_model_pairs[rows] += 1

    def update(self, s: NDArray, a: NDArray, r: NDArray, s_next: NDArray, term: NDArray,
               u_plan: NDArray, t: int) -> None:
        """Real TD update; for Dyna also the model and ``n_planning`` simulated updates."""
        self.td(s, a, r, s_next, term, t)
        if not self.dyna:
            return
        ar = self.ar
        now = self.n0 + t + 1
        if self.plus:
            rows = ar[(self.kappa > 0) & ~self.seen_state[ar, s]]
            self.seen_state[rows, s[rows]] = True
            for b in range(self.A):
                sub = rows[~self.known[rows, s[rows], b]]
                self.model_next[sub, s[sub], b] = s[sub]
                self._add_pairs(sub, s[sub], b)
        flat = (self.row0 + s) * self.A + a
        new = ~self.known_flat[flat]
        if new.any():
            rows = ar[new]
            self._add_pairs(rows, s[rows], a[rows])
        self.next_flat[flat], self.reward_flat[flat] = s_next, r
        self.term_flat[flat], self.last_flat[flat] = term, now
        SA = self.S * self.A
        for k in range(self.n_planning):
            pair = self.model_pairs[ar, (u_plan[:, k] * self.n_model_pairs).astype(np.intp)]
            pf = ar * SA + pair
            ps, pa = np.divmod(pair, self.A)
            r_plan = self.reward_flat[pf]
            if self.plus:
                r_plan = r_plan + np.where(self.kappa > 0, self.kappa * np.sqrt(now - self.last_flat[pf]), 0.0)
            self.td(ps, pa, r_plan, self.next_flat[pf], self.term_flat[pf], t)

    # ------------------------------------------------------------------ hand back
    def write_back(self, n_steps: int) -> None:
        """Copy the learnt state into the agent objects (their generators have advanced already)."""
        for i, agent in enumerate(self.agents):
            agent.Q[...] = self.Q[i]
            agent.visits[...] = self.visits[i]
            agent.n_updates = int(self.n0[i]) + n_steps
            if self.dyna:
                for name in ("model_next", "model_reward", "model_terminal", "known", "seen_state",
                             "last_tried", "model_pairs"):
                    getattr(agent, name)[...] = getattr(self, name)[i]
                agent.n_model_pairs = int(self.n_model_pairs[i])

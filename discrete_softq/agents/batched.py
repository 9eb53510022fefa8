r"""Many independent agents in lockstep on one gridworld, vectorised in NumPy over its exact model.

:func:`run_batched` runs ``N`` agents (typically one per seed, possibly with different
hyperparameters) for ``n_steps`` steps each, every agent in its own copy of the run. Per step it
does for all agents at once what :func:`~discrete_softq.agents.train` does for one, composing
rules that are written once and re-implementing none:

* the environment's rules on arrays (:class:`~discrete_softq.envs.GridTables`, the tables
  ``GridWorld.step`` samples): the slip draw (:func:`~discrete_softq.envs.dynamics.slip_direction`,
  one uniform of the environment's generator, seeded as ``env.reset(seed=...)`` seeds it), the
  move, the reward of entering the cell and termination (``transition``), wall changes at a step
  count or an episode index (``layout_index``) with the displacement rule (``displaced``), and
  truncation at ``max_steps`` (``truncated``);
* the agents' rules on one row per agent (:class:`~discrete_softq.agents.kernels.AgentBatch`):
  the action from the agent's own generator (one uniform per step, drawn in blocks), the TD
  update of :mod:`discrete_softq.agents.rules` and, for the Dyna agents, the model's ``record``
  and ``n_planning`` ``simulate`` steps (:mod:`discrete_softq.agents.model`; the same uniforms,
  in the same order, as :meth:`DynaQ.update`).

Because the random streams and the floating-point operations are the same, agent ``i`` of a
batch follows exactly the trajectory that ``train(env, agents[i], n_steps, seed=seeds[i])``
would produce (``tests/test_batched.py`` checks this). At the end the agents' ``Q``, visit
counts, models and generators are written back, as if each had been trained alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from gymnasium.utils import seeding
from numpy.typing import NDArray

from .. import _validate
from ..envs.dynamics import GridTables, slip_direction
from .dyna import DynaQ, SoftDynaQ
from .kernels import AgentBatch, checked_agents
from .tabular import BoltzmannQLearning, QLearning, SoftQLearning
from .training import History

__all__ = ["run_batched", "BatchedHistory", "GridTables"]

_SUPPORTED = (SoftQLearning, QLearning, BoltzmannQLearning, DynaQ, SoftDynaQ)
_CHUNK = 512


@dataclass(frozen=True, eq=False)
class BatchedHistory:
    """What :func:`run_batched` recorded, agent ``i`` in row ``i``.

    Attributes
    ----------
    step_rewards : ndarray of shape (n_agents, n_steps)
    episode_end : ndarray of int8 of shape (n_agents, n_steps)
        ``1`` where an episode terminated on that step, ``2`` where it was truncated, else ``0``.
    snapshot_steps : ndarray of int of shape (n_snapshots,)
    Q_snapshots : ndarray of shape (n_agents, n_snapshots, n_states, n_actions)
        Q-tables after ``snapshot_steps[k]`` steps.
    state_visits : ndarray of int of shape (n_agents, n_snapshots + 1, n_states)
        States occupied (before acting) in each window between snapshots: window ``k`` covers
        steps ``[snapshot_steps[k-1], snapshot_steps[k])``, the last runs to the end.
    """

    step_rewards: NDArray[np.float64]
    episode_end: NDArray[np.int8]
    snapshot_steps: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    Q_snapshots: NDArray[np.float64] | None = None
    state_visits: NDArray[np.int64] | None = None

    @property
    def n_agents(self) -> int:
        return int(self.step_rewards.shape[0])

    def cumulative_reward(self) -> NDArray[np.float64]:
        """Running sum of the rewards of each agent, shape (n_agents, n_steps)."""
        return np.cumsum(self.step_rewards, axis=1)

    def history(self, i: int) -> History:
        """Agent ``i``'s record in the per-environment form of :func:`train`."""
        ends = np.flatnonzero(self.episode_end[i]) + 1
        starts = np.concatenate([[0], ends[:-1]])
        csum = np.concatenate([[0.0], np.cumsum(self.step_rewards[i])])
        return History(step_rewards=self.step_rewards[i].copy(),
                       episode_returns=csum[ends] - csum[starts],
                       episode_lengths=(ends - starts).astype(np.int64),
                       episode_end_steps=ends.astype(np.int64),
                       episode_terminated=self.episode_end[i, ends - 1] == 1)


def _env_generator(seed: Any) -> np.random.Generator:
    """The generator ``env.reset(seed=seed)`` gives ``env.np_random`` (gymnasium's seeding)."""
    if seed is None:
        return np.random.default_rng()
    return seeding.np_random(int(seed))[0]


def _checked(env: Any, agents: Sequence[Any], n_steps: Any, seeds: Any,
             snapshot_steps: Any) -> tuple[GridTables, list[Any], list[Any], NDArray[np.int64]]:
    """The arguments of :func:`run_batched`, checked; the environment's tables."""
    n_steps = _validate.integer(n_steps, "n_steps", low=0)
    base = getattr(env, "unwrapped", env)
    if not callable(getattr(base, "tables", None)):
        raise TypeError("run_batched supports the gridworlds of discrete_softq.envs (GridWorld, e.g. "
                        "gymnasium.make('discrete_softq/TwoRoutes-v0'), and wrappers of them); got "
                        f"{type(base).__name__}. Use train() for other environments")
    tables = GridTables.from_env(base)
    agents = checked_agents(agents, _SUPPORTED, tables.moves.shape[2], tables.moves.shape[1], "env")
    seeds = [None] * len(agents) if seeds is None else list(seeds)
    if len(seeds) != len(agents):
        raise ValueError(f"seeds must have one entry per agent ({len(agents)}); got {len(seeds)}")
    for i, sd in enumerate(seeds):
        if sd is not None:
            _validate.integer(sd, f"seeds[{i}]", low=0)
    snaps = np.asarray(sorted({_validate.integer(t, "snapshot_steps", low=0, high=n_steps)
                               for t in snapshot_steps}), dtype=np.int64)
    return tables, agents, seeds, snaps


def run_batched(env: Any, agents: Sequence[Any], n_steps: int, seeds: Sequence[int | None] | None = None,
                snapshot_steps: Sequence[int] | NDArray[np.integer] = (), progress: bool = False) -> BatchedHistory:
    """Train every agent of ``agents`` on its own run of ``env``, all in lockstep.

    Parameters
    ----------
    env : GridWorld
        Its tables (:meth:`GridWorld.tables`: layouts, wall schedule, rewards, slip and
        ``max_steps``) define the runs; it is not stepped itself. Other environments raise
        TypeError (use :func:`train`).
    agents : sequence of SoftQLearning, QLearning, BoltzmannQLearning, DynaQ or SoftDynaQ
        Distinct agents, all of one class; hyperparameters may differ per agent except the
        learning-rate schedule when it is not constant, ``n_planning`` (Dyna) and the temperature
        schedule, which must be shared within agents of equal ``alpha``. They learn in place.
    n_steps : int
        Steps per agent.
    seeds : sequence of int or None, optional
        ``seeds[i]`` plays the role of ``train(..., seed=seeds[i])`` (the environment's generator,
        used only when ``slip > 0``). Default: None for every agent.
    snapshot_steps : sequence of int
        Step counts in ``[0, n_steps]`` after which to copy every Q-table (and close a visitation window).
    progress : bool
        tqdm bar over steps.

    Returns
    -------
    BatchedHistory

    Examples
    --------
    >>> from discrete_softq.agents import QLearning
    >>> from discrete_softq.envs import GridWorld
    >>> env = GridWorld(["S..G"], max_steps=20)
    >>> hist = run_batched(env, [QLearning(4, 4, seed=k) for k in range(3)], 100, seeds=[0, 1, 2])
    >>> hist.step_rewards.shape
    (3, 100)
    """
    tables, agents, seeds, snaps = _checked(env, agents, n_steps, seeds, snapshot_steps)
    progress = _validate.flag(progress, "progress")
    batch = AgentBatch(agents)
    env_rngs = [_env_generator(s) for s in seeds] if tables.slip > 0 else []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, unit="step")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowing TD target raises ValueError instead
            hist = _run(tables, batch, env_rngs, int(n_steps), snaps, bar)
    finally:
        if bar is not None:
            bar.close()
    batch.write_back(int(n_steps))
    return hist


def _run(T: GridTables, batch: AgentBatch, env_rngs: list[np.random.Generator], n_steps: int,
         snaps: NDArray[np.int64], bar: Any) -> BatchedHistory:
    """The lockstep loop: per step what ``train`` does, with the environment's rules on arrays."""
    N, S, A = batch.N, batch.S, batch.A
    rewards, ends = np.zeros((n_steps, N)), np.zeros((n_steps, N), dtype=np.int8)   # step-major: rows written
    Q_snaps = np.zeros((N, snaps.size, S, A))
    visits = np.zeros((N, snaps.size + 1, S), dtype=np.int64)
    visits_flat, visit_row0 = visits.reshape(-1), np.arange(N) * (snaps.size + 1) * S
    episode, ep_steps = np.zeros(N, dtype=np.int64), np.zeros(N, dtype=np.int64)
    layout = np.zeros(N, dtype=np.intp) + T.layout_index(0, episode)
    state = T.start[layout]
    # between episode ends the map can change only when the step count reaches a step trigger
    # (changes_landed is monotone in the step count): only then is layout_index asked again
    step_triggers = {int(k) for k in T.at_step if k >= 0}
    window = 0
    for t0 in range(0, n_steps, _CHUNK):
        C = min(_CHUNK, n_steps - t0)
        U = batch.draw(C)                                   # (C, N, 1 + n_planning)
        slip_u = np.stack([g.random(C) for g in env_rngs], axis=1) if env_rngs else None
        for c in range(C):
            t = t0 + c
            while window < snaps.size and snaps[window] == t:
                Q_snaps[:, window] = batch.Q
                window += 1
            visits_flat[visit_row0 + window * S + state] += 1
            u = U[c]
            action = batch.act(state, u[:, 0], t)
            direction = action if slip_u is None else slip_direction(action, slip_u[c], T.slip)
            nxt, reward, term = T.transition(layout, state, direction)
            ep_steps += 1
            if t + 1 in step_triggers:
                new_layout = T.layout_index(t + 1, episode)
                nxt = T.displaced(layout, new_layout, nxt, term)
                layout = new_layout
            trunc = T.truncated(ep_steps, term)
            batch.update(state, action, reward, nxt, term, u[:, 1:], t)
            rewards[t] = reward
            done = term | trunc
            state = nxt
            if done.any():
                ends[t] = np.where(term, 1, np.where(trunc, 2, 0))
                episode += done
                layout = np.where(done, T.layout_index(t + 1, episode), layout)
                state = np.where(done, T.start[layout], state)
                ep_steps[done] = 0
        if bar is not None:
            bar.update(C)
    while window < snaps.size:
        Q_snaps[:, window] = batch.Q
        window += 1
    return BatchedHistory(np.ascontiguousarray(rewards.T), np.ascontiguousarray(ends.T), snaps, Q_snaps, visits)

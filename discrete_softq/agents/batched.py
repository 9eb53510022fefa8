r"""Many independent agents in lockstep on one gridworld, vectorised in NumPy over its exact model.

:func:`run_batched` runs ``N`` agents (typically one per seed, possibly with different
hyperparameters) for ``n_steps`` steps each, every agent in its own copy of the run. Per step it
does for all agents at once what :func:`~discrete_softq.agents.train` does for one:

* the action from the agent's own generator (one uniform per step, drawn in blocks);
* the move from the gridworld's tables (:meth:`GridWorld.outcome_distribution` semantics: slip
  decided by one uniform of the environment's generator, seeded as ``env.reset(seed=...)`` seeds it);
* the reward of entering the cell, termination at goals/traps, truncation at ``max_steps``;
* wall changes at a step count (for every agent at once) or at an episode index (per agent),
  with the environment's displacement rule when a wall lands on the agent;
* the agent's TD update and, for the Dyna agents, the model update and ``n_planning`` simulated
  updates (the same uniforms, in the same order, as :meth:`DynaQ.update`).

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

from .dyna import DynaQ, SoftDynaQ
from .kernels import AgentBatch
from .tabular import QLearning, SoftQLearning
from .training import History

__all__ = ["run_batched", "BatchedHistory", "GridTables"]

_SUPPORTED = (SoftQLearning, QLearning, DynaQ, SoftDynaQ)
_CHUNK = 512


@dataclass(frozen=True, eq=False)
class GridTables:
    """A gridworld's dynamics as arrays, one slice per map of its schedule (``L`` maps).

    Attributes
    ----------
    moves : ndarray of int of shape (L, 4, S)
        Cell reached by moving in each direction (bumps stay put).
    enter_reward : ndarray of shape (L, S)
        Reward for entering each cell.
    terminal : ndarray of bool of shape (L, S)
    goal : ndarray of bool of shape (L, S)
    start : ndarray of int of shape (L,)
    displace : ndarray of int of shape (L, S)
        Where an agent standing on each cell ends up when that map lands (nearest free cell).
    at_step, at_episode : ndarray of shape (n_changes,)
        Change triggers (``-1`` where the other kind is used).
    """

    moves: NDArray[np.intp]
    enter_reward: NDArray[np.float64]
    terminal: NDArray[np.bool_]
    goal: NDArray[np.bool_]
    start: NDArray[np.intp]
    displace: NDArray[np.intp]
    at_step: NDArray[np.int64]
    at_episode: NDArray[np.int64]
    slip: float
    max_steps: int | None

    @classmethod
    def from_env(cls, env: Any) -> "GridTables":
        """Tabulate a :class:`~discrete_softq.envs.GridWorld` (or a gymnasium wrapper of one)."""
        env = getattr(env, "unwrapped", env)
        S = env.n_states
        states = np.arange(S)
        moves, rewards, terminal, goal, start, displace = [], [], [], [], [], []
        for k, L in enumerate(env.layouts):
            moves.append(env.move_table(k))
            rewards.append(env.reward_table(k))
            terminal.append(L.terminal.ravel())
            goal.append(L.goals.ravel())
            start.append(env.start_state(k))
            displace.append([env.nearest_free_state(s, k) for s in states])
        at_step = np.array([-1 if c.at_step is None else c.at_step for c in env.changes], dtype=np.int64)
        at_ep = np.array([-1 if c.at_episode is None else c.at_episode for c in env.changes], dtype=np.int64)
        return cls(np.asarray(moves, dtype=np.intp), np.asarray(rewards, dtype=float),
                   np.asarray(terminal, dtype=bool), np.asarray(goal, dtype=bool), np.asarray(start, dtype=np.intp),
                   np.asarray(displace, dtype=np.intp), at_step, at_ep, float(env.slip), env.max_steps)

    def layout_index(self, total_steps: int, episode: NDArray[np.int64]) -> NDArray[np.intp]:
        """Vectorised :meth:`WallSchedule.index_at`: changes land in order, each once due."""
        k = np.zeros(episode.shape, dtype=np.intp)
        alive = np.ones(episode.shape, dtype=bool)
        for step, ep in zip(self.at_step, self.at_episode):
            alive &= (total_steps >= step) if step >= 0 else (episode >= ep)
            k += alive
        return k


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


def run_batched(env: Any, agents: Sequence[Any], n_steps: int, seeds: Sequence[int | None] | None = None,
                snapshot_steps: Sequence[int] | NDArray[np.integer] = (), progress: bool = False) -> BatchedHistory:
    """Train every agent of ``agents`` on its own run of ``env``, all in lockstep.

    Parameters
    ----------
    env : GridWorld
        Its layouts, wall schedule, rewards, slip and ``max_steps`` define the runs (it is not
        stepped itself).
    agents : sequence of SoftQLearning, QLearning, DynaQ or SoftDynaQ
        All of one class; hyperparameters may differ per agent except the learning-rate schedule
        when it is not constant, ``n_planning`` (Dyna) and the temperature schedule, which must be
        shared within agents of equal ``alpha``. They learn in place.
    n_steps : int
        Steps per agent.
    seeds : sequence of int or None, optional
        ``seeds[i]`` plays the role of ``train(..., seed=seeds[i])`` (the environment's generator,
        used only when ``slip > 0``). Default: None for every agent.
    snapshot_steps : sequence of int
        Step counts after which to copy every Q-table (and close a visitation window).
    progress : bool
        tqdm bar over steps.

    Returns
    -------
    BatchedHistory
    """
    agents = list(agents)
    if not agents:
        raise ValueError("agents must hold at least one agent")
    kind = type(agents[0])
    if kind not in _SUPPORTED or any(type(a) is not kind for a in agents):
        raise TypeError("agents must all be of one class among SoftQLearning, QLearning, DynaQ, SoftDynaQ; "
                        f"got {sorted({type(a).__name__ for a in agents})}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps must be an int >= 0; got {n_steps!r}")
    env = getattr(env, "unwrapped", env)
    tables = GridTables.from_env(env)
    N, S = len(agents), env.n_states
    if any(a.n_states != S or a.n_actions != 4 for a in agents):
        raise ValueError(f"agents must have n_states={S} and n_actions=4 to match env")
    seeds = [None] * N if seeds is None else list(seeds)
    if len(seeds) != N:
        raise ValueError(f"seeds must have one entry per agent ({N}); got {len(seeds)}")
    snaps = np.asarray(sorted(set(int(t) for t in snapshot_steps)), dtype=np.int64)
    if snaps.size and (snaps[0] < 0 or snaps[-1] > n_steps):
        raise ValueError(f"snapshot_steps must lie in [0, n_steps={n_steps}]; got {list(snapshot_steps)}")
    batch = AgentBatch(agents)
    env_rngs = [_env_generator(s) for s in seeds] if tables.slip > 0 else []
    ar = np.arange(N)

    rewards = np.zeros((N, n_steps))
    ends = np.zeros((N, n_steps), dtype=np.int8)
    Q_snaps = np.zeros((N, snaps.size, S, 4))
    visits = np.zeros((N, snaps.size + 1, S), dtype=np.int64)
    episode = np.zeros(N, dtype=np.int64)
    layout = tables.layout_index(0, episode)
    state = tables.start[layout].copy()
    ep_steps = np.zeros(N, dtype=np.int64)
    window = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, unit="step")
    for t0 in range(0, n_steps, _CHUNK):
        C = min(_CHUNK, n_steps - t0)
        U = batch.draw(C)                                   # (N, C, 1 + n_planning)
        slip_u = np.stack([g.random(C) for g in env_rngs]) if env_rngs else None
        for c in range(C):
            t = t0 + c
            while window < snaps.size and snaps[window] == t:
                Q_snaps[:, window] = batch.Q
                window += 1
            visits[ar, window, state] += 1
            action = batch.act(state, U[:, c, 0], t)
            direction = action
            if slip_u is not None:
                u = slip_u[:, c]
                direction = np.where(u < tables.slip / 2, (action + 1) % 4,
                                     np.where(u < tables.slip, (action + 3) % 4, action))
            nxt = tables.moves[layout, direction, state]
            reward = tables.enter_reward[layout, nxt]
            term = tables.terminal[layout, nxt]
            ep_steps += 1
            new_layout = tables.layout_index(t + 1, episode)
            moved = (new_layout != layout) & ~term
            if moved.any():
                nxt = np.where(moved, tables.displace[new_layout, nxt], nxt)
            layout = new_layout
            trunc = ~term & (ep_steps >= tables.max_steps) if tables.max_steps is not None else np.zeros(N, bool)
            batch.update(state, action, reward, nxt, term, U[:, c, 1:], t)
            rewards[:, t] = reward
            done = term | trunc
            state = nxt
            if done.any():
                ends[:, t] = np.where(term, 1, np.where(trunc, 2, 0))
                episode += done
                layout = np.where(done, tables.layout_index(t + 1, episode), layout)
                state = np.where(done, tables.start[layout], state)
                ep_steps[done] = 0
        if bar is not None:
            bar.update(C)
    if bar is not None:
        bar.close()
    while window < snaps.size:
        Q_snaps[:, window] = batch.Q
        window += 1
    batch.write_back(n_steps)
    return BatchedHistory(rewards, ends, snaps, Q_snaps, visits)


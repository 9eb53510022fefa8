r"""The gridworld's dynamics as arrays: the one rule behind ``step()``, ``to_mdp()`` and ``run_batched``.

As Gymnasium's FrozenLake samples ``step()`` from its table ``P``, :class:`~discrete_softq.envs.GridWorld`
samples from the tables built here, builds its exact model from them, and the batched runner
(:func:`~discrete_softq.agents.run_batched`) steps many runs at once with the same functions on
arrays, so model, environment and batched runs cannot drift apart.

The rules, each written once:

* **slip** -- the move goes in the action's direction with probability ``1 - slip``, and in each
  perpendicular direction with probability ``slip / 2``: :func:`slip_distribution` gives the
  distribution, :func:`slip_direction` samples it from one uniform by inverse CDF over the same
  table :data:`SLIP_TURNS`;
* **moves and rewards** -- :func:`move_table` (``moves[d, s]``: bumps stay put, terminal and wall
  cells are absorbing) and :func:`enter_rewards` (the reward of entering each cell);
* **displacement** -- :func:`displacement_table`: where an agent stands after a wall change lands
  on its cell (the nearest free, non-terminal cell; Manhattan distance, ties to the lowest index);
* **one step** -- :meth:`GridTables.transition`, :meth:`GridTables.displaced`,
  :meth:`GridTables.truncated`, for one run (scalars) or many (arrays).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .layouts import Layout
from .schedule import WallSchedule, changes_landed

__all__ = ["Action", "DELTAS", "SLIP_TURNS", "slip_direction", "slip_distribution", "move_table",
           "enter_rewards", "displacement_table", "GridTables"]


class Action(IntEnum):
    """The four moves, shared by every gridworld of the toolkit."""

    UP = 0
    RIGHT = 1
    DOWN = 2
    LEFT = 3


#: (d_row, d_col) of each action.
DELTAS: dict[int, tuple[int, int]] = {Action.UP: (-1, 0), Action.RIGHT: (0, 1),
                                      Action.DOWN: (1, 0), Action.LEFT: (0, -1)}

#: Quarter turns (clockwise) of the slip outcomes: straight on (probability ``1 - slip``),
#: clockwise (``slip / 2``), counter-clockwise (``slip / 2``).
SLIP_TURNS = np.array([0, 1, 3])
#: The order in which :func:`slip_direction` lays the outcomes on [0, 1): the sideways ones first.
_DRAW_ORDER = np.array([1, 2, 0])


def slip_distribution(action: Any, slip: float) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """The directions a move may go and their probabilities, both of shape (3,) (or (3, n) for n actions).

    >>> slip_distribution(0, 0.2)
    (array([0, 1, 3]), array([0.8, 0.1, 0.1]))
    """
    a = np.asarray(action)
    directions = (a[None] + SLIP_TURNS.reshape((3,) + (1,) * a.ndim)) % 4
    probs = np.array([1.0 - slip, slip / 2, slip / 2])
    return directions, probs


def slip_direction(action: Any, u: Any, slip: float) -> Any:
    """The direction actually moved, from one uniform ``u`` in [0, 1) per move (arrays work).

    The inverse CDF of :func:`slip_distribution` with the sideways outcomes laid first on [0, 1):
    ``u < slip / 2`` turns clockwise, ``slip / 2 <= u < slip`` counter-clockwise, otherwise the
    move goes straight on.

    >>> slip_direction(0, 0.05, 0.2), slip_direction(0, 0.15, 0.2), slip_direction(0, 0.5, 0.2)
    (1, 3, 0)
    """
    _, probs = slip_distribution(0, slip)
    k = np.searchsorted(np.cumsum(probs[_DRAW_ORDER])[:-1], u, side="right")   # edges slip / 2, slip
    d = (np.asarray(action) + SLIP_TURNS[_DRAW_ORDER[k]]) % 4
    return int(d) if d.ndim == 0 else d


def move_table(layout: Layout) -> NDArray[np.intp]:
    """Next state of a move in each direction, shape (4, n_states): ``moves[d, s]``.

    Moving into a wall or off the grid leaves the agent in place; terminal and wall cells map to
    themselves (absorbing).

    >>> from discrete_softq.envs.layouts import parse_layout
    >>> move_table(parse_layout(["S.G"]))      # UP, RIGHT, DOWN, LEFT from cells 0, 1, 2
    array([[0, 1, 2],
           [1, 2, 2],
           [0, 1, 2],
           [0, 0, 2]])
    """
    n_rows, n_cols = layout.shape
    s = np.arange(n_rows * n_cols)
    rr, cc = np.divmod(s, n_cols)
    absorbing = (layout.walls | layout.terminal).ravel()
    moves = np.empty((4, s.size), dtype=np.intp)
    for d, (dr, dc) in DELTAS.items():
        nr, nc = rr + dr, cc + dc
        inside = (nr >= 0) & (nr < n_rows) & (nc >= 0) & (nc < n_cols)
        ok = inside & ~layout.walls[np.clip(nr, 0, n_rows - 1), np.clip(nc, 0, n_cols - 1)]
        moves[d] = np.where(ok & ~absorbing, nr * n_cols + nc, s)
    return moves


def enter_rewards(layout: Layout, step_reward: float, goal_reward: float, trap_reward: float) -> NDArray[np.float64]:
    """Reward for entering each cell, shape (n_states,): the goal, trap or step reward.

    >>> from discrete_softq.envs.layouts import parse_layout
    >>> enter_rewards(parse_layout(["S.TG"]), -0.1, 1.0, -1.0)
    array([-0.1, -0.1, -1. ,  1. ])
    """
    return np.where(layout.goals, goal_reward, np.where(layout.traps, trap_reward, step_reward)).ravel()


def displacement_table(layout: Layout, block: int = 256) -> NDArray[np.intp]:
    """Where an agent standing on each cell is put when ``layout`` lands, shape (n_states,).

    A free, non-terminal cell keeps the agent; any other cell sends it to the nearest free,
    non-terminal cell (Manhattan distance, ties to the lowest cell index). Computed by blocks of
    ``block`` cells: O(blocked cells x free cells) time, O(block x free cells) memory.

    >>> from discrete_softq.envs.layouts import parse_layout
    >>> displacement_table(parse_layout(["S#.", "..G"]))
    array([0, 0, 2, 3, 4, 2])
    """
    n_rows, n_cols = layout.shape
    blocked = (layout.walls | layout.terminal).ravel()
    out = np.arange(blocked.size, dtype=np.intp)
    free = np.flatnonzero(~blocked)
    fr, fc = np.divmod(free, n_cols)
    todo = np.flatnonzero(blocked)
    for i in range(0, todo.size, block):
        cells = todo[i:i + block]
        r, c = np.divmod(cells, n_cols)
        dist = np.abs(r[:, None] - fr[None]) + np.abs(c[:, None] - fc[None])
        out[cells] = free[dist.argmin(axis=1)]  # argmin: the first (lowest-index) nearest cell
    return out


@dataclass(frozen=True, eq=False)
class GridTables:
    """A gridworld's dynamics as arrays, one slice per map of its schedule (``L`` maps).

    Built by :meth:`GridWorld.tables() <discrete_softq.envs.GridWorld.tables>`; read-only.

    Attributes
    ----------
    moves : ndarray of int of shape (L, 4, S)
        Cell reached by moving in each direction (:func:`move_table`).
    enter_reward : ndarray of shape (L, S)
        Reward for entering each cell (:func:`enter_rewards`).
    terminal : ndarray of bool of shape (L, S)
    goal : ndarray of bool of shape (L, S)
    start : ndarray of int of shape (L,)
    displace : ndarray of int of shape (L, S)
        Where an agent standing on each cell ends up when that map lands (:func:`displacement_table`).
    at_step, at_episode : ndarray of int of shape (n_changes,)
        Change triggers (``-1`` where the other kind is used).
    slip : float
    max_steps : int or None
        Truncation length of an episode.
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

    def __post_init__(self) -> None:
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    @classmethod
    def build(cls, schedule: WallSchedule, rewards: tuple[float, float, float], slip: float,
              max_steps: int | None) -> "GridTables":
        """Tabulate every map of ``schedule``; ``rewards`` is ``(step, goal, trap)``."""
        layouts = schedule.layouts
        n_cols = layouts[0].shape[1]
        return cls(moves=np.stack([move_table(L) for L in layouts]),
                   enter_reward=np.stack([enter_rewards(L, *rewards) for L in layouts]),
                   terminal=np.stack([L.terminal.ravel() for L in layouts]),
                   goal=np.stack([L.goals.ravel() for L in layouts]),
                   start=np.array([r * n_cols + c for r, c in (L.start for L in layouts)], dtype=np.intp),
                   displace=np.stack([displacement_table(L) for L in layouts]),
                   at_step=np.array(schedule.at_step, dtype=np.int64),
                   at_episode=np.array(schedule.at_episode, dtype=np.int64), slip=float(slip),
                   max_steps=max_steps)

    @classmethod
    def from_env(cls, env: Any) -> "GridTables":
        """The tables of a :class:`~discrete_softq.envs.GridWorld` (or a gymnasium wrapper of one)."""
        base = getattr(env, "unwrapped", env)
        if not callable(getattr(base, "tables", None)):
            raise TypeError(f"env must be a GridWorld (or a wrapper of one); got {type(base).__name__}")
        tables = base.tables()
        if not isinstance(tables, cls):
            raise TypeError(f"env.tables() must return GridTables; got {type(tables).__name__}")
        return tables

    # ------------------------------------------------------------------ the rules of one step
    def layout_index(self, total_steps: Any, episode: Any) -> Any:
        """Index of the map in force after ``total_steps`` steps in episode ``episode`` (arrays work)."""
        return changes_landed(self.at_step, self.at_episode, total_steps, episode)

    def transition(self, layout: Any, state: Any, direction: Any) -> tuple[Any, Any, Any]:
        """``(next_state, reward, terminated)`` of moving in ``direction`` from ``state`` on map ``layout``."""
        nxt = self.moves[layout, direction, state]
        return nxt, self.enter_reward[layout, nxt], self.terminal[layout, nxt]

    def displaced(self, old: Any, new: Any, state: Any, terminated: Any) -> Any:
        """Where the agent stands once map ``new`` replaces map ``old`` (it stays if nothing changed)."""
        changed = new != old
        if not np.any(changed):   # the common case: no map landed on this step
            return state
        return np.where(changed & np.logical_not(terminated), self.displace[new, state], state)

    def truncated(self, episode_steps: Any, terminated: Any) -> Any:
        """Whether the time limit ends the episode now (never on a terminating step)."""
        if self.max_steps is None:
            return np.zeros(np.shape(terminated), dtype=bool)
        return np.logical_not(terminated) & (np.asarray(episode_steps) >= self.max_steps)

"""Gridworlds whose walls change mid-run, with their exact tabular models.

:class:`GridWorld` is a Gymnasium environment built from a string map (legend in
:mod:`discrete_softq.envs.layouts`); :class:`WallChange` entries swap the map on a schedule
counted in environment steps or episodes across a whole run; :meth:`GridWorld.to_mdp` returns
the exact :class:`~discrete_softq.mdp.TabularMDP` of any map in the schedule, so DP solutions,
agents and the environment share one ground truth.

State indices never change with the walls: state ``s = row * n_cols + col`` over *every* cell,
so a Q-table learnt before a change keeps its meaning after it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

import gymnasium as gym
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ..mdp import TabularMDP
from .layouts import Layout, parse_layout
from .rendering import render_rgb
from .schedule import ScheduledLayouts, WallChange, WallSchedule

__all__ = ["Action", "WallChange", "WallSchedule", "GridWorld"]


class Action(IntEnum):
    """The four moves, shared by every gridworld of the toolkit."""

    UP = 0
    RIGHT = 1
    DOWN = 2
    LEFT = 3


#: (d_row, d_col) of each action.
DELTAS: dict[int, tuple[int, int]] = {Action.UP: (-1, 0), Action.RIGHT: (0, 1),
                                      Action.DOWN: (1, 0), Action.LEFT: (0, -1)}


class GridWorld(ScheduledLayouts, gym.Env):
    """A gridworld whose walls can change mid-run, with an exact tabular model.

    ## Description
    The agent walks on a grid given by a string map (``#`` wall, ``.`` free, ``S`` start,
    ``G`` goal, ``T`` trap; see :mod:`discrete_softq.envs.layouts`). On a schedule of
    :class:`WallChange` entries, counted in steps or episodes over the whole run, the map is
    replaced: the textbook way to see whether an agent notices that its best route is blocked
    (Sutton & Barto 2018, Examples 8.2 and 8.3) or that a shortcut opened.

    ## Action Space
    ``Discrete(4)``: :class:`Action` ``UP=0, RIGHT=1, DOWN=2, LEFT=3``. Moving into a wall or off
    the grid leaves the agent in place. With ``slip > 0`` the move goes, with probability
    ``slip / 2`` each, in one of the two perpendicular directions instead
    (:meth:`outcome_distribution` gives the exact distribution; :meth:`slip_directions` the
    rule for one uniform draw per step).

    ## Observation Space
    ``Discrete(n_rows * n_cols)``: the cell index ``row * n_cols + col`` (walls included, so
    indices are the same for every map of the run; :meth:`state_index`, :meth:`cell_of`).

    ## Starting State
    The ``S`` cell of the map in force at reset (``reset(options={"state": s})`` starts
    elsewhere: a cell index or ``(row, col)`` of a free cell).

    ## Rewards
    Entering a goal gives ``goal_reward``, entering a trap ``trap_reward``, any other step
    (bumps included) ``step_reward``: the reward replaces, not adds to, the step reward.

    ## Episode End
    Terminated on entering a goal or a trap. Truncated after ``max_steps`` steps of the episode
    (never when ``max_steps`` is None).

    ## Wall changes
    Counters: :attr:`total_steps` (steps of the run) and :attr:`episode` (index of the current
    episode), both across episodes. A plain ``reset()`` continues the run, so a change persists;
    ``reset(seed=...)`` (or ``options={"new_run": True}``) starts a new run: first map,
    counters at zero. An ``at_step`` change lands right after the step that reaches it (the
    returned observation is already on the new map); an ``at_episode`` change at that
    episode's reset. **A new wall on the agent's cell**: the agent is moved at once to the
    nearest free, non-terminal cell of the new map (Manhattan distance, ties to the lowest cell
    index; :meth:`nearest_free_state`), and ``info["displaced"]`` is True; the same holds when
    its cell becomes a goal or trap. :attr:`changed` says whether any change has landed.

    ## Arguments
    layout : Layout, str or list of str
        First map (a key of ``LAYOUTS``, a multi-line string or a list of rows).
    changes : sequence of WallChange
        The schedule, in order.
    step_reward, goal_reward, trap_reward : float
        Rewards (defaults 0 and 1 as in Sutton & Barto's mazes; traps -1).
    slip : float
        Probability in ``[0, 1]`` that a move goes sideways.
    max_steps : int or None
        Truncation length of an episode.
    gamma : float
        Discount of the exact model (:meth:`to_mdp`); the environment itself does not discount.
    render_mode : {"ansi", "rgb_array"} or None

    ## Version History
    * v0: initial version.

    Examples
    --------
    >>> env = GridWorld("blocking_maze", changes=[WallChange(at_step=1000, layout="blocking_maze_after")])
    >>> obs, info = env.reset(seed=0)
    >>> env.cell_of(obs), env.start_state() == obs
    ((5, 3), True)
    >>> mdp = env.to_mdp()                      # the walls in force now, goal terminal
    >>> mdp.n_states, mdp.n_actions, mdp.transitions.nnz
    (54, 4, 216)
    >>> env.layout_at(total_steps=1000, episode=0) == env.layouts[1]
    True
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(self, layout: Any = "two_routes", changes: Sequence[WallChange] = (),
                 step_reward: float = 0.0, goal_reward: float = 1.0, trap_reward: float = -1.0,
                 slip: float = 0.0, max_steps: int | None = None, gamma: float = 0.95,
                 render_mode: str | None = None) -> None:
        self.schedule = WallSchedule(layout, changes)
        for name, value in (("step_reward", step_reward), ("goal_reward", goal_reward),
                            ("trap_reward", trap_reward), ("slip", slip), ("gamma", gamma)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite real number; got {value!r}")
        if not 0.0 <= slip <= 1.0:
            raise ValueError(f"slip must be a probability in [0, 1]; got {slip}")
        if not 0.0 <= gamma < 1.0:
            raise ValueError(f"gamma must be in [0, 1); got {gamma}")
        if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, numbers.Integral)
                                      or max_steps < 1):
            raise ValueError(f"max_steps must be None or an int >= 1; got {max_steps!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None; "
                             f"got {render_mode!r}")
        self.step_reward, self.goal_reward = float(step_reward), float(goal_reward)
        self.trap_reward = float(trap_reward)
        self.slip, self.gamma, self.max_steps = float(slip), float(gamma), max_steps
        self.render_mode = render_mode
        self.n_rows, self.n_cols = self.schedule.layouts[0].shape
        self.n_states = self.n_rows * self.n_cols
        self.observation_space = gym.spaces.Discrete(self.n_states)
        self.action_space = gym.spaces.Discrete(len(Action))
        self.total_steps, self.episode, self.episode_steps, self.layout_index = 0, 0, 0, 0
        self.state = self.state_index(*self.schedule.layouts[0].start)
        self._started = False

    # ------------------------------------------------------------------ state indices
    def state_index(self, row: Any, col: Any) -> Any:
        """Cell ``(row, col)`` -> state ``row * n_cols + col`` (works on arrays)."""
        if np.ndim(row):
            return np.asarray(row) * self.n_cols + np.asarray(col)
        return int(row) * self.n_cols + int(col)

    def cell_of(self, state: Any) -> tuple[Any, Any]:
        """State -> ``(row, col)`` (works on arrays)."""
        r, c = np.divmod(state, self.n_cols)
        return (r, c) if np.ndim(state) else (int(r), int(c))

    def start_state(self, layout: Any = None) -> int:
        """State index of the start cell of ``layout`` (default: the map in force)."""
        return self.state_index(*self._resolve(layout).start)

    def _resolve(self, layout: Any) -> Layout:
        if layout is None:
            return self.layout
        if isinstance(layout, numbers.Integral) and not isinstance(layout, bool):
            return self.layouts[int(layout)]
        L = parse_layout(layout)
        if L.shape != (self.n_rows, self.n_cols):
            raise ValueError(f"layout must have shape {(self.n_rows, self.n_cols)}; got {L.shape}")
        return L

    def nearest_free_state(self, state: int, layout: Any = None) -> int:
        """``state`` if it is free and non-terminal in ``layout``, else the nearest such cell.

        Nearest in Manhattan distance, ties to the lowest index: the rule applied when a wall
        change lands on the agent.
        """
        L = self._resolve(layout)
        blocked = (L.walls | L.terminal).ravel()
        if not blocked[state]:
            return int(state)
        r, c = self.cell_of(state)
        rr, cc = self.cell_of(np.arange(self.n_states))
        dist = np.where(blocked, np.iinfo(np.int64).max, np.abs(rr - r) + np.abs(cc - c))
        return int(np.argmin(dist))

    # ------------------------------------------------------------------ dynamics, one cell at a time
    def _cell_reward(self, L: Layout, state: int) -> float:
        r, c = self.cell_of(state)
        return self.goal_reward if L.goals[r, c] else self.trap_reward if L.traps[r, c] else self.step_reward

    def _move(self, L: Layout, state: int, direction: int) -> int:
        r, c = self.cell_of(state)
        dr, dc = DELTAS[direction]
        nr, nc = r + dr, c + dc
        if 0 <= nr < self.n_rows and 0 <= nc < self.n_cols and not L.walls[nr, nc]:
            return self.state_index(nr, nc)
        return state

    def outcome_distribution(self, state: int, action: int, layout: Any = None
                             ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Exact outcomes of ``action`` in ``state``: ``(next_states, probabilities, rewards)``.

        Distinct next states, in increasing order; the reward is that of entering the state.
        What :meth:`step` samples from (from a non-terminal state).
        """
        L = self._resolve(layout)
        a = int(action)
        dist: dict[int, float] = {}
        for d, p in ((a, 1.0 - self.slip), ((a + 1) % 4, self.slip / 2), ((a + 3) % 4, self.slip / 2)):
            if p > 0:
                s2 = self._move(L, int(state), d)
                dist[s2] = dist.get(s2, 0.0) + p
        nxt = np.array(sorted(dist), dtype=np.int64)
        return nxt, np.array([dist[s] for s in nxt]), np.array([self._cell_reward(L, s) for s in nxt])

    # ------------------------------------------------------------------ the exact model
    def move_table(self, layout: Any = None) -> NDArray[np.int64]:
        """Next state of a move in each direction, shape (4, n_states): ``table[d, s]``.

        Bumps stay put; goal, trap and wall cells map to themselves. With
        :meth:`slip_directions` and :meth:`reward_table` this simulates the environment exactly
        for many states at once (``s' = table[slip_directions(a, u), s]``).
        """
        L = self._resolve(layout)
        S, W = self.n_states, self.n_cols
        s = np.arange(S)
        rr, cc = np.divmod(s, W)
        absorbing = (L.walls | L.terminal).ravel()
        moves = np.empty((4, S), dtype=np.int64)
        for d, (dr, dc) in DELTAS.items():
            nr, nc = rr + dr, cc + dc
            inside = (nr >= 0) & (nr < self.n_rows) & (nc >= 0) & (nc < W)
            ok = inside & ~L.walls[np.clip(nr, 0, self.n_rows - 1), np.clip(nc, 0, W - 1)]
            moves[d] = np.where(ok & ~absorbing, nr * W + nc, s)
        return moves

    def reward_table(self, layout: Any = None) -> NDArray[np.float64]:
        """Reward for entering each state, shape (n_states,): goal, trap or step reward."""
        L = self._resolve(layout)
        return np.where(L.goals, self.goal_reward, np.where(L.traps, self.trap_reward, self.step_reward)).ravel()

    def slip_directions(self, actions: Any, u: Any) -> Any:
        """Direction actually moved, given the action and one uniform draw ``u`` in [0, 1) (arrays work).

        ``u < slip / 2``: clockwise of the action, ``(a + 1) % 4``; ``slip / 2 <= u < slip``:
        counter-clockwise, ``(a + 3) % 4``; otherwise the action itself. :meth:`step` draws
        ``u = np_random.random()`` once per step when ``slip > 0``.
        """
        a = np.asarray(actions)
        u = np.asarray(u)
        d = np.where(u < self.slip / 2, (a + 1) % 4, np.where(u < self.slip, (a + 3) % 4, a))
        return int(d) if d.ndim == 0 else d

    def to_mdp(self, gamma: float | None = None, layout: Any = None) -> TabularMDP:
        r"""The exact :class:`TabularMDP` of a map: sparse ``P`` of shape (S*A, S), ``R`` (S, A).

        .. math:: r(s, a) = \sum_{s'} P(s' \mid s, a)\, r_{\text{enter}}(s')

        Goals and traps are terminal; wall cells (unreachable) are terminal too, so their value
        is 0. ``initial`` is the start cell. Built with array operations: O(S) time and memory.

        Parameters
        ----------
        gamma : float, optional
            Discount; defaults to the environment's ``gamma``.
        layout : int, Layout, str or list of str, optional
            Index into :attr:`layouts`, or any map of the same size; default: the map in force.
        """
        L = self._resolve(layout)
        gamma = self.gamma if gamma is None else gamma
        S, A = self.n_states, len(Action)
        s = np.arange(S)
        absorbing = (L.walls | L.terminal).ravel()
        moves, enter = self.move_table(L), self.reward_table(L)
        rows, cols, probs = [], [], []
        R = np.zeros((S, A))
        for a in range(A):
            for d, p in ((a, 1.0 - self.slip), ((a + 1) % 4, self.slip / 2), ((a + 3) % 4, self.slip / 2)):
                if p > 0:
                    rows.append(s * A + a)
                    cols.append(moves[d])
                    probs.append(np.full(S, p))
                    R[:, a] += p * enter[moves[d]]
        P = sp.csr_matrix((np.concatenate(probs), (np.concatenate(rows), np.concatenate(cols))), shape=(S * A, S))
        initial = np.zeros(S)
        initial[self.state_index(*L.start)] = 1.0
        return TabularMDP(P, R, gamma, initial=initial, terminal=absorbing)

    # ------------------------------------------------------------------ gymnasium API
    def _info(self, displaced: bool = False, layout_changed: bool = False) -> dict[str, Any]:
        return {"total_steps": self.total_steps, "episode": self.episode, "layout_index": self.layout_index,
                "layout_changed": layout_changed, "displaced": displaced}

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        if seed is not None or not self._started or options.pop("new_run", False):
            self.total_steps, self.episode, self._started = 0, 0, True
        else:
            self.episode += 1
        before = self.layout_index
        self.layout_index = self.schedule.index_at(self.total_steps, self.episode)
        self.episode_steps = 0
        start = options.pop("state", None)
        if options:
            raise ValueError(f"options has unknown keys {sorted(options)}; known: 'state', 'new_run'")
        if start is None:
            self.state = self.start_state()
        else:
            s = self.state_index(*start) if isinstance(start, (tuple, list)) else start
            # typeshed's numbers.Integral declares __lt__/__le__ but not __ge__, hence the ignore on `0 <= s`
            if (not isinstance(s, numbers.Integral) or not 0 <= s < self.n_states  # type: ignore[operator]
                    or (self.layout.walls | self.layout.terminal).ravel()[s]):
                raise ValueError(f'options["state"] must be a free non-terminal cell; got {start!r}')
            self.state = int(s)
        return self.state, self._info(layout_changed=self.layout_index != before)

    def step(self, action: Any) -> tuple[int, float, bool, bool, dict[str, Any]]:
        if not self._started:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an int in [0, 4) (Action); got {action!r}")
        a = int(action)
        direction = self.slip_directions(a, self.np_random.random()) if self.slip > 0 else a
        L = self.layout
        self.state = self._move(L, self.state, direction)
        reward = self._cell_reward(L, self.state)
        r, c = self.cell_of(self.state)
        terminated = bool(L.terminal[r, c])
        self.total_steps += 1
        self.episode_steps += 1
        before = self.layout_index
        self.layout_index = self.schedule.index_at(self.total_steps, self.episode)
        displaced = False
        if self.layout_index != before and not terminated:
            moved = self.nearest_free_state(self.state)
            displaced, self.state = moved != self.state, moved
        truncated = self.max_steps is not None and self.episode_steps >= self.max_steps and not terminated
        return self.state, reward, terminated, bool(truncated), self._info(displaced, self.layout_index != before)

    # ------------------------------------------------------------------ rendering
    def render(self) -> str | NDArray[np.uint8] | None:
        """``ansi``: the map with the agent as ``A``; ``rgb_array``: an image, 16 px per cell."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='ansi' or 'rgb_array'")
            return None
        if self.render_mode == "ansi":
            rows = [list(row) for row in self.layout.rows]
            r, c = self.cell_of(self.state)
            rows[r][c] = "A"
            return "\n".join("".join(row) for row in rows) + "\n"
        return render_rgb(self.layout, self.cell_of(self.state))

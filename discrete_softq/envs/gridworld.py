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

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .. import _validate
from ..mdp import TabularMDP
from .dynamics import (DELTAS, Action, GridTables, displacement_table, enter_rewards, move_table, slip_direction,
                       slip_distribution)
from .layouts import Layout, parse_layout
from .rendering import render_rgb
from .schedule import ScheduledLayouts, WallChange, WallSchedule

__all__ = ["Action", "DELTAS", "WallChange", "WallSchedule", "GridWorld"]


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
        Discount of the exact model (:meth:`to_mdp`) in [0, 1] (whether ``gamma = 1`` is a valid
        model is :class:`~discrete_softq.mdp.TabularMDP`'s call); the environment itself does not discount.
    render_mode : {"ansi", "rgb_array"} or None
        What :meth:`render` returns.

    The dynamics are fixed at construction (``slip``, the rewards, ``max_steps`` and ``gamma``
    are read-only): :meth:`tables` holds them as arrays, and :meth:`step`, :meth:`to_mdp`,
    :meth:`outcome_distribution` and :func:`~discrete_softq.agents.run_batched` all read those.

    ## Version History
    * v0: initial version (the registered mazes truncate at 1000 steps; see :mod:`discrete_softq.envs`).

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
        self._rewards = tuple(_validate.real(v, name) for name, v in (
            ("step_reward", step_reward), ("goal_reward", goal_reward), ("trap_reward", trap_reward)))
        self._slip = _validate.real(slip, "slip", low=0.0, high=1.0)
        self._gamma = _validate.real(gamma, "gamma", low=0.0, high=1.0)
        self._max_steps = None if max_steps is None else _validate.integer(max_steps, "max_steps", low=1)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None; "
                             f"got {render_mode!r}")
        self.render_mode = render_mode
        self.n_rows, self.n_cols = self.schedule.layouts[0].shape
        self.n_states = self.n_rows * self.n_cols
        self.observation_space = gym.spaces.Discrete(self.n_states)
        self.action_space = gym.spaces.Discrete(len(Action))
        self.total_steps, self.episode, self.episode_steps, self.layout_index = 0, 0, 0, 0
        self.state = self.state_index(*self.schedule.layouts[0].start)
        self._started = False
        self._tables: GridTables | None = None

    # the dynamics are fixed at construction (the tables below are built from them once)
    step_reward = property(lambda self: self._rewards[0], doc="Reward of an ordinary step (bumps included).")
    goal_reward = property(lambda self: self._rewards[1], doc="Reward for entering a goal.")
    trap_reward = property(lambda self: self._rewards[2], doc="Reward for entering a trap.")
    slip = property(lambda self: self._slip, doc="Probability that a move goes sideways.")
    gamma = property(lambda self: self._gamma, doc="Discount of the exact model (:meth:`to_mdp`).")
    max_steps = property(lambda self: self._max_steps, doc="Truncation length of an episode (or None).")

    def tables(self) -> GridTables:
        """The dynamics of every map of the schedule as arrays (what :meth:`step` samples from).

        The same object on every call (read-only); :func:`~discrete_softq.agents.run_batched`
        steps many runs with it.

        >>> t = GridWorld(["S.G"]).tables()
        >>> t.moves.shape, t.enter_reward[0].tolist(), int(t.start[0])
        ((1, 4, 3), [0.0, 0.0, 1.0], 0)
        """
        if self._tables is None:
            self._tables = GridTables.build(self.schedule, self._rewards, self._slip, self._max_steps)
        return self._tables

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
        if isinstance(layout, (int, np.integer)) and not isinstance(layout, (bool, np.bool_)):
            return self.layouts[_validate.index(layout, "layout", len(self.layouts))]
        L = parse_layout(layout)
        if L.shape != (self.n_rows, self.n_cols):
            raise ValueError(f"layout must have shape {(self.n_rows, self.n_cols)}; got {L.shape}")
        return L

    def _arrays(self, layout: Any) -> tuple[Layout, NDArray[np.intp], NDArray[np.float64]]:
        """A map with its move table and entering rewards (the schedule's own tables when it is one of them)."""
        L = self._resolve(layout)
        if L in self.layouts:
            k = self.layouts.index(L)
            return L, self.tables().moves[k], self.tables().enter_reward[k]
        return L, move_table(L), enter_rewards(L, *self._rewards)

    def nearest_free_state(self, state: int, layout: Any = None) -> int:
        """``state`` if it is free and non-terminal in ``layout``, else the nearest such cell.

        Nearest in Manhattan distance, ties to the lowest index: the rule applied when a wall
        change lands on the agent (:func:`~discrete_softq.envs.dynamics.displacement_table`).
        """
        s = _validate.index(state, "state", self.n_states)
        L = self._resolve(layout)
        if L in self.layouts:
            return int(self.tables().displace[self.layouts.index(L), s])
        return int(displacement_table(L)[s])

    # ------------------------------------------------------------------ the exact model
    def outcome_distribution(self, state: int, action: int, layout: Any = None
                             ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Exact outcomes of ``action`` in ``state``: ``(next_states, probabilities, rewards)``.

        Distinct next states, in increasing order; the reward is that of entering the state.
        What :meth:`step` samples from (terminal and wall cells are absorbing).

        >>> GridWorld(["S.G"], slip=0.2).outcome_distribution(1, 1)
        (array([1, 2]), array([0.2, 0.8]), array([0., 1.]))
        """
        s = _validate.index(state, "state", self.n_states)
        a = _validate.index(action, "action", len(Action))
        _, moves, enter = self._arrays(layout)
        directions, probs = slip_distribution(a, self._slip)
        nxt, where = np.unique(moves[directions, s], return_inverse=True)
        p = np.zeros(nxt.size)
        np.add.at(p, where, probs)
        keep = p > 0
        return nxt[keep].astype(np.int64), p[keep], enter[nxt[keep]]

    def move_table(self, layout: Any = None) -> NDArray[np.intp]:
        """Next state of a move in each direction, shape (4, n_states): ``table[d, s]``.

        Bumps stay put; goal, trap and wall cells map to themselves. With
        :meth:`slip_directions` and :meth:`reward_table` this simulates the environment exactly
        for many states at once (``s' = table[slip_directions(a, u), s]``).
        """
        return self._arrays(layout)[1]

    def reward_table(self, layout: Any = None) -> NDArray[np.float64]:
        """Reward for entering each state, shape (n_states,): goal, trap or step reward."""
        return self._arrays(layout)[2]

    def slip_directions(self, actions: Any, u: Any) -> Any:
        """Direction actually moved, given the action and one uniform draw ``u`` in [0, 1) (arrays work).

        :func:`~discrete_softq.envs.dynamics.slip_direction` at this environment's ``slip``;
        :meth:`step` draws ``u = np_random.random()`` once per step when ``slip > 0``.
        """
        return slip_direction(actions, u, self._slip)

    def to_mdp(self, gamma: float | None = None, layout: Any = None) -> TabularMDP:
        r"""The exact :class:`TabularMDP` of a map: sparse ``P`` of shape (S*A, S), ``R`` (S, A).

        .. math:: P(s' \mid s, a) = \sum_{d} p_{\text{slip}}(d \mid a)\, [s' = \text{moves}(d, s)], \qquad
                  r(s, a) = \sum_{s'} P(s' \mid s, a)\, r_{\text{enter}}(s')

        Goals and traps are terminal; wall cells (unreachable) are terminal too, so their value
        is 0. ``initial`` is the start cell. Built from the tables :meth:`step` samples: O(S).

        Parameters
        ----------
        gamma : float, optional
            Discount; defaults to the environment's ``gamma``.
        layout : int, Layout, str or list of str, optional
            Index into :attr:`layouts`, or any map of the same size; default: the map in force.
        """
        L, moves, enter = self._arrays(layout)
        S, A = self.n_states, len(Action)
        s = np.arange(S)
        directions, probs = slip_distribution(np.arange(A), self._slip)   # (3, A), (3,)
        rows, cols, data = [], [], []
        R = np.zeros((S, A))
        for a in range(A):
            for d, p in zip(directions[:, a], probs):
                if p > 0:
                    rows.append(s * A + a)
                    cols.append(moves[d])
                    data.append(np.full(S, p))
                    R[:, a] += p * enter[moves[d]]
        P = sp.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(S * A, S))
        initial = np.zeros(S)
        initial[self.state_index(*L.start)] = 1.0
        return TabularMDP(P, R, self._gamma if gamma is None else gamma, initial=initial,
                          terminal=(L.walls | L.terminal).ravel())

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
        self.layout_index = int(self.tables().layout_index(self.total_steps, self.episode))
        self.episode_steps = 0
        start = options.pop("state", None)
        if options:
            raise ValueError(f"options has unknown keys {sorted(options)}; known: 'state', 'new_run'")
        if start is None:
            self.state = int(self.tables().start[self.layout_index])
        else:
            s = self.state_index(*start) if isinstance(start, (tuple, list)) else start
            s = _validate.index(s, 'options["state"]', self.n_states)
            if (self.layout.walls | self.layout.terminal).ravel()[s]:
                raise ValueError(f'options["state"] must be a free non-terminal cell; got {start!r}')
            self.state = s
        return self.state, self._info(layout_changed=self.layout_index != before)

    def step(self, action: Any) -> tuple[int, float, bool, bool, dict[str, Any]]:
        if not self._started:
            raise RuntimeError("call reset() before step()")
        action = _validate.index(action, "action", len(Action))
        T = self.tables()
        direction = slip_direction(action, self.np_random.random(), self._slip) if self._slip > 0 else action
        nxt, reward, terminated = T.transition(self.layout_index, self.state, direction)
        self.total_steps += 1
        self.episode_steps += 1
        before, self.layout_index = self.layout_index, int(T.layout_index(self.total_steps, self.episode))
        moved = int(T.displaced(before, self.layout_index, nxt, terminated)) if self.layout_index != before else nxt
        displaced, self.state = bool(moved != nxt), int(moved)
        truncated = bool(T.truncated(self.episode_steps, terminated))
        return self.state, float(reward), bool(terminated), truncated, self._info(displaced, self.layout_index != before)

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

"""The MiniGrid bridge: exact tabular models of real MiniGrid grids, and a MiniGrid with moving walls.

A thin layer over the ``minigrid`` package (never a fork):

* :func:`minigrid_to_mdp` -- the exact :class:`~discrete_softq.mdp.TabularMDP` of the grid a
  MiniGrid environment holds now (after ``reset(seed=...)``);
* :class:`TabularObsWrapper` -- observations become the same state indices, actions the same
  three moves, so tabular agents learn on the real environment;
* :class:`StationaryRewardWrapper` -- the real environment pays the model's stationary reward;
* :class:`WallChangeMiniGridEnv` -- a string map built from MiniGrid's ``Wall``, ``Goal`` and
  ``Lava`` objects, whose walls change on the :class:`~discrete_softq.envs.WallChange` schedule
  of :class:`~discrete_softq.envs.GridWorld` (registered as ``discrete_softq/MiniGrid-WallChange-v0``).

State index
    ``s = 4 * (y * width + x) + direction`` over *every* cell of the grid (MiniGrid's ``x`` is the
    column, ``y`` the row; directions 0 right, 1 down, 2 left, 3 up). Cells the agent cannot
    stand in (walls) are unreachable terminal states of value 0, so indices do not depend on
    where the walls are.
Actions
    Only MiniGrid's ``left`` (0, turn), ``right`` (1, turn) and ``forward`` (2). ``pickup``,
    ``drop``, ``toggle`` and ``done`` are excluded: on the grids modelled here they change nothing
    but the clock.
Rewards (stationary)
    MiniGrid pays ``1 - 0.9 * t / max_steps`` on reaching the goal at step ``t`` and 0 for lava:
    no stationary model can reproduce a reward that depends on the clock. The model pays
    ``goal_reward`` (default 1, MiniGrid's reward at ``t = 0``) for a move onto the goal,
    ``lava_reward`` (default 0, MiniGrid's) for a move onto lava and ``step_reward`` (default 0)
    otherwise; the discount ``gamma`` plays the part of the decay (both favour short paths).
    :class:`StationaryRewardWrapper` makes the real environment pay exactly this. MiniGrid's
    ``max_steps`` truncation is not part of the (discounted, infinite-horizon) model.
Supported cells
    empty, ``wall``, ``goal`` (terminal), ``lava`` (terminal), ``floor``. Anything else (doors,
    keys, boxes, balls, so also moving obstacles) raises ``ValueError``: better no model than a
    wrong one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsFloat, cast

import gymnasium as gym
import numpy as np
import scipy.sparse as sp
from minigrid.core.grid import Grid
from minigrid.core.mission import MissionSpace
from minigrid.core.world_object import Goal, Lava, Wall
from minigrid.minigrid_env import MiniGridEnv

from .. import _validate
from ..mdp import TabularMDP
from .layouts import Layout, parse_layout
from .schedule import ScheduledLayouts, WallChange, WallSchedule

__all__ = ["minigrid_to_mdp", "minigrid_state", "TabularObsWrapper", "StationaryRewardWrapper",
           "WallChangeMiniGridEnv", "N_ACTIONS"]

#: left, right, forward: the actions of the model.
N_ACTIONS = 3
_DIR = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]])  # minigrid.core.constants.DIR_TO_VEC
_SUPPORTED = {"wall", "goal", "lava", "floor"}


def _base(env: Any) -> MiniGridEnv:
    base = getattr(env, "unwrapped", env)
    if not isinstance(base, MiniGridEnv):
        raise TypeError(f"env must be a MiniGrid environment (or a wrapper of one); got {type(base).__name__}")
    if getattr(base, "grid", None) is None or base.agent_pos is None or base.agent_dir is None \
            or int(base.agent_dir) < 0:
        raise ValueError("env has no grid yet: call env.reset(seed=...) before modelling it")
    return base


def minigrid_state(env: Any) -> int:
    """State index ``4 * (y * width + x) + direction`` of the agent of a MiniGrid environment.


    >>> import gymnasium as gym
    >>> env = gym.make("MiniGrid-Empty-5x5-v0")
    >>> _ = env.reset(seed=0)
    >>> minigrid_state(env)
    24
    """
    base = _base(env)
    x, y = (int(v) for v in base.agent_pos)
    return 4 * (y * base.width + x) + int(base.agent_dir)


def _cell_types(base: MiniGridEnv) -> np.ndarray:
    """Object type per cell, shape (height, width), ``""`` for empty; unsupported types raise."""
    if base.carrying is not None:
        raise ValueError(f"env: the agent carries a {base.carrying.type}; minigrid_to_mdp models no objects")
    types = np.full((base.height, base.width), "", dtype=object)
    for y in range(base.height):
        for x in range(base.width):
            obj = base.grid.get(x, y)
            if obj is None:
                continue
            if obj.type not in _SUPPORTED:
                raise ValueError(
                    f"env: minigrid_to_mdp cannot model a '{obj.type}' at (x={x}, y={y}); supported cells "
                    f"are empty, {', '.join(sorted(_SUPPORTED))} "
                    "(no doors, keys, boxes, balls or moving obstacles)")
            types[y, x] = obj.type
    return types


def minigrid_to_mdp(env: Any, gamma: float = 0.99, goal_reward: float = 1.0, lava_reward: float = 0.0,
                    step_reward: float = 0.0) -> TabularMDP:
    r"""The exact tabular model of a MiniGrid environment's current grid.

    States ``4 * (y * width + x) + direction``; actions left, right, forward; sparse transitions
    with one successor per row (MiniGrid is deterministic). Goal, lava and wall cells are
    terminal; ``initial`` is the agent's current state. See the module docstring for the
    stationary reward

    .. math:: r(s, a) = \text{goal\_reward}\,[s' \text{ goal}] + \text{lava\_reward}\,[s' \text{ lava}]
              + \text{step\_reward}\,[\text{otherwise}].

    Parameters
    ----------
    env : gymnasium.Env
        A MiniGrid environment (wrappers allowed) after ``reset``.
    gamma : float
        Discount of the model.
    goal_reward, lava_reward, step_reward : float
        The stationary rewards (MiniGrid's own, without the clock: 1, 0, 0).

    Raises
    ------
    ValueError
        If the grid holds an object the model cannot represent, or ``env`` was never reset.

    Examples
    --------
    >>> import gymnasium as gym, minigrid
    >>> env = gym.make("MiniGrid-Empty-5x5-v0")
    >>> _ = env.reset(seed=0)
    >>> mdp = minigrid_to_mdp(env)
    >>> mdp.n_states, mdp.n_actions, int((~mdp.terminal).sum())   # 5 x 5 cells x 4 directions
    (100, 3, 32)
    """
    rewards = {name: _validate.real(v, name) for name, v in
               (("goal_reward", goal_reward), ("lava_reward", lava_reward), ("step_reward", step_reward))}
    goal_reward, lava_reward, step_reward = rewards["goal_reward"], rewards["lava_reward"], rewards["step_reward"]
    base = _base(env)
    types = _cell_types(base)
    W, H = base.width, base.height
    cells = np.arange(W * H)
    y, x = np.divmod(cells, W)
    flat = types.ravel()
    wall, goal, lava = flat == "wall", flat == "goal", flat == "lava"
    absorbing = np.repeat(wall | goal | lava, 4)
    s = np.arange(4 * W * H)
    c, d = np.divmod(s, 4)
    fx, fy = x[c] + _DIR[d, 0], y[c] + _DIR[d, 1]
    inside = (fx >= 0) & (fx < W) & (fy >= 0) & (fy < H)
    fc = np.where(inside, np.clip(fy, 0, H - 1) * W + np.clip(fx, 0, W - 1), c)
    forward = np.where(inside & ~wall[fc], 4 * fc + d, s)
    nxt = np.stack([4 * c + (d - 1) % 4, 4 * c + (d + 1) % 4, forward], axis=1)
    nxt[absorbing] = s[absorbing, None]
    enter = np.where(goal, goal_reward, np.where(lava, lava_reward, step_reward))
    R = np.full((len(s), N_ACTIONS), float(step_reward))
    R[:, 2] = np.where(forward != s, enter[forward // 4], step_reward)
    P = sp.csr_matrix((np.ones(nxt.size), nxt.ravel(), np.arange(nxt.size + 1)), shape=(nxt.size, len(s)))
    initial = np.zeros(len(s))
    initial[minigrid_state(base)] = 1.0
    return TabularMDP(P, R, gamma, initial=initial, terminal=absorbing)


class TabularObsWrapper(gym.ObservationWrapper):
    """Observations -> state indices of :func:`minigrid_to_mdp`; actions -> left, right, forward.

    The index is read from the agent's true position and direction (MiniGrid's image
    observation is partial), so the wrapped environment is the fully observed tabular MDP.
    ``observation_space`` is ``Discrete(4 * width * height)``, ``action_space`` ``Discrete(3)``
    (MiniGrid's actions 0, 1, 2, passed through unchanged).
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        base = env.unwrapped
        if not isinstance(base, MiniGridEnv):
            raise TypeError(f"env must be a MiniGrid environment; got {type(base).__name__}")
        self.observation_space = gym.spaces.Discrete(4 * base.width * base.height)
        self.action_space = gym.spaces.Discrete(N_ACTIONS)

    def observation(self, observation: Any) -> int:
        return minigrid_state(self.env)


class StationaryRewardWrapper(gym.Wrapper):
    """Make a MiniGrid environment pay the stationary reward of :func:`minigrid_to_mdp`.

    After each step: ``goal_reward`` if the agent terminated on a goal, ``lava_reward`` if on
    lava, ``step_reward`` otherwise (the clock-dependent ``1 - 0.9 t / max_steps`` is dropped).
    """

    def __init__(self, env: gym.Env, goal_reward: float = 1.0, lava_reward: float = 0.0,
                 step_reward: float = 0.0) -> None:
        super().__init__(env)
        self.goal_reward, self.lava_reward = float(goal_reward), float(lava_reward)
        self.step_reward = float(step_reward)

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, _, terminated, truncated, info = self.env.step(action)
        reward = self.step_reward
        if terminated:
            base = cast(MiniGridEnv, self.env.unwrapped)  # this wrapper is for MiniGrid environments
            cell = base.grid.get(*base.agent_pos)
            kind = None if cell is None else cell.type
            by_kind: dict[str | None, float] = {"goal": self.goal_reward, "lava": self.lava_reward}
            reward = by_kind.get(kind, self.step_reward)
        return obs, reward, terminated, truncated, info


def _bordered(layout: Layout) -> Layout:
    """The layout with a wall border added, unless it already has one (MiniGrid needs it)."""
    w = layout.walls
    if w[0].all() and w[-1].all() and w[:, 0].all() and w[:, -1].all():
        return layout
    edge = "#" * (len(layout.rows[0]) + 2)
    rows = [edge] + ["#" + r + "#" for r in layout.rows] + [edge]
    return parse_layout(rows)


class WallChangeMiniGridEnv(ScheduledLayouts, MiniGridEnv):
    """A MiniGrid room drawn from a string map whose walls change mid-run.

    ## Description
    The map (legend of :mod:`discrete_softq.envs.layouts`: ``#`` becomes a MiniGrid ``Wall``,
    ``G`` a ``Goal``, ``T`` ``Lava``, ``S`` the agent's start) is built from MiniGrid's own
    objects; a wall border is added when the map has none. The schedule is
    :class:`~discrete_softq.envs.GridWorld`'s: :class:`WallChange` entries counted in steps or
    episodes across the run, kept by a plain ``reset()``, restarted by ``reset(seed=...)``; a
    new wall (or goal or lava) on the agent's cell moves it to the nearest free cell (Manhattan,
    ties to the lowest ``y * width + x``), direction unchanged.

    ## Action Space, Observation Space, Rewards
    MiniGrid's (``Discrete(7)``, the dict observation, ``1 - 0.9 t / max_steps`` at the goal);
    wrap with :class:`TabularObsWrapper` and :class:`StationaryRewardWrapper` for the tabular view.

    ## Starting State
    The ``S`` cell, facing ``agent_start_dir`` (0 = right).

    ## Episode End
    Terminated on the goal or lava; truncated after ``max_steps`` steps.

    ## Arguments

    layout, changes : as for :class:`~discrete_softq.envs.GridWorld` (default: ``two_routes``,
        blocked after 2000 steps).
    max_steps : int
        Truncation length of an episode.
    agent_start_dir : int
        The agent's direction at the start (0 right, 1 down, 2 left, 3 up).
    kwargs
        Passed to ``MiniGridEnv`` (``render_mode``, ``tile_size``, ...).

    ## Version History
    * v0: initial version.
    """

    def __init__(self, layout: Any = "two_routes", changes: Sequence[WallChange] | None = None,
                 max_steps: int = 200, agent_start_dir: int = 0, **kwargs: Any) -> None:
        if changes is None:
            changes = (WallChange(at_step=2000, layout="two_routes_blocked"),) if layout == "two_routes" else ()
        sched = WallSchedule(layout, changes)
        bordered = [WallChange(at_step=c.at_step, at_episode=c.at_episode, layout=_bordered(c.layout))
                    for c in sched.changes]
        self.schedule = WallSchedule(_bordered(sched.layouts[0]), bordered)
        self.agent_start_dir = _validate.integer(agent_start_dir, "agent_start_dir", low=0, high=3)
        self.total_steps, self.episode, self.layout_index, self._started = 0, 0, 0, False
        H, W = self.schedule.layouts[0].shape
        super().__init__(mission_space=MissionSpace(mission_func=self._gen_mission), width=W, height=H,
                         max_steps=max_steps, see_through_walls=True, **kwargs)

    @staticmethod
    def _gen_mission() -> str:
        return "get to the green goal square"

    def _gen_grid(self, width: int, height: int) -> None:
        self.grid = Grid(width, height)
        self._draw(self.layout)
        self.agent_pos = (self.layout.start[1], self.layout.start[0])
        self.agent_dir = self.agent_start_dir
        self.mission = self._gen_mission()

    def _draw(self, layout: Layout) -> None:
        for y in range(self.height):
            for x in range(self.width):
                obj = Wall() if layout.walls[y, x] else Goal() if layout.goals[y, x] else \
                    Lava() if layout.traps[y, x] else None
                self.grid.set(x, y, obj)

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        if seed is not None or not self._started:
            self.total_steps, self.episode, self._started = 0, 0, True
        else:
            self.episode += 1
        self.layout_index = self.schedule.index_at(self.total_steps, self.episode)
        obs, info = super().reset(seed=seed, options=options)
        return obs, {**info, "total_steps": self.total_steps, "episode": self.episode,
                     "layout_index": self.layout_index}

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = super().step(action)
        self.total_steps += 1
        before = self.layout_index
        self.layout_index = self.schedule.index_at(self.total_steps, self.episode)
        displaced = False
        if self.layout_index != before:
            self._draw(self.layout)
            L = self.layout
            x, y = (int(v) for v in self.agent_pos)
            if not terminated and (L.walls | L.terminal)[y, x]:
                free = ~(L.walls | L.terminal)
                yy, xx = np.divmod(np.arange(self.width * self.height), self.width)
                dist = np.where(free.ravel(), np.abs(yy - y) + np.abs(xx - x), np.iinfo(np.int64).max)
                ny, nx = divmod(int(np.argmin(dist)), self.width)
                self.agent_pos, displaced = (nx, ny), True
            obs = self.gen_obs()
        return obs, reward, terminated, truncated, {
            **info, "total_steps": self.total_steps, "episode": self.episode, "layout_index": self.layout_index,
            "layout_changed": self.layout_index != before, "displaced": displaced}

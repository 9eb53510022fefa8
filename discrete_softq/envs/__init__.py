"""Environments: gridworlds with changing walls, the MiniGrid bridge, the multi-goal task.

A gridworld's dynamics are tables (:class:`GridTables`, :mod:`.dynamics`, returned by
``GridWorld.tables()``): ``step()`` samples them, ``to_mdp()`` is built from them, and
:func:`~discrete_softq.agents.run_batched` steps many runs with them.

Importing this package registers with Gymnasium (entry points are strings, so neither
``minigrid`` nor the multi-goal module is imported until an environment is made):

==========================================  ====================================================
id                                          environment
==========================================  ====================================================
``discrete_softq/TwoRoutes-v0``             ``two_routes``; upper route blocked after 2000 steps
``discrete_softq/BlockingMaze-v0``          Sutton & Barto Ex. 8.2; wall moves after 1000 steps
``discrete_softq/ShortcutMaze-v0``          Sutton & Barto Ex. 8.3; shortcut opens after 3000 steps
``discrete_softq/OpenRoom-v0``              ``open_room``, no change
``discrete_softq/CorridorOrRoom-v0``        ``corridor_or_room`` (issue 14's one-step-entropy map)
``discrete_softq/MiniGrid-WallChange-v0``   ``two_routes`` built from MiniGrid objects
``discrete_softq/MultiGoal-v0``             the multi-goal point mass (Haarnoja et al. 2017)
==========================================  ====================================================

Every keyword of the environment (``changes``, ``slip``, ``step_reward``, ...) can be
overridden in ``gymnasium.make(id, **kwargs)``.

Time limits: every gridworld id truncates its episodes (the environment's ``max_steps``): 200
steps on ``TwoRoutes``, ``OpenRoom`` and ``CorridorOrRoom``, and :data:`MAZE_MAX_STEPS` = 1000 steps on the two
Sutton & Barto mazes (about 20 times their 54 cells and 60 times the longest shortest path, 16
steps). The book's mazes have no episode limit; the limit only ends an episode that has stopped
making progress, and ``gymnasium.make(id, max_steps=None)`` restores the book's setting.
"""

from __future__ import annotations

import gymnasium as gym

from .dynamics import GridTables
from .gridworld import Action, GridWorld, WallChange, WallSchedule
from .layouts import LAYOUTS, Layout, parse_layout
from .toy_text import from_gymnasium

__all__ = ["Action", "GridWorld", "GridTables", "from_gymnasium", "WallChange", "WallSchedule", "LAYOUTS", "Layout",
           "parse_layout", "ENV_IDS", "MAZE_MAX_STEPS"]

_GRID = "discrete_softq.envs.gridworld:GridWorld"
#: Episode limit of the registered Sutton & Barto mazes (see the module docstring).
MAZE_MAX_STEPS = 1000

#: Registered id -> (entry point, keyword arguments).
_SPECS: dict[str, tuple[str, dict]] = {
    "discrete_softq/TwoRoutes-v0": (_GRID, {
        "layout": "two_routes", "max_steps": 200,
        "changes": (WallChange(at_step=2000, layout="two_routes_blocked"),)}),
    "discrete_softq/BlockingMaze-v0": (_GRID, {
        "layout": "blocking_maze", "max_steps": MAZE_MAX_STEPS, "changes": (WallChange(at_step=1000, layout="blocking_maze_after"),)}),
    "discrete_softq/ShortcutMaze-v0": (_GRID, {
        "layout": "shortcut_maze", "max_steps": MAZE_MAX_STEPS, "changes": (WallChange(at_step=3000, layout="shortcut_maze_after"),)}),
    "discrete_softq/OpenRoom-v0": (_GRID, {"layout": "open_room", "max_steps": 200}),
    "discrete_softq/CorridorOrRoom-v0": (_GRID, {"layout": "corridor_or_room", "max_steps": 200,
                                                  "step_reward": -0.05}),
    "discrete_softq/MiniGrid-WallChange-v0": ("discrete_softq.envs.minigrid:WallChangeMiniGridEnv", {}),
    "discrete_softq/MultiGoal-v0": ("discrete_softq.envs.multigoal:MultiGoalEnv", {}),
}

#: Every id this package registers.
ENV_IDS: tuple[str, ...] = tuple(_SPECS)

for _id, (_entry, _kwargs) in _SPECS.items():
    if _id not in gym.registry:  # re-import (importlib.reload, notebooks) must not warn
        gym.register(id=_id, entry_point=_entry, kwargs=_kwargs)

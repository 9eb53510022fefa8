"""The maze-change study's fixed parts: maps, reward schemes, agents and their tuning grids.

Every agent gets the same tuning budget: 4 hyperparameter configurations (a 2 x 2 grid, or 4
step sizes for the epsilon = 0 control), each run on the same tuning seeds. Command-line values
(``--alpha``, ``--epsilon``, ``--lr``) replace the corresponding grid axis (``--alpha`` pins the
soft agents' temperature only: Boltzmann Q-learning keeps its own ``temperature`` axis, a constant
and an annealed schedule, :data:`BOLTZMANN_DECAY`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Mapping, TypedDict

import numpy as np

from ..agents import BoltzmannQLearning, DynaQ, QLearning, SoftDynaQ, SoftQLearning
from ..agents.schedules import ExponentialDecay
from ..envs import GridWorld, WallChange

__all__ = ["MazeSetup", "SETUPS", "REWARDS", "AgentSpec", "AGENTS", "DEFAULT_AGENTS", "GAMMA", "BOLTZMANN_DECAY",
           "PRETRAIN_FACTOR", "make_env", "configurations", "make_agents"]

#: Discount of every agent (and of the exact models).
GAMMA = 0.95
#: "pretrained" condition: the change lands after this many times the book's pre-change steps.
PRETRAIN_FACTOR = 5
UNIFORM = np.full(4, 0.25)


@dataclass(frozen=True)
class MazeSetup:
    """A map before and after the change, the book's timing, the episode limit."""

    first: str
    after: str
    change_step: int
    post_steps: int
    max_steps: int | None


SETUPS: dict[str, MazeSetup] = {
    "two_routes": MazeSetup("two_routes", "two_routes_blocked", 2000, 2000, 200),
    "blocking_maze": MazeSetup("blocking_maze", "blocking_maze_after", 1000, 2000, None),
    "shortcut_maze": MazeSetup("shortcut_maze", "shortcut_maze_after", 3000, 3000, None),
}


class _RewardScheme(TypedDict):
    """The reward keywords of :class:`~discrete_softq.envs.GridWorld` that a scheme sets."""

    step_reward: float
    goal_reward: float


#: Reward schemes: +1 at the goal, and optionally a cost per step.
REWARDS: dict[str, _RewardScheme] = {
    "goal": {"step_reward": 0.0, "goal_reward": 1.0},
    "step": {"step_reward": -0.05, "goal_reward": 1.0},
}


@dataclass(frozen=True)
class AgentSpec:
    """An agent family: its class, fixed keywords and its tuning grid."""

    label: str
    cls: type
    fixed: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, tuple] = field(default_factory=dict)


_SOFT_GRID = {"alpha": (0.01, 0.05), "lr": (0.3, 0.9)}
_EPS_GRID = {"epsilon": (0.05, 0.2), "lr": (0.3, 0.9)}
#: The annealed temperature of Boltzmann Q-learning: from the soft grid's top (0.05) to below its bottom
#: (0.002), by 0.999 per update (0.009 at step 2000, where two_routes changes; 0.002 after pre-training).
BOLTZMANN_DECAY = ExponentialDecay(start=0.05, end=0.002, rate=0.999)
AGENTS: dict[str, AgentSpec] = {
    "soft": AgentSpec("soft Q (KL to uniform)", SoftQLearning, {"prior": UNIFORM}, _SOFT_GRID),
    "soft_shannon": AgentSpec("soft Q (Shannon)", SoftQLearning, {}, _SOFT_GRID),
    "q": AgentSpec("Q-learning", QLearning, {}, _EPS_GRID),
    "q_greedy": AgentSpec("Q-learning eps=0", QLearning, {"epsilon": 0.0}, {"lr": (0.1, 0.3, 0.6, 0.9)}),
    "dyna": AgentSpec("Dyna-Q", DynaQ, {"n_planning": 5}, _EPS_GRID),
    "dyna_plus": AgentSpec("Dyna-Q+", DynaQ, {"n_planning": 5, "kappa": 1e-3}, _EPS_GRID),
    "soft_dyna": AgentSpec("soft Dyna-Q (KL)", SoftDynaQ, {"n_planning": 5, "prior": UNIFORM}, _SOFT_GRID),
    "boltzmann": AgentSpec("Boltzmann Q-learning", BoltzmannQLearning, {},
                           {"temperature": (0.01, BOLTZMANN_DECAY), "lr": (0.3, 0.9)}),
}
DEFAULT_AGENTS = ("soft", "soft_shannon", "q", "q_greedy", "boltzmann", "dyna", "soft_dyna")


def make_env(layout: str, reward: str, change_step: int) -> GridWorld:
    """The gridworld of ``layout`` whose walls change after ``change_step`` steps.

    >>> env = make_env("two_routes", "step", change_step=100)
    >>> [c.at_step for c in env.changes], len(env.layouts)   # one change: the map before and after it
    ([100], 2)
    """
    if layout not in SETUPS:
        raise ValueError(f"layout must be one of {sorted(SETUPS)}; got {layout!r}")
    if reward not in REWARDS:
        raise ValueError(f"reward must be one of {sorted(REWARDS)}; got {reward!r}")
    setup = SETUPS[layout]
    return GridWorld(setup.first, changes=[WallChange(at_step=change_step, layout=setup.after)],
                     max_steps=setup.max_steps, gamma=GAMMA, **REWARDS[reward])


def configurations(spec: AgentSpec, overrides: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """The tuning grid of ``spec`` with the given hyperparameters pinned (``None`` = keep the axis).

    >>> len(configurations(AGENTS["soft"], {})), {p["lr"] for p in configurations(AGENTS["soft"], {"lr": 0.5})}
    (4, {0.5})
    """
    grid = {k: ((overrides[k],) if overrides.get(k) is not None else v) for k, v in spec.grid.items()}
    if spec.cls in (QLearning, DynaQ) and overrides.get("epsilon") is not None and "epsilon" not in spec.fixed:
        grid["epsilon"] = (overrides["epsilon"],)
    if "lr" not in grid and overrides.get("lr") is not None:
        grid["lr"] = (overrides["lr"],)
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def make_agents(spec: AgentSpec, params: Mapping[str, Any], seeds: list[int], n_states: int) -> list[Any]:
    """One fresh agent per seed with ``spec.fixed`` and ``params``.

    >>> agents = make_agents(AGENTS["q"], {"epsilon": 0.1, "lr": 0.5}, [0, 1], n_states=10)
    >>> [type(a).__name__ for a in agents]
    ['QLearning', 'QLearning']
    """
    return [spec.cls(n_states, 4, gamma=GAMMA, seed=s, **spec.fixed, **params) for s in seeds]

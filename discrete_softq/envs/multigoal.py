r"""The multi-goal point mass of Haarnoja et al. (2017), Figure 1, as a Gymnasium environment.

A point moves in the plane by bounded displacements; four goals sit at the ends of a cross.
Every goal is equally good, so the optimal maximum-entropy policy keeps all four routes open
from the origin, while a deterministic policy must pick one.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import ArrayLike, NDArray

from .. import _validate

__all__ = ["MultiGoalEnv", "GOALS"]

#: The paper's goal positions, shape (4, 2): east, west, north, south (read-only).
GOALS: NDArray[np.float64] = _validate.frozen([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0], [0.0, -5.0]])


def _points(position: ArrayLike, name: str) -> NDArray[np.float64]:
    """Finite real points of shape (..., 2)."""
    p = _validate.array(position, name, copy=False)
    if p.ndim == 0 or p.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., 2); got {p.shape}")
    return p


class MultiGoalEnv(gym.Env):
    r"""Point mass in :math:`[-7, 7]^2` with four goals (Haarnoja et al. 2017, Figure 1).

    ## Description
    The state is the position :math:`s \in [-7, 7]^2`; an action :math:`a \in [-1, 1]^2` is a
    displacement, :math:`s' = \mathrm{clip}(s + a + \sigma \varepsilon, -7, 7)` with
    :math:`\varepsilon \sim \mathcal N(0, I)` and :math:`\sigma` = ``dynamics_noise`` (0 by
    default: deterministic; the reference code's ``PointDynamics`` has this noise term). The goals
    sit at (5, 0), (-5, 0), (0, 5) and (0, -5). This follows the reference code of the paper (``softqlearning``'s
    ``MultiGoalEnv``), with the Gymnasium API.

    ## Action Space
    ``Box(-1, 1, (2,), float64)``. Actions outside the box are clipped before use (and the
    clipped action is the one that is charged).

    ## Observation Space
    ``Box(-7, 7, (2,), float64)``: the position.

    ## Starting State
    :math:`s_0 = 0.1\,\mathcal{N}(0, I)` (``init_sigma`` times a standard normal), clipped to the box.

    ## Rewards
    .. math::

        r(s, a, s') = -\bigl(c_a \|a\|^2 + c_d \min_g \|s' - g\|^2\bigr) + R_g\,[\min_g \|s' - g\| < d_g]

    with ``action_cost_coeff`` :math:`c_a = 30`, ``distance_cost_coeff`` :math:`c_d = 1`,
    ``goal_reward`` :math:`R_g = 10` and ``goal_threshold`` :math:`d_g = 1`.

    ## Episode End
    Terminated when :math:`s'` is within ``goal_threshold`` of a goal (``info["goal"]`` is its
    index 0..3, else -1); truncated after ``max_episode_steps`` = 30 steps.

    ## Arguments
    ``goals`` (shape (n_goals, 2), finite, inside the box), ``action_cost_coeff``,
    ``distance_cost_coeff``, ``goal_reward``, ``init_sigma``, ``dynamics_noise`` (each a finite
    real >= 0), ``goal_threshold``, ``bound`` (finite reals > 0; bound 7), ``max_episode_steps``
    (an int >= 1), ``render_mode`` (``"rgb_array"`` or None). Randomness (the start and the
    dynamics noise) comes from ``self.np_random``, seeded by ``reset(seed=...)``.

    ## References
    Haarnoja, Tang, Abbeel, Levine (2017), Reinforcement Learning with Deep Energy-Based
    Policies, Section 5.1 and Figure 1.

    ## Version History
    v0: the paper's task (``discrete_softq/MultiGoal-v0``); ``dynamics_noise`` added (default 0:
    the same episodes as before).

    Examples
    --------
    >>> env = MultiGoalEnv()
    >>> obs, info = env.reset(seed=0, options={"position": [0.0, 0.0]})
    >>> obs, reward, terminated, truncated, info = env.step([1.0, 0.0])
    >>> obs.tolist(), reward           # -(30 * |a|^2 + |(1, 0) - (5, 0)|^2)
    ([1.0, 0.0], -46.0)
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}  # noqa: RUF012  (the Gymnasium convention)

    def __init__(
        self,
        goals: ArrayLike | None = None,
        action_cost_coeff: float = 30.0,
        distance_cost_coeff: float = 1.0,
        goal_reward: float = 10.0,
        goal_threshold: float = 1.0,
        init_sigma: float = 0.1,
        max_episode_steps: int = 30,
        bound: float = 7.0,
        render_mode: str | None = None,
        dynamics_noise: float = 0.0,
    ) -> None:
        goals = GOALS if goals is None else _validate.array(goals, "goals", shape=(-1, 2))
        if goals.shape[0] == 0:
            raise ValueError("goals must hold at least one goal, shape (n_goals, 2); got shape (0, 2)")
        self.action_cost_coeff = _validate.real(action_cost_coeff, "action_cost_coeff", low=0.0)
        self.distance_cost_coeff = _validate.real(distance_cost_coeff, "distance_cost_coeff", low=0.0)
        self.goal_reward = _validate.real(goal_reward, "goal_reward", low=0.0)
        self.goal_threshold = _validate.real(goal_threshold, "goal_threshold", low=0.0, low_open=True)
        self.init_sigma = _validate.real(init_sigma, "init_sigma", low=0.0)
        self.dynamics_noise = _validate.real(dynamics_noise, "dynamics_noise", low=0.0)
        self.bound = _validate.real(bound, "bound", low=0.0, low_open=True)
        self.max_episode_steps = _validate.integer(max_episode_steps, "max_episode_steps", low=1)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'rgb_array'; got {render_mode!r}")
        if np.any(np.abs(goals) > self.bound):
            raise ValueError(f"goals must lie inside the box [-bound, bound]^2 = [-{self.bound}, {self.bound}]^2")
        self.goals = _validate.frozen(goals)
        self.render_mode = render_mode
        self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float64)
        self.observation_space = spaces.Box(-self.bound, self.bound, shape=(2,), dtype=np.float64)
        self.position = np.zeros(2)
        self.path: list[NDArray[np.float64]] = [self.position.copy()]
        self._steps = 0

    # ---------------------------------------------------------------- the model
    def reward(self, action: ArrayLike, next_position: ArrayLike) -> NDArray[np.float64]:
        r"""Reward without the goal bonus, :math:`-(c_a \|a\|^2 + c_d \min_g \|s' - g\|^2)`.

        Parameters
        ----------
        action : array_like of shape (..., 2)
            Actions, already clipped.
        next_position : array_like of shape (..., 2)
            Positions after the move.

        Returns
        -------
        ndarray of shape (...)
        """
        a = _points(action, "action")
        with np.errstate(over="ignore"):
            r = -(self.action_cost_coeff * np.sum(a**2, axis=-1)
                  + self.distance_cost_coeff * self.goal_distance(next_position) ** 2)
        if not np.all(np.isfinite(r)):
            raise ValueError("action_cost_coeff, distance_cost_coeff or the box (bound) are too large: "
                             "the reward overflows float64")
        return r

    def goal_distance(self, position: ArrayLike) -> NDArray[np.float64]:
        """Distance to the nearest goal, :math:`\\min_g \\|s - g\\|`; shape (...) for (..., 2)."""
        return np.min(self._distances(position), axis=-1)

    def goal_index(self, position: ArrayLike) -> NDArray[np.int64]:
        """Index of the goal within ``goal_threshold`` of ``position`` (..., 2), or -1."""
        d = self._distances(position)
        return np.where(np.min(d, axis=-1) < self.goal_threshold, np.argmin(d, axis=-1), -1)

    def _distances(self, position: ArrayLike) -> NDArray[np.float64]:
        """``|s - g|`` for every goal, shape (..., n_goals); by ``hypot`` where the squares overflow."""
        diff = _points(position, "position")[..., None, :] - self.goals
        with np.errstate(over="ignore"):
            d = np.linalg.norm(diff, axis=-1)
            if not np.all(np.isfinite(d)):
                d = np.hypot(diff[..., 0], diff[..., 1])
        if not np.all(np.isfinite(d)):
            raise ValueError("position is too far from the goals: the distance exceeds float64")
        return d

    # ---------------------------------------------------------------- gymnasium API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start at ``init_sigma * N(0, I)``; ``options={"position": (x, y)}`` starts there instead."""
        super().reset(seed=seed)
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"options must be None or a dict; got {type(options).__name__}")
        if options and "position" in options:
            start = _validate.array(options["position"], "options['position']", shape=(2,))
        else:
            start = self.init_sigma * self.np_random.standard_normal(2)
        self.position = np.clip(start, -self.bound, self.bound)
        self.path = [self.position.copy()]
        self._steps = 0
        return self.position.copy(), {"goal": -1}

    def step(self, action: ArrayLike):
        """Move by the clipped ``action`` (2 finite reals), plus ``dynamics_noise`` Gaussian noise."""
        a = _validate.array(action, "action").reshape(-1)
        if a.shape != (2,):
            raise ValueError(f"action must have 2 entries; got shape {np.shape(action)}")
        a = np.clip(a, -1.0, 1.0)
        moved = self.position + a
        if self.dynamics_noise > 0.0:
            moved += self.dynamics_noise * self.np_random.standard_normal(2)
        self.position = np.clip(moved, -self.bound, self.bound)
        self.path.append(self.position.copy())
        self._steps += 1
        goal = int(self.goal_index(self.position))
        terminated = goal >= 0
        reward = float(self.reward(a, self.position)) + (self.goal_reward if terminated else 0.0)
        truncated = (not terminated) and self._steps >= self.max_episode_steps
        return self.position.copy(), reward, terminated, truncated, {"goal": goal}

    def render(self) -> NDArray[np.uint8] | None:
        """An RGB image (H, W, 3): the cost landscape (darker = worse), goals, path and point."""
        if self.render_mode != "rgb_array":
            return None
        size = 256
        lin = self.bound * np.linspace(-1.0, 1.0, size)       # not linspace(-bound, bound): 2 * bound may overflow
        xx, yy = np.meshgrid(lin, lin[::-1])  # image rows run from +y (top) to -y
        grid = np.stack([xx, yy], axis=-1)
        distance = self.goal_distance(grid)
        shade = 1.0 - 0.7 * (distance / distance.max()) ** 2     # the distance cost, scaled to [0, 1]
        img = np.stack([shade * 0.95, shade * 0.95, shade], axis=-1)

        def to_pixel(p: NDArray[np.float64]) -> tuple[float, float]:
            scale = (size - 1) / 2 / self.bound
            return (self.bound - p[1]) * scale, (p[0] + self.bound) * scale

        rows, cols = np.mgrid[0:size, 0:size]

        def disk(p: NDArray[np.float64], radius: float, colour: tuple[float, float, float]) -> None:
            r, c = to_pixel(p)
            img[(rows - r) ** 2 + (cols - c) ** 2 <= radius**2] = colour

        pixel_threshold = min(self.goal_threshold / self.bound, 4.0) * (size - 1) / 2  # at most the image
        for g in self.goals:
            disk(g, pixel_threshold, (0.2, 0.7, 0.2))
        for p in self.path[:-1]:
            disk(p, 2.0, (0.3, 0.3, 0.9))
        disk(self.position, 5.0, (0.85, 0.1, 0.1))
        return (np.clip(img, 0.0, 1.0) * 255).astype(np.uint8)

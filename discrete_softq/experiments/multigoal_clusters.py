r"""Do sampled actions form the clusters of Haarnoja et al. (2017), Figure 1b? Two simple measures.

At a state :math:`s`, draw actions from a sampler and measure

* **goal sectors**: the share of actions whose direction lies within 22.5 degrees of the
  direction from :math:`s` to each goal (actions uniform on the square give 0.10 per axis goal);
* **modes**: the modes of a Gaussian kernel density of the actions, found by mean shift, each
  labelled with the goal it is aimed at (within 22.5 degrees) or none.

The paper's picture is "one mode per goal and none elsewhere" (:attr:`ActionClusters.clustered`):
four at the origin, two (North and East) at (2.5, 2.5) (:data:`CLUSTER_STATES`). Mode counting
alone is fooled by the tanh squashing, which piles samples into the corners of the square: the
aim of each mode is what tells goal clusters from corner clusters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import integer
from ..envs.multigoal import GOALS

__all__ = ["CLUSTER_STATES", "sector_shares", "mean_shift_modes", "ActionClusters", "action_clusters"]

#: States where :func:`action_clusters` looks for the paper's clusters, with the goals each should aim at:
#: all four at the origin; North and East at (2.5, 2.5).
CLUSTER_STATES = (((0.0, 0.0), (0, 1, 2, 3)), ((2.5, 2.5), (0, 2)))

def _directions(state: Any, goal_indices: Any) -> NDArray[np.float64]:
    """Angles (radians) from ``state`` to the chosen goals of the task."""
    d = np.asarray(GOALS)[list(goal_indices)] - np.asarray(state, dtype=float)
    return np.arctan2(d[:, 1], d[:, 0])


def sector_shares(state: Any, actions: Any, goal_indices: Any, half_width: float = np.pi / 8) -> NDArray[np.float64]:
    r"""Share of ``actions`` (n, 2) whose direction lies within ``half_width`` of the direction to each goal.

    With :math:`\theta_g` the angle from ``state`` to goal :math:`g`, the share is
    :math:`\frac1n \#\{i : |\angle a_i - \theta_g| \le w\}`, shape (n_goals,). For actions uniform
    on the square and a goal on an axis, the :math:`\pm 22.5°` default gives :math:`\tan(22.5°)/4 = 0.104`.

    >>> sector_shares((0, 0), [[1.0, 0.1], [0.0, -1.0], [0.7, 0.7]], (0, 3)).tolist()   # E, S; 45° is neither
    [0.3333333333333333, 0.3333333333333333]
    """
    a = np.asarray(actions, dtype=float).reshape(-1, 2)
    gap = np.arctan2(a[:, 1], a[:, 0])[:, None] - _directions(state, goal_indices)[None, :]
    return np.mean(np.abs((gap + np.pi) % (2 * np.pi) - np.pi) <= half_width, axis=0)


def mean_shift_modes(points: Any, bandwidth: float = 0.25, min_share: float = 0.1,
                     max_iter: int = 300) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Modes of a Gaussian kernel density of ``points`` (n, 2) by mean shift, with the share of points each attracts.

    Every point climbs the density, :math:`m \leftarrow \sum_i k(m - x_i) x_i / \sum_i k(m - x_i)`,
    :math:`k(u) = e^{-\|u\|^2 / 2h^2}`; end points closer than :math:`h/2` are one mode. Modes with
    fewer than ``min_share`` of the points are dropped. Returns ``(centres (k, 2), shares (k,))``,
    largest first.

    >>> rng = np.random.default_rng(0)
    >>> two = np.concatenate([rng.normal(-0.5, 0.05, (50, 2)), rng.normal(0.5, 0.05, (50, 2))])
    >>> np.round(mean_shift_modes(two)[1], 2).tolist()
    [0.5, 0.5]
    """
    x = np.asarray(points, dtype=float).reshape(-1, 2)
    m = x.copy()
    for _ in range(integer(max_iter, "max_iter", low=1)):
        w = np.exp(-0.5 * np.sum((m[:, None, :] - x[None, :, :]) ** 2, axis=-1) / bandwidth**2)
        new = w @ x / w.sum(axis=1, keepdims=True)
        done = np.max(np.abs(new - m)) < 1e-6
        m = new
        if done:
            break
    centres: list[NDArray[np.float64]] = []
    labels = np.empty(len(x), dtype=int)
    for i, p in enumerate(m):
        near = [k for k, c in enumerate(centres) if np.linalg.norm(p - c) < bandwidth / 2]
        labels[i] = near[0] if near else len(centres)
        if not near:
            centres.append(p)
    shares = np.bincount(labels, minlength=len(centres)) / len(x)
    order = [k for k in np.argsort(-shares, kind="stable") if shares[k] >= min_share]
    return np.array(centres).reshape(-1, 2)[order], shares[order]


@dataclass(frozen=True, eq=False)
class ActionClusters:
    """Where a sampler's actions at one state point: goal sectors and mean-shift modes.

    Attributes
    ----------
    state : tuple of float
    goal_indices : tuple of int
        The goals the actions should aim at (indices into ``GOALS``: E, W, N, S = 0..3).
    actions : ndarray of shape (n, 2)
    sector_shares : ndarray of shape (len(goal_indices),)
        :func:`sector_shares` within 22.5 degrees of each goal direction.
    mode_centres : ndarray of shape (k, 2)
    mode_shares : ndarray of shape (k,)
        :func:`mean_shift_modes` of the actions.
    mode_goals : ndarray of shape (k,)
        The goal (of ``goal_indices``) within 22.5 degrees of each mode's direction, -1 for none.
    """

    state: tuple[float, float]
    goal_indices: tuple[int, ...]
    actions: NDArray[np.float64]
    sector_shares: NDArray[np.float64]
    mode_centres: NDArray[np.float64]
    mode_shares: NDArray[np.float64]
    mode_goals: NDArray[np.int64]

    @property
    def goals_with_a_mode(self) -> int:
        """How many of the target goals have a mode aimed at them."""
        return len(set(self.mode_goals.tolist()) - {-1})

    @property
    def clustered(self) -> bool:
        """True when every target goal has its own mode and no mode points elsewhere."""
        return self.goals_with_a_mode == len(self.goal_indices) == len(self.mode_goals)

    def report(self) -> str:
        """One line: sector shares per goal, the modes and the goal each is aimed at."""
        names = "EWNS"
        sectors = ", ".join(f"{names[g]} {s:.2f}" for g, s in zip(self.goal_indices, self.sector_shares))
        modes = ", ".join(f"{names[g] if g >= 0 else '-'} {s:.2f}" for g, s in zip(self.mode_goals, self.mode_shares))
        return (f"s = {self.state}: within 22.5 deg of {sectors} (uniform: 0.10 each); "
                f"{len(self.mode_goals)} modes (aim share: {modes}); clusters as the paper: {self.clustered}")


def action_clusters(agent: Any, state: Any, goal_indices: Any, n_samples: int = 500) -> ActionClusters:
    """Sample ``n_samples`` actions of ``agent.sample_actions`` at ``state`` and measure their clusters.

    >>> class East:                                   # a sampler whose actions all point east
    ...     def sample_actions(self, obs, n):
    ...         return np.tile([0.6, 0.0], (n, 1)) + 0.05 * np.random.default_rng(0).normal(size=(n, 2))
    >>> res = action_clusters(East(), (0.0, 0.0), (0, 1, 2, 3))
    >>> res.mode_goals.tolist(), res.goals_with_a_mode, res.clustered
    ([0], 1, False)
    """
    state = tuple(float(v) for v in state)
    goal_indices = tuple(int(g) for g in goal_indices)
    actions = np.asarray(agent.sample_actions(np.asarray(state), integer(n_samples, "n_samples", low=2)), dtype=float)
    centres, shares = mean_shift_modes(actions)
    targets = np.asarray(goal_indices)
    gap = np.abs((np.arctan2(centres[:, 1], centres[:, 0])[:, None] - _directions(state, goal_indices)
                  + np.pi) % (2 * np.pi) - np.pi).reshape(len(centres), len(targets))
    mode_goals = np.array([targets[np.argmin(g)] if g.min() <= np.pi / 8 else -1 for g in gap], dtype=int)
    return ActionClusters(state, goal_indices, actions, sector_shares(state, actions, goal_indices),
                          centres, shares, mode_goals)



"""Figures of the continuous module: the multi-goal task, Q over the action square, SVGD densities.

Every function draws on a given ``ax`` and returns the artists it made; none calls ``plt.show``.
The numbers come in ready-made (rollouts, Q on a grid, particles): plotting computes nothing
beyond evaluating the environment's own cost map for the background.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle
from numpy.typing import ArrayLike

__all__ = [
    "plot_multigoal_rollouts",
    "plot_action_q_contours",
    "plot_particle_density",
    "plot_particles_2d",
    "plot_multigoal_study",
]

_GOAL_NAMES = ("E", "W", "N", "S")


def plot_multigoal_rollouts(ax: Axes, env: Any, paths: Sequence[ArrayLike] = (), goals: ArrayLike | None = None,
                            title: str = "Multi-goal rollouts", resolution: int = 150) -> list[Any]:
    """The reward landscape (distance cost) with the goals and trajectories (Figure 1, left).

    Parameters
    ----------
    ax : matplotlib Axes
    env : MultiGoalEnv
        Supplies ``goals``, ``goal_threshold``, ``bound``, ``distance_cost_coeff`` and ``goal_distance``.
    paths : sequence of array_like of shape (T_i + 1, 2)
        Trajectories to draw.
    goals : array_like of shape (n_paths,), optional
        Goal index per path (-1 none); paths are coloured by it when given.
    title : str
    resolution : int
        Grid points per axis of the background.

    Returns
    -------
    list of artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> from discrete_softq.envs.multigoal import MultiGoalEnv
    >>> len(plot_multigoal_rollouts(ax, MultiGoalEnv(), [np.zeros((3, 2))], [0], resolution=20)) > 0
    True
    >>> plt.close(fig)
    """
    lin = np.linspace(-env.bound, env.bound, resolution)
    xx, yy = np.meshgrid(lin, lin)
    cost = -env.distance_cost_coeff * env.goal_distance(np.stack([xx, yy], axis=-1)) ** 2
    artists: list[Any] = [ax.contourf(xx, yy, cost, levels=20, cmap="Greys_r", alpha=0.6)]
    colours = [f"C{k}" for k in range(len(env.goals))]
    for path_index, path in enumerate(paths):
        path = np.asarray(path)
        g = -1 if goals is None else int(np.asarray(goals)[path_index])
        artists += ax.plot(path[:, 0], path[:, 1], color=colours[g] if g >= 0 else "0.3", lw=0.8, alpha=0.7)
    for k, g in enumerate(env.goals):
        circle = Circle(g, env.goal_threshold, facecolor="none", edgecolor=colours[k], lw=2,
                        label=f"goal {_GOAL_NAMES[k] if k < 4 else k}")
        artists.append(ax.add_patch(circle))
    artists += ax.plot([0], [0], "r*", ms=10, label="start")
    ax.set(xlim=(-env.bound, env.bound), ylim=(-env.bound, env.bound), aspect="equal",
           xlabel="$x$", ylabel="$y$", title=title)
    ax.legend(loc="upper right", fontsize=7)
    return artists


def plot_action_q_contours(ax: Axes, action_grid: ArrayLike, q_grid: ArrayLike, actions: ArrayLike | None = None,
                           title: str = "Q over actions", actions_label: str = "sampled actions") -> list[Any]:
    """Contours of :math:`Q(s, \\cdot)` over the action square with sampled actions (Figure 1, right).

    Parameters
    ----------
    ax : matplotlib Axes
    action_grid : array_like of shape (n, n, 2)
        Actions at which Q was evaluated (a meshgrid stacked on the last axis).
    q_grid : array_like of shape (n, n)
        Q at those actions.
    actions : array_like of shape (m, 2), optional
        Sampled actions, drawn as dots (a single action is drawn as a large cross).
    title, actions_label : str

    Returns
    -------
    list of artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> lin = np.linspace(-1, 1, 5)
    >>> grid = np.stack(np.meshgrid(lin, lin), axis=-1)
    >>> len(plot_action_q_contours(ax, grid, -np.sum(grid ** 2, axis=-1), np.zeros((4, 2))))   # contours, dots
    2
    >>> plt.close(fig)
    """
    grid, q = np.asarray(action_grid), np.asarray(q_grid)
    contour = ax.contour(grid[..., 0], grid[..., 1], q, levels=20, cmap="viridis")
    artists: list[Any] = [contour]
    ax.clabel(contour, inline=True, fontsize=6, fmt="%.0f")
    if actions is not None:
        a = np.asarray(actions).reshape(-1, 2)
        style: dict[str, Any] = {"marker": "x", "ms": 12, "mew": 3} if len(a) == 1 else {"marker": ".", "ms": 3}
        artists += ax.plot(a[:, 0], a[:, 1], "k", ls="none", label=actions_label, **style)
        ax.legend(loc="lower right", fontsize=7, markerscale=0.4 if len(a) == 1 else 1.0)
    ax.set(xlim=(-1, 1), ylim=(-1, 1), aspect="equal", xlabel="$a_x$", ylabel="$a_y$", title=title)
    return artists


def plot_particle_density(ax: Axes, particles: ArrayLike, grid: ArrayLike, target_density: ArrayLike,
                          label: str = "particles", title: str = "SVGD particles against the target",
                          bins: int = 30, show_target: bool = True) -> list[Any]:
    """Histogram of 1-D particles (density) against the target density on a grid.

    Parameters
    ----------
    ax : matplotlib Axes
    particles : array_like of shape (n,) or (n, 1)
    grid : array_like of shape (g,)
    target_density : array_like of shape (g,)
        The normalised target evaluated on ``grid``.
    label, title : str
    bins : int
    show_target : bool
        Draw the target curve (turn off when overlaying several snapshots).

    Returns
    -------
    list of artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> g = np.linspace(-3, 3, 7)
    >>> len(plot_particle_density(ax, np.arange(10.0), g, np.exp(-g ** 2))) > 0
    True
    >>> plt.close(fig)
    """
    x = np.asarray(particles).reshape(-1)
    artists: list[Any] = []
    _, _, patches = ax.hist(x, bins=bins, density=True, alpha=0.45, label=label)
    artists.append(patches)
    if show_target:
        artists += ax.plot(grid, target_density, "k-", lw=2, label="target $p(x)$")
    ax.set(xlabel="$x$", ylabel="density", title=title)
    ax.legend(fontsize=7)
    return artists


def plot_particles_2d(ax: Axes, particles: ArrayLike, grid_x: ArrayLike, grid_y: ArrayLike, density: ArrayLike,
                      label: str = "particles", title: str = "SVGD on a 2-D target") -> list[Any]:
    """2-D particles over filled contours of the target density.

    Parameters
    ----------
    ax : matplotlib Axes
    particles : array_like of shape (n, 2)
    grid_x, grid_y : array_like of shape (g, g)
        Meshgrid of the plane.
    density : array_like of shape (g, g)
        Target density (unnormalised is fine) on the grid.
    label, title : str

    Returns
    -------
    list of artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> g = np.linspace(-3, 3, 7)
    >>> gx, gy = np.meshgrid(g, g)
    >>> len(plot_particles_2d(ax, np.zeros((3, 2)), gx, gy, np.exp(-gx ** 2 - gy ** 2))) > 0
    True
    >>> plt.close(fig)
    """
    p = np.asarray(particles)
    artists: list[Any] = [ax.contourf(grid_x, grid_y, density, levels=15, cmap="Blues")]
    artists += ax.plot(p[:, 0], p[:, 1], "r.", ms=4, label=label)
    ax.set(aspect="equal", xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.legend(loc="upper right", fontsize=7)
    return artists


#: Row titles of :func:`plot_multigoal_study`, per agent name.
AGENT_LABELS = {"sql": ("soft Q-learning (sampled actions)", "sampled actions"),
                "ddpg": ("DDPG (deterministic policy)", "deterministic action")}


def plot_multigoal_study(axes: Any, comparison: Any, env: Any) -> list[Any]:
    """One row per agent of a :class:`~discrete_softq.experiments.multigoal.MultiGoalComparison`.

    Each row: the rollouts over the reward landscape, then Q(s, .) over the action square at each
    figure state with the agent's actions there.

    Parameters
    ----------
    axes : array of matplotlib.axes.Axes of shape (n_agents, 1 + n_states)
    comparison : MultiGoalComparison
    env : MultiGoalEnv
        Its reward landscape is the background of the rollouts.

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.envs.multigoal import MultiGoalEnv
    >>> from discrete_softq.experiments.multigoal import compare_multigoal
    >>> fig, axes = plt.subplots(2, 4)
    >>> artists = plot_multigoal_study(axes, compare_multigoal(n_steps=20, n_rollouts=1, n_samples=2), MultiGoalEnv())
    >>> axes[1, 1].get_title()
    'DDPG: Q(s, a) at s = (-2.5, 0.0)'
    >>> plt.close(fig)
    """
    artists: list[Any] = []
    clusters = {k.state: k for k in getattr(comparison, "clusters", ())}
    for row, (name, res) in enumerate(comparison.results.items()):
        label, what = AGENT_LABELS.get(name, (name, "actions"))
        artists += plot_multigoal_rollouts(axes[row, 0], env, res.rollouts.paths, res.rollouts.goals,
                                           title=f"{label}\nhits E,W,N,S = {res.goal_counts.tolist()}, "
                                                 f"mean return {res.rollouts.returns.mean():.0f}")
        for col, c in enumerate(comparison.contours[name], start=1):
            title = f"{name.upper()}: Q(s, a) at s = {c.state}"
            k = clusters.get(tuple(float(v) for v in c.state)) if name == "sql" else None
            if k is not None:
                title += (f"\nmodes aimed at {k.goals_with_a_mode}/{len(k.goal_indices)} goals, "
                          f"{len(k.mode_goals)} modes")
            artists += plot_action_q_contours(axes[row, col], c.action_grid, c.q_grid, c.actions, actions_label=what,
                                              title=title)
    return artists

"""Figures of the maze-change study: cumulative reward with CI bands, visitation before/after.

The numbers come from :func:`discrete_softq.experiments.maze_change.run_maze_change`; nothing
here computes statistics. The heat maps use :func:`discrete_softq.plotting.gridworld.plot_visitation`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .bands import plot_mean_with_bands
from .gridworld import plot_visitation

__all__ = ["plot_cumulative_reward", "plot_visitation_before_after", "plot_maze_change"]


def plot_cumulative_reward(ax: Axes, steps: ArrayLike, curves: Mapping[str, tuple[ArrayLike, ArrayLike, ArrayLike]],
                           change_step: int, *, title: str = "cumulative reward",
                           xlabel: str = "environment steps", ylabel: str = "cumulative reward") -> list[Any]:
    """Mean cumulative reward per agent with its 95% band, and the wall change as a vertical line.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    steps : ndarray of shape (n,)
        Step counts of the curve points.
    curves : mapping of str to (mean, low, high), each of shape (n,)
        Agent label -> mean over seeds and the bootstrap band.
    change_step : int
        Where the walls changed.
    title, xlabel, ylabel : str

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> curves = {"soft": ([0, 1, 2], [0, 0.5, 1.5], [0, 1.5, 2.5])}
    >>> artists = plot_cumulative_reward(ax, [1, 2, 3], curves, change_step=2)
    >>> ax.get_legend() is not None
    True
    >>> plt.close(fig)
    """
    artists = plot_mean_with_bands(ax, steps, curves)
    artists.append(ax.axvline(change_step, color="k", ls="--", lw=1, label="wall change"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="x-small", loc="best")
    return artists


def plot_visitation_before_after(ax_before: Axes, ax_after: Axes, before: ArrayLike, after: ArrayLike,
                                 layouts: tuple[Any, Any], label: str) -> list[Any]:
    """Two visitation heat maps of one agent: just before the change (old walls) and at the end (new walls).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, (a0, a1) = plt.subplots(1, 2)
    >>> artists = plot_visitation_before_after(a0, a1, [5, 1, 0, 0], [1, 1, 1, 0], (["S..G"], ["S..G"]), "soft")
    >>> a0.get_title(), a1.get_title()
    ('soft: before', 'soft: well after')
    >>> plt.close(fig)
    """
    artists = plot_visitation(ax_before, before, layouts[0], title=f"{label}: before", colorbar=False)
    artists += plot_visitation(ax_after, after, layouts[1], title=f"{label}: well after", colorbar=False)
    return artists


def plot_maze_change(fig: Figure, result: Any, condition: str | None = None) -> list[Axes]:
    """The whole figure: a cumulative-reward panel per condition, then per agent two heat maps.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    result : MazeChangeResult
    condition : str, optional
        Condition whose heat maps are drawn (default: the first).

    Returns
    -------
    list of matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.maze_change import run_maze_change
    >>> res = run_maze_change("two_routes", ("q",), ("fixed",), n_seeds=2, n_tune_seeds=1, change_step=50,
    ...                       post_steps=50)
    >>> fig = plt.figure()
    >>> len(plot_maze_change(fig, res))   # the reward panel, two heat maps
    3
    >>> plt.close(fig)
    """
    conditions = list(result.results)
    condition = condition or conditions[0]
    agents = list(result.results[condition])
    n_rows = 1 + math.ceil(len(agents) / 2)
    grid = fig.add_gridspec(n_rows, 4, height_ratios=[1.6] + [1.0] * (n_rows - 1))
    axes = []
    width = 4 // len(conditions)
    for j, cond in enumerate(conditions):
        ax = fig.add_subplot(grid[0, j * width:(j + 1) * width])
        res = result.results[cond]
        first = next(iter(res.values()))
        plot_cumulative_reward(ax, first.curve_steps, {r.label: r.curve for r in res.values()}, first.change_step,
                               title=f"{result.layout}, {cond} change (reward: {result.reward}; 95% CI)")
        axes.append(ax)
    for i, name in enumerate(agents):
        r = result.results[condition][name]
        row, col = 1 + i // 2, 2 * (i % 2)
        a0, a1 = fig.add_subplot(grid[row, col]), fig.add_subplot(grid[row, col + 1])
        plot_visitation_before_after(a0, a1, r.visits_before, r.visits_after, result.layouts, r.label)
        for a in (a0, a1):
            a.title.set_fontsize("small")
            a.set_xlabel("")
            a.set_ylabel("")
        axes += [a0, a1]
    fig.suptitle(f"Does the max-ent agent adapt faster when the walls change? (visits: {condition} condition, "
                 "mean over seeds)", fontsize="medium")
    return axes

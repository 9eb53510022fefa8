"""The regime map of the exact solvers (``benchmarks/bench_solve.py``); plotting only, no computing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from numpy.typing import ArrayLike

__all__ = ["plot_ratio_map", "plot_best_solver_map"]

#: Colour of each solver in the best-solver map (unconverged cells are grey).
SOLVER_COLOURS = {"soft_value_iteration": "#4c72b0", "soft_policy_iteration": "#dd8452", "none": "#bbbbbb"}


def _axes(ax: Axes, rows: Sequence[str], gammas: Sequence[float]) -> None:
    ax.set_xticks(range(len(gammas)), [f"{g:g}" for g in gammas])
    ax.set_yticks(range(len(rows)), list(rows))
    ax.set_xlabel("discount gamma")


def plot_ratio_map(ax: Axes, rows: Sequence[str], gammas: Sequence[float], ratio: ArrayLike,
                   limit: float = 1.5) -> Any:
    """Heat map of ``solve()``'s time over the best solver's, one cell per (MDP, gamma), values printed.

    Parameters
    ----------
    ax : Axes
    rows, gammas : sequences
        Row labels (MDPs) and column labels (discounts).
    ratio : array of shape (len(rows), len(gammas))
        Measured ratios; NaN where no solver converged or the cell was not run.
    limit : float
        The target ratio, drawn as the colour scale's midpoint.

    Returns
    -------
    The image artist (for a colour bar).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = plot_ratio_map(ax, ["grid 10x10"], [0.9, 0.99], [[1.0, 1.2]])
    >>> ax.get_xlabel()
    'discount gamma'
    >>> plt.close(fig)
    """
    ratio = np.asarray(ratio, dtype=float)
    image = ax.imshow(ratio, cmap="RdYlGn_r", vmin=0.5, vmax=2 * limit - 0.5, aspect="auto")
    for (i, j), value in np.ndenumerate(ratio):
        ax.text(j, i, "-" if np.isnan(value) else f"{value:.2f}", ha="center", va="center", fontsize=7)
    _axes(ax, rows, gammas)
    ax.set_title(f"solve() time / best solver's time (target <= {limit:g})")
    return image


def plot_best_solver_map(ax: Axes, rows: Sequence[str], gammas: Sequence[float], best: Sequence[Sequence[str]]) -> Any:
    """Categorical map of the fastest solver per (MDP, gamma) cell, with a legend.

    Parameters
    ----------
    ax : Axes
    rows, gammas : sequences
    best : nested sequence of str, shape (len(rows), len(gammas))
        Keys of :data:`SOLVER_COLOURS` (``"none"`` where nothing converged or the cell was not run).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = plot_best_solver_map(ax, ["Taxi"], [0.9, 0.99], [["soft_value_iteration", "soft_policy_iteration"]])
    >>> len(ax.get_legend().get_texts())
    3
    >>> plt.close(fig)
    """
    names = list(SOLVER_COLOURS)
    codes = np.array([[names.index(b) for b in row] for row in best], dtype=float)
    cmap = ListedColormap([SOLVER_COLOURS[n] for n in names])
    image = ax.imshow(codes, cmap=cmap, norm=BoundaryNorm(np.arange(len(names) + 1) - 0.5, len(names)), aspect="auto")
    _axes(ax, rows, gammas)
    handles = [ax.scatter([], [], marker="s", color=SOLVER_COLOURS[n], label=n.replace("soft_", "soft ").replace("_", " "))
               for n in names]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    ax.set_title("fastest solver")
    return image

"""Figures over a gridworld map: the layout, values, policy arrows, policy entropy, visitation.

Every helper takes a matplotlib ``ax`` and a map (a :class:`~discrete_softq.envs.layouts.Layout`,
a ``LAYOUTS`` key or a list of rows; use ``env.layout`` for the walls in force), draws walls on
top, and returns the artists it made. Per-state arrays are indexed like the environment's
observations: ``s = row * n_cols + col`` (shape ``(n_rows * n_cols,)`` or ``(n_rows * n_cols, 4)``).
Nothing here computes anything beyond reshaping (policy entropy comes from
:func:`discrete_softq.policy_entropy`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, LogNorm
from numpy.typing import ArrayLike

from discrete_softq.envs.gridworld import DELTAS
from discrete_softq.envs.layouts import Layout, parse_layout
from discrete_softq.soft import policy_entropy

__all__ = ["plot_layout", "plot_values", "plot_policy_arrows", "plot_policy_entropy", "plot_visitation"]

WALL_COLOUR = "#404040"
GOAL_COLOUR = "#3cb44b"
TRAP_COLOUR = "#dc3232"


def _grid(values: ArrayLike, L: Layout, name: str, trailing: tuple[int, ...] = ()) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    H, W = L.shape
    if v.shape not in ((H * W,) + trailing, (H, W) + trailing):
        raise ValueError(f"{name} must have shape {(H * W,) + trailing} (one entry per cell); got {v.shape}")
    return v.reshape((H, W) + trailing)


def _frame(ax: Axes, L: Layout, title: str) -> None:
    H, W = L.shape
    ax.set_xlim(-0.5, W - 0.5)
    ax.set_ylim(H - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title)


def plot_layout(ax: Axes, layout: Any, *, title: str = "layout", labels: bool = True) -> list[Any]:
    """Draw the map: walls dark, goals green, traps red, and the letters ``S``/``G``/``T``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layout : Layout, str or list of str
    title : str
    labels : bool
        Write ``S``, ``G`` and ``T`` in their cells.

    Returns
    -------
    list of matplotlib artists
        The image of the cells, then the text labels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> artists = plot_layout(ax, ["S.#G"], title="a corridor")
    >>> ax.get_title()
    'a corridor'
    >>> plt.close(fig)
    """
    L = parse_layout(layout)
    kind = np.zeros(L.shape, dtype=int)
    kind[L.walls], kind[L.goals], kind[L.traps] = 1, 2, 3
    cmap = ListedColormap(["white", WALL_COLOUR, GOAL_COLOUR, TRAP_COLOUR])
    artists: list[Any] = [ax.imshow(kind, cmap=cmap, vmin=-0.5, vmax=3.5, interpolation="nearest")]
    if labels:
        artists += _letters(ax, L)
    _frame(ax, L, title)
    return artists


def _letters(ax: Axes, L: Layout) -> list[Any]:
    out = [ax.text(L.start[1], L.start[0], "S", ha="center", va="center", fontweight="bold")]
    for mask, letter in ((L.goals, "G"), (L.traps, "T")):
        for r, c in np.argwhere(mask):
            out.append(ax.text(c, r, letter, ha="center", va="center", fontweight="bold", color="white"))
    return out


def _walls(ax: Axes, L: Layout) -> Any:
    rgba = np.zeros(L.shape + (4,))
    rgba[L.walls] = (0.25, 0.25, 0.25, 1.0)
    return ax.imshow(rgba, interpolation="nearest")


def _heat(ax: Axes, grid: np.ndarray, L: Layout, *, title: str, label: str, cmap: str,
          colorbar: bool, norm: Any = None, mask: Any = None) -> list[Any]:
    masked = np.ma.masked_array(grid, mask=L.walls if mask is None else mask)
    im = ax.imshow(masked, cmap=cmap, norm=norm, interpolation="nearest")
    artists: list[Any] = [im, _walls(ax, L)] + _letters(ax, L)
    if colorbar:
        artists.append(ax.figure.colorbar(im, ax=ax, label=label))
    _frame(ax, L, title)
    return artists


def plot_values(ax: Axes, values: ArrayLike, layout: Any, *, title: str = "soft state values V(s)",
                cmap: str = "viridis", colorbar: bool = True, annotate: bool = False) -> list[Any]:
    """Heat map of state values over the grid, walls drawn on top.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : ndarray of shape (n_rows * n_cols,) or (n_rows, n_cols)
        E.g. ``SoftSolution.V``.
    layout : Layout, str or list of str
    title, cmap : str
    colorbar : bool
    annotate : bool
        Write each value in its cell (small grids).

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> artists = plot_values(ax, [0.0, 1.0, 2.0, 0.0], ["S..G"])
    >>> ax.get_title()
    'soft state values V(s)'
    >>> plt.close(fig)
    """
    L = parse_layout(layout)
    grid = _grid(values, L, "values")
    artists = _heat(ax, grid, L, title=title, label="value", cmap=cmap, colorbar=colorbar)
    if annotate:
        for r, c in np.argwhere(~L.walls):
            artists.append(ax.text(c, r, f"{grid[r, c]:.2f}", ha="center", va="bottom", fontsize=6))
    return artists


def plot_policy_arrows(ax: Axes, policy: ArrayLike, layout: Any, *, title: str = "policy pi(a|s)",
                       min_prob: float = 0.05, show_probs: bool = False, color: str = "black") -> list[Any]:
    """One arrow per action from each cell centre, its length proportional to ``pi(a|s)``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    policy : ndarray of shape (n_rows * n_cols, 4) or (n_rows, n_cols, 4)
        Action probabilities in :class:`~discrete_softq.envs.Action` order (up, right, down, left).
    layout : Layout, str or list of str
        Walls, goals and traps get no arrows.
    title : str
    min_prob : float
        Arrows for smaller probabilities are left out.
    show_probs : bool
        Write each drawn probability at the tip of its arrow.
    color : str

    Returns
    -------
    list of matplotlib artists
        The layout image, the quiver, then any labels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_policy_arrows(ax, np.full((4, 4), 0.25), ["S..G"])) > 0
    True
    >>> plt.close(fig)
    """
    L = parse_layout(layout)
    pi = _grid(policy, L, "policy", (4,))
    artists = plot_layout(ax, L, title=title)
    keep = ~(L.walls | L.terminal)
    xs, ys, us, vs, probs = [], [], [], [], []
    for a, (dr, dc) in DELTAS.items():
        for r, c in np.argwhere(keep & (pi[..., a] >= min_prob)):
            p = pi[r, c, a]
            xs.append(c)
            ys.append(r)
            us.append(0.45 * p * dc)
            vs.append(0.45 * p * dr)
            probs.append(p)
    artists.append(ax.quiver(xs, ys, us, vs, angles="xy", scale_units="xy", scale=1, color=color,
                             width=0.006, label="pi(a|s) (arrow length)"))
    if show_probs:
        for x, y, u, v, p in zip(xs, ys, us, vs, probs):
            artists.append(ax.text(x + u * 1.4, y + v * 1.4, f"{p:.2f}", ha="center", va="center", fontsize=5))
    ax.set_xlabel(f"{ax.get_xlabel()}   (arrow length = pi(a|s))".strip())
    return artists


def plot_policy_entropy(ax: Axes, policy: ArrayLike, layout: Any, *,
                        title: str = "policy entropy H(pi(.|s))",
                        cmap: str = "magma", colorbar: bool = True) -> list[Any]:
    """Heat map of the entropy of ``pi(.|s)`` (nats; at most log 4) over the grid.

    Walls, goals and traps (where nobody acts) are left blank.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    policy : ndarray of shape (n_rows * n_cols, 4) or (n_rows, n_cols, 4)
    layout : Layout, str or list of str
    title, cmap : str
    colorbar : bool

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_policy_entropy(ax, np.full((4, 4), 0.25), ["S..G"])) > 0
    True
    >>> plt.close(fig)
    """
    L = parse_layout(layout)
    pi = _grid(policy, L, "policy", (4,))
    H = policy_entropy(pi.reshape(-1, 4)).reshape(L.shape)
    artists = _heat(ax, H, L, title=title, label="entropy (nats)", cmap=cmap, colorbar=colorbar,
                    mask=L.walls | L.terminal)
    artists[0].set_clim(0.0, np.log(4))
    return artists


def plot_visitation(ax: Axes, counts: ArrayLike, layout: Any, *, title: str = "state visitation counts",
                    cmap: str = "Blues", log: bool = True, colorbar: bool = True) -> list[Any]:
    """Heat map of how often each cell was visited.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    counts : ndarray of shape (n_rows * n_cols,) or (n_rows, n_cols)
        Non-negative counts, e.g. ``np.bincount(states, minlength=env.n_states)``.
    layout : Layout, str or list of str
    title, cmap : str
    log : bool
        Logarithmic colour scale (unvisited cells left blank).
    colorbar : bool

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_visitation(ax, [5, 3, 1, 0], ["S..G"])) > 0
    True
    >>> plt.close(fig)
    """
    L = parse_layout(layout)
    grid = _grid(counts, L, "counts")
    if np.any(grid < 0) or not np.all(np.isfinite(grid)):
        raise ValueError("counts must be finite and non-negative")
    norm = None
    if log:
        grid = np.where(grid > 0, grid, np.nan)
        if np.isfinite(grid).any():  # mean counts over seeds may lie below 1: scale to the data
            lo, hi = np.nanmin(grid), np.nanmax(grid)
            norm = LogNorm(vmin=lo, vmax=hi if hi > lo else lo * 10)
    return _heat(ax, grid, L, title=title, label="visits", cmap=cmap, colorbar=colorbar, norm=norm)

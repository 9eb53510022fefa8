r"""Figures of exact soft dynamic programming: the contraction, temperatures, soft vs hard.

Every helper takes a matplotlib ``ax`` (or an array of axes for a grid of panels), draws what it
is given, and returns the artists it made; nothing here solves anything. The numbers come from
:mod:`discrete_softq.dp` (``SoftSolution.residuals``, ``.V``, ``.policy``), e.g. as
``python -m discrete_softq.demo dp`` computes them.

* :func:`plot_contraction` -- :math:`\|\mathcal{T} X_k - X_k\|_\infty` per sweep on a log scale,
  with the :math:`\gamma^k` slope of the contraction theorem for reference;
* :func:`plot_iterations_versus_gamma` -- sweeps (or rounds) each solver needs, against gamma;
* the temperature plots (:math:`\pi(a|s)`, one action's probability, :math:`V^*_\alpha(s)` as
  alpha grows) are in :mod:`discrete_softq.plotting.temperature`;
* :func:`plot_soft_vs_hard_gridworld` -- values, policy arrows and entropy over a gridworld,
  one column per temperature (drawn with :mod:`discrete_softq.plotting.gridworld`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike

from discrete_softq._validate import array, real
from discrete_softq.plotting.gridworld import (
    plot_policy_arrows,
    plot_policy_entropy,
    plot_values,
)

# The temperature plots live in .temperature; importable from here as before.
from discrete_softq.plotting.temperature import (  # noqa: F401
    plot_policy_versus_temperature,
    plot_probability_versus_temperature,
    plot_value_versus_temperature,
)

__all__ = [
    "plot_contraction",
    "plot_iterations_versus_gamma",
    "plot_soft_vs_hard_gridworld",
]


def plot_contraction(ax: Axes, residuals: Mapping[str, ArrayLike],
                     gammas: Mapping[str, float] | None = None, *,
                     title: str = "soft Bellman backup: residual per sweep",
                     xlabel: str = "sweep k") -> list[Any]:
    r"""Residuals :math:`\|\mathcal{T} X_k - X_k\|_\infty` per sweep, log scale, with :math:`\gamma^k` slopes.

    Because :math:`\mathcal{T}` is a :math:`\gamma`-contraction in sup-norm,
    :math:`\|\mathcal{T} X_{k} - X_{k}\|_\infty \le \gamma^{k} \|\mathcal{T} X_0 - X_0\|_\infty`:
    each curve stays below the dashed line :math:`r_0 \gamma^k` drawn in its colour.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    residuals : mapping of str to ndarray of shape (n_sweeps,)
        Legend label -> ``SoftSolution.residuals``. Exact zeros (a hard backup that has reached
        its fixed point) cannot be drawn on a log scale and are left out.
    gammas : mapping of str to float, optional
        Label -> discount of that run; runs with a discount get the reference line
        :math:`r_0 \gamma^k` (from the first residual).
    title, xlabel : str

    Returns
    -------
    list of matplotlib artists
        One line per run, then the reference lines, then the legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> artists = plot_contraction(ax, {"run": [1.0, 0.5, 0.25]}, {"run": 0.5})
    >>> len(artists), ax.get_yscale()   # the run, its r_1 gamma^(k-1) line, the legend
    (3, 'log')
    >>> plt.close(fig)
    """
    gammas = dict(gammas or {})
    unknown = set(gammas) - set(residuals)
    if unknown:
        raise ValueError(f"gammas has labels {sorted(unknown)} that are not in residuals")
    lines: list[Line2D] = []
    refs: list[Line2D] = []
    for label, res in residuals.items():
        r = array(res, f"residuals[{label!r}]", ndim=1, finite=False)
        k = np.arange(1, r.size + 1)
        (line,) = ax.semilogy(k, np.where(r > 0, r, np.nan), label=label, lw=1.8)
        lines.append(line)
        if label in gammas and r.size:
            g = real(gammas[label], f"gammas[{label!r}]", low=0.0, high=1.0, high_open=True)
            ref_label = r"$r_1\,\gamma^{k-1}$ (contraction bound)" if not refs else None
            (ref,) = ax.semilogy(k, r[0] * g ** (k - 1.0), ls="--", lw=1.0, color=line.get_color(),
                                 alpha=0.8, label=ref_label)
            refs.append(ref)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(r"$\|\mathcal{T}X_k - X_k\|_\infty$")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    legend = ax.legend(fontsize="small")
    return lines + refs + [legend]


def plot_iterations_versus_gamma(ax: Axes, gammas: ArrayLike, iterations: Mapping[str, ArrayLike], *,
                                 title: str = "iterations to reach tol, per solver",
                                 ylabel: str = "iterations (sweeps or rounds)") -> list[Any]:
    r"""Iterations each solver needs against the discount, log scale.

    Value-type iterations need about :math:`\log(1/\text{tol}) / \log(1/\gamma)` sweeps, which
    blows up as :math:`\gamma \to 1`; soft policy iteration (Newton's method) needs a handful of
    rounds whatever :math:`\gamma` -- but each round is a linear solve.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    gammas : ndarray of shape (n_gammas,)
    iterations : mapping of str to ndarray of shape (n_gammas,)
        Solver name -> ``SoftSolution.iterations`` at each discount.
    title, ylabel : str

    Returns
    -------
    list of matplotlib artists
        One line per solver, then the legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_iterations_versus_gamma(ax, [0.5, 0.9], {"VI": [20, 170], "PI": [3, 4]}))
    3
    >>> plt.close(fig)
    """
    g = array(gammas, "gammas", ndim=1, finite=False)
    lines = []
    for name, its in iterations.items():
        n = array(its, f"iterations[{name!r}]", ndim=1, finite=False)
        if n.shape != g.shape:
            raise ValueError(f"iterations[{name!r}] must have shape {g.shape} (one per gamma); got {n.shape}")
        (line,) = ax.semilogy(g, n, marker="o", label=name)
        lines.append(line)
    ax.set_xlabel(r"discount $\gamma$")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    return lines + [ax.legend(fontsize="small")]


#: Rows :func:`plot_soft_vs_hard_gridworld` can draw.
GRID_ROWS = ("values", "policy", "entropy")


def plot_soft_vs_hard_gridworld(axes: Any, solutions: Sequence[Any], layout: Any, *,
                                rows: Sequence[str] = GRID_ROWS, show_probs: bool = False) -> list[Any]:
    r"""Soft vs hard on a gridworld: one column per solution (temperature), one row per quantity.

    Rows (any of): ``"values"`` (:math:`V^*_\alpha`), ``"policy"`` (arrows of
    :math:`\pi^*_\alpha`, length proportional to probability), ``"entropy"``
    (:math:`\mathcal{H}(\pi^*_\alpha(\cdot|s))`). A column with ``alpha = 0`` is titled "hard".

    Parameters
    ----------
    axes : array of matplotlib.axes.Axes of shape (len(rows), len(solutions))
        E.g. from ``plt.subplots(3, n)``.
    solutions : sequence of SoftSolution
        Anything with ``alpha``, ``V`` (S,) and ``policy`` (S, 4) over the map's cells.
    layout : Layout, str or list of str
    rows : sequence of {"values", "policy", "entropy"}
    show_probs : bool
        Write the probabilities next to the arrows (small maps only).

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq import soft_policy_iteration, value_iteration
    >>> from discrete_softq.envs import GridWorld
    >>> env = GridWorld(["S..G"])
    >>> fig, axes = plt.subplots(3, 2)
    >>> artists = plot_soft_vs_hard_gridworld(axes, [value_iteration(env.to_mdp()),
    ...                                               soft_policy_iteration(env.to_mdp(), 0.1)], env.layout)
    >>> axes[0, 0].get_title(), axes[2, 1].get_title()
    ('V*: hard (alpha = 0)', 'H(pi*): soft, alpha = 0.1')
    >>> plt.close(fig)
    """
    axes = np.asarray(axes, dtype=object)
    if axes.size != len(rows) * len(solutions):
        raise ValueError(f"axes must hold len(rows) x len(solutions) = {len(rows)} x {len(solutions)} axes; "
                         f"got {axes.size}")
    axes = axes.reshape(len(rows), len(solutions))
    bad = [r for r in rows if r not in GRID_ROWS]
    if bad:
        raise ValueError(f"rows must be drawn from {GRID_ROWS}; got {bad}")
    artists: list[Any] = []
    for j, sol in enumerate(solutions):
        name = "hard (alpha = 0)" if sol.alpha == 0 else f"soft, alpha = {sol.alpha:g}"
        for i, row in enumerate(rows):
            ax = axes[i, j]
            if row == "values":
                artists += plot_values(ax, sol.V, layout, title=f"V*: {name}")
            elif row == "policy":
                artists += plot_policy_arrows(ax, sol.policy, layout, title=f"pi*: {name}", show_probs=show_probs)
            else:
                artists += plot_policy_entropy(ax, sol.policy, layout, title=f"H(pi*): {name}")
    return artists

"""Figures for composition (bound against true gap) and max-ent pre-training (learning curves).

Every helper takes a matplotlib ``ax``, draws precomputed numbers (nothing is computed here
beyond sorting), and returns the artists it made. The numbers come from
:mod:`discrete_softq.experiments.composition` and :mod:`discrete_softq.experiments.pretraining`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from .bands import plot_mean_with_bands

__all__ = ["plot_bound_against_gap", "plot_bound_versus_alpha", "plot_learning_curves",
           "plot_steps_to_threshold"]


def plot_bound_against_gap(ax: Axes, gap: ArrayLike, bound: ArrayLike, *, title: str = "Lemma 1: bound vs true gap",
                           gap_label: str = "true gap", bound_label: str = "bound", log: bool = False) -> list[Any]:
    """Per state, the true gap and its bound, states sorted by the bound.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    gap, bound : ndarray of shape (n_states,)
        E.g. ``max_a (Q_sum - Q*_C)`` and ``max_a C*``; NaN entries (walls, exits) are left out.
    title, gap_label, bound_label : str
    log : bool
        Logarithmic y axis (zeros are left out).

    Returns
    -------
    list of matplotlib artists
        The bound line, the gap markers, the shaded slack.
    """
    gap, bound = np.asarray(gap, dtype=float), np.asarray(bound, dtype=float)
    if gap.shape != bound.shape or gap.ndim != 1:
        raise ValueError(f"gap and bound must be 1-d arrays of one shape; got {gap.shape} and {bound.shape}")
    keep = np.isfinite(gap) & np.isfinite(bound)
    order = np.argsort(bound[keep], kind="stable")
    g, b = gap[keep][order], bound[keep][order]
    x = np.arange(g.size)
    artists: list[Any] = [
        ax.plot(x, b, "-", color="tab:red", label=bound_label)[0],
        ax.plot(x, g, "o", ms=3, color="tab:blue", label=gap_label)[0],
        ax.fill_between(x, g, b, color="tab:red", alpha=0.12, label="slack"),
    ]
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("state (sorted by the bound)")
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return artists


def plot_bound_versus_alpha(ax: Axes, alphas: ArrayLike, curves: Mapping[str, ArrayLike], *,
                            title: str = "bounds and true gaps vs temperature", log: bool = True) -> list[Any]:
    """Line per named quantity against the temperature (e.g. true gap, ``C``, true loss, ``D``).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    alphas : ndarray of shape (n,)
    curves : mapping of str to ndarray of shape (n,)
        Label -> values; labels starting with ``"bound"`` are drawn dashed.
    title : str
    log : bool
        Log-log axes (non-positive values are not drawn).

    Returns
    -------
    list of matplotlib artists
    """
    x = np.asarray(alphas, dtype=float)
    artists: list[Any] = []
    for label, y in curves.items():
        y = np.asarray(y, dtype=float)
        if y.shape != x.shape:
            raise ValueError(f"curves[{label!r}] must have shape {x.shape}; got {y.shape}")
        if log:
            y = np.where(y > 0, y, np.nan)
        style = "--" if label.startswith("bound") else "-"
        artists.append(ax.plot(x, y, style, marker="o", ms=3, label=label)[0])
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("temperature alpha")
    ax.set_ylabel("value at the start state")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return artists


def plot_learning_curves(ax: Axes, x: ArrayLike, curves: Mapping[str, tuple[ArrayLike, ArrayLike, ArrayLike]], *,
                         title: str = "fine-tuning on the specific task", xlabel: str = "environment steps",
                         ylabel: str = "return", threshold: float | None = None,
                         threshold_label: str = "threshold") -> list[Any]:
    """Mean curve and shaded confidence band per condition.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x : ndarray of shape (n,)
    curves : mapping of str to (mean, low, high), each of shape (n,)
        Condition -> mean over seeds and the confidence band.
    title, xlabel, ylabel : str
    threshold : float, optional
        Drawn as a horizontal dotted line (e.g. a threshold or the optimum).
    threshold_label : str
        Its legend entry.

    Returns
    -------
    list of matplotlib artists
    """
    artists = plot_mean_with_bands(ax, x, curves)
    if threshold is not None:
        artists.append(ax.axhline(threshold, color="grey", ls=":", label=threshold_label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return artists


def plot_steps_to_threshold(ax: Axes, results: Mapping[str, tuple[ArrayLike, float, float, float]], *,
                            title: str = "steps to reach the threshold", ylabel: str = "environment steps",
                            cap: float | None = None, stat_label: str = "median, 95% CI", seed: int = 0) -> list[Any]:
    """Per condition: every seed as a dot (jittered), a statistic over seeds and its confidence interval.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    results : mapping of str to (per_seed, statistic, low, high)
        ``per_seed`` of shape (n_seeds,); seeds that never reached the threshold should carry
        the budget (``cap``).
    title, ylabel : str
    cap : float, optional
        The budget, drawn as a dotted line (seeds on it never reached the threshold).
    stat_label : str
        Legend entry of the statistic (e.g. ``"median, 95% CI"``).
    seed : int
        Seed of the horizontal jitter (deterministic figures).

    Returns
    -------
    list of matplotlib artists
    """
    rng = np.random.default_rng(seed)
    artists: list[Any] = []
    names: Sequence[str] = list(results)
    for i, name in enumerate(names):
        per_seed, stat, lo, hi = results[name]
        y = np.asarray(per_seed, dtype=float)
        jitter = i + rng.uniform(-0.15, 0.15, size=y.size)
        artists.append(ax.scatter(jitter, y, s=8, alpha=0.5, color=f"C{i}"))
        artists.append(ax.errorbar([i], [stat], yerr=[[stat - lo], [hi - stat]], fmt="D", color="black",
                                   capsize=6, label=stat_label if i == 0 else None))
    if cap is not None:
        artists.append(ax.axhline(cap, color="grey", ls=":", label="budget (never reached)"))
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return artists

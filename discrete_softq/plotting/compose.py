"""Figures of composition: bounds against true gaps, per state and against the temperature.

Every helper takes a matplotlib ``ax``, draws precomputed numbers (nothing is computed here
beyond sorting), and returns the artists it made. The numbers come from
:mod:`discrete_softq.experiments.composition`; :func:`plot_composition_study` draws the whole
figure of the ``composition`` demo from a :class:`~discrete_softq.experiments.composition.CompositionStudy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike


from .gridworld import plot_policy_arrows, plot_values

__all__ = ["plot_bound_against_gap", "plot_bound_versus_alpha", "plot_composition_study"]


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
        Logarithmic y axis (zeros are left out; linear after all if nothing is positive).

    Returns
    -------
    list of matplotlib artists
        The bound line, the gap markers, the shaded slack.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_bound_against_gap(ax, [0.1, 0.2, np.nan], [0.3, 0.4, np.nan]))   # bound, gap, slack
    3
    >>> plt.close(fig)
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
    if log and np.any(np.concatenate([g, b]) > 0):
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

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_bound_versus_alpha(ax, [0.1, 1.0], {"true gap": [0.1, 0.2], "bound C*": [0.3, 0.4]}))
    2
    >>> plt.close(fig)
    """
    x = np.asarray(alphas, dtype=float)
    artists: list[Any] = []
    positive = False
    for label, y in curves.items():
        y = np.asarray(y, dtype=float)
        if y.shape != x.shape:
            raise ValueError(f"curves[{label!r}] must have shape {x.shape}; got {y.shape}")
        if log:
            positive = positive or bool(np.any(y > 0))
            y = np.where(y > 0, y, np.nan)
        style = "--" if label.startswith("bound") else "-"
        artists.append(ax.plot(x, y, style, marker="o", ms=3, label=label)[0])
    if log:
        ax.set_xscale("log")
        if positive:  # a log y axis needs something positive to show
            ax.set_yscale("log")
    ax.set_xlabel("temperature alpha")
    ax.set_ylabel("value at the start state")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return artists


def plot_composition_study(axes: Any, study: Any) -> list[Any]:
    """Fill a 2 x 4 array of axes: the four policies, then Lemma 1, Theorem 1, the divergence, the sweep.

    Top row: task 1, task 2, the composed policy and the true optimum of the mean reward. Bottom
    row: per-state bound against gap (Lemma 1 and Theorem 1), the Renyi divergence over the map,
    and the start state's gaps and bounds against alpha.

    Parameters
    ----------
    axes : array of matplotlib.axes.Axes of shape (2, 4)
    study : CompositionStudy

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.composition import run_composition
    >>> fig, axes = plt.subplots(2, 4)
    >>> artists = plot_composition_study(axes, run_composition(n_alphas=2, n_ts=2))
    >>> all(ax.get_title() for ax in axes.ravel())
    True
    >>> plt.close(fig)
    """
    ex, sweep = study.example, study.sweep
    L, per_state = ex.env.layout, ex.per_state()
    policies = (*ex.task_policies, ex.bound.policy, ex.policy_opt)
    titles = ("task 1 (left exit): pi*_1", "task 2 (right exit): pi*_2", "composed: pi_sum ~ sqrt(pi1 pi2)",
              "true optimum of the mean reward: pi*_C")
    artists: list[Any] = []
    for ax, pi, title in zip(axes[0], policies, titles):
        artists += plot_policy_arrows(ax, pi, L, title=title)
    artists += plot_bound_against_gap(axes[1, 0], per_state["gap"], per_state["C"],
                                      title="Lemma 1 per state: Q_sum - Q*_C <= C*",
                                      gap_label="true gap max_a(Q_sum - Q*_C)", bound_label="bound max_a C*")
    artists += plot_bound_against_gap(axes[1, 1], per_state["loss"], per_state["D"], log=True,
                                      title="Theorem 1 per state: Q*_C - Q^pi_sum <= D*",
                                      gap_label="true loss max_a(Q*_C - Q^pi_sum)", bound_label="bound max_a D*")
    artists += plot_values(axes[1, 2], np.where(ex.live, ex.bound.divergence, np.nan), L,
                           title="Renyi divergence D_1/2(pi*_1 || pi*_2)", cmap="magma")
    artists += plot_bound_versus_alpha(axes[1, 3], study.alphas, {
        "true gap Q_sum - Q*_C": sweep["start_gap"], "bound C*": sweep["start_C"],
        "true loss Q*_C - Q^pi_sum": sweep["start_loss"], "bound D*": sweep["start_D"]})
    return artists

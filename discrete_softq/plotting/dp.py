r"""Figures of exact soft dynamic programming: the contraction, temperatures, soft vs hard.

Every helper takes a matplotlib ``ax`` (or an array of axes for a grid of panels), draws what it
is given, and returns the artists it made; nothing here solves anything. The numbers come from
:mod:`discrete_softq.dp` (``SoftSolution.residuals``, ``.V``, ``.policy``), e.g. as
``python -m discrete_softq.demo dp`` computes them.

* :func:`plot_contraction` -- :math:`\|\mathcal{T} X_k - X_k\|_\infty` per sweep on a log scale,
  with the :math:`\gamma^k` slope of the contraction theorem for reference;
* :func:`plot_iterations_versus_gamma` -- sweeps (or rounds) each solver needs, against gamma;
* :func:`plot_policy_versus_temperature` -- :math:`\pi(a|s)` at one state as alpha grows;
* :func:`plot_probability_versus_temperature` -- one action's probability, several objectives;
* :func:`plot_value_versus_temperature` -- :math:`V^*_\alpha(s)` between its hard-value bounds;
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

from discrete_softq.envs.gridworld import Action
from discrete_softq.plotting.gridworld import (
    plot_policy_arrows,
    plot_policy_entropy,
    plot_values,
)

__all__ = [
    "plot_contraction",
    "plot_iterations_versus_gamma",
    "plot_policy_versus_temperature",
    "plot_probability_versus_temperature",
    "plot_value_versus_temperature",
    "plot_soft_vs_hard_gridworld",
]


def _curve(values: ArrayLike, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {v.shape}")
    return v


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
    """
    gammas = dict(gammas or {})
    unknown = set(gammas) - set(residuals)
    if unknown:
        raise ValueError(f"gammas has labels {sorted(unknown)} that are not in residuals")
    lines: list[Line2D] = []
    refs: list[Line2D] = []
    for label, res in residuals.items():
        r = _curve(res, f"residuals[{label!r}]")
        k = np.arange(1, r.size + 1)
        (line,) = ax.semilogy(k, np.where(r > 0, r, np.nan), label=label, lw=1.8)
        lines.append(line)
        if label in gammas and r.size:
            g = float(gammas[label])
            if not 0.0 <= g < 1.0:
                raise ValueError(f"gammas[{label!r}] must be in [0, 1); got {g}")
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
    """
    g = _curve(gammas, "gammas")
    lines = []
    for name, its in iterations.items():
        n = _curve(its, f"iterations[{name!r}]")
        if n.shape != g.shape:
            raise ValueError(f"iterations[{name!r}] must have shape {g.shape} (one per gamma); got {n.shape}")
        (line,) = ax.semilogy(g, n, marker="o", label=name)
        lines.append(line)
    ax.set_xlabel(r"discount $\gamma$")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    return lines + [ax.legend(fontsize="small")]


def plot_policy_versus_temperature(ax: Axes, alphas: ArrayLike, probabilities: ArrayLike, *,
                                   action_names: Sequence[str] | None = None,
                                   title: str = r"$\pi^*_\alpha(a|s)$ at one state",
                                   linestyle: str = "-", label_suffix: str = "") -> list[Any]:
    r"""Action probabilities at one state as the temperature grows (log x-axis).

    As :math:`\alpha \to 0` the Boltzmann policy concentrates on the greedy actions; as
    :math:`\alpha \to \infty` it tends to uniform (Shannon) or to the prior (KL form).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    alphas : ndarray of shape (n_alphas,)
        Positive temperatures (log scale).
    probabilities : ndarray of shape (n_alphas, n_actions)
        ``solution.policy[s]`` at each temperature.
    action_names : sequence of str, optional
        Legend names; default: the gridworld :class:`~discrete_softq.envs.Action` names when
        there are 4 actions, else ``a0, a1, ...``.
    title : str
    linestyle, label_suffix : str
        To overlay a second family of curves (e.g. another prior) on the same axes.

    Returns
    -------
    list of matplotlib artists
        One line per action, then the legend.
    """
    a = _curve(alphas, "alphas")
    if np.any(a <= 0):
        raise ValueError("alphas must be > 0 (the x-axis is logarithmic)")
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 2 or p.shape[0] != a.size:
        raise ValueError(f"probabilities must have shape ({a.size}, n_actions); got {p.shape}")
    if action_names is None:
        action_names = [x.name.lower() for x in Action] if p.shape[1] == len(Action) else \
            [f"a{i}" for i in range(p.shape[1])]
    if len(action_names) != p.shape[1]:
        raise ValueError(f"action_names must have {p.shape[1]} entries; got {len(action_names)}")
    lines = []
    for i, name in enumerate(action_names):
        (line,) = ax.semilogx(a, p[:, i], ls=linestyle, marker=".", label=f"{name}{label_suffix}",
                              color=f"C{i}")
        lines.append(line)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(r"temperature $\alpha$")
    ax.set_ylabel("probability")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return lines + [ax.legend(fontsize="small", ncol=2)]


def plot_probability_versus_temperature(ax: Axes, alphas: ArrayLike, probabilities: Mapping[str, ArrayLike], *,
                                        reference: float | None = None, reference_label: str = "uniform",
                                        title: str = "probability of one action",
                                        ylabel: str = "probability") -> list[Any]:
    r"""The probability of one chosen action as alpha grows, one curve per objective (log x-axis).

    E.g. the probability of stepping into the goal from the cell next to it, with the Shannon
    bonus (``prior=None``) and with the KL-to-uniform one: with the Shannon bonus, entering a
    terminal state forfeits :math:`\approx \alpha \log|A| / (1 - \gamma)` of future entropy, so for
    large alpha the optimal policy *avoids* the goal -- it falls below ``reference`` = 1/|A|.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    alphas : ndarray of shape (n_alphas,)
        Positive temperatures.
    probabilities : mapping of str to ndarray of shape (n_alphas,)
        Label -> ``solution.policy[s, a]`` at each temperature.
    reference : float, optional
        A horizontal reference level (e.g. ``1 / n_actions``).
    reference_label, title, ylabel : str

    Returns
    -------
    list of matplotlib artists
    """
    a, artists = _temperature_curves(ax, alphas, probabilities, "probabilities")
    if reference is not None:
        artists.append(ax.axhline(float(reference), color="grey", ls=":", label=reference_label))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(r"temperature $\alpha$")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    artists.append(ax.legend(fontsize="small"))
    return artists


def plot_value_versus_temperature(ax: Axes, alphas: ArrayLike, values: Mapping[str, ArrayLike], *,
                                  hard_value: float | None = None, upper_bound: ArrayLike | None = None,
                                  title: str = r"$V^*_\alpha(s)$ as the temperature grows") -> list[Any]:
    r"""Soft optimal value at one state against alpha (log x-axis), with the hard-value bounds.

    For the Shannon objective :math:`V_{hard} \le V^*_\alpha \le V_{hard} + \alpha \log|A| / (1-\gamma)`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    alphas : ndarray of shape (n_alphas,)
        Positive temperatures.
    values : mapping of str to ndarray of shape (n_alphas,)
        Label -> ``solution.V[s]`` at each temperature (e.g. one curve per prior).
    hard_value : float, optional
        ``value_iteration(mdp).V[s]``, drawn as a horizontal line.
    upper_bound : ndarray of shape (n_alphas,), optional
        The upper bound at each temperature, drawn dashed.
    title : str

    Returns
    -------
    list of matplotlib artists
    """
    a, artists = _temperature_curves(ax, alphas, values, "values")
    if hard_value is not None:
        artists.append(ax.axhline(float(hard_value), color="black", lw=1.0, label=r"hard value ($\alpha = 0$)"))
    if upper_bound is not None:
        ub = _curve(upper_bound, "upper_bound")
        if ub.shape != a.shape:
            raise ValueError(f"upper_bound must have shape {a.shape}; got {ub.shape}")
        artists += ax.semilogx(a, ub, ls="--", color="grey",
                               label=r"$V_{hard} + \alpha\log|A|/(1-\gamma)$")
    ax.set_xlabel(r"temperature $\alpha$")
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    artists.append(ax.legend(fontsize="small"))
    return artists


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


def _temperature_curves(ax: Axes, alphas: ArrayLike, curves: Mapping[str, ArrayLike],
                        name: str) -> tuple[np.ndarray, list[Any]]:
    """Draw one curve per label against positive temperatures on a log x-axis."""
    a = _curve(alphas, "alphas")
    if np.any(a <= 0):
        raise ValueError("alphas must be > 0 (the x-axis is logarithmic)")
    artists: list[Any] = []
    for label, y in curves.items():
        y = _curve(y, f"{name}[{label!r}]")
        if y.shape != a.shape:
            raise ValueError(f"{name}[{label!r}] must have shape {a.shape}; got {y.shape}")
        artists += ax.semilogx(a, y, marker=".", label=label)
    return a, artists

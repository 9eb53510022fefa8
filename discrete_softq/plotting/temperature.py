r"""Figures of the temperature: how the soft optimum moves from hard (alpha -> 0) to uniform (alpha large).

Every helper takes a matplotlib ``ax``, draws the curves it is given against positive
temperatures on a logarithmic x-axis and returns the artists; nothing here solves anything (the
numbers are ``SoftSolution.policy`` and ``.V`` at each temperature, e.g. from
:func:`discrete_softq.experiments.dp.run_dp`).

* :func:`plot_policy_versus_temperature` -- :math:`\pi(a|s)` at one state as alpha grows;
* :func:`plot_probability_versus_temperature` -- one action's probability, several objectives;
* :func:`plot_value_versus_temperature` -- :math:`V^*_\alpha(s)` between its hard-value bounds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from discrete_softq._validate import array
from discrete_softq.envs.gridworld import Action

__all__ = ["plot_policy_versus_temperature", "plot_probability_versus_temperature", "plot_value_versus_temperature"]


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

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_policy_versus_temperature(ax, [0.1, 1.0], [[0.7, 0.1, 0.1, 0.1], [0.25] * 4]))
    5
    >>> plt.close(fig)
    """
    a = _temperatures(alphas)
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
    large alpha the optimal policy *avoids* the goal -- it falls below ``reference`` = :math:`1/|A|`.

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

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_probability_versus_temperature(ax, [0.1, 1.0], {"Shannon": [0.9, 0.2]}, reference=0.25))
    3
    >>> plt.close(fig)
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

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_value_versus_temperature(ax, [0.1, 1.0], {"V": [1.0, 2.0]}, hard_value=0.9))
    3
    >>> plt.close(fig)
    """
    a, artists = _temperature_curves(ax, alphas, values, "values")
    if hard_value is not None:
        artists.append(ax.axhline(float(hard_value), color="black", lw=1.0, label=r"hard value ($\alpha = 0$)"))
    if upper_bound is not None:
        ub = array(upper_bound, "upper_bound", ndim=1, finite=False)
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


def _temperatures(alphas: ArrayLike) -> np.ndarray:
    """``alphas`` as a 1-d array of positive temperatures (the x-axis is logarithmic)."""
    a = array(alphas, "alphas", ndim=1)
    if np.any(a <= 0):
        raise ValueError("alphas must be > 0 (the x-axis is logarithmic)")
    return a


def _temperature_curves(ax: Axes, alphas: ArrayLike, curves: Mapping[str, ArrayLike],
                        name: str) -> tuple[np.ndarray, list[Any]]:
    """Draw one curve per label against positive temperatures on a log x-axis."""
    a = _temperatures(alphas)
    artists: list[Any] = []
    for label, y in curves.items():
        y = array(y, f"{name}[{label!r}]", ndim=1, finite=False)
        if y.shape != a.shape:
            raise ValueError(f"{name}[{label!r}] must have shape {a.shape}; got {y.shape}")
        artists += ax.semilogx(a, y, marker=".", label=label)
    return a, artists

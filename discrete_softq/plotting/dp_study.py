"""The three figures of the ``dp`` demo, drawn from a :class:`~discrete_softq.experiments.dp.DPResult`.

Each function takes the result and the axes to fill (from ``plt.subplots``) and returns the
artists; the numbers all come from the result (nothing is solved here).

* :func:`plot_contraction_study` -- 3 axes: residuals per sweep against several gammas and
  several alphas, and the iterations each solver needs against gamma;
* :func:`plot_soft_vs_hard_study` -- a 3 x n grid: values, policy arrows and entropy per temperature;
* :func:`plot_temperature_study` -- 3 axes: the start policy, the step into the goal, the start value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dp import (
    plot_contraction,
    plot_iterations_versus_gamma,
    plot_policy_versus_temperature,
    plot_probability_versus_temperature,
    plot_soft_vs_hard_gridworld,
    plot_value_versus_temperature,
)

__all__ = ["plot_contraction_study", "plot_soft_vs_hard_study", "plot_temperature_study"]


def plot_contraction_study(axes: Any, result: Any) -> list[Any]:
    """Residuals per sweep (several gammas, several alphas) and iterations per solver, on 3 axes.

    Parameters
    ----------
    axes : sequence of 3 matplotlib.axes.Axes
    result : DPResult

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.dp import DPConfig, run_dp
    >>> res = run_dp(DPConfig(layout="open_room", contraction_gammas=(0.9,), contraction_alphas=(0.1,),
    ...                       solver_gammas=(0.9,), grid_alphas=(0.0, 0.1), n_temperatures=3))
    >>> fig, axes = plt.subplots(1, 3)
    >>> artists = plot_contraction_study(axes, res)
    >>> [ax.get_yscale() for ax in axes]
    ['log', 'log', 'log']
    >>> plt.close(fig)
    """
    c = result.config
    artists = plot_contraction(axes[0], {r.label: r.residuals for r in result.by_gamma},
                               {r.label: r.gamma for r in result.by_gamma},
                               title=f"residual per sweep, alpha = {c.alpha:g}, several gammas")
    by_alpha = {f"alpha = {r.alpha:g}, gamma = {r.gamma:g}": r for r in result.by_alpha}  # the varying one first
    artists += plot_contraction(axes[1], {k: r.residuals for k, r in by_alpha.items()},
                                {k: r.gamma for k, r in by_alpha.items()},
                                title=f"residual per sweep, gamma = {c.gamma:g}, several alphas")
    artists += plot_iterations_versus_gamma(axes[2], list(c.solver_gammas), result.iterations(),
                                            title=f"iterations to tol = {c.tol:g}, alpha = {c.alpha:g}")
    return artists


def plot_soft_vs_hard_study(axes: Any, result: Any) -> list[Any]:
    """Values, policy arrows and entropy over the map, one column per temperature of ``config.grid_alphas``.

    ``axes`` has shape (3, len(config.grid_alphas)); see
    :func:`~discrete_softq.plotting.dp.plot_soft_vs_hard_gridworld`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.dp import DPConfig, run_dp
    >>> res = run_dp(DPConfig(layout="open_room", contraction_gammas=(0.9,), contraction_alphas=(0.1,),
    ...                       solver_gammas=(0.9,), grid_alphas=(0.0, 0.1), n_temperatures=3))
    >>> fig, axes = plt.subplots(3, 2)
    >>> len(plot_soft_vs_hard_study(axes, res)) > 0
    True
    >>> plt.close(fig)
    """
    return plot_soft_vs_hard_gridworld(axes, result.grid, result.env.layout)


def plot_temperature_study(axes: Any, result: Any) -> list[Any]:
    """The start policy, the step into the goal and the start value as alpha grows, on 3 axes.

    The value axis is logarithmic when every value is positive.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.dp import DPConfig, run_dp
    >>> res = run_dp(DPConfig(layout="open_room", contraction_gammas=(0.9,), contraction_alphas=(0.1,),
    ...                       solver_gammas=(0.9,), grid_alphas=(0.0,), n_temperatures=3))
    >>> fig, axes = plt.subplots(1, 3)
    >>> artists = plot_temperature_study(axes, res)
    >>> [ax.get_xscale() for ax in axes]
    ['log', 'log', 'log']
    >>> plt.close(fig)
    """
    temps, env = result.temperatures, result.env
    artists = plot_policy_versus_temperature(axes[0], temps, [s.policy[result.start] for s in result.shannon],
                                             title="pi*(a | start), Shannon entropy (prior=None)")
    artists += plot_probability_versus_temperature(
        axes[1], temps, result.goal_step_probabilities(), reference=1.0 / result.n_actions,
        reference_label="uniform 1/|A|",
        title=f"pi*(step into the goal | cell {env.cell_of(result.goal_step[0])} next to it)")
    values = result.start_values()
    artists += plot_value_versus_temperature(
        axes[2], temps, values, hard_value=result.hard.V[result.start], upper_bound=result.value_upper_bound(),
        title="V*(start): Shannon grows without bound; KL -> the random walk's value")
    if all(np.all(v > 0) for v in values.values()):
        axes[2].set_yscale("log")
    return artists

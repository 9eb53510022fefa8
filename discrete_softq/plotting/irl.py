"""Figures of the MCE IRL study (:mod:`discrete_softq.experiments.irl`); plotting only, no computing."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from .gridworld import plot_values, plot_visitation

__all__ = ["plot_irl_study", "plot_demonstration_gap"]


def plot_demonstration_gap(ax: Axes, study: Any) -> list[Any]:
    """Occupancy-weighted KL(expert || recovered) against the number of demonstrations, with 95% CIs.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from types import SimpleNamespace
    >>> from discrete_softq.agents.stats import Estimate
    >>> study = SimpleNamespace(config=SimpleNamespace(trajectories=(10, 100), n_seeds=3),
    ...                         sampled_kl={10: Estimate(0.1, 0.05, 0.2, 3, 0.95), 100: Estimate(0.01, 0.005, 0.02, 3, 0.95)})
    >>> fig, ax = plt.subplots()
    >>> _ = plot_demonstration_gap(ax, study)
    >>> ax.get_xscale()
    'log'
    >>> plt.close(fig)
    """
    n = np.array(study.config.trajectories)
    est = [study.sampled_kl[k] for k in study.config.trajectories]
    mean = np.array([e.value for e in est])
    err = np.array([[e.value - e.low for e in est], [e.high - e.value for e in est]])
    artists = [ax.errorbar(n, mean, yerr=err, marker="o", capsize=4, label=f"mean over {study.config.n_seeds} seeds, 95% CI")]
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of demonstrations (trajectories from the real environment)")
    ax.set_ylabel("occupancy-weighted KL(expert || recovered)")
    ax.set_title("sampled demonstrations: the gap shrinks")
    ax.legend()
    return artists


def plot_irl_study(axes: Any, study: Any) -> list[Any]:
    """Six panels on a 2 x 3 grid of axes: true, recovered and shaped rewards; expert and recovered
    occupancies; the gap against the number of demonstrations.


    Examples
    --------
    See ``python -m discrete_softq.demo irl``; with a small study:

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.irl import IRLConfig, run_irl
    >>> fig, axes = plt.subplots(2, 3)
    >>> _ = plot_irl_study(axes, run_irl(IRLConfig(trajectories=(5,), n_seeds=2)))
    >>> axes[1, 2].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    layout = list(study.layout_rows)
    artists = plot_values(axes[0, 0], study.true_reward, layout, title="true (hidden) reward r*(s)", cmap="coolwarm")
    artists += plot_values(axes[0, 1], study.recovered_reward, layout, title="recovered reward (exact occupancy)",
                           cmap="coolwarm")
    artists += plot_values(axes[0, 2], study.shaped_reward, layout, cmap="coolwarm",
                           title="recovered + potential shaping: same policy")
    artists += plot_visitation(axes[1, 0], study.expert_occupancy, layout, title="expert's occupancy")
    artists += plot_visitation(axes[1, 1], study.recovered_occupancy, layout,
                               title="recovered policy's occupancy")
    artists += plot_demonstration_gap(axes[1, 2], study)
    return artists

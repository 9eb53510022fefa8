"""Figures of the off-policy study (:mod:`discrete_softq.experiments.offpolicy`); plotting only, no computing."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from .bands import plot_mean_with_bands

__all__ = ["plot_error_curves", "plot_pair_visits", "plot_offpolicy_study"]


def plot_error_curves(ax: Axes, run: Any, title: str) -> list[Any]:
    """Relative error ``max|Q - Q*| / max|Q*|`` against steps, one line per behaviour with its 95% band (log-log).

    ``run`` is an :class:`~discrete_softq.experiments.offpolicy.OffPolicyRun` (its ``band(k)``: the
    geometric mean over seeds and a bootstrap band).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.offpolicy import OffPolicyConfig, run_offpolicy
    >>> study = run_offpolicy(OffPolicyConfig(n_seeds=2, grid_steps=200, lake_steps=200, model_samples=0,
    ...                                       epsilons=(0.5,)))
    >>> fig, ax = plt.subplots()
    >>> _ = plot_error_curves(ax, study.grid, "3x4")
    >>> ax.get_yscale()
    'log'
    >>> plt.close(fig)
    """
    curves = {label: run.band(k) for k, label in enumerate(run.labels)}
    artists = plot_mean_with_bands(ax, run.steps, curves)
    artists.append(ax.axhline(0.01, color="k", ls=":", lw=1, label="1% of max |Q*|"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("max |Q - Q*| / max |Q*| (geometric mean, 95% CI)")
    ax.set_title(title)
    ax.legend(fontsize="x-small", loc="lower left")
    return artists


def plot_pair_visits(ax: Axes, run: Any, title: str) -> list[Any]:
    """Final visit counts of the live (s, a) pairs, sorted, one line per behaviour (median over seeds, log y).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.offpolicy import OffPolicyConfig, run_offpolicy
    >>> study = run_offpolicy(OffPolicyConfig(n_seeds=2, grid_steps=200, lake_steps=200, model_samples=0,
    ...                                       epsilons=(0.5,)))
    >>> fig, ax = plt.subplots()
    >>> len(plot_pair_visits(ax, study.grid, "3x4"))
    3
    >>> plt.close(fig)
    """
    counts = run.visits[..., run.live, :].reshape(*run.visits.shape[:2], -1)
    artists = []
    for k, label in enumerate(run.labels):
        sorted_counts = np.median(np.sort(counts[k], axis=1), axis=0)
        artists += ax.plot(np.arange(1, sorted_counts.size + 1), np.maximum(sorted_counts, 0.5), marker=".",
                           label=label)
    ax.set_yscale("log")
    ax.set_xlabel("live (s, a) pairs, from the least visited")
    ax.set_ylabel("visits (median over seeds; 0 drawn at 0.5)")
    ax.set_title(title)
    ax.legend(fontsize="x-small", loc="lower right")
    return artists


def plot_offpolicy_study(axes: Any, study: Any) -> list[Any]:
    """Four panels on a 2 x 2 grid: error curves and pair visits, on the 3x4 layout and on FrozenLake
    (with the uniform-pairs run from its model, when the study has one).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.offpolicy import OffPolicyConfig, run_offpolicy
    >>> fig, axes = plt.subplots(2, 2)
    >>> _ = plot_offpolicy_study(axes, run_offpolicy(OffPolicyConfig(n_seeds=2, grid_steps=200, lake_steps=200,
    ...                                                                   model_samples=300)))
    >>> plt.close(fig)
    """
    c = study.config
    artists = plot_error_curves(axes[0, 0], study.grid, f"3x4 layout, lr {c.grid_lr}: error of Q against exact soft Q*")
    artists += plot_error_curves(axes[0, 1], study.frozen_lake,
                                 f"FrozenLake-v1 4x4 (slippery), lr n^-{c.lake_lr_power:g}: error against soft Q*")
    if study.model is not None:
        artists += plot_mean_with_bands(axes[0, 1], study.model.steps,
                                        {"uniform pairs from the model, lr 1/(1+(1-gamma)(n-1))": study.model.band()})
        axes[0, 1].set_xlabel("transitions (environment steps, or samples from the model)")
        axes[0, 1].legend(fontsize="x-small", loc="lower left")
    artists += plot_pair_visits(axes[1, 0], study.grid, f"3x4 layout: visits after {int(study.grid.steps[-1]):,} steps")
    artists += plot_pair_visits(axes[1, 1], study.frozen_lake,
                                f"FrozenLake: visits after {int(study.frozen_lake.steps[-1]):,} steps")
    return artists

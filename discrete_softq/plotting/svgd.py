"""The ``svgd`` demo's figure, drawn from a :class:`~discrete_softq.experiments.svgd.SVGDResult`.

* :func:`plot_moments` -- particle mean and variance per iteration against the target's;
* :func:`plot_mode_balance` -- the 2-D mode shares' distance from balance per step scheme, over seeds;
* :func:`plot_svgd_study` -- the 2 x 4 panel: 1-D histograms after a few and all iterations and the
  moments; the 2-D particles before, after each scheme, and the balance curves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from .bands import plot_mean_with_bands
from .continuous import plot_particle_density, plot_particles_2d

__all__ = ["plot_moments", "plot_mode_balance", "plot_svgd_study"]


def plot_moments(ax: Axes, moments: ArrayLike, target_mean: float, target_variance: float, *,
                 title: str = "1-D mixture: moments over iterations") -> list[Any]:
    """Mean and variance of the particles after each iteration (log x-axis), and the target's (dashed).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    moments : ndarray of shape (n_iter + 1, 2)
        Row ``t``: mean and variance after ``t`` iterations.
    target_mean, target_variance : float
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
    >>> len(plot_moments(ax, [[-10.0, 1.0], [-5.0, 2.0]], 0.67, 3.9))   # 2 curves, 2 targets, the legend
    5
    >>> plt.close(fig)
    """
    m = np.asarray(moments, dtype=float)
    if m.ndim != 2 or m.shape[1] != 2:
        raise ValueError(f"moments must have shape (n_iter + 1, 2); got {m.shape}")
    its = np.arange(len(m)) + 1  # iteration + 1, for the log axis
    artists = ax.plot(its, m[:, 0], label="particle mean") + ax.plot(its, m[:, 1], label="particle variance")
    artists += [ax.axhline(target_mean, color="C0", ls="--", label="target mean"),
                ax.axhline(target_variance, color="C1", ls="--", label="target variance")]
    ax.set(xscale="log", xlabel="iteration + 1", ylabel="value", title=title)
    return artists + [ax.legend(fontsize=7)]


def plot_mode_balance(ax: Axes, result: Any) -> list[Any]:
    """TV distance of the 2-D mode shares from 1/4 each over the iterations, per step scheme (mean, 95% band).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    result : SVGDResult

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.svgd import SVGDConfig, run_svgd
    >>> fig, ax = plt.subplots()
    >>> artists = plot_mode_balance(ax, run_svgd(SVGDConfig(n_particles=8, n_iter=3)))
    >>> len(artists) > 0
    True
    >>> plt.close(fig)
    """
    c = result.config
    labels = {"constant": f"constant step {c.step_size_2d:g}", "adagrad": f"AdaGrad step {c.adaptive_step_size:g}"}
    artists = plot_mean_with_bands(ax, result.record_iters, {labels[s]: result.tv_band(s) for s in result.mode_counts})
    ax.set(xlabel="iteration", ylabel="TV distance of mode shares from 1/4",
           title=f"2-D: mode balance over {c.n_seeds} seeds (95% band)", ylim=(0, None))
    return artists + [ax.legend(fontsize=8)]


def plot_svgd_study(axes: Any, result: Any) -> list[Any]:
    """Fill a 2 x 4 array of axes: 1-D snapshots and moments; 2-D start, both schemes' ends, and the balance.

    Parameters
    ----------
    axes : array of matplotlib.axes.Axes of shape (2, 4)
    result : SVGDResult

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.svgd import SVGDConfig, run_svgd
    >>> fig, axes = plt.subplots(2, 4)
    >>> artists = plot_svgd_study(axes, run_svgd(SVGDConfig(n_particles=5, n_iter=3, n_seeds=2)))
    >>> axes[0, 3].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    r, c, n = result, result.config, result.config.n_iter
    grid, density = r.grid_1d, r.density_1d
    artists: list[Any] = []
    for ax, t in zip(axes[0, :2], sorted(r.snapshots)[1:3]):
        artists += plot_particle_density(ax, r.snapshots[0], grid, density, label="iteration 0", show_target=False)
        artists += plot_particle_density(ax, r.snapshots[t], grid, density, label=f"iteration {t}",
                                         title=f"1-D mixture, iteration {t} (constant step {c.step_size:g})")
    right = grid > -6
    artists += plot_particle_density(axes[0, 2], r.x_1d, grid[right], density[right], label=f"iteration {n}",
                                     title=f"1-D mixture, iteration {n}")
    artists += plot_moments(axes[0, 3], r.moments["constant"][0], r.target_1d.mean()[0], r.target_1d.variance()[0],
                            title=f"1-D moments, seed {c.seed} (AdaGrad {c.adaptive_step_size:g}: thin)")
    ada = r.moments["adagrad"][0]
    its = np.arange(len(ada)) + 1
    artists += axes[0, 3].plot(its, ada[:, 0], color="C0", lw=0.7) + axes[0, 3].plot(its, ada[:, 1], color="C1", lw=0.7)
    gx, gy = r.grid_2d
    artists += plot_particles_2d(axes[1, 0], r.x0_2d, gx, gy, r.density_2d, label="start", title="2-D target, iteration 0")
    names = {"constant": f"constant step {c.step_size_2d:g}", "adagrad": f"AdaGrad step {c.adaptive_step_size:g}"}
    for ax, (s, x) in zip(axes[1, 1:3], r.x_2d.items()):
        counts = r.mode_counts[s][0, -1].tolist()
        artists += plot_particles_2d(ax, x, gx, gy, r.density_2d, label=f"iteration {c.n_iter_2d}",
                                     title=f"{names[s]}, iteration {c.n_iter_2d}: E, W, N, S {counts}")
    return artists + plot_mode_balance(axes[1, 3], r)

"""The ``svgd`` demo's figure, drawn from a :class:`~discrete_softq.experiments.svgd.SVGDResult`.

* :func:`plot_moments` -- particle mean and variance per iteration against the target's;
* :func:`plot_svgd_study` -- the 2 x 3 panel: 1-D histograms after a few and all iterations, the
  moments, and the 2-D particles before and after.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from .continuous import plot_particle_density, plot_particles_2d

__all__ = ["plot_moments", "plot_svgd_study"]


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


def plot_svgd_study(axes: Any, result: Any) -> list[Any]:
    """Fill a 2 x 3 array of axes with the 1-D snapshots, the moments and the 2-D particles.

    Parameters
    ----------
    axes : array of matplotlib.axes.Axes of shape (2, 3)
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
    >>> fig, axes = plt.subplots(2, 3)
    >>> artists = plot_svgd_study(axes, run_svgd(SVGDConfig(n_particles=5, n_iter=3)))
    >>> axes[1, 2].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    r, n = result, result.config.n_iter
    grid, density = r.grid_1d, r.density_1d
    artists: list[Any] = []
    for ax, t in zip(axes[0, :2], sorted(r.snapshots)[1:3]):
        artists += plot_particle_density(ax, r.snapshots[0], grid, density, label="iteration 0", show_target=False)
        artists += plot_particle_density(ax, r.snapshots[t], grid, density, label=f"iteration {t}",
                                         title=f"1-D mixture, iteration {t}")
    right = grid > -6
    artists += plot_particle_density(axes[0, 2], r.x_1d, grid[right], density[right], label=f"iteration {n}",
                                     title=f"1-D mixture, iteration {n}")
    artists += plot_moments(axes[1, 2], r.moments, r.target_1d.mean()[0], r.target_1d.variance()[0])
    gx, gy = r.grid_2d
    artists += plot_particles_2d(axes[1, 0], r.x0_2d, gx, gy, r.density_2d, label="initial N(0, I)",
                                 title="2-D target, iteration 0")
    artists += plot_particles_2d(axes[1, 1], r.x_2d, gx, gy, r.density_2d, label=f"iteration {n}",
                                 title=f"2-D target, iteration {n}: per mode {r.mode_counts.tolist()}")
    return artists

"""Mean curves with confidence bands: the shared drawing step of every over-seeds figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

__all__ = ["plot_mean_with_bands"]


def plot_mean_with_bands(ax: Axes, x: ArrayLike, curves: Mapping[str, tuple[ArrayLike, ArrayLike, ArrayLike]],
                         alpha: float = 0.2) -> list[Any]:
    """One line per label with its band shaded, e.g. the mean over seeds and a 95% bootstrap CI.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x : ndarray of shape (n,)
    curves : mapping of str to (mean, low, high), each of shape (n,)
    alpha : float
        Opacity of the bands.

    Returns
    -------
    list of matplotlib artists
        Line, band, line, band, ...

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_mean_with_bands(ax, [0, 1, 2], {"a": ([0, 1, 2], [0, 0.5, 1], [0, 1.5, 3])}))   # line and band
    2
    >>> plt.close(fig)
    """
    x = np.asarray(x, dtype=float)
    artists: list[Any] = []
    for label, (mean, lo, hi) in curves.items():
        mean, lo, hi = (np.asarray(v, dtype=float) for v in (mean, lo, hi))
        if not mean.shape == lo.shape == hi.shape == x.shape:
            raise ValueError(f"curves[{label!r}] must be three arrays of shape {x.shape}")
        line = ax.plot(x, mean, label=label)[0]
        artists += [line, ax.fill_between(x, lo, hi, color=line.get_color(), alpha=alpha, lw=0)]
    return artists

"""The ``importance_sampling`` demo's figure, drawn from an :class:`~discrete_softq.experiments.importance_sampling.ISLabResult`.

* :func:`plot_log_bias` -- the bias of :math:`\\log \\hat Z` against the number of samples, per dimension and proposal;
* :func:`plot_variance_ratio` -- Var(uniform) / Var(policy) of :math:`\\log \\hat Z` against the dimension;
* :func:`plot_is_lab` -- both, side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

__all__ = ["plot_log_bias", "plot_variance_ratio", "plot_is_lab"]

_STYLE = {"uniform": "-", "policy": "--"}


def plot_log_bias(ax: Axes, result: Any) -> list[Any]:
    """E[log Z_hat] - log Z against M (log x, symlog y), one colour per dimension; solid uniform, dashed policy.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    result : ISLabResult

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.importance_sampling import ISLabConfig, run_is_lab
    >>> lab = run_is_lab(ISLabConfig(dims=(1, 2), sample_sizes=(4, 16), n_repeats=20, ratio_samples=16))
    >>> fig, ax = plt.subplots()
    >>> artists = plot_log_bias(ax, lab)
    >>> len(artists) > 0
    True
    >>> plt.close(fig)
    """
    c = result.config
    m = np.asarray(c.sample_sizes, dtype=float)
    artists: list[Any] = []
    for i, d in enumerate(c.dims):
        colour = f"C{i % 10}"
        for p, style in _STYLE.items():
            b = result.bias[p]
            artists += ax.plot(m, b.value[i], style, color=colour, marker="o", ms=3,
                               label=f"d={d}" if p == "uniform" else None)
            artists.append(ax.fill_between(m, b.low[i], b.high[i], color=colour, alpha=0.12, lw=0))
    artists.append(ax.axhline(0.0, color="k", lw=0.8))
    ax.plot([], [], "k-", label="uniform proposal")
    ax.plot([], [], "k--", label="policy proposal (Gaussian fit)")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.set(xlabel="samples M per estimate", ylabel="bias E[log Z_hat] - log Z  (= E[V_hat - V] / alpha)",
           title=f"Jensen bias of the soft value ({c.n_repeats} repetitions, 95% CI)")
    return artists + [ax.legend(fontsize=7, ncol=2)]


def plot_variance_ratio(ax: Axes, result: Any) -> list[Any]:
    """Var_uniform / Var_policy of log Z_hat at M = ratio_samples against d, with its 95% interval (log y).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    result : ISLabResult

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.importance_sampling import ISLabConfig, run_is_lab
    >>> lab = run_is_lab(ISLabConfig(dims=(1, 2), sample_sizes=(4, 16), n_repeats=20, ratio_samples=16))
    >>> fig, ax = plt.subplots()
    >>> artists = plot_variance_ratio(ax, lab)
    >>> len(artists) > 0
    True
    >>> plt.close(fig)
    """
    c, r = result.config, result.variance_ratio
    d = np.asarray(c.dims, dtype=float)
    err = np.stack([r.value - r.low, r.high - r.value])
    artists = [ax.errorbar(d, r.value, yerr=np.maximum(err, 0), marker="o", capsize=3, label="Var_uniform / Var_policy"),
               ax.axhline(1.0, color="k", lw=0.8, ls=":", label="equal variance")]
    ax.set(yscale="log", xlabel="action dimension d", ylabel="variance ratio of log Z_hat",
           title=f"Uniform vs policy proposal at M = {c.ratio_samples}", xticks=d)
    return artists + [ax.legend(fontsize=8)]


def plot_is_lab(axes: Any, result: Any) -> list[Any]:
    """:func:`plot_log_bias` and :func:`plot_variance_ratio` on two axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.importance_sampling import ISLabConfig, run_is_lab
    >>> fig, axes = plt.subplots(1, 2)
    >>> artists = plot_is_lab(axes, run_is_lab(ISLabConfig(dims=(1, 2), sample_sizes=(2, 16), n_repeats=10)))
    >>> axes[1].get_yscale()
    'log'
    >>> plt.close(fig)
    """
    return plot_log_bias(axes[0], result) + plot_variance_ratio(axes[1], result)

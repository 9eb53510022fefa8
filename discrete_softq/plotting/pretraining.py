"""Figures of max-ent pre-training: learning curves with bands, steps to a threshold per seed.

Every helper takes a matplotlib ``ax``, draws precomputed numbers and returns the artists; the
numbers come from :mod:`discrete_softq.experiments.pretraining`. :func:`plot_pretraining_study`
draws the whole figure of the ``pretraining`` demo from a
:class:`~discrete_softq.experiments.pretraining.PretrainingResult`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from .bands import plot_mean_with_bands

__all__ = ["plot_learning_curves", "plot_steps_to_threshold", "plot_pretraining_study"]


def plot_learning_curves(ax: Axes, x: ArrayLike, curves: Mapping[str, tuple[ArrayLike, ArrayLike, ArrayLike]], *,
                         title: str = "fine-tuning on the specific task", xlabel: str = "environment steps",
                         ylabel: str = "return", threshold: float | None = None,
                         threshold_label: str = "threshold") -> list[Any]:
    """Mean curve and shaded confidence band per condition.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x : ndarray of shape (n,)
    curves : mapping of str to (mean, low, high), each of shape (n,)
        Condition -> mean over seeds and the confidence band.
    title, xlabel, ylabel : str
    threshold : float, optional
        Drawn as a horizontal dotted line (e.g. a threshold or the optimum).
    threshold_label : str
        Its legend entry.

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> len(plot_learning_curves(ax, [1, 2], {"a": ([0, 1], [0, 0.5], [0, 1.5])}, threshold=1.0))   # line, band, threshold
    3
    >>> plt.close(fig)
    """
    artists = plot_mean_with_bands(ax, x, curves)
    if threshold is not None:
        artists.append(ax.axhline(threshold, color="grey", ls=":", label=threshold_label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return artists


def plot_steps_to_threshold(ax: Axes, results: Mapping[str, tuple[ArrayLike, float, float, float]], *,
                            title: str = "steps to reach the threshold", ylabel: str = "environment steps",
                            cap: float | None = None, stat_label: str = "median, 95% CI", seed: int = 0) -> list[Any]:
    """Per condition: every seed as a dot (jittered), a statistic over seeds and its confidence interval.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    results : mapping of str to (per_seed, statistic, low, high)
        ``per_seed`` of shape (n_seeds,); seeds that never reached the threshold should carry
        the budget (``cap``).
    title, ylabel : str
    cap : float, optional
        The budget, drawn as a dotted line (seeds on it never reached the threshold).
    stat_label : str
        Legend entry of the statistic (e.g. ``"median, 95% CI"``).
    seed : int
        Seed of the horizontal jitter (deterministic figures).

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> artists = plot_steps_to_threshold(ax, {"a": ([100, 200, 300], 200.0, 100.0, 300.0)}, cap=300.0)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a']
    >>> plt.close(fig)
    """
    rng = np.random.default_rng(seed)
    artists: list[Any] = []
    names: Sequence[str] = list(results)
    for i, name in enumerate(names):
        per_seed, stat, lo, hi = results[name]
        y = np.asarray(per_seed, dtype=float)
        jitter = i + rng.uniform(-0.15, 0.15, size=y.size)
        artists.append(ax.scatter(jitter, y, s=8, alpha=0.5, color=f"C{i}"))
        artists.append(ax.errorbar([i], [stat], yerr=[[stat - lo], [hi - stat]], fmt="D", color="black",
                                   capsize=6, label=stat_label if i == 0 else None))
    if cap is not None:
        artists.append(ax.axhline(cap, color="grey", ls=":", label="budget (never reached)"))
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return artists


def plot_pretraining_study(axes: Any, result: Any) -> list[Any]:
    """Fill a 2 x 3 array of axes: per learner, reward per step and greedy value; steps to threshold.

    Columns 0 and 1: fine-tuning with soft Q-learning and with Q-learning, one curve per initial
    Q-table (reward per step on top, the greedy policy's exact value below). Column 2: steps
    until the online threshold (top) and the greedy-value threshold (bottom), per seed.

    Parameters
    ----------
    axes : array of matplotlib.axes.Axes of shape (2, 3)
    result : PretrainingResult

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.pretraining import PretrainingConfig, run_pretraining_experiment
    >>> cfg = PretrainingConfig(n_seeds=2, pretrain_steps=50, finetune_steps=50, eval_every=25, early_steps=25,
    ...                         n_boot=50)
    >>> fig, axes = plt.subplots(2, 3)
    >>> artists = plot_pretraining_study(axes, run_pretraining_experiment(cfg))
    >>> all(ax.get_title() for ax in axes.ravel())
    True
    >>> plt.close(fig)
    """
    cfg, res = result.config, result
    rate, greedy = res.curves("reward_rate"), res.curves("greedy_value")
    artists: list[Any] = []
    for col, learner in enumerate(("SQL", "QL")):
        pick = [k for k in res.labels if k.startswith(learner + ",")]
        artists += plot_learning_curves(axes[0, col], res.window_ends, {k: rate[k] for k in pick},
                                        title=f"fine-tuning with {learner}: reward per step",
                                        ylabel=f"reward per step (window {cfg.eval_every})",
                                        threshold=1 / res.shortest_path,
                                        threshold_label="optimum (1 / shortest path)")
        artists += plot_learning_curves(axes[1, col], res.eval_steps, {k: greedy[k] for k in pick},
                                        title=f"fine-tuning with {learner}: greedy policy, exact value",
                                        ylabel="V_greedy(start) / V*(start)", threshold=cfg.greedy_threshold,
                                        threshold_label=f"threshold {cfg.greedy_threshold}")
    for row, (measure, title) in enumerate((("steps_to_threshold", f"{cfg.k_good} short successful episodes"),
                                            ("greedy_steps_to_threshold", "greedy value >= 0.9"))):
        capped = res.capped_steps(measure)
        artists += plot_steps_to_threshold(axes[row, 2], {k.replace(", ", "\n"): v for k, v in capped.items()},
                                           title=f"steps until {title}", cap=float(cfg.finetune_steps))
    return artists

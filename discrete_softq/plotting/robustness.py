"""Figures of the robustness study (:mod:`discrete_softq.experiments.robustness`); plotting only, no computing."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from .bands import plot_mean_with_bands

__all__ = ["plot_perturbation", "plot_robustness_study", "KIND_LABELS"]

#: The x-axis of each perturbation kind.
KIND_LABELS = {
    "slip": "slip probability (random MDPs: random-action probability)",
    "push": "wind probability (hidden push direction per state)",
    "walls": "route states blocked (walls added)",
    "adversary": "adversary's L1 budget per (s, a)",
}


def plot_perturbation(ax: Axes, study: Any, task: str, kind: str, against: str | None = None) -> list[Any]:
    """Reward-only return of every policy against the perturbation strength, 95% bands over draws (and,
    for the adversary, the best worst case any policy reaches: a dotted black line).

    With ``against`` (a policy label) the paired gap ``policy - against`` is drawn instead (for the
    random-MDP family, whose returns differ in scale from one MDP to the next).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.robustness import RobustnessConfig, run_robustness
    >>> cfg = RobustnessConfig(layouts=("blocking_maze",), alphas=(0.1,), slips=(0.0, 0.2), pushes=(0.0, 0.2),
    ...                        walls=(0, 1), budgets=(0.0, 0.2), n_draws=2, n_mdps=2)
    >>> fig, ax = plt.subplots()
    >>> study = run_robustness(cfg)
    >>> len(plot_perturbation(ax, study, "blocking_maze", "push")), len(plot_perturbation(ax, study, "blocking_maze", "adversary"))
    (6, 7)
    >>> plt.close(fig)
    """
    x = np.array(study.levels[kind], dtype=float)
    curves = {label: study.curve(task, kind, label, against) for label in study.policies}
    artists = plot_mean_with_bands(ax, x, curves)
    for line in artists[::2]:
        line.set_marker("o" if line.get_label().startswith("hard") else ".")
        if line.get_label() == "hard (ties uniform)":
            line.set_linestyle("--")
    if kind == "adversary":   # the best worst case of any policy: the room a robust policy would have
        best = np.asarray(study.robust_optimum[task], dtype=float)
        if against is not None:
            best = best - study.returns[task, kind][study.policies.index(against)]
        artists += ax.plot(x, np.nanmean(best, axis=1), "k:", lw=2, label="robust-optimal (knows the budget)")
    if kind == "walls":
        ax.set_xticks(x)
    ax.set_xlabel(KIND_LABELS[kind])
    ax.set_ylabel("reward-only return" if against is None else f"return minus {against}'s (paired)")
    ax.set_title(f"{task}: {kind}")
    if against is not None:
        ax.axhline(0.0, color="grey", lw=0.8)
    return artists


def plot_robustness_study(axes: Any, study: Any) -> list[Any]:
    """One row of panels per MDP (the gridworlds, then the random family as gaps to the hard policy),
    one column per perturbation kind; one legend, on the first panel.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.robustness import KINDS, RobustnessConfig, run_robustness
    >>> cfg = RobustnessConfig(layouts=("blocking_maze",), alphas=(0.1,), slips=(0.0, 0.2), pushes=(0.0, 0.2),
    ...                        walls=(0, 1), budgets=(0.0, 0.2), n_draws=2, n_mdps=2)
    >>> fig, axes = plt.subplots(2, len(KINDS))
    >>> _ = plot_robustness_study(axes, run_robustness(cfg))
    >>> axes[1, 0].get_ylabel()
    "return minus hard's (paired)"
    >>> plt.close(fig)
    """
    axes = np.atleast_2d(axes)
    artists: list[Any] = []
    for row, task in zip(axes, study.tasks):
        family = task == study.tasks[-1] and task.startswith("random")
        for ax, kind in zip(row, study.levels):
            artists += plot_perturbation(ax, study, task, kind, against="hard" if family else None)
    axes[0, 0].legend(fontsize="small", title="policy (optimal for the nominal model)")
    axes[0, -1].legend(fontsize="small")
    return artists

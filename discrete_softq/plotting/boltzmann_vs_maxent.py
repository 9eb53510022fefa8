"""Figure of the one-step-entropy study (:mod:`discrete_softq.experiments.boltzmann_vs_maxent`); drawing only.

Top row: the map and both policies' discounted state occupancies on one (logarithmic) colour
scale; bottom row: the temperature sweep (gap in max-ent return, gap in trajectory entropy, and
the probability of reaching the goal through the room).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import LogNorm

from .gridworld import plot_layout, plot_visitation

__all__ = ["plot_occupancies", "plot_sweep", "plot_boltzmann_vs_maxent"]

_STYLE = {"shannon": ("C0", "Shannon entropy"), "kl_uniform": ("C1", "KL to uniform")}


def plot_occupancies(ax_soft: Any, ax_one_step: Any, result: Any, layout: Any) -> list[Any]:
    """Two occupancy heat maps (soft optimum, Boltzmann policy of hard Q*) sharing one log colour scale.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.boltzmann_vs_maxent import LAYOUT, run_boltzmann_vs_maxent
    >>> fig, (a, b) = plt.subplots(1, 2)
    >>> _ = plot_occupancies(a, b, run_boltzmann_vs_maxent(alphas=(0.03,), n_seeds=0), LAYOUT)
    >>> a.get_title().startswith("soft optimum")
    True
    >>> plt.close(fig)
    """
    artists: list[Any] = []
    images = []
    for ax, stats in ((ax_soft, result.soft), (ax_one_step, result.one_step)):
        title = (f"{stats.name}: occupancy\nvia room {stats.room_route_share:.2f}, "
                 f"entropy {stats.trajectory_entropy:.2f}, J {stats.maxent_return:.3f}")
        drawn = plot_visitation(ax, stats.occupancy, layout, title=title, colorbar=False)
        images.append(drawn[0])
        artists += drawn
        ax.title.set_fontsize("small")
    positive = np.concatenate([s.occupancy[s.occupancy > 0] for s in (result.soft, result.one_step)])
    norm = LogNorm(vmin=float(positive.min()), vmax=float(positive.max()))
    for im in images:
        im.set_norm(norm)
    artists.append(ax_one_step.figure.colorbar(images[1], ax=[ax_soft, ax_one_step],
                                               label="discounted occupancy (1 - gamma) n(s)"))
    return artists


def plot_sweep(ax_return: Any, ax_entropy: Any, ax_route: Any, sweep: Any) -> list[Any]:
    """Against alpha (log axis): J gap, trajectory-entropy gap, and P(goal via the room) of both policies.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.boltzmann_vs_maxent import make_env, temperature_sweep
    >>> fig, axes = plt.subplots(1, 3)
    >>> _ = plot_sweep(*axes, temperature_sweep(make_env(), [0.01, 0.1]))
    >>> axes[0].get_xscale()
    'log'
    >>> plt.close(fig)
    """
    artists: list[Any] = []
    for prior, (colour, label) in _STYLE.items():
        rows = [r for r in sweep if r.prior == prior]
        if not rows:
            continue
        a = np.array([r.alpha for r in rows])
        artists += ax_return.plot(a, [r.return_gap for r in rows], "o-", color=colour, label=label)
        artists += ax_entropy.plot(a, [r.entropy_gap for r in rows], "o-", color=colour, label=label)
        artists += ax_route.plot(a, [r.route_soft for r in rows], "o-", color=colour, label=f"soft optimum ({label})")
        if prior == "shannon" or not any(r.prior == "shannon" for r in sweep):   # the same policy for both bonuses
            artists += ax_route.plot(a, [r.route_one_step for r in rows], "s--", color="k", alpha=0.6,
                                     label="softmax(Q*_hard/alpha) (either bonus)")
    for ax, ylabel, title in (
            (ax_return, "J(soft optimum) - J(one-step)", "max-ent return gap (>= 0: theorem)"),
            (ax_entropy, "difference in discounted entropy", "trajectory entropy: soft minus one-step"),
            (ax_route, "P(goal entered from the room)", "which route: soft vs one-step")):
        ax.set_xscale("log")
        ax.set_xlabel("temperature alpha")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize="small")
        ax.legend(fontsize="x-small")
    ax_entropy.axhline(0.0, color="k", lw=0.8)
    ax_route.axhline(0.5, color="k", lw=0.8, ls=":")
    return artists


def plot_boltzmann_vs_maxent(fig: Any, result: Any, layout: Any) -> list[Any]:
    """The whole figure on ``fig``: map and two occupancies on top, the sweep below; returns the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.boltzmann_vs_maxent import LAYOUT, run_boltzmann_vs_maxent
    >>> fig = plt.figure()
    >>> len(plot_boltzmann_vs_maxent(fig, run_boltzmann_vs_maxent(alphas=(0.03,), n_seeds=0), LAYOUT))
    6
    >>> plt.close(fig)
    """
    axes = fig.subplots(2, 3)
    plot_layout(axes[0, 0], layout, title="corridor (top, right) or room: both 13 steps")
    plot_occupancies(axes[0, 1], axes[0, 2], result, layout)
    plot_sweep(axes[1, 0], axes[1, 1], axes[1, 2], result.sweep)
    fig.suptitle(f"One-step entropy is not max-ent: soft optimum vs softmax(Q*_hard / alpha) at alpha "
                 f"{result.alpha:g} ({result.prior}, gamma {result.gamma:g}, step reward {result.step_reward:g})",
                 fontsize="medium")
    return list(axes.ravel())

"""Figures of the continuous composition study: where each policy goes, and how often it reaches North.

Draws a :class:`~discrete_softq.experiments.multigoal_compose.ComposeStudy`; computes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from .continuous import plot_multigoal_rollouts

__all__ = ["plot_policy_rollouts", "plot_joint_shares", "plot_compose_study"]


def plot_policy_rollouts(axes: Any, seed_result: Any, env: Any) -> list[Any]:
    """One panel per policy of a :class:`ComposeSeed`: its rollouts in the combined task.

    Parameters
    ----------
    axes : sequence of matplotlib Axes, one per policy
    seed_result : ComposeSeed
    env : MultiGoalEnv
        The background (distance cost) and goal circles; the four-goal env keeps the goal colours.

    Returns
    -------
    list of artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.envs.multigoal import MultiGoalEnv
    >>> from discrete_softq.experiments.multigoal_compose import compose_seed
    >>> res = compose_seed(0, n_steps=30, n_sampler_steps=0, n_rollouts=1, hidden=(8,))
    >>> fig, axes = plt.subplots(1, 4)
    >>> artists = plot_policy_rollouts(axes, res, MultiGoalEnv())
    >>> axes[2].get_title().splitlines()[0]
    'composed (0 env steps)'
    >>> plt.close(fig)
    """
    artists: list[Any] = []
    for ax, (name, out) in zip(axes, seed_result.rollouts.items()):
        counts = seed_result.goal_counts[name]
        steps = seed_result.env_steps[name]
        title = (f"{name} ({steps} env steps)\nhits E,W,N,S = {counts.tolist()}, "
                 f"North {counts[2] / len(out.goals):.0%}")
        artists += plot_multigoal_rollouts(ax, env, out.paths, out.goals, title=title, resolution=80)
    return artists


def plot_joint_shares(ax: Axes, study: Any) -> list[Any]:
    """Bar chart: share of rollouts ending at North per policy, mean over seeds with 95% bootstrap CIs.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from types import SimpleNamespace
    >>> from discrete_softq.agents.stats import Estimate
    >>> study = SimpleNamespace(joint_share={"a": Estimate(0.5, 0.4, 0.6, 3), "b": Estimate(0.9, 0.8, 1.0, 3)},
    ...                         seeds=(0, 1, 2))
    >>> fig, ax = plt.subplots()
    >>> len(plot_joint_shares(ax, study)), ax.get_ylabel()
    (1, 'share of rollouts ending at North')
    >>> plt.close(fig)
    """
    names = list(study.joint_share)
    est = [study.joint_share[k] for k in names]
    values = np.array([e.value for e in est])
    err = np.array([[e.value - e.low for e in est], [e.high - e.value for e in est]])
    x = np.arange(len(names))
    bars = ax.bar(x, values, yerr=err, capsize=4, color=[f"C{k}" for k in range(len(names))], alpha=0.8)
    artists: list[Any] = [bars]
    ax.set_xticks(x, [n.replace(" {", "\n{") for n in names], fontsize=8)
    ax.set(ylim=(0, 1.05), ylabel="share of rollouts ending at North",
           title=f"North (rewarded by both tasks)\nmean over {len(study.seeds)} seeds, 95% bootstrap CI")
    return artists


def plot_compose_study(axes: Any, study: Any, env: Any) -> list[Any]:
    """The first seed's rollouts of each policy (``axes[:-1]``) and the North-share bar chart (``axes[-1]``).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.envs.multigoal import MultiGoalEnv
    >>> from discrete_softq.experiments.multigoal_compose import compose_study
    >>> study = compose_study((0,), n_steps=30, n_sampler_steps=0, n_rollouts=1, hidden=(8,))
    >>> fig, axes = plt.subplots(1, 5)
    >>> len(plot_compose_study(axes, study, MultiGoalEnv())) > 4
    True
    >>> plt.close(fig)
    """
    artists = plot_policy_rollouts(axes[:-1], study.seeds[0], env)
    return artists + plot_joint_shares(axes[-1], study)

"""Figure of pre-training on the point mass: success curves with bands, steps to the threshold per seed.

Draws a :class:`~discrete_softq.experiments.pointmass_pretraining.PointMassPretrainingResult`
with the helpers of :mod:`discrete_softq.plotting.pretraining` (the tabular study's figure):
plotting only, every number comes from the experiment.
"""

from __future__ import annotations

from typing import Any

from matplotlib import rcParams

from .pretraining import plot_learning_curves, plot_steps_to_threshold

__all__ = ["plot_pointmass_pretraining_study"]


def plot_pointmass_pretraining_study(axes: Any, result: Any) -> list[Any]:
    """Fill three axes: success while fine-tuning with SQL, with DDPG (mean, 95% band), and steps to threshold.

    Parameters
    ----------
    axes : sequence of 3 matplotlib.axes.Axes
    result : PointMassPretrainingResult

    Returns
    -------
    list of matplotlib artists

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from discrete_softq.experiments.pointmass_pretraining import (PointMassPretrainingConfig,
    ...                                                               run_pointmass_pretraining)
    >>> cfg = PointMassPretrainingConfig(n_seeds=2, pretrain_steps=20, finetune_steps=20, eval_every=10, n_eval=1,
    ...                                  hidden=(4,), min_replay=8, batch_size=8, n_boot=10)
    >>> fig, axes = plt.subplots(1, 3)
    >>> artists = plot_pointmass_pretraining_study(axes, run_pointmass_pretraining(cfg))
    >>> all(ax.get_title() for ax in axes)
    True
    >>> plt.close(fig)
    """
    cfg, curves = result.config, result.curves()
    artists: list[Any] = []
    for ax, learner in zip(axes[:2], ("SQL", "DDPG")):
        pick = {k: v for k, v in curves.items() if k.startswith(learner + ",")}
        first = next(i for i, k in enumerate(result.labels) if k in pick)
        palette = rcParams["axes.prop_cycle"].by_key()["color"]     # C0, C1, ...: as in the last panel
        ax.set_prop_cycle(color=[palette[i % len(palette)] for i in range(first, first + len(pick))])
        policy = "sampled actions" if learner == "SQL" else "deterministic action"
        artists += plot_learning_curves(ax, result.eval_steps, pick,
                                        title=f"fine-tuning with {learner} on the east goal\n(mean over "
                                              f"{cfg.n_seeds} seeds, 95% bootstrap band)",
                                        xlabel="fine-tuning steps",
                                        ylabel=f"success rate ({cfg.n_eval} rollouts, {policy})",
                                        threshold=cfg.threshold, threshold_label=f"threshold {cfg.threshold:g}")
        ax.set_ylim(-0.02, 1.02)
    capped = result.capped_steps()
    ticks = {k.replace(", ", "\n").replace("max-ent sampler", "max-ent\nsampler"): v for k, v in capped.items()}
    artists += plot_steps_to_threshold(axes[2], ticks,
                                       title=f"steps until success >= {cfg.threshold:g} ({cfg.n_seeds} seeds)",
                                       ylabel="fine-tuning steps", cap=float(cfg.finetune_steps), seed=result.seed)
    axes[2].set_ylim(0, 1.05 * cfg.finetune_steps)
    return artists

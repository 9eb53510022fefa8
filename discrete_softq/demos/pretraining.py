"""Demo: does max-ent pre-training make a better initial Q-table than hard pre-training or zeros?

``python -m discrete_softq.demo pretraining [--n-seeds 30] [--out DIR] [--quick]``

Pre-trains soft Q-learning and Q-learning on a general task (reach any corner of a room), then
fine-tunes both learners from each initial Q-table (max-ent, hard, zeros) on a specific task
(only one corner pays), over many seeds. Prints a table of estimates with 95% bootstrap
intervals and paired differences; saves ``pretraining.png``. See
:mod:`discrete_softq.experiments.pretraining` for the exact protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..experiments.pretraining import PretrainingConfig, run_pretraining_experiment
from ._cli import default_out_dir, parse_dataclass_args

#: The experiment's own defaults: the command line only exposes them, it does not restate them.
_DEFAULTS = PretrainingConfig()

DESCRIPTION = "max-ent vs hard pre-training vs scratch as the initial Q-table for a new task (>= 30 seeds, CIs)"


@dataclass
class Args:
    n_seeds: int = _DEFAULTS.n_seeds
    """independent seeds per condition"""
    pretrain_steps: int = _DEFAULTS.pretrain_steps
    """steps on the general task (reach any corner)"""
    finetune_steps: int = _DEFAULTS.finetune_steps
    """steps on the specific task (one corner pays); a multiple of eval_every"""
    alpha: float = _DEFAULTS.alpha
    """temperature of soft Q-learning (KL form with a uniform prior)"""
    epsilon: float = _DEFAULTS.epsilon
    """exploration of Q-learning"""
    lr: float = _DEFAULTS.lr
    """learning rate of both learners"""
    eval_every: int = _DEFAULTS.eval_every
    """steps between evaluations of the greedy policy (and the reward window)"""
    seed: int = 0
    """root seed (SeedSequence.spawn per run)"""
    out: str = default_out_dir()
    """directory for pretraining.png"""
    quick: bool = False
    """6 seeds and short runs (seconds)"""
    no_progress: bool = False
    """no progress bars"""


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting.compose import plot_learning_curves, plot_steps_to_threshold

    args = parse_dataclass_args(Args, argv, "pretraining", DESCRIPTION)
    if args.quick:
        args.n_seeds, args.pretrain_steps, args.finetune_steps = 6, 3_000, 1_500
    cfg = PretrainingConfig(n_seeds=args.n_seeds, pretrain_steps=args.pretrain_steps,
                            finetune_steps=args.finetune_steps, alpha=args.alpha, epsilon=args.epsilon,
                            lr=args.lr, eval_every=args.eval_every,
                            early_steps=min(2_000, args.finetune_steps))
    res = run_pretraining_experiment(cfg, seed=args.seed, progress=not args.no_progress)
    est = res.estimates()
    budget = float(cfg.finetune_steps)

    # ------------------------------------------------------------------ printed figures
    print(f"{cfg.n_seeds} seeds; pre-training {cfg.pretrain_steps} steps, fine-tuning {cfg.finetune_steps} steps; "
          f"shortest path {res.shortest_path} (optimal reward/step {1 / res.shortest_path:.4f})")
    print("reward/step at the end of pre-training: " + ", ".join(
        f"{k} {v.mean():.4f}" for k, v in res.pretrain_reward.items()))
    print(f"{'condition':<20} {'steps to threshold':>24} {'reached':>20} {'greedy >= 0.9 after':>24} "
          f"{'reward/step, first ' + str(cfg.early_steps):>28}")
    for k in res.labels:
        e = est[k]
        print(f"{k:<20} {str(e['steps_to_threshold']):>24} {str(e['reached']):>20} "
              f"{str(e['greedy_steps_to_threshold']):>24} {str(e['early_reward']):>28}")
    print("(medians over seeds for steps, means otherwise; [95% bootstrap CI]; inf = never within the budget)")
    print("paired differences (mean over seeds, 95% CI; steps capped at the budget):")
    for learner in ("SQL", "QL"):
        for other in ("from scratch", "hard init"):
            a, b = f"{learner}, max-ent init", f"{learner}, {other}"
            print(f"  {a} - {b}: reward/step {res.paired_difference(a, b)}, "
                  f"steps to threshold {res.paired_difference(a, b, 'steps_to_threshold')}")

    # ------------------------------------------------------------------ the figure
    fig, axes = plt.subplots(2, 3, figsize=(18, 9), constrained_layout=True)
    rate, greedy = res.curves("reward_rate"), res.curves("greedy_value")
    for col, learner in enumerate(("SQL", "QL")):
        pick = [k for k in res.labels if k.startswith(learner + ",")]
        plot_learning_curves(axes[0, col], res.window_ends, {k: rate[k] for k in pick},
                             title=f"fine-tuning with {learner}: reward per step",
                             ylabel=f"reward per step (window {cfg.eval_every})",
                             threshold=1 / res.shortest_path, threshold_label="optimum (1 / shortest path)")
        plot_learning_curves(axes[1, col], res.eval_steps, {k: greedy[k] for k in pick},
                             title=f"fine-tuning with {learner}: greedy policy, exact value",
                             ylabel="V_greedy(start) / V*(start)", threshold=cfg.greedy_threshold,
                             threshold_label=f"threshold {cfg.greedy_threshold}")
    for row, (measure, title) in enumerate((("steps_to_threshold", f"{cfg.k_good} short successful episodes"),
                                            ("greedy_steps_to_threshold", "greedy value >= 0.9"))):
        data = getattr(res, measure)
        plot_steps_to_threshold(axes[row, 2], {
            k.replace(", ", "\n"): (np.minimum(data[k], budget), min(est[k][measure].value, budget),
                                    min(est[k][measure].low, budget), min(est[k][measure].high, budget))
            for k in res.labels}, title=f"steps until {title}", cap=budget)
    fig.suptitle("Max-ent pre-training as an initialisation: general task (any corner) -> specific task (one corner)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "pretraining.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

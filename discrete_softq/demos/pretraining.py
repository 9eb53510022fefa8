"""Demo: does max-ent pre-training make a better initial Q-table than hard pre-training or zeros?

``python -m discrete_softq.demo pretraining [--n-seeds 30] [--out DIR] [--quick]``

Runs :func:`discrete_softq.experiments.pretraining.run_pretraining_experiment` (pre-train soft
Q-learning and Q-learning on a general task, reach any corner of a room, then fine-tune both
learners from each initial Q-table, max-ent, hard or zeros, on a specific task where only one
corner pays, over many seeds), prints its table of estimates with 95% bootstrap intervals and
paired differences, and saves ``pretraining.png``
(:func:`discrete_softq.plotting.pretraining.plot_pretraining_study`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..experiments.pretraining import PretrainingConfig
from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

#: The experiment's own defaults: the command line only exposes them, it does not restate them.
_DEFAULTS = PretrainingConfig()

DESCRIPTION = "max-ent vs hard pre-training vs scratch as the initial Q-table for a new task (>= 30 seeds, CIs)"


@dataclass
class Args:
    n_seeds: int = option(_DEFAULTS.n_seeds, low=2)
    """independent seeds per condition"""
    pretrain_steps: int = option(_DEFAULTS.pretrain_steps, low=1)
    """steps on the general task (reach any corner)"""
    finetune_steps: int = option(_DEFAULTS.finetune_steps, low=1)
    """steps on the specific task (one corner pays); a multiple of --eval-every"""
    alpha: float = option(_DEFAULTS.alpha, low=0.0, low_open=True, high=1e3)
    """temperature of soft Q-learning (KL form with a uniform prior)"""
    epsilon: float = option(_DEFAULTS.epsilon, low=0.0, high=1.0)
    """exploration of Q-learning"""
    lr: float = option(_DEFAULTS.lr, low=0.0, high=1.0, low_open=True)
    """learning rate of both learners"""
    eval_every: int = option(_DEFAULTS.eval_every, low=1)
    """steps between evaluations of the greedy policy (and the reward window)"""
    seed: int = option(0, low=0)
    """root seed (SeedSequence.spawn per run)"""
    out: str = DEFAULT_OUT
    """directory for pretraining.png (figures = the committed gallery)"""
    quick: bool = False
    """6 seeds and short runs (seconds)"""
    no_progress: bool = False
    """no progress bars"""

    QUICK: ClassVar[dict] = {"n_seeds": 6, "pretrain_steps": 3_000, "finetune_steps": 1_500}

    def __post_init__(self) -> None:
        if self.finetune_steps % self.eval_every:
            raise ValueError(f"argument --finetune-steps: must be a multiple of --eval-every={self.eval_every}; "
                             f"got {self.finetune_steps}")


def main(argv: list[str] | None = None) -> int:
    """Parse, run the experiment, print its table, draw and save ``pretraining.png``; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--n-seeds", "0"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.pretraining import run_pretraining_experiment
    from ..plotting.pretraining import plot_pretraining_study

    args = parse_dataclass_args(Args, argv, "pretraining", DESCRIPTION)
    cfg = PretrainingConfig(n_seeds=args.n_seeds, pretrain_steps=args.pretrain_steps,
                            finetune_steps=args.finetune_steps, alpha=args.alpha, epsilon=args.epsilon,
                            lr=args.lr, eval_every=args.eval_every, early_steps=min(2_000, args.finetune_steps))
    result = run_pretraining_experiment(cfg, seed=args.seed, progress=not args.no_progress)
    print(result.report())
    fig, axes = pyplot().subplots(2, 3, figsize=(18, 9), constrained_layout=True)
    plot_pretraining_study(axes, result)
    fig.suptitle("Max-ent pre-training as an initialisation: general task (any corner) -> specific task (one corner)")
    save_figure(fig, args.out, "pretraining.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

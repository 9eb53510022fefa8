"""Demo: does pre-training on "move fast in any direction" speed up learning to reach one goal of the point mass?

``python -m discrete_softq.demo pointmass_pretraining [--n-seeds 10] [--out DIR] [--quick]``

Runs :func:`discrete_softq.experiments.pointmass_pretraining.run_pointmass_pretraining` (each
seed pre-trains soft Q-learning and DDPG on a speed reward in any direction, then fine-tunes
each from its own networks and from scratch on the east goal of the multi-goal point mass),
prints its table of estimates with 95% bootstrap intervals and paired differences, and saves
``pointmass_pretraining.png``
(:func:`discrete_softq.plotting.pointmass_pretraining.plot_pointmass_pretraining_study`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..experiments.pointmass_pretraining import PointMassPretrainingConfig
from ._cli import DEFAULT_OUT, option, parse_dataclass_args, pyplot, save_figure

#: The experiment's own defaults: the command line only exposes them, it does not restate them.
_DEFAULTS = PointMassPretrainingConfig()

DESCRIPTION = ("point mass: fine-tune SQL / DDPG pre-trained on speed in any direction, or from scratch, "
               "on one goal (steps to 80% success, >= 10 seeds, CIs)")


@dataclass
class Args:
    n_seeds: int = option(_DEFAULTS.n_seeds, low=2)
    """independent seeds (each pre-trains its own agents)"""
    pretrain_steps: int = option(_DEFAULTS.pretrain_steps, low=1)
    """steps on the general task (speed in any direction)"""
    finetune_steps: int = option(_DEFAULTS.finetune_steps, low=1)
    """steps on the specific task (the east goal); a multiple of --eval-every"""
    eval_every: int = option(_DEFAULTS.eval_every, low=1)
    """fine-tuning steps between evaluations"""
    n_eval: int = option(_DEFAULTS.n_eval, low=1)
    """evaluation rollouts per evaluation"""
    threshold: float = option(_DEFAULTS.threshold, low=0.0, high=1.0, low_open=True)
    """success rate that counts as learned"""
    seed: int = option(0, low=0)
    """root seed (SeedSequence.spawn per seed)"""
    out: str = DEFAULT_OUT
    """directory for pointmass_pretraining.png (figures = the committed gallery)"""
    quick: bool = False
    """2 seeds, tiny networks and budgets (seconds; the numbers mean nothing)"""
    no_progress: bool = False
    """no progress bar"""

    QUICK: ClassVar[dict] = {"n_seeds": 2, "pretrain_steps": 150, "finetune_steps": 150, "eval_every": 50,
                             "n_eval": 3}

    def __post_init__(self) -> None:
        if self.finetune_steps % self.eval_every:
            raise ValueError(f"argument --finetune-steps: must be a multiple of --eval-every={self.eval_every}; "
                             f"got {self.finetune_steps}")


def main(argv: list[str] | None = None) -> int:
    """Parse, run the experiment, print its table, draw and save ``pointmass_pretraining.png``; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--n-seeds", "1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.pointmass_pretraining import run_pointmass_pretraining
    from ..plotting.pointmass_pretraining import plot_pointmass_pretraining_study

    args = parse_dataclass_args(Args, argv, "pointmass_pretraining", DESCRIPTION)
    small: dict[str, Any] = dict(hidden=(16,), min_replay=32, batch_size=32, n_boot=200) if args.quick else {}
    cfg = PointMassPretrainingConfig(n_seeds=args.n_seeds, pretrain_steps=args.pretrain_steps,
                                     finetune_steps=args.finetune_steps, eval_every=args.eval_every,
                                     n_eval=args.n_eval, threshold=args.threshold, **small)
    result = run_pointmass_pretraining(cfg, seed=args.seed, progress=not args.no_progress)
    print(result.report())
    fig, axes = pyplot().subplots(1, 3, figsize=(19, 5.8), constrained_layout=True,
                                  gridspec_kw={"width_ratios": [1, 1, 1.25]})
    plot_pointmass_pretraining_study(axes, result)
    fig.suptitle(f"Point mass: pre-trained on speed in any direction ({cfg.pretrain_steps} steps), "
                 f"fine-tuned on the east goal (Haarnoja et al. 2017, Sec. 5.3)")
    save_figure(fig, args.out, "pointmass_pretraining.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

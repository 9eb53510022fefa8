"""Demo: the soft value's importance sampling (uniform vs policy proposal), and multi-goal robustness to noise.

    python -m discrete_softq.demo importance_sampling [--quick] [--mg-seeds 3] [--out DIR]

1. The lab (:func:`discrete_softq.experiments.importance_sampling.run_is_lab`): a soft Q with a
   closed-form soft value on [-1, 1]^d, d = 1..6; the bias of log Z_hat against the number of
   samples and the variance ratio against d; writes ``importance_sampling.png``
   (:func:`discrete_softq.plotting.importance_sampling.plot_is_lab`).
2. The multi-goal task (:func:`discrete_softq.experiments.multigoal_noise.run_proposal_noise_study`):
   soft Q-learning with ``value_proposal="uniform"`` and ``"policy"``, and DDPG, each trained for
   ``--mg-steps`` on ``--mg-seeds`` seeds; goals reached and return, then the same agents rolled
   out under ``MultiGoalEnv(dynamics_noise=sigma)``. ``--mg-seeds 0`` skips this part. The default
   budget (3 agents x 3 seeds x 6,000 steps) takes about 10-20 minutes on one core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, floats, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = ("Importance sampling of the soft value: uniform vs policy proposal (bias, variance, d = 1..6), "
               "and its effect on the multi-goal task; SQL and DDPG under dynamics noise")


@dataclass
class Args:
    max_dim: int = option(6, low=1, high=12)
    """lab: action dimensions 1..max_dim"""
    n_repeats: int = option(400, low=2)
    """lab: repetitions of each estimate"""
    n_fit: int = option(32, low=2)
    """lab: policy samples the Gaussian proposal is fitted to"""
    width: float = option(0.2, low=0.0, low_open=True, high=10.0)
    """lab: width of each mode of exp(Q / alpha)"""
    mg_steps: int = option(6000, low=1)
    """multi-goal: training steps per agent"""
    mg_seeds: int = option(3, low=0)
    """multi-goal: seeds per agent (0 skips the multi-goal part)"""
    n_rollouts: int = option(100, low=1)
    """multi-goal: evaluation rollouts per agent and noise level"""
    noise_levels: tuple = floats((0.0, 0.1, 0.3), low=0.0)
    """multi-goal: dynamics noise levels of the evaluation (comma-separated)"""
    seed: int = option(0, low=0)
    """seed of the lab"""
    out: str = DEFAULT_OUT
    """directory for importance_sampling.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds"""
    no_progress: bool = False
    """hide the progress bars"""

    QUICK: ClassVar[dict] = {"max_dim": 3, "n_repeats": 50, "mg_steps": 250, "mg_seeds": 1, "n_rollouts": 5}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the lab and the multi-goal study, print their reports, save ``importance_sampling.png``; return 0.

    >>> try:
    ...     main(["--n-repeats", "1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.importance_sampling import ISLabConfig, run_is_lab
    from ..experiments.multigoal_noise import run_proposal_noise_study
    from ..plotting.importance_sampling import plot_is_lab

    args = parse_dataclass_args(Args, argv, "importance_sampling", DESCRIPTION)
    lab = run_is_lab(ISLabConfig(dims=tuple(range(1, args.max_dim + 1)), n_repeats=args.n_repeats, n_fit=args.n_fit,
                                 width=args.width, seed=args.seed))
    print(lab.report())
    fig, axes = pyplot().subplots(1, 2, figsize=(14, 5.5))
    plot_is_lab(axes, lab)
    fig.suptitle("Importance-sampled soft value V = alpha log of the integral of exp(Q/alpha) over [-1, 1]^d")
    fig.tight_layout()
    save_figure(fig, args.out, "importance_sampling.png")
    if args.mg_seeds > 0:
        study = run_proposal_noise_study(args.mg_steps, range(args.mg_seeds), args.noise_levels, args.n_rollouts,
                                         progress=not args.no_progress)
        print(study.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Demo: soft Q-learning learns the exact soft Q* from any behaviour; its own Boltzmann behaviour can lock in.

    python -m discrete_softq.demo offpolicy [--quick] [--out DIR]

Runs :func:`discrete_softq.experiments.offpolicy.run_offpolicy` (on-policy, epsilon-mixing and
uniform behaviour, on the 3x4 layout of issue 14 and on gymnasium's FrozenLake-v1; and uniform
state-action pairs drawn from FrozenLake's exact model), prints its
table and writes ``offpolicy.png`` (:func:`discrete_softq.plotting.offpolicy.plot_offpolicy_study`):
the error against the exact soft Q* over training steps, with 95% bands, and the visit counts of
the (s, a) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, floats, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "soft Q-learning from any behaviour: uniform reaches the exact soft Q*, on-policy locks in"


@dataclass
class Args:
    alpha: float = option(0.5, low=0.0, low_open=True, high=100.0)
    """temperature of the Shannon bonus"""
    epsilons: tuple[float, ...] = floats((0.01, 0.1, 0.5), low=0.0, high=1.0, low_open=True, high_open=True)
    """shares of uniform actions mixed into the Boltzmann behaviour"""
    seeds: int = option(10, low=2)
    """seeds per behaviour and task"""
    grid_steps: int = option(200_000, low=100)
    """steps per run on the 3x4 layout"""
    lake_steps: int = option(50_000, low=100)
    """steps per run on FrozenLake (the per-step gymnasium loop: the slow part)"""
    model_samples: int = option(6_000_000, low=0)
    """samples per run from FrozenLake's model, pairs uniform (0: skip)"""
    seed: int = option(0, low=0)
    """master seed"""
    out: str = DEFAULT_OUT
    """directory for offpolicy.png (figures = the committed gallery)"""
    quick: bool = False
    """small run in seconds"""
    no_progress: bool = False
    """hide the progress bar"""

    QUICK: ClassVar[dict] = {"seeds": 3, "grid_steps": 20_000, "lake_steps": 2_000, "model_samples": 20_000,
                             "epsilons": (0.5,)}


def main(argv: list[str] | None = None) -> int:
    """Parse, run the study, print its table, draw and save ``offpolicy.png``; return 0.

    >>> try:
    ...     main(["--seeds", "1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.offpolicy import OffPolicyConfig, run_offpolicy
    from ..plotting.offpolicy import plot_offpolicy_study

    args = parse_dataclass_args(Args, argv, "offpolicy", DESCRIPTION)
    study = run_offpolicy(OffPolicyConfig(alpha=args.alpha, epsilons=args.epsilons, n_seeds=args.seeds,
                                          grid_steps=args.grid_steps, lake_steps=args.lake_steps,
                                          model_samples=args.model_samples, seed=args.seed),
                          progress=not args.no_progress)
    print(study.report())
    fig, axes = pyplot().subplots(2, 2, figsize=(15, 10))
    plot_offpolicy_study(axes, study)
    fig.suptitle("Soft Q-learning is off-policy: from uniform behaviour it reaches the exact soft Q*; "
                 "its own Boltzmann behaviour can lock in")
    fig.tight_layout()
    save_figure(fig, args.out, "offpolicy.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Demo: one-step entropy (Boltzmann exploration of the hard Q*) is not the max-ent objective.

``python -m discrete_softq.demo boltzmann_vs_maxent [--alpha 0.03] [--prior shannon] [--quick]``

Runs :func:`discrete_softq.experiments.boltzmann_vs_maxent.run_boltzmann_vs_maxent` on the
``corridor_or_room`` map: the soft-optimal policy and ``softmax(Q*_hard / alpha)`` evaluated
exactly (max-ent and reward-only returns, trajectory entropy, the share into the room at the fork
and the route taken to the goal), a Monte Carlo check with ``GridWorld.step`` rollouts (95%
bootstrap CIs over seeds) and a temperature sweep; prints the report and saves
``boltzmann_vs_maxent.png`` (map, both occupancies, the sweep).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._cli import DEFAULT_OUT, floats, option, parse_dataclass_args, pyplot, save_figure

DESCRIPTION = "one-step entropy is not max-ent: soft optimum vs Boltzmann policy of the hard Q*, corridor or room"


@dataclass
class Args:
    alpha: float = option(0.03, low=0.0, low_open=True, high=100.0)
    """temperature of both policies"""
    prior: str = option("shannon", choices=("shannon", "kl_uniform"))
    """the objective's bonus: Shannon entropy or minus the KL divergence to the uniform policy"""
    step_reward: float = option(-0.05, low=-1.0, high=0.0)
    """reward of every step that does not enter the goal (+1)"""
    gamma: float = option(0.95, low=0.0, high=1.0, high_open=True)
    """discount"""
    sweep: tuple[float, ...] = floats((0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.3), low=0.0, low_open=True)
    """temperatures of the sweep"""
    seeds: int = option(20, low=0)
    """seeds of the Monte Carlo check (0: skip it)"""
    episodes: int = option(100, low=1)
    """episodes per seed and policy in the Monte Carlo check"""
    seed: int = option(0, low=0)
    """master seed of the rollouts"""
    out: str = DEFAULT_OUT
    """directory for boltzmann_vs_maxent.png (figures = the committed gallery)"""
    quick: bool = False
    """a small run (seconds): 5 seeds x 20 episodes, four sweep temperatures"""
    no_progress: bool = False
    """no progress bar"""

    QUICK: ClassVar[dict] = {"seeds": 5, "episodes": 20, "sweep": (0.01, 0.03, 0.1, 0.3)}


def main(argv: list[str] | None = None) -> int:
    """Run the comparison, print its report, save ``boltzmann_vs_maxent.png``; return 0.

    A bad value ends the run before anything is computed (status 2, one line on stderr):

    >>> try:
    ...     main(["--seeds", "1", "--alpha", "-1"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    from ..experiments.boltzmann_vs_maxent import LAYOUT, run_boltzmann_vs_maxent
    from ..plotting.boltzmann_vs_maxent import plot_boltzmann_vs_maxent

    args = parse_dataclass_args(Args, argv, "boltzmann_vs_maxent", DESCRIPTION)
    if args.seeds == 1:
        raise SystemExit("boltzmann_vs_maxent: --seeds must be 0 (skip) or >= 2 (for the intervals)")
    result = run_boltzmann_vs_maxent(args.alpha, args.prior, args.step_reward, args.gamma, args.sweep,
                                     n_seeds=args.seeds, n_episodes=args.episodes, seed=args.seed,
                                     progress=not args.no_progress)
    print(result.report())
    fig = pyplot().figure(figsize=(15, 8.5), layout="constrained")
    plot_boltzmann_vs_maxent(fig, result, LAYOUT)
    save_figure(fig, args.out, "boltzmann_vs_maxent.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

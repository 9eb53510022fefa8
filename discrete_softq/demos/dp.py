"""Demo: exact soft dynamic programming on a gridworld -- the contraction, temperatures, soft vs hard.

``python -m discrete_softq.demo dp [--quick] [--out DIR] [--prior shannon|uniform]``

Solves a gridworld's exact model (``GridWorld.to_mdp``) with every solver of
:mod:`discrete_softq.dp` and saves three figures:

* ``contraction.png`` -- residuals per sweep (log scale) for several gammas and alphas, with the
  ``gamma^k`` slope of the contraction theorem, and the iterations each solver needs per gamma;
* ``soft_vs_hard_gridworld.png`` -- values, policy arrows and policy entropy over the map, one
  column per temperature (alpha = 0 is the hard solution);
* ``temperature_sweep.png`` -- the policy at the start state as alpha goes from ~0 to large, for
  the Shannon objective and the KL-to-uniform one, and the start value between its bounds.

It prints iterations, error bounds and times per solver, and the measured contraction rates.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._cli import default_out_dir, parse_dataclass_args

DESCRIPTION = "exact soft DP on a gridworld: the contraction, solvers per gamma, soft vs hard across temperatures"


@dataclass
class Args:
    layout: str = "two_routes"
    """gridworld map (a key of discrete_softq.envs.LAYOUTS)"""
    gamma: float = 0.9
    """discount of the runs whose alpha varies, and of the gridworld and temperature figures"""
    alpha: float = 0.1
    """temperature of the runs whose gamma varies, and of the solver comparison"""
    contraction_gammas: str = "0.8,0.9,0.95"
    """comma-separated discounts of the contraction panel (at --alpha)"""
    contraction_alphas: str = "0,0.01,0.1,1"
    """comma-separated temperatures of the contraction panel (at --gamma)"""
    solver_gammas: str = "0.5,0.7,0.8,0.9,0.95,0.98,0.99"
    """comma-separated discounts of the iterations-per-solver panel"""
    grid_alphas: str = "0,0.003,0.01,0.03"
    """comma-separated temperatures of the soft-vs-hard gridworld figure (0 = hard)"""
    prior: str = "shannon"
    """entropy of the gridworld figure: 'shannon' (prior=None, the paper's) or 'uniform' (KL to uniform)"""
    n_temperatures: int = 31
    """temperatures of the sweep, log-spaced in [1e-3, 10]"""
    tol: float = 1e-8
    """guaranteed sup-norm accuracy of every solve"""
    seed: int = 0
    """unused: everything here is exact (kept for a uniform command line)"""
    out: str = default_out_dir()
    """directory for the PNGs"""
    quick: bool = False
    """fewer discounts and temperatures (seconds)"""
    no_progress: bool = False
    """no progress bars (there are none here)"""


def parse_args(argv: list[str] | None = None) -> Args:
    """Build the command line from :class:`Args` (``--field-name``, help from the field's docstring)."""
    args = parse_dataclass_args(Args, argv, "dp", DESCRIPTION)
    if args.prior not in ("shannon", "uniform"):
        print(f"python -m discrete_softq.demo dp: error: --prior must be 'shannon' or 'uniform'; "
              f"got {args.prior!r}", file=sys.stderr)
        raise SystemExit(2)
    return args


def _floats(text: str, name: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers; got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..dp import (
        soft_policy_iteration,
        soft_q_iteration,
        soft_value_iteration,
        value_iteration,
    )
    from ..envs import GridWorld
    from ..plotting.dp import (
        plot_contraction,
        plot_iterations_versus_gamma,
        plot_policy_versus_temperature,
        plot_probability_versus_temperature,
        plot_soft_vs_hard_gridworld,
        plot_value_versus_temperature,
    )

    args = parse_args(argv)
    c_gammas = _floats(args.contraction_gammas, "--contraction-gammas")
    c_alphas = _floats(args.contraction_alphas, "--contraction-alphas")
    s_gammas = _floats(args.solver_gammas, "--solver-gammas")
    g_alphas = _floats(args.grid_alphas, "--grid-alphas")
    n_temps = args.n_temperatures
    if args.quick:
        c_gammas, c_alphas, s_gammas, n_temps = c_gammas[:2], c_alphas[:3], s_gammas[::3], min(n_temps, 7)
    env = GridWorld(args.layout, gamma=args.gamma)
    mdp = env.to_mdp()
    s0 = env.start_state()
    uniform = np.full(mdp.n_actions, 1.0 / mdp.n_actions)
    prior = None if args.prior == "shannon" else uniform
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{args.layout}: {mdp.n_states} cells x {mdp.n_actions} actions, start cell {env.cell_of(s0)}, "
          f"tol = {args.tol:g}")

    # ------------------------------------------------------------------ the contraction
    by_gamma, by_alpha = {}, {}
    print("\nsoft Q-iteration, residual |TQ_k - Q_k|_inf: sweeps, last-half rate (gamma^k predicts gamma)")
    for g in c_gammas:
        sol = soft_q_iteration(env.to_mdp(gamma=g), args.alpha, tol=args.tol)
        by_gamma[f"gamma = {g:g}, alpha = {args.alpha:g}"] = sol.residuals
        print(f"  gamma={g:<5g} alpha={args.alpha:<6g} sweeps={sol.iterations:5d}  rate={_rate(sol.residuals):.4f}")
    for a in c_alphas:
        sol = soft_q_iteration(mdp, a, tol=args.tol)
        by_alpha[f"alpha = {a:g}, gamma = {args.gamma:g}"] = sol.residuals
        print(f"  gamma={args.gamma:<5g} alpha={a:<6g} sweeps={sol.iterations:5d}  rate={_rate(sol.residuals):.4f}")

    solvers = {"soft Q-iteration": soft_q_iteration, "soft value iteration": soft_value_iteration,
               "soft policy iteration": soft_policy_iteration}
    iterations: dict[str, list[int]] = {name: [] for name in solvers}
    print(f"\nsolvers at alpha={args.alpha:g}: iterations, guaranteed error bound, wall time")
    for g in s_gammas:
        m = env.to_mdp(gamma=g)
        for name, solver in solvers.items():
            t = time.perf_counter()
            sol = solver(m, args.alpha, tol=args.tol)
            dt = time.perf_counter() - t
            iterations[name].append(sol.iterations)
            print(f"  gamma={g:<5g} {name:<22} iterations={sol.iterations:6d}  "
                  f"error_bound={sol.error_bound:.2e}  time={1e3 * dt:7.1f} ms")

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), constrained_layout=True)
    plot_contraction(axes[0], by_gamma, {k: g for k, g in zip(by_gamma, c_gammas)},
                     title=f"residual per sweep, alpha = {args.alpha:g}, several gammas")
    plot_contraction(axes[1], by_alpha, {k: args.gamma for k in by_alpha},
                     title=f"residual per sweep, gamma = {args.gamma:g}, several alphas")
    plot_iterations_versus_gamma(axes[2], s_gammas, iterations,
                                 title=f"iterations to tol = {args.tol:g}, alpha = {args.alpha:g}")
    fig.suptitle(f"Soft Q-iteration is a gamma-contraction ({args.layout} gridworld, exact model)")
    _save(fig, out / "contraction.png")
    plt.close(fig)

    # ------------------------------------------------------------------ soft vs hard on the grid
    grid = [value_iteration(mdp, tol=args.tol) if a == 0 else soft_policy_iteration(mdp, a, tol=args.tol, prior=prior)
            for a in g_alphas]
    print(f"\nsoft vs hard ({args.prior} entropy): value and policy (up, right, down, left) at the start")
    for sol in grid:
        print(f"  alpha={sol.alpha:<6g} V(start)={sol.V[s0]:9.4f}  pi(.|start)={np.round(sol.policy[s0], 3)}")
    fig, axes = plt.subplots(3, len(grid), figsize=(4.6 * len(grid), 11), constrained_layout=True, squeeze=False)
    plot_soft_vs_hard_gridworld(axes, grid, env.layout)
    fig.suptitle(f"Soft vs hard optimal solutions on {args.layout} (gamma = {args.gamma:g}, "
                 f"{'Shannon entropy, prior=None' if prior is None else 'KL to the uniform prior'})")
    _save(fig, out / "soft_vs_hard_gridworld.png")
    plt.close(fig)

    # ------------------------------------------------------------------ the temperature sweep
    temps = np.geomspace(1e-3, 10.0, n_temps)
    hard = value_iteration(mdp, tol=args.tol)
    shannon = [soft_policy_iteration(mdp, a, tol=args.tol) for a in temps]
    kl = [soft_policy_iteration(mdp, a, tol=args.tol, prior=uniform) for a in temps]
    s_near, a_in = _step_into_goal(mdp)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), constrained_layout=True)
    plot_policy_versus_temperature(axes[0], temps, [s.policy[s0] for s in shannon],
                                   title="pi*(a | start), Shannon entropy (prior=None)")
    plot_probability_versus_temperature(
        axes[1], temps, {"Shannon (prior=None)": [s.policy[s_near, a_in] for s in shannon],
                         "KL to uniform": [s.policy[s_near, a_in] for s in kl]},
        reference=1.0 / mdp.n_actions, reference_label="uniform 1/|A|",
        title=f"pi*(step into the goal | cell {env.cell_of(s_near)} next to it)")
    values = {"Shannon (prior=None)": np.array([s.V[s0] for s in shannon]),
              "KL to uniform": np.array([s.V[s0] for s in kl])}
    plot_value_versus_temperature(axes[2], temps, values, hard_value=hard.V[s0],
                                  upper_bound=hard.V[s0] + temps * np.log(mdp.n_actions) / (1 - mdp.gamma),
                                  title="V*(start): Shannon grows without bound; KL -> the random walk's value")
    if all(np.all(v > 0) for v in values.values()):
        axes[2].set_yscale("log")
    fig.suptitle(f"From hard (alpha -> 0) to uniform (alpha large) at the start of {args.layout}, "
                 f"gamma = {args.gamma:g}")
    _save(fig, out / "temperature_sweep.png")
    plt.close(fig)
    i_big = int(np.argmin(np.abs(temps - 1.0)))
    print(f"\ntemperature sweep at the start: hard V = {hard.V[s0]:.4f}; at alpha = {temps[i_big]:.3g}: "
          f"Shannon V = {shannon[i_big].V[s0]:.4f}, KL V = {kl[i_big].V[s0]:.4f}")
    print(f"Shannon pitfall: pi(step into the goal | {env.cell_of(s_near)}) at alpha = {temps[i_big]:.3g}: "
          f"Shannon {shannon[i_big].policy[s_near, a_in]:.3f}, KL {kl[i_big].policy[s_near, a_in]:.3f} "
          f"(uniform {1 / mdp.n_actions:.3f})")
    return 0


def _rate(residuals: np.ndarray) -> float:
    """Geometric decay per sweep over the last half of the positive residuals (0 if it hit 0)."""
    r = residuals[residuals > 0]
    if r.size < 4 or r.size < residuals.size:
        return 0.0
    h = r.size // 2
    return float((r[-1] / r[h]) ** (1.0 / (r.size - 1 - h)))


def _step_into_goal(mdp) -> tuple[int, int]:
    """A non-terminal state and the action that enters a terminal state from it with certainty."""
    P = mdp.transitions
    into = np.asarray(P[:, mdp.terminal].sum(axis=1)).reshape(mdp.n_states, mdp.n_actions)
    into[mdp.terminal] = 0.0
    s, a = np.unravel_index(int(np.argmax(into)), into.shape)
    return int(s), int(a)


def _save(fig, path: Path) -> None:
    fig.savefig(path, dpi=100)
    print(f"saved {path}")


if __name__ == "__main__":
    raise SystemExit(main())

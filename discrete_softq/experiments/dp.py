r"""Exact soft dynamic programming on a gridworld: the contraction, the solvers, soft vs hard.

Everything here is exact (no sampling): a gridworld's model (:meth:`GridWorld.to_mdp`) is solved
with every solver of :mod:`discrete_softq.dp`, and :func:`run_dp` gathers

* the contraction -- residuals :math:`\|\mathcal{T}Q_k - Q_k\|_\infty` per sweep of soft
  Q-iteration for several discounts and temperatures, with the measured rate per sweep (the
  theorem predicts at most :math:`\gamma`);
* the solvers -- iterations, guaranteed error bound and wall time of soft Q-iteration, soft
  value iteration and soft policy iteration against the discount;
* soft vs hard -- the optimal solutions at a few temperatures (``alpha = 0`` is the hard one);
* the temperature sweep -- the policy and value at the start as alpha grows, for the Shannon
  objective and the KL-to-uniform one, and the probability of stepping into the goal from the
  cell next to it (the Shannon bonus makes it fall below uniform: ending the episode forfeits
  the entropy to come).

``python -m discrete_softq.demo dp`` prints :meth:`DPResult.report` and draws the figures of
:mod:`discrete_softq.plotting.dp_study`.

>>> res = run_dp(DPConfig(contraction_gammas=(0.9,), contraction_alphas=(0.1,), solver_gammas=(0.9,),
...                       grid_alphas=(0.0, 0.1), n_temperatures=3))
>>> bool(res.by_gamma[0].rate <= 0.9 + 1e-6)
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from .._validate import integer, real
from ..dp import SoftSolution, soft_policy_iteration, soft_q_iteration, soft_value_iteration, value_iteration
from ..envs import GridWorld
from ..mdp import TabularMDP

__all__ = ["DPConfig", "ContractionRun", "SolverRun", "DPResult", "SOLVERS", "contraction_rate",
           "contraction_runs", "solver_runs", "step_into_goal", "run_dp"]

#: The solvers compared, by the name every table and figure uses.
SOLVERS: dict[str, Callable[..., SoftSolution]] = {
    "soft Q-iteration": soft_q_iteration,
    "soft value iteration": soft_value_iteration,
    "soft policy iteration": soft_policy_iteration,
}


@dataclass(frozen=True)
class DPConfig:
    """What :func:`run_dp` solves (defaults: the gallery's figures)."""

    layout: str = "two_routes"
    gamma: float = 0.9
    alpha: float = 0.1
    contraction_gammas: tuple[float, ...] = (0.8, 0.9, 0.95)
    contraction_alphas: tuple[float, ...] = (0.0, 0.01, 0.1, 1.0)
    solver_gammas: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
    grid_alphas: tuple[float, ...] = (0.0, 0.003, 0.01, 0.03)
    prior: str = "shannon"
    n_temperatures: int = 31
    tol: float = 1e-8

    def __post_init__(self) -> None:
        if self.prior not in ("shannon", "uniform"):
            raise ValueError(f"prior must be 'shannon' or 'uniform'; got {self.prior!r}")
        real(self.gamma, "gamma", low=0.0, high=1.0, high_open=True)
        real(self.alpha, "alpha", low=0.0)
        real(self.tol, "tol", low=0.0, low_open=True)
        integer(self.n_temperatures, "n_temperatures", low=1)
        for name, low, high in (("contraction_gammas", 0.0, 1.0), ("solver_gammas", 0.0, 1.0),
                                ("contraction_alphas", 0.0, None), ("grid_alphas", 0.0, None)):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not values:
                raise ValueError(f"{name} must be a non-empty tuple of numbers; got {values!r}")
            for i, v in enumerate(values):
                real(v, f"{name}[{i}]", low=low, high=high, high_open=high is not None)


@dataclass(frozen=True, eq=False)
class ContractionRun:
    """Soft Q-iteration at one (gamma, alpha): its residual per sweep and measured rate."""

    gamma: float
    alpha: float
    residuals: NDArray[np.float64]
    rate: float

    @property
    def label(self) -> str:
        """Legend text, e.g. ``gamma = 0.9, alpha = 0.1``."""
        return f"gamma = {self.gamma:g}, alpha = {self.alpha:g}"


@dataclass(frozen=True)
class SolverRun:
    """One solve: which solver, at which discount, how many iterations, what bound, how long."""

    solver: str
    gamma: float
    iterations: int
    error_bound: float
    seconds: float


def contraction_rate(residuals: NDArray[np.float64]) -> float:
    """Geometric decay per sweep over the last half of the residuals (0 if they reached 0).

    >>> contraction_rate(0.5 ** np.arange(10.0))
    0.5
    """
    r = np.asarray(residuals, dtype=float)
    pos = r[r > 0]
    if pos.size < 4 or pos.size < r.size:
        return 0.0
    h = pos.size // 2
    return float((pos[-1] / pos[h]) ** (1.0 / (pos.size - 1 - h)))


def contraction_runs(env: GridWorld, gammas: tuple[float, ...], alphas: tuple[float, ...], *, alpha: float,
                     gamma: float, tol: float) -> tuple[tuple[ContractionRun, ...], tuple[ContractionRun, ...]]:
    """Soft Q-iteration for each discount (at ``alpha``) and each temperature (at ``gamma``).

    Parameters
    ----------
    env : GridWorld
        Its model ``env.to_mdp(gamma=g)`` is solved.
    gammas, alphas : tuple of float
        Discounts of the first family, temperatures of the second.
    alpha, gamma : float
        The temperature held fixed while gamma varies, and the discount held fixed while alpha varies.
    tol : float
        Guaranteed accuracy of each solve.

    Returns
    -------
    by_gamma, by_alpha : tuple of ContractionRun

    Examples
    --------
    >>> by_gamma, by_alpha = contraction_runs(GridWorld("open_room"), (0.5,), (0.0, 1.0), alpha=0.1, gamma=0.9,
    ...                                       tol=1e-6)
    >>> [r.label for r in by_gamma + by_alpha]
    ['gamma = 0.5, alpha = 0.1', 'gamma = 0.9, alpha = 0', 'gamma = 0.9, alpha = 1']
    """
    def run(g: float, a: float) -> ContractionRun:
        sol = soft_q_iteration(env.to_mdp(gamma=g), a, tol=tol)
        return ContractionRun(g, a, sol.residuals, contraction_rate(sol.residuals))

    return tuple(run(g, alpha) for g in gammas), tuple(run(gamma, a) for a in alphas)


def solver_runs(env: GridWorld, gammas: tuple[float, ...], alpha: float, tol: float) -> tuple[SolverRun, ...]:
    """Every solver of :data:`SOLVERS` at every discount: iterations, error bound, wall time.

    Parameters
    ----------
    env : GridWorld
    gammas : tuple of float
    alpha, tol : float

    Returns
    -------
    tuple of SolverRun
        Discount-major: for each discount, one run per solver in the order of :data:`SOLVERS`.

    Examples
    --------
    >>> runs = solver_runs(GridWorld("open_room"), (0.9,), alpha=0.1, tol=1e-8)
    >>> [(r.solver, r.error_bound <= 1e-8) for r in runs]  # doctest: +NORMALIZE_WHITESPACE
    [('soft Q-iteration', True), ('soft value iteration', True), ('soft policy iteration', True)]
    """
    runs = []
    for g in gammas:
        mdp = env.to_mdp(gamma=g)
        for name, solver in SOLVERS.items():
            t = time.perf_counter()
            sol = solver(mdp, alpha, tol=tol)
            runs.append(SolverRun(name, float(g), sol.iterations, sol.error_bound, time.perf_counter() - t))
    return tuple(runs)


def step_into_goal(mdp: TabularMDP) -> tuple[int, int]:
    """A non-terminal state and the action that enters a terminal state from it with the highest probability.

    >>> env = GridWorld(["S.G"])
    >>> s, a = step_into_goal(env.to_mdp())
    >>> env.cell_of(s), int(a)   # the cell left of the goal, action 1 = right
    ((0, 1), 1)
    """
    into = np.asarray(mdp.P[:, mdp.terminal].sum(axis=1)).reshape(mdp.n_states, mdp.n_actions)
    into[mdp.terminal] = 0.0
    s, a = np.unravel_index(int(np.argmax(into)), into.shape)
    return int(s), int(a)


@dataclass(frozen=True, eq=False)
class DPResult:
    """Everything :func:`run_dp` computed; :meth:`report` is the printed summary."""

    config: DPConfig
    env: GridWorld
    start: int
    by_gamma: tuple[ContractionRun, ...]
    by_alpha: tuple[ContractionRun, ...]
    solvers: tuple[SolverRun, ...]
    grid: tuple[SoftSolution, ...]
    temperatures: NDArray[np.float64]
    hard: SoftSolution
    shannon: tuple[SoftSolution, ...]
    kl: tuple[SoftSolution, ...]
    goal_step: tuple[int, int]

    @property
    def n_actions(self) -> int:
        """Actions of the gridworld (4)."""
        return int(self.hard.Q.shape[1])

    def iterations(self) -> dict[str, list[int]]:
        """Solver name -> iterations at each of ``config.solver_gammas``."""
        return {name: [r.iterations for r in self.solvers if r.solver == name] for name in SOLVERS}

    def start_values(self) -> dict[str, NDArray[np.float64]]:
        """Objective -> V*(start) at each temperature."""
        return {"Shannon (prior=None)": np.array([s.V[self.start] for s in self.shannon]),
                "KL to uniform": np.array([s.V[self.start] for s in self.kl])}

    def value_upper_bound(self) -> NDArray[np.float64]:
        r"""The Shannon bound :math:`V_{hard}(s_0) + \alpha \log|A| / (1 - \gamma)` at each temperature."""
        return self.hard.V[self.start] + self.temperatures * np.log(self.n_actions) / (1 - self.config.gamma)

    def goal_step_probabilities(self) -> dict[str, NDArray[np.float64]]:
        """Objective -> pi*(step into the goal | the cell next to it) at each temperature."""
        s, a = self.goal_step
        return {"Shannon (prior=None)": np.array([x.policy[s, a] for x in self.shannon]),
                "KL to uniform": np.array([x.policy[s, a] for x in self.kl])}

    def report(self) -> str:
        """The printed summary: sweeps and rates, the solvers, soft vs hard, the temperature sweep."""
        c, s0 = self.config, self.start
        lines = [f"{c.layout}: {self.env.n_states} cells x {self.n_actions} actions, start cell "
                 f"{self.env.cell_of(s0)}, tol = {c.tol:g}", "",
                 "soft Q-iteration, residual |TQ_k - Q_k|_inf: sweeps, last-half rate (gamma^k predicts gamma)"]
        lines += [f"  gamma={r.gamma:<5g} alpha={r.alpha:<6g} sweeps={r.residuals.size:5d}  rate={r.rate:.4f}"
                  for r in self.by_gamma + self.by_alpha]
        lines += ["", f"solvers at alpha={c.alpha:g}: iterations, guaranteed error bound, wall time"]
        lines += [f"  gamma={r.gamma:<5g} {r.solver:<22} iterations={r.iterations:6d}  "
                  f"error_bound={r.error_bound:.2e}  time={1e3 * r.seconds:7.1f} ms" for r in self.solvers]
        lines += ["", f"soft vs hard ({c.prior} entropy): value and policy (up, right, down, left) at the start"]
        lines += [f"  alpha={sol.alpha:<6g} V(start)={sol.V[s0]:9.4f}  pi(.|start)={np.round(sol.policy[s0], 3)}"
                  for sol in self.grid]
        i = int(np.argmin(np.abs(self.temperatures - 1.0)))
        (sn, an), t = self.goal_step, self.temperatures[i]
        lines += ["", f"temperature sweep at the start: hard V = {self.hard.V[s0]:.4f}; at alpha = {t:.3g}: "
                  f"Shannon V = {self.shannon[i].V[s0]:.4f}, KL V = {self.kl[i].V[s0]:.4f}",
                  f"Shannon pitfall: pi(step into the goal | {self.env.cell_of(sn)}) at alpha = {t:.3g}: "
                  f"Shannon {self.shannon[i].policy[sn, an]:.3f}, KL {self.kl[i].policy[sn, an]:.3f} "
                  f"(uniform {1 / self.n_actions:.3f})"]
        return "\n".join(lines)


def run_dp(config: DPConfig | None = None) -> DPResult:
    """Solve the gridworld of ``config`` every way the module docstring lists.

    Parameters
    ----------
    config : DPConfig, optional
        Defaults to the gallery's settings.

    Returns
    -------
    DPResult

    Examples
    --------
    >>> res = run_dp(DPConfig(layout="open_room", contraction_gammas=(0.9,), contraction_alphas=(0.0,),
    ...                       solver_gammas=(0.9,), grid_alphas=(0.0,), n_temperatures=2))
    >>> print(res.report().splitlines()[0])
    open_room: 35 cells x 4 actions, start cell (4, 0), tol = 1e-08
    """
    c = DPConfig() if config is None else config
    env = GridWorld(c.layout, gamma=c.gamma)
    mdp = env.to_mdp()
    uniform = np.full(mdp.n_actions, 1.0 / mdp.n_actions)
    prior: Any = None if c.prior == "shannon" else uniform
    by_gamma, by_alpha = contraction_runs(env, c.contraction_gammas, c.contraction_alphas, alpha=c.alpha,
                                          gamma=c.gamma, tol=c.tol)
    grid = tuple(value_iteration(mdp, tol=c.tol) if a == 0 else soft_policy_iteration(mdp, a, tol=c.tol, prior=prior)
                 for a in c.grid_alphas)
    temps = np.geomspace(1e-3, 10.0, c.n_temperatures)
    return DPResult(
        config=c, env=env, start=env.start_state(), by_gamma=by_gamma, by_alpha=by_alpha,
        solvers=solver_runs(env, c.solver_gammas, c.alpha, c.tol), grid=grid, temperatures=temps,
        hard=value_iteration(mdp, tol=c.tol),
        shannon=tuple(soft_policy_iteration(mdp, a, tol=c.tol) for a in temps),
        kl=tuple(soft_policy_iteration(mdp, a, tol=c.tol, prior=uniform) for a in temps),
        goal_step=step_into_goal(mdp))

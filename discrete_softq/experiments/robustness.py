r"""Are max-ent policies more robust to perturbed dynamics? Exact evaluation on perturbed models.

Policies optimal for the **nominal** model (soft-optimal with a KL-to-uniform bonus at several temperatures
``alpha``; the hard optimum: the deterministic greedy policy, and the one uniform over tied greedy actions)
are frozen and evaluated **exactly, on the reward only** (``alpha = 0``: :func:`~discrete_softq.evaluation.maxent_return`)
on perturbed models, each at a strength ``p`` (``P`` the nominal model, ``P_a = P(.|s, a)``):

* ``slip`` -- gridworlds: the move goes sideways with probability ``p`` (:class:`~discrete_softq.envs.GridWorld`
  ``slip``); random MDPs: a uniform random action replaces the chosen one (:func:`~discrete_softq.robust.action_noise`);
* ``push`` -- a random *wind*: each state ``s`` has a hidden action ``w(s)``, drawn uniformly per model, executed
  instead of the chosen one with probability ``p`` (:func:`~discrete_softq.robust.wind`); ``n_draws`` wind fields;
* ``walls`` -- ``k`` states of the hard policy's nominal route (the ``ROUTE`` non-start, non-terminal states it
  visits most) become walls: mass into them stays put (:func:`~discrete_softq.robust.block_states`). Blocks that
  cut every path to the goal are left out; all blocks if at most ``n_draws``, else ``n_draws`` random ones;
* ``adversary`` -- the worst case, for each policy, over the rectangular L1 ball of radius ``p`` around each
  ``P(.|s, a)`` (:func:`~discrete_softq.robust.robust_policy_evaluation`), moving mass only to ``s`` or states some
  action reaches from ``s`` (:attr:`Task.support`; gridworlds: a neighbouring cell).

MDPs: ``two_routes``, ``blocking_maze`` (+1 at the goal, ``step_reward`` per step) and random MDPs
(:func:`~discrete_softq.random_mdp`, start state 0); 95% bootstrap intervals over draws or MDPs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import breadth_first_order
from tqdm import tqdm

from .. import _validate
from ..agents.stats import bootstrap_band, bootstrap_ci
from ..dp import soft_policy_iteration, value_iteration
from ..envs import LAYOUTS, GridWorld
from ..evaluation import maxent_return
from ..inference import occupancy
from ..mdp import TabularMDP
from ..mdp_builders import random_mdp
from ..robust import action_noise, block_states, dense_transitions, robust_policy_evaluation, robust_policy_iteration, wind

__all__ = ["RobustnessConfig", "Task", "RobustnessStudy", "KINDS", "ROUTE", "gridworld_task", "random_mdp_task",
           "nominal_policies", "evaluate_kind", "run_robustness", "crossing_point"]

KINDS = ("slip", "push", "walls", "adversary")
#: Length of the "nominal route": the states the hard policy visits most (start and terminals excluded).
ROUTE = 12


@dataclass(frozen=True)
class RobustnessConfig:
    """What :func:`run_robustness` measures (validated on construction).

    Attributes
    ----------
    layouts, alphas : tuple of str, tuple of float
        Gridworld maps (keys of ``LAYOUTS``; ``gamma``, ``step_reward``, ``goal_reward`` their task, the maze
        study's ``step`` scheme by default); distinct temperatures of the soft policies (KL to uniform).
    slips, pushes, budgets, walls : tuple
        Strengths of each perturbation (``budgets``: L1 radius; ``walls``: numbers of blocked states).
    n_draws : int
        Random models per strength on a gridworld.
    n_mdps, n_states, n_actions, branching, mdp_gamma, seed
        The random-MDP family (and the seed of every draw).
    """

    layouts: tuple[str, ...] = ("two_routes", "blocking_maze")
    alphas: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1)
    gamma: float = 0.95
    step_reward: float = -0.05
    goal_reward: float = 1.0
    slips: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
    pushes: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
    walls: tuple[int, ...] = (0, 1, 2, 3)
    budgets: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
    n_draws: int = 20
    n_mdps: int = 20
    n_states: int = 20
    n_actions: int = 4
    branching: int = 3
    mdp_gamma: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("layouts", "alphas", "slips", "pushes", "walls", "budgets"):
            if not isinstance(value := getattr(self, name), tuple) or not (value or name == "layouts"):
                raise TypeError(f"{name} must be a {'' if name == 'layouts' else 'non-empty '}tuple; got {value!r}")
        if unknown := [x for x in self.layouts if not isinstance(x, str) or x not in LAYOUTS]:
            raise ValueError(f"layouts must be names of LAYOUTS; got {unknown!r}")
        for name, low, high in (("alphas", 0.0, None), ("slips", 0.0, 1.0), ("pushes", 0.0, 1.0), ("budgets", 0.0, 2.0)):
            for v in getattr(self, name):
                _validate.real(v, name, low=low, high=high, low_open=name == "alphas")
        for k in self.walls:
            _validate.integer(k, "walls", low=0, high=ROUTE)
        if len({f"{a:g}" for a in self.alphas}) != len(self.alphas):
            raise ValueError(f"alphas must be distinct temperatures (they label the policies); got {self.alphas}")
        for name, high in (("gamma", 1.0), ("mdp_gamma", 1.0), ("step_reward", None), ("goal_reward", None)):
            _validate.real(getattr(self, name), name, low=None if high is None else 0.0, high=high, high_open=True)
        for name, low in (("n_draws", 2), ("n_mdps", 2), ("n_states", 2), ("n_actions", 2), ("branching", 1), ("seed", 0)):
            _validate.integer(getattr(self, name), name, low=low)


@dataclass(frozen=True, eq=False)
class Task:
    """A nominal problem: ``mdp``, its dense ``P`` (S, A, S), ``next_reward`` (S,) of entering each state
    (gridworlds; None: ``mdp.rewards`` stay fixed), the adversary's ``support`` (S, S: every successor of
    any action, and ``s``) and ``slip_model`` (strength -> the slipping model)."""

    name: str
    mdp: TabularMDP
    P: NDArray[np.float64]
    next_reward: NDArray[np.float64] | None
    slip_model: Callable[[float], TabularMDP] = field(repr=False)

    support = property(lambda self: (self.P > 0).any(axis=1) | np.eye(len(self.P), dtype=bool))

    def model(self, P: NDArray) -> TabularMDP:
        """The task with transitions ``P`` (S, A, S) (entering rewards move with the mass)."""
        R = self.mdp.rewards if self.next_reward is None else np.broadcast_to(self.next_reward, P.shape)
        return TabularMDP(P, R, self.mdp.gamma, initial=self.mdp.initial, terminal=self.mdp.terminal)


def gridworld_task(layout: str, config: RobustnessConfig = RobustnessConfig()) -> Task:
    """The nominal gridworld ``layout`` (no slip) as a :class:`Task`.

    >>> gridworld_task("blocking_maze").P.shape
    (54, 4, 54)
    """
    def env(slip: float) -> GridWorld:
        return GridWorld(layout, step_reward=config.step_reward, goal_reward=config.goal_reward, slip=slip,
                         gamma=config.gamma)

    P = _validate.frozen(dense_transitions(mdp := env(0.0).to_mdp()))
    return Task(layout, mdp, P, np.array(env(0.0).reward_table()), lambda s: env(s).to_mdp())


def random_mdp_task(seed: int, config: RobustnessConfig = RobustnessConfig()) -> Task:
    """One random MDP of the family (start state 0) as a :class:`Task`.

    >>> random_mdp_task(0).mdp.n_states
    20
    """
    base = random_mdp(config.n_states, config.n_actions, gamma=config.mdp_gamma, branching=config.branching, seed=seed)
    P = _validate.frozen(dense_transitions(base))
    mdp = TabularMDP(P, base.rewards, base.gamma, initial=np.eye(config.n_states)[0])
    return (task := Task(f"random_mdp_{seed}", mdp, P, None, lambda p: task.model(action_noise(P, p))))


def nominal_policies(task: Task, alphas: tuple[float, ...]) -> dict[str, NDArray]:
    """The policies optimal for the nominal model: hard (argmax, first of ties; and uniform over ties) and soft.

    >>> list(nominal_policies(gridworld_task("blocking_maze"), (0.1,)))
    ['hard', 'hard (ties uniform)', 'soft a=0.1']
    """
    Q = np.array(value_iteration(task.mdp, tol=1e-10).Q)
    ties = Q >= Q.max(axis=1, keepdims=True) - 1e-9
    policies = {"hard": np.eye(task.mdp.n_actions)[ties.argmax(axis=1)],
                "hard (ties uniform)": ties / ties.sum(axis=1, keepdims=True)}
    for a in alphas:   # KL to the uniform prior
        policies[f"soft a={a:g}"] = np.array(soft_policy_iteration(task.mdp, a, prior=np.full(Q.shape, 1 / Q.shape[1])).policy)
    return policies


def _route(task: Task, hard: NDArray) -> NDArray:
    d = occupancy(task.mdp, hard).sum(axis=1)
    d[task.mdp.terminal | (task.mdp.initial > 0)] = 0.0
    order = np.argsort(-d, kind="stable")
    return order[:ROUTE][d[order[:ROUTE]] > 1e-9]


def _reaches_goal(task: Task, P: NDArray) -> bool:
    """Whether some terminal state is reachable from the start in ``P`` (True when there is none)."""
    seen = breadth_first_order(sp.csr_matrix(P.sum(axis=1) > 0), int(np.argmax(task.mdp.initial)), return_predecessors=False)
    return bool(task.mdp.terminal[seen].any()) or not task.mdp.terminal.any()


def _wall_draws(task: Task, route: NDArray, k: int, n_draws: int, rng: np.random.Generator) -> list[NDArray]:
    blocks = [np.array(c, dtype=np.intp) for c in itertools.combinations(route, k)]
    ok = [c for c in blocks if _reaches_goal(task, block_states(task.P, c))]      # k = 0: the one empty block
    return ok if len(ok) <= n_draws else [ok[i] for i in rng.choice(len(ok), size=n_draws, replace=False)]


def evaluate_kind(task: Task, policies: dict[str, NDArray], kind: str, levels: tuple, n_draws: int,
                  rng: np.random.Generator) -> NDArray[np.float64]:
    """Reward-only returns of each policy under perturbation ``kind``, shape (n_policies, n_levels, n_draws).

    A single model (``slip``, ``adversary``, no walls) repeats its value over the draws; ``walls`` blocks the
    route of the *first* policy (the hard one) and may have fewer admissible blocks than ``n_draws`` (NaN pads).

    >>> task = gridworld_task("blocking_maze")
    >>> evaluate_kind(task, nominal_policies(task, (0.1,)), "slip", (0.0,), 2, np.random.default_rng(0)).shape
    (3, 1, 2)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    rng, n_draws = _validate.generator(rng, "rng"), _validate.integer(n_draws, "n_draws", low=1)
    pis = list(policies.values())
    out = np.full((len(pis), len(levels), n_draws), np.nan)
    route = _route(task, pis[0]) if kind == "walls" else np.array([], dtype=np.intp)
    for j, level in enumerate(levels):
        if kind == "adversary":
            out[:, j] = [[robust_policy_evaluation(task.mdp, pi, level, task.next_reward, task.support).expected_return]
                         for pi in pis]
            continue
        if kind == "slip":
            models = [task.slip_model(level)]
        elif kind == "push":
            models = [task.model(wind(task.P, level, rng.integers(task.mdp.n_actions, size=task.mdp.n_states)))
                      for _ in range(n_draws)]
        else:
            models = [task.model(block_states(task.P, c)) for c in _wall_draws(task, route, level, n_draws, rng)]
        for i, pi in enumerate(pis):
            values = [maxent_return(m, pi, 0.0) for m in models]
            out[i, j, :len(values)] = values
            out[i, j, len(values):] = values[0] if len(values) == 1 else np.nan   # one model: no randomness
    return out


def crossing_point(levels: tuple, soft: NDArray, hard: NDArray) -> float:
    """The smallest strength at which the soft policy's mean return is above the hard one's and never below it after.

    Mean gaps ``soft - hard`` over draws (NaN ignored; both (n_levels, n_draws)): positive at the crossing,
    non-negative (within ``1e-9``) at every larger strength tested; ``inf``: never.

    >>> crossing_point((0.0, 0.1, 0.2, 0.3), np.array([[0.0], [1.5], [-0.5], [2.0]]), np.zeros((4, 1)))
    0.3
    """
    soft, hard = np.asarray(soft, dtype=float), np.asarray(hard, dtype=float)
    if soft.ndim != 2 or soft.shape != hard.shape or len(levels) != len(soft):
        raise ValueError(f"soft and hard must have shape (len(levels), n_draws) = ({len(levels)}, n); got {soft.shape}, {hard.shape}")
    gap = np.nanmean(soft - hard, axis=1)
    never_behind = np.logical_and.accumulate((gap >= -1e-9)[::-1])[::-1]
    ahead = never_behind & (gap > 1e-9)
    return float(levels[int(np.argmax(ahead))]) if ahead.any() else float("inf")


@dataclass(frozen=True, eq=False)
class RobustnessStudy:
    """The measurements of :func:`run_robustness` (arrays read-only).

    Attributes
    ----------
    config, levels : RobustnessConfig, dict of str to tuple
        What was measured, and the strengths of each perturbation kind.
    tasks, policies : tuple of str
        The gridworlds and ``"random MDPs"`` (the family); policy labels, the hard ones first.
    returns : dict of (str, str) to ndarray of shape (n_policies, n_levels, n_draws)
        Reward-only returns per (task, kind); draws: random models, blocks or the family's MDPs (NaN pads).
    nominal_gap : dict of str to float
        Least ``J(hard) - max_soft J(soft)`` at zero perturbation (over the family's MDPs): ``>= 0``.
    robust_zero_error : float
        Largest ``|robust evaluation at eps = 0 - nominal evaluation|`` over tasks and policies.
    robust_optimum : dict of str to ndarray of shape (n_budgets, n_draws)
        The best worst case any policy reaches at each budget (:func:`~discrete_softq.robust.robust_policy_iteration`).
    """

    config: RobustnessConfig
    tasks: tuple[str, ...]
    policies: tuple[str, ...]
    levels: dict[str, tuple]
    returns: dict[tuple[str, str], NDArray[np.float64]]
    nominal_gap: dict[str, float]
    robust_zero_error: float
    robust_optimum: dict[str, NDArray[np.float64]]

    def curve(self, task: str, kind: str, policy: str, against: str | None = None) -> tuple[NDArray, NDArray, NDArray]:
        """Mean return (or paired gap to ``against``) over draws per strength, 95% bootstrap band; each (n_levels,)."""
        x = self.returns[task, kind][self.policies.index(policy)]
        x = x if against is None else x - self.returns[task, kind][self.policies.index(against)]
        bands = [bootstrap_band(row[~np.isnan(row)][:, None]) for row in x]
        return tuple(np.array([b[i][0] for b in bands]) for i in range(3))  # type: ignore[return-value]

    def crossing(self, task: str, kind: str, policy: str, against: str = "hard") -> float:
        """:func:`crossing_point` of ``policy`` against ``against`` (``inf``: never within the range)."""
        x = self.returns[task, kind]
        return crossing_point(self.levels[kind], x[self.policies.index(policy)], x[self.policies.index(against)])

    def report(self) -> str:
        """The tables printed by ``python -m discrete_softq.demo robustness``."""
        c = self.config
        lines = [f"Reward-only return (exact) of nominal-optimal policies on perturbed models; gridworlds {c.goal_reward:g} at the "
                 f"goal, {c.step_reward:g} per step, gamma {c.gamma}; {c.n_mdps} random MDPs ({c.n_states} states, {c.n_actions} actions, "
                 f"branching {c.branching}, gamma {c.mdp_gamma}); soft: KL to uniform; mean over draws; |robust evaluation at "
                 f"budget 0 - nominal| <= {self.robust_zero_error:.1e}"]
        for task in self.tasks:
            lines.append(f"== {task}: J(hard) - max J(soft) at zero perturbation = {self.nominal_gap[task]:.2e}")
            for kind in KINDS:
                lines.append(f"  {kind:<9} strength " + " ".join(f"{lv:>7g}" for lv in self.levels[kind]))
                for label in self.policies:
                    mean = np.nanmean(self.returns[task, kind][self.policies.index(label)], axis=1)
                    lines.append(f"    {label:<22}" + " ".join(f"{m:>7.4f}" for m in mean))
                if kind == "adversary":
                    lines.append(f"    {'robust-optimal (ref.)':<22}" + " ".join(
                        f"{m:>7.4f}" for m in np.nanmean(self.robust_optimum[task], axis=1)))
                lines.append("    soft beats hard from: " + "; ".join(self._crossing_text(task, kind, label)
                                                                 for label in self.policies[2:]))
        return "\n".join(lines)

    def _crossing_text(self, task: str, kind: str, label: str) -> str:
        where = self.crossing(task, kind, label)
        if not np.isfinite(where):
            return f"{label.split()[-1]} never"
        x = self.returns[task, kind][:, self.levels[kind].index(where)]
        d = x[self.policies.index(label)] - x[0]
        d = d[~np.isnan(d)]
        text = f"{label.split()[-1]} {where:g}"
        if np.ptp(d) > 0:
            e = bootstrap_ci(d)
            text += (f" (gap {e.value:+.4f} [{e.low:+.4f}, {e.high:+.4f}]{'' if e.low > 0 else ', CI includes 0'}, "
                     f"soft better on {np.mean(d > 0):.0%} of draws)")
        return text


def run_robustness(config: RobustnessConfig = RobustnessConfig(), progress: bool = False) -> RobustnessStudy:
    """Run the study of the module docstring.

    >>> cfg = RobustnessConfig(layouts=("blocking_maze",), alphas=(0.01,), slips=(0.0, 0.2), pushes=(0.0, 0.2),
    ...                        walls=(0, 1), budgets=(0.0, 0.2), n_draws=2, n_mdps=2)
    >>> study = run_robustness(cfg)
    >>> study.returns["blocking_maze", "push"].shape, study.nominal_gap["blocking_maze"] >= 0
    ((3, 2, 2), True)
    """
    if not isinstance(config, RobustnessConfig):
        raise TypeError(f"config must be a RobustnessConfig; got {type(config).__name__}")
    levels = {"slip": config.slips, "push": config.pushes, "walls": config.walls, "adversary": config.budgets}
    progress = _validate.flag(progress, "progress")
    rng = np.random.default_rng(config.seed)
    returns, nominal_gap, robust_optimum, zero_error = {}, {}, {}, 0.0
    jobs = [(name, [gridworld_task(name, config)], config.n_draws) for name in config.layouts]
    jobs.append(("random MDPs", [random_mdp_task(1000 * config.seed + i, config) for i in range(config.n_mdps)], 1))
    for name, tasks, n_draws in tqdm(jobs, desc="robustness", unit="MDP family", disable=not progress):
        per_task, gaps, best = [], [], []
        for task in tasks:
            policies = nominal_policies(task, config.alphas)
            per_task.append({kind: evaluate_kind(task, policies, kind, levels[kind], n_draws, rng) for kind in KINDS})
            J = np.array([maxent_return(task.mdp, pi, 0.0) for pi in policies.values()])
            gaps.append(J[0] - J[2:].max())
            J0 = [robust_policy_evaluation(task.mdp, pi, 0.0, task.next_reward).expected_return for pi in policies.values()]
            zero_error = max(zero_error, float(np.abs(np.array(J0) - J).max()))
            best.append([[robust_policy_iteration(task.mdp, e, task.next_reward, task.support, policy0=policies["hard"]
                                                  ).expected_return] * n_draws for e in levels["adversary"]])
        for kind in KINDS:
            returns[name, kind] = _validate.frozen(np.concatenate([r[kind] for r in per_task], axis=2))
        nominal_gap[name], robust_optimum[name] = float(min(gaps)), _validate.frozen(np.concatenate(best, axis=1))
    return RobustnessStudy(config=config, tasks=tuple(name for name, _, _ in jobs), policies=tuple(policies), levels=levels,
                           returns=returns, nominal_gap=nominal_gap, robust_zero_error=zero_error, robust_optimum=robust_optimum)


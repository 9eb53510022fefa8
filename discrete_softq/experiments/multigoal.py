"""The multi-goal experiment of Haarnoja et al. (2017), Figure 1: train an agent, roll it out.

Shared by the ``multigoal`` demo, the benchmark, the notebook and the tests, so they all measure
the same thing. :func:`run_multigoal` trains and evaluates one agent; :func:`compare_multigoal`
trains soft Q-learning and DDPG alike and evaluates their Q-functions over the action square at
the paper's states (:data:`FIGURE_STATES`), which :mod:`discrete_softq.plotting.continuous` draws.
:func:`action_clusters` measures whether SQL's sampled actions form the paper's clusters (goal
sectors and mean-shift modes, :data:`CLUSTER_STATES`); :func:`compare_over_seeds` repeats the
comparison over seeds. The default settings (:data:`SQL_DEFAULTS`, :data:`DDPG_DEFAULTS`) are
the tuned ones; keyword arguments override them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import integer
from ..agents.stats import Estimate, bootstrap_ci
from ..envs.multigoal import MultiGoalEnv
from .multigoal_clusters import CLUSTER_STATES, ActionClusters, action_clusters, mean_shift_modes, sector_shares

if TYPE_CHECKING:  # discrete_softq.continuous re-exports this module: import it only when a run starts
    from ..continuous.training import History, Rollouts

__all__ = ["MultiGoalResult", "run_multigoal", "q_on_action_grid", "ActionContour", "MultiGoalComparison",
           "compare_multigoal", "DEFAULT_STEPS", "AGENTS", "FIGURE_STATES", "SQL_DEFAULTS", "DDPG_DEFAULTS",
           "CLUSTER_STATES", "sector_shares", "mean_shift_modes", "ActionClusters", "action_clusters",
           "MultiGoalSeeds", "compare_over_seeds"]

#: Environment steps of a default run (well inside the 20,000 of the target).
DEFAULT_STEPS = 6000
#: The states of the paper's Q-contour panels (Figure 1b).
FIGURE_STATES = ((-2.5, 0.0), (0.0, 0.0), (2.5, 2.5))
#: Agent names accepted by :func:`run_multigoal`.
AGENTS = ("sql", "ddpg")
#: Settings of the default soft Q-learning agent (tuned; see the README's multi-goal section).
SQL_DEFAULTS: dict[str, Any] = {"alpha": 5.0, "updates_per_step": 2}
#: Settings of the default DDPG agent: Ornstein-Uhlenbeck exploration, as the reference code.
DDPG_DEFAULTS: dict[str, Any] = {"noise": "ou", "noise_std": 0.3, "ou_theta": 0.15}


@dataclass(frozen=True)
class MultiGoalResult:
    """One trained agent on the multi-goal task and its evaluation.

    Attributes
    ----------
    agent : SoftQLearningAgent or DDPGAgent
    history : History
        The training run (``history.wall_time`` is the training time in seconds).
    rollouts : Rollouts
        Evaluation episodes from the origin (SQL: sampled actions; DDPG: its deterministic policy).
    goal_counts : ndarray of shape (4,)
        Evaluation episodes that ended at each goal.
    """

    agent: Any
    history: History
    rollouts: Rollouts
    goal_counts: NDArray[np.int64]

    @property
    def goal_fractions(self) -> NDArray[np.float64]:
        """Fraction of evaluation episodes ending at each goal, shape (4,)."""
        return self.goal_counts / len(self.rollouts.goals)

    def n_goals_reached(self, min_fraction: float = 0.1) -> int:
        """How many goals are reached by at least ``min_fraction`` of the evaluation episodes."""
        return int(np.sum(self.goal_fractions >= min_fraction))

    def report(self, name: str = "agent") -> str:
        """One line: training steps and time, goal hits (E, W, N, S) and the episodes that reached none."""
        n = len(self.rollouts.goals)
        return (f"{name.upper():5s} {len(self.history.step_rewards)} steps, trained in {self.history.wall_time:.1f} s; "
                f"goal hits (E, W, N, S) over {n} rollouts: {self.goal_counts.tolist()}, "
                f"no goal: {n - int(self.goal_counts.sum())}")


def run_multigoal(agent: str = "sql", n_steps: int = DEFAULT_STEPS, seed: int = 0, n_rollouts: int = 100,
                  progress: bool = False, **agent_kwargs: Any) -> MultiGoalResult:
    """Train ``agent`` ("sql" or "ddpg") with default settings for ``n_steps`` and roll it out.

    ``agent_kwargs`` override :data:`SQL_DEFAULTS` / :data:`DDPG_DEFAULTS` and the agent's own defaults.
    The agent, the training env and the
    evaluation starts get independent streams spawned from ``seed``.

    >>> res = run_multigoal("ddpg", n_steps=20, n_rollouts=3)
    >>> res.goal_counts.shape, len(res.rollouts.goals)
    ((4,), 3)
    """
    if agent not in AGENTS:
        raise ValueError(f"agent must be one of {AGENTS}; got {agent!r}")
    from ..continuous.baselines import DDPGAgent
    from ..continuous.sql import SoftQLearningAgent
    from ..continuous.training import goal_hit_counts, rollouts, train

    agent_ss, train_ss, eval_ss = np.random.SeedSequence(seed).spawn(3)
    env = MultiGoalEnv()
    if agent == "sql":
        kwargs = {**SQL_DEFAULTS, **agent_kwargs}
        learner: Any = SoftQLearningAgent(2, 2, seed=np.random.default_rng(agent_ss), **kwargs)
        policy = learner.act
    else:
        kwargs = {**DDPG_DEFAULTS, **agent_kwargs}
        learner = DDPGAgent(2, 2, seed=np.random.default_rng(agent_ss), **kwargs)
        policy = learner.policy_action
    history = train(env, learner, n_steps, seed=int(train_ss.generate_state(1)[0]), progress=progress)
    evaluation = rollouts(MultiGoalEnv(), policy, n_rollouts, seed=int(eval_ss.generate_state(1)[0]))
    return MultiGoalResult(learner, history, evaluation, goal_hit_counts(evaluation.goals))


def q_on_action_grid(agent: Any, obs: Any, resolution: int = 41) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``agent.q_values(obs, a)`` on a ``resolution x resolution`` grid over the action square.

    Returns
    -------
    action_grid : ndarray of shape (resolution, resolution, 2)
    q_grid : ndarray of shape (resolution, resolution)

    Examples
    --------
    >>> res = run_multigoal("ddpg", n_steps=5, n_rollouts=1)
    >>> [a.shape for a in q_on_action_grid(res.agent, (0.0, 0.0), resolution=5)]
    [(5, 5, 2), (5, 5)]
    """
    lin = np.linspace(-1.0, 1.0, resolution)
    grid = np.stack(np.meshgrid(lin, lin), axis=-1)
    obs_grid = np.broadcast_to(np.asarray(obs, dtype=float), grid.shape)
    return grid, np.asarray(agent.q_values(obs_grid, grid), dtype=float)


@dataclass(frozen=True, eq=False)
class ActionContour:
    """One agent's Q(s, .) over the action square at one state, and the actions it takes there.

    Attributes
    ----------
    state : tuple of float
    action_grid : ndarray of shape (resolution, resolution, 2)
    q_grid : ndarray of shape (resolution, resolution)
    actions : ndarray of shape (n, 2)
        SQL: ``n_samples`` actions of its sampling network; DDPG: its one deterministic action.
    """

    state: tuple[float, float]
    action_grid: NDArray[np.float64]
    q_grid: NDArray[np.float64]
    actions: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class MultiGoalComparison:
    """Soft Q-learning and DDPG trained alike: their results, Q contours at :data:`FIGURE_STATES`, SQL's clusters.

    ``clusters`` holds :func:`action_clusters` of SQL's sampler at each of :data:`CLUSTER_STATES`.
    """

    n_steps: int
    results: dict[str, MultiGoalResult]
    contours: dict[str, tuple[ActionContour, ...]]
    clusters: tuple[ActionClusters, ...] = ()

    def report(self) -> str:
        """One line per agent (:meth:`MultiGoalResult.report`), then one per cluster state."""
        lines = [f"{res.report(name)}, mean return {res.rollouts.returns.mean():.1f}"
                 for name, res in self.results.items()]
        return "\n".join(lines + [f"SQL samples at {c.report()}" for c in self.clusters])


def compare_multigoal(n_steps: int = DEFAULT_STEPS, seed: int = 0, n_rollouts: int = 100, n_samples: int = 100,
                      progress: bool = False, **sql_kwargs: Any) -> MultiGoalComparison:
    """Train and evaluate both :data:`AGENTS` (:func:`run_multigoal`), then evaluate Q at the figure states.

    Parameters
    ----------
    n_steps : int
        Training steps per agent.
    seed : int
        Seed of both agents (see :func:`run_multigoal`).
    n_rollouts : int
        Evaluation episodes per agent.
    n_samples : int
        Actions sampled from SQL's network at each figure state.
    progress : bool
        tqdm bars during training.
    **sql_kwargs
        Override :data:`SQL_DEFAULTS` (e.g. ``alpha``).

    Returns
    -------
    MultiGoalComparison

    Examples
    --------
    >>> cmp = compare_multigoal(n_steps=40, n_rollouts=2, n_samples=3)
    >>> [len(c) for c in cmp.contours.values()]
    [3, 3]
    """
    n_samples = integer(n_samples, "n_samples", low=1)  # before training, not after
    results = {name: run_multigoal(name, n_steps=n_steps, seed=seed, n_rollouts=n_rollouts, progress=progress,
                                   **(sql_kwargs if name == "sql" else {})) for name in AGENTS}
    contours = {}
    for name, res in results.items():
        rows = []
        for state in FIGURE_STATES:
            obs = np.asarray(state)
            actions = res.agent.sample_actions(obs, n_samples) if name == "sql" else res.agent.policy_action(obs)
            rows.append(ActionContour(state, *q_on_action_grid(res.agent, state), np.atleast_2d(actions)))
        contours[name] = tuple(rows)
    clusters = tuple(action_clusters(results["sql"].agent, state, goals) for state, goals in CLUSTER_STATES)
    return MultiGoalComparison(int(n_steps), results, contours, clusters)


@dataclass(frozen=True, eq=False)
class MultiGoalSeeds:
    """:func:`compare_multigoal` on several seeds: per-seed coverage, returns and clusters, and their summary.

    Attributes
    ----------
    comparisons : tuple of MultiGoalComparison
        One per seed, in ``seeds`` order.
    seeds : tuple of int
    """

    comparisons: tuple[MultiGoalComparison, ...]
    seeds: tuple[int, ...]

    def mean_returns(self, name: str) -> NDArray[np.float64]:
        """Mean evaluation return of agent ``name`` per seed, shape (n_seeds,)."""
        return np.array([c.results[name].rollouts.returns.mean() for c in self.comparisons])

    def sql_covers_all(self) -> NDArray[np.bool_]:
        """Per seed: every goal ends at least 10% of SQL's rollouts."""
        return np.array([c.results["sql"].n_goals_reached(0.1) == 4 for c in self.comparisons])

    def return_ratio(self) -> Estimate:
        """SQL's mean return over DDPG's (1 = equal; 1.25 is "within 25%"), with a seed-bootstrap 95% CI."""
        sql, ddpg = self.mean_returns("sql"), self.mean_returns("ddpg")
        idx = np.random.default_rng(0).integers(0, len(sql), size=(2000, len(sql)))   # resample seeds, paired
        lo, hi = np.quantile(sql[idx].mean(axis=1) / ddpg[idx].mean(axis=1), [0.025, 0.975], method="inverted_cdf")
        return Estimate(float(sql.mean() / ddpg.mean()), float(lo), float(hi), len(sql))

    def report(self) -> str:
        """A table row per seed, then coverage, the return ratio and the cluster counts."""
        lines = ["seed | SQL hits E,W,N,S | SQL return | DDPG hits | DDPG return | SQL modes aimed at goals: "
                 + " | ".join(f"{s}" for s, _ in CLUSTER_STATES)]
        for seed, c in zip(self.seeds, self.comparisons):
            sql, ddpg = c.results["sql"], c.results["ddpg"]
            modes = " | ".join(f"{k.goals_with_a_mode}/{len(k.goal_indices)} ({len(k.mode_goals)} modes)"
                               for k in c.clusters)
            lines.append(f"{seed} | {sql.goal_counts.tolist()} | {sql.rollouts.returns.mean():.1f} | "
                         f"{ddpg.goal_counts.tolist()} | {ddpg.rollouts.returns.mean():.1f} | {modes}")
        n = len(self.seeds)
        clustered = [sum(c.clusters[k].clustered for c in self.comparisons) for k in range(len(CLUSTER_STATES))]
        ratio = self.return_ratio()
        lines += [f"SQL reaches all four goals (>= 10% each) on {int(self.sql_covers_all().sum())}/{n} seeds; "
                  f"DDPG on {sum(c.results['ddpg'].n_goals_reached(0.1) == 4 for c in self.comparisons)}/{n}",
                  f"mean return: SQL {bootstrap_ci(self.mean_returns('sql'))}, "
                  f"DDPG {bootstrap_ci(self.mean_returns('ddpg'))}"
                  f" [95% CI over seeds]; SQL / DDPG = {ratio} (within 25%: {ratio.value <= 1.25})",
                  "samples clustered as the paper (one mode per goal, none elsewhere): "
                  + ", ".join(f"at {s} on {k}/{n} seeds" for (s, _), k in zip(CLUSTER_STATES, clustered))]
        return "\n".join(lines)


def compare_over_seeds(seeds: Any = (0, 1, 2, 3, 4), n_steps: int = DEFAULT_STEPS, n_rollouts: int = 100,
                       n_samples: int = 100, progress: bool = False, **sql_kwargs: Any) -> MultiGoalSeeds:
    """:func:`compare_multigoal` for each seed (same arguments); the first is the one the figure draws.

    >>> study = compare_over_seeds((0, 1), n_steps=20, n_rollouts=2, n_samples=3)
    >>> study.seeds, study.mean_returns("ddpg").shape
    ((0, 1), (2,))
    """
    seeds = tuple(integer(s, "seeds", low=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    return MultiGoalSeeds(tuple(compare_multigoal(n_steps, s, n_rollouts, n_samples, progress, **sql_kwargs)
                                for s in seeds), seeds)

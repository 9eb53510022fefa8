"""Multi-goal agents over seeds: the value proposal of soft Q-learning, and robustness to dynamics noise.

* :func:`train_agents` -- :func:`~discrete_softq.experiments.multigoal.run_multigoal` for several
  named configurations (an agent and its keyword arguments) and seeds, with a fixed budget;
* :func:`summarise_runs` -- per configuration, over seeds with 95% bootstrap intervals: the goals
  reached by at least 10% of the evaluation rollouts, the share of rollouts reaching any goal,
  and the mean return (:class:`RunSummary`);
* :func:`run_proposal_noise_study` -- both, for soft Q-learning with the uniform and the policy
  value proposal and for DDPG (:data:`CONFIGS`): the multi-goal part of ``demo importance_sampling``;
* :func:`evaluate_under_noise` -- the trained agents, unchanged, rolled out from the origin on
  ``MultiGoalEnv(dynamics_noise=sigma)`` for several :math:`\\sigma` (training stays noise-free,
  so this measures the robustness of a learned policy to perturbed dynamics, the reference point
  mass's ``sigma``): the goal-hit rate per agent and noise level (:class:`NoiseStudy`).

>>> runs = train_agents({"ddpg": ("ddpg", {})}, n_steps=20, seeds=[0], n_rollouts=2)
>>> study = evaluate_under_noise(runs, noise_levels=(0.0, 0.3), n_rollouts=2)
>>> study.hit_rate["ddpg"].shape
(2, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from .. import _validate
from ..agents.stats import Estimate, bootstrap_ci
from ..envs.multigoal import MultiGoalEnv
from .multigoal import MultiGoalResult, run_multigoal

__all__ = ["train_agents", "RunSummary", "summarise_runs", "NoiseStudy", "evaluate_under_noise",
           "ProposalNoiseStudy", "run_proposal_noise_study", "CONFIGS", "NOISE_LEVELS", "MIN_SHARE"]

#: Dynamics noise levels of the robustness study (the point mass moves at most 1 per step).
NOISE_LEVELS = (0.0, 0.1, 0.3)
#: A goal counts as reached by a policy when at least this share of its rollouts end there.
MIN_SHARE = 0.1


def train_agents(configs: Mapping[str, tuple[str, dict[str, Any]]], n_steps: int, seeds: Sequence[int],
                 n_rollouts: int = 100, progress: bool = False) -> dict[str, list[MultiGoalResult]]:
    """``run_multigoal(agent, n_steps, seed, n_rollouts, **kwargs)`` for every ``name: (agent, kwargs)`` and seed.

    >>> runs = train_agents({"ddpg": ("ddpg", {})}, n_steps=50, seeds=[0], n_rollouts=2)
    >>> list(runs), len(runs["ddpg"])
    (['ddpg'], 1)
    """
    n_steps = _validate.integer(n_steps, "n_steps", low=1)
    seeds = [_validate.integer(s, "seeds", low=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    bar = tqdm(total=len(configs) * len(seeds), desc="multi-goal runs", unit="run", disable=not progress)
    out: dict[str, list[MultiGoalResult]] = {}
    for name, (agent, kwargs) in configs.items():
        out[name] = []
        for s in seeds:
            out[name].append(run_multigoal(agent, n_steps=n_steps, seed=s, n_rollouts=n_rollouts, **kwargs))
            bar.update()
    bar.close()
    return out


@dataclass(frozen=True)
class RunSummary:
    """One configuration over seeds (95% bootstrap intervals over seeds).

    Attributes
    ----------
    n_seeds, n_steps : int
    goals_reached : Estimate
        Goals reached by at least :data:`MIN_SHARE` of the rollouts (0 to 4).
    all_four : int
        Seeds on which all four goals are reached.
    hit_rate : Estimate
        Share of rollouts that end at some goal.
    mean_return : Estimate
        Mean evaluation return.
    settings : str
        The trained agent's main settings (the defaults of ``run_multigoal`` may change).
    """

    n_seeds: int
    n_steps: int
    goals_reached: Estimate
    all_four: int
    hit_rate: Estimate
    mean_return: Estimate
    settings: str = ""

    def report(self, name: str) -> str:
        """One line: goals reached, seeds with all four, hit rate, return; then the settings."""
        return (f"{name:12s} {self.n_seeds} seeds x {self.n_steps} steps: goals reached (>= {MIN_SHARE:.0%} of "
                f"rollouts) {self.goals_reached}, all four on {self.all_four}/{self.n_seeds} seeds; "
                f"goal-hit rate {self.hit_rate}; mean return {self.mean_return}\n{'':13s}settings: {self.settings}")


def agent_settings(agent: Any) -> str:
    """The main settings of a trained SQL or DDPG agent, read from the agent itself."""
    keys = ("alpha", "value_proposal", "updates_per_step", "value_particles", "svgd_particles", "noise", "noise_std",
            "ou_theta", "batch_size")
    parts = [f"{k}={getattr(agent, k)!r}" for k in keys if hasattr(agent, k)]
    net = getattr(agent, "qf", None) or getattr(agent, "critic", None)
    sizes = getattr(net, "sizes", None)
    return ", ".join(parts + ([f"qf sizes={list(sizes)}"] if sizes is not None else []))


def summarise_runs(runs: Mapping[str, Sequence[MultiGoalResult]]) -> dict[str, RunSummary]:
    """:class:`RunSummary` of each configuration of :func:`train_agents`.

    >>> runs = train_agents({"ddpg": ("ddpg", {})}, n_steps=50, seeds=[0], n_rollouts=2)
    >>> type(summarise_runs(runs)["ddpg"]).__name__
    'RunSummary'
    """
    out = {}
    for name, results in runs.items():
        reached = np.array([r.n_goals_reached(MIN_SHARE) for r in results], dtype=float)
        hits = np.array([np.mean(r.rollouts.goals >= 0) for r in results])
        ret = np.array([np.mean(r.rollouts.returns) for r in results])
        out[name] = RunSummary(len(results), len(results[0].history.step_rewards), bootstrap_ci(reached),
                               int(np.sum(reached == 4)), bootstrap_ci(hits), bootstrap_ci(ret),
                               agent_settings(results[0].agent))
    return out


@dataclass(frozen=True, eq=False)
class NoiseStudy:
    """Trained agents rolled out under dynamics noise.

    Attributes
    ----------
    noise_levels : tuple of float
    hit_rate : dict of str to ndarray of shape (n_levels, n_seeds)
        Share of rollouts from the origin that reach a goal, per agent, noise level and seed.
    goals_reached : dict of str to ndarray of shape (n_levels, n_seeds)
        Goals reached by at least :data:`MIN_SHARE` of the rollouts.
    mean_return : dict of str to ndarray of shape (n_levels, n_seeds)
    n_rollouts : int
    """

    noise_levels: tuple[float, ...]
    hit_rate: dict[str, NDArray[np.float64]]
    goals_reached: dict[str, NDArray[np.float64]]
    mean_return: dict[str, NDArray[np.float64]]
    n_rollouts: int

    def estimate(self, name: str, what: str = "hit_rate") -> list[Estimate]:
        """Per noise level, the mean over seeds of ``what`` with its bootstrap interval."""
        return [bootstrap_ci(row) for row in getattr(self, what)[name]]

    def report(self) -> str:
        """One line per agent and noise level: goal-hit rate, goals reached, return (means over seeds, 95% CIs)."""
        lines = [f"Trained without noise, evaluated on MultiGoalEnv(dynamics_noise=sigma), {self.n_rollouts} "
                 "rollouts per seed from the origin (mean over seeds [95% bootstrap CI]):"]
        for name in self.hit_rate:
            n_seeds = self.hit_rate[name].shape[1]
            for sigma, hit, goals, ret in zip(self.noise_levels, self.estimate(name), self.estimate(name, "goals_reached"),
                                              self.estimate(name, "mean_return")):
                lines.append(f"  {name:12s} sigma {sigma:<4g} ({n_seeds} seeds): goal-hit rate {hit}, goals reached "
                             f"{goals}, mean return {ret}")
        return "\n".join(lines)


def evaluate_under_noise(runs: Mapping[str, Sequence[MultiGoalResult]], noise_levels: Sequence[float] = NOISE_LEVELS,
                         n_rollouts: int = 100, seed: int = 0, progress: bool = False) -> NoiseStudy:
    """Roll out each trained agent (SQL: sampled actions; DDPG: deterministic) under each noise level.

    The start seeds (``seed``) are the same for every agent and level; SQL's action noise comes from its own generator.

    >>> runs = train_agents({"ddpg": ("ddpg", {})}, n_steps=50, seeds=[0], n_rollouts=2)
    >>> evaluate_under_noise(runs, noise_levels=(0.0, 0.1), n_rollouts=2).noise_levels
    (0.0, 0.1)
    """
    from ..continuous.training import goal_hit_counts, rollouts

    levels = tuple(_validate.real(s, "noise_levels", low=0.0) for s in noise_levels)
    n_rollouts = _validate.integer(n_rollouts, "n_rollouts", low=1)
    bar = tqdm(total=len(levels) * sum(len(r) for r in runs.values()), desc="noisy rollouts", disable=not progress)
    hit, reached, ret = {}, {}, {}
    for name, results in runs.items():
        shape = (len(levels), len(results))
        hit[name], reached[name], ret[name] = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for j, res in enumerate(results):
            policy = res.agent.act if hasattr(res.agent, "sample_actions") else res.agent.policy_action
            for i, sigma in enumerate(levels):
                out = rollouts(MultiGoalEnv(dynamics_noise=sigma), policy, n_rollouts, seed=seed)
                hit[name][i, j] = np.mean(out.goals >= 0)
                reached[name][i, j] = np.sum(goal_hit_counts(out.goals) / n_rollouts >= MIN_SHARE)
                ret[name][i, j] = np.mean(out.returns)
                bar.update()
    bar.close()
    return NoiseStudy(levels, hit, reached, ret, n_rollouts)


#: The configurations of the demo: soft Q-learning with each value proposal, and DDPG.
CONFIGS = {"sql-uniform": ("sql", {}), "sql-policy": ("sql", {"value_proposal": "policy"}), "ddpg": ("ddpg", {})}


@dataclass(frozen=True, eq=False)
class ProposalNoiseStudy:
    """:data:`CONFIGS` trained over seeds (:class:`RunSummary` each), then rolled out under noise (:class:`NoiseStudy`)."""

    summaries: dict[str, RunSummary]
    noise: NoiseStudy

    def report(self) -> str:
        """The summaries (noise-free evaluation), then the noise study."""
        return "\n".join([*(s.report(name) for name, s in self.summaries.items()), self.noise.report()])


def run_proposal_noise_study(n_steps: int = 6000, seeds: Sequence[int] = (0, 1, 2),
                             noise_levels: Sequence[float] = NOISE_LEVELS, n_rollouts: int = 100,
                             progress: bool = False) -> ProposalNoiseStudy:
    """Train :data:`CONFIGS` (:func:`train_agents`), summarise them, and evaluate them under noise.

    >>> study = run_proposal_noise_study(n_steps=20, seeds=[0], noise_levels=[0.0], n_rollouts=2)
    >>> sorted(study.summaries)
    ['ddpg', 'sql-policy', 'sql-uniform']
    """
    runs = train_agents(CONFIGS, n_steps, seeds, n_rollouts, progress)
    return ProposalNoiseStudy(summarise_runs(runs), evaluate_under_noise(runs, noise_levels, n_rollouts, 0, progress))

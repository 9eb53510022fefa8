r"""Composition of learned continuous policies on the point mass (Haarnoja et al. 2018, Section 4).

Two soft Q-learning agents learn two sub-tasks of the multi-goal point mass, {East, North}
(:data:`SUBTASK_GOALS` [0]) and {North, West} ([1]); each sub-task rewards reaching either of its
goals. The combined task pays the *average* of the two rewards (:class:`CombinedTaskEnv`), so
North, rewarded by both, is worth twice the others. :func:`~discrete_softq.continuous.compose.compose_agents`
averages the two Q networks and fits a new sampler with zero new environment steps;
:func:`compose_study` measures, over seeds, where each policy's rollouts end in the combined task
-- sub-policy 1, sub-policy 2, the composed policy, and a policy learned on the combined reward
from scratch -- and the gap between the composed Q and the scratch Q at a few states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray

from .._validate import integer
from ..agents.stats import Estimate, bootstrap_ci
from ..envs.multigoal import GOALS, MultiGoalEnv
from .multigoal import q_on_action_grid

__all__ = ["SUBTASK_GOALS", "JOINT_GOAL", "POLICIES", "GAP_STATES", "COMPOSE_DEFAULTS", "CombinedTaskEnv",
           "ComposeSeed", "ComposeStudy", "compose_seed", "compose_study"]

#: Goal indices (into ``GOALS``: E, W, N, S = 0..3) rewarded by the two sub-tasks.
SUBTASK_GOALS = ((0, 2), (2, 1))
#: The goal both sub-tasks reward (North).
JOINT_GOAL = 2
#: The policies compared, in report order.
POLICIES = ("sub-task 1 {E, N}", "sub-task 2 {N, W}", "composed", "scratch")
#: States where the composed Q is compared with the scratch Q.
GAP_STATES = ((0.0, 0.0), (2.5, 2.5), (-2.5, 2.5))
#: Settings of the three agents: the temperature of the multi-goal study, one gradient step per env step (cheaper).
COMPOSE_DEFAULTS: dict[str, Any] = {"alpha": 5.0, "updates_per_step": 1}


class CombinedTaskEnv(gym.Wrapper):
    r"""The point mass with reward :math:`r_C = (r_1 + r_2)/2`, the average of two sub-task rewards.

    Sub-task :math:`k` is ``MultiGoalEnv(goals=GOALS[goals_k])``; its reward (distance cost to the
    nearest of *its* goals, action cost, bonus at its goals) is evaluated on every transition.
    The episode ends at any goal of either sub-task; ``info["goal"]`` is that goal's index in
    ``GOALS`` (-1 for none).

    Examples
    --------
    >>> env = CombinedTaskEnv()
    >>> _ = env.reset(seed=0, options={"position": [0.0, 4.5]})
    >>> _, reward, terminated, _, info = env.step([0.0, 0.5])     # North: -30 * 0.25 + bonus 10 in both tasks
    >>> info["goal"], terminated, reward
    (2, True, 2.5)
    """

    def __init__(self, subtask_goals: tuple[tuple[int, ...], ...] = SUBTASK_GOALS, **env_kwargs: Any) -> None:
        union = sorted({g for goals in subtask_goals for g in goals})
        super().__init__(MultiGoalEnv(goals=np.asarray(GOALS)[union], **env_kwargs))
        self.goal_ids = np.array(union)
        self.subtasks = [MultiGoalEnv(goals=np.asarray(GOALS)[list(goals)], **env_kwargs) for goals in subtask_goals]

    def step(self, action: Any):
        obs, _, terminated, truncated, info = self.env.step(action)
        a = np.clip(np.asarray(action, dtype=float).reshape(-1), -1.0, 1.0)
        rewards = [float(task.reward(a, obs)) + task.goal_reward * float(task.goal_index(obs) >= 0)
                   for task in self.subtasks]
        info = {**info, "goal": int(self.goal_ids[info["goal"]]) if info["goal"] >= 0 else -1}
        return obs, float(np.mean(rewards)), terminated, truncated, info


@dataclass(frozen=True, eq=False)
class ComposeSeed:
    """One seed: the four policies' rollouts in the combined task and the Q gaps.

    Attributes
    ----------
    seed : int
    rollouts : dict of str to Rollouts
        Per policy (:data:`POLICIES`), evaluation episodes in :class:`CombinedTaskEnv`.
    goal_counts : dict of str to ndarray of shape (4,)
        Episodes ending at E, W, N, S.
    env_steps : dict of str to int
        Environment steps each policy was trained with (composed: 0 new ones).
    q_offset, q_shape_gap : ndarray of shape (len(GAP_STATES),)
        At each gap state, over an action grid: the mean of :math:`Q_\\Sigma - Q_C^{scratch}`, and the
        largest deviation of that difference from its mean (what changes the policy).
    """

    seed: int
    rollouts: dict[str, Any]
    goal_counts: dict[str, NDArray[np.int64]]
    env_steps: dict[str, int]
    q_offset: NDArray[np.float64]
    q_shape_gap: NDArray[np.float64]

    def joint_share(self, name: str) -> float:
        """Share of ``name``'s rollouts that end at North (:data:`JOINT_GOAL`)."""
        return float(self.goal_counts[name][JOINT_GOAL] / len(self.rollouts[name].goals))


def compose_seed(seed: int = 0, n_steps: int = 3000, n_sampler_steps: int = 2000, n_rollouts: int = 50,
                 progress: bool = False, **agent_kwargs: Any) -> ComposeSeed:
    """Train both sub-task agents and the scratch agent for ``n_steps`` each, compose, evaluate.

    ``agent_kwargs`` override :data:`COMPOSE_DEFAULTS` for all three agents (they must share ``alpha``).

    >>> res = compose_seed(0, n_steps=30, n_sampler_steps=2, n_rollouts=2, hidden=(8,), batch_size=16, min_replay=16)
    >>> res.env_steps["composed"], res.q_offset.shape
    (0, (3,))
    """
    from ..continuous.compose import compose_agents
    from ..continuous.sql import SoftQLearningAgent
    from ..continuous.training import goal_hit_counts, rollouts, train

    ss = np.random.SeedSequence(integer(seed, "seed", low=0)).spawn(5)
    kwargs = {**COMPOSE_DEFAULTS, **agent_kwargs}
    envs = [MultiGoalEnv(goals=np.asarray(GOALS)[list(g)]) for g in SUBTASK_GOALS] + [CombinedTaskEnv()]
    agents = [SoftQLearningAgent(2, 2, seed=np.random.default_rng(s), **kwargs) for s in ss[:3]]
    for k, (env, agent) in enumerate(zip(envs, agents)):
        train(env, agent, integer(n_steps, "n_steps", low=1), seed=int(ss[k].generate_state(1)[0]), progress=progress)
    composed = compose_agents(agents[0], agents[1], n_sampler_steps, seed=np.random.default_rng(ss[3]),
                              progress=progress)
    policies = dict(zip(POLICIES, [agents[0], agents[1], composed, agents[2]]))
    eval_seed = int(ss[4].generate_state(1)[0])
    outs = {name: rollouts(CombinedTaskEnv(), p.act, n_rollouts, seed=eval_seed) for name, p in policies.items()}
    offsets, gaps = [], []
    for state in GAP_STATES:
        diff = q_on_action_grid(composed, state, 21)[1] - q_on_action_grid(agents[2], state, 21)[1]
        offsets.append(diff.mean())
        gaps.append(np.max(np.abs(diff - diff.mean())))
    steps = {POLICIES[0]: n_steps, POLICIES[1]: n_steps, POLICIES[2]: composed.n_env_steps, POLICIES[3]: n_steps}
    return ComposeSeed(int(seed), outs, {k: goal_hit_counts(r.goals) for k, r in outs.items()}, steps,
                       np.array(offsets), np.array(gaps))


@dataclass(frozen=True, eq=False)
class ComposeStudy:
    """:func:`compose_seed` over seeds, with bootstrap intervals.

    Attributes
    ----------
    seeds : tuple of ComposeSeed
    joint_share : dict of str to Estimate
        Mean over seeds of the share of rollouts at North, per policy, with a 95% bootstrap interval.
    n_steps, n_sampler_steps : int
    """

    seeds: tuple[ComposeSeed, ...]
    joint_share: dict[str, Estimate]
    n_steps: int
    n_sampler_steps: int

    def report(self) -> str:
        """Per seed the goal hits of each policy, then the North shares with CIs and the Q gaps."""
        lines = [f"{len(self.seeds)} seeds; each sub-task agent and the scratch agent: {self.n_steps} env steps; "
                 f"composed: 0 new env steps, {self.n_sampler_steps} sampler steps on the union of the buffers"]
        for res in self.seeds:
            hits = "; ".join(f"{k}: {v.tolist()}" for k, v in res.goal_counts.items())
            lines.append(f"seed {res.seed} hits (E, W, N, S) -- {hits}")
        lines.append("share of rollouts ending at North (rewarded by both), mean [95% CI] over seeds:")
        lines += [f"  {k:18s} {v}" for k, v in self.joint_share.items()]
        offsets = np.mean([r.q_offset for r in self.seeds], axis=0)
        gaps = np.mean([r.q_shape_gap for r in self.seeds], axis=0)
        lines.append("composed Q - scratch Q over the action square (mean over seeds): " + "; ".join(
            f"s = {s}: mean {o:+.1f}, shape gap {g:.1f}" for s, o, g in zip(GAP_STATES, offsets, gaps)))
        return "\n".join(lines)


def compose_study(seeds: tuple[int, ...] = (0, 1, 2), n_steps: int = 3000, n_sampler_steps: int = 2000,
                  n_rollouts: int = 50, progress: bool = False, **agent_kwargs: Any) -> ComposeStudy:
    """:func:`compose_seed` for each seed; the North shares with percentile-bootstrap 95% intervals.

    >>> study = compose_study(seeds=(0,), n_steps=30, n_sampler_steps=2, n_rollouts=2, hidden=(8,),
    ...                       batch_size=16, min_replay=16)
    >>> list(study.joint_share) == list(POLICIES), study.seeds[0].env_steps["composed"]
    (True, 0)
    """
    if len(seeds) == 0:
        raise ValueError("seeds must hold at least one seed")
    runs = tuple(compose_seed(s, n_steps, n_sampler_steps, n_rollouts, progress, **agent_kwargs) for s in seeds)
    shares = {name: bootstrap_ci([r.joint_share(name) for r in runs]) for name in POLICIES}
    return ComposeStudy(runs, shares, int(n_steps), int(n_sampler_steps))

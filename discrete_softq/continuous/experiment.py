"""The multi-goal experiment of Haarnoja et al. (2017), Figure 1: train an agent, roll it out.

Shared by the ``multigoal`` demo, the benchmark and the tests, so they all measure the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..envs.multigoal import MultiGoalEnv
from .baselines import DDPGAgent
from .sql import SoftQLearningAgent
from .training import History, Rollouts, goal_hit_counts, rollouts, train

__all__ = ["MultiGoalResult", "run_multigoal", "q_on_action_grid", "DEFAULT_STEPS", "AGENTS", "FIGURE_STATES"]

#: Environment steps of a default run (well inside the 20,000 of the target).
DEFAULT_STEPS = 6000
#: The states of the paper's Q-contour panels (Figure 1b).
FIGURE_STATES = ((-2.5, 0.0), (0.0, 0.0), (2.5, 2.5))
#: Agent names accepted by :func:`run_multigoal`.
AGENTS = ("sql", "ddpg")


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


def run_multigoal(agent: str = "sql", n_steps: int = DEFAULT_STEPS, seed: int = 0, n_rollouts: int = 100,
                  progress: bool = False, **agent_kwargs: Any) -> MultiGoalResult:
    """Train ``agent`` ("sql" or "ddpg") with default settings for ``n_steps`` and roll it out.

    ``agent_kwargs`` override the agent's defaults. The agent, the training env and the
    evaluation starts get independent streams spawned from ``seed``.
    """
    if agent not in AGENTS:
        raise ValueError(f"agent must be one of {AGENTS}; got {agent!r}")
    agent_ss, train_ss, eval_ss = np.random.SeedSequence(seed).spawn(3)
    env = MultiGoalEnv()
    if agent == "sql":
        learner: Any = SoftQLearningAgent(2, 2, seed=np.random.default_rng(agent_ss), **agent_kwargs)
        policy = learner.act
    else:
        learner = DDPGAgent(2, 2, seed=np.random.default_rng(agent_ss), **agent_kwargs)
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
    """
    lin = np.linspace(-1.0, 1.0, resolution)
    grid = np.stack(np.meshgrid(lin, lin), axis=-1)
    obs_grid = np.broadcast_to(np.asarray(obs, dtype=float), grid.shape)
    return grid, np.asarray(agent.q_values(obs_grid, grid), dtype=float)

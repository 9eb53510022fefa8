"""Continuous maximum-entropy RL in NumPy: the multi-goal task, SVGD, and soft Q-learning.

* :class:`MultiGoalEnv` -- the point mass with four goals (Haarnoja et al. 2017, Figure 1);
* :class:`MLP`, :class:`Adam` -- a small network with hand-written backpropagation;
* :func:`rbf_kernel`, :class:`SVGD` -- Stein variational gradient descent (Liu & Wang 2016);
* :class:`SoftQLearningAgent` -- soft Q-learning with an amortized SVGD sampling network;
* :class:`DDPGAgent` -- the deterministic-policy baseline (Gaussian or Ornstein-Uhlenbeck noise);
* :func:`compose_agents`, :class:`SumQFunction` -- composing two learned soft Q-functions, with a
  sampler re-fitted on the :class:`UnionBuffer` of their replay buffers (no environment steps);
* :func:`train`, :func:`rollouts`, :func:`goal_hit_counts` -- training and evaluation;
* :func:`run_multigoal`, :class:`MultiGoalResult`, :func:`q_on_action_grid` -- the paper's
  experiment, which lives in :mod:`discrete_softq.experiments.multigoal` (re-exported here,
  imported on first use).

Nothing here depends on the tabular code.
"""

from typing import Any

from ..envs.multigoal import MultiGoalEnv
from .baselines import DDPGAgent
from .compose import ComposedAgent, SumQFunction, compose_agents
from .nn import MLP, Adam
from .replay import ReplayBuffer, UnionBuffer
from .sql import SoftQLearningAgent, soft_value_estimate
from .svgd import SVGD, GaussianMixture, median_bandwidth, rbf_kernel, svgd_direction
from .training import History, Rollouts, goal_hit_counts, rollouts, train

__all__ = [
    "MultiGoalEnv",
    "MLP",
    "Adam",
    "rbf_kernel",
    "median_bandwidth",
    "svgd_direction",
    "SVGD",
    "GaussianMixture",
    "ReplayBuffer",
    "UnionBuffer",
    "SoftQLearningAgent",
    "soft_value_estimate",
    "DDPGAgent",
    "SumQFunction",
    "ComposedAgent",
    "compose_agents",
    "train",
    "History",
    "rollouts",
    "Rollouts",
    "goal_hit_counts",
    "run_multigoal",
    "MultiGoalResult",
    "q_on_action_grid",
]

_EXPERIMENT_NAMES = ("MultiGoalResult", "q_on_action_grid", "run_multigoal")


def __getattr__(name: str) -> Any:
    """The experiment's names, from :mod:`discrete_softq.experiments.multigoal` on first use (PEP 562)."""
    if name in _EXPERIMENT_NAMES:
        from ..experiments import multigoal

        return getattr(multigoal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPERIMENT_NAMES])

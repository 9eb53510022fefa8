"""Continuous maximum-entropy RL in NumPy: the multi-goal task, SVGD, and soft Q-learning.

* :class:`MultiGoalEnv` -- the point mass with four goals (Haarnoja et al. 2017, Figure 1);
* :class:`MLP`, :class:`Adam` -- a small network with hand-written backpropagation;
* :func:`rbf_kernel`, :class:`SVGD` -- Stein variational gradient descent (Liu & Wang 2016);
* :class:`SoftQLearningAgent` -- soft Q-learning with an amortized SVGD sampling network;
* :class:`DDPGAgent` -- the deterministic-policy baseline;
* :func:`train`, :func:`rollouts`, :func:`goal_hit_counts`, :func:`run_multigoal` -- training,
  evaluation and the paper's experiment.

Nothing here depends on the tabular code.
"""

from ..envs.multigoal import MultiGoalEnv
from .baselines import DDPGAgent
from .experiment import MultiGoalResult, q_on_action_grid, run_multigoal
from .nn import MLP, Adam
from .replay import ReplayBuffer
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
    "SoftQLearningAgent",
    "soft_value_estimate",
    "DDPGAgent",
    "train",
    "History",
    "rollouts",
    "Rollouts",
    "goal_hit_counts",
    "run_multigoal",
    "MultiGoalResult",
    "q_on_action_grid",
]

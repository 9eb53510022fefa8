"""discrete_softq: maximum-entropy (soft) reinforcement learning you can read and check.

The tabular core, re-exported here:

* :class:`TabularMDP`, :func:`random_mdp` -- finite MDPs (dense or scipy.sparse transitions);
* :func:`soft_value`, :func:`boltzmann_policy`, :func:`soft_bellman_operator`,
  :func:`bellman_operator`, :func:`policy_entropy` -- the soft operators;
* :func:`soft_q_iteration`, :func:`soft_value_iteration`, :func:`soft_policy_iteration`,
  :func:`value_iteration`, :func:`soft_policy_evaluation`, :func:`maxent_return` and
  :class:`SoftSolution` -- exact soft dynamic programming;
* :mod:`discrete_softq.reference` -- the same algorithms in plain textbook NumPy (read these first).

Importing the package registers every Gymnasium id of :mod:`discrete_softq.envs`.

Gridworlds live in :mod:`discrete_softq.envs`, agents in :mod:`discrete_softq.agents`, the
continuous module in :mod:`discrete_softq.continuous`, composition in
:mod:`discrete_softq.compose`. ``python -m discrete_softq.demo`` lists the demos.
"""

from . import reference
from .dp import (
    ConvergenceWarning,
    RoundingFloorWarning,
    SoftSolution,
    maxent_return,
    soft_policy_evaluation,
    soft_policy_iteration,
    soft_policy_state_values,
    soft_q_iteration,
    soft_value_iteration,
    value_iteration,
)
from .mdp import TabularMDP, random_mdp
from .selection import solve
from .soft import (
    bellman_operator,
    boltzmann_policy,
    entropy_bonus,
    kl_divergence,
    policy_entropy,
    soft_bellman_operator,
    soft_state_values,
    soft_value,
    state_values,
)
from . import envs  # noqa: E402  (registers every gymnasium id, as ``import minigrid`` does)

__version__ = "0.1.0"

__all__ = [
    "TabularMDP",
    "random_mdp",
    "soft_value",
    "boltzmann_policy",
    "soft_bellman_operator",
    "bellman_operator",
    "policy_entropy",
    "kl_divergence",
    "entropy_bonus",
    "state_values",
    "soft_state_values",
    "soft_q_iteration",
    "soft_value_iteration",
    "soft_policy_iteration",
    "soft_policy_evaluation",
    "soft_policy_state_values",
    "value_iteration",
    "maxent_return",
    "SoftSolution",
    "solve",
    "ConvergenceWarning",
    "RoundingFloorWarning",
    "reference",
]

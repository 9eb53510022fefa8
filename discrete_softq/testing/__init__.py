"""Testing tools for the toolkit: hypothesis strategies, the theorems as checks, example MDPs.

* :mod:`~discrete_softq.testing.strategies` -- random valid MDPs (:func:`mdps`), temperatures,
  policies, priors and Q-tables, and composites that draw an MDP with matching tables
  (:func:`mdp_and_q`, :func:`mdp_and_policy`);
* :mod:`~discrete_softq.testing.operator_theorems` and
  :mod:`~discrete_softq.testing.solution_theorems` -- the theorems of soft Q-learning as plain
  functions (``check_soft_bellman_contraction``, ``check_soft_policy_improvement``, ...) that raise
  :class:`AssertionError` with a clear message; ``tests/test_theory.py`` and notebook 02 call them;
* :mod:`~discrete_softq.testing.examples` -- MDPs with closed forms or known difficulties, and
  :func:`numerical_gradient`;
* :mod:`~discrete_softq.testing.hostile` -- hostile arguments for fuzzing the public API and
  ``check_call``, the claim that a call returns a finite result or raises a named
  ``TypeError``/``ValueError`` (``tests/test_fuzz_*.py``).

Requires ``hypothesis`` (the ``test`` extra).

Examples
--------
>>> from hypothesis import given, settings
>>> from discrete_softq.testing import alphas, check_soft_bellman_contraction, mdp_and_q
>>> @settings(max_examples=5, derandomize=True, database=None)
... @given(drawn=mdp_and_q(n_tables=2, max_states=3), alpha=alphas())
... def contraction(drawn, alpha):
...     mdp, Q1, Q2 = drawn
...     check_soft_bellman_contraction(mdp, Q1, Q2, alpha)
>>> contraction()
"""

from .boltzmann_theorems import (check_maxent_beats_one_step_entropy, check_one_step_is_maxent_when_degenerate,
                                 check_soft_performance_difference)
from .examples import numerical_gradient, self_loop_chain, two_state_goal_mdp
from .operator_theorems import (
    check_gibbs_variational_principle,
    check_residuals_contract,
    check_soft_bellman_constant_shift,
    check_soft_bellman_contraction,
    check_soft_bellman_monotone,
    rounding_slack,
    violated,
)
from .solution_theorems import (
    check_boltzmann_policy_is_optimal,
    check_policy_evaluation_equation,
    check_same_fixed_point,
    check_soft_bellman_equation,
    check_soft_hard_sandwich,
    check_soft_policy_improvement,
)
from .strategies import alphas, mdp_and_policy, mdp_and_prior, mdp_and_q, mdps, policies, priors, q_tables

__all__ = [
    "mdps", "alphas", "policies", "priors", "q_tables", "mdp_and_q", "mdp_and_policy", "mdp_and_prior",
    "two_state_goal_mdp", "self_loop_chain", "numerical_gradient", "rounding_slack", "violated",
    "check_soft_bellman_contraction", "check_soft_bellman_monotone", "check_soft_bellman_constant_shift",
    "check_residuals_contract", "check_gibbs_variational_principle", "check_soft_bellman_equation",
    "check_same_fixed_point", "check_soft_policy_improvement", "check_policy_evaluation_equation",
    "check_boltzmann_policy_is_optimal", "check_soft_hard_sandwich",
    "check_maxent_beats_one_step_entropy", "check_soft_performance_difference", "check_one_step_is_maxent_when_degenerate",
]

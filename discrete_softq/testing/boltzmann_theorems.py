r"""One-step entropy is not the max-ent objective: the claims, as checks that raise.

The *one-step* (Boltzmann-exploration, PGQ-style) policy of a temperature :math:`\alpha` is the
softmax of the **hard** optimal action values, :math:`\pi_B = \operatorname{softmax}(Q^*_0/\alpha)`:
as random as the soft policy at each step, but blind to the entropy it will find later. The
soft-optimal policy is :math:`\pi^*_\alpha = \operatorname{softmax}(Q^*_\alpha/\alpha)`, and the two
differ by a tilt towards states with a large *future soft bonus*
:math:`D = V^*_\alpha - V^*_0 \;(\ge 0` for the Shannon bonus):

.. math:: Q^*_\alpha - Q^*_0 = \gamma\, P D, \qquad
          \pi^*_\alpha(a|s) \propto \pi_B(a|s)\, e^{\gamma\, \mathbb{E}_{s'|s,a}[D(s')]/\alpha}.

The gap in the max-ent return :math:`J(\pi) = \mu^\top V^\pi` is, for *any* policy :math:`\pi`
(the soft performance-difference identity),

.. math:: J(\pi^*_\alpha) - J(\pi) = \alpha \sum_s n_\pi(s)\,
          \mathrm{KL}\big(\pi(\cdot|s)\,\|\,\pi^*_\alpha(\cdot|s)\big) \;\ge\; 0,

with :math:`n_\pi(s) = \mathbb{E}_\pi \sum_t \gamma^t 1[s_t = s]` the discounted visits. Hence
**equality holds exactly when** :math:`\pi_B = \pi^*_\alpha` on every state :math:`\pi_B` visits
(it has full support, so: every state reachable from :math:`\mu`), i.e. when
:math:`a \mapsto \mathbb{E}_{s'|s,a}[D(s')]` is constant on each reachable state. Sufficient
(degenerate) cases: ``gamma = 0``; one action; successor distributions that do not depend on the
action (a contextual bandit); ``alpha = 0``; or differences only on states unreachable from the start.

Each ``check_*`` states one claim; solutions are trusted as far as their ``error_bound`` ``b``:
the Boltzmann policy of a ``Q`` within ``b`` of :math:`Q^*` loses at most :math:`2b/(1-\gamma)` (the soft
policy-loss bound: :math:`V^* - V^\pi = (I - \gamma P_\pi)^{-1}[\,\cdot\,]` of a per-state loss at most
:math:`2b`, since :math:`\pi` maximises :math:`\pi^\top Q + \alpha \mathcal{H}` for a ``Q`` off by at most ``b``
in each entry), so ``gamma < 1`` is required. ``tests/test_boltzmann_vs_maxent.py`` checks that each
check fails when the claim is broken by far less than the effects it measures (swapped policies, values
off by ``1e-7``).
Pass another ``evaluate`` (signature of :func:`~discrete_softq.soft_policy_evaluation`, e.g.
:func:`discrete_softq.reference.soft_policy_evaluation`, a dense linear solve) as an oracle.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..dp import SoftSolution
from ..evaluation import soft_policy_evaluation
from ..inference import visit_counts
from ..mdp import TabularMDP, check_mdp, check_policy
from ..soft import boltzmann_policy, check_prior, entropy_bonus, log_sum_exp
from .operator_theorems import rounding_slack, violated

__all__ = ["one_step_policy", "maxent_return_of", "check_maxent_beats_one_step_entropy",
           "check_soft_performance_difference", "check_one_step_is_maxent_when_degenerate"]

Evaluate = Callable[..., NDArray[np.float64]]


def one_step_policy(hard: SoftSolution, alpha: float, prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""The Boltzmann policy of the hard :math:`Q^*`: :math:`\pi_B \propto \rho\, e^{Q^*_0/\alpha}`.

    >>> from discrete_softq import value_iteration
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> one_step_policy(value_iteration(two_state_goal_mdp()), 1.0).shape
    (2, 2)
    """
    if not isinstance(hard, SoftSolution):
        raise TypeError(f"hard must be a SoftSolution; got {type(hard).__name__}")
    return boltzmann_policy(hard.Q, alpha, prior=prior)


def maxent_return_of(mdp: TabularMDP, policy: ArrayLike, alpha: float, prior: ArrayLike | None = None,
                     evaluate: Evaluate = soft_policy_evaluation) -> float:
    r""":math:`J(\pi) = \mu^\top V^\pi`, with :math:`V^\pi = \sum_a \pi (Q^\pi - \alpha \log(\pi/\rho))` from ``evaluate``.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> round(maxent_return_of(TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5), [0.5, 0.5], 1.0), 6)
    1.386294
    """
    Q = evaluate(mdp, policy, alpha, prior=prior)
    pi = np.broadcast_to(np.asarray(policy, dtype=float), Q.shape)
    V = np.where(mdp.terminal, 0.0, (pi * Q).sum(axis=1) + alpha * entropy_bonus(pi, prior))
    return float(mdp.initial @ V)


def _kl_to_boltzmann(pi: NDArray, Q: NDArray, alpha: float, prior: ArrayLike | None) -> NDArray[np.float64]:
    """``KL(pi(.|s) || softmax(Q(s,.)/alpha))`` from log-probabilities ``log rho + (Q - V)/alpha`` (no underflow)."""
    with np.errstate(divide="ignore"):                 # a prior may exclude actions: log 0 = -inf, where pi = 0 too
        log_rho = 0.0 if prior is None else np.log(np.broadcast_to(np.asarray(prior, dtype=float), Q.shape))
        log_target = log_rho + (Q - log_sum_exp(Q, alpha, None if prior is None else np.asarray(prior))[:, None]) / alpha
        log_ratio = np.where(pi > 0, np.log(np.where(pi > 0, pi, 1.0)) - log_target, 0.0)
    return (pi * log_ratio).sum(axis=1)


def _checked(mdp: TabularMDP, soft: SoftSolution, hard: SoftSolution | None = None) -> TabularMDP:
    """The model, after checking the solutions' types, shapes and temperatures (errors name the argument)."""
    mdp = check_mdp(mdp)
    if mdp.gamma >= 1.0:
        raise ValueError(f"mdp.gamma must be < 1 (the allowance 2 error_bound / (1 - gamma)); got {mdp.gamma}")
    for name, sol in (("soft", soft), ("hard", hard)):
        if sol is None and name == "hard":
            continue
        if not isinstance(sol, SoftSolution):
            raise TypeError(f"{name} must be a SoftSolution; got {type(sol).__name__}")
        if sol.Q.shape != (mdp.n_states, mdp.n_actions):
            raise ValueError(f"{name} must solve this mdp: Q of shape {(mdp.n_states, mdp.n_actions)}; got {sol.Q.shape}")
    if hard is not None and hard.alpha != 0.0:
        raise ValueError(f"hard must be a solution at alpha = 0; got alpha = {hard.alpha}")
    return mdp


def _slack(mdp: TabularMDP, soft: SoftSolution, *values: float) -> float:
    return rounding_slack(mdp.gamma, soft.Q, soft.V, np.asarray(values), soft.alpha, factor=64.0)


def check_maxent_beats_one_step_entropy(mdp: TabularMDP, soft: SoftSolution, hard: SoftSolution,
                                        prior: ArrayLike | None = None,
                                        evaluate: Evaluate = soft_policy_evaluation) -> None:
    r"""Claim: :math:`J(\pi^*_\alpha) \ge J(\operatorname{softmax}(Q^*_0/\alpha))`, the max-ent return from the start.

    ``soft`` solves the problem at ``alpha = soft.alpha`` (within ``b = soft.error_bound``),
    ``hard`` at ``alpha = 0``; allowed shortfall :math:`2b/(1-\gamma)` plus rounding.

    Examples
    --------
    >>> from discrete_softq import soft_value_iteration, value_iteration
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> mdp = two_state_goal_mdp()
    >>> check_maxent_beats_one_step_entropy(mdp, soft_value_iteration(mdp, 0.5), value_iteration(mdp))
    """
    mdp, alpha, prior = _checked(mdp, soft, hard), soft.alpha, check_prior(prior, soft.Q.shape)
    J_soft = maxent_return_of(mdp, soft.policy, alpha, prior, evaluate)
    J_one = maxent_return_of(mdp, one_step_policy(hard, alpha, prior), alpha, prior, evaluate)
    allowed = 2 * soft.error_bound / (1 - mdp.gamma) + _slack(mdp, soft, J_soft, J_one)
    if not J_one - J_soft <= allowed:
        violated("J(pi*_alpha) >= J(softmax(Q*_hard / alpha))", J_soft=J_soft, J_one_step=J_one, allowed=allowed)


def check_soft_performance_difference(mdp: TabularMDP, soft: SoftSolution, policy: ArrayLike,
                                      prior: ArrayLike | None = None,
                                      evaluate: Evaluate = soft_policy_evaluation) -> None:
    r"""Claim: :math:`J^*_\alpha - J(\pi) = \alpha \sum_s n_\pi(s)\, \mathrm{KL}(\pi(\cdot|s) \| \pi^*_\alpha(\cdot|s))`.

    For any policy ``policy``; the right side uses the discounted visits of
    :func:`~discrete_softq.inference.visit_counts`, the left ``mu @ soft.V``. Allowed error:
    :math:`b` (in :math:`V^*`) plus :math:`2b/(1-\gamma)` (the KL to a policy whose log differs by
    at most :math:`2b/\alpha`), plus rounding.

    Examples
    --------
    >>> from discrete_softq import soft_value_iteration
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> mdp = two_state_goal_mdp()
    >>> check_soft_performance_difference(mdp, soft_value_iteration(mdp, 0.5), np.full((2, 2), 0.5))
    """
    mdp, alpha, b, prior = _checked(mdp, soft), soft.alpha, soft.error_bound, check_prior(prior, soft.Q.shape)
    pi = check_policy(policy, mdp.n_states, mdp.n_actions)
    gap = float(mdp.initial @ soft.V) - maxent_return_of(mdp, pi, alpha, prior, evaluate)
    n = visit_counts(mdp, pi).sum(axis=1)
    kl = _kl_to_boltzmann(pi, soft.Q, alpha, prior) if alpha > 0 else np.zeros(len(n))
    predicted = float(alpha * n @ np.where(mdp.terminal, 0.0, kl))
    allowed = b + 2 * b / (1 - mdp.gamma) + _slack(mdp, soft, gap, predicted)
    if not abs(gap - predicted) <= allowed:
        violated("J* - J(pi) = alpha sum_s n_pi(s) KL(pi(.|s) || pi*(.|s))", gap=gap, predicted=predicted,
                 allowed=allowed)


def check_one_step_is_maxent_when_degenerate(mdp: TabularMDP, soft: SoftSolution, hard: SoftSolution,
                                             prior: ArrayLike | None = None,
                                             evaluate: Evaluate = soft_policy_evaluation) -> None:
    r"""Claim: on a degenerate MDP (module docstring) :math:`J(\pi^*_\alpha) = J(\operatorname{softmax}(Q^*_0/\alpha))`.

    The caller vouches that the MDP is degenerate (e.g. ``gamma = 0`` or action-independent
    successors on every reachable state). Allowed gap: :math:`2 b_\alpha/(1-\gamma)` for the soft
    solution, and the loss of a Boltzmann policy of a ``Q`` within :math:`b_0 + b_\alpha` of
    :math:`Q^*_\alpha`, :math:`2(b_0 + b_\alpha)/(1-\gamma)`, plus rounding.

    Examples
    --------
    >>> from discrete_softq import TabularMDP, soft_value_iteration, value_iteration
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)   # one state: successors do not depend on a
    >>> check_one_step_is_maxent_when_degenerate(mdp, soft_value_iteration(mdp, 0.5), value_iteration(mdp))
    """
    mdp, alpha, prior = _checked(mdp, soft, hard), soft.alpha, check_prior(prior, soft.Q.shape)
    J_soft = maxent_return_of(mdp, soft.policy, alpha, prior, evaluate)
    J_one = maxent_return_of(mdp, one_step_policy(hard, alpha, prior), alpha, prior, evaluate)
    allowed = 2 * (soft.error_bound + hard.error_bound) / (1 - mdp.gamma) + _slack(mdp, soft, J_soft, J_one)
    if not abs(J_soft - J_one) <= allowed:
        violated("J(pi*_alpha) = J(softmax(Q*_hard / alpha)) on a degenerate MDP", J_soft=J_soft,
                 J_one_step=J_one, allowed=allowed)

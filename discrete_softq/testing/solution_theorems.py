r"""The theorems about fixed points, policies and their values, as checks that raise.

Like :mod:`discrete_softq.testing.operator_theorems`: each ``check_*`` states one claim and raises
:class:`AssertionError` naming it. A solver's answer is trusted only as far as its
``error_bound`` (:math:`\|Q - Q^*\|_\infty \le` ``error_bound``), so the checks allow exactly
the slack that bound implies, plus :func:`~discrete_softq.testing.rounding_slack`; pass another
``evaluate`` (same signature as :func:`~discrete_softq.soft_policy_evaluation`) or ``operator``
to check an implementation of your own, e.g. :mod:`discrete_softq.reference`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..dp import SoftSolution
from ..evaluation import soft_policy_evaluation
from ..mdp import TabularMDP
from ..soft import boltzmann_policy, entropy_bonus, soft_bellman_operator
from .operator_theorems import rounding_slack, violated

__all__ = ["check_soft_bellman_equation", "check_same_fixed_point", "check_soft_policy_improvement",
           "check_policy_evaluation_equation", "check_boltzmann_policy_is_optimal", "check_soft_hard_sandwich"]

Evaluate = Callable[..., NDArray[np.float64]]


def check_soft_bellman_equation(mdp: TabularMDP, sol: SoftSolution, prior: ArrayLike | None = None,
                                operator: Callable[..., NDArray] = soft_bellman_operator) -> None:
    r"""Claim: a solution solves the soft Bellman equation within its bound.

    :math:`Q = r + \gamma \mathbb{E}_{s'}[\alpha \log \sum_{a'} e^{Q(s',a')/\alpha}]`.

    If :math:`\|Q - Q^*\| \le b` then :math:`\|\mathcal{T}Q - Q\| \le \|\mathcal{T}Q - \mathcal{T}Q^*\| +
    \|Q^* - Q\| \le (1 + \gamma) b` (Haarnoja et al. 2017, Eq. 2-3).

    Examples
    --------
    >>> from discrete_softq import soft_q_iteration
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> mdp = two_state_goal_mdp()
    >>> check_soft_bellman_equation(mdp, soft_q_iteration(mdp, 1.0))
    """
    TQ = operator(mdp, sol.Q, sol.alpha, prior=prior)
    gap = float(np.max(np.abs(TQ - sol.Q)))
    allowed = (1 + mdp.gamma) * sol.error_bound + rounding_slack(mdp.gamma, sol.Q, TQ, sol.alpha)
    if not gap <= allowed:
        violated("the soft Bellman equation Q = T Q (within (1 + gamma) error_bound)", gap=gap, allowed=allowed)


def check_same_fixed_point(mdp: TabularMDP, a: SoftSolution, b: SoftSolution) -> None:
    r"""Claim: two solutions of the same problem agree within the sum of their error bounds, in Q and in V.

    The fixed point is unique (the backup is a contraction), so two solvers, or one solver from
    two starts, find it both.

    Examples
    --------
    >>> from discrete_softq import soft_q_iteration, soft_policy_iteration
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> mdp = two_state_goal_mdp()
    >>> check_same_fixed_point(mdp, soft_q_iteration(mdp, 0.3), soft_policy_iteration(mdp, 0.3))
    """
    allowed = a.error_bound + b.error_bound + rounding_slack(mdp.gamma, a.Q, b.Q, a.V, b.V, a.alpha)
    for name in ("Q", "V"):
        gap = float(np.max(np.abs(getattr(a, name) - getattr(b, name))))
        if not gap <= allowed:
            violated(f"uniqueness of the fixed point ({name} of two solutions)", gap=gap, allowed=allowed)


def check_soft_policy_improvement(mdp: TabularMDP, policy: ArrayLike, alpha: float, prior: ArrayLike | None = None,
                                  evaluate: Evaluate = soft_policy_evaluation) -> None:
    r"""Claim: the Boltzmann policy of :math:`Q^{\pi_{old}}` is no worse: :math:`Q^{\pi_{new}} \ge Q^{\pi_{old}}`.

    :math:`\pi_{new} \propto \rho\, e^{Q^{\pi_{old}}/\alpha}`, everywhere.

    Theorem 4 of Haarnoja et al. (2017), soft policy improvement.

    Examples
    --------
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> check_soft_policy_improvement(two_state_goal_mdp(), np.full((2, 2), 0.5), 1.0)
    """
    Q_old = evaluate(mdp, policy, alpha, prior=prior)
    Q_new = evaluate(mdp, boltzmann_policy(Q_old, alpha, prior=prior), alpha, prior=prior)
    worst = float(np.max(Q_old - Q_new))
    if not worst <= rounding_slack(mdp.gamma, Q_old, Q_new, alpha):
        violated("soft policy improvement Q^pi_new >= Q^pi_old", largest_decrease=worst, alpha=alpha)


def check_policy_evaluation_equation(mdp: TabularMDP, policy: ArrayLike, alpha: float, Q_pi: ArrayLike,
                                     prior: ArrayLike | None = None) -> None:
    r"""Claim: :math:`Q^\pi = r + \gamma \mathbb{E}_{s'}[\sum_{a'} \pi(a'|s') Q^\pi(s',a') + \alpha h_\pi(s')]` exactly.

    :math:`h_\pi = \mathcal{H}(\pi)` (or :math:`-\mathrm{KL}(\pi\|\rho)` with a prior); ``V = 0`` at
    terminal states.

    Examples
    --------
    >>> from discrete_softq import soft_policy_evaluation
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> mdp, pi = two_state_goal_mdp(), np.full((2, 2), 0.5)
    >>> check_policy_evaluation_equation(mdp, pi, 1.0, soft_policy_evaluation(mdp, pi, 1.0))
    """
    pi = np.broadcast_to(np.asarray(policy, dtype=float), (mdp.n_states, mdp.n_actions))
    Q_pi = np.asarray(Q_pi, dtype=float)
    V = np.where(mdp.terminal, 0.0, (pi * Q_pi).sum(axis=1) + alpha * entropy_bonus(pi, prior))
    backup = mdp.rewards + mdp.gamma * mdp.expected_next(V)
    gap = float(np.max(np.abs(backup - Q_pi)))
    if not gap <= rounding_slack(mdp.gamma, Q_pi, backup, V, alpha):
        violated("the policy's soft Bellman equation Q^pi = r + gamma E[V^pi]", gap=gap, alpha=alpha)


def check_boltzmann_policy_is_optimal(mdp: TabularMDP, sol: SoftSolution, other: ArrayLike,
                                      prior: ArrayLike | None = None,
                                      evaluate: Evaluate = soft_policy_evaluation) -> None:
    r"""Claim (Theorem 1): :math:`\pi^* \propto \rho\, e^{Q^*/\alpha}` has soft value :math:`V^*`; none does better.

    ``sol`` is a solution within ``error_bound`` ``b`` of :math:`Q^*`. The Boltzmann policy of a
    ``Q`` within ``b`` of :math:`Q^*` loses at most :math:`2 b / (1 - \gamma)`; ``other`` (any
    policy) is checked from every start state: :math:`V^{other} \le V^* \le V + b`.

    Examples
    --------
    >>> from discrete_softq import soft_policy_iteration
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> mdp = two_state_goal_mdp()
    >>> check_boltzmann_policy_is_optimal(mdp, soft_policy_iteration(mdp, 1.0), np.full((2, 2), 0.5))
    """
    alpha, b = sol.alpha, sol.error_bound
    slack = rounding_slack(mdp.gamma, sol.Q, sol.V, alpha)

    def values(policy: ArrayLike) -> NDArray:
        Q = evaluate(mdp, policy, alpha, prior=prior)
        pi = np.broadcast_to(np.asarray(policy, dtype=float), Q.shape)
        return np.where(mdp.terminal, 0.0, (pi * Q).sum(axis=1) + alpha * entropy_bonus(pi, prior))

    gap = float(np.max(np.abs(values(sol.policy) - sol.V)))
    if not gap <= 2 * b / (1 - mdp.gamma) + b + slack:
        violated("V^pi* = V* for the Boltzmann policy of Q*", gap=gap, error_bound=b)
    excess = float(np.max(values(other) - sol.V))
    if not excess <= b + slack:
        violated("V^pi <= V* for every policy pi", excess=excess, error_bound=b)


def check_soft_hard_sandwich(mdp: TabularMDP, soft: SoftSolution, hard: SoftSolution) -> None:
    r"""Claim: :math:`V^*_0 \le V^*_\alpha \le V^*_0 + \alpha \log|A| / (1 - \gamma)` (Shannon entropy, ``prior=None``).

    The entropy bonus is between 0 and :math:`\log |A|` per step. ``soft`` solves the problem at
    temperature ``soft.alpha``, ``hard`` at ``alpha = 0``.

    Examples
    --------
    >>> from discrete_softq import soft_value_iteration, value_iteration
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> mdp = two_state_goal_mdp()
    >>> check_soft_hard_sandwich(mdp, soft_value_iteration(mdp, 2.0), value_iteration(mdp))
    """
    allowed = soft.error_bound + hard.error_bound + rounding_slack(mdp.gamma, soft.Q, hard.Q, soft.V, hard.V,
                                                                   soft.alpha)
    bonus = soft.alpha * np.log(mdp.n_actions) / (1 - mdp.gamma)
    below = float(np.max(hard.V - soft.V))
    above = float(np.max(soft.V - hard.V - bonus))
    if not below <= allowed:
        violated("V*_hard <= V*_soft", excess=below, allowed=allowed)
    if not above <= allowed:
        violated("V*_soft <= V*_hard + alpha log|A| / (1 - gamma)", excess=above, allowed=allowed)

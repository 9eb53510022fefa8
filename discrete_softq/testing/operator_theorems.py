r"""The theorems about the soft Bellman backup and the soft value, as checks that raise.

Each ``check_*`` function states one claim of the theory for the objects it is given and raises
:class:`AssertionError` with a message naming the claim and the numbers when they violate it.
The tests (``tests/test_theory.py``) call them on random MDPs drawn by hypothesis; notebook 02
calls them live. Pass another ``operator`` (same signature as
:func:`~discrete_softq.soft_bellman_operator`) to check an implementation of your own.

Tolerances: floating point rounds every entry of a table of size :math:`|Q|` by about
:math:`\epsilon |Q|`; errors of that size fed through a discounted sum grow to at most
:math:`\epsilon |Q| / (1 - \gamma)`. Every check allows :func:`rounding_slack`, a small multiple of
that, and nothing more: a real violation of a theorem is far larger.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..mdp import TabularMDP
from ..soft import boltzmann_policy, policy_entropy, soft_bellman_operator, soft_value

__all__ = ["rounding_slack", "violated", "check_soft_bellman_contraction", "check_soft_bellman_monotone",
           "check_soft_bellman_constant_shift", "check_residuals_contract", "check_gibbs_variational_principle"]

Operator = Callable[..., NDArray[np.float64]]
EPS = float(np.finfo(float).eps)


def rounding_slack(gamma: float, *tables: ArrayLike, factor: float = 16.0) -> float:
    r"""The rounding allowance :math:`c\, \epsilon \max(1, |X|_\infty) / (1 - \gamma)` over the ``tables``.

    Pass the temperature too where soft values are computed: a log-sum-exp rounds by about
    :math:`\epsilon \alpha` even where the values themselves are near 0 (a normalised prior).

    Examples
    --------
    >>> rounding_slack(0.5, [[1e4]]) == 16 * 2.220446049250313e-16 * 1e4 / 0.5
    True
    """
    size = max([1.0] + [float(np.max(np.abs(t), initial=0.0)) for t in tables])
    return factor * EPS * size / (1.0 - gamma)


def violated(claim: str, **numbers: object) -> None:
    """Raise the :class:`AssertionError` of a check: the claim, and the numbers that break it.

    Examples
    --------
    >>> violated("1 + 1 = 3", lhs=2, rhs=3)
    Traceback (most recent call last):
    ...
    AssertionError: 1 + 1 = 3 is violated: lhs = 2, rhs = 3
    """
    detail = ", ".join(f"{k} = {v!r}" for k, v in numbers.items())
    raise AssertionError(f"{claim} is violated: {detail}")


def check_soft_bellman_contraction(mdp: TabularMDP, Q1: ArrayLike, Q2: ArrayLike, alpha: float,
                                   prior: ArrayLike | None = None,
                                   operator: Operator = soft_bellman_operator) -> None:
    r"""Claim: :math:`\|\mathcal{T} Q_1 - \mathcal{T} Q_2\|_\infty \le \gamma \|Q_1 - Q_2\|_\infty` for any alpha.

    For every temperature :math:`\alpha \ge 0`: why soft Q-iteration converges to a unique fixed point
    (Haarnoja et al. 2017, Appendix A.2).

    Examples
    --------
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> check_soft_bellman_contraction(two_state_goal_mdp(), np.zeros((2, 2)), np.ones((2, 2)), 1.0)
    >>> double = lambda mdp, Q, alpha, prior=None: 2 * soft_bellman_operator(mdp, Q, alpha, prior)
    >>> check_soft_bellman_contraction(two_state_goal_mdp(), np.zeros((2, 2)), np.ones((2, 2)), 1.0,
    ...                                operator=double)
    Traceback (most recent call last):
    ...
    AssertionError: the contraction |T Q1 - T Q2| <= gamma |Q1 - Q2| is violated: ...
    """
    T1, T2 = operator(mdp, Q1, alpha, prior=prior), operator(mdp, Q2, alpha, prior=prior)
    lhs = float(np.max(np.abs(T1 - T2)))
    rhs = mdp.gamma * float(np.max(np.abs(np.subtract(Q1, Q2))))
    if not lhs <= rhs + rounding_slack(mdp.gamma, Q1, Q2, T1, T2, alpha):
        violated("the contraction |T Q1 - T Q2| <= gamma |Q1 - Q2|", lhs=lhs, rhs=rhs, gamma=mdp.gamma, alpha=alpha)


def check_soft_bellman_monotone(mdp: TabularMDP, Q_low: ArrayLike, Q_high: ArrayLike, alpha: float,
                                prior: ArrayLike | None = None, operator: Operator = soft_bellman_operator) -> None:
    r"""Claim: :math:`Q_{low} \le Q_{high}` everywhere implies :math:`\mathcal{T} Q_{low} \le \mathcal{T} Q_{high}`.

    Log-sum-exp is increasing in every argument; this is what the policy-improvement proofs use.

    Examples
    --------
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> check_soft_bellman_monotone(two_state_goal_mdp(), np.zeros((2, 2)), np.ones((2, 2)), 0.5)
    """
    if np.any(np.asarray(Q_low) > np.asarray(Q_high)):
        raise ValueError("Q_low must be <= Q_high everywhere")
    T_low, T_high = operator(mdp, Q_low, alpha, prior=prior), operator(mdp, Q_high, alpha, prior=prior)
    worst = float(np.max(T_low - T_high))
    if not worst <= rounding_slack(mdp.gamma, T_low, T_high, alpha):
        violated("monotonicity T Q_low <= T Q_high", largest_excess=worst, alpha=alpha)


def check_soft_bellman_constant_shift(mdp: TabularMDP, Q: ArrayLike, c: float, alpha: float,
                                      prior: ArrayLike | None = None,
                                      operator: Operator = soft_bellman_operator) -> None:
    r"""Claim: :math:`\mathcal{T}(Q + c) = \mathcal{T} Q + \gamma c\, P(s' \text{ not terminal} \mid s, a)`.

    Without terminal states, :math:`\mathcal{T}(Q + c) = \mathcal{T}Q + \gamma c`: the property behind
    the MacQueen stopping bounds of the solvers.

    Examples
    --------
    >>> from discrete_softq.testing import two_state_goal_mdp
    >>> check_soft_bellman_constant_shift(two_state_goal_mdp(), np.zeros((2, 2)), 3.0, 1.0)
    """
    Q = np.asarray(Q, dtype=float)
    shifted = operator(mdp, Q + c, alpha, prior=prior)
    expected = operator(mdp, Q, alpha, prior=prior) + mdp.gamma * c * mdp.expected_next((~mdp.terminal).astype(float))
    gap = float(np.max(np.abs(shifted - expected)))
    if not gap <= rounding_slack(mdp.gamma, Q, Q + c, shifted, alpha):
        violated("the translation rule T(Q + c) = T Q + gamma c", gap=gap, c=c, alpha=alpha)


def check_residuals_contract(residuals: ArrayLike, gamma: float, scale: float) -> None:
    r"""Claim: the residuals :math:`r_k = \|\mathcal{T}Q_k - Q_k\|_\infty` obey :math:`r_{k+1} \le \gamma r_k`.

    ``scale`` is the size :math:`|Q|_\infty` of the iterates: each residual is a difference of
    tables of that size, so it carries a rounding error of order :math:`\epsilon |Q|`, allowed for
    by :func:`rounding_slack`.

    Examples
    --------
    >>> check_residuals_contract([1.0, 0.5, 0.25], gamma=0.5, scale=1.0)
    >>> check_residuals_contract([1.0, 0.9], gamma=0.5, scale=1.0)
    Traceback (most recent call last):
    ...
    AssertionError: the contraction r[k+1] <= gamma r[k] is violated: k = 0, ...
    """
    r = np.asarray(residuals, dtype=float)
    excess = r[1:] - gamma * r[:-1]
    slack = rounding_slack(gamma, scale)
    if np.any(excess > slack):
        k = int(np.argmax(excess > slack))
        violated("the contraction r[k+1] <= gamma r[k]", k=k, r_k=float(r[k]), r_next=float(r[k + 1]),
              gamma=gamma, slack=slack)


def check_gibbs_variational_principle(Q: ArrayLike, alpha: float, mu: ArrayLike) -> None:
    r"""Claim: :math:`\alpha \log \sum_a e^{Q_a/\alpha} = \max_\mu \mathbb{E}_\mu Q + \alpha \mathcal{H}(\mu)`.

    The maximum is attained by the Boltzmann policy.

    ``Q`` and ``mu`` are one row (a single state); this identity is the heart of Theorem 1 of
    Haarnoja et al. (2017).

    Examples
    --------
    >>> check_gibbs_variational_principle([0.0, 1.0], 0.5, [0.5, 0.5])
    """
    Q, mu = np.asarray(Q, dtype=float), np.asarray(mu, dtype=float)
    pi, V = boltzmann_policy(Q, alpha), soft_value(Q, alpha)
    attained = float(pi @ Q + alpha * policy_entropy(pi))
    other = float(mu @ Q + alpha * policy_entropy(mu))
    slack = 64 * EPS * (1.0 + float(np.max(np.abs(Q))) + alpha * np.log(max(Q.shape[-1], 2)))
    if not abs(attained - V) <= slack:
        violated("V = E_pi Q + alpha H(pi) for the Boltzmann policy pi", V=V, attained=attained)
    if not other <= V + slack:
        violated("E_mu Q + alpha H(mu) <= V for every mu", V=V, value_of_mu=other)

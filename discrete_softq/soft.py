r"""The soft (maximum-entropy) operators: soft value, Boltzmann policy, soft Bellman backup.

With temperature :math:`\alpha \ge 0` and an optional prior policy :math:`\rho` (``prior``):

.. math::

    V(s) = \alpha \log \sum_a \rho(a|s)\, e^{Q(s,a)/\alpha}, \qquad
    \pi(a|s) = \rho(a|s)\, e^{(Q(s,a) - V(s))/\alpha}, \qquad
    (\mathcal{T} Q)(s,a) = r(s,a) + \gamma\, \mathbb{E}_{s'} V(s').

``prior=None`` means :math:`\rho \equiv 1` (not normalised): the paper's Shannon-entropy bonus
:math:`\alpha \mathcal{H}(\pi)`. A normalised prior gives the KL form (G-learning, Fox et al.
2016): the bonus is :math:`-\alpha\,\mathrm{KL}(\pi \,\|\, \rho)`; with the uniform prior the two
differ by exactly :math:`\alpha \log |A|` per step.

The Shannon form has a pitfall in episodic tasks: every step earns up to :math:`\alpha \log|A|`
and a terminal state earns nothing, so when :math:`\alpha \log|A| / (1 - \gamma)` exceeds the goal
reward the soft-optimal agent avoids the goal. The KL form (a normalised prior) has no such pull.

``alpha = 0`` is the hard limit everywhere: ``V = max_a Q`` (over the prior's support) and the
policy is uniform over the maximisers (weighted by the prior).

Notes
-----
Everything is computed by one kernel, :func:`log_sum_exp` (and :func:`softmax` for the policy),
with the max-shift trick, :math:`V = m + \alpha \log \sum_a \rho_a e^{x_a}` with
:math:`m = \max_a Q_a` and :math:`x_a = (Q_a - m)/\alpha \le 0`: nothing overflows for any
``Q / alpha``, and the sum is at least :math:`\rho_{a^*} > 0`. With a normalised prior and a
large temperature the sum is close to 1 and :math:`\alpha \log(\cdot)` would lose
:math:`\alpha \epsilon` to cancellation (``alpha = 1e17`` would return the hard max); there
the kernel uses the exact rewriting :math:`\log \sum_a \rho_a e^{x_a} =
\operatorname{log1p}\big(\sum_a \rho_a \operatorname{expm1}(x_a)\big)`, whose terms all
have one sign, so :math:`V \to \mathbb{E}_\rho Q` as :math:`\alpha \to \infty` to full
precision. The policy is the normalised vector of the same exponentials, never
``exp((Q - V) / alpha)`` evaluated directly, which cancels catastrophically when ``alpha`` is tiny.

References
----------
Haarnoja, Tang, Abbeel, Levine (2017), Reinforcement Learning with Deep Energy-Based Policies.
Ziebart (2010), Modeling Purposeful Adaptive Behavior with the Principle of Maximum Causal Entropy.
Fox, Pakman, Tishby (2016), Taming the Noise in Reinforcement Learning via Soft Updates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import entr, rel_entr

from . import _validate
from .mdp import TabularMDP, check_mdp, check_q

__all__ = [
    "soft_value",
    "boltzmann_policy",
    "soft_bellman_operator",
    "bellman_operator",
    "policy_entropy",
    "kl_divergence",
    "entropy_bonus",
    "soft_state_values",
    "state_values",
    "check_alpha",
    "check_prior",
    "log_sum_exp",
    "softmax",
]


def check_alpha(alpha: Any) -> float:
    """Return ``alpha`` as a float, or raise if it is not a finite number ``>= 0``.

    >>> check_alpha(0.5)
    0.5
    """
    return _validate.real(alpha, "alpha", low=0.0)


def check_prior(prior: ArrayLike | None, shape: tuple[int, ...]) -> NDArray[np.float64] | None:
    """Validate a prior policy broadcastable to ``shape``; ``None`` stays ``None``.

    Rows must sum to 1 within ``1e-8``; a normalised copy is returned: at a large temperature even
    ``sum(rho) = 1 - 1e-17`` would shift the soft value by ``alpha * 1e-17`` per step.

    >>> check_prior([0.5, 0.5], (3, 2))
    array([0.5, 0.5])
    """
    if prior is None:
        return None
    rho = _validate.distribution(prior, "prior")
    rho /= rho.sum(axis=-1, keepdims=True)
    if rho.ndim > len(shape) or rho.shape[-1] != shape[-1]:
        raise ValueError(f"prior must have shape ({shape[-1]},) or {shape}; got {rho.shape}")
    try:
        np.broadcast_shapes(rho.shape, shape)
    except ValueError:
        raise ValueError(f"prior of shape {rho.shape} does not match Q of shape {shape}") from None
    return rho


# ---------------------------------------------------------------------- the one kernel
def log_sum_exp(Q: NDArray, alpha: float, prior: NDArray | None = None) -> NDArray[np.float64]:
    r"""The soft value of each row, for inputs already validated (the kernel of :func:`soft_value`).

    .. math:: V = m + \alpha \log \sum_a \rho_a\, e^{x_a}, \qquad m = \max_a Q_a, \quad
              x_a = (Q_a - m) / \alpha

    (``rho = 1`` when ``prior`` is None; ``max`` over the prior's support when ``alpha = 0``).
    With a prior and a sum above 1/2, :math:`\log \sum_a \rho_a e^{x_a}` is computed as
    ``log1p(sum_a rho_a expm1(x_a))``, exact where the plain logarithm cancels (module Notes).

    ``Q`` of shape (..., n_actions), ``prior`` broadcastable to it; returns shape (...).

    >>> import numpy as np
    >>> float(log_sum_exp(np.array([0.0, 1.0]), 1e17, np.array([0.5, 0.5])))  # -> E_rho Q
    0.5
    """
    if prior is not None and np.any(prior == 0):
        Q = np.where(prior > 0, Q, -np.inf)
    m = Q.max(axis=-1, keepdims=True)
    if alpha == 0.0:
        return m[..., 0]
    with np.errstate(over="ignore"):  # (Q - m) / alpha <= 0 may overflow to -inf: exp gives 0
        x = (Q - m) / alpha
    w = np.exp(x)
    if prior is None:
        log_total = np.log(w.sum(axis=-1))
    else:
        total = (prior * w).sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_total = np.where(total > 0.5, np.log1p((prior * np.expm1(x)).sum(axis=-1)), np.log(total))
    with np.errstate(over="ignore", invalid="ignore"):  # beyond float64: inf, which the callers report
        return m[..., 0] + alpha * log_total


def softmax(Q: NDArray, alpha: float, prior: NDArray | None = None) -> NDArray[np.float64]:
    r"""The Boltzmann policy of each row, for inputs already validated (the kernel of :func:`boltzmann_policy`).

    ``rho * exp((Q - m) / alpha)`` normalised, with ``m = max_a Q`` over the prior's support;
    at ``alpha = 0`` the prior restricted to the maximisers, normalised.

    >>> import numpy as np
    >>> softmax(np.array([0.0, 1000.0]), 1.0)
    array([0., 1.])
    """
    if prior is not None and np.any(prior == 0):
        Q = np.where(prior > 0, Q, -np.inf)
    m = Q.max(axis=-1, keepdims=True)
    if alpha == 0.0:
        w = (Q == m).astype(float)
    else:
        with np.errstate(over="ignore"):
            w = np.exp((Q - m) / alpha)
    if prior is not None:
        w = w * prior
    w /= w.sum(axis=-1, keepdims=True)
    return w


def _finite(values: NDArray, what: str) -> NDArray:
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{what} overflows float64 (alpha * log n_actions or |Q| too large)")
    return values


# ---------------------------------------------------------------------- public API
def _as_q(Q: ArrayLike, name: str = "Q") -> NDArray[np.float64]:
    Q = _validate.array(Q, name, copy=False)
    if Q.ndim == 0 or Q.shape[-1] == 0:
        raise ValueError(f"{name} must have a last axis of actions; got shape {Q.shape}")
    return Q


def soft_value(Q: ArrayLike, alpha: float, prior: ArrayLike | None = None) -> NDArray[np.float64] | float:
    r"""Soft state value, the temperature-``alpha`` log-sum-exp over actions.

    .. math:: V = \alpha \log \sum_a \rho(a)\, \exp(Q_a / \alpha)

    Parameters
    ----------
    Q : ndarray of shape (..., n_actions)
        Action values (finite).
    alpha : float
        Temperature ``>= 0``; ``0`` gives ``max_a Q``.
    prior : ndarray broadcastable to ``Q.shape``, optional
        Prior policy over actions; ``None`` is the Shannon case (:math:`\rho \equiv 1`).

    Returns
    -------
    ndarray of shape (...), or float for a single row

    Notes
    -----
    With ``prior=None``, :math:`\max_a Q \le V \le \max_a Q + \alpha \log |A|`; with a prior,
    :math:`\mathbb{E}_\rho Q \le V \le \max_a Q`. Computed with the max-shift trick (see the
    module notes), so ``alpha=1e-12`` or ``Q=1e300`` is fine.

    Examples
    --------
    >>> soft_value([0.0, 0.0], alpha=1.0)  # log 2
    0.6931471805599453
    >>> soft_value([1000.0, 0.0], alpha=1.0)  # the naive formula overflows here
    1000.0
    >>> soft_value([1.0, 3.0], alpha=0.0)
    3.0
    """
    Q = _as_q(Q)
    out = _finite(np.asarray(log_sum_exp(Q, check_alpha(alpha), check_prior(prior, Q.shape))), "soft_value")
    return float(out) if out.ndim == 0 else out


def boltzmann_policy(Q: ArrayLike, alpha: float, prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Boltzmann (soft-greedy) policy of ``Q`` at temperature ``alpha``.

    .. math:: \pi(a|s) = \rho(a|s) \exp\big((Q(s,a) - V(s)) / \alpha\big)
              = \frac{\rho(a|s)\, e^{Q(s,a)/\alpha}}{\sum_b \rho(b|s)\, e^{Q(s,b)/\alpha}}

    Parameters
    ----------
    Q : ndarray of shape (..., n_actions)
    alpha : float
        Temperature ``>= 0``. At ``0``: uniform over the maximisers (prior-weighted), the limit
        of the formula as ``alpha -> 0``.
    prior : ndarray broadcastable to ``Q.shape``, optional

    Returns
    -------
    ndarray of the shape of ``Q``; each row sums to 1.

    Notes
    -----
    Computed as normalised ``exp((Q - max Q) / alpha)``: the identity with ``V`` above is exact
    in real arithmetic, but ``Q - V`` cancels catastrophically for tiny ``alpha``.

    Examples
    --------
    >>> boltzmann_policy([[0.0, 0.0], [0.0, 1.0]], alpha=1.0).round(4)
    array([[0.5   , 0.5   ],
           [0.2689, 0.7311]])
    """
    Q = _as_q(Q)
    return softmax(Q, check_alpha(alpha), check_prior(prior, Q.shape))


def soft_state_values(mdp: TabularMDP, Q: ArrayLike, alpha: float,
                      prior: ArrayLike | None = None) -> NDArray[np.float64]:
    """Soft state values of ``Q`` on ``mdp``: :func:`soft_value`, with ``V = 0`` at terminal states.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5)
    >>> soft_state_values(mdp, np.zeros((1, 2)), alpha=1.0)  # log 2
    array([0.69314718])
    """
    Q = check_q(check_mdp(mdp), Q)
    V = _finite(log_sum_exp(Q, check_alpha(alpha), check_prior(prior, Q.shape)), "soft_state_values")
    V[mdp.terminal] = 0.0
    return V


#: The former name of :func:`soft_state_values`.
state_values = soft_state_values


def soft_bellman_operator(
    mdp: TabularMDP, Q: ArrayLike, alpha: float, prior: ArrayLike | None = None
) -> NDArray[np.float64]:
    r"""One soft Bellman backup.

    .. math:: (\mathcal{T}_\alpha Q)(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a)\,
              \alpha \log \sum_{a'} \rho(a'|s') e^{Q(s',a')/\alpha}

    with ``V(s') = 0`` at terminal ``s'``. It is monotone and a ``gamma``-contraction in the
    sup-norm for every ``alpha >= 0``; ``alpha = 0`` is :func:`bellman_operator`.

    Parameters
    ----------
    mdp : TabularMDP
    Q : ndarray of shape (n_states, n_actions)
    alpha : float
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional

    Returns
    -------
    ndarray of shape (n_states, n_actions)

    Examples
    --------
    One state, two actions that stay, reward 0, gamma 0.5, alpha 1: from ``Q = 0`` the backup
    gives ``0.5 * log 2``.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), np.zeros((1, 2)), gamma=0.5)
    >>> soft_bellman_operator(mdp, np.zeros((1, 2)), alpha=1.0)
    array([[0.34657359, 0.34657359]])
    """
    Q = check_q(check_mdp(mdp), Q)
    V = log_sum_exp(Q, check_alpha(alpha), check_prior(prior, Q.shape))
    return _finite(mdp.rewards + mdp.gamma * mdp.expected_next(V), "soft_bellman_operator")


def bellman_operator(mdp: TabularMDP, Q: ArrayLike) -> NDArray[np.float64]:
    r"""The hard Bellman optimality backup :math:`r + \gamma\, \mathbb{E}_{s'} \max_{a'} Q(s', a')`.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)
    >>> bellman_operator(mdp, np.array([[0.0, 2.0]]))
    array([[1., 2.]])
    """
    return soft_bellman_operator(mdp, Q, 0.0)


def policy_entropy(policy: ArrayLike) -> NDArray[np.float64]:
    r"""Shannon entropy of each row, :math:`\mathcal{H}(\pi(\cdot|s)) = -\sum_a \pi_a \log \pi_a` (nats).

    ``0 log 0 = 0``. Shape ``(..., A) -> (...)``; each row must be a distribution.

    >>> policy_entropy([[0.5, 0.5], [1.0, 0.0]]).round(4)
    array([0.6931, 0.    ])
    """
    return entr(_validate.distribution(policy, "policy")).sum(axis=-1)


def kl_divergence(policy: ArrayLike, prior: ArrayLike) -> NDArray[np.float64]:
    r""":math:`\mathrm{KL}(\pi(\cdot|s) \,\|\, \rho(\cdot|s)) = \sum_a \pi_a \log(\pi_a / \rho_a)` per row.

    Infinite where ``policy`` puts mass on an action the prior excludes.
    >>> float(kl_divergence([0.5, 0.5], [0.25, 0.75]))
    0.14384103622589045
    """
    pi = _validate.distribution(policy, "policy")
    if prior is None:
        raise TypeError("prior must be a distribution over actions (for the Shannon entropy use policy_entropy)")
    return rel_entr(pi, check_prior(prior, pi.shape)).sum(axis=-1)


def entropy_bonus(policy: ArrayLike, prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""The per-state entropy term of the objective (before multiplying by ``alpha``).

    :math:`\mathcal{H}(\pi(\cdot|s))` for ``prior=None``; :math:`-\mathrm{KL}(\pi \| \rho)` otherwise.

    >>> float(entropy_bonus([0.5, 0.5], prior=[0.5, 0.5]))
    -0.0
    """
    return policy_entropy(policy) if prior is None else -kl_divergence(policy, prior)


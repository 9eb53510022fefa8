r"""Finite-horizon soft dynamic programming: backward induction and evaluation, time-indexed.

With ``H`` steps to go the soft values are computed backwards from :math:`V_H = 0`,

.. math:: Q_t(s,a) = r(s,a) + \gamma\, \mathbb{E}_{s'} V_{t+1}(s'), \qquad
          V_t(s) = \alpha \log \sum_a \rho(a|s)\, e^{Q_t(s,a)/\alpha}, \qquad
          \pi_t(a|s) = \rho(a|s)\, e^{(Q_t(s,a) - V_t(s))/\alpha},

for :math:`t = H-1, \dots, 0` (``alpha = 0``: the hard max and a greedy policy; terminal states
have ``V = 0``). This is exact: no iteration, no tolerance. With ``gamma = 1`` and a reward of 1
for reaching a goal, :math:`V_0` of a policy is its probability of success within ``H`` steps,
e.g. the success rate under Gymnasium's ``TimeLimit``. As ``H`` grows, :math:`V_0 \to V^*` of the
infinite-horizon problem (for ``gamma < 1`` at rate :math:`\gamma^H`).

References
----------
Ziebart (2010), Modeling Purposeful Adaptive Behavior with the Principle of Maximum Causal Entropy,
chapter 6 (the soft backward pass). Puterman (1994), Markov Decision Processes, chapter 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate
from .mdp import TabularMDP, check_mdp
from .soft import check_alpha, check_prior, entropy_bonus, log_sum_exp, softmax

__all__ = ["HorizonSolution", "soft_backward_induction", "finite_horizon_values"]


@dataclass(frozen=True, eq=False)
class HorizonSolution:
    """Time-indexed soft values and policy of a finite-horizon problem (read-only).

    Attributes
    ----------
    Q : ndarray of shape (horizon, n_states, n_actions)
        ``Q[t]``: soft action values with ``horizon - t`` steps to go.
    V : ndarray of shape (horizon + 1, n_states)
        ``V[t]``: soft state values with ``horizon - t`` steps to go (``V[horizon] = 0``).
    policy : ndarray of shape (horizon, n_states, n_actions)
        ``policy[t]``: the Boltzmann policy of ``Q[t]``, to act by at time ``t``.
    alpha : float
    horizon : int
    """

    Q: NDArray[np.float64]
    V: NDArray[np.float64]
    policy: NDArray[np.float64]
    alpha: float
    horizon: int

    def __post_init__(self) -> None:
        for name in ("Q", "V", "policy"):
            getattr(self, name).setflags(write=False)


def soft_backward_induction(mdp: TabularMDP, alpha: float, horizon: int,
                            prior: ArrayLike | None = None) -> HorizonSolution:
    r"""The soft-optimal ``horizon``-step values and policy, by backward induction (module formulas).

    Parameters
    ----------
    mdp : TabularMDP
        The model (its ``gamma`` discounts within the horizon; ``1`` is allowed for episodic MDPs).
    alpha : float
        Temperature ``>= 0`` (``0``: hard backward induction).
    horizon : int
        Number of steps ``H >= 0``.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior policy of the KL-regularised objective; None is the Shannon entropy bonus.

    Returns
    -------
    HorizonSolution

    Examples
    --------
    One state, two self-loop actions of reward 0, alpha 1, gamma 1/2: each step to go adds
    ``log 2`` plus half the value of the next, ``V_0 = log 2 (1 + 1/2 + 1/4)`` for three steps.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5)
    >>> sol = soft_backward_induction(mdp, alpha=1.0, horizon=3)
    >>> bool(np.isclose(sol.V[0, 0], np.log(2) * 1.75))
    True
    """
    mdp = check_mdp(mdp)
    alpha = check_alpha(alpha)
    H = _validate.integer(horizon, "horizon", low=0)
    rho = check_prior(prior, (mdp.n_states, mdp.n_actions))
    S, A = mdp.n_states, mdp.n_actions
    Q, V, pi = np.zeros((H, S, A)), np.zeros((H + 1, S)), np.zeros((H, S, A))
    for t in range(H - 1, -1, -1):
        Q[t] = mdp.rewards + mdp.gamma * mdp.expected_next(V[t + 1])
        V[t] = log_sum_exp(Q[t], alpha, rho)
        V[t, mdp.terminal] = 0.0
        pi[t] = softmax(Q[t], alpha, rho)
    if not np.all(np.isfinite(V)):
        raise ValueError("the finite-horizon values overflowed float64 (alpha, rewards or horizon too large)")
    return HorizonSolution(Q=Q, V=V, policy=pi, alpha=alpha, horizon=H)


def finite_horizon_values(mdp: TabularMDP, policy: ArrayLike, alpha: float, horizon: int,
                          prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Exact soft values of a policy over ``horizon`` steps: ``V[t]`` with ``horizon - t`` steps to go.

    .. math:: V_t(s) = \sum_a \pi_t(a|s) \big(r(s,a) + \gamma\, \mathbb{E}_{s'} V_{t+1}(s')\big)
              + \alpha\, h(\pi_t(\cdot|s)), \qquad V_H = 0,

    with ``h`` the entropy (or ``-KL`` to the prior). ``alpha = 0`` gives the expected reward
    within the horizon, e.g. a success probability.

    Parameters
    ----------
    mdp : TabularMDP
        The model (its ``gamma`` discounts within the horizon).
    policy : ndarray of shape (n_states, n_actions), (n_actions,) or (horizon, n_states, n_actions)
        A stationary or time-indexed stochastic policy.
    alpha : float
        Temperature ``>= 0`` of the entropy bonus.
    horizon : int
        Number of steps ``H >= 0``.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior of the KL bonus; None is the Shannon entropy.

    Returns
    -------
    ndarray of shape (horizon + 1, n_states)

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[1.0, 0.0]], gamma=1.0 - 1e-9)
    >>> finite_horizon_values(mdp, [0.5, 0.5], alpha=0.0, horizon=4)[:, 0].round(6)  # half a reward per step
    array([2. , 1.5, 1. , 0.5, 0. ])
    """
    mdp = check_mdp(mdp)
    alpha = check_alpha(alpha)
    H = _validate.integer(horizon, "horizon", low=0)
    S, A = mdp.n_states, mdp.n_actions
    pi = _validate.distribution(policy, "policy")  # before broadcasting: a horizon of 0 must not hide it
    if pi.shape in ((A,), (S, A)):
        pi = np.broadcast_to(pi, (H, S, A))
    if pi.shape != (H, S, A):
        raise ValueError(f"policy must have shape ({A},), ({S}, {A}) or ({H}, {S}, {A}); got {pi.shape}")
    pi = _validate.distribution(pi, "policy")
    rho = check_prior(prior, (S, A))  # checked whatever alpha
    bonus = alpha * entropy_bonus(pi, rho) if alpha > 0 else np.zeros((H, S))
    if not np.all(np.isfinite(bonus)):
        raise ValueError("policy puts probability on actions the prior excludes (infinite KL)")
    V = np.zeros((H + 1, S))
    for t in range(H - 1, -1, -1):
        V[t] = np.einsum("sa,sa->s", pi[t], mdp.rewards + mdp.gamma * mdp.expected_next(V[t + 1])) + bonus[t]
        V[t, mdp.terminal] = 0.0
    return V

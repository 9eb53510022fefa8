r"""Exact soft policy evaluation: the soft values of a fixed policy, by one linear solve.

For a stochastic policy :math:`\pi` the soft state values solve a linear system,

.. math:: (I - \gamma P_\pi)\, V^\pi = r_\pi + \alpha\, h_\pi,

and :math:`Q^\pi = r + \gamma P V^\pi`. :func:`~discrete_softq.dp.soft_policy_iteration`
alternates this evaluation with Boltzmann improvement.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._fast import PolicyEvaluationSystem
from .mdp import TabularMDP, check_mdp, check_policy
from .soft import check_alpha, check_prior

__all__ = ["soft_policy_state_values", "soft_policy_evaluation", "maxent_return"]


def soft_policy_state_values(mdp: TabularMDP, policy: ArrayLike, alpha: float,
                             prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Exact soft state values of a fixed policy, by one linear solve.

    .. math:: V^\pi = (I - \gamma P_\pi)^{-1} \big(r_\pi + \alpha\, h_\pi\big)

    where :math:`P_\pi(s,s') = \sum_a \pi(a|s) P(s'|s,a)`, :math:`r_\pi(s) = \sum_a \pi(a|s) r(s,a)`
    and :math:`h_\pi(s) = \mathcal{H}(\pi(\cdot|s))` (or :math:`-\mathrm{KL}(\pi \| \rho)` with a
    prior); rows and columns of terminal states are removed (``V = 0`` there).

    Parameters
    ----------
    mdp : TabularMDP
        The model (dense or sparse; ``gamma = 1`` needs a policy that ends its episodes).
    policy : ndarray of shape (n_states, n_actions) or (n_actions,)
        A stochastic policy (rows summing to 1).
    alpha : float
        Temperature ``>= 0`` of the entropy bonus.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior of the KL bonus ``-alpha KL(pi || prior)``; None is the Shannon entropy.

    Returns
    -------
    ndarray of shape (n_states,)

    Examples
    --------
    One state, two self-loops of reward 0, gamma 1/2, the uniform policy: ``V = log 2 / (1 - 1/2)``.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5)
    >>> soft_policy_state_values(mdp, [0.5, 0.5], alpha=1.0)
    array([1.38629436])
    """
    mdp = check_mdp(mdp)
    alpha = check_alpha(alpha)
    pi = check_policy(policy, mdp.n_states, mdp.n_actions)
    return PolicyEvaluationSystem(mdp).values(pi, alpha, check_prior(prior, (mdp.n_states, mdp.n_actions)))


def soft_policy_evaluation(mdp: TabularMDP, policy: ArrayLike, alpha: float,
                           prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Exact soft action values :math:`Q^\pi` of a fixed policy.

    .. math:: Q^\pi(s,a) = r(s,a) + \gamma\, \mathbb{E}_{s'}\Big[\sum_{a'} \pi(a'|s')
              \big(Q^\pi(s',a') - \alpha \log \tfrac{\pi(a'|s')}{\rho(a'|s')}\big)\Big]

    i.e. the entropy bonus is collected from the next state on (Haarnoja et al. 2017, Eq. 3).
    Computed from :func:`soft_policy_state_values` as ``r + gamma E V^pi``.

    Parameters
    ----------
    mdp : TabularMDP
        The model.
    policy : ndarray of shape (n_states, n_actions) or (n_actions,)
        A stochastic policy.
    alpha : float
        Temperature ``>= 0`` of the entropy bonus.
    prior : ndarray, optional
        Prior of the KL bonus; None is the Shannon entropy.

    Returns
    -------
    ndarray of shape (n_states, n_actions)

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)
    >>> soft_policy_evaluation(mdp, [0.0, 1.0], alpha=1.0)  # always take the reward: V = 2, Q = r + V / 2
    array([[1., 2.]])
    """
    V = soft_policy_state_values(mdp, policy, alpha, prior)
    return mdp.rewards + mdp.gamma * mdp.expected_next(V)


def maxent_return(mdp: TabularMDP, policy: ArrayLike, alpha: float, prior: ArrayLike | None = None) -> float:
    r"""Expected maximum-entropy return of ``policy`` from the start distribution.

    .. math:: J(\pi) = \mathbb{E}_{s_0 \sim \mu}\, \mathbb{E}_\pi\Big[\sum_t \gamma^t
              \big(r(s_t,a_t) + \alpha \mathcal{H}(\pi(\cdot|s_t))\big)\Big] = \mu^\top V^\pi

    Parameters are those of :func:`soft_policy_state_values`.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> round(maxent_return(TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5), [0.5, 0.5], 1.0), 6)
    1.386294
    """
    return float(mdp.initial @ soft_policy_state_values(mdp, policy, alpha, prior))


def start_policy(n_states: int, n_actions: int, rho: NDArray | None) -> NDArray[np.float64]:
    """Soft policy iteration's first policy without ``policy0``: the prior (a read-only broadcast view), or uniform.

    >>> start_policy(2, 2, None).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    if rho is None:
        return np.full((n_states, n_actions), 1.0 / n_actions)
    return np.broadcast_to(rho, (n_states, n_actions))

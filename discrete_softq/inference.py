r"""Control as inference, the forward pass: occupancy measures, feature expectations, trajectory entropy.

Soft value iteration is the *backward* message of control as inference; this module computes the
*forward* one: where a policy goes. For a policy :math:`\pi` and start distribution :math:`\mu`,
the expected discounted visit counts of state-action pairs are

.. math:: n(s,a) = \mathbb{E}\Big[\sum_{t} \gamma^t\, 1[s_t = s, a_t = a]\Big] = m(s)\,\pi(a|s),
          \qquad m^\top (I - \gamma P_\pi) = \mu^\top,

one sparse linear solve on the live (non-terminal) states: an episode ends on entering a terminal
state, which is therefore never visited. The **occupancy measure** is the normalised version,
:math:`d = (1 - \gamma)\, n` (``gamma < 1``), a distribution over state-action pairs when no state
is terminal (with terminal states it sums to one minus the discounted probability of having
terminated); then

.. math:: J(\pi) = \mu^\top V^\pi = \frac{1}{1-\gamma} \sum_{s,a} d(s,a)\,\big(r(s,a) + \alpha\, h_\pi(s)\big),

and the occupancy satisfies the flow (Bellman) equation
:math:`\sum_a d(s', a) = (1 - \gamma)\mu(s') + \gamma \sum_{s,a} P(s'|s,a)\, d(s,a)` on live states.
With ``horizon=H`` the counts run over :math:`t < H` only (a forward recursion, time-indexed policies
allowed), and with ``gamma = 1`` they are expected visits per episode.

References
----------
Ziebart (2010), Modeling Purposeful Adaptive Behavior with the Principle of Maximum Causal Entropy.
Puterman (1994), Markov Decision Processes, section 6.9 (occupancy measures).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _fast, _validate
from .mdp import TabularMDP, check_mdp, check_policy
from .soft import entropy_bonus

__all__ = ["visit_counts", "occupancy", "feature_expectations", "trajectory_entropy", "check_features",
           "mce_irl", "IRLResult", "expert_counts", "sample_trajectories"]

#: Names defined in :mod:`discrete_softq.irl` (which imports this module), importable from here too.
_FROM_IRL = ("mce_irl", "IRLResult", "expert_counts", "sample_trajectories")


def __getattr__(name: str) -> object:  # PEP 562: a lazy re-export, so the two modules import one way
    if name in _FROM_IRL:
        from . import irl

        return getattr(irl, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _policies(mdp: TabularMDP, policy: ArrayLike, horizon: int | None) -> NDArray:
    """``(S, A)`` for the infinite horizon, ``(H, S, A)`` (stationary ones broadcast) for a finite one."""
    S, A = mdp.n_states, mdp.n_actions
    if horizon is None:
        return check_policy(policy, S, A)
    pi = _validate.distribution(policy, "policy")  # before broadcasting: a horizon of 0 must not hide it
    if pi.shape in ((A,), (S, A)):
        pi = np.broadcast_to(pi, (horizon, S, A))
    if pi.shape != (horizon, S, A):
        raise ValueError(f"policy must have shape ({A},), ({S}, {A}) or ({horizon}, {S}, {A}); got {pi.shape}")
    return _validate.distribution(pi, "policy")


def _state_distributions(mdp: TabularMDP, pi: NDArray) -> NDArray[np.float64]:
    """``p[t, s] = P(s_t = s, episode not over)`` for ``t < H``, by the forward recursion ``p_{t+1} = p_t P_{pi_t}``."""
    live = ~mdp.terminal
    p = np.zeros((pi.shape[0], mdp.n_states))
    current = np.where(live, mdp.initial, 0.0)
    for t in range(pi.shape[0]):
        p[t] = current
        current = np.asarray(mdp.transition_matrix.T @ (current[:, None] * pi[t]).ravel()) * live
    return p


def visit_counts(mdp: TabularMDP, policy: ArrayLike, horizon: int | None = None,
                 system: _fast.PolicyEvaluationSystem | None = None) -> NDArray[np.float64]:
    r"""Expected discounted visits :math:`n(s,a) = \mathbb{E} \sum_t \gamma^t 1[s_t = s, a_t = a]` (module Notes).

    Parameters
    ----------
    mdp : TabularMDP
        The model; ``mdp.initial`` is the start distribution.
    policy : ndarray of shape (n_states, n_actions) or (n_actions,); or (horizon, n_states, n_actions)
        The policy (time-indexed only with a ``horizon``).
    horizon : int, optional
        Count only steps ``t < horizon`` (a forward recursion); None: all steps (one linear solve).
    system : PolicyEvaluationSystem, optional
        A system of ``mdp`` to reuse across calls (its factorisations are reused by refinement).

    Returns
    -------
    ndarray of shape (n_states, n_actions)

    Examples
    --------
    One state, one action, gamma 1/2: the state is visited 1 + 1/2 + 1/4 + ... = 2 times.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> visit_counts(TabularMDP(np.ones((1, 1, 1)), [[0.0]], gamma=0.5), [1.0])
    array([[2.]])
    """
    mdp = check_mdp(mdp)
    H = None if horizon is None else _validate.integer(horizon, "horizon", low=0)
    pi = _policies(mdp, policy, H)
    if H is not None:
        return np.einsum("t,ts,tsa->sa", mdp.gamma ** np.arange(H), _state_distributions(mdp, pi), pi)
    system = system if system is not None else _fast.PolicyEvaluationSystem(mdp)
    m = np.zeros(mdp.n_states)
    try:
        m[system.live] = system.solve(system.matrix(pi).T.tocsc(), mdp.initial[system.live])
    except (RuntimeError, np.linalg.LinAlgError):
        m[:] = np.inf
    if not np.all(np.isfinite(m)):
        raise ValueError("policy never ends its episodes (gamma = 1): its visit counts are infinite")
    return m[:, None] * pi


def occupancy(mdp: TabularMDP, policy: ArrayLike, horizon: int | None = None) -> NDArray[np.float64]:
    r"""The occupancy measure :math:`d = (1-\gamma) n`: a distribution over ``(s, a)`` (module Notes).

    With a ``horizon`` the counts are normalised by :math:`\sum_{t<H} \gamma^t`; with ``gamma = 1``
    and no horizon by the expected episode length, so that ``d`` always sums to 1 when episodes
    cannot end (and to less when they can, before the horizon).

    Parameters
    ----------
    mdp : TabularMDP
        The model; ``mdp.initial`` is the start distribution.
    policy : ndarray of shape (n_states, n_actions) or (n_actions,); or (horizon, n_states, n_actions)
        The policy.
    horizon : int, optional
        Finite horizon ``H``; None for the discounted infinite horizon.

    Returns
    -------
    ndarray of shape (n_states, n_actions)

    Examples
    --------
    >>> from discrete_softq import random_mdp
    >>> round(float(occupancy(random_mdp(5, 2, seed=0), [0.5, 0.5]).sum()), 12)
    1.0
    """
    counts = visit_counts(mdp, policy, horizon)
    g = mdp.gamma
    if horizon is not None:
        total = horizon if g == 1.0 else (1 - g ** horizon) / (1 - g)
        return counts / total if total > 0 else counts
    return counts * (1.0 - g) if g < 1.0 else counts / counts.sum()


def check_features(mdp: TabularMDP, features: ArrayLike) -> NDArray[np.float64]:
    """State ``(S, k)`` or state-action ``(S, A, k)`` features, returned as ``(S, A, k)``.

    >>> from discrete_softq import random_mdp
    >>> check_features(random_mdp(3, 2, seed=0), np.eye(3)).shape
    (3, 2, 3)
    """
    S, A = mdp.n_states, mdp.n_actions
    phi = _validate.array(features, "features")
    if phi.ndim == 2 and phi.shape[0] == S:
        phi = np.broadcast_to(phi[:, None, :], (S, A, phi.shape[1]))
    if phi.ndim != 3 or phi.shape[:2] != (S, A) or phi.shape[2] == 0:
        raise ValueError(f"features must have shape ({S}, k) or ({S}, {A}, k) with k >= 1; got {phi.shape}")
    return phi


def feature_expectations(mdp: TabularMDP, policy: ArrayLike, features: ArrayLike,
                         horizon: int | None = None) -> NDArray[np.float64]:
    r"""Expected discounted feature counts :math:`\mathbb{E} \sum_t \gamma^t \phi(s_t, a_t) = \sum_{s,a} n(s,a) \phi(s,a)`.

    Parameters
    ----------
    mdp : TabularMDP
        The model.
    policy : ndarray
        As in :func:`visit_counts`.
    features : ndarray of shape (n_states, k) or (n_states, n_actions, k)
        State or state-action features.
    horizon : int, optional
        As in :func:`visit_counts`.

    Returns
    -------
    ndarray of shape (k,)

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> feature_expectations(TabularMDP(np.ones((1, 1, 1)), [[0.0]], gamma=0.5), [1.0], [[3.0]])
    array([6.])
    """
    phi = check_features(check_mdp(mdp), features)
    return np.einsum("sa,sak->k", visit_counts(mdp, policy, horizon), phi)


def trajectory_entropy(mdp: TabularMDP, policy: ArrayLike, prior: ArrayLike | None = None,
                       horizon: int | None = None) -> float:
    r"""The discounted causal entropy :math:`\mathbb{E} \sum_t \gamma^t h_\pi(s_t)` (``-KL`` to ``prior`` if given).

    Parameters
    ----------
    mdp : TabularMDP
        The model.
    policy : ndarray
        As in :func:`visit_counts`.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        With a prior, the (negative) discounted KL divergence to it.
    horizon : int, optional
        As in :func:`visit_counts`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> round(trajectory_entropy(TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5), [0.5, 0.5]), 6)  # 2 log 2
    1.386294
    """
    mdp = check_mdp(mdp)
    H = None if horizon is None else _validate.integer(horizon, "horizon", low=0)
    pi = _policies(mdp, policy, H)
    h = entropy_bonus(pi, prior)
    if not np.all(np.isfinite(h)):
        raise ValueError("policy puts probability on actions the prior excludes (infinite KL)")
    if H is None:
        return float(visit_counts(mdp, pi).sum(axis=1) @ h)
    return float(np.einsum("t,ts,ts->", mdp.gamma ** np.arange(H), _state_distributions(mdp, pi), h))

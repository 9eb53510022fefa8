r"""Robust evaluation of a fixed policy: the worst case over an L1 ball around each ``P(.|s,a)``.

An adversary who knows the policy may move transition mass, within a budget ``eps`` per
state-action pair, to hurt it most. With the **rectangular** L1 uncertainty set

.. math:: \mathcal{U}_{s,a} = \big\{ p \in \Delta_S :\ \|p - P(\cdot|s,a)\|_1 \le \varepsilon,\
          \operatorname{supp} p \subseteq \mathcal{N}(s,a) \big\}

(the adversary chooses each row independently; :math:`\mathcal{N}(s,a)` is an optional set of
allowed successors, all states by default), the worst-case values of a policy :math:`\pi` solve
the robust Bellman equation (Iyengar 2005; Nilim & El Ghaoui 2005)

.. math:: V(s) = \sum_a \pi(a|s) \Big[ r(s,a) + \min_{p \in \mathcal{U}_{s,a}}
          \sum_{s'} p(s') \big( r_{\text{next}}(s') + \gamma V(s') \big) \Big],
          \qquad V = 0 \text{ on terminal states},

where :math:`r_{\text{next}}` is an optional reward for *entering* a state (a gridworld's goal
reward), which moves with the mass. The right side is a :math:`\gamma`-contraction in sup-norm,
and its inner problem has a closed form (:func:`worst_case_l1`: ``eps / 2`` of mass moves from the
best successors onto the worst allowed one; the mirror of UCRL2's inner maximisation, Jaksch et al. 2010).

:func:`robust_bellman_operator` is that operator (the textbook); :func:`robust_policy_evaluation`
finds its fixed point by policy iteration *for the adversary* (worst rows for the current values,
exact evaluation under them by one linear solve, until the values stop falling) and certifies it
with :math:`\|V - V^*\|_\infty \le \|TV - V\|_\infty / (1 - \gamma)`. :func:`robust_policy_iteration`
maximises over the policy too: the best worst case any policy can reach. :func:`action_noise`,
:func:`wind` and :func:`block_states` build perturbed dense models ``P[s, a, s']``.

References
----------
Iyengar, G. (2005). Robust dynamic programming. Mathematics of Operations Research 30(2).
Nilim, A. & El Ghaoui, L. (2005). Robust control of MDPs with uncertain transition matrices. Oper. Res. 53(5).
Jaksch, T., Ortner, R. & Auer, P. (2010). Near-optimal regret bounds for reinforcement learning. JMLR 11.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate
from .mdp import TabularMDP, check_mdp, check_policy

__all__ = ["worst_case_l1", "robust_bellman_operator", "robust_policy_evaluation", "robust_policy_iteration",
           "RobustEvaluation", "dense_transitions", "action_noise", "wind", "block_states"]


def worst_case_l1(P: ArrayLike, W: ArrayLike, eps: float, support: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""The distribution closest to ``P`` in L1 (within ``eps``) that minimises the expectation of ``W``.

    .. math:: p^\star \in \operatorname*{arg\,min}_{p \in \Delta_S,\ \|p - P\|_1 \le \varepsilon,\
              \operatorname{supp} p \subseteq \mathcal{N}} \; p^\top W

    Closed form: with :math:`j = \arg\min_{s \in \mathcal{N}} W(s)` and
    :math:`\delta = \min(\varepsilon/2,\ 1 - P(j))`, add :math:`\delta` to :math:`P(j)` and remove
    :math:`\delta` from the other states in decreasing order of :math:`W` (the highest-value successor
    first, until its mass is used up). Moving mass down in value can only lower :math:`p^\top W`,
    and an L1 budget of :math:`\varepsilon` moves at most :math:`\varepsilon/2` of it.

    Parameters
    ----------
    P : ndarray of shape (..., n_states)
        Nominal distributions (rows summing to 1), any leading shape.
    W : ndarray of shape (..., n_states) or (n_states,)
        Values of the successors (broadcast against ``P``).
    eps : float
        L1 radius ``>= 0`` (``eps >= 2`` allows any distribution on the allowed states).
    support : ndarray of bool of shape (..., n_states), optional
        Allowed successors :math:`\mathcal{N}` (broadcast against ``P``); the support of ``P``
        itself is always allowed. None: every state.

    Returns
    -------
    ndarray of the shape of ``P``: the worst-case distributions.

    Examples
    --------
    Mass 0.1 (= eps / 2) moves from the best successor (value 3) to the worst state (value 0):

    >>> worst_case_l1([0.0, 0.5, 0.5], [0.0, 1.0, 3.0], eps=0.2)
    array([0.1, 0.5, 0.4])
    """
    p = _validate.distribution(P, "P")
    w = _validate.array(W, "W")
    eps = _validate.real(eps, "eps", low=0.0)
    try:
        w = np.broadcast_to(w, p.shape)
    except ValueError:
        raise ValueError(f"W must broadcast to the shape of P {p.shape}; got {w.shape}") from None
    allowed = np.ones(p.shape, dtype=bool) if support is None else np.broadcast_to(
        _validate.array(support, "support", dtype=bool), p.shape)
    allowed = allowed | (p > 0)
    n = p.shape[-1]
    p2, w2, a2 = p.reshape(-1, n), w.reshape(-1, n), allowed.reshape(-1, n)
    rows = np.arange(p2.shape[0])
    j = np.where(a2, w2, np.inf).argmin(axis=1)                       # the worst allowed successor
    delta = np.minimum(eps / 2, 1.0 - p2[rows, j])
    order = np.argsort(-w2, axis=1, kind="stable")                    # highest value first
    donors = p2.copy()
    donors[rows, j] = 0.0                                             # j only receives
    mass = np.take_along_axis(donors, order, axis=1)
    before = np.cumsum(mass, axis=1) - mass                           # mass of the better successors
    taken = np.clip(delta[:, None] - before, 0.0, mass)
    out = p2.copy()
    np.put_along_axis(out, order, np.take_along_axis(out, order, axis=1) - taken, axis=1)
    out[rows, j] += delta
    return np.clip(out, 0.0, 1.0).reshape(p.shape)


def dense_transitions(mdp: TabularMDP) -> NDArray[np.float64]:
    """The transitions of ``mdp`` as a dense (S, A, S) array (a copy; sparse models are densified).

    >>> dense_transitions(TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)).shape
    (1, 2, 1)
    """
    rows = check_mdp(mdp).transition_matrix
    return (rows.toarray() if hasattr(rows, "toarray") else np.array(rows)).reshape(mdp.n_states, mdp.n_actions, -1)


# ---------------------------------------------------------------------- perturbed models (dense P[s, a, s'])
def _model(P: ArrayLike) -> NDArray:
    """A copy of a dense model ``P[s, a, s']`` (rows distributions), checked."""
    if (P := _validate.distribution(P, "P")).ndim != 3 or P.shape[0] != P.shape[2]:
        raise ValueError(f"P must have shape (n_states, n_actions, n_states); got {P.shape}")
    return P


def action_noise(P: ArrayLike, p: float) -> NDArray:
    """With probability ``p`` a uniformly random action replaces the chosen one: ``(1-p) P_a + p mean_b P_b``.

    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0   # in state 0, action 1 leaves
    >>> action_noise(P, 0.5)[0, 0]
    array([0.75, 0.25])
    """
    P, p = _model(P), _validate.real(p, "p", low=0.0, high=1.0)
    return (1 - p) * P + p * P.mean(axis=1, keepdims=True)


def wind(P: ArrayLike, p: float, pushes: ArrayLike) -> NDArray:
    """With probability ``p`` the hidden action ``pushes[s]`` replaces the chosen one: ``(1-p) P_a + p P_w(s)``.

    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    >>> wind(P, 0.2, np.array([1, 0]))[0, 0]
    array([0.8, 0.2])
    """
    P, p = _model(P), _validate.real(p, "p", low=0.0, high=1.0)
    S, A = P.shape[:2]
    w = np.asarray(pushes)
    if w.shape != (S,) or w.dtype.kind not in "iu" or (w < 0).any() or (w >= A).any():
        raise ValueError(f"pushes must be {S} action indices in [0, {A}); got {pushes!r}")
    return (1 - p) * P + p * P[np.arange(S), w][:, None, :]


def block_states(P: ArrayLike, blocked: ArrayLike) -> NDArray:
    """States ``blocked`` become walls: mass that would enter one stays in place (a bump).

    >>> P = np.zeros((2, 1, 2)); P[0, 0] = [0.5, 0.5]; P[1, 0, 1] = 1.0
    >>> block_states(P, np.array([1]))[0, 0]
    array([1., 0.])
    """
    out = _model(P)
    S = out.shape[0]
    blocked = np.asarray(blocked, dtype=np.intp).ravel()
    if ((blocked < 0) | (blocked >= S)).any():
        raise ValueError(f"blocked must hold state indices in [0, {S}); got {blocked}")
    into = out[:, :, blocked].sum(axis=2)
    out[:, :, blocked] = 0.0
    out[np.arange(S), :, np.arange(S)] += into
    return out


def _successor_values(mdp: TabularMDP, V: NDArray, next_reward: NDArray | None) -> NDArray:
    """``r_next(s') + gamma V(s')``, with ``V = 0`` on terminal states, shape (S,)."""
    return (0.0 if next_reward is None else next_reward) + mdp.gamma * np.where(mdp.terminal, 0.0, V)


def _check_args(mdp: TabularMDP, policy: ArrayLike | None, eps: float, next_reward: ArrayLike | None,
                support: ArrayLike | None) -> tuple:
    if (mdp := check_mdp(mdp)).gamma >= 1.0:
        raise ValueError(f"gamma must be < 1 for the robust evaluation (a contraction); got {mdp.gamma}")
    S, A = mdp.n_states, mdp.n_actions
    pi, eps = None if policy is None else check_policy(policy, S, A), _validate.real(eps, "eps", low=0.0)
    r_next = None if next_reward is None else _validate.array(next_reward, "next_reward", shape=(S,))
    if support is not None:
        support = _validate.array(support, "support", dtype=bool)
        if support.shape not in ((S, S), (S, A, S)):
            raise ValueError(f"support must have shape ({S}, {S}) or ({S}, {A}, {S}); got {support.shape}")
        support = support[:, None, :] if support.ndim == 2 else support
    return mdp, pi, eps, r_next, support


def robust_bellman_operator(mdp: TabularMDP, policy: ArrayLike, V: ArrayLike, eps: float,
                            next_reward: ArrayLike | None = None, support: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""One application of the robust policy-evaluation operator (module docstring), shape (S,).

    .. math:: (T V)(s) = \sum_a \pi(a|s) \big[ r(s,a) + \min_{p \in \mathcal{U}_{s,a}} p^\top
              (r_{\text{next}} + \gamma V) \big]

    Parameters are those of :func:`robust_policy_evaluation`, with ``V`` of shape (n_states,).

    >>> P = np.zeros((2, 1, 2)); P[0, 0, 0] = 1.0; P[1, 0, 1] = 1.0      # two self-loops
    >>> mdp = TabularMDP(P, [[1.0], [0.0]], gamma=0.5)
    >>> robust_bellman_operator(mdp, [1.0], [2.0, 0.0], eps=0.5)     # state 0: 1 + 0.5 (0.75 * 2 + 0.25 * 0)
    array([1.75, 0.  ])
    """
    mdp, pi, eps, r_next, sup = _check_args(mdp, policy, eps, next_reward, support)
    return _backup(mdp, pi, dense_transitions(mdp), _validate.array(V, "V", shape=(mdp.n_states,)), eps, r_next, sup)


def _robust_q(mdp: TabularMDP, P: NDArray, V: NDArray, eps: float, r_next: NDArray | None, support: NDArray | None) -> NDArray:
    """``r(s, a) + min_p p . (r_next + gamma V)``, shape (S, A); ``r(s, a)`` is 0 when the reward is ``r_next``."""
    W = _successor_values(mdp, V, r_next)
    return (mdp.rewards if r_next is None else 0.0) + worst_case_l1(P, W, eps, support) @ W


def _backup(mdp: TabularMDP, pi: NDArray, P: NDArray, V: NDArray, eps: float, r_next: NDArray | None, support: NDArray | None) -> NDArray:
    """The robust backup of ``pi`` on checked arguments (``P`` dense)."""
    return np.where(mdp.terminal, 0.0, (_robust_q(mdp, P, V, eps, r_next, support) * pi).sum(axis=1))


@dataclass(frozen=True, eq=False)
class RobustEvaluation:
    """The worst-case evaluation of a policy (read-only arrays).

    Attributes
    ----------
    values : ndarray of shape (n_states,)
        Worst-case values (zero on terminal states); ``expected_return`` is ``initial @ values``.
    transitions : ndarray of shape (n_states, n_actions, n_states)
        The adversary's worst-case model (every row within ``eps`` of the nominal one).
    policy : ndarray of shape (n_states, n_actions)
        The policy evaluated (:func:`robust_policy_iteration`: a robust-optimal one).
    eps, iterations, error_bound
        The budget, the rounds of the adversary's policy iteration, the certified bound on ``|V - V*|_inf``.
    """

    values: NDArray[np.float64]
    expected_return: float
    transitions: NDArray[np.float64]
    eps: float
    iterations: int
    error_bound: float
    policy: NDArray[np.float64]


def _evaluate_under(mdp: TabularMDP, pi: NDArray, P: NDArray, r_next: NDArray | None) -> NDArray:
    """Exact values of ``pi`` under the model ``P`` (S, A, S): one linear solve on the non-terminal states."""
    r = mdp.rewards if r_next is None else P @ r_next
    live = ~mdp.terminal
    P_pi = np.einsum("sa,sat->st", pi, P)[np.ix_(live, live)]
    V = np.zeros(mdp.n_states)
    V[live] = np.linalg.solve(np.eye(int(live.sum())) - mdp.gamma * P_pi, (pi * r).sum(axis=1)[live])
    return V


def robust_policy_evaluation(mdp: TabularMDP, policy: ArrayLike, eps: float, next_reward: ArrayLike | None = None,
                             support: ArrayLike | None = None, tol: float = 1e-10, max_iter: int = 1_000) -> RobustEvaluation:
    r"""Worst-case (robust) values of a fixed policy over the rectangular L1 ball of radius ``eps``.

    The fixed point of :func:`robust_bellman_operator`, by policy iteration for the adversary, certified
    by the contraction bound (module docstring); ``eps = 0`` is the nominal (reward-only) evaluation.
    Dense: O(S^2 A) memory.

    Parameters
    ----------
    mdp : TabularMDP
        The nominal model, ``gamma < 1``.
    policy : ndarray of shape (n_states, n_actions) or (n_actions,)
        The fixed (stochastic) policy.
    eps : float
        L1 budget ``>= 0`` per state-action pair.
    next_reward : ndarray of shape (n_states,), optional
        Reward for entering each state, moving with the mass (then ``mdp.rewards`` is ignored; it
        should equal ``P @ next_reward``, as :meth:`GridWorld.to_mdp` builds it). None: the
        expected rewards ``mdp.rewards`` are fixed and only the next values move.
    support : ndarray of bool of shape (n_states, n_states) or (n_states, n_actions, n_states), optional
        Successors the adversary may move mass into (e.g. a gridworld cell's neighbours); None: any state.
    tol : float
        Wanted certified sup-norm accuracy ``> 0``.
    max_iter : int
        Maximum rounds (then value-iteration sweeps finish the certificate).

    Returns
    -------
    RobustEvaluation

    Examples
    --------
    A fair coin between a state of reward 1 and one of reward 0, gamma 1/2. Nominal: the next-state
    mean value ``m`` solves ``m = 1/2 + m/2``, so ``m = 1`` and ``V(0) = 1 + m/2``; the adversary
    moves ``eps / 2 = 0.2`` to the bad state, ``m = 0.3 + m/2 = 0.6``.

    >>> mdp = TabularMDP(np.full((2, 1, 2), 0.5), [[1.0], [0.0]], gamma=0.5, initial=[1.0, 0.0])
    >>> round(robust_policy_evaluation(mdp, [1.0], eps=0.0).expected_return, 6)    # nominal: 1 + 0.5 * 1
    1.5
    >>> round(robust_policy_evaluation(mdp, [1.0], eps=0.4).expected_return, 6)
    1.3
    """
    mdp, pi, eps, r_next, sup = _check_args(mdp, policy, eps, next_reward, support)
    tol = _validate.real(tol, "tol", low=0.0, low_open=True)
    P, rounds = dense_transitions(mdp), 0
    V = _evaluate_under(mdp, pi, P, r_next)                   # eps = 0: the nominal values
    for rounds in range(1, _validate.integer(max_iter, "max_iter", low=1) + 1):
        worst = worst_case_l1(P, _successor_values(mdp, V, r_next), eps, sup)
        V_new = _evaluate_under(mdp, pi, worst, r_next)       # a feasible adversary: V_new >= V*
        drop = float(np.max(V - V_new))
        V = V_new
        if drop <= 1e-13 * max(1.0, float(np.abs(V).max())):       # the values stopped falling
            break
    T = _backup(mdp, pi, P, V, eps, r_next, sup)
    while (bound := float(np.abs(T - V).max()) / (1 - mdp.gamma)) > tol:   # finish by contraction sweeps
        V, T = T, _backup(mdp, pi, P, T, eps, r_next, sup)
    worst = worst_case_l1(P, _successor_values(mdp, V, r_next), eps, sup)
    return RobustEvaluation(values=_validate.frozen(V), expected_return=float(mdp.initial @ V),
                            transitions=_validate.frozen(worst), eps=eps, iterations=rounds,
                            error_bound=bound, policy=_validate.frozen(pi))


def robust_policy_iteration(mdp: TabularMDP, eps: float, next_reward: ArrayLike | None = None, support: ArrayLike | None = None,
                            tol: float = 1e-10, max_iter: int = 1_000, policy0: ArrayLike | None = None) -> RobustEvaluation:
    r"""The best worst case over policies, :math:`V(s) = \max_a [r(s,a) + \min_{p \in \mathcal{U}_{s,a}} p^\top
    (r_{\text{next}} + \gamma V)]`, by robust policy iteration (Iyengar 2005): evaluate the greedy policy with
    :func:`robust_policy_evaluation`, improve it greedily on its robust Q (first argmax, kept on ties), until stable.
    Parameters are those of :func:`robust_policy_evaluation` (``policy0``: a first policy, its argmax taken; default
    action 0 everywhere); ``error_bound`` adds the optimality residual.

    A gamble (reward 1, then a coin between staying and an absorbing 0) or a sure stay (reward 0.6) that the
    adversary may not touch: nominally the gamble wins (4/3 against 1.2); with budget 1 the coin always loses.

    >>> P = np.zeros((2, 2, 2)); P[0, 0] = [0.5, 0.5]; P[0, 1] = [1.0, 0.0]; P[1, :, 1] = 1.0
    >>> mdp = TabularMDP(P, [[1.0, 0.6], [0.0, 0.0]], gamma=0.5, initial=[1.0, 0.0])
    >>> sure = np.ones((2, 2, 2), dtype=bool); sure[0, 1, 1] = False
    >>> [robust_policy_iteration(mdp, eps, support=sure).policy[0].tolist() for eps in (0.0, 1.0)]
    [[1.0, 0.0], [0.0, 1.0]]
    """
    mdp, _, eps, r_next, sup = _check_args(mdp, None, eps, next_reward, support)
    tol = _validate.real(tol, "tol", low=0.0, low_open=True)
    P = dense_transitions(mdp)
    actions = np.zeros(mdp.n_states, np.intp) if policy0 is None else check_policy(policy0, *P.shape[:2]).argmax(axis=1)
    for _ in range(_validate.integer(max_iter, "max_iter", low=1)):
        result = robust_policy_evaluation(mdp, np.eye(mdp.n_actions)[actions], eps, r_next, support, tol=tol)
        Q = _robust_q(mdp, P, result.values, eps, r_next, sup)
        better = Q.max(axis=1) > Q[np.arange(mdp.n_states), actions] + 1e-12 * max(1.0, float(np.abs(Q).max()))
        if not better.any():
            break
        actions = np.where(better, Q.argmax(axis=1), actions)
    residual = float(np.abs(np.where(mdp.terminal, 0.0, Q.max(axis=1)) - result.values).max()) / (1 - mdp.gamma)
    return replace(result, error_bound=result.error_bound + residual)

r"""Robust evaluation of a fixed policy: the worst case over an L1 ball around each ``P(.|s,a)``.

An adversary who knows the policy moves transition mass, within a budget ``eps`` per state-action pair,
to hurt it most, choosing each row independently (a **rectangular** set) from :math:`\mathcal{U}_{s,a} =
\{ p \in \Delta_S : \|p - P(\cdot|s,a)\|_1 \le \varepsilon,\ \operatorname{supp} p \subseteq \mathcal{N}(s,a) \cup
\operatorname{supp} P(\cdot|s,a) \}` (:math:`\mathcal{N}`: optional allowed successors; all states by default).
The worst-case values solve the robust Bellman equation (Iyengar 2005; Nilim & El Ghaoui 2005)

.. math:: V(s) = \sum_a \pi(a|s) \Big[ r(s,a) + \min_{p \in \mathcal{U}_{s,a}}
          \sum_{s'} p(s') \big( r_{\text{next}}(s') + \gamma V(s') \big) \Big], \qquad V = 0 \text{ on terminal states},

with :math:`r_{\text{next}}` an optional reward for *entering* a state (a gridworld's goal), moving with the
mass (a terminal successor is worth :math:`r_{\text{next}}(s')`, no future). The right side is a
:math:`\gamma`-contraction; its inner problem has a closed form (:func:`worst_case_l1`, the mirror of UCRL2's,
Jaksch et al. 2010). :func:`robust_policy_evaluation` solves it by policy iteration *for the adversary*
(exact evaluation under its worst rows by :func:`~discrete_softq.evaluation.soft_policy_state_values`),
then certifies the result by sweeps of :func:`robust_bellman_operator`; :func:`robust_policy_iteration`
maximises over policies too; :func:`action_noise`, :func:`wind`, :func:`block_states` build perturbed models.
``gamma = 1`` is refused: the adversary could keep an episode from ever ending (no finite values).

Notes
-----
``error_bound`` bounds :math:`\|V - V^*\|_\infty`, rounding included: a computed backup :math:`\tilde T V = TV + e`,
:math:`|e|_\infty \le \delta`, gives :math:`\|V - V^*\|_\infty \le (\|\tilde T V - V\|_\infty + \delta)/(1-\gamma)`. With
:math:`u = \epsilon/2`, :math:`s = |r|_\infty + |r_{\text{next}}|_\infty + |V|_\infty`: :math:`W = r_{\text{next}} + \gamma V`
rounds by :math:`2us`; the closed form's cumulative sum (of at most ``S`` masses), clip and add move the row by
:math:`\le 2(S+3)u` in L1, :math:`p^\top W` by :math:`2(S+3)us`; the dot product adds :math:`1.01Sus`, reward and
policy sum :math:`(1.01A+1)us`; :math:`\delta = \epsilon(2S+A+8)s` covers it all. Below :math:`\delta/(1-\gamma)` nothing is
certifiable: the sweeps stop there (``converged=False``, a ``RoundingFloorWarning``).

References
----------
Iyengar, G. (2005). Robust dynamic programming. Mathematics of Operations Research 30(2).
Nilim, A. & El Ghaoui, L. (2005). Robust control of MDPs with uncertain transition matrices. Oper. Res. 53(5).
Jaksch, T., Ortner, R. & Auer, P. (2010). Near-optimal regret bounds for reinforcement learning. JMLR 11.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate
from .evaluation import soft_policy_state_values
from .mdp import TabularMDP, check_mdp, check_policy
from .stopping import EPSILON, ConvergenceWarning, RoundingFloorWarning

__all__ = ["worst_case_l1", "robust_bellman_operator", "robust_policy_evaluation", "robust_policy_iteration",
           "RobustEvaluation", "dense_transitions", "action_noise", "wind", "block_states"]


def worst_case_l1(P: ArrayLike, W: ArrayLike, eps: float, support: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""The distribution closest to ``P`` in L1 (within ``eps``) that minimises the expectation of ``W``.

    .. math:: p^\star \in \operatorname*{arg\,min}_{p \in \Delta_S,\ \|p - P\|_1 \le \varepsilon,\ \operatorname{supp} p \subseteq \mathcal{N}} p^\top W

    Closed form (an L1 budget ``eps`` moves ``eps / 2`` of mass): with :math:`j = \arg\min_{s \in \mathcal{N}} W(s)`, add
    :math:`\delta = \min(\varepsilon/2,\ 1 - P(j))` to :math:`P(j)` and remove it from the others, the highest :math:`W` first.

    Parameters
    ----------
    P, W : ndarray of shape (..., n_states); ``W`` broadcast to the shape of ``P``
        Nominal distributions (rows summing to 1, any leading shape) and the successors' values.
    eps : float
        L1 radius ``>= 0`` (``eps >= 2`` allows any distribution on the allowed states).
    support : boolean mask broadcast to the shape of ``P``, optional
        Allowed successors :math:`\mathcal{N}` (the support of ``P`` is always allowed); None: all.

    Returns
    -------
    ndarray of the shape of ``P``: the worst-case distributions (a new array).

    Examples
    --------
    Mass 0.1 (= eps / 2) moves from the best successor (value 3) to the worst state (value 0):

    >>> worst_case_l1([0.0, 0.5, 0.5], [0.0, 1.0, 3.0], eps=0.2)
    array([0.1, 0.5, 0.4])
    """
    p, eps = _validate.distribution(P, "P"), _validate.real(eps, "eps", low=0.0)
    w, mask = _validate.array(W, "W"), True if support is None else _mask(support, "support")
    try:
        w, allowed = np.broadcast_to(w, p.shape), np.broadcast_to(mask, p.shape) | (p > 0)
    except ValueError:
        raise ValueError(f"W and support must broadcast to P's shape {p.shape}; got {w.shape}, {np.shape(mask)}") from None
    n = p.shape[-1]
    p2, w2, a2, rows = p.reshape(-1, n), w.reshape(-1, n), allowed.reshape(-1, n), np.arange(p.size // n)
    j = np.where(a2, w2, np.inf).argmin(axis=1)                       # the worst allowed successor
    delta = np.minimum(eps / 2, 1.0 - p2[rows, j])
    order = np.argsort(-w2, axis=1, kind="stable")                    # highest value first
    donors, out = p2.copy(), p2.copy()
    donors[rows, j] = 0.0                                             # j only receives
    mass = np.take_along_axis(donors, order, axis=1)
    before = np.cumsum(mass, axis=1) - mass                           # mass of the better successors
    taken = np.clip(delta[:, None] - before, 0.0, mass)
    np.put_along_axis(out, order, np.take_along_axis(out, order, axis=1) - taken, axis=1)
    out[rows, j] += delta
    return np.asarray(np.clip(out, 0.0, 1.0), dtype=float).reshape(p.shape)


def _mask(value: ArrayLike, name: str) -> NDArray[np.bool_]:
    """A boolean mask (0/1 accepted, as ``TabularMDP``'s ``terminal``; NaN, 0.5, strings refused)."""
    if (mask := _validate.array(value, name, dtype=None)).dtype != bool and not np.all((mask == 0) | (mask == 1)):
        raise TypeError(f"{name} must be a boolean mask (True: allowed); got values other than 0 and 1")
    return mask.astype(bool)


def _indices(value: ArrayLike, name: str, n: int) -> NDArray[np.intp]:
    """Integer indices in ``[0, n)`` (floats, bools and strings refused), flattened."""
    if (raw := _validate.array(value, name, dtype=None).ravel()).size and raw.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer indices; got dtype {raw.dtype}")
    if ((raw < 0) | (raw >= n)).any():
        raise ValueError(f"{name} must hold indices in [0, {n}); got {_validate._show(raw.tolist())}")
    return raw.astype(np.intp)


def dense_transitions(mdp: TabularMDP) -> NDArray[np.float64]:
    """The transitions of ``mdp`` as a dense (S, A, S) array (a copy; sparse models are densified).

    >>> dense_transitions(TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)).shape
    (1, 2, 1)
    """
    rows = check_mdp(mdp).transition_matrix
    return (rows.toarray() if hasattr(rows, "toarray") else np.array(rows)).reshape(mdp.n_states, mdp.n_actions, -1)


def _model(P: ArrayLike) -> NDArray:
    """A checked copy of a dense model ``P[s, a, s']``: the perturbed models below return new arrays."""
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
    if (w := _indices(pushes, "pushes", A)).shape != (S,) or np.ndim(pushes) != 1:
        raise ValueError(f"pushes must be {S} action indices (one per state); got shape {np.shape(pushes)}")
    return (1 - p) * P + p * P[np.arange(S), w][:, None, :]


def block_states(P: ArrayLike, blocked: ArrayLike) -> NDArray:
    """States ``blocked`` (indices; repeats count once) become walls: mass that would enter one stays in place.

    >>> P = np.zeros((2, 1, 2)); P[0, 0] = [0.5, 0.5]; P[1, 0, 1] = 1.0
    >>> block_states(P, np.array([1]))[0, 0]
    array([1., 0.])
    """
    S = (out := _model(P)).shape[0]
    blocked = np.unique(_indices(blocked, "blocked", S))
    into = out[:, :, blocked].sum(axis=2)
    out[:, :, blocked] = 0.0
    out[np.arange(S), :, np.arange(S)] += into
    return out


def _successor_values(mdp: TabularMDP, V: NDArray, next_reward: NDArray | None) -> NDArray:
    """``r_next(s') + gamma V(s')``, with ``V = 0`` on terminal states, shape (S,)."""
    return (0.0 if next_reward is None else next_reward) + mdp.gamma * np.where(mdp.terminal, 0.0, V)


def _check_args(mdp: TabularMDP, policy: ArrayLike, eps: float, next_reward: ArrayLike | None,
                support: ArrayLike | None) -> tuple[TabularMDP, NDArray, float, NDArray | None, NDArray | None]:
    if (mdp := check_mdp(mdp)).gamma >= 1.0:
        raise ValueError(f"gamma must be < 1 for the robust evaluation (module docstring); got mdp.gamma = {mdp.gamma}")
    S, A, eps = mdp.n_states, mdp.n_actions, _validate.real(eps, "eps", low=0.0)
    pi = check_policy(np.full(A, 1.0 / A) if policy is None else policy, S, A)   # None: robust policy iteration
    r_next = None if next_reward is None else _validate.array(next_reward, "next_reward", shape=(S,))
    sup = None if support is None else _mask(support, "support")
    if sup is not None and sup.shape not in ((S, S), (S, A, S)):
        raise ValueError(f"support must have shape ({S}, {S}) or ({S}, {A}, {S}); got {sup.shape}")
    return mdp, pi, eps, r_next, None if sup is None else sup.reshape(S, -1, S)


def robust_bellman_operator(mdp: TabularMDP, policy: ArrayLike, V: ArrayLike, eps: float,
                            next_reward: ArrayLike | None = None, support: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""One robust backup, shape (S,): parameters as :func:`robust_policy_evaluation`, ``V`` of shape (n_states,).

    .. math:: (T V)(s) = \sum_a \pi(a|s) \big[ r(s,a) + \min_{p \in \mathcal{U}_{s,a}} p^\top (r_{\text{next}} + \gamma V) \big]

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


def _certified(mdp: TabularMDP, r_next: NDArray | None, V: NDArray, TV: NDArray) -> tuple[float, bool]:
    """``(|V - V*|_inf <= bound, at the rounding floor)`` from one computed backup ``TV`` (module Notes)."""
    size = sum(float(np.abs(x).max(initial=0.0)) for x in (mdp.rewards, V, 0.0 if r_next is None else r_next))
    delta, residual = EPSILON * (2 * mdp.n_states + mdp.n_actions + 8) * size, float(np.abs(TV - V).max(initial=0.0))
    return (residual + delta) / (1.0 - mdp.gamma) * (1.0 + 2.0 * EPSILON), residual <= delta


def _warn(solver: str, bound: float, tol: float, at_floor: bool) -> None:
    warnings.warn(f"{solver}: tol={tol:g} is below what float64 can certify here; stopped at the rounding floor with "
                  f"|V - V*| <= {bound:.3g}" if at_floor else f"{solver} stopped at max_iter with |V - V*| <= {bound:.3g} "
                  f"> tol={tol:g}", RoundingFloorWarning if at_floor else ConvergenceWarning, stacklevel=3)


@dataclass(frozen=True, eq=False)
class RobustEvaluation:
    """The worst-case evaluation of a policy (read-only arrays).

    Attributes
    ----------
    values, expected_return, transitions : ndarray (n_states,), float, ndarray (n_states, n_actions, n_states)
        Worst-case values (0 on terminal states), ``initial @ values``, the adversary's model (rows within ``eps``).
    eps, iterations, policy : float, int, ndarray of shape (n_states, n_actions)
        The budget; rounds of the adversary's (or the policy's) policy iteration; the policy evaluated.
    error_bound, converged : float, bool
        A certified bound on ``|values - V*|_inf``, rounding included (module Notes); ``error_bound <= tol``.
    """

    values: NDArray[np.float64]
    expected_return: float
    transitions: NDArray[np.float64]
    eps: float
    iterations: int
    error_bound: float
    policy: NDArray[np.float64]
    converged: bool


def _evaluate_under(mdp: TabularMDP, pi: NDArray, P: NDArray, r_next: NDArray | None) -> NDArray:
    """Exact reward-only values of ``pi`` under the model ``P`` (S, A, S), by the library's evaluation."""
    return soft_policy_state_values(TabularMDP(P, mdp.rewards if r_next is None else P @ r_next, mdp.gamma,
                                               mdp.initial, mdp.terminal), pi, 0.0)


def robust_policy_evaluation(mdp: TabularMDP, policy: ArrayLike, eps: float, next_reward: ArrayLike | None = None,
                             support: ArrayLike | None = None, tol: float = 1e-10, max_iter: int = 1_000) -> RobustEvaluation:
    r"""Worst-case (robust) values of a fixed policy over the rectangular L1 ball of radius ``eps``: a :class:`RobustEvaluation`.

    The fixed point of :func:`robust_bellman_operator`, certified (module Notes); ``eps = 0`` is the nominal
    (reward-only) evaluation. Dense: O(S^2 A) memory. ``gamma = 1`` is refused (module docstring).

    Parameters
    ----------
    mdp, policy : TabularMDP, ndarray of shape (n_states, n_actions) or (n_actions,)
        The nominal model (dense or sparse, ``gamma < 1``) and the fixed (stochastic) policy.
    eps : float
        L1 budget ``>= 0`` per state-action pair (``eps >= 2``: any distribution on the allowed states).
    next_reward : ndarray of shape (n_states,), optional
        Reward for entering each state, moving with the mass; ``mdp.rewards`` is then ignored (it should
        be ``P @ next_reward``, as :meth:`GridWorld.to_mdp` builds it). None: ``mdp.rewards`` stay fixed.
    support : boolean mask of shape (n_states, n_states) or (n_states, n_actions, n_states), optional
        Successors the adversary may move mass into (besides the nominal successors); None: any state.
    tol, max_iter : float, int
        Wanted certified accuracy ``> 0``; the most rounds of the adversary's policy iteration and of
        certifying sweeps (then ``converged=False`` and a :class:`~discrete_softq.stopping.ConvergenceWarning`).

    Examples
    --------
    A fair coin between rewards 1 and 0, gamma 1/2: the next-state mean ``m = 1/2 + m/2 = 1``, ``V(0) = 1 + m/2``;
    an adversary with budget 0.4 moves 0.2 to the bad state: ``m = 0.3 + m/2 = 0.6``.

    >>> mdp = TabularMDP(np.full((2, 1, 2), 0.5), [[1.0], [0.0]], gamma=0.5, initial=[1.0, 0.0])
    >>> round(robust_policy_evaluation(mdp, [1.0], eps=0.0).expected_return, 6)    # nominal: 1 + 0.5 * 1
    1.5
    >>> round(robust_policy_evaluation(mdp, [1.0], eps=0.4).expected_return, 6)
    1.3
    """
    mdp, pi, eps, r_next, sup = _check_args(mdp, policy, eps, next_reward, support)
    tol, max_iter = _validate.real(tol, "tol", low=0.0, low_open=True), _validate.integer(max_iter, "max_iter", low=1)
    V = _evaluate_under(mdp, pi, P := dense_transitions(mdp), r_next)   # eps = 0: the nominal values
    for rounds in range(1, max_iter + 1):
        worst = worst_case_l1(P, _successor_values(mdp, V, r_next), eps, sup)
        V_new = _evaluate_under(mdp, pi, worst, r_next)       # a feasible adversary: V_new >= V*
        drop, V = float(np.max(V - V_new)), V_new
        if drop <= 1e-13 * max(1.0, float(np.abs(V).max())):       # the values stopped falling
            break
    TV = _backup(mdp, pi, P, V, eps, r_next, sup)
    for _ in range(max_iter):                                 # finish by contraction sweeps
        bound, at_floor = _certified(mdp, r_next, V, TV)
        if bound <= tol or at_floor:
            break
        V, TV = TV, _backup(mdp, pi, P, TV, eps, r_next, sup)
    if not bound <= tol:
        _warn("robust_policy_evaluation", bound, tol, at_floor)
    worst = worst_case_l1(P, _successor_values(mdp, V, r_next), eps, sup)
    return RobustEvaluation(values=_validate.frozen(V), expected_return=float(mdp.initial @ V),
                            transitions=_validate.frozen(worst), eps=eps, iterations=rounds, error_bound=bound,
                            policy=_validate.frozen(pi), converged=bound <= tol)


def robust_policy_iteration(mdp: TabularMDP, eps: float, next_reward: ArrayLike | None = None, support: ArrayLike | None = None,
                            tol: float = 1e-10, max_iter: int = 1_000, policy0: ArrayLike | None = None) -> RobustEvaluation:
    r"""The best worst case over policies, :math:`V(s) = \max_a [r(s,a) + \min_{p \in \mathcal{U}_{s,a}} p^\top (r_{\text{next}} + \gamma V)]`.

    Robust policy iteration (Iyengar 2005): evaluate the greedy policy (:func:`robust_policy_evaluation`), improve it
    on its robust Q (first argmax, kept on ties) until stable. Parameters as :func:`robust_policy_evaluation`
    (``policy0``: a first policy, its argmax taken; default action 0); ``error_bound`` from the optimal operator.

    A gamble (1, then a coin: stay or an absorbing 0) or a sure stay (0.6) the adversary may not touch: 4/3 vs 1.2.

    >>> P = np.zeros((2, 2, 2)); P[0, 0] = [0.5, 0.5]; P[0, 1] = [1.0, 0.0]; P[1, :, 1] = 1.0
    >>> mdp = TabularMDP(P, [[1.0, 0.6], [0.0, 0.0]], gamma=0.5, initial=[1.0, 0.0])
    >>> sure = np.ones((2, 2, 2), dtype=bool); sure[0, 1, 1] = False
    >>> [robust_policy_iteration(mdp, eps, support=sure).policy[0].tolist() for eps in (0.0, 1.0)]
    [[1.0, 0.0], [0.0, 1.0]]
    """
    mdp, _, eps, r_next, sup = _check_args(mdp, None, eps, next_reward, support)  # type: ignore[arg-type]
    tol, max_iter = _validate.real(tol, "tol", low=0.0, low_open=True), _validate.integer(max_iter, "max_iter", low=1)
    P, S, A = dense_transitions(mdp), mdp.n_states, mdp.n_actions
    actions = np.zeros(S, np.intp) if policy0 is None else check_policy(policy0, S, A, name="policy0").argmax(axis=1)
    for rounds in range(1, max_iter + 1):
        result = robust_policy_evaluation(mdp, np.eye(mdp.n_actions)[actions], eps, r_next, support, tol, max_iter)
        Q = _robust_q(mdp, P, result.values, eps, r_next, sup)
        better = Q.max(axis=1) > Q[np.arange(mdp.n_states), actions] + 1e-12 * max(1.0, float(np.abs(Q).max()))
        if not better.any():
            break
        actions = np.where(better, Q.argmax(axis=1), actions)
    bound, at_floor = _certified(mdp, r_next, result.values, np.where(mdp.terminal, 0.0, Q.max(axis=1)))
    if not (converged := bound <= tol and not better.any()):
        _warn("robust_policy_iteration", bound, tol, at_floor)
    return replace(result, iterations=rounds, error_bound=bound, converged=converged)

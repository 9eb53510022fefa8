r"""Undiscounted episodic tasks (``gamma = 1``): solvers whose ``tol`` is still a guarantee.

With ``gamma = 1`` the backup is no contraction and the MacQueen bracket of
:mod:`discrete_softq.stopping` is void (its factor ``gamma / (1 - gamma)`` is infinite). A
:class:`~discrete_softq.mdp.TabularMDP` accepts ``gamma = 1`` only when every state reaches a
terminal state with probability 1 under a full-support policy, so that every Boltzmann policy
(``alpha > 0``) ends its episodes. The guarantee then comes from a *verified bracket*.

The certificate
---------------
Let ``V`` be any approximation, ``d = TV - V`` its residual, ``pi`` the Boltzmann (for
``alpha = 0``: greedy) policy of ``Q = r + P V``, and :math:`M = I - P_\pi` on the live states,
whose inverse :math:`M^{-1} = \sum_k P_\pi^k \ge 0` counts expected visits (``M^{-1} 1`` is the
expected time to termination). The soft backup is monotone and convex, with gradient ``P_pi``
at ``V`` (the gradient of a log-sum-exp is the softmax), so for any ``w``,
:math:`T(V + w) \ge TV + P_\pi w`. Put

.. math:: L = V + M^{-1}(d - \eta 1), \qquad U = V + M^{-1}(d + \eta 1), \qquad \eta > 0.

Convexity gives :math:`TL - L \ge d - M M^{-1}(d - \eta) = \eta > 0`: ``L`` is a sub-solution.
``U`` is a super-solution when the curvature of ``T`` over ``U - V`` is below ``eta``.
:func:`certify` checks both by computing :math:`TL - L` and :math:`TU - U` (so the rounding of
the linear solves cannot void them). By monotonicity the iterates :math:`T^n L`
increase and :math:`T^n U` decrease to the fixed point, so :math:`L \le V^* \le U` state by
state, and the mid-point is within :math:`\max (U - L)/2 = \eta \max_s (M^{-1} 1)(s)` of it.
Both checks are made with a margin of the rounding bound :math:`\delta` of
:func:`~discrete_softq.stopping.backup_rounding`, so the bracket holds in real arithmetic. The
solvers choose ``eta`` so that this width is ``tol``, and attempt a certificate once their
residuals are small; it is what ``error_bound`` reports.

With ``alpha = 0`` the policy of the certificate is the greedy one, which may never terminate
(FrozenLake's optimal policy hugs walls); then no bracket exists, value iteration stops at its
floating-point fixed point with ``converged=False``, and hard policy iteration is refused (its
greedy improvement can produce such a policy, whose evaluation is singular).

Assumption: the soft-optimal value is finite. With the Shannon bonus it need not be (a state
that can stay put at reward 0 earns :math:`\alpha \log |A|` forever: ``V = alpha log(e^{V/alpha}
+ ...)`` has no solution); the iterates then grow without bound and the solver reports that.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import _fast
from .mdp import TabularMDP
from .soft import log_sum_exp, softmax
from .stopping import EPSILON, Verdict, backup_rounding

__all__ = ["certify", "soft_backup"]

#: Attempts of a certificate with a margin ``eta`` grown by this factor each time.
ATTEMPTS, GROWTH = 3, 4.0


def soft_backup(mdp: TabularMDP, V: NDArray, alpha: float, prior: NDArray | None) -> tuple[NDArray, NDArray]:
    """``(Q, TV)`` with ``Q = r + gamma P V`` and ``TV`` its soft value (zero at terminal states).

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 0.0]], gamma=0.5)
    >>> soft_backup(mdp, np.array([2.0]), 1.0, None)[1].round(4)  # 1 + log 2
    array([1.6931])
    """
    Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
    TV = log_sum_exp(Q, alpha, prior)
    TV[mdp.terminal] = 0.0
    return Q, TV


def certify(mdp: TabularMDP, V: NDArray, alpha: float, prior: NDArray | None, tol: float,
            system: _fast.PolicyEvaluationSystem) -> tuple[Verdict, NDArray] | None:
    """A verified bracket of ``V*`` around ``V`` (module Notes): ``(verdict, mid-point)``, or None.

    ``verdict.bound`` bounds ``|Q - Q*|_inf`` for ``Q = r + P mid``; ``converged`` is
    ``bound <= tol``, and ``at_floor`` marks a bracket limited by rounding. None means the
    bracket could not be verified at this ``V`` (iterate further).

    Examples
    --------
    ``go`` (reward 1) ends the episode, ``stay`` costs 1; with a uniform prior and ``alpha = 1``
    the fixed point is ``V = log(e / 2 / (1 - 1 / (2 e)))``; from a guess 0.01 away:

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> from discrete_softq._fast import PolicyEvaluationSystem
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 1] = P[0, 1, 0] = 1.0; P[1, :, 1] = 1.0
    >>> mdp = TabularMDP(P, [[1.0, -1.0], [0.0, 0.0]], 1.0, terminal=[False, True])
    >>> exact = np.log(np.e / 2 / (1 - 1 / (2 * np.e)))
    >>> verdict, mid = certify(mdp, np.array([exact + 0.01, 0.0]), 1.0, np.array([0.5, 0.5]), 1e-3,
    ...                        PolicyEvaluationSystem(mdp))
    >>> bool(abs(mid[0] - exact) <= verdict.bound <= 1e-3)
    True
    """
    Q, TV = soft_backup(mdp, V, alpha, prior)
    live = system.live
    size = float(max(np.abs(V).max(initial=0.0), np.abs(TV).max(initial=0.0)))
    delta = backup_rounding(mdp, alpha, size) + 4 * EPSILON * size
    try:
        M = system.matrix(softmax(Q, alpha, prior))
        time_to_go = system.solve(M, np.ones(live.size))
    except (RuntimeError, ValueError, np.linalg.LinAlgError):  # singular: an improper greedy policy
        return None
    longest = float(time_to_go.max(initial=0.0))
    if not np.isfinite(longest) or longest <= 0.0:
        return None
    floor = 4 * delta * longest
    eta = max(0.9 * tol / longest, 4 * delta)
    d = (TV - V)[live]
    for _ in range(ATTEMPTS):
        upper = V.copy()
        upper[live] += system.solve(M, d + eta)
        _, T_upper = soft_backup(mdp, upper, alpha, prior)
        lower = upper.copy()
        lower[live] -= 2 * eta * time_to_go  # U - L = 2 eta M^{-1} 1
        _, T_lower = soft_backup(mdp, lower, alpha, prior)
        if np.all((T_upper - upper)[live] <= -delta) and np.all((T_lower - lower)[live] >= delta):
            mid = (lower + upper) / 2
            width = float((upper - lower).max(initial=0.0)) / 2
            bound = width + backup_rounding(mdp, 0.0, size + float(np.abs(mid).max(initial=0.0)))
            return Verdict(bound, 0.0, bound <= tol, bound > tol and eta <= 4 * delta), mid
        eta *= GROWTH
        if eta * longest > max(tol, floor) * GROWTH ** ATTEMPTS:
            break
    return None


def solve_undiscounted(mdp: TabularMDP, alpha: float, tol: float, max_iter: int, prior: NDArray | None,
                       method: str, start: NDArray | None) -> tuple[NDArray, int, Verdict, list[float]]:
    """The solvers' iterations at ``gamma = 1``, stopped by :func:`certify`.

    ``method`` is ``"policy"`` (soft policy iteration from the policy ``start``, default uniform or
    the prior) or ``"value"`` (soft value iteration from the values ``start``; soft Q-iteration
    passes the soft values of its ``Q0``: the same iterates). Value iteration attempts a
    certificate once its residual is below ``tol`` and then after every doubling of its sweeps;
    policy iteration after every evaluation. Returns ``(Q, iterations, verdict, residuals)``.
    """
    system = _fast.PolicyEvaluationSystem(mdp)
    S, A = mdp.n_states, mdp.n_actions
    policy = method == "policy"
    if policy:
        pi = start if start is not None else (np.full((S, A), 1.0 / A) if prior is None
                                              else np.broadcast_to(prior, (S, A)))
    V = np.zeros(S) if start is None or policy else start
    residuals: list[float] = []
    verdict, mid, next_try = Verdict(np.inf, 0.0, False, False), V, 1
    for k in range(1, max_iter + 1):
        if policy:
            V = _evaluate(system, pi, alpha, prior)  # V^pi: (I - P_pi) V = r_pi + alpha h_pi
        Q, TV = soft_backup(mdp, V, alpha, prior)
        residuals.append(float(np.abs(TV - V).max(initial=0.0)))
        if not np.isfinite(residuals[-1]):
            raise ValueError("the values grew beyond float64: is the soft-optimal value infinite? (with "
                             "the Shannon bonus, an episode that can be prolonged at no cost earns "
                             "alpha log n_actions per step forever; use a prior)")
        if policy or (residuals[-1] <= tol and k >= next_try):
            found = certify(mdp, V, alpha, prior, tol, system)
            next_try = 2 * k
            if found is not None:
                verdict, mid = found
                if verdict.done:
                    break
            elif residuals[-1] == 0.0 and not policy:  # a float fixed point no bracket certifies: iterating cannot help
                verdict = Verdict(np.inf, 0.0, False, True)
                break
        if policy:
            pi = softmax(Q, alpha, prior)  # improvement
        else:
            V = TV
    Q = mdp.rewards + mdp.expected_next(mid if np.isfinite(verdict.bound) else V)
    return Q, k, verdict, residuals


def _evaluate(system: _fast.PolicyEvaluationSystem, pi: NDArray, alpha: float, prior: NDArray | None) -> NDArray:
    """``V^pi`` at ``gamma = 1``, or a ValueError if ``pi`` (numerically) never ends its episodes."""
    try:
        V = system.values(pi, alpha, prior)
    except (RuntimeError, np.linalg.LinAlgError):
        V = np.full(pi.shape[0], np.inf)
    if not np.all(np.isfinite(V)):
        raise ValueError("soft policy iteration reached a policy that never ends its episodes: at gamma = 1 the "
                         "soft-optimal value is infinite here (with the Shannon bonus, an episode that can be "
                         "prolonged at no cost earns alpha log n_actions per step forever); pass a prior or use "
                         "gamma < 1")
    return V

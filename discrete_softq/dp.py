r"""Exact soft dynamic programming: soft Q-iteration, soft value iteration, soft policy iteration.

All solvers find the fixed point :math:`Q^*` of the soft Bellman operator

.. math:: Q^*(s,a) = r(s,a) + \gamma\, \mathbb{E}_{s'}\Big[\alpha \log \sum_{a'} \rho(a'|s')
          e^{Q^*(s',a')/\alpha}\Big]

and return a frozen :class:`SoftSolution`. ``tol`` is a guarantee: when ``converged`` is True,
``|Q - Q*|_inf <= error_bound <= tol``, rounding included.

Choosing a solver
-----------------
* :func:`soft_value_iteration` -- sweeps in value space, ``O(nnz(P))`` time and ``O(S A)`` memory
  per sweep, ``~ log(1/tol) / log(1/gamma)`` sweeps (fewer with the span bound below). The
  default for large sparse MDPs and moderate ``gamma``.
* :func:`soft_q_iteration` -- the same iteration in Q-space, as the paper writes it; the
  textbook form, and what the sample-based agents approximate.
* :func:`soft_policy_iteration` -- exact soft evaluation by a sparse linear solve, then
  Boltzmann improvement. It is Newton's method on the soft Bellman equation: a handful of
  (expensive) iterations whatever ``gamma``; on large models it starts from an aggregated
  model's solution (:mod:`discrete_softq.aggregation`). Best when ``gamma``, or a long grid
  diameter, is what makes value iteration slow, or when ``tol`` is tiny.
* :func:`value_iteration` -- the hard limit ``alpha = 0``.

Stopping rule
-------------
Every solver stops by :class:`~discrete_softq.stopping.StoppingRule`: the MacQueen bracket of
one sweep's differences, widened by a derived bound on floating-point rounding, so that
``error_bound`` is a true bound and ``converged`` means ``error_bound <= tol``. A ``tol`` below
what float64 can certify (about ``eps |Q*| / (1 - gamma)``) stops at the rounding floor with a
:class:`~discrete_softq.stopping.RoundingFloorWarning`. See :mod:`discrete_softq.stopping`.

The textbook versions of the three algorithms, a few lines each, are in
:mod:`discrete_softq.reference`; the tests check every solver path against them. The fast
kernels (fused and factored sweeps, reused factorisations) are behind :mod:`discrete_softq._fast`.

References
----------
Haarnoja et al. (2017); Ziebart (2010); MacQueen (1966), A modified dynamic programming method
for Markovian decision problems; Puterman (1994), Markov Decision Processes, section 6.6.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _fast, _validate
from .aggregation import policy_iteration_start
from .episodic import solve_undiscounted
from .evaluation import maxent_return, soft_policy_evaluation, soft_policy_state_values
from .mdp import TabularMDP, check_mdp, check_q
from .results import SoftSolution, shift_nonterminal, solution
from .soft import check_alpha, check_prior, log_sum_exp
from .stopping import ConvergenceWarning, RoundingFloorWarning, StoppingRule, Verdict

__all__ = [
    "SoftSolution",
    "ConvergenceWarning",
    "RoundingFloorWarning",
    "soft_q_iteration",
    "soft_value_iteration",
    "soft_policy_iteration",
    "value_iteration",
    "soft_policy_evaluation",
    "soft_policy_state_values",
    "maxent_return",
]


# ---------------------------------------------------------------------- shared pieces
def check_solver_args(mdp: TabularMDP, alpha: float, tol: float, max_iter: int, prior: ArrayLike | None
                       ) -> tuple[TabularMDP, float, float, int, NDArray | None]:
    """The arguments every solver shares, checked: ``(mdp, alpha, tol, max_iter, prior)``.

    >>> from discrete_softq import random_mdp
    >>> check_solver_args(random_mdp(2, 2, seed=0), 0.5, 1e-8, 10, None)[1:]
    (0.5, 1e-08, 10, None)
    """
    mdp = check_mdp(mdp)
    alpha = check_alpha(alpha)
    tol = _validate.real(tol, "tol", low=0.0, low_open=True)
    max_iter = _validate.integer(max_iter, "max_iter", low=1)
    return mdp, alpha, tol, max_iter, check_prior(prior, (mdp.n_states, mdp.n_actions))


def _undiscounted(mdp: TabularMDP, alpha: float, tol: float, max_iter: int, rho: NDArray | None, method: str,
                  start: NDArray, solver: str) -> SoftSolution:
    """``gamma = 1``: the same iteration, stopped by the verified bracket of :mod:`discrete_softq.episodic`."""
    Q, k, verdict, residuals = solve_undiscounted(mdp, alpha, tol, max_iter, rho, method, start)
    rule = StoppingRule(mdp, alpha, tol, shannon=rho is None)
    rule.residuals.extend(residuals)
    advice = ("; with gamma = 1 and the Shannon bonus (prior=None) the soft value is infinite when an "
              "episode can be prolonged forever (pass a prior)") if rho is None and alpha > 0 else ""
    return solution(mdp, Q, alpha, rho, k, verdict, rule, solver, advice)


def _polish(mdp: TabularMDP, Q: NDArray, alpha: float, rho: NDArray | None, rule: StoppingRule,
            verdict: Verdict) -> tuple[NDArray, Verdict]:
    """Q-iteration sweeps from ``Q - c`` (``c`` = mid-range of ``Q``), where rounding is relative to span(Q).

    Without terminal states ``T(X - c) = T X - gamma c``, so the bracket of ``T``'s fixed point can be
    taken at values of the size of Q's span instead of ``|Q|`` (about ``|r| / (1 - gamma)``): policy
    iteration's floor then drops to value iteration's. Returns the last backup and its verdict.
    """
    X = Q - (float(Q.max()) + float(Q.min())) / 2
    best = (None, verdict)
    for _ in range(POLISH_SWEEPS):
        TX = mdp.rewards + mdp.gamma * mdp.expected_next(log_sum_exp(X, alpha, rho))
        diff = TX - X
        verdict = rule.judge(float(diff.min()), float(diff.max()), lambda: _magnitude(X, TX))
        if best[0] is None or verdict.bound < best[1].bound:
            best = (TX, verdict)
        if verdict.converged:
            break
        X = TX
    return best if best[0] is not None else (Q, verdict)


#: Sweeps of :func:`_polish` at most (it needs a handful on fast-mixing MDPs).
POLISH_SWEEPS = 50


def _magnitude(*arrays: NDArray) -> float:
    return max(float(np.abs(x).max(initial=0.0)) for x in arrays)


#: What the solvers suggest when they reach max_iter (never themselves).
_TRY_POLICY_ITERATION = ", or use soft_policy_iteration, whose round count does not grow as gamma -> 1"


# ---------------------------------------------------------------------- value-type solvers
def soft_q_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-8, max_iter: int = 100_000,
                     Q0: ArrayLike | None = None, prior: ArrayLike | None = None) -> SoftSolution:
    r"""Soft Q-iteration: :math:`Q_{k+1} = \mathcal{T}_\alpha Q_k` until the stopping rule meets ``tol``.

    Parameters
    ----------
    mdp : TabularMDP
        The model (dense or sparse).
    alpha : float
        Temperature ``>= 0`` (``0``: hard Q-iteration).
    tol : float
        Wanted sup-norm accuracy ``> 0`` of the returned ``Q``: ``converged`` means
        ``|Q - Q*|_inf <= error_bound <= tol``, rounding included.
    max_iter : int
        Maximum number of sweeps; on reaching it a :class:`ConvergenceWarning` is issued.
    Q0 : ndarray of shape (n_states, n_actions), optional
        Starting point (zeros by default); the iteration converges from any finite ``Q0``.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior policy of the KL-regularised objective (see :mod:`discrete_softq.soft`); None
        is the Shannon entropy bonus.

    Returns
    -------
    SoftSolution

    Examples
    --------
    One state, two self-loop actions with rewards 0 and 1, gamma 1/2, alpha 1. The fixed point
    solves ``V = log(e^{0 + V/2} + e^{1 + V/2})``, i.e. ``V = 2 log(1 + e)``:

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)
    >>> sol = soft_q_iteration(mdp, alpha=1.0)
    >>> bool(abs(sol.V[0] - 2 * np.log(1 + np.e)) <= sol.error_bound <= 1e-8)
    True
    """
    mdp, alpha, tol, max_iter, rho = check_solver_args(mdp, alpha, tol, max_iter, prior)
    Q = np.zeros((mdp.n_states, mdp.n_actions)) if Q0 is None else check_q(mdp, Q0, "Q0")
    Q[mdp.terminal] = 0.0
    if mdp.gamma == 1.0:
        return _undiscounted(mdp, alpha, tol, max_iter, rho, "value", log_sum_exp(Q, alpha, rho), "soft_q_iteration")
    rule = StoppingRule(mdp, alpha, tol, shannon=rho is None)
    for k in range(1, max_iter + 1):
        TQ = mdp.rewards + mdp.gamma * mdp.expected_next(_fast.soft_values(Q, alpha, rho))  # the backup
        diff = TQ - Q
        Q_old, Q = Q, TQ
        verdict = rule.check(float(diff.min()), float(diff.max()), lambda: _magnitude(Q, Q_old))
        if verdict.done:
            break
    if not np.isfinite(verdict.bound):
        verdict = rule.judge(float(diff.min()), float(diff.max()), lambda: _magnitude(Q, Q_old))
    Q = shift_nonterminal(mdp, Q, verdict.shift)
    return solution(mdp, Q, alpha, rho, k, verdict, rule, "soft_q_iteration", _TRY_POLICY_ITERATION)


def soft_value_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-8, max_iter: int = 100_000,
                         V0: ArrayLike | None = None, prior: ArrayLike | None = None) -> SoftSolution:
    r"""Soft value iteration: :math:`V_{k+1}(s) = \alpha \log \sum_a \rho(a|s) e^{(r(s,a) + \gamma \mathbb{E} V_k(s'))/\alpha}`.

    The same fixed point as :func:`soft_q_iteration`, iterated on ``V`` (``S`` numbers instead of
    ``S * A``). At the end ``Q = r + gamma E V``; the stopping rule accounts for that last step,
    so ``|Q - Q*|_inf <= error_bound`` still holds. The backup of each sweep is exactly
    :func:`discrete_softq.reference.soft_value_iteration`'s; ``_fast.ValueSweeps`` computes it
    (fused and blocked on sparse MDPs, factored in exp-space on deterministic ones).

    Parameters
    ----------
    mdp : TabularMDP
        The model (dense or sparse).
    alpha : float
        Temperature ``>= 0`` (``0``: hard value iteration).
    tol : float
        Wanted sup-norm accuracy ``> 0`` of the returned ``Q`` (see :func:`soft_q_iteration`).
    max_iter : int
        Maximum number of sweeps; on reaching it a :class:`ConvergenceWarning` is issued.
    V0 : ndarray of shape (n_states,), optional
        Starting values (zeros by default; set to zero at terminal states). Without terminal
        states its mid-range is subtracted first: the MacQueen bracket absorbs a constant offset
        exactly, and smaller values keep the rounding floor (proportional to ``|V|``) low.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior policy of the KL-regularised objective; None is the Shannon entropy bonus.

    Returns
    -------
    SoftSolution

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)
    >>> sol = soft_value_iteration(mdp, alpha=1.0)
    >>> bool(abs(sol.V[0] - 2 * np.log(1 + np.e)) <= sol.error_bound <= 1e-8)
    True
    """
    mdp, alpha, tol, max_iter, rho = check_solver_args(mdp, alpha, tol, max_iter, prior)
    V = np.zeros(mdp.n_states) if V0 is None else _validate.array(V0, "V0", shape=(mdp.n_states,))
    V[mdp.terminal] = 0.0
    if mdp.gamma == 1.0:
        return _undiscounted(mdp, alpha, tol, max_iter, rho, "value", V, "soft_value_iteration")
    if V0 is not None and not mdp.terminal.any():
        V -= 0.5 * (V.max() + V.min())  # the bracket absorbs a constant; small values keep the rounding floor low
    sweeps = _fast.ValueSweeps(mdp, alpha, rho, V, tol)
    rule = StoppingRule(mdp, alpha, tol, to_q=True, kernel_terms=sweeps.kernel_terms, shannon=rho is None)
    for k in range(1, max_iter + 1):
        lo, hi = sweeps.step()  # V <- T V; [lo, hi] is the range of T V - V
        verdict = rule.check(lo, hi, lambda: sweeps.magnitude() + max(-lo, hi))
        if verdict.done:
            break
    if not np.isfinite(verdict.bound):
        verdict = rule.judge(lo, hi, lambda: sweeps.magnitude() + max(-lo, hi))
    iterate = sweeps.values()   # a copy of the iterate, before the stopping rule's shift
    V = shift_nonterminal(mdp, iterate.copy(), verdict.shift)
    Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
    return solution(mdp, Q, alpha, rho, k, verdict, rule, "soft_value_iteration", _TRY_POLICY_ITERATION,
                    iterate=iterate)


def value_iteration(mdp: TabularMDP, tol: float = 1e-8, max_iter: int = 100_000,
                    V0: ArrayLike | None = None) -> SoftSolution:
    """Hard value iteration, the ``alpha = 0`` case of :func:`soft_value_iteration`.

    Parameters
    ----------
    mdp : TabularMDP
        The model (dense or sparse).
    tol : float
        Wanted sup-norm accuracy ``> 0`` of the returned ``Q``.
    max_iter : int
        Maximum number of sweeps.
    V0 : ndarray of shape (n_states,), optional
        Starting values.

    Returns
    -------
    SoftSolution
        Its ``policy`` is uniform over the greedy actions.

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> value_iteration(TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)).V.round(6)
    array([2.])
    """
    return soft_value_iteration(mdp, 0.0, tol=tol, max_iter=max_iter, V0=V0)


# ---------------------------------------------------------------------- policy iteration
def soft_policy_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-10, max_iter: int = 1_000,
                          prior: ArrayLike | None = None, policy0: ArrayLike | None = None) -> SoftSolution:
    r"""Soft policy iteration: exact soft evaluation, then Boltzmann improvement.

    .. math:: Q_k = Q^{\pi_k}, \qquad \pi_{k+1}(a|s) \propto \rho(a|s)\, e^{Q_k(s,a)/\alpha}

    Each round solves a linear system (:func:`soft_policy_state_values`); it is Newton's method
    on the soft Bellman equation, so it converges in few rounds even for ``gamma`` near 1.
    Soft policy improvement guarantees ``Q_{k+1} >= Q_k`` (Haarnoja et al. 2017, Theorem 4).
    The stopping rule applies to one backup of ``Q_k``.

    Parameters
    ----------
    mdp : TabularMDP
        The model (dense or sparse).
    alpha : float
        Temperature ``>= 0``; at ``0`` the improvement step is greedy (ties shared).
    tol : float
        Wanted sup-norm accuracy ``> 0`` of the returned ``Q``.
    max_iter : int
        Maximum evaluate-improve rounds.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior policy of the KL-regularised objective; None is the Shannon entropy bonus.
    policy0 : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        First policy. By default the prior (or uniform); above ``COARSE_START_MIN_STATES``
        non-terminal states, the Boltzmann policy of an aggregated model's solution
        (:mod:`discrete_softq.aggregation`), which saves most rounds on large grids.

    Returns
    -------
    SoftSolution
        ``residuals`` holds ``|T Q_k - Q_k|_inf`` per round.

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], gamma=0.5)
    >>> sol = soft_policy_iteration(mdp, alpha=1.0)
    >>> bool(abs(sol.V[0] - 2 * np.log(1 + np.e)) <= sol.error_bound <= 1e-10), sol.iterations <= 6
    (True, True)
    """
    mdp, alpha, tol, max_iter, rho = check_solver_args(mdp, alpha, tol, max_iter, prior)
    pi, V = policy_iteration_start(mdp, alpha, rho, policy0, soft_policy_iteration)
    if mdp.gamma == 1.0:
        if alpha == 0.0:
            raise ValueError("soft_policy_iteration with gamma = 1 needs alpha > 0: a greedy improvement may "
                             "never terminate; use value_iteration")
        return _undiscounted(mdp, alpha, tol, max_iter, rho, "policy", pi, "soft_policy_iteration")
    rule = StoppingRule(mdp, alpha, tol, shannon=rho is None)
    # the pattern of I - gamma P_pi and the last LU are reused; large systems are solved only as accurately
    # as this round needs (inexact Newton), which the bracket below does not rely on
    system = _fast.PolicyEvaluationSystem(mdp, tol=tol)
    for k in range(1, max_iter + 1):
        V = system.values(pi, alpha, rho, guess=V)  # V^pi: (I - gamma P_pi) V = r_pi + alpha h_pi
        Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
        TQ = mdp.rewards + mdp.gamma * mdp.expected_next(_fast.soft_values(Q, alpha, rho))
        diff = TQ - Q
        verdict = rule.judge(float(diff.min()), float(diff.max()), lambda: _magnitude(Q, TQ))
        rule.residuals.append(float(np.abs(diff).max()))
        if verdict.done:
            break
        pi = _fast.softmax_rows(Q, alpha, rho)  # improvement
    if verdict.at_floor and rule.exact_translation:
        TQ, verdict = _polish(mdp, Q, alpha, rho, rule, verdict)
    Q = shift_nonterminal(mdp, TQ, verdict.shift)
    return solution(mdp, Q, alpha, rho, k, verdict, rule, "soft_policy_iteration")

r"""Exact soft dynamic programming: soft Q-iteration, soft value iteration, soft policy iteration.

All solvers find the fixed point :math:`Q^*` of the soft Bellman operator

.. math:: Q^*(s,a) = r(s,a) + \gamma\, \mathbb{E}_{s'}\Big[\alpha \log \sum_{a'} \rho(a'|s')
          e^{Q^*(s',a')/\alpha}\Big]

and return a frozen :class:`SoftSolution`. ``tol`` is a guarantee: ``|Q - Q*|_inf <= tol``
(up to floating-point rounding of order ``1e-16 * |Q|_inf / (1 - gamma)``).

Choosing a solver
-----------------
* :func:`soft_value_iteration` -- sweeps in value space, ``O(nnz(P))`` time and ``O(S A)`` memory
  per sweep, ``~ log(1/tol) / log(1/gamma)`` sweeps (fewer with the span bound below). The
  default for large sparse MDPs and moderate ``gamma``.
* :func:`soft_q_iteration` -- the same iteration in Q-space, as the paper writes it; the
  textbook form, and what the sample-based agents approximate.
* :func:`soft_policy_iteration` -- exact soft evaluation by a sparse linear solve, then
  Boltzmann improvement. It is Newton's method on the soft Bellman equation: a handful of
  (expensive) iterations whatever ``gamma``. Best when ``gamma`` is close to 1.
* :func:`value_iteration` -- the hard limit ``alpha = 0``.

Stopping rule (MacQueen bounds)
-------------------------------
For a monotone operator with :math:`T(X + c) = T X + \gamma c`, one sweep's differences
:math:`d = TX - X` bracket the fixed point,

.. math:: TX + \tfrac{\gamma}{1-\gamma} \min d \;\le\; X^* \;\le\; TX + \tfrac{\gamma}{1-\gamma} \max d,

so returning the mid-point :math:`TX + \tfrac{\gamma}{1-\gamma}\tfrac{\min d + \max d}{2}` is
within :math:`\tfrac{\gamma}{1-\gamma}\tfrac{\operatorname{span} d}{2}` of it. The soft operator
has both properties (``V(Q + c) = V(Q) + c``). With terminal states the transition kernel is
sub-stochastic, translation only gives ``0 <= T(X+c) - TX <= gamma c`` for ``c >= 0``, and the
valid bracket widens to ``[min(min d, 0), max(max d, 0)]``; the solvers use it then.

References
----------
Haarnoja et al. (2017); Ziebart (2010); MacQueen (1966), A modified dynamic programming method
for Markovian decision problems; Puterman (1994), Markov Decision Processes, section 6.6.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, NDArray

from .mdp import TabularMDP, check_policy
from .soft import (
    _as_prior,
    _boltzmann,
    _check_q_for,
    _soft_backup_values,
    _soft_value,
    check_alpha,
    entropy_bonus,
)

__all__ = [
    "SoftSolution",
    "ConvergenceWarning",
    "soft_q_iteration",
    "soft_value_iteration",
    "soft_policy_iteration",
    "value_iteration",
    "soft_policy_evaluation",
    "soft_policy_state_values",
    "maxent_return",
]

#: Below this many states a dense LU is faster than a sparse one for policy evaluation.
DENSE_SOLVE_MAX_STATES = 800
#: Above this many states policy evaluation uses a Krylov solver instead of a sparse LU.
DIRECT_SOLVE_MAX_STATES = 50_000


class ConvergenceWarning(UserWarning):
    """A solver stopped at ``max_iter`` before its error bound reached ``tol``."""


@dataclass(frozen=True, eq=False)
class SoftSolution:
    """The result of an exact soft DP solver.

    Attributes
    ----------
    Q : ndarray of shape (n_states, n_actions)
        Soft action values, within ``error_bound`` of the fixed point in sup-norm.
    V : ndarray of shape (n_states,)
        Soft state values of ``Q`` (zero at terminal states).
    policy : ndarray of shape (n_states, n_actions)
        Boltzmann policy of ``Q``.
    alpha : float
        Temperature.
    iterations : int
        Sweeps (value/Q-iteration) or evaluate-improve rounds (policy iteration).
    converged : bool
        Whether ``error_bound <= tol`` was reached.
    residuals : ndarray of shape (iterations,)
        ``|T X - X|_inf`` after each sweep (``X`` = Q or V): the contraction, visible.
    error_bound : float
        Guaranteed bound on ``|Q - Q*|_inf``.
    """

    Q: NDArray[np.float64]
    V: NDArray[np.float64]
    policy: NDArray[np.float64]
    alpha: float
    iterations: int
    converged: bool
    residuals: NDArray[np.float64] = field(repr=False)
    error_bound: float = np.inf

    def __post_init__(self) -> None:
        for name in ("Q", "V", "policy", "residuals"):
            getattr(self, name).setflags(write=False)


# ---------------------------------------------------------------------- shared pieces
def _check_solver_args(tol: float, max_iter: int) -> tuple[float, int]:
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0; got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be an int >= 1; got {max_iter!r}")
    return float(tol), int(max_iter)


def _bracket(diff: NDArray, gamma: float, exact_translation: bool) -> tuple[float, float]:
    """MacQueen bracket: the fixed point lies in ``TX + [lo, hi]`` given ``diff = TX - X``."""
    lo, hi = float(diff.min()), float(diff.max())
    if not exact_translation:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = gamma / (1.0 - gamma)
    return scale * lo, scale * hi


def _finish(mdp: TabularMDP, Q: NDArray, alpha: float, prior: NDArray | None, iterations: int,
            converged: bool, residuals: list[float], bound: float, tol: float, solver: str) -> SoftSolution:
    if not converged:
        warnings.warn(
            f"{solver} stopped after {iterations} iterations with |Q - Q*| <= {bound:.3g} > tol={tol:g}. "
            "Increase max_iter, loosen tol, or use soft_policy_iteration, whose iteration count "
            "does not grow as gamma -> 1.", ConvergenceWarning, stacklevel=3)
    V = _soft_value(Q, alpha, prior)
    V[mdp.terminal] = 0.0
    return SoftSolution(Q=Q, V=V, policy=_boltzmann(Q, alpha, prior), alpha=alpha,
                        iterations=iterations, converged=converged,
                        residuals=np.asarray(residuals, dtype=float), error_bound=bound)


def _shift_nonterminal(mdp: TabularMDP, X: NDArray, c: float) -> NDArray:
    """``X + c`` on non-terminal states (terminal states are exactly zero already)."""
    if mdp.terminal.any():
        X[~mdp.terminal] += c
    else:
        X += c
    return X


def _prior_for(mdp: TabularMDP, prior: ArrayLike | None) -> NDArray | None:
    return _as_prior(prior, (mdp.n_states, mdp.n_actions))


def _check_mdp(mdp: object) -> TabularMDP:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
    return mdp


# ---------------------------------------------------------------------- value-type solvers
def soft_q_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-8, max_iter: int = 100_000,
                     Q0: ArrayLike | None = None, prior: ArrayLike | None = None) -> SoftSolution:
    r"""Soft Q-iteration: :math:`Q_{k+1} = \mathcal{T}_\alpha Q_k` until the MacQueen bound meets ``tol``.

    Parameters
    ----------
    mdp : TabularMDP
    alpha : float
        Temperature ``>= 0`` (``0``: hard Q-iteration).
    tol : float
        Guaranteed sup-norm accuracy of the returned ``Q``.
    max_iter : int
        Maximum number of sweeps; on reaching it a :class:`ConvergenceWarning` is issued.
    Q0 : ndarray of shape (n_states, n_actions), optional
        Starting point (zeros by default); the iteration converges from any ``Q0``.
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior policy of the KL-regularised objective (see :mod:`discrete_softq.soft`).

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
    >>> bool(abs(sol.V[0] - 2 * np.log(1 + np.e)) < 1e-8)
    True
    """
    mdp = _check_mdp(mdp)
    alpha = check_alpha(alpha)
    tol, max_iter = _check_solver_args(tol, max_iter)
    rho = _prior_for(mdp, prior)
    Q = np.zeros((mdp.n_states, mdp.n_actions)) if Q0 is None else _check_q_for(mdp, Q0).copy()
    exact = not mdp.terminal.any()
    residuals: list[float] = []
    for k in range(1, max_iter + 1):
        TQ = mdp.rewards + mdp.gamma * mdp.expected_next(_soft_value(Q, alpha, rho))
        diff = TQ - Q
        residuals.append(float(np.abs(diff).max()))
        lo, hi = _bracket(diff, mdp.gamma, exact)
        bound = (hi - lo) / 2
        Q = TQ
        if bound <= tol:
            break
    Q = _shift_nonterminal(mdp, Q, (lo + hi) / 2)
    return _finish(mdp, Q, alpha, rho, k, bound <= tol, residuals, bound, tol, "soft_q_iteration")


def soft_value_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-8, max_iter: int = 100_000,
                         V0: ArrayLike | None = None, prior: ArrayLike | None = None) -> SoftSolution:
    r"""Soft value iteration: :math:`V_{k+1}(s) = \alpha \log \sum_a \rho(a|s) e^{(r(s,a) + \gamma \mathbb{E} V_k(s'))/\alpha}`.

    The same fixed point as :func:`soft_q_iteration`, iterated on ``V`` (``S`` numbers instead of
    ``S * A``). At the end ``Q = r + gamma E V``; the stopping rule accounts for that last step,
    so ``|Q - Q*|_inf <= tol`` still holds.

    Parameters
    ----------
    mdp : TabularMDP
    alpha : float
    tol : float
    max_iter : int
    V0 : ndarray of shape (n_states,), optional
        Starting values (zeros by default).
    prior : ndarray, optional

    Returns
    -------
    SoftSolution
    """
    mdp = _check_mdp(mdp)
    alpha = check_alpha(alpha)
    tol, max_iter = _check_solver_args(tol, max_iter)
    rho = _prior_for(mdp, prior)
    if V0 is None:
        V = np.zeros(mdp.n_states)
    else:
        V = np.array(V0, dtype=float)
        if V.shape != (mdp.n_states,) or not np.all(np.isfinite(V)):
            raise ValueError(f"V0 must be a finite array of shape ({mdp.n_states},); got shape {V.shape}")
    V[mdp.terminal] = 0.0
    exact = not mdp.terminal.any()
    residuals: list[float] = []
    for k in range(1, max_iter + 1):
        TV = _soft_backup_values(mdp.expected_next(V), mdp.rewards, mdp.gamma, alpha, rho)
        TV[mdp.terminal] = 0.0
        diff = TV - V
        residuals.append(float(np.abs(diff).max()))
        lo, hi = _bracket(diff, mdp.gamma, exact)
        bound = mdp.gamma * (hi - lo) / 2  # |Q - Q*| <= gamma |V - V*|
        V = TV
        if bound <= tol:
            break
    V = _shift_nonterminal(mdp, V, (lo + hi) / 2)
    Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
    return _finish(mdp, Q, alpha, rho, k, bound <= tol, residuals, bound, tol, "soft_value_iteration")


def value_iteration(mdp: TabularMDP, tol: float = 1e-8, max_iter: int = 100_000,
                    V0: ArrayLike | None = None) -> SoftSolution:
    """Hard value iteration, the ``alpha = 0`` case of :func:`soft_value_iteration`.

    The returned ``policy`` is uniform over the greedy actions.
    """
    return soft_value_iteration(mdp, 0.0, tol=tol, max_iter=max_iter, V0=V0)


# ---------------------------------------------------------------------- policy evaluation
def soft_policy_state_values(mdp: TabularMDP, policy: ArrayLike, alpha: float,
                             prior: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Exact soft state values of a fixed policy, by one linear solve.

    .. math:: V^\pi = (I - \gamma P_\pi)^{-1} \big(r_\pi + \alpha\, h_\pi\big)

    where :math:`P_\pi(s,s') = \sum_a \pi(a|s) P(s'|s,a)`, :math:`r_\pi(s) = \sum_a \pi(a|s) r(s,a)`
    and :math:`h_\pi(s) = \mathcal{H}(\pi(\cdot|s))` (or :math:`-\mathrm{KL}(\pi \| \rho)` with a
    prior); rows and columns of terminal states are removed (``V = 0`` there).

    Returns
    -------
    ndarray of shape (n_states,)
    """
    mdp = _check_mdp(mdp)
    alpha = check_alpha(alpha)
    pi = check_policy(policy, mdp.n_states, mdp.n_actions)
    return _policy_values(mdp, pi, alpha, _prior_for(mdp, prior))


def _policy_values(mdp: TabularMDP, pi: NDArray, alpha: float, rho: NDArray | None,
                   guess: NDArray | None = None) -> NDArray:
    bonus = entropy_bonus(pi, rho) if alpha > 0 else np.zeros(mdp.n_states)
    if not np.all(np.isfinite(bonus)):
        raise ValueError("policy puts probability on actions the prior excludes (infinite KL)")
    b = np.einsum("sa,sa->s", pi, mdp.rewards) + alpha * bonus
    b[mdp.terminal] = 0.0
    A = sp.identity(mdp.n_states, format="csr") - mdp.gamma * mdp.policy_matrix(pi)
    return _solve_evaluation(A, b, guess)


def _solve_evaluation(A: sp.csr_matrix, b: NDArray, guess: NDArray | None = None) -> NDArray:
    """Solve ``A x = b`` for ``A = I - gamma P_pi`` (a non-singular M-matrix).

    Dense LU for small systems; sparse LU with a symmetric minimum-degree ordering and no
    pivoting (far less fill than the default COLAMD on grid-like MDPs) up to
    ``DIRECT_SOLVE_MAX_STATES``; beyond
    that BiCGSTAB to a relative residual of 1e-13 (warm-started from ``guess``), falling back to
    the sparse LU if it stalls.
    """
    n = A.shape[0]
    if n <= DENSE_SOLVE_MAX_STATES:
        return np.linalg.solve(A.toarray(), b)
    if n > DIRECT_SOLVE_MAX_STATES:
        x, info = spla.bicgstab(A, b, x0=guess, rtol=1e-13, atol=0.0, maxiter=10 * n)
        if info == 0:
            return x
    # A is strictly diagonally dominant by rows, so LU needs no pivoting: keep the symmetric
    # minimum-degree ordering intact (7x faster than spsolve's defaults at 9e4 states).
    lu = spla.splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                   options={"SymmetricMode": True})
    return lu.solve(b)


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
    policy : ndarray of shape (n_states, n_actions) or (n_actions,)
    alpha : float
    prior : ndarray, optional

    Returns
    -------
    ndarray of shape (n_states, n_actions)
    """
    V = soft_policy_state_values(mdp, policy, alpha, prior)
    return mdp.rewards + mdp.gamma * mdp.expected_next(V)


def maxent_return(mdp: TabularMDP, policy: ArrayLike, alpha: float, prior: ArrayLike | None = None) -> float:
    r"""Expected maximum-entropy return of ``policy`` from the start distribution.

    .. math:: J(\pi) = \mathbb{E}_{s_0 \sim \mu}\, \mathbb{E}_\pi\Big[\sum_t \gamma^t
              \big(r(s_t,a_t) + \alpha \mathcal{H}(\pi(\cdot|s_t))\big)\Big] = \mu^\top V^\pi
    """
    return float(mdp.initial @ soft_policy_state_values(mdp, policy, alpha, prior))


# ---------------------------------------------------------------------- policy iteration
def soft_policy_iteration(mdp: TabularMDP, alpha: float, tol: float = 1e-10, max_iter: int = 1_000,
                          prior: ArrayLike | None = None, policy0: ArrayLike | None = None) -> SoftSolution:
    r"""Soft policy iteration: exact soft evaluation, then Boltzmann improvement.

    .. math:: Q_k = Q^{\pi_k}, \qquad \pi_{k+1}(a|s) \propto \rho(a|s)\, e^{Q_k(s,a)/\alpha}

    Each round solves a linear system (:func:`soft_policy_state_values`); it is Newton's method
    on the soft Bellman equation, so it converges in few rounds even for ``gamma`` near 1.
    Soft policy improvement guarantees ``Q_{k+1} >= Q_k`` (Haarnoja et al. 2017, Theorem 4).
    The stopping rule applies the MacQueen bracket to one backup of ``Q_k``.

    Parameters
    ----------
    mdp : TabularMDP
    alpha : float
    tol : float
    max_iter : int
        Maximum evaluate-improve rounds.
    prior : ndarray, optional
    policy0 : ndarray of shape (n_states, n_actions), optional
        First policy (the prior, or uniform, by default).

    Returns
    -------
    SoftSolution
        ``residuals`` holds ``|T Q_k - Q_k|_inf`` per round.
    """
    mdp = _check_mdp(mdp)
    alpha = check_alpha(alpha)
    tol, max_iter = _check_solver_args(tol, max_iter)
    rho = _prior_for(mdp, prior)
    if policy0 is not None:
        pi = check_policy(policy0, mdp.n_states, mdp.n_actions, "policy0")
    else:
        pi = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions) if rho is None else np.broadcast_to(
            rho, (mdp.n_states, mdp.n_actions))
    exact = not mdp.terminal.any()
    residuals: list[float] = []
    V = None
    for k in range(1, max_iter + 1):
        V = _policy_values(mdp, pi, alpha, rho, guess=V)
        Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
        TQ = mdp.rewards + mdp.gamma * mdp.expected_next(_soft_value(Q, alpha, rho))
        diff = TQ - Q
        residuals.append(float(np.abs(diff).max()))
        lo, hi = _bracket(diff, mdp.gamma, exact)
        bound = (hi - lo) / 2
        if bound <= tol:
            break
        pi = _boltzmann(Q, alpha, rho)
    Q = _shift_nonterminal(mdp, TQ, (lo + hi) / 2)
    return _finish(mdp, Q, alpha, rho, k, bound <= tol, residuals, bound, tol, "soft_policy_iteration")

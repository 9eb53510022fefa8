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
  (expensive) iterations whatever ``gamma``. Best when ``gamma``, rather than the geometry
  (e.g. a long grid diameter), is what makes value iteration slow, or when ``tol`` is tiny.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .evaluation import (
    _check_mdp,
    _prior_for,
    maxent_return,
    soft_policy_evaluation,
    soft_policy_state_values,
)
from .evaluation_system import PolicyEvaluationSystem
from .mdp import TabularMDP, check_policy
from .soft import (
    _boltzmann,
    _check_q_for,
    _soft_backup_values,
    _soft_value,
    check_alpha,
)
from .sweep import SoftSweep

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


def _bracket(new: NDArray, old: NDArray, gamma: float, exact_translation: bool,
             residuals: list[float]) -> tuple[float, float]:
    """MacQueen bracket: the fixed point lies in ``new + [lo, hi]`` when ``new = T old``.

    Appends the sweep's residual ``|new - old|_inf`` to ``residuals``.
    """
    diff = new - old
    return _macqueen(float(diff.min()), float(diff.max()), gamma, exact_translation, residuals)


def _macqueen(lo: float, hi: float, gamma: float, exact_translation: bool,
              residuals: list[float]) -> tuple[float, float]:
    """:func:`_bracket` from the range ``[lo, hi]`` of ``new - old``."""
    residuals.append(max(-lo, hi))
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
        lo, hi = _bracket(TQ, Q, mdp.gamma, exact, residuals)
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
    so ``|Q - Q*|_inf <= tol`` still holds. On a sparse MDP each sweep is the fused, blocked
    :class:`~discrete_softq.sweep.SoftSweep` (in units of ``alpha``); a dense MDP's sweep is
    one BLAS product and a blocked log-sum-exp.

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
    sweep: Callable[..., tuple[NDArray, float, float]]
    if SoftSweep.suits(mdp, alpha, V):  # sparse: the fused sweep, in units of alpha
        sweep = fused = SoftSweep(mdp, alpha, rho)
        scale = fused.scale
        V /= scale
    else:
        sweep, scale = partial(_dense_soft_sweep, mdp, alpha=alpha, prior=rho), 1.0
    spare = np.empty_like(V)
    for k in range(1, max_iter + 1):
        TV, lo, hi = sweep(V, out=spare)
        lo, hi = _macqueen(scale * lo, scale * hi, mdp.gamma, exact, residuals)
        bound = mdp.gamma * (hi - lo) / 2  # |Q - Q*| <= gamma |V - V*|
        V, spare = TV, V
        if bound <= tol:
            break
    V *= scale
    V = _shift_nonterminal(mdp, V, (lo + hi) / 2)
    Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
    return _finish(mdp, Q, alpha, rho, k, bound <= tol, residuals, bound, tol, "soft_value_iteration")


def _dense_soft_sweep(mdp: TabularMDP, V: NDArray, *, alpha: float, prior: NDArray | None,
                      out: NDArray | None = None) -> tuple[NDArray, float, float]:
    """One soft value-iteration sweep on a dense MDP (``P V`` is one BLAS product), and ``min, max (TV - V)``.

    ``out`` is accepted for the signature of :class:`~discrete_softq.sweep.SoftSweep` and unused.
    """
    TV = _soft_backup_values(mdp.expected_next(V), mdp.rewards, mdp.gamma, alpha, prior)
    TV[mdp.terminal] = 0.0
    diff = TV - V
    return TV, float(diff.min()), float(diff.max())


def value_iteration(mdp: TabularMDP, tol: float = 1e-8, max_iter: int = 100_000,
                    V0: ArrayLike | None = None) -> SoftSolution:
    """Hard value iteration, the ``alpha = 0`` case of :func:`soft_value_iteration`.

    The returned ``policy`` is uniform over the greedy actions.
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
    system = PolicyEvaluationSystem(mdp)  # the pattern of I - gamma P_pi, and the last LU, are reused
    V = None
    for k in range(1, max_iter + 1):
        V = system.values(pi, alpha, rho, guess=V)
        Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
        TQ = mdp.rewards + mdp.gamma * mdp.expected_next(_soft_value(Q, alpha, rho))
        lo, hi = _bracket(TQ, Q, mdp.gamma, exact, residuals)
        bound = (hi - lo) / 2
        if bound <= tol:
            break
        pi = _boltzmann(Q, alpha, rho)
    Q = _shift_nonterminal(mdp, TQ, (lo + hi) / 2)
    return _finish(mdp, Q, alpha, rho, k, bound <= tol, residuals, bound, tol, "soft_policy_iteration")

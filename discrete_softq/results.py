"""The result of the exact solvers, :class:`SoftSolution`, and how a solve is packaged into one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .mdp import TabularMDP
from .soft import log_sum_exp, softmax
from .stopping import StoppingRule, Verdict

__all__ = ["SoftSolution", "solution", "shift_nonterminal"]


@dataclass(frozen=True, eq=False)
class SoftSolution:
    """The result of an exact soft DP solver (read-only).

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
        Guaranteed bound on ``|Q - Q*|_inf``, floating-point rounding included.
    solver : str
        The solver that produced the solution.
    iterate : ndarray of shape (n_states,) or None
        Value iteration's last iterate :math:`V_k`, before the stopping rule extrapolated it
        (MacQueen's shift): the point to resume from (``soft_value_iteration(..., V0=sol.iterate)``
        continues the same run; :func:`~discrete_softq.selection.solve` does on episodic models).
        Resuming from ``V`` there would carry the extrapolation into the next sweeps, which costs
        many sweeps to undo; without terminal states the extrapolation is a constant the sweeps
        keep, and ``V`` is the better start. ``None`` for the other solvers.
    """

    Q: NDArray[np.float64]
    V: NDArray[np.float64]
    policy: NDArray[np.float64]
    alpha: float
    iterations: int
    converged: bool
    residuals: NDArray[np.float64] = field(repr=False)
    error_bound: float = np.inf
    solver: str = ""
    iterate: NDArray[np.float64] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("Q", "V", "policy", "residuals", "iterate"):
            if getattr(self, name) is not None:
                getattr(self, name).setflags(write=False)


def solution(mdp: TabularMDP, Q: NDArray, alpha: float, prior: NDArray | None, iterations: int,
             verdict: Verdict, rule: StoppingRule, solver: str, advice: str = "",
             iterate: NDArray | None = None) -> SoftSolution:
    """Package a solve: warn once if it did not converge, then V and the policy of ``Q``.

    >>> import numpy as np
    >>> from discrete_softq import random_mdp
    >>> from discrete_softq.stopping import StoppingRule, Verdict
    >>> mdp = random_mdp(2, 2, seed=0)
    >>> rule = StoppingRule(mdp, 1.0, 1e-8)
    >>> solution(mdp, np.zeros((2, 2)), 1.0, None, 1, Verdict(0.0, 0.0, True, False), rule, "demo").V.round(4)
    array([0.6931, 0.6931])
    """
    rule.warn(solver, verdict, iterations, advice)
    if not np.all(np.isfinite(Q)):
        raise ValueError(f"{solver}: the values overflowed float64")
    V = log_sum_exp(Q, alpha, prior)
    V[mdp.terminal] = 0.0
    return SoftSolution(Q=Q, V=V, policy=softmax(Q, alpha, prior), alpha=alpha, iterations=iterations,
                        converged=verdict.converged, residuals=np.asarray(rule.residuals, dtype=float),
                        error_bound=verdict.bound, solver=solver, iterate=iterate)


def shift_nonterminal(mdp: TabularMDP, X: NDArray, c: float) -> NDArray:
    """``X + c`` on non-terminal states (terminal states are exactly zero already), in place.

    >>> import numpy as np
    >>> from discrete_softq import TabularMDP
    >>> mdp = TabularMDP(np.ones((2, 1, 2)) / 2, [[0.0], [0.0]], 0.5, terminal=[False, True])
    >>> shift_nonterminal(mdp, np.zeros(2), 1.5)
    array([1.5, 0. ])
    """
    X[~mdp.terminal] += c
    return X

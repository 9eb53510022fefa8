r"""Inexact Newton evaluations for large MDPs: GMRES preconditioned by algebraic multigrid.

Soft policy iteration is Newton's method on the soft Bellman equation, and Newton's method does
not need exact linear solves (Dembo, Eisenstat and Steihaug 1982). Started from the previous
values ``x0 = V_k``, the residual of the evaluation system of the Boltzmann policy of ``V_k`` is

.. math:: b - A x_0 = r_\pi + \alpha h_\pi + \gamma P_\pi V_k - V_k = T V_k - V_k,

the Bellman residual itself. So the inexact Newton condition "reduce the linear residual by a
forcing factor :math:`\eta_k`" reads :math:`|b - A x|_2 \le \eta_k |T V_k - V_k|_2`, with
Eisenstat and Walker's (1996) choice :math:`\eta_k = 0.9 (F_k / F_{k-1})^2` (safeguarded, at
most ``MAX_FORCING``): loose while the outer iteration is far from the fixed point, tight near
it. Accuracy below what the outer stopping rule can use (``tol (1 - gamma)``) or below rounding
is never asked for. The inner residual certifies nothing: the solver's answer is still judged by
:class:`~discrete_softq.stopping.StoppingRule` on one exact backup.

The preconditioner is a classical (Ruge-Stuben) AMG V-cycle from pyamg; ``I - gamma P_pi`` is a
non-singular M-matrix, the case it was designed for. Near convergence the Boltzmann policy flows
towards higher values, so the matrix is ordered by decreasing ``x0`` ("downwind") and smoothed by
forward Gauss-Seidel, which is then close to an exact solve of the (nearly triangular) system.
The hierarchy is rebuilt only when the last solve took more than ``REBUILD_ITERATIONS``
iterations; otherwise the new fine-level matrix is put into the old hierarchy (the coarse levels
only correct, GMRES works with the true matrix).

pyamg is imported only when this path runs, so the package imports without it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

__all__ = ["InexactNewtonEvaluation"]

#: The largest forcing factor (the loosest evaluation) allowed.
MAX_FORCING = 0.01
#: The inner solve's absolute floor, as a fraction of ``tol (1 - gamma)``.
FLOOR_FRACTION = 0.05
#: Accepted residual, in machine epsilons of ``|A|_inf |x|_inf + |b|_inf``: rounding.
ROUNDING_EPSILONS = 16
#: Rebuild the AMG hierarchy when the previous solve needed more iterations than this.
REBUILD_ITERATIONS = 3
#: GMRES: Krylov dimension before a restart, and restarts at most.
RESTART, MAX_RESTARTS = 20, 6
#: The coarsest level's size (solved directly).
MAX_COARSE = 500
#: Smoothing after the coarse correction (forward Gauss-Seidel before it is what matters downwind).
POSTSMOOTHER = ("gauss_seidel", {"sweep": "forward"})


class InexactNewtonEvaluation:
    r"""Solve ``A x = b`` for the successive matrices ``A = I - gamma P_pi`` of policy iteration.

    Parameters
    ----------
    gamma : float
    tol : float or None
        The outer solver's ``tol``; ``None`` asks for exact solves (to the rounding level).

    Attributes
    ----------
    setups, iterations, solves : int
        AMG hierarchies built, GMRES iterations and solves so far.
    """

    def __init__(self, gamma: float, tol: float | None) -> None:
        self.gamma, self.tol = gamma, tol
        self._hierarchy = None
        self._order: NDArray | None = None
        self._previous: float | None = None
        self._forcing = MAX_FORCING
        self._last_iterations = REBUILD_ITERATIONS + 1
        self.setups = self.iterations = self.solves = 0

    def solve(self, A: sp.spmatrix, b: NDArray, guess: NDArray | None) -> NDArray:
        """An approximate solution of ``A x = b``, as accurate (in sup-norm) as the forcing term asks."""
        A = sp.csr_matrix(A)
        x = np.zeros_like(b) if guess is None else np.array(guess, dtype=float)
        r = b - A @ x
        F = float(np.abs(r).max(initial=0.0))
        target = self._target(F, x, b, guess is not None)
        self.solves += 1
        iterations = 0
        if F > target:
            preconditioner = self._preconditioner(A, x)
            count = [0]

            def counted(_: float) -> None:
                count[0] += 1

            # GMRES minimises the 2-norm; the sup-norm target is checked after each restart cycle
            goal = target * np.sqrt(max(1.0, float(np.count_nonzero(r)))) / 4
            for _ in range(MAX_RESTARTS):
                x, _ = spla.gmres(A, b, x0=x, M=preconditioner, rtol=0.0, atol=goal, restart=RESTART,
                                  maxiter=1, callback=counted, callback_type="pr_norm")
                r_sup = float(np.abs(b - A @ x).max())
                if r_sup <= target:
                    break
                goal = min(goal, float(np.linalg.norm(b - A @ x))) * max(0.5 * target / r_sup, 1e-3)
            iterations = count[0]
        self._last_iterations = iterations
        self.iterations += iterations
        return x

    def _target(self, F: float, x0: NDArray, b: NDArray, warm: bool) -> float:
        """The sup-norm residual to reach: the forcing term times ``F``, not below the useful floor."""
        rounding = ROUNDING_EPSILONS * np.finfo(float).eps * (
            2.0 * np.abs(x0).max(initial=0.0) + np.abs(b).max(initial=0.0))
        if self.tol is None:
            return max(1e-13 * float(np.abs(b).max(initial=0.0)), rounding)
        if warm and self._previous is not None and self._previous > 0:
            eta = 0.9 * (F / self._previous) ** 2  # Eisenstat-Walker, choice 2
            if 0.9 * self._forcing ** 2 > 0.1:  # safeguard against a sudden drop
                eta = max(eta, 0.9 * self._forcing ** 2)
            self._forcing = min(MAX_FORCING, eta)
        self._previous = F
        floor = FLOOR_FRACTION * self.tol * (1.0 - self.gamma)
        return max(self._forcing * F, floor, rounding)

    def _preconditioner(self, A: sp.csr_matrix, x0: NDArray) -> spla.LinearOperator:
        """The AMG V-cycle in downwind order (rebuilt when the last solve was slow)."""
        if self._hierarchy is None or self._last_iterations > REBUILD_ITERATIONS:
            import pyamg  # lazily: an optional dependency of this path only

            self._order = np.argsort(-x0, kind="stable")
            self._hierarchy = pyamg.ruge_stuben_solver(
                _permuted(A, self._order), max_coarse=MAX_COARSE,
                presmoother=("gauss_seidel", {"sweep": "forward"}),
                postsmoother=POSTSMOOTHER)
            self.setups += 1
        else:  # keep the coarse levels, smooth with the new matrix
            self._hierarchy.levels[0].A = _permuted(A, self._order)
        cycle, order = self._hierarchy.aspreconditioner(cycle="V"), self._order

        def apply(r: NDArray) -> NDArray:
            out = np.empty(r.size)
            out[order] = cycle @ np.ravel(r)[order]
            return out

        return spla.LinearOperator(A.shape, apply, dtype=float)


def _permuted(A: sp.csr_matrix, order: NDArray) -> sp.csr_matrix:
    """``A[order][:, order]`` in CSR with sorted indices (rows gathered, columns renamed)."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    rows = A[order]
    out = sp.csr_matrix((rows.data, inverse[rows.indices], rows.indptr), shape=A.shape)
    out.sort_indices()
    return out

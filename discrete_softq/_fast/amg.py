r"""Inexact Newton evaluations for large MDPs: downwind Gauss-Seidel, then preconditioned GMRES.

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

The inner solver, cheapest first. Near convergence the Boltzmann policy flows towards higher
values, so with the states ordered by decreasing ``x0`` ("downwind") the system is nearly lower
triangular and a forward Gauss-Seidel sweep in that order is nearly an exact solve:

1. up to ``SWEEPS`` such sweeps (on a 10^6-state grid one sweep costs about a matrix-vector
   product, an AMG set-up about a hundred);
2. if they fall short, GMRES preconditioned by one downwind sweep;
3. if that needs more than ``SMOOTHER_ITERATIONS`` iterations (diffusive policies, such as the
   uniform one, whose slow modes are smooth), GMRES preconditioned by an aggregation AMG V-cycle
   from pyamg (unsmoothed: piecewise-constant interpolation over neighbourhoods, the Galerkin
   coarse matrices of the same M-matrix kind), for this solve and every later one. Its smoother
   is the downwind sweep. On the 10^6-state slippery grid at gamma 0.999 it halves policy
   iteration's time against classical (Ruge-Stuben) AMG, whose V-cycle there cost ~0.1 s and
   needed 80-120 GMRES iterations a solve.

The AMG hierarchy is rebuilt only when the last solve took more than ``REBUILD_ITERATIONS``
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
REBUILD_ITERATIONS = 40
#: GMRES: Krylov dimension before a restart, and restarts at most.
RESTART, MAX_RESTARTS = 20, 6
#: Downwind Gauss-Seidel sweeps tried before GMRES.
SWEEPS = 3
#: GMRES iterations preconditioned by one downwind sweep before switching to AMG for good.
SMOOTHER_ITERATIONS = 20
#: The coarsest level's size (solved directly).
MAX_COARSE = 500
#: Smoothing after the coarse correction (forward Gauss-Seidel before it is what matters downwind).
POSTSMOOTHER = ("gauss_seidel", {"sweep": "forward"})


class InexactNewtonEvaluation:
    r"""Solve ``A x = b`` for the successive matrices ``A = I - gamma P_pi`` of policy iteration.

    Each solve orders the states by decreasing ``x0`` and tries up to ``SWEEPS`` forward
    Gauss-Seidel sweeps in that order: near convergence the Boltzmann policy flows downwind, the
    system is nearly triangular and one sweep is nearly exact. If that is not enough, GMRES
    continues, preconditioned by one such sweep; once that needs more than
    ``SMOOTHER_ITERATIONS`` iterations (fast-mixing, diffusive policies), the AMG V-cycle
    preconditions every later solve instead.

    Parameters
    ----------
    gamma : float
    tol : float or None
        The outer solver's ``tol``; ``None`` asks for exact solves (to the rounding level).

    Attributes
    ----------
    setups, iterations, solves : int
        AMG hierarchies built, inner iterations (Gauss-Seidel sweeps and GMRES iterations) and
        solves so far.
    """

    def __init__(self, gamma: float, tol: float | None) -> None:
        self.gamma, self.tol = gamma, tol
        self._hierarchy = None
        self._order: NDArray | None = None
        self._previous: float | None = None
        self._forcing = MAX_FORCING
        self._last_iterations = REBUILD_ITERATIONS + 1
        self._use_amg = False
        self.setups = self.iterations = self.solves = 0

    def solve(self, A: sp.spmatrix, b: NDArray, guess: NDArray | None) -> NDArray:
        """An approximate solution of ``A x = b``, as accurate (in sup-norm) as the forcing term asks."""
        A = sp.csr_matrix(A)
        x = np.zeros_like(b) if guess is None else np.array(guess, dtype=float)
        F = float(np.abs(b - A @ x).max(initial=0.0))
        target = self._target(F, x, b, guess is not None)
        self.solves += 1
        if F <= target:
            return x
        downwind = np.argsort(-x, kind="stable")  # solved in downwind order, returned in the original one
        A_downwind, y, c = _permuted(A, downwind), x[downwind], b[downwind]
        residual = self._sweeps(A_downwind, y, c, target)
        if residual > target and not self._use_amg:
            y, residual = self._gmres(A_downwind, c, y, target, _sweep_operator(A_downwind), SMOOTHER_ITERATIONS)
            self._use_amg = residual > target
        x[downwind] = y
        if residual > target:
            x, _ = self._gmres(A, b, x, target, self._preconditioner(A, x), MAX_RESTARTS * RESTART)
        return x

    def _sweeps(self, A_downwind: sp.csr_matrix, y: NDArray, c: NDArray, target: float) -> float:
        """Up to ``SWEEPS`` Gauss-Seidel sweeps on ``y`` in place, stopped early when one no longer halves the
        residual; returns the residual's sup-norm."""
        from pyamg.relaxation.relaxation import gauss_seidel  # lazily: an optional dependency of this path only

        residual = previous = np.inf
        for _ in range(SWEEPS):
            gauss_seidel(A_downwind, y, c, iterations=1, sweep="forward")
            self.iterations += 1
            residual = float(np.abs(c - A_downwind @ y).max())
            if residual <= target or residual > 0.5 * previous:
                break
            previous = residual
        return residual

    def _gmres(self, A: sp.csr_matrix, b: NDArray, x: NDArray, target: float,
               preconditioner: spla.LinearOperator, max_iterations: int) -> tuple[NDArray, float]:
        """Restarted GMRES from ``x`` until the sup-norm residual is at most ``target`` (or about ``max_iterations``)."""
        count = [0]

        def counted(_: float) -> None:
            count[0] += 1

        r = b - A @ x
        # GMRES minimises the 2-norm; the sup-norm target is checked after each restart cycle
        goal = target * np.sqrt(max(1.0, float(np.count_nonzero(r)))) / 4
        r_sup = float(np.abs(r).max())
        for _ in range(max_iterations):  # restart cycles; each has at least one iteration
            if count[0] >= max_iterations:
                break
            x, _ = spla.gmres(A, b, x0=x, M=preconditioner, rtol=0.0, atol=goal, restart=RESTART,
                              maxiter=1, callback=counted, callback_type="pr_norm")
            r_sup = float(np.abs(b - A @ x).max())
            if r_sup <= target:
                break
            goal = min(goal, float(np.linalg.norm(b - A @ x))) * max(0.5 * target / r_sup, 1e-3)
        self._last_iterations = count[0]
        self.iterations += count[0]
        return x, r_sup

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
            self._hierarchy = pyamg.smoothed_aggregation_solver(
                _permuted(A, self._order), symmetry="nonsymmetric", smooth=None, improve_candidates=None,
                strength=("symmetric", {"theta": 0.0}), max_coarse=MAX_COARSE,
                presmoother=("gauss_seidel", {"sweep": "forward"}), postsmoother=POSTSMOOTHER)
            self.setups += 1
        else:  # keep the coarse levels, smooth with the new matrix
            self._hierarchy.levels[0].A = _permuted(A, self._order)
        cycle, order = self._hierarchy.aspreconditioner(cycle="V"), self._order

        def apply(r: NDArray) -> NDArray:
            out = np.empty(r.size)
            out[order] = cycle @ np.ravel(r)[order]
            return out

        return spla.LinearOperator(A.shape, apply, dtype=float)


def _sweep_operator(A_downwind: sp.csr_matrix) -> spla.LinearOperator:
    """One forward Gauss-Seidel sweep from zero, ``r -> (D + L)^{-1} r``, as a preconditioner."""
    from pyamg.relaxation.relaxation import gauss_seidel

    def apply(r: NDArray) -> NDArray:
        z = np.zeros(r.size)
        gauss_seidel(A_downwind, z, np.ravel(r), iterations=1, sweep="forward")
        return z

    return spla.LinearOperator(A_downwind.shape, apply, dtype=float)


def _permuted(A: sp.csr_matrix, order: NDArray) -> sp.csr_matrix:
    """``A[order][:, order]`` in CSR with sorted indices (rows gathered, columns renamed)."""
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    rows = A[order]
    out = sp.csr_matrix((rows.data, inverse[rows.indices], rows.indptr), shape=A.shape)
    out.sort_indices()
    return out

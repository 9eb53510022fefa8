r"""The linear system of soft policy evaluation, assembled in O(nnz) and solved with reuse.

For a policy :math:`\pi` the soft state values solve

.. math:: (I - \gamma P_\pi)\, V = r_\pi + \alpha\, h_\pi, \qquad
          P_\pi(s, s') = \sum_a \pi(a|s)\, P(s'|s,a),

on the non-terminal ("live") states (``V = 0`` on terminal ones). Whatever the policy, the
matrix has the same sparsity pattern: the union of the rows ``P(.|s, a)`` over actions, plus the
diagonal. :class:`PolicyEvaluationSystem` computes that pattern once; after that a policy's
matrix is one weighted ``bincount`` over the entries of ``P``, instead of sparse products.

Soft policy iteration evaluates a sequence of policies that converges, so it also reuses the
last LU factorisation: the new system is solved by iterative refinement preconditioned with the
old factors, :math:`x \leftarrow x + (L U)_{\text{old}}^{-1} (b - A x)`, which converges
quickly once successive policies are close. It stops only when the residual is at the rounding
level of a direct solve; when refinement stalls, the matrix is factorised afresh. Either way the
result is the exact solution up to rounding.

Above ``DIRECT_SOLVE_MAX_STATES`` live states a factorisation would be too large, and MDPs that
do not mix fast (grids) are solved iteratively (:mod:`._amg <discrete_softq._fast.amg>`):
Gauss-Seidel sweeps in downwind order, then GMRES preconditioned by such a sweep or by algebraic
multigrid. Given the outer solver's ``tol``, that path is *inexact Newton*: each evaluation is solved only as accurately as policy iteration needs (a
forcing term tied to the current Bellman residual), warm-started from the previous values.
The solver's error bound never relies on it: it comes from the stopping rule's bracket.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from ..mdp import TabularMDP
from ..soft import entropy_bonus
from .amg import InexactNewtonEvaluation

__all__ = ["PolicyEvaluationSystem"]

#: Below this many live states a dense LU is faster than a sparse one.
DENSE_SOLVE_MAX_STATES = 800
#: Above this many live states the system is solved iteratively (BiCGSTAB, or AMG-preconditioned
#: GMRES when BiCGSTAB's trial fails) instead of by a sparse LU.
DIRECT_SOLVE_MAX_STATES = 50_000
#: Below that, a first BiCGSTAB run this long decides between BiCGSTAB and the sparse LU. Fast
#: mixing MDPs (random ones) converge in it, and their LU factors would be nearly dense; grid-like
#: ones do not, and their factors are cheap.
KRYLOV_TRIAL_ITERATIONS = 30
#: Refinement steps with an old factorisation before giving up and factorising afresh.
MAX_REFINEMENT_STEPS = 16
#: SuperLU options for factors with little fill (grid-like MDPs, whose fronts are small): narrow
#: panels factorise 10^4-state grids 13% faster, 4x10^4-state ones 25%, but slow down
#: random MDPs, whose factors are nearly dense. Chosen from the previous factorisation's fill.
NARROW_PANEL = {"panel_size": 4, "relax": 1}
NARROW_PANEL_MAX_FILL = 100
#: Accepted residual, in machine epsilons of ``|A|_inf |x|_inf + |b|_inf``: a direct solve's level.
RESIDUAL_EPSILONS = 16


class PolicyEvaluationSystem:
    r"""The matrix :math:`I - \gamma P_\pi` and right-hand side :math:`r_\pi + \alpha h_\pi` of an MDP.

    Parameters
    ----------
    mdp : TabularMDP
    tol : float, optional
        The outer solver's ``tol``: large systems are then solved inexactly, as accurately as
        policy iteration needs (module Notes). ``None``: every solve is exact up to rounding.
    direct_max_states : int, optional
        Above this many live states, no factorisation (default ``DIRECT_SOLVE_MAX_STATES``).

    Attributes
    ----------
    live : ndarray of int
        The non-terminal states, in order; the system's unknowns.
    factorisations, refinements, krylov_solves, amg_solves : int
        How many solves factorised the matrix, reused an old factorisation, used BiCGSTAB, or
        used AMG-preconditioned GMRES.
    amg : InexactNewtonEvaluation
        The AMG path's state (hierarchies built, GMRES iterations).

    Examples
    --------
    >>> import numpy as np
    >>> from discrete_softq import random_mdp
    >>> mdp = random_mdp(5, 2, gamma=0.9, seed=0)
    >>> system = PolicyEvaluationSystem(mdp)
    >>> A = system.matrix(np.full((5, 2), 0.5)).toarray()
    >>> bool(np.allclose(A, np.eye(5) - 0.9 * mdp.policy_matrix(np.full((5, 2), 0.5)).toarray()))
    True
    """

    def __init__(self, mdp: TabularMDP, tol: float | None = None,
                 direct_max_states: int | None = None) -> None:
        self.mdp = mdp
        self.direct_max_states = DIRECT_SOLVE_MAX_STATES if direct_max_states is None else direct_max_states
        self.amg = InexactNewtonEvaluation(mdp.gamma, tol)
        S, A = mdp.n_states, mdp.n_actions
        self.live = np.flatnonzero(~mdp.terminal)
        n = self.n = self.live.size
        position = np.full(S, -1, dtype=np.int64)
        position[self.live] = np.arange(n)
        P = mdp.transition_matrix if mdp.is_sparse else sp.csr_matrix(mdp.transition_matrix)
        rows = np.repeat(np.arange(S * A, dtype=np.int64), np.diff(P.indptr))
        row_state = position[rows // A]
        col_state = position[P.indices]
        keep = (row_state >= 0) & (col_state >= 0) & (P.data != 0)
        #: entry k of P contributes -gamma * pi.flat[policy_index[k]] * P_k to data[slot[k]]
        self._policy_index = rows[keep]
        self._weight = -mdp.gamma * P.data[keep]
        # CSC order: key = column * n + row. The diagonal is always part of the pattern.
        keys = np.concatenate([col_state[keep] * n + row_state[keep], np.arange(n, dtype=np.int64) * (n + 1)])
        pattern, slot = np.unique(keys, return_inverse=True)
        self._slot, self._diagonal_slot = slot[:keep.sum()], slot[keep.sum():]
        self._indices = (pattern % n).astype(np.int32)
        self._indptr = np.concatenate([[0], np.cumsum(np.bincount(pattern // n, minlength=n))]).astype(np.int32)
        self._lu: spla.SuperLU | None = None
        self._krylov_suits: bool | None = None  # decided by the first solve
        self.factorisations = 0
        self.refinements = 0
        self.krylov_solves = 0
        self.amg_solves = 0

    # ------------------------------------------------------------------ assembly
    def matrix(self, pi: NDArray) -> sp.csc_matrix:
        r""":math:`I - \gamma P_\pi` on the live states, as a CSC matrix."""
        data = np.bincount(self._slot, weights=pi.ravel()[self._policy_index] * self._weight,
                           minlength=self._indices.size).astype(float, copy=False)  # int if empty
        data[self._diagonal_slot] += 1.0
        return sp.csc_matrix((data, self._indices, self._indptr), shape=(self.n, self.n))

    def rhs(self, pi: NDArray, alpha: float, rho: NDArray | None) -> NDArray:
        r""":math:`r_\pi + \alpha h_\pi` on the live states (``h`` = entropy, or ``-KL`` to ``rho``)."""
        b = np.einsum("sa,sa->s", pi, self.mdp.rewards)
        if alpha > 0:
            bonus = entropy_bonus(pi, rho)
            if not np.all(np.isfinite(bonus)):
                raise ValueError("policy puts probability on actions the prior excludes (infinite KL)")
            with np.errstate(over="ignore", invalid="ignore"):
                b += alpha * bonus
            if not np.all(np.isfinite(b)):
                raise ValueError("alpha times the policy's entropy overflows float64: alpha is too large")
        return b[self.live]

    # ------------------------------------------------------------------ solving
    def values(self, pi: NDArray, alpha: float, rho: NDArray | None, guess: NDArray | None = None) -> NDArray:
        """Soft state values of ``pi`` on all states (zero on terminal ones)."""
        V = np.zeros(self.mdp.n_states)
        live_guess = None if guess is None else guess[self.live]
        V[self.live] = self.solve(self.matrix(pi), self.rhs(pi, alpha, rho), live_guess)
        return V

    def solve(self, A: sp.csc_matrix, b: NDArray, guess: NDArray | None = None) -> NDArray:
        """Solve ``A x = b`` for ``A = I - gamma P_pi`` (a non-singular M-matrix).

        Dense LU for small systems. Otherwise BiCGSTAB to a relative residual of 1e-13,
        warm-started from ``guess``, if the first solve showed that it converges fast; else, or
        if it stalls, a sparse LU with a symmetric minimum-degree ordering and no pivoting (far
        less fill than the default COLAMD on grid-like MDPs), or refinement with the previous
        LU; above ``direct_max_states``, the inexact iterative solve of :mod:`._amg` instead of the LU.
        """
        if self.n == 0:
            return np.zeros(0)
        if self.n <= min(DENSE_SOLVE_MAX_STATES, self.direct_max_states):
            return np.linalg.solve(A.toarray(), b)
        if self._krylov_suits is not False:
            trial = self._krylov_suits is None
            x, info = spla.bicgstab(A, b, x0=guess, rtol=1e-13, atol=0.0,
                                    maxiter=KRYLOV_TRIAL_ITERATIONS if trial else 10 * self.n)
            if trial:
                self._krylov_suits = info == 0
            if info == 0:
                self.krylov_solves += 1
                return x
        if self.n > self.direct_max_states:
            self.amg_solves += 1
            return self.amg.solve(A, b, guess)
        if self._lu is not None:
            x = self._refine(A, b)
            if x is not None:
                self.refinements += 1
                return x
        # A is a strictly row-diagonally-dominant M-matrix, so LU needs no pivoting: keep the
        # symmetric minimum-degree ordering intact (7x faster than spsolve's defaults at 9e4 states).
        narrow = self._lu is not None and self._lu.nnz <= NARROW_PANEL_MAX_FILL * self.n
        self._lu = spla.splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                             options={"SymmetricMode": True}, **(NARROW_PANEL if narrow else {}))
        self.factorisations += 1
        return self._lu.solve(b)

    def _refine(self, A: sp.csc_matrix, b: NDArray) -> NDArray | None:
        """Iterative refinement with the previous factors; ``None`` when it would not pay.

        Each step costs two triangular solves, a fresh factorisation ~30 of them, so refinement
        is abandoned as soon as its observed rate of convergence predicts more than
        ``MAX_REFINEMENT_STEPS`` steps in all.
        """
        assert self._lu is not None
        x = self._lu.solve(b)
        scale = RESIDUAL_EPSILONS * np.finfo(float).eps
        b_norm = np.abs(b).max()
        previous = np.inf
        for step in range(MAX_REFINEMENT_STEPS):
            r = b - A @ x
            r_norm = np.abs(r).max()
            target = scale * (2.0 * np.abs(x).max() + b_norm)  # |A|_inf <= 1 + gamma < 2
            if r_norm <= target:
                return x
            rate = r_norm / previous
            if rate >= 1.0 or (step > 0 and np.log(target / r_norm) / np.log(rate) > MAX_REFINEMENT_STEPS - step):
                return None
            previous = r_norm
            x += self._lu.solve(r)
        return None

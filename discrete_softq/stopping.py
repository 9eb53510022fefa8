r"""The stopping rule of the exact solvers: a MacQueen bracket plus an honest rounding term.

What ``tol`` guarantees
-----------------------
A solver returns ``Q`` with ``|Q - Q*|_inf <= error_bound`` and ``converged = error_bound <= tol``,
where ``Q*`` is the exact fixed point of the soft Bellman operator :math:`T` in real arithmetic.

**The bracket.** For a monotone operator with :math:`T(X + c) = TX + \gamma c` (every soft
backup has both properties, since ``V(Q + c) = V(Q) + c`` and the rows of ``P`` sum to 1), one
sweep's differences :math:`d = TX - X` bracket the fixed point (MacQueen 1966):

.. math:: TX + \tfrac{\gamma}{1-\gamma} \min d \;\le\; X^* \;\le\; TX + \tfrac{\gamma}{1-\gamma} \max d.

With terminal states the kernel is sub-stochastic, translation only gives
``0 <= T(X + c) - TX <= gamma c`` for ``c >= 0``, and the bracket widens to
``[min(min d, 0), max(max d, 0)]``.

**Rounding.** A computed backup is :math:`\tilde T X = TX + e` with :math:`|e|_\infty \le \delta`.
Then :math:`TX - X = \tilde d - e` and the bracket of the *computed* sweep is valid after
widening by :math:`\tfrac{\gamma}{1-\gamma}\delta` on both sides, plus :math:`\delta` for
:math:`\tilde TX` itself, plus :math:`2\epsilon |X_{\text{mid}}|_\infty` for the shift to the mid-point:

.. math:: |X_{\text{mid}} - X^*|_\infty \;\le\; \tfrac{\gamma}{1-\gamma}\tfrac{\max \tilde d - \min \tilde d}{2}
          + \tfrac{\delta}{1-\gamma} + 2 \epsilon |X_{\text{mid}}|_\infty;

after value iteration :math:`|Q - Q^*| \le \gamma |V - V^*| + \delta_Q` for ``Q = r + gamma E V``.
With unit roundoff :math:`u = \epsilon/2`, ``b`` successors per state-action and ``A`` actions, Higham's bound on a sum of ``b`` products gives
:math:`(b + 2) u (|r|_\infty + \gamma M)` for :math:`r + \gamma P X` with :math:`|X|_\infty \le M`,
the rows of ``P`` miss 1 by at most :math:`b u` (they are renormalised at construction), and the
max-shifted log-sum-exp adds :math:`u((A + 3)\alpha + 4 M + |V|)`. Its :math:`\alpha` term is
also at most :math:`9 (|r|_\infty + M)` times as much: either some :math:`x_a = (q_a - m)/\alpha`
other than the largest is above :math:`-1`, and then :math:`\alpha \le 3.2\,|V - m|`, or all
are below, and then :math:`\alpha < m - q_a \le 2 (|r|_\infty + M)`; with a prior the
``log1p`` form's error is relative to :math:`|V - m|` likewise. :func:`backup_rounding` takes
twice the sum of these,

.. math:: \delta = \epsilon\big((2b + 9) s + (A + 8) \min(\alpha, 9 s) + k \alpha\big), \qquad
          s = |r|_\infty + M,

where ``k`` is the extra error of a fast kernel in units of ``alpha eps`` (the sweep in units of
``alpha`` shifts exponents by up to 600, and its error does scale with ``alpha``).
When :math:`|Q|/\alpha` falls below the normal range (e.g. :math:`|Q| \sim 10^{-304}`,
:math:`\alpha = 10^{12}`), the scaled values keep only an absolute accuracy of one subnormal step
:math:`\sigma = 4.9 \cdot 10^{-324}`, so :math:`4 (A + 8)\,\alpha\,\sigma` is added to :math:`\delta`.

So no ``tol`` below about :math:`\epsilon |Q^*|_\infty / (1 - \gamma)` can be certified in float64.
When the bracket has shrunk to the rounding floor and the values are of the size of the fixed
point, iterating cannot help: the solver stops there, returns ``converged=False`` with the
achieved bound, and warns once (:class:`RoundingFloorWarning`).

References
----------
MacQueen (1966), A modified dynamic programming method for Markovian decision problems.
Puterman (1994), Markov Decision Processes, section 6.6. Higham (2002), Accuracy and Stability
of Numerical Algorithms, section 3.1.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .mdp import TabularMDP

__all__ = ["ConvergenceWarning", "RoundingFloorWarning", "backup_rounding", "StoppingRule", "Verdict"]

EPSILON = float(np.finfo(float).eps)
#: The spacing of float64 numbers below the normal range (the smallest subnormal).
SUBNORMAL = float(np.finfo(float).smallest_subnormal)
#: Without a candidate stop, the size of the values (one pass over them) is measured every this many sweeps.
MAGNITUDE_EVERY = 16


class ConvergenceWarning(UserWarning):
    """A solver stopped at ``max_iter`` before its error bound reached ``tol``."""


class RoundingFloorWarning(ConvergenceWarning):
    """``tol`` is below what float64 can certify for this MDP; the solver stopped at the rounding floor."""


def backup_rounding(mdp: TabularMDP, alpha: float, magnitude: float, kernel_terms: float = 0.0,
                    reward_size: float | None = None) -> float:
    r"""A bound :math:`\delta` on the rounding error of one computed soft backup (module Notes).

    Parameters
    ----------
    mdp : TabularMDP
    alpha : float
    magnitude : float
        A bound on ``|X|_inf`` and ``|T X|_inf`` for the values ``X`` backed up.
    kernel_terms : float
        Extra error of the kernel, in units of ``alpha * eps``.
    reward_size : float, optional
        ``|r|_inf`` if already known (computed from ``mdp`` otherwise).

    Examples
    --------
    >>> from discrete_softq import random_mdp
    >>> float(backup_rounding(random_mdp(2, 2, seed=0), 1.0, 10.0)) < 1e-12
    True
    """
    b, A = mdp.max_successors, mdp.n_actions
    size = (float(np.abs(mdp.rewards).max(initial=0.0)) if reward_size is None else reward_size) + magnitude
    relative = EPSILON * ((2 * b + 9) * size + (A + 8) * min(alpha, 9.0 * size) + kernel_terms * alpha)
    # (q - m) / alpha below the normal range keeps only an absolute accuracy of one subnormal step, which
    # the rescaling by alpha multiplies (Notes): negligible unless |Q| / alpha underflows
    return relative + 4.0 * (A + 8) * alpha * SUBNORMAL


@dataclass(frozen=True)
class Verdict:
    """The rule's answer after one sweep.

    Attributes
    ----------
    bound : float
        Guaranteed ``|Q - Q*|_inf`` for ``Q`` built from the mid-point (inf if not yet measured).
    shift : float
        The mid-point shift ``gamma / (1 - gamma) * (lo + hi) / 2`` to add on non-terminal states.
    converged : bool
        ``bound <= tol``.
    at_floor : bool
        Not converged, but the bracket is down to the rounding floor: iterating cannot help.
    """

    bound: float
    shift: float
    converged: bool
    at_floor: bool

    @property
    def done(self) -> bool:
        """Whether the solver should stop."""
        return self.converged or self.at_floor


class StoppingRule:
    """The MacQueen bracket with the rounding floor, for one solve.

    Parameters
    ----------
    mdp : TabularMDP
    alpha : float
    tol : float
    to_q : bool
        The iterate is ``V`` and ``Q = r + gamma E V`` is returned (soft value iteration): the
        bound on ``Q`` is ``gamma`` times that on ``V``, plus one more rounding.
    kernel_terms : float
        Passed to :func:`backup_rounding`.
    shannon : bool
        Whether the entropy bonus is Shannon's (``prior=None``): values then grow by up to
        ``alpha log A`` per step, which enters the a-priori size of the fixed point.

    Examples
    --------
    >>> from discrete_softq import random_mdp
    >>> rule = StoppingRule(random_mdp(3, 2, seed=0), alpha=1.0, tol=1e-8)
    >>> v = rule.check(lo=0.5, hi=0.5, magnitude=lambda: 5.0)  # every state moved by the same 0.5
    >>> v.converged, round(v.shift, 6)
    (True, 4.5)
    """

    def __init__(self, mdp: TabularMDP, alpha: float, tol: float, to_q: bool = False,
                 kernel_terms: float = 0.0, shannon: bool = True) -> None:
        self.mdp, self.alpha, self.tol, self.to_q = mdp, alpha, tol, to_q
        self.kernel_terms = kernel_terms
        self.gamma = mdp.gamma
        self.exact_translation = not mdp.terminal.any()
        reward = self._reward_size = float(np.abs(mdp.rewards).max(initial=0.0))
        entropy = alpha * math.log(mdp.n_actions) if shannon else 0.0
        #: A priori bound on ``|X*|_inf``: rewards and entropy bonuses summed over the discounted future.
        self.size_of_fixed_point = (reward + entropy) / (1.0 - self.gamma) if self.gamma < 1.0 else np.inf
        self.residuals: list[float] = []
        self._sweeps = 0

    def check(self, lo: float, hi: float, magnitude: Callable[[], float]) -> Verdict:
        """Judge one sweep from the range ``[lo, hi]`` of ``T X - X``.

        ``magnitude()`` returns ``max(|X|_inf, |T X|_inf)``; it is called only when needed.
        Appends the sweep's residual ``max(-lo, hi)`` to :attr:`residuals`.
        """
        self.residuals.append(max(-lo, hi))
        self._sweeps += 1
        outer = self.gamma if self.to_q else 1.0
        if outer * self._bracket(lo, hi) > self.tol and self._sweeps % MAGNITUDE_EVERY:
            return Verdict(math.inf, self._shift(lo, hi), False, False)
        return self.judge(lo, hi, magnitude)

    def judge(self, lo: float, hi: float, magnitude: Callable[[], float]) -> Verdict:
        """The full verdict for the range ``[lo, hi]`` of ``T X - X`` (always measures the values)."""
        size = magnitude()
        if not math.isfinite(size):
            raise ValueError("the values overflowed float64 (is a warm start V0/Q0, alpha or a reward too large?)")
        delta = backup_rounding(self.mdp, self.alpha, size, self.kernel_terms, self._reward_size)
        shift = self._shift(lo, hi)
        moved = size + abs(shift)  # the size of the mid-point, whose computation rounds too
        floor = delta / (1.0 - self.gamma) + 2.0 * EPSILON * moved
        bracket = self._bracket(lo, hi)
        if self.to_q:  # |Q - Q*| <= gamma |V - V*| + rounding of Q = r + gamma E V
            bound = self.gamma * (bracket + floor) + backup_rounding(self.mdp, 0.0, moved, 0.0, self._reward_size)
        else:
            bound = bracket + floor
        converged = bound <= self.tol
        at_floor = not converged and bracket <= floor and size <= 2.0 * self.size_of_fixed_point + 1.0
        return Verdict(bound, shift, converged, at_floor)

    def _widened(self, lo: float, hi: float) -> tuple[float, float]:
        return (lo, hi) if self.exact_translation else (min(lo, 0.0), max(hi, 0.0))

    def _bracket(self, lo: float, hi: float) -> float:
        lo, hi = self._widened(lo, hi)
        width = (hi - lo) * (self.gamma / (1.0 - self.gamma)) / 2
        return width if math.isfinite(width) else math.inf

    def _shift(self, lo: float, hi: float) -> float:
        lo, hi = self._widened(lo, hi)
        shift = (lo + hi) / 2 * (self.gamma / (1.0 - self.gamma))
        return shift if math.isfinite(shift) else 0.0

    def warn(self, solver: str, verdict: Verdict, iterations: int, advice: str = "") -> None:
        """Warn once if the solve did not converge: at the rounding floor, or at ``max_iter``."""
        if verdict.converged:
            return
        if verdict.at_floor and not math.isfinite(verdict.bound):
            warnings.warn(
                f"{solver} reached a floating-point fixed point after {iterations} iterations, but no error bound "
                "could be certified (with gamma = 1, the greedy policy of alpha = 0 may never terminate, and with "
                "the Shannon bonus the soft value may be infinite); converged=False.", ConvergenceWarning, stacklevel=3)
            return
        if verdict.at_floor:
            warnings.warn(
                f"{solver}: tol={self.tol:g} is below what float64 can certify for this MDP "
                f"(about eps * |Q*| / (1 - gamma)); stopped at the rounding floor after {iterations} "
                f"iterations with |Q - Q*| <= {verdict.bound:.3g} (converged=False). "
                f"Use tol >= {verdict.bound:.2g}.", RoundingFloorWarning, stacklevel=3)
            return
        warnings.warn(
            f"{solver} stopped after {iterations} iterations (max_iter) with |Q - Q*| <= {verdict.bound:.3g}"
            f" > tol={self.tol:g}. Increase max_iter or loosen tol{advice}.", ConvergenceWarning, stacklevel=3)

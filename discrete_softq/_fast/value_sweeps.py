"""Soft value iteration's sweeps behind one object: ``step()`` applies ``V <- T V``.

:class:`ValueSweeps` owns the iterate and hides how a sweep is computed: the fused, blocked
sweep in units of ``alpha`` (:class:`~discrete_softq._fast.sweep.SoftSweep`, exp-space factored
on deterministic MDPs) on sparse MDPs, or one product ``P V`` and a blocked log-sum-exp
(:func:`~discrete_softq._fast.rows.soft_values`) otherwise. Both compute the backup of
:func:`discrete_softq.reference.soft_value_iteration` to rounding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..mdp import TabularMDP
from ..stopping import EPSILON
from .rows import soft_values
from .sweep import SAFE_SHIFT, SoftSweep

__all__ = ["ValueSweeps"]


class ValueSweeps:
    """The iterate ``V`` of soft value iteration and the sweep ``V <- T V``.

    Parameters
    ----------
    mdp : TabularMDP
    alpha : float
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
    V0 : ndarray of shape (n_states,)
        Starting values (zero at terminal states).
    tol : float
        The accuracy wanted: the fused sweep is used only if its extra rounding
        (``kernel_terms * alpha * eps``, see :mod:`discrete_softq.stopping`) stays far below it.

    Attributes
    ----------
    kernel_terms : float
        The kernel's extra rounding in units of ``alpha * eps``, for the stopping rule.
    """

    def __init__(self, mdp: TabularMDP, alpha: float, prior: NDArray | None, V0: NDArray, tol: float) -> None:
        self.mdp, self.alpha, self.prior = mdp, alpha, prior
        log_prior = 0.0 if prior is None else float(np.abs(np.log(prior[prior > 0])).max(initial=0.0))
        # In units of alpha the sweep's exponents are shifted by up to SAFE_SHIFT (600; the factored
        # form by up to 300), so exp and log err by about SAFE_SHIFT * u = 300 eps relative, i.e.
        # 300 alpha eps in V; twice that, plus the prior's log, is the kernel's extra rounding.
        terms = SAFE_SHIFT + 2 * log_prior
        cheap = alpha * EPSILON * terms / (1.0 - mdp.gamma) <= tol / 10
        self._fused = SoftSweep(mdp, alpha, prior) if SoftSweep.suits(mdp, alpha, V0) and cheap else None
        self.kernel_terms = terms if self._fused is not None else 0.0
        self._scale = self._fused.scale if self._fused is not None else 1.0
        self._U = V0 / self._scale
        self._spare = np.empty_like(self._U)

    def step(self) -> tuple[float, float]:
        """One sweep ``V <- T V``; returns ``(min, max)`` of ``T V - V``."""
        if self._fused is not None:
            TU, lo, hi = self._fused(self._U, out=self._spare)
            self._U, self._spare = TU, self._U  # the sweep recognises its own output next time
            return lo * self._scale, hi * self._scale
        mdp = self.mdp
        TV = soft_values(mdp.expected_next(self._U), self.alpha, self.prior, mdp.rewards, mdp.gamma)
        TV[mdp.terminal] = 0.0
        diff = TV - self._U
        self._U = TV
        return float(diff.min()), float(diff.max())

    def magnitude(self) -> float:
        """``|V|_inf`` of the current iterate (bounds ``|V|`` and ``|T V|`` of the last sweep with the range)."""
        U = self._U
        return self._scale * max(abs(float(U.max(initial=0.0))), abs(float(U.min(initial=0.0))))

    def values(self) -> NDArray[np.float64]:
        """A copy of the current ``V``."""
        return self._U * self._scale

    @property
    def recentrings(self) -> int:
        """How often the factored sweep recomputed its factors (0 for the other kernels)."""
        return self._fused.recentrings if self._fused is not None else 0

"""Gaussian mixtures with isotropic components: SVGD's test targets (Liu & Wang 2016, Sec. 5.1)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .. import _validate
from .checks import check_fits, check_rows

__all__ = ["GaussianMixture"]


class GaussianMixture:
    r"""Isotropic Gaussian mixture :math:`p(x) = \sum_k w_k \mathcal N(x; \mu_k, \sigma^2 I)`, a test target.

    Parameters
    ----------
    weights : array_like of shape (k,)
        A distribution: non-negative, summing to 1 (within 1e-8; renormalised exactly here).
    means : array_like of shape (k, d)
        Finite real component means.
    var : float
        :math:`\sigma^2 > 0`.

    Examples
    --------
    >>> p = GaussianMixture([1 / 3, 2 / 3], [[-2.0], [2.0]])     # Liu & Wang's 1-D demo
    >>> float(np.round(p.mean()[0], 4)), float(np.round(p.variance()[0], 4))
    (0.6667, 4.5556)
    """

    def __init__(self, weights: ArrayLike, means: ArrayLike, var: float = 1.0) -> None:
        w = _validate.distribution(weights, "weights", shape=(-1,))
        mu = _validate.array(means, "means", ndim=2)
        if mu.shape[0] != w.shape[0] or mu.shape[1] == 0:
            raise ValueError(f"means must have shape ({w.shape[0]}, d), one row per weight; got {mu.shape}")
        self.weights, self.means = w / w.sum(), mu
        self.var = _validate.real(var, "var", low=0.0, low_open=True)

    def _points(self, x: ArrayLike) -> NDArray[np.float64]:
        """``x`` checked to be finite real points of shape (..., d)."""
        return check_rows(x, self.means.shape[1], "x", what=" (the means' dimension)")

    def _component_logp(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        d = self.means.shape[1]
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            sq = np.sum((x[..., None, :] - self.means) ** 2, axis=-1)
            logw = np.log(self.weights)
            lp = logw - 0.5 * sq / self.var - 0.5 * d * (np.log(2 * np.pi) + np.log(self.var))
        if not np.all(np.isfinite(np.max(lp, axis=-1))):
            raise ValueError(f"x is too far from the means for var = {self.var:g}: every component's "
                             "log-density underflows float64")
        return lp

    def log_prob(self, x: ArrayLike) -> NDArray[np.float64]:
        r""":math:`\log p(x)`: (..., d) -> (...)."""
        return logsumexp(self._component_logp(self._points(x)), axis=-1)

    def score(self, x: ArrayLike) -> NDArray[np.float64]:
        r""":math:`\nabla \log p(x) = -\sum_k r_k(x) (x - \mu_k) / \sigma^2` (r: responsibilities): (..., d)."""
        x = self._points(x)
        lp = self._component_logp(x)
        resp = np.exp(lp - logsumexp(lp, axis=-1, keepdims=True))
        return -np.sum(resp[..., None] * (x[..., None, :] - self.means), axis=-2) / self.var

    def mean(self) -> NDArray[np.float64]:
        """Mixture mean, shape (d,)."""
        return self.weights @ self.means

    def variance(self) -> NDArray[np.float64]:
        r"""Per-coordinate variance, shape (d,): :math:`\sigma^2 + \sum_k w_k (\mu_k - \bar\mu)^2`.

        The law of total variance, summed around the mean: no cancellation of
        :math:`\sum_k w_k \mu_k^2 - \bar\mu^2` for means far from the origin.
        """
        with np.errstate(over="ignore"):
            out = self.var + self.weights @ (self.means - self.mean()) ** 2
        return check_fits(out, np.float64, "means", "the mixture's variance")

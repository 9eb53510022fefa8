r"""Importance-sampled soft values on the action box, and a soft Q with a closed-form value.

The soft value of a state is a log-integral over the action box :math:`\mathcal A = [-1, 1]^d`,

.. math::

    V = \alpha \log Z, \qquad Z = \int_{\mathcal A} e^{Q(a)/\alpha}\, da
      = \mathbb{E}_{a \sim q}\Bigl[\frac{e^{Q(a)/\alpha}}{q(a)}\Bigr]

for any proposal density :math:`q` positive on the box. With :math:`M` draws,
:math:`\hat Z = \frac1M \sum_i e^{Q(a_i)/\alpha}/q(a_i)` is unbiased for :math:`Z`, but
:math:`\log \hat Z` is biased low (Jensen: :math:`\mathbb E \log \hat Z \le \log Z`), by about
:math:`\mathrm{Var}(\hat Z / Z) / 2` when that is small. Two proposals:

* **uniform**, :math:`q = 2^{-d}` (both reference codes; :func:`~discrete_softq.continuous.sql.soft_value_estimate`):
  :math:`\log \hat Z = \log \frac1M \sum_i e^{Q_i/\alpha} + d \log 2`; its variance grows like the
  inverse of the share of the box where :math:`e^{Q/\alpha}` lives, exponentially in :math:`d`;
* **policy**, a diagonal Gaussian fitted to particles of the policy :math:`\pi \propto e^{Q/\alpha}`
  and truncated to the box (:class:`TruncatedGaussian`, density exact):
  the stand-in for "sample the next actions from the current policy".

:func:`log_mean_weight` is the estimator for any proposal. :class:`BoxMixtureQ`,
:math:`e^{Q/\alpha} = \sum_k w_k e^{-\|a - \mu_k\|^2 / (2\sigma^2)}`, has :math:`Z` in closed
form: per component a product of one-dimensional Gaussian integrals over :math:`[-1, 1]`,

.. math::

    \int_{-1}^{1} e^{-(a - \mu)^2 / (2\sigma^2)}\, da
    = \sigma\sqrt{2\pi}\,\Bigl[\Phi\bigl(\tfrac{1 - \mu}{\sigma}\bigr) - \Phi\bigl(\tfrac{-1 - \mu}{\sigma}\bigr)\Bigr]

(:math:`\Phi` the standard normal CDF; computed from ``scipy.special.log_ndtr`` so narrow or far
components do not cancel or underflow).

References
----------
Haarnoja, Tang, Abbeel, Levine (2017), Reinforcement Learning with Deep Energy-Based Policies,
Section 3.2 ("the proposal can be uniform ... or the current policy").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri

from .. import _validate

__all__ = ["log_interval_mass", "log_mean_weight", "TruncatedGaussian", "BoxMixtureQ", "LOW", "HIGH"]

#: The action box is [LOW, HIGH]^d.
LOW, HIGH = -1.0, 1.0


def log_interval_mass(low: ArrayLike, high: ArrayLike) -> NDArray[np.float64]:
    r""":math:`\log(\Phi(b) - \Phi(a))` for standardised bounds :math:`a < b`, without cancellation.

    For :math:`a > 0` it uses :math:`\Phi(b) - \Phi(a) = \Phi(-a) - \Phi(-b)` (both tails small), and
    :math:`\log \Phi(b) + \log(1 - e^{\log\Phi(a) - \log\Phi(b)})` otherwise.

    >>> float(np.exp(log_interval_mass(-1.0, 1.0)).round(6))     # the one-sigma interval
    0.682689
    """
    a, b = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    flip = a > 0
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    log_hi, log_lo = log_ndtr(hi), log_ndtr(lo)
    with np.errstate(divide="ignore"):
        return log_hi + np.log1p(-np.exp(log_lo - log_hi))


def log_mean_weight(log_f: ArrayLike, log_q: ArrayLike) -> NDArray[np.float64]:
    r"""Importance-sampled :math:`\log \hat Z = \log \frac1M \sum_i e^{\log f_i - \log q_i}` (stable log-sum-exp).

    Parameters
    ----------
    log_f : array_like of shape (..., M)
        :math:`Q(a_i)/\alpha` at the draws :math:`a_i \sim q`.
    log_q : array_like, broadcasting with ``log_f``
        :math:`\log q(a_i)`; the uniform proposal on :math:`[-1, 1]^d` is the constant :math:`-d \log 2`.

    Returns
    -------
    ndarray of shape (...)

    >>> float(log_mean_weight(np.zeros(4), -2 * np.log(2.0)))   # Q = 0 on [-1, 1]^2: log of the area 4
    1.3862943611198906
    """
    w = np.asarray(log_f, dtype=float) - np.asarray(log_q, dtype=float)
    if w.ndim == 0 or w.shape[-1] == 0:
        raise ValueError(f"log_f must have a non-empty last axis of samples; got shape {w.shape}")
    return logsumexp(w, axis=-1) - np.log(w.shape[-1])


class TruncatedGaussian:
    r"""A diagonal Gaussian :math:`\mathcal N(m, \mathrm{diag}\, s^2)` truncated to the box :math:`[-1, 1]^d`.

    .. math::

        q(a) = \prod_k \frac{\varphi((a_k - m_k)/s_k)}{s_k\,[\Phi((1 - m_k)/s_k) - \Phi((-1 - m_k)/s_k)]},
        \qquad a \in [-1, 1]^d

    Parameters
    ----------
    mean : array_like of shape (..., d)
    std : array_like of shape (..., d)
        Positive; leading axes are independent proposals (one per state).

    Examples
    --------
    >>> q = TruncatedGaussian([0.0], [10.0])      # nearly flat: close to the uniform density 1/2
    >>> float(np.exp(q.log_prob(np.array([[0.5]])))[0].round(3))
    0.5
    """

    def __init__(self, mean: ArrayLike, std: ArrayLike) -> None:
        self.mean = _validate.array(mean, "mean")
        self.std = _validate.array(std, "std", shape=self.mean.shape)
        if self.mean.ndim == 0 or np.any(self.std <= 0):
            raise ValueError(f"std must be positive and mean of shape (..., d); got std {self.std!r}")
        self._a, self._b = (LOW - self.mean) / self.std, (HIGH - self.mean) / self.std
        self._log_mass = log_interval_mass(self._a, self._b)

    @classmethod
    def fit(cls, particles: ArrayLike, min_std: float = 1e-2) -> TruncatedGaussian:
        """Mean and standard deviation of ``particles`` (..., K, d) per coordinate; std at least ``min_std``."""
        x = _validate.array(particles, "particles", copy=False)
        if x.ndim < 2 or x.shape[-2] < 1:
            raise ValueError(f"particles must have shape (..., K, d) with K >= 1; got {x.shape}")
        min_std = _validate.real(min_std, "min_std", low=0.0, low_open=True)
        return cls(x.mean(axis=-2), np.maximum(x.std(axis=-2), min_std))

    def log_prob(self, a: ArrayLike) -> NDArray[np.float64]:
        r""":math:`\log q(a)` for ``a`` of shape (..., n, d) (leading axes as the proposal's): (..., n)."""
        a = np.asarray(a, dtype=float)
        m, s = self.mean[..., None, :], self.std[..., None, :]
        z = (a - m) / s
        per = -0.5 * z**2 - 0.5 * np.log(2 * np.pi) - np.log(s) - self._log_mass[..., None, :]
        inside = np.all((a >= LOW) & (a <= HIGH), axis=-1)
        return np.where(inside, per.sum(axis=-1), -np.inf)

    def sample(self, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """``n`` draws per proposal by the inverse CDF: shape (..., n, d), inside the box."""
        n = _validate.integer(n, "n", low=1)
        shape = (*self.mean.shape[:-1], n, self.mean.shape[-1])
        flip = self._a > 0          # an upper tail: draw its mirror image, where ndtr keeps its precision
        a, b = np.where(flip, -self._b, self._a)[..., None, :], np.where(flip, -self._a, self._b)[..., None, :]
        lo, hi = ndtr(a), ndtr(b)
        with np.errstate(divide="ignore"):  # u = 0 exactly: ndtri = -inf, clipped below
            z = ndtri(lo + rng.uniform(size=shape) * (hi - lo))
        z = np.where(flip[..., None, :], -z, z)
        return np.clip(self.mean[..., None, :] + self.std[..., None, :] * z, LOW, HIGH)


class BoxMixtureQ:
    r"""A soft Q over the box with a closed-form soft value: :math:`e^{Q/\alpha} = \sum_k w_k e^{-\|a-\mu_k\|^2/(2\sigma^2)}`.

    Parameters
    ----------
    weights : array_like of shape (k,)
        Positive mixture weights (not necessarily summing to 1: :math:`Q` is unnormalised).
    means : array_like of shape (k, d)
        Component centres (inside or outside the box).
    width : float
        :math:`\sigma > 0`, the width of :math:`\pi \propto e^{Q/\alpha}` around each centre.
    alpha : float
        Temperature; only :meth:`soft_value` (in reward units) uses it.

    Examples
    --------
    >>> q = BoxMixtureQ([1.0], [[0.0]], width=100.0)     # nearly flat: Z = 2, the box's length
    >>> float(np.exp(q.log_partition()).round(4))
    2.0
    """

    def __init__(self, weights: ArrayLike, means: ArrayLike, width: float, alpha: float = 1.0) -> None:
        self.weights = _validate.array(weights, "weights", ndim=1)
        if self.weights.size == 0 or np.any(self.weights <= 0):
            raise ValueError(f"weights must be positive; got {self.weights!r}")
        self.means = _validate.array(means, "means", ndim=2)
        if self.means.shape[0] != self.weights.size or self.means.shape[1] == 0:
            raise ValueError(f"means must have shape ({self.weights.size}, d); got {self.means.shape}")
        self.width = _validate.real(width, "width", low=0.0, low_open=True)
        self.alpha = _validate.real(alpha, "alpha", low=0.0, low_open=True)

    @property
    def dim(self) -> int:
        """The action dimension :math:`d`."""
        return self.means.shape[1]

    def q_over_alpha(self, a: ArrayLike) -> NDArray[np.float64]:
        r""":math:`Q(a)/\alpha = \log \sum_k w_k e^{-\|a-\mu_k\|^2/(2\sigma^2)}`: (..., d) -> (...)."""
        a = np.asarray(a, dtype=float)
        sq = np.sum((a[..., None, :] - self.means) ** 2, axis=-1)
        return logsumexp(np.log(self.weights) - 0.5 * sq / self.width**2, axis=-1)

    def _log_component_mass(self) -> NDArray[np.float64]:
        """Per component and coordinate, log of the 1-D integral over [-1, 1]: shape (k, d)."""
        s = self.width
        return 0.5 * np.log(2 * np.pi) + np.log(s) + log_interval_mass((LOW - self.means) / s, (HIGH - self.means) / s)

    def log_partition(self) -> float:
        r""":math:`\log Z = \log \int_{[-1,1]^d} e^{Q/\alpha} da`, exactly (module docstring)."""
        return float(logsumexp(np.log(self.weights) + self._log_component_mass().sum(axis=1)))

    def soft_value(self) -> float:
        r""":math:`V = \alpha \log Z` in reward units."""
        return self.alpha * self.log_partition()

    def sample(self, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
        r"""``n`` exact draws from :math:`\pi \propto e^{Q/\alpha}` on the box: a component (by its
        mass :math:`w_k Z_k`), then a Gaussian truncated to the box per coordinate; shape (n, d)."""
        n = _validate.integer(n, "n", low=1)
        log_mass = np.log(self.weights) + self._log_component_mass().sum(axis=1)
        k = rng.choice(self.weights.size, size=n, p=np.exp(log_mass - logsumexp(log_mass)))
        comp = TruncatedGaussian(self.means[k], np.full((n, self.dim), self.width))
        return comp.sample(1, rng)[:, 0, :]

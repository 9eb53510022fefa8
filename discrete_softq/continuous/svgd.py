r"""Stein variational gradient descent (Liu & Wang 2016) with an RBF kernel.

SVGD moves a set of particles :math:`\{x_j\}_{j=1}^n` towards a target density :math:`p` that
is known only through :math:`\nabla \log p`, along

.. math::

    \phi(x) = \frac{1}{n} \sum_{j=1}^n \Bigl[ k(x_j, x)\, \nabla_{x_j} \log p(x_j)
              + \nabla_{x_j} k(x_j, x) \Bigr],

the steepest descent direction of :math:`\mathrm{KL}(q \,\|\, p)` in the unit ball of the
kernel's RKHS. The first term drives particles up the density (smoothed by the kernel), the
second repels them from each other, which is what keeps several modes populated.

Kernel: :math:`k(x, y) = \exp(-\|x - y\|^2 / h)` with the median heuristic
:math:`h = \mathrm{med}^2 / \log(n + 1)`, med the median pairwise distance (Liu & Wang 2016; the
same form as ``adaptive_isotropic_gaussian_kernel`` of the soft Q-learning reference code).

Step schemes. :class:`SVGD` takes the explicit Euler step :math:`x \leftarrow x + \epsilon_t\,\phi(x)`
with a *scalar* step (constant, or with a decay schedule), which moves every particle exactly
along :math:`\phi`; the default :data:`DEFAULT_STEP_SIZE` = 0.5 is stable for curvatures up to
4 (targets no narrower than a standard deviation of 0.5) and reproduces Liu & Wang's 1-D demo
well within 2,000 iterations. ``adaptive=True`` is the step of Liu & Wang's reference code,
AdaGrad with momentum: per coordinate,

.. math::

    G_t = \beta G_{t-1} + (1 - \beta)\,\phi_t^2 \ (G_0 = \phi_0^2), \qquad
    x \leftarrow x + \epsilon\, \frac{\phi_t}{10^{-6} + \sqrt{G_t}}, \qquad \beta = 0.9,

which moves each coordinate by about :math:`\epsilon` whatever the scale of the score (default
:data:`DEFAULT_ADAPTIVE_STEP_SIZE` = 0.05). It changes the direction of the flow (each
coordinate is rescaled differently) but, as measured by ``python -m discrete_softq.demo svgd``,
it does **not** bias which modes particles end in: on four equal 2-D modes from an off-centre
start it balances them within a few hundred iterations, while the constant step still
over-fills the modes nearest the start after 1,000 (the flow between modes is slow where
:math:`\phi` is small, and AdaGrad amplifies small :math:`\phi`). Near convergence its steps
do not shrink, so the particles keep jittering at the scale of :math:`\epsilon`.

References
----------
Liu, Wang (2016), Stein Variational Gradient Descent: A General Purpose Bayesian Inference
Algorithm.
Haarnoja, Tang, Abbeel, Levine (2017), Reinforcement Learning with Deep Energy-Based Policies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate
from .checks import check_fits
from .mixtures import GaussianMixture  # the targets of the examples; re-exported for old imports

__all__ = ["rbf_kernel", "median_bandwidth", "svgd_direction", "SVGD", "GaussianMixture", "DEFAULT_STEP_SIZE",
           "DEFAULT_ADAPTIVE_STEP_SIZE"]

_MIN_BANDWIDTH = 1e-8
#: :class:`SVGD`'s constant (Euler) step size when none is given.
DEFAULT_STEP_SIZE = 0.5
#: :class:`SVGD`'s step size with ``adaptive=True`` when none is given.
DEFAULT_ADAPTIVE_STEP_SIZE = 0.05
#: AdaGrad with momentum as in Liu & Wang's code: the decay of the running average of phi^2, and the fudge.
ADAGRAD_MOMENTUM, ADAGRAD_FUDGE = 0.9, 1e-6


def _as_particles(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """A finite real array of shape (..., n_particles, dim) with at least one particle of dimension >= 1."""
    x = _validate.array(x, name, copy=False)
    if x.ndim < 2:
        raise ValueError(f"{name} must have shape (..., n_particles, dim); got shape {x.shape}")
    if x.shape[-2] == 0 or x.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one particle of dimension >= 1; got shape {x.shape}")
    return x


def _squared_distances(x: NDArray[np.float64], y: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    """``|x_i - y_j|^2`` of shape (..., n, m); raises (naming ``name``) if it overflows float64."""
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y must have the same dimension; got {x.shape[-1]} and {y.shape[-1]}")
    with np.errstate(over="ignore", invalid="ignore"):
        sq = np.sum((x[..., :, None, :] - y[..., None, :, :]) ** 2, axis=-1)
    return check_fits(sq, np.float64, name, "the squared distances between particles")


def median_bandwidth(x: ArrayLike, y: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Median heuristic :math:`h = \mathrm{med}_{ij} \|x_i - y_j\|^2 / \log(n_x + 1)`.

    Parameters
    ----------
    x : array_like of shape (..., n, d)
    y : array_like of shape (..., m, d), optional
        Defaults to ``x``.

    Returns
    -------
    ndarray of shape (...)
        One bandwidth per leading index (at least 1e-8, so coincident particles are safe).

    >>> import numpy as np
    >>> float(median_bandwidth(np.array([[0.0], [1.0], [3.0]])).round(4))
    0.7213
    """
    x = _as_particles(x, "x")
    y = x if y is None else _as_particles(y, "y")
    return _median_heuristic(_squared_distances(x, y, "x"), x.shape[-2])


def _median_heuristic(sq: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    med = np.median(sq.reshape(*sq.shape[:-2], -1), axis=-1)
    return np.maximum(med / np.log(n + 1.0), _MIN_BANDWIDTH)


def rbf_kernel(x: ArrayLike, y: ArrayLike | None = None,
               bandwidth: float | ArrayLike | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""RBF kernel matrix :math:`K_{ij} = \exp(-\|x_i - y_j\|^2 / h)` and its gradient in :math:`x_i`.

    .. math::

        \nabla_{x_i} K_{ij} = -\frac{2}{h} (x_i - y_j)\, K_{ij}

    Parameters
    ----------
    x : array_like of shape (..., n, d)
    y : array_like of shape (..., m, d), optional
        Defaults to ``x``. Leading (batch) axes must broadcast with those of ``x``.
    bandwidth : float, array_like of shape (...), or None
        :math:`h > 0`; None uses :func:`median_bandwidth` (per leading index).

    Returns
    -------
    K : ndarray of shape (..., n, m)
    grad_x : ndarray of shape (..., n, m, d)
        ``grad_x[..., i, j, :]`` is :math:`\nabla_{x_i} K_{ij}`.

    Examples
    --------
    >>> K, dK = rbf_kernel(np.array([[0.0], [1.0]]), bandwidth=1.0)
    >>> np.round(K, 4).tolist(), np.round(dK[0, 1], 4).tolist()
    ([[1.0, 0.3679], [0.3679, 1.0]], [0.7358])
    """
    x = _as_particles(x, "x")
    y = x if y is None else _as_particles(y, "y")
    sq = _squared_distances(x, y, "x")
    diff = x[..., :, None, :] - y[..., None, :, :]
    if bandwidth is None:
        h = _median_heuristic(sq, x.shape[-2])
    else:
        h = _validate.array(bandwidth, "bandwidth")
        if np.any(h <= 0):
            raise ValueError(f"bandwidth must be positive; got {bandwidth!r}")
        try:
            fits = np.broadcast_shapes(h.shape, sq.shape[:-2]) == sq.shape[:-2]
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"bandwidth must be a number or broadcast to the leading shape {sq.shape[:-2]}; "
                             f"got shape {h.shape}")
    h = np.asarray(h)[..., None, None]
    with np.errstate(divide="ignore", over="ignore"):
        if not np.all(np.isfinite(2.0 / h)):
            raise ValueError(f"bandwidth must be large enough that 2 / bandwidth is finite; got {bandwidth!r}")
    with np.errstate(over="ignore"):  # sq / h beyond float64 means K = exp(-inf) = 0, exactly the limit
        K = np.exp(-sq / h)
    return K, (-2.0 / h)[..., None] * diff * K[..., None]


def svgd_direction(x: ArrayLike, grad_log_p: ArrayLike, y: ArrayLike | None = None,
                   bandwidth: float | ArrayLike | None = None) -> NDArray[np.float64]:
    r"""The SVGD direction at ``y`` driven by particles ``x`` (Eq. 13 of Haarnoja et al. 2017).

    .. math::

        \phi(y_i) = \frac{1}{n} \sum_{j=1}^n \bigl[ k(x_j, y_i)\, \nabla \log p(x_j)
                    + \nabla_{x_j} k(x_j, y_i) \bigr]

    Parameters
    ----------
    x : array_like of shape (..., n, d)
        The particles that carry the score (the "fixed" particles in soft Q-learning).
    grad_log_p : array_like of shape (..., n, d)
        :math:`\nabla \log p(x_j)`.
    y : array_like of shape (..., m, d), optional
        Where to evaluate the direction; defaults to ``x`` (plain SVGD).
    bandwidth : float, array_like or None
        As in :func:`rbf_kernel`.

    Returns
    -------
    ndarray of shape (..., m, d)

    >>> import numpy as np
    >>> svgd_direction(np.array([[0.0], [1.0]]), np.array([[1.0], [-1.0]])).shape
    (2, 1)
    """
    x = _as_particles(x, "x")
    g = _validate.array(grad_log_p, "grad_log_p", shape=x.shape, copy=False)
    K, dK = rbf_kernel(x, y, bandwidth)
    n = x.shape[-2]
    with np.errstate(over="ignore", invalid="ignore"):
        phi = (np.einsum("...jm,...jd->...md", K, g) + dK.sum(axis=-3)) / n
    return check_fits(phi, np.float64, "grad_log_p", "the SVGD direction")


class SVGD:
    r"""Stein variational gradient descent: explicit Euler steps, or Liu & Wang's AdaGrad steps.

    Each :meth:`step` is :math:`x \leftarrow x + \epsilon_t \phi(x)` (see the module docstring),
    with :math:`\epsilon_t = \epsilon / (1 + t / \tau)` when ``decay`` = :math:`\tau` is given,
    else the constant ``step_size``: a scalar, so every particle moves exactly along :math:`\phi`.
    With ``adaptive=True`` each coordinate's step is divided by the root of a running average of
    its squared direction (AdaGrad with momentum 0.9, fudge 1e-6, as in Liu & Wang's code).

    Parameters
    ----------
    grad_log_prob : callable
        ``(..., n, d) -> (..., n, d)``, the score :math:`\nabla \log p` of the (unnormalised) target.
    step_size : float or None
        :math:`\epsilon > 0`; None is :data:`DEFAULT_STEP_SIZE` (0.5), or
        :data:`DEFAULT_ADAPTIVE_STEP_SIZE` (0.05) with ``adaptive``. For the Euler step and a target
        with curvature up to :math:`L` (Gaussian of variance :math:`\sigma^2`: :math:`L = 1/\sigma^2`)
        stability needs about :math:`\epsilon < 2/L`. With ``adaptive`` it is the distance a
        coordinate moves per step, about.
    bandwidth : float or None
        Fixed kernel bandwidth :math:`h`, or None for the median heuristic at every step.
    decay : float or None
        :math:`\tau`, the number of steps over which the step size halves; None is constant.
    adaptive : bool
        AdaGrad with momentum instead of the scalar step (module docstring).

    Attributes
    ----------
    n_steps : int
        Steps taken so far (the schedule's clock).
    historical_grad : ndarray or None
        With ``adaptive``: the running average :math:`G_t` of :math:`\phi^2`, of the particles' shape.

    Examples
    --------
    With the defaults, Liu & Wang's 1-D demo (here 100 particles from N(-10, 1), 1,000 iterations):

    >>> p = GaussianMixture([1 / 3, 2 / 3], [[-2.0], [2.0]])       # mean 2/3, variance 41/9
    >>> x = SVGD(p.score).run(np.random.default_rng(0).normal(-10.0, 1.0, size=(100, 1)), n_iter=1000)
    >>> round(float(x.mean()), 2), round(float(x.var()), 2)
    (0.63, 4.57)
    """

    def __init__(self, grad_log_prob: Callable[[NDArray[np.float64]], ArrayLike], step_size: float | None = None,
                 bandwidth: float | None = None, decay: float | None = None, adaptive: bool = False) -> None:
        if not callable(grad_log_prob):
            raise TypeError(f"grad_log_prob must be callable (n, d) -> (n, d); got {type(grad_log_prob).__name__}")
        self.grad_log_prob = grad_log_prob
        self.adaptive = _validate.flag(adaptive, "adaptive")
        if step_size is None:
            step_size = DEFAULT_ADAPTIVE_STEP_SIZE if self.adaptive else DEFAULT_STEP_SIZE
        self.step_size = _validate.real(step_size, "step_size", low=0.0, low_open=True)
        self.bandwidth = None if bandwidth is None else _validate.real(bandwidth, "bandwidth", low=0.0, low_open=True)
        self.decay = None if decay is None else _validate.real(decay, "decay", low=0.0, low_open=True)
        self.n_steps = 0
        self.historical_grad: NDArray[np.float64] | None = None

    def direction(self, x: ArrayLike) -> NDArray[np.float64]:
        r"""The SVGD direction :math:`\phi(x_i)` for every particle, shape (..., n, d)."""
        x = _as_particles(x, "x")
        return svgd_direction(x, self._score(x), bandwidth=self.bandwidth)

    def _score(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """``grad_log_prob(x)``, checked: real, finite, of the particles' shape (else a named error)."""
        name = f"grad_log_prob (at step {self.n_steps})"
        return _validate.array(self.grad_log_prob(x), name, shape=x.shape, copy=False)

    def current_step_size(self) -> float:
        """:math:`\\epsilon_t` for the next step."""
        if self.decay is None:
            return self.step_size
        return self.step_size / (1.0 + self.n_steps / self.decay)

    def _adagrad(self, phi: NDArray[np.float64]) -> NDArray[np.float64]:
        r""":math:`\phi / (10^{-6} + \sqrt{G_t})` after updating the running average :math:`G_t` (nothing changes on error)."""
        if self.historical_grad is not None and self.historical_grad.shape != phi.shape:
            raise ValueError(f"x has shape {phi.shape} but the AdaGrad average belongs to particles of shape "
                             f"{self.historical_grad.shape}; use a new SVGD for a new particle set")
        with np.errstate(over="ignore"):
            sq = phi**2
            g = sq if self.historical_grad is None else ADAGRAD_MOMENTUM * self.historical_grad + (1 - ADAGRAD_MOMENTUM) * sq
        g = check_fits(g, np.float64, f"grad_log_prob (at step {self.n_steps})", "the AdaGrad average of phi^2")
        self.historical_grad = g
        return phi / (ADAGRAD_FUDGE + np.sqrt(g))

    def step(self, x: ArrayLike) -> NDArray[np.float64]:
        """One SVGD step; returns new particles of the shape of ``x`` (which is not modified)."""
        x = _as_particles(x, "x")
        phi = self.direction(x)
        if self.adaptive:
            previous = self.historical_grad
            phi = self._adagrad(phi)
        with np.errstate(over="ignore", invalid="ignore"):
            x_new = x + self.current_step_size() * phi
        try:
            check_fits(x_new, np.float64, f"step_size {self.current_step_size():g} (the step diverged at step "
                       f"{self.n_steps})", "the particles")
        except ValueError:
            if self.adaptive:
                self.historical_grad = previous
            raise
        self.n_steps += 1
        return x_new

    def run(self, x0: ArrayLike, n_iter: int, callback: Callable[[int, NDArray[np.float64]], None] | None = None
            ) -> NDArray[np.float64]:
        """Take ``n_iter`` steps from ``x0``; ``callback(t, x)`` sees the particles after step t.

        ``x0`` has shape (n, d), or (..., n, d) for independent particle sets (each with its own
        median bandwidth; ``grad_log_prob`` then receives the whole batch).
        """
        n_iter = _validate.integer(n_iter, "n_iter", low=0)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be None or callable (t, x); got {type(callback).__name__}")
        x = _as_particles(x0, "x0")
        for t in range(n_iter):
            x = self.step(x)
            if callback is not None:
                callback(t + 1, x)
        return x


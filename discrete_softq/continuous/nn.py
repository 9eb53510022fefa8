r"""A small multilayer perceptron with hand-written backpropagation, and the Adam optimiser.

The network is :math:`y = W_L^\top h_{L-1} + b_L`, :math:`h_k = \sigma(W_k^\top h_{k-1} + b_k)`,
:math:`h_0 = x`, with :math:`\sigma` = ReLU or tanh on the hidden layers and a linear output.
``backward`` is the chain rule written out layer by layer; it returns the gradient of a scalar
loss with respect to every parameter *and* to the input (soft Q-learning needs
:math:`\nabla_a Q(s, a)` for SVGD). The tests check both against finite differences.

References
----------
Kingma, Ba (2015), Adam: A Method for Stochastic Optimization.
Glorot, Bengio (2010), Understanding the difficulty of training deep feedforward neural networks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate
from .checks import cast_checked, check_fits, check_float_dtype, check_rows, check_widths

__all__ = ["MLP", "MLPCache", "Adam"]

_ACTIVATIONS = ("relu", "tanh")


@dataclass(frozen=True)
class MLPCache:
    """What :meth:`MLP.forward` keeps for :meth:`MLP.backward`.

    Attributes
    ----------
    inputs : list of ndarray of shape (n, n_in_k)
        The input of each layer (``inputs[0]`` is ``x`` flattened to 2-D).
    hidden : list of ndarray of shape (n, n_out_k)
        The activated output of each hidden layer.
    lead_shape : tuple of int
        The leading (batch) shape of ``x``; outputs and input gradients are reshaped to it.
    """

    inputs: list[NDArray[np.float64]]
    hidden: list[NDArray[np.float64]]
    lead_shape: tuple[int, ...]


class MLP:
    r"""Fully connected network ``sizes[0] -> ... -> sizes[-1]`` with a linear output layer.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first, e.g. ``[4, 100, 100, 1]``; at least two entries.
    activation : {"relu", "tanh"}
        Hidden-layer nonlinearity.
    seed : int, numpy.random.Generator or None
        Initialisation randomness (Glorot-uniform weights, zero biases).
    output_scale : float
        Multiplies the initial last-layer weights (small values start near a constant output).
    dtype : numpy dtype
        Floating type of parameters and computations. float64 (default) for gradient checks;
        float32 is about twice as fast for the agents' minibatches.

    Attributes
    ----------
    params : list of ndarray
        ``[W_1, b_1, ..., W_L, b_L]``; ``W_k`` has shape (sizes[k-1], sizes[k]). Optimisers
        update these arrays in place.

    Examples
    --------
    >>> net = MLP([3, 8, 2], activation="tanh", seed=0)
    >>> y, cache = net.forward(np.ones((5, 3)))
    >>> grads, dx = net.backward(cache, np.ones_like(y))
    >>> y.shape, dx.shape, [g.shape for g in grads] == [p.shape for p in net.params]
    ((5, 2), (5, 3), True)
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu",
                 seed: int | np.random.Generator | None = None, output_scale: float = 1.0,
                 dtype: type = np.float64) -> None:
        self.sizes = check_widths(sizes, "sizes", min_length=2)
        if not isinstance(activation, str) or activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}; got {activation!r}")
        rng = _validate.generator(seed)
        output_scale = _validate.real(output_scale, "output_scale", low=0.0)
        self.activation = activation
        self.dtype = check_float_dtype(dtype)
        self.params: list[NDArray[np.float64]] = []
        for k, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            limit = np.sqrt(6.0 / (n_in + n_out))
            if k == len(self.sizes) - 2:
                limit *= output_scale
            self.params += [rng.uniform(-limit, limit, size=(n_in, n_out)).astype(self.dtype),
                            np.zeros(n_out, dtype=self.dtype)]

    @property
    def n_layers(self) -> int:
        """Number of weight layers."""
        return len(self.sizes) - 1

    def forward(self, x: ArrayLike) -> tuple[NDArray[np.float64], MLPCache]:
        """Evaluate the network.

        Parameters
        ----------
        x : array_like of shape (..., sizes[0])

        Returns
        -------
        y : ndarray of shape (..., sizes[-1])
        cache : MLPCache
            Everything :meth:`backward` needs.
        """
        x = check_rows(x, self.sizes[0], "x", dtype=self.dtype, what=" (sizes[0], the input width)")
        lead = x.shape[:-1]
        h = x.reshape(-1, self.sizes[0])
        inputs, hidden = [], []
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by the output check
            for k in range(self.n_layers):
                W, b = self.params[2 * k], self.params[2 * k + 1]
                inputs.append(h)
                z = h @ W
                z += b
                if k < self.n_layers - 1:
                    h = np.maximum(z, 0.0, out=z) if self.activation == "relu" else np.tanh(z, out=z)
                    hidden.append(h)
        h = check_fits(z, self.dtype, "x", "the network's output")
        return h.reshape(*lead, self.sizes[-1]), MLPCache(inputs, hidden, lead)

    def __call__(self, x: ArrayLike) -> NDArray[np.float64]:
        """The output of :meth:`forward` without the cache."""
        return self.forward(x)[0]

    def backward(self, cache: MLPCache, dy: ArrayLike) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
        r"""Backpropagate :math:`\partial L / \partial y` through the network.

        Parameters
        ----------
        cache : MLPCache
            From the :meth:`forward` call that produced ``y``.
        dy : array_like of shape (..., sizes[-1])
            Gradient of a scalar loss with respect to ``y``.

        Returns
        -------
        grads : list of ndarray
            :math:`\partial L / \partial \theta` for each array of :attr:`params`, same shapes.
        dx : ndarray of shape (..., sizes[0])
            :math:`\partial L / \partial x`.
        """
        return self._backpropagate(cache, dy, with_params=True)

    def input_gradient(self, cache: MLPCache, dy: ArrayLike) -> NDArray[np.float64]:
        r""":math:`\partial L / \partial x` only (what :meth:`backward` returns as ``dx``), skipping
        the parameter gradients: cheaper when only :math:`\nabla_x` is needed, e.g. :math:`\nabla_a Q`."""
        return self._backpropagate(cache, dy, with_params=False)[1]

    def _backpropagate(self, cache: MLPCache, dy: ArrayLike, with_params: bool) -> tuple[list, NDArray]:
        """The chain rule, layer by layer; parameter gradients only if ``with_params``. Overflow raises."""
        if not isinstance(cache, MLPCache):
            raise TypeError(f"cache must be the MLPCache of a forward call; got {type(cache).__name__}")
        dy = _validate.array(dy, "dy", shape=(*cache.lead_shape, self.sizes[-1]), dtype=None, copy=False)
        dy = cast_checked(dy, self.dtype, "dy")
        delta = dy.reshape(-1, self.sizes[-1])
        grads: list[NDArray[np.float64]] = [np.empty(0)] * len(self.params) if with_params else []
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            for k in reversed(range(self.n_layers)):
                if with_params:
                    grads[2 * k] = cache.inputs[k].T @ delta
                    grads[2 * k + 1] = delta.sum(axis=0)
                delta = delta @ self.params[2 * k].T
                if k > 0:
                    h = cache.hidden[k - 1]
                    delta *= (h > 0) if self.activation == "relu" else 1.0 - h**2
            check_fits(np.concatenate([*(g.ravel() for g in grads), delta.ravel()]), self.dtype, "dy", "the gradients")
        return grads, delta.reshape(*cache.lead_shape, self.sizes[0])

    def copy(self) -> MLP:
        """An independent network with equal parameters (e.g. a target network)."""
        clone = MLP.__new__(MLP)
        clone.sizes, clone.activation, clone.dtype = list(self.sizes), self.activation, self.dtype
        clone.params = [p.copy() for p in self.params]
        return clone

    def load_params(self, other: MLP, tau: float = 1.0) -> None:
        r"""In place, :math:`\theta \leftarrow \tau \theta_{other} + (1 - \tau) \theta` (1 = copy)."""
        if not isinstance(other, MLP):
            raise TypeError(f"other must be an MLP; got {type(other).__name__}")
        if other.sizes != self.sizes:
            raise ValueError(f"other must have sizes {self.sizes}; got {other.sizes}")
        tau = _validate.real(tau, "tau", low=0.0, high=1.0, low_open=True)
        for p, q in zip(self.params, other.params):
            p *= 1.0 - tau
            p += tau * q


class Adam:
    r"""Adam (Kingma & Ba 2015) minimising a loss over a list of arrays, updated in place.

    .. math::

        m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad v \leftarrow \beta_2 v + (1 - \beta_2) g^2,
        \quad \theta \leftarrow \theta - \eta\, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

    Parameters
    ----------
    params : list of ndarray
        The arrays to optimise (e.g. ``MLP.params``); modified in place by :meth:`step`.
    lr : float
        Step size :math:`\eta > 0`.
    betas : tuple of float
        :math:`(\beta_1, \beta_2)`, each in [0, 1).
    eps : float
        :math:`\epsilon > 0`.

    Raises
    ------
    ValueError
        From :meth:`step`: gradients of the wrong number or shapes, NaN/inf, or so large that
        :math:`g^2` or the step could overflow the parameters' dtype (nothing is changed then).

    Examples
    --------
    >>> p = [np.array([1.0, -2.0])]
    >>> Adam(p, lr=0.1).step([np.array([3.0, -0.5])])   # the first step is lr * sign(g)
    >>> np.round(p[0], 6).tolist()
    [0.9, -1.9]
    """

    def __init__(self, params: list[NDArray[np.float64]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        if not isinstance(params, Sequence) or not all(isinstance(p, np.ndarray) and p.dtype.kind == "f"
                                                        for p in params):
            raise TypeError("params must be a list of floating NumPy arrays (updated in place)")
        self.lr = _validate.real(lr, "lr", low=0.0, low_open=True)
        if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of real numbers in [0, 1); got {betas!r}")
        self.betas = tuple(_validate.real(b, f"betas[{i}]", low=0.0, high=1.0, high_open=True)
                           for i, b in enumerate(betas))
        self.eps = _validate.real(eps, "eps", low=0.0, low_open=True)
        self._limits = [np.sqrt(np.finfo(p.dtype).max) / 2 for p in params]
        with np.errstate(over="ignore"):
            max_step = self.lr / np.sqrt(1.0 - self.betas[1])   # about the largest step of one coordinate
        if self._limits and max_step >= min(self._limits):
            raise ValueError(f"lr must be small enough that the Adam step fits the parameters' dtype; got {self.lr:g}")
        self.params = params
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[NDArray[np.float64]]) -> None:
        """One descent step along ``grads`` (same shapes as ``params``), all checked before any change."""
        if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence) or len(grads) != len(self.params):
            raise ValueError(f"grads must be a list of {len(self.params)} arrays, one per parameter; "
                             f"got {type(grads).__name__}")
        if not self._fast_check(grads):
            grads = [self._checked(i, g) for i, g in enumerate(grads)]   # the slow path names the bad one
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)

    def _fast_check(self, grads: Sequence) -> bool:
        """True if every gradient is already an array of its parameter's shape and dtype with
        ``|g| < limit`` (one pass over all of them: NaN and inf fail the comparison too)."""
        if not grads or not all(isinstance(g, np.ndarray) and g.shape == p.shape and g.dtype == p.dtype
                                for g, p in zip(grads, self.params)):
            return False
        return bool(np.abs(np.concatenate([g.ravel() for g in grads])).max(initial=0.0) < min(self._limits))

    def _checked(self, i: int, g: ArrayLike) -> NDArray:
        """``grads[i]``: real, finite, of its parameter's shape, and with ``|g| < sqrt(max)`` of the
        parameter's dtype, so that the moments stay finite (the step, at most about
        ``lr / sqrt(1 - beta_2)`` per coordinate, is bounded through ``lr`` in the constructor)."""
        p, limit = self.params[i], self._limits[i]
        g = cast_checked(_validate.array(g, f"grads[{i}]", shape=p.shape, dtype=None, copy=False), p.dtype,
                         f"grads[{i}]")
        big = float(np.abs(g).max(initial=0.0))
        if big >= limit:
            raise ValueError(f"grads[{i}] is too large for {p.dtype} (max |g| {big:g}): the moments would overflow")
        return g

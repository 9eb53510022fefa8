"""Small MDPs with known answers or known difficulties, and a finite-difference gradient check."""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import NDArray

from .. import _validate
from ..mdp import TabularMDP

__all__ = ["two_state_goal_mdp", "self_loop_chain", "numerical_gradient"]


def two_state_goal_mdp(gamma: float = 0.5) -> TabularMDP:
    r"""A two-state MDP whose soft values have a closed form.

    State 0 has two actions: ``go`` (action 0) reaches the terminal goal, state 1, with reward 1;
    ``stay`` (action 1) loops with reward 0. With ``gamma = 1/2`` the soft Bellman equation
    :math:`V = \alpha \log(e^{1/\alpha} + e^{V/(2\alpha)})` becomes a quadratic in
    :math:`y = e^{V/(2\alpha)}`: :math:`y^2 = e^{1/\alpha} + y`, so
    :math:`V(0) = 2 \alpha \log \tfrac{1 + \sqrt{1 + 4 e^{1/\alpha}}}{2}`.

    Examples
    --------
    >>> mdp = two_state_goal_mdp()
    >>> mdp.terminal.tolist(), mdp.rewards.tolist()
    ([False, True], [[1.0, 0.0], [0.0, 0.0]])
    """
    P = np.zeros((2, 2, 2))
    P[0, 0, 1] = P[0, 1, 0] = 1.0
    P[1, :, 1] = 1.0
    return TabularMDP(P, [[1.0, 0.0], [0.0, 0.0]], gamma, initial=[1.0, 0.0], terminal=[False, True])


def self_loop_chain(n_states: int, gamma: float, sparse: bool = False) -> TabularMDP:
    r"""A chain that mixes slowly: action 0 stays (reward ``(s + 1) / n``), action 1 moves to ``s + 1``.

    The last state's move action stays too. The fixed point is of size ``1 / (1 - gamma)`` and
    value iteration contracts only by ``gamma`` per sweep, so with ``gamma`` near 1 rounding, not
    the iteration, limits the accuracy: the hard case for a solver's ``error_bound``.

    Examples
    --------
    >>> mdp = self_loop_chain(3, 0.9)
    >>> mdp.rewards.round(3).tolist()
    [[0.333, 0.0], [0.667, 0.0], [1.0, 0.0]]
    >>> mdp.expected_next(np.array([0.0, 1.0, 2.0])).tolist()
    [[0.0, 1.0], [1.0, 2.0], [2.0, 2.0]]
    """
    import scipy.sparse as sp

    n = _validate.integer(n_states, "n_states", low=1)
    sparse = _validate.flag(sparse, "sparse")
    states = np.arange(n)
    successors = np.stack([states, np.minimum(states + 1, n - 1)], axis=1).ravel()
    P = sp.csr_matrix((np.ones(2 * n), successors, np.arange(2 * n + 1)), shape=(2 * n, n))
    rewards = np.stack([(states + 1.0) / n, np.zeros(n)], axis=1)
    return TabularMDP(P if sparse else P.toarray().reshape(n, 2, n), rewards, gamma)


def _scalar(value: object) -> float:
    """The real scalar ``f()`` returned (a Python or NumPy number, or a 0-d array)."""
    out = np.asarray(value)
    if out.shape != () or out.dtype.kind not in "biuf":
        raise TypeError(f"f() must return a real scalar; got {type(value).__name__} of shape {out.shape}")
    return float(out)


def numerical_gradient(f: Callable[[], float], x: NDArray[np.floating], eps: float = 1e-6) -> NDArray[np.float64]:
    r"""Central differences :math:`(f(x + \epsilon e_i) - f(x - \epsilon e_i)) / 2\epsilon` of the scalar ``f()``.

    ``x`` is perturbed in place (and restored exactly), so ``f`` may read it through a closure: the
    way the hand-written backward passes of :mod:`discrete_softq.continuous` are checked. ``x``
    must therefore be a writable floating-point array: an integer array cannot hold ``x + eps``
    and raises :class:`TypeError`.

    Parameters
    ----------
    f : callable () -> float
    x : ndarray of float, any shape
    eps : float
        Step, in ``(0, 1]``.

    Returns
    -------
    ndarray of float64 of the shape of ``x``

    Examples
    --------
    >>> x = np.array([1.0, -2.0])
    >>> numerical_gradient(lambda: float(np.sum(x ** 2)), x).round(6)
    array([ 2., -4.])
    >>> numerical_gradient(lambda: 0.0, np.array([1, 2]))
    Traceback (most recent call last):
    ...
    TypeError: x must be a floating-point array (it is perturbed in place); got dtype int64
    """
    if not callable(f):
        raise TypeError(f"f must be a callable taking no arguments; got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        kind = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"x must be a floating-point array (it is perturbed in place); got {kind}")
    if not x.flags.writeable:
        raise ValueError("x must be writable (it is perturbed in place)")
    eps = _validate.real(eps, "eps", low=0.0, high=1.0, low_open=True)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = _scalar(f())
        x[idx] = old - eps
        down = _scalar(f())
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad

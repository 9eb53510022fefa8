r"""Divergences between policies, row by row: the Renyi divergence that prices composing two policies.

The Renyi divergence of order :math:`w \in (0, 1)` between distributions :math:`p, q` on the
actions is

.. math::

    D_w(p \| q) = \frac{1}{w - 1} \log \sum_a p_a^w\, q_a^{1-w} \;\ge\; 0,

zero exactly when :math:`p = q` (Hoelder's inequality) and infinite for disjoint supports. For
:math:`w = 1/2` it is symmetric, :math:`D_{1/2} = -2 \log \sum_a \sqrt{p_a q_a}` (twice the
Bhattacharyya distance). :func:`discrete_softq.compose.composition_bound` charges
:math:`\alpha\, w_2\, D_{w_1}(\pi_1 \| \pi_2)` per state for acting on the composed Q-function.

References
----------
Renyi (1961), On measures of entropy and information.
Haarnoja, Pong, Zhou, Dalal, Abbeel, Levine (2018), Composable Deep Reinforcement Learning for
Robotic Manipulation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from . import _validate

__all__ = ["renyi_divergence"]


def renyi_divergence(p: ArrayLike, q: ArrayLike, order: float = 0.5) -> NDArray[np.float64]:
    r"""Renyi divergence :math:`D_w(p \| q) = \frac{1}{w - 1} \log \sum_a p_a^w q_a^{1-w}` per row.

    ``order = 1/2`` gives :math:`D_{1/2} = -2 \log \sum_a \sqrt{p_a q_a}` (twice the
    Bhattacharyya distance), symmetric in ``p, q``; infinite (``inf``, the exact value) for
    disjoint supports.

    Parameters
    ----------
    p, q : array_like of shape (..., n_actions)
        Distributions over the last axis (finite, non-negative, each row summing to 1); their
        leading shapes must broadcast.
    order : float
        :math:`w`, in ``(0, 1)``.

    Returns
    -------
    ndarray of shape (...)
        Non-negative; the broadcast leading shape of ``p`` and ``q``. Summed in the log domain
        (``logsumexp`` of :math:`w \log p + (1 - w) \log q`), so subnormal shared masses give the
        finite value instead of an underflow to ``inf``.

    Raises
    ------
    TypeError
        ``p`` or ``q`` not a real array, ``order`` not a real number.
    ValueError
        ``p`` or ``q`` not distributions, their shapes incompatible, ``order`` outside ``(0, 1)``.

    Examples
    --------
    >>> float(renyi_divergence([0.5, 0.5], [0.5, 0.5]))
    0.0
    >>> bool(np.isclose(renyi_divergence([1.0, 0.0], [0.5, 0.5]), np.log(2)))  # -2 log sqrt(1/2)
    True
    >>> float(renyi_divergence([1.0, 0.0], [0.0, 1.0]))
    inf
    """
    w = _validate.real(order, "order", low=0.0, high=1.0, low_open=True, high_open=True)
    p = _validate.distribution(p, "p")
    q = _validate.distribution(q, "q")
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p and q must have the same number of actions (last axis); "
                         f"got shapes {p.shape} and {q.shape}")
    try:
        np.broadcast_shapes(p.shape, q.shape)
    except ValueError:
        raise ValueError(f"p and q must have broadcastable shapes; got {p.shape} and {q.shape}") from None
    with np.errstate(divide="ignore", invalid="ignore"):   # log 0 = -inf: an action outside a support
        log_terms = w * np.log(p) + (1.0 - w) * np.log(q)
        out = logsumexp(log_terms, axis=-1) / (w - 1.0)
    return np.maximum(out, 0.0)

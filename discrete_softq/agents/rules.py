r"""The agents' rules as functions on arrays: one row for a single agent, many rows for ``run_batched``.

Every rule is written once, here; :class:`~discrete_softq.agents.SoftQLearning` and its siblings
call it on one state (one row of ``Q``), and the batched runner
(:func:`~discrete_softq.agents.run_batched`) on one row per agent. Same rule, same
floating-point operations, hence the same numbers bit for bit.

* next-state values: :func:`soft_values` (the soft value) and :func:`hard_values` (the max);
* the TD update: :func:`td_target` then :func:`td_step`, with the step size of
  :func:`visit_step_size`;

  .. math:: y = r + \gamma\, V(s') \;(V(s') = 0 \text{ if terminated}), \qquad
            Q(s,a) \leftarrow Q(s,a) + \eta\, (y - Q(s,a))

  computed as :math:`(1 - \eta) Q + \eta y` where :math:`y - Q` would overflow (that form cannot
  overflow when ``Q`` and ``y`` are finite); a target that overflows is an error, never a silent
  ``inf``;
* acting: :func:`sample_rows` (inverse CDF of a probability row from one uniform),
  :func:`boltzmann_actions`, :func:`epsilon_greedy`.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from .._fast import soft_values as fast_soft_values
from .._fast import softmax_rows
from ..soft import log_sum_exp, softmax

__all__ = ["soft_values", "hard_values", "td_target", "td_step", "visit_step_size", "sample_rows",
           "mix_uniform", "boltzmann_actions", "epsilon_greedy"]


def soft_values(Q_rows: NDArray, alpha: float, prior_rows: NDArray | None = None) -> NDArray[np.float64]:
    r"""Soft values :math:`\alpha \log \sum_a \rho_a e^{Q_a / \alpha}` of rows (n, A) -> (n,).

    :func:`discrete_softq.soft.log_sum_exp`; many rows go through its blocked, action-major
    twin in :mod:`discrete_softq._fast` (the same operations in the same order, hence the same
    numbers, several times faster on a thousand rows of a few actions).

    >>> soft_values(np.array([[0.0, 0.0]]), 1.0).round(4)
    array([0.6931])
    """
    if Q_rows.shape[0] > 1:
        return fast_soft_values(Q_rows, alpha, prior_rows)
    return log_sum_exp(Q_rows, alpha, prior_rows)


def hard_values(Q_rows: NDArray) -> NDArray[np.float64]:
    """``max_a Q`` of rows (n, A) -> (n,), or of one row (A,) -> a number.

    >>> hard_values(np.array([[0.0, 2.0]]))
    array([2.])
    """
    return Q_rows.max(axis=-1)


def td_target(r: Any, gamma: Any, v_next: Any, terminated: Any) -> Any:
    r"""The TD target :math:`r + \gamma V(s')`, with :math:`V(s') = 0` where the episode terminated.

    One transition (``terminated`` a bool; the result a Python float, so an overflow is a silent
    ``inf`` that :func:`td_step` reports) or many (arrays of one length).

    >>> td_target(1.0, 0.5, np.array([4.0, 4.0]), np.array([False, True]))
    array([3., 1.])
    """
    if isinstance(terminated, np.ndarray):
        return r + gamma * np.where(terminated, 0.0, v_next)
    return float(r) + gamma * (0.0 if terminated else float(v_next))  # np.where costs microseconds on scalars


def td_step(q: Any, eta: Any, target: Any) -> Any:
    r"""The updated value :math:`q + \eta\,(y - q)`, or :math:`(1 - \eta)\, q + \eta\, y` where that overflows.

    The usual form is kept where it is finite (it is the more accurate one); where ``y - q``
    overflows (``|q|`` and ``|y|`` near the float limit) the convex form gives the representable
    result. A target that is itself not finite raises ValueError: finite inputs never give a silent
    ``inf`` or NaN. One value (Python floats: no warning) or arrays (NumPy may warn before the error;
    :func:`~discrete_softq.agents.run_batched` silences those warnings).

    >>> td_step(0.0, 0.5, 2.0)
    1.0
    >>> td_step(-1e308, 1.0, 1e308)   # y - q overflows; the convex form does not
    1e+308
    >>> td_step(0.0, 0.5, float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: the TD target r + gamma * V(s_next) overflows (got inf); rescale the rewards
    """
    one = not isinstance(target, np.ndarray)
    if one:
        q, eta, target = float(q), float(eta), float(target)
    new = q + eta * (target - q)
    if math.isfinite(new if one else new.sum()):   # a finite sum has no inf or NaN term (one pass)
        return new
    convex = (1.0 - eta) * q + eta * target
    new = convex if one else np.where(np.isfinite(new), new, convex)
    if math.isfinite(new) if one else np.isfinite(new).all():
        return new
    bad = np.ravel(target)[~np.isfinite(np.ravel(new))][0] if not one else target
    raise ValueError(f"the TD target r + gamma * V(s_next) overflows (got {bad}); rescale the rewards")


def visit_step_size(visits: NDArray[np.int64], index: Any, lr: Callable[[Any], Any]) -> Any:
    """Count one more visit of the pair(s) at ``index`` and return the step size ``lr(n)`` at the new count.

    >>> counts = np.zeros(3, dtype=np.int64)
    >>> [float(visit_step_size(counts, 1, lambda n: 1.0 / n)) for _ in range(2)], counts.tolist()
    ([1.0, 0.5], [0, 2, 0])
    """
    n = visits[index] + 1
    visits[index] = n
    return lr(n)


def sample_rows(probs: NDArray, u: NDArray) -> NDArray[np.intp]:
    """One action per row of ``probs`` (n, A) by inverse CDF from the uniforms ``u`` (n,).

    >>> sample_rows(np.array([[0.25, 0.75], [0.25, 0.75]]), np.array([0.2, 0.3]))
    array([0, 1])
    """
    cdf = np.cumsum(probs, axis=-1)
    return (u[:, None] >= cdf[:, :-1]).sum(axis=-1)


def mix_uniform(probs: NDArray, share: Any) -> NDArray[np.float64]:
    """``(1 - share) * probs + share / A``: a share of uniformly random actions mixed into rows (n, A).

    ``share`` is a number or one per row (shape (n, 1)); ``share = 0`` returns ``probs`` exactly.

    >>> mix_uniform(np.array([[1.0, 0.0]]), 0.5)
    array([[0.75, 0.25]])
    """
    return (1.0 - share) * probs + share / probs.shape[-1]


def boltzmann_actions(Q_rows: NDArray, alpha: float, prior_rows: NDArray | None, u: NDArray) -> NDArray[np.intp]:
    """Samples of the Boltzmann policy of each row of ``Q_rows`` (n, A), one uniform of ``u`` (n,) each.

    >>> boltzmann_actions(np.array([[0.0, 50.0]]), 1.0, None, np.array([0.5]))
    array([1])
    """
    probs = softmax_rows(Q_rows, alpha, prior_rows) if Q_rows.shape[0] > 1 else softmax(Q_rows, alpha, prior_rows)
    return sample_rows(probs, u)  # the action-major twin gives the same numbers on many rows


def epsilon_greedy(Q_rows: NDArray, epsilon: float | NDArray, u: NDArray) -> NDArray[np.intp]:
    """Epsilon-greedy actions for rows ``Q_rows`` (n, A) from one uniform ``u`` (n,) each.

    ``u < epsilon`` explores with action ``floor(A u / epsilon)`` (uniform given exploration);
    otherwise ``v = (u - epsilon) / (1 - epsilon)`` picks the ``floor(v k)``-th of the ``k`` greedy
    actions, so ties are broken uniformly at random with the same single draw.

    >>> epsilon_greedy(np.array([[0.0, 1.0, 1.0]]), 0.0, np.array([0.9]))
    array([2])
    """
    n, A = Q_rows.shape
    eps = epsilon if isinstance(epsilon, np.ndarray) and epsilon.shape == (n,) else \
        np.broadcast_to(np.asarray(epsilon, dtype=float), (n,))
    explore = u < eps
    ties = Q_rows == Q_rows.max(axis=-1, keepdims=True)
    n_ties = ties.sum(axis=-1)
    if n_ties.max() == 1:                  # no ties anywhere: the greedy action is the argmax
        greedy = ties.argmax(axis=-1)
    else:
        v = np.where(explore, 0.0, (u - eps) / np.where(eps < 1.0, 1.0 - eps, 1.0))
        k = np.minimum((v * n_ties).astype(np.intp), n_ties - 1)
        greedy = (np.cumsum(ties, axis=-1) <= k[:, None]).sum(axis=-1)
    random = np.minimum((u / np.where(eps > 0, eps, 1.0) * A).astype(np.intp), A - 1)
    return np.where(explore, random, greedy)

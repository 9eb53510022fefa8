r"""Step-size and temperature schedules for the tabular agents.

A schedule is a callable ``n -> value`` that works on ints and on integer arrays alike
(the batched runner calls it on arrays). Two clocks are used:

* the **learning rate** is indexed by the visit count :math:`n(s,a) \ge 1` of the pair being
  updated (counted *including* the current update), so ``InverseCount()`` is
  :math:`\eta_n = 1/n`, the sample mean -- the Robbins-Monro conditions
  :math:`\sum_n \eta_n = \infty,\ \sum_n \eta_n^2 < \infty` hold for powers in ``(1/2, 1]``;
* the **temperature** (optional) is indexed by the agent's update count :math:`t \ge 1`.

:func:`as_schedule` turns the user-facing forms (a number, ``"1/n"``, a schedule) into one.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Callable, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Constant", "InverseCount", "ExponentialDecay", "as_schedule", "Schedule"]

Schedule = Callable[[Any], Any]
ScheduleLike = Union[float, str, Schedule]


@dataclass(frozen=True)
class Constant:
    """The same value for every ``n``."""

    value: float

    def __call__(self, n: ArrayLike) -> float | NDArray[np.float64]:
        n = np.asarray(n)
        return self.value if n.ndim == 0 else np.full(n.shape, self.value)


@dataclass(frozen=True)
class InverseCount:
    r""":math:`\eta_n = \max(\text{scale} / n^{\text{power}}, \text{floor})`.

    ``power=1, scale=1`` averages the targets seen so far (the convergent textbook choice);
    ``power`` in ``(0.5, 1)`` forgets faster; a positive ``floor`` keeps tracking a changing
    world (at the price of never converging exactly).
    """

    power: float = 1.0
    scale: float = 1.0
    floor: float = 0.0

    def __call__(self, n: ArrayLike) -> float | NDArray[np.float64]:
        n = np.asarray(n, dtype=float)
        # always through an array: the SIMD pow of NumPy may differ by an ulp from the scalar one,
        # and the batched runner (arrays) must match the single agent (scalars) bit for bit
        out = np.maximum(self.scale / np.maximum(np.atleast_1d(n), 1.0) ** self.power, self.floor)
        return float(out[0]) if n.ndim == 0 else out


@dataclass(frozen=True)
class ExponentialDecay:
    r""":math:`x_n = \text{end} + (\text{start} - \text{end})\, \text{rate}^{\,n}` (e.g. an annealed temperature)."""

    start: float
    end: float
    rate: float

    def __call__(self, n: ArrayLike) -> float | NDArray[np.float64]:
        n = np.asarray(n, dtype=float)
        out = self.end + (self.start - self.end) * self.rate ** np.atleast_1d(n)
        return float(out[0]) if n.ndim == 0 else out


def as_schedule(value: ScheduleLike, name: str, *, low: float = 0.0, high: float | None = None) -> Schedule:
    """Return a schedule for ``value``: a number (constant), ``"1/n"`` or a callable.

    Numbers are checked to lie in ``[low, high]``; ``name`` is used in the error message.
    """
    if isinstance(value, str):
        if value.replace(" ", "") in ("1/n", "inverse_count"):
            return InverseCount()
        raise ValueError(f"{name} must be a number, '1/n' or a schedule callable; got {value!r}")
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, '1/n' or a schedule callable; got bool")
    if isinstance(value, numbers.Real):
        v = float(value)
        if not np.isfinite(v) or v < low or (high is not None and v > high):
            rng = f"[{low}, {high}]" if high is not None else f">= {low}"
            raise ValueError(f"{name} must be a finite number {rng}; got {value!r}")
        return Constant(v)
    if callable(value):
        return value
    raise TypeError(f"{name} must be a number, '1/n' or a schedule callable; got {type(value).__name__}")

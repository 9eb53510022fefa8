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

from dataclasses import dataclass
from typing import Any, Callable, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate

__all__ = ["Constant", "InverseCount", "RescaledLinear", "ExponentialDecay", "CheckedSchedule", "as_schedule", "Schedule"]

Schedule = Callable[[Any], Any]
ScheduleLike = Union[float, str, Schedule]


@dataclass(frozen=True)
class Constant:
    """The same value for every ``n``."""

    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _validate.real(self.value, "value"))

    def __call__(self, n: ArrayLike) -> float | NDArray[np.float64]:
        return np.full(n.shape, self.value) if isinstance(n, np.ndarray) and n.ndim else self.value


@dataclass(frozen=True)
class InverseCount:
    r""":math:`\eta_n = \max(\text{scale} / n^{\text{power}}, \text{floor})`.

    ``power=1, scale=1`` averages the targets seen so far (the convergent textbook choice);
    ``power`` in ``(0.5, 1)`` forgets faster; a positive ``floor`` keeps tracking a changing
    world (at the price of never converging exactly). ``power > 0``, ``scale > 0``, ``floor >= 0``.

    >>> InverseCount(power=0.5)(4)
    0.5
    """

    power: float = 1.0
    scale: float = 1.0
    floor: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "power", _validate.real(self.power, "power", low=0.0, low_open=True))
        object.__setattr__(self, "scale", _validate.real(self.scale, "scale", low=0.0, low_open=True))
        object.__setattr__(self, "floor", _validate.real(self.floor, "floor", low=0.0))

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the schedule takes (at ``n -> inf`` and ``n = 1``)."""
        return self.floor, max(self.scale, self.floor)

    def __call__(self, n: ArrayLike) -> float | NDArray[np.float64]:
        n = np.asarray(n, dtype=float)
        # always through an array: the SIMD pow of NumPy may differ by an ulp from the scalar one,
        # and the batched runner (arrays) must match the single agent (scalars) bit for bit
        out = np.maximum(self.scale / np.maximum(np.atleast_1d(n), 1.0) ** self.power, self.floor)
        return float(out[0]) if n.ndim == 0 else out


@dataclass(frozen=True)
class RescaledLinear:
    r""":math:`\eta_n = 1 / (1 + (1 - \gamma)(n - 1))`: the sample mean slowed by the horizon.

    The step size of Wainwright's sharp :math:`\ell_\infty` bounds for Q-learning (2019): with a
    discount near 1 the plain mean ``1/n`` forgets its early, biased targets too slowly (its error
    can fall like :math:`n^{-(1-\gamma)}`), while this one keeps :math:`\eta_n \approx 1 / ((1-\gamma) n)`
    and the error falls like :math:`n^{-1/2}`. ``gamma`` in [0, 1).

    >>> RescaledLinear(gamma=0.5)(3)
    0.5
    """

    gamma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", _validate.real(self.gamma, "gamma", low=0.0, high=1.0, high_open=True))

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the schedule takes (at ``n -> inf`` and ``n = 1``)."""
        return 0.0, 1.0

    def __call__(self, n: ArrayLike) -> float | NDArray[np.float64]:
        n = np.asarray(n, dtype=float)
        out = 1.0 / (1.0 + (1.0 - self.gamma) * (np.maximum(np.atleast_1d(n), 1.0) - 1.0))
        return float(out[0]) if n.ndim == 0 else out


@dataclass(frozen=True)
class ExponentialDecay:
    r""":math:`x_n = \text{end} + (\text{start} - \text{end})\, \text{rate}^{\,n}` (e.g. an annealed temperature).

    ``start`` and ``end`` finite, ``rate`` in [0, 1], so every value lies between ``start`` and ``end``.

    >>> ExponentialDecay(start=1.0, end=0.0, rate=0.5)(2)
    0.25
    """

    start: float
    end: float
    rate: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _validate.real(self.start, "start"))
        object.__setattr__(self, "end", _validate.real(self.end, "end"))
        object.__setattr__(self, "rate", _validate.real(self.rate, "rate", low=0.0, high=1.0))

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the schedule takes."""
        return min(self.start, self.end), max(self.start, self.end)

    def __call__(self, n: ArrayLike) -> float | NDArray[np.float64]:
        n = np.asarray(n, dtype=float)
        out = self.end + (self.start - self.end) * self.rate ** np.atleast_1d(n)
        return float(out[0]) if n.ndim == 0 else out


def _range_text(low: float, high: float | None) -> str:
    return f"in [{low:g}, {high:g}]" if high is not None else f">= {low:g}"


@dataclass(frozen=True)
class CheckedSchedule:
    """A user's schedule callable whose every value is checked when used.

    A value that is not a finite number in ``[low, high]`` raises ValueError naming the
    schedule and the clock, e.g. ``alpha schedule returned -1 at t=3; expected a finite number >= 0``.

    >>> CheckedSchedule(lambda t: 1.0 / t, "alpha", "t", 0.0, None)(4)
    0.25
    """

    fn: Callable[[Any], Any]
    name: str
    clock: str
    low: float
    high: float | None

    def __call__(self, n: Any) -> Any:
        value = self.fn(n)
        try:
            v = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{self.name} schedule returned {value!r} at {self.clock}={n!r}; "
                            "expected a number") from None
        if np.iscomplexobj(value) or isinstance(value, (str, bytes, bool, np.bool_)) or v.shape not in ((), np.shape(n)):
            raise TypeError(f"{self.name} schedule returned {value!r} at {self.clock}={n!r}; expected a number"
                            + ("" if np.ndim(n) == 0 else f" per entry of {self.clock}"))
        bad = ~np.isfinite(v) | (v < self.low) | (v > self.high if self.high is not None else False)
        if bad.any():
            i = np.flatnonzero(np.ravel(bad))[0]
            raise ValueError(f"{self.name} schedule returned {np.ravel(v)[i]:g} at {self.clock}="
                             f"{np.ravel(np.broadcast_to(n, v.shape))[i]}; expected a finite number "
                             f"{_range_text(self.low, self.high)}")
        return value


def as_schedule(value: ScheduleLike, name: str, *, low: float = 0.0, high: float | None = None,
                clock: str = "n") -> Schedule:
    """Return a checked schedule for ``value``: a number (constant), ``"1/n"`` or a callable.

    Numbers and the schedules of this module are checked once, here, to stay in ``[low, high]``;
    any other callable is wrapped in a :class:`CheckedSchedule` that checks each value it returns
    (``clock`` names its argument in the messages). ``name`` is used in the error messages.

    >>> as_schedule(0.5, "lr", high=1.0)
    Constant(value=0.5)
    >>> as_schedule(InverseCount(scale=2.0), "lr", high=1.0)
    Traceback (most recent call last):
    ...
    ValueError: lr schedule takes values up to 2; expected a finite number in [0, 1]
    """
    if isinstance(value, str):
        if value.replace(" ", "") in ("1/n", "inverse_count"):
            return InverseCount()
        raise ValueError(f"{name} must be a number, '1/n' or a schedule callable; got {value!r}")
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, '1/n' or a schedule callable; got bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return Constant(_validate.real(value, name, low=low, high=high))
    if isinstance(value, Constant):
        _validate.real(value.value, name, low=low, high=high)
        return value
    if isinstance(value, (InverseCount, RescaledLinear, ExponentialDecay)):
        lo, hi = value.bounds()
        if lo < low or (high is not None and hi > high):
            raise ValueError(f"{name} schedule takes values {f'down to {lo:g}' if lo < low else f'up to {hi:g}'}; "
                             f"expected a finite number {_range_text(low, high)}")
        return value
    if isinstance(value, CheckedSchedule):
        return CheckedSchedule(value.fn, name, clock, low, high)
    if callable(value):
        return CheckedSchedule(value, name, clock, low, high)
    raise TypeError(f"{name} must be a number, '1/n' or a schedule callable; got {type(value).__name__}")

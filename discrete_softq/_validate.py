"""The argument checks every public function shares; each error names its parameter.

One checker per kind of argument, used everywhere (no hand-written copies elsewhere):

* :func:`real` -- a real number (not bool, not complex, not a string), finite unless told, in a range;
* :func:`integer` -- an integer (``1.7``, ``"1"``, ``True``, NaN are refused), in a range;
* :func:`index` -- a state or action index in ``[0, n)``;
* :func:`flag` -- a bool (or NumPy bool);
* :func:`array` -- a real array (complex, strings and objects refused; a copy by default),
  finite unless told, of a given shape or number of dimensions;
* :func:`distribution` -- non-negative rows summing to 1;
* :func:`generator` -- a seed or :class:`numpy.random.Generator` (SPEC 7);
* :func:`frozen` -- a read-only copy (results cannot be changed behind a solver's back).

Errors are :class:`TypeError` for a wrong kind of value and :class:`ValueError` for a value out of
range, with messages of the form ``"<name> must be <what>; got <value>"``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["real", "integer", "index", "flag", "array", "distribution", "generator", "frozen",
           "ROW_SUM_ATOL"]

#: Rows of a probability table may miss 1 by this much (accumulated rounding of user input).
ROW_SUM_ATOL = 1e-8


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _range_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f" {'<' if high_open else '<='} {high:g}"
    return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
         low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """``value`` as a float, checked to be a real number in the given range.

    >>> real(0.5, "gamma", low=0, high=1, high_open=True)
    0.5
    >>> real("0.5", "gamma")
    Traceback (most recent call last):
    ...
    TypeError: gamma must be a real number; got '0.5' (str)
    """
    what = f"a {'finite ' if finite else ''}real number{_range_text(low, high, low_open, high_open)}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {_show(value)} ({type(value).__name__})")
    x = float(value)
    if math.isnan(x) or (finite and math.isinf(x)):
        raise ValueError(f"{name} must be {what}; got {x}")
    if low is not None and (x < low or (low_open and x == low)):
        raise ValueError(f"{name} must be {what}; got {_show(value)}")
    if high is not None and (x > high or (high_open and x == high)):
        raise ValueError(f"{name} must be {what}; got {_show(value)}")
    return x


def integer(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int, checked to be an integer (not a float, bool or string) in ``[low, high]``.

    >>> integer(3, "n_states", low=1)
    3
    >>> integer(1.7, "state")
    Traceback (most recent call last):
    ...
    TypeError: state must be an int; got 1.7 (float)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {_show(value)} ({type(value).__name__})")
    n = int(value)
    if (low is not None and n < low) or (high is not None and n > high):
        raise ValueError(f"{name} must be an int{_range_text(low, high, False, False)}; got {n}")
    return n


def index(value: Any, name: str, n: int) -> int:
    """A state or action index: an int in ``[0, n)``.

    >>> index(2, "action", 4)
    2
    >>> index(4, "action", 4)
    Traceback (most recent call last):
    ...
    ValueError: action must be an int in [0, 4); got 4
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int in [0, {n}); got {_show(value)} ({type(value).__name__})")
    i = int(value)
    if not 0 <= i < n:
        raise ValueError(f"{name} must be an int in [0, {n}); got {i}")
    return i


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool, refusing anything but ``True``/``False`` (and NumPy bools)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {_show(value)} ({type(value).__name__})")
    return bool(value)


def array(value: Any, name: str, *, shape: tuple[int, ...] | None = None, ndim: int | None = None,
          finite: bool = True, dtype: Any = float, copy: bool = True) -> NDArray:
    """``value`` as a real NumPy array (a copy unless ``copy=False``), checked.

    Complex, string, object and ragged input raise :class:`TypeError`; a shape or ``ndim``
    mismatch, NaN or (if ``finite``) inf raise :class:`ValueError`. ``shape`` entries of ``-1``
    match any length.

    >>> array([[1, 2]], "Q", shape=(1, 2))
    array([[1., 2.]])
    >>> array([1 + 2j], "Q")
    Traceback (most recent call last):
    ...
    TypeError: Q must be a real numeric array; got dtype complex128
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real numeric array; got a string {_show(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged nested sequences
        raise TypeError(f"{name} must be a real numeric array: {err}") from None
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array; got dtype {raw.dtype}")
    with np.errstate(over="ignore", invalid="ignore"):  # a float cast beyond the target's range: checked below
        out = np.array(raw, dtype=dtype, copy=True) if copy else np.asarray(raw, dtype=dtype)
    if ndim is not None and out.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {out.shape}")
    if shape is not None and (out.ndim != len(shape)
                              or any(want not in (-1, got) for want, got in zip(shape, out.shape))):
        want_text = "(" + ", ".join("n" if w == -1 else str(w) for w in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want_text}; got {out.shape}")
    if out.dtype.kind == "f" and not np.isfinite(out).all():  # one pass; which kind only on the error path
        if np.isnan(out).any():
            raise ValueError(f"{name} must not contain NaN")
        if raw.dtype.kind == "f" and np.isfinite(raw).all():
            raise ValueError(f"{name} must be representable in {out.dtype} (|x| <= {np.finfo(out.dtype).max:.3g})")
        if finite:
            raise ValueError(f"{name} must be finite (found inf)")
    return out


def distribution(value: Any, name: str, *, shape: tuple[int, ...] | None = None,
                 atol: float = ROW_SUM_ATOL) -> NDArray[np.float64]:
    """A probability table: a finite, non-negative real array whose last axis sums to 1.

    >>> distribution([0.25, 0.75], "prior")
    array([0.25, 0.75])
    >>> distribution([0.7, 0.7], "policy")
    Traceback (most recent call last):
    ...
    ValueError: policy must sum to 1 over its last axis (found a sum of 1.4)
    """
    p = array(value, name, shape=shape)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"{name} must have a non-empty last axis of probabilities; got shape {p.shape}")
    if (p < 0).any():
        raise ValueError(f"{name} must hold non-negative probabilities (found {p.min():g})")
    sums = p.sum(axis=-1)
    bad = np.abs(sums - 1.0) > atol
    if bad.any():
        raise ValueError(f"{name} must sum to 1 over its last axis (found a sum of {np.ravel(sums)[np.ravel(bad)][0]:.6g})")
    return p


def generator(seed: Any, name: str = "seed") -> np.random.Generator:
    """``numpy.random.default_rng(seed)`` for an int >= 0, None, a SeedSequence or a Generator.

    >>> isinstance(generator(0), np.random.Generator)
    True
    >>> generator("x")
    Traceback (most recent call last):
    ...
    TypeError: seed must be None, an int >= 0, a numpy SeedSequence or Generator; got 'x' (str)
    """
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None, an int >= 0, a numpy SeedSequence or Generator; "
                        f"got {_show(seed)} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be an int >= 0; got {seed}")
    return np.random.default_rng(int(seed))


def frozen(value: Any) -> NDArray:
    """A read-only copy of ``value`` (the caller's array is left untouched and writable)."""
    out = np.array(value, copy=True)
    out.setflags(write=False)
    return out

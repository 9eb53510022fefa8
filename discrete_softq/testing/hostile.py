"""Hostile arguments for fuzzing a public API, and the check that a call handles them cleanly.

Every strategy here draws an :class:`Arg`: a value together with a verdict -- ``"valid"`` (the
call must succeed), ``"invalid"`` (the call must raise :class:`TypeError` or :class:`ValueError`)
or ``"either"`` (an extreme but legal value: a finite, correct result or a named error are both
fine). :func:`check_call` then states the claim of issue 12 for one call: it either returns a
finite result or raises ``TypeError``/``ValueError`` -- never another exception, never NaN or inf
from finite input, never a silent coercion (a complex number accepted as its real part, a float
accepted where an int belongs) -- and it modifies none of its arguments.

Examples
--------
>>> from hypothesis import given, settings
>>> from discrete_softq import soft_value
>>> @settings(max_examples=20, derandomize=True, database=None)
... @given(alpha=reals(low=0.0))
... def fuzz_alpha(alpha):
...     check_call(soft_value, Arg([0.0, 1.0]), alpha)
>>> fuzz_alpha()
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import numbers
import random
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st

__all__ = ["Arg", "reals", "discounts", "ints", "real_arrays", "distributions", "not_a", "check_call", "assert_finite"]


@dataclass(frozen=True)
class Arg:
    """A drawn argument: ``value`` and whether a call must accept it (``verdict``)."""

    value: Any
    verdict: str = "valid"
    label: str = ""

    def __repr__(self) -> str:
        return f"Arg({self.label or repr(self.value)}, {self.verdict})"


def _arg(verdict: str, label: str = "") -> Callable[[Any], Arg]:
    return lambda value: Arg(value, verdict, label or repr(value)[:40])


#: Values that are not numbers at all: refused wherever a number or an array is expected.
_NOT_NUMBERS = [("str", "0.5"), ("complex", 1 + 1j), ("None", None), ("object", object()),
                ("bytes", b"1"), ("dict", {"a": 1})]


def not_a(kind: str = "number", allow_none: bool = False) -> st.SearchStrategy[Arg]:
    """Values of the wrong kind entirely (strings, complex, None, objects); ``None`` is valid if ``allow_none``.

    >>> from hypothesis import find
    >>> find(not_a("alpha"), lambda arg: True)
    Arg(alpha: str, invalid)
    """
    choices = [(label, v) for label, v in _NOT_NUMBERS if not (allow_none and v is None)]
    return st.sampled_from(choices).map(lambda lv: Arg(lv[1], "invalid", f"{kind}: {lv[0]}"))


def reals(low: float | None = None, high: float | None = None, *, low_open: bool = False,
          high_open: bool = False, allow_none: bool = False) -> st.SearchStrategy[Arg]:
    """A real parameter in ``[low, high]``: valid floats and ints, extreme ones, and hostile values.

    Invalid: NaN, +-inf, values outside the range, bools, strings, complex, None (unless
    ``allow_none``), a one-element list or array. Either: magnitudes near ``1e+-300`` inside the range.

    >>> from hypothesis import find
    >>> find(reals(0.0, 1.0, high_open=True), lambda arg: arg.verdict == "invalid")
    Arg(nan, invalid)
    """
    lo, hi = (-1e6 if low is None else low), (1e6 if high is None else high)
    inside = st.floats(lo, hi, exclude_min=low_open, exclude_max=high_open, allow_nan=False)
    tiny = lambda x: "either" if 0 < abs(x) < 1e-100 else "valid"  # noqa: E731 -- 1e-310 may be refused by name
    valid = st.one_of(inside.map(lambda x: Arg(x, tiny(x), repr(x))),
                      inside.map(lambda x: Arg(np.float64(x), tiny(x), f"np.float64({x})")))
    bad = [float("nan"), float("inf"), -float("inf"), True, [0.5], np.array([0.5]), np.float64("nan")]
    if low is not None:
        bad += [low - 1.0] + ([low] if low_open else [])
    if high is not None:
        bad += [high + 1.0] + ([high] if high_open else [])
    def inside_range(x: float) -> bool:
        return ((low is None or x > low or (x == low and not low_open))
                and (high is None or x < high or (x == high and not high_open)))
    extreme = [x for x in (1e-300, 1e300, -1e300, 1.7e308, 5e-324) if inside_range(x)]
    parts = [valid, st.sampled_from(bad).map(_arg("invalid")), not_a("real", allow_none)]
    if allow_none:
        parts.append(st.just(Arg(None, "valid", "None")))
    if extreme:
        parts.append(st.sampled_from(extreme).map(_arg("either")))
    return st.one_of(*parts)


def discounts(allow_none: bool = False) -> st.SearchStrategy[Arg]:
    """A discount: :func:`reals` in ``[0, 1)``, except that exactly 1 is ``either`` (allowed for episodic models).

    >>> from hypothesis import find
    >>> find(discounts(), lambda arg: arg.verdict == "either" and arg.value == 1.0)
    Arg(gamma = 1, either)
    """
    def one_is_either(arg: Arg) -> Arg:
        return Arg(1.0, "either", "gamma = 1") if type(arg.value) is float and arg.value == 1.0 else arg
    return reals(0.0, 1.0, high_open=True, allow_none=allow_none).map(one_is_either)


def ints(low: int | None = None, high: int | None = None, *, allow_none: bool = False) -> st.SearchStrategy[Arg]:
    """An integer parameter in ``[low, high]``: valid ints (Python and NumPy), and floats, bools, strings, NaN.

    >>> from hypothesis import find
    >>> find(ints(1, 5), lambda arg: arg.verdict == "invalid")
    Arg(1.7, invalid)
    """
    lo, hi = (-50 if low is None else low), (50 if high is None else high)
    inside = st.integers(lo, hi)
    valid = st.one_of(inside.map(_arg("valid")), inside.map(lambda n: Arg(np.int64(n), "valid", f"np.int64({n})")))
    bad = [1.7, 2.0, float("nan"), True, "1", [1]] + ([low - 1, -(10 ** 20)] if low is not None else []) + (
        [high + 1, 10 ** 20] if high is not None else [])
    parts = [valid, st.sampled_from(bad).map(_arg("invalid")), not_a("int", allow_none)]
    if allow_none:
        parts.append(st.just(Arg(None, "valid", "None")))
    return st.one_of(*parts)


def _damaged(base: st.SearchStrategy[np.ndarray], shape_matters: bool = True,
             allow_none: bool = False) -> st.SearchStrategy[Arg]:
    """Invalid versions of an array: complex, strings, objects, NaN, inf, ragged, None; and (if
    ``shape_matters``) a wrong length of the last axis, alone or with an extra leading axis."""
    def with_value(x: np.ndarray, value: Any) -> np.ndarray:
        y = x.astype(type(value) if isinstance(value, complex) else x.dtype).copy()
        y.flat[0] = value
        return y

    def longer(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x, x[..., :1]], axis=-1)

    nonempty = base.filter(lambda x: x.size > 0)
    parts = [nonempty.map(lambda x: Arg(with_value(x, complex(1, 1)), "invalid", "complex array")),
             nonempty.map(lambda x: Arg(with_value(x, np.nan), "invalid", "NaN entry")),
             nonempty.map(lambda x: Arg(with_value(x, np.inf), "invalid", "inf entry")),
             base.map(lambda x: Arg(x.astype(str), "invalid", "string array")),
             base.map(lambda x: Arg([x.tolist(), None], "invalid", "None inside")),
             st.just(Arg([[0.0], [0.0, 1.0]], "invalid", "ragged list")),
             not_a("array", allow_none)]
    if shape_matters:
        parts += [nonempty.map(lambda x: Arg(longer(x), "invalid", "last axis too long")),
                  nonempty.map(lambda x: Arg(longer(x)[None], "invalid", "extra axis, last axis too long"))]
    return st.one_of(*parts)


def real_arrays(shape: tuple[int, ...], scale: float = 10.0, allow_none: bool = False,
                shape_matters: bool = True) -> st.SearchStrategy[Arg]:
    """Real arrays of ``shape``: valid ones (ndarray or nested list), huge ones (``either``), damaged ones.

    ``shape_matters=False`` for parameters of any shape ``(..., n)`` (such as ``soft_value``'s ``Q``).

    >>> from hypothesis import find
    >>> find(real_arrays((2, 3)), lambda arg: arg.verdict == "either")
    Arg(magnitude 1e300, either)
    """
    from hypothesis.extra.numpy import arrays

    base = arrays(np.float64, shape, elements=st.floats(-scale, scale))
    parts = [base.map(_arg("valid", "array")), base.map(lambda x: Arg(x.tolist(), "valid", "nested list")),
             base.map(lambda x: Arg(x * 1e300 / scale, "either", "magnitude 1e300")),
             _damaged(base, shape_matters, allow_none)]
    if allow_none:
        parts.append(st.just(Arg(None, "valid", "None")))
    return st.one_of(*parts)


def distributions(shape: tuple[int, ...], allow_none: bool = False,
                  shape_matters: bool = True) -> st.SearchStrategy[Arg]:
    """Probability tables of ``shape`` (last axis sums to 1), and non-distributions: [0.7, 0.7], negative entries.

    >>> from hypothesis import find
    >>> find(distributions((2,)), lambda arg: arg.verdict == "invalid" and "sum" in arg.label)
    Arg(rows sum to 1.4, invalid)
    """
    from hypothesis.extra.numpy import arrays

    weights = arrays(np.float64, shape, elements=st.floats(0.0, 1.0)).map(lambda w: w + 1e-3)
    base = weights.map(lambda w: w / w.sum(axis=-1, keepdims=True))
    parts = [base.map(_arg("valid", "distribution")),
             base.map(lambda p: Arg(p * 1.4, "invalid", "rows sum to 1.4")),
             base.map(lambda p: Arg(p - 2 * p.max(axis=-1, keepdims=True) * np.eye(shape[-1])[0], "invalid",
                                    "a negative entry")),
             _damaged(base, shape_matters, allow_none)]
    if allow_none:
        parts.append(st.just(Arg(None, "valid", "None")))
    return st.one_of(*parts)


# ---------------------------------------------------------------------- the check
def assert_finite(result: Any, where: str = "result") -> None:
    """Every float in ``result`` (arrays, numbers, tuples, dataclasses such as SoftSolution) is finite, none complex.

    Examples
    --------
    >>> assert_finite((1.0, np.zeros(2)))
    >>> assert_finite([np.array([0.0, np.inf])])
    Traceback (most recent call last):
    ...
    AssertionError: result[0] contains NaN or inf
    """
    if isinstance(result, np.ndarray):
        if result.dtype.kind == "c":
            raise AssertionError(f"{where} is complex")
        if result.dtype.kind == "f" and not np.all(np.isfinite(result)):
            raise AssertionError(f"{where} contains NaN or inf")
    elif isinstance(result, complex):
        raise AssertionError(f"{where} is complex")
    elif isinstance(result, numbers.Real) and not isinstance(result, numbers.Integral):
        if not np.isfinite(result):
            raise AssertionError(f"{where} = {result} is not finite")
    elif isinstance(result, (tuple, list)):
        for i, item in enumerate(result):
            assert_finite(item, f"{where}[{i}]")
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for f in dataclasses.fields(result):
            if f.name not in ("error_bound", "residuals"):  # a bound may honestly be inf
                assert_finite(getattr(result, f.name), f"{where}.{f.name}")


def _snapshot(value: Any) -> Any:
    if sp.issparse(value):
        return value.copy(), value.data.copy(), value.indices.copy() if hasattr(value, "indices") else None
    if isinstance(value, np.ndarray):
        return value.copy()
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 -- uncopyable (a generator, a function): not compared
        return None


def _equal(a: Any, b: Any) -> bool:
    """Structural equality of a snapshot and the value now (arrays, numbers, nested lists, dicts)."""
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
            a, b, equal_nan=b.dtype.kind in "fc")
    if isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in b)
    if isinstance(b, numbers.Number):
        return a == b or (a != a and b != b)  # NaN stays NaN
    return True  # other objects (functions, generators, MDPs): compared by their own tests


def _same(before: Any, value: Any) -> bool:
    if sp.issparse(value):
        matrix, data, indices = before
        return (value.shape == matrix.shape and np.array_equal(value.data, data, equal_nan=True)
                and (indices is None or np.array_equal(value.indices, indices)))
    return _equal(before, value)


def _invalid_names(fn: Callable[..., Any], args: tuple, kwargs: dict) -> list[str]:
    """The parameter names (as ``fn`` spells them) of the arguments whose verdict is ``invalid``."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return []
    return [name for name, a in bound.arguments.items() if isinstance(a, Arg) and a.verdict == "invalid"]


def check_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with the values of the :class:`Arg` arguments (plain values count as valid) and check the claim.

    Returns the result, or ``None`` when the call (rightly) raised. Raises :class:`AssertionError`
    when a valid call fails, an invalid one is accepted, another exception type escapes, the
    error for a single invalid argument does not name that parameter, the result is not finite
    or complex, a NumPy ``ComplexWarning`` or ``RuntimeWarning`` shows a silent coercion or
    overflow, an argument was modified, or the global random state (NumPy's or Python's) moved:
    randomness comes from a seed or a Generator only.

    Examples
    --------
    >>> from discrete_softq import soft_value
    >>> check_call(soft_value, Arg([0.0, 0.0]), Arg(0.0))
    0.0
    >>> check_call(soft_value, Arg([0.0, 0.0]), Arg("1", "invalid"))  # refused with a TypeError naming alpha
    >>> check_call(soft_value, Arg([0.0, 0.0]), Arg("1"))
    Traceback (most recent call last):
    ...
    AssertionError: soft_value(Arg([0.0, 0.0], valid), Arg('1', valid)) refused valid input: TypeError: alpha ...
    """
    wrapped = list(args) + list(kwargs.values())
    verdicts = {a.verdict for a in wrapped if isinstance(a, Arg)} or {"valid"}
    verdict = "invalid" if "invalid" in verdicts else "either" if "either" in verdicts else "valid"
    plain = [a.value if isinstance(a, Arg) else a for a in args]
    named = {k: (a.value if isinstance(a, Arg) else a) for k, a in kwargs.items()}
    before = [_snapshot(v) for v in plain + list(named.values())]
    global_rng = (np.random.get_state()[1].copy(), random.getstate())
    shown = ", ".join([repr(a) for a in args] + [f"{k}={a!r}" for k, a in kwargs.items()])
    name = getattr(fn, "__qualname__", repr(fn))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a solver's convergence advice is not a failure
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            warnings.simplefilter("error", RuntimeWarning)
            result = fn(*plain, **named)
    except (TypeError, ValueError) as err:
        if verdict == "valid":
            raise AssertionError(f"{name}({shown}) refused valid input: {type(err).__name__}: {err}") from err
        culprits = _invalid_names(fn, args, kwargs)
        if len(culprits) == 1 and culprits[0] not in str(err):
            raise AssertionError(f"{name}({shown}): the error does not name {culprits[0]!r}: "
                                 f"{type(err).__name__}: {err}") from err
        result = None
    except Exception as err:  # noqa: BLE001 -- the claim is about exactly this
        raise AssertionError(f"{name}({shown}) raised {type(err).__name__} (only TypeError/ValueError "
                             f"are allowed): {err}") from err
    else:
        if verdict == "invalid":
            raise AssertionError(f"{name}({shown}) accepted invalid input and returned {result!r:.200}")
        assert_finite(result, f"{name}({shown})")
    if not (np.array_equal(np.random.get_state()[1], global_rng[0]) and random.getstate() == global_rng[1]):
        raise AssertionError(f"{name}({shown}) used the global random state")
    for value, old in zip(plain + list(named.values()), before):
        if old is not None and not _same(old, value):
            raise AssertionError(f"{name}({shown}) modified its argument {value!r:.100}")
    return result

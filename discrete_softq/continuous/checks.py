"""The argument checks the continuous modules share, on top of :mod:`discrete_softq._validate`.

* :func:`check_rows` -- finite real points of shape ``(..., dim)`` (observations, actions, inputs);
* :func:`cast_checked` -- a cast to a network's dtype that refuses values beyond its range;
* :func:`check_widths` -- layer widths (an MLP's ``sizes``, an agent's ``hidden``);
* :func:`check_float_dtype` -- a NumPy floating dtype;
* :func:`check_replay_sizes` -- ``batch_size <= min_replay <= replay_capacity``;
* :func:`paired_input` -- ``[s, a]`` rows for a critic, each part checked;
* :func:`check_fits` -- a result that finite input could overflow (a TD error, a Q-value), checked.

Each error names the parameter as the caller spelled it: an agent checks its own ``hidden``,
``q_lr`` or ``replay_capacity`` before it builds a network, an optimiser or a buffer, so a bad
value is never reported under the inner object's name (``sizes``, ``lr``, ``capacity``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _validate

__all__ = ["check_rows", "cast_checked", "check_widths", "check_float_dtype", "check_replay_sizes", "paired_input",
           "check_fits"]


def check_rows(x: Any, dim: int, name: str, dtype: Any = float, what: str = "") -> NDArray:
    """``x`` as a finite real array of shape ``(..., dim)`` (no copy when it already is one).

    >>> check_rows([[0.0, 1.0]], 2, "obs")
    array([[0., 1.]])
    >>> check_rows([0.0, 1.0, 2.0], 2, "obs")
    Traceback (most recent call last):
    ...
    ValueError: obs must have shape (..., 2); got (3,)
    """
    out = _validate.array(x, name, dtype=None, copy=False)
    if out.ndim == 0 or out.shape[-1] != dim:
        raise ValueError(f"{name} must have shape (..., {dim}){what}; got {out.shape}")
    return cast_checked(out, dtype, name)


def cast_checked(x: NDArray, dtype: Any, name: str) -> NDArray:
    """``x`` as ``dtype`` (no copy if it already is), refusing values beyond ``dtype``'s range.

    Casting 1e154 to float32 would silently give inf; this raises a ValueError naming ``name``.

    >>> cast_checked(np.array([1e39]), np.float32, "x")
    Traceback (most recent call last):
    ...
    ValueError: x has entries beyond the float32 range (max |x| 1e+39)
    """
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    with np.errstate(over="ignore"):
        out = x.astype(dtype)
    if out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} has entries beyond the {dtype} range (max |{name}| {np.abs(x).max():g})")
    return out


def check_widths(widths: Any, name: str, min_length: int = 0) -> list[int]:
    """``widths`` as a list of positive ints (layer widths), each error naming ``name``.

    >>> check_widths((100, 100), "hidden")
    [100, 100]
    >>> check_widths((0,), "hidden")
    Traceback (most recent call last):
    ...
    ValueError: hidden[0] must be an int >= 1; got 0
    """
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of positive ints; got {type(widths).__name__}")
    out = [_validate.integer(n, f"{name}[{i}]", low=1) for i, n in enumerate(widths)]
    if len(out) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} widths; got {list(widths)!r}")
    return out


def check_float_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """``numpy.dtype(dtype)``, checked to be a floating type (float32 or float64).

    >>> check_float_dtype("float32")
    dtype('float32')
    """
    try:
        out = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a NumPy floating dtype; got {dtype!r}") from None
    if out.kind != "f":
        raise TypeError(f"{name} must be a NumPy floating dtype; got {dtype!r}")
    return out


def check_replay_sizes(batch_size: int, min_replay: Any, replay_capacity: Any) -> tuple[int, int]:
    """An agent's ``min_replay`` and ``replay_capacity``, checked: ``batch_size <= min_replay <= replay_capacity``.

    A smaller ``min_replay`` would sample more transitions than stored; a smaller capacity would
    never reach ``min_replay`` (the agent would silently never learn).

    >>> check_replay_sizes(64, 200, 10_000)
    (200, 10000)
    >>> check_replay_sizes(64, 200, 100)
    Traceback (most recent call last):
    ...
    ValueError: replay_capacity must be >= min_replay (200), else learning never starts; got 100
    """
    min_replay = _validate.integer(min_replay, "min_replay", low=1)
    replay_capacity = _validate.integer(replay_capacity, "replay_capacity", low=1)
    if min_replay < batch_size:
        raise ValueError(f"min_replay must be >= batch_size ({batch_size}): a minibatch needs that many "
                         f"stored transitions; got {min_replay}")
    if replay_capacity < min_replay:
        raise ValueError(f"replay_capacity must be >= min_replay ({min_replay}), else learning never starts; "
                         f"got {replay_capacity}")
    return min_replay, replay_capacity


def paired_input(obs: Any, actions: Any, obs_dim: int, act_dim: int, dtype: Any = float) -> NDArray:
    """``[obs, actions]`` concatenated on the last axis, shape (..., obs_dim + act_dim), both parts checked
    (and cast to the critic's ``dtype``, refusing values beyond its range).

    >>> paired_input([0.0, 1.0], [0.5], 2, 1)
    array([0. , 1. , 0.5])
    """
    obs = check_rows(obs, obs_dim, "obs", dtype=dtype, what=" (obs_dim)")
    actions = check_rows(actions, act_dim, "actions", dtype=dtype, what=" (act_dim)")
    if obs.shape[:-1] != actions.shape[:-1]:
        raise ValueError(f"obs and actions must have the same leading shape; got {obs.shape} and {actions.shape}")
    return np.concatenate([obs, actions], axis=-1)


def check_fits(x: NDArray, dtype: Any, cause: str, what: str) -> NDArray:
    """``x`` itself if it is finite and at most half the largest ``dtype`` number, else a ValueError naming ``cause``.

    The guard of every result that finite input could overflow: a TD error beyond the range of
    the network's floats (``cause`` the size of the rewards), a Q-value in reward units (``cause``
    the temperature). The factor 2 leaves room for the next addition.

    >>> check_fits(np.array([1e39]), np.float32, "rewards / alpha", "the Bellman error")
    Traceback (most recent call last):
    ...
    ValueError: rewards / alpha too large: the Bellman error (max |x| 1e+39) overflows float32
    """
    dtype = np.dtype(dtype)
    with np.errstate(invalid="ignore"):
        big = float(np.abs(x).max(initial=0.0))
    if not np.isfinite(big) or big > float(np.finfo(dtype).max) / 2:
        raise ValueError(f"{cause} too large: {what} (max |x| {big:g}) overflows {dtype}")
    return x

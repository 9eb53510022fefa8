r"""Seed statistics: bootstrap confidence intervals and the recovery measures of the maze demo.

Every number the maze demo reports is an :class:`Estimate`: a statistic over seeds with a
percentile-bootstrap 95% interval (resampling seeds with replacement, ``n_boot`` times).
Censored measures ("never recovered") are ``inf``; the median and its interval stay meaningful
as long as fewer than half of the resamples are mostly censored, and are ``inf`` otherwise.

Recovery (measure (b) of the demo), precisely: consider the episodes that *start* at or after
the change step; call an episode *good* if it reaches a goal in at most
``ceil((1 + margin) * target_length)`` steps, where ``target_length`` is the shortest path
length on the new map. The agent has recovered at the end of the first run of ``k`` consecutive
good episodes; the recovery time is that end step minus the change step (``inf`` if it never
happens within the run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate

__all__ = ["Estimate", "bootstrap_ci", "bootstrap_band", "recovery_time", "first_short_episode"]


@dataclass(frozen=True)
class Estimate:
    """A statistic over seeds with its bootstrap interval.

    Attributes
    ----------
    value : float
        The statistic on the observed seeds.
    low, high : float
        Percentile-bootstrap interval at ``level``.
    n : int
        Number of seeds.
    level : float
    """

    value: float
    low: float
    high: float
    n: int
    level: float = 0.95

    def __str__(self) -> str:
        def f(x: float) -> str:
            return "inf" if np.isinf(x) else f"{x:.3g}"

        return f"{f(self.value)} [{f(self.low)}, {f(self.high)}]"


def bootstrap_ci(values: ArrayLike, statistic: Callable[..., NDArray] = np.mean, n_boot: int = 2000,
                 level: float = 0.95, seed: int | np.random.Generator | None = 0) -> Estimate:
    """Percentile-bootstrap interval of ``statistic`` over the seeds in ``values`` (shape (n,)).

    ``statistic`` must accept ``axis=-1`` (``np.mean``, ``np.median``, ...).

    >>> bootstrap_ci([1.0, 2.0, 3.0, 4.0]).value
    2.5
    """
    x = _validate.array(values, "values", ndim=1, finite=False)   # inf: e.g. a recovery that never came
    if x.size == 0:
        raise ValueError(f"values must be a non-empty 1-d array; got shape {x.shape}")
    level = _validate.real(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = _validate.integer(n_boot, "n_boot", low=1)
    rng = _validate.generator(seed)
    boots = statistic(x[rng.integers(0, x.size, size=(n_boot, x.size))], axis=-1)
    with np.errstate(invalid="ignore"):
        lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return Estimate(float(statistic(x, axis=-1)), float(lo), float(hi), int(x.size), level)


def bootstrap_band(curves: ArrayLike, n_boot: int = 500, level: float = 0.95,
                   seed: int | np.random.Generator | None = 0) -> tuple[NDArray, NDArray, NDArray]:
    """Mean curve over seeds with a pointwise bootstrap band; ``curves`` (n_seeds, n_points).

    Returns ``(mean, low, high)``, each of shape (n_points,). Subsample long curves first.

    >>> import numpy as np
    >>> bootstrap_band(np.ones((5, 3)))[0]
    array([1., 1., 1.])
    """
    c = np.asarray(curves, dtype=float)
    if c.ndim != 2 or c.shape[0] == 0:
        raise ValueError(f"curves must have shape (n_seeds, n_points); got {c.shape}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, c.shape[0], size=(n_boot, c.shape[0]))
    boots = np.stack([c[i].mean(axis=0) for i in idx])
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return c.mean(axis=0), lo, hi


def recovery_time(end_steps: ArrayLike, lengths: ArrayLike, terminated: ArrayLike, change_step: int,
                  target_length: int, k: int = 3, margin: float = 0.25) -> float:
    """Steps after ``change_step`` until ``k`` consecutive good episodes have ended (module docstring).

    Parameters
    ----------
    end_steps, lengths, terminated : array of shape (n_episodes,)
        From :class:`~discrete_softq.agents.History` (``episode_end_steps``, ``episode_lengths``,
        ``episode_terminated``).
    change_step : int
    target_length : int
        Shortest path length on the new map.
    k : int
        Consecutive good episodes required.
    margin : float
        Relative slack on the episode length.

    Returns
    -------
    float
        Recovery time in steps, or ``inf``.

    >>> recovery_time([10, 20, 30, 40, 50], [10] * 5, [True] * 5, change_step=15, target_length=10, k=3)
    35.0
    """
    k = _validate.integer(k, "k", low=1)
    end_steps, lengths, terminated = (np.asarray(x) for x in (end_steps, lengths, terminated))
    keep = end_steps - lengths >= change_step
    ends, good = end_steps[keep], (terminated[keep] & (lengths[keep] <= np.ceil((1 + margin) * target_length)))
    run = 0
    for end, g in zip(ends, good):
        run = run + 1 if g else 0
        if run == k:
            return float(end - change_step)
    return float("inf")


def first_short_episode(end_steps: ArrayLike, lengths: ArrayLike, terminated: ArrayLike, change_step: int,
                        shorter_than: int) -> float:
    """Steps after ``change_step`` until the first goal-reaching episode shorter than ``shorter_than``.

    With ``shorter_than`` the old map's shortest path length, such an episode proves the agent
    used the new shortcut (measure (d)); ``inf`` if it never happens.

    >>> first_short_episode([10, 20, 30], [10, 10, 4], [True] * 3, change_step=15, shorter_than=5)
    15.0
    """
    end_steps, lengths, terminated = (np.asarray(x) for x in (end_steps, lengths, terminated))
    keep = (end_steps - lengths >= change_step) & terminated & (lengths < shorter_than)
    hits = end_steps[keep]
    return float(hits[0] - change_step) if hits.size else float("inf")

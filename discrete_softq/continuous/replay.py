"""A fixed-size replay buffer of transitions (s, a, r, s', terminated) for off-policy learning."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate
from .checks import check_rows

__all__ = ["ReplayBuffer", "UnionBuffer", "Batch"]


@dataclass(frozen=True)
class Batch:
    """A minibatch of transitions.

    Attributes
    ----------
    obs : ndarray of shape (B, obs_dim)
    actions : ndarray of shape (B, act_dim)
    rewards : ndarray of shape (B,)
    next_obs : ndarray of shape (B, obs_dim)
    terminated : ndarray of shape (B,), bool
        True when s' is terminal (its value is 0); a time-limit truncation is *not* terminal.
    """

    obs: NDArray[np.float64]
    actions: NDArray[np.float64]
    rewards: NDArray[np.float64]
    next_obs: NDArray[np.float64]
    terminated: NDArray[np.bool_]


class ReplayBuffer:
    """Ring buffer holding the last ``capacity`` transitions; uniform minibatches.

    Parameters
    ----------
    obs_dim, act_dim : int
        Dimensions of observations and actions.
    capacity : int
        Maximum number of stored transitions (the oldest are overwritten), ``>= 1``.

    Raises
    ------
    TypeError, ValueError
        A dimension or ``capacity`` that is not a positive int; from :meth:`add`, a transition
        of the wrong shape or with NaN/inf; from :meth:`sample`, more transitions than stored.

    Examples
    --------
    >>> buf = ReplayBuffer(2, 1, capacity=3)
    >>> for k in range(4):                       # the fourth transition overwrites the first
    ...     buf.add([k, k], [0.5], -1.0, [k + 1, k + 1], k == 3)
    >>> len(buf), sorted(buf.obs[:, 0].tolist())
    (3, [1.0, 2.0, 3.0])
    >>> buf.sample(2, np.random.default_rng(0)).obs.shape
    (2, 2)
    """

    def __init__(self, obs_dim: int, act_dim: int, capacity: int = 1_000_000) -> None:
        obs_dim = _validate.integer(obs_dim, "obs_dim", low=1)
        act_dim = _validate.integer(act_dim, "act_dim", low=1)
        self.capacity = _validate.integer(capacity, "capacity", low=1)
        self.obs = np.zeros((self.capacity, obs_dim))
        self.actions = np.zeros((self.capacity, act_dim))
        self.rewards = np.zeros(self.capacity)
        self.next_obs = np.zeros((self.capacity, obs_dim))
        self.terminated = np.zeros(self.capacity, dtype=bool)
        self.size = 0
        self._next = 0

    def __len__(self) -> int:
        return self.size

    def add(self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike, terminated: bool) -> None:
        """Store one transition (each part checked: real, finite, of its shape; ``terminated`` a bool)."""
        obs_dim, act_dim = self.obs.shape[1], self.actions.shape[1]
        obs, next_obs = check_rows(obs, obs_dim, "obs"), check_rows(next_obs, obs_dim, "next_obs")
        action, reward = check_rows(action, act_dim, "action"), _validate.real(reward, "reward")
        i = self._next
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i] = next_obs, _validate.flag(terminated, "terminated")
        self._next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        """``batch_size`` transitions drawn uniformly with replacement, ``1 <= batch_size <= len(self)``."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        batch_size = _validate.integer(batch_size, "batch_size", low=1, high=self.size)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
        idx = rng.integers(0, self.size, size=batch_size)
        return Batch(self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx],
                     self.terminated[idx])


class UnionBuffer:
    """Several replay buffers read as one: minibatches drawn uniformly from all their transitions.

    Nothing is copied; the union sees later additions to its parts. Used by
    :func:`~discrete_softq.continuous.compose.compose_agents` to re-fit a sampler on the data of
    two agents (the reference code's ``UnionBuffer``).

    Examples
    --------
    >>> a, b = ReplayBuffer(1, 1), ReplayBuffer(1, 1)
    >>> a.add([0.0], [0.0], 0.0, [0.0], False)
    >>> b.add([1.0], [0.0], 0.0, [1.0], False)
    >>> union = UnionBuffer([a, b])
    >>> len(union), union.sample(2, np.random.default_rng(1)).obs[:, 0].tolist()
    (2, [0.0, 1.0])
    """

    def __init__(self, buffers: list[ReplayBuffer]) -> None:
        buffers = list(buffers)
        if not buffers or not all(isinstance(b, ReplayBuffer) for b in buffers):
            raise TypeError("buffers must be a non-empty sequence of ReplayBuffer")
        shapes = {(b.obs.shape[1], b.actions.shape[1]) for b in buffers}
        if len(shapes) > 1:
            raise ValueError(f"buffers must share obs_dim and act_dim; got {sorted(shapes)}")
        self.buffers = buffers

    def __len__(self) -> int:
        return sum(len(b) for b in self.buffers)

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        """``batch_size`` transitions drawn uniformly with replacement from the union of the buffers."""
        if len(self) == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        batch_size = _validate.integer(batch_size, "batch_size", low=1, high=len(self))
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
        offsets = np.cumsum([0] + [len(b) for b in self.buffers])
        idx = rng.integers(0, offsets[-1], size=batch_size)          # one index into the concatenation
        part = np.searchsorted(offsets, idx, side="right") - 1
        fields = []
        for name in ("obs", "actions", "rewards", "next_obs", "terminated"):
            first = getattr(self.buffers[0], name)
            out = np.empty((batch_size, *first.shape[1:]), dtype=first.dtype)
            for k, b in enumerate(self.buffers):
                mask = part == k
                out[mask] = getattr(b, name)[idx[mask] - offsets[k]]
            fields.append(out)
        return Batch(*fields)

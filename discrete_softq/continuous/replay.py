"""A fixed-size replay buffer of transitions (s, a, r, s', terminated) for off-policy learning."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ReplayBuffer", "Batch"]


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
        Maximum number of stored transitions (the oldest are overwritten).
    """

    def __init__(self, obs_dim: int, act_dim: int, capacity: int = 1_000_000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be a positive integer; got {capacity}")
        self.capacity = int(capacity)
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
        """Store one transition."""
        i = self._next
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i] = next_obs, terminated
        self._next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        """``batch_size`` transitions drawn uniformly with replacement."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        idx = rng.integers(0, self.size, size=batch_size)
        return Batch(self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx],
                     self.terminated[idx])

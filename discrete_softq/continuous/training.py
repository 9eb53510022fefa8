"""Training loop and evaluation rollouts shared by the continuous agents (SQL and the DDPG baseline).

An agent here is anything with ``act(obs) -> action`` (the behaviour policy) and
``update(obs, action, reward, next_obs, terminated)`` (learn from one transition), like the
tabular agents of :mod:`discrete_softq.agents`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Agent", "History", "train", "Rollouts", "rollouts", "goal_hit_counts"]


class Agent(Protocol):
    """What :func:`train` needs from an agent."""

    def act(self, obs: NDArray[np.float64]) -> NDArray[np.float64]: ...

    def update(self, obs: NDArray[np.float64], action: NDArray[np.float64], reward: float,
               next_obs: NDArray[np.float64], terminated: bool) -> None: ...


@dataclass(frozen=True)
class History:
    """What happened during :func:`train` (field names as in the tabular ``History``).

    Attributes
    ----------
    step_rewards : ndarray of shape (n_steps,)
        Reward of every environment step.
    episode_returns : ndarray of shape (n_episodes,)
        Undiscounted return of each finished episode.
    episode_lengths : ndarray of shape (n_episodes,)
    episode_end_steps : ndarray of shape (n_episodes,)
        Global step index at which each episode ended.
    episode_goals : ndarray of shape (n_episodes,)
        ``info["goal"]`` at the end of each episode (-1 when none; all -1 for envs without goals).
    wall_time : float
        Seconds spent in the loop.
    """

    step_rewards: NDArray[np.float64]
    episode_returns: NDArray[np.float64]
    episode_lengths: NDArray[np.int64]
    episode_end_steps: NDArray[np.int64]
    episode_goals: NDArray[np.int64]
    wall_time: float


def train(env: gym.Env, agent: Agent, n_steps: int, seed: int | None = None, progress: bool = False) -> History:
    """Run ``agent`` in ``env`` for ``n_steps`` environment steps, learning from every transition.

    Parameters
    ----------
    env : gymnasium.Env
        Continuous actions; a time-limit truncation resets the episode but is not terminal.
    agent : Agent
        E.g. :class:`~discrete_softq.continuous.SoftQLearningAgent` or
        :class:`~discrete_softq.continuous.DDPGAgent`.
    n_steps : int
        Environment steps.
    seed : int or None
        Seeds the first ``env.reset``; later resets continue the env's own generator.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    History
    """
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer; got {n_steps!r}")
    steps: Any = range(n_steps)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=type(agent).__name__, unit="step")
    start = time.perf_counter()
    rewards = np.zeros(n_steps)
    returns, lengths, ends, goals = [], [], [], []
    obs, _ = env.reset(seed=seed)
    ep_return, ep_len = 0.0, 0
    for t in steps:
        action = agent.act(obs)
        next_obs, reward, terminated, truncated, info = env.step(action)
        agent.update(obs, action, float(reward), next_obs, bool(terminated))
        rewards[t] = reward
        ep_return += float(reward)
        ep_len += 1
        obs = next_obs
        if terminated or truncated:
            returns.append(ep_return)
            lengths.append(ep_len)
            ends.append(t)
            goals.append(int(info.get("goal", -1)))
            obs, _ = env.reset()
            ep_return, ep_len = 0.0, 0
    return History(rewards, np.array(returns), np.array(lengths, dtype=int), np.array(ends, dtype=int),
                   np.array(goals, dtype=int), time.perf_counter() - start)


@dataclass(frozen=True)
class Rollouts:
    """Evaluation episodes of a fixed policy.

    Attributes
    ----------
    paths : list of ndarray of shape (T_i + 1, obs_dim)
        Observations of each episode, the start included.
    goals : ndarray of shape (n_rollouts,)
        Goal index reached by each episode (``info["goal"]``), -1 for none.
    returns : ndarray of shape (n_rollouts,)
    """

    paths: list[NDArray[np.float64]]
    goals: NDArray[np.int64]
    returns: NDArray[np.float64]


def rollouts(env: gym.Env, policy: Callable[[NDArray[np.float64]], ArrayLike], n_rollouts: int = 100,
             seed: int | None = None) -> Rollouts:
    """Run ``n_rollouts`` episodes of ``policy`` (obs -> action) without learning.

    Episode k is reset with a seed spawned from ``seed``, so the starts are reproducible.
    """
    if not isinstance(n_rollouts, (int, np.integer)) or n_rollouts < 1:
        raise ValueError(f"n_rollouts must be a positive integer; got {n_rollouts!r}")
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n_rollouts)]
    paths, goals, returns = [], [], []
    for s in seeds:
        obs, info = env.reset(seed=s)
        path, total, done = [obs], 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(policy(obs))
            path.append(obs)
            total += float(reward)
            done = terminated or truncated
        paths.append(np.array(path))
        goals.append(int(info.get("goal", -1)) if terminated else -1)
        returns.append(total)
    return Rollouts(paths, np.array(goals, dtype=int), np.array(returns))


def goal_hit_counts(goals: ArrayLike, n_goals: int = 4) -> NDArray[np.int64]:
    """How many episodes ended at each goal: shape (n_goals,), from goal indices (-1 = none)."""
    goals = np.asarray(goals, dtype=int)
    return np.bincount(goals[goals >= 0], minlength=n_goals)[:n_goals]

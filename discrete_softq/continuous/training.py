"""Training loop and evaluation rollouts shared by the continuous agents (SQL and the DDPG baseline).

An agent here is anything with ``act(obs) -> action`` (the behaviour policy) and
``update(obs, action, reward, next_obs, terminated)`` (learn from one transition), like the
tabular agents of :mod:`discrete_softq.agents`. An agent that keeps state within an episode
(DDPG's Ornstein-Uhlenbeck noise) may also define ``end_episode()``; :func:`train` calls it
whenever an episode ends (terminated or truncated).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate

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

    Examples
    --------
    >>> from discrete_softq.continuous import MultiGoalEnv, SoftQLearningAgent
    >>> train(MultiGoalEnv(), SoftQLearningAgent(2, 2, hidden=(8,), seed=0), n_steps=5, seed=0).step_rewards.shape
    (5,)
    """
    n_steps = _validate.integer(n_steps, "n_steps", low=0)
    seed = _env_seed(seed)
    progress = _validate.flag(progress, "progress")
    for method in ("act", "update"):
        if not callable(getattr(agent, method, None)):
            raise TypeError(f"agent must have act(obs) and update(obs, action, reward, next_obs, terminated); "
                            f"{type(agent).__name__} has no {method}()")
    for space, dim in (("observation_space", "obs_dim"), ("action_space", "act_dim")):
        shape = getattr(getattr(env, space, None), "shape", None)
        if hasattr(agent, dim) and shape is not None and tuple(shape) != (getattr(agent, dim),):
            raise ValueError(f"agent does not fit env: agent.{dim} = {getattr(agent, dim)} but env.{space} "
                             f"has shape {tuple(shape)}")
    end_episode = getattr(agent, "end_episode", None)
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
            if callable(end_episode):
                end_episode()
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

    Examples
    --------
    >>> from discrete_softq.continuous import MultiGoalEnv
    >>> out = rollouts(MultiGoalEnv(), lambda obs: [1.0, 0.0], n_rollouts=3, seed=0)   # always east
    >>> out.goals.tolist(), out.returns.shape
    ([0, 0, 0], (3,))
    """
    n_rollouts = _validate.integer(n_rollouts, "n_rollouts", low=1)
    seed = _env_seed(seed)
    if not callable(policy):
        raise TypeError(f"policy must be callable obs -> action; got {type(policy).__name__}")
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
    """How many episodes ended at each goal: shape (n_goals,), from goal indices (-1 = none).

    Every index must be an integer in ``[-1, n_goals)``: an unknown goal raises instead of being dropped.

    >>> goal_hit_counts([0, 2, -1, 2], n_goals=4).tolist()
    [1, 0, 2, 0]
    """
    n_goals = _validate.integer(n_goals, "n_goals", low=1)
    g = _validate.array(goals, "goals", ndim=1, dtype=None)
    if g.dtype.kind == "f" and np.any(g != np.round(g)):
        raise ValueError(f"goals must hold integer goal indices; got {g[g != np.round(g)][0]}")
    if g.size and (g.min() < -1 or g.max() >= n_goals):
        bad = g[(g < -1) | (g >= n_goals)][0]
        raise ValueError(f"goals must hold indices in [-1, {n_goals}) (-1: no goal); got {bad}")
    g = g.astype(int)
    return np.bincount(g[g >= 0], minlength=n_goals)


def _env_seed(seed: Any) -> int | None:
    """A seed for ``env.reset``: None or an int >= 0."""
    return None if seed is None else _validate.integer(seed, "seed", low=0)

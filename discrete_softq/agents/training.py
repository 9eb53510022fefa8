"""The per-environment training loop, :func:`train`, and its record, :class:`History`.

The loop is the reference semantics that the batched runner reproduces:

1. ``env.reset(seed=seed)`` once (a new run: first layout, counters at zero);
2. each step: ``a = agent.act(s)``, ``s', r, terminated, truncated = env.step(a)``,
   ``agent.update(s, a, r, s', terminated)`` -- a truncation is *not* a termination, so the
   agent bootstraps through a time limit;
3. when the episode ends (terminated or truncated) it is recorded and ``env.reset()`` (no seed)
   continues the run, so wall changes persist across episodes.

It stops after ``n_steps`` environment steps or ``n_episodes`` episodes, whichever comes first;
an episode still running at the end is not recorded in the ``episode_*`` arrays (its rewards
are in ``step_rewards``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray

from .. import _validate

__all__ = ["History", "train"]


@dataclass(frozen=True, eq=False)
class History:
    """What one training run produced.

    Attributes
    ----------
    step_rewards : ndarray of shape (n_steps,)
        Reward of every environment step, in order.
    episode_returns : ndarray of shape (n_episodes,)
        Undiscounted return of each completed episode.
    episode_lengths : ndarray of int of shape (n_episodes,)
        Steps per completed episode.
    episode_end_steps : ndarray of int of shape (n_episodes,)
        The run's step count when each episode ended (1-based: an episode ending on the very first
        step has end step 1), so ``step_rewards[:end].sum()`` is the reward up to that moment.
    episode_terminated : ndarray of bool of shape (n_episodes,)
        True if the episode terminated (e.g. the goal), False if it was truncated.
    """

    step_rewards: NDArray[np.float64]
    episode_returns: NDArray[np.float64]
    episode_lengths: NDArray[np.int64]
    episode_end_steps: NDArray[np.int64]
    episode_terminated: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n_steps(self) -> int:
        """Number of environment steps taken."""
        return int(self.step_rewards.size)

    @property
    def n_episodes(self) -> int:
        """Number of completed episodes."""
        return int(self.episode_lengths.size)

    def cumulative_reward(self) -> NDArray[np.float64]:
        """Running sum of ``step_rewards`` (Sutton & Barto's Figure 8.4 curve), shape (n_steps,)."""
        return np.cumsum(self.step_rewards)


def _check_budget(value: Any, name: str) -> int | None:
    return None if value is None else _validate.integer(value, name, low=0)


def _check_sizes(env: Any, agent: Any) -> None:
    """The agent's table must match the environment's Discrete spaces (when both say their sizes)."""
    for what, space_name in (("n_states", "observation_space"), ("n_actions", "action_space")):
        space, size = getattr(env, space_name, None), getattr(agent, what, None)
        if isinstance(space, gym.spaces.Discrete) and size is not None and int(space.n) != size:
            raise ValueError(f"agent has {what}={size} but env has {space_name}=Discrete({int(space.n)}); "
                             f"make the agent with {what}={int(space.n)}")


def train(env: Any, agent: Any, n_steps: int | None = None, n_episodes: int | None = None,
          seed: int | None = None, progress: bool = False) -> History:
    """Run ``agent`` in ``env`` for ``n_steps`` steps or ``n_episodes`` episodes (whichever first).

    Parameters
    ----------
    env : gymnasium.Env with Discrete observation and action spaces
        Observations must be state indices ``0 .. agent.n_states - 1``.
    agent : object with ``act(state) -> int`` and ``update(s, a, r, s_next, terminated)``
        E.g. :class:`SoftQLearning`, :class:`QLearning`, :class:`DynaQ`, :class:`SoftDynaQ`.
        It is modified in place (it learns); its own generator drives its choices.
    n_steps, n_episodes : int, optional
        Budgets; at least one must be given.
    seed : int, optional
        Passed to the first ``env.reset(seed=seed)`` only (later resets continue the run).
    progress : bool
        Show a tqdm progress bar (over steps if ``n_steps`` is given, else over episodes).

    Returns
    -------
    History

    >>> from discrete_softq import agents, envs
    >>> train(envs.GridWorld(["S.G"]), agents.SoftQLearning(3, 4, seed=0), n_steps=20, seed=0).n_steps
    20
    """
    n_steps = _check_budget(n_steps, "n_steps")
    n_episodes = _check_budget(n_episodes, "n_episodes")
    seed = None if seed is None else _validate.integer(seed, "seed", low=0)   # gymnasium wants a Python int
    progress = _validate.flag(progress, "progress")
    if n_steps is None and n_episodes is None:
        raise ValueError("give n_steps or n_episodes (or both) to bound the run")
    for method in ("act", "update"):
        if not callable(getattr(agent, method, None)):
            raise TypeError(f"agent must have an {method}() method; got {type(agent).__name__}")
    _check_sizes(env, agent)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps if n_steps is not None else n_episodes,
                   unit="step" if n_steps is not None else "episode")
    rewards: list[float] = []
    returns: list[float] = []
    lengths: list[int] = []
    ends: list[int] = []
    terminated_flags: list[bool] = []
    state, _ = env.reset(seed=seed)
    state, ep_return, ep_length = int(state), 0.0, 0
    try:
        while (n_steps is None or len(rewards) < n_steps) and (n_episodes is None or len(lengths) < n_episodes):
            action = int(agent.act(state))
            next_state, reward, terminated, truncated, _ = env.step(action)
            next_state, reward = int(next_state), float(reward)
            agent.update(state, action, reward, next_state, bool(terminated))
            rewards.append(reward)
            ep_return += reward
            ep_length += 1
            if bar is not None and n_steps is not None:
                bar.update(1)
            if terminated or truncated:
                returns.append(ep_return)
                lengths.append(ep_length)
                ends.append(len(rewards))
                terminated_flags.append(bool(terminated))
                if bar is not None and n_steps is None:
                    bar.update(1)
                state, _ = env.reset()
                state, ep_return, ep_length = int(state), 0.0, 0
            else:
                state = next_state
    finally:
        if bar is not None:
            bar.close()
    return History(step_rewards=np.asarray(rewards, dtype=float),
                   episode_returns=np.asarray(returns, dtype=float),
                   episode_lengths=np.asarray(lengths, dtype=np.int64),
                   episode_end_steps=np.asarray(ends, dtype=np.int64),
                   episode_terminated=np.asarray(terminated_flags, dtype=bool))

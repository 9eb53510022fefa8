r"""The exact :class:`~discrete_softq.mdp.TabularMDP` of a Gymnasium environment that publishes its model.

Gymnasium's toy_text environments (FrozenLake, CliffWalking, Taxi) and user environments with the
same convention expose ``env.unwrapped.P[s][a]``, a list of ``(probability, next_state, reward,
terminated)`` outcomes, and sample ``step()`` from it. :func:`from_gymnasium` turns that into a
model the exact solvers can use:

* **duplicates summed**: FrozenLake lists the same successor several times when a slip hits the
  border;
* **expected rewards** :math:`r(s, a) = \sum p\, r`;
* **terminal states** from the ``terminated`` flags, read on the part of the state space that the
  start distribution reaches (Taxi's ``P`` also lists moves out of its post-drop-off states, and
  CliffWalking's goal row lists moves: what counts is that entering them ends the episode). States
  never reached are marked terminal too: their values cannot matter, and it keeps the
  ``gamma = 1`` check of :class:`~discrete_softq.mdp.TabularMDP` about the states that do;
* **the start distribution** ``initial_state_distrib`` (or ``initial=``).

A state entered both by a terminating and by a non-terminating transition cannot be described by a
terminal mask; that raises a :class:`ValueError` naming it.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from .. import _validate
from ..mdp import TabularMDP

__all__ = ["from_gymnasium"]


def from_gymnasium(env: Any, gamma: float = 0.99, initial: ArrayLike | None = None) -> TabularMDP:
    """The exact sparse model of a Discrete/Discrete Gymnasium environment with ``unwrapped.P``.

    Parameters
    ----------
    env : gymnasium.Env
        E.g. ``gym.make("FrozenLake-v1")``, ``"CliffWalking-v1"``, ``"Taxi-v4"`` (wrappers are looked through).
    gamma : float
        Discount in ``[0, 1]`` (``1`` for undiscounted episodes, when every state can end one).
    initial : ndarray of shape (n_states,), optional
        Start distribution; by default the environment's ``initial_state_distrib``.

    Returns
    -------
    TabularMDP

    Examples
    --------
    FrozenLake 4x4, slippery, solved exactly (the greedy policy succeeds 74% of the time in the real
    environment, as ``tests/test_toy_text.py`` checks by Monte Carlo):

    >>> import gymnasium as gym
    >>> from discrete_softq import value_iteration
    >>> mdp = from_gymnasium(gym.make("FrozenLake-v1"), gamma=0.99)
    >>> round(float(value_iteration(mdp).V[0]), 4)
    0.542
    """
    model = _model_of(env)
    S, A = model.observation_space.n, model.action_space.n
    rows, cols, probs, rewards, enters_done, enters_alive = _tabulate(model.P, S, A)
    P = sp.csr_matrix((probs, (rows, cols)), shape=(S * A, S))  # duplicate successors are summed
    mu = _start_distribution(model, S) if initial is None else _validate.distribution(initial, "initial", shape=(S,))
    terminal = _terminal_states(P, A, np.asarray(mu, dtype=float) > 0, enters_done, enters_alive)
    reward = np.zeros(S * A)
    np.add.at(reward, rows, probs * rewards)
    return TabularMDP(P, reward.reshape(S, A), gamma, initial=mu, terminal=terminal)


def _model_of(env: Any) -> Any:
    model = getattr(env, "unwrapped", env)
    spaces_ok = (isinstance(getattr(model, "observation_space", None), gym.spaces.Discrete)
                 and isinstance(getattr(model, "action_space", None), gym.spaces.Discrete))
    if not spaces_ok or not isinstance(getattr(model, "P", None), dict):
        raise TypeError("env must be a Gymnasium environment with Discrete observation and action spaces and "
                        "a model env.unwrapped.P[s][a] = [(p, s', r, terminated), ...] (FrozenLake, CliffWalking, "
                        f"Taxi); got {type(model).__name__}")
    return model


def _tabulate(P: dict, S: int, A: int) -> tuple[NDArray, NDArray, NDArray, NDArray, list[list[int]], list[list[int]]]:
    """Flat arrays of every outcome, and per state whether some outcome enters it terminating / not."""
    rows: list[int] = []
    cols: list[int] = []
    probs: list[float] = []
    rewards: list[float] = []
    done_from: list[list[int]] = [[] for _ in range(S)]  # row -> the states its terminating outcomes enter
    alive_from: list[list[int]] = [[] for _ in range(S)]
    for s in range(S):
        for a in range(A):
            try:
                outcomes = P[s][a]
            except (KeyError, IndexError, TypeError):
                raise ValueError(f"env.unwrapped.P has no outcomes for state {s}, action {a}") from None
            for p, s_next, r, done in outcomes:
                rows.append(s * A + a)
                cols.append(int(s_next))
                probs.append(float(p))
                rewards.append(float(r))
                (done_from if done else alive_from)[s].append(int(s_next))
    arrays = (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(probs),
              np.asarray(rewards))
    return (*arrays, done_from, alive_from)


def _start_distribution(model: Any, S: int) -> NDArray:
    mu = getattr(model, "initial_state_distrib", None)
    if mu is None or np.shape(mu) != (S,):
        raise ValueError("env has no initial_state_distrib of shape (n_states,); pass initial=")
    return np.asarray(mu, dtype=float)


def _terminal_states(P: sp.csr_matrix, A: int, start: NDArray[np.bool_], done_from: list[list[int]],
                     alive_from: list[list[int]]) -> NDArray[np.bool_]:
    """Terminal = entered by a terminating outcome from a reached state; unreached states too."""
    S = start.size
    reached, terminal = start.copy(), np.zeros(S, dtype=bool)
    frontier = [int(s) for s in np.flatnonzero(start)]
    entered_alive = np.zeros(S, dtype=bool)
    while frontier:
        s = frontier.pop()
        if terminal[s]:
            continue
        for t in done_from[s]:
            terminal[t] = True
            reached[t] = True
        for t in alive_from[s]:
            entered_alive[t] = True
            if not reached[t]:
                reached[t] = True
                frontier.append(t)
    both = np.flatnonzero(terminal & entered_alive & ~start)
    if both.size:
        raise ValueError(f"state {int(both[0])} is entered both by terminating and by non-terminating "
                         "transitions: termination is not a property of states here")
    return terminal | ~reached

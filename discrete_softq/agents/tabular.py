r"""Tabular soft Q-learning and its hard baseline, epsilon-greedy Q-learning.

Both agents learn from single transitions :math:`(s, a, r, s', \text{terminated})` with

.. math::

    Q(s,a) \leftarrow Q(s,a) + \eta_{n(s,a)} \big( r + \gamma\, V(s') - Q(s,a) \big),
    \qquad V(s') = 0 \text{ if the episode terminated at } s',

where :math:`V(s') = \alpha \log \sum_{a'} \rho(a'|s') e^{Q(s',a')/\alpha}` (soft, the sample
version of the soft Bellman backup of :mod:`discrete_softq.soft`) or :math:`\max_{a'} Q(s',a')`
(hard). A time-limit *truncation* is not a termination: the caller passes
``terminated=False`` and the agent bootstraps through it (:func:`train` does this).

Acting: :class:`SoftQLearning` samples the Boltzmann policy
:math:`\pi(a|s) \propto \rho(a|s) e^{Q(s,a)/\alpha}`; :class:`QLearning` is epsilon-greedy
(ties among greedy actions broken uniformly at random; ``epsilon=0`` is allowed).

Random numbers: ``act`` draws exactly **one** uniform from the agent's generator and ``update``
draws none (the Dyna agents draw ``n_planning`` per update). The batched runner
(:mod:`discrete_softq.agents.batched`) consumes the same streams in the same order, which is
what makes its trajectories identical to the per-environment loop.

References
----------
Haarnoja, Tang, Abbeel, Levine (2017), Reinforcement Learning with Deep Energy-Based Policies.
Sutton & Barto (2018), Reinforcement Learning: An Introduction, 2nd ed., Sections 6.5 and 8.2.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..soft import _as_prior, _boltzmann, _soft_value
from .schedules import Schedule, ScheduleLike, as_schedule
from .training import History, train

__all__ = ["SoftQLearning", "QLearning", "TabularAgent", "train", "History",
           "sample_boltzmann", "epsilon_greedy"]


# ---------------------------------------------------------------------- action selection (shared)
def sample_boltzmann(Q_rows: NDArray, alpha: float, prior_rows: NDArray | None, u: NDArray) -> NDArray[np.intp]:
    """Inverse-CDF sample of the Boltzmann policy of each row of ``Q_rows`` (n, A) from uniforms ``u`` (n,)."""
    cdf = np.cumsum(_boltzmann(Q_rows, alpha, prior_rows), axis=-1)
    return (u[:, None] >= cdf[:, :-1]).sum(axis=-1)


def epsilon_greedy(Q_rows: NDArray, epsilon: float | NDArray, u: NDArray) -> NDArray[np.intp]:
    """Epsilon-greedy actions for rows ``Q_rows`` (n, A) from one uniform ``u`` (n,) each.

    ``u < epsilon`` explores with action ``floor(A u / epsilon)`` (uniform given exploration);
    otherwise ``v = (u - epsilon) / (1 - epsilon)`` picks the ``floor(v k)``-th of the ``k`` greedy
    actions, so ties are broken uniformly at random with the same single draw.
    """
    n, A = Q_rows.shape
    eps = np.broadcast_to(np.asarray(epsilon, dtype=float), (n,))
    explore = u < eps
    ties = Q_rows == Q_rows.max(axis=-1, keepdims=True)
    n_ties = ties.sum(axis=-1)
    v = np.where(explore, 0.0, (u - eps) / np.where(eps < 1.0, 1.0 - eps, 1.0))
    k = np.minimum((v * n_ties).astype(np.intp), n_ties - 1)
    greedy = (np.cumsum(ties, axis=-1) <= k[:, None]).sum(axis=-1)
    random = np.minimum((u / np.where(eps > 0, eps, 1.0) * A).astype(np.intp), A - 1)
    return np.where(explore, random, greedy)


def _check_size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1; got {value}")
    return int(value)


# ---------------------------------------------------------------------- the common learner
class TabularAgent:
    """Shared machinery: the Q-table, visit counts, the learning-rate schedule, the generator.

    Subclasses define :meth:`act` (via ``_choose``), ``_next_value`` and :meth:`policy`.
    """

    def __init__(self, n_states: int, n_actions: int, gamma: float, lr: ScheduleLike,
                 q_init: float, seed: int | np.random.Generator | None) -> None:
        self.n_states = _check_size(n_states, "n_states")
        self.n_actions = _check_size(n_actions, "n_actions")
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be a number in [0, 1]; got {gamma!r}")
        self.gamma: float = float(gamma)
        self.lr: Schedule = as_schedule(lr, "lr", low=0.0, high=1.0)
        if isinstance(q_init, bool) or not isinstance(q_init, numbers.Real) or not np.isfinite(q_init):
            raise ValueError(f"q_init must be a finite number; got {q_init!r}")
        self.q_init = float(q_init)
        self.rng: np.random.Generator = np.random.default_rng(seed)
        self.Q: NDArray[np.float64] = np.full((self.n_states, self.n_actions), self.q_init)
        self.visits: NDArray[np.int64] = np.zeros((self.n_states, self.n_actions), dtype=np.int64)
        self.n_updates: int = 0

    # -- subclass hooks
    def _choose(self, state: int, u: float) -> int:
        raise NotImplementedError

    def _next_value(self, state: int) -> float:
        raise NotImplementedError

    def policy(self) -> NDArray[np.float64]:
        """The behaviour policy of the current Q-table, shape (n_states, n_actions)."""
        raise NotImplementedError

    # -- the interface
    def _check_state(self, state: Any, name: str = "state") -> int:
        s = int(state)
        if not 0 <= s < self.n_states:
            raise ValueError(f"{name} must be in [0, {self.n_states}); got {state!r}")
        return s

    def act(self, state: int) -> int:
        """Sample an action in ``state`` (draws one uniform from the agent's generator)."""
        return self._choose(self._check_state(state), self.rng.random())

    def td_update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> float:
        """One TD step on ``Q[s, a]`` (no model, no planning); returns the TD error."""
        v_next = 0.0 if terminated else self._next_value(s_next)
        target = r + self.gamma * v_next
        self.visits[s, a] += 1
        delta = target - self.Q[s, a]
        self.Q[s, a] += self.lr(self.visits[s, a]) * delta
        return float(delta)

    def update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """Learn from one real transition; ``terminated=False`` for a time-limit truncation."""
        s, s_next = self._check_state(s, "s"), self._check_state(s_next, "s_next")
        if not 0 <= int(a) < self.n_actions:
            raise ValueError(f"a must be in [0, {self.n_actions}); got {a!r}")
        self.td_update(s, int(a), float(r), s_next, bool(terminated))
        self.n_updates += 1

    def greedy_actions(self) -> NDArray[np.intp]:
        """``argmax_a Q(s, a)`` per state (first maximiser), shape (n_states,)."""
        return self.Q.argmax(axis=1)


class SoftQLearning(TabularAgent):
    r"""Tabular soft Q-learning: Boltzmann exploration and the soft TD target.

    .. math:: Q(s,a) \leftarrow Q(s,a) + \eta\,\big(r + \gamma\, \alpha \log \textstyle\sum_{a'}
              \rho(a'|s') e^{Q(s',a')/\alpha} - Q(s,a)\big)

    Its fixed point (with every pair visited infinitely often and Robbins-Monro steps) is the
    soft :math:`Q^*` of :func:`discrete_softq.soft_q_iteration` with the same ``alpha`` and ``prior``.

    Parameters
    ----------
    n_states, n_actions : int
    alpha : float or callable
        Temperature ``>= 0``, or a schedule ``t -> alpha_t`` over the update count ``t``
        (e.g. :class:`~discrete_softq.agents.schedules.ExponentialDecay`).
    gamma : float
        Discount in ``[0, 1]``.
    lr : float, ``"1/n"`` or callable
        Step size, or a schedule ``n -> eta_n`` over the visit count of the updated pair.
    prior : ndarray of shape (n_actions,) or (n_states, n_actions), optional
        ``None``: Shannon entropy bonus (every step earns up to ``alpha log |A|``: the
        termination pitfall in episodic tasks); a policy: the KL-to-prior form.
    q_init : float
        Initial value of every entry of ``Q``.
    seed : int or numpy.random.Generator, optional

    Examples
    --------
    >>> agent = SoftQLearning(2, 2, alpha=1.0, gamma=0.5, lr=1.0, seed=0)
    >>> agent.update(0, 1, 1.0, 1, terminated=True)
    >>> agent.Q
    array([[0., 1.],
           [0., 0.]])
    >>> agent.policy()[0].round(4)
    array([0.2689, 0.7311])
    """

    def __init__(self, n_states: int, n_actions: int, alpha: float | Schedule = 0.1, gamma: float = 0.95,
                 lr: ScheduleLike = 0.1, prior: ArrayLike | None = None, q_init: float = 0.0,
                 seed: int | np.random.Generator | None = None) -> None:
        super().__init__(n_states, n_actions, gamma, lr, q_init, seed)
        self.alpha_schedule: Schedule = as_schedule(alpha, "alpha")
        rho = _as_prior(prior, (self.n_states, self.n_actions))  # None for prior=None
        self.prior: NDArray[np.float64] | None = None if rho is None else np.broadcast_to(
            rho, (self.n_states, self.n_actions))

    @property
    def alpha(self) -> float:
        """The temperature in force now (the schedule at the current update count)."""
        return float(self.alpha_schedule(self.n_updates))

    def _prior_rows(self, state: int) -> NDArray | None:
        return None if self.prior is None else self.prior[state : state + 1]

    def _choose(self, state: int, u: float) -> int:
        return int(sample_boltzmann(self.Q[state : state + 1], self.alpha, self._prior_rows(state),
                                    np.array([u]))[0])

    def _next_value(self, state: int) -> float:
        return float(_soft_value(self.Q[state : state + 1], self.alpha, self._prior_rows(state))[0])

    def policy(self) -> NDArray[np.float64]:
        """The Boltzmann policy ``rho exp((Q - V) / alpha)``, shape (n_states, n_actions)."""
        return _boltzmann(self.Q, self.alpha, self.prior)

    def values(self) -> NDArray[np.float64]:
        """The soft state values of the current Q-table, shape (n_states,)."""
        return _soft_value(self.Q, self.alpha, self.prior)


class QLearning(TabularAgent):
    r"""Tabular epsilon-greedy Q-learning (Watkins), the hard baseline.

    .. math:: Q(s,a) \leftarrow Q(s,a) + \eta\,\big(r + \gamma \max_{a'} Q(s',a') - Q(s,a)\big)

    Parameters
    ----------
    n_states, n_actions : int
    epsilon : float
        Exploration probability in ``[0, 1]``; ``0`` is purely greedy (a control: it explores only
        through ties and ``q_init``).
    gamma, lr, q_init, seed
        As in :class:`SoftQLearning`.

    Examples
    --------
    >>> agent = QLearning(2, 2, epsilon=0.0, gamma=0.5, lr=1.0, seed=0)
    >>> agent.update(0, 1, 1.0, 1, terminated=True)
    >>> agent.act(0)
    1
    """

    def __init__(self, n_states: int, n_actions: int, epsilon: float = 0.1, gamma: float = 0.95,
                 lr: ScheduleLike = 0.1, q_init: float = 0.0,
                 seed: int | np.random.Generator | None = None) -> None:
        super().__init__(n_states, n_actions, gamma, lr, q_init, seed)
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must be a number in [0, 1]; got {epsilon!r}")
        self.epsilon: float = float(epsilon)

    def _choose(self, state: int, u: float) -> int:
        return int(epsilon_greedy(self.Q[state : state + 1], self.epsilon, np.array([u]))[0])

    def _next_value(self, state: int) -> float:
        return float(self.Q[state].max())

    def policy(self) -> NDArray[np.float64]:
        """The epsilon-greedy policy: ``epsilon / A`` everywhere plus ``1 - epsilon`` shared by the ties."""
        ties = (self.Q == self.Q.max(axis=1, keepdims=True)).astype(float)
        return self.epsilon / self.n_actions + (1.0 - self.epsilon) * ties / ties.sum(axis=1, keepdims=True)

    def values(self) -> NDArray[np.float64]:
        """``max_a Q(s, a)``, shape (n_states,)."""
        return self.Q.max(axis=1)


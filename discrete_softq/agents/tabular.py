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

The update is the two lines of :meth:`TabularAgent.learn`, calling the rules of
:mod:`discrete_softq.agents.rules` (:func:`~.rules.td_target`, :func:`~.rules.td_step`) that the
batched runner calls on many rows at once. Where ``y - Q`` would overflow it is computed in the
convex form :math:`(1 - \eta) Q + \eta\, y`, which cannot overflow for finite ``Q`` and target;
a target that overflows raises ValueError.

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

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate
from ..soft import check_prior, log_sum_exp, softmax
from .rules import (boltzmann_actions, epsilon_greedy, hard_values, mix_uniform, sample_rows, soft_values, td_step,
                    td_target, visit_step_size)
from .schedules import Schedule, ScheduleLike, as_schedule
from .training import History, train

__all__ = ["SoftQLearning", "QLearning", "BoltzmannQLearning", "TabularAgent", "train", "History",
           "sample_boltzmann", "epsilon_greedy"]

#: Former name of :func:`discrete_softq.agents.rules.boltzmann_actions`.
sample_boltzmann = boltzmann_actions


# ---------------------------------------------------------------------- the common learner
class TabularAgent:
    """Shared machinery: the Q-table, visit counts, the learning-rate schedule, the generator.

    Subclasses define ``_choose(state, u)`` (an action from one uniform), ``next_value(state)``
    and :meth:`policy`.
    """

    def __init__(self, n_states: int, n_actions: int, gamma: float, lr: ScheduleLike,
                 q_init: float, seed: int | np.random.Generator | None) -> None:
        self.n_states = _validate.integer(n_states, "n_states", low=1)
        self.n_actions = _validate.integer(n_actions, "n_actions", low=1)
        self.gamma: float = _validate.real(gamma, "gamma", low=0.0, high=1.0)
        self.lr: Schedule = as_schedule(lr, "lr", low=0.0, high=1.0)
        self.q_init = _validate.real(q_init, "q_init")
        self.rng: np.random.Generator = _validate.generator(seed)
        self.Q: NDArray[np.float64] = np.full((self.n_states, self.n_actions), self.q_init)
        self.visits: NDArray[np.int64] = np.zeros((self.n_states, self.n_actions), dtype=np.int64)
        self.n_updates: int = 0

    # -- subclass hooks
    def _choose(self, state: int, u: float) -> int:
        raise NotImplementedError

    def next_value(self, state: int) -> float:
        """The value ``V(state)`` that bootstraps the TD target."""
        raise NotImplementedError

    def policy(self) -> NDArray[np.float64]:
        """The behaviour policy of the current Q-table, shape (n_states, n_actions)."""
        raise NotImplementedError

    # -- the interface
    def act(self, state: int) -> int:
        """Sample an action in ``state`` (draws one uniform from the agent's generator)."""
        return self._choose(_validate.index(state, "state", self.n_states), self.rng.random())

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """One TD step on ``Q[s, a]`` (no checks, no model, no planning): the rules run_batched shares."""
        target = td_target(r, self.gamma, self.next_value(s_next), terminated)
        self.Q[s, a] = td_step(self.Q[s, a], visit_step_size(self.visits, (s, a), self.lr), target)

    def _checked(self, s: Any, a: Any, r: Any, s_next: Any, terminated: Any) -> tuple[int, int, float, int, bool]:
        return (_validate.index(s, "s", self.n_states), _validate.index(a, "a", self.n_actions),
                _validate.real(r, "r"), _validate.index(s_next, "s_next", self.n_states),
                _validate.flag(terminated, "terminated"))

    def update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """Learn from one real transition; ``terminated=False`` for a time-limit truncation."""
        self.learn(*self._checked(s, a, r, s_next, terminated))
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
    behaviour : None, float or ndarray of shape (n_actions,) or (n_states, n_actions)
        How the agent acts; the target stays the soft backup whatever it is (soft Q-learning is
        off-policy). ``None``: its own Boltzmann policy (on-policy). A float ``e`` in [0, 1]: that
        share of uniformly random actions mixed in, :math:`(1 - e)\,\pi + e / |A|`. An array: act
        by that fixed policy. The fixed point is the soft :math:`Q^*` only if every pair is
        visited infinitely often: on-policy, an action whose Boltzmann probability is
        :math:`e^{-12}` is in effect never tried, and a Q-table that under-values it stays wrong
        (the lock-in of issue 14 when the entropy bonus rewards self-loops); ``e > 0`` or a
        full-support policy removes it.

    Notes
    -----
    Why the behaviour matters: the target ignores the next action, but a pair is corrected only
    when it is tried, so the fixed point needs every pair visited infinitely often. On-policy, with
    the Shannon bonus and ``q_init = 0``, the start's moves into its walls are self-loops: they keep
    the agent where it is, so they are updated again and again, each time bootstrapping on the
    start's own soft value (which the entropy bonus raises), and they rise first. The Boltzmann
    policy then tries an action whose value lags by :math:`\Delta Q` with probability about
    :math:`e^{-\Delta Q/\alpha}` -- :math:`e^{-12}` at a gap of 6 and ``alpha = 0.5`` -- so in practice
    never, and its value stays near ``q_init``. On issue 14's 3x4 layout the error after 200,000
    steps stays at 99% of :math:`\max|Q^*|`, while uniform behaviour reaches :math:`Q^*` to rounding
    (:mod:`discrete_softq.experiments.offpolicy` measures both, on FrozenLake too).

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
                 seed: int | np.random.Generator | None = None, behaviour: Any = None) -> None:
        super().__init__(n_states, n_actions, gamma, lr, q_init, seed)
        self.alpha_schedule: Schedule = as_schedule(alpha, "alpha", clock="t")
        rho = check_prior(prior, (self.n_states, self.n_actions))  # None for prior=None
        self.prior: NDArray[np.float64] | None = None if rho is None else np.broadcast_to(
            rho, (self.n_states, self.n_actions))
        self.behaviour = behaviour
        #: share of uniform actions mixed into the Boltzmann policy, and the fixed behaviour policy (or None)
        self.mix, self.fixed_behaviour = _check_behaviour(behaviour, self.n_states, self.n_actions)

    @property
    def alpha(self) -> float:
        """The temperature in force now (the schedule at the current update count)."""
        return float(self.alpha_schedule(self.n_updates))

    def _prior_rows(self, state: int) -> NDArray | None:
        return None if self.prior is None else self.prior[state : state + 1]

    def _choose(self, state: int, u: float) -> int:
        if self.fixed_behaviour is not None:
            return int(sample_rows(self.fixed_behaviour[state : state + 1], np.array([u]))[0])
        pi = softmax(self.Q[state : state + 1], self.alpha, self._prior_rows(state))
        return int(sample_rows(mix_uniform(pi, self.mix) if self.mix else pi, np.array([u]))[0])

    def behaviour_policy(self) -> NDArray[np.float64]:
        """The policy the agent acts by, shape (n_states, n_actions) (:meth:`policy` if ``behaviour=None``)."""
        if self.fixed_behaviour is not None:
            return self.fixed_behaviour.copy()
        return mix_uniform(self.policy(), self.mix)

    def next_value(self, state: int) -> float:
        """The soft value ``alpha log sum_a rho exp(Q(state, a) / alpha)``."""
        return soft_values(self.Q[state : state + 1], self.alpha, self._prior_rows(state))[0]

    def policy(self) -> NDArray[np.float64]:
        """The Boltzmann policy ``rho exp((Q - V) / alpha)``, shape (n_states, n_actions)."""
        return softmax(self.Q, self.alpha, self.prior)

    def values(self) -> NDArray[np.float64]:
        """The soft state values of the current Q-table, shape (n_states,)."""
        return log_sum_exp(self.Q, self.alpha, self.prior)


def _check_behaviour(behaviour: Any, n_states: int, n_actions: int) -> tuple[float, NDArray[np.float64] | None]:
    """``(share of uniform actions, fixed behaviour policy or None)`` of a ``behaviour`` argument."""
    if behaviour is None:
        return 0.0, None
    if np.ndim(behaviour) == 0:
        return _validate.real(behaviour, "behaviour", low=0.0, high=1.0), None
    b = _validate.distribution(behaviour, "behaviour")
    if b.shape not in ((n_actions,), (n_states, n_actions)):
        raise ValueError(f"behaviour must be a number in [0, 1] or a policy of shape ({n_actions},) or "
                         f"({n_states}, {n_actions}); got shape {b.shape}")
    return 0.0, _validate.frozen(np.broadcast_to(b, (n_states, n_actions)))


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
        self.epsilon: float = _validate.real(epsilon, "epsilon", low=0.0, high=1.0)

    def _choose(self, state: int, u: float) -> int:
        return int(epsilon_greedy(self.Q[state : state + 1], self.epsilon, np.array([u]))[0])

    def next_value(self, state: int) -> float:
        """``max_a Q(state, a)``."""
        return hard_values(self.Q[state])

    def policy(self) -> NDArray[np.float64]:
        """The epsilon-greedy policy: ``epsilon / A`` everywhere plus ``1 - epsilon`` shared by the ties."""
        ties = (self.Q == self.Q.max(axis=1, keepdims=True)).astype(float)
        return self.epsilon / self.n_actions + (1.0 - self.epsilon) * ties / ties.sum(axis=1, keepdims=True)

    def values(self) -> NDArray[np.float64]:
        """``max_a Q(s, a)``, shape (n_states,)."""
        return self.Q.max(axis=1)



class BoltzmannQLearning(TabularAgent):
    r"""Q-learning with Boltzmann (softmax) exploration: the hard target, a soft behaviour.

    .. math:: Q(s,a) \leftarrow Q(s,a) + \eta\,\big(r + \gamma \max_{a'} Q(s',a') - Q(s,a)\big),
              \qquad a \sim \operatorname{softmax}(Q(s, \cdot) / \tau)

    The baseline that one-step-entropy methods stand for: its behaviour is as random as the soft
    agent's, but its target ignores the entropy of the future, so its fixed point is the hard
    :math:`Q^*` (of :func:`discrete_softq.value_iteration`), not the soft one.

    Parameters
    ----------
    n_states, n_actions : int
    temperature : float or callable
        Softmax temperature ``tau >= 0`` (``0``: greedy with random tie-breaking), or a schedule
        ``t -> tau_t`` over the update count.
    gamma, lr, q_init, seed
        As in :class:`SoftQLearning`.

    Examples
    --------
    >>> agent = BoltzmannQLearning(2, 2, temperature=1.0, gamma=0.5, lr=1.0, seed=0)
    >>> agent.Q[1] = [0.0, 2.0]
    >>> agent.update(0, 1, 1.0, 1, terminated=False)
    >>> float(agent.Q[0, 1])                       # 1 + 0.5 * max(0, 2)
    2.0
    >>> agent.policy()[0].round(4)
    array([0.1192, 0.8808])
    """

    def __init__(self, n_states: int, n_actions: int, temperature: float | Schedule = 0.1, gamma: float = 0.95,
                 lr: ScheduleLike = 0.1, q_init: float = 0.0, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(n_states, n_actions, gamma, lr, q_init, seed)
        self.temperature_schedule: Schedule = as_schedule(temperature, "temperature", clock="t")

    @property
    def temperature(self) -> float:
        """The temperature in force now (the schedule at the current update count)."""
        return float(self.temperature_schedule(self.n_updates))

    def _choose(self, state: int, u: float) -> int:
        return int(boltzmann_actions(self.Q[state : state + 1], self.temperature, None, np.array([u]))[0])

    def next_value(self, state: int) -> float:
        """``max_a Q(state, a)``."""
        return hard_values(self.Q[state])

    def policy(self) -> NDArray[np.float64]:
        """The softmax behaviour ``softmax(Q / temperature)``, shape (n_states, n_actions)."""
        return softmax(self.Q, self.temperature)

    def values(self) -> NDArray[np.float64]:
        """``max_a Q(s, a)``, shape (n_states,)."""
        return self.Q.max(axis=1)

r"""A deterministic-policy baseline: DDPG (Lillicrap et al. 2016) with the same NumPy networks.

The critic minimises the ordinary (hard) Bellman error against target networks,

.. math::

    J_Q = \tfrac12\, \mathbb{E}\bigl[(Q(s, a) - c\,r - \gamma\, \bar Q(s', \bar\mu(s')))^2\bigr],

and the actor :math:`\mu(s) = \tanh g_\theta(s)` ascends :math:`Q(s, \mu(s))` by the
deterministic policy gradient :math:`\nabla_\theta \mu(s)^\top \nabla_a Q(s, a)|_{a = \mu(s)}`
(through the tanh Jacobian :math:`1 - \mu^2`). Exploration adds noise to the action: independent
Gaussian noise :math:`\sigma\varepsilon_t`, or (``noise="ou"``, as the reference code's
``OUStrategy``) an Ornstein-Uhlenbeck process, temporally correlated,

.. math::

    n_{t+1} = n_t - \theta\, n_t + \sigma\, \varepsilon_t, \qquad n_0 = 0,\ \varepsilon_t \sim \mathcal N(0, I),

reset to 0 at every episode end (:meth:`DDPGAgent.end_episode`, called by
:func:`~discrete_softq.continuous.training.train`). Its stationary standard deviation is
:math:`\sigma / \sqrt{\theta (2 - \theta)}` (0.57 for the reference's :math:`\theta = 0.15`,
:math:`\sigma = 0.3`): the actions drift in one direction for several steps.
Rewards are scaled by ``reward_scale`` :math:`c` (0.1, as for soft Q-learning).

On the multi-goal task the learned policy is one deterministic map, so rollouts from the
origin all head for the one or two goals it happened to commit to -- the contrast of
Haarnoja et al. (2017), Figure 1.

References
----------
Lillicrap et al. (2016), Continuous control with deep reinforcement learning.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate
from .checks import check_fits, check_replay_sizes, check_rows, check_widths, paired_input
from .nn import MLP, Adam
from .replay import Batch, ReplayBuffer

__all__ = ["DDPGAgent", "NOISES"]

#: Exploration noises of :class:`DDPGAgent`.
NOISES = ("gaussian", "ou")


class DDPGAgent:
    r"""Deep deterministic policy gradient with Gaussian or Ornstein-Uhlenbeck exploration noise.

    Parameters
    ----------
    obs_dim, act_dim : int
        Observation and action dimensions; actions lie in :math:`[-1, 1]^d`.
    gamma : float
        Discount in [0, 1).
    hidden : sequence of int
        Hidden widths of actor and critic (ReLU).
    q_lr, policy_lr : float
        Adam step sizes of critic and actor.
    batch_size : int
        Transitions per gradient step.
    noise_std : float
        :math:`\sigma`: the standard deviation of the Gaussian noise, or of the OU increments
        (the action is clipped to the box).
    noise : {"gaussian", "ou"}
        Independent Gaussian noise (default) or the Ornstein-Uhlenbeck process above.
    ou_theta : float
        :math:`\theta \in (0, 1]`, the OU pull back to 0 per step (0.15 as the reference; 1 makes
        the OU noise independent Gaussian noise).
    tau : float
        Polyak rate of the target networks, :math:`\bar\theta \leftarrow \tau\theta + (1-\tau)\bar\theta`.
    reward_scale : float
        :math:`c > 0`, multiplies rewards (0.1 matches the soft Q-learning agent's :math:`1/\alpha`).
    min_replay : int
        Gradient steps start once the buffer holds this many transitions (at least ``batch_size``).
    replay_capacity : int
        Replay buffer size (at least ``min_replay``).
    seed : int, numpy.random.Generator or None
        All randomness of the agent.

    Attributes
    ----------
    actor, critic, target_actor, target_critic : MLP
    buffer : ReplayBuffer
    n_updates : int
    """

    def __init__(self, obs_dim: int, act_dim: int, gamma: float = 0.99, hidden: Sequence[int] = (100, 100),
                 q_lr: float = 1e-3, policy_lr: float = 1e-3, batch_size: int = 64, noise_std: float = 0.3,
                 tau: float = 0.01, reward_scale: float = 0.1, min_replay: int = 200,
                 replay_capacity: int = 1_000_000, seed: int | np.random.Generator | None = None,
                 noise: str = "gaussian", ou_theta: float = 0.15) -> None:
        self.obs_dim = _validate.integer(obs_dim, "obs_dim", low=1)
        self.act_dim = _validate.integer(act_dim, "act_dim", low=1)
        self.gamma = _validate.real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
        hidden = check_widths(hidden, "hidden")
        q_lr = _validate.real(q_lr, "q_lr", low=0.0, low_open=True)
        policy_lr = _validate.real(policy_lr, "policy_lr", low=0.0, low_open=True)
        self.noise_std = _validate.real(noise_std, "noise_std", low=0.0)
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}; got {noise!r}")
        self.noise = noise
        self.ou_theta = _validate.real(ou_theta, "ou_theta", low=0.0, high=1.0, low_open=True)
        self.noise_state = np.zeros(self.act_dim)
        self.tau = _validate.real(tau, "tau", low=0.0, high=1.0, low_open=True)
        self.reward_scale = _validate.real(reward_scale, "reward_scale", low=0.0, low_open=True)
        self.batch_size = _validate.integer(batch_size, "batch_size", low=1)
        self.min_replay, replay_capacity = check_replay_sizes(self.batch_size, min_replay, replay_capacity)
        self.rng = _validate.generator(seed)
        a_seed, c_seed = self.rng.spawn(2)
        self.actor = MLP([self.obs_dim, *hidden, self.act_dim], "relu", seed=a_seed, dtype=np.float32)
        self.critic = MLP([self.obs_dim + self.act_dim, *hidden, 1], "relu", seed=c_seed, dtype=np.float32)
        self.target_actor, self.target_critic = self.actor.copy(), self.critic.copy()
        self.actor_optimizer = Adam(self.actor.params, lr=policy_lr)
        self.critic_optimizer = Adam(self.critic.params, lr=q_lr)
        self.buffer = ReplayBuffer(self.obs_dim, self.act_dim, replay_capacity)
        self.n_updates = 0

    def policy_action(self, obs: ArrayLike) -> NDArray[np.float64]:
        r"""The deterministic action :math:`\mu(s) = \tanh g(s)`: (..., obs_dim) -> (..., act_dim)."""
        obs = check_rows(obs, self.obs_dim, "obs", dtype=self.actor.dtype, what=" (obs_dim)")
        return np.tanh(self.actor(obs)).astype(float)

    def act(self, obs: ArrayLike) -> NDArray[np.float64]:
        """Behaviour action at ``obs`` (obs_dim,): :math:`\\mu(s)` plus the exploration noise, clipped to [-1, 1]^d."""
        obs = check_rows(obs, self.obs_dim, "obs", dtype=self.actor.dtype, what=" (obs_dim)")
        if obs.ndim != 1:
            raise ValueError(f"obs must have shape ({self.obs_dim},), one observation; got {obs.shape}")
        return np.clip(np.tanh(self.actor(obs)).astype(float) + self.exploration_noise(), -1.0, 1.0)

    def exploration_noise(self) -> NDArray[np.float64]:
        r"""The next noise vector (act_dim,): :math:`\sigma\varepsilon`, or the OU step
        :math:`n \leftarrow (1 - \theta) n + \sigma\varepsilon`."""
        eps = self.noise_std * self.rng.standard_normal(self.act_dim)
        if self.noise == "gaussian":
            return eps
        self.noise_state = (1.0 - self.ou_theta) * self.noise_state + eps
        return self.noise_state.copy()

    def end_episode(self) -> None:
        """Reset the OU noise to 0 (:func:`~discrete_softq.continuous.training.train` calls it at each episode end)."""
        self.noise_state = np.zeros(self.act_dim)

    def q_values(self, obs: ArrayLike, actions: ArrayLike) -> NDArray[np.float64]:
        """Critic in reward units, :math:`Q(s, a)/c`: obs (..., obs_dim), actions (..., act_dim) -> (...)."""
        with np.errstate(over="ignore", divide="ignore"):
            pairs = paired_input(obs, actions, self.obs_dim, self.act_dim, self.critic.dtype)
            q = self.critic(pairs)[..., 0] / self.reward_scale
        return check_fits(q, np.float64, "1 / reward_scale", "Q in reward units")

    def update(self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike,
               terminated: bool) -> None:
        """Store the transition and take one gradient step once the buffer is warm."""
        self.buffer.add(obs, action, reward, next_obs, terminated)
        if len(self.buffer) >= self.min_replay:
            self.train_step(self.buffer.sample(self.batch_size, self.rng))

    def train_step(self, batch: Batch) -> float:
        """One critic step, one actor step and a Polyak target update; returns the critic loss."""
        if not isinstance(batch, Batch):
            raise TypeError(f"batch must be a replay Batch; got {type(batch).__name__}")
        B = len(batch.rewards)
        next_a = np.tanh(self.target_actor(batch.next_obs))
        q_next = self.target_critic(np.concatenate([batch.next_obs, next_a], axis=1))[:, 0]
        target = self.reward_scale * batch.rewards + self.gamma * np.where(batch.terminated, 0.0, q_next)
        q, cache = self.critic.forward(np.concatenate([batch.obs, batch.actions], axis=1))
        err = check_fits(q[:, 0] - target, self.critic.dtype, "rewards * reward_scale", "the Bellman error")
        grads, _ = self.critic.backward(cache, (err[:, None] / B).astype(self.critic.dtype))  # fits: checked
        self.critic_optimizer.step(grads)

        u, a_cache = self.actor.forward(batch.obs)
        mu = np.tanh(u)
        _, q_cache = self.critic.forward(np.concatenate([batch.obs, mu], axis=1))
        dx = self.critic.input_gradient(q_cache, np.ones((B, 1)))
        du = -dx[:, self.obs_dim:] * (1.0 - mu**2) / B      # ascend Q(s, mu(s)) through the tanh
        grads, _ = self.actor.backward(a_cache, du)
        self.actor_optimizer.step(grads)

        self.target_actor.load_params(self.actor, self.tau)
        self.target_critic.load_params(self.critic, self.tau)
        self.n_updates += 1
        return float(0.5 * np.mean(err**2))

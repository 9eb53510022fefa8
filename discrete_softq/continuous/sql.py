r"""Continuous soft Q-learning with an amortized SVGD sampling network (Haarnoja et al. 2017).

Algorithm 1 of the paper, in NumPy. With temperature :math:`\alpha` the agent learns

* a soft Q-function, by minimising the soft Bellman error against a target network,

  .. math::

      J_Q = \tfrac12\, \mathbb{E}\bigl[(Q(s, a) - r - \gamma\, V_{\bar Q}(s'))^2\bigr], \qquad
      V_{\bar Q}(s') = \alpha \Bigl[\log \tfrac{1}{M} \sum_{i=1}^M e^{\bar Q(s', a_i)/\alpha}
      + d \log 2 \Bigr],\ a_i \sim U[-1, 1]^d,

  an importance-sampled soft value: :math:`\log \int_{[-1,1]^d} e^{Q/\alpha} da` is
  :math:`\log \mathbb{E}_{U}[e^{Q/\alpha}]` plus the log-volume :math:`d \log 2` of the box;
  :math:`V(s') = 0` when :math:`s'` is terminal;

* a sampling network :math:`a = \tanh f_\phi(s, \xi)`, :math:`\xi \sim \mathcal N(0, I)`, whose
  samples should follow :math:`\pi(a|s) \propto \exp(Q(s, a)/\alpha)`. For each state it draws
  :math:`K` actions, splits them into fixed ones :math:`a_j` and updated ones :math:`a_i`, and
  moves the updated ones along the SVGD direction (Eq. 13),

  .. math::

      \Delta f(s, \xi_i) = \frac{1}{K_f} \sum_j \Bigl[ \kappa(a_j, a_i)\,
      \nabla_{a} Q(s, a)\big|_{a_j} / \alpha + \nabla_{a_j} \kappa(a_j, a_i) \Bigr],

  (Eq. 13 divided by :math:`\alpha`: the same direction, the score of :math:`\pi`) by
  ascending :math:`\sum_i \Delta f_i^\top a_i(\phi)` (Eq. 14): the direction is pushed through
  :math:`a = \tanh u` (Jacobian :math:`1 - a^2`) and then through the network. The kernel and
  its gradient are computed in action space.

Internally the Q network outputs :math:`Q/\alpha` (rewards enter divided by :math:`\alpha`):
the reference code's ``reward_scale`` = :math:`1/\alpha` with unit temperature, the same
fixed point. :meth:`SoftQLearningAgent.q_values` returns :math:`Q` in reward units.

References
----------
Haarnoja, Tang, Abbeel, Levine (2017), Reinforcement Learning with Deep Energy-Based Policies,
Algorithm 1, Eqs. 10-14; the reference implementation ``haarnoja/softqlearning``.
Liu, Wang (2016), Stein Variational Gradient Descent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .. import _validate
from .checks import (check_fits, check_float_dtype, check_replay_sizes, check_rows, check_widths,
                     paired_input)
from .importance import TruncatedGaussian, log_mean_weight
from .nn import MLP, Adam
from .replay import Batch, ReplayBuffer
from .svgd import svgd_direction

__all__ = ["SoftQLearningAgent", "soft_value_estimate", "VALUE_PROPOSALS"]

#: Proposals for the next-state actions of the soft value (:class:`SoftQLearningAgent` ``value_proposal``).
VALUE_PROPOSALS = ("uniform", "policy")


def soft_value_estimate(q_over_alpha: NDArray[np.float64], act_dim: int) -> NDArray[np.float64]:
    r"""Importance-sampled :math:`V/\alpha = \log \frac1M \sum_i e^{Q_i/\alpha} + d \log 2`.

    Parameters
    ----------
    q_over_alpha : ndarray of shape (..., M)
        :math:`Q(s, a_i)/\alpha` at M actions drawn uniformly from :math:`[-1, 1]^d`.
    act_dim : int
        :math:`d`.

    Returns
    -------
    ndarray of shape (...)
        Computed with a stable log-sum-exp; exact for constant Q (:math:`Q/\alpha + d \log 2`).

    Examples
    --------
    >>> float(soft_value_estimate(np.zeros(8), act_dim=2))   # log 1 + 2 log 2: the box has volume 4
    1.3862943611198906
    """
    q_over_alpha = _validate.array(q_over_alpha, "q_over_alpha", dtype=None, copy=False)
    if q_over_alpha.ndim == 0 or q_over_alpha.shape[-1] == 0:
        raise ValueError(f"q_over_alpha must have a non-empty last axis of samples; got shape {q_over_alpha.shape}")
    act_dim = _validate.integer(act_dim, "act_dim", low=1)
    M = q_over_alpha.shape[-1]
    with np.errstate(over="ignore"):  # q - max(q) below -1.8e308 is exp(-inf) = 0, the right limit
        return logsumexp(q_over_alpha, axis=-1) - np.log(M) + act_dim * np.log(2.0)


class SoftQLearningAgent:
    r"""Soft Q-learning with an amortized SVGD sampler, for actions in :math:`[-1, 1]^d`.

    Parameters
    ----------
    obs_dim, act_dim : int
        Observation and action dimensions.
    alpha : float
        Temperature :math:`\alpha > 0` (the paper's reward scale 0.1 on the multi-goal task is
        :math:`\alpha = 10`).
    gamma : float
        Discount in [0, 1).
    hidden : sequence of int
        Hidden widths of both networks (ReLU).
    q_lr, policy_lr : float
        Adam step sizes of the Q network and of the sampling network.
    batch_size : int
        Transitions per gradient step.
    value_particles : int
        :math:`M`, uniform actions per next state in the soft value estimate.
    svgd_particles : int
        :math:`K`, actions drawn per state for the SVGD update.
    svgd_update_ratio : float
        Fraction of the :math:`K` actions that are updated; the rest are fixed and carry the score.
    target_update_interval : int
        The target network is a copy of the Q network, refreshed every this many gradient steps.
    min_replay : int
        Gradient steps start once the buffer holds this many transitions (at least ``batch_size``).
    updates_per_step : int
        Gradient steps per environment step, ``>= 1``.
    squash_correction : bool
        If True, add :math:`\sum_k \log(1 - a_k^2)` to the target log-density as the reference
        code does (a barrier at the box edges). False (default) targets
        :math:`\exp(Q/\alpha)` on the box exactly.
    replay_capacity : int
        Replay buffer size (at least ``min_replay``, else learning would never start).
    dtype : numpy dtype
        Floating type of the networks: float32 (default, about twice as fast) or float64.
    seed : int, numpy.random.Generator or None
        All randomness of the agent (initialisation, noise, minibatches).
    value_proposal : {"uniform", "policy"}
        Where the :math:`M` next-state actions of the soft value come from. "uniform" (default, the
        reference codes' choice): :math:`U[-1, 1]^d`. "policy": a diagonal Gaussian fitted to
        ``svgd_particles`` actions of the sampler at :math:`s'`, truncated to the box
        (:class:`~discrete_softq.continuous.importance.TruncatedGaussian`, exact density :math:`q`),
        and :math:`V/\alpha = \log \frac1M \sum_i e^{\bar Q(s', a_i)/\alpha} / q(a_i)`.

    Attributes
    ----------
    qf, target_qf, policy : MLP
        Q network (input ``[s, a]``, output :math:`Q/\alpha`), its target copy, and the sampling
        network (input ``[s, xi]``, output :math:`u`, action :math:`\tanh u`).
    buffer : ReplayBuffer
    n_updates : int
        Gradient steps taken.
    """

    def __init__(self, obs_dim: int, act_dim: int, alpha: float = 10.0, gamma: float = 0.99,
                 hidden: Sequence[int] = (100, 100), q_lr: float = 1e-3, policy_lr: float = 1e-3,
                 batch_size: int = 64, value_particles: int = 16, svgd_particles: int = 32,
                 svgd_update_ratio: float = 0.5, target_update_interval: int = 1000, min_replay: int = 200,
                 updates_per_step: int = 1, squash_correction: bool = False, replay_capacity: int = 1_000_000,
                 dtype: type = np.float32, seed: int | np.random.Generator | None = None,
                 value_proposal: str = "uniform") -> None:
        self.obs_dim = _validate.integer(obs_dim, "obs_dim", low=1)
        self.act_dim = _validate.integer(act_dim, "act_dim", low=1)
        self.alpha = _validate.real(alpha, "alpha", low=0.0, low_open=True)
        self.gamma = _validate.real(gamma, "gamma", low=0.0, high=1.0, high_open=True)
        hidden = check_widths(hidden, "hidden")
        q_lr = _validate.real(q_lr, "q_lr", low=0.0, low_open=True)
        policy_lr = _validate.real(policy_lr, "policy_lr", low=0.0, low_open=True)
        self.batch_size = _validate.integer(batch_size, "batch_size", low=1)
        self.value_particles = _validate.integer(value_particles, "value_particles", low=1)
        self.svgd_particles = _validate.integer(svgd_particles, "svgd_particles", low=2)
        ratio = _validate.real(svgd_update_ratio, "svgd_update_ratio", low=0.0, high=1.0,
                               low_open=True, high_open=True)
        self.n_updated = round(self.svgd_particles * ratio)
        if not 1 <= self.n_updated < self.svgd_particles:
            raise ValueError("svgd_particles * svgd_update_ratio must leave at least one fixed and one updated "
                             f"particle; got {self.svgd_particles} * {ratio:g}")
        self.target_update_interval = _validate.integer(target_update_interval, "target_update_interval", low=1)
        self.min_replay, replay_capacity = check_replay_sizes(self.batch_size, min_replay, replay_capacity)
        self.updates_per_step = _validate.integer(updates_per_step, "updates_per_step", low=1)
        self.squash_correction = _validate.flag(squash_correction, "squash_correction")
        if not isinstance(value_proposal, str) or value_proposal not in VALUE_PROPOSALS:
            raise ValueError(f"value_proposal must be one of {VALUE_PROPOSALS}; got {value_proposal!r}")
        self.value_proposal = value_proposal
        dtype = check_float_dtype(dtype)
        self.rng = _validate.generator(seed)
        q_seed, p_seed = self.rng.spawn(2)
        self.qf = MLP([self.obs_dim + self.act_dim, *hidden, 1], "relu", seed=q_seed, dtype=dtype)
        self.target_qf = self.qf.copy()
        self.policy = MLP([self.obs_dim + self.act_dim, *hidden, self.act_dim], "relu", seed=p_seed,
                          dtype=dtype)
        self.q_optimizer = Adam(self.qf.params, lr=q_lr)
        self.policy_optimizer = Adam(self.policy.params, lr=policy_lr)
        self.buffer = ReplayBuffer(self.obs_dim, self.act_dim, replay_capacity)
        self.n_updates = 0

    # ---------------------------------------------------------------- acting
    def sample_actions(self, obs: ArrayLike, n_samples: int) -> NDArray[np.float64]:
        r"""``n_samples`` actions :math:`\tanh f(s, \xi)` per observation: (..., obs_dim) -> (..., n, act_dim)."""
        obs = check_rows(obs, self.obs_dim, "obs", dtype=self.policy.dtype, what=" (obs_dim)")
        return self._sample(obs, _validate.integer(n_samples, "n_samples", low=1))

    def act(self, obs: ArrayLike) -> NDArray[np.float64]:
        """One sample of the sampling network at ``obs`` (obs_dim,): an action in [-1, 1]^d."""
        obs = check_rows(obs, self.obs_dim, "obs", dtype=self.policy.dtype, what=" (obs_dim)")
        if obs.ndim != 1:
            raise ValueError(f"obs must have shape ({self.obs_dim},), one observation; got {obs.shape}")
        return self._sample(obs, 1)[0].astype(float)

    def _sample(self, obs: NDArray, n_samples: int) -> NDArray[np.float64]:
        """:meth:`sample_actions` on checked observations (also the sampler's own fixed particles)."""
        xi = self.rng.standard_normal((*obs.shape[:-1], n_samples, self.act_dim))
        return self._squashed(self._pair(obs, xi))[0]

    def q_values(self, obs: ArrayLike, actions: ArrayLike) -> NDArray[np.float64]:
        """Soft Q in reward units, :math:`Q(s, a)`: obs (..., obs_dim), actions (..., act_dim) -> (...)."""
        with np.errstate(over="ignore"):
            q = self.alpha * self.qf(paired_input(obs, actions, self.obs_dim, self.act_dim, self.qf.dtype))[..., 0]
        return check_fits(q, np.float64, "alpha", "Q in reward units")

    # ---------------------------------------------------------------- learning
    def update(self, obs: ArrayLike, action: ArrayLike, reward: float, next_obs: ArrayLike,
               terminated: bool) -> None:
        """Store the transition, then take ``updates_per_step`` gradient steps once the buffer is warm."""
        self.buffer.add(obs, action, reward, next_obs, terminated)
        if len(self.buffer) >= self.min_replay:
            for _ in range(self.updates_per_step):
                self.train_step(self.buffer.sample(self.batch_size, self.rng))

    def train_step(self, batch: Batch) -> tuple[float, float]:
        """One gradient step on the Q network and one on the sampler; returns (Bellman loss, mean ``|Δf|``)."""
        if not isinstance(batch, Batch):
            raise TypeError(f"batch must be a replay Batch; got {type(batch).__name__}")
        B, M, d = len(batch.rewards), self.value_particles, self.act_dim
        if self.value_proposal == "uniform":
            q_grads, loss = self.q_gradients(batch, self.rng.uniform(-1.0, 1.0, size=(B, M, d)))
        else:
            proposal = TruncatedGaussian.fit(self._sample(batch.next_obs, self.svgd_particles).astype(float))
            actions = proposal.sample(M, self.rng)
            q_grads, loss = self.q_gradients(batch, actions, log_proposal=proposal.log_prob(actions))
        self.q_optimizer.step(q_grads)
        n_fixed = self.svgd_particles - self.n_updated
        fixed = self._sample(batch.obs, n_fixed)
        xi = self.rng.standard_normal((B, self.n_updated, d))
        p_grads, phi = self.sampler_gradients(batch.obs, fixed, xi)
        self.policy_optimizer.step(p_grads)
        self.n_updates += 1
        if self.n_updates % self.target_update_interval == 0:
            self.target_qf.load_params(self.qf)
        return loss, float(np.mean(np.linalg.norm(phi, axis=-1)))

    def q_gradients(self, batch: Batch, uniform_actions: NDArray[np.float64],
                    log_proposal: NDArray[np.float64] | None = None) -> tuple[list, float]:
        r"""Gradient of :math:`\tfrac12 \mathrm{mean}(Q/\alpha - y)^2` for the Q network, and the loss in reward units.

        Parameters
        ----------
        batch : Batch
        uniform_actions : ndarray of shape (B, M, act_dim)
            Uniform samples on :math:`[-1, 1]^d` for the soft value of each next state (or the
            draws of another proposal, with ``log_proposal``).
        log_proposal : ndarray of shape (B, M), optional
            :math:`\log q(a_i)` of a non-uniform proposal: the value is then
            :func:`~discrete_softq.continuous.importance.log_mean_weight`.

        Returns
        -------
        grads : list of ndarray
            Matches ``qf.params``; the target :math:`y` is held fixed (semi-gradient).
        loss : float
            :math:`\tfrac12 \mathrm{mean}(Q - \alpha y)^2` in reward units.
        """
        q_next = self.target_qf(self._pair(batch.next_obs, uniform_actions))[..., 0]      # (B, M)
        v_hat = (soft_value_estimate(q_next, self.act_dim) if log_proposal is None
                 else log_mean_weight(q_next, log_proposal))
        v_next = np.where(batch.terminated, 0.0, v_hat)
        with np.errstate(over="ignore", invalid="ignore"):  # reported by check_fits, naming the cause
            target = batch.rewards / self.alpha + self.gamma * v_next
        q, cache = self.qf.forward(np.concatenate([batch.obs, batch.actions], axis=1))
        with np.errstate(invalid="ignore"):
            err = check_fits(q[:, 0] - target, self.qf.dtype, "rewards / alpha", "the Bellman error")
        grads, _ = self.qf.backward(cache, (err[:, None] / len(err)).astype(self.qf.dtype))  # fits: checked
        with np.errstate(over="ignore"):
            loss = 0.5 * np.mean((self.alpha * err) ** 2)
        return grads, float(check_fits(loss, np.float64, "alpha", "the Bellman loss in reward units"))

    def sampler_gradients(self, obs: NDArray[np.float64], fixed: NDArray[np.float64],
                          xi: NDArray[np.float64]) -> tuple[list, NDArray[np.float64]]:
        r"""Eq. 14: the sampler's parameter gradient that moves its actions along the SVGD direction.

        Parameters
        ----------
        obs : ndarray of shape (B, obs_dim)
        fixed : ndarray of shape (B, K_f, act_dim)
            Actions of the sampler treated as constants; they carry the score
            :math:`\nabla_a Q(s, a)/\alpha`.
        xi : ndarray of shape (B, K_u, act_dim)
            Noise of the updated particles :math:`a_i = \tanh f(s, \xi_i)`.

        Returns
        -------
        grads : list of ndarray
            Matches ``policy.params``: the gradient of the surrogate loss
            :math:`-\frac1B \sum_{b,i} \Delta f_{b,i}^\top a_{b,i}(\phi)` with :math:`\Delta f`
            held fixed; through the tanh, :math:`\partial a / \partial u = 1 - a^2`.
        phi : ndarray of shape (B, K_u, act_dim)
            The SVGD direction :math:`\Delta f` (Eq. 13 divided by :math:`\alpha`) at the updated actions.
        """
        updated, cache = self._squashed(self._pair(obs, xi))                              # (B, K_u, d)
        _, q_cache = self.qf.forward(self._pair(obs, fixed))
        dq = self.qf.input_gradient(q_cache, np.ones((*fixed.shape[:-1], 1)))
        score = dq[..., self.obs_dim:].astype(float)                                       # grad_a Q/alpha
        if self.squash_correction:
            score = score - 2.0 * fixed / (1.0 - fixed**2 + 1e-6)
        phi = svgd_direction(fixed, score, updated)                                       # (B, K_u, d)
        du = -phi * (1.0 - updated**2) / len(obs)     # ascend <phi, a>: chain rule through a = tanh(u)
        grads, _ = self.policy.backward(cache, du)
        return grads, phi

    # ---------------------------------------------------------------- helpers
    def _pair(self, obs: NDArray[np.float64], z: NDArray[np.float64]) -> NDArray[np.float64]:
        """Concatenate obs (..., o) with z (..., n, k), repeating obs over the n axis."""
        obs = np.broadcast_to(np.asarray(obs, dtype=float)[..., None, :], (*z.shape[:-1], self.obs_dim))
        return np.concatenate([obs, z], axis=-1)

    def _squashed(self, inputs: NDArray[np.float64]):
        u, cache = self.policy.forward(inputs)
        return np.tanh(u), cache

r"""Composing learned soft Q-functions: average two Q networks, re-fit only the sampler (Haarnoja et al. 2018).

Two soft Q-learning agents trained on tasks with rewards :math:`r_1, r_2` (same temperature
:math:`\alpha`) are composed for the task with the average reward :math:`r_C = (r_1 + r_2)/2` by
averaging their soft Q-functions,

.. math::

    Q_\Sigma(s, a) = \tfrac12 \bigl(Q_1(s, a) + Q_2(s, a)\bigr) \approx Q^*_C(s, a),
    \qquad \pi_\Sigma(a \mid s) \propto \exp\bigl(Q_\Sigma(s, a) / \alpha\bigr).

The approximation is exact when the two tasks agree; its error is bounded by the divergence of
the two policies (Lemma 1; the exact tabular check is :mod:`discrete_softq.compose`). Only a
new sampling network is fitted to :math:`\exp(Q_\Sigma/\alpha)`, by the same amortized SVGD step
as soft Q-learning (:meth:`SoftQLearningAgent.sampler_gradients`), on states drawn from the union
of the two agents' replay buffers: **no new environment steps**. The reference code does the
same with ``SumQFunction`` (a sum; here the average, so :math:`Q_\Sigma` is on the scale of
:math:`r_C`) and ``UnionBuffer``.

References
----------
Haarnoja, Pong, Zhou, Dalal, Abbeel, Levine (2018), Composable Deep Reinforcement Learning for
Robotic Manipulation, Section 4 and Lemma 1; the reference code ``examples/pusher_combine.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validate
from .replay import UnionBuffer
from .sql import SoftQLearningAgent

__all__ = ["SumQFunction", "ComposedAgent", "compose_agents"]


class SumQFunction:
    r"""A weighted sum :math:`\sum_k w_k Q_k` of networks, with the MLP interface the sampler update uses.

    Duck-types :class:`~discrete_softq.continuous.nn.MLP` for evaluation: ``forward`` (output and
    a cache), ``__call__``, and ``input_gradient`` (the input gradient is the same weighted sum
    of the parts' input gradients). It has no parameters and cannot be trained.

    Parameters
    ----------
    q_functions : sequence of MLP
        Networks with the same input and output sizes.
    weights : sequence of float, optional
        :math:`w_k`; default :math:`1/K` each (the average).

    Examples
    --------
    >>> from discrete_softq.continuous import MLP
    >>> q1, q2 = MLP([3, 4, 1], seed=0), MLP([3, 4, 1], seed=1)
    >>> x = np.ones((2, 3))
    >>> bool(np.allclose(SumQFunction([q1, q2])(x), (q1(x) + q2(x)) / 2))
    True
    """

    def __init__(self, q_functions: Sequence[Any], weights: Sequence[float] | None = None) -> None:
        self.q_functions = list(q_functions)
        if not self.q_functions:
            raise ValueError("q_functions must hold at least one network")
        for q in self.q_functions:
            if not all(callable(getattr(q, m, None)) for m in ("forward", "input_gradient")):
                raise TypeError(f"q_functions must have forward() and input_gradient(); got {type(q).__name__}")
        sizes = {(q.sizes[0], q.sizes[-1]) for q in self.q_functions}
        if len(sizes) > 1:
            raise ValueError(f"q_functions must share input and output sizes; got {sorted(sizes)}")
        n = len(self.q_functions)
        w = np.full(n, 1.0 / n) if weights is None else _validate.array(weights, "weights", shape=(n,))
        self.weights = _validate.frozen(w)
        self.sizes = [self.q_functions[0].sizes[0], self.q_functions[0].sizes[-1]]
        self.dtype = self.q_functions[0].dtype

    def forward(self, x: ArrayLike) -> tuple[NDArray[np.float64], list[Any]]:
        """:math:`\\sum_k w_k Q_k(x)` and the parts' caches (for :meth:`input_gradient`)."""
        outs, caches = zip(*(q.forward(x) for q in self.q_functions))
        return sum(w * y for w, y in zip(self.weights, outs)), list(caches)

    def __call__(self, x: ArrayLike) -> NDArray[np.float64]:
        return self.forward(x)[0]

    def input_gradient(self, cache: list[Any], dy: ArrayLike) -> NDArray[np.float64]:
        """:math:`\\sum_k w_k\\, \\partial Q_k / \\partial x` contracted with ``dy``."""
        return sum(w * q.input_gradient(c, dy) for w, q, c in zip(self.weights, self.q_functions, cache))


class ComposedAgent:
    r"""The composed policy: :math:`Q_\Sigma` and a sampler fitted to :math:`\exp(Q_\Sigma/\alpha)`.

    Offers what evaluation needs from a :class:`SoftQLearningAgent` -- ``act``, ``sample_actions``,
    ``q_values`` -- but no ``update``: its Q is fixed.

    Attributes
    ----------
    qf : SumQFunction
    policy : MLP
        The new sampling network.
    buffer : UnionBuffer
        The parts' replay buffers (only read).
    alpha : float
    n_sampler_steps : int
        Gradient steps of the sampler.
    n_env_steps : int
        Environment steps taken while composing: always 0.
    """

    def __init__(self, sampler: SoftQLearningAgent, buffer: UnionBuffer, n_sampler_steps: int) -> None:
        self._sampler = sampler
        self.qf, self.policy, self.alpha = sampler.qf, sampler.policy, sampler.alpha
        self.obs_dim, self.act_dim = sampler.obs_dim, sampler.act_dim
        self.buffer = buffer
        self.n_sampler_steps = n_sampler_steps
        self.n_env_steps = 0

    def sample_actions(self, obs: ArrayLike, n_samples: int) -> NDArray[np.float64]:
        """``n_samples`` actions of the composed sampler per observation, shape (..., n, act_dim)."""
        return self._sampler.sample_actions(obs, n_samples)

    def act(self, obs: ArrayLike) -> NDArray[np.float64]:
        """One sampled action at ``obs`` (obs_dim,)."""
        return self._sampler.act(obs)

    def q_values(self, obs: ArrayLike, actions: ArrayLike) -> NDArray[np.float64]:
        r""":math:`Q_\Sigma(s, a)` in reward units."""
        return self._sampler.q_values(obs, actions)


def compose_agents(agent1: SoftQLearningAgent, agent2: SoftQLearningAgent, n_sampler_steps: int = 2000,
                   seed: int | np.random.Generator | None = None, weights: Sequence[float] = (0.5, 0.5),
                   policy_lr: float | None = None, progress: bool = False) -> ComposedAgent:
    r"""Average two agents' Q networks and fit a fresh sampler to it by amortized SVGD, with no environment steps.

    Parameters
    ----------
    agent1, agent2 : SoftQLearningAgent
        Trained on two tasks, with the same dimensions and temperature :math:`\alpha`.
    n_sampler_steps : int
        Sampler gradient steps, each on ``agent1.batch_size`` states of the union of the buffers.
    seed : int, numpy.random.Generator or None
        The new sampler's initialisation, noise and minibatches.
    weights : pair of float
        :math:`Q_\Sigma = w_1 Q_1 + w_2 Q_2` (default the average).
    policy_lr : float, optional
        Adam step of the sampler; default ``agent1``'s.
    progress : bool
        tqdm bar over the sampler steps.

    Returns
    -------
    ComposedAgent
        The parts are left untouched (their networks are shared, not copied).

    Examples
    --------
    >>> from discrete_softq.continuous import MultiGoalEnv, train
    >>> parts = [SoftQLearningAgent(2, 2, hidden=(8,), min_replay=16, batch_size=16, seed=k) for k in (0, 1)]
    >>> for k, part in enumerate(parts):
    ...     _ = train(MultiGoalEnv(), part, n_steps=20, seed=k)
    >>> composed = compose_agents(*parts, n_sampler_steps=3, seed=0)
    >>> composed.n_env_steps, composed.sample_actions([0.0, 0.0], 4).shape
    (0, (4, 2))
    """
    agents = (agent1, agent2)
    for k, a in enumerate(agents, start=1):
        if not isinstance(a, SoftQLearningAgent):
            raise TypeError(f"agent{k} must be a SoftQLearningAgent; got {type(a).__name__}")
    if (agent1.obs_dim, agent1.act_dim) != (agent2.obs_dim, agent2.act_dim):
        raise ValueError("agent1 and agent2 must share obs_dim and act_dim")
    if agent1.alpha != agent2.alpha:
        raise ValueError(f"agent1 and agent2 must share alpha (Q networks hold Q / alpha); "
                         f"got {agent1.alpha} and {agent2.alpha}")
    n_sampler_steps = _validate.integer(n_sampler_steps, "n_sampler_steps", low=0)
    progress = _validate.flag(progress, "progress")
    lr = agent1.policy_optimizer.lr if policy_lr is None else policy_lr
    buffer = UnionBuffer([agent1.buffer, agent2.buffer])
    if n_sampler_steps and len(buffer) < agent1.batch_size:
        raise ValueError(f"the union of the replay buffers holds {len(buffer)} transitions, fewer than "
                         f"batch_size = {agent1.batch_size}: train the agents first")
    sampler = SoftQLearningAgent(
        agent1.obs_dim, agent1.act_dim, alpha=agent1.alpha, hidden=agent1.policy.sizes[1:-1], policy_lr=lr,
        batch_size=agent1.batch_size, svgd_particles=agent1.svgd_particles,
        svgd_update_ratio=agent1.n_updated / agent1.svgd_particles, squash_correction=agent1.squash_correction,
        min_replay=agent1.batch_size, replay_capacity=agent1.batch_size, dtype=agent1.policy.dtype, seed=seed)
    sampler.qf = sampler.target_qf = SumQFunction([agent1.qf, agent2.qf], weights)
    steps: Any = range(n_sampler_steps)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="composed sampler", unit="step")
    n_fixed = sampler.svgd_particles - sampler.n_updated
    for _ in steps:
        obs = buffer.sample(sampler.batch_size, sampler.rng).obs
        fixed = sampler.sample_actions(obs, n_fixed)
        xi = sampler.rng.standard_normal((len(obs), sampler.n_updated, sampler.act_dim))
        grads, _ = sampler.sampler_gradients(obs, fixed, xi)
        sampler.policy_optimizer.step(grads)
    return ComposedAgent(sampler, buffer, n_sampler_steps)

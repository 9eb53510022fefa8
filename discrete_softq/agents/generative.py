r"""Learning from a generative model: every pair sampled uniformly, the next state from the dynamics.

The soft TD target :math:`r(s,a) + \gamma\,\alpha \log \sum_{a'} e^{Q(s',a')/\alpha}` does not care
which behaviour produced :math:`(s, a)`: the material of Haarnoja et al. (2017) lets the states and
actions come from arbitrary distributions :math:`q_s, q_a`. Following an actual behaviour through
the environment, as :func:`~discrete_softq.agents.train` does, gives the pairs the frequencies of
that behaviour's trajectories, and some are rare even for the uniform policy (on FrozenLake the
cells next to the goal lie behind holes). :func:`learn_from_model` takes :math:`q_s` and
:math:`q_a` uniform over the live pairs instead, the setting of synchronous / "generative model"
Q-learning analyses:

.. math:: (s, a) \sim \mathrm{Uniform}\{(s, a) : s \text{ live}\}, \quad
          s' \sim P(\cdot \mid s, a), \quad r = r(s, a), \quad \text{terminated} = [s' \text{ terminal}],

and applies each agent's own TD rule (``agent.learn``, run for all agents at once by the same
array code as :func:`~discrete_softq.agents.run_batched`). The reward is the model's expected
reward :math:`r(s, a)`; the fixed point is the same as with sampled rewards.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .. import _validate
from ..mdp import TabularMDP, check_mdp
from .kernels import AgentBatch, checked_agents
from .tabular import BoltzmannQLearning, QLearning, SoftQLearning

__all__ = ["learn_from_model"]

_SUPPORTED = (SoftQLearning, QLearning, BoltzmannQLearning)
_CHUNK = 4096


def learn_from_model(mdp: TabularMDP, agents: Sequence[Any], n_samples: int, seed: int | None = None,
                     snapshot_steps: Sequence[int] = ()) -> NDArray[np.float64]:
    """Train each agent on ``n_samples`` transitions drawn from ``mdp`` with uniform ``q_s, q_a``.

    Parameters
    ----------
    mdp : TabularMDP
        The model the transitions are drawn from (e.g. ``from_gymnasium(gym.make("FrozenLake-v1"))``).
    agents : sequence of SoftQLearning, QLearning or BoltzmannQLearning
        Distinct agents of one class with ``mdp``'s numbers of states and actions; each learns
        from its own stream of samples and is updated in place (``Q``, ``visits``,
        ``n_updates``), as if trained alone. Their behaviour policies are not used.
    n_samples : int
        Transitions per agent.
    seed : int, optional
        Root of the samples: agent ``i`` draws from the ``i``-th child of
        ``numpy.random.SeedSequence(seed)``, so its run does not depend on the other agents.
    snapshot_steps : sequence of int, optional
        Sample counts in ``[0, n_samples]`` (sorted) after which the Q-tables are recorded.

    Returns
    -------
    ndarray of shape (n_agents, n_snapshots, n_states, n_actions)
        The Q-tables after ``snapshot_steps[k]`` samples.

    Examples
    --------
    >>> from discrete_softq import soft_q_iteration
    >>> from discrete_softq.mdp_builders import random_mdp
    >>> mdp = random_mdp(4, 2, gamma=0.5, seed=0)
    >>> agents = [SoftQLearning(4, 2, alpha=1.0, gamma=0.5, lr="1/n", seed=k) for k in range(3)]
    >>> Q = learn_from_model(mdp, agents, 20_000, seed=0, snapshot_steps=[20_000])
    >>> bool(np.abs(Q[:, -1] - soft_q_iteration(mdp, 1.0).Q).max() < 0.05)
    True
    """
    mdp = check_mdp(mdp)
    agents = checked_agents(agents, _SUPPORTED, mdp.n_states, mdp.n_actions, "mdp")
    n_samples = _validate.integer(n_samples, "n_samples", low=0)
    if seed is not None:
        seed = _validate.integer(seed, "seed", low=0)
    snaps = np.array([_validate.integer(k, "snapshot_steps", low=0, high=n_samples) for k in snapshot_steps],
                     dtype=np.int64)
    if np.any(np.diff(snaps) < 0):
        raise ValueError(f"snapshot_steps must be sorted; got {snaps.tolist()}")
    pairs = np.flatnonzero(np.repeat(~mdp.terminal, mdp.n_actions))          # live rows s * A + a
    if pairs.size == 0:
        raise ValueError("mdp has no live state: there is nothing to learn")
    successors, cdf = _successor_tables(mdp)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(agents))]
    batch = AgentBatch(agents)
    out = np.zeros((batch.N, snaps.size, mdp.n_states, mdp.n_actions))
    window = 0
    with np.errstate(over="ignore", invalid="ignore"):   # an overflowing TD target raises ValueError instead
        for t0 in range(0, n_samples, _CHUNK):
            C = min(_CHUNK, n_samples - t0)
            row = pairs[np.stack([g.integers(pairs.size, size=C) for g in rngs], axis=1)]   # (C, N)
            u = np.stack([g.random(C) for g in rngs], axis=1)
            k = (u[..., None] >= cdf[row]).sum(axis=-1)                  # inverse-CDF draw of the successor
            nxt = np.take_along_axis(successors[row], k[..., None], axis=-1)[..., 0]
            s, a = np.divmod(row, mdp.n_actions)
            r, term = mdp.rewards[s, a], mdp.terminal[nxt]
            for c in range(C):
                while window < snaps.size and snaps[window] == t0 + c:
                    out[:, window] = batch.Q
                    window += 1
                batch.learn(s[c], a[c], r[c], nxt[c], term[c], t0 + c)
    out[:, window:] = batch.Q[:, None]
    batch.write_back(n_samples)
    return out


def _successor_tables(mdp: TabularMDP) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Successors of each row ``s * A + a`` and their cumulative probabilities, padded to one width.

    The last cumulative probability of each row is set to exactly 1 (padding entries too), so a
    uniform draw in [0, 1) always picks a listed successor.
    """
    P = sp.csr_matrix(mdp.transition_matrix)                # dense (S*A, S) models too
    counts = np.diff(P.indptr)
    row_of = np.repeat(np.arange(P.shape[0]), counts)
    position = np.arange(P.nnz) - P.indptr[row_of]
    last = P.indptr[1:] - 1                  # each row's last entry (an empty row, a terminal state's, is never drawn)
    successors = np.repeat(P.indices[np.maximum(last, 0)][:, None], int(counts.max()), axis=1).astype(np.intp)
    successors[row_of, position] = P.indices
    running = np.concatenate([[0.0], np.cumsum(P.data)])           # running[k]: mass of the entries before k
    within = running[1:] - running[P.indptr[:-1]][row_of]
    cdf = np.ones(successors.shape)
    cdf[row_of, position] = within
    cdf[np.arange(P.shape[0]), np.maximum(counts - 1, 0)] = 1.0
    return successors, cdf

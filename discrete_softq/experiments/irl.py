r"""Maximum-causal-entropy IRL on a gridworld: recover a hidden reward's policy from demonstrations.

A hidden linear reward :math:`r^*(s) = \phi(s)^\top \theta^*` (random state features and a constant
one) on a gridworld; its soft-optimal policy (KL to uniform, temperature ``alpha``) is the
expert. :func:`run_irl` measures

* with the expert's **exact occupancy**: the recovered reward, the max per-state KL divergence
  between the expert and the recovered reward's soft-optimal policy where the expert goes (states
  holding at least ``1e-6`` of its occupancy: in states it practically never visits, with
  occupancy ~1e-15, the data cannot constrain the policy), and the return of both under the true
  reward;
* with ``n`` **sampled trajectories** from the real environment (``GridWorld.step``), for each
  ``n`` over ``n_seeds`` seeds: the expert-occupancy-weighted KL and the true-return gap, with 95%
  bootstrap intervals;
* **non-identifiability**: adding a potential-based shaping :math:`\gamma \Phi(s') - \Phi(s)` to the
  recovered reward changes the reward map but not the soft-optimal policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.special import rel_entr

from .. import _validate
from ..agents.stats import Estimate, bootstrap_ci
from ..dp import soft_policy_iteration, soft_policy_state_values
from ..envs import GridWorld
from ..inference import occupancy
from ..irl import mce_irl
from ..mdp import TabularMDP

__all__ = ["IRLConfig", "IRLStudy", "run_irl", "expert_demonstrations", "VISITED"]

#: "Where the expert goes": states holding at least this share of its occupancy.
VISITED = 1e-6


@dataclass(frozen=True)
class IRLConfig:
    """What :func:`run_irl` does (validated on construction).

    Attributes
    ----------
    layout : str
        A key of ``discrete_softq.envs.LAYOUTS``.
    gamma, alpha : float
        Discount and temperature of the expert (and of the learner).
    n_features : int
        State features, the last of them constant.
    trajectories : tuple of int
        Numbers of sampled demonstrations.
    n_seeds : int
        Seeds per number of demonstrations.
    max_steps : int
        Truncation of a demonstration; long enough that ``gamma ** max_steps`` is negligible (the
        learner's model has no time limit).
    l2 : float
        The L2 penalty of :func:`~discrete_softq.irl.mce_irl` for sampled demonstrations.
    seed : int
        Seed of the hidden reward and of the demonstrations.
    """

    layout: str = "two_routes"
    gamma: float = 0.95
    alpha: float = 0.5
    n_features: int = 8
    trajectories: tuple[int, ...] = (10, 100, 1000)
    n_seeds: int = 10
    max_steps: int = 300
    l2: float = 1e-3
    seed: int = 0

    def __post_init__(self) -> None:
        _validate.real(self.gamma, "gamma", low=0.0, high=1.0, high_open=True)
        _validate.real(self.alpha, "alpha", low=0.0, low_open=True)
        _validate.integer(self.n_features, "n_features", low=2)
        for n in self.trajectories:
            _validate.integer(n, "trajectories", low=1)
        _validate.integer(self.n_seeds, "n_seeds", low=2)
        _validate.integer(self.max_steps, "max_steps", low=1)
        _validate.real(self.l2, "l2", low=0.0)
        _validate.integer(self.seed, "seed", low=0)


@dataclass(frozen=True, eq=False)
class IRLStudy:
    """The measurements of :func:`run_irl` (arrays over states, read-only)."""

    config: IRLConfig
    layout_rows: tuple[str, ...]
    true_reward: NDArray[np.float64]
    recovered_reward: NDArray[np.float64]
    shaped_reward: NDArray[np.float64]
    expert_occupancy: NDArray[np.float64]
    recovered_occupancy: NDArray[np.float64]
    exact_max_kl: float
    exact_iterations: int
    expert_return: float
    recovered_return: float
    shaping_policy_change: float
    sampled_kl: dict[int, Estimate] = field(default_factory=dict)
    sampled_return_gap: dict[int, Estimate] = field(default_factory=dict)

    def report(self) -> str:
        """The measured figures, as printed by ``python -m discrete_softq.demo irl``."""
        c = self.config
        lines = [f"MCE IRL on {c.layout} ({self.true_reward.size} cells), {c.n_features} state features, "
                 f"gamma {c.gamma}, alpha {c.alpha}, expert soft-optimal for a hidden linear reward",
                 f"exact occupancy: {self.exact_iterations} L-BFGS iterations, max per-state KL(expert || recovered) "
                 f"where the expert goes (occupancy >= {VISITED:g}) {self.exact_max_kl:.1e}; "
                 f"true return expert {self.expert_return:.4f}, "
                 f"recovered {self.recovered_return:.4f}",
                 f"non-identifiability: a potential-based shaping changes the reward by up to "
                 f"{np.abs(self.shaped_reward - self.recovered_reward).max():.2f} and the policy by "
                 f"{self.shaping_policy_change:.1e}",
                 f"sampled demonstrations ({c.n_seeds} seeds, up to {c.max_steps} steps, L2 {c.l2:g}, mean [95% CI]):"]
        for n in c.trajectories:
            kl, gap = self.sampled_kl[n], self.sampled_return_gap[n]
            lines.append(f"  {n:>5} trajectories: occupancy-weighted KL {kl.value:.2e} [{kl.low:.2e}, {kl.high:.2e}]; "
                         f"true-return gap {gap.value:.4f} [{gap.low:.4f}, {gap.high:.4f}]")
        return "\n".join(lines)


def expert_demonstrations(env: GridWorld, policy: NDArray, n: int, max_steps: int,
                          rng: np.random.Generator) -> list[NDArray[np.int64]]:
    """``n`` trajectories of ``policy`` in the real environment (``env.step``), as ``(T, 2)`` (state, action) rows.

    >>> env = GridWorld(["S.G"])
    >>> demos = expert_demonstrations(env, np.full((3, 4), 0.25), 2, 5, np.random.default_rng(0))
    >>> [d.shape[1] for d in demos]
    [2, 2]
    """
    out = []
    env.reset(seed=int(rng.integers(2**31)))
    for _ in range(n):
        state, _ = env.reset()
        rows = []
        for _ in range(max_steps):
            action = int(rng.choice(policy.shape[1], p=policy[state]))
            rows.append((state, action))
            state, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break
        out.append(np.array(rows, dtype=np.int64))
    return out


def _policy_of(mdp: TabularMDP, reward_per_state: NDArray, alpha: float) -> NDArray:
    task = TabularMDP(mdp.P, np.repeat(reward_per_state, mdp.n_actions).reshape(mdp.n_states, -1), mdp.gamma,
                      initial=mdp.initial, terminal=mdp.terminal)
    return np.array(soft_policy_iteration(task, alpha, prior=np.full(mdp.n_actions, 1 / mdp.n_actions)).policy)


def _true_return(mdp: TabularMDP, reward_per_state: NDArray, policy: NDArray) -> float:
    task = TabularMDP(mdp.P, np.repeat(reward_per_state, mdp.n_actions).reshape(mdp.n_states, -1), mdp.gamma,
                      initial=mdp.initial, terminal=mdp.terminal)
    return float(mdp.initial @ soft_policy_state_values(task, policy, 0.0))


def run_irl(config: IRLConfig = IRLConfig(), progress: bool = False) -> IRLStudy:
    """Run the study of the module docstring.

    >>> study = run_irl(IRLConfig(trajectories=(5,), n_seeds=2))
    >>> study.exact_max_kl < 1e-6
    True
    """
    env = GridWorld(config.layout, max_steps=config.max_steps)
    mdp = env.to_mdp(gamma=config.gamma)
    S, A, k = mdp.n_states, mdp.n_actions, config.n_features
    rng = np.random.default_rng(config.seed)
    phi = np.concatenate([rng.normal(size=(S, k - 1)), np.ones((S, 1))], axis=1)
    true_reward = phi @ np.concatenate([rng.normal(scale=0.3, size=k - 1), [-0.2]])
    prior = np.full(A, 1 / A)
    expert = _policy_of(mdp, true_reward, config.alpha)
    d_expert = occupancy(mdp, expert)
    weights = d_expert.sum(axis=1) / d_expert.sum()
    where = weights >= VISITED
    exact = mce_irl(mdp, phi, d_expert, alpha=config.alpha, prior=prior)
    recovered = phi @ exact.theta
    potential = rng.normal(size=S) * ~mdp.terminal
    shaped_sa = np.repeat(recovered, A).reshape(S, A) + config.gamma * mdp.expected_next(potential) - potential[:, None]
    shaped = TabularMDP(mdp.P, shaped_sa, mdp.gamma, initial=mdp.initial, terminal=mdp.terminal)
    shaped_policy = soft_policy_iteration(shaped, config.alpha, prior=prior).policy
    kl, gap = {}, {}
    seeds = np.random.SeedSequence(config.seed).spawn(len(config.trajectories) * config.n_seeds)
    for i, n in enumerate(_progress(config.trajectories, progress)):
        kls, gaps = [], []
        for j in range(config.n_seeds):
            demos = expert_demonstrations(env, expert, n, config.max_steps,
                                          np.random.default_rng(seeds[i * config.n_seeds + j]))
            fit = mce_irl(mdp, phi, demos, alpha=config.alpha, prior=prior, l2=config.l2)
            kls.append(float(weights @ rel_entr(expert, fit.policy).sum(axis=1)))
            gaps.append(_true_return(mdp, true_reward, expert) - _true_return(mdp, true_reward, fit.policy))
        kl[n], gap[n] = bootstrap_ci(np.array(kls)), bootstrap_ci(np.array(gaps))
    return IRLStudy(config=config, layout_rows=tuple(env.layout.rows), true_reward=true_reward,
                    recovered_reward=recovered, shaped_reward=shaped.rewards.mean(axis=1),
                    expert_occupancy=d_expert.sum(axis=1), recovered_occupancy=occupancy(mdp, exact.policy).sum(axis=1),
                    exact_max_kl=float(rel_entr(expert, exact.policy).sum(axis=1)[where].max()),
                    exact_iterations=exact.iterations, expert_return=_true_return(mdp, true_reward, expert),
                    recovered_return=_true_return(mdp, true_reward, exact.policy),
                    shaping_policy_change=float(np.abs(shaped_policy - exact.policy).max()),
                    sampled_kl=kl, sampled_return_gap=gap)


def _progress(items: tuple[int, ...], progress: bool):  # type: ignore[no-untyped-def]
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="demonstrations", unit="size")

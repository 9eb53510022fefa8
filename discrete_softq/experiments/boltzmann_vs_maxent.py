r"""One-step entropy is not the max-ent objective: the soft optimum against Boltzmann exploration of the hard Q*.

At a temperature :math:`\alpha` two policies are equally random *per step* but not equally
far-sighted: the soft-optimal :math:`\pi^*_\alpha = \operatorname{softmax}(Q^*_\alpha/\alpha)` and the
one-step (Boltzmann-exploration, PGQ-style) :math:`\pi_B = \operatorname{softmax}(Q^*_0/\alpha)` of
the hard optimum. They differ by a tilt towards states with future entropy,
:math:`\pi^*_\alpha \propto \pi_B\, e^{\gamma \mathbb{E}[V^*_\alpha(s') - V^*_0(s')]/\alpha}`, and the
max-ent returns by :math:`J(\pi^*_\alpha) - J(\pi_B) = \alpha \sum_s n_B(s)\,\mathrm{KL}(\pi_B \| \pi^*_\alpha) \ge 0`
(:mod:`discrete_softq.testing.boltzmann_theorems`).

On the ``corridor_or_room`` map (:mod:`discrete_softq.envs.layouts`) both routes are 13 steps
long, so :math:`\pi_B` splits 50/50 at the fork; the room holds 126 shortest paths, the corridor
one. Everything here is exact (linear solves), except :func:`monte_carlo`, the check by rollouts
of :meth:`GridWorld.step <discrete_softq.envs.GridWorld.step>` with bootstrap CIs over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from .. import boltzmann_policy, maxent_return, soft_value_iteration, value_iteration
from .._validate import frozen, integer, real
from ..agents.stats import Estimate, bootstrap_ci
from ..envs import Action, GridWorld, parse_layout
from ..inference import occupancy, trajectory_entropy, visit_counts
from ..mdp import check_policy
from ..soft import entropy_bonus

__all__ = ["LAYOUT", "PRIORS", "PolicyStats", "SweepRow", "BoltzmannVsMaxEntResult", "make_env", "policy_stats",
           "compare_policies", "temperature_sweep", "monte_carlo", "run_boltzmann_vs_maxent"]

LAYOUT = "corridor_or_room"
#: The bonus of the objective: Shannon entropy, or minus the KL divergence to the uniform policy.
PRIORS = {"shannon": None, "kl_uniform": np.full(4, 0.25)}
#: Last cell before the goal on each route, and the move that enters the goal from it.
_ROOM_EXIT, _CORRIDOR_EXIT = ((6, 6), Action.RIGHT), ((5, 7), Action.DOWN)


@dataclass(frozen=True, eq=False)
class PolicyStats:
    """One policy on the map, evaluated exactly.

    Attributes
    ----------
    name : str
    policy : ndarray of shape (n_states, 4)
    maxent_return : float
        :math:`J(\\pi) = \\mu^\\top V^\\pi` with the objective's bonus.
    reward_return : float
        The same without the bonus (``alpha = 0``).
    trajectory_entropy : float
        Discounted Shannon causal entropy :math:`\\mathbb{E}\\sum_t \\gamma^t \\mathcal{H}(\\pi(\\cdot|s_t))`.
    fork_room_share : float
        :math:`\\pi(\\text{down}|S) / (\\pi(\\text{down}|S) + \\pi(\\text{right}|S))` at the fork.
    room_route_share : float
        Probability that the episode enters the goal from the room (else: from the corridor).
    occupancy : ndarray of shape (n_states,)
        Normalised discounted state occupancy :math:`(1-\\gamma) n(s)`.
    """

    name: str
    policy: NDArray[np.float64] = field(repr=False)
    maxent_return: float
    reward_return: float
    trajectory_entropy: float
    fork_room_share: float
    room_route_share: float
    occupancy: NDArray[np.float64] = field(repr=False)


@dataclass(frozen=True)
class SweepRow:
    """Soft optimum minus one-step policy at one temperature (``prior``: a key of :data:`PRIORS`)."""

    alpha: float
    prior: str
    return_gap: float
    entropy_gap: float
    fork_soft: float
    fork_one_step: float
    route_soft: float
    route_one_step: float


@dataclass(frozen=True, eq=False)
class BoltzmannVsMaxEntResult:
    """Everything :func:`run_boltzmann_vs_maxent` measured (policies and occupancies read-only, the sweep a tuple)."""

    alpha: float
    prior: str
    gamma: float
    step_reward: float
    soft: PolicyStats
    one_step: PolicyStats
    sweep: tuple[SweepRow, ...]
    monte_carlo: dict[str, dict[str, Estimate]]

    def report(self) -> str:
        """The printed text: both policies exactly, the Monte Carlo check, the temperature sweep."""
        s, b = self.soft, self.one_step
        lines = [f"{LAYOUT}: alpha={self.alpha:g}, bonus {self.prior}, gamma={self.gamma:g}, step reward "
                 f"{self.step_reward:g}, goal +1 (exact; both routes 13 steps)",
                 f"  {'':34s} {'soft optimum':>14s} {'softmax(Q*_hard/a)':>19s} {'difference':>11s}"]
        for key, text in (("maxent_return", "max-ent return J"), ("reward_return", "reward-only return"),
                          ("trajectory_entropy", "trajectory entropy (discounted)"),
                          ("fork_room_share", "share into the room at the fork"),
                          ("room_route_share", "P(goal reached via the room)")):
            x, y = getattr(s, key), getattr(b, key)
            lines.append(f"  {text:34s} {x:14.4f} {y:19.4f} {x - y:11.4f}")
        if self.monte_carlo:
            n = next(iter(self.monte_carlo["soft"].values())).n
            lines += ["", f"Monte Carlo check (GridWorld.step rollouts, {n} seeds; mean [95% bootstrap CI]):"]
            for name, exact in (("soft", s), ("one_step", b), ("difference", None)):
                mc = self.monte_carlo[name]
                ref = (f"exact {exact.maxent_return:.4f}, {exact.room_route_share:.4f}" if exact is not None else
                       f"exact {s.maxent_return - b.maxent_return:.4f}, {s.room_route_share - b.room_route_share:.4f}")
                lines.append(f"  {name:10s} J {mc['maxent_return']}   via room {mc['room_route']}   ({ref})")
        lines += ["", "temperature sweep (soft optimum minus one-step policy; shares: soft / one-step):",
                  f"  {'alpha':>7s} {'bonus':10s} {'J gap':>9s} {'H gap':>9s} {'fork share':>15s} {'via room':>15s}"]
        lines += [f"  {r.alpha:7g} {r.prior:10s} {r.return_gap:9.4f} {r.entropy_gap:9.3f} "
                  f"{r.fork_soft:7.3f}/{r.fork_one_step:.3f} {r.route_soft:7.3f}/{r.route_one_step:.3f}"
                  for r in self.sweep]
        return "\n".join(lines)


def _prior(prior: str) -> str:
    """``prior`` checked to be a key of :data:`PRIORS`."""
    if not isinstance(prior, str) or prior not in PRIORS:
        raise ValueError(f"prior must be one of {sorted(PRIORS)}; got {prior!r}")
    return prior


def _check_env(env: GridWorld) -> GridWorld:
    """``env`` checked to be a GridWorld on the ``corridor_or_room`` map (the route statistics read its cells)."""
    if not isinstance(env, GridWorld):
        raise TypeError(f"env must be a GridWorld; got {type(env).__name__}")
    if env.layout != parse_layout(LAYOUT):
        raise ValueError(f"env must be on the {LAYOUT!r} map (make_env()); got another layout")
    return env


def make_env(step_reward: float = -0.05, gamma: float = 0.95) -> GridWorld:
    """The ``corridor_or_room`` gridworld: +1 at the goal, ``step_reward`` per other step, no episode limit.

    >>> make_env().to_mdp().n_states
    56
    """
    return GridWorld(LAYOUT, step_reward=step_reward, goal_reward=1.0, gamma=gamma)


def policy_stats(env: GridWorld, policy: NDArray, alpha: float, prior: NDArray | None, name: str) -> PolicyStats:
    """Evaluate ``policy`` exactly on ``env``'s map (see :class:`PolicyStats`).

    >>> env = make_env()
    >>> round(policy_stats(env, np.full((56, 4), 0.25), 0.0, None, "uniform").fork_room_share, 3)
    0.5
    """
    mdp = _check_env(env).to_mdp()
    policy, s0 = check_policy(policy, mdp.n_states, mdp.n_actions), env.start_state()
    undiscounted = visit_counts(env.to_mdp(gamma=1.0), policy)   # expected visits per episode
    via_room = undiscounted[env.state_index(*_ROOM_EXIT[0]), _ROOM_EXIT[1]]
    via_corridor = undiscounted[env.state_index(*_CORRIDOR_EXIT[0]), _CORRIDOR_EXIT[1]]
    down, right = policy[s0, Action.DOWN], policy[s0, Action.RIGHT]
    if down + right == 0 or via_room + via_corridor == 0:
        raise ValueError("policy must move down or right at the start and reach the goal (the route shares are undefined)")
    return PolicyStats(name, frozen(policy), maxent_return(mdp, policy, alpha, prior),
                       maxent_return(mdp, policy, 0.0), trajectory_entropy(mdp, policy),
                       float(down / (down + right)), float(via_room / (via_room + via_corridor)),
                       frozen(occupancy(mdp, policy).sum(axis=1)))


def compare_policies(env: GridWorld, alpha: float, prior: str = "shannon",
                     tol: float = 1e-10) -> tuple[PolicyStats, PolicyStats]:
    """The soft optimum at ``alpha`` and the Boltzmann policy of the hard optimum, both evaluated exactly.

    >>> soft, one_step = compare_policies(make_env(), 0.03)
    >>> round(one_step.fork_room_share, 6), soft.fork_room_share > 0.9
    (0.5, True)
    """
    rho = PRIORS[_prior(prior)]
    mdp = _check_env(env).to_mdp()
    soft = soft_value_iteration(mdp, alpha, tol=tol, prior=rho).policy
    one_step = boltzmann_policy(value_iteration(mdp, tol=tol).Q, alpha, prior=rho)
    return (policy_stats(env, soft, alpha, rho, "soft optimum"),
            policy_stats(env, one_step, alpha, rho, "softmax(Q*_hard / alpha)"))


def _alphas(alphas: Sequence[float]) -> list[float]:
    if isinstance(alphas, (str, bytes)) or not hasattr(alphas, "__iter__"):
        raise TypeError(f"alphas must be a sequence of temperatures; got {type(alphas).__name__}")
    return [real(a, "alphas", low=0.0, low_open=True) for a in alphas]


def temperature_sweep(env: GridWorld, alphas: Sequence[float],
                      priors: Sequence[str] = ("shannon", "kl_uniform")) -> list[SweepRow]:
    """One :class:`SweepRow` per temperature and bonus.

    >>> [round(r.fork_one_step, 3) for r in temperature_sweep(make_env(), [0.1], ["shannon"])]
    [0.5]
    """
    rows = []
    for prior in priors:
        for a in _alphas(alphas):
            s, b = compare_policies(env, a, prior)
            rows.append(SweepRow(float(a), prior, s.maxent_return - b.maxent_return,
                                 s.trajectory_entropy - b.trajectory_entropy, s.fork_room_share,
                                 b.fork_room_share, s.room_route_share, b.room_route_share))
    return rows


def _rollouts(env: GridWorld, policy: NDArray, bonus: NDArray, alpha: float, n_episodes: int, seed: int,
              max_steps: int) -> tuple[float, float]:
    """Mean discounted max-ent return and share of goal entries from the room over ``n_episodes``."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(policy, axis=1)
    room, g = env.state_index(*_ROOM_EXIT[0]), env.to_mdp().gamma
    returns, via_room = np.zeros(n_episodes), np.zeros(n_episodes)
    s, _ = env.reset(seed=seed)
    for i in range(n_episodes):
        if i:
            s, _ = env.reset()
        discount = 1.0
        for _ in range(max_steps):
            a = min(int(np.searchsorted(cdf[s], rng.random() * cdf[s, -1], side="right")), 3)
            s_next, r, terminated, _, _ = env.step(a)
            returns[i] += discount * (r + alpha * bonus[s])
            discount *= g
            if terminated:
                via_room[i] = float(s == room)
                break
            s = s_next
    return float(returns.mean()), float(via_room.mean())


def monte_carlo(env: GridWorld, soft: PolicyStats, one_step: PolicyStats, alpha: float, prior: str,
                n_seeds: int = 20, n_episodes: int = 100, seed: int = 0, max_steps: int = 1000,
                progress: bool = False) -> dict[str, dict[str, Estimate]]:
    """Both policies run in ``env`` (``GridWorld.step``): per seed the mean over ``n_episodes`` of
    :math:`\\sum_t \\gamma^t (r_t + \\alpha h_\\pi(s_t))` and of "entered the goal from the room";
    bootstrap 95% CIs over seeds, for each policy and for their per-seed difference.

    >>> env = make_env()
    >>> s, b = compare_policies(env, 0.03)
    >>> mc = monte_carlo(env, s, b, 0.03, "shannon", n_seeds=2, n_episodes=5)
    >>> sorted(mc), mc["soft"]["maxent_return"].n
    (['difference', 'one_step', 'soft'], 2)
    """
    n_seeds, n_episodes = integer(n_seeds, "n_seeds", low=2), integer(n_episodes, "n_episodes", low=1)
    alpha, prior = real(alpha, "alpha", low=0.0), _prior(prior)
    seed, max_steps = integer(seed, "seed", low=0), integer(max_steps, "max_steps", low=1)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n_seeds)]
    per = {}
    for stats in tqdm((soft, one_step), unit="policy", disable=not progress):
        bonus = entropy_bonus(stats.policy, PRIORS[prior])
        per[stats.name] = np.array([_rollouts(env, stats.policy, bonus, alpha, n_episodes, s, max_steps)
                                    for s in seeds])
    x, y = per[soft.name], per[one_step.name]
    return {name: {"maxent_return": bootstrap_ci(v[:, 0]), "room_route": bootstrap_ci(v[:, 1])}
            for name, v in (("soft", x), ("one_step", y), ("difference", x - y))}


def run_boltzmann_vs_maxent(alpha: float = 0.03, prior: str = "shannon", step_reward: float = -0.05,
                            gamma: float = 0.95, alphas: Sequence[float] = (0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.3),
                            n_seeds: int = 20, n_episodes: int = 100, seed: int = 0,
                            progress: bool = False) -> BoltzmannVsMaxEntResult:
    """The exact comparison at ``alpha``, its Monte Carlo check (``n_seeds = 0``: skipped) and the sweep.

    >>> res = run_boltzmann_vs_maxent(alphas=(0.03,), n_seeds=0)
    >>> res.soft.maxent_return > res.one_step.maxent_return
    True
    """
    alpha, prior, alphas = real(alpha, "alpha", low=0.0, low_open=True), _prior(prior), _alphas(alphas)
    n_seeds, seed = integer(n_seeds, "n_seeds", low=0), integer(seed, "seed", low=0)
    n_episodes = integer(n_episodes, "n_episodes", low=1)
    if n_seeds == 1:
        raise ValueError("n_seeds must be 0 (no Monte Carlo check) or >= 2 (a bootstrap CI); got 1")
    step_reward = real(step_reward, "step_reward")
    env = make_env(step_reward, real(gamma, "gamma", low=0.0, high=1.0, high_open=True))
    soft, one_step = compare_policies(env, alpha, prior)
    mc = {} if n_seeds == 0 else monte_carlo(env, soft, one_step, alpha, prior, n_seeds, n_episodes, seed,
                                             progress=progress)
    return BoltzmannVsMaxEntResult(alpha, prior, env.to_mdp().gamma, step_reward, soft, one_step,
                                   tuple(temperature_sweep(env, alphas)), mc)

r"""Learning from any behaviour: soft Q-learning is off-policy, and its own Boltzmann behaviour can lock in.

The soft TD target :math:`r + \gamma\,\alpha \log \sum_{a'} e^{Q(s',a')/\alpha}` does not depend on
the action that will be taken next, so the samples may come from any behaviour; the fixed point is
the exact soft :math:`Q^*_\alpha` (of :func:`discrete_softq.soft_q_iteration`) provided every pair
:math:`(s,a)` is visited infinitely often. :func:`run_offpolicy` measures, over seeds, the relative
error

.. math:: \varepsilon_t = \max_{s\ \text{live},\,a} |Q_t(s,a) - Q^*_\alpha(s,a)| \,/\, \max_{s\ \text{live},\,a} |Q^*_\alpha(s,a)|

after :math:`t` environment steps, for five behaviours of
:class:`~discrete_softq.agents.SoftQLearning` (the ``behaviour`` argument): its own Boltzmann policy
(on-policy), that policy mixed with a share ``e`` of uniform actions for a few ``e``, and the
uniform policy, on two tasks (Shannon bonus, ``prior=None``):

* ``grid``: the 3 x 4 layout ``["S..#", ".#..", "...G"]`` of issue 14, 50-step truncation, run by
  :func:`~discrete_softq.agents.run_batched` (bit-identical to :func:`~discrete_softq.agents.train`);
* ``frozen_lake``: gymnasium's ``FrozenLake-v1`` 4 x 4 (slippery, its own 100-step limit), the
  agent trained by :func:`~discrete_softq.agents.train` on the real environment, the oracle
  solved on :func:`~discrete_softq.envs.from_gymnasium`'s exact model. Slippery moves make the
  targets random, so it needs a decreasing step size
  (:class:`~discrete_softq.agents.InverseCount`, :math:`\eta_n = n^{-p}`) to converge.

* ``model``: FrozenLake again, but the pairs drawn uniformly over the live pairs and the next
  state from the exact model (:func:`~discrete_softq.agents.generative.learn_from_model`: the
  material's arbitrary :math:`q_s, q_a`, taken uniform), with the rescaled linear step size
  (:class:`~discrete_softq.agents.RescaledLinear`). Trajectories of the uniform policy visit the
  cells next to the goal rarely; here every pair gets the same share of the samples.

It also records the final visit counts of every pair and the smallest probability the final
behaviour gives to a live pair: the lock-in is visible there (on-policy, some pairs are visited a
handful of times in :math:`2 \cdot 10^5` steps and have probability about :math:`e^{-12}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray

from .. import _validate
from ..agents import InverseCount, RescaledLinear, SoftQLearning, run_batched, train
from ..agents.generative import learn_from_model
from ..agents.stats import Estimate, bootstrap_band, bootstrap_ci
from ..dp import soft_q_iteration
from ..envs import GridWorld, from_gymnasium

__all__ = ["OffPolicyConfig", "OffPolicyRun", "ModelRun", "OffPolicyStudy", "run_offpolicy", "relative_error", "error_band",
           "final_error", "LAYOUT"]

#: The 3 x 4 layout of issue 14 (the start's up and left moves are self-loops).
LAYOUT = ("S..#", ".#..", "...G")
#: Errors are floored here before taking logs (the rounding floor of a Q of size ~10).
FLOOR = 1e-15


@dataclass(frozen=True)
class OffPolicyConfig:
    """What :func:`run_offpolicy` does (validated on construction).

    Attributes
    ----------
    alpha, gamma : float
        Temperature (Shannon bonus) and discount, on both tasks.
    grid_lr : float
        Constant step size on the deterministic grid.
    lake_lr_power : float
        ``p`` of the step size :math:`n^{-p}` on FrozenLake (per pair visit count ``n``).
    epsilons : tuple of float
        Shares of uniform actions mixed into the Boltzmann behaviour, each in (0, 1).
    n_seeds : int
        Seeds per behaviour and task.
    grid_steps, lake_steps : int
        Environment steps per run on each task.
    model_samples : int
        Samples per run from FrozenLake's model (uniform pairs); 0 skips that part.
    n_checkpoints : int
        Log-spaced step counts at which the error is measured.
    seed : int
        Root of the seeds (numpy SeedSequence).
    """

    alpha: float = 0.5
    gamma: float = 0.95
    grid_lr: float = 0.1
    lake_lr_power: float = 0.6
    epsilons: tuple[float, ...] = (0.01, 0.1, 0.5)
    n_seeds: int = 10
    grid_steps: int = 200_000
    lake_steps: int = 50_000
    model_samples: int = 6_000_000
    n_checkpoints: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        _validate.real(self.alpha, "alpha", low=0.0, low_open=True)
        _validate.real(self.gamma, "gamma", low=0.0, high=1.0, high_open=True)
        _validate.real(self.grid_lr, "grid_lr", low=0.0, high=1.0, low_open=True)
        _validate.real(self.lake_lr_power, "lake_lr_power", low=0.5, high=1.0, low_open=True)
        for e in self.epsilons:
            _validate.real(e, "epsilons", low=0.0, high=1.0, low_open=True, high_open=True)
        _validate.integer(self.n_seeds, "n_seeds", low=2)
        _validate.integer(self.grid_steps, "grid_steps", low=100)
        _validate.integer(self.lake_steps, "lake_steps", low=100)
        if self.model_samples != 0:
            _validate.integer(self.model_samples, "model_samples", low=100)
        _validate.integer(self.n_checkpoints, "n_checkpoints", low=2)
        _validate.integer(self.seed, "seed", low=0)

    def behaviours(self) -> tuple[tuple[str, Any], ...]:
        """``(label, behaviour argument of SoftQLearning)`` of each arm, on-policy first, uniform last."""
        return (("on-policy", None), *((f"e = {e:g}", float(e)) for e in self.epsilons),
                ("uniform", np.full(4, 0.25)))


def relative_error(Q: NDArray, exact: NDArray, live: NDArray) -> NDArray[np.float64]:
    """``max |Q - Q*| / max |Q*|`` over the live states' pairs; ``Q`` of shape (..., S, A) -> (...).

    >>> float(relative_error(np.zeros((2, 2)), np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([True, False])))
    1.0
    """
    return np.abs(Q - exact)[..., live, :].max(axis=(-2, -1)) / np.abs(exact[live]).max()


def error_band(errors: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Geometric mean over seeds of ``errors`` (n_seeds, n_checkpoints) and its 95% bootstrap band, per checkpoint
    (errors floored at ``FLOOR`` before the logs).

    >>> [b.round(3).tolist() for b in error_band(np.array([[1.0, 0.01], [1.0, 0.01]]))]
    [[1.0, 0.01], [1.0, 0.01], [1.0, 0.01]]
    """
    return tuple(10.0 ** b for b in bootstrap_band(np.log10(np.maximum(errors, FLOOR))))  # type: ignore


def final_error(errors: NDArray) -> Estimate:
    """Median over seeds of the last column of ``errors`` (n_seeds, n_checkpoints), with its 95% bootstrap interval.

    >>> float(final_error(np.array([[1.0, 0.1], [1.0, 0.3], [1.0, 0.2]])).value)
    0.2
    """
    return bootstrap_ci(errors[:, -1], statistic=np.median)


@dataclass(frozen=True, eq=False)
class OffPolicyRun:
    """One task's measurements (behaviour ``k`` in row ``k`` of every array).

    Attributes
    ----------
    task : str
    labels : tuple of str
    steps : ndarray of int of shape (n_checkpoints,)
    errors : ndarray of shape (n_behaviours, n_seeds, n_checkpoints)
        Relative error after ``steps[j]`` steps.
    visits : ndarray of int of shape (n_behaviours, n_seeds, S, A)
        Final visit counts of each pair.
    min_probability : ndarray of shape (n_behaviours, n_seeds)
        Smallest probability the final behaviour gives a pair of a live state.
    stay_probability : ndarray of shape (n_behaviours, n_seeds)
        Probability that the final behaviour stays at the start in one step (its self-loop actions:
        the moves into the walls around the start).
    live : ndarray of bool of shape (S,)
    q_star_max : float
        ``max |Q*|`` over the live pairs.
    """

    task: str
    labels: tuple[str, ...]
    steps: NDArray[np.int64]
    errors: NDArray[np.float64]
    visits: NDArray[np.int64]
    min_probability: NDArray[np.float64]
    stay_probability: NDArray[np.float64]
    live: NDArray[np.bool_]
    q_star_max: float

    def band(self, k: int) -> tuple[NDArray, NDArray, NDArray]:
        """Geometric mean of behaviour ``k``'s error over seeds with a 95% bootstrap band, per checkpoint."""
        return error_band(self.errors[k])

    def final(self, k: int) -> Estimate:
        """Median final error of behaviour ``k`` over seeds, with its 95% bootstrap interval."""
        return final_error(self.errors[k])

    def report_lines(self) -> list[str]:
        live_pairs = self.visits[..., self.live, :].reshape(*self.visits.shape[:2], -1)
        lines = [f"  {'behaviour':<10} {'median error after ' + format(int(self.steps[-1]), ',') + ' steps [95% CI]':>44}"
                 f" {'within 1%':>10} {'least-visited pair':>19} {'ln min prob':>12} {'P(stay at start)':>17}"]
        for k, label in enumerate(self.labels):
            e = self.final(k)
            lines.append(f"  {label:<10} {e.value:>18.3g} [{e.low:.3g}, {e.high:.3g}]".ljust(57)
                         + f" {np.mean(self.errors[k, :, -1] <= 0.01):>9.0%}"
                         f" {int(np.median(live_pairs[k].min(axis=1))):>19d}"
                         f" {np.median(np.log(self.min_probability[k])):>12.1f}"
                         f" {np.median(self.stay_probability[k]):>17.2f}")
        return lines


@dataclass(frozen=True, eq=False)
class ModelRun:
    """Soft Q-learning on FrozenLake from uniform pairs of its model (:func:`learn_from_model`).

    Attributes
    ----------
    steps : ndarray of int of shape (n_checkpoints,)
        Samples (transitions) per agent.
    errors : ndarray of shape (n_seeds, n_checkpoints)
        Relative error after ``steps[j]`` samples.
    min_visits : ndarray of int of shape (n_seeds,)
        Visits of the least-visited live pair at the end.
    """

    steps: NDArray[np.int64]
    errors: NDArray[np.float64]
    min_visits: NDArray[np.int64]

    def band(self) -> tuple[NDArray, NDArray, NDArray]:
        """Geometric mean of the error over seeds with a 95% bootstrap band, per checkpoint."""
        return error_band(self.errors)

    def final(self) -> Estimate:
        """Median final error over seeds, with its 95% bootstrap interval."""
        return final_error(self.errors)

    def report_line(self) -> str:
        e = self.final()
        return (f"  {'model':<10} {e.value:>18.3g} [{e.low:.3g}, {e.high:.3g}]".ljust(57)
                + f" {np.mean(self.errors[:, -1] <= 0.01):>9.0%} {int(np.median(self.min_visits)):>19d}"
                + f"   after {int(self.steps[-1]):,} samples")


@dataclass(frozen=True, eq=False)
class OffPolicyStudy:
    """The three parts of :func:`run_offpolicy`: the grid, FrozenLake's trajectories and (optionally) its model."""

    config: OffPolicyConfig
    grid: OffPolicyRun
    frozen_lake: OffPolicyRun
    model: ModelRun | None = None

    def report(self) -> str:
        """The measured table, as printed by ``python -m discrete_softq.demo offpolicy``."""
        c = self.config
        lines = [f"Soft Q-learning from any behaviour (Shannon bonus, alpha {c.alpha}, gamma {c.gamma}, "
                 f"{c.n_seeds} seeds); relative error max|Q - Q*| / max|Q*| over live pairs; medians over seeds",
                 f"3x4 layout {list(LAYOUT)}, 50-step truncation, lr {c.grid_lr}, max|Q*| {self.grid.q_star_max:.3f}:"]
        lines += self.grid.report_lines()
        lines += [f"FrozenLake-v1 4x4 (slippery, gymnasium's env), lr n^-{c.lake_lr_power:g}, "
                  f"max|Q*| {self.frozen_lake.q_star_max:.3f}:"]
        lines += self.frozen_lake.report_lines()
        if self.model is not None:
            lines += ["FrozenLake, i.i.d. pairs from its exact model (q_s x q_a equal on the live pairs), "
                      "lr 1/(1 + (1 - gamma)(n - 1)):", self.model.report_line()]
        lines.append("(least-visited pair: visits of the rarest live pair; ln min prob: log of the smallest final "
                     "behaviour probability; P(stay at start): one-step probability that the final behaviour stays at the start)")
        return "\n".join(lines)


def _checkpoints(n_steps: int, n: int) -> NDArray[np.int64]:
    return np.unique(np.geomspace(min(100, n_steps), n_steps, n).astype(np.int64))


def _finals(agents: list[SoftQLearning], start: int, stay: NDArray, live: NDArray) -> tuple[NDArray, ...]:
    probs = [a.behaviour_policy() for a in agents]
    return (np.stack([a.visits for a in agents]), np.array([p[live].min() for p in probs]),
            np.array([p[start] @ stay for p in probs]))


def _grid(c: OffPolicyConfig, seeds: list[np.random.SeedSequence]) -> OffPolicyRun:
    env = GridWorld(list(LAYOUT), max_steps=50, gamma=c.gamma)
    mdp = env.to_mdp()
    exact, live = soft_q_iteration(mdp, c.alpha, tol=1e-10).Q, ~mdp.terminal
    arms = c.behaviours()
    agents = [SoftQLearning(mdp.n_states, mdp.n_actions, alpha=c.alpha, gamma=c.gamma, lr=c.grid_lr, behaviour=b,
                            seed=np.random.default_rng(sd)) for _, b in arms for sd in seeds]
    steps = _checkpoints(c.grid_steps, c.n_checkpoints)
    hist = run_batched(env, agents, c.grid_steps, seeds=list(range(len(agents))), snapshot_steps=steps)
    errors = relative_error(hist.Q_snapshots, exact, live).reshape(len(arms), c.n_seeds, -1)
    return _run("grid", arms, steps, errors, agents, mdp, exact, live)


def _lake(c: OffPolicyConfig, seeds: list[np.random.SeedSequence], progress: bool) -> OffPolicyRun:
    env = gym.make("FrozenLake-v1")
    mdp = from_gymnasium(env, gamma=c.gamma)
    exact, live = soft_q_iteration(mdp, c.alpha, tol=1e-10).Q, ~mdp.terminal
    arms, steps = c.behaviours(), _checkpoints(c.lake_steps, c.n_checkpoints)
    agents, errors = [], np.zeros((len(arms), c.n_seeds, steps.size))
    for k, (_, b) in enumerate(_progress(arms, progress)):
        for j, sd in enumerate(seeds):
            rng = np.random.default_rng(sd)
            agent = SoftQLearning(mdp.n_states, mdp.n_actions, alpha=c.alpha, gamma=c.gamma,
                                  lr=InverseCount(power=c.lake_lr_power), behaviour=b, seed=rng)
            done = 0
            for i, t in enumerate(steps):   # train in segments; a later segment continues the run (no seed)
                train(env, agent, n_steps=int(t) - done, seed=int(rng.integers(2**31)) if done == 0 else None)
                done = int(t)
                errors[k, j, i] = relative_error(agent.Q, exact, live)
            agents.append(agent)
    return _run("frozen_lake", arms, steps, errors, agents, mdp, exact, live)


def _run(task: str, arms: Any, steps: NDArray, errors: NDArray, agents: list, mdp: Any, exact: NDArray,
         live: NDArray) -> OffPolicyRun:
    start = int(np.argmax(mdp.initial))
    stay = mdp.expected_next(np.eye(mdp.n_states)[start])[start]   # P(start | start, a)
    visits, min_p, loops = _finals(agents, start, stay, live)
    shape = (len(arms), errors.shape[1])
    return OffPolicyRun(task, tuple(label for label, _ in arms), steps, errors, visits.reshape(*shape, *visits.shape[1:]),
                        min_p.reshape(shape), loops.reshape(shape), live, float(np.abs(exact[live]).max()))


def run_offpolicy(config: OffPolicyConfig = OffPolicyConfig(), progress: bool = False) -> OffPolicyStudy:
    """Run the study of the module docstring.

    >>> study = run_offpolicy(OffPolicyConfig(n_seeds=2, grid_steps=200, lake_steps=200, model_samples=200,
    ...                                       epsilons=(0.5,)))
    >>> study.grid.errors.shape[:2], study.frozen_lake.labels, study.model.errors.shape[0]
    ((3, 2), ('on-policy', 'e = 0.5', 'uniform'), 2)
    """
    seeds = np.random.SeedSequence(config.seed).spawn(2 * config.n_seeds)
    grid = _grid(config, seeds[: config.n_seeds])
    lake = _lake(config, seeds[config.n_seeds:], progress)
    return OffPolicyStudy(config, grid, lake, _model(config) if config.model_samples else None)


def _model(c: OffPolicyConfig) -> ModelRun:
    mdp = from_gymnasium(gym.make("FrozenLake-v1"), gamma=c.gamma)
    exact, live = soft_q_iteration(mdp, c.alpha, tol=1e-10).Q, ~mdp.terminal
    agents = [SoftQLearning(mdp.n_states, mdp.n_actions, alpha=c.alpha, gamma=c.gamma, lr=RescaledLinear(c.gamma),
                            seed=k) for k in range(c.n_seeds)]
    steps = _checkpoints(c.model_samples, c.n_checkpoints)
    Q = learn_from_model(mdp, agents, c.model_samples, seed=c.seed, snapshot_steps=steps.tolist())
    min_visits = np.array([a.visits[live].min() for a in agents])
    return ModelRun(steps, relative_error(Q, exact, live), min_visits)


def _progress(items: Any, progress: bool) -> Any:
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="FrozenLake behaviours", unit="behaviour")

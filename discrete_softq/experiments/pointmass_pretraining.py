r"""Pre-training on the point mass: move fast in any direction first, then reach one goal.

Haarnoja et al. (2017, Sec. 5.3) pre-train soft Q-learning on a general task ("run in any direction")
and fine-tune on specific ones: a max-ent policy keeps *all* the ways of solving the general task.

* **general task** (:class:`SpeedReward`): :math:`r = c_v \min(\|s' - s\|, 1)` on the point mass of
  :class:`~discrete_softq.envs.multigoal.MultiGoalEnv`, no termination, 30-step episodes; the cap makes
  every direction equally good. Chosen over "reach any of the four goals": the paper's general
  reward describes a behaviour, not the later tasks, while a four-goal task would contain the
  specific goal (that is the tabular study, :mod:`discrete_softq.experiments.pretraining`);
* **specific task**: ``MultiGoalEnv(goals=GOALS[[0]])``, the paper's reward, east goal only.

Each seed pre-trains its own SQL and DDPG agent, then runs five fine-tunings (:data:`CONDITIONS`):
each learner from its own pre-trained networks and from scratch, and SQL with only its pre-trained
sampler. A fine-tuned agent is a fresh agent (empty replay buffer: the pre-training one is *not*
kept; fresh Adam state) whose networks, targets included, are overwritten (:func:`copy_networks`).
The runs of one seed share the fine-tuning seed and evaluation starts: conditions are paired.
Every ``eval_every`` steps from step 0, ``n_eval`` rollouts (SQL: sampled actions; DDPG: its
deterministic action) measure the success rate (episodes ending at the goal); the steps to
threshold (:func:`steps_to_threshold`) are reported as medians with bootstrap 95% CIs, the share of
seeds reaching it, and paired differences ("never" counted as the budget).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import array, integer, real
from ..agents.stats import Estimate, bootstrap_band, bootstrap_ci
from ..continuous import DDPGAgent, SoftQLearningAgent, rollouts, train
from ..envs.multigoal import GOALS, MultiGoalEnv

__all__ = ["SpeedReward", "PointMassPretrainingConfig", "PointMassPretrainingResult", "CONDITIONS",
           "copy_networks", "steps_to_threshold", "direction_spread", "run_pointmass_pretraining"]

#: (label, fine-tuning learner, initial networks), in the order of every table and figure.
CONDITIONS: tuple[tuple[str, str, str], ...] = (
    ("SQL, max-ent init", "sql", "pretrained"), ("SQL, max-ent sampler only", "sql", "sampler"),
    ("SQL, from scratch", "sql", "scratch"), ("DDPG, DDPG init", "ddpg", "pretrained"),
    ("DDPG, from scratch", "ddpg", "scratch"))
#: The networks a fine-tuned agent takes over from its pre-trained source.
_NETWORKS = {"sql": ("qf", "target_qf", "policy"), "ddpg": ("actor", "critic", "target_actor", "target_critic")}


class SpeedReward(gym.Wrapper):
    r"""The general task: reward :math:`c_v \min(\|s' - s\|, v_{max})` for moving, in any direction.

    The wrapped env's dynamics and time limit (``max_episode_steps``, counted here: the wrapped env would not
    truncate a step that ends on one of its goals), not its goals: nothing terminates, ``info["goal"]`` is -1.

    Parameters
    ----------
    env : MultiGoalEnv
    speed_reward, max_speed : float
        :math:`c_v > 0` and :math:`v_{max} > 0` (1, the default: every unit move pays the same).

    Examples
    --------
    >>> env = SpeedReward(MultiGoalEnv(), speed_reward=30.0)
    >>> _ = env.reset(seed=0, options={"position": [0.0, 0.0]})
    >>> env.step([0.6, 0.8])[1:3], env.step([1.0, 1.0])[1]   # a unit move; a corner move capped at 1
    ((30.0, False), 30.0)
    """

    def __init__(self, env: MultiGoalEnv, speed_reward: float = 30.0, max_speed: float = 1.0) -> None:
        if not isinstance(env, MultiGoalEnv):
            raise TypeError(f"env must be a MultiGoalEnv; got {type(env).__name__}")
        super().__init__(env)
        self.point = env
        self.speed_reward = real(speed_reward, "speed_reward", low=0.0, low_open=True)
        self.max_speed = real(max_speed, "max_speed", low=0.0, low_open=True)
        self._steps = 0

    def reset(self, **kwargs: Any) -> tuple[NDArray[np.float64], dict]:
        """Reset the wrapped env (same arguments) and the step count."""
        self._steps = 0
        return self.env.reset(**kwargs)

    def step(self, action: ArrayLike) -> tuple[NDArray[np.float64], float, bool, bool, dict]:
        """Move as the point mass does; reward the capped distance moved; never terminate."""
        before = self.point.position.copy()
        obs = self.env.step(action)[0]
        self._steps += 1
        speed = float(np.linalg.norm(obs - before))
        truncated = self._steps >= self.point.max_episode_steps
        return obs, self.speed_reward * min(speed, self.max_speed), False, truncated, {"goal": -1}


def copy_networks(source: Any, target: Any, names: tuple[str, ...] | None = None) -> None:
    """Overwrite ``target``'s networks (targets included) in place with ``source``'s parameters.

    In place (:meth:`~discrete_softq.continuous.MLP.load_params`): ``target``'s fresh Adam optimisers hold
    its arrays and train the copied values from a zero state; its replay buffer is untouched. Same kind
    and widths required. ``names`` picks some networks (``("policy",)``: SQL's sampler only); default
    all: ``qf, target_qf, policy`` or ``actor, critic, target_actor, target_critic``.

    >>> from discrete_softq.continuous import DDPGAgent
    >>> source, target = DDPGAgent(2, 2, hidden=(4,), seed=0), DDPGAgent(2, 2, hidden=(4,), seed=1)
    >>> copy_networks(source, target)
    >>> bool((target.actor.params[0] == source.actor.params[0]).all()), len(target.buffer)
    (True, 0)
    """
    kind = {SoftQLearningAgent: "sql", DDPGAgent: "ddpg"}.get(type(target))
    if kind is None or type(source) is not type(target):
        raise TypeError(f"source and target must be two SoftQLearningAgents or two DDPGAgents; got "
                        f"{type(source).__name__} and {type(target).__name__}")
    names = _NETWORKS[kind] if names is None else tuple(names)
    if not set(names) <= set(_NETWORKS[kind]):
        raise ValueError(f"names must be among {_NETWORKS[kind]}; got {names!r}")
    for name in names:
        getattr(target, name).load_params(getattr(source, name))


def steps_to_threshold(eval_steps: ArrayLike, success: ArrayLike, threshold: float) -> NDArray[np.float64]:
    """Per seed, the first of ``eval_steps`` (n_points,) with ``success`` (n_seeds or none, n_points)
    ``>= threshold``; ``inf`` for a seed that never gets there.

    >>> steps_to_threshold([0, 100, 200], [[0.1, 0.8, 0.9], [0.0, 0.5, 0.7]], 0.8).tolist()
    [100.0, inf]
    """
    steps = array(eval_steps, "eval_steps", ndim=1)
    s = np.atleast_2d(array(success, "success"))
    if s.ndim != 2 or s.shape[1] != steps.size:
        raise ValueError(f"success must have shape (n_seeds, {steps.size}); got {np.shape(success)}")
    hit = s >= real(threshold, "threshold") - 1e-12
    return np.where(hit.any(axis=1), steps[hit.argmax(axis=1)], np.inf)


def direction_spread(actions: ArrayLike) -> float:
    r"""Mean resultant length :math:`\|\frac1n \sum_i a_i / \|a_i\|\|` of actions (n, 2): 1 = one direction,
    about 0 = directions all around (for n uniform directions, about :math:`1/\sqrt n`).

    >>> [round(direction_spread(a), 12) for a in ([[1, 0], [-1, 0], [0, 2], [0, -2]], [[1, 1], [2, 2]])]
    [0.0, 1.0]
    """
    a = array(actions, "actions", shape=(-1, 2))
    unit = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    return float(np.linalg.norm(unit.mean(axis=0)))


@dataclass(frozen=True)
class PointMassPretrainingConfig:
    """Hyperparameters (defaults: the full run, about 10 minutes on one shared core)."""

    n_seeds: int = 10
    pretrain_steps: int = 2_000
    finetune_steps: int = 1_500
    eval_every: int = 100
    """fine-tuning steps between evaluations; each chunk of training starts a fresh episode"""
    n_eval: int = 10
    """evaluation rollouts per evaluation (success is in steps of 1 / n_eval)"""
    threshold: float = 0.8
    speed_reward: float = 30.0
    hidden: tuple[int, ...] = (32, 32)
    alpha: float = 10.0
    """SQL's temperature (the multi-goal task's reward scale 0.1; DDPG scales rewards by 1 / alpha)"""
    lr: float = 1e-3
    batch_size: int = 64
    min_replay: int = 100
    svgd_particles: int = 16
    target_update_interval: int = 200
    noise_std: float = 0.3
    n_boot: int = 2_000

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.type == "int":
                integer(getattr(self, f.name), f.name, low=1)
        if self.finetune_steps % self.eval_every:
            raise ValueError(f"finetune_steps must be a multiple of eval_every={self.eval_every}; "
                             f"got {self.finetune_steps}")
        real(self.threshold, "threshold", low=0.0, high=1.0, low_open=True)


def _agent(learner: str, cfg: PointMassPretrainingConfig, seed: int) -> Any:
    common: dict[str, Any] = dict(hidden=cfg.hidden, q_lr=cfg.lr, policy_lr=cfg.lr, batch_size=cfg.batch_size,
                                  gamma=0.99, min_replay=cfg.min_replay, seed=np.random.default_rng(seed))
    if learner == "sql":
        return SoftQLearningAgent(2, 2, alpha=cfg.alpha, svgd_particles=cfg.svgd_particles, value_particles=16,
                                  target_update_interval=cfg.target_update_interval, **common)
    return DDPGAgent(2, 2, noise_std=cfg.noise_std, reward_scale=1.0 / cfg.alpha, **common)


def _seed(ss: np.random.SeedSequence) -> int:
    return int(ss.generate_state(1)[0])


def _finetune(agent: Any, cfg: PointMassPretrainingConfig, seed: int) -> NDArray[np.float64]:
    """Success rate on the specific task at steps 0, eval_every, ..., finetune_steps (the same starts for one seed)."""
    env, eval_env = MultiGoalEnv(goals=GOALS[[0]]), MultiGoalEnv(goals=GOALS[[0]])
    policy = agent.act if isinstance(agent, SoftQLearningAgent) else agent.policy_action
    n_chunks = cfg.finetune_steps // cfg.eval_every
    eval_seed, *chunk_seeds = (_seed(s) for s in np.random.SeedSequence(seed).spawn(1 + n_chunks))
    success = [np.mean(rollouts(eval_env, policy, cfg.n_eval, seed=eval_seed).goals == 0)]
    for chunk_seed in chunk_seeds:
        train(env, agent, cfg.eval_every, seed=chunk_seed)
        success.append(np.mean(rollouts(eval_env, policy, cfg.n_eval, seed=eval_seed).goals == 0))
    return np.array(success)


@dataclass(frozen=True, eq=False)
class PointMassPretrainingResult:
    """Per-seed measurements of every condition (label -> array, seeds in rows).

    Attributes
    ----------
    config : PointMassPretrainingConfig
    labels : tuple of str
        As in :data:`CONDITIONS`.
    eval_steps : ndarray of shape (n_points,)
        ``0, eval_every, ..., finetune_steps``.
    success : dict of str to ndarray of shape (n_seeds, n_points)
        Share of the evaluation rollouts that reach the goal.
    steps_to_threshold, mean_success : dict of str to ndarray of shape (n_seeds,)
        :func:`steps_to_threshold` of each curve (``inf``: never); the curve's mean (area under it).
    pretrain_speed, pretrain_spread : dict of str to ndarray of shape (n_seeds,)
        Keys ``"sql"``, ``"ddpg"``: mean capped speed per step over the last quarter of pre-training (1 is
        the most); :func:`direction_spread` of 100 actions near the origin (DDPG's: from random starts).
    seed : int
    """

    config: PointMassPretrainingConfig
    labels: tuple[str, ...]
    eval_steps: NDArray[np.int64]
    success: dict[str, NDArray[np.float64]]
    steps_to_threshold: dict[str, NDArray[np.float64]]
    mean_success: dict[str, NDArray[np.float64]]
    pretrain_speed: dict[str, NDArray[np.float64]]
    pretrain_spread: dict[str, NDArray[np.float64]]
    seed: int = 0

    def curves(self) -> dict[str, tuple[NDArray, NDArray, NDArray]]:
        """Mean success curve and pointwise 95% bootstrap band per condition."""
        return {k: bootstrap_band(v, n_boot=500, seed=self.seed) for k, v in self.success.items()}

    def estimates(self) -> dict[str, dict[str, Estimate]]:
        """Per condition: median steps to threshold (a median since "never" is ``inf``: its interval is ``inf``
        when too many seeds never get there), share of seeds reaching it, mean success, success at step 0."""
        kw: dict[str, Any] = dict(n_boot=self.config.n_boot, seed=self.seed)
        return {k: {"steps_to_threshold": bootstrap_ci(self.steps_to_threshold[k], np.median, **kw),
                    "reached": bootstrap_ci(np.isfinite(self.steps_to_threshold[k]).astype(float), **kw),
                    "mean_success": bootstrap_ci(self.mean_success[k], **kw),
                    "initial_success": bootstrap_ci(self.success[k][:, 0], **kw)} for k in self.labels}

    def paired_difference(self, a: str, b: str, measure: str = "steps_to_threshold") -> Estimate:
        """Mean over seeds of ``measure[a] - measure[b]`` (paired seeds), "never" counted as the budget."""
        x, y = getattr(self, measure)[a], getattr(self, measure)[b]
        cap = float(self.config.finetune_steps)
        return bootstrap_ci(np.minimum(x, cap) - np.minimum(y, cap), n_boot=self.config.n_boot, seed=self.seed)

    def capped_steps(self) -> dict[str, tuple[NDArray, float, float, float]]:
        """Per condition: per-seed steps with "never" counted as the budget, the median and its interval."""
        cap, est = float(self.config.finetune_steps), {k: v["steps_to_threshold"] for k, v in self.estimates().items()}
        return {k: (np.minimum(self.steps_to_threshold[k], cap), min(est[k].value, cap), min(est[k].low, cap),
                    min(est[k].high, cap)) for k in self.labels}

    def report(self) -> str:
        """The printed table: estimates per condition with 95% intervals, then the paired differences."""
        cfg, est, kw = self.config, self.estimates(), dict[str, Any](n_boot=self.config.n_boot, seed=self.seed)
        lines = [f"{cfg.n_seeds} seeds; networks {cfg.hidden}; pre-training {cfg.pretrain_steps} steps (speed in any "
                 f"direction), fine-tuning {cfg.finetune_steps} steps (east goal only); {cfg.n_eval} evaluation "
                 f"rollouts every {cfg.eval_every} steps; threshold: success >= {cfg.threshold:g}",
                 "pre-trained policies: " + "; ".join(
                     f"{k.upper()} speed {bootstrap_ci(self.pretrain_speed[k], **kw)}, direction spread "
                     f"{bootstrap_ci(self.pretrain_spread[k], **kw)}" for k in ("sql", "ddpg"))
                 + " (speed 1 = the most; spread 1 = one direction, ~0 = all around)",
                 f"{'condition':<26} {'steps to threshold':>22} {'reached':>18} {'mean success':>20} "
                 f"{'success at step 0':>20}"]
        lines += [f"{k:<26} {str(e['steps_to_threshold']):>22} {str(e['reached']):>18} {str(e['mean_success']):>20} "
                  f"{str(e['initial_success']):>20}" for k, e in est.items()]
        lines += ["(medians over seeds for steps, means otherwise; [95% bootstrap CI]; inf = never within the budget)",
                  "paired differences (mean over seeds, 95% CI; steps capped at the budget):"]
        for a, b in (("SQL, max-ent init", "SQL, from scratch"), ("SQL, max-ent sampler only", "SQL, from scratch"),
                     ("DDPG, DDPG init", "DDPG, from scratch"), ("SQL, max-ent init", "DDPG, DDPG init")):
            lines.append(f"  {a} - {b}: steps to threshold {self.paired_difference(a, b)}, "
                         f"mean success {self.paired_difference(a, b, 'mean_success')}")
        return "\n".join(lines)


def _pretrain(learner: str, cfg: PointMassPretrainingConfig, ss: np.random.SeedSequence) -> tuple[Any, float, float]:
    """One agent trained on the general task; its late mean speed and its direction spread at the origin."""
    agent_ss, train_ss, probe_ss = ss.spawn(3)
    agent = _agent(learner, cfg, _seed(agent_ss))
    history = train(SpeedReward(MultiGoalEnv(), cfg.speed_reward), agent, cfg.pretrain_steps, seed=_seed(train_ss))
    n, speed = 100, history.step_rewards[-max(1, cfg.pretrain_steps // 4):].mean() / cfg.speed_reward
    starts = MultiGoalEnv().init_sigma * np.random.default_rng(probe_ss).standard_normal((n, 2))
    first = agent.sample_actions(np.zeros(2), n) if learner == "sql" else agent.policy_action(starts)
    return agent, float(speed), direction_spread(first)


def run_pointmass_pretraining(config: PointMassPretrainingConfig | None = None, seed: int = 0,
                              progress: bool = False) -> PointMassPretrainingResult:
    """Pre-train on :class:`SpeedReward`, fine-tune on the east goal, measure (module docstring).

    Parameters
    ----------
    config : PointMassPretrainingConfig, optional
        Defaults to the full experiment (10 seeds).
    seed : int
        Root of every random stream (``SeedSequence(seed).spawn``, one child per seed) and of the bootstrap.
    progress : bool
        A tqdm bar over the seeds.

    Returns
    -------
    PointMassPretrainingResult

    Examples
    --------
    >>> cfg = PointMassPretrainingConfig(n_seeds=1, pretrain_steps=20, finetune_steps=20, eval_every=10, n_eval=1,
    ...                                  hidden=(4,), min_replay=8, batch_size=8, n_boot=10)
    >>> res = run_pointmass_pretraining(cfg)
    >>> res.labels[0], res.success[res.labels[0]].shape
    ('SQL, max-ent init', (1, 3))
    """
    cfg = PointMassPretrainingConfig() if config is None else config
    if not isinstance(cfg, PointMassPretrainingConfig):
        raise TypeError(f"config must be a PointMassPretrainingConfig; got {type(cfg).__name__}")
    seed = integer(seed, "seed", low=0)
    runs: Any = np.random.SeedSequence(seed).spawn(cfg.n_seeds)
    if progress:
        from tqdm.auto import tqdm
        runs = tqdm(runs, desc="point-mass pre-training", unit="seed")
    curves: dict[str, list] = {label: [] for label, _, _ in CONDITIONS}
    probes: dict[str, list] = {"sql": [], "ddpg": []}               # (speed, spread) per seed
    for run in runs:
        sql_ss, ddpg_ss, fine_ss, eval_ss = run.spawn(4)
        fine_seed, eval_seed = _seed(fine_ss), _seed(eval_ss)      # ints: every condition re-creates the same streams
        pretrained = {}
        for learner, ss in (("sql", sql_ss), ("ddpg", ddpg_ss)):
            pretrained[learner], *probe = _pretrain(learner, cfg, ss)
            probes[learner].append(probe)
        for label, learner, init in CONDITIONS:
            agent = _agent(learner, cfg, fine_seed)               # the same seed in every condition: paired runs
            if init != "scratch":
                copy_networks(pretrained[learner], agent, ("policy",) if init == "sampler" else None)
            curves[label].append(_finetune(agent, cfg, eval_seed))
    eval_steps = np.arange(0, cfg.finetune_steps + 1, cfg.eval_every)
    success = {k: np.array(v) for k, v in curves.items()}
    return PointMassPretrainingResult(
        config=cfg, labels=tuple(success), eval_steps=eval_steps, success=success,
        steps_to_threshold={k: steps_to_threshold(eval_steps, v, cfg.threshold) for k, v in success.items()},
        mean_success={k: v.mean(axis=1) for k, v in success.items()},
        pretrain_speed={k: np.array(v)[:, 0] for k, v in probes.items()},
        pretrain_spread={k: np.array(v)[:, 1] for k, v in probes.items()}, seed=seed)

r"""Max-ent pre-training as an initialisation: a general task first, then a specific one.

Haarnoja et al. (2017, Sec. 5.3) pre-train soft Q-learning on a general task ("run in any
direction") and fine-tune on specific ones, arguing that a max-ent policy "learns all the ways"
of solving the general task, so one of them is close to the specific solution. The tabular
version here:

* **general task** (:data:`GENERAL_TASK`): a 7 x 7 room, start in the centre, an exit (``G``,
  reward 1, terminal) in each corner; every other step pays 0, ``gamma = 0.95``;
* **specific task** (:data:`SPECIFIC_TASK`): the same room and the same four exits, but only the
  top-right one pays (the other three are ``T`` cells with reward 0: the episode still ends).

Each seed pre-trains one :class:`~discrete_softq.agents.SoftQLearning` agent (temperature
``alpha``, KL form with a uniform prior, so that the entropy bonus cannot make wandering
better than leaving -- the Shannon form would pay up to ``alpha log 4`` per step) and one
epsilon-greedy :class:`~discrete_softq.agents.QLearning` agent on the general task. Then six
fine-tuning conditions run on the specific task: learner {soft Q-learning, Q-learning} x
initial Q-table {max-ent pre-trained, hard pre-trained, zeros}. Fine-tuning learners of one
seed share their random generator across conditions (common random numbers), so conditions are
compared on paired seeds.

Measures (per seed, then mean or median over seeds with percentile-bootstrap 95% intervals,
:mod:`discrete_softq.agents.stats`):

* learning curve -- reward per step in windows of ``eval_every`` steps (the exits reached per
  step; the optimum is ``1/6``), and the exact discounted value of the *greedy* policy of the
  current Q-table from the start, relative to the optimum (:func:`soft_policy_state_values`);
* steps to threshold -- the step at which ``k_good`` consecutive episodes have reached the
  paying exit within ``ceil((1 + margin) * 6)`` steps (``inf`` if never within the budget),
  and the first evaluation step at which the greedy value reaches ``greedy_threshold``;
* early reward -- mean reward per step over the first ``early_steps`` of fine-tuning.

Everything is computed by :func:`run_pretraining_experiment`; the figure and table come from
``python -m discrete_softq.demo pretraining``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import integer, real
from ..agents import QLearning, SoftQLearning, run_batched
from ..agents.stats import Estimate, bootstrap_band, bootstrap_ci, recovery_time
from ..dp import soft_policy_state_values, value_iteration
from ..envs import GridWorld
from ..soft import boltzmann_policy

__all__ = ["GENERAL_TASK", "SPECIFIC_TASK", "PretrainingConfig", "PretrainingResult", "CONDITIONS",
           "run_pretraining_experiment"]

GENERAL_TASK: list[str] = ["G.....G", ".......", ".......", "...S...", ".......", ".......", "G.....G"]
SPECIFIC_TASK: list[str] = ["T.....G", ".......", ".......", "...S...", ".......", ".......", "T.....T"]

#: (label, fine-tuning learner, initial Q-table), in the order of every table and figure.
CONDITIONS: tuple[tuple[str, str, str], ...] = (
    ("SQL, max-ent init", "soft", "soft"),
    ("SQL, hard init", "soft", "hard"),
    ("SQL, from scratch", "soft", "scratch"),
    ("QL, max-ent init", "hard", "soft"),
    ("QL, hard init", "hard", "hard"),
    ("QL, from scratch", "hard", "scratch"),
)


@dataclass(frozen=True)
class PretrainingConfig:
    """Hyperparameters of the experiment (defaults: the full run, ~20 s on one core)."""

    n_seeds: int = 30
    pretrain_steps: int = 20_000
    finetune_steps: int = 10_000
    alpha: float = 0.05
    """temperature of soft Q-learning (pre-training and fine-tuning; KL form, uniform prior)"""
    epsilon: float = 0.1
    """exploration of Q-learning"""
    lr: float = 0.2
    gamma: float = 0.95
    max_steps: int = 100
    """episode time limit (truncation)"""
    eval_every: int = 250
    """steps between Q-table snapshots; also the window of the reward-per-step curve"""
    early_steps: int = 2_000
    k_good: int = 3
    margin: float = 0.25
    greedy_threshold: float = 0.9
    n_boot: int = 2_000

    def __post_init__(self) -> None:
        for name in ("n_seeds", "pretrain_steps", "finetune_steps", "max_steps", "eval_every", "early_steps",
                     "k_good", "n_boot"):
            integer(getattr(self, name), name, low=1)
        if self.finetune_steps % self.eval_every:
            raise ValueError(f"finetune_steps must be a multiple of eval_every={self.eval_every}; "
                             f"got {self.finetune_steps}")
        if self.early_steps > self.finetune_steps:
            raise ValueError(f"early_steps must be <= finetune_steps; got {self.early_steps}")
        real(self.greedy_threshold, "greedy_threshold", low=0.0, high=1.0, low_open=True)


@dataclass(frozen=True, eq=False)
class PretrainingResult:
    """Per-seed measurements of every condition (label -> array, seeds in rows).

    Attributes
    ----------
    config : PretrainingConfig
    labels : tuple of str
        Condition labels, as in :data:`CONDITIONS`.
    eval_steps : ndarray of shape (n_points,)
        Fine-tuning steps of the Q-table snapshots (``0, eval_every, ..., finetune_steps``).
    window_ends : ndarray of shape (n_windows,)
        Last step of each reward window.
    reward_rate : dict of str to ndarray of shape (n_seeds, n_windows)
        Reward per step in each window.
    greedy_value : dict of str to ndarray of shape (n_seeds, n_points)
        ``V^greedy(start) / V*(start)`` on the specific task, exact.
    steps_to_threshold : dict of str to ndarray of shape (n_seeds,)
        Online measure (``k_good`` short successful episodes); ``inf`` if never.
    greedy_steps_to_threshold : dict of str to ndarray of shape (n_seeds,)
        First snapshot step with greedy value >= ``greedy_threshold``; ``inf`` if never.
    early_reward : dict of str to ndarray of shape (n_seeds,)
        Mean reward per step over the first ``early_steps``.
    pretrain_reward : dict of str to ndarray of shape (n_seeds,)
        Reward per step of the pre-training agents over the last ``early_steps`` steps of the
        general task (keys ``"soft"``, ``"hard"``; optimum ``1/6``).
    shortest_path : int
        Steps from the start to the paying exit.
    """

    config: PretrainingConfig
    labels: tuple[str, ...]
    eval_steps: NDArray[np.int64]
    window_ends: NDArray[np.int64]
    reward_rate: dict[str, NDArray[np.float64]]
    greedy_value: dict[str, NDArray[np.float64]]
    steps_to_threshold: dict[str, NDArray[np.float64]]
    greedy_steps_to_threshold: dict[str, NDArray[np.float64]]
    early_reward: dict[str, NDArray[np.float64]]
    pretrain_reward: dict[str, NDArray[np.float64]]
    shortest_path: int
    seed: int = field(default=0)

    def curves(self, measure: str = "reward_rate") -> dict[str, tuple[NDArray, NDArray, NDArray]]:
        """Mean and pointwise 95% bootstrap band per condition of ``"reward_rate"`` or ``"greedy_value"``."""
        if measure not in ("reward_rate", "greedy_value"):
            raise ValueError(f"measure must be 'reward_rate' or 'greedy_value'; got {measure!r}")
        data = getattr(self, measure)
        return {k: bootstrap_band(v, n_boot=500, seed=self.seed) for k, v in data.items()}

    def estimates(self) -> dict[str, dict[str, Estimate]]:
        """Per condition: median steps to threshold (online and greedy), fraction reached, early reward.

        Medians because "never" is ``inf`` (censored at the budget); the interval is ``inf``
        when too many seeds never reach the threshold.
        """
        out: dict[str, dict[str, Estimate]] = {}
        kw: dict[str, Any] = dict(n_boot=self.config.n_boot, seed=self.seed)
        for k in self.labels:
            out[k] = {
                "steps_to_threshold": bootstrap_ci(self.steps_to_threshold[k], np.median, **kw),
                "reached": bootstrap_ci(np.isfinite(self.steps_to_threshold[k]).astype(float), **kw),
                "greedy_steps_to_threshold": bootstrap_ci(self.greedy_steps_to_threshold[k], np.median, **kw),
                "early_reward": bootstrap_ci(self.early_reward[k], **kw),
            }
        return out

    def paired_difference(self, a: str, b: str, measure: str = "early_reward") -> Estimate:
        """Mean over seeds of ``measure[a] - measure[b]`` (paired seeds) with its bootstrap interval.

        For the steps-to-threshold measures, seeds that never reach it count as the budget.
        """
        data = getattr(self, measure)
        x, y = data[a], data[b]
        if measure.endswith("steps_to_threshold"):
            cap = float(self.config.finetune_steps)
            x, y = np.minimum(x, cap), np.minimum(y, cap)
        return bootstrap_ci(x - y, n_boot=self.config.n_boot, seed=self.seed)

    def capped_steps(self, measure: str = "steps_to_threshold") -> dict[str, tuple[NDArray, float, float, float]]:
        """Per condition: per-seed steps with "never" counted as the budget, and the median with its interval.

        ``measure`` is ``"steps_to_threshold"`` or ``"greedy_steps_to_threshold"``; what
        :func:`~discrete_softq.plotting.pretraining.plot_steps_to_threshold` draws.
        """
        budget, est, data = float(self.config.finetune_steps), self.estimates(), getattr(self, measure)
        return {k: (np.minimum(data[k], budget), min(est[k][measure].value, budget),
                    min(est[k][measure].low, budget), min(est[k][measure].high, budget)) for k in self.labels}

    def report(self) -> str:
        """The printed table: estimates per condition with 95% intervals, then the paired differences."""
        cfg, est = self.config, self.estimates()
        lines = [f"{cfg.n_seeds} seeds; pre-training {cfg.pretrain_steps} steps, fine-tuning {cfg.finetune_steps} "
                 f"steps; shortest path {self.shortest_path} (optimal reward/step {1 / self.shortest_path:.4f})",
                 "reward/step at the end of pre-training: "
                 + ", ".join(f"{k} {v.mean():.4f}" for k, v in self.pretrain_reward.items()),
                 f"{'condition':<20} {'steps to threshold':>24} {'reached':>20} {'greedy >= 0.9 after':>24} "
                 f"{'reward/step, first ' + str(cfg.early_steps):>28}"]
        for k in self.labels:
            e = est[k]
            lines.append(f"{k:<20} {str(e['steps_to_threshold']):>24} {str(e['reached']):>20} "
                         f"{str(e['greedy_steps_to_threshold']):>24} {str(e['early_reward']):>28}")
        lines += ["(medians over seeds for steps, means otherwise; [95% bootstrap CI]; inf = never within the budget)",
                  "paired differences (mean over seeds, 95% CI; steps capped at the budget):"]
        for learner in ("SQL", "QL"):
            for other in ("from scratch", "hard init"):
                a, b = f"{learner}, max-ent init", f"{learner}, {other}"
                lines.append(f"  {a} - {b}: reward/step {self.paired_difference(a, b)}, "
                             f"steps to threshold {self.paired_difference(a, b, 'steps_to_threshold')}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain-Python summary (config and estimates), for notebooks and logs."""
        return {"config": asdict(self.config),
                "estimates": {k: {m: asdict(e) for m, e in v.items()} for k, v in self.estimates().items()}}


# ---------------------------------------------------------------------- the experiment
def _make_agents(kind: str, cfg: PretrainingConfig, n_states: int, seeds: list[np.random.SeedSequence]) -> list:
    if kind == "soft":
        prior = np.full(4, 0.25)
        return [SoftQLearning(n_states, 4, alpha=cfg.alpha, gamma=cfg.gamma, lr=cfg.lr, prior=prior,
                              seed=np.random.default_rng(s)) for s in seeds]
    return [QLearning(n_states, 4, epsilon=cfg.epsilon, gamma=cfg.gamma, lr=cfg.lr, seed=np.random.default_rng(s))
            for s in seeds]


def _greedy_values(mdp, Q_snapshots: NDArray, start: int, v_star: float) -> NDArray:
    """Exact value of the greedy policy of every snapshot, relative to the optimum: (n_seeds, n_points)."""
    N, K = Q_snapshots.shape[:2]
    greedy = boltzmann_policy(Q_snapshots, 0.0)  # uniform over the argmax (all of A for an untouched row)
    return np.array([[soft_policy_state_values(mdp, greedy[i, k], 0.0)[start] / v_star for k in range(K)]
                     for i in range(N)])


def run_pretraining_experiment(config: PretrainingConfig | None = None, seed: int = 0,
                               progress: bool = False) -> PretrainingResult:
    """Pre-train on :data:`GENERAL_TASK`, fine-tune on :data:`SPECIFIC_TASK`, measure (module docstring).

    Parameters
    ----------
    config : PretrainingConfig, optional
        Defaults to the full experiment (30 seeds).
    seed : int
        Root of every random stream (``SeedSequence(seed).spawn``) and of the bootstrap.
    progress : bool
        tqdm bars over the steps of each batched run.

    Returns
    -------
    PretrainingResult

    Examples
    --------
    >>> cfg = PretrainingConfig(n_seeds=2, pretrain_steps=50, finetune_steps=50, eval_every=25, early_steps=25)
    >>> res = run_pretraining_experiment(cfg)
    >>> res.labels[0], res.greedy_value[res.labels[0]].shape, res.shortest_path
    ('SQL, max-ent init', (2, 3), 6)
    """
    cfg = PretrainingConfig() if config is None else config
    if not isinstance(cfg, PretrainingConfig):
        raise TypeError(f"config must be a PretrainingConfig; got {type(cfg).__name__}")
    general = GridWorld(GENERAL_TASK, max_steps=cfg.max_steps, gamma=cfg.gamma)
    specific = GridWorld(SPECIFIC_TASK, max_steps=cfg.max_steps, gamma=cfg.gamma, trap_reward=0.0)
    S = general.n_states
    root = np.random.SeedSequence(seed)
    soft_seeds, hard_seeds, fine_seeds = (ss.spawn(cfg.n_seeds) for ss in root.spawn(3))

    # ---- pre-training on the general task
    pretrained: dict[str, list] = {"soft": _make_agents("soft", cfg, S, soft_seeds),
                                   "hard": _make_agents("hard", cfg, S, hard_seeds)}
    pretrain_reward = {}
    for kind, agents in pretrained.items():
        hist = run_batched(general, agents, cfg.pretrain_steps, progress=progress)
        pretrain_reward[kind] = hist.step_rewards[:, -min(cfg.early_steps, cfg.pretrain_steps):].mean(axis=1)

    # ---- fine-tuning on the specific task
    mdp = specific.to_mdp(gamma=cfg.gamma)
    start = specific.start_state()
    v_star = float(value_iteration(mdp).V[start])
    shortest = int(round(np.log(v_star) / np.log(cfg.gamma))) + 1  # V* = gamma^(d-1) for reward 1 on step d
    eval_steps = np.arange(0, cfg.finetune_steps + 1, cfg.eval_every)
    n_windows = cfg.finetune_steps // cfg.eval_every
    results: dict[str, dict[str, NDArray]] = {}
    for label, learner, init in CONDITIONS:
        agents = _make_agents(learner, cfg, S, fine_seeds)
        if init != "scratch":
            for agent, source in zip(agents, pretrained[init]):
                agent.Q[:] = source.Q
        hist = run_batched(specific, agents, cfg.finetune_steps, snapshot_steps=eval_steps, progress=progress)
        rate = hist.step_rewards.reshape(cfg.n_seeds, n_windows, cfg.eval_every).mean(axis=2)
        assert hist.Q_snapshots is not None  # run_batched always records the snapshots
        greedy = _greedy_values(mdp, hist.Q_snapshots, start, v_star)
        online = []
        for i in range(cfg.n_seeds):
            h = hist.history(i)
            online.append(recovery_time(h.episode_end_steps, h.episode_lengths, h.episode_returns > 0, 0,
                                        shortest, k=cfg.k_good, margin=cfg.margin))
        hit = greedy >= cfg.greedy_threshold - 1e-12
        greedy_steps = np.where(hit.any(axis=1), eval_steps[hit.argmax(axis=1)], np.inf)
        results[label] = {"rate": rate, "greedy": greedy, "online": np.asarray(online, dtype=float),
                          "greedy_steps": greedy_steps.astype(float),
                          "early": hist.step_rewards[:, : cfg.early_steps].mean(axis=1)}

    labels = tuple(label for label, _, _ in CONDITIONS)
    return PretrainingResult(
        config=cfg, labels=labels, eval_steps=eval_steps,
        window_ends=np.arange(1, n_windows + 1) * cfg.eval_every,
        reward_rate={k: results[k]["rate"] for k in labels},
        greedy_value={k: results[k]["greedy"] for k in labels},
        steps_to_threshold={k: results[k]["online"] for k in labels},
        greedy_steps_to_threshold={k: results[k]["greedy_steps"] for k in labels},
        early_reward={k: results[k]["early"] for k in labels},
        pretrain_reward=pretrain_reward, shortest_path=shortest, seed=seed)

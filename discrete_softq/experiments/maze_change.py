r"""When the preferred route is blocked, does a max-ent agent adapt faster? The experiment.

Protocol (fair by construction):

1. **Tuning.** For each agent family, every configuration of its grid
   (:mod:`.maze_setup`, 4 per agent) runs on the *tuning seeds* in the fixed-step condition; the
   configuration with the highest mean total reward over the whole run is kept (ties: the first
   in grid order). The same configuration is used in both conditions.
2. **Evaluation.** The kept configuration runs on separate *evaluation seeds* (30 by default) in
   each condition: ``fixed`` (the change at Sutton & Barto's step) and ``pretrained`` (the change
   after ``PRETRAIN_FACTOR`` times as many steps on the first map; the share of seeds whose greedy
   path was optimal at the change is reported as ``converged``).
3. **Measures** per seed, each summarised by a bootstrap 95% interval over seeds:

   * (a) knowledge at the change (:mod:`.maze_measures`): ``greedy_knows`` (strict greedy path
     from the start reaches the goal on the new map), ``route_knowledge`` (share of new
     shortest-route cells whose greedy path reaches the goal), ``p_reach`` (probability that the
     behaviour policy reaches the goal within twice the new shortest length);
   * (b) recovery (:func:`~discrete_softq.agents.stats.recovery_time`, k = 3 episodes within
     25% of the new shortest length): ``recovered`` (share) and ``recovery_steps`` (median);
   * (c) ``reward_after`` the change (and ``reward_before`` it: what exploration costs). Note
     that with the ``step`` scheme on ``two_routes`` the new 21-step route nets exactly
     ``20 * (-0.05) + 1 = 0`` per episode, so ``reward_after`` there is the cost of adapting;
   * (d) when the new map is shorter: ``shortcut_found`` (share) and ``shortcut_steps`` (median).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from .. import soft_q_iteration
from .._validate import integer
from ..agents import run_batched
from ..agents.stats import Estimate, bootstrap_band, bootstrap_ci, first_short_episode, recovery_time
from ..envs import GridTables
from . import maze_measures as mm
from .maze_setup import AGENTS, PRETRAIN_FACTOR, SETUPS, UNIFORM, configurations, make_agents, make_env

__all__ = ["AgentResult", "MazeChangeResult", "MEASURES", "run_maze_change", "termination_pitfall", "tune_agent",
           "alpha_sweep", "sweep_report"]

RECOVERY_K, RECOVERY_MARGIN = 3, 0.25

#: Which measure answers which question (the order of the printed table).
MEASURES = [
    ("converged", "(pre) greedy path optimal at the change, share"),
    ("greedy_knows", "(a) greedy path reaches the goal on the new map, share"),
    ("route_knowledge", "(a) share of new-route cells whose greedy path reaches the goal"),
    ("p_reach", "(a) P(behaviour policy reaches goal in 2x new shortest)"),
    ("recovered", "(b) share of seeds that recover"),
    ("recovery_steps", "(b) recovery time, median steps after the change"),
    ("reward_before", "(c) reward before the change"),
    ("reward_after", "(c) reward after the change"),
    ("shortcut_found", "(d) share of seeds that use the shortcut"),
    ("shortcut_steps", "(d) steps until the shortcut is used, median"),
]


@dataclass(frozen=True, eq=False)
class AgentResult:
    """One agent family in one condition, over the evaluation seeds."""

    name: str
    label: str
    params: dict[str, Any]
    change_step: int
    n_steps: int
    measures: dict[str, Estimate]
    per_seed: dict[str, NDArray[np.float64]] = field(repr=False)
    curve_steps: NDArray[np.int64] = field(repr=False)
    curve: tuple[NDArray, NDArray, NDArray] = field(repr=False)  # cumulative reward mean, low, high
    visits_before: NDArray[np.float64] = field(repr=False)  # mean visits per cell in the window before the change
    visits_after: NDArray[np.float64] = field(repr=False)   # ... and in the last window of the run


@dataclass(frozen=True, eq=False)
class MazeChangeResult:
    """Everything :func:`run_maze_change` measured."""

    layout: str
    reward: str
    shortest_before: int
    shortest_after: int
    results: dict[str, dict[str, AgentResult]]   # condition -> agent -> result
    tuning: dict[str, list[tuple[dict[str, Any], float]]]  # agent -> [(params, mean score)]
    pitfall: list[dict[str, float]]
    layouts: tuple[Any, Any] = field(repr=False, default=(None, None))

    def best_params(self, agent: str) -> dict[str, Any]:
        """The configuration tuning kept for ``agent`` (the first of tied bests)."""
        return dict(max(self.tuning[agent], key=lambda ps: ps[1])[0])

    def report(self) -> str:
        """The printed text: tuning results, the pitfall table, one table per agent and condition."""
        lines = [f"layout {self.layout}, reward '{self.reward}': shortest path {self.shortest_before} steps before "
                 f"the change, {self.shortest_after} after", "",
                 "tuning (mean total reward on the tuning seeds; * = best, the first of tied bests is kept):"]
        for name, scores in self.tuning.items():
            best = max(s for _, s in scores)
            lines.append(f"  {name:13s} " + ", ".join(f"{'*' if s == best else ''}{p}: {s:.1f}" for p, s in scores))
        lines += ["", "termination pitfall (exact soft-optimal policy on the first map, P(goal within the episode)):"]
        lines += [f"  alpha={row['alpha']:<5g} Shannon entropy: {row['shannon']:.3f}   "
                  f"KL to uniform: {row['kl_uniform']:.3f}" for row in self.pitfall]
        for condition, per_agent in self.results.items():
            for res in per_agent.values():
                lines += ["", f"[{condition}] {res.label} {res.params}  (change at step {res.change_step} of "
                          f"{res.n_steps}, {next(iter(res.measures.values())).n} seeds; value [95% CI])"]
                lines += [f"  {text:60s} {res.measures[key]}" for key, text in MEASURES if key in res.measures]
        return "\n".join(lines)


def _seeds(seq: np.random.SeedSequence, n: int) -> list[int]:
    return [int(s.generate_state(1)[0]) for s in seq.spawn(n)]


def tune_agent(name: str, env: Any, n_steps: int, seeds: list[int],
               overrides: Mapping[str, float | None]) -> tuple[dict[str, Any], list[tuple[dict[str, Any], float]]]:
    """Run every configuration on ``seeds`` in one batch; return the best and all mean total rewards.

    >>> best, scores = tune_agent("q", make_env("two_routes", "step", 50), 100, [0], {"epsilon": 0.1})
    >>> len(scores), best["epsilon"]   # the lr axis of the 2 x 2 grid is left; epsilon is pinned
    (2, 0.1)
    """
    spec = AGENTS[name]
    configs = configurations(spec, overrides)
    agents = [a for p in configs for a in make_agents(spec, p, seeds, env.n_states)]
    hist = run_batched(env, agents, n_steps, seeds=seeds * len(configs))
    totals = hist.step_rewards.sum(axis=1).reshape(len(configs), len(seeds)).mean(axis=1)
    scores = [(p, float(s)) for p, s in zip(configs, totals)]
    return configs[int(np.argmax(totals))], scores


def _policy_of(name: str, params: Mapping[str, Any], Q: NDArray, n_updates: int) -> NDArray:
    """The behaviour policy of ``Q`` after ``n_updates`` updates (a temperature schedule is read there)."""
    agent = make_agents(AGENTS[name], params, [0], Q.shape[0])[0]
    agent.Q[...] = Q
    agent.n_updates = n_updates
    return agent.policy()


def evaluate_agent(name: str, params: dict[str, Any], env: Any, change_step: int, n_steps: int,
                   seeds: list[int], window: int, n_points: int = 200) -> AgentResult:
    """Run ``params`` on the evaluation ``seeds`` and compute every measure (module docstring)."""
    spec = AGENTS[name]
    tables = GridTables.from_env(env)
    L_old, L_new = mm.shortest_path_length(tables, 0), mm.shortest_path_length(tables, 1)
    snaps = [change_step - window, change_step, n_steps - window]
    hist = run_batched(env, make_agents(spec, params, seeds, env.n_states), n_steps, seeds=seeds,
                       snapshot_steps=snaps)
    assert hist.Q_snapshots is not None and hist.state_visits is not None  # run_batched always records them
    per: dict[str, list[float]] = {k: [] for k in ("reward_before", "reward_after", "converged", "greedy_knows",
                                                  "route_knowledge", "p_reach", "recovery_steps", "shortcut_steps")}
    for i in range(len(seeds)):
        h = hist.history(i)
        Q = hist.Q_snapshots[i, 1]
        per["reward_before"].append(h.step_rewards[:change_step].sum())
        per["reward_after"].append(h.step_rewards[change_step:].sum())
        per["converged"].append(float(mm.greedy_path_length(Q, tables, 0) == L_old))
        per["greedy_knows"].append(float(mm.greedy_reaches_goal(Q, tables, 1)))
        per["route_knowledge"].append(mm.route_knowledge(Q, tables, 1))
        per["p_reach"].append(mm.reach_probability(_policy_of(name, params, Q, change_step), env, 1, 2 * L_new))
        args = (h.episode_end_steps, h.episode_lengths, h.episode_terminated, change_step)
        per["recovery_steps"].append(recovery_time(*args, L_new, k=RECOVERY_K, margin=RECOVERY_MARGIN))
        per["shortcut_steps"].append(first_short_episode(*args, shorter_than=L_old))
    per_seed = {k: np.asarray(v, dtype=float) for k, v in per.items()}
    per_seed["recovered"] = np.isfinite(per_seed["recovery_steps"]).astype(float)
    per_seed["shortcut_found"] = np.isfinite(per_seed["shortcut_steps"]).astype(float)
    measures = {k: bootstrap_ci(v, np.median if k.endswith("_steps") else np.mean) for k, v in per_seed.items()}
    if L_new >= L_old:
        for k in ("shortcut_steps", "shortcut_found"):
            measures.pop(k)
    x = np.unique(np.linspace(0, n_steps - 1, n_points).astype(np.int64))
    curve = bootstrap_band(hist.cumulative_reward()[:, x])
    visits = hist.state_visits.mean(axis=0)
    return AgentResult(name, spec.label, dict(params), change_step, n_steps, measures, per_seed, x + 1, curve,
                       visits[1], visits[3])


def termination_pitfall(layout: str, reward: str, alphas: Sequence[float] = (0.01, 0.02, 0.04, 0.1),
                        horizon: int = 200) -> list[dict[str, float]]:
    """Exact soft-optimal policies on the first map: P(goal within ``horizon``) with and without the prior.

    With the Shannon bonus every step is worth up to ``alpha log 4``; once that outweighs the
    goal, the optimal max-ent policy avoids ending the episode. The KL-to-uniform form has no
    such pull (its bonus is ``<= 0``).

    >>> row = termination_pitfall("two_routes", "goal", alphas=(0.1,))[0]
    >>> row["shannon"] < 0.01 < 0.9 < row["kl_uniform"]
    True
    """
    env = make_env(layout, reward, change_step=10**9)
    mdp = env.to_mdp(layout=0)
    rows = []
    for alpha in alphas:
        row = {"alpha": float(alpha)}
        for key, prior in (("shannon", None), ("kl_uniform", UNIFORM)):
            pi = soft_q_iteration(mdp, alpha, tol=1e-6, prior=prior).policy
            row[key] = mm.reach_probability(pi, env, 0, horizon)
        rows.append(row)
    return rows


def run_maze_change(layout: str = "two_routes", agents: Sequence[str] = ("soft", "q"),
                    conditions: Sequence[str] = ("fixed", "pretrained"), n_seeds: int = 30,
                    n_tune_seeds: int = 10, reward: str = "goal", change_step: int | None = None,
                    post_steps: int | None = None, overrides: Mapping[str, float | None] | None = None,
                    seed: int = 0, progress: bool = False) -> MazeChangeResult:
    """Tune on one set of seeds, evaluate on another, in each condition (see the module docstring).

    Parameters
    ----------
    layout : str
        A key of :data:`~discrete_softq.experiments.maze_setup.SETUPS`.
    agents : sequence of str
        Keys of :data:`~discrete_softq.experiments.maze_setup.AGENTS`.
    conditions : sequence of {"fixed", "pretrained"}
    n_seeds : int
        Evaluation seeds (>= 2, for the intervals).
    n_tune_seeds : int
        Tuning seeds per configuration (>= 1).
    reward : {"goal", "step"}
    change_step, post_steps : int, optional
        Step of the change in the fixed condition, and steps after it (>= 2); default: the layout's.
    overrides : mapping of str to float or None, optional
        Pinned hyperparameters (``alpha``, ``epsilon``, ``lr``) instead of their tuning axis.
    seed : int
        Root of the tuning and evaluation seeds.
    progress : bool
        A tqdm bar over the runs.

    Returns
    -------
    MazeChangeResult

    Examples
    --------
    >>> res = run_maze_change("two_routes", ("q",), ("fixed",), n_seeds=2, n_tune_seeds=1, change_step=50,
    ...                       post_steps=50)
    >>> (res.shortest_before, res.shortest_after), sorted(res.best_params("q"))
    ((13, 21), ['epsilon', 'lr'])
    """
    setup = SETUPS.get(layout)
    if setup is None:
        raise ValueError(f"layout must be one of {sorted(SETUPS)}; got {layout!r}")
    unknown = [a for a in agents if a not in AGENTS]
    if unknown:
        raise ValueError(f"agents must be among {sorted(AGENTS)}; got unknown {unknown}")
    bad = [c for c in conditions if c not in ("fixed", "pretrained")]
    if bad or not conditions:
        raise ValueError(f"conditions must be 'fixed' and/or 'pretrained'; got {list(conditions)}")
    n_seeds, n_tune_seeds = integer(n_seeds, "n_seeds", low=2), integer(n_tune_seeds, "n_tune_seeds", low=1)
    change = setup.change_step if change_step is None else integer(change_step, "change_step", low=1)
    post = setup.post_steps if post_steps is None else integer(post_steps, "post_steps", low=2)
    window = max(1, min(change, post) // 4)
    tune_seq, eval_seq = np.random.SeedSequence(seed).spawn(2)
    tune_seeds, eval_seeds = _seeds(tune_seq, n_tune_seeds), _seeds(eval_seq, n_seeds)
    overrides = dict(overrides or {})
    jobs = [(a, None) for a in agents] + [(a, c) for c in conditions for a in agents]
    bar = tqdm(total=len(jobs), unit="run", disable=not progress)
    best: dict[str, dict[str, Any]] = {}
    tuning: dict[str, list] = {}
    results: dict[str, dict[str, AgentResult]] = {c: {} for c in conditions}
    for name, condition in jobs:
        if condition is None:
            env = make_env(layout, reward, change)
            best[name], tuning[name] = tune_agent(name, env, change + post, tune_seeds, overrides)
        else:
            at = change if condition == "fixed" else PRETRAIN_FACTOR * change
            env = make_env(layout, reward, at)
            results[condition][name] = evaluate_agent(name, best[name], env, at, at + post, eval_seeds, window)
        bar.update(1)
    bar.close()
    tables = GridTables.from_env(make_env(layout, reward, change))
    return MazeChangeResult(layout, reward, mm.shortest_path_length(tables, 0), mm.shortest_path_length(tables, 1),
                            results, tuning, termination_pitfall(layout, reward, horizon=setup.max_steps or 200),
                            (setup.first, setup.after))


def alpha_sweep(layout: str = "two_routes", reward: str = "step", alphas: Sequence[float] = (0.01, 0.05, 0.1),
                lr: float = 0.9, agent: str = "soft", conditions: Sequence[str] = ("fixed", "pretrained"),
                n_seeds: int = 30, change_step: int | None = None, post_steps: int | None = None,
                seed: int = 0, progress: bool = False) -> dict[str, dict[float, AgentResult]]:
    """The soft agent at fixed temperatures (not tuned): how every measure moves with ``alpha``.

    Same evaluation seeds as :func:`run_maze_change` with the same ``seed``; ``progress``: a tqdm
    bar over the runs. Returns ``{condition: {alpha: AgentResult}}``.

    >>> sweep = alpha_sweep(alphas=(0.05,), conditions=("fixed",), n_seeds=2, change_step=50, post_steps=50)
    >>> sweep["fixed"][0.05].params, sweep["fixed"][0.05].measures["recovered"].n
    ({'alpha': 0.05, 'lr': 0.9}, 2)
    """
    setup = SETUPS[layout]
    change = setup.change_step if change_step is None else int(change_step)
    post = setup.post_steps if post_steps is None else int(post_steps)
    eval_seeds = _seeds(np.random.SeedSequence(seed).spawn(2)[1], n_seeds)
    out: dict[str, dict[float, AgentResult]] = {c: {} for c in conditions}
    for condition, a in tqdm([(c, a) for c in conditions for a in alphas], unit="run", disable=not progress):
        at = change if condition == "fixed" else PRETRAIN_FACTOR * change
        out[condition][float(a)] = evaluate_agent(agent, {"alpha": float(a), "lr": lr}, make_env(layout, reward, at),
                                                  at, at + post, eval_seeds, max(1, min(change, post) // 4))
    return out


def sweep_report(sweep: Mapping[str, Mapping[float, AgentResult]], lr: float) -> str:
    """One line per temperature of an :func:`alpha_sweep` (the printed text).

    Parameters
    ----------
    sweep : mapping of str to mapping of float to AgentResult
        ``{condition: {alpha: result}}``, as :func:`alpha_sweep` returns.
    lr : float
        The learning rate the sweep used (printed in the heading).

    Returns
    -------
    str

    Examples
    --------
    >>> sweep = alpha_sweep("two_routes", "step", (0.1,), conditions=("fixed",), n_seeds=2, change_step=50,
    ...                     post_steps=50)
    >>> print(sweep_report(sweep, 0.9).splitlines()[0])
    soft Q (KL to uniform) at fixed temperatures, lr=0.9 (not tuned; value [95% CI]):
    """
    keys = ["converged", "route_knowledge", "p_reach", "recovered", "recovery_steps", "reward_before", "reward_after"]
    lines = [f"soft Q (KL to uniform) at fixed temperatures, lr={lr} (not tuned; value [95% CI]):"]
    for condition, per_alpha in sweep.items():
        lines.append(f"  [{condition}]  " + " | ".join(keys))
        lines += [f"    alpha={alpha:<5g} " + " | ".join(str(res.measures[k]) for k in keys)
                  for alpha, res in per_alpha.items()]
    return "\n".join(lines)

r"""Composing two gridworld tasks by averaging their soft Q-functions, against the exact optimum.

Two tasks share one gridworld (same walls, same exits): every move costs ``step_cost``, and both
exits end the episode, but task 1 pays ``goal_reward`` only at the first exit and task 2 only
at the second. The combined task is their mean (each exit pays ``goal_reward / 2``). Each task
is solved exactly (:func:`~discrete_softq.soft_policy_iteration`), the two Q-functions are
averaged (:func:`~discrete_softq.compose.compose_q`), and the result is compared with the exact
optimum of the combined reward and with the bounds of Haarnoja et al. (2018)
(:func:`~discrete_softq.compose.composition_bound`):

* Lemma 1 -- true gap ``Q_sum - Q*_C`` against the bound ``C*``;
* Theorem 1 -- true loss of the composed policy ``Q*_C - Q^{pi_sum}_C`` against ``D*``.

>>> ex = composition_example(alpha=0.5)
>>> bool(np.all(ex.q_gap <= ex.bound.C + 1e-8))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._validate import integer
from ..compose import CompositionBound, composition_bound
from ..dp import maxent_return, soft_policy_evaluation, soft_policy_iteration
from ..envs import GridWorld
from ..mdp import TabularMDP
from ..soft import boltzmann_policy

__all__ = ["TWO_EXITS", "CompositionExample", "CompositionStudy", "exit_task", "composition_example",
           "bound_versus_alpha", "bound_versus_interpolation", "run_composition"]

#: An open room with two exits in the top corners and a wall between the start and the top.
TWO_EXITS: list[str] = [
    "G.......G",
    ".........",
    "..#####..",
    ".........",
    "....S....",
]


@dataclass(frozen=True, eq=False)
class CompositionExample:
    """Two exactly solved gridworld tasks, their composition and the exact combined optimum.

    Attributes
    ----------
    env : GridWorld
        The shared layout (``env.layout`` for plotting).
    tasks : tuple of two TabularMDP
        Task 1 and task 2 (same dynamics, different rewards).
    combined : TabularMDP
        The mean task, reward ``(r1 + r2) / 2``.
    alpha : float
    Q1, Q2 : ndarray of shape (n_states, 4)
        Optimal soft Q-functions of the tasks.
    Q_opt : ndarray of shape (n_states, 4)
        Optimal soft Q-function of the combined task, :math:`Q^*_C`.
    Q_pi : ndarray of shape (n_states, 4)
        Soft Q-function of the composed policy on the combined task, :math:`Q^{\\pi_\\Sigma}_C`.
    policy_opt : ndarray of shape (n_states, 4)
        The optimal policy of the combined task.
    bound : CompositionBound
        ``Q_sum``, the composed ``policy``, ``C`` and ``D``.
    """

    env: GridWorld
    tasks: tuple[TabularMDP, TabularMDP]
    combined: TabularMDP
    alpha: float
    Q1: NDArray[np.float64]
    Q2: NDArray[np.float64]
    Q_opt: NDArray[np.float64]
    Q_pi: NDArray[np.float64]
    policy_opt: NDArray[np.float64]
    bound: CompositionBound

    @property
    def q_gap(self) -> NDArray[np.float64]:
        """Lemma 1's true gap ``Q_sum - Q*_C`` (bounded by ``bound.C``), shape (n_states, 4)."""
        return self.bound.Q_sum - self.Q_opt

    @property
    def policy_loss(self) -> NDArray[np.float64]:
        """Theorem 1's true loss ``Q*_C - Q^{pi_sum}_C`` (bounded by ``bound.D``), shape (n_states, 4)."""
        return self.Q_opt - self.Q_pi

    @property
    def task_policies(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The optimal (Boltzmann) policies of task 1 and task 2, each of shape (n_states, 4)."""
        return boltzmann_policy(self.Q1, self.alpha), boltzmann_policy(self.Q2, self.alpha)

    @property
    def live(self) -> NDArray[np.bool_]:
        """States where the agent acts (not walls, not exits), shape (n_states,)."""
        return ~self.combined.terminal

    def per_state(self) -> dict[str, NDArray[np.float64]]:
        """Worst case over actions in each state: ``gap``, ``C``, ``loss``, ``D`` (NaN where nobody acts)."""
        out = {}
        for name, table in (("gap", self.q_gap), ("C", self.bound.C), ("loss", self.policy_loss),
                            ("D", self.bound.D)):
            v = table.max(axis=1)
            out[name] = np.where(self.live, v, np.nan)
        return out

    def summary(self) -> dict[str, float]:
        """The printed figures: gaps and bounds (max over states and at the start), max-ent returns."""
        s0 = int(np.argmax(self.combined.initial))
        J_opt = maxent_return(self.combined, self.policy_opt, self.alpha)
        J_sum = maxent_return(self.combined, self.bound.policy, self.alpha)
        return {
            "alpha": self.alpha,
            "max_gap": float(self.q_gap.max()),
            "max_C": float(self.bound.C.max()),
            "start_gap": float(self.q_gap[s0].max()),
            "start_C": float(self.bound.C[s0].max()),
            "max_loss": float(self.policy_loss.max()),
            "max_D": float(self.bound.D.max()),
            "start_loss": float(self.policy_loss[s0].max()),
            "start_D": float(self.bound.D[s0].max()),
            "return_optimal": J_opt,
            "return_composed": J_sum,
        }


def exit_task(env: GridWorld, exit_index: int, goal_reward: float = 10.0, step_cost: float = 1.0,
              gamma: float = 0.95) -> TabularMDP:
    r"""The task "leave by exit ``exit_index``" on ``env``'s current map.

    Reward for entering a cell: ``goal_reward`` at the chosen exit (the ``G`` cells in reading
    order), ``0`` at the other exits, ``-step_cost`` elsewhere; every exit is terminal. All such
    tasks on one map share the dynamics of ``env.to_mdp()``, which composition requires.

    >>> env = GridWorld(["G.S.G"])
    >>> t0, t1 = exit_task(env, 0), exit_task(env, 1)
    >>> (t0.P != t1.P).nnz   # the same dynamics
    0
    >>> s = env.state_index(0, 1)   # next to the left exit; action 3 = left
    >>> float(t0.rewards[s, 3]), float(t1.rewards[s, 3])
    (10.0, 0.0)
    """
    L = env.layout
    exits = np.flatnonzero(L.goals.ravel())
    if not 0 <= exit_index < exits.size:
        raise ValueError(f"exit_index must be in [0, {exits.size}) (the map's G cells); got {exit_index!r}")
    dynamics = env.to_mdp(gamma=gamma)
    enter = np.where(L.terminal.ravel(), 0.0, -float(step_cost))
    enter[exits[exit_index]] = float(goal_reward)
    rewards = np.asarray(dynamics.P @ enter).reshape(dynamics.n_states, dynamics.n_actions)
    return TabularMDP(dynamics.P, rewards, gamma, initial=dynamics.initial, terminal=dynamics.terminal)


def composition_example(alpha: float = 0.5, layout: list[str] | str = TWO_EXITS, goal_reward: float = 10.0,
                        step_cost: float = 1.0, gamma: float = 0.95, slip: float = 0.1,
                        tol: float = 1e-10) -> CompositionExample:
    """Solve both exit tasks and their mean exactly, compose, and bound the composition.

    Parameters
    ----------
    alpha : float
        Temperature of every task.
    layout : list of str or str
        A map with at least two exits ``G`` (the first two in reading order are used).
    goal_reward, step_cost, gamma : float
        See :func:`exit_task`.
    slip : float
        Probability that a move goes sideways (stochastic dynamics).
    tol : float
        Accuracy of the exact solves.

    Returns
    -------
    CompositionExample

    Examples
    --------
    >>> ex = composition_example(alpha=0.5)
    >>> bool(ex.policy_loss.min() >= -1e-8 and (ex.policy_loss <= ex.bound.D + 1e-8).all())   # Theorem 1
    True
    """
    env = GridWorld(layout, slip=slip, gamma=gamma)
    t1, t2 = (exit_task(env, i, goal_reward, step_cost, gamma) for i in (0, 1))
    combined = TabularMDP(t1.P, (t1.rewards + t2.rewards) / 2, gamma, initial=t1.initial,
                          terminal=t1.terminal)
    Q1 = soft_policy_iteration(t1, alpha, tol=tol).Q
    Q2 = soft_policy_iteration(t2, alpha, tol=tol).Q
    opt = soft_policy_iteration(combined, alpha, tol=tol)
    bound = composition_bound(t1, Q1, Q2, alpha)
    Q_pi = soft_policy_evaluation(combined, bound.policy, alpha)
    return CompositionExample(env=env, tasks=(t1, t2), combined=combined, alpha=float(alpha), Q1=Q1, Q2=Q2,
                              Q_opt=opt.Q, Q_pi=Q_pi, policy_opt=opt.policy, bound=bound)


def bound_versus_alpha(alphas: NDArray[np.float64] | list[float], **kwargs) -> dict[str, NDArray[np.float64]]:
    """:meth:`CompositionExample.summary` for each temperature, as arrays keyed like the summary.

    >>> sweep = bound_versus_alpha([0.1, 1.0])
    >>> bool((sweep["start_gap"] <= sweep["start_C"] + 1e-8).all())
    True
    """
    rows = [composition_example(alpha=float(a), **kwargs).summary() for a in alphas]
    return {key: np.array([r[key] for r in rows]) for key in rows[0]}


def bound_versus_interpolation(ts: NDArray[np.float64] | list[float], alpha: float = 0.5,
                               **kwargs) -> dict[str, NDArray[np.float64]]:
    r"""Task 1 against :math:`r_2(t) = (1 - t) r_1 + t r_2`: how the bound grows as the tasks part.

    For each ``t`` the second task is re-solved exactly and composed with task 1; returned (as
    arrays over ``ts``): ``divergence`` (max over states of :math:`D_{1/2}`), ``max_C``,
    ``max_gap`` (true :math:`\max(Q_\Sigma - Q^*_C)`), ``max_D`` and ``max_loss``. ``t = 0`` is
    two identical tasks (everything zero). Keyword arguments go to :func:`composition_example`.

    >>> curves = bound_versus_interpolation([0.0, 1.0])
    >>> bool(curves["max_C"][0] < 1e-12), bool(curves["max_C"][1] > 0.1)   # same task: no gap to bound
    (True, True)
    """
    ex = composition_example(alpha=alpha, **kwargs)
    t1, t2 = ex.tasks
    tol = kwargs.get("tol", 1e-10)
    out: dict[str, list[float]] = {k: [] for k in ("divergence", "max_C", "max_gap", "max_D", "max_loss")}
    for t in ts:
        task = TabularMDP(t1.P, (1 - t) * t1.rewards + t * t2.rewards, t1.gamma, terminal=t1.terminal)
        combined = TabularMDP(t1.P, (t1.rewards + task.rewards) / 2, t1.gamma, terminal=t1.terminal)
        Q2 = soft_policy_iteration(task, alpha, tol=tol).Q
        Q_opt = soft_policy_iteration(combined, alpha, tol=tol).Q
        b = composition_bound(t1, ex.Q1, Q2, alpha)
        Q_pi = soft_policy_evaluation(combined, b.policy, alpha)
        for key, value in (("divergence", b.divergence.max()), ("max_C", b.C.max()),
                           ("max_gap", (b.Q_sum - Q_opt).max()), ("max_D", b.D.max()),
                           ("max_loss", (Q_opt - Q_pi).max())):
            out[key].append(float(value))
    return {k: np.array(v) for k, v in out.items()}


@dataclass(frozen=True, eq=False)
class CompositionStudy:
    """One composition, a sweep over the temperature and one over how far the tasks part.

    Attributes
    ----------
    example : CompositionExample
        At the study's temperature.
    task : dict of str to float
        ``gamma``, ``slip``, ``goal_reward``, ``step_cost``.
    alphas : ndarray of shape (n_alphas,)
    sweep : dict of str to ndarray of shape (n_alphas,)
        :func:`bound_versus_alpha`.
    ts : ndarray of shape (n_ts,)
    interpolation : dict of str to ndarray of shape (n_ts,)
        :func:`bound_versus_interpolation`.
    """

    example: CompositionExample
    task: dict[str, float]
    alphas: NDArray[np.float64]
    sweep: dict[str, NDArray[np.float64]]
    ts: NDArray[np.float64]
    interpolation: dict[str, NDArray[np.float64]]

    def report(self) -> str:
        """The bounds against the true gaps, then one row per temperature and per interpolation step."""
        ex, s, sw, it = self.example, self.example.summary(), self.sweep, self.interpolation
        lines = [f"two exit tasks on a {ex.env.n_rows}x{ex.env.n_cols} map, alpha={ex.alpha:g}, "
                 f"gamma={self.task['gamma']:g}, slip={self.task['slip']:g}",
                 f"Lemma 1   max_s,a (Q_sum - Q*_C) = {s['max_gap']:.4f}  <=  max C* = {s['max_C']:.4f}",
                 f"          at the start: gap {s['start_gap']:.4f} <= C* {s['start_C']:.4f}",
                 f"Theorem 1 max_s,a (Q*_C - Q^pi_sum) = {s['max_loss']:.4f}  <=  max D* = {s['max_D']:.4f}",
                 f"          at the start: loss {s['start_loss']:.4f} <= D* {s['start_D']:.4f}",
                 f"max-ent return from the start: optimal {s['return_optimal']:.4f}, "
                 f"composed {s['return_composed']:.4f}",
                 f"{'alpha':>8} {'gap':>9} {'C*':>9} {'loss':>9} {'D*':>9}   (start state)"]
        lines += [f"{a:8.3f} {sw['start_gap'][i]:9.4f} {sw['start_C'][i]:9.4f} {sw['start_loss'][i]:9.4f} "
                  f"{sw['start_D'][i]:9.4f}" for i, a in enumerate(self.alphas)]
        lines += [f"second task r2(t) = (1-t) r1 + t r2 at alpha={ex.alpha:g} (max over states and actions):",
                  f"{'t':>6} {'D_1/2':>8} {'gap':>9} {'C*':>9} {'loss':>9} {'D*':>9}"]
        lines += [f"{t:6.2f} {it['divergence'][i]:8.4f} {it['max_gap'][i]:9.4f} {it['max_C'][i]:9.4f} "
                  f"{it['max_loss'][i]:9.4f} {it['max_D'][i]:9.4f}" for i, t in enumerate(self.ts)]
        return "\n".join(lines)


def run_composition(alpha: float = 0.5, gamma: float = 0.95, slip: float = 0.1, goal_reward: float = 10.0,
                    step_cost: float = 1.0, n_alphas: int = 13, n_ts: int = 11) -> CompositionStudy:
    """The composition at ``alpha``, the bounds at ``n_alphas`` temperatures in [0.05, 2] and ``n_ts`` steps t.

    >>> study = run_composition(n_alphas=2, n_ts=2)
    >>> study.alphas.tolist(), study.ts.tolist()
    ([0.05, 2.0], [0.0, 1.0])
    """
    integer(n_alphas, "n_alphas", low=1)
    integer(n_ts, "n_ts", low=1)
    task = dict(gamma=float(gamma), slip=float(slip), goal_reward=float(goal_reward), step_cost=float(step_cost))
    alphas, ts = np.geomspace(0.05, 2.0, n_alphas), np.linspace(0.0, 1.0, n_ts)
    return CompositionStudy(composition_example(alpha=alpha, **task), task, alphas, bound_versus_alpha(alphas, **task),
                            ts, bound_versus_interpolation(ts, alpha=alpha, **task))

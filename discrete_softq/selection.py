r"""``solve``: the exact soft DP solver that suits the MDP, chosen from cheap, measured features.

Choosing a solver
-----------------
It is a ski-rental rule: value iteration's sweeps are the cheapest operation there is, so they
are tried first, for about as long as the alternative would cost, and policy iteration (Newton's
method, a handful of rounds whatever ``gamma``) takes over only when value iteration has not
finished by then.

* **One action** (one policy): policy iteration, whose single evaluation is the answer.
* **Small stochastic episodic models at** ``gamma >= SLOW_GAMMA`` with at least
  ``SLOW_MIN_STATES`` states (FrozenLake): soft policy
  iteration at once (value iteration would need ~``1 / (1 - gamma)`` sweeps: terminal states
  weaken the span rule).
* **Small deterministic models** (one successor per action): a goal's values travel as a wave,
  which crosses a model in at most ``n_states`` sweeps, so the error bound's early rate says
  nothing; value iteration gets ``n_states + FIRST_SWEEPS`` sweeps (at most ``SMALL_ROUNDS *
  ROUND_IN_SWEEPS``, the price of policy iteration there), then policy iteration takes over.
* **Other small models** (``n_states * n_actions <= SMALL_PAIRS``): twice ``FIRST_SWEEPS``
  sweeps; if not converged, the error bound's rate between the two predicts the sweeps still
  needed, and value iteration goes on (for twice the prediction, never more than that price)
  only if they cost less than ``SMALL_ROUNDS`` policy-iteration rounds (a round costs about
  ``ROUND_IN_SWEEPS`` sweeps there, mostly fixed overhead); otherwise soft policy iteration,
  warm-started from the last sweep's Boltzmann policy.
* **Large stochastic episodic models at** ``gamma >= LONG_EPISODES_GAMMA`` (above
  ``DIRECT_SOLVE_MAX_STATES`` states): a short trial of ``SHORT_TRIAL_SWEEPS`` sweeps (fast-ending
  episodes finish within it), then soft policy iteration.
* **Large deterministic episodic models** on which value iteration is expected to need more sweeps
  than soft policy iteration costs (``DETERMINISTIC_PI_IN_SWEEPS``, with its coarse start): soft
  policy iteration at once. The estimate (``_expected_sweeps``): a goal's values cross the model as
  a wave, one step a sweep (the longest shortest path to a terminal state, by breadth-first
  search); where a step gains less than ``alpha`` the soft policy is nearly uniform and values
  converge only at ``gamma``'s rate. On the 1000 x 1000 open grid (2,000 steps across) this saves a
  500-sweep trial of 14 s; on the 316 x 316 one at gamma 0.99 (1,749 sweeps) it picks policy
  iteration, at about half the time.
* **Other larger models**: a trial of ``TRIAL_SWEEPS`` sweeps (most sparse MDPs, gridworlds
  included, are solved within it). If it has not converged:

  - on deterministic models a policy-iteration round is priced at
    ``DETERMINISTIC_ROUND_IN_SWEEPS`` sweeps (timing one would cost one, and from a poor policy
    the first evaluation can cost more than all of value iteration);
  - on stochastic ones soft policy iteration's first round is timed, from the prior or uniform
    (an inexact iterative solve above ``DIRECT_SOLVE_MAX_STATES`` states), and the
    residuals' rate over the trial's second half predicts the sweeps value iteration still needs.
    If those cost more than ``EXPECTED_ROUNDS`` rounds, policy iteration takes over at once, with
    the timed round as its first.

  Otherwise value iteration continues from its last iterate
  (:attr:`~discrete_softq.results.SoftSolution.iterate`: the same run) for twice the prediction,
  at most ``EXPECTED_ROUNDS`` rounds' worth, and if that is not enough policy iteration finishes
  the job. Policy iteration then starts from its own start (the prior or uniform; on large
  models an aggregated model's solution), not from the trial's policy: partly propagated values
  make a poor policy, whose evaluation is far from the answer (on a slippery 316 x 316 grid at
  gamma 0.9999 that warm start took 40 rounds instead of 10).

So ``solve`` costs at most about twice the cheaper of the two solvers, plus one evaluation, and
usually the cheaper one plus a short trial. On deterministic models the residuals' rate would not
predict the sweeps needed: on grids they shrink at about ``gamma`` per sweep until the goal's
values have crossed the grid, and then much faster; so there it is not used.

The choice depends on measured timings, so it can differ between machines; the answer is within
``tol`` of the fixed point either way.

The returned :class:`~discrete_softq.dp.SoftSolution` names the solver that produced it in
``solver`` and carries that solver's guarantee.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from . import _fast
from .aggregation import transition_edges
from .dp import SoftSolution, check_solver_args, soft_policy_iteration, soft_value_iteration
from .evaluation import start_policy
from .mdp import TabularMDP
from .soft import softmax
from .stopping import ConvergenceWarning, RoundingFloorWarning

__all__ = ["solve"]

#: Up to this many state-action pairs a model is small: a short trial, then soft policy iteration.
SMALL_PAIRS = 2_000
#: Sweeps of each of the two first trials on small models; the error bound's rate between them
#: predicts the rest. A call's fixed cost is worth ~10 sweeps there, so the trials are long enough
#: for two calls to answer most fast-mixing models (100-state random MDPs need 27-47 sweeps; with
#: 8-sweep trials solve() took 1.5-1.7x value iteration's time on them, with 24 1.15-1.26x).
FIRST_SWEEPS = 24
#: A small model stays with value iteration if the predicted sweeps cost less than this many
#: policy-iteration rounds of ``ROUND_IN_SWEEPS`` sweeps each (measured on 12-state models).
SMALL_ROUNDS, ROUND_IN_SWEEPS = 4, 30
#: Small stochastic episodic models at this gamma or above go to policy iteration at once: their
#: terminal states weaken the span rule, so value iteration needs ~1 / (1 - gamma) sweeps.
SLOW_GAMMA = 0.9
#: ... when they have at least this many states (on tiny ones any solver takes a few sweeps).
SLOW_MIN_STATES = 32
#: Sweeps of the value-iteration trial on larger models (a 200-sweep trial on stochastic ones was
#: tried: slippery 100 x 100 grids need about 340 sweeps, and the residuals' rate before their
#: goal's values cross the grid mispredicts).
TRIAL_SWEEPS = 500
#: Large stochastic episodic models (above ``DIRECT_SOLVE_MAX_STATES`` live states, where evaluations
#: are AMG solves) at this gamma or above go to policy iteration after a short trial of
#: ``SHORT_TRIAL_SWEEPS``: on the regime map's slippery 316 x 316 grids it wins at 0.99-0.9999 by
#: 1.3-2.6x, while the trial and the pricing below cost more than that margin.
LONG_EPISODES_GAMMA, SHORT_TRIAL_SWEEPS = 0.99, 50
#: Rounds of soft policy iteration assumed when pricing it (it typically needs 5-12).
EXPECTED_ROUNDS = 12
#: The cost of one policy-iteration round in value-iteration sweeps on large deterministic models
#: (measured on open grids of 10^4 and 10^5 states: 95-213).
DETERMINISTIC_ROUND_IN_SWEEPS = 150
#: The whole of soft policy iteration in value-iteration sweeps on large deterministic episodic
#: models (with its coarse start; measured on open grids of 10^5 and 10^6 states: 550-1150).
DETERMINISTIC_PI_IN_SWEEPS = 1_000


def solve(mdp: TabularMDP, alpha: float, tol: float = 1e-8, prior: ArrayLike | None = None) -> SoftSolution:
    """Solve the soft Bellman equation to ``tol`` with the solver that suits ``mdp`` (module Notes).

    Parameters
    ----------
    mdp : TabularMDP
        The model (dense or sparse).
    alpha : float
        Temperature ``>= 0`` (``0``: the hard problem).
    tol : float
        Wanted sup-norm accuracy ``> 0`` of the returned ``Q`` (a guarantee when ``converged``).
    prior : ndarray of shape (n_states, n_actions) or (n_actions,), optional
        Prior policy of the KL-regularised objective; None is the Shannon entropy bonus.

    Returns
    -------
    SoftSolution
        With ``solver`` naming the solver that produced it.

    Examples
    --------
    >>> from discrete_softq import random_mdp
    >>> sol = solve(random_mdp(10, 3, seed=0), alpha=0.5)  # mixes fast: value iteration's trial solves it
    >>> sol.solver, sol.converged
    ('soft_value_iteration', True)
    """
    mdp, alpha, tol, _, rho = check_solver_args(mdp, alpha, tol, 1, prior)
    small = mdp.n_states * mdp.n_actions <= SMALL_PAIRS
    if mdp.n_actions == 1 and mdp.gamma < 1.0:   # one policy: a single evaluation is the answer
        return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior)
    if (small and mdp.gamma >= SLOW_GAMMA and mdp.n_states >= SLOW_MIN_STATES and mdp.max_successors > 1
            and mdp.terminal.any()):
        return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior)
    if small:
        return _small_model(mdp, alpha, tol, prior)
    return _large_model(mdp, alpha, tol, prior, rho)


def _small_model(mdp: TabularMDP, alpha: float, tol: float, prior) -> SoftSolution:  # noqa: ANN001
    """Deterministic: sweeps up to a wave's crossing. Otherwise two short trials, and the error bound's rate
    between them predicts the sweeps still needed."""
    if mdp.max_successors == 1:  # a wave crosses in at most n_states sweeps; no early rate to read
        trial, done = _quiet_value_iteration(mdp, alpha, tol, prior,
                                             min(SMALL_ROUNDS * ROUND_IN_SWEEPS, mdp.n_states + FIRST_SWEEPS))
        return trial if done else soft_policy_iteration(mdp, alpha, tol=tol, prior=prior, policy0=trial.policy)
    first, done = _quiet_value_iteration(mdp, alpha, tol, prior, FIRST_SWEEPS)
    if done:
        return first
    trial, done = _quiet_value_iteration(mdp, alpha, tol, prior, FIRST_SWEEPS, _restart(mdp, first))
    if done:
        return trial
    remaining = _predicted_sweeps(first.error_bound, trial.error_bound, FIRST_SWEEPS, tol)
    if remaining <= SMALL_ROUNDS * ROUND_IN_SWEEPS:
        budget = min(int(2 * remaining) + FIRST_SWEEPS, SMALL_ROUNDS * ROUND_IN_SWEEPS)  # never above the price
        trial, done = _quiet_value_iteration(mdp, alpha, tol, prior, budget, _restart(mdp, trial))
        if done:
            return trial
    return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior, policy0=trial.policy)


def _large_model(mdp: TabularMDP, alpha: float, tol: float, prior, rho) -> SoftSolution:  # noqa: ANN001
    """A trial of value iteration, then the cheaper of continuing it and policy iteration, as priced."""
    deterministic = mdp.max_successors == 1
    if deterministic and mdp.terminal.any() and _expected_sweeps(mdp, alpha, tol) > DETERMINISTIC_PI_IN_SWEEPS:
        return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior)  # value iteration is expected to cost more
    long_episodes = (not deterministic and mdp.terminal.any() and mdp.gamma >= LONG_EPISODES_GAMMA
                     and mdp.n_states > _fast.DIRECT_SOLVE_MAX_STATES)
    trial_sweeps = SHORT_TRIAL_SWEEPS if long_episodes else TRIAL_SWEEPS
    started = time.perf_counter()
    trial, done = _quiet_value_iteration(mdp, alpha, tol, prior, trial_sweeps)
    per_sweep = (time.perf_counter() - started) / trial.iterations
    if done:
        return trial
    if mdp.gamma == 1.0:
        return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior, policy0=trial.policy)
    if long_episodes:   # long stochastic episodes on a large model: VI's sweeps would cross it many times
        return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior)
    if deterministic:   # a round is priced, not timed (timing one costs one)
        budget = EXPECTED_ROUNDS * DETERMINISTIC_ROUND_IN_SWEEPS
    else:   # the residuals contract steadily; their rate predicts value iteration's cost
        seconds, second_policy = _first_round(mdp, alpha, tol, rho)
        price = EXPECTED_ROUNDS * seconds / per_sweep
        half = trial_sweeps // 2
        remaining = _predicted_sweeps(trial.residuals[half], trial.residuals[-1], trial_sweeps - 1 - half,
                                      tol * (1.0 - mdp.gamma))
        if remaining > price:   # policy iteration as from its own start, its timed first round kept
            return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior, policy0=second_policy)
        budget = max(1, int(min(2.0 * remaining + 1, price)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        more = soft_value_iteration(mdp, alpha, tol=tol, max_iter=budget, prior=prior, V0=_restart(mdp, trial))
    if more.converged:
        return more
    return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior)


def _restart(mdp: TabularMDP, sol: SoftSolution) -> np.ndarray:
    """Where to continue value iteration from.

    On episodic models, where the stopping rule's extrapolated ``V`` would have to be undone state
    by state as the goal's values travel: the last iterate (:attr:`SoftSolution.iterate`), i.e. the
    same run. Without terminal states the extrapolation is a constant the next sweeps keep exactly,
    and ``V`` is the better start.
    """
    if not mdp.terminal.any() or sol.iterate is None:
        return np.array(sol.V)
    return np.array(sol.iterate)


def _quiet_value_iteration(mdp: TabularMDP, alpha: float, tol: float, prior, max_iter: int,  # noqa: ANN001
                           V0=None) -> tuple[SoftSolution, bool]:  # noqa: ANN001
    """Soft VI for at most ``max_iter`` sweeps: (solution, done); only a rounding-floor warning is passed on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        sol = soft_value_iteration(mdp, alpha, tol=tol, max_iter=max_iter, prior=prior, V0=V0)
    done = sol.converged or sol.iterations < max_iter  # converged, or stopped at the rounding floor
    if done:
        for w in caught:
            if issubclass(w.category, RoundingFloorWarning):
                warnings.warn(w.message, w.category, stacklevel=3)
    return sol, done


def _expected_sweeps(mdp: TabularMDP, alpha: float, tol: float) -> float:
    """An estimate of value iteration's sweeps on a deterministic episodic model, from its geometry.

    A goal's values cross the model as a wave, one step a sweep, so the state farthest from every
    terminal state (``depth`` steps, breadth-first along possible moves) waits ``depth`` sweeps. Where a
    step towards the goal gains less than ``alpha`` (beyond ``sharp = log(alpha / R) / log(gamma)``
    steps, ``R`` the reward-and-entropy scale), the soft policy is nearly uniform and values there
    converge only at ``gamma``'s rate, in ``horizon = log(tol (1 - gamma) / R) / log(gamma)`` sweeps.
    So: ``min(depth, horizon)`` when ``depth <= sharp``, else ``horizon``. (Open grids of 10^5 and 10^6
    states at gamma 0.9-0.9999: 0.7-1.1x of the sweeps measured.)
    """
    from scipy.sparse import csgraph

    S, A = mdp.n_states, mdp.n_actions
    source, target = transition_edges(mdp)
    goals = np.flatnonzero(mdp.terminal)  # from a virtual state S, one step to each terminal state, then backwards
    backwards = sp.csr_matrix((np.ones(source.size + goals.size), (np.concatenate([target, np.full(goals.size, S)]),
                                                                  np.concatenate([source, goals]))), shape=(S + 1, S + 1))
    depth = float(csgraph.dijkstra(backwards, unweighted=True, indices=S)[:S][~mdp.terminal].max(initial=0.0)) - 1
    scale = float(np.abs(mdp.rewards).max(initial=0.0)) + alpha * np.log(A) + np.finfo(float).tiny
    horizon = max(0.0, np.log(tol * (1.0 - mdp.gamma) / scale) / np.log(mdp.gamma))
    sharp = np.inf if alpha == 0.0 or alpha >= scale else np.log(alpha / scale) / np.log(mdp.gamma)
    return min(depth, horizon) if depth <= sharp else horizon


def _predicted_sweeps(before: float, after: float, sweeps: int, tol: float) -> float:
    """Sweeps still needed if the error bound keeps shrinking as it did from ``before`` to ``after`` in ``sweeps``."""
    if not after < before:
        return np.inf
    rate = (after / before) ** (1.0 / sweeps)
    return max(0.0, np.log(after / tol) / -np.log(rate))


def _first_round(mdp: TabularMDP, alpha: float, tol: float, rho) -> tuple[float, np.ndarray]:  # noqa: ANN001
    """Soft policy iteration's first round from the prior, or uniform (not the coarse start of large models), as
    it would run it: the round's time, and the policy it improves to (the start of its second round)."""
    started = time.perf_counter()
    pi0 = start_policy(mdp.n_states, mdp.n_actions, rho)
    V = _fast.PolicyEvaluationSystem(mdp, tol=tol).values(pi0, alpha, rho, guess=None)
    improved = softmax(mdp.rewards + mdp.gamma * mdp.expected_next(V), alpha, rho)
    return time.perf_counter() - started, improved

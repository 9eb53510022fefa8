r"""``solve``: the exact soft DP solver that suits the MDP, chosen from cheap, measured features.

Choosing a solver
-----------------
* **Small models** (``n_states * n_actions <= SMALL_PAIRS``): soft policy iteration. Each
  evaluation is one small LU solve and Newton's method needs a handful of rounds whatever
  ``gamma``.
* **Large models** (more than ``MAX_PRICED_STATES`` states, where a policy evaluation is an
  iterative solve, slow on grids): soft value iteration.
* **Otherwise, a trial of soft value iteration** (``TRIAL_SWEEPS`` sweeps, the cheapest
  operation there is; most sparse MDPs, gridworlds included, are solved within it).
* **If the trial has not converged**, one policy evaluation is timed and value iteration continues
  (warm-started) for at most as long as ``EXPECTED_ROUNDS`` evaluations would take; if that is not
  enough, the MDP mixes slowly (``gamma`` near 1 on long stochastic episodic tasks such as
  FrozenLake, where terminal states weaken the span rule) and soft policy iteration finishes the
  job from value iteration's Boltzmann policy.

So ``solve`` costs at most about twice the cheaper of the two solvers, plus one evaluation.
The residuals' rate would not predict the sweeps needed: on grids they shrink at about
``gamma`` per sweep until the goal's values have crossed the grid, and then much faster.

The choice depends on measured timings, so it can differ between machines; the answer is within
``tol`` of the fixed point either way.

The returned :class:`~discrete_softq.dp.SoftSolution` names the solver that produced it in
``solver`` and carries that solver's guarantee.
"""

from __future__ import annotations

import time
import warnings

from numpy.typing import ArrayLike

from .dp import SoftSolution, soft_policy_iteration, soft_policy_state_values, soft_value_iteration
from .mdp import TabularMDP, check_mdp
from .stopping import ConvergenceWarning, RoundingFloorWarning

__all__ = ["solve"]

#: Up to this many state-action pairs, soft policy iteration (dense direct solves) is used at once.
SMALL_PAIRS = 2_000
#: Sweeps of the value-iteration trial.
TRIAL_SWEEPS = 500
#: Above this many states an evaluation is iterative (BiCGSTAB), slow on grids: not priced.
MAX_PRICED_STATES = 50_000
#: Rounds of soft policy iteration assumed when pricing it (it typically needs 5-12).
EXPECTED_ROUNDS = 12


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
    >>> sol = solve(random_mdp(10, 3, seed=0), alpha=0.5)
    >>> sol.solver, sol.converged
    ('soft_policy_iteration', True)
    """
    mdp = check_mdp(mdp)
    if mdp.n_states * mdp.n_actions <= SMALL_PAIRS:
        return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior)
    if mdp.n_states > MAX_PRICED_STATES:
        return soft_value_iteration(mdp, alpha, tol=tol, prior=prior)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        trial = soft_value_iteration(mdp, alpha, tol=tol, max_iter=TRIAL_SWEEPS, prior=prior)
    per_sweep = (time.perf_counter() - started) / trial.iterations
    if trial.converged or trial.iterations < TRIAL_SWEEPS:  # converged, or stopped at the rounding floor
        for w in caught:
            if issubclass(w.category, RoundingFloorWarning):
                warnings.warn(w.message, w.category, stacklevel=2)
        return trial
    started = time.perf_counter()
    soft_policy_state_values(mdp, trial.policy, alpha, prior)
    budget = max(1, int(EXPECTED_ROUNDS * (time.perf_counter() - started) / per_sweep))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        more = soft_value_iteration(mdp, alpha, tol=tol, max_iter=budget, prior=prior, V0=trial.V)
    if more.converged:
        return more
    return soft_policy_iteration(mdp, alpha, tol=tol, prior=prior, policy0=more.policy)

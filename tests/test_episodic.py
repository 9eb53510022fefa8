"""Undiscounted episodic tasks (gamma = 1): construction checks and certified solutions.

The claims: ``TabularMDP(gamma=1)`` is accepted exactly when every state can reach a terminal state;
the solvers' ``error_bound`` (a verified bracket, :mod:`discrete_softq.episodic`) covers the true error,
checked against a closed form and against mpmath; a divergent soft value is reported, not hidden.
"""

from __future__ import annotations

import math
import warnings

import gymnasium as gym
import mpmath as mp
import numpy as np
import pytest

from discrete_softq import (ConvergenceWarning, TabularMDP, soft_policy_iteration, soft_q_iteration,
                            soft_value_iteration, value_iteration)
from discrete_softq.envs import from_gymnasium

SOLVERS = [soft_policy_iteration, soft_value_iteration, soft_q_iteration]


def go_or_stay(step_cost: float = 1.0) -> TabularMDP:
    """State 0: ``go`` ends the episode with reward 1; ``stay`` costs ``step_cost``. State 1 is terminal."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 1] = P[0, 1, 0] = 1.0
    P[1, :, 1] = 1.0
    return TabularMDP(P, [[1.0, -step_cost], [0.0, 0.0]], gamma=1.0, terminal=[False, True])


def frozen_lake(gamma: float) -> TabularMDP:
    """Gymnasium's slippery FrozenLake 4x4 as an exact model (checked by Monte Carlo in test_toy_text)."""
    return from_gymnasium(gym.make("FrozenLake-v1"), gamma=gamma)


def test_gamma_one_needs_every_state_to_reach_a_terminal_state():
    """A state that can never end its episode is named in the error."""
    P = np.zeros((3, 1, 3))
    P[0, 0, 2] = P[1, 0, 1] = P[2, 0, 2] = 1.0
    with pytest.raises(ValueError, match=r"states \[1\]"):
        TabularMDP(P, np.zeros((3, 1)), 1.0, terminal=[False, False, True])
    assert TabularMDP(P, np.zeros((3, 1)), 0.99, terminal=[False, False, True]).gamma == 0.99
    with pytest.raises(ValueError, match="gamma"):
        TabularMDP(P, np.zeros((3, 1)), 1.0 + 1e-12, terminal=[False, False, True])


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("alpha", [0.05, 0.5, 3.0])
def test_the_closed_form_of_go_or_stay_is_within_the_bound(solver, alpha):
    """With a uniform prior, y = e^{V/alpha} solves y = (e^{1/alpha} + e^{-1/alpha} y) / 2: V(0) in closed form."""
    mdp = go_or_stay()
    exact = alpha * (1 / alpha - math.log(2) - math.log1p(-0.5 * math.exp(-1 / alpha)))
    sol = solver(mdp, alpha, prior=[0.5, 0.5])
    assert sol.converged and abs(sol.V[0] - exact) <= sol.error_bound <= 1e-8


def _newton_in_mpmath(mdp: TabularMDP, alpha: float, prior: np.ndarray, rounds: int = 40) -> list[list]:
    """Q* to 50 digits by soft policy iteration in mpmath (prior and P rows normalised there)."""
    mp.mp.dps = 50
    S, A = mdp.n_states, mdp.n_actions
    P = mdp.P.toarray().reshape(S, A, S)
    live = [not t for t in mdp.terminal]
    rho = [mp.mpf(x) for x in prior]
    rho = [x / sum(rho) for x in rho]
    al = mp.mpf(alpha)
    pi = [list(rho) for _ in range(S)]
    for _ in range(rounds):
        M, b = mp.eye(S), mp.zeros(S, 1)
        for s in (s for s in range(S) if live[s]):
            for a in range(A):
                b[s] += pi[s][a] * mp.mpf(mdp.rewards[s, a]) - al * pi[s][a] * mp.log(pi[s][a] / rho[a])
                for t in range(S):
                    if live[t] and P[s, a, t]:
                        M[s, t] -= pi[s][a] * mp.mpf(P[s, a, t])
        V = mp.lu_solve(M, b)
        Q = [[(mp.mpf(mdp.rewards[s, a]) + sum(mp.mpf(P[s, a, t]) * V[t] for t in range(S) if live[t])) if live[s]
              else mp.mpf(0) for a in range(A)] for s in range(S)]
        for s in range(S):
            w = [rho[a] * mp.exp((Q[s][a] - max(Q[s])) / al) for a in range(A)]
            pi[s] = [x / sum(w) for x in w]
    return Q


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda f: f.__name__)
def test_frozen_lake_undiscounted_is_certified_against_mpmath(solver):
    """On FrozenLake 4x4 at gamma = 1 with a uniform prior, |Q - Q*| <= error_bound <= tol (50-digit Q*)."""
    mdp, prior = frozen_lake(1.0), np.full(4, 0.25)
    exact = _newton_in_mpmath(mdp, 0.02, prior)
    sol = solver(mdp, 0.02, prior=prior)
    error = max(abs(mp.mpf(sol.Q[s, a]) - exact[s][a]) for s in range(16) for a in range(4))
    assert sol.converged and error <= sol.error_bound <= 1e-8


def test_the_hard_undiscounted_value_of_frozen_lake():
    """Hard value iteration at gamma = 1 finds FrozenLake 4x4's optimal success probability 14/17 (not certifiable:
    the optimal policy hugs walls and need not terminate, so ``converged`` is False, honestly)."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        sol = value_iteration(frozen_lake(1.0))
    assert abs(sol.V[0] - 14 / 17) <= 1e-12 and not sol.converged
    with pytest.raises(ValueError, match="alpha > 0"):
        soft_policy_iteration(frozen_lake(1.0), 0.0)


def test_an_infinite_shannon_value_is_reported_not_hidden():
    """Staying at no cost earns alpha log 2 per step with the Shannon bonus: no finite fixed point. Policy
    iteration drives the policy to 'stay' and raises, naming the cause; value iteration warns and does not
    claim convergence."""
    with pytest.raises(ValueError, match="infinite"):
        soft_policy_iteration(go_or_stay(step_cost=0.0), 1.0, max_iter=50)
    with pytest.warns(ConvergenceWarning, match="Shannon"):
        sol = soft_value_iteration(go_or_stay(step_cost=0.0), 1.0, max_iter=200)
    assert not sol.converged

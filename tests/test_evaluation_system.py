"""The linear system of soft policy evaluation: its fast assembly and every way of solving it.

Whichever path solves ``(I - gamma P_pi) V = r_pi + alpha h_pi`` (dense LU, sparse LU, refinement
with an old LU, BiCGSTAB), the answer is the same exact solution; each test forces one path and
checks, through the system's counters, that this path was really taken.
"""

import numpy as np
import pytest
import scipy.sparse as sp

import discrete_softq._fast.evaluation_system as evaluation_system
from discrete_softq import TabularMDP, random_mdp, reference, soft_policy_iteration, soft_value_iteration
from discrete_softq._fast.evaluation_system import PolicyEvaluationSystem
from discrete_softq.soft import boltzmann_policy
from discrete_softq.mdp import open_grid_mdp


def random_policy(mdp: TabularMDP, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)


def reference_values(mdp: TabularMDP, pi: np.ndarray, alpha: float) -> np.ndarray:
    """V^pi = sum_a pi (Q^pi - alpha log pi), Q^pi from the textbook solve of discrete_softq.reference."""
    Q = reference.soft_policy_evaluation(mdp, pi, alpha)
    return np.where(mdp.terminal, 0.0, (pi * (Q - alpha * np.log(pi))).sum(axis=1))


@pytest.mark.parametrize("sparse", [False, True])
def test_assembled_matrix_equals_the_sparse_products(sparse):
    """One weighted bincount over P's entries gives exactly I - gamma P_pi on the live states."""
    mdp = random_mdp(40, 3, gamma=0.9, branching=5, seed=1, sparse=sparse)
    mdp = TabularMDP(mdp.transitions, mdp.rewards, 0.9, terminal=np.arange(40) % 7 == 0)
    pi = random_policy(mdp, 2)
    system = PolicyEvaluationSystem(mdp)
    live = ~mdp.terminal
    expected = (sp.identity(40) - 0.9 * mdp.policy_matrix(pi)).toarray()[np.ix_(live, live)]
    assert np.abs(system.matrix(pi).toarray() - expected).max() <= 1e-15


def test_sparse_lu_path(monkeypatch):
    """A grid too large for the dense path, where BiCGSTAB's trial fails, is solved by a sparse LU."""
    mdp = open_grid_mdp(30, 0.99)  # 900 states
    pi = random_policy(mdp, 0)
    system = PolicyEvaluationSystem(mdp)
    V = system.values(pi, 0.5, None)
    assert (system.factorisations, system.krylov_solves) == (1, 0)
    assert np.abs(V - reference_values(mdp, pi, 0.5)).max() <= 1e-9


def test_refinement_with_the_previous_lu_is_exact():
    """A nearby policy is solved by refinement with the old factors, to the accuracy of a fresh LU."""
    mdp = open_grid_mdp(30, 0.99)
    pi = random_policy(mdp, 0)
    nearby = boltzmann_policy(np.log(pi) + 1e-4 * np.random.default_rng(1).normal(size=pi.shape), 1.0)
    system = PolicyEvaluationSystem(mdp)
    system.values(pi, 0.5, None)
    V = system.values(nearby, 0.5, None)
    assert (system.factorisations, system.refinements) == (1, 1)
    assert np.abs(V - reference_values(mdp, nearby, 0.5)).max() <= 1e-9


def test_refinement_is_abandoned_for_a_distant_policy():
    """When the old factors are a poor preconditioner, the new matrix is factorised afresh."""
    mdp = open_grid_mdp(30, 0.99)
    system = PolicyEvaluationSystem(mdp)
    system.values(np.full((mdp.n_states, 4), 0.25), 0.5, None)
    distant = boltzmann_policy(np.random.default_rng(3).normal(size=(mdp.n_states, 4)), 0.05)
    V = system.values(distant, 0.5, None)
    assert (system.factorisations, system.refinements) == (2, 0)
    assert np.abs(V - reference_values(mdp, distant, 0.5)).max() <= 1e-9


def test_krylov_path_on_a_fast_mixing_mdp():
    """On a random MDP (nearly dense LU factors) BiCGSTAB converges in its trial and is kept."""
    mdp = random_mdp(1_000, 3, gamma=0.95, branching=4, seed=7, sparse=True)
    system = PolicyEvaluationSystem(mdp)
    for seed in (0, 1):
        pi = random_policy(mdp, seed)
        assert np.abs(system.values(pi, 0.3, None) - reference_values(mdp, pi, 0.3)).max() <= 1e-9
    assert (system.krylov_solves, system.factorisations) == (2, 0)


@pytest.mark.parametrize("force", ["sparse LU", "Krylov"])
def test_policy_iteration_agrees_with_value_iteration_on_either_path(force, monkeypatch):
    """Soft policy iteration gives the same Q* whether its evaluations use sparse LUs or BiCGSTAB."""
    if force == "sparse LU":
        monkeypatch.setattr(evaluation_system, "KRYLOV_TRIAL_ITERATIONS", 1)
    mdp = random_mdp(2_000, 3, gamma=0.95, branching=4, seed=7, sparse=True)
    pi = soft_policy_iteration(mdp, 0.3, tol=1e-9)
    vi = soft_value_iteration(mdp, 0.3, tol=1e-9)
    assert pi.converged and np.abs(pi.Q - vi.Q).max() <= 2e-9


def test_policy_iteration_on_a_grid_reuses_factorisations(monkeypatch):
    """Near convergence, successive soft policies are close, and their evaluations reuse the LU."""
    created = []

    class Recording(PolicyEvaluationSystem):
        def __init__(self, mdp, **kwargs):
            super().__init__(mdp, **kwargs)
            created.append(self)

    import discrete_softq._fast as fast

    monkeypatch.setattr(fast, "PolicyEvaluationSystem", Recording)
    mdp = open_grid_mdp(40, 0.99)
    pi = soft_policy_iteration(mdp, 0.1, tol=1e-8)
    vi = soft_value_iteration(mdp, 0.1, tol=1e-8)
    assert created[0].refinements >= 1
    assert np.abs(pi.Q - vi.Q).max() <= 2e-8

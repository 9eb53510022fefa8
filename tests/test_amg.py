"""Policy iteration's large-MDP path: AMG-preconditioned GMRES with inexact Newton evaluations.

Each test forces the AMG path on a small model (``DIRECT_SOLVE_MAX_STATES = 0``, and no BiCGSTAB
trial) and checks the answer against an independent oracle: the textbook dense solve of
:mod:`discrete_softq.reference`. The certificate (``error_bound``) must hold whatever the inner
solver's accuracy, since it comes from the stopping rule's bracket.
"""

import subprocess
import sys

import numpy as np
import pytest

import discrete_softq._fast.evaluation_system as evaluation_system
from discrete_softq import TabularMDP, random_mdp, reference, soft_policy_iteration
from discrete_softq import _fast
from discrete_softq.mdp import open_grid_mdp

pytest.importorskip("pyamg")


@pytest.fixture
def amg_path(monkeypatch):
    """Every evaluation system built while the fixture is active goes the AMG way; yields those systems."""
    monkeypatch.setattr(evaluation_system, "DIRECT_SOLVE_MAX_STATES", 0)
    monkeypatch.setattr(evaluation_system, "KRYLOV_TRIAL_ITERATIONS", 1)  # BiCGSTAB's trial fails
    built = []

    class Recording(evaluation_system.PolicyEvaluationSystem):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(_fast, "PolicyEvaluationSystem", Recording)
    return built


def slippery(mdp: TabularMDP, slip: float = 0.2) -> TabularMDP:
    """Each action of a 4-action model does what another does with probability slip / 3 each."""
    P = mdp.transitions.reshape(mdp.n_states, 4, -1) if not mdp.is_sparse else mdp.transition_matrix.toarray().reshape(
        mdp.n_states, 4, -1)
    mixed = (1 - slip) * P + slip / 3 * (P.sum(axis=1, keepdims=True) - P)
    return TabularMDP(mixed, mdp.rewards, mdp.gamma, terminal=mdp.terminal)


def test_exact_evaluation_on_the_amg_path(amg_path):
    """Without a tol the AMG path solves (I - gamma P_pi) V = b to rounding level: V matches a dense solve."""
    mdp = open_grid_mdp(20, 0.99)
    pi = np.random.default_rng(0).dirichlet(np.ones(4), size=mdp.n_states)
    system = evaluation_system.PolicyEvaluationSystem(mdp)
    V = system.values(pi, 0.5, None)
    Q = reference.soft_policy_evaluation(mdp, pi, 0.5)
    expected = np.where(mdp.terminal, 0.0, (pi * (Q - 0.5 * np.log(pi))).sum(axis=1))
    assert system.amg_solves == 1 and system.factorisations == 0
    assert np.abs(V - expected).max() <= 1e-9 * np.abs(expected).max()


@pytest.mark.parametrize("mdp", [open_grid_mdp(20, 0.99), slippery(open_grid_mdp(16, 0.999)),
                                 random_mdp(300, 4, gamma=0.99, branching=4, seed=3, sparse=True)],
                         ids=["grid", "slippery grid", "random, no terminal states"])
def test_the_certificate_holds_on_the_amg_path(amg_path, mdp):
    """Soft PI with inexact AMG evaluations: |Q - Q*| <= error_bound <= tol against the textbook dense solver."""
    sol = soft_policy_iteration(mdp, 0.1, tol=1e-7)
    exact = reference.soft_policy_iteration(mdp, 0.1, tol=1e-9)
    assert amg_path and amg_path[-1].amg_solves == sol.iterations
    assert sol.converged and sol.error_bound <= 1e-7
    assert np.abs(sol.Q - exact.Q).max() <= sol.error_bound + exact.error_bound


def test_inexact_newton_converges_at_gamma_near_one(amg_path):
    """At gamma 0.9999 the forcing term keeps Newton's few rounds while asking for fewer GMRES iterations
    than exact evaluations; the answer carries the same certificate."""
    mdp = open_grid_mdp(20, 0.9999)
    inexact = soft_policy_iteration(mdp, 0.1, tol=1e-6)
    inexact_iterations = amg_path[-1].amg.iterations
    exact_system = evaluation_system.PolicyEvaluationSystem(mdp)  # tol=None: every evaluation to rounding
    exact_iterations = 0
    pi, V = np.full((mdp.n_states, 4), 0.25), None
    for _ in range(inexact.iterations):
        V = exact_system.values(pi, 0.1, None, guess=V)
        Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
        pi = np.exp((Q - Q.max(axis=1, keepdims=True)) / 0.1)
        pi /= pi.sum(axis=1, keepdims=True)
    exact_iterations = exact_system.amg.iterations
    assert inexact.converged and inexact.iterations <= 15
    assert inexact_iterations < exact_iterations
    ref = reference.soft_policy_iteration(mdp, 0.1, tol=1e-8)
    assert np.abs(inexact.Q - ref.Q).max() <= inexact.error_bound + ref.error_bound


def test_the_forcing_term_never_asks_below_the_useful_floor():
    """The inner target is at least FLOOR_FRACTION * tol * (1 - gamma), and shrinks as the residual drops."""
    from discrete_softq._fast.amg import FLOOR_FRACTION, InexactNewtonEvaluation

    inner = InexactNewtonEvaluation(0.99, 1e-6)
    x, b = np.zeros(10), np.ones(10)
    targets = [inner._target(F, x, b, warm=True) for F in (1.0, 1e-2, 1e-6, 1e-12)]
    assert all(t >= FLOOR_FRACTION * 1e-6 * 0.01 for t in targets)
    assert targets[1] < 1e-2 * targets[0] and targets[-1] == pytest.approx(FLOOR_FRACTION * 1e-6 * 0.01)


def test_the_package_imports_without_loading_pyamg():
    """pyamg is imported lazily, only when the AMG path runs."""
    code = "import sys, discrete_softq; discrete_softq.solve; assert 'pyamg' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_downwind_sweeps_solve_a_near_optimal_evaluation_alone(amg_path):
    """Near convergence the Boltzmann policy flows downwind: with the states ordered by decreasing V,
    I - gamma P_pi is nearly lower triangular and at most SWEEPS forward Gauss-Seidel sweeps meet the
    forcing target, with no GMRES iteration and no AMG set-up (the optimal soft policy of a 30 x 30 grid at
    gamma 0.999, from values off by up to 1e-3; the answer checked against a dense solve)."""
    from discrete_softq._fast.amg import MAX_FORCING, SWEEPS

    mdp = open_grid_mdp(30, 0.999)
    exact = reference.soft_policy_iteration(mdp, 0.1, tol=1e-8)
    system = evaluation_system.PolicyEvaluationSystem(mdp, tol=1e-6)
    guess = exact.V + np.random.default_rng(0).uniform(-1e-3, 1e-3, mdp.n_states)
    A, b = system.matrix(exact.policy), system.rhs(exact.policy, 0.1, None)
    F = np.abs(b - A @ guess[system.live]).max()
    V = system.values(exact.policy, 0.1, None, guess=guess)
    assert system.amg.setups == 0 and 1 <= system.amg.iterations <= SWEEPS
    assert np.abs(b - A @ V[system.live]).max() <= MAX_FORCING * F
    assert np.abs(V - exact.V).max() <= 1e-3

"""The fused soft value-iteration sweep computes exactly the textbook backup.

:class:`~discrete_softq._fast.sweep.SoftSweep` works in units of alpha, in cache-sized action-major
blocks, with a gather for deterministic MDPs and a shift by the previous values; each test
compares it with the plain formula of :mod:`discrete_softq.reference`,
``alpha * logsumexp((r + gamma P V) / alpha, b=prior)``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import discrete_softq._fast.sweep as sweep_module
from discrete_softq import TabularMDP, random_mdp, reference, soft_value_iteration
from discrete_softq._fast.sweep import SoftSweep
from discrete_softq.mdp import open_grid_mdp
from discrete_softq.testing import alphas, mdps


def textbook_sweep(mdp: TabularMDP, V: np.ndarray, alpha: float, prior=None) -> np.ndarray:
    """T V = alpha log sum_a rho(a) e^{(r + gamma P V)/alpha}, zero at terminal states, by discrete_softq.reference."""
    P, r = reference.model(mdp)
    return reference.soft_value(r + mdp.gamma * reference.expected(P, V), alpha, prior) * ~mdp.terminal


def deterministic_mdp(n_states: int, n_actions: int, seed: int, terminal: bool) -> TabularMDP:
    rng = np.random.default_rng(seed)
    nxt = rng.integers(0, n_states, size=n_states * n_actions)
    P = sp.csr_matrix((np.ones(nxt.size), nxt, np.arange(nxt.size + 1)), shape=(nxt.size, n_states))
    mask = rng.random(n_states) < 0.1 if terminal else None
    return TabularMDP(P, rng.normal(size=(n_states, n_actions)), 0.95, terminal=mask)


def run_sweep(mdp, V, alpha, prior=None):
    sweep = SoftSweep(mdp, alpha, prior)
    U_new, lo, hi = sweep(V / sweep.scale)
    return sweep.scale * U_new, sweep.scale * lo, sweep.scale * hi


@given(mdp=mdps(sparse=True, terminal=True), alpha=alphas(), seed=st.integers(0, 2**16))
def test_fused_sweep_is_the_soft_backup(mdp, alpha, seed):
    """On any sparse MDP and temperature, the fused sweep returns T V and the range of T V - V."""
    V = np.random.default_rng(seed).normal(size=mdp.n_states) * 3
    V[mdp.terminal] = 0.0
    TV, lo, hi = run_sweep(mdp, V, alpha)
    expected = textbook_sweep(mdp, V, alpha)
    tol = 1e-12 * (1 + np.abs(expected).max())
    assert np.abs(TV - expected).max() <= tol
    assert abs(lo - (expected - V).min()) <= tol and abs(hi - (expected - V).max()) <= tol


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.05, 2.0])
def test_gather_path_for_deterministic_mdps(alpha, terminal, monkeypatch):
    """Deterministic MDPs are swept by a gather ``V[next]``, in several blocks, with the same result."""
    monkeypatch.setattr(sweep_module, "BLOCK_ENTRIES", 256)  # many blocks, the last one partial
    mdp = deterministic_mdp(500, 3, seed=1, terminal=terminal)
    sweep = SoftSweep(mdp, alpha)
    assert sweep._successors and len(sweep._blocks) > 1
    V = np.random.default_rng(2).normal(size=500)
    V[mdp.terminal] = 0.0
    assert np.abs(run_sweep(mdp, V, alpha)[0] - textbook_sweep(mdp, V, alpha)).max() <= 1e-12


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_prior_weights_and_excluded_actions(alpha):
    """A prior enters as log rho; actions with rho = 0 drop out of the soft (or hard) maximum."""
    mdp = random_mdp(60, 3, gamma=0.9, branching=4, seed=3, sparse=True)
    prior = np.random.default_rng(4).dirichlet(np.ones(3), size=60)
    prior[::3, 0] = 0.0
    prior /= prior.sum(axis=1, keepdims=True)
    V = np.random.default_rng(5).normal(size=60)
    assert np.abs(run_sweep(mdp, V, alpha, prior)[0] - textbook_sweep(mdp, V, alpha, prior)).max() <= 1e-12


def test_shift_fallback_when_values_jump_by_thousands():
    """When T V differs from V by more than exp can take, the block is redone with the max-shift."""
    mdp = random_mdp(200, 4, gamma=0.9, branching=3, seed=6, sparse=True, reward_scale=1e4)
    V = np.zeros(200)
    TV, lo, hi = run_sweep(mdp, V, 1.0)
    assert max(-lo, hi) > sweep_module.SAFE_SHIFT  # the shift by V = 0 was far off
    assert np.all(np.isfinite(TV)) and np.abs(TV - textbook_sweep(mdp, V, 1.0)).max() <= 1e-12 * 1e5


def test_solver_avoids_the_fused_sweep_near_overflow():
    """With V / alpha near the float range, soft value iteration keeps to the unscaled sweep."""
    mdp = random_mdp(30, 2, gamma=0.5, branching=3, seed=8, sparse=True, reward_scale=1e6)
    assert not SoftSweep.suits(mdp, 1e-300, np.zeros(30))
    sol = soft_value_iteration(mdp, 1e-300, tol=1e-6)
    hard = soft_value_iteration(mdp, 0.0, tol=1e-6)
    assert sol.converged and np.abs(sol.Q - hard.Q).max() <= 2e-6


@pytest.mark.parametrize("storage", ["CSR", "diagonals"])
@pytest.mark.parametrize("alpha", [0.05, 1.0])
def test_factored_sweeps_of_deterministic_mdps_stay_exact(alpha, storage, monkeypatch):
    """Sweeps after the first compute log(M w), one exp per state; with recentrings they stay exact.

    Random successors store M as CSR; a grid's moves lie on 5 diagonals, stored as such.
    """
    monkeypatch.setattr(sweep_module, "FACTOR_RANGE", 3.0 / alpha)  # recentre every few sweeps
    monkeypatch.setattr(sweep_module, "BLOCK_ENTRIES", 256)
    grid_rewards = np.random.default_rng(9).normal(size=(289, 4))
    grid = open_grid_mdp(17, 0.95, grid_rewards)
    mdp = deterministic_mdp(300, 4, seed=9, terminal=True) if storage == "CSR" else grid
    S = mdp.n_states
    prior = np.random.default_rng(10).dirichlet(np.ones(4), size=S)
    prior[::4, 1] = 0.0
    prior /= prior.sum(axis=1, keepdims=True)
    sweep = SoftSweep(mdp, alpha, prior)
    assert sweep._factored is not None and sweep._factored.by_diagonals == (storage == "diagonals")
    U, spare = np.zeros(S), np.empty(S)
    for _ in range(40):  # the solver's loop: the last output is passed back, buffers alternate
        expected = textbook_sweep(mdp, alpha * U, alpha, prior)
        new, lo, hi = sweep(U, out=spare)
        assert np.abs(alpha * new - expected).max() <= 1e-11 * (1 + np.abs(expected).max())
        assert np.isclose(lo, (new - U).min(), atol=1e-12) and np.isclose(hi, (new - U).max(), atol=1e-12)
        U, spare = new, U
    assert 3 <= sweep.recentrings <= 30  # both kinds of sweep ran


def test_factored_sweep_checks_an_array_it_did_not_return():
    """Values far from the factors' reference (not the sweep's own output) trigger a recentring."""
    mdp = deterministic_mdp(200, 3, seed=11, terminal=False)
    sweep = SoftSweep(mdp, 0.5)
    U = sweep(np.zeros(200))[0]
    far = U - 1e4  # gamma |far - U_ref| is far beyond FACTOR_RANGE
    assert np.abs(0.5 * sweep(far)[0] - textbook_sweep(mdp, 0.5 * far, 0.5)).max() <= 1e-9
    assert sweep.recentrings == 2


def test_out_must_not_alias_the_input():
    """Writing U' over U would corrupt the blocks that still read U: refused with a clear error."""
    mdp = deterministic_mdp(50, 2, seed=12, terminal=False)
    U = np.zeros(50)
    with pytest.raises(ValueError, match="out"):
        SoftSweep(mdp, 1.0)(U, out=U)


@pytest.mark.parametrize("alpha", [0.0, 0.02, 0.7])
def test_solver_on_a_grid_matches_the_reference(alpha):
    """End to end, soft VI on a sparse grid (factored sweep) finds the Q* of the textbook solver, within both bounds."""
    mdp = open_grid_mdp(12, 0.97, rewards=np.random.default_rng(13).normal(size=(144, 4)))
    prior = np.random.default_rng(14).dirichlet(np.ones(4), size=144)
    prior[::5, 2] = 0.0
    prior /= prior.sum(axis=1, keepdims=True)
    fast = soft_value_iteration(mdp, alpha, tol=1e-9, prior=prior)
    textbook = reference.soft_value_iteration(mdp, alpha, tol=1e-9, prior=prior)
    assert fast.converged and np.abs(fast.Q - textbook.Q).max() <= fast.error_bound + textbook.error_bound

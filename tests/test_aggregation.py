"""State aggregation and the coarse start of policy iteration (``discrete_softq.aggregation``).

The oracles: the definition of the aggregated model computed entry by entry; an MDP built from
"twins" (each state copied, the copies behaving alike), whose aggregation is exact, so the coarse
model *is* the original MDP; and the textbook solvers of :mod:`discrete_softq.reference` for the
answer of policy iteration started from a coarse model.
"""

import numpy as np
import pytest
import scipy.sparse as sp

import discrete_softq.aggregation as aggregation
from discrete_softq import TabularMDP, random_mdp, reference, soft_policy_iteration
from discrete_softq.aggregation import aggregate_states, aggregated_mdp, coarse_start
from discrete_softq.mdp_builders import open_grid_mdp, slippery_grid_mdp

pytest.importorskip("pyamg")


def _dense(mdp: TabularMDP) -> np.ndarray:
    P = mdp.transition_matrix
    return (P.toarray() if sp.issparse(P) else np.asarray(P)).reshape(mdp.n_states, mdp.n_actions, mdp.n_states)


@pytest.mark.parametrize("mdp", [open_grid_mdp(7, 0.9), slippery_grid_mdp(6, 0.95),
                                 random_mdp(40, 3, gamma=0.9, branching=3, seed=1, sparse=True)],
                         ids=["grid", "slippery grid", "random"])
def test_every_state_has_one_aggregate_and_terminal_states_share_the_last(mdp):
    """aggregate_states labels every state 0..n-1 (each label used), fewer labels than states, and puts
    the terminal states, and only them, in the last aggregate."""
    labels = aggregate_states(mdp)
    n = int(labels.max()) + 1
    assert labels.shape == (mdp.n_states,) and labels.min() == 0
    assert np.array_equal(np.unique(labels), np.arange(n)) and n < mdp.n_states
    if mdp.terminal.any():
        assert np.array_equal(labels == n - 1, mdp.terminal)


def test_the_aggregated_model_is_its_definition():
    """P(J|I,a) = mean over s in I of sum over t in J of P(t|s,a), r(I,a) = mean of r(s,a), prior averaged,
    computed here entry by entry with loops."""
    mdp = random_mdp(12, 2, gamma=0.8, seed=4)
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4])
    prior = np.random.default_rng(0).dirichlet(np.ones(2), size=12)
    coarse, rho = aggregated_mdp(mdp, labels, prior)
    P = _dense(mdp)
    for I in range(5):
        members = np.flatnonzero(labels == I)
        for a in range(2):
            for J in range(5):
                want = P[members][:, a][:, labels == J].sum() / members.size
                assert _dense(coarse)[I, a, J] == pytest.approx(want, abs=1e-14)
            assert coarse.rewards[I, a] == pytest.approx(mdp.rewards[members, a].mean(), abs=1e-14)
            assert rho[I, a] == pytest.approx(prior[members, a].mean(), abs=1e-14)


def _twins(mdp: TabularMDP) -> tuple[TabularMDP, np.ndarray]:
    """Each state s becomes 2s and 2s+1, with s's rewards and s's transitions split evenly over the twins."""
    P = _dense(mdp)
    S, A = mdp.n_states, mdp.n_actions
    big = np.repeat(np.repeat(P, 2, axis=0), 2, axis=2) / 2
    terminal = np.repeat(mdp.terminal, 2)
    return TabularMDP(big, np.repeat(mdp.rewards, 2, axis=0), mdp.gamma, terminal=terminal), np.repeat(np.arange(S), 2)


@pytest.mark.parametrize("prior", [None, np.array([0.7, 0.2, 0.1])], ids=["Shannon", "prior"])
def test_an_exact_aggregation_gives_back_the_original_model(prior):
    """Aggregating twins that behave alike loses nothing: the coarse model's soft Q* equals the original's,
    and the twins' values equal their original state's (textbook solver on each)."""
    mdp = random_mdp(15, 3, gamma=0.9, seed=2)
    twins, labels = _twins(mdp)
    coarse, rho = aggregated_mdp(twins, labels, prior)
    original = reference.soft_value_iteration(mdp, 0.5, tol=1e-10, prior=prior)
    assert np.abs(reference.soft_value_iteration(coarse, 0.5, tol=1e-10, prior=rho).Q - original.Q).max() <= 1e-8
    fine = reference.soft_value_iteration(twins, 0.5, tol=1e-10, prior=prior)
    assert np.abs(fine.V - original.V[labels]).max() <= 1e-8


@pytest.fixture
def coarse_start_everywhere(monkeypatch):
    """Policy iteration starts from an aggregated model whatever the size; returns the list of models it aggregated."""
    monkeypatch.setattr(aggregation, "COARSE_START_MIN_STATES", 30)
    seen = []
    original = aggregation.aggregate_states

    def recording(mdp):
        seen.append(mdp.n_states)
        return original(mdp)

    monkeypatch.setattr(aggregation, "aggregate_states", recording)
    return seen


@pytest.mark.parametrize("mdp, prior", [
    (open_grid_mdp(24, 0.999), None),
    (slippery_grid_mdp(16, 0.99), None),
    (random_mdp(200, 3, gamma=0.95, branching=4, seed=5, sparse=True), np.array([0.5, 0.3, 0.2])),
], ids=["grid", "slippery grid", "random with a prior"])
def test_the_coarse_start_keeps_the_certificate(coarse_start_everywhere, mdp, prior):
    """Started from aggregated models (recursively), soft policy iteration still returns |Q - Q*| <= error_bound <= tol,
    Q* from the textbook solver."""
    sol = soft_policy_iteration(mdp, 0.1, tol=1e-7, prior=prior)
    exact = reference.soft_policy_iteration(mdp, 0.1, tol=1e-9, prior=prior)
    assert coarse_start_everywhere and coarse_start_everywhere[0] == mdp.n_states
    assert sol.converged and sol.error_bound <= 1e-7
    assert np.abs(sol.Q - exact.Q).max() <= sol.error_bound + exact.error_bound


@pytest.mark.parametrize("mdp", [open_grid_mdp(60, 0.999), open_grid_mdp(60, 0.99), slippery_grid_mdp(40, 0.999)],
                         ids=["grid 0.999", "grid 0.99", "slippery grid 0.999"])
def test_the_coarse_start_begins_near_the_answer(coarse_start_everywhere, mdp):
    """The claim behind the start: the first policy's Bellman residual |T Q_1 - Q_1| is under 1/50 of the uniform
    policy's, and policy iteration needs no more rounds from it. (On 10^6-state grids, where rounds cost seconds,
    this is what makes policy iteration fast: BENCHMARKS.md.)"""
    coarse = soft_policy_iteration(mdp, 0.1, tol=1e-6)
    uniform = soft_policy_iteration(mdp, 0.1, tol=1e-6, policy0=np.full(4, 0.25))
    assert coarse_start_everywhere.count(mdp.n_states) == 1  # the first call aggregated; policy0 turns it off
    assert coarse.residuals[0] < uniform.residuals[0] / 50
    assert coarse.iterations <= uniform.iterations
    assert np.abs(coarse.Q - uniform.Q).max() <= coarse.error_bound + uniform.error_bound


def test_the_start_is_the_smoothed_coarse_solution():
    """coarse_start: V is zero on terminal states, the policy is the Boltzmann policy of one backup of V, and V is
    closer to V* than the values of the default start, the uniform policy (textbook evaluation)."""
    mdp = open_grid_mdp(12, 0.99)
    pi, V = coarse_start(mdp, 0.2, None, soft_policy_iteration)
    assert np.all(V[mdp.terminal] == 0.0)
    Q = mdp.rewards + mdp.gamma * mdp.expected_next(V)
    want = np.exp((Q - Q.max(axis=1, keepdims=True)) / 0.2)
    assert np.allclose(pi, want / want.sum(axis=1, keepdims=True), atol=1e-12)
    exact = reference.soft_value_iteration(mdp, 0.2, tol=1e-8)
    uniform = np.full((mdp.n_states, 4), 0.25)
    V_uniform = (uniform * (reference.soft_policy_evaluation(mdp, uniform, 0.2) + 0.2 * np.log(4))).sum(axis=1)
    assert np.abs(V - exact.V).max() < 0.5 * np.abs(V_uniform - exact.V).max()


def test_no_coarse_start_when_aggregation_does_not_shrink_the_model():
    """A model whose states have no neighbours (self-loops only) cannot be aggregated: coarse_start returns None."""
    mdp = TabularMDP(np.stack([np.eye(5)] * 2, axis=1), np.zeros((5, 2)), 0.9)
    assert coarse_start(mdp, 0.1, None, soft_policy_iteration) is None


def test_aggregated_mdp_refuses_bad_labels():
    """labels must be one non-negative integer per state."""
    mdp = random_mdp(4, 2, seed=0)
    with pytest.raises(ValueError, match="labels"):
        aggregated_mdp(mdp, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="labels"):
        aggregated_mdp(mdp, np.array([0, -1, 1, 1]))
    with pytest.raises(TypeError, match="labels"):
        aggregated_mdp(mdp, np.array([0.0, 0.5, 1.0, 1.0]))

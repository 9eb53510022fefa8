"""One-step entropy (Boltzmann exploration of the hard Q*) is not the max-ent objective.

Each test is one claim, stated in its docstring. The theory part checks the claims of
:mod:`discrete_softq.testing.boltzmann_theorems` on hypothesis-drawn MDPs, with the library's
solvers and with the independent oracle (the textbook solvers of :mod:`discrete_softq.reference`,
a dense ``np.linalg.solve`` for the returns); the layout part checks the purpose-built
``corridor_or_room`` map against its closed-form facts and against rollouts of ``GridWorld.step``.
Change a line and see which test fails: e.g. give ``one_step_policy`` the soft Q (every "strict"
test fails), or drop ``gamma`` from the tilt (the performance-difference identity fails).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given
from hypothesis import strategies as st

from discrete_softq import TabularMDP, random_mdp, reference, soft_value_iteration, value_iteration
from discrete_softq.demos import boltzmann_vs_maxent as demo
from discrete_softq.envs import LAYOUTS, Action, parse_layout
from discrete_softq.experiments import boltzmann_vs_maxent as bvm
from discrete_softq.testing import alphas, mdp_and_prior, mdps, two_state_goal_mdp
from discrete_softq.testing.boltzmann_theorems import (
    check_maxent_beats_one_step_entropy,
    check_one_step_is_maxent_when_degenerate,
    check_soft_performance_difference,
    maxent_return_of,
    one_step_policy,
)

TOL = 1e-10


def certifiable_tol(mdp, alpha):
    """TOL, or the rounding floor eps |Q*| / (1 - gamma) (times a margin) when that is larger (as in test_theory)."""
    size = 1 + np.abs(mdp.rewards).max() + alpha * np.log(mdp.n_actions)
    return max(TOL, 100 * np.finfo(float).eps * size / (1 - mdp.gamma) ** 2)


def solve_both(mdp, alpha, prior=None, solver=soft_value_iteration):
    """The soft solution at alpha and the hard one (alpha = 0) by the same solver family."""
    return (solver(mdp, alpha, tol=certifiable_tol(mdp, alpha), prior=prior),
            solver(mdp, 0.0, tol=certifiable_tol(mdp, 0.0)))


def with_action_independent_successors(mdp):
    """The same MDP, except that every action of a state moves like its action 0 (rewards kept)."""
    P = mdp.P.toarray().reshape(mdp.n_states, mdp.n_actions, mdp.n_states) if mdp.is_sparse else np.asarray(mdp.P)
    P = np.repeat(P[:, :1, :], mdp.n_actions, axis=1)
    return TabularMDP(P, mdp.rewards, mdp.gamma, terminal=mdp.terminal, initial=mdp.initial)


def with_absorbing_start(mdp):
    """The same MDP started in state 0, made absorbing under every action: all other states are unreachable."""
    P = mdp.P.toarray().reshape(mdp.n_states, mdp.n_actions, mdp.n_states) if mdp.is_sparse else np.array(mdp.P)
    P[0] = 0.0
    P[0, :, 0] = 1.0
    start = np.eye(mdp.n_states)[0]
    return TabularMDP(sp.csr_matrix(P.reshape(-1, mdp.n_states)), mdp.rewards, mdp.gamma, initial=start)


def fork_mdp(gamma, alpha, cost=10.0):
    """s0 forks: a=0 to s1 (two equal actions, reward 0), a=1 to s2 (one action costs ``cost``); then terminal s3."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1:, :, 3] = 1.0
    R = np.zeros((4, 2))
    R[2, 1] = -cost
    return TabularMDP(P, R, gamma, terminal=[False, False, False, True], initial=np.eye(4)[0])


# ---------------------------------------------------------------------- the inequality
@given(drawn=mdp_and_prior(terminal=True), alpha=alphas())
@example(drawn=(two_state_goal_mdp(), None), alpha=0.5)
def test_soft_optimal_beats_the_boltzmann_policy_of_hard_q(drawn, alpha):
    """J(pi*_alpha) >= J(softmax(Q*_hard / alpha)) from the start distribution, on every drawn MDP and prior
    (within 2 error_bound / (1 - gamma)): one-step entropy never beats the max-ent objective at its own game."""
    mdp, prior = drawn
    check_maxent_beats_one_step_entropy(mdp, *solve_both(mdp, alpha, prior), prior=prior)


@given(drawn=mdp_and_prior(terminal=True), alpha=alphas(allow_zero=False))
def test_the_inequality_holds_for_the_textbook_oracle(drawn, alpha):
    """The same claim with nothing of the fast path: reference.soft_value_iteration for both solutions and
    reference.soft_policy_evaluation (a dense np.linalg.solve) for both returns."""
    mdp, prior = drawn
    soft, hard = solve_both(mdp, alpha, prior, solver=reference.soft_value_iteration)
    check_maxent_beats_one_step_entropy(mdp, soft, hard, prior=prior, evaluate=reference.soft_policy_evaluation)


@given(drawn=mdp_and_prior(terminal=True), alpha=alphas(allow_zero=False))
def test_the_gap_is_the_kl_to_the_soft_policy_along_the_visits(drawn, alpha):
    """J* - J(pi_B) = alpha sum_s n_B(s) KL(pi_B(.|s) || pi*(.|s)) exactly (the soft performance-difference
    identity, returns by the dense oracle): so the gap is zero iff pi_B = pi* on every state pi_B visits."""
    mdp, prior = drawn
    soft, hard = solve_both(mdp, alpha, prior)
    check_soft_performance_difference(mdp, soft, one_step_policy(hard, alpha, prior), prior=prior,
                                      evaluate=reference.soft_policy_evaluation)


# ---------------------------------------------------------------------- when it is an equality
@given(mdp=mdps(terminal=True, gammas=st.just(0.0)), alpha=alphas())
def test_equality_when_gamma_is_zero(mdp, alpha):
    """gamma = 0: Q*_alpha = Q*_0 = r, so the two policies coincide and so do their returns."""
    check_one_step_is_maxent_when_degenerate(mdp, *solve_both(mdp, alpha))


@given(mdp=mdps(terminal=True).map(with_action_independent_successors), alpha=alphas())
def test_equality_when_successors_do_not_depend_on_the_action(mdp, alpha):
    """P(.|s,a) = P(.|s) for all a (any gamma, any rewards): the future soft bonus gamma P D is the same for
    every action, so softmax(Q*_0 / alpha) = softmax(Q*_alpha / alpha) and the returns are equal."""
    check_one_step_is_maxent_when_degenerate(mdp, *solve_both(mdp, alpha))


@given(mdp=mdps(min_states=2, min_actions=2, gammas=st.floats(0.5, 0.95)).map(with_absorbing_start),
       alpha=alphas(max_alpha=10.0, allow_zero=False))
def test_equality_when_the_policies_differ_only_where_the_start_never_leads(mdp, alpha):
    """Start state absorbing under every action: only its row matters to J, and its successors do not depend on
    the action, so the returns are equal even where the two policies differ on the unreachable states."""
    check_one_step_is_maxent_when_degenerate(mdp, *solve_both(mdp, alpha))


@pytest.mark.parametrize("gamma, alpha", [(0.9, 1.0), (0.5, 0.3), (0.99, 2.0)])
def test_strict_gap_on_the_fork_matches_its_closed_form(gamma, alpha):
    """Fork MDP: both branches are worth 0 to the hard agent, so pi_B(s0) = (1/2, 1/2); the soft agent sees the
    future bonus alpha log 2 (branch 1) vs alpha log(1 + e^{-c/alpha}) (branch 2), so pi*(0|s0) =
    2^gamma / (2^gamma + (1 + e^{-c/alpha})^gamma), and the gap is alpha KL((1/2, 1/2) || pi*(s0)) > 0."""
    cost = 10.0
    mdp = fork_mdp(gamma, alpha, cost)
    soft, hard = solve_both(mdp, alpha)
    a, b = 2.0 ** gamma, (1 + np.exp(-cost / alpha)) ** gamma
    p = np.array([a, b]) / (a + b)
    assert one_step_policy(hard, alpha)[0] == pytest.approx([0.5, 0.5], abs=1e-12)
    assert soft.policy[0] == pytest.approx(p, abs=1e-9)
    gap = maxent_return_of(mdp, soft.policy, alpha) - maxent_return_of(mdp, one_step_policy(hard, alpha), alpha)
    assert gap == pytest.approx(alpha * np.sum(0.5 * np.log(0.5 / p)), abs=1e-9) and gap > 1e-3


@pytest.mark.parametrize("seed", range(5))
def test_strict_gap_on_generic_random_mdps(seed):
    """A generic MDP (random_mdp: Dirichlet successors that differ between actions, gamma 0.9) is not
    degenerate: the one-step policy loses max-ent return, J(pi*) - J(pi_B) > 1e-6, at alpha = 0.5."""
    mdp = random_mdp(8, 3, seed=seed)
    soft, hard = solve_both(mdp, 0.5)
    gap = maxent_return_of(mdp, soft.policy, 0.5) - maxent_return_of(mdp, one_step_policy(hard, 0.5), 0.5)
    assert gap > 1e-6


# ---------------------------------------------------------------------- the corridor-or-room map
def shortest_path_counts(layout):
    """(length, number of shortest paths) from the start to the goal through each first move, by BFS."""
    L = parse_layout(layout)
    H, W = L.shape
    free = lambda r, c: 0 <= r < H and 0 <= c < W and not L.walls[r, c]  # noqa: E731
    goal = tuple(np.argwhere(L.goals)[0])
    dist, count = {goal: 0}, {goal: 1}
    frontier = [goal]
    while frontier:
        nxt = []
        for r, c in frontier:
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                cell = (r + dr, c + dc)
                if free(*cell) and cell not in dist:
                    dist[cell], count[cell] = dist[(r, c)] + 1, 0
                    nxt.append(cell)
                if free(*cell) and dist[cell] == dist[(r, c)] + 1:
                    count[cell] += count[(r, c)]
        frontier = nxt
    (r, c) = L.start
    return {name: (1 + dist[cell], count[cell]) for name, cell in (("corridor", (r, c + 1)), ("room", (r + 1, c)))}


def test_the_two_routes_are_equally_long_and_the_room_has_126_shortest_paths():
    """corridor_or_room (layout docstring): 13 steps by either first move from the start; the corridor holds one
    shortest path, the room C(9, 4) = 126 (BFS path counting, independent of the solvers)."""
    assert shortest_path_counts("corridor_or_room") == {"corridor": (13, 1), "room": (13, 126)}
    assert "corridor_or_room" in LAYOUTS and LAYOUTS["two_routes"][1] == "#...........G#"  # the others untouched


@pytest.fixture(scope="module")
def layout_policies():
    env = bvm.make_env()
    return env, bvm.compare_policies(env, 0.03)


def test_hard_q_is_indifferent_at_the_fork_so_boltzmann_splits_evenly(layout_policies):
    """Q*_hard(S, right) = Q*_hard(S, down) (equal routes), so softmax(Q*_hard / alpha) sends exactly half of
    its fork mass into the room and reaches the goal from either side with probability 1/2."""
    env, (_, one_step) = layout_policies
    Q = value_iteration(env.to_mdp(), tol=1e-12).Q[env.start_state()]
    assert Q[Action.RIGHT] == pytest.approx(Q[Action.DOWN], abs=1e-10)
    assert one_step.fork_room_share == pytest.approx(0.5, abs=1e-9)
    assert one_step.room_route_share == pytest.approx(0.5, abs=1e-3)


def test_the_soft_optimum_prefers_the_room_and_has_more_trajectory_entropy(layout_policies):
    """alpha = 0.03, Shannon, step cost 0.05: the soft optimum sends > 90% into the room at the fork, reaches the
    goal through it with probability > 0.93, and beats the one-step policy by > 0.02 in J and > 1 nat in
    discounted trajectory entropy, while collecting less reward (it pays for the detours)."""
    _, (soft, one_step) = layout_policies
    assert soft.fork_room_share > 0.9 and soft.room_route_share > 0.93
    assert soft.maxent_return - one_step.maxent_return > 0.02
    assert soft.trajectory_entropy - one_step.trajectory_entropy > 1.0
    assert soft.reward_return < one_step.reward_return


def test_the_exact_returns_match_rollouts_of_the_environment(layout_policies):
    """GridWorld.step rollouts (10 seeds x 30 episodes per policy): the seed means of the discounted max-ent
    return and of "entered the goal from the room" lie within the width of their 95% bootstrap interval
    (about 4 standard errors) of the exact linear-solve values."""
    env, (soft, one_step) = layout_policies
    mc = bvm.monte_carlo(env, soft, one_step, 0.03, "shannon", n_seeds=10, n_episodes=30)
    for name, exact in (("soft", soft), ("one_step", one_step)):
        for key, value in (("maxent_return", exact.maxent_return), ("room_route", exact.room_route_share)):
            est = mc[name][key]
            assert abs(est.value - value) <= est.high - est.low, (name, key, est, value)


def test_the_sweep_never_shows_a_negative_gap():
    """At every temperature and for both bonuses the max-ent return gap is >= 0 (the theorem, on the map)."""
    rows = bvm.temperature_sweep(bvm.make_env(), [0.01, 0.1, 1.0])
    assert len(rows) == 6 and all(r.return_gap >= -1e-9 for r in rows)


def test_bad_arguments_name_the_parameter():
    """An unknown bonus or a non-positive temperature raises ValueError naming it."""
    with pytest.raises(ValueError, match="prior"):
        bvm.run_boltzmann_vs_maxent(prior="renyi", n_seeds=0)
    with pytest.raises(ValueError, match="alpha"):
        bvm.run_boltzmann_vs_maxent(alpha=0.0, n_seeds=0)


def test_demo_quick_run_prints_the_numbers_and_writes_the_figure(tmp_path, capsys):
    """`boltzmann_vs_maxent --quick --no-progress --out DIR` exits 0, prints the exact table, the Monte Carlo
    check and the sweep, and saves boltzmann_vs_maxent.png."""
    assert demo.main(["--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "share into the room at the fork" in out and "Monte Carlo" in out and "temperature sweep" in out
    assert (tmp_path / "boltzmann_vs_maxent.png").stat().st_size > 10_000


# ---------------------------------------------------------------------- the checks can fail
def _swapped(soft, hard, alpha):
    """The two policies exchanged: 'soft' plays softmax(Q*_hard / alpha), 'hard' carries the soft Q."""
    from dataclasses import replace

    return replace(soft, policy=one_step_policy(hard, alpha)), replace(hard, Q=soft.Q)


@pytest.mark.parametrize("seed", range(3))
def test_the_inequality_check_fails_when_the_policies_are_swapped(seed):
    """Mutation: with the two policies exchanged the claimed inequality is reversed by the whole gap (> 1e-6,
    test_strict_gap_on_generic_random_mdps), and the check raises: its allowance (2 b / (1 - gamma) plus
    rounding, about 1e-9 here) is far below the effect it guards."""
    mdp = random_mdp(8, 3, seed=seed)
    soft, hard = solve_both(mdp, 0.5)
    check_maxent_beats_one_step_entropy(mdp, soft, hard)
    with pytest.raises(AssertionError, match="violated"):
        check_maxent_beats_one_step_entropy(mdp, *_swapped(soft, hard, 0.5))


def test_the_identity_check_fails_when_the_values_are_off_by_1e_7():
    """Mutation: soft.V shifted by 1e-7 (error_bound kept at ~1e-10) breaks J* - J(pi) = alpha sum n KL, and the
    check raises, for pi_B and for a mixture of pi_B and the uniform policy (where the identity holds unshifted)."""
    from dataclasses import replace

    mdp = random_mdp(8, 3, seed=0)
    soft, hard = solve_both(mdp, 0.5)
    pi_B = one_step_policy(hard, 0.5)
    check_soft_performance_difference(mdp, soft, pi_B)
    with pytest.raises(AssertionError, match="violated"):
        check_soft_performance_difference(mdp, replace(soft, V=soft.V + 1e-7), pi_B)
    mixed = 0.5 * pi_B + 0.5 / 3                       # the identity holds for any policy, not for a doctored V
    check_soft_performance_difference(mdp, soft, mixed)
    with pytest.raises(AssertionError, match="violated"):
        check_soft_performance_difference(mdp, replace(soft, V=soft.V - 1e-7), mixed)


def test_the_degenerate_check_fails_on_a_strict_mdp_and_for_a_perturbed_soft_policy():
    """Mutation: the equality check raises on the (non-degenerate) fork, and on a degenerate gamma = 0 MDP when the
    soft policy is moved 1% towards a deterministic one (a return change of order 1e-4, allowance ~1e-9)."""
    from dataclasses import replace

    fork = fork_mdp(0.9, 1.0)
    with pytest.raises(AssertionError, match="violated"):
        check_one_step_is_maxent_when_degenerate(fork, *solve_both(fork, 1.0))
    mdp = random_mdp(5, 3, gamma=0.0, seed=1)
    soft, hard = solve_both(mdp, 0.5)
    check_one_step_is_maxent_when_degenerate(mdp, soft, hard)
    nudged = replace(soft, policy=0.99 * soft.policy + 0.01 * np.eye(3)[0])
    with pytest.raises(AssertionError, match="violated"):
        check_one_step_is_maxent_when_degenerate(mdp, nudged, hard)


@pytest.mark.parametrize("call, error, name", [
    (lambda m, s, h: check_maxent_beats_one_step_entropy("mdp", s, h), TypeError, "mdp"),
    (lambda m, s, h: check_maxent_beats_one_step_entropy(m, s.Q, h), TypeError, "soft"),
    (lambda m, s, h: check_maxent_beats_one_step_entropy(m, s, s), ValueError, "hard"),
    (lambda m, s, h: check_soft_performance_difference(m, s, [0.7, 0.7, 0.7]), ValueError, "policy"),
    (lambda m, s, h: check_soft_performance_difference(random_mdp(3, 3, seed=0), s, np.full(3, 1 / 3)),
     ValueError, "soft"),
    (lambda m, s, h: check_one_step_is_maxent_when_degenerate(m, s, h, prior=[0.5, 0.5]), ValueError, "prior"),
], ids=["mdp str", "soft array", "hard at alpha 0.5", "policy sums 2.1", "soft of another mdp", "prior shape"])
def test_the_checks_refuse_bad_arguments_by_name(call, error, name):
    """The theorem checks raise TypeError/ValueError naming the argument instead of an opaque traceback."""
    mdp = random_mdp(4, 3, seed=0)
    soft, hard = solve_both(mdp, 0.5)
    with pytest.raises(error, match=name):
        call(mdp, soft, hard)


def test_the_checks_refuse_gamma_one():
    """gamma = 1 (episodic): the allowance 2 b / (1 - gamma) is undefined; refused naming gamma (was ZeroDivisionError)."""
    mdp = fork_mdp(1.0, 1.0)
    soft, hard = soft_value_iteration(mdp, 1.0), value_iteration(mdp)
    with pytest.raises(ValueError, match="gamma"):
        check_maxent_beats_one_step_entropy(mdp, soft, hard)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"alphas": (0.03, -1.0)}, ValueError, "alphas"), ({"alphas": 0.03}, TypeError, "alphas"),
    ({"n_seeds": 1}, ValueError, "n_seeds"), ({"n_seeds": 2.0}, TypeError, "n_seeds"),
    ({"seed": -1}, ValueError, "seed"), ({"prior": ["shannon"]}, ValueError, "prior"),
    ({"gamma": 1.0}, ValueError, "gamma"), ({"step_reward": float("nan")}, ValueError, "step_reward"),
], ids=["negative alpha in alphas", "alphas scalar", "one seed", "float seeds", "negative seed", "prior list",
        "gamma 1", "NaN step reward"])
def test_run_refuses_bad_arguments_by_name(kwargs, error, name):
    """run_boltzmann_vs_maxent validates every argument up front (n_seeds = 0.0 used to skip the check silently,
    a list prior raised an opaque 'unhashable type')."""
    with pytest.raises(error, match=name):
        bvm.run_boltzmann_vs_maxent(**{"n_seeds": 0, "alphas": (), **kwargs})


def test_results_cannot_be_changed_and_other_maps_are_refused(layout_policies):
    """PolicyStats arrays are read-only copies, the sweep a tuple; policy_stats on another map (whose cells the
    route shares would misread) raises ValueError naming env."""
    env, (soft, _) = layout_policies
    with pytest.raises(ValueError):
        soft.policy[0, 0] = 1.0
    with pytest.raises(ValueError):
        soft.occupancy[0] = 1.0
    assert isinstance(bvm.run_boltzmann_vs_maxent(alphas=(0.03,), n_seeds=0).sweep, tuple)
    from discrete_softq.envs import GridWorld

    with pytest.raises(ValueError, match="env"):
        bvm.policy_stats(GridWorld("two_routes"), np.full((40, 4), 0.25), 0.0, None, "x")

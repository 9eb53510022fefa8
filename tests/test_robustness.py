"""The robustness study: its sanity claims hold exactly, its measured claims on a small budget, the demo runs.

Sanity: with no perturbation the hard optimum is at least as good as every soft policy on the reward;
the worst case falls with the adversary's budget; the robust evaluation at budget 0 is the nominal one.
Measured (the README's verdict): on the blocking maze a soft policy beats the deterministic hard one
once a wall lands on its route, and under slip; on two_routes it never does under slip or the adversary.
"""

from __future__ import annotations

import numpy as np
import pytest

from discrete_softq.experiments.robustness import (KINDS, RobustnessConfig, crossing_point, evaluate_kind,
                                                   gridworld_task, nominal_policies, run_robustness)

CONFIG = RobustnessConfig(alphas=(0.01, 0.1), slips=(0.0, 0.1, 0.3), pushes=(0.0, 0.2), walls=(0, 1),
                          budgets=(0.0, 0.1, 0.3), n_draws=4, n_mdps=4)


@pytest.fixture(scope="module")
def study():
    return run_robustness(CONFIG)


def test_with_no_perturbation_the_hard_policy_is_at_least_as_good(study):
    """Zero perturbation: J(hard) >= J(soft) on the reward for every alpha and every MDP (the hard policy is optimal)."""
    for task in study.tasks:
        assert study.nominal_gap[task] >= -1e-9
        for kind in KINDS:
            at_zero = study.returns[task, kind][:, 0]
            assert (at_zero[0] >= at_zero[2:] - 1e-9).all()


def test_worst_case_falls_with_the_budget(study):
    """The adversary's L1 balls are nested, so every policy's worst-case return is non-increasing in the budget."""
    for task in study.tasks:
        worst = study.returns[task, "adversary"]
        assert (np.diff(worst, axis=1) <= 1e-9).all()


def test_robust_evaluation_at_zero_budget_is_the_nominal_evaluation(study):
    """eps = 0 of the robust evaluation equals maxent_return at alpha = 0, for every policy of every MDP."""
    assert study.robust_zero_error < 1e-9


def test_no_policy_beats_the_robust_optimum_and_on_gridworlds_the_hard_policy_is_it(study):
    """Every policy's worst case is at most the robust optimum (robust policy iteration); on both gridworlds the
    nominal hard policy already attains it at every budget, so no policy, soft or not, can beat it there; on the
    random MDPs a robust policy gains something at the largest budget."""
    for task in study.tasks:
        worst, best = study.returns[task, "adversary"], study.robust_optimum[task]
        assert (worst <= best[None] + 1e-9).all()
        if task != "random MDPs":
            assert np.allclose(worst[0], best, atol=1e-9)
    assert np.mean(study.robust_optimum["random MDPs"][-1] - study.returns["random MDPs", "adversary"][0, -1]) > 1e-3


def test_a_blocked_route_traps_the_deterministic_policy():
    """A wall on its route makes the deterministic greedy policy bump forever: return step_reward / (1 - gamma),
    exactly, on every admissible block; the soft policy is never worse and on average 0.3 better (it is trapped
    too where the detour starts two steps back: at alpha 0.01 a 2-step detour has odds about e^-10)."""
    task = gridworld_task("blocking_maze", CONFIG)
    policies = nominal_policies(task, (0.01,))
    walls = evaluate_kind(task, policies, "walls", (1,), 50, np.random.default_rng(0))[:, 0]
    blocks = walls[0][~np.isnan(walls[0])]
    assert blocks.size >= 5 and np.allclose(blocks, CONFIG.step_reward / (1 - CONFIG.gamma))
    soft = walls[2][~np.isnan(walls[2])]
    assert (soft >= blocks - 1e-9).all() and soft.mean() > blocks.mean() + 0.3


def test_measured_crossing_points(study):
    """Blocking maze: soft (alpha 0.01) stays ahead of the hard policy from slip 0.1 on and from one wall on;
    two_routes: it never gets ahead under slip or the adversary."""
    assert study.crossing("blocking_maze", "slip", "soft a=0.01") == 0.1
    assert study.crossing("blocking_maze", "walls", "soft a=0.01") == 1
    assert study.crossing("two_routes", "slip", "soft a=0.01") == np.inf
    assert study.crossing("two_routes", "adversary", "soft a=0.01") == np.inf
    assert "soft beats hard from" in study.report()


def test_crossing_point_needs_the_soft_policy_to_stay_ahead():
    """A lead at one strength that is lost at a larger one is not a crossing; a tie after the lead does not undo it."""
    hard = np.zeros((3, 2))
    assert crossing_point((0, 1, 2), np.array([[1, 1], [-1, -1], [1, 1.0]]), hard) == 2
    assert crossing_point((0, 1, 2), np.array([[0, 0], [1, 1], [0, 0.0]]), hard) == 1
    assert crossing_point((0, 1, 2), -np.ones((3, 2)), hard) == np.inf


@pytest.mark.parametrize("kwargs, error, name", [
    ({"alphas": (-0.1,)}, ValueError, "alphas"), ({"slips": (1.5,)}, ValueError, "slips"),
    ({"layouts": "two_routes"}, TypeError, "layouts"), ({"layouts": ("no_such_map",)}, ValueError, "layouts"),
    ({"alphas": 0.1}, TypeError, "alphas"), ({"budgets": ()}, TypeError, "budgets"),
    ({"alphas": (0.01, 0.01)}, ValueError, "alphas"), ({"walls": (1.0,)}, TypeError, "walls"),
    ({"step_reward": float("nan")}, ValueError, "step_reward"), ({"gamma": 1.0}, ValueError, "gamma"),
], ids=["negative alpha", "slip 1.5", "layouts a string", "unknown map", "alphas scalar", "no budgets",
        "repeated alpha", "float walls", "NaN step reward", "gamma 1"])
def test_bad_config_names_the_field(kwargs, error, name):
    """Bad fields are refused on construction, naming the field (a string of layouts used to be iterated letter by
    letter, a NaN step reward and repeated temperatures, which overwrite each other's policy label, accepted)."""
    with pytest.raises(error, match=name):
        RobustnessConfig(**kwargs)


def test_bad_arguments_of_the_study_functions_name_the_parameter():
    """run_robustness needs a RobustnessConfig; crossing_point needs soft and hard of shape (len(levels), n);
    evaluate_kind a known kind, an int n_draws and a seed or Generator."""
    with pytest.raises(TypeError, match="config"):
        run_robustness({"alphas": (0.1,)})
    with pytest.raises(ValueError, match="soft and hard"):
        crossing_point((0, 1), np.zeros((3, 2)), np.zeros((3, 2)))
    task = gridworld_task("blocking_maze", CONFIG)
    policies = nominal_policies(task, (0.1,))
    for kwargs, error, name in (({"kind": "quake"}, ValueError, "kind"), ({"n_draws": 2.5}, TypeError, "n_draws"),
                                ({"rng": "seed"}, TypeError, "rng")):
        call = {"kind": "slip", "n_draws": 2, "rng": 0, **kwargs}
        with pytest.raises(error, match=name):
            evaluate_kind(task, policies, call["kind"], (0.0,), call["n_draws"], call["rng"])


def test_the_demo_runs_quick(tmp_path):
    """``demo robustness --quick`` prints the tables with crossing points and writes robustness.png."""
    from discrete_softq.demos.robustness import main

    assert main(["--quick", "--no-progress", "--out", str(tmp_path), "--n-mdps", "2", "--n-draws", "2"]) == 0
    assert (tmp_path / "robustness.png").exists()

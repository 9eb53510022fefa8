"""The ``dp`` demo and its figure functions: the demo runs end to end, the helpers draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from discrete_softq import demo, soft_policy_iteration, soft_q_iteration, value_iteration  # noqa: E402
from discrete_softq.envs import GridWorld  # noqa: E402
from discrete_softq.experiments.dp import SOLVERS, DPConfig, contraction_rate, run_dp  # noqa: E402
from discrete_softq.plotting.dp import (  # noqa: E402
    plot_contraction,
    plot_iterations_versus_gamma,
    plot_policy_versus_temperature,
    plot_probability_versus_temperature,
    plot_soft_vs_hard_gridworld,
    plot_value_versus_temperature,
)
from discrete_softq.plotting.dp_study import (  # noqa: E402
    plot_contraction_study,
    plot_soft_vs_hard_study,
    plot_temperature_study,
)

FIGURES = ("contraction.png", "soft_vs_hard_gridworld.png", "temperature_sweep.png")


def test_dp_demo_quick_writes_its_figures_and_prints_the_solvers(tmp_path, capsys):
    """`python -m discrete_softq.demo dp --quick` exits 0, saves three non-empty PNGs, prints iterations and bounds."""
    assert demo.main(["dp", "--quick", "--out", str(tmp_path)]) == 0
    for name in FIGURES:
        assert (tmp_path / name).stat().st_size > 0, name
    out = capsys.readouterr().out
    assert "soft policy iteration" in out and "error_bound=" in out


def test_dp_demo_help_lists_the_hyperparameters(capsys):
    """--help shows every Args field with its description (the hyperparameter table)."""
    with pytest.raises(SystemExit) as err:
        demo.main(["dp", "--help"])
    assert err.value.code == 0
    out = capsys.readouterr().out
    assert "--grid-alphas" in out and "--prior" in out and "temperature" in out


def test_dp_demo_rejects_an_unknown_prior():
    """--prior accepts only 'shannon' or 'uniform' (argparse exits with status 2)."""
    with pytest.raises(SystemExit) as err:
        demo.main(["dp", "--quick", "--prior", "gaussian"])
    assert err.value.code == 2


def test_dp_demo_has_no_dead_options(capsys):
    """Everything in dp is exact: no --seed and no --no-progress (there is no randomness and no bar)."""
    for dead in ("--seed", "--no-progress"):
        with pytest.raises(SystemExit) as err:
            demo.main(["dp", dead])
        assert err.value.code == 2


def test_dp_experiment_report_matches_its_numbers():
    """run_dp's report is a string built from the result: every solver appears, and the rates
    it prints are at most gamma (the contraction theorem), the measured rates in the result."""
    res = run_dp(DPConfig(contraction_gammas=(0.8,), contraction_alphas=(0.1,), solver_gammas=(0.9,),
                          grid_alphas=(0.0, 0.1), n_temperatures=3))
    text = res.report()
    assert isinstance(text, str) and all(name in text for name in SOLVERS)
    for run in res.by_gamma + res.by_alpha:
        assert 0 < run.rate <= run.gamma + 1e-6
        assert f"rate={run.rate:.4f}" in text
    assert res.iterations()["soft policy iteration"][0] < res.iterations()["soft value iteration"][0]


def test_contraction_rate_recovers_a_geometric_decay():
    """contraction_rate of r_k = c q^k is q; a run that hits exactly 0 has rate 0."""
    assert contraction_rate(3.0 * 0.7 ** np.arange(20.0)) == pytest.approx(0.7)
    assert contraction_rate(np.array([1.0, 0.5, 0.0])) == 0.0


def test_the_study_figures_draw_from_a_result():
    """The three dp figures fill their axes from a DPResult (titles on every panel)."""
    res = run_dp(DPConfig(contraction_gammas=(0.8,), contraction_alphas=(0.1,), solver_gammas=(0.9,),
                          grid_alphas=(0.0, 0.1), n_temperatures=3))
    fig, axes = plt.subplots(1, 3)
    assert plot_contraction_study(axes, res) and all(ax.get_title() for ax in axes)
    plt.close(fig)
    fig, axes = plt.subplots(3, 2)
    assert plot_soft_vs_hard_study(axes, res)
    plt.close(fig)
    fig, axes = plt.subplots(1, 3)
    assert plot_temperature_study(axes, res) and all(ax.get_title() for ax in axes)
    plt.close(fig)


@pytest.fixture(scope="module")
def grid():
    env = GridWorld("open_room", gamma=0.9)
    return env, env.to_mdp()


def test_plot_contraction_draws_one_line_per_run_and_a_gamma_reference(grid):
    """Each run gets a residual line, each run with a gamma a dashed r_1 gamma^(k-1) line, plus a legend."""
    _, mdp = grid
    runs = {f"alpha={a}": soft_q_iteration(mdp, a, tol=1e-6).residuals for a in (0.0, 0.5)}
    fig, ax = plt.subplots()
    artists = plot_contraction(ax, runs, {"alpha=0.5": mdp.gamma})
    assert len(artists) == 2 + 1 + 1
    ref = artists[2].get_ydata()
    assert np.allclose(ref[1:] / ref[:-1], mdp.gamma)
    assert ax.get_yscale() == "log" and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_plot_contraction_rejects_a_gamma_for_an_unknown_run():
    """A gamma whose label is not a run is an error that names gammas."""
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="gammas"):
        plot_contraction(ax, {"a": [1.0, 0.5]}, {"b": 0.5})
    plt.close(fig)


def test_temperature_and_solver_plots_return_their_artists():
    """The temperature and per-gamma helpers return one line per curve plus a legend, on a log x-axis."""
    fig, axes = plt.subplots(1, 4)
    alphas = np.array([0.01, 0.1, 1.0])
    probs = np.array([[0.7, 0.1, 0.1, 0.1], [0.4, 0.2, 0.2, 0.2], [0.25, 0.25, 0.25, 0.25]])
    assert len(plot_policy_versus_temperature(axes[0], alphas, probs)) == 4 + 1
    assert len(plot_probability_versus_temperature(axes[1], alphas, {"a": probs[:, 0]}, reference=0.25)) == 1 + 1 + 1
    assert len(plot_value_versus_temperature(axes[2], alphas, {"V": [1.0, 2.0, 3.0]}, hard_value=1.0,
                                             upper_bound=[1.1, 2.1, 3.1])) == 1 + 1 + 1 + 1
    assert len(plot_iterations_versus_gamma(axes[3], [0.5, 0.9], {"VI": [10, 100], "PI": [3, 4]})) == 2 + 1
    assert all(ax.get_xscale() == "log" for ax in axes[:3])
    plt.close(fig)


def test_policy_versus_temperature_rejects_a_zero_alpha():
    """alpha = 0 cannot sit on a log axis: the error names alphas."""
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="alphas"):
        plot_policy_versus_temperature(ax, [0.0, 1.0], np.full((2, 4), 0.25))
    plt.close(fig)


def test_plot_soft_vs_hard_gridworld_fills_a_rows_by_temperatures_grid(grid):
    """One column per solution, one row per quantity; every panel gets a title; a wrong axes shape is refused."""
    env, mdp = grid
    sols = [value_iteration(mdp), soft_policy_iteration(mdp, 0.1)]
    fig, axes = plt.subplots(3, 2)
    artists = plot_soft_vs_hard_gridworld(axes, sols, env.layout)
    assert artists and all(ax.get_title() for ax in axes.ravel())
    assert "hard" in axes[0, 0].get_title() and "0.1" in axes[0, 1].get_title()
    with pytest.raises(ValueError, match="axes"):
        plot_soft_vs_hard_gridworld(axes[:2], sols, env.layout)
    plt.close(fig)

"""Smoke tests of the continuous demos: each runs with --quick and writes its figure."""

from discrete_softq import demo


def test_svgd_demo_writes_its_figure(tmp_path, capsys):
    """``python -m discrete_softq.demo svgd --quick`` exits 0, prints the moments and writes svgd.png."""
    assert demo.main(["svgd", "--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "svgd.png").stat().st_size > 0
    assert "1-D mixture" in capsys.readouterr().out


def test_multigoal_demo_writes_its_figure(tmp_path, capsys):
    """``python -m discrete_softq.demo multigoal --quick`` exits 0, prints goal hits, returns and the cluster
    measures per seed and the summary over seeds, writes multigoal.png."""
    from discrete_softq.demos.multigoal import main

    assert main(["--quick", "--no-progress", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "multigoal.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "SQL" in out and "DDPG" in out and "goal hits" in out and "mean return" in out
    assert "within 22.5 deg" in out and "modes" in out and "SQL / DDPG" in out


def test_demo_help_lists_the_hyperparameters(capsys):
    """--help of the multigoal demo documents every Args field (the hyperparameter table)."""
    import pytest

    with pytest.raises(SystemExit):
        demo.main(["multigoal", "--help"])
    out = capsys.readouterr().out
    assert "--steps" in out and "environment steps of training" in out and "--no-progress" in out


def test_plot_helpers_draw_on_the_given_axes():
    """Each continuous plotting helper draws on the ax it is given, returns artists and sets a title."""
    import matplotlib.pyplot as plt
    import numpy as np

    from discrete_softq.continuous import MultiGoalEnv
    from discrete_softq.plotting.continuous import (
        plot_action_q_contours,
        plot_multigoal_rollouts,
        plot_particle_density,
        plot_particles_2d,
    )

    fig, axes = plt.subplots(1, 4)
    lin = np.linspace(-1, 1, 5)
    grid = np.stack(np.meshgrid(lin, lin), axis=-1)
    g = np.linspace(-3, 3, 7)
    gx, gy = np.meshgrid(g, g)
    drawn = [
        plot_multigoal_rollouts(axes[0], MultiGoalEnv(), [np.zeros((3, 2))], [0], resolution=20),
        plot_action_q_contours(axes[1], grid, -np.sum(grid**2, axis=-1), np.zeros((4, 2))),
        plot_particle_density(axes[2], np.arange(10.0), g, np.exp(-g**2)),
        plot_particles_2d(axes[3], np.zeros((3, 2)), gx, gy, np.exp(-gx**2 - gy**2)),
    ]
    assert all(len(artists) > 0 for artists in drawn)
    assert all(ax.get_title() and ax.get_xlabel() for ax in axes)
    plt.close(fig)


def test_multigoal_demo_defaults_are_the_experiments_tuned_ones():
    """demo multigoal's --alpha and --updates-per-step default to SQL_DEFAULTS (one source of the tuned values)."""
    from discrete_softq.demos.multigoal import Args
    from discrete_softq.experiments.multigoal import SQL_DEFAULTS

    args = Args()
    assert (args.alpha, args.updates_per_step) == (SQL_DEFAULTS["alpha"], SQL_DEFAULTS["updates_per_step"])

"""The demos' command line: bad values exit 2 with one line naming the option, never a traceback;
ranges are in --help; figures go to ./discrete_softq-figures unless --out says otherwise."""

import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from discrete_softq import demo
from discrete_softq.demos._cli import DEFAULT_OUT, build_parser

REPO = Path(__file__).resolve().parents[1]

#: (demo, argv, the option the one-line error must name). Every case is a value the demo used
#: to accept and then fail on later (or silently ignore), or a count below its minimum.
BAD = [
    ("maze_change", ["--seeds", "0"], "--seeds"),
    ("maze_change", ["--seeds", "1"], "--seeds"),
    ("maze_change", ["--tune-seeds", "0"], "--tune-seeds"),
    ("maze_change", ["--agents", "soft,sarsa"], "--agents"),
    ("maze_change", ["--layout", "nope"], "--layout"),
    ("maze_change", ["--steps", "-5"], "--steps"),
    ("maze_change", ["--lr", "0"], "--lr"),
    ("maze_change", ["--sweep", "0.1,x"], "--sweep"),
    ("svgd", ["--n-particles", "0"], "--n-particles"),
    ("svgd", ["--n-iter", "-1"], "--n-iter"),
    ("svgd", ["--step-size", "nan"], "--step-size"),
    ("pretraining", ["--quick", "--n-seeds", "0"], "--n-seeds"),
    ("pretraining", ["--finetune-steps", "1001"], "--finetune-steps"),
    ("pretraining", ["--epsilon", "1.5"], "--epsilon"),
    ("multigoal", ["--steps", "0"], "--steps"),
    ("multigoal", ["--n-rollouts", "2.5"], "--n-rollouts"),
    ("dp", ["--gamma", "1"], "--gamma"),
    ("dp", ["--prior", "gaussian"], "--prior"),
    ("dp", ["--contraction-gammas", "0.5,1.2"], "--contraction-gammas"),
    ("dp", ["--n-temperatures", "0"], "--n-temperatures"),
    ("composition", ["--n-alphas", "-3"], "--n-alphas"),
    ("composition", ["--slip", "2"], "--slip"),
    ("composition", ["--alpha", "0"], "--alpha"),
    ("boltzmann_vs_maxent", ["--alpha", "0"], "--alpha"),
    ("boltzmann_vs_maxent", ["--prior", "gaussian"], "--prior"),
    ("robustness", ["--n-draws", "1"], "--n-draws"),
    ("offpolicy", ["--seeds", "0"], "--seeds"),
]


@pytest.mark.parametrize("name, argv, option", BAD, ids=[f"{n} {' '.join(a)}" for n, a, _ in BAD])
def test_an_invalid_value_exits_2_with_one_line_naming_the_option(name, argv, option, capsys):
    """argparse refuses the value before anything runs: status 2, one line on stderr naming the option and its range."""
    with pytest.raises(SystemExit) as err:
        demo.main([name, *argv])
    assert err.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert option in lines[0] and "must be" in lines[0]
    assert captured.out == ""


def test_an_unknown_demo_exits_2_with_one_line(capsys):
    """An unknown name is one line on stderr listing the demos, status 2."""
    assert demo.main(["nosuch"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "nosuch" in lines[0] and "maze_change" in lines[0]


def test_the_process_prints_no_traceback():
    """Run as a process, `maze_change --seeds 0` (once a 15-line ValueError traceback) exits 2 with one line."""
    proc = subprocess.run([sys.executable, "-m", "discrete_softq.demo", "maze_change", "--seeds", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "--seeds" in proc.stderr and ">= 2" in proc.stderr


@pytest.mark.parametrize("name", list(demo.DEMOS))
def test_help_states_the_range_of_every_numeric_option(name):
    """Every int or float option's help text says which values it takes (e.g. 'an int >= 2')."""
    module = importlib.import_module(demo.DEMOS[name])
    parser = build_parser(module.Args, name, module.DESCRIPTION)
    numeric = [a for a in parser._actions if a.type is not None and a.type.kind in ("int", "float", "floats")]
    assert numeric
    for action in numeric:
        assert "[an int" in action.help or "[a number" in action.help or "[comma-separated numbers" in action.help, \
            action.help


def test_maze_change_help_says_the_minimum_of_seeds_is_2(capsys):
    """--help of maze_change documents that --seeds must be at least 2."""
    with pytest.raises(SystemExit):
        demo.main(["maze_change", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--seeds INT evaluation seeds (separate from the tuning seeds) [an int >= 2]" in out


def test_all_help_lists_the_options_of_every_demo(capsys):
    """`demo all --help` shows one section per demo with that demo's own options."""
    with pytest.raises(SystemExit) as err:
        demo.main(["all", "--help"])
    assert err.value.code == 0
    out = capsys.readouterr().out
    for name in demo.DEMOS:
        assert f"=== {name} ===" in out
    for flag in ("--grid-alphas", "--seeds", "--n-particles", "--n-rollouts", "--n-alphas", "--n-seeds"):
        assert flag in out


@pytest.mark.parametrize("name", list(demo.DEMOS))
def test_the_default_out_is_not_the_committed_gallery(name):
    """Every demo's --out defaults to discrete_softq-figures (relative: the current directory), not figures/."""
    module = importlib.import_module(demo.DEMOS[name])
    out = {f.name: f.default for f in dataclasses.fields(module.Args)}["out"]
    assert out == DEFAULT_OUT == "discrete_softq-figures"
    assert Path(out).resolve() != REPO / "figures"


def test_a_demo_run_writes_under_the_current_directory_and_leaves_figures_alone(tmp_path, monkeypatch, capsys):
    """Without --out a quick svgd run writes ./discrete_softq-figures/svgd.png and does not touch figures/svgd.png."""
    gallery = REPO / "figures" / "svgd.png"
    before = gallery.stat().st_mtime_ns if gallery.exists() else None
    monkeypatch.chdir(tmp_path)
    assert demo.main(["svgd", "--n-iter", "3", "--n-particles", "5", "--no-progress"]) == 0
    assert (tmp_path / "discrete_softq-figures" / "svgd.png").stat().st_size > 0
    assert (gallery.stat().st_mtime_ns if gallery.exists() else None) == before


def test_options_given_explicitly_win_over_quick(tmp_path, capsys):
    """--quick shrinks only what was not given: `svgd --quick --n-iter 7` runs 7 iterations, not 150."""
    assert demo.main(["svgd", "--quick", "--n-iter", "7", "--no-progress", "--out", str(tmp_path)]) == 0
    assert "after 7 iterations" in capsys.readouterr().out


def test_all_runs_every_demo_quickly_and_passes_only_the_options_each_has(tmp_path, monkeypatch, capsys):
    """`demo all --quick --no-progress --out DIR` hands --no-progress only to demos with progress bars
    (dp and composition have none) and stops at the first refused option; here with the two fastest demos."""
    monkeypatch.setattr(demo, "DEMOS", {k: demo.DEMOS[k] for k in ("dp", "svgd")})
    assert demo.main(["all", "--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"contraction.png", "soft_vs_hard_gridworld.png",
                                                     "temperature_sweep.png", "svgd.png"}


DOCTESTED = ["discrete_softq.demo", *(f"discrete_softq.demos.{m}" for m in ("_cli", *demo.DEMOS)), "discrete_softq.experiments.dp",
             "discrete_softq.experiments.svgd", "discrete_softq.experiments.composition",
             "discrete_softq.experiments.multigoal", "discrete_softq.experiments.maze_change",
             "discrete_softq.experiments.maze_measures", "discrete_softq.experiments.maze_setup",
             "discrete_softq.experiments.pretraining",
             *(f"discrete_softq.plotting.{m}" for m in ("bands", "compose", "continuous", "dp", "dp_study", "gridworld",
                                                       "maze", "pretraining", "svgd", "temperature"))]


@pytest.mark.parametrize("name", DOCTESTED)
def test_docstring_examples(name):
    """The examples in the experiments' and the command line's docstrings give the output shown."""
    import doctest

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", list(demo.DEMOS))
def test_each_demo_main_is_short_wiring(name):
    """A demo's main only wires Args -> experiment -> report -> plots -> files: at most 40 lines, docstring included."""
    import ast
    import inspect

    module = importlib.import_module(demo.DEMOS[name])
    node = ast.parse(inspect.getsource(module.main)).body[0]
    assert node.end_lineno - node.lineno + 1 <= 40


RESULTS = [("discrete_softq.experiments.dp", "DPResult"), ("discrete_softq.experiments.svgd", "SVGDResult"),
           ("discrete_softq.experiments.maze_change", "MazeChangeResult"),
           ("discrete_softq.experiments.composition", "CompositionStudy"),
           ("discrete_softq.experiments.pretraining", "PretrainingResult"),
           ("discrete_softq.experiments.multigoal", "MultiGoalComparison"),
           ("discrete_softq.experiments.multigoal", "MultiGoalResult")]


@pytest.mark.parametrize("module, cls", RESULTS, ids=[c for _, c in RESULTS])
def test_every_experiment_returns_a_frozen_result_with_a_report(module, cls):
    """The result types are frozen dataclasses whose report() is a method (it returns the text; the demo prints it)."""
    result_type = getattr(importlib.import_module(module), cls)
    assert dataclasses.is_dataclass(result_type) and result_type.__dataclass_params__.frozen
    assert callable(getattr(result_type, "report", None))


def test_a_report_is_returned_not_printed(capsys):
    """SVGDResult.report() returns the summary as a string and prints nothing."""
    from discrete_softq.experiments.svgd import SVGDConfig, run_svgd

    text = run_svgd(SVGDConfig(n_particles=5, n_iter=3)).report()
    assert capsys.readouterr().out == "" and text.startswith("1-D mixture after 3 iterations")

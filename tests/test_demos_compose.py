"""Smoke tests: the composition and pre-training demos run end to end with --quick and write their figures."""

import pytest

from discrete_softq import demo


def test_composition_demo_writes_its_figure(tmp_path, capsys):
    """`python -m discrete_softq.demo composition --quick` exits 0, prints the bounds, saves composition.png."""
    assert demo.main(["composition", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "composition.png").stat().st_size > 0
    assert "Lemma 1" in capsys.readouterr().out


def test_composition_demo_help_lists_the_hyperparameters(capsys):
    """--help shows every Args field with its description (the hyperparameter table)."""
    with pytest.raises(SystemExit) as err:
        demo.main(["composition", "--help"])
    assert err.value.code == 0
    out = capsys.readouterr().out
    assert "--alpha" in out and "temperature" in out


def test_pretraining_demo_writes_its_figure(tmp_path, capsys):
    """`python -m discrete_softq.demo pretraining --quick` exits 0, prints the table, saves pretraining.png."""
    assert demo.main(["pretraining", "--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "pretraining.png").stat().st_size > 0
    assert "paired differences" in capsys.readouterr().out

"""Every course notebook runs top to bottom (small budget) without an error.

Each ``notebooks/*.ipynb`` is executed with nbclient in a fresh ``python3`` kernel, from the
``notebooks/`` directory, with ``DISCRETE_SOFTQ_QUICK=1`` (each notebook reads it in its first
code cell and shrinks its loops) and the non-interactive ``Agg`` matplotlib backend. New
notebooks are picked up automatically by the glob.
"""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: Seconds any one cell may take before the run fails.
CELL_TIMEOUT = 300


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    """The notebook executes in quick mode with no cell raising an error."""
    # The kernel inherits this process's environment.
    monkeypatch.setenv("DISCRETE_SOFTQ_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))  # keep notebooks/ clean
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    client.execute()  # raises CellExecutionError (with the failing cell's traceback) on any error
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if out.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    """Notebooks are stored stripped: no outputs and no execution counts (clean diffs, no stale results)."""
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_honours_the_quick_switch(path):
    """The first code cell reads DISCRETE_SOFTQ_QUICK, so the suite can run every notebook on a small budget."""
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "DISCRETE_SOFTQ_QUICK" in first.source

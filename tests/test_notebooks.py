"""Every course notebook runs top to bottom (small budget) without an error.

Each ``notebooks/*.ipynb`` is executed with nbclient in a fresh ``python3`` kernel, from the
``notebooks/`` directory, with ``DISCRETE_SOFTQ_QUICK=1`` (each notebook reads it in its first
code cell and shrinks its loops) and the non-interactive ``Agg`` matplotlib backend. New
notebooks are picked up automatically by the glob. The committed notebooks keep the outputs of a
full run (so they read on the repository); the run here works on a copy and leaves them alone.
"""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: Seconds any one cell may take before the run fails.
CELL_TIMEOUT = 300
#: Largest committed notebook (outputs included, figures as PNG).
MAX_BYTES = 3_000_000


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
def test_notebook_is_committed_with_its_outputs(path):
    """Notebooks are stored executed, so they read on the repository: every code cell ran, in order,
    and printed or drew something or nothing, but no cell stored an error; the file stays small."""
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert None not in counts and counts == sorted(counts), "run every cell top to bottom before committing"
    outputs = [out for cell in code for out in cell.outputs]
    assert outputs and not any(out.get("output_type") == "error" for out in outputs)
    assert path.stat().st_size < MAX_BYTES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_honours_the_quick_switch(path):
    """The first code cell reads DISCRETE_SOFTQ_QUICK, so the suite can run every notebook on a small budget."""
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "DISCRETE_SOFTQ_QUICK" in first.source

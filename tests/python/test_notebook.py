"""examples/quickstart.ipynb runs from top to bottom in a Jupyter kernel of this virtualenv
(nbclient; any error fails the test), and is committed without outputs."""
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import flamecare as fc

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


def test_quickstart_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # "python3" is ipykernel's kernel of the running interpreter: jupyter_client starts it with
    # sys.executable, this virtualenv's Python. The notebook writes under the working directory.
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    first = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert f"flamecare {fc.__version__} from {fc.__file__}" in first, first
    work = tmp_path / "quickstart-output"
    (npz,) = (work / "data").glob("*/*_patch32_*PpI_1Chan.npz")
    assert len(list((work / "datasets").glob("*.json"))) == 1
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) == 1, "the pair is plotted"
    last = "".join(o.get("data", {}).get("text/plain", "") for o in nb.cells[-2].outputs)
    assert "'SYXC'" in last, last


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]

"""docs/notebooks/audit.ipynb runs from top to bottom, and shows what it promises."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "audit.ipynb"


@pytest.mark.slow
def test_the_audit_notebook_executes(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs: the suite makes them"
    )
    client = NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "\n".join(
        o.data["text/html"]
        for o in outputs
        if o.output_type in ("execute_result", "display_data") and "text/html" in o.data
    )
    assert "Verified" in html  # the audit report, through the registered formatter
    assert "delivery-order/v1" in html  # a log entry's record as a table
    assert "<svg" in html  # the order's timeline
    assert "电子送达凭证" in html  # the certificate
    assert "bad-signature" in html  # the tampered bundle's findings, as a table
    assert "<table" in html  # the data frames

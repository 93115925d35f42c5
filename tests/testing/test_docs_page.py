"""docs/testing.md runs: its channel passes the contract and its broken parser is caught."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

PAGE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def page_module() -> types.ModuleType:
    """The page's Python blocks, in order, as one module (as a reader would paste them)."""
    blocks = re.findall(r"^```python\n(.*?)^```$", PAGE.read_text("utf-8"), re.M | re.S)
    assert len(blocks) >= 3
    module = types.ModuleType("testing_page")
    sys.modules[module.__name__] = module
    try:
        exec(compile("\n".join(blocks), str(PAGE), "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module


def test_the_page_runs_and_its_channel_passes_the_contract() -> None:
    page = page_module()  # the last block asserts that the broken parser is caught
    assert page.TestPortalChannel is page.PortalContract.TestCase
    run_state_machine_as_test(
        page.PortalContract,
        settings=settings(
            max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        ),
    )

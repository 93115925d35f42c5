"""The atheris harnesses under fuzz/ still run: every target on mutations of its seeds."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "fuzz" / "run.py"


def test_every_fuzz_target_runs_its_seeds_and_mutations() -> None:
    result = subprocess.run(
        [sys.executable, str(RUN), "--self-test", "--iterations", "30", "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) >= 15
    assert all(line.endswith("30 mutations, no escape") for line in lines)


@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is not None, reason="atheris would start fuzzing"
)
def test_without_atheris_the_runner_says_how_to_get_it() -> None:
    result = subprocess.run(
        [sys.executable, str(RUN), "entry"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "pip install atheris" in result.stderr

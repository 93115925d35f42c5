"""Fixtures for the PostgreSQL store tests: one throwaway cluster per test session.

The cluster machinery lives in ``pgcluster.py`` beside this file (the bench uses it too).
Without PostgreSQL's programs or psycopg the PostgreSQL tests skip, saying why -- except
in CI (``CI=true``), where they fail: CI must run them against a real server.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


def _load_pgcluster() -> ModuleType:
    # The tests are imported with --import-mode=importlib, so this folder is not on
    # sys.path: load the helper by its path, once, under a private name.
    name = "_legaldelivery_tests_pgcluster"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("pgcluster.py")
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


pgcluster = _load_pgcluster()


def _skip_or_fail(problem: str | None) -> None:
    if problem is not None:
        if pgcluster.in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests, but {problem}", pytrace=False)
        pytest.skip(f"no PostgreSQL here: {problem}")


@pytest.fixture(scope="session")
def pg_driver() -> ModuleType:
    """The psycopg module (tests that need the driver but no server)."""
    _skip_or_fail(pgcluster.driver_missing())
    import psycopg

    return psycopg


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """A running PostgreSQL cluster (a ``pgcluster.PgCluster``), stopped at session end."""
    _skip_or_fail(pgcluster.unavailable())
    cluster = pgcluster.start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()

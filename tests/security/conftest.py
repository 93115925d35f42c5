"""Fixtures for the security tests."""

from __future__ import annotations

import pytest

from ._tsa import Pki


@pytest.fixture(scope="session")
def pki() -> Pki:
    """A root CA with one TSA key and certificate per algorithm (RSA, ECDSA, Ed25519)."""
    return Pki()

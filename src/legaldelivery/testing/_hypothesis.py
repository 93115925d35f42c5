"""Hypothesis's entry point: make ``st.from_type(DeliveryOrder)`` and friends work.

Hypothesis runs its entry points while it is being imported. When a test imports
:mod:`legaldelivery.testing.strategies` first, that import is what imports Hypothesis, so
the strategies module is only half built when the hook runs; it registers its strategies
itself when it finishes. The hook therefore lives here, away from the module it
registers, and never looks into a half-built module.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import importlib
import sys

__all__: list[str] = []

_STRATEGIES = "legaldelivery.testing.strategies"


def setup_hook() -> None:
    """Register the library's strategies with Hypothesis (importing them if need be)."""
    if _STRATEGIES in sys.modules:
        # Built, it registered itself; being built, it will when it finishes.
        return
    importlib.import_module(_STRATEGIES)

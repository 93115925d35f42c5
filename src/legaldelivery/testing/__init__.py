"""Test helpers for integrators: Hypothesis strategies, fakes and contracts.

Nothing here is imported by the rest of the library; the modules need the ``testing``
extra (``pip install legaldelivery[testing]``).

.. versionadded:: 0.1.0
"""

"""SHA-256 digests of document bytes and raw evidence, in their one written form.

A digest is written ``sha256:`` followed by 64 lowercase hexadecimal digits; the algorithm
prefix keeps the form open to another algorithm in a later format version.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import attrs

from legaldelivery.errors import InputError
from legaldelivery.records import _checks

__all__ = ["Digest"]

_PREFIX = "sha256:"
_FORM = re.compile(r"sha256:[0-9a-f]{64}\Z", re.ASCII)


@attrs.frozen(kw_only=True)
class Digest:
    """A SHA-256 digest (32 bytes), written ``sha256:<64 lowercase hex digits>``.

    >>> d = Digest.of(b"abc")
    >>> str(d)
    'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    >>> Digest.parse(str(d)) == d
    True
    >>> Digest.parse("SHA256:BA78")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: expected 'sha256:' and 64 lowercase hex digits ...

    .. versionadded:: 0.1.0
    """

    value: bytes = attrs.field(validator=_checks.on_field(_checks.exact_bytes(32)))
    """The 32 raw digest bytes."""

    @classmethod
    def of(cls, data: bytes) -> Digest:
        """The SHA-256 digest of ``data``."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError("expected bytes to digest", path="data", got=type(data).__name__)
        return cls(value=hashlib.sha256(data).digest())

    @classmethod
    def parse(cls, text: Any, *, path: str | None = None) -> Digest:
        """Read the written form strictly: ``sha256:`` and 64 lowercase hex digits."""
        if not isinstance(text, str) or not _FORM.match(text):
            raise InputError("expected 'sha256:' and 64 lowercase hex digits", path=path, got=text)
        return cls(value=bytes.fromhex(text[len(_PREFIX) :]))

    @property
    def hex(self) -> str:
        """The 64 lowercase hex digits, without the algorithm prefix."""
        return self.value.hex()

    def __str__(self) -> str:
        return _PREFIX + self.value.hex()

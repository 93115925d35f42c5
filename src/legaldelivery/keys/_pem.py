"""Checks on what PEM import is given: the document, the passphrase, the expected fingerprint.

Verifiers and signers both load PEM documents; they share these checks so that every
path rejects the same input with the same message, and no message shows a secret.
"""

from __future__ import annotations

import re

from legaldelivery.errors import InputError
from legaldelivery.keys._encoding import _check_bytes

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def _passphrase_bytes(passphrase: object) -> bytes:
    # The passphrase is a secret: no message below ever shows it.
    if isinstance(passphrase, str):
        try:
            passphrase = passphrase.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(
                "the passphrase must be valid Unicode text", path="passphrase"
            ) from None
    if not isinstance(passphrase, bytes):
        raise InputError(
            f"expected the passphrase as str or bytes, not {type(passphrase).__name__}",
            path="passphrase",
        )
    if not 1 <= len(passphrase) <= 1023:
        raise InputError("the passphrase must be 1 to 1023 bytes long", path="passphrase")
    return passphrase


def _expected_fingerprint(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or _FINGERPRINT.fullmatch(value) is None:
        raise InputError(
            "expected a key fingerprint: 64 lowercase hex digits",
            path="expect_fingerprint",
            got=value,
        )
    return value


def _check_fingerprint(found: str, expected: str | None, *, path: str) -> None:
    # A damaged key file can still decode to a valid key (any 32 bytes are an Ed25519
    # seed; CBC decryption garbles a block without breaking the padding), so only a
    # comparison with a fingerprint kept elsewhere tells a damaged key from the real one.
    if expected is not None and found != expected:
        raise InputError(
            f"the key read has fingerprint {found}, not the expected {expected}: the file "
            "is damaged or holds another key",
            path=path,
        )


def _pem_bytes(data: object, *, path: str) -> bytes:
    if isinstance(data, str):
        try:
            return data.encode("ascii")
        except UnicodeEncodeError:
            raise InputError("a PEM document is ASCII text", path=path) from None
    return _check_bytes(data, path=path)

"""Key names, canonical base64 and C2SP signature type bytes, as keys and notes write them.

Verifier keys, signed notes, checkpoints and witness cosignatures all use these rules;
they are defined once, here, so that every reader and writer applies the same ones.
"""

from __future__ import annotations

import base64
import re
import unicodedata

from legaldelivery.errors import InputError

#: C2SP signed-note signature type bytes (c2sp.org/signed-note, "Signature types").
_TYPE_ED25519 = 0x01
_TYPE_ECDSA = 0x02
_OTHER_TYPES = {
    0x03: "reserved",
    0x04: "timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature)",
    0x05: "RFC 6962 TreeHeadSignatures (c2sp.org/static-ct-api)",
    0xFF: "a signature type without an assigned byte",
}

_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _strict_b64decode(text: str) -> bytes | None:
    """Decode standard padded base64 written the one canonical way; ``None`` otherwise.

    Canonical means what every encoder writes: the RFC 4648 alphabet, ``=`` padding, no
    whitespace, and zero bits where the last character has more bits than the data.
    """
    if not _BASE64.fullmatch(text):
        return None
    data = base64.b64decode(text, validate=True)
    if base64.b64encode(data).decode("ascii") != text:
        return None
    return data


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a key name, or ``None`` if it can."""
    if not name:
        return "must not be empty"
    for char in name:
        code = ord(char)
        if char == "+":
            return "must not contain '+'"
        if char.isspace():
            return f"must not contain whitespace (U+{code:04X})"
        if unicodedata.category(char) == "Cc":
            return f"must not contain control characters (U+{code:04X})"
        if 0xD800 <= code <= 0xDFFF:
            return f"must be valid Unicode text (lone surrogate U+{code:04X})"
    return None


def _check_name(name: object, *, path: str = "name") -> str:
    if not isinstance(name, str):
        raise InputError("expected a key name (str)", path=path, got=name)
    problem = _name_problem(name)
    if problem is not None:
        raise InputError(f"a key name {problem}", path=path, got=name)
    return name


def _check_bytes(value: object, *, path: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise InputError("expected bytes", path=path, got=type(value).__name__)

"""Changes to the keys that sign a log, recorded in the log itself.

A verifier that trusts a log's first key follows each :class:`KeyRotation` to the next
key; a :class:`KeyRevocation` says from when a key may no longer be trusted.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any, ClassVar, Literal

import attrs
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant
from legaldelivery.records import _checks
from legaldelivery.records.events import OUR_EVENT_PREFIX, _id, _instant

__all__ = ["KEY_ALGORITHMS", "KeyAlgorithm", "KeyRevocation", "KeyRotation"]

KeyAlgorithm = Literal["ed25519", "ecdsa-p256"]
"""The signature algorithms a log key may use."""

KEY_ALGORITHMS: tuple[KeyAlgorithm, ...] = ("ed25519", "ecdsa-p256")

_FINGERPRINT = re.compile(r"[0-9a-f]{64}\Z", re.ASCII)
_reason = _checks.on_field(_checks.line(_checks.CITATION_MAX))
_key_name_chars = _checks.identifier(255)


def _key_name(value: Any, path: str) -> None:
    """A C2SP signed-note key name: non-empty, no Unicode space, no '+'."""
    _key_name_chars(value, path)
    if "+" in value:
        _checks.fail(path, "a key name must not contain '+' (C2SP signed-note)", value)


def _fingerprint(value: Any, path: str) -> None:
    if not isinstance(value, str) or not _FINGERPRINT.match(value):
        _checks.fail(path, "expected a fingerprint: 64 lowercase hex digits", value)


def _algorithm(value: Any, path: str) -> None:
    if not isinstance(value, str) or value not in KEY_ALGORITHMS:
        _checks.fail(path, "expected 'ed25519' or 'ecdsa-p256'", value)


def _public_key(instance: KeyRotation, attribute: attrs.Attribute[Any], value: Any) -> None:
    path = attribute.name
    if type(value) is not bytes:
        _checks.fail(path, "expected the SubjectPublicKeyInfo DER bytes", type(value).__name__)
    try:
        key = serialization.load_der_public_key(value)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InputError("not a DER SubjectPublicKeyInfo public key", path=path) from exc
    if instance.new_key_algorithm == "ed25519":
        ok = isinstance(key, ed25519.Ed25519PublicKey)
    else:
        ok = isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    if not ok:
        _checks.fail(path, f"expected a {instance.new_key_algorithm} public key")
    canonical = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if canonical != value:
        # The fingerprint is over these bytes: only one encoding of a key may be used.
        _checks.fail(path, "expected the canonical DER encoding (uncompressed point)")


def _matching_fingerprint(
    instance: KeyRotation, attribute: attrs.Attribute[Any], value: Any
) -> None:
    _fingerprint(value, attribute.name)
    if value != hashlib.sha256(instance.new_public_key).hexdigest():
        _checks.fail(
            attribute.name, "expected the SHA-256 of new_public_key in lowercase hex", value
        )


def _not_before_event(instance: KeyRotation, attribute: attrs.Attribute[Any], value: Any) -> None:
    _checks.instant(value, attribute.name)
    if value < instance.event_time:
        _checks.fail(
            attribute.name,
            "a rotation takes effect at or after it is recorded "
            f"(event_time {format_instant(instance.event_time)})",
            format_instant(value),
        )


def _previous_valid_until(
    instance: KeyRotation, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if value is None:
        return
    _checks.instant(value, attribute.name)
    if value < instance.valid_from:
        _checks.fail(
            attribute.name,
            "the previous key stays valid until at or after valid_from "
            f"{format_instant(instance.valid_from)}",
            format_instant(value),
        )


@attrs.frozen(kw_only=True)
class KeyRotation:
    """The log's signing key changes to a new key, introduced by the current one.

    ``new_fingerprint`` must be the SHA-256 of ``new_public_key`` (checked), and the key
    must be of ``new_key_algorithm``. ``previous_valid_until`` is when the old key stops
    being valid: None means at ``valid_from``.

    >>> from datetime import datetime, timezone
    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> from cryptography.hazmat.primitives import serialization
    >>> der = Ed25519PrivateKey.generate().public_key().public_bytes(
    ...     serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    >>> t = datetime(2026, 3, 2, tzinfo=timezone.utc)
    >>> rotation = KeyRotation(event_id="k-2", event_time=t, new_key_name="court.example/log",
    ...     new_key_algorithm="ed25519", new_public_key=der,
    ...     new_fingerprint=hashlib.sha256(der).hexdigest(), valid_from=t,
    ...     previous_valid_until=None, reason="scheduled rotation")
    >>> attrs.evolve(rotation, new_fingerprint="0" * 64)
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: new_fingerprint: expected the SHA-256 of new_public_key ...

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "key-rotation"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the rotation was recorded."""
    new_key_name: str = attrs.field(validator=_checks.on_field(_key_name))
    """The new key's name (a C2SP signed-note key name)."""
    new_key_algorithm: KeyAlgorithm = attrs.field(validator=_checks.on_field(_algorithm))
    """``ed25519`` or ``ecdsa-p256``."""
    new_public_key: bytes = attrs.field(validator=_public_key, repr=lambda b: f"<{len(b)} bytes>")
    """The new public key, SubjectPublicKeyInfo DER (written as padded base64)."""
    new_fingerprint: str = attrs.field(validator=_matching_fingerprint)
    """Lowercase hex SHA-256 of ``new_public_key``."""
    valid_from: datetime = attrs.field(converter=_checks.utc, validator=_not_before_event)
    """From when the new key signs (not before ``event_time``)."""
    previous_valid_until: datetime | None = attrs.field(
        converter=_checks.utc_or_none, validator=_previous_valid_until
    )
    """Until when the previous key stays valid (not before ``valid_from``); None: at
    ``valid_from``."""
    reason: str = attrs.field(validator=_reason)
    """Why the key changes."""

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:key-rotation``."""
        return self.EVENT_URI


@attrs.frozen(kw_only=True)
class KeyRevocation:
    """A key may not be trusted from ``revoked_at`` on (which may precede the record:
    a compromise is often found late).

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "key-revocation"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the revocation was recorded."""
    fingerprint: str = attrs.field(validator=_checks.on_field(_fingerprint))
    """The revoked key's fingerprint."""
    revoked_at: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """From when the key is no longer trusted."""
    reason: str = attrs.field(validator=_reason)
    """Why."""

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:key-revocation``."""
        return self.EVENT_URI

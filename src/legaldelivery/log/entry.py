"""Log entries: the signed, hash-chained unit of evidence, and their exact bytes.

An entry is one canonical JSON object (RFC 8785) with exactly these members::

    format     "legaldelivery/entry/v1"
    origin     the log's name
    seq        0-based position in the log
    time       when the log accepted it, "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    prev       lowercase hex SHA-256 of the previous entry's canonical bytes (64 zeros for seq 0)
    record     the record, an object whose "type" member is its type tag
    signer     fingerprint of the signing key
    signature  standard padded base64 of the signature over the canonical bytes of the
               entry without its "signature" member

The entry's full canonical bytes are its Merkle leaf data and the input of the next
entry's ``prev``. Because members are sorted, the signed bytes always begin with
``{"format":"legaldelivery/entry/v1",`` -- the signature's domain separation.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from legaldelivery import canonical
from legaldelivery.errors import EncodingError, InputError
from legaldelivery.instants import format_instant, parse_instant
from legaldelivery.keys import Signer

__all__ = [
    "ENTRY_FORMAT",
    "GENESIS_PREV",
    "MEMBERS",
    "LogEntry",
    "build_entry",
    "entry_hash",
]

ENTRY_FORMAT = "legaldelivery/entry/v1"
GENESIS_PREV = "0" * 64
MEMBERS = frozenset({"format", "origin", "seq", "time", "prev", "record", "signer", "signature"})
_HEX = frozenset("0123456789abcdef")
MAX_SEQ = 2**53 - 1


def entry_hash(data: bytes) -> str:
    """The chain hash of an entry: lowercase hex SHA-256 of its full canonical bytes."""
    return hashlib.sha256(data).hexdigest()


def _is_hex64(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and _HEX.issuperset(value)


@attrs.frozen(kw_only=True, eq=False)
class LogEntry:
    """One entry of an evidence log, together with its exact canonical bytes.

    Build entries with :func:`build_entry` (signing) or :meth:`LogEntry.parse` (reading);
    both guarantee that ``data`` is the canonical encoding of the other fields. Two entries
    are equal when their bytes are equal.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from datetime import datetime, timezone
    >>> signer = Ed25519Signer.generate("court.example/log")
    >>> e = build_entry(origin="court.example/log", seq=0, prev=GENESIS_PREV,
    ...                 time=datetime(2026, 3, 2, tzinfo=timezone.utc),
    ...                 record={"type": "note/v1", "text": "hello"}, signer=signer)
    >>> LogEntry.parse(e.data) == e
    True
    >>> e.data.startswith(b'{"format":"legaldelivery/entry/v1","origin":')
    True
    """

    origin: str
    seq: int
    time: datetime
    prev: str
    record: Mapping[str, Any]
    signer: str
    signature: bytes
    data: bytes = attrs.field(repr=False)

    @property
    def hash(self) -> str:
        """Lowercase hex SHA-256 of :attr:`data`: the next entry's ``prev``."""
        return entry_hash(self.data)

    @property
    def record_type(self) -> str:
        """The record's type tag (its ``type`` member)."""
        tag = self.record.get("type")
        return tag if isinstance(tag, str) else ""

    def signed_bytes(self) -> bytes:
        """The canonical bytes the signature covers: the entry without ``signature``."""
        return canonical.dumps(self._members(with_signature=False))

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object (a fresh dict)."""
        return self._members(with_signature=True)

    def _members(self, *, with_signature: bool) -> dict[str, Any]:
        members: dict[str, Any] = {
            "format": ENTRY_FORMAT,
            "origin": self.origin,
            "seq": self.seq,
            "time": format_instant(self.time),
            "prev": self.prev,
            "record": self.record,
            "signer": self.signer,
        }
        if with_signature:
            members["signature"] = base64.b64encode(self.signature).decode("ascii")
        return members

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogEntry):
            return NotImplemented
        return self.data == other.data

    def __hash__(self) -> int:
        return hash(self.data)

    @classmethod
    def parse(cls, data: bytes, *, where: str = "entry") -> LogEntry:
        """Read an entry from its canonical bytes, strictly.

        Raises :class:`EncodingError` for bytes that are not canonical JSON and
        :class:`InputError` for a JSON object that is not a well-formed entry; ``where``
        (e.g. ``"entry 12"``) prefixes the error's path. The signature is *not* verified
        here: that needs a key, see :mod:`legaldelivery.audit`.
        """
        try:
            obj = canonical.loads_canonical(data)
        except EncodingError as exc:
            raise exc.within(where) from None
        return cls.from_object(obj, bytes(data), where=where)

    @classmethod
    def from_object(cls, obj: object, data: bytes, *, where: str = "entry") -> LogEntry:
        """Build an entry from its decoded JSON ``obj`` and the canonical ``data`` it came from.

        The caller guarantees ``data == canonical.dumps(obj)`` (as :meth:`parse` does);
        this checks every member.
        """
        if not isinstance(obj, dict):
            raise InputError("an entry must be a JSON object", path=where)
        missing = sorted(MEMBERS - obj.keys())
        extra = sorted(obj.keys() - MEMBERS)
        if missing or extra:
            raise InputError(
                f"an entry has exactly the members {sorted(MEMBERS)}; "
                f"missing {missing}, unexpected {extra}",
                path=where,
            )
        if obj["format"] != ENTRY_FORMAT:
            raise InputError(
                f"expected {ENTRY_FORMAT!r}", path=f"{where}.format", got=obj["format"]
            )
        origin = obj["origin"]
        if not isinstance(origin, str) or not origin:
            raise InputError("expected a non-empty string", path=f"{where}.origin", got=origin)
        seq = obj["seq"]
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
            raise InputError("expected an integer >= 0", path=f"{where}.seq", got=seq)
        time = parse_instant(obj["time"], path=f"{where}.time")
        prev = obj["prev"]
        if not _is_hex64(prev):
            raise InputError("expected 64 lowercase hex digits", path=f"{where}.prev", got=prev)
        record = obj["record"]
        if not isinstance(record, dict) or not isinstance(record.get("type"), str):
            raise InputError(
                "expected an object with a string 'type' member", path=f"{where}.record"
            )
        signer = obj["signer"]
        if not _is_hex64(signer):
            raise InputError(
                "expected a key fingerprint (64 lowercase hex digits)",
                path=f"{where}.signer",
                got=signer,
            )
        signature = _strict_b64(obj["signature"], path=f"{where}.signature")
        return cls(
            origin=origin,
            seq=seq,
            time=time,
            prev=prev,
            record=record,
            signer=signer,
            signature=signature,
            data=data,
        )


def _strict_b64(value: object, *, path: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise InputError("expected standard padded base64", path=path, got=value)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("expected standard padded base64", path=path, got=value) from exc
    # Reject non-canonical encodings (stray bits in the last character) so that one
    # signature has exactly one textual form.
    if base64.b64encode(raw).decode("ascii") != value:
        raise InputError("base64 is not in its canonical form", path=path, got=value)
    return raw


def build_entry(
    *,
    origin: str,
    seq: int,
    time: datetime,
    prev: str,
    record: Mapping[str, Any],
    signer: Signer,
) -> LogEntry:
    """Build and sign the entry with these members.

    The signed bytes and the full bytes differ only by the ``signature`` member, which
    sorts between ``seq`` and ``signer``; the full bytes are formed by splicing it in,
    so the record is canonicalised once per entry.
    """
    time_text = format_instant(time)
    fingerprint = signer.fingerprint
    body = canonical.dumps(
        {
            "format": ENTRY_FORMAT,
            "origin": origin,
            "seq": seq,
            "time": time_text,
            "prev": prev,
            "record": record,
            "signer": fingerprint,
        }
    )
    signature = signer.sign(body)
    tail = (
        b'"signer":'
        + canonical.dumps(fingerprint)
        + b',"time":'
        + canonical.dumps(time_text)
        + b"}"
    )
    signature_member = b'"signature":' + canonical.dumps(
        base64.b64encode(signature).decode("ascii")
    )
    head = body[: len(body) - len(tail)]
    data = head + signature_member + b"," + tail
    return LogEntry(
        origin=origin,
        seq=seq,
        time=parse_instant(time_text),
        prev=prev,
        record=record,
        signer=fingerprint,
        signature=signature,
        data=data,
    )

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
from legaldelivery.instants import format_instant, parse_instant, to_utc
from legaldelivery.keys import Signer

__all__ = [
    "ENTRY_FORMAT",
    "GENESIS_PREV",
    "MAX_ENTRY_BYTES",
    "MEMBERS",
    "EntrySigner",
    "LogEntry",
    "build_entry",
    "entry_hash",
]

ENTRY_FORMAT = "legaldelivery/entry/v1"
GENESIS_PREV = "0" * 64
MEMBERS = frozenset({"format", "origin", "seq", "time", "prev", "record", "signer", "signature"})
_HEX = frozenset("0123456789abcdef")
MAX_SEQ = 2**53 - 1

#: The longest entry, in bytes, that the library writes or reads: 16 MiB. Records hold
#: digests of documents, never the documents, so real entries are a few kilobytes; the
#: bound lets a reader refuse a hostile line without holding it whole.
MAX_ENTRY_BYTES = 16 << 20


_b64 = binascii.b2a_base64


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
        """The canonical bytes the signature covers: the entry without ``signature``.

        :attr:`data` is the canonical encoding of the entry, in which the ``signature``
        member sits just before the last two, ``signer`` and ``time``; cutting it out
        gives the same bytes as encoding the entry without it, with no second encoding.
        """
        tail = (
            b',"signer":'
            + _json_string(self.signer)
            + b',"time":'
            + _json_string(_time_text(self.time))
            + b"}"
        )
        cut = b',"signature":"' + base64.b64encode(self.signature) + b'"' + tail
        if self.data.endswith(cut):
            return self.data[: len(self.data) - len(cut)] + tail
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
        here: that needs a key, see :mod:`legaldelivery.audit`. Bytes longer than
        :data:`MAX_ENTRY_BYTES` are refused before they are decoded.
        """
        if len(data) > MAX_ENTRY_BYTES:
            raise EncodingError(
                f"an entry is at most {MAX_ENTRY_BYTES} bytes, this one is {len(data)}",
                path=where,
            )
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
        if obj.keys() != MEMBERS:
            missing = sorted(MEMBERS - obj.keys())
            extra = sorted(obj.keys() - MEMBERS)
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
        time = _parse_time(obj["time"], where)
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


# The last instant read or written, both ways: the entries of a batch share one time, so
# a log read in order asks for the same conversion over and over. Datetimes are immutable.
_EPOCH = "1970-01-01T00:00:00.000000Z"
_last_instant: list[tuple[str, datetime]] = [(_EPOCH, parse_instant(_EPOCH))]


def _parse_time(text: object, where: str) -> datetime:
    last = _last_instant[0]
    if type(text) is str and text == last[0]:
        return last[1]
    parsed = parse_instant(text, path=f"{where}.time")
    _last_instant[0] = (str(text), parsed)
    return parsed


def _time_text(time: datetime) -> str:
    last = _last_instant[0]
    if time is last[1]:
        return last[0]
    return format_instant(time)


def _json_string(text: str) -> bytes:
    """The canonical JSON of a string: quoted as is when no character needs an escape."""
    if (
        type(text) is str
        and text.isascii()
        and text.isprintable()
        and '"' not in text
        and "\\" not in text
    ):
        return b'"' + text.encode("ascii") + b'"'
    return canonical.dumps(text)


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
    return EntrySigner(origin=origin, signer=signer, time=time).sign(
        seq=seq, prev=prev, record=record
    )


class EntrySigner:
    """Signs the entries of one batch: one origin, one key, one entry time.

    What the entries of a batch share -- the origin, the key's fingerprint and the time,
    with their canonical forms -- is worked out once here rather than once per entry.
    The bytes are assembled from the canonical forms of the members in their sorted
    order, which is exactly :func:`legaldelivery.canonical.dumps` of the entry object
    (RFC 8785 encodes a member's value the same wherever it sits); anything that does
    not have a fixed spelling (an origin or ``prev`` that needs escaping, an odd ``seq``,
    a record the encoder refuses) is left to ``canonical.dumps`` of the whole object,
    which also makes its errors the ones :func:`build_entry` always raised.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from datetime import datetime, timezone
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> batch = EntrySigner(origin="court.example/log", signer=key,
    ...                     time=datetime(2026, 3, 2, tzinfo=timezone.utc))
    >>> first = batch.sign(seq=0, prev=GENESIS_PREV, record={"type": "note/v1"})
    >>> second = batch.sign(seq=1, prev=first.hash, record={"type": "note/v1"})
    >>> canonical.dumps(second.to_json()) == second.data
    True

    .. versionadded:: 0.1.0
    """

    __slots__ = (
        "_head",
        "_origin",
        "_sign",
        "_signer",
        "_tail",
        "_tail_head",
        "_time",
        "_time_text",
    )

    def __init__(self, *, origin: str, signer: Signer, time: datetime) -> None:
        self._origin = origin
        self._signer = signer.fingerprint
        self._sign = signer.sign
        self._head = b'{"format":' + _json_string(ENTRY_FORMAT) + b',"origin":'
        self._head += _json_string(origin) + b',"prev":'
        # "signature" sorts before "signer": the tail is the same in both byte forms.
        self._tail_head = b',"signer":' + _json_string(self._signer) + b',"time":"'
        self._set_time(time)

    def _set_time(self, time: datetime) -> None:
        text = format_instant(time)
        self._time_text = text
        # The plain UTC datetime that parse_instant gives back for that text.
        self._time = to_utc(time)
        # An instant's text is digits and "-:.TZ": its JSON string is itself, quoted.
        self._tail = self._tail_head + text.encode("ascii") + b'"}'

    def at(self, time: datetime) -> EntrySigner:
        """The same origin and key for a batch at another entry ``time``.

        >>> from legaldelivery.keys import Ed25519Signer
        >>> from datetime import datetime, timezone
        >>> key = Ed25519Signer.generate("court.example/log")
        >>> batch = EntrySigner(origin="court.example/log", signer=key,
        ...                     time=datetime(2026, 3, 2, tzinfo=timezone.utc))
        >>> batch.at(datetime(2026, 3, 3, tzinfo=timezone.utc)).time.day
        3
        """
        twin = EntrySigner.__new__(EntrySigner)
        twin._origin = self._origin
        twin._signer = self._signer
        twin._sign = self._sign
        twin._head = self._head
        twin._tail_head = self._tail_head
        twin._set_time(time)
        return twin

    @property
    def time(self) -> datetime:
        """The entry time of the batch (UTC)."""
        return self._time

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the signing key, as the entries name it."""
        return self._signer

    def sign(self, *, seq: int, prev: str, record: Mapping[str, Any]) -> LogEntry:
        """Build and sign the entry at ``seq`` after ``prev`` holding ``record``.

        An entry longer than :data:`MAX_ENTRY_BYTES` is refused: no reader would accept it.
        """
        front = self._head + self._middle(seq, prev, record)
        tail = self._tail
        signature = self._sign(front + tail)
        # Standard base64 never needs a JSON escape: its canonical string is itself, quoted.
        data = front + b',"signature":"' + _b64(signature, newline=False) + b'"' + tail
        if len(data) > MAX_ENTRY_BYTES:
            raise InputError(
                f"an entry is at most {MAX_ENTRY_BYTES} bytes; with this record it would "
                f"be {len(data)}",
                path="record",
            )
        return LogEntry(
            origin=self._origin,
            seq=seq,
            time=self._time,
            prev=prev,
            record=record,
            signer=self._signer,
            signature=signature,
            data=data,
        )

    def _middle(self, seq: int, prev: str, record: Mapping[str, Any]) -> bytes:
        """The canonical bytes from ``prev``'s value up to ``seq``'s value, inclusive."""
        if type(seq) is int and 0 <= seq <= MAX_SEQ and _is_hex64(prev):
            try:
                body = canonical.dumps(record)
            except EncodingError:
                body = None
            if body is not None and type(record) is dict:
                return (
                    b'"' + prev.encode("ascii") + b'","record":' + body + b',"seq":' + (b"%d" % seq)
                )
        # The general case, by the one encoder: it raises what the plain path raises.
        whole = canonical.dumps(
            {
                "format": ENTRY_FORMAT,
                "origin": self._origin,
                "seq": seq,
                "time": self._time_text,
                "prev": prev,
                "record": record,
                "signer": self._signer,
            }
        )
        return whole[len(self._head) : len(whole) - len(self._tail)]

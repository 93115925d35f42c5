"""The proof bundle format of :mod:`legaldelivery.audit.bundle`: its records and how a file is read.

:class:`ProofBundle` and its parts, strict JSON reading and writing, and the field paths
of sealed values that an opening names."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from legaldelivery import canonical, codec
from legaldelivery.errors import EncodingError, InputError
from legaldelivery.keys import Verifier
from legaldelivery.records import (
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    KeyRevocation,
    KeyRotation,
    Opening,
)

if TYPE_CHECKING:
    # Time-stamp tokens are imported when a bundle uses them: ASN.1 parsing need not
    # load with every import of the library.
    from legaldelivery.timestamp import TimestampToken


BUNDLE_FORMAT = "legaldelivery/bundle/v1"
"""The ``format`` member of every bundle this version writes."""

_MEMBERS = frozenset({"format", "origin", "order_id", "checkpoint", "keys", "entries"})
_OPTIONAL = frozenset({"openings", "timestamps"})
_TIMESTAMP_MEMBERS = frozenset({"format", "token"})

TIMESTAMP_FORMATS = frozenset({"rfc3161"})
"""The ``format`` values a ``timestamps`` item of a v1 bundle may have."""
_ENTRY_MEMBERS = frozenset({"entry", "proof"})
_OPENING_MEMBERS = frozenset({"seq", "field", "salt", "value"})
_HEX64 = re.compile(r"[0-9a-f]{64}\Z", re.ASCII)
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\[(0|[1-9][0-9]{0,5})\]", re.ASCII)

_ORDER_TAG = codec.tag_of(DeliveryOrder)
_KEY_TAGS = frozenset({codec.tag_of(KeyRotation), codec.tag_of(KeyRevocation)})
_CONSENT_TAGS = frozenset({codec.tag_of(ConsentRecorded), codec.tag_of(ConsentRevoked)})


# -- the bundle -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BundleEntry:
    """One log entry as the bundle carries it: its exact bytes and its inclusion proof.

    ``data`` is the entry's canonical bytes (written in the bundle as a JSON string, so
    that ``sha256sum`` and ``openssl`` see exactly what was signed and hashed); ``proof``
    the RFC 6962 audit path of the entry in the checkpoint's tree, leaf upwards.

    .. versionadded:: 0.1.0
    """

    data: bytes
    proof: tuple[bytes, ...]

    def seq_hint(self) -> int | None:
        """The entry's ``seq`` if its bytes are readable enough to say; for messages."""
        try:
            obj = canonical.loads(self.data)
        except InputError:
            return None
        seq = obj.get("seq") if isinstance(obj, dict) else None
        return seq if type(seq) is int else None


@attrs.frozen(kw_only=True)
class BundleOpening:
    """The opening of one sealed value in one entry: ``field`` is its path in the entry.

    >>> from legaldelivery.records import Opening
    >>> o = BundleOpening(seq=1, field="record.recipient.name",
    ...                   opening=Opening(salt=bytes(32), value="Defendant One"))
    >>> o.field
    'record.recipient.name'

    .. versionadded:: 0.1.0
    """

    seq: int
    field: str
    opening: Opening


def _is_timestamp_format(instance: object, attribute: object, value: str) -> None:
    if not isinstance(value, str) or value not in TIMESTAMP_FORMATS:
        raise InputError(
            f"expected one of {sorted(TIMESTAMP_FORMATS)} (a v1 bundle knows no other)",
            path="format",
            got=value,
        )


def _is_text(instance: object, attribute: object, value: str) -> None:
    if not isinstance(value, str):
        raise InputError("expected the token's base64 text", path="token", got=type(value))


@attrs.frozen(kw_only=True)
class BundleTimestamp:
    """A trusted-time token over the bundle's checkpoint, kept as the bundle writes it.

    ``token`` is the DER of an RFC 3161 time-stamp token in standard padded base64, kept
    as text so that a bundle read and written again keeps it byte for byte, and so that
    damage to it is a finding of :func:`audit_bundle` rather than an unreadable bundle.
    Build one from a token with :meth:`of`.

    >>> BundleTimestamp(format="rfc3161", token="REVS").der()
    b'DER'
    >>> BundleTimestamp(format="rfc3161", token="REVS=").der()
    Traceback (most recent call last):
    ...
    legaldelivery.errors.EncodingError: token: expected standard padded base64 ...

    .. versionadded:: 0.1.0
    """

    format: str = attrs.field(default="rfc3161", validator=_is_timestamp_format)
    token: str = attrs.field(validator=_is_text)

    @classmethod
    def of(cls, token: TimestampToken) -> BundleTimestamp:
        """The bundle's form of an RFC 3161 ``token``."""
        from legaldelivery.timestamp import TimestampToken

        if not isinstance(token, TimestampToken):
            raise InputError("expected a TimestampToken", path="token", got=type(token).__name__)
        return cls(format="rfc3161", token=base64.b64encode(token.der).decode("ascii"))

    def der(self) -> bytes:
        """The token's DER bytes; :class:`EncodingError` when the text is not strict base64."""
        from legaldelivery.timestamp import MAX_TOKEN_BYTES

        text = self.token
        # The base64 text of the largest token read: 4 characters per 3 bytes, padded.
        longest = 4 * ((MAX_TOKEN_BYTES + 2) // 3)
        if len(text) > longest:
            raise EncodingError(
                f"the token's text is {len(text)} characters; a token of at most "
                f"{MAX_TOKEN_BYTES} bytes takes {longest}",
                path="token",
            )
        raw = _strict_base64(text)
        if raw is None:
            raise EncodingError("expected standard padded base64", path="token", got=text[:40])
        return raw


def _strict_base64(text: str) -> bytes | None:
    """``text`` decoded if it is canonical padded standard base64, else None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    # A non-zero bit in the padding would decode too: only the canonical text is accepted.
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _is_seq(value: object) -> bool:
    return type(value) is int and 0 <= value <= 2**53 - 1


@attrs.frozen(kw_only=True)
class ProofBundle:
    """The proof of service of one order (``legaldelivery/bundle/v1``).

    Read one with :meth:`read` or :meth:`from_bytes`; write it with :meth:`write` or
    :meth:`to_bytes`. Reading checks the bundle's shape only: whether its evidence holds
    is :func:`verify_bundle`'s question.

    >>> from legaldelivery.audit.bundle import extract_bundle
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.log.evidencelog import EvidenceLog
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key)
    >>> _ = log.append_many(sample_records())
    >>> bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    >>> ProofBundle.from_bytes(bundle.to_bytes()) == bundle
    True
    >>> [len(e.proof) for e in bundle.entries]
    [3, 3, 3, 3, 3, 3, 3, 3]

    .. versionadded:: 0.1.0
    """

    origin: str
    order_id: str
    checkpoint: str
    """The signed checkpoint note every proof is checked against."""
    keys: tuple[str, ...]
    """Verifier keys (C2SP vkeys) of the log; listed for reference, never trusted as such."""
    entries: tuple[BundleEntry, ...]
    openings: tuple[BundleOpening, ...] = ()
    timestamps: tuple[BundleTimestamp, ...] = ()
    """Time-stamp tokens over the checkpoint's text (optional; see :class:`BundleTimestamp`)."""

    def to_json(self) -> dict[str, Any]:
        """The bundle as a JSON object."""
        body: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "origin": self.origin,
            "order_id": self.order_id,
            "checkpoint": self.checkpoint,
            "keys": list(self.keys),
            "entries": [
                {"entry": e.data.decode("utf-8"), "proof": [p.hex() for p in e.proof]}
                for e in self.entries
            ],
        }
        if self.openings:
            body["openings"] = [
                {
                    "seq": o.seq,
                    "field": o.field,
                    "salt": base64.b64encode(o.opening.salt).decode("ascii"),
                    "value": o.opening.value,
                }
                for o in self.openings
            ]
        if self.timestamps:
            body["timestamps"] = [{"format": t.format, "token": t.token} for t in self.timestamps]
        return body

    def to_bytes(self) -> bytes:
        """The bundle file: UTF-8 JSON, indented for people, ending in a newline."""
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False)
        return (text + "\n").encode("utf-8")

    def write(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Write the bundle file to ``path`` (an existing file only with ``overwrite``)."""
        target = Path(path)
        if target.exists() and not overwrite:
            raise InputError("file exists; pass overwrite=True to replace it", path=str(target))
        target.write_bytes(self.to_bytes())

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> ProofBundle:
        """Read a bundle file; InputError when it cannot be read or is not a bundle."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(
                f"cannot read the bundle: {exc.__class__.__name__}", path=os.fspath(path)
            ) from exc
        return cls.from_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> ProofBundle:
        """Parse a bundle file's bytes strictly (duplicate members, bad UTF-8... refused)."""
        return cls.from_json(canonical.loads(data))

    @classmethod
    def from_json(cls, obj: object) -> ProofBundle:
        """Build a bundle from its JSON object, checking every member's shape.

        >>> ProofBundle.from_json({"format": "legaldelivery/bundle/v0"})
        Traceback (most recent call last):
        ...
        legaldelivery.errors.InputError: bundle: expected the members [...]
        """
        if not isinstance(obj, dict):
            raise InputError("expected a JSON object", path="bundle")
        keys = set(obj)
        if not keys >= _MEMBERS or keys - _MEMBERS - _OPTIONAL:
            raise InputError(
                f"expected the members {sorted(_MEMBERS)} (and optionally "
                f"{sorted(_OPTIONAL)}); missing {sorted(_MEMBERS - keys)}, unexpected "
                f"{sorted(keys - _MEMBERS - _OPTIONAL)}",
                path="bundle",
            )
        if obj["format"] != BUNDLE_FORMAT:
            raise InputError(f"expected {BUNDLE_FORMAT!r}", path="format", got=obj["format"])
        for name in ("origin", "order_id", "checkpoint"):
            if not isinstance(obj[name], str) or not obj[name]:
                raise InputError("expected a non-empty string", path=name, got=obj[name])
        return cls(
            origin=obj["origin"],
            order_id=obj["order_id"],
            checkpoint=obj["checkpoint"],
            keys=_keys_of(obj["keys"]),
            entries=tuple(
                _entry_of(item, f"entries[{i}]")
                for i, item in enumerate(_list(obj["entries"], "entries"))
            ),
            openings=tuple(
                _opening_of(item, f"openings[{i}]")
                for i, item in enumerate(_list(obj.get("openings", []), "openings"))
            ),
            timestamps=tuple(
                _timestamp_of(item, f"timestamps[{i}]")
                for i, item in enumerate(_list(obj.get("timestamps", []), "timestamps"))
            ),
        )

    def _repr_html_(self) -> str:
        from legaldelivery.audit.render import bundle_html

        return bundle_html(self)


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError("expected an array", path=path, got=type(value).__name__)
    return value


def _keys_of(value: object) -> tuple[str, ...]:
    found = []
    for i, vkey in enumerate(_list(value, "keys")):
        if not isinstance(vkey, str):
            raise InputError("expected a verifier key (vkey) string", path=f"keys[{i}]", got=vkey)
        try:
            Verifier.from_vkey(vkey)
        except InputError as exc:
            raise exc.within(f"keys[{i}]") from None
        found.append(vkey)
    return tuple(found)


def _entry_of(item: object, path: str) -> BundleEntry:
    if not isinstance(item, dict) or set(item) != _ENTRY_MEMBERS:
        raise InputError(f"expected an object with the members {sorted(_ENTRY_MEMBERS)}", path=path)
    text = item["entry"]
    if not isinstance(text, str):
        raise InputError("expected the entry's canonical JSON as a string", path=f"{path}.entry")
    proof = []
    for j, node in enumerate(_list(item["proof"], f"{path}.proof")):
        if not isinstance(node, str) or not _HEX64.match(node):
            raise InputError(
                "expected a SHA-256 hash in 64 lowercase hex digits",
                path=f"{path}.proof[{j}]",
                got=node,
            )
        proof.append(bytes.fromhex(node))
    return BundleEntry(data=text.encode("utf-8"), proof=tuple(proof))


def _opening_of(item: object, path: str) -> BundleOpening:
    if not isinstance(item, dict) or set(item) != _OPENING_MEMBERS:
        raise InputError(
            f"expected an object with the members {sorted(_OPENING_MEMBERS)}", path=path
        )
    if not _is_seq(item["seq"]):
        raise InputError("expected an entry number", path=f"{path}.seq", got=item["seq"])
    if not isinstance(item["field"], str) or _field_path(item["field"]) is None:
        raise InputError(
            "expected a field path such as 'record.recipient.name'",
            path=f"{path}.field",
            got=item["field"],
        )
    salt = item["salt"]
    try:
        raw = base64.b64decode(salt, validate=True) if isinstance(salt, str) else None
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != salt:
        raise InputError("expected standard padded base64", path=f"{path}.salt", got=salt)
    try:
        opening = Opening(salt=raw, value=item["value"])
    except InputError as exc:
        raise exc.within(path) from None
    return BundleOpening(seq=item["seq"], field=item["field"], opening=opening)


def _timestamp_of(item: object, path: str) -> BundleTimestamp:
    if not isinstance(item, dict) or set(item) != _TIMESTAMP_MEMBERS:
        raise InputError(
            f"expected an object with the members {sorted(_TIMESTAMP_MEMBERS)}", path=path
        )
    try:
        return BundleTimestamp(format=item["format"], token=item["token"])
    except InputError as exc:
        raise exc.within(path) from None


def _field_path(text: str) -> list[str | int] | None:
    """``record.channels[0].handle`` as ``["record", "channels", 0, "handle"]``; None if bad."""
    steps: list[str | int] = []
    for part in text.split("."):
        pos = 0
        if not part:
            return None
        while pos < len(part):
            match = _FIELD.match(part, pos)
            # A part is a name followed by any number of [index] suffixes.
            if match is None or (pos == 0) != (match.group(1) is None):
                return None
            steps.append(int(match.group(1)) if match.group(1) is not None else match.group(0))
            pos = match.end()
    return steps


def _resolve(obj: Any, steps: Sequence[str | int]) -> Any:
    for step in steps:
        if isinstance(step, int):
            if not isinstance(obj, list) or step >= len(obj):
                raise KeyError(step)
        elif not isinstance(obj, dict) or step not in obj:
            raise KeyError(step)
        obj = obj[step]
    return obj

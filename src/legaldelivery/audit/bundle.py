"""Proof-of-service bundles: one order's evidence, provable offline without the log.

A bundle holds one order's log entries (exact bytes), an RFC 6962 inclusion proof for
each against one signed checkpoint, that checkpoint (with any witness cosignatures), the
verifier keys and, optionally, openings of sealed personal values and RFC 3161 time-stamp
tokens over the checkpoint. :func:`extract_bundle` cuts it from a log;
:func:`verify_bundle` checks it with nothing but the keys (and TSA certificates, witness
policy) the verifier trusts and returns a
:class:`~legaldelivery.audit.certificate.ServiceCertificate`. The other orders of the log
stay private: only Merkle hashes of their entries appear, inside the proofs.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import base64
import binascii
import copy
import enum
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from legaldelivery import canonical, codec, merkle, notes
from legaldelivery.audit.certificate import (
    ServiceCertificate,
    TrustedTime,
    WitnessCosignature,
    build_certificate,
)
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import (
    EncodingError,
    InputError,
    LegalDeliveryError,
    ProofError,
    SignatureError,
    VerificationError,
)
from legaldelivery.instants import format_instant
from legaldelivery.keys import KeyRing, Verifier, verifier_from_public_bytes
from legaldelivery.log.entry import LogEntry
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import (
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    KeyRevocation,
    KeyRotation,
    Opening,
    Sealed,
    ServiceDetermination,
)

if TYPE_CHECKING:
    # Trusted time and witnesses are imported when a bundle uses them: ASN.1 and X.509
    # parsing need not load with every import of the library.
    from cryptography import x509

    from legaldelivery.timestamp import TimestampToken
    from legaldelivery.witness import WitnessPolicy

__all__ = [
    "BUNDLE_FORMAT",
    "TIMESTAMP_FORMATS",
    "BundleEntry",
    "BundleError",
    "BundleFinding",
    "BundleFindingKind",
    "BundleOpening",
    "BundleReport",
    "BundleTimestamp",
    "ProofBundle",
    "audit_bundle",
    "extract_bundle",
    "verify_bundle",
]

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

    >>> from legaldelivery.keys import Ed25519Signer
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


# -- extraction -------------------------------------------------------------------------


def _sealed_paths(obj: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """Every ``(path, commitment text)`` of a sealed value inside a JSON value."""
    if isinstance(obj, dict):
        if set(obj) == {"sealed"} and isinstance(obj["sealed"], str):
            yield prefix, obj["sealed"]
            return
        for key in sorted(obj):
            yield from _sealed_paths(obj[key], f"{prefix}.{key}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _sealed_paths(item, f"{prefix}[{i}]")


def extract_bundle(
    log: EvidenceLog,
    order_id: str,
    *,
    checkpoint: str,
    keys: Iterable[Verifier] = (),
    openings: Iterable[Opening] = (),
    timestamps: Iterable[TimestampToken] = (),
) -> ProofBundle:
    """Cut the proof-of-service bundle of order ``order_id`` from ``log``.

    ``checkpoint`` is a signed checkpoint note of this log (``log.checkpoint()``): the
    bundle holds the entries within its size, each with an inclusion proof against it.
    The entries are the order itself, every entry naming the order (``order_id``), the
    recipient's consent records that name no other order, and the log's key rotations
    and revocations (a verifier follows them from the first key). ``keys`` are listed in
    the bundle with the keys the rotations introduce; ``openings`` (of sealed personal
    values) are included where they open a value in those entries. ``timestamps`` are
    RFC 3161 tokens over the checkpoint (``TimestampAuthority.stamp(checkpoint)``), carried
    as they are; their signatures are for the verifier to check against the TSAs it trusts.

    >>> from datetime import datetime, timezone
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key,
    ...                          clock=lambda: datetime(2026, 3, 2, 1, tzinfo=timezone.utc))
    >>> _ = log.append_many(sample_records())
    >>> bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint(),
    ...                         keys=[key.verifier])
    >>> len(bundle.entries), verify_bundle(bundle, trusted=[key.verifier]).served
    (8, False)

    Raises :class:`InputError` when the checkpoint is not one of this log's, or the log
    has no such order within it, or an opening opens nothing in the bundle, or a token
    stamps anything but this checkpoint's text.

    .. versionadded:: 0.1.0
    """
    if not isinstance(log, EvidenceLog):
        raise InputError("expected an EvidenceLog", path="log", got=type(log).__name__)
    try:
        cp = Checkpoint.from_text(notes.text_of(checkpoint))
    except LegalDeliveryError as exc:
        raise InputError(f"not a signed checkpoint note: {exc}", path="checkpoint") from exc
    if cp.origin != log.origin:
        raise InputError(
            f"the checkpoint is of log {cp.origin!r}, not {log.origin!r}", path="checkpoint"
        )
    if cp.size > log.size or log.root_hash(cp.size) != cp.root_hash:
        raise InputError(
            f"the checkpoint (size {cp.size}) does not match this log's tree at that size: "
            "another log, or this one was changed",
            path="checkpoint",
        )
    stamps = _stamps_over(cp, timestamps)
    picked: list[LogEntry] = []
    consents: dict[str, list[LogEntry]] = {}
    recipient: str | None = None
    for entry in log.entries(0, cp.size):
        record = entry.record
        tag = entry.record_type
        if tag in _KEY_TAGS or record.get("order_id") == order_id:
            picked.append(entry)
            if tag == _ORDER_TAG:
                recipient = _party_of(record.get("recipient"))
        elif tag in _CONSENT_TAGS and record.get("order_id") is None:
            party = _party_of(record.get("consent")) if "consent" in record else None
            party = party or _party_of(record)
            if party is not None:
                consents.setdefault(party, []).append(entry)
    if recipient is None:
        raise InputError(
            f"the log has no delivery order {order_id!r} within the checkpoint's {cp.size} entries",
            path="order_id",
        )
    picked.extend(consents.get(recipient, []))
    picked.sort(key=lambda e: e.seq)
    listed = [v.vkey for v in keys]
    for entry in picked:
        if entry.record_type == codec.tag_of(KeyRotation):
            rotation = codec.decode(entry.record, KeyRotation)
            listed.append(
                verifier_from_public_bytes(
                    rotation.new_key_algorithm, rotation.new_key_name, rotation.new_public_key
                ).vkey
            )
    found: list[BundleOpening] = []
    for i, opening in enumerate(openings):
        if not isinstance(opening, Opening):
            raise InputError("expected an Opening", path=f"openings[{i}]")
        target = str(opening.sealed())
        hits = [
            BundleOpening(seq=e.seq, field=path, opening=opening)
            for e in picked
            for path, text in _sealed_paths(e.record, "record")
            if text == target
        ]
        if not hits:
            raise InputError(
                f"opens no sealed value in the entries of order {order_id!r}",
                path=f"openings[{i}]",
            )
        found.extend(hits)
    return ProofBundle(
        origin=log.origin,
        order_id=order_id,
        checkpoint=checkpoint,
        keys=tuple(dict.fromkeys(listed)),
        entries=tuple(
            BundleEntry(data=e.data, proof=tuple(log.inclusion_proof(e.seq, cp.size)))
            for e in picked
        ),
        openings=tuple(found),
        timestamps=stamps,
    )


def _stamps_over(cp: Checkpoint, tokens: Iterable[TimestampToken]) -> tuple[BundleTimestamp, ...]:
    """The bundle's form of ``tokens``, each of which must stamp ``cp``'s text."""
    from legaldelivery.timestamp import DIGEST_ALGORITHMS, TimestampToken, checkpoint_digest

    if isinstance(tokens, (str, bytes, TimestampToken)) or not isinstance(tokens, Iterable):
        raise InputError("expected an iterable of TimestampToken", path="timestamps")
    found = []
    for i, token in enumerate(tokens):
        if not isinstance(token, TimestampToken):
            raise InputError(
                "expected a TimestampToken", path=f"timestamps[{i}]", got=type(token).__name__
            )
        algorithm, digest = token.imprint
        if algorithm not in DIGEST_ALGORITHMS or digest != checkpoint_digest(cp, algorithm):
            raise InputError(
                f"the token stamps another document than the checkpoint of size {cp.size}",
                path=f"timestamps[{i}]",
            )
        found.append(BundleTimestamp.of(token))
    return tuple(found)


def _party_of(obj: object) -> str | None:
    party = obj.get("party_id") if isinstance(obj, dict) else None
    return party if isinstance(party, str) else None


# -- findings ---------------------------------------------------------------------------


class BundleFindingKind(enum.Enum):
    """The kinds of defect a bundle check reports. Values are stable identifiers.

    Every kind is a defect (a finding: the bundle does not verify) except
    ``TIMESTAMP_UNCHECKED``, which is only ever a notice (:attr:`BundleReport.notices`).

    .. versionadded:: 0.1.0
    """

    UNREADABLE = "unreadable"
    """The entry's bytes are not canonical JSON, or not a well-formed entry."""
    WRONG_ORIGIN = "wrong-origin"
    DUPLICATE = "duplicate"
    """Two entries of the bundle have the same number."""
    OUTSIDE_CHECKPOINT = "outside-checkpoint"
    """The entry's number is not below the checkpoint's size."""
    NOT_INCLUDED = "not-included"
    """The inclusion proof does not lead from the entry to the checkpoint's root."""
    UNKNOWN_SIGNER = "unknown-signer"
    KEY_NOT_VALID = "key-not-valid"
    BAD_SIGNATURE = "bad-signature"
    BAD_ROTATION = "bad-rotation"
    BROKEN_CHAIN = "broken-chain"
    """Two consecutive entries whose ``prev`` does not hash the one before."""
    TIME_BACKWARDS = "time-backwards"
    UNDECODABLE_RECORD = "undecodable-record"
    FOREIGN_ENTRY = "foreign-entry"
    """An entry about another order (or another party's consent)."""
    NO_ORDER = "no-order"
    """The bundle does not hold exactly one delivery order with its ``order_id``."""
    CHECKPOINT_INVALID = "checkpoint-invalid"
    BAD_OPENING = "bad-opening"
    TIMESTAMP_INVALID = "timestamp-invalid"
    """A time-stamp token that is damaged, stamps something else, or is not from a trusted
    TSA (checked only when the verifier gives TSA certificates)."""
    TIMESTAMP_UNCHECKED = "timestamp-unchecked"
    """A notice, not a defect: the bundle carries a token, but no TSA was trusted to check it."""
    WITNESS_QUORUM = "witness-quorum"
    """The checkpoint lacks the cosignatures the verifier's witness policy requires."""
    TIME_AFTER_TIMESTAMP = "time-after-timestamp"
    """The entry's logged time is later than a verified RFC 3161 token's time over a
    checkpoint that includes it: the log claims to have written it after a TSA saw it."""
    BROKEN_SUPERSESSION = "broken-supersession"
    """A determination's ``supersedes`` names no determination of the order in the bundle
    (or the determinations supersede each other in a cycle, so none is current)."""
    AMBIGUOUS_DETERMINATION = "ambiguous-determination"
    """Two determinations of the order that no other supersedes state different times of
    service: which one is current is not for the verifier to guess."""


@attrs.frozen(kw_only=True)
class BundleFinding:
    """One defect of a bundle: its kind, the log entry it is about, and why.

    ``entry`` is the log entry number when the entry says it; ``index`` is the position
    in the bundle's ``entries`` (for an entry too damaged to say its number); ``member``
    the bundle member a finding about no entry concerns, such as ``timestamps[0].token``.

    >>> str(BundleFinding(kind=BundleFindingKind.NOT_INCLUDED, entry=5, index=2,
    ...                   message="the proof leads to another root"))
    'entry 5 (bundle entries[2]): not-included: the proof leads to another root'
    >>> str(BundleFinding(kind=BundleFindingKind.TIMESTAMP_INVALID, entry=None,
    ...                   member="timestamps[0].token", message="not base64"))
    'bundle timestamps[0].token: timestamp-invalid: not base64'

    .. versionadded:: 0.1.0
    """

    kind: BundleFindingKind
    entry: int | None
    message: str
    index: int | None = None
    member: str | None = None

    def __str__(self) -> str:
        if self.entry is not None and self.index is not None:
            where = f"entry {self.entry} (bundle entries[{self.index}])"
        elif self.entry is not None:
            where = f"entry {self.entry}"
        elif self.index is not None:
            where = f"bundle entries[{self.index}]"
        elif self.member is not None:
            where = f"bundle {self.member}"
        else:
            where = "bundle"
        return f"{where}: {self.kind.value}: {self.message}"


class BundleError(VerificationError):
    """A bundle did not verify; ``findings`` lists every defect found.

    .. versionadded:: 0.1.0
    """

    def __init__(self, findings: Sequence[BundleFinding]) -> None:
        self.findings = tuple(findings)
        first = self.findings[0] if self.findings else None
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(f"the bundle does not verify: {first}{more}")

    def diagnostics(self) -> str:
        return "\n".join([f"{type(self).__name__}: {self}", *(f"  {f}" for f in self.findings)])


@attrs.frozen(kw_only=True)
class BundleReport:
    """The result of checking a bundle: every finding, and the certificate if none.

    ``notices`` are what an auditor should know that is no defect: a time-stamp token
    that was not checked because no TSA certificate was trusted.

    .. versionadded:: 0.1.0
    """

    origin: str
    order_id: str
    findings: tuple[BundleFinding, ...]
    certificate: ServiceCertificate | None
    checkpoint: Checkpoint | None
    size: int
    """How many entries the bundle holds."""
    notices: tuple[BundleFinding, ...] = ()

    @property
    def ok(self) -> bool:
        """True when there is no finding (and so there is a certificate)."""
        return not self.findings

    def raise_for_findings(self) -> ServiceCertificate:
        """The certificate, or :class:`BundleError` carrying every finding."""
        if self.findings or self.certificate is None:
            raise BundleError(self.findings)
        return self.certificate

    def summary(self) -> str:
        """One paragraph for a human: verified or not, each finding on its own line."""
        head = f"bundle of order {self.order_id!r} from log {self.origin!r}: {self.size} entries"
        told = [f"note: {f}" for f in self.notices]
        if self.ok:
            return "\n".join([head, "verified: no findings", *told])
        lines = [head, f"NOT verified: {len(self.findings)} finding(s)"]
        lines.extend(str(f) for f in self.findings)
        return "\n".join([*lines, *told])

    def _repr_html_(self) -> str:
        from legaldelivery.audit.render import bundle_report_html

        return bundle_report_html(self)


# -- verification -----------------------------------------------------------------------


@attrs.define
class _Item:
    index: int
    entry: LogEntry
    proof: tuple[bytes, ...]
    record: object = None
    signed: bool = False


class _Checker:
    def __init__(self, bundle: ProofBundle, trusted: Sequence[Verifier] | KeyRing) -> None:
        self.bundle = bundle
        self.ring = KeyRing()
        for verifier in trusted:
            if verifier.fingerprint not in self.ring:
                self.ring.add(verifier)
        self.findings: list[BundleFinding] = []
        self.notices: list[BundleFinding] = []
        self.items: list[_Item] = []
        self.current_key: str | None = None
        self.note: notes.Note | None = None
        """The checkpoint note, once its log signature verified."""
        self.stamped_by = ""
        """The ``timestamps[i]`` member of the earliest token that verified."""

    def find(
        self,
        kind: BundleFindingKind,
        entry: int | None,
        message: str,
        index: int | None,
        member: str | None = None,
    ) -> None:
        finding = BundleFinding(kind=kind, entry=entry, message=message, index=index, member=member)
        if kind is BundleFindingKind.TIMESTAMP_UNCHECKED:
            self.notices.append(finding)
        else:
            self.findings.append(finding)

    def read_entries(self) -> None:
        seen: dict[int, int] = {}
        for i, item in enumerate(self.bundle.entries):
            try:
                entry = LogEntry.parse(item.data, where="entry")
            except InputError as exc:
                self.find(
                    BundleFindingKind.UNREADABLE,
                    item.seq_hint(),
                    f"not a well-formed, canonical log entry: {exc}",
                    i,
                )
                continue
            if entry.seq in seen:
                self.find(
                    BundleFindingKind.DUPLICATE,
                    entry.seq,
                    f"the bundle also holds entry {entry.seq} at entries[{seen[entry.seq]}]",
                    i,
                )
                continue
            seen[entry.seq] = i
            if entry.origin != self.bundle.origin:
                self.find(
                    BundleFindingKind.WRONG_ORIGIN,
                    entry.seq,
                    f"origin is {entry.origin!r}, but the bundle is of log {self.bundle.origin!r}",
                    i,
                )
            self.items.append(_Item(index=i, entry=entry, proof=item.proof))
        self.items.sort(key=lambda it: it.entry.seq)

    def check_signatures(self) -> None:
        previous: _Item | None = None
        for item in self.items:
            entry = item.entry
            item.signed = self._signature(item)
            try:
                item.record = codec.decode(entry.record)
            except InputError as exc:
                self.find(
                    BundleFindingKind.UNDECODABLE_RECORD,
                    entry.seq,
                    f"the record does not decode: {exc}",
                    item.index,
                )
            if item.signed and isinstance(item.record, (KeyRotation, KeyRevocation)):
                self._key_event(item, item.record)
            if previous is not None:
                self._neighbours(previous, item)
            previous = item

    def _signature(self, item: _Item) -> bool:
        entry = item.entry
        if self.current_key is not None and entry.signer != self.current_key:
            self.find(
                BundleFindingKind.KEY_NOT_VALID,
                entry.seq,
                f"signed by {entry.signer}, but the log's key then is {self.current_key}",
                item.index,
            )
        try:
            verifier = self.ring.verifier_at(entry.signer, entry.time)
        except SignatureError as exc:
            kind = (
                BundleFindingKind.UNKNOWN_SIGNER
                if entry.signer not in self.ring
                else BundleFindingKind.KEY_NOT_VALID
            )
            self.find(kind, entry.seq, str(exc), item.index)
            return False
        try:
            verifier.verify(entry.signature, entry.signed_bytes())
        except SignatureError:
            self.find(
                BundleFindingKind.BAD_SIGNATURE,
                entry.seq,
                f"the signature does not verify with key {entry.signer}",
                item.index,
            )
            return False
        if self.current_key is None:
            self.current_key = entry.signer
        return True

    def _key_event(self, item: _Item, record: KeyRotation | KeyRevocation) -> None:
        entry = item.entry
        try:
            if isinstance(record, KeyRevocation):
                if record.fingerprint in self.ring:
                    self.ring.revoke(record.fingerprint, record.revoked_at)
                return
            verifier = verifier_from_public_bytes(
                record.new_key_algorithm, record.new_key_name, record.new_public_key
            )
            if verifier.fingerprint not in self.ring:
                self.ring.add(verifier, not_before=record.valid_from)
            self.ring.expire(entry.signer, record.previous_valid_until or record.valid_from)
        except LegalDeliveryError as exc:
            self.find(
                BundleFindingKind.BAD_ROTATION,
                entry.seq,
                f"the key event is not usable: {exc}",
                item.index,
            )
            return
        self.current_key = record.new_fingerprint

    def _neighbours(self, before: _Item, item: _Item) -> None:
        entry = item.entry
        if entry.seq == before.entry.seq + 1 and entry.prev != before.entry.hash:
            self.find(
                BundleFindingKind.BROKEN_CHAIN,
                entry.seq,
                f"prev is {entry.prev}, but entry {before.entry.seq} hashes to {before.entry.hash}",
                item.index,
            )
        if entry.time < before.entry.time:
            self.find(
                BundleFindingKind.TIME_BACKWARDS,
                entry.seq,
                f"time {entry.time.isoformat()} is before entry {before.entry.seq}'s "
                f"{before.entry.time.isoformat()}",
                item.index,
            )

    def check_checkpoint(self) -> Checkpoint | None:
        """The checkpoint the proofs are checked against (even when unverified)."""
        note = self.bundle.checkpoint
        try:
            # Verified first: the note is then parsed once, as nearly all bundles go.
            self.note = notes.open(note, self.ring)
        except LegalDeliveryError as exc:
            failure: LegalDeliveryError | None = exc
            text: str | None = None
        else:
            failure, text = None, self.note.text
        try:
            claimed = Checkpoint.from_text(text if text is not None else notes.text_of(note))
        except LegalDeliveryError as exc:
            self.note = None
            self.find(BundleFindingKind.CHECKPOINT_INVALID, None, f"cannot be read: {exc}", None)
            return None
        if failure is not None:
            self.find(BundleFindingKind.CHECKPOINT_INVALID, None, str(failure), None)
        if claimed.origin != self.bundle.origin:
            self.find(
                BundleFindingKind.CHECKPOINT_INVALID,
                None,
                f"the checkpoint is of log {claimed.origin!r}, not {self.bundle.origin!r}",
                None,
            )
        return claimed

    def check_timestamps(
        self, cp: Checkpoint | None, tsa: tuple[x509.Certificate, ...] | None
    ) -> TrustedTime | None:
        """Check every token over ``cp``; the earliest that verified, as the certificate says."""
        from legaldelivery.timestamp import TimestampToken

        earliest: TrustedTime | None = None
        for i, stamp in enumerate(self.bundle.timestamps):
            member = f"timestamps[{i}]"
            try:
                token = TimestampToken(der=stamp.der())
            except LegalDeliveryError as exc:
                self.find(
                    BundleFindingKind.TIMESTAMP_INVALID,
                    None,
                    f"not a readable RFC 3161 token: {exc}",
                    None,
                    f"{member}.token",
                )
                continue
            if tsa is None:
                self.find(
                    BundleFindingKind.TIMESTAMP_UNCHECKED,
                    None,
                    f"the token claims the time {format_instant(token.gen_time)}; not checked, "
                    "as no TSA certificate is trusted",
                    None,
                    member,
                )
                continue
            if cp is None:
                continue  # the unreadable checkpoint is a finding already
            try:
                token.verify(cp, trusted=tsa)
                authority = token.signer_certificate(tsa).subject.rfc4514_string()
            except LegalDeliveryError as exc:
                self.find(BundleFindingKind.TIMESTAMP_INVALID, None, str(exc), None, member)
                continue
            if earliest is None or token.gen_time < earliest.time:
                self.stamped_by = member
                earliest = TrustedTime(
                    time=token.gen_time,
                    authority=authority,
                    serial_number=token.serial_number,
                    policy=token.policy,
                    accuracy=token.accuracy,
                )
        return earliest

    def check_witnesses(self, policy: WitnessPolicy | None) -> tuple[WitnessCosignature, ...]:
        """The policy's witnesses that cosigned the checkpoint, or a finding without a quorum."""
        if policy is None or self.note is None:
            # An unverified checkpoint is a finding already; its cosignatures vouch for nothing.
            return ()
        try:
            witnessed = policy.verify(self.bundle.checkpoint, self.ring)
        except LegalDeliveryError as exc:
            self.find(BundleFindingKind.WITNESS_QUORUM, None, str(exc), None, "checkpoint")
            return ()
        return tuple(
            WitnessCosignature(name=w.name, key_id=w.key_id.hex(), time=c.time)
            for w, c in witnessed.cosignatures
        )

    def check_proofs(self, cp: Checkpoint) -> None:
        for item in self.items:
            seq = item.entry.seq
            if seq >= cp.size:
                self.find(
                    BundleFindingKind.OUTSIDE_CHECKPOINT,
                    seq,
                    f"the checkpoint covers entries 0..{cp.size - 1} only",
                    item.index,
                )
                continue
            try:
                merkle.verify_inclusion(
                    merkle.leaf_hash(item.entry.data), seq, cp.size, list(item.proof), cp.root_hash
                )
            except (ProofError, InputError) as exc:
                self.find(
                    BundleFindingKind.NOT_INCLUDED,
                    seq,
                    f"its inclusion proof does not lead to the checkpoint's root: {exc}",
                    item.index,
                )

    def check_relevance(self) -> DeliveryOrder | None:
        order_id = self.bundle.order_id
        orders = [
            it
            for it in self.items
            if isinstance(it.record, DeliveryOrder) and it.record.order_id == order_id
        ]
        if len(orders) != 1:
            self.find(
                BundleFindingKind.NO_ORDER,
                None,
                f"expected exactly one delivery order {order_id!r}, found {len(orders)}",
                None,
            )
            return None
        order = orders[0].record
        assert isinstance(order, DeliveryOrder)
        recipient = order.recipient.party_id
        for item in self.items:
            record = item.record
            if record is None or isinstance(record, (KeyRotation, KeyRevocation)):
                continue
            about = getattr(record, "order_id", None)
            if isinstance(record, ConsentRecorded):
                party = record.consent.party_id
            elif isinstance(record, ConsentRevoked):
                party = record.party_id
            else:
                party = None
            if about == order_id or (about is None and party == recipient):
                continue
            what = f"order {about!r}" if about is not None else f"party {party!r}"
            self.find(
                BundleFindingKind.FOREIGN_ENTRY,
                item.entry.seq,
                f"the entry is about {what}, not order {order_id!r}",
                item.index,
            )
        return order

    def check_time_stamped(self, cp: Checkpoint, stamp: TrustedTime) -> None:
        """Every entry the stamped checkpoint includes was logged no later than the stamp."""
        for item in self.items:
            entry = item.entry
            # Without a verified inclusion proof the entry is a finding already.
            # The TSA's stated accuracy is the tolerance: within it, the two clocks agree.
            if entry.seq < cp.size and entry.time > stamp.time + (stamp.accuracy or timedelta(0)):
                self.find(
                    BundleFindingKind.TIME_AFTER_TIMESTAMP,
                    entry.seq,
                    f"logged at {format_instant(entry.time)}, after the time "
                    f"{format_instant(stamp.time)} of the verified token {self.stamped_by} "
                    f"over a checkpoint of size {cp.size} that includes it",
                    item.index,
                )

    def check_determinations(self) -> None:
        """Each ``supersedes`` names a determination of the order; the current one is clear."""
        made = [
            (it, it.record)
            for it in self.items
            if isinstance(it.record, ServiceDetermination)
            and it.record.order_id == self.bundle.order_id
        ]
        known = {record.event_id for _, record in made}
        named = {record.supersedes for _, record in made if record.supersedes is not None}
        for it, record in made:
            if record.supersedes is not None and record.supersedes not in known:
                self.find(
                    BundleFindingKind.BROKEN_SUPERSESSION,
                    it.entry.seq,
                    f"determination {record.event_id!r} supersedes {record.supersedes!r}, "
                    f"which is no determination of order {self.bundle.order_id!r} in the bundle",
                    it.index,
                )
        heads = [(it, record) for it, record in made if record.event_id not in named]
        if made and not heads:
            first = made[0][0]
            self.find(
                BundleFindingKind.BROKEN_SUPERSESSION,
                first.entry.seq,
                "every determination of the order is superseded by another (a cycle): "
                "none is current",
                first.index,
            )
        # An interim head (no time of service) yields to the chain; two times cannot both hold.
        stated = [(it, record) for it, record in heads if record.time_of_service is not None]
        for it, record in stated[1:]:
            first, earlier = stated[0]
            if record.time_of_service != earlier.time_of_service:
                assert record.time_of_service is not None
                assert earlier.time_of_service is not None
                self.find(
                    BundleFindingKind.AMBIGUOUS_DETERMINATION,
                    it.entry.seq,
                    f"determination {record.event_id!r} finds service at "
                    f"{format_instant(record.time_of_service)}, determination "
                    f"{earlier.event_id!r} (entry {first.entry.seq}) at "
                    f"{format_instant(earlier.time_of_service)}, and neither is superseded",
                    it.index,
                )

    def open_sealed(self) -> list[str]:
        by_seq = {it.entry.seq: it for it in self.items}
        opened: list[str] = []
        changed: dict[int, dict[str, Any]] = {}
        for i, o in enumerate(self.bundle.openings):
            item = by_seq.get(o.seq)
            where = f"openings[{i}] ({o.field})"
            if item is None:
                self.find(
                    BundleFindingKind.BAD_OPENING,
                    o.seq,
                    f"{where}: the bundle holds no such entry",
                    None,
                )
                continue
            steps = _field_path(o.field)
            assert steps is not None  # checked when the bundle was read
            body = changed.setdefault(o.seq, {"record": copy.deepcopy(dict(item.entry.record))})
            try:
                sealed = _resolve(body, steps[:-1])[steps[-1]]
                commitment = Sealed.parse(sealed["sealed"] if isinstance(sealed, dict) else None)
                commitment.verify(o.opening)
            except (KeyError, IndexError, TypeError) as exc:
                self.find(
                    BundleFindingKind.BAD_OPENING,
                    o.seq,
                    f"{where}: the entry has no such field ({exc})",
                    item.index,
                )
                continue
            except LegalDeliveryError as exc:
                self.find(BundleFindingKind.BAD_OPENING, o.seq, f"{where}: {exc}", item.index)
                continue
            _resolve(body, steps[:-1])[steps[-1]] = o.opening.value
            opened.append(f"entry {o.seq}: {o.field}")
        for seq, body in changed.items():
            item = by_seq[seq]
            try:
                item.record = codec.decode(body["record"])
            except InputError as exc:
                self.find(
                    BundleFindingKind.BAD_OPENING,
                    seq,
                    f"the opened record does not decode: {exc}",
                    item.index,
                )
        return opened


def _load(bundle: ProofBundle | str | os.PathLike[str] | bytes) -> ProofBundle | BundleReport:
    """The bundle; or, when the file is no longer JSON because of damage inside one entry,
    the report naming that entry."""
    if isinstance(bundle, ProofBundle):
        return bundle
    if isinstance(bundle, (str, os.PathLike)):
        try:
            data = Path(bundle).read_bytes()
        except OSError as exc:
            raise InputError(
                f"cannot read the bundle: {exc.__class__.__name__}", path=os.fspath(bundle)
            ) from exc
    elif isinstance(bundle, bytes):
        data = bundle
    else:
        raise InputError(
            "expected a ProofBundle, a bundle file path or its bytes",
            path="bundle",
            got=type(bundle).__name__,
        )
    try:
        return ProofBundle.from_bytes(data)
    except InputError as exc:
        damaged = _damaged_entry(data, exc)
        if damaged is None:
            raise
        return damaged


_AT_BYTE = re.compile(r"at byte (\d+)")
_ENTRY_KEY = re.compile(rb'"entry"\s*:\s*"')
_PROOF_KEY = re.compile(rb'"proof"\s*:')
_SEQ_IN_TEXT = re.compile(rb'\\"seq\\":(\d{1,16})[,}]')


def _member_text(data: bytes, name: str) -> str:
    found = re.search(b'"' + name.encode() + rb'"\s*:\s*"([^"\\]{1,1000})"', data)
    return found.group(1).decode("utf-8", "replace") if found else "?"


def _damaged_entry(data: bytes, exc: InputError) -> BundleReport | None:
    """A report naming the entry whose bytes broke the file's JSON, if that is what happened.

    A changed byte inside an entry's string (a quote, a backslash, invalid UTF-8) makes the
    whole file unreadable as JSON; the parser's error offset still says where. Damage
    outside the entries' strings leaves the file unreadable: None.
    """
    at = _AT_BYTE.search(str(exc))
    if at is None:
        return None
    offset = int(at.group(1))
    starts = [m.end() for m in _ENTRY_KEY.finditer(data)]
    for index, start in enumerate(starts):
        proof = _PROOF_KEY.search(data, start)
        end = proof.start() if proof is not None else len(data)
        if start <= offset < end:
            seq = _SEQ_IN_TEXT.search(data, start, end)
            finding = BundleFinding(
                kind=BundleFindingKind.UNREADABLE,
                entry=int(seq.group(1)) if seq is not None else None,
                message=f"the entry's text breaks the bundle's JSON: {exc}",
                index=index,
            )
            return BundleReport(
                origin=_member_text(data, "origin"),
                order_id=_member_text(data, "order_id"),
                findings=(finding,),
                certificate=None,
                checkpoint=None,
                size=len(starts),
            )
    return None


def _tsa_anchors(value: object) -> tuple[x509.Certificate, ...] | None:
    if value is None:
        return None
    from cryptography import x509

    if isinstance(value, (str, bytes, x509.Certificate)) or not isinstance(value, Iterable):
        raise InputError(
            "expected a sequence of x509 certificates, or None", path="tsa_trusted", got=value
        )
    found = tuple(value)
    for i, cert in enumerate(found):
        if not isinstance(cert, x509.Certificate):
            raise InputError(
                "expected an x509.Certificate (x509.load_pem_x509_certificate reads one)",
                path=f"tsa_trusted[{i}]",
                got=type(cert).__name__,
            )
    # No anchor, no check: the same as None, so that a command line may pass its list.
    return found or None


def audit_bundle(
    bundle: ProofBundle | str | os.PathLike[str] | bytes,
    trusted: Sequence[Verifier] | KeyRing = (),
    *,
    tsa_trusted: Sequence[x509.Certificate] | None = None,
    witnesses: WitnessPolicy | None = None,
) -> BundleReport:
    """Check a bundle offline and return every finding, with the certificate if none.

    Every entry must be canonical and well formed, of the bundle's log, signed by a key
    of ``trusted`` valid at its time (key rotations in the bundle are followed, as in a
    log audit), included in the tree of the signed checkpoint (its inclusion proof leads
    to the checkpoint's root), and about the bundle's order; the checkpoint must be signed
    by a trusted key; openings must open the sealed values they name. Consecutive entries
    must chain and their times must not go backwards.

    Time-stamp tokens the bundle carries are checked against ``tsa_trusted`` (TSA
    certificates, or the CA certificates that issued them; see
    :meth:`~legaldelivery.timestamp.TimestampToken.verify`): each must stamp the
    checkpoint's text and verify, or it is a ``timestamp-invalid`` finding; the
    certificate states the earliest one's time. Without TSA certificates a readable token
    is a ``timestamp-unchecked`` *notice* (not a defect; the certificate then states no
    trusted time), while an unreadable one is still a finding. With a ``witnesses``
    policy, the checkpoint note must carry the cosignatures of a quorum of its witnesses
    (``witness-quorum`` otherwise), and the certificate names them.

    No entry the stamped checkpoint includes may be logged later than a verified token's
    time (``time-after-timestamp``). Each determination's ``supersedes`` must name a
    determination of the order in the bundle, and not all may be superseded
    (``broken-supersession``); two that no other supersedes and that state different times
    of service are ``ambiguous-determination``. The certificate states the current one
    (see :func:`~legaldelivery.audit.certificate.timeline_of`) and lists the others.

    Raises :class:`InputError` only when the bundle cannot be read at all. A file that
    is no longer JSON because a byte inside one entry changed is a finding about that
    entry, not unreadable input.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key)
    >>> _ = log.append_many(sample_records())
    >>> bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    >>> audit_bundle(bundle, trusted=[key.verifier]).ok
    True
    >>> stranger = Ed25519Signer.generate("court.example/log")
    >>> report = audit_bundle(bundle, trusted=[stranger.verifier])
    >>> report.ok, report.findings[0].kind.value
    (False, 'unknown-signer')

    .. versionadded:: 0.1.0
    """
    tsa = _tsa_anchors(tsa_trusted)
    if witnesses is not None:
        from legaldelivery.witness import WitnessPolicy

        if not isinstance(witnesses, WitnessPolicy):
            raise InputError(
                "expected a WitnessPolicy, or None", path="witnesses", got=type(witnesses).__name__
            )
    proof = _load(bundle)
    if isinstance(proof, BundleReport):
        return proof
    checker = _Checker(proof, trusted)
    checker.read_entries()
    checker.check_signatures()
    cp = checker.check_checkpoint()
    if cp is not None:
        checker.check_proofs(cp)
    trusted_time = checker.check_timestamps(cp, tsa)
    if cp is not None and trusted_time is not None:
        checker.check_time_stamped(cp, trusted_time)
    cosigned = checker.check_witnesses(witnesses)
    order = checker.check_relevance()
    opened = checker.open_sealed()
    checker.check_determinations()
    findings = sorted(
        checker.findings,
        key=lambda f: (f.entry is None and f.index is None, f.entry or 0, f.index or 0),
    )
    certificate = None
    if not findings and cp is not None and order is not None:
        records = [(it.entry.seq, it.record) for it in checker.items]
        # The order as opened (a sealed recipient name shows its value).
        opened_order = next((r for _, r in records if isinstance(r, DeliveryOrder)), order)
        certificate = build_certificate(
            order=opened_order,
            records=records,
            origin=proof.origin,
            checkpoint=cp,
            signers=[it.entry.signer for it in checker.items],
            opened=opened,
            trusted_time=trusted_time,
            witnesses=cosigned,
        )
    return BundleReport(
        origin=proof.origin,
        order_id=proof.order_id,
        findings=tuple(findings),
        certificate=certificate,
        checkpoint=cp,
        size=len(proof.entries),
        notices=tuple(checker.notices),
    )


def verify_bundle(
    bundle: ProofBundle | str | os.PathLike[str] | bytes,
    trusted: Sequence[Verifier] | KeyRing = (),
    *,
    tsa_trusted: Sequence[x509.Certificate] | None = None,
    witnesses: WitnessPolicy | None = None,
) -> ServiceCertificate:
    """Check a bundle offline; return its certificate of service, or raise.

    Raises :class:`BundleError` (a :class:`~legaldelivery.errors.VerificationError`)
    carrying every finding when anything does not verify (see :func:`audit_bundle`, also
    for ``tsa_trusted`` and ``witnesses``), and :class:`InputError` when the bundle cannot
    be read.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key)
    >>> _ = log.append_many(sample_records())
    >>> bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    >>> verify_bundle(bundle, trusted=[key.verifier]).recipient.country
    'PK'
    >>> verify_bundle(bundle.to_bytes().replace(b"Defendant One", b"Defendant Two"),
    ...               trusted=[key.verifier])
    Traceback (most recent call last):
    ...
    legaldelivery.audit.bundle.BundleError: the bundle does not verify: entry 1 ...

    .. versionadded:: 0.1.0
    """
    return audit_bundle(
        bundle, trusted, tsa_trusted=tsa_trusted, witnesses=witnesses
    ).raise_for_findings()

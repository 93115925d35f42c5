"""How a proof bundle is cut from a log: :func:`extract_bundle`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from legaldelivery import codec, notes
from legaldelivery.audit._bundle_format import (
    _CONSENT_TAGS,
    _KEY_TAGS,
    _ORDER_TAG,
    BundleEntry,
    BundleOpening,
    BundleTimestamp,
    ProofBundle,
)
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.keys import Verifier, verifier_from_public_bytes
from legaldelivery.log.entry import LogEntry
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import KeyRotation, Opening

if TYPE_CHECKING:
    # Time-stamp tokens are imported when a bundle uses them: ASN.1 parsing need not
    # load with every import of the library.
    from legaldelivery.timestamp import TimestampToken


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
    >>> from legaldelivery.audit.bundle import verify_bundle
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

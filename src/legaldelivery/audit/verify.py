"""Offline verification of a whole evidence log, streaming, collecting every finding.

:func:`audit_log` reads the entries in order and checks each one on its own (canonical
bytes, format, origin, position, chain, signer, signature, time, record) while it builds
the Merkle tree over the bytes as stored; at the end it checks the given checkpoints
against the roots at their sizes. Nothing stops at the first defect: an auditor gets the
whole list. :func:`verify_log` is the raising variant for programs that need yes or no.

Key rotations are followed from the log itself: a ``key-rotation`` record signed by the
current key introduces the next one, so a verifier needs only the first key up front.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Union

from legaldelivery import canonical, codec, merkle, notes
from legaldelivery.audit.findings import AuditReport, Finding, FindingKind
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import EncodingError, InputError, LegalDeliveryError, SignatureError
from legaldelivery.keys import KeyRing, Verifier, verifier_from_public_bytes
from legaldelivery.log.entry import GENESIS_PREV, LogEntry, entry_hash
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import KeyRotation

__all__ = ["audit_log", "iter_jsonl", "verify_log"]

LogSource = Union[str, "os.PathLike[str]", EvidenceLog]


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(line without its end, whether it had a line end)`` from a JSON Lines file.

    Streams: one line in memory at a time.
    """
    with open(path, "rb") as f:
        for line in f:
            if line.endswith(b"\n"):
                yield line[:-1], True
            else:
                yield line, False


def _entries_of(source: LogSource) -> tuple[Iterator[tuple[bytes, bool]], str | None]:
    if isinstance(source, EvidenceLog):
        return ((data, True) for data in source.store.iter_entries()), source.origin
    path = Path(source)
    if not path.is_file():
        raise InputError("no such log file", path=str(path))
    return iter_jsonl(path), None


class _Auditor:
    """The streaming state of one audit."""

    def __init__(self, trusted: Iterable[Verifier], origin: str | None) -> None:
        self.ring = KeyRing()
        for verifier in trusted:
            if verifier.fingerprint not in self.ring:
                self.ring.add(verifier)
        self.origin = origin
        self.findings: list[Finding] = []
        self.tree = merkle.MerkleAccumulator()
        self.prev_hash = GENESIS_PREV
        self.prev_time: datetime | None = None
        self.current_key: str | None = None
        self.signers: dict[str, None] = {}
        self.count = 0

    def find(self, kind: FindingKind, seq: int | None, message: str) -> None:
        self.findings.append(Finding(kind=kind, entry=seq, message=message))

    def feed(self, data: bytes, complete: bool) -> None:
        seq = self.count
        self.count += 1
        # The tree commits to the bytes as stored, defects and all.
        self.tree.append(merkle.leaf_hash(data))
        expected_prev, self.prev_hash = self.prev_hash, entry_hash(data)
        if not complete:
            self.find(FindingKind.TORN, seq, "the last line has no line end: an interrupted write")
        where = f"entry {seq}"
        try:
            obj = canonical.loads(data)
        except EncodingError as exc:
            self.find(FindingKind.UNREADABLE, seq, f"not canonical JSON: {exc.within(where)}")
            return
        if canonical.dumps(obj) != data:
            # Still checked below, as the canonical form of what it says, so that an
            # auditor learns whether anything else is wrong with it.
            self.find(
                FindingKind.NON_CANONICAL,
                seq,
                "the stored bytes are not the canonical (RFC 8785) form of their content",
            )
            data = canonical.dumps(obj)
        try:
            entry = LogEntry.from_object(obj, data, where=where)
        except InputError as exc:
            kind = (
                FindingKind.WRONG_FORMAT
                if (exc.path or "").endswith(".format")
                else FindingKind.UNREADABLE
            )
            self.find(kind, seq, f"not a well-formed entry: {exc}")
            return
        self._check_entry(seq, entry, expected_prev)

    def _check_entry(self, seq: int, entry: LogEntry, expected_prev: str) -> None:
        if self.origin is None:
            self.origin = entry.origin
        elif entry.origin != self.origin:
            self.find(
                FindingKind.WRONG_ORIGIN,
                seq,
                f"origin is {entry.origin!r}, but this log is {self.origin!r}",
            )
        if entry.seq != seq:
            what = "a gap" if entry.seq > seq else "a repeat or reordering"
            self.find(FindingKind.SEQUENCE, seq, f"seq is {entry.seq} at position {seq}: {what}")
        if entry.prev != expected_prev:
            self.find(
                FindingKind.BROKEN_CHAIN,
                seq,
                f"prev is {entry.prev}, but the entry before hashes to {expected_prev}",
            )
        if self.prev_time is not None and entry.time < self.prev_time:
            self.find(
                FindingKind.TIME_BACKWARDS,
                seq,
                f"time {entry.time.isoformat()} is before the previous entry's "
                f"{self.prev_time.isoformat()}",
            )
        self.prev_time = entry.time if self.prev_time is None else max(self.prev_time, entry.time)
        signed = self._check_signature(seq, entry)
        try:
            record = codec.decode(entry.record)
        except InputError as exc:
            self.find(FindingKind.UNDECODABLE_RECORD, seq, f"the record does not decode: {exc}")
            return
        if signed and isinstance(record, KeyRotation):
            self._rotate(seq, entry, record)

    def _check_signature(self, seq: int, entry: LogEntry) -> bool:
        self.signers.setdefault(entry.signer, None)
        if self.current_key is not None and entry.signer != self.current_key:
            self.find(
                FindingKind.KEY_NOT_VALID,
                seq,
                f"signed by {entry.signer}, but the log's current key is {self.current_key}",
            )
        try:
            verifier = self.ring.verifier_at(entry.signer, entry.time)
        except SignatureError as exc:
            kind = (
                FindingKind.UNKNOWN_SIGNER
                if entry.signer not in self.ring
                else FindingKind.KEY_NOT_VALID
            )
            self.find(kind, seq, str(exc))
            return False
        try:
            verifier.verify(entry.signature, entry.signed_bytes())
        except SignatureError:
            self.find(
                FindingKind.BAD_SIGNATURE,
                seq,
                f"the signature does not verify with key {entry.signer}",
            )
            return False
        if self.current_key is None:
            self.current_key = entry.signer
        return entry.signer == self.current_key

    def _rotate(self, seq: int, entry: LogEntry, rotation: KeyRotation) -> None:
        try:
            verifier = verifier_from_public_bytes(
                rotation.new_key_algorithm, rotation.new_key_name, rotation.new_public_key
            )
            if verifier.fingerprint != rotation.new_fingerprint:
                raise InputError("fingerprint does not match the key", path="new_fingerprint")
            if verifier.fingerprint not in self.ring:
                self.ring.add(verifier, not_before=rotation.valid_from)
            self.ring.expire(entry.signer, rotation.previous_valid_until or rotation.valid_from)
        except LegalDeliveryError as exc:
            self.find(FindingKind.BAD_ROTATION, seq, f"the key rotation is not usable: {exc}")
            return
        self.current_key = rotation.new_fingerprint


def _read_checkpoint(note_text: str, seq_hint: str) -> tuple[Checkpoint | None, str | None]:
    try:
        body = notes.text_of(note_text)
        return Checkpoint.from_text(body), None
    except LegalDeliveryError as exc:
        return None, f"checkpoint {seq_hint} cannot be read: {exc}"


def audit_log(
    log: LogSource,
    trusted: Sequence[Verifier] | KeyRing = (),
    checkpoint: str | Sequence[str] | None = None,
    *,
    origin: str | None = None,
) -> AuditReport:
    """Verify a whole log offline and return every finding.

    ``log`` is a path (a ``.jsonl`` export, or any store :meth:`EvidenceLog.open`
    accepts) or an open :class:`~legaldelivery.log.EvidenceLog`. ``trusted`` are the
    keys trusted up front (later keys are followed through rotations in the log).
    ``checkpoint`` is one signed checkpoint note, or several: each must be signed by a
    key of the log, and the log's root at its size must equal its root; a checkpoint
    larger than the log is reported as truncation.

    Raises :class:`InputError` only when the log cannot be read at all.
    """
    if not isinstance(log, (str, os.PathLike, EvidenceLog)):
        raise InputError("expected a log path or an EvidenceLog", path="log", got=log)
    if not isinstance(log, EvidenceLog) and Path(log).suffix != ".jsonl":
        # Any other store: open it read-only for the audit, and close it after.
        with EvidenceLog.open(log) as opened:
            return audit_log(opened, trusted, checkpoint, origin=origin)
    entries, known_origin = _entries_of(log)
    ring_keys = list(trusted)
    auditor = _Auditor(ring_keys, origin or known_origin)

    wanted: list[tuple[int, str, Checkpoint]] = []
    notes_given = [checkpoint] if isinstance(checkpoint, str) else list(checkpoint or ())
    for i, note_text in enumerate(notes_given):
        parsed, problem = _read_checkpoint(note_text, f"#{i + 1}")
        if parsed is None:
            auditor.find(FindingKind.CHECKPOINT_INVALID, None, problem or "unreadable")
        else:
            wanted.append((i, note_text, parsed))
    roots: dict[int, bytes] = {}
    sizes = {cp.size for _, _, cp in wanted}
    if 0 in sizes:
        roots[0] = merkle.root_hash([])
    for data, complete in entries:
        auditor.feed(data, complete)
        if auditor.count in sizes:
            roots[auditor.count] = auditor.tree.root()
    size = auditor.count
    verified: set[int] = set()
    for i, note_text, cp in wanted:
        label = f"checkpoint #{i + 1} (size {cp.size})"
        try:
            notes.open(note_text, auditor.ring)
        except LegalDeliveryError as exc:
            auditor.find(FindingKind.CHECKPOINT_INVALID, None, f"{label}: {exc}")
            continue
        if auditor.origin is not None and cp.origin != auditor.origin:
            auditor.find(
                FindingKind.CHECKPOINT_INVALID,
                None,
                f"{label} is for origin {cp.origin!r}, not {auditor.origin!r}",
            )
        elif cp.size > size:
            auditor.find(
                FindingKind.TRUNCATED,
                size,
                f"{label} commits to {cp.size} entries but the log has only {size}: "
                f"entries {size}..{cp.size - 1} are missing (rolled back or cut short)",
            )
        elif roots[cp.size] != cp.root_hash:
            auditor.find(
                FindingKind.CHECKPOINT_MISMATCH,
                None,
                f"{label}: the log's root at that size is {roots[cp.size].hex()}, the "
                f"checkpoint says {cp.root_hash.hex()}: the log was changed or forked",
            )
        else:
            verified.add(cp.size)
    findings = sorted(
        auditor.findings, key=lambda f: (f.entry is None, f.entry if f.entry is not None else 0)
    )
    return AuditReport(
        origin=auditor.origin,
        size=size,
        root_hash=auditor.tree.root(),
        findings=tuple(findings),
        checkpoints=tuple(sorted(verified)),
        signers=tuple(auditor.signers),
    )


def verify_log(
    log: LogSource,
    trusted: Sequence[Verifier] | KeyRing = (),
    checkpoint: str | Sequence[str] | None = None,
    *,
    origin: str | None = None,
) -> AuditReport:
    """Like :func:`audit_log`, but raise :class:`AuditError` on any finding."""
    report = audit_log(log, trusted, checkpoint, origin=origin)
    report.raise_for_findings()
    return report

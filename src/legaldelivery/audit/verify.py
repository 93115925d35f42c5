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

import multiprocessing
import multiprocessing.context
import os
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import NamedTuple, Union

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


class _Examined(NamedTuple):
    """What one entry shows on its own, before anything about the entries around it.

    Examining is the per-entry work (decoding, checking the members and the record,
    verifying the signature where the key is at hand), so that it can run in worker
    processes; everything that depends on the entries before -- the chain, the order,
    the time, which key is current -- is left to :class:`_Auditor`, in order.
    """

    leaf: bytes
    """The Merkle leaf hash of the bytes as stored."""
    chain: str
    """The chain hash of the bytes as stored: what the next entry's ``prev`` must be."""
    early: tuple[tuple[FindingKind, str], ...]
    """Findings about the bytes themselves: torn, unreadable, non-canonical, malformed."""
    well_formed: bool
    origin: str = ""
    seq: int = 0
    prev: str = ""
    time: datetime | None = None
    signer: str = ""
    signature: bytes = b""
    signed: bytes | None = None
    """The bytes the signature covers, when it is left to the auditor to verify."""
    signature_ok: bool | None = None
    """Whether the signature verified with the key the entry names, if that key was at hand."""
    record_error: str | None = None
    rotation: KeyRotation | None = None


def _examine(
    data: bytes, complete: bool, position: int, keys: Mapping[str, Verifier] | None
) -> _Examined:
    """Examine the entry at ``position``; verify its signature if ``keys`` has its key."""
    leaf = merkle.leaf_hash(data)
    chain = entry_hash(data)
    early: list[tuple[FindingKind, str]] = []
    if not complete:
        early.append((FindingKind.TORN, "the last line has no line end: an interrupted write"))
    where = f"entry {position}"
    try:
        # One quick pass vouches for canonical bytes, as nearly all are.
        obj = canonical.loads_canonical(data)
    except EncodingError:
        try:
            obj = canonical.loads(data)
        except EncodingError as exc:
            early.append((FindingKind.UNREADABLE, f"not canonical JSON: {exc.within(where)}"))
            return _Examined(leaf, chain, tuple(early), well_formed=False)
        # Still checked below, as the canonical form of what it says, so that an auditor
        # learns whether anything else is wrong with it.
        early.append(
            (
                FindingKind.NON_CANONICAL,
                "the stored bytes are not the canonical (RFC 8785) form of their content",
            )
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
        early.append((kind, f"not a well-formed entry: {exc}"))
        return _Examined(leaf, chain, tuple(early), well_formed=False)
    signed = entry.signed_bytes()
    signature_ok: bool | None = None
    verifier = keys.get(entry.signer) if keys is not None else None
    if verifier is not None:
        try:
            verifier.verify(entry.signature, signed)
            signature_ok = True
        except SignatureError:
            signature_ok = False
    record_error = None
    rotation = None
    try:
        record = codec.decode(entry.record)
    except InputError as exc:
        record_error = f"the record does not decode: {exc}"
    else:
        if isinstance(record, KeyRotation):
            rotation = record
    return _Examined(
        leaf,
        chain,
        tuple(early),
        well_formed=True,
        origin=entry.origin,
        seq=entry.seq,
        prev=entry.prev,
        time=entry.time,
        signer=entry.signer,
        signature=entry.signature,
        signed=signed if signature_ok is None else None,
        signature_ok=signature_ok,
        record_error=record_error,
        rotation=rotation,
    )


class _Auditor:
    """The streaming state of one audit: the checks that follow the entries in order."""

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
        # The last key lookup that succeeded; valid until the ring changes (a rotation).
        self._last_lookup: tuple[str, datetime, Verifier] | None = None

    def find(self, kind: FindingKind, seq: int | None, message: str) -> None:
        self.findings.append(Finding(kind=kind, entry=seq, message=message))

    def take(self, examined: _Examined) -> None:
        """Account for the next entry, examined."""
        seq = self.count
        self.count += 1
        # The tree commits to the bytes as stored, defects and all.
        self.tree.append(examined.leaf)
        expected_prev, self.prev_hash = self.prev_hash, examined.chain
        for kind, message in examined.early:
            self.find(kind, seq, message)
        if examined.well_formed:
            self._check_entry(seq, examined, expected_prev)

    def _check_entry(self, seq: int, entry: _Examined, expected_prev: str) -> None:
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
        time = entry.time
        assert time is not None  # a well-formed entry has its time
        if self.prev_time is not None and time < self.prev_time:
            self.find(
                FindingKind.TIME_BACKWARDS,
                seq,
                f"time {time.isoformat()} is before the previous entry's "
                f"{self.prev_time.isoformat()}",
            )
        self.prev_time = time if self.prev_time is None else max(self.prev_time, time)
        signed = self._check_signature(seq, entry, time)
        if entry.record_error is not None:
            self.find(FindingKind.UNDECODABLE_RECORD, seq, entry.record_error)
            return
        if signed and entry.rotation is not None:
            self._rotate(seq, entry.signer, entry.rotation)

    def _verifier_at(self, signer: str, time: datetime) -> Verifier:
        last = self._last_lookup
        if last is not None and last[0] == signer and last[1] == time:
            return last[2]
        verifier = self.ring.verifier_at(signer, time)
        self._last_lookup = (signer, time, verifier)
        return verifier

    def _check_signature(self, seq: int, entry: _Examined, time: datetime) -> bool:
        self.signers.setdefault(entry.signer, None)
        if self.current_key is not None and entry.signer != self.current_key:
            self.find(
                FindingKind.KEY_NOT_VALID,
                seq,
                f"signed by {entry.signer}, but the log's current key is {self.current_key}",
            )
        try:
            verifier = self._verifier_at(entry.signer, time)
        except SignatureError as exc:
            kind = (
                FindingKind.UNKNOWN_SIGNER
                if entry.signer not in self.ring
                else FindingKind.KEY_NOT_VALID
            )
            self.find(kind, seq, str(exc))
            return False
        verified = entry.signature_ok
        if verified is None:
            assert entry.signed is not None  # kept whenever the signature is left to us
            try:
                verifier.verify(entry.signature, entry.signed)
                verified = True
            except SignatureError:
                verified = False
        if not verified:
            self.find(
                FindingKind.BAD_SIGNATURE,
                seq,
                f"the signature does not verify with key {entry.signer}",
            )
            return False
        if self.current_key is None:
            self.current_key = entry.signer
        return entry.signer == self.current_key

    def _rotate(self, seq: int, signer: str, rotation: KeyRotation) -> None:
        self._last_lookup = None  # the ring changes below
        try:
            verifier = verifier_from_public_bytes(
                rotation.new_key_algorithm, rotation.new_key_name, rotation.new_public_key
            )
            if verifier.fingerprint != rotation.new_fingerprint:
                raise InputError("fingerprint does not match the key", path="new_fingerprint")
            if verifier.fingerprint not in self.ring:
                self.ring.add(verifier, not_before=rotation.valid_from)
            self.ring.expire(signer, rotation.previous_valid_until or rotation.valid_from)
        except LegalDeliveryError as exc:
            self.find(FindingKind.BAD_ROTATION, seq, f"the key rotation is not usable: {exc}")
            return
        self.current_key = rotation.new_fingerprint

    def key_specs(self) -> tuple[_KeySpec, ...]:
        """The ring's public keys, in a form that crosses process boundaries."""
        return tuple(_key_spec(verifier) for verifier in self.ring)


# -- parallel examination -------------------------------------------------------------------

_KeySpec = tuple[str, str, bytes]
"""(algorithm, name, DER public key): a verifier as plain data (key objects do not pickle)."""

# Entries per task, and tasks in flight per worker: enough to keep every worker busy while
# the auditor catches up, few enough that memory stays flat however long the log.
_CHUNK = 256
_IN_FLIGHT_PER_WORKER = 3


def _key_spec(verifier: Verifier) -> _KeySpec:
    return (verifier.algorithm, verifier.name, verifier.public_bytes_der())


# Per worker process: the keys it can verify with, by fingerprint.
_worker_keys: dict[str, Verifier] = {}


def _learn_keys(specs: Iterable[_KeySpec]) -> None:
    known = {_key_spec(v) for v in _worker_keys.values()}
    for spec in specs:
        if spec in known:
            continue
        try:
            verifier = verifier_from_public_bytes(*spec)
        except LegalDeliveryError:
            # Unusable here: the entries it signed are verified by the auditor instead.
            continue
        _worker_keys.setdefault(verifier.fingerprint, verifier)


def _examine_chunk(
    chunk: list[tuple[bytes, bool]], start: int, specs: tuple[_KeySpec, ...]
) -> list[_Examined]:
    """Worker side: examine consecutive entries starting at position ``start``."""
    _learn_keys(specs)
    keys = _worker_keys
    return [
        _examine(data, complete, position, keys)
        for position, (data, complete) in enumerate(chunk, start)
    ]


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork starts workers without importing anything again, but is only safe where it is
    # the platform's habit and no other thread of this process could hold a lock.
    if (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _examine_in_workers(
    entries: Iterator[tuple[bytes, bool]], auditor: _Auditor, workers: int
) -> Iterator[_Examined]:
    """Examine entries in ``workers`` processes, yielding them in log order."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    try:
        pending: deque[Future[list[_Examined]]] = deque()
        limit = workers * _IN_FLIGHT_PER_WORKER
        position = 0
        while True:
            chunk = list(islice(entries, _CHUNK))
            if chunk:
                # The keys known so far, rotations included: a worker verifies what it can.
                pending.append(pool.submit(_examine_chunk, chunk, position, auditor.key_specs()))
                position += len(chunk)
            if pending and (len(pending) >= limit or not chunk):
                yield from pending.popleft().result()
            elif not chunk:
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
    workers: int = 1,
) -> AuditReport:
    """Verify a whole log offline and return every finding.

    ``log`` is a path (a ``.jsonl`` export, or any store :meth:`EvidenceLog.open`
    accepts) or an open :class:`~legaldelivery.log.EvidenceLog`. ``trusted`` are the
    keys trusted up front (later keys are followed through rotations in the log).
    ``checkpoint`` is one signed checkpoint note, or several: each must be signed by a
    key of the log, and the log's root at its size must equal its root; a checkpoint
    larger than the log is reported as truncation.

    ``workers`` above 1 examines entries -- decoding, record checks, signatures -- in that
    many worker processes, while this process follows the chain, the keys and the tree;
    the report is the same. Worth it for long logs on several cores (workers start with
    ``fork`` on Linux when this process runs no other thread, else with ``spawn``).

    Raises :class:`InputError` only when the log cannot be read at all.
    """
    if not isinstance(log, (str, os.PathLike, EvidenceLog)):
        raise InputError("expected a log path or an EvidenceLog", path="log", got=log)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(
            "expected a number of processes of at least 1", path="workers", got=workers
        )
    if not isinstance(log, EvidenceLog) and Path(log).suffix != ".jsonl":
        # Any other store: open it read-only for the audit, and close it after.
        with EvidenceLog.open(log) as opened:
            return audit_log(opened, trusted, checkpoint, origin=origin, workers=workers)
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
    examined: Iterator[_Examined]
    if workers == 1:
        # Signatures are left to the auditor, which verifies only those it must.
        examined = (
            _examine(data, complete, position, None)
            for position, (data, complete) in enumerate(entries)
        )
    else:
        examined = _examine_in_workers(entries, auditor, workers)
    for entry in examined:
        auditor.take(entry)
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
    workers: int = 1,
) -> AuditReport:
    """Like :func:`audit_log`, but raise :class:`AuditError` on any finding."""
    report = audit_log(log, trusted, checkpoint, origin=origin, workers=workers)
    report.raise_for_findings()
    return report

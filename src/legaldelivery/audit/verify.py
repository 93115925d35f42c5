"""Offline verification of a whole evidence log, streaming, collecting every finding.

:func:`audit_log` reads the entries in order and checks each one on its own (canonical
bytes, format, origin, position, chain, signer, signature, time, record) while it builds
the Merkle tree over the bytes as stored; at the end it checks the given checkpoints
against the roots at their sizes. Nothing stops at the first defect: an auditor gets the
whole list. :func:`verify_log` is the raising variant for programs that need yes or no.

Key rotations are followed from the log itself: a ``key-rotation`` record signed by the
current key introduces the next one, so a verifier needs only the first key up front.
A ``key-revocation`` record condemns the revoked key's entries from its revocation time
on, before the record as well as after it (:mod:`legaldelivery.audit.revocation`).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
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

import attrs

from legaldelivery import canonical, codec, merkle, notes
from legaldelivery.audit.findings import AuditReport, Finding, FindingKind
from legaldelivery.audit.revocation import Reread, Revocation, RevocationBook, SignerRuns
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import EncodingError, InputError, LegalDeliveryError, SignatureError
from legaldelivery.instants import format_instant
from legaldelivery.keys import KeyRing, TrustedKey, Verifier, verifier_from_public_bytes
from legaldelivery.log.entry import GENESIS_PREV, MAX_ENTRY_BYTES, LogEntry, entry_hash
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import KeyRevocation, KeyRotation

__all__ = ["audit_log", "iter_jsonl", "verify_log"]

LogSource = Union[str, "os.PathLike[str]", EvidenceLog]


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(line without its end, whether it had a line end)`` from a JSON Lines file.

    Streams: one line in memory at a time, and no line longer than
    :data:`~legaldelivery.log.entry.MAX_ENTRY_BYTES`: reaching one raises
    :class:`InputError` naming its line and byte offset, before it is read whole.
    (:func:`audit_log` instead reports such a line as a finding and goes on.)
    """
    for position, (line, complete) in enumerate(_read_lines(path)):
        if isinstance(line, _Overlong):
            raise InputError(
                f"line {position + 1} is {line.length} bytes long, more than an entry may "
                f"be ({MAX_ENTRY_BYTES})",
                path=f"{os.fspath(path)!s}@{line.offset}",
            )
        yield line, complete


class _Overlong(NamedTuple):
    """A line too long to be an entry, read past in bounded memory: where, how long, and
    its two hashes, which the chain and the Merkle tree need whatever the line holds."""

    offset: int
    length: int
    leaf: bytes
    chain: str


_Line = tuple[bytes | _Overlong, bool]

# How much of an over-long line is read at a time while it is hashed and skipped.
_SKIP_CHUNK = 1 << 20


def _read_lines(path: str | os.PathLike[str]) -> Iterator[_Line]:
    """The lines of a JSON Lines file, each as bytes or, past MAX_ENTRY_BYTES, an _Overlong."""
    with open(path, "rb") as f:
        offset = 0
        while True:
            # readline with a size never holds more than that: a 1 GB line costs 16 MiB.
            line = f.readline(MAX_ENTRY_BYTES + 1)
            if not line:
                return
            if line.endswith(b"\n"):
                offset += len(line)
                yield line[:-1], True
                continue
            if len(line) <= MAX_ENTRY_BYTES:
                yield line, False  # the last line, without its end
                return
            # Too long for an entry: hash it in chunks (leaf = SHA-256(0x00 || line),
            # chain = SHA-256(line)) and go on at the next line.
            leaf = hashlib.sha256(b"\x00")
            chain = hashlib.sha256()
            start, length, complete = offset, 0, False
            while line:
                if line.endswith(b"\n"):
                    line, complete = line[:-1], True
                leaf.update(line)
                chain.update(line)
                length += len(line)
                if complete:
                    break
                line = f.readline(_SKIP_CHUNK)
            offset += length + complete
            yield _Overlong(start, length, leaf.digest(), chain.hexdigest()), complete
            if not complete:
                return


def _entries_of(source: LogSource) -> tuple[Iterator[_Line], str | None]:
    if isinstance(source, EvidenceLog):
        return ((data, True) for data in source.store.iter_entries()), source.origin
    path = Path(source)
    if not path.is_file():
        raise InputError("no such log file", path=str(path))
    return _read_lines(path), None


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
    rotation: KeyRotation | KeyRevocation | None = None
    """The record, when it is a key event (a rotation or a revocation)."""


def _examine(
    data: bytes | _Overlong, complete: bool, position: int, keys: Mapping[str, Verifier] | None
) -> _Examined:
    """Examine the entry at ``position``; verify its signature if ``keys`` has its key."""
    early: list[tuple[FindingKind, str]] = []
    if not complete:
        early.append((FindingKind.TORN, "the last line has no line end: an interrupted write"))
    if isinstance(data, _Overlong) or len(data) > MAX_ENTRY_BYTES:
        if isinstance(data, _Overlong):
            leaf, chain, length = data.leaf, data.chain, data.length
        else:
            leaf, chain, length = merkle.leaf_hash(data), entry_hash(data), len(data)
        early.append(
            (
                FindingKind.UNREADABLE,
                f"{length} bytes long, more than an entry may be ({MAX_ENTRY_BYTES}): "
                "not read; its hashes still count for the chain and the tree",
            )
        )
        return _Examined(leaf, chain, tuple(early), well_formed=False)
    leaf = merkle.leaf_hash(data)
    chain = entry_hash(data)
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
        if isinstance(record, (KeyRotation, KeyRevocation)):
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


# Entries examined at a time in a single-process audit (see _examine_in_process).
_PROCESS_CHUNK = 128


def _examine_in_process(entries: Iterator[_Line], auditor: _Auditor) -> Iterator[_Examined]:
    """Examine entries in this process, yielding them in log order, a chunk at a time.

    Each chunk is examined first and its signatures are verified after, back to back,
    with the keys the auditor knows so far (as the workers do): interleaving the Python
    of one entry with the signature of the next evicts what each keeps in the CPU's
    caches (on the bench machine, examining and verifying 5000 entries took about 12%
    longer alternated than in chunks). A signature whose key is not yet known
    (introduced by a rotation in the same chunk) is left to the auditor, in order.
    """
    position = 0
    while True:
        chunk = list(islice(entries, _PROCESS_CHUNK))
        if not chunk:
            return
        examined = [
            _examine(data, complete, at, None)
            for at, (data, complete) in enumerate(chunk, position)
        ]
        position += len(chunk)
        keys = {verifier.fingerprint: verifier for verifier in auditor.ring}
        for i, entry in enumerate(examined):
            verifier = keys.get(entry.signer) if entry.signed is not None else None
            if verifier is not None:
                ok = _signature_verifies(verifier, entry.signature, entry.signed)
                examined[i] = entry._replace(signed=None, signature_ok=ok)
        yield from examined


def _signature_verifies(verifier: Verifier, signature: bytes, signed: bytes | None) -> bool:
    try:
        verifier.verify(signature, signed or b"")
    except SignatureError:
        return False
    return True


class _Auditor:
    """The streaming state of one audit: the checks that follow the entries in order."""

    def __init__(self, trusted: Iterable[Verifier] | KeyRing, origin: str | None) -> None:
        self.ring = KeyRing()
        external: list[Revocation] = []
        keys: Iterable[Verifier | TrustedKey] = (
            trusted.entries() if isinstance(trusted, KeyRing) else trusted
        )
        given: object = keys  # typed as iterable, but anything can come in at run time
        if not isinstance(given, Iterable) or isinstance(given, (str, bytes)):
            raise InputError(
                "expected verifiers or a KeyRing", path="trusted", got=type(given).__name__
            )
        for i, key in enumerate(keys):
            if not isinstance(key, (Verifier, TrustedKey)):
                raise InputError(
                    "expected a Verifier (Verifier.from_vkey reads a vkey string)",
                    path=f"trusted[{i}]",
                    got=type(key).__name__,
                )
            if isinstance(key, TrustedKey) and key.revoked_at is not None:
                # Settled at the end like the log's own revocations, so that entries are
                # judged the same way whichever source revoked their key.
                external.append(
                    Revocation(fingerprint=key.fingerprint, revoked_at=key.revoked_at, entry=None)
                )
                key = attrs.evolve(key, revoked_at=None)
            if key.fingerprint not in self.ring:
                self.ring.add(key)
        self.up_front = frozenset(key.fingerprint for key in self.ring.entries())
        self.runs = SignerRuns()
        self.revocations = RevocationBook(self.ring, external)
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
        self.runs.add(seq, entry.signer, time, entry.leaf)
        signed = self._check_signature(seq, entry, time)
        if entry.record_error is not None:
            self.find(FindingKind.UNDECODABLE_RECORD, seq, entry.record_error)
            return
        event = entry.rotation
        if isinstance(event, KeyRevocation):
            self.revocations.take(seq, entry.signer, time, signed, event)
        elif signed and event is not None:
            self._rotate(seq, entry.signer, event)

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
        self.revocations.rotations[seq] = rotation.new_fingerprint

    def finish(self, reread: Reread) -> None:
        """Settle the revocations, once every entry is taken: the findings they make about
        entries anywhere in the log, and the ring without the revoked keys' notes."""
        self._last_lookup = None  # the ring changes below
        self.revocations.settle(self.runs, self.up_front, reread)
        self.findings.extend(self.revocations.findings)

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


def _examine_chunk(chunk: list[_Line], start: int, specs: tuple[_KeySpec, ...]) -> list[_Examined]:
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
    entries: Iterator[_Line], auditor: _Auditor, workers: int
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


def _reread(source: LogSource) -> Reread:
    """Read entries again by position, from the same source (see :mod:`.revocation`)."""

    def from_store(ranges: Sequence[tuple[int, int]]) -> Iterator[tuple[int, bytes]]:
        assert isinstance(source, EvidenceLog)
        for start, stop in ranges:
            yield from enumerate(source.store.iter_entries(start, stop), start)

    def from_file(ranges: Sequence[tuple[int, int]]) -> Iterator[tuple[int, bytes]]:
        assert not isinstance(source, EvidenceLog)
        wanted = iter(ranges)
        start, stop = next(wanted, (0, 0))
        # The same reader as the first pass, so that positions and bytes agree.
        for position, (data, _complete) in enumerate(_read_lines(source)):
            while position >= stop:
                following = next(wanted, None)
                if following is None:
                    return
                start, stop = following
            if position >= start:
                # An over-long line is never part of a run (it is not a well-formed
                # entry): met here, the file changed, and the digest will say so.
                yield position, data if isinstance(data, bytes) else b""

    return from_store if isinstance(source, EvidenceLog) else from_file


def _why_revoked(auditor: _Auditor, note_text: str) -> str:
    """What to add to a refused checkpoint's message when a revoked key signed it."""
    revoked = auditor.revocations.earliest()
    try:
        note = notes.open(note_text, [auditor.ring[fp].verifier for fp in revoked])
    except LegalDeliveryError:
        return ""
    keys = ", ".join(
        f"{v.fingerprint} (revoked from {format_instant(revoked[v.fingerprint].revoked_at)} "
        f"by {revoked[v.fingerprint].source()})"
        for v in note.verified_by
    )
    # A note carries no time: a key known to have leaked could have signed it at any time.
    return (
        f"; it is signed by a revoked key, which vouches for no checkpoint since a note "
        f"carries no time: {keys}. Rely on a checkpoint signed by the current key, or on "
        "witness cosignatures or a time-stamp that date it before the revocation"
    )


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
    keys trusted up front (later keys are followed through rotations in the log); a
    :class:`~legaldelivery.keys.KeyRing` brings its windows and revocations too. Every
    entry signed by a revoked key at or after its revocation time -- by the log's own
    ``key-revocation`` records or the ring's -- is a ``revoked-key`` finding, and a
    checkpoint signed by a revoked key alone is ``checkpoint-invalid``.
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
    auditor = _Auditor(trusted, origin or known_origin)

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
        examined = _examine_in_process(entries, auditor)
    else:
        examined = _examine_in_workers(entries, auditor, workers)
    for entry in examined:
        auditor.take(entry)
        if auditor.count in sizes:
            roots[auditor.count] = auditor.tree.root()
    size = auditor.count
    auditor.finish(_reread(log))
    verified: set[int] = set()
    for i, note_text, cp in wanted:
        label = f"checkpoint #{i + 1} (size {cp.size})"
        try:
            notes.open(note_text, auditor.ring)
        except LegalDeliveryError as exc:
            auditor.find(
                FindingKind.CHECKPOINT_INVALID,
                None,
                f"{label}: {exc}{_why_revoked(auditor, note_text)}",
            )
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

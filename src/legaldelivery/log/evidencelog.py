"""The evidence log: append records, sign and chain them, commit them in a Merkle tree.

:class:`EvidenceLog` is the writer and reader over one store. Each append encodes the
record canonically, chains it to the previous entry, signs it, and extends the Merkle tree
by storing the perfect-subtree hashes the new leaves complete -- O(log n) work per
append, and O(log n) stored hashes read per proof or root.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from legaldelivery import codec, merkle, notes
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.keys import Signer
from legaldelivery.log.entry import GENESIS_PREV, EntrySigner, LogEntry, entry_hash
from legaldelivery.log.memory import MemoryStore
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey
from legaldelivery.records import KEY_ALGORITHMS, KeyRevocation, KeyRotation

__all__ = ["Clock", "EvidenceLog", "system_clock"]

Clock = Callable[[], datetime]
"""A source of aware datetimes: the log reads time only through one."""

MEMORY = ":memory:"


def system_clock() -> datetime:
    """The machine's clock, in UTC. The default :data:`Clock` of a log."""
    return datetime.now(timezone.utc)


_ROTATION_TAG = codec.tag_of(KeyRotation)


def _refuse_key_event(record: object, path: str) -> None:
    if isinstance(record, (KeyRotation, KeyRevocation)):
        # A key event changes who may sign: it must come from rotate_key(), which also
        # switches this writer's key, never from a plain append.
        raise InputError(
            f"{type(record).__name__} records are written by rotate_key() or "
            "revoke_key(), not appended directly",
            path=path,
        )


def _check_origin(origin: object) -> str:
    if (
        not isinstance(origin, str)
        or not origin
        or any(ord(c) < 0x21 or c == "\x7f" for c in origin)
    ):
        raise InputError(
            "expected a non-empty origin without spaces or control characters",
            path="origin",
            got=origin,
        )
    return origin


class EvidenceLog:
    """A signed, hash-chained, Merkle-committed log of evidence records.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> signer = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=signer)
    >>> entry = log.append(sample_records()[0])
    >>> log.size, entry.seq, entry.prev == "0" * 64
    (1, 0, True)
    >>> note = log.checkpoint()
    >>> note.splitlines()[:2]
    ['court.example/log', '1']
    """

    def __init__(
        self, store: EntryStore, *, signer: Signer | None = None, clock: Clock | None = None
    ) -> None:
        self._store = store
        self._signer = signer
        self._clock: Clock = clock or system_clock
        # The key allowed to sign the next entry, as last seen at a given size.
        self._key_checked_at: int | None = None
        # The Merkle tree as of this writer's last commit (see _tree_at).
        self._tree: merkle.MerkleAccumulator | None = None
        self._last_entry_signer: tuple[str, Signer, EntrySigner] | None = None
        # The keys this log has known, read from its key events up to a size (see _keys).
        self._keys_read = _KeyHistory()
        if signer is not None:
            try:
                self._check_signer(store.head(), store)
            except BaseException:
                store.close()
                raise

    # -- construction -----------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        origin: str,
        signer: Signer,
        clock: Clock | None = None,
    ) -> EvidenceLog:
        """Create a new, empty log at ``path`` (``":memory:"`` for an in-memory log)."""
        _check_origin(origin)
        return cls(_new_store(path, origin=origin), signer=signer, clock=clock)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        signer: Signer | None = None,
        clock: Clock | None = None,
        origin: str | None = None,
    ) -> EvidenceLog:
        """Open an existing log; without a ``signer`` it is opened read-only.

        ``origin``, when given, must be the log's origin (an InputError otherwise); an
        empty JSON Lines file names no origin of its own and needs it.
        """
        store = _open_store(path, read_only=signer is None, origin=origin)
        if origin is not None and store.origin != origin:
            store.close()
            raise InputError(f"this log's origin is {store.origin!r}", path="origin", got=origin)
        return cls(store, signer=signer, clock=clock)

    def close(self) -> None:
        """Close the store. Idempotent."""
        self._store.close()

    def __enter__(self) -> EvidenceLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """The log's name: the ``origin`` of every entry and of its checkpoints."""
        return self._store.origin

    @property
    def size(self) -> int:
        """The number of committed entries."""
        return self._store.size()

    @property
    def store(self) -> EntryStore:
        """The store underneath (for audits and exports)."""
        return self._store

    @property
    def signer(self) -> Signer | None:
        """The key that signs new entries, or None for a read-only log."""
        return self._signer

    def entry(self, seq: int) -> LogEntry:
        """Entry ``seq``, parsed (its signature is not checked: see the audit)."""
        return LogEntry.parse(self._store.read_entry(seq), where=f"entry {seq}")

    def entries(self, start: int = 0, stop: int | None = None) -> Iterator[LogEntry]:
        """Entries from ``start`` up to ``stop``, parsed, streaming."""
        for seq, data in enumerate(self._store.iter_entries(start, stop), start):
            yield LogEntry.parse(data, where=f"entry {seq}")

    def __iter__(self) -> Iterator[LogEntry]:
        return self.entries()

    def __len__(self) -> int:
        return self.size

    def _size_arg(self, size: int | None, *, name: str = "size") -> int:
        current = self._store.size()
        if size is None:
            return current
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= current:
            raise InputError(f"expected a tree size from 0 to {current}", path=name, got=size)
        return size

    def _nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        found = self._store.get_nodes(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            # The store lost hashes it committed to: the log needs an audit, not a guess.
            raise InputError(f"the store lacks Merkle nodes {missing[:3]}", path="store")
        return found

    def _frontier(self, size: int) -> merkle.MerkleAccumulator:
        keys = merkle.frontier_nodes(size)
        found = self._nodes(keys)
        return merkle.MerkleAccumulator.restore(size, [found[key] for key in keys])

    def _tree_at(self, size: int) -> merkle.MerkleAccumulator:
        """A tree of ``size`` leaves to extend: our last committed one, or read from the store."""
        known = self._tree
        # Entries only append, so a tree of the same size is the same tree; another writer
        # (another process) changes the size, and then the store is read again.
        if known is not None and known.size == size:
            return known.copy()
        return self._frontier(size)

    def root_hash(self, size: int | None = None) -> bytes:
        """The Merkle root of the first ``size`` entries (default: all)."""
        return self._frontier(self._size_arg(size)).root()

    def inclusion_proof(self, seq: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 audit path for entry ``seq`` in the tree of ``size`` entries."""
        n = self._size_arg(size)
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < n:
            raise InputError(
                f"expected an entry number below the tree size {n}", path="seq", got=seq
            )
        plan = merkle.inclusion_proof_plan(seq, n)
        return plan.assemble(self._nodes(plan.nodes))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 6962 consistency proof from ``old_size`` to ``new_size`` (default: all)."""
        n = self._size_arg(new_size, name="new_size")
        if isinstance(old_size, bool) or not isinstance(old_size, int) or not 0 < old_size <= n:
            raise InputError(f"expected an old size from 1 to {n}", path="old_size", got=old_size)
        plan = merkle.consistency_proof_plan(old_size, n)
        return plan.assemble(self._nodes(plan.nodes))

    def checkpoint_at(self, size: int | None = None) -> Checkpoint:
        """The (unsigned) checkpoint of the first ``size`` entries."""
        n = self._size_arg(size)
        return Checkpoint(origin=self.origin, size=n, root_hash=self.root_hash(n))

    def checkpoint(self, size: int | None = None) -> str:
        """A C2SP checkpoint of the log, signed by the log's key, as a signed note."""
        return notes.sign(self.checkpoint_at(size).to_text(), self._require_signer())

    # -- writing ----------------------------------------------------------------------

    def _require_signer(self) -> Signer:
        if self._signer is None:
            raise InputError("this log was opened read-only: pass signer= to write or sign")
        return self._signer

    def append(self, record: Any, *, time: datetime | None = None) -> LogEntry:
        """Append one record; return its signed entry once it is committed."""
        self._require_signer()
        _refuse_key_event(record, "records[0]")
        return self._append_encoded([record], time=time)[0]

    def append_many(
        self, records: Iterable[Any], *, time: datetime | None = None
    ) -> list[LogEntry]:
        """Append records as one atomic batch (one transaction, one sync, in durable stores)."""
        self._require_signer()
        records = list(records)
        for i, record in enumerate(records):
            _refuse_key_event(record, f"records[{i}]")
        return self._append_encoded(records, time=time)

    def _append_encoded(self, records: list[Any], *, time: datetime | None) -> list[LogEntry]:
        signer = self._require_signer()
        encoded = [codec.encode(r) for r in records]
        if not encoded:
            return []
        stamp = to_utc(time if time is not None else self._clock(), path="time")

        def prepare(
            head: Head, store: EntryStore
        ) -> tuple[AppendBatch, tuple[list[LogEntry], merkle.MerkleAccumulator]]:
            size = head.size
            if self._key_checked_at != size:
                self._check_signer(head, store)
            # Entry times never go backwards: a clock step back (NTP) is absorbed here, and
            # the event's own time stays in its record.
            last_time = head.last_time
            when = stamp if last_time is None or stamp >= last_time else last_time
            prev = head.last_hash or GENESIS_PREV
            tree = self._tree_at(size)
            batch_signer = self._entry_signer(store.origin, signer, when)
            sign, leaf_hash, grow = batch_signer.sign, merkle.leaf_hash, tree.append_returning_nodes
            built: list[LogEntry] = []
            rows: list[tuple[int, bytes]] = []
            nodes: dict[NodeKey, bytes] = {}
            last = size + len(encoded) - 1
            for seq, rec in enumerate(encoded, size):
                entry = sign(seq=seq, prev=prev, record=rec)
                data = entry.data
                if seq != last:
                    # The last entry's hash is the next batch's prev: the store works it
                    # out for its head, and LogEntry.hash on demand.
                    prev = entry_hash(data)
                for level, index, digest in grow(leaf_hash(data)):
                    nodes[level, index] = digest
                built.append(entry)
                rows.append((seq, data))
            batch = AppendBatch(
                entries=rows,
                nodes=nodes,
                last_time=when,
                last_signer=batch_signer.fingerprint,
            )
            return batch, (built, tree)

        entries, tree = self._store.append_batch(prepare)
        # Committed: the next append in this process starts from this tree, not from a read.
        self._tree = tree
        self._after_append(entries[-1])
        return entries

    def _entry_signer(self, origin: str, signer: Signer, when: datetime) -> EntrySigner:
        """An :class:`EntrySigner` for this batch, reusing what the last batch worked out."""
        last = self._last_entry_signer
        if last is not None and last[0] == origin and last[1] is signer:
            return last[2].at(when)
        made = EntrySigner(origin=origin, signer=signer, time=when)
        self._last_entry_signer = (origin, signer, made)
        return made

    def rotate_key(
        self,
        new_signer: Signer,
        *,
        reason: str,
        event_id: str,
        time: datetime | None = None,
    ) -> LogEntry:
        """Introduce ``new_signer`` through the log itself, then sign with it.

        The rotation entry is signed by the current key; from the next entry on only the
        new key may sign. Verifiers that trust the first key follow the rotation.
        """
        current = self._require_signer()
        if new_signer.fingerprint == current.fingerprint:
            raise InputError("the new key must differ from the current one", path="new_signer")
        when = to_utc(time if time is not None else self._clock(), path="time")
        history = self._keys()
        if new_signer.fingerprint in history.revoked:
            raise InputError(
                f"key {new_signer.fingerprint} was revoked in this log: it may never sign again",
                path="new_signer",
            )
        if new_signer.fingerprint in history.known:
            # Its window closed when the log rotated away from it: a verifier following
            # the log would refuse whatever it signed now.
            raise InputError(
                f"key {new_signer.fingerprint} already served this log; rotate to a fresh key",
                path="new_signer",
            )
        verifier = new_signer.verifier
        algorithm = verifier.algorithm
        if algorithm not in KEY_ALGORITHMS:
            raise InputError(
                f"expected a key of {', '.join(KEY_ALGORITHMS)}", path="new_signer", got=algorithm
            )
        record = KeyRotation(
            event_id=event_id,
            event_time=when,
            new_key_name=verifier.name,
            new_key_algorithm=algorithm,
            new_public_key=verifier.public_bytes_der(),
            new_fingerprint=verifier.fingerprint,
            valid_from=when,
            previous_valid_until=None,
            reason=reason,
        )
        entry = self._append_encoded([record], time=when)[0]
        self._signer = new_signer
        self._key_checked_at = None
        return entry

    def revoke_key(
        self,
        fingerprint: str,
        *,
        revoked_at: datetime,
        reason: str,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> LogEntry:
        """Record that key ``fingerprint`` is not to be trusted from ``revoked_at`` on.

        The revocation is a ``key-revocation/v1`` entry signed by the log's current key.
        An audit then reports every entry the revoked key signed at or after
        ``revoked_at`` -- before or after this entry in the log -- as ``revoked-key``,
        and refuses checkpoints signed by that key alone (a note carries no time).

        Refused with :class:`~legaldelivery.errors.InputError`:

        * the current key: a log must always have a key that may continue it, so after a
          compromise first :meth:`rotate_key` to a fresh key, then revoke the old one;
        * a key this log never had (it neither signed the first entry nor was introduced
          by a rotation): a revocation of it would protect nothing;
        * ``revoked_at`` after the entry's time: a revocation records a compromise that
          has happened (the time the key may have left the court's control, usually well
          before it is noticed); a planned end of a key is a rotation;
        * a key already revoked at or before ``revoked_at``: revocations are only ever
          moved earlier.

        ``event_id`` defaults to one made of the fingerprint and ``revoked_at``; ``time``
        is the entry's time (default: the log's clock).

        >>> from datetime import datetime, timezone
        >>> from legaldelivery.keys import Ed25519Signer
        >>> from legaldelivery.testing.fakes import sample_records
        >>> leaked = Ed25519Signer.generate("court.example/log")
        >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=leaked)
        >>> _ = log.append(sample_records()[0], time=datetime(2026, 3, 2, tzinfo=timezone.utc))
        >>> fresh = Ed25519Signer.generate("court.example/log")
        >>> _ = log.rotate_key(fresh, reason="key compromise", event_id="rotate-1",
        ...                    time=datetime(2026, 3, 9, tzinfo=timezone.utc))
        >>> entry = log.revoke_key(leaked.fingerprint, reason="laptop stolen",
        ...                        revoked_at=datetime(2026, 3, 1, tzinfo=timezone.utc),
        ...                        time=datetime(2026, 3, 9, 1, tzinfo=timezone.utc))
        >>> entry.record_type, entry.signer == fresh.fingerprint
        ('key-revocation/v1', True)

        .. versionadded:: 0.1.0
        """
        current = self._require_signer()
        if not isinstance(fingerprint, str):
            raise InputError("expected a fingerprint (str)", path="fingerprint", got=fingerprint)
        when = to_utc(time if time is not None else self._clock(), path="time")
        at = to_utc(revoked_at, path="revoked_at")
        if fingerprint == current.fingerprint:
            raise InputError(
                "this is the log's current key: rotate_key() to a fresh key first, then "
                "revoke this one (a log must keep a key that may continue it)",
                path="fingerprint",
            )
        if at > when:
            raise InputError(
                f"revoked_at is after the revocation is recorded ({format_instant(when)}): "
                "revoke from when the key may have left your control; a planned end of a "
                "key is a rotation",
                path="revoked_at",
                got=format_instant(at),
            )
        history = self._keys()
        if fingerprint not in history.known:
            raise InputError(
                "not a key of this log: it never signed its first entry and no rotation "
                "introduced it",
                path="fingerprint",
                got=fingerprint,
            )
        already = history.revoked.get(fingerprint)
        if already is not None and already <= at:
            raise InputError(
                f"already revoked from {format_instant(already)}; a revocation can only be "
                "moved earlier",
                path="revoked_at",
                got=format_instant(at),
            )
        record = KeyRevocation(
            event_id=event_id
            if event_id is not None
            else f"key-revocation-{fingerprint[:16]}-{format_instant(at)}",
            event_time=when,
            fingerprint=fingerprint,
            revoked_at=at,
            reason=reason,
        )
        return self._append_encoded([record], time=when)[0]

    def _keys(self) -> _KeyHistory:
        """The keys this log has known and revoked, brought up to its current size."""
        history = self._keys_read
        size = self._store.size()
        if history.size < size:
            history.read(self._store, size)
        return history

    def _after_append(self, last: LogEntry) -> None:
        if last.record.get("type") == _ROTATION_TAG:
            # We rotated away from our own key: nothing more may be signed with it.
            self._key_checked_at = None
        else:
            self._key_checked_at = last.seq + 1

    def _check_signer(self, head: Head, store: EntryStore) -> None:
        """The log's current key must be ours, or the last entry must rotate to ours."""
        signer = self._signer
        if signer is None or head.size == 0 or self._key_checked_at == head.size:
            return
        last = LogEntry.parse(store.read_entry(head.size - 1), where=f"entry {head.size - 1}")
        allowed = last.signer
        if last.record_type == _ROTATION_TAG:
            rotation = codec.decode(last.record)
            assert isinstance(rotation, KeyRotation)
            allowed = rotation.new_fingerprint
        if allowed != signer.fingerprint:
            raise InputError(
                f"this log's current key is {allowed}; the signer given is {signer.fingerprint}",
                path="signer",
            )
        self._key_checked_at = head.size

    # -- export -----------------------------------------------------------------------

    def export_jsonl(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> int:
        """Write every entry as one canonical line to ``path``; return the entry count.

        The file is written beside its destination, synced, then renamed into place, so a
        crash leaves either no export or a complete one.
        """
        target = Path(path)
        if target.exists() and not overwrite:
            raise InputError("file exists; pass overwrite=True to replace it", path=str(target))
        count = 0
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "wb") as out:
                for data in self._store.iter_entries():
                    out.write(data)
                    out.write(b"\n")
                    count += 1
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return count


class _KeyHistory:
    """The keys a log has had, read incrementally from its key events.

    A log's keys are the first entry's signer and every key a rotation introduced;
    revocations say from when each is revoked. Key events are rare, so the entries are
    screened for their type tag as bytes before any is parsed.
    """

    __slots__ = ("known", "revoked", "size")

    _ROTATION = codec.tag_of(KeyRotation)
    _REVOCATION = codec.tag_of(KeyRevocation)
    # Entries are stored canonical, so a key event's record shows its tag exactly so.
    _NEEDLES = tuple(f'"type":"{tag}"'.encode() for tag in (_ROTATION, _REVOCATION))

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.revoked: dict[str, datetime] = {}
        self.size = 0

    def read(self, store: EntryStore, size: int) -> None:
        for seq, data in enumerate(store.iter_entries(self.size, size), self.size):
            if seq == 0:
                self.known.add(LogEntry.parse(data, where="entry 0").signer)
            if not any(needle in data for needle in self._NEEDLES):
                continue
            entry = LogEntry.parse(data, where=f"entry {seq}")
            # The tag may also be met in a record's own content: the record type decides.
            record = codec.decode(entry.record)
            if isinstance(record, KeyRotation):
                self.known.add(record.new_fingerprint)
            elif isinstance(record, KeyRevocation):
                known = self.revoked.get(record.fingerprint, record.revoked_at)
                self.revoked[record.fingerprint] = min(known, record.revoked_at)
        self.size = size


def _store_kind(path: str | os.PathLike[str]) -> str:
    """Which store a location asks for: "postgres" by URL, else "sqlite" or "jsonl" by suffix."""
    text = os.fspath(path)
    # Decided by the scheme alone, so the PostgreSQL driver is imported only for its URLs.
    if isinstance(text, str) and text[:13].lower().startswith(("postgresql://", "postgres://")):
        return "postgres"
    suffix = Path(path).suffix.lower()
    if suffix in (".sqlite", ".sqlite3", ".db"):
        return "sqlite"
    if suffix == ".jsonl":
        return "jsonl"
    problem = (
        "unsupported log location: use a .sqlite or .db file (SQLite), a .jsonl file "
        "(JSON Lines), a postgresql:// URL (PostgreSQL) or ':memory:'"
    )
    if "://" in str(text):
        # Some other URL: it may carry a password, so it is not echoed.
        raise InputError(problem, path="path")
    raise InputError(problem, path="path", got=text)


def _new_store(path: str | os.PathLike[str], *, origin: str) -> EntryStore:
    if os.fspath(path) == MEMORY:
        return MemoryStore(origin=origin)
    # Imported here: the persistent stores are optional weight for in-memory users.
    kind = _store_kind(path)
    if kind == "postgres":
        from legaldelivery.log.postgres import PostgresStore

        return PostgresStore.create(os.fspath(path), origin=origin)
    if kind == "sqlite":
        from legaldelivery.log.sqlite import SqliteStore

        return SqliteStore.create(path, origin=origin)
    from legaldelivery.log.jsonl import JsonlStore

    return JsonlStore.create(path, origin=origin)


def _open_store(path: str | os.PathLike[str], *, read_only: bool, origin: str | None) -> EntryStore:
    if os.fspath(path) == MEMORY:
        raise InputError(
            "an in-memory log cannot be reopened; keep the EvidenceLog object", path="path"
        )
    kind = _store_kind(path)
    if kind == "postgres":
        from legaldelivery.log.postgres import PostgresStore

        return PostgresStore.open(os.fspath(path), read_only=read_only)
    if kind == "sqlite":
        from legaldelivery.log.sqlite import SqliteStore

        return SqliteStore.open(path, read_only=read_only)
    from legaldelivery.log.jsonl import JsonlStore

    return JsonlStore.open(path, origin=origin, read_only=read_only)

"""The JSON Lines store: the log as one canonical entry per line, in a file anyone can read.

The file is exactly the public export format, so standard tools can audit it while it
grows. Merkle hashes are not stored beside it: they are rebuilt in memory when the file
is opened (O(n) hashing, about 32 bytes per tree node kept), so the file stays the single
source of truth and no second file can disagree with it after a crash. Writers in
several processes serialise on an OS file lock. A crash can leave an incomplete last
line; opening such a file fails with an :class:`~legaldelivery.errors.InputError` naming
its byte offset, and :func:`recover` removes exactly that line. Lines are read in chunks
and none may exceed :data:`MAX_ENTRY_BYTES`, so opening a hostile file takes bounded
memory and linear time.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

import attrs

from legaldelivery import merkle
from legaldelivery.errors import InputError, StoreError, VerificationError

# One limit for every reader and writer of entries, re-exported here for the store's readers.
from legaldelivery.log.entry import MAX_ENTRY_BYTES, LogEntry, entry_hash
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey, check_batch

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from legaldelivery.audit import AuditReport
    from legaldelivery.keys import KeyRing, Verifier

__all__ = [
    "MAX_ENTRY_BYTES",
    "FsyncPolicy",
    "JsonlSettings",
    "JsonlStore",
    "TornTail",
    "import_jsonl",
    "recover",
]

T = TypeVar("T")

FsyncPolicy = Literal["always", "batch", "never"]
"""When a :class:`JsonlStore` calls ``fsync``; see :class:`JsonlSettings`."""

_READ_CHUNK = 1 << 20
_HASH = merkle.HASH_SIZE


@attrs.frozen(kw_only=True)
class JsonlSettings:
    """When a :class:`JsonlStore` forces its writes to disk, and what an append then promises.

    Every policy writes each batch with one ``write`` before the append returns, so an
    acknowledged entry survives the *process* being killed: the kernel holds it. They
    differ on a power failure or kernel crash:

    * ``fsync="always"`` (default) -- every batch is synced before the append returns: an
      acknowledged entry survives a power failure.
    * ``fsync="batch"`` -- the store syncs once ``sync_every`` entries have been written
      since the last sync, and on :meth:`JsonlStore.sync` and ``close()``: a power
      failure may lose up to the last ``sync_every - 1`` acknowledged entries, or leave a
      torn last line for :func:`recover`.
    * ``fsync="never"`` -- the store never syncs; the operating system writes back when it
      likes (on Linux typically within 30 seconds).

    >>> JsonlSettings().fsync
    'always'
    >>> JsonlSettings(fsync="sometimes")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: fsync: expected 'always', 'batch' or 'never' (got 'sometimes')

    .. versionadded:: 0.1.0
    """

    fsync: FsyncPolicy = attrs.field(default="always")
    sync_every: int = attrs.field(default=1000)

    @fsync.validator
    def _check_fsync(self, _attribute: object, value: object) -> None:
        if value not in ("always", "batch", "never"):
            raise InputError("expected 'always', 'batch' or 'never'", path="fsync", got=value)

    @sync_every.validator
    def _check_sync_every(self, _attribute: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError("expected a positive number of entries", path="sync_every", got=value)


@attrs.frozen(kw_only=True)
class TornTail:
    """What :func:`recover` removed: the incomplete last line of a JSON Lines log.

    ``offset`` is where the removed bytes began (the file's new length), ``removed`` how
    many bytes were cut and ``sha256`` their lowercase hex SHA-256, so the cut can be
    recorded and matched against a copy taken before recovery.

    .. versionadded:: 0.1.0
    """

    path: str
    offset: int
    removed: int
    sha256: str

    def __str__(self) -> str:
        return (
            f"{self.path}: removed an incomplete last line of {self.removed} bytes at offset "
            f"{self.offset} (sha256 {self.sha256})"
        )


def _lock(fd: int, exclusive: bool) -> None:
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)


def _unlock(fd: int) -> None:
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_UN)


def _sync_directory(path: Path) -> None:
    """Make a new file's name durable, not only its contents (POSIX)."""
    if sys.platform == "win32":  # pragma: no cover -- directories cannot be opened there
        return
    fd = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _torn_message(offset: int, length: int) -> str:
    return (
        f"the last line, {length} bytes from byte offset {offset}, has no line end: an "
        "interrupted write; legaldelivery.log.jsonl.recover(path) removes it"
    )


def recover(path: str | os.PathLike[str]) -> TornTail | None:
    """Remove an incomplete last line left by a crash; return what was removed, or None.

    Only bytes after the file's last line end are cut: complete entries are never touched,
    whatever they contain (the audit judges them). Takes the file's write lock, so it is
    safe beside live writers, and syncs the cut to disk.

    >>> import tempfile, pathlib
    >>> folder = tempfile.TemporaryDirectory()
    >>> log = pathlib.Path(folder.name) / "log.jsonl"
    >>> _ = log.write_bytes(b'{"complete":1}\\n{"torn')
    >>> torn = recover(log)
    >>> torn.offset, torn.removed, log.read_bytes()
    (15, 6, b'{"complete":1}\\n')
    >>> recover(log) is None
    True
    >>> folder.cleanup()

    .. versionadded:: 0.1.0
    """
    target = Path(path)
    try:
        fd = os.open(target, os.O_RDWR)
    except OSError as exc:
        raise InputError(f"cannot open the log ({exc.strerror})", path=str(target)) from exc
    try:
        _lock(fd, exclusive=True)
        size = os.fstat(fd).st_size
        cut = 0
        position = size
        while position > 0:
            start = max(0, position - _READ_CHUNK)
            chunk = os.pread(fd, position - start, start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                cut = start + newline + 1
                break
            position = start
        if cut == size:
            return None
        digest = hashlib.sha256()
        position = cut
        while position < size:
            chunk = os.pread(fd, min(_READ_CHUNK, size - position), position)
            if not chunk:  # pragma: no cover -- the file shrank under our exclusive lock
                break
            digest.update(chunk)
            position += len(chunk)
        os.ftruncate(fd, cut)
        os.fsync(fd)
        return TornTail(path=str(target), offset=cut, removed=size - cut, sha256=digest.hexdigest())
    except OSError as exc:
        raise StoreError(f"cannot recover the log ({exc.strerror})", path=str(target)) from exc
    finally:
        os.close(fd)  # closing releases the lock


class JsonlStore(EntryStore):
    """An evidence log in a JSON Lines file (``.jsonl``): one canonical entry per line.

    Create with :meth:`create`, reopen with :meth:`open`. Opening reads the whole file
    once to rebuild the Merkle hashes in memory; after that, proofs and roots read no file
    data and single entries are read by offset. Appends take an exclusive ``flock`` on the
    file and first read any lines other processes added, so several processes may append
    to one file and still form one chain.

    An empty file names no origin (the origin lives in the entries): reopen one with
    ``JsonlStore.open(path, origin=...)``.

    >>> import tempfile, pathlib
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "court.jsonl"
    >>> store = JsonlStore.create(path, origin="court.example/log")
    >>> store.size(), store.origin, store.settings.fsync
    (0, 'court.example/log', 'always')
    >>> store.close()
    >>> folder.cleanup()

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, fd: int, *, path: Path, origin: str | None, settings: JsonlSettings, read_only: bool
    ) -> None:
        """Wrap an open file descriptor; use :meth:`create` or :meth:`open` instead."""
        self._fd: int | None = fd
        self._path = path
        self._origin = origin
        self._settings = settings
        self._read_only = read_only
        self._lock = threading.RLock()
        self._flock_depth = 0
        # The index of the complete lines read so far: where each starts, where the last
        # ends, and every perfect-subtree hash (level l, node i at bytes [32i, 32i+32)).
        self._offsets = array("q")
        self._end = 0
        self._levels: list[bytearray] = []
        self._tree = merkle.MerkleAccumulator()
        self._head = Head(size=0, last_hash=None, last_time=None, last_signer=None)
        self._torn: tuple[int, int] | None = None
        self._unsynced = 0

    # -- construction -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        origin: str,
        settings: JsonlSettings | None = None,
    ) -> JsonlStore:
        """Create a new, empty log file at ``path``; refuse an existing file."""
        settings = settings or JsonlSettings()
        target = Path(path)
        if not isinstance(origin, str) or not origin:
            raise InputError("expected a non-empty string", path="origin", got=origin)
        try:
            fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError as exc:
            raise InputError(
                "a file already exists here; open it instead", path=str(target)
            ) from exc
        except OSError as exc:
            raise InputError(f"cannot create the log ({exc.strerror})", path=str(target)) from exc
        if settings.fsync != "never":
            try:
                os.fsync(fd)
                _sync_directory(target)
            except OSError as exc:
                os.close(fd)
                target.unlink(missing_ok=True)
                raise StoreError(
                    f"cannot sync the new log ({exc.strerror})", path=str(target)
                ) from exc
        return cls(fd, path=target, origin=origin, settings=settings, read_only=False)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        origin: str | None = None,
        settings: JsonlSettings | None = None,
        read_only: bool = False,
    ) -> JsonlStore:
        """Open an existing log file and index it (reads the whole file once).

        Raises :class:`~legaldelivery.errors.InputError` for a missing file, for an
        incomplete last line (naming its byte offset: see :func:`recover`), for a line
        longer than :data:`MAX_ENTRY_BYTES` (naming its byte offset; read in chunks, never
        held whole), for a last or first line that is not an entry, for an empty file
        without ``origin``, and when ``origin`` is given but differs from the entries'.
        """
        settings = settings or JsonlSettings()
        target = Path(path)
        if not target.is_file():
            raise InputError("no log file here", path=str(target))
        flags = os.O_RDONLY if read_only else os.O_RDWR | os.O_APPEND
        try:
            fd = os.open(target, flags)
        except OSError as exc:
            raise InputError(f"cannot open the log ({exc.strerror})", path=str(target)) from exc
        store = cls(fd, path=target, origin=origin, settings=settings, read_only=read_only)
        try:
            with store._locked(exclusive=False):
                store._scan()
            if store._torn is not None:
                raise InputError(_torn_message(*store._torn), path=str(target))
            store._current_head()
            if store._origin is None:
                raise InputError(
                    "an empty JSON Lines log names no origin (the entries carry it): "
                    "open it with JsonlStore.open(path, origin=...)",
                    path=str(target),
                )
        except BaseException:
            store.close()
            raise
        return store

    # -- properties ---------------------------------------------------------------------

    @property
    def origin(self) -> str:
        if self._origin is None:  # pragma: no cover -- open() refuses a store without one
            raise InputError("this log names no origin yet", path=str(self._path))
        return self._origin

    @property
    def path(self) -> Path:
        """The JSON Lines file."""
        return self._path

    @property
    def settings(self) -> JsonlSettings:
        """The fsync policy this store was opened with."""
        return self._settings

    @property
    def read_only(self) -> bool:
        """True when opened ``read_only``: appends are refused."""
        return self._read_only

    def _live(self) -> int:
        if self._fd is None:
            raise InputError("the store is closed", path=str(self._path))
        return self._fd

    # -- the index ----------------------------------------------------------------------

    def _locked(self, *, exclusive: bool) -> _FileLock:
        return _FileLock(self, exclusive=exclusive)

    def _scan(self) -> None:
        """Index the complete lines after the indexed end (call with the file locked)."""
        fd = self._live()
        try:
            size = os.fstat(fd).st_size
        except OSError as exc:
            raise StoreError(f"cannot read the log ({exc.strerror})", path=str(self._path)) from exc
        if size < self._end:
            raise InputError(
                f"the file shrank to {size} bytes below its {self._end} bytes of complete "
                "entries: it was cut or replaced behind the log's back",
                path=str(self._path),
            )
        line_start = self._end
        position = self._end
        # Only the line being read is kept: never more than MAX_ENTRY_BYTES plus one chunk.
        pending = bytearray()
        try:
            while position < size:
                chunk = os.pread(fd, min(_READ_CHUNK, size - position), position)
                if not chunk:
                    break
                position += len(chunk)
                # Search only the new bytes: the older ones hold no line end, and searching
                # them again per chunk would make a long line cost quadratic time.
                cursor = len(pending)
                pending += chunk
                start = 0
                while (newline := pending.find(b"\n", cursor)) >= 0:
                    if newline - start > MAX_ENTRY_BYTES:
                        raise self._over_long(line_start, newline - start)
                    self._index_line(line_start, bytes(pending[start:newline]))
                    line_start += newline - start + 1
                    # Advanced line by line: an error on a later line keeps the index whole.
                    self._end = line_start
                    start = cursor = newline + 1
                del pending[:start]
                if len(pending) > MAX_ENTRY_BYTES:
                    end = self._line_end(position, size)
                    if end is not None:
                        raise self._over_long(line_start, end - line_start)
                    # No line end follows: a torn tail, which recover() may cut.
                    position = size
                    break
        except OSError as exc:
            raise StoreError(f"cannot read the log ({exc.strerror})", path=str(self._path)) from exc
        self._torn = (line_start, position - line_start) if position > line_start else None

    def _line_end(self, position: int, size: int) -> int | None:
        """The offset of the first line end in ``[position, size)``, or None.

        Reads chunk by chunk and keeps none of it: how an over-long line is measured.
        """
        fd = self._live()
        while position < size:
            chunk = os.pread(fd, min(_READ_CHUNK, size - position), position)
            if not chunk:  # pragma: no cover -- the file shrank under our lock
                break
            newline = chunk.find(b"\n")
            if newline >= 0:
                return position + newline
            position += len(chunk)
        return None

    def _over_long(self, offset: int, length: int) -> InputError:
        return InputError(
            f"the line at byte offset {offset} (entry {len(self._offsets)}) is {length} bytes "
            f"long; an entry has at most MAX_ENTRY_BYTES = {MAX_ENTRY_BYTES} bytes: not a "
            "log this library wrote",
            path=str(self._path),
        )

    def _index_line(self, offset: int, data: bytes) -> None:
        seq = len(self._offsets)
        if seq == 0 and self._origin is None:
            self._origin = LogEntry.parse(data, where="entry 0").origin
        elif seq == 0:
            found = LogEntry.parse(data, where="entry 0").origin
            if found != self._origin:
                raise InputError(
                    f"the entries' origin is {found!r}, not {self._origin!r}", path=str(self._path)
                )
        self._offsets.append(offset)
        self._store_nodes(self._tree.append_returning_nodes(merkle.leaf_hash(data)))

    def _store_nodes(self, rows: Iterable[merkle.NodeHash]) -> None:
        levels = self._levels
        for level, _index, digest in rows:
            if level == len(levels):
                levels.append(bytearray())
            # Nodes are completed in index order, so each lands at the end of its level.
            levels[level] += digest

    def _current_head(self) -> Head:
        """The head of the indexed lines, parsing the last one if it is new to us."""
        size = len(self._offsets)
        if self._head.size != size:
            start, stop = self._span(size - 1)
            last = self._read(start, stop - start)
            entry = LogEntry.parse(last, where=f"entry {size - 1}")
            self._head = Head(
                size=size,
                last_hash=entry_hash(last),
                last_time=entry.time,
                last_signer=entry.signer,
            )
        return self._head

    def _refresh(self) -> None:
        """Pick up lines that other processes appended (not while we hold the write lock)."""
        if self._flock_depth:
            return
        with self._locked(exclusive=False):
            self._scan()

    # -- reading ------------------------------------------------------------------------

    def size(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._offsets)

    def head(self) -> Head:
        with self._lock:
            self._refresh()
            return self._current_head()

    def _span(self, seq: int) -> tuple[int, int]:
        start = self._offsets[seq]
        stop = self._offsets[seq + 1] if seq + 1 < len(self._offsets) else self._end
        return start, stop - 1

    def read_entry(self, seq: int) -> bytes:
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise InputError("expected an entry number", path="seq", got=seq)
        with self._lock:
            if seq >= len(self._offsets):
                self._refresh()
            count = len(self._offsets)
            if not 0 <= seq < count:
                raise InputError(f"no entry {seq} in a log of {count}", path="seq")
            start, stop = self._span(seq)
            return self._read(start, stop - start)

    def _read(self, offset: int, length: int) -> bytes:
        fd = self._live()
        parts: list[bytes] = []
        try:
            while length > 0:
                chunk = os.pread(fd, length, offset)
                if not chunk:
                    raise InputError(
                        f"the file ends at byte {offset}, inside an indexed entry",
                        path=str(self._path),
                    )
                parts.append(chunk)
                offset += len(chunk)
                length -= len(chunk)
        except OSError as exc:
            raise StoreError(f"cannot read the log ({exc.strerror})", path=str(self._path)) from exc
        return b"".join(parts)

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        with self._lock:
            count = self.size()
            end = count if stop is None else min(stop, count)
            seq = max(start, 0)
            if seq >= end:
                return
            position = self._offsets[seq]
            limit = self._span(end - 1)[1] + 1
        pending = bytearray()
        while position < limit:
            with self._lock:
                chunk = self._read(position, min(_READ_CHUNK, limit - position))
            position += len(chunk)
            # Only the new bytes can hold the next line end (see _scan).
            cursor = len(pending)
            pending += chunk
            begin = 0
            while (newline := pending.find(b"\n", cursor)) >= 0:
                yield bytes(pending[begin:newline])
                begin = cursor = newline + 1
            del pending[:begin]

    def get_nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        with self._lock:
            levels = self._levels
            for level, index in keys:
                if (
                    0 <= level < len(levels)
                    and index >= 0
                    and (index + 1) * _HASH <= len(levels[level])
                ):
                    found[(level, index)] = bytes(
                        levels[level][index * _HASH : (index + 1) * _HASH]
                    )
        return found

    # -- writing ------------------------------------------------------------------------

    def append_batch(self, prepare: Callable[[Head, EntryStore], tuple[AppendBatch, T]]) -> T:
        if self._read_only:
            raise InputError("this store was opened read_only", path=str(self._path))
        with self._lock, self._locked(exclusive=True):
            # Another process may have appended since we last looked: index its lines first.
            self._scan()
            if self._torn is not None:
                raise InputError(_torn_message(*self._torn), path=str(self._path))
            head = self._current_head()
            batch, result = prepare(head, self)
            checked = check_batch(head.size, batch)
            if not checked.datas:
                return result
            tree = self._tree.copy()
            payload = bytearray()
            offsets: list[int] = []
            rows: list[merkle.NodeHash] = []
            for seq, data in enumerate(checked.datas, head.size):
                if b"\n" in data:
                    raise InputError(
                        "an entry's canonical bytes never hold a line end", path=f"entry {seq}"
                    )
                if len(data) > MAX_ENTRY_BYTES:
                    # The store could not open a file holding it, and nor could a reader.
                    raise InputError(
                        f"an entry has at most MAX_ENTRY_BYTES = {MAX_ENTRY_BYTES} bytes; "
                        f"this one has {len(data)}",
                        path=f"entry {seq}",
                    )
                offsets.append(self._end + len(payload))
                payload += data
                payload += b"\n"
                # check_batch has matched the leaf hash to the bytes.
                rows.extend(tree.append_returning_nodes(checked.nodes[0, seq]))
            # This store rebuilds the inner nodes from its own tree, so unlike the others
            # it can also refuse a wrong inner hash: the caller's tree is not this log's.
            for level, index, digest in rows:
                if checked.nodes[level, index] != digest:
                    raise InputError(
                        f"the batch's Merkle node ({level}, {index}) does not match this "
                        "log's tree",
                        path="nodes",
                    )
            self._write(bytes(payload), len(checked.datas))
            self._offsets.extend(offsets)
            self._end += len(payload)
            self._tree = tree
            self._store_nodes(rows)
            self._head = Head(
                size=head.size + len(checked.datas),
                last_hash=entry_hash(checked.datas[-1]),
                last_time=batch.last_time,
                last_signer=batch.last_signer,
            )
            return result

    def _write(self, payload: bytes, count: int) -> None:
        """Append ``payload`` at the indexed end and sync per policy; undo it on failure."""
        fd = self._live()
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            self._unsynced += count
            if self._settings.fsync == "always" or (
                self._settings.fsync == "batch" and self._unsynced >= self._settings.sync_every
            ):
                os.fsync(fd)
                self._unsynced = 0
        except OSError as exc:
            # Leave no unacknowledged bytes behind for the next writer to chain onto.
            with contextlib.suppress(OSError):  # a disk that refuses even that: audit finds it
                os.ftruncate(fd, self._end)
            raise StoreError(
                f"cannot append to the log ({exc.strerror})", path=str(self._path)
            ) from exc

    def sync(self) -> None:
        """Force every entry written so far to disk now, whatever the fsync policy."""
        with self._lock:
            fd = self._live()
            if self._read_only:
                return
            try:
                os.fsync(fd)
            except OSError as exc:
                raise StoreError(
                    f"cannot sync the log ({exc.strerror})", path=str(self._path)
                ) from exc
            self._unsynced = 0

    def close(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is None:
                return
            try:
                if self._unsynced and self._settings.fsync == "batch":
                    os.fsync(fd)
            finally:
                os.close(fd)

    def __repr__(self) -> str:
        return f"JsonlStore({str(self._path)!r}, origin={self._origin!r})"


class _FileLock:
    """The store's ``flock`` for a ``with`` block; nests, and never downgrades a held lock."""

    def __init__(self, store: JsonlStore, *, exclusive: bool) -> None:
        self._store = store
        self._exclusive = exclusive

    def __enter__(self) -> None:
        store = self._store
        if store._flock_depth == 0:
            try:
                _lock(store._live(), self._exclusive)
            except OSError as exc:
                raise StoreError(
                    f"cannot lock the log ({exc.strerror})", path=str(store._path)
                ) from exc
        store._flock_depth += 1

    def __exit__(self, *exc_info: object) -> None:
        store = self._store
        store._flock_depth -= 1
        if store._flock_depth == 0 and store._fd is not None:
            _unlock(store._fd)


def import_jsonl(
    src: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    trusted: Sequence[Verifier] | KeyRing,
    checkpoint: str | Sequence[str] | None = None,
) -> AuditReport:
    """Import a JSON Lines export into a new log file at ``dest``, once it verifies.

    The export is audited first (with the keys in ``trusted`` and any signed
    ``checkpoint`` notes); a log with any finding is refused with
    :class:`~legaldelivery.audit.AuditError` and nothing is created. The copy is built
    under a temporary name beside ``dest``, its Merkle root compared with the audited
    one (a source that changed meanwhile raises
    :class:`~legaldelivery.errors.VerificationError`), and only then linked into place:
    ``dest`` either does not exist or holds the complete, verified log. ``dest`` chooses
    the store like :meth:`EvidenceLog.create <legaldelivery.log.EvidenceLog.create>`
    (``.sqlite``/``.db`` or ``.jsonl``) and must not exist. Returns the audit report.

    .. versionadded:: 0.1.0
    """
    from legaldelivery.audit import audit_log, iter_jsonl
    from legaldelivery.log.evidencelog import _new_store, _store_kind

    source, target = Path(src), Path(dest)
    if os.fspath(dest) == ":memory:":
        raise InputError("import into a log file, not ':memory:'", path="dest")
    _store_kind(target)
    if not source.is_file():
        raise InputError("no log file here", path=str(source))
    if os.path.lexists(target):
        raise InputError("a file already exists here", path=str(target))
    report = audit_log(source, trusted, checkpoint)
    report.raise_for_findings()
    if report.origin is None:
        raise InputError("the export holds no entries, so it names no origin", path=str(source))
    temporary = target.with_name(f".{target.name}.import-{secrets.token_hex(6)}{target.suffix}")
    store = _new_store(temporary, origin=report.origin)
    try:
        tree = merkle.MerkleAccumulator()
        chunk: list[bytes] = []
        for data, _complete in iter_jsonl(source):
            chunk.append(data)
            if len(chunk) == _IMPORT_CHUNK:
                tree = _copy_chunk(store, tree, chunk)
                chunk = []
        if chunk:
            tree = _copy_chunk(store, tree, chunk)
        if tree.size != report.size or tree.root() != report.root_hash:
            raise VerificationError(
                f"the file changed while it was imported: audited {report.size} entries with "
                f"root {report.root_hash.hex()}, copied {tree.size} with root "
                f"{tree.root().hex()}",
                path=str(source),
            )
        store.close()
        try:
            # A hard link never replaces a file that appeared at dest meanwhile.
            os.link(temporary, target)
        except FileExistsError as exc:
            raise InputError("a file already exists here", path=str(target)) from exc
        except OSError as exc:
            raise StoreError(
                f"cannot move the import into place ({exc.strerror})", path=str(target)
            ) from exc
        try:
            _check_copy(target, report)
        except BaseException:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            raise
        _sync_directory(target)
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    return report


def _check_copy(target: Path, report: AuditReport) -> None:
    """The file linked into place holds the audited log (nothing stayed in a side file)."""
    from legaldelivery.log.evidencelog import _open_store

    store = _open_store(target, read_only=True, origin=None)
    try:
        size = store.size()
        keys = merkle.frontier_nodes(size)
        found = store.get_nodes(keys)
        root = merkle.MerkleAccumulator.restore(size, [found[key] for key in keys]).root()
    finally:
        store.close()
    if size != report.size or root != report.root_hash:  # pragma: no cover -- a broken disk
        raise StoreError(
            f"the imported file holds {size} entries with root {root.hex()}, not the audited "
            f"{report.size} with root {report.root_hash.hex()}",
            path=str(target),
        )


_IMPORT_CHUNK = 1000


def _copy_chunk(
    store: EntryStore, tree: merkle.MerkleAccumulator, chunk: list[bytes]
) -> merkle.MerkleAccumulator:
    """Append verified entry bytes as they are; return the tree extended by them."""

    def prepare(head: Head, _store: EntryStore) -> tuple[AppendBatch, merkle.MerkleAccumulator]:
        grown = tree.copy()
        nodes: dict[NodeKey, bytes] = {}
        for data in chunk:
            for row in grown.append_returning_nodes(merkle.leaf_hash(data)):
                nodes[(row.level, row.index)] = row.hash
        last = LogEntry.parse(chunk[-1], where=f"entry {head.size + len(chunk) - 1}")
        batch = AppendBatch(
            entries=[(head.size + i, data) for i, data in enumerate(chunk)],
            nodes=nodes,
            last_time=last.time,
            last_signer=last.signer,
        )
        return batch, grown

    return store.append_batch(prepare)

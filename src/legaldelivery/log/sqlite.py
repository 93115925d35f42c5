"""The SQLite store: the embedded default, durable and shared by many processes on one host.

One file holds the entries, each beside the perfect-subtree Merkle hashes it completes
(so every proof and root reads O(log n) rows by their integer key), and a little
metadata. Writers in any number of processes serialise on SQLite's write lock
(``BEGIN IMMEDIATE``); readers see consistent snapshots beside them (WAL). Durability is
a named setting, :class:`SqliteSettings`.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, TypeVar

import attrs

from legaldelivery import merkle
from legaldelivery.errors import InputError, StoreError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.log.entry import LogEntry, entry_hash
from legaldelivery.log.store import (
    AppendBatch,
    EntryStore,
    Head,
    NodeKey,
    check_batch,
    completed_by,
)

__all__ = [
    "FILE_FORMAT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Migration",
    "SqliteSettings",
    "SqliteStore",
    "migrate",
]

T = TypeVar("T")

FILE_FORMAT = "legaldelivery/sqlite"
"""The ``format`` value in the ``meta`` table: marks a file as a legaldelivery log."""

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
JournalMode = Literal["WAL", "DELETE", "TRUNCATE", "PERSIST"]

# Keys per node query: two parameters each, well below SQLite's parameter limit.
_NODE_CHUNK = 400
# Entries per read while streaming: short read transactions never hold back checkpoints.
_ENTRY_CHUNK = 512
_INSERT_ENTRY = "INSERT INTO entries (seq, hashes, data) VALUES (?, ?, ?)"
_MAX_SEQ = "SELECT max(seq) FROM entries"
# Node hashes remembered between commits (stored nodes never change, so they never go stale).
_NODE_CACHE_LIMIT = 4096


@attrs.frozen(kw_only=True)
class SqliteSettings:
    """How a :class:`SqliteStore` trades durability for speed, and how long writers wait.

    ``synchronous`` (SQLite's ``PRAGMA synchronous``):

    * ``"FULL"`` (default) -- every commit is synced to disk before the append returns:
      an acknowledged entry survives a process crash *and* a power failure.
    * ``"EXTRA"`` -- as FULL, and also syncs the directory after a rollback journal is
      deleted (matters only outside WAL mode).
    * ``"NORMAL"`` -- in WAL mode the log is synced only at checkpoints: an acknowledged
      entry survives a process crash, but the last few may be lost (never corrupted) on a
      power failure.
    * ``"OFF"`` -- SQLite never syncs: survives a process crash; a power failure may lose
      or corrupt recent data. For throwaway logs only.

    ``journal_mode`` is ``"WAL"`` by default, which lets readers work while a writer
    commits; the rollback-journal modes block readers during writes. ``busy_timeout_ms``
    is how long a writer waits for another process's write lock before giving up with
    :class:`~legaldelivery.errors.StoreError`.

    >>> SqliteSettings().synchronous, SqliteSettings().journal_mode
    ('FULL', 'WAL')
    >>> SqliteSettings(synchronous="SOMETIMES")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: synchronous: expected one of OFF, NORMAL, FULL, EXTRA
    (got 'SOMETIMES')

    .. versionadded:: 0.1.0
    """

    synchronous: Synchronous = attrs.field(default="FULL")
    journal_mode: JournalMode = attrs.field(default="WAL")
    busy_timeout_ms: int = attrs.field(default=30_000)

    @synchronous.validator
    def _check_synchronous(self, _attribute: object, value: object) -> None:
        _one_of(value, ("OFF", "NORMAL", "FULL", "EXTRA"), "synchronous")

    @journal_mode.validator
    def _check_journal_mode(self, _attribute: object, value: object) -> None:
        _one_of(value, ("WAL", "DELETE", "TRUNCATE", "PERSIST"), "journal_mode")

    @busy_timeout_ms.validator
    def _check_busy_timeout(self, _attribute: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
            raise InputError(
                "expected milliseconds from 0 to 2**31 - 1", path="busy_timeout_ms", got=value
            )


def _one_of(value: object, allowed: Sequence[str], path: str) -> None:
    if value not in allowed:
        raise InputError(f"expected one of {', '.join(allowed)}", path=path, got=value)


@attrs.frozen(kw_only=True)
class Migration:
    """One step of the schema's history: brings a file from ``version - 1`` to ``version``.

    ``apply`` runs inside the migrating transaction; it must not commit.

    .. versionadded:: 0.1.0
    """

    version: int
    summary: str
    apply: Callable[[sqlite3.Connection], None] = attrs.field(repr=False)


def _create_schema_v1(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
    # INTEGER PRIMARY KEY makes seq the rowid: lookups, ranges and max(seq) are B-tree seeks.
    conn.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    conn.execute(
        "CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, "
        "hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID"
    )


def _last_leaf(level: int, index: int) -> int:
    """The entry whose append completes the perfect subtree ``(level, index)``."""
    return ((index + 1) << level) - 1


def _hashes_v1(conn: sqlite3.Connection, seqs: Sequence[int]) -> dict[int, bytes]:
    """Read each entry's completed subtree hashes from a version 1 ``nodes`` table."""
    # An entry's row holds the hashes of the subtrees it completes, lowest level first.
    keys = [key for seq in seqs for key in completed_by(seq)]
    found = _select_nodes_v1(conn, keys)
    packed: dict[int, bytes] = {}
    for seq in seqs:
        parts = []
        for level, index in completed_by(seq):
            digest = found.get((level, index))
            if digest is None:
                raise InputError(
                    f"entry {seq}: the Merkle node ({level}, {index}) is "
                    "missing; the file cannot be migrated (open it read_only to audit it)",
                    path="nodes",
                )
            parts.append(digest)
        packed[seq] = b"".join(parts)
    return packed


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    # Version 1 kept the subtree hashes in a second B-tree keyed by (level, index), so a
    # single append dirtied a page of each level's tail besides the entry's own page.
    # Version 2 stores them in the row of the entry that completes them: one row, one
    # B-tree, one page per append; a node read is a seek by INTEGER PRIMARY KEY.
    conn.execute(
        "CREATE TABLE entries_v2 (seq INTEGER PRIMARY KEY, hashes BLOB NOT NULL, "
        "data BLOB NOT NULL)"
    )
    position = 0
    while True:
        rows = conn.execute(
            "SELECT seq, data FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?",
            (position, _ENTRY_CHUNK),
        ).fetchall()
        if not rows:
            break
        seqs = [int(seq) for seq, _ in rows]
        for expected, seq in enumerate(seqs, position):
            if seq != expected:
                raise InputError(
                    f"entry {expected} is missing; the file cannot be migrated "
                    "(open it read_only to audit it)",
                    path="entries",
                )
        packed = _hashes_v1(conn, seqs)
        conn.executemany(
            "INSERT INTO entries_v2 (seq, hashes, data) VALUES (?, ?, ?)",
            [(seq, packed[seq], data) for seq, data in rows],
        )
        position += len(rows)
    conn.execute("DROP TABLE nodes")
    conn.execute("DROP TABLE entries")
    conn.execute("ALTER TABLE entries_v2 RENAME TO entries")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(version=1, summary="entries, perfect-subtree nodes, meta", apply=_create_schema_v1),
    Migration(
        version=2,
        summary="subtree hashes in the row of the entry that completes them",
        apply=_migrate_to_v2,
    ),
)
"""The schema's history, oldest first; ``MIGRATIONS[i]`` brings a file to version ``i + 1``."""

SCHEMA_VERSION = MIGRATIONS[-1].version
"""The schema version this library writes (SQLite's ``PRAGMA user_version``)."""


def _user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def _apply_migrations(
    conn: sqlite3.Connection, migrations: Sequence[Migration], *, where: str
) -> int:
    """Inside an open write transaction: bring the schema up to the last migration."""
    current = _user_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise InputError(
            f"schema version {current} is newer than this library knows ({latest}); "
            "upgrade legaldelivery to open it",
            path=where,
        )
    for step in migrations[current:]:
        if step.version != current + 1:
            raise InputError(
                f"migration steps must be numbered 1, 2, ...: got {step.version} after {current}",
                path="migrations",
            )
        step.apply(conn)
        current = step.version
        # PRAGMA takes no parameters; the version is an int we just checked.
        conn.execute(f"PRAGMA user_version = {current:d}")
    return current


def migrate(
    conn: sqlite3.Connection,
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    where: str = "database",
) -> int:
    """Bring ``conn``'s schema up to date in one transaction; return the version reached.

    Steps run from the file's ``PRAGMA user_version`` on, all in one ``BEGIN IMMEDIATE``
    transaction, so a failing step leaves the file as it was, and two processes opening
    an old file at once migrate it once. A file newer than ``migrations`` is refused with
    :class:`~legaldelivery.errors.InputError`: an old library must not write a format it
    does not know. ``conn`` must be in autocommit mode (``isolation_level=None``).

    >>> conn = sqlite3.connect(":memory:", isolation_level=None)
    >>> migrate(conn) == SCHEMA_VERSION
    True
    >>> sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    ['entries', 'meta']
    >>> conn.close()

    .. versionadded:: 0.1.0
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _apply_migrations(conn, migrations, where=where)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version


def _node_chunks(keys: Sequence[NodeKey]) -> Iterator[tuple[str, list[int]]]:
    """The keys as VALUES lists of at most ``_NODE_CHUNK`` rows, with their parameters."""
    for offset in range(0, len(keys), _NODE_CHUNK):
        chunk = keys[offset : offset + _NODE_CHUNK]
        yield ", ".join("(?, ?)" for _ in chunk), [number for key in chunk for number in key]


def _select_nodes(conn: sqlite3.Connection, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    """Read subtree hashes from the rows of the entries that completed them (version 2)."""
    found: dict[NodeKey, bytes] = {}
    # Keys that no entry number could complete are simply absent, as in any store; the
    # bound also keeps SQLite's 64-bit shift below from overflowing.
    possible = [
        key for key in keys if 0 <= key[0] < 62 and key[1] >= 0 and _last_leaf(*key) < 1 << 62
    ]
    for values, params in _node_chunks(possible):
        # The VALUES list drives the join: one INTEGER PRIMARY KEY seek per wanted node,
        # and the 32 bytes at the node's level are cut out of the row by SQLite.
        rows = conn.execute(
            "SELECT wanted_nodes.column1, wanted_nodes.column2, "  # noqa: S608
            "substr(e.hashes, 32 * wanted_nodes.column1 + 1, 32) "
            f"FROM (VALUES {values}) AS wanted_nodes JOIN entries AS e "
            "ON e.seq = ((wanted_nodes.column2 + 1) << wanted_nodes.column1) - 1",
            params,
        ).fetchall()
        for level, index, digest in rows:
            # A damaged row that lacks the hash yields no node, never a short or wrong one.
            if type(digest) is bytes and len(digest) == 32:
                found[(level, index)] = digest
    return found


def _select_nodes_v1(conn: sqlite3.Connection, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    """Read subtree hashes from a version 1 ``nodes`` table (old files opened read_only)."""
    found: dict[NodeKey, bytes] = {}
    for values, params in _node_chunks(keys):
        # A join against a VALUES list seeks the primary key once per wanted node;
        # "(level, idx) IN (VALUES ...)" would scan the whole table instead.
        rows = conn.execute(
            f"SELECT n.level, n.idx, n.hash FROM (VALUES {values}) AS wanted_nodes "  # noqa: S608
            "JOIN nodes AS n ON n.level = wanted_nodes.column1 AND n.idx = wanted_nodes.column2",
            params,
        ).fetchall()
        for level, index, digest in rows:
            found[(int(level), int(index))] = bytes(digest)
    return found


def _database_error(exc: sqlite3.Error, path: str, doing: str) -> Exception:
    """Map a sqlite3 failure to the library's errors: whose fault is it?"""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StoreError(f"{doing}: the database stayed locked past the busy timeout", path=path)
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "encrypted" in text
    ):
        return InputError(f"{doing}: not a readable SQLite database ({text})", path=path)
    return StoreError(f"{doing}: {type(exc).__name__}: {text}", path=path)


def _connect(path: Path, *, read_only: bool, settings: SqliteSettings) -> sqlite3.Connection:
    # mode=rw never creates a file: a missing log is an error, not a new empty database.
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}"
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=settings.busy_timeout_ms / 1000,
        )
    except sqlite3.Error as exc:
        raise InputError(f"cannot open the log ({exc})", path=str(path)) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {settings.busy_timeout_ms:d}")
        if not read_only:
            mode = conn.execute(f"PRAGMA journal_mode = {settings.journal_mode}").fetchone()[0]
            if str(mode).upper() != settings.journal_mode:
                raise StoreError(
                    f"SQLite refused journal_mode {settings.journal_mode} (kept {mode})",
                    path=str(path),
                )
        conn.execute(f"PRAGMA synchronous = {settings.synchronous}")
    except sqlite3.Error as exc:
        conn.close()
        raise _database_error(exc, str(path), "cannot open the log") from exc
    except BaseException:
        conn.close()
        raise
    return conn


class SqliteStore(EntryStore):
    """An evidence log in one SQLite file (``.sqlite`` or ``.db``).

    Create with :meth:`create`, reopen with :meth:`open`. Several processes may append to
    one file: each append takes SQLite's write lock (``BEGIN IMMEDIATE``), reads the head
    inside it and commits, so the entries form one chain whoever writes them. Readers --
    also in other processes, also opened ``read_only`` -- see committed snapshots while a
    writer works (WAL). One store object may be shared by threads.

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> store = SqliteStore.create(folder / "court.sqlite", origin="court.example/log")
    >>> store.size(), store.origin, store.settings.synchronous
    (0, 'court.example/log', 'FULL')
    >>> store.close()
    >>> again = SqliteStore.open(folder / "court.sqlite", read_only=True)
    >>> again.origin, again.read_only
    ('court.example/log', True)
    >>> again.close()
    >>> tmp.cleanup()

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        path: Path,
        origin: str,
        settings: SqliteSettings,
        read_only: bool,
        version: int = SCHEMA_VERSION,
    ) -> None:
        """Wrap an open, migrated connection; use :meth:`create` or :meth:`open` instead.

        ``version`` is the file's schema version: older than :data:`SCHEMA_VERSION` only
        for a file opened ``read_only``, which is read in its own layout.
        """
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._origin = origin
        self._settings = settings
        self._read_only = read_only
        self._version = version
        # Re-entrant: prepare() reads through this store while append_batch holds the lock.
        self._lock = threading.RLock()
        # The head last computed: valid while the size is unchanged (entries only append).
        self._head_cache: Head | None = None
        # Recently read or written node hashes; after each commit, the new frontier, which
        # is all the next append reads.
        self._node_cache: dict[NodeKey, bytes] = {}

    # -- construction -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        origin: str,
        settings: SqliteSettings | None = None,
        created: datetime | None = None,
    ) -> SqliteStore:
        """Create a new log file at ``path``; refuse an existing file.

        ``created`` (default: now) is recorded in the ``meta`` table for people; nothing
        depends on it.
        """
        settings = settings or SqliteSettings()
        target = Path(path)
        if not isinstance(origin, str) or not origin:
            raise InputError("expected a non-empty string", path="origin", got=origin)
        stamp = format_instant(
            to_utc(created if created is not None else datetime.now(timezone.utc), path="created")
        )
        try:
            # O_EXCL claims the name atomically: two creators cannot both initialise it.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError as exc:
            raise InputError(
                "a file already exists here; open it instead", path=str(target)
            ) from exc
        except OSError as exc:
            raise InputError(f"cannot create the log ({exc.strerror})", path=str(target)) from exc
        os.close(fd)
        try:
            conn = _connect(target, read_only=False, settings=settings)
            try:
                conn.execute("BEGIN IMMEDIATE")
                _apply_migrations(conn, MIGRATIONS, where=str(target))
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("format", FILE_FORMAT), ("origin", origin), ("created", stamp)],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.close()
                raise
        except sqlite3.Error as exc:
            _remove_database(target)
            raise _database_error(exc, str(target), "cannot create the log") from exc
        except BaseException:
            _remove_database(target)
            raise
        return cls(conn, path=target, origin=origin, settings=settings, read_only=False)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        settings: SqliteSettings | None = None,
        read_only: bool = False,
    ) -> SqliteStore:
        """Open an existing log file; migrate an older schema (unless ``read_only``).

        Raises :class:`~legaldelivery.errors.InputError` for a missing file, a file that is
        not a legaldelivery log, or one written by a newer version of the library.
        """
        settings = settings or SqliteSettings()
        target = Path(path)
        if not target.is_file():
            raise InputError("no log file here", path=str(target))
        conn = _connect(target, read_only=read_only, settings=settings)
        try:
            origin, version = cls._check_file(conn, target, read_only=read_only)
        except sqlite3.Error as exc:
            conn.close()
            raise _database_error(exc, str(target), "cannot open the log") from exc
        except BaseException:
            conn.close()
            raise
        return cls(
            conn,
            path=target,
            origin=origin,
            settings=settings,
            read_only=read_only,
            version=version,
        )

    @staticmethod
    def _check_file(conn: sqlite3.Connection, target: Path, *, read_only: bool) -> tuple[str, int]:
        """The file's origin and the schema version it is read in; migrate if writable."""
        where = str(target)
        version = _user_version(conn)
        if version == 0:
            raise InputError(
                "not a legaldelivery log (an SQLite file without its schema)", path=where
            )
        if version > SCHEMA_VERSION:
            raise InputError(
                f"schema version {version} is newer than this library knows "
                f"({SCHEMA_VERSION}); upgrade legaldelivery to open it",
                path=where,
            )
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            raise InputError(f"not a legaldelivery log ({exc})", path=where) from exc
        if meta.get("format") != FILE_FORMAT or not meta.get("origin"):
            raise InputError(
                "not a legaldelivery log (its meta table lacks the marker)", path=where
            )
        # An older file opened read_only is read in its own layout and never changed: an
        # auditor's copy of the evidence stays byte for byte what it was given.
        if version < SCHEMA_VERSION and not read_only:
            try:
                version = migrate(conn, where=where)
            except sqlite3.Error as exc:
                if isinstance(exc, sqlite3.OperationalError) and "no such" in str(exc):
                    raise InputError(
                        f"cannot migrate the log from schema version {version}: "
                        f"its tables are damaged ({exc})",
                        path=where,
                    ) from exc
                raise
        return str(meta["origin"]), version

    # -- properties ---------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def settings(self) -> SqliteSettings:
        """The durability and locking settings this store was opened with."""
        return self._settings

    @property
    def read_only(self) -> bool:
        """True when opened ``read_only``: appends are refused."""
        return self._read_only

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for diagnostics and backups (``connection.backup``).

        Writing through it bypasses every check the log makes: don't.
        """
        return self._live()

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise InputError("the store is closed", path=str(self._path))
        return self._conn

    # -- reading ------------------------------------------------------------------------

    def size(self) -> int:
        with self._lock:
            row = self._query(_MAX_SEQ, ()).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def head(self) -> Head:
        with self._lock:
            return self._read_head()

    def _read_head(self, cursor: sqlite3.Cursor | None = None) -> Head:
        if cursor is None:
            last = self._query(_MAX_SEQ, ()).fetchone()[0]
        else:
            last = cursor.execute(_MAX_SEQ).fetchone()[0]
        cached = self._head_cache
        if cached is not None and last is not None and cached.size == last + 1:
            # Entries only append: the same size means the same last entry.
            return cached
        if last is None:
            return Head(size=0, last_hash=None, last_time=None, last_signer=None)
        seq = int(last)
        data = self.read_entry(seq)
        entry = LogEntry.parse(data, where=f"entry {seq}")
        head = Head(
            size=seq + 1, last_hash=entry_hash(data), last_time=entry.time, last_signer=entry.signer
        )
        self._head_cache = head
        return head

    def read_entry(self, seq: int) -> bytes:
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise InputError("expected an entry number", path="seq", got=seq)
        with self._lock:
            row = self._query("SELECT data FROM entries WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                raise InputError(f"no entry {seq} in a log of {self.size()}", path="seq")
        return bytes(row[0])

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        end = self.size() if stop is None else min(stop, self.size())
        position = max(start, 0)
        while position < end:
            with self._lock:
                rows = self._query(
                    "SELECT seq, data FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?",
                    (position, end, _ENTRY_CHUNK),
                ).fetchall()
            for seq, data in rows:
                if seq != position:
                    raise InputError(
                        f"entry {position} is missing from the database", path=str(self._path)
                    )
                yield bytes(data)
                position += 1
            if not rows:
                raise InputError(
                    f"entry {position} is missing from the database", path=str(self._path)
                )

    def get_nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        wanted: list[NodeKey] = []
        with self._lock:
            cache = self._node_cache
            for level, index in keys:
                key = (int(level), int(index))
                cached = cache.get(key)
                if cached is not None:
                    found[key] = cached
                elif key not in found:
                    wanted.append(key)
            wanted = list(dict.fromkeys(wanted))
            if wanted:
                found.update(self._select_nodes(wanted))
            if len(cache) + len(wanted) <= _NODE_CACHE_LIMIT:
                cache.update((key, found[key]) for key in wanted if key in found)
        return found

    def _select_nodes(self, wanted: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        conn = self._live()
        try:
            if self._version >= 2:
                return _select_nodes(conn, wanted)
            try:
                return _select_nodes_v1(conn, wanted)
            except sqlite3.OperationalError:
                # Another process may have migrated the file under this read_only reader.
                if _user_version(conn) < 2:
                    raise
                self._version = _user_version(conn)
                return _select_nodes(conn, wanted)
        except sqlite3.Error as exc:
            raise _database_error(exc, str(self._path), "cannot read the log") from exc

    def _query(self, sql: str, params: Sequence[object]) -> sqlite3.Cursor:
        try:
            return self._live().execute(sql, params)
        except sqlite3.Error as exc:
            raise _database_error(exc, str(self._path), "cannot read the log") from exc

    # -- writing ------------------------------------------------------------------------

    def append_batch(self, prepare: Callable[[Head, EntryStore], tuple[AppendBatch, T]]) -> T:
        if self._read_only:
            raise InputError("this store was opened read_only", path=str(self._path))
        with self._lock:
            conn = self._live()
            try:
                # One cursor for the transaction's statements: each conn.execute makes one.
                cursor = conn.cursor()
                # IMMEDIATE takes the write lock now, so the head read below cannot go stale.
                cursor.execute("BEGIN IMMEDIATE")
                head = self._read_head(cursor)
                batch, result = prepare(head, self)
                rows, nodes = _checked_batch(head.size, batch)
                if len(rows) == 1:
                    # A durable single append: execute() spares executemany's iterator.
                    cursor.execute(_INSERT_ENTRY, rows[0])
                elif rows:
                    cursor.executemany(_INSERT_ENTRY, rows)
                cursor.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(conn)
                raise _database_error(exc, str(self._path), "cannot append") from exc
            except BaseException:
                self._rollback(conn)
                raise
            if rows:
                last_seq, _, last_data = rows[-1]
                self._head_cache = Head(
                    size=last_seq + 1,
                    last_hash=entry_hash(last_data),
                    last_time=batch.last_time,
                    last_signer=batch.last_signer,
                )
                self._remember_nodes(last_seq + 1, nodes)
            return result

    def _remember_nodes(self, size: int, nodes: Mapping[NodeKey, bytes]) -> None:
        """Keep the hashes just committed: the next append and checkpoint read the frontier.

        The cache only grows by what each commit adds until it passes its limit, and is
        then cut back to the frontier of ``size`` -- so a commit costs one dict update,
        not a walk over the frontier.
        """
        known = self._node_cache
        known.update(nodes)
        if len(known) <= _NODE_CACHE_LIMIT:
            return
        frontier: dict[NodeKey, bytes] = {}
        rest = size
        while rest:
            # One perfect subtree per set bit of the size, lowest first.
            level = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            key = (level, (size >> level) - 1)
            digest = known.get(key)
            if digest is not None:
                frontier[key] = digest
        self._node_cache = frontier

    def _rollback(self, conn: sqlite3.Connection) -> None:
        # The head may have been read from a transaction that never committed.
        self._head_cache = None
        if conn.in_transaction:
            # SQLite may have rolled back on its own already (after a disk I/O error).
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self._path)!r}, origin={self._origin!r})"


def _checked_batch(
    size: int, batch: AppendBatch
) -> tuple[list[tuple[int, bytes, bytes]], Mapping[NodeKey, bytes]]:
    """The batch's rows ``(seq, hashes, data)`` and its node hashes as bytes, once
    :func:`~legaldelivery.log.store.check_batch` would accept it for a log of ``size``.

    A pre-check for the common case: in one pass it takes a batch of plain ``bytes``
    that is right, and hands anything else -- wrong, or only unusual (bytearray hashes)
    -- to ``check_batch``, which decides and says which rule failed. It takes no batch
    that ``check_batch`` refuses (tests/log/test_sqlite.py checks this differentially).
    """
    stored = batch.nodes
    leaf_hash = merkle.leaf_hash
    rows: list[tuple[int, bytes, bytes]] = []
    carried = 0
    for seq, (given, data) in enumerate(batch.entries, size):
        if type(given) is not int or given != seq or type(data) is not bytes:
            break
        # Entry seq completes the subtrees at levels 0 .. ctz(seq + 1), each the one
        # whose last leaf it is: index ((seq + 1) >> level) - 1.
        end = seq + 1
        digest = stored.get((0, seq))
        if type(digest) is not bytes or digest != leaf_hash(data):
            break
        hashes = digest
        level = 1
        while not end & 1:
            end >>= 1
            digest = stored.get((level, end - 1))
            if type(digest) is not bytes or len(digest) != 32:
                break
            hashes += digest
            level += 1
        else:
            rows.append((seq, hashes, data))
            carried += level
            continue
        break
    else:
        # Each entry found every node it completes; as many nodes as that in all means
        # the batch carries no other.
        if carried == len(stored):
            return rows, stored
    # Something is wrong, or only unusual: the rules decide, and lay out what they accept.
    checked = check_batch(size, batch)
    rows = [
        (seq, b"".join(checked.nodes[key] for key in completed_by(seq)), data)
        for seq, data in enumerate(checked.datas, size)
    ]
    return rows, checked.nodes


def _remove_database(target: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)

"""The PostgreSQL store: one evidence log shared by application servers on many hosts.

A log lives in one schema of a PostgreSQL database: the entries, the perfect-subtree
Merkle hashes (so every proof and root reads O(log n) rows) and a little metadata.
Writers anywhere serialise on a transaction-level advisory lock, read the head inside it
and commit their batch in one transaction; readers see MVCC snapshots and never block
them. Triggers refuse every UPDATE, DELETE and TRUNCATE of the log's tables, and
:meth:`PostgresStore.grant` gives application roles just SELECT and INSERT. Needs the
``postgres`` extra (``pip install 'legaldelivery[postgres]'``, which brings psycopg 3).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import attrs

from legaldelivery.errors import InputError, LegalDeliveryError, StoreError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.log.entry import LogEntry, entry_hash
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey, check_batch

_MISSING_DRIVER: ImportError | None
try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
except ImportError as exc:  # pragma: no cover -- exercised in a subprocess without psycopg
    _MISSING_DRIVER = exc
else:
    _MISSING_DRIVER = None

__all__ = [
    "DATABASE_FORMAT",
    "DEFAULT_SCHEMA",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Migration",
    "PostgresSettings",
    "PostgresStore",
    "display_url",
    "is_postgres_url",
    "migrate",
    "writer_lock_key",
]

T = TypeVar("T")

DATABASE_FORMAT = "legaldelivery/postgres"
"""The ``format`` value in the ``meta`` table: marks a schema as holding a legaldelivery log."""

DEFAULT_SCHEMA = "legaldelivery"
"""The schema a log lives in unless :attr:`PostgresSettings.schema` names another."""

SynchronousCommit = Literal["on", "remote_apply", "remote_write", "local", "off"]

_SCHEMES = ("postgresql://", "postgres://")
# Lower-case, unquoted-safe identifiers only: the name appears in SQL, in advisory-lock
# keys and in messages, and must mean the same thing in all three.
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Entries per read while streaming: each chunk is one short statement.
_ENTRY_CHUNK = 512
# Level and index bounds of a stored node (smallint, bigint columns).
_MAX_LEVEL = 63
_MAX_INDEX = 2**63 - 1


def is_postgres_url(location: object) -> bool:
    """True when ``location`` is a string naming a PostgreSQL database by URL.

    >>> is_postgres_url("postgresql://court_app@db.example/evidence")
    True
    >>> is_postgres_url("POSTGRES://db.example/evidence"), is_postgres_url("log.sqlite")
    (True, False)

    .. versionadded:: 0.1.0
    """
    return isinstance(location, str) and location[:13].lower().startswith(_SCHEMES)


def display_url(url: str) -> str:
    """The URL to show in messages and logs: user, host, port and database, never a password.

    Raises :class:`~legaldelivery.errors.InputError` (without echoing the URL, which may
    hold a password) when it is not a PostgreSQL URL libpq can read.

    >>> display_url("postgresql://court_app:s3cret@db.example:5433/evidence?sslmode=require")
    'postgresql://court_app@db.example:5433/evidence'
    >>> display_url("postgresql:///evidence?host=/run/postgresql")
    'postgresql://%2Frun%2Fpostgresql/evidence'

    .. versionadded:: 0.1.0
    """
    if not is_postgres_url(url):
        raise InputError("expected a postgresql:// URL", path="url")
    _require_driver()
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error as exc:
        # The driver's message quotes the offending text, which may be a password.
        raise InputError("not a PostgreSQL connection URL libpq can read", path="url") from exc
    user = quote(str(parts.get("user", "")), safe="")
    host = quote(str(parts.get("host", "")), safe="")
    port = str(parts.get("port", ""))
    dbname = quote(str(parts.get("dbname", "")), safe="")
    return f"postgresql://{user + '@' if user else ''}{host}{':' + port if port else ''}/{dbname}"


def writer_lock_key(schema: str) -> int:
    """The advisory-lock key that serialises the writers of the log in ``schema``.

    A signed 64-bit number derived from the schema's name alone, so every writer on every
    host computes the same key without asking the database; a DBA can see who holds it
    in ``pg_locks`` (``locktype = 'advisory'``).

    >>> writer_lock_key("legaldelivery") == writer_lock_key("legaldelivery")
    True
    >>> writer_lock_key("court_a") != writer_lock_key("court_b")
    True

    .. versionadded:: 0.1.0
    """
    digest = hashlib.sha256(b"legaldelivery/postgres/writer-lock\x00" + schema.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@attrs.frozen(kw_only=True)
class PostgresSettings:
    """Where in the database a :class:`PostgresStore` lives, and how it commits and waits.

    * ``schema`` -- the schema holding the log's tables (default ``"legaldelivery"``):
      one log per schema, several logs per database.
    * ``synchronous_commit`` -- PostgreSQL's setting of that name, for this store's
      sessions. ``"on"`` (default): an append returns after its commit is flushed to the
      server's disk (and to synchronous standbys, if configured). ``"off"``: it returns
      before the flush -- a crash of the *server* may lose the last commits (never part
      of one, never out of order); a crash of the application loses nothing acknowledged.
      ``"local"``, ``"remote_write"``, ``"remote_apply"`` matter with replication.
    * ``lock_timeout_ms`` -- how long a writer waits for another writer's lock before it
      gives up with :class:`~legaldelivery.errors.StoreError` (0: forever).
    * ``connect_timeout_s`` -- how long connecting may take.

    >>> PostgresSettings().schema, PostgresSettings().synchronous_commit
    ('legaldelivery', 'on')
    >>> PostgresSettings(schema="Court A")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: schema: expected a lower-case SQL name of letters, digits
    and _ (at most 63, not starting with pg_) (got 'Court A')

    .. versionadded:: 0.1.0
    """

    schema: str = attrs.field(default=DEFAULT_SCHEMA)
    synchronous_commit: SynchronousCommit = attrs.field(default="on")
    lock_timeout_ms: int = attrs.field(default=30_000)
    connect_timeout_s: int = attrs.field(default=10)

    @schema.validator
    def _check_schema(self, _attribute: object, value: object) -> None:
        if (
            not isinstance(value, str)
            or not _SCHEMA_NAME.fullmatch(value)
            or value.startswith("pg_")
        ):
            raise InputError(
                "expected a lower-case SQL name of letters, digits and _ "
                "(at most 63, not starting with pg_)",
                path="schema",
                got=value,
            )

    @synchronous_commit.validator
    def _check_synchronous_commit(self, _attribute: object, value: object) -> None:
        allowed = ("on", "remote_apply", "remote_write", "local", "off")
        if value not in allowed:
            raise InputError(
                f"expected one of {', '.join(allowed)}", path="synchronous_commit", got=value
            )

    @lock_timeout_ms.validator
    def _check_lock_timeout(self, _attribute: object, value: object) -> None:
        _check_count(value, 2**31 - 1, "lock_timeout_ms")

    @connect_timeout_s.validator
    def _check_connect_timeout(self, _attribute: object, value: object) -> None:
        _check_count(value, 3600, "connect_timeout_s")


def _check_count(value: object, limit: int, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise InputError(f"expected a whole number from 0 to {limit}", path=path, got=value)


# -- schema and migrations ------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Migration:
    """One step of the schema's history: brings a log from ``version - 1`` to ``version``.

    ``apply`` runs inside the migrating transaction, with the log's schema first on the
    ``search_path`` (so it names tables unqualified); it must not commit.

    .. versionadded:: 0.1.0
    """

    version: int
    summary: str
    apply: Callable[[psycopg.Connection[Any]], None] = attrs.field(repr=False)


_REFUSE_CHANGE = """
CREATE FUNCTION ld_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION '% on %.% refused: a legaldelivery evidence log only grows',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING HINT = 'entries are appended through the log; nothing is ever rewritten';
END
$body$
"""


def _create_schema_v1(conn: psycopg.Connection[Any]) -> None:
    conn.execute("CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)")
    conn.execute(
        "CREATE TABLE entries (seq bigint PRIMARY KEY CHECK (seq >= 0), data bytea NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE nodes ("
        " level smallint NOT NULL CHECK (level BETWEEN 0 AND 63),"
        " idx bigint NOT NULL CHECK (idx >= 0),"
        " hash bytea NOT NULL CHECK (octet_length(hash) = 32),"
        " PRIMARY KEY (level, idx))"
    )
    conn.execute(_REFUSE_CHANGE)
    for table in ("entries", "nodes", "meta"):
        # Statement triggers: even an UPDATE or DELETE that matches no row is refused, and
        # TRUNCATE (which row triggers never see) too -- whoever runs it, owner included.
        conn.execute(
            f"CREATE TRIGGER {table}_only_grow BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION ld_refuse_change()"
        )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        summary="entries, perfect-subtree nodes, meta; append-only triggers",
        apply=_create_schema_v1,
    ),
)
"""The schema's history, oldest first; ``MIGRATIONS[i]`` brings a log to version ``i + 1``."""

SCHEMA_VERSION = MIGRATIONS[-1].version
"""The schema version this library writes (the highest row of ``schema_version``)."""


def _table(schema: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


def _current_version(conn: psycopg.Connection[Any], schema: str) -> int | None:
    """The schema's version, or None when it holds no ``schema_version`` table."""
    found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{schema}.schema_version",))
    row = found.fetchone()
    if row is None or not row[0]:
        return None
    version = conn.execute(
        sql.SQL("SELECT coalesce(max(version), 0) FROM {}").format(_table(schema, "schema_version"))
    ).fetchone()
    return 0 if version is None else int(version[0])


def _schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute("SELECT to_regnamespace(%s) IS NOT NULL", (schema,)).fetchone()
    return bool(row and row[0])


def _lock_writers(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (writer_lock_key(schema),))


def _apply_migrations(
    conn: psycopg.Connection[Any], migrations: Sequence[Migration], schema: str, where: str
) -> int:
    """Inside an open transaction holding the writer lock: migrate ``schema`` to the last step."""
    for number, step in enumerate(migrations, 1):
        if step.version != number:
            raise InputError(
                f"migration steps must be numbered 1, 2, ...: step {number} has {step.version}",
                path="migrations",
            )
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, "
            "summary text NOT NULL, applied timestamptz NOT NULL DEFAULT now())"
        ).format(_table(schema, "schema_version"))
    )
    current = _current_version(conn, schema) or 0
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise InputError(
            f"schema version {current} is newer than this library knows ({latest}); "
            "upgrade legaldelivery to open it",
            path=where,
        )
    for step in migrations[current:]:
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        step.apply(conn)
        conn.execute("RESET search_path")
        conn.execute(
            sql.SQL("INSERT INTO {} (version, summary) VALUES (%s, %s)").format(
                _table(schema, "schema_version")
            ),
            (step.version, step.summary),
        )
        current = step.version
    return current


def migrate(
    conn: psycopg.Connection[Any],
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    schema: str = DEFAULT_SCHEMA,
) -> int:
    """Bring the log in ``schema`` up to date in one transaction; return the version reached.

    The steps after the highest version recorded in ``schema_version`` run in one
    transaction that holds the writers' advisory lock: a failing step leaves the schema as
    it was, appends wait while it runs, and two processes migrating at once migrate once.
    A log newer than ``migrations`` is refused with
    :class:`~legaldelivery.errors.InputError`. Run it as the schema's owner (appending
    roles may not change tables); ``conn`` must be in autocommit mode.

    .. versionadded:: 0.1.0
    """
    PostgresSettings(schema=schema)  # validates the name
    with conn.transaction():
        _lock_writers(conn, schema)
        if not _schema_exists(conn, schema):
            raise InputError(
                f"no schema {schema} in this database (PostgresStore.create makes one)",
                path="schema",
            )
        return _apply_migrations(conn, migrations, schema, where=f"schema {schema}")


# -- connecting and errors ------------------------------------------------------------


def _require_driver() -> None:
    if _MISSING_DRIVER is not None:  # pragma: no cover -- exercised in a subprocess
        raise InputError(
            "PostgreSQL logs need psycopg 3: pip install 'legaldelivery[postgres]'", path="url"
        ) from _MISSING_DRIVER


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _database_error(exc: psycopg.Error, where: str, doing: str) -> LegalDeliveryError:
    """Map a driver failure to the library's errors: whose fault is it?"""
    text = _first_line(exc)
    if isinstance(exc, pg_errors.LockNotAvailable):
        return StoreError(
            f"{doing}: another writer held the log's lock past lock_timeout", path=where
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return StoreError(
            f"{doing}: the database role lacks a privilege ({text}); see PostgresStore.grant",
            path=where,
        )
    if isinstance(exc, pg_errors.UniqueViolation):
        return StoreError(
            f"{doing}: rows at these positions exist already: something wrote to the log "
            f"without its lock ({text})",
            path=where,
        )
    return StoreError(f"{doing}: {type(exc).__name__}: {text}", path=where)


def _connect(
    url: str, settings: PostgresSettings, *, read_only: bool
) -> tuple[psycopg.Connection[Any], str]:
    where = display_url(url)
    extra: dict[str, Any] = {"connect_timeout": settings.connect_timeout_s}
    if "application_name" not in conninfo_to_dict(url):
        extra["application_name"] = "legaldelivery"
    try:
        conn = psycopg.connect(url, autocommit=True, **extra)
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect ({_first_line(exc)})", path=where) from exc
    try:
        conn.execute(
            "SELECT set_config('synchronous_commit', %s, false), "
            "set_config('lock_timeout', %s, false), "
            "set_config('default_transaction_read_only', %s, false), "
            "set_config('default_transaction_isolation', 'read committed', false)",
            (settings.synchronous_commit, f"{settings.lock_timeout_ms}ms", _on(read_only)),
        )
    except psycopg.Error as exc:  # pragma: no cover -- a server refusing plain settings
        conn.close()
        raise _database_error(exc, where, "cannot set up the session") from exc
    return conn, where


def _pipeline(conn: psycopg.Connection[Any]) -> contextlib.AbstractContextManager[object]:
    """Pipeline mode where libpq has it (14 and newer; the binary wheels bundle one)."""
    if psycopg.Pipeline.is_supported():
        return conn.pipeline()
    return contextlib.nullcontext()  # pragma: no cover -- an old system libpq


def _roll_back(conn: psycopg.Connection[Any]) -> None:
    """End a transaction left open by a failed append (nothing to do when there is none)."""
    if conn.closed or conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        return
    # A connection that broke meanwhile has nothing left to roll back: the server did.
    with contextlib.suppress(psycopg.Error):
        conn.execute(b"ROLLBACK")


def _on(flag: bool) -> str:
    return "on" if flag else "off"


# -- the store ------------------------------------------------------------------------


@attrs.frozen
class _Queries:
    """The store's statements, with the schema's name composed in once, ready to send."""

    lock: bytes
    size: bytes
    last: bytes
    head_in_lock: bytes
    entry: bytes
    entries: bytes
    nodes: bytes
    insert_entries: bytes
    insert_nodes: bytes

    @classmethod
    def for_schema(cls, schema: str, conn: psycopg.Connection[Any]) -> _Queries:
        entries = _table(schema, "entries")
        nodes = _table(schema, "nodes")
        versions = _table(schema, "schema_version")
        statements = {
            "lock": sql.SQL("SELECT pg_advisory_xact_lock(%s)"),
            "size": sql.SQL("SELECT seq FROM {} ORDER BY seq DESC LIMIT 1").format(entries),
            "last": sql.SQL("SELECT seq, data FROM {} ORDER BY seq DESC LIMIT 1").format(entries),
            # A statement after the lock's: its fresh READ COMMITTED snapshot sees every
            # commit made before the lock was granted; the schema's version comes with it.
            "head_in_lock": sql.SQL(
                "SELECT v.version, e.seq, e.data FROM (SELECT max(version) AS version FROM {}) v "
                "LEFT JOIN LATERAL (SELECT seq, data FROM {} ORDER BY seq DESC LIMIT 1) e ON true"
            ).format(versions, entries),
            "entry": sql.SQL("SELECT data FROM {} WHERE seq = %s").format(entries),
            "entries": sql.SQL(
                "SELECT seq, data FROM {} WHERE seq >= %s AND seq < %s ORDER BY seq LIMIT %s"
            ).format(entries),
            # LIMIT keeps the lateral subquery from being flattened into a join the planner
            # might run as a scan: each key is one primary-key probe, whatever the statistics.
            "nodes": sql.SQL(
                "SELECT k.level, k.idx, n.hash FROM unnest(%s::smallint[], %s::bigint[]) "
                "AS k(level, idx) CROSS JOIN LATERAL (SELECT hash FROM {} "
                "WHERE level = k.level AND idx = k.idx LIMIT 1) n"
            ).format(nodes),
            "insert_entries": sql.SQL(
                "INSERT INTO {} (seq, data) SELECT * FROM unnest(%s::bigint[], %b::bytea[])"
            ).format(entries),
            "insert_nodes": sql.SQL(
                "INSERT INTO {} (level, idx, hash) "
                "SELECT * FROM unnest(%s::smallint[], %s::bigint[], %b::bytea[])"
            ).format(nodes),
        }
        return cls(**{name: query.as_bytes(conn) for name, query in statements.items()})


class PostgresStore(EntryStore):
    """An evidence log in one schema of a PostgreSQL database (``postgresql://`` URLs).

    Create with :meth:`create` (as the role that will own the tables), give application
    roles access with :meth:`grant`, reopen with :meth:`open`. Any number of processes on
    any number of hosts may append: each append takes a transaction-level advisory lock
    (:func:`writer_lock_key`), reads the head inside it and commits entries and Merkle
    nodes in one transaction, so the entries form one chain whoever writes them. Readers
    see committed snapshots and never wait for writers. One store object may be shared by
    threads (they take turns on its one connection)::

        store = PostgresStore.create("postgresql://court_owner@db/evidence",
                                     origin="court.example/log")
        store.grant("court_app")                       # may SELECT and INSERT, nothing else
        log = EvidenceLog.open("postgresql://court_app@db/evidence", signer=signer)

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        *,
        location: str,
        origin: str,
        settings: PostgresSettings,
        read_only: bool,
    ) -> None:
        """Wrap an open, checked connection; use :meth:`create` or :meth:`open` instead."""
        self._conn: psycopg.Connection[Any] | None = conn
        self._location = location
        self._origin = origin
        self._settings = settings
        self._read_only = read_only
        self._queries = _Queries.for_schema(settings.schema, conn)
        self._lock_key = writer_lock_key(settings.schema)
        # Re-entrant: prepare() reads through this store while append_batch holds the lock.
        self._lock = threading.RLock()
        # The head last computed: valid while the size is unchanged (entries only append).
        self._head_cache: Head | None = None

    # -- construction -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        url: str,
        *,
        origin: str,
        settings: PostgresSettings | None = None,
        created: datetime | None = None,
    ) -> PostgresStore:
        """Create a new log in the settings' schema; refuse a schema that holds one already.

        The schema is created when missing (the role needs CREATE on the database) or
        used when a DBA made it empty beforehand. The connecting role owns the tables.
        ``created`` (default: now) is recorded in the ``meta`` table for people.
        """
        settings = settings or PostgresSettings()
        if not isinstance(origin, str) or not origin:
            raise InputError("expected a non-empty string", path="origin", got=origin)
        stamp = format_instant(
            to_utc(created if created is not None else datetime.now(timezone.utc), path="created")
        )
        conn, where = _connect(url, settings, read_only=False)
        schema = settings.schema
        try:
            with conn.transaction():
                _lock_writers(conn, schema)
                if _current_version(conn, schema) is not None:
                    raise InputError(
                        f"schema {schema} holds a log already; open it instead", path=where
                    )
                if not _schema_exists(conn, schema):
                    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
                _apply_migrations(conn, MIGRATIONS, schema, where)
                with conn.cursor() as cur:
                    cur.executemany(
                        sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(
                            _table(schema, "meta")
                        ),
                        [("format", DATABASE_FORMAT), ("origin", origin), ("created", stamp)],
                    )
        except psycopg.Error as exc:
            conn.close()
            raise _database_error(exc, where, "cannot create the log") from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, location=where, origin=origin, settings=settings, read_only=False)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        settings: PostgresSettings | None = None,
        read_only: bool = False,
    ) -> PostgresStore:
        """Open the log in the settings' schema; migrate an older schema (unless ``read_only``).

        Raises :class:`~legaldelivery.errors.InputError` when the schema holds no
        legaldelivery log or one written by a newer version of the library, and
        :class:`~legaldelivery.errors.StoreError` when the database cannot be reached.
        A ``read_only`` store's sessions are read-only in PostgreSQL too.
        """
        settings = settings or PostgresSettings()
        conn, where = _connect(url, settings, read_only=read_only)
        try:
            origin = cls._check_schema(conn, settings.schema, where, read_only=read_only)
        except psycopg.Error as exc:
            conn.close()
            raise _database_error(exc, where, "cannot open the log") from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, location=where, origin=origin, settings=settings, read_only=read_only)

    @staticmethod
    def _check_schema(
        conn: psycopg.Connection[Any], schema: str, where: str, *, read_only: bool
    ) -> str:
        version = _current_version(conn, schema)
        if not version:
            raise InputError(f"no legaldelivery log in schema {schema}", path=where)
        if version > SCHEMA_VERSION:
            raise InputError(
                f"schema version {version} is newer than this library knows "
                f"({SCHEMA_VERSION}); upgrade legaldelivery to open it",
                path=where,
            )
        if version < SCHEMA_VERSION:  # pragma: no cover -- reachable once a version 2 exists
            if read_only:
                raise InputError(
                    f"schema version {version} needs migrating to {SCHEMA_VERSION}: "
                    "open it once as the schema's owner without read_only",
                    path=where,
                )
            migrate(conn, schema=schema)
        rows = conn.execute(
            sql.SQL("SELECT key, value FROM {}").format(_table(schema, "meta"))
        ).fetchall()
        meta = {str(key): str(value) for key, value in rows}
        if meta.get("format") != DATABASE_FORMAT or not meta.get("origin"):
            raise InputError(
                f"schema {schema} is not a legaldelivery log (its meta table lacks the marker)",
                path=where,
            )
        return meta["origin"]

    # -- properties ---------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def location(self) -> str:
        """The database's URL without any password (see :func:`display_url`)."""
        return self._location

    @property
    def schema(self) -> str:
        """The schema holding the log's tables."""
        return self._settings.schema

    @property
    def settings(self) -> PostgresSettings:
        """The schema, commit and locking settings this store was opened with."""
        return self._settings

    @property
    def read_only(self) -> bool:
        """True when opened ``read_only``: appends are refused."""
        return self._read_only

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The underlying connection, for diagnostics and administration.

        Writing through it bypasses every check the log makes: don't.
        """
        return self._live()

    def _live(self) -> psycopg.Connection[Any]:
        if self._conn is None:
            raise InputError("the store is closed", path=self._location)
        return self._conn

    # -- administration -----------------------------------------------------------------

    def grant(self, role: str, *, append: bool = True) -> None:
        """Let ``role`` read the log and, with ``append`` (default), append to it.

        Grants USAGE on the schema, SELECT on its tables and -- for appending roles --
        INSERT on ``entries`` and ``nodes``. Never UPDATE, DELETE or TRUNCATE: the
        triggers refuse those anyway, for every role. Run it as the tables' owner.
        """
        if not isinstance(role, str) or not role:
            raise InputError("expected a role name", path="role", got=role)
        if self._read_only:
            raise InputError("this store was opened read_only", path=self._location)
        schema = self.schema
        tables = [_table(schema, name) for name in ("meta", "schema_version", "entries", "nodes")]
        who = sql.Identifier(role)
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), who),
            sql.SQL("GRANT SELECT ON {} TO {}").format(sql.SQL(", ").join(tables), who),
        ]
        if append:
            statements.append(
                sql.SQL("GRANT INSERT ON {}, {} TO {}").format(tables[2], tables[3], who)
            )
        privileges = ("SELECT", "INSERT") if append else ("SELECT",)
        checks = [(table, privilege) for table in ("entries", "nodes") for privilege in privileges]
        check = sql.SQL(" AND ").join(
            [sql.SQL("has_schema_privilege(%s, %s, 'USAGE')")]
            + [sql.SQL("has_table_privilege(%s, %s, %s)")] * len(checks)
        )
        params: list[str] = [role, schema]
        for table, privilege in checks:
            params += [role, f"{schema}.{table}", privilege]
        with self._lock:
            conn = self._live()
            try:
                with conn.transaction():
                    for statement in statements:
                        conn.execute(statement)
                    # A GRANT by a role that may not give the privilege only warns: check
                    # that the role has each privilege it was meant to get.
                    row = conn.execute(sql.SQL("SELECT {}").format(check), params).fetchone()
            except pg_errors.UndefinedObject as exc:
                raise InputError(f"no such role ({_first_line(exc)})", path="role") from exc
            except psycopg.Error as exc:
                raise _database_error(exc, self._location, "cannot grant") from exc
        if not (row and row[0]):
            raise StoreError(
                f"the grants to {role} did not take effect: run grant as the owner of "
                f"schema {schema} and its tables",
                path=self._location,
            )

    # -- reading ------------------------------------------------------------------------

    def _query(self, statement: bytes, params: Sequence[object] = ()) -> list[Any]:
        try:
            return self._live().execute(statement, params, binary=True).fetchall()
        except psycopg.Error as exc:
            raise _database_error(exc, self._location, "cannot read the log") from exc

    def size(self) -> int:
        with self._lock:
            rows = self._query(self._queries.size)
        return int(rows[0][0]) + 1 if rows else 0

    def head(self) -> Head:
        with self._lock:
            rows = self._query(self._queries.last)
            return self._head_from(rows[0] if rows else None)

    def _head_from(self, row: Sequence[Any] | None) -> Head:
        if row is None:
            return Head(size=0, last_hash=None, last_time=None, last_signer=None)
        seq = int(row[0])
        cached = self._head_cache
        if cached is not None and cached.size == seq + 1:
            # Entries only append: the same size means the same last entry.
            return cached
        data = bytes(row[1])
        entry = LogEntry.parse(data, where=f"entry {seq}")
        head = Head(
            size=seq + 1, last_hash=entry_hash(data), last_time=entry.time, last_signer=entry.signer
        )
        self._head_cache = head
        return head

    def read_entry(self, seq: int) -> bytes:
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise InputError("expected an entry number", path="seq", got=seq)
        if not 0 <= seq <= _MAX_INDEX:
            raise InputError(f"no entry {seq} in a log of {self.size()}", path="seq")
        with self._lock:
            rows = self._query(self._queries.entry, (seq,))
            if not rows:
                raise InputError(f"no entry {seq} in a log of {self.size()}", path="seq")
        return bytes(rows[0][0])

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        end = self.size() if stop is None else min(stop, self.size())
        position = max(start, 0)
        while position < end:
            with self._lock:
                rows = self._query(self._queries.entries, (position, end, _ENTRY_CHUNK))
            if not rows:
                raise self._missing(position)
            for seq, data in rows:
                if seq != position:
                    raise self._missing(position)
                yield bytes(data)
                position += 1

    def _missing(self, seq: int) -> InputError:
        return InputError(f"entry {seq} is missing from the database", path=self._location)

    def get_nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        wanted = list(
            dict.fromkeys(
                (level, index)
                for level, index in keys
                # Keys outside the columns' ranges cannot be stored: absent, not an error.
                if 0 <= level <= _MAX_LEVEL and 0 <= index <= _MAX_INDEX
            )
        )
        if not wanted:
            return {}
        levels = [level for level, _ in wanted]
        indexes = [index for _, index in wanted]
        with self._lock:
            rows = self._query(self._queries.nodes, (levels, indexes))
        return {(int(level), int(index)): bytes(digest) for level, index, digest in rows}

    # -- writing ------------------------------------------------------------------------

    def append_batch(self, prepare: Callable[[Head, EntryStore], tuple[AppendBatch, T]]) -> T:
        if self._read_only:
            raise InputError("this store was opened read_only", path=self._location)
        queries = self._queries
        with self._lock:
            conn = self._live()
            try:
                # Pipelined, with BEGIN and COMMIT sent as statements: BEGIN, the lock and
                # the head go to the server in one round trip, the inserts and COMMIT in
                # another, so the lock is held for two round trips and the signing.
                with _pipeline(conn):
                    conn.execute(b"BEGIN")
                    conn.execute(queries.lock, (self._lock_key,))
                    row = conn.execute(queries.head_in_lock, binary=True).fetchone()
                    assert row is not None  # an aggregate always yields one row
                    if row[0] != SCHEMA_VERSION:
                        raise StoreError(
                            f"the log's schema is at version {row[0]} now, this store expects "
                            f"{SCHEMA_VERSION}: reopen it (with a current library)",
                            path=self._location,
                        )
                    head = self._head_from(None if row[1] is None else row[1:])
                    batch, result = prepare(head, self)
                    seqs, datas, levels, indexes, hashes = _checked_batch(head.size, batch)
                    if seqs:
                        conn.execute(queries.insert_entries, (seqs, datas))
                        conn.execute(queries.insert_nodes, (levels, indexes, hashes))
                    conn.execute(b"COMMIT")
            except BaseException as exc:
                # The head may have been read in a transaction that never committed.
                self._head_cache = None
                _roll_back(conn)
                if isinstance(exc, psycopg.Error):
                    raise _database_error(exc, self._location, "cannot append") from exc
                raise
            if seqs:
                self._head_cache = Head(
                    size=seqs[-1] + 1,
                    last_hash=entry_hash(datas[-1]),
                    last_time=batch.last_time,
                    last_signer=batch.last_signer,
                )
            return result

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self._location!r}, schema={self.schema!r}, origin={self._origin!r})"


def _checked_batch(
    size: int, batch: AppendBatch
) -> tuple[list[int], list[bytes], list[int], list[int], list[bytes]]:
    """The batch as column arrays, once :func:`~legaldelivery.log.store.check_batch` has
    shown it to extend a log of ``size`` entries exactly.

    Entries become ``(seqs, datas)``, nodes ``(levels, indexes, hashes)`` in key order:
    one array per column, so each table takes the whole batch in one statement.
    """
    checked = check_batch(size, batch)
    seqs = list(range(size, size + len(checked.datas)))
    levels: list[int] = []
    indexes: list[int] = []
    hashes: list[bytes] = []
    for (level, index), digest in sorted(checked.nodes.items()):
        levels.append(level)
        indexes.append(index)
        hashes.append(digest)
    return seqs, checked.datas, levels, indexes, hashes

"""The SQLite store: settings, schema versions, refusals, locking, and O(log n) proof reads."""

from __future__ import annotations

import math
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import audit_log, merkle
from legaldelivery.errors import InputError, StoreError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.entry import GENESIS_PREV, entry_hash
from legaldelivery.log.sqlite import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    SqliteSettings,
    SqliteStore,
    migrate,
)
from legaldelivery.log.store import AppendBatch, CheckedBatch, EntryStore, Head, check_batch
from legaldelivery.records import Court

ORIGIN = "court.example/sqlite-test"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
SIGNER = Ed25519Signer.generate(ORIGIN)


def courts(count: int, start: int = 0) -> list[Court]:
    return [
        Court(court_id=f"court-{i}", name=f"Court {i}", time_zone="Asia/Shanghai")
        for i in range(start, start + count)
    ]


def clock() -> datetime:
    return T0


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.sqlite"


@pytest.fixture
def log(log_path: Path) -> Iterator[EvidenceLog]:
    made = EvidenceLog.create(log_path, origin=ORIGIN, signer=SIGNER, clock=clock)
    yield made
    made.close()


def sqlite_store(log: EvidenceLog) -> SqliteStore:
    store = log.store
    assert isinstance(store, SqliteStore)
    return store


# -- settings -------------------------------------------------------------------------


def test_the_default_settings_are_durable_and_shared() -> None:
    assert SqliteSettings() == SqliteSettings(
        synchronous="FULL", journal_mode="WAL", busy_timeout_ms=30_000
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("synchronous", "full"),
        ("synchronous", "SOMETIMES"),
        ("journal_mode", "MEMORY"),
        ("busy_timeout_ms", -1),
        ("busy_timeout_ms", 1.5),
        ("busy_timeout_ms", True),
        ("busy_timeout_ms", 2**31),
    ],
)
def test_settings_refuse_unknown_values(field: str, value: object) -> None:
    with pytest.raises(InputError, match=field):
        SqliteSettings(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "number"), [("OFF", 0), ("NORMAL", 1), ("FULL", 2), ("EXTRA", 3)])
def test_the_connection_runs_with_the_settings_given(
    log_path: Path, name: str, number: int
) -> None:
    chosen = SqliteSettings(synchronous=name, busy_timeout_ms=1234)  # type: ignore[arg-type]
    store = SqliteStore.create(log_path, origin=ORIGIN, settings=chosen)
    try:
        conn = store.connection
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == number
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
        assert store.settings is chosen
    finally:
        store.close()
    again = SqliteStore.open(log_path)
    try:
        # synchronous is per connection: reopening uses the defaults again.
        assert again.connection.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        again.close()


def test_a_rollback_journal_can_be_chosen(log_path: Path) -> None:
    store = SqliteStore.create(
        log_path, origin=ORIGIN, settings=SqliteSettings(journal_mode="DELETE")
    )
    try:
        assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        store.close()


# -- creating and opening -------------------------------------------------------------


def test_the_file_records_its_schema_origin_and_creation(log_path: Path) -> None:
    created = datetime(2026, 1, 5, 3, 4, 5, 678, tzinfo=timezone.utc)
    SqliteStore.create(log_path, origin=ORIGIN, created=created).close()
    conn = sqlite3.connect(log_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        columns = [row[1] for row in conn.execute("PRAGMA table_info(entries)")]
    finally:
        conn.close()
    assert meta == {
        "format": "legaldelivery/sqlite",
        "origin": ORIGIN,
        "created": "2026-01-05T03:04:05.000678Z",
    }
    assert tables == {"entries", "meta"}
    # The hashes come first: they stay on the row's own page however long the entry is.
    assert columns == ["seq", "hashes", "data"]


def test_create_refuses_an_existing_file_and_leaves_it_alone(log_path: Path) -> None:
    log_path.write_bytes(b"precious")
    with pytest.raises(InputError, match="already exists"):
        SqliteStore.create(log_path, origin=ORIGIN)
    with pytest.raises(InputError, match="already exists"):
        EvidenceLog.create(log_path, origin=ORIGIN, signer=SIGNER)
    assert log_path.read_bytes() == b"precious"


def test_create_refuses_a_naive_creation_time_and_leaves_no_file(log_path: Path) -> None:
    with pytest.raises(InputError, match="created"):
        SqliteStore.create(log_path, origin=ORIGIN, created=datetime(2026, 1, 1))
    assert not log_path.exists()


def test_create_in_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot create"):
        SqliteStore.create(tmp_path / "nowhere" / "log.sqlite", origin=ORIGIN)


def test_open_refuses_a_missing_file(log_path: Path) -> None:
    with pytest.raises(InputError, match="no log file"):
        SqliteStore.open(log_path)
    with pytest.raises(InputError, match="no log file"):
        EvidenceLog.open(log_path)
    assert not log_path.exists()


def test_open_refuses_a_file_that_is_not_a_database(log_path: Path) -> None:
    log_path.write_bytes(b"this is not SQLite at all, just some text" * 100)
    with pytest.raises(InputError, match="not a readable SQLite database"):
        SqliteStore.open(log_path)


def test_open_refuses_a_database_that_is_not_a_log(log_path: Path) -> None:
    conn = sqlite3.connect(log_path)
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="without its schema"):
        SqliteStore.open(log_path)


def test_open_refuses_a_log_without_its_marker(log_path: Path) -> None:
    SqliteStore.create(log_path, origin=ORIGIN).close()
    conn = sqlite3.connect(log_path)
    conn.execute("DELETE FROM meta WHERE key = 'format'")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="marker"):
        SqliteStore.open(log_path)


def test_open_refuses_a_newer_schema(log_path: Path) -> None:
    SqliteStore.create(log_path, origin=ORIGIN).close()
    conn = sqlite3.connect(log_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="newer than this library"):
        SqliteStore.open(log_path)
    with pytest.raises(InputError, match="newer than this library"):
        SqliteStore.open(log_path, read_only=True)


@pytest.mark.parametrize("name", ["log.sqlite", "log.db", "LOG.SQLITE", "log.sqlite3"])
def test_evidence_logs_choose_sqlite_by_suffix(tmp_path: Path, name: str) -> None:
    with EvidenceLog.create(tmp_path / name, origin=ORIGIN, signer=SIGNER) as made:
        assert isinstance(made.store, SqliteStore)
        made.append_many(courts(3))
    with EvidenceLog.open(tmp_path / name) as again:
        assert isinstance(again.store, SqliteStore)
        assert again.size == 3


@pytest.mark.parametrize("name", ["log.txt", "log", "log.json"])
def test_unknown_suffixes_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="unsupported log location"):
        EvidenceLog.create(tmp_path / name, origin=ORIGIN, signer=SIGNER)
    with pytest.raises(InputError, match="unsupported log location"):
        EvidenceLog.open(tmp_path / name)
    assert not (tmp_path / name).exists()


# -- migrations -----------------------------------------------------------------------


def _add_column(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE meta ADD COLUMN note TEXT")


def _break(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x)")
    raise sqlite3.OperationalError("disk on fire")


def test_migrate_applies_the_missing_steps_once(log_path: Path) -> None:
    SqliteStore.create(log_path, origin=ORIGIN).close()
    later = SCHEMA_VERSION + 1
    steps = (*MIGRATIONS, Migration(version=later, summary="meta notes", apply=_add_column))
    conn = sqlite3.connect(log_path, isolation_level=None)
    try:
        assert migrate(conn, steps) == later
        assert migrate(conn, steps) == later  # a second run finds nothing to do
        columns = [row[1] for row in conn.execute("PRAGMA table_info(meta)")]
        assert columns == ["key", "value", "note"]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == later
    finally:
        conn.close()
    # This library knows only the versions up to SCHEMA_VERSION, so it now refuses the file.
    with pytest.raises(InputError, match=f"schema version {later} is newer"):
        SqliteStore.open(log_path)


def test_a_failing_step_leaves_the_file_as_it_was(log_path: Path) -> None:
    SqliteStore.create(log_path, origin=ORIGIN).close()
    steps = (
        *MIGRATIONS,
        Migration(version=SCHEMA_VERSION + 1, summary="meta notes", apply=_add_column),
        Migration(version=SCHEMA_VERSION + 2, summary="broken", apply=_break),
    )
    conn = sqlite3.connect(log_path, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="disk on fire"):
            migrate(conn, steps)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [row[1] for row in conn.execute("PRAGMA table_info(meta)")] == ["key", "value"]
        assert (
            conn.execute("SELECT name FROM sqlite_master WHERE name='half_done'").fetchall() == []
        )
    finally:
        conn.close()
    SqliteStore.open(log_path).close()


def test_migrate_refuses_misnumbered_steps() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    steps = (Migration(version=2, summary="skips one", apply=_add_column),)
    try:
        with pytest.raises(InputError, match="numbered"):
            migrate(conn, steps)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    finally:
        conn.close()


def test_an_empty_database_migrates_to_the_current_schema() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        assert migrate(conn) == SCHEMA_VERSION
        conn.execute("INSERT INTO entries (seq, hashes, data) VALUES (0, x'00', x'00')")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO entries (seq, hashes, data) VALUES (0, x'01', x'01')")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO entries (seq, data) VALUES (1, x'01')")
    finally:
        conn.close()


# -- writing --------------------------------------------------------------------------


def test_entries_persist_across_reopening(log: EvidenceLog, log_path: Path) -> None:
    first = log.append_many(courts(5))
    root = log.root_hash()
    log.close()
    with EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as again:
        assert again.size == 5
        assert [e.data for e in again.entries()] == [e.data for e in first]
        assert again.root_hash() == root
        more = again.append(courts(1, start=5)[0])
        assert more.seq == 5
        assert more.prev == first[-1].hash


def test_two_store_objects_on_one_file_extend_one_chain(log_path: Path) -> None:
    with (
        EvidenceLog.create(log_path, origin=ORIGIN, signer=SIGNER, clock=clock) as one,
        EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as two,
    ):
        for i in range(6):
            writer = one if i % 2 else two
            writer.append_many(courts(1 + i % 3, start=10 * i))
        datas = list(one.store.iter_entries())
        assert [e.data for e in two.entries()] == datas
        assert one.root_hash() == two.root_hash() == merkle.root_hash(datas)
    prev = GENESIS_PREV
    for seq, data in enumerate(datas):
        assert f'"prev":"{prev}"'.encode() in data
        assert f'"seq":{seq},'.encode() in data
        prev = entry_hash(data)


def _raw_batch(
    head: Head,
    store: EntryStore,
    drop: tuple[int, int] | None = None,
    extra: tuple[int, int] | None = None,
    wrong_leaf: bool = False,
) -> tuple[AppendBatch, None]:
    """A batch of two entries' worth of bytes with the right (or a deliberately wrong) nodes."""
    tree = merkle.MerkleAccumulator.from_nodes(
        lambda lv, i: store.get_nodes([(lv, i)])[(lv, i)], head.size
    )
    datas = [f"entry-{head.size + i}".encode() for i in range(2)]
    nodes = {}
    for data in datas:
        for row in tree.append_returning_nodes(merkle.leaf_hash(data)):
            nodes[(row.level, row.index)] = row.hash
    if drop is not None:
        del nodes[drop]
    if extra is not None:
        nodes[extra] = bytes(32)
    if wrong_leaf:
        nodes[(0, head.size)] = merkle.leaf_hash(b"something else")
    entries = [(head.size + i, d) for i, d in enumerate(datas)]
    return AppendBatch(entries=entries, nodes=nodes, last_time=T0, last_signer="0" * 64), None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"drop": (1, 1)}, "completes 4 Merkle nodes but carries 3"),
        ({"drop": (2, 0)}, "completes 4 Merkle nodes but carries 3"),
        ({"extra": (0, 4)}, r"node \(0, 4\) is not completed"),
        ({"extra": (2, 1)}, r"node \(2, 1\) is not completed"),
        ({"extra": (1, 0)}, r"node \(1, 0\) is not completed"),
        ({"drop": (0, 3), "extra": (0, 1)}, r"node \(0, 1\) is not completed"),
        ({"wrong_leaf": True}, "leaf hash of entry 2"),
    ],
)
def test_a_batch_with_the_wrong_nodes_is_refused(
    log: EvidenceLog, change: dict[str, object], message: str
) -> None:
    log.append_many(courts(2))
    store = sqlite_store(log)
    before = store.get_nodes([(lv, i) for lv in range(4) for i in range(6)])
    with pytest.raises(InputError, match=message):
        store.append_batch(lambda head, inner: _raw_batch(head, inner, **change))  # type: ignore[arg-type]
    assert store.size() == 2
    assert store.get_nodes([(lv, i) for lv in range(4) for i in range(6)]) == before


def test_a_writer_waits_for_the_lock_then_gives_up_with_a_store_error(log_path: Path) -> None:
    impatient = SqliteSettings(busy_timeout_ms=50)
    store = SqliteStore.create(log_path, origin=ORIGIN, settings=impatient)
    log = EvidenceLog(store, signer=SIGNER, clock=clock)
    log.append(courts(1)[0])
    other = sqlite3.connect(log_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked past the busy timeout") as caught:
            log.append(courts(1, start=1)[0])
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        # Readers are not blocked by the writer (WAL).
        assert log.size == 1
        other.execute("ROLLBACK")
        assert log.append(courts(1, start=2)[0]).seq == 1
    finally:
        other.close()
        log.close()


def test_a_read_only_store_reads_beside_a_writer_and_refuses_to_write(
    log: EvidenceLog, log_path: Path
) -> None:
    log.append_many(courts(3))
    reader = SqliteStore.open(log_path, read_only=True)
    try:
        assert reader.read_only
        stream = reader.iter_entries()
        first = next(stream)
        log.append_many(courts(4, start=3))  # commits while the reader is mid-stream
        assert [first, *stream] == [e.data for e in log.entries(0, 3)]
        assert reader.size() == 7
        assert reader.head() == sqlite_store(log).head()
        with pytest.raises(InputError, match="read_only"):
            EvidenceLog(reader, signer=SIGNER).append(courts(1)[0])
        with pytest.raises(InputError, match="no entry 7"):
            reader.read_entry(7)
    finally:
        reader.close()


def test_a_missing_entry_row_is_reported_not_skipped(log: EvidenceLog) -> None:
    log.append_many(courts(5))
    store = sqlite_store(log)
    store.connection.execute("DELETE FROM entries WHERE seq = 2")
    with pytest.raises(InputError, match="entry 2 is missing"):
        list(store.iter_entries())
    store.connection.execute("DELETE FROM entries WHERE seq = 3")
    with pytest.raises(InputError, match="entry 2 is missing"):
        list(store.iter_entries(2))


def test_the_head_is_read_from_the_last_row(log: EvidenceLog) -> None:
    entries = log.append_many(courts(3))
    fresh = SqliteStore.open(sqlite_store(log).path)
    try:
        head = fresh.head()
    finally:
        fresh.close()
    assert head == Head(
        size=3,
        last_hash=entries[-1].hash,
        last_time=entries[-1].time,
        last_signer=SIGNER.fingerprint,
    )


def test_many_keys_are_fetched_in_chunks(log: EvidenceLog) -> None:
    log.append_many(courts(40))
    store = sqlite_store(log)
    keys = [(lv, i) for lv in range(7) for i in range(200)]
    found = store.get_nodes(keys)
    assert len(found) == sum(40 >> lv for lv in range(7))
    assert found == {key: store.get_nodes([key])[key] for key in found}


# -- proofs read O(log n) rows --------------------------------------------------------


class ReadMeter:
    """Counts the statements a connection runs and the SQLite VM steps they take."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.statements: list[str] = []
        self.steps = 0

    def _step(self) -> int:
        self.steps += 1
        return 0

    def __enter__(self) -> ReadMeter:
        self.conn.set_trace_callback(self.statements.append)
        self.conn.set_progress_handler(self._step, 1)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.conn.set_trace_callback(None)
        self.conn.set_progress_handler(None, 1)


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER, clock=clock) as made:
        records = courts(1000)
        for _ in range(10):
            made.append_many(records)
    return path


def metered(path: Path, action: str, *args: object) -> tuple[ReadMeter, object]:
    """Run one log method on a freshly opened store, so that nothing is cached yet."""
    with (
        EvidenceLog.open(path, signer=SIGNER, clock=clock) as log,
        ReadMeter(sqlite_store(log).connection) as meter,
    ):
        result = getattr(log, action)(*args)
    return meter, result


def test_a_full_scan_would_cost_thousands_of_steps(big_log: Path) -> None:
    # The yardstick for the bounds below: touching every row costs far more.
    meter, _ = metered(big_log, "__len__")
    assert meter.steps < 100
    with EvidenceLog.open(big_log) as log, ReadMeter(sqlite_store(log).connection) as meter:
        sqlite_store(log).connection.execute("SELECT sum(length(hashes)) FROM entries").fetchone()
    assert meter.steps > 20_000


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_proofs_at_ten_thousand_entries_read_logarithmically_many_rows(
    big_log: Path, data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, 10_000), label="size")
    seq = data.draw(st.integers(0, size - 1), label="seq")
    old = data.draw(st.integers(1, size), label="old")
    bound = 2 * math.ceil(math.log2(size + 1)) + 2
    for action, args, plan in [
        ("inclusion_proof", (seq, size), merkle.inclusion_proof_plan(seq, size)),
        ("consistency_proof", (old, size), merkle.consistency_proof_plan(old, size)),
        ("root_hash", (size,), None),
    ]:
        meter, result = metered(big_log, action, *args)
        wanted = len(plan.nodes) if plan is not None else bin(size).count("1")
        assert wanted <= bound
        # One statement for the size, and one fetching every node the proof needs.
        assert len(meter.statements) == (2 if wanted else 1), meter.statements
        assert all("FROM (VALUES" in sql for sql in meter.statements[1:])
        # The nodes query seeks the primary key: its VM steps grow with the nodes fetched
        # (at most 2 log2 n of them), not with the 10^4 entries or 2 * 10^4 nodes.
        assert meter.steps <= 60 + 25 * wanted, (action, args, meter.steps)
        if plan is not None:
            assert isinstance(result, list)
            assert len(result) == plan.proof_length


def test_proof_cost_does_not_grow_with_the_log(big_log: Path) -> None:
    small, _ = metered(big_log, "inclusion_proof", 5, 16)
    large, _ = metered(big_log, "inclusion_proof", 5, 8192)
    # 4 nodes at 16 entries, 13 at 8192: the cost follows the node count.
    assert large.steps < 5 * small.steps
    assert large.steps < 600


def test_appending_reads_only_the_frontier(big_log: Path) -> None:
    with EvidenceLog.open(big_log, signer=SIGNER, clock=clock) as log:
        conn = sqlite_store(log).connection
        with ReadMeter(conn) as first:
            log.append(courts(1, start=99)[0])
        with ReadMeter(conn) as second:
            log.append(courts(1, start=100)[0])
    # After opening, the append reads the frontier's nodes in one query ...
    assert sum("FROM (VALUES" in sql for sql in first.statements) == 1
    assert first.steps < 2_000
    # ... and afterwards it knows them from its own last commit.
    assert not any("FROM (VALUES" in sql for sql in second.statements)
    verbs = [sql.split()[0] for sql in second.statements]
    # Begin, read the head, insert the one row (entry and node hashes), commit: no more.
    assert verbs == ["BEGIN", "SELECT", "INSERT", "COMMIT"]
    assert second.steps < first.steps


# -- odd inputs and failures ----------------------------------------------------------


def test_a_database_with_a_version_but_no_tables_is_not_a_log(log_path: Path) -> None:
    conn = sqlite3.connect(log_path)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="not a legaldelivery log"):
        SqliteStore.open(log_path)


def test_migrate_refuses_a_file_newer_than_its_steps(log_path: Path) -> None:
    SqliteStore.create(log_path, origin=ORIGIN).close()
    conn = sqlite3.connect(log_path, isolation_level=None)
    try:
        with pytest.raises(
            InputError, match=f"schema version {SCHEMA_VERSION} is newer than this library knows"
        ):
            migrate(conn, ())
        assert not conn.in_transaction
    finally:
        conn.close()


@pytest.mark.parametrize("origin", ["", None, 7])
def test_create_refuses_a_missing_origin(log_path: Path, origin: object) -> None:
    with pytest.raises(InputError, match="origin"):
        SqliteStore.create(log_path, origin=origin)  # type: ignore[arg-type]
    assert not log_path.exists()


def test_a_failure_while_creating_leaves_no_file(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    with pytest.raises(InputError, match="unable to open"):
        SqliteStore.create(log_path, origin=ORIGIN)
    monkeypatch.undo()
    assert list(log_path.parent.iterdir()) == []


@pytest.mark.parametrize("seq", [True, 1.0, "1", None])
def test_entry_numbers_must_be_integers(log: EvidenceLog, seq: object) -> None:
    log.append_many(courts(3))
    with pytest.raises(InputError, match="entry number"):
        sqlite_store(log).read_entry(seq)  # type: ignore[arg-type]


def test_a_missing_tail_of_rows_is_reported(log: EvidenceLog) -> None:
    log.append_many(courts(6))
    store = sqlite_store(log)
    store.connection.execute("DELETE FROM entries WHERE seq IN (2, 3)")
    with pytest.raises(InputError, match="entry 2 is missing"):
        list(store.iter_entries(2, 4))
    assert "evidence.sqlite" in repr(store)
    assert store.path.name == "evidence.sqlite"


# -- schema version 2: subtree hashes in the row of the entry that completes them -------


def _perfect_subtrees(datas: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every perfect subtree's hash, straight from RFC 6962's definition over raw leaves."""
    size = len(datas)
    return {
        (level, index): merkle.root_hash(datas[index << level : (index + 1) << level])
        for level in range(size.bit_length())
        for index in range(size >> level)
    }


def write_v1_log(path: Path, datas: list[bytes]) -> None:
    """A log file laid out as version 1 of this library wrote it (kept here, not as a binary).

    Version 1 had three tables: ``meta``, ``entries (seq, data)`` and ``nodes (level, idx,
    hash)`` holding every perfect subtree's hash under its own (level, index) key.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        conn.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        conn.execute(
            "CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, "
            "hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID"
        )
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("format", "legaldelivery/sqlite"), ("origin", ORIGIN), ("created", "x")],
        )
        conn.executemany("INSERT INTO entries (seq, data) VALUES (?, ?)", enumerate(datas))
        conn.executemany(
            "INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)",
            [(level, index, digest) for (level, index), digest in _perfect_subtrees(datas).items()],
        )
        conn.execute("PRAGMA user_version = 1")
        conn.execute("COMMIT")
    finally:
        conn.close()


def signed_entries(count: int) -> list[bytes]:
    """The bytes of ``count`` real signed entries of this test's origin and key."""
    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER, clock=clock) as made:
        return [entry.data for entry in made.append_many(courts(count))]


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def assert_proofs_match(log: EvidenceLog, datas: list[bytes]) -> None:
    size = len(datas)
    for tree_size in sorted({1, 2, size // 2 + 1, size - 1, size} - {0}):
        assert log.root_hash(tree_size) == merkle.root_hash(datas[:tree_size])
        for index in sorted({0, tree_size // 3, tree_size - 1}):
            assert log.inclusion_proof(index, tree_size) == merkle.inclusion_proof(
                datas, index, tree_size
            )
        for old in sorted({1, tree_size // 2 + 1, tree_size}):
            assert log.consistency_proof(old, tree_size) == merkle.consistency_proof(
                datas, old, tree_size
            )


def test_a_version_1_file_is_migrated_when_opened_for_writing(log_path: Path) -> None:
    datas = signed_entries(37)
    write_v1_log(log_path, datas)
    with EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as log:
        assert user_version(log_path) == SCHEMA_VERSION == 2
        assert [e.data for e in log.entries()] == datas
        assert_proofs_match(log, datas)
        more = log.append_many(courts(6, start=37))
        assert more[0].prev == entry_hash(datas[-1])
        datas += [e.data for e in more]
        assert_proofs_match(log, datas)
    conn = sqlite3.connect(log_path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        meta = dict(conn.execute("SELECT key, value FROM meta"))
    finally:
        conn.close()
    assert tables == {"entries", "meta"}
    assert meta["origin"] == ORIGIN
    report = audit_log(log_path, trusted=[SIGNER.verifier])
    assert report.ok, report.findings
    assert report.size == 43
    with EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as again:
        assert_proofs_match(again, datas)


def test_a_version_1_file_opened_read_only_is_read_as_it_is(log_path: Path) -> None:
    datas = signed_entries(21)
    write_v1_log(log_path, datas)
    before = log_path.read_bytes()
    with EvidenceLog.open(log_path) as log:
        assert_proofs_match(log, datas)
        assert sqlite_store(log).head().last_hash == entry_hash(datas[-1])
    report = audit_log(log_path, trusted=[SIGNER.verifier])
    assert report.ok, report.findings
    # An auditor's copy of the evidence is never rewritten.
    assert user_version(log_path) == 1
    assert log_path.read_bytes() == before


def test_a_reader_of_a_version_1_file_follows_a_migration(log_path: Path) -> None:
    datas = signed_entries(30)
    write_v1_log(log_path, datas)
    with EvidenceLog.open(log_path) as reader:
        assert reader.inclusion_proof(3, 30) == merkle.inclusion_proof(datas, 3, 30)
        # Another writer opens the file and migrates it under the reader.
        with EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as writer:
            datas += [e.data for e in writer.append_many(courts(2, start=30))]
        assert user_version(log_path) == 2
        assert_proofs_match(reader, datas)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("DELETE FROM nodes WHERE level = 2 AND idx = 1", r"node \(2, 1\) is missing"),
        ("DELETE FROM entries WHERE seq = 4", "entry 4 is missing"),
        ("DROP TABLE nodes", "tables are damaged"),
    ],
)
def test_a_damaged_version_1_file_is_left_as_it_was(
    log_path: Path, damage: str, message: str
) -> None:
    write_v1_log(log_path, signed_entries(12))
    conn = sqlite3.connect(log_path)
    conn.execute(damage)
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match=message):
        SqliteStore.open(log_path)
    assert user_version(log_path) == 1
    # It can still be opened read_only, to audit what is left.
    with EvidenceLog.open(log_path) as reader:
        assert reader.size == 12
        if "DROP" in damage:
            with pytest.raises(StoreError, match="no such table"):
                reader.root_hash(12)


def test_a_version_1_file_locked_by_a_writer_is_migrated_later(log_path: Path) -> None:
    datas = signed_entries(5)
    write_v1_log(log_path, datas)
    other = sqlite3.connect(log_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked past the busy timeout"):
            SqliteStore.open(log_path, settings=SqliteSettings(busy_timeout_ms=50))
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert user_version(log_path) == 1
    with EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as log:
        assert_proofs_match(log, datas)
    assert user_version(log_path) == 2


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(1, 40), max_size=8), probe=st.integers(0, 2**40))
def test_node_reads_equal_the_merkle_trees_nodes(cuts: list[int], probe: int) -> None:
    """Whatever the batches, the stored subtree hashes are MerkleTree's, and no others."""
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore.create(Path(folder) / "nodes.sqlite", origin=ORIGIN)
        try:
            tree = merkle.MerkleTree()
            datas: list[bytes] = []
            for count in cuts:
                batch = [f"entry {len(datas) + i}".encode() for i in range(count)]
                store.append_batch(lambda head, inner, b=batch: _raw_batch_of(head, inner, b))
                datas += batch
                for data in batch:
                    tree.append(merkle.leaf_hash(data))
            size = len(datas)
            expected = {
                (level, index): tree.node(level, index)
                for level in range(size.bit_length())
                for index in range(size >> level)
            }
            wanted = [(lv, i) for lv in range(size.bit_length() + 2) for i in range(size + 2)]
            # Keys no entry could complete are absent too, however large.
            wanted += [(probe % 70, probe), (-1, 0), (0, -1), (63, 0)]
            assert store.get_nodes(wanted) == expected
            fresh = SqliteStore.open(store.path, read_only=True)
            try:
                assert fresh.get_nodes(wanted) == expected
            finally:
                fresh.close()
        finally:
            store.close()


def _raw_batch_of(head: Head, store: EntryStore, datas: list[bytes]) -> tuple[AppendBatch, None]:
    tree = merkle.MerkleAccumulator.from_nodes(
        lambda lv, i: store.get_nodes([(lv, i)])[(lv, i)], head.size
    )
    nodes = {}
    for data in datas:
        for row in tree.append_returning_nodes(merkle.leaf_hash(data)):
            nodes[(row.level, row.index)] = row.hash
    entries = [(head.size + i, d) for i, d in enumerate(datas)]
    return AppendBatch(entries=entries, nodes=nodes, last_time=T0, last_signer="0" * 64), None


def test_node_hashes_must_be_32_bytes(log: EvidenceLog) -> None:
    log.append_many(courts(3))
    store = sqlite_store(log)

    def short(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
        batch, _ = _raw_batch_of(head, inner, [b"a"])
        nodes = dict(batch.nodes)
        nodes[(2, 0)] = nodes[(2, 0)][:31]
        return attrs.evolve(batch, nodes=nodes), None

    with pytest.raises(InputError, match=r"node \(2, 0\): expected a 32-byte"):
        store.append_batch(short)
    assert store.size() == 3

    def as_bytearrays(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
        batch, _ = _raw_batch_of(head, inner, [b"a", b"b"])
        nodes = {key: bytearray(value) for key, value in batch.nodes.items()}
        entries = [(seq, bytearray(data)) for seq, data in batch.entries]
        return attrs.evolve(batch, nodes=nodes, entries=entries), None

    store.append_batch(as_bytearrays)
    datas = [*(e.data for e in log.entries(0, 3)), b"a", b"b"]
    assert store.get_nodes(list(_perfect_subtrees(datas))) == _perfect_subtrees(datas)


def test_a_damaged_row_yields_no_node_rather_than_a_wrong_one(log: EvidenceLog) -> None:
    log.append_many(courts(8))
    store = sqlite_store(log)
    store.connection.execute("UPDATE entries SET hashes = substr(hashes, 1, 40) WHERE seq = 7")
    fresh = SqliteStore.open(store.path, read_only=True)
    try:
        found = fresh.get_nodes([(0, 7), (1, 3), (2, 1), (3, 0), (0, 6)])
    finally:
        fresh.close()
    assert set(found) == {(0, 7), (0, 6)}
    with pytest.raises(InputError, match="lacks Merkle nodes"):
        EvidenceLog.open(store.path).root_hash(8)


def test_a_single_append_writes_as_few_pages_as_one_row_does(log_path: Path) -> None:
    """One row per append: a durable commit costs the entry's page, not one per tree level."""
    with EvidenceLog.create(log_path, origin=ORIGIN, signer=SIGNER, clock=clock) as log:
        log.append_many(courts(50))
        conn = sqlite_store(log).connection
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        for i in range(200):
            log.append(courts(1, start=50 + i)[0])
        frames = (log_path.with_name(log_path.name + "-wal").stat().st_size - 32) // (page + 24)
    # A new leaf page every few rows adds its parent's page; one more B-tree would add a
    # page per commit at least (version 1 wrote 2 to 5).
    assert 200 <= frames <= 200 * 1.3, frames


@pytest.mark.parametrize("seq", ["3", None, 4, 2])
def test_a_batch_entry_with_the_wrong_number_is_refused(log: EvidenceLog, seq: object) -> None:
    log.append_many(courts(3))
    store = sqlite_store(log)

    def renumbered(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
        batch, _ = _raw_batch_of(head, inner, [b"a"])
        return attrs.evolve(batch, entries=[(seq, b"a")]), None

    with pytest.raises(InputError, match="batch entry must have seq 3"):
        store.append_batch(renumbered)
    assert store.size() == 3


# -- the append path's checks and caches --------------------------------------------


def _honest_batch(size: int, count: int) -> AppendBatch:
    """Entries ``size .. size + count - 1`` with the subtree hashes they complete."""
    datas = [f"entry {i}".encode() for i in range(size + count)]
    nodes = {
        (level, index): digest
        for (level, index), digest in _perfect_subtrees(datas).items()
        if ((index + 1) << level) - 1 >= size
    }
    entries = [(seq, datas[seq]) for seq in range(size, size + count)]
    return AppendBatch(entries=entries, nodes=nodes, last_time=T0, last_signer="0" * 64)


_MUTATIONS = [
    "none",
    "renumber",
    "seq-as-text",
    "seq-as-bool",
    "data-as-bytearray",
    "drop-node",
    "extra-node",
    "short-hash",
    "long-hash",
    "bytearray-hash",
    "memoryview-hash",
    "text-hash",
    "wrong-leaf",
    "wrong-inner-node",
    "swap-entries",
    "drop-entry",
]


def _mutated(batch: AppendBatch, mutation: str, pick: int, size: int) -> AppendBatch:
    entries = list(batch.entries)
    nodes: dict[tuple[int, int], object] = dict(batch.nodes)
    keys = sorted(nodes)
    key = keys[pick % len(keys)] if keys else (0, size)
    at = pick % len(entries) if entries else 0
    if mutation == "renumber" and entries:
        entries[at] = (entries[at][0] + 1 + pick % 3, entries[at][1])
    elif mutation == "seq-as-text" and entries:
        entries[at] = (str(entries[at][0]), entries[at][1])
    elif mutation == "seq-as-bool" and entries:
        entries[at] = (entries[at][0] == 1, entries[at][1])
    elif mutation == "data-as-bytearray" and entries:
        entries[at] = (entries[at][0], bytearray(entries[at][1]))
    elif mutation == "drop-node" and keys:
        del nodes[key]
    elif mutation == "extra-node":
        # Anywhere: in the batch's range, before it, after it, or at an odd level.
        nodes[(pick % 4, (size + pick) // (1 + pick % 3))] = bytes(32)
    elif mutation == "short-hash" and keys:
        nodes[key] = bytes(nodes[key])[:31]  # type: ignore[arg-type]
    elif mutation == "long-hash" and keys:
        nodes[key] = bytes(nodes[key]) + b"\x00"  # type: ignore[arg-type]
    elif mutation == "bytearray-hash" and keys:
        nodes[key] = bytearray(nodes[key])  # type: ignore[arg-type]
    elif mutation == "memoryview-hash" and keys:
        nodes[key] = memoryview(bytes(nodes[key]))  # type: ignore[arg-type]
    elif mutation == "text-hash" and keys:
        nodes[key] = "a" * 32
    elif mutation == "wrong-leaf" and entries:
        nodes[(0, entries[at][0])] = merkle.leaf_hash(b"something else")
    elif mutation == "wrong-inner-node" and keys:
        # A store cannot tell a wrong inner hash from a right one (it would need the
        # frontier): both checks must accept it alike; the audit finds the bad root.
        nodes[key] = bytes(32) if key[0] else nodes[key]
    elif mutation == "swap-entries" and len(entries) > 1:
        entries[0], entries[-1] = entries[-1], entries[0]
    elif mutation == "drop-entry" and entries:
        del entries[at]
    return attrs.evolve(batch, entries=entries, nodes=nodes)


def _outcome(check: object, size: int, batch: AppendBatch) -> tuple[str, object]:
    try:
        return "accepted", check(size, batch)  # type: ignore[operator]
    except InputError as exc:
        return "refused", str(exc)


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(0, 70),
    count=st.integers(0, 6),
    mutation=st.sampled_from(_MUTATIONS),
    pick=st.integers(0, 1000),
)
def test_the_fast_batch_check_decides_as_the_rules_do(
    size: int, count: int, mutation: str, pick: int
) -> None:
    from legaldelivery.log.sqlite import _checked_batch

    batch = _mutated(_honest_batch(size, count), mutation, pick, size)
    fast = _outcome(_checked_batch, size, batch)
    rules = _outcome(check_batch, size, batch)
    if rules[0] == "refused":
        assert fast == rules
        return
    assert fast[0] == "accepted"
    rows, nodes = fast[1]  # type: ignore[misc]
    checked = rules[1]
    assert isinstance(checked, CheckedBatch)
    assert [data for _, _, data in rows] == checked.datas
    assert [seq for seq, _, _ in rows] == list(range(size, size + len(checked.datas)))
    assert all(type(seq) is int and type(data) is bytes for seq, _, data in rows)
    assert nodes == checked.nodes
    assert all(type(digest) is bytes for digest in nodes.values())
    if mutation in ("none", "wrong-inner-node", "data-as-bytearray", "seq-as-bool"):
        # Honest batches, and the harmless variations of them, are taken.
        assert len(rows) == count
    if mutation == "none":
        # ... an honest one by the single pass, which hands back the batch's own nodes.
        assert nodes is batch.nodes
    # Each row holds its entry's completed subtree hashes, leaf first, and nothing else.
    for seq, hashes, data in rows:
        levels = ((seq + 1) & -(seq + 1)).bit_length()
        assert len(hashes) == 32 * levels
        assert hashes[:32] == merkle.leaf_hash(data)
        assert hashes == b"".join(
            checked.nodes[level, ((seq + 1) >> level) - 1] for level in range(levels)
        )


def test_the_node_cache_keeps_the_frontier_and_stays_bounded(log_path: Path) -> None:
    """Past its bound the cache is cut back to the frontier; node reads stay right."""
    from legaldelivery.log.sqlite import _NODE_CACHE_LIMIT

    store = SqliteStore.create(log_path, origin=ORIGIN)
    statements: list[str] = []
    try:
        size = 0
        # 1500 entries complete about 3000 nodes: the third batch passes the bound of 4096.
        for count in (1500, 1500, 1500, 7, 1):
            batch = _honest_batch(size, count)
            store.append_batch(lambda head, inner, b=batch: (b, None))
            size += count
            store.connection.set_trace_callback(statements.append)
            frontier = store.get_nodes(merkle.frontier_nodes(size))
            store.connection.set_trace_callback(None)
            # What the next append and a checkpoint read is known without a query ...
            assert statements == []
            # ... and a long-running writer holds a bounded number of hashes.
            assert len(store._node_cache) <= _NODE_CACHE_LIMIT
            assert merkle.MerkleAccumulator.restore(
                size, [frontier[key] for key in merkle.frontier_nodes(size)]
            ).root() == merkle.root_hash([f"entry {i}".encode() for i in range(size)])
        expected = _perfect_subtrees([f"entry {i}".encode() for i in range(size)])
        assert store.get_nodes(list(expected)) == expected
    finally:
        store.close()

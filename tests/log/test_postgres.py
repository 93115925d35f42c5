"""The PostgreSQL store against a real server: the store contract, roles and triggers,
locking, schema versions, refusals, and O(log n) rows read per proof.

Every test runs on the throwaway cluster of ``conftest.py`` (skipped without PostgreSQL,
failed in CI). Stores are opened as the roles a deployment has: ``ld_owner`` creates the
log and owns its tables, ``ld_app`` appends, ``ld_auditor`` reads.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import merkle
from legaldelivery.audit import audit_log
from legaldelivery.errors import InputError, StoreError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.entry import GENESIS_PREV, entry_hash
from legaldelivery.log.postgres import (
    DATABASE_FORMAT,
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    PostgresSettings,
    PostgresStore,
    display_url,
    is_postgres_url,
    migrate,
    writer_lock_key,
)
from legaldelivery.log.store import AppendBatch, EntryStore, Head
from legaldelivery.records import Court

with contextlib.suppress(ImportError):
    # Without the driver every test that uses it skips (or, in CI, fails) by its fixture.
    import psycopg

ORIGIN = "court.example/postgres-test"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
SIGNER = Ed25519Signer.generate(ORIGIN)


def _load_contract() -> ModuleType:
    """The store contract tests, loaded by path (the tests are not a package)."""
    path = Path(__file__).with_name("test_store_contract.py")
    spec = importlib.util.spec_from_file_location("_legaldelivery_store_contract", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


contract = _load_contract()


def courts(count: int, start: int = 0) -> list[Court]:
    return [
        Court(court_id=f"court-{i}", name=f"Court {i}", time_zone="Asia/Shanghai")
        for i in range(start, start + count)
    ]


def clock() -> datetime:
    return T0


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database(pg_cluster: Any) -> str:
    """One database for this module's stores, each store in a schema of its own."""
    return str(pg_cluster.create_database("store"))


@pytest.fixture
def schema(pg_cluster: Any) -> str:
    return str(pg_cluster.fresh_name("log"))


@pytest.fixture
def owner_url(pg_cluster: Any, database: str) -> str:
    return str(pg_cluster.url(pg_cluster.OWNER, database))


@pytest.fixture
def app_url(pg_cluster: Any, database: str) -> str:
    return str(pg_cluster.url(pg_cluster.APP, database))


def make_store(
    pg_cluster: Any, database: str, schema: str, origin: str = ORIGIN, **chosen: Any
) -> PostgresStore:
    """Create a log as the owner, grant the application role, and open it as that role."""
    settings = PostgresSettings(schema=schema, **chosen)
    owner = PostgresStore.create(
        pg_cluster.url(pg_cluster.OWNER, database), origin=origin, settings=settings
    )
    try:
        owner.grant(pg_cluster.APP)
        owner.grant(pg_cluster.AUDITOR, append=False)
    finally:
        owner.close()
    return PostgresStore.open(pg_cluster.url(pg_cluster.APP, database), settings=settings)


@pytest.fixture
def store(pg_cluster: Any, database: str, schema: str) -> Iterator[EntryStore]:
    made = make_store(pg_cluster, database, schema, origin=contract.ORIGIN)
    yield made
    made.close()


@pytest.fixture
def kind() -> str:
    # For any contract test that asks which kind of store it runs on.
    return "postgres"


def run_as_admin(pg_cluster: Any, database: str, *statements: str) -> None:
    pg_cluster.execute(list(statements), dbname=database)


# -- the store contract, as every store passes it -------------------------------------

# Every contract test that takes the ``store`` fixture runs here against the fixture
# above; the ones that make their own stores by kind are mirrored further down.
_CONTRACT = [
    name
    for name, test in vars(contract).items()
    if name.startswith("test_") and "store" in inspect.signature(test).parameters
]
assert len(_CONTRACT) >= 8, _CONTRACT
globals().update({name: getattr(contract, name) for name in _CONTRACT})


def test_a_reopened_store_holds_the_same_log(
    pg_cluster: Any, database: str, schema: str, app_url: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    datas = contract.append(store, ["a", "b", "c"]) + contract.append(store, ["d", "e"])
    before = (store.size(), store.head(), store.get_nodes(contract.all_keys(5)))
    store.close()
    store.close()  # idempotent
    again = PostgresStore.open(app_url, settings=PostgresSettings(schema=schema))
    try:
        assert again.origin == ORIGIN
        assert (again.size(), again.head(), again.get_nodes(contract.all_keys(5))) == before
        assert list(again.iter_entries()) == datas
        datas += contract.append(again, ["f"])
        assert again.get_nodes(contract.all_keys(6)) == contract.expected_nodes(datas)
    finally:
        again.close()


def test_a_closed_store_refuses_use(pg_cluster: Any, database: str, schema: str) -> None:
    store = make_store(pg_cluster, database, schema)
    store.close()
    for use in (store.size, store.head, lambda: store.read_entry(0), lambda: store.connection):
        with pytest.raises(InputError, match="closed"):
            use()
    with pytest.raises(InputError, match="closed"):
        contract.append(store, ["a"])
    with pytest.raises(InputError, match="closed"):
        store.get_nodes([(0, 0)])


@settings(max_examples=20, deadline=None)
@given(
    batches=st.lists(st.integers(1, 9), min_size=1, max_size=6),
    reopen=st.booleans(),
    data=st.data(),
)
def test_proofs_from_stored_nodes_match_the_pure_functions(
    pg_cluster: Any, database: str, batches: list[int], reopen: bool, data: st.DataObject
) -> None:
    schema = pg_cluster.fresh_name("prop")
    store = make_store(pg_cluster, database, schema)
    try:
        leaves: list[bytes] = []
        for count in batches:
            leaves += contract.append(store, [f"{len(leaves) + i}" for i in range(count)])
        if reopen:
            store.close()
            store = PostgresStore.open(
                pg_cluster.url(pg_cluster.AUDITOR, database),
                settings=PostgresSettings(schema=schema),
                read_only=True,
            )
        size = data.draw(st.integers(1, len(leaves)), label="size")
        index = data.draw(st.integers(0, size - 1), label="index")
        plan = merkle.inclusion_proof_plan(index, size)
        assert plan.assemble(store.get_nodes(plan.nodes)) == merkle.inclusion_proof(
            leaves, index, size
        )
        old = data.draw(st.integers(1, size), label="old_size")
        plan = merkle.consistency_proof_plan(old, size)
        assert plan.assemble(store.get_nodes(plan.nodes)) == merkle.consistency_proof(
            leaves, old, size
        )
        assert store.get_nodes(contract.all_keys(len(leaves))) == contract.expected_nodes(leaves)
        assert list(store.iter_entries()) == leaves
    finally:
        store.close()


# -- settings and URLs ----------------------------------------------------------------


def test_the_default_settings() -> None:
    assert PostgresSettings() == PostgresSettings(
        schema="legaldelivery",
        synchronous_commit="on",
        lock_timeout_ms=30_000,
        connect_timeout_s=10,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("schema", ""),
        ("schema", "Court"),
        ("schema", "court-a"),
        ("schema", "1court"),
        ("schema", "pg_court"),
        ("schema", "x" * 64),
        ("schema", None),
        ("synchronous_commit", "ON"),
        ("synchronous_commit", "sometimes"),
        ("lock_timeout_ms", -1),
        ("lock_timeout_ms", 2**31),
        ("lock_timeout_ms", 1.5),
        ("lock_timeout_ms", True),
        ("connect_timeout_s", 3601),
        ("connect_timeout_s", "10"),
    ],
)
def test_settings_refuse_unknown_values(field: str, value: object) -> None:
    with pytest.raises(InputError, match=field):
        PostgresSettings(**{field: value})


@given(name=st.from_regex(r"[a-z_][a-z0-9_]{0,62}", fullmatch=True))
def test_every_simple_lower_case_name_is_a_schema(name: str) -> None:
    if name.startswith("pg_"):
        with pytest.raises(InputError, match="schema"):
            PostgresSettings(schema=name)
    else:
        assert PostgresSettings(schema=name).schema == name
        key = writer_lock_key(name)
        assert -(2**63) <= key < 2**63
        assert key == writer_lock_key(name)


def test_lock_keys_differ_between_schemas() -> None:
    keys = {writer_lock_key(f"court_{i}") for i in range(1000)}
    assert len(keys) == 1000


@given(
    scheme=st.sampled_from(["postgresql://", "postgres://", "POSTGRESQL://", "Postgres://"]),
    rest=st.text(max_size=30),
)
def test_postgres_urls_are_recognised_by_their_scheme(scheme: str, rest: str) -> None:
    assert is_postgres_url(scheme + rest)


@given(text=st.text(max_size=40))
def test_other_text_is_not_a_postgres_url(text: str) -> None:
    assert is_postgres_url(text) == text.lower().startswith(("postgresql://", "postgres://"))
    assert not is_postgres_url(Path(text or "x"))
    # The evidence log chooses the store by the same rule; other URLs are refused unechoed.
    file_suffix = Path(text).suffix.lower() in (".sqlite", ".sqlite3", ".db", ".jsonl")
    if not is_postgres_url(text) and "://" in text and not file_suffix:
        with pytest.raises(InputError, match="unsupported log location") as caught:
            EvidenceLog.open(text)
        assert text not in str(caught.value)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=12)


@given(
    user=_WORD,
    password=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ!~*", min_size=4, max_size=16),
    host=st.one_of(_WORD, st.just("/run/postgresql"), st.just("db.example")),
    port=st.one_of(st.none(), st.integers(1, 65535)),
    dbname=_WORD,
)
def test_displayed_urls_keep_everything_but_the_password(
    pg_driver: Any, user: str, password: str, host: str, port: int | None, dbname: str
) -> None:
    from psycopg.conninfo import conninfo_to_dict

    where = f":{port}" if port is not None else ""
    url = f"postgresql://{user}:{quote(password, safe='')}@{quote(host, safe='')}{where}/{dbname}"
    shown = display_url(url)
    assert password not in shown
    original = conninfo_to_dict(url)
    assert original["password"] == password
    del original["password"]
    assert conninfo_to_dict(shown) == original


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:hunter2secret@h/db?bogus=1",
        "postgresql://u:hunter2secret@[::1/db",
        "postgresql://u:hunter2secret@h/db?sslmode",
    ],
)
def test_unreadable_urls_are_refused_without_echoing_them(pg_driver: Any, url: str) -> None:
    with pytest.raises(InputError, match="not a PostgreSQL connection URL") as caught:
        PostgresStore.open(url)
    assert "hunter2secret" not in str(caught.value)
    with pytest.raises(InputError, match="postgresql://"):
        display_url("mysql://u@h/db")


def test_an_unreachable_server_is_a_store_error_without_the_password(
    pg_driver: Any, tmp_path: Path
) -> None:
    url = f"postgresql://ld_app:hunter2secret@/db?host={quote(str(tmp_path), safe='')}"
    with pytest.raises(StoreError, match="cannot connect") as caught:
        PostgresStore.open(url, settings=PostgresSettings(connect_timeout_s=2))
    assert "hunter2secret" not in caught.value.diagnostics()
    assert isinstance(caught.value.__cause__, psycopg.OperationalError)


def test_without_psycopg_the_store_says_what_to_install(pg_driver: Any) -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from legaldelivery.errors import InputError\n"
        "from legaldelivery.log.postgres import PostgresStore\n"
        "try:\n"
        "    PostgresStore.open('postgresql://u@h/db')\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "pip install 'legaldelivery[postgres]'" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_without_postgresql_the_tests_skip_but_fail_in_ci(
    pg_driver: Any, ci: str, outcome: str
) -> None:
    env = {**os.environ, "LEGALDELIVERY_PG_BINDIR": "/nonexistent", "CI": ci}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", __file__),
            *("-k", "test_an_empty_store_has_nothing", "-p", "no:cacheprovider"),
            *("--no-cov", "-q", "-rs"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=120,
        check=False,
    )
    assert outcome in done.stdout, done.stdout
    assert "initdb/pg_ctl were not found" in done.stdout
    assert done.returncode == (0 if outcome.endswith("skipped") else 1)


# -- creating and opening -------------------------------------------------------------


def test_the_schema_records_its_version_format_origin_and_creation(
    pg_cluster: Any, owner_url: str, schema: str
) -> None:
    created = datetime(2026, 1, 5, 3, 4, 5, 678, tzinfo=timezone.utc)
    store = PostgresStore.create(
        owner_url, origin=ORIGIN, settings=PostgresSettings(schema=schema), created=created
    )
    try:
        conn = store.connection
        meta = dict(conn.execute(f"SELECT key, value FROM {schema}.meta").fetchall())
        versions = conn.execute(f"SELECT version, summary FROM {schema}.schema_version").fetchall()
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            )
        }
        owners = {
            row[0]
            for row in conn.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = %s", (schema,)
            )
        }
    finally:
        store.close()
    assert meta == {
        "format": DATABASE_FORMAT,
        "origin": ORIGIN,
        "created": "2026-01-05T03:04:05.000678Z",
    }
    assert versions == [(1, MIGRATIONS[0].summary)]
    assert SCHEMA_VERSION == 1
    assert tables == {"entries", "nodes", "meta", "schema_version"}
    assert owners == {pg_cluster.OWNER}


def test_create_refuses_a_schema_that_holds_a_log_and_leaves_it_alone(
    pg_cluster: Any, database: str, schema: str, owner_url: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    datas = contract.append(store, ["a", "b"])
    with pytest.raises(InputError, match="holds a log already"):
        PostgresStore.create(owner_url, origin="other.example/log", settings=store.settings)
    assert list(store.iter_entries()) == datas
    again = PostgresStore.open(owner_url, settings=store.settings)
    assert again.origin == ORIGIN
    again.close()
    store.close()


def test_a_role_may_create_a_log_in_a_schema_a_dba_made_for_it(
    pg_cluster: Any, database: str, schema: str, app_url: str
) -> None:
    settings = PostgresSettings(schema=schema)
    # The application role may not create schemas in this database ...
    with pytest.raises(StoreError, match="lacks a privilege"):
        PostgresStore.create(app_url, origin=ORIGIN, settings=settings)
    # ... but it may fill one that was made for it.
    run_as_admin(pg_cluster, database, f"CREATE SCHEMA {schema} AUTHORIZATION {pg_cluster.APP}")
    store = PostgresStore.create(app_url, origin=ORIGIN, settings=settings)
    try:
        assert contract.append(store, ["a"])
        assert store.size() == 1
    finally:
        store.close()


def test_create_refuses_bad_origins_and_naive_times_before_connecting() -> None:
    url = "postgresql://nobody@/nowhere?host=/nonexistent"
    with pytest.raises(InputError, match="origin"):
        PostgresStore.create(url, origin="")
    with pytest.raises(InputError, match="created"):
        PostgresStore.create(url, origin=ORIGIN, created=datetime(2026, 1, 1))


def test_open_refuses_a_schema_without_a_log(owner_url: str, schema: str) -> None:
    with pytest.raises(InputError, match=f"no legaldelivery log in schema {schema}"):
        PostgresStore.open(owner_url, settings=PostgresSettings(schema=schema))


def test_open_refuses_a_log_without_its_marker(
    pg_cluster: Any, database: str, schema: str, owner_url: str
) -> None:
    make_store(pg_cluster, database, schema).close()
    # Only a superuser can get past the triggers (session_replication_role), and even
    # then the store notices the schema is no longer a log.
    run_as_admin(
        pg_cluster,
        database,
        f"SET session_replication_role = replica; DELETE FROM {schema}.meta WHERE key = 'format'",
    )
    with pytest.raises(InputError, match="marker"):
        PostgresStore.open(owner_url, settings=PostgresSettings(schema=schema))


def test_a_role_without_grants_cannot_open_the_log(
    pg_cluster: Any, database: str, schema: str
) -> None:
    settings = PostgresSettings(schema=schema)
    PostgresStore.create(
        pg_cluster.url(pg_cluster.OWNER, database), origin=ORIGIN, settings=settings
    ).close()
    with pytest.raises(StoreError, match="lacks a privilege"):
        PostgresStore.open(pg_cluster.url(pg_cluster.APP, database), settings=settings)


def test_granting_an_unknown_role_is_an_input_error(owner_url: str, schema: str) -> None:
    store = PostgresStore.create(owner_url, origin=ORIGIN, settings=PostgresSettings(schema=schema))
    try:
        with pytest.raises(InputError, match="no such role"):
            store.grant("no_such_role_here")
        with pytest.raises(InputError, match="role"):
            store.grant("")
    finally:
        store.close()


def test_a_grant_that_does_not_take_effect_is_reported(
    pg_cluster: Any, database: str, schema: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    try:
        # The application role may use the log, but may not pass its rights on: PostgreSQL
        # only warns about such a GRANT, so the store checks what the role got.
        with pytest.raises(StoreError, match="did not take effect"):
            store.grant(pg_cluster.AUDITOR, append=True)
        pid = store.connection.info.backend_pid
        run_as_admin(pg_cluster, database, f"SELECT pg_terminate_backend({pid})")
        with pytest.raises(StoreError, match="cannot grant"):
            store.grant(pg_cluster.AUDITOR, append=False)
    finally:
        store.close()
    auditor = PostgresStore.open(
        pg_cluster.url(pg_cluster.AUDITOR, database), settings=PostgresSettings(schema=schema)
    )
    try:
        with pytest.raises(StoreError, match="lacks a privilege"):
            contract.append(auditor, ["a"])
    finally:
        auditor.close()


# -- roles, grants and the append-only triggers ----------------------------------------


def test_the_application_role_appends_but_cannot_update_or_delete(
    pg_cluster: Any, database: str, schema: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    try:
        log = EvidenceLog(store, signer=SIGNER, clock=clock)
        log.append_many(courts(3))
        conn = store.connection
        for statement in (
            f"UPDATE {schema}.entries SET data = 'x'::bytea WHERE seq = 1",
            f"DELETE FROM {schema}.entries WHERE seq = 2",
            f"TRUNCATE {schema}.entries",
            f"UPDATE {schema}.nodes SET hash = hash",
            f"DELETE FROM {schema}.nodes",
            f"UPDATE {schema}.meta SET value = 'x' WHERE key = 'origin'",
            f"ALTER TABLE {schema}.entries DISABLE TRIGGER entries_only_grow",
            f"DROP TABLE {schema}.entries",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        assert log.size == 3
        assert log.append(courts(1, start=3)[0]).seq == 3
    finally:
        store.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {schema}.entries SET data = 'x'::bytea WHERE seq = 1",
        "UPDATE {schema}.entries SET data = data WHERE seq = 999",  # matches no row
        "DELETE FROM {schema}.entries WHERE seq = 2",
        "TRUNCATE {schema}.entries",
        "UPDATE {schema}.nodes SET hash = hash",
        "DELETE FROM {schema}.nodes WHERE level = 0",
        "TRUNCATE {schema}.nodes",
        "UPDATE {schema}.meta SET value = 'someone.else/log' WHERE key = 'origin'",
        "DELETE FROM {schema}.meta",
    ],
)
def test_the_triggers_refuse_changes_even_from_roles_granted_them(
    pg_cluster: Any, database: str, schema: str, statement: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    try:
        datas = contract.append(store, ["a", "b", "c"])
        # A mistaken grant: the triggers still stand in the way, for the owner too.
        run_as_admin(
            pg_cluster,
            database,
            f"GRANT UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {schema} TO {pg_cluster.APP}",
        )
        owner = PostgresStore.open(
            pg_cluster.url(pg_cluster.OWNER, database), settings=store.settings
        )
        try:
            for conn in (store.connection, owner.connection):
                with pytest.raises(psycopg.errors.RaiseException, match="only grows"):
                    conn.execute(statement.format(schema=schema))
        finally:
            owner.close()
        assert list(store.iter_entries()) == datas
        assert store.get_nodes(contract.all_keys(3)) == contract.expected_nodes(datas)
    finally:
        store.close()


def test_a_reading_role_reads_but_cannot_append(
    pg_cluster: Any, database: str, schema: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    datas = contract.append(store, ["a", "b"])
    store.close()
    auditor_url = pg_cluster.url(pg_cluster.AUDITOR, database)
    reader = PostgresStore.open(auditor_url, settings=store.settings)
    try:
        assert list(reader.iter_entries()) == datas
        with pytest.raises(StoreError, match="lacks a privilege") as caught:
            contract.append(reader, ["c"])
        assert isinstance(caught.value.__cause__, psycopg.errors.InsufficientPrivilege)
        assert reader.size() == 2
    finally:
        reader.close()


def test_a_read_only_store_refuses_to_write_in_python_and_in_the_session(
    pg_cluster: Any, database: str, schema: str, app_url: str
) -> None:
    make_store(pg_cluster, database, schema).close()
    reader = PostgresStore.open(app_url, settings=PostgresSettings(schema=schema), read_only=True)
    try:
        assert reader.read_only
        with pytest.raises(InputError, match="read_only"):
            contract.append(reader, ["a"])
        with pytest.raises(InputError, match="read_only"):
            reader.grant(pg_cluster.AUDITOR)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.connection.execute(
                f"INSERT INTO {schema}.entries (seq, data) VALUES (0, 'x'::bytea)"
            )
    finally:
        reader.close()


# -- sessions, locking and concurrency ------------------------------------------------


@pytest.mark.parametrize("mode", ["on", "off", "local"])
def test_the_session_runs_with_the_settings_given(
    pg_cluster: Any, database: str, schema: str, mode: str
) -> None:
    store = make_store(pg_cluster, database, schema, synchronous_commit=mode, lock_timeout_ms=1234)
    try:
        conn = store.connection
        assert conn.execute("SHOW synchronous_commit").fetchone() == (mode,)
        assert conn.execute("SHOW lock_timeout").fetchone() == ("1234ms",)
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("off",)
        assert conn.execute("SHOW transaction_isolation").fetchone() == ("read committed",)
        assert conn.execute("SELECT current_user").fetchone() == (pg_cluster.APP,)
        name = conn.execute("SHOW application_name").fetchone()
        assert name == ("legaldelivery",)
    finally:
        store.close()


def test_the_url_may_name_the_application(pg_cluster: Any, database: str, schema: str) -> None:
    make_store(pg_cluster, database, schema).close()
    url = pg_cluster.url(pg_cluster.APP, database) + "&application_name=court-server-7"
    store = PostgresStore.open(url, settings=PostgresSettings(schema=schema))
    try:
        assert store.connection.execute("SHOW application_name").fetchone() == ("court-server-7",)
        assert "court-server-7" not in store.location  # only user, host, port and database
    finally:
        store.close()


def test_a_writer_waits_for_the_lock_then_gives_up_and_readers_never_wait(
    pg_cluster: Any, database: str, schema: str
) -> None:
    first = make_store(pg_cluster, database, schema)
    settings = PostgresSettings(schema=schema, lock_timeout_ms=100)
    second = PostgresStore.open(pg_cluster.url(pg_cluster.APP, database), settings=settings)
    reader = PostgresStore.open(
        pg_cluster.url(pg_cluster.AUDITOR, database), settings=settings, read_only=True
    )
    try:
        datas = contract.append(first, ["a", "b"])
        committed = first.head()
        seen: list[object] = []

        def prepare(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
            # Inside the first writer's transaction, holding the log's lock:
            with pytest.raises(StoreError, match="lock past lock_timeout") as caught:
                contract.append(second, ["from the second writer"])
            seen.append(caught.value.__cause__)
            # ... readers are not blocked, and see the committed log.
            seen.append((reader.size(), list(reader.iter_entries()), reader.head()))
            return contract.prepare_for(["c"])(head, inner)[0], None

        first.append_batch(prepare)
        assert isinstance(seen[0], psycopg.errors.LockNotAvailable)
        assert seen[1] == (2, datas, committed)
        assert committed.last_hash == entry_hash(datas[1])
        assert reader.size() == 3
        # The second writer is fine once the lock is free, and continues the chain.
        more = contract.append(second, ["d"])
        assert list(reader.iter_entries())[3:] == more
    finally:
        for one in (first, second, reader):
            one.close()


def test_a_long_read_does_not_block_a_writer(pg_cluster: Any, database: str, schema: str) -> None:
    store = make_store(pg_cluster, database, schema, lock_timeout_ms=200)
    datas = contract.append(store, ["a", "b", "c"])
    with psycopg.connect(pg_cluster.url(pg_cluster.AUDITOR, database)) as reading:
        # A repeatable-read transaction holding its snapshot and locks on both tables.
        reading.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        assert reading.execute(f"SELECT count(*) FROM {schema}.entries").fetchone() == (3,)
        reading.execute(f"SELECT count(*) FROM {schema}.nodes")
        more = contract.append(store, ["d", "e"])
        assert reading.execute(f"SELECT count(*) FROM {schema}.entries").fetchone() == (3,)
        reading.rollback()
    assert list(store.iter_entries()) == datas + more
    store.close()


def test_two_stores_on_one_schema_extend_one_chain(
    pg_cluster: Any, database: str, schema: str, app_url: str
) -> None:
    one = make_store(pg_cluster, database, schema)
    two = PostgresStore.open(app_url, settings=one.settings)
    with (
        EvidenceLog(one, signer=SIGNER, clock=clock) as a,
        EvidenceLog(two, signer=SIGNER, clock=clock) as b,
    ):
        for i in range(6):
            (a if i % 2 else b).append_many(courts(1 + i % 3, start=10 * i))
        datas = list(one.iter_entries())
        assert [e.data for e in b.entries()] == datas
        assert a.root_hash() == b.root_hash() == merkle.root_hash(datas)
    prev = GENESIS_PREV
    for seq, data in enumerate(datas):
        assert f'"prev":"{prev}"'.encode() in data
        assert f'"seq":{seq},'.encode() in data
        prev = entry_hash(data)


def test_a_migration_under_a_running_writer_stops_its_appends(
    pg_cluster: Any, database: str, schema: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    contract.append(store, ["a"])
    with psycopg.connect(pg_cluster.url(pg_cluster.OWNER, database), autocommit=True) as conn:
        steps = (*MIGRATIONS, Migration(version=2, summary="notes", apply=_add_column))
        assert migrate(conn, steps, schema=schema) == 2
    with pytest.raises(StoreError, match="version 2 now"):
        contract.append(store, ["b"])
    assert store.size() == 1
    store.close()


def test_rows_written_behind_the_stores_back_are_reported(
    pg_cluster: Any, database: str, schema: str
) -> None:
    store = make_store(pg_cluster, database, schema)
    try:
        contract.append(store, ["a", "b"])
        # A node the next append completes, planted without the lock by a superuser.
        run_as_admin(
            pg_cluster,
            database,
            f"INSERT INTO {schema}.nodes (level, idx, hash) VALUES (0, 2, '\\x{'00' * 32}')",
        )
        with pytest.raises(StoreError, match="exist already") as caught:
            contract.append(store, ["c"])
        assert isinstance(caught.value.__cause__, psycopg.errors.UniqueViolation)
        assert store.size() == 2
    finally:
        store.close()


def test_a_lost_connection_is_a_store_error(pg_cluster: Any, database: str, schema: str) -> None:
    store = make_store(pg_cluster, database, schema)
    contract.append(store, ["a"])
    pid = store.connection.info.backend_pid
    run_as_admin(pg_cluster, database, f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(StoreError, match="cannot read the log"):
        store.size()
    with pytest.raises(StoreError, match="cannot append"):
        contract.append(store, ["b"])
    store.close()


def test_missing_rows_are_reported_not_skipped(pg_cluster: Any, database: str, schema: str) -> None:
    store = make_store(pg_cluster, database, schema)
    try:
        contract.append(store, ["a", "b", "c", "d", "e", "f"])
        run_as_admin(
            pg_cluster,
            database,
            f"SET session_replication_role = replica; DELETE FROM {schema}.entries WHERE seq = 2",
        )
        with pytest.raises(InputError, match="entry 2 is missing"):
            list(store.iter_entries())
        with pytest.raises(InputError, match="no entry 2"):
            store.read_entry(2)
        run_as_admin(
            pg_cluster,
            database,
            "SET session_replication_role = replica; "
            f"DELETE FROM {schema}.entries WHERE seq IN (3, 4)",
        )
        with pytest.raises(InputError, match="entry 2 is missing"):
            list(store.iter_entries(2, 4))
    finally:
        store.close()


@pytest.mark.parametrize("seq", [True, 1.0, "1", None])
def test_entry_numbers_must_be_integers(store: EntryStore, seq: object) -> None:
    contract.append(store, ["a"])
    with pytest.raises(InputError, match="entry number"):
        store.read_entry(seq)  # type: ignore[arg-type]


def test_impossible_positions_are_absent(store: EntryStore) -> None:
    contract.append(store, ["a", "b"])
    with pytest.raises(InputError, match="no entry -1"):
        store.read_entry(-1)
    with pytest.raises(InputError, match=f"no entry {2**70}"):
        store.read_entry(2**70)
    assert store.get_nodes([(-1, 0), (0, -1), (64, 0), (0, 2**64), (0, 0)]).keys() == {(0, 0)}
    assert list(store.iter_entries(-5, 1)) == [store.read_entry(0)]
    assert "PostgresStore(" in repr(store)
    assert isinstance(store, PostgresStore)
    assert store.location.startswith("postgresql://ld_app@")


# -- batches the store refuses ---------------------------------------------------------


def _raw_batch(
    head: Head, store: EntryStore, drop: tuple[int, int] | None = None,
    extra: tuple[int, int] | None = None, wrong_leaf: bool = False,
) -> tuple[AppendBatch, None]:  # fmt: skip
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
        ({"extra": (64, 0)}, r"node \(64, 0\) is not completed"),
        ({"drop": (0, 3), "extra": (0, 1)}, r"node \(0, 1\) is not completed"),
        ({"wrong_leaf": True}, "leaf hash of entry 2"),
    ],
)
def test_a_batch_with_the_wrong_nodes_is_refused(
    store: EntryStore, change: dict[str, Any], message: str
) -> None:
    contract.append(store, ["a", "b"])
    before = store.get_nodes(contract.all_keys(4))
    with pytest.raises(InputError, match=message):
        store.append_batch(lambda head, inner: _raw_batch(head, inner, **change))
    assert store.size() == 2
    assert store.get_nodes(contract.all_keys(4)) == before


# -- migrations -----------------------------------------------------------------------


def _add_column(conn: Any) -> None:
    conn.execute("ALTER TABLE meta ADD COLUMN note text")


def _break(conn: Any) -> None:
    conn.execute("CREATE TABLE half_done (x integer)")
    conn.execute("SELECT 1 / 0")


@pytest.fixture
def owner_conn(owner_url: str) -> Iterator[Any]:
    with psycopg.connect(owner_url, autocommit=True) as conn:
        yield conn


def _columns(conn: Any, schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    ).fetchall()
    return [row[0] for row in rows]


def test_migrate_applies_the_missing_steps_once(
    owner_conn: Any, owner_url: str, schema: str
) -> None:
    settings = PostgresSettings(schema=schema)
    PostgresStore.create(owner_url, origin=ORIGIN, settings=settings).close()
    steps = (*MIGRATIONS, Migration(version=2, summary="meta notes", apply=_add_column))
    assert migrate(owner_conn, steps, schema=schema) == 2
    assert migrate(owner_conn, steps, schema=schema) == 2  # nothing left to do
    assert _columns(owner_conn, schema, "meta") == ["key", "value", "note"]
    versions = owner_conn.execute(
        f"SELECT version, summary FROM {schema}.schema_version ORDER BY version"
    ).fetchall()
    assert versions == [(1, MIGRATIONS[0].summary), (2, "meta notes")]
    # This library knows only version 1, so it now refuses the log, also for reading.
    for read_only in (False, True):
        with pytest.raises(InputError, match="schema version 2 is newer"):
            PostgresStore.open(owner_url, settings=settings, read_only=read_only)


def test_a_failing_step_leaves_the_schema_as_it_was(
    owner_conn: Any, owner_url: str, schema: str
) -> None:
    settings = PostgresSettings(schema=schema)
    PostgresStore.create(owner_url, origin=ORIGIN, settings=settings).close()
    steps = (
        *MIGRATIONS,
        Migration(version=2, summary="meta notes", apply=_add_column),
        Migration(version=3, summary="broken", apply=_break),
    )
    with pytest.raises(psycopg.errors.DivisionByZero):
        migrate(owner_conn, steps, schema=schema)
    assert _columns(owner_conn, schema, "meta") == ["key", "value"]
    assert owner_conn.execute(f"SELECT to_regclass('{schema}.half_done')").fetchone() == (None,)
    assert owner_conn.execute(f"SELECT max(version) FROM {schema}.schema_version").fetchone() == (
        1,
    )
    PostgresStore.open(owner_url, settings=settings).close()


def test_migrate_refuses_misnumbered_steps_and_newer_logs(
    owner_conn: Any, owner_url: str, schema: str
) -> None:
    with pytest.raises(InputError, match=f"no schema {schema}"):
        migrate(owner_conn, schema=schema)
    owner_conn.execute(f"CREATE SCHEMA {schema}")
    with pytest.raises(InputError, match="numbered"):
        migrate(
            owner_conn, (Migration(version=2, summary="skips", apply=_add_column),), schema=schema
        )
    # Nothing was created: the transaction rolled back with the refusal.
    assert owner_conn.execute(f"SELECT to_regclass('{schema}.schema_version')").fetchone() == (
        None,
    )
    owner_conn.execute(f"DROP SCHEMA {schema}")
    PostgresStore.create(owner_url, origin=ORIGIN, settings=PostgresSettings(schema=schema)).close()
    with pytest.raises(InputError, match="schema version 1 is newer than this library knows"):
        migrate(owner_conn, (), schema=schema)
    with pytest.raises(InputError, match="schema"):
        migrate(owner_conn, schema="Not A Name")


def test_an_empty_schema_migrates_to_the_current_version(owner_conn: Any, schema: str) -> None:
    owner_conn.execute(f"CREATE SCHEMA {schema}")
    assert migrate(owner_conn, schema=schema) == SCHEMA_VERSION
    owner_conn.execute(
        f"INSERT INTO {schema}.nodes (level, idx, hash) VALUES (0, 0, %s)", (bytes(32),)
    )
    with pytest.raises(psycopg.errors.UniqueViolation):
        owner_conn.execute(
            f"INSERT INTO {schema}.nodes (level, idx, hash) VALUES (0, 0, %s)", (bytes(32),)
        )
    with pytest.raises(psycopg.errors.CheckViolation):
        owner_conn.execute(
            f"INSERT INTO {schema}.nodes (level, idx, hash) VALUES (0, 1, %s)", (bytes(31),)
        )
    with pytest.raises(psycopg.errors.CheckViolation):
        owner_conn.execute(f"INSERT INTO {schema}.entries (seq, data) VALUES (-1, 'x'::bytea)")


# -- the evidence log on a postgresql:// URL -------------------------------------------


@pytest.fixture
def log_url(pg_cluster: Any) -> str:
    """A fresh database for a log in the default schema, as its owner."""
    return str(pg_cluster.url(pg_cluster.OWNER, pg_cluster.create_database("url")))


def test_evidence_logs_choose_postgres_by_url(log_url: str, tmp_path: Path) -> None:
    with EvidenceLog.create(log_url, origin=ORIGIN, signer=SIGNER, clock=clock) as made:
        assert isinstance(made.store, PostgresStore)
        assert made.store.schema == "legaldelivery"
        entries = made.append_many(courts(5))
        note = made.checkpoint()
    with pytest.raises(InputError, match="holds a log already"):
        EvidenceLog.create(log_url, origin=ORIGIN, signer=SIGNER)
    with EvidenceLog.open(log_url) as again:
        assert isinstance(again.store, PostgresStore)
        assert again.store.read_only
        assert [e.data for e in again.entries()] == [e.data for e in entries]
        assert again.export_jsonl(tmp_path / "export.jsonl") == 5
    lines = (tmp_path / "export.jsonl").read_bytes().splitlines()
    assert lines == [e.data for e in entries]
    with pytest.raises(InputError, match="origin"):
        EvidenceLog.open(log_url, origin="someone.else/log")
    with EvidenceLog.open(log_url.replace("postgresql://", "postgres://", 1), signer=SIGNER) as w:
        assert w.append(courts(1, start=5)[0]).prev == entries[-1].hash
    # The audit reads the database through the same URL, and the export the same way.
    for source in (log_url, tmp_path / "export.jsonl"):
        report = audit_log(source, trusted=[SIGNER.verifier], checkpoint=note)
        assert report.ok, report.summary()
    assert audit_log(log_url, trusted=[SIGNER.verifier]).size == 6


def test_the_audit_finds_what_a_superuser_changed_behind_the_triggers(
    pg_cluster: Any, log_url: str
) -> None:
    with EvidenceLog.create(log_url, origin=ORIGIN, signer=SIGNER, clock=clock) as made:
        made.append_many(courts(4))
        note = made.checkpoint()
    database = log_url.split("/")[-1].split("?")[0]
    run_as_admin(
        pg_cluster,
        database,
        "SET session_replication_role = replica; UPDATE legaldelivery.entries SET data = "
        "convert_to(replace(convert_from(data, 'UTF8'), 'Court 2', 'Court X'), 'UTF8') "
        "WHERE seq = 2",
    )
    report = audit_log(log_url, trusted=[SIGNER.verifier], checkpoint=note)
    assert not report.ok
    assert any(finding.entry == 2 for finding in report.findings), report.summary()


def test_an_evidence_log_open_on_a_missing_database_is_a_store_error(pg_cluster: Any) -> None:
    url = pg_cluster.url(pg_cluster.OWNER, "no_such_database")
    with pytest.raises(StoreError, match="cannot connect"):
        EvidenceLog.open(url)
    with pytest.raises(StoreError, match="cannot connect"):
        audit_log(url, trusted=[SIGNER.verifier])


# -- proofs read O(log n) rows ---------------------------------------------------------


class RowMeter:
    """Counts the rows PostgreSQL reads from the log's tables and indexes.

    The store's statements run inside one transaction opened here, and PostgreSQL's
    per-transaction statistics (``pg_stat_get_xact_*``) say how many rows every
    sequential scan and every index scan of the log's relations returned.
    """

    def __init__(self, store: PostgresStore) -> None:
        self.conn = store.connection
        schema = store.schema
        self.relations = [
            f"{schema}.{name}" for name in ("entries", "nodes", "entries_pkey", "nodes_pkey")
        ]
        self.rows = 0
        self.scans = 0

    def _read(self) -> tuple[int, int]:
        row = self.conn.execute(
            "SELECT sum(pg_stat_get_xact_tuples_returned(r::regclass)), "
            "sum(pg_stat_get_xact_numscans(r::regclass)) FROM unnest(%s::text[]) AS r",
            (self.relations,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def __enter__(self) -> RowMeter:
        self._transaction = self.conn.transaction()
        self._transaction.__enter__()
        self._start = self._read()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        rows, scans = self._read()
        self.rows, self.scans = rows - self._start[0], scans - self._start[1]
        self._transaction.__exit__(*exc_info)


@pytest.fixture(scope="module")
def big_log(pg_cluster: Any) -> Iterator[str]:
    url = pg_cluster.url(pg_cluster.OWNER, pg_cluster.create_database("big"))
    with EvidenceLog.create(url, origin=ORIGIN, signer=SIGNER, clock=clock) as made:
        records = courts(1000)
        for _ in range(10):
            made.append_many(records)
        made.store.connection.execute("ANALYZE")  # type: ignore[attr-defined]
    return url


def metered(url: str, action: str, *args: object) -> tuple[RowMeter, object]:
    """Run one log method on a freshly opened store, so that nothing is cached yet."""
    with EvidenceLog.open(url, signer=SIGNER, clock=clock) as log:
        store = log.store
        assert isinstance(store, PostgresStore)
        with RowMeter(store) as meter:
            result = getattr(log, action)(*args)
    return meter, result


def test_a_full_scan_would_read_every_row(big_log: str) -> None:
    # The yardstick for the bounds below: the meter does see a scan of the whole table.
    with EvidenceLog.open(big_log) as log:
        store = log.store
        assert isinstance(store, PostgresStore)
        with RowMeter(store) as meter:
            store.connection.execute("SELECT count(hash) FROM legaldelivery.nodes").fetchone()
    assert meter.rows >= 19_990
    size, _ = metered(big_log, "__len__")
    assert size.rows <= 2


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_proofs_at_ten_thousand_entries_read_logarithmically_many_rows(
    big_log: str, data: st.DataObject
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
        # One row for the size, then one index probe per node the proof needs: the rows
        # read follow the proof's length, not the 10^4 entries or 2 * 10^4 nodes.
        assert meter.rows <= 1 + wanted, (action, args, meter.rows, wanted)
        assert meter.scans <= 1 + wanted
        if plan is not None:
            assert isinstance(result, list)
            assert len(result) == plan.proof_length


def test_appending_reads_only_the_head_and_the_frontier(big_log: str) -> None:
    with EvidenceLog.open(big_log, signer=SIGNER, clock=clock) as log:
        store = log.store
        assert isinstance(store, PostgresStore)
        size = log.size
        with RowMeter(store) as meter:
            log.append(courts(1, start=99)[0])
    # The head's last row, the frontier's nodes (one per set bit of the size), and the
    # unique-index checks of the inserted rows: nothing that grows with the log.
    assert meter.rows <= 2 + bin(size).count("1") + 4, meter.rows


def test_size_and_head_read_one_row(big_log: str) -> None:
    with EvidenceLog.open(big_log) as log:
        store = log.store
        assert isinstance(store, PostgresStore)
        for action in (store.size, store.head, lambda: store.read_entry(5000)):
            with RowMeter(store) as meter:
                action()
            assert meter.rows <= 1


def test_streaming_reads_each_entry_once(big_log: str) -> None:
    with EvidenceLog.open(big_log) as log:
        store = log.store
        assert isinstance(store, PostgresStore)
        with RowMeter(store) as meter:
            count = sum(1 for _ in store.iter_entries(0, 2000))
    assert count == 2000
    assert meter.rows <= 2000 + 1 + 2000 // 512 + 1

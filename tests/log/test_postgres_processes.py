"""Real processes on one PostgreSQL log: concurrent writers, and writers killed mid-append.

Writers are separate processes with their own connections (``_child.py``, the same
script the SQLite and JSON Lines tests use, given a ``postgresql://`` URL), appending as
the application role. Every entry a writer acknowledged (printed after its append
returned) must be in the log where it was told it went, no position may be handed out
twice, and the whole log must verify. ``_pg_holder.py`` stops inside its transaction --
holding the writers' lock -- and is killed there with SIGKILL: the server must roll it
back and free the lock, and nothing committed before may change.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from legaldelivery.audit import audit_log
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.postgres import PostgresSettings, PostgresStore
from legaldelivery.testing.fakes import sample_records

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL"),
]

HERE = Path(__file__).parent
CHILD = HERE / "_child.py"
HOLDER = HERE / "_pg_holder.py"
ORIGIN = "court.example/crash-test"  # the name _child.py gives its key
MODES = ("single", "many", "batching")


class SharedLog:
    """A fresh database holding one log: created by the owner, appended to by the app role."""

    def __init__(self, cluster: Any, folder: Path) -> None:
        self.cluster = cluster
        self.database = cluster.create_database("shared")
        self.owner_url = cluster.url(cluster.OWNER, self.database)
        self.app_url = cluster.url(cluster.APP, self.database)
        self.signer = Ed25519Signer.generate(ORIGIN)
        self.key = folder / "writer.pem"
        self.key.write_bytes(self.signer.private_pem_unencrypted_insecure())
        with EvidenceLog.create(self.owner_url, origin=ORIGIN, signer=self.signer) as log:
            store = log.store
            assert isinstance(store, PostgresStore)
            store.grant(cluster.APP)
            self.first = log.append(sample_records()[0])
        self.acked: dict[int, str] = {0: self.first.hash}
        self.size = 1
        self.root = b""

    def record(self, out: bytes) -> int:
        """Take the acknowledgements in a writer's output; return how many there were."""
        count = 0
        # A line cut short by a kill was never fully printed: it acknowledges nothing.
        for line in out.split(b"\n")[:-1]:
            if line in (b"waiting", b"ready"):
                continue
            seq_text, digest = line.decode().split()
            seq = int(seq_text)
            assert seq not in self.acked, f"entry {seq} was acknowledged twice"
            self.acked[seq] = digest
            count += 1
        return count

    def check(self) -> None:
        """Every acknowledged entry is there, nothing committed changed, the log verifies."""
        with EvidenceLog.open(self.app_url) as log:
            size = log.size
            assert size >= len(self.acked)
            for seq, digest in self.acked.items():
                assert log.entry(seq).hash == digest, (
                    f"acknowledged entry {seq} changed or vanished"
                )
            if self.root:
                assert log.root_hash(self.size) == self.root, "committed entries were rewritten"
            self.size, self.root = size, log.root_hash()
            report = audit_log(log, trusted=[self.signer.verifier])
        assert report.ok, report.summary()
        assert report.size == self.size
        assert report.root_hash == self.root


def start(script: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def expect_line(child: subprocess.Popen[bytes], prefix: bytes) -> bytes:
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith(prefix):
        child.kill()
        _, err = child.communicate(timeout=30)
        pytest.fail(f"expected {prefix!r}, got {line!r}: {err.decode(errors='replace')}")
    return line


def release(child: subprocess.Popen[bytes]) -> None:
    assert child.stdin is not None
    child.stdin.write(b"go\n")
    child.stdin.flush()


def test_four_processes_append_2000_entries_to_one_chain(pg_cluster: Any, tmp_path: Path) -> None:
    shared = SharedLog(pg_cluster, tmp_path)
    children = [
        start(CHILD, shared.app_url, str(shared.key), "single", "500", "--wait") for _ in range(4)
    ]
    try:
        for child in children:
            expect_line(child, b"waiting")
        # Release them together, so that they really contend for the lock.
        for child in children:
            release(child)
        results = [child.communicate(timeout=300) for child in children]
    finally:
        for child in children:
            if child.poll() is None:  # pragma: no cover -- only when the test itself fails
                child.kill()
                child.communicate()
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err.decode(errors="replace")
        assert out.startswith(b"ready\n")
        assert shared.record(out) == 500
    assert sorted(shared.acked) == list(range(2001))
    shared.check()
    assert shared.size == 2001
    # The writers interleaved: the chain alternates between them many times.
    owners = {}
    for number, (out, _) in enumerate(results):
        for line in out.decode().splitlines()[1:]:
            owners[int(line.split()[0])] = number
    switches = sum(owners[seq] != owners[seq + 1] for seq in range(1, 2000))
    assert switches > 20, switches


def test_writers_killed_at_random_moments_lose_nothing_acknowledged(
    pg_cluster: Any, tmp_path: Path
) -> None:
    rng = random.Random(20260311)
    shared = SharedLog(pg_cluster, tmp_path)
    kills = 12
    acks = 0
    upcoming = start(CHILD, shared.app_url, str(shared.key), rng.choice(MODES), "0", "--wait")
    for kill in range(kills):
        child = upcoming
        try:
            expect_line(child, b"waiting")
            release(child)
            expect_line(child, b"ready")
            # Most die in the middle of their appends; some as they begin.
            time.sleep(rng.choice([0.0, rng.uniform(0, 0.02), rng.uniform(0.02, 0.08)]))
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate(timeout=30)
        finally:
            if child.poll() is None:  # pragma: no cover -- only when the test itself fails
                child.kill()
                child.communicate()
            if kill + 1 < kills:
                # The next writer pays for its imports while this round is checked.
                upcoming = start(
                    CHILD, shared.app_url, str(shared.key), rng.choice(MODES), "0", "--wait"
                )
        assert child.returncode == -signal.SIGKILL
        acks += shared.record(out)
        shared.check()
    assert acks > kills


def _pause_inserts_of(cluster: Any, database: str, application: str) -> None:
    """Make the server sleep inside INSERTs into the log's entries made by one application."""
    cluster.execute(
        [
            "CREATE FUNCTION public.ld_test_pause() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF current_setting('application_name') = '{application}' THEN "
            "PERFORM pg_sleep(60); END IF; RETURN NULL; END $$",
            "CREATE TRIGGER ld_test_pause AFTER INSERT ON legaldelivery.entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION public.ld_test_pause()",
        ],
        dbname=database,
    )


def _wait_for(cluster: Any, database: str, application: str, where: str) -> None:
    """Wait until the holder's session holds the writers' lock (and, for "insert", sleeps)."""
    import psycopg

    deadline = time.monotonic() + 30
    with psycopg.connect(cluster.url(cluster.ADMIN, database), autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT a.wait_event FROM pg_stat_activity a JOIN pg_locks l USING (pid) "
                "WHERE a.application_name = %s AND l.locktype = 'advisory' AND l.granted",
                (application,),
            ).fetchone()
            if row is not None and (where == "prepare" or row[0] == "PgSleep"):
                return
            time.sleep(0.02)
    pytest.fail(f"the holder never held the lock in {where}")  # pragma: no cover


@pytest.mark.parametrize("where", ["prepare", "insert"])
def test_a_writer_killed_inside_its_transaction_leaves_the_log_as_it_was(
    pg_cluster: Any, tmp_path: Path, where: str
) -> None:
    shared = SharedLog(pg_cluster, tmp_path)
    with EvidenceLog.open(shared.app_url, signer=shared.signer) as log:
        for entry in log.append_many(sample_records()[:5]):
            shared.acked[entry.seq] = entry.hash
    shared.check()
    application = "ld-holder"
    # The server checks for a vanished client every 100 ms even while a statement runs.
    options = quote("-c client_connection_check_interval=100", safe="")
    url = f"{shared.app_url}&application_name={application}&options={options}"
    if where == "insert":
        _pause_inserts_of(pg_cluster, shared.database, application)
    holder = start(HOLDER, url, str(shared.key), where)
    try:
        line = expect_line(holder, b"holding" if where == "prepare" else b"appending")
        assert int(line.split()[1]) == shared.size
        # Inside its transaction, holding the lock: waiting for the client, or asleep in
        # the INSERT its rows are part of.
        _wait_for(pg_cluster, shared.database, application, where)
        started = time.monotonic()
        holder.send_signal(signal.SIGKILL)
        out, _ = holder.communicate(timeout=30)
    finally:
        if holder.poll() is None:  # pragma: no cover -- only when the test itself fails
            holder.kill()
            holder.communicate()
    assert holder.returncode == -signal.SIGKILL
    assert b"acknowledged" not in out
    # The server rolled the transaction back and freed the lock: the next writer, which
    # would give up after 10 s, gets in at once and continues the chain where it was.
    settings = PostgresSettings(lock_timeout_ms=10_000)
    with EvidenceLog(
        PostgresStore.open(shared.app_url, settings=settings), signer=shared.signer
    ) as log:
        assert log.size == shared.size
        entry = log.append(sample_records()[1])
        shared.acked[entry.seq] = entry.hash
    assert time.monotonic() - started < 5
    assert entry.seq == 6
    shared.check()

"""Proofs and roots read O(log n) stored hashes, by key, whatever the size of the log.

Every statement the SQLite store runs for a proof is captured (``set_trace_callback``)
and checked two ways: how many node hashes it asks for (bounded by ``2 log2 n``, which
no whole-log read could meet) and how SQLite plans it (``EXPLAIN QUERY PLAN``: a
primary-key search of the stored table, never a scan of one).
"""

from __future__ import annotations

import random
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from legaldelivery import EvidenceLog, audit_log, merkle
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log.sqlite import SqliteStore
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/proof-reads"
SIGNER = Ed25519Signer.generate(ORIGIN)


class Statements:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.seen: list[str] = []
        self.conn = conn
        conn.set_trace_callback(self.seen.append)

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen

    def plan(self, sql: str) -> list[str]:
        # The traced text has its parameters filled in: plan it as it ran.
        rows = self.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        return [str(row[3]) for row in rows]


def node_keys(statements: list[str]) -> int:
    return sum(len(re.findall(r"\(\d+, \d+\)", sql)) for sql in statements if "nodes" in sql)


def checked(statements: Statements, seen: list[str]) -> None:
    for sql in seen:
        for step in statements.plan(sql):
            # Only the constant VALUES list of wanted keys is ever scanned.
            assert not re.match(r"SCAN (entries|nodes|n)\b", step), (sql, step)


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reads") / "log.sqlite"
    records = sample_records()
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        # Odd batch sizes, so the tree's right edge is ragged at many sizes.
        for start in range(0, 3_000, 173):
            log.append_many(
                records[i % len(records)] for i in range(start, min(start + 173, 3_000))
            )
    return path


@pytest.mark.parametrize("size", [1, 2, 3, 100, 1024, 1025, 2047, 3000])
def test_proofs_read_few_nodes_by_key(log_path: Path, size: int) -> None:
    rng = random.Random(size)
    with EvidenceLog.open(log_path) as log:
        store = log.store
        assert isinstance(store, SqliteStore)
        statements = Statements(store.connection)
        bound = 2 * size.bit_length()
        root = log.root_hash(size)
        checked(statements, statements.take())
        for _ in range(20):
            index = rng.randrange(size)
            proof = log.inclusion_proof(index, size)
            seen = statements.take()
            assert node_keys(seen) <= bound
            assert len(seen) <= 2
            checked(statements, seen)
            leaf = merkle.leaf_hash(store.read_entry(index))
            statements.take()
            merkle.verify_inclusion(leaf, index, size, proof, root)
            old = rng.randrange(1, size + 1)
            old_root = log.root_hash(old)
            statements.take()
            consistency = log.consistency_proof(old, size)
            seen = statements.take()
            assert node_keys(seen) <= bound
            checked(statements, seen)
            merkle.verify_consistency(old, size, old_root, root, consistency)


def test_the_count_grows_with_log_n_not_n(log_path: Path) -> None:
    most = {}
    for size in (64, 3000):
        counts = []
        for index in range(0, size, max(1, size // 25)):
            # A fresh store each time: nothing remembered from an earlier proof.
            with EvidenceLog.open(log_path) as log:
                store = log.store
                assert isinstance(store, SqliteStore)
                statements = Statements(store.connection)
                log.inclusion_proof(index, size)
                counts.append(node_keys(statements.take()))
        most[size] = max(counts)
    assert most[64] >= 6  # the proofs really were read from the store
    # 47 times the entries: at most about log2(47) ~ 5.6 more levels, two nodes each.
    assert most[3000] - most[64] <= 2 * 6


def test_a_writer_that_was_overtaken_reads_the_tree_again(tmp_path: Path) -> None:
    """The writer's tree of its last commit is reused only while nobody else appended."""
    path = tmp_path / "two.sqlite"
    records = sample_records()
    clock = lambda: datetime(2026, 3, 2, tzinfo=timezone.utc)  # noqa: E731
    EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER, clock=clock).close()
    with (
        EvidenceLog.open(path, signer=SIGNER, clock=clock) as one,
        EvidenceLog.open(path, signer=SIGNER, clock=clock) as two,
    ):
        for turn in range(40):
            writer = one if turn % 3 else two
            writer.append_many(records[: 1 + turn % 4])
        entries = list(one.store.iter_entries())
        assert one.root_hash() == merkle.root_hash(entries) == two.root_hash()
        assert audit_log(one, trusted=[SIGNER.verifier]).ok

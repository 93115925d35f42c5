"""Benchmark: SQLite append throughput against a floor measured in the same run.

Run as ``python bench/bench_append.py``; it prints each figure with our throughput, the
floor's, the ratio (ours / floor) beside its target, and PASS or FAIL, and exits non-zero
when a figure fails. :func:`run` returns the same rows for a bench runner.

The floor does the irreducible work for the same entry bytes, by hand: canonicalise the
entry (records already encoded), sign it with Ed25519, splice the signature in, SHA-256
chain hash, Merkle leaf hash, and a raw ``sqlite3`` insert with the same PRAGMAs (WAL,
``synchronous=FULL``). What the library adds on top -- encoding records, the store's
checks, Merkle node rows, reading the head and frontier inside the write lock -- is what
the ratio measures.

* ``batched``: 1000 entries per commit (:class:`~legaldelivery.log.batching.BatchingWriter`)
  against ``executemany`` + one commit per 1000.
* ``durable single``: one entry per commit (:meth:`EvidenceLog.append`) against a loop
  that signs and commits one row at a time.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from legaldelivery import canonical, codec, merkle
from legaldelivery.instants import format_instant
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.batching import BatchingWriter
from legaldelivery.log.entry import ENTRY_FORMAT, GENESIS_PREV
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/bench"
SIGNER = Ed25519Signer.generate(ORIGIN)
BATCH = 1000
BATCHED_ENTRIES = 5_000
SINGLE_ENTRIES = 500
# Disks and shared machines are noisy: alternate ours and the floor, keep each one's best.
REPEATS = 5


def records(count: int) -> list[Any]:
    return list(itertools.islice(itertools.cycle(sample_records()), count))


# -- ours -------------------------------------------------------------------------------


def ours_batched(folder: Path, recs: Sequence[Any]) -> float:
    with EvidenceLog.create(folder / "ours.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        start = time.perf_counter()
        with BatchingWriter(log, max_entries=BATCH) as writer:
            for record in recs:
                writer.add(record)
        elapsed = time.perf_counter() - start
        assert log.size == len(recs)
    return elapsed


def ours_single(folder: Path, recs: Sequence[Any]) -> float:
    with EvidenceLog.create(folder / "ours.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        start = time.perf_counter()
        for record in recs:
            log.append(record)
        elapsed = time.perf_counter() - start
        assert log.size == len(recs)
    return elapsed


# -- the floor --------------------------------------------------------------------------


def floor_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    return conn


def floor_entry(seq: int, when: str, prev: str, record: dict[str, Any]) -> tuple[bytes, str]:
    """The signed entry's canonical bytes and its chain hash, with no library machinery."""
    body = canonical.dumps(
        {
            "format": ENTRY_FORMAT,
            "origin": ORIGIN,
            "seq": seq,
            "time": when,
            "prev": prev,
            "record": record,
            "signer": SIGNER.fingerprint,
        }
    )
    signature = base64.b64encode(SIGNER.sign(body)).decode("ascii")
    # "signature" sorts just before "signer", the second-to-last member.
    cut = body.rindex(b',"signer":')
    data = body[:cut] + b',"signature":"' + signature.encode("ascii") + b'"' + body[cut:]
    return data, hashlib.sha256(data).hexdigest()


def floor_batched(folder: Path, encoded: Sequence[dict[str, Any]]) -> float:
    conn = floor_connection(folder / "floor.sqlite")
    try:
        start = time.perf_counter()
        prev = GENESIS_PREV
        for offset in range(0, len(encoded), BATCH):
            when = format_instant(datetime.now(timezone.utc))
            rows = []
            for seq, record in enumerate(encoded[offset : offset + BATCH], offset):
                data, prev = floor_entry(seq, when, prev, record)
                merkle.leaf_hash(data)
                rows.append((seq, data))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO entries (seq, data) VALUES (?, ?)", rows)
            conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def floor_single(folder: Path, encoded: Sequence[dict[str, Any]]) -> float:
    conn = floor_connection(folder / "floor.sqlite")
    try:
        start = time.perf_counter()
        prev = GENESIS_PREV
        for seq, record in enumerate(encoded):
            when = format_instant(datetime.now(timezone.utc))
            data, prev = floor_entry(seq, when, prev, record)
            merkle.leaf_hash(data)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO entries (seq, data) VALUES (?, ?)", (seq, data))
            conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


# -- figures ----------------------------------------------------------------------------


def best_seconds(*actions: Callable[[Path], float]) -> list[float]:
    """Each action's best time over REPEATS rounds, the actions taking turns to go first."""
    best = [float("inf")] * len(actions)
    for round_number in range(REPEATS):
        order = list(range(len(actions)))
        if round_number % 2:
            order.reverse()
        for which in order:
            with tempfile.TemporaryDirectory() as tmp:
                best[which] = min(best[which], actions[which](Path(tmp)))
    return best


def figure(
    name: str,
    count: int,
    ours: Callable[[Path, Sequence[Any]], float],
    floor: Callable[[Path, Sequence[dict[str, Any]]], float],
    target: float,
) -> dict[str, object]:
    recs = records(count)
    encoded = [codec.encode(r) for r in recs]
    ours_time, floor_time = best_seconds(
        lambda folder: ours(folder, recs), lambda folder: floor(folder, encoded)
    )
    ours_rate, floor_rate = count / ours_time, count / floor_time
    ratio = ours_rate / floor_rate
    return {
        "figure": name,
        "ours": round(ours_rate),
        "floor": round(floor_rate),
        "ratio": round(ratio, 2),
        "target": target,
        "ok": ratio >= target,
    }


def run() -> list[dict[str, object]]:
    """Measure every figure; ``ours`` and ``floor`` are entries per second."""
    return [
        figure(
            f"batched: {BATCHED_ENTRIES} entries, commit per {BATCH}",
            BATCHED_ENTRIES,
            ours_batched,
            floor_batched,
            0.70,
        ),
        figure(
            f"durable single: {SINGLE_ENTRIES} entries, commit each (FULL)",
            SINGLE_ENTRIES,
            ours_single,
            floor_single,
            0.80,
        ),
    ]


def main() -> int:
    rows = run()
    print(f"{'figure':48} {'ours/s':>8} {'floor/s':>8} {'ratio':>6} {'target':>6}")
    for row in rows:
        print(
            f"{row['figure']!s:48} {row['ours']:>8} {row['floor']:>8} {row['ratio']:>6} "
            f"{row['target']:>6}  {'PASS' if row['ok'] else 'FAIL'}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: SQLite append throughput against a raw floor measured in the same run.

Run as ``python bench/bench_append.py`` (or through ``bench/run.py``). Ratios are ours /
floor in entries per second, the median over rounds that alternate the two.

The floor does the irreducible work for the same entry bytes with the raw tools and no
library code: the standard library's C JSON encoder (sorted keys, compact: exactly the
RFC 8785 bytes for these records, checked), ``cryptography``'s Ed25519 sign, a splice of
the signature, ``hashlib`` SHA-256 for the chain and the Merkle leaf, and ``sqlite3``
inserts with the same PRAGMAs (WAL, ``synchronous=FULL``). Its records arrive already
encoded as JSON objects; ours arrive as typed records and are encoded by the library
(``codec.encode``) inside the measured time -- the stricter of the two honest choices.
What the ratio charges us for: encoding records, the store's checks, the Merkle subtree
hashes (stored in the entry's own row since schema version 2, so a commit writes the same
pages as the floor's), reading the head inside the write lock.

* ``batched``: 1000 entries per commit (:class:`~legaldelivery.log.batching.BatchingWriter`)
  against ``executemany`` + one commit per 1000.
* ``durable single``: one entry per commit (:meth:`EvidenceLog.append`) against a loop
  that signs and commits one row at a time. Each commit waits for an ``fsync``, whose
  latency on a shared disk swings by a factor of two from one second to the next, so
  within a round the two take turns every :data:`SINGLE_CHUNK` entries, writing side by
  side in one folder: both meet the same disk, and the round's ratio is of their sums.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import _common
from legaldelivery import codec
from legaldelivery.instants import format_instant
from legaldelivery.log import EvidenceLog
from legaldelivery.log.batching import BatchingWriter
from legaldelivery.log.entry import ENTRY_FORMAT, GENESIS_PREV, EntrySigner
from legaldelivery.log.sqlite import SqliteSettings, SqliteStore

SIGNER = _common.signer()
BATCH = 1000
BATCHED_ENTRIES = _common.scaled(5_000, 2_000)
SINGLE_ENTRIES = _common.scaled(1200, 200)
SINGLE_CHUNK = 50
ROUNDS = _common.scaled(7, 3)

_ENCODE = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode


# -- ours -------------------------------------------------------------------------------


def ours_batched(folder: Path, recs: Sequence[Any]) -> float:
    with EvidenceLog.create(folder / "ours.sqlite", origin=_common.ORIGIN, signer=SIGNER) as log:

        def work() -> None:
            with BatchingWriter(log, max_entries=BATCH) as writer:
                for record in recs:
                    writer.add(record)

        elapsed = _common.timed(work)
        assert log.size == len(recs)
    return elapsed


def ours_single(log: EvidenceLog) -> Callable[[Sequence[Any]], float]:
    """Seconds to append each record of a chunk, one commit each."""
    append = log.append

    def chunk(recs: Sequence[Any]) -> float:
        return _common.timed(lambda: [append(record) for record in recs])

    return chunk


# -- the floor --------------------------------------------------------------------------


def floor_connection(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    return conn


def floor_entry(seq: int, when: str, prev: str, record: dict[str, Any], fingerprint: str) -> bytes:
    """A signed entry's bytes by the raw tools: C JSON encoder, Ed25519, a splice."""
    body = _ENCODE(
        {
            "format": ENTRY_FORMAT,
            "origin": _common.ORIGIN,
            "seq": seq,
            "time": when,
            "prev": prev,
            "record": record,
            "signer": fingerprint,
        }
    ).encode("utf-8")
    signature = base64.b64encode(SIGNER._key.sign(body))
    # "signature" sorts just before "signer", the second-to-last member.
    cut = body.rindex(b',"signer":')
    return body[:cut] + b',"signature":"' + signature + b'"' + body[cut:]


def floor_batched(folder: Path, encoded: Sequence[dict[str, Any]]) -> float:
    conn = floor_connection(folder / "floor.sqlite")
    fingerprint = SIGNER.fingerprint
    sha256 = hashlib.sha256

    def work() -> None:
        prev = GENESIS_PREV
        for offset in range(0, len(encoded), BATCH):
            when = format_instant(_common.now())
            rows = []
            for seq, record in enumerate(encoded[offset : offset + BATCH], offset):
                data = floor_entry(seq, when, prev, record, fingerprint)
                prev = sha256(data).hexdigest()
                sha256(b"\x00" + data).digest()
                rows.append((seq, data))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO entries (seq, data) VALUES (?, ?)", rows)
            conn.execute("COMMIT")

    try:
        return _common.timed(work)
    finally:
        conn.close()


class FloorSingle:
    """The floor of durable single appends: sign and commit one row at a time, by chunks."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.seq = 0
        self.prev = GENESIS_PREV

    def __call__(self, encoded: Sequence[dict[str, Any]]) -> float:
        """Seconds to sign and commit each encoded record of a chunk."""
        conn = self.conn
        fingerprint = SIGNER.fingerprint
        sha256 = hashlib.sha256

        def work() -> None:
            seq, prev = self.seq, self.prev
            for record in encoded:
                when = format_instant(_common.now())
                data = floor_entry(seq, when, prev, record, fingerprint)
                prev = sha256(data).hexdigest()
                sha256(b"\x00" + data).digest()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO entries (seq, data) VALUES (?, ?)", (seq, data))
                conn.execute("COMMIT")
                seq += 1
            self.seq, self.prev = seq, prev

        return _common.timed(work)


def single_round(
    number: int,
    recs: Sequence[Any],
    encoded: Sequence[dict[str, Any]],
    synchronous: str = "FULL",
) -> list[float]:
    """One round of single appends, one commit each: (ours, floor) seconds, taking turns."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        conn = floor_connection(folder / "floor.sqlite", synchronous)
        try:
            store = SqliteStore.create(
                folder / "ours.sqlite",
                origin=_common.ORIGIN,
                settings=SqliteSettings(synchronous=synchronous),
            )
            with EvidenceLog(store, signer=SIGNER) as log:
                ours, floor = ours_single(log), FloorSingle(conn)
                times = [0.0, 0.0]
                for turn, start in enumerate(range(0, len(recs), SINGLE_CHUNK), number):
                    stop = start + SINGLE_CHUNK
                    mine, theirs = recs[start:stop], encoded[start:stop]
                    if turn % 2 == 0:
                        times[0] += ours(mine)
                        times[1] += floor(theirs)
                    else:
                        times[1] += floor(theirs)
                        times[0] += ours(mine)
                assert log.size == len(recs)
            assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == len(encoded)
        finally:
            conn.close()
    return times


def check_same_bytes(record: Any) -> None:
    """The floor writes exactly the bytes the library writes for the same entry."""
    when = _common.now()
    ours = EntrySigner(origin=_common.ORIGIN, signer=SIGNER, time=when).sign(
        seq=5, prev=GENESIS_PREV, record=codec.encode(record)
    )
    floor = floor_entry(5, format_instant(when), GENESIS_PREV, codec.encode(record), ours.signer)
    if floor != ours.data:
        raise AssertionError("the floor and the library write different bytes")


# -- figures ----------------------------------------------------------------------------


def in_folder(action: Callable[[Path], float]) -> Callable[[], float]:
    def run() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            return action(Path(tmp))

    return run


def figure(
    name: str,
    count: int,
    ours: Callable[[Path, Sequence[Any]], float],
    floor: Callable[[Path, Sequence[dict[str, Any]]], float],
    target: float,
) -> _common.Row:
    recs = _common.records(count)
    encoded = [codec.encode(r) for r in recs]
    times = _common.rounds(
        ROUNDS,
        in_folder(lambda folder: ours(folder, recs)),
        in_folder(lambda folder: floor(folder, encoded)),
    )
    return _row(name, count, times, target)


def single_figure(
    name: str, count: int, target: float | None, synchronous: str = "FULL"
) -> _common.Row:
    recs = _common.records(count)
    encoded = [codec.encode(r) for r in recs]
    times = [single_round(number, recs, encoded, synchronous) for number in range(ROUNDS)]
    return _row(name, count, times, target)


def _row(name: str, count: int, times: list[list[float]], target: float | None) -> _common.Row:
    ratio = _common.median([floor_time / ours_time for ours_time, floor_time in times])
    ours_seconds = _common.median([t[0] for t in times])
    floor_seconds = _common.median([t[1] for t in times])
    return _common.row(
        name,
        ours=round(count / ours_seconds),
        floor=round(count / floor_seconds),
        ratio=ratio,
        target="-" if target is None else f">= {target}",
        ok=None if target is None else ratio >= target,
        unit="entries/s",
        note=""
        if target is not None
        else f"{(ours_seconds - floor_seconds) / count * 1e6:.0f} us more per append",
    )


def run() -> list[_common.Row]:
    """Measure every figure; ``ours`` and ``floor`` are entries per second."""
    for record in _common.records(16):
        check_same_bytes(record)
    return [
        figure(
            f"append batched: {BATCHED_ENTRIES} entries, commit per {BATCH}",
            BATCHED_ENTRIES,
            ours_batched,
            floor_batched,
            0.70,
        ),
        single_figure(
            f"append durable single: {SINGLE_ENTRIES} entries, commit each (FULL)",
            SINGLE_ENTRIES,
            0.80,
        ),
        single_figure(
            f"append single, CPU only: {SINGLE_ENTRIES} entries, commit each (OFF, both)",
            SINGLE_ENTRIES,
            None,
            synchronous="OFF",
        ),
    ]


if __name__ == "__main__":
    sys.exit(_common.print_rows(run()))

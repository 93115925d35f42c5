"""Benchmark: PostgreSQL append throughput with 1, 2 and 4 writer processes, beside SQLite.

Run as ``python bench/bench_postgres.py`` (or through ``bench/run.py``). It starts a
throwaway PostgreSQL cluster of its own (``tests/log/pgcluster.py``, with ``fsync=on``:
commits reach the disk, as in production) and measures the same workload on both stores:
W writer processes, each with its own connection (or its own handle on the SQLite file),
released together, appending records as the application role. The figure is appends per
second over the whole run (first append started to last one acknowledged); the *floor*
column is the SQLite store (``synchronous=FULL``, WAL) doing exactly the same in the same
run, rounds alternating between the two. Each figure is a store's best round: load from
elsewhere on a shared machine only ever slows a round down. The writer processes start
once and serve every round, so no round pays for starting Python.

* ``commit each`` (information, no target): every append is its own transaction
  (:meth:`EvidenceLog.append`). Per append PostgreSQL pays two client-server round trips,
  and with several writers a hand-off of its fair lock queue from process to process;
  SQLite does it all in-process. No floor makes that comparison a pass or a fail.
* ``batches of 100`` (target 0.5): :class:`~legaldelivery.log.batching.BatchingWriter`
  commits 100 entries per transaction -- group commit, how a busy court should write.
  The target: a shared server keeps at least half the embedded store's throughput.

One more figure charges the store for its own overhead on PostgreSQL: one writer
appending with :meth:`EvidenceLog.append` against a *floor* doing the irreducible work
for the same records by hand with raw psycopg -- standard-library JSON for the entry's
canonical bytes, Ed25519 signature, SHA-256 chain and leaf hashes, and the same
pipelined transaction (BEGIN, the advisory lock, the head read, one INSERT for the entry
and one for its leaf hash, COMMIT). Its records arrive encoded; ours are encoded by the
library inside the measured time, as in ``bench_append.py``.

Without PostgreSQL (or psycopg) it prints why and reports no figures.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from legaldelivery import codec
from legaldelivery.instants import format_instant
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.batching import BatchingWriter
from legaldelivery.log.entry import ENTRY_FORMAT, GENESIS_PREV, build_entry
from legaldelivery.testing.fakes import sample_records

HERE = Path(__file__).resolve().parent
ORIGIN = "court.example/bench"
QUICK = os.environ.get("LEGALDELIVERY_BENCH_QUICK") == "1"
ROUNDS = 3 if QUICK else 5
# Appends per round, shared among the round's writers.
SINGLE_TOTAL = 120 if QUICK else 400
BATCHED_TOTAL = 800 if QUICK else 4000
WRITERS = (1, 2, 4)

# (figure, writers, appends per writer, entries per commit, target ratio or None for info)
Figure = tuple[str, int, int, int, float | None]

INFO_NOTE = (
    "information: per append PostgreSQL pays two client-server round trips and, with "
    "several writers, a hand-off of its fair lock queue between processes, which SQLite "
    "does in-process; batch (the row with a target) where throughput matters"
)


def _signer() -> Ed25519Signer:
    # The same key in every writer process, without passing key files around.
    return Ed25519Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32))


SIGNER = _signer()


def _load_pgcluster() -> ModuleType:
    path = HERE.parent / "tests" / "log" / "pgcluster.py"
    spec = importlib.util.spec_from_file_location("_bench_pgcluster", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the writer processes ---------------------------------------------------------------


def writer_main() -> int:
    """A writer process serving runs: ``run LOCATION COUNT PER_COMMIT``, then ``go``.

    For each run it opens the log, says ``ready``, waits for ``go``, appends, prints the
    monotonic times it started and finished, and closes the log; ``quit`` ends it. Kept
    alive across runs, so no run pays for starting Python and importing the library.
    """
    records = itertools.cycle(sample_records())
    signer = SIGNER
    for command in sys.stdin:
        words = command.split()
        if words[:1] != ["run"]:
            break
        location, count, per_commit = words[1], int(words[2]), int(words[3])
        with EvidenceLog.open(location, signer=signer) as log:
            sys.stdout.write("ready\n")
            sys.stdout.flush()
            sys.stdin.readline()
            start = time.monotonic()
            if per_commit == 1:
                for _ in range(count):
                    log.append(next(records))
            else:
                with BatchingWriter(log, max_entries=per_commit) as writer:
                    for _ in range(count):
                        writer.add(next(records))
            end = time.monotonic()
        # CLOCK_MONOTONIC is one clock for all processes: the parent spans first to last.
        sys.stdout.write(f"{start} {end}\n")
        sys.stdout.flush()
    return 0


class Writers:
    """Up to four writer processes, started once and reused by every run."""

    def __init__(self, count: int) -> None:
        self.children = [
            subprocess.Popen(
                [sys.executable, __file__, "--writer"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]

    def _say(self, child: subprocess.Popen[str], line: str) -> None:
        assert child.stdin is not None
        child.stdin.write(line + "\n")
        child.stdin.flush()

    def _hear(self, child: subprocess.Popen[str]) -> str:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise SystemExit("a writer process died (see its error output above)")
        return line

    def rate(self, location: str, writers: int, count: int, per_commit: int) -> float:
        """Appends per second of ``writers`` processes appending ``count`` entries each."""
        chosen = self.children[:writers]
        for child in chosen:
            self._say(child, f"run {location} {count} {per_commit}")
        for child in chosen:
            if self._hear(child) != "ready\n":
                raise SystemExit("a writer could not open the log")
        # Released together, so that they really contend for the lock.
        for child in chosen:
            self._say(child, "go")
        spans = [tuple(float(x) for x in self._hear(child).split()) for child in chosen]
        return writers * count / (max(end for _, end in spans) - min(start for start, _ in spans))

    def close(self) -> None:
        for child in self.children:
            with contextlib.suppress(OSError):
                self._say(child, "quit")
        for child in self.children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


# -- the two stores ---------------------------------------------------------------------


def new_postgres_log(cluster: Any) -> str:
    """A fresh database with an empty log, the application role granted; its app URL."""
    database = cluster.create_database("bench")
    with EvidenceLog.create(
        cluster.url(cluster.OWNER, database), origin=ORIGIN, signer=SIGNER
    ) as log:
        log.store.grant(cluster.APP)  # type: ignore[attr-defined]
    return str(cluster.url(cluster.APP, database))


def new_sqlite_log(folder: Path) -> str:
    path = folder / f"bench-{time.monotonic_ns()}.sqlite"
    EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER).close()
    return str(path)


def figure(cluster: Any, folder: Path, writers: Writers, spec: Figure) -> dict[str, object]:
    name, writer_count, each, per_commit, target = spec
    makers: list[Callable[[], str]] = [
        lambda: new_postgres_log(cluster),
        lambda: new_sqlite_log(folder),
    ]
    best = [0.0, 0.0]
    for round_number in range(ROUNDS):
        order = [0, 1] if round_number % 2 == 0 else [1, 0]
        for which in order:
            rate = writers.rate(makers[which](), writer_count, each, per_commit)
            best[which] = max(best[which], rate)
    ratio = best[0] / best[1]
    row: dict[str, object] = {
        "figure": name,
        "ours": round(best[0]),
        "floor": round(best[1]),
        "ratio": round(ratio, 2),
        "target": "" if target is None else target,
        "ok": None if target is None else ratio >= target,
        "unit": "appends/s",
    }
    if target is None:
        row["note"] = INFO_NOTE
    return row


# -- the store against raw psycopg -------------------------------------------------------

FLOOR_EACH = 150 if QUICK else 300


def floor_entry(seq: int, when: str, prev: str, record: dict[str, Any]) -> bytes:
    """An entry's signed canonical bytes, built with the standard library alone."""
    body = json.dumps(
        {
            "format": ENTRY_FORMAT,
            "origin": ORIGIN,
            "seq": seq,
            "time": when,
            "prev": prev,
            "record": record,
            "signer": SIGNER.fingerprint,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    signature = base64.b64encode(SIGNER.sign(body))
    # "signature" sorts just before "signer", the last member.
    cut = body.rindex(b',"signer":')
    return body[:cut] + b',"signature":"' + signature + b'"' + body[cut:]


def floor_rate(url: str, encoded: list[dict[str, Any]]) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(b"CREATE TABLE entries (seq bigint PRIMARY KEY, data bytea NOT NULL)")
        conn.execute(
            b"CREATE TABLE nodes (level smallint, idx bigint, hash bytea NOT NULL, "
            b"PRIMARY KEY (level, idx))"
        )
        prev = GENESIS_PREV
        start = time.perf_counter()
        for seq, record in enumerate(encoded):
            with conn.pipeline():
                conn.execute(b"BEGIN")
                conn.execute(b"SELECT pg_advisory_xact_lock(1)")
                conn.execute(b"SELECT seq, data FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
                data = floor_entry(seq, format_instant(datetime.now(timezone.utc)), prev, record)
                prev = hashlib.sha256(data).hexdigest()
                leaf = hashlib.sha256(b"\x00" + data).digest()
                conn.execute(
                    b"INSERT INTO entries (seq, data) "
                    b"SELECT * FROM unnest(%s::bigint[], %b::bytea[])",
                    ([seq], [data]),
                )
                conn.execute(
                    b"INSERT INTO nodes (level, idx, hash) "
                    b"SELECT * FROM unnest(%s::smallint[], %s::bigint[], %b::bytea[])",
                    ([0], [seq], [leaf]),
                )
                conn.execute(b"COMMIT")
        return len(encoded) / (time.perf_counter() - start)


def ours_rate(url: str, records: list[Any]) -> float:
    with EvidenceLog.create(url, origin=ORIGIN, signer=SIGNER) as log:
        start = time.perf_counter()
        for record in records:
            log.append(record)
        return len(records) / (time.perf_counter() - start)


def store_overhead_figure(cluster: Any) -> dict[str, object]:
    records = list(itertools.islice(itertools.cycle(sample_records()), FLOOR_EACH))
    encoded = [codec.encode(record) for record in records]
    # The floor must do the same work: its bytes are the library's, for every record.
    when = datetime(2026, 3, 2, tzinfo=timezone.utc)
    for record in encoded[: len(sample_records())]:
        made = build_entry(
            origin=ORIGIN, seq=7, time=when, prev=GENESIS_PREV, record=record, signer=SIGNER
        )
        if floor_entry(7, format_instant(when), GENESIS_PREV, record) != made.data:
            raise SystemExit("the floor's entry bytes differ from the library's")
    best = [0.0, 0.0]
    for round_number in range(ROUNDS):
        order = [0, 1] if round_number % 2 == 0 else [1, 0]
        for which in order:
            url = cluster.url(cluster.OWNER, cluster.create_database("floor"))
            rate = ours_rate(url, records) if which == 0 else floor_rate(url, encoded)
            best[which] = max(best[which], rate)
    ratio = best[0] / best[1]
    return {
        "figure": "postgres store/raw psycopg: 1 writer, commit each",
        "ours": round(best[0]),
        "floor": round(best[1]),
        "ratio": round(ratio, 2),
        "target": 0.5,
        "ok": ratio >= 0.5,
        "unit": "appends/s",
    }


FIGURES: list[Figure] = [
    *(
        (
            f"postgres/sqlite: {w} writer{'s' if w > 1 else ''}, commit each",
            w,
            SINGLE_TOTAL // w,
            1,
            None,
        )
        for w in WRITERS
    ),
    ("postgres/sqlite: 4 writers, batches of 100", 4, BATCHED_TOTAL // 4, 100, 0.5),
]


def run() -> list[dict[str, object]]:
    """Measure every figure; ``ours`` is PostgreSQL and ``floor`` SQLite, in appends/s."""
    pgcluster = _load_pgcluster()
    problem = pgcluster.unavailable()
    if problem is not None:
        print(f"bench_postgres: skipped, {problem}", file=sys.stderr)
        return []
    rows = []
    writers = Writers(max(WRITERS))
    try:
        with (
            pgcluster.running_cluster(fsync=True) as cluster,
            tempfile.TemporaryDirectory() as tmp,
        ):
            rows.append(store_overhead_figure(cluster))
            for spec in FIGURES:
                rows.append(figure(cluster, Path(tmp), writers, spec))
    finally:
        writers.close()
    return rows


def main(argv: list[str]) -> int:
    if argv[:1] == ["--writer"]:
        return writer_main()
    rows = run()
    print(f"{'figure':52} {'ours/s':>7} {'floor/s':>7} {'ratio':>6} {'target':>6}")
    for row in rows:
        verdict = {True: "PASS", False: "FAIL"}.get(row["ok"], "info")  # type: ignore[call-overload]
        print(
            f"{row['figure']!s:52} {row['ours']:>7} {row['floor']:>7} {row['ratio']:>6} "
            f"{row['target']!s:>6}  {verdict}"
        )
    return 0 if all(row["ok"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Group commit: the batching writer appends many records per transaction, in order."""

from __future__ import annotations

import math
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import codec
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.batching import BatchingWriter
from legaldelivery.log.sqlite import SqliteStore
from legaldelivery.records import Court

ORIGIN = "court.example/batching-test"
SIGNER = Ed25519Signer.generate(ORIGIN)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def courts(count: int, start: int = 0) -> list[Court]:
    return [
        Court(court_id=f"court-{i}", name=f"Court {i}", time_zone="Asia/Shanghai")
        for i in range(start, start + count)
    ]


def memory_log() -> EvidenceLog:
    return EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER, clock=lambda: T0)


def logged(log: EvidenceLog) -> list[object]:
    return [codec.decode(entry.record) for entry in log.entries()]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_max_entries_must_be_a_positive_number(bad: object) -> None:
    with pytest.raises(InputError, match="max_entries"):
        BatchingWriter(memory_log(), max_entries=bad)  # type: ignore[arg-type]


def test_records_wait_until_the_batch_is_full() -> None:
    log = memory_log()
    writer = BatchingWriter(log, max_entries=3)
    records = courts(7)
    returned = [writer.add(record) for record in records]
    assert [len(r) for r in returned] == [0, 0, 3, 0, 0, 3, 0]
    assert [e.seq for e in returned[5]] == [3, 4, 5]
    assert writer.pending == 1
    assert log.size == 6
    rest = writer.flush()
    assert [e.seq for e in rest] == [6]
    assert writer.flush() == []
    assert logged(log) == records
    assert (writer.log, writer.max_entries) == (log, 3)
    assert repr(writer) == "BatchingWriter(max_entries=3, pending=0)"


def test_leaving_the_block_flushes_the_rest() -> None:
    log = memory_log()
    with BatchingWriter(log, max_entries=100) as writer:
        for record in courts(5):
            writer.add(record)
        assert log.size == 0
    assert log.size == 5


class StopHereError(Exception):
    pass


def test_an_error_in_the_block_drops_only_what_was_never_appended() -> None:
    log = memory_log()
    writer = BatchingWriter(log, max_entries=4)

    def work() -> None:
        with writer:
            for record in courts(6):
                writer.add(record)
            raise StopHereError

    with pytest.raises(StopHereError):
        work()
    assert writer.pending == 0
    assert logged(log) == courts(4)


def test_a_failed_flush_appends_nothing_of_its_batch() -> None:
    log = memory_log()
    log.append(courts(1)[0])
    reader = EvidenceLog(log.store)  # no signer: every append is refused
    writer = BatchingWriter(reader, max_entries=2)
    assert writer.add(courts(1, start=1)[0]) == []
    with pytest.raises(InputError, match="read-only"):
        writer.add(courts(1, start=2)[0])
    assert writer.pending == 0
    assert log.size == 1


def test_discard_drops_the_queue() -> None:
    log = memory_log()
    writer = BatchingWriter(log, max_entries=10)
    for record in courts(3):
        writer.add(record)
    assert writer.discard() == 3
    assert writer.flush() == []
    assert log.size == 0


def test_threads_share_one_writer() -> None:
    log = memory_log()
    writer = BatchingWriter(log, max_entries=16)

    def add_many(start: int) -> None:
        for record in courts(50, start=start):
            writer.add(record)

    threads = [threading.Thread(target=add_many, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.flush()
    names = [record.court_id for record in logged(log)]  # type: ignore[attr-defined]
    assert sorted(names) == sorted(f"court-{n * 1000 + i}" for n in range(4) for i in range(50))
    numbers = [int(name.split("-")[1]) for name in names]
    for n in range(4):
        own = [number for number in numbers if number // 1000 == n]
        assert own == sorted(own)  # each thread's records keep their order


@settings(max_examples=20, deadline=None)
@given(count=st.integers(0, 40), max_entries=st.integers(1, 12))
def test_one_commit_per_flush_in_sqlite(count: int, max_entries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore.create(Path(tmp) / "log.sqlite", origin=ORIGIN)
        commits: list[str] = []
        store.connection.set_trace_callback(
            lambda sql: commits.append(sql) if sql == "COMMIT" else None
        )
        with EvidenceLog(store, signer=SIGNER, clock=lambda: T0) as log:
            records = courts(count)
            with BatchingWriter(log, max_entries=max_entries) as writer:
                for record in records:
                    writer.add(record)
            assert logged(log) == records
        assert len(commits) == math.ceil(count / max_entries)

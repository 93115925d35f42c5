"""What the stress scripts share: writer processes, fresh logs per store, the ledger of acks.

Not a script: ``stress_crash.py`` and ``stress_concurrency.py`` import it (they run with
this directory first on ``sys.path``). Writers are forked from the script's process (POSIX
only), so a round costs no interpreter start-up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from legaldelivery.audit import audit_log
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog, LogEntry
from legaldelivery.log.batching import BatchingWriter
from legaldelivery.log.jsonl import recover
from legaldelivery.testing.fakes import sample_records

ROOT = Path(__file__).resolve().parents[1]
ORIGIN = "court.example/stress"
MODES = ("single", "many", "batching")
STORES = ("sqlite", "jsonl", "postgres")


class CheckError(Exception):
    """A check failed: the message says which and where."""


def _write_forever(location: str, signer: Ed25519Signer, mode: str, fd: int) -> None:
    """The writer's loop (in the forked child): append, then acknowledge on ``fd``."""
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    records = cycle(sample_records())
    with EvidenceLog.open(location, signer=signer) as log:
        os.write(fd, b"ready\n")
        size = 1
        writer = BatchingWriter(log, max_entries=7)
        while not stopping:
            if mode == "single":
                entries = [log.append(next(records))]
            elif mode == "many":
                # Batches of 1 to 64 entries: larger writes, more chances of a torn one.
                size = size * 5 % 67
                entries = log.append_many(list(islice(records, min(size, 64))))
            else:
                entries = writer.add(next(records))
            _acknowledge(fd, entries)
        _acknowledge(fd, writer.flush())


def _acknowledge(fd: int, entries: list[LogEntry]) -> None:
    # Printed only after the call that appended them returned: each line is an ack.
    data = memoryview("".join(f"{e.seq} {e.hash}\n" for e in entries).encode())
    while data:
        data = data[os.write(fd, data) :]


class Writer:
    """One writer process, forked from this one (so it starts at once), killed or stopped.

    The child appends records in ``mode`` (single appends, ``append_many`` batches of 1 to
    64 entries, or a batching writer) until it is killed (SIGKILL) or stopped (SIGTERM:
    it finishes its call and flushes). A thread here drains its acknowledgements.
    """

    def __init__(self, location: str, signer: Ed25519Signer, mode: str) -> None:
        self.location = location
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 0
            try:
                os.close(read)
                _write_forever(location, signer, mode, write)
            except BaseException as exc:
                os.write(2, f"writer failed: {type(exc).__name__}: {exc}\n".encode())
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self.pid = pid
        self.returncode: int | None = None
        self.lines: list[bytes] = []
        self._fd = read
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # Drains the pipe all along: a writer blocked on a full pipe would stop appending.
        tail = b""
        while chunk := os.read(self._fd, 65536):
            *complete, tail = (tail + chunk).split(b"\n")
            for line in complete:
                if line == b"ready":
                    self._ready.set()
                else:
                    self.lines.append(line)
        # A line cut short by a kill was never printed whole: it acknowledges nothing.
        os.close(self._fd)
        self._ready.set()

    def wait_ready(self, timeout: float = 120) -> None:
        if not self._ready.wait(timeout):
            raise CheckError(f"a writer did not open {self.location}")

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self._finish()

    def stop(self) -> None:
        """SIGTERM: it finishes the call in progress, flushes, and exits."""
        os.kill(self.pid, signal.SIGTERM)
        self._finish()
        if self.returncode != 0:
            raise CheckError(f"a writer on {self.location} exited with {self.returncode}")

    def _finish(self) -> None:
        _, status = os.waitpid(self.pid, 0)
        self.returncode = os.waitstatus_to_exitcode(status)
        self._reader.join(timeout=120)

    def acks(self) -> list[tuple[int, str]]:
        """The complete lines it printed: each an acknowledged (seq, hash)."""
        found = []
        for line in self.lines:
            seq, digest = line.decode().split()
            found.append((int(seq), digest))
        return found


class Locations:
    """Fresh log locations for each store: files in a folder, or PostgreSQL databases."""

    def __init__(self, folder: Path, postgres_url: str | None) -> None:
        self.folder = folder
        self.postgres_url = postgres_url
        self._cluster: Any = None
        self._count = 0

    def new(self, store: str) -> str:
        self._count += 1
        if store in ("sqlite", "jsonl"):
            return str(self.folder / f"{store}-{self._count}.{store}")
        return self._new_database()

    def _new_database(self) -> str:
        import psycopg

        if self.postgres_url is None and self._cluster is None:
            # A throwaway cluster, as the test suite makes one (needs the server programs).
            sys.path.insert(0, str(ROOT / "tests" / "log"))
            import pgcluster  # type: ignore[import-not-found]

            self._cluster = pgcluster.start_cluster(fsync=True)
        if self._cluster is not None:
            name = self._cluster.create_database("stress")
            return str(self._cluster.url(dbname=name))
        assert self.postgres_url is not None
        name = f"ld_stress_{int(time.time())}_{self._count}"
        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = self.postgres_url.rpartition("/")
        return f"{base}/{name}"

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()


@contextlib.contextmanager
def locations(folder: Path, postgres_url: str | None) -> Iterator[Locations]:
    made = Locations(folder, postgres_url)
    try:
        yield made
    finally:
        made.close()


def new_log(location: str, signer: Ed25519Signer) -> str:
    """Create a log with one first entry (an empty JSON Lines file names no origin)."""
    with EvidenceLog.create(location, origin=ORIGIN, signer=signer) as log:
        return log.append(sample_records()[0]).hash


class Ledger:
    """Everything acknowledged on one log, and the tree head last checked."""

    def __init__(self, location: str, first_hash: str) -> None:
        self.location = location
        self.acked: dict[int, str] = {0: first_hash}
        self.size = 1
        self.root = b""
        self.torn = 0

    def add(self, acks: list[tuple[int, str]]) -> None:
        for seq, digest in acks:
            if seq in self.acked:
                raise CheckError(f"{self.location}: entry {seq} was acknowledged twice")
            self.acked[seq] = digest

    def recover_torn_tail(self) -> None:
        if self.location.endswith(".jsonl"):
            with open(self.location, "rb") as handle:
                handle.seek(-1, 2)
                if handle.read(1) != b"\n" and recover(self.location) is not None:
                    self.torn += 1

    def check(self, new_acks: list[tuple[int, str]], *, audit: bool, key: Ed25519Signer) -> int:
        """Check the acks, that nothing committed changed, and (if asked) audit everything.

        Returns the log's size.
        """
        self.recover_torn_tail()
        with EvidenceLog.open(self.location) as log:
            size = log.size
            for seq, digest in new_acks if not audit else sorted(self.acked.items()):
                if seq >= size or log.entry(seq).hash != digest:
                    raise CheckError(f"{self.location}: acknowledged entry {seq} was lost")
            if self.root and log.root_hash(self.size) != self.root:
                raise CheckError(f"{self.location}: entries before {self.size} were rewritten")
            self.size, self.root = size, log.root_hash()
            if audit:
                source: Any = self.location if self.location.endswith(".jsonl") else log
                report = audit_log(source, trusted=[key.verifier])
                if not report.ok:
                    raise CheckError(report.summary())
                if report.size != size or report.root_hash != self.root:
                    raise CheckError(f"{self.location}: the audit read another log")
        return size

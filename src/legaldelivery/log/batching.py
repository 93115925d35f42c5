"""Group commit for a stream of appends: many entries per transaction and per disk sync.

A durable store pays one sync per commit. :class:`BatchingWriter` collects records and
appends them with :meth:`EvidenceLog.append_many <legaldelivery.log.EvidenceLog.append_many>`
once ``max_entries`` are waiting, so one commit covers many entries. An entry is
acknowledged -- durable under the store's settings -- only when the flush that carries it
has returned.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from legaldelivery.errors import InputError

if TYPE_CHECKING:
    from legaldelivery.log.entry import LogEntry
    from legaldelivery.log.evidencelog import EvidenceLog

__all__ = ["BatchingWriter"]


class BatchingWriter:
    """Collect records for one log and append them ``max_entries`` at a time.

    :meth:`add` queues a record and, when ``max_entries`` are queued, appends them all in
    one batch and returns their entries; :meth:`flush` appends whatever is queued. As a
    context manager it flushes on a normal exit; when the block raises, the records still
    queued are dropped (they were never acknowledged) and the exception propagates. The
    entries of one flush share one entry time, taken from the log's clock at the flush;
    each record keeps its own event time. Threads may share one writer.

    >>> from legaldelivery.log import EvidenceLog
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> signer = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=signer)
    >>> records = sample_records()[:3]
    >>> with BatchingWriter(log, max_entries=2) as writer:
    ...     first = writer.add(records[0])
    ...     second = writer.add(records[1])
    ...     third = writer.add(records[2])
    ...     (len(first), [e.seq for e in second], len(third), writer.pending, log.size)
    (0, [0, 1], 0, 1, 2)
    >>> log.size
    3

    .. versionadded:: 0.1.0
    """

    def __init__(self, log: EvidenceLog, *, max_entries: int = 1000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise InputError(
                "expected a positive number of entries", path="max_entries", got=max_entries
            )
        self._log = log
        self._max_entries = max_entries
        self._queue: list[Any] = []
        self._lock = threading.Lock()

    @property
    def log(self) -> EvidenceLog:
        """The log the records go to."""
        return self._log

    @property
    def max_entries(self) -> int:
        """How many queued records trigger a flush."""
        return self._max_entries

    @property
    def pending(self) -> int:
        """How many records are queued and not yet appended."""
        return len(self._queue)

    def add(self, record: Any) -> list[LogEntry]:
        """Queue ``record``; if that fills the batch, append the batch and return its entries.

        Returns an empty list while the batch is not full. When a flush fails (a record
        the log cannot encode, a store error) the error propagates, nothing of that batch
        is appended and the writer is empty again: add again the records still wanted.
        """
        with self._lock:
            self._queue.append(record)
            if len(self._queue) < self._max_entries:
                return []
            return self._flush_locked()

    def flush(self) -> list[LogEntry]:
        """Append every queued record as one batch now; return the new entries."""
        with self._lock:
            return self._flush_locked()

    def _flush_locked(self) -> list[LogEntry]:
        if not self._queue:
            return []
        # Dequeued first: a batch that fails is not retried into the next one by accident.
        batch, self._queue = self._queue, []
        return self._log.append_many(batch)

    def discard(self) -> int:
        """Drop the queued records without appending them; return how many were dropped."""
        with self._lock:
            dropped = len(self._queue)
            self._queue = []
            return dropped

    def __enter__(self) -> BatchingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.flush()
        else:
            self.discard()

    def __repr__(self) -> str:
        return f"BatchingWriter(max_entries={self._max_entries}, pending={self.pending})"

"""An in-memory store: for tests, notebooks and short-lived logs (``":memory:"``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from legaldelivery.errors import InputError
from legaldelivery.log.entry import entry_hash
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey, check_batch
from legaldelivery.merkle import HASH_SIZE

__all__ = ["MemoryStore"]

T = TypeVar("T")


class MemoryStore(EntryStore):
    """Entries and subtree hashes in Python lists; a lock serialises writer threads.

    >>> store = MemoryStore(origin="court.example/log")
    >>> store.size(), store.origin
    (0, 'court.example/log')
    """

    def __init__(self, *, origin: str) -> None:
        self._origin = origin
        self._entries: list[bytes] = []
        # One bytearray of 32-byte hashes per level: no Python object per node.
        self._levels: list[bytearray] = []
        self._head = Head(size=0, last_hash=None, last_time=None, last_signer=None)
        self._lock = threading.Lock()

    @property
    def origin(self) -> str:
        return self._origin

    def size(self) -> int:
        return len(self._entries)

    def head(self) -> Head:
        return self._head

    def append_batch(self, prepare: Callable[[Head, EntryStore], tuple[AppendBatch, T]]) -> T:
        with self._lock:
            batch, result = prepare(self._head, self)
            size = len(self._entries)
            # Checked in full before anything changes: the batch is all or nothing.
            checked = check_batch(size, batch)
            if not checked.datas:
                return result
            new_size = size + len(checked.datas)
            self._entries.extend(checked.datas)
            # The batch holds exactly the subtrees it completes: at each level, those
            # after the ones stored, so each level grows at its end.
            for level in range(new_size.bit_length()):
                while len(self._levels) <= level:
                    self._levels.append(bytearray())
                self._levels[level] += b"".join(
                    checked.nodes[level, index] for index in range(size >> level, new_size >> level)
                )
            self._head = Head(
                size=new_size,
                last_hash=entry_hash(checked.datas[-1]),
                last_time=batch.last_time,
                last_signer=batch.last_signer,
            )
            return result

    def read_entry(self, seq: int) -> bytes:
        if not 0 <= seq < len(self._entries):
            raise InputError(f"no entry {seq} in a log of {len(self._entries)}", path="seq")
        return self._entries[seq]

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        end = len(self._entries) if stop is None else min(stop, len(self._entries))
        for seq in range(start, end):
            yield self._entries[seq]

    def _count(self, level: int) -> int:
        """How many hashes level ``level`` holds."""
        return len(self._levels[level]) // HASH_SIZE if level < len(self._levels) else 0

    def get_nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        for level, index in keys:
            if 0 <= index < self._count(level):
                row = self._levels[level]
                found[(level, index)] = bytes(row[index * HASH_SIZE : (index + 1) * HASH_SIZE])
        return found

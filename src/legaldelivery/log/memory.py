"""An in-memory store: for tests, notebooks and short-lived logs (``":memory:"``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from legaldelivery.errors import InputError
from legaldelivery.log.entry import entry_hash
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey

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
        self._levels: list[list[bytes]] = []
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
            for offset, (seq, _data) in enumerate(batch.entries):
                if seq != size + offset:
                    raise InputError(
                        f"batch entry must have seq {size + offset}", path="seq", got=seq
                    )
            if not batch.entries:
                return result
            # Validate everything before mutating anything: the batch is all or nothing.
            have: dict[int, int] = {}
            for (level, index), _h in sorted(batch.nodes.items()):
                stored = len(self._levels[level]) if level < len(self._levels) else 0
                # Earlier nodes of this same batch count: they fill the level before this one.
                if index > have.get(level, stored):
                    raise InputError(f"node ({level}, {index}) leaves a gap", path="nodes")
                have[level] = max(have.get(level, stored), index + 1)
            for _seq, data in batch.entries:
                self._entries.append(data)
            for (level, index), node in sorted(batch.nodes.items()):
                while len(self._levels) <= level:
                    self._levels.append([])
                row = self._levels[level]
                if index == len(row):
                    row.append(node)
            last_seq, last_data = batch.entries[-1]
            self._head = Head(
                size=last_seq + 1,
                last_hash=entry_hash(last_data),
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

    def get_nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        for level, index in keys:
            if level < len(self._levels) and 0 <= index < len(self._levels[level]):
                found[(level, index)] = self._levels[level][index]
        return found

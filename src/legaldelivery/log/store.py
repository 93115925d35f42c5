"""The store protocol: what :class:`~legaldelivery.log.EvidenceLog` needs from storage.

A store keeps three things: the entries' canonical bytes by sequence number, the hashes
of the *perfect* Merkle subtrees (level ``l``, index ``i`` covers leaves
``[i * 2**l, (i + 1) * 2**l)``), and a little metadata (the log's origin). With the
perfect-subtree hashes stored, every proof and every earlier root is assembled from
O(log n) of them, never from the whole log.

Appends go through :meth:`EntryStore.append_batch`: the store takes its write lock, shows
the callback the current head, and atomically writes what the callback returns. Storage
that several processes share (SQLite, PostgreSQL) can then serialise writers without the
log layer knowing how.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import attrs

__all__ = ["AppendBatch", "EntryStore", "Head", "NodeKey"]

NodeKey = tuple[int, int]
"""(level, index) of a perfect subtree."""

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Head:
    """The state of a log's tail, as the store sees it inside its write lock."""

    size: int
    last_hash: str | None
    last_time: datetime | None
    last_signer: str | None


@attrs.frozen(kw_only=True)
class AppendBatch:
    """Entries to append, with the perfect-subtree hashes they complete.

    ``entries`` are ``(seq, canonical bytes)`` pairs starting at the head's size;
    ``nodes`` maps (level, index) to hash for every subtree the entries complete,
    leaves included (level 0).
    """

    entries: Sequence[tuple[int, bytes]]
    nodes: Mapping[NodeKey, bytes]
    last_time: datetime
    last_signer: str


class EntryStore(abc.ABC):
    """Storage for one evidence log. Implementations: memory, SQLite, JSON Lines."""

    @property
    @abc.abstractmethod
    def origin(self) -> str:
        """The log's origin (its name), fixed when the store was created."""

    @abc.abstractmethod
    def size(self) -> int:
        """The number of entries committed."""

    @abc.abstractmethod
    def head(self) -> Head:
        """The committed head (outside any write lock: a snapshot that may be stale)."""

    @abc.abstractmethod
    def append_batch(self, prepare: Callable[[Head, EntryStore], tuple[AppendBatch, T]]) -> T:
        """Under the store's write lock: call ``prepare(head, self)``, write, commit.

        ``prepare`` may read nodes and entries through the store it is given. Nothing is
        written if it raises. Returns what ``prepare`` returned beside the batch.
        """

    @abc.abstractmethod
    def read_entry(self, seq: int) -> bytes:
        """The canonical bytes of entry ``seq``; InputError if there is none."""

    @abc.abstractmethod
    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """The entries' bytes from ``start`` up to ``stop`` (default: the committed size)."""

    @abc.abstractmethod
    def get_nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """The stored perfect-subtree hashes for ``keys`` (missing keys are absent)."""

    def close(self) -> None:  # noqa: B027 -- optional for stores that hold nothing open
        """Release what the store holds open. Idempotent."""

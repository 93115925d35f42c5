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

Every store checks the batch with :func:`check_batch` before it writes anything: the
rules a batch must meet are defined there once, so every store takes the same batches
and refuses the others with the same :class:`~legaldelivery.errors.InputError`. A store
may first try a faster check of its own, but only to take batches ``check_batch``
accepts; whatever that check cannot take at once goes to ``check_batch``, which decides.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from legaldelivery import merkle
from legaldelivery.errors import InputError

__all__ = [
    "AppendBatch",
    "CheckedBatch",
    "EntryStore",
    "Head",
    "NodeKey",
    "check_batch",
    "completed_by",
]

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


@attrs.frozen(kw_only=True)
class CheckedBatch:
    """An :class:`AppendBatch` that :func:`check_batch` has shown to extend a log exactly.

    ``datas`` are the entries' canonical bytes in sequence order, the first at the size
    the batch was checked against. ``nodes`` maps each perfect subtree the entries
    complete, and no other, to its 32-byte hash, ordered by the entry that completes it
    and then by level. Every value is ``bytes``, copied from what the batch held, so a
    store keeps nothing the caller can still change.

    .. versionadded:: 0.1.0
    """

    datas: list[bytes]
    nodes: dict[NodeKey, bytes]


# What a batch may hold as an entry's bytes or a node's hash; each is copied into bytes.
_BYTES_LIKE = (bytes, bytearray, memoryview)


def completed_by(seq: int) -> list[NodeKey]:
    """The perfect subtrees whose last leaf is entry ``seq``, lowest level first.

    Appending entry ``seq`` completes one subtree per trailing one bit of ``seq``, plus
    its own leaf: at level ``l`` the one with index ``((seq + 1) >> l) - 1``.
    """
    levels = ((seq + 1) & -(seq + 1)).bit_length()
    return [(level, ((seq + 1) >> level) - 1) for level in range(levels)]


def _node_name(key: object) -> str:
    """``(level, index)`` as messages write it, whatever the caller used as a key."""
    if isinstance(key, tuple) and len(key) == 2:
        return f"({key[0]}, {key[1]})"
    return repr(key)


def check_batch(size: int, batch: AppendBatch) -> CheckedBatch:
    """Check that ``batch`` extends a log of ``size`` entries exactly; return its bytes.

    This is the one definition of a well-formed batch: every store calls it (or takes
    only what it would take) before it writes. The rules, checked in this order, the
    first one broken raising :class:`~legaldelivery.errors.InputError`:

    1. The entries are numbered ``size``, ``size + 1``, ... (integers), and each holds
       bytes (a ``bytearray`` or ``memoryview`` is copied).
    2. Every node is a perfect subtree that one of the entries completes -- its last
       leaf lies in ``[size, new_size)`` -- and its hash is 32 bytes.
    3. No such subtree is missing: there are as many nodes as the entries complete,
       ``sum((new_size >> l) - (size >> l) for every level l)``.
    4. Each entry's leaf node ``(0, seq)`` is :func:`~legaldelivery.merkle.leaf_hash` of
       its bytes.

    Node keys are matched as any mapping matches them, by equality. The hashes of inner
    nodes are taken as given: checking them needs the tree's earlier nodes, which a
    store does not read to append; an audit finds a wrong one, since the root differs.

    >>> from datetime import datetime, timezone
    >>> data = b'{"seq":0}'
    >>> batch = AppendBatch(
    ...     entries=[(0, data)],
    ...     nodes={(0, 0): merkle.leaf_hash(data)},
    ...     last_time=datetime(2026, 3, 2, tzinfo=timezone.utc),
    ...     last_signer="key",
    ... )
    >>> check_batch(0, batch).datas
    [b'{"seq":0}']
    >>> check_batch(1, batch)
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: seq: batch entry must have seq 1 (got 0)

    .. versionadded:: 0.1.0
    """
    datas: list[bytes] = []
    for expected_seq, (seq, data) in enumerate(batch.entries, size):
        if not isinstance(seq, int) or seq != expected_seq:
            raise InputError(f"batch entry must have seq {expected_seq}", path="seq", got=seq)
        if not isinstance(data, _BYTES_LIKE):
            # The type only: an entry's bytes may hold personal data.
            raise InputError(
                f"batch entry {expected_seq} must hold bytes, not {type(data).__name__}",
                path="data",
            )
        datas.append(bytes(data))
    new_size = size + len(datas)

    completed = [key for seq in range(size, new_size) for key in completed_by(seq)]
    expected_keys = set(completed)
    hashes: dict[NodeKey, bytes] = {}
    for key, digest in batch.nodes.items():
        if key not in expected_keys:
            raise InputError(
                f"node {_node_name(key)} is not completed by entries {size}..{new_size - 1}",
                path="nodes",
            )
        copied = bytes(digest) if isinstance(digest, _BYTES_LIKE) else None
        if copied is None or len(copied) != merkle.HASH_SIZE:
            raise InputError(
                f"node {_node_name(key)}: expected a 32-byte SHA-256 hash", path="nodes"
            )
        hashes[key] = copied
    # Every key is one of the completed subtrees, and no two keys are equal: fewer keys
    # than subtrees means some are missing.
    if len(hashes) != len(completed):
        raise InputError(
            f"the batch completes {len(completed)} Merkle nodes but carries {len(hashes)}",
            path="nodes",
        )
    nodes = {key: hashes[key] for key in completed}

    for seq, data in enumerate(datas, size):
        if nodes[0, seq] != merkle.leaf_hash(data):
            raise InputError(f"the leaf hash of entry {seq} does not match its bytes", path="nodes")
    return CheckedBatch(datas=datas, nodes=nodes)


class EntryStore(abc.ABC):
    """Storage for one evidence log. Implementations: memory, SQLite, JSON Lines, PostgreSQL."""

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

        ``prepare`` may read nodes and entries through the store it is given. The batch
        it returns is checked with :func:`check_batch` against the head's size. Nothing
        is written if ``prepare`` raises or the batch is refused. Returns what
        ``prepare`` returned beside the batch.
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

"""The incremental trees of :mod:`legaldelivery.merkle`: :class:`MerkleAccumulator` (frontier only)
and :class:`MerkleTree` (every perfect subtree hash, for proofs without a store)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from legaldelivery._merkle_hashes import (
    _NODE_PREFIX,
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_TREE_SIZE,
    GetNode,
    NodeHash,
    NodeId,
    _argument_count,
    _describe,
    _new_row,
    _sha256,
    _supplied_hash,
)
from legaldelivery._merkle_proofs import (
    _assemble,
    _consistency_arguments,
    _consistency_plan,
    _fetch,
    _inclusion_arguments,
    _inclusion_plan,
    frontier_nodes,
)
from legaldelivery.errors import InputError

# --- incremental tree --------------------------------------------------------------------


def _admitted(value: object, index: int, name: str, position: int | None = None) -> bytes:
    """``value`` as the leaf hash at ``index``: 32 bytes, and the tree not yet full.

    ``name`` (with ``[position]`` for one of many) is the argument errors point at. The
    one check every way of appending a leaf makes, before the tree changes.
    """
    if type(value) is not bytes or len(value) != HASH_SIZE:
        value = _supplied_hash(value, name if position is None else f"{name}[{position}]")
    if index >= MAX_TREE_SIZE:
        raise InputError("the tree is full (2**63 - 1 leaves)", path=name)
    return value


class MerkleAccumulator:
    """An append-only Merkle tree that keeps only the roots of its perfect subtrees.

    Appending costs amortised one node hash (at most ``log2(size)``); :meth:`root` costs
    ``O(log size)``. The whole state is :attr:`size` and :attr:`frontier` (one hash per set
    bit of ``size``): store both and :meth:`restore` later. Not thread-safe.

    >>> from legaldelivery.merkle import leaf_hash, root_hash
    >>> tree = MerkleAccumulator()
    >>> for data in (b"a", b"b", b"c"):
    ...     _ = tree.append(leaf_hash(data))
    >>> tree.root() == root_hash([b"a", b"b", b"c"])
    True
    >>> copy = MerkleAccumulator.restore(tree.size, tree.frontier)
    >>> copy == tree
    True

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_frontier", "_size")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self) -> None:
        # Largest (leftmost) subtree first; appends only ever touch the end.
        self._frontier: list[bytes] = []
        self._size = 0

    @classmethod
    def restore(cls, size: int, frontier: Sequence[bytes]) -> MerkleAccumulator:
        """The accumulator with this :attr:`size` and :attr:`frontier` (as saved earlier).

        >>> MerkleAccumulator.restore(2, [bytes(32)]).size
        2
        >>> MerkleAccumulator.restore(3, [bytes(32)])
        Traceback (most recent call last):
        ...
        legaldelivery.errors.InputError: frontier: a tree of 3 leaves has 2 frontier hashes, got 1
        """
        size = _argument_count(size, "size")
        if isinstance(frontier, (str, bytes, bytearray, memoryview)) or not isinstance(
            frontier, Sequence
        ):
            raise InputError(
                "expected a sequence of hashes", path="frontier", got=type(frontier).__name__
            )
        if len(frontier) != size.bit_count():
            raise InputError(
                f"a tree of {size} leaves has {size.bit_count()} frontier hashes, "
                f"got {len(frontier)}",
                path="frontier",
            )
        tree = cls()
        tree._frontier = [_supplied_hash(h, f"frontier[{i}]") for i, h in enumerate(frontier)]
        tree._size = size
        return tree

    @classmethod
    def from_nodes(cls, get_node: GetNode, size: int) -> MerkleAccumulator:
        """The accumulator for the first ``size`` leaves, from stored subtree hashes.

        >>> from legaldelivery.merkle import leaf_hash, node_hash, root_hash
        >>> stored = {(1, 0): node_hash(leaf_hash(b"a"), leaf_hash(b"b"))}
        >>> tree = MerkleAccumulator.from_nodes(lambda lv, i: stored[lv, i], 2)
        >>> tree.root() == root_hash([b"a", b"b"])
        True
        """
        return cls.restore(size, _fetch(get_node, frontier_nodes(size)))

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        """Hashes of the perfect subtrees (those of :func:`frontier_nodes`), left to right."""
        return tuple(self._frontier)

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf by its leaf hash (see :func:`leaf_hash`); return its index.

        >>> from legaldelivery.merkle import leaf_hash
        >>> tree = MerkleAccumulator()
        >>> tree.append(leaf_hash(b"a")), tree.append(leaf_hash(b"b"))
        (0, 1)
        """
        index = self._size
        leaf_hash = _admitted(leaf_hash, index, "leaf_hash")
        frontier = self._frontier
        carry = leaf_hash
        bits = index
        # Each trailing 1 bit of the old size is a perfect subtree of the same height as
        # ``carry``: merge them, exactly like a binary increment.
        while bits & 1:
            carry = _sha256(_NODE_PREFIX + frontier.pop() + carry).digest()
            bits >>= 1
        frontier.append(carry)
        self._size = index + 1
        return index

    def append_returning_nodes(self, leaf_hash: bytes) -> list[NodeHash]:
        """Append one leaf hash; return every perfect subtree this completes, leaf first.

        The first row is the leaf itself at level 0; each further row is a subtree the new
        leaf closes (on average one). A store that persists them can later serve
        :func:`inclusion_proof_from_nodes` and friends.

        >>> from legaldelivery.merkle import leaf_hash
        >>> tree = MerkleAccumulator()
        >>> _ = tree.append(leaf_hash(b"a"))
        >>> [(row.level, row.index) for row in tree.append_returning_nodes(leaf_hash(b"b"))]
        [(0, 1), (1, 0)]
        """
        index = self._size
        leaf_hash = _admitted(leaf_hash, index, "leaf_hash")
        frontier = self._frontier
        carry = leaf_hash
        # tuple.__new__ skips NamedTuple's Python-level __new__: rows are made on every append.
        row = _new_row
        rows = [row(NodeHash, (0, index, carry))]
        bits = index
        level = 0
        while bits & 1:
            carry = _sha256(_NODE_PREFIX + frontier.pop() + carry).digest()
            bits >>= 1
            level += 1
            rows.append(row(NodeHash, (level, bits, carry)))
        frontier.append(carry)
        self._size = index + 1
        return rows

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes, in order (faster than calling :meth:`append` in a loop).

        If one of them is not a 32-byte hash, the ones before it stay appended.

        >>> from legaldelivery.merkle import leaf_hash
        >>> tree = MerkleAccumulator()
        >>> tree.extend(leaf_hash(x) for x in (b"a", b"b", b"c"))
        >>> tree.size
        3
        """
        frontier = self._frontier
        sha, prefix = _sha256, _NODE_PREFIX
        first = size = self._size
        try:
            for item in leaf_hashes:
                carry = _admitted(item, size, "leaf_hashes", size - first)
                bits = size
                while bits & 1:
                    carry = sha(prefix + frontier.pop() + carry).digest()
                    bits >>= 1
                frontier.append(carry)
                size += 1
        finally:
            # Keep size and frontier in step even when an item is rejected part way.
            self._size = size

    def root(self) -> bytes:
        """The root hash of the leaves appended so far (:data:`EMPTY_ROOT` when none).

        >>> MerkleAccumulator().root() == EMPTY_ROOT
        True
        """
        frontier = self._frontier
        if not frontier:
            return EMPTY_ROOT
        sha, prefix = _sha256, _NODE_PREFIX
        result = frontier[-1]
        for position in range(len(frontier) - 2, -1, -1):
            result = sha(prefix + frontier[position] + result).digest()
        return result

    def copy(self) -> MerkleAccumulator:
        """An independent accumulator with the same state."""
        twin = MerkleAccumulator()
        twin._frontier = list(self._frontier)
        twin._size = self._size
        return twin

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MerkleAccumulator):
            return NotImplemented
        return self._size == other._size and self._frontier == other._frontier

    def __repr__(self) -> str:
        return f"MerkleAccumulator(size={self._size}, root={self.root().hex()!r})"


class MerkleTree:
    """An in-memory tree that keeps every perfect-subtree hash, for proofs at any size.

    Each level is one contiguous ``bytearray`` of 32-byte hashes, so a tree holds about
    64 bytes per leaf however large it grows, and no Python object per node. Appending
    costs amortised one node hash; :meth:`root` and both proofs, at the current or any
    earlier size, read ``O(log size)`` stored hashes -- as a log store does on disk.
    Not thread-safe.

    >>> from legaldelivery.merkle import consistency_proof, inclusion_proof, leaf_hash, root_hash
    >>> leaves = [b"a", b"b", b"c", b"d", b"e"]
    >>> tree = MerkleTree()
    >>> tree.extend(leaf_hash(x) for x in leaves)
    >>> tree.root() == root_hash(leaves)
    True
    >>> tree.inclusion_proof(1, 3) == inclusion_proof(leaves, 1, 3)
    True
    >>> tree.consistency_proof(2) == consistency_proof(leaves, 2, 5)
    True

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf by its leaf hash (see :func:`leaf_hash`); return its index.

        >>> from legaldelivery.merkle import leaf_hash
        >>> tree = MerkleTree()
        >>> tree.append(leaf_hash(b"a")), tree.append(leaf_hash(b"b"))
        (0, 1)
        """
        index = self._size
        leaf_hash = _admitted(leaf_hash, index, "leaf_hash")
        levels = self._levels
        levels[0] += leaf_hash
        if index & 1:
            self._carry(index, leaf_hash)
        self._size = index + 1
        return index

    def _push(self, index: int, carry: bytes) -> None:
        self._levels[0] += carry
        if index & 1:
            self._carry(index, carry)

    def _carry(self, index: int, carry: bytes) -> None:
        """Store the subtrees that leaf ``index`` (odd, already stored) completes."""
        levels = self._levels
        level = 0
        # Each trailing 1 bit of the index closes a perfect subtree one level up, whose
        # left half is the second-to-last hash at the level below.
        while index & 1:
            row = levels[level]
            carry = _sha256(_NODE_PREFIX + row[-64:-32] + carry).digest()
            index >>= 1
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += carry

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes, in order.

        If one of them is not a 32-byte hash, the ones before it stay appended.
        """
        index = self._size
        try:
            for position, item in enumerate(leaf_hashes):
                carry = _admitted(item, index, "leaf_hashes", position)
                self._push(index, carry)
                index += 1
        finally:
            self._size = index

    def node(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree ``(level, index)`` (see :class:`NodeId`).

        Raises InputError unless that subtree lies within the leaves appended so far.

        >>> from legaldelivery.merkle import leaf_hash, node_hash
        >>> tree = MerkleTree()
        >>> tree.extend([leaf_hash(b"a"), leaf_hash(b"b")])
        >>> tree.node(1, 0) == node_hash(leaf_hash(b"a"), leaf_hash(b"b"))
        True
        """
        level = _argument_count(level, "level")
        index = _argument_count(index, "index")
        row = self._levels[level] if level < len(self._levels) else b""
        start = index * HASH_SIZE
        if start + HASH_SIZE > len(row):
            raise InputError(
                f"no complete subtree at level {level}, index {index} in a tree of "
                f"{self._size} leaves",
                path="index",
            )
        return bytes(row[start : start + HASH_SIZE])

    def _hashes(self, nodes: Iterable[NodeId]) -> list[bytes]:
        levels = self._levels
        return [
            bytes(levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE])
            for level, index in nodes
        ]

    def _size_or_current(self, size: int | None, name: str) -> int:
        if size is None:
            return self._size
        size = _argument_count(size, name)
        if size > self._size:
            raise InputError(
                f"expected a tree size of at most {self._size}, got {_describe(size)}", path=name
            )
        return size

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the first ``size`` leaves (default: all).

        >>> MerkleTree().root() == EMPTY_ROOT
        True
        """
        nodes = frontier_nodes(self._size_or_current(size, "size"))
        if not nodes:
            return EMPTY_ROOT
        return _assemble(self._hashes(nodes), 0, len(nodes))[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The RFC 6962 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
        size = self._size_or_current(size, "size")
        plan = _inclusion_plan(*_inclusion_arguments(index, size))
        return _assemble(self._hashes(plan.nodes), plan.fold_start, plan.fold_stop)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The RFC 6962 consistency proof from ``old_size`` to ``new_size`` (default: all)."""
        new_size = self._size_or_current(new_size, "new_size")
        plan = _consistency_plan(*_consistency_arguments(old_size, new_size))
        return _assemble(self._hashes(plan.nodes), plan.fold_start, plan.fold_stop)

    def __repr__(self) -> str:
        return f"MerkleTree(size={self._size}, root={self.root().hex()!r})"

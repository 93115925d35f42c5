"""RFC 6962 / RFC 9162 Merkle trees over SHA-256: hashing, proofs, verification.

Pure functions and one small incremental tree: no I/O and no clock. Proofs can be built
from raw leaf data or, in ``O(log n)`` reads, from the stored hashes of perfect subtrees.

>>> leaves = [b"first entry", b"second entry", b"third entry"]
>>> root = root_hash(leaves)
>>> proof = inclusion_proof(leaves, 2, 3)
>>> verify_inclusion(leaf_hash(b"third entry"), 2, 3, proof, root)
>>> verify_inclusion(leaf_hash(b"forged entry"), 2, 3, proof, root)
Traceback (most recent call last):
...
legaldelivery.errors.ProofError: root: the proof leads to root ...

**Who is at fault.** Generating functions raise :class:`~legaldelivery.errors.InputError`
for any bad argument. Verifying functions raise :class:`~legaldelivery.errors.InputError`
only when an argument has the wrong *type* (a string where a hash or a number belongs: the
caller has not decoded the evidence yet); every value of the right type that does not
verify -- a negative or huge size or index, a hash of the wrong length, a proof that is
too long, too short or simply wrong, sizes in the wrong order -- raises
:class:`~legaldelivery.errors.ProofError`, because whoever supplied the evidence controls
all of those.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice
from typing import Final, NamedTuple

import attrs

from legaldelivery.errors import InputError, ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "GetNode",
    "MerkleAccumulator",
    "MerkleTree",
    "NodeHash",
    "NodeId",
    "ProofPlan",
    "consistency_proof",
    "consistency_proof_from_nodes",
    "consistency_proof_plan",
    "frontier_nodes",
    "inclusion_proof",
    "inclusion_proof_from_nodes",
    "inclusion_proof_plan",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_nodes",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
"""Length in bytes of every hash in a tree (SHA-256)."""

MAX_TREE_SIZE: Final = 2**63 - 1
"""Largest tree size (and leaf index bound) accepted: fits a signed 64-bit integer column."""

EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
"""Root hash of the empty tree: SHA-256 of the empty string (RFC 6962 section 2.1)."""

_sha256 = hashlib.sha256
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"
# Anything at least this long cannot be a proof for a tree of at most MAX_TREE_SIZE leaves,
# so verification rejects it before validating or hashing a single element.
_LONGEST_PROOF: Final = 2 * MAX_TREE_SIZE.bit_length()


class NodeId(NamedTuple):
    """Address of a perfect subtree of a tree: its ``level`` and ``index`` within that level.

    The subtree covers leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0 holds
    the leaf hashes. A tuple, so it serves as a mapping key and as query parameters as is.

    >>> node = NodeId(2, 1)
    >>> node.leaves
    range(4, 8)
    >>> node == (2, 1)
    True

    .. versionadded:: 0.1.0
    """

    level: int
    # Deliberately shadows tuple.index(): "index" is what RFC 6962 logs call it.
    index: int  # type: ignore[assignment]

    @property
    def leaves(self) -> range:
        """The leaf indices this subtree covers."""
        return range(self.index << self.level, (self.index + 1) << self.level)


class NodeHash(NamedTuple):
    """The hash of one perfect subtree, as a row a store can persist: ``(level, index, hash)``.

    >>> NodeHash(0, 5, bytes(32)).node
    NodeId(level=0, index=5)

    .. versionadded:: 0.1.0
    """

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index(), as in NodeId
    hash: bytes

    @property
    def node(self) -> NodeId:
        """The subtree's address."""
        return NodeId(self.level, self.index)


_new_row = tuple.__new__


def _node(level: int, index: int) -> NodeId:
    # tuple.__new__ skips NamedTuple's Python-level __new__: plans make many of these.
    return _new_row(NodeId, (level, index))


GetNode = Callable[[int, int], bytes]
"""``get_node(level, index) -> bytes``: the stored hash of a perfect subtree (see NodeId)."""


# --- argument checks ------------------------------------------------------------------


def _describe(number: int) -> str:
    # str() of a huge int raises ValueError (int max str digits); say its size instead.
    if number.bit_length() <= 64:
        return str(number)
    return f"a {number.bit_length()}-bit {'negative ' if number < 0 else ''}number"


def _integer(value: object, name: str) -> int:
    """``value`` as an int; a bool or a non-integer is the caller's mistake."""
    if isinstance(value, bool):
        raise InputError("expected an integer, not a bool", path=name, got=value)
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError as exc:
        raise InputError("expected an integer", path=name, got=type(value).__name__) from exc


def _argument_count(value: object, name: str) -> int:
    """A size or index the caller passes to a generating function."""
    number = _integer(value, name)
    if not 0 <= number <= MAX_TREE_SIZE:
        raise InputError(
            f"expected an integer from 0 to 2**63 - 1, got {_describe(number)}", path=name
        )
    return number


def _claimed_count(value: object, name: str) -> int:
    """A size or index that is part of the evidence being verified."""
    number = _integer(value, name)
    if not 0 <= number <= MAX_TREE_SIZE:
        raise ProofError(
            f"expected an integer from 0 to 2**63 - 1, got {_describe(number)}", path=name
        )
    return number


def _as_bytes(value: object, name: str) -> bytes:
    if type(value) is bytes:
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise InputError("expected bytes", path=name, got=type(value).__name__)


def _claimed_hash(value: object, name: str) -> bytes:
    """A hash that is part of the evidence: a wrong length does not verify."""
    data = _as_bytes(value, name)
    if len(data) != HASH_SIZE:
        raise ProofError(
            f"expected a {HASH_SIZE}-byte SHA-256 hash, got {len(data)} bytes", path=name
        )
    return data


def _supplied_hash(value: object, name: str) -> bytes:
    """A hash the caller (or the caller's store) hands in to build something."""
    data = _as_bytes(value, name)
    if len(data) != HASH_SIZE:
        raise InputError(
            f"expected a {HASH_SIZE}-byte SHA-256 hash, got {len(data)} bytes", path=name
        )
    return data


def _claimed_proof(proof: object) -> Sequence[object]:
    if isinstance(proof, (str, bytes, bytearray, memoryview)) or not isinstance(proof, Sequence):
        raise InputError("expected a sequence of hashes", path="proof", got=type(proof).__name__)
    return proof


# --- hashing --------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """The RFC 6962 leaf hash: ``SHA-256(0x00 || data)``.

    >>> leaf_hash(b"").hex()
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'

    .. versionadded:: 0.1.0
    """
    try:
        return _sha256(_LEAF_PREFIX + data).digest()
    except TypeError as exc:
        raise InputError("leaf data must be bytes", got=type(data).__name__) from exc


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 interior node hash: ``SHA-256(0x01 || left || right)``.

    Both children must be 32-byte hashes.

    >>> node_hash(leaf_hash(b""), leaf_hash(b"\\x00")).hex()
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'

    .. versionadded:: 0.1.0
    """
    return _sha256(
        _NODE_PREFIX + _supplied_hash(left, "left") + _supplied_hash(right, "right")
    ).digest()


def _leaf_hashes(leaves: Iterable[object], count: int | None = None) -> list[bytes]:
    """Leaf hashes of the first ``count`` leaves (all if None)."""
    if isinstance(leaves, (str, bytes, bytearray, memoryview)) or not isinstance(leaves, Iterable):
        raise InputError("expected a sequence of leaves", path="leaves", got=type(leaves).__name__)
    if not isinstance(leaves, Sequence):
        # A one-shot iterator: keep the items so the slow path below can look again.
        leaves = list(leaves if count is None else islice(leaves, count))
    sha, prefix = _sha256, _LEAF_PREFIX
    try:
        return [
            sha(prefix + data).digest()  # type: ignore[operator]
            for data in (leaves if count is None else islice(leaves, count))
        ]
    except TypeError:
        pass
    # Slow path, only to name the offending leaf.
    for position, data in enumerate(leaves if count is None else islice(leaves, count)):
        try:
            prefix + data
        except TypeError:
            raise InputError(
                "leaf data must be bytes", path=f"leaves[{position}]", got=type(data).__name__
            ) from None
    raise InputError("expected a sequence of bytes", path="leaves", got=type(leaves).__name__)


def _root_of_hashes(hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes, level by level; an odd last node moves up unchanged."""
    if not hashes:
        return EMPTY_ROOT
    sha, prefix = _sha256, _NODE_PREFIX
    level = hashes
    while len(level) > 1:
        pairs = iter(level)
        upper = [
            sha(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) & 1:
            # Carrying the odd node up reproduces RFC 6962's split at the largest power of
            # two below n: the right subtree of every split is exactly what is left over.
            upper.append(level[-1])
        level = upper
    return level[0]


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (RFC 6962 section 2.1) of the raw leaf data ``leaves``.

    The empty tree's root is ``SHA-256("")`` (see :data:`EMPTY_ROOT`).

    >>> root_hash([]).hex()
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    >>> root_hash([b"a", b"b"]) == node_hash(leaf_hash(b"a"), leaf_hash(b"b"))
    True

    .. versionadded:: 0.1.0
    """
    return _root_of_hashes(_leaf_hashes(leaves))


def _perfect_levels(hashes: list[bytes]) -> list[list[bytes]]:
    """Every perfect subtree hash: ``levels[level][index]``."""
    sha, prefix = _sha256, _NODE_PREFIX
    levels = [hashes]
    level = hashes
    while len(level) > 1:
        pairs = iter(level)
        # zip drops an odd last node: only perfect subtrees are kept.
        level = [
            sha(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
        ]
        levels.append(level)
    return levels


# --- which stored nodes a proof needs ---------------------------------------------------


def _node_ids(nodes: Iterable[tuple[int, int]]) -> tuple[NodeId, ...]:
    if type(nodes) is tuple and all(
        type(node) is NodeId and type(node[0]) is int and type(node[1]) is int for node in nodes
    ):
        # Made by the planners below: already what the slow path would make of them.
        return nodes
    try:
        return tuple(
            NodeId(_integer(level, "level"), _integer(index, "index")) for level, index in nodes
        )
    except (TypeError, ValueError) as exc:
        raise InputError("expected (level, index) pairs of integers", path="nodes") from exc


@attrs.frozen(kw_only=True)
class ProofPlan:
    """Which perfect-subtree hashes a proof needs, and how to turn them into the proof.

    ``nodes`` lists every needed node once, in proof order. The nodes
    ``nodes[fold_start:fold_stop]`` (when that slice holds two or more) are not proof
    elements themselves: together they make up one subtree on the tree's right edge that
    is not perfect, and they are folded from the right with :func:`node_hash` into the one
    proof element that stands for it. A store fetches ``nodes`` (in one query if it likes)
    and calls :meth:`assemble`.

    >>> plan = inclusion_proof_plan(0, 7)
    >>> plan.nodes  # doctest: +NORMALIZE_WHITESPACE
    (NodeId(level=0, index=1), NodeId(level=1, index=1),
     NodeId(level=1, index=2), NodeId(level=0, index=6))
    >>> (plan.fold_start, plan.fold_stop)
    (2, 4)

    .. versionadded:: 0.1.0
    """

    nodes: tuple[NodeId, ...] = attrs.field(converter=_node_ids)
    fold_start: int = 0
    fold_stop: int = 0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.fold_start <= self.fold_stop <= len(self.nodes):
            raise InputError(
                "expected 0 <= fold_start <= fold_stop <= len(nodes)", path="fold_start"
            )

    @property
    def proof_length(self) -> int:
        """How many hashes the assembled proof holds."""
        folded = self.fold_stop - self.fold_start
        return len(self.nodes) - folded + 1 if folded else len(self.nodes)

    def assemble(
        self, hashes: Mapping[NodeId, bytes] | Mapping[tuple[int, int], bytes]
    ) -> list[bytes]:
        """The proof, from the hashes of :attr:`nodes` keyed by ``(level, index)``.

        >>> leaves = [b"a", b"b", b"c"]
        >>> plan = inclusion_proof_plan(0, 3)
        >>> stored = {(0, 1): leaf_hash(b"b"), (0, 2): leaf_hash(b"c")}
        >>> plan.assemble(stored) == inclusion_proof(leaves, 0, 3)
        True
        """
        ordered = []
        for node in self.nodes:
            try:
                value = hashes[node]
            except KeyError as exc:
                raise InputError(
                    "no hash supplied for this node", path=f"node {node.level}/{node.index}"
                ) from exc
            if type(value) is not bytes or len(value) != HASH_SIZE:
                value = _supplied_hash(value, f"node {node.level}/{node.index}")
            ordered.append(value)
        return _assemble(ordered, self.fold_start, self.fold_stop)


def _assemble(hashes: list[bytes], start: int, stop: int) -> list[bytes]:
    if stop - start < 2:
        return hashes
    sha, prefix = _sha256, _NODE_PREFIX
    folded = hashes[stop - 1]
    for position in range(stop - 2, start - 1, -1):
        folded = sha(prefix + hashes[position] + folded).digest()
    return [*hashes[:start], folded, *hashes[stop:]]


def _append_path(level: int, index: int, size: int, nodes: list[NodeId]) -> tuple[int, int]:
    """Add the siblings on the way from perfect node (level, index) to the root of ``size`` leaves.

    Returns the ``(start, stop)`` slice of ``nodes`` to fold into one element, or (0, 0).
    """
    last = (size - 1) >> level  # the node at this level that holds the tree's last leaf
    # Below this height the path and the tree's right edge run apart; at and above it the
    # path *is* the right edge, so every sibling there is on the left.
    inner = (index ^ last).bit_length()
    fold = (0, 0)
    for height in range(level, level + inner - 1):
        nodes.append(_node(height, (index >> (height - level)) ^ 1))
    if inner:
        top = level + inner - 1
        if size & ((1 << top) - 1):
            # The right sibling at the top of the inner path holds the tree's last leaf and
            # is cut short: compose it from the perfect subtrees of its leaves.
            start = len(nodes)
            for height in range(top - 1, -1, -1):
                if size >> height & 1:
                    nodes.append(_node(height, (size >> height) - 1))
            fold = (start, len(nodes))
        else:
            nodes.append(_node(top, (index >> (inner - 1)) ^ 1))
    rest = index >> inner
    height = level + inner
    while rest:
        if rest & 1:
            nodes.append(_node(height, rest - 1))
        rest >>= 1
        height += 1
    return fold


def frontier_nodes(size: int) -> list[NodeId]:
    """The perfect subtrees a tree of ``size`` leaves splits into, left (largest) to right.

    Their hashes, folded from the right with :func:`node_hash`, give the tree's root; they
    are also all an incremental tree keeps (see :class:`MerkleAccumulator`).

    >>> frontier_nodes(13)
    [NodeId(level=3, index=0), NodeId(level=2, index=2), NodeId(level=0, index=12)]

    .. versionadded:: 0.1.0
    """
    size = _argument_count(size, "size")
    return [
        NodeId(height, (size >> height) - 1)
        for height in range(size.bit_length() - 1, -1, -1)
        if size >> height & 1
    ]


def inclusion_proof_plan(index: int, size: int) -> ProofPlan:
    """The stored nodes an inclusion proof for leaf ``index`` in a tree of ``size`` needs.

    At most about ``2 * log2(size)`` nodes, each a perfect subtree inside the first
    ``size`` leaves. Raises InputError unless ``0 <= index < size``.

    >>> inclusion_proof_plan(5, 8).nodes
    (NodeId(level=0, index=4), NodeId(level=1, index=3), NodeId(level=2, index=0))

    .. versionadded:: 0.1.0
    """
    return _inclusion_plan(*_inclusion_arguments(index, size))


def _inclusion_arguments(index: object, size: object) -> tuple[int, int]:
    index = _argument_count(index, "index")
    size = _argument_count(size, "size")
    if index >= size:
        raise InputError(
            f"leaf index must be below the tree size {_describe(size)}, got {_describe(index)}",
            path="index",
        )
    return index, size


def _inclusion_plan(index: int, size: int) -> ProofPlan:
    nodes: list[NodeId] = []
    start, stop = _append_path(0, index, size, nodes)
    return ProofPlan(nodes=tuple(nodes), fold_start=start, fold_stop=stop)


def consistency_proof_plan(old_size: int, new_size: int) -> ProofPlan:
    """The stored nodes a consistency proof from ``old_size`` to ``new_size`` needs.

    Raises InputError unless ``1 <= old_size <= new_size`` (consistency with the empty tree
    is not defined here). Equal sizes need no nodes.

    >>> consistency_proof_plan(6, 8).nodes
    (NodeId(level=1, index=2), NodeId(level=1, index=3), NodeId(level=2, index=0))

    .. versionadded:: 0.1.0
    """
    return _consistency_plan(*_consistency_arguments(old_size, new_size))


def _consistency_arguments(old_size: object, new_size: object) -> tuple[int, int]:
    old_size = _argument_count(old_size, "old_size")
    new_size = _argument_count(new_size, "new_size")
    if old_size == 0:
        raise InputError("a consistency proof needs an old size of at least 1", path="old_size")
    if old_size > new_size:
        raise InputError(
            f"old size must not exceed the new size {_describe(new_size)}, "
            f"got {_describe(old_size)}",
            path="old_size",
        )
    return old_size, new_size


def _consistency_plan(old_size: int, new_size: int) -> ProofPlan:
    if old_size == new_size:
        return ProofPlan(nodes=())
    # The old tree's last (smallest) perfect subtree; its path to the new root, plus that
    # subtree itself, proves both roots.
    level = (old_size & -old_size).bit_length() - 1
    index = (old_size >> level) - 1
    nodes: list[NodeId] = []
    if index:
        # When old_size is a power of two that subtree is the whole old tree: the verifier
        # already holds its hash (the old root), so RFC 6962 leaves it out.
        nodes.append(_node(level, index))
    start, stop = _append_path(level, index, new_size, nodes)
    return ProofPlan(nodes=tuple(nodes), fold_start=start, fold_stop=stop)


def _fetch(get_node: GetNode, nodes: Iterable[NodeId]) -> list[bytes]:
    return [
        _supplied_hash(get_node(level, index), f"node {level}/{index}") for level, index in nodes
    ]


def inclusion_proof_from_nodes(get_node: GetNode, index: int, size: int) -> list[bytes]:
    """The inclusion proof for leaf ``index`` in a tree of ``size``, from stored subtree hashes.

    Calls ``get_node(level, index)`` once for each node of :func:`inclusion_proof_plan` --
    ``O(log size)`` calls, only ever for perfect subtrees inside the first ``size`` leaves.
    Exceptions raised by ``get_node`` propagate unchanged; a returned value that is not a
    32-byte hash is an InputError.

    >>> leaves = [b"a", b"b", b"c", b"d", b"e"]
    >>> levels = {0: [leaf_hash(x) for x in leaves]}
    >>> levels[1] = [node_hash(*levels[0][i:i + 2]) for i in (0, 2)]
    >>> levels[2] = [node_hash(*levels[1])]
    >>> proof = inclusion_proof_from_nodes(lambda lv, i: levels[lv][i], 1, 5)
    >>> proof == inclusion_proof(leaves, 1, 5)
    True

    .. versionadded:: 0.1.0
    """
    plan = inclusion_proof_plan(index, size)
    return _assemble(_fetch(get_node, plan.nodes), plan.fold_start, plan.fold_stop)


def consistency_proof_from_nodes(get_node: GetNode, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof from ``old_size`` to ``new_size``, from stored subtree hashes.

    Like :func:`inclusion_proof_from_nodes`, with the nodes of
    :func:`consistency_proof_plan`.

    >>> leaves = [b"a", b"b", b"c"]
    >>> hashes = [leaf_hash(x) for x in leaves]
    >>> stored = {(0, i): h for i, h in enumerate(hashes)}
    >>> stored[1, 0] = node_hash(hashes[0], hashes[1])
    >>> consistency_proof_from_nodes(lambda lv, i: stored[lv, i], 2, 3) == [hashes[2]]
    True

    .. versionadded:: 0.1.0
    """
    plan = consistency_proof_plan(old_size, new_size)
    return _assemble(_fetch(get_node, plan.nodes), plan.fold_start, plan.fold_stop)


def root_from_nodes(get_node: GetNode, size: int) -> bytes:
    """The root of the tree's first ``size`` leaves, from stored subtree hashes.

    Reads the :func:`frontier_nodes` of ``size`` (one per set bit of ``size``).

    >>> stored = {(1, 0): node_hash(leaf_hash(b"a"), leaf_hash(b"b")), (0, 2): leaf_hash(b"c")}
    >>> root_from_nodes(lambda lv, i: stored[lv, i], 3) == root_hash([b"a", b"b", b"c"])
    True
    >>> root_from_nodes(lambda lv, i: stored[lv, i], 0) == EMPTY_ROOT
    True

    .. versionadded:: 0.1.0
    """
    nodes = frontier_nodes(size)
    if not nodes:
        return EMPTY_ROOT
    return _assemble(_fetch(get_node, nodes), 0, len(nodes))[0]


# --- proofs from raw leaves -------------------------------------------------------------


def _leaf_prefix_hashes(leaves: Sequence[bytes], size: int) -> list[bytes]:
    try:
        available = len(leaves)
    except TypeError as exc:
        raise InputError(
            "expected a sequence of leaves", path="leaves", got=type(leaves).__name__
        ) from exc
    if size > available:
        raise InputError(
            f"the tree size {_describe(size)} exceeds the {available} leaves given", path="size"
        )
    return _leaf_hashes(leaves, size)


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """The RFC 6962 audit path ``PATH(index, D[0:size])``, ordered from the leaf upwards.

    ``leaves`` is the raw leaf data (at least ``size`` items: proofs for an earlier tree
    size come from the same, longer list); ``index`` is 0-based. Raises InputError unless
    ``0 <= index < size <= len(leaves)``. Hashes the first ``size`` leaves: for large logs
    use :func:`inclusion_proof_from_nodes`.

    >>> leaves = [b"a", b"b", b"c", b"d"]
    >>> proof = inclusion_proof(leaves, 0, 4)
    >>> proof == [leaf_hash(b"b"), node_hash(leaf_hash(b"c"), leaf_hash(b"d"))]
    True
    >>> inclusion_proof(leaves, 0, 3) == [leaf_hash(b"b"), leaf_hash(b"c")]
    True

    .. versionadded:: 0.1.0
    """
    index, size = _inclusion_arguments(index, size)
    plan = _inclusion_plan(index, size)
    levels = _perfect_levels(_leaf_prefix_hashes(leaves, size))
    return _assemble([levels[level][i] for level, i in plan.nodes], plan.fold_start, plan.fold_stop)


def consistency_proof(leaves: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """The RFC 6962 consistency proof ``PROOF(old_size, D[0:new_size])``.

    Raises InputError unless ``1 <= old_size <= new_size <= len(leaves)``; equal sizes give
    the empty proof.

    >>> leaves = [b"a", b"b", b"c"]
    >>> consistency_proof(leaves, 2, 3) == [leaf_hash(b"c")]
    True
    >>> consistency_proof(leaves, 3, 3)
    []

    .. versionadded:: 0.1.0
    """
    old_size, new_size = _consistency_arguments(old_size, new_size)
    plan = _consistency_plan(old_size, new_size)
    levels = _perfect_levels(_leaf_prefix_hashes(leaves, new_size))
    return _assemble([levels[level][i] for level, i in plan.nodes], plan.fold_start, plan.fold_stop)


# --- verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) --------------------------------


def _inclusion_proof_length(index: int, size: int) -> int:
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _wrong_length(proof: Sequence[object], expected: int, what: str) -> ProofError:
    return ProofError(f"{what} needs exactly {expected} hashes, got {len(proof)}", path="proof")


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` gives for ``leaf_hash`` at ``index`` in a tree of ``size``.

    RFC 9162 section 2.1.3.2 without its final comparison: the caller compares the result
    with a root it trusts (or uses :func:`verify_inclusion`). Raises ProofError when the
    proof cannot be a proof for that position (index not below size, wrong length, ...).

    >>> leaves = [b"a", b"b", b"c"]
    >>> proof = inclusion_proof(leaves, 1, 3)
    >>> root_from_inclusion_proof(leaf_hash(b"b"), 1, 3, proof) == root_hash(leaves)
    True

    .. versionadded:: 0.1.0
    """
    leaf = _claimed_hash(leaf_hash, "leaf_hash")
    index = _claimed_count(index, "index")
    size = _claimed_count(size, "size")
    path = _claimed_proof(proof)
    if index >= size:
        raise ProofError(
            f"leaf index must be below the tree size {size}, got {index}", path="index"
        )
    if len(path) >= _LONGEST_PROOF:
        raise _wrong_length(path, _inclusion_proof_length(index, size), "this inclusion proof")
    sha, prefix = _sha256, _NODE_PREFIX
    fn, sn = index, size - 1
    result = leaf
    for position, element in enumerate(path):
        if sn == 0:
            raise _wrong_length(path, _inclusion_proof_length(index, size), "this inclusion proof")
        sibling = element
        if type(sibling) is not bytes or len(sibling) != HASH_SIZE:
            sibling = _claimed_hash(element, f"proof[{position}]")
        if fn & 1 or fn == sn:
            result = sha(prefix + sibling + result).digest()
            if not fn & 1:
                # The rest of this subtree is the tree's right edge: no right siblings.
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = sha(prefix + result + sibling).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _wrong_length(path, _inclusion_proof_length(index, size), "this inclusion proof")
    return result


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` shows ``leaf_hash`` at ``index`` in the tree of ``size`` with ``root``.

    Returns None, or raises ProofError (see the module docstring for InputError).

    >>> leaves = [b"a", b"b", b"c"]
    >>> root = root_hash(leaves)
    >>> verify_inclusion(leaf_hash(b"c"), 2, 3, inclusion_proof(leaves, 2, 3), root)
    >>> verify_inclusion(leaf_hash(b"c"), 1, 3, inclusion_proof(leaves, 2, 3), root)
    Traceback (most recent call last):
    ...
    legaldelivery.errors.ProofError: proof: this inclusion proof needs exactly 2 hashes, got 1

    .. versionadded:: 0.1.0
    """
    expected = _claimed_hash(root, "root")
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if computed != expected:
        raise ProofError(
            f"the proof leads to root {computed.hex()}, not the expected {expected.hex()}",
            path="root",
        )


def _consistency_proof_length(old_size: int, new_size: int) -> int:
    level = (old_size & -old_size).bit_length() - 1
    index = (old_size >> level) - 1
    return (1 if index else 0) + _inclusion_proof_length(index, ((new_size - 1) >> level) + 1)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` with ``new_root`` extends the one of ``old_size``.

    RFC 9162 section 2.1.4.2. ``old_size`` must be at least 1; equal sizes need an empty
    proof and equal roots. Returns None, or raises ProofError.

    >>> leaves = [b"a", b"b", b"c", b"d", b"e"]
    >>> old, new = root_hash(leaves[:2]), root_hash(leaves)
    >>> verify_consistency(2, 5, old, new, consistency_proof(leaves, 2, 5))
    >>> verify_consistency(2, 5, old, root_hash(leaves[:4]), consistency_proof(leaves, 2, 5))
    Traceback (most recent call last):
    ...
    legaldelivery.errors.ProofError: new_root: the proof leads to new root ...

    .. versionadded:: 0.1.0
    """
    old_size = _claimed_count(old_size, "old_size")
    new_size = _claimed_count(new_size, "new_size")
    first = _claimed_hash(old_root, "old_root")
    second = _claimed_hash(new_root, "new_root")
    path = _claimed_proof(proof)
    if old_size == 0:
        raise ProofError("consistency with the empty tree is not defined", path="old_size")
    if old_size > new_size:
        raise ProofError(
            f"old size must not exceed the new size {new_size}, got {old_size}", path="old_size"
        )
    if old_size == new_size:
        if path:
            raise ProofError(
                f"equal tree sizes need an empty proof, got {len(path)} hashes", path="proof"
            )
        if first != second:
            raise ProofError("equal tree sizes but different roots", path="new_root")
        return
    if not path or len(path) >= _LONGEST_PROOF:
        raise _wrong_length(
            path, _consistency_proof_length(old_size, new_size), "this consistency proof"
        )
    elements = [
        element
        if type(element) is bytes and len(element) == HASH_SIZE
        else _claimed_hash(element, f"proof[{i}]")
        for i, element in enumerate(path)
    ]
    if old_size & (old_size - 1) == 0:
        elements.insert(0, first)
    sha, prefix = _sha256, _NODE_PREFIX
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = elements[0]
    for element in elements[1:]:
        if sn == 0:
            raise _wrong_length(
                path, _consistency_proof_length(old_size, new_size), "this consistency proof"
            )
        if fn & 1 or fn == sn:
            fr = sha(prefix + element + fr).digest()
            sr = sha(prefix + element + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha(prefix + sr + element).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _wrong_length(
            path, _consistency_proof_length(old_size, new_size), "this consistency proof"
        )
    if fr != first:
        raise ProofError(
            f"the proof leads to old root {fr.hex()}, not the expected {first.hex()}",
            path="old_root",
        )
    if sr != second:
        raise ProofError(
            f"the proof leads to new root {sr.hex()}, not the expected {second.hex()}",
            path="new_root",
        )


# --- incremental tree --------------------------------------------------------------------


class MerkleAccumulator:
    """An append-only Merkle tree that keeps only the roots of its perfect subtrees.

    Appending costs amortised one node hash (at most ``log2(size)``); :meth:`root` costs
    ``O(log size)``. The whole state is :attr:`size` and :attr:`frontier` (one hash per set
    bit of ``size``): store both and :meth:`restore` later. Not thread-safe.

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

        >>> tree = MerkleAccumulator()
        >>> tree.append(leaf_hash(b"a")), tree.append(leaf_hash(b"b"))
        (0, 1)
        """
        if type(leaf_hash) is not bytes or len(leaf_hash) != HASH_SIZE:
            leaf_hash = _supplied_hash(leaf_hash, "leaf_hash")
        index = self._size
        if index >= MAX_TREE_SIZE:
            raise InputError("the tree is full (2**63 - 1 leaves)", path="leaf_hash")
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

        >>> tree = MerkleAccumulator()
        >>> _ = tree.append(leaf_hash(b"a"))
        >>> [(row.level, row.index) for row in tree.append_returning_nodes(leaf_hash(b"b"))]
        [(0, 1), (1, 0)]
        """
        if type(leaf_hash) is not bytes or len(leaf_hash) != HASH_SIZE:
            leaf_hash = _supplied_hash(leaf_hash, "leaf_hash")
        index = self._size
        if index >= MAX_TREE_SIZE:
            raise InputError("the tree is full (2**63 - 1 leaves)", path="leaf_hash")
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
                carry = item
                if type(carry) is not bytes or len(carry) != HASH_SIZE:
                    carry = _supplied_hash(carry, f"leaf_hashes[{size - first}]")
                if size >= MAX_TREE_SIZE:
                    raise InputError("the tree is full (2**63 - 1 leaves)", path="leaf_hashes")
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

        >>> tree = MerkleTree()
        >>> tree.append(leaf_hash(b"a")), tree.append(leaf_hash(b"b"))
        (0, 1)
        """
        if type(leaf_hash) is not bytes or len(leaf_hash) != HASH_SIZE:
            leaf_hash = _supplied_hash(leaf_hash, "leaf_hash")
        index = self._size
        if index >= MAX_TREE_SIZE:
            raise InputError("the tree is full (2**63 - 1 leaves)", path="leaf_hash")
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
                carry = item
                if type(carry) is not bytes or len(carry) != HASH_SIZE:
                    carry = _supplied_hash(carry, f"leaf_hashes[{position}]")
                if index >= MAX_TREE_SIZE:
                    raise InputError("the tree is full (2**63 - 1 leaves)", path="leaf_hashes")
                self._push(index, carry)
                index += 1
        finally:
            self._size = index

    def node(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree ``(level, index)`` (see :class:`NodeId`).

        Raises InputError unless that subtree lies within the leaves appended so far.

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

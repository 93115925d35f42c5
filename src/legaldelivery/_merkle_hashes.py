"""RFC 6962 hashing for :mod:`legaldelivery.merkle`: leaf and node hashes, roots, node addresses.

Also the argument checks every part of the Merkle code shares: a bad argument the caller
passes is an InputError, a bad value in the evidence being verified a ProofError."""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Final, NamedTuple

from legaldelivery.errors import InputError, ProofError

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

"""RFC 6962 / RFC 9162 proofs for :mod:`legaldelivery.merkle`: plans, building and verifying.

A :class:`ProofPlan` names the stored subtree hashes a proof needs; proofs are built from
those or from raw leaves, and verified as RFC 9162 sections 2.1.3.2 and 2.1.4.2 say."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from legaldelivery._merkle_hashes import (
    _LONGEST_PROOF,
    _NODE_PREFIX,
    EMPTY_ROOT,
    HASH_SIZE,
    GetNode,
    NodeId,
    _argument_count,
    _claimed_count,
    _claimed_hash,
    _claimed_proof,
    _describe,
    _integer,
    _leaf_hashes,
    _node,
    _perfect_levels,
    _sha256,
    _supplied_hash,
)
from legaldelivery.errors import InputError, ProofError

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

        >>> from legaldelivery.merkle import leaf_hash
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

    >>> from legaldelivery.merkle import leaf_hash, node_hash
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

    >>> from legaldelivery.merkle import leaf_hash, node_hash
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

    >>> from legaldelivery.merkle import leaf_hash, node_hash, root_hash
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

    >>> from legaldelivery.merkle import leaf_hash, node_hash
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

    >>> from legaldelivery.merkle import leaf_hash
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

    >>> from legaldelivery.merkle import leaf_hash, root_hash
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

    >>> from legaldelivery.merkle import leaf_hash, root_hash
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

    >>> from legaldelivery.merkle import root_hash
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

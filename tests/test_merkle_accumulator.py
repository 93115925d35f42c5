"""The incremental Merkle tree: roots at every size, completed nodes, save and restore."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from legaldelivery import merkle
from legaldelivery.errors import InputError


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def ref_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return ref_leaf(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


leaf_lists = st.lists(st.binary(max_size=24), max_size=120)


@given(leaf_lists)
def test_root_matches_root_hash_at_every_size(leaves: list[bytes]) -> None:
    tree = merkle.MerkleAccumulator()
    assert tree.root() == merkle.EMPTY_ROOT
    for count, data in enumerate(leaves, start=1):
        assert tree.append(ref_leaf(data)) == count - 1
        assert tree.size == count
        assert tree.root() == merkle.root_hash(leaves[:count]) == ref_mth(leaves[:count])


@given(leaf_lists)
def test_frontier_holds_the_frontier_node_hashes(leaves: list[bytes]) -> None:
    tree = merkle.MerkleAccumulator()
    tree.extend(ref_leaf(x) for x in leaves)
    nodes = merkle.frontier_nodes(len(leaves))
    assert len(tree.frontier) == len(nodes) == len(leaves).bit_count()
    for node, value in zip(nodes, tree.frontier, strict=True):
        assert value == ref_mth(leaves[node.leaves.start : node.leaves.stop])


@settings(max_examples=60)
@given(leaf_lists)
def test_appends_report_every_perfect_subtree_once_when_it_completes(leaves: list[bytes]) -> None:
    tree = merkle.MerkleAccumulator()
    reported: dict[tuple[int, int], bytes] = {}
    for position, data in enumerate(leaves):
        rows = tree.append_returning_nodes(ref_leaf(data))
        assert rows[0] == (0, position, ref_leaf(data))
        for row in rows:
            assert row.node not in reported
            # A subtree is reported by the append of its last leaf, with its true hash.
            assert row.node.leaves.stop - 1 == position
            assert row.hash == ref_mth(leaves[row.node.leaves.start : row.node.leaves.stop])
            reported[row.node] = row.hash
    size = len(leaves)
    every_perfect_node = {
        (level, index) for level in range(size.bit_length()) for index in range(size >> level)
    }
    assert set(reported) == every_perfect_node
    # What a store kept is enough for proofs and roots at every earlier size.
    for earlier in range(1, size + 1):
        assert merkle.root_from_nodes(lambda lv, i: reported[lv, i], earlier) == ref_mth(
            leaves[:earlier]
        )


def test_stored_nodes_serve_proofs_that_verify() -> None:
    leaves = [b"entry %d" % i for i in range(300)]
    tree = merkle.MerkleAccumulator()
    stored: dict[tuple[int, int], bytes] = {}
    for data in leaves:
        stored.update((row.node, row.hash) for row in tree.append_returning_nodes(ref_leaf(data)))
    root = tree.root()
    for index in range(0, 300, 7):
        proof = merkle.inclusion_proof_from_nodes(lambda lv, i: stored[lv, i], index, 300)
        assert proof == merkle.inclusion_proof(leaves, index, 300)
        merkle.verify_inclusion(ref_leaf(leaves[index]), index, 300, proof, root)
    for old in (1, 2, 3, 64, 100, 255, 256, 299, 300):
        proof = merkle.consistency_proof_from_nodes(lambda lv, i: stored[lv, i], old, 300)
        assert proof == merkle.consistency_proof(leaves, old, 300)
        merkle.verify_consistency(old, 300, ref_mth(leaves[:old]), root, proof)


@given(leaf_lists, leaf_lists)
def test_save_and_restore_round_trip(before: list[bytes], after: list[bytes]) -> None:
    tree = merkle.MerkleAccumulator()
    tree.extend(ref_leaf(x) for x in before)
    size, frontier = tree.size, tree.frontier
    restored = merkle.MerkleAccumulator.restore(size, list(frontier))
    assert restored == tree
    assert restored.root() == tree.root()
    for data in after:
        tree.append(ref_leaf(data))
        restored.append(ref_leaf(data))
    assert restored == tree
    assert restored.root() == ref_mth(before + after)


@given(leaf_lists)
def test_restore_from_stored_nodes(leaves: list[bytes]) -> None:
    stored: dict[tuple[int, int], bytes] = {}
    tree = merkle.MerkleAccumulator()
    for data in leaves:
        stored.update((row.node, row.hash) for row in tree.append_returning_nodes(ref_leaf(data)))
    again = merkle.MerkleAccumulator.from_nodes(lambda lv, i: stored[lv, i], len(leaves))
    assert again == tree


@given(leaf_lists)
def test_append_extend_and_reporting_append_agree(leaves: list[bytes]) -> None:
    one, many, reporting = (merkle.MerkleAccumulator() for _ in range(3))
    for data in leaves:
        one.append(ref_leaf(data))
        reporting.append_returning_nodes(ref_leaf(data))
    many.extend([ref_leaf(x) for x in leaves])
    assert one == many == reporting


def test_copy_is_independent() -> None:
    tree = merkle.MerkleAccumulator()
    tree.append(ref_leaf(b"a"))
    twin = tree.copy()
    twin.append(ref_leaf(b"b"))
    assert tree.size == 1
    assert twin.size == 2
    assert tree != twin
    assert tree.root() == ref_mth([b"a"])


def test_equality_hash_and_repr() -> None:
    tree = merkle.MerkleAccumulator()
    assert tree == merkle.MerkleAccumulator()
    assert tree != "a tree"
    with pytest.raises(TypeError):
        hash(tree)
    tree.append(ref_leaf(b"a"))
    assert repr(tree) == f"MerkleAccumulator(size=1, root={ref_leaf(b'a').hex()!r})"


@pytest.mark.parametrize("bad", [b"short", bytes(33), "0" * 32, None, 7])
def test_appending_something_that_is_not_a_hash_is_an_input_error(bad: object) -> None:
    tree = merkle.MerkleAccumulator()
    tree.append(ref_leaf(b"a"))
    with pytest.raises(InputError):
        tree.append(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        tree.append_returning_nodes(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError) as info:
        tree.extend([ref_leaf(b"b"), bad])  # type: ignore[list-item]
    assert info.value.path == "leaf_hashes[1]"
    # The good leaf before the bad one stays, and the state is consistent.
    assert tree.size == 2
    assert tree.root() == ref_mth([b"a", b"b"])


def test_other_byte_types_are_accepted_as_leaf_hashes() -> None:
    tree = merkle.MerkleAccumulator()
    tree.append(bytearray(ref_leaf(b"a")))  # type: ignore[arg-type]
    tree.append_returning_nodes(memoryview(ref_leaf(b"b")))  # type: ignore[arg-type]
    tree.extend([bytearray(ref_leaf(b"c"))])  # type: ignore[list-item]
    assert tree.root() == ref_mth([b"a", b"b", b"c"])
    assert all(type(h) is bytes for h in tree.frontier)


def test_a_full_tree_takes_no_more_leaves() -> None:
    size = merkle.MAX_TREE_SIZE
    tree = merkle.MerkleAccumulator.restore(size, [bytes(32)] * size.bit_count())
    for append in (tree.append, tree.append_returning_nodes, lambda h: tree.extend([h])):
        with pytest.raises(InputError, match="full"):
            append(bytes(32))
    assert tree.size == size


@pytest.mark.parametrize(
    ("size", "frontier", "message"),
    [
        (3, [bytes(32)], "has 2 frontier hashes, got 1"),
        (0, [bytes(32)], "has 0 frontier hashes, got 1"),
        (1, [], "has 1 frontier hashes, got 0"),
        (2, [bytes(31)], "32-byte"),
        (2, ["x" * 32], "expected bytes"),
        (2, bytes(32), "sequence of hashes"),
        (2, None, "sequence of hashes"),
        (-1, [], "integer from 0 to"),
        (True, [bytes(32)], "not a bool"),
        (2**63, [bytes(32)], "integer from 0 to"),
    ],
)
def test_restore_rejects_a_state_that_cannot_be(size: int, frontier: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        merkle.MerkleAccumulator.restore(size, frontier)  # type: ignore[arg-type]


class AccumulatorAgainstTheDefinition(RuleBasedStateMachine):
    """Appends, saves and restores in any order never drift from RFC 6962."""

    def __init__(self) -> None:
        super().__init__()
        self.tree = merkle.MerkleAccumulator()
        self.leaves: list[bytes] = []

    @rule(data=st.binary(max_size=8))
    def append(self, data: bytes) -> None:
        self.tree.append(ref_leaf(data))
        self.leaves.append(data)

    @rule(data=st.lists(st.binary(max_size=8), max_size=20))
    def extend(self, data: list[bytes]) -> None:
        self.tree.extend(ref_leaf(x) for x in data)
        self.leaves.extend(data)

    @rule()
    def save_and_restore(self) -> None:
        self.tree = merkle.MerkleAccumulator.restore(self.tree.size, self.tree.frontier)

    @invariant()
    def root_is_the_merkle_tree_hash(self) -> None:
        assert self.tree.size == len(self.leaves)
        assert self.tree.root() == ref_mth(self.leaves)


AccumulatorAgainstTheDefinition.TestCase.settings = settings(
    max_examples=40, stateful_step_count=30
)
TestAccumulatorAgainstTheDefinition = AccumulatorAgainstTheDefinition.TestCase

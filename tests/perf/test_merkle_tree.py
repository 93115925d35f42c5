"""``MerkleTree`` keeps every subtree in flat buffers; its answers equal the plain ones.

The plain path is the module's proofs from raw leaves (``root_hash``, ``inclusion_proof``,
``consistency_proof``), themselves tested against RFC 6962 in ``tests/test_merkle.py``.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import InputError, merkle
from legaldelivery.log.memory import MemoryStore
from legaldelivery.log.store import AppendBatch

LEAVES = [b"leaf %d" % i for i in range(70)]


def tree_of(leaves: list[bytes]) -> merkle.MerkleTree:
    tree = merkle.MerkleTree()
    for leaf in leaves:
        tree.append(merkle.leaf_hash(leaf))
    return tree


def test_every_size_index_and_old_size_up_to_70() -> None:
    tree = tree_of(LEAVES)
    for size in range(len(LEAVES) + 1):
        assert tree.root(size) == merkle.root_hash(LEAVES[:size])
        for index in range(size):
            assert tree.inclusion_proof(index, size) == merkle.inclusion_proof(LEAVES, index, size)
        for old in range(1, size + 1):
            assert tree.consistency_proof(old, size) == merkle.consistency_proof(LEAVES, old, size)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), count=st.integers(1, 600))
def test_random_trees_agree(data: st.DataObject, count: int) -> None:
    leaves = [b"%d" % i for i in range(count)]
    tree = merkle.MerkleTree()
    split = data.draw(st.integers(0, count), label="split")
    tree.extend(merkle.leaf_hash(x) for x in leaves[:split])
    for leaf in leaves[split:]:
        tree.append(merkle.leaf_hash(leaf))
    assert tree.size == count
    index = data.draw(st.integers(0, count - 1), label="index")
    size = data.draw(st.integers(index + 1, count), label="size")
    old = data.draw(st.integers(1, size), label="old")
    assert tree.root() == merkle.root_hash(leaves)
    assert tree.inclusion_proof(index, size) == merkle.inclusion_proof(leaves, index, size)
    assert tree.consistency_proof(old) == merkle.consistency_proof(leaves, old, count)
    merkle.verify_inclusion(
        merkle.leaf_hash(leaves[index]),
        index,
        size,
        tree.inclusion_proof(index, size),
        tree.root(size),
    )


def test_the_tree_agrees_with_the_accumulator_row_by_row() -> None:
    tree = merkle.MerkleTree()
    accumulator = merkle.MerkleAccumulator()
    for leaf in LEAVES:
        digest = merkle.leaf_hash(leaf)
        tree.append(digest)
        for level, index, node in accumulator.append_returning_nodes(digest):
            assert tree.node(level, index) == node
    assert tree.root() == accumulator.root()


def test_it_holds_about_64_bytes_per_leaf() -> None:
    tree = tree_of([b"%d" % i for i in range(4096)])
    held = sum(len(level) for level in tree._levels)
    assert held == (2 * 4096 - 1) * merkle.HASH_SIZE


def test_bad_arguments() -> None:
    tree = tree_of(LEAVES[:5])
    with pytest.raises(InputError, match="32-byte"):
        tree.append(b"short")
    with pytest.raises(InputError, match="at most 5"):
        tree.root(6)
    with pytest.raises(InputError):
        tree.inclusion_proof(5)
    with pytest.raises(InputError):
        tree.consistency_proof(0)
    with pytest.raises(InputError, match="no complete subtree"):
        tree.node(1, 2)
    with pytest.raises(InputError, match="no complete subtree"):
        tree.node(9, 0)
    before = tree.size
    with pytest.raises(InputError, match=r"leaf_hashes\[1\]"):
        tree.extend([merkle.leaf_hash(b"x"), b"bad"])
    assert tree.size == before + 1  # the good one before the bad one stays
    assert tree.root() == merkle.root_hash([*LEAVES[:5], b"x"])
    assert repr(tree).startswith("MerkleTree(size=6, root=")


def test_plans_still_check_node_ids_that_are_not_plain() -> None:
    with pytest.raises(InputError):
        merkle.ProofPlan(nodes=(merkle.NodeId("1", 0),))  # type: ignore[arg-type]
    plan = merkle.ProofPlan(nodes=[(0, 1), (1, 1)])
    assert plan.nodes == (merkle.NodeId(0, 1), merkle.NodeId(1, 1))
    assert all(type(node) is merkle.NodeId for node in plan.nodes)


def test_assembling_checks_each_supplied_hash() -> None:
    plan = merkle.inclusion_proof_plan(0, 2)
    digest = merkle.leaf_hash(b"b")
    assert plan.assemble({(0, 1): bytearray(digest)}) == [digest]
    with pytest.raises(InputError, match="node 0/1"):
        plan.assemble({(0, 1): b"short"})


def test_the_memory_store_refuses_nodes_that_are_not_hashes() -> None:
    store = MemoryStore(origin="court.example/memory")
    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    for nodes, message in (
        ({(0, 0): b"short"}, "32-byte SHA-256 hash"),
        ({(0, -1): bytes(32)}, r"node \(0, -1\) is not completed"),
    ):
        batch = AppendBatch(entries=[(0, b"{}")], nodes=nodes, last_time=now, last_signer="k")
        with pytest.raises(InputError, match=message):
            store.append_batch(lambda _head, _store, batch=batch: (batch, None))
        assert store.size() == 0


def test_a_full_tree_takes_no_more_leaves() -> None:
    tree = merkle.MerkleTree()
    tree._size = merkle.MAX_TREE_SIZE  # unreachable by appending: 2**63 - 1 leaves
    with pytest.raises(InputError, match="full"):
        tree.append(merkle.leaf_hash(b"x"))
    with pytest.raises(InputError, match="full"):
        tree.extend([merkle.leaf_hash(b"x")])
    assert tree.size == merkle.MAX_TREE_SIZE

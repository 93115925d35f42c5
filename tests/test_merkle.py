"""Merkle hashing, proofs and verification against RFC 6962 written out naively here."""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from legaldelivery import merkle
from legaldelivery.errors import InputError, ProofError

# --- a naive reference, straight from RFC 6962 section 2.1 -------------------------------
# Recursive and slow on purpose: it shares no code or shortcut with the module under test.


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@functools.cache
def ref_mth(leaves: tuple[bytes, ...]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return ref_leaf(leaves[0])
    k = ref_split(len(leaves))
    return ref_node(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: tuple[bytes, ...]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = ref_split(len(leaves))
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: tuple[bytes, ...], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [ref_mth(leaves)]
    k = ref_split(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], complete), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: tuple[bytes, ...]) -> list[bytes]:
    return ref_subproof(m, leaves, True)


def ref_root_from_path(leaf: bytes, m: int, n: int, proof: Sequence[bytes]) -> bytes | None:
    """Undo the PATH recursion: the root a proof gives, or None if it has the wrong shape."""
    if n == 1:
        return None if proof else leaf
    if not proof:
        return None
    k = ref_split(n)
    if m < k:
        inner = ref_root_from_path(leaf, m, k, proof[:-1])
        return None if inner is None else ref_node(inner, proof[-1])
    inner = ref_root_from_path(leaf, m - k, n - k, proof[:-1])
    return None if inner is None else ref_node(proof[-1], inner)


def ref_accepts_inclusion(leaf: bytes, m: int, n: int, proof: Sequence[bytes], root: bytes) -> bool:
    hashes = [leaf, root, *proof]
    if not 0 <= m < n or any(len(h) != 32 for h in hashes):
        return False
    return ref_root_from_path(leaf, m, n, proof) == root


def ref_accepts_consistency(
    m: int, n: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Undo the SUBPROOF recursion, rebuilding both the old and the new root."""
    if not 0 < m <= n or any(len(h) != 32 for h in (old_root, new_root, *proof)):
        return False

    def rebuild(m: int, n: int, complete: bool, proof: Sequence[bytes]) -> tuple[bytes, ...]:
        if m == n:
            if complete:
                return (old_root, old_root) if not proof else ()
            return (proof[0], proof[0]) if len(proof) == 1 else ()
        if not proof:
            return ()
        k = ref_split(n)
        if m <= k:
            inner = rebuild(m, k, complete, proof[:-1])
            return inner and (inner[0], ref_node(inner[1], proof[-1]))
        inner = rebuild(m - k, n - k, False, proof[:-1])
        return inner and (ref_node(proof[-1], inner[0]), ref_node(proof[-1], inner[1]))

    return rebuild(m, n, True, proof) == (old_root, new_root)


# --- facts --------------------------------------------------------------------------------

# The eight test leaves used across Certificate Transparency implementations, and the
# published RFC 6962 roots of their first n leaves, n = 0..8.
STANDARD_LEAVES = tuple(
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
)
PUBLISHED_ROOTS = tuple(
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
)

# 64 distinct leaves for the sweeps, starting with the standard eight.
SWEEP_LEAVES = STANDARD_LEAVES + tuple(b"sweep leaf %d" % i for i in range(8, 64))
SWEEP_SIZES = range(1, len(SWEEP_LEAVES) + 1)


def ref_node_at(leaves: Sequence[bytes], level: int, index: int, size: int) -> bytes:
    """A perfect subtree's hash, checking that it really is perfect and inside the tree."""
    first, stop = index << level, (index + 1) << level
    assert level >= 0
    assert first >= 0
    assert stop <= size, f"node {level}/{index} is not a perfect subtree of a tree of {size}"
    return ref_mth(tuple(leaves[first:stop]))


class CountingStore:
    """A node source that records every node asked for."""

    def __init__(self, leaves: Sequence[bytes], size: int) -> None:
        self.leaves, self.size = leaves, size
        self.calls: list[tuple[int, int]] = []

    def __call__(self, level: int, index: int) -> bytes:
        self.calls.append((level, index))
        return ref_node_at(self.leaves, level, index, self.size)


def flip(data: bytes, bit: int) -> bytes:
    mutable = bytearray(data)
    mutable[bit // 8] ^= 1 << (bit % 8)
    return bytes(mutable)


# --- hashing --------------------------------------------------------------------------------


@given(st.binary(max_size=300))
def test_leaf_hash_is_sha256_of_0x00_and_data(data: bytes) -> None:
    assert merkle.leaf_hash(data) == hashlib.sha256(b"\x00" + data).digest()
    assert merkle.leaf_hash(bytearray(data)) == merkle.leaf_hash(data)  # type: ignore[arg-type]
    assert merkle.leaf_hash(memoryview(data)) == merkle.leaf_hash(data)  # type: ignore[arg-type]


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_node_hash_is_sha256_of_0x01_and_children(left: bytes, right: bytes) -> None:
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


def test_constants() -> None:
    assert merkle.HASH_SIZE == 32
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert merkle.MAX_TREE_SIZE == 2**63 - 1


@pytest.mark.parametrize("bad", ["text", 5, None, [b"x"]])
def test_leaf_hash_rejects_non_bytes(bad: object) -> None:
    with pytest.raises(InputError, match="leaf data must be bytes"):
        merkle.leaf_hash(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("left", "right", "path"),
    [
        (bytes(31), bytes(32), "left"),
        (bytes(32), bytes(33), "right"),
        ("0" * 32, bytes(32), "left"),
        (bytes(32), None, "right"),
    ],
)
def test_node_hash_rejects_bad_children(left: object, right: object, path: str) -> None:
    with pytest.raises(InputError) as info:
        merkle.node_hash(left, right)  # type: ignore[arg-type]
    assert info.value.path == path


# --- roots --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(9))
def test_published_roots_of_the_standard_leaves(size: int) -> None:
    leaves = STANDARD_LEAVES[:size]
    assert ref_mth(leaves) == PUBLISHED_ROOTS[size]  # the reference itself is right
    assert merkle.root_hash(list(leaves)) == PUBLISHED_ROOTS[size]
    assert merkle.root_hash(leaves) == PUBLISHED_ROOTS[size]


@pytest.mark.parametrize("size", range(len(SWEEP_LEAVES) + 1))
def test_root_hash_and_root_from_nodes_match_mth(size: int) -> None:
    leaves = SWEEP_LEAVES[:size]
    store = CountingStore(SWEEP_LEAVES, size)
    assert merkle.root_hash(leaves) == ref_mth(leaves)
    assert merkle.root_from_nodes(store, size) == ref_mth(leaves)
    assert len(store.calls) == size.bit_count()


@given(st.lists(st.binary(max_size=40), max_size=150))
def test_root_hash_matches_mth(leaves: list[bytes]) -> None:
    assert merkle.root_hash(leaves) == ref_mth(tuple(leaves))


def test_root_hash_accepts_any_iterable_of_bytes() -> None:
    leaves = [b"a", bytearray(b"b"), memoryview(b"c")]
    assert merkle.root_hash(iter(leaves)) == ref_mth((b"a", b"b", b"c"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("leaves", "path"),
    [
        (b"not a list", "leaves"),
        ("text", "leaves"),
        (None, "leaves"),
        (42, "leaves"),
        ([b"a", "b"], "leaves[1]"),
        ([b"a", b"b", None], "leaves[2]"),
        (iter([b"a", 7]), "leaves[1]"),
    ],
)
def test_root_hash_rejects_what_is_not_leaf_data(leaves: object, path: str) -> None:
    with pytest.raises(InputError) as info:
        merkle.root_hash(leaves)  # type: ignore[arg-type]
    assert info.value.path == path


def test_root_hash_reports_a_sequence_that_fails_while_being_read() -> None:
    class Flaky(Sequence[bytes]):
        """Raises TypeError on its first read of item 1 only: no leaf is to blame."""

        def __init__(self) -> None:
            self.failed = False

        def __len__(self) -> int:
            return 2

        def __getitem__(self, item: int) -> bytes:  # type: ignore[override]
            if item >= 2:
                raise IndexError(item)
            if item == 1 and not self.failed:
                self.failed = True
                raise TypeError("transient")
            return b"leaf"

    with pytest.raises(InputError, match="expected a sequence of bytes"):
        merkle.root_hash(Flaky())


def test_frontier_nodes_cover_the_tree_left_to_right() -> None:
    for size in range(200):
        covered: list[int] = []
        for node in merkle.frontier_nodes(size):
            covered.extend(node.leaves)
        assert covered == list(range(size))
        assert len(merkle.frontier_nodes(size)) == size.bit_count()


# --- the RFC 6962 section 2.1.3 example tree -------------------------------------------------
# Seven leaves d0..d6; a..f are the leaf hashes of d0..d5, j the leaf hash of d6,
# g = (a, b), h = (c, d), i = (e, f), k = (g, h), l = (i, j).


def rfc_example() -> dict[str, bytes]:
    d = STANDARD_LEAVES[:7]
    names = dict(zip("abcdef", (ref_leaf(x) for x in d[:6]), strict=True))
    names["j"] = ref_leaf(d[6])
    names["g"] = ref_node(names["a"], names["b"])
    names["h"] = ref_node(names["c"], names["d"])
    names["i"] = ref_node(names["e"], names["f"])
    names["k"] = ref_node(names["g"], names["h"])
    names["l"] = ref_node(names["i"], names["j"])
    return names


@pytest.mark.parametrize(("leaf", "path"), [(0, "bhl"), (3, "cgl"), (4, "fjk"), (6, "ik")])
def test_rfc6962_example_audit_paths(leaf: int, path: str) -> None:
    names = rfc_example()
    leaves = STANDARD_LEAVES[:7]
    expected = [names[x] for x in path]
    assert merkle.inclusion_proof(leaves, leaf, 7) == expected
    root = ref_node(names["k"], names["l"])
    merkle.verify_inclusion(ref_leaf(leaves[leaf]), leaf, 7, expected, root)


@pytest.mark.parametrize(("old", "proof"), [(3, "cdgl"), (4, "l"), (6, "ijk")])
def test_rfc6962_example_consistency_proofs(old: int, proof: str) -> None:
    names = rfc_example()
    leaves = STANDARD_LEAVES[:7]
    expected = [names[x] for x in proof]
    assert merkle.consistency_proof(leaves, old, 7) == expected
    new_root = ref_node(names["k"], names["l"])
    merkle.verify_consistency(old, 7, ref_mth(leaves[:old]), new_root, expected)


# --- exhaustive sweeps -----------------------------------------------------------------------


def _node_bound(size: int) -> int:
    return 2 * size.bit_length() + 1


def test_every_inclusion_proof_up_to_64_leaves() -> None:
    checked = 0
    for size in SWEEP_SIZES:
        prefix = SWEEP_LEAVES[:size]
        root = ref_mth(prefix)
        for index in range(size):
            expected = ref_path(index, prefix)
            assert merkle.inclusion_proof(SWEEP_LEAVES, index, size) == expected, (index, size)

            store = CountingStore(SWEEP_LEAVES, size)
            assert merkle.inclusion_proof_from_nodes(store, index, size) == expected
            plan = merkle.inclusion_proof_plan(index, size)
            assert store.calls == list(plan.nodes)
            assert len(set(store.calls)) == len(store.calls) <= _node_bound(size)
            assert plan.proof_length == len(expected)
            stored = {node: ref_node_at(SWEEP_LEAVES, *node, size) for node in plan.nodes}
            assert plan.assemble(stored) == expected

            leaf = ref_leaf(SWEEP_LEAVES[index])
            merkle.verify_inclusion(leaf, index, size, expected, root)
            assert merkle.root_from_inclusion_proof(leaf, index, size, expected) == root
            assert ref_accepts_inclusion(leaf, index, size, expected, root)
            checked += 1
    assert checked == 64 * 65 // 2


def test_every_consistency_proof_up_to_64_leaves() -> None:
    checked = 0
    for new in SWEEP_SIZES:
        prefix = SWEEP_LEAVES[:new]
        new_root = ref_mth(prefix)
        for old in range(1, new + 1):
            expected = ref_proof(old, prefix)
            assert merkle.consistency_proof(SWEEP_LEAVES, old, new) == expected, (old, new)

            store = CountingStore(SWEEP_LEAVES, new)
            assert merkle.consistency_proof_from_nodes(store, old, new) == expected
            plan = merkle.consistency_proof_plan(old, new)
            assert store.calls == list(plan.nodes)
            assert len(set(store.calls)) == len(store.calls) <= _node_bound(new)
            assert plan.proof_length == len(expected)
            stored = {node: ref_node_at(SWEEP_LEAVES, *node, new) for node in plan.nodes}
            assert plan.assemble(stored) == expected

            old_root = ref_mth(prefix[:old])
            merkle.verify_consistency(old, new, old_root, new_root, expected)
            assert ref_accepts_consistency(old, new, old_root, new_root, expected)
            checked += 1
    assert checked == 64 * 65 // 2


def _inclusion_variants(proof: list[bytes], filler: bytes) -> list[list[bytes]]:
    """Every single-element modification of a proof: flips, drops, inserts, swaps."""
    variants = []
    for position in range(len(proof)):
        for bit in (0, 7, 128, 255):
            variants.append([*proof[:position], flip(proof[position], bit), *proof[position + 1 :]])
        variants.append(proof[:position] + proof[position + 1 :])
        variants.append([*proof[:position], proof[position][:31], *proof[position + 1 :]])
    for position in range(len(proof) + 1):
        variants.append([*proof[:position], filler, *proof[position:]])
    for first in range(len(proof)):
        for second in range(first + 1, len(proof)):
            swapped = list(proof)
            swapped[first], swapped[second] = swapped[second], swapped[first]
            variants.append(swapped)
    return variants


def test_every_modified_inclusion_proof_up_to_24_leaves_fails() -> None:
    rejected = 0
    for size in range(1, 25):
        prefix = SWEEP_LEAVES[:size]
        root = ref_mth(prefix)
        for index in range(size):
            proof = ref_path(index, prefix)
            leaf = ref_leaf(prefix[index])
            for bad in _inclusion_variants(proof, root):
                with pytest.raises(ProofError):
                    merkle.verify_inclusion(leaf, index, size, bad, root)
                rejected += 1
            for other in range(-1, size + 2):
                if other != index:
                    with pytest.raises(ProofError):
                        merkle.verify_inclusion(leaf, other, size, proof, root)
                    rejected += 1
            for bit in (0, 100, 255):
                with pytest.raises(ProofError):
                    merkle.verify_inclusion(flip(leaf, bit), index, size, proof, root)
                with pytest.raises(ProofError):
                    merkle.verify_inclusion(leaf, index, size, proof, flip(root, bit))
                rejected += 2
            for other_size in (0, size - 1, size + 1, size * 2, size // 2, 2**63 - 1):
                # A size only binds together with its root (RFC 6962 signs them together):
                # the verifier must agree with the recursive definition, and a size whose
                # proof has another shape must fail.
                accepted = ref_accepts_inclusion(leaf, index, other_size, proof, root)
                if accepted:
                    merkle.verify_inclusion(leaf, index, other_size, proof, root)
                else:
                    with pytest.raises(ProofError):
                        merkle.verify_inclusion(leaf, index, other_size, proof, root)
                    rejected += 1
    assert rejected > 19_000


def test_every_modified_consistency_proof_up_to_24_leaves_fails() -> None:
    rejected = 0
    for new in range(1, 25):
        prefix = SWEEP_LEAVES[:new]
        new_root = ref_mth(prefix)
        for old in range(1, new + 1):
            proof = ref_proof(old, prefix)
            old_root = ref_mth(prefix[:old])
            for bad in _inclusion_variants(proof, new_root):
                with pytest.raises(ProofError):
                    merkle.verify_consistency(old, new, old_root, new_root, bad)
                rejected += 1
            for bit in (0, 100, 255):
                with pytest.raises(ProofError):
                    merkle.verify_consistency(old, new, flip(old_root, bit), new_root, proof)
                with pytest.raises(ProofError):
                    merkle.verify_consistency(old, new, old_root, flip(new_root, bit), proof)
                rejected += 2
            if old != new:
                with pytest.raises(ProofError):
                    merkle.verify_consistency(old, new, new_root, old_root, proof)
                rejected += 1
            for other_old, other_new in (
                (old - 1, new),
                (old + 1, new),
                (old ^ 2, new),
                (old, new - 1),
                (old, new + 1),
                (old, new * 2),
                (old, new // 2),
                (new, old),
            ):
                accepted = ref_accepts_consistency(other_old, other_new, old_root, new_root, proof)
                if accepted:
                    merkle.verify_consistency(other_old, other_new, old_root, new_root, proof)
                else:
                    with pytest.raises(ProofError):
                        merkle.verify_consistency(other_old, other_new, old_root, new_root, proof)
                    rejected += 1
    assert rejected > 8_000


def test_inclusion_size_is_bound_only_together_with_the_root() -> None:
    """RFC 6962 property worth knowing: for leaf 0 the proofs in trees of 5 and 6 leaves
    have the same shape, so a tree-of-5 proof and root also verify when called a tree of 6.
    Only the signed (size, root) pair of a checkpoint ties a size to its root."""
    prefix = SWEEP_LEAVES[:5]
    proof = ref_path(0, prefix)
    assert ref_accepts_inclusion(ref_leaf(prefix[0]), 0, 6, proof, ref_mth(prefix))
    merkle.verify_inclusion(ref_leaf(prefix[0]), 0, 6, proof, ref_mth(prefix))
    with pytest.raises(ProofError):
        merkle.verify_inclusion(ref_leaf(prefix[0]), 0, 6, proof, ref_mth(SWEEP_LEAVES[:6]))


# --- large trees, through the node callback ----------------------------------------------
# A tree whose leaves are all equal has one hash per level, so proofs for sizes up to 2**63
# can be built and checked without building the tree.

_EQUAL_LEAF = ref_leaf(b"same")
_LEVEL_HASH = [_EQUAL_LEAF]
for _ in range(64):
    _LEVEL_HASH.append(ref_node(_LEVEL_HASH[-1], _LEVEL_HASH[-1]))


def ref_equal_leaves_root(n: int) -> bytes:
    """MTH of n equal leaves by the RFC recursion, with the perfect halves looked up."""
    if n & (n - 1) == 0:
        return _LEVEL_HASH[n.bit_length() - 1]
    k = ref_split(n)
    return ref_node(_LEVEL_HASH[k.bit_length() - 1], ref_equal_leaves_root(n - k))


class EqualLeavesStore:
    def __init__(self, size: int) -> None:
        self.size = size
        self.calls = 0

    def __call__(self, level: int, index: int) -> bytes:
        self.calls += 1
        assert 0 <= level <= 63
        assert index >= 0
        assert (index + 1) << level <= self.size
        return _LEVEL_HASH[level]


tree_sizes = st.integers(min_value=1, max_value=merkle.MAX_TREE_SIZE)


@given(st.data(), tree_sizes)
def test_inclusion_proofs_in_huge_trees(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    store = EqualLeavesStore(size)
    proof = merkle.inclusion_proof_from_nodes(store, index, size)
    assert store.calls <= _node_bound(size)
    root = merkle.root_from_nodes(EqualLeavesStore(size), size)
    assert root == ref_equal_leaves_root(size)
    merkle.verify_inclusion(_EQUAL_LEAF, index, size, proof, root)
    assert ref_accepts_inclusion(_EQUAL_LEAF, index, size, proof, root)
    if proof:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(_EQUAL_LEAF, index, size, proof[:-1], root)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(_EQUAL_LEAF, index, size, [*proof, root], root)


@given(st.data(), tree_sizes)
def test_consistency_proofs_in_huge_trees(data: st.DataObject, new: int) -> None:
    old = data.draw(st.integers(min_value=1, max_value=new), label="old")
    store = EqualLeavesStore(new)
    proof = merkle.consistency_proof_from_nodes(store, old, new)
    assert store.calls <= _node_bound(new)
    old_root, new_root = ref_equal_leaves_root(old), ref_equal_leaves_root(new)
    merkle.verify_consistency(old, new, old_root, new_root, proof)
    assert ref_accepts_consistency(old, new, old_root, new_root, proof)
    if proof:
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, old_root, new_root, proof[1:])


# --- mutations on random trees ------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn, min_size: int = 1, max_size: int = 300) -> list[bytes]:
    size = draw(st.integers(min_value=min_size, max_value=max_size), label="size")
    salt = draw(st.binary(max_size=8), label="salt")
    # Distinct leaves: with duplicates a proof for one copy honestly proves the other.
    return [salt + b"%d" % i for i in range(size)]


@settings(max_examples=150)
@given(trees(), st.data())
def test_any_single_change_breaks_an_inclusion_proof(
    leaves: list[bytes], data: st.DataObject
) -> None:
    size = len(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    proof = merkle.inclusion_proof(leaves, index, size)
    root = merkle.root_hash(leaves)
    leaf = merkle.leaf_hash(leaves[index])
    merkle.verify_inclusion(leaf, index, size, proof, root)

    kind = data.draw(
        st.sampled_from(["flip", "root", "leaf", "drop", "insert", "swap", "index", "size"]),
        label="kind",
    )
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    args: list[object] = [leaf, index, size, list(proof), root]
    if kind == "flip":
        assume(proof)
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="at")
        args[3] = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
    elif kind == "root":
        args[4] = flip(root, bit)
    elif kind == "leaf":
        args[0] = flip(leaf, bit)
    elif kind == "drop":
        assume(proof)
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="at")
        args[3] = proof[:at] + proof[at + 1 :]
    elif kind == "insert":
        at = data.draw(st.integers(min_value=0, max_value=len(proof)), label="at")
        extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
        args[3] = [*proof[:at], extra, *proof[at:]]
    elif kind == "swap":
        assume(len(proof) >= 2)
        first, second = data.draw(
            st.lists(
                st.integers(min_value=0, max_value=len(proof) - 1),
                min_size=2,
                max_size=2,
                unique=True,
            ),
            label="swap",
        )
        proof[first], proof[second] = proof[second], proof[first]
        args[3] = proof
    elif kind == "index":
        args[1] = data.draw(
            st.integers(min_value=-(2**64), max_value=2**64).filter(lambda i: i != index),
            label="other index",
        )
    else:
        other = data.draw(
            st.integers(min_value=-(2**64), max_value=2**64).filter(lambda n: n != size),
            label="other size",
        )
        args[2] = other
        if ref_accepts_inclusion(leaf, index, other, proof, root):
            merkle.verify_inclusion(*args)  # type: ignore[arg-type]
            return
    with pytest.raises(ProofError):
        merkle.verify_inclusion(*args)  # type: ignore[arg-type]


@settings(max_examples=150)
@given(trees(min_size=2), st.data())
def test_any_single_change_breaks_a_consistency_proof(
    leaves: list[bytes], data: st.DataObject
) -> None:
    new = len(leaves)
    old = data.draw(st.integers(min_value=1, max_value=new - 1), label="old")
    proof = merkle.consistency_proof(leaves, old, new)
    old_root, new_root = merkle.root_hash(leaves[:old]), merkle.root_hash(leaves)
    merkle.verify_consistency(old, new, old_root, new_root, proof)

    kind = data.draw(
        st.sampled_from(["flip", "old_root", "new_root", "drop", "insert", "swap", "sizes"]),
        label="kind",
    )
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    args: list[object] = [old, new, old_root, new_root, list(proof)]
    if kind == "flip":
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="at")
        args[4] = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
    elif kind == "old_root":
        args[2] = flip(old_root, bit)
    elif kind == "new_root":
        args[3] = flip(new_root, bit)
    elif kind == "drop":
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="at")
        args[4] = proof[:at] + proof[at + 1 :]
    elif kind == "insert":
        at = data.draw(st.integers(min_value=0, max_value=len(proof)), label="at")
        extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
        args[4] = [*proof[:at], extra, *proof[at:]]
    elif kind == "swap":
        assume(len(proof) >= 2)
        first, second = data.draw(
            st.lists(
                st.integers(min_value=0, max_value=len(proof) - 1),
                min_size=2,
                max_size=2,
                unique=True,
            ),
            label="swap",
        )
        proof[first], proof[second] = proof[second], proof[first]
        args[4] = proof
    else:
        sizes = st.integers(min_value=-(2**64), max_value=2**64)
        other_old, other_new = data.draw(
            st.tuples(sizes, sizes).filter(lambda s: s != (old, new)), label="sizes"
        )
        args[0], args[1] = other_old, other_new
        if ref_accepts_consistency(other_old, other_new, old_root, new_root, proof):
            merkle.verify_consistency(*args)  # type: ignore[arg-type]
            return
    with pytest.raises(ProofError):
        merkle.verify_consistency(*args)  # type: ignore[arg-type]


# --- who is at fault: malformed arguments vs evidence that does not verify ------------------

H = bytes(range(32))
ODD_NUMBERS = [-1, -(2**63), 2**63, 2**64 - 1, 2**64, 10**5000, -(10**5000)]
ODD_IDS = ["-1", "-2**63", "2**63", "2**64-1", "2**64", "10**5000", "-10**5000"]


@pytest.mark.parametrize("number", ODD_NUMBERS, ids=ODD_IDS)
def test_verifiers_reject_out_of_range_numbers_as_proof_errors(number: int) -> None:
    with pytest.raises(ProofError, match="integer from 0 to"):
        merkle.verify_inclusion(H, number, 8, [H] * 3, H)
    with pytest.raises(ProofError, match="integer from 0 to"):
        merkle.verify_inclusion(H, 0, number, [H] * 3, H)
    with pytest.raises(ProofError, match="integer from 0 to"):
        merkle.verify_consistency(number, 8, H, H, [H])
    with pytest.raises(ProofError, match="integer from 0 to"):
        merkle.verify_consistency(1, number, H, H, [H])


@pytest.mark.parametrize("number", ODD_NUMBERS, ids=ODD_IDS)
def test_generators_reject_out_of_range_numbers_as_input_errors(number: int) -> None:
    leaves = [b"a", b"b"]
    get_node = CountingStore(leaves, 2)
    calls: list[Callable[[], object]] = [
        lambda: merkle.inclusion_proof(leaves, number, 2),
        lambda: merkle.inclusion_proof(leaves, 0, number),
        lambda: merkle.consistency_proof(leaves, number, 2),
        lambda: merkle.consistency_proof(leaves, 1, number),
        lambda: merkle.inclusion_proof_plan(number, 2),
        lambda: merkle.consistency_proof_plan(1, number),
        lambda: merkle.inclusion_proof_from_nodes(get_node, number, 2),
        lambda: merkle.consistency_proof_from_nodes(get_node, number, 2),
        lambda: merkle.root_from_nodes(get_node, number),
        lambda: merkle.frontier_nodes(number),
    ]
    for call in calls:
        with pytest.raises(InputError, match="integer from 0 to"):
            call()
    assert get_node.calls == []


@pytest.mark.parametrize("bad", [True, False, 1.0, "1", None, b"\x01"])
def test_numbers_of_the_wrong_type_are_input_errors(bad: object) -> None:
    with pytest.raises(InputError, match="expected an integer"):
        merkle.verify_inclusion(H, bad, 8, [H] * 3, H)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="expected an integer"):
        merkle.verify_consistency(1, bad, H, H, [H])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="expected an integer"):
        merkle.inclusion_proof([b"a"], 0, bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="expected an integer"):
        merkle.consistency_proof([b"a"], bad, 1)  # type: ignore[arg-type]


def test_integer_like_numbers_are_accepted() -> None:
    class Position:
        def __index__(self) -> int:
            return 1

    leaves = [b"a", b"b"]
    proof = merkle.inclusion_proof(leaves, Position(), 2)  # type: ignore[arg-type]
    merkle.verify_inclusion(
        ref_leaf(b"b"),
        Position(),  # type: ignore[arg-type]
        2,
        proof,
        ref_mth(tuple(leaves)),
    )


@pytest.mark.parametrize("length", [0, 1, 20, 31, 33, 64])
def test_hashes_of_the_wrong_length_are_proof_errors(length: int) -> None:
    leaves = SWEEP_LEAVES[:8]
    root = ref_mth(leaves)
    leaf = ref_leaf(leaves[5])
    proof = ref_path(5, leaves)
    odd = bytes(length)
    cases = [
        ((odd, 5, 8, proof, root), "leaf_hash"),
        ((leaf, 5, 8, proof, odd), "root"),
        ((leaf, 5, 8, [proof[0], odd, proof[2]], root), "proof[1]"),
    ]
    for args, path in cases:
        with pytest.raises(ProofError) as info:
            merkle.verify_inclusion(*args)
        assert info.value.path == path
    old_root = ref_mth(leaves[:3])
    consistency = ref_proof(3, leaves)
    consistency_cases: list[tuple[tuple[int, int, bytes, bytes, list[bytes]], str]] = [
        ((3, 8, odd, root, consistency), "old_root"),
        ((3, 8, old_root, odd, consistency), "new_root"),
        ((3, 8, old_root, root, [*consistency[:-1], odd]), f"proof[{len(consistency) - 1}]"),
        ((8, 8, odd, odd, []), "old_root"),
    ]
    for consistency_args, path in consistency_cases:
        with pytest.raises(ProofError) as info:
            merkle.verify_consistency(*consistency_args)
        assert info.value.path == path


@pytest.mark.parametrize("bad", ["ab" * 16, None, 12, [1] * 32])
def test_hashes_of_the_wrong_type_are_input_errors(bad: object) -> None:
    leaves = SWEEP_LEAVES[:4]
    root, leaf, proof = ref_mth(leaves), ref_leaf(leaves[0]), ref_path(0, leaves)
    with pytest.raises(InputError):
        merkle.verify_inclusion(bad, 0, 4, proof, root)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        merkle.verify_inclusion(leaf, 0, 4, proof, bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        merkle.verify_inclusion(leaf, 0, 4, [bad, proof[1]], root)  # type: ignore[list-item]
    with pytest.raises(InputError):
        merkle.verify_consistency(1, 4, bad, root, proof)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        merkle.verify_consistency(2, 4, leaf, root, [bad])  # type: ignore[list-item]


def test_other_byte_types_are_accepted_as_hashes() -> None:
    leaves = SWEEP_LEAVES[:4]
    root, leaf, proof = ref_mth(leaves), ref_leaf(leaves[1]), ref_path(1, leaves)
    other_types: list[object] = [memoryview(proof[0]), bytearray(proof[1])]
    merkle.verify_inclusion(
        bytearray(leaf),  # type: ignore[arg-type]
        1,
        4,
        other_types,  # type: ignore[arg-type]
        memoryview(root),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("bad", [None, b"\x00" * 64, "proof", 7, {H}])
def test_a_proof_that_is_not_a_sequence_is_an_input_error(bad: object) -> None:
    with pytest.raises(InputError, match="sequence of hashes"):
        merkle.verify_inclusion(H, 0, 2, bad, H)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="sequence of hashes"):
        merkle.verify_consistency(1, 2, H, H, bad)  # type: ignore[arg-type]


def test_proofs_as_tuples_verify() -> None:
    leaves = SWEEP_LEAVES[:5]
    merkle.verify_inclusion(ref_leaf(leaves[4]), 4, 5, tuple(ref_path(4, leaves)), ref_mth(leaves))
    merkle.verify_consistency(
        2, 5, ref_mth(leaves[:2]), ref_mth(leaves), tuple(ref_proof(2, leaves))
    )


def test_enormous_proofs_are_rejected_without_being_read() -> None:
    class Unreadable(list):  # type: ignore[type-arg]
        def __getitem__(self, item: object) -> bytes:  # type: ignore[override]
            raise AssertionError("an element was read")

        def __iter__(self) -> object:  # type: ignore[override]
            raise AssertionError("the proof was iterated")

    huge = Unreadable([H] * 10_000)
    with pytest.raises(ProofError, match="needs exactly 3 hashes, got 10000"):
        merkle.verify_inclusion(H, 0, 8, huge, H)
    with pytest.raises(ProofError, match="needs exactly 3 hashes, got 10000"):
        merkle.verify_consistency(1, 8, H, H, huge)


def test_long_but_plausible_proofs_fail_at_the_first_extra_element() -> None:
    with pytest.raises(ProofError, match="needs exactly 3 hashes, got 100"):
        merkle.verify_inclusion(H, 0, 8, [H] * 100, H)
    with pytest.raises(ProofError, match="needs exactly 3 hashes, got 100"):
        merkle.verify_consistency(1, 8, H, H, [H] * 100)


def test_inclusion_edge_rules() -> None:
    with pytest.raises(ProofError, match="below the tree size 0"):
        merkle.verify_inclusion(H, 0, 0, [], merkle.EMPTY_ROOT)
    with pytest.raises(ProofError, match="below the tree size 3"):
        merkle.verify_inclusion(H, 3, 3, [H, H], H)
    with pytest.raises(InputError, match="below the tree size 3"):
        merkle.inclusion_proof([b"a", b"b", b"c"], 3, 3)
    with pytest.raises(InputError, match="below the tree size 0"):
        merkle.inclusion_proof([], 0, 0)
    with pytest.raises(InputError, match="exceeds the 2 leaves given"):
        merkle.inclusion_proof([b"a", b"b"], 0, 3)
    with pytest.raises(InputError, match="sequence of leaves"):
        merkle.inclusion_proof(None, 0, 1)  # type: ignore[arg-type]
    with pytest.raises(InputError) as info:
        merkle.inclusion_proof([b"a", "b"], 0, 2)  # type: ignore[list-item]
    assert info.value.path == "leaves[1]"
    # A single-leaf tree: the empty proof, and its root is the leaf hash.
    merkle.verify_inclusion(ref_leaf(b"a"), 0, 1, [], ref_leaf(b"a"))
    with pytest.raises(ProofError, match="needs exactly 0 hashes, got 1"):
        merkle.verify_inclusion(ref_leaf(b"a"), 0, 1, [ref_leaf(b"a")], ref_leaf(b"a"))


def test_consistency_edge_rules() -> None:
    leaves = [b"a", b"b", b"c"]
    root1, root3 = ref_mth((b"a",)), ref_mth(tuple(leaves))
    for old, new in ((0, 0), (0, 1), (0, 3)):
        with pytest.raises(ProofError, match="empty tree"):
            merkle.verify_consistency(old, new, merkle.EMPTY_ROOT, root3, [])
        with pytest.raises(InputError, match="at least 1"):
            merkle.consistency_proof(leaves, old, new)
    with pytest.raises(ProofError, match="must not exceed"):
        merkle.verify_consistency(3, 1, root3, root1, [])
    with pytest.raises(InputError, match="must not exceed"):
        merkle.consistency_proof(leaves, 3, 1)
    with pytest.raises(InputError, match="exceeds the 3 leaves given"):
        merkle.consistency_proof(leaves, 1, 4)
    # Equal sizes: the empty proof and equal roots, nothing else.
    assert merkle.consistency_proof(leaves, 3, 3) == []
    merkle.verify_consistency(3, 3, root3, root3, [])
    with pytest.raises(ProofError, match="empty proof"):
        merkle.verify_consistency(3, 3, root3, root3, [root3])
    with pytest.raises(ProofError, match="different roots"):
        merkle.verify_consistency(3, 3, root3, root1, [])
    # Different sizes never take an empty proof.
    with pytest.raises(ProofError, match="needs exactly 2 hashes, got 0"):
        merkle.verify_consistency(1, 3, root1, root3, [])


@pytest.mark.parametrize("bad_value", [b"short", "not bytes", None], ids=["short", "text", "none"])
def test_node_sources_that_return_garbage_are_input_errors(bad_value: object) -> None:
    def get_node(level: int, index: int) -> bytes:
        return bad_value  # type: ignore[return-value]

    for call in (
        lambda: merkle.inclusion_proof_from_nodes(get_node, 0, 5),
        lambda: merkle.consistency_proof_from_nodes(get_node, 3, 5),
        lambda: merkle.root_from_nodes(get_node, 5),
    ):
        with pytest.raises(InputError, match="node "):
            call()


def test_node_source_errors_propagate_unchanged() -> None:
    class StoreDownError(Exception):
        pass

    def get_node(level: int, index: int) -> bytes:
        raise StoreDownError

    with pytest.raises(StoreDownError):
        merkle.inclusion_proof_from_nodes(get_node, 0, 5)


def test_assemble_names_a_missing_or_bad_node() -> None:
    plan = merkle.inclusion_proof_plan(0, 5)
    stored = {node: ref_node_at(SWEEP_LEAVES, *node, 5) for node in plan.nodes}
    missing = dict(stored)
    del missing[plan.nodes[-1]]
    with pytest.raises(InputError, match="no hash supplied") as info:
        plan.assemble(missing)
    assert info.value.path == f"node {plan.nodes[-1].level}/{plan.nodes[-1].index}"
    short = dict(stored)
    short[plan.nodes[0]] = b"x"
    with pytest.raises(InputError, match="32-byte"):
        plan.assemble(short)
    # Plain (level, index) tuples work as keys.
    plain = {(level, index): value for (level, index), value in stored.items()}
    assert plan.assemble(plain) == ref_path(0, SWEEP_LEAVES[:5])


def test_proof_plans_are_validated() -> None:
    node = merkle.NodeId(0, 1)
    with pytest.raises(InputError):
        merkle.ProofPlan(nodes=(node,), fold_start=1, fold_stop=0)
    with pytest.raises(InputError):
        merkle.ProofPlan(nodes=(node,), fold_start=0, fold_stop=2)
    assert merkle.ProofPlan(nodes=(node,)).proof_length == 1
    assert merkle.ProofPlan(nodes=[[0, 1]]).nodes == (node,)  # type: ignore[list-item]
    for bad in ([(0,)], [1], [("a", 1)], None, [(True, 1)]):
        with pytest.raises(InputError, match="pairs of integers"):
            merkle.ProofPlan(nodes=bad)  # type: ignore[arg-type]
    assert merkle.consistency_proof_plan(4, 4) == merkle.ProofPlan(nodes=())


def test_node_ids_and_rows() -> None:
    node = merkle.NodeId(3, 2)
    assert node.leaves == range(16, 24)
    assert merkle.NodeHash(3, 2, H).node == node
    level, index = node
    assert (level, index) == (3, 2)


# --- nothing but library errors, whatever arrives -------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.binary(min_size=32, max_size=32),
    st.lists(st.binary(min_size=30, max_size=34), max_size=70),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4)), max_size=3),
)


@settings(max_examples=300)
@given(anything, anything, anything, anything, anything)
def test_verifiers_raise_only_library_errors(
    a: object, b: object, c: object, d: object, e: object
) -> None:
    for call in (
        lambda: merkle.verify_inclusion(a, b, c, d, e),  # type: ignore[arg-type]
        lambda: merkle.verify_consistency(a, b, c, d, e),  # type: ignore[arg-type]
        lambda: merkle.root_from_inclusion_proof(a, b, c, d),  # type: ignore[arg-type]
    ):
        with contextlib.suppress(InputError, ProofError):
            call()


@settings(max_examples=200)
@given(anything, anything, anything)
def test_generators_raise_only_input_errors(a: object, b: object, c: object) -> None:
    for call in (
        lambda: merkle.inclusion_proof(a, b, c),  # type: ignore[arg-type]
        lambda: merkle.consistency_proof(a, b, c),  # type: ignore[arg-type]
        lambda: merkle.root_hash(a),  # type: ignore[arg-type]
        lambda: merkle.leaf_hash(a),  # type: ignore[arg-type]
        lambda: merkle.node_hash(a, b),  # type: ignore[arg-type]
        lambda: merkle.inclusion_proof_plan(a, b),  # type: ignore[arg-type]
        lambda: merkle.consistency_proof_plan(a, b),  # type: ignore[arg-type]
        lambda: merkle.frontier_nodes(a),  # type: ignore[arg-type]
    ):
        with contextlib.suppress(InputError):
            call()


def test_error_messages_say_what_was_expected() -> None:
    leaves = SWEEP_LEAVES[:8]
    proof = ref_path(2, leaves)
    wrong_root = ref_mth(leaves[:7])
    with pytest.raises(ProofError) as info:
        merkle.verify_inclusion(ref_leaf(leaves[2]), 2, 8, proof, wrong_root)
    text = info.value.diagnostics()
    assert "ProofError: root: the proof leads to root" in text
    assert ref_mth(leaves).hex() in text
    assert wrong_root.hex() in text

"""The one definition of a well-formed batch, ``check_batch``, and the checks built on it.

Batches are built here the way the log layer builds them (a Merkle accumulator at the
head's size, one ``append_returning_nodes`` per entry), then changed in one way at a
time. Every change that breaks a rule must be refused with an InputError naming that
rule; the harmless ones (a bytearray for bytes, ``True`` for 1) must be taken as plain
bytes. SQLite's one-pass pre-check must decide exactly as ``check_batch`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import merkle
from legaldelivery.errors import InputError
from legaldelivery.log.jsonl import JsonlStore
from legaldelivery.log.sqlite import _checked_batch
from legaldelivery.log.store import AppendBatch, CheckedBatch, NodeKey, check_batch

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)

# Small logs, where every earlier leaf is real, and huge ones, where the bit arithmetic
# of the node keys is tried far from zero (their earlier nodes are stand-ins).
SIZES = st.one_of(st.integers(0, 300), st.integers(2**20, 2**62))
COUNTS = st.integers(0, 12)


def entry_bytes(seq: int) -> bytes:
    return f'{{"seq":{seq},"text":"entry {seq}"}}'.encode()


def tree_at(size: int) -> merkle.MerkleAccumulator:
    """The log's tree before the batch: built from real leaves when small enough."""
    if size <= 300:
        tree = merkle.MerkleAccumulator()
        for seq in range(size):
            tree.append(merkle.leaf_hash(entry_bytes(seq)))
        return tree
    frontier = [bytes([node.level]) * 32 for node in merkle.frontier_nodes(size)]
    return merkle.MerkleAccumulator.restore(size, frontier)


def logged_batch(size: int, count: int) -> AppendBatch:
    """The batch the log layer would hand a store whose head is at ``size``."""
    tree = tree_at(size)
    entries: list[tuple[int, bytes]] = []
    nodes: dict[NodeKey, bytes] = {}
    for seq in range(size, size + count):
        data = entry_bytes(seq)
        for level, index, digest in tree.append_returning_nodes(merkle.leaf_hash(data)):
            nodes[level, index] = digest
        entries.append((seq, data))
    return AppendBatch(entries=entries, nodes=nodes, last_time=T0, last_signer="0" * 64)


def completed_by_definition(size: int, new_size: int) -> set[NodeKey]:
    """Every perfect subtree whose last leaf lies in ``[size, new_size)``, by brute force."""
    found: set[NodeKey] = set()
    for level in range(new_size.bit_length() + 1):
        # Lower indexes end before size, higher ones after new_size: a margin of two
        # beyond both shows the arithmetic, not the search, draws the line.
        for index in range(max((size >> level) - 2, 0), (new_size >> level) + 2):
            if size <= ((index + 1) << level) - 1 < new_size:
                found.add((level, index))
    return found


def refusal(size: int, batch: AppendBatch) -> InputError:
    with pytest.raises(InputError) as caught:
        check_batch(size, batch)
    return caught.value


# -- the batches the log builds are taken ----------------------------------------------


@settings(max_examples=200, deadline=None)
@given(size=SIZES, count=COUNTS)
def test_the_batch_the_log_builds_is_taken_as_plain_bytes(size: int, count: int) -> None:
    batch = logged_batch(size, count)
    checked = check_batch(size, batch)
    new_size = size + count
    assert checked.datas == [data for _, data in batch.entries]
    assert checked.nodes == batch.nodes
    assert set(checked.nodes) == completed_by_definition(size, new_size)
    assert len(checked.nodes) == sum(
        (new_size >> level) - (size >> level) for level in range(new_size.bit_length())
    )
    assert all(type(data) is bytes for data in checked.datas)
    assert all(type(digest) is bytes for digest in checked.nodes.values())
    # Ordered by the entry that completes each node, then by level.
    last_leaf = [(((index + 1) << level) - 1, level) for level, index in checked.nodes]
    assert last_leaf == sorted(last_leaf)


def test_the_rules_example_in_numbers() -> None:
    # Entry 5 completes (0, 5) and (1, 2), entry 6 only its leaf (0, 6); no batch, nothing.
    checked = check_batch(5, logged_batch(5, 2))
    assert list(checked.nodes) == [(0, 5), (1, 2), (0, 6)]
    assert check_batch(7, logged_batch(7, 0)) == CheckedBatch(datas=[], nodes={})


# -- one change at a time -------------------------------------------------------------


@attrs.define
class Draft:
    """A logged batch taken apart, to be changed in place by one mutation."""

    size: int
    entries: list[tuple[object, object]]
    nodes: dict[object, object]

    @classmethod
    def of(cls, size: int, count: int) -> Draft:
        batch = logged_batch(size, count)
        return cls(size=size, entries=list(batch.entries), nodes=dict(batch.nodes))

    @property
    def new_size(self) -> int:
        return self.size + len(self.entries)

    def pick_node(self, at: int) -> object:
        keys = list(self.nodes)
        return keys[at % len(keys)]

    def batch(self) -> AppendBatch:
        return AppendBatch(
            entries=self.entries,  # type: ignore[arg-type]
            nodes=self.nodes,  # type: ignore[arg-type]
            last_time=T0,
            last_signer="0" * 64,
        )


# A mutation changes one thing about entry or node ``at`` (any number: taken modulo) and
# returns the pattern the refusal's message must match.
Mutation = Callable[[Draft, int], str]


def _renumbered(draft: Draft, at: int) -> str:
    at %= len(draft.entries)
    draft.entries[at] = (draft.size + at + 1 + at % 3, draft.entries[at][1])
    return f"^seq: batch entry must have seq {draft.size + at} "


def _seq_as(convert: Callable[[int], object]) -> Mutation:
    def change(draft: Draft, at: int) -> str:
        at %= len(draft.entries)
        draft.entries[at] = (convert(draft.size + at), draft.entries[at][1])
        return f"^seq: batch entry must have seq {draft.size + at} "

    return change


def _dropped_entry(draft: Draft, at: int) -> str:
    at %= len(draft.entries)
    del draft.entries[at]
    if at == len(draft.entries):
        # The last entry gone: the numbers still run on, but its leaf is beyond the batch.
        return rf"^nodes: node \(0, {draft.size + at}\) is not completed by entries"
    return f"^seq: batch entry must have seq {draft.size + at} "


def _data_as(convert: Callable[[bytes], object], kind: str) -> Mutation:
    def change(draft: Draft, at: int) -> str:
        at %= len(draft.entries)
        seq, data = draft.entries[at]
        assert isinstance(data, bytes)
        draft.entries[at] = (seq, convert(data))
        return f"^data: batch entry {draft.size + at} must hold bytes, not {kind}$"

    return change


def _missing_node(draft: Draft, at: int) -> str:
    count = len(draft.nodes)
    del draft.nodes[draft.pick_node(at)]
    return f"^nodes: the batch completes {count} Merkle nodes but carries {count - 1}$"


def _extra_node(level: int, offset: int) -> Mutation:
    """A node at ``level``, ``offset`` indexes from the first one the batch cannot complete."""

    def change(draft: Draft, _at: int) -> str:
        index = (draft.new_size >> level) + offset
        draft.nodes[level, index] = bytes(32)
        where = rf"{draft.size}\.\.{draft.new_size - 1}"
        return rf"^nodes: node \({level}, {index}\) is not completed by entries {where}$"

    return change


def _key_no_pair(draft: Draft, _at: int) -> str:
    draft.nodes[f"(0, {draft.size})"] = draft.nodes.pop((0, draft.size))
    return rf"^nodes: node '\(0, {draft.size}\)' is not completed by entries"


def _moved_node(draft: Draft, at: int) -> str:
    # One node out, one past the batch in: the count is right, the keys are not.
    digest = draft.nodes.pop(draft.pick_node(at))
    draft.nodes[0, draft.new_size] = digest
    return rf"^nodes: node \(0, {draft.new_size}\) is not completed by entries"


def _hash_as(convert: Callable[[bytes], object]) -> Mutation:
    def change(draft: Draft, at: int) -> str:
        key = draft.pick_node(at)
        digest = draft.nodes[key]
        assert isinstance(key, tuple)
        assert isinstance(digest, bytes)
        draft.nodes[key] = convert(digest)
        return rf"^nodes: node \({key[0]}, {key[1]}\): expected a 32-byte SHA-256 hash$"

    return change


def _wrong_leaf(draft: Draft, at: int) -> str:
    seq = draft.size + at % len(draft.entries)
    draft.nodes[0, seq] = merkle.leaf_hash(b"some other bytes")
    return f"^nodes: the leaf hash of entry {seq} does not match its bytes$"


def _nodes_without_entries(draft: Draft, _at: int) -> str:
    draft.entries.clear()
    where = rf"{draft.size}\.\.{draft.size - 1}"
    return rf"^nodes: node \(0, {draft.size}\) is not completed by entries {where}$"


REFUSED: dict[str, Mutation] = {
    "renumbered entry": _renumbered,
    "seq as text": _seq_as(str),
    "seq as float": _seq_as(float),
    "seq as None": _seq_as(lambda _seq: None),
    "dropped entry": _dropped_entry,
    "data as text": _data_as(bytes.decode, "str"),
    "data as a number": _data_as(len, "int"),
    "data as None": _data_as(lambda _data: None, "NoneType"),
    "data as a list": _data_as(list, "list"),
    "missing node": _missing_node,
    "extra node after the batch": _extra_node(0, 0),
    "extra node higher up": _extra_node(3, 1),
    "extra node far up": _extra_node(64, 5),
    "extra node before the batch": _extra_node(0, -(2**70)),
    "node moved out of range": _moved_node,
    "a key that is no pair": _key_no_pair,
    "31-byte hash": _hash_as(lambda digest: digest[:31]),
    "33-byte hash": _hash_as(lambda digest: digest + b"\x00"),
    "empty hash": _hash_as(lambda _digest: b""),
    "hash as text": _hash_as(lambda digest: digest.hex()[:32]),
    "hash as None": _hash_as(lambda _digest: None),
    "wrong leaf hash": _wrong_leaf,
    "nodes without entries": _nodes_without_entries,
}


def mutated(size: int, count: int, name: str, pick: int) -> tuple[AppendBatch, str]:
    """The logged batch with one change, and the pattern ``check_batch``'s message matches."""
    draft = Draft.of(size, count)
    message = REFUSED[name](draft, pick)
    return draft.batch(), message


@settings(max_examples=500, deadline=None)
@given(
    size=SIZES,
    count=st.integers(1, 12),
    name=st.sampled_from(sorted(REFUSED)),
    pick=st.integers(0, 1000),
)
def test_every_broken_rule_is_refused_by_name(size: int, count: int, name: str, pick: int) -> None:
    batch, message = mutated(size, count, name, pick)
    error = refusal(size, batch)
    assert re.search(message, str(error)), (str(error), message)


def test_a_refusal_shows_no_entry_bytes() -> None:
    # Entry bytes may hold personal data: a wrong one is named by its number and type.
    secret = "Zhang San, 12 Example Road"
    batch = attrs.evolve(logged_batch(0, 1), entries=[(0, secret)])
    error = refusal(0, batch)
    assert secret not in str(error)
    assert secret not in error.diagnostics()


@settings(max_examples=100, deadline=None)
@given(size=SIZES, count=st.integers(1, 12), shift=st.integers(1, 5))
def test_a_batch_for_another_head_is_refused(size: int, count: int, shift: int) -> None:
    batch = logged_batch(size, count)
    error = refusal(size + shift, batch)
    assert str(error).startswith(f"seq: batch entry must have seq {size + shift} ")
    if size >= shift:
        error = refusal(size - shift, batch)
        assert str(error).startswith(f"seq: batch entry must have seq {size - shift} ")


# -- variations that are not errors ---------------------------------------------------


def _data_as_buffer(draft: Draft, at: int) -> None:
    at %= len(draft.entries)
    seq, data = draft.entries[at]
    assert isinstance(data, bytes)
    draft.entries[at] = (seq, bytearray(data) if at % 2 else memoryview(data))


def _hashes_as_buffers(draft: Draft, at: int) -> None:
    for number, (key, digest) in enumerate(list(draft.nodes.items())):
        assert isinstance(digest, bytes)
        if (number + at) % 2:
            draft.nodes[key] = bytearray(digest)
        else:
            # A view of 32-bit integers: 8 items, 32 bytes.
            draft.nodes[key] = memoryview(digest).cast("I")


def _seq_as_bool(draft: Draft, at: int) -> None:
    # True == 1 and False == 0: an int by Python's own rules, with the right value.
    for number, (seq, data) in enumerate(draft.entries):
        if seq in (0, 1):
            draft.entries[number] = (seq == 1, data)


def _nodes_reordered(draft: Draft, at: int) -> None:
    items = list(draft.nodes.items())
    draft.nodes.clear()
    draft.nodes.update(items[at % len(items) :] + items[: at % len(items)])


def _keys_as_equal_numbers(draft: Draft, at: int) -> None:
    # A mapping finds a node by an equal key; so do the rules (see check_batch).
    key = draft.pick_node(at)
    assert isinstance(key, tuple)
    draft.nodes[float(key[0]), key[1]] = draft.nodes.pop(key)


TAKEN: dict[str, Callable[[Draft, int], None]] = {
    "data as a buffer": _data_as_buffer,
    "hashes as buffers": _hashes_as_buffers,
    "seq as bool": _seq_as_bool,
    "nodes reordered": _nodes_reordered,
    "a key as equal numbers": _keys_as_equal_numbers,
}


@settings(max_examples=200, deadline=None)
@given(
    size=SIZES,
    count=st.integers(1, 12),
    name=st.sampled_from(sorted(TAKEN)),
    pick=st.integers(0, 1000),
)
def test_harmless_variations_are_taken_as_plain_bytes(
    size: int, count: int, name: str, pick: int
) -> None:
    honest = check_batch(size, logged_batch(size, count))
    draft = Draft.of(size, count)
    TAKEN[name](draft, pick)
    checked = check_batch(size, draft.batch())
    assert checked == honest
    assert list(checked.nodes) == list(honest.nodes)
    assert all(type(data) is bytes for data in checked.datas)
    assert all(type(digest) is bytes for digest in checked.nodes.values())
    assert all(type(level) is int and type(index) is int for level, index in checked.nodes)


def test_the_checked_bytes_are_copies() -> None:
    draft = Draft.of(3, 2)
    _data_as_buffer(draft, 1)
    _hashes_as_buffers(draft, 1)
    checked = check_batch(3, draft.batch())
    buffer = draft.entries[1][1]
    assert isinstance(buffer, bytearray)
    buffer[0] ^= 1
    assert checked.datas[1] == entry_bytes(4)


def test_a_wrong_inner_hash_is_left_to_the_audit() -> None:
    # The rules cannot tell it without the tree's earlier nodes; the root will differ.
    batch = logged_batch(3, 1)
    nodes = dict(batch.nodes)
    assert set(nodes) == {(0, 3), (1, 1), (2, 0)}
    nodes[2, 0] = bytes(32)
    assert check_batch(3, attrs.evolve(batch, nodes=nodes)).nodes[2, 0] == bytes(32)


def test_the_jsonl_store_also_refuses_a_wrong_inner_hash(tmp_path: Path) -> None:
    # It rebuilds every node from its own tree, so it can: and must not take a tree
    # that differs from the log's.
    store = JsonlStore.create(tmp_path / "log.jsonl", origin="court.example/check-batch")
    try:
        store.append_batch(lambda _head, _store: (logged_batch(0, 3), None))
        batch = logged_batch(3, 1)
        nodes = dict(batch.nodes)
        nodes[1, 1] = bytes(32)
        wrong = attrs.evolve(batch, nodes=nodes)
        with pytest.raises(
            InputError, match=r"^nodes: the batch's Merkle node \(1, 1\) does not match"
        ):
            store.append_batch(lambda _head, _store: (wrong, None))
        assert store.size() == 3
        store.append_batch(lambda _head, _store: (batch, None))
        assert store.get_nodes([(2, 0)]) == {(2, 0): batch.nodes[2, 0]}
    finally:
        store.close()


# -- SQLite's one-pass pre-check decides as the rules do ------------------------------


def _outcome(check: Callable[[int, AppendBatch], object], size: int, batch: AppendBatch) -> object:
    try:
        return check(size, batch)
    except InputError as exc:
        return ("refused", str(exc), exc.path)


def _rows_by_the_rules(size: int, checked: CheckedBatch) -> list[tuple[int, bytes, bytes]]:
    rows = []
    for seq, data in enumerate(checked.datas, size):
        levels = ((seq + 1) & -(seq + 1)).bit_length()
        hashes = b"".join(checked.nodes[level, ((seq + 1) >> level) - 1] for level in range(levels))
        rows.append((seq, hashes, data))
    return rows


@settings(max_examples=500, deadline=None)
@given(
    size=SIZES,
    count=st.integers(1, 12),
    name=st.sampled_from(["none", *sorted(REFUSED), *sorted(TAKEN)]),
    pick=st.integers(0, 1000),
)
def test_the_sqlite_pre_check_decides_as_check_batch(
    size: int, count: int, name: str, pick: int
) -> None:
    draft = Draft.of(size, count)
    if name in REFUSED:
        REFUSED[name](draft, pick)
    elif name in TAKEN:
        TAKEN[name](draft, pick)
    batch = draft.batch()
    rules = _outcome(check_batch, size, batch)
    fast = _outcome(_checked_batch, size, batch)
    if not isinstance(rules, CheckedBatch):
        assert fast == rules
        return
    assert isinstance(fast, tuple)
    rows, nodes = fast
    assert rows == _rows_by_the_rules(size, rules)
    assert nodes == rules.nodes
    assert all(type(digest) is bytes for digest in nodes.values())
    if name == "none":
        # Taken in the one pass: the batch's own mapping comes back, not check_batch's.
        assert nodes is batch.nodes

"""The store protocol's contract, checked the same way for every store: memory, SQLite, JSON Lines.

The tests drive stores through ``append_batch`` with entries built here (signed with a
test key, chained by hand) and compare what the stores hand back with the pure Merkle
functions, which know nothing about stores. ``test_postgres.py`` runs every test here
that takes the ``store`` fixture against PostgreSQL too.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import merkle
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log.entry import GENESIS_PREV, build_entry, entry_hash
from legaldelivery.log.jsonl import JsonlStore
from legaldelivery.log.memory import MemoryStore
from legaldelivery.log.sqlite import SqliteStore
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey, check_batch

ORIGIN = "court.example/store-contract"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
SIGNER = Ed25519Signer.generate(ORIGIN)

KINDS = ["memory", "sqlite", "jsonl"]
PERSISTENT = ["sqlite", "jsonl"]


def new_store(kind: str, folder: Path) -> EntryStore:
    if kind == "memory":
        return MemoryStore(origin=ORIGIN)
    if kind == "sqlite":
        return SqliteStore.create(folder / "log.sqlite", origin=ORIGIN)
    return JsonlStore.create(folder / "log.jsonl", origin=ORIGIN)


def reopen(kind: str, folder: Path) -> EntryStore:
    if kind == "sqlite":
        return SqliteStore.open(folder / "log.sqlite")
    return JsonlStore.open(folder / "log.jsonl")


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(kind: str, tmp_path: Path) -> Iterator[EntryStore]:
    made = new_store(kind, tmp_path)
    yield made
    made.close()


def prepare_for(
    texts: Sequence[str], seen: list[Head] | None = None
) -> Callable[[Head, EntryStore], tuple[AppendBatch, list[bytes]]]:
    """A prepare callback that chains one signed note entry per text onto the head."""

    def prepare(head: Head, store: EntryStore) -> tuple[AppendBatch, list[bytes]]:
        if seen is not None:
            seen.append(head)
        tree = merkle.MerkleAccumulator.from_nodes(
            lambda level, index: store.get_nodes([(level, index)])[(level, index)], head.size
        )
        prev = head.last_hash or GENESIS_PREV
        when = T0 + timedelta(seconds=head.size)
        datas: list[bytes] = []
        nodes: dict[NodeKey, bytes] = {}
        for offset, text in enumerate(texts):
            entry = build_entry(
                origin=store.origin,
                seq=head.size + offset,
                time=when,
                prev=prev,
                record={"type": "note/v1", "text": text},
                signer=SIGNER,
            )
            prev = entry.hash
            datas.append(entry.data)
            for row in tree.append_returning_nodes(merkle.leaf_hash(entry.data)):
                nodes[(row.level, row.index)] = row.hash
        batch = AppendBatch(
            entries=[(head.size + i, d) for i, d in enumerate(datas)],
            nodes=nodes,
            last_time=when,
            last_signer=SIGNER.fingerprint,
        )
        return batch, datas

    return prepare


def append(store: EntryStore, texts: Sequence[str]) -> list[bytes]:
    return store.append_batch(prepare_for(texts))


def expected_nodes(leaves: Sequence[bytes]) -> dict[NodeKey, bytes]:
    """Every perfect subtree of the leaves, each hashed from scratch by the pure function."""
    found: dict[NodeKey, bytes] = {}
    level = 0
    while (1 << level) <= len(leaves):
        width = 1 << level
        for index in range(len(leaves) // width):
            found[(level, index)] = merkle.root_hash(leaves[index * width : (index + 1) * width])
        level += 1
    return found


def all_keys(size: int, spare: int = 2) -> list[NodeKey]:
    """Every (level, index) that could exist in a tree a little larger than ``size``."""
    return [(lv, i) for lv in range(size.bit_length() + 2) for i in range((size >> lv) + spare)]


def test_an_empty_store_has_nothing(store: EntryStore) -> None:
    assert store.origin == ORIGIN
    assert store.size() == 0
    assert store.head() == Head(size=0, last_hash=None, last_time=None, last_signer=None)
    assert list(store.iter_entries()) == []
    assert store.get_nodes([(0, 0), (1, 0)]) == {}
    with pytest.raises(InputError, match="no entry 0"):
        store.read_entry(0)


def test_batches_are_stored_in_order_with_their_head(store: EntryStore) -> None:
    first = append(store, ["a", "b", "c"])
    second = append(store, ["d"])
    datas = first + second
    assert store.size() == 4
    assert [store.read_entry(seq) for seq in range(4)] == datas
    assert list(store.iter_entries()) == datas
    assert list(store.iter_entries(1, 3)) == datas[1:3]
    assert list(store.iter_entries(2)) == datas[2:]
    assert list(store.iter_entries(3, 99)) == datas[3:]
    assert list(store.iter_entries(4)) == []
    head = store.head()
    assert head.size == 4
    assert head.last_hash == entry_hash(datas[-1])
    assert head.last_time == T0 + timedelta(seconds=3)
    assert head.last_signer == SIGNER.fingerprint
    with pytest.raises(InputError):
        store.read_entry(4)


def test_the_stored_nodes_are_exactly_the_perfect_subtrees(store: EntryStore) -> None:
    datas: list[bytes] = []
    for size in (1, 2, 4, 1, 5):
        datas += append(store, [f"entry {len(datas) + i}" for i in range(size)])
    assert store.get_nodes(all_keys(len(datas))) == expected_nodes(datas)


def test_prepare_sees_the_head_and_reads_through_the_store(store: EntryStore) -> None:
    datas = append(store, ["a", "b"])
    seen: list[Head] = []
    read: list[bytes] = []

    def prepare(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
        read.append(inner.read_entry(head.size - 1))
        # Inside the write lock the store agrees with the head it showed.
        assert inner.size() == head.size
        assert inner.head() == head
        return prepare_for(["c"], seen)(head, inner)[0], None

    store.append_batch(prepare)
    assert seen[0].size == 2
    assert seen[0].last_hash == entry_hash(datas[1])
    assert read == [datas[1]]
    assert store.size() == 3


def test_an_empty_batch_changes_nothing(store: EntryStore) -> None:
    append(store, ["a"])
    before = (store.size(), store.head(), list(store.iter_entries()))

    def prepare(head: Head, _store: EntryStore) -> tuple[AppendBatch, str]:
        batch = AppendBatch(entries=[], nodes={}, last_time=T0, last_signer=SIGNER.fingerprint)
        return batch, "nothing"

    assert store.append_batch(prepare) == "nothing"
    assert (store.size(), store.head(), list(store.iter_entries())) == before


class RefusedError(Exception):
    pass


def test_nothing_is_written_when_prepare_raises(store: EntryStore) -> None:
    datas = append(store, ["a", "b", "c"])

    def prepare(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
        prepare_for(["d", "e"])(head, inner)
        raise RefusedError

    with pytest.raises(RefusedError):
        store.append_batch(prepare)
    assert store.size() == 3
    assert list(store.iter_entries()) == datas
    assert store.get_nodes(all_keys(3)) == expected_nodes(datas)
    # The store is still usable, and the next batch continues the same chain.
    more = append(store, ["d"])
    assert store.get_nodes(all_keys(4)) == expected_nodes(datas + more)


@pytest.mark.parametrize("shift", [-1, 1])
def test_a_batch_at_the_wrong_position_is_refused(store: EntryStore, shift: int) -> None:
    datas = append(store, ["a", "b"])

    def prepare(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
        batch, _ = prepare_for(["c"])(head, inner)
        moved = [(seq + shift, data) for seq, data in batch.entries]
        return AppendBatch(
            entries=moved, nodes=batch.nodes, last_time=T0, last_signer=SIGNER.fingerprint
        ), None

    with pytest.raises(InputError, match="seq"):
        store.append_batch(prepare)
    assert list(store.iter_entries()) == datas


# Bad batches for a store holding entries 0..2, each one change to the honest batch of
# entries 3 and 4 (which complete the nodes (0, 3), (1, 1), (2, 0) and (0, 4)), with the
# message every store must refuse it with.
BAD_BATCHES = {
    "renumbered": "seq: batch entry must have seq 4 (got 5)",
    "seq as text": "seq: batch entry must have seq 3 (got '3')",
    "data as text": "data: batch entry 4 must hold bytes, not str",
    "missing node": "nodes: the batch completes 4 Merkle nodes but carries 3",
    "extra node": "nodes: node (0, 5) is not completed by entries 3..4",
    "node out of range": "nodes: node (0, 2) is not completed by entries 3..4",
    "node far out of range": "nodes: node (64, 0) is not completed by entries 3..4",
    "31-byte hash": "nodes: node (2, 0): expected a 32-byte SHA-256 hash",
    "33-byte hash": "nodes: node (0, 3): expected a 32-byte SHA-256 hash",
    "wrong leaf hash": "nodes: the leaf hash of entry 4 does not match its bytes",
    "nodes without entries": "nodes: node (0, 3) is not completed by entries 3..2",
}


def spoiled(batch: AppendBatch, bad: str) -> AppendBatch:
    """The honest batch of entries 3 and 4 with the change ``bad`` names."""
    entries: list[tuple[object, object]] = list(batch.entries)
    nodes: dict[NodeKey, object] = dict(batch.nodes)
    if bad == "renumbered":
        entries[1] = (5, entries[1][1])
    elif bad == "seq as text":
        entries[0] = ("3", entries[0][1])
    elif bad == "data as text":
        entries[1] = (4, "{}")
    elif bad == "missing node":
        del nodes[1, 1]
    elif bad == "extra node":
        nodes[0, 5] = bytes(32)
    elif bad == "node out of range":
        del nodes[0, 4]
        nodes[0, 2] = bytes(32)
    elif bad == "node far out of range":
        nodes[64, 0] = bytes(32)
    elif bad == "31-byte hash":
        nodes[2, 0] = bytes(31)
    elif bad == "33-byte hash":
        nodes[0, 3] = bytes(33)
    elif bad == "wrong leaf hash":
        nodes[0, 4] = merkle.leaf_hash(b"other bytes")
    else:
        assert bad == "nodes without entries"
        entries.clear()
    return attrs.evolve(batch, entries=entries, nodes=nodes)


@pytest.mark.parametrize("bad", sorted(BAD_BATCHES))
def test_every_store_refuses_a_bad_batch_with_the_same_message(store: EntryStore, bad: str) -> None:
    datas = append(store, ["a", "b", "c"])
    message = BAD_BATCHES[bad]
    made: list[AppendBatch] = []

    def prepare(head: Head, inner: EntryStore) -> tuple[AppendBatch, None]:
        made.append(spoiled(prepare_for(["d", "e"])(head, inner)[0], bad))
        return made[-1], None

    with pytest.raises(InputError) as caught:
        store.append_batch(prepare)
    assert str(caught.value) == message
    # The message is check_batch's own: the stores keep no rules of their own.
    with pytest.raises(InputError) as by_the_rules:
        check_batch(3, made[0])
    assert str(by_the_rules.value) == message
    # Nothing was written, and the store takes the honest batch next.
    assert store.size() == 3
    assert list(store.iter_entries()) == datas
    assert store.get_nodes(all_keys(3)) == expected_nodes(datas)
    datas += append(store, ["d", "e"])
    assert store.get_nodes(all_keys(5)) == expected_nodes(datas)


def test_writer_threads_form_one_chain(store: EntryStore) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(15):
                append(store, [f"{name}-{i}"] * (1 + i % 3))
        except BaseException as exc:  # pragma: no cover -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    datas = list(store.iter_entries())
    assert len(datas) == store.size() == 4 * sum(1 + i % 3 for i in range(15))
    prev = GENESIS_PREV
    for seq, data in enumerate(datas):
        assert f'"seq":{seq},'.encode() in data
        assert f'"prev":"{prev}"'.encode() in data
        prev = entry_hash(data)
    assert store.get_nodes(all_keys(len(datas))) == expected_nodes(datas)


@pytest.mark.parametrize("kind", PERSISTENT)
def test_a_reopened_store_holds_the_same_log(kind: str, tmp_path: Path) -> None:
    store = new_store(kind, tmp_path)
    datas = append(store, ["a", "b", "c"]) + append(store, ["d", "e"])
    before = (store.size(), store.head(), store.get_nodes(all_keys(5)))
    store.close()
    store.close()  # idempotent
    again = reopen(kind, tmp_path)
    try:
        assert again.origin == ORIGIN
        assert (again.size(), again.head(), again.get_nodes(all_keys(5))) == before
        assert list(again.iter_entries()) == datas
        datas += append(again, ["f"])
        assert again.get_nodes(all_keys(6)) == expected_nodes(datas)
    finally:
        again.close()


@pytest.mark.parametrize("kind", PERSISTENT)
def test_a_closed_store_refuses_use(kind: str, tmp_path: Path) -> None:
    store = new_store(kind, tmp_path)
    store.close()
    with pytest.raises(InputError, match="closed"):
        store.size()
    with pytest.raises(InputError, match="closed"):
        append(store, ["a"])


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    batches=st.lists(st.integers(1, 9), min_size=1, max_size=8),
    data=st.data(),
)
def test_proofs_from_stored_nodes_match_the_pure_functions(
    kind: str, batches: list[int], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = new_store(kind, Path(tmp))
        try:
            leaves: list[bytes] = []
            for count in batches:
                leaves += append(store, [f"{len(leaves) + i}" for i in range(count)])
            if kind != "memory" and data.draw(st.booleans(), label="reopen"):
                store.close()
                store = reopen(kind, Path(tmp))
            size = data.draw(st.integers(1, len(leaves)), label="size")
            index = data.draw(st.integers(0, size - 1), label="index")
            plan = merkle.inclusion_proof_plan(index, size)
            assert plan.assemble(store.get_nodes(plan.nodes)) == merkle.inclusion_proof(
                leaves, index, size
            )
            old = data.draw(st.integers(1, size), label="old_size")
            plan = merkle.consistency_proof_plan(old, size)
            assert plan.assemble(store.get_nodes(plan.nodes)) == merkle.consistency_proof(
                leaves, old, size
            )
            tree = merkle.MerkleAccumulator.from_nodes(
                lambda lv, i: store.get_nodes([(lv, i)])[(lv, i)], size
            )
            assert tree.root() == merkle.root_hash(leaves[:size])
            assert list(store.iter_entries()) == leaves
        finally:
            store.close()

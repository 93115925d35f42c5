"""The JSON Lines store: the file format, fsync policies, torn tails and recovery, imports."""

from __future__ import annotations

import errno
import hashlib
import os
import time
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from legaldelivery import merkle
from legaldelivery.audit import AuditError, FindingKind, audit_log
from legaldelivery.errors import InputError, StoreError, VerificationError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log import jsonl as jsonl_module
from legaldelivery.log.jsonl import JsonlSettings, JsonlStore, TornTail, import_jsonl, recover
from legaldelivery.log.sqlite import SqliteStore
from legaldelivery.log.store import AppendBatch, EntryStore, Head
from legaldelivery.records import Court

ORIGIN = "court.example/jsonl-test"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
SIGNER = Ed25519Signer.generate(ORIGIN)
STRANGER = Ed25519Signer.generate(ORIGIN)


def courts(count: int, start: int = 0) -> list[Court]:
    return [
        Court(court_id=f"court-{i}", name=f"Court {i}", time_zone="Europe/Berlin")
        for i in range(start, start + count)
    ]


def clock() -> datetime:
    return T0


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.jsonl"


@pytest.fixture
def log(log_path: Path) -> Iterator[EvidenceLog]:
    made = EvidenceLog.create(log_path, origin=ORIGIN, signer=SIGNER, clock=clock)
    yield made
    made.close()


def written_log(path: Path, count: int, **store_settings: object) -> bytes:
    """Write a log of ``count`` entries at ``path``; return the file's bytes."""
    store = JsonlStore.create(path, origin=ORIGIN, settings=JsonlSettings(**store_settings))  # type: ignore[arg-type]
    with EvidenceLog(store, signer=SIGNER, clock=clock) as made:
        if count:
            made.append_many(courts(count))
    return path.read_bytes()


# -- settings and the file ------------------------------------------------------------


def test_the_default_policy_syncs_every_batch() -> None:
    assert JsonlSettings() == JsonlSettings(fsync="always", sync_every=1000)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fsync", "ALWAYS"),
        ("fsync", None),
        ("sync_every", 0),
        ("sync_every", True),
        ("sync_every", 2.0),
    ],
)
def test_settings_refuse_unknown_values(field: str, value: object) -> None:
    with pytest.raises(InputError, match=field):
        JsonlSettings(**{field: value})  # type: ignore[arg-type]


def test_the_file_is_the_export_format(log: EvidenceLog, log_path: Path, tmp_path: Path) -> None:
    entries = [*log.append_many(courts(3)), log.append(courts(1, start=3)[0])]
    raw = log_path.read_bytes()
    assert raw == b"".join(e.data + b"\n" for e in entries)
    assert log.export_jsonl(tmp_path / "export.jsonl") == 4
    assert (tmp_path / "export.jsonl").read_bytes() == raw
    report = audit_log(log_path, trusted=[SIGNER.verifier], checkpoint=log.checkpoint())
    assert report.ok, report.summary()
    assert report.root_hash == log.root_hash() == merkle.root_hash([e.data for e in entries])


def test_evidence_logs_choose_json_lines_by_suffix(log_path: Path) -> None:
    written_log(log_path, 2)
    with EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as again:
        assert isinstance(again.store, JsonlStore)
        assert again.append(courts(1)[0]).seq == 2
    assert len(log_path.read_bytes().splitlines()) == 3


def test_create_refuses_an_existing_file(log_path: Path) -> None:
    log_path.write_bytes(b"precious\n")
    with pytest.raises(InputError, match="already exists"):
        EvidenceLog.create(log_path, origin=ORIGIN, signer=SIGNER)
    assert log_path.read_bytes() == b"precious\n"


def test_create_in_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot create"):
        JsonlStore.create(tmp_path / "nowhere" / "log.jsonl", origin=ORIGIN)


def test_open_refuses_a_missing_file(log_path: Path) -> None:
    with pytest.raises(InputError, match="no log file"):
        EvidenceLog.open(log_path)
    assert not log_path.exists()


def test_an_empty_log_needs_its_origin_to_reopen(log_path: Path) -> None:
    written_log(log_path, 0)
    assert log_path.read_bytes() == b""
    with pytest.raises(InputError, match="names no origin"):
        EvidenceLog.open(log_path)
    store = JsonlStore.open(log_path, origin=ORIGIN)
    with EvidenceLog(store, signer=SIGNER, clock=clock) as again:
        assert again.origin == ORIGIN
        again.append(courts(1)[0])
    with EvidenceLog.open(log_path) as third:
        assert third.origin == ORIGIN
        assert third.size == 1


def test_open_refuses_an_origin_the_entries_contradict(log_path: Path) -> None:
    written_log(log_path, 1)
    with pytest.raises(InputError, match=r"not 'court\.example/other'"):
        JsonlStore.open(log_path, origin="court.example/other")
    JsonlStore.open(log_path, origin=ORIGIN).close()


def test_open_refuses_a_last_line_that_is_not_an_entry(log_path: Path) -> None:
    raw = written_log(log_path, 3)
    log_path.write_bytes(raw + b'{"not":"an entry"}\n')
    with pytest.raises(InputError, match="entry 3"):
        EvidenceLog.open(log_path)


def test_a_file_cut_behind_the_logs_back_is_refused(log: EvidenceLog, log_path: Path) -> None:
    log.append_many(courts(3))
    raw = log_path.read_bytes()
    os.truncate(log_path, raw.index(b"\n") + 1)
    with pytest.raises(InputError, match="shrank"):
        log.append(courts(1)[0])


def test_a_long_log_is_read_across_chunk_boundaries(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = written_log(log_path, 9)
    # Tiny reads split every line over several chunks.
    monkeypatch.setattr(jsonl_module, "_READ_CHUNK", 7)
    with EvidenceLog.open(log_path) as again:
        assert b"".join(d + b"\n" for d in again.store.iter_entries()) == raw
        assert list(again.store.iter_entries(4, 6)) == raw.splitlines()[4:6]
        assert again.root_hash() == merkle.root_hash(raw.splitlines())
    log_path.write_bytes(raw + b'{"torn')
    torn = recover(log_path)
    assert torn is not None
    assert torn.offset == len(raw)


# -- fsync policies -------------------------------------------------------------------


class SyncCounter:
    def __init__(self) -> None:
        self.calls = 0
        self.real = os.fsync

    def __call__(self, fd: int) -> None:
        self.calls += 1
        self.real(fd)


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> SyncCounter:
    counter = SyncCounter()
    monkeypatch.setattr(os, "fsync", counter)
    return counter


def test_always_syncs_each_batch(log_path: Path, fsyncs: SyncCounter) -> None:
    store = JsonlStore.create(log_path, origin=ORIGIN)
    assert fsyncs.calls == 2  # the new file and its directory
    with EvidenceLog(store, signer=SIGNER, clock=clock) as made:
        made.append_many(courts(5))
        assert fsyncs.calls == 3
        made.append(courts(1)[0])
        assert fsyncs.calls == 4
    assert fsyncs.calls == 4


def test_batch_syncs_every_n_entries_and_on_close(log_path: Path, fsyncs: SyncCounter) -> None:
    store = JsonlStore.create(
        log_path, origin=ORIGIN, settings=JsonlSettings(fsync="batch", sync_every=3)
    )
    start = fsyncs.calls
    with EvidenceLog(store, signer=SIGNER, clock=clock) as made:
        made.append(courts(1)[0])
        made.append(courts(1)[0])
        assert fsyncs.calls == start
        made.append(courts(1)[0])
        assert fsyncs.calls == start + 1
        made.append_many(courts(4))
        assert fsyncs.calls == start + 2
        made.append(courts(1)[0])
        assert fsyncs.calls == start + 2
    assert fsyncs.calls == start + 3  # close syncs the one entry still unsynced


def test_never_leaves_syncing_to_the_system_unless_asked(
    log_path: Path, fsyncs: SyncCounter
) -> None:
    store = JsonlStore.create(log_path, origin=ORIGIN, settings=JsonlSettings(fsync="never"))
    made = EvidenceLog(store, signer=SIGNER, clock=clock)
    made.append_many(courts(1500))
    assert fsyncs.calls == 0
    store.sync()
    assert fsyncs.calls == 1
    made.close()
    assert fsyncs.calls == 1
    assert len(log_path.read_bytes().splitlines()) == 1500


def test_a_failed_write_leaves_the_file_as_it_was(
    log: EvidenceLog, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.append_many(courts(2))
    before = log_path.read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(StoreError, match="No space left") as caught:
        log.append_many(courts(3))
    assert isinstance(caught.value.__cause__, OSError)
    monkeypatch.undo()
    assert log_path.read_bytes() == before
    assert log.size == 2
    assert log.append(courts(1)[0]).seq == 2


# -- torn tails -----------------------------------------------------------------------


def test_a_torn_last_line_is_refused_with_its_offset(log_path: Path) -> None:
    raw = written_log(log_path, 3)
    torn_bytes = raw.splitlines()[0][:41]
    log_path.write_bytes(raw + torn_bytes)
    with pytest.raises(InputError, match=f"41 bytes from byte offset {len(raw)}") as caught:
        EvidenceLog.open(log_path)
    assert caught.value.path == str(log_path)
    assert "recover" in str(caught.value)
    with pytest.raises(InputError, match=f"offset {len(raw)}"):
        JsonlStore.open(log_path, read_only=True)


def test_recover_cuts_only_the_torn_line_and_says_what_it_cut(log_path: Path) -> None:
    raw = written_log(log_path, 3)
    torn_bytes = raw.splitlines()[1][:-5]
    log_path.write_bytes(raw + torn_bytes)
    torn = recover(log_path)
    assert torn == TornTail(
        path=str(log_path),
        offset=len(raw),
        removed=len(torn_bytes),
        sha256=hashlib.sha256(torn_bytes).hexdigest(),
    )
    assert str(len(torn_bytes)) in str(torn)
    assert str(len(raw)) in str(torn)
    assert log_path.read_bytes() == raw
    assert recover(log_path) is None
    assert audit_log(log_path, trusted=[SIGNER.verifier]).ok
    with EvidenceLog.open(log_path, signer=SIGNER, clock=clock) as again:
        assert again.append(courts(1)[0]).seq == 3


def test_recover_leaves_clean_and_empty_files_alone(log_path: Path, tmp_path: Path) -> None:
    raw = written_log(log_path, 2)
    assert recover(log_path) is None
    assert log_path.read_bytes() == raw
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert recover(empty) is None
    with pytest.raises(InputError, match="cannot open"):
        recover(tmp_path / "missing.jsonl")


def test_recover_may_cut_a_lone_torn_first_line(log_path: Path) -> None:
    only = b'{"format":"legaldelivery/entry/v1","ori'
    log_path.write_bytes(only)
    torn = recover(log_path)
    assert torn is not None
    assert (torn.offset, torn.removed, torn.sha256) == (0, 39, hashlib.sha256(only).hexdigest())
    assert log_path.read_bytes() == b""


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(1, 6),
    tail=st.binary(min_size=1, max_size=300).filter(lambda b: b"\n" not in b),
)
def test_recover_removes_exactly_the_bytes_after_the_last_line_end(
    tmp_path: Path, count: int, tail: bytes
) -> None:
    path = tmp_path / f"log-{count}-{hashlib.sha256(tail).hexdigest()[:12]}.jsonl"
    raw = written_log(path, count)
    path.write_bytes(raw + tail)
    torn = recover(path)
    assert torn is not None
    assert (torn.offset, torn.removed, torn.sha256) == (
        len(raw),
        len(tail),
        hashlib.sha256(tail).hexdigest(),
    )
    assert path.read_bytes() == raw
    path.unlink()


def test_a_writer_refuses_to_chain_onto_a_torn_tail(log: EvidenceLog, log_path: Path) -> None:
    log.append_many(courts(2))
    size = len(log_path.read_bytes())
    with log_path.open("ab") as crashed_writer:
        crashed_writer.write(b'{"format":"legaldelivery/entry/v1"')
    with pytest.raises(InputError, match=f"offset {size}"):
        log.append(courts(1)[0])
    assert log.size == 2  # the complete entries stay readable
    assert recover(log_path) is not None
    assert log.append(courts(1)[0]).seq == 2


# -- several writers ------------------------------------------------------------------


def test_store_objects_on_one_file_see_each_others_lines(log_path: Path) -> None:
    with (
        EvidenceLog.create(log_path, origin=ORIGIN, signer=SIGNER, clock=clock) as one,
        EvidenceLog(JsonlStore.open(log_path, origin=ORIGIN), signer=SIGNER, clock=clock) as two,
    ):
        for i in range(6):
            (one if i % 2 else two).append_many(courts(1 + i % 3, start=10 * i))
        assert one.size == two.size == 12
        assert one.root_hash() == two.root_hash()
        assert two.entry(11) == one.entry(11)
    report = audit_log(log_path, trusted=[SIGNER.verifier])
    assert report.ok, report.summary()
    assert report.size == 12


def test_a_read_only_store_follows_a_writer(log: EvidenceLog, log_path: Path) -> None:
    log.append_many(courts(2))
    reader = JsonlStore.open(log_path, read_only=True)
    try:
        assert reader.read_only
        log.append_many(courts(3, start=2))
        assert reader.read_entry(4) == log.store.read_entry(4)
        assert reader.size() == 5
        assert reader.head() == log.store.head()
        with pytest.raises(InputError, match="read_only"):
            EvidenceLog(reader, signer=SIGNER).append(courts(1)[0])
        with pytest.raises(InputError, match="no entry 5"):
            reader.read_entry(5)
        reader.sync()  # nothing to sync on a read-only file
    finally:
        reader.close()


def test_a_batch_whose_nodes_do_not_match_its_bytes_is_refused(
    log: EvidenceLog, log_path: Path
) -> None:
    log.append_many(courts(2))
    before = log_path.read_bytes()

    def prepare(head: Head, store: EntryStore) -> tuple[AppendBatch, None]:
        data = store.read_entry(0)
        batch = AppendBatch(
            entries=[(head.size, data)],
            nodes={(0, head.size): merkle.leaf_hash(b"other bytes")},
            last_time=T0,
            last_signer=SIGNER.fingerprint,
        )
        return batch, None

    with pytest.raises(InputError, match="leaf hash of entry 2 does not match its bytes"):
        log.store.append_batch(prepare)

    def newline(head: Head, store: EntryStore) -> tuple[AppendBatch, None]:
        data = b"two\nlines"
        batch = AppendBatch(
            entries=[(head.size, data)],
            nodes={(0, head.size): merkle.leaf_hash(data)},
            last_time=T0,
            last_signer=SIGNER.fingerprint,
        )
        return batch, None

    with pytest.raises(InputError, match="line end"):
        log.store.append_batch(newline)
    assert log_path.read_bytes() == before


# -- importing an export --------------------------------------------------------------


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "export.jsonl"
    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER, clock=clock) as made:
        made.append_many(courts(7))
        made.append(courts(1, start=7)[0])
        made.export_jsonl(path)
        return path, made.checkpoint()


def leftovers(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize("name", ["imported.sqlite", "imported.jsonl"])
def test_a_verified_export_is_imported_whole(
    export: tuple[Path, str], tmp_path: Path, name: str
) -> None:
    source, checkpoint = export
    report = import_jsonl(source, tmp_path / name, trusted=[SIGNER.verifier], checkpoint=checkpoint)
    assert report.ok
    assert report.size == 8
    assert report.checkpoints == (8,)
    with EvidenceLog.open(tmp_path / name, signer=SIGNER, clock=clock) as imported:
        assert isinstance(imported.store, SqliteStore if name.endswith("sqlite") else JsonlStore)
        assert [e.data for e in imported.entries()] == source.read_bytes().splitlines()
        assert imported.root_hash() == report.root_hash
        assert imported.append(courts(1, start=8)[0]).seq == 8
    assert leftovers(tmp_path, "export.jsonl") == [name]


@pytest.mark.parametrize("name", ["imported.sqlite", "imported.jsonl"])
def test_an_export_that_does_not_verify_is_refused_and_leaves_nothing(
    export: tuple[Path, str], tmp_path: Path, name: str
) -> None:
    source, checkpoint = export
    lines = source.read_bytes().splitlines()
    lines[3] = lines[3].replace(b"Court 3", b"Court X")
    source.write_bytes(b"".join(line + b"\n" for line in lines))
    with pytest.raises(AuditError) as caught:
        import_jsonl(source, tmp_path / name, trusted=[SIGNER.verifier], checkpoint=checkpoint)
    assert isinstance(caught.value, VerificationError)
    kinds = {f.kind for f in caught.value.findings}
    assert FindingKind.BAD_SIGNATURE in kinds
    assert leftovers(tmp_path, "export.jsonl") == []


def test_an_export_signed_by_an_untrusted_key_is_refused(
    export: tuple[Path, str], tmp_path: Path
) -> None:
    source, _ = export
    with pytest.raises(AuditError, match="unknown-signer"):
        import_jsonl(source, tmp_path / "imported.sqlite", trusted=[STRANGER.verifier])
    assert leftovers(tmp_path, "export.jsonl") == []


def test_an_export_shorter_than_its_checkpoint_is_refused(
    export: tuple[Path, str], tmp_path: Path
) -> None:
    source, checkpoint = export
    source.write_bytes(b"".join(line + b"\n" for line in source.read_bytes().splitlines()[:5]))
    with pytest.raises(AuditError, match="truncated"):
        import_jsonl(
            source, tmp_path / "imported.jsonl", trusted=[SIGNER.verifier], checkpoint=checkpoint
        )
    assert leftovers(tmp_path, "export.jsonl") == []


def test_import_refuses_bad_destinations(export: tuple[Path, str], tmp_path: Path) -> None:
    source, _ = export
    (tmp_path / "taken.sqlite").write_bytes(b"precious")
    trusted = [SIGNER.verifier]
    with pytest.raises(InputError, match="already exists"):
        import_jsonl(source, tmp_path / "taken.sqlite", trusted=trusted)
    assert (tmp_path / "taken.sqlite").read_bytes() == b"precious"
    with pytest.raises(InputError, match="':memory:'"):
        import_jsonl(source, ":memory:", trusted=trusted)
    with pytest.raises(InputError, match="unsupported"):
        import_jsonl(source, tmp_path / "imported.txt", trusted=trusted)
    with pytest.raises(InputError, match="no log file"):
        import_jsonl(tmp_path / "missing.jsonl", tmp_path / "imported.sqlite", trusted=trusted)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="no entries"):
        import_jsonl(empty, tmp_path / "imported.sqlite", trusted=trusted)
    assert leftovers(tmp_path, "export.jsonl", "taken.sqlite", "empty.jsonl") == []


# -- odd inputs and failures ----------------------------------------------------------


@pytest.mark.parametrize("origin", ["", None, 7])
def test_create_refuses_a_missing_origin(log_path: Path, origin: object) -> None:
    with pytest.raises(InputError, match="origin"):
        JsonlStore.create(log_path, origin=origin)  # type: ignore[arg-type]
    assert not log_path.exists()


@pytest.mark.parametrize("seq", [True, 1.0, "1", None])
def test_entry_numbers_must_be_integers(log: EvidenceLog, seq: object) -> None:
    log.append_many(courts(3))
    with pytest.raises(InputError, match="entry number"):
        log.store.read_entry(seq)  # type: ignore[arg-type]


def test_the_store_names_its_file(log: EvidenceLog, log_path: Path) -> None:
    store = log.store
    assert isinstance(store, JsonlStore)
    assert store.path == log_path
    assert "evidence.jsonl" in repr(store)


def test_a_file_cut_inside_an_indexed_entry_is_reported(log: EvidenceLog, log_path: Path) -> None:
    log.append_many(courts(3))
    raw = log_path.read_bytes()
    os.truncate(log_path, len(raw) - 10)
    # Reading by the index made before the cut finds the entry's end missing.
    with pytest.raises(InputError, match="inside an indexed entry"):
        log.store.read_entry(2)


def test_a_sync_that_fails_is_a_store_error(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(StoreError, match="cannot sync the new log"):
        JsonlStore.create(log_path, origin=ORIGIN)
    assert not log_path.exists()
    store = JsonlStore.create(log_path, origin=ORIGIN, settings=JsonlSettings(fsync="never"))
    try:
        with pytest.raises(StoreError, match="Input/output error"):
            store.sync()
    finally:
        store.close()


def test_a_lock_that_fails_is_a_store_error(
    log: EvidenceLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    def broken(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", broken)
    with pytest.raises(StoreError, match="No locks available"):
        log.append(courts(1)[0])


def test_a_large_export_is_imported_in_several_batches(tmp_path: Path) -> None:
    source = tmp_path / "export.jsonl"
    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER, clock=clock) as made:
        made.append_many(courts(1203))
        made.export_jsonl(source)
    report = import_jsonl(source, tmp_path / "big.sqlite", trusted=[SIGNER.verifier])
    assert report.size == 1203
    with EvidenceLog.open(tmp_path / "big.sqlite") as imported:
        assert imported.root_hash() == report.root_hash
        assert imported.store.read_entry(1202) == source.read_bytes().splitlines()[1202]


# -- the longest line -----------------------------------------------------------------


@pytest.fixture(scope="module")
def three_lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """The lines (without line ends) of a real three-entry log."""
    path = tmp_path_factory.mktemp("three") / "three.jsonl"
    return written_log(path, 3).splitlines()


def joined(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def test_the_limit_is_16_mib_and_exported() -> None:
    assert jsonl_module.MAX_ENTRY_BYTES == 16 * 1024 * 1024
    assert "MAX_ENTRY_BYTES" in jsonl_module.__all__


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chunk=st.integers(1, 700),
    slack=st.integers(0, 40),
    excess=st.integers(-3, 3),
    where=st.sampled_from([1, 2]),
    filler=st.binary(min_size=1, max_size=1).filter(lambda b: b != b"\n"),
)
# The line end found in the read that crosses the limit, and in a later one.
@example(chunk=700, slack=0, excess=1, where=1, filler=b"x")
@example(chunk=1, slack=0, excess=1, where=2, filler=b"x")
def test_a_line_longer_than_the_limit_is_refused_with_its_offset(
    tmp_path: Path,
    three_lines: list[bytes],
    chunk: int,
    slack: int,
    excess: int,
    where: int,
    filler: bytes,
) -> None:
    limit = max(map(len, three_lines)) + slack
    junk = filler * (limit + excess)
    lines = [*three_lines[:where], junk, *three_lines[where:]]
    path = tmp_path / "junk.jsonl"
    path.write_bytes(joined(lines))
    offset = len(joined(three_lines[:where]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonl_module, "_READ_CHUNK", chunk)
        patch.setattr(jsonl_module, "MAX_ENTRY_BYTES", limit)
        if len(junk) > limit:
            with pytest.raises(InputError) as caught:
                JsonlStore.open(path, read_only=True)
            assert f"byte offset {offset} (entry {where}) is {len(junk)} bytes long" in str(
                caught.value
            )
            assert caught.value.path == str(path)
        else:
            # The store indexes lines; judging a line that is no entry is the audit's job.
            store = JsonlStore.open(path, read_only=True)
            try:
                assert store.read_entry(where) == junk
                assert list(store.iter_entries()) == lines
                keys = merkle.frontier_nodes(4)
                found = store.get_nodes(keys)
                restored = merkle.MerkleAccumulator.restore(4, [found[k] for k in keys])
                assert restored.root() == merkle.root_hash(lines)
            finally:
                store.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk=st.integers(1, 700), slack=st.integers(0, 40), excess=st.integers(-3, 300))
def test_an_over_long_last_line_without_a_line_end_is_a_torn_tail(
    tmp_path: Path, three_lines: list[bytes], chunk: int, slack: int, excess: int
) -> None:
    limit = max(map(len, three_lines)) + slack
    raw = joined(three_lines)
    tail = b"{" * (limit + excess)
    path = tmp_path / "torn.jsonl"
    path.write_bytes(raw + tail)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonl_module, "_READ_CHUNK", chunk)
        patch.setattr(jsonl_module, "MAX_ENTRY_BYTES", limit)
        with pytest.raises(InputError, match=f"{len(tail)} bytes from byte offset {len(raw)}"):
            JsonlStore.open(path, read_only=True)
        torn = recover(path)
        assert torn is not None
        assert (torn.offset, torn.removed) == (len(raw), len(tail))
        JsonlStore.open(path, read_only=True).close()


def test_an_over_long_line_from_another_writer_stops_appends(
    log: EvidenceLog, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.append_many(courts(2))
    monkeypatch.setattr(jsonl_module, "MAX_ENTRY_BYTES", 2000)
    size = len(log_path.read_bytes())
    with log_path.open("ab") as other_writer:
        other_writer.write(b"x" * 2001 + b"\n")
    message = f"byte offset {size} \\(entry 2\\) is 2001 bytes"
    with pytest.raises(InputError, match=message):
        log.append(courts(1)[0])
    with pytest.raises(InputError, match=message):
        log.store.size()
    # The entries indexed before it stay readable.
    assert log.entry(1).seq == 1
    assert log_path.read_bytes().endswith(b"x" * 2001 + b"\n")


def test_an_entry_longer_than_the_limit_is_never_written(
    log: EvidenceLog, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.append_many(courts(1))
    before = log_path.read_bytes()
    limit = len(before) - 1  # one byte short of the entry just written
    monkeypatch.setattr(jsonl_module, "MAX_ENTRY_BYTES", limit - 1)
    with pytest.raises(InputError, match=f"at most MAX_ENTRY_BYTES = {limit - 1} bytes") as caught:
        log.append(courts(1, start=1)[0])
    assert caught.value.path is not None
    assert caught.value.path.startswith("entry 1")
    assert log_path.read_bytes() == before


@pytest.mark.parametrize("ended", [True, False])
def test_opening_a_file_with_a_long_line_takes_bounded_memory(
    tmp_path: Path, three_lines: list[bytes], monkeypatch: pytest.MonkeyPatch, ended: bool
) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(joined(three_lines))
    with path.open("r+b") as handle:
        # A sparse 8 MiB line: no disk space, but every byte is read.
        handle.truncate(len(joined(three_lines)) + (8 << 20))
        if ended:
            handle.seek(0, os.SEEK_END)
            handle.write(b"\n")
    monkeypatch.setattr(jsonl_module, "_READ_CHUNK", 4096)
    monkeypatch.setattr(jsonl_module, "MAX_ENTRY_BYTES", 64 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="bytes long" if ended else "has no line end"):
            JsonlStore.open(path, read_only=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The limit plus a few chunks, far below the line's 8 MiB.
    assert peak < 512 * 1024


def test_a_long_line_is_read_in_linear_time(
    tmp_path: Path, three_lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "long.jsonl"
    head = three_lines[0] + b"\n"
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(len(head) + (8 << 20))  # a sparse 8 MiB line below the limit
        handle.seek(0, os.SEEK_END)
        handle.write(b"\n" + joined(three_lines[1:]))
    # 8192 small reads: searching the whole line again per read would scan 32 GiB.
    monkeypatch.setattr(jsonl_module, "_READ_CHUNK", 1024)
    started = time.perf_counter()
    store = JsonlStore.open(path, read_only=True)
    try:
        elapsed = time.perf_counter() - started
        assert store.size() == 4
        assert len(store.read_entry(1)) == 8 << 20
    finally:
        store.close()
    assert elapsed < 2.0

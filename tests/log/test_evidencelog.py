"""The evidence log over the in-memory store: appends, proofs, checkpoints, export."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import Checkpoint, EvidenceLog, InputError, canonical, codec, merkle, notes
from legaldelivery.keys import EcdsaP256Signer, Ed25519Signer
from legaldelivery.log.entry import GENESIS_PREV, LogEntry, build_entry, entry_hash
from legaldelivery.records import KeyRevocation
from legaldelivery.testing import strategies as lst
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/log-test"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
SIGNER = Ed25519Signer.generate(ORIGIN)


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def new_log(count: int = 0, signer: object = SIGNER) -> EvidenceLog:
    clock = StepClock()
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=signer, clock=clock)  # type: ignore[arg-type]
    records = list(sample_records())
    for i in range(count):
        clock.now = T0 + timedelta(seconds=i)
        log.append(records[i % len(records)])
    return log


def test_entries_are_chained_signed_and_numbered() -> None:
    log = new_log(5)
    prev = GENESIS_PREV
    for seq, entry in enumerate(log.entries()):
        assert entry.seq == seq
        assert entry.prev == prev
        assert entry.origin == ORIGIN
        assert entry.signer == SIGNER.fingerprint
        SIGNER.verifier.verify(entry.signature, entry.signed_bytes())
        prev = entry_hash(entry.data)
    assert log.size == len(log) == 5


def test_entry_bytes_are_canonical_and_signed_bytes_drop_only_the_signature() -> None:
    for entry in new_log(4).entries():
        obj = canonical.loads(entry.data)
        assert canonical.dumps(obj) == entry.data
        assert isinstance(obj, dict)
        assert base64.b64decode(obj.pop("signature")) == entry.signature
        assert canonical.dumps(obj) == entry.signed_bytes()
        assert entry.signed_bytes().startswith(b'{"format":"legaldelivery/entry/v1",')


@settings(max_examples=40, deadline=None)
@given(record=lst.records(), seq=st.integers(0, 2**53 - 1), origin=st.text(min_size=1))
def test_spliced_entry_equals_its_canonical_encoding(record: object, seq: int, origin: str) -> None:
    encoded = codec.encode(record)
    entry = build_entry(
        origin=origin, seq=seq, time=T0, prev=GENESIS_PREV, record=encoded, signer=SIGNER
    )
    assert entry.data == canonical.dumps(entry.to_json())
    assert LogEntry.parse(entry.data) == entry


def test_merkle_root_and_proofs_match_the_pure_functions() -> None:
    log = new_log(13)
    leaves = [e.data for e in log.entries()]
    for size in range(14):
        assert log.root_hash(size) == merkle.root_hash(leaves[:size])
    for size in range(1, 14):
        root = log.root_hash(size)
        for seq in range(size):
            proof = log.inclusion_proof(seq, size)
            assert proof == merkle.inclusion_proof(leaves, seq, size)
            merkle.verify_inclusion(merkle.leaf_hash(leaves[seq]), seq, size, proof, root)
        for old in range(1, size + 1):
            proof = log.consistency_proof(old, size)
            assert proof == merkle.consistency_proof(leaves, old, size)
            merkle.verify_consistency(old, size, log.root_hash(old), root, proof)


def test_checkpoint_is_a_signed_note_over_the_current_tree() -> None:
    log = new_log(3)
    note = notes.open(log.checkpoint(), [SIGNER.verifier])
    cp = Checkpoint.from_text(note.text)
    assert (cp.origin, cp.size, cp.root_hash) == (ORIGIN, 3, log.root_hash())
    older = Checkpoint.from_text(notes.open(log.checkpoint(2), [SIGNER.verifier]).text)
    assert older.size == 2
    assert older.root_hash == log.root_hash(2)


def test_bad_proof_arguments_are_input_errors() -> None:
    log = new_log(3)
    for call in (
        lambda: log.inclusion_proof(3),
        lambda: log.inclusion_proof(-1),
        lambda: log.inclusion_proof(0, 4),
        lambda: log.consistency_proof(0, 3),
        lambda: log.consistency_proof(3, 2),
        lambda: log.root_hash(4),
        lambda: log.entry(3),
    ):
        with pytest.raises(InputError):
            call()


def test_entry_time_never_goes_backwards() -> None:
    clock = StepClock(T0)
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER, clock=clock)
    records = list(sample_records())
    log.append(records[0])
    clock.now = T0 - timedelta(seconds=5)  # the machine's clock stepped back
    second = log.append(records[1])
    assert second.time == T0


def test_naive_time_is_rejected() -> None:
    log = new_log(0)
    with pytest.raises(InputError, match="naive"):
        log.append(next(iter(sample_records())), time=datetime(2026, 1, 1))


def test_append_many_is_atomic_when_a_record_is_invalid() -> None:
    log = new_log(2)
    with pytest.raises(InputError):
        log.append_many([next(iter(sample_records())), object()])
    assert log.size == 2


def test_read_only_log_cannot_write_or_sign() -> None:
    log = new_log(1)
    reader = EvidenceLog(log.store)
    assert reader.size == 1
    with pytest.raises(InputError, match="read-only"):
        reader.append(next(iter(sample_records())))
    with pytest.raises(InputError, match="read-only"):
        reader.checkpoint()


def test_another_key_cannot_continue_the_log() -> None:
    log = new_log(1)
    with pytest.raises(InputError, match="current key"):
        EvidenceLog(log.store, signer=Ed25519Signer.generate(ORIGIN))


def test_rotation_hands_the_log_to_the_next_key() -> None:
    log = new_log(1)
    nxt = EcdsaP256Signer.generate(ORIGIN + "/2")
    rotation = log.rotate_key(nxt, reason="annual rotation", event_id="rot-1")
    assert rotation.signer == SIGNER.fingerprint
    after = log.append(next(iter(sample_records())))
    assert after.signer == nxt.fingerprint
    nxt.verifier.verify(after.signature, after.signed_bytes())
    # Only the new key may continue it now.
    with pytest.raises(InputError, match="current key"):
        EvidenceLog(log.store, signer=SIGNER)
    EvidenceLog(log.store, signer=nxt)
    with pytest.raises(InputError):
        log.rotate_key(nxt, reason="again", event_id="rot-2")


def test_export_jsonl_writes_one_canonical_entry_per_line(tmp_path: Path) -> None:
    log = new_log(4)
    path = tmp_path / "log.jsonl"
    assert log.export_jsonl(path) == 4
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert lines[:-1] == [e.data for e in log.entries()]
    assert entry_hash(lines[0]) == log.entry(1).prev
    with pytest.raises(InputError, match="exists"):
        log.export_jsonl(path)
    assert log.export_jsonl(path, overwrite=True) == 4
    assert not [p for p in tmp_path.iterdir() if p.name != "log.jsonl"]


def test_unsupported_locations_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        EvidenceLog.open(":memory:")
    with pytest.raises(InputError):
        EvidenceLog.create(":memory:", origin="has space", signer=SIGNER)


def test_key_events_cannot_be_appended_directly() -> None:
    log = new_log(1)
    nxt = Ed25519Signer.generate(ORIGIN + "/2")
    rotation = log.rotate_key(nxt, reason="scheduled", event_id="rot-1")
    record = codec.decode(rotation.record)
    with pytest.raises(InputError, match="rotate_key"):
        log.append(record)
    assert log.size == 2


# -- key revocation --------------------------------------------------------------------------

REPLACEMENT = Ed25519Signer.generate(ORIGIN)
OUTSIDER = Ed25519Signer.generate(ORIGIN)


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def story(i: int) -> object:
    records = sample_records()
    return records[i % len(records)]


def revocable_log() -> EvidenceLog:
    """Three entries by SIGNER, a rotation to REPLACEMENT, one entry by REPLACEMENT."""
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
    for i in range(3):
        log.append(story(i), time=minute(i))
    log.rotate_key(REPLACEMENT, reason="key compromise", event_id="rotate-1", time=minute(10))
    log.append(story(3), time=minute(11))
    return log


def test_revoke_key_records_a_revocation_signed_by_the_current_key() -> None:
    log = revocable_log()
    entry = log.revoke_key(
        SIGNER.fingerprint, revoked_at=minute(1), reason="leaked", time=minute(12)
    )
    assert entry.seq == 5
    assert entry.signer == REPLACEMENT.fingerprint
    REPLACEMENT.verifier.verify(entry.signature, entry.signed_bytes())
    revocation = codec.decode(entry.record)
    assert isinstance(revocation, KeyRevocation)
    assert (revocation.fingerprint, revocation.revoked_at, revocation.reason) == (
        SIGNER.fingerprint,
        minute(1),
        "leaked",
    )
    assert revocation.event_time == minute(12)
    # The writer goes on with the new key.
    assert log.append(story(4), time=minute(13)).signer == REPLACEMENT.fingerprint


def test_default_event_ids_differ_per_revocation() -> None:
    log = revocable_log()
    first = log.revoke_key(
        SIGNER.fingerprint, revoked_at=minute(2), reason="leaked", time=minute(12)
    )
    second = log.revoke_key(
        SIGNER.fingerprint, revoked_at=minute(1), reason="earlier", time=minute(13)
    )
    ids = {codec.decode(e.record).event_id for e in (first, second)}  # type: ignore[attr-defined]
    assert len(ids) == 2


def test_the_current_key_cannot_be_revoked() -> None:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
    log.append(story(0), time=minute(0))
    with pytest.raises(InputError, match="rotate_key") as caught:
        log.revoke_key(SIGNER.fingerprint, revoked_at=minute(0), reason="leaked", time=minute(1))
    assert caught.value.path == "fingerprint"
    assert log.size == 1


def test_a_key_the_log_never_had_cannot_be_revoked() -> None:
    log = revocable_log()
    with pytest.raises(InputError, match="not a key of this log"):
        log.revoke_key(OUTSIDER.fingerprint, revoked_at=minute(0), reason="leaked", time=minute(12))
    with pytest.raises(InputError):
        log.revoke_key(b"\x00" * 32, revoked_at=minute(0), reason="x", time=minute(12))  # type: ignore[arg-type]
    assert log.size == 5


def test_revocation_times_must_precede_the_record_and_only_move_earlier() -> None:
    log = revocable_log()
    with pytest.raises(InputError, match="after the revocation") as caught:
        log.revoke_key(SIGNER.fingerprint, revoked_at=minute(13), reason="leaked", time=minute(12))
    assert caught.value.path == "revoked_at"
    with pytest.raises(InputError):
        log.revoke_key(
            SIGNER.fingerprint, revoked_at=datetime(2026, 3, 2), reason="naive", time=minute(12)
        )
    log.revoke_key(SIGNER.fingerprint, revoked_at=minute(2), reason="leaked", time=minute(12))
    for later in (minute(2), minute(3)):
        with pytest.raises(InputError, match="already revoked"):
            log.revoke_key(SIGNER.fingerprint, revoked_at=later, reason="again", time=minute(13))
    log.revoke_key(
        SIGNER.fingerprint, revoked_at=minute(1), reason="found earlier", time=minute(13)
    )
    assert log.size == 7


def test_a_revoked_or_retired_key_never_signs_again() -> None:
    log = revocable_log()
    log.revoke_key(SIGNER.fingerprint, revoked_at=minute(1), reason="leaked", time=minute(12))
    with pytest.raises(InputError, match="revoked"):
        log.rotate_key(SIGNER, reason="back", event_id="rotate-2", time=minute(13))
    with pytest.raises(InputError, match="current key"):
        EvidenceLog(log.store, signer=SIGNER)
    third = Ed25519Signer.generate(ORIGIN)
    log.rotate_key(third, reason="scheduled", event_id="rotate-3", time=minute(14))
    # REPLACEMENT was never revoked, but its window closed: it may not come back either.
    with pytest.raises(InputError, match="already served"):
        log.rotate_key(REPLACEMENT, reason="back", event_id="rotate-4", time=minute(15))
    assert log.entry(log.size - 1).signer == REPLACEMENT.fingerprint


def test_another_writer_process_sees_the_revocations(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        log.append(story(0), time=minute(0))
        log.rotate_key(REPLACEMENT, reason="key compromise", event_id="rotate-1", time=minute(1))
    with EvidenceLog.open(path, signer=REPLACEMENT) as writer:
        writer.revoke_key(SIGNER.fingerprint, revoked_at=minute(0), reason="leaked", time=minute(2))
    with EvidenceLog.open(path, signer=REPLACEMENT) as writer:
        with pytest.raises(InputError, match="already revoked"):
            writer.revoke_key(
                SIGNER.fingerprint, revoked_at=minute(0), reason="again", time=minute(3)
            )
        with pytest.raises(InputError, match="revoked"):
            writer.rotate_key(SIGNER, reason="back", event_id="rotate-2", time=minute(3))


def test_revocations_are_not_appended_directly() -> None:
    log = revocable_log()
    entry = log.revoke_key(
        SIGNER.fingerprint, revoked_at=minute(1), reason="leaked", time=minute(12)
    )
    with pytest.raises(InputError, match="revoke_key"):
        log.append(codec.decode(entry.record))

"""Witness cosigning (C2SP tlog-cosignature/v1): the witness, its state, and quorum policies."""

from __future__ import annotations

import base64
import hashlib
import struct
from datetime import datetime, timedelta, timezone
from itertools import cycle, islice
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import notes
from legaldelivery.checkpoint import Checkpoint, sign_checkpoint
from legaldelivery.equivocation import EquivocationError
from legaldelivery.errors import InputError, NoteError, ProofError, SignatureError, StoreError
from legaldelivery.keys import EcdsaP256Signer, Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.testing.fakes import sample_records
from legaldelivery.witness import (
    Cosignature,
    CosignatureVerifier,
    Cosigner,
    QuorumError,
    Witness,
    WitnessConflictError,
    WitnessPolicy,
    add_cosignatures,
    collect_cosignatures,
    cosigned_message,
)

ORIGIN = "court.example/log"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
LOG_KEY = Ed25519Signer.generate(ORIGIN)
COSIGNERS = [Cosigner.generate(f"witness{i}.example/w") for i in range(3)]

# The example in c2sp.org/tlog-cosignature (facts of the spec, not our output).
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
SPEC_LINE = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrD"
    "JsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)


def grow(log: EvidenceLog, count: int) -> None:
    log.append_many(list(islice(cycle(sample_records()), count)))


def new_log() -> EvidenceLog:
    return EvidenceLog.create(":memory:", origin=ORIGIN, signer=LOG_KEY, clock=lambda: T0)


def witness(cosigner: Cosigner, state_dir: Path, *, at: datetime = T0) -> Witness:
    return Witness(
        cosigner, logs={ORIGIN: [LOG_KEY.verifier]}, state_dir=state_dir, clock=lambda: at
    )


@pytest.fixture
def three(tmp_path: Path) -> list[Witness]:
    found = []
    for i, cosigner in enumerate(COSIGNERS):
        folder = tmp_path / f"w{i}"
        folder.mkdir()
        found.append(witness(cosigner, folder))
    return found


POLICY = WitnessPolicy(witnesses=[c.verifier for c in COSIGNERS], quorum=2)


# -- the acceptance criterion ---------------------------------------------------------------


def test_acceptance_two_of_three_verifies_and_one_does_not(three: list[Witness]) -> None:
    log = new_log()
    grow(log, 5)
    note = collect_cosignatures(log.checkpoint(), three[:2], proofs=log)
    checked = POLICY.verify(note, [LOG_KEY.verifier])
    assert checked.checkpoint.size == 5
    assert [w.name for w, _ in checked.cosignatures] == [COSIGNERS[0].name, COSIGNERS[1].name]
    lonely = collect_cosignatures(log.checkpoint(), three[2:], proofs=log)
    with pytest.raises(QuorumError, match="2 of 3 witnesses must cosign; 1 did"):
        POLICY.verify(lonely, [LOG_KEY.verifier])
    with pytest.raises(QuorumError, match="0 did"):
        POLICY.verify(log.checkpoint(), [LOG_KEY.verifier])


# -- the C2SP format --------------------------------------------------------------------------


def test_the_cosigned_message_is_the_specs() -> None:
    assert cosigned_message(SPEC_CHECKPOINT, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + SPEC_CHECKPOINT.encode()
    )


def test_the_specs_signature_line_reads_as_a_cosignature() -> None:
    note = SPEC_CHECKPOINT + "\n" + SPEC_LINE
    (line,) = notes._parse(note)[1]
    cosignature = Cosignature.from_note_signature(line[1])
    assert cosignature.name == "witness.example.com/w1"
    assert cosignature.timestamp == 1679315147
    assert cosignature.time == datetime(2023, 3, 20, 12, 25, 47, tzinfo=timezone.utc)
    assert cosignature.line() == SPEC_LINE


def test_key_id_and_vkey_follow_the_spec() -> None:
    cosigner = COSIGNERS[0]
    raw = base64.b64decode(cosigner.vkey.split("+", 2)[2])
    assert raw[0] == 0x04
    expected = hashlib.sha256(cosigner.name.encode() + b"\n\x04" + raw[1:]).digest()[:4]
    assert cosigner.verifier.key_id == expected
    assert cosigner.vkey.split("+", 2)[1] == expected.hex()


def test_a_cosignature_is_an_ed25519_signature_over_the_message() -> None:
    text = Checkpoint(ORIGIN, 1, bytes(32)).to_text()
    cosignature = COSIGNERS[0].cosign(text, at=T0)
    public = Ed25519PublicKey.from_public_bytes(
        base64.b64decode(COSIGNERS[0].vkey.split("+", 2)[2])[1:]
    )
    public.verify(cosignature.signature, cosigned_message(text, int(T0.timestamp())))
    raw = base64.b64decode(cosignature.line().split(" ")[2])
    assert raw[:4] == COSIGNERS[0].verifier.key_id
    assert struct.unpack(">Q", raw[4:12])[0] == int(T0.timestamp())


def test_vkeys_are_parsed_strictly() -> None:
    good = COSIGNERS[0].vkey
    assert CosignatureVerifier.from_vkey(good) == COSIGNERS[0].verifier
    name, key_id, key = good.split("+", 2)
    for bad in [
        f"{name}+{key_id}",
        f"{name}+00000000+{key}",
        LOG_KEY.vkey,  # a type 0x01 key is not a cosigner's
        f"bad name+{key_id}+{key}",
        f"{name}+{key_id}+{key[:-2]}",
    ]:
        with pytest.raises(InputError):
            CosignatureVerifier.from_vkey(bad)
    with pytest.raises(InputError):
        CosignatureVerifier.from_vkey(42)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="Ed25519"):
        Cosigner(EcdsaP256Signer.generate("w"))  # type: ignore[arg-type]


# -- the policy -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    total=st.integers(1, 5),
    data=st.data(),
)
def test_a_policy_passes_exactly_when_the_quorum_cosigned(total: int, data: st.DataObject) -> None:
    cosigners = COSIGNERS + [Cosigner.generate(f"more{i}.example") for i in range(2)]
    chosen = cosigners[:total]
    quorum = data.draw(st.integers(1, total), label="quorum")
    signing = data.draw(st.lists(st.sampled_from(chosen), unique=True), label="signing")
    outsider = data.draw(st.booleans(), label="outsider")
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), LOG_KEY)
    text = notes.text_of(note)
    lines = [c.cosign(text, at=T0) for c in signing]
    if outsider:
        lines.append(Cosigner.generate("stranger.example").cosign(text, at=T0))
    cosigned = add_cosignatures(note, lines)
    policy = WitnessPolicy(witnesses=[c.verifier for c in chosen], quorum=quorum)
    if len(signing) >= quorum:
        checked = policy.verify(cosigned, [LOG_KEY.verifier])
        assert {w for w, _ in checked.cosignatures} == {c.verifier for c in signing}
    else:
        with pytest.raises(QuorumError):
            policy.verify(cosigned, [LOG_KEY.verifier])


def test_a_bad_cosignature_by_a_trusted_witness_rejects_the_note() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), LOG_KEY)
    other_text = Checkpoint(ORIGIN, 4, bytes(32)).to_text()
    wrong = COSIGNERS[0].cosign(other_text, at=T0)
    good = COSIGNERS[1].cosign(notes.text_of(note), at=T0)
    third = COSIGNERS[2].cosign(notes.text_of(note), at=T0)
    with pytest.raises(NoteError, match="does not verify"):
        POLICY.verify(add_cosignatures(note, [good, third, wrong]), [LOG_KEY.verifier])


def test_the_same_witness_counts_once() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), LOG_KEY)
    text = notes.text_of(note)
    twice = [COSIGNERS[0].cosign(text, at=T0), COSIGNERS[0].cosign(text, at=T0 + timedelta(1))]
    with pytest.raises(QuorumError, match="1 did"):
        POLICY.verify(add_cosignatures(note, twice), [LOG_KEY.verifier])


def test_time_limits_with_now() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), LOG_KEY)
    text = notes.text_of(note)
    old = COSIGNERS[0].cosign(text, at=T0 - timedelta(days=30))
    fresh = COSIGNERS[1].cosign(text, at=T0)
    future = COSIGNERS[2].cosign(text, at=T0 + timedelta(hours=1))
    both = add_cosignatures(note, [old, fresh])
    assert POLICY.verify(both, [LOG_KEY.verifier], now=T0)
    with pytest.raises(QuorumError, match="older than"):
        POLICY.verify(both, [LOG_KEY.verifier], now=T0, max_age=timedelta(days=1))
    with pytest.raises(NoteError, match="after now"):
        POLICY.verify(add_cosignatures(note, [fresh, future]), [LOG_KEY.verifier], now=T0)


def test_the_log_signature_is_still_required() -> None:
    forged = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), Ed25519Signer.generate(ORIGIN))
    text = notes.text_of(forged)
    cosigned = add_cosignatures(forged, [c.cosign(text, at=T0) for c in COSIGNERS])
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        POLICY.verify(cosigned, [LOG_KEY.verifier])


def test_policies_are_checked() -> None:
    verifiers = [c.verifier for c in COSIGNERS]
    with pytest.raises(InputError, match="quorum"):
        WitnessPolicy(witnesses=verifiers, quorum=0)
    with pytest.raises(InputError, match="twice"):
        WitnessPolicy(witnesses=[verifiers[0], verifiers[0]], quorum=1)
    with pytest.raises(InputError, match="CosignatureVerifier"):
        WitnessPolicy(witnesses=[LOG_KEY.verifier], quorum=1)  # type: ignore[list-item]
    policy = WitnessPolicy.from_vkeys([c.vkey for c in COSIGNERS], quorum=3)
    assert policy.witnesses == tuple(verifiers)


def test_add_cosignatures_does_not_repeat_lines_and_keeps_limits() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), LOG_KEY)
    line = COSIGNERS[0].cosign(notes.text_of(note), at=T0)
    once = add_cosignatures(note, [line])
    assert add_cosignatures(once, [line]) == once
    many = [
        Cosignature(name=f"w{i}", key_id=bytes(4), timestamp=i, signature=bytes(64))
        for i in range(100)
    ]
    with pytest.raises(InputError, match="at most"):
        add_cosignatures(note, many)
    with pytest.raises(NoteError):
        add_cosignatures("not a note", [line])


def test_malformed_cosignature_lines_are_refused() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), LOG_KEY)
    verifier = COSIGNERS[0].verifier
    short = notes.NoteSignature(name=verifier.name, key_id=verifier.key_id, signature=bytes(71))
    with pytest.raises(NoteError, match="72 bytes"):
        POLICY.verify(note + short.line(), [LOG_KEY.verifier])
    huge = notes.NoteSignature(
        name=verifier.name, key_id=verifier.key_id, signature=b"\xff" * 8 + bytes(64)
    )
    with pytest.raises(NoteError, match="2\\*\\*63"):
        POLICY.verify(note + huge.line(), [LOG_KEY.verifier])


# -- the witness and its state ---------------------------------------------------------------


def test_the_witness_follows_a_growing_log_across_restarts(tmp_path: Path) -> None:
    log = new_log()
    grow(log, 1)
    w = witness(COSIGNERS[0], tmp_path)
    assert w.state(ORIGIN) is None
    for size in (3, 4, 8, 8, 13):
        grow(log, size - log.size)
        note = collect_cosignatures(log.checkpoint(), [w], proofs=log)
        assert WitnessPolicy(witnesses=[w.verifier], quorum=1).verify(note, [LOG_KEY.verifier])
        w = witness(COSIGNERS[0], tmp_path)  # a restart: only the state file remains
        state = w.state(ORIGIN)
        assert state is not None
        assert state.checkpoint.size == size
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [".lock", hashlib.sha256(ORIGIN.encode()).hexdigest() + ".json"]


def test_a_stale_old_size_is_a_conflict_naming_the_held_size(tmp_path: Path) -> None:
    log = new_log()
    grow(log, 4)
    w = witness(COSIGNERS[0], tmp_path)
    w.add_checkpoint(log.checkpoint(), old_size=0, proof=[])
    grow(log, 3)
    with pytest.raises(WitnessConflictError) as caught:
        w.add_checkpoint(log.checkpoint(), old_size=0, proof=[])
    assert caught.value.known_size == 4
    cosignature = w.add_checkpoint(log.checkpoint(), old_size=4, proof=log.consistency_proof(4))
    assert cosignature.timestamp == int(T0.timestamp())


def test_the_witness_never_cosigns_a_smaller_tree(tmp_path: Path) -> None:
    log = new_log()
    grow(log, 6)
    w = witness(COSIGNERS[0], tmp_path)
    w.add_checkpoint(log.checkpoint(), old_size=0, proof=[])
    with pytest.raises(InputError, match="rollback"):
        w.add_checkpoint(log.checkpoint(3), old_size=6, proof=[])
    with pytest.raises(WitnessConflictError):
        collect_cosignatures(log.checkpoint(3), [w], proofs=log)


def test_the_witness_catches_a_fork_and_keeps_its_state(tmp_path: Path) -> None:
    log = new_log()
    grow(log, 5)
    w = witness(COSIGNERS[0], tmp_path)
    w.add_checkpoint(log.checkpoint(), old_size=0, proof=[])
    fork = new_log()
    fork.append_many(list(reversed(sample_records()[:5])))
    grow(fork, 4)
    with pytest.raises(EquivocationError) as caught:
        w.add_checkpoint(fork.checkpoint(), old_size=5, proof=fork.consistency_proof(5))
    assert caught.value.evidence.verify([LOG_KEY.verifier]) is None
    same_size = new_log()
    same_size.append_many(list(reversed(sample_records()[:5])))
    with pytest.raises(EquivocationError, match="two different roots"):
        w.add_checkpoint(same_size.checkpoint(), old_size=5, proof=[])
    state = w.state(ORIGIN)
    assert state is not None
    assert state.checkpoint.root_hash == log.root_hash()


def test_a_bad_proof_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    log = new_log()
    grow(log, 4)
    w = witness(COSIGNERS[0], tmp_path)
    w.add_checkpoint(log.checkpoint(), old_size=0, proof=[])
    grow(log, 4)
    with pytest.raises(ProofError):
        w.add_checkpoint(log.checkpoint(), old_size=4, proof=[bytes(32)])
    with pytest.raises(InputError, match="empty proof"):
        w.add_checkpoint(log.checkpoint(4), old_size=4, proof=[bytes(32)])
    state = w.state(ORIGIN)
    assert state is not None
    assert state.checkpoint.size == 4


def test_notes_the_witness_cannot_vouch_for_are_refused(tmp_path: Path) -> None:
    w = witness(COSIGNERS[0], tmp_path)
    forged = sign_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)), Ed25519Signer.generate(ORIGIN))
    with pytest.raises(NoteError):
        w.add_checkpoint(forged, old_size=0, proof=[])
    other = Ed25519Signer.generate("other.example/log")
    with pytest.raises(InputError, match="does not follow"):
        w.add_checkpoint(
            sign_checkpoint(Checkpoint("other.example/log", 1, bytes(32)), other),
            old_size=0,
            proof=[],
        )
    with pytest.raises(InputError, match="empty proof"):
        w.add_checkpoint(
            sign_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)), LOG_KEY), old_size=0, proof=[b"x"]
        )
    with pytest.raises(InputError, match="tree size"):
        w.add_checkpoint(
            sign_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)), LOG_KEY), old_size=-1, proof=[]
        )


def test_a_tampered_state_file_stops_the_witness(tmp_path: Path) -> None:
    log = new_log()
    grow(log, 3)
    w = witness(COSIGNERS[0], tmp_path)
    w.add_checkpoint(log.checkpoint(), old_size=0, proof=[])
    (path,) = tmp_path.glob("*.json")
    forged = sign_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)), Ed25519Signer.generate(ORIGIN))
    text = path.read_text(encoding="utf-8")
    for changed in [
        text.replace('"checkpoint":"', '"checkpoint":"x'),
        text[:-1],
        '{"checkpoint":' + __import__("json").dumps(forged) + text[text.index(',"cosigned_at"') :],
        "[]",
    ]:
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(StoreError, match="does not verify"):
            w.add_checkpoint(log.checkpoint(), old_size=3, proof=[])


def test_witness_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="state directory"):
        witness(COSIGNERS[0], tmp_path / "missing")
    with pytest.raises(InputError, match="Cosigner"):
        Witness(LOG_KEY, logs={}, state_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="log Verifiers"):
        Witness(COSIGNERS[0], logs={ORIGIN: ["vkey"]}, state_dir=tmp_path)  # type: ignore[list-item]
    assert "witness0.example/w" in repr(witness(COSIGNERS[0], tmp_path))


def test_cosignature_values_are_checked() -> None:
    good = {"name": "w", "key_id": bytes(4), "timestamp": 1, "signature": bytes(64)}
    for change, message in [
        ({"key_id": bytes(3)}, "key id"),
        ({"signature": bytes(63)}, "64 bytes"),
        ({"name": "a b"}, "key name"),
        ({"timestamp": -1}, "POSIX seconds"),
        ({"timestamp": 2**63}, "POSIX seconds"),
    ]:
        with pytest.raises(InputError, match=message):
            Cosignature(**{**good, **change})  # type: ignore[arg-type]
    far = Cosignature(**{**good, "timestamp": 2**62})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="datetime"):
        _ = far.time
    with pytest.raises(InputError, match="newline"):
        cosigned_message("no newline", 1)


def test_a_cosignature_by_another_witness_is_not_this_ones() -> None:
    text = Checkpoint(ORIGIN, 1, bytes(32)).to_text()
    cosignature = COSIGNERS[0].cosign(text, at=T0)
    with pytest.raises(SignatureError, match="not by"):
        COSIGNERS[1].verifier.verify(cosignature, text)
    with pytest.raises(InputError, match="Cosignature"):
        COSIGNERS[0].verifier.verify("line", text)  # type: ignore[arg-type]
    assert COSIGNERS[0].verifier != "vkey"
    assert "CosignatureVerifier.from_vkey" in repr(COSIGNERS[0].verifier)
    assert COSIGNERS[0].name in repr(COSIGNERS[0])
    with pytest.raises(InputError, match="32-byte"):
        CosignatureVerifier.from_public_bytes("w", bytes(31))


def test_add_cosignatures_keeps_the_note_size_limit() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), LOG_KEY)
    bulky = [
        Cosignature(
            name=f"{i:02d}" + "w" * 11_000, key_id=bytes(4), timestamp=i, signature=bytes(64)
        )
        for i in range(99)
    ]
    with pytest.raises(InputError, match="exceed"):
        add_cosignatures(note, bulky)
    with pytest.raises(InputError, match="Cosignature"):
        add_cosignatures(note, ["line"])  # type: ignore[list-item]


def test_more_witness_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="mapping"):
        Witness(COSIGNERS[0], logs=[ORIGIN], state_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="log keys"):
        Witness(COSIGNERS[0], logs={ORIGIN: []}, state_dir=tmp_path)
    with pytest.raises(InputError, match="sequence"):
        WitnessPolicy(witnesses="w", quorum=1)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="WitnessClient"):
        collect_cosignatures(
            sign_checkpoint(Checkpoint(ORIGIN, 1, bytes(32)), LOG_KEY),
            ["w"],
            proofs=new_log(),  # type: ignore[list-item]
        )


def test_an_oversized_or_odd_state_file_stops_the_witness(tmp_path: Path) -> None:
    log = new_log()
    grow(log, 2)
    w = witness(COSIGNERS[0], tmp_path)
    w.add_checkpoint(log.checkpoint(), old_size=0, proof=[])
    (path,) = tmp_path.glob("*.json")
    original = path.read_bytes()
    for changed in [
        b" " * (notes.MAX_NOTE_BYTES + 5000),
        original.replace(b'"checkpoint":"', b'"checkpoint":1,"x":"'),
    ]:
        path.write_bytes(changed)
        with pytest.raises(StoreError):
            w.state(ORIGIN)


# -- after a key compromise: retired keys vouch only for the state already held -------------


def three_entries(old: Ed25519Signer) -> EvidenceLog:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=old, clock=lambda: T0)
    grow(log, 3)
    return log


def test_a_witness_moves_to_the_new_key_and_refuses_the_retired_one(tmp_path: Path) -> None:
    old, new = Ed25519Signer.generate(ORIGIN), Ed25519Signer.generate(ORIGIN)
    log = three_entries(old)
    before = Witness(COSIGNERS[0], logs={ORIGIN: [old.verifier]}, state_dir=tmp_path)
    collect_cosignatures(log.checkpoint(), [before], proofs=log)
    held = log.size
    grow(log, 2)  # written with the old key after the leak: the thief's entries, say
    stolen = log.checkpoint()
    log.rotate_key(new, reason="key compromise", event_id="rotation-1")
    grow(log, 1)
    after = Witness(
        COSIGNERS[0],
        logs={ORIGIN: [new.verifier]},
        retired={ORIGIN: [old.verifier]},
        state_dir=tmp_path,
    )
    state = after.state(ORIGIN)  # the held state, signed by the retired key, still reads
    assert state is not None
    assert state.checkpoint.size == held
    # A checkpoint signed by the old key alone gets no cosignature any more...
    with pytest.raises(NoteError):
        after.add_checkpoint(stolen, old_size=held, proof=log.consistency_proof(held, 5))
    # ...while the new key's checkpoint does, once it is consistent with the held one.
    fresh = collect_cosignatures(log.checkpoint(), [after], proofs=log)
    WitnessPolicy(witnesses=[COSIGNERS[0].verifier], quorum=1).verify(fresh, [new.verifier])
    now_held = after.state(ORIGIN)
    assert now_held is not None
    assert now_held.checkpoint.size == log.size


def test_without_its_retired_key_a_witness_cannot_vouch_for_its_state(tmp_path: Path) -> None:
    old, new = Ed25519Signer.generate(ORIGIN), Ed25519Signer.generate(ORIGIN)
    log = three_entries(old)
    collect_cosignatures(
        log.checkpoint(),
        [Witness(COSIGNERS[0], logs={ORIGIN: [old.verifier]}, state_dir=tmp_path)],
        proofs=log,
    )
    only_new = Witness(COSIGNERS[0], logs={ORIGIN: [new.verifier]}, state_dir=tmp_path)
    with pytest.raises(StoreError):
        only_new.state(ORIGIN)


def test_retired_keys_must_belong_to_a_followed_log(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="retired"):
        Witness(
            COSIGNERS[0],
            logs={ORIGIN: [LOG_KEY.verifier]},
            retired={"other.example/log": [LOG_KEY.verifier]},
            state_dir=tmp_path,
        )
    with pytest.raises(InputError, match="retired"):
        Witness(
            COSIGNERS[0],
            logs={ORIGIN: [LOG_KEY.verifier]},
            retired={ORIGIN: ["not a key"]},  # type: ignore[list-item]
            state_dir=tmp_path,
        )

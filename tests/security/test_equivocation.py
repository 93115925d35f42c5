"""Equivocation: two signed checkpoints of one log that cannot both be true, as evidence."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import subprocess
import sys
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import canonical, merkle
from legaldelivery.checkpoint import Checkpoint, sign_checkpoint
from legaldelivery.equivocation import (
    EVIDENCE_FORMAT,
    EquivocationError,
    EquivocationEvidence,
    EquivocationKind,
    check_consistency,
)
from legaldelivery.errors import (
    EncodingError,
    InputError,
    LegalDeliveryError,
    NoteError,
    ProofError,
)
from legaldelivery.keys import Ed25519Signer, Verifier
from legaldelivery.log import EvidenceLog
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/log"
KEY = Ed25519Signer.generate(ORIGIN)
OTHER_KEY = Ed25519Signer.generate(ORIGIN)


class Tree:
    """A log's leaves and what a log answers about them: roots and consistency proofs."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)

    def root_hash(self, size: int | None = None) -> bytes:
        return merkle.root_hash(self.leaves[: len(self.leaves) if size is None else size])

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return merkle.consistency_proof(self.leaves, old_size, new_size or len(self.leaves))

    def note(self, size: int | None = None, key: Ed25519Signer = KEY) -> str:
        n = len(self.leaves) if size is None else size
        return sign_checkpoint(Checkpoint(ORIGIN, n, self.root_hash(n)), key)


def leaves(tag: str, count: int) -> list[bytes]:
    return [f"{tag}-{i}".encode() for i in range(count)]


def fork(common: int, left: int, right: int) -> tuple[Tree, Tree]:
    shared = leaves("shared", common)
    return Tree(shared + leaves("left", left)), Tree(shared + leaves("right", right))


@settings(max_examples=120, deadline=None)
@given(
    common=st.integers(0, 40),
    left=st.integers(1, 20),
    right=st.integers(1, 40),
)
def test_a_fork_is_detected_and_its_evidence_verifies_standalone(
    common: int, left: int, right: int
) -> None:
    a, b = fork(common, left, right)
    small, large = sorted([a, b], key=lambda t: len(t.leaves))
    with pytest.raises(EquivocationError) as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier], proofs=large)
    evidence = caught.value.evidence
    same = len(a.leaves) == len(b.leaves)
    assert evidence.kind is (EquivocationKind.SAME_SIZE if same else EquivocationKind.FORK)
    # Only the bytes and the log's verifier key are needed to check it, anywhere later.
    document = evidence.to_json()
    assert canonical.loads_canonical(document)["format"] == EVIDENCE_FORMAT
    again = EquivocationEvidence.from_json(document)
    assert again == evidence
    assert again.verify([Verifier.from_vkey(KEY.vkey)]) is None
    with pytest.raises(NoteError):
        again.verify([OTHER_KEY.verifier])
    if not same:
        assert evidence.prefix_root == large.root_hash(len(small.leaves))
        assert evidence.prefix_root != small.root_hash()


@settings(max_examples=120, deadline=None)
@given(size=st.integers(1, 60), data=st.data())
def test_an_honest_log_never_yields_evidence(size: int, data: st.DataObject) -> None:
    tree = Tree(leaves("honest", size))
    old = data.draw(st.integers(0, size), label="old")
    new = data.draw(st.integers(0, size), label="new")
    assert check_consistency(tree.note(old), tree.note(new), [KEY.verifier], proofs=tree) is None
    if 0 < min(old, new) < max(old, new):
        proof = tree.consistency_proof(min(old, new), max(old, new))
        assert check_consistency(tree.note(old), tree.note(new), [KEY.verifier], proof) is None


@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(2, 40),
    data=st.data(),
    junk=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=8),
)
def test_nobody_can_frame_an_honest_log(size: int, data: st.DataObject, junk: list[bytes]) -> None:
    """Made-up roots and proofs never turn two honest checkpoints into evidence."""
    tree = Tree(leaves("honest", size))
    old = data.draw(st.integers(1, size - 1), label="old")
    prefix = data.draw(st.binary(min_size=32, max_size=32), label="prefix_root")
    with pytest.raises((ProofError, InputError)):
        check_consistency(tree.note(old), tree.note(), [KEY.verifier], junk, prefix_root=prefix)
    if prefix != tree.root_hash(old):
        forged = EquivocationEvidence(
            first=tree.note(old), second=tree.note(), prefix_root=prefix, proof=junk
        )
        with pytest.raises(ProofError):
            forged.verify([KEY.verifier])


def test_same_size_different_roots_is_equivocation() -> None:
    a, b = fork(3, 2, 2)
    with pytest.raises(EquivocationError, match="one tree size, two different roots") as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier])
    evidence = caught.value.evidence
    assert evidence.kind is EquivocationKind.SAME_SIZE
    assert (evidence.prefix_root, evidence.proof) == (None, ())
    # The pair in either order makes the same evidence.
    with pytest.raises(EquivocationError) as swapped:
        check_consistency(b.note(), a.note(), [KEY.verifier])
    assert swapped.value.evidence.to_json() == evidence.to_json()


def test_a_failing_proof_becomes_evidence_when_it_shows_another_prefix() -> None:
    # Old size 5 is not a power of two: the log's own proof reveals its prefix root.
    a, b = fork(3, 2, 6)
    proof = b.consistency_proof(5, 9)
    with pytest.raises(EquivocationError) as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier], proof)
    assert caught.value.evidence.prefix_root == b.root_hash(5)
    # Old size 4 is a power of two: the proof cannot tell, so it only fails.
    a, b = fork(3, 1, 6)
    with pytest.raises(ProofError):
        check_consistency(a.note(), b.note(), [KEY.verifier], b.consistency_proof(4, 9))
    with pytest.raises(EquivocationError):
        check_consistency(
            a.note(),
            b.note(),
            [KEY.verifier],
            b.consistency_proof(4, 9),
            prefix_root=b.root_hash(4),
        )


def test_with_a_real_evidence_log() -> None:
    records = sample_records()
    honest = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY)
    forked = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY)
    honest.append_many(records[:4])
    forked.append_many([records[0], records[2], records[1], records[3], records[4]])
    with pytest.raises(EquivocationError) as caught:
        check_consistency(honest.checkpoint(), forked.checkpoint(), [KEY.verifier], proofs=forked)
    assert caught.value.evidence.verify([KEY.verifier]) is None
    honest.append(records[4])
    assert (
        check_consistency(honest.checkpoint(4), honest.checkpoint(), [KEY.verifier], proofs=honest)
        is None
    )


def test_the_evidence_verifies_in_another_process_from_the_vkey_alone(tmp_path: object) -> None:
    a, b = fork(2, 3, 5)
    with pytest.raises(EquivocationError) as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier], proofs=b)
    script = (
        "import sys\n"
        "from legaldelivery.equivocation import EquivocationEvidence\n"
        "from legaldelivery.keys import Verifier\n"
        "data = sys.stdin.buffer.read()\n"
        "EquivocationEvidence.from_json(data).verify([Verifier.from_vkey(sys.argv[1])])\n"
        "print('verified')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, KEY.vkey],
        input=caught.value.evidence.to_json(),
        capture_output=True,
        check=True,
    )
    assert result.stdout == b"verified\n"


def test_checkpoints_of_two_logs_or_keys_are_refused() -> None:
    a, b = fork(2, 1, 1)
    other = sign_checkpoint(Checkpoint("other.example/log", 3, b.root_hash()), KEY)
    with pytest.raises(InputError, match="different logs"):
        check_consistency(a.note(), other, [KEY.verifier])
    with pytest.raises(NoteError):
        check_consistency(a.note(), b.note(key=OTHER_KEY), [KEY.verifier])


def test_a_size_zero_checkpoint_must_have_the_empty_root() -> None:
    tree = Tree(leaves("x", 3))
    bogus = sign_checkpoint(Checkpoint(ORIGIN, 0, bytes(32)), KEY)
    with pytest.raises(ProofError, match="empty tree"):
        check_consistency(bogus, tree.note(), [KEY.verifier])


def test_the_structure_is_checked_at_construction() -> None:
    a, b = fork(2, 2, 4)
    small, large = a.note(), b.note()
    with pytest.raises(InputError, match="smaller one"):
        EquivocationEvidence(first=large, second=small, prefix_root=bytes(32), proof=[bytes(32)])
    with pytest.raises(InputError, match="prefix root equals"):
        EquivocationEvidence(
            first=small, second=large, prefix_root=a.root_hash(), proof=[bytes(32)]
        )
    with pytest.raises(InputError, match="needs the consistency proof"):
        EquivocationEvidence(first=small, second=large, prefix_root=bytes(32))
    with pytest.raises(InputError, match="32-byte"):
        EquivocationEvidence(first=small, second=large, prefix_root=bytes(31), proof=[bytes(32)])
    with pytest.raises(InputError, match="proof"):
        EquivocationEvidence(first=small, second=large, prefix_root=bytes(32), proof=[b"x"])
    with pytest.raises(InputError, match="one root do not contradict"):
        EquivocationEvidence(first=small, second=small)
    with pytest.raises(InputError, match="not a signed note"):
        EquivocationEvidence(first="nonsense", second=large)
    with pytest.raises(InputError, match="one log"):
        EquivocationEvidence(
            first=small,
            second=sign_checkpoint(Checkpoint("x", 6, bytes(32)), KEY),
            prefix_root=bytes(32),
            proof=[bytes(32)],
        )


def _document(**members: object) -> bytes:
    return canonical.dumps(members)


def test_from_json_is_strict() -> None:
    a, b = fork(2, 2, 4)
    with pytest.raises(EquivocationError) as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier], proofs=b)
    good = json.loads(caught.value.evidence.to_json())
    for change, message in [
        ({"format": "legaldelivery/equivocation/v2"}, "format"),
        ({"kind": "other"}, "kind"),
        ({"origin": "other"}, "origin"),
        ({"extra": 1}, "unexpected"),
        ({"proof": "AAAA"}, "proof"),
        ({"proof": [base64.b64encode(bytes(31)).decode()]}, "32-byte"),
        ({"prefix_root": "not base64"}, "prefix_root"),
        ({"kind": "same-size"}, "unexpected"),
    ]:
        with pytest.raises(InputError, match=message):
            EquivocationEvidence.from_json(_document(**{**good, **change}))
    with pytest.raises(EncodingError):
        EquivocationEvidence.from_json(b'{"format": 1, "format": 2}')
    with pytest.raises(InputError, match="JSON object"):
        EquivocationEvidence.from_json(b"[]")
    with pytest.raises(InputError, match="limit"):
        EquivocationEvidence.from_json(b" " * (4 << 20))
    with pytest.raises(InputError, match="bytes"):
        EquivocationEvidence.from_json("{}")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_evidence_never_escapes_library_errors(data: st.DataObject) -> None:
    a, b = fork(1, 2, 3)
    with pytest.raises(EquivocationError) as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier], proofs=b)
    document = bytearray(caught.value.evidence.to_json())
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        i = data.draw(st.integers(0, len(document) - 1), label="at")
        document[i] = data.draw(st.integers(0, 255), label="byte")
    with contextlib.suppress(LegalDeliveryError):
        EquivocationEvidence.from_json(bytes(document)).verify([KEY.verifier])


def test_describe_names_sizes_and_roots() -> None:
    a, b = fork(2, 2, 4)
    with pytest.raises(EquivocationError) as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier], proofs=b)
    text = caught.value.evidence.describe()
    assert "size 4" in text
    assert "size 6" in text
    assert hashlib.sha256(b"").hexdigest() not in text
    assert a.root_hash().hex() in text


@settings(max_examples=100, deadline=None)
@given(common=st.integers(0, 30), left=st.integers(1, 20), extra=st.integers(1, 30))
def test_a_logs_own_proof_reveals_its_other_prefix(common: int, left: int, extra: int) -> None:
    """Where the old size is no power of two, the proof alone shows the forked prefix."""
    a, b = fork(common, left, left + extra)
    old, new = len(a.leaves), len(b.leaves)
    proof = b.consistency_proof(old, new)
    if old & (old - 1) == 0:
        with pytest.raises(ProofError):
            check_consistency(a.note(), b.note(), [KEY.verifier], proof)
        return
    with pytest.raises(EquivocationError) as caught:
        check_consistency(a.note(), b.note(), [KEY.verifier], proof)
    assert caught.value.evidence.prefix_root == b.root_hash(old)


def test_more_structure_checks() -> None:
    a, b = fork(2, 2, 2)
    small, other = sorted([a.note(), b.note()])
    with pytest.raises(InputError, match="no prefix root"):
        EquivocationEvidence(first=small, second=other, prefix_root=bytes(32))
    with pytest.raises(InputError, match="no proof"):
        EquivocationEvidence(first=small, second=other, proof=[bytes(32)])
    with pytest.raises(InputError, match="ordered"):
        EquivocationEvidence(first=other, second=small)
    with pytest.raises(InputError, match="str"):
        EquivocationEvidence(first=b"x", second=other)  # type: ignore[arg-type]
    empty = sign_checkpoint(Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT), KEY)
    with pytest.raises(InputError, match="empty tree"):
        EquivocationEvidence(first=empty, second=other, prefix_root=bytes(32), proof=[bytes(32)])
    c, d = fork(1, 2, 4)
    with pytest.raises(InputError, match="sequence"):
        EquivocationEvidence(first=c.note(), second=d.note(), prefix_root=bytes(32), proof=b"x")
    with pytest.raises(InputError, match="at most"):
        EquivocationEvidence(
            first=c.note(), second=d.note(), prefix_root=bytes(32), proof=[bytes(32)] * 131
        )

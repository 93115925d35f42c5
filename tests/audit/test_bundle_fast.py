"""The bundle checker reads its checkpoint note once: the same findings as reading it twice.

``_Checker.check_checkpoint`` verifies the note first and reads the checkpoint from the
verified text, falling back to the unverified text only when verification fails. The
reference here is the plain two-step reading (parse the text, then verify the note),
written out in the test; the two must agree on any note, damaged or not.
"""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, notes
from legaldelivery.audit.bundle import ProofBundle, _Checker, extract_bundle
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import LegalDeliveryError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/fast"
KEY = Ed25519Signer.generate(ORIGIN)
OTHER = Ed25519Signer.generate("court.example/other")


def _bundle() -> ProofBundle:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY)
    log.append_many(sample_records())
    return extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())


BUNDLE = _bundle()
NOTE = BUNDLE.checkpoint
FOREIGN = notes.sign(Checkpoint("court.example/other", 3, bytes(32)).to_text(), OTHER)


def two_step(note: str, trusted: list[object]) -> tuple[list[str], Checkpoint | None]:
    """The plain reading: the text first, unverified; then the signatures."""
    found: list[str] = []
    try:
        claimed = Checkpoint.from_text(notes.text_of(note))
    except LegalDeliveryError as exc:
        return [f"cannot be read: {exc}"], None
    try:
        notes.open(note, trusted)  # type: ignore[arg-type]
    except LegalDeliveryError as exc:
        found.append(str(exc))
    if claimed.origin != ORIGIN:
        found.append(f"the checkpoint is of log {claimed.origin!r}, not {ORIGIN!r}")
    return found, claimed


def one_step(note: str, trusted: list[object]) -> tuple[list[str], Checkpoint | None]:
    checker = _Checker(attrs.evolve(BUNDLE, checkpoint=note), trusted)  # type: ignore[arg-type]
    cp = checker.check_checkpoint()
    assert all(f.kind.value == "checkpoint-invalid" for f in checker.findings)
    return [f.message for f in checker.findings], cp


def notes_to_check() -> st.SearchStrategy[str]:
    def damage(note: str, at: int, char: str, cut: bool) -> str:
        at %= len(note)
        return note[:at] if cut else note[:at] + char + note[at + 1 :]

    damaged = st.builds(
        damage,
        st.sampled_from([NOTE, FOREIGN]),
        st.integers(min_value=0),
        st.characters(codec="utf-8"),
        st.booleans(),
    )
    return st.one_of(st.sampled_from([NOTE, FOREIGN, "", "\n\n", NOTE + NOTE]), damaged)


@settings(max_examples=300, deadline=None)
@given(note=notes_to_check(), trust=st.sampled_from(["log", "other", "both", "none"]))
def test_reading_the_note_once_gives_the_findings_of_reading_it_twice(
    note: str, trust: str
) -> None:
    trusted: list[object] = {
        "log": [KEY.verifier],
        "other": [OTHER.verifier],
        "both": [KEY.verifier, OTHER.verifier],
        "none": [],
    }[trust]
    assert one_step(note, trusted) == two_step(note, trusted)


def test_the_verified_note_is_kept_for_the_witness_policy() -> None:
    checker = _Checker(BUNDLE, [KEY.verifier])
    assert checker.check_checkpoint() is not None
    assert checker.note is not None
    assert checker.note.verified_by == (KEY.verifier,)
    stranger = _Checker(BUNDLE, [OTHER.verifier])
    assert stranger.check_checkpoint() is not None
    assert stranger.note is None

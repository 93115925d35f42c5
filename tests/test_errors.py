"""The error hierarchy: who is at fault, where, and what was expected."""

from __future__ import annotations

import pytest

from legaldelivery import errors


def test_hierarchy_splits_input_from_verification() -> None:
    for cls in (errors.EncodingError,):
        assert issubclass(cls, errors.InputError)
    for cls in (errors.SignatureError, errors.ProofError, errors.NoteError):
        assert issubclass(cls, errors.VerificationError)
    for cls in (errors.InputError, errors.VerificationError, errors.StoreError):
        assert issubclass(cls, errors.LegalDeliveryError)
    assert not issubclass(errors.VerificationError, errors.InputError)
    assert issubclass(errors.InputError, ValueError)


def test_message_names_path_and_value() -> None:
    err = errors.InputError("expected a string", path="documents[1].title", got=7)
    assert str(err) == "documents[1].title: expected a string (got 7)"
    assert err.path == "documents[1].title"


def test_long_values_are_shortened() -> None:
    err = errors.InputError("too long", got="x" * 500)
    assert len(str(err)) < 120
    assert str(err).endswith("...)")


@pytest.mark.parametrize(
    ("inner", "prefix", "expected"),
    [
        ("name", "recipient", "recipient.name"),
        ("[2].digest", "documents", "documents[2].digest"),
        (None, "recipient", "recipient"),
    ],
)
def test_within_reroots_the_path(inner: str | None, prefix: str, expected: str) -> None:
    err = errors.EncodingError("bad", path=inner).within(prefix)
    assert err.path == expected
    assert str(err) == f"{expected}: bad"
    assert isinstance(err, errors.EncodingError)


def test_diagnostics_include_the_cause() -> None:
    try:
        try:
            raise OSError("disk gone")
        except OSError as exc:
            raise errors.StoreError("append failed", path="entry 3") from exc
    except errors.StoreError as err:
        text = err.diagnostics()
    assert "StoreError: entry 3: append failed" in text
    assert "caused by OSError: disk gone" in text


def _every_error() -> list[errors.LegalDeliveryError]:
    """One instance of every exception the library raises, built as the library builds it."""
    from datetime import date

    from legaldelivery.audit.bundle import BundleError, BundleFinding, BundleFindingKind
    from legaldelivery.audit.findings import AuditError, Finding, FindingKind
    from legaldelivery.channels.base import PermanentChannelError, TransientChannelError
    from legaldelivery.checkpoint import Checkpoint
    from legaldelivery.equivocation import EquivocationError, EquivocationEvidence
    from legaldelivery.keys import Ed25519Signer
    from legaldelivery.notes import sign
    from legaldelivery.rules.base import CalendarRangeError, NotModelledError
    from legaldelivery.rules.eu import ErdsPresumptionError
    from legaldelivery.timestamp import TimestampError
    from legaldelivery.witness import QuorumError, WitnessConflictError

    bundle_finding = BundleFinding(
        kind=BundleFindingKind.NOT_INCLUDED, entry=3, message="does not lead to the root", index=1
    )
    finding = Finding(kind=FindingKind.BROKEN_CHAIN, entry=7, message="prev is wrong")
    key = Ed25519Signer.generate("court.example/log")
    fork = EquivocationEvidence(
        first=sign(Checkpoint("court.example/log", 5, bytes(32)).to_text(), key),
        second=sign(Checkpoint("court.example/log", 5, bytes([1]) * 32).to_text(), key),
    )
    return [
        errors.InputError("expected a string", path="a.b", got=7),
        errors.EncodingError("invalid UTF-8 at byte 3", path="$"),
        errors.SignatureError("signature does not verify"),
        errors.ProofError("needs exactly 3 hashes", path="proof"),
        errors.NoteError("no trusted signature"),
        errors.StoreError("disk full", path="/var/log.sqlite"),
        AuditError([finding, finding]),
        BundleError([bundle_finding, bundle_finding, bundle_finding]),
        TransientChannelError("try again later"),
        PermanentChannelError("no such mailbox"),
        CalendarRangeError(f"no calendar for {date(2031, 1, 1)}", path="start"),
        NotModelledError("not modelled", path="rules"),
        ErdsPresumptionError("no qualified provider"),
        QuorumError("1 of 2 witnesses"),
        WitnessConflictError("the witness holds a larger tree", known_size=12),
        TimestampError("the token does not cover this checkpoint"),
        EquivocationError(fork),
    ]


@pytest.mark.parametrize("err", _every_error(), ids=lambda e: type(e).__name__)
def test_every_error_survives_pickling(err: errors.LegalDeliveryError) -> None:
    # Errors cross process boundaries (audit workers, process pools): the copy must say
    # the same and carry the same attributes (findings, reason codes, sizes).
    import pickle

    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err)
    assert str(copy) == str(err)
    assert copy.args == err.args
    assert copy.path == err.path
    assert vars(copy) == vars(err)

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

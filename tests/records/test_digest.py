"""Digest: SHA-256 values in their one written form, parsed strictly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.records import Digest

# FIPS 180-2, appendix B.1 ("abc"), and the digest of the empty string.
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_known_answers() -> None:
    assert str(Digest.of(b"abc")) == "sha256:" + ABC
    assert Digest.of(b"").hex == EMPTY
    assert Digest.of(bytearray(b"abc")) == Digest.of(memoryview(b"abc"))


def test_parse_reads_the_written_form() -> None:
    assert Digest.parse("sha256:" + ABC).value == bytes.fromhex(ABC)


@pytest.mark.parametrize(
    "bad",
    [
        "sha256:" + ABC.upper(),
        "SHA256:" + ABC,
        "sha-256:" + ABC,
        ABC,
        "sha256:" + ABC[:-1],
        "sha256:" + ABC + "0",
        "sha256:" + ABC + "\n",
        " sha256:" + ABC,
        "sha256:" + "g" * 64,
        "sha512:" + ABC + ABC,
        b"sha256:" + ABC.encode(),
        None,
    ],
)
def test_parse_is_strict(bad: object) -> None:
    with pytest.raises(InputError, match=r"documents\[0\].digest: expected 'sha256:'"):
        Digest.parse(bad, path="documents[0].digest")


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33, "00" * 32, bytearray(32)])
def test_value_is_32_bytes(bad: object) -> None:
    with pytest.raises(InputError, match=r"^value: expected exactly 32 bytes"):
        Digest(value=bad)  # type: ignore[arg-type]


def test_of_rejects_text() -> None:
    with pytest.raises(InputError, match=r"expected bytes"):
        Digest.of("abc")  # type: ignore[arg-type]


@given(st.binary(min_size=32, max_size=32))
def test_written_form_round_trips(value: bytes) -> None:
    digest = Digest(value=value)
    assert str(digest) == "sha256:" + value.hex()
    assert Digest.parse(str(digest)) == digest

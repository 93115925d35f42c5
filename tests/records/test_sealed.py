"""Sealed personal data: commitments that hide and bind, and records that use them."""

from __future__ import annotations

import hashlib
import hmac

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError, VerificationError
from legaldelivery.records import Address, Opening, Party, Sealed, seal
from legaldelivery.records.sealed import SEALED_DOMAIN
from legaldelivery.testing.strategies import addresses, names

salts = st.binary(min_size=32, max_size=32)


def reference_commitment(salt: bytes, utf8: bytes) -> bytes:
    """The documented construction, computed without the library."""
    return hmac.new(salt, b"legaldelivery/sealed/v1\n" + utf8, hashlib.sha256).digest()


@pytest.mark.parametrize(
    ("value", "utf8"),
    [
        ("Li Wei", b"Li Wei"),
        ("李伟", b"\xe6\x9d\x8e\xe4\xbc\x9f"),
        ("+923001234567", b"+923001234567"),
        ('say "hi"\nback\\slash', b'say "hi"\nback\\slash'),
    ],
)
def test_commitment_is_the_documented_hmac(value: str, utf8: bytes) -> None:
    salt = bytes(range(32))
    sealed, opening = seal(value, salt=salt)
    assert sealed.commitment == reference_commitment(salt, utf8)
    assert opening.salt == salt
    assert opening.value == value
    assert SEALED_DOMAIN == b"legaldelivery/sealed/v1\n"


@given(names(), salts)
def test_opening_verifies(value: str, salt: bytes) -> None:
    sealed, opening = seal(value, salt=salt)
    assert sealed.verify(opening) is None
    assert opening.sealed() == sealed


@given(names(), names(), salts)
def test_another_value_fails(value: str, other: str, salt: bytes) -> None:
    assume(value != other)
    sealed, _ = seal(value, salt=salt)
    with pytest.raises(VerificationError) as info:
        sealed.verify(Opening(salt=salt, value=other))
    # Neither value is echoed: both are personal data.
    assert str(info.value) == "the opening does not match the sealed commitment"


@given(names(), salts, salts)
def test_another_salt_fails(value: str, salt: bytes, other: bytes) -> None:
    assume(salt != other)
    sealed, _ = seal(value, salt=salt)
    with pytest.raises(VerificationError):
        sealed.verify(Opening(salt=other, value=value))


@given(names(), salts, salts)
def test_distinct_salts_give_distinct_commitments(value: str, a: bytes, b: bytes) -> None:
    assume(a != b)
    assert seal(value, salt=a)[0] != seal(value, salt=b)[0]


def test_default_salts_are_fresh() -> None:
    first, opening = seal("Li Wei")
    second, _ = seal("Li Wei")
    assert first != second
    assert len(opening.salt) == 32


@pytest.mark.parametrize("salt", [b"", b"\x00" * 31, b"\x00" * 33, "0" * 32])
def test_salt_is_32_bytes(salt: object) -> None:
    with pytest.raises(InputError, match=r"^salt: expected exactly 32 bytes"):
        seal("Li Wei", salt=salt)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["", " x", "a\x00b", "a\ud800", 5])
def test_value_must_be_text(value: object) -> None:
    with pytest.raises(InputError, match=r"^value: "):
        seal(value)  # type: ignore[arg-type]


def test_opening_repr_hides_salt_and_value() -> None:
    _, opening = seal("+923001234567")
    assert "923" not in repr(opening)
    assert opening.salt.hex() not in repr(opening)


def test_verify_needs_an_opening() -> None:
    sealed, _ = seal("x")
    with pytest.raises(InputError, match=r"^opening: expected an Opening"):
        sealed.verify("x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    ["sha256:" + "00" * 32, "hmac-sha256:" + "0" * 63, "hmac-sha256:" + "AA" * 32, 7],
)
def test_parse_is_strict(bad: object) -> None:
    with pytest.raises(InputError, match=r"expected 'hmac-sha256:'"):
        Sealed.parse(bad)
    assert Sealed.parse("hmac-sha256:" + "ab" * 32).commitment == b"\xab" * 32


@settings(max_examples=40)
@given(addresses(sealed=False), salts)
def test_addresses_seal_and_open(address: Address, salt: bytes) -> None:
    sealed, opening = address.sealed(salt=salt)
    assert isinstance(sealed.handle, Sealed)
    assert sealed.channel == address.channel
    assert sealed.opened(opening) == address
    with pytest.raises(InputError, match=r"^handle: is already sealed"):
        sealed.sealed()
    with pytest.raises(InputError, match=r"^handle: is not sealed"):
        address.opened(opening)


def test_opening_with_the_wrong_value_fails(wechat: Address) -> None:
    sealed, opening = wechat.sealed()
    with pytest.raises(VerificationError):
        sealed.opened(Opening(salt=opening.salt, value="wxid_someone_else"))


def test_an_opened_handle_is_checked_again(wechat: Address) -> None:
    # A sealed handle that was never checked (built directly) cannot be opened into an
    # invalid address: opening re-runs the channel's handle check.
    bogus, opening = seal("not an openid")
    unchecked = attrs.evolve(wechat, handle=bogus)
    with pytest.raises(InputError, match=r"^handle: expected a WeChat OpenID"):
        unchecked.opened(opening)


def test_parties_seal_and_open(defendant: Party) -> None:
    sealed, opening = defendant.sealed()
    assert isinstance(sealed.name, Sealed)
    assert sealed.opened(opening) == defendant
    with pytest.raises(InputError, match=r"^name: is already sealed"):
        sealed.sealed()
    with pytest.raises(InputError, match=r"^name: is not sealed"):
        defendant.opened(opening)
    with pytest.raises(VerificationError):
        sealed.opened(Opening(salt=opening.salt, value="Someone Else"))

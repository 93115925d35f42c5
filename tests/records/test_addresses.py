"""Addresses: channel kinds (built in, registered, other:*), handles checked per kind."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.records import (
    Address,
    ChannelKind,
    VerificationMethod,
    channel_kinds,
    register_channel_kind,
)
from legaldelivery.testing.strategies import addresses, handles

T = datetime(2020, 6, 1, tzinfo=timezone.utc)


def address(channel: str | ChannelKind, handle: str) -> Address:
    return Address(
        channel=channel,
        handle=handle,
        verification=VerificationMethod.RECIPIENT_PROVIDED,
        verified_at=T,
    )


GOOD = [
    ("email", "li.wei@example.com"),
    ("email", "x+tag@mail.court.gov.cn"),
    ("email", "!#$%&'*+/=?^_`{|}~-@example.org"),
    ("email", '"li wei"@example.com'),
    ("email", '"a\\"b@c"@example.com'),
    ("email", "a@xn--fiqs8s.cn"),
    ("sms", "+923001234567"),
    ("sms", "+61412345678"),
    ("sms", "+12025550123"),
    ("sms", "+" + "1" * 15),
    ("wechat", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"),
    ("wechat", "wxid-liwei_2020"),
    ("wechat", "Abcdef"),
    ("portal", "user:12345@court.example"),
    ("postal", "House 12, Street 4\nF-7/2 Islamabad\nPakistan"),
    ("other:line", "U4af4980629"),
]

BAD = [
    ("email", "li.wei"),
    ("email", "li..wei@example.com"),
    ("email", ".liwei@example.com"),
    ("email", "liwei.@example.com"),
    ("email", "li wei@example.com"),
    ("email", "liwei@localhost"),
    ("email", "liwei@-example.com"),
    ("email", "liwei@example-.com"),
    ("email", "liwei@example.123"),
    ("email", "liwei@[192.0.2.1]"),
    ("email", "李伟@example.com"),
    ("email", "x" * 65 + "@example.com"),
    ("email", "x@" + "a" * 64 + ".com"),
    ("email", "a@" + ".".join(["b" * 60] * 5)),
    ("email", '"unterminated@example.com'),
    ("sms", "03001234567"),
    ("sms", "+0300123456"),
    ("sms", "+9230012"),
    ("sms", "+" + "1" * 16),
    ("sms", "+92 300 1234567"),
    ("sms", "+９２３００１２３４５６７"),  # noqa: RUF001 - fullwidth digits are the point
    ("wechat", "o6_bmjrPTlm6_2sgVt7hMZOPfL2"),
    ("wechat", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M9"),
    ("wechat", "1abcdef"),
    ("wechat", "abcde"),
    ("wechat", "a" * 21),
    ("wechat", "li wei"),
    ("portal", "user name"),
    ("postal", ""),
    ("postal", "Line\x00two"),
    ("other:line", "tab\there"),
]


@pytest.mark.parametrize(("channel", "handle"), GOOD)
def test_handles_accept(channel: str, handle: str) -> None:
    assert address(channel, handle).handle == handle


@pytest.mark.parametrize(("channel", "handle"), BAD)
def test_handles_reject(channel: str, handle: str) -> None:
    with pytest.raises(InputError) as info:
        address(channel, handle)
    assert info.value.path == "handle"


@pytest.mark.parametrize("kind", ["wechat", "email", "sms", "portal", "postal", "other:line"])
@settings(max_examples=30)
@given(data=st.data())
def test_generated_handles_are_accepted(kind: str, data: st.DataObject) -> None:
    # Each kind's strategy yields handles its own check accepts.
    handle = data.draw(handles(kind))
    assert address(kind, handle).handle == handle


@given(addresses(sealed=False))
def test_generated_addresses_rebuild(a: Address) -> None:
    assert address(a.channel, a.handle).destination == a.destination  # type: ignore[arg-type]


def test_channel_kind_members_are_stored_as_strings() -> None:
    a = address(ChannelKind.WECHAT, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
    assert a.channel == "wechat"
    assert type(a.channel) is str
    assert a == address("wechat", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")


@pytest.mark.parametrize(
    "bad", ["WeChat", "fax", "other:", "other:Line", "other:a b", "", None, ChannelKind]
)
def test_unknown_channel_kinds_are_rejected(bad: object) -> None:
    with pytest.raises(InputError, match=r"^channel: expected a known channel kind"):
        address(bad, "x")  # type: ignore[arg-type]


def test_integrators_register_kinds_with_their_own_check() -> None:
    name = "kakao-" + uuid.uuid4().hex[:8]

    def kakao_id(handle: str, path: str) -> None:
        if not handle.isdigit():
            raise InputError("expected a numeric Kakao id", path=path, got=handle)

    with pytest.raises(InputError, match=r"^channel: "):
        address(name, "12345")
    register_channel_kind(name, kakao_id)
    assert name in channel_kinds()
    assert address(name, "12345").channel == name
    with pytest.raises(InputError, match=r"^handle: expected a numeric Kakao id"):
        address(name, "abc")
    with pytest.raises(InputError, match=r"^name: channel kind is already registered"):
        register_channel_kind(name)


def test_a_crashing_check_is_still_bad_input() -> None:
    name = "crashy-" + uuid.uuid4().hex[:8]

    def crash(handle: str, path: str) -> None:
        raise KeyError(handle)

    register_channel_kind(name, crash)
    with pytest.raises(InputError, match=r"rejected by the 'crashy-.*' handle check") as info:
        address(name, "x")
    assert isinstance(info.value.__cause__, KeyError)


@pytest.mark.parametrize("bad", ["Line", "other:x", "1line", "", "x" * 33, "email", 5])
def test_register_rejects_bad_names(bad: object) -> None:
    with pytest.raises(InputError, match=r"^name: "):
        register_channel_kind(bad)  # type: ignore[arg-type]


def test_register_rejects_a_non_callable_check() -> None:
    with pytest.raises(InputError, match=r"^check: "):
        register_channel_kind("never-" + uuid.uuid4().hex[:8], "not callable")  # type: ignore[arg-type]


def test_handle_type(wechat: Address) -> None:
    with pytest.raises(InputError, match=r"^handle: expected a string or a Sealed value"):
        attrs.evolve(wechat, handle=123)


def test_verification(wechat: Address) -> None:
    with pytest.raises(InputError, match=r"^verification: "):
        attrs.evolve(wechat, verification="recipient_confirmed")
    with pytest.raises(InputError, match=r"^verified_at: naive datetime"):
        attrs.evolve(wechat, verified_at=datetime(2020, 6, 1))


def test_destination_ignores_verification(wechat: Address) -> None:
    other = attrs.evolve(wechat, verification=VerificationMethod.COURT_VERIFIED)
    assert other.destination == wechat.destination
    assert other != wechat

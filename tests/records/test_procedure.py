"""Our own procedure events as logged: the reply's content digest is a field of its own."""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import canonical, codec
from legaldelivery.errors import InputError
from legaldelivery.records import (
    Digest,
    EventSource,
    RecipientReply,
    ReplyAct,
    SourceKind,
)
from legaldelivery.testing.strategies import recipient_replies

# FIPS 180-2, appendix B.1: SHA-256 of "abc".
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def small_reply(**more: Any) -> RecipientReply:
    return RecipientReply(
        event_id="e-5",
        order_id="o-1",
        party_id="d-1",
        event_time=datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc),
        source=EventSource(kind=SourceKind.PROVIDER, source_id="wechat"),
        act=ReplyAct.ACKNOWLEDGEMENT,
        objects_to_e_service=False,
        **more,
    )


def test_the_content_digest_is_written_in_its_own_member() -> None:
    # Written by hand from docs/format.md: members sorted, digests 'sha256:<hex>', an
    # absent optional value an explicit null.
    expected = (
        '{"act":"acknowledgement","address":null,'
        f'"content_digest":"sha256:{ABC_SHA256}",'
        '"document_ids":[],"event_id":"e-5","event_time":"2026-03-02T06:00:00.000000Z",'
        '"in_reply_to":null,"objects_to_e_service":false,"order_id":"o-1",'
        '"party_id":"d-1","payload_digest":null,"provider_message_id":null,"reasons":[],'
        '"screenshot_digest":null,"source":{"kind":"provider","source_id":"wechat"},'
        '"type":"recipient-reply/v1"}'
    ).encode()
    reply = small_reply(content_digest=Digest.of(b"abc"))
    assert codec.dumps(reply) == expected
    assert codec.loads(expected, RecipientReply) == reply


def test_a_reply_without_content_writes_null() -> None:
    reply = small_reply()
    assert reply.content_digest is None
    raw = codec.dumps(reply)
    assert b'"content_digest":null' in raw
    assert codec.loads(raw, RecipientReply) == reply


def test_the_tag_stays_v1() -> None:
    assert codec.tag_of(RecipientReply) == "recipient-reply/v1"


@settings(max_examples=60)
@given(recipient_replies())
def test_replies_round_trip_byte_identically(reply: RecipientReply) -> None:
    raw = codec.dumps(reply)
    again = codec.loads(raw, RecipientReply)
    assert again == reply
    assert codec.dumps(again) == raw
    written = canonical.loads(raw)
    assert isinstance(written, dict)
    if reply.content_digest is None:
        assert written["content_digest"] is None
    else:
        assert written["content_digest"] == "sha256:" + reply.content_digest.value.hex()


@settings(max_examples=40)
@given(data=st.binary(max_size=64))
def test_the_content_digest_is_the_sha256_of_what_was_sent(data: bytes) -> None:
    reply = small_reply(content_digest=Digest.of(data))
    written = codec.encode(reply)["content_digest"]
    assert written == "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sha256:" + ABC_SHA256.upper(), "lowercase hex"),
        ("sha256:" + ABC_SHA256[:-2], "64 lowercase hex"),
        (ABC_SHA256, "'sha256:'"),
        (42, "'sha256:'"),
        ({"sha256": ABC_SHA256}, "'sha256:'"),
    ],
)
def test_a_bad_content_digest_names_its_member(value: object, message: str) -> None:
    encoded = copy.deepcopy(codec.encode(small_reply(content_digest=Digest.of(b"abc"))))
    encoded["content_digest"] = value
    with pytest.raises(InputError, match=message) as info:
        codec.decode(encoded)
    assert info.value.path == "content_digest"


def test_the_member_must_be_present_even_when_absent() -> None:
    encoded = codec.encode(small_reply())
    del encoded["content_digest"]
    with pytest.raises(InputError, match="missing field") as info:
        codec.decode(encoded)
    assert info.value.path == "content_digest"


def test_the_content_digest_is_part_of_what_is_signed() -> None:
    # Two replies that differ only in what the recipient sent are two different records.
    one = small_reply(content_digest=Digest.of(b"I accept service."))
    other = attrs.evolve(one, content_digest=Digest.of(b"I object to e-service."))
    assert codec.dumps(one) != codec.dumps(other)
    assert codec.dumps(one) != codec.dumps(attrs.evolve(one, content_digest=None))

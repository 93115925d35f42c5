"""The entry fast paths give the bytes the format defines, computed here the plain way.

The format (ARCHITECTURE.md, docs/format.md): an entry is the RFC 8785 encoding of one
object with eight members; the signature covers the encoding of the object without its
``signature`` member. The plain path below builds exactly those objects and encodes them
whole with ``canonical.dumps``; the library splices member bytes instead.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import EncodingError, InputError, canonical, codec
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log.entry import ENTRY_FORMAT, GENESIS_PREV, EntrySigner, LogEntry, build_entry
from legaldelivery.testing import strategies as lst

SIGNER = Ed25519Signer.generate("court.example/fast-entry")
T = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)


def plain_members(
    origin: object, seq: object, time: datetime, prev: object, record: object, signer: str
) -> dict[str, Any]:
    return {
        "format": ENTRY_FORMAT,
        "origin": origin,
        "seq": seq,
        "time": format_instant(time),
        "prev": prev,
        "record": record,
        "signer": signer,
    }


def plain_entry(
    origin: object, seq: object, time: datetime, prev: object, record: object
) -> tuple[bytes, bytes]:
    """(signed bytes, full bytes) by whole-object encoding, the signature made here."""
    members = plain_members(origin, seq, time, prev, record, SIGNER.fingerprint)
    signed = canonical.dumps(members)
    members["signature"] = base64.b64encode(SIGNER.sign(signed)).decode("ascii")
    return signed, canonical.dumps(members)


origins = st.one_of(
    st.just("court.example/log"),
    st.text(min_size=1, max_size=12),  # quotes, controls, astral characters: escapes
)
prevs = st.one_of(
    st.just(GENESIS_PREV),
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    st.text(max_size=70),  # not a hash: the general path
)
seqs = st.one_of(st.integers(0, 2**53 - 1), st.integers(-5, -1))
times = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from(
        [timezone.utc, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))]
    ),
)


@settings(max_examples=150, deadline=None)
@given(record=lst.records(), origin=origins, seq=seqs, time=times, prev=prevs)
def test_signed_entries_are_the_plain_encoding(
    record: object, origin: str, seq: int, time: datetime, prev: str
) -> None:
    encoded = codec.encode(record)
    entry = build_entry(origin=origin, seq=seq, time=time, prev=prev, record=encoded, signer=SIGNER)
    signed, full = plain_entry(origin, seq, time, prev, encoded)
    assert entry.data == full
    assert entry.signed_bytes() == signed
    assert entry.time == to_utc(time)
    assert (entry.origin, entry.seq, entry.prev, entry.record) == (origin, seq, prev, encoded)
    SIGNER.verifier.verify(entry.signature, signed)


@settings(max_examples=60, deadline=None)
@given(records=st.lists(lst.records(), min_size=1, max_size=5), first=times, second=times)
def test_a_batch_signer_moved_in_time_equals_a_new_one(
    records: list[object], first: datetime, second: datetime
) -> None:
    batch = EntrySigner(origin="court.example/log", signer=SIGNER, time=first).at(second)
    fresh = EntrySigner(origin="court.example/log", signer=SIGNER, time=second)
    assert batch.time == fresh.time == to_utc(second)
    assert batch.fingerprint == SIGNER.fingerprint
    prev = GENESIS_PREV
    for seq, record in enumerate(records):
        ours = batch.sign(seq=seq, prev=prev, record=codec.encode(record))
        theirs = fresh.sign(seq=seq, prev=prev, record=codec.encode(record))
        assert (
            ours.data
            == theirs.data
            == plain_entry("court.example/log", seq, second, prev, codec.encode(record))[1]
        )
        prev = ours.hash


@pytest.mark.parametrize(
    "record",
    [
        {"type": "x/v1", "amount": 1.5},  # a float: the full encoder writes it
        {"type": "x/v1", "\ue000": 1, "\U0001f600": 2},  # UTF-16 name order
        {"type": "x/v1", "nested": [[{"a": None}]]},
    ],
)
def test_records_off_the_fast_path_encode_the_same(record: dict[str, Any]) -> None:
    entry = build_entry(origin="o", seq=3, time=T, prev=GENESIS_PREV, record=record, signer=SIGNER)
    assert entry.data == plain_entry("o", 3, T, GENESIS_PREV, record)[1]


@pytest.mark.parametrize(
    ("record", "path"),
    [
        ({"type": "x/v1", "big": 2**60}, "$.record.big"),
        ({"type": "x/v1", "raw": b"bytes"}, "$.record.raw"),
        ({"type": "x/v1", 5: "int key"}, "$.record"),
    ],
)
def test_unencodable_records_fail_as_the_plain_encoding_does(
    record: dict[Any, Any], path: str
) -> None:
    with pytest.raises(EncodingError) as plain:
        canonical.dumps(plain_members("o", 3, T, GENESIS_PREV, record, SIGNER.fingerprint))
    with pytest.raises(EncodingError) as fast:
        build_entry(origin="o", seq=3, time=T, prev=GENESIS_PREV, record=record, signer=SIGNER)
    assert fast.value.path == plain.value.path == path
    assert str(fast.value) == str(plain.value)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(InputError):
        EntrySigner(origin="o", signer=SIGNER, time=datetime(2026, 1, 1))


def test_signed_bytes_of_an_inconsistent_entry_fall_back_to_encoding() -> None:
    entry = build_entry(
        origin="o", seq=1, time=T, prev=GENESIS_PREV, record={"type": "x/v1"}, signer=SIGNER
    )
    # Bytes that do not end as the members say (misuse of the constructor): the signed
    # bytes are still the encoding of the members.
    odd = LogEntry(
        origin=entry.origin,
        seq=entry.seq,
        time=entry.time,
        prev=entry.prev,
        record=entry.record,
        signer=entry.signer,
        signature=entry.signature,
        data=b"{}",
    )
    members = plain_members("o", 1, T, GENESIS_PREV, {"type": "x/v1"}, SIGNER.fingerprint)
    assert odd.signed_bytes() == canonical.dumps(members) == entry.signed_bytes()

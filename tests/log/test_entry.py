"""Log entries: strict parsing names the member and entry; equality is byte equality."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from legaldelivery import EncodingError, InputError, canonical
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log.entry import GENESIS_PREV, LogEntry, build_entry

SIGNER = Ed25519Signer.generate("court.example/entry-test")
T = datetime(2026, 3, 2, tzinfo=timezone.utc)


def entry_object() -> dict[str, object]:
    entry = build_entry(
        origin="court.example/entry-test",
        seq=3,
        time=T,
        prev=GENESIS_PREV,
        record={"type": "note/v1", "text": "hello"},
        signer=SIGNER,
    )
    return entry.to_json()


def parse(obj: dict[str, object]) -> LogEntry:
    return LogEntry.parse(canonical.dumps(obj), where="entry 3")


def test_a_built_entry_parses_back_equal_and_hashes_its_bytes() -> None:
    entry = parse(entry_object())
    again = parse(entry_object())
    assert entry.seq == 3
    assert entry.record_type == "note/v1"
    assert hash(entry) == hash(entry.data)
    assert entry == again  # Ed25519 signatures are deterministic: the same bytes
    other = entry_object()
    other["seq"] = 4
    assert parse(other) != entry
    assert entry == LogEntry.parse(entry.data)
    assert entry.__eq__(object()) is NotImplemented


@pytest.mark.parametrize(
    ("member", "value", "path"),
    [
        ("format", "legaldelivery/entry/v2", "entry 3.format"),
        ("origin", "", "entry 3.origin"),
        ("origin", 5, "entry 3.origin"),
        ("seq", -1, "entry 3.seq"),
        ("seq", True, "entry 3.seq"),
        ("seq", "3", "entry 3.seq"),
        ("time", "2026-03-02T00:00:00Z", "entry 3.time"),
        ("prev", "0" * 63, "entry 3.prev"),
        ("prev", "A" * 64, "entry 3.prev"),
        ("record", {"text": "no type"}, "entry 3.record"),
        ("record", [], "entry 3.record"),
        ("signer", "not-a-fingerprint", "entry 3.signer"),
        ("signature", "not base64!", "entry 3.signature"),
        ("signature", "", "entry 3.signature"),
        ("signature", "AB==", "entry 3.signature"),  # stray bits: not canonical base64
    ],
)
def test_bad_members_name_their_path(member: str, value: object, path: str) -> None:
    obj = entry_object()
    obj[member] = value
    with pytest.raises(InputError) as info:
        parse(obj)
    assert info.value.path == path


def test_missing_and_extra_members_are_named() -> None:
    obj = entry_object()
    del obj["time"]
    obj["note"] = "extra"
    with pytest.raises(InputError, match=r"missing \['time'\], unexpected \['note'\]"):
        parse(obj)


def test_non_objects_and_non_canonical_bytes_are_refused() -> None:
    with pytest.raises(InputError, match="JSON object"):
        LogEntry.parse(b"[1,2]", where="entry 0")
    data = canonical.dumps(entry_object()).replace(b":", b": ", 1)
    with pytest.raises(EncodingError) as info:
        LogEntry.parse(data, where="entry 9")
    assert (info.value.path or "").startswith("entry 9")


def test_signature_member_round_trips_as_padded_base64() -> None:
    obj = entry_object()
    entry = parse(obj)
    assert base64.b64encode(entry.signature).decode() == obj["signature"]
    SIGNER.verifier.verify(entry.signature, entry.signed_bytes())


def test_entries_longer_than_the_bound_are_neither_signed_nor_read() -> None:
    from legaldelivery.log.entry import MAX_ENTRY_BYTES

    big = {"type": "note/v1", "text": "x" * MAX_ENTRY_BYTES}
    with pytest.raises(InputError, match="at most"):
        build_entry(
            origin="court.example/entry-test",
            seq=0,
            time=T,
            prev=GENESIS_PREV,
            record=big,
            signer=SIGNER,
        )
    fits = build_entry(
        origin="court.example/entry-test",
        seq=0,
        time=T,
        prev=GENESIS_PREV,
        record={"type": "note/v1", "text": "x" * (MAX_ENTRY_BYTES - 500)},
        signer=SIGNER,
    )
    assert len(fits.data) <= MAX_ENTRY_BYTES
    assert LogEntry.parse(fits.data) == fits
    with pytest.raises(EncodingError, match="entry 9: an entry is at most"):
        LogEntry.parse(b" " * (MAX_ENTRY_BYTES + 1), where="entry 9")

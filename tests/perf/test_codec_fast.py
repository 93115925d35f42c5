"""The codec's quicker hooks write what the field encodings say, built here the plain way.

The plain path is a converter configured straight from the codec's documented field
encodings (instants by ``format_instant``, enums by their ``value``, tuples as lists,
bytes as padded base64, dates ISO, digests and sealed values as strings), with cattrs'
own generic handling of everything else.
"""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import cattrs
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import codec
from legaldelivery.instants import format_instant
from legaldelivery.records import Digest, Sealed
from legaldelivery.testing import strategies as lst


def plain_converter() -> cattrs.Converter:
    conv = cattrs.Converter(unstruct_collection_overrides={tuple: list})
    conv.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))
    conv.register_unstructure_hook(datetime, format_instant)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_unstructure_hook(Digest, str)
    conv.register_unstructure_hook(Sealed, lambda s: {"sealed": str(s)})
    return conv


PLAIN = plain_converter()


@settings(max_examples=300, deadline=None)
@given(record=lst.records())
def test_encode_equals_the_plain_unstructuring(record: Any) -> None:
    expected = PLAIN.unstructure(record)
    expected["type"] = codec.tag_of(record)
    assert codec.encode(record) == expected
    assert codec.decode(codec.encode(record)) == record


zones = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=8)), timezone(-timedelta(hours=9, minutes=30))]
)


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
    )
)
def test_instants_are_written_as_format_instant_writes_them(moment: datetime) -> None:
    assert codec._unstructure_datetime(moment) == format_instant(moment)


def test_a_datetime_subclass_takes_the_plain_formatter() -> None:
    class Moment(datetime):
        def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
            return "not an instant"

    moment = Moment(2026, 3, 2, 1, 30, tzinfo=timezone.utc)
    assert codec._unstructure_datetime(moment) == "2026-03-02T01:30:00.000000Z"


def test_tuples_of_records_and_plain_values_become_lists() -> None:
    @attrs.frozen(kw_only=True)
    class Bundle:
        names: tuple[str, ...]
        days: tuple[date, ...]

    codec.register(Bundle, "perf-test-bundle/v1")
    bundle = Bundle(names=("a", "b"), days=(date(2026, 3, 2),))
    assert codec.encode(bundle) == {
        "names": ["a", "b"],
        "days": ["2026-03-02"],
        "type": "perf-test-bundle/v1",
    }
    assert codec.decode(codec.encode(bundle)) == bundle

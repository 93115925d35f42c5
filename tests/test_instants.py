"""The one instant form: aware UTC, microseconds, 'YYYY-MM-DDTHH:MM:SS.ffffffZ'."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, parse_instant, to_utc

aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
)


@given(aware)
def test_round_trip_keeps_the_instant(value: datetime) -> None:
    text = format_instant(value)
    assert len(text) == 27
    assert text.endswith("Z")
    back = parse_instant(text)
    # Compared through to_utc: a wall time in a DST gap has no single UTC reading.
    assert back == to_utc(value)
    assert back.tzinfo is timezone.utc
    assert format_instant(back) == text


def test_offsets_are_normalised_to_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    assert format_instant(datetime(2026, 1, 1, 7, 59, tzinfo=beijing)) == (
        "2025-12-31T23:59:00.000000Z"
    )


def test_pendulum_datetimes_become_plain_utc_datetimes() -> None:
    value = to_utc(pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"))
    assert type(value) is datetime
    assert value == datetime(2026, 3, 2, 1, tzinfo=timezone.utc)


def test_small_years_are_zero_padded() -> None:
    assert format_instant(datetime(5, 1, 2, tzinfo=timezone.utc)).startswith("0005-01-02T")


@pytest.mark.parametrize("value", [datetime(2026, 1, 1), "2026-01-01", 0, None])
def test_to_utc_rejects_naive_and_non_datetimes(value: object) -> None:
    with pytest.raises(InputError) as info:
        to_utc(value, path="order.created_at")
    assert info.value.path == "order.created_at"


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02T01:30:00Z",
        "2026-03-02T01:30:00.000000+00:00",
        "2026-03-02 01:30:00.000000Z",
        "2026-02-30T01:30:00.000000Z",
        "2026-03-02T24:00:00.000000Z",
        "2026-03-02T01:30:00.000000Z\n",
        "２０２６-03-02T01:30:00.000000Z",  # noqa: RUF001 -- non-ASCII digits must fail
        20260302,
    ],
)
def test_parse_instant_is_strict(text: object) -> None:
    with pytest.raises(InputError):
        parse_instant(text, path="time")

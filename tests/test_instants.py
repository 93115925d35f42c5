"""The one instant form: aware UTC, microseconds, 'YYYY-MM-DDTHH:MM:SS.ffffffZ'."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import instants
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


# -- the quick paths against the field-by-field reading -------------------------------


def _reference_instant(text: str) -> datetime | str:
    """The field-by-field reading of a text of the instant form, or why it is no instant."""
    try:
        return datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            int(text[20:26]),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return "not a valid calendar instant"


instant_texts = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z".format,
    # Mostly valid fields, and the edges and nonsense each field can hold.
    st.one_of(st.integers(0, 9999), st.sampled_from([0, 1, 1900, 2000, 2024, 2100, 9999])),
    st.one_of(st.integers(1, 12), st.sampled_from([0, 13, 99])),
    st.one_of(st.integers(1, 28), st.sampled_from([0, 29, 30, 31, 32, 99])),
    st.one_of(st.integers(0, 23), st.sampled_from([24, 25, 99])),
    st.one_of(st.integers(0, 59), st.sampled_from([60, 99])),
    st.one_of(st.integers(0, 59), st.sampled_from([60, 61, 99])),
    st.integers(0, 999_999),
)


@settings(max_examples=400)
@given(instant_texts)
def test_parse_instant_reads_as_the_field_by_field_reading(text: str) -> None:
    expected = _reference_instant(text)
    if isinstance(expected, str):
        with pytest.raises(InputError) as info:
            parse_instant(text, path="t")
        assert info.value.path == "t"
        assert info.value.message == f"{expected} (got {text!r})"
        assert isinstance(info.value.__cause__, ValueError)
        return
    got = parse_instant(text, path="t")
    assert isinstance(expected, datetime)
    assert got == expected
    assert type(got) is datetime
    assert got.tzinfo is timezone.utc
    assert got.fold == 0
    assert format_instant(got) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02T24:00:00.000000Z",
        "2026-12-31T24:00:00.000000Z",
        "2026-02-29T00:00:00.000000Z",
        "2026-03-02T23:59:60.000000Z",
        "0000-01-01T00:00:00.000000Z",
    ],
)
def test_impossible_instants_are_refused(text: str) -> None:
    # 24:00 especially: newer Pythons' fromisoformat reads it as the next midnight.
    with pytest.raises(InputError, match=r"^when: not a valid calendar instant") as info:
        parse_instant(text, path="when")
    assert isinstance(info.value.__cause__, ValueError)


def _reference_utc(value: datetime) -> datetime:
    utc = value.astimezone(timezone.utc)
    return datetime(
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
        tzinfo=timezone.utc,
    )


class _Subclass(datetime):
    pass


@given(
    aware,
    st.sampled_from([timezone.utc, timezone(timedelta(0)), timezone(timedelta(hours=-5))]),
    st.integers(0, 1),
    st.booleans(),
)
def test_to_utc_quick_path_returns_what_the_slow_path_builds(
    value: datetime, zone: timezone, fold: int, subclass: bool
) -> None:
    value = value.astimezone(timezone.utc).replace(tzinfo=zone, fold=fold)
    if subclass:
        value = _Subclass(*value.timetuple()[:6], value.microsecond, tzinfo=zone, fold=fold)
    got = to_utc(value)
    expected = _reference_utc(value)
    assert got == expected
    assert repr(got) == repr(expected)  # the same fold, type and zone too
    assert type(got) is datetime
    assert got.tzinfo is timezone.utc


def test_hour_24_is_refused_whatever_fromisoformat_makes_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Python 3.11 refuses "24:00" itself; newer versions read it as the next midnight.
    # Stand in such a parser, so the guard is tested on every version.
    def next_midnight(text: str) -> datetime:
        if text[11:13] == "24":
            return datetime.fromisoformat(text[:11] + "00" + text[13:]) + timedelta(days=1)
        return datetime.fromisoformat(text)

    monkeypatch.setattr(instants, "_from_isoformat", next_midnight)
    assert parse_instant("2026-03-02T23:00:00.000000Z").hour == 23
    with pytest.raises(InputError, match=r"^when: not a valid calendar instant"):
        parse_instant("2026-03-02T24:00:00.000000Z", path="when")

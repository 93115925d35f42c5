"""Court calendars: the State Council notices, 5 U.S.C. 6103, Italian holidays; never a guess."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from importlib import resources
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.rules import CalendarRangeError, calendars
from legaldelivery.rules.calendars import HolidayCalendar

CN = calendars.china()
US = calendars.united_states()
IT = calendars.italy()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# State Council notice of 2025-11-04 (国办发明电[2025]7号), as DOMAIN.md quotes it.
CN_2026_REST = [
    *_days(date(2026, 1, 1), date(2026, 1, 3)),  # New Year's Day
    *_days(date(2026, 2, 15), date(2026, 2, 23)),  # Spring Festival
    *_days(date(2026, 5, 1), date(2026, 5, 5)),  # Labour Day
    *_days(date(2026, 10, 1), date(2026, 10, 7)),  # National Day
]
CN_2026_MAKE_UP = [
    date(2026, 1, 4),  # Sunday
    date(2026, 2, 14),  # Saturday
    date(2026, 2, 28),  # Saturday
    date(2026, 5, 9),  # Saturday
    date(2026, 9, 20),  # Sunday
    date(2026, 10, 10),  # Saturday
]


@pytest.mark.parametrize("day", CN_2026_REST, ids=str)
def test_cn_2026_notice_rest_days(day: date) -> None:
    info = CN.day(day)
    assert not info.working
    assert info.source is not None
    assert "2025\u30157号" in info.source


@pytest.mark.parametrize("day", CN_2026_MAKE_UP, ids=str)
def test_cn_2026_make_up_working_days(day: date) -> None:
    assert day.weekday() >= 5  # a weekend day made a working day (调休)
    info = CN.day(day)
    assert info.working
    assert "调休" in info.reason


def test_cn_plain_weekend_and_weekday() -> None:
    assert CN.day(date(2026, 3, 7)).reason == "Saturday"
    assert not CN.is_working_day(date(2026, 3, 8))
    assert CN.is_working_day(date(2026, 3, 9))
    assert CN.day(date(2026, 3, 9)).source is None


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        # 2024 notice (国办发明电[2023]7号): Spring Festival 10-17 Feb, Sun 4 and 18 Feb work.
        (date(2024, 2, 9), True, "New Year's Eve was not a holiday in 2024"),
        (date(2024, 2, 17), False, "last day of the Spring Festival break"),
        (date(2024, 2, 18), True, "make-up Sunday"),
        # 2025 notice (国办发明电[2024]12号): National Day and Mid-Autumn 1-8 Oct.
        (date(2025, 10, 8), False, "the eighth day of the 2025 break"),
        (date(2025, 10, 11), True, "make-up Saturday"),
        (date(2025, 1, 26), True, "make-up Sunday before the Spring Festival"),
    ],
)
def test_cn_2024_and_2025_notices(day: date, working: bool, why: str) -> None:
    assert CN.is_working_day(day) is working, why


# 5 U.S.C. 6103(a): the eleven legal public holidays of 2026, by their statutory rule.
US_2026 = {
    date(2026, 1, 1): "New Year's Day",  # 1 January
    date(2026, 1, 19): "Martin Luther King",  # third Monday of January
    date(2026, 2, 16): "Washington's Birthday",  # third Monday of February
    date(2026, 5, 25): "Memorial Day",  # last Monday of May
    date(2026, 6, 19): "Juneteenth",
    date(2026, 7, 3): "Independence Day (observed",  # 4 July is a Saturday: 6103(b)(1)
    date(2026, 9, 7): "Labor Day",  # first Monday of September
    date(2026, 10, 12): "Columbus Day",  # second Monday of October
    date(2026, 11, 11): "Veterans Day",
    date(2026, 11, 26): "Thanksgiving Day",  # fourth Thursday of November
    date(2026, 12, 25): "Christmas Day",
}


@pytest.mark.parametrize(("day", "name"), US_2026.items(), ids=str)
def test_us_2026_legal_holidays(day: date, name: str) -> None:
    info = US.day(day)
    assert not info.working
    assert name in info.reason


def test_us_observed_day_cites_6103b() -> None:
    info = US.day(date(2026, 7, 3))
    assert info.source is not None
    assert "6103(b)" in info.source


def test_us_presidential_closings_are_marked_unverified() -> None:
    for day in (date(2024, 12, 24), date(2025, 1, 9), date(2025, 12, 24), date(2025, 12, 26)):
        info = US.day(day)
        assert not info.working
        assert info.source is not None
        assert "unverified" in info.source


def test_us_has_no_make_up_days() -> None:
    assert US.working_days == ()
    assert not US.is_working_day(date(2026, 7, 4))  # a Saturday holiday stays a rest day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 6, 2), False),  # Festa della Repubblica
        (date(2026, 12, 26), False),  # Santo Stefano (a Saturday)
        (date(2026, 4, 7), True),
    ],
)
def test_italian_holidays(day: date, working: bool) -> None:
    assert IT.is_working_day(day) is working


@pytest.mark.parametrize("calendar", [CN, US, IT], ids=lambda c: c.calendar_id)
def test_a_day_outside_the_range_is_an_error_never_a_guess(calendar: HolidayCalendar) -> None:
    for day in (calendar.valid_from - timedelta(days=1), calendar.valid_until + timedelta(days=1)):
        with pytest.raises(CalendarRangeError, match="outside the known range") as info:
            calendar.day(day)
        assert isinstance(info.value, InputError)
    assert calendar.day(calendar.valid_from).day == calendar.valid_from
    assert calendar.day(calendar.valid_until).day == calendar.valid_until


def test_a_run_of_rest_days_past_the_range_raises() -> None:
    short = HolidayCalendar(
        calendar_id="short",
        name="three days",
        source="test",
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 1, 3),  # a Saturday
        weekend=frozenset({5, 6}),
        rest_days=(),
        working_days=(),
    )
    assert short.next_working_day(date(2026, 1, 2))[0].day == date(2026, 1, 2)
    with pytest.raises(CalendarRangeError, match="2026-01-04"):
        short.next_working_day(date(2026, 1, 3))


def test_next_working_day_after_national_day() -> None:
    found, skipped = CN.next_working_day(date(2026, 10, 1))
    assert found.day == date(2026, 10, 8)
    assert [s.day for s in skipped] == _days(date(2026, 10, 1), date(2026, 10, 7))
    found, skipped = CN.next_working_day(date(2026, 10, 9))
    assert (found.day, skipped) == (date(2026, 10, 9), ())


def test_a_plain_date_is_required() -> None:
    from datetime import datetime, timezone

    with pytest.raises(InputError, match=r"datetime\.date"):
        CN.day(datetime(2026, 3, 2, tzinfo=timezone.utc))  # type: ignore[arg-type]


def test_with_rest_days_adds_a_state_holiday() -> None:
    closed = US.with_rest_days({date(2026, 2, 12): "Lincoln's Birthday"}, source="state law")
    info = closed.day(date(2026, 2, 12))
    assert (info.working, info.reason, info.source) == (False, "Lincoln's Birthday", "state law")
    assert US.is_working_day(date(2026, 2, 12))  # the original is unchanged


def test_with_rest_days_overrides_a_make_up_day_and_a_holiday_name() -> None:
    closed = CN.with_rest_days(
        {date(2026, 2, 14): "court closed", date(2026, 2, 16): "renamed"}, source="court order"
    )
    assert not closed.is_working_day(date(2026, 2, 14))
    assert closed.day(date(2026, 2, 16)).reason == "renamed"


@pytest.mark.parametrize(
    ("days", "source", "error"),
    [
        ({date(2031, 1, 1): "x"}, "s", CalendarRangeError),
        ({date(2026, 1, 1): ""}, "s", InputError),
        ({"2026-01-01": "x"}, "s", InputError),
        ({date(2026, 1, 5): "x"}, "", InputError),
        ([date(2026, 1, 5)], "s", InputError),
    ],
)
def test_with_rest_days_rejects_bad_input(days: Any, source: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        CN.with_rest_days(days, source=source)


def _packaged(name: str) -> dict[str, Any]:
    text = resources.files("legaldelivery.rules").joinpath("data").joinpath(name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_every_packaged_calendar_has_sources_and_a_range() -> None:
    for calendar_id in ("cn", "us-federal", "it"):
        calendar = calendars.load(calendar_id)
        assert calendar.source
        assert calendar.valid_from <= calendar.valid_until
        assert all(entry.source for entry in (*calendar.rest_days, *calendar.working_days))


def test_load_rejects_an_unknown_calendar() -> None:
    for bad in ("fr", ["cn"], None):
        with pytest.raises(InputError, match="calendar_id"):
            calendars.load(bad)  # type: ignore[arg-type]
    assert calendars.load("cn") is calendars.china()


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d.update(valid_until="2023-12-31"), "valid_until"),
        (lambda d: d.update(valid_until="2027-12-31"), "years"),  # 2027 has no data
        (lambda d: d["years"].pop(), "years"),
        (lambda d: d.update(weekend=["caturday"]), "weekend"),
        (lambda d: d["years"][0].update(source=""), "years[0].source"),
        (lambda d: d["years"][0]["rest_days"].append({"date": "2024-13-01", "name": "x"}), "date"),
        (lambda d: d["years"][0]["rest_days"].append({"date": "2024-03-01"}), "rest_days[7]"),
        (
            lambda d: d["years"][0]["rest_days"].append({"date": "2024-02-12", "name": "x"}),
            "rest_days",
        ),
        (
            lambda d: d["years"][0]["working_days"].append({"date": "2024-03-05", "name": "x"}),
            "working_days",
        ),
        (
            lambda d: d["years"][0]["working_days"].append({"date": "2024-02-12", "name": "x"}),
            "working_days",
        ),
        (
            lambda d: d["years"][0]["rest_days"].append({"date": "2031-01-01", "name": "x"}),
            "rest_days",
        ),
    ],
)
def test_from_data_rejects_malformed_calendars(mutate: Any, path: str) -> None:
    data = copy.deepcopy(_packaged("calendar_cn.json"))
    mutate(data)
    with pytest.raises(InputError) as info:
        HolidayCalendar.from_data(data)
    assert path in str(info.value)


def test_from_data_round_trips_the_packaged_data() -> None:
    assert HolidayCalendar.from_data(_packaged("calendar_cn.json")) == CN


@settings(max_examples=200)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))
def test_next_working_day_is_the_first_working_day(day: date) -> None:
    try:
        found, skipped = CN.next_working_day(day)
    except CalendarRangeError:
        return  # the run of rest days reaches past the data: refused, not guessed
    assert found.working
    assert [s.day for s in skipped] == _days(day, found.day - timedelta(days=1))
    assert not any(s.working for s in skipped)


def test_known_ranges() -> None:
    # China ends with the last State Council notice published (for 2026); the US and Italian
    # holidays of 2027 follow from statute.
    assert (CN.valid_from, CN.valid_until) == (date(2024, 1, 1), date(2026, 12, 31))
    assert (US.valid_from, US.valid_until) == (date(2024, 1, 1), date(2027, 12, 31))
    assert (IT.valid_from, IT.valid_until) == (date(2024, 1, 1), date(2027, 12, 31))


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 for the last) given weekday of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _us_statutory_days_off(year: int) -> set[date]:
    """5 U.S.C. 6103(a)'s holidays of ``year`` with the weekday each is observed on."""
    monday, thursday = 0, 3
    fixed = [date(year, m, d) for m, d in ((1, 1), (6, 19), (7, 4), (11, 11), (12, 25))]
    moving = [
        _nth_weekday(year, 1, monday, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, monday, 3),  # Washington's Birthday
        _nth_weekday(year, 5, monday, -1),  # Memorial Day
        _nth_weekday(year, 9, monday, 1),  # Labor Day
        _nth_weekday(year, 10, monday, 2),  # Columbus Day
        _nth_weekday(year, 11, thursday, 4),  # Thanksgiving Day
    ]
    days = set(fixed + moving)
    # 6103(b)(1): Saturday -> the Friday before; Executive Order 11582: Sunday -> Monday after.
    # New Year's Day of the next year on a Saturday is observed on 31 December.
    for holiday in [*fixed, date(year + 1, 1, 1)]:
        if holiday.weekday() == 5:
            days.add(holiday - timedelta(days=1))
        elif holiday.weekday() == 6:
            days.add(holiday + timedelta(days=1))
    return {d for d in days if d.year == year}


def test_us_calendar_follows_the_rules_of_5_usc_6103_every_year() -> None:
    closings = {d.day for d in US.rest_days if "6(a)(6)(B)" in d.source}
    for year in range(US.valid_from.year, US.valid_until.year + 1):
        off = _us_statutory_days_off(year) | {d for d in closings if d.year == year}
        for day in _days(date(year, 1, 1), date(year, 12, 31)):
            assert US.is_working_day(day) is (day.weekday() < 5 and day not in off), day


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2027, 6, 18), "Juneteenth National Independence Day (observed"),  # 19 June: Sat
        (date(2027, 7, 5), "Independence Day (observed"),  # 4 July is a Sunday
        (date(2027, 12, 24), "Christmas Day (observed"),  # 25 December is a Saturday
        (date(2027, 12, 31), "New Year's Day 2028 (observed"),  # 1 January 2028: Saturday
    ],
    ids=str,
)
def test_us_2027_observed_days(day: date, reason: str) -> None:
    info = US.day(day)
    assert not info.working
    assert info.reason.startswith(reason)
    assert info.source is not None
    assert "FRCP 6(a)(6)(A)" in info.source


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def test_the_computus_matches_known_easters() -> None:
    assert [_easter(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]


def test_italian_calendar_follows_legge_260_1949_every_year() -> None:
    for year in range(IT.valid_from.year, IT.valid_until.year + 1):
        fixed = [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25)]
        fixed.append((12, 26))
        if year >= 2026:  # Legge 151/2025, in force 2026-01-01
            fixed.append((10, 4))
        off = {date(year, m, d) for m, d in fixed} | {_easter(year) + timedelta(days=1)}
        for day in _days(date(year, 1, 1), date(year, 12, 31)):
            assert IT.is_working_day(day) is (day.weekday() < 5 and day not in off), day


def test_st_francis_is_a_rest_day_from_2026_with_its_law() -> None:
    info = IT.day(date(2027, 10, 4))  # a Monday
    assert not info.working
    assert info.source is not None
    assert "Legge 8 ottobre 2025 n. 151" in info.source
    assert IT.is_working_day(date(2025, 10, 6))  # the law did not reach back
    assert IT.day(date(2025, 10, 4)).reason == "Saturday"


def test_the_range_error_says_how_to_supply_the_year() -> None:
    with pytest.raises(CalendarRangeError) as info:
        CN.day(date(2027, 1, 4))
    message = str(info.value)
    assert "2027-01-04 is outside the known range 2024-01-01..2026-12-31" in message
    for needed in ("with_year(", "'year': 2027", "HolidayCalendar.from_data", "calendar/v1"):
        assert needed in message, needed


# A fictitious year, as a court would transcribe one from its notice.
NEXT_YEAR = {
    "year": 2027,
    "source": "test notice",
    "rest_days": [
        {"date": "2027-01-01", "through": "2027-01-03", "name": "New Year's Day"},
        {"date": "2027-02-08", "name": "a listed Monday", "source": "paragraph 2"},
    ],
    "working_days": [{"date": "2027-01-09", "name": "make-up Saturday"}],
}


def test_with_year_extends_the_range_with_the_years_source() -> None:
    extended = CN.with_year(NEXT_YEAR)
    assert (extended.valid_from, extended.valid_until) == (CN.valid_from, date(2027, 12, 31))
    assert extended.day(date(2027, 1, 2)).source == "test notice"
    assert extended.day(date(2027, 2, 8)).source == "paragraph 2"
    assert extended.is_working_day(date(2027, 1, 9))  # a Saturday
    assert extended.is_working_day(date(2027, 1, 4))
    assert not extended.is_working_day(date(2027, 1, 10))
    # The packaged calendar is untouched, and a deadline now ends in 2027.
    assert CN.valid_until == date(2026, 12, 31)
    found, skipped = extended.next_working_day(date(2026, 12, 31))
    assert found.day == date(2026, 12, 31)
    assert skipped == ()
    assert extended.next_working_day(date(2027, 1, 1))[0].day == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"year": 2028}, "entry.year"),
        ({"year": "2027"}, "entry.year"),
        ({"source": ""}, "entry.source"),
        ({"rest_days": None}, "entry.rest_days"),
        ({"rest_days": [{"date": "2027-02-30", "name": "x"}]}, "entry.rest_days[0].date"),
        ({"working_days": [{"date": "2027-01-04", "name": "a Monday"}]}, "working_days"),
        ({"rest_days": [{"date": "2028-01-03", "name": "x"}]}, "rest_days"),
        ({"rest_days": [{"date": "2026-02-16", "name": "listed in 2026 already"}]}, "rest_days"),
    ],
)
def test_with_year_rejects_a_malformed_year(change: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as info:
        CN.with_year({**NEXT_YEAR, **change})
    assert path in str(info.value)


def test_with_year_needs_a_mapping_and_a_range_ending_on_31_december() -> None:
    with pytest.raises(InputError, match="entry"):
        CN.with_year([NEXT_YEAR])  # type: ignore[arg-type]
    short = attrs.evolve(CN, valid_until=date(2026, 11, 30), rest_days=(), working_days=())
    with pytest.raises(InputError, match="valid_until"):
        short.with_year(NEXT_YEAR)


@settings(max_examples=50)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))
def test_with_year_leaves_the_known_days_as_they_were(day: date) -> None:
    assert CN.with_year(NEXT_YEAR).day(day) == CN.day(day)

"""Differential tests: our calendar data against two maintained, independent packages.

`chinesecalendar` for China (make-up working days included) and `holidays` for the US and
Italy agree with the packaged data day by day over the whole known range. They are
development dependencies only: at run time the library reads its own cited data.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import holidays

from legaldelivery.rules import calendars

CN = calendars.china()
US = calendars.united_states()
IT = calendars.italy()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_cn_agrees_with_chinesecalendar_over_the_whole_range() -> None:
    for day in _days(CN.valid_from, CN.valid_until):
        assert CN.is_working_day(day) is chinese_calendar.is_workday(day), day


def test_us_agrees_with_the_holidays_package() -> None:
    years = range(US.valid_from.year, US.valid_until.year + 1)
    federal = holidays.country_holidays("US", years=years)
    # Presidential closings (FRCP 6(a)(6)(B)) are no statutory holiday in `holidays`' default
    # category; the observed days of 6103(b) and Executive Order 11582 are.
    closings = {d.day for d in US.rest_days if "6(a)(6)(B)" in d.source}
    assert len(closings) == 4
    for day in _days(US.valid_from, US.valid_until):
        expected = day.weekday() < 5 and day not in federal and day not in closings
        assert US.is_working_day(day) is expected, day


def test_it_agrees_with_the_holidays_package() -> None:
    years = range(IT.valid_from.year, IT.valid_until.year + 1)
    national = holidays.country_holidays("IT", years=years)
    for day in _days(IT.valid_from, IT.valid_until):
        expected = day.weekday() < 5 and day not in national
        assert IT.is_working_day(day) is expected, day

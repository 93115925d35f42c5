"""Court calendars: which days are working days, from dated data with a source and a range.

A calendar knows the days of its data's range only; asking about any other day raises
:class:`~legaldelivery.rules.base.CalendarRangeError`. China's calendar follows the State
Council's yearly notices, make-up working days (调休) included; the US federal one lists
the legal holidays of FRCP 6(a)(6); Italy's the national *giorni festivi*.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from legaldelivery.errors import InputError
from legaldelivery.rules.base import CalendarRangeError, load_data, parse_date

__all__ = [
    "Calendar",
    "CalendarDay",
    "HolidayCalendar",
    "ListedDay",
    "china",
    "italy",
    "load",
    "united_states",
]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATA_FILES = {"cn": "calendar_cn.json", "us-federal": "calendar_us.json", "it": "calendar_it.json"}
# Longer than any run of rest days in any calendar: a calendar whose data would need more
# is malformed, and the search for the next working day must end.
_MAX_REST_RUN = 62


@attrs.frozen(kw_only=True)
class CalendarDay:
    """One day of a calendar: working or not, and why.

    .. versionadded:: 0.1.0
    """

    day: date
    working: bool
    """Whether the day is a working day of the court."""
    reason: str
    """Why: ``Saturday``, a holiday's name, ``make-up working day (调休) ...``."""
    source: str | None
    """Where the reason comes from (a notice, a statute), or None for a plain weekday."""


@attrs.frozen(kw_only=True)
class ListedDay:
    """A day a calendar's data names: a rest day or a (make-up) working day.

    .. versionadded:: 0.1.0
    """

    day: date
    name: str
    source: str


class Calendar(abc.ABC):
    """A court calendar over a known range of days.

    .. versionadded:: 0.1.0
    """

    @property
    @abc.abstractmethod
    def calendar_id(self) -> str:
        """A short identifier, e.g. ``cn``."""

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """What the calendar is, in words."""

    @property
    @abc.abstractmethod
    def source(self) -> str:
        """Where its data comes from."""

    @property
    @abc.abstractmethod
    def valid_from(self) -> date:
        """The first day the data covers."""

    @property
    @abc.abstractmethod
    def valid_until(self) -> date:
        """The last day the data covers."""

    @abc.abstractmethod
    def _classify(self, day: date) -> CalendarDay:
        """The day, known to be in range."""

    def day(self, day: date, *, path: str = "day") -> CalendarDay:
        """The calendar's word on ``day``; CalendarRangeError outside the known range."""
        if isinstance(day, datetime) or not isinstance(day, date):
            raise InputError("expected a datetime.date", path=path, got=day)
        day = date(day.year, day.month, day.day)  # pendulum's Date is a subclass
        if not self.valid_from <= day <= self.valid_until:
            raise CalendarRangeError(
                f"{day} is outside the known range {self.valid_from}..{self.valid_until} of "
                f"the {self.calendar_id} calendar; the library does not guess. Supply the "
                f"year {day.year} from its official source: calendar.with_year({{'year': "
                f"{day.year}, 'source': ..., 'rest_days': [...], 'working_days': [...]}}) or "
                "HolidayCalendar.from_data(...) in the 'legaldelivery/calendar/v1' form "
                "(docs/format.md, Court calendars), passed as jurisdiction(..., calendar=...)",
                path=path,
            )
        return self._classify(day)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (CalendarRangeError outside the range).

        >>> from datetime import date
        >>> china().is_working_day(date(2026, 2, 14))  # a make-up Saturday
        True
        """
        return self.day(day).working

    def next_working_day(self, day: date) -> tuple[CalendarDay, tuple[CalendarDay, ...]]:
        """The first working day on or after ``day``, and the rest days passed over.

        >>> from datetime import date
        >>> found, skipped = china().next_working_day(date(2026, 10, 3))
        >>> found.day, len(skipped)
        (datetime.date(2026, 10, 8), 5)
        """
        skipped: list[CalendarDay] = []
        current = day
        for _ in range(_MAX_REST_RUN):
            info = self.day(current, path="day")
            if info.working:
                return info, tuple(skipped)
            skipped.append(info)
            current += timedelta(days=1)
        raise InputError(
            f"no working day within {_MAX_REST_RUN} days of {day} in the {self.calendar_id} "
            "calendar",
            path="day",
        )


def _listed(value: Any, path: str, default_source: str) -> list[ListedDay]:
    if not isinstance(value, dict):
        raise InputError("expected an object with date and name", path=path, got=value)
    first = parse_date(value.get("date"), f"{path}.date")
    last = first if "through" not in value else parse_date(value["through"], f"{path}.through")
    name, source = value.get("name"), value.get("source", default_source)
    if not isinstance(name, str) or not name or not isinstance(source, str) or not source:
        raise InputError("expected a name and a source", path=path, got=value)
    if not first <= last <= first + timedelta(days=_MAX_REST_RUN):
        raise InputError("expected 'through' on or shortly after 'date'", path=path, got=value)
    return [
        ListedDay(day=first + timedelta(days=i), name=name, source=source)
        for i in range((last - first).days + 1)
    ]


def _year(year: Any, path: str) -> tuple[list[ListedDay], list[ListedDay]]:
    """The rest days and working days one year's entry lists, each with its source."""
    if not isinstance(year, Mapping):
        raise InputError("expected an object", path=path, got=year)
    source = year.get("source")
    if not isinstance(source, str) or not source:
        raise InputError("every year needs its source", path=f"{path}.source", got=source)
    listed: tuple[list[ListedDay], list[ListedDay]] = ([], [])
    for key, into in zip(("rest_days", "working_days"), listed, strict=True):
        entries = year.get(key)
        if not isinstance(entries, list):
            raise InputError("expected a list", path=f"{path}.{key}", got=entries)
        for j, entry in enumerate(entries):
            into.extend(_listed(entry, f"{path}.{key}[{j}]", source))
    return listed


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InputError("expected a non-empty string", path=key, got=value)
    return value


@attrs.frozen(kw_only=True)
class HolidayCalendar(Calendar):
    """A calendar from data: weekend days, listed rest days, listed make-up working days.

    A day is a working day when it is listed as one, or when it is neither a weekend day
    nor a listed rest day.

    >>> from datetime import date
    >>> cn = china()
    >>> cn.day(date(2026, 2, 16)).reason
    'Spring Festival (春节)'
    >>> print(cn.day(date(2026, 2, 28)).source)
    国务院办公厅关于2026年部分节假日安排的通知, 国办发明电...2025...7号, 2025-11-04

    .. versionadded:: 0.1.0
    """

    calendar_id: str
    name: str
    source: str
    valid_from: date
    valid_until: date
    weekend: frozenset[int]
    """Weekday numbers (Monday 0) that are rest days unless listed as working days."""
    rest_days: tuple[ListedDay, ...] = attrs.field(repr=False)
    working_days: tuple[ListedDay, ...] = attrs.field(repr=False)
    _rest: dict[date, ListedDay] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _work: dict[date, ListedDay] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        rest = {d.day: d for d in self.rest_days}
        work = {d.day: d for d in self.working_days}
        for what, listed in (("rest_days", self.rest_days), ("working_days", self.working_days)):
            seen: set[date] = set()
            for i, entry in enumerate(listed):
                if not self.valid_from <= entry.day <= self.valid_until:
                    raise InputError(
                        "outside the calendar's range", path=f"{what}[{i}]", got=str(entry.day)
                    )
                if entry.day in seen:
                    raise InputError("listed twice", path=f"{what}[{i}]", got=str(entry.day))
                seen.add(entry.day)
        for i, entry in enumerate(self.working_days):
            if entry.day in rest:
                raise InputError(
                    "listed as both rest and working day",
                    path=f"working_days[{i}]",
                    got=str(entry.day),
                )
            if entry.day.weekday() not in self.weekend:
                raise InputError(
                    "a listed working day must be a weekend day (a make-up working day)",
                    path=f"working_days[{i}]",
                    got=str(entry.day),
                )
        object.__setattr__(self, "_rest", rest)
        object.__setattr__(self, "_work", work)

    def _classify(self, day: date) -> CalendarDay:
        if day in self._work:
            entry = self._work[day]
            return CalendarDay(day=day, working=True, reason=entry.name, source=entry.source)
        if day in self._rest:
            entry = self._rest[day]
            return CalendarDay(day=day, working=False, reason=entry.name, source=entry.source)
        weekday = day.weekday()
        if weekday in self.weekend:
            return CalendarDay(
                day=day, working=False, reason=_WEEKDAYS[weekday].capitalize(), source=None
            )
        return CalendarDay(day=day, working=True, reason="working day", source=None)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> HolidayCalendar:
        """Build a calendar from data in the packaged ``legaldelivery/calendar/v1`` form.

        Every year from ``valid_from`` to ``valid_until`` needs an entry with its source,
        so that the range the calendar claims is the range its data covers.
        """
        if not isinstance(data, Mapping):
            raise InputError("expected a mapping", path="data", got=type(data).__name__)
        if data.get("format") != "legaldelivery/calendar/v1":
            raise InputError(
                "expected format 'legaldelivery/calendar/v1'", path="format", got=data.get("format")
            )
        first = parse_date(data.get("valid_from"), "valid_from")
        last = parse_date(data.get("valid_until"), "valid_until")
        if last < first:
            raise InputError(
                "expected valid_until on or after valid_from", path="valid_until", got=str(last)
            )
        weekend_names = data.get("weekend")
        if not isinstance(weekend_names, list) or not all(w in _WEEKDAYS for w in weekend_names):
            raise InputError("expected a list of weekday names", path="weekend", got=weekend_names)
        years = data.get("years")
        if not isinstance(years, list):
            raise InputError("expected a list", path="years", got=years)
        covered = {y.get("year") for y in years if isinstance(y, dict)}
        missing = [y for y in range(first.year, last.year + 1) if y not in covered]
        if missing or len(covered) != len(years):
            raise InputError(
                "expected exactly one entry per year of the range", path="years", got=missing
            )
        rest: list[ListedDay] = []
        work: list[ListedDay] = []
        for i, year in enumerate(years):
            year_rest, year_work = _year(year, f"years[{i}]")
            rest.extend(year_rest)
            work.extend(year_work)
        return cls(
            calendar_id=_text(data, "calendar"),
            name=_text(data, "name"),
            source=_text(data, "source"),
            valid_from=first,
            valid_until=last,
            weekend=frozenset(_WEEKDAYS.index(w) for w in weekend_names),
            rest_days=tuple(rest),
            working_days=tuple(work),
        )

    def with_year(self, entry: Mapping[str, Any]) -> HolidayCalendar:
        """This calendar extended by the year after its range, from that year's source.

        ``entry`` is one element of ``years`` in the ``legaldelivery/calendar/v1`` form:
        ``year`` (the one after ``valid_until``, which must be a 31 December), ``source``
        (the notice or statute, cited on every day it lists), ``rest_days`` and
        ``working_days``. A court can add next year's holiday notice this way before a
        library release carries it.

        >>> from datetime import date
        >>> cn = china()
        >>> year = cn.valid_until.year + 1
        >>> extended = cn.with_year({"year": year, "source": "the year's State Council notice",
        ...     "rest_days": [{"date": f"{year}-01-01", "name": "New Year's Day (元旦)"}],
        ...     "working_days": []})
        >>> extended.valid_until == date(year, 12, 31)
        True
        >>> extended.day(date(year, 1, 1)).source
        "the year's State Council notice"

        .. versionadded:: 0.1.0
        """
        if not isinstance(entry, Mapping):
            raise InputError("expected a mapping", path="entry", got=type(entry).__name__)
        year = entry.get("year")
        following = self.valid_until.year + 1
        if (self.valid_until.month, self.valid_until.day) != (12, 31):
            raise InputError(
                "the calendar's range must end on 31 December to add a year",
                path="valid_until",
                got=str(self.valid_until),
            )
        if type(year) is not int or year != following:
            raise InputError(f"expected the year {following}", path="entry.year", got=year)
        rest, work = _year(entry, "entry")
        return attrs.evolve(
            self,
            valid_until=date(year, 12, 31),
            rest_days=(*self.rest_days, *rest),
            working_days=(*self.working_days, *work),
        )

    def with_rest_days(self, days: Mapping[date, str], *, source: str) -> HolidayCalendar:
        """This calendar with more rest days, e.g. a state's holidays or a court closure.

        A listed make-up working day that becomes a rest day stops being a working day.

        >>> from datetime import date
        >>> ny = united_states().with_rest_days(
        ...     {date(2026, 2, 12): "Lincoln's Birthday"}, source="N.Y. Gen. Constr. Law 24")
        >>> ny.is_working_day(date(2026, 2, 12)), united_states().is_working_day(date(2026, 2, 12))
        (False, True)
        """
        if not isinstance(source, str) or not source:
            raise InputError("expected a non-empty source", path="source", got=source)
        if not isinstance(days, Mapping):
            raise InputError("expected a mapping of date to name", path="days", got=days)
        added: dict[date, ListedDay] = {}
        for day, name in days.items():
            if type(day) is not date or not isinstance(name, str) or not name:
                raise InputError("expected a date mapped to a name", path="days", got=(day, name))
            if not self.valid_from <= day <= self.valid_until:
                raise CalendarRangeError(
                    f"{day} is outside the calendar's known range", path="days"
                )
            added[day] = ListedDay(day=day, name=name, source=source)
        rest = [added.pop(d.day) if d.day in added else d for d in self.rest_days]
        return attrs.evolve(
            self,
            rest_days=(*rest, *added.values()),
            working_days=tuple(d for d in self.working_days if d.day not in days),
        )


def load(calendar_id: str) -> HolidayCalendar:
    """The packaged calendar ``calendar_id``: ``cn``, ``us-federal`` or ``it``.

    .. versionadded:: 0.1.0
    """
    if not isinstance(calendar_id, str) or calendar_id not in _DATA_FILES:
        raise InputError(
            f"expected one of {', '.join(sorted(_DATA_FILES))}", path="calendar_id", got=calendar_id
        )
    return _load(calendar_id)


@functools.cache
def _load(calendar_id: str) -> HolidayCalendar:
    return HolidayCalendar.from_data(load_data(_DATA_FILES[calendar_id]))


def china() -> HolidayCalendar:
    """China: State Council holiday notices, make-up working days included.

    >>> from datetime import date
    >>> cn = china()
    >>> cn.valid_from, cn.valid_until
    (datetime.date(2024, 1, 1), datetime.date(2026, 12, 31))

    .. versionadded:: 0.1.0
    """
    return load("cn")


def united_states() -> HolidayCalendar:
    """US federal courts: weekends and the legal holidays of FRCP 6(a)(6), observed days too.

    >>> from datetime import date
    >>> united_states().day(date(2026, 7, 3)).reason
    'Independence Day (observed: July 4 is a Saturday)'

    .. versionadded:: 0.1.0
    """
    return load("us-federal")


def italy() -> HolidayCalendar:
    """Italy: the national *giorni festivi*, with Saturdays as rest days (c.p.c. Art 155(5)).

    .. versionadded:: 0.1.0
    """
    return load("it")

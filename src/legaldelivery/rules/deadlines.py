"""Period arithmetic in the court's time zone: start day excluded, last-day roll-forward, hours.

Each legal system's counting rule is a :class:`CountingRule` (citations plus the few
choices that differ); :func:`count_period` applies it with a court calendar and returns a
:class:`~legaldelivery.records.Deadline` whose steps show the computation. Instants given
in any zone are converted to the court's zone first (pendulum, so DST is handled).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
import calendar as _gregorian
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import attrs
import pendulum

from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.records import Deadline
from legaldelivery.rules import _args
from legaldelivery.rules.base import Jurisdiction
from legaldelivery.rules.calendars import Calendar, CalendarDay

__all__ = [
    "CountingJurisdiction",
    "CountingRule",
    "add_months",
    "count_period",
    "court_time",
    "end_of_day",
]

MAX_DAYS = 3660
MAX_HOURS = 24 * 366
MAX_MONTHS = 120


@attrs.frozen(kw_only=True)
class CountingRule:
    """How one legal system counts periods: its citations and the choices that differ.

    ``hours_citation`` / ``months_citation`` None means the system does not count periods
    in those units (FRCP 6(a) has no month rule). Hours start at the event, or at the next
    full hour when "the starting hour is not counted"; they roll forward (to the same time
    on the next working day) or not.

    .. versionadded:: 0.1.0
    """

    days_citation: str
    """The start day is not counted; every day counts (e.g. ``CPL (2023) Art 85``)."""
    roll_citation: str
    """A last day that is not a working day moves to the next working day."""
    end_citation: str
    """When the last day ends (24:00 in the court's zone)."""
    hours_citation: str | None = None
    months_citation: str | None = None
    hours_from_next_full_hour: bool = False
    hours_roll_forward: bool = False
    suspended_months: frozenset[int] = frozenset()
    """Months in which periods in days do not run (August in Italy), if any."""
    suspension_citation: str | None = None


def court_time(instant: datetime, zone: str, *, path: str = "start") -> pendulum.DateTime:
    """``instant`` (aware, any zone) as a pendulum time in the court's ``zone``.

    >>> from datetime import datetime, timezone
    >>> court_time(datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc), "Asia/Shanghai").isoformat()
    '2026-03-02T09:03:00+08:00'

    .. versionadded:: 0.1.0
    """
    utc = to_utc(instant, path=path)
    return pendulum.instance(utc).in_timezone(zone)


def end_of_day(day: date, zone: str) -> datetime:
    """The instant ``day`` ends in ``zone`` (the next local midnight), in UTC.

    >>> from datetime import date
    >>> format_instant(end_of_day(date(2026, 3, 7), "America/New_York"))
    '2026-03-08T05:00:00.000000Z'
    >>> format_instant(end_of_day(date(2026, 3, 8), "America/New_York"))  # 23 hours long
    '2026-03-09T04:00:00.000000Z'

    .. versionadded:: 0.1.0
    """
    following = day + timedelta(days=1)
    # pendulum moves a local midnight that a DST jump skips to the first instant that exists.
    local = pendulum.datetime(following.year, following.month, following.day, tz=zone)
    return to_utc(local)


def add_months(day: date, months: int) -> tuple[date, bool]:
    """``day`` plus ``months`` calendar months, and whether the day had to be clamped.

    The corresponding day of the last month, or its last day when it has none.

    >>> add_months(date(2026, 1, 31), 1)
    (datetime.date(2026, 2, 28), True)

    .. versionadded:: 0.1.0
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last)), day.day > last


def _count_days(start: date, days: int, suspended_months: frozenset[int]) -> tuple[date, int]:
    """The last day of ``days`` counted after ``start``, and how many suspended days passed."""
    if not suspended_months:
        return start + timedelta(days=days), 0
    day, counted, passed = start, 0, 0
    while counted < days:
        day += timedelta(days=1)
        if day.month in suspended_months:
            passed += 1
        else:
            counted += 1
    return day, passed


def _count(value: int | None, name: str, maximum: int) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 1 <= value <= maximum:
        raise InputError(f"expected a whole number of {name} in 1..{maximum}", path=name, got=value)
    return value


def _plain(day: date) -> date:
    """A plain date: pendulum's Date subclass is not a record's date."""
    return date(day.year, day.month, day.day)


def _weekday(day: date) -> str:
    return day.strftime("%A")


def _describe(info: CalendarDay) -> str:
    return info.reason if info.source is None else f"{info.reason}; {info.source}"


def _passed_over(skipped: tuple[CalendarDay, ...]) -> list[str]:
    """One step per run of consecutive rest days with the same reason."""
    runs: list[list[CalendarDay]] = []
    for info in skipped:
        if runs and (runs[-1][-1].reason, runs[-1][-1].source) == (info.reason, info.source):
            runs[-1].append(info)
        else:
            runs.append([info])
    steps = []
    for run in runs:
        first, last = run[0].day, run[-1].day
        span = f"{first} ({_weekday(first)})"
        if last != first:
            span += f" to {last} ({_weekday(last)})"
        steps.append(f"{span}: {_describe(run[0])}.")
    return steps


def _roll(rule: CountingRule, calendar: Calendar, last: date, steps: list[str]) -> date:
    """Move ``last`` to the next working day, explaining each day passed over."""
    found, skipped = calendar.next_working_day(last)
    if not skipped:
        steps.append(
            f"{last} ({_weekday(last)}) is a working day in the {calendar.calendar_id} calendar."
        )
        return found.day
    steps.append(f"{last} is not a working day; {rule.roll_citation}.")
    steps.extend(_passed_over(skipped))
    note = "" if found.reason == "working day" else f" ({_describe(found)})"
    steps.append(f"The next working day is {found.day} ({_weekday(found.day)}){note}.")
    return found.day


def count_period(
    *,
    rule: CountingRule,
    calendar: Calendar,
    zone: str,
    start: datetime,
    days: int | None = None,
    hours: int | None = None,
    months: int | None = None,
    name: str,
    citation: str,
    start_path: str = "start",
) -> Deadline:
    """The deadline of a period of ``days``, ``hours`` or ``months`` (exactly one) from ``start``.

    ``start_path`` names the argument ``start`` came from in an error (e.g. ``served_at``).

    >>> from datetime import datetime, timezone
    >>> from legaldelivery.rules import calendars
    >>> rule = CountingRule(days_citation="CPL (2023) Art 85", roll_citation="Art 85",
    ...                     end_citation="Civil Code Art 203")
    >>> d = count_period(rule=rule, calendar=calendars.china(), zone="Asia/Shanghai",
    ...     start=datetime(2026, 9, 17, 2, 0, tzinfo=timezone.utc), days=15,
    ...     name="defence", citation="CPL (2023) Art 128; Art 85")
    >>> d.due, format_instant(d.ends_at)
    (datetime.date(2026, 10, 8), '2026-10-08T16:00:00.000000Z')

    .. versionadded:: 0.1.0
    """
    counts = {
        "days": _count(days, "days", MAX_DAYS),
        "hours": _count(hours, "hours", MAX_HOURS),
        "months": _count(months, "months", MAX_MONTHS),
    }
    given = [unit for unit, n in counts.items() if n is not None]
    if len(given) != 1:
        raise InputError("expected exactly one of days, hours or months", path="period", got=given)
    unit = given[0]
    local = court_time(start, zone, path=start_path)
    steps = [
        f"The period starts at {format_instant(local)}, which is "
        f"{local.strftime('%Y-%m-%d %H:%M')} ({local.strftime('%A')}) in the court's time "
        f"zone {zone}."
    ]
    if unit == "hours":
        assert hours is not None
        ends_at, due = _hours(rule, calendar, zone, local, hours, steps)
    else:
        start_day = _plain(local.date())
        if unit == "days":
            assert days is not None
            last, suspended = _count_days(start_day, days, rule.suspended_months)
            first = start_day + timedelta(days=1)
            while first.month in rule.suspended_months:
                first += timedelta(days=1)
            steps.append(
                f"The start day {start_day} is not counted ({rule.days_citation}); day 1 is "
                f"{first} and day {days} is {last} ({_weekday(last)})."
            )
            if suspended:
                steps.append(
                    f"{suspended} day(s) of suspension are not counted "
                    f"({rule.suspension_citation})."
                )
        else:
            assert months is not None
            if rule.months_citation is None:
                raise InputError(
                    "this rule set counts periods in days or hours, not months",
                    path="months",
                    got=months,
                )
            last, clamped = add_months(start_day, months)
            steps.append(
                f"The start day {start_day} is not counted ({rule.days_citation}); "
                f"{months} month(s) later is {last} ({_weekday(last)})"
                + (
                    ", the last day of that month, which has no corresponding day"
                    if clamped
                    else ""
                )
                + f" ({rule.months_citation})."
            )
        due = _roll(rule, calendar, last, steps)
        ends_at = end_of_day(due, zone)
        steps.append(
            f"The period ends at the end of {due} in {zone}: {format_instant(ends_at)} "
            f"({rule.end_citation})."
        )
    return Deadline(name=name, due=due, ends_at=ends_at, citation=citation, steps=steps)


def _hours(
    rule: CountingRule,
    calendar: Calendar,
    zone: str,
    local: pendulum.DateTime,
    hours: int,
    steps: list[str],
) -> tuple[datetime, date]:
    if rule.hours_citation is None:
        raise InputError("this rule set does not count periods in hours", path="hours", got=hours)
    begin = local
    if rule.hours_from_next_full_hour:
        begin = local.start_of("hour").add(hours=1)
        steps.append(
            f"The starting hour is not counted ({rule.hours_citation}): counting begins at "
            f"{begin.strftime('%Y-%m-%d %H:%M')}."
        )
    else:
        steps.append(f"Every hour counts from the event itself ({rule.hours_citation}).")
    # Elapsed hours, not wall-clock hours: across a DST change 24 hours is not "same time".
    end = pendulum.instance(to_utc(begin)).add(hours=hours).in_timezone(zone)
    steps.append(f"{hours} hour(s) later is {end.strftime('%Y-%m-%d %H:%M')} in {zone}.")
    if rule.hours_roll_forward:
        found, skipped = calendar.next_working_day(_plain(end.date()))
        if skipped:
            steps.append(f"{end.date()} is not a working day; {rule.roll_citation}.")
            steps.extend(_passed_over(skipped))
            day = found.day
            end = pendulum.datetime(
                day.year,
                day.month,
                day.day,
                end.hour,
                end.minute,
                end.second,
                end.microsecond,
                tz=zone,
            )
            steps.append(
                f"The period runs on to the same time on the next working day: "
                f"{end.strftime('%Y-%m-%d %H:%M')}."
            )
        else:
            steps.append(f"{end.date()} ({_weekday(end.date())}) is a working day.")
    ends_at = to_utc(end)
    # The last day is the one holding the period's last instant (an end at 00:00 closes
    # the day before).
    due = _plain(pendulum.instance(ends_at - timedelta(microseconds=1)).in_timezone(zone).date())
    steps.append(f"The period ends at {format_instant(ends_at)}.")
    return ends_at, due


class CountingJurisdiction(Jurisdiction):
    """A jurisdiction that counts its periods on a court calendar in its own time zone.

    The scaffolding China, the United States and Italy share: each supplies its law (its
    :attr:`counting` rule, its periods and their citations) and :meth:`count` applies it
    with the jurisdiction's calendar and zone.

    >>> from datetime import date, datetime, timezone
    >>> from legaldelivery.rules import jurisdiction
    >>> cn = jurisdiction("CN", on=date(2026, 3, 1))
    >>> isinstance(cn, CountingJurisdiction)
    True
    >>> d = cn.count(start=datetime(2026, 2, 3, 2, tzinfo=timezone.utc), days=15,
    ...     citation="CPL (2023) Art 85", notes=["Fifteen days."])
    >>> d.name, d.due, d.steps[0]
    ('period of 15 days', datetime.date(2026, 2, 24), 'Fifteen days.')

    .. versionadded:: 0.1.0
    """

    @property
    @abc.abstractmethod
    def counting(self) -> CountingRule:
        """The legal system's counting rule, with its citations."""

    def count(
        self,
        *,
        start: datetime,
        days: int | None = None,
        hours: int | None = None,
        months: int | None = None,
        name: str | None = None,
        citation: str,
        notes: Sequence[str] = (),
        rule: CountingRule | None = None,
        start_path: str = "start",
    ) -> Deadline:
        """:func:`count_period` with this jurisdiction's rule (or ``rule``), calendar and zone.

        ``name`` defaults to ``period of N days`` (hours, months); ``notes`` (what the
        period is and why) come before the counting steps.
        """
        deadline = count_period(
            rule=self.counting if rule is None else rule,
            calendar=self.calendar,
            zone=self.time_zone,
            start=start,
            days=days,
            hours=hours,
            months=months,
            name=name or _args.period_name(days, hours, months),
            citation=citation,
            start_path=start_path,
        )
        if not notes:
            return deadline
        return attrs.evolve(deadline, steps=(*notes, *deadline.steps))

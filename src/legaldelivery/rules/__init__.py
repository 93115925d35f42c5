"""Jurisdictions: consent, channel legality, time of service, deadlines and court calendars.

Pick the rule set in force on a date with :func:`jurisdiction`; it answers whether
electronic service is allowed, when it took effect (a
:class:`~legaldelivery.records.ServiceDetermination`) and when each period ends (a
:class:`~legaldelivery.records.Deadline`), citing the provisions and showing every step.
The rules are pure: no clock, no I/O beyond their packaged data.

>>> from datetime import date, datetime, timezone
>>> from legaldelivery import rules
>>> j = rules.jurisdiction("CN", on=date(2026, 3, 1))
>>> d = j.period_end(start=datetime(2026, 2, 3, 2, 0, tzinfo=timezone.utc), days=15)
>>> d.due, d.citation
(datetime.date(2026, 2, 24), 'CPL (2023) Art 85: the starting day is not counted')

.. versionadded:: 0.1.0
"""

from legaldelivery.rules import calendars, hague
from legaldelivery.rules.base import (
    CalendarRangeError,
    Decision,
    Jurisdiction,
    NotModelledError,
    Outcome,
    RuleSet,
    jurisdiction,
)
from legaldelivery.rules.calendars import Calendar, CalendarDay, HolidayCalendar
from legaldelivery.rules.china import China
from legaldelivery.rules.deadlines import CountingRule
from legaldelivery.rules.eu import (
    ErdsAssessment,
    ErdsPresumptionError,
    EuropeanUnion,
    Italy,
    Requirement,
)
from legaldelivery.rules.us import UnitedStates

__all__ = [
    "Calendar",
    "CalendarDay",
    "CalendarRangeError",
    "China",
    "CountingRule",
    "Decision",
    "ErdsAssessment",
    "ErdsPresumptionError",
    "EuropeanUnion",
    "HolidayCalendar",
    "Italy",
    "Jurisdiction",
    "NotModelledError",
    "Outcome",
    "Requirement",
    "RuleSet",
    "UnitedStates",
    "calendars",
    "hague",
    "jurisdiction",
]

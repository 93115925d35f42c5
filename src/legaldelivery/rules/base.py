"""What every rule set shares: its decisions, its versioned data and the interface it answers.

A :class:`Jurisdiction` is one version of one legal system's rules, chosen by date with
:func:`jurisdiction`; its facts (periods, citations, effective dates) are packaged JSON data.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from importlib import resources
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from legaldelivery.errors import InputError
from legaldelivery.records import (
    Address,
    Consent,
    Deadline,
    DeliveryOrder,
    DocumentKind,
    EventSource,
    Party,
    ServiceDetermination,
    SourceKind,
)

if TYPE_CHECKING:
    from legaldelivery.rules.calendars import Calendar

__all__ = [
    "RULES_SOURCE",
    "CalendarRangeError",
    "Decision",
    "Jurisdiction",
    "NotModelledError",
    "Outcome",
    "Period",
    "RuleSet",
    "jurisdiction",
]

RULES_SOURCE = EventSource(kind=SourceKind.RULES, source_id="legaldelivery.rules")
"""The default source of the determinations the rules make."""


class CalendarRangeError(InputError):
    """A date outside the range a calendar's data covers: the library never guesses.

    >>> from datetime import date
    >>> from legaldelivery.rules import calendars
    >>> calendars.china().day(date(2031, 1, 2))
    Traceback (most recent call last):
    ...
    legaldelivery.rules.base.CalendarRangeError: day: 2031-01-02 is outside the known range ...

    .. versionadded:: 0.1.0
    """


class NotModelledError(InputError):
    """The rule set does not model the question asked (it says which one does, if any).

    .. versionadded:: 0.1.0
    """


class Outcome(Enum):
    """What the law says about a way of serving.

    .. versionadded:: 0.1.0
    """

    ALLOWED = "allowed"
    NEEDS_COURT_ORDER = "needs_court_order"
    """Allowed only if the court orders or determines it (e.g. FRCP 4(f)(3))."""
    PROHIBITED = "prohibited"


def _lines(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _check_lines(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
        raise InputError("expected a tuple of non-empty strings", path=attribute.name, got=value)


def _instance(cls: type, what: str) -> Any:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, cls) or value == "":
            raise InputError(f"expected {what}", path=attribute.name, got=value)

    return check


@attrs.frozen(kw_only=True)
class Decision:
    """A reasoned answer: allowed, needs a court order, or prohibited, with its citation.

    >>> d = Decision(outcome=Outcome.PROHIBITED, citation="CPL (2023) Art 90",
    ...              reasoning=["no consent covers the address"], rule_set="cn-cpl/2024-01-01")
    >>> d.outcome.value, d.reasoning
    ('prohibited', ('no consent covers the address',))

    .. versionadded:: 0.1.0
    """

    outcome: Outcome = attrs.field(validator=_instance(Outcome, "an Outcome"))
    """The answer."""
    citation: str = attrs.field(validator=_instance(str, "a citation"))
    """The provisions it rests on."""
    reasoning: tuple[str, ...] = attrs.field(converter=_lines, validator=_check_lines)
    """Why, step by step, in plain language."""
    rule_set: str = attrs.field(validator=_instance(str, "a rule set identifier"))
    """The rule set version that decided, e.g. ``cn-cpl/2024-01-01``."""


@attrs.frozen(kw_only=True)
class Period:
    """A statutory period in a rule set's data: days or months, and its citation.

    .. versionadded:: 0.1.0
    """

    days: int | None = None
    months: int | None = None
    citation: str


@attrs.frozen(kw_only=True)
class RuleSet:
    """One version of a legal system's rules: effective dates, citations and periods.

    ``valid_until`` is None while the version is in force. Versions are data
    (``rules/data/rules_*.json``), each with its source.

    >>> rules = RuleSet.versions("CN")
    >>> [(r.id, r.label) for r in rules]
    [('cn-cpl/2022-01-01', 'CPL (2021)'), ('cn-cpl/2024-01-01', 'CPL (2023)')]

    .. versionadded:: 0.1.0
    """

    id: str
    """The version's identifier, e.g. ``cn-cpl/2024-01-01``."""
    label: str
    """How citations name the instrument, e.g. ``CPL (2023)``."""
    valid_from: date
    valid_until: date | None
    source: str
    citations: Mapping[str, str] = attrs.field(eq=False, hash=False, repr=False)
    periods: Mapping[str, Period] = attrs.field(eq=False, hash=False, repr=False)
    settings: Mapping[str, Any] = attrs.field(eq=False, hash=False, repr=False)

    def cite(self, key: str) -> str:
        """The citation stored under ``key``."""
        return self.citations[key]

    def period(self, key: str) -> Period:
        """The period stored under ``key``."""
        return self.periods[key]

    def in_force(self, on: date) -> bool:
        """Whether the version is in force on ``on``."""
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    @staticmethod
    def versions(code: str) -> tuple[RuleSet, ...]:
        """Every packaged version for the jurisdiction ``code``, oldest first."""
        return _versions(code)

    @staticmethod
    def select(code: str, on: date) -> RuleSet:
        """The version in force on ``on``; InputError when there is none."""
        for version in _versions(code):
            if version.in_force(on):
                return version
        known = ", ".join(
            f"{v.id} from {v.valid_from}" + (f" to {v.valid_until}" if v.valid_until else "")
            for v in _versions(code)
        )
        raise InputError(
            f"no {code} rule set is known for that date (known: {known})", path="on", got=on
        )


def load_data(name: str) -> dict[str, Any]:
    """Parse the packaged JSON data file ``name`` (duplicate keys are an error).

    .. versionadded:: 0.1.0
    """
    text = resources.files("legaldelivery.rules").joinpath("data").joinpath(name).read_text("utf-8")
    data = json.loads(text, object_pairs_hook=_no_duplicates)
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", path=name)
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError("duplicate key in rules data", path=key)
        result[key] = value
    return result


def parse_date(value: Any, path: str) -> date:
    """A ``YYYY-MM-DD`` string as a date; InputError naming ``path`` otherwise.

    .. versionadded:: 0.1.0
    """
    if not isinstance(value, str) or len(value) != 10:
        raise InputError("expected a date 'YYYY-MM-DD'", path=path, got=value)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError("expected a date 'YYYY-MM-DD'", path=path, got=value) from exc


def _period(value: Any, path: str) -> Period:
    if not isinstance(value, dict) or not isinstance(value.get("citation"), str):
        raise InputError("expected an object with a citation", path=path, got=value)
    days, months = value.get("days"), value.get("months")
    if (days is None) == (months is None):
        raise InputError("expected exactly one of days or months", path=path, got=value)
    return Period(days=days, months=months, citation=value["citation"])


_FILES = {
    "CN": "rules_cn.json",
    "US": "rules_us.json",
    "EU": "rules_eu.json",
    "IT": "rules_it.json",
}


def _versions(code: str) -> tuple[RuleSet, ...]:
    if not isinstance(code, str) or code not in _FILES:
        raise InputError(
            "expected a jurisdiction code: 'CN', 'US', 'EU' or 'IT'", path="code", got=code
        )
    return _parse_versions(code)


@functools.cache
def _parse_versions(code: str) -> tuple[RuleSet, ...]:
    data = load_data(_FILES[code])
    versions = []
    for i, raw in enumerate(data["versions"]):
        path = f"versions[{i}]"
        until = raw["valid_until"]
        versions.append(
            RuleSet(
                id=raw["id"],
                label=raw["label"],
                valid_from=parse_date(raw["valid_from"], f"{path}.valid_from"),
                valid_until=None if until is None else parse_date(until, f"{path}.valid_until"),
                source=raw["source"],
                citations=dict(raw["citations"]),
                periods={k: _period(v, f"{path}.periods.{k}") for k, v in raw["periods"].items()},
                settings=dict(raw["settings"]),
            )
        )
    return tuple(versions)


def check_zone(name: Any, path: str = "timezone") -> str:
    """An IANA time zone name pendulum knows; InputError otherwise.

    .. versionadded:: 0.1.0
    """
    if not isinstance(name, str):
        raise InputError(
            "expected an IANA time zone name such as 'America/New_York'", path=path, got=name
        )
    try:
        pendulum.timezone(name)
    except (ValueError, OSError) as exc:
        raise InputError(
            "expected an IANA time zone name such as 'America/New_York'", path=path, got=name
        ) from exc
    return name


class Jurisdiction(abc.ABC):
    """One version of one legal system's rules on electronic service.

    It answers: may this document be served electronically on this party (consent)? Is
    the channel legal for a recipient in that country? When did service take effect,
    from the evidence? When does each period it starts end? A rule set that does not
    model a question raises :class:`NotModelledError` saying so.

    >>> from datetime import date, datetime, timezone
    >>> j = jurisdiction("CN", on=date(2026, 3, 1))
    >>> d = j.response_deadline("defence",
    ...     served_at=datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc), recipient_country="PK")
    >>> d.due, d.citation
    (datetime.date(2026, 4, 1), 'CPL (2023) Art 285; Art 85')

    .. versionadded:: 0.1.0
    """

    code: str
    """The jurisdiction's code: ``CN``, ``US``, ``EU``, ``IT``."""
    rules: RuleSet
    """The rule set version applied."""
    time_zone: str
    """The IANA zone deadlines are computed in."""

    @property
    def rule_set(self) -> str:
        """The rule set version's identifier, e.g. ``cn-cpl/2024-01-01``."""
        return self.rules.id

    @property
    def calendar(self) -> Calendar:
        """The court calendar deadlines roll forward on."""
        raise NotModelledError(f"{self.code} rules keep no court calendar", path="calendar")

    def consent_decision(
        self,
        *,
        document_kind: DocumentKind,
        target: Address | str,
        recipient: Party,
        consents: Iterable[Consent],
        at: datetime,
    ) -> Decision:
        """May ``document_kind`` be served on ``recipient`` at ``target`` at ``at``?"""
        raise NotModelledError(f"{self.code} rules do not model consent", path="consent")

    def channel_decision(
        self,
        *,
        recipient_country: str,
        channel: str,
        document_kind: DocumentKind,
        address_known: bool,
        on: date,
    ) -> Decision:
        """Is serving ``document_kind`` over ``channel`` in ``recipient_country`` legal then?"""
        raise NotModelledError(f"{self.code} rules do not model channel legality", path="channel")

    def time_of_service(
        self,
        order: DeliveryOrder,
        events: Iterable[object],
        *,
        at: datetime,
        determination_id: str,
        deadlines: Sequence[str] = (),
        source: EventSource = RULES_SOURCE,
    ) -> ServiceDetermination:
        """When service of ``order`` took effect, from the evidence known at ``at``."""
        raise NotModelledError(f"{self.code} rules do not model the time of service", path="order")

    def response_deadline(
        self, kind: str, *, served_at: datetime, recipient_country: str
    ) -> Deadline:
        """The named period ``kind`` that service at ``served_at`` starts."""
        raise NotModelledError(f"{self.code} rules set no response periods", path="kind")

    def period_end(
        self,
        *,
        start: datetime,
        days: int | None = None,
        hours: int | None = None,
        months: int | None = None,
        name: str | None = None,
    ) -> Deadline:
        """The counting rule alone: when a period of so many days (hours, months) ends."""
        raise NotModelledError(f"{self.code} rules keep no period counting", path="period")


def jurisdiction(
    code: str,
    *,
    on: date,
    timezone: str | None = None,
    calendar: Calendar | None = None,
) -> Jurisdiction:
    """The rule set of ``code`` in force on ``on``.

    ``code``: ``CN`` (China; the CPL 2021 text before 2024-01-01, the 2023 amendment from
    then; time zone Asia/Shanghai unless ``timezone`` is given), ``US`` (federal courts;
    ``timezone`` is required, since FRCP 6(a)(4) ends a day at midnight in the court's own
    zone and the United States has several), ``EU`` (eIDAS, no deadlines) and ``IT``
    (Italy, Europe/Rome). ``calendar`` replaces the packaged court calendar, e.g. one
    extended with a state's holidays (FRCP 6(a)(6)(C)).

    >>> from datetime import date
    >>> jurisdiction("CN", on=date(2023, 6, 1)).rule_set
    'cn-cpl/2022-01-01'
    >>> jurisdiction("US", on=date(2026, 3, 1))
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: timezone: the US has several time zones: pass the court's ...

    .. versionadded:: 0.1.0
    """
    if type(on) is not date:
        raise InputError("expected a datetime.date (not a datetime)", path="on", got=on)
    if timezone is not None:
        check_zone(timezone)
    if calendar is not None:
        from legaldelivery.rules.calendars import Calendar

        if not isinstance(calendar, Calendar) or code == "EU":
            raise InputError(
                "expected a Calendar (and none for EU, which sets no deadlines)",
                path="calendar",
                got=type(calendar).__name__,
            )
    if code == "CN":
        from legaldelivery.rules.china import China

        return China.create(on=on, timezone=timezone, calendar=calendar)
    if code == "US":
        from legaldelivery.rules.us import UnitedStates

        return UnitedStates.create(on=on, timezone=timezone, calendar=calendar)
    if code == "EU":
        from legaldelivery.rules.eu import EuropeanUnion

        return EuropeanUnion.create(on=on, timezone=timezone)
    if code == "IT":
        from legaldelivery.rules.eu import Italy

        return Italy.create(on=on, timezone=timezone, calendar=calendar)
    raise InputError(
        "expected a jurisdiction code: 'CN', 'US', 'EU' or 'IT'", path="code", got=code
    )

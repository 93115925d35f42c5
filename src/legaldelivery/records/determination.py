"""The rules engine's determination: when service took effect, and the deadlines it starts.

A determination shows its work: the event it rests on, whether the time is a conclusive or
a rebuttable presumption, the citation, and the steps of the reasoning, so that a court can
check it without running the library.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar

import attrs

from legaldelivery.instants import format_instant
from legaldelivery.records import _checks
from legaldelivery.records.events import (
    OUR_EVENT_PREFIX,
    EventSource,
    ReasonCode,
    _id,
    _instant,
    _optional_id,
    _reasons,
    _source,
)

__all__ = ["Deadline", "Presumption", "ServiceDetermination"]

_citation = _checks.on_field(_checks.line(_checks.CITATION_MAX))
_steps = _checks.on_field(
    _checks.tuple_of(_checks.line(_checks.CITATION_MAX), max_len=200, what="steps")
)


class Presumption(Enum):
    """How firmly the law fixes the time of service found.

    .. versionadded:: 0.1.0
    """

    CONCLUSIVE = "conclusive"
    """Service took effect then; no proof to the contrary is admitted."""
    REBUTTABLE = "rebuttable"
    """Presumed, open to proof otherwise (OLR Art 31: "read" shown by the platform)."""


def _calendar_date(value: Any, path: str) -> None:
    if type(value) is not date:
        _checks.fail(path, "expected a datetime.date (not a datetime)", value)


@attrs.frozen(kw_only=True)
class Deadline:
    """A period that service starts: its last day, the instant it ends, and why.

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(validator=_checks.on_field(_checks.line()))
    """What the period is for, e.g. ``defence`` or ``appeal against judgment``."""
    due: date = attrs.field(validator=_checks.on_field(_calendar_date))
    """The last day, in the court's calendar."""
    ends_at: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """The instant the period ends (e.g. midnight at the end of ``due`` in the court's
    time zone), in UTC."""
    citation: str = attrs.field(validator=_citation)
    """The provisions that set the period and its computation."""
    steps: tuple[str, ...] = attrs.field(default=(), converter=_checks.to_tuple, validator=_steps)
    """The computation, step by step (start day excluded, holiday moved...)."""


def _nothing_without_service(
    instance: ServiceDetermination, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if instance.time_of_service is None and value is not None:
        _checks.fail(attribute.name, "expected None when there is no time of service", value)
    if instance.time_of_service is not None and value is None:
        _checks.fail(attribute.name, "required when there is a time of service")


_optional_presumption = _checks.optional(_checks.member_of(Presumption))
_deadline_list = _checks.tuple_of(
    _checks.instance_of(Deadline, "a Deadline"),
    max_len=50,
    key=lambda d: d.name,
    what="deadlines (unique by name)",
)


def _presumption(
    instance: ServiceDetermination, attribute: attrs.Attribute[Any], value: Any
) -> None:
    _optional_presumption(value, attribute.name)
    _nothing_without_service(instance, attribute, value)


def _deadlines(instance: ServiceDetermination, attribute: attrs.Attribute[Any], value: Any) -> None:
    _deadline_list(value, attribute.name)
    served = instance.time_of_service
    if served is None and value:
        _checks.fail(attribute.name, "no deadline runs when there is no time of service")
    for i, deadline in enumerate(value):
        if served is not None and deadline.ends_at <= served:
            _checks.fail(
                f"{attribute.name}[{i}].ends_at",
                f"a deadline ends after the time of service {format_instant(served)}",
                format_instant(deadline.ends_at),
            )


def _not_itself(
    instance: ServiceDetermination, attribute: attrs.Attribute[Any], value: Any
) -> None:
    _optional_id(instance, attribute, value)
    if value is not None and value == instance.event_id:
        _checks.fail(attribute.name, "a determination cannot supersede itself", value)


@attrs.frozen(kw_only=True)
class ServiceDetermination:
    """When service on an order took effect (or that it has not), and the deadlines.

    ``time_of_service``, ``rests_on`` and ``presumption`` are all None (not served) or
    all set; deadlines run only from a time of service and end after it. A determination
    made again because evidence came after the first (a bounce after service by sending,
    FRCP 5(b)(2)(E)) names the one it replaces in ``supersedes``; the replaced one stays
    in the log.

    >>> from datetime import date, datetime, timezone
    >>> from legaldelivery.records import SourceKind
    >>> served = datetime(2026, 3, 2, 1, 0, 4, tzinfo=timezone.utc)
    >>> d = ServiceDetermination(event_id="e-9", order_id="o-1", event_time=served,
    ...     source=EventSource(kind=SourceKind.RULES, source_id="rules-cn"),
    ...     rule_set="cn-cpl/2024-01-01", time_of_service=served, rests_on="e-7",
    ...     presumption=Presumption.CONCLUSIVE,
    ...     citation="CPL (2023) Art 90; OLR Art 31: arrival at a confirmed address",
    ...     deadlines=[Deadline(name="defence", due=date(2026, 4, 1),
    ...         ends_at=datetime(2026, 4, 1, 16, 0, tzinfo=timezone.utc),
    ...         citation="CPL (2023) Art 285, Art 85")])
    >>> d.deadlines[0].name, d.uri, d.supersedes
    ('defence', 'urn:legaldelivery:event:service-determination', None)
    >>> again = attrs.evolve(d, event_id="e-12", time_of_service=None, rests_on=None,
    ...     presumption=None, deadlines=(), supersedes="e-9")
    >>> again.supersedes
    'e-9'

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "service-determination"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    order_id: str = attrs.field(validator=_id)
    """The order determined."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the determination was made."""
    source: EventSource = attrs.field(validator=_source)
    """Who made it (the rules engine, identified with its version)."""
    rule_set: str = attrs.field(validator=_id)
    """The versioned rule set applied, e.g. ``cn-cpl/2024-01-01``."""
    time_of_service: datetime | None = attrs.field(
        converter=_checks.utc_or_none,
        validator=_checks.on_field(_checks.optional(_checks.instant)),
    )
    """When service took effect, or None when it has not."""
    rests_on: str | None = attrs.field(validator=[_optional_id, _nothing_without_service])
    """The event id the time of service rests on (earliest completed effective service)."""
    presumption: Presumption | None = attrs.field(validator=_presumption)
    """Conclusive or rebuttable."""
    citation: str = attrs.field(validator=_citation)
    """The provisions applied, e.g. ``CPL (2023) Art 90; SPC Interpretation (2022) Art 135``."""
    steps: tuple[str, ...] = attrs.field(default=(), converter=_checks.to_tuple, validator=_steps)
    """The reasoning, step by step."""
    deadlines: tuple[Deadline, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_deadlines
    )
    """The periods service starts."""
    reasons: tuple[ReasonCode, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_reasons
    )
    """Reason codes, if any (e.g. why there is no time of service yet)."""
    supersedes: str | None = attrs.field(default=None, validator=_not_itself)
    """The event id of the determination this one replaces, or None for the first.

    The latest determination of an order that no other supersedes is the current one."""

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:service-determination``."""
        return self.EVENT_URI

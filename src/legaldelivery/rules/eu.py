"""The EU (eIDAS Arts 43-44: what the qualified-ERDS presumption needs) and Italy (PEC
timing under c.p.c. Art 147, periods under c.p.c. Art 155) as an example national rule.

eIDAS sets no deemed-service or deadline rule of its own: those are national law.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone

import attrs
import pendulum

from legaldelivery.errors import InputError, VerificationError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.records import (
    AssuranceLevel,
    ChannelKind,
    Deadline,
    DeliveryOrder,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    Identifier,
    Presumption,
    ServiceDetermination,
)
from legaldelivery.rules import _args, _evidence
from legaldelivery.rules.base import (
    RULES_SOURCE,
    Jurisdiction,
    NotModelledError,
    RuleSet,
    check_zone,
)
from legaldelivery.rules.calendars import Calendar, italy
from legaldelivery.rules.deadlines import CountingJurisdiction, CountingRule

__all__ = ["ErdsAssessment", "ErdsPresumptionError", "EuropeanUnion", "Italy", "Requirement"]

_SENDING = frozenset({EventKind.SUBMISSION_ACCEPTANCE})
_RECEIPT = frozenset({EventKind.CONTENT_CONSIGNMENT, EventKind.CONTENT_HANDOVER})
_ARTICLES = ("44(1)(a)", "44(1)(b)", "44(1)(c)", "44(1)(d)", "44(1)(e)", "44(1)(f)")


class ErdsPresumptionError(VerificationError):
    """The evidence lacks what the eIDAS Art 43(2) presumption needs.

    .. versionadded:: 0.1.0
    """


@attrs.frozen(kw_only=True)
class Requirement:
    """One requirement of eIDAS Art 44(1), and whether the evidence meets it.

    .. versionadded:: 0.1.0
    """

    article: str
    """``44(1)(a)`` to ``44(1)(f)``."""
    text: str
    """The requirement, as cited."""
    met: bool
    detail: str
    """What the evidence shows, or what is missing."""


@attrs.frozen(kw_only=True)
class ErdsAssessment:
    """The eIDAS Art 44(1) checklist for one order's evidence.

    .. versionadded:: 0.1.0
    """

    order_id: str
    rule_set: str
    requirements: tuple[Requirement, ...]

    @property
    def missing(self) -> tuple[Requirement, ...]:
        """The requirements not met."""
        return tuple(r for r in self.requirements if not r.met)

    def verify(self) -> None:
        """Return None when every requirement is met; raise :class:`ErdsPresumptionError`."""
        if self.missing:
            raise ErdsPresumptionError(
                f"order {self.order_id}: the eIDAS Art 43(2) presumption needs "
                + "; ".join(f"Art {r.article}: {r.detail}" for r in self.missing)
            )


@attrs.frozen(kw_only=True)
class EuropeanUnion(Jurisdiction):
    """eIDAS: electronic registered delivery evidence and the qualified-ERDS presumption.

    >>> from datetime import date
    >>> from legaldelivery import rules
    >>> eu = rules.jurisdiction("EU", on=date(2026, 3, 1))
    >>> eu.rule_set
    'eu-eidas/2016-07-01'
    >>> eu.period_end(start=None, days=15)
    Traceback (most recent call last):
    ...
    legaldelivery.rules.base.NotModelledError: period: eIDAS sets no deemed-service or ...

    .. versionadded:: 0.1.0
    """

    code: str = "EU"
    rules: RuleSet
    time_zone: str = "UTC"

    @classmethod
    def create(cls, *, on: date, timezone: str | None = None) -> EuropeanUnion:
        """The version in force on ``on``; the zone only labels times (default UTC)."""
        return cls(
            rules=RuleSet.select("EU", on), time_zone=check_zone(timezone) if timezone else "UTC"
        )

    def _national(self, path: str) -> NotModelledError:
        return NotModelledError(
            "eIDAS sets no deemed-service or deadline rule; use the Member State's rules, "
            "e.g. jurisdiction('IT', on=...)",
            path=path,
        )

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
        """Not modelled at EU level: national law decides (see :class:`Italy`)."""
        raise self._national("order")

    def response_deadline(
        self, kind: str, *, served_at: datetime, recipient_country: str
    ) -> Deadline:
        """Not modelled at EU level: national law decides."""
        raise self._national("kind")

    def period_end(
        self,
        *,
        start: datetime,
        days: int | None = None,
        hours: int | None = None,
        months: int | None = None,
        name: str | None = None,
    ) -> Deadline:
        """Not modelled at EU level: national law decides."""
        raise self._national("period")

    def erds_assessment(
        self,
        order: DeliveryOrder,
        events: Iterable[object],
        *,
        qualified_providers: Collection[str] = (),
        sealed_events: Collection[str] = (),
        timestamped_events: Collection[str] = (),
    ) -> ErdsAssessment:
        """Check the order's evidence against eIDAS Art 44(1), requirement by requirement.

        The records cannot show everything, so the caller states what it has verified:
        ``qualified_providers`` (source ids of the providers on an EU trusted list as
        qualified ERDS), ``sealed_events`` (event ids whose evidence carries the provider's
        advanced signature or seal, verified) and ``timestamped_events`` (event ids with a
        qualified electronic time stamp, verified). Sending is the provider's
        SubmissionAcceptance; receipt its ContentConsignment or ContentHandover. Identity
        comes from the parties' identifiers: the sender's assurance must be *high*; the
        addressee's at least *substantial* (the level Art 44(1)(c) needs is unverified).

        >>> from legaldelivery.testing.fakes import sample_order, sample_records
        >>> eu = EuropeanUnion.create(on=date(2026, 3, 1))
        >>> a = eu.erds_assessment(sample_order(), sample_records())
        >>> [r.article for r in a.missing]
        ['44(1)(a)', '44(1)(b)', '44(1)(c)', '44(1)(d)', '44(1)(e)', '44(1)(f)']
        >>> print(a.missing[0].detail)
        issued by trial-system, wechat-oa:gh_donggang_court, not listed as a qualified provider
        """
        for name, ids in (
            ("qualified_providers", qualified_providers),
            ("sealed_events", sealed_events),
            ("timestamped_events", timestamped_events),
        ):
            if isinstance(ids, str) or not all(isinstance(i, str) for i in ids):
                raise InputError("expected a collection of identifiers", path=name, got=ids)
        items, _ = _evidence.collect(order, events, datetime.max.replace(tzinfo=timezone.utc))
        evidence = [i.record for i in items if isinstance(i.record, EvidenceEvent)]
        sending = [e for e in evidence if e.kind in _SENDING]
        receipt = [e for e in evidence if e.kind in _RECEIPT]
        both = [*sending, *receipt]
        met: dict[str, tuple[bool, str]] = {}

        if not sending or not receipt:
            gap = "no evidence of sending (SubmissionAcceptance)" if not sending else ""
            gap += ("; " if gap and not receipt else "") + (
                "no evidence of receipt (ContentConsignment or ContentHandover)"
                if not receipt
                else ""
            )
            met["44(1)(a)"] = (False, gap)
        else:
            unqualified = sorted({e.source.source_id for e in both} - set(qualified_providers))
            met["44(1)(a)"] = (
                not unqualified,
                f"issued by {', '.join(unqualified)}, not listed as a qualified provider"
                if unqualified
                else f"sending and receipt evidence ({_ids(both)}) issued by qualified providers",
            )
        met["44(1)(b)"] = _identified(
            order.sender.identifiers, {AssuranceLevel.HIGH}, "sender", "high"
        )
        met["44(1)(c)"] = _identified(
            order.recipient.identifiers,
            {AssuranceLevel.SUBSTANTIAL, AssuranceLevel.HIGH},
            "addressee",
            "substantial or high",
        )
        for article, given, what in (
            ("44(1)(d)", sealed_events, "an advanced electronic signature or seal"),
            ("44(1)(f)", timestamped_events, "a qualified electronic time stamp"),
        ):
            lacking = [e.event_id for e in both if e.event_id not in set(given)]
            met[article] = (
                bool(both) and not lacking,
                f"{', '.join(lacking) if both else 'sending and receipt evidence'} without {what}"
                if lacking or not both
                else f"{_ids(both)} carry {what}",
            )
        met["44(1)(e)"] = _changes(sending, receipt)
        texts = self.rules.citations
        return ErdsAssessment(
            order_id=order.order_id,
            rule_set=self.rule_set,
            requirements=tuple(
                Requirement(article=a, text=texts[a], met=met[a][0], detail=met[a][1])
                for a in _ARTICLES
            ),
        )


def _ids(events: Sequence[EvidenceEvent]) -> str:
    return ", ".join(e.event_id for e in events) or "none"


def _identified(
    identifiers: Sequence[Identifier], levels: set[AssuranceLevel], who: str, wanted: str
) -> tuple[bool, str]:
    found = [i.assurance for i in identifiers if i.assurance in levels]
    if found and found[0] is not None:
        return True, f"the {who} is identified at assurance {found[0].value}"
    return False, f"no identifier of the {who} at assurance {wanted}"


def _changes(sending: list[EvidenceEvent], receipt: list[EvidenceEvent]) -> tuple[bool, str]:
    sent = {(p.document_id, p.digest) for e in sending for p in e.parts}
    received = {(p.document_id, p.digest) for e in receipt for p in e.parts}
    if not sent or not received:
        return (
            False,
            "the sending or receipt evidence lists no document digests, so a change cannot be "
            "ruled out",
        )
    if sent == received:
        return True, "the documents' digests at sending and at receipt match: no change"
    flagged = [e.event_id for e in receipt if e.reasons]
    if flagged:
        return True, f"the content changed and the change is indicated ({', '.join(flagged)})"
    return False, "the content changed between sending and receipt, with no reason indicated"


@attrs.frozen(kw_only=True)
class Italy(CountingJurisdiction):
    """Italy: PEC service timing (c.p.c. Art 147) and period counting (c.p.c. Art 155).

    >>> from datetime import date, datetime, timezone
    >>> it = Italy.create(on=date(2026, 3, 1))
    >>> it.pec_perfected(datetime(2026, 3, 2, 21, 30, tzinfo=timezone.utc)).isoformat()
    '2026-03-03T06:00:00+00:00'

    .. versionadded:: 0.1.0
    """

    code: str = "IT"
    rules: RuleSet
    time_zone: str = "Europe/Rome"
    calendar: Calendar

    @classmethod
    def create(
        cls, *, on: date, timezone: str | None = None, calendar: Calendar | None = None
    ) -> Italy:
        """The version in force on ``on``; Europe/Rome unless ``timezone`` is given."""
        return cls(
            rules=RuleSet.select("IT", on),
            time_zone=check_zone(timezone) if timezone is not None else "Europe/Rome",
            calendar=italy() if calendar is None else calendar,
        )

    @property
    def counting(self) -> CountingRule:
        """c.p.c. Art 155."""
        return CountingRule(
            days_citation=self.rules.cite("counting"),
            roll_citation=self.rules.cite("roll"),
            end_citation=self.rules.cite("end_of_day"),
            hours_citation=self.rules.cite("hours"),
            months_citation=self.rules.cite("months"),
            hours_from_next_full_hour=True,
            hours_roll_forward=False,
        )

    def pec_perfected(self, delivery_receipt: datetime) -> datetime:
        """When PEC service is perfected for the recipient, given the delivery receipt's time.

        A receipt generated from 21:00 to 07:00 (court time) perfects service at 07:00: the
        next morning, or the same morning after midnight.

        >>> from datetime import datetime, timezone
        >>> it = Italy.create(on=date(2026, 3, 1))
        >>> format_instant(it.pec_perfected(datetime(2026, 3, 3, 4, 0, tzinfo=timezone.utc)))
        '2026-03-03T06:00:00.000000Z'
        >>> format_instant(it.pec_perfected(datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)))
        '2026-03-03T10:00:00.000000Z'
        """
        start = time.fromisoformat(self.rules.settings["pec_window_start"])
        end = time.fromisoformat(self.rules.settings["pec_window_end"])
        local = pendulum.instance(to_utc(delivery_receipt, path="delivery_receipt")).in_timezone(
            self.time_zone
        )
        clock = local.time().replace(tzinfo=None)
        if end <= clock < start:
            return to_utc(local)
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
        return to_utc(
            pendulum.datetime(day.year, day.month, day.day, end.hour, end.minute, tz=self.time_zone)
        )

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
        """PEC: perfected for the recipient at the delivery receipt (ContentConsignment),
        moved to 07:00 when generated between 21:00 and 07:00; reading is irrelevant.

        Only e-mail (PEC) addresses are considered. ``deadlines`` may name ``appeal``.
        """
        when, items, steps = _evidence.gather(
            self, order, events, at=at, deadlines=deadlines, kinds={"appeal": "appeal"}
        )
        pec = self.rules.cite("pec")
        candidates = []
        for item in items:
            record = item.record
            if not isinstance(record, EvidenceEvent):
                continue
            if item.address is None or item.address.channel != ChannelKind.EMAIL.value:
                if record.kind is EventKind.CONTENT_CONSIGNMENT:
                    steps.append(
                        f"{_evidence.where(item)}: not a PEC delivery receipt (not modelled)."
                    )
                continue
            if record.kind is EventKind.SUBMISSION_ACCEPTANCE:
                steps.append(
                    f"{_evidence.where(item)}: acceptance receipt: service is perfected for the "
                    f"sender at {format_instant(record.event_time)}."
                )
            elif (
                record.kind is EventKind.CONTENT_CONSIGNMENT
                and record.grade is EvidenceGrade.ARRIVAL
            ):
                perfected = self.pec_perfected(record.event_time)
                moved = (
                    ""
                    if perfected == record.event_time
                    else f", moved to {format_instant(perfected)} (07:00)"
                )
                local = pendulum.instance(record.event_time).in_timezone(self.time_zone)
                shown = local.strftime("%Y-%m-%d %H:%M")
                steps.append(
                    f"{_evidence.where(item)}: delivery receipt at {shown} {self.time_zone}{moved}."
                )
                candidates.append(
                    _evidence.Candidate(
                        time=perfected,
                        presumption=Presumption.CONCLUSIVE,
                        event_id=record.event_id,
                        citation=pec,
                        why="delivery receipt",
                    )
                )
            elif record.grade is EvidenceGrade.SYSTEM_READ:
                steps.append(f"{_evidence.where(item)}: opened; irrelevant to PEC service.")
        return _evidence.determine(
            jurisdiction=self,
            order=order,
            candidates=candidates,
            steps=steps,
            at=when,
            determination_id=determination_id,
            source=source,
            base_citation=pec,
            deadlines=deadlines,
            earliest_citation="the first delivery receipt",
        )

    def response_deadline(
        self, kind: str, *, served_at: datetime, recipient_country: str
    ) -> Deadline:
        """``appeal``: 30 days from the notification of the judgment (c.p.c. Art 325),
        counted under Art 155 with the August suspension (Legge 742/1969).

        The defence (*comparsa di risposta*) is due a number of days before the first
        hearing, not after service: it is not modelled (NotModelledError).

        >>> from datetime import date, datetime, timezone
        >>> it = Italy.create(on=date(2026, 3, 1))
        >>> d = it.response_deadline("appeal", recipient_country="IT",
        ...     served_at=datetime(2026, 7, 20, 9, 0, tzinfo=timezone.utc))
        >>> d.due  # 11 days in July, August suspended, 19 in September: a Saturday
        datetime.date(2026, 9, 21)
        """
        _args.check_country(recipient_country)
        if kind != "appeal":
            raise NotModelledError(
                "of Italian response periods only 'appeal' (c.p.c. Art 325) is modelled; the "
                "defence is timed from the first hearing, not from service",
                path="kind",
            )
        period = self.rules.period("appeal")
        assert period.days is not None
        rule = attrs.evolve(
            self.counting,
            suspended_months=frozenset(self.rules.settings["suspended_months"]),
            suspension_citation=self.rules.cite("suspension"),
        )
        return self.count(
            rule=rule,
            start=served_at,
            start_path="served_at",
            days=period.days,
            name="appeal",
            citation=f"{period.citation}; {self.rules.cite('counting_ref')}; Legge 742/1969 Art 1",
            notes=[f"{period.citation}: {period.days} days for the appeal."],
        )

    def period_end(
        self,
        *,
        start: datetime,
        days: int | None = None,
        hours: int | None = None,
        months: int | None = None,
        name: str | None = None,
    ) -> Deadline:
        """c.p.c. Art 155 alone: start day not counted; a last day on a holiday or Saturday
        moves on (the August suspension of Legge 742/1969 is not applied).

        >>> from datetime import date, datetime, timezone
        >>> it = Italy.create(on=date(2026, 3, 1))
        >>> it.period_end(start=datetime(2026, 3, 27, 9, 0, tzinfo=timezone.utc), days=10).due
        datetime.date(2026, 4, 7)
        """
        return self.count(
            start=start,
            days=days,
            hours=hours,
            months=months,
            name=name,
            citation=self.rules.cite("counting_ref"),
        )

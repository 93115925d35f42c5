"""United States federal courts: FRCP 4 and 5 (consent, service abroad, time of service),
FRCP 6(a) counting on the federal legal holidays, and the answer and appeal periods.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import attrs

from legaldelivery.errors import InputError
from legaldelivery.instants import to_utc
from legaldelivery.records import (
    Address,
    ChannelKind,
    Consent,
    ConsentGround,
    Deadline,
    DeliveryOrder,
    DocumentKind,
    EventKind,
    EventSource,
    EvidenceEvent,
    Party,
    Presumption,
    ServiceDetermination,
)
from legaldelivery.rules import _args, _evidence, hague
from legaldelivery.rules.base import (
    RULES_SOURCE,
    Decision,
    Outcome,
    RuleSet,
    check_zone,
    load_data,
    parse_date,
)
from legaldelivery.rules.calendars import Calendar, united_states
from legaldelivery.rules.deadlines import CountingJurisdiction, CountingRule

__all__ = ["UnitedStates"]

_INITIATING = frozenset({DocumentKind.SUMMONS, DocumentKind.COMPLAINT})
_KINDS = {
    "answer": "answer",
    "defence": "answer",
    "answer_after_waiver": "answer_after_waiver",
    "appeal": "appeal",
}
_SENT = frozenset({EventKind.RELAY_TO_NON_ERDS, EventKind.RELAY_ACCEPTANCE})
_DID_NOT_REACH = frozenset(
    {
        EventKind.RELAY_TO_NON_ERDS_FAILURE,
        EventKind.RELAY_FAILURE,
        EventKind.RELAY_REJECTION,
        EventKind.CONTENT_CONSIGNMENT_FAILURE,
    }
)


@attrs.frozen(kw_only=True)
class _Precedent:
    name: str
    court: str
    decided: date
    country: str
    holding: str
    source: str


@functools.cache
def _precedent(precedent_id: str) -> _Precedent:
    for raw in load_data("rules_us.json")["decisions"]:
        if raw["id"] == precedent_id:
            return _Precedent(
                name=raw["name"],
                court=raw["court"],
                decided=parse_date(raw["date"], "decisions.date"),
                country=raw["country"],
                holding=raw["holding"],
                source=raw["source"],
            )
    raise InputError("no such decision in the data", path="decisions", got=precedent_id)


@attrs.frozen(kw_only=True)
class UnitedStates(CountingJurisdiction):
    """The Federal Rules of Civil Procedure on electronic service, in one court's time zone.

    The time zone has no default: FRCP 6(a)(4)(A) ends the last day at midnight in the
    court's own zone, and the United States has several.

    >>> from datetime import date, datetime, timezone
    >>> j = UnitedStates.create(on=date(2026, 6, 1), timezone="America/New_York")
    >>> d = j.response_deadline("answer", recipient_country="US",
    ...     served_at=datetime(2026, 6, 12, 15, 0, tzinfo=timezone.utc))
    >>> d.due, d.citation  # day 21 is 3 July, the day Independence Day is observed
    (datetime.date(2026, 7, 6), 'FRCP 12(a)(1)(A)(i); FRCP 6(a)(1)')

    .. versionadded:: 0.1.0
    """

    code: str = "US"
    rules: RuleSet
    time_zone: str
    calendar: Calendar

    @classmethod
    def create(
        cls, *, on: date, timezone: str | None = None, calendar: Calendar | None = None
    ) -> UnitedStates:
        """The version in force on ``on``; ``timezone`` (the court's IANA zone) is required."""
        if timezone is None:
            raise InputError(
                "the US has several time zones: pass the court's timezone=, e.g. "
                "'America/New_York' (FRCP 6(a)(4)(A): midnight in the court's time zone)",
                path="timezone",
            )
        return cls(
            rules=RuleSet.select("US", on),
            time_zone=check_zone(timezone),
            calendar=united_states() if calendar is None else calendar,
        )

    @property
    def counting(self) -> CountingRule:
        """FRCP 6(a): days and hours; no month rule."""
        return CountingRule(
            days_citation=self.rules.cite("counting"),
            roll_citation=self.rules.cite("roll"),
            end_citation=self.rules.cite("end_of_day"),
            hours_citation=self.rules.cite("hours"),
            months_citation=None,
            hours_from_next_full_hour=False,
            hours_roll_forward=True,
        )

    def consent_decision(
        self,
        *,
        document_kind: DocumentKind,
        target: Address | str,
        recipient: Party,
        consents: Iterable[Consent],
        at: datetime,
    ) -> Decision:
        """FRCP 5(b)(2)(E): the court's e-filing system, or other means consented to in writing.

        A summons and complaint are served under Rule 4, where consent to electronic
        service does not help: NEEDS_COURT_ORDER.

        >>> from datetime import date, datetime, timezone
        >>> from legaldelivery.records import Party, PartyRole
        >>> j = UnitedStates.create(on=date(2026, 6, 1), timezone="America/Chicago")
        >>> p = Party(party_id="d-1", name="Li Wei", role=PartyRole.DEFENDANT, country="US")
        >>> j.consent_decision(document_kind=DocumentKind.NOTICE, target="email", recipient=p,
        ...     consents=[], at=datetime(2026, 6, 2, tzinfo=timezone.utc)).outcome.value
        'prohibited'
        """
        when = to_utc(at, path="at")
        if not isinstance(document_kind, DocumentKind):
            raise InputError("expected a DocumentKind", path="document_kind", got=document_kind)
        if not isinstance(recipient, Party):
            raise InputError("expected a Party", path="recipient", got=type(recipient).__name__)
        consents = _args.consent_list(consents)
        _args.check_target(target)
        rule5 = self.rules.cite("electronic_service")
        if document_kind in _INITIATING:
            return Decision(
                outcome=Outcome.NEEDS_COURT_ORDER,
                citation=(
                    f"{self.rules.cite('initiating')}; {self.rules.cite('abroad_court_order')}"
                ),
                reasoning=[
                    f"A {document_kind.value} is served under FRCP 4, not Rule 5: consent to "
                    "electronic service does not reach it.",
                    "Electronic service of it needs a court order (FRCP 4(f)(3) abroad), or state "
                    "law allowing it (FRCP 4(e)(1)); the defendant may also waive service (4(d)).",
                ],
                rule_set=self.rule_set,
            )
        channel = target.channel if isinstance(target, Address) else target
        if isinstance(channel, ChannelKind):
            channel = channel.value
        if channel == ChannelKind.PORTAL.value:
            return Decision(
                outcome=Outcome.ALLOWED,
                citation=rule5,
                reasoning=[
                    f"{rule5}: a registered user is served by filing with the court's "
                    "electronic-filing system; registration is the consent."
                ],
                rule_set=self.rule_set,
            )
        reasoning = [f"{rule5}: electronic service needs the person's consent in writing."]
        for i, consent in enumerate(consents):
            if consent.party_id != recipient.party_id:
                reasoning.append(f"Consent {consent.consent_id} is {consent.party_id}'s.")
                continue
            if consent.ground is not ConsentGround.US_WRITTEN_CONSENT:
                reasoning.append(
                    f"Consent {consent.consent_id} rests on {consent.ground.value}, not on a "
                    "consent in writing under FRCP 5(b)(2)(E)."
                )
                continue
            answer = consent.covers(target, document_kind, when)
            reasoning.append(f"Consent [{i}]: {answer.reason}.")
            if answer:
                return Decision(
                    outcome=Outcome.ALLOWED,
                    citation=rule5,
                    reasoning=reasoning,
                    rule_set=self.rule_set,
                )
        reasoning.append("No written consent in force covers this document, address and time.")
        return Decision(
            outcome=Outcome.PROHIBITED, citation=rule5, reasoning=reasoning, rule_set=self.rule_set
        )

    def channel_decision(
        self,
        *,
        recipient_country: str,
        channel: str,
        document_kind: DocumentKind,
        address_known: bool,
        on: date,
    ) -> Decision:
        """Serving a summons abroad (FRCP 4(f)) over ``channel``; other papers go by Rule 5.

        Electronic service abroad is only "as the court orders" (4(f)(3)), and not where an
        international agreement prohibits it: for a defendant in mainland China whose
        address is known the Hague Convention applies and bars it (*Smart Study*, 2d Cir.
        2025-12-18).

        >>> from datetime import date
        >>> j = UnitedStates.create(on=date(2026, 1, 5), timezone="America/New_York")
        >>> j.channel_decision(recipient_country="CN", channel="email", address_known=True,
        ...     document_kind=DocumentKind.SUMMONS, on=date(2026, 1, 5)).outcome.value
        'prohibited'
        >>> j.channel_decision(recipient_country="CN", channel="email", address_known=False,
        ...     document_kind=DocumentKind.SUMMONS, on=date(2026, 1, 5)).outcome.value
        'needs_court_order'
        """
        _args.check_on(self.rules, on)
        _args.check_common(recipient_country, channel, document_kind, address_known)
        if document_kind not in _INITIATING:
            rule5 = self.rules.cite("electronic_service")
            return Decision(
                outcome=Outcome.ALLOWED,
                citation=rule5,
                reasoning=[
                    f"A {document_kind.value} is served under FRCP 5, on a party already before "
                    "the court: Rule 4(f) and the Hague Convention's channels do not govern it.",
                    "Electronic service still needs the e-filing system or written consent "
                    f"({rule5}).",
                ],
                rule_set=self.rule_set,
            )
        if recipient_country == "US":
            return Decision(
                outcome=Outcome.NEEDS_COURT_ORDER,
                citation=self.rules.cite("domestic_summons"),
                reasoning=[
                    "A summons in the United States is served under FRCP 4(e): personally, or as "
                    "the law of the state allows (4(e)(1)); electronic or postal service only "
                    "where that law or a court order allows it, or by waiver (4(d))."
                ],
                rule_set=self.rule_set,
            )
        status = hague.status(recipient_country, on=on)
        order_rule = self.rules.cite("abroad_court_order")
        reasoning = [
            f"A {document_kind.value} for a defendant in {recipient_country} is served under "
            "FRCP 4(f).",
            f"Hague Service Convention status of {recipient_country} on {on}: "
            + (
                f"a party since {status.party_since}."
                if status.party
                else "not a party in the data."
            ),
        ]
        applies = status.party and address_known
        if status.party:
            reasoning.append(
                "The address is known: the Convention applies (Art 1) and its channels are the "
                "only ones allowed."
                if address_known
                else "The address is not known: the Convention does not apply (Art 1)."
            )
        position = status.position("10(a)")
        if channel == ChannelKind.POSTAL.value:
            return self._postal(status, position, applies, reasoning)
        if applies and position is hague.Position.OBJECTS:
            precedent = _precedent("smart-study")
            if recipient_country == precedent.country and on >= precedent.decided:
                reasoning.append(
                    f"{recipient_country} objects to Art 10; {precedent.source}: "
                    f"{precedent.holding} (binding in the Second Circuit)."
                )
                if channel != ChannelKind.EMAIL.value:
                    reasoning.append(
                        f"The decision concerned e-mail; its reasoning reaches {channel} as well "
                        "(unverified)."
                    )
                return Decision(
                    outcome=Outcome.PROHIBITED,
                    citation=(
                        f"{order_rule}; Hague Service Convention Arts 1, 10; {precedent.source}"
                    ),
                    reasoning=reasoning,
                    rule_set=self.rule_set,
                )
            reasoning.append(
                f"{recipient_country} objects to Art 10: whether electronic service is prohibited "
                "by the Convention is contested; the court must decide."
            )
        else:
            reasoning.append(
                f"{order_rule}: electronic service abroad only as the court orders, and not where "
                "an international agreement prohibits it."
            )
        return Decision(
            outcome=Outcome.NEEDS_COURT_ORDER,
            citation=order_rule,
            reasoning=reasoning,
            rule_set=self.rule_set,
        )

    def _postal(
        self,
        status: hague.HagueStatus,
        position: hague.Position,
        applies: bool,
        reasoning: list[str],
    ) -> Decision:
        country = status.country
        if applies and position is hague.Position.OBJECTS:
            reasoning.append(f"{country} objects to service by postal channels, Art 10(a).")
            outcome, cite = Outcome.PROHIBITED, self.rules.cite("abroad_treaty")
        elif applies and position is hague.Position.NO_OBJECTION:
            reasoning.append(
                f"{country} does not object to Art 10(a) ({status.source_of('10(a)')}): postal "
                "channels are an internationally agreed means."
            )
            outcome, cite = Outcome.ALLOWED, self.rules.cite("abroad_treaty")
        else:
            reasoning.append(
                "Mail sent by the clerk is allowed unless the foreign law prohibits it "
                "(FRCP 4(f)(2)(C)(ii)); the data cannot tell: the court must decide."
            )
            outcome, cite = Outcome.NEEDS_COURT_ORDER, self.rules.cite("abroad_mail")
        return Decision(
            outcome=outcome,
            citation=f"{cite}; Hague Service Convention Art 10(a)",
            reasoning=reasoning,
            rule_set=self.rule_set,
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
        """FRCP 5(b)(2)(E): service is complete upon sending, unless the sender learns that
        it did not reach the person.

        Sending is a relay event (to a non-ERDS gateway such as an SMTP server, or accepted
        by the recipient's ERDS); a failure or rejection for the same address known at
        ``at`` defeats it. For a summons served abroad by court order (FRCP 4(f)(3)) the
        order governs; the sending time is taken, as rebuttable (unverified).
        """
        when, items, steps = _evidence.gather(
            self, order, events, at=at, deadlines=deadlines, kinds=_KINDS
        )
        rule5 = self.rules.cite("electronic_service")
        initiating = any(d.kind in _INITIATING for d in order.documents)
        if initiating:
            steps.append(
                "The order serves initiating documents: FRCP 4 applies, and the court's order "
                "under 4(f)(3) governs when service is complete (unverified: sending time taken)."
            )
        failed = {
            item.address.destination
            for item in items
            if isinstance(item.record, EvidenceEvent)
            and item.record.kind in _DID_NOT_REACH
            and item.address is not None
        }
        candidates = []
        for item in items:
            record = item.record
            if not isinstance(record, EvidenceEvent) or record.kind not in _SENT:
                continue
            if item.address is None:
                steps.append(
                    f"{_evidence.where(item)}: sent, but to an address the evidence does not name."
                )
                continue
            if item.address.destination in failed:
                steps.append(
                    f"{_evidence.where(item)}: sent, but the sender learned it did not reach the "
                    f"person: not effective ({rule5})."
                )
                continue
            steps.append(
                f"{_evidence.where(item)}: sent; service is complete upon sending ({rule5})."
            )
            candidates.append(
                _evidence.Candidate(
                    time=record.event_time,
                    presumption=Presumption.REBUTTABLE if initiating else Presumption.CONCLUSIVE,
                    event_id=record.event_id,
                    citation=(
                        f"{self.rules.cite('abroad_court_order')} (as the court orders; sending "
                        "time, unverified)"
                        if initiating
                        else f"{rule5}: complete upon sending"
                    ),
                    why="sent",
                )
            )
        return _evidence.determine(
            jurisdiction=self,
            order=order,
            candidates=candidates,
            steps=steps,
            at=when,
            determination_id=determination_id,
            source=source,
            base_citation=rule5,
            deadlines=deadlines,
            earliest_citation=f"{rule5}: the first effective sending",
        )

    def response_deadline(
        self, kind: str, *, served_at: datetime, recipient_country: str
    ) -> Deadline:
        """``answer`` (alias ``defence``, 21 days), ``answer_after_waiver`` (60 days, 90 when
        the request went abroad; ``served_at`` is when the request was sent) or ``appeal``
        (30 days; ``served_at`` is the entry of the judgment). No days are added for
        electronic service (FRCP 6(d)).
        """
        canonical = _args.kind_name(kind, _KINDS)
        _args.check_country(recipient_country)
        key = canonical
        if canonical == "answer_after_waiver" and recipient_country != "US":
            key = "answer_after_waiver_abroad"
        period = self.rules.period(key)
        assert period.days is not None
        return self.count(
            start=served_at,
            start_path="served_at",
            days=period.days,
            name=canonical,
            citation=f"{period.citation}; {self.rules.cite('counting_ref')}",
            notes=[
                f"{period.citation}: {period.days} days for the {canonical.replace('_', ' ')}.",
                f"{self.rules.cite('no_extra_days')}.",
            ],
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
        """FRCP 6(a) alone: days (trigger day excluded, weekend and holiday roll-forward) or
        hours (from the event; a period ending on such a day runs to the same time on the
        next day that is none). Months are not an FRCP 6(a) unit: InputError.

        >>> from datetime import date, datetime, timezone
        >>> j = UnitedStates.create(on=date(2026, 6, 1), timezone="America/New_York")
        >>> d = j.period_end(start=datetime(2026, 7, 1, 16, 0, tzinfo=timezone.utc), hours=48)
        >>> d.due  # 48 hours end on Friday 3 July, the observed holiday: on to Monday
        datetime.date(2026, 7, 6)
        """
        return self.count(
            start=start,
            days=days,
            hours=hours,
            months=months,
            name=name,
            citation=self.rules.cite("counting_ref") if hours is None else "FRCP 6(a)(2)",
        )

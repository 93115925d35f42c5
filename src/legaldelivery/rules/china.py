"""China: consent (OLR Art 29), service abroad (CPL Art 283), time of service (CPL Art 90,
SPC Interpretation Art 135, OLR Art 31) and periods (CPL Art 85, 128, 171, 285, 286).

Two rule set versions: the CPL as amended in 2021 (in force 2022-01-01) and in 2023 (in
force 2024-01-01), with the article renumbering between them as data.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
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
    EvidenceGrade,
    InboundFiling,
    Party,
    Presumption,
    RecipientReply,
    ReplyAct,
    ServiceDetermination,
    VerificationMethod,
)
from legaldelivery.rules import _args, _evidence, hague
from legaldelivery.rules.base import (
    RULES_SOURCE,
    Decision,
    Outcome,
    RuleSet,
    check_zone,
    load_data,
)
from legaldelivery.rules.calendars import Calendar, china
from legaldelivery.rules.deadlines import CountingJurisdiction, CountingRule

__all__ = ["China"]

_OLR_GROUNDS = frozenset(
    {
        ConsentGround.EXPRESS_CONSENT,
        ConsentGround.PRIOR_AGREEMENT,
        ConsentGround.ADDRESS_IN_PLEADING,
        ConsentGround.ACCEPTED_WITHOUT_OBJECTION,
    }
)
_CONFIRMED = frozenset(
    {VerificationMethod.RECIPIENT_PROVIDED, VerificationMethod.RECIPIENT_CONFIRMED}
)
_PAPER_ON_REQUEST = frozenset(
    {DocumentKind.JUDGMENT, DocumentKind.RULING, DocumentKind.MEDIATION_STATEMENT}
)
_ARRIVAL_KINDS = frozenset({EventKind.CONTENT_CONSIGNMENT, EventKind.RECEIVED_FROM_NON_ERDS})
_RECEIPT_KINDS = frozenset(
    {
        EventKind.CONTENT_ACCESS_TRACKING,
        EventKind.CONTENT_HANDOVER,
        EventKind.CONSIGNMENT_ACCEPTANCE,
        EventKind.RECEIVED_FROM_NON_ERDS,
    }
)
_KINDS = {
    "defence": "defence",
    "answer": "defence",
    "appeal": "appeal",
    "appeal_ruling": "appeal_ruling",
}
_DEEMED = ("public_notice", "public_notice_abroad", "mail_abroad")


@functools.cache
def _renumbering() -> tuple[tuple[str, str, Mapping[str, str], str], ...]:
    return tuple(
        (r["from"], r["to"], dict(r["articles"]), r["source"])
        for r in load_data("rules_cn.json")["renumbering"]
    )


@attrs.frozen(kw_only=True)
class China(CountingJurisdiction):
    """The rules of the People's Republic of China on electronic service.

    >>> from datetime import date, datetime, timezone
    >>> from legaldelivery import rules
    >>> j = rules.jurisdiction("CN", on=date(2026, 3, 1))
    >>> j.rule_set, j.time_zone
    ('cn-cpl/2024-01-01', 'Asia/Shanghai')
    >>> d = j.response_deadline("appeal", served_at=datetime(2026, 9, 20, 3, 0,
    ...     tzinfo=timezone.utc), recipient_country="CN")
    >>> d.due, d.citation  # 15 days: day 15 is 5 October, in the National Day holiday
    (datetime.date(2026, 10, 8), 'CPL (2023) Art 171; Art 85')

    .. versionadded:: 0.1.0
    """

    code: str = "CN"
    rules: RuleSet
    time_zone: str = "Asia/Shanghai"
    calendar: Calendar

    @classmethod
    def create(
        cls, *, on: date, timezone: str | None = None, calendar: Calendar | None = None
    ) -> China:
        """The version in force on ``on`` (see :func:`~legaldelivery.rules.jurisdiction`)."""
        return cls(
            rules=RuleSet.select("CN", on),
            time_zone=check_zone(timezone) if timezone is not None else "Asia/Shanghai",
            calendar=china() if calendar is None else calendar,
        )

    @property
    def counting(self) -> CountingRule:
        """CPL Art 85 with the Civil Code's month and end-of-day rules."""
        return CountingRule(
            days_citation=self.rules.cite("counting"),
            roll_citation=self.rules.cite("roll"),
            end_citation=self.rules.cite("end_of_day"),
            hours_citation=self.rules.cite("hours"),
            months_citation=self.rules.cite("months"),
            hours_from_next_full_hour=True,
            hours_roll_forward=False,
        )

    def renumber(self, article: str) -> str:
        """The number in this version of an article of the 2021 text (Art 274 -> 283).

        >>> from datetime import date
        >>> China.create(on=date(2024, 1, 1)).renumber("274")
        '283'
        """
        for old, new, articles, _ in _renumbering():
            if new == self.rule_set:
                if article not in articles:
                    raise InputError(
                        f"no renumbering from {old} is recorded for it", path="article", got=article
                    )
                return articles[article]
            if old == self.rule_set:
                return article
        raise InputError(
            f"no renumbering is recorded for {self.rule_set}", path="article", got=article
        )

    # -- consent ---------------------------------------------------------------------

    def consent_decision(
        self,
        *,
        document_kind: DocumentKind,
        target: Address | str,
        recipient: Party,
        consents: Iterable[Consent],
        at: datetime,
    ) -> Decision:
        """CPL Art 90: electronic service needs the recipient's consent on an OLR Art 29 ground.

        >>> from datetime import datetime, timezone
        >>> from legaldelivery.testing.fakes import sample_order, sample_records
        >>> order = sample_order()
        >>> consent = sample_records()[0].consent
        >>> j = China.create(on=date(2026, 3, 1))
        >>> d = j.consent_decision(document_kind=DocumentKind.SUMMONS, target=order.channels[0],
        ...     recipient=order.recipient, consents=[consent], at=order.created_at)
        >>> d.outcome.value
        'allowed'
        >>> print(d.citation)
        CPL (2023) Art 90; SPC Online Litigation Rules (2021) Art 29(1): express consent
        """
        when = to_utc(at, path="at")
        if not isinstance(document_kind, DocumentKind):
            raise InputError("expected a DocumentKind", path="document_kind", got=document_kind)
        if not isinstance(recipient, Party):
            raise InputError("expected a Party", path="recipient", got=type(recipient).__name__)
        _args.check_target(target)
        article = self.rules.cite("electronic_service")
        reasoning = [f"{article}: electronic service needs the consent of the person served."]
        for i, consent in enumerate(_args.consent_list(consents)):
            if consent.party_id != recipient.party_id:
                reasoning.append(
                    f"Consent {consent.consent_id} is {consent.party_id}'s, not the recipient's."
                )
                continue
            if consent.ground not in _OLR_GROUNDS:
                reasoning.append(
                    f"Consent {consent.consent_id} rests on {consent.ground.value}, none of the "
                    f"four grounds of {self.rules.cite('consent')}."
                )
                continue
            answer = consent.covers(target, document_kind, when)
            reasoning.append(f"Consent [{i}]: {answer.reason}.")
            if answer:
                if document_kind in _PAPER_ON_REQUEST:
                    reasoning.append(
                        f"{article}: a {document_kind.value} may be served electronically, but a "
                        "paper copy must be provided if the party asks for one."
                    )
                return Decision(
                    outcome=Outcome.ALLOWED,
                    citation=f"{article}; {consent.ground.citation}",
                    reasoning=reasoning,
                    rule_set=self.rule_set,
                )
        reasoning.append("No consent in force covers this document, address and time.")
        return Decision(
            outcome=Outcome.PROHIBITED,
            citation=f"{article}; {self.rules.cite('consent')}",
            reasoning=reasoning,
            rule_set=self.rule_set,
        )

    # -- channel legality ----------------------------------------------------------------

    def channel_decision(
        self,
        *,
        recipient_country: str,
        channel: str,
        document_kind: DocumentKind,
        address_known: bool,
        on: date,
    ) -> Decision:
        """Service abroad (CPL Art 283, formerly 274): may this channel reach that country?

        Electronic means that can confirm receipt are allowed "unless prohibited by the law
        of the recipient's country" (since 2024-01-01); mail where that law allows it. The
        Hague declarations are the data consulted; where they say nothing, the court must
        determine the foreign law (NEEDS_COURT_ORDER).

        >>> from datetime import date
        >>> j = China.create(on=date(2026, 3, 1))
        >>> j.channel_decision(recipient_country="PK", channel="wechat",
        ...     document_kind=DocumentKind.SUMMONS, address_known=True,
        ...     on=date(2026, 3, 2)).outcome.value
        'allowed'
        """
        _args.check_on(self.rules, on)
        _args.check_common(recipient_country, channel, document_kind, address_known)
        if recipient_country == "CN":
            return Decision(
                outcome=Outcome.ALLOWED,
                citation=self.rules.cite("electronic_service"),
                reasoning=[
                    "The recipient is in mainland China: the rules on service abroad do not apply.",
                    "Electronic service still needs consent "
                    f"({self.rules.cite('electronic_service')}).",
                ],
                rule_set=self.rule_set,
            )
        status = hague.status(recipient_country, on=on)
        reasoning = [
            f"The recipient is in {recipient_country}, outside mainland China: service abroad.",
            f"Hague Service Convention status of {recipient_country} on {on}: "
            + (
                f"a party since {status.party_since}."
                if status.party
                else "not a party in the data."
            ),
        ]
        postal = status.position("10(a)")
        if channel == ChannelKind.POSTAL.value:
            cite = self.rules.cite("service_abroad_mail")
            reasoning.append(
                f"{cite}: mail service is allowed where the law of the recipient's country "
                "allows it."
            )
            return self._by_position(postal, status, cite, reasoning, objected=Outcome.PROHIBITED)
        cite = self.rules.cite("service_abroad_electronic")
        if not self.rules.settings["electronic_abroad_unless_prohibited"]:
            reasoning.append(
                f"{cite}: electronic means able to confirm receipt may be used; this text has no "
                "caveat for the law of the recipient's country."
            )
            return Decision(
                outcome=Outcome.ALLOWED, citation=cite, reasoning=reasoning, rule_set=self.rule_set
            )
        reasoning.append(
            f"{cite}: electronic means able to confirm receipt, unless the law of the recipient's "
            "country prohibits them."
        )
        return self._by_position(
            postal, status, cite, reasoning, objected=Outcome.NEEDS_COURT_ORDER
        )

    def _by_position(
        self,
        position: hague.Position,
        status: hague.HagueStatus,
        cite: str,
        reasoning: list[str],
        *,
        objected: Outcome,
    ) -> Decision:
        country = status.country
        if position is hague.Position.NO_OBJECTION:
            reasoning.append(
                f"{country} does not object to Hague Art 10(a) ({status.source_of('10(a)')}): no "
                "prohibition by its law is recorded."
            )
            outcome = Outcome.ALLOWED
        elif position is hague.Position.OBJECTS:
            reasoning.append(
                f"{country} objects to Hague Art 10(a) ({status.source_of('10(a)')})"
                + (
                    ": mail service is not allowed there."
                    if objected is Outcome.PROHIBITED
                    else "; whether its law prohibits electronic service from abroad is for the "
                    "court to determine (unverified inference from the objection)."
                )
            )
            outcome = objected
        else:
            reasoning.append(
                f"The data records no position of {country} on Hague Art 10: the court must "
                "determine whether its law allows this channel."
            )
            outcome = Outcome.NEEDS_COURT_ORDER
        return Decision(
            outcome=outcome,
            citation=f"{cite}; Hague Service Convention Art 10(a)",
            reasoning=reasoning,
            rule_set=self.rule_set,
        )

    # -- time of service ---------------------------------------------------------------

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
        """CPL Art 90, Interpretation Art 135 and OLR Art 31, over every channel of ``order``.

        * A reply acknowledging receipt, or a procedural act based on the documents (an
          inbound filing), is effective service: **conclusive**.
        * Arrival at an address the recipient provided or confirmed is service at arrival,
          the date the system shows successful sending, which the recipient may disprove:
          **rebuttable**.
        * The platform showing the documents read, or other proof of receipt (a download,
          an acceptance): presumed effective service, **rebuttable**.
        * Arrival at any other address is not service by itself.

        With several channels, the earliest completed effective service counts.
        ``deadlines`` names the periods to compute from it (see :meth:`response_deadline`).

        >>> from datetime import datetime, timezone
        >>> from legaldelivery.testing.fakes import sample_order, sample_records
        >>> j = China.create(on=date(2026, 3, 1))
        >>> d = j.time_of_service(sample_order(), sample_records(),
        ...     at=datetime(2026, 3, 20, tzinfo=timezone.utc), determination_id="det-1",
        ...     deadlines=["defence"])
        >>> d.rests_on, d.presumption.value, d.deadlines[0].due
        ('event-3', 'rebuttable', datetime.date(2026, 4, 1))
        """
        when, items, steps = _evidence.gather(
            self, order, events, at=at, deadlines=deadlines, kinds=_KINDS
        )
        arrival = self.rules.cite("arrival")
        olr = self.rules.cite("time_of_service")
        art90 = self.rules.cite("electronic_service")
        candidates: list[_evidence.Candidate] = []
        for item in items:
            found = self._candidate(item, steps, arrival=arrival, olr=olr, art90=art90)
            if found is not None:
                candidates.append(found)
                steps.append(f"{_evidence.where(item)}: {found.why} ({found.presumption.value}).")
        return _evidence.determine(
            jurisdiction=self,
            order=order,
            candidates=candidates,
            steps=steps,
            at=when,
            determination_id=determination_id,
            source=source,
            base_citation=f"{art90}; {arrival}; {olr}",
            deadlines=deadlines,
            earliest_citation=f"{olr}: several channels, the earliest completed effective service",
        )

    def _candidate(
        self, item: _evidence.Item, steps: list[str], *, arrival: str, olr: str, art90: str
    ) -> _evidence.Candidate | None:
        record = item.record
        if isinstance(record, RecipientReply):
            if record.objects_to_e_service:
                steps.append(
                    f"{_evidence.where(item)}: the reply objects to electronic service, so it "
                    "cannot make electronic service effective."
                )
                return None
            if record.act in (ReplyAct.ACKNOWLEDGEMENT, ReplyAct.PROCEDURAL_ACT):
                return _evidence.Candidate(
                    time=record.event_time,
                    presumption=Presumption.CONCLUSIVE,
                    event_id=record.event_id,
                    citation=f"{olr}: a reply acknowledging receipt or a procedural act is "
                    "effective service",
                    why=f"the recipient's {record.act.value.replace('_', ' ')} is effective "
                    "service",
                )
            steps.append(
                f"{_evidence.where(item)}: a reply of kind {record.act.value} neither acknowledges "
                "receipt nor acts on the documents."
            )
            return None
        if isinstance(record, InboundFiling):
            return _evidence.Candidate(
                time=record.event_time,
                presumption=Presumption.CONCLUSIVE,
                event_id=record.event_id,
                citation=f"{olr}: a procedural act based on the documents is effective service",
                why=f"the recipient's filing ({record.document_kind.value}) is a procedural act",
            )
        assert isinstance(record, EvidenceEvent)
        if record.kind in _ARRIVAL_KINDS and record.grade is EvidenceGrade.ARRIVAL:
            address = item.address
            if address is not None and address.verification in _CONFIRMED:
                how = address.verification.value.split("_")[1]
                return _evidence.Candidate(
                    time=record.event_time,
                    presumption=Presumption.REBUTTABLE,
                    event_id=record.event_id,
                    citation=(
                        f"{art90}; {arrival}: arrival at an address the recipient {how}; the "
                        "recipient may prove another arrival date"
                    ),
                    why=f"arrival at an address the recipient {how}",
                )
            how = "unknown" if address is None else address.verification.value
            steps.append(
                f"{_evidence.where(item)}: arrival at an address not provided or confirmed by the "
                f"recipient (verification: {how}) is not service by itself ({olr})."
            )
            return None
        if record.kind in _RECEIPT_KINDS and record.grade in (
            EvidenceGrade.SYSTEM_READ,
            EvidenceGrade.HUMAN_ACTION,
        ):
            shown = (
                "shown read by the platform"
                if record.grade is EvidenceGrade.SYSTEM_READ
                else (f"received, as a {record.kind.value} by the recipient shows")
            )
            return _evidence.Candidate(
                time=record.event_time,
                presumption=Presumption.REBUTTABLE,
                event_id=record.event_id,
                citation=f"{olr}: shown read or otherwise received, presumed effective unless "
                "disproved",
                why=f"documents {shown}: presumed effective service",
            )
        if record.kind is EventKind.CONSIGNMENT_REJECTION:
            steps.append(f"{_evidence.where(item)}: the recipient refused the documents.")
        return None

    # -- deadlines -----------------------------------------------------------------------

    def response_deadline(
        self, kind: str, *, served_at: datetime, recipient_country: str
    ) -> Deadline:
        """``defence`` (alias ``answer``), ``appeal`` (a judgment) or ``appeal_ruling``.

        Art 128 / 171 at home; Art 285 / 286 (30 days) for a party with no domicile in the
        PRC, which the library takes to be any recipient outside mainland China.

        >>> from datetime import datetime, timezone
        >>> j = China.create(on=date(2026, 3, 1))
        >>> d = j.response_deadline("defence", recipient_country="CN",
        ...     served_at=datetime(2026, 2, 3, 2, 0, tzinfo=timezone.utc))
        >>> d.due  # day 15 is 18 February, in the Spring Festival holiday
        datetime.date(2026, 2, 24)
        """
        canonical = _args.kind_name(kind, _KINDS)
        _args.check_country(recipient_country)
        abroad = recipient_country != "CN"
        period = self.rules.period(f"{canonical}_abroad" if abroad else canonical)
        assert period.days is not None
        where = (
            f"the recipient is in {recipient_country}, with no domicile in the PRC"
            if abroad
            else "the recipient is in mainland China"
        )
        note = [
            f"{period.citation}: {period.days} days for the {canonical.replace('_', ' ')}; {where}."
        ]
        if abroad and canonical == "defence":
            note.append(f"{period.citation}: the court may extend the period on application.")
        return self.count(
            start=served_at,
            start_path="served_at",
            days=period.days,
            name=canonical,
            citation=f"{period.citation}; {self.rules.cite('counting_ref')}",
            notes=note,
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
        """CPL Art 85 alone: start day (hour) not counted, last-day roll-forward.

        >>> from datetime import datetime, timezone
        >>> j = China.create(on=date(2026, 3, 1))
        >>> j.period_end(start=datetime(2026, 2, 13, 2, 0, tzinfo=timezone.utc), days=1).due
        datetime.date(2026, 2, 14)
        """
        return self.count(
            start=start,
            days=days,
            hours=hours,
            months=months,
            name=name,
            citation=self.rules.cite("counting"),
        )

    def deemed_service(self, method: str, *, start: datetime) -> Deadline:
        """When service by ``method`` is deemed complete: the end of the period it names.

        ``public_notice`` (Art 95, 30 days), ``public_notice_abroad`` (3 months before
        2024-01-01, 60 days since) and ``mail_abroad`` (3 months after mailing without a
        return receipt). The last-day roll-forward of Art 85 is applied (unverified for
        deemed service).

        >>> from datetime import datetime, timezone
        >>> old = China.create(on=date(2023, 6, 1))
        >>> new = China.create(on=date(2024, 6, 1))
        >>> t = datetime(2024, 3, 1, 2, tzinfo=timezone.utc)
        >>> old.deemed_service("public_notice_abroad", start=t).due
        datetime.date(2024, 6, 3)
        >>> new.deemed_service("public_notice_abroad", start=t).due
        datetime.date(2024, 4, 30)
        """
        if method not in _DEEMED:
            raise InputError(f"expected one of {', '.join(_DEEMED)}", path="method", got=method)
        period = self.rules.period(method)
        return self.count(
            start=start,
            days=period.days,
            months=period.months,
            name=f"deemed service: {method.replace('_', ' ')}",
            citation=f"{period.citation}; {self.rules.cite('counting_ref')} "
            "(roll-forward unverified)",
        )

"""Builders for the service tests: a hand-moved clock, orders with several addresses, and
``ToyRules``, a small stand-in for a jurisdiction that satisfies ``ServiceRules``.

``ToyRules`` says: consent holds when the recipient has any consent; every channel is
allowed unless listed in ``prohibited`` (or ``court_order``); service takes effect at the
earliest arrival, read or reply on any address. It is deliberately simpler than the real
rules so the process tests do not depend on them; the end-to-end tests use China's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import attrs
import pytest

from legaldelivery.records import (
    Address,
    Case,
    Consent,
    ConsentGround,
    Court,
    DeliveryOrder,
    Digest,
    Document,
    DocumentKind,
    EventSource,
    EvidenceEvent,
    InboundFiling,
    Party,
    PartyRole,
    Presumption,
    RecipientReply,
    ServiceDetermination,
    SourceKind,
    VerificationMethod,
)
from legaldelivery.rules import Decision, Outcome

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
DOCUMENTS = {
    "summons": b"Summons: file a defence within 30 days.",
    "complaint": b"Complaint of the plaintiff.",
}
HANDLES = {
    "wechat": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
    "email": "li.wei@example.com",
    "sms": "+923001234567",
    "portal": "portal-user-17",
}


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@attrs.frozen(kw_only=True)
class ToyRules:
    """A stand-in jurisdiction (see the module docstring)."""

    prohibited: frozenset[str] = frozenset()
    court_order: frozenset[str] = frozenset()
    postal: Outcome = Outcome.ALLOWED
    serves: bool = True
    """False: no evidence ever amounts to service (to reach the service timeout)."""
    rule_set: str = "toy/1"
    time_zone: str = "UTC"

    def consent_decision(
        self,
        *,
        document_kind: DocumentKind,
        target: Address | str,
        recipient: Party,
        consents: Iterable[Consent],
        at: datetime,
    ) -> Decision:
        held = any(c.party_id == recipient.party_id for c in consents)
        return Decision(
            outcome=Outcome.ALLOWED if held else Outcome.PROHIBITED,
            citation="Toy Art 1",
            reasoning=["consent found" if held else "no consent"],
            rule_set=self.rule_set,
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
        if channel == "postal":
            outcome = self.postal
        elif channel in self.prohibited:
            outcome = Outcome.PROHIBITED
        elif channel in self.court_order:
            outcome = Outcome.NEEDS_COURT_ORDER
        else:
            outcome = Outcome.ALLOWED
        return Decision(
            outcome=outcome,
            citation="Toy Art 2",
            reasoning=[f"{channel} is {outcome.value}"],
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
    ) -> ServiceDetermination:
        times = [
            (e.event_time, e.event_id)
            for e in events
            if (
                (isinstance(e, EvidenceEvent) and e.grade is not None)
                or isinstance(e, (RecipientReply, InboundFiling))
            )
            and e.event_time <= at
            and self.serves
        ]
        first = min(times, default=None)
        return ServiceDetermination(
            event_id=determination_id,
            order_id=order.order_id,
            event_time=at,
            source=EventSource(kind=SourceKind.RULES, source_id="toy"),
            rule_set=self.rule_set,
            time_of_service=None if first is None else first[0],
            rests_on=None if first is None else first[1],
            presumption=None if first is None else Presumption.CONCLUSIVE,
            citation="Toy Art 3",
        )


def make_order(
    kinds: Sequence[str] = ("wechat",),
    *,
    order_id: str = "order-1",
    country: str = "PK",
    verification: VerificationMethod = VerificationMethod.RECIPIENT_CONFIRMED,
) -> DeliveryOrder:
    """An order from the court to ``defendant-1``, one address per kind in ``kinds``."""
    court = Court(court_id="court-1", name="Donggang People's Court", time_zone="Asia/Shanghai")
    return DeliveryOrder(
        order_id=order_id,
        case=Case(number="(2026) Liao 0681 Min Chu 1", court=court),
        sender=Party(party_id="court-1", name=court.name, role=PartyRole.COURT, country="CN"),
        recipient=Party(
            party_id="defendant-1", name="Defendant", role=PartyRole.DEFENDANT, country=country
        ),
        documents=[
            Document.from_bytes(
                data,
                document_id=name,
                kind=DocumentKind[name.upper()],
                title=name.capitalize(),
                media_type="application/pdf",
            )
            for name, data in DOCUMENTS.items()
        ],
        legal_basis="CPL (2023) Art 283(9)",
        channels=[
            Address(
                channel=kind,
                handle=HANDLES[kind],
                verification=verification,
                verified_at=T0 - timedelta(days=3),
            )
            for kind in kinds
        ],
        created_at=T0,
    )


def make_consent(kinds: Sequence[str] = ("wechat", "email", "sms", "portal")) -> Consent:
    """The defendant's express consent to every kind of document over ``kinds``."""
    return Consent(
        consent_id="consent-1",
        party_id="defendant-1",
        channels=tuple(kinds),
        document_kinds=tuple(DocumentKind),
        ground=ConsentGround.EXPRESS_CONSENT,
        granted_at=T0 - timedelta(days=3),
        evidence_digest=Digest.of(b"signed service-address confirmation form"),
    )


def read_document(document: Document) -> bytes:
    return DOCUMENTS[document.document_id]


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The builders above, for tests and state machines (fixtures cannot be imported)."""
    return SimpleNamespace(
        T0=T0,
        DOCUMENTS=DOCUMENTS,
        HANDLES=HANDLES,
        StepClock=StepClock,
        ToyRules=ToyRules,
        make_order=make_order,
        make_consent=make_consent,
        read_document=read_document,
    )

"""Builders for the rules tests: courts, orders and evidence events written out by hand.

The builders are one session-scoped fixture, ``build``, so property tests can use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest

from legaldelivery.records import (
    Address,
    AssuranceLevel,
    Case,
    Court,
    DeliveryOrder,
    Document,
    DocumentKind,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    Identifier,
    Party,
    PartyRole,
    RecipientReply,
    ReplyAct,
    SourceKind,
    VerificationMethod,
)

UTC = timezone.utc
CST = timezone(timedelta(hours=8))  # China Standard Time, no DST
PROVIDER = EventSource(kind=SourceKind.PROVIDER, source_id="wechat-oa:gh_court")
SYSTEM = EventSource(kind=SourceKind.COURT_SYSTEM, source_id="trial-system")

WECHAT = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
EMAIL = "li.wei@example.com"
SMS = "+923001234567"


class Builders:
    """Constants and builders shared by the rules tests."""

    UTC = UTC
    CST = CST
    PROVIDER = PROVIDER
    SYSTEM = SYSTEM
    WECHAT = WECHAT
    EMAIL = EMAIL
    SMS = SMS

    @staticmethod
    def cst(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
        """A Beijing wall-clock time."""
        return datetime(y, m, d, hh, mm, tzinfo=CST)

    @staticmethod
    def address(
        channel: str,
        handle: str,
        verification: VerificationMethod = VerificationMethod.RECIPIENT_CONFIRMED,
    ) -> Address:
        return Address(
            channel=channel,
            handle=handle,
            verification=verification,
            verified_at=datetime(2024, 1, 2, tzinfo=UTC),
        )

    @staticmethod
    def order(
        channels: Sequence[Address],
        *,
        country: str = "PK",
        zone: str = "Asia/Shanghai",
        kinds: Sequence[DocumentKind] = (DocumentKind.SUMMONS, DocumentKind.COMPLAINT),
        recipient_ids: Sequence[Identifier] = (),
        sender_ids: Sequence[Identifier] = (),
    ) -> DeliveryOrder:
        court = Court(court_id="court-1", name="Test Court", time_zone=zone)
        return DeliveryOrder(
            order_id="o-1",
            case=Case(number="(2026) Test 1", court=court),
            sender=Party(
                party_id="court-1",
                name="Test Court",
                role=PartyRole.COURT,
                country="CN",
                identifiers=sender_ids,
            ),
            recipient=Party(
                party_id="d-1",
                name="Defendant",
                role=PartyRole.DEFENDANT,
                country=country,
                identifiers=recipient_ids,
            ),
            documents=[
                Document.from_bytes(
                    kind.value.encode(),
                    document_id=kind.value,
                    kind=kind,
                    title=kind.value,
                    media_type="application/pdf",
                )
                for kind in kinds
            ],
            legal_basis="CPL (2023) Art 283(9)",
            channels=channels,
            created_at=datetime(2024, 1, 3, tzinfo=UTC),
        )

    @staticmethod
    def event(
        event_id: str,
        kind: EventKind,
        when: datetime,
        *,
        grade: EvidenceGrade | None = None,
        at: Address | None = None,
        source: EventSource = PROVIDER,
        **more: object,
    ) -> EvidenceEvent:
        return EvidenceEvent(
            event_id=event_id,
            kind=kind,
            order_id="o-1",
            sender_id="court-1",
            recipient_id="d-1",
            event_time=when,
            source=source,
            grade=grade,
            address=at,
            **more,  # type: ignore[arg-type]
        )

    @staticmethod
    def reply(
        event_id: str,
        when: datetime,
        act: ReplyAct = ReplyAct.ACKNOWLEDGEMENT,
        *,
        objects: bool = False,
        party: str = "d-1",
    ) -> RecipientReply:
        return RecipientReply(
            event_id=event_id,
            order_id="o-1",
            party_id=party,
            event_time=when,
            source=PROVIDER,
            act=act,
            objects_to_e_service=objects,
        )

    @staticmethod
    def high(scheme: str) -> Identifier:
        return Identifier(scheme=scheme, value="ID-123456", assurance=AssuranceLevel.HIGH)


@pytest.fixture(scope="session")
def build() -> type[Builders]:
    return Builders


@pytest.fixture
def wechat() -> Address:
    return Builders.address("wechat", WECHAT)


@pytest.fixture
def email() -> Address:
    return Builders.address("email", EMAIL)

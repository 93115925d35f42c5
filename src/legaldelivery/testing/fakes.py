"""Ready-made, deterministic records for examples, docs and tests.

:func:`sample_records` tells the library's founding story as records: a court in
Donggang, Liaoning serves a defendant in Pakistan through its official WeChat account,
the platform reports arrival and reading, and the defendant files his defence the same
way. Every value is fixed, so the records (and their canonical bytes) are the same on
every run.

>>> records = sample_records()
>>> [type(r).__name__ for r in records][:3]
['ConsentRecorded', 'DeliveryOrder', 'EvidenceEvent']

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from legaldelivery.records import (
    Address,
    Case,
    Consent,
    ConsentGround,
    ConsentRecorded,
    Court,
    DeliveryOrder,
    Digest,
    Document,
    DocumentKind,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    InboundFiling,
    Party,
    PartyRole,
    RecipientReply,
    ReplyAct,
    SourceKind,
    VerificationMethod,
)

__all__ = [
    "SAMPLE_DOCUMENTS",
    "sample_court",
    "sample_order",
    "sample_records",
]

#: The documents of the sample order, as bytes (stand-ins for the PDFs a court serves).
SAMPLE_DOCUMENTS: dict[str, bytes] = {
    "complaint": b"Complaint. Plaintiff v. defendant: payment for goods delivered.",
    "evidence": b"Evidence bundle: contract, invoices, WeChat chat records.",
    "summons": b"Summons: file a defence within 30 days after service (CPL Art 285).",
}

_T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Donggang
_WECHAT_OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
_COURT_ACCOUNT = "wechat-oa:gh_donggang_court"


def sample_court() -> Court:
    """The serving court: Donggang, Liaoning, in the Asia/Shanghai time zone."""
    return Court(
        court_id="cn-ln-donggang", name="Donggang People's Court", time_zone="Asia/Shanghai"
    )


def _recipient_address() -> Address:
    return Address(
        channel="wechat",
        handle=_WECHAT_OPENID,
        verification=VerificationMethod.RECIPIENT_CONFIRMED,
        verified_at=_T0 - timedelta(days=3),
    )


def sample_order() -> DeliveryOrder:
    """The order: serve complaint, evidence and summons on a defendant in Pakistan."""
    court = sample_court()
    documents = tuple(
        Document.from_bytes(
            data,
            document_id=name,
            kind=DocumentKind[name.upper()],
            title=name.capitalize(),
            media_type="application/pdf",
        )
        for name, data in SAMPLE_DOCUMENTS.items()
    )
    return DeliveryOrder(
        order_id="order-2026-0001",
        case=Case(number="(2026) Liao 0681 Min Chu 1234", court=court),
        sender=Party(party_id=court.court_id, name=court.name, role=PartyRole.COURT, country="CN"),
        recipient=Party(
            party_id="defendant-1", name="Defendant One", role=PartyRole.DEFENDANT, country="PK"
        ),
        documents=documents,
        legal_basis="CPL (2023) Art 283(9); OLR Art 29(1)",
        channels=(_recipient_address(),),
        created_at=_T0,
    )


def sample_records() -> list[object]:
    """The story as records, in the order a court would log them."""
    order = sample_order()
    court_system = EventSource(kind=SourceKind.COURT_SYSTEM, source_id="trial-system")
    provider = EventSource(kind=SourceKind.PROVIDER, source_id=_COURT_ACCOUNT)
    parts = tuple(
        DocumentPart(document_id=d.document_id, media_type=d.media_type, digest=d.digest)
        for d in order.documents
    )
    consent = Consent(
        consent_id="consent-1",
        party_id=order.recipient.party_id,
        channels=("wechat",),
        document_kinds=tuple(DocumentKind),
        ground=ConsentGround.EXPRESS_CONSENT,
        granted_at=_T0 - timedelta(days=3),
        evidence_digest=Digest.of(b"service-address confirmation form, signed"),
    )

    def event(n: int, kind: EventKind, minutes: int, **more: object) -> EvidenceEvent:
        return EvidenceEvent(
            event_id=f"event-{n}",
            kind=kind,
            order_id=order.order_id,
            sender_id=order.sender.party_id,
            recipient_id=order.recipient.party_id,
            event_time=_T0 + timedelta(minutes=minutes),
            **more,  # type: ignore[arg-type]
        )

    return [
        ConsentRecorded(
            event_id="event-0",
            order_id=None,
            event_time=consent.granted_at,
            source=court_system,
            consent=consent,
        ),
        order,
        event(1, EventKind.SUBMISSION_ACCEPTANCE, 1, source=court_system, parts=parts),
        event(
            2,
            EventKind.RELAY_TO_NON_ERDS,
            2,
            source=court_system,
            address=_recipient_address(),
            parts=parts,
        ),
        event(
            3,
            EventKind.CONTENT_CONSIGNMENT,
            3,
            source=provider,
            grade=EvidenceGrade.ARRIVAL,
            address=_recipient_address(),
            provider_message_id="wx-msg-20260302-0001",
            payload_digest=Digest.of(b'{"errcode":0,"msgid":"wx-msg-20260302-0001"}'),
        ),
        event(
            4,
            EventKind.CONTENT_ACCESS_TRACKING,
            47,
            source=provider,
            grade=EvidenceGrade.SYSTEM_READ,
            provider_message_id="wx-msg-20260302-0001",
            payload_digest=Digest.of(b'{"event":"read","msgid":"wx-msg-20260302-0001"}'),
        ),
        RecipientReply(
            event_id="event-5",
            order_id=order.order_id,
            party_id=order.recipient.party_id,
            event_time=_T0 + timedelta(hours=5),
            source=provider,
            act=ReplyAct.ACKNOWLEDGEMENT,
            objects_to_e_service=False,
            in_reply_to="event-3",
            content_digest=Digest.of("已收到传票。Received the summons.".encode()),
            payload_digest=Digest.of(b'{"event":"reply","msgid":"wx-msg-20260302-0002"}'),
        ),
        InboundFiling(
            event_id="event-6",
            case_number=order.case.number,
            order_id=order.order_id,
            party_id=order.recipient.party_id,
            event_time=_T0 + timedelta(days=12),
            source=provider,
            document_kind=DocumentKind.DEFENCE,
            parts=(
                DocumentPart(
                    document_id="defence-1",
                    media_type="application/pdf",
                    digest=Digest.of(b"Defence of the defendant."),
                ),
            ),
        ),
    ]

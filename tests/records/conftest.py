"""Hand-built valid records (the Donggang WeChat case) shared by the record tests."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from legaldelivery.records import (
    Address,
    Case,
    Consent,
    ConsentGround,
    ConsentRecorded,
    ConsentRevoked,
    Court,
    Deadline,
    DeliveryOrder,
    Digest,
    Document,
    DocumentKind,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    Fallback,
    FallbackMethod,
    InboundFiling,
    KeyRevocation,
    KeyRotation,
    Party,
    PartyRole,
    Presumption,
    ReasonCode,
    RecipientReply,
    ReplyAct,
    ServiceDetermination,
    SourceKind,
    VerificationMethod,
)

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2020, 6, 1, 9, 30, tzinfo=BEIJING)
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"  # 28 characters of [A-Za-z0-9_-]
# RFC 8032 section 7.1, test 1: the public key of the all-"9d61..." secret key.
ED25519_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def ed25519_der() -> bytes:
    key = ed25519.Ed25519PublicKey.from_public_bytes(ED25519_PUBLIC)
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def court() -> Court:
    return Court(court_id="cn-ln-dg", name="Donggang People's Court", time_zone="Asia/Shanghai")


@pytest.fixture
def case(court: Court) -> Case:
    return Case(number="(2020)辽0604民初1234号", court=court)


@pytest.fixture
def court_party() -> Party:
    return Party(
        party_id="cn-ln-dg", name="Donggang People's Court", role=PartyRole.COURT, country="CN"
    )


@pytest.fixture
def defendant() -> Party:
    return Party(party_id="d-1", name="Muhammad Ali", role=PartyRole.DEFENDANT, country="PK")


@pytest.fixture
def wechat() -> Address:
    return Address(
        channel="wechat",
        handle=OPENID,
        verification=VerificationMethod.RECIPIENT_CONFIRMED,
        verified_at=T0,
    )


@pytest.fixture
def email() -> Address:
    return Address(
        channel="email",
        handle="m.ali@example.com.pk",
        verification=VerificationMethod.RECIPIENT_PROVIDED,
        verified_at=T0,
    )


@pytest.fixture
def summons() -> Document:
    return Document.from_bytes(
        b"summons bytes",
        document_id="summons",
        kind=DocumentKind.SUMMONS,
        title="Summons",
        media_type="application/pdf",
    )


@pytest.fixture
def complaint() -> Document:
    return Document.from_bytes(
        b"complaint bytes",
        document_id="complaint",
        kind=DocumentKind.COMPLAINT,
        title="Complaint",
        media_type="application/pdf",
    )


@pytest.fixture
def order(
    case: Case,
    court_party: Party,
    defendant: Party,
    summons: Document,
    complaint: Document,
    wechat: Address,
    email: Address,
) -> DeliveryOrder:
    return DeliveryOrder(
        order_id="o-1",
        case=case,
        sender=court_party,
        recipient=defendant,
        documents=(summons, complaint),
        legal_basis="CPL (2017) Art 267(7)",
        channels=(wechat, email),
        created_at=T0,
    )


@pytest.fixture
def source() -> EventSource:
    return EventSource(kind=SourceKind.PROVIDER, source_id="wechat:gh_3a4b5c6d7e8f")


@pytest.fixture
def consignment(source: EventSource, wechat: Address, summons: Document) -> EvidenceEvent:
    return EvidenceEvent(
        event_id="e-2",
        kind=EventKind.CONTENT_CONSIGNMENT,
        order_id="o-1",
        sender_id="cn-ln-dg",
        recipient_id="d-1",
        event_time=T0 + timedelta(minutes=1),
        source=source,
        grade=EvidenceGrade.ARRIVAL,
        reasons=(ReasonCode(code="urn:example:reason:1", details="delivered"),),
        payload_digest=Digest.of(b'{"errcode":0}'),
        screenshot_digest=None,
        address=wechat,
        provider_message_id="msg-123",
        parts=(DocumentPart.of(summons),),
        submission_time=T0,
    )


@pytest.fixture
def consent(wechat: Address) -> Consent:
    return Consent(
        consent_id="c-1",
        party_id="d-1",
        channels=("email",),
        addresses=(wechat,),
        document_kinds=(DocumentKind.SUMMONS, DocumentKind.COMPLAINT, DocumentKind.EVIDENCE),
        ground=ConsentGround.EXPRESS_CONSENT,
        granted_at=T0,
        evidence_digest=Digest.of(b"signed service-address confirmation form"),
    )


@pytest.fixture
def reply(source: EventSource, wechat: Address) -> RecipientReply:
    return RecipientReply(
        event_id="e-3",
        order_id="o-1",
        party_id="d-1",
        event_time=T0 + timedelta(hours=2),
        source=source,
        act=ReplyAct.PROCEDURAL_ACT,
        objects_to_e_service=False,
        document_ids=("summons",),
        address=wechat,
    )


@pytest.fixture
def filing(source: EventSource, summons: Document) -> InboundFiling:
    return InboundFiling(
        event_id="e-4",
        case_number="(2020)辽0604民初1234号",
        order_id="o-1",
        party_id="d-1",
        event_time=T0 + timedelta(days=3),
        source=source,
        document_kind=DocumentKind.DEFENCE,
        parts=(
            DocumentPart(document_id="defence", media_type="image/jpeg", digest=summons.digest),
        ),
    )


@pytest.fixture
def fallback(source: EventSource, wechat: Address, email: Address) -> Fallback:
    return Fallback(
        event_id="e-5",
        order_id="o-1",
        event_time=T0 + timedelta(days=1),
        source=source,
        method=FallbackMethod.ANOTHER_CHANNEL,
        from_address=wechat,
        to_address=email,
        triggered_by="e-2",
    )


@pytest.fixture
def consent_recorded(source: EventSource, consent: Consent) -> ConsentRecorded:
    return ConsentRecorded(event_id="e-0", event_time=T0, source=source, consent=consent)


@pytest.fixture
def consent_revoked(source: EventSource) -> ConsentRevoked:
    return ConsentRevoked(
        event_id="e-9",
        event_time=T0 + timedelta(days=10),
        source=source,
        consent_id="c-1",
        party_id="d-1",
        revoked_at=T0 + timedelta(days=10),
    )


@pytest.fixture
def determination() -> ServiceDetermination:
    served = T0 + timedelta(minutes=1)
    return ServiceDetermination(
        event_id="e-6",
        order_id="o-1",
        event_time=T0 + timedelta(days=1),
        source=EventSource(kind=SourceKind.RULES, source_id="legaldelivery-rules-cn"),
        rule_set="cn-cpl/2017",
        time_of_service=served,
        rests_on="e-2",
        presumption=Presumption.CONCLUSIVE,
        citation="CPL (2017) Art 87; SPC Interpretation Art 135",
        steps=("arrival in the recipient's system at 2020-06-01 09:31 +08:00",),
        deadlines=(
            Deadline(
                name="defence",
                due=date(2020, 7, 1),
                ends_at=datetime(2020, 7, 1, 16, 0, tzinfo=timezone.utc),
                citation="CPL (2017) Art 268",
                steps=("30 days from the day after service",),
            ),
        ),
    )


@pytest.fixture
def rotation() -> KeyRotation:
    der = ed25519_der()
    return KeyRotation(
        event_id="k-1",
        event_time=T0,
        new_key_name="court.example/log",
        new_key_algorithm="ed25519",
        new_public_key=der,
        new_fingerprint=hashlib.sha256(der).hexdigest(),
        valid_from=T0,
        previous_valid_until=None,
        reason="scheduled rotation",
    )


@pytest.fixture
def revocation() -> KeyRevocation:
    return KeyRevocation(
        event_id="k-2",
        event_time=T0,
        fingerprint="ab" * 32,
        revoked_at=T0 - timedelta(days=2),
        reason="key compromised",
    )

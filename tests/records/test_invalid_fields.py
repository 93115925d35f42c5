"""One table of invalid field values: each must raise InputError naming the field path."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from legaldelivery.errors import InputError
from legaldelivery.records import (
    Address,
    Deadline,
    Digest,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceGrade,
    FallbackMethod,
    Identifier,
    Party,
    PartyRole,
    ReasonCode,
    SourceKind,
)

NAIVE = datetime(2020, 6, 1, 12, 0)
T = datetime(2020, 6, 1, 12, 0, tzinfo=timezone.utc)
DIGEST = Digest.of(b"x")

# (fixture, field, bad value, expected error path)
CASES: list[tuple[str, str, Any, str]] = [
    ("court", "court_id", "cn ln", "court_id"),
    ("court", "name", "", "name"),
    ("court", "time_zone", "CST", "time_zone"),
    ("case", "number", "x\n", "number"),
    ("case", "court", "cn-ln-dg", "court"),
    ("defendant", "party_id", "", "party_id"),
    ("defendant", "name", None, "name"),
    ("defendant", "role", None, "role"),
    ("defendant", "country", "Pakistan", "country"),
    ("defendant", "identifiers", ("passport",), "identifiers[0]"),
    ("defendant", "identifiers", "passport", "identifiers"),
    ("wechat", "channel", "weixin", "channel"),
    ("wechat", "handle", "", "handle"),
    ("wechat", "verification", None, "verification"),
    ("wechat", "verified_at", NAIVE, "verified_at"),
    ("wechat", "verified_at", "2020-06-01", "verified_at"),
    ("summons", "document_id", "a\tb", "document_id"),
    ("summons", "size", -5, "size"),
    ("summons", "size", 2**53, "size"),
    ("summons", "digest", None, "digest"),
    ("consent", "consent_id", 5, "consent_id"),
    ("consent", "party_id", None, "party_id"),
    ("consent", "channels", ("email", 5), "channels[1]"),
    ("consent", "addresses", (None,), "addresses[0]"),
    ("consent", "ground", "express_consent", "ground"),
    ("consent", "granted_at", NAIVE, "granted_at"),
    ("consent", "revoked_at", NAIVE, "revoked_at"),
    ("consent", "evidence_digest", b"\x00" * 32, "evidence_digest"),
    ("order", "order_id", "", "order_id"),
    ("order", "case", None, "case"),
    ("order", "documents", (), "documents"),
    ("order", "documents", (DIGEST,), "documents[0]"),
    ("order", "legal_basis", "", "legal_basis"),
    ("order", "channels", (), "channels"),
    ("order", "created_at", NAIVE, "created_at"),
    ("order", "recipient", "d-1", "recipient"),
    ("consignment", "event_id", "", "event_id"),
    ("consignment", "kind", "ContentConsignment", "kind"),
    ("consignment", "order_id", None, "order_id"),
    ("consignment", "sender_id", "", "sender_id"),
    ("consignment", "recipient_id", " d-1", "recipient_id"),
    ("consignment", "event_time", NAIVE, "event_time"),
    ("consignment", "source", "wechat", "source"),
    ("consignment", "grade", "arrival", "grade"),
    ("consignment", "grade", EvidenceGrade.HUMAN_ACTION, "grade"),
    ("consignment", "reasons", ("mailbox full",), "reasons[0]"),
    ("consignment", "payload_digest", "sha256:00", "payload_digest"),
    ("consignment", "screenshot_digest", b"", "screenshot_digest"),
    ("consignment", "address", "wechat", "address"),
    ("consignment", "provider_message_id", "", "provider_message_id"),
    ("consignment", "parts", (None,), "parts[0]"),
    ("consignment", "submission_time", NAIVE, "submission_time"),
    ("reply", "act", None, "act"),
    ("reply", "objects_to_e_service", 0, "objects_to_e_service"),
    ("reply", "document_ids", ("summons", "summons"), "document_ids[1]"),
    ("reply", "in_reply_to", "", "in_reply_to"),
    ("reply", "content_digest", "sha256:00", "content_digest"),
    ("reply", "content_digest", b"\x00" * 32, "content_digest"),
    ("filing", "case_number", "", "case_number"),
    ("filing", "document_kind", "defence", "document_kind"),
    ("filing", "parts", (), "parts"),
    ("filing", "submission_time", NAIVE, "submission_time"),
    ("fallback", "method", "postal_mail", "method"),
    ("fallback", "to_address", None, "to_address"),
    ("fallback", "from_address", "x", "from_address"),
    ("fallback", "triggered_by", "", "triggered_by"),
    ("consent_recorded", "consent", None, "consent"),
    ("consent_revoked", "consent_id", "", "consent_id"),
    ("consent_revoked", "revoked_at", T - timedelta(days=400), "revoked_at"),
    ("determination", "rule_set", "", "rule_set"),
    ("determination", "rests_on", None, "rests_on"),
    ("determination", "presumption", None, "presumption"),
    ("determination", "presumption", "conclusive", "presumption"),
    ("determination", "citation", "", "citation"),
    ("determination", "steps", ("ok", ""), "steps[1]"),
    ("determination", "deadlines", ("defence",), "deadlines[0]"),
    ("determination", "time_of_service", NAIVE, "time_of_service"),
    ("rotation", "event_id", "", "event_id"),
    ("rotation", "new_key_name", "court log", "new_key_name"),
    ("rotation", "new_key_name", "court+log", "new_key_name"),
    ("rotation", "new_key_algorithm", "rsa", "new_key_algorithm"),
    ("rotation", "new_public_key", b"\x30\x00", "new_public_key"),
    ("rotation", "new_public_key", "MCowBQYDK2VwAyEA", "new_public_key"),
    ("rotation", "new_fingerprint", "AB" * 32, "new_fingerprint"),
    ("rotation", "valid_from", NAIVE, "valid_from"),
    ("rotation", "previous_valid_until", NAIVE, "previous_valid_until"),
    ("rotation", "reason", "", "reason"),
    ("revocation", "fingerprint", "ab" * 31, "fingerprint"),
    ("revocation", "revoked_at", None, "revoked_at"),
]


@pytest.mark.parametrize(("fixture", "field", "bad", "path"), CASES)
def test_invalid_field(
    request: pytest.FixtureRequest, fixture: str, field: str, bad: Any, path: str
) -> None:
    record = request.getfixturevalue(fixture)
    with pytest.raises(InputError) as info:
        attrs.evolve(record, **{field: bad})
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")


NESTED: list[tuple[type[Any], dict[str, Any], str]] = [
    (Identifier, {"scheme": "passport", "value": "A 1"}, "value"),
    (Identifier, {"scheme": "pass port", "value": "A1"}, "scheme"),
    (Identifier, {"scheme": "passport", "value": "A1", "assurance": "high"}, "assurance"),
    (EventSource, {"kind": SourceKind.PROVIDER, "source_id": ""}, "source_id"),
    (EventSource, {"kind": "provider", "source_id": "x"}, "kind"),
    (ReasonCode, {"code": "mailbox-full"}, "code"),
    (ReasonCode, {"code": "urn:x:y", "details": ""}, "details"),
    (ReasonCode, {"code": "urn:x:" + "y" * 600}, "code"),
    (DocumentPart, {"document_id": "d", "media_type": "pdf", "digest": DIGEST}, "media_type"),
    (DocumentPart, {"document_id": "d", "media_type": "a/b", "digest": None}, "digest"),
    (
        Deadline,
        {"name": "defence", "due": T, "ends_at": T, "citation": "c"},
        "due",
    ),
    (
        Deadline,
        {"name": "defence", "due": date(2020, 6, 1), "ends_at": NAIVE, "citation": "c"},
        "ends_at",
    ),
]


@pytest.mark.parametrize(("cls", "fields", "path"), NESTED)
def test_invalid_nested_record(cls: type[Any], fields: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as info:
        cls(**fields)
    assert info.value.path == path


def test_the_sender_is_the_court(request: pytest.FixtureRequest, defendant: Party) -> None:
    order = request.getfixturevalue("order")
    with pytest.raises(InputError) as info:
        attrs.evolve(order, sender=attrs.evolve(defendant, party_id="x"))
    assert info.value.path == "sender.role"
    with pytest.raises(InputError) as info:
        attrs.evolve(order, recipient=attrs.evolve(defendant, party_id="cn-ln-dg"))
    assert info.value.path == "recipient.party_id"


def test_order_rejects_duplicate_documents_and_addresses(
    request: pytest.FixtureRequest, wechat: Address
) -> None:
    order = request.getfixturevalue("order")
    doc = order.documents[0]
    with pytest.raises(InputError, match=r"^documents\[1\]: duplicate .* \(got 'summons'\)"):
        attrs.evolve(order, documents=(doc, attrs.evolve(doc, title="Summons again")))
    again = attrs.evolve(wechat, verified_at=T)
    with pytest.raises(InputError, match=r"^channels\[1\]: duplicate"):
        attrs.evolve(order, channels=(wechat, again))


def test_order_document_lookup(request: pytest.FixtureRequest) -> None:
    order = request.getfixturevalue("order")
    assert order.document("complaint").kind.value == "complaint"
    with pytest.raises(InputError, match=r"^document_id: order o-1 has no such document"):
        order.document("judgment")


def test_fallback_method_and_address_agree(request: pytest.FixtureRequest, wechat: Address) -> None:
    fallback = request.getfixturevalue("fallback")
    with pytest.raises(InputError, match=r"^to_address: a postal_mail fallback has no address"):
        attrs.evolve(fallback, method=FallbackMethod.POSTAL_MAIL)
    with pytest.raises(InputError, match=r"^to_address: must differ from from_address"):
        attrs.evolve(fallback, to_address=wechat)
    mail = attrs.evolve(fallback, method=FallbackMethod.POSTAL_MAIL, to_address=None)
    assert mail.to_address is None


def test_grades_follow_the_event_kind(request: pytest.FixtureRequest) -> None:
    event = request.getfixturevalue("consignment")
    with pytest.raises(InputError, match=r"^grade: a RelayToNonERDS event carries grade none"):
        attrs.evolve(event, kind=EventKind.RELAY_TO_NON_ERDS)
    relay = attrs.evolve(event, kind=EventKind.RELAY_TO_NON_ERDS, grade=None)
    assert relay.grade is None
    read = attrs.evolve(
        event, kind=EventKind.CONTENT_ACCESS_TRACKING, grade=EvidenceGrade.SYSTEM_READ
    )
    assert read.uri.endswith("/ContentAccessTracking")


def test_roles_are_members() -> None:
    assert {r.value for r in PartyRole} == {
        "plaintiff",
        "defendant",
        "third_party",
        "court",
        "agent",
        "other",
    }

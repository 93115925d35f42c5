"""Evidence events: the ETSI EN 319 522 vocabulary, our own events, and their rules."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given

from legaldelivery import codec
from legaldelivery.errors import InputError
from legaldelivery.records import (
    ConsentRecorded,
    ConsentRevoked,
    Deadline,
    Document,
    DocumentPart,
    EventKind,
    EvidenceEvent,
    EvidenceGrade,
    Fallback,
    InboundFiling,
    KeyRevocation,
    KeyRotation,
    Presumption,
    RecipientReply,
    ServiceDetermination,
)
from legaldelivery.testing.strategies import evidence_events, service_determinations

# EN 319 522 event names by group, as DOMAIN.md lists them.
ETSI = {
    "A": ["SubmissionAcceptance", "SubmissionRejection"],
    "B": ["RelayAcceptance", "RelayRejection", "RelayFailure"],
    "C": [
        "NotificationForAcceptance",
        "NotificationForAcceptanceFailure",
        "ConsignmentAcceptance",
        "ConsignmentRejection",
        "AcceptanceRejectionExpiry",
        "NotificationDelivered",
    ],
    "D": [
        "ContentConsignment",
        "ContentConsignmentFailure",
        "ConsignmentNotification",
        "ConsignmentNotificationFailure",
        "NotificationAccessTracking",
        "ContentAccessTracking",
    ],
    "E": ["ContentHandover", "ContentHandoverFailure"],
    "F": ["RelayToNonERDS", "RelayToNonERDSFailure", "ReceivedFromNonERDS"],
}


def test_every_etsi_event_is_a_kind_with_its_uri_and_group() -> None:
    expected = {name: group for group, names in ETSI.items() for name in names}
    assert {kind.value: kind.group for kind in EventKind} == expected
    for kind in EventKind:
        assert kind.uri == "http://uri.etsi.org/19522/Event/" + kind.value
        assert kind.group_name


def test_our_events_have_uris_in_our_namespace() -> None:
    ours = {
        RecipientReply: "recipient-reply",
        ServiceDetermination: "service-determination",
        ConsentRecorded: "consent-recorded",
        ConsentRevoked: "consent-revoked",
        Fallback: "fallback",
        InboundFiling: "inbound-filing",
        KeyRotation: "key-rotation",
        KeyRevocation: "key-revocation",
    }
    for cls, name in ours.items():
        assert "urn:legaldelivery:event:" + name == cls.EVENT_URI


def test_failures_and_our_own_steps_carry_no_grade() -> None:
    for kind in EventKind:
        own_system = kind.group in "AB" or kind is EventKind.RELAY_TO_NON_ERDS
        if kind.value.endswith(("Failure", "Expiry")) or own_system:
            assert kind.grades == {None}, kind


def test_reaching_the_recipient_needs_a_grade() -> None:
    assert EventKind.CONTENT_CONSIGNMENT.grades == {EvidenceGrade.ARRIVAL}
    assert EventKind.CONTENT_HANDOVER.grades == {
        EvidenceGrade.SYSTEM_READ,
        EvidenceGrade.HUMAN_ACTION,
    }
    assert EventKind.CONSIGNMENT_REJECTION.grades == {EvidenceGrade.HUMAN_ACTION}
    assert None in EventKind.RECEIVED_FROM_NON_ERDS.grades


@given(evidence_events())
def test_generated_events_respect_the_grade_table(event: EvidenceEvent) -> None:
    assert event.grade in event.kind.grades
    assert event.uri == event.kind.uri


def test_event_times_are_stored_in_utc(consignment: EvidenceEvent) -> None:
    assert consignment.event_time == datetime(2020, 6, 1, 1, 31, tzinfo=timezone.utc)
    assert consignment.event_time.tzinfo is timezone.utc
    assert consignment.submission_time == datetime(2020, 6, 1, 1, 30, tzinfo=timezone.utc)


def test_document_parts_copy_the_document(summons: Document) -> None:
    part = DocumentPart.of(summons)
    assert (part.document_id, part.media_type, part.digest) == (
        "summons",
        "application/pdf",
        summons.digest,
    )


def test_parts_are_unique(consignment: EvidenceEvent, summons: Document) -> None:
    part = DocumentPart.of(summons)
    with pytest.raises(InputError, match=r"^parts\[1\]: duplicate"):
        attrs.evolve(consignment, parts=(part, part))


def test_replies_and_filings_are_human_action(reply: RecipientReply, filing: InboundFiling) -> None:
    assert reply.grade is EvidenceGrade.HUMAN_ACTION
    assert filing.grade is EvidenceGrade.HUMAN_ACTION
    assert reply.uri == RecipientReply.EVENT_URI
    assert filing.uri == InboundFiling.EVENT_URI


def test_uris_of_our_events(
    fallback: Fallback,
    consent_recorded: ConsentRecorded,
    consent_revoked: ConsentRevoked,
    determination: ServiceDetermination,
    rotation: KeyRotation,
    revocation: KeyRevocation,
) -> None:
    for event in (fallback, consent_recorded, consent_revoked, determination, rotation, revocation):
        assert event.uri == type(event).EVENT_URI


def test_consent_revocation_is_never_retroactive(consent_revoked: ConsentRevoked) -> None:
    earlier = consent_revoked.event_time - timedelta(microseconds=1)
    with pytest.raises(InputError, match=r"^revoked_at: revocation is never retroactive"):
        attrs.evolve(consent_revoked, revoked_at=earlier)
    later = consent_revoked.event_time + timedelta(days=1)
    assert attrs.evolve(consent_revoked, revoked_at=later).revoked_at == later


# -- determinations -------------------------------------------------------------------


def test_not_served_means_no_time_no_basis_no_deadlines(
    determination: ServiceDetermination,
) -> None:
    pending = attrs.evolve(
        determination, time_of_service=None, rests_on=None, presumption=None, deadlines=()
    )
    assert pending.time_of_service is None
    with pytest.raises(InputError, match=r"^rests_on: expected None when there is no time"):
        attrs.evolve(pending, rests_on="e-2")
    with pytest.raises(InputError, match=r"^presumption: expected None"):
        attrs.evolve(pending, presumption=Presumption.REBUTTABLE)
    with pytest.raises(InputError, match=r"^deadlines: no deadline runs"):
        attrs.evolve(pending, deadlines=determination.deadlines)


def test_deadlines_end_after_service(determination: ServiceDetermination) -> None:
    served = determination.time_of_service
    assert served is not None
    early = Deadline(
        name="appeal",
        due=date(2020, 6, 1),
        ends_at=served,
        citation="CPL Art 164",
    )
    with pytest.raises(InputError, match=r"^deadlines\[1\].ends_at: a deadline ends after"):
        attrs.evolve(determination, deadlines=(*determination.deadlines, early))
    twice = determination.deadlines * 2
    with pytest.raises(InputError, match=r"^deadlines\[1\]: duplicate"):
        attrs.evolve(determination, deadlines=twice)


def test_a_determination_names_the_one_it_supersedes(
    determination: ServiceDetermination,
) -> None:
    assert determination.supersedes is None
    again = attrs.evolve(determination, event_id="e-9", supersedes=determination.event_id)
    assert again.supersedes == "e-6"
    with pytest.raises(InputError, match=r"^supersedes: a determination cannot supersede itself"):
        attrs.evolve(determination, supersedes=determination.event_id)
    with pytest.raises(InputError, match=r"^supersedes: "):
        attrs.evolve(determination, supersedes="not an id")
    with pytest.raises(InputError, match=r"^supersedes: "):
        attrs.evolve(determination, supersedes=7)


def test_supersedes_is_written_even_when_absent(determination: ServiceDetermination) -> None:
    # The codec writes optional values as explicit null: a reader sees every member.
    encoded = codec.encode(determination)
    assert encoded["supersedes"] is None
    assert codec.decode(encoded) == determination
    del encoded["supersedes"]
    with pytest.raises(InputError, match=r"supersedes: missing field"):
        codec.decode(encoded)
    again = attrs.evolve(determination, event_id="e-9", supersedes="e-6")
    assert codec.encode(again)["supersedes"] == "e-6"


@given(service_determinations())
def test_a_drawn_determination_never_supersedes_itself(
    determination: ServiceDetermination,
) -> None:
    assert determination.supersedes != determination.event_id
    assert codec.decode(codec.encode(determination)) == determination


def test_deadline_dates_are_dates() -> None:
    with pytest.raises(InputError, match=r"^due: expected a datetime.date"):
        Deadline(
            name="defence",
            due=datetime(2020, 7, 1, tzinfo=timezone.utc),  # type: ignore[arg-type]
            ends_at=datetime(2020, 7, 1, 16, tzinfo=timezone.utc),
            citation="CPL Art 268",
        )


# -- keys -----------------------------------------------------------------------------


def test_rotation_fingerprint_must_match_the_key(rotation: KeyRotation) -> None:
    with pytest.raises(InputError, match=r"^new_fingerprint: expected the SHA-256"):
        attrs.evolve(rotation, new_fingerprint="00" * 32)


def test_rotation_key_must_be_of_its_algorithm(rotation: KeyRotation) -> None:
    with pytest.raises(InputError, match=r"^new_public_key: expected a ecdsa-p256 public key"):
        attrs.evolve(rotation, new_key_algorithm="ecdsa-p256")


def test_rotation_accepts_p256_in_canonical_form_only() -> None:
    key = ec.derive_private_key(12345, ec.SECP256R1()).public_key()
    uncompressed = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    t = datetime(2026, 3, 2, tzinfo=timezone.utc)
    rotation = KeyRotation(
        event_id="k-3",
        event_time=t,
        new_key_name="court.example/log-p256",
        new_key_algorithm="ecdsa-p256",
        new_public_key=uncompressed,
        new_fingerprint=hashlib.sha256(uncompressed).hexdigest(),
        valid_from=t,
        previous_valid_until=t + timedelta(days=1),
        reason="move to P-256",
    )
    assert rotation.new_public_key == uncompressed
    # A compressed point is a valid key but a second spelling of it: fingerprints would differ.
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    compressed = bytes.fromhex("3039301306072a8648ce3d020106082a8648ce3d030107032200") + point
    with pytest.raises(InputError, match=r"^new_public_key: expected the canonical DER"):
        attrs.evolve(
            rotation,
            new_public_key=compressed,
            new_fingerprint=hashlib.sha256(compressed).hexdigest(),
        )
    other_curve = (
        ec.derive_private_key(12345, ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(InputError, match=r"^new_public_key: expected a ecdsa-p256"):
        attrs.evolve(rotation, new_public_key=other_curve)


def test_rotation_takes_effect_when_recorded_or_later(rotation: KeyRotation) -> None:
    with pytest.raises(InputError, match=r"^valid_from: a rotation takes effect at or after"):
        attrs.evolve(rotation, valid_from=rotation.event_time - timedelta(seconds=1))
    with pytest.raises(InputError, match=r"^previous_valid_until: the previous key stays"):
        attrs.evolve(rotation, previous_valid_until=rotation.valid_from - timedelta(seconds=1))
    overlap = attrs.evolve(rotation, previous_valid_until=rotation.valid_from + timedelta(days=7))
    assert overlap.previous_valid_until == rotation.valid_from + timedelta(days=7)


def test_rotation_repr_does_not_dump_key_bytes(rotation: KeyRotation) -> None:
    assert "<44 bytes>" in repr(rotation)


def test_revocation_may_precede_its_record(revocation: KeyRevocation) -> None:
    assert revocation.revoked_at < revocation.event_time

"""Timelines and certificates: every record has its step, in time order, labelled twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, rules
from legaldelivery.audit.bundle import extract_bundle, verify_bundle
from legaldelivery.audit.certificate import (
    ServiceCertificate,
    Step,
    TimelineEvent,
    order_records,
    order_timeline,
    record_events,
    shown,
    timeline_of,
)
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.records import (
    Address,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    Fallback,
    FallbackMethod,
    KeyRevocation,
    ServiceDetermination,
    SourceKind,
    VerificationMethod,
    seal,
)
from legaldelivery.testing import strategies
from legaldelivery.testing.fakes import sample_order, sample_records

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
ORIGIN = "court.example/certificate-test"


def determined(at: datetime = T0 + timedelta(days=20)) -> ServiceDetermination:
    cn = rules.jurisdiction("CN", on=date(2026, 3, 2))
    return cn.time_of_service(
        sample_order(), sample_records(), at=at, determination_id="det", deadlines=["defence"]
    )


def certificate() -> ServiceCertificate:
    key = Ed25519Signer.generate(ORIGIN)
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=key, clock=lambda: T0)
    log.append_many([*sample_records(), determined()])
    bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    return verify_bundle(bundle, trusted=[key.verifier])


def test_every_etsi_event_has_a_step_and_two_labels() -> None:
    source = EventSource(kind=SourceKind.PROVIDER, source_id="wechat-oa:gh_court")
    for kind in EventKind:
        grade = next(iter(sorted(kind.grades, key=lambda g: "" if g is None else g.value)))
        event = EvidenceEvent(
            event_id="e-1",
            kind=kind,
            order_id="o-1",
            sender_id="court",
            recipient_id="d-1",
            event_time=T0,
            source=source,
            grade=grade,
        )
        (step,) = record_events(7, event)
        assert step.seq == 7
        assert step.label
        assert step.label_zh
        assert kind.value in step.detail


def test_provider_reports_are_placed_by_their_grade() -> None:
    source = EventSource(kind=SourceKind.PROVIDER, source_id="wechat-oa:gh_court")

    def step(grade: EvidenceGrade) -> Step:
        event = EvidenceEvent(
            event_id="e-1",
            kind=EventKind.RECEIVED_FROM_NON_ERDS,
            order_id="o-1",
            sender_id="court",
            recipient_id="d-1",
            event_time=T0,
            source=source,
            grade=grade,
        )
        return record_events(0, event)[0].step

    assert step(EvidenceGrade.ARRIVAL) is Step.ARRIVAL
    assert step(EvidenceGrade.SYSTEM_READ) is Step.READ
    assert step(EvidenceGrade.HUMAN_ACTION) is Step.REPLY


def test_a_determination_adds_the_time_of_service_and_its_deadlines() -> None:
    det = determined()
    events = record_events(9, det)
    assert [e.step for e in events] == [Step.DETERMINATION, Step.SERVICE, Step.DEADLINE]
    assert events[1].time == det.time_of_service
    assert events[2].time == det.deadlines[0].ends_at
    assert events[1].seq is None
    not_yet = determined(at=T0)  # nothing had happened yet
    assert not_yet.time_of_service is None
    assert [e.label for e in record_events(3, not_yet)] == ["Not yet served"]


def test_only_the_latest_determination_draws_its_deadlines() -> None:
    first = determined()
    second = attrs.evolve(first, event_id="det-2", event_time=first.event_time + timedelta(days=1))
    steps = timeline_of([(0, first), (1, second)])
    assert [e.step for e in steps].count(Step.DETERMINATION) == 2
    assert [e.step for e in steps].count(Step.DEADLINE) == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(strategies.evidence_events(), max_size=12))
def test_timelines_are_in_time_order_and_keep_every_event(events: list[EvidenceEvent]) -> None:
    steps = timeline_of(enumerate(events))
    assert len(steps) == len(events)
    assert [e.time for e in steps] == sorted(e.event_time for e in events)
    assert sorted(e.seq for e in steps if e.seq is not None) == list(range(len(events)))


def test_other_records_have_their_steps() -> None:
    source = EventSource(kind=SourceKind.COURT_SYSTEM, source_id="trial-system")
    address = Address(
        channel="sms",
        handle="+923001234567",
        verification=VerificationMethod.COURT_VERIFIED,
        verified_at=T0,
    )
    fallback = Fallback(
        event_id="f-1",
        order_id="o-1",
        event_time=T0,
        source=source,
        method=FallbackMethod.ANOTHER_CHANNEL,
        to_address=address,
    )
    (step,) = record_events(1, fallback)
    assert step.step is Step.FALLBACK
    assert step.channel == "sms"
    revocation = KeyRevocation(
        event_id="k", event_time=T0, fingerprint="0" * 64, revoked_at=T0, reason="leaked"
    )
    assert record_events(2, revocation)[0].step is Step.KEY
    assert record_events(3, object()) == []


def test_shown_hides_sealed_values() -> None:
    sealed, _ = seal("+923001234567")
    assert shown(sealed) == "(sealed)"
    assert shown("plain") == "plain"


def test_order_records_select_the_order_and_the_recipients_consent() -> None:
    records = sample_records()
    pairs = [(i, r) for i, r in enumerate(records)]
    from legaldelivery import codec

    encoded = [(i, codec.encode(r)) for i, r in pairs]
    chosen = order_records(encoded, "order-2026-0001")
    assert [seq for seq, _ in chosen] == list(range(len(records)))
    assert order_records(encoded, "order-none") == []


def test_order_timeline_reads_a_log() -> None:
    log = EvidenceLog.create(
        ":memory:", origin=ORIGIN, signer=Ed25519Signer.generate(ORIGIN), clock=lambda: T0
    )
    log.append_many(sample_records())
    timeline = order_timeline(log, "order-2026-0001")
    assert timeline.zone == "Asia/Shanghai"
    assert len(timeline) == len(sample_records())
    assert timeline.text().count("\n") == len(timeline) - 1
    assert timeline.svg().startswith("<svg")
    assert "<svg" in timeline._repr_html_()
    with pytest.raises(InputError, match="no delivery order"):
        order_timeline(log, "order-9999")


def test_the_certificate_states_what_was_determined() -> None:
    cert = certificate()
    det = determined()
    assert cert.time_of_service == det.time_of_service
    assert cert.deadline("defence") == det.deadlines[0]
    with pytest.raises(KeyError):
        cert.deadline("appeal")
    assert cert.evidence is not None
    assert cert.evidence.startswith("ContentConsignment")
    assert cert.dispatched_to == (sample_order().channels[0],)
    body = cert.to_json()
    assert body["time_of_service"] == "2026-03-02T01:03:00.000000Z"  # event-3's own time
    assert body["recipient"]["name"] == "Defendant One"
    assert [e.step for e in cert.timeline][-1] is Step.DEADLINE
    assert cert.late == ()


def test_timeline_event_defaults() -> None:
    e = TimelineEvent(time=T0, step=Step.OTHER, label="x", label_zh="x")
    assert (e.seq, e.event_id, e.channel, e.detail) == (None, None, None, "")

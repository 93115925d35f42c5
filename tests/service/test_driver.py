"""The sync driver end to end: the seed story over MemoryChannel("wechat") into a SQLite
log, audited; duplicates, restarts, fallbacks, escalation, and the host's mistakes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from legaldelivery import EvidenceLog, audit_log, codec
from legaldelivery import rules as jurisdictions
from legaldelivery.channels import (
    Arrived,
    Behaviour,
    Channel,
    ChannelCapabilities,
    Dispatch,
    Envelope,
    MemoryChannel,
    RetrievalLink,
)
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.records import (
    ConsentGround,
    Digest,
    DocumentKind,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    Fallback,
    FallbackMethod,
    InboundFiling,
    Presumption,
    RecipientReply,
    ServiceDetermination,
    SourceKind,
)
from legaldelivery.service import (
    ChannelPhase,
    DeliveryPolicy,
    DeliveryService,
    OrderState,
    Phase,
    evidence_for,
    fold,
)
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order, sample_records

ORIGIN = "donggang.court.example/service-log"
SIGNER = Ed25519Signer.generate(ORIGIN)
CHINA = jurisdictions.jurisdiction("CN", on=date(2026, 3, 2))
START = datetime(2026, 3, 2, 1, 1, tzinfo=timezone.utc)
CONSENT = sample_records()[0].consent  # type: ignore[attr-defined]
PROVIDER_EMAIL = EventSource(kind=SourceKind.PROVIDER, source_id="memory:email")


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def sample_bytes(document: Any) -> bytes:
    return SAMPLE_DOCUMENTS[document.document_id]


def new_service(
    log: EvidenceLog, clock: Clock, channels: Iterable[Channel], **more: Any
) -> DeliveryService:
    more.setdefault("documents", sample_bytes)
    return DeliveryService(log, CHINA, list(channels), clock=clock, **more)


def play(
    service: DeliveryService,
    clock: Clock,
    channels: Iterable[MemoryChannel],
    *,
    until: datetime,
    twice: bool = False,
) -> None:
    """Move the clock to each next event (a wake-up or a report falling due) up to ``until``,
    delivering reports (each ``twice`` if asked) and ticking."""
    channels = list(channels)
    while True:
        times = [t for t in [service.next_wakeup()] if t is not None]
        times += [r.occurred_at for c in channels for r in c.pending()]
        if not times or min(times) > until:
            return
        clock.now = max(clock.now, min(times))
        for channel in channels:
            for report in channel.due(clock.now):
                service.report(report)
                if twice:
                    service.report(report)
        service.tick()


def records_of(log: EvidenceLog) -> list[object]:
    return [codec.decode(e.record) for e in log.entries()]


def story_channel(clock: Clock) -> MemoryChannel:
    return MemoryChannel(
        "wechat",
        Behaviour.delivered(
            arrive_after=timedelta(minutes=1),
            read_after=timedelta(minutes=44),
            reply_after=timedelta(hours=5),
            file_after=timedelta(days=12),
        ),
        clock=clock,
        source_id="wechat-oa:gh_donggang_court",
    )


# -- the story ----------------------------------------------------------------------------


def test_the_seed_story_is_served_recorded_and_audited(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "service.sqlite"
    wechat = story_channel(clock)
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        service.record_consent(CONSENT)
        order = sample_order()
        state = service.submit(order)
        assert state.phase is Phase.ACTIVE
        (envelope,) = wechat.sent
        assert [a.data for a in envelope.attachments] == list(SAMPLE_DOCUMENTS.values())
        play(service, clock, [wechat], until=START + timedelta(days=20))
        state = service.state(order.order_id)
        expected = state
        recorded = records_of(log)

    assert state.phase is Phase.SERVED
    determination = state.conclusion
    assert isinstance(determination, ServiceDetermination)
    arrival = next(
        r
        for r in recorded
        if isinstance(r, EvidenceEvent) and r.kind is EventKind.CONTENT_CONSIGNMENT
    )
    assert arrival.grade is EvidenceGrade.ARRIVAL
    assert arrival.source.source_id == "wechat-oa:gh_donggang_court"
    assert arrival.payload_digest in wechat.payloads
    assert determination.rests_on == arrival.event_id
    assert determination.time_of_service == START + timedelta(minutes=1)
    assert determination.presumption is Presumption.REBUTTABLE
    assert "CPL (2023) Art 90" in determination.citation
    (defence,) = determination.deadlines
    assert (defence.name, defence.due) == ("defence", date(2026, 4, 1))

    kinds = [type(r).__name__ for r in recorded]
    assert kinds == [
        "ConsentRecorded",
        "DeliveryOrder",
        "EvidenceEvent",  # SubmissionAcceptance
        "EvidenceEvent",  # RelayToNonERDS
        "EvidenceEvent",  # ContentConsignment
        "ServiceDetermination",
        "EvidenceEvent",  # ContentAccessTracking
        "RecipientReply",
        "InboundFiling",
    ]
    acceptance, dispatch = recorded[2], recorded[3]
    assert isinstance(acceptance, EvidenceEvent)
    assert isinstance(dispatch, EvidenceEvent)
    assert acceptance.kind is EventKind.SUBMISSION_ACCEPTANCE
    assert any("CPL (2023) Art 283(9)" in (r.details or "") for r in acceptance.reasons)
    assert dispatch.kind is EventKind.RELAY_TO_NON_ERDS
    assert [p.digest for p in dispatch.parts] == [d.digest for d in order.documents]
    reply, filing = recorded[7], recorded[8]
    assert isinstance(reply, RecipientReply)
    assert reply.in_reply_to == dispatch.event_id
    # What the recipient wrote is evidence of its own, not a reason code.
    assert reply.content_digest == Digest.of(b"Received, thank you.")
    assert reply.reasons == ()
    assert isinstance(filing, InboundFiling)
    assert filing.case_number == order.case.number
    assert filing.order_id == order.order_id
    assert filing.parts[0].digest == Digest.of(b"Defence of the defendant.")
    assert state.late == (recorded[6].event_id, reply.event_id, filing.event_id)  # type: ignore[attr-defined]

    report = audit_log(path, trusted=[SIGNER.verifier])
    assert report.ok, report.findings
    assert fold(order.order_id, recorded) == expected
    with EvidenceLog.open(path, signer=SIGNER) as log:
        assert new_service(log, clock, [story_channel(clock)]).state(order.order_id) == expected


def test_every_report_delivered_twice_is_logged_once(tmp_path: Path) -> None:
    clock = Clock()
    wechat = story_channel(clock)
    with EvidenceLog.create(tmp_path / "twice.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        state = service.submit(sample_order(), consents=[CONSENT])
        play(service, clock, [wechat], until=START + timedelta(days=20), twice=True)
        assert log.size == 9
        state = service.state(state.order_id)
        assert len(state.records) == 8
        ids = [getattr(r, "event_id", None) for r in records_of(log)]
        assert len(set(ids)) == len(ids)


def test_a_report_is_also_idempotent_across_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    wechat = story_channel(clock)
    path = tmp_path / "restart.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        new_service(log, clock, [wechat]).submit(sample_order(), consents=[CONSENT])
    clock.now += timedelta(minutes=2)
    (arrived,) = wechat.due(clock.now)
    with EvidenceLog.open(path, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        service.report(arrived)
        size = log.size
    with EvidenceLog.open(path, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        assert service.report(arrived).phase is Phase.SERVED
        assert log.size == size


# -- failures, fallbacks, escalation ----------------------------------------------------------


def two_address_order() -> Any:
    order = sample_order()
    email = attrs.evolve(order.channels[0], channel="email", handle="defendant@example.com")
    return attrs.evolve(order, channels=(*order.channels, email))


CONSENT_BOTH = attrs.evolve(CONSENT, channels=("wechat", "email"))


def test_every_address_failing_escalates_to_postal_service_logged(tmp_path: Path) -> None:
    clock = Clock()
    wechat = MemoryChannel("wechat", Behaviour.refused(permanent=True), clock=clock)
    email = MemoryChannel("email", Behaviour.bounced(after=timedelta(minutes=3)), clock=clock)
    path = tmp_path / "escalation.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat, email])
        service.submit(two_address_order(), consents=[CONSENT_BOTH])
        play(service, clock, [wechat, email], until=START + timedelta(days=30))
        state = service.state("order-2026-0001")
        recorded = records_of(log)
    assert state.phase is Phase.ESCALATED
    escalation = state.conclusion
    assert isinstance(escalation, Fallback)
    assert escalation.method is FallbackMethod.POSTAL_MAIL  # Pakistan: no objection to 10(a)
    assert escalation.from_address == two_address_order().channels[1]
    assert "Hague Service Convention Art 10(a)" in (escalation.reasons[1].details or "")
    fallbacks = [r for r in recorded if isinstance(r, Fallback)]
    assert [f.method for f in fallbacks] == [FallbackMethod.ANOTHER_CHANNEL, escalation.method]
    bounce = next(
        r
        for r in recorded
        if isinstance(r, EvidenceEvent) and r.kind is EventKind.CONTENT_CONSIGNMENT_FAILURE
    )
    assert escalation.triggered_by == bounce.event_id
    assert wechat.sent == []
    assert len(email.sent) == 1
    assert audit_log(path, trusted=[SIGNER.verifier]).ok


def test_a_transient_refusal_is_retried_and_nothing_is_sent_twice(tmp_path: Path) -> None:
    clock = Clock()
    wechat = MemoryChannel(
        "wechat",
        [
            Behaviour.refused(permanent=False),
            Behaviour.refused(permanent=False),
            Behaviour.delivered(),
        ],
        clock=clock,
    )
    policy = DeliveryPolicy(first_backoff=timedelta(minutes=1))
    with EvidenceLog.create(tmp_path / "retry.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat], policy=policy)
        state = service.submit(sample_order(), consents=[CONSENT])
        assert state.channels[0].phase is ChannelPhase.RETRY_WAIT
        assert service.next_wakeup() == START + timedelta(minutes=1)
        play(service, clock, [wechat], until=START + timedelta(days=1))
        state = service.state(state.order_id)
        assert state.phase is Phase.SERVED
        assert state.channels[0].attempts == 3
        assert [e.attempt for e in wechat.sent] == [3]
        sends = [
            r.event_id
            for r in records_of(log)
            if isinstance(r, EvidenceEvent) and r.kind.value.startswith("RelayToNonERDS")
        ]
        assert sends == [f"order-2026-0001/send/0/{n}" for n in (1, 2, 3)]


def test_several_addresses_in_flight_the_earliest_service_counts(tmp_path: Path) -> None:
    clock = Clock()
    wechat = MemoryChannel(
        "wechat", Behaviour.delivered(arrive_after=timedelta(hours=2)), clock=clock
    )
    email = MemoryChannel(
        "email", Behaviour.delivered(arrive_after=timedelta(minutes=5)), clock=clock
    )
    with EvidenceLog.create(tmp_path / "parallel.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat, email], policy=DeliveryPolicy(parallel=2))
        state = service.submit(two_address_order(), consents=[CONSENT_BOTH])
        assert [c.phase for c in state.channels] == [ChannelPhase.IN_FLIGHT] * 2
        play(service, clock, [wechat, email], until=START + timedelta(days=1))
        state = service.state(state.order_id)
    determination = state.conclusion
    assert isinstance(determination, ServiceDetermination)
    assert determination.time_of_service == START + timedelta(minutes=5)
    rests_on = state.record(determination.rests_on or "")
    assert isinstance(rests_on, EvidenceEvent)
    assert rests_on.address is not None
    assert rests_on.address.channel == "email"


def test_a_lost_message_times_out_and_service_falls_back(tmp_path: Path) -> None:
    clock = Clock()
    wechat = MemoryChannel("wechat", Behaviour.lost(), clock=clock)
    email = MemoryChannel("email", Behaviour.delivered(), clock=clock)
    policy = DeliveryPolicy(arrival_timeout=timedelta(hours=12))
    with EvidenceLog.create(tmp_path / "timeout.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat, email], policy=policy)
        service.submit(two_address_order(), consents=[CONSENT_BOTH])
        assert service.next_wakeup() == START + timedelta(hours=12)
        play(service, clock, [wechat, email], until=START + timedelta(days=3))
        state = service.state("order-2026-0001")
    fallback = next(r for r in state.records if isinstance(r, Fallback))
    assert fallback.reasons[0].code == "urn:legaldelivery:reason:no-arrival"
    assert fallback.event_time == START + timedelta(hours=12)
    assert state.phase is Phase.SERVED


# -- submission ----------------------------------------------------------------------------


def test_without_consent_the_order_is_rejected_with_the_citation_and_nothing_sent(
    tmp_path: Path,
) -> None:
    clock = Clock()
    wechat = story_channel(clock)
    with EvidenceLog.create(tmp_path / "rejected.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        state = service.submit(sample_order())
        assert state.phase is Phase.REJECTED
        rejection = state.conclusion
        assert isinstance(rejection, EvidenceEvent)
        assert rejection.kind is EventKind.SUBMISSION_REJECTION
        assert "CPL (2023) Art 90" in (rejection.reasons[0].details or "")
        assert wechat.sent == []
        assert service.tick() == []


def test_a_revoked_consent_no_longer_covers_new_service(tmp_path: Path) -> None:
    clock = Clock()
    with EvidenceLog.create(tmp_path / "revoked.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [story_channel(clock)])
        service.record_consent(CONSENT)
        service.record_consent(CONSENT)  # the same again: nothing
        service.revoke_consent(CONSENT.consent_id)
        with pytest.raises(InputError, match="already revoked"):
            service.revoke_consent(CONSENT.consent_id)
        with pytest.raises(InputError, match="consent_id: the consent is not recorded"):
            service.revoke_consent("consent-404")
        clock.now += timedelta(seconds=1)
        assert service.submit(sample_order()).phase is Phase.REJECTED
        assert log.size == 4
        with pytest.raises(InputError, match="a different consent with this id"):
            service.record_consent(attrs.evolve(CONSENT, channels=("email",)))
        reopened = new_service(log, clock, [story_channel(clock)])
        assert reopened.state("order-2026-0001").phase is Phase.REJECTED


def test_submitting_again_changes_nothing_and_another_order_with_the_id_is_refused(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with EvidenceLog.create(tmp_path / "again.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [story_channel(clock)])
        first = service.submit(sample_order(), consents=[CONSENT])
        size = log.size
        assert service.submit(sample_order(), consents=[CONSENT]) == first
        assert log.size == size
        with pytest.raises(InputError, match="another order with this id"):
            service.submit(attrs.evolve(sample_order(), legal_basis="another basis"))
        assert list(service.orders) == ["order-2026-0001"]


def test_an_address_without_a_channel_is_refused_before_anything_is_logged(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with EvidenceLog.create(tmp_path / "nochannel.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [story_channel(clock)])
        with pytest.raises(InputError, match=r"order.channels\[1\].channel: no channel"):
            service.submit(two_address_order(), consents=[CONSENT_BOTH])
        sealed_address, _ = sample_order().channels[0].sealed()
        with pytest.raises(InputError, match="sealed handle"):
            service.submit(attrs.evolve(sample_order(), channels=[sealed_address]))
        assert log.size == 0


def test_an_order_logged_without_its_assessment_is_assessed_on_restart(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "crash.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        new_service(log, clock, [story_channel(clock)]).record_consent(CONSENT)
        log.append(sample_order())  # the process stopped right after this
    wechat = story_channel(clock)
    with EvidenceLog.open(path, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        assert service.state("order-2026-0001").phase is Phase.SUBMITTED
        (state,) = service.tick()
        assert state.phase is Phase.ACTIVE
        assert len(wechat.sent) == 1


def test_a_retry_due_during_a_restart_is_sent_once(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "resume.sqlite"
    busy = MemoryChannel("wechat", Behaviour.refused(permanent=False), clock=clock)
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        new_service(log, clock, [busy]).submit(sample_order(), consents=[CONSENT])
    clock.now += timedelta(hours=1)
    wechat = story_channel(clock)
    with EvidenceLog.open(path, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        service.tick()
        service.tick()
    assert [e.attempt for e in wechat.sent] == [2]


# -- the host's mistakes --------------------------------------------------------------------


def test_reports_that_do_not_fit_are_refused_and_not_logged(tmp_path: Path) -> None:
    clock = Clock()
    wechat = story_channel(clock)
    with EvidenceLog.create(tmp_path / "bad.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        service.submit(sample_order(), consents=[CONSENT])
        size = log.size
        (dispatched,) = service.state("order-2026-0001").messages
        early = Arrived(
            provider_message_id=dispatched.message_id,
            occurred_at=dispatched.dispatched_at - timedelta(seconds=1),
            payload_digest=Digest.of(b"early"),
        )
        with pytest.raises(InputError, match="cannot precede the dispatch"):
            service.report(early)
        with pytest.raises(InputError, match="no message with this provider id"):
            service.report(attrs.evolve(early, provider_message_id="m-unknown"))
        with pytest.raises(InputError, match="expected a ChannelReport"):
            service.report("arrived")  # type: ignore[arg-type]
        assert log.size == size


def test_a_report_of_evidence_the_channel_cannot_give_is_refused(tmp_path: Path) -> None:
    clock = Clock()
    wechat = MemoryChannel(
        "wechat", clock=clock, capabilities=ChannelCapabilities(evidence={EvidenceGrade.ARRIVAL})
    )
    with EvidenceLog.create(tmp_path / "grade.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        state = service.submit(sample_order(), consents=[CONSENT])
        from legaldelivery.channels import Read

        read = Read(
            provider_message_id=state.messages[0].message_id,
            occurred_at=clock.now,
            payload_digest=Digest.of(b"read"),
        )
        with pytest.raises(InputError, match="declares no system_read evidence"):
            service.report(read)


class Faulty(Channel):
    kind = "wechat"

    def __init__(self, result: object) -> None:
        self.result = result

    def send(self, envelope: Envelope) -> Dispatch:
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("result", "what"),
    [(RuntimeError("password=hunter2"), "RuntimeError"), ("ok", "a str, not a Dispatch")],
)
def test_a_channel_that_breaks_its_contract_is_a_transient_failure(
    tmp_path: Path, result: object, what: str
) -> None:
    clock = Clock()
    with EvidenceLog.create(tmp_path / "faulty.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [Faulty(result)])
        state = service.submit(sample_order(), consents=[CONSENT])
        assert state.channels[0].phase is ChannelPhase.RETRY_WAIT
        failure = state.records[-1]
        assert isinstance(failure, EvidenceEvent)
        assert failure.reasons[1].code == "urn:legaldelivery:reason:channel-fault"
        assert failure.reasons[1].details == what
        assert b"hunter2" not in b"".join(e.data for e in log.entries())


def test_a_channel_reusing_a_message_id_is_refused(tmp_path: Path) -> None:
    clock = Clock()
    dispatch = Dispatch(provider_message_id="same", accepted_at=START)
    with EvidenceLog.create(tmp_path / "reuse.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [Faulty(dispatch)])
        service.submit(sample_order(), consents=[CONSENT])
        with pytest.raises(InputError, match="reused the provider message id"):
            service.submit(attrs.evolve(sample_order(), order_id="order-2"), consents=[CONSENT])


def test_wrong_document_bytes_stop_the_send_until_the_host_fixes_them(tmp_path: Path) -> None:
    clock = Clock()
    wechat = story_channel(clock)
    store = dict(SAMPLE_DOCUMENTS, evidence=b"not the evidence")
    with EvidenceLog.create(tmp_path / "bytes.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat], documents=lambda d: store[d.document_id])
        with pytest.raises(InputError, match=r"documents\(evidence\).data: the bytes are not"):
            service.submit(sample_order(), consents=[CONSENT])
        assert wechat.sent == []
        store["evidence"] = SAMPLE_DOCUMENTS["evidence"]
        (state,) = service.tick()
        assert state.channels[0].phase is ChannelPhase.IN_FLIGHT


def test_a_failing_document_store_is_named(tmp_path: Path) -> None:
    clock = Clock()

    def missing(document: Any) -> bytes:
        raise FileNotFoundError(document.document_id)

    with EvidenceLog.create(tmp_path / "store.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [story_channel(clock)], documents=missing)
        with pytest.raises(InputError, match=r"documents\(complaint\): the host's function failed"):
            service.submit(sample_order(), consents=[CONSENT])


def test_documents_go_as_links_where_the_channel_cannot_carry_them(tmp_path: Path) -> None:
    clock = Clock()
    no_files = ChannelCapabilities(evidence=set(EvidenceGrade), attachments=False, links=True)
    sms = MemoryChannel("wechat", clock=clock, capabilities=no_files)

    def link(document: Any, address: Any) -> str | None:
        return (
            None
            if document.kind is DocumentKind.EVIDENCE
            else f"https://court.example/d/{document.document_id}"
        )

    with EvidenceLog.create(tmp_path / "links.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [sms], links=link)
        state = service.submit(sample_order(), consents=[CONSENT])
        # The evidence bundle has no link: this address cannot take the documents.
        failure = state.records[-2]
        assert isinstance(failure, EvidenceEvent)
        assert failure.kind is EventKind.RELAY_TO_NON_ERDS_FAILURE
        assert failure.reasons[1].code == "urn:legaldelivery:reason:content-not-deliverable"
        assert state.phase is Phase.ESCALATED

    clock = Clock()
    sms = MemoryChannel("wechat", clock=clock, capabilities=no_files)
    with EvidenceLog.create(tmp_path / "links2.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(
            log, clock, [sms], links=lambda d, a: f"https://court.example/d/{d.document_id}"
        )
        service.submit(sample_order(), consents=[CONSENT])
        (envelope,) = sms.sent
        assert all(isinstance(c, RetrievalLink) for c in envelope.contents)
        assert envelope.links[0].url == "https://court.example/d/complaint"


def test_the_service_needs_a_writable_log_and_proper_arguments(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "ro.sqlite"
    EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER).close()
    with EvidenceLog.open(path) as log, pytest.raises(InputError, match="read-only"):
        new_service(log, clock, [story_channel(clock)])
    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER) as log:
        with pytest.raises(InputError, match=r"channels\[0\]: expected a Channel"):
            new_service(log, clock, ["wechat"])  # type: ignore[list-item]
        with pytest.raises(InputError, match="two channels serve this kind"):
            new_service(log, clock, [story_channel(clock), story_channel(clock)])
        with pytest.raises(InputError, match="documents: expected a callable"):
            new_service(log, clock, [], documents=SAMPLE_DOCUMENTS)
        with pytest.raises(InputError, match="no such order"):
            new_service(log, clock, []).state("order-404")


def test_a_jsonl_log_replays_to_the_same_states(tmp_path: Path) -> None:
    clock = Clock()
    wechat = story_channel(clock)
    path = tmp_path / "service.jsonl"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        service.submit(sample_order(), consents=[CONSENT])
        play(service, clock, [wechat], until=START + timedelta(days=1))
        before: OrderState = service.state("order-2026-0001")
    with EvidenceLog.open(path, signer=SIGNER) as log:
        assert new_service(log, clock, [wechat]).state("order-2026-0001") == before
    assert audit_log(path, trusted=[SIGNER.verifier]).ok


def test_a_log_whose_records_do_not_fit_names_the_entry(tmp_path: Path) -> None:
    clock = Clock()
    with EvidenceLog.create(tmp_path / "odd.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        order = sample_order()
        log.append(order)
        log.append(
            CHINA.time_of_service(
                order, sample_records(), at=START + timedelta(days=1), determination_id="det-1"
            )
        )
        with pytest.raises(InputError, match=r"^entry 1\.record: a ServiceDetermination"):
            new_service(log, clock, [story_channel(clock)])


def test_an_address_whose_channel_went_away_fails_for_good(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "gone.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        busy = MemoryChannel("wechat", Behaviour.refused(permanent=False), clock=clock)
        new_service(log, clock, [busy]).submit(sample_order(), consents=[CONSENT])
    clock.now += timedelta(hours=1)
    with EvidenceLog.open(path, signer=SIGNER) as log:
        (state,) = new_service(log, clock, []).tick()
    failure = state.records[-2]
    assert isinstance(failure, EvidenceEvent)
    assert failure.reasons[1].code == "urn:legaldelivery:reason:no-channel"
    assert state.phase is Phase.ESCALATED


def test_the_service_checks_what_the_host_hands_it(tmp_path: Path) -> None:
    clock = Clock()
    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER) as log:
        for bad, path in [
            ({"links": "https://court.example"}, "links"),
            ({"notice": "Dear defendant"}, "notice"),
            ({"source": "court"}, "source"),
            ({"policy": {"parallel": 2}}, "policy"),
        ]:
            with pytest.raises(InputError) as caught:
                new_service(log, clock, [], **bad)
            assert caught.value.path == path
        service = new_service(log, clock, [story_channel(clock)])
        with pytest.raises(InputError, match=r"consents\[0\]: expected a Consent"):
            service.submit(sample_order(), consents=["yes"])  # type: ignore[list-item]
        with pytest.raises(InputError, match="order: expected a DeliveryOrder"):
            service.submit("order")  # type: ignore[arg-type]
        assert log.size == 0


def test_a_link_that_is_no_uri_is_the_hosts_error(tmp_path: Path) -> None:
    clock = Clock()
    no_files = ChannelCapabilities(evidence=set(EvidenceGrade), attachments=False, links=True)
    sms = MemoryChannel("wechat", clock=clock, capabilities=no_files)
    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [sms], links=lambda d, a: "court.example/d/1")
        with pytest.raises(InputError, match=r"^links\(complaint\)\.url: expected an absolute URI"):
            service.submit(sample_order(), consents=[CONSENT])


def test_a_document_store_raising_a_library_error_is_not_rewrapped(tmp_path: Path) -> None:
    clock = Clock()

    def refuse(document: Any) -> bytes:
        raise InputError("the archive is sealed", path="archive")

    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [story_channel(clock)], documents=refuse)
        with pytest.raises(InputError, match=r"^archive: the archive is sealed"):
            service.submit(sample_order(), consents=[CONSENT])


def test_an_order_logged_twice_is_one_order_and_a_conflicting_one_is_refused(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with EvidenceLog.create(tmp_path / "twice-logged.sqlite", origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [story_channel(clock)])
        state = service.submit(sample_order(), consents=[CONSENT])
        log.append(sample_order())  # another writer logged the same order again
        assert new_service(log, clock, [story_channel(clock)]).state(state.order_id) == state
        log.append(attrs.evolve(sample_order(), legal_basis="another basis"))
        with pytest.raises(InputError, match=r"^entry 5\.order_id: another order with this id"):
            new_service(log, clock, [story_channel(clock)])


def test_a_failing_link_source_or_notice_is_named_without_its_message(tmp_path: Path) -> None:
    clock = Clock()
    no_files = ChannelCapabilities(attachments=False, links=True)

    def broken(*args: Any) -> str:
        raise KeyError("token=abc123")

    for more, path in [({"links": broken}, r"links\(complaint\)"), ({"notice": broken}, "notice")]:
        with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER) as log:
            sms = MemoryChannel("wechat", clock=clock, capabilities=no_files)
            more.setdefault("links", lambda d, a: "https://court.example/d")
            service = new_service(log, clock, [sms], **more)
            with pytest.raises(
                InputError, match=f"^{path}.*: the host's function failed: KeyError$"
            ):
                service.submit(sample_order(), consents=[CONSENT])


# -- evidence after service (FRCP 5(b)(2)(E)) -------------------------------------------------

US = jurisdictions.jurisdiction("US", on=date(2026, 3, 1), timezone="America/New_York")
US_CONSENT = attrs.evolve(
    CONSENT,
    ground=ConsentGround.US_WRITTEN_CONSENT,
    channels=("email", "portal"),
    document_kinds=(DocumentKind.NOTICE,),
)


def us_notice_order() -> Any:
    """A notice to a party in the US, by e-mail, else by the court's portal."""
    order = sample_order()
    email = attrs.evolve(order.channels[0], channel="email", handle="li.wei@example.com")
    portal = attrs.evolve(order.channels[0], channel="portal", handle="portal-user-17")
    notice = attrs.evolve(order.documents[0], kind=DocumentKind.NOTICE)
    return attrs.evolve(
        order,
        recipient=attrs.evolve(order.recipient, country="US"),
        documents=[notice],
        channels=[email, portal],
    )


def us_channels(clock: Clock) -> tuple[MemoryChannel, MemoryChannel]:
    email = MemoryChannel("email", Behaviour.bounced(after=timedelta(minutes=3)), clock=clock)
    portal = MemoryChannel("portal", Behaviour.delivered(), clock=clock)
    return email, portal


def determinations(log: EvidenceLog) -> list[ServiceDetermination]:
    return [r for r in records_of(log) if isinstance(r, ServiceDetermination)]


def test_a_bounce_after_service_by_sending_reopens_and_the_portal_serves(tmp_path: Path) -> None:
    clock = Clock()
    email, portal = us_channels(clock)
    path = tmp_path / "us.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        service = DeliveryService(log, US, [email, portal], documents=sample_bytes, clock=clock)
        order = us_notice_order()
        state = service.submit(order, consents=[US_CONSENT])
        assert state.phase is Phase.SERVED  # complete upon sending
        play(service, clock, [email, portal], until=START + timedelta(hours=1))
        state = service.state(order.order_id)
        first, second, third = determinations(log)
        assert first.time_of_service == START
        assert (second.supersedes, second.time_of_service) == (first.event_id, None)
        assert third.supersedes == second.event_id
        assert third.time_of_service == START + timedelta(minutes=3)
        assert state.phase is Phase.SERVED
        assert state.conclusion == third
        assert [len(email.sent), len(portal.sent)] == [1, 1]
        (fallback,) = [r for r in records_of(log) if isinstance(r, Fallback)]
        assert fallback.to_address == order.channels[1]
        assert fold(order.order_id, records_of(log)) == state
        assert service.tick() == []
        assert service.next_wakeup() is None
    assert audit_log(path, trusted=[SIGNER.verifier]).ok


def test_late_evidence_logged_before_a_crash_is_weighed_on_restart(tmp_path: Path) -> None:
    clock = Clock()
    email, portal = us_channels(clock)
    path = tmp_path / "us-crash.sqlite"
    order = us_notice_order()
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        service = DeliveryService(log, US, [email, portal], documents=sample_bytes, clock=clock)
        state = service.submit(order, consents=[US_CONSENT])
        clock.now += timedelta(minutes=5)
        (bounce,) = email.due(clock.now)
        # The process stopped right after logging the bounce, before deciding on it.
        log.append(evidence_for(state, bounce, source=PROVIDER_EMAIL), time=clock.now)
    with EvidenceLog.open(path, signer=SIGNER) as log:
        service = DeliveryService(log, US, [email, portal], documents=sample_bytes, clock=clock)
        assert service.state(order.order_id).phase is Phase.SERVED
        (state,) = service.tick()
        assert state.phase is Phase.SERVED
        assert len(state.determinations) == 3
        assert len(portal.sent) == 1
        assert service.tick() == []
        assert len(determinations(log)) == 3


def test_a_late_read_under_china_is_looked_at_once_and_logs_nothing(tmp_path: Path) -> None:
    clock = Clock()
    wechat = story_channel(clock)
    path = tmp_path / "late-read.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        service = new_service(log, clock, [wechat])
        service.submit(sample_order(), consents=[CONSENT])
        play(service, clock, [wechat], until=START + timedelta(hours=1))
        state = service.state("order-2026-0001")
        assert state.phase is Phase.SERVED
        assert len(state.late) == 1  # the read, after service at arrival
        size = log.size
        assert service.tick() == []
    with EvidenceLog.open(path, signer=SIGNER) as log:
        service = new_service(log, clock, [story_channel(clock)])
        # On a restart the served order is looked at once; the rules answer the same.
        assert [s.order_id for s in service.tick()] == ["order-2026-0001"]
        assert service.tick() == []
        assert log.size == size
        assert len(determinations(log)) == 1


def test_a_late_bounce_dated_ahead_of_the_clock_is_weighed_at_its_time(tmp_path: Path) -> None:
    clock = Clock()
    email, portal = us_channels(clock)
    with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER) as log:
        service = DeliveryService(log, US, [email, portal], documents=sample_bytes, clock=clock)
        order = us_notice_order()
        service.submit(order, consents=[US_CONSENT])
        (bounce,) = email.due(START + timedelta(minutes=3))
        clock.now += timedelta(minutes=1)  # the provider's clock runs two minutes ahead
        state = service.report(bounce)
        assert state.phase is Phase.SERVED
        assert service.next_wakeup() == bounce.occurred_at
        assert service.tick() == []
        clock.now = bounce.occurred_at
        (state,) = service.tick()
        assert len(state.determinations) == 3
        assert len(portal.sent) == 1
        assert service.next_wakeup() is None

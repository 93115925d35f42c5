"""The asyncio driver: the same process and log as the sync one, sends awaited together,
reports that overtake their dispatch, and the run loop on a clock that really moves."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from legaldelivery import EvidenceLog, audit_log, codec
from legaldelivery import rules as jurisdictions
from legaldelivery.channels import (
    Arrived,
    AsyncChannel,
    Behaviour,
    Dispatch,
    Envelope,
    MemoryChannel,
)
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.records import ConsentGround, Digest, DocumentKind, EventKind, EvidenceEvent
from legaldelivery.service import AsyncDeliveryService, DeliveryPolicy, Phase, fold
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order, sample_records

ORIGIN = "donggang.court.example/service-log"
SIGNER = Ed25519Signer.generate(ORIGIN)
CHINA = jurisdictions.jurisdiction("CN", on=date(2026, 3, 2))
START = datetime(2026, 3, 2, 1, 1, tzinfo=timezone.utc)
CONSENT = sample_records()[0].consent  # type: ignore[attr-defined]
CONSENT_BOTH = attrs.evolve(CONSENT, channels=("wechat", "email"))


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def two_address_order() -> Any:
    order = sample_order()
    email = attrs.evolve(order.channels[0], channel="email", handle="defendant@example.com")
    return attrs.evolve(order, channels=(*order.channels, email))


def service_for(
    log: EvidenceLog, clock: Any, channels: list[Any], **more: Any
) -> AsyncDeliveryService:
    more.setdefault("documents", lambda d: SAMPLE_DOCUMENTS[d.document_id])
    return AsyncDeliveryService(log, more.pop("rules", CHINA), channels, clock=clock, **more)


class Gate(AsyncChannel):
    """An async provider that holds every send until the test opens the gate."""

    def __init__(self, kind: str, clock: Any) -> None:
        self.kind = kind
        self.clock = clock
        self.gate = asyncio.Event()
        self.waiting = 0
        self.most_waiting = 0

    async def send(self, envelope: Envelope) -> Dispatch:
        self.waiting += 1
        self.most_waiting = max(self.most_waiting, self.waiting)
        await self.gate.wait()
        self.waiting -= 1
        return Dispatch(
            provider_message_id=f"{self.kind}-{envelope.attempt}", accepted_at=self.clock()
        )


def test_the_seed_story_over_asyncio_into_sqlite(tmp_path: Path) -> None:
    clock = Clock()
    wechat = MemoryChannel(
        "wechat",
        Behaviour.delivered(read_after=timedelta(minutes=44), file_after=timedelta(days=12)),
        clock=clock,
    )
    path = tmp_path / "async.sqlite"

    async def serve() -> Any:
        with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
            service = service_for(log, clock, [wechat])
            await service.record_consent(CONSENT)
            await service.submit(sample_order())
            for _ in range(3):
                clock.now = wechat.pending()[0].occurred_at
                for report in wechat.due(clock.now):
                    await service.report(report)
                    await service.report(report)  # twice: logged once
            assert await service.tick() == []
            records = [codec.decode(e.record) for e in log.entries()]
            return service.state("order-2026-0001"), records, dict(service.orders)

    state, records, orders = asyncio.run(serve())
    assert state.phase is Phase.SERVED
    assert orders == {"order-2026-0001": state}
    assert [type(r).__name__ for r in records][-3:] == [
        "ServiceDetermination",
        "EvidenceEvent",
        "InboundFiling",
    ]
    assert fold("order-2026-0001", records) == state
    assert audit_log(path, trusted=[SIGNER.verifier]).ok


def test_the_sends_of_one_decision_are_awaited_together() -> None:
    clock = Clock()

    async def serve() -> tuple[Gate, Gate, Any]:
        wechat, email = Gate("wechat", clock), Gate("email", clock)
        log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
        service = service_for(log, clock, [wechat, email], policy=DeliveryPolicy(parallel=2))
        task = asyncio.ensure_future(service.submit(two_address_order(), consents=[CONSENT_BOTH]))
        while wechat.waiting + email.waiting < 2:
            await asyncio.sleep(0)
        wechat.gate.set()
        email.gate.set()
        return wechat, email, await task

    wechat, email, state = asyncio.run(serve())
    assert wechat.most_waiting == email.most_waiting == 1
    assert [m.message_id for m in state.messages] == ["wechat-1", "email-1"]


def test_a_report_that_overtakes_its_dispatch_waits_for_it() -> None:
    clock = Clock()

    async def serve() -> list[object]:
        wechat = Gate("wechat", clock)
        log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
        service = service_for(log, clock, [wechat])
        submitted = asyncio.ensure_future(service.submit(sample_order(), consents=[CONSENT]))
        while not wechat.waiting:
            await asyncio.sleep(0)
        early = Arrived(
            provider_message_id="wechat-1", occurred_at=START, payload_digest=Digest.of(b"a")
        )
        reported = asyncio.ensure_future(service.report(early))
        await asyncio.sleep(0.01)
        assert not reported.done()
        wechat.gate.set()
        await submitted
        assert (await reported).phase is Phase.SERVED
        return [codec.decode(e.record) for e in log.entries()]

    records = asyncio.run(serve())
    kinds = [r.kind for r in records if isinstance(r, EvidenceEvent)]
    assert kinds == [
        EventKind.SUBMISSION_ACCEPTANCE,
        EventKind.RELAY_TO_NON_ERDS,
        EventKind.CONTENT_CONSIGNMENT,
    ]


def test_a_report_of_no_message_is_refused_when_nothing_is_in_flight() -> None:
    async def serve() -> None:
        log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
        service = service_for(log, Clock(), [])
        report = Arrived(
            provider_message_id="m-1", occurred_at=START, payload_digest=Digest.of(b"")
        )
        with pytest.raises(InputError, match="no message with this provider id"):
            await service.report(report)
        with pytest.raises(InputError, match="expected a ChannelReport"):
            await service.report(None)  # type: ignore[arg-type]
        with pytest.raises(InputError, match="no channel is configured"):
            await service.submit(sample_order(), consents=[CONSENT])

    asyncio.run(serve())


class Broken(AsyncChannel):
    kind = "wechat"

    async def send(self, envelope: Envelope) -> Dispatch:
        raise ConnectionError("provider down")


def test_a_failing_async_channel_is_logged_and_the_order_escalates() -> None:
    clock = Clock()

    async def serve() -> Any:
        log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
        service = service_for(log, clock, [Broken()], policy=DeliveryPolicy(max_attempts=1))
        return await service.submit(sample_order(), consents=[CONSENT]), service

    state, service = asyncio.run(serve())
    assert state.phase is Phase.ESCALATED
    failure = state.records[-2]
    assert isinstance(failure, EvidenceEvent)
    assert failure.reasons[1].details == "ConnectionError"
    assert service.next_wakeup() is None
    with pytest.raises(InputError, match="expected an AsyncChannel or a Channel"):
        service_for(EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER), clock, [1])


def test_the_run_loop_retries_on_a_clock_that_really_moves(kit: SimpleNamespace) -> None:
    began = time.monotonic()

    def moving() -> datetime:
        return kit.T0 + timedelta(seconds=time.monotonic() - began)

    wechat = MemoryChannel(
        "wechat",
        [Behaviour.refused(permanent=False), Behaviour.delivered(arrive_after=timedelta(0))],
        clock=moving,
    )
    policy = DeliveryPolicy(first_backoff=timedelta(milliseconds=50))

    async def serve() -> Any:
        log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
        service = service_for(
            log, moving, [wechat], policy=policy, rules=kit.ToyRules(), documents=kit.read_document
        )
        stop = asyncio.Event()
        runner = asyncio.ensure_future(service.run(stop, idle=timedelta(seconds=1)))
        state = await service.submit(kit.make_order(), consents=[kit.make_consent()])
        assert state.channels[0].attempts == 1
        while not wechat.sent:  # the run loop resends after the backoff
            await asyncio.sleep(0.01)
        for report in wechat.due(moving()):
            state = await service.report(report)
        stop.set()
        await asyncio.wait_for(runner, 5)
        return state

    state = asyncio.run(asyncio.wait_for(serve(), 20))
    assert state.phase is Phase.SERVED
    assert state.channels[0].attempts == 2


def test_a_sync_channel_runs_in_a_worker_thread() -> None:
    clock = Clock()
    wechat = MemoryChannel("wechat", clock=clock, source_id="wechat-oa:gh_test")
    wrapped = AsyncChannel.from_sync(wechat)
    assert (wrapped.kind, wrapped.source_id) == ("wechat", "wechat-oa:gh_test")
    assert wrapped.capabilities == wechat.capabilities

    async def serve() -> Any:
        log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
        service = service_for(log, clock, [wrapped])
        return await service.submit(sample_order(), consents=[CONSENT])

    assert asyncio.run(serve()).channels[0].attempts == 1
    assert len(wechat.sent) == 1
    with pytest.raises(InputError, match="expected a Channel"):
        AsyncChannel.from_sync(wrapped)  # type: ignore[arg-type]


def test_the_async_driver_resumes_a_log_and_fails_what_cannot_go(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "resume.sqlite"
    with EvidenceLog.create(path, origin=ORIGIN, signer=SIGNER) as log:
        recorded = attrs.evolve(sample_records()[0], consent=CONSENT_BOTH)
        log.append_many([recorded, two_address_order()])  # stopped before the assessment
    from legaldelivery.channels import ChannelCapabilities

    nothing = ChannelCapabilities(attachments=False)
    wechat = MemoryChannel("wechat", clock=clock, capabilities=nothing)

    async def serve() -> Any:
        with EvidenceLog.open(path, signer=SIGNER) as log:
            service = service_for(log, clock, [wechat])
            (state,) = await service.tick()
            return state

    state = asyncio.run(serve())
    reasons = [
        r.reasons[1].code
        for r in state.records
        if isinstance(r, EvidenceEvent) and r.kind is EventKind.RELAY_TO_NON_ERDS_FAILURE
    ]
    assert reasons == [
        "urn:legaldelivery:reason:content-not-deliverable",
        "urn:legaldelivery:reason:no-channel",
    ]
    assert state.phase is Phase.ESCALATED
    assert wechat.sent == []


def test_consent_recorded_then_revoked_over_asyncio() -> None:
    clock = Clock()

    async def serve() -> Any:
        log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER)
        service = service_for(log, clock, [MemoryChannel("wechat", clock=clock)])
        await service.record_consent(CONSENT)
        await service.revoke_consent(CONSENT.consent_id)
        with pytest.raises(InputError, match="already revoked"):
            await service.revoke_consent(CONSENT.consent_id)
        clock.now += timedelta(seconds=1)
        return await service.submit(sample_order())

    assert asyncio.run(serve()).phase is Phase.REJECTED


def test_a_bounce_after_service_by_sending_reopens_the_order_over_asyncio() -> None:
    # FRCP 5(b)(2)(E): served upon sending, not effective once the sender learns that the
    # e-mail did not reach; the service falls back to the portal, which serves.
    clock = Clock()
    us = jurisdictions.jurisdiction("US", on=date(2026, 3, 1), timezone="America/New_York")
    order = sample_order()
    wechat = order.channels[0]
    order = attrs.evolve(
        order,
        recipient=attrs.evolve(order.recipient, country="US"),
        documents=[attrs.evolve(order.documents[0], kind=DocumentKind.NOTICE)],
        channels=[
            attrs.evolve(wechat, channel="email", handle="li.wei@example.com"),
            attrs.evolve(wechat, channel="portal", handle="portal-user-17"),
        ],
    )
    consent = attrs.evolve(
        CONSENT,
        ground=ConsentGround.US_WRITTEN_CONSENT,
        channels=("email", "portal"),
        document_kinds=(DocumentKind.NOTICE,),
    )
    email = MemoryChannel("email", Behaviour.bounced(after=timedelta(minutes=3)), clock=clock)
    portal = MemoryChannel("portal", Behaviour.lost(), clock=clock)

    async def serve() -> Any:
        with EvidenceLog.create(":memory:", origin=ORIGIN, signer=SIGNER) as log:
            service = service_for(log, clock, [email, portal], rules=us)
            await service.submit(order, consents=[consent])
            served = service.state(order.order_id)
            clock.now += timedelta(minutes=3)
            (bounce,) = email.due(clock.now)
            state = await service.report(bounce)
            assert await service.tick() == []
            return served, state, [codec.decode(e.record) for e in log.entries()]

    served, state, records = asyncio.run(serve())
    assert served.phase is Phase.SERVED
    assert state.phase is Phase.SERVED
    assert len(state.determinations) == 3
    assert state.conclusion.time_of_service == START + timedelta(minutes=3)
    assert [len(email.sent), len(portal.sent)] == [1, 1]
    assert fold(order.order_id, records) == state

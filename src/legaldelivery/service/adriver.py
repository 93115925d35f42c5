"""The asyncio delivery service: the same process and log as :mod:`.driver`, with channels
awaited and the sends of one decision made concurrently.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from legaldelivery.channels.base import (
    AsyncChannel,
    Channel,
    ChannelError,
    ChannelReport,
    PermanentChannelError,
    notice_text,
    reason,
)
from legaldelivery.errors import InputError
from legaldelivery.log.evidencelog import Clock, EvidenceLog
from legaldelivery.records import Consent, DeliveryOrder, EventSource
from legaldelivery.service._core import ChannelInfo, DocumentSource, LinkSource, ServiceCore
from legaldelivery.service.process import (
    SERVICE_SOURCE,
    AssessSubmission,
    Conclude,
    DeliveryPolicy,
    FallBack,
    OrderState,
    Redetermine,
    Send,
    ServiceRules,
)

__all__ = ["AsyncDeliveryService"]


class AsyncDeliveryService:
    """:class:`~legaldelivery.service.DeliveryService` for asyncio hosts.

    Channels are :class:`~legaldelivery.channels.AsyncChannel` objects; a blocking
    :class:`~legaldelivery.channels.Channel` given here is run in a worker thread. The
    sends one decision asks for (several addresses in flight) are awaited together. A
    report about a message whose send is still being awaited waits for it. Log writes
    are made on the event loop (a local SQLite append takes well under a millisecond).

    >>> import asyncio
    >>> from datetime import date, datetime, timedelta, timezone
    >>> from legaldelivery import EvidenceLog, rules
    >>> from legaldelivery.channels import Behaviour, MemoryChannel
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order, sample_records
    >>> times = [datetime(2026, 3, 2, 1, 1, tzinfo=timezone.utc)]
    >>> clock = lambda: times[-1]
    >>> wechat = MemoryChannel("wechat", Behaviour.delivered(), clock=clock)
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log",
    ...                          signer=Ed25519Signer.generate("court.example/log"))
    >>> service = AsyncDeliveryService(log, rules.jurisdiction("CN", on=date(2026, 3, 2)),
    ...     [wechat], documents=lambda d: SAMPLE_DOCUMENTS[d.document_id], clock=clock)
    >>> async def serve():
    ...     await service.submit(sample_order(), consents=[sample_records()[0].consent])
    ...     times.append(times[-1] + timedelta(minutes=1))
    ...     for report in wechat.due(clock()):
    ...         state = await service.report(report)
    ...     return state.phase
    >>> asyncio.run(serve())
    <Phase.SERVED: 'served'>

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        log: EvidenceLog,
        rules: ServiceRules,
        channels: Iterable[AsyncChannel | Channel],
        *,
        documents: DocumentSource,
        links: LinkSource | None = None,
        clock: Clock | None = None,
        policy: DeliveryPolicy | None = None,
        source: EventSource = SERVICE_SOURCE,
        notice: Callable[[DeliveryOrder], str] = notice_text,
    ) -> None:
        found: list[AsyncChannel] = []
        for i, channel in enumerate(channels):
            if isinstance(channel, Channel):
                channel = AsyncChannel.from_sync(channel)
            if not isinstance(channel, AsyncChannel):
                raise InputError(
                    "expected an AsyncChannel or a Channel",
                    path=f"channels[{i}]",
                    got=type(channel).__name__,
                )
            found.append(channel)
        self._channels = {c.kind: c for c in found}
        self._core = ServiceCore(
            log,
            rules,
            [ChannelInfo(c.kind, c.source_id, c.capabilities) for c in found],
            documents=documents,
            links=links,
            clock=clock,
            policy=policy,
            source=source,
            notice=notice,
        )
        self._locks: dict[str, asyncio.Lock] = {}
        self._changed: asyncio.Condition | None = None
        self._poke: asyncio.Event | None = None
        self._in_flight = 0

    # -- reading ----------------------------------------------------------------------

    @property
    def orders(self) -> Mapping[str, OrderState]:
        """Every order of the log and its state (a read-only view)."""
        return MappingProxyType(self._core.states)

    def state(self, order_id: str) -> OrderState:
        """The state of order ``order_id``."""
        return self._core.state(order_id)

    def next_wakeup(self) -> datetime | None:
        """When an open order next needs :meth:`tick`, or None."""
        return self._core.next_wakeup()

    # -- the process --------------------------------------------------------------------

    async def record_consent(self, consent: Consent) -> None:
        """Log a ConsentRecorded for ``consent`` (nothing if the same one is recorded)."""
        now = self._core.now()
        records = self._core.consent_records([consent], now)
        if records:
            self._core.commit(records, now)

    async def revoke_consent(self, consent_id: str, *, revoked_at: datetime | None = None) -> None:
        """Log a ConsentRevoked (see :meth:`DeliveryService.revoke_consent
        <legaldelivery.service.DeliveryService.revoke_consent>`)."""
        now = self._core.now()
        self._core.commit([self._core.revocation(consent_id, revoked_at, now)], now)

    async def submit(
        self,
        order: DeliveryOrder,
        *,
        consents: Iterable[Consent] = (),
        court_authorisation: str | None = None,
    ) -> OrderState:
        """As :meth:`DeliveryService.submit <legaldelivery.service.DeliveryService.submit>`."""
        now = self._core.now()
        records = self._core.submission(order, consents, court_authorisation, now)
        if records is not None:
            self._core.commit(records, now)
        await self._advance(order.order_id)
        self._wake_runner()
        return self._core.state(order.order_id)

    async def report(self, report: ChannelReport) -> OrderState:
        """As :meth:`DeliveryService.report <legaldelivery.service.DeliveryService.report>`;
        a report that overtakes the logging of its own dispatch waits for it."""
        if isinstance(report, ChannelReport):
            changed = self._condition()
            async with changed:
                await changed.wait_for(
                    lambda: (
                        report.provider_message_id in self._core.messages or self._in_flight == 0
                    )
                )
        order_id, _ = self._core.report_record(report)
        async with self._lock(order_id):
            # Decided again under the lock: a twin of this report may have been logged.
            order_id, record = self._core.report_record(report)
            if record is not None:
                self._core.commit([record], self._core.now())
        await self._advance(order_id)
        self._wake_runner()
        return self._core.state(order_id)

    async def tick(self) -> list[OrderState]:
        """Advance every open order whose time has come, and every served one with
        evidence the rules have not weighed yet; return their states."""
        due = self._core.due(self._core.now())
        for order_id in due:
            await self._advance(order_id)
        return [self._core.state(order_id) for order_id in due]

    async def run(self, stop: asyncio.Event, *, idle: timedelta = timedelta(seconds=30)) -> None:
        """Tick at every wake-up time (at least every ``idle``) until ``stop`` is set.

        A submit or report in between wakes the loop early, since it may bring a wake-up
        time sooner than the one being slept towards.
        """
        poke = self._poke_event()
        while not stop.is_set():
            poke.clear()
            await self.tick()
            wake = self._core.next_wakeup()
            delay = idle if wake is None else min(max(wake - self._core.now(), timedelta(0)), idle)
            waiters = {
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(poke.wait()),
            }
            _, pending = await asyncio.wait(
                waiters, timeout=delay.total_seconds(), return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # -- machinery ----------------------------------------------------------------------

    def _lock(self, order_id: str) -> asyncio.Lock:
        lock = self._locks.get(order_id)
        if lock is None:
            lock = self._locks[order_id] = asyncio.Lock()
        return lock

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    def _poke_event(self) -> asyncio.Event:
        if self._poke is None:
            self._poke = asyncio.Event()
        return self._poke

    def _wake_runner(self) -> None:
        if self._poke is not None:
            self._poke.set()

    async def _advance(self, order_id: str) -> None:
        async with self._lock(order_id):
            while True:
                now = self._core.now()
                commands = self._core.commands(order_id, now)
                if not commands:
                    return
                sends = [c for c in commands if isinstance(c, Send)]
                if sends:
                    await self._send_all(sends)
                    continue
                command = commands[0]
                if isinstance(command, AssessSubmission):
                    record = self._core.assessment(command.order, now)
                else:
                    assert isinstance(command, (FallBack, Conclude, Redetermine))
                    record = command.record
                self._core.commit([record], now)

    async def _send_all(self, sends: list[Send]) -> None:
        self._in_flight += len(sends)
        try:
            outcomes = await asyncio.gather(*(self._send(s) for s in sends))
            now = self._core.now()
            # One at a time: each result is checked against the state the previous made.
            for send, outcome in zip(sends, outcomes, strict=True):
                self._core.commit([self._core.send_result(send, outcome, now)], now)
        finally:
            self._in_flight -= len(sends)
            changed = self._condition()
            async with changed:
                changed.notify_all()

    async def _send(self, send: Send) -> object:
        channel = self._channels.get(send.address.channel)
        if channel is None:
            kind = send.address.channel
            return PermanentChannelError(
                f"no channel is configured for {kind}", reason=reason("no-channel", kind)
            )
        try:
            envelope = self._core.envelope(send, channel.capabilities)
        except ChannelError as exc:
            return exc
        try:
            return await channel.send(envelope)
        except Exception as exc:  # the host's channel: any failure of it is a failed send
            return exc

"""The synchronous delivery service: a thin driver over the pure process.

:class:`DeliveryService` checks a submission against the rules, performs the process's
commands with the host's channels, logs every dispatch and every report, and concludes
with the rules' determination -- all in one evidence log, read back on start so the
service resumes where the log ends.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from legaldelivery.channels.base import (
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
    Action,
    AssessSubmission,
    DeliveryPolicy,
    OrderState,
    Send,
    ServiceRules,
)

__all__ = ["DeliveryService"]


class DeliveryService:
    """Serve orders over the host's channels, recording everything in ``log``.

    ``rules`` is a jurisdiction (``legaldelivery.rules.jurisdiction("CN", on=...)``);
    ``channels`` the host's :class:`~legaldelivery.channels.Channel` objects, one per
    address kind; ``documents(document)`` returns a document's bytes, ``links(document,
    address)`` a retrieval link where a channel cannot carry the file. ``clock`` is the
    only source of time. On construction the log is read back: the state of every order
    is the fold of its records, so a restarted service carries on where the log ends.

    The service is safe to call from several threads: one lock serialises its steps,
    sends included, so a slow provider delays the others (the asyncio driver does not).
    Run one service per log.

    >>> from datetime import date, datetime, timedelta, timezone
    >>> from legaldelivery import EvidenceLog, rules
    >>> from legaldelivery.channels import Behaviour, MemoryChannel
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order, sample_records
    >>> now = datetime(2026, 3, 2, 1, 1, tzinfo=timezone.utc)
    >>> clock = lambda: now
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log",
    ...                          signer=Ed25519Signer.generate("court.example/log"))
    >>> wechat = MemoryChannel("wechat", Behaviour.delivered(arrive_after=timedelta(minutes=2)),
    ...                        clock=clock)
    >>> service = DeliveryService(log, rules.jurisdiction("CN", on=date(2026, 3, 2)), [wechat],
    ...     documents=lambda d: SAMPLE_DOCUMENTS[d.document_id], clock=clock)
    >>> consent = sample_records()[0].consent
    >>> service.submit(sample_order(), consents=[consent]).phase
    <Phase.ACTIVE: 'active'>
    >>> now += timedelta(minutes=5)
    >>> for report in wechat.due(now):
    ...     state = service.report(report)
    >>> state.phase, state.conclusion.time_of_service
    (<Phase.SERVED: 'served'>, datetime.datetime(2026, 3, 2, 1, 3, tzinfo=datetime.timezone.utc))

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        log: EvidenceLog,
        rules: ServiceRules,
        channels: Iterable[Channel],
        *,
        documents: DocumentSource,
        links: LinkSource | None = None,
        clock: Clock | None = None,
        policy: DeliveryPolicy | None = None,
        source: EventSource = SERVICE_SOURCE,
        notice: Callable[[DeliveryOrder], str] = notice_text,
    ) -> None:
        found = list(channels)
        for i, channel in enumerate(found):
            if not isinstance(channel, Channel):
                raise InputError(
                    "expected a Channel", path=f"channels[{i}]", got=type(channel).__name__
                )
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
        self._lock = threading.RLock()

    # -- reading ----------------------------------------------------------------------

    @property
    def orders(self) -> Mapping[str, OrderState]:
        """Every order of the log and its state (a read-only view)."""
        return MappingProxyType(self._core.states)

    def state(self, order_id: str) -> OrderState:
        """The state of order ``order_id``; InputError when the log has no such order."""
        return self._core.state(order_id)

    def next_wakeup(self) -> datetime | None:
        """When an open order next needs :meth:`tick`, or None when none waits for time."""
        return self._core.next_wakeup()

    # -- consent ----------------------------------------------------------------------

    def record_consent(self, consent: Consent) -> None:
        """Log a ConsentRecorded for ``consent`` (nothing if the same one is recorded)."""
        with self._lock:
            now = self._core.now()
            records = self._core.consent_records([consent], now)
            if records:
                self._core.commit(records, now)

    def revoke_consent(self, consent_id: str, *, revoked_at: datetime | None = None) -> None:
        """Log a ConsentRevoked: ``consent_id`` no longer covers service from ``revoked_at``
        (default: now; never earlier than now, as revocation is not retroactive)."""
        with self._lock:
            now = self._core.now()
            self._core.commit([self._core.revocation(consent_id, revoked_at, now)], now)

    # -- the process --------------------------------------------------------------------

    def submit(
        self,
        order: DeliveryOrder,
        *,
        consents: Iterable[Consent] = (),
        court_authorisation: str | None = None,
    ) -> OrderState:
        """Check ``order`` against the rules, log it with its acceptance or rejection, and
        start serving it; return its state.

        ``consents`` are recorded first (those not yet in the log); every consent of the
        recipient in the log counts. ``court_authorisation`` names the court's order that
        allows a channel the rules leave to the court (``needs_court_order``). Submitting
        the same order again changes nothing; another order with its id is an InputError.
        """
        with self._lock:
            now = self._core.now()
            records = self._core.submission(order, consents, court_authorisation, now)
            if records is not None:
                self._core.commit(records, now)
            self._advance(order.order_id)
            return self._core.state(order.order_id)

    def report(self, report: ChannelReport) -> OrderState:
        """Log a provider's report as evidence and advance its order; return its state.

        The same report (same report id, or same payload when the provider gives no id)
        is logged once: a repeat changes nothing. A report about a message never
        dispatched, or dated before its dispatch, is an InputError.
        """
        with self._lock:
            order_id, record = self._core.report_record(report)
            if record is not None:
                self._core.commit([record], self._core.now())
            self._advance(order_id)
            return self._core.state(order_id)

    def tick(self) -> list[OrderState]:
        """Advance every open order whose time has come (retries, timeouts, fallbacks), and
        every served order with evidence the rules have not weighed yet (logged before a
        restart, or dated ahead of the clock); return the states of those looked at. Call
        it at :meth:`next_wakeup`."""
        with self._lock:
            due = self._core.due(self._core.now())
            for order_id in due:
                self._advance(order_id)
            return [self._core.state(order_id) for order_id in due]

    def _advance(self, order_id: str) -> None:
        while True:
            now = self._core.now()
            commands = self._core.commands(order_id, now)
            if not commands:
                return
            self._perform(commands[0], now)

    def _perform(self, command: Action, now: datetime) -> None:
        if isinstance(command, AssessSubmission):
            record = self._core.assessment(command.order, now)
        elif isinstance(command, Send):
            outcome = self._send(command)
            now = self._core.now()
            record = self._core.send_result(command, outcome, now)
        else:
            record = command.record
        self._core.commit([record], now)

    def _send(self, send: Send) -> object:
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
            dispatch: object = channel.send(envelope)
        except Exception as exc:  # the host's channel: any failure of it is a failed send
            return exc
        return dispatch

"""What the sync and asyncio drivers share: the log, the states folded from it, consents,
the index of provider message ids, and turning commands and reports into records.

Everything here runs between channel calls; only the drivers call channels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import attrs

from legaldelivery import codec
from legaldelivery.channels.base import (
    Arrived,
    Attachment,
    ChannelCapabilities,
    ChannelError,
    ChannelReport,
    Content,
    Dispatch,
    Envelope,
    Filed,
    PermanentChannelError,
    Read,
    Replied,
    RetrievalLink,
    TransientChannelError,
    reason,
)
from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.instants import to_utc
from legaldelivery.log.evidencelog import Clock, EvidenceLog, system_clock
from legaldelivery.records import (
    Consent,
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    Document,
    EventSource,
    EvidenceGrade,
    Sealed,
    SourceKind,
)
from legaldelivery.service.evidence import (
    assess_submission,
    dispatch_record,
    evidence_for,
    send_failure_record,
)
from legaldelivery.service.process import (
    Action,
    CheckAt,
    DeliveryPolicy,
    OrderState,
    Phase,
    Send,
    ServiceRules,
    apply,
    decide,
)

_T = TypeVar("_T")

DocumentSource = Callable[[Document], bytes]
"""Where the driver reads a document's bytes: called with the document, returns its bytes."""

LinkSource = Callable[[Document, Any], "str | None"]
"""Where the driver gets a retrieval link for a document and an address (or None)."""

_GRADE_OF: dict[type[ChannelReport], EvidenceGrade] = {
    Arrived: EvidenceGrade.ARRIVAL,
    Read: EvidenceGrade.SYSTEM_READ,
    Replied: EvidenceGrade.HUMAN_ACTION,
    Filed: EvidenceGrade.HUMAN_ACTION,
}


@attrs.frozen
class ChannelInfo:
    """What the core needs to know of a channel, sync or async alike."""

    kind: str
    source_id: str
    capabilities: ChannelCapabilities


def _fold_into(states: dict[str, OrderState], record: object) -> None:
    """Apply one record to the state of the order it concerns; an order starts its own."""
    if isinstance(record, DeliveryOrder) and record.order_id not in states:
        states[record.order_id] = OrderState.initial(record.order_id)
    order_id = getattr(record, "order_id", None)
    if isinstance(order_id, str) and order_id in states:
        states[order_id] = apply(states[order_id], record)


class ServiceCore:
    """The state of every order in one log, and the steps both drivers take."""

    def __init__(
        self,
        log: EvidenceLog,
        rules: ServiceRules,
        channels: Iterable[ChannelInfo],
        *,
        documents: DocumentSource,
        links: LinkSource | None,
        clock: Clock | None,
        policy: DeliveryPolicy | None,
        source: EventSource,
        notice: Callable[[DeliveryOrder], str],
    ) -> None:
        if not isinstance(log, EvidenceLog):
            raise InputError("expected an EvidenceLog", path="log", got=type(log).__name__)
        if log.signer is None:
            raise InputError("the log is read-only: open it with signer= to serve", path="log")
        for name, value in (("documents", documents), ("notice", notice)):
            if not callable(value):
                raise InputError("expected a callable", path=name, got=type(value).__name__)
        if links is not None and not callable(links):
            raise InputError("expected a callable or None", path="links", got=type(links).__name__)
        if not isinstance(source, EventSource):
            raise InputError("expected an EventSource", path="source", got=type(source).__name__)
        self.log = log
        self.rules = rules
        self.policy = policy or DeliveryPolicy()
        if not isinstance(self.policy, DeliveryPolicy):
            raise InputError("expected a DeliveryPolicy", path="policy", got=type(policy).__name__)
        self.source = source
        self.clock: Clock = clock or system_clock
        self.documents = documents
        self.links = links
        self.notice = notice
        self.channels: dict[str, ChannelInfo] = {}
        for info in channels:
            if info.kind in self.channels:
                raise InputError("two channels serve this kind", path="channels", got=info.kind)
            self.channels[info.kind] = info
        self.states: dict[str, OrderState] = {}
        self.consents: dict[str, Consent] = {}
        self.messages: dict[str, str] = {}
        self.wake: dict[str, datetime | None] = {}
        self.judged: dict[str, int] = {}
        """How many records of each concluded order the process last decided on."""
        self._replay()

    # -- the log ---------------------------------------------------------------------

    def _replay(self) -> None:
        """Fold every record of the log: the states are exactly what the log says."""
        for entry in self.log.entries():
            record = codec.decode(entry.record)
            if isinstance(record, (ConsentRecorded, ConsentRevoked)):
                self._absorb_consent(record)
            try:
                _fold_into(self.states, record)
            except InputError as exc:
                raise exc.within(f"entry {entry.seq}") from exc
        for state in self.states.values():
            self._index(state)
        # No wake-up time yet: every open order is looked at on the first tick, and every
        # served one, in case evidence came that its determination did not weigh.
        self.wake = dict.fromkeys(self.states)
        self.judged = {}

    def _index(self, state: OrderState) -> None:
        for m in state.messages:
            self.messages.setdefault(m.message_id, state.order_id)

    def now(self) -> datetime:
        """The injected clock's time, checked."""
        return to_utc(self.clock(), path="clock()")

    def commit(self, records: list[object], now: datetime) -> None:
        """Check the records against the states, then log them as one batch and apply."""
        states = dict(self.states)
        for record in records:
            _fold_into(states, record)
        self.log.append_many(records, time=now)
        for record in records:
            if isinstance(record, (ConsentRecorded, ConsentRevoked)):
                self._absorb_consent(record)
        for order_id, state in states.items():
            if self.states.get(order_id) is not state:
                if order_id not in self.states:
                    self.wake[order_id] = None
                self.states[order_id] = state
                self._index(state)

    def _absorb_consent(self, record: ConsentRecorded | ConsentRevoked) -> None:
        if isinstance(record, ConsentRecorded):
            self.consents[record.consent.consent_id] = record.consent
            return
        known = self.consents.get(record.consent_id)
        if known is not None and known.revoked_at is None:
            self.consents[record.consent_id] = known.revoke(record.revoked_at)

    # -- submissions -----------------------------------------------------------------

    def state(self, order_id: str) -> OrderState:
        """The state of a known order."""
        state = self.states.get(order_id)
        if state is None:
            raise InputError("no such order in this log", path="order_id", got=order_id)
        return state

    def consent_records(self, consents: Iterable[Consent], now: datetime) -> list[object]:
        """ConsentRecorded records for the consents not logged yet (known ones must match)."""
        records: list[object] = []
        for i, consent in enumerate(consents):
            if not isinstance(consent, Consent):
                raise InputError(
                    "expected a Consent", path=f"consents[{i}]", got=type(consent).__name__
                )
            known = self.consents.get(consent.consent_id)
            if known == consent:
                continue
            if known is not None:
                raise InputError(
                    "a different consent with this id is already recorded",
                    path=f"consents[{i}].consent_id",
                    got=consent.consent_id,
                )
            records.append(
                ConsentRecorded(
                    event_id=f"consent-recorded/{consent.consent_id}",
                    event_time=now,
                    source=self.source,
                    consent=consent,
                )
            )
        return records

    def revocation(
        self, consent_id: str, revoked_at: datetime | None, now: datetime
    ) -> ConsentRevoked:
        """The ConsentRevoked record of a recorded consent still in force."""
        known = self.consents.get(consent_id)
        if known is None or known.revoked_at is not None:
            what = "is not recorded" if known is None else "is already revoked"
            raise InputError(f"the consent {what}", path="consent_id", got=consent_id)
        return ConsentRevoked(
            event_id=f"consent-revoked/{consent_id}",
            event_time=now,
            source=self.source,
            consent_id=consent_id,
            party_id=known.party_id,
            revoked_at=revoked_at or now,
        )

    def submission(
        self,
        order: DeliveryOrder,
        consents: Iterable[Consent],
        court_authorisation: str | None,
        now: datetime,
    ) -> list[object] | None:
        """The records that submit ``order``; None when this very order is already logged."""
        if not isinstance(order, DeliveryOrder):
            raise InputError("expected a DeliveryOrder", path="order", got=type(order).__name__)
        known = self.states.get(order.order_id)
        if known is not None:
            if known.order != order:
                raise InputError(
                    "another order with this id is already logged",
                    path="order.order_id",
                    got=order.order_id,
                )
            return None
        for i, address in enumerate(order.channels):
            if address.channel not in self.channels:
                raise InputError(
                    "no channel is configured for this kind",
                    path=f"order.channels[{i}].channel",
                    got=address.channel,
                )
            if isinstance(address.handle, Sealed):
                raise InputError(
                    "a sealed handle cannot be sent to", path=f"order.channels[{i}].handle"
                )
        records = self.consent_records(consents, now)
        given = [r.consent for r in records if isinstance(r, ConsentRecorded)]
        recipient = order.recipient.party_id
        in_force = [c for c in self.consents.values() if c.party_id == recipient]
        decision = assess_submission(
            order,
            self.rules,
            [*in_force, *given],
            at=now,
            source=self.source,
            court_authorisation=court_authorisation,
        )
        return [*records, order, decision]

    def assessment(self, order: DeliveryOrder, now: datetime) -> object:
        """The acceptance or rejection of an order logged without one (after a crash)."""
        recipient = order.recipient.party_id
        consents = [c for c in self.consents.values() if c.party_id == recipient]
        return assess_submission(order, self.rules, consents, at=now, source=self.source)

    # -- the process -----------------------------------------------------------------

    def commands(self, order_id: str, now: datetime) -> list[Action]:
        """What to do now for the order (its next wake-up time is noted)."""
        decided = decide(
            self.states[order_id], now=now, rules=self.rules, policy=self.policy, source=self.source
        )
        self.wake[order_id] = None
        state = self.states[order_id]
        if state.concluded:
            self.judged[order_id] = len(state.records)
        found = []
        for command in decided:
            if isinstance(command, CheckAt):
                self.wake[order_id] = command.at
            else:
                found.append(command)
        return found

    def due(self, now: datetime) -> list[str]:
        """The orders whose wake-up time has come (or was never computed): open ones, and
        served ones with records the process has not decided on since they came (late
        evidence the rules may weigh differently, FRCP 5(b)(2)(E))."""
        due = []
        for order_id, when in self.wake.items():
            state = self.states[order_id]
            if state.concluded:
                if state.phase is not Phase.SERVED:
                    continue
                unseen = len(state.records) > self.judged.get(order_id, 0)
                if unseen or (when is not None and when <= now):
                    due.append(order_id)
                continue
            if when is None or when <= now:
                due.append(order_id)
        return due

    def next_wakeup(self) -> datetime | None:
        """The earliest time an order needs attention again: an open one, or a served one
        waiting for late evidence dated ahead of the clock."""
        times = [
            t
            for order_id, t in self.wake.items()
            if t is not None
            and (not self.states[order_id].concluded or self.states[order_id].phase is Phase.SERVED)
        ]
        return min(times, default=None)

    def envelope(self, send: Send, capabilities: ChannelCapabilities) -> Envelope:
        """The envelope for a send; PermanentChannelError when the content cannot go."""
        state = self.states[send.order_id]
        order = state.order
        assert order is not None
        plan = capabilities.plan(order.documents, links_available=self.links is not None)
        contents: list[Content] = []
        for doc, attach in zip(order.documents, plan, strict=True):
            if attach:
                data = _ask(self.documents, f"documents({doc.document_id})", doc)
                try:
                    contents.append(Attachment(document=doc, data=data))
                except InputError as exc:
                    raise exc.within(f"documents({doc.document_id})") from exc
                continue
            assert self.links is not None
            url = _ask(self.links, f"links({doc.document_id})", doc, send.address)
            if url is None:
                raise PermanentChannelError(
                    f"no retrieval link for document {doc.document_id}",
                    reason=reason("content-not-deliverable", f"document {doc.document_id}"),
                )
            try:
                contents.append(RetrievalLink(document=doc, url=url))
            except InputError as exc:
                raise exc.within(f"links({doc.document_id})") from exc
        return Envelope(
            envelope_id=send.event_id,
            order=order,
            address=send.address,
            contents=contents,
            notice=_ask(self.notice, "notice(order)", order),
            attempt=send.attempt,
        )

    def send_result(self, send: Send, outcome: object, now: datetime) -> object:
        """The record of a send: its dispatch, or its failure (a channel's bug is one)."""
        state = self.states[send.order_id]
        if isinstance(outcome, Dispatch):
            owner = self.messages.get(outcome.provider_message_id)
            if owner is not None:
                raise InputError(
                    f"the channel reused the provider message id of order {owner}",
                    path="dispatch.provider_message_id",
                    got=outcome.provider_message_id,
                )
            return dispatch_record(state, send, outcome, source=self.source)
        if isinstance(outcome, ChannelError):
            error = outcome
        elif isinstance(outcome, BaseException):
            error = _fault(type(outcome).__name__)
        else:
            error = _fault(f"a {type(outcome).__name__}, not a Dispatch")
        return send_failure_record(state, send, error, at=now, source=self.source)

    def report_record(self, report: ChannelReport) -> tuple[str, object | None]:
        """The order a report concerns and its record; None for a report already logged."""
        if not isinstance(report, ChannelReport):
            raise InputError("expected a ChannelReport", path="report", got=type(report).__name__)
        order_id = self.messages.get(report.provider_message_id)
        if order_id is None:
            raise InputError(
                "no message with this provider id was dispatched",
                path="report.provider_message_id",
                got=report.provider_message_id,
            )
        state = self.states[order_id]
        message = state.message(report.provider_message_id)
        assert message is not None
        kind = state.channels[message.channel_index].address.channel
        info = self.channels.get(kind)
        grade = _GRADE_OF.get(type(report))
        if info is not None and grade is not None and grade not in info.capabilities.evidence:
            raise InputError(
                f"the {kind} channel declares no {grade.value} evidence",
                path="report",
                got=type(report).__name__,
            )
        source = EventSource(
            kind=SourceKind.PROVIDER, source_id=info.source_id if info is not None else kind
        )
        record = evidence_for(state, report, source=source)
        if record.event_id in state.event_ids:
            return order_id, None
        return order_id, record


def _ask(source: Callable[..., _T], path: str, *args: Any) -> _T:
    """Call one of the host's functions; its own failure becomes an InputError naming it
    and the exception's type (its message is left out: it may hold anything)."""
    try:
        return source(*args)
    except LegalDeliveryError:
        raise
    except Exception as exc:  # the host's code: any failure of it is bad input to us
        raise InputError(f"the host's function failed: {type(exc).__name__}", path=path) from exc


def _fault(what: str) -> ChannelError:
    """A channel broke its contract (raised something else, returned something else): a
    transient fault, named by type only -- an exception's message may hold anything,
    credentials included."""
    return TransientChannelError(
        f"the channel failed: {what}", reason=reason("channel-fault", what)
    )

"""The service of one order as a pure state machine: logged records in, commands out.

The state of an order is a fold of its records (:func:`fold`, :func:`apply`), so replaying
the log reproduces it exactly; every change of phase is a row of :data:`TRANSITIONS`. What
to do next is a function of that state and the time (:func:`decide`): send over an
address, check again at a time, fall back to the next address, conclude, and determine
again when evidence that comes after service changes the rules' answer. Nothing here does
I/O or reads a clock; a driver performs the commands, logs what happened and feeds the
records back.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import attrs

from legaldelivery.channels.base import (
    PERMANENT_FAILURE,
    TRANSIENT_FAILURE,
    reason,
)
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.records import (
    Address,
    ChannelKind,
    Consent,
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    DocumentKind,
    EventKind,
    EventSource,
    EvidenceEvent,
    Fallback,
    FallbackMethod,
    InboundFiling,
    Party,
    ReasonCode,
    RecipientReply,
    ServiceDetermination,
    SourceKind,
    _checks,
)
from legaldelivery.rules.base import Decision, NotModelledError, Outcome

__all__ = [
    "SERVICE_SOURCE",
    "TRANSITIONS",
    "Action",
    "AssessSubmission",
    "ChannelPhase",
    "ChannelState",
    "CheckAt",
    "Command",
    "Conclude",
    "DeliveryPolicy",
    "FallBack",
    "Message",
    "OrderState",
    "Phase",
    "Redetermine",
    "Send",
    "ServiceRules",
    "Trigger",
    "apply",
    "decide",
    "fold",
    "response_periods",
]

SERVICE_SOURCE = EventSource(kind=SourceKind.COURT_SYSTEM, source_id="legaldelivery.service")
"""The default issuer of the records the process decides (acceptance, fallback, dispatch)."""


class ServiceRules(Protocol):
    """What the process asks of a jurisdiction's rules (``rules.jurisdiction(...)`` fits).

    .. versionadded:: 0.1.0
    """

    @property
    def rule_set(self) -> str:
        """The rule set version, e.g. ``cn-cpl/2024-01-01``."""

    @property
    def time_zone(self) -> str:
        """The IANA zone of the court's calendar."""

    def consent_decision(
        self,
        *,
        document_kind: DocumentKind,
        target: Address | str,
        recipient: Party,
        consents: Iterable[Consent],
        at: datetime,
    ) -> Decision:
        """May the document kind be served on the recipient at this address?"""

    def channel_decision(
        self,
        *,
        recipient_country: str,
        channel: str,
        document_kind: DocumentKind,
        address_known: bool,
        on: date,
    ) -> Decision:
        """Is the channel legal for a recipient in that country?"""

    def time_of_service(
        self,
        order: DeliveryOrder,
        events: Iterable[object],
        *,
        at: datetime,
        determination_id: str,
        deadlines: Sequence[str] = (),
    ) -> ServiceDetermination:
        """When did service take effect, from the evidence known at ``at``?"""


# -- phases and the transition table ----------------------------------------------------


class Phase(Enum):
    """Where the service of an order stands.

    .. versionadded:: 0.1.0
    """

    NEW = "new"
    """Nothing logged yet."""
    SUBMITTED = "submitted"
    """The order is logged; acceptance or rejection is pending."""
    ACTIVE = "active"
    """Accepted: addresses are being tried."""
    REJECTED = "rejected"
    """Concluded: the rules do not allow this service (no consent, illegal channel)."""
    SERVED = "served"
    """Concluded: the rules determined a time of service. Evidence that comes after is put
    to the rules again; a determination that supersedes the current one may reopen the
    order (back to :attr:`ACTIVE`)."""
    ESCALATED = "escalated"
    """Concluded: every electronic address failed; postal service or public notice is needed."""

    @property
    def concluded(self) -> bool:
        """Whether the phase is a conclusion (nothing is sent any more)."""
        return self in (Phase.REJECTED, Phase.SERVED, Phase.ESCALATED)


class ChannelPhase(Enum):
    """Where one address of an order stands.

    .. versionadded:: 0.1.0
    """

    IDLE = "idle"
    """Not tried yet."""
    SELECTED = "selected"
    """Chosen by a fallback; to be sent to."""
    IN_FLIGHT = "in_flight"
    """The provider took the message; waiting for evidence."""
    RETRY_WAIT = "retry_wait"
    """A transient failure: to be sent again after a backoff."""
    FAILED = "failed"
    """A permanent failure."""
    ABANDONED = "abandoned"
    """Service moved on from this address (a logged fallback)."""


class Trigger(Enum):
    """What a record means to the process; :func:`apply` classifies each record.

    .. versionadded:: 0.1.0
    """

    ORDER = "order"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SELECTED = "selected"
    DISPATCHED = "dispatched"
    TRANSIENT_FAILURE = "transient_failure"
    PERMANENT_FAILURE = "permanent_failure"
    RECEIPT = "receipt"
    """Evidence of receipt: arrival, read, reply, filing."""
    ABANDONED = "abandoned"
    SERVED = "served"
    """A determination with a time of service: the first, or one superseding the current."""
    REOPENED = "reopened"
    """A determination superseding the current one finds no effective service (FRCP
    5(b)(2)(E): the sender learned that it did not reach the person)."""
    ESCALATED = "escalated"
    NOTED = "noted"
    """Kept with the order, changes nothing (consent records, stale failures, interim
    determinations that supersede nothing)."""


_P, _C, _T = Phase, ChannelPhase, Trigger
Key = tuple[Phase, ChannelPhase | None, Trigger]


def _table() -> dict[Key, tuple[Phase, ChannelPhase | None]]:
    rows: dict[Key, tuple[Phase, ChannelPhase | None]] = {
        # The order. Channel None: the trigger concerns the order, or no address of it.
        (_P.NEW, None, _T.ORDER): (_P.SUBMITTED, None),
        (_P.SUBMITTED, None, _T.ACCEPTED): (_P.ACTIVE, None),
        (_P.SUBMITTED, None, _T.REJECTED): (_P.REJECTED, None),
        (_P.ACTIVE, None, _T.SERVED): (_P.SERVED, None),
        (_P.ACTIVE, None, _T.ESCALATED): (_P.ESCALATED, None),
        (_P.ACTIVE, None, _T.RECEIPT): (_P.ACTIVE, None),
        # One address of an active order.
        (_P.ACTIVE, _C.IDLE, _T.SELECTED): (_P.ACTIVE, _C.SELECTED),
        (_P.ACTIVE, _C.IDLE, _T.DISPATCHED): (_P.ACTIVE, _C.IN_FLIGHT),
        (_P.ACTIVE, _C.IDLE, _T.TRANSIENT_FAILURE): (_P.ACTIVE, _C.RETRY_WAIT),
        (_P.ACTIVE, _C.IDLE, _T.PERMANENT_FAILURE): (_P.ACTIVE, _C.FAILED),
        (_P.ACTIVE, _C.SELECTED, _T.DISPATCHED): (_P.ACTIVE, _C.IN_FLIGHT),
        (_P.ACTIVE, _C.SELECTED, _T.TRANSIENT_FAILURE): (_P.ACTIVE, _C.RETRY_WAIT),
        (_P.ACTIVE, _C.SELECTED, _T.PERMANENT_FAILURE): (_P.ACTIVE, _C.FAILED),
        (_P.ACTIVE, _C.IN_FLIGHT, _T.RECEIPT): (_P.ACTIVE, _C.IN_FLIGHT),
        (_P.ACTIVE, _C.IN_FLIGHT, _T.TRANSIENT_FAILURE): (_P.ACTIVE, _C.RETRY_WAIT),
        (_P.ACTIVE, _C.IN_FLIGHT, _T.PERMANENT_FAILURE): (_P.ACTIVE, _C.FAILED),
        (_P.ACTIVE, _C.IN_FLIGHT, _T.ABANDONED): (_P.ACTIVE, _C.ABANDONED),
        (_P.ACTIVE, _C.RETRY_WAIT, _T.DISPATCHED): (_P.ACTIVE, _C.IN_FLIGHT),
        # The provider delivered an earlier attempt after all: no need to send again.
        (_P.ACTIVE, _C.RETRY_WAIT, _T.RECEIPT): (_P.ACTIVE, _C.IN_FLIGHT),
        (_P.ACTIVE, _C.RETRY_WAIT, _T.TRANSIENT_FAILURE): (_P.ACTIVE, _C.RETRY_WAIT),
        (_P.ACTIVE, _C.RETRY_WAIT, _T.PERMANENT_FAILURE): (_P.ACTIVE, _C.FAILED),
        (_P.ACTIVE, _C.RETRY_WAIT, _T.ABANDONED): (_P.ACTIVE, _C.ABANDONED),
        # Evidence that comes after a failure is kept; the address stays given up.
        (_P.ACTIVE, _C.FAILED, _T.RECEIPT): (_P.ACTIVE, _C.FAILED),
        (_P.ACTIVE, _C.FAILED, _T.TRANSIENT_FAILURE): (_P.ACTIVE, _C.FAILED),
        (_P.ACTIVE, _C.FAILED, _T.PERMANENT_FAILURE): (_P.ACTIVE, _C.FAILED),
        (_P.ACTIVE, _C.FAILED, _T.ABANDONED): (_P.ACTIVE, _C.ABANDONED),
        (_P.ACTIVE, _C.ABANDONED, _T.RECEIPT): (_P.ACTIVE, _C.ABANDONED),
        (_P.ACTIVE, _C.ABANDONED, _T.TRANSIENT_FAILURE): (_P.ACTIVE, _C.ABANDONED),
        (_P.ACTIVE, _C.ABANDONED, _T.PERMANENT_FAILURE): (_P.ACTIVE, _C.ABANDONED),
    }
    # After the conclusion, late evidence is still recorded. When served, it moves the
    # address as it would while active (a bounce fails it): should the rules, asked again,
    # find no effective service, the reopened order carries on from what really happened.
    # Evidence about an address never sent to moves nothing (no message of it can fail).
    sent = (_C.IN_FLIGHT, _C.RETRY_WAIT, _C.FAILED, _C.ABANDONED)
    for phase in (_P.SERVED, _P.ESCALATED):
        rows[(phase, None, _T.RECEIPT)] = (phase, None)
        for channel in ChannelPhase:
            for trigger in (_T.RECEIPT, _T.TRANSIENT_FAILURE, _T.PERMANENT_FAILURE):
                moved = rows[(_P.ACTIVE, channel, trigger)] if channel in sent else None
                after = moved[1] if moved is not None and phase is _P.SERVED else channel
                rows[(phase, channel, trigger)] = (phase, after)
    # Only a determination that supersedes the current one leaves SERVED, and only back to
    # ACTIVE; one that finds another time of service keeps the order served.
    rows[(_P.SERVED, None, _T.SERVED)] = (_P.SERVED, None)
    rows[(_P.SERVED, None, _T.REOPENED)] = (_P.ACTIVE, None)
    for phase in (_P.SUBMITTED, _P.ACTIVE, _P.REJECTED, _P.SERVED, _P.ESCALATED):
        rows[(phase, None, _T.NOTED)] = (phase, None)
    return rows


TRANSITIONS: Mapping[Key, tuple[Phase, ChannelPhase | None]] = _table()
"""Every transition of the process: ``(order phase, address phase or None, trigger)`` to
``(order phase, address phase or None)``. A record whose key is missing cannot happen in
that state, and :func:`apply` rejects it."""


# -- the state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Message:
    """A message the provider took: its id, the address, when, and the dispatch event.

    .. versionadded:: 0.1.0
    """

    message_id: str
    channel_index: int
    dispatched_at: datetime
    event_id: str


@attrs.frozen(kw_only=True)
class ChannelState:
    """One address of the order and what its records say about it.

    .. versionadded:: 0.1.0
    """

    index: int
    """Its position in ``order.channels``."""
    address: Address
    phase: ChannelPhase = ChannelPhase.IDLE
    attempts: int = 0
    """Sends tried (accepted or not)."""
    current_message_id: str | None = None
    """The message of the latest accepted send."""
    first_dispatch_at: datetime | None = None
    last_dispatch_at: datetime | None = None
    last_failure_at: datetime | None = None
    evidence_at: datetime | None = None
    """The earliest evidence of receipt through this address."""
    last_event_id: str | None = None
    """The latest dispatch or failure: what a fallback from here is triggered by."""
    last_reason: ReasonCode | None = None
    """Why it failed last, if it did."""


_ORDER_KEY = "delivery order"  # not an identifier (it has a space): never an event id


@attrs.frozen(kw_only=True)
class OrderState:
    """The service of one order, as its records tell it. Build it with :func:`fold`.

    .. versionadded:: 0.1.0
    """

    order_id: str
    phase: Phase = Phase.NEW
    order: DeliveryOrder | None = None
    channels: tuple[ChannelState, ...] = ()
    messages: tuple[Message, ...] = ()
    records: tuple[object, ...] = ()
    """Every record applied, in order (duplicates once)."""
    event_ids: frozenset[str] = frozenset()
    accepted_at: datetime | None = None
    first_dispatch: datetime | None = None
    conclusion: object | None = None
    """The current conclusion: the rejection, the determination or the escalation; None
    while the order is open (also after a determination superseding it reopened it)."""
    late: tuple[str, ...] = ()
    """Event ids of the evidence recorded after a conclusion, for the court's review."""
    determinations: tuple[str, ...] = ()
    """Event ids of the determinations that concluded or superseded, oldest first: each
    supersedes the one before, the last is the current one. Interim determinations (no
    time of service, superseding nothing) are not among them."""

    @classmethod
    def initial(cls, order_id: str) -> OrderState:
        """The state before any record."""
        _checks.identifier()(order_id, "order_id")
        return cls(order_id=order_id)

    @property
    def concluded(self) -> bool:
        """Whether the order has concluded."""
        return self.phase.concluded

    @property
    def determination(self) -> str | None:
        """The event id of the current determination, or None before the first."""
        return self.determinations[-1] if self.determinations else None

    def message(self, message_id: str) -> Message | None:
        """The message with this provider id, or None."""
        for m in self.messages:
            if m.message_id == message_id:
                return m
        return None

    def record(self, event_id: str) -> object | None:
        """The record applied with this event id, or None."""
        for r in self.records:
            if _key_of(r) == event_id:
                return r
        return None

    def channel_of(self, address: Address | None) -> ChannelState | None:
        """The state of the order's address with that destination, or None."""
        if address is None:
            return None
        for ch in self.channels:
            if ch.address.destination == address.destination:
                return ch
        return None


def _key_of(record: object) -> str:
    if isinstance(record, DeliveryOrder):
        return _ORDER_KEY
    event_id = getattr(record, "event_id", None)
    if not isinstance(event_id, str):
        raise InputError("expected a record of the service process", got=type(record).__name__)
    return event_id


def _event_id(order_id: str, *parts: str) -> str:
    """A deterministic event id, readable while it fits an identifier."""
    text = "/".join((order_id, *parts))
    if len(text) <= _checks.ID_MAX:
        return text
    return "ev-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:48]


# -- the fold -----------------------------------------------------------------------------

_FAILURE_KINDS = frozenset(
    {
        EventKind.RELAY_TO_NON_ERDS_FAILURE,
        EventKind.RELAY_FAILURE,
        EventKind.RELAY_REJECTION,
        EventKind.CONTENT_CONSIGNMENT_FAILURE,
        EventKind.CONSIGNMENT_NOTIFICATION_FAILURE,
        EventKind.CONTENT_HANDOVER_FAILURE,
    }
)


def fold(order_id: str, records: Iterable[object]) -> OrderState:
    """The state of order ``order_id`` after ``records`` (a whole log's may be given).

    Records of other orders, and records of no order, are passed over.

    >>> from legaldelivery.testing.fakes import sample_records
    >>> state = fold("order-2026-0001", sample_records()[:3])
    >>> state.phase, state.channels[0].phase
    (<Phase.ACTIVE: 'active'>, <ChannelPhase.IDLE: 'idle'>)

    .. versionadded:: 0.1.0
    """
    state = OrderState.initial(order_id)
    for i, record in enumerate(records):
        if _order_id_of(record) != order_id:
            continue
        try:
            state = apply(state, record)
        except InputError as exc:
            raise exc.within(f"records[{i}]") from exc
    return state


def _order_id_of(record: object) -> str | None:
    if isinstance(record, DeliveryOrder):
        return record.order_id
    value = getattr(record, "order_id", None)
    return value if isinstance(value, str) else None


def apply(state: OrderState, record: object) -> OrderState:
    """The state after one more record; the same state for a record already applied.

    Raises :class:`InputError` for a record of another order, a record that cannot come
    in this state (see :data:`TRANSITIONS`), or a record whose event id was applied with
    different content.

    .. versionadded:: 0.1.0
    """
    key = _key_of(record)
    if _order_id_of(record) != state.order_id:
        raise InputError(
            f"expected a record of order {state.order_id!r}",
            path="order_id",
            got=_order_id_of(record),
        )
    if key in state.event_ids:
        if state.record(key) != record:
            if isinstance(record, DeliveryOrder):
                raise InputError(
                    "another order with this id was already applied",
                    path="order_id",
                    got=record.order_id,
                )
            raise InputError(
                "another record with this event id was already applied", path="event_id", got=key
            )
        return state
    phase = state.phase
    channels = list(state.channels)
    changes: dict[str, Any] = {}
    late = phase.concluded
    for index, trigger in _triggers(state, record):
        current = None if index is None else channels[index].phase
        target = TRANSITIONS.get((phase, current, trigger))
        if target is None:
            where = "" if current is None else f" at address {index} ({current.value})"
            raise InputError(
                f"a {type(record).__name__} ({trigger.value}) cannot come when the order is "
                f"{phase.value}{where}",
                path="record",
                got=key,
            )
        phase = target[0]
        if index is not None:
            assert target[1] is not None
            channels[index] = _channel_effect(
                attrs.evolve(channels[index], phase=target[1]), trigger, record
            )
    if isinstance(record, DeliveryOrder):
        channels = [ChannelState(index=i, address=a) for i, a in enumerate(record.channels)]
        changes["order"] = record
    changes.update(_order_effect(state, record, phase))
    if late and not isinstance(record, (ServiceDetermination, ConsentRecorded, ConsentRevoked)):
        changes["late"] = (*state.late, key)
    return attrs.evolve(
        state,
        phase=phase,
        channels=tuple(channels),
        records=(*state.records, record),
        event_ids=state.event_ids | {key},
        **changes,
    )


def _order_effect(state: OrderState, record: object, phase: Phase) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if phase.concluded and not state.phase.concluded:
        changes["conclusion"] = record
    if isinstance(record, ServiceDetermination) and (
        record.time_of_service is not None or record.supersedes is not None
    ):
        changes["determinations"] = (*state.determinations, record.event_id)
        changes["conclusion"] = record if phase.concluded else None
    if isinstance(record, EvidenceEvent):
        if record.kind is EventKind.SUBMISSION_ACCEPTANCE:
            changes["accepted_at"] = record.event_time
        elif (
            record.kind is EventKind.RELAY_TO_NON_ERDS
            and record.source.kind is SourceKind.COURT_SYSTEM
        ):
            ch = state.channel_of(record.address)
            assert ch is not None
            if record.provider_message_id is not None:
                message = Message(
                    message_id=record.provider_message_id,
                    channel_index=ch.index,
                    dispatched_at=record.event_time,
                    event_id=record.event_id,
                )
                changes["messages"] = (*state.messages, message)
            first = state.first_dispatch
            changes["first_dispatch"] = (
                record.event_time if first is None else min(first, record.event_time)
            )
    return changes


def _channel_effect(ch: ChannelState, trigger: Trigger, record: Any) -> ChannelState:
    when: datetime = record.event_time
    if trigger is Trigger.DISPATCHED:
        return attrs.evolve(
            ch,
            attempts=ch.attempts + 1,
            current_message_id=record.provider_message_id,
            first_dispatch_at=when if ch.first_dispatch_at is None else ch.first_dispatch_at,
            last_dispatch_at=when,
            last_event_id=record.event_id,
        )
    if trigger in (Trigger.TRANSIENT_FAILURE, Trigger.PERMANENT_FAILURE):
        # A send that failed at our end counts as an attempt; a provider's report about a
        # message already counted does not.
        ours = record.provider_message_id is None
        specific = [
            r for r in record.reasons if r.code not in (TRANSIENT_FAILURE, PERMANENT_FAILURE)
        ]
        return attrs.evolve(
            ch,
            attempts=ch.attempts + (1 if ours else 0),
            last_failure_at=when,
            last_event_id=record.event_id,
            last_reason=specific[0] if specific else None,
        )
    if trigger is Trigger.RECEIPT:
        earliest = when if ch.evidence_at is None else min(ch.evidence_at, when)
        return attrs.evolve(ch, evidence_at=earliest)
    return ch


def _triggers(state: OrderState, record: object) -> list[tuple[int | None, Trigger]]:
    """What ``record`` means for the order, and for which of its addresses."""
    if isinstance(record, DeliveryOrder):
        return [(None, Trigger.ORDER)]
    if state.order is None:
        raise InputError(
            "no record of an order can come before the order itself",
            path="record",
            got=type(record).__name__,
        )
    if isinstance(record, (ConsentRecorded, ConsentRevoked)):
        return [(None, Trigger.NOTED)]
    if isinstance(record, ServiceDetermination):
        return [(None, _determination_trigger(state, record))]
    if isinstance(record, Fallback):
        return _fallback_triggers(state, record)
    if isinstance(record, (RecipientReply, InboundFiling)):
        ch = _reply_channel(state, record)
        _check_after_dispatch(state, record.event_time, None)
        return [(None if ch is None else ch.index, Trigger.RECEIPT)]
    if isinstance(record, EvidenceEvent):
        return _event_triggers(state, record)
    raise InputError(
        "expected a record of the service process", path="record", got=type(record).__name__
    )


def _determination_trigger(state: OrderState, record: ServiceDetermination) -> Trigger:
    if record.time_of_service is None and record.supersedes is None:
        return Trigger.NOTED
    # The determinations of an order form one chain: a second one that named no
    # predecessor, or a stale one, would leave two current answers in the log.
    current = state.determination
    if record.supersedes != current:
        expected = "nothing" if current is None else repr(current)
        raise InputError(
            f"expected a determination superseding {expected} (the current one)",
            path="supersedes",
            got=record.supersedes,
        )
    return Trigger.SERVED if record.time_of_service is not None else Trigger.REOPENED


def _fallback_triggers(state: OrderState, record: Fallback) -> list[tuple[int | None, Trigger]]:
    found: list[tuple[int | None, Trigger]] = []
    if record.from_address is not None:
        source = _order_address(state, record.from_address, "from_address")
        found.append((source.index, Trigger.ABANDONED))
    if record.method is FallbackMethod.ANOTHER_CHANNEL:
        target = _order_address(state, record.to_address, "to_address")
        found.append((target.index, Trigger.SELECTED))
    else:
        found.append((None, Trigger.ESCALATED))
    return found


def _order_address(state: OrderState, address: Address | None, path: str) -> ChannelState:
    ch = state.channel_of(address)
    if ch is None:
        raise InputError("expected one of the order's addresses", path=path)
    return ch


def _reply_channel(
    state: OrderState, record: RecipientReply | InboundFiling
) -> ChannelState | None:
    replied = getattr(record, "in_reply_to", None)
    for m in state.messages:
        if m.event_id == replied:
            return state.channels[m.channel_index]
    return state.channel_of(record.address)


def _check_after_dispatch(state: OrderState, when: datetime, message: Message | None) -> None:
    first = message.dispatched_at if message is not None else state.first_dispatch
    if first is None:
        raise InputError("no message of the order was dispatched yet", path="record")
    if when < first:
        what = f"message {message.message_id}" if message is not None else "the first message"
        raise InputError(
            f"evidence cannot precede the dispatch of {what} at {format_instant(first)}",
            path="event_time",
            got=format_instant(when),
        )


def _event_triggers(state: OrderState, record: EvidenceEvent) -> list[tuple[int | None, Trigger]]:
    kind = record.kind
    if kind is EventKind.SUBMISSION_ACCEPTANCE:
        return [(None, Trigger.ACCEPTED)]
    if kind is EventKind.SUBMISSION_REJECTION:
        return [(None, Trigger.REJECTED)]
    if kind is EventKind.RELAY_TO_NON_ERDS and record.source.kind is SourceKind.COURT_SYSTEM:
        sent_to = _order_address(state, record.address, "address")
        mid = record.provider_message_id
        if mid is not None and state.message(mid) is not None:
            raise InputError(
                "this provider message id was already dispatched",
                path="provider_message_id",
                got=record.provider_message_id,
            )
        return [(sent_to.index, Trigger.DISPATCHED)]
    message = None
    if record.provider_message_id is not None:
        message = state.message(record.provider_message_id)
    ch = (
        state.channels[message.channel_index]
        if message is not None
        else state.channel_of(record.address)
    )
    if kind in _FAILURE_KINDS:
        if ch is None:
            raise InputError(
                "a failure names a dispatched message or an address of the order", path="address"
            )
        if message is not None:
            _check_after_dispatch(state, record.event_time, message)
            if message.message_id != ch.current_message_id:
                return [(None, Trigger.NOTED)]  # about an attempt superseded since
        codes = {r.code for r in record.reasons}
        transient = TRANSIENT_FAILURE in codes and PERMANENT_FAILURE not in codes
        return [(ch.index, Trigger.TRANSIENT_FAILURE if transient else Trigger.PERMANENT_FAILURE)]
    if record.grade is not None:
        _check_after_dispatch(state, record.event_time, message)
        return [(None if ch is None else ch.index, Trigger.RECEIPT)]
    return [(None, Trigger.NOTED)]


# -- commands -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AssessSubmission:
    """Ask the rules whether the order may be served, and log acceptance or rejection.

    .. versionadded:: 0.1.0
    """

    order: DeliveryOrder


@attrs.frozen(kw_only=True)
class Send:
    """Send the order's documents to one of its addresses, as attempt ``attempt``.

    .. versionadded:: 0.1.0
    """

    order_id: str
    channel_index: int
    address: Address
    attempt: int
    event_id: str
    """The event id of the dispatch (or failure) this send is logged as."""


@attrs.frozen(kw_only=True)
class FallBack:
    """Give up one address for the next: log ``record``, then the next address is sent to.

    .. versionadded:: 0.1.0
    """

    record: Fallback


@attrs.frozen(kw_only=True)
class Conclude:
    """Log the conclusion: a determination with a time of service, or an escalation.

    .. versionadded:: 0.1.0
    """

    record: ServiceDetermination | Fallback


@attrs.frozen(kw_only=True)
class Redetermine:
    """Log a determination that supersedes the current one: evidence that came after the
    order was served changed the rules' answer. Without a time of service it reopens the
    order, and the next :func:`decide` carries on with the addresses left.

    .. versionadded:: 0.1.0
    """

    record: ServiceDetermination


@attrs.frozen(kw_only=True)
class CheckAt:
    """Nothing more to do now: decide again at ``at`` (or when a report comes).

    .. versionadded:: 0.1.0
    """

    at: datetime


Action = AssessSubmission | Send | FallBack | Conclude | Redetermine
"""A command that makes a record: everything but :class:`CheckAt`."""

Command = Action | CheckAt
"""What :func:`decide` asks the driver to do."""


def response_periods(order: DeliveryOrder) -> tuple[str, ...]:
    """The periods a determination computes by default, from the documents served.

    A summons or complaint starts the ``defence``; a judgment the ``appeal``.

    >>> from legaldelivery.testing.fakes import sample_order
    >>> response_periods(sample_order())
    ('defence',)

    .. versionadded:: 0.1.0
    """
    kinds = {d.kind for d in order.documents}
    periods = []
    if kinds & {DocumentKind.SUMMONS, DocumentKind.COMPLAINT}:
        periods.append("defence")
    if DocumentKind.JUDGMENT in kinds:
        periods.append("appeal")
    return tuple(periods)


def _positive(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        _checks.fail(attribute.name, "expected a positive timedelta", value)


def _not_negative(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        _checks.fail(attribute.name, "expected a timedelta of zero or more", value)


def _callable(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not callable(value):
        _checks.fail(attribute.name, "expected a callable", value)


@attrs.frozen(kw_only=True)
class DeliveryPolicy:
    """How hard the process tries: retries, backoff, timeouts, addresses in flight.

    Transient failures are retried after ``first_backoff``, multiplied by
    ``backoff_factor`` each time up to ``max_backoff``, for at most ``max_attempts`` sends
    per address. An address is given up when it fails permanently, runs out of attempts,
    shows no arrival within ``arrival_timeout`` of its latest send, or no effective
    service within ``service_timeout`` of its first. ``parallel`` addresses are in flight
    at once. ``deadlines(order)`` names the periods the determination computes.

    >>> p = DeliveryPolicy(first_backoff=timedelta(minutes=1))
    >>> [p.backoff(n).total_seconds() for n in (1, 2, 3)]
    [60.0, 120.0, 240.0]

    .. versionadded:: 0.1.0
    """

    max_attempts: int = attrs.field(default=4, validator=_checks.on_field(_checks.integer(1)))
    first_backoff: timedelta = attrs.field(default=timedelta(minutes=5), validator=_not_negative)
    backoff_factor: int = attrs.field(default=2, validator=_checks.on_field(_checks.integer(1)))
    max_backoff: timedelta = attrs.field(default=timedelta(hours=2), validator=_not_negative)
    arrival_timeout: timedelta = attrs.field(default=timedelta(days=2), validator=_positive)
    service_timeout: timedelta = attrs.field(default=timedelta(days=14), validator=_positive)
    parallel: int = attrs.field(default=1, validator=_checks.on_field(_checks.integer(1)))
    deadlines: Callable[[DeliveryOrder], Sequence[str]] = attrs.field(
        default=response_periods, validator=_callable
    )

    def backoff(self, failures: int) -> timedelta:
        """The wait before the send that follows the ``failures``-th failed attempt."""
        delay = min(self.first_backoff, self.max_backoff)
        # Multiplied step by step: a power of the factor overflows a timedelta long before
        # the attempts run out.
        for _ in range(failures - 1):
            if delay >= self.max_backoff:
                break
            delay = min(delay * self.backoff_factor, self.max_backoff)
        return delay


@attrs.frozen(kw_only=True)
class _Standing:
    live: bool
    send_now: bool = False
    given_up: ReasonCode | None = None
    due: datetime | None = None


def _standing(ch: ChannelState, now: datetime, policy: DeliveryPolicy) -> _Standing:
    """Where an address stands at ``now``: live, to be sent to, or given up (and why)."""
    phase = ch.phase
    if phase is ChannelPhase.IDLE:
        return _Standing(live=False)
    if phase is ChannelPhase.SELECTED:
        return _Standing(live=True, send_now=True)
    if phase is ChannelPhase.ABANDONED:
        return _Standing(live=False)
    if phase is ChannelPhase.FAILED:
        return _Standing(live=False, given_up=ch.last_reason or reason("permanent-failure"))
    if phase is ChannelPhase.RETRY_WAIT:
        if ch.attempts >= policy.max_attempts:
            return _Standing(
                live=False,
                given_up=reason("retries-exhausted", f"{ch.attempts} attempts failed"),
            )
        assert ch.last_failure_at is not None
        retry_at = ch.last_failure_at + policy.backoff(ch.attempts)
        if retry_at <= now:
            return _Standing(live=True, send_now=True)
        return _Standing(live=True, due=retry_at)
    assert ch.first_dispatch_at is not None
    assert ch.last_dispatch_at is not None
    service_by = ch.first_dispatch_at + policy.service_timeout
    if ch.evidence_at is None:
        arrival_by = ch.last_dispatch_at + policy.arrival_timeout
        if now >= arrival_by:
            return _Standing(
                live=False,
                given_up=reason(
                    "no-arrival", f"no evidence of arrival by {format_instant(arrival_by)}"
                ),
            )
        service_by = min(service_by, arrival_by)
    if now >= service_by:
        return _Standing(
            live=False,
            given_up=reason(
                "no-effective-service",
                f"no effective service by {format_instant(service_by)}",
            ),
        )
    return _Standing(live=True, due=service_by)


def decide(
    state: OrderState,
    *,
    now: datetime,
    rules: ServiceRules,
    policy: DeliveryPolicy | None = None,
    source: EventSource = SERVICE_SOURCE,
) -> tuple[Command, ...]:
    """What to do next for the order, at ``now``: commands, most urgent first.

    A conclusion comes alone; otherwise sends and fallbacks, then at most one
    :class:`CheckAt`. Deciding twice on the same state and time gives the same commands.

    A served order is looked at again when evidence came that its determination did not
    weigh (logged after it, or dated after it): the rules are asked again over all the
    order's records. The same time of service resting on the same event changes nothing;
    another answer is a :class:`Redetermine` superseding the current determination. A
    rejected or escalated order asks for nothing.

    .. versionadded:: 0.1.0
    """
    now = to_utc(now, path="now")
    policy = policy or DeliveryPolicy()
    if state.phase is Phase.SUBMITTED:
        assert state.order is not None
        return (AssessSubmission(order=state.order),)
    if state.phase is Phase.SERVED:
        return _review(state, now, rules, policy)
    if state.phase is not Phase.ACTIVE:
        return ()
    order = state.order
    assert order is not None
    wake: list[datetime] = []
    if state.first_dispatch is not None:
        determination = _determination(state, now, rules, policy)
        if determination.time_of_service is not None:
            return (Conclude(record=determination),)
        # Evidence stamped after ``now`` (a provider's clock ahead of ours) counts later.
        wake += [t for t in map(_time_of, state.records) if t is not None and t > now]

    standings = [_standing(ch, now, policy) for ch in state.channels]
    commands: list[Command] = []
    for ch, st in zip(state.channels, standings, strict=True):
        if st.send_now:
            commands.append(_send(order, ch))
        if st.due is not None:
            wake.append(st.due)
    idle = [ch for ch in state.channels if ch.phase is ChannelPhase.IDLE]
    dropped = [
        (ch, st)
        for ch, st in zip(state.channels, standings, strict=True)
        if st.given_up is not None and ch.phase is not ChannelPhase.ABANDONED
    ]
    slots = policy.parallel - sum(st.live for st in standings)
    for ch, st in dropped:
        if slots <= 0 or not idle:
            break
        nxt = idle.pop(0)
        commands.append(FallBack(record=_fallback(state, ch, nxt, st, now, source)))
        slots -= 1
    while slots > 0 and idle:
        commands.append(_send(order, idle.pop(0)))
        slots -= 1
    if not commands and not any(st.live for st in standings) and not idle:
        return (Conclude(record=_escalation(state, dropped, now, rules, source)),)
    if wake:
        commands.append(CheckAt(at=min(wake)))
    return tuple(commands)


def _time_of(record: object) -> datetime | None:
    value = getattr(record, "event_time", None)
    return value if isinstance(value, datetime) else None


def _determination(
    state: OrderState, now: datetime, rules: ServiceRules, policy: DeliveryPolicy
) -> ServiceDetermination:
    """The rules' answer at ``now``, as the next determination of the order's chain."""
    order = state.order
    assert order is not None
    count = len(state.determinations)
    # The first keeps the plain id; the ones that supersede it are numbered from 2.
    suffix = ("determination",) if count == 0 else ("determination", str(count + 1))
    found = rules.time_of_service(
        order,
        state.records,
        at=now,
        determination_id=_event_id(order.order_id, *suffix),
        deadlines=tuple(policy.deadlines(order)),
    )
    if state.determination is not None:
        found = attrs.evolve(found, supersedes=state.determination)
    return found


def _unweighed(state: OrderState, current: ServiceDetermination) -> list[datetime]:
    """The times of the records the current determination did not weigh: those logged
    after it, and those dated after it (the rules read only what is known at ``at``)."""
    times = []
    after = False
    for record in state.records:
        if record is current:
            after = True
            continue
        if isinstance(record, (ServiceDetermination, ConsentRecorded, ConsentRevoked)):
            continue
        when = _time_of(record)
        if when is not None and (after or when > current.event_time):
            times.append(when)
    return times


def _review(
    state: OrderState, now: datetime, rules: ServiceRules, policy: DeliveryPolicy
) -> tuple[Command, ...]:
    """FRCP 5(b)(2)(E): service complete upon sending is "not effective if the filer or
    sender learns that it did not reach the person to be served" -- so evidence after the
    conclusion is put to the rules again. Others (China) ignore a failure after arrival:
    the same answer comes back, and nothing is logged."""
    current = state.conclusion
    assert isinstance(current, ServiceDetermination)
    times = _unweighed(state, current)
    later = [t for t in times if t > now]
    if len(later) < len(times):
        again = _determination(state, now, rules, policy)
        if (again.time_of_service, again.rests_on) != (current.time_of_service, current.rests_on):
            return (Redetermine(record=again),)
    return (CheckAt(at=min(later)),) if later else ()


def _send(order: DeliveryOrder, ch: ChannelState) -> Send:
    attempt = ch.attempts + 1
    return Send(
        order_id=order.order_id,
        channel_index=ch.index,
        address=ch.address,
        attempt=attempt,
        event_id=_event_id(order.order_id, "send", str(ch.index), str(attempt)),
    )


def _fallback(
    state: OrderState,
    given_up: ChannelState,
    nxt: ChannelState,
    standing: _Standing,
    now: datetime,
    source: EventSource,
) -> Fallback:
    assert standing.given_up is not None
    return Fallback(
        event_id=_event_id(state.order_id, "fallback", str(nxt.index)),
        order_id=state.order_id,
        event_time=now,
        source=source,
        method=FallbackMethod.ANOTHER_CHANNEL,
        from_address=given_up.address,
        to_address=nxt.address,
        triggered_by=given_up.last_event_id,
        reasons=[standing.given_up],
    )


def _local_date(at: datetime, zone: str) -> date:
    return to_utc(at).astimezone(ZoneInfo(zone)).date()


def _escalation(
    state: OrderState,
    dropped: list[tuple[ChannelState, _Standing]],
    now: datetime,
    rules: ServiceRules,
    source: EventSource,
) -> Fallback:
    """Every electronic address failed: postal service where the rules allow it, or else
    public notice; the court acts on the logged outcome."""
    order = state.order
    assert order is not None
    assert state.accepted_at is not None
    on = _local_date(state.accepted_at, rules.time_zone)
    fates = "; ".join(
        f"channels[{ch.index}] {ch.address.channel}: "
        + (st.given_up.code.removeprefix("urn:legaldelivery:reason:") if st.given_up else "failed")
        for ch, st in dropped
    )
    reasons = [reason("electronic-service-failed", fates or "no electronic address is left")]
    method = FallbackMethod.POSTAL_MAIL
    for kind in dict.fromkeys(d.kind for d in order.documents):
        try:
            decision = rules.channel_decision(
                recipient_country=order.recipient.country,
                channel=ChannelKind.POSTAL.value,
                document_kind=kind,
                address_known=True,
                on=on,
            )
        except NotModelledError as exc:
            reasons.append(reason("postal-not-modelled", f"{exc}; the court decides"))
            continue
        last = decision.reasoning[-1] if decision.reasoning else ""
        details = f"{kind.value}: {decision.outcome.value}: {decision.citation}. {last}"
        if decision.outcome is Outcome.PROHIBITED:
            method = FallbackMethod.PUBLIC_NOTICE
            reasons.append(reason("postal-prohibited", details))
        elif decision.outcome is Outcome.NEEDS_COURT_ORDER:
            reasons.append(reason("postal-needs-court-order", details))
        else:
            reasons.append(reason("postal-allowed", details))
    last_given_up = max(
        dropped,
        key=lambda pair: (
            pair[0].last_failure_at or pair[0].last_dispatch_at or now,
            pair[0].index,
        ),
        default=None,
    )
    return Fallback(
        event_id=_event_id(state.order_id, "escalation"),
        order_id=state.order_id,
        event_time=now,
        source=source,
        method=method,
        from_address=None if last_given_up is None else last_given_up[0].address,
        triggered_by=None if last_given_up is None else last_given_up[0].last_event_id,
        reasons=_unique(reasons),
    )


def _unique(reasons: Iterable[ReasonCode], limit: int = 50) -> list[ReasonCode]:
    """Reasons without repeats, at most ``limit`` (the last one saying how many were cut)."""
    found = list(dict.fromkeys(reasons))
    if len(found) > limit:
        cut = len(found) - limit + 1
        found = [*found[: limit - 1], reason("more-reasons", f"{cut} further reasons omitted")]
    return found

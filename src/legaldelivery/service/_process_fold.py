"""The fold of :mod:`legaldelivery.service.process`: :func:`fold` and :func:`apply`.

Each record moves the state by rows of the transition table; a record that fits no row
is refused, so replaying the log reproduces the state exactly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from legaldelivery.channels.base import PERMANENT_FAILURE, TRANSIENT_FAILURE
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant
from legaldelivery.records import (
    Address,
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    EventKind,
    EvidenceEvent,
    Fallback,
    FallbackMethod,
    InboundFiling,
    RecipientReply,
    ServiceDetermination,
    SourceKind,
)
from legaldelivery.service._process_state import (
    TRANSITIONS,
    ChannelState,
    Message,
    OrderState,
    Phase,
    Trigger,
    _key_of,
)

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

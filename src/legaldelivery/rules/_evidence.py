"""The evidence of one order, as the time-of-service rules read it.

Callers may hand over a whole log's records: records of other orders and records that say
nothing about receipt are passed over; events after the determination time are not
considered (a determination rests only on what was known when it was made).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.records import (
    Address,
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    EventSource,
    EvidenceEvent,
    Fallback,
    InboundFiling,
    KeyRevocation,
    KeyRotation,
    Presumption,
    ReasonCode,
    RecipientReply,
    Sealed,
    ServiceDetermination,
)
from legaldelivery.rules import _args
from legaldelivery.rules.base import Jurisdiction

Receipt = EvidenceEvent | RecipientReply | InboundFiling

_PASSED_OVER = (
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    Fallback,
    KeyRevocation,
    KeyRotation,
    ServiceDetermination,
)


@attrs.frozen(kw_only=True)
class Item:
    """One relevant record, where it was in the input, and the order address it concerns."""

    index: int
    record: Receipt
    address: Address | None


@attrs.frozen(kw_only=True)
class Candidate:
    """A completed service some evidence shows: when, how firmly, and why."""

    time: datetime
    presumption: Presumption
    event_id: str
    citation: str
    why: str


def gather(
    jurisdiction: Jurisdiction,
    order: DeliveryOrder,
    events: Iterable[object],
    *,
    at: datetime,
    deadlines: Sequence[str],
    kinds: Mapping[str, str],
) -> tuple[datetime, list[Item], list[str]]:
    """How every time-of-service determination starts: the arguments checked, the order's
    evidence known at ``at`` collected, and the rule set applied named as the first step."""
    when = to_utc(at, path="at")
    _args.check_kinds(deadlines, kinds)
    items, steps = collect(order, events, when)
    steps.insert(0, f"Rule set {jurisdiction.rule_set} ({jurisdiction.rules.source}).")
    return when, items, steps


def collect(
    order: DeliveryOrder, events: Iterable[object], at: datetime
) -> tuple[list[Item], list[str]]:
    """The order's receipt evidence known at ``at``, in time order, and the steps taken."""
    if not isinstance(order, DeliveryOrder):
        raise InputError("expected a DeliveryOrder", path="order", got=type(order).__name__)
    if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
        raise InputError(
            "expected an iterable of records", path="events", got=type(events).__name__
        )
    steps = [
        f"Order {order.order_id}: {len(order.documents)} document(s) to {order.recipient.party_id} "
        f"({order.recipient.country}) over {len(order.channels)} address(es); evidence known at "
        f"{format_instant(at)} is considered."
    ]
    by_destination = {a.destination: a for a in order.channels}
    by_message: dict[str, Address] = {}
    by_event: dict[str, Address] = {}
    items: list[Item] = []
    later = 0
    for i, record in enumerate(events):
        if isinstance(record, _PASSED_OVER):
            continue
        if not isinstance(record, (EvidenceEvent, RecipientReply, InboundFiling)):
            raise InputError(
                "expected a record of legaldelivery.records",
                path=f"events[{i}]",
                got=type(record).__name__,
            )
        if record.order_id != order.order_id:
            continue
        if isinstance(record, EvidenceEvent):
            if record.recipient_id != order.recipient.party_id:
                raise InputError(
                    f"expected the order's recipient {order.recipient.party_id!r}",
                    path=f"events[{i}].recipient_id",
                    got=record.recipient_id,
                )
            if record.sender_id != order.sender.party_id:
                raise InputError(
                    f"expected the order's sender {order.sender.party_id!r}",
                    path=f"events[{i}].sender_id",
                    got=record.sender_id,
                )
        elif record.party_id != order.recipient.party_id:
            steps.append(
                f"{record.event_id} comes from {record.party_id}, not the recipient: passed over."
            )
            continue
        if record.event_time > at:
            later += 1
            continue
        address = _address(record, by_destination, by_message, by_event, order.channels)
        if address is not None:
            by_event[record.event_id] = address
            if record.provider_message_id is not None:
                by_message.setdefault(record.provider_message_id, address)
        items.append(Item(index=i, record=record, address=address))
    if later:
        steps.append(f"{later} event(s) after {format_instant(at)} are not considered.")
    items.sort(key=lambda item: (item.record.event_time, item.index))
    return items, steps


def _address(
    record: Receipt,
    by_destination: Mapping[tuple[str, str | Sealed], Address],
    by_message: Mapping[str, Address],
    by_event: Mapping[str, Address],
    channels: Sequence[Address],
) -> Address | None:
    if record.address is not None:
        # The order's own copy carries how the court verified the address.
        return by_destination.get(record.address.destination, record.address)
    if record.provider_message_id is not None and record.provider_message_id in by_message:
        return by_message[record.provider_message_id]
    replied = getattr(record, "in_reply_to", None)
    if replied is not None and replied in by_event:
        return by_event[replied]
    if len(channels) == 1 and isinstance(record, EvidenceEvent):
        return channels[0]
    return None


def where(item: Item) -> str:
    """``event-3 (wechat, 2026-03-02T01:03:00.000000Z)``: an item for the steps."""
    channel = item.address.channel if item.address is not None else "channel unknown"
    return f"{item.record.event_id} ({channel}, {format_instant(item.record.event_time)})"


def determine(
    *,
    jurisdiction: Jurisdiction,
    order: DeliveryOrder,
    candidates: list[Candidate],
    steps: list[str],
    at: datetime,
    determination_id: str,
    source: EventSource,
    base_citation: str,
    deadlines: Sequence[str],
    earliest_citation: str | None = None,
) -> ServiceDetermination:
    """The determination: the earliest candidate (conclusive first on a tie), or none.

    The periods named in ``deadlines`` are computed from the time of service with the
    jurisdiction's ``response_deadline``, for a recipient in the order's country.
    """
    rules = jurisdiction.rules
    if not candidates:
        steps.append("No evidence shows a completed effective service yet.")
        return ServiceDetermination(
            event_id=determination_id,
            order_id=order.order_id,
            event_time=at,
            source=source,
            rule_set=rules.id,
            time_of_service=None,
            rests_on=None,
            presumption=None,
            citation=base_citation,
            steps=_bounded(steps),
            reasons=[
                ReasonCode(
                    code="urn:legaldelivery:reason:not-yet-served",
                    details=f"no completed effective service shown by {format_instant(at)}",
                )
            ],
        )
    ordered = sorted(
        candidates, key=lambda c: (c.time, c.presumption is not Presumption.CONCLUSIVE)
    )
    best = ordered[0]
    citation = best.citation
    if len(candidates) > 1 and earliest_citation is not None:
        steps.append(
            f"Several completed services are shown; the earliest counts ({earliest_citation})."
        )
        citation = f"{citation}; {earliest_citation}"
    steps.append(
        f"Time of service: {format_instant(best.time)}, resting on {best.event_id} "
        f"({best.presumption.value})."
    )
    if best.presumption is Presumption.REBUTTABLE:
        firm = next((c for c in ordered if c.presumption is Presumption.CONCLUSIVE), None)
        if firm is not None:
            steps.append(
                f"In any case service is conclusively complete by {format_instant(firm.time)} "
                f"({firm.event_id})."
            )
    return ServiceDetermination(
        event_id=determination_id,
        order_id=order.order_id,
        event_time=at,
        source=source,
        rule_set=rules.id,
        time_of_service=best.time,
        rests_on=best.event_id,
        presumption=best.presumption,
        citation=citation,
        steps=_bounded(steps),
        deadlines=[
            jurisdiction.response_deadline(
                kind, served_at=best.time, recipient_country=order.recipient.country
            )
            for kind in deadlines
        ],
    )


_MAX_STEPS = 200


def _bounded(steps: list[str]) -> list[str]:
    """At most the 200 steps a determination holds: the first ones and the conclusion."""
    if len(steps) <= _MAX_STEPS:
        return steps
    head, tail = steps[:150], steps[-(_MAX_STEPS - 151) :]
    return [*head, f"({len(steps) - len(head) - len(tail)} further steps omitted)", *tail]

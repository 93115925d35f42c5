"""The state of one order in :mod:`legaldelivery.service.process`: phases, the transition table
and the state records.

Every change of phase is a row of :data:`TRANSITIONS`; :class:`OrderState` and
:class:`ChannelState` are what a fold of the order's records produces."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Protocol

import attrs

from legaldelivery.errors import InputError
from legaldelivery.records import (
    Address,
    Consent,
    DeliveryOrder,
    DocumentKind,
    EventSource,
    Party,
    ReasonCode,
    ServiceDetermination,
    SourceKind,
    _checks,
)
from legaldelivery.rules.base import Decision

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

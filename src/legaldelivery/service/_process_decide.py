"""What to do next for an order: the commands and :func:`decide` of
:mod:`legaldelivery.service.process`.

A pure function of the state, the time, the rules and the :class:`DeliveryPolicy`: it
reads no clock and does no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from legaldelivery.channels.base import reason
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.records import (
    Address,
    ChannelKind,
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    DocumentKind,
    EventSource,
    Fallback,
    FallbackMethod,
    ReasonCode,
    ServiceDetermination,
    _checks,
)
from legaldelivery.rules.base import NotModelledError, Outcome
from legaldelivery.service._process_state import (
    SERVICE_SOURCE,
    ChannelPhase,
    ChannelState,
    OrderState,
    Phase,
    ServiceRules,
    _event_id,
)

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

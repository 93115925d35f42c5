"""A scriptable channel that keeps everything in memory: for tests, examples and the demo.

Each message sent follows a :class:`Behaviour`: the send is refused, or the message
arrives, is read, is answered, or fails after given delays. The channel schedules the
reports its provider would send, and hands them out when they fall due.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from legaldelivery.channels.base import (
    Arrived,
    Bounced,
    Channel,
    ChannelCapabilities,
    ChannelReport,
    Dispatch,
    Envelope,
    Failed,
    Filed,
    PermanentChannelError,
    Read,
    Replied,
    TransientChannelError,
    reason,
)
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.records import Digest, DocumentKind, EvidenceGrade, ReplyAct, _checks

__all__ = ["Behaviour", "MemoryChannel"]

_delay = _checks.on_field(_checks.optional(_checks.instance_of(timedelta, "a timedelta")))


def _not_negative(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value < timedelta(0):
        _checks.fail(attribute.name, "expected a delay of zero or more", value)


def _refusal(value: object, path: str) -> None:
    if value not in (None, "transient", "permanent"):
        _checks.fail(path, "expected 'transient', 'permanent' or None", value)


@attrs.frozen(kw_only=True)
class Behaviour:
    """What happens to one message: refused at sending, or reports after delays.

    Delays run from the moment the provider accepted the message. Use the constructors:

    >>> from datetime import timedelta
    >>> Behaviour.delivered(arrive_after=timedelta(seconds=4)).arrive_after
    datetime.timedelta(seconds=4)
    >>> Behaviour.refused(permanent=True).refuse
    'permanent'

    .. versionadded:: 0.1.0
    """

    refuse: str | None = attrs.field(default=None, validator=_checks.on_field(_refusal))
    """``transient`` or ``permanent``: ``send`` raises that error; None: it is accepted."""
    arrive_after: timedelta | None = attrs.field(default=None, validator=[_delay, _not_negative])
    """Delay of the delivery receipt, or None for none."""
    read_after: timedelta | None = attrs.field(default=None, validator=[_delay, _not_negative])
    """Delay of the read receipt, or None."""
    reply_after: timedelta | None = attrs.field(default=None, validator=[_delay, _not_negative])
    """Delay of the recipient's reply, or None."""
    reply_act: ReplyAct = attrs.field(
        default=ReplyAct.ACKNOWLEDGEMENT, validator=_checks.on_field(_checks.member_of(ReplyAct))
    )
    """What the reply does."""
    file_after: timedelta | None = attrs.field(default=None, validator=[_delay, _not_negative])
    """Delay of a filing (a defence) sent back in answer, or None."""
    fail_after: timedelta | None = attrs.field(default=None, validator=[_delay, _not_negative])
    """Delay of a failure report, or None."""
    fail_permanent: bool = attrs.field(
        default=True, validator=_checks.on_field(_checks.instance_of(bool, "a bool"))
    )
    """Whether that failure is permanent."""
    bounce_after: timedelta | None = attrs.field(default=None, validator=[_delay, _not_negative])
    """Delay of a bounce (the recipient's system returns it), or None."""

    @classmethod
    def delivered(
        cls,
        *,
        arrive_after: timedelta = timedelta(seconds=1),
        read_after: timedelta | None = None,
        reply_after: timedelta | None = None,
        reply_act: ReplyAct = ReplyAct.ACKNOWLEDGEMENT,
        file_after: timedelta | None = None,
    ) -> Behaviour:
        """Arrives, and optionally is read, answered and answered with a filing."""
        return cls(
            arrive_after=arrive_after,
            read_after=read_after,
            reply_after=reply_after,
            reply_act=reply_act,
            file_after=file_after,
        )

    @classmethod
    def refused(cls, *, permanent: bool) -> Behaviour:
        """``send`` raises a permanent or transient channel error."""
        return cls(refuse="permanent" if permanent else "transient")

    @classmethod
    def failed(cls, *, after: timedelta, permanent: bool) -> Behaviour:
        """Accepted, then the provider reports it could not deliver."""
        return cls(fail_after=after, fail_permanent=permanent)

    @classmethod
    def bounced(cls, *, after: timedelta) -> Behaviour:
        """Accepted, then returned by the recipient's system."""
        return cls(bounce_after=after)

    @classmethod
    def lost(cls) -> Behaviour:
        """Accepted, and then nothing is ever heard of it."""
        return cls()


class MemoryChannel(Channel):
    """A channel of kind ``kind`` whose provider is this object, scripted by behaviours.

    ``behaviours`` (default: delivered after a second) apply to the sends in the order they
    happen, refused ones included; the last one repeats. ``clock`` is the provider's clock:
    it stamps each acceptance, and the reports fall due at the acceptance plus their delays.
    Reports carry the digest of a JSON payload the channel keeps in :attr:`payloads`.

    >>> from datetime import datetime, timedelta, timezone
    >>> from legaldelivery.channels import Envelope, notice_text, Attachment
    >>> from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order
    >>> now = datetime(2026, 3, 2, 1, 2, tzinfo=timezone.utc)
    >>> channel = MemoryChannel("wechat", Behaviour.delivered(read_after=timedelta(minutes=44)),
    ...                         clock=lambda: now)
    >>> order = sample_order()
    >>> envelope = Envelope(envelope_id="e-1", order=order, address=order.channels[0],
    ...     contents=[Attachment(document=d, data=SAMPLE_DOCUMENTS[d.document_id])
    ...               for d in order.documents], notice=notice_text(order), attempt=1)
    >>> dispatch = channel.send(envelope)
    >>> [type(r).__name__ for r in channel.due(now + timedelta(hours=1))]
    ['Arrived', 'Read']

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        kind: str,
        behaviours: Behaviour | Sequence[Behaviour] | None = None,
        *,
        clock: Callable[[], datetime],
        source_id: str | None = None,
        capabilities: ChannelCapabilities | None = None,
    ) -> None:
        if not isinstance(kind, str):
            raise InputError("expected a channel kind", path="kind", got=kind)
        if behaviours is None:
            behaviours = Behaviour.delivered()
        script = [behaviours] if isinstance(behaviours, Behaviour) else list(behaviours)
        if not script or not all(isinstance(b, Behaviour) for b in script):
            raise InputError("expected a Behaviour or a non-empty list of them", path="behaviours")
        if not callable(clock):
            raise InputError("expected a clock: a callable returning a datetime", path="clock")
        self.kind = kind
        self._script = script
        self._clock = clock
        self._source_id = source_id or f"memory:{kind}"
        self._capabilities = capabilities or ChannelCapabilities(
            evidence=frozenset(EvidenceGrade), links=True
        )
        self.sent: list[Envelope] = []
        """Every envelope accepted, in order."""
        self.payloads: dict[Digest, bytes] = {}
        """The raw payload of every report and acceptance, by digest."""
        self._pending: list[ChannelReport] = []
        self._attempts = 0

    @property
    def source_id(self) -> str:
        """``memory:<kind>`` unless given."""
        return self._source_id

    @property
    def capabilities(self) -> ChannelCapabilities:
        """Every evidence grade; attachments and links."""
        return self._capabilities

    def send(self, envelope: Envelope) -> Dispatch:
        """Apply the next behaviour: raise, or accept and schedule its reports."""
        if not isinstance(envelope, Envelope):
            raise InputError("expected an Envelope", path="envelope", got=type(envelope).__name__)
        behaviour = self._script[min(self._attempts, len(self._script) - 1)]
        self._attempts += 1
        if behaviour.refuse == "transient":
            raise TransientChannelError(
                "provider busy, try again later", reason=reason("memory:busy")
            )
        if behaviour.refuse == "permanent":
            raise PermanentChannelError(
                "provider refuses this account", reason=reason("memory:refused")
            )
        accepted = to_utc(self._clock(), path="clock()")
        message_id = "m-" + hashlib.sha256(envelope.envelope_id.encode()).hexdigest()[:24]
        self.sent.append(envelope)
        acceptance = self._payload({"event": "accepted", "msgid": message_id}, accepted)
        self._schedule(behaviour, message_id, accepted)
        return Dispatch(
            provider_message_id=message_id, accepted_at=accepted, payload_digest=acceptance
        )

    def due(self, now: datetime) -> list[ChannelReport]:
        """Remove and return the reports due by ``now``, earliest first."""
        when = to_utc(now, path="now")
        ready = sorted(
            (r for r in self._pending if r.occurred_at <= when), key=lambda r: r.occurred_at
        )
        self._pending = [r for r in self._pending if r.occurred_at > when]
        return ready

    def pending(self) -> list[ChannelReport]:
        """The reports not yet due, earliest first (left in place)."""
        return sorted(self._pending, key=lambda r: r.occurred_at)

    def _payload(self, body: dict[str, str], at: datetime) -> Digest:
        data = json.dumps({**body, "time": format_instant(at)}, sort_keys=True).encode()
        digest = Digest.of(data)
        self.payloads[digest] = data
        return digest

    def _schedule(self, b: Behaviour, message_id: str, accepted: datetime) -> None:
        def common(event: str, delay: timedelta) -> dict[str, Any]:
            at = accepted + delay
            return {
                "provider_message_id": message_id,
                "occurred_at": at,
                "payload_digest": self._payload({"event": event, "msgid": message_id}, at),
                "report_id": f"{message_id}-{event}",
            }

        if b.arrive_after is not None:
            self._pending.append(Arrived(**common("arrived", b.arrive_after)))
        if b.read_after is not None:
            self._pending.append(Read(**common("read", b.read_after)))
        if b.reply_after is not None:
            reply = common("replied", b.reply_after)
            self._pending.append(
                Replied(
                    **reply,
                    reply_digest=Digest.of(b"Received, thank you."),
                    act=b.reply_act,
                    reply_message_id=f"{message_id}-reply",
                )
            )
        if b.file_after is not None:
            self._pending.append(
                Filed.from_documents(
                    **common("filed", b.file_after),
                    document_kind=DocumentKind.DEFENCE,
                    documents=[("defence", "application/pdf", b"Defence of the defendant.")],
                    filing_message_id=f"{message_id}-filing",
                )
            )
        if b.fail_after is not None:
            self._pending.append(
                Failed(
                    **common("failed", b.fail_after),
                    permanent=b.fail_permanent,
                    reason=reason("memory:undeliverable"),
                )
            )
        if b.bounce_after is not None:
            self._pending.append(
                Bounced(**common("bounced", b.bounce_after), reason=reason("memory:no-such-user"))
            )

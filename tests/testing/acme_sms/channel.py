"""Acme SMS: a fake SMS provider, the integrator's channel for it, and the webhook parser."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime

import attrs

from legaldelivery.channels import (
    Arrived,
    Bounced,
    Channel,
    ChannelCapabilities,
    ChannelReport,
    Dispatch,
    Envelope,
    Failed,
    PermanentChannelError,
    Read,
    TransientChannelError,
    reason,
)
from legaldelivery.records import Digest, EvidenceGrade


class AcmeError(Exception):
    """What the provider's client library raises, with an HTTP-like status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"acme status {status}")
        self.status = status


class AcmeProvider:
    """The provider: takes messages (or refuses with ``refuse_with``), sends webhooks."""

    def __init__(self, *, refuse_with: int | None = None) -> None:
        self.refuse_with = refuse_with
        self.accepted: dict[str, str] = {}

    def submit(self, to: str, text: str, key: str) -> str:
        if self.refuse_with is not None:
            raise AcmeError(self.refuse_with)
        message_id = "acme-" + hashlib.sha256(key.encode()).hexdigest()[:16]
        self.accepted[message_id] = to
        return message_id

    def webhooks(self, message_id: str) -> dict[str, bytes]:
        """The callbacks it posts about a message, by status."""
        return {
            status: json.dumps(
                {
                    "callback": f"{message_id}-{status}",
                    "message": message_id,
                    "status": status,
                    "at": "2026-03-02T01:05:00Z",
                }
            ).encode()
            for status in ("delivered", "retrying", "undeliverable")
        }


class AcmeSmsChannel(Channel):
    """Serves a notice with a link by SMS; Acme reports delivery receipts only."""

    kind = "sms"

    def __init__(self, provider: AcmeProvider, *, clock: Callable[[], datetime]) -> None:
        self.provider = provider
        self.clock = clock

    @property
    def source_id(self) -> str:
        return "acme-sms"

    @property
    def capabilities(self) -> ChannelCapabilities:
        return ChannelCapabilities(evidence={EvidenceGrade.ARRIVAL})

    def send(self, envelope: Envelope) -> Dispatch:
        try:
            message_id = self.provider.submit(
                envelope.handle, envelope.notice, envelope.envelope_id
            )
        except AcmeError as exc:
            code = reason(f"acme:{exc.status}")
            if exc.status in (429, 503):
                raise TransientChannelError("Acme is busy", reason=code) from exc
            raise PermanentChannelError("Acme refused the message", reason=code) from exc
        return Dispatch(provider_message_id=message_id, accepted_at=self.clock())


_MEANING: dict[str, type[ChannelReport]] = {
    "delivered": Arrived,
    "retrying": Failed,
    "undeliverable": Bounced,
}


def parse_webhook(payload: bytes) -> list[ChannelReport]:
    """The host's parser of Acme's webhooks."""
    body = json.loads(payload)
    common = {
        "provider_message_id": body["message"],
        "occurred_at": datetime.fromisoformat(body["at"].replace("Z", "+00:00")),
        "payload_digest": Digest.of(payload),
        "report_id": body["callback"],
    }
    status = body["status"]
    if status == "delivered":
        return [Arrived(**common)]
    if status == "retrying":
        return [Failed(**common, permanent=False, reason=reason("acme:retrying"))]
    return [Bounced(**common, reason=reason("acme:undeliverable"))]


def parse_webhook_wrong_grade(payload: bytes) -> list[ChannelReport]:
    """A broken parser: takes Acme's delivery receipt for a read receipt."""
    reports = parse_webhook(payload)
    return [
        Read(
            provider_message_id=r.provider_message_id,
            occurred_at=r.occurred_at,
            payload_digest=r.payload_digest,
            report_id=r.report_id,
        )
        if isinstance(r, Arrived)
        else r
        for r in reports
    ]


_counter = iter(range(10**9))


def parse_webhook_not_idempotent(payload: bytes) -> list[ChannelReport]:
    """A broken parser: numbers each callback it sees, so a repeat looks like a new one."""
    n = next(_counter)
    return [attrs.evolve(r, report_id=f"{r.report_id}-{n}") for r in parse_webhook(payload)]

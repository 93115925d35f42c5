"""Delivery status notifications (RFC 3464) and disposition notifications (RFC 8098) read
as :class:`~legaldelivery.channels.ChannelReport` values.

A DSN's ``delivered`` action is an arrival, ``failed`` a bounce (status 5.x.x) or a
transient failure (4.x.x); ``delayed``, ``relayed`` and ``expanded`` are progress, not
evidence, and give no report. An MDN's ``displayed`` disposition is a read report;
``deleted``, ``dispatched`` and ``processed`` show that the message reached the
recipient's system. The message is named by the original ``Message-ID`` (angle brackets
dropped), which :class:`~legaldelivery.channels.smtp.SmtpChannel` uses as its provider id.
Hostile input raises :class:`~legaldelivery.errors.InputError` and nothing else.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser
from typing import Any

from legaldelivery.channels.base import (
    Arrived,
    Bounced,
    ChannelReport,
    Failed,
    Read,
    reason,
)
from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.instants import to_utc
from legaldelivery.records import Digest, _checks

__all__ = ["MAX_REPORT_BYTES", "parse_dsn", "parse_mdn", "parse_report"]

MAX_REPORT_BYTES = 4 << 20
"""The largest notification read (4 MiB): with ``RET=HDRS`` a real one is a few KiB."""

_STATUS = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})\Z", re.ASCII)
_XTEXT = re.compile(rb"\+([0-9A-F]{2})")
_DSN_ACTIONS = frozenset({"failed", "delayed", "delivered", "relayed", "expanded"})
_PROGRESS = frozenset({"delayed", "relayed", "expanded"})
_Reader = Callable[[Message, bytes, datetime], list[ChannelReport]]
_DISPOSITIONS: dict[str, type[Arrived] | type[Read]] = {
    "displayed": Read,
    "deleted": Arrived,
    "dispatched": Arrived,
    "processed": Arrived,
}


def parse_report(data: bytes, *, received_at: datetime) -> list[ChannelReport]:
    """Read a DSN or an MDN, whichever ``data`` is (by its ``report-type``).

    .. versionadded:: 0.1.0
    """
    message = _parse(data)
    kind = _report_type(message)
    if kind == "delivery-status":
        return _guarded(_dsn, message, data, received_at)
    if kind == "disposition-notification":
        return _guarded(_mdn, message, data, received_at)
    raise InputError(
        "expected a multipart/report of type delivery-status or disposition-notification",
        path="data",
        got=kind,
    )


def parse_dsn(data: bytes, *, received_at: datetime) -> list[ChannelReport]:
    """The reports of a delivery status notification (RFC 3464), one per recipient.

    ``received_at`` stands in when the notification dates nothing usable.

    >>> from datetime import datetime, timezone
    >>> dsn = (b"From: MAILER-DAEMON@mx.example\\r\\nMessage-ID: <d1@mx.example>\\r\\n"
    ...     b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\\r\\n"
    ...     b"\\r\\n--b\\r\\nContent-Type: text/plain\\r\\n\\r\\nDelivered.\\r\\n"
    ...     b"--b\\r\\nContent-Type: message/delivery-status\\r\\n\\r\\n"
    ...     b"Reporting-MTA: dns; mx.example\\r\\n"
    ...     b"Original-Envelope-Id: ab12+40court.example\\r\\n\\r\\n"
    ...     b"Final-Recipient: rfc822; li.wei@example.com\\r\\nAction: delivered\\r\\n"
    ...     b"Status: 2.0.0\\r\\nLast-Attempt-Date: Mon, 2 Mar 2026 09:01:07 +0800\\r\\n"
    ...     b"\\r\\n--b--\\r\\n")
    >>> [report] = parse_dsn(dsn, received_at=datetime(2026, 3, 2, 2, tzinfo=timezone.utc))
    >>> type(report).__name__, report.provider_message_id, report.occurred_at.isoformat()
    ('Arrived', 'ab12@court.example', '2026-03-02T01:01:07+00:00')

    .. versionadded:: 0.1.0
    """
    message = _parse(data)
    _expect_type(message, "delivery-status")
    return _guarded(_dsn, message, data, received_at)


def parse_mdn(data: bytes, *, received_at: datetime) -> list[ChannelReport]:
    """The report of a message disposition notification (RFC 8098).

    .. versionadded:: 0.1.0
    """
    message = _parse(data)
    _expect_type(message, "disposition-notification")
    return _guarded(_mdn, message, data, received_at)


# -- parsing ----------------------------------------------------------------------------


def _parse(data: bytes) -> Message:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError("expected the notification's bytes", path="data", got=type(data).__name__)
    if len(data) > MAX_REPORT_BYTES:
        raise InputError(f"expected at most {MAX_REPORT_BYTES} bytes", path="data", got=len(data))
    try:
        # compat32 keeps header values as the strings they are, without the structured
        # header objects that may raise on malformed input.
        return BytesParser(policy=policy.compat32).parsebytes(bytes(data))
    except Exception as exc:  # the stdlib parser on hostile bytes: any failure is bad input
        raise InputError("not a readable e-mail message", path="data") from exc


def _report_type(message: Message) -> str | None:
    if message.get_content_type() != "multipart/report":
        return None
    value = message.get_param("report-type")
    return value.strip().lower() if isinstance(value, str) else None


def _expect_type(message: Message, kind: str) -> None:
    found = _report_type(message)
    if found != kind:
        raise InputError(
            f"expected a multipart/report with report-type={kind}", path="data", got=found
        )


def _guarded(
    read: _Reader, message: Message, data: bytes, received_at: datetime
) -> list[ChannelReport]:
    fallback = to_utc(received_at, path="received_at")
    try:
        return read(message, bytes(data), fallback)
    except LegalDeliveryError:
        raise
    except Exception as exc:  # hostile structure the email package let through
        raise InputError("a malformed notification", path="data") from exc


def _parts(message: Message) -> list[Message]:
    payload = message.get_payload()
    if not isinstance(payload, list):
        raise InputError("expected a multipart report with parts", path="data")
    return [p for p in payload if isinstance(p, Message)]


def _part(message: Message, content_type: str) -> Message | None:
    return next((p for p in _parts(message) if p.get_content_type() == content_type), None)


def _field(block: Message, name: str) -> str | None:
    value = block.get(name)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _message_id(value: str | None, path: str) -> str:
    """A msg-id without its angle brackets, checked as an identifier."""
    text = (value or "").strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    _checks.identifier()(text, path)
    return text


def _xtext(value: str) -> str:
    """Decode RFC 3461 xtext (``+2B`` is ``+``)."""
    raw = value.encode("ascii", "strict")
    return _XTEXT.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("utf-8", "strict")


def _original_headers(message: Message) -> Message | None:
    """The returned message's headers: a message/rfc822 part or text/rfc822-headers."""
    for part in _parts(message):
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
        if kind in ("text/rfc822-headers", "message/global-headers"):
            text = part.get_payload(decode=False)
            if isinstance(text, str):
                return HeaderParser(policy=policy.compat32).parsestr(text)
    return None


def _date(value: str | None) -> datetime | None:
    """An RFC 5322 date with a real offset, else None (``-0000`` means unknown zone)."""
    if value is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return None
    try:
        return to_utc(parsed)
    except (InputError, OverflowError):
        return None


def _report_id(prefix: str, data: bytes, index: int | None = None) -> str:
    base = f"{prefix}-{hashlib.sha256(data).hexdigest()[:32]}"
    return base if index is None else f"{base}-{index}"


# -- DSN --------------------------------------------------------------------------------


def _dsn(message: Message, data: bytes, fallback: datetime) -> list[ChannelReport]:
    status_part = _part(message, "message/delivery-status")
    if status_part is None:
        raise InputError("expected a message/delivery-status part", path="data")
    blocks = status_part.get_payload()
    if not isinstance(blocks, list) or len(blocks) < 2:
        raise InputError(
            "expected per-message fields and at least one per-recipient block", path="data"
        )
    per_message, recipients = blocks[0], blocks[1:]
    message_id = _dsn_message_id(message, per_message)
    sent_at = _date(_field(message, "Date"))
    reports: list[ChannelReport] = []
    digest = Digest.of(data)
    for i, block in enumerate(recipients):
        if not isinstance(block, Message):
            raise InputError("expected a per-recipient block", path=f"recipients[{i}]")
        action = (_field(block, "Action") or "").lower()
        if action not in _DSN_ACTIONS:
            raise InputError(
                "expected an action: failed, delayed, delivered, relayed or expanded",
                path=f"recipients[{i}].action",
                got=action or None,
            )
        if action in _PROGRESS:
            continue
        status = (_field(block, "Status") or "").split(" ")[0]
        matched = _STATUS.match(status)
        if status and matched is None:
            raise InputError(
                "expected a status code such as 5.1.1", path=f"recipients[{i}].status", got=status
            )
        when = _date(_field(block, "Last-Attempt-Date")) or sent_at or fallback
        common: dict[str, Any] = {
            "provider_message_id": message_id,
            "occurred_at": when,
            "payload_digest": digest,
            "report_id": _report_id("dsn", data, i),
        }
        if action == "delivered":
            reports.append(Arrived(**common))
            continue
        details = "; ".join(
            x
            for x in (
                _field(block, "Final-Recipient"),
                _field(block, "Diagnostic-Code"),
                _field(block, "Remote-MTA"),
            )
            if x
        )
        code = reason(f"smtp-status:{status}" if matched else "smtp-failed", details or None)
        if matched is not None and matched.group(1) == "4":
            reports.append(Failed(**common, permanent=False, reason=code))
        else:
            reports.append(Bounced(**common, reason=code))
    return reports


def _dsn_message_id(message: Message, per_message: object) -> str:
    original = _original_headers(message)
    if original is not None and _field(original, "Message-ID") is not None:
        return _message_id(_field(original, "Message-ID"), "original.message_id")
    envid = (
        _field(per_message, "Original-Envelope-Id") if isinstance(per_message, Message) else None
    )
    if envid is None:
        raise InputError(
            "the notification names no original message (Message-ID or Original-Envelope-Id)",
            path="data",
        )
    try:
        decoded = _xtext(envid)
    except (UnicodeError, ValueError) as exc:
        raise InputError("expected xtext", path="original_envelope_id", got=envid) from exc
    return _message_id(decoded, "original_envelope_id")


# -- MDN --------------------------------------------------------------------------------


def _mdn(message: Message, data: bytes, fallback: datetime) -> list[ChannelReport]:
    part = _part(message, "message/disposition-notification")
    if part is None:
        raise InputError("expected a message/disposition-notification part", path="data")
    inner = part.get_payload()
    fields = inner[0] if isinstance(inner, list) and inner else None
    if not isinstance(fields, Message):
        raise InputError("expected the disposition fields", path="data")
    disposition = _field(fields, "Disposition")
    if disposition is None or ";" not in disposition:
        raise InputError(
            "expected 'Disposition: <action-mode>/<sending-mode>; <type>'",
            path="disposition",
            got=disposition,
        )
    rest = disposition.partition(";")[2]
    kind = rest.strip().split("/")[0].strip().lower()
    report_type = _DISPOSITIONS.get(kind)
    if report_type is None:
        raise InputError(
            "expected a disposition type: displayed, deleted, dispatched or processed",
            path="disposition",
            got=kind,
        )
    original_id = _field(fields, "Original-Message-ID")
    if original_id is None:
        original = _original_headers(message)
        original_id = None if original is None else _field(original, "Message-ID")
    if original_id is None:
        raise InputError("the notification names no Original-Message-ID", path="data")
    return [
        report_type(
            provider_message_id=_message_id(original_id, "original_message_id"),
            occurred_at=_date(_field(message, "Date")) or fallback,
            payload_digest=Digest.of(data),
            report_id=_report_id("mdn", data),
        )
    ]

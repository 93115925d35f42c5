"""Service by e-mail over SMTP, with the standard library only.

:class:`SmtpChannel` sends each envelope as one message over STARTTLS or implicit TLS,
with the documents attached and each attachment's SHA-256 in a header beside it; the
``Message-ID`` is the provider id its reports name. Where the server offers DSN
(RFC 3461) it asks for delivery notifications; it asks for a read notification with
``Disposition-Notification-To`` (RFC 8098). Read the notifications back with
:mod:`legaldelivery.channels.mail_reports`.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address as MailAddress
from email.message import EmailMessage
from email.utils import format_datetime
from enum import Enum

from legaldelivery.channels.base import (
    Channel,
    ChannelCapabilities,
    ChannelError,
    Dispatch,
    Envelope,
    PermanentChannelError,
    TransientChannelError,
    reason,
)
from legaldelivery.errors import InputError
from legaldelivery.instants import to_utc
from legaldelivery.records import Address, Digest, EvidenceGrade, VerificationMethod

__all__ = ["DIGEST_HEADER", "DOCUMENT_HEADER", "ORDER_HEADER", "Security", "SmtpChannel"]

DOCUMENT_HEADER = "Legaldelivery-Document-Id"
"""The header of each attachment that names its document."""
DIGEST_HEADER = "Legaldelivery-Document-Digest"
"""The header of each attachment with its digest, ``sha256:<hex>``. It is written on one
line, but a relay may fold it: read the value without surrounding whitespace."""
ORDER_HEADER = "Legaldelivery-Order-Id"
"""The message header naming the order served."""

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# RFC 5322 allows 998 characters a line: a digest header is never folded, so a reader
# finds ``sha256:<hex>`` whole on the header's line.
_POLICY = policy.SMTP.clone(max_line_length=998)


class Security(Enum):
    """How the connection to the SMTP server is protected.

    .. versionadded:: 0.1.0
    """

    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS (port 587); no upgrade, no send."""
    IMPLICIT_TLS = "implicit_tls"
    """TLS from the first byte (port 465)."""
    PLAINTEXT_UNSAFE = "plaintext_unsafe"
    """No encryption at all: court documents in clear on the network. Only for a relay
    on the same host."""


_DEFAULT_PORTS = {Security.STARTTLS: 587, Security.IMPLICIT_TLS: 465, Security.PLAINTEXT_UNSAFE: 25}


def _email(value: object, path: str) -> str:
    """An addr-spec checked as the records check e-mail handles."""
    if not isinstance(value, str):
        raise InputError("expected an e-mail address", path=path, got=value)
    try:
        Address(
            channel="email",
            handle=value,
            verification=VerificationMethod.OTHER,
            verified_at=datetime(2000, 1, 1, tzinfo=timezone.utc),
        )
    except InputError as exc:
        raise InputError(exc.message, path=path) from exc
    return value


class SmtpChannel(Channel):
    """Send envelopes as e-mail through an SMTP submission server.

    ``sender`` is the court's address (``From``, the DSN return path and the MDN
    destination). ``ssl_context`` defaults to the system's trust store with host name
    checks; the connection is never downgraded. ``clock`` stamps ``Date`` and the
    acceptance time. ``keep(message_id, data)``, if given, receives the exact bytes
    before they are sent, for the court's archive.

    >>> from datetime import datetime, timezone
    >>> channel = SmtpChannel("smtp.court.example", sender="service@court.example",
    ...                       clock=lambda: datetime(2026, 3, 2, 1, 2, tzinfo=timezone.utc))
    >>> channel.kind, channel.source_id
    ('email', 'smtp:smtp.court.example')

    .. versionadded:: 0.1.0
    """

    kind = "email"

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        sender: str,
        security: Security = Security.STARTTLS,
        ssl_context: ssl.SSLContext | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 60.0,
        clock: Callable[[], datetime],
        request_dsn: bool = True,
        request_mdn: bool = True,
        max_message_bytes: int = 25 << 20,
        keep: Callable[[str, bytes], None] | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if not isinstance(host, str) or not host:
            raise InputError("expected a host name", path="host", got=host)
        if not isinstance(security, Security):
            raise InputError("expected a Security member", path="security", got=security)
        if port is not None and (type(port) is not int or not 0 < port < 65536):
            raise InputError("expected a TCP port", path="port", got=port)
        if (username is None) != (password is None):
            raise InputError("give both username and password, or neither", path="username")
        if security is Security.PLAINTEXT_UNSAFE and username is not None:
            raise InputError("refusing to send a password without TLS", path="security")
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise InputError("expected an ssl.SSLContext", path="ssl_context")
        if not callable(clock):
            raise InputError("expected a clock", path="clock")
        self.host = host
        self.port = port if port is not None else _DEFAULT_PORTS[security]
        self.sender = _email(sender, "sender")
        self.security = security
        self._context = ssl_context
        self._username = username
        self._password = password
        self.timeout = timeout
        self._clock = clock
        self.request_dsn = request_dsn
        self.request_mdn = request_mdn
        self.max_message_bytes = max_message_bytes
        self._keep = keep
        self._local_hostname = local_hostname

    @property
    def source_id(self) -> str:
        """``smtp:<host>``."""
        return f"smtp:{self.host}"

    @property
    def capabilities(self) -> ChannelCapabilities:
        """Arrival (DSN), read (MDN) and replies; attachments up to the message size."""
        return ChannelCapabilities(
            evidence=frozenset(EvidenceGrade),
            attachments=True,
            # Base64 makes attachments about a third larger on the wire.
            max_total_bytes=self.max_message_bytes * 3 // 4 - 64 * 1024,
            links=True,
        )

    def message_id(self, envelope: Envelope) -> str:
        """The Message-ID (without angle brackets) of an envelope: the same for the same
        envelope, so a send repeated after a crash is one message to the recipient."""
        seed = f"{self.sender}\0{envelope.envelope_id}".encode()
        domain = self.sender.rpartition("@")[2]
        return f"{hashlib.sha256(seed).hexdigest()[:40]}.ld@{domain}"

    def build_message(self, envelope: Envelope) -> EmailMessage:
        """The message for ``envelope``: notice, links, and the attached documents, each
        with its document id and digest in :data:`DOCUMENT_HEADER` / :data:`DIGEST_HEADER`."""
        order = envelope.order
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = MailAddress(display_name=order.case.court.name, addr_spec=self.sender)
        msg["To"] = envelope.handle
        msg["Subject"] = f"{order.case.court.name}: service of documents, case {order.case.number}"
        msg["Date"] = format_datetime(to_utc(self._clock(), path="clock()"))
        msg["Message-ID"] = f"<{self.message_id(envelope)}>"
        msg[ORDER_HEADER] = order.order_id
        if self.request_mdn:
            msg["Disposition-Notification-To"] = self.sender
        body = envelope.notice
        if envelope.links:
            body += "\n\nDownload:\n" + "\n".join(
                f"- {link.document.title}: {link.url}" for link in envelope.links
            )
        msg.set_content(body + "\n")
        for attachment in envelope.attachments:
            doc = attachment.document
            maintype, _, subtype = doc.media_type.partition("/")
            msg.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=_filename(doc)
            )
            *_, part = msg.iter_attachments()
            part["Content-Description"] = doc.title
            part[DOCUMENT_HEADER] = doc.document_id
            part[DIGEST_HEADER] = str(doc.digest)
        return msg

    def send(self, envelope: Envelope) -> Dispatch:
        """Send one message; the server's reply to DATA is the dispatch's payload."""
        if not isinstance(envelope, Envelope):
            raise InputError("expected an Envelope", path="envelope", got=type(envelope).__name__)
        message_id = self.message_id(envelope)
        data = self.build_message(envelope).as_bytes(policy=_POLICY)
        if len(data) > self.max_message_bytes:
            raise PermanentChannelError(
                f"the message is {len(data)} bytes, over the limit of {self.max_message_bytes}",
                reason=reason("message-too-large", f"{len(data)} bytes"),
            )
        if self._keep is not None:
            self._keep(message_id, data)
        try:
            reply = self._transmit(envelope.handle, message_id, data)
        except ChannelError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentChannelError(
                f"the server refused the login ({exc.smtp_code})",
                reason=reason(f"smtp:{exc.smtp_code}", "authentication failed"),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentChannelError(
                "the server lacks a required extension", reason=reason("smtp-unsupported", str(exc))
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            # Never retried and never downgraded: the certificate must be fixed.
            raise PermanentChannelError(
                "the server's certificate does not verify",
                reason=reason("tls-certificate", exc.verify_message),
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientChannelError(
                f"the connection failed: {type(exc).__name__}",
                reason=reason("smtp-connection", type(exc).__name__),
            ) from exc
        accepted = to_utc(self._clock(), path="clock()")
        return Dispatch(
            provider_message_id=message_id, accepted_at=accepted, payload_digest=Digest.of(reply)
        )

    def _connect(self) -> smtplib.SMTP:
        context = self._context or ssl.create_default_context()
        if self.security is Security.IMPLICIT_TLS:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self._local_hostname,
                timeout=self.timeout,
                context=context,
            )
        smtp = smtplib.SMTP(
            self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
        )
        if self.security is Security.STARTTLS:
            try:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise PermanentChannelError(
                        "the server does not offer STARTTLS; refusing to send in clear",
                        reason=reason("smtp-no-starttls"),
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _transmit(self, recipient: str, message_id: str, data: bytes) -> bytes:
        with self._connect() as smtp:
            smtp.ehlo_or_helo_if_needed()
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password)
            mail_options: list[str] = []
            rcpt_options: list[str] = []
            if smtp.has_extn("size"):
                mail_options.append(f"SIZE={len(data)}")
            if self.request_dsn and smtp.has_extn("dsn"):
                mail_options += ["RET=HDRS", f"ENVID={_xtext(message_id)}"]
                rcpt_options += [
                    "NOTIFY=SUCCESS,FAILURE,DELAY",
                    f"ORCPT=rfc822;{_xtext(recipient)}",
                ]
            code, text = smtp.mail(self.sender, mail_options)
            if code != 250:
                raise _by_code(code, text)
            code, text = smtp.rcpt(recipient, rcpt_options)
            if code not in (250, 251):
                raise _by_code(code, text)
            code, text = smtp.data(data)
            # smtplib checks only the 354 before the message; the verdict on it is here.
            if code != 250:
                raise _by_code(code, text)
            return f"{code} ".encode() + text


def _by_code(code: int, text: bytes | str) -> ChannelError:
    """4xx is transient, 5xx permanent (RFC 5321); the reply text is kept as details."""
    details = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    why = reason(f"smtp:{code}", details)
    if 500 <= code < 600:
        return PermanentChannelError(f"the server refused: {code}", reason=why)
    return TransientChannelError(f"the server deferred: {code}", reason=why)


def _xtext(value: str) -> str:
    """RFC 3461 xtext: ``+``, ``=`` and anything outside ``!``..``~`` as ``+HH``."""
    return "".join(
        f"+{b:02X}" if b in b"+=" or not 0x21 <= b <= 0x7E else chr(b)
        for b in value.encode("utf-8")
    )


def _filename(document: object) -> str:
    doc_id = getattr(document, "document_id", "document")
    media_type = getattr(document, "media_type", "application/octet-stream")
    stem = _SAFE_NAME.sub("_", doc_id).strip("._") or "document"
    return stem[:100] + (mimetypes.guess_extension(media_type) or "")

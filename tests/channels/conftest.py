"""A real SMTP server (aiosmtpd) on 127.0.0.1 with certificates from a throwaway CA
(trustme), for the SmtpChannel tests; and envelopes of the sample order."""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from legaldelivery.channels import Attachment, Envelope, notice_text
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order

_DSN_PARAM = re.compile(r"\s(RET|ENVID|NOTIFY|ORCPT)=(\S+)", re.IGNORECASE)


class DsnSMTP(SMTP):
    """aiosmtpd with the RFC 3461 parameters accepted (and remembered) when it offers DSN.

    aiosmtpd itself refuses parameters it does not know; a server that advertises DSN
    must take them.
    """

    def _strip(self, arg: str, kind: str) -> str:
        found = [f"{k.upper()}={v}" for k, v in _DSN_PARAM.findall(" " + arg)]
        self.event_handler.dsn_params[kind].extend(found)
        return _DSN_PARAM.sub("", " " + arg).strip()

    async def smtp_MAIL(self, arg: str) -> None:
        await super().smtp_MAIL(self._strip(arg, "mail") if arg else arg)

    async def smtp_RCPT(self, arg: str) -> None:
        await super().smtp_RCPT(self._strip(arg, "rcpt") if arg else arg)


class Recorder:
    """The server's handler: records what it received, refuses what it is told to."""

    def __init__(self, *, dsn: bool, refuse: dict[str, str]) -> None:
        self.dsn = dsn
        self.refuse = refuse
        self.messages: list[SimpleNamespace] = []
        self.dsn_params: dict[str, list[str]] = {"mail": [], "rcpt": []}

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.dsn:
            return [*responses[:-1], "250-DSN", responses[-1]]
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if "MAIL" in self.refuse:
            return self.refuse["MAIL"]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if "DATA" in self.refuse:
            return self.refuse["DATA"]
        self.messages.append(
            SimpleNamespace(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                data=envelope.original_content,
                mail_options=list(envelope.mail_options),
                tls=server.transport.get_extra_info("ssl_object") is not None,
                login=session.auth_data if session.authenticated else None,
            )
        )
        return "250 2.0.0 Ok: queued as 4Xz9"


class Server(Controller):
    def factory(self) -> SMTP:
        return DsnSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def tls() -> SimpleNamespace:
    """A CA, the server's context (certificate for 127.0.0.1), and a client trusting it."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return SimpleNamespace(ca=ca, server=server, client=client)


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (data.login, data.password) == (b"court", b"s3cret")
    return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)


@pytest.fixture
def smtp_server(tls: SimpleNamespace) -> Iterator[Callable[..., SimpleNamespace]]:
    """Start servers: ``mode`` is starttls, implicit or plain; ``dsn`` advertises DSN."""
    started: list[Controller] = []

    def start(
        mode: str = "starttls",
        *,
        dsn: bool = False,
        refuse: dict[str, str] | None = None,
        auth: bool = False,
    ) -> SimpleNamespace:
        handler = Recorder(dsn=dsn, refuse=refuse or {})
        port = free_port()
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": port}
        if mode == "starttls":
            kwargs.update(tls_context=tls.server, require_starttls=True)
        elif mode == "implicit":
            kwargs.update(ssl_context=tls.server)
        if auth:
            kwargs.update(authenticator=_authenticate, auth_require_tls=True)
        controller = Server(handler, **kwargs)
        controller.start()
        started.append(controller)
        return SimpleNamespace(host="127.0.0.1", port=port, handler=handler)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def envelope() -> Envelope:
    """The sample order, its documents attached, for the e-mail address li.wei@example.com."""
    import attrs

    order = sample_order()
    email = attrs.evolve(order.channels[0], channel="email", handle="li.wei@example.com")
    order = attrs.evolve(order, channels=[email])
    return Envelope(
        envelope_id="order-2026-0001/send/0/1",
        order=order,
        address=email,
        contents=[
            Attachment(document=d, data=SAMPLE_DOCUMENTS[d.document_id]) for d in order.documents
        ],
        notice=notice_text(order),
        attempt=1,
    )


@pytest.fixture
def fixed_clock() -> Callable[[], datetime]:
    return lambda: datetime(2026, 3, 2, 1, 2, 3, tzinfo=timezone.utc)

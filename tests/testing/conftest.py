"""A real SMTP server (aiosmtpd) with a throwaway CA (trustme) for the contract run
against SmtpChannel: it accepts every message, or refuses every one with a given reply."""

from __future__ import annotations

import gc
import socket
import ssl
import warnings
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller


class Handler:
    """Accepts mail, or answers MAIL FROM with ``refuse``; keeps what it accepted."""

    def __init__(self, refuse: str | None) -> None:
        self.refuse = refuse
        self.messages: list[bytes] = []

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse is not None:
            return self.refuse
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        return "250 2.0.0 Ok: queued"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def smtp_tls() -> SimpleNamespace:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return SimpleNamespace(server=server, client=client)


@pytest.fixture
def smtp_servers(smtp_tls: SimpleNamespace) -> Iterator[Callable[..., SimpleNamespace]]:
    """Start STARTTLS servers on 127.0.0.1; ``refuse`` is the reply to every MAIL FROM."""
    started: list[Controller] = []

    def start(refuse: str | None = None) -> SimpleNamespace:
        handler = Handler(refuse)
        port = _free_port()
        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=port,
            tls_context=smtp_tls.server,
            require_starttls=True,
        )
        controller.start()
        started.append(controller)
        return SimpleNamespace(host="127.0.0.1", port=port, handler=handler, tls=smtp_tls.client)

    yield start
    for controller in started:
        controller.stop()
    # A stopped server's loop may still hold the transports of connections the client
    # just closed; collect them now, quietly, rather than in some later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()

"""The channel contract, run against the library's own channels: MemoryChannel, and
SmtpChannel talking to a real SMTP server over STARTTLS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from legaldelivery.channels import (
    Arrived,
    Behaviour,
    Bounced,
    Channel,
    ChannelReport,
    Dispatch,
    Envelope,
    Failed,
    MemoryChannel,
    Read,
    SmtpChannel,
)
from legaldelivery.channels.mail_reports import parse_report
from legaldelivery.errors import InputError
from legaldelivery.records import Digest
from legaldelivery.testing.contract import (
    ChannelContract,
    ChannelContractTests,
    ContractViolation,
    ProviderCallback,
)

NOW = datetime(2026, 3, 2, 1, 2, 3, tzinfo=timezone.utc)
MACHINE = settings(
    max_examples=15,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# -- MemoryChannel: the channel is its own provider -----------------------------------------

SCRIPT = [
    Behaviour.delivered(
        read_after=timedelta(minutes=5),
        reply_after=timedelta(hours=1),
        file_after=timedelta(days=2),
    ),
    Behaviour.failed(after=timedelta(minutes=1), permanent=False),
    Behaviour.bounced(after=timedelta(minutes=2)),
    Behaviour.failed(after=timedelta(minutes=1), permanent=True),
]


class MemoryHooks:
    """The memory provider's callbacks are its scheduled reports' payloads."""

    @property
    def by_payload(self) -> dict[Digest, ChannelReport]:
        table: dict[Digest, ChannelReport] = self.__dict__.setdefault("_by_payload", {})
        return table

    def create_channel(self) -> Channel:
        return MemoryChannel("wechat", SCRIPT, clock=lambda: NOW)

    def provider_callbacks(
        self, channel: Channel, envelope: Envelope, dispatch: Dispatch
    ) -> Sequence[ProviderCallback]:
        assert isinstance(channel, MemoryChannel)
        made = []
        for report in channel.pending():
            if report.provider_message_id == dispatch.provider_message_id:
                self.by_payload[report.payload_digest] = report
                payload = channel.payloads[report.payload_digest]
                made.append(ProviderCallback(payload=payload, means=type(report)))
        return made

    def parse_callback(self, channel: Channel, payload: bytes) -> Sequence[ChannelReport]:
        return [self.by_payload[Digest.of(payload)]]

    def failing_channel(self, channel: Channel, *, permanent: bool) -> Channel | None:
        return MemoryChannel("wechat", Behaviour.refused(permanent=permanent), clock=lambda: NOW)


class MemoryContract(MemoryHooks, ChannelContract):
    pass


MemoryContract.TestCase.settings = MACHINE
TestMemoryChannelContract = MemoryContract.TestCase


class TestMemoryChannelPlain(MemoryHooks, ChannelContractTests):
    pass


# -- SmtpChannel against a real server --------------------------------------------------------


def dsn(message_id: str, action: str, status: str) -> bytes:
    """A delivery status notification (RFC 3464) about ``message_id``."""
    return (
        "From: MAILER-DAEMON@mx.example.com\r\n"
        "Date: Mon, 2 Mar 2026 09:05:00 +0800\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="XX"\r\n\r\n'
        "--XX\r\nContent-Type: text/plain\r\n\r\nA report.\r\n"
        "--XX\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; li.wei@example.com\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"\r\n--XX\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{message_id}>\r\n"
        "\r\n--XX--\r\n"
    ).encode()


def mdn(message_id: str) -> bytes:
    """A message disposition notification (RFC 8098): the message was displayed."""
    return (
        "From: li.wei@example.com\r\nTo: service@court.example\r\n"
        "Date: Mon, 2 Mar 2026 10:30:00 +0800\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="M"\r\n'
        "\r\n--M\r\nContent-Type: text/plain\r\n\r\nRead.\r\n"
        "--M\r\nContent-Type: message/disposition-notification\r\n\r\n"
        "Reporting-UA: mail.example.com; Mailer\r\n"
        "Final-Recipient: rfc822; li.wei@example.com\r\n"
        f"Original-Message-ID: <{message_id}>\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
        "\r\n--M--\r\n"
    ).encode()


class SmtpHooks:
    server: SimpleNamespace
    start: Callable[..., SimpleNamespace]

    def channel_to(self, server: SimpleNamespace) -> SmtpChannel:
        return SmtpChannel(
            server.host,
            server.port,
            sender="service@court.example",
            ssl_context=server.tls,
            clock=lambda: NOW,
            timeout=10,
        )

    def create_channel(self) -> Channel:
        return self.channel_to(self.server)

    def handles(self, kind: str) -> st.SearchStrategy[str]:
        return st.from_regex(
            r"[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,5})?@example\.(com|org)", fullmatch=True
        )

    def provider_callbacks(
        self, channel: Channel, envelope: Envelope, dispatch: Dispatch
    ) -> Sequence[ProviderCallback]:
        mid = dispatch.provider_message_id.strip("<>")
        return [
            ProviderCallback(payload=dsn(mid, "delivered", "2.0.0"), means=Arrived),
            ProviderCallback(payload=dsn(mid, "failed", "5.1.1"), means=Bounced),
            ProviderCallback(payload=dsn(mid, "failed", "4.4.7"), means=Failed),
            ProviderCallback(payload=mdn(mid), means=Read),
        ]

    def parse_callback(self, channel: Channel, payload: bytes) -> Sequence[ChannelReport]:
        return parse_report(payload, received_at=NOW)

    def failing_channel(self, channel: Channel, *, permanent: bool) -> Channel | None:
        reply = "550 5.7.1 sender not allowed" if permanent else "451 4.3.0 try again later"
        return self.channel_to(self.start(reply))


def test_smtp_channel_passes_the_contract(
    smtp_servers: Callable[..., SimpleNamespace],
) -> None:
    class SmtpContract(SmtpHooks, ChannelContract):
        server = smtp_servers()
        start = staticmethod(smtp_servers)

    run_state_machine_as_test(SmtpContract, settings=settings(MACHINE, max_examples=6))
    assert SmtpContract.server.handler.messages, "no message reached the server"


def test_smtp_channel_passes_the_plain_contract(
    smtp_servers: Callable[..., SimpleNamespace],
) -> None:
    class Plain(SmtpHooks, ChannelContractTests):
        server = smtp_servers()
        start = staticmethod(smtp_servers)

    suite = Plain()
    for name in sorted(n for n in dir(suite) if n.startswith("test_")):
        getattr(suite, name)()
    assert Plain.server.handler.messages


# -- the contract's own rules, each broken once -------------------------------------------


def _other_message(report: ChannelReport) -> ChannelReport:
    import attrs

    return attrs.evolve(report, provider_message_id="someone-else")


BROKEN_PARSERS: dict[str, tuple[Callable[[Sequence[ChannelReport]], object], str]] = {
    "nothing": (lambda reports: [], "parsed into no report"),
    "not a report": (lambda reports: ["arrived"], "not a ChannelReport"),
    "another message": (
        lambda reports: [_other_message(r) for r in reports],
        "names message 'someone-else'",
    ),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_PARSERS))
def test_each_parsing_rule_catches_its_breach(broken: str) -> None:
    breach, message = BROKEN_PARSERS[broken]

    class Broken(MemoryHooks, ChannelContractTests):
        def parse_callback(self, channel: Channel, payload: bytes) -> Sequence[ChannelReport]:
            return breach(super().parse_callback(channel, payload))  # type: ignore[return-value]

    with pytest.raises(ContractViolation, match=message):
        Broken().test_callbacks_map_to_evidence_with_the_right_grade()


def test_a_channel_that_is_not_one_or_never_refuses_is_caught() -> None:
    class NotAChannel(MemoryHooks, ChannelContractTests):
        def create_channel(self) -> Channel:
            return object()  # type: ignore[return-value]

    with pytest.raises(ContractViolation, match="create_channel"):
        NotAChannel().test_send_returns_a_dispatch()

    class NeverRefuses(MemoryHooks, ChannelContractTests):
        def failing_channel(self, channel: Channel, *, permanent: bool) -> Channel | None:
            return self.create_channel()

    with pytest.raises(ContractViolation, match="returned normally"):
        NeverRefuses().test_failures_are_typed()

    class AlwaysRefuses(MemoryHooks, ChannelContractTests):
        def create_channel(self) -> Channel:
            return MemoryChannel("wechat", Behaviour.refused(permanent=True), clock=lambda: NOW)

    with pytest.raises(ContractViolation, match="working provider refused"):
        AlwaysRefuses().test_send_returns_a_dispatch()


def test_unset_hooks_say_what_to_override() -> None:
    class Bare(ChannelContractTests):
        pass

    with pytest.raises(NotImplementedError, match="create_channel"):
        Bare().test_send_returns_a_dispatch()
    with pytest.raises(NotImplementedError, match="example_handle"):
        Bare().example_handle("line")
    channel = MemoryChannel("wechat", clock=lambda: NOW)
    with pytest.raises(NotImplementedError, match="provider_callbacks"):
        Bare().provider_callbacks(channel, None, None)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="parse_callback"):
        Bare().parse_callback(channel, b"")
    assert Bare().failing_channel(channel, permanent=True) is None
    with pytest.raises(InputError, match="means"):
        ProviderCallback(payload=b"", means=ChannelReport)
    with pytest.raises(InputError, match="payload"):
        ProviderCallback(payload="text", means=Arrived)  # type: ignore[arg-type]

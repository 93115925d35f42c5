"""SmtpChannel against a real SMTP server (aiosmtpd) on loopback, over TLS with
certificates from a throwaway CA; then the whole loop: send, DSN and MDN back, served."""

from __future__ import annotations

import email
import mailbox
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from email import policy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from legaldelivery import EvidenceLog, audit_log
from legaldelivery import rules as jurisdictions
from legaldelivery.channels import (
    Envelope,
    PermanentChannelError,
    RetrievalLink,
    TransientChannelError,
)
from legaldelivery.channels.mail_reports import parse_dsn, parse_mdn, parse_report
from legaldelivery.channels.smtp import (
    DIGEST_HEADER,
    DOCUMENT_HEADER,
    ORDER_HEADER,
    Security,
    SmtpChannel,
)
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.records import Digest, EventKind, EvidenceEvent
from legaldelivery.service import DeliveryService, Phase
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_records

SENDER = "service@court.example"


def channel(
    server: SimpleNamespace, tls: SimpleNamespace, clock: Callable[[], datetime], **more: Any
) -> SmtpChannel:
    more.setdefault("security", Security.STARTTLS)
    more.setdefault("ssl_context", tls.client)
    return SmtpChannel(server.host, server.port, sender=SENDER, clock=clock, timeout=10, **more)


def received(server: SimpleNamespace) -> email.message.EmailMessage:
    (message,) = server.handler.messages
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_a_message_goes_over_starttls_with_each_document_and_its_digest(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("starttls")
    smtp = channel(server, tls, fixed_clock)
    dispatch = smtp.send(envelope)

    (raw,) = server.handler.messages
    assert raw.tls
    assert (raw.sender, raw.recipients) == (SENDER, ["li.wei@example.com"])
    assert raw.mail_options == [f"SIZE={len(raw.data)}"]  # no DSN offered, none asked
    message = received(server)
    assert message["Message-ID"] == f"<{dispatch.provider_message_id}>"
    assert message["Disposition-Notification-To"] == SENDER
    assert message[ORDER_HEADER] == envelope.order.order_id
    assert message["Date"] == "Mon, 02 Mar 2026 01:02:03 +0000"
    assert "Donggang People's Court" in message["From"]
    attachments = list(message.iter_attachments())
    assert [a[DOCUMENT_HEADER] for a in attachments] == ["complaint", "evidence", "summons"]
    for part, document in zip(attachments, envelope.order.documents, strict=True):
        data = part.get_payload(decode=True)
        assert data == SAMPLE_DOCUMENTS[document.document_id]
        assert part[DIGEST_HEADER] == str(Digest.of(data)) == str(document.digest)
        assert part.get_content_type() == "application/pdf"
        assert part.get_filename() == f"{document.document_id}.pdf"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert str(envelope.order.documents[0].digest) in body.get_content()
    assert dispatch.accepted_at == fixed_clock()
    assert dispatch.payload_digest == Digest.of(b"250 2.0.0 Ok: queued as 4Xz9")


def test_dsn_is_requested_where_the_server_offers_it(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("starttls", dsn=True)
    dispatch = channel(server, tls, fixed_clock).send(envelope)
    envid = dispatch.provider_message_id.replace("+", "+2B")
    assert server.handler.dsn_params == {
        "mail": ["RET=HDRS", f"ENVID={envid}"],
        "rcpt": ["NOTIFY=SUCCESS,FAILURE,DELAY", "ORCPT=rfc822;li.wei@example.com"],
    }


def test_nothing_is_requested_when_told_not_to(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("starttls", dsn=True)
    channel(server, tls, fixed_clock, request_dsn=False, request_mdn=False).send(envelope)
    assert server.handler.dsn_params == {"mail": [], "rcpt": []}
    assert received(server)["Disposition-Notification-To"] is None


def test_implicit_tls(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("implicit")
    channel(server, tls, fixed_clock, security=Security.IMPLICIT_TLS).send(envelope)
    (raw,) = server.handler.messages
    assert raw.tls


def test_a_login_after_starttls(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("starttls", auth=True)
    channel(server, tls, fixed_clock, username="court", password="s3cret").send(envelope)
    (raw,) = server.handler.messages
    assert raw.tls
    assert raw.login == b"court"


def test_a_refused_login_is_permanent_and_names_no_password(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("starttls", auth=True)
    smtp = channel(server, tls, fixed_clock, username="court", password="wrong-password")
    with pytest.raises(PermanentChannelError) as caught:
        smtp.send(envelope)
    assert caught.value.reason.code == "urn:legaldelivery:reason:smtp:535"
    assert "wrong-password" not in caught.value.diagnostics()
    assert server.handler.messages == []


def test_a_server_without_starttls_gets_nothing_in_clear(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("plain")
    with pytest.raises(PermanentChannelError, match="does not offer STARTTLS") as caught:
        channel(server, tls, fixed_clock).send(envelope)
    assert caught.value.reason.code == "urn:legaldelivery:reason:smtp-no-starttls"
    assert server.handler.messages == []


def test_plaintext_only_when_asked_for_by_its_alarming_name(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("plain")
    channel(server, tls, fixed_clock, security=Security.PLAINTEXT_UNSAFE).send(envelope)
    assert not server.handler.messages[0].tls
    with pytest.raises(InputError, match="password without TLS"):
        channel(
            server,
            tls,
            fixed_clock,
            security=Security.PLAINTEXT_UNSAFE,
            username="u",
            password="p",
        )


def test_an_untrusted_certificate_is_a_permanent_failure(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("implicit")
    stranger = ssl.create_default_context(cafile=None)
    stranger.load_verify_locations(cadata=_other_ca_pem())
    smtp = channel(server, tls, fixed_clock, security=Security.IMPLICIT_TLS, ssl_context=stranger)
    with pytest.raises(PermanentChannelError, match="certificate does not verify") as caught:
        smtp.send(envelope)
    assert caught.value.reason.code == "urn:legaldelivery:reason:tls-certificate"
    assert server.handler.messages == []


def _other_ca_pem() -> str:
    import trustme

    return trustme.CA().cert_pem.bytes().decode()


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        ("550 5.1.1 <li.wei@example.com>: no such user", PermanentChannelError, "smtp:550"),
        ("451 4.3.0 try again later", TransientChannelError, "smtp:451"),
    ],
)
def test_a_refused_recipient_is_permanent_or_transient_by_its_code(
    smtp_server: Any,
    tls: SimpleNamespace,
    envelope: Envelope,
    fixed_clock: Any,
    reply: str,
    error: type[Exception],
    code: str,
) -> None:
    server = smtp_server("starttls", refuse={"li.wei@example.com": reply})
    with pytest.raises(error) as caught:
        channel(server, tls, fixed_clock).send(envelope)
    why = caught.value.reason  # type: ignore[attr-defined]
    assert why.code == f"urn:legaldelivery:reason:{code}"
    assert why.details == reply.split(" ", 1)[1]


@pytest.mark.parametrize(
    ("step", "reply", "error"),
    [
        ("MAIL", "553 5.7.1 sender not allowed", PermanentChannelError),
        ("DATA", "554 5.7.1 rejected as spam", PermanentChannelError),
        ("DATA", "452 4.3.1 insufficient storage", TransientChannelError),
    ],
)
def test_a_refused_sender_or_message_is_classed_by_its_code(
    smtp_server: Any,
    tls: SimpleNamespace,
    envelope: Envelope,
    fixed_clock: Any,
    step: str,
    reply: str,
    error: type[Exception],
) -> None:
    server = smtp_server("starttls", refuse={step: reply})
    with pytest.raises(error) as caught:
        channel(server, tls, fixed_clock).send(envelope)
    assert caught.value.reason.code == f"urn:legaldelivery:reason:smtp:{reply[:3]}"  # type: ignore[attr-defined]
    assert server.handler.messages == []


def test_no_server_listening_is_transient(
    tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        nobody = SimpleNamespace(host="127.0.0.1", port=port)
        with pytest.raises(TransientChannelError) as caught:
            channel(nobody, tls, fixed_clock).send(envelope)
    assert caught.value.reason.code == "urn:legaldelivery:reason:smtp-connection"
    assert caught.value.reason.details == "ConnectionRefusedError"


def test_a_message_over_the_size_limit_is_never_sent(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("starttls")
    with pytest.raises(PermanentChannelError, match="over the limit of 1000") as caught:
        channel(server, tls, fixed_clock, max_message_bytes=1000).send(envelope)
    assert caught.value.reason.code == "urn:legaldelivery:reason:message-too-large"
    assert server.handler.messages == []


def test_the_archive_gets_the_exact_bytes_before_they_leave(
    smtp_server: Any, tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any
) -> None:
    server = smtp_server("starttls")
    kept: dict[str, bytes] = {}
    dispatch = channel(server, tls, fixed_clock, keep=kept.__setitem__).send(envelope)
    assert kept == {dispatch.provider_message_id: server.handler.messages[0].data}


def test_the_message_id_is_stable_per_envelope_and_differs_per_attempt(
    envelope: Envelope, fixed_clock: Any
) -> None:
    smtp = SmtpChannel("smtp.court.example", sender=SENDER, clock=fixed_clock)
    again = attrs.evolve(envelope, attempt=2, envelope_id="order-2026-0001/send/0/2")
    assert smtp.message_id(envelope) == smtp.message_id(attrs.evolve(envelope))
    assert smtp.message_id(envelope) != smtp.message_id(again)
    assert smtp.message_id(envelope).endswith("@court.example")
    assert smtp.port == 587
    assert (
        SmtpChannel("h", sender=SENDER, clock=fixed_clock, security=Security.IMPLICIT_TLS).port
        == 465
    )


def test_links_are_written_in_the_body(envelope: Envelope, fixed_clock: Any) -> None:
    linked = attrs.evolve(
        envelope,
        contents=[
            envelope.contents[0],
            RetrievalLink(document=envelope.order.documents[1], url="https://court.example/d/2"),
            envelope.contents[2],
        ],
    )
    message = SmtpChannel("h", sender=SENDER, clock=fixed_clock).build_message(linked)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "- Evidence: https://court.example/d/2" in body.get_content()
    assert len(list(message.iter_attachments())) == 2


@pytest.mark.parametrize(
    ("args", "path"),
    [
        ({"host": ""}, "host"),
        ({"port": 0}, "port"),
        ({"sender": "not an address"}, "sender"),
        ({"sender": 7}, "sender"),
        ({"security": "starttls"}, "security"),
        ({"username": "u"}, "username"),
        ({"ssl_context": "ctx"}, "ssl_context"),
        ({"clock": None}, "clock"),
    ],
)
def test_the_channel_checks_its_settings(args: dict[str, Any], path: str, fixed_clock: Any) -> None:
    settings: dict[str, Any] = {"host": "h", "sender": SENDER, "clock": fixed_clock, **args}
    with pytest.raises(InputError) as caught:
        SmtpChannel(settings.pop("host"), **settings)
    assert caught.value.path == path


# -- the loop: send, notifications back, served -------------------------------------------


def _dsn(message_id: str, action: str, status: str, when: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: service@court.example\r\n"
        "Subject: Delivery Status Notification\r\n"
        "Date: Mon, 2 Mar 2026 09:05:00 +0800\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nYour message was delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; li.wei@example.com\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nLast-Attempt-Date: {when}\r\n"
        "\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{message_id}>\r\nSubject: service\r\n"
        "\r\n--b1--\r\n"
    ).encode()


def _mdn(message_id: str) -> bytes:
    return (
        "From: li.wei@example.com\r\nTo: service@court.example\r\n"
        "Date: Mon, 2 Mar 2026 10:30:00 +0800\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="m"\r\n'
        "\r\n--m\r\nContent-Type: text/plain\r\n\r\nDisplayed.\r\n"
        "--m\r\nContent-Type: message/disposition-notification\r\n\r\n"
        "Reporting-UA: mail.example.com; Mailer 1.0\r\n"
        "Final-Recipient: rfc822; li.wei@example.com\r\n"
        f"Original-Message-ID: <{message_id}>\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
        "\r\n--m--\r\n"
    ).encode()


def test_served_by_email_dsn_and_mdn_back_into_the_log(
    smtp_server: Any, tls: SimpleNamespace, tmp_path: Path
) -> None:
    server = smtp_server("starttls", dsn=True)
    now = [datetime(2026, 3, 2, 1, 1, tzinfo=timezone.utc)]
    clock = lambda: now[0]  # noqa: E731
    smtp = channel(server, tls, clock)
    consent = attrs.evolve(sample_records()[0].consent, channels=("email",))  # type: ignore[attr-defined]
    from legaldelivery.testing.fakes import sample_order

    order = sample_order()
    address = attrs.evolve(order.channels[0], channel="email", handle="li.wei@example.com")
    order = attrs.evolve(order, channels=[address])
    signer = Ed25519Signer.generate("court.example/log")
    path = tmp_path / "email.sqlite"
    with EvidenceLog.create(path, origin="court.example/log", signer=signer) as log:
        service = DeliveryService(
            log,
            jurisdictions.jurisdiction("CN", on=date(2026, 3, 2)),
            [smtp],
            documents=lambda d: SAMPLE_DOCUMENTS[d.document_id],
            clock=clock,
        )
        state = service.submit(order, consents=[consent])
        (message,) = state.messages
        assert received(server)["Message-ID"] == f"<{message.message_id}>"

        now[0] += timedelta(minutes=10)
        dsn = _dsn(message.message_id, "delivered", "2.0.0", "Mon, 2 Mar 2026 09:04:30 +0800")
        (arrived,) = parse_dsn(dsn, received_at=now[0])
        state = service.report(arrived)
        assert service.report(parse_report(dsn, received_at=now[0])[0]) == state
        assert state.phase is Phase.SERVED
        assert state.conclusion.time_of_service == datetime(  # type: ignore[union-attr]
            2026, 3, 2, 1, 4, 30, tzinfo=timezone.utc
        )
        now[0] += timedelta(hours=2)
        (read,) = parse_mdn(_mdn(message.message_id), received_at=now[0])
        state = service.report(read)
        last = state.records[-1]
        assert isinstance(last, EvidenceEvent)
        assert last.kind is EventKind.CONTENT_ACCESS_TRACKING
        assert last.payload_digest == Digest.of(_mdn(message.message_id))
        assert last.source.source_id == f"smtp:{server.host}"
    assert audit_log(path, trusted=[signer.verifier]).ok


def test_only_envelopes_are_sent(fixed_clock: Any) -> None:
    with pytest.raises(InputError, match="expected an Envelope"):
        SmtpChannel("h", sender=SENDER, clock=fixed_clock).send("mail")  # type: ignore[arg-type]


def test_a_separate_server_process_receives_the_documents_intact(
    tls: SimpleNamespace, envelope: Envelope, fixed_clock: Any, tmp_path: Path
) -> None:
    """aiosmtpd as its own process (its command line, its Maildir handler), over STARTTLS."""
    leaf = tls.ca.issue_cert("127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    maildir = tmp_path / "Maildir"
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            "--tlscert",
            str(tmp_path / "cert.pem"),
            "--tlskey",
            str(tmp_path / "key.pem"),
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        dispatch = channel(SimpleNamespace(host="127.0.0.1", port=port), tls, fixed_clock).send(
            envelope
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    (stored,) = mailbox.Maildir(str(maildir), create=False)
    message = email.message_from_bytes(stored.as_bytes(), policy=policy.default)
    assert message["Message-ID"] == f"<{dispatch.provider_message_id}>"
    assert isinstance(message, email.message.EmailMessage)
    parts = list(message.iter_attachments())
    assert len(parts) == len(envelope.order.documents)
    for part, document in zip(parts, envelope.order.documents, strict=True):
        # This server re-wrote the message and folded the long header line, as relays may:
        # a reader takes the value without the surrounding whitespace.
        assert part[DIGEST_HEADER].strip() == str(document.digest)
        document.verify_bytes(part.get_payload(decode=True))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)

"""The DSN (RFC 3464) and MDN (RFC 8098) readers: what each notification becomes, and
that hostile bytes only ever raise InputError."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.channels import Arrived, Bounced, Failed, Read
from legaldelivery.channels.mail_reports import (
    MAX_REPORT_BYTES,
    parse_dsn,
    parse_mdn,
    parse_report,
)
from legaldelivery.errors import InputError
from legaldelivery.records import Digest

RECEIVED = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
MSGID = "3f2a9c.ld@court.example"


def dsn(
    *recipients: str,
    per_message: str = "Reporting-MTA: dns; mx.example.com\r\n",
    original: str | None = f"Message-ID: <{MSGID}>\r\nSubject: service\r\n",
    original_type: str = "text/rfc822-headers",
    date: str | None = "Mon, 2 Mar 2026 09:05:00 +0800",
) -> bytes:
    """A DSN written as RFC 3464 section 5 lays one out."""
    head = "From: MAILER-DAEMON@mx.example.com\r\nMessage-ID: <dsn-1@mx.example.com>\r\n"
    if date is not None:
        head += f"Date: {date}\r\n"
    head += 'Content-Type: multipart/report; report-type=delivery-status; boundary="XX"\r\n\r\n'
    body = "--XX\r\nContent-Type: text/plain\r\n\r\nA report.\r\n"
    body += "--XX\r\nContent-Type: message/delivery-status\r\n\r\n" + per_message
    for block in recipients:
        body += "\r\n" + block
    if original is not None:
        body += f"\r\n--XX\r\nContent-Type: {original_type}\r\n\r\n{original}"
    return (head + body + "\r\n--XX--\r\n").encode()


def recipient(action: str, status: str = "", extra: str = "") -> str:
    block = f"Final-Recipient: rfc822; li.wei@example.com\r\nAction: {action}\r\n"
    if status:
        block += f"Status: {status}\r\n"
    return block + extra


def mdn(disposition: str, *, original_id: str | None = f"<{MSGID}>", date: bool = True) -> bytes:
    head = "From: li.wei@example.com\r\nTo: service@court.example\r\n"
    if date:
        head += "Date: Mon, 2 Mar 2026 10:30:00 +0800\r\n"
    head += 'Content-Type: multipart/report; report-type=disposition-notification; boundary="M"\r\n'
    fields = (
        "Reporting-UA: mail.example.com; Mailer\r\nFinal-Recipient: rfc822; li.wei@example.com\r\n"
    )
    if original_id is not None:
        fields += f"Original-Message-ID: {original_id}\r\n"
    fields += f"Disposition: {disposition}\r\n"
    return (
        head
        + "\r\n--M\r\nContent-Type: text/plain\r\n\r\nRead.\r\n"
        + "--M\r\nContent-Type: message/disposition-notification\r\n\r\n"
        + fields
        + "\r\n--M--\r\n"
    ).encode()


# -- DSN ------------------------------------------------------------------------------------


def test_delivered_is_an_arrival_at_the_last_attempt() -> None:
    data = dsn(
        recipient("delivered", "2.0.0", "Last-Attempt-Date: Mon, 2 Mar 2026 09:01:07 +0800\r\n")
    )
    (report,) = parse_dsn(data, received_at=RECEIVED)
    assert isinstance(report, Arrived)
    assert report.provider_message_id == MSGID
    assert report.occurred_at == datetime(2026, 3, 2, 1, 1, 7, tzinfo=timezone.utc)
    assert report.payload_digest == Digest.of(data)
    assert parse_dsn(data, received_at=RECEIVED) == [report]  # the same id both times


def test_a_5xx_failure_is_a_bounce_with_its_status_and_diagnostic() -> None:
    data = dsn(recipient("failed", "5.1.1", "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"))
    (report,) = parse_dsn(data, received_at=RECEIVED)
    assert isinstance(report, Bounced)
    assert report.reason.code == "urn:legaldelivery:reason:smtp-status:5.1.1"
    assert report.reason.details == ("rfc822; li.wei@example.com; smtp; 550 5.1.1 user unknown")
    assert report.occurred_at == datetime(2026, 3, 2, 1, 5, tzinfo=timezone.utc)  # its Date


def test_a_4xx_failure_is_transient_and_no_status_is_a_bounce() -> None:
    (transient,) = parse_dsn(dsn(recipient("failed", "4.4.7")), received_at=RECEIVED)
    assert isinstance(transient, Failed)
    assert transient.permanent is False
    (bare,) = parse_dsn(dsn(recipient("failed")), received_at=RECEIVED)
    assert isinstance(bare, Bounced)
    assert bare.reason.code == "urn:legaldelivery:reason:smtp-failed"


def test_progress_is_no_evidence_and_each_recipient_has_its_report() -> None:
    data = dsn(
        recipient("delayed", "4.4.1"),
        recipient("relayed", "2.0.0"),
        recipient("delivered", "2.0.0"),
        recipient("expanded", "2.0.0"),
        recipient("failed", "5.2.2"),
    )
    reports = parse_dsn(data, received_at=RECEIVED)
    assert [type(r) for r in reports] == [Arrived, Bounced]
    assert len({r.report_id for r in reports}) == 2
    assert parse_dsn(dsn(recipient("delayed", "4.4.1")), received_at=RECEIVED) == []


def test_without_the_original_headers_the_envelope_id_names_the_message() -> None:
    per_message = (
        "Reporting-MTA: dns; mx.example.com\r\nOriginal-Envelope-Id: a+2Bb+3Dc@court.example\r\n"
    )
    (report,) = parse_dsn(
        dsn(recipient("delivered"), per_message=per_message, original=None), received_at=RECEIVED
    )
    assert report.provider_message_id == "a+b=c@court.example"


def test_a_returned_full_message_names_it_too() -> None:
    original = f"Message-ID: <{MSGID}>\r\nSubject: service\r\n\r\nbody\r\n"
    (report,) = parse_dsn(
        dsn(recipient("delivered"), original=original, original_type="message/rfc822"),
        received_at=RECEIVED,
    )
    assert report.provider_message_id == MSGID


def test_without_a_usable_date_the_time_received_stands_in() -> None:
    for date in (None, "Mon, 2 Mar 2026 09:05:00 -0000", "yesterday"):
        (report,) = parse_dsn(dsn(recipient("delivered"), date=date), received_at=RECEIVED)
        assert report.occurred_at == RECEIVED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (dsn(recipient("delivered"), original=None), "names no original message"),
        (dsn(), "at least one per-recipient block"),
        (dsn(recipient("bounced")), "expected an action"),
        (dsn(recipient("failed", "5.1")), "expected a status code"),
        (
            dsn(recipient("delivered"), original="Message-ID: <has space@x>\r\n"),
            "original.message_id",
        ),
        (
            dsn(
                recipient("delivered"),
                per_message="Original-Envelope-Id: caf\u00e9@x\r\n",
                original=None,
            ),
            "original_envelope_id",
        ),
        (mdn("manual-action/MDN-sent-manually; displayed"), "report-type=delivery-status"),
        (b"Subject: hi\r\n\r\nhello\r\n", "report-type=delivery-status"),
        (
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="Z"\r\n\r\n'
            b"--Z\r\nContent-Type: text/plain\r\n\r\nno status\r\n--Z--\r\n",
            "message/delivery-status part",
        ),
    ],
)
def test_a_dsn_that_does_not_say_what_it_must_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_dsn(data, received_at=RECEIVED)


# -- MDN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disposition", "kind"),
    [
        ("manual-action/MDN-sent-manually; displayed", Read),
        ("automatic-action/MDN-sent-automatically; displayed", Read),
        ("manual-action/MDN-sent-manually; deleted", Arrived),
        ("automatic-action/MDN-sent-automatically; processed/error", Arrived),
        ("automatic-action/MDN-sent-automatically; dispatched", Arrived),
    ],
)
def test_a_disposition_is_a_read_or_an_arrival(disposition: str, kind: type) -> None:
    data = mdn(disposition)
    (report,) = parse_mdn(data, received_at=RECEIVED)
    assert type(report) is kind
    assert report.provider_message_id == MSGID
    assert report.occurred_at == datetime(2026, 3, 2, 2, 30, tzinfo=timezone.utc)
    assert report.payload_digest == Digest.of(data)
    assert parse_report(data, received_at=RECEIVED) == [report]


def test_an_mdn_without_a_date_is_dated_when_received() -> None:
    (report,) = parse_mdn(mdn("a/b; displayed", date=False), received_at=RECEIVED)
    assert report.occurred_at == RECEIVED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (mdn("a/b; denied"), "expected a disposition type"),
        (mdn("displayed"), "expected 'Disposition"),
        (mdn("a/b; displayed", original_id=None), "names no Original-Message-ID"),
        (mdn("a/b; displayed", original_id="<>"), "original_message_id"),
        (dsn(recipient("delivered")), "report-type=disposition-notification"),
    ],
)
def test_an_mdn_that_does_not_say_what_it_must_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_mdn(data, received_at=RECEIVED)


def test_the_reader_checks_its_arguments() -> None:
    with pytest.raises(InputError, match="expected the notification's bytes"):
        parse_report("text", received_at=RECEIVED)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=f"at most {MAX_REPORT_BYTES} bytes"):
        parse_report(b" " * (MAX_REPORT_BYTES + 1), received_at=RECEIVED)
    with pytest.raises(InputError, match="received_at: naive datetime"):
        parse_report(dsn(recipient("delivered")), received_at=datetime(2026, 3, 2))
    with pytest.raises(InputError, match="delivery-status or disposition-notification"):
        parse_report(b"Subject: hi\r\n\r\nhello", received_at=RECEIVED)


# -- hostile input ----------------------------------------------------------------------------

SAMPLES = [
    dsn(recipient("delivered", "2.0.0", "Last-Attempt-Date: Mon, 2 Mar 2026 09:01:07 +0800\r\n")),
    dsn(recipient("failed", "5.1.1", "Diagnostic-Code: smtp; 550 no\r\n"), recipient("delayed")),
    dsn(
        recipient("failed", "4.0.0"),
        original="Message-ID: <a@b>\r\n\r\nx\r\n",
        original_type="message/rfc822",
    ),
    mdn("manual-action/MDN-sent-manually; displayed"),
    mdn("a/b; deleted", original_id=None),
]


def _only_input_errors(data: bytes) -> None:
    for read in (parse_report, parse_dsn, parse_mdn):
        try:
            reports = read(data, received_at=RECEIVED)
        except InputError:
            continue
        assert all(r.payload_digest == Digest.of(data) for r in reports)


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_random_bytes_raise_only_input_errors(data: bytes) -> None:
    _only_input_errors(data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(("insert", "delete", "replace", "splice")))
        chunk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=20),
                st.sampled_from(
                    [
                        b"\r\n",
                        b"\r\n\r\n",
                        b"--XX",
                        b"--M",
                        b";",
                        b":",
                        b"<",
                        b">",
                        b"=?utf-8?b?",
                        b"\xff\xfe",
                        b"\x00",
                        b"Content-Type: message/delivery-status\r\n\r\n",
                        b"Action: failed\r\n",
                        b"Status: 9.9.9\r\n",
                        b"+ZZ",
                        b"+41",
                    ]
                ),
            )
        )
        if how == "insert":
            data[at:at] = chunk
        elif how == "delete":
            del data[at : at + len(chunk)]
        elif how == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@settings(max_examples=400)
@given(mutated())
def test_mangled_notifications_raise_only_input_errors(data: bytes) -> None:
    _only_input_errors(data)


@settings(max_examples=200)
@given(
    action=st.text(max_size=30),
    status=st.text(max_size=30),
    date=st.text(max_size=60),
    envid=st.text(max_size=60),
    diagnostic=st.text(max_size=200),
    disposition=st.text(max_size=60),
)
def test_hostile_field_values_raise_only_input_errors(
    action: str, status: str, date: str, envid: str, diagnostic: str, disposition: str
) -> None:
    def clean(text: str) -> str:
        return text.replace("\r", " ").replace("\n", " ")

    per_message = f"Original-Envelope-Id: {clean(envid)}\r\n"
    block = recipient(
        clean(action),
        clean(status),
        f"Diagnostic-Code: {clean(diagnostic)}\r\nLast-Attempt-Date: {clean(date)}\r\n",
    )
    data = dsn(block, per_message=per_message, original=None, date=clean(date))
    _only_input_errors(data.decode("utf-8", "surrogateescape").encode("utf-8", "surrogateescape"))
    _only_input_errors(mdn(clean(disposition), original_id=clean(envid)))

"""MemoryChannel: scripted behaviours, reports falling due, payloads kept."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.channels import (
    Arrived,
    Attachment,
    Behaviour,
    Bounced,
    Envelope,
    Failed,
    Filed,
    MemoryChannel,
    PermanentChannelError,
    Read,
    Replied,
    TransientChannelError,
    notice_text,
)
from legaldelivery.errors import InputError
from legaldelivery.records import Digest, ReplyAct
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order

T = datetime(2026, 3, 2, 1, 2, tzinfo=timezone.utc)


def envelope(attempt: int = 1) -> Envelope:
    order = sample_order()
    return Envelope(
        envelope_id=f"{order.order_id}/send/0/{attempt}",
        order=order,
        address=order.channels[0],
        contents=[
            Attachment(document=d, data=SAMPLE_DOCUMENTS[d.document_id]) for d in order.documents
        ],
        notice=notice_text(order),
        attempt=attempt,
    )


def test_a_delivered_message_reports_arrival_read_reply_and_filing_when_due() -> None:
    channel = MemoryChannel(
        "wechat",
        Behaviour.delivered(
            arrive_after=timedelta(seconds=4),
            read_after=timedelta(minutes=44),
            reply_after=timedelta(hours=5),
            reply_act=ReplyAct.PROCEDURAL_ACT,
            file_after=timedelta(days=12),
        ),
        clock=lambda: T,
    )
    dispatch = channel.send(envelope())
    assert dispatch.accepted_at == T
    assert (
        channel.payloads[dispatch.payload_digest]
        == json.dumps(  # type: ignore[index]
            {
                "event": "accepted",
                "msgid": dispatch.provider_message_id,
                "time": "2026-03-02T01:02:00.000000Z",
            },
            sort_keys=True,
        ).encode()
    )
    assert channel.due(T) == []
    assert [type(r) for r in channel.pending()] == [Arrived, Read, Replied, Filed]
    first = channel.due(T + timedelta(hours=6))
    assert [(type(r), r.occurred_at - T) for r in first] == [
        (Arrived, timedelta(seconds=4)),
        (Read, timedelta(minutes=44)),
        (Replied, timedelta(hours=5)),
    ]
    reply = first[2]
    assert isinstance(reply, Replied)
    assert reply.act is ReplyAct.PROCEDURAL_ACT
    (filing,) = channel.due(T + timedelta(days=30))
    assert isinstance(filing, Filed)
    assert filing.parts[0].digest == Digest.of(b"Defence of the defendant.")
    for report in [*first, filing]:
        assert report.provider_message_id == dispatch.provider_message_id
        assert Digest.of(channel.payloads[report.payload_digest]) == report.payload_digest
    assert channel.pending() == []
    assert channel.sent == [envelope()]


def test_behaviours_apply_in_turn_and_the_last_repeats() -> None:
    channel = MemoryChannel(
        "wechat",
        [Behaviour.refused(permanent=False), Behaviour.refused(permanent=True), Behaviour.lost()],
        clock=lambda: T,
    )
    with pytest.raises(TransientChannelError) as transient:
        channel.send(envelope(1))
    assert transient.value.reason.code == "urn:legaldelivery:reason:memory:busy"
    with pytest.raises(PermanentChannelError):
        channel.send(envelope(2))
    first = channel.send(envelope(3))
    second = channel.send(envelope(4))
    assert first.provider_message_id != second.provider_message_id
    assert channel.pending() == []
    assert [e.attempt for e in channel.sent] == [3, 4]


def test_failures_and_bounces_are_reported_after_their_delays() -> None:
    channel = MemoryChannel(
        "email",
        [
            Behaviour.failed(after=timedelta(minutes=1), permanent=False),
            Behaviour.bounced(after=timedelta(minutes=2)),
        ],
        clock=lambda: T,
    )
    channel.send(envelope(1))
    channel.send(envelope(2))
    failed, bounced = channel.due(T + timedelta(hours=1))
    assert isinstance(failed, Failed)
    assert failed.permanent is False
    assert isinstance(bounced, Bounced)
    assert bounced.reason.code == "urn:legaldelivery:reason:memory:no-such-user"


@settings(max_examples=50)
@given(
    delays=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    cut=st.integers(0, 10_000),
)
def test_due_hands_out_each_report_once_in_time_order(delays: list[int], cut: int) -> None:
    channel = MemoryChannel(
        "wechat",
        [Behaviour.delivered(arrive_after=timedelta(seconds=d)) for d in delays],
        clock=lambda: T,
    )
    for attempt in range(1, len(delays) + 1):
        channel.send(envelope(attempt))
    early = channel.due(T + timedelta(seconds=cut))
    late = channel.due(T + timedelta(seconds=10_000))
    assert [r.occurred_at for r in early] == sorted(r.occurred_at for r in early)
    assert all(
        r.occurred_at <= T + timedelta(seconds=cut) < s.occurred_at for r in early for s in late
    )
    assert len(early) + len(late) == len(delays)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"kind": 1}, "expected a channel kind"),
        ({"behaviours": []}, "non-empty list"),
        ({"behaviours": ["lost"]}, "non-empty list"),
        ({"clock": "now"}, "expected a clock"),
    ],
)
def test_the_channel_checks_its_arguments(args: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"kind": "wechat", "behaviours": Behaviour.lost(), "clock": lambda: T}
    fields.update(args)
    with pytest.raises(InputError, match=message):
        MemoryChannel(fields.pop("kind"), fields.pop("behaviours"), **fields)
    with pytest.raises(InputError, match="expected an Envelope"):
        MemoryChannel("wechat", clock=lambda: T).send("envelope")  # type: ignore[arg-type]


def test_behaviours_are_checked() -> None:
    with pytest.raises(InputError, match="refuse: expected 'transient', 'permanent' or None"):
        Behaviour(refuse="sometimes")
    with pytest.raises(InputError, match="arrive_after: expected a delay of zero or more"):
        Behaviour.delivered(arrive_after=timedelta(seconds=-1))
    with pytest.raises(InputError, match="read_after: expected a timedelta"):
        Behaviour(read_after=5)  # type: ignore[arg-type]

"""The values that cross the channel interface: capabilities, envelopes, dispatches,
reports, reason codes and channel errors."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.channels import (
    Arrived,
    Attachment,
    Channel,
    ChannelCapabilities,
    ChannelError,
    Dispatch,
    Envelope,
    Failed,
    Filed,
    PermanentChannelError,
    Replied,
    RetrievalLink,
    TransientChannelError,
    notice_text,
    reason,
)
from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.records import (
    Digest,
    Document,
    DocumentKind,
    EvidenceGrade,
    ReasonCode,
    ReplyAct,
)
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order

T = datetime(2026, 3, 2, 1, 2, tzinfo=timezone.utc)


def doc(size: int, name: str = "d") -> Document:
    return Document.from_bytes(
        b"x" * size,
        document_id=name,
        kind=DocumentKind.EVIDENCE,
        title=name,
        media_type="application/pdf",
    )


def attachments() -> list[Attachment]:
    return [
        Attachment(document=d, data=SAMPLE_DOCUMENTS[d.document_id])
        for d in sample_order().documents
    ]


# -- reason codes and errors ---------------------------------------------------------------


@settings(max_examples=200)
@given(details=st.text(max_size=3000))
def test_any_provider_text_fits_a_reason(details: str) -> None:
    made = reason("smtp:550", details)
    assert made.code == "urn:legaldelivery:reason:smtp:550"
    assert made.details is None or 0 < len(made.details) <= 1024
    assert made.details is None or made.details == made.details.strip()


def test_control_characters_in_provider_text_are_blanked() -> None:
    assert reason("x", "line one\r\nline\ttwo\u202e") == ReasonCode(
        code="urn:legaldelivery:reason:x", details="line one \nline two"
    )
    assert reason("x", "   ").details is None
    assert reason("x").details is None


def test_channel_errors_say_whether_retrying_can_help() -> None:
    transient = TransientChannelError("busy")
    permanent = PermanentChannelError("no such account", reason=reason("wechat:43004"))
    assert (transient.permanent, permanent.permanent) == (False, True)
    assert transient.reason == ReasonCode(
        code="urn:legaldelivery:reason:channel-error", details="busy"
    )
    assert permanent.reason.code == "urn:legaldelivery:reason:wechat:43004"
    assert isinstance(permanent, ChannelError)
    assert isinstance(permanent, LegalDeliveryError)
    assert not isinstance(permanent, InputError)
    with pytest.raises(InputError, match="expected a ReasonCode"):
        TransientChannelError("busy", reason="urn:x:y")  # type: ignore[arg-type]


# -- capabilities -----------------------------------------------------------------------------


@settings(max_examples=200)
@given(
    sizes=st.lists(st.integers(0, 5000), min_size=1, max_size=8),
    per_file=st.one_of(st.none(), st.integers(1, 5000)),
    total=st.one_of(st.none(), st.integers(1, 20000)),
    count=st.one_of(st.none(), st.integers(1, 8)),
    attach=st.booleans(),
    links=st.booleans(),
)
def test_a_plan_keeps_every_limit_and_links_the_rest(
    sizes: list[int],
    per_file: int | None,
    total: int | None,
    count: int | None,
    attach: bool,
    links: bool,
) -> None:
    caps = ChannelCapabilities(
        attachments=attach,
        max_attachment_bytes=per_file,
        max_total_bytes=total,
        max_attachments=count,
        links=True,
    )
    documents = [doc(size, f"d{i}") for i, size in enumerate(sizes)]
    plan = caps.plan(documents, links_available=True)
    assert len(plan) == len(documents)
    attached = [d for d, a in zip(documents, plan, strict=True) if a]
    assert attach or not attached
    assert per_file is None or all(d.size <= per_file for d in attached)
    assert total is None or sum(d.size for d in attached) <= total
    assert count is None or len(attached) <= count
    # Without links the same documents go the same way, or the plan fails.
    no_links = attrs.evolve(caps, links=links)
    if all(plan) or links:
        assert no_links.plan(documents, links_available=links) == plan
    else:
        with pytest.raises(PermanentChannelError, match="can be neither attached nor linked"):
            no_links.plan(documents, links_available=True)


def test_without_links_from_the_host_a_document_too_big_cannot_go() -> None:
    caps = ChannelCapabilities(max_attachment_bytes=10, links=True)
    assert caps.plan([doc(10), doc(11, "e")], links_available=True) == (True, False)
    with pytest.raises(PermanentChannelError, match="document e"):
        caps.plan([doc(10), doc(11, "e")], links_available=False)


def test_capabilities_are_checked() -> None:
    with pytest.raises(InputError, match="evidence: expected a frozenset"):
        ChannelCapabilities(evidence={"arrival"})
    with pytest.raises(InputError, match="max_total_bytes"):
        ChannelCapabilities(max_total_bytes=0)
    assert ChannelCapabilities(evidence=[EvidenceGrade.ARRIVAL]).evidence == {EvidenceGrade.ARRIVAL}


# -- envelopes --------------------------------------------------------------------------------


def envelope(**more: Any) -> Envelope:
    order = sample_order()
    fields: dict[str, Any] = {
        "envelope_id": "o/send/0/1",
        "order": order,
        "address": order.channels[0],
        "contents": attachments(),
        "notice": notice_text(order),
        "attempt": 1,
    }
    fields.update(more)
    return Envelope(**fields)


def test_an_envelope_carries_each_document_once_in_order() -> None:
    e = envelope()
    assert e.handle == "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
    assert [a.document for a in e.attachments] == list(e.order.documents)
    assert e.links == ()
    with pytest.raises(InputError, match="one content per document"):
        envelope(contents=attachments()[::-1])
    with pytest.raises(InputError, match="one content per document"):
        envelope(contents=attachments()[:2])
    with pytest.raises(InputError, match="attempt"):
        envelope(attempt=0)


def test_an_envelope_goes_to_a_plain_address_of_its_order() -> None:
    order = sample_order()
    stranger = attrs.evolve(order.channels[0], handle="wxid_stranger")
    with pytest.raises(InputError, match="address: expected one of the order's addresses"):
        envelope(address=stranger)
    sealed, _ = order.channels[0].sealed()
    with pytest.raises(InputError, match=r"address\.handle: a sealed handle cannot be sent to"):
        envelope(order=attrs.evolve(order, channels=[sealed]), address=sealed)


def test_attachments_are_the_documents_bytes_and_links_are_uris() -> None:
    d = sample_order().documents[0]
    with pytest.raises(InputError, match="data: expected bytes"):
        Attachment(document=d, data="text")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="url: expected an absolute URI"):
        RetrievalLink(document=d, url="court.example/d/1")
    e = envelope(
        contents=[RetrievalLink(document=d, url="https://court.example/d/1"), *attachments()[1:]]
    )
    assert [link.url for link in e.links] == ["https://court.example/d/1"]


def test_the_notice_names_the_court_the_case_and_every_digest() -> None:
    order = sample_order()
    text = notice_text(order)
    assert order.case.number in text
    assert order.legal_basis in text
    assert all(str(d.digest) in text for d in order.documents)


# -- dispatches and reports -------------------------------------------------------------------


def test_reports_are_identified_by_their_id_or_else_their_payload() -> None:
    digest = Digest.of(b'{"event":"arrived"}')
    bare = Arrived(provider_message_id="m-1", occurred_at=T, payload_digest=digest)
    assert bare.identity == str(digest)
    assert attrs.evolve(bare, report_id="cb-7").identity == "cb-7"


def test_reports_are_checked() -> None:
    common: dict[str, Any] = {
        "provider_message_id": "m-1",
        "occurred_at": T,
        "payload_digest": Digest.of(b""),
    }
    with pytest.raises(InputError, match="occurred_at: naive datetime"):
        Arrived(**{**common, "occurred_at": datetime(2026, 3, 2)})
    with pytest.raises(InputError, match="provider_message_id"):
        Arrived(**{**common, "provider_message_id": "m 1"})
    with pytest.raises(InputError, match="reason: expected a ReasonCode"):
        Failed(**common, permanent=True, reason="busy")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="parts"):
        Filed(**common, document_kind=DocumentKind.DEFENCE, parts=[])
    reply = Replied(**common)
    assert (reply.act, reply.objects_to_e_service, reply.reply_digest) == (
        ReplyAct.ACKNOWLEDGEMENT,
        False,
        None,
    )
    assert Dispatch(provider_message_id="m-1", accepted_at=T).accepted_at == T


def test_a_channel_needs_only_a_kind_and_send() -> None:
    class Minimal(Channel):
        kind = "sms"

        def send(self, envelope: Envelope) -> Dispatch:
            return Dispatch(provider_message_id="sms-1", accepted_at=T)

    channel = Minimal()
    assert channel.source_id == "sms"
    assert channel.capabilities == ChannelCapabilities()
    assert channel.capabilities.evidence == {EvidenceGrade.ARRIVAL}
    assert channel.send(envelope()).provider_message_id == "sms-1"
    with pytest.raises(TypeError):
        Channel()  # type: ignore[abstract]

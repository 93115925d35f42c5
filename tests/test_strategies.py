"""The public strategies: valid records of the right types, and Hypothesis stays optional."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from legaldelivery import codec
from legaldelivery.records import (
    Address,
    Case,
    Consent,
    ConsentRecorded,
    ConsentRevoked,
    Court,
    DeliveryOrder,
    Digest,
    Document,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    Fallback,
    InboundFiling,
    KeyRevocation,
    KeyRotation,
    Opening,
    Party,
    PartyRole,
    ReasonCode,
    RecipientReply,
    Sealed,
    ServiceDetermination,
)
from legaldelivery.testing import strategies

TYPED: list[tuple[Callable[[], st.SearchStrategy[Any]], type[Any]]] = [
    (strategies.parties, Party),
    (strategies.courts, Court),
    (strategies.cases, Case),
    (strategies.addresses, Address),
    (strategies.consents, Consent),
    (strategies.documents, Document),
    (strategies.document_parts, DocumentPart),
    (strategies.delivery_orders, DeliveryOrder),
    (strategies.evidence_events, EvidenceEvent),
    (strategies.recipient_replies, RecipientReply),
    (strategies.inbound_filings, InboundFiling),
    (strategies.fallbacks, Fallback),
    (strategies.consents_recorded, ConsentRecorded),
    (strategies.consent_revocations, ConsentRevoked),
    (strategies.service_determinations, ServiceDetermination),
    (strategies.key_rotations, KeyRotation),
    (strategies.key_revocations, KeyRevocation),
    (strategies.digests, Digest),
    (strategies.sealed_values, Sealed),
    (strategies.openings, Opening),
    (strategies.sources, EventSource),
    (strategies.reason_codes, ReasonCode),
]


@pytest.mark.parametrize(("factory", "cls"), TYPED, ids=lambda x: getattr(x, "__name__", ""))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_strategies_yield_their_type(
    factory: Callable[[], st.SearchStrategy[Any]], cls: type[Any], data: st.DataObject
) -> None:
    assert type(data.draw(factory())) is cls


def test_there_is_a_strategy_for_every_builtin_record_type() -> None:
    assert set(strategies.record_strategies()) == set(codec.BUILTIN_TAGS)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_record_strategies_yield_their_key(data: st.DataObject) -> None:
    for cls, strategy in strategies.record_strategies().items():
        assert type(data.draw(strategy)) is cls


@settings(max_examples=30, deadline=None)
@given(strategies.records())
def test_records_are_taggable(record: Any) -> None:
    assert codec.tag_of(record) in codec.BUILTIN_TAGS.values()


@settings(max_examples=20, deadline=None)
@given(strategies.parties(PartyRole.AGENT), strategies.evidence_events(EventKind.RELAY_FAILURE))
def test_arguments_narrow_the_strategies(party: Party, event: EvidenceEvent) -> None:
    assert party.role is PartyRole.AGENT
    assert event.kind is EventKind.RELAY_FAILURE
    assert event.grade is None


@settings(max_examples=20, deadline=None)
@given(strategies.addresses("sms", sealed=False), strategies.addresses(sealed=True))
def test_address_options(plain: Address, sealed: Address) -> None:
    assert plain.channel == "sms"
    assert isinstance(plain.handle, str)
    assert isinstance(sealed.handle, Sealed)


@settings(max_examples=20, deadline=None)
@given(strategies.delivery_orders())
def test_orders_have_distinct_parties(order: DeliveryOrder) -> None:
    assert order.sender.role is PartyRole.COURT
    assert order.recipient.party_id != order.sender.party_id


def test_replies_come_with_and_without_the_digest_of_their_content() -> None:
    # Both shapes must be drawn, or the codec's round trips never see one of them.
    quick = settings(max_examples=200, database=None, phases=[Phase.generate])
    with_content = find(
        strategies.recipient_replies(), lambda r: r.content_digest is not None, settings=quick
    )
    assert isinstance(with_content.content_digest, Digest)
    without = find(
        strategies.recipient_replies(), lambda r: r.content_digest is None, settings=quick
    )
    assert without.content_digest is None


def test_the_library_never_imports_hypothesis() -> None:
    script = """
import importlib, pkgutil, sys
import legaldelivery
for info in pkgutil.walk_packages(legaldelivery.__path__, "legaldelivery."):
    if info.name.startswith("legaldelivery.testing"):
        continue
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        if "hypothesis" in str(exc):
            raise
print(sorted(m for m in sys.modules if m.split(".")[0] in ("hypothesis", "pytest")))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"

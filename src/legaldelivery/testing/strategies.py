"""Hypothesis strategies for every record type, yielding valid records only.

Use them to property-test code that consumes records: ``@given(delivery_orders())``.
Every strategy is deterministic given Hypothesis's choices (salts and keys are drawn, not
taken from the operating system), so failures shrink and replay.

>>> from hypothesis import given, settings
>>> from legaldelivery import codec
>>> @settings(max_examples=5)
... @given(records())
... def test_tag(record):
...     assert codec.decode(codec.encode(record)) == record
>>> test_tag()

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import os
import string
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from legaldelivery import canonical
from legaldelivery.channels.base import (
    Arrived,
    Bounced,
    ChannelReport,
    Dispatch,
    Failed,
    Filed,
    Read,
    Replied,
    reason,
)
from legaldelivery.keys import Ed25519Signer, Verifier
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import (
    COUNTRIES,
    Address,
    AssuranceLevel,
    Case,
    ChannelKind,
    Consent,
    ConsentGround,
    ConsentRecorded,
    ConsentRevoked,
    Court,
    Deadline,
    DeliveryOrder,
    Digest,
    Document,
    DocumentKind,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    Fallback,
    FallbackMethod,
    Identifier,
    InboundFiling,
    KeyRevocation,
    KeyRotation,
    Opening,
    Party,
    PartyRole,
    Presumption,
    ReasonCode,
    RecipientReply,
    ReplyAct,
    Sealed,
    ServiceDetermination,
    SourceKind,
    VerificationMethod,
)

__all__ = [
    "LogSample",
    "ReportScenario",
    "Tampering",
    "addresses",
    "cases",
    "channel_reports",
    "consent_revocations",
    "consents",
    "consents_recorded",
    "courts",
    "delivery_orders",
    "digests",
    "document_parts",
    "documents",
    "evidence_events",
    "evidence_logs",
    "fallbacks",
    "handles",
    "identifiers",
    "inbound_filings",
    "instants",
    "key_revocations",
    "key_rotations",
    "names",
    "openings",
    "parties",
    "reason_codes",
    "recipient_replies",
    "record_strategies",
    "records",
    "report_scenarios",
    "report_sequences",
    "sealed_values",
    "service_determinations",
    "sources",
    "tampered_logs",
]

# Letters from several scripts (Latin, Chinese, Arabic, and one outside the BMP) so that
# records exercise UTF-8 and UTF-16 corner cases of the canonical form.
_ID_CHARS = string.ascii_letters + string.digits + "-_.:/#" + "éü中国辽ب𝔘"
_ZONES = (
    "UTC",
    "Asia/Shanghai",
    "Asia/Karachi",
    "Australia/Sydney",
    "America/New_York",
    "Europe/Rome",
    "Asia/Kathmandu",
)
_OFFSETS = (
    timezone.utc,
    timezone(timedelta(hours=8)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=45)),
)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def identifiers(max_size: int = 24) -> SearchStrategy[str]:
    """Identifiers: 1..max_size characters, no whitespace, some of them non-ASCII.

    .. versionadded:: 0.1.0
    """
    return st.text(alphabet=_ID_CHARS, min_size=1, max_size=max_size)


_word = st.text(alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=10)


def names() -> SearchStrategy[str]:
    """One-line names: 1 to 4 words of letters, digits, punctuation or symbols, any script.

    .. versionadded:: 0.1.0
    """
    return st.lists(_word, min_size=1, max_size=4).map(" ".join)


def instants() -> SearchStrategy[datetime]:
    """Aware datetimes (1990-2100) in several UTC offsets; records store them in UTC.

    .. versionadded:: 0.1.0
    """
    return st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(_OFFSETS),
    )


def _later(start: datetime, max_days: int = 400) -> SearchStrategy[datetime]:
    return st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=max_days)).map(
        lambda delta: start + delta
    )


def digests() -> SearchStrategy[Digest]:
    """SHA-256 digests (any 32 bytes).

    .. versionadded:: 0.1.0
    """
    return st.binary(min_size=32, max_size=32).map(lambda b: Digest(value=b))


def openings() -> SearchStrategy[Opening]:
    """Openings of sealed values: a drawn 32-byte salt and a name-like value.

    .. versionadded:: 0.1.0
    """
    return st.builds(Opening, salt=st.binary(min_size=32, max_size=32), value=names())


def sealed_values() -> SearchStrategy[Sealed]:
    """Sealed commitments (to name-like values, with drawn salts).

    .. versionadded:: 0.1.0
    """
    return openings().map(Opening.sealed)


def sources() -> SearchStrategy[EventSource]:
    """Event sources of every kind.

    .. versionadded:: 0.1.0
    """
    return st.builds(EventSource, kind=st.sampled_from(SourceKind), source_id=identifiers())


def reason_codes() -> SearchStrategy[ReasonCode]:
    """Reason codes: ``urn:example:reason:<n>`` with or without details.

    .. versionadded:: 0.1.0
    """
    return st.builds(
        ReasonCode,
        code=st.integers(0, 999).map(lambda n: f"urn:example:reason:{n}"),
        details=st.none() | names(),
    )


# -- parties --------------------------------------------------------------------------


def courts() -> SearchStrategy[Court]:
    """Courts with real IANA time zones.

    .. versionadded:: 0.1.0
    """
    return st.builds(Court, court_id=identifiers(), name=names(), time_zone=st.sampled_from(_ZONES))


def cases() -> SearchStrategy[Case]:
    """Cases with their courts.

    .. versionadded:: 0.1.0
    """
    return st.builds(Case, number=names(), court=courts())


def _identifier_records() -> SearchStrategy[Identifier]:
    return st.builds(
        Identifier,
        scheme=identifiers(16),
        value=identifiers() | sealed_values(),
        assurance=st.none() | st.sampled_from(AssuranceLevel),
    )


def parties(role: PartyRole | None = None) -> SearchStrategy[Party]:
    """Parties (of ``role``, or any role), names plain or sealed, any assigned country.

    .. versionadded:: 0.1.0
    """
    return st.builds(
        Party,
        party_id=identifiers(),
        name=names() | sealed_values(),
        role=st.just(role) if role is not None else st.sampled_from(PartyRole),
        country=st.sampled_from(sorted(COUNTRIES)),
        identifiers=st.lists(
            _identifier_records(), max_size=2, unique_by=lambda i: (i.scheme, i.value)
        ).map(tuple),
    )


# -- addresses ------------------------------------------------------------------------

_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@st.composite
def _emails(draw: st.DrawFn) -> str:
    atoms = draw(st.lists(st.text(_ATEXT, min_size=1, max_size=8), min_size=1, max_size=3))
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
    tld = draw(st.from_regex(r"[a-z][a-z0-9]{1,5}", fullmatch=True))
    return ".".join(atoms) + "@" + ".".join([*labels, tld])


_HANDLES: dict[str, SearchStrategy[str]] = {
    ChannelKind.WECHAT.value: st.from_regex(r"[A-Za-z0-9_-]{28}", fullmatch=True)
    | st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{5,19}", fullmatch=True),
    ChannelKind.EMAIL.value: _emails(),
    ChannelKind.SMS.value: st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True),
    ChannelKind.PORTAL.value: identifiers(),
    ChannelKind.POSTAL.value: st.lists(names(), min_size=1, max_size=4).map("\n".join),
    "other:line": names(),
}


def handles(kind: str) -> SearchStrategy[str]:
    """Valid plain handles for a built-in channel kind (or ``other:line``).

    .. versionadded:: 0.1.0
    """
    return _HANDLES[kind]


@st.composite
def _addresses(draw: st.DrawFn, kind: str | None, sealed: bool | None) -> Address:
    channel = kind if kind is not None else draw(st.sampled_from(sorted(_HANDLES)))
    address = Address(
        channel=channel,
        handle=draw(handles(channel)),
        verification=draw(st.sampled_from(VerificationMethod)),
        verified_at=draw(instants()),
    )
    if sealed if sealed is not None else draw(st.booleans()):
        address, _ = address.sealed(salt=draw(st.binary(min_size=32, max_size=32)))
    return address


def addresses(kind: str | None = None, *, sealed: bool | None = None) -> SearchStrategy[Address]:
    """Addresses of ``kind`` (default: any built-in kind or ``other:line``).

    ``sealed``: True for sealed handles only, False for plain only, None for both.

    .. versionadded:: 0.1.0
    """
    return _addresses(kind, sealed)


def _address_lists(min_size: int) -> SearchStrategy[tuple[Address, ...]]:
    return st.lists(
        addresses(), min_size=min_size, max_size=3, unique_by=lambda a: a.destination
    ).map(tuple)


# -- documents, consent, orders -------------------------------------------------------

_MEDIA_TYPES = ("application/pdf", "image/jpeg", "text/plain", "application/vnd.ms-excel")


def documents() -> SearchStrategy[Document]:
    """Document descriptions (digest and size drawn, not computed from bytes).

    .. versionadded:: 0.1.0
    """
    return st.builds(
        Document,
        document_id=identifiers(),
        kind=st.sampled_from(DocumentKind),
        title=names(),
        media_type=st.sampled_from(_MEDIA_TYPES),
        size=st.integers(0, 2**53 - 1),
        digest=digests(),
    )


def document_parts() -> SearchStrategy[DocumentPart]:
    """Document parts, as evidence events list them.

    .. versionadded:: 0.1.0
    """
    return documents().map(DocumentPart.of)


@st.composite
def _consents(draw: st.DrawFn) -> Consent:
    granted = draw(instants())
    channels = draw(st.lists(st.sampled_from(sorted(_HANDLES)), unique=True, max_size=3))
    return Consent(
        consent_id=draw(identifiers()),
        party_id=draw(identifiers()),
        channels=tuple(channels),
        addresses=draw(_address_lists(0 if channels else 1)),
        document_kinds=tuple(
            draw(st.lists(st.sampled_from(DocumentKind), min_size=1, max_size=4, unique=True))
        ),
        ground=draw(st.sampled_from(ConsentGround)),
        granted_at=granted,
        evidence_digest=draw(digests()),
        revoked_at=draw(st.none() | _later(granted)),
    )


def consents() -> SearchStrategy[Consent]:
    """Consents, revoked or not (revocation at or after the grant).

    .. versionadded:: 0.1.0
    """
    return _consents()


@st.composite
def _delivery_orders(draw: st.DrawFn) -> DeliveryOrder:
    sender = draw(parties(PartyRole.COURT))
    recipient = draw(
        parties(draw(st.sampled_from([r for r in PartyRole if r is not PartyRole.COURT])))
    )
    if recipient.party_id == sender.party_id:
        recipient = Party(
            party_id=recipient.party_id + "-r",
            name=recipient.name,
            role=recipient.role,
            country=recipient.country,
            identifiers=recipient.identifiers,
        )
    return DeliveryOrder(
        order_id=draw(identifiers()),
        case=draw(cases()),
        sender=sender,
        recipient=recipient,
        documents=tuple(
            draw(st.lists(documents(), min_size=1, max_size=3, unique_by=lambda d: d.document_id))
        ),
        legal_basis=draw(names()),
        channels=draw(_address_lists(1)),
        created_at=draw(instants()),
    )


def delivery_orders() -> SearchStrategy[DeliveryOrder]:
    """Delivery orders: the court as sender, another party as recipient, 1-3 documents.

    .. versionadded:: 0.1.0
    """
    return _delivery_orders()


# -- events ---------------------------------------------------------------------------

_optional_digests = st.none() | digests()
_reasons = st.lists(reason_codes(), max_size=2).map(tuple)
_parts = st.lists(document_parts(), max_size=3, unique_by=lambda p: p.document_id).map(tuple)


@st.composite
def _evidence_events(draw: st.DrawFn, kind: EventKind | None) -> EvidenceEvent:
    kind = kind if kind is not None else draw(st.sampled_from(EventKind))
    grades = sorted(kind.grades, key=lambda g: "" if g is None else g.value)
    return EvidenceEvent(
        event_id=draw(identifiers()),
        kind=kind,
        order_id=draw(identifiers()),
        sender_id=draw(identifiers()),
        recipient_id=draw(identifiers()),
        event_time=draw(instants()),
        source=draw(sources()),
        grade=draw(st.sampled_from(grades)),
        reasons=draw(_reasons),
        payload_digest=draw(_optional_digests),
        screenshot_digest=draw(_optional_digests),
        address=draw(st.none() | addresses()),
        provider_message_id=draw(st.none() | identifiers()),
        parts=draw(_parts),
        submission_time=draw(st.none() | instants()),
    )


def evidence_events(kind: EventKind | None = None) -> SearchStrategy[EvidenceEvent]:
    """ETSI evidence events (of ``kind``, or any), each with a grade its kind allows.

    .. versionadded:: 0.1.0
    """
    return _evidence_events(kind)


def recipient_replies() -> SearchStrategy[RecipientReply]:
    """Replies of the recipient, with or without the digest of what they sent.

    .. versionadded:: 0.1.0
    """
    return st.builds(
        RecipientReply,
        event_id=identifiers(),
        order_id=identifiers(),
        party_id=identifiers(),
        event_time=instants(),
        source=sources(),
        act=st.sampled_from(ReplyAct),
        objects_to_e_service=st.booleans(),
        document_ids=st.lists(identifiers(), max_size=3, unique=True).map(tuple),
        in_reply_to=st.none() | identifiers(),
        address=st.none() | addresses(),
        provider_message_id=st.none() | identifiers(),
        payload_digest=_optional_digests,
        screenshot_digest=_optional_digests,
        content_digest=_optional_digests,
        reasons=_reasons,
    )


def inbound_filings() -> SearchStrategy[InboundFiling]:
    """Filings received from a party, with at least one document part.

    .. versionadded:: 0.1.0
    """
    return st.builds(
        InboundFiling,
        event_id=identifiers(),
        case_number=names(),
        order_id=st.none() | identifiers(),
        party_id=identifiers(),
        event_time=instants(),
        source=sources(),
        document_kind=st.sampled_from(DocumentKind),
        parts=st.lists(
            document_parts(), min_size=1, max_size=3, unique_by=lambda p: p.document_id
        ).map(tuple),
        address=st.none() | addresses(),
        provider_message_id=st.none() | identifiers(),
        payload_digest=_optional_digests,
        screenshot_digest=_optional_digests,
        submission_time=st.none() | instants(),
        reasons=_reasons,
    )


@st.composite
def _fallbacks(draw: st.DrawFn) -> Fallback:
    method = draw(st.sampled_from(FallbackMethod))
    from_address = draw(st.none() | addresses())
    to_address = None
    if method is FallbackMethod.ANOTHER_CHANNEL:
        to_address = draw(
            addresses().filter(
                lambda a: from_address is None or a.destination != from_address.destination
            )
        )
    return Fallback(
        event_id=draw(identifiers()),
        order_id=draw(identifiers()),
        event_time=draw(instants()),
        source=draw(sources()),
        method=method,
        from_address=from_address,
        to_address=to_address,
        triggered_by=draw(st.none() | identifiers()),
        reasons=draw(_reasons),
    )


def fallbacks() -> SearchStrategy[Fallback]:
    """Fallbacks to another channel (with its address) or to another method.

    .. versionadded:: 0.1.0
    """
    return _fallbacks()


def consents_recorded() -> SearchStrategy[ConsentRecorded]:
    """Consent-recorded events.

    .. versionadded:: 0.1.0
    """
    return st.builds(
        ConsentRecorded,
        event_id=identifiers(),
        order_id=st.none() | identifiers(),
        event_time=instants(),
        source=sources(),
        consent=consents(),
        payload_digest=_optional_digests,
        reasons=_reasons,
    )


@st.composite
def _consent_revocations(draw: st.DrawFn) -> ConsentRevoked:
    at = draw(instants())
    return ConsentRevoked(
        event_id=draw(identifiers()),
        order_id=draw(st.none() | identifiers()),
        event_time=at,
        source=draw(sources()),
        consent_id=draw(identifiers()),
        party_id=draw(identifiers()),
        revoked_at=draw(_later(at)),
        payload_digest=draw(_optional_digests),
        reasons=draw(_reasons),
    )


def consent_revocations() -> SearchStrategy[ConsentRevoked]:
    """Consent-revoked events (effective at or after they are recorded).

    .. versionadded:: 0.1.0
    """
    return _consent_revocations()


@st.composite
def _deadlines(draw: st.DrawFn, served: datetime) -> Deadline:
    ends_at = served + draw(
        st.timedeltas(min_value=timedelta(hours=1), max_value=timedelta(days=400))
    )
    return Deadline(
        name=draw(names()),
        due=ends_at.date(),
        ends_at=ends_at,
        citation=draw(names()),
        steps=tuple(draw(st.lists(names(), max_size=3))),
    )


@st.composite
def _service_determinations(draw: st.DrawFn) -> ServiceDetermination:
    served = draw(st.none() | instants())
    deadlines: tuple[Deadline, ...] = ()
    if served is not None:
        deadlines = tuple(
            draw(st.lists(_deadlines(served), max_size=3, unique_by=lambda d: d.name))
        )
    event_id = draw(identifiers())
    return ServiceDetermination(
        event_id=event_id,
        order_id=draw(identifiers()),
        event_time=draw(instants()),
        source=draw(sources()),
        rule_set=draw(identifiers()),
        time_of_service=served,
        rests_on=None if served is None else draw(identifiers()),
        presumption=None if served is None else draw(st.sampled_from(Presumption)),
        citation=draw(names()),
        steps=tuple(draw(st.lists(names(), max_size=4))),
        deadlines=deadlines,
        reasons=draw(_reasons),
        supersedes=draw(st.none() | identifiers().filter(lambda other: other != event_id)),
    )


def service_determinations() -> SearchStrategy[ServiceDetermination]:
    """Determinations: served (with deadlines ending after service) or not yet served,
    first or superseding another.

    .. versionadded:: 0.1.0
    """
    return _service_determinations()


def _public_key_der(algorithm: str, seed: bytes) -> bytes:
    if algorithm == "ed25519":
        public: Any = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    else:
        scalar = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
        public = ec.derive_private_key(scalar, ec.SECP256R1()).public_key()
    der: bytes = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


@st.composite
def _key_rotations(draw: st.DrawFn) -> KeyRotation:
    algorithm = draw(st.sampled_from(("ed25519", "ecdsa-p256")))
    der = _public_key_der(algorithm, draw(st.binary(min_size=32, max_size=32)))
    at = draw(instants())
    valid_from = draw(_later(at, 30))
    return KeyRotation(
        event_id=draw(identifiers()),
        event_time=at,
        new_key_name=draw(identifiers().filter(lambda n: "+" not in n)),
        new_key_algorithm=algorithm,  # type: ignore[arg-type]  # drawn from the Literal's values
        new_public_key=der,
        new_fingerprint=hashlib.sha256(der).hexdigest(),
        valid_from=valid_from,
        previous_valid_until=draw(st.none() | _later(valid_from, 30)),
        reason=draw(names()),
    )


def key_rotations() -> SearchStrategy[KeyRotation]:
    """Key rotations with real Ed25519 or P-256 public keys and matching fingerprints.

    .. versionadded:: 0.1.0
    """
    return _key_rotations()


def key_revocations() -> SearchStrategy[KeyRevocation]:
    """Key revocations.

    .. versionadded:: 0.1.0
    """
    return st.builds(
        KeyRevocation,
        event_id=identifiers(),
        event_time=instants(),
        fingerprint=st.binary(min_size=32, max_size=32).map(bytes.hex),
        revoked_at=instants(),
        reason=names(),
    )


def record_strategies() -> dict[type[Any], SearchStrategy[Any]]:
    """A strategy for each of the library's taggable record types, keyed by the type.

    >>> from legaldelivery import codec
    >>> set(record_strategies()) == set(codec.BUILTIN_TAGS)
    True

    .. versionadded:: 0.1.0
    """
    return {
        Party: parties(),
        Court: courts(),
        Case: cases(),
        Address: addresses(),
        Consent: consents(),
        Document: documents(),
        DeliveryOrder: delivery_orders(),
        EvidenceEvent: evidence_events(),
        RecipientReply: recipient_replies(),
        InboundFiling: inbound_filings(),
        Fallback: fallbacks(),
        ConsentRecorded: consents_recorded(),
        ConsentRevoked: consent_revocations(),
        ServiceDetermination: service_determinations(),
        KeyRotation: key_rotations(),
        KeyRevocation: key_revocations(),
    }


def records() -> SearchStrategy[Any]:
    """Any record the codec has a tag for among the library's own: what a log may hold.

    .. versionadded:: 0.1.0
    """
    return st.one_of(*record_strategies().values())


# -- channel reports --------------------------------------------------------------------

_REPORT_START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
_PROVIDER_IDS = st.from_regex(r"[a-z]{2,6}-[0-9a-f]{4,16}", fullmatch=True)


def _report(
    cls: type[ChannelReport], mid: str, at: datetime, n: int, with_id: bool, **more: Any
) -> ChannelReport:
    event = cls.__name__.lower()
    payload = f'{{"event":"{event}","msgid":"{mid}","n":{n}}}'.encode()
    return cls(
        provider_message_id=mid,
        occurred_at=at,
        payload_digest=Digest.of(payload),
        report_id=f"{mid}/{event}/{n}" if with_id else None,
        **more,
    )


@st.composite
def _story(draw: st.DrawFn, mid: str, after: datetime) -> list[ChannelReport]:
    """One plausible history of a message, in the order it happened."""
    gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))
    with_ids = draw(st.booleans())
    at = after + draw(gaps)
    made: list[ChannelReport] = []

    def add(cls: type[ChannelReport], **more: Any) -> None:
        made.append(_report(cls, mid, at, len(made), with_ids, **more))

    outcome = draw(st.sampled_from(("delivered", "failed", "bounced", "retried")))
    if outcome == "retried":
        # A provider that gave up for now and later delivered after all.
        add(Failed, permanent=False, reason=reason("provider:busy"))
        at += draw(gaps)
        outcome = "delivered"
    if outcome == "failed":
        add(Failed, permanent=draw(st.booleans()), reason=reason("provider:undeliverable"))
    elif outcome == "bounced":
        add(Bounced, reason=reason("provider:no-such-user"))
    else:
        add(Arrived)
        if draw(st.booleans()):
            at += draw(gaps)
            add(Read)
        if draw(st.booleans()):
            at += draw(gaps)
            add(
                Replied,
                act=draw(st.sampled_from(ReplyAct)),
                objects_to_e_service=draw(st.booleans()),
                reply_digest=draw(_optional_digests),
            )
        if draw(st.booleans()):
            at += draw(gaps)
            add(
                Filed,
                document_kind=DocumentKind.DEFENCE,
                parts=draw(
                    st.lists(
                        document_parts(), min_size=1, max_size=2, unique_by=lambda p: p.document_id
                    )
                ),
            )
    return made


def channel_reports(
    provider_message_id: str | None = None, *, after: datetime | None = None
) -> SearchStrategy[ChannelReport]:
    """Single provider reports of every kind about one message (drawn id by default).

    ``after``: the reports happen at or after this instant (default 2026-03-02 01:00 UTC).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5)
    ... @given(channel_reports("wx-1"))
    ... def test_about(report):
    ...     assert report.provider_message_id == "wx-1"
    >>> test_about()

    .. versionadded:: 0.1.0
    """
    start = _REPORT_START if after is None else after
    ids = _PROVIDER_IDS if provider_message_id is None else st.just(provider_message_id)
    return ids.flatmap(lambda mid: _story(mid, start)).flatmap(st.sampled_from)


@st.composite
def _sequences(
    draw: st.DrawFn, mid: str | None, after: datetime | None, disorder: bool
) -> list[ChannelReport]:
    message = draw(_PROVIDER_IDS) if mid is None else mid
    story = draw(_story(message, _REPORT_START if after is None else after))
    if not disorder:
        return story
    # Providers deliver webhooks at least once and in no guaranteed order.
    repeats = draw(st.lists(st.sampled_from(story), max_size=3))
    return list(draw(st.permutations(story + repeats)))


def report_sequences(
    provider_message_id: str | None = None,
    *,
    after: datetime | None = None,
    disorder: bool = True,
) -> SearchStrategy[list[ChannelReport]]:
    """What a provider reports about one message: a plausible history, as callbacks come.

    Histories are: arrived (then perhaps read, answered, a filing sent back); failed
    (transient or permanent); bounced; or failed for now and then arrived. With
    ``disorder`` (the default) some reports come twice (exact copies: the same callback
    delivered again) and the order is shuffled; without, each comes once, in time order.
    Distinct reports always have distinct :attr:`~ChannelReport.identity`.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10)
    ... @given(report_sequences("wx-1", disorder=False))
    ... def test_in_time_order(reports):
    ...     times = [r.occurred_at for r in reports]
    ...     assert times == sorted(times)
    >>> test_in_time_order()

    .. versionadded:: 0.1.0
    """
    return _sequences(provider_message_id, after, disorder)


@attrs.frozen(kw_only=True)
class ReportScenario:
    """An order sent to its first address, and the reports its provider then sends.

    ``records`` are what the service logged up to the dispatch (the order, its acceptance
    and the dispatch event), so ``fold(order.order_id, records)`` is the state the reports
    are mapped in with :func:`~legaldelivery.service.evidence_for`.

    .. versionadded:: 0.1.0
    """

    order: DeliveryOrder
    """The order served."""
    dispatch: Dispatch
    """The provider's acceptance of the message."""
    records: tuple[object, ...]
    """The order, its SubmissionAcceptance and the RelayToNonERDS dispatch event."""
    reports: tuple[ChannelReport, ...]
    """The provider's reports about the message, as they come (duplicates included)."""


@st.composite
def _scenarios(draw: st.DrawFn, disorder: bool) -> ReportScenario:
    from legaldelivery.service.evidence import dispatch_record
    from legaldelivery.service.process import SERVICE_SOURCE, Send, fold

    order = draw(delivery_orders())
    plain = draw(addresses(sealed=False))
    order = attrs.evolve(order, channels=(plain,))
    accepted = order.created_at + draw(st.timedeltas(timedelta(0), timedelta(days=2)))
    acceptance = EvidenceEvent(
        event_id=f"{order.order_id[:100]}/submission",
        kind=EventKind.SUBMISSION_ACCEPTANCE,
        order_id=order.order_id,
        sender_id=order.sender.party_id,
        recipient_id=order.recipient.party_id,
        event_time=accepted,
        source=SERVICE_SOURCE,
        parts=[DocumentPart.of(d) for d in order.documents],
        submission_time=accepted,
    )
    state = fold(order.order_id, [order, acceptance])
    mid = draw(_PROVIDER_IDS)
    sent = accepted + draw(st.timedeltas(timedelta(0), timedelta(hours=6)))
    dispatch = Dispatch(provider_message_id=mid, accepted_at=sent)
    send = Send(
        order_id=order.order_id,
        channel_index=0,
        address=plain,
        attempt=1,
        event_id=f"{order.order_id[:100]}/send/0/1",
    )
    relay = dispatch_record(state, send, dispatch)
    reports = draw(_sequences(mid, sent, disorder))
    return ReportScenario(
        order=order, dispatch=dispatch, records=(order, acceptance, relay), reports=tuple(reports)
    )


def report_scenarios(*, disorder: bool = True) -> SearchStrategy[ReportScenario]:
    """Orders dispatched to one address, with the provider's reports about the message.

    >>> from hypothesis import given, settings
    >>> from legaldelivery.service import SERVICE_SOURCE, evidence_for, fold
    >>> @settings(max_examples=5, deadline=None)
    ... @given(report_scenarios())
    ... def test_each_report_is_evidence(scenario):
    ...     state = fold(scenario.order.order_id, scenario.records)
    ...     for report in scenario.reports:
    ...         evidence_for(state, report, source=SERVICE_SOURCE)
    >>> test_each_report_is_evidence()

    .. versionadded:: 0.1.0
    """
    return _scenarios(disorder)


# -- evidence logs ----------------------------------------------------------------------

_LOG_START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


@attrs.frozen(kw_only=True)
class LogSample:
    """A complete evidence log as its JSON Lines export, with what an auditor needs.

    .. versionadded:: 0.1.0
    """

    origin: str
    """The log's origin."""
    records: tuple[object, ...]
    """The records appended, in order."""
    lines: tuple[bytes, ...] = attrs.field(repr=False)
    """The entries' canonical bytes (one JSON Lines line each, without the line end)."""
    checkpoint: str = attrs.field(repr=False)
    """A signed checkpoint note of the whole log as built."""
    verifier: Verifier = attrs.field(repr=False)
    """The key that signed the log: the one to trust."""

    @property
    def data(self) -> bytes:
        """The JSON Lines export: each line with its line end."""
        return b"".join(line + b"\n" for line in self.lines)

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the JSON Lines export to ``path`` (use a ``.jsonl`` name to audit it)."""
        with open(path, "wb") as f:
            f.write(self.data)


def _log_records() -> SearchStrategy[Any]:
    # Key events are the log's own business (rotate_key); a caller never appends them.
    return st.one_of(
        *(s for t, s in record_strategies().items() if t not in (KeyRotation, KeyRevocation))
    )


@st.composite
def _evidence_logs(draw: st.DrawFn, min_size: int, max_size: int) -> LogSample:
    origin = "court.example/" + draw(st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True))
    seed = draw(st.binary(min_size=32, max_size=32))
    signer = Ed25519Signer(origin, ed25519.Ed25519PrivateKey.from_private_bytes(seed))
    chosen = draw(st.lists(_log_records(), min_size=min_size, max_size=max_size))
    ticks = iter(range(1_000_000))
    log = EvidenceLog.create(
        ":memory:",
        origin=origin,
        signer=signer,
        clock=lambda: _LOG_START + timedelta(seconds=next(ticks)),
    )
    try:
        for record in chosen:
            log.append(record)
        lines = tuple(log.store.iter_entries())
        note = log.checkpoint()
    finally:
        log.close()
    return LogSample(
        origin=origin,
        records=tuple(chosen),
        lines=lines,
        checkpoint=note,
        verifier=signer.verifier,
    )


def evidence_logs(*, min_size: int = 1, max_size: int = 6) -> SearchStrategy[LogSample]:
    """Valid, signed evidence logs of ``min_size`` to ``max_size`` drawn records.

    Each log has its own drawn Ed25519 key, so examples replay and shrink; an audit with
    its verifier and checkpoint finds nothing.

    >>> import tempfile, pathlib
    >>> from hypothesis import given, settings
    >>> from legaldelivery import audit_log
    >>> @settings(max_examples=3, deadline=None)
    ... @given(evidence_logs(max_size=3))
    ... def test_valid(sample):
    ...     with tempfile.TemporaryDirectory() as tmp:
    ...         path = pathlib.Path(tmp) / "log.jsonl"
    ...         sample.write(path)
    ...         report = audit_log(path, trusted=[sample.verifier], checkpoint=sample.checkpoint)
    ...     assert report.ok, report.findings
    >>> test_valid()

    .. versionadded:: 0.1.0
    """
    if not 0 <= min_size <= max_size:
        raise ValueError("expected 0 <= min_size <= max_size")
    return _evidence_logs(min_size, max_size)


TAMPERINGS = ("edit-record", "edit-time", "drop", "swap", "truncate")
"""The mutations :func:`tampered_logs` makes."""


@attrs.frozen(kw_only=True)
class Tampering:
    """One mutation made to a log: what was done, and the first entry that shows it.

    ``entry`` is None when the mutation is only visible against the checkpoint (entries
    cut off the end).

    .. versionadded:: 0.1.0
    """

    kind: str
    """One of :data:`TAMPERINGS`."""
    entry: int | None
    """The position (in the tampered log) of the first entry an audit must flag."""
    description: str
    """What was changed, for a failure message."""


def _string_leaves(value: object, path: str) -> list[str]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in sorted(value.items()) for p in _string_leaves(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_leaves(v, f"{path}[{i}]")]
    return []


def _edit_leaf(entry: dict[str, Any], path: str) -> None:
    parts = path.replace("[", ".[").split(".")[1:]
    node: Any = entry
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    node[key] = node[key] + "~"


@st.composite
def _tampered(draw: st.DrawFn) -> tuple[LogSample, Tampering]:
    sample = draw(evidence_logs(min_size=2))
    lines = list(sample.lines)
    kind = draw(st.sampled_from(TAMPERINGS))
    entry: int | None
    if kind in ("edit-record", "edit-time"):
        entry = draw(st.integers(0, len(lines) - 1))
        decoded = canonical.loads(lines[entry])
        assert isinstance(decoded, dict)
        if kind == "edit-time":
            moved = draw(st.sampled_from(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")))
            old = decoded["time"]
            decoded["time"] = old[:-2] + (moved if old[-2] != moved else str(9 - int(moved))) + "Z"
            what = f"entry {entry}: time {old} changed to {decoded['time']}"
        else:
            leaves = [p for p in _string_leaves(decoded["record"], "") if p != ".type"]
            leaf = draw(st.sampled_from(leaves)) if leaves else ".type"
            _edit_leaf(decoded["record"], leaf)
            what = f"entry {entry}: record{leaf} changed"
        lines[entry] = canonical.dumps(decoded)
    elif kind == "drop":
        entry = draw(st.integers(0, len(lines) - 2))
        del lines[entry]
        what = f"entry {entry} removed"
    elif kind == "swap":
        entry = draw(st.integers(0, len(lines) - 2))
        other = draw(st.integers(entry + 1, len(lines) - 1))
        lines[entry], lines[other] = lines[other], lines[entry]
        what = f"entries {entry} and {other} swapped"
    else:
        cut = draw(st.integers(1, len(lines) - 1))
        del lines[len(lines) - cut :]
        entry = None
        what = f"last {cut} entries removed"
    return (
        attrs.evolve(sample, lines=tuple(lines)),
        Tampering(kind=kind, entry=entry, description=what),
    )


def tampered_logs() -> SearchStrategy[tuple[LogSample, Tampering]]:
    """Logs changed after the fact, each paired with the mutation made.

    The sample keeps the original checkpoint and key, as an auditor would have them; an
    audit must find a defect at ``tampering.entry`` (or, for a truncation, against the
    checkpoint). See :data:`TAMPERINGS` for the mutations.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, deadline=None)
    ... @given(tampered_logs())
    ... def test_changed(pair):
    ...     sample, tampering = pair
    ...     assert tampering.kind in TAMPERINGS
    >>> test_changed()

    .. versionadded:: 0.1.0
    """
    return _tampered()


# -- hypothesis entry point -------------------------------------------------------------


def _hypothesis_setup_hook() -> None:
    """Register the strategies with Hypothesis, so ``st.from_type(DeliveryOrder)`` works.

    Runs when this module is imported, which the ``hypothesis`` entry point group does
    (``legaldelivery.testing._hypothesis``) when Hypothesis is imported with
    ``legaldelivery[testing]`` installed. Registering twice is harmless.

    .. versionadded:: 0.1.0
    """
    extra: dict[type[Any], SearchStrategy[Any]] = {
        Digest: digests(),
        Sealed: sealed_values(),
        Opening: openings(),
        EventSource: sources(),
        ReasonCode: reason_codes(),
        DocumentPart: document_parts(),
        ChannelReport: channel_reports(),
    }
    for cls, strategy in {**record_strategies(), **extra}.items():
        st.register_type_strategy(cls, strategy)


# Registered on import, so that ``st.from_type`` knows the records however Hypothesis
# and this module came to be imported (see ``legaldelivery.testing._hypothesis``).
_hypothesis_setup_hook()

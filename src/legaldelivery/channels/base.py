"""What a host implements to serve over its own provider: the channel interfaces and the
values that cross them (envelopes in, dispatches and provider reports out).

A channel only talks to its provider. It is handed an :class:`Envelope`, returns a
:class:`Dispatch` or raises a :class:`TransientChannelError` / :class:`PermanentChannelError`;
the provider's callbacks come back later as typed :class:`ChannelReport` values that the
host feeds to the delivery service, each with the digest of the provider's raw payload.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

import attrs

from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.records import (
    Address,
    DeliveryOrder,
    Digest,
    Document,
    DocumentKind,
    DocumentPart,
    EvidenceGrade,
    ReasonCode,
    ReplyAct,
    Sealed,
    _checks,
)

__all__ = [
    "PERMANENT_FAILURE",
    "REASON_PREFIX",
    "TRANSIENT_FAILURE",
    "Arrived",
    "AsyncChannel",
    "Attachment",
    "Bounced",
    "Channel",
    "ChannelCapabilities",
    "ChannelError",
    "ChannelReport",
    "Content",
    "Dispatch",
    "Envelope",
    "Failed",
    "Filed",
    "PermanentChannelError",
    "Read",
    "Replied",
    "RetrievalLink",
    "TransientChannelError",
    "notice_text",
    "reason",
]

REASON_PREFIX = "urn:legaldelivery:reason:"
"""Prefix of the reason codes the library writes."""

TRANSIENT_FAILURE = REASON_PREFIX + "transient-failure"
"""Marks a failure that may pass: the same message may be sent again later."""

PERMANENT_FAILURE = REASON_PREFIX + "permanent-failure"
"""Marks a failure that will not pass by trying again: service moves on."""


def reason(name: str, details: str | None = None) -> ReasonCode:
    """A reason code in the library's namespace, its details cut to what a record holds.

    Control characters other than newlines are replaced, so text taken from a provider
    (an SMTP server's reply) always fits a record.

    >>> reason("smtp:550", "5.1.1 <li.wei@example.com>: mailbox unavailable").code
    'urn:legaldelivery:reason:smtp:550'

    .. versionadded:: 0.1.0
    """
    text = None
    if details is not None:
        cleaned = "".join(
            c if c == "\n" or (c.isprintable() and c not in "\u2028\u2029") else " "
            for c in details
        ).strip()
        text = cleaned[: _checks.CITATION_MAX] or None
        if text is not None:
            text = text.rstrip()
    return ReasonCode(code=REASON_PREFIX + name, details=text)


# -- errors ------------------------------------------------------------------------------


class ChannelError(LegalDeliveryError):
    """A channel could not hand a message to its provider.

    Neither bad input nor failed verification: the provider or the network is at fault.
    ``reason`` is the code logged with the failure; the subclass says whether trying again
    can help. Messages never contain credentials.

    .. versionadded:: 0.1.0
    """

    permanent: ClassVar[bool] = False

    def __init__(self, message: str, *, reason: ReasonCode | None = None) -> None:
        super().__init__(message)
        if reason is not None and not isinstance(reason, ReasonCode):
            raise InputError("expected a ReasonCode", path="reason", got=reason)
        self.reason = reason if reason is not None else _default_reason(message)


def _default_reason(message: str) -> ReasonCode:
    return reason("channel-error", message)


class TransientChannelError(ChannelError):
    """The provider may accept the message later (busy, timeout, 4xx): retry with backoff.

    >>> err = TransientChannelError("421 service not available", reason=reason("smtp:421"))
    >>> err.permanent, err.reason.code
    (False, 'urn:legaldelivery:reason:smtp:421')

    .. versionadded:: 0.1.0
    """

    permanent = False


class PermanentChannelError(ChannelError):
    """The provider will not take this message (unknown account, 5xx): fall back.

    .. versionadded:: 0.1.0
    """

    permanent = True


# -- capabilities ------------------------------------------------------------------------

_optional_limit = _checks.on_field(_checks.optional(_checks.integer(1)))


def _grades(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, frozenset) or not all(isinstance(g, EvidenceGrade) for g in value):
        _checks.fail(attribute.name, "expected a frozenset of EvidenceGrade members", value)


def _frozen(value: Any) -> Any:
    return frozenset(value) if isinstance(value, (set, list, tuple)) else value


@attrs.frozen(kw_only=True)
class ChannelCapabilities:
    """What a channel can carry and which evidence of receipt its provider reports.

    ``evidence``: the grades its reports can reach (``arrival`` for delivery receipts,
    ``system_read`` for read receipts, ``human_action`` for replies and filings).
    Documents are attached when the limits allow, else sent as retrieval links when the
    channel takes ``links`` and the host provides them.

    >>> caps = ChannelCapabilities(evidence={EvidenceGrade.ARRIVAL}, attachments=False,
    ...                            links=True)
    >>> caps.plan([Document.from_bytes(b"x", document_id="d", kind=DocumentKind.SUMMONS,
    ...            title="Summons", media_type="application/pdf")], links_available=True)
    (False,)

    .. versionadded:: 0.1.0
    """

    evidence: frozenset[EvidenceGrade] = attrs.field(
        default=frozenset({EvidenceGrade.ARRIVAL}), converter=_frozen, validator=_grades
    )
    """The evidence grades the provider's reports can carry."""
    attachments: bool = attrs.field(
        default=True, validator=_checks.on_field(_checks.instance_of(bool, "a bool"))
    )
    """Whether documents can travel inside the message."""
    max_attachment_bytes: int | None = attrs.field(default=None, validator=_optional_limit)
    """The largest single attachment, or None for no limit."""
    max_total_bytes: int | None = attrs.field(default=None, validator=_optional_limit)
    """The most attachment bytes in one message, or None for no limit."""
    max_attachments: int | None = attrs.field(default=None, validator=_optional_limit)
    """The most attachments in one message, or None for no limit."""
    links: bool = attrs.field(
        default=False, validator=_checks.on_field(_checks.instance_of(bool, "a bool"))
    )
    """Whether the message can carry retrieval links instead of documents."""

    def plan(self, documents: Sequence[Document], *, links_available: bool) -> tuple[bool, ...]:
        """For each document, True to attach it, False to send a retrieval link.

        Documents are attached in order while the limits allow; the rest go as links.
        Raises :class:`PermanentChannelError` when some document can go neither way.
        """
        plan: list[bool] = []
        total = 0
        for doc in documents:
            fits = (
                self.attachments
                and (self.max_attachment_bytes is None or doc.size <= self.max_attachment_bytes)
                and (self.max_total_bytes is None or total + doc.size <= self.max_total_bytes)
                and (self.max_attachments is None or sum(plan) < self.max_attachments)
            )
            if fits:
                total += doc.size
            elif not (self.links and links_available):
                raise PermanentChannelError(
                    f"document {doc.document_id} ({doc.size} bytes) can be neither attached nor "
                    "linked on this channel",
                    reason=reason("content-not-deliverable", f"document {doc.document_id}"),
                )
            plan.append(bool(fits))
        return tuple(plan)


# -- envelopes ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Attachment:
    """A document travelling inside the message, with bytes checked against its digest.

    >>> doc = Document.from_bytes(b"%PDF", document_id="summons", kind=DocumentKind.SUMMONS,
    ...                           title="Summons", media_type="application/pdf")
    >>> Attachment(document=doc, data=b"%PDX")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: data: the bytes are not those of document summons: ...

    .. versionadded:: 0.1.0
    """

    document: Document = attrs.field(
        validator=_checks.on_field(_checks.instance_of(Document, "a Document"))
    )
    """The document."""
    data: bytes = attrs.field(repr=False)
    """Its exact bytes."""

    @data.validator
    def _check_data(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is not bytes:
            _checks.fail(attribute.name, "expected bytes", type(value).__name__)
        if len(value) != self.document.size or Digest.of(value) != self.document.digest:
            _checks.fail(
                attribute.name,
                f"the bytes are not those of document {self.document.document_id}: expected "
                f"{self.document.size} bytes with digest {self.document.digest}",
            )


@attrs.frozen(kw_only=True)
class RetrievalLink:
    """A document the recipient fetches from a link (the court's portal, for instance).

    .. versionadded:: 0.1.0
    """

    document: Document = attrs.field(
        validator=_checks.on_field(_checks.instance_of(Document, "a Document"))
    )
    """The document."""
    url: str = attrs.field(validator=_checks.on_field(_checks.uri))
    """Where it can be fetched (an absolute URI)."""


Content = Attachment | RetrievalLink
"""One document of an envelope: attached or linked."""


def _contents(instance: Envelope, attribute: attrs.Attribute[Any], value: Any) -> None:
    _checks.tuple_of(
        _checks.instance_of((Attachment, RetrievalLink), "an Attachment or a RetrievalLink")
    )(value, attribute.name)
    given = [c.document for c in value]
    if given != list(instance.order.documents):
        _checks.fail(
            attribute.name, "expected one content per document of the order, in the order's order"
        )


def _address(instance: Envelope, attribute: attrs.Attribute[Any], value: Any) -> None:
    _checks.instance_of(Address, "an Address")(value, attribute.name)
    if value not in instance.order.channels:
        _checks.fail(attribute.name, "expected one of the order's addresses")
    if isinstance(value.handle, Sealed):
        _checks.fail(f"{attribute.name}.handle", "a sealed handle cannot be sent to")


@attrs.frozen(kw_only=True)
class Envelope:
    """What a channel sends: the order's documents for one address, and the notice text.

    ``envelope_id`` is the same for the same order, address and attempt, whoever builds
    it: a channel passes it to its provider as an idempotency key where it can, so a
    message re-sent after a crash is recognised as the same one.

    .. versionadded:: 0.1.0
    """

    envelope_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """Stable id of this send (order, address, attempt)."""
    order: DeliveryOrder = attrs.field(
        validator=_checks.on_field(_checks.instance_of(DeliveryOrder, "a DeliveryOrder"))
    )
    """The order served."""
    address: Address = attrs.field(validator=_address)
    """Where to (one of the order's addresses, with a plain handle)."""
    contents: tuple[Content, ...] = attrs.field(converter=_checks.to_tuple, validator=_contents)
    """Each document of the order, attached or linked, in the order's order."""
    notice: str = attrs.field(validator=_checks.on_field(_checks.text()))
    """The text of the notice that accompanies the documents."""
    attempt: int = attrs.field(validator=_checks.on_field(_checks.integer(1)))
    """1 for the first send to this address, 2 for the first retry, and so on."""

    @property
    def handle(self) -> str:
        """The recipient's plain handle on the channel."""
        handle = self.address.handle
        assert isinstance(handle, str)  # checked at construction
        return handle

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        """The attached documents."""
        return tuple(c for c in self.contents if isinstance(c, Attachment))

    @property
    def links(self) -> tuple[RetrievalLink, ...]:
        """The linked documents."""
        return tuple(c for c in self.contents if isinstance(c, RetrievalLink))


def notice_text(order: DeliveryOrder) -> str:
    """The default notice: who serves what in which case, each document with its digest.

    >>> from legaldelivery.testing.fakes import sample_order
    >>> print(notice_text(sample_order()).splitlines()[0])
    Donggang People's Court serves documents on you in case (2026) Liao 0681 Min Chu 1234.

    .. versionadded:: 0.1.0
    """
    lines = [
        f"{order.case.court.name} serves documents on you in case {order.case.number}.",
        f"Legal basis: {order.legal_basis}.",
        "Documents (SHA-256 of each file, to check that you received them unchanged):",
    ]
    lines += [f"- {d.title} ({d.document_id}): {d.digest}" for d in order.documents]
    return "\n".join(lines)


# -- dispatches and reports --------------------------------------------------------------

_id = _checks.on_field(_checks.identifier())
_optional_id = _checks.on_field(_checks.optional(_checks.identifier()))
_instant = _checks.on_field(_checks.instant)
_digest = _checks.on_field(_checks.instance_of(Digest, "a Digest"))
_optional_digest = _checks.on_field(_checks.optional(_checks.instance_of(Digest, "a Digest")))
_reason = _checks.on_field(_checks.instance_of(ReasonCode, "a ReasonCode"))


@attrs.frozen(kw_only=True)
class Dispatch:
    """The provider took the message: its id for the message, and when it accepted it.

    >>> from datetime import datetime, timezone
    >>> Dispatch(provider_message_id="wx-1", accepted_at=datetime(2026, 3, 2, 9,
    ...          tzinfo=timezone.utc)).payload_digest is None
    True

    .. versionadded:: 0.1.0
    """

    provider_message_id: str = attrs.field(validator=_id)
    """The provider's id of the message: its reports name it."""
    accepted_at: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the provider accepted the message."""
    payload_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of the provider's raw response, when there is one."""


@attrs.frozen(kw_only=True)
class ChannelReport:
    """A provider's report about a message it took: the common part of every report.

    ``report_id`` is the provider's id of the callback; without one, the digest of the raw
    payload stands in, so the same callback delivered twice is recognised either way.

    .. versionadded:: 0.1.0
    """

    provider_message_id: str = attrs.field(validator=_id)
    """The message the report is about (the :attr:`Dispatch.provider_message_id`)."""
    occurred_at: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When it happened, by the provider's account."""
    payload_digest: Digest = attrs.field(validator=_digest)
    """Digest of the provider's raw payload (the callback body, the notification message)."""
    report_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The provider's id of this report, if it gives one."""
    screenshot_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of a screenshot kept as evidence, if any."""

    @property
    def identity(self) -> str:
        """What makes two reports the same: the report id, else the payload digest."""
        return self.report_id if self.report_id is not None else str(self.payload_digest)


@attrs.frozen(kw_only=True)
class Arrived(ChannelReport):
    """The message reached the recipient's system (a delivery receipt).

    >>> from datetime import datetime, timezone
    >>> r = Arrived(provider_message_id="wx-1", occurred_at=datetime(2026, 3, 2, 9, 1,
    ...     tzinfo=timezone.utc), payload_digest=Digest.of(b'{"status":"delivered"}'))
    >>> r.identity == str(r.payload_digest)
    True

    .. versionadded:: 0.1.0
    """


@attrs.frozen(kw_only=True)
class Read(ChannelReport):
    """The platform reports the message read or opened.

    .. versionadded:: 0.1.0
    """


_document_ids = _checks.on_field(
    _checks.tuple_of(_checks.identifier(), key=lambda d: d, what="document ids")
)


@attrs.frozen(kw_only=True)
class Replied(ChannelReport):
    """The recipient answered the message; ``reply_digest`` is the digest of the answer.

    .. versionadded:: 0.1.0
    """

    reply_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of the reply's content (its text or file), when the host has it."""
    act: ReplyAct = attrs.field(
        default=ReplyAct.ACKNOWLEDGEMENT,
        validator=_checks.on_field(_checks.member_of(ReplyAct)),
    )
    """What the reply does."""
    objects_to_e_service: bool = attrs.field(
        default=False, validator=_checks.on_field(_checks.instance_of(bool, "a bool"))
    )
    """Whether the reply objects to electronic service."""
    document_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_document_ids
    )
    """The documents of the order the reply is based on, if it says."""
    reply_message_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The provider's id of the reply message itself."""


_parts = _checks.on_field(
    _checks.tuple_of(
        _checks.instance_of(DocumentPart, "a DocumentPart"),
        min_len=1,
        key=lambda p: p.document_id,
        what="document parts (unique by document_id)",
    )
)


@attrs.frozen(kw_only=True)
class Filed(ChannelReport):
    """The recipient sent documents back in answer to the message (e.g. a defence).

    >>> from datetime import datetime, timezone
    >>> f = Filed.from_documents(provider_message_id="wx-1",
    ...     occurred_at=datetime(2026, 3, 14, tzinfo=timezone.utc),
    ...     payload_digest=Digest.of(b"callback"), document_kind=DocumentKind.DEFENCE,
    ...     documents=[("defence-1", "application/pdf", b"Defence of the defendant.")])
    >>> f.parts[0].digest == Digest.of(b"Defence of the defendant.")
    True

    .. versionadded:: 0.1.0
    """

    document_kind: DocumentKind = attrs.field(
        validator=_checks.on_field(_checks.member_of(DocumentKind))
    )
    """What was filed."""
    parts: tuple[DocumentPart, ...] = attrs.field(converter=_checks.to_tuple, validator=_parts)
    """The documents received, with their digests."""
    filing_message_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The provider's id of the inbound message."""

    @classmethod
    def from_documents(cls, *, documents: Sequence[tuple[str, str, bytes]], **fields: Any) -> Filed:
        """A filing of ``(document_id, media_type, data)`` documents, digested here."""
        parts = [
            DocumentPart(document_id=doc_id, media_type=media, digest=Digest.of(data))
            for doc_id, media, data in documents
        ]
        return cls(parts=parts, **fields)


@attrs.frozen(kw_only=True)
class Failed(ChannelReport):
    """The provider could not deliver the message; ``permanent`` says if retrying can help.

    .. versionadded:: 0.1.0
    """

    permanent: bool = attrs.field(validator=_checks.on_field(_checks.instance_of(bool, "a bool")))
    """True when the provider gave up for good."""
    reason: ReasonCode = attrs.field(validator=_reason)
    """Why, as the provider says."""


@attrs.frozen(kw_only=True)
class Bounced(ChannelReport):
    """The recipient's system returned the message (unknown mailbox, blocked account).

    Always permanent: the address does not take the message.

    .. versionadded:: 0.1.0
    """

    reason: ReasonCode = attrs.field(validator=_reason)
    """Why, as the returning system says."""


# -- the interfaces ----------------------------------------------------------------------


class Channel(abc.ABC):
    """A host's channel: sends an envelope through one provider, synchronously.

    Subclasses name the channel ``kind`` (an address kind such as ``wechat``) and
    implement :meth:`send`; they may override ``source_id`` (who the provider is, for the
    evidence) and ``capabilities``. Reports come back through the host's callbacks as
    :class:`ChannelReport` values.

    >>> from datetime import datetime, timezone
    >>> class Outbox(Channel):
    ...     kind = "email"
    ...     def send(self, envelope):
    ...         return Dispatch(provider_message_id=f"m-{envelope.attempt}",
    ...                         accepted_at=datetime(2026, 3, 2, tzinfo=timezone.utc))
    >>> Outbox().source_id, Outbox().capabilities.attachments
    ('email', True)

    .. versionadded:: 0.1.0
    """

    kind: str
    """The address kind this channel serves (``Address.channel``)."""

    @property
    def source_id(self) -> str:
        """Who issues this channel's evidence, e.g. ``wechat-oa:gh_court``. Default: kind."""
        return self.kind

    @property
    def capabilities(self) -> ChannelCapabilities:
        """What it carries and reports. Default: attachments, arrival receipts."""
        return ChannelCapabilities()

    @abc.abstractmethod
    def send(self, envelope: Envelope) -> Dispatch:
        """Hand the envelope to the provider; raise a ChannelError subclass on failure."""


class AsyncChannel(abc.ABC):
    """The asyncio form of :class:`Channel`: ``send`` is a coroutine.

    .. versionadded:: 0.1.0
    """

    kind: str
    """The address kind this channel serves."""

    @property
    def source_id(self) -> str:
        """Who issues this channel's evidence. Default: kind."""
        return self.kind

    @property
    def capabilities(self) -> ChannelCapabilities:
        """What it carries and reports."""
        return ChannelCapabilities()

    @abc.abstractmethod
    async def send(self, envelope: Envelope) -> Dispatch:
        """Hand the envelope to the provider; raise a ChannelError subclass on failure."""

    @classmethod
    def from_sync(cls, channel: Channel, *, in_thread: bool = True) -> AsyncChannel:
        """Wrap a blocking :class:`Channel` (``SmtpChannel``) for the asyncio driver.

        With ``in_thread`` (the default) each send runs in a worker thread, so a slow
        provider does not stall the event loop; without, it runs inline (for channels that
        never block, such as :class:`~legaldelivery.channels.MemoryChannel`).

        >>> from datetime import datetime, timezone
        >>> from legaldelivery.channels import MemoryChannel
        >>> clock = lambda: datetime(2026, 3, 2, tzinfo=timezone.utc)
        >>> AsyncChannel.from_sync(MemoryChannel("wechat", clock=clock)).kind
        'wechat'
        """
        if not isinstance(channel, Channel):
            raise InputError("expected a Channel", path="channel", got=type(channel).__name__)
        return _FromSync(channel, in_thread=in_thread)


class _FromSync(AsyncChannel):
    def __init__(self, channel: Channel, *, in_thread: bool) -> None:
        self._channel = channel
        self._in_thread = in_thread
        self.kind = channel.kind

    @property
    def source_id(self) -> str:
        return self._channel.source_id

    @property
    def capabilities(self) -> ChannelCapabilities:
        return self._channel.capabilities

    async def send(self, envelope: Envelope) -> Dispatch:
        if self._in_thread:
            return await asyncio.to_thread(self._channel.send, envelope)
        return self._channel.send(envelope)

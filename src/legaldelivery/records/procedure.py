"""Events of the service procedure that EN 319 522 has no name for.

The recipient's reply, an inbound filing, a fallback to another channel or method, and
consent recorded or revoked. Each has a URI in our namespace
(``urn:legaldelivery:event:<name>``) and the header every event carries: ``event_id``,
``event_time``, ``source``, ``reasons`` and, where it belongs to one, ``order_id``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

import attrs

from legaldelivery.instants import format_instant
from legaldelivery.records import _checks
from legaldelivery.records.addresses import Address
from legaldelivery.records.consent import Consent
from legaldelivery.records.digest import Digest
from legaldelivery.records.documents import DocumentKind
from legaldelivery.records.events import (
    OUR_EVENT_PREFIX,
    DocumentPart,
    EventSource,
    EvidenceGrade,
    ReasonCode,
    _id,
    _instant,
    _optional_address,
    _optional_digest,
    _optional_id,
    _reasons,
    _source,
)

__all__ = [
    "ConsentRecorded",
    "ConsentRevoked",
    "Fallback",
    "FallbackMethod",
    "InboundFiling",
    "RecipientReply",
    "ReplyAct",
]

_document_ids = _checks.on_field(
    _checks.tuple_of(_checks.identifier(), key=_checks.itself, what="document ids")
)


class ReplyAct(Enum):
    """What the recipient's reply does.

    .. versionadded:: 0.1.0
    """

    ACKNOWLEDGEMENT = "acknowledgement"
    """Confirms receipt."""
    PROCEDURAL_ACT = "procedural_act"
    """A procedural act based on the documents (OLR Art 31: effective service)."""
    QUESTION = "question"
    """Asks about the documents or the procedure."""
    OTHER = "other"


@attrs.frozen(kw_only=True)
class RecipientReply:
    """The recipient answered over a channel: human action, the strongest grade.

    Under OLR Art 31 a reply or procedural act based on the documents is effective
    service; a reply without objection may also found consent (OLR Art 29(4)).

    >>> from datetime import datetime, timezone
    >>> from legaldelivery.records import SourceKind
    >>> reply = RecipientReply(event_id="e-9", order_id="o-1", party_id="d-1",
    ...     event_time=datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc),
    ...     source=EventSource(kind=SourceKind.PROVIDER, source_id="wechat:gh_court"),
    ...     act=ReplyAct.ACKNOWLEDGEMENT, objects_to_e_service=False,
    ...     content_digest=Digest.of("收到".encode()))
    >>> reply.grade
    <EvidenceGrade.HUMAN_ACTION: 'human_action'>
    >>> str(reply.content_digest)
    'sha256:...'

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "recipient-reply"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    order_id: str = attrs.field(validator=_id)
    """The order whose documents the reply concerns."""
    party_id: str = attrs.field(validator=_id)
    """Who replied."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the reply arrived."""
    source: EventSource = attrs.field(validator=_source)
    """Who reported it (the channel, the provider)."""
    act: ReplyAct = attrs.field(validator=_checks.on_field(_checks.member_of(ReplyAct)))
    """What the reply does."""
    objects_to_e_service: bool = attrs.field(
        validator=_checks.on_field(_checks.instance_of(bool, "a bool"))
    )
    """Whether the reply objects to electronic service."""
    document_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_document_ids
    )
    """The documents of the order the reply is based on."""
    in_reply_to: str | None = attrs.field(default=None, validator=_optional_id)
    """The event id of the message answered, when known."""
    address: Address | None = attrs.field(default=None, validator=_optional_address)
    """The address the reply came from."""
    provider_message_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The provider's id of the reply message."""
    payload_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of the provider's raw payload (the webhook or callback that reported it)."""
    screenshot_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of a screenshot of the reply."""
    content_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of what the recipient sent (the reply's text or file), when the host has it.

    This is the evidence of what was said; ``payload_digest`` only covers the provider's
    envelope around it."""
    reasons: tuple[ReasonCode, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_reasons
    )
    """Reason codes, if any."""

    @property
    def grade(self) -> EvidenceGrade:
        """Always :attr:`EvidenceGrade.HUMAN_ACTION`: the recipient acted."""
        return EvidenceGrade.HUMAN_ACTION

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:recipient-reply``."""
        return self.EVENT_URI


_parts_required = _checks.on_field(
    _checks.tuple_of(
        _checks.instance_of(DocumentPart, "a DocumentPart"),
        min_len=1,
        key=lambda p: p.document_id,
        what="document parts (unique by document_id)",
    )
)


@attrs.frozen(kw_only=True)
class InboundFiling:
    """A party filed documents with the court over a channel (e.g. a defence by WeChat).

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "inbound-filing"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    case_number: str = attrs.field(validator=_checks.on_field(_checks.line(_checks.ID_MAX)))
    """The case the filing is made in."""
    order_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The order it answers, or None."""
    party_id: str = attrs.field(validator=_id)
    """Who filed."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the filing reached the court."""
    source: EventSource = attrs.field(validator=_source)
    """Who reported it."""
    document_kind: DocumentKind = attrs.field(
        validator=_checks.on_field(_checks.member_of(DocumentKind))
    )
    """What was filed, e.g. a defence."""
    parts: tuple[DocumentPart, ...] = attrs.field(
        converter=_checks.to_tuple, validator=_parts_required
    )
    """The documents received, with their digests (at least one)."""
    address: Address | None = attrs.field(default=None, validator=_optional_address)
    """The address it came from."""
    provider_message_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The provider's message id."""
    payload_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of the provider's raw payload."""
    screenshot_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of a screenshot."""
    submission_time: datetime | None = attrs.field(
        default=None,
        converter=_checks.utc_or_none,
        validator=_checks.on_field(_checks.optional(_checks.instant)),
    )
    """When the party sent it, where the channel says."""
    reasons: tuple[ReasonCode, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_reasons
    )
    """Reason codes, if any."""

    @property
    def grade(self) -> EvidenceGrade:
        """Always :attr:`EvidenceGrade.HUMAN_ACTION`: the party acted."""
        return EvidenceGrade.HUMAN_ACTION

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:inbound-filing``."""
        return self.EVENT_URI


class FallbackMethod(Enum):
    """Where service falls back to.

    .. versionadded:: 0.1.0
    """

    ANOTHER_CHANNEL = "another_channel"
    """Another electronic address (``to_address``)."""
    POSTAL_MAIL = "postal_mail"
    PERSONAL_DELIVERY = "personal_delivery"
    PUBLIC_NOTICE = "public_notice"
    CENTRAL_AUTHORITY = "central_authority"
    """Service through a Hague Convention central authority or diplomatic channels."""
    OTHER = "other"


_optional_address_check = _checks.optional(_checks.instance_of(Address, "an Address"))


def _to_address(instance: Fallback, attribute: attrs.Attribute[Any], value: Any) -> None:
    _optional_address_check(value, attribute.name)
    another = instance.method is FallbackMethod.ANOTHER_CHANNEL
    if another and value is None:
        _checks.fail(attribute.name, "falling back to another channel needs the address")
    if not another and value is not None:
        _checks.fail(attribute.name, f"a {instance.method.value} fallback has no address")
    source = instance.from_address
    if value is not None and source is not None and value.destination == source.destination:
        _checks.fail(attribute.name, "must differ from from_address")


@attrs.frozen(kw_only=True)
class Fallback:
    """Service moves on from one address to another channel or method.

    >>> from datetime import datetime, timezone
    >>> from legaldelivery.records import SourceKind
    >>> f = Fallback(event_id="e-8", order_id="o-1",
    ...     event_time=datetime(2026, 3, 9, tzinfo=timezone.utc),
    ...     source=EventSource(kind=SourceKind.COURT_SYSTEM, source_id="trial-system"),
    ...     method=FallbackMethod.POSTAL_MAIL, triggered_by="e-5")
    >>> f.to_address is None, f.uri
    (True, 'urn:legaldelivery:event:fallback')

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "fallback"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    order_id: str = attrs.field(validator=_id)
    """The order being served."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the fallback was decided."""
    source: EventSource = attrs.field(validator=_source)
    """Who decided it (usually the court system)."""
    method: FallbackMethod = attrs.field(
        validator=_checks.on_field(_checks.member_of(FallbackMethod))
    )
    """Where service goes next."""
    from_address: Address | None = attrs.field(default=None, validator=_optional_address)
    """The address given up, or None when falling back from no electronic address."""
    to_address: Address | None = attrs.field(default=None, validator=_to_address)
    """The next address (only, and always, for ``another_channel``)."""
    triggered_by: str | None = attrs.field(default=None, validator=_optional_id)
    """The event id (a failure, an expiry) that caused the fallback."""
    reasons: tuple[ReasonCode, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_reasons
    )
    """Why."""

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:fallback``."""
        return self.EVENT_URI


@attrs.frozen(kw_only=True)
class ConsentRecorded:
    """The court recorded a party's consent to electronic service.

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "consent-recorded"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    order_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The order during which it was recorded, if any."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When it was recorded."""
    source: EventSource = attrs.field(validator=_source)
    """Who recorded it."""
    consent: Consent = attrs.field(
        validator=_checks.on_field(_checks.instance_of(Consent, "a Consent"))
    )
    """The consent, as recorded."""
    payload_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of the raw message that conveyed it, when there is one."""
    reasons: tuple[ReasonCode, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_reasons
    )
    """Reason codes, if any."""

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:consent-recorded``."""
        return self.EVENT_URI


def _revocation_time(instance: ConsentRevoked, attribute: attrs.Attribute[Any], value: Any) -> None:
    _checks.instant(value, attribute.name)
    if value < instance.event_time:
        _checks.fail(
            attribute.name,
            "revocation is never retroactive: expected an instant at or after event_time "
            f"{format_instant(instance.event_time)}",
            format_instant(value),
        )


@attrs.frozen(kw_only=True)
class ConsentRevoked:
    """A party revoked a consent, from ``revoked_at`` on (never before it was recorded).

    .. versionadded:: 0.1.0
    """

    EVENT_URI: ClassVar[str] = OUR_EVENT_PREFIX + "consent-revoked"

    event_id: str = attrs.field(validator=_id)
    """Unique within the log."""
    order_id: str | None = attrs.field(default=None, validator=_optional_id)
    """The order during which it was revoked, if any."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the revocation reached the court."""
    source: EventSource = attrs.field(validator=_source)
    """Who reported it."""
    consent_id: str = attrs.field(validator=_id)
    """The consent revoked."""
    party_id: str = attrs.field(validator=_id)
    """The party who revoked it."""
    revoked_at: datetime = attrs.field(converter=_checks.utc, validator=_revocation_time)
    """When the revocation takes effect: at or after ``event_time``."""
    payload_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of the revocation message, when there is one."""
    reasons: tuple[ReasonCode, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_reasons
    )
    """Reason codes, if any."""

    @property
    def uri(self) -> str:
        """``urn:legaldelivery:event:consent-revoked``."""
        return self.EVENT_URI

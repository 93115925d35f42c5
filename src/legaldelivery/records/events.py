"""Evidence events modelled on ETSI EN 319 522 (Electronic Registered Delivery Services).

Every ETSI event shares one shape, so one record, :class:`EvidenceEvent`, carries them
all; its :class:`EventKind` names the ETSI event and knows its URI
(``http://uri.etsi.org/19522/Event/<Name>``), its group (A to F) and which
:class:`EvidenceGrade` values it may carry. Events with no ETSI name (the recipient's
reply, the determination of service, consent, fallback, inbound filings, key rotation)
are records of their own, elsewhere in :mod:`legaldelivery.records`.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import attrs

from legaldelivery.records import _checks
from legaldelivery.records.addresses import Address
from legaldelivery.records.digest import Digest
from legaldelivery.records.documents import Document, media_type

__all__ = [
    "ETSI_EVENT_PREFIX",
    "OUR_EVENT_PREFIX",
    "DocumentPart",
    "EventKind",
    "EventSource",
    "EvidenceEvent",
    "EvidenceGrade",
    "ReasonCode",
    "SourceKind",
]

ETSI_EVENT_PREFIX = "http://uri.etsi.org/19522/Event/"
"""URI prefix of the EN 319 522 event identifiers (``erdsEventId``)."""

OUR_EVENT_PREFIX = "urn:legaldelivery:event:"
"""URI prefix of the events this library defines where no ETSI event fits."""


class EvidenceGrade(Enum):
    """How strongly an event shows that the recipient got the documents.

    .. versionadded:: 0.1.0
    """

    ARRIVAL = "arrival"
    """The documents reached the recipient's system (a delivery receipt)."""
    SYSTEM_READ = "system_read"
    """The platform reports them read or opened."""
    HUMAN_ACTION = "human_action"
    """The recipient acted: replied, downloaded, acknowledged, refused."""


_NONE = frozenset({None})
_ANY = frozenset({None, *EvidenceGrade})
_ARRIVAL = frozenset({EvidenceGrade.ARRIVAL})
_HUMAN = frozenset({EvidenceGrade.HUMAN_ACTION})
_ACCESS = frozenset({EvidenceGrade.SYSTEM_READ, EvidenceGrade.HUMAN_ACTION})

# name: (group, grades allowed). A group letter and the grades are EN 319 522-3's event
# list read against our grades: events about our own system carry no grade; events that
# show the content reached, or was taken by, the recipient must say how strongly.
_ETSI_EVENTS: dict[str, tuple[str, frozenset[EvidenceGrade | None]]] = {
    "SubmissionAcceptance": ("A", _NONE),
    "SubmissionRejection": ("A", _NONE),
    "RelayAcceptance": ("B", _NONE),
    "RelayRejection": ("B", _NONE),
    "RelayFailure": ("B", _NONE),
    "NotificationForAcceptance": ("C", _NONE),
    "NotificationForAcceptanceFailure": ("C", _NONE),
    "ConsignmentAcceptance": ("C", _HUMAN),
    "ConsignmentRejection": ("C", _HUMAN),
    "AcceptanceRejectionExpiry": ("C", _NONE),
    "NotificationDelivered": ("C", _ARRIVAL),
    "ContentConsignment": ("D", _ARRIVAL),
    "ContentConsignmentFailure": ("D", _NONE),
    "ConsignmentNotification": ("D", _ARRIVAL),
    "ConsignmentNotificationFailure": ("D", _NONE),
    "NotificationAccessTracking": ("D", _ACCESS),
    "ContentAccessTracking": ("D", _ACCESS),
    "ContentHandover": ("E", _ACCESS),
    "ContentHandoverFailure": ("E", _NONE),
    "RelayToNonERDS": ("F", _NONE),
    "RelayToNonERDSFailure": ("F", _NONE),
    "ReceivedFromNonERDS": ("F", _ANY),
}

_GROUPS = {
    "A": "submission",
    "B": "relay",
    "C": "acceptance/refusal",
    "D": "consignment",
    "E": "handover",
    "F": "non-ERDS gateways",
}


class EventKind(Enum):
    """The EN 319 522 events (groups A to F); each value is the ETSI event name.

    >>> EventKind.CONTENT_CONSIGNMENT.uri
    'http://uri.etsi.org/19522/Event/ContentConsignment'
    >>> EventKind.RELAY_TO_NON_ERDS.group
    'F'
    >>> sorted(g.value for g in EventKind.CONTENT_HANDOVER.grades if g is not None)
    ['human_action', 'system_read']

    .. versionadded:: 0.1.0
    """

    SUBMISSION_ACCEPTANCE = "SubmissionAcceptance"
    SUBMISSION_REJECTION = "SubmissionRejection"
    RELAY_ACCEPTANCE = "RelayAcceptance"
    RELAY_REJECTION = "RelayRejection"
    RELAY_FAILURE = "RelayFailure"
    NOTIFICATION_FOR_ACCEPTANCE = "NotificationForAcceptance"
    NOTIFICATION_FOR_ACCEPTANCE_FAILURE = "NotificationForAcceptanceFailure"
    CONSIGNMENT_ACCEPTANCE = "ConsignmentAcceptance"
    CONSIGNMENT_REJECTION = "ConsignmentRejection"
    ACCEPTANCE_REJECTION_EXPIRY = "AcceptanceRejectionExpiry"
    NOTIFICATION_DELIVERED = "NotificationDelivered"
    CONTENT_CONSIGNMENT = "ContentConsignment"
    CONTENT_CONSIGNMENT_FAILURE = "ContentConsignmentFailure"
    CONSIGNMENT_NOTIFICATION = "ConsignmentNotification"
    CONSIGNMENT_NOTIFICATION_FAILURE = "ConsignmentNotificationFailure"
    NOTIFICATION_ACCESS_TRACKING = "NotificationAccessTracking"
    CONTENT_ACCESS_TRACKING = "ContentAccessTracking"
    CONTENT_HANDOVER = "ContentHandover"
    CONTENT_HANDOVER_FAILURE = "ContentHandoverFailure"
    RELAY_TO_NON_ERDS = "RelayToNonERDS"
    RELAY_TO_NON_ERDS_FAILURE = "RelayToNonERDSFailure"
    RECEIVED_FROM_NON_ERDS = "ReceivedFromNonERDS"

    @property
    def uri(self) -> str:
        """The ETSI event URI, ``http://uri.etsi.org/19522/Event/<Name>``."""
        return ETSI_EVENT_PREFIX + self.value

    @property
    def group(self) -> str:
        """The EN 319 522 group letter, A (submission) to F (non-ERDS gateways)."""
        return _ETSI_EVENTS[self.value][0]

    @property
    def group_name(self) -> str:
        """The group's name, e.g. ``consignment``."""
        return _GROUPS[self.group]

    @property
    def grades(self) -> frozenset[EvidenceGrade | None]:
        """The grades an event of this kind may carry (None: no grade)."""
        return _ETSI_EVENTS[self.value][1]


class SourceKind(Enum):
    """What issued an event.

    .. versionadded:: 0.1.0
    """

    COURT_SYSTEM = "court_system"
    """The court's own system (the service process, the trial system)."""
    CHANNEL = "channel"
    """A channel implementation of the host (the code that talks to a provider)."""
    PROVIDER = "provider"
    """A provider's report: a WeChat, SMS or e-mail callback, a registered-mail receipt."""
    RULES = "rules"
    """The rules engine (determinations)."""
    OPERATOR = "operator"
    """A person at the court (a clerk recording a telephone confirmation)."""
    OTHER = "other"


@attrs.frozen(kw_only=True)
class EventSource:
    """Who issued an event (EN 319 522 issuer details): a kind and an identifier.

    >>> EventSource(kind=SourceKind.PROVIDER, source_id="wechat:gh_3a4b5c6d7e8f").source_id
    'wechat:gh_3a4b5c6d7e8f'

    .. versionadded:: 0.1.0
    """

    kind: SourceKind = attrs.field(validator=_checks.on_field(_checks.member_of(SourceKind)))
    """What kind of issuer."""
    source_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """Its identifier, e.g. the official account id, the SMTP host, the system's name."""


@attrs.frozen(kw_only=True)
class ReasonCode:
    """Why an event happened (EN 319 522 ``eventReasons``): a code URI and details.

    >>> ReasonCode(code="urn:legaldelivery:reason:mailbox-full").details is None
    True

    .. versionadded:: 0.1.0
    """

    code: str = attrs.field(validator=_checks.on_field(_checks.uri))
    """The reason code, an absolute URI."""
    details: str | None = attrs.field(
        default=None,
        validator=_checks.on_field(_checks.optional(_checks.text(_checks.CITATION_MAX))),
    )
    """Free text details, or None."""


@attrs.frozen(kw_only=True)
class DocumentPart:
    """One document in an event (EN 319 522 ``partsInfo``): id, media type and digest.

    .. versionadded:: 0.1.0
    """

    document_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """The document's identifier."""
    media_type: str = attrs.field(validator=_checks.on_field(media_type))
    """Its media type (``contentType``)."""
    digest: Digest = attrs.field(
        validator=_checks.on_field(_checks.instance_of(Digest, "a Digest"))
    )
    """SHA-256 of its bytes (``digestMethod`` and ``digestValue``)."""

    @classmethod
    def of(cls, document: Document) -> DocumentPart:
        """The part describing ``document``."""
        return cls(
            document_id=document.document_id,
            media_type=document.media_type,
            digest=document.digest,
        )


_optional_grade = _checks.optional(_checks.member_of(EvidenceGrade))
_GRADES_OF_KIND = {kind: kind.grades for kind in EventKind}


def _grade(instance: EvidenceEvent, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Quick accept: a grade (or None) the event's kind allows. Anything else is checked
    # again below, in the order that words the error.
    if (value is None or type(value) is EvidenceGrade) and value in _GRADES_OF_KIND.get(
        instance.kind, ()
    ):
        return
    _optional_grade(value, attribute.name)
    allowed = instance.kind.grades
    if value not in allowed:  # pragma: no branch -- the quick test took every allowed grade
        names = sorted("none" if g is None else g.value for g in allowed)
        _checks.fail(
            attribute.name,
            f"a {instance.kind.value} event carries grade {' or '.join(names)}",
            None if value is None else value.value,
        )


_id = _checks.on_field(_checks.identifier())
_optional_id = _checks.on_field(_checks.optional(_checks.identifier()))
_optional_digest = _checks.on_field(_checks.optional(_checks.instance_of(Digest, "a Digest")))
_optional_address = _checks.on_field(_checks.optional(_checks.instance_of(Address, "an Address")))
_source = _checks.on_field(_checks.instance_of(EventSource, "an EventSource"))
_instant = _checks.on_field(_checks.instant)
_optional_instant = _checks.on_field(_checks.optional(_checks.instant))
_reasons = _checks.on_field(
    _checks.tuple_of(_checks.instance_of(ReasonCode, "a ReasonCode"), max_len=50, what="reasons")
)
_parts = _checks.on_field(
    _checks.tuple_of(
        _checks.instance_of(DocumentPart, "a DocumentPart"),
        key=lambda p: p.document_id,
        what="document parts (unique by document_id)",
    )
)


@attrs.frozen(kw_only=True)
class EvidenceEvent:
    """One EN 319 522 evidence event in the service of an order.

    The required evidence fields map as: ``evidenceIdentifier`` = ``event_id``,
    ``erdsEventId`` = ``kind.uri``, ``eventTime`` = ``event_time``, issuer details =
    ``source``, ``senderDetails`` / ``recipientDetails`` = ``sender_id`` / ``recipient_id``
    (the parties of the order); the format version is the record's type tag. Optional:
    ``eventReasons`` = ``reasons``, ``submissionTime``, ``messageIdentifier`` =
    ``provider_message_id``, ``partsInfo`` = ``parts``.

    >>> from datetime import datetime, timezone
    >>> event = EvidenceEvent(event_id="e-7", kind=EventKind.CONTENT_CONSIGNMENT,
    ...     order_id="o-1", sender_id="cn-ln-dg", recipient_id="d-1",
    ...     event_time=datetime(2026, 3, 2, 9, 0, 4, tzinfo=timezone.utc),
    ...     source=EventSource(kind=SourceKind.PROVIDER, source_id="wechat:gh_3a4b5c6d7e8f"),
    ...     grade=EvidenceGrade.ARRIVAL, payload_digest=Digest.of(b'{"status":"ok"}'))
    >>> event.uri
    'http://uri.etsi.org/19522/Event/ContentConsignment'
    >>> attrs.evolve(event, grade=None)
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: grade: a ContentConsignment event carries grade arrival ...

    .. versionadded:: 0.1.0
    """

    event_id: str = attrs.field(validator=_id)
    """``evidenceIdentifier``: unique within the log."""
    kind: EventKind = attrs.field(validator=_checks.on_field(_checks.member_of(EventKind)))
    """Which ETSI event."""
    order_id: str = attrs.field(validator=_id)
    """The order whose service this event belongs to."""
    sender_id: str = attrs.field(validator=_id)
    """``senderDetails``: the party id of the sender (the court)."""
    recipient_id: str = attrs.field(validator=_id)
    """``recipientDetails``: the party id of the recipient."""
    event_time: datetime = attrs.field(converter=_checks.utc, validator=_instant)
    """When the event happened, by the clock of its source."""
    source: EventSource = attrs.field(validator=_source)
    """Who issued it."""
    grade: EvidenceGrade | None = attrs.field(default=None, validator=_grade)
    """How strongly it shows receipt; which grades fit depends on ``kind``."""
    reasons: tuple[ReasonCode, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_reasons
    )
    """``eventReasons``: why (failures and rejections especially)."""
    payload_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of the provider's raw payload (the callback body), when there is one."""
    screenshot_digest: Digest | None = attrs.field(default=None, validator=_optional_digest)
    """Digest of a screenshot kept as evidence, when there is one."""
    address: Address | None = attrs.field(default=None, validator=_optional_address)
    """The address (channel and handle) the event concerns."""
    provider_message_id: str | None = attrs.field(default=None, validator=_optional_id)
    """``messageIdentifier``: the provider's id of the message."""
    parts: tuple[DocumentPart, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_parts
    )
    """``partsInfo``: the documents concerned, with their digests."""
    submission_time: datetime | None = attrs.field(
        default=None, converter=_checks.utc_or_none, validator=_optional_instant
    )
    """``submissionTime``: when the order was submitted, where the event reports it."""

    @property
    def uri(self) -> str:
        """The ETSI event URI."""
        return self.kind.uri

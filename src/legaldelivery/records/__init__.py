"""The records: the immutable vocabulary of service, from parties to evidence events.

Every record is a frozen attrs class with keyword-only fields, checked when it is built:
an invalid record cannot exist. Datetimes are aware and stored in UTC; there are no
floats; personal fields may be sealed (:mod:`legaldelivery.records.sealed`). The
canonical JSON form of every record is :mod:`legaldelivery.codec`'s business.

.. versionadded:: 0.1.0
"""

from legaldelivery.records._checks import COUNTRIES
from legaldelivery.records.addresses import (
    Address,
    ChannelKind,
    HandleCheck,
    VerificationMethod,
    channel_kinds,
    register_channel_kind,
)
from legaldelivery.records.consent import Consent, ConsentAnswer, ConsentGround
from legaldelivery.records.determination import Deadline, Presumption, ServiceDetermination
from legaldelivery.records.digest import Digest
from legaldelivery.records.documents import CHUNK_SIZE, Document, DocumentKind
from legaldelivery.records.events import (
    ETSI_EVENT_PREFIX,
    OUR_EVENT_PREFIX,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    ReasonCode,
    SourceKind,
)
from legaldelivery.records.keyevents import KEY_ALGORITHMS, KeyAlgorithm, KeyRevocation, KeyRotation
from legaldelivery.records.orders import DeliveryOrder
from legaldelivery.records.parties import AssuranceLevel, Case, Court, Identifier, Party, PartyRole
from legaldelivery.records.procedure import (
    ConsentRecorded,
    ConsentRevoked,
    Fallback,
    FallbackMethod,
    InboundFiling,
    RecipientReply,
    ReplyAct,
)
from legaldelivery.records.sealed import SALT_SIZE, Opening, Sealed, seal

__all__ = [
    "CHUNK_SIZE",
    "COUNTRIES",
    "ETSI_EVENT_PREFIX",
    "KEY_ALGORITHMS",
    "OUR_EVENT_PREFIX",
    "SALT_SIZE",
    "Address",
    "AssuranceLevel",
    "Case",
    "ChannelKind",
    "Consent",
    "ConsentAnswer",
    "ConsentGround",
    "ConsentRecorded",
    "ConsentRevoked",
    "Court",
    "Deadline",
    "DeliveryOrder",
    "Digest",
    "Document",
    "DocumentKind",
    "DocumentPart",
    "EventKind",
    "EventSource",
    "EvidenceEvent",
    "EvidenceGrade",
    "Fallback",
    "FallbackMethod",
    "HandleCheck",
    "Identifier",
    "InboundFiling",
    "KeyAlgorithm",
    "KeyRevocation",
    "KeyRotation",
    "Opening",
    "Party",
    "PartyRole",
    "Presumption",
    "ReasonCode",
    "RecipientReply",
    "ReplyAct",
    "Sealed",
    "ServiceDetermination",
    "SourceKind",
    "VerificationMethod",
    "channel_kinds",
    "register_channel_kind",
    "seal",
]

"""legaldelivery: legally traceable electronic service of court documents.

The names most programs need are re-exported here; everything else is reachable through
its module (``legaldelivery.records``, ``legaldelivery.keys``, ``legaldelivery.merkle``,
``legaldelivery.rules``, ``legaldelivery.channels``, ...). This module holds no logic.

>>> import legaldelivery
>>> issubclass(legaldelivery.ProofError, legaldelivery.VerificationError)
True
"""

from legaldelivery import canonical, codec, keys, merkle, notes, records
from legaldelivery.audit import (
    AuditError,
    AuditReport,
    BundleError,
    Finding,
    FindingKind,
    ProofBundle,
    ServiceCertificate,
    audit_bundle,
    audit_log,
    extract_bundle,
    verify_bundle,
    verify_log,
)
from legaldelivery.audit.render import load_ipython_extension
from legaldelivery.channels import (
    ChannelError,
    PermanentChannelError,
    TransientChannelError,
)
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import (
    EncodingError,
    InputError,
    LegalDeliveryError,
    NoteError,
    ProofError,
    SignatureError,
    StoreError,
    VerificationError,
)
from legaldelivery.log import BatchingWriter, EvidenceLog, LogEntry, import_jsonl
from legaldelivery.service import AsyncDeliveryService, DeliveryPolicy, DeliveryService

__version__ = "0.1.0.dev0"

__all__ = [
    "AsyncDeliveryService",
    "AuditError",
    "AuditReport",
    "BatchingWriter",
    "BundleError",
    "ChannelError",
    "Checkpoint",
    "DeliveryPolicy",
    "DeliveryService",
    "EncodingError",
    "EvidenceLog",
    "Finding",
    "FindingKind",
    "InputError",
    "LegalDeliveryError",
    "LogEntry",
    "NoteError",
    "PermanentChannelError",
    "ProofBundle",
    "ProofError",
    "ServiceCertificate",
    "SignatureError",
    "StoreError",
    "TransientChannelError",
    "VerificationError",
    "__version__",
    "audit_bundle",
    "audit_log",
    "canonical",
    "codec",
    "extract_bundle",
    "import_jsonl",
    "keys",
    "load_ipython_extension",
    "merkle",
    "notes",
    "records",
    "verify_bundle",
    "verify_log",
]

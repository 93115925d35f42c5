"""legaldelivery: legally traceable electronic service of court documents.

The names most programs need are re-exported here; everything else is reachable through
its module (``legaldelivery.records``, ``legaldelivery.keys``, ``legaldelivery.merkle``,
...). This module holds no logic.

>>> import legaldelivery
>>> issubclass(legaldelivery.ProofError, legaldelivery.VerificationError)
True
"""

from legaldelivery import canonical, codec, keys, merkle, notes, records
from legaldelivery.audit import (
    AuditError,
    AuditReport,
    Finding,
    FindingKind,
    audit_log,
    verify_log,
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

__version__ = "0.1.0.dev0"

__all__ = [
    "AuditError",
    "AuditReport",
    "BatchingWriter",
    "Checkpoint",
    "EncodingError",
    "EvidenceLog",
    "Finding",
    "FindingKind",
    "InputError",
    "LegalDeliveryError",
    "LogEntry",
    "NoteError",
    "ProofError",
    "SignatureError",
    "StoreError",
    "VerificationError",
    "__version__",
    "audit_log",
    "canonical",
    "codec",
    "import_jsonl",
    "keys",
    "merkle",
    "notes",
    "records",
    "verify_log",
]

"""legaldelivery: legally traceable electronic service of court documents.

The public surface is re-exported here; everything else is reachable through its module.
"""

from legaldelivery.errors import (
    EncodingError,
    InputError,
    LegalDeliveryError,
    NoteError,
    ProofError,
    SignatureError,
    VerificationError,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "EncodingError",
    "InputError",
    "LegalDeliveryError",
    "NoteError",
    "ProofError",
    "SignatureError",
    "VerificationError",
    "__version__",
]

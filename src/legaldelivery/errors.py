"""The library's exceptions: one root, split by who is at fault.

* :class:`InputError` -- the caller handed us something malformed: a record field, a
  file, a parameter. Fix the input and call again.
* :class:`VerificationError` -- evidence that does not verify: a signature, a proof, a
  note, a log. The input is well formed, but it does not prove what it claims.

Every message names *where* (a field path such as ``order.recipient.country`` or an entry
number) and *what was expected*. No message ever contains key material or a passphrase.

>>> from legaldelivery.errors import InputError, LegalDeliveryError
>>> err = InputError("must be an ISO 3166-1 alpha-2 code", path="recipient.country", got="PAK")
>>> str(err)
"recipient.country: must be an ISO 3166-1 alpha-2 code (got 'PAK')"
>>> isinstance(err, LegalDeliveryError) and isinstance(err, ValueError)
True

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import copy

__all__ = [
    "EncodingError",
    "InputError",
    "LegalDeliveryError",
    "NoteError",
    "ProofError",
    "SignatureError",
    "StoreError",
    "VerificationError",
]

_MAX_SHOWN = 80


def _shown(value: object) -> str:
    """A short, printable rendering of an offending value for an error message."""
    text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


class LegalDeliveryError(Exception):
    """Root of every exception the library raises on purpose.

    ``path`` names the field (dotted, with ``[i]`` for list items) or the entry
    (``entry 12``) the error is about, when there is one.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled (to cross a process boundary, e.g. from an audit worker) as the message
        # already formatted and every attribute as it is: subclasses' __init__ take other
        # arguments (findings, evidence, a reason code), so unpickling must not call it.
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    def diagnostics(self) -> str:
        """A longer, human-readable explanation, including any chained cause."""
        lines = [f"{type(self).__name__}: {self}"]
        cause = self.__cause__
        while cause is not None:
            lines.append(f"  caused by {type(cause).__name__}: {cause}")
            cause = cause.__cause__
        return "\n".join(lines)


def _restore(
    cls: type[LegalDeliveryError], args: tuple[object, ...], state: dict[str, object]
) -> LegalDeliveryError:
    """An error as it was pickled, rebuilt without calling its ``__init__``."""
    err = cls.__new__(cls, *args)
    err.args = args
    err.__dict__.update(state)
    return err


class InputError(LegalDeliveryError, ValueError):
    """Bad input: a record field, a file or a parameter is not what was expected.

    ``got`` (optional) is the offending value; it is shown shortened and must never be a
    secret -- callers that validate secrets pass no ``got``.
    """

    _NOTHING: object = object()

    def __init__(self, message: str, *, path: str | None = None, got: object = _NOTHING) -> None:
        if got is not InputError._NOTHING:
            message = f"{message} (got {_shown(got)})"
        super().__init__(message, path=path)

    def within(self, prefix: str) -> InputError:
        """The same error, its path put under ``prefix`` (for errors from nested records).

        >>> str(InputError("expected a string", path="[2].name").within("documents"))
        'documents[2].name: expected a string'
        """
        if not self.path:
            path = prefix
        elif self.path.startswith("["):
            path = prefix + self.path
        else:
            path = f"{prefix}.{self.path}"
        err = copy.copy(self)
        err.path = path
        err.args = (f"{path}: {self.message}",)
        return err


class EncodingError(InputError):
    """Bytes that are not strict canonical JSON: bad UTF-8, duplicate keys, trailing data..."""


class VerificationError(LegalDeliveryError):
    """Evidence that does not verify. Never raised for malformed *input*; see InputError."""


class SignatureError(VerificationError):
    """A signature does not verify against the key it claims."""


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof does not prove what it claims."""


class NoteError(VerificationError):
    """A signed note is malformed or carries no valid signature from a trusted key."""


class StoreError(LegalDeliveryError):
    """The storage under a log failed: a lock held past its timeout, a full disk, an I/O error.

    Neither bad input nor failed verification: the same call may succeed once the
    environment is fixed. An append that raises it was not acknowledged.
    """

"""Documents to serve, identified by the SHA-256 digest and size of their exact bytes.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

import attrs

from legaldelivery.errors import InputError, VerificationError
from legaldelivery.records import _checks
from legaldelivery.records.digest import Digest

__all__ = ["CHUNK_SIZE", "Document", "DocumentKind"]

CHUNK_SIZE = 1 << 20
"""Bytes read at a time when a file is digested: files are streamed, never read whole."""

_NAME = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE = re.compile(rf"{_NAME}/{_NAME}\Z", re.ASCII)


class DocumentKind(Enum):
    """What a document is, procedurally (some rules depend on it, e.g. CPL Art 90).

    .. versionadded:: 0.1.0
    """

    SUMMONS = "summons"
    COMPLAINT = "complaint"
    EVIDENCE = "evidence"
    NOTICE = "notice"
    JUDGMENT = "judgment"
    RULING = "ruling"
    MEDIATION_STATEMENT = "mediation_statement"
    DEFENCE = "defence"
    OTHER = "other"


def media_type(value: Any, path: str) -> None:
    """An RFC 6838 ``type/subtype`` in lower case, without parameters."""
    if not isinstance(value, str) or not _MEDIA_TYPE.match(value):
        _checks.fail(path, "expected a lower-case media type such as 'application/pdf'", value)


def _media_type_accepts(value: Any) -> bool:
    return type(value) is str and _MEDIA_TYPE.match(value) is not None


def _media_type_validator(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or _MEDIA_TYPE.match(value) is None:
        media_type(value, attribute.name)


_checks.quicken(media_type, _media_type_accepts, _media_type_validator)


def _digest_stream(chunks: Iterable[bytes]) -> tuple[Digest, int]:
    h = hashlib.sha256()
    size = 0
    for chunk in chunks:
        h.update(chunk)
        size += len(chunk)
    return Digest(value=h.digest()), size


def _file_chunks(path: str | os.PathLike[str], chunk_size: int) -> Iterable[bytes]:
    if type(chunk_size) is not int or chunk_size < 1:
        _checks.fail("chunk_size", "expected a positive integer", chunk_size)
    # Not an int (open() would take it as a file descriptor) nor a file object.
    if not isinstance(path, (str, os.PathLike)):
        _checks.fail("path", "expected a file path", type(path).__name__)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(chunk_size):
                yield chunk
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=os.fspath(path)) from exc


@attrs.frozen(kw_only=True)
class Document:
    """A document served: its identity, what it is, and the digest and size of its bytes.

    >>> doc = Document.from_bytes(b"%PDF-1.7 ...", document_id="doc-1",
    ...                           kind=DocumentKind.SUMMONS, title="Summons",
    ...                           media_type="application/pdf")
    >>> doc.size, doc.media_type
    (12, 'application/pdf')
    >>> doc.verify_bytes(b"%PDF-1.7 ...")
    >>> doc.verify_bytes(b"%PDF-1.7 ..!")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.VerificationError: document doc-1: the bytes do not match: ...

    .. versionadded:: 0.1.0
    """

    document_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """A stable identifier of the document."""
    kind: DocumentKind = attrs.field(validator=_checks.on_field(_checks.member_of(DocumentKind)))
    """What the document is."""
    title: str = attrs.field(validator=_checks.on_field(_checks.line(_checks.TITLE_MAX)))
    """Its title, as shown to the recipient."""
    media_type: str = attrs.field(validator=_checks.on_field(media_type))
    """RFC 6838 media type, e.g. ``application/pdf``."""
    size: int = attrs.field(validator=_checks.on_field(_checks.integer(0)))
    """Length of the bytes."""
    digest: Digest = attrs.field(
        validator=_checks.on_field(_checks.instance_of(Digest, "a Digest"))
    )
    """SHA-256 of the bytes."""

    @classmethod
    def from_bytes(
        cls, data: bytes, *, document_id: str, kind: DocumentKind, title: str, media_type: str
    ) -> Document:
        """Describe ``data``: its size and digest are computed here."""
        digest = Digest.of(data)
        return cls(
            document_id=document_id,
            kind=kind,
            title=title,
            media_type=media_type,
            size=len(data),
            digest=digest,
        )

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        document_id: str,
        kind: DocumentKind,
        title: str,
        media_type: str,
        chunk_size: int = CHUNK_SIZE,
    ) -> Document:
        """Describe the file at ``path``, read in ``chunk_size`` pieces (never whole)."""
        digest, size = _digest_stream(_file_chunks(path, chunk_size))
        return cls(
            document_id=document_id,
            kind=kind,
            title=title,
            media_type=media_type,
            size=size,
            digest=digest,
        )

    def verify_bytes(self, data: bytes) -> None:
        """Return None when ``data`` has this size and digest; raise VerificationError."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError("expected bytes", path="data", got=type(data).__name__)
        self._compare(*_digest_stream([bytes(data)]))

    def verify_file(self, path: str | os.PathLike[str], *, chunk_size: int = CHUNK_SIZE) -> None:
        """Like :meth:`verify_bytes` for the file at ``path``, streamed."""
        self._compare(*_digest_stream(_file_chunks(path, chunk_size)))

    def _compare(self, digest: Digest, size: int) -> None:
        if size != self.size or digest != self.digest:
            raise VerificationError(
                f"document {self.document_id}: the bytes do not match: expected "
                f"{self.size} bytes with digest {self.digest}, got {size} bytes with {digest}"
            )

"""C2SP transparency-log checkpoints (c2sp.org/tlog-checkpoint): a log's signed tree head.

A checkpoint's text is the log's origin, the tree size in decimal, the base64 RFC 6962
root hash, then optional extension lines, each ending in a newline; it is signed as a
C2SP signed note (:mod:`legaldelivery.notes`), so any signed-note implementation verifies
it.

>>> import hashlib
>>> empty_tree_root = hashlib.sha256(b"").digest()
>>> cp = Checkpoint("court.example/log", 0, empty_tree_root)
>>> print(cp.to_text(), end="")
court.example/log
0
47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
>>> Checkpoint.from_text(cp.to_text()) == cp
True

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast

import attrs

from legaldelivery import notes
from legaldelivery.errors import InputError, NoteError
from legaldelivery.keys import KeyRing, Signer, Verifier
from legaldelivery.keys._encoding import _b64encode, _strict_b64decode

__all__ = ["MAX_TREE_SIZE", "Checkpoint", "open_checkpoint", "sign_checkpoint"]

MAX_TREE_SIZE = 2**63 - 1
"""The largest tree size a checkpoint may state (a signed 64-bit integer, as Go reads it)."""

_SIZE = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x1f]")


def _line_problem(value: str) -> str | None:
    """Why ``value`` cannot be one line of a checkpoint, or ``None`` if it can."""
    if not value:
        return "must not be empty"
    found = _CONTROL.search(value)
    if found is not None:
        char = found.group()
        what = "a newline" if char == "\n" else f"control character U+{ord(char):04X}"
        return f"must not contain {what}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (no lone surrogates)"
    return None


def _check_origin(instance: object, attribute: object, value: str) -> None:
    if not isinstance(cast(object, value), str):
        raise InputError("expected the origin as str", path="origin", got=value)
    problem = _line_problem(value)
    if problem is not None:
        raise InputError(f"the origin {problem}", path="origin", got=value)


def _check_size(instance: object, attribute: object, value: int) -> None:
    if type(cast(object, value)) is not int:
        raise InputError("expected the tree size as int", path="size", got=value)
    if not 0 <= value <= MAX_TREE_SIZE:
        raise InputError(f"must be between 0 and {MAX_TREE_SIZE}", path="size", got=value)


def _root_bytes(value: object) -> bytes:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return cast(bytes, value)


def _check_root(instance: object, attribute: object, value: bytes) -> None:
    if not isinstance(cast(object, value), bytes) or len(value) != 32:
        raise InputError("expected a 32-byte SHA-256 root hash", path="root_hash", got=value)


def _extension_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InputError(
            "expected the extension lines as a tuple of str",
            path="extensions",
            got=type(value).__name__,
        )
    return tuple(value)


def _check_extensions(instance: object, attribute: object, value: tuple[str, ...]) -> None:
    for i, line in enumerate(value):
        if not isinstance(cast(object, line), str):
            raise InputError("expected str", path=f"extensions[{i}]", got=line)
        problem = _line_problem(line)
        if problem is not None:
            raise InputError(f"an extension line {problem}", path=f"extensions[{i}]", got=line)


@attrs.frozen
class Checkpoint:
    """A log's tree head: origin, tree size, RFC 6962 root hash, extension lines.

    Fields are positional as well as by keyword (``Checkpoint(origin, size, root_hash)``).
    A checkpoint that could not be written as valid checkpoint text cannot be built: the
    origin and extension lines are non-empty, one line each, without control characters;
    the size is an ``int`` from 0 to 2^63 - 1; the root hash is 32 bytes.

    .. versionadded:: 0.1.0
    """

    origin: str = attrs.field(validator=_check_origin)
    size: int = attrs.field(validator=_check_size)
    root_hash: bytes = attrs.field(converter=_root_bytes, validator=_check_root)
    extensions: tuple[str, ...] = attrs.field(
        default=(), converter=_extension_tuple, validator=_check_extensions
    )

    def to_text(self) -> str:
        """The checkpoint note text: one line each for origin, size, root, extensions.

        >>> Checkpoint("log", 0, bytes(32), ("note: rare",)).to_text()
        'log\\n0\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\nnote: rare\\n'
        """
        lines = [self.origin, str(self.size), _b64encode(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Read checkpoint note text strictly; anything malformed is an ``InputError``.

        The text must end with a newline; the size is decimal with no sign, no leading
        zero (except ``0`` itself) and no other digits than ASCII; the root is canonical
        padded base64 of exactly 32 bytes; no line (extension lines included) is empty.
        The error's path names the line. Pass only a *verified* text: see
        :func:`open_checkpoint`.

        >>> Checkpoint.from_text("log\\n007\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n")
        Traceback (most recent call last):
        ...
        legaldelivery.errors.InputError: checkpoint line 2 (size): ...
        """
        if not isinstance(text, str):
            raise InputError(
                "expected the checkpoint text as str", path="checkpoint", got=type(text).__name__
            )
        if not text.endswith("\n"):
            raise InputError("the checkpoint text must end with a newline", path="checkpoint")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InputError(
                f"a checkpoint has at least 3 lines (origin, size, root), not {len(lines)}",
                path="checkpoint",
            )
        for number, line in enumerate(lines, start=1):
            problem = _line_problem(line)
            if problem is not None:
                raise InputError(f"a checkpoint line {problem}", path=f"checkpoint line {number}")
        origin, size_text, root_text, *extensions = lines
        # The length test comes first: int() refuses strings of thousands of digits.
        if (
            len(size_text) > len(str(MAX_TREE_SIZE))
            or not _SIZE.fullmatch(size_text)
            or int(size_text) > MAX_TREE_SIZE
        ):
            raise InputError(
                f"expected a decimal tree size from 0 to {MAX_TREE_SIZE} without sign or "
                "leading zeros",
                path="checkpoint line 2 (size)",
                got=size_text,
            )
        root = _strict_b64decode(root_text)
        if root is None or len(root) != 32:
            raise InputError(
                "expected the canonical padded base64 of a 32-byte root hash",
                path="checkpoint line 3 (root hash)",
                got=root_text,
            )
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: Signer) -> str:
    """Sign ``checkpoint`` as a C2SP signed note.

    The spec recommends that the log's key name equal the origin; it is not enforced.

    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> from legaldelivery.keys import Ed25519Signer
    >>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    >>> signer = Ed25519Signer("court.example/log", key)
    >>> note = sign_checkpoint(Checkpoint("court.example/log", 0, bytes(32)), signer)
    >>> open_checkpoint(note, [signer.verifier])[0].size
    0

    .. versionadded:: 0.1.0
    """
    if not isinstance(checkpoint, Checkpoint):
        raise InputError("expected a Checkpoint", path="checkpoint", got=type(checkpoint).__name__)
    return notes.sign(checkpoint.to_text(), *signers)


def open_checkpoint(
    note: str | bytes,
    verifiers: Iterable[Verifier] | KeyRing | Verifier,
    *,
    origin: str | None = None,
) -> tuple[Checkpoint, notes.Note]:
    """Verify a signed checkpoint, then read it: ``(checkpoint, opened note)``.

    The signatures are verified first (:func:`legaldelivery.notes.open`, which raises
    :class:`~legaldelivery.errors.NoteError`), and only then is the text read, as the
    signed-note spec requires. A verified text that is not a checkpoint is an
    :class:`~legaldelivery.errors.InputError`; with ``origin`` given, a checkpoint of
    another log is a :class:`~legaldelivery.errors.NoteError`.

    .. versionadded:: 0.1.0
    """
    opened = notes.open(note, verifiers)
    checkpoint = Checkpoint.from_text(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for origin {checkpoint.origin!r}, not {origin!r}")
    return checkpoint, opened

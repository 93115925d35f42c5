"""C2SP signed notes (c2sp.org/signed-note): sign a text with keys, open a note with trusted keys.

A signed note is a UTF-8 text ending in a newline, a blank line, then one or more
signature lines ``— <key name> <base64(4-byte key id || signature)>`` (an em dash U+2014
and a space first). The text ends at the *last* blank line, so the text itself may
contain blank lines. No ASCII control character other than newline may appear anywhere.
Checkpoints (:mod:`legaldelivery.checkpoint`) are signed notes.

>>> from legaldelivery.keys import Verifier
>>> vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
>>> note = (
...     "This is an example message.\\n"
...     "\\n"
...     "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXm"
...     "RKuwHjG1Yu72IneyaQM=\\n"
... )
>>> opened = open(note, [Verifier.from_vkey(vkey)])
>>> opened.text
'This is an example message.\\n'
>>> [v.name for v in opened.verified_by]
['example.com/foo']

(``open`` is this module's contract name; it shadows the builtin only inside the module.)

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast

import attrs

from legaldelivery.errors import InputError, NoteError, SignatureError
from legaldelivery.keys import KeyRing, Signer, Verifier
from legaldelivery.keys._encoding import _b64encode, _strict_b64decode

__all__ = [
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "Note",
    "NoteSignature",
    "open",
    "sign",
    "text_of",
]

MAX_NOTE_BYTES = 1 << 20
"""The largest note :func:`open` reads (1 MiB, UTF-8 bytes).

It leaves room for :data:`MAX_SIGNATURES` post-quantum signatures of nearly 5 kB each.
"""

MAX_SIGNATURES = 100
"""The most signature lines a note may carry (the spec requires accepting at least 16)."""

_PREFIX = "\u2014 "
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def _spec_name(name: str) -> bool:
    """The signed-note rule for key names: non-empty, no Unicode space, no ``+``."""
    return bool(name) and "+" not in name and not any(char.isspace() for char in name)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _describe(char: str) -> str:
    names = {"\r": " (carriage return)", "\t": " (tab)", "\x00": " (NUL)"}
    return f"U+{ord(char):04X}{names.get(char, '')}"


def _is_name(instance: object, attribute: object, value: str) -> None:
    # The signed-note rule, and text a note can carry (no lone surrogates); no stricter,
    # as open() builds these from every line it parses.
    if (
        not isinstance(cast(object, value), str)
        or not _spec_name(value)
        or any("\ud800" <= char <= "\udfff" for char in value)
    ):
        raise InputError(
            "a key name is non-empty text without spaces or '+'", path="name", got=value
        )


@attrs.frozen(kw_only=True)
class NoteSignature:
    """One signature line of a note, verified or not.

    >>> sig = NoteSignature(name="log", key_id=bytes.fromhex("01020304"), signature=b"\\xff")
    >>> sig.line()
    '— log AQIDBP8=\\n'

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(validator=_is_name)
    key_id: bytes = attrs.field()
    signature: bytes = attrs.field()

    @key_id.validator
    def _check_key_id(self, attribute: object, value: bytes) -> None:
        if not isinstance(cast(object, value), bytes) or len(value) != 4:
            raise InputError("a key id is 4 bytes", path="key_id", got=value)

    @signature.validator
    def _check_signature(self, attribute: object, value: bytes) -> None:
        if not isinstance(cast(object, value), bytes) or not value:
            raise InputError("a signature is at least one byte", path="signature", got=value)

    def line(self) -> str:
        """The signature line as it appears in a note, newline included."""
        return f"{_PREFIX}{self.name} {_b64encode(self.key_id + self.signature)}\n"


@attrs.frozen(kw_only=True)
class Note:
    """An opened note: its text, the trusted keys that signed it, every signature line.

    ``verified_by`` holds each trusted verifier whose signature verified, once, in the
    order of the note's lines; ``signatures`` holds every signature line parsed, those of
    unknown keys included.

    .. versionadded:: 0.1.0
    """

    text: str
    verified_by: tuple[Verifier, ...]
    signatures: tuple[NoteSignature, ...]


def _check_text(text: object) -> bytes:
    if not isinstance(text, str):
        raise InputError("expected the note text as str", path="text", got=type(text).__name__)
    if not text.endswith("\n"):
        raise InputError("the note text must end with a newline", path="text")
    found = _CONTROL.search(text)
    if found is not None:
        line = _line_of(text, found.start())
        raise InputError(
            f"control character {_describe(found.group())} is not allowed (only newline)",
            path=f"text line {line}",
        )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = _line_of(text, exc.start)
        raise InputError(
            "the text is not valid Unicode (lone surrogate)", path=f"text line {line}"
        ) from exc


def sign(text: str, *signers: Signer) -> str:
    """Sign ``text`` with each of ``signers`` and return the signed note.

    ``text`` must end with a newline and contain no control character other than
    newline; signers must differ in (key name, key id), and there may be at most
    :data:`MAX_SIGNATURES`. Signature lines follow in the order of ``signers``.

    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> from legaldelivery.keys import Ed25519Signer
    >>> signer = Ed25519Signer("log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    >>> note = sign("hello\\n", signer)
    >>> note.startswith("hello\\n\\n— log ")
    True
    >>> open(note, [signer.verifier]).text
    'hello\\n'

    .. versionadded:: 0.1.0
    """
    message = _check_text(text)
    if not signers:
        raise InputError("at least one signer is needed", path="signers")
    if len(signers) > MAX_SIGNATURES:
        raise InputError(
            f"at most {MAX_SIGNATURES} signatures fit in a note", path="signers", got=len(signers)
        )
    seen: set[tuple[str, bytes]] = set()
    lines = []
    for i, signer in enumerate(signers):
        if not isinstance(signer, Signer):
            raise InputError("expected a Signer", path=f"signers[{i}]", got=type(signer).__name__)
        ident = (signer.name, signer.key_id)
        if ident in seen:
            raise InputError(
                f"the key {signer.name}+{signer.key_id.hex()} is given twice",
                path=f"signers[{i}]",
            )
        seen.add(ident)
        signature = NoteSignature(
            name=signer.name, key_id=signer.key_id, signature=signer.sign(message)
        )
        lines.append(signature.line())
    note = text + "\n" + "".join(lines)
    size = len(note.encode("utf-8"))
    if size > MAX_NOTE_BYTES:
        raise InputError(
            f"the signed note would be {size} bytes; the limit is {MAX_NOTE_BYTES}",
            path="text",
        )
    return note


def _decode(note: object) -> str:
    if isinstance(note, (bytes, bytearray, memoryview)):
        data = bytes(note)
        if len(data) > MAX_NOTE_BYTES:
            raise NoteError(f"the note is {len(data)} bytes; the limit is {MAX_NOTE_BYTES}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise NoteError(f"line {line}: the note is not valid UTF-8") from exc
    if isinstance(note, str):
        # Every character takes at least one byte: a cheap bound before encoding.
        if len(note) > MAX_NOTE_BYTES:
            raise NoteError(f"the note is over {MAX_NOTE_BYTES} bytes, the limit")
        try:
            size = len(note.encode("utf-8"))
        except UnicodeEncodeError as exc:
            line = _line_of(note, exc.start)
            raise NoteError(f"line {line}: the note is not valid Unicode (lone surrogate)") from exc
        if size > MAX_NOTE_BYTES:
            raise NoteError(f"the note is {size} bytes; the limit is {MAX_NOTE_BYTES}")
        return note
    raise InputError("expected a signed note (str or bytes)", path="note", got=type(note).__name__)


def _parse(note: object) -> tuple[str, list[tuple[int, NoteSignature]]]:
    """Split and parse a note without verifying: (text, [(line number, signature)])."""
    body = _decode(note)
    found = _CONTROL.search(body)
    if found is not None:
        line = _line_of(body, found.start())
        raise NoteError(
            f"line {line}: control character {_describe(found.group())} is not allowed "
            "(only newline)"
        )
    total = body.count("\n")
    if not body.endswith("\n"):
        raise NoteError(f"line {total + 1}: the note must end with a newline")
    split = body.rfind("\n\n")
    if split < 0:
        raise NoteError(
            f"no blank line separates the text from the signatures (the note has {total} lines)"
        )
    text, block = body[: split + 1], body[split + 2 :]
    first = text.count("\n") + 2
    if not block:
        raise NoteError(
            f"line {first - 1}: a blank line ends the note; signature lines must follow"
        )
    raw_lines = block[:-1].split("\n")
    if len(raw_lines) > MAX_SIGNATURES:
        raise NoteError(
            f"line {first}: the note has {len(raw_lines)} signature lines; "
            f"at most {MAX_SIGNATURES} are accepted"
        )
    parsed = []
    for number, entry in enumerate(raw_lines, start=first):
        if not entry.startswith(_PREFIX):
            raise NoteError(
                f"line {number}: a signature line must start with an em dash (U+2014) and a space"
            )
        name, space, encoded = entry[len(_PREFIX) :].partition(" ")
        if not space or not _spec_name(name):
            raise NoteError(
                f"line {number}: expected '— <key name> <base64 signature>' with a key name "
                "that is non-empty and has no spaces or '+'"
            )
        raw = _strict_b64decode(encoded)
        if raw is None:
            raise NoteError(
                f"line {number}: the signature is not canonical, padded standard base64"
            )
        if len(raw) < 5:
            raise NoteError(
                f"line {number}: a signature is a 4-byte key id and at least one more byte"
            )
        parsed.append((number, NoteSignature(name=name, key_id=raw[:4], signature=raw[4:])))
    return text, parsed


def text_of(note: str | bytes) -> str:
    """The text of a well-formed note, WITHOUT verifying any signature.

    For routing only -- for example to learn which tree size a checkpoint claims before
    fetching what to check it against. The text proves nothing until :func:`open` has
    verified the note. Malformed notes raise :class:`~legaldelivery.errors.NoteError`.

    >>> text_of("size 3\\n\\n— someone AAAAAAE=\\n")
    'size 3\\n'

    .. versionadded:: 0.1.0
    """
    return _parse(note)[0]


_Trusted = dict[tuple[str, bytes], Verifier]


def _index(verifiers: object) -> tuple[_Trusted, _Trusted]:
    """The trusted keys by (name, key id), and a ring's revoked keys, for messages."""
    revoked: _Trusted = {}
    if isinstance(verifiers, KeyRing):
        items: list[object] = list(verifiers.unrevoked())
        revoked = {(k.verifier.name, k.verifier.key_id): k.verifier for k in verifiers.revoked()}
    elif isinstance(verifiers, Verifier):
        items = [verifiers]
    elif isinstance(verifiers, Iterable) and not isinstance(verifiers, (str, bytes)):
        items = list(verifiers)
    else:
        raise InputError(
            "expected an iterable of Verifier or a KeyRing",
            path="verifiers",
            got=type(verifiers).__name__,
        )
    trusted: _Trusted = {}
    for i, verifier in enumerate(items):
        if not isinstance(verifier, Verifier):
            raise InputError(
                "expected a Verifier (Verifier.from_vkey reads a vkey string)",
                path=f"verifiers[{i}]",
                got=type(verifier).__name__,
            )
        key = (verifier.name, verifier.key_id)
        other = trusted.get(key)
        if other is not None and other != verifier:
            raise InputError(
                f"two different keys share the name and key id {verifier.name}+"
                f"{verifier.key_id.hex()}: a signature by either would be ambiguous",
                path=f"verifiers[{i}]",
            )
        trusted[key] = verifier
    return trusted, revoked


def open(note: str | bytes, verifiers: Iterable[Verifier] | KeyRing | Verifier) -> Note:
    """Parse ``note`` and verify its signatures against the trusted ``verifiers``.

    ``verifiers`` is an iterable of :class:`~legaldelivery.keys.Verifier` (or a single
    one), or a :class:`~legaldelivery.keys.KeyRing`, whose revoked keys are left out:
    a note carries no time, so a revoked key vouches for none. A signature line counts
    as a trusted key's when both its key name and key id match.

    * Signatures by unknown keys are ignored (kept in :attr:`Note.signatures`).
    * A signature by a trusted key that does not verify rejects the whole note.
    * A note with no verified signature by a trusted key is rejected.
    * Malformed notes are rejected: invalid UTF-8, control characters (CR included), no
      blank line before the signatures, malformed signature lines or base64, more than
      :data:`MAX_SIGNATURES` signatures, more than :data:`MAX_NOTE_BYTES` bytes.

    Every rejection is a :class:`~legaldelivery.errors.NoteError` naming the line;
    ``verifiers`` that are not verifiers, or two different keys with the same name and
    key id, are an :class:`~legaldelivery.errors.InputError`.

    .. versionadded:: 0.1.0
    """
    trusted, revoked = _index(verifiers)
    text, parsed = _parse(note)
    message = text.encode("utf-8")
    verified: list[Verifier] = []
    for number, signature in parsed:
        verifier = trusted.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        try:
            verifier.verify(signature.signature, message)
        except SignatureError as exc:
            raise NoteError(
                f"line {number}: the signature by trusted key {signature.name}+"
                f"{signature.key_id.hex()} does not verify"
            ) from exc
        if verifier not in verified:
            verified.append(verifier)
    if not verified:
        raise NoteError(_untrusted_message(parsed, revoked))
    return Note(
        text=text,
        verified_by=tuple(verified),
        signatures=tuple(signature for _, signature in parsed),
    )


def _untrusted_message(parsed: list[tuple[int, NoteSignature]], revoked: _Trusted) -> str:
    names = [f"{s.name}+{s.key_id.hex()}" for _, s in parsed]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    message = f"no signature by a trusted key (the note is signed by {shown})"
    hits = [revoked[(s.name, s.key_id)] for _, s in parsed if (s.name, s.key_id) in revoked]
    if hits:
        message += "; revoked keys are not trusted: " + ", ".join(
            f"{v.name}+{v.key_id.hex()}" for v in hits
        )
    return message

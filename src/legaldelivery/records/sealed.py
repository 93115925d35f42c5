"""Sealed personal data: salted commitments that let a shared log forget who it names.

A personal field (a name, a phone number, an e-mail address, a WeChat id) may hold a
:class:`Sealed` commitment instead of the plain value. The :class:`Opening` (32 random
salt bytes and the value) is kept outside the log. Whoever holds the opening can show
what the field said; once the opening is discarded the value cannot be recovered, yet
every signature, hash chain and Merkle proof over the log still verifies, because they
cover the commitment, which never changes.

The commitment is ``HMAC-SHA256(key=salt, message=b"legaldelivery/sealed/v1\\n" +
UTF-8(value))`` (the value is always a string, so its UTF-8 bytes are its one encoding):

* **hiding** -- the salt is 32 uniformly random secret bytes and HMAC-SHA256 is a
  pseudorandom function of its key, so without the salt the commitment looks random even
  for a value from a small set (a phone number, a name from a list);
* **binding** -- the salt length is fixed at 32 bytes (below the 64-byte SHA-256 block),
  so two different openings with the same commitment would give a SHA-256 collision in
  the inner or the outer hash of HMAC;
* the domain-separation prefix keeps these commitments apart from any other HMAC or
  hash the library computes.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

import attrs

from legaldelivery.errors import InputError, VerificationError
from legaldelivery.records import _checks

__all__ = ["SALT_SIZE", "SEALED_DOMAIN", "Opening", "Sealed", "seal"]

SALT_SIZE = 32
"""Bytes of salt in every opening."""

SEALED_DOMAIN = b"legaldelivery/sealed/v1\n"
"""Prefix of the HMAC message: the domain separation of sealed commitments."""

_PREFIX = "hmac-sha256:"
_FORM = re.compile(r"hmac-sha256:[0-9a-f]{64}\Z", re.ASCII)
_check_value = _checks.text(_checks.TEXT_MAX)


def _commit(salt: bytes, value: str) -> bytes:
    return hmac.new(salt, SEALED_DOMAIN + value.encode("utf-8"), hashlib.sha256).digest()


@attrs.frozen(kw_only=True)
class Sealed:
    """A commitment to a personal value; written ``{"sealed": "hmac-sha256:<hex>"}``.

    >>> sealed, opening = seal("+923001234567")
    >>> sealed.verify(opening)
    >>> str(sealed).startswith("hmac-sha256:")
    True
    >>> other, _ = seal("+923001234568")
    >>> other.verify(opening)
    Traceback (most recent call last):
    ...
    legaldelivery.errors.VerificationError: the opening does not match the sealed commitment

    .. versionadded:: 0.1.0
    """

    commitment: bytes = attrs.field(
        validator=_checks.on_field(_checks.exact_bytes(32)), repr=lambda b: b.hex()
    )
    """The 32-byte HMAC-SHA256 output."""

    def verify(self, opening: Opening) -> None:
        """Return None when ``opening`` opens this commitment; raise VerificationError."""
        if not isinstance(opening, Opening):
            raise InputError("expected an Opening", path="opening", got=type(opening).__name__)
        if not hmac.compare_digest(self.commitment, _commit(opening.salt, opening.value)):
            # The message names neither value: both are personal data.
            raise VerificationError("the opening does not match the sealed commitment")

    @classmethod
    def parse(cls, text: Any, *, path: str | None = None) -> Sealed:
        """Read the string form ``hmac-sha256:<64 lowercase hex digits>`` strictly."""
        if not isinstance(text, str) or not _FORM.match(text):
            raise InputError(
                "expected 'hmac-sha256:' and 64 lowercase hex digits", path=path, got=text
            )
        return cls(commitment=bytes.fromhex(text[len(_PREFIX) :]))

    def __str__(self) -> str:
        return _PREFIX + self.commitment.hex()


@attrs.frozen(kw_only=True, repr=False)
class Opening:
    """What opens a :class:`Sealed` commitment: the salt and the plain value.

    Keep openings outside the log (they are personal data); discard one to erase the value.
    Its ``repr`` shows neither salt nor value.

    >>> opening = Opening(salt=bytes(32), value="Li Wei")
    >>> opening
    Opening(<hidden>)
    >>> opening.sealed().verify(opening)

    .. versionadded:: 0.1.0
    """

    salt: bytes = attrs.field(validator=_checks.on_field(_checks.exact_bytes(SALT_SIZE)))
    """32 random bytes, secret while the value must stay hidden."""
    value: str = attrs.field(validator=_checks.on_field(_check_value))
    """The personal value the commitment hides."""

    def sealed(self) -> Sealed:
        """The commitment this opening opens."""
        return Sealed(commitment=_commit(self.salt, self.value))

    def __repr__(self) -> str:
        return "Opening(<hidden>)"


def seal(value: str, *, salt: bytes | None = None) -> tuple[Sealed, Opening]:
    """Seal ``value``: return the commitment for the log and the opening to keep apart.

    ``salt`` defaults to 32 fresh random bytes; pass one only to reproduce a commitment.
    Two seals of one value with different salts are unrelated to anyone without the salts.

    >>> a, _ = seal("wxid_liwei2020")
    >>> b, _ = seal("wxid_liwei2020")
    >>> a == b
    False
    >>> seal("x", salt=b"short")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: salt: expected exactly 32 bytes ...

    .. versionadded:: 0.1.0
    """
    opening = Opening(salt=secrets.token_bytes(SALT_SIZE) if salt is None else salt, value=value)
    return opening.sealed(), opening

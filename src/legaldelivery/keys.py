"""Signing keys: signers and verifiers, fingerprints, C2SP verifier keys, PEM files, a key ring.

A :class:`Signer` signs log entries and signed notes; its :class:`Verifier` checks them.
Ed25519 is the default algorithm; ECDSA P-256 with SHA-256 is there for hosts whose key
custody (an HSM, a cloud KMS) offers nothing else.

Every key is known by three public names:

* its **fingerprint** -- the lowercase hex SHA-256 of the public key's DER
  SubjectPublicKeyInfo, which a third party computes with
  ``openssl pkey -pubin -outform DER | sha256sum``. Log entries name their signer by it.
* its **key name** -- the signed-note name, usually the log's origin (``court.example/log``).
* its **verifier key** (``vkey``, C2SP signed-note) -- ``<name>+<key id>+<base64 key>``,
  given to anyone who verifies notes and checkpoints.

**Signatures and domain separation.** :meth:`Signer.sign` returns the plain algorithm
signature over exactly the bytes it is given (pure Ed25519; ECDSA P-256 over SHA-256, DER
encoded), with no prefix of our own, so that standard tools verify it. One key signs two
kinds of message, and no byte string can be both:

* a log entry is RFC 8785 canonical JSON beginning ``{"format":"legaldelivery/entry/v1",``;
  canonical JSON never contains a raw newline byte (it writes no whitespace and escapes
  control characters inside strings);
* a signed note's text (a checkpoint) always ends with a newline byte.

A key must not sign anything else unless that message family is disjoint from both in the
same way.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> signer = Ed25519Signer("court.example/log", Ed25519PrivateKey.from_private_bytes(bytes(32)))
>>> signer.vkey
'court.example/log+...+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'
>>> verifier = Verifier.from_vkey(signer.vkey)
>>> verifier.verify(signer.sign(b"served"), b"served") is None
True
>>> verifier.fingerprint == signer.fingerprint
True

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
import base64
import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar, TypeAlias, cast

import attrs
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from typing_extensions import Self

from legaldelivery.errors import InputError, SignatureError
from legaldelivery.instants import format_instant, to_utc

__all__ = [
    "ALGORITHMS",
    "EcdsaP256Signer",
    "EcdsaP256Verifier",
    "Ed25519Signer",
    "Ed25519Verifier",
    "KeyRing",
    "Signer",
    "TrustedKey",
    "Verifier",
    "generate_signer",
    "read_private_key",
    "read_private_key_unencrypted_insecure",
    "read_public_key",
    "verifier_from_public_bytes",
    "write_private_key",
    "write_private_key_unencrypted_insecure",
    "write_public_key",
]

ALGORITHMS: tuple[str, ...] = ("ed25519", "ecdsa-p256")
"""The algorithm names the library writes and reads (``Verifier.algorithm``)."""

#: C2SP signed-note signature type bytes (c2sp.org/signed-note, "Signature types").
_TYPE_ED25519 = 0x01
_TYPE_ECDSA = 0x02
_OTHER_TYPES = {
    0x03: "reserved",
    0x04: "timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature)",
    0x05: "RFC 6962 TreeHeadSignatures (c2sp.org/static-ct-api)",
    0xFF: "a signature type without an assigned byte",
}

#: The order of the P-256 group, to write ECDSA signatures in low-S form.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")

_PathLike: TypeAlias = "str | os.PathLike[str]"


# -- small helpers shared with notes.py and checkpoint.py -----------------------------------


def _strict_b64decode(text: str) -> bytes | None:
    """Decode standard padded base64 written the one canonical way; ``None`` otherwise.

    Canonical means what every encoder writes: the RFC 4648 alphabet, ``=`` padding, no
    whitespace, and zero bits where the last character has more bits than the data.
    """
    if not _BASE64.fullmatch(text):
        return None
    data = base64.b64decode(text, validate=True)
    if base64.b64encode(data).decode("ascii") != text:
        return None
    return data


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a key name, or ``None`` if it can."""
    if not name:
        return "must not be empty"
    for char in name:
        code = ord(char)
        if char == "+":
            return "must not contain '+'"
        if char.isspace():
            return f"must not contain whitespace (U+{code:04X})"
        if unicodedata.category(char) == "Cc":
            return f"must not contain control characters (U+{code:04X})"
        if 0xD800 <= code <= 0xDFFF:
            return f"must be valid Unicode text (lone surrogate U+{code:04X})"
    return None


def _check_name(name: object, *, path: str = "name") -> str:
    if not isinstance(name, str):
        raise InputError("expected a key name (str)", path=path, got=name)
    problem = _name_problem(name)
    if problem is not None:
        raise InputError(f"a key name {problem}", path=path, got=name)
    return name


def _check_bytes(value: object, *, path: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise InputError("expected bytes", path=path, got=type(value).__name__)


def _passphrase_bytes(passphrase: object) -> bytes:
    # The passphrase is a secret: no message below ever shows it.
    if isinstance(passphrase, str):
        try:
            passphrase = passphrase.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(
                "the passphrase must be valid Unicode text", path="passphrase"
            ) from None
    if not isinstance(passphrase, bytes):
        raise InputError(
            f"expected the passphrase as str or bytes, not {type(passphrase).__name__}",
            path="passphrase",
        )
    if not 1 <= len(passphrase) <= 1023:
        raise InputError("the passphrase must be 1 to 1023 bytes long", path="passphrase")
    return passphrase


def _expected_fingerprint(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or _FINGERPRINT.fullmatch(value) is None:
        raise InputError(
            "expected a key fingerprint: 64 lowercase hex digits",
            path="expect_fingerprint",
            got=value,
        )
    return value


def _check_fingerprint(found: str, expected: str | None, *, path: str) -> None:
    # A damaged key file can still decode to a valid key (any 32 bytes are an Ed25519
    # seed; CBC decryption garbles a block without breaking the padding), so only a
    # comparison with a fingerprint kept elsewhere tells a damaged key from the real one.
    if expected is not None and found != expected:
        raise InputError(
            f"the key read has fingerprint {found}, not the expected {expected}: the file "
            "is damaged or holds another key",
            path=path,
        )


def _pem_bytes(data: object, *, path: str) -> bytes:
    if isinstance(data, str):
        try:
            return data.encode("ascii")
        except UnicodeEncodeError:
            raise InputError("a PEM document is ASCII text", path=path) from None
    return _check_bytes(data, path=path)


# -- verifiers ---------------------------------------------------------------------------


class Verifier(abc.ABC):
    """A public key with its note key name: checks signatures, names the key.

    Verifiers compare and hash by ``(algorithm, name, public key)``. Build one from a
    C2SP verifier key with :meth:`from_vkey`, from a PEM document with
    :meth:`from_public_pem`, or from the bytes a log's key rotation records with
    :func:`verifier_from_public_bytes`.

    >>> v = Verifier.from_vkey(
    ...     "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    ... )
    >>> v.algorithm, v.name, v.key_id.hex()
    ('ed25519', 'example.com/foo', '530d903a')
    >>> v.verify(bytes(64), b"not signed")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.SignatureError: the signature does not verify with key example.com/foo ...

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_der", "_fingerprint", "_key_id", "_name")

    algorithm: ClassVar[str]
    """``"ed25519"`` or ``"ecdsa-p256"``: the name key rotations record."""

    signature_type: ClassVar[int]
    """The C2SP signed-note signature type byte of the key."""

    def __init__(self, name: str) -> None:
        self._name = _check_name(name)
        self._der = self.public_bytes_der()
        self._key_id = self._compute_key_id()
        # Computed once: every entry signed or audited asks for it.
        self._fingerprint = hashlib.sha256(self._der).hexdigest()

    # What each algorithm supplies.

    @abc.abstractmethod
    def public_bytes_der(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo (the bytes the fingerprint hashes)."""

    @abc.abstractmethod
    def verify(self, signature: bytes, message: bytes) -> None:
        """Return ``None`` if ``signature`` is this key's signature over ``message``.

        Raises :class:`~legaldelivery.errors.SignatureError` otherwise, including for a
        signature of the wrong length or form.
        """

    @abc.abstractmethod
    def _vkey_key_bytes(self) -> bytes:
        """The key encoding that follows the type byte in the verifier key."""

    @abc.abstractmethod
    def _compute_key_id(self) -> bytes:
        """The 4-byte C2SP key id of this key."""

    # What every verifier shares.

    @property
    def name(self) -> str:
        """The key name signature lines carry (the C2SP signed-note key name)."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """The 4-byte C2SP key id that prefixes this key's note signatures."""
        return self._key_id

    @property
    def fingerprint(self) -> str:
        """Lowercase hex SHA-256 of :meth:`public_bytes_der`: how log entries name the key."""
        return self._fingerprint

    @property
    def vkey(self) -> str:
        """The C2SP verifier key ``<name>+<key id hex>+<base64(type byte || key)>``."""
        payload = bytes([self.signature_type]) + self._vkey_key_bytes()
        return f"{self._name}+{self._key_id.hex()}+{_b64encode(payload)}"

    def public_pem(self) -> bytes:
        """The public key as a PEM ``PUBLIC KEY`` document (SubjectPublicKeyInfo)."""
        key = serialization.load_der_public_key(self._der)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def _identity(self) -> tuple[str, str, bytes]:
        return (self.algorithm, self._name, self._der)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verifier):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"{type(self).__name__}.from_vkey({self.vkey!r})"

    def _fail(self, detail: str = "") -> SignatureError:
        return SignatureError(
            f"the signature does not verify with key {self._name} "
            f"(fingerprint {self.fingerprint}){detail}"
        )

    # Constructors.

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Parse a C2SP verifier key strictly.

        The key is split on its first two ``+`` only (base64 may contain ``+``). The name
        must be a valid key name; the key id must be 8 lowercase hex digits equal to the
        one recomputed from the key; the base64 must be canonical and padded; the type
        byte must be one this library implements (``0x01`` Ed25519, ``0x02`` ECDSA
        P-256) and the key must have the right length and form. Anything else is an
        :class:`~legaldelivery.errors.InputError`: a verifier key is configuration, not
        evidence. Called on a subclass, the key must be of that subclass's algorithm.

        >>> Verifier.from_vkey(
        ...     "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        ... )
        Traceback (most recent call last):
        ...
        legaldelivery.errors.InputError: vkey: the key id 530d903b does not match the key ...
        """
        if not isinstance(vkey, str):
            raise InputError("expected a verifier key (str)", path="vkey", got=vkey)
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise InputError("expected '<name>+<key id>+<base64 key>'", path="vkey", got=vkey)
        name, key_id_hex, key_b64 = parts
        problem = _name_problem(name)
        if problem is not None:
            raise InputError(f"the key name {problem}", path="vkey", got=vkey)
        if not _KEY_ID_HEX.fullmatch(key_id_hex):
            raise InputError(
                "the key id must be 8 lowercase hex digits", path="vkey", got=key_id_hex
            )
        payload = _strict_b64decode(key_b64)
        if not payload:
            raise InputError(
                "the key must be canonical, padded standard base64 of a type byte and a key",
                path="vkey",
                got=key_b64,
            )
        kind, key_bytes = payload[0], payload[1:]
        verifier: Verifier
        if kind == _TYPE_ED25519:
            if len(key_bytes) != 32:
                raise InputError(f"an Ed25519 key is 32 bytes, not {len(key_bytes)}", path="vkey")
            verifier = Ed25519Verifier.from_public_bytes(name, key_bytes)
        elif kind == _TYPE_ECDSA:
            # Type 0x02 carries the DER SubjectPublicKeyInfo, never a bare point.
            verifier = EcdsaP256Verifier._narrow(_verifier_from_der(name, key_bytes))
        elif kind in _OTHER_TYPES:
            raise InputError(
                f"signature type 0x{kind:02x} ({_OTHER_TYPES[kind]}) is not supported; "
                "this library verifies 0x01 (Ed25519) and 0x02 (ECDSA P-256)",
                path="vkey",
            )
        else:
            raise InputError(f"unknown signature type 0x{kind:02x}", path="vkey")
        if verifier.key_id.hex() != key_id_hex:
            raise InputError(
                f"the key id {key_id_hex} does not match the key "
                f"(expected {verifier.key_id.hex()})",
                path="vkey",
            )
        return cls._narrow(verifier)

    @classmethod
    def from_public_pem(
        cls, name: str, data: bytes | str, *, expect_fingerprint: str | None = None
    ) -> Self:
        """Load a PEM ``PUBLIC KEY`` document (SubjectPublicKeyInfo) under key name ``name``.

        With ``expect_fingerprint``, a key with another :attr:`fingerprint` is an
        :class:`~legaldelivery.errors.InputError` (a damaged file can hold a valid key).

        >>> pem = Verifier.from_vkey(
        ...     "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        ... ).public_pem()
        >>> Verifier.from_public_pem("example.com/foo", pem).key_id.hex()
        '530d903a'
        """
        raw = _pem_bytes(data, path="public key")
        expected = _expected_fingerprint(expect_fingerprint)
        try:
            key = serialization.load_pem_public_key(raw)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise InputError("not a PEM public key this library reads", path="public key") from exc
        verifier = cls._narrow(_verifier_for_public_key(name, key))
        _check_fingerprint(verifier.fingerprint, expected, path="public key")
        return verifier

    @classmethod
    def _narrow(cls, verifier: Verifier) -> Self:
        if not isinstance(verifier, cls):
            raise InputError(f"{cls.__name__} cannot hold a {verifier.algorithm} key", path="key")
        return verifier


def _verifier_for_public_key(name: str, key: object) -> Verifier:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return Ed25519Verifier(name, key)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return EcdsaP256Verifier(name, key)
    raise InputError(
        "expected an Ed25519 or ECDSA P-256 public key",
        path="public key",
        got=type(key).__name__,
    )


class Ed25519Verifier(Verifier):
    """An Ed25519 public key (RFC 8032, pure Ed25519): C2SP signature type ``0x01``.

    The key id is ``SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]``.

    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> public = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    >>> Ed25519Verifier("court.example/log", public).algorithm
    'ed25519'

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_key",)

    algorithm: ClassVar[str] = "ed25519"
    signature_type: ClassVar[int] = _TYPE_ED25519

    def __init__(self, name: str, public_key: ed25519.Ed25519PublicKey) -> None:
        if not isinstance(public_key, ed25519.Ed25519PublicKey):
            raise InputError(
                "expected an Ed25519PublicKey", path="public_key", got=type(public_key).__name__
            )
        self._key = public_key
        super().__init__(name)

    @classmethod
    def from_public_bytes(cls, name: str, data: bytes) -> Self:
        """Build from the 32-byte raw key or its DER SubjectPublicKeyInfo."""
        data = _check_bytes(data, path="public key")
        if len(data) == 32:
            return cls(name, ed25519.Ed25519PublicKey.from_public_bytes(data))
        return cls._narrow(_verifier_from_der(name, data))

    def public_bytes_der(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_bytes_raw(self) -> bytes:
        """The 32-byte RFC 8032 encoding of the key."""
        return self._key.public_bytes_raw()

    def _vkey_key_bytes(self) -> bytes:
        return self.public_bytes_raw()

    def _compute_key_id(self) -> bytes:
        preimage = self._name.encode("utf-8") + b"\n" + bytes([_TYPE_ED25519])
        return hashlib.sha256(preimage + self.public_bytes_raw()).digest()[:4]

    def verify(self, signature: bytes, message: bytes) -> None:
        signature = _check_bytes(signature, path="signature")
        message = _check_bytes(message, path="message")
        if len(signature) != 64:
            raise self._fail(f": an Ed25519 signature is 64 bytes, not {len(signature)}")
        try:
            self._key.verify(signature, message)
        except InvalidSignature as exc:
            raise self._fail() from exc


class EcdsaP256Verifier(Verifier):
    """An ECDSA P-256 public key, SHA-256, DER signatures: C2SP signature type ``0x02``.

    Type ``0x02`` is "ECDSA signatures as implemented by github.com/transparency-dev/witness"
    in the C2SP signed-note registry, the form Sigstore's Rekor checkpoints use: the
    verifier key is ``<name>+<key id>+base64(0x02 || DER SubjectPublicKeyInfo)`` and the
    key id is the first four bytes of ``SHA-256(DER SubjectPublicKeyInfo)`` -- the name is
    not hashed, unlike Ed25519. Signatures are accepted in either S form; the ones this
    library makes are low-S.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_key",)

    algorithm: ClassVar[str] = "ecdsa-p256"
    signature_type: ClassVar[int] = _TYPE_ECDSA

    def __init__(self, name: str, public_key: ec.EllipticCurvePublicKey) -> None:
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise InputError(
                "expected an EllipticCurvePublicKey",
                path="public_key",
                got=type(public_key).__name__,
            )
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise InputError(
                "only the P-256 curve (secp256r1) is supported",
                path="public_key",
                got=public_key.curve.name,
            )
        self._key = public_key
        super().__init__(name)

    @classmethod
    def from_public_bytes(cls, name: str, data: bytes) -> Self:
        """Build from DER SubjectPublicKeyInfo, or from an X9.62 point (33 or 65 bytes)."""
        data = _check_bytes(data, path="public key")
        if len(data) in (33, 65) and data[0] in (2, 3, 4):
            try:
                key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)
            except ValueError as exc:
                raise InputError("not a point on the P-256 curve", path="public key") from exc
            return cls(name, key)
        return cls._narrow(_verifier_from_der(name, data))

    def public_bytes_der(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def _vkey_key_bytes(self) -> bytes:
        return self.public_bytes_der()

    def _compute_key_id(self) -> bytes:
        return hashlib.sha256(self.public_bytes_der()).digest()[:4]

    def verify(self, signature: bytes, message: bytes) -> None:
        signature = _check_bytes(signature, path="signature")
        message = _check_bytes(message, path="message")
        try:
            self._key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError) as exc:
            raise self._fail() from exc


def _verifier_from_der(name: str, der: bytes) -> Verifier:
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError(
            "not a DER SubjectPublicKeyInfo this library reads", path="public key"
        ) from exc
    verifier = _verifier_for_public_key(name, key)
    # The fingerprint hashes these bytes, so only the one DER form a third party's
    # `openssl pkey -outform DER` writes is accepted (uncompressed points, short lengths).
    if verifier.public_bytes_der() != der:
        raise InputError(
            "the public key is not in canonical DER form (uncompressed point)",
            path="public key",
        )
    return verifier


def verifier_from_public_bytes(algorithm: str, name: str, public_key: bytes) -> Verifier:
    """Build a verifier from an algorithm name and public key bytes, as key rotations record.

    ``algorithm`` is ``"ed25519"`` (32-byte raw key or DER SubjectPublicKeyInfo) or
    ``"ecdsa-p256"`` (DER SubjectPublicKeyInfo or an X9.62 point). A key of another
    algorithm than the one named is an :class:`~legaldelivery.errors.InputError`.

    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> v = Ed25519Signer("log", Ed25519PrivateKey.from_private_bytes(bytes(32))).verifier
    >>> verifier_from_public_bytes("ed25519", "log", v.public_bytes_der()) == v
    True

    .. versionadded:: 0.1.0
    """
    if algorithm == Ed25519Verifier.algorithm:
        return Ed25519Verifier.from_public_bytes(name, public_key)
    if algorithm == EcdsaP256Verifier.algorithm:
        return EcdsaP256Verifier.from_public_bytes(name, public_key)
    raise InputError(f"expected one of {', '.join(ALGORITHMS)}", path="algorithm", got=algorithm)


# -- signers ------------------------------------------------------------------------------


class Signer(abc.ABC):
    """A private key with its note key name: signs log entries and notes.

    Subclasses implement :attr:`verifier` and :meth:`sign`; that is all a host needs to
    keep its key in an HSM or a cloud KMS.

    A signer never shows its private key: its ``repr`` names the key by fingerprint, and
    its PEM export is encrypted with a passphrase unless the alarmingly named
    :meth:`private_pem_unencrypted_insecure` is called.

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    algorithm: ClassVar[str]

    @property
    @abc.abstractmethod
    def verifier(self) -> Verifier:
        """The public half: give it (or its :attr:`vkey`) to whoever verifies."""

    @abc.abstractmethod
    def sign(self, message: bytes) -> bytes:
        """The raw algorithm signature over exactly ``message`` (see the module docstring)."""

    def _private_key(self) -> ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
        """The cryptography key object, for PEM export only.

        A signer whose key lives outside the process (an HSM, a cloud KMS) implements
        only :attr:`verifier` and :meth:`sign`, and cannot be exported.
        """
        raise InputError(f"the key of {type(self).__name__} cannot be exported", path="signer")

    @property
    def name(self) -> str:
        """The key name signature lines carry."""
        return self.verifier.name

    @property
    def key_id(self) -> bytes:
        """The 4-byte C2SP key id."""
        return self.verifier.key_id

    @property
    def vkey(self) -> str:
        """The C2SP verifier key of the public half."""
        return self.verifier.vkey

    @property
    def fingerprint(self) -> str:
        """Lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo."""
        return self.verifier.fingerprint

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} fingerprint={self.fingerprint}>"

    def private_pem(self, passphrase: str | bytes) -> bytes:
        """The private key as encrypted PKCS#8 PEM (``ENCRYPTED PRIVATE KEY``).

        The encryption is cryptography's ``BestAvailableEncryption``; the passphrase is 1
        to 1023 bytes (a ``str`` is taken as UTF-8).
        """
        secret = _passphrase_bytes(passphrase)
        return self._private_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        )

    def private_pem_unencrypted_insecure(self) -> bytes:
        """The private key as PLAIN TEXT PKCS#8 PEM. Anyone who reads it can sign as you.

        Only for keys kept in a secret store that encrypts on its own (an HSM import, a
        sealed secret). Prefer :meth:`private_pem`.
        """
        return self._private_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @classmethod
    def from_private_pem(
        cls,
        name: str,
        data: bytes | str,
        *,
        passphrase: str | bytes,
        expect_fingerprint: str | None = None,
    ) -> Self:
        """Load an encrypted private key PEM under key name ``name``.

        A wrong passphrase, a document that is not an encrypted private key, or a key of
        another algorithm (called on a subclass) is an
        :class:`~legaldelivery.errors.InputError` that shows neither passphrase nor key.
        So is a key whose :attr:`fingerprint` is not ``expect_fingerprint``, when given:
        pass it whenever it is known (from the key's ``.vkey`` or public key file, or the
        log the key signs), since a damaged file may decrypt to a different, valid key.

        >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        >>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
        >>> pem = Ed25519Signer("log", key).private_pem("correct horse")
        >>> Signer.from_private_pem("log", pem, passphrase="correct horse").vkey
        'log+...'
        >>> Signer.from_private_pem("log", pem, passphrase="wrong")
        Traceback (most recent call last):
        ...
        legaldelivery.errors.InputError: private key: cannot decrypt the private key: ...
        """
        raw = _pem_bytes(data, path="private key")
        secret = _passphrase_bytes(passphrase)
        expected = _expected_fingerprint(expect_fingerprint)
        try:
            key = serialization.load_pem_private_key(raw, secret)
        except TypeError as exc:
            # cryptography says TypeError when the document is not encrypted.
            raise InputError(
                "the private key is not encrypted; read it with "
                "from_private_pem_unencrypted_insecure() if that is really intended",
                path="private key",
            ) from exc
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise InputError(
                "cannot decrypt the private key: wrong passphrase, or not a PEM private key",
                path="private key",
            ) from exc
        signer = cls._narrow(_signer_for_private_key(name, key))
        _check_fingerprint(signer.fingerprint, expected, path="private key")
        return signer

    @classmethod
    def from_private_pem_unencrypted_insecure(
        cls, name: str, data: bytes | str, *, expect_fingerprint: str | None = None
    ) -> Self:
        """Load a PLAIN TEXT private key PEM. See :meth:`private_pem_unencrypted_insecure`.

        ``expect_fingerprint`` is checked as by :meth:`from_private_pem`.
        """
        raw = _pem_bytes(data, path="private key")
        expected = _expected_fingerprint(expect_fingerprint)
        try:
            key = serialization.load_pem_private_key(raw, None)
        except TypeError as exc:
            raise InputError(
                "the private key is encrypted; read it with from_private_pem()",
                path="private key",
            ) from exc
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise InputError("not a PEM private key", path="private key") from exc
        signer = cls._narrow(_signer_for_private_key(name, key))
        _check_fingerprint(signer.fingerprint, expected, path="private key")
        return signer

    @classmethod
    def _narrow(cls, signer: Signer) -> Self:
        if not isinstance(signer, cls):
            raise InputError(
                f"{cls.__name__} cannot hold a {signer.algorithm} key", path="private key"
            )
        return signer


def _signer_for_private_key(name: str, key: object) -> Signer:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(name, key)
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return EcdsaP256Signer(name, key)
    raise InputError(
        "expected an Ed25519 or ECDSA P-256 private key",
        path="private key",
        got=type(key).__name__,
    )


class Ed25519Signer(Signer):
    """An Ed25519 signing key (the default): deterministic pure Ed25519 signatures.

    >>> signer = Ed25519Signer.generate("court.example/log")
    >>> signer.verifier.verify(signer.sign(b"entry"), b"entry") is None
    True
    >>> len(signer.fingerprint), signer.verifier.algorithm
    (64, 'ed25519')

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_key", "_verifier")

    algorithm: ClassVar[str] = "ed25519"

    def __init__(self, name: str, private_key: ed25519.Ed25519PrivateKey) -> None:
        if not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise InputError(
                "expected an Ed25519PrivateKey",
                path="private_key",
                got=type(private_key).__name__,
            )
        self._key = private_key
        self._verifier = Ed25519Verifier(name, private_key.public_key())

    @classmethod
    def generate(cls, name: str) -> Self:
        """A new random key under key name ``name``."""
        return cls(name, ed25519.Ed25519PrivateKey.generate())

    @property
    def verifier(self) -> Ed25519Verifier:
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(_check_bytes(message, path="message"))

    def _private_key(self) -> ed25519.Ed25519PrivateKey:
        return self._key


class EcdsaP256Signer(Signer):
    """An ECDSA P-256 signing key: SHA-256, DER signatures, always written in low-S form.

    >>> signer = EcdsaP256Signer.generate("court.example/log")
    >>> signer.verifier.verify(signer.sign(b"entry"), b"entry") is None
    True
    >>> signer.vkey.split("+")[2][:4]
    'AjBZ'

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_key", "_verifier")

    algorithm: ClassVar[str] = "ecdsa-p256"

    def __init__(self, name: str, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key, ec.EllipticCurvePrivateKey):
            raise InputError(
                "expected an EllipticCurvePrivateKey",
                path="private_key",
                got=type(private_key).__name__,
            )
        self._key = private_key
        self._verifier = EcdsaP256Verifier(name, private_key.public_key())

    @classmethod
    def generate(cls, name: str) -> Self:
        """A new random P-256 key under key name ``name``."""
        return cls(name, ec.generate_private_key(ec.SECP256R1()))

    @property
    def verifier(self) -> EcdsaP256Verifier:
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        der = self._key.sign(_check_bytes(message, path="message"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        # (r, n - s) verifies as well; writing only the low one gives every signature a
        # single encoding, so an entry's bytes cannot be varied by a third party.
        if s > _P256_ORDER // 2:
            return encode_dss_signature(r, _P256_ORDER - s)
        return der

    def _private_key(self) -> ec.EllipticCurvePrivateKey:
        return self._key


def generate_signer(name: str, algorithm: str = "ed25519") -> Signer:
    """A new random signer of ``algorithm`` (``"ed25519"`` or ``"ecdsa-p256"``).

    >>> generate_signer("court.example/log", "ecdsa-p256").verifier.algorithm
    'ecdsa-p256'

    .. versionadded:: 0.1.0
    """
    if algorithm == Ed25519Signer.algorithm:
        return Ed25519Signer.generate(name)
    if algorithm == EcdsaP256Signer.algorithm:
        return EcdsaP256Signer.generate(name)
    raise InputError(f"expected one of {', '.join(ALGORITHMS)}", path="algorithm", got=algorithm)


# -- key files ----------------------------------------------------------------------------


def _write_file(path: _PathLike, data: bytes, *, mode: int, overwrite: bool) -> None:
    """Write ``data`` to a new file atomically: temp file, fsync, then link or rename.

    Without ``overwrite`` an existing file is never replaced, not even by a race: the
    temporary file is hard-linked to ``path``, which fails if ``path`` exists.
    """
    target = Path(os.fspath(path))
    where = str(target)
    if not overwrite and os.path.lexists(target):
        raise InputError("file exists; pass overwrite=True to replace it", path=where)
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot create a file here ({exc.strerror})", path=where) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        if overwrite:
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)
            except FileExistsError as exc:
                raise InputError(
                    "file exists; pass overwrite=True to replace it", path=where
                ) from exc
            except OSError:
                # A file system without hard links: fall back to a checked rename.
                if os.path.lexists(target):
                    raise InputError(
                        "file exists; pass overwrite=True to replace it", path=where
                    ) from None
                os.replace(temp, target)
    except OSError as exc:
        raise InputError(f"cannot write the file ({exc.strerror})", path=where) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    # Makes the new directory entry durable; not possible (nor needed) everywhere.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_file(path: _PathLike, what: str) -> bytes:
    where = os.fspath(path)
    try:
        with open(where, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"cannot read the {what} file ({exc.strerror})", path=where) from exc


def write_private_key(
    signer: Signer, path: _PathLike, *, passphrase: str | bytes, overwrite: bool = False
) -> None:
    """Save ``signer`` as encrypted PKCS#8 PEM in a new file of mode ``0o600``.

    The file is written atomically (temporary file, fsync, rename); an existing file is
    never replaced unless ``overwrite=True``.

    .. versionadded:: 0.1.0
    """
    _check_signer(signer)
    _write_file(path, signer.private_pem(passphrase), mode=0o600, overwrite=overwrite)


def write_private_key_unencrypted_insecure(
    signer: Signer, path: _PathLike, *, overwrite: bool = False
) -> None:
    """Save ``signer`` as PLAIN TEXT PEM (mode ``0o600``). Anyone who reads it can sign.

    .. versionadded:: 0.1.0
    """
    _check_signer(signer)
    _write_file(path, signer.private_pem_unencrypted_insecure(), mode=0o600, overwrite=overwrite)


def write_public_key(verifier: Verifier, path: _PathLike, *, overwrite: bool = False) -> None:
    """Save ``verifier`` as a PEM ``PUBLIC KEY`` file (mode ``0o644``), atomically.

    .. versionadded:: 0.1.0
    """
    if not isinstance(verifier, Verifier):
        raise InputError("expected a Verifier", path="verifier", got=type(verifier).__name__)
    _write_file(path, verifier.public_pem(), mode=0o644, overwrite=overwrite)


def read_private_key(
    name: str,
    path: _PathLike,
    *,
    passphrase: str | bytes,
    expect_fingerprint: str | None = None,
) -> Signer:
    """Load an encrypted private key file written by :func:`write_private_key`.

    Give ``expect_fingerprint`` whenever the key's fingerprint is known from elsewhere
    (its ``.vkey`` or public key file, the entries of the log it signs): a damaged file
    can decrypt to a valid but *different* key, and without the comparison that key would
    sign in the real one's place. A key with another fingerprint is an
    :class:`~legaldelivery.errors.InputError` naming both fingerprints, never the key
    or the passphrase.

    >>> import tempfile, pathlib
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "court.key.pem"
    >>> signer = Ed25519Signer.generate("court.example/log")
    >>> write_private_key(signer, path, passphrase="correct horse")
    >>> read_private_key(
    ...     "court.example/log", path, passphrase="correct horse",
    ...     expect_fingerprint=signer.fingerprint,
    ... ).fingerprint == signer.fingerprint
    True
    >>> read_private_key(
    ...     "court.example/log", path, passphrase="correct horse", expect_fingerprint="0" * 64
    ... )
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: private key: the key read has fingerprint ...,
    not the expected 000...: the file is damaged or holds another key
    >>> folder.cleanup()

    .. versionadded:: 0.1.0
    """
    return Signer.from_private_pem(
        name,
        _read_file(path, "key"),
        passphrase=passphrase,
        expect_fingerprint=expect_fingerprint,
    )


def read_private_key_unencrypted_insecure(
    name: str, path: _PathLike, *, expect_fingerprint: str | None = None
) -> Signer:
    """Load a PLAIN TEXT private key file; ``expect_fingerprint`` as in :func:`read_private_key`.

    .. versionadded:: 0.1.0
    """
    return Signer.from_private_pem_unencrypted_insecure(
        name, _read_file(path, "key"), expect_fingerprint=expect_fingerprint
    )


def read_public_key(
    name: str, path: _PathLike, *, expect_fingerprint: str | None = None
) -> Verifier:
    """Load a PEM ``PUBLIC KEY`` file under key name ``name``.

    With ``expect_fingerprint``, a key with another fingerprint is an
    :class:`~legaldelivery.errors.InputError`.

    .. versionadded:: 0.1.0
    """
    return Verifier.from_public_pem(
        name, _read_file(path, "public key"), expect_fingerprint=expect_fingerprint
    )


def _check_signer(signer: object) -> None:
    if not isinstance(signer, Signer):
        raise InputError("expected a Signer", path="signer", got=type(signer).__name__)


# -- the key ring -------------------------------------------------------------------------


def _not_before(value: object) -> datetime | None:
    return None if value is None else to_utc(value, path="not_before")


def _not_after(value: object) -> datetime | None:
    return None if value is None else to_utc(value, path="not_after")


def _revoked_at(value: object) -> datetime | None:
    return None if value is None else to_utc(value, path="revoked_at")


def _is_verifier(instance: object, attribute: object, value: Verifier) -> None:
    # Typed for the attrs plugin; checked at run time, where anything can come in.
    if not isinstance(cast(object, value), Verifier):
        raise InputError("expected a Verifier", path="verifier", got=type(value).__name__)


def _shown(value: datetime | None, unbounded: str) -> str:
    return unbounded if value is None else format_instant(value)


@attrs.frozen(kw_only=True)
class TrustedKey:
    """A verifier with the window in which its signatures count, and its revocation.

    The window is half-open: a signature made at ``when`` counts if
    ``not_before <= when < not_after`` (``None`` leaves that side open), and the key is
    not revoked at or before ``when`` (``when < revoked_at``). Half-open windows make
    rotations seamless: the old key's ``not_after`` is the new key's ``not_before``, and
    at that instant only the new key counts.

    >>> from datetime import datetime, timezone
    >>> v = Verifier.from_vkey(
    ...     "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    ... )
    >>> key = TrustedKey(verifier=v, not_after=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> key.check_at(datetime(2026, 1, 1, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    legaldelivery.errors.SignatureError: key ... is expired:
    valid from (always) until 2026-01-01T00:00:00.000000Z; ...

    .. versionadded:: 0.1.0
    """

    verifier: Verifier = attrs.field(validator=_is_verifier)
    not_before: datetime | None = attrs.field(default=None, converter=_not_before)
    not_after: datetime | None = attrs.field(default=None, converter=_not_after)
    revoked_at: datetime | None = attrs.field(default=None, converter=_revoked_at)

    @not_after.validator
    def _check_window(self, attribute: object, value: datetime | None) -> None:
        if value is not None and self.not_before is not None and value <= self.not_before:
            raise InputError(
                f"must be later than not_before ({format_instant(self.not_before)})",
                path="not_after",
                got=format_instant(value),
            )

    @property
    def fingerprint(self) -> str:
        """The fingerprint of :attr:`verifier`."""
        return self.verifier.fingerprint

    def window(self) -> str:
        """The window and revocation, as text for messages."""
        text = (
            f"valid from {_shown(self.not_before, '(always)')} "
            f"until {_shown(self.not_after, '(no end)')}"
        )
        if self.revoked_at is not None:
            text += f", revoked at {format_instant(self.revoked_at)}"
        return text

    def check_at(self, when: datetime) -> None:
        """Return ``None`` if the key's signatures count at ``when``; raise otherwise.

        Raises :class:`~legaldelivery.errors.SignatureError` naming the fingerprint and
        the window; a naive ``when`` is an :class:`~legaldelivery.errors.InputError`.
        """
        at = to_utc(when, path="when")
        problem = None
        if self.revoked_at is not None and self.revoked_at <= at:
            problem = "revoked"
        elif self.not_before is not None and at < self.not_before:
            problem = "not yet valid"
        elif self.not_after is not None and at >= self.not_after:
            problem = "expired"
        if problem is not None:
            raise SignatureError(
                f"key {self.fingerprint} ({self.verifier.name}) is {problem}: "
                f"{self.window()}; the signature is dated {format_instant(at)}"
            )


class KeyRing:
    """Trusted verifiers with validity windows, looked up by fingerprint.

    Iterating yields the verifiers; ``in`` takes a fingerprint or a verifier. The log
    audit adds keys as it meets key rotations recorded in the log itself.

    >>> from datetime import datetime, timezone
    >>> v = Verifier.from_vkey(
    ...     "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    ... )
    >>> ring = KeyRing()
    >>> _ = ring.add(v, not_before=datetime(2025, 1, 1, tzinfo=timezone.utc))
    >>> v.fingerprint in ring, len(ring)
    (True, 1)
    >>> ring.verifier_at(v.fingerprint, datetime(2025, 6, 1, tzinfo=timezone.utc)) == v
    True
    >>> _ = ring.revoke(v.fingerprint, datetime(2025, 7, 1, tzinfo=timezone.utc))
    >>> ring.verifier_at(v.fingerprint, datetime(2025, 8, 1, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    legaldelivery.errors.SignatureError: key ... is revoked: ...

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_keys",)

    def __init__(self, keys: Iterable[Verifier | TrustedKey] = ()) -> None:
        self._keys: dict[str, TrustedKey] = {}
        for key in keys:
            self.add(key)

    def add(
        self,
        key: Verifier | TrustedKey,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> TrustedKey:
        """Trust ``key`` (a verifier, with an optional window, or a :class:`TrustedKey`).

        Adding a key already in the ring with the same name and window does nothing (a
        revocation time given with it is merged, the earlier one wins); with another name
        or window it is an :class:`~legaldelivery.errors.InputError`.
        """
        if isinstance(key, TrustedKey):
            if not_before is not None or not_after is not None:
                raise InputError(
                    "a TrustedKey carries its own window; pass not_before/not_after only "
                    "with a Verifier",
                    path="key",
                )
            entry = key
        elif isinstance(key, Verifier):
            entry = TrustedKey(verifier=key, not_before=not_before, not_after=not_after)
        else:
            raise InputError(
                "expected a Verifier or a TrustedKey", path="key", got=type(key).__name__
            )
        existing = self._keys.get(entry.fingerprint)
        if existing is None:
            self._keys[entry.fingerprint] = entry
            return entry
        if (existing.verifier, existing.not_before, existing.not_after) != (
            entry.verifier,
            entry.not_before,
            entry.not_after,
        ):
            raise InputError(
                f"key {entry.fingerprint} is already trusted as {existing.verifier.name!r}, "
                f"{existing.window()}; refusing {entry.verifier.name!r}, {entry.window()}",
                path="key",
            )
        if entry.revoked_at is not None:
            return self.revoke(entry.fingerprint, entry.revoked_at)
        return existing

    def revoke(self, fingerprint: str, at: datetime) -> TrustedKey:
        """Stop trusting the key's signatures dated at or after ``at``.

        Revoking again keeps the earlier time: a revocation is never undone.
        """
        existing = self[self._check_fingerprint(fingerprint)]
        when = to_utc(at, path="at")
        if existing.revoked_at is not None and existing.revoked_at <= when:
            return existing
        entry = attrs.evolve(existing, revoked_at=when)
        self._keys[fingerprint] = entry
        return entry

    def expire(self, fingerprint: str, at: datetime) -> TrustedKey:
        """End the key's window at ``at`` (exclusive), as a key rotation does.

        An earlier end already set is kept; an end at or before ``not_before`` is an
        :class:`~legaldelivery.errors.InputError`.
        """
        existing = self[self._check_fingerprint(fingerprint)]
        when = to_utc(at, path="at")
        if existing.not_after is not None and existing.not_after <= when:
            return existing
        entry = attrs.evolve(existing, not_after=when)
        self._keys[fingerprint] = entry
        return entry

    def verifier_at(self, fingerprint: str, when: datetime) -> Verifier:
        """The verifier of ``fingerprint`` if its signatures count at ``when``.

        Raises :class:`~legaldelivery.errors.SignatureError` for an unknown key, a key
        not yet valid, expired, or revoked at or before ``when``; the message names the
        fingerprint and the window.
        """
        at = to_utc(when, path="when")
        entry = self._keys.get(self._check_fingerprint(fingerprint))
        if entry is None:
            raise SignatureError(f"key {fingerprint} is not in the key ring")
        entry.check_at(at)
        return entry.verifier

    def verifiers_at(self, when: datetime) -> tuple[Verifier, ...]:
        """Every verifier whose signatures count at ``when``."""
        at = to_utc(when, path="when")
        found = []
        for entry in self._keys.values():
            try:
                entry.check_at(at)
            except SignatureError:
                continue
            found.append(entry.verifier)
        return tuple(found)

    def unrevoked(self) -> tuple[Verifier, ...]:
        """Every verifier not revoked: what an undated statement (a note) may be signed by.

        A note carries no time, so a key revoked because it leaked can no longer vouch
        for any note; an expired key still can (it signed before it expired, or the
        checkpoint it signed is checked against the log anyway).
        """
        return tuple(e.verifier for e in self._keys.values() if e.revoked_at is None)

    def revoked(self) -> tuple[TrustedKey, ...]:
        """The revoked keys."""
        return tuple(e for e in self._keys.values() if e.revoked_at is not None)

    def __getitem__(self, fingerprint: str) -> TrustedKey:
        """The key with ``fingerprint`` and its window; an unknown one is an ``InputError``."""
        entry = self._keys.get(fingerprint)
        if entry is None:
            raise InputError("no such key in the key ring", path="fingerprint", got=fingerprint)
        return entry

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Verifier):
            entry = self._keys.get(item.fingerprint)
            return entry is not None and entry.verifier == item
        return isinstance(item, str) and item in self._keys

    def __iter__(self) -> Iterator[Verifier]:
        return iter([entry.verifier for entry in self._keys.values()])

    def __len__(self) -> int:
        return len(self._keys)

    def entries(self) -> tuple[TrustedKey, ...]:
        """Every key with its window, in the order added."""
        return tuple(self._keys.values())

    def __repr__(self) -> str:
        return f"KeyRing({list(self._keys.values())!r})"

    @staticmethod
    def _check_fingerprint(fingerprint: object) -> str:
        if not isinstance(fingerprint, str):
            raise InputError("expected a fingerprint (str)", path="fingerprint", got=fingerprint)
        return fingerprint

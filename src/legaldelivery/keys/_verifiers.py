"""Verifiers: public keys that check signatures and carry the key's three public names.

:class:`Verifier` computes the fingerprint, the C2SP key id and the verifier key
(``vkey``) and parses them back; :class:`Ed25519Verifier` and :class:`EcdsaP256Verifier`
supply what differs by algorithm.
"""

from __future__ import annotations

import abc
import hashlib
from typing import ClassVar

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from typing_extensions import Self

from legaldelivery.errors import InputError, SignatureError
from legaldelivery.keys._encoding import (
    _KEY_ID_HEX,
    _OTHER_TYPES,
    _TYPE_ECDSA,
    _TYPE_ED25519,
    _b64encode,
    _check_bytes,
    _check_name,
    _name_problem,
    _strict_b64decode,
)
from legaldelivery.keys._pem import _check_fingerprint, _expected_fingerprint, _pem_bytes

ALGORITHMS: tuple[str, ...] = ("ed25519", "ecdsa-p256")
"""The algorithm names the library writes and reads (``Verifier.algorithm``)."""


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
    >>> from legaldelivery.keys import Ed25519Signer
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

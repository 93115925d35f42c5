"""Signers: private keys that sign log entries and notes, and how new ones are made.

:class:`Signer` is what a host implements to keep its key in an HSM or a cloud KMS;
:class:`Ed25519Signer` (the default) and :class:`EcdsaP256Signer` hold the key in process
and export it as PKCS#8 PEM, encrypted unless the alarmingly named method is called.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from typing_extensions import Self

from legaldelivery.errors import InputError
from legaldelivery.keys._encoding import _check_bytes
from legaldelivery.keys._pem import (
    _check_fingerprint,
    _expected_fingerprint,
    _passphrase_bytes,
    _pem_bytes,
)
from legaldelivery.keys._verifiers import (
    ALGORITHMS,
    EcdsaP256Verifier,
    Ed25519Verifier,
    Verifier,
)

#: The order of the P-256 group, to write ECDSA signatures in low-S form.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


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

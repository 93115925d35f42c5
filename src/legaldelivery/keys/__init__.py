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

Import everything from ``legaldelivery.keys``; the private modules behind it are one
reading each for an auditor: ``_verifiers`` (public keys, fingerprints, key ids, verifier
keys), ``_signers`` (private keys, signing, key generation), ``_files`` (key files),
``_ring`` (trust windows and revocation), with the shared rules for key names and base64
in ``_encoding`` and the checks on PEM input in ``_pem``.

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

from legaldelivery.keys._files import (
    read_private_key,
    read_private_key_unencrypted_insecure,
    read_public_key,
    write_private_key,
    write_private_key_unencrypted_insecure,
    write_public_key,
)
from legaldelivery.keys._ring import KeyRing, TrustedKey
from legaldelivery.keys._signers import EcdsaP256Signer, Ed25519Signer, Signer, generate_signer
from legaldelivery.keys._verifiers import (
    ALGORITHMS,
    EcdsaP256Verifier,
    Ed25519Verifier,
    Verifier,
    verifier_from_public_bytes,
)

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

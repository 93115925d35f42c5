"""Trusted time (RFC 3161): a time-stamping authority's signed statement that a checkpoint existed.

A log's own clock proves nothing to a court; a checkpoint stamped by an independent
time-stamping authority (TSA) shows that the tree -- and so every entry in it -- existed
no later than the TSA's time. The data stamped is the checkpoint *text* (origin, size,
root, extension lines; the note's signature lines are left out so that cosignatures may
be added later): its SHA-256 is the token's message imprint, so that a third party checks
a token with ``openssl ts -verify -data checkpoint.txt -in token.tsr -CAfile tsa.pem``.

:class:`TimestampAuthority` is what a host implements (one method: send the DER request,
return the DER response, usually an HTTP POST of ``application/timestamp-query``);
:class:`TimestampRequest` builds requests and reads responses; :class:`TimestampToken`
parses a token strictly and :meth:`~TimestampToken.verify` checks it over a checkpoint.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import attrs
from asn1crypto import cms, core, tsp  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import EncodingError, InputError, LegalDeliveryError, VerificationError

__all__ = [
    "DIGEST_ALGORITHMS",
    "MAX_TOKEN_BYTES",
    "TimestampAuthority",
    "TimestampError",
    "TimestampRequest",
    "TimestampToken",
    "checkpoint_digest",
]

MAX_TOKEN_BYTES = 1 << 20
"""The largest time-stamp response or token read (1 MiB; real ones are a few KiB)."""

DIGEST_ALGORITHMS: tuple[str, ...] = ("sha256", "sha384", "sha512")
"""The hash algorithms accepted in imprints and signatures (SHA-1 and MD5 are refused)."""

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_TST_INFO = "1.2.840.113549.1.9.16.1.4"
_TIME_STAMPING = x509.oid.ExtendedKeyUsageOID.TIME_STAMPING
_STATUS_TEXT = {
    2: "rejection",
    3: "waiting",
    4: "revocation warning",
    5: "revocation notification",
}


class TimestampError(VerificationError):
    """A time-stamp token or response does not prove what it claims, or the TSA refused.

    .. versionadded:: 0.1.0
    """


def _hash(algorithm: str, data: bytes) -> bytes:
    return hashlib.new(algorithm, data).digest()


def checkpoint_digest(checkpoint: Checkpoint, algorithm: str = "sha256") -> bytes:
    """The message imprint of ``checkpoint``: the hash of its text's UTF-8 bytes.

    >>> checkpoint = Checkpoint("log", 0, bytes(32))
    >>> checkpoint_digest(checkpoint) == hashlib.sha256(checkpoint.to_text().encode()).digest()
    True

    .. versionadded:: 0.1.0
    """
    if not isinstance(checkpoint, Checkpoint):
        raise InputError("expected a Checkpoint", path="checkpoint", got=type(checkpoint))
    if algorithm not in _HASHES:
        raise InputError(f"expected one of {DIGEST_ALGORITHMS}", path="algorithm", got=algorithm)
    return _hash(algorithm, checkpoint.to_text().encode("utf-8"))


# -- the token --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Parsed:
    """Everything verification needs from a token, read once into plain values."""

    gen_time: datetime
    serial_number: int
    policy: str
    imprint_algorithm: str
    imprint: bytes
    nonce: int | None
    accuracy: timedelta | None
    certificates: tuple[x509.Certificate, ...]
    content: bytes
    digest_algorithm: str
    signature_algorithm: str
    signature_hash: str | None
    pss: tuple[str, int] | None
    signature: bytes
    signed_attrs: bytes
    content_type_attr: str | None
    message_digest_attr: bytes | None
    cert_hashes: tuple[tuple[str, bytes], ...]
    sid_issuer: bytes | None
    sid_serial: int | None
    sid_key_id: bytes | None


def _single_attribute(attributes: Any, name: str) -> Any:
    found = [a for a in attributes if a["type"].native == name]
    if not found:
        return None
    if len(found) > 1 or len(found[0]["values"]) != 1:
        raise TimestampError(f"the signed attribute {name} must appear once, with one value")
    return found[0]["values"][0]


def _check_unsigned_members(signed: Any, signer: Any) -> None:
    """Refuse other values where RFC 5652 fixes them, in members no signature covers.

    The versions and the algorithms' parameters are outside the TSA's signature:
    left unchecked, a changed byte there would leave a token that still verifies. (As
    asn1crypto parses a member only when it is read, reading them also refuses a wrong
    tag there.)
    """
    choices = [c.name for c in signed["certificates"] or ()]
    choices += [c.name for c in signed["crls"] or ()]
    # RFC 5652 section 5.1; the content is a TSTInfo, not id-data, so at least 3.
    expected = "v5" if "other" in choices else "v4" if "v2_attr_cert" in choices else "v3"
    if signed["version"].native != expected:
        raise TimestampError(f"expected SignedData version {expected}")
    # Section 5.3: version 1 with an issuer and serial number, 3 with a key identifier.
    wanted = "v1" if signer["sid"].name == "issuer_and_serial_number" else "v3"
    if signer["version"].native != wanted:
        raise TimestampError(f"expected SignerInfo version {wanted} for its signer identifier")
    for algorithm in (*signed["digest_algorithms"], signer["digest_algorithm"]):
        # RFC 5754 section 2: the SHA-2 identifiers take no parameters, or a NULL.
        if algorithm["parameters"].dump() not in (b"", b"\x05\x00"):
            raise TimestampError("a digest algorithm carries parameters other than NULL")
    signature = signer["signature_algorithm"]
    # RSA PKCS#1 v1.5 takes a NULL (RFC 4055 section 5, absent accepted), ECDSA and
    # Ed25519 none (RFC 5758, RFC 8410); RSA-PSS parameters are read where it is verified.
    if signature.signature_algo != "rsassa_pss" and signature["parameters"].dump() not in (
        b"",
        b"\x05\x00",
    ):
        raise TimestampError("the signature algorithm carries parameters other than NULL")


def _certificate(parsed: Any) -> x509.Certificate:
    """A certificate the token carries, read whole now so that no part fails later."""
    if parsed["tbs_certificate"]["serial_number"].native <= 0:
        # RFC 5280 wants a positive serial; cryptography warns, and will refuse, otherwise.
        raise TimestampError("a certificate in the token has a serial number that is not positive")
    cert = x509.load_der_x509_certificate(parsed.dump())
    # cryptography reads these lazily, raising ValueError when they are malformed.
    _ = cert.extensions, cert.subject, cert.issuer
    return cert


def _parse_token(der: bytes) -> _Parsed:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].dotted != "1.2.840.113549.1.7.2":
        raise TimestampError("the token is not CMS SignedData")
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != _TST_INFO:
        raise TimestampError("the signed content is not a TSTInfo (id-ct-TSTInfo)")
    content_field = encap["content"]
    if content_field is None or isinstance(content_field, core.Void):
        raise TimestampError("the token carries no TSTInfo")
    content = content_field.contents
    tst = tsp.TSTInfo.load(content, strict=True)
    if tst["version"].native != "v1":
        raise TimestampError("expected TSTInfo version 1")
    listed = {a["algorithm"].native for a in signed["digest_algorithms"]}
    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        raise TimestampError(f"expected exactly one signer, not {len(signer_infos)}")
    signer = signer_infos[0]
    _check_unsigned_members(signed, signer)
    attrs_field = signer["signed_attrs"]
    if not isinstance(attrs_field, cms.CMSAttributes) or not len(attrs_field):
        raise TimestampError("the signer has no signed attributes")
    raw_attrs = attrs_field.dump()
    # The signature covers the attributes DER-encoded as a SET (RFC 5652 section 5.4),
    # not with the [0] IMPLICIT tag they carry inside SignerInfo.
    signed_attrs = b"\x31" + raw_attrs[1:]
    content_type = _single_attribute(attrs_field, "content_type")
    message_digest = _single_attribute(attrs_field, "message_digest")
    cert_hashes: list[tuple[str, bytes]] = []
    v2 = _single_attribute(attrs_field, "signing_certificate_v2")
    if v2 is not None:
        for cert_id in v2["certs"]:
            cert_hashes.append(
                (cert_id["hash_algorithm"]["algorithm"].native, cert_id["cert_hash"].native)
            )
    v1 = _single_attribute(attrs_field, "signing_certificate")
    if v1 is not None:
        for cert_id in v1["certs"]:
            cert_hashes.append(("sha1", cert_id["cert_hash"].native))
    sid = signer["sid"]
    sid_issuer = sid_serial = sid_key_id = None
    if sid.name == "issuer_and_serial_number":
        sid_issuer = sid.chosen["issuer"].dump()
        sid_serial = sid.chosen["serial_number"].native
    else:
        sid_key_id = sid.chosen.native
    if signer["digest_algorithm"]["algorithm"].native not in listed:
        raise TimestampError("the signer's digest algorithm is not among the token's")
    algorithm = signer["signature_algorithm"]
    signature_algorithm = algorithm.signature_algo
    signature_hash = None
    pss = None
    if signature_algorithm == "rsassa_pss":
        params = algorithm["parameters"]
        if isinstance(params, core.Void):
            raise TimestampError("RSA-PSS without parameters means SHA-1, which is refused")
        pss = (params["hash_algorithm"]["algorithm"].native, int(params["salt_length"].native))
        if params["mask_gen_algorithm"]["parameters"]["algorithm"].native != pss[0]:
            raise TimestampError("RSA-PSS with a mask hash other than the message hash")
    elif algorithm["algorithm"].native not in ("rsassa_pkcs1v15", "ecdsa", "ed25519"):
        signature_hash = algorithm.hash_algo
    certificates = []
    for choice in signed["certificates"] or ():
        if choice.name == "certificate":
            certificates.append(_certificate(choice.chosen))
    gen_time = tst["gen_time"].native
    nonce = tst["nonce"].native
    return _Parsed(
        gen_time=gen_time.astimezone(timezone.utc),
        serial_number=tst["serial_number"].native,
        policy=tst["policy"].dotted,
        imprint_algorithm=tst["message_imprint"]["hash_algorithm"]["algorithm"].native,
        imprint=tst["message_imprint"]["hashed_message"].native,
        nonce=nonce,
        accuracy=_accuracy(tst["accuracy"]),
        certificates=tuple(certificates),
        content=content,
        digest_algorithm=signer["digest_algorithm"]["algorithm"].native,
        signature_algorithm=signature_algorithm,
        signature_hash=signature_hash,
        pss=pss,
        signature=signer["signature"].native,
        signed_attrs=signed_attrs,
        content_type_attr=None if content_type is None else content_type.dotted,
        message_digest_attr=None if message_digest is None else message_digest.native,
        cert_hashes=tuple(cert_hashes),
        sid_issuer=sid_issuer,
        sid_serial=sid_serial,
        sid_key_id=sid_key_id,
    )


def _accuracy(value: Any) -> timedelta | None:
    """The TSTInfo's ``accuracy`` (RFC 3161 section 2.4.2) as a duration, or None."""
    if value.native is None:
        return None
    parts = value.native
    seconds, millis, micros = (parts.get(k) or 0 for k in ("seconds", "millis", "micros"))
    # RFC 3161 bounds millis and micros to 1..999 where present.
    if seconds < 0 or not 0 <= millis <= 999 or not 0 <= micros <= 999:
        raise TimestampError("the token's accuracy is out of range")
    return timedelta(seconds=seconds, milliseconds=millis, microseconds=micros)


def _check_der(instance: TimestampToken, attribute: object, value: bytes) -> None:
    if type(cast(object, value)) is not bytes:
        raise InputError("expected the token's DER bytes", path="token", got=type(value))
    if len(value) > MAX_TOKEN_BYTES:
        raise EncodingError(
            f"the token is {len(value)} bytes; the limit is {MAX_TOKEN_BYTES}", path="token"
        )


@attrs.frozen(kw_only=True)
class TimestampToken:
    """An RFC 3161 time-stamp token (a CMS ``ContentInfo``), parsed strictly.

    Build one from its DER bytes (``TimestampToken(der=...)``); bytes that are not a
    token are an :class:`~legaldelivery.errors.EncodingError`, a token of an unexpected
    shape (not SignedData over a TSTInfo, several signers, no signed attributes) a
    :class:`TimestampError`. The properties are what the token *claims*; they are
    evidence once :meth:`verify` has returned.

    .. versionadded:: 0.1.0
    """

    der: bytes = attrs.field(validator=_check_der, repr=False)
    _parsed: _Parsed = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        try:
            parsed = _parse_token(self.der)
        except LegalDeliveryError:
            raise
        except Exception as exc:
            # asn1crypto reports malformed DER with many exception types, some lazily.
            raise EncodingError(
                f"not a well-formed RFC 3161 time-stamp token ({type(exc).__name__}: {exc})",
                path="token",
            ) from exc
        object.__setattr__(self, "_parsed", parsed)

    @property
    def gen_time(self) -> datetime:
        """The TSA's time (UTC)."""
        return self._parsed.gen_time

    @property
    def serial_number(self) -> int:
        """The TSA's serial number of the token."""
        return self._parsed.serial_number

    @property
    def policy(self) -> str:
        """The TSA policy OID, dotted."""
        return self._parsed.policy

    @property
    def nonce(self) -> int | None:
        """The nonce of the request, echoed."""
        return self._parsed.nonce

    @property
    def accuracy(self) -> timedelta | None:
        """How far the TSA's time may be from ``gen_time`` either way; None if unstated."""
        return self._parsed.accuracy

    @property
    def imprint(self) -> tuple[str, bytes]:
        """The message imprint: (hash algorithm, hash)."""
        return self._parsed.imprint_algorithm, self._parsed.imprint

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """The certificates the token carries (the TSA's, with any chain)."""
        return self._parsed.certificates

    def signer_certificate(self, extra: Iterable[x509.Certificate] = ()) -> x509.Certificate:
        """The certificate the signer info names, from the token or from ``extra``."""
        p = self._parsed
        for cert in (*p.certificates, *extra):
            if p.sid_key_id is not None:
                try:
                    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
                except x509.ExtensionNotFound:
                    continue
                if ski.value.digest == p.sid_key_id:
                    return cert
            elif cert.serial_number == p.sid_serial and _name_der(cert) == p.sid_issuer:
                return cert
        raise TimestampError("the certificate of the token's signer is not at hand")

    def verify(self, checkpoint: Checkpoint, *, trusted: Iterable[x509.Certificate]) -> None:
        """Return ``None`` if this token stamps ``checkpoint`` and a trusted TSA signed it.

        ``trusted`` holds TSA certificates (pinned) or the CA certificates that issued
        them directly. The checks, each a :class:`TimestampError` when it fails:

        * the imprint is the SHA-256 (or SHA-384/512) of the checkpoint text;
        * the signed attributes name the TSTInfo content type and hold its digest, and
          an ESS signing-certificate attribute (v1 or v2) names the signer's certificate;
        * the signature over the signed attributes verifies with that certificate's key
          (RSA PKCS#1 v1.5 or PSS, ECDSA, Ed25519; SHA-256 or stronger);
        * the certificate is valid at the token's time, is for time stamping only (a
          critical extended key usage with only ``id-kp-timeStamping``, RFC 3161
          section 2.3), and is either in ``trusted`` or directly issued by a CA
          certificate in ``trusted`` that is valid at that time.

        Revocation (CRL, OCSP) is not checked: pin the TSA's certificate, or check it
        out of band.
        """
        if not isinstance(checkpoint, Checkpoint):
            raise InputError("expected a Checkpoint", path="checkpoint", got=type(checkpoint))
        anchors = _certificates(trusted)
        p = self._parsed
        if p.imprint_algorithm not in _HASHES:
            raise TimestampError(f"the imprint uses {p.imprint_algorithm}, not SHA-256 or stronger")
        if p.imprint != checkpoint_digest(checkpoint, p.imprint_algorithm):
            raise TimestampError(
                f"the token stamps another document than the checkpoint of size "
                f"{checkpoint.size} of {checkpoint.origin!r}"
            )
        if p.digest_algorithm not in _HASHES:
            raise TimestampError(f"the signer digests with {p.digest_algorithm}, not SHA-256+")
        if p.content_type_attr != _TST_INFO:
            raise TimestampError("the signed content-type attribute is missing or not TSTInfo")
        if p.message_digest_attr != _hash(p.digest_algorithm, p.content):
            raise TimestampError("the signed message digest does not match the TSTInfo")
        cert = self.signer_certificate(anchors)
        self._check_signing_certificate(cert)
        _verify_signature(p, cert)
        _check_tsa_certificate(cert, p.gen_time)
        _check_trust(cert, anchors, p.gen_time)

    def _check_signing_certificate(self, cert: x509.Certificate) -> None:
        p = self._parsed
        if not p.cert_hashes:
            raise TimestampError("no ESS signing-certificate attribute names the signer")
        algorithm, digest = p.cert_hashes[0]
        der = cert.public_bytes(_DER)
        if algorithm not in (*_HASHES, "sha1") or _hash(algorithm, der) != digest:
            raise TimestampError("the ESS signing-certificate attribute names another certificate")


_DER = Encoding.DER


def _name_der(cert: x509.Certificate) -> bytes:
    parsed = cms.Certificate.load(cert.public_bytes(_DER))
    return cast(bytes, parsed["tbs_certificate"]["issuer"].dump())


def _certificates(trusted: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    if isinstance(cast(object, trusted), (str, bytes)) or not isinstance(trusted, Iterable):
        raise InputError("expected x509 certificates", path="trusted", got=type(trusted))
    found = tuple(trusted)
    for i, cert in enumerate(found):
        if not isinstance(cert, x509.Certificate):
            raise InputError("expected an x509.Certificate", path=f"trusted[{i}]", got=type(cert))
    if not found:
        raise InputError("at least one trusted TSA or CA certificate is needed", path="trusted")
    return found


def _verify_signature(p: _Parsed, cert: x509.Certificate) -> None:
    key = cert.public_key()
    data = p.signed_attrs
    digest = _HASHES[p.digest_algorithm]()
    if p.signature_hash is not None and p.signature_hash != p.digest_algorithm:
        raise TimestampError(
            f"the signature algorithm hashes with {p.signature_hash}, the signer with "
            f"{p.digest_algorithm}"
        )
    try:
        if p.signature_algorithm == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(p.signature, data)
        elif p.signature_algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(p.signature, data, ec.ECDSA(digest))
        elif p.signature_algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(p.signature, data, padding.PKCS1v15(), digest)
        elif p.signature_algorithm == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            assert p.pss is not None  # read with the algorithm
            pss_hash, salt = p.pss
            if pss_hash not in _HASHES:
                raise TimestampError(f"RSA-PSS with {pss_hash}, not SHA-256 or stronger")
            chosen = _HASHES[pss_hash]()
            key.verify(p.signature, data, padding.PSS(padding.MGF1(chosen), salt), chosen)
        else:
            raise TimestampError(
                f"a {p.signature_algorithm} signature by a {type(key).__name__} is not supported"
            )
    except (InvalidSignature, ValueError, UnsupportedAlgorithm) as exc:
        raise TimestampError("the TSA's signature over the token does not verify") from exc


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _describe(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or f"serial {cert.serial_number}"


def _check_tsa_certificate(cert: x509.Certificate, when: datetime) -> None:
    if not _valid_at(cert, when):
        raise TimestampError(
            f"the TSA certificate {_describe(cert)} is not valid at the token's time {when}"
        )
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise TimestampError(
            f"the certificate {_describe(cert)} has no extended key usage: not a TSA's"
        ) from None
    if not eku.critical or list(eku.value) != [_TIME_STAMPING]:
        raise TimestampError(
            f"the certificate {_describe(cert)} is not for time stamping only "
            "(RFC 3161 wants a critical extended key usage of id-kp-timeStamping alone)"
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise TimestampError(f"the key usage of {_describe(cert)} does not allow signing")


def _check_trust(
    cert: x509.Certificate, anchors: tuple[x509.Certificate, ...], when: datetime
) -> None:
    der = cert.public_bytes(_DER)
    if any(anchor.public_bytes(_DER) == der for anchor in anchors):
        return
    for anchor in anchors:
        if anchor.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        try:
            constraints = anchor.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            continue
        if not constraints.ca or not _valid_at(anchor, when):
            continue
        try:
            usage = anchor.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            return
        if usage.key_cert_sign:
            return
    raise TimestampError(
        f"the TSA certificate {_describe(cert)} is neither trusted nor issued by a trusted CA"
    )


# -- requests and responses -------------------------------------------------------------


class _Response(core.Sequence):  # type: ignore[misc]
    """RFC 3161 ``TimeStampResp``, whose token is absent when the TSA refuses.

    asn1crypto's own definition requires the token, so a refusal would not parse.
    """

    _fields = [  # noqa: RUF012 -- asn1crypto's class-level schema
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _check_digest(instance: TimestampRequest, attribute: object, value: bytes) -> None:
    size = hashlib.new(instance.algorithm).digest_size
    if type(cast(object, value)) is not bytes or len(value) != size:
        raise InputError(f"expected a {size}-byte {instance.algorithm} hash", path="digest")


def _check_algorithm(instance: object, attribute: object, value: str) -> None:
    if value not in _HASHES:
        raise InputError(f"expected one of {DIGEST_ALGORITHMS}", path="algorithm", got=value)


def _check_nonce(instance: object, attribute: object, value: int | None) -> None:
    if value is not None and (type(cast(object, value)) is not int or not 0 < value < 2**160):
        raise InputError("expected a positive nonce below 2**160", path="nonce", got=value)


def _check_policy(instance: object, attribute: object, value: str | None) -> None:
    if value is None:
        return
    parts = value.split(".") if isinstance(value, str) else []
    if len(parts) < 2 or not all(part.isdigit() and part.isascii() for part in parts):
        raise InputError("expected a dotted OID", path="policy", got=value)


@attrs.frozen(kw_only=True)
class TimestampRequest:
    """An RFC 3161 ``TimeStampReq`` for one digest, and the check of its response.

    >>> checkpoint = Checkpoint("log", 0, bytes(32))
    >>> request = TimestampRequest.for_checkpoint(checkpoint, nonce=7)
    >>> request.digest == checkpoint_digest(checkpoint), request.nonce, request.cert_req
    (True, 7, True)

    .. versionadded:: 0.1.0
    """

    algorithm: str = attrs.field(default="sha256", validator=_check_algorithm)
    digest: bytes = attrs.field(validator=_check_digest)
    nonce: int | None = attrs.field(default=None, validator=_check_nonce)
    cert_req: bool = attrs.field(default=True)
    policy: str | None = attrs.field(default=None, validator=_check_policy)

    @classmethod
    def for_checkpoint(
        cls,
        checkpoint: Checkpoint,
        *,
        nonce: int | None = None,
        cert_req: bool = True,
        policy: str | None = None,
    ) -> TimestampRequest:
        """A request stamping ``checkpoint``'s text (SHA-256)."""
        return cls(
            digest=checkpoint_digest(checkpoint),
            nonce=nonce,
            cert_req=cert_req,
            policy=policy,
        )

    def to_der(self) -> bytes:
        """The DER ``TimeStampReq`` to send to the TSA."""
        fields: dict[str, Any] = {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": self.algorithm},
                "hashed_message": self.digest,
            },
            "cert_req": self.cert_req,
        }
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        if self.policy is not None:
            fields["req_policy"] = self.policy
        return cast(bytes, tsp.TimeStampReq(fields).dump())

    def read_response(self, data: bytes) -> TimestampToken:
        """Read the TSA's DER ``TimeStampResp`` to this request; return its token.

        A refusal (status other than granted) or a token that does not answer this
        request (another imprint, nonce or policy) is a :class:`TimestampError`; bytes
        that are not a response are an :class:`~legaldelivery.errors.EncodingError`.
        The token's signature is not checked here: see :meth:`TimestampToken.verify`.
        """
        if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_TOKEN_BYTES:
            raise EncodingError(
                f"expected a DER response of at most {MAX_TOKEN_BYTES} bytes", path="response"
            )
        try:
            response = _Response.load(bytes(data), strict=True)
            status = response["status"]["status"].native
            token_info = response["time_stamp_token"]
            token_der = None if isinstance(token_info, core.Void) else token_info.dump()
            texts = response["status"]["status_string"].native or []
        except Exception as exc:
            raise EncodingError(
                f"not a well-formed RFC 3161 response ({type(exc).__name__}: {exc})",
                path="response",
            ) from exc
        if status not in ("granted", "granted_with_mods"):
            detail = "; ".join(str(t) for t in texts)[:200]
            raise TimestampError(
                f"the TSA refused the request: {status}" + (f" ({detail})" if detail else "")
            )
        if token_der is None:
            raise TimestampError("the TSA granted the request but sent no token")
        token = TimestampToken(der=token_der)
        if token.imprint != (self.algorithm, self.digest):
            raise TimestampError("the token stamps another digest than the one requested")
        if token.nonce != self.nonce:
            raise TimestampError(
                f"the token's nonce {token.nonce} is not the request's {self.nonce}"
            )
        if self.policy is not None and token.policy != self.policy:
            raise TimestampError(f"the token is under policy {token.policy}, not {self.policy}")
        return token


class TimestampAuthority(abc.ABC):
    """A time-stamping authority (RFC 3161), as the host reaches it.

    Implement :meth:`exchange` with the transport (RFC 3161 section 3.4: an HTTP POST of
    the request with ``Content-Type: application/timestamp-query``, the response body
    being ``application/timestamp-reply``); :meth:`stamp` does the rest. The library
    itself performs no network I/O.

    .. versionadded:: 0.1.0
    """

    @abc.abstractmethod
    def exchange(self, request: bytes) -> bytes:
        """Send the DER ``TimeStampReq`` ``request``; return the DER ``TimeStampResp``."""

    def stamp(
        self, checkpoint: Checkpoint, *, nonce: int | None = None, policy: str | None = None
    ) -> TimestampToken:
        """Have ``checkpoint`` stamped; return the token (checked to answer the request).

        A random 64-bit nonce is sent unless one is given. Verify the token with
        :meth:`TimestampToken.verify` and the TSA's certificate before relying on it.
        """
        request = TimestampRequest.for_checkpoint(
            checkpoint,
            nonce=nonce if nonce is not None else secrets.randbits(63) | 1,
            policy=policy,
        )
        return request.read_response(self.exchange(request.to_der()))

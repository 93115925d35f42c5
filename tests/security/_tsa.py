"""A local RFC 3161 time-stamping authority and its PKI, for the security tests.

The TSA is built here with ``cryptography`` (keys, certificates, signatures) and
``asn1crypto`` (the TSTInfo and CMS structures), independently of
``legaldelivery.timestamp``; it has switches to make the defective tokens the verifier
must refuse. No network: ``exchange`` is a method call.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from legaldelivery.timestamp import TimestampAuthority

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
POLICY = "1.3.6.1.4.1.99999.1.1"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Notary"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _hash_for(key: PrivateKey) -> hashes.HashAlgorithm | None:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def make_ca(key: PrivateKey, common: str = "Test Root CA") -> x509.Certificate:
    """A self-signed CA certificate valid for years around T0."""
    name = _name(common)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(T0 - timedelta(days=3650))
        .not_valid_after(T0 + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, _hash_for(key))
    )


def make_tsa_cert(
    key: PrivateKey,
    ca_key: PrivateKey,
    ca: x509.Certificate,
    *,
    eku: list[x509.ObjectIdentifier] | None = None,
    eku_critical: bool = True,
    not_before: datetime = T0 - timedelta(days=365),
    not_after: datetime = T0 + timedelta(days=365),
    common: str = "Test TSA",
) -> x509.Certificate:
    """A TSA certificate issued by ``ca``: time stamping only, unless told otherwise."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    purposes = [ExtendedKeyUsageOID.TIME_STAMPING] if eku is None else eku
    if purposes:
        builder = builder.add_extension(x509.ExtendedKeyUsage(purposes), critical=eku_critical)
    return builder.sign(ca_key, _hash_for(ca_key))


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


class Response(core.Sequence):
    """TimeStampResp with the token optional, as RFC 3161 has it (asn1crypto requires it)."""

    _fields = [  # noqa: RUF012
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class LocalTsa(TimestampAuthority):
    """An RFC 3161 TSA in process. ``faults`` names defects to build into its tokens."""

    def __init__(
        self,
        key: PrivateKey,
        cert: x509.Certificate,
        *,
        clock: Callable[[], datetime] = lambda: T0,
        faults: frozenset[str] = frozenset(),
        extra_certs: tuple[x509.Certificate, ...] = (),
    ) -> None:
        self.key = key
        self.cert = cert
        self.clock = clock
        self.faults = faults
        self.extra_certs = extra_certs
        self.serials = itertools.count(1)
        self.requests: list[bytes] = []

    def exchange(self, request: bytes) -> bytes:
        self.requests.append(request)
        req = tsp.TimeStampReq.load(request)
        if "refuse" in self.faults:
            return Response(
                {
                    "status": {
                        "status": "rejection",
                        "status_string": ["unsupported algorithm"],
                        "fail_info": tsp.PKIFailureInfo({"bad_alg"}),
                    }
                }
            ).dump()
        if "granted-without-token" in self.faults:
            return Response({"status": {"status": "granted"}}).dump()
        token = self.token_for(req)
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()

    def token_for(self, req: Any) -> cms.ContentInfo:
        imprint = req["message_imprint"]
        hashed = imprint["hashed_message"].native
        if "wrong-imprint" in self.faults:
            hashed = bytes(b ^ 0xFF for b in hashed)
        nonce = req["nonce"].native
        if "wrong-nonce" in self.faults and nonce is not None:
            nonce += 1
        tst: dict[str, Any] = {
            "version": "v1",
            "policy": req["req_policy"].native or POLICY,
            "message_imprint": {
                "hash_algorithm": {"algorithm": imprint["hash_algorithm"]["algorithm"].native},
                "hashed_message": hashed,
            },
            "serial_number": next(self.serials),
            "gen_time": self.clock(),
            "accuracy": {"seconds": 1},
        }
        if nonce is not None:
            tst["nonce"] = nonce
        content = tsp.TSTInfo(tst).dump()
        digest = hashlib.sha256(content).digest()
        if "wrong-digest" in self.faults:
            digest = bytes(32)
        content_type = "data" if "wrong-content-type" in self.faults else "tst_info"
        attributes = [
            {"type": "content_type", "values": [content_type]},
            {"type": "message_digest", "values": [digest]},
        ]
        if "two-digests" in self.faults:
            attributes.append({"type": "message_digest", "values": [digest]})
        if "ess-v1" in self.faults:
            attributes.append(
                {
                    "type": "signing_certificate",
                    "values": [{"certs": [{"cert_hash": hashlib.sha1(der(self.cert)).digest()}]}],
                }
            )
        elif "no-signing-cert" not in self.faults:
            cert_hash = hashlib.sha256(der(self.cert)).digest()
            if "wrong-signing-cert" in self.faults:
                cert_hash = bytes(32)
            attributes.append(
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"cert_hash": cert_hash}]}],
                }
            )
        signed_attrs = cms.CMSAttributes(attributes)
        to_sign = signed_attrs.dump()
        signature, algorithm = self._sign(to_sign)
        if "bad-signature" in self.faults:
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        issuer = cms.Certificate.load(der(self.cert))["tbs_certificate"]
        sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": issuer["issuer"], "serial_number": issuer["serial_number"]},
        )
        if "key-id-signer" in self.faults:
            ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            sid = cms.SignerIdentifier(name="subject_key_identifier", value=ski.value.digest)
        algorithm_name = "sha1" if "sha1" in self.faults else "sha256"
        signer = {
            "version": "v3" if "key-id-signer" in self.faults else "v1",
            "sid": sid,
            "digest_algorithm": {"algorithm": algorithm_name},
            "signed_attrs": signed_attrs,
            "signature_algorithm": algorithm,
            "signature": signature,
        }
        certificates = []
        if req["cert_req"].native and "no-certs" not in self.faults:
            certificates = [cms.Certificate.load(der(c)) for c in (self.cert, *self.extra_certs)]
        signed = {
            "version": "v3",
            "digest_algorithms": [{"algorithm": algorithm_name}],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(content),
            },
            "signer_infos": [signer, signer] if "two-signers" in self.faults else [signer],
        }
        if certificates:
            signed["certificates"] = certificates
        return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed)})

    def _sign(self, data: bytes) -> tuple[bytes, dict[str, Any]]:
        key = self.key
        if isinstance(key, rsa.RSAPrivateKey):
            if "pss" in self.faults:
                return (
                    key.sign(
                        data,
                        padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                        hashes.SHA256(),
                    ),
                    {
                        "algorithm": "rsassa_pss",
                        "parameters": {
                            "hash_algorithm": {"algorithm": "sha256"},
                            "mask_gen_algorithm": {
                                "algorithm": "mgf1",
                                "parameters": {"algorithm": "sha256"},
                            },
                            "salt_length": 32,
                        },
                    },
                )
            signed = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            return signed, {"algorithm": "sha256_rsa"}
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256())), {"algorithm": "sha256_ecdsa"}
        return key.sign(data), {"algorithm": "ed25519"}


class Pki:
    """A root CA and one TSA key and certificate per algorithm."""

    def __init__(self) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = make_ca(self.ca_key)
        self.keys: dict[str, PrivateKey] = {
            "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ecdsa": ec.generate_private_key(ec.SECP256R1()),
            "ed25519": ed25519.Ed25519PrivateKey.generate(),
        }
        self.certs = {
            kind: make_tsa_cert(key, self.ca_key, self.ca) for kind, key in self.keys.items()
        }

    def tsa(self, kind: str = "ecdsa", **options: Any) -> LocalTsa:
        return LocalTsa(self.keys[kind], self.certs[kind], **options)

"""RFC 3161 trusted time over checkpoints, against a local TSA and against openssl."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import EncodingError, InputError, LegalDeliveryError
from legaldelivery.timestamp import (
    TimestampError,
    TimestampRequest,
    TimestampToken,
    checkpoint_digest,
)

from ._tsa import T0, LocalTsa, Pki, make_ca, make_tsa_cert

CHECKPOINT = Checkpoint("court.example/log", 3, hashlib.sha256(b"three entries").digest())


@pytest.fixture(scope="module")
def token(pki: Pki) -> TimestampToken:
    return pki.tsa("ecdsa").stamp(CHECKPOINT, nonce=99)


@pytest.mark.parametrize("kind", ["rsa", "ecdsa", "ed25519"])
def test_a_token_from_the_test_tsa_verifies_under_its_ca(pki: Pki, kind: str) -> None:
    token = pki.tsa(kind).stamp(CHECKPOINT)
    assert token.verify(CHECKPOINT, trusted=[pki.ca]) is None
    assert token.gen_time == T0
    assert token.imprint == ("sha256", hashlib.sha256(CHECKPOINT.to_text().encode()).digest())


def test_rsa_pss_tokens_verify(pki: Pki) -> None:
    token = pki.tsa("rsa", faults=frozenset({"pss"})).stamp(CHECKPOINT)
    assert token.verify(CHECKPOINT, trusted=[pki.ca]) is None


def test_a_pinned_tsa_certificate_is_trusted_without_its_ca(pki: Pki) -> None:
    token = pki.tsa("ed25519").stamp(CHECKPOINT)
    assert token.verify(CHECKPOINT, trusted=[pki.certs["ed25519"]]) is None
    with pytest.raises(TimestampError, match="neither trusted nor issued"):
        token.verify(CHECKPOINT, trusted=[pki.certs["rsa"]])


def test_a_token_without_certificates_verifies_with_the_pinned_certificate(pki: Pki) -> None:
    token = pki.tsa("ecdsa", faults=frozenset({"no-certs"})).stamp(CHECKPOINT)
    assert token.certificates == ()
    assert token.verify(CHECKPOINT, trusted=[pki.certs["ecdsa"]]) is None
    with pytest.raises(TimestampError, match="not at hand"):
        token.verify(CHECKPOINT, trusted=[pki.ca])


def test_the_token_is_over_the_checkpoint_text_and_nothing_else(token: TimestampToken) -> None:
    assert token.imprint[1] == checkpoint_digest(CHECKPOINT)
    other = Checkpoint(CHECKPOINT.origin, CHECKPOINT.size + 1, CHECKPOINT.root_hash)
    with pytest.raises(TimestampError, match="another document"):
        token.verify(other, trusted=[token.certificates[0]])


def test_acceptance_a_modified_token_fails(pki: Pki, token: TimestampToken) -> None:
    assert token.verify(CHECKPOINT, trusted=[pki.ca]) is None
    # One digit of the signed time: 2026-03-02 09:30 becomes 2026-03-02 09:31.
    at = token.der.find(b"20260302093000")
    assert at > 0
    changed = bytearray(token.der)
    changed[at + 11] = ord("1")
    with pytest.raises(TimestampError, match="message digest"):
        TimestampToken(der=bytes(changed)).verify(CHECKPOINT, trusted=[pki.ca])
    # One bit of the signature, the last field of the token.
    changed = bytearray(token.der)
    changed[-3] ^= 0x01
    with pytest.raises(TimestampError, match="does not verify"):
        TimestampToken(der=bytes(changed)).verify(CHECKPOINT, trusted=[pki.ca])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_one_byte_change_fails_or_changes_nothing_the_token_says(
    pki: Pki, token: TimestampToken, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(token.der) - 1), label="index")
    flip = data.draw(st.integers(1, 255), label="xor")
    changed = bytearray(token.der)
    changed[index] ^= flip
    try:
        modified = TimestampToken(der=bytes(changed))
        modified.verify(CHECKPOINT, trusted=[pki.ca])
    except LegalDeliveryError:
        return
    # It verified: then the change was to bytes nobody signed, and the claims are the same.
    claims = ("gen_time", "serial_number", "policy", "nonce", "imprint")
    assert all(getattr(modified, c) == getattr(token, c) for c in claims)
    assert modified.signer_certificate() == token.signer_certificate()


@pytest.mark.parametrize("fault", ["key-id-signer", "ess-v1"])
def test_other_valid_token_forms_verify(pki: Pki, fault: str) -> None:
    token = pki.tsa("ecdsa", faults=frozenset({fault})).stamp(CHECKPOINT)
    assert token.verify(CHECKPOINT, trusted=[pki.ca]) is None


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("sha1", "not SHA-256"),
        ("wrong-content-type", "content-type attribute"),
        ("two-digests", "must appear once"),
        ("two-signers", "exactly one signer"),
        ("wrong-digest", "message digest"),
        ("no-signing-cert", "no ESS signing-certificate"),
        ("wrong-signing-cert", "names another certificate"),
        ("bad-signature", "does not verify"),
    ],
)
def test_defective_tokens_are_refused(pki: Pki, fault: str, message: str) -> None:
    tsa = pki.tsa("rsa", faults=frozenset({fault}))
    # Some defects are refused as the token is read, the others when it is verified.
    with pytest.raises(TimestampError, match=message):
        tsa.stamp(CHECKPOINT).verify(CHECKPOINT, trusted=[pki.ca])


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("refuse", "refused the request: rejection"),
        ("granted-without-token", "sent no token"),
        ("wrong-imprint", "another digest"),
        ("wrong-nonce", "nonce"),
    ],
)
def test_responses_that_do_not_answer_the_request_are_refused(
    pki: Pki, fault: str, message: str
) -> None:
    with pytest.raises(TimestampError, match=message):
        pki.tsa("ecdsa", faults=frozenset({fault})).stamp(CHECKPOINT)


def test_a_policy_asked_for_must_be_the_tokens(pki: Pki) -> None:
    tsa = pki.tsa("ecdsa")
    assert tsa.stamp(CHECKPOINT, policy="1.2.3.4").policy == "1.2.3.4"
    request = TimestampRequest.for_checkpoint(CHECKPOINT, nonce=5, policy="1.2.3.5")
    response = tsa.exchange(TimestampRequest.for_checkpoint(CHECKPOINT, nonce=5).to_der())
    with pytest.raises(TimestampError, match="policy"):
        request.read_response(response)


def _tsa_with(pki: Pki, **cert_options: Any) -> LocalTsa:
    key = ec.generate_private_key(ec.SECP256R1())
    return LocalTsa(key, make_tsa_cert(key, pki.ca_key, pki.ca, **cert_options))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"eku": []}, "no extended key usage"),
        ({"eku_critical": False}, "time stamping only"),
        (
            {"eku": [ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.CODE_SIGNING]},
            "time stamping only",
        ),
        ({"not_after": T0 - timedelta(days=1)}, "not valid at the token's time"),
        ({"not_before": T0 + timedelta(seconds=1)}, "not valid at the token's time"),
    ],
)
def test_the_tsa_certificate_must_be_for_time_stamping_and_valid(
    pki: Pki, options: dict[str, Any], message: str
) -> None:
    tsa = _tsa_with(pki, **options)
    with pytest.raises(TimestampError, match=message):
        tsa.stamp(CHECKPOINT).verify(CHECKPOINT, trusted=[pki.ca])


def test_a_certificate_of_another_ca_is_not_trusted(pki: Pki) -> None:
    other_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = make_ca(other_key, "Other Root CA")
    token = pki.tsa("ecdsa").stamp(CHECKPOINT)
    with pytest.raises(TimestampError, match="neither trusted nor issued"):
        token.verify(CHECKPOINT, trusted=[other_ca])


def test_a_non_ca_issuer_is_not_trusted_as_a_ca(pki: Pki) -> None:
    # The TSA certificate itself "issues" another: it is not a CA, so that does not count.
    tsa_key = pki.keys["ecdsa"]
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = make_tsa_cert(leaf_key, tsa_key, pki.certs["ecdsa"], common="Sub TSA")
    token = LocalTsa(leaf_key, leaf).stamp(CHECKPOINT)
    with pytest.raises(TimestampError, match="neither trusted nor issued"):
        token.verify(CHECKPOINT, trusted=[pki.certs["ecdsa"]])


def test_arguments_are_checked(token: TimestampToken) -> None:
    with pytest.raises(InputError, match="trusted"):
        token.verify(CHECKPOINT, trusted=[])
    with pytest.raises(InputError, match="trusted"):
        token.verify(CHECKPOINT, trusted=[b"not a certificate"])  # type: ignore[list-item]
    with pytest.raises(InputError, match="checkpoint"):
        token.verify("text", trusted=token.certificates)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="algorithm"):
        TimestampRequest(algorithm="sha1", digest=bytes(20))
    with pytest.raises(InputError, match="digest"):
        TimestampRequest(digest=bytes(31))
    with pytest.raises(InputError, match="nonce"):
        TimestampRequest(digest=bytes(32), nonce=0)
    with pytest.raises(InputError, match="policy"):
        TimestampRequest(digest=bytes(32), policy="not.an.oid")


def test_a_ca_must_be_marked_as_one_and_allowed_to_sign_certificates(pki: Pki) -> None:
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes

    ca_key = ec.generate_private_key(ec.SECP256R1())
    for extensions in (
        [],  # no basic constraints at all
        [
            (cx509.BasicConstraints(ca=True, path_length=None), True),
            (_usage(cert_sign=False), True),
        ],
    ):
        builder = (
            cx509.CertificateBuilder()
            .subject_name(pki.ca.subject)
            .issuer_name(pki.ca.subject)
            .public_key(ca_key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(T0 - timedelta(days=10))
            .not_valid_after(T0 + timedelta(days=10))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        ca = builder.sign(ca_key, hashes.SHA256())
        tsa_key = ec.generate_private_key(ec.SECP256R1())
        token = LocalTsa(tsa_key, make_tsa_cert(tsa_key, ca_key, ca)).stamp(CHECKPOINT)
        with pytest.raises(TimestampError, match="neither trusted nor issued"):
            token.verify(CHECKPOINT, trusted=[ca])
        assert token.verify(CHECKPOINT, trusted=[token.certificates[0]]) is None


def _usage(*, cert_sign: bool) -> Any:
    from cryptography import x509 as cx509

    return cx509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def test_checkpoint_digest_arguments() -> None:
    assert len(checkpoint_digest(CHECKPOINT, "sha512")) == 64
    with pytest.raises(InputError, match="algorithm"):
        checkpoint_digest(CHECKPOINT, "md5")
    with pytest.raises(InputError, match="Checkpoint"):
        checkpoint_digest(CHECKPOINT.to_text())  # type: ignore[arg-type]


def test_the_request_is_the_rfc_3161_structure() -> None:
    request = TimestampRequest.for_checkpoint(CHECKPOINT, nonce=2**70, policy="1.2.3")
    parsed = tsp.TimeStampReq.load(request.to_der())
    assert parsed["version"].native == "v1"
    assert parsed["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert (
        parsed["message_imprint"]["hashed_message"].native
        == hashlib.sha256(CHECKPOINT.to_text().encode()).digest()
    )
    assert parsed["nonce"].native == 2**70
    assert parsed["req_policy"].native == "1.2.3"
    assert parsed["cert_req"].native is True


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_garbage_is_refused_with_library_errors(data: bytes) -> None:
    with pytest.raises(LegalDeliveryError):
        TimestampToken(der=data)
    with pytest.raises(LegalDeliveryError):
        TimestampRequest(digest=bytes(32)).read_response(data)


def test_oversized_tokens_are_refused_before_parsing() -> None:
    with pytest.raises(EncodingError, match="limit"):
        TimestampToken(der=b"\x30\x84" + bytes(2 << 20))
    with pytest.raises(EncodingError, match="at most"):
        TimestampRequest(digest=bytes(32)).read_response(bytes(2 << 20))


# -- interoperability with openssl --------------------------------------------------------

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _pem(cert: Any) -> bytes:
    return bytes(cert.public_bytes(serialization.Encoding.PEM))


@needs_openssl
def test_openssl_verifies_the_test_tsas_tokens(pki: Pki, tmp_path: Path) -> None:
    # The local TSA is checked by an independent verifier, so the tests above test ours.
    token = pki.tsa("rsa").stamp(CHECKPOINT)
    (tmp_path / "checkpoint.txt").write_text(CHECKPOINT.to_text(), encoding="utf-8")
    (tmp_path / "token.der").write_bytes(token.der)
    (tmp_path / "ca.pem").write_bytes(_pem(pki.ca))
    (tmp_path / "tsa.pem").write_bytes(_pem(pki.certs["rsa"]))
    result = subprocess.run(
        [
            "openssl", "ts", "-verify", "-data", "checkpoint.txt", "-in", "token.der",
            "-token_in", "-CAfile", "ca.pem", "-untrusted", "tsa.pem",
            "-attime", str(int(T0.timestamp())),
        ],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Verification: OK" in result.stdout, result.stderr


@needs_openssl
@pytest.mark.parametrize("kind", ["rsa", "ecdsa"])
def test_tokens_made_by_openssl_verify(kind: str, tmp_path: Path) -> None:
    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_ca(ca_key)
    pki = Pki()
    key = pki.keys[kind]
    cert = make_tsa_cert(
        key, ca_key, ca, not_before=now - timedelta(days=1), not_after=now + timedelta(days=1)
    )
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "tsa.pem").write_bytes(_pem(cert))
    (tmp_path / "serial").write_text("0A\n")
    (tmp_path / "tsa.cnf").write_text(
        "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\n"
        f"serial = {tmp_path / 'serial'}\nsigner_digest = sha256\n"
        "default_policy = 1.2.3.4.1\ndigests = sha256\nessc_cert_id_alg = sha256\n"
        "ess_cert_id_alg = sha256\ntsa_name = no\ness_cert_id_chain = no\n"
        "accuracy = secs:1, millisecs:500, microsecs:100\n"
    )
    request = TimestampRequest.for_checkpoint(CHECKPOINT, nonce=4242)
    (tmp_path / "request.tsq").write_bytes(request.to_der())
    subprocess.run(
        [
            "openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "request.tsq",
            "-inkey", "key.pem", "-signer", "tsa.pem", "-out", "response.tsr",
        ],
        cwd=tmp_path, capture_output=True, check=True,
    )  # fmt: skip
    token = request.read_response((tmp_path / "response.tsr").read_bytes())
    assert token.nonce == 4242
    assert token.policy == "1.2.3.4.1"
    # openssl's own encoding of the TSTInfo accuracy, read back.
    assert token.accuracy == timedelta(seconds=1, milliseconds=500, microseconds=100)
    assert token.verify(CHECKPOINT, trusted=[ca]) is None
    with pytest.raises(TimestampError):
        token.verify(CHECKPOINT, trusted=[make_ca(ec.generate_private_key(ec.SECP256R1()))])

"""Tests for legaldelivery.keys: signatures, fingerprints, C2SP verifier keys, PEM, key ring.

Known-answer data are published facts: the RFC 8032 Ed25519 test vectors, the RFC 6979
P-256 key and signature, and the verifier key of the C2SP signed-note specification's
example. Everything else is computed here from primitives (hashlib, cryptography), never
from the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError, SignatureError
from legaldelivery.keys import (
    ALGORITHMS,
    EcdsaP256Signer,
    EcdsaP256Verifier,
    Ed25519Signer,
    Ed25519Verifier,
    KeyRing,
    Signer,
    TrustedKey,
    Verifier,
    generate_signer,
    read_private_key,
    read_private_key_unencrypted_insecure,
    read_public_key,
    verifier_from_public_bytes,
    write_private_key,
    write_private_key_unencrypted_insecure,
    write_public_key,
)

# RFC 8032, section 7.1, TEST 1 and TEST 2.
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
        "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
        "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]

# RFC 6979, appendix A.2.5: the P-256 key, and the SHA-256 signature of "sample".
RFC6979_X = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
RFC6979_UX = 0x60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6
RFC6979_UY = 0x7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299
RFC6979_R = 0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716
RFC6979_S = 0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

# c2sp.org/signed-note, the specification's example verifier key.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"

NAME = "court.example/log"
PASSPHRASE = "correct horse battery staple"


def ed25519_signer(name: str = NAME, seed: bytes | None = None) -> Ed25519Signer:
    seed = bytes.fromhex(RFC8032[0][0]) if seed is None else seed
    return Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(seed))


def ecdsa_signer(name: str = NAME, scalar: int = RFC6979_X) -> EcdsaP256Signer:
    return EcdsaP256Signer(name, ec.derive_private_key(scalar, ec.SECP256R1()))


MAKERS: dict[str, Callable[[], Signer]] = {"ed25519": ed25519_signer, "ecdsa-p256": ecdsa_signer}


@pytest.fixture(params=sorted(MAKERS))
def signer(request: pytest.FixtureRequest) -> Signer:
    return MAKERS[request.param]()


def spki_der(signer: Signer) -> bytes:
    """The public key's DER SubjectPublicKeyInfo, straight from cryptography."""
    return (
        signer._private_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def independent_verify(signer: Signer, signature: bytes, message: bytes) -> None:
    """Verify with cryptography alone, from the SPKI DER the verifier publishes."""
    key = serialization.load_der_public_key(signer.verifier.public_bytes_der())
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(signature, message)  # type: ignore[call-arg, union-attr]


# -- signatures -----------------------------------------------------------------------------


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_ed25519_reproduces_rfc8032(secret: str, public: str, message: str, signature: str) -> None:
    signer = ed25519_signer(seed=bytes.fromhex(secret))
    assert signer.verifier.public_bytes_raw() == bytes.fromhex(public)
    assert signer.sign(bytes.fromhex(message)) == bytes.fromhex(signature)
    signer.verifier.verify(bytes.fromhex(signature), bytes.fromhex(message))


def test_ecdsa_accepts_the_rfc6979_signature_in_high_s_form() -> None:
    verifier = ecdsa_signer().verifier
    numbers = serialization.load_der_public_key(verifier.public_bytes_der()).public_numbers()  # type: ignore[union-attr]
    assert (numbers.x, numbers.y) == (RFC6979_UX, RFC6979_UY)  # type: ignore[union-attr]
    assert RFC6979_S > P256_ORDER // 2
    signature = encode_dss_signature(RFC6979_R, RFC6979_S)
    verifier.verify(signature, b"sample")
    low = encode_dss_signature(RFC6979_R, P256_ORDER - RFC6979_S)
    verifier.verify(low, b"sample")
    with pytest.raises(SignatureError):
        verifier.verify(signature, b"sample!")


@settings(max_examples=60)
@given(message=st.binary(max_size=300), algorithm=st.sampled_from(sorted(MAKERS)))
def test_sign_verify_round_trip(message: bytes, algorithm: str) -> None:
    signer = MAKERS[algorithm]()
    signature = signer.sign(message)
    assert signer.verifier.verify(signature, message) is None
    independent_verify(signer, signature, message)


@settings(max_examples=60)
@given(message=st.binary(max_size=100))
def test_ecdsa_signatures_are_low_s_der(message: bytes) -> None:
    signature = ecdsa_signer().sign(message)
    r, s = decode_dss_signature(signature)
    assert 0 < s <= P256_ORDER // 2
    assert encode_dss_signature(r, s) == signature


@settings(max_examples=60)
@given(data=st.data(), algorithm=st.sampled_from(sorted(MAKERS)))
def test_any_flipped_bit_is_rejected(data: st.DataObject, algorithm: str) -> None:
    signer = MAKERS[algorithm]()
    message = data.draw(st.binary(min_size=1, max_size=64))
    signature = signer.sign(message)
    in_signature = data.draw(st.booleans())
    target = signature if in_signature else message
    # ECDSA signatures vary in length between runs: draw first, then fit the position.
    bit = data.draw(st.integers(0, 2**16)) % (len(target) * 8)
    flipped = bytearray(target)
    flipped[bit // 8] ^= 1 << (bit % 8)
    if in_signature:
        signature = bytes(flipped)
    else:
        message = bytes(flipped)
    with pytest.raises(SignatureError):
        signer.verifier.verify(signature, message)


@pytest.mark.parametrize("bad", [b"", b"\x00", bytes(63), bytes(65), b"\x30\x00", bytes(72)])
def test_malformed_signatures_are_signature_errors(signer: Signer, bad: bytes) -> None:
    with pytest.raises(SignatureError, match=signer.fingerprint):
        signer.verifier.verify(bad, b"message")


def test_non_bytes_arguments_are_input_errors(signer: Signer) -> None:
    signature = signer.sign(b"m")
    with pytest.raises(InputError):
        signer.verifier.verify("not bytes", b"m")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        signer.verifier.verify(signature, "m")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        signer.sign("m")  # type: ignore[arg-type]
    assert signer.verifier.verify(bytearray(signature), memoryview(b"m")) is None  # type: ignore[arg-type]


def test_generate_makes_distinct_working_keys() -> None:
    for algorithm in ALGORITHMS:
        one, two = generate_signer(NAME, algorithm), generate_signer(NAME, algorithm)
        assert one.verifier.algorithm == algorithm
        assert one.fingerprint != two.fingerprint
        one.verifier.verify(one.sign(b"x"), b"x")
    assert isinstance(Ed25519Signer.generate(NAME), Ed25519Signer)
    assert isinstance(EcdsaP256Signer.generate(NAME), EcdsaP256Signer)
    with pytest.raises(InputError, match="algorithm"):
        generate_signer(NAME, "rsa")


def test_constructors_check_their_key_types() -> None:
    with pytest.raises(InputError):
        Ed25519Signer(NAME, ec.derive_private_key(RFC6979_X, ec.SECP256R1()))  # type: ignore[arg-type]
    with pytest.raises(InputError):
        EcdsaP256Signer(NAME, Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    with pytest.raises(InputError, match="P-256"):
        EcdsaP256Signer(NAME, ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(InputError):
        Ed25519Verifier(NAME, b"\x00" * 32)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        EcdsaP256Verifier(NAME, Ed25519PrivateKey.generate().public_key())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "tab\there", "nbsp\u00a0x", "em\u2003space", "del\x7f", "\ud800"]
)
def test_invalid_key_names_are_rejected(name: str) -> None:
    with pytest.raises(InputError, match="name"):
        ed25519_signer(name)


def test_key_names_are_text() -> None:
    with pytest.raises(InputError, match="name"):
        ed25519_signer(b"log")  # type: ignore[arg-type]
    assert ed25519_signer("法院.example/日志").name == "法院.example/日志"


class RemoteSigner(Signer):
    """A signer whose key is held elsewhere (as in an HSM): it only signs."""

    algorithm = "ed25519"

    def __init__(self, name: str) -> None:
        self._remote = Ed25519PrivateKey.from_private_bytes(bytes(32))
        self._verifier = Ed25519Verifier(name, self._remote.public_key())

    @property
    def verifier(self) -> Verifier:
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        return self._remote.sign(message)


def test_a_host_signer_needs_only_verifier_and_sign(tmp_path: os.PathLike[str]) -> None:
    signer = RemoteSigner(NAME)
    assert signer.vkey == ed25519_signer(seed=bytes(32)).vkey
    signer.verifier.verify(signer.sign(b"entry"), b"entry")
    with pytest.raises(InputError, match="cannot be exported"):
        signer.private_pem(PASSPHRASE)
    with pytest.raises(InputError, match="cannot be exported"):
        write_private_key(signer, os.path.join(tmp_path, "k.pem"), passphrase=PASSPHRASE)
    assert os.listdir(tmp_path) == []


def test_repr_shows_no_private_key(signer: Signer) -> None:
    text = repr(signer)
    assert signer.fingerprint in text
    private = signer.private_pem_unencrypted_insecure()
    body = b"".join(private.splitlines()[1:-1]).decode()
    assert body not in text
    assert RFC8032[0][0] not in text


# -- fingerprints and key ids ---------------------------------------------------------------


def test_fingerprint_is_sha256_of_spki_der(signer: Signer) -> None:
    der = spki_der(signer)
    assert signer.verifier.public_bytes_der() == der
    assert signer.fingerprint == hashlib.sha256(der).hexdigest()
    assert signer.fingerprint == signer.verifier.fingerprint


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_fingerprint_matches_openssl(signer: Signer, tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "key.pub.pem")
    write_public_key(signer.verifier, path)
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", path, "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    assert hashlib.sha256(der).hexdigest() == signer.fingerprint


def test_ed25519_key_id_follows_the_spec() -> None:
    signer = ed25519_signer("法院.example/日志")
    raw = bytes.fromhex(RFC8032[0][1])
    expected = hashlib.sha256("法院.example/日志".encode() + b"\n\x01" + raw).digest()[:4]
    assert signer.key_id == expected
    payload = base64.b64encode(b"\x01" + raw).decode()
    assert signer.vkey == f"法院.example/日志+{expected.hex()}+{payload}"


def test_ecdsa_key_id_is_truncated_sha256_of_spki() -> None:
    signer = ecdsa_signer()
    der = spki_der(signer)
    assert signer.key_id == hashlib.sha256(der).digest()[:4]
    payload = base64.b64encode(b"\x02" + der).decode()
    assert signer.vkey == f"{NAME}+{signer.key_id.hex()}+{payload}"
    # The name is not hashed for this type: renaming keeps the key id.
    assert ecdsa_signer("other.example").key_id == signer.key_id


def test_the_spec_example_vkey_parses_to_its_key_id() -> None:
    verifier = Verifier.from_vkey(SPEC_VKEY)
    assert isinstance(verifier, Ed25519Verifier)
    assert verifier.name == "example.com/foo"
    assert verifier.key_id.hex() == "530d903a"
    raw = base64.b64decode(SPEC_VKEY.split("+", 2)[2])[1:]
    assert verifier.public_bytes_raw() == raw
    assert hashlib.sha256(b"example.com/foo\n\x01" + raw).digest()[:4] == verifier.key_id
    assert verifier.vkey == SPEC_VKEY
    assert Ed25519Verifier.from_vkey(SPEC_VKEY) == verifier


# -- verifier keys --------------------------------------------------------------------------

names = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), blacklist_characters="+"),
    min_size=1,
    max_size=20,
).filter(lambda name: not any(char.isspace() for char in name))


@settings(max_examples=60)
@given(name=names, seed=st.binary(min_size=32, max_size=32), ecdsa=st.booleans())
def test_vkey_round_trip(name: str, seed: bytes, ecdsa: bool) -> None:
    if ecdsa:
        scalar = int.from_bytes(seed, "big") % (P256_ORDER - 1) + 1
        signer: Signer = ecdsa_signer(name, scalar)
    else:
        signer = ed25519_signer(name, seed)
    verifier = Verifier.from_vkey(signer.vkey)
    assert verifier == signer.verifier
    assert hash(verifier) == hash(signer.verifier)
    assert verifier.vkey == signer.vkey
    assert verifier.verify(signer.sign(b"note text\n"), b"note text\n") is None


def test_vkey_base64_may_contain_plus() -> None:
    for i in range(200):
        signer = ed25519_signer("log", hashlib.sha256(bytes([i])).digest())
        if "+" in signer.vkey.split("+", 2)[2]:
            break
    else:  # pragma: no cover - 200 draws without '+' do not happen
        pytest.fail("no key with '+' in its base64 found")
    assert signer.vkey.count("+") > 2
    assert Verifier.from_vkey(signer.vkey) == signer.verifier


def compressed_point_spki() -> bytes:
    """A SubjectPublicKeyInfo holding a compressed P-256 point: valid DER, not canonical."""
    key = ecdsa_signer()._private_key().public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    return bytes.fromhex("3039301306072a8648ce3d020106082a8648ce3d030107032200") + point


def _vkey(name: str, key_id: str, payload: bytes) -> str:
    return f"{name}+{key_id}+{base64.b64encode(payload).decode()}"


def _ed_vkey_parts() -> tuple[str, str, bytes]:
    name, key_id, b64 = SPEC_VKEY.split("+", 2)
    return name, key_id, base64.b64decode(b64)


def _malformed_vkeys() -> list[object]:
    name, key_id, payload = _ed_vkey_parts()
    b64 = SPEC_VKEY.split("+", 2)[2]
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    p384_der = p384.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ed_der = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    compressed_spki = compressed_point_spki()

    ec_vkey = ecdsa_signer().vkey
    assert ec_vkey.endswith("=")
    assert not ec_vkey.endswith("==")
    # The same bytes with non-zero padding bits: decodable, but not canonical base64.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    non_canonical = alphabet[alphabet.index(ec_vkey[-2]) | 1]
    ec_b64 = ec_vkey.split("+", 2)[2]
    assert base64.b64decode(ec_b64[:-2] + non_canonical + "=") == base64.b64decode(ec_b64)

    def ecdsa(der: bytes) -> str:
        return _vkey("ec", hashlib.sha256(der).hexdigest()[:8], b"\x02" + der)

    return [
        None,
        b"bytes" + SPEC_VKEY.encode(),
        "",
        "no-plus-at-all",
        f"{name}+{key_id}",
        f"+{key_id}+{b64}",
        f"exa mple+{key_id}+{b64}",
        f"tab\t+{key_id}+{b64}",
        f"ctl\x01+{key_id}+{b64}",
        f"\ud800+{key_id}+{b64}",
        f"{name}+{key_id.upper()}+{b64}",
        f"{name}+{key_id[:7]}+{b64}",
        f"{name}+0{key_id}+{b64}",
        f"{name}+ {key_id[1:]}+{b64}",
        f"{name}+530d903b+{b64}",
        ec_vkey.rstrip("="),
        ec_vkey[:-2] + non_canonical + "=",
        f"{name}+{key_id}+{b64} ",
        f"{name}+{key_id}+ {b64}",
        f"{name}+{key_id}+{b64}\n",
        f"{name}+{key_id}+{b64[:10]}*{b64[11:]}",
        f"{name}+{key_id}+",
        f"{name}+{key_id}+{base64.b64encode(payload[:-1]).decode()}",
        f"{name}+{key_id}+{base64.b64encode(payload + b'x').decode()}",
        f"{name}+{key_id}+{b64}+extra",
        _vkey(name, key_id, b"\x03" + payload[1:]),
        _vkey(name, key_id, b"\x04" + payload[1:]),
        _vkey(name, key_id, b"\x05" + payload[1:]),
        _vkey(name, key_id, b"\xff" + payload[1:]),
        _vkey(name, key_id, b"\x07" + payload[1:]),
        ecdsa(p384_der),
        ecdsa(ed_der),
        ecdsa(compressed_spki),
        ecdsa(b"\x30\x03\x02\x01\x00"),
        _vkey("ec", "00000000", b"\x02" + spki_der(ecdsa_signer())),
    ]


@pytest.mark.parametrize("vkey", _malformed_vkeys())
def test_malformed_vkeys_are_input_errors(vkey: object) -> None:
    with pytest.raises(InputError, match=r"vkey|key"):
        Verifier.from_vkey(vkey)  # type: ignore[arg-type]


def test_unsupported_signature_types_are_named() -> None:
    name, key_id, payload = _ed_vkey_parts()
    with pytest.raises(InputError, match="0x05"):
        Verifier.from_vkey(_vkey(name, key_id, b"\x05" + payload[1:]))


def test_from_vkey_on_a_subclass_checks_the_algorithm() -> None:
    assert isinstance(EcdsaP256Verifier.from_vkey(ecdsa_signer().vkey), EcdsaP256Verifier)
    with pytest.raises(InputError):
        EcdsaP256Verifier.from_vkey(SPEC_VKEY)
    with pytest.raises(InputError):
        Ed25519Verifier.from_vkey(ecdsa_signer().vkey)


@settings(max_examples=150)
@given(data=st.data(), ecdsa=st.booleans())
def test_mutated_vkeys_raise_only_input_errors(data: st.DataObject, ecdsa: bool) -> None:
    vkey = ecdsa_signer("ec.example").vkey if ecdsa else SPEC_VKEY
    position = data.draw(st.integers(0, len(vkey)))
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
    char = data.draw(st.characters(codec="utf-8") | st.sampled_from("+=/ aA0\n\x00\u2014"))
    if kind == "replace":
        mutated = vkey[:position] + char + vkey[position + 1 :]
    elif kind == "insert":
        mutated = vkey[:position] + char + vkey[position:]
    elif kind == "delete":
        mutated = vkey[:position] + vkey[position + 1 :]
    else:
        mutated = vkey[:position]
    try:
        verifier = Verifier.from_vkey(mutated)
    except InputError:
        return
    # Whatever parses is canonical: it writes back exactly as read.
    assert verifier.vkey == mutated


# -- public key bytes -----------------------------------------------------------------------


def test_verifier_from_public_bytes_accepts_each_documented_form() -> None:
    ed, ecd = ed25519_signer(), ecdsa_signer()
    raw = bytes.fromhex(RFC8032[0][1])
    assert verifier_from_public_bytes("ed25519", NAME, raw) == ed.verifier
    assert verifier_from_public_bytes("ed25519", NAME, spki_der(ed)) == ed.verifier
    assert verifier_from_public_bytes("ecdsa-p256", NAME, spki_der(ecd)) == ecd.verifier
    key = ecd._private_key().public_key()
    for form in (
        serialization.PublicFormat.CompressedPoint,
        serialization.PublicFormat.UncompressedPoint,
    ):
        point = key.public_bytes(serialization.Encoding.X962, form)
        assert verifier_from_public_bytes("ecdsa-p256", NAME, point) == ecd.verifier


@pytest.mark.parametrize(
    ("algorithm", "data"),
    [
        ("ed25519", b"\x00" * 31),
        ("ed25519", b"junk" * 20),
        ("ecdsa-p256", b"\x04" + b"\x00" * 64),
        ("ecdsa-p256", b"junk" * 20),
        ("rsa", b"\x00" * 32),
        ("ed25519", "a string"),
    ],
)
def test_verifier_from_bad_public_bytes(algorithm: str, data: bytes) -> None:
    with pytest.raises(InputError):
        verifier_from_public_bytes(algorithm, NAME, data)


def test_only_the_canonical_der_form_is_read() -> None:
    der = compressed_point_spki()
    loaded = serialization.load_der_public_key(der)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    with pytest.raises(InputError, match="canonical"):
        verifier_from_public_bytes("ecdsa-p256", NAME, der)


def test_verifier_from_public_bytes_checks_the_algorithm() -> None:
    with pytest.raises(InputError):
        verifier_from_public_bytes("ed25519", NAME, spki_der(ecdsa_signer()))
    with pytest.raises(InputError):
        verifier_from_public_bytes("ecdsa-p256", NAME, spki_der(ed25519_signer()))


def test_verifiers_compare_by_algorithm_name_and_key() -> None:
    a, b = ed25519_signer().verifier, ed25519_signer().verifier
    assert a == b
    assert hash(a) == hash(b)
    assert a != ed25519_signer("other.example").verifier
    assert a != ed25519_signer(seed=bytes(32)).verifier
    assert a != ecdsa_signer().verifier
    assert a != SPEC_VKEY
    assert len({a, b, ecdsa_signer().verifier}) == 2
    assert SPEC_VKEY in repr(Verifier.from_vkey(SPEC_VKEY))


# -- PEM ------------------------------------------------------------------------------------


def test_encrypted_private_pem_round_trip(signer: Signer) -> None:
    pem = signer.private_pem(PASSPHRASE)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    again = Signer.from_private_pem(NAME, pem, passphrase=PASSPHRASE.encode())
    assert type(again) is type(signer)
    assert again.fingerprint == signer.fingerprint
    assert again.vkey == signer.vkey
    signer.verifier.verify(again.sign(b"m"), b"m")
    assert type(signer).from_private_pem(NAME, pem.decode(), passphrase=PASSPHRASE).vkey == (
        signer.vkey
    )


def test_wrong_passphrase_is_an_input_error_without_secrets(signer: Signer) -> None:
    pem = signer.private_pem(PASSPHRASE)
    with pytest.raises(InputError) as caught:
        Signer.from_private_pem(NAME, pem, passphrase="tr0ub4dor&3")
    text = caught.value.diagnostics()
    assert "passphrase" in text
    assert "tr0ub4dor" not in text
    assert PASSPHRASE not in text
    assert pem.decode().splitlines()[1] not in text


@pytest.mark.parametrize(
    "data", [b"", b"not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]
)
def test_not_a_private_key(data: bytes) -> None:
    with pytest.raises(InputError):
        Signer.from_private_pem(NAME, data, passphrase=PASSPHRASE)
    with pytest.raises(InputError):
        Signer.from_private_pem_unencrypted_insecure(NAME, data)


def test_wrong_private_key_type() -> None:
    ec_pem = ecdsa_signer().private_pem(PASSPHRASE)
    with pytest.raises(InputError, match="ecdsa-p256"):
        Ed25519Signer.from_private_pem(NAME, ec_pem, passphrase=PASSPHRASE)
    with pytest.raises(InputError):
        EcdsaP256Signer.from_private_pem(
            NAME, ed25519_signer().private_pem(PASSPHRASE), passphrase=PASSPHRASE
        )
    for key in (x25519.X25519PrivateKey.generate(), ec.generate_private_key(ec.SECP384R1())):
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
        with pytest.raises(InputError, match="Ed25519 or ECDSA P-256"):
            Signer.from_private_pem(NAME, pem, passphrase=PASSPHRASE)


def test_plain_text_only_through_the_insecure_names(signer: Signer) -> None:
    plain = signer.private_pem_unencrypted_insecure()
    assert plain.startswith(b"-----BEGIN PRIVATE KEY-----")
    with pytest.raises(InputError, match="not encrypted"):
        Signer.from_private_pem(NAME, plain, passphrase=PASSPHRASE)
    again = Signer.from_private_pem_unencrypted_insecure(NAME, plain)
    assert again.fingerprint == signer.fingerprint
    with pytest.raises(InputError, match="encrypted"):
        Signer.from_private_pem_unencrypted_insecure(NAME, signer.private_pem(PASSPHRASE))


@pytest.mark.parametrize("passphrase", ["", b"", b"x" * 1024, 1234, "\ud800"])
def test_passphrase_bounds(passphrase: object) -> None:
    with pytest.raises(InputError, match="passphrase"):
        ed25519_signer().private_pem(passphrase)  # type: ignore[arg-type]


def test_longest_passphrase_works() -> None:
    pem = ed25519_signer().private_pem(b"x" * 1023)
    assert Signer.from_private_pem(NAME, pem, passphrase=b"x" * 1023).vkey == ed25519_signer().vkey


def test_public_pem_round_trip(signer: Signer) -> None:
    pem = signer.verifier.public_pem()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert Verifier.from_public_pem(NAME, pem) == signer.verifier
    assert Verifier.from_public_pem("renamed", pem.decode()).name == "renamed"
    with pytest.raises(InputError):
        Verifier.from_public_pem(NAME, b"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")
    with pytest.raises(InputError):
        Verifier.from_public_pem(NAME, "\u00e9")
    x = x25519.X25519PrivateKey.generate().public_key()
    x_pem = x.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(InputError):
        Verifier.from_public_pem(NAME, x_pem)


# -- key files ------------------------------------------------------------------------------


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@posix_only
def test_private_key_file_is_0600_and_reads_back(
    signer: Signer, tmp_path: os.PathLike[str]
) -> None:
    path = os.path.join(tmp_path, "log.key.pem")
    old = os.umask(0)
    try:
        write_private_key(signer, path, passphrase=PASSPHRASE)
    finally:
        os.umask(old)
    assert _mode(path) == 0o600
    assert os.listdir(tmp_path) == ["log.key.pem"]
    assert read_private_key(NAME, path, passphrase=PASSPHRASE).vkey == signer.vkey
    with pytest.raises(InputError):
        read_private_key(NAME, path, passphrase="wrong passphrase")


@posix_only
def test_unencrypted_key_file(signer: Signer, tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "plain.pem")
    write_private_key_unencrypted_insecure(signer, path)
    assert _mode(path) == 0o600
    assert read_private_key_unencrypted_insecure(NAME, path).vkey == signer.vkey
    with pytest.raises(InputError, match="not encrypted"):
        read_private_key(NAME, path, passphrase=PASSPHRASE)


def test_key_files_are_never_overwritten_unless_asked(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "log.key.pem")
    first, second = ed25519_signer(), ecdsa_signer()
    write_private_key(first, path, passphrase=PASSPHRASE)
    before = Path(path).read_bytes()
    with pytest.raises(InputError, match="exists"):
        write_private_key(second, path, passphrase=PASSPHRASE)
    with pytest.raises(InputError, match="exists"):
        write_private_key_unencrypted_insecure(second, path)
    with pytest.raises(InputError, match="exists"):
        write_public_key(second.verifier, path)
    assert Path(path).read_bytes() == before
    write_private_key(second, path, passphrase=PASSPHRASE, overwrite=True)
    assert read_private_key(NAME, path, passphrase=PASSPHRASE).vkey == second.vkey
    assert os.listdir(tmp_path) == ["log.key.pem"]


def test_a_key_file_appearing_meanwhile_is_not_replaced(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = os.path.join(tmp_path, "log.key.pem")
    real_link = os.link

    def racing_link(source: str, target: str) -> None:
        Path(target).write_bytes(b"someone else's key")
        real_link(source, target)

    monkeypatch.setattr(os, "link", racing_link)
    with pytest.raises(InputError, match="exists"):
        write_private_key(ed25519_signer(), path, passphrase=PASSPHRASE)
    assert Path(path).read_bytes() == b"someone else's key"
    assert os.listdir(tmp_path) == ["log.key.pem"]


def test_without_hard_links_the_file_is_renamed_into_place(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: str, target: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = os.path.join(tmp_path, "log.key.pem")
    write_private_key(ed25519_signer(), path, passphrase=PASSPHRASE)
    assert read_private_key(NAME, path, passphrase=PASSPHRASE).vkey == ed25519_signer().vkey
    assert os.listdir(tmp_path) == ["log.key.pem"]

    def racing_no_links(source: str, target: str) -> None:
        Path(target).write_bytes(b"someone else's key")
        raise PermissionError(1, "Operation not permitted")

    other = os.path.join(tmp_path, "other.key.pem")
    monkeypatch.setattr(os, "link", racing_no_links)
    with pytest.raises(InputError, match="exists"):
        write_private_key(ed25519_signer(), other, passphrase=PASSPHRASE)
    assert Path(other).read_bytes() == b"someone else's key"


def test_public_key_file_round_trip(signer: Signer, tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "log.pub.pem")
    write_public_key(signer.verifier, path)
    if os.name == "posix":
        assert _mode(path) == 0o644
    assert read_public_key(NAME, path) == signer.verifier


def test_file_errors_are_input_errors(tmp_path: os.PathLike[str]) -> None:
    missing = os.path.join(tmp_path, "nope", "key.pem")
    with pytest.raises(InputError, match="cannot"):
        write_private_key(ed25519_signer(), missing, passphrase=PASSPHRASE)
    with pytest.raises(InputError, match="cannot read"):
        read_private_key(NAME, missing, passphrase=PASSPHRASE)
    with pytest.raises(InputError, match="cannot read"):
        read_public_key(NAME, missing)
    a_directory = os.path.join(tmp_path, "dir")
    os.mkdir(a_directory)
    with pytest.raises(InputError, match="cannot write"):
        write_public_key(ed25519_signer().verifier, a_directory, overwrite=True)
    assert os.listdir(tmp_path) == ["dir"]
    with pytest.raises(InputError):
        write_private_key("signer", os.path.join(tmp_path, "k"), passphrase=PASSPHRASE)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        write_public_key("verifier", os.path.join(tmp_path, "k"))  # type: ignore[arg-type]


# -- damaged key files ----------------------------------------------------------------------

# The PBES2 encryption scheme of the PEM: AES-256-CBC (OID 2.16.840.1.101.3.4.1.42).
AES_256_CBC_OID = bytes.fromhex("060960864801650304012a")
PEMS = {algorithm: make().private_pem(PASSPHRASE) for algorithm, make in MAKERS.items()}


def pem_body(pem: bytes) -> bytes:
    return base64.b64decode(b"".join(pem.splitlines()[1:-1]), validate=True)


def rewrapped(der: bytes) -> bytes:
    body = base64.b64encode(der)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        b"\n".join(
            [
                b"-----BEGIN ENCRYPTED PRIVATE KEY-----",
                *lines,
                b"-----END ENCRYPTED PRIVATE KEY-----",
            ]
        )
        + b"\n"
    )


def test_the_pem_is_pkcs8_with_aes_256_cbc() -> None:
    # What the next test relies on: the 48-byte Ed25519 PKCS#8 key, padded to four CBC
    # blocks, is the 64-byte OCTET STRING that ends the document.
    der = pem_body(PEMS["ed25519"])
    assert AES_256_CBC_OID in der
    assert der[-66:-64] == b"\x04\x40"


@settings(max_examples=40)
@given(position=st.integers(0, 15), mask=st.integers(1, 255))
def test_a_damaged_ciphertext_block_decrypts_to_another_key_unless_checked(
    tmp_path_factory: pytest.TempPathFactory, position: int, mask: int
) -> None:
    original = ed25519_signer()
    der = bytearray(pem_body(PEMS["ed25519"]))
    # In CBC, a change to ciphertext block 1 garbles the first half of the seed and flips
    # one bit of the second; the padding in block 3 stays intact, so it still decrypts.
    der[-48 + position] ^= mask
    path = tmp_path_factory.mktemp("damaged") / "court.key.pem"
    path.write_bytes(rewrapped(bytes(der)))
    other = read_private_key(NAME, path, passphrase=PASSPHRASE)
    assert other.fingerprint != original.fingerprint
    with pytest.raises(InputError, match="damaged or holds another key") as caught:
        read_private_key(NAME, path, passphrase=PASSPHRASE, expect_fingerprint=original.fingerprint)
    text = caught.value.diagnostics()
    assert original.fingerprint in text
    assert other.fingerprint in text
    assert PASSPHRASE not in text
    for line in path.read_bytes().splitlines()[1:-1]:
        assert line.decode() not in text


@settings(max_examples=150)
@given(
    algorithm=st.sampled_from(sorted(MAKERS)),
    layer=st.sampled_from(["der", "file"]),
    data=st.data(),
)
def test_any_damaged_byte_is_refused_or_loads_the_expected_key(
    tmp_path_factory: pytest.TempPathFactory, algorithm: str, layer: str, data: st.DataObject
) -> None:
    expected = MAKERS[algorithm]().fingerprint
    pem = PEMS[algorithm]
    target = bytearray(pem_body(pem) if layer == "der" else pem)
    position = data.draw(st.integers(0, len(target) - 1), label="position")
    target[position] ^= data.draw(st.integers(1, 255), label="mask")
    damaged = rewrapped(bytes(target)) if layer == "der" else bytes(target)
    path = tmp_path_factory.mktemp("damaged") / "court.key.pem"
    path.write_bytes(damaged)
    try:
        loaded = read_private_key(NAME, path, passphrase=PASSPHRASE)
    except InputError:
        pass  # only the library's error may escape
    else:
        assert loaded.algorithm in ALGORITHMS
    try:
        checked = read_private_key(NAME, path, passphrase=PASSPHRASE, expect_fingerprint=expected)
    except InputError:
        return
    assert checked.fingerprint == expected


def test_every_reader_checks_the_expected_fingerprint(
    signer: Signer, tmp_path: os.PathLike[str]
) -> None:
    stranger = generate_signer(NAME, signer.algorithm).fingerprint
    private = os.path.join(tmp_path, "log.key.pem")
    plain = os.path.join(tmp_path, "plain.pem")
    public = os.path.join(tmp_path, "log.pub.pem")
    write_private_key(signer, private, passphrase=PASSPHRASE)
    write_private_key_unencrypted_insecure(signer, plain)
    write_public_key(signer.verifier, public)
    readers: list[Callable[[str | None], Signer | Verifier]] = [
        lambda fp: read_private_key(NAME, private, passphrase=PASSPHRASE, expect_fingerprint=fp),
        lambda fp: read_private_key_unencrypted_insecure(NAME, plain, expect_fingerprint=fp),
        lambda fp: read_public_key(NAME, public, expect_fingerprint=fp),
        lambda fp: type(signer).from_private_pem(
            NAME, signer.private_pem(PASSPHRASE), passphrase=PASSPHRASE, expect_fingerprint=fp
        ),
        lambda fp: Verifier.from_public_pem(
            NAME, signer.verifier.public_pem(), expect_fingerprint=fp
        ),
    ]
    for read in readers:
        assert read(None).fingerprint == signer.fingerprint
        assert read(signer.fingerprint).fingerprint == signer.fingerprint
        with pytest.raises(InputError, match=f"{signer.fingerprint}, not the expected {stranger}"):
            read(stranger)


@pytest.mark.parametrize(
    "bad",
    ["", "ab" * 31, "ab" * 33, "AB" * 32, "g" * 64, " " + "a" * 63, b"a" * 64, 7, ("a" * 64,)],
)
def test_a_malformed_expected_fingerprint_is_refused_before_decrypting(bad: Any) -> None:
    # The wrong passphrase shows that the argument is judged before the file is.
    with pytest.raises(InputError, match="expect_fingerprint"):
        Signer.from_private_pem(
            NAME, PEMS["ed25519"], passphrase="wrong passphrase", expect_fingerprint=bad
        )
    with pytest.raises(InputError, match="expect_fingerprint"):
        Signer.from_private_pem_unencrypted_insecure(NAME, b"not a key", expect_fingerprint=bad)
    with pytest.raises(InputError, match="expect_fingerprint"):
        Verifier.from_public_pem(NAME, b"not a key", expect_fingerprint=bad)


# -- the key ring ---------------------------------------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TICK = timedelta(microseconds=1)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


@pytest.fixture
def verifier() -> Verifier:
    return ed25519_signer().verifier


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        (at(1) - TICK, "not yet valid"),
        (at(1), None),
        (at(2), None),
        (at(3) - TICK, None),
        (at(3), "expired"),
        (at(4), "expired"),
    ],
)
def test_window_is_half_open(verifier: Verifier, when: datetime, problem: str | None) -> None:
    ring = KeyRing()
    ring.add(verifier, not_before=at(1), not_after=at(3))
    if problem is None:
        assert ring.verifier_at(verifier.fingerprint, when) == verifier
    else:
        with pytest.raises(SignatureError, match=problem) as caught:
            ring.verifier_at(verifier.fingerprint, when)
        message = str(caught.value)
        assert verifier.fingerprint in message
        assert "2026-01-02T00:00:00.000000Z" in message
        assert "2026-01-04T00:00:00.000000Z" in message


@pytest.mark.parametrize(
    ("when", "ok"), [(at(2) - TICK, True), (at(2), False), (at(2) + TICK, False), (at(9), False)]
)
def test_revoked_at_or_before_when(verifier: Verifier, when: datetime, ok: bool) -> None:
    ring = KeyRing([verifier])
    ring.revoke(verifier.fingerprint, at(2))
    if ok:
        assert ring.verifier_at(verifier.fingerprint, when) == verifier
    else:
        with pytest.raises(SignatureError, match="revoked at 2026-01-03"):
            ring.verifier_at(verifier.fingerprint, when)


offsets = st.none() | st.integers(-50, 50)


@settings(max_examples=120)
@given(nb=offsets, na=offsets, rv=offsets, when=st.integers(-60, 60))
def test_window_model(nb: int | None, na: int | None, rv: int | None, when: int) -> None:
    def moment(offset: int | None) -> datetime | None:
        return None if offset is None else T0 + timedelta(seconds=offset)

    verifier = ed25519_signer().verifier
    if nb is not None and na is not None and na <= nb:
        with pytest.raises(InputError, match="not_after"):
            TrustedKey(verifier=verifier, not_before=moment(nb), not_after=moment(na))
        return
    key = TrustedKey(
        verifier=verifier, not_before=moment(nb), not_after=moment(na), revoked_at=moment(rv)
    )
    ring = KeyRing([key])
    valid = (nb is None or nb <= when) and (na is None or when < na) and (rv is None or when < rv)
    instant = T0 + timedelta(seconds=when)
    if valid:
        assert ring.verifier_at(verifier.fingerprint, instant) == verifier
        assert ring.verifiers_at(instant) == (verifier,)
    else:
        with pytest.raises(SignatureError):
            ring.verifier_at(verifier.fingerprint, instant)
        assert ring.verifiers_at(instant) == ()


def test_other_time_zones_are_the_same_instant(verifier: Verifier) -> None:
    beijing = timezone(timedelta(hours=8))
    ring = KeyRing()
    key = ring.add(verifier, not_after=datetime(2026, 1, 1, 8, tzinfo=beijing))
    assert key.not_after == T0
    with pytest.raises(SignatureError, match="expired"):
        ring.verifier_at(verifier.fingerprint, T0)
    assert ring.verifier_at(verifier.fingerprint, datetime(2026, 1, 1, 7, 59, tzinfo=beijing))


def test_naive_datetimes_are_input_errors(verifier: Verifier) -> None:
    naive = datetime(2026, 1, 1)
    ring = KeyRing([verifier])
    with pytest.raises(InputError, match="not_before"):
        ring.add(ed25519_signer("x").verifier, not_before=naive)
    with pytest.raises(InputError, match="not_after"):
        TrustedKey(verifier=verifier, not_after=naive)
    with pytest.raises(InputError, match="when"):
        ring.verifier_at(verifier.fingerprint, naive)
    with pytest.raises(InputError, match="at"):
        ring.revoke(verifier.fingerprint, naive)
    with pytest.raises(InputError):
        ring.verifiers_at(naive)


def test_unknown_fingerprint_is_a_signature_error(verifier: Verifier) -> None:
    ring = KeyRing([verifier])
    other = ecdsa_signer().fingerprint
    with pytest.raises(SignatureError, match=other):
        ring.verifier_at(other, T0)
    with pytest.raises(InputError):
        ring.verifier_at(None, T0)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        ring.revoke(other, T0)
    with pytest.raises(InputError):
        ring[other]


def test_adding_the_same_key_twice(verifier: Verifier) -> None:
    ring = KeyRing()
    first = ring.add(verifier, not_before=at(1))
    assert ring.add(verifier, not_before=at(1)) is first
    with pytest.raises(InputError, match=verifier.fingerprint):
        ring.add(verifier, not_before=at(2))
    with pytest.raises(InputError):
        ring.add(verifier, not_before=at(1), not_after=at(5))
    renamed = ed25519_signer("renamed.example").verifier
    assert renamed.fingerprint == verifier.fingerprint
    with pytest.raises(InputError, match="renamed"):
        ring.add(renamed, not_before=at(1))
    merged = ring.add(TrustedKey(verifier=verifier, not_before=at(1), revoked_at=at(3)))
    assert merged.revoked_at == at(3)
    assert len(ring) == 1


def test_add_rejects_wrong_arguments(verifier: Verifier) -> None:
    ring = KeyRing()
    with pytest.raises(InputError):
        ring.add(SPEC_VKEY)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        ring.add(TrustedKey(verifier=verifier), not_before=T0)
    with pytest.raises(InputError):
        TrustedKey(verifier=SPEC_VKEY)  # type: ignore[arg-type]


def test_revocation_is_never_undone(verifier: Verifier) -> None:
    ring = KeyRing([verifier])
    ring.revoke(verifier.fingerprint, at(5))
    ring.revoke(verifier.fingerprint, at(9))
    assert ring[verifier.fingerprint].revoked_at == at(5)
    ring.revoke(verifier.fingerprint, at(2))
    assert ring[verifier.fingerprint].revoked_at == at(2)


def test_expire_ends_the_window(verifier: Verifier) -> None:
    ring = KeyRing()
    ring.add(verifier, not_before=at(1))
    ring.expire(verifier.fingerprint, at(4))
    ring.expire(verifier.fingerprint, at(6))
    assert ring[verifier.fingerprint].not_after == at(4)
    with pytest.raises(SignatureError, match="expired"):
        ring.verifier_at(verifier.fingerprint, at(4))
    with pytest.raises(InputError, match="not_after"):
        ring.expire(verifier.fingerprint, at(1))


def test_ring_collection_protocol(verifier: Verifier) -> None:
    other = ecdsa_signer().verifier
    ring = KeyRing([verifier, TrustedKey(verifier=other, not_before=at(1))])
    assert len(ring) == 2
    assert list(ring) == [verifier, other]
    assert verifier.fingerprint in ring
    assert other in ring
    assert ed25519_signer("renamed").verifier not in ring
    assert ed25519_signer(seed=bytes(32)).fingerprint not in ring
    assert 42 not in ring
    assert [key.verifier for key in ring.entries()] == [verifier, other]
    ring.revoke(other.fingerprint, at(2))
    assert ring.unrevoked() == (verifier,)
    assert [key.verifier for key in ring.revoked()] == [other]
    assert ring.verifiers_at(at(1.5)) == (verifier, other)
    assert "KeyRing" in repr(ring)

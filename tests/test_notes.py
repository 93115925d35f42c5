"""Tests for legaldelivery.notes: C2SP signed notes.

The specification's example note and verifier key are published facts
(c2sp.org/signed-note); expected notes are otherwise composed here from primitives
(hashlib, base64, cryptography), never by the code under test.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import notes
from legaldelivery.errors import InputError, NoteError
from legaldelivery.keys import (
    EcdsaP256Signer,
    Ed25519Signer,
    KeyRing,
    Signer,
    Verifier,
)
from legaldelivery.notes import MAX_NOTE_BYTES, MAX_SIGNATURES, Note, NoteSignature

EM = "\u2014"

# c2sp.org/signed-note, the specification's example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n"
    "\n"
    f"{EM} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH"
    "3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

# RFC 8032, section 7.1, TEST 1 secret key.
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


def ed(name: str, seed: bytes | None = None) -> Ed25519Signer:
    seed = hashlib.sha256(name.encode()).digest() if seed is None else seed
    return Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(seed))


LOG = ed("court.example/log")
WITNESS = EcdsaP256Signer.generate("witness.example/w1")
STRANGER = ed("stranger.example")
TEXT = "court.example/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nlast line\n"
SIGNED = notes.sign(TEXT, LOG, STRANGER, WITNESS)
TRUSTED = [LOG.verifier, WITNESS.verifier]


def compose(text: str, *lines: tuple[str, bytes, bytes]) -> str:
    """A signed note assembled by hand: text, blank line, one line per signature."""
    out = text + "\n"
    for name, key_id, signature in lines:
        out += f"{EM} {name} {base64.b64encode(key_id + signature).decode()}\n"
    return out


# -- the specification's example and independent composition -------------------------------


def test_the_spec_example_opens() -> None:
    verifier = Verifier.from_vkey(SPEC_VKEY)
    opened = notes.open(SPEC_NOTE, [verifier])
    assert opened.text == "This is an example message.\n"
    assert opened.verified_by == (verifier,)
    (signature,) = opened.signatures
    assert signature.name == "example.com/foo"
    assert signature.key_id.hex() == "530d903a"
    assert len(signature.signature) == 64
    assert signature.line() == SPEC_NOTE.split("\n\n")[1]
    assert notes.open(SPEC_NOTE.encode(), verifier).text == opened.text


def test_the_spec_example_rejects_a_changed_text() -> None:
    verifier = Verifier.from_vkey(SPEC_VKEY)
    with pytest.raises(NoteError, match=r"line 3.*does not verify"):
        notes.open(SPEC_NOTE.replace("example message", "example massage"), [verifier])


def test_sign_matches_a_note_composed_from_primitives() -> None:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    public = key.public_key().public_bytes_raw()
    key_id = hashlib.sha256(b"court.example/log\n\x01" + public).digest()[:4]
    text = "a\n\nb \u2014 c\n"
    expected = compose(text, ("court.example/log", key_id, key.sign(text.encode())))
    assert notes.sign(text, ed("court.example/log", SEED)) == expected


def test_text_may_contain_blank_lines_and_signature_like_lines() -> None:
    text = f"first\n\n{EM} fake AAAAAAE=\n\n\n"
    note = notes.sign(text, LOG)
    assert note.startswith(text + "\n" + EM)
    opened = notes.open(note, [LOG.verifier])
    assert opened.text == text


line_chars = st.characters(codec="utf-8", min_codepoint=0x20) | st.sampled_from(
    [EM, " ", "+", "=", "\u00a0", "\x7f"]
)
texts = st.lists(st.text(line_chars, max_size=30), min_size=1, max_size=6).map(
    lambda lines: "\n".join(lines) + "\n"
)


@settings(max_examples=80)
@given(text=texts)
def test_round_trip(text: str) -> None:
    note = notes.sign(text, LOG, WITNESS)
    opened = notes.open(note, TRUSTED)
    assert opened.text == text
    assert opened.verified_by == (LOG.verifier, WITNESS.verifier)
    assert notes.text_of(note) == text


# -- several signers ------------------------------------------------------------------------


def test_many_signers_some_unknown() -> None:
    signers: list[Signer] = [ed(f"w{i}.example") for i in range(14)]
    signers += [EcdsaP256Signer.generate(f"e{i}.example") for i in range(6)]
    note = notes.sign("checkpoint\n", *signers)
    known = [s.verifier for s in signers[::2]]
    opened = notes.open(note, reversed(known))
    assert opened.verified_by == tuple(known)
    assert [s.name for s in opened.signatures] == [s.name for s in signers]
    assert [s.key_id for s in opened.signatures] == [s.key_id for s in signers]


def test_up_to_the_limit_of_signatures() -> None:
    signers = [ed(f"s{i}") for i in range(MAX_SIGNATURES)]
    note = notes.sign("t\n", *signers)
    assert len(notes.open(note, [signers[-1].verifier]).signatures) == MAX_SIGNATURES
    extra = compose("", (STRANGER.name, b"\x00\x00\x00\x01", b"x")).lstrip("\n")
    with pytest.raises(NoteError, match=f"{MAX_SIGNATURES + 1} signature lines"):
        notes.open(note + extra, [signers[-1].verifier])
    with pytest.raises(InputError, match="at most"):
        notes.sign("t\n", *signers, STRANGER)


def test_duplicate_lines_count_once() -> None:
    line = SIGNED.split("\n\n")[-1].split("\n")[0] + "\n"
    opened = notes.open(SIGNED + line + line, TRUSTED)
    assert opened.verified_by == (LOG.verifier, WITNESS.verifier)
    assert len(opened.signatures) == 5


def test_a_bad_signature_by_a_known_key_rejects_the_note() -> None:
    forged = compose(TEXT, (LOG.name, LOG.key_id, bytes(64)))
    both = SIGNED + forged.split("\n\n")[-1]
    with pytest.raises(NoteError, match=f"line 10: .*{LOG.name}\\+{LOG.key_id.hex()}"):
        notes.open(both, TRUSTED)
    # Well formed (a shorter signature is still base64): only verification catches it.
    short = f"{TEXT}\n{LINE[:-4]}\n"
    assert notes.text_of(short) == TEXT
    with pytest.raises(NoteError, match=r"line 7: .*does not verify"):
        notes.open(short, TRUSTED)


def test_name_and_key_id_must_both_match() -> None:
    # ECDSA key ids do not hash the name: same key id, other name -> an unknown key.
    renamed = Verifier.from_vkey(WITNESS.vkey.replace("witness.example/w1", "other.example", 1))
    assert renamed.key_id == WITNESS.key_id
    note = notes.sign(TEXT, WITNESS)
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        notes.open(note, [renamed])
    impostor = ed(LOG.name, SEED)
    assert impostor.key_id != LOG.key_id
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        notes.open(notes.sign(TEXT, LOG), [impostor.verifier])
    opened = notes.open(notes.sign(TEXT, LOG, impostor), [impostor.verifier])
    assert opened.verified_by == (impostor.verifier,)


def test_unknown_names_the_spec_allows_are_kept() -> None:
    # Not spaces in the spec's sense: a zero-width space (Cf) and DEL are allowed in names.
    odd = f"{EM} a\u200bb\x7f AAAAAAE=\n"
    opened = notes.open(SIGNED + odd, TRUSTED)
    assert opened.signatures[-1].name == "a\u200bb\x7f"
    assert opened.signatures[-1].key_id == bytes(4)


def test_no_trusted_signature() -> None:
    with pytest.raises(NoteError, match=r"no signature by a trusted key.*stranger\.example"):
        notes.open(SIGNED, [])
    with pytest.raises(NoteError, match="and 1 more"):
        notes.open(notes.sign("t\n", *[ed(f"k{i}") for i in range(6)]), [STRANGER.verifier])


# -- which verifiers ------------------------------------------------------------------------


def test_a_key_ring_trusts_its_unrevoked_keys() -> None:
    ring = KeyRing(TRUSTED)
    assert notes.open(SIGNED, ring).verified_by == tuple(TRUSTED)
    ring.revoke(WITNESS.fingerprint, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert notes.open(SIGNED, ring).verified_by == (LOG.verifier,)
    ring.revoke(LOG.fingerprint, datetime(2026, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(NoteError, match="revoked keys are not trusted"):
        notes.open(SIGNED, ring)


def test_verifiers_must_be_verifiers() -> None:
    for bad in (42, SPEC_VKEY, b"bytes", None):
        with pytest.raises(InputError, match="verifiers"):
            notes.open(SIGNED, bad)  # type: ignore[arg-type]
    for bad_note in (42, None, [SIGNED]):
        with pytest.raises(InputError, match="note"):
            notes.open(bad_note, TRUSTED)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"verifiers\[1\].*from_vkey"):
        notes.open(SIGNED, [LOG.verifier, SPEC_VKEY])  # type: ignore[list-item]
    assert notes.open(SIGNED, iter(TRUSTED)).verified_by == tuple(TRUSTED)
    assert notes.open(SIGNED, [LOG.verifier, LOG.verifier]).verified_by == (LOG.verifier,)


def test_two_keys_with_one_name_and_key_id_are_ambiguous() -> None:
    # Two seeds found by search whose Ed25519 keys share the key id 43d72ace under "log".
    one = ed("log", hashlib.sha256(b"collide-81140").digest())
    two = ed("log", hashlib.sha256(b"collide-138356").digest())
    for signer in (one, two):
        public = signer._private_key().public_key().public_bytes_raw()
        assert hashlib.sha256(b"log\n\x01" + public).digest()[:4].hex() == "43d72ace"
    assert one.verifier != two.verifier
    with pytest.raises(InputError, match="43d72ace"):
        notes.open(notes.sign("t\n", one), [one.verifier, two.verifier])
    # With only the other key trusted, the signature is by a known key and must verify.
    with pytest.raises(NoteError, match="does not verify"):
        notes.open(notes.sign("t\n", one), [two.verifier])


# -- malformed notes ------------------------------------------------------------------------

LINE = SIGNED.split("\n\n")[-1].split("\n")[0]
SIG64 = LINE.split(" ")[2]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "line 1: .*end with a newline"),
        ("\n", "no blank line"),
        ("\n\n", "line 2: a blank line ends the note"),
        ("text\n", "no blank line"),
        (f"text\n{LINE}\n", "no blank line"),
        (f"text\n\n{LINE}", "line 3: .*end with a newline"),
        (f"text\n\n{LINE}\n\n", "line 4: a blank line ends the note"),
        (f"text\r\n\n{LINE}\n", r"line 1: control character U\+000D \(carriage return\)"),
        (f"text\n\n{LINE}\r\n", r"line 3: control character U\+000D"),
        (f"te\txt\n\n{LINE}\n", r"line 1: control character U\+0009 \(tab\)"),
        (f"a\nb\x00\n\n{LINE}\n", r"line 2: control character U\+0000 \(NUL\)"),
        (f"a\n\n{LINE}\n\x1b\n", r"line 4: control character U\+001B"),
        (f"a\nb\ud800\n\n{LINE}\n", "line 2: .*lone surrogate"),
        (f"a\n\n- court.example/log {SIG64}\n", "line 3: .*em dash"),
        (f"a\n\n{EM}court.example/log {SIG64}\n", "line 3: .*em dash"),
        (f"a\n\n {LINE}\n", "line 3: .*em dash"),
        (f"a\n\n{EM} court.example/log\n", "line 3: expected"),
        (f"a\n\n{EM} court.example/log \n", "line 3: .*4-byte key id"),
        (f"a\n\n{EM}  {SIG64}\n", "line 3: expected"),
        (f"a\n\n{EM} a+b {SIG64}\n", "line 3: expected"),
        (f"a\n\n{EM} a\u00a0b {SIG64}\n", "line 3: expected"),
        (f"a\n\n{EM} court.example/log  {SIG64}\n", "line 3: .*base64"),
        (f"a\n\n{EM} court.example/log {SIG64} \n", "line 3: .*base64"),
        (f"a\n\n{EM} court.example/log {SIG64.rstrip('=')}\n", "line 3: .*base64"),
        (f"a\n\n{EM} court.example/log {SIG64[:9]}*{SIG64[10:]}\n", "line 3: .*base64"),
        (f"a\n\n{EM} court.example/log AAAAAA==\n", "line 3: .*4-byte key id"),
        (f"a\nb\nc\n\n{LINE}\n{EM} x\n", "line 6: expected"),
    ],
)
def test_malformed_notes_name_the_line(note: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        notes.open(note, TRUSTED)
    with pytest.raises(NoteError):
        notes.text_of(note)


def test_invalid_utf8_names_the_line() -> None:
    with pytest.raises(NoteError, match=r"line 2: .*UTF-8"):
        notes.open(b"ok\nbad \xff\n\n" + LINE.encode() + b"\n", TRUSTED)
    with pytest.raises(NoteError, match=r"line 1: .*UTF-8"):
        notes.open(b"\xed\xa0\x80\n\n" + LINE.encode() + b"\n", TRUSTED)


def test_notes_larger_than_the_bound_are_rejected() -> None:
    overhead = len(notes.sign("\n", LOG).encode()) - 1
    fits = "x" * (MAX_NOTE_BYTES - overhead - 1) + "\n"
    note = notes.sign(fits, LOG)
    assert len(note.encode()) == MAX_NOTE_BYTES
    assert notes.open(note, [LOG.verifier]).text == fits
    assert notes.open(note.encode(), [LOG.verifier]).text == fits
    with pytest.raises(InputError, match=str(MAX_NOTE_BYTES)):
        notes.sign("x" + fits, LOG)
    too_big = "x" + note
    with pytest.raises(NoteError, match=str(MAX_NOTE_BYTES)):
        notes.open(too_big, [LOG.verifier])
    with pytest.raises(NoteError, match=str(MAX_NOTE_BYTES)):
        notes.open(too_big.encode(), [LOG.verifier])
    with pytest.raises(NoteError, match=str(MAX_NOTE_BYTES)):
        notes.open("x" * MAX_NOTE_BYTES + "\n\n" + LINE + "\n", [LOG.verifier])
    wide = "\u00e9" * (MAX_NOTE_BYTES // 2) + "\n\n" + LINE + "\n"
    with pytest.raises(NoteError, match=str(MAX_NOTE_BYTES)):
        notes.open(wide, [LOG.verifier])


# -- tampering ------------------------------------------------------------------------------

SIGNED_BYTES = SIGNED.encode()
SIG_LINES = SIGNED.split("\n\n")[-1].splitlines(keepends=True)


def _mutate(data: st.DataObject) -> str | bytes:
    kind = data.draw(
        st.sampled_from(["flip", "drop", "duplicate", "swap", "text", "insert", "truncate"])
    )
    if kind == "flip":
        index = data.draw(st.integers(0, len(SIGNED_BYTES) - 1))
        bit = data.draw(st.integers(0, 7))
        flipped = bytearray(SIGNED_BYTES)
        flipped[index] ^= 1 << bit
        return bytes(flipped)
    if kind in ("drop", "duplicate", "swap"):
        lines = list(SIG_LINES)
        i = data.draw(st.integers(0, len(lines) - 1))
        j = data.draw(st.integers(0, len(lines) - 1))
        if kind == "drop":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(j, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return TEXT + "\n" + "".join(lines)
    if kind == "text":
        index = data.draw(st.integers(0, len(TEXT)))
        char = data.draw(st.characters(codec="utf-8"))
        return TEXT[:index] + char + TEXT[index:] + SIGNED[len(TEXT) :]
    if kind == "insert":
        index = data.draw(st.integers(0, len(SIGNED)))
        piece = data.draw(st.text(max_size=5) | st.sampled_from(["\n", "\n\n", EM + " ", "="]))
        return SIGNED[:index] + piece + SIGNED[index:]
    return SIGNED_BYTES[: data.draw(st.integers(0, len(SIGNED_BYTES) - 1))]


@settings(max_examples=300)
@given(data=st.data())
def test_every_mutation_is_rejected_or_harmless(data: st.DataObject) -> None:
    mutated = _mutate(data)
    try:
        opened = notes.open(mutated, TRUSTED)
    except NoteError:
        return
    assert opened.text == TEXT
    assert opened.verified_by


@settings(max_examples=100)
@given(index=st.integers(0, len(TEXT) - 1), char=st.characters(codec="utf-8"))
def test_any_change_to_the_text_is_rejected(index: int, char: str) -> None:
    changed = TEXT[:index] + char + TEXT[index + 1 :]
    if changed == TEXT:
        return
    with pytest.raises(NoteError):
        notes.open(changed + SIGNED[len(TEXT) :], [LOG.verifier])


# -- signing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "newline"),
        ("no newline", "newline"),
        ("a\r\n", r"line 1.*U\+000D"),
        ("a\nb\tc\n", r"line 2.*U\+0009"),
        ("a\n\ud800\n", "line 2.*surrogate"),
        (b"bytes\n", "str"),
        (None, "str"),
    ],
)
def test_sign_rejects_invalid_texts(text: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        notes.sign(text, LOG)  # type: ignore[arg-type]


def test_sign_checks_its_signers() -> None:
    with pytest.raises(InputError, match="at least one"):
        notes.sign("t\n")
    with pytest.raises(InputError, match="twice"):
        notes.sign("t\n", LOG, WITNESS, LOG)
    with pytest.raises(InputError, match=r"signers\[1\]"):
        notes.sign("t\n", LOG, LOG.verifier)  # type: ignore[arg-type]


def test_note_signature_validates() -> None:
    assert NoteSignature(name="n", key_id=b"1234", signature=b"s").line() == (
        f"{EM} n {base64.b64encode(b'1234s').decode()}\n"
    )
    for bad in (
        {"name": "", "key_id": b"1234", "signature": b"s"},
        {"name": "a b", "key_id": b"1234", "signature": b"s"},
        {"name": 7, "key_id": b"1234", "signature": b"s"},
        {"name": "\ud800", "key_id": b"1234", "signature": b"s"},
        {"name": "n", "key_id": b"123", "signature": b"s"},
        {"name": "n", "key_id": "1234", "signature": b"s"},
        {"name": "n", "key_id": b"1234", "signature": b""},
        {"name": "n", "key_id": b"1234", "signature": "s"},
    ):
        with pytest.raises(InputError):
            NoteSignature(**bad)


def test_note_is_a_frozen_record() -> None:
    opened = notes.open(SIGNED, TRUSTED)
    assert isinstance(opened, Note)
    with pytest.raises(AttributeError):
        opened.text = "changed"  # type: ignore[misc]

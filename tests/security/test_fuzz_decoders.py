"""Fuzz every decoder of hostile input: only the library's own errors may escape.

Each test feeds a decoder random bytes and mutations of a valid input (bytes flipped,
inserted, deleted, duplicated; JSON, base64 and MIME fragments spliced in) and checks
that it either succeeds or raises a :class:`~legaldelivery.errors.LegalDeliveryError`.
Where a decoder succeeds on a mutated input, the tests also check what must then hold:
round trips are exact, and signed content cannot change unnoticed. ``fuzz/`` has the same
targets as atheris harnesses for longer runs.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import canonical, codec, notes
from legaldelivery.audit import audit_log
from legaldelivery.channels.mail_reports import parse_dsn, parse_mdn, parse_report
from legaldelivery.checkpoint import Checkpoint, open_checkpoint
from legaldelivery.errors import LegalDeliveryError
from legaldelivery.keys import Ed25519Signer, Signer, Verifier
from legaldelivery.log import EvidenceLog, LogEntry
from legaldelivery.log.jsonl import JsonlStore, recover
from legaldelivery.testing.fakes import sample_records
from legaldelivery.witness import CosignatureVerifier, Cosigner, Witness, WitnessPolicy

ORIGIN = "court.example/fuzz"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
KEY = Ed25519Signer.generate(ORIGIN)
COSIGNER = Cosigner.generate("notary.example/w1")

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _log() -> EvidenceLog:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY, clock=lambda: T0)
    log.append_many(sample_records()[:4])
    return log


LOG = _log()
ENTRIES = [entry.data for entry in LOG.entries()]
JSONL = b"".join(data + b"\n" for data in ENTRIES)
NOTE = LOG.checkpoint()
RECORD = codec.dumps(sample_records()[1])
COSIGNED = NOTE + COSIGNER.cosign(notes.text_of(NOTE), at=T0).line()
PEM_PUBLIC = KEY.verifier.public_pem()
PEM_PRIVATE = KEY.private_pem("correct horse battery staple")

MDN = (
    b"From: li.wei@example.com\r\nMessage-ID: <mdn1@example.com>\r\n"
    b"Date: Mon, 2 Mar 2026 10:15:00 +0800\r\n"
    b'Content-Type: multipart/report; report-type=disposition-notification; boundary="x"\r\n'
    b"\r\n--x\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n"
    b"--x\r\nContent-Type: message/disposition-notification\r\n\r\n"
    b"Reporting-UA: mail.example.com; ExampleMail\r\n"
    b"Final-Recipient: rfc822; li.wei@example.com\r\n"
    b"Original-Message-ID: <ab12@court.example>\r\n"
    b"Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--x--\r\n"
)
DSN = (
    b"From: postmaster@mx.example.net\r\nMessage-ID: <bounce7@mx.example.net>\r\n"
    b"Date: Tue, 3 Mar 2026 08:00:00 +0000\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="y"\r\n'
    b"\r\n--y\r\nContent-Type: text/plain\r\n\r\nThe mailbox does not exist.\r\n"
    b"--y\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.net\r\nOriginal-Envelope-Id: cd34+40court.example\r\n\r\n"
    b"Final-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    b"Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
    b"Final-Recipient: rfc822; later@example.net\r\nAction: delayed\r\nStatus: 4.4.1\r\n"
    b"\r\n--y\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    b"Message-ID: <cd34@court.example>\r\nSubject: Summons\r\n\r\n--y--\r\n"
)

# Fragments that tend to reach the corners of JSON, base64, notes and MIME parsers.
TOKENS = [
    b'"', b"\\", b"\\u", b"\\ud800", b"\\udc00", b"\\u0000", b"{", b"}", b"[", b"]", b",",
    b":", b"1e999", b"-0", b"0.0", b"1" * 30, b"\xff", b"\xc0\x80", b"\xed\xa0\x80",
    b"\xef\xbb\xbf", b"\n", b"\r\n", b"\r", b"\x00", b"\t", "\u2014 ".encode(), b"+", b"=",
    b"==", b"null", b"true", b'"type"', b'"seq":', b"--x", b"--y--", b"\r\n\r\n",
    b"Content-Type: multipart/report; boundary=", b"=?utf-8?b?", b"; ", b"\x80",
    b"[" * 50, b"{\"a\":" * 20,
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` after one to six random edits."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "token", "dup", "cut"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "dup":
            end = min(len(data), at + draw(st.integers(1, 64)))
            data[at:at] = data[at:end]
        elif op == "cut":
            del data[at:]
    return bytes(data)


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=400), mutated(seed))


def texts(seed: bytes) -> st.SearchStrategy[str]:
    raw = inputs(seed).map(lambda b: b.decode("utf-8", "surrogateescape"))
    return st.one_of(raw, st.text(max_size=200))


def library_errors_only(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call; a library error counts as a refusal (None); anything else escapes the test."""
    try:
        return call(*args, **kwargs)
    except LegalDeliveryError:
        return None


# -- canonical JSON, entries, records --------------------------------------------------------


@FUZZ
@given(data=st.one_of(inputs(ENTRIES[1]), inputs(RECORD), inputs(b'{"a":[1,{"b":null}]}')))
def test_canonical_loads(data: bytes) -> None:
    value = library_errors_only(canonical.loads, data)
    if value is not None:
        # Whatever it accepts, it writes back canonically and reads back the same.
        assert canonical.loads(canonical.dumps(value)) == value
    strict = library_errors_only(canonical.loads_canonical, data)
    if strict is not None:
        assert canonical.dumps(strict) == data


@FUZZ
@given(data=inputs(ENTRIES[2]))
def test_log_entry_parse(data: bytes) -> None:
    entry = library_errors_only(LogEntry.parse, data)
    if entry is not None:
        assert entry.data == data
        assert canonical.dumps(entry.to_json()) == data
        if data != ENTRIES[2]:
            with pytest.raises(LegalDeliveryError):
                KEY.verifier.verify(entry.signature, entry.signed_bytes())


@FUZZ
@given(data=inputs(RECORD))
def test_codec_loads(data: bytes) -> None:
    record = library_errors_only(codec.loads, data)
    if record is not None:
        assert codec.loads(codec.dumps(record)) == record


# -- notes, checkpoints, keys ----------------------------------------------------------------


@FUZZ
@given(data=inputs(NOTE.encode()))
def test_notes_open(data: bytes) -> None:
    library_errors_only(notes.text_of, data)
    opened = library_errors_only(notes.open, data, [KEY.verifier])
    if opened is not None:
        # A note that still verifies says exactly what was signed.
        assert opened.text == notes.text_of(NOTE)
    as_text = data.decode("utf-8", "surrogateescape")
    library_errors_only(notes.open, as_text, [KEY.verifier])
    library_errors_only(open_checkpoint, as_text, [KEY.verifier], origin=ORIGIN)


@FUZZ
@given(text=texts(notes.text_of(NOTE).encode()))
def test_checkpoint_from_text(text: str) -> None:
    checkpoint = library_errors_only(Checkpoint.from_text, text)
    if checkpoint is not None:
        assert checkpoint.to_text() == text


@FUZZ
@given(text=st.one_of(texts(KEY.vkey.encode()), texts(COSIGNER.vkey.encode())))
def test_verifier_keys(text: str) -> None:
    verifier = library_errors_only(Verifier.from_vkey, text)
    if verifier is not None:
        assert verifier.vkey == text
    cosigner = library_errors_only(CosignatureVerifier.from_vkey, text)
    if cosigner is not None:
        assert cosigner.vkey == text


@FUZZ
@given(public=inputs(PEM_PUBLIC), private=inputs(PEM_PRIVATE))
def test_pem_documents(public: bytes, private: bytes) -> None:
    library_errors_only(Verifier.from_public_pem, ORIGIN, public)
    library_errors_only(Signer.from_private_pem_unencrypted_insecure, ORIGIN, private)
    signer = library_errors_only(
        Signer.from_private_pem, ORIGIN, private, passphrase="correct horse battery staple"
    )
    if signer is not None:
        # Not necessarily KEY: PBES2 (AES-CBC) has no integrity check, and a corrupted
        # file may decrypt to another valid Ed25519 key. It is a usable key all the same.
        assert signer.verifier.verify(signer.sign(b"x"), b"x") is None


@FUZZ
@given(data=inputs(COSIGNED.encode()))
def test_cosigned_notes(data: bytes) -> None:
    policy = WitnessPolicy(witnesses=[COSIGNER.verifier], quorum=1)
    checked = library_errors_only(policy.verify, data, [KEY.verifier])
    if checked is not None:
        assert checked.note.text == notes.text_of(NOTE)


# -- JSON Lines files --------------------------------------------------------------------------


@contextlib.contextmanager
def written(data: bytes) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        path.write_bytes(data)
        yield path


@settings(FUZZ, max_examples=150)
@given(data=inputs(JSONL))
def test_jsonl_files(data: bytes) -> None:
    with written(data) as path:
        report = library_errors_only(audit_log, path, [KEY.verifier], NOTE)
        if report is not None and report.ok:
            # The checkpoint commits to every byte: a clean audit means an unchanged file.
            assert path.read_bytes() == JSONL
        store = library_errors_only(JsonlStore.open, path, read_only=True)
        if store is not None:
            store.close()
        library_errors_only(JsonlStore.open, path, origin=ORIGIN)
        torn = library_errors_only(recover, path)
        if torn is not None:
            assert path.read_bytes().endswith(b"\n") or path.stat().st_size == 0


# -- witness state -------------------------------------------------------------------------


@settings(FUZZ, max_examples=120)
@given(data=st.data())
def test_witness_state_files(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        witness = Witness(
            COSIGNER, logs={ORIGIN: [KEY.verifier]}, state_dir=folder, clock=lambda: T0
        )
        witness.add_checkpoint(LOG.checkpoint(2), old_size=0, proof=[])
        (path,) = (p for p in Path(folder).iterdir() if p.suffix == ".json")
        path.write_bytes(data.draw(inputs(path.read_bytes()), label="state"))
        state = library_errors_only(witness.state, ORIGIN)
        if state is not None:
            assert state.checkpoint.size == 2
        library_errors_only(
            witness.add_checkpoint, NOTE, old_size=2, proof=LOG.consistency_proof(2)
        )


# -- channel reports -------------------------------------------------------------------------


@FUZZ
@given(data=st.one_of(inputs(DSN), inputs(MDN)))
def test_mail_reports(data: bytes) -> None:
    for parse in (parse_report, parse_dsn, parse_mdn):
        reports = library_errors_only(parse, data, received_at=T0)
        if reports is not None:
            assert isinstance(reports, list)


def test_the_seed_inputs_are_valid() -> None:
    """The mutations start from inputs every decoder accepts (or the fuzzing is shallow)."""
    assert canonical.loads_canonical(ENTRIES[2])
    assert LogEntry.parse(ENTRIES[2]).seq == 2
    assert codec.loads(RECORD) == sample_records()[1]
    assert notes.open(NOTE, [KEY.verifier]).text.startswith(ORIGIN)
    assert WitnessPolicy(witnesses=[COSIGNER.verifier], quorum=1).verify(COSIGNED, [KEY.verifier])
    assert len(parse_report(DSN, received_at=T0)) == 1
    assert len(parse_report(MDN, received_at=T0)) == 1
    assert Signer.from_private_pem(ORIGIN, PEM_PRIVATE, passphrase="correct horse battery staple")
    with written(JSONL) as path:
        assert audit_log(path, [KEY.verifier], NOTE).ok

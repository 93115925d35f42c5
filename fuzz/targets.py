"""Fuzz targets: every decoder of hostile input, each with the seeds it starts from.

Each target takes raw bytes, hands them to one decoder, and returns normally when the
decoder accepts them or refuses them with a library error
(:class:`legaldelivery.errors.LegalDeliveryError`). Any other exception escapes: that is
the bug a fuzzer looks for. ``run.py`` drives them with atheris, or replays files.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from legaldelivery import canonical, codec, notes
from legaldelivery.audit import audit_log
from legaldelivery.audit.bundle import ProofBundle, audit_bundle, extract_bundle
from legaldelivery.channels.mail_reports import parse_report
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.equivocation import EquivocationEvidence, check_consistency
from legaldelivery.errors import LegalDeliveryError
from legaldelivery.keys import Ed25519Signer, Verifier
from legaldelivery.log import EvidenceLog, LogEntry
from legaldelivery.log.jsonl import JsonlStore, recover
from legaldelivery.testing.fakes import sample_order, sample_records
from legaldelivery.timestamp import TimestampRequest, TimestampToken
from legaldelivery.witness import CosignatureVerifier, Cosigner, WitnessPolicy

ORIGIN = "court.example/fuzz"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
# A fixed key: seeds stay the same from run to run, so a corpus stays meaningful.
KEY = Ed25519Signer.from_private_pem_unencrypted_insecure(
    ORIGIN,
    b"-----BEGIN PRIVATE KEY-----\n"
    b"MC4CAQAwBQYDK2VwBCIEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n"
    b"-----END PRIVATE KEY-----\n",
)
COSIGNER = Cosigner(
    Ed25519Signer.from_private_pem_unencrypted_insecure(
        "notary.example/w1",
        b"-----BEGIN PRIVATE KEY-----\n"
        b"MC4CAQAwBQYDK2VwBCIEIAICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC\n"
        b"-----END PRIVATE KEY-----\n",
    )
)
POLICY = WitnessPolicy(witnesses=[COSIGNER.verifier], quorum=1)


def _log() -> EvidenceLog:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY, clock=lambda: T0)
    log.append_many(sample_records())
    return log


LOG = _log()


@contextlib.contextmanager
def _file(data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        path.write_bytes(data)
        yield path


def _jsonl(data: bytes) -> None:
    with _file(data) as path:
        audit_log(path, [KEY.verifier])
    with _file(data) as path:
        JsonlStore.open(path, read_only=True).close()
    with _file(data) as path:
        recover(path)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _equivocation(data: bytes) -> None:
    EquivocationEvidence.from_json(data).verify([KEY.verifier])


def _consistency(data: bytes) -> None:
    # Two notes and a proof, split at the first NUL bytes.
    first, _, rest = data.partition(b"\0")
    second, _, proof = rest.partition(b"\0")
    hashes = [proof[i : i + 32] for i in range(0, len(proof) - 31, 32)]
    check_consistency(_text(first), _text(second), [KEY.verifier], hashes)


# The checkpoint the timestamp seeds stamp (made by the test suite's local TSA).
STAMPED = Checkpoint(ORIGIN, 5, bytes(32))


def _timestamp_token(data: bytes) -> None:
    token = TimestampToken(der=data)
    # Its own certificates as the trust anchors: every check after parsing is reached.
    token.verify(STAMPED, trusted=token.certificates)


TARGETS: dict[str, Callable[[bytes], object]] = {
    "canonical": canonical.loads,
    "canonical_strict": canonical.loads_canonical,
    "entry": LogEntry.parse,
    "codec": codec.loads,
    "jsonl": _jsonl,
    "note": lambda data: notes.open(data, [KEY.verifier]),
    "checkpoint": lambda data: Checkpoint.from_text(_text(data)),
    "vkey": lambda data: Verifier.from_vkey(_text(data)),
    "cosigner_vkey": lambda data: CosignatureVerifier.from_vkey(_text(data)),
    "cosigned_note": lambda data: POLICY.verify(data, [KEY.verifier]),
    "equivocation": _equivocation,
    "consistency": _consistency,
    "timestamp_token": _timestamp_token,
    "timestamp_response": lambda data: TimestampRequest.for_checkpoint(STAMPED).read_response(data),
    "mail_report": lambda data: parse_report(data, received_at=T0),
    "bundle": lambda data: audit_bundle(data, [KEY.verifier]),
    "bundle_shape": ProofBundle.from_bytes,
}


_DSN = (
    b"From: postmaster@mx.example.net\r\nMessage-ID: <bounce7@mx.example.net>\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="y"\r\n'
    b"\r\n--y\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.net\r\nOriginal-Envelope-Id: cd34+40court.example\r\n\r\n"
    b"Final-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    b"\r\n--y--\r\n"
)


def _files(name: str) -> list[bytes]:
    """Seeds kept as files (tokens made by the test suite's local TSA)."""
    folder = Path(__file__).resolve().parent / "seeds" / name
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def _seeds() -> dict[str, list[bytes]]:
    entries = [entry.data for entry in LOG.entries()]
    note = LOG.checkpoint(5)
    cosigned = note + COSIGNER.cosign(notes.text_of(note), at=T0).line()
    other = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY, clock=lambda: T0)
    other.append_many(list(reversed(sample_records())))
    try:
        check_consistency(note, other.checkpoint(), [KEY.verifier], proofs=other)
        evidence = b"{}"
    except LegalDeliveryError as exc:
        evidence = exc.evidence.to_json() if hasattr(exc, "evidence") else b"{}"
    bundle = extract_bundle(LOG, sample_order().order_id, checkpoint=LOG.checkpoint())
    proof = b"".join(LOG.consistency_proof(5))
    return {
        "canonical": [*entries[:2], b'{"a":[1,2.5,"\\u00e9",null,true]}'],
        "canonical_strict": entries[:2],
        "entry": entries[:3],
        "codec": [codec.dumps(record) for record in sample_records()[:3]],
        "jsonl": [b"".join(e + b"\n" for e in entries)],
        "note": [note.encode()],
        "checkpoint": [notes.text_of(note).encode()],
        "vkey": [KEY.vkey.encode()],
        "cosigner_vkey": [COSIGNER.vkey.encode()],
        "cosigned_note": [cosigned.encode()],
        "equivocation": [evidence],
        "consistency": [note.encode() + b"\0" + LOG.checkpoint().encode() + b"\0" + proof],
        "timestamp_token": _files("timestamp_token"),
        "timestamp_response": _files("timestamp_response"),
        "mail_report": [_DSN],
        "bundle": [bundle.to_bytes()],
        "bundle_shape": [bundle.to_bytes()],
    }


SEEDS = _seeds()


def run(name: str, data: bytes) -> None:
    """Run target ``name`` on ``data``; only a non-library exception escapes."""
    with contextlib.suppress(LegalDeliveryError):
        TARGETS[name](data)

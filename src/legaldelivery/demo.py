"""The demonstration behind ``legaldelivery demo``: record a service, prove it, audit it.

It tells the library's founding story with :mod:`legaldelivery.testing.fakes`: a court
serves a defendant in Pakistan over WeChat; every step is appended to a signed evidence
log; the court rotates its key halfway; a checkpoint and an inclusion proof show that the
order is in the log; the export verifies offline; a one-byte change is caught.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

from legaldelivery import merkle, notes
from legaldelivery.audit import audit_log
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.keys import Ed25519Signer, write_public_key
from legaldelivery.log import EvidenceLog
from legaldelivery.records import DeliveryOrder
from legaldelivery.testing.fakes import sample_records

__all__ = ["run_demo"]

ORIGIN = "donggang.court.example/service-log"


@contextmanager
def _folder(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="legaldelivery-demo-") as tmp:
        yield Path(tmp)


def run_demo(*, out: TextIO, workdir: Path | None = None) -> int:
    """Run the demonstration, printing to ``out``; return 0 when every check held."""

    def say(text: str = "") -> None:
        print(text, file=out)

    start = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    ticks = iter(range(1_000_000))

    def clock() -> datetime:
        return start + timedelta(seconds=next(ticks))

    first_key = Ed25519Signer.generate(ORIGIN)
    second_key = Ed25519Signer.generate(ORIGIN)
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=first_key, clock=clock)

    say("legaldelivery demo: serving a defendant in Pakistan over WeChat")
    say("=" * 64)
    order_seq = -1
    for i, record in enumerate(sample_records()):
        if i == 4:
            rotation = log.rotate_key(second_key, reason="scheduled rotation", event_id="key-2")
            nxt = second_key.fingerprint[:16]
            say(f"  entry {rotation.seq}: key-rotation/v1 -> next key {nxt}...")
        entry = log.append(record)
        if isinstance(record, DeliveryOrder):
            order_seq = entry.seq
        say(f"  entry {entry.seq}: {entry.record_type:<22} signed by {entry.signer[:16]}...")
    say(f"{log.size} entries; Merkle root {log.root_hash().hex()}")

    note = log.checkpoint()
    checkpoint = Checkpoint.from_text(notes.open(note, [second_key.verifier]).text)
    say()
    say("Signed checkpoint (C2SP tlog-checkpoint in a signed note):")
    for line in note.splitlines():
        say(f"  {line}")

    order_bytes = log.store.read_entry(order_seq)
    proof = log.inclusion_proof(order_seq, checkpoint.size)
    merkle.verify_inclusion(
        merkle.leaf_hash(order_bytes), order_seq, checkpoint.size, proof, checkpoint.root_hash
    )
    say()
    say(
        f"The delivery order (entry {order_seq}) is in the checkpointed tree: "
        f"inclusion proof of {len(proof)} hashes verified."
    )
    older = log.root_hash(3)
    merkle.verify_consistency(
        3, checkpoint.size, older, checkpoint.root_hash, log.consistency_proof(3)
    )
    say(
        f"The log at size 3 is a prefix of the log at size {checkpoint.size}: consistency verified."
    )

    ok = True
    with _folder(workdir) as folder:
        export = folder / "service-log.jsonl"
        log.export_jsonl(export, overwrite=True)
        (folder / "checkpoint.txt").write_text(note, encoding="utf-8")
        write_public_key(first_key.verifier, folder / "court.pub.pem", overwrite=True)
        (folder / "court.vkey").write_text(first_key.vkey + "\n", encoding="utf-8")
        say()
        say(f"Exported to {export.name}; auditing it offline, trusting only the first key:")
        report = audit_log(export, trusted=[first_key.verifier], checkpoint=note)
        say("  " + report.summary().replace("\n", "\n  "))
        ok = ok and report.ok

        raw = bytearray(export.read_bytes())
        raw[raw.index(b"Defendant One") + 10] ^= 0x01
        tampered = folder / "tampered.jsonl"
        tampered.write_bytes(bytes(raw))
        say()
        say("The same export with one byte of the order changed:")
        bad = audit_log(tampered, trusted=[first_key.verifier], checkpoint=note)
        say("  " + bad.summary().replace("\n", "\n  "))
        ok = ok and not bad.ok
        say()
        say("Verify it yourself:")
        say(f"  legaldelivery verify {export} --key {folder / 'court.vkey'} \\")
        say(f"      --checkpoint {folder / 'checkpoint.txt'}")
        if workdir is None:
            say("  (pass --dir DIR to keep these files)")
    say()
    say("demo complete: every check held" if ok else "demo FAILED: a check did not hold")
    return 0 if ok else 1

"""The demonstration behind ``legaldelivery demo``: serve, determine, prove, certify.

It runs the library's founding story end to end, offline and with no configuration: a
court in Donggang, China serves a complaint, evidence and a summons on a defendant in
Pakistan through its WeChat account (a simulated :class:`~legaldelivery.channels.
MemoryChannel`), and the same documents on a second defendant in Australia. The first
defendant reads them and files his defence over WeChat. The delivery service logs every
step in a SQLite evidence log; the rules determine the time of service and the 30-day
defence deadline; the log is audited; the first defendant's proof-of-service bundle is
extracted, verified on its own, and its certificate printed.

The demo writes into its folder: ``evidence.sqlite`` (the log), ``court.vkey`` (the
court's verifier key) and ``court.pub.pem``, ``checkpoint.txt`` (a signed checkpoint),
``bundle.json`` (the bundle of the first order) and ``certificate.html``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

import attrs

from legaldelivery import codec, rules
from legaldelivery.audit import audit_log
from legaldelivery.audit.bundle import audit_bundle, extract_bundle, verify_bundle
from legaldelivery.audit.certificate import record_events
from legaldelivery.channels import Behaviour, MemoryChannel
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant
from legaldelivery.keys import Ed25519Signer, Verifier, write_public_key
from legaldelivery.log import EvidenceLog
from legaldelivery.records import (
    Address,
    Consent,
    ConsentGround,
    ConsentRecorded,
    DeliveryOrder,
    Digest,
    DocumentKind,
    Party,
    PartyRole,
    ReplyAct,
    ServiceDetermination,
    VerificationMethod,
)
from legaldelivery.service import DeliveryService, Phase
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order, sample_records

__all__ = ["DEMO_FILES", "ORIGIN", "run_demo"]

ORIGIN = "donggang.court.example/service-log"
"""The demo log's origin (and its key's name)."""

DEMO_FILES = (
    "evidence.sqlite",
    "court.vkey",
    "court.pub.pem",
    "checkpoint.txt",
    "bundle.json",
    "certificate.html",
)
"""The files the demo writes into its folder."""

_START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Donggang


@contextmanager
def _folder(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="legaldelivery-demo-") as tmp:
        yield Path(tmp)


def _second_order() -> tuple[DeliveryOrder, Consent]:
    """The second defendant, in Australia, served the same documents the same way."""
    first = sample_order()
    address = Address(
        channel="wechat",
        handle="o6_bmjrAUdefendant2xYz0QkT9w",
        verification=VerificationMethod.RECIPIENT_CONFIRMED,
        verified_at=_START - timedelta(days=2),
    )
    order = attrs.evolve(
        first,
        order_id="order-2026-0002",
        recipient=Party(
            party_id="defendant-2", name="Defendant Two", role=PartyRole.DEFENDANT, country="AU"
        ),
        channels=(address,),
    )
    consent = Consent(
        consent_id="consent-2",
        party_id="defendant-2",
        channels=("wechat",),
        document_kinds=tuple(DocumentKind),
        ground=ConsentGround.EXPRESS_CONSENT,
        granted_at=_START - timedelta(days=2),
        evidence_digest=Digest.of(b"service-address confirmation form of defendant 2, signed"),
    )
    return order, consent


def run_demo(*, out: TextIO, workdir: Path | None = None) -> int:
    """Run the demonstration, printing to ``out``; return 0 when every check held.

    ``workdir`` keeps the files (it is created if needed); by default they go to a
    temporary folder that is removed afterwards. An existing ``evidence.sqlite`` there
    is an :class:`InputError`: the demo never overwrites a log.

    >>> import io
    >>> out = io.StringIO()
    >>> run_demo(out=out)
    0
    >>> out.getvalue().splitlines()[-1]
    'demo complete: every check held'

    .. versionadded:: 0.1.0
    """

    def say(text: str = "") -> None:
        print(text, file=out)

    if workdir is not None and (workdir / "evidence.sqlite").exists():
        raise InputError(
            "holds an evidence.sqlite already: the demo never overwrites a log; "
            "choose another folder",
            path=str(workdir),
        )
    now = _START

    def clock() -> datetime:
        return now

    court_key = Ed25519Signer.generate(ORIGIN)
    wechat = MemoryChannel(
        "wechat",
        [
            Behaviour.delivered(
                arrive_after=timedelta(minutes=2),
                read_after=timedelta(minutes=44),
                reply_after=timedelta(hours=5),
                reply_act=ReplyAct.ACKNOWLEDGEMENT,
                file_after=timedelta(days=12),
            ),
            Behaviour.delivered(arrive_after=timedelta(minutes=3), read_after=timedelta(hours=20)),
        ],
        clock=clock,
        source_id="wechat-oa:gh_donggang_court",
    )
    first = sample_order()
    recorded = sample_records()[0]
    assert isinstance(recorded, ConsentRecorded)
    second, second_consent = _second_order()
    ok = True
    with _folder(workdir) as folder:
        say("legaldelivery demo: a court in China serves defendants abroad over WeChat")
        say("=" * 72)
        log = EvidenceLog.create(folder / "evidence.sqlite", origin=ORIGIN, signer=court_key)
        try:
            service = DeliveryService(
                log,
                rules.jurisdiction("CN", on=date(2026, 3, 2)),
                [wechat],
                documents=lambda d: SAMPLE_DOCUMENTS[d.document_id],
                clock=clock,
            )
            service.submit(first, consents=[recorded.consent])
            service.submit(second, consents=[second_consent])
            for step in (
                timedelta(minutes=5),
                timedelta(hours=1),
                timedelta(hours=6),
                timedelta(days=1),
                timedelta(days=13),
            ):
                now = _START + step
                for report in wechat.due(now):
                    service.report(report)
                service.tick()
            state = service.state(first.order_id)
            say("The evidence log, as the delivery service wrote it:")
            for entry in log.entries():
                steps = record_events(entry.seq, codec.decode(entry.record))
                what = f"{steps[0].label} {steps[0].label_zh}" if steps else entry.record_type
                about = entry.record.get("order_id") or "-"
                say(f"  entry {entry.seq:>2}  {entry.time:%m-%d %H:%M}Z  {about:<16} {what}")
            say(f"{log.size} entries, signed by the court's key {court_key.fingerprint[:16]}...")
            determination = state.conclusion
            say()
            say(f"Order {first.order_id} (defendant in Pakistan): {state.phase.value}")
            ok = ok and state.phase is Phase.SERVED
            if isinstance(determination, ServiceDetermination):
                presumption = getattr(determination.presumption, "value", "-")
                served = determination.time_of_service
                when = "-" if served is None else format_instant(served)
                say(f"  time of service: {when} ({presumption})")
                for d in determination.deadlines:
                    say(f"  {d.name} deadline: last day {d.due.isoformat()} ({d.citation})")

            note = log.checkpoint()
            (folder / "checkpoint.txt").write_text(note, encoding="utf-8")
            (folder / "court.vkey").write_text(court_key.vkey + "\n", encoding="utf-8")
            write_public_key(court_key.verifier, folder / "court.pub.pem", overwrite=True)
            say()
            say("The whole log, audited offline against the signed checkpoint:")
            audited = audit_log(log, trusted=[court_key.verifier], checkpoint=note)
            say("  " + audited.summary().replace("\n", "\n  "))
            ok = ok and audited.ok

            bundle = extract_bundle(log, first.order_id, checkpoint=note, keys=[court_key.verifier])
            bundle_path = folder / "bundle.json"
            bundle.write(bundle_path, overwrite=True)
            others = [e.data for e in log.entries() if e.record.get("order_id") == second.order_id]
            private = all(data not in bundle_path.read_bytes() for data in others)
            ok = ok and private
            say()
            say(
                f"Proof-of-service bundle of {first.order_id}: {len(bundle.entries)} entries, "
                "each with an inclusion proof against the checkpoint."
            )
            say(
                f"  the {len(others)} entries of {second.order_id} (the defendant in Australia) "
                + ("are not in it" if private else "LEAK INTO IT")
            )
        finally:
            log.close()

        trusted = [Verifier.from_vkey((folder / "court.vkey").read_text(encoding="utf-8").strip())]
        certificate = verify_bundle(bundle_path, trusted=trusted)
        (folder / "certificate.html").write_text(certificate.to_html(), encoding="utf-8")
        say("  verified on its own, with nothing but the court's verifier key.")

        tampered = bundle_path.read_bytes().replace(b"Defendant One", b"Defendant 0ne", 1)
        caught = audit_bundle(tampered, trusted=trusted)
        ok = ok and not caught.ok
        say()
        say("The same bundle with one byte of the order changed:")
        say("  " + caught.summary().replace("\n", "\n  "))
        say()
        say(certificate.to_text().rstrip())
        say()
        say(f"Files in {folder}:")
        for name in DEMO_FILES:
            say(f"  {name}")
        say("Verify them yourself:")
        say(f"  legaldelivery verify {folder / 'evidence.sqlite'} --key {folder / 'court.vkey'}")
        say(f"  legaldelivery verify-bundle {bundle_path} --key {folder / 'court.vkey'}")
        if workdir is None:
            say("  (pass --dir DIR to keep these files)")
    say()
    say("demo complete: every check held" if ok else "demo FAILED: a check did not hold")
    return 0 if ok else 1

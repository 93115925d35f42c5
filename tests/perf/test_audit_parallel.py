"""Auditing in worker processes reports exactly what the single-process audit reports."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from legaldelivery import EvidenceLog, InputError, audit_log, canonical
from legaldelivery.audit import AuditReport, FindingKind
from legaldelivery.audit import verify as audit_verify
from legaldelivery.keys import Ed25519Signer
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/parallel-audit"
FIRST = Ed25519Signer.generate(ORIGIN)
SECOND = Ed25519Signer.generate(ORIGIN + "/2")
T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
# Enough entries for several chunks per worker, and a rotation inside one of them.
COUNT = 3 * audit_verify._CHUNK + 40
ROTATE_AT = audit_verify._CHUNK + 7


def build(path: Path) -> tuple[list[bytes], str]:
    ticks = iter(range(100_000))
    records = sample_records()
    with EvidenceLog.create(
        path, origin=ORIGIN, signer=FIRST, clock=lambda: T0 + timedelta(seconds=next(ticks))
    ) as log:
        for i in range(COUNT):
            if i == ROTATE_AT:
                log.rotate_key(SECOND, reason="scheduled", event_id="rot-1")
            log.append(records[i % len(records)])
        return list(log.store.iter_entries()), log.checkpoint()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes], str]:
    path = tmp_path_factory.mktemp("parallel") / "log.sqlite"
    lines, checkpoint = build(path)
    return path, lines, checkpoint


def both(source: Path, checkpoint: str | None = None) -> AuditReport:
    single = audit_log(source, trusted=[FIRST.verifier], checkpoint=checkpoint)
    parallel = audit_log(source, trusted=[FIRST.verifier], checkpoint=checkpoint, workers=2)
    assert parallel == single
    return single


def write(tmp_path: Path, lines: list[bytes], tail: bytes = b"\n") -> Path:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(lines) + tail)
    return path


def test_a_valid_log_with_a_rotation(built: tuple[Path, list[bytes], str]) -> None:
    path, _lines, checkpoint = built
    report = both(path, checkpoint)
    assert report.ok, report.summary()
    assert report.size == COUNT + 1
    assert report.signers == (FIRST.fingerprint, SECOND.fingerprint)


def flip(position: int) -> Callable[[list[bytes]], list[bytes]]:
    def tamper(lines: list[bytes]) -> list[bytes]:
        changed = bytearray(lines[position])
        changed[len(changed) // 2] ^= 0x01
        return [*lines[:position], bytes(changed), *lines[position + 1 :]]

    return tamper


def edit(position: int, member: str, value: object) -> Callable[[list[bytes]], list[bytes]]:
    def tamper(lines: list[bytes]) -> list[bytes]:
        entry = json.loads(lines[position])
        entry[member] = value
        return [*lines[:position], canonical.dumps(entry), *lines[position + 1 :]]

    return tamper


def respaced(position: int) -> Callable[[list[bytes]], list[bytes]]:
    def tamper(lines: list[bytes]) -> list[bytes]:
        loose = json.dumps(json.loads(lines[position])).encode()
        return [*lines[:position], loose, *lines[position + 1 :]]

    return tamper


def dropped(position: int) -> Callable[[list[bytes]], list[bytes]]:
    def tamper(lines: list[bytes]) -> list[bytes]:
        return lines[:position] + lines[position + 1 :]

    return tamper


@pytest.mark.parametrize(
    ("tamper", "kinds"),
    [
        (flip(3), None),
        (flip(ROTATE_AT), None),  # the rotation itself: later keys become unknown
        (flip(ROTATE_AT + 300), None),
        (edit(10, "time", "2020-01-01T00:00:00.000000Z"), {FindingKind.BAD_SIGNATURE}),
        (edit(600, "origin", "elsewhere"), {FindingKind.WRONG_ORIGIN}),
        (edit(5, "format", "legaldelivery/entry/v9"), {FindingKind.WRONG_FORMAT}),
        (respaced(300), {FindingKind.NON_CANONICAL}),
        (dropped(400), {FindingKind.SEQUENCE}),
    ],
)
def test_tampered_logs(
    built: tuple[Path, list[bytes], str],
    tmp_path: Path,
    tamper: Callable[[list[bytes]], list[bytes]],
    kinds: set[FindingKind] | None,
) -> None:
    _path, lines, checkpoint = built
    report = both(write(tmp_path, tamper(lines)), checkpoint)
    assert not report.ok
    if kinds is not None:
        assert kinds <= {f.kind for f in report.findings}


def test_a_torn_last_line_and_an_unknown_key(
    built: tuple[Path, list[bytes], str], tmp_path: Path
) -> None:
    _path, lines, _checkpoint = built
    path = write(tmp_path, lines[:50], tail=b"")
    single = audit_log(path, trusted=[SECOND.verifier])
    assert single == audit_log(path, trusted=[SECOND.verifier], workers=3)
    assert FindingKind.TORN in {f.kind for f in single.findings}
    assert FindingKind.UNKNOWN_SIGNER in {f.kind for f in single.findings}


def test_workers_start_with_spawn_when_other_threads_run(
    built: tuple[Path, list[bytes], str],
) -> None:
    path, _lines, checkpoint = built
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        assert audit_verify._pool_context().get_start_method() == "spawn"
        report = audit_log(path, trusted=[FIRST.verifier], checkpoint=checkpoint, workers=2)
    finally:
        done.set()
        other.join()
    assert report.ok, report.summary()


@pytest.mark.parametrize("workers", [0, -1, True, 1.5, "2"])
def test_workers_must_be_a_positive_integer(
    built: tuple[Path, list[bytes], str], workers: object
) -> None:
    path, _lines, _checkpoint = built
    with pytest.raises(InputError) as info:
        audit_log(path, trusted=[FIRST.verifier], workers=workers)  # type: ignore[arg-type]
    assert info.value.path == "workers"


def test_the_worker_side_verifies_with_the_keys_it_is_given(
    built: tuple[Path, list[bytes], str],
) -> None:
    """The function each worker runs, run here: verified where it holds the key."""
    _path, lines, _checkpoint = built
    unusable = ("ed25519", "court.example/broken", b"not a key")
    spec = audit_verify._key_spec(FIRST.verifier)
    chunk = [(line, True) for line in lines[:3]] + [(lines[ROTATE_AT + 1], True)]
    examined = audit_verify._examine_chunk(chunk, 0, (spec, unusable, spec))
    assert [e.signature_ok for e in examined] == [True, True, True, None]
    assert [e.signed is None for e in examined] == [True, True, True, False]
    forged = edit(1, "signature", base64.b64encode(bytes(64)).decode("ascii"))(lines)[1]
    (bad,) = audit_verify._examine_chunk([(forged, True)], 1, (spec,))
    assert bad.well_formed
    assert bad.signature_ok is False

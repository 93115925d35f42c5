"""Size bounds on hostile input: deep nesting, huge numbers, huge notes, a 1 GB line.

A decoder must refuse an oversized input with a library error, early and without
holding it whole in memory. Tests that need a hard memory ceiling run the decoder in a
child process under ``RLIMIT_AS`` (the current address space plus a margin far below the
input's size), on a *sparse* 1 GB file that takes no disk space.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from legaldelivery import canonical, codec, notes
from legaldelivery.audit import FindingKind, audit_log
from legaldelivery.channels.mail_reports import MAX_REPORT_BYTES, parse_report
from legaldelivery.checkpoint import Checkpoint, open_checkpoint
from legaldelivery.equivocation import EquivocationEvidence
from legaldelivery.errors import EncodingError, InputError, LegalDeliveryError, NoteError
from legaldelivery.keys import Ed25519Signer, Verifier
from legaldelivery.log import EvidenceLog, LogEntry
from legaldelivery.testing.fakes import sample_records
from legaldelivery.timestamp import TimestampToken
from legaldelivery.witness import Cosigner, WitnessPolicy, add_cosignatures

ORIGIN = "court.example/bounds"
KEY = Ed25519Signer.generate(ORIGIN)
DEPTH = 20 * sys.getrecursionlimit()

DECODERS: dict[str, Callable[[bytes], object]] = {
    "canonical.loads": canonical.loads,
    "canonical.loads_canonical": canonical.loads_canonical,
    "LogEntry.parse": LogEntry.parse,
    "codec.loads": codec.loads,
    "EquivocationEvidence.from_json": EquivocationEvidence.from_json,
}

NESTED = {
    "arrays": b"[" * DEPTH + b"]" * DEPTH,
    "objects": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "unclosed": b"[" * DEPTH,
    "in a record": b'{"type":"note/v1","x":' + b"[" * DEPTH + b"]" * DEPTH + b"}",
}


def peak_bytes(call: Callable[[], object]) -> int:
    """The peak of memory allocated by Python during ``call`` (its result discarded)."""
    tracemalloc.start()
    try:
        with contextlib.suppress(LegalDeliveryError):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", NESTED)
@pytest.mark.parametrize("decoder", DECODERS)
def test_deeply_nested_json_is_refused_without_recursion_error(decoder: str, shape: str) -> None:
    with pytest.raises(InputError):  # EncodingError is one
        DECODERS[decoder](NESTED[shape])


def test_deep_nesting_is_refused_in_linear_time() -> None:
    document = b"[" * 300_000 + b"]" * 300_000
    started = time.perf_counter()
    with pytest.raises(EncodingError):
        canonical.loads(document)
    # A single pass over 600 kB takes milliseconds; this leaves a wide margin for load.
    assert time.perf_counter() - started < 0.5


def test_an_audit_reports_a_deeply_nested_line_as_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    with EvidenceLog.create(path, origin=ORIGIN, signer=KEY) as log:
        log.append(sample_records()[0])
    with path.open("ab") as handle:
        handle.write(NESTED["arrays"] + b"\n")
    report = audit_log(path, [KEY.verifier])
    assert [f.kind for f in report.findings_at(1)] == [FindingKind.UNREADABLE]


@pytest.mark.parametrize(
    "document",
    [b"1" * 1_000_000, b"-" + b"9" * 100_000, b"1e" + b"9" * 100_000, b"[1" + b"0" * 5000 + b"]"],
)
@pytest.mark.parametrize("decoder", DECODERS)
def test_huge_numbers_are_refused(decoder: str, document: bytes) -> None:
    with pytest.raises(InputError):
        DECODERS[decoder](document)


def million_signature_note() -> str:
    text = Checkpoint(ORIGIN, 1, bytes(32)).to_text()
    return text + "\n" + "\u2014 w AAAAAAECAwQ=\n" * 1_000_000


NOTE = million_signature_note()
NOTE_BYTES = NOTE.encode()
VERIFIERS = [KEY.verifier]
POLICY = WitnessPolicy(witnesses=[Cosigner.generate("w.example").verifier], quorum=1)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda n: notes.open(n, VERIFIERS), id="notes.open"),
        pytest.param(lambda n: notes.open(NOTE_BYTES, VERIFIERS), id="notes.open(bytes)"),
        pytest.param(notes.text_of, id="notes.text_of"),
        pytest.param(lambda n: open_checkpoint(n, VERIFIERS), id="open_checkpoint"),
        pytest.param(lambda n: POLICY.verify(n, VERIFIERS), id="WitnessPolicy.verify"),
        pytest.param(lambda n: add_cosignatures(n, []), id="add_cosignatures"),
    ],
)
def test_a_note_with_a_million_signatures_is_refused_early(call: Callable[[str], Any]) -> None:
    with pytest.raises(NoteError, match="limit"):
        call(NOTE)
    # Early: before anything proportional to the note is built (it is 15 MB).
    assert peak_bytes(lambda: call(NOTE)) < 64 * 1024


def test_the_signature_count_is_bounded_below_the_byte_limit() -> None:
    text = Checkpoint(ORIGIN, 1, bytes(32)).to_text()
    small = text + "\n" + "\u2014 w AAAAAAECAwQ=\n" * (notes.MAX_SIGNATURES + 1)
    with pytest.raises(NoteError, match="at most"):
        notes.open(small, VERIFIERS)


def test_oversized_reports_tokens_and_keys_are_refused_early() -> None:
    huge = b"x" * (MAX_REPORT_BYTES + 1)
    received = datetime(2026, 3, 2, tzinfo=timezone.utc)
    with pytest.raises(InputError):
        parse_report(huge, received_at=received)
    assert peak_bytes(lambda: parse_report(huge, received_at=received)) < 64 * 1024
    token = b"\x30\x84\x7f\xff\xff\xff" + bytes(4 << 20)
    with pytest.raises(EncodingError):
        TimestampToken(der=token)
    assert peak_bytes(lambda: TimestampToken(der=token)) < 64 * 1024
    vkey = "a+00000000+" + "A" * 10_000_000
    with pytest.raises(InputError):
        Verifier.from_vkey(vkey)
    with pytest.raises(InputError):
        Checkpoint.from_text("log\n" + "9" * 1_000_000 + "\n" + "A" * 43 + "=\n")


# -- the 1 GB line --------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import resource, sys
    from legaldelivery.errors import LegalDeliveryError
    from legaldelivery.audit import audit_log
    from legaldelivery.log.jsonl import JsonlStore, recover

    def address_space():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024

    target, path = sys.argv[1], sys.argv[2]
    ceiling = address_space() + (128 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    try:
        if target == "store":
            JsonlStore.open(path, read_only=True).close()
        elif target == "audit":
            audit_log(path)
        else:
            recover(path)
    except LegalDeliveryError:
        print("refused")
    else:
        print("returned")
    """
)

needs_rlimit = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs RLIMIT_AS and /proc"
)


def giant_line_log(folder: Path, *, torn: bool) -> Path:
    """A JSON Lines log of one real entry, then a sparse 1 GB line (ended or not)."""
    path = folder / "giant.jsonl"
    with EvidenceLog.create(path, origin=ORIGIN, signer=KEY) as log:
        log.append(sample_records()[0])
    with path.open("r+b") as handle:
        handle.seek(0, 2)
        handle.truncate(handle.tell() + (1 << 30))
        if not torn:
            handle.seek(0, 2)
            handle.write(b"\n")
    return path


def run_bounded(target: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, target, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_rlimit
@pytest.mark.slow
def test_the_jsonl_store_refuses_a_1_gb_line_in_bounded_memory(tmp_path: Path) -> None:
    result = run_bounded("store", giant_line_log(tmp_path, torn=False))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "refused"


@needs_rlimit
@pytest.mark.slow
def test_the_audit_reports_a_1_gb_line_in_bounded_memory(tmp_path: Path) -> None:
    result = run_bounded("audit", giant_line_log(tmp_path, torn=False))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() in ("returned", "refused")


@needs_rlimit
@pytest.mark.slow
def test_recover_cuts_a_torn_1_gb_line_in_bounded_memory(tmp_path: Path) -> None:
    path = giant_line_log(tmp_path, torn=True)
    result = run_bounded("recover", path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "returned"
    assert path.read_bytes().endswith(b"\n")
    with EvidenceLog.open(path) as log:
        assert log.size == 1

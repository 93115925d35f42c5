"""Crash tests with real processes: a writer is killed with SIGKILL at random moments.

Each round starts ``_child.py`` on a log file, lets it append for a random while and kills
it. Afterwards every entry the child acknowledged (printed after ``append`` returned) must
be in the log with the same hash, nothing committed earlier may have changed (the root at
the previous size is the same), and the whole log must verify -- for JSON Lines after
:func:`~legaldelivery.log.jsonl.recover` removed a torn last line, if the kill left one.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from legaldelivery.audit import audit_log
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.jsonl import JsonlStore, recover
from legaldelivery.testing.fakes import sample_records

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL"),
]

CHILD = Path(__file__).with_name("_child.py")
ORIGIN = "court.example/crash-test"
KILLS = 50
KILLS_PER_FILE = 10
MODES = ("single", "many", "batching")


class Survivor:
    """What the parent knows about one log file across the kills of its child writers."""

    def __init__(self, path: Path, signer: Ed25519Signer) -> None:
        self.path = path
        self.signer = signer
        self.acked: dict[int, str] = {}
        self.size = 0
        self.root = b""
        self.torn = 0

    def check(self) -> None:
        if self.path.suffix == ".jsonl" and not self.path.read_bytes().endswith(b"\n"):
            # The kill tore the last line: opening must refuse, recovery must cut it.
            with pytest.raises(InputError, match="no line end"):
                JsonlStore.open(self.path, read_only=True)
            torn = recover(self.path)
            assert torn is not None
            assert torn.removed > 0
            self.torn += 1
        with EvidenceLog.open(self.path) as log:
            size = log.size
            assert size >= len(self.acked)
            for seq, digest in self.acked.items():
                assert log.entry(seq).hash == digest, (
                    f"acknowledged entry {seq} changed or vanished"
                )
            if self.size:
                assert log.root_hash(self.size) == self.root, "committed entries were rewritten"
            self.size, self.root = size, log.root_hash()
            # An auditor reads a JSON Lines file as it is; a database through its store.
            source = self.path if self.path.suffix == ".jsonl" else log
            report = audit_log(source, trusted=[self.signer.verifier])
        assert report.ok, report.summary()
        assert report.size == self.size
        assert report.root_hash == self.root


def start_writer(path: Path, key: Path, mode: str) -> subprocess.Popen[bytes]:
    """Start a writer that imports everything, then waits for a line before opening ``path``."""
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(path), str(key), mode, "0", "--wait"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_writer(child: subprocess.Popen[bytes], survivor: Survivor, delay: float) -> int:
    """Release a started writer, SIGKILL it ``delay`` seconds after it opened the log.

    Records what it acknowledged in ``survivor``; returns how many entries that was.
    """
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        if child.stdout.readline() == b"waiting\n":
            child.stdin.write(b"go\n")
            child.stdin.flush()
        if child.stdout.readline() != b"ready\n":
            child.kill()
            _, err = child.communicate(timeout=30)
            pytest.fail(f"the writer did not start: {err.decode(errors='replace')}")
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:  # pragma: no cover -- only when the test itself fails
            child.kill()
            child.communicate()
    assert child.returncode == -signal.SIGKILL
    count = 0
    # A line cut short by the kill was never fully printed: it acknowledges nothing.
    for line in out.split(b"\n")[:-1]:
        seq_text, digest = line.decode().split()
        seq = int(seq_text)
        assert seq not in survivor.acked, f"entry {seq} was acknowledged twice"
        survivor.acked[seq] = digest
        count += 1
    return count


def crash_rounds(folder: Path, suffix: str, seed: int) -> list[Survivor]:
    rng = random.Random(seed)
    signer = Ed25519Signer.generate(ORIGIN)
    key = folder / "writer.pem"
    key.write_bytes(signer.private_pem_unencrypted_insecure())
    paths = [folder / f"log-{kill // KILLS_PER_FILE}{suffix}" for kill in range(KILLS)]
    survivors: list[Survivor] = []
    acks = 0
    # Each writer starts (and pays for its imports) while the parent checks the log after
    # the previous kill; it opens the log only when released.
    upcoming = start_writer(paths[0], key, rng.choice(MODES))
    for kill in range(KILLS):
        if kill % KILLS_PER_FILE == 0:
            # One first entry: an empty JSON Lines file names no origin to reopen it by.
            with EvidenceLog.create(paths[kill], origin=ORIGIN, signer=signer) as log:
                first = log.append(sample_records()[0])
            survivors.append(Survivor(paths[kill], signer))
            survivors[-1].acked[0] = first.hash
        # Short lives keep each file small enough to audit after every kill; some writers
        # die as they open the log, most in the middle of their appends.
        delay = rng.choice(
            [0.0, rng.uniform(0, 0.01), rng.uniform(0, 0.03), rng.uniform(0.02, 0.05)]
        )
        child = upcoming
        try:
            acks += kill_writer(child, survivors[-1], delay)
        finally:
            if kill + 1 < KILLS:
                upcoming = start_writer(paths[kill + 1], key, rng.choice(MODES))
        try:
            survivors[-1].check()
        except BaseException:
            upcoming.kill()
            upcoming.communicate()
            raise
    # The writers did work: many entries were acknowledged before their kills.
    assert acks > KILLS
    assert sum(len(s.acked) for s in survivors) == acks + len(survivors)
    return survivors


def test_sqlite_keeps_every_acknowledged_entry_through_50_kills(tmp_path: Path) -> None:
    survivors = crash_rounds(tmp_path, ".sqlite", seed=20260302)
    assert all(s.size >= len(s.acked) for s in survivors)


def test_json_lines_keeps_every_acknowledged_entry_through_50_kills(tmp_path: Path) -> None:
    survivors = crash_rounds(tmp_path, ".jsonl", seed=20260303)
    assert all(s.size >= len(s.acked) for s in survivors)

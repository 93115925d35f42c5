"""Several processes appending to one log file form one linear chain.

Writers are real processes (``_child.py``) started together and released at once, so
their appends contend for the store's lock: SQLite's write lock, or the ``flock`` of a
JSON Lines file. Every acknowledged entry must be in the log exactly where its writer was
told it went, no position may be handed out twice, and the whole log must verify.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from legaldelivery.audit import audit_log
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog

pytestmark = pytest.mark.slow

CHILD = Path(__file__).with_name("_child.py")
ORIGIN = "court.example/concurrency-test"


def run_writers(
    path: Path, signer: Ed25519Signer, writers: int, each: int, mode: str
) -> list[dict[int, str]]:
    key = path.with_suffix(".pem")
    key.write_bytes(signer.private_pem_unencrypted_insecure())
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), str(path), str(key), mode, str(each), "--wait"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(writers)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline() == b"waiting\n", child.stderr
        # Release them together, so that they really contend for the lock.
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=300) for child in children]
        for child, (out, _) in zip(children, results, strict=True):
            assert out.startswith(b"ready\n"), child.args
    finally:
        for child in children:
            if child.poll() is None:  # pragma: no cover -- only when the test itself fails
                child.kill()
                child.communicate()
    acked: list[dict[int, str]] = []
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err.decode(errors="replace")
        lines = [line.split() for line in out.decode().splitlines()[1:]]
        acked.append({int(seq): digest for seq, digest in lines})
    return acked


def check_one_chain(
    path: Path, signer: Ed25519Signer, acked: list[dict[int, str]], total: int
) -> None:
    seen: dict[int, str] = {}
    for mine in acked:
        duplicated = seen.keys() & mine.keys()
        assert not duplicated, f"positions handed out twice: {sorted(duplicated)[:5]}"
        seen.update(mine)
    assert sorted(seen) == list(range(total))
    with EvidenceLog.open(path) as log:
        assert log.size == total
        for seq, entry in enumerate(log.entries()):
            assert entry.seq == seq
            assert entry.hash == seen[seq]
        report = audit_log(path if path.suffix == ".jsonl" else log, trusted=[signer.verifier])
    assert report.ok, report.summary()
    assert report.size == total


def test_four_processes_append_2000_entries_to_one_sqlite_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    signer = Ed25519Signer.generate(ORIGIN)
    EvidenceLog.create(path, origin=ORIGIN, signer=signer).close()
    acked = run_writers(path, signer, writers=4, each=500, mode="single")
    assert [len(mine) for mine in acked] == [500] * 4
    check_one_chain(path, signer, acked, 2000)


def test_processes_batching_into_one_sqlite_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    signer = Ed25519Signer.generate(ORIGIN)
    EvidenceLog.create(path, origin=ORIGIN, signer=signer).close()
    acked = run_writers(path, signer, writers=3, each=200, mode="many")
    assert all(len(mine) >= 200 for mine in acked)
    check_one_chain(path, signer, acked, sum(len(mine) for mine in acked))


def test_processes_share_one_json_lines_file_through_its_lock(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    signer = Ed25519Signer.generate(ORIGIN)
    with EvidenceLog.create(path, origin=ORIGIN, signer=signer) as log:
        first = log.append(_first_record())
    acked = run_writers(path, signer, writers=3, each=150, mode="single")
    assert [len(mine) for mine in acked] == [150] * 3
    check_one_chain(path, signer, [{0: first.hash}, *acked], 451)
    # The file is still exactly one canonical entry per line.
    assert path.read_bytes().count(b"\n") == 451
    assert path.read_bytes().endswith(b"\n")


def _first_record() -> object:
    from legaldelivery.testing.fakes import sample_records

    return sample_records()[0]

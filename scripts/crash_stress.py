"""Crash stress: SIGKILL log writers many times; check that nothing acknowledged is lost.

A longer version of ``tests/log/test_crash.py`` for soak runs::

    python scripts/crash_stress.py --kills 1000 --store sqlite --store jsonl

Each round starts ``tests/log/_child.py`` on a log, lets it append for a random time
(single appends, ``append_many`` batches or a batching writer), kills it, and then
checks the log: every acknowledged entry is present with its hash, the entries committed
before are unchanged (same Merkle root at the old size), and the whole log verifies --
for JSON Lines after ``recover()`` removed a torn last line, which is counted. It prints
one summary line per store and exits 1 at the first failure, keeping its files.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from legaldelivery.audit import audit_log
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.log.jsonl import recover
from legaldelivery.testing.fakes import sample_records

CHILD = Path(__file__).resolve().parents[1] / "tests" / "log" / "_child.py"
ORIGIN = "court.example/crash-stress"
MODES = ("single", "many", "batching")


class CheckError(Exception):
    """A check failed: the message says which and where."""


def one_round(path: Path, key: Path, mode: str, delay: float, acked: dict[int, str]) -> int:
    child = subprocess.Popen(  # noqa: S603 -- our own interpreter and script
        [sys.executable, str(CHILD), str(path), str(key), mode, "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    if child.stdout.readline() != b"ready\n":
        child.kill()
        _, err = child.communicate()
        raise CheckError(f"writer did not start: {err.decode(errors='replace')}")
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate()
    count = 0
    for line in out.split(b"\n")[:-1]:
        seq_text, digest = line.decode().split()
        if int(seq_text) in acked:
            raise CheckError(f"{path}: entry {seq_text} acknowledged twice")
        acked[int(seq_text)] = digest
        count += 1
    return count


def check(
    path: Path, signer: Ed25519Signer, acked: dict[int, str], before: tuple[int, bytes]
) -> tuple[int, bytes, bool]:
    torn = False
    if path.suffix == ".jsonl" and not path.read_bytes().endswith(b"\n"):
        removed = recover(path)
        torn = removed is not None
        print(f"  recovered: {removed}")
    with EvidenceLog.open(path) as log:
        for seq, digest in acked.items():
            if seq >= log.size or log.entry(seq).hash != digest:
                raise CheckError(f"{path}: acknowledged entry {seq} is missing or changed")
        old_size, old_root = before
        if old_size and log.root_hash(old_size) != old_root:
            raise CheckError(f"{path}: entries before {old_size} were rewritten")
        size, root = log.size, log.root_hash()
        report = audit_log(path if path.suffix == ".jsonl" else log, trusted=[signer.verifier])
    if not report.ok:
        raise CheckError(report.summary())
    return size, root, torn


def stress(
    store: str, kills: int, per_file: int, max_delay: float, seed: int, folder: Path
) -> None:
    rng = random.Random(seed)  # noqa: S311 -- timing jitter, not secrets
    signer = Ed25519Signer.generate(ORIGIN)
    key = folder / "writer.pem"
    key.write_bytes(signer.private_pem_unencrypted_insecure())
    started = time.perf_counter()
    acks = torn = largest = 0
    path = folder / "none"
    acked: dict[int, str] = {}
    state = (0, b"")
    for kill in range(kills):
        if kill % per_file == 0:
            path = folder / f"{store}-{kill // per_file}.{store}"
            with EvidenceLog.create(path, origin=ORIGIN, signer=signer) as log:
                acked = {0: log.append(sample_records()[0]).hash}
            state = (0, b"")
        delay = rng.uniform(0, max_delay) if rng.random() < 0.9 else 0.0
        acks += one_round(path, key, rng.choice(MODES), delay, acked)
        size, root, was_torn = check(path, signer, acked, state)
        state = (size, root)
        torn += was_torn
        largest = max(largest, size)
    elapsed = time.perf_counter() - started
    print(
        f"{store}: {kills} kills, {acks} acknowledged entries kept, {torn} torn tails "
        f"recovered, largest log {largest} entries, {elapsed:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=500, help="kills per store (default 500)")
    parser.add_argument(
        "--per-file", type=int, default=50, help="kills before starting a new log (default 50)"
    )
    parser.add_argument(
        "--max-delay", type=float, default=0.2, help="longest writer life, seconds (default 0.2)"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument(
        "--store", action="append", choices=["sqlite", "jsonl"], help="store kind (repeatable)"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to keep the logs")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)  # noqa: S311
    print(f"seed {seed}")
    folder = args.dir or Path(tempfile.mkdtemp(prefix="crash-stress-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for store in args.store or ["sqlite", "jsonl"]:
            stress(store, args.kills, args.per_file, args.max_delay, seed, folder)
    except CheckError as exc:
        print(f"FAILED: {exc}\nlogs kept in {folder}")
        return 1
    print(f"all checks passed; logs in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the benchmarks share: scale, alternating rounds, fresh processes, logs to measure.

Not a benchmark itself (``run.py`` loads only ``bench_*.py``). Every figure is a ratio
against a floor (or a peer) measured in the same run, because absolute times on a shared
machine mean little: rounds alternate ours and the floor, and the figure is the median
of the per-round ratios.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.testing.fakes import sample_records

HERE = Path(__file__).resolve().parent

QUICK = os.environ.get("LEGALDELIVERY_BENCH_QUICK") == "1"
"""``--quick``: smaller logs and fewer rounds (the figures at scale are then at 10^5)."""

ORIGIN = "court.example/bench"

Row = dict[str, object]


def scaled(full: int, quick: int) -> int:
    """``full`` normally, ``quick`` under ``--quick``."""
    return quick if QUICK else full


def signer(seed: int = 7) -> Ed25519Signer:
    """A bench key, the same in every process that asks for the same seed."""
    return Ed25519Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def records(count: int) -> list[Any]:
    """``count`` sample records (the library's own fakes), cycled."""
    return list(itertools.islice(itertools.cycle(sample_records()), count))


def grow(log: EvidenceLog, to_size: int, *, batch: int = 10_000) -> None:
    """Append sample records until ``log`` holds ``to_size`` entries, ``batch`` per commit.

    The fixture path: the library's own append, in large batches, so that a log of a
    million entries costs what signing a million entries costs and little more.
    """
    pool = records(256)
    size = log.size
    while size < to_size:
        count = min(batch, to_size - size)
        log.append_many(pool[i % len(pool)] for i in range(size, size + count))
        size += count


def rounds(count: int, *actions: Callable[[], float]) -> list[list[float]]:
    """Run each action once per round, taking turns to go first; their times per round."""
    times: list[list[float]] = []
    for number in range(count):
        order = list(range(len(actions)))
        if number % 2:
            order.reverse()
        measured = [0.0] * len(actions)
        for which in order:
            measured[which] = actions[which]()
        times.append(measured)
    return times


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def row(
    figure: str,
    *,
    ours: float,
    floor: float,
    ratio: float,
    target: str,
    ok: bool | None,
    unit: str = "",
    note: str = "",
) -> Row:
    """One line of the table; ``ok`` None marks a line that informs and has no target."""
    return {
        "figure": figure,
        "ours": ours,
        "floor": floor,
        "ratio": round(ratio, 3),
        "target": target,
        "ok": ok,
        "unit": unit,
        "note": note,
    }


def fresh(task: str, *args: object, timeout: float = 1800) -> Any:
    """Run ``bench/_tasks.py TASK ARGS`` in a new Python process; return its JSON answer."""
    command = [sys.executable, str(HERE / "_tasks.py"), task, json.dumps(list(args))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"task {task} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _log_files(path: Path) -> list[Path]:
    """A SQLite log's file and its write-ahead log, those that exist."""
    return [f for f in (path, Path(f"{path}-wal")) if f.exists()]


def warm(path: Path) -> None:
    """Read a log's files through once, so the operating system holds them in its cache."""
    for file in _log_files(path):
        with open(file, "rb") as f:
            while f.read(1 << 20):
                pass


def evict(path: Path) -> None:
    """Ask the operating system to drop a log's files from its page cache (where it can)."""
    for file in _log_files(path):
        fd = os.open(file, os.O_RDONLY)
        try:
            os.fsync(fd)  # only clean pages can be dropped
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def now() -> datetime:
    return datetime.now(timezone.utc)


def print_rows(rows: Sequence[Row]) -> int:
    """Print rows as the runner does (for a module run alone); the exit code."""
    for item in rows:
        verdict = {True: "PASS", False: "FAIL", None: "info"}[item["ok"]]  # type: ignore[index]
        print(
            f"{item['figure']}: ours {item['ours']} {item['unit']}, floor {item['floor']}, "
            f"ratio {item['ratio']} (target {item['target']}) {verdict}"
            + (f" -- {item['note']}" if item["note"] else "")
        )
    return 0 if all(item["ok"] is not False for item in rows) else 1

"""Benchmark: a full audit against a raw Ed25519 verify loop, and with worker processes.

Run as ``python bench/bench_audit.py`` (or through ``bench/run.py``).

* ``full audit, single process``: :func:`legaldelivery.audit_log` of a SQLite log --
  every entry's canonical bytes, members, chain, time, signer and signature, its record
  decoded and validated, the Merkle root -- against the floor, a loop of
  ``cryptography``'s ``Ed25519PublicKey.verify`` over the same (signature, signed bytes)
  pairs extracted beforehand. Ratio = floor time / ours, target >= 0.75.
* ``full audit, 2 worker processes``: ``audit_log(..., workers=2)`` against the single
  process audit of the same log; target >= 1.6x on 2 cores.
* What one entry costs in the single-process audit, part by part (informative): the
  parts are timed alone on the same entries, the rest is the difference.

Rounds alternate the contenders; each figure is the median of the per-round ratios.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import _common
from legaldelivery import audit_log, canonical, codec, merkle
from legaldelivery.log import EvidenceLog
from legaldelivery.log.entry import LogEntry, entry_hash

ENTRIES = _common.scaled(20_000, 4_000)
ROUNDS = _common.scaled(5, 1)
WORKERS = 2


def build(path: Path) -> list[bytes]:
    with EvidenceLog.create(path, origin=_common.ORIGIN, signer=_common.signer()) as log:
        _common.grow(log, ENTRIES, batch=5_000)
        return list(log.store.iter_entries())


def breakdown(stored: list[bytes], folder: Path) -> list[_common.Row]:
    """Each part of the per-entry work, timed alone over the same entries (us per entry).

    The whole is an audit of just these entries (as JSON Lines), timed in the same
    stretch as its parts -- best of three each -- so that a busy machine skews all alike.
    """
    sample = stored[: min(len(stored), 3_000)]
    path = folder / "sample.jsonl"
    path.write_bytes(b"".join(data + b"\n" for data in sample))
    entries = [LogEntry.parse(data) for data in sample]
    key = _common.signer().verifier
    raw_key: Any = key._key
    signed = [(e.signature, e.signed_bytes()) for e in entries]
    objects = [canonical.loads(d) for d in sample]
    parts = {
        "Ed25519 verify (cryptography)": lambda: [raw_key.verify(s, m) for s, m in signed],
        "record decode and validation (codec.decode)": lambda: [
            codec.decode(e.record) for e in entries
        ],
        "canonical check (canonical.loads_canonical)": lambda: [
            canonical.loads_canonical(d) for d in sample
        ],
        "entry members and signed bytes": lambda: [
            LogEntry.from_object(o, d).signed_bytes() for o, d in zip(objects, sample, strict=True)
        ],
        "chain and leaf hashes": lambda: [(entry_hash(d), merkle.leaf_hash(d)) for d in sample],
    }
    whole = lambda: audit_log(path, trusted=[key])  # noqa: E731
    best = [float("inf")] * (len(parts) + 1)
    for _ in range(3):
        for i, action in enumerate([whole, *parts.values()]):
            best[i] = min(best[i], _common.timed(action))
    total = best[0] / len(sample) * 1e6
    rows = []
    for name, seconds in zip(parts, best[1:], strict=True):
        rows.append(_part_row(name, seconds / len(sample) * 1e6, total))
    rest = total - sum(best[1:]) / len(sample) * 1e6
    rows.append(_part_row("the rest (auditor state, reading, findings)", rest, total))
    return rows


def _part_row(name: str, us: float, total: float) -> _common.Row:
    return _common.row(
        f"audit per entry: {name}",
        ours=round(us, 1),
        floor=round(total, 1),
        ratio=us / total,
        target="-",
        ok=None,
        unit="us",
        note="floor = the whole entry; ratio = share",
    )


def run() -> list[_common.Row]:
    """Measure every figure; ``ours`` and ``floor`` are entries per second."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.sqlite"
        stored = build(path)
        verifier = _common.signer().verifier
        raw_key: Any = verifier._key
        pairs = [(e.signature, e.signed_bytes()) for e in map(LogEntry.parse, stored)]

        def floor() -> float:
            return _common.timed(lambda: [raw_key.verify(s, m) for s, m in pairs])

        def audit(workers: int) -> float:
            def action() -> None:
                report = audit_log(path, trusted=[verifier], workers=workers)
                if not report.ok or report.size != ENTRIES:
                    raise AssertionError(report.summary())

            return _common.timed(action)

        times = _common.rounds(ROUNDS, floor, lambda: audit(1), lambda: audit(WORKERS))
        single_ratio = _common.median([f / s for f, s, _ in times])
        speedup = _common.median([s / p for _, s, p in times])
        floor_rate = ENTRIES / _common.median([t[0] for t in times])
        single_seconds = _common.median([t[1] for t in times])
        parallel_rate = ENTRIES / _common.median([t[2] for t in times])
        rows = [
            _common.row(
                f"full audit, single process: {ENTRIES} entries vs raw Ed25519 verify",
                ours=round(ENTRIES / single_seconds),
                floor=round(floor_rate),
                ratio=single_ratio,
                target=">= 0.75",
                ok=single_ratio >= 0.75,
                unit="entries/s",
            ),
            _common.row(
                f"full audit, {WORKERS} worker processes vs single process",
                ours=round(parallel_rate),
                floor=round(ENTRIES / single_seconds),
                ratio=speedup,
                target=">= 1.6",
                ok=speedup >= 1.6,
                unit="entries/s",
            ),
        ]
        rows.extend(breakdown(stored, Path(tmp)))
        return rows


if __name__ == "__main__":
    sys.exit(_common.print_rows(run()))

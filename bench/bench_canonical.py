"""Benchmark: canonical JSON against its floors, measured in the same run.

Run as ``python bench/bench_canonical.py``; it prints each figure with our time, the
floor's time, the ratio (floor / ours) beside its target, and PASS or FAIL, and exits
non-zero when any figure fails. :func:`run` returns the same rows for a bench runner.

The acceptance figure is the first: :func:`legaldelivery.canonical.dumps` on a
record-like log entry must be at least 3x faster than the ``rfc8785`` package.
"""

from __future__ import annotations

import json
import sys
import timeit
from collections.abc import Callable
from typing import Any

import rfc8785

import _common
from legaldelivery import canonical

REPEATS = _common.scaled(11, 5)
TARGET_SECONDS_PER_REPEAT = 0.1


def record_entry() -> dict[str, object]:
    """A log entry as the library writes them: ~40 keys, short strings, some Chinese."""
    return {
        "format": "legaldelivery/entry/v1",
        "origin": "court.example/donggang",
        "seq": 1842,
        "time": "2026-03-02T01:30:00.000000Z",
        "prev": "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
        "signer": "donggang-court+5a0f2c1e",
        "record": {
            "type": "delivery_order",
            "case": "\uff082020\uff09\u8fbd0681\u6c11\u521d1234\u53f7",
            "court": {"name": "\u4e1c\u6e2f\u5e02\u4eba\u6c11\u6cd5\u9662", "country": "CN"},
            "recipient": {
                "name": "\u7a46\u7f55\u9ed8\u5fb7\u00b7\u963f\u91cc",
                "country": "PK",
                "accounts": [
                    {"channel": "wechat", "id": "wxid_7f3k2m9q"},
                    {"channel": "email", "id": "m.ali@example.pk"},
                ],
                "verified": True,
                "representative": None,
            },
            "documents": [
                {"kind": "complaint", "digest": "sha256:9f86d081884c7d65", "size": 182934},
                {"kind": "evidence", "digest": "sha256:60303ae22b998861", "size": 2411807},
                {"kind": "summons", "digest": "sha256:fd61a03af4f77d87", "size": 40960},
            ],
            "basis": {"law": "CPL", "article": 90, "consent": "express"},
            "channels": ["wechat", "email", "sms"],
            "created_at": "2026-03-02T01:29:58.120000Z",
            "attempt": 1,
            "urgent": False,
        },
    }


def measured_entry() -> dict[str, object]:
    """The same entry carrying floats, so that only the full encoder can write it."""
    entry = record_entry()
    entry["metrics"] = {"latency_s": 0.0421, "score": 1e-7, "ratio": 333333333.3333333}
    return entry


def _calls_per_repeat(timer: timeit.Timer) -> int:
    number, elapsed = timer.autorange()
    return max(1, int(number * TARGET_SECONDS_PER_REPEAT / max(elapsed, 1e-9)))


def _row(
    figure: str, ours: Callable[[], object], floor: Callable[[], object], target: float
) -> dict[str, object]:
    ours_timer, floor_timer = timeit.Timer(ours), timeit.Timer(floor)
    ours_number = _calls_per_repeat(ours_timer)
    floor_number = _calls_per_repeat(floor_timer)
    ours_us: list[float] = []
    floor_us: list[float] = []
    # Interleaved, so that a busy moment on a shared machine hits both sides alike; the
    # minimum is the least disturbed run.
    for _ in range(REPEATS):
        ours_us.append(ours_timer.timeit(ours_number) / ours_number * 1e6)
        floor_us.append(floor_timer.timeit(floor_number) / floor_number * 1e6)
    ratio = min(floor_us) / min(ours_us)
    return _common.row(
        figure,
        ours=round(min(ours_us), 3),
        floor=round(min(floor_us), 3),
        ratio=ratio,
        target=f">= {target}",
        ok=ratio >= target,
        unit="us",
        note="per call; ratio = floor / ours",
    )


def run() -> list[dict[str, object]]:
    """Measure every figure; times are microseconds per call, ratio is floor / ours."""
    # rfc8785's annotations do not take a plain dict[str, object].
    entry: Any = record_entry()
    measured: Any = measured_entry()
    for value in (entry, measured):
        if canonical.dumps(value) != rfc8785.dumps(value):
            raise AssertionError("canonical.dumps and rfc8785.dumps disagree")
    encoded = canonical.dumps(entry)
    if canonical.loads(encoded) != json.loads(encoded):
        raise AssertionError("canonical.loads and json.loads disagree")
    return [
        _row(
            "dumps, record-like entry (fast path) vs rfc8785.dumps",
            lambda: canonical.dumps(entry),
            lambda: rfc8785.dumps(entry),
            3.0,
        ),
        _row(
            "dumps, entry with floats (full encoder) vs rfc8785.dumps",
            lambda: canonical.dumps(measured),
            lambda: rfc8785.dumps(measured),
            1.0,
        ),
        _row(
            "loads (strict), record-like entry vs json.loads",
            lambda: canonical.loads(encoded),
            lambda: json.loads(encoded),
            0.33,
        ),
    ]


if __name__ == "__main__":
    sys.exit(_common.print_rows(run()))

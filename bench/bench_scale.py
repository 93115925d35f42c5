"""Benchmark: a log of a million entries -- proofs, streaming audit, flat growth.

Run as ``python bench/bench_scale.py`` (or through ``bench/run.py``); ``--quick`` (in
``run.py``) stops at 10^5 entries. It grows one SQLite log through 10^4, 10^5 and 10^6
entries with the library's own batched append (10 000 per commit), measuring at each
size as ``scale.py`` does (the growth plot), and then:

* **proofs at 10^6**: in a freshly started process, the median of 200 inclusion and 200
  consistency proofs (target <= 1 ms each) and the node hashes each reads (target:
  within ``2 log2 n``, which is O(log n)); once with the log file in the operating
  system's page cache (read through first, as on a server that has been running) and
  once with it evicted (``posix_fadvise``), every page then read from the disk;
* **streaming audit**: a fresh process audits the whole log (every signature, chain,
  record, the Merkle root); its peak resident memory must stay under 150 MB;
* **flat growth**: rounds alternate a fresh 10^4-entry log and the big one: the append
  rate at 10^6 must be within 20% of the rate at 10^4 (ratio >= 0.8), and so must the
  proof time (ratio small / big >= 0.8, i.e. at most 1.25x as slow), both files in the
  page cache -- a file just written is, one reused from an earlier run may not be, and
  comparing a cached file with an uncached one measures the disk.

Set ``LEGALDELIVERY_BENCH_FIXTURES=DIR`` to keep the big log in DIR and reuse it next time
(it is otherwise built afresh in a temporary folder, about a minute and a half).
Set ``LEGALDELIVERY_BENCH_OUT=DIR`` to write the growth points and plot there.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import _common
import scale
from legaldelivery.log import EvidenceLog

BIG = _common.scaled(1_000_000, 100_000)
SMALL = _common.scaled(10_000, 1_000)
ROUNDS = _common.scaled(5, 3)
ROUND_APPENDS = 3_000


def build_big(folder: Path) -> tuple[Path, list[dict[str, Any]]]:
    """The big log (reused from the fixture folder when it is there) and the growth points."""
    path = folder / f"scale-{BIG}.sqlite"
    points_file = folder / f"scale-{BIG}.json"
    if path.exists() and points_file.exists():
        return path, list(json.loads(points_file.read_text()))
    for stale in folder.glob(f"scale-{BIG}.sqlite*"):
        stale.unlink()
    points = scale.measure_growth(path, scale.sizes_up_to(BIG, smallest=SMALL))
    points_file.write_text(json.dumps(points))
    return path, points


def flat_growth(folder: Path, big: Path) -> list[_common.Row]:
    """Alternate a fresh small log and the big one: append rate and proof time ratios."""
    key = _common.signer()
    append_ratios, proof_ratios = [], []
    small_rates, big_rates, small_ms, big_ms = [], [], [], []
    for number in range(ROUNDS):
        small = folder / f"small-{number}.sqlite"
        with EvidenceLog.create(small, origin=_common.ORIGIN, signer=key) as log:
            _common.grow(log, SMALL)
        rates: dict[str, float] = {}
        order = ["small", "big"] if number % 2 == 0 else ["big", "small"]
        for which in order:
            with EvidenceLog.open(small if which == "small" else big, signer=key) as log:
                rates[which] = scale.append_rate(log, ROUND_APPENDS)
        times: dict[str, float] = {}
        for which in order:
            path = small if which == "small" else big
            size = SMALL if which == "small" else BIG
            answer = scale.proof_times(path, size, seed=number)
            times[which] = (answer["inclusion_ms"] + answer["consistency_ms"]) / 2
        append_ratios.append(rates["big"] / rates["small"])
        proof_ratios.append(times["small"] / times["big"])
        small_rates.append(rates["small"])
        big_rates.append(rates["big"])
        small_ms.append(times["small"])
        big_ms.append(times["big"])
        for stale in folder.glob(f"small-{number}.sqlite*"):
            stale.unlink()
    append_ratio = _common.median(append_ratios)
    proof_ratio = _common.median(proof_ratios)
    return [
        _common.row(
            f"flat growth: append rate at {BIG:.0e} vs {SMALL:.0e} entries",
            ours=round(_common.median(big_rates)),
            floor=round(_common.median(small_rates)),
            ratio=append_ratio,
            target=">= 0.8",
            ok=append_ratio >= 0.8,
            unit="entries/s",
            note="floor = the rate at the small size",
        ),
        _common.row(
            f"flat growth: proof time at {BIG:.0e} vs {SMALL:.0e} entries",
            ours=round(_common.median(big_ms), 3),
            floor=round(_common.median(small_ms), 3),
            ratio=proof_ratio,
            target=">= 0.8",
            ok=proof_ratio >= 0.8,
            unit="ms",
            note="ratio = small / big time; per round, small/big ms: "
            + ", ".join(f"{a:.3f}/{b:.3f}" for a, b in zip(small_ms, big_ms, strict=True)),
        ),
    ]


def proof_rows(big: Path) -> list[_common.Row]:
    answer = scale.proof_times(big, BIG, seed=99)
    cold = scale.proof_times(big, BIG, seed=99, cold=True)
    bound = 2 * BIG.bit_length()
    rows = []
    for kind in ("inclusion", "consistency"):
        for measured, where in ((answer, "file in the OS cache"), (cold, "file evicted")):
            ms = measured[f"{kind}_ms"]
            rows.append(
                _common.row(
                    f"{kind} proof at {BIG:.0e}, fresh process, {where} (median of {scale.PROOFS})",
                    ours=round(ms, 3),
                    floor=1.0,
                    ratio=1.0 / ms,
                    target="<= 1 ms",
                    ok=ms <= 1.0,
                    unit="ms",
                    note="floor = the target time; ratio = target / ours",
                )
            )
        keys = answer[f"{kind}_keys"]
        rows.append(
            _common.row(
                f"{kind} proof at {BIG:.0e}: node rows read (most of {scale.PROOFS})",
                ours=keys,
                floor=bound,
                ratio=bound / max(keys, 1),
                target=f"<= 2 log2 n = {bound}",
                ok=keys <= bound,
                unit="rows",
                note=f"plus {answer['statements']} statements per proof",
            )
        )
    rows.append(
        _common.row(
            f"first proof after opening the log at {BIG:.0e} (cold, incl. open)",
            ours=round(answer["cold_ms"], 3),
            floor=1.0,
            ratio=1.0 / answer["cold_ms"],
            target="-",
            ok=None,
            unit="ms",
            note=f"{answer['cold_read_bytes']} bytes read through system calls",
        )
    )
    return rows


def streaming_row(big: Path) -> _common.Row:
    key = _common.signer()
    answer = _common.fresh("audit", str(big), key.vkey, 1, timeout=3600)
    if not answer["ok"]:
        raise AssertionError("the big log does not verify")
    peak_mb = answer["peak_bytes"] / 2**20
    return _common.row(
        f"streaming audit of {answer['size']} entries: peak resident memory",
        ours=round(peak_mb, 1),
        floor=150,
        ratio=150 / peak_mb,
        target="< 150 MB",
        ok=peak_mb < 150,
        unit="MB",
        note=f"single process, {answer['seconds']:.0f} s "
        f"({answer['seconds'] / answer['size'] * 1e6:.0f} us per entry)",
    )


def run() -> list[_common.Row]:
    """Build (or reuse) the big log, then measure every figure at scale."""
    keep = os.environ.get("LEGALDELIVERY_BENCH_FIXTURES")
    out = os.environ.get("LEGALDELIVERY_BENCH_OUT")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep) if keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        big, points = build_big(folder)
        if out:
            target = Path(out)
            target.mkdir(parents=True, exist_ok=True)
            (target / "growth.json").write_text(json.dumps(points, indent=1) + "\n")
            (target / "growth.svg").write_text(
                scale.svg(points, "legaldelivery: cost against log size (SQLite)")
            )
        rows = proof_rows(big)
        rows.extend(flat_growth(Path(tmp), big))
        rows.append(streaming_row(big))
    return rows


if __name__ == "__main__":
    sys.exit(_common.print_rows(run()))

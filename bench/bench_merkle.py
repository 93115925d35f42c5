"""Benchmark: our Merkle trees side by side with pymerkle 7, in the same run.

Run as ``python bench/bench_merkle.py`` (or through ``bench/run.py``); needs
``pymerkle>=7,<8`` (a bench-only dependency).

* ``Merkle-only appends``: :class:`legaldelivery.merkle.MerkleTree` (every subtree hash
  kept, proofs at any size) against pymerkle's ``InmemoryTree``, appending the same
  10^5 leaves one at a time, each in a fresh process. Time ratio (theirs / ours) target
  >= 3; memory held once built (``tracemalloc``), ours / theirs target <= 1/3.
* ``cold inclusion proof at 10^5 from SQLite``: a fresh process opens the log and proves
  one entry, ours (an evidence log in SQLite) against pymerkle's ``SqliteTree`` holding
  the same 10^5 entries; the same random entries for both. Ratio theirs / ours, target
  >= 20.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import _common
from legaldelivery.log import EvidenceLog

TREE_LEAVES = _common.scaled(100_000, 20_000)
LOG_ENTRIES = _common.scaled(100_000, 20_000)
ROUNDS = _common.scaled(3, 1)
COLD_PROOFS = _common.scaled(7, 3)


def appends() -> list[_common.Row]:
    times = _common.rounds(
        ROUNDS,
        lambda: float(_common.fresh("tree_memory", "ours", TREE_LEAVES)["seconds"]),
        lambda: float(_common.fresh("tree_memory", "pymerkle", TREE_LEAVES)["seconds"]),
    )
    speed = _common.median([theirs / ours for ours, theirs in times])
    ours = _common.fresh("tree_memory", "ours", TREE_LEAVES)
    theirs = _common.fresh("tree_memory", "pymerkle", TREE_LEAVES)
    if ours["root"] != theirs["root"]:
        raise AssertionError("the two trees disagree on the root")
    ours_memory, their_memory = ours["held_bytes"], theirs["held_bytes"]
    share = ours_memory / their_memory
    return [
        _common.row(
            f"Merkle-only appends of {TREE_LEAVES} leaves vs pymerkle InmemoryTree",
            ours=round(TREE_LEAVES / _common.median([t[0] for t in times])),
            floor=round(TREE_LEAVES / _common.median([t[1] for t in times])),
            ratio=speed,
            target=">= 3",
            ok=speed >= 3,
            unit="appends/s",
            note="floor = pymerkle; ratio = how many times faster",
        ),
        _common.row(
            f"Merkle tree memory at {TREE_LEAVES} leaves vs pymerkle InmemoryTree",
            ours=round(ours_memory / TREE_LEAVES, 1),
            floor=round(their_memory / TREE_LEAVES, 1),
            ratio=share,
            target="<= 0.333",
            ok=share <= 1 / 3,
            unit="bytes/leaf",
            note="ratio = ours / theirs",
        ),
    ]


def cold_proofs(folder: Path) -> list[_common.Row]:
    from pymerkle import SqliteTree

    ours_path = folder / "ours.sqlite"
    with EvidenceLog.create(ours_path, origin=_common.ORIGIN, signer=_common.signer()) as log:
        _common.grow(log, LOG_ENTRIES)
        entries = list(log.store.iter_entries())
        root = log.root_hash()
    theirs_path = folder / "pymerkle.db"
    with SqliteTree(str(theirs_path)) as tree:
        tree.append_entries(entries)
        if tree.get_root() != root:
            raise AssertionError("pymerkle and the log disagree on the root")
    del entries
    rng = random.Random(5)
    ratios, ours_ms, their_ms = [], [], []
    for number in range(COLD_PROOFS):
        index = rng.randrange(LOG_ENTRIES)
        answers = {}
        order = ["ours", "pymerkle"] if number % 2 == 0 else ["pymerkle", "ours"]
        for who in order:
            task, path = (
                ("cold_ours", ours_path) if who == "ours" else ("cold_pymerkle", theirs_path)
            )
            answers[who] = _common.fresh(task, str(path), LOG_ENTRIES, index)
        if answers["ours"]["proof"] != answers["pymerkle"]["proof"]:
            raise AssertionError("the two proofs differ")
        ours_ms.append(answers["ours"]["ms"])
        their_ms.append(answers["pymerkle"]["ms"])
        ratios.append(answers["pymerkle"]["ms"] / answers["ours"]["ms"])
    ratio = _common.median(ratios)
    return [
        _common.row(
            f"cold inclusion proof at {LOG_ENTRIES} entries from SQLite vs pymerkle SqliteTree",
            ours=round(_common.median(ours_ms), 2),
            floor=round(_common.median(their_ms), 2),
            ratio=ratio,
            target=">= 20",
            ok=ratio >= 20,
            unit="ms",
            note="fresh process: open + one proof; ratio = theirs / ours",
        )
    ]


def run() -> list[_common.Row]:
    """Measure every figure against pymerkle."""
    rows = appends()
    with tempfile.TemporaryDirectory() as tmp:
        rows.extend(cold_proofs(Path(tmp)))
    return rows


if __name__ == "__main__":
    sys.exit(_common.print_rows(run()))

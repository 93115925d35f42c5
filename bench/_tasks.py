"""Measurements that must start from a fresh process: ``python bench/_tasks.py TASK ARGS``.

``ARGS`` is a JSON list; the answer is one JSON document on stdout. A fresh process has
nothing cached -- no imported statement, no node hash, no page in SQLite's cache -- so
what it measures is what a court's tool pays when it starts up to answer one question.
"""

from __future__ import annotations

import json
import random
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _read_chars() -> int:
    """Bytes this process has read through system calls so far (Linux), or -1."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


class _Counter:
    """Counts, per proof, the node hashes asked of SQLite and the bytes read from disk."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.keys = 0
        self.statements = 0
        conn.set_trace_callback(self._trace)

    def _trace(self, sql: str) -> None:
        self.statements += 1
        if "AS wanted_nodes" in sql:
            # One "(level, idx)" pair in the VALUES list per node asked for.
            self.keys += sql.count("), (") + 1


def proofs(path: str, size: int, count: int, seed: int) -> dict[str, Any]:
    """Open the log, then time ``count`` inclusion and consistency proofs at ``size``."""
    from legaldelivery import merkle
    from legaldelivery.log import EvidenceLog
    from legaldelivery.log.sqlite import SqliteStore

    rng = random.Random(seed)
    before = _read_chars()
    start = time.perf_counter()
    log = EvidenceLog.open(path)
    store = log.store
    assert isinstance(store, SqliteStore)
    counter = _Counter(store.connection)
    first_index = rng.randrange(size)
    first = log.inclusion_proof(first_index, size)
    cold_ms = (time.perf_counter() - start) * 1000
    cold_read = _read_chars() - before if before >= 0 else -1
    cold_keys = counter.keys
    root = log.root_hash(size)
    merkle.verify_inclusion(
        merkle.leaf_hash(store.read_entry(first_index)), first_index, size, first, root
    )

    def measure(make: Callable[[], list[bytes]]) -> tuple[float, int, int]:
        keys, statements = counter.keys, counter.statements
        began = time.perf_counter()
        make()
        elapsed = (time.perf_counter() - began) * 1000
        return elapsed, counter.keys - keys, counter.statements - statements

    indices = [rng.randrange(size) for _ in range(count)]
    olds = [rng.randrange(1, size) if size > 1 else 1 for _ in range(count)]
    inclusion = [measure(lambda i=i: log.inclusion_proof(i, size)) for i in indices]  # type: ignore[misc]
    consistency = [measure(lambda o=o: log.consistency_proof(o, size)) for o in olds]  # type: ignore[misc]
    old = rng.randrange(1, size)
    merkle.verify_consistency(old, size, log.root_hash(old), root, log.consistency_proof(old, size))
    log.close()
    return {
        "cold_ms": cold_ms,
        "cold_keys": cold_keys,
        "cold_read_bytes": cold_read,
        "inclusion_ms": statistics.median(t for t, _, _ in inclusion),
        "inclusion_keys": max(k for _, k, _ in inclusion),
        "consistency_ms": statistics.median(t for t, _, _ in consistency),
        "consistency_keys": max(k for _, k, _ in consistency),
        "statements": max(s for _, _, s in inclusion + consistency),
    }


def cold_ours(path: str, size: int, index: int) -> dict[str, Any]:
    """Open the log and prove one entry: the whole cold cost."""
    from legaldelivery.log import EvidenceLog

    start = time.perf_counter()
    with EvidenceLog.open(path) as log:
        proof = log.inclusion_proof(index, size)
    return {"ms": (time.perf_counter() - start) * 1000, "proof": [h.hex() for h in proof]}


def cold_pymerkle(path: str, size: int, index: int) -> dict[str, Any]:
    """Open pymerkle's SqliteTree and prove one entry: the whole cold cost."""
    from pymerkle import SqliteTree

    start = time.perf_counter()
    with SqliteTree(path) as tree:
        proof = tree.prove_inclusion(index + 1, size)  # pymerkle counts from one
    elapsed = (time.perf_counter() - start) * 1000
    # pymerkle's path starts with the leaf's own hash; RFC 6962's starts with its sibling.
    return {"ms": elapsed, "proof": [h.hex() for h in proof.path[1:]]}


def audit(path: str, vkey: str, workers: int) -> dict[str, Any]:
    """Audit the whole log; its time and this process's peak resident memory."""
    from legaldelivery import audit_log
    from legaldelivery.keys import Verifier

    start = time.perf_counter()
    report = audit_log(path, trusted=[Verifier.from_vkey(vkey)], workers=workers)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "ok": report.ok, "size": report.size, "peak_bytes": _peak_rss()}


def _peak_rss() -> int:
    """This process's peak resident memory, in bytes.

    Linux's VmHWM, which belongs to this program alone: ``ru_maxrss`` would also count
    the parent's pages this process shared between fork and exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, else KiB


def tree_memory(kind: str, count: int) -> dict[str, Any]:
    """Bytes a Merkle tree of ``count`` leaves holds once built (tracemalloc), and its time."""
    import tracemalloc

    data = [b"entry %d " % i * 24 for i in range(count)]
    build = _tree_builder(kind, data)
    elapsed = -time.perf_counter()
    build()
    elapsed += time.perf_counter()
    tracemalloc.start()
    tree = build()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    root = tree.root() if kind == "ours" else tree.get_root()  # type: ignore[attr-defined]
    return {"held_bytes": held, "peak_bytes": peak, "seconds": elapsed, "root": root.hex()}


def _tree_builder(kind: str, data: list[bytes]) -> Callable[[], object]:
    if kind == "ours":
        from legaldelivery import merkle

        def ours() -> object:
            tree, leaf_hash = merkle.MerkleTree(), merkle.leaf_hash
            for item in data:
                tree.append(leaf_hash(item))
            return tree

        return ours
    from pymerkle import InmemoryTree

    def theirs() -> object:
        tree = InmemoryTree()
        for item in data:
            tree.append_entry(item)
        return tree

    return theirs


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "proofs": proofs,
    "cold_ours": cold_ours,
    "cold_pymerkle": cold_pymerkle,
    "audit": audit,
    "tree_memory": tree_memory,
}

if __name__ == "__main__":
    name, arguments = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(TASKS[name](*arguments)))

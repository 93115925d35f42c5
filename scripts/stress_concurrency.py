"""Concurrency stress: many writer processes on one log for a long run, some killed midway.

    python scripts/stress_concurrency.py                    # 8 writers, 60 s per store
    python scripts/stress_concurrency.py --writers 16 --seconds 600 --store postgres

For each store, ``--writers`` processes (forked, each with its own mode: single appends,
``append_many`` batches or a batching writer) append to one new log at once, contending
for the store's lock: SQLite's write lock, the ``flock`` of a JSON Lines file, or
PostgreSQL's advisory lock. About every ``1 / --churn`` seconds one of them is killed
with SIGKILL and a new one takes its place, so crashes happen under contention too. At
the end the others are stopped (SIGTERM: they finish the call in progress), and:

* no entry number was acknowledged to two writers (one linear chain, never a fork);
* every acknowledged entry is in the log with its hash;
* the whole log passes a full audit (chain, signatures, Merkle root).

The last line is the count: acknowledged entries, found, lost (must be 0). Exit status
1 at the first failure, with the logs kept.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from stress_common import MODES, ORIGIN, STORES, CheckError, Ledger, Writer, locations, new_log

from legaldelivery.keys import Ed25519Signer


def run_store(
    store: str, location: str, args: argparse.Namespace, rng: random.Random
) -> tuple[int, int]:
    """One long run on one log; returns (acknowledged, found)."""
    signer = Ed25519Signer.generate(ORIGIN)
    ledger = Ledger(location, new_log(location, signer))
    started = time.perf_counter()
    writers = [Writer(location, signer, rng.choice(MODES)) for _ in range(args.writers)]
    spawned, killed = len(writers), 0
    next_kill = started + rng.expovariate(args.churn) if args.churn > 0 else float("inf")
    try:
        while (now := time.perf_counter()) < started + args.seconds:
            if now >= next_kill:
                victim = writers.pop(rng.randrange(len(writers)))
                victim.kill()
                ledger.add(victim.acks())
                killed += 1
                writers.append(Writer(location, signer, rng.choice(MODES)))
                spawned += 1
                next_kill = now + rng.expovariate(args.churn)
            time.sleep(min(0.05, max(0.0, next_kill - now)))
    finally:
        for writer in writers:
            writer.stop()
            ledger.add(writer.acks())
    elapsed = time.perf_counter() - started
    size = ledger.check([], audit=True, key=signer)
    acked = len(ledger.acked)
    found = sum(1 for seq in ledger.acked if seq < size)
    print(
        f"{store}: {spawned} writers ({args.writers} at a time, {killed} killed), "
        f"{acked} acknowledged, {found} found after a full audit, {size} entries, "
        f"{size / elapsed:.0f} entries/s over {elapsed:.0f} s",
        flush=True,
    )
    return acked, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (default 8)")
    parser.add_argument("--seconds", type=float, default=60, help="length of each run")
    parser.add_argument(
        "--churn", type=float, default=0.5, help="writer kills per second (0: none)"
    )
    parser.add_argument(
        "--store",
        action="append",
        choices=STORES,
        help="store kind, repeatable (default: sqlite and jsonl)",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--dir", type=Path, default=None, help="where to keep the logs")
    parser.add_argument("--postgres-url", default=None, help="a server to make databases on")
    args = parser.parse_args(argv)
    if args.writers < 1:
        parser.error("--writers must be at least 1")
    if args.seed is None:
        args.seed = random.randrange(2**32)  # noqa: S311
    print(f"seed {args.seed}", flush=True)
    rng = random.Random(args.seed)  # noqa: S311 -- scheduling jitter, not secrets
    folder = args.dir or Path(tempfile.mkdtemp(prefix="stress-concurrency-"))
    folder.mkdir(parents=True, exist_ok=True)
    total_acked = total_found = 0
    try:
        with locations(folder, args.postgres_url) as where:
            for store in args.store or ["sqlite", "jsonl"]:
                acked, found = run_store(store, where.new(store), args, rng)
                total_acked += acked
                total_found += found
    except CheckError as exc:
        print(f"FAILED: {exc}\nlogs kept in {folder}")
        return 1
    lost = total_acked - total_found
    print(f"TOTAL: {total_acked} acknowledged entries, {total_found} found, {lost} lost")
    print(f"logs in {folder}")
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

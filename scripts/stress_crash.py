"""Crash stress: SIGKILL log writers at random moments, then prove nothing acknowledged was lost.

    python scripts/stress_crash.py                       # 1000 kills over SQLite and JSON Lines
    python scripts/stress_crash.py --kills 3000 --store sqlite --store jsonl --store postgres

Each round forks a writer (single appends, ``append_many`` batches or a batching writer)
on the current log of a store, lets it run for a random moment -- sometimes less than it
takes to open the log, mostly in the middle of its appends -- and kills it with SIGKILL.
After every kill: a torn last JSON Lines line is cut with ``recover()`` (and counted),
every entry the writer acknowledged is in the log with its hash, and the entries
committed before are unchanged (the root at the old size). Every
``--per-log`` kills, and at the end, the log gets a full audit (chain, signatures, Merkle
root) and every acknowledgement ever made on it is checked again. PostgreSQL logs are
made in a throwaway cluster (the server programs are needed), or in new databases of the
server ``--postgres-url`` names (a role that may create databases).

The last line is the count: kills, acknowledged entries, acknowledged entries found,
lost (must be 0). Exit status 1 at the first failure, with the logs kept.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from stress_common import (
    MODES,
    ORIGIN,
    STORES,
    CheckError,
    Ledger,
    Writer,
    locations,
    new_log,
)

from legaldelivery.keys import Ed25519Signer


class StoreRun:
    """The rounds of one store: its current log and ledger, and its counts."""

    def __init__(self, store: str) -> None:
        self.store = store
        self.ledgers: list[Ledger] = []
        self.kills = 0
        self.acked = 0

    @property
    def ledger(self) -> Ledger:
        return self.ledgers[-1]


def stress(args: argparse.Namespace, folder: Path) -> int:
    rng = random.Random(args.seed)  # noqa: S311 -- timing jitter, not secrets
    started = time.perf_counter()
    signer = Ed25519Signer.generate(ORIGIN)
    stores = args.store or ["sqlite", "jsonl"]
    runs = {store: StoreRun(store) for store in stores}
    with locations(folder, args.postgres_url) as where:
        for run in runs.values():
            location = where.new(run.store)
            run.ledgers.append(Ledger(location, new_log(location, signer)))
        for kill in range(args.kills):
            run = runs[stores[kill % len(stores)]]
            ledger = run.ledger
            writer = Writer(ledger.location, signer, rng.choice(MODES))
            # One in five dies at any moment, opening the log included; the others while
            # they append, from their first call on.
            if rng.random() < 0.2:
                time.sleep(rng.uniform(0, 0.05))
            else:
                writer.wait_ready()
                time.sleep(rng.choice([0.0, rng.uniform(0, 0.01), rng.uniform(0, args.max_delay)]))
            writer.kill()
            acks = writer.acks()
            ledger.add(acks)
            run.kills += 1
            run.acked += len(acks)
            audit = run.kills % args.per_log == 0
            ledger.check(acks, audit=audit, key=signer)
            if audit and kill + len(stores) < args.kills:
                location = where.new(run.store)
                run.ledgers.append(Ledger(location, new_log(location, signer)))
            if (kill + 1) % 100 == 0:
                print(f"  {kill + 1} kills", flush=True)
        total_acked = total_found = total_kills = 0
        for run in runs.values():
            found = 0
            for ledger in run.ledgers:
                ledger.check([], audit=True, key=signer)
                found += len(ledger.acked)
            acked = run.acked + len(run.ledgers)  # with each log's first entry
            entries = sum(ledger.size for ledger in run.ledgers)
            torn = sum(ledger.torn for ledger in run.ledgers)
            print(
                f"{run.store}: {run.kills} kills on {len(run.ledgers)} logs, {acked} "
                f"acknowledged, {found} found after a full audit, {entries} entries in all, "
                f"{torn} torn tails recovered"
            )
            total_kills += run.kills
            total_acked += acked
            total_found += found
    lost = total_acked - total_found
    print(
        f"TOTAL: {total_kills} SIGKILLs, {total_acked} acknowledged entries, "
        f"{total_found} found, {lost} lost ({time.perf_counter() - started:.0f} s)"
    )
    return 0 if lost == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kills", type=int, default=1000, help="total kills (default 1000)")
    parser.add_argument(
        "--store",
        action="append",
        choices=STORES,
        help="store kind, repeatable (default: "
        "sqlite and jsonl); kills are spread evenly over the stores",
    )
    parser.add_argument(
        "--per-log", type=int, default=50, help="kills before a full audit and a new log"
    )
    parser.add_argument(
        "--max-delay", type=float, default=0.15, help="longest writer life, seconds"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--dir", type=Path, default=None, help="where to keep the logs")
    parser.add_argument("--postgres-url", default=None, help="a server to make databases on")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.randrange(2**32)  # noqa: S311
    print(f"seed {args.seed}", flush=True)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="stress-crash-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        status = stress(args, folder)
    except CheckError as exc:
        print(f"FAILED: {exc}\nlogs kept in {folder}")
        return 1
    print(f"logs in {folder}")
    return status


if __name__ == "__main__":
    sys.exit(main())

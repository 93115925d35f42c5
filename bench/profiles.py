"""Profile the paths whose targets are still missed: where the time goes, function by function.

Usage: ``python bench/profiles.py [append|audit|bundle ...] [--top N]`` (default: all
three, the 15 functions with the most time of their own). Not a benchmark (``run.py``
loads only ``bench_*.py``): it prints cProfile's table for

* ``append``: 1000 durable single appends (one commit each, ``synchronous=FULL``) to a
  SQLite log -- the path of ``append durable single``;
* ``audit``: a single-process :func:`legaldelivery.audit_log` of a 10^4-entry SQLite log;
* ``bundle``: 300 verifications of the bench's proof-of-service bundle.

cProfile adds a fixed cost to every Python call, so Python-heavy parts look larger than
they are next to C (signing, hashing, SQLite, the JSON codec); the benches' ratios are
the measure, this is the map.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import _common
from legaldelivery import audit_log
from legaldelivery.log import EvidenceLog


def append_path(folder: Path) -> Callable[[], object]:
    log = EvidenceLog.create(
        folder / "append.sqlite", origin=_common.ORIGIN, signer=_common.signer()
    )
    records = _common.records(1100)
    for record in records[:100]:  # past the first commits' one-off work
        log.append(record)

    def run() -> None:
        for record in records[100:]:
            log.append(record)

    return run


def audit_path(folder: Path) -> Callable[[], object]:
    path = folder / "audit.sqlite"
    with EvidenceLog.create(path, origin=_common.ORIGIN, signer=_common.signer()) as log:
        _common.grow(log, 10_000, batch=5_000)
    verifier = _common.signer().verifier
    return lambda: audit_log(path, trusted=[verifier])


def bundle_path(folder: Path) -> Callable[[], object]:
    import bench_bundle
    from legaldelivery.audit.bundle import verify_bundle

    bundle, key = bench_bundle.build()
    verifier = key.verifier

    def run() -> None:
        for _ in range(300):
            verify_bundle(bundle, trusted=[verifier])

    return run


PATHS: dict[str, Callable[[Path], Callable[[], object]]] = {
    "append": append_path,
    "audit": audit_path,
    "bundle": bundle_path,
}


def profile(name: str, top: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        action = PATHS[name](Path(tmp))
        profiler = cProfile.Profile()
        profiler.runcall(action)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return f"== {name}\n{out.getvalue()}"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", help=f"of {', '.join(PATHS)} (default: all)")
    parser.add_argument("--top", type=int, default=15, help="functions to show per path")
    args = parser.parse_args(argv)
    unknown = [name for name in args.paths if name not in PATHS]
    if unknown:
        parser.error(f"unknown path {unknown[0]!r}: choose from {', '.join(PATHS)}")
    for name in args.paths or list(PATHS):
        print(profile(name, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run a fuzz target with atheris, replay inputs, or self-test every target without atheris.

    pip install atheris                       # optional: only for coverage-guided runs
    python fuzz/run.py entry -max_total_time=600 fuzz/corpus/entry
    python fuzz/run.py --replay entry crash-1234      # one input file (or a directory)
    python fuzz/run.py --self-test --iterations 2000  # every target, random mutations

Targets are listed in ``fuzz/targets.py``. With atheris, the seeds of the target are
written into the corpus directory (if one is given and empty) before fuzzing starts.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        at = rng.randint(0, len(data))
        choice = rng.random()
        if choice < 0.3 and at < len(data):
            data[at] ^= rng.randint(1, 255)
        elif choice < 0.5:
            data[at:at] = bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 8)))
        elif choice < 0.7:
            del data[at : at + rng.randint(1, 32)]
        elif choice < 0.85:
            data[at:at] = rng.choice([b'"', b"\\u", b"[", b"{", b"\n", b"\xff", b"=", b"\0"])
        else:
            end = min(len(data), at + rng.randint(1, 64))
            data[at:at] = data[at:end]
    return bytes(data)


def self_test(iterations: int, seed: int) -> int:
    """Every target on its seeds and on random mutations of them; 1 on any escape."""
    from targets import SEEDS, TARGETS, run

    rng = random.Random(seed)  # noqa: S311 -- test inputs, not secrets
    for name in TARGETS:
        for data in SEEDS[name]:
            run(name, data)
        for _ in range(iterations):
            data = _mutate(rng, rng.choice(SEEDS[name]))
            try:
                run(name, data)
            except Exception:
                print(f"target {name}: input {data!r}", file=sys.stderr)
                raise
        print(f"{name}: {iterations} mutations, no escape")
    return 0


def replay(name: str, paths: list[Path]) -> int:
    from targets import run

    files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
    for path in files:
        run(name, path.read_bytes())
    print(f"{name}: {len(files)} inputs replayed, no escape")
    return 0


def fuzz(name: str, argv: list[str]) -> int:
    try:
        import atheris  # type: ignore[import-untyped]
    except ImportError:
        print("atheris is not installed (pip install atheris); try --self-test", file=sys.stderr)
        return 2
    with atheris.instrument_imports():
        import targets

    corpus = [Path(a) for a in argv if not a.startswith("-")]
    for folder in corpus:
        if folder.is_dir() and not any(folder.iterdir()):
            for i, data in enumerate(targets.SEEDS[name]):
                (folder / f"seed-{i}").write_bytes(data)

    def one_input(data: bytes) -> None:
        targets.run(name, data)

    atheris.Setup([sys.argv[0], *argv], one_input)
    atheris.Fuzz()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", help="a target of fuzz/targets.py")
    parser.add_argument("--replay", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args, rest = parser.parse_known_args()
    if args.self_test:
        return self_test(args.iterations, args.seed)
    if not args.target:
        parser.error("name a target, or pass --self-test")
    if args.replay:
        return replay(args.target, args.replay)
    return fuzz(args.target, rest)


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark and print one table: figure, ours, floor, ratio, target, pass/fail.

Usage: ``python bench/run.py [NAME ...]`` where NAME is a bench module's suffix
(``canonical`` for ``bench_canonical.py``); without names every ``bench_*.py`` runs.
Each module also runs alone (``python bench/bench_canonical.py``). Every figure is a ratio
against a floor measured in the same run on the same data, because absolute times on a
shared machine mean little. Exits non-zero when any figure misses its target.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def main(argv: list[str]) -> int:
    paths = sorted(HERE.glob("bench_*.py"))
    if argv:
        wanted = {f"bench_{name}" for name in argv}
        paths = [p for p in paths if p.stem in wanted]
        missing = wanted - {p.stem for p in paths}
        if missing:
            print(f"no such benchmark: {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    rows: list[dict[str, object]] = []
    for path in paths:
        module = _load(path)
        run = getattr(module, "run", None)
        if run is None:
            continue
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        rows.extend(run())
    header = ("figure", "ours", "floor", "ratio", "target", "ok")
    table = [header] + [
        tuple(
            _fmt(row.get(k, "")) if k != "ok" else ("PASS" if row["ok"] else "FAIL") for k in header
        )
        for row in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

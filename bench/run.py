"""Run every benchmark and print one table: figure, ours, floor, ratio, target, pass/fail.

Usage: ``python bench/run.py [--quick] [--markdown FILE] [NAME ...]`` where NAME is a
bench module's suffix (``canonical`` for ``bench_canonical.py``); without names every
``bench_*.py`` runs. Each module also runs alone (``python bench/bench_canonical.py``).
Every figure is a ratio against a floor (or a peer) measured in the same run on the same
data, because absolute times on a shared machine mean little. ``--quick`` runs smaller
logs (the figures "at 10^6" then stop at 10^5). Exits non-zero when any figure misses
its target; lines marked ``info`` inform and have none.

A module's ``run()`` returns rows: dicts with ``figure``, ``ours``, ``floor``, ``ratio``,
``target`` and ``ok`` (True, False, or None for information), and optionally ``unit``
and ``note``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
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
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _verdict(ok: object) -> str:
    if ok is True:
        return "PASS"
    return "FAIL" if ok is False else "info"


def _cells(row: dict[str, object]) -> tuple[str, ...]:
    unit = f" {row['unit']}" if row.get("unit") else ""
    return (
        str(row["figure"]),
        _fmt(row.get("ours", "")) + unit,
        _fmt(row.get("floor", "")) + unit,
        _fmt(row.get("ratio", "")),
        str(row.get("target", "")),
        _verdict(row.get("ok")),
    )


HEADER = ("figure", "ours", "floor / peer", "ratio", "target", "ok")


def text_table(rows: list[dict[str, object]]) -> str:
    table = [HEADER, *(_cells(row) for row in rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    lines = []
    for i, cells in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {row['figure']}: {row['note']}" for row in rows if row.get("note")]
    if notes:
        lines.extend(["", "notes:", *notes])
    return "\n".join(lines)


def markdown_table(rows: list[dict[str, object]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = list(_cells(row))
        if row.get("note"):
            cells[0] += f" ({row['note']})"
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks; print one table.")
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="smaller logs, fewer rounds")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args(argv)
    if args.quick:
        # Read by _common at import, and by the fresh processes the benchmarks start.
        os.environ["LEGALDELIVERY_BENCH_QUICK"] = "1"
    paths = sorted(HERE.glob("bench_*.py"))
    if args.names:
        wanted = {f"bench_{name}" for name in args.names}
        paths = [p for p in paths if p.stem in wanted]
        missing = wanted - {p.stem for p in paths}
        if missing:
            print(f"no such benchmark: {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    rows: list[dict[str, object]] = []
    started = time.perf_counter()
    for path in paths:
        module = _load(path)
        run = getattr(module, "run", None)
        if run is None:
            continue
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        rows.extend(run())
        print(f"  {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    print(text_table(rows))
    print(f"\n{machine()}; {time.perf_counter() - started:.0f} s in all")
    if args.markdown:
        args.markdown.write_text(markdown_table(rows))
    return 0 if all(row.get("ok") is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

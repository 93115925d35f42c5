"""How cost grows with log size: append rate and proof time, from 10^3 entries up.

Run by hand: ``python bench/scale.py --max 10000000 --svg docs/performance-growth.svg``
grows one SQLite log through 10^3, 10^4, ... up to ``--max`` entries and, at each size,
measures

* the append rate: 5000 more entries through a ``BatchingWriter`` (one commit per 1000),
* proof times: the median of 200 inclusion and 200 consistency proofs at that size, in a
  freshly started process (nothing cached), and the node hashes each proof reads.

It prints one line per size, writes the points as JSON (``--json``) and draws them as an
SVG (``--svg``): two panels, log-scaled sizes. A flat line is the point: appends and proofs
cost the same at any size. ``bench_scale.py`` runs the same measurement up to 10^6.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _common
from legaldelivery.log import EvidenceLog
from legaldelivery.log.batching import BatchingWriter

APPEND_BATCH = 5_000
PROOFS = 200


def append_rate(log: EvidenceLog, count: int = APPEND_BATCH) -> float:
    """Entries per second for ``count`` appends, one commit per 1000."""
    pool = _common.records(256)

    def work() -> None:
        with BatchingWriter(log, max_entries=1000) as writer:
            for i in range(count):
                writer.add(pool[i % len(pool)])

    return count / _common.timed(work)


def proof_times(path: Path, size: int, seed: int = 1, *, cold: bool = False) -> dict[str, Any]:
    """Proof medians at ``size`` from a fresh process (see ``_tasks.proofs``).

    The process starts with nothing cached of its own; what the operating system holds
    of the file is set first, so that two logs compare alike: by default the whole file
    is read through once (a server that has been running has its log in the page cache),
    with ``cold`` it is dropped from the page cache, and every page read goes to the disk.
    """
    if cold:
        _common.evict(path)
    else:
        _common.warm(path)
    answer: dict[str, Any] = _common.fresh("proofs", str(path), size, PROOFS, seed)
    return answer


def sizes_up_to(largest: int, smallest: int = 1_000) -> list[int]:
    sizes = []
    size = smallest
    while size <= largest:
        sizes.append(size)
        size *= 10
    return sizes


def measure_growth(path: Path, sizes: Sequence[int], *, quiet: bool = True) -> list[dict[str, Any]]:
    """Grow the log at ``path`` through ``sizes``; one measured point per size."""
    points = []
    log = EvidenceLog.create(path, origin=_common.ORIGIN, signer=_common.signer())
    try:
        for size in sizes:
            _common.grow(log, size)
            proofs = proof_times(path, size)
            rate = append_rate(log)
            point = {"size": size, "append_per_s": rate, **proofs}
            points.append(point)
            if not quiet:
                print(
                    f"{size:>10}  append {rate:8.0f}/s  inclusion {proofs['inclusion_ms']:.3f} ms"
                    f" ({proofs['inclusion_keys']} nodes)  consistency "
                    f"{proofs['consistency_ms']:.3f} ms ({proofs['consistency_keys']} nodes)",
                    flush=True,
                )
    finally:
        log.close()
    return points


# -- the plot ---------------------------------------------------------------------------------


def svg(points: Sequence[dict[str, Any]], title: str) -> str:
    """Two panels side by side: append rate, and proof times, against log size (log scale)."""
    width, height, pad = 460, 300, 60
    sizes = [p["size"] for p in points]
    panels = [
        ("appends per second (commit per 1000)", [("append", "append_per_s", "#1f77b4")]),
        (
            "proof time, ms (median, fresh process)",
            [
                ("inclusion", "inclusion_ms", "#d62728"),
                ("consistency", "consistency_ms", "#2ca02c"),
            ],
        ),
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width}" height="{height + 40}" '
        f'font-family="sans-serif" font-size="12">',
        f'<text x="{width}" y="18" text-anchor="middle" font-size="14">{_escape(title)}</text>',
    ]
    low, high = min(sizes), max(sizes)
    span = max(_log10(high) - _log10(low), 1e-9)
    for panel, (label, series) in enumerate(panels):
        left = panel * width + pad
        top = 40
        plot_w, plot_h = width - pad - 20, height - pad - 10
        top_value = max(p[key] for _, key, _ in series for p in points) * 1.2 or 1.0

        def x(size: float, left: float = left, plot_w: float = plot_w) -> float:
            return left + (_log10(size) - _log10(low)) / span * plot_w

        def y(
            value: float, top: float = top, plot_h: float = plot_h, cap: float = top_value
        ) -> float:
            return top + plot_h - value / cap * plot_h

        parts.append(
            f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
            'stroke="#888"/>'
        )
        middle = left + plot_w / 2
        parts.append(
            f'<text x="{middle}" y="{top - 6}" text-anchor="middle">{_escape(label)}</text>'
        )
        for fraction in (0, 0.25, 0.5, 0.75, 1.0):
            value = top_value * fraction
            parts.append(
                f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                f"{_number(value)}</text>"
            )
        for size in sizes:
            parts.append(
                f'<text x="{x(size):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"10^{round(_log10(size))}</text>"
            )
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle">'
            "entries in the log</text>"
        )
        for offset, (name, key, colour) in enumerate(series):
            line = " ".join(f"{x(p['size']):.1f},{y(p[key]):.1f}" for p in points)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            for p in points:
                parts.append(
                    f'<circle cx="{x(p["size"]):.1f}" cy="{y(p[key]):.1f}" r="3" fill="{colour}"/>'
                )
            parts.append(
                f'<text x="{left + 10}" y="{top + 16 + 14 * offset}" fill="{colour}">{name}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _log10(value: float) -> float:
    import math

    return math.log10(value)


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.2g}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max", type=int, default=1_000_000, help="largest size (default 10^6)")
    parser.add_argument("--json", type=Path, help="write the points here")
    parser.add_argument("--svg", type=Path, help="draw the points here")
    parser.add_argument("--dir", type=Path, help="keep the log here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        points = measure_growth(folder / "growth.sqlite", sizes_up_to(args.max), quiet=False)
    if args.json:
        args.json.write_text(json.dumps(points, indent=1) + "\n")
    if args.svg:
        args.svg.write_text(svg(points, "legaldelivery: cost against log size (SQLite)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmark: verifying a proof-of-service bundle against its raw signature verifications.

Run as ``python bench/bench_bundle.py`` (or through ``bench/run.py``).

The bundle is that of one order (the sample story: a consent, the order and six evidence
events) cut from a log of 10^4 entries in which other orders' events surround it, so its
inclusion proofs are those of a real log. :func:`legaldelivery.audit.bundle.verify_bundle`
checks every entry (canonical bytes, members, record, signature and key, chain, time),
every inclusion proof against the signed checkpoint, the checkpoint's signature and the
order's story. The floor is what it cannot skip: ``cryptography``'s Ed25519 verify of
each entry's signed bytes and of the checkpoint note, extracted beforehand. Ratio =
floor time / ours, target >= 0.6, the median of many short rounds that alternate the two
(a few dozen verifications each): on a machine shared with other work, load comes and goes
within seconds, and short paired rounds meet it alike.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

import attrs

import _common
from legaldelivery.audit.bundle import ProofBundle, extract_bundle, verify_bundle
from legaldelivery.log import EvidenceLog
from legaldelivery.log.entry import LogEntry
from legaldelivery.testing.fakes import sample_records

LOG_SIZE = _common.scaled(10_000, 2_000)
REPEATS = _common.scaled(25, 25)
ROUNDS = _common.scaled(41, 9)
ORDER = "order-2026-0001"


def filler(count: int) -> list[Any]:
    """Other orders' stories: the sample's records but the consent, under other order ids."""
    story = sample_records()[1:]
    return [
        attrs.evolve(story[i % len(story)], order_id=f"order-filler-{i // len(story)}")
        for i in range(count)
    ]


def build() -> tuple[ProofBundle, Any]:
    key = _common.signer()
    log = EvidenceLog.create(":memory:", origin=_common.ORIGIN, signer=key)
    story = sample_records()
    before = filler(LOG_SIZE // 2)
    log.append_many(before)
    log.append_many(story)
    log.append_many(filler(LOG_SIZE - len(before) - len(story)))
    bundle = extract_bundle(log, ORDER, checkpoint=log.checkpoint(), keys=[key.verifier])
    if len(bundle.entries) != len(story):
        raise AssertionError(f"the bundle holds {len(bundle.entries)} entries")
    return bundle, key


def raw_pairs(bundle: ProofBundle) -> list[tuple[bytes, bytes]]:
    """(signature, message) for every signature the bundle's verifier must check."""
    pairs = []
    for item in bundle.entries:
        entry = LogEntry.parse(item.data)
        pairs.append((entry.signature, entry.signed_bytes()))
    # A C2SP signed note: the text, a blank line, then "— name base64(key id || sig)".
    text, _, signatures = bundle.checkpoint.partition("\n\n")
    payload = base64.b64decode(signatures.splitlines()[0].rsplit(" ", 1)[1])
    pairs.append((payload[4:], (text + "\n").encode("utf-8")))
    return pairs


def run() -> list[_common.Row]:
    """Bundles verified per second, ours against the raw verifications they need."""
    bundle, key = build()
    verifier = key.verifier
    raw_key: Any = verifier._key
    pairs = raw_pairs(bundle)
    for signature, message in pairs:
        raw_key.verify(signature, message)  # the floor checks what the bundle signs

    def ours() -> float:
        def action() -> None:
            for _ in range(REPEATS):
                verify_bundle(bundle, trusted=[verifier])

        return _common.timed(action)

    def floor() -> float:
        def action() -> None:
            for _ in range(REPEATS):
                for signature, message in pairs:
                    raw_key.verify(signature, message)

        return _common.timed(action)

    times = _common.rounds(ROUNDS, ours, floor)
    ratio = _common.median([f / o for o, f in times])
    return [
        _common.row(
            f"bundle verification: {len(bundle.entries)} entries from a log of {LOG_SIZE}, "
            f"vs its {len(pairs)} raw signature verifications",
            ours=round(REPEATS / _common.median([t[0] for t in times])),
            floor=round(REPEATS / _common.median([t[1] for t in times])),
            ratio=ratio,
            target=">= 0.6",
            ok=ratio >= 0.6,
            unit="bundles/s",
        )
    ]


if __name__ == "__main__":
    sys.exit(_common.print_rows(run()))

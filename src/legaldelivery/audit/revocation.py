"""Key revocations in the audit: which entries a revoked key signed after its revocation time.

A compromise is usually found late, so a ``key-revocation/v1`` record often comes after
entries it condemns. The audit therefore keeps a small index while it streams -- per
signer, the runs of consecutive entries it signed with their earliest and latest time --
and settles every revocation at the end, re-reading only the few runs that straddle a
revocation time.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

import attrs

from legaldelivery import canonical, merkle
from legaldelivery.audit.findings import Finding, FindingKind
from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.instants import format_instant, parse_instant
from legaldelivery.keys import KeyRing
from legaldelivery.records import KeyRevocation

__all__: list[str] = []

Reread = Callable[[Sequence[tuple[int, int]]], Iterator[tuple[int, bytes]]]
"""Reads the log again: ``(position, stored bytes)`` for each ``[start, stop)`` range given,
in order (the ranges are disjoint and sorted)."""


class _Run:
    """Consecutive entries by one signer: positions ``start..stop-1`` and their time span."""

    __slots__ = ("digest", "earliest", "latest", "start", "stop")

    def __init__(self, start: int, time: datetime, leaf: bytes) -> None:
        self.start = start
        self.stop = start + 1
        self.earliest = time
        self.latest = time
        # Lets the second read prove it saw the same bytes as the first.
        self.digest = hashlib.sha256(leaf)

    def extend(self, time: datetime, leaf: bytes) -> None:
        self.stop += 1
        if time < self.earliest:
            self.earliest = time
        elif time > self.latest:
            self.latest = time
        self.digest.update(leaf)


class SignerRuns:
    """Per signer, the runs of consecutive well-formed entries it signed.

    Memory grows with the number of changes of signer, not with the number of entries:
    an honest log has one run per key.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 2, tzinfo=timezone.utc)
    >>> runs = SignerRuns()
    >>> for seq, signer in enumerate("aabba"):
    ...     runs.add(seq, signer, t, b"")
    >>> [(r.start, r.stop) for r in runs.runs_of("a")]
    [(0, 2), (4, 5)]

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_by_signer", "_last", "_last_signer")

    def __init__(self) -> None:
        self._by_signer: dict[str, list[_Run]] = {}
        self._last: _Run | None = None
        self._last_signer = ""

    def add(self, seq: int, signer: str, time: datetime, leaf: bytes) -> None:
        """Account for the well-formed entry at position ``seq``."""
        last = self._last
        if last is not None and signer == self._last_signer and seq == last.stop:
            last.extend(time, leaf)
            return
        run = _Run(seq, time, leaf)
        self._by_signer.setdefault(signer, []).append(run)
        self._last, self._last_signer = run, signer

    def runs_of(self, signer: str) -> list[_Run]:
        """The runs of ``signer``, in log order."""
        return self._by_signer.get(signer, [])


@attrs.frozen(kw_only=True)
class Revocation:
    """A revocation the audit honours: from the log (``entry``) or from the verifier's ring.

    .. versionadded:: 0.1.0
    """

    fingerprint: str
    revoked_at: datetime
    entry: int | None
    """The position of the ``key-revocation/v1`` entry; None: the verifier's key ring."""
    reason: str = ""

    def source(self) -> str:
        """Where the revocation comes from, for messages."""
        if self.entry is None:
            return "the verifier's key ring"
        return f"entry {self.entry}"


class RevocationBook:
    """The revocations met during one audit, and the checks on each ``key-revocation`` entry.

    .. versionadded:: 0.1.0
    """

    def __init__(self, ring: KeyRing, external: Iterable[Revocation] = ()) -> None:
        self.ring = ring
        self.honoured: list[Revocation] = list(external)
        self.findings: list[Finding] = []
        # Followed rotations by position: a rotation signed by a key later revoked loses
        # its force, and the finding must say which key it introduced.
        self.rotations: dict[int, str] = {}

    def take(
        self, seq: int, signer: str, time: datetime, signed: bool, record: KeyRevocation
    ) -> None:
        """Judge the revocation recorded at ``seq``; ``signed``: its entry verified with the
        log's current key, valid at ``time``."""
        if not signed:
            self._bad(
                seq,
                "not honoured: its entry is not validly signed by the log's current key, "
                "so anyone could have written it",
            )
            return
        if record.fingerprint not in self.ring:
            self._bad(
                seq,
                f"not honoured: key {record.fingerprint} is not a key of this log "
                "(never trusted, never introduced by a rotation)",
            )
            return
        if record.fingerprint == signer:
            # Believed all the same: a key's own word that it is compromised only adds doubt.
            self._bad(
                seq,
                f"key {record.fingerprint} revokes itself, leaving the log with no valid "
                "writer: rotate to a new key first and revoke with that (applied anyway)",
            )
        self.honoured.append(
            Revocation(
                fingerprint=record.fingerprint,
                revoked_at=record.revoked_at,
                entry=seq,
                reason=record.reason,
            )
        )

    def _bad(self, seq: int, message: str) -> None:
        self.findings.append(Finding(kind=FindingKind.BAD_REVOCATION, entry=seq, message=message))

    def earliest(self) -> dict[str, Revocation]:
        """Per revoked key, the revocation with the earliest time (the one that counts)."""
        found: dict[str, Revocation] = {}
        for revocation in self.honoured:
            known = found.get(revocation.fingerprint)
            if known is None or revocation.revoked_at < known.revoked_at:
                found[revocation.fingerprint] = revocation
        return found

    def settle(self, runs: SignerRuns, up_front: frozenset[str], reread: Reread) -> None:
        """Find every entry signed by a revoked key at or after its revocation time.

        Applies the revocations to :attr:`ring` (so that checkpoints signed by a revoked
        key are refused afterwards). A rotation whose new key the verifier trusted up
        front is exempt: the verifier holds that key from the court, not from the entry.
        """
        revoked: list[tuple[int, Revocation]] = []
        straddling: list[tuple[_Run, Revocation]] = []
        for fingerprint, revocation in self.earliest().items():
            self.ring.revoke(fingerprint, revocation.revoked_at)
            for run in runs.runs_of(fingerprint):
                if run.earliest >= revocation.revoked_at:
                    revoked.extend((seq, revocation) for seq in range(run.start, run.stop))
                elif run.latest >= revocation.revoked_at:
                    straddling.append((run, revocation))
        if straddling:
            revoked.extend(_settle_straddling(straddling, reread))
        revoked.sort(key=lambda item: item[0])
        for seq, revocation in revoked:
            introduced = self.rotations.get(seq)
            if introduced is not None and introduced in up_front:
                continue
            message = _message(revocation)
            if introduced is not None:
                message += (
                    f"; this rotation introduced key {introduced}, which then rests on a "
                    "worthless signature: trust that key only as obtained from the court "
                    "out of band"
                )
            self.findings.append(Finding(kind=FindingKind.REVOKED_KEY, entry=seq, message=message))


def _message(revocation: Revocation) -> str:
    reason = f" ({revocation.reason})" if revocation.reason else ""
    return (
        f"signed by key {revocation.fingerprint} at or after "
        f"{format_instant(revocation.revoked_at)}, when {revocation.source()} revoked it"
        f"{reason}: the signature is no evidence"
    )


# "time" sorts after every other member of an entry, so canonical bytes end with it; no
# string can hold an unescaped quote, so this tail is the top-level member itself.
_TIME_TAIL = re.compile(rb'"time":"([0-9T:.Z-]{27})"}\Z')


def _time_of(data: bytes) -> datetime | None:
    """The entry time of stored entry bytes, or None when they are no longer readable."""
    tail = _TIME_TAIL.search(data, max(0, len(data) - 40))
    try:
        if tail is not None:
            return parse_instant(tail.group(1).decode("ascii"), path="time")
        obj = canonical.loads(data)
        if not isinstance(obj, dict):
            return None
        text = obj.get("time")
        return parse_instant(text, path="time") if isinstance(text, str) else None
    except LegalDeliveryError:
        return None


def _settle_straddling(
    straddling: list[tuple[_Run, Revocation]], reread: Reread
) -> list[tuple[int, Revocation]]:
    """Read the straddling runs again, once, and keep the entries at or after revocation."""
    straddling.sort(key=lambda item: item[0].start)
    runs = [run for run, _ in straddling]
    digests = [hashlib.sha256() for _ in runs]
    counts = [0] * len(runs)
    found: list[tuple[int, Revocation]] = []
    changed = False
    index = 0
    for seq, data in reread([(run.start, run.stop) for run in runs]):
        while index < len(runs) and seq >= runs[index].stop:
            index += 1
        if index == len(runs) or seq != runs[index].start + counts[index]:
            changed = True
            break
        counts[index] += 1
        digests[index].update(merkle.leaf_hash(data))
        time = _time_of(data)
        if time is None:
            changed = True
            break
        revocation = straddling[index][1]
        if time >= revocation.revoked_at:
            found.append((seq, revocation))
    if changed or any(
        count != run.stop - run.start or digest.digest() != run.digest.digest()
        for run, digest, count in zip(runs, digests, counts, strict=True)
    ):
        raise InputError(
            "the log changed while it was audited: entries read again differ from the "
            "first reading; audit a copy that nobody writes to",
            path="log",
        )
    return found

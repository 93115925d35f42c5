"""What an audit finds: each finding names its entry and says in plain language what is wrong.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import attrs

from legaldelivery.errors import VerificationError

__all__ = ["AuditError", "AuditReport", "Finding", "FindingKind"]


class FindingKind(enum.Enum):
    """The kinds of defect an audit reports. Values are stable identifiers."""

    UNREADABLE = "unreadable"
    """The entry's bytes are not strict JSON, or not a well-formed entry."""
    NON_CANONICAL = "non-canonical"
    """The entry's bytes are JSON, but not the canonical (RFC 8785) form of their content."""
    TORN = "torn"
    """The last line of a JSON Lines file has no line end: an interrupted write."""
    WRONG_FORMAT = "wrong-format"
    WRONG_ORIGIN = "wrong-origin"
    SEQUENCE = "sequence"
    """An entry's ``seq`` is not its position: a gap, repeat or reordering."""
    BROKEN_CHAIN = "broken-chain"
    UNKNOWN_SIGNER = "unknown-signer"
    KEY_NOT_VALID = "key-not-valid"
    """Signed by a known key outside its validity window, or after its revocation."""
    BAD_SIGNATURE = "bad-signature"
    TIME_BACKWARDS = "time-backwards"
    UNDECODABLE_RECORD = "undecodable-record"
    BAD_ROTATION = "bad-rotation"
    REVOKED_KEY = "revoked-key"
    """Signed by a key at or after the time a revocation (in the log, or in the verifier's
    key ring) says it was compromised; the message names the revocation."""
    BAD_REVOCATION = "bad-revocation"
    """A ``key-revocation`` entry that is not honoured (not validly signed by the log's
    current key, or of a key the log never had), or that revokes its own signer."""
    CHECKPOINT_INVALID = "checkpoint-invalid"
    """A checkpoint that cannot be read or whose signature does not verify."""
    CHECKPOINT_MISMATCH = "checkpoint-mismatch"
    """The log's Merkle root at a checkpoint's size differs from the checkpoint's root."""
    TRUNCATED = "truncated"
    """A checkpoint commits to more entries than the log holds: rolled back or cut short."""


@attrs.frozen(kw_only=True)
class Finding:
    """One defect: its kind, the entry it is about (None for the log as a whole), and why.

    >>> str(Finding(kind=FindingKind.BROKEN_CHAIN, entry=7, message="prev does not match"))
    'entry 7: broken-chain: prev does not match'
    """

    kind: FindingKind
    entry: int | None
    message: str

    def __str__(self) -> str:
        where = "log" if self.entry is None else f"entry {self.entry}"
        return f"{where}: {self.kind.value}: {self.message}"


@attrs.frozen(kw_only=True)
class AuditReport:
    """The result of auditing a log: every finding, and what was checked.

    ``size`` is the number of entries read; ``root_hash`` the Merkle root over them;
    ``checkpoints`` the sizes of the checkpoints that verified and matched; ``signers``
    the fingerprints of the keys that signed entries.
    """

    origin: str | None
    size: int
    root_hash: bytes
    findings: tuple[Finding, ...]
    checkpoints: tuple[int, ...] = ()
    signers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when there is no finding at all."""
        return not self.findings

    def findings_at(self, entry: int | None) -> tuple[Finding, ...]:
        """The findings about one entry (``None``: about the log as a whole)."""
        return tuple(f for f in self.findings if f.entry == entry)

    def raise_for_findings(self) -> None:
        """Raise :class:`AuditError` carrying every finding, unless there is none."""
        if self.findings:
            raise AuditError(self.findings)

    def summary(self) -> str:
        """One paragraph for a human: verified or not, and each finding on its own line."""
        head = (
            f"log {self.origin!r}: {self.size} entries, root {self.root_hash.hex()}"
            if self.origin
            else f"log: {self.size} entries, root {self.root_hash.hex()}"
        )
        if self.ok:
            return f"{head}\nverified: no findings"
        lines = [head, f"NOT verified: {len(self.findings)} finding(s)"]
        lines.extend(str(f) for f in self.findings)
        return "\n".join(lines)


class AuditError(VerificationError):
    """A log did not verify; ``findings`` lists every defect found."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        first = self.findings[0] if self.findings else None
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(f"log does not verify: {first}{more}")

    def diagnostics(self) -> str:
        return "\n".join([f"{type(self).__name__}: {self}", *(f"  {f}" for f in self.findings)])

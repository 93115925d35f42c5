"""What a bundle check can find: :class:`BundleFindingKind` and :class:`BundleFinding`.

Shared by the checker and the report of :mod:`legaldelivery.audit.bundle`."""

from __future__ import annotations

import enum

import attrs

# -- findings ---------------------------------------------------------------------------


class BundleFindingKind(enum.Enum):
    """The kinds of defect a bundle check reports. Values are stable identifiers.

    Every kind is a defect (a finding: the bundle does not verify) except
    ``TIMESTAMP_UNCHECKED``, which is only ever a notice (:attr:`BundleReport.notices`).

    .. versionadded:: 0.1.0
    """

    UNREADABLE = "unreadable"
    """The entry's bytes are not canonical JSON, or not a well-formed entry."""
    WRONG_ORIGIN = "wrong-origin"
    DUPLICATE = "duplicate"
    """Two entries of the bundle have the same number."""
    OUTSIDE_CHECKPOINT = "outside-checkpoint"
    """The entry's number is not below the checkpoint's size."""
    NOT_INCLUDED = "not-included"
    """The inclusion proof does not lead from the entry to the checkpoint's root."""
    UNKNOWN_SIGNER = "unknown-signer"
    KEY_NOT_VALID = "key-not-valid"
    BAD_SIGNATURE = "bad-signature"
    BAD_ROTATION = "bad-rotation"
    BROKEN_CHAIN = "broken-chain"
    """Two consecutive entries whose ``prev`` does not hash the one before."""
    TIME_BACKWARDS = "time-backwards"
    UNDECODABLE_RECORD = "undecodable-record"
    FOREIGN_ENTRY = "foreign-entry"
    """An entry about another order (or another party's consent)."""
    NO_ORDER = "no-order"
    """The bundle does not hold exactly one delivery order with its ``order_id``."""
    CHECKPOINT_INVALID = "checkpoint-invalid"
    BAD_OPENING = "bad-opening"
    TIMESTAMP_INVALID = "timestamp-invalid"
    """A time-stamp token that is damaged, stamps something else, or is not from a trusted
    TSA (checked only when the verifier gives TSA certificates)."""
    TIMESTAMP_UNCHECKED = "timestamp-unchecked"
    """A notice, not a defect: the bundle carries a token, but no TSA was trusted to check it."""
    WITNESS_QUORUM = "witness-quorum"
    """The checkpoint lacks the cosignatures the verifier's witness policy requires."""
    TIME_AFTER_TIMESTAMP = "time-after-timestamp"
    """The entry's logged time is later than a verified RFC 3161 token's time over a
    checkpoint that includes it: the log claims to have written it after a TSA saw it."""
    BROKEN_SUPERSESSION = "broken-supersession"
    """A determination's ``supersedes`` names no determination of the order in the bundle
    (or the determinations supersede each other in a cycle, so none is current)."""
    AMBIGUOUS_DETERMINATION = "ambiguous-determination"
    """Two determinations of the order that no other supersedes state different times of
    service: which one is current is not for the verifier to guess."""


@attrs.frozen(kw_only=True)
class BundleFinding:
    """One defect of a bundle: its kind, the log entry it is about, and why.

    ``entry`` is the log entry number when the entry says it; ``index`` is the position
    in the bundle's ``entries`` (for an entry too damaged to say its number); ``member``
    the bundle member a finding about no entry concerns, such as ``timestamps[0].token``.

    >>> str(BundleFinding(kind=BundleFindingKind.NOT_INCLUDED, entry=5, index=2,
    ...                   message="the proof leads to another root"))
    'entry 5 (bundle entries[2]): not-included: the proof leads to another root'
    >>> str(BundleFinding(kind=BundleFindingKind.TIMESTAMP_INVALID, entry=None,
    ...                   member="timestamps[0].token", message="not base64"))
    'bundle timestamps[0].token: timestamp-invalid: not base64'

    .. versionadded:: 0.1.0
    """

    kind: BundleFindingKind
    entry: int | None
    message: str
    index: int | None = None
    member: str | None = None

    def __str__(self) -> str:
        if self.entry is not None and self.index is not None:
            where = f"entry {self.entry} (bundle entries[{self.index}])"
        elif self.entry is not None:
            where = f"entry {self.entry}"
        elif self.index is not None:
            where = f"bundle entries[{self.index}]"
        elif self.member is not None:
            where = f"bundle {self.member}"
        else:
            where = "bundle"
        return f"{where}: {self.kind.value}: {self.message}"

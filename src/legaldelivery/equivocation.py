"""Equivocation: two signed checkpoints of one log that cannot both be true, kept as evidence.

A log that shows one history to a court and another to a party has *equivocated*. With
signed checkpoints (:mod:`legaldelivery.checkpoint`) that is provable: two checkpoints of
the same origin, both signed by the log's key, that are of the same size but with different
roots, or where the larger tree does not extend the smaller one. :func:`check_consistency`
detects this and raises :class:`EquivocationError` carrying an :class:`EquivocationEvidence`:
a self-contained canonical JSON document that anyone verifies later with the log's verifier
key alone (:meth:`EquivocationEvidence.verify`).

>>> from legaldelivery.keys import Ed25519Signer
>>> from legaldelivery.checkpoint import Checkpoint, sign_checkpoint
>>> key = Ed25519Signer.generate("court.example/log")
>>> a = sign_checkpoint(Checkpoint("court.example/log", 5, bytes(32)), key)
>>> b = sign_checkpoint(Checkpoint("court.example/log", 5, bytes(31) + b"\\x01"), key)
>>> try:
...     check_consistency(a, b, [key.verifier])
... except EquivocationError as exc:
...     evidence = exc.evidence
>>> evidence.kind
<EquivocationKind.SAME_SIZE: 'same-size'>
>>> EquivocationEvidence.from_json(evidence.to_json()).verify([key.verifier]) is None
True

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, cast

import attrs

from legaldelivery import canonical, merkle, notes
from legaldelivery.checkpoint import Checkpoint, open_checkpoint
from legaldelivery.errors import (
    EncodingError,
    InputError,
    LegalDeliveryError,
    ProofError,
    VerificationError,
)
from legaldelivery.keys import KeyRing, Verifier
from legaldelivery.keys._encoding import _b64encode, _strict_b64decode

__all__ = [
    "EVIDENCE_FORMAT",
    "MAX_EVIDENCE_BYTES",
    "EquivocationError",
    "EquivocationEvidence",
    "EquivocationKind",
    "ProofSource",
    "check_consistency",
]

EVIDENCE_FORMAT = "legaldelivery/equivocation/v1"
"""The ``format`` member of an evidence document."""

MAX_EVIDENCE_BYTES = 2 * notes.MAX_NOTE_BYTES + 64 * 1024
"""The largest evidence document :meth:`EquivocationEvidence.from_json` reads."""

#: A consistency proof between trees of at most 2**63 - 1 leaves is shorter than this.
_MAX_PROOF = 130
_MEMBERS_SAME = frozenset({"format", "kind", "origin", "first", "second"})
_MEMBERS_FORK = _MEMBERS_SAME | {"prefix_root", "proof"}

_Verifiers = Iterable[Verifier] | KeyRing | Verifier


class EquivocationKind(enum.Enum):
    """How two checkpoints contradict each other. Values are stable identifiers.

    .. versionadded:: 0.1.0
    """

    SAME_SIZE = "same-size"
    """Both checkpoints are of one tree size, with different roots."""
    FORK = "fork"
    """The larger tree's first ``m`` entries have another root than the smaller checkpoint's.

    A consistency proof shows which root the larger tree has at the smaller size; it
    differs from the smaller checkpoint's root, so the larger tree does not extend it.
    """


class ProofSource(Protocol):
    """Where :func:`check_consistency` can ask for roots and proofs: an :class:`EvidenceLog`.

    .. versionadded:: 0.1.0
    """

    def root_hash(self, size: int | None = None) -> bytes:
        """The Merkle root of the first ``size`` entries."""

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The RFC 6962 consistency proof from ``old_size`` to ``new_size``."""


def _read_note(note: object, path: str) -> Checkpoint:
    """The checkpoint a note claims, unverified; anything malformed is an InputError."""
    if not isinstance(note, str):
        raise InputError("expected a signed checkpoint note (str)", path=path, got=type(note))
    try:
        text = notes.text_of(note)
    except LegalDeliveryError as exc:
        raise InputError(f"not a signed note: {exc}", path=path) from exc
    try:
        return Checkpoint.from_text(text)
    except InputError as exc:
        raise exc.within(path) from None


def _check_first(instance: EquivocationEvidence, attribute: object, value: str) -> None:
    _read_note(value, "first")


def _check_second(instance: EquivocationEvidence, attribute: object, value: str) -> None:
    first = _read_note(instance.first, "first")
    second = _read_note(value, "second")
    if first.origin != second.origin:
        raise InputError(
            f"both checkpoints must be of one log; first is {first.origin!r}",
            path="second.origin",
            got=second.origin,
        )
    if first.size > second.size:
        raise InputError(
            f"the first checkpoint must be the smaller one (size {first.size})",
            path="second.size",
            got=second.size,
        )
    if first.size == second.size:
        if first.root_hash == second.root_hash:
            raise InputError(
                "checkpoints of one size with one root do not contradict each other",
                path="second.root_hash",
            )
        if value <= instance.first:
            # One order for the same pair: the same evidence has exactly one document.
            raise InputError(
                "checkpoints of one size are ordered by their note text", path="second"
            )
    elif first.size == 0:
        raise InputError("the empty tree is a prefix of every tree", path="first.size")


def _hash_tuple(value: object) -> tuple[bytes, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InputError("expected a sequence of 32-byte hashes", path="proof", got=value)
    return tuple(cast(Iterable[bytes], value))


@attrs.frozen(kw_only=True)
class EquivocationEvidence:
    """Proof that a log signed two checkpoints that cannot both be true.

    ``first`` and ``second`` are the two signed checkpoint notes as received, the smaller
    tree first (of equal sizes, the note that sorts first). For a
    :attr:`~EquivocationKind.FORK`, ``prefix_root`` is the root of the second tree at the
    first tree's size, and ``proof`` the RFC 6962 consistency proof from that root to the
    second checkpoint's root; ``prefix_root`` differs from the first checkpoint's root.
    For :attr:`~EquivocationKind.SAME_SIZE` both are empty.

    Construction checks the structure (an :class:`~legaldelivery.errors.InputError`
    otherwise); :meth:`verify` checks the signatures and the proof.

    .. versionadded:: 0.1.0
    """

    first: str = attrs.field(validator=_check_first)
    second: str = attrs.field(validator=_check_second)
    prefix_root: bytes | None = attrs.field(default=None)
    proof: tuple[bytes, ...] = attrs.field(default=(), converter=_hash_tuple)

    @prefix_root.validator
    def _check_prefix_root(self, attribute: object, value: bytes | None) -> None:
        first = _read_note(self.first, "first")
        second = _read_note(self.second, "second")
        if first.size == second.size:
            if value is not None:
                raise InputError("a same-size equivocation has no prefix root", path="prefix_root")
            return
        if type(cast(object, value)) is not bytes or len(cast(bytes, value)) != merkle.HASH_SIZE:
            raise InputError("expected a 32-byte root hash", path="prefix_root", got=value)
        if value == first.root_hash:
            raise InputError(
                "the prefix root equals the first checkpoint's root: no contradiction",
                path="prefix_root",
            )

    @proof.validator
    def _check_proof(self, attribute: object, value: tuple[bytes, ...]) -> None:
        same = self.prefix_root is None
        if same and value:
            raise InputError("a same-size equivocation has no proof", path="proof")
        if not same and not value:
            raise InputError("a fork needs the consistency proof", path="proof")
        if len(value) > _MAX_PROOF:
            raise InputError(f"a consistency proof has at most {_MAX_PROOF} hashes", path="proof")
        for i, element in enumerate(value):
            if type(cast(object, element)) is not bytes or len(element) != merkle.HASH_SIZE:
                raise InputError("expected a 32-byte hash", path=f"proof[{i}]", got=element)

    # -- what it shows -------------------------------------------------------------------

    @property
    def kind(self) -> EquivocationKind:
        """Same size with different roots, or a fork."""
        return EquivocationKind.SAME_SIZE if self.prefix_root is None else EquivocationKind.FORK

    @property
    def origin(self) -> str:
        """The log both checkpoints are of."""
        return _read_note(self.first, "first").origin

    def checkpoints(self) -> tuple[Checkpoint, Checkpoint]:
        """The two checkpoints as the notes state them (verify before relying on them)."""
        return _read_note(self.first, "first"), _read_note(self.second, "second")

    def describe(self) -> str:
        """One paragraph for a human: what the log signed, and why both cannot be true."""
        first, second = self.checkpoints()
        head = (
            f"log {first.origin!r} signed a checkpoint of size {first.size} with root "
            f"{first.root_hash.hex()} and one of size {second.size} with root "
            f"{second.root_hash.hex()}"
        )
        if self.prefix_root is None:
            return f"{head}: one tree size, two different roots."
        return (
            f"{head}; the second tree's first {first.size} entries have root "
            f"{self.prefix_root.hex()} (by the enclosed consistency proof), so it does not "
            "extend the first."
        )

    # -- verification --------------------------------------------------------------------

    def verify(self, verifiers: _Verifiers) -> None:
        """Return ``None`` if this proves equivocation by a log key in ``verifiers``.

        Both notes must carry a valid signature by one of ``verifiers`` (the log's keys;
        a :class:`~legaldelivery.keys.KeyRing` may be given), else
        :class:`~legaldelivery.errors.NoteError`; for a fork, the consistency proof must
        lead from ``prefix_root`` to the second root, else
        :class:`~legaldelivery.errors.ProofError`.
        """
        first, _ = open_checkpoint(self.first, verifiers, origin=self.origin)
        second, _ = open_checkpoint(self.second, verifiers, origin=self.origin)
        if self.prefix_root is not None:
            merkle.verify_consistency(
                first.size, second.size, self.prefix_root, second.root_hash, self.proof
            )

    # -- the document ----------------------------------------------------------------------

    def to_json(self) -> bytes:
        """The evidence as canonical JSON (RFC 8785) bytes.

        Members: ``format`` (``"legaldelivery/equivocation/v1"``), ``kind``, ``origin``,
        ``first`` and ``second`` (the signed notes as text) and, for a fork,
        ``prefix_root`` and ``proof`` (standard padded base64).
        """
        document: dict[str, Any] = {
            "format": EVIDENCE_FORMAT,
            "kind": self.kind.value,
            "origin": self.origin,
            "first": self.first,
            "second": self.second,
        }
        if self.prefix_root is not None:
            document["prefix_root"] = _b64encode(self.prefix_root)
            document["proof"] = [_b64encode(h) for h in self.proof]
        return canonical.dumps(document)

    @classmethod
    def from_json(cls, data: bytes) -> EquivocationEvidence:
        """Read an evidence document strictly (its structure; :meth:`verify` does the rest).

        Bytes over :data:`MAX_EVIDENCE_BYTES`, not strict JSON, or not exactly the
        members :meth:`to_json` writes are an :class:`~legaldelivery.errors.InputError`
        (:class:`~legaldelivery.errors.EncodingError` for the JSON itself).
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError("expected the evidence as bytes", path="evidence", got=type(data))
        if len(data) > MAX_EVIDENCE_BYTES:
            raise InputError(
                f"the document is {len(data)} bytes; the limit is {MAX_EVIDENCE_BYTES}",
                path="evidence",
            )
        try:
            obj = canonical.loads(bytes(data))
        except EncodingError as exc:
            raise exc.within("evidence") from None
        if not isinstance(obj, dict):
            raise InputError("expected a JSON object", path="evidence")
        if obj.get("format") != EVIDENCE_FORMAT:
            raise InputError(
                f"expected {EVIDENCE_FORMAT!r}", path="evidence.format", got=obj.get("format")
            )
        kinds = {k.value: k for k in EquivocationKind}
        kind = kinds.get(cast(str, obj.get("kind"))) if isinstance(obj.get("kind"), str) else None
        if kind is None:
            raise InputError(
                f"expected one of {sorted(kinds)}", path="evidence.kind", got=obj.get("kind")
            )
        members = _MEMBERS_SAME if kind is EquivocationKind.SAME_SIZE else _MEMBERS_FORK
        if obj.keys() != members:
            raise InputError(
                f"expected exactly the members {sorted(members)}; missing "
                f"{sorted(members - obj.keys())}, unexpected {sorted(obj.keys() - members)}",
                path="evidence",
            )
        prefix_root = None
        proof: tuple[bytes, ...] = ()
        if kind is EquivocationKind.FORK:
            prefix_root = _decode_hash(obj["prefix_root"], "evidence.prefix_root")
            raw_proof = obj["proof"]
            if not isinstance(raw_proof, list) or len(raw_proof) > _MAX_PROOF:
                raise InputError(
                    f"expected a list of at most {_MAX_PROOF} hashes", path="evidence.proof"
                )
            proof = tuple(
                _decode_hash(item, f"evidence.proof[{i}]") for i, item in enumerate(raw_proof)
            )
        try:
            evidence = cls(
                first=obj["first"], second=obj["second"], prefix_root=prefix_root, proof=proof
            )
        except InputError as exc:
            raise exc.within("evidence") from None
        if evidence.origin != obj["origin"]:
            raise InputError(
                f"the checkpoints are of {evidence.origin!r}",
                path="evidence.origin",
                got=obj["origin"],
            )
        return evidence


def _decode_hash(value: object, path: str) -> bytes:
    raw = _strict_b64decode(value) if isinstance(value, str) else None
    if raw is None or len(raw) != merkle.HASH_SIZE:
        raise InputError("expected the padded base64 of a 32-byte hash", path=path, got=value)
    return raw


class EquivocationError(VerificationError):
    """A log signed two checkpoints that contradict each other; ``evidence`` proves it.

    .. versionadded:: 0.1.0
    """

    def __init__(self, evidence: EquivocationEvidence) -> None:
        self.evidence = evidence
        super().__init__(f"the log equivocated: {evidence.describe()}")


def _implied_old_root(old_size: int, new_size: int, proof: Sequence[bytes]) -> bytes | None:
    """The old root a consistency proof leads to, or None when the proof cannot tell.

    RFC 9162 section 2.1.4.2 computes both roots from the proof; when ``old_size`` is a
    power of two the old root is an input of that computation, not a result, so nothing
    can be learnt from the proof about it.
    """
    if old_size & (old_size - 1) == 0 or not 0 < old_size < new_size or not proof:
        return None
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = proof[0]
    for element in proof[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr = hashlib.sha256(b"\x01" + element + fr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        fn >>= 1
        sn >>= 1
    return fr


def _ordered(
    a: tuple[str, Checkpoint], b: tuple[str, Checkpoint]
) -> tuple[tuple[str, Checkpoint], tuple[str, Checkpoint]]:
    if (a[1].size, a[0]) <= (b[1].size, b[0]):
        return a, b
    return b, a


def check_consistency(
    a: str,
    b: str,
    verifiers: _Verifiers,
    proof: Sequence[bytes] = (),
    *,
    prefix_root: bytes | None = None,
    proofs: ProofSource | None = None,
) -> None:
    """Return ``None`` if signed checkpoints ``a`` and ``b`` can both be true; raise otherwise.

    Both notes are verified with ``verifiers`` (the log's keys;
    :class:`~legaldelivery.errors.NoteError` otherwise) and must be of one origin
    (:class:`~legaldelivery.errors.InputError` otherwise). Which is larger does not matter.

    * Equal sizes: equal roots are consistent; different roots raise
      :class:`EquivocationError`.
    * Different sizes: ``proof`` is the consistency proof from the smaller to the larger
      tree. If it verifies, they are consistent. If it leads to the larger root from
      another root at the smaller size (given as ``prefix_root``, or read from the proof
      itself where it determines it), the log forked: :class:`EquivocationError`. A proof
      that proves nothing either way raises :class:`~legaldelivery.errors.ProofError`.
    * ``proofs`` (an :class:`~legaldelivery.log.EvidenceLog` holding the larger tree)
      supplies ``prefix_root`` and ``proof`` when they are not given.

    .. versionadded:: 0.1.0
    """
    first_cp, _ = open_checkpoint(a, verifiers)
    second_cp, _ = open_checkpoint(b, verifiers)
    if first_cp.origin != second_cp.origin:
        raise InputError(
            f"the checkpoints are of different logs: {first_cp.origin!r} and {second_cp.origin!r}",
            path="b",
        )
    (small_note, small), (large_note, large) = _ordered((a, first_cp), (b, second_cp))
    if small.size == large.size:
        if small.root_hash != large.root_hash:
            raise EquivocationError(EquivocationEvidence(first=small_note, second=large_note))
        return
    if small.size == 0:
        if small.root_hash != merkle.EMPTY_ROOT:
            raise ProofError(
                "a checkpoint of size 0 must carry the empty tree's root", path="root_hash"
            )
        return
    if proofs is not None and not proof:
        proof = proofs.consistency_proof(small.size, large.size)
        if prefix_root is None:
            prefix_root = proofs.root_hash(small.size)
    path = [bytes(h) for h in _hash_tuple(proof)]
    if prefix_root is None:
        try:
            merkle.verify_consistency(
                small.size, large.size, small.root_hash, large.root_hash, path
            )
        except ProofError:
            implied = _implied_old_root(small.size, large.size, path)
            if implied is None or implied == small.root_hash:
                raise
            prefix_root = implied
        else:
            return
    # Raises ProofError unless the larger tree's prefix really has this root.
    merkle.verify_consistency(small.size, large.size, prefix_root, large.root_hash, path)
    if prefix_root != small.root_hash:
        raise EquivocationError(
            EquivocationEvidence(
                first=small_note, second=large_note, prefix_root=prefix_root, proof=tuple(path)
            )
        )

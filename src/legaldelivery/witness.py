"""Witness cosigning (C2SP tlog-cosignature/v1): other institutions vouch for a log's checkpoints.

A *witness* -- a higher court, a notary, a bar association -- keeps the last checkpoint it
saw of each log it follows. Shown a new checkpoint with a consistency proof from that one,
it checks the proof and *cosigns*: it adds a signature line to the checkpoint note saying
"as of this time, this is the largest tree I have seen of this log, and it extends every
earlier one". A log that shows different histories to different people then needs the
witnesses to go along with it. Verifiers require a quorum of cosignatures
(:class:`WitnessPolicy`) before they trust a checkpoint.

The format is C2SP's Ed25519 cosignature (signature type ``0x04``): the witness signs
``cosignature/v1\\ntime <POSIX seconds>\\n`` followed by the checkpoint text, and the
signature line holds ``key id || 8-byte big-endian timestamp || Ed25519 signature``, so
any tlog-cosignature implementation verifies the lines this module writes.

>>> import tempfile
>>> from datetime import datetime, timezone
>>> from legaldelivery.keys import Ed25519Signer
>>> from legaldelivery.log import EvidenceLog
>>> from legaldelivery.testing.fakes import sample_records
>>> log_key = Ed25519Signer.generate("court.example/log")
>>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=log_key)
>>> _ = log.append_many(sample_records()[:3])
>>> folder = tempfile.TemporaryDirectory()
>>> notary = Witness(Cosigner.generate("notary.example/w1"),
...                  logs={"court.example/log": [log_key.verifier]}, state_dir=folder.name)
>>> note = collect_cosignatures(log.checkpoint(), [notary], proofs=log)
>>> policy = WitnessPolicy(witnesses=(notary.verifier,), quorum=1)
>>> checked = policy.verify(note, [log_key.verifier])
>>> checked.checkpoint.size, [w.name for w, _ in checked.cosignatures]
(3, ['notary.example/w1'])
>>> folder.cleanup()

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import os
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import cast

import attrs
from cryptography.hazmat.primitives.asymmetric import ed25519

from legaldelivery import canonical, notes
from legaldelivery.checkpoint import Checkpoint, open_checkpoint
from legaldelivery.equivocation import ProofSource, check_consistency
from legaldelivery.errors import (
    EncodingError,
    InputError,
    LegalDeliveryError,
    NoteError,
    SignatureError,
    StoreError,
)
from legaldelivery.instants import format_instant, parse_instant, to_utc
from legaldelivery.keys import Ed25519Signer, Ed25519Verifier, KeyRing, Signer, Verifier
from legaldelivery.keys._encoding import _b64encode, _name_problem, _strict_b64decode

if sys.platform != "win32":
    import fcntl

__all__ = [
    "COSIGNATURE_TYPE",
    "STATE_FORMAT",
    "Cosignature",
    "CosignatureVerifier",
    "Cosigner",
    "QuorumError",
    "Witness",
    "WitnessClient",
    "WitnessConflictError",
    "WitnessPolicy",
    "WitnessState",
    "WitnessedCheckpoint",
    "add_cosignatures",
    "collect_cosignatures",
    "cosigned_message",
]

COSIGNATURE_TYPE = 0x04
"""The C2SP signed-note signature type of Ed25519 cosignatures (tlog-cosignature/v1)."""

STATE_FORMAT = "legaldelivery/witness-state/v1"
"""The ``format`` member of a witness's state file."""

MAX_TIMESTAMP = 2**63 - 1
"""The largest cosignature timestamp the spec allows."""

_HEADER = "cosignature/v1\n"
_SIGNATURE_SIZE = 8 + 64
_MAX_STATE_BYTES = notes.MAX_NOTE_BYTES + 4096

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(timezone.utc)


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes an Ed25519 cosignature signs: header line, time line, checkpoint text.

    >>> cosigned_message("log\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n", 1679315147)
    b'cosignature/v1\\ntime 1679315147\\nlog\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n'

    .. versionadded:: 0.1.0
    """
    if not isinstance(checkpoint_text, str) or not checkpoint_text.endswith("\n"):
        raise InputError("expected checkpoint text ending in a newline", path="checkpoint_text")
    _check_timestamp(timestamp, "timestamp")
    return f"{_HEADER}time {timestamp}\n{checkpoint_text}".encode()


def _check_timestamp(value: object, path: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_TIMESTAMP:
        raise InputError(f"expected POSIX seconds from 0 to {MAX_TIMESTAMP}", path=path, got=value)
    return value


def _seconds(when: datetime, path: str) -> int:
    return int(to_utc(when, path=path).timestamp())


# -- keys -----------------------------------------------------------------------------------


class CosignatureVerifier:
    """A witness's public key: checks its cosignatures (C2SP type ``0x04``).

    The key id is ``SHA-256(name || 0x0A || 0x04 || 32-byte key)[:4]``; the verifier key
    (``vkey``) is ``<name>+<key id>+base64(0x04 || key)``.

    >>> w = Cosigner.generate("notary.example/w1").verifier
    >>> CosignatureVerifier.from_vkey(w.vkey) == w
    True
    >>> w.vkey.split("+")[2][0]  # the first 6 bits of the type byte 0x04
    'B'

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_inner", "_key_id")

    def __init__(self, name: str, public_key: ed25519.Ed25519PublicKey) -> None:
        # The Ed25519 verifier checks the name and the key; only the key id differs.
        self._inner = Ed25519Verifier(name, public_key)
        preimage = name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_TYPE])
        self._key_id = hashlib.sha256(preimage + self._inner.public_bytes_raw()).digest()[:4]

    @classmethod
    def from_public_bytes(cls, name: str, key: bytes) -> CosignatureVerifier:
        """Build from the 32-byte raw Ed25519 public key."""
        if not isinstance(key, bytes) or len(key) != 32:
            raise InputError("expected a 32-byte Ed25519 public key", path="key", got=key)
        return cls(name, ed25519.Ed25519PublicKey.from_public_bytes(key))

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """Parse a C2SP verifier key of type ``0x04`` strictly (an ``InputError`` otherwise).

        >>> CosignatureVerifier.from_vkey("w+00000000+BAAA")
        Traceback (most recent call last):
        ...
        legaldelivery.errors.InputError: vkey: expected the base64 of 0x04 and a 32-byte key ...
        """
        if not isinstance(vkey, str):
            raise InputError("expected a verifier key (str)", path="vkey", got=vkey)
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise InputError("expected '<name>+<key id>+<base64 key>'", path="vkey", got=vkey)
        name, key_id, encoded = parts
        problem = _name_problem(name)
        if problem is not None:
            raise InputError(f"the key name {problem}", path="vkey", got=vkey)
        payload = _strict_b64decode(encoded)
        if payload is None or len(payload) != 33 or payload[0] != COSIGNATURE_TYPE:
            raise InputError(
                "expected the base64 of 0x04 and a 32-byte key (an Ed25519 cosigner)",
                path="vkey",
                got=encoded,
            )
        verifier = cls.from_public_bytes(name, payload[1:])
        if verifier.key_id.hex() != key_id:
            raise InputError(
                f"the key id does not match the key (expected {verifier.key_id.hex()})",
                path="vkey",
                got=key_id,
            )
        return verifier

    @property
    def name(self) -> str:
        """The witness's key name (a schema-less URL by convention)."""
        return self._inner.name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id that prefixes its signature lines."""
        return self._key_id

    @property
    def vkey(self) -> str:
        """The C2SP verifier key to hand to whoever verifies cosignatures."""
        payload = bytes([COSIGNATURE_TYPE]) + self._inner.public_bytes_raw()
        return f"{self.name}+{self._key_id.hex()}+{_b64encode(payload)}"

    def verify(self, cosignature: Cosignature, checkpoint_text: str) -> None:
        """Return ``None`` if ``cosignature`` is this witness's over ``checkpoint_text``.

        Raises :class:`~legaldelivery.errors.SignatureError` for a signature of another
        key (name or key id) or one that does not verify.
        """
        if not isinstance(cosignature, Cosignature):
            raise InputError("expected a Cosignature", path="cosignature", got=type(cosignature))
        if (cosignature.name, cosignature.key_id) != (self.name, self._key_id):
            raise SignatureError(
                f"the cosignature is by {cosignature.name}+{cosignature.key_id.hex()}, "
                f"not by {self.name}+{self._key_id.hex()}"
            )
        message = cosigned_message(checkpoint_text, cosignature.timestamp)
        try:
            self._inner.verify(cosignature.signature, message)
        except SignatureError:
            raise SignatureError(
                f"the cosignature by witness {self.name}+{self._key_id.hex()} does not verify"
            ) from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CosignatureVerifier):
            return NotImplemented
        return self.vkey == other.vkey

    def __hash__(self) -> int:
        return hash(self.vkey)

    def __repr__(self) -> str:
        return f"CosignatureVerifier.from_vkey({self.vkey!r})"


class Cosigner:
    """A witness's signing key: makes cosignatures over checkpoints.

    It wraps any Ed25519 :class:`~legaldelivery.keys.Signer` (so the key can live in a
    PEM file written by :func:`~legaldelivery.keys.write_private_key`, or in an HSM).
    Use the key for cosigning only: the cosigned message does not name the witness, so a
    key that also signed other things could be made to vouch for them.

    >>> from datetime import datetime, timezone
    >>> cosigner = Cosigner.generate("notary.example/w1")
    >>> text = "log\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n"
    >>> sig = cosigner.cosign(text, at=datetime(2026, 3, 2, tzinfo=timezone.utc))
    >>> sig.timestamp, cosigner.verifier.verify(sig, text)
    (1772409600, None)

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_signer", "_verifier")

    def __init__(self, signer: Signer) -> None:
        if not isinstance(signer, Signer) or not isinstance(signer.verifier, Ed25519Verifier):
            raise InputError(
                "a cosigner needs an Ed25519 signer", path="signer", got=type(signer).__name__
            )
        self._signer = signer
        raw = signer.verifier.public_bytes_raw()
        self._verifier = CosignatureVerifier.from_public_bytes(signer.name, raw)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        """A cosigner with a new random Ed25519 key under key name ``name``."""
        return cls(Ed25519Signer.generate(name))

    @property
    def verifier(self) -> CosignatureVerifier:
        """The public half, for :class:`WitnessPolicy`."""
        return self._verifier

    @property
    def name(self) -> str:
        """The witness's key name."""
        return self._verifier.name

    @property
    def vkey(self) -> str:
        """The C2SP verifier key (type ``0x04``) of the public half."""
        return self._verifier.vkey

    def cosign(self, checkpoint_text: str, *, at: datetime) -> Cosignature:
        """Cosign ``checkpoint_text`` with the time ``at`` (whole seconds, UTC)."""
        timestamp = _seconds(at, "at")
        signature = self._signer.sign(cosigned_message(checkpoint_text, timestamp))
        return Cosignature(
            name=self.name,
            key_id=self._verifier.key_id,
            timestamp=timestamp,
            signature=signature,
        )

    def __repr__(self) -> str:
        return f"<Cosigner {self.name!r} {self._verifier.key_id.hex()}>"


# -- cosignatures ---------------------------------------------------------------------------


def _is_key_id(instance: object, attribute: object, value: bytes) -> None:
    if type(cast(object, value)) is not bytes or len(value) != 4:
        raise InputError("a key id is 4 bytes", path="key_id", got=value)


def _is_timestamp(instance: object, attribute: object, value: int) -> None:
    _check_timestamp(value, "timestamp")


def _is_signature(instance: object, attribute: object, value: bytes) -> None:
    if type(cast(object, value)) is not bytes or len(value) != 64:
        raise InputError("an Ed25519 signature is 64 bytes", path="signature", got=value)


def _is_name(instance: object, attribute: object, value: str) -> None:
    problem = _name_problem(value) if isinstance(value, str) else "must be a string"
    if problem is not None:
        raise InputError(f"a key name {problem}", path="name", got=value)


@attrs.frozen(kw_only=True)
class Cosignature:
    """One cosignature: who, when (POSIX seconds) and the Ed25519 signature.

    >>> c = Cosignature(name="w", key_id=bytes(4), timestamp=1, signature=bytes(64))
    >>> c.line().startswith("— w AAAAAAAAAAAAAAAB")
    True
    >>> Cosignature.from_note_signature(notes.NoteSignature(
    ...     name="w", key_id=bytes(4), signature=bytes(72))).timestamp
    0

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(validator=_is_name)
    key_id: bytes = attrs.field(validator=_is_key_id)
    timestamp: int = attrs.field(validator=_is_timestamp)
    signature: bytes = attrs.field(validator=_is_signature, repr=False)

    @property
    def time(self) -> datetime:
        """The cosignature time as an aware UTC datetime (InputError past year 9999)."""
        try:
            return datetime.fromtimestamp(self.timestamp, timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise InputError(
                "the timestamp is past what a datetime holds", path="timestamp", got=self.timestamp
            ) from exc

    def note_signature(self) -> notes.NoteSignature:
        """The signed-note signature line this cosignature is."""
        payload = struct.pack(">Q", self.timestamp) + self.signature
        return notes.NoteSignature(name=self.name, key_id=self.key_id, signature=payload)

    def line(self) -> str:
        """The signature line, newline included, to append to the checkpoint note."""
        return self.note_signature().line()

    @classmethod
    def from_note_signature(cls, signature: notes.NoteSignature) -> Cosignature:
        """Read a cosignature from a note's signature line (NoteError if malformed)."""
        raw = signature.signature
        if len(raw) != _SIGNATURE_SIZE:
            raise NoteError(
                f"a cosignature by {signature.name}+{signature.key_id.hex()} is "
                f"{_SIGNATURE_SIZE} bytes after the key id, not {len(raw)}"
            )
        (timestamp,) = struct.unpack(">Q", raw[:8])
        if timestamp > MAX_TIMESTAMP:
            raise NoteError(f"the cosignature by {signature.name} has a timestamp above 2**63 - 1")
        return cls(
            name=signature.name, key_id=signature.key_id, timestamp=timestamp, signature=raw[8:]
        )


def add_cosignatures(note: str, cosignatures: Iterable[Cosignature]) -> str:
    """Append cosignature lines to a signed note; lines already there are not repeated.

    The note must be well formed (:class:`~legaldelivery.errors.NoteError`) and stay
    within :data:`~legaldelivery.notes.MAX_SIGNATURES` lines and
    :data:`~legaldelivery.notes.MAX_NOTE_BYTES` (:class:`~legaldelivery.errors.InputError`).

    .. versionadded:: 0.1.0
    """
    notes.text_of(note)  # well formed, or NoteError
    present = set(note.split("\n"))
    added = []
    for i, cosignature in enumerate(cosignatures):
        if not isinstance(cosignature, Cosignature):
            raise InputError(
                "expected a Cosignature", path=f"cosignatures[{i}]", got=type(cosignature)
            )
        line = cosignature.line()
        if line[:-1] not in present:
            present.add(line[:-1])
            added.append(line)
    result = note + "".join(added)
    count = len(result[len(notes.text_of(note)) + 1 :].splitlines())
    if count > notes.MAX_SIGNATURES:
        raise InputError(
            f"a note holds at most {notes.MAX_SIGNATURES} signatures, not {count}",
            path="cosignatures",
        )
    if len(result.encode("utf-8")) > notes.MAX_NOTE_BYTES:
        raise InputError(f"the note would exceed {notes.MAX_NOTE_BYTES} bytes", path="cosignatures")
    return result


# -- verification policy ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class WitnessedCheckpoint:
    """A checkpoint verified under a :class:`WitnessPolicy`.

    ``cosignatures`` pairs each witness of the policy whose cosignature verified (once,
    in the note's order) with that cosignature.

    .. versionadded:: 0.1.0
    """

    checkpoint: Checkpoint
    note: notes.Note
    cosignatures: tuple[tuple[CosignatureVerifier, Cosignature], ...]


class QuorumError(NoteError):
    """A checkpoint carries fewer valid cosignatures than the policy's quorum.

    .. versionadded:: 0.1.0
    """


def _witness_tuple(value: object) -> tuple[CosignatureVerifier, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InputError("expected a sequence of CosignatureVerifier", path="witnesses")
    return tuple(value)


def _check_witnesses(
    instance: object, attribute: object, value: tuple[CosignatureVerifier, ...]
) -> None:
    seen: set[tuple[str, bytes]] = set()
    for i, witness in enumerate(value):
        if not isinstance(witness, CosignatureVerifier):
            raise InputError(
                "expected a CosignatureVerifier (CosignatureVerifier.from_vkey reads a vkey)",
                path=f"witnesses[{i}]",
                got=type(witness).__name__,
            )
        ident = (witness.name, witness.key_id)
        if ident in seen:
            raise InputError(
                f"the witness {witness.name}+{witness.key_id.hex()} is listed twice",
                path=f"witnesses[{i}]",
            )
        seen.add(ident)


@attrs.frozen(kw_only=True)
class WitnessPolicy:
    """Which witnesses a verifier trusts, and how many of them must have cosigned.

    >>> ws = [Cosigner.generate(f"w{i}.example").verifier for i in range(3)]
    >>> WitnessPolicy(witnesses=ws, quorum=2).quorum
    2
    >>> WitnessPolicy(witnesses=ws, quorum=4)
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: quorum: expected 1 to 3 witnesses (got 4)

    .. versionadded:: 0.1.0
    """

    witnesses: tuple[CosignatureVerifier, ...] = attrs.field(
        converter=_witness_tuple, validator=_check_witnesses
    )
    quorum: int = attrs.field()

    @quorum.validator
    def _check_quorum(self, attribute: object, value: int) -> None:
        if type(cast(object, value)) is not int or not 1 <= value <= len(self.witnesses):
            raise InputError(
                f"expected 1 to {len(self.witnesses)} witnesses", path="quorum", got=value
            )

    @classmethod
    def from_vkeys(cls, vkeys: Iterable[str], *, quorum: int) -> WitnessPolicy:
        """A policy from the witnesses' C2SP verifier keys."""
        return cls(witnesses=[CosignatureVerifier.from_vkey(v) for v in vkeys], quorum=quorum)

    def verify(
        self,
        note: str | bytes,
        log_verifiers: Iterable[Verifier] | KeyRing | Verifier,
        *,
        origin: str | None = None,
        now: datetime | None = None,
        max_age: timedelta | None = None,
        max_skew: timedelta = timedelta(minutes=5),
    ) -> WitnessedCheckpoint:
        """Verify a cosigned checkpoint: the log's signature, then a quorum of witnesses.

        The note must carry a valid signature by one of ``log_verifiers``
        (:func:`~legaldelivery.checkpoint.open_checkpoint`; ``origin`` pins the log).
        Then every signature line whose key name and key id are a policy witness's is
        read as a cosignature and verified: one that does not verify rejects the whole
        note, as in :func:`legaldelivery.notes.open`. With ``now`` given, a cosignature
        dated more than ``max_skew`` after it rejects the note, and one older than
        ``max_age`` does not count. Fewer distinct witnesses than :attr:`quorum` raise
        :class:`QuorumError`. Every rejection is a :class:`~legaldelivery.errors.NoteError`.
        """
        checkpoint, opened = open_checkpoint(note, log_verifiers, origin=origin)
        now_ts = None if now is None else _seconds(now, "now")
        by_id = {(w.name, w.key_id): w for w in self.witnesses}
        found: dict[CosignatureVerifier, Cosignature] = {}
        stale: list[str] = []
        for line in opened.signatures:
            witness = by_id.get((line.name, line.key_id))
            if witness is None:
                continue
            cosignature = Cosignature.from_note_signature(line)
            try:
                witness.verify(cosignature, opened.text)
            except SignatureError as exc:
                raise NoteError(str(exc)) from exc
            if now_ts is not None:
                if cosignature.timestamp > now_ts + int(max_skew.total_seconds()):
                    raise NoteError(
                        f"the cosignature by {witness.name} is dated {cosignature.timestamp}, "
                        f"after now ({now_ts}) by more than {max_skew}"
                    )
                if max_age is not None and cosignature.timestamp < now_ts - max_age.total_seconds():
                    stale.append(witness.name)
                    continue
            found.setdefault(witness, cosignature)
        if len(found) < self.quorum:
            names = ", ".join(w.name for w in found) or "none"
            message = (
                f"{self.quorum} of {len(self.witnesses)} witnesses must cosign; "
                f"{len(found)} did ({names})"
            )
            if stale:
                message += f"; older than {max_age}: {', '.join(stale)}"
            raise QuorumError(message)
        pairs = tuple((w, found[w]) for w in self.witnesses if w in found)
        ordered = sorted(pairs, key=lambda p: _line_index(opened, p[1]))
        return WitnessedCheckpoint(checkpoint=checkpoint, note=opened, cosignatures=tuple(ordered))


def _line_index(opened: notes.Note, cosignature: Cosignature) -> int:
    target = cosignature.note_signature()
    for i, line in enumerate(opened.signatures):
        if line == target:
            return i
    return len(opened.signatures)  # pragma: no cover -- found among these lines


# -- the witness ----------------------------------------------------------------------------


class WitnessConflictError(InputError):
    """The size the caller says the witness last saw is not the one it did.

    ``known_size`` is the witness's size: send a consistency proof from it and retry
    (the C2SP tlog-witness protocol answers ``409 Conflict`` with it).

    .. versionadded:: 0.1.0
    """

    def __init__(self, message: str, *, known_size: int) -> None:
        self.known_size = known_size
        super().__init__(message, path="old_size")


@attrs.frozen(kw_only=True)
class WitnessState:
    """What a witness remembers of one log: the last checkpoint it cosigned, and when.

    .. versionadded:: 0.1.0
    """

    origin: str
    note: str
    checkpoint: Checkpoint
    cosigned_at: datetime

    def to_json(self) -> bytes:
        """The state file's canonical JSON."""
        return canonical.dumps(
            {
                "format": STATE_FORMAT,
                "origin": self.origin,
                "checkpoint": self.note,
                "cosigned_at": format_instant(self.cosigned_at),
            }
        )


class WitnessClient(abc.ABC):
    """What a log talks to when it asks a witness to cosign (in process, or over a network).

    :class:`Witness` is the in-process implementation; a host whose witness runs
    elsewhere implements :meth:`add_checkpoint` over its transport (the C2SP tlog-witness
    protocol's ``add-checkpoint`` request).

    .. versionadded:: 0.1.0
    """

    @abc.abstractmethod
    def add_checkpoint(self, note: str, *, old_size: int, proof: Sequence[bytes]) -> Cosignature:
        """Cosign ``note`` if it extends the checkpoint of ``old_size`` the witness holds.

        Raises :class:`WitnessConflictError` (with the witness's size) when ``old_size``
        is not the size the witness holds.
        """


def _log_keys(
    logs: Mapping[str, Iterable[Verifier] | Verifier], name: str
) -> dict[str, tuple[Verifier, ...]]:
    if not isinstance(logs, Mapping):
        raise InputError("expected a mapping of origin to verifiers", path=name)
    found: dict[str, tuple[Verifier, ...]] = {}
    for origin, keys in logs.items():
        keys = (keys,) if isinstance(keys, Verifier) else tuple(keys)
        if not isinstance(origin, str) or not keys:
            raise InputError("expected an origin with its log keys", path=f"{name}[{origin!r}]")
        for key in keys:
            if not isinstance(key, Verifier):
                raise InputError(
                    "expected log Verifiers", path=f"{name}[{origin!r}]", got=type(key)
                )
        found[origin] = keys
    return found


class Witness(WitnessClient):
    """An in-process witness that remembers, on disk, the last checkpoint of each log.

    ``logs`` maps each origin it follows to the log's verifier keys. For each it keeps
    one state file in ``state_dir`` (canonical JSON, written to a temporary file, synced
    and renamed over the old one, then the directory synced): the last checkpoint note it
    cosigned. It cosigns a checkpoint only if the note verifies with the log's keys and
    extends that checkpoint (same size and root, or a valid consistency proof); it never
    cosigns a smaller tree. A checkpoint that contradicts the one it holds raises
    :class:`~legaldelivery.equivocation.EquivocationError` with the evidence. Several
    processes may share one ``state_dir``: updates take a file lock.

    ``retired`` maps an origin to keys that vouch only for the checkpoint the witness
    already holds, never for a new one: after a key compromise the log is handed to a
    new key (``logs``), while the state the witness cosigned before is signed by the old
    key (``retired``). The new checkpoint must be signed by a current key and be
    consistent with the held one, so the history the witness saw cannot change, and a
    thief holding the old key can no longer obtain a cosignature.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        cosigner: Cosigner,
        *,
        logs: Mapping[str, Iterable[Verifier] | Verifier],
        state_dir: str | os.PathLike[str],
        clock: Clock | None = None,
        retired: Mapping[str, Iterable[Verifier] | Verifier] | None = None,
    ) -> None:
        if not isinstance(cosigner, Cosigner):
            raise InputError("expected a Cosigner", path="cosigner", got=type(cosigner))
        self._cosigner = cosigner
        self._logs = _log_keys(logs, "logs")
        self._retired = _log_keys(retired or {}, "retired")
        for origin in self._retired:
            if origin not in self._logs:
                raise InputError(
                    "retired keys of a log the witness does not follow",
                    path=f"retired[{origin!r}]",
                )
        self._dir = Path(state_dir)
        if not self._dir.is_dir():
            raise InputError("the state directory does not exist", path=str(self._dir))
        self._clock: Clock = clock or _system_clock
        self._lock = threading.Lock()

    @property
    def verifier(self) -> CosignatureVerifier:
        """The witness's public key, for :class:`WitnessPolicy`."""
        return self._cosigner.verifier

    @property
    def name(self) -> str:
        """The witness's key name."""
        return self._cosigner.name

    def _state_path(self, origin: str) -> Path:
        # Origins hold '/' and anything else: the file is named by their hash.
        return self._dir / f"{hashlib.sha256(origin.encode('utf-8')).hexdigest()}.json"

    def state(self, origin: str) -> WitnessState | None:
        """The last checkpoint cosigned for ``origin``, re-verified; None if there is none.

        A state file that does not read or verify raises
        :class:`~legaldelivery.errors.StoreError`: the witness refuses to go on from a
        state it cannot vouch for.
        """
        keys = self._keys(origin) + self._retired.get(origin, ())
        path = self._state_path(origin)
        try:
            with open(path, "rb") as handle:
                data = handle.read(_MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(
                f"cannot read the witness state ({exc.strerror})", path=str(path)
            ) from exc
        try:
            if len(data) > _MAX_STATE_BYTES:
                raise InputError("the state file is too large", path=str(path))
            obj = canonical.loads_canonical(data)
            if not isinstance(obj, dict) or obj.keys() != {
                "format",
                "origin",
                "checkpoint",
                "cosigned_at",
            }:
                raise InputError("not a witness state document", path=str(path))
            if obj["format"] != STATE_FORMAT or obj["origin"] != origin:
                raise InputError("a state file of another format or log", path=str(path))
            note = obj["checkpoint"]
            if not isinstance(note, str):
                raise InputError("the checkpoint must be a note", path=str(path))
            checkpoint, _ = open_checkpoint(note, keys, origin=origin)
            cosigned_at = parse_instant(obj["cosigned_at"], path="cosigned_at")
        except (EncodingError, LegalDeliveryError) as exc:
            raise StoreError(
                f"the witness state for {origin!r} does not verify: {exc}", path=str(path)
            ) from exc
        return WitnessState(
            origin=origin, note=note, checkpoint=checkpoint, cosigned_at=cosigned_at
        )

    def _keys(self, origin: str) -> tuple[Verifier, ...]:
        keys = self._logs.get(origin)
        if keys is None:
            raise InputError("this witness does not follow that log", path="origin", got=origin)
        return keys

    def add_checkpoint(self, note: str, *, old_size: int, proof: Sequence[bytes]) -> Cosignature:
        """Verify ``note`` against the state, record it, and return a fresh cosignature.

        ``old_size`` is the size the caller believes the witness last cosigned (0 for a
        log it has never seen) and ``proof`` the consistency proof from that size to the
        note's (empty when the sizes are equal or ``old_size`` is 0).

        Raises :class:`~legaldelivery.errors.NoteError` when the note does not verify
        with the log's keys, :class:`WitnessConflictError` when ``old_size`` is stale,
        :class:`~legaldelivery.errors.InputError` for a smaller tree than the one held
        (a rollback) or a log it does not follow,
        :class:`~legaldelivery.errors.ProofError` for a proof that proves nothing, and
        :class:`~legaldelivery.equivocation.EquivocationError` when the note contradicts
        the held checkpoint. The state is on disk before the cosignature is returned.
        """
        if type(old_size) is not int or old_size < 0:
            raise InputError("expected a tree size", path="old_size", got=old_size)
        if not isinstance(note, str):
            raise InputError("expected the signed checkpoint as str", path="note", got=type(note))
        text = notes.text_of(note)
        origin = Checkpoint.from_text(text).origin
        keys = self._keys(origin)
        checkpoint, _ = open_checkpoint(note, keys, origin=origin)
        with self._lock, self._locked():
            held = self.state(origin)
            known = 0 if held is None else held.checkpoint.size
            if old_size != known:
                raise WitnessConflictError(
                    f"the witness holds size {known} of {origin!r}, not {old_size}",
                    known_size=known,
                )
            if checkpoint.size < known:
                raise InputError(
                    f"the witness has cosigned size {known} of {origin!r}; it never cosigns "
                    f"a smaller tree ({checkpoint.size}): a rollback",
                    path="note",
                )
            if held is not None:
                if checkpoint.size == known and proof:
                    raise InputError("equal sizes need an empty proof", path="proof")
                # The new note has verified with a current key above; the held one may
                # be signed by a retired key.
                check_consistency(held.note, note, keys + self._retired.get(origin, ()), proof)
            elif proof:
                raise InputError("a first checkpoint needs an empty proof", path="proof")
            now = to_utc(self._clock(), path="clock")
            cosignature = self._cosigner.cosign(text, at=now)
            state = WitnessState(origin=origin, note=note, checkpoint=checkpoint, cosigned_at=now)
            self._write_state(self._state_path(origin), state.to_json())
        return cosignature

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if sys.platform == "win32":  # pragma: no cover -- one process per state_dir there
            yield
            return
        path = self._dir / ".lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot lock the state ({exc.strerror})", path=str(path)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write_state(self, path: Path, data: bytes) -> None:
        try:
            fd, temp = tempfile.mkstemp(dir=self._dir, prefix=".state.", suffix=".tmp")
        except OSError as exc:
            raise StoreError(f"cannot write the state ({exc.strerror})", path=str(path)) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
            if sys.platform != "win32":
                directory = os.open(self._dir, os.O_RDONLY)
                try:
                    os.fsync(directory)
                finally:
                    os.close(directory)
        except OSError as exc:
            raise StoreError(f"cannot write the state ({exc.strerror})", path=str(path)) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)

    def __repr__(self) -> str:
        return f"<Witness {self.name!r} following {sorted(self._logs)}>"


def collect_cosignatures(
    note: str, witnesses: Iterable[WitnessClient], *, proofs: ProofSource
) -> str:
    """Ask each witness to cosign the log's checkpoint ``note``; return it with their lines.

    ``proofs`` (the :class:`~legaldelivery.log.EvidenceLog`) supplies the consistency
    proof from the size each witness holds. A witness is first asked as if it had seen
    nothing (size 0), and asked again once with a proof from the size it names
    (:class:`WitnessConflictError`). Any other refusal propagates: a log must not hide
    that a witness found it inconsistent.

    .. versionadded:: 0.1.0
    """
    size = Checkpoint.from_text(notes.text_of(note)).size
    cosignatures = []
    for witness in witnesses:
        if not isinstance(witness, WitnessClient):
            raise InputError("expected a WitnessClient", path="witnesses", got=type(witness))
        old = 0
        for attempt in range(2):
            proof = proofs.consistency_proof(old, size) if 0 < old < size else []
            try:
                cosignatures.append(witness.add_checkpoint(note, old_size=old, proof=proof))
                break
            except WitnessConflictError as exc:
                if attempt or exc.known_size > size:
                    raise
                old = exc.known_size
    return add_cosignatures(note, cosignatures)

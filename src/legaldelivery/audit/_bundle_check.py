"""How a proof bundle is checked, step by step: the checker behind ``audit_bundle``.

Each step of ``_Checker`` records what it finds (findings and notices) and raises nothing
for a defect; :func:`~legaldelivery.audit.bundle.audit_bundle` runs the steps in order and
builds the report."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs

from legaldelivery import codec, merkle, notes
from legaldelivery.audit._bundle_findings import BundleFinding, BundleFindingKind
from legaldelivery.audit._bundle_format import ProofBundle, _field_path, _resolve
from legaldelivery.audit.certificate import TrustedTime, WitnessCosignature
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import InputError, LegalDeliveryError, ProofError, SignatureError
from legaldelivery.instants import format_instant
from legaldelivery.keys import KeyRing, Verifier, verifier_from_public_bytes
from legaldelivery.log.entry import LogEntry
from legaldelivery.records import (
    ConsentRecorded,
    ConsentRevoked,
    DeliveryOrder,
    KeyRevocation,
    KeyRotation,
    Sealed,
    ServiceDetermination,
)

if TYPE_CHECKING:
    # Trusted time and witnesses are imported when a bundle uses them: ASN.1 and X.509
    # parsing need not load with every import of the library.
    from cryptography import x509

    from legaldelivery.witness import WitnessPolicy


# -- verification -----------------------------------------------------------------------


@attrs.define
class _Item:
    index: int
    entry: LogEntry
    proof: tuple[bytes, ...]
    record: object = None
    signed: bool = False


class _Checker:
    def __init__(self, bundle: ProofBundle, trusted: Sequence[Verifier] | KeyRing) -> None:
        self.bundle = bundle
        self.ring = KeyRing()
        for verifier in trusted:
            if verifier.fingerprint not in self.ring:
                self.ring.add(verifier)
        self.findings: list[BundleFinding] = []
        self.notices: list[BundleFinding] = []
        self.items: list[_Item] = []
        self.current_key: str | None = None
        self.note: notes.Note | None = None
        """The checkpoint note, once its log signature verified."""
        self.stamped_by = ""
        """The ``timestamps[i]`` member of the earliest token that verified."""

    def find(
        self,
        kind: BundleFindingKind,
        entry: int | None,
        message: str,
        index: int | None,
        member: str | None = None,
    ) -> None:
        finding = BundleFinding(kind=kind, entry=entry, message=message, index=index, member=member)
        if kind is BundleFindingKind.TIMESTAMP_UNCHECKED:
            self.notices.append(finding)
        else:
            self.findings.append(finding)

    def read_entries(self) -> None:
        seen: dict[int, int] = {}
        for i, item in enumerate(self.bundle.entries):
            try:
                entry = LogEntry.parse(item.data, where="entry")
            except InputError as exc:
                self.find(
                    BundleFindingKind.UNREADABLE,
                    item.seq_hint(),
                    f"not a well-formed, canonical log entry: {exc}",
                    i,
                )
                continue
            if entry.seq in seen:
                self.find(
                    BundleFindingKind.DUPLICATE,
                    entry.seq,
                    f"the bundle also holds entry {entry.seq} at entries[{seen[entry.seq]}]",
                    i,
                )
                continue
            seen[entry.seq] = i
            if entry.origin != self.bundle.origin:
                self.find(
                    BundleFindingKind.WRONG_ORIGIN,
                    entry.seq,
                    f"origin is {entry.origin!r}, but the bundle is of log {self.bundle.origin!r}",
                    i,
                )
            self.items.append(_Item(index=i, entry=entry, proof=item.proof))
        self.items.sort(key=lambda it: it.entry.seq)

    def check_signatures(self) -> None:
        previous: _Item | None = None
        for item in self.items:
            entry = item.entry
            item.signed = self._signature(item)
            try:
                item.record = codec.decode(entry.record)
            except InputError as exc:
                self.find(
                    BundleFindingKind.UNDECODABLE_RECORD,
                    entry.seq,
                    f"the record does not decode: {exc}",
                    item.index,
                )
            if item.signed and isinstance(item.record, (KeyRotation, KeyRevocation)):
                self._key_event(item, item.record)
            if previous is not None:
                self._neighbours(previous, item)
            previous = item

    def _signature(self, item: _Item) -> bool:
        entry = item.entry
        if self.current_key is not None and entry.signer != self.current_key:
            self.find(
                BundleFindingKind.KEY_NOT_VALID,
                entry.seq,
                f"signed by {entry.signer}, but the log's key then is {self.current_key}",
                item.index,
            )
        try:
            verifier = self.ring.verifier_at(entry.signer, entry.time)
        except SignatureError as exc:
            kind = (
                BundleFindingKind.UNKNOWN_SIGNER
                if entry.signer not in self.ring
                else BundleFindingKind.KEY_NOT_VALID
            )
            self.find(kind, entry.seq, str(exc), item.index)
            return False
        try:
            verifier.verify(entry.signature, entry.signed_bytes())
        except SignatureError:
            self.find(
                BundleFindingKind.BAD_SIGNATURE,
                entry.seq,
                f"the signature does not verify with key {entry.signer}",
                item.index,
            )
            return False
        if self.current_key is None:
            self.current_key = entry.signer
        return True

    def _key_event(self, item: _Item, record: KeyRotation | KeyRevocation) -> None:
        entry = item.entry
        try:
            if isinstance(record, KeyRevocation):
                if record.fingerprint in self.ring:
                    self.ring.revoke(record.fingerprint, record.revoked_at)
                return
            verifier = verifier_from_public_bytes(
                record.new_key_algorithm, record.new_key_name, record.new_public_key
            )
            if verifier.fingerprint not in self.ring:
                self.ring.add(verifier, not_before=record.valid_from)
            self.ring.expire(entry.signer, record.previous_valid_until or record.valid_from)
        except LegalDeliveryError as exc:
            self.find(
                BundleFindingKind.BAD_ROTATION,
                entry.seq,
                f"the key event is not usable: {exc}",
                item.index,
            )
            return
        self.current_key = record.new_fingerprint

    def _neighbours(self, before: _Item, item: _Item) -> None:
        entry = item.entry
        if entry.seq == before.entry.seq + 1 and entry.prev != before.entry.hash:
            self.find(
                BundleFindingKind.BROKEN_CHAIN,
                entry.seq,
                f"prev is {entry.prev}, but entry {before.entry.seq} hashes to {before.entry.hash}",
                item.index,
            )
        if entry.time < before.entry.time:
            self.find(
                BundleFindingKind.TIME_BACKWARDS,
                entry.seq,
                f"time {entry.time.isoformat()} is before entry {before.entry.seq}'s "
                f"{before.entry.time.isoformat()}",
                item.index,
            )

    def check_checkpoint(self) -> Checkpoint | None:
        """The checkpoint the proofs are checked against (even when unverified)."""
        note = self.bundle.checkpoint
        try:
            # Verified first: the note is then parsed once, as nearly all bundles go.
            self.note = notes.open(note, self.ring)
        except LegalDeliveryError as exc:
            failure: LegalDeliveryError | None = exc
            text: str | None = None
        else:
            failure, text = None, self.note.text
        try:
            claimed = Checkpoint.from_text(text if text is not None else notes.text_of(note))
        except LegalDeliveryError as exc:
            self.note = None
            self.find(BundleFindingKind.CHECKPOINT_INVALID, None, f"cannot be read: {exc}", None)
            return None
        if failure is not None:
            self.find(BundleFindingKind.CHECKPOINT_INVALID, None, str(failure), None)
        if claimed.origin != self.bundle.origin:
            self.find(
                BundleFindingKind.CHECKPOINT_INVALID,
                None,
                f"the checkpoint is of log {claimed.origin!r}, not {self.bundle.origin!r}",
                None,
            )
        return claimed

    def check_timestamps(
        self, cp: Checkpoint | None, tsa: tuple[x509.Certificate, ...] | None
    ) -> TrustedTime | None:
        """Check every token over ``cp``; the earliest that verified, as the certificate says."""
        from legaldelivery.timestamp import TimestampToken

        earliest: TrustedTime | None = None
        for i, stamp in enumerate(self.bundle.timestamps):
            member = f"timestamps[{i}]"
            try:
                token = TimestampToken(der=stamp.der())
            except LegalDeliveryError as exc:
                self.find(
                    BundleFindingKind.TIMESTAMP_INVALID,
                    None,
                    f"not a readable RFC 3161 token: {exc}",
                    None,
                    f"{member}.token",
                )
                continue
            if tsa is None:
                self.find(
                    BundleFindingKind.TIMESTAMP_UNCHECKED,
                    None,
                    f"the token claims the time {format_instant(token.gen_time)}; not checked, "
                    "as no TSA certificate is trusted",
                    None,
                    member,
                )
                continue
            if cp is None:
                continue  # the unreadable checkpoint is a finding already
            try:
                token.verify(cp, trusted=tsa)
                authority = token.signer_certificate(tsa).subject.rfc4514_string()
            except LegalDeliveryError as exc:
                self.find(BundleFindingKind.TIMESTAMP_INVALID, None, str(exc), None, member)
                continue
            if earliest is None or token.gen_time < earliest.time:
                self.stamped_by = member
                earliest = TrustedTime(
                    time=token.gen_time,
                    authority=authority,
                    serial_number=token.serial_number,
                    policy=token.policy,
                    accuracy=token.accuracy,
                )
        return earliest

    def check_witnesses(self, policy: WitnessPolicy | None) -> tuple[WitnessCosignature, ...]:
        """The policy's witnesses that cosigned the checkpoint, or a finding without a quorum."""
        if policy is None or self.note is None:
            # An unverified checkpoint is a finding already; its cosignatures vouch for nothing.
            return ()
        try:
            witnessed = policy.verify(self.bundle.checkpoint, self.ring)
        except LegalDeliveryError as exc:
            self.find(BundleFindingKind.WITNESS_QUORUM, None, str(exc), None, "checkpoint")
            return ()
        return tuple(
            WitnessCosignature(name=w.name, key_id=w.key_id.hex(), time=c.time)
            for w, c in witnessed.cosignatures
        )

    def check_proofs(self, cp: Checkpoint) -> None:
        for item in self.items:
            seq = item.entry.seq
            if seq >= cp.size:
                self.find(
                    BundleFindingKind.OUTSIDE_CHECKPOINT,
                    seq,
                    f"the checkpoint covers entries 0..{cp.size - 1} only",
                    item.index,
                )
                continue
            try:
                merkle.verify_inclusion(
                    merkle.leaf_hash(item.entry.data), seq, cp.size, list(item.proof), cp.root_hash
                )
            except (ProofError, InputError) as exc:
                self.find(
                    BundleFindingKind.NOT_INCLUDED,
                    seq,
                    f"its inclusion proof does not lead to the checkpoint's root: {exc}",
                    item.index,
                )

    def check_relevance(self) -> DeliveryOrder | None:
        order_id = self.bundle.order_id
        orders = [
            it
            for it in self.items
            if isinstance(it.record, DeliveryOrder) and it.record.order_id == order_id
        ]
        if len(orders) != 1:
            self.find(
                BundleFindingKind.NO_ORDER,
                None,
                f"expected exactly one delivery order {order_id!r}, found {len(orders)}",
                None,
            )
            return None
        order = orders[0].record
        assert isinstance(order, DeliveryOrder)
        recipient = order.recipient.party_id
        for item in self.items:
            record = item.record
            if record is None or isinstance(record, (KeyRotation, KeyRevocation)):
                continue
            about = getattr(record, "order_id", None)
            if isinstance(record, ConsentRecorded):
                party = record.consent.party_id
            elif isinstance(record, ConsentRevoked):
                party = record.party_id
            else:
                party = None
            if about == order_id or (about is None and party == recipient):
                continue
            what = f"order {about!r}" if about is not None else f"party {party!r}"
            self.find(
                BundleFindingKind.FOREIGN_ENTRY,
                item.entry.seq,
                f"the entry is about {what}, not order {order_id!r}",
                item.index,
            )
        return order

    def check_time_stamped(self, cp: Checkpoint, stamp: TrustedTime) -> None:
        """Every entry the stamped checkpoint includes was logged no later than the stamp."""
        for item in self.items:
            entry = item.entry
            # Without a verified inclusion proof the entry is a finding already.
            # The TSA's stated accuracy is the tolerance: within it, the two clocks agree.
            if entry.seq < cp.size and entry.time > stamp.time + (stamp.accuracy or timedelta(0)):
                self.find(
                    BundleFindingKind.TIME_AFTER_TIMESTAMP,
                    entry.seq,
                    f"logged at {format_instant(entry.time)}, after the time "
                    f"{format_instant(stamp.time)} of the verified token {self.stamped_by} "
                    f"over a checkpoint of size {cp.size} that includes it",
                    item.index,
                )

    def check_determinations(self) -> None:
        """Each ``supersedes`` names a determination of the order; the current one is clear."""
        made = [
            (it, it.record)
            for it in self.items
            if isinstance(it.record, ServiceDetermination)
            and it.record.order_id == self.bundle.order_id
        ]
        known = {record.event_id for _, record in made}
        named = {record.supersedes for _, record in made if record.supersedes is not None}
        for it, record in made:
            if record.supersedes is not None and record.supersedes not in known:
                self.find(
                    BundleFindingKind.BROKEN_SUPERSESSION,
                    it.entry.seq,
                    f"determination {record.event_id!r} supersedes {record.supersedes!r}, "
                    f"which is no determination of order {self.bundle.order_id!r} in the bundle",
                    it.index,
                )
        heads = [(it, record) for it, record in made if record.event_id not in named]
        if made and not heads:
            first = made[0][0]
            self.find(
                BundleFindingKind.BROKEN_SUPERSESSION,
                first.entry.seq,
                "every determination of the order is superseded by another (a cycle): "
                "none is current",
                first.index,
            )
        # An interim head (no time of service) yields to the chain; two times cannot both hold.
        stated = [(it, record) for it, record in heads if record.time_of_service is not None]
        for it, record in stated[1:]:
            first, earlier = stated[0]
            if record.time_of_service != earlier.time_of_service:
                assert record.time_of_service is not None
                assert earlier.time_of_service is not None
                self.find(
                    BundleFindingKind.AMBIGUOUS_DETERMINATION,
                    it.entry.seq,
                    f"determination {record.event_id!r} finds service at "
                    f"{format_instant(record.time_of_service)}, determination "
                    f"{earlier.event_id!r} (entry {first.entry.seq}) at "
                    f"{format_instant(earlier.time_of_service)}, and neither is superseded",
                    it.index,
                )

    def open_sealed(self) -> list[str]:
        by_seq = {it.entry.seq: it for it in self.items}
        opened: list[str] = []
        changed: dict[int, dict[str, Any]] = {}
        for i, o in enumerate(self.bundle.openings):
            item = by_seq.get(o.seq)
            where = f"openings[{i}] ({o.field})"
            if item is None:
                self.find(
                    BundleFindingKind.BAD_OPENING,
                    o.seq,
                    f"{where}: the bundle holds no such entry",
                    None,
                )
                continue
            steps = _field_path(o.field)
            assert steps is not None  # checked when the bundle was read
            body = changed.setdefault(o.seq, {"record": copy.deepcopy(dict(item.entry.record))})
            try:
                sealed = _resolve(body, steps[:-1])[steps[-1]]
                commitment = Sealed.parse(sealed["sealed"] if isinstance(sealed, dict) else None)
                commitment.verify(o.opening)
            except (KeyError, IndexError, TypeError) as exc:
                self.find(
                    BundleFindingKind.BAD_OPENING,
                    o.seq,
                    f"{where}: the entry has no such field ({exc})",
                    item.index,
                )
                continue
            except LegalDeliveryError as exc:
                self.find(BundleFindingKind.BAD_OPENING, o.seq, f"{where}: {exc}", item.index)
                continue
            _resolve(body, steps[:-1])[steps[-1]] = o.opening.value
            opened.append(f"entry {o.seq}: {o.field}")
        for seq, body in changed.items():
            item = by_seq[seq]
            try:
                item.record = codec.decode(body["record"])
            except InputError as exc:
                self.find(
                    BundleFindingKind.BAD_OPENING,
                    seq,
                    f"the opened record does not decode: {exc}",
                    item.index,
                )
        return opened

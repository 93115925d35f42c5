"""Key compromise: revocations in the log, what the audit makes of them, and the recovery."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, audit_log, codec, notes
from legaldelivery.audit import AuditReport, FindingKind
from legaldelivery.audit.revocation import Revocation, RevocationBook, SignerRuns
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer, KeyRing, Signer, Verifier
from legaldelivery.log.entry import GENESIS_PREV, LogEntry, build_entry, entry_hash
from legaldelivery.records import KeyRevocation
from legaldelivery.testing.fakes import sample_records
from legaldelivery.witness import Cosigner, Witness, WitnessPolicy, collect_cosignatures

ORIGIN = "court.example/revocation-test"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

# Keys are made once: key generation is not what these tests are about.
OLD = Ed25519Signer.generate(ORIGIN)
NEW = Ed25519Signer.generate(ORIGIN)
STRANGER = Ed25519Signer.generate(ORIGIN)
RECORDS = sample_records()

REVOKED = {FindingKind.REVOKED_KEY, FindingKind.BAD_REVOCATION}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def record(i: int) -> object:
    return RECORDS[i % len(RECORDS)]


def kinds_at(report: AuditReport) -> list[tuple[FindingKind, int | None]]:
    return [(f.kind, f.entry) for f in report.findings]


def new_log(path: str | Path = ":memory:", signer: Signer = OLD) -> EvidenceLog:
    return EvidenceLog.create(path, origin=ORIGIN, signer=signer)


def signed_by(log: EvidenceLog) -> list[tuple[str, datetime]]:
    """Each entry's signer and time, read back from the store."""
    return [(e.signer, e.time) for e in log.entries()]


def jsonl_of(log: EvidenceLog, folder: str) -> Path:
    path = Path(folder) / "log.jsonl"
    log.export_jsonl(path)
    return path


def rotated_log() -> EvidenceLog:
    """Three entries by OLD, a rotation to NEW, one entry by NEW."""
    log = new_log()
    for i in range(3):
        log.append(record(i), time=at(i))
    log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=at(10))
    log.append(record(3), time=at(11))
    return log


# -- the audit, on logs the writer makes --------------------------------------------------


@st.composite
def compromised_logs(draw: st.DrawFn) -> dict[str, object]:
    """A plan: entry times (non-decreasing), where to rotate, and whether and when to revoke."""
    before = draw(st.integers(1, 8), label="entries by the old key")
    after = draw(st.integers(0, 4), label="entries by the new key")
    steps = draw(st.lists(st.integers(0, 3), min_size=before + after, max_size=before + after))
    times = [at(sum(steps[: i + 1])) for i in range(before + after)]
    revoke = draw(st.booleans(), label="revoke")
    # Anywhere from before the first entry to the time of the revocation itself.
    last = times[-1] + timedelta(minutes=2)
    revoked_at = draw(st.integers(-1, int((last - T0).total_seconds() // 60)), label="revoked_at")
    return {
        "times": times,
        "before": before,
        "revoke": revoke,
        "revoked_at": at(revoked_at),
        "trust_new": draw(st.booleans(), label="new key trusted up front"),
        "store": draw(st.sampled_from(["memory", "jsonl", "sqlite"]), label="store"),
    }


def write_plan(log: EvidenceLog, plan: dict[str, object]) -> None:
    times = plan["times"]
    before = plan["before"]
    assert isinstance(times, list)
    assert isinstance(before, int)
    for i, when in enumerate(times):
        if i == before:
            log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=when)
        log.append(record(i), time=when)
    if before == len(times):
        log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=times[-1])
    if plan["revoke"]:
        revoked_at = plan["revoked_at"]
        assert isinstance(revoked_at, datetime)
        log.revoke_key(
            OLD.fingerprint,
            revoked_at=revoked_at,
            reason="leaked",
            time=times[-1] + timedelta(minutes=2),
        )


@SETTINGS
@given(plan=compromised_logs())
def test_findings_are_exactly_the_old_keys_entries_from_the_revocation_on(
    plan: dict[str, object],
) -> None:
    trusted = [OLD.verifier, NEW.verifier] if plan["trust_new"] else [OLD.verifier]
    with tempfile.TemporaryDirectory() as folder:
        store = plan["store"]
        path: str | Path = ":memory:" if store == "memory" else Path(folder) / "log.sqlite"
        with new_log(path) as log:
            write_plan(log, plan)
            history = signed_by(log)
            rotation = next(e.seq for e in log.entries() if e.record_type == "key-rotation/v1")
            note = log.checkpoint()
            if store == "memory":
                report = audit_log(log, trusted, note)
            elif store == "jsonl":
                report = audit_log(jsonl_of(log, folder), trusted, note)
        if store == "sqlite":
            report = audit_log(path, trusted, note)
    expected = []
    if plan["revoke"]:
        for seq, (signer, when) in enumerate(history):
            if signer != OLD.fingerprint or when < plan["revoked_at"]:  # type: ignore[operator]
                continue
            if seq == rotation and plan["trust_new"]:
                continue  # the verifier holds the new key from the court itself
            expected.append((FindingKind.REVOKED_KEY, seq))
    assert kinds_at(report) == expected, report.summary()
    for finding in report.findings:
        assert f"entry {len(history) - 1} revoked it (leaked)" in finding.message
    assert report.size == len(history)


def test_a_revocation_settles_entries_on_both_sides_of_it() -> None:
    log = new_log()
    log.append(record(0), time=at(0))
    log.append(record(1), time=at(5))
    log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=at(6))
    log.revoke_key(OLD.fingerprint, revoked_at=at(5), reason="leaked", time=at(7))
    report = audit_log(log, [OLD.verifier, NEW.verifier])
    assert kinds_at(report) == [(FindingKind.REVOKED_KEY, 1)]
    assert "entry 3 revoked it (leaked)" in report.findings[0].message
    # Without the new key from the court, the rotation is no evidence either.
    report = audit_log(log, [OLD.verifier])
    assert kinds_at(report) == [(FindingKind.REVOKED_KEY, 1), (FindingKind.REVOKED_KEY, 2)]
    assert NEW.fingerprint in report.findings[1].message
    assert "out of band" in report.findings[1].message


def test_valid_logs_without_revocation_have_no_such_finding() -> None:
    log = rotated_log()
    report = audit_log(log, [OLD.verifier], log.checkpoint())
    assert report.ok, report.summary()


# -- forged and defective revocations ------------------------------------------------------


def forged_lines(log: EvidenceLog, extra: Sequence[tuple[object, Signer, datetime]]) -> list[bytes]:
    """The log's entries and more, chained correctly, signed outside the writer's rules."""
    lines = list(log.store.iter_entries())
    prev = entry_hash(lines[-1]) if lines else GENESIS_PREV
    for rec, signer, when in extra:
        entry = build_entry(
            origin=ORIGIN,
            seq=len(lines),
            time=when,
            prev=prev,
            record=codec.encode(rec),
            signer=signer,
        )
        lines.append(entry.data)
        prev = entry_hash(entry.data)
    return lines


def audit_lines(lines: list[bytes], trusted: Sequence[Verifier], **kw: object) -> AuditReport:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        return audit_log(path, trusted, **kw)  # type: ignore[arg-type]


def revocation_of(fingerprint: str, revoked_at: datetime, when: datetime) -> KeyRevocation:
    return KeyRevocation(
        event_id=f"forged-{when.minute}",
        event_time=when,
        fingerprint=fingerprint,
        revoked_at=revoked_at,
        reason="forged",
    )


def two_key_log() -> EvidenceLog:
    log = new_log()
    for i in range(3):
        log.append(record(i), time=at(i))
    log.rotate_key(NEW, reason="scheduled", event_id="rotate-1", time=at(3))
    log.append(record(3), time=at(4))
    return log


def test_a_revocation_by_an_unknown_key_is_not_honoured() -> None:
    log = two_key_log()
    lines = forged_lines(log, [(revocation_of(OLD.fingerprint, at(0), at(5)), STRANGER, at(5))])
    report = audit_lines(lines, [OLD.verifier])
    assert kinds_at(report) == [
        (FindingKind.KEY_NOT_VALID, 5),
        (FindingKind.UNKNOWN_SIGNER, 5),
        (FindingKind.BAD_REVOCATION, 5),
    ]
    assert "not honoured" in report.findings[2].message


def test_a_revocation_with_a_bad_signature_is_not_honoured() -> None:
    log = two_key_log()
    lines = forged_lines(log, [(revocation_of(OLD.fingerprint, at(0), at(5)), NEW, at(5))])
    entry = LogEntry.parse(lines[-1])
    other = build_entry(
        origin=ORIGIN, seq=5, time=at(5), prev=entry.prev, record=entry.record, signer=STRANGER
    )
    # NEW's name and fingerprint, STRANGER's signature.
    lines[-1] = lines[-1].replace(notes_b64(entry.signature), notes_b64(other.signature))
    report = audit_lines(lines, [OLD.verifier])
    assert kinds_at(report) == [(FindingKind.BAD_SIGNATURE, 5), (FindingKind.BAD_REVOCATION, 5)]


def notes_b64(signature: bytes) -> bytes:
    import base64

    return base64.b64encode(signature)


def test_a_revocation_of_a_key_the_log_never_had_is_bad() -> None:
    log = two_key_log()
    lines = forged_lines(log, [(revocation_of(STRANGER.fingerprint, at(0), at(5)), NEW, at(5))])
    report = audit_lines(lines, [OLD.verifier])
    assert kinds_at(report) == [(FindingKind.BAD_REVOCATION, 5)]
    assert STRANGER.fingerprint in report.findings[0].message


def test_a_revocation_by_an_old_key_out_of_turn_is_not_honoured() -> None:
    log = two_key_log()
    lines = forged_lines(log, [(revocation_of(NEW.fingerprint, at(0), at(5)), OLD, at(5))])
    report = audit_lines(lines, [OLD.verifier])
    assert (FindingKind.BAD_REVOCATION, 5) in kinds_at(report)
    assert not [f for f in report.findings if f.kind is FindingKind.REVOKED_KEY]


def test_a_key_that_revokes_itself_is_believed_but_reported() -> None:
    log = new_log()
    for i in range(3):
        log.append(record(i), time=at(i))
    lines = forged_lines(log, [(revocation_of(OLD.fingerprint, at(1), at(5)), OLD, at(5))])
    report = audit_lines(lines, [OLD.verifier])
    assert kinds_at(report) == [
        (FindingKind.REVOKED_KEY, 1),
        (FindingKind.REVOKED_KEY, 2),
        (FindingKind.BAD_REVOCATION, 3),
        (FindingKind.REVOKED_KEY, 3),
    ]
    assert "revokes itself" in report.findings[2].message


def test_entries_out_of_time_order_are_judged_one_by_one() -> None:
    # Times go backwards inside the old key's run: no suffix rule may be assumed.
    log = new_log()
    lines = forged_lines(
        log,
        [
            (record(0), OLD, at(0)),
            (record(1), OLD, at(9)),
            (record(2), OLD, at(2)),
            (record(3), OLD, at(8)),
        ],
    )
    rotation_log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=OLD)
    rotation = rotation_log.rotate_key(NEW, reason="compromise", event_id="rot", time=at(10))
    extra = [
        (codec.decode(rotation.record), OLD, at(10)),
        (revocation_of(OLD.fingerprint, at(5), at(11)), NEW, at(11)),
    ]
    prev = entry_hash(lines[-1])
    for rec, signer, when in extra:
        entry = build_entry(
            origin=ORIGIN, seq=len(lines), time=when, prev=prev, record=codec.encode(rec),
            signer=signer,
        )  # fmt: skip
        lines.append(entry.data)
        prev = entry_hash(entry.data)
    report = audit_lines(lines, [OLD.verifier, NEW.verifier])
    assert kinds_at(report) == [
        (FindingKind.REVOKED_KEY, 1),
        (FindingKind.TIME_BACKWARDS, 2),
        (FindingKind.TIME_BACKWARDS, 3),
        (FindingKind.REVOKED_KEY, 3),
    ]


# -- revocations the verifier brings, and checkpoints ----------------------------------------


def test_a_verifier_ring_revocation_is_applied_like_the_logs_own() -> None:
    log = new_log()
    for i in range(4):
        log.append(record(i), time=at(i))
    note = log.checkpoint()
    ring = KeyRing([OLD.verifier])
    ring.revoke(OLD.fingerprint, at(2))
    # The same key twice in the list is one key.
    assert audit_log(log, [OLD.verifier, OLD.verifier]).ok
    report = audit_log(log, ring, note)
    assert kinds_at(report) == [
        (FindingKind.REVOKED_KEY, 2),
        (FindingKind.REVOKED_KEY, 3),
        (FindingKind.CHECKPOINT_INVALID, None),
    ]
    assert "the verifier's key ring revoked it" in report.findings[0].message
    assert "signed by a revoked key" in report.findings[2].message
    # The caller's ring is left as it was.
    assert ring[OLD.fingerprint].revoked_at == at(2)


def test_a_checkpoint_signed_by_a_revoked_key_is_refused_with_the_reason() -> None:
    log = rotated_log()
    old_note = log.checkpoint()  # signed by NEW, the current key
    log.revoke_key(OLD.fingerprint, revoked_at=at(1), reason="leaked", time=at(12))
    forged = notes.sign(notes.text_of(old_note), OLD)
    report = audit_log(log, [OLD.verifier], [forged, log.checkpoint()])
    invalid = [f for f in report.findings if f.kind is FindingKind.CHECKPOINT_INVALID]
    assert len(invalid) == 1
    assert "checkpoint #1" in invalid[0].message
    assert OLD.fingerprint in invalid[0].message
    assert "by entry 5" in invalid[0].message
    assert report.checkpoints == (log.size,)
    # Refused for another reason, a checkpoint says nothing of revoked keys.
    stranger = notes.sign(notes.text_of(old_note), STRANGER)
    message = audit_log(log, [OLD.verifier], stranger).findings[-1].message
    assert "no signature by a trusted key" in message
    assert "revoked" not in message
    # A later revocation by the log leaves the ring's earlier time in force.
    ring = KeyRing([OLD.verifier])
    ring.revoke(OLD.fingerprint, at(0))
    revoked = audit_log(log, ring).findings
    assert [f.entry for f in revoked] == [0, 1, 2, 3]
    assert all("the verifier's key ring" in f.message for f in revoked)
    # Cosigned by the current key too, the same checkpoint is good.
    both = notes.sign(notes.text_of(old_note), OLD, NEW)
    assert audit_log(log, [OLD.verifier], both).checkpoints == (5,)


# -- parallel audit -------------------------------------------------------------------------


def test_workers_give_the_same_findings(tmp_path: Path) -> None:
    # More entries than one worker task holds, so that several tasks are in flight.
    log = new_log(tmp_path / "log.sqlite")
    for i in range(300):
        log.append(record(i), time=at(i / 10))
    log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=at(31))
    for i in range(150):
        log.append(record(i), time=at(31 + i / 10))
    log.revoke_key(OLD.fingerprint, revoked_at=at(15), reason="leaked", time=at(50))
    lines = list(log.store.iter_entries())
    lines.insert(225, lines[224])  # and a defect in the middle
    log.close()
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    one = audit_log(path, [OLD.verifier])
    assert audit_log(path, [OLD.verifier], workers=2) == one
    revoked = [f.entry for f in one.findings if f.kind is FindingKind.REVOKED_KEY]
    # The old key's entries from minute 15 on (one repeated), and the rotation it signed.
    assert revoked == [*range(150, 302)]
    stored = audit_log(tmp_path / "log.sqlite", [OLD.verifier])
    assert audit_log(tmp_path / "log.sqlite", [OLD.verifier], workers=2) == stored
    assert [f.entry for f in stored.findings] == [*range(150, 301)]


# -- the index and the second reading ------------------------------------------------------


def test_a_log_that_changes_between_the_two_readings_is_refused() -> None:
    runs = SignerRuns()
    ring = KeyRing([OLD.verifier])
    log = new_log()
    for i in range(3):
        log.append(record(i), time=at(i))
    stored = list(log.store.iter_entries())
    for seq, data in enumerate(stored):
        runs.add(seq, OLD.fingerprint, at(seq), _leaf(data))
    book = RevocationBook(
        ring, [Revocation(fingerprint=OLD.fingerprint, revoked_at=at(1), entry=None)]
    )

    def changed(ranges: Sequence[tuple[int, int]]) -> Iterator[tuple[int, bytes]]:
        for start, stop in ranges:
            for seq in range(start, stop):
                yield seq, stored[0] if seq == 2 else stored[seq]

    with pytest.raises(InputError, match="changed while it was audited"):
        book.settle(runs, frozenset(), changed)

    def unreadable(ranges: Sequence[tuple[int, int]]) -> Iterator[tuple[int, bytes]]:
        for start, stop in ranges:
            yield from ((seq, b"not json") for seq in range(start, stop))

    with pytest.raises(InputError, match="changed while it was audited"):
        book.settle(runs, frozenset(), unreadable)

    def shifted(ranges: Sequence[tuple[int, int]]) -> Iterator[tuple[int, bytes]]:
        for start, stop in ranges:
            yield from ((seq + 1, stored[seq]) for seq in range(start, stop))

    with pytest.raises(InputError, match="changed while it was audited"):
        book.settle(runs, frozenset(), shifted)

    def same(ranges: Sequence[tuple[int, int]]) -> Iterator[tuple[int, bytes]]:
        for start, stop in ranges:
            yield from ((seq, stored[seq]) for seq in range(start, stop))

    book = RevocationBook(
        KeyRing([OLD.verifier]),
        [Revocation(fingerprint=OLD.fingerprint, revoked_at=at(1), entry=None)],
    )
    book.settle(runs, frozenset(), same)
    assert [f.entry for f in book.findings] == [1, 2]


def _leaf(data: bytes) -> bytes:
    from legaldelivery import merkle

    return merkle.leaf_hash(data)


@settings(max_examples=100, deadline=None)
@given(
    entries=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 100)), max_size=30),
    gaps=st.sets(st.integers(0, 30)),
)
def test_signer_runs_cover_each_signers_entries_exactly(
    entries: list[tuple[str, int]], gaps: set[int]
) -> None:
    runs = SignerRuns()
    # Positions left out are entries that are not well formed: they end a run.
    kept = [(seq, signer, minutes) for seq, (signer, minutes) in enumerate(entries)]
    kept = [item for item in kept if item[0] not in gaps]
    for seq, signer, minutes in kept:
        runs.add(seq, signer, at(minutes), b"")
    for signer in "abc":
        found = runs.runs_of(signer)
        covered = [seq for run in found for seq in range(run.start, run.stop)]
        assert covered == [seq for seq, s, _ in kept if s == signer]
        for run in found:
            times = [at(m) for seq, _, m in kept if run.start <= seq < run.stop]
            assert (run.earliest, run.latest) == (min(times), max(times))


def test_reading_an_entry_time_that_is_not_there() -> None:
    from legaldelivery.audit.revocation import _time_of

    assert _time_of(b"[1]") is None
    assert _time_of(b'{"time":5}') is None
    assert _time_of(b'{"time":"yesterday"}') is None
    assert _time_of(b'{"time": "2026-03-02T09:00:00.000000Z"}') == T0


# -- the recovery procedure, end to end ----------------------------------------------------


def test_after_the_documented_recovery_the_thiefs_entries_are_findings(tmp_path: Path) -> None:
    path = tmp_path / "court.sqlite"
    court = new_log(path)
    for i in range(4):
        court.append(record(i), time=at(i))
    witness_dir = tmp_path / "witness"
    witness_dir.mkdir()
    notary = Witness(
        Cosigner.generate("notary.example/w1"),
        logs={ORIGIN: [OLD.verifier, NEW.verifier]},
        state_dir=witness_dir,
    )
    policy = WitnessPolicy(witnesses=[notary.verifier], quorum=1)
    anchored = collect_cosignatures(court.checkpoint(), [notary], proofs=court)
    # The key leaks at minute 5; the thief writes into the log with it.
    thief = EvidenceLog.open(path, signer=OLD)
    thief.append(record(5), time=at(6))
    thief.append(record(6), time=at(7))
    thief.close()
    court.append(record(7), time=at(8))  # the court itself, not yet aware
    # Found at minute 20: rotate, revoke from the exposure, anchor again.
    court.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=at(20))
    court.revoke_key(OLD.fingerprint, revoked_at=at(5), reason="key stolen", time=at(20))
    court.append(record(8), time=at(21))
    fresh = collect_cosignatures(court.checkpoint(), [notary], proofs=court)
    assert policy.verify(fresh, [NEW.verifier]).checkpoint.size == court.size
    court.close()
    report = audit_log(path, [OLD.verifier, NEW.verifier], [anchored, fresh])
    assert kinds_at(report) == [
        (FindingKind.REVOKED_KEY, 4),
        (FindingKind.REVOKED_KEY, 5),
        (FindingKind.REVOKED_KEY, 6),
        (FindingKind.CHECKPOINT_INVALID, None),
    ]
    # The old anchored checkpoint is signed by the revoked key alone: refused as a note,
    # but its witness cosignature dates it before the leak.
    assert report.checkpoints == (10,)
    ring = KeyRing([OLD.verifier])
    assert policy.verify(anchored, ring).checkpoint.size == 4


def test_the_verifiers_ring_windows_count_and_bad_trusted_keys_are_refused() -> None:
    log = new_log()
    for i in range(3):
        log.append(record(i), time=at(i))
    ring = KeyRing()
    ring.add(OLD.verifier, not_after=at(2))
    assert kinds_at(audit_log(log, ring)) == [(FindingKind.KEY_NOT_VALID, 2)]
    for bad in (OLD.verifier, "vkey", [OLD.verifier, OLD]):
        with pytest.raises(InputError) as caught:
            audit_log(log, bad)  # type: ignore[arg-type]
        assert caught.value.path is not None
        assert caught.value.path.startswith("trusted")


def test_non_canonical_entries_are_judged_by_their_time_too() -> None:
    log = new_log()
    for i in range(4):
        log.append(record(i), time=at(i))
    log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=at(5))
    log.revoke_key(OLD.fingerprint, revoked_at=at(2), reason="leaked", time=at(6))
    lines = list(log.store.iter_entries())
    # Respaced, the same content (the chain, over the bytes, breaks): its time is read
    # from the JSON, not from the canonical tail.
    for i in (1, 2):
        lines[i] = lines[i].replace(b'","time":"', b'",  "time": "')
    report = audit_lines(lines, [OLD.verifier, NEW.verifier])
    assert kinds_at(report) == [
        (FindingKind.NON_CANONICAL, 1),
        (FindingKind.NON_CANONICAL, 2),
        (FindingKind.BROKEN_CHAIN, 2),
        (FindingKind.REVOKED_KEY, 2),
        (FindingKind.BROKEN_CHAIN, 3),
        (FindingKind.REVOKED_KEY, 3),
    ]


def test_two_revoked_keys_are_settled_in_one_second_reading(tmp_path: Path) -> None:
    third = Ed25519Signer.generate(ORIGIN)
    log = new_log()
    for i in range(3):
        log.append(record(i), time=at(i))
    log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=at(3))
    for i in range(4, 7):
        log.append(record(i), time=at(i))
    log.rotate_key(third, reason="key compromise", event_id="rotate-2", time=at(7))
    log.revoke_key(OLD.fingerprint, revoked_at=at(1), reason="leaked", time=at(8))
    log.revoke_key(NEW.fingerprint, revoked_at=at(5), reason="leaked too", time=at(9))
    trusted = [OLD.verifier, NEW.verifier, third.verifier]
    for source in (log, jsonl_of(log, str(tmp_path))):
        report = audit_log(source, trusted)
        assert kinds_at(report) == [(FindingKind.REVOKED_KEY, n) for n in (1, 2, 5, 6)]
        assert "entry 8 revoked it" in report.findings[1].message
        assert "entry 9 revoked it" in report.findings[2].message


def test_an_over_long_line_before_the_revoked_entries_is_read_past(tmp_path: Path) -> None:
    log = new_log()
    for i in range(4):
        log.append(record(i), time=at(i))
    log.rotate_key(NEW, reason="key compromise", event_id="rotate-1", time=at(5))
    log.revoke_key(OLD.fingerprint, revoked_at=at(2), reason="leaked", time=at(6))
    path = tmp_path / "log.jsonl"
    with path.open("wb") as out:
        out.write(b"x" * (17 << 20) + b"\n")  # more than any entry may be
        out.writelines(line + b"\n" for line in log.store.iter_entries())
    report = audit_log(path, [OLD.verifier, NEW.verifier])
    assert report.findings_at(0)
    # Every entry is one position later than its seq says; the revocation still counts.
    assert [f.entry for f in report.findings if f.kind is FindingKind.REVOKED_KEY] == [3, 4]

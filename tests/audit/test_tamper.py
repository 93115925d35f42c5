"""Tamper detection: every single mutation of an exported log is found at the right entry."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, audit_log
from legaldelivery.audit import AuditReport, FindingKind
from legaldelivery.keys import Ed25519Signer, Signer, Verifier
from legaldelivery.log.entry import LogEntry, build_entry
from legaldelivery.records import KeyRevocation, KeyRotation
from legaldelivery.testing import strategies as lst
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/tamper-test"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)

# Keys are made once: key generation is not what these tests are about.
FIRST = Ed25519Signer.generate(ORIGIN)
SECOND = Ed25519Signer.generate(ORIGIN + "/2")
STRANGER = Ed25519Signer.generate(ORIGIN)


class Built:
    """A log, its JSON Lines lines, its final checkpoint, and the key to trust."""

    def __init__(self, lines: list[bytes], checkpoint: str, trusted: Verifier) -> None:
        self.lines = lines
        self.checkpoint = checkpoint
        self.trusted = trusted


def build_log(records: list[object], rotate_at: int | None) -> Built:
    ticks = iter(range(10_000))
    log = EvidenceLog.create(
        ":memory:",
        origin=ORIGIN,
        signer=FIRST,
        clock=lambda: T0 + timedelta(seconds=next(ticks)),
    )
    for i, record in enumerate(records):
        if rotate_at == i:
            log.rotate_key(SECOND, reason="scheduled rotation", event_id=f"rot-{i}")
        log.append(record)
    lines = list(log.store.iter_entries())
    return Built(lines, log.checkpoint(), FIRST.verifier)


def audit_lines(
    lines: list[bytes],
    trusted: Verifier | list[Verifier],
    checkpoint: str | None = None,
    raw: bytes | None = None,
) -> AuditReport:
    keys = trusted if isinstance(trusted, list) else [trusted]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        path.write_bytes(raw if raw is not None else b"".join(line + b"\n" for line in lines))
        return audit_log(path, trusted=keys, checkpoint=checkpoint)


@st.composite
def logs(draw: st.DrawFn) -> Built:
    # Key events come only from rotate_key(); the strategy's plain records are appended.
    plain = lst.records().filter(lambda r: not isinstance(r, (KeyRotation, KeyRevocation)))
    records = draw(st.lists(plain, min_size=1, max_size=6))
    rotate_at = draw(st.one_of(st.none(), st.integers(0, len(records) - 1)))
    return build_log(records, rotate_at)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_found_at(report: AuditReport, entry: int) -> None:
    assert not report.ok
    assert any(f.entry == entry for f in report.findings), report.summary()


@SETTINGS
@given(log=logs())
def test_valid_logs_have_no_finding(log: Built) -> None:
    report = audit_lines(log.lines, log.trusted, log.checkpoint)
    assert report.ok, report.summary()
    assert report.size == len(log.lines)
    assert report.checkpoints == (len(log.lines),)


@SETTINGS
@given(log=logs(), data=st.data())
def test_flipped_byte_is_found_at_its_entry(log: Built, data: st.DataObject) -> None:
    raw = bytearray(b"".join(line + b"\n" for line in log.lines))
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[position] ^= data.draw(st.integers(1, 255), label="mask")
    # The entry the byte belonged to: count the line ends before it.
    entry = bytes(raw[:position]).count(b"\n")
    report = audit_lines(log.lines, log.trusted, raw=bytes(raw))
    assert_found_at(report, entry)


@SETTINGS
@given(log=logs(), data=st.data())
def test_deleted_entry_is_found(log: Built, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(log.lines) - 1), label="deleted")
    lines = log.lines[:i] + log.lines[i + 1 :]
    # Deleting the last entry is a truncation: only a later checkpoint can show it.
    report = audit_lines(lines, [FIRST.verifier, SECOND.verifier], log.checkpoint)
    assert_found_at(report, i)


@SETTINGS
@given(log=logs(), data=st.data())
def test_duplicated_entry_is_found(log: Built, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(log.lines) - 1), label="duplicated")
    lines = [*log.lines[: i + 1], log.lines[i], *log.lines[i + 1 :]]
    assert_found_at(audit_lines(lines, log.trusted), i + 1)


@SETTINGS
@given(log=logs(), data=st.data())
def test_reordered_entries_are_found(log: Built, data: st.DataObject) -> None:
    if len(log.lines) < 2:
        return
    i = data.draw(st.integers(0, len(log.lines) - 2), label="first")
    j = data.draw(st.integers(i + 1, len(log.lines) - 1), label="second")
    lines = list(log.lines)
    lines[i], lines[j] = lines[j], lines[i]
    assert_found_at(audit_lines(lines, log.trusted), i)


def _forged(original: bytes, signer: Signer, **changes: object) -> bytes:
    entry = LogEntry.parse(original)
    fields: dict[str, object] = {
        "origin": entry.origin,
        "seq": entry.seq,
        "time": entry.time,
        "prev": entry.prev,
        "record": entry.record,
    }
    fields.update(changes)
    return build_entry(signer=signer, **fields).data  # type: ignore[arg-type]


@SETTINGS
@given(log=logs(), data=st.data())
def test_inserted_entry_is_found(log: Built, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(log.lines)), label="inserted at")
    template = log.lines[min(i, len(log.lines) - 1)]
    # A forger who knows the format but not the key: seq and prev are made to fit.
    prev = LogEntry.parse(log.lines[i - 1]).hash if i > 0 else "0" * 64
    forged = _forged(template, STRANGER, seq=i, prev=prev)
    lines = [*log.lines[:i], forged, *log.lines[i:]]
    assert_found_at(audit_lines(lines, log.trusted), i)


@SETTINGS
@given(log=logs(), data=st.data())
def test_entry_resigned_by_unknown_key_is_found(log: Built, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(log.lines) - 1), label="re-signed")
    lines = list(log.lines)
    lines[i] = _forged(lines[i], STRANGER)
    report = audit_lines(lines, log.trusted)
    assert_found_at(report, i)
    assert any(
        f.entry == i and f.kind in {FindingKind.UNKNOWN_SIGNER, FindingKind.KEY_NOT_VALID}
        for f in report.findings
    )


@SETTINGS
@given(log=logs(), data=st.data())
def test_truncation_is_found_with_a_later_checkpoint(log: Built, data: st.DataObject) -> None:
    keep = data.draw(st.integers(0, len(log.lines) - 1), label="kept")
    # The holder of the later checkpoint knows the key that signed it, even when the
    # rotation that introduced that key was cut off with the rest.
    report = audit_lines(log.lines[:keep], [FIRST.verifier, SECOND.verifier], log.checkpoint)
    assert_found_at(report, keep)
    assert any(f.kind is FindingKind.TRUNCATED for f in report.findings)


@SETTINGS
@given(log=logs())
def test_swapped_verifier_key_is_found(log: Built) -> None:
    report = audit_lines(log.lines, STRANGER.verifier)
    assert_found_at(report, 0)
    assert report.findings[0].kind is FindingKind.UNKNOWN_SIGNER


def test_rotation_is_followed_with_only_the_first_key_trusted() -> None:
    log = build_log(list(sample_records()), rotate_at=1)
    signers = {LogEntry.parse(line).signer for line in log.lines}
    assert signers == {FIRST.fingerprint, SECOND.fingerprint}
    report = audit_lines(log.lines, FIRST.verifier, log.checkpoint)
    assert report.ok, report.summary()
    # And the second key alone is not enough: the first entries are then unknown.
    assert not audit_lines(log.lines, SECOND.verifier).ok


def test_old_key_cannot_sign_after_rotation() -> None:
    records = list(sample_records())
    log = build_log(records, rotate_at=1)
    # Entry 2 follows the rotation (entry 1): a copy signed with the retired key is found.
    lines = list(log.lines)
    lines[2] = _forged(lines[2], FIRST)
    report = audit_lines(lines, FIRST.verifier)
    assert any(f.entry == 2 and f.kind is FindingKind.KEY_NOT_VALID for f in report.findings)


def test_non_canonical_entry_is_named_as_such() -> None:
    log = build_log(list(sample_records())[:3], rotate_at=None)
    lines = list(log.lines)
    # The same JSON with a space after the first colon: valid JSON, not canonical bytes.
    lines[1] = lines[1].replace(b'"format":', b'"format": ', 1)
    report = audit_lines(lines, log.trusted)
    kinds = {f.kind for f in report.findings_at(1)}
    assert FindingKind.NON_CANONICAL in kinds
    # The content itself is intact, so its signature is not reported as bad.
    assert FindingKind.BAD_SIGNATURE not in kinds
    assert FindingKind.BROKEN_CHAIN in {f.kind for f in report.findings_at(2)}


def test_wrong_format_is_named_as_such() -> None:
    log = build_log(list(sample_records())[:2], rotate_at=None)
    lines = list(log.lines)
    lines[0] = lines[0].replace(b"legaldelivery/entry/v1", b"legaldelivery/entry/v9", 1)
    report = audit_lines(lines, log.trusted)
    assert FindingKind.WRONG_FORMAT in {f.kind for f in report.findings_at(0)}


def test_unreadable_line_does_not_stop_the_audit() -> None:
    log = build_log(list(sample_records())[:4], rotate_at=None)
    lines = list(log.lines)
    lines[1] = b"{not json"
    report = audit_lines(lines, log.trusted)
    assert {f.kind for f in report.findings_at(1)} == {FindingKind.UNREADABLE}
    assert FindingKind.BROKEN_CHAIN in {f.kind for f in report.findings_at(2)}
    assert report.size == 4

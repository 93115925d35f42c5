"""The single-process audit's chunked examination, and reading JSON Lines in bounded memory.

The chunked audit (examine a chunk, then verify its signatures back to back) must report
exactly what examining and taking one entry at a time reports; the line reader must give
the lines ``bytes.split`` gives, and read past an over-long line with the hashes of its
bytes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, InputError, audit_log, merkle
from legaldelivery.audit import FindingKind, iter_jsonl
from legaldelivery.audit import verify as audit_verify
from legaldelivery.audit.findings import AuditReport
from legaldelivery.keys import Ed25519Signer
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/examine-fast"
FIRST = Ed25519Signer.generate(ORIGIN)
SECOND = Ed25519Signer.generate(ORIGIN + "/2")
T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
# Several chunks, and a rotation inside one of them: entries signed by the new key in
# that chunk are left to the auditor.
COUNT = 2 * audit_verify._PROCESS_CHUNK + 30
ROTATE_AT = audit_verify._PROCESS_CHUNK + 9


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    path = tmp_path_factory.mktemp("examine") / "log.jsonl"
    ticks = iter(range(100_000))
    records = sample_records()
    with EvidenceLog.create(
        path, origin=ORIGIN, signer=FIRST, clock=lambda: T0 + timedelta(seconds=next(ticks))
    ) as log:
        for i in range(COUNT):
            if i == ROTATE_AT:
                log.rotate_key(SECOND, reason="scheduled", event_id="rot-1")
            log.append(records[i % len(records)])
        return list(log.store.iter_entries())


def one_at_a_time(path: Path) -> AuditReport:
    """The audit as it was before chunking: examine one entry, take it, go on."""
    auditor = audit_verify._Auditor([FIRST.verifier], None)
    for position, (data, complete) in enumerate(audit_verify._read_lines(path)):
        auditor.take(audit_verify._examine(data, complete, position, None))
    auditor.finish(audit_verify._reread(path))
    return AuditReport(
        origin=auditor.origin,
        size=auditor.count,
        root_hash=auditor.tree.root(),
        findings=tuple(
            sorted(
                auditor.findings,
                key=lambda f: (f.entry is None, f.entry if f.entry is not None else 0),
            )
        ),
        checkpoints=(),
        signers=tuple(auditor.signers),
    )


def write(path: Path, lines: list[bytes], *, torn: bool = False) -> Path:
    path.write_bytes(b"\n".join(lines) + (b"" if torn else b"\n"))
    return path


def test_a_clean_log_with_a_rotation_verifies_in_chunks(
    stored: list[bytes], tmp_path: Path
) -> None:
    path = write(tmp_path / "clean.jsonl", stored)
    report = audit_log(path, [FIRST.verifier])
    assert report.ok, report.summary()
    assert report == one_at_a_time(path)


tamper = st.tuples(
    st.sampled_from(["flip", "drop", "swap", "duplicate", "truncate"]),
    st.integers(min_value=0, max_value=COUNT - 1),
    st.integers(min_value=0, max_value=10_000),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(tamper, min_size=1, max_size=3), torn=st.booleans())
def test_tampered_logs_get_the_same_report_as_one_at_a_time(
    stored: list[bytes], tmp_path_factory: pytest.TempPathFactory, changes: list, torn: bool
) -> None:
    lines = list(stored)
    for kind, at, where in changes:
        at %= len(lines)
        if kind == "flip":
            line = bytearray(lines[at])
            line[where % len(line)] ^= 1 << (where % 7)
            lines[at] = bytes(line).replace(b"\n", b" ")
        elif kind == "drop" and len(lines) > 1:
            del lines[at]
        elif kind == "swap":
            other = where % len(lines)
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        else:
            lines[at] = lines[at][: where % len(lines[at])]
    path = write(tmp_path_factory.mktemp("tampered") / "log.jsonl", lines, torn=torn)
    assert audit_log(path, [FIRST.verifier]) == one_at_a_time(path)


# -- reading lines ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=8),
    torn=st.booleans(),
    limit=st.integers(min_value=1, max_value=30),
)
def test_lines_are_read_as_split_gives_them_and_long_ones_are_hashed(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], torn: bool, limit: int
) -> None:
    content = b"".join(line + b"\n" for line in lines)
    if torn and lines and lines[-1]:
        content = content[:-1]
    path = tmp_path_factory.mktemp("lines") / "log.jsonl"
    path.write_bytes(content)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit_verify, "MAX_ENTRY_BYTES", limit)
        patch.setattr(audit_verify, "_SKIP_CHUNK", 7)  # several chunks per long line
        got = list(audit_verify._read_lines(path))
    expected = content.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert len(got) == len(expected)
    offset = 0
    for i, ((item, complete), line) in enumerate(zip(got, expected, strict=True)):
        assert complete == (i < len(expected) - 1 or content.endswith(b"\n"))
        if len(line) <= limit:
            assert item == line
        else:
            assert isinstance(item, audit_verify._Overlong)
            assert item.offset == offset
            assert item.length == len(line)
            assert item.leaf == merkle.leaf_hash(line)
            assert item.chain == hashlib.sha256(line).hexdigest()
        offset += len(line) + 1


def test_an_overlong_line_is_one_finding_and_still_counts_for_the_tree(
    stored: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    longest = max(len(line) for line in stored[:5])
    monkeypatch.setattr(audit_verify, "MAX_ENTRY_BYTES", longest)
    lines = [*stored[:3], b"[" + b" " * (longest + 10) + b"]", *stored[4:6]]
    path = write(tmp_path / "long.jsonl", lines)
    report = audit_log(path, [FIRST.verifier])
    assert [f.kind for f in report.findings_at(3)] == [FindingKind.UNREADABLE]
    assert "more than an entry may be" in report.findings_at(3)[0].message
    # The next entry's prev names the entry that was replaced: the chain breaks there,
    # and only there.
    assert [f.kind for f in report.findings_at(4)] == [FindingKind.BROKEN_CHAIN]
    assert {f.entry for f in report.findings} == {3, 4}
    assert report.root_hash == merkle.root_hash(lines)
    with pytest.raises(InputError, match="line 4 is"):
        list(iter_jsonl(path))


def test_iter_jsonl_yields_the_lines_of_a_log(stored: list[bytes], tmp_path: Path) -> None:
    path = write(tmp_path / "log.jsonl", stored[:4], torn=True)
    assert list(iter_jsonl(path)) == [(line, i < 3) for i, line in enumerate(stored[:4])]

"""pandas tables: a log, audit findings and timelines; pandas stays optional."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from legaldelivery import EvidenceLog, audit_log, codec, rules
from legaldelivery.audit.bundle import audit_bundle, extract_bundle
from legaldelivery.audit.certificate import order_timeline
from legaldelivery.audit.frame import (
    ENTRY_COLUMNS,
    FINDING_COLUMNS,
    TIMELINE_COLUMNS,
    to_dataframe,
)
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.records import DeliveryOrder
from legaldelivery.testing.fakes import sample_order, sample_records

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
ORIGIN = "court.example/frame-test"


@pytest.fixture
def key() -> Ed25519Signer:
    return Ed25519Signer.generate(ORIGIN)


@pytest.fixture
def log(key: Ed25519Signer, tmp_path: Path) -> EvidenceLog:
    log = EvidenceLog.create(tmp_path / "log.sqlite", origin=ORIGIN, signer=key, clock=lambda: T0)
    records = sample_records()
    cn = rules.jurisdiction("CN", on=date(2026, 3, 2))
    det = cn.time_of_service(
        sample_order(), records, at=T0 + timedelta(days=20), determination_id="det"
    )
    log.append_many([*records, det])
    return log


def test_a_log_as_a_table(log: EvidenceLog) -> None:
    df = to_dataframe(log)
    assert tuple(df.columns) == ENTRY_COLUMNS
    assert len(df) == log.size
    assert list(df.seq) == list(range(log.size))
    assert str(df.time.dtype).startswith("datetime64")
    assert str(df.time.dt.tz) == "UTC"
    order = sample_order()
    # Filter by case: every entry after the order names it, the consent before does not.
    in_case = df[df.case == order.case.number]
    assert list(in_case.seq) == list(range(1, log.size))
    assert pd.isna(df.loc[0, "case"])
    assert df.loc[1, "record_type"] == "delivery-order/v1"
    assert set(df.order_id.dropna()) == {order.order_id}
    read = df[df.grade == "system_read"]
    assert read.event.tolist() == ["ContentAccessTracking"]
    assert read.channel.isna().all()  # event 4 of the fakes names no address
    assert df[df.step == "determination"].event.tolist() == ["service-determination"]
    assert df.loc[3, "channel"] == "wechat"
    for seq, record in enumerate(sample_records()):
        when = getattr(record, "event_time", None) or getattr(record, "created_at", None)
        assert df.loc[seq, "event_time"] == pd.Timestamp(when)
    assert set(df.signer) == {log.entry(0).signer}
    assert df.loc[5, "hash"] == log.entry(5).hash


def test_a_path_and_entries_give_the_same_table(log: EvidenceLog, tmp_path: Path) -> None:
    log.export_jsonl(tmp_path / "log.jsonl")
    expected = to_dataframe(log)
    pd.testing.assert_frame_equal(to_dataframe(tmp_path / "log.jsonl"), expected)
    pd.testing.assert_frame_equal(to_dataframe(str(tmp_path / "log.sqlite")), expected)
    pd.testing.assert_frame_equal(to_dataframe(list(log.entries())), expected)


def test_findings_as_a_table(log: EvidenceLog, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    log.export_jsonl(path)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"seq":2', b'"seq":7')
    path.write_bytes(b"\n".join(lines))
    report = audit_log(path, trusted=[])
    df = to_dataframe(report)
    assert tuple(df.columns) == FINDING_COLUMNS
    assert len(df) == len(report.findings)
    assert "sequence" in set(df.kind)
    assert df.attrs["ok"] is False
    assert df.attrs["size"] == log.size
    assert df[df.kind == "sequence"].entry.tolist() == [2]


def test_bundle_reports_and_timelines_as_tables(log: EvidenceLog, key: Ed25519Signer) -> None:
    bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    report = audit_bundle(bundle, trusted=[key.verifier])
    assert report.certificate is not None
    assert len(to_dataframe(report)) == 0
    cert_df = to_dataframe(report.certificate)
    assert tuple(cert_df.columns) == TIMELINE_COLUMNS
    assert len(cert_df) == len(report.certificate.timeline)
    timeline = order_timeline(log, "order-2026-0001")
    df = to_dataframe(timeline)
    assert list(df.step) == [e.step.value for e in timeline.events]
    assert df.time.is_monotonic_increasing


def test_undecodable_records_still_have_a_row(key: Ed25519Signer) -> None:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=key, clock=lambda: T0)
    entries = log.append_many(sample_records()[:2])
    from legaldelivery.log import LogEntry

    odd = LogEntry.parse(entries[0].data)
    object.__setattr__(odd, "record", {"type": "unknown/v1", "order_id": "x"})
    df = to_dataframe([odd, entries[1]])
    assert df.step.tolist() == ["undecodable", "order"]
    assert isinstance(codec.decode(entries[1].record), DeliveryOrder)


def test_anything_else_is_refused(log: EvidenceLog) -> None:
    with pytest.raises(InputError):
        to_dataframe(42)
    with pytest.raises(InputError):
        to_dataframe([1, 2])


def test_without_pandas_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, log: EvidenceLog
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ModuleNotFoundError, match=r"legaldelivery\[notebook\]"):
        to_dataframe(log)
    with pytest.raises(ModuleNotFoundError):
        to_dataframe("any.sqlite")

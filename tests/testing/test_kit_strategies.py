"""The integrator strategies: report sequences, scenarios, valid logs and tampered logs."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import audit_log
from legaldelivery.audit import AuditReport
from legaldelivery.channels import ChannelReport
from legaldelivery.service import SERVICE_SOURCE, apply, evidence_for, fold
from legaldelivery.testing.strategies import (
    TAMPERINGS,
    LogSample,
    Tampering,
    channel_reports,
    evidence_logs,
    report_scenarios,
    report_sequences,
    tampered_logs,
)

AFTER = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
FAST = settings(max_examples=40, deadline=None)
LOGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def audit(sample: LogSample) -> AuditReport:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        sample.write(path)
        return audit_log(path, trusted=[sample.verifier], checkpoint=sample.checkpoint)


@FAST
@given(channel_reports("wx-7", after=AFTER))
def test_single_reports_are_about_the_message_and_after_the_start(report: ChannelReport) -> None:
    assert isinstance(report, ChannelReport)
    assert report.provider_message_id == "wx-7"
    assert report.occurred_at >= AFTER


@FAST
@given(report_sequences(after=AFTER, disorder=False))
def test_an_orderly_history_is_in_time_order_with_distinct_reports(
    reports: list[ChannelReport],
) -> None:
    assert reports
    assert [r.occurred_at for r in reports] == sorted(r.occurred_at for r in reports)
    assert len({r.identity for r in reports}) == len(reports)
    assert len({r.provider_message_id for r in reports}) == 1


@FAST
@given(report_sequences("wx-1"))
def test_repeats_in_a_disorderly_history_are_exact_copies(reports: list[ChannelReport]) -> None:
    by_identity: dict[str, ChannelReport] = {}
    for report in reports:
        assert by_identity.setdefault(report.identity, report) == report


def test_disorder_is_actually_drawn() -> None:
    seen = {"repeat": False, "reorder": False}

    @settings(max_examples=200, deadline=None)
    @given(report_sequences("wx-1"))
    def look(reports: list[ChannelReport]) -> None:
        if len({r.identity for r in reports}) < len(reports):
            seen["repeat"] = True
        distinct = list(dict.fromkeys(reports))
        if [r.occurred_at for r in distinct] != sorted(r.occurred_at for r in distinct):
            seen["reorder"] = True

    look()
    assert seen == {"repeat": True, "reorder": True}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_scenarios())
def test_every_report_of_a_scenario_is_evidence_and_repeats_are_the_same(scenario) -> None:  # type: ignore[no-untyped-def]
    state = fold(scenario.order.order_id, scenario.records)
    assert state.message(scenario.dispatch.provider_message_id) is not None
    records = [evidence_for(state, r, source=SERVICE_SOURCE) for r in scenario.reports]
    ids = {r.event_id for r in records}
    assert len(ids) == len({r.identity for r in scenario.reports})
    for report, record in zip(scenario.reports, records, strict=True):
        assert evidence_for(state, report, source=SERVICE_SOURCE) == record
        assert apply(apply(state, record), record) == apply(state, record)


@LOGS
@given(evidence_logs(max_size=4))
def test_valid_logs_audit_clean(sample: LogSample) -> None:
    report = audit(sample)
    assert report.ok, report.findings
    assert report.size == len(sample.records) == len(sample.lines)


@LOGS
@given(tampered_logs())
def test_every_tampering_is_found_where_it_was_made(pair: tuple[LogSample, Tampering]) -> None:
    sample, tampering = pair
    report = audit(sample)
    assert not report.ok, tampering.description
    if tampering.entry is not None:
        assert report.findings_at(tampering.entry), (tampering.description, report.findings)


def test_every_kind_of_tampering_is_drawn() -> None:
    kinds: set[str] = set()

    @settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(tampered_logs())
    def look(pair: tuple[LogSample, Tampering]) -> None:
        kinds.add(pair[1].kind)

    look()
    assert kinds == set(TAMPERINGS)


def test_log_sizes_are_checked() -> None:
    with pytest.raises(ValueError, match="min_size"):
        evidence_logs(min_size=3, max_size=2)


@settings(max_examples=5, deadline=None)
@given(st.data())
def test_a_sample_log_writes_its_lines(data: st.DataObject) -> None:
    sample = data.draw(evidence_logs(max_size=2))
    assert sample.data.splitlines() == list(sample.lines)

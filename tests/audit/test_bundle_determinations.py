"""Determinations made again: the bundle check follows ``supersedes`` and the certificate
states the current determination, showing the ones it replaced."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, rules
from legaldelivery.audit.bundle import BundleReport, audit_bundle, extract_bundle
from legaldelivery.keys import Ed25519Signer
from legaldelivery.records import ReasonCode, ServiceDetermination
from legaldelivery.testing.fakes import sample_order, sample_records

ORIGIN = "court.example/determinations"
ORDER = "order-2026-0001"
KEY = Ed25519Signer.generate(ORIGIN)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
BOUNCE = ReasonCode(code="urn:example:reason:bounce", details="bounced: mailbox unknown")


def first() -> ServiceDetermination:
    cn = rules.jurisdiction("CN", on=date(2026, 3, 2))
    found = cn.time_of_service(
        sample_order(),
        sample_records(),
        at=T0 + timedelta(days=20),
        determination_id=f"{ORDER}/determination",
        deadlines=["defence"],
    )
    assert found.time_of_service is not None
    return found


def again(
    earlier: ServiceDetermination, event_id: str, *, minutes: int, served: bool = True
) -> ServiceDetermination:
    """A determination made after ``earlier`` and superseding it."""
    made = attrs.evolve(
        earlier,
        event_id=event_id,
        event_time=earlier.event_time + timedelta(days=1),
        supersedes=earlier.event_id,
        reasons=(BOUNCE,),
    )
    if not served:
        return attrs.evolve(
            made, time_of_service=None, rests_on=None, presumption=None, deadlines=()
        )
    assert made.time_of_service is not None
    return attrs.evolve(made, time_of_service=made.time_of_service + timedelta(minutes=minutes))


def interim(event_id: str = "interim", *, days: int = 30) -> ServiceDetermination:
    """An integrator's 'not yet served' determination that supersedes nothing."""
    return attrs.evolve(
        first(),
        event_id=event_id,
        event_time=T0 + timedelta(days=days),
        time_of_service=None,
        rests_on=None,
        presumption=None,
        deadlines=(),
    )


def audited(determinations: list[ServiceDetermination]) -> BundleReport:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY, clock=lambda: T0)
    log.append_many([*sample_records(), *determinations])
    bundle = extract_bundle(log, ORDER, checkpoint=log.checkpoint())
    return audit_bundle(bundle, trusted=[KEY.verifier])


def kinds(report: BundleReport) -> list[str]:
    return [f.kind.value for f in report.findings]


SEQ0 = len(sample_records())  # the entry of the first determination


def test_the_chain_outranks_an_interim_determination_logged_after_it() -> None:
    one = first()
    two = again(one, f"{ORDER}/determination/2", minutes=7)
    later = interim()
    report = audited([one, two, later])
    assert report.ok, report.summary()
    cert = report.certificate
    assert cert is not None
    assert cert.time_of_service == two.time_of_service
    assert cert.determined_at == two.event_time
    replaced, aside = cert.superseded
    assert (replaced.event_id, replaced.seq) == (one.event_id, SEQ0)
    assert replaced.time_of_service == one.time_of_service
    assert (replaced.superseded_by, replaced.reason) == (two.event_id, BOUNCE.details)
    assert (aside.event_id, aside.seq, aside.superseded_by) == ("interim", SEQ0 + 2, None)
    body = cert.to_json()["superseded"]
    assert body[0]["superseded_by"] == two.event_id
    assert body[0]["entry"] == SEQ0
    assert body[1]["time_of_service"] is None
    text = cert.to_text()
    assert f"superseded by {two.event_id}: {BOUNCE.details}" in text
    assert "已被以下认定取代" in text
    assert "not the current determination / 非现行认定" in text
    html = cert.to_html()
    assert f"superseded by {two.event_id}" in html
    # Only the current determination's time and deadlines are drawn.
    service = [e for e in cert.timeline if e.step.value == "service"]
    assert [e.time for e in service] == [two.time_of_service]
    assert len([e for e in cert.timeline if e.step.value == "deadline"]) == 1
    heads = {e.event_id: e.detail for e in cert.timeline if e.step.value == "determination"}
    assert heads[one.event_id].startswith(f"superseded by {two.event_id}")
    assert heads["interim"].startswith("not the current one")


def test_a_reopening_determination_is_current_and_the_order_unserved() -> None:
    one = first()
    two = again(one, f"{ORDER}/determination/2", minutes=0, served=False)
    report = audited([one, two])
    assert report.ok, report.summary()
    assert report.certificate is not None
    assert not report.certificate.served
    assert [d.event_id for d in report.certificate.superseded] == [one.event_id]


def test_without_a_chain_the_later_determination_is_current() -> None:
    # Two first determinations that agree on the time: nothing ambiguous, the later counts.
    one = first()
    two = attrs.evolve(one, event_id="det-b", event_time=one.event_time + timedelta(hours=1))
    report = audited([one, two])
    assert report.ok, report.summary()
    assert report.certificate is not None
    assert report.certificate.determined_at == two.event_time
    (aside,) = report.certificate.superseded
    assert (aside.event_id, aside.superseded_by) == (one.event_id, None)


def test_superseding_a_determination_the_bundle_lacks_is_broken() -> None:
    one = first()
    two = again(one, f"{ORDER}/determination/2", minutes=7)
    report = audited([two])  # the first one is not in the log
    assert kinds(report) == ["broken-supersession"]
    (finding,) = report.findings
    assert finding.entry == SEQ0
    assert one.event_id in finding.message
    assert report.certificate is None


def test_superseding_a_record_that_is_no_determination_is_broken() -> None:
    ids = [getattr(r, "event_id", None) for r in sample_records()]
    assert "event-1" in ids  # an event of the order, in the bundle
    made = attrs.evolve(first(), supersedes="event-1")
    assert kinds(audited([made])) == ["broken-supersession"]


def test_determinations_superseding_each_other_leave_none_current() -> None:
    one = attrs.evolve(first(), supersedes="det-b")
    two = attrs.evolve(one, event_id="det-b", supersedes=one.event_id)
    report = audited([one, two])
    assert kinds(report) == ["broken-supersession"]
    assert "cycle" in report.findings[0].message


@pytest.mark.parametrize("fork", [False, True])
def test_two_current_determinations_with_different_times_are_ambiguous(fork: bool) -> None:
    one = first()
    if fork:
        # Both supersede the first one: a fork of the chain.
        a = again(one, "det-a", minutes=5)
        b = again(one, "det-b", minutes=9)
        made = [one, a, b]
    else:
        # Two first determinations, neither superseding anything.
        assert one.time_of_service is not None
        a = one
        b = attrs.evolve(
            one, event_id="det-b", time_of_service=one.time_of_service + timedelta(minutes=9)
        )
        made = [a, b]
    report = audited(made)
    assert kinds(report) == ["ambiguous-determination"]
    (finding,) = report.findings
    assert finding.entry == SEQ0 + len(made) - 1
    assert a.event_id in finding.message
    assert b.event_id in finding.message
    assert report.certificate is None


def test_an_interim_head_beside_a_chain_is_not_ambiguous() -> None:
    one = first()
    assert audited([one, interim()]).ok
    assert audited([interim(days=10), one]).ok


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(range(4)), minutes=st.integers(1, 600))
def test_any_log_order_of_a_chain_names_the_same_current_determination(
    order: list[int], minutes: int
) -> None:
    one = first()
    two = again(one, "det-2", minutes=minutes)
    three = again(two, "det-3", minutes=minutes)
    made = [one, two, three, interim()]
    from legaldelivery.audit.certificate import timeline_of

    steps = timeline_of(enumerate(made[i] for i in order))
    assert [e.time for e in steps if e.step.value == "service"] == [three.time_of_service]
    drawn = [e.event_id for e in steps if e.step.value == "determination"]
    assert sorted(drawn, key=str) == sorted(d.event_id for d in made)

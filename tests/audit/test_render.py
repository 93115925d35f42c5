"""Rendering: the certificate is valid HTML, the timeline valid SVG, everything escaped."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import attrs
import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, audit_log, rules
from legaldelivery.audit import render
from legaldelivery.audit.bundle import extract_bundle, verify_bundle
from legaldelivery.audit.certificate import (
    ServiceCertificate,
    Step,
    SupersededDetermination,
    TimelineEvent,
    TrustedTime,
    WitnessCosignature,
    timeline_of,
)
from legaldelivery.errors import InputError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import LogEntry
from legaldelivery.records import DeliveryOrder, Party, PartyRole, seal
from legaldelivery.testing import strategies
from legaldelivery.testing.fakes import sample_order, sample_records

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
ORIGIN = "court.example/render-test"
SVG = "{http://www.w3.org/2000/svg}"
# What a record's text may hold: one line of printable characters (no control characters,
# no surrogates, no line or paragraph separators).
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


def story(recipient: Party | None = None) -> list[object]:
    records = sample_records()
    if recipient is not None:
        records = [
            attrs.evolve(r, recipient=recipient) if isinstance(r, DeliveryOrder) else r
            for r in records
        ]
    order = next(r for r in records if isinstance(r, DeliveryOrder))
    cn = rules.jurisdiction("CN", on=date(2026, 3, 2))
    det = cn.time_of_service(
        order, records, at=T0 + timedelta(days=20), determination_id="det", deadlines=["defence"]
    )
    return [*records, det]


def certify(records: list[object]) -> ServiceCertificate:
    key = Ed25519Signer.generate(ORIGIN)
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=key, clock=lambda: T0)
    log.append_many(records)
    bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    return verify_bundle(bundle, trusted=[key.verifier])


@pytest.fixture(scope="module")
def cert() -> ServiceCertificate:
    return certify(story())


def strict_html(text: str) -> Any:
    """Parse with html5lib in strict mode: any parse error of the HTML standard raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


class _Balance(HTMLParser):
    """Independently of html5lib: every non-void element is closed, in order."""

    VOID = frozenset({"meta", "br", "circle", "line", "rect", "polygon", "path"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack.pop() == tag, f"</{tag}> closes another element"


def test_the_certificate_is_valid_html(cert: ServiceCertificate) -> None:
    # What only some bundles prove, set here so that every label shows.
    cert = attrs.evolve(
        cert,
        trusted_time=TrustedTime(
            time=datetime(2026, 3, 25, 2, tzinfo=timezone.utc),
            authority="CN=Test TSA <&>",
            serial_number=2**100,
            policy="1.2.3",
        ),
        witnesses=(
            WitnessCosignature(
                name="notary.example/w1",
                key_id="0a0b0c0d",
                time=datetime(2026, 3, 25, 3, tzinfo=timezone.utc),
            ),
        ),
        superseded=(
            SupersededDetermination(
                event_id="det-0",
                seq=3,
                determined_at=datetime(2026, 3, 20, 2, tzinfo=timezone.utc),
                time_of_service=datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc),
                superseded_by="det",
                reason="bounced <&> mailbox unknown",
            ),
            SupersededDetermination(
                event_id="interim",
                seq=4,
                determined_at=datetime(2026, 3, 21, 2, tzinfo=timezone.utc),
                time_of_service=None,
            ),
        ),
    )
    page = cert.to_html()
    tree = strict_html(page)
    assert tree.find("head/title") is not None
    assert tree.find("head/style") is not None
    assert tree.find("body//style") is None  # a page keeps its style in its head
    assert tree.get("lang") == "en"
    balance = _Balance()
    balance.feed(page)
    balance.close()
    assert balance.stack == []
    text = "".join(tree.itertext())
    for en, zh in render.LABELS.values():
        if en.startswith(("Not served", "NOT", "Findings", "Sealed", "Evidence after")):
            continue
        assert en in text, en
        assert zh in text, zh
    assert cert.case_number in text
    assert cert.checkpoint.root_hash.hex() in text
    for d in cert.documents:
        assert str(d.digest) in text
    assert "24:00 on 2026-04-01 Asia/Shanghai" in text  # the end of the last day
    assert "CN=Test TSA <&>" in text
    assert str(2**100) in text
    assert "2026-03-25 10:00:00 Asia/Shanghai (2026-03-25T02:00:00.000000Z)" in text
    assert "notary.example/w1 (0a0b0c0d)" in text
    assert "superseded by det: bounced <&> mailbox unknown" in text
    assert "已被以下认定取代 det" in text
    assert "interim (entry 4, made 2026-03-21 10:00:00 Asia/Shanghai" in text


def test_the_certificate_text(cert: ServiceCertificate) -> None:
    text = cert.to_text()
    assert text.startswith("CERTIFICATE OF ELECTRONIC SERVICE / 电子送达凭证")
    assert "Time of service / 送达时间: 2026-03-02 09:03:00 Asia/Shanghai" in text
    assert "rebuttable" in text
    for e in cert.timeline:
        assert e.label in text


def test_an_unserved_certificate_says_so() -> None:
    records = sample_records()[:3]  # the order, accepted, nothing sent yet
    cert = certify(records)
    assert not cert.served
    assert "Not served" in cert.to_html()
    assert "未送达" in cert.to_text()
    strict_html(cert.to_html())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=strategies.names())
def test_any_name_is_escaped(name: str) -> None:
    party = Party(party_id="defendant-1", name=name, role=PartyRole.DEFENDANT, country="PK")
    cert = certify(story(party))
    page = cert.to_html()
    tree = strict_html(page)
    assert name in "".join(tree.itertext())
    assert "<script" not in page.lower() or "&lt;script" in page.lower()


def test_markup_in_a_record_stays_text() -> None:
    evil = '<script>alert("x")</script> & <b>bold</b>'
    party = Party(party_id="defendant-1", name=evil, role=PartyRole.DEFENDANT, country="PK")
    page = certify(story(party)).to_html()
    assert "<script>" not in page
    assert "<b>bold" not in page
    tree = strict_html(page)
    assert evil in "".join(tree.itertext())
    assert tree.find(".//script") is None


def test_the_timeline_is_valid_svg_with_one_mark_per_step(cert: ServiceCertificate) -> None:
    svg = cert.timeline_svg()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    marks = root.findall(f"{SVG}circle") + root.findall(f"{SVG}polygon")
    assert len(marks) == len(cert.timeline)
    titles = [m.find(f"{SVG}title") for m in marks]
    assert all(t is not None and t.text for t in titles)
    diamonds = root.findall(f"{SVG}polygon")
    assert len(diamonds) == sum(e.step in (Step.SERVICE, Step.DEADLINE) for e in cert.timeline)
    labels = "".join(root.itertext())
    times = [e.time for e in cert.timeline]
    gaps = [(b - a).days for a, b in itertools.pairwise(times) if b - a >= timedelta(1)]
    assert gaps
    for days in gaps:
        assert f"+{days} d" in labels
    assert "04-01 24:00" in labels


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.builds(
            TimelineEvent,
            time=strategies.instants(),
            step=st.sampled_from(Step),
            label=st.text(PRINTABLE, max_size=30),
            label_zh=st.text(PRINTABLE, max_size=10),
            detail=st.text(PRINTABLE, max_size=30),
            seq=st.none() | st.integers(0, 10**6),
        ),
        max_size=15,
    ),
    st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]),
)
def test_any_timeline_is_well_formed_xml(events: list[TimelineEvent], zone: str) -> None:
    events.sort(key=lambda e: e.time)
    root = ET.fromstring(render.timeline_svg(events, zone=zone))
    marks = root.findall(f"{SVG}circle") + root.findall(f"{SVG}polygon")
    assert len(marks) == len(events)
    text = render.timeline_text(events, zone=zone)
    assert len(text.splitlines()) == len(events)


def test_records_entries_and_reports_render_for_notebooks() -> None:
    key = Ed25519Signer.generate(ORIGIN)
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=key, clock=lambda: T0)
    entries = log.append_many(story())
    for entry in entries:
        fragment = render.html_of(entry)
        strict_html(f"<!DOCTYPE html><title>t</title>{fragment}")
        assert f"<td>{entry.seq}</td>" in fragment
    order_html = render.record_html(sample_order())
    assert "delivery-order/v1" in order_html
    assert "Defendant One" in order_html
    sealed = attrs.evolve(sample_order(), recipient=sample_order().recipient.sealed()[0])
    assert "<em>sealed</em>" in render.html_of(sealed)
    report = audit_log(log, trusted=[key.verifier])
    good = render.html_of(report)
    assert "Verified" in good
    strict_html(f"<!DOCTYPE html><title>t</title>{good}")
    bad = audit_log(log, trusted=[])
    assert "unknown-signer" in render.audit_report_html(bad)
    undecodable = LogEntry.parse(entries[0].data)
    object.__setattr__(undecodable, "record", {"type": "nothing/v1"})
    assert "does not decode" in render.entry_html(undecodable)
    with pytest.raises(InputError):
        render.record_html("not a record")


def test_html_of_everything_with_its_own_display(cert: ServiceCertificate) -> None:
    assert render.html_of(cert) == cert._repr_html_()
    steps = timeline_of(enumerate(sample_records()))
    assert "<svg" in render.timeline_svg(steps)
    sealed, opening = seal("x")
    assert "sealed" in render.html_of(opening.sealed()) or sealed


class _Formatter:
    def __init__(self) -> None:
        self.registered: dict[type, Any] = {}

    def for_type(self, cls: type, func: Any) -> None:
        self.registered[cls] = func


class _Shell:
    """Stands in for IPython's shell: only the formatter registry is used."""

    def __init__(self) -> None:
        self.formatter = _Formatter()
        self.display_formatter = type("D", (), {"formatters": {"text/html": self.formatter}})()


def test_notebook_display_registers_formatters_without_touching_classes() -> None:
    shell = _Shell()
    assert render.enable_notebook_display(shell)
    registered = shell.formatter.registered
    assert registered[LogEntry] is render.entry_html
    assert registered[DeliveryOrder] is render.record_html
    assert not hasattr(DeliveryOrder, "_repr_html_")
    other = _Shell()
    render.load_ipython_extension(other)
    assert other.formatter.registered == registered


def test_no_shell_no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert render.enable_notebook_display() is False

    class FakeIPython:
        @staticmethod
        def get_ipython() -> None:
            return None

    monkeypatch.setitem(sys.modules, "IPython", FakeIPython)
    assert render.enable_notebook_display() is False

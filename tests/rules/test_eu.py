"""eIDAS Art 44(1) checklist, and Italy's PEC timing (c.p.c. Art 147) as a national rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import VerificationError
from legaldelivery.records import (
    AssuranceLevel,
    Digest,
    DocumentKind,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceGrade,
    Identifier,
    Presumption,
    ReasonCode,
    SourceKind,
)
from legaldelivery.rules import ErdsPresumptionError, NotModelledError, jurisdiction

UTC = timezone.utc
EU = jurisdiction("EU", on=date(2026, 3, 1))
IT = jurisdiction("IT", on=date(2026, 3, 1))
QTSP = EventSource(kind=SourceKind.PROVIDER, source_id="qerds:example-qtsp")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PART = DocumentPart(document_id="atto", media_type="application/pdf", digest=Digest.of(b"atto"))


def _complete(build: Any) -> tuple[Any, list[Any], dict[str, Any]]:
    a = build.address("email", "avv.rossi@example.it")
    order = build.order(
        [a],
        country="IT",
        zone="Europe/Rome",
        sender_ids=[build.high("court-registry")],
        recipient_ids=[
            Identifier(scheme="eidas:IT", value="TINIT-RSS", assurance=AssuranceLevel.SUBSTANTIAL)
        ],
    )
    events = [
        build.event("e-1", EventKind.SUBMISSION_ACCEPTANCE, T0, source=QTSP, parts=[PART]),
        build.event(
            "e-2",
            EventKind.CONTENT_CONSIGNMENT,
            T0 + timedelta(minutes=1),
            grade=EvidenceGrade.ARRIVAL,
            at=a,
            source=QTSP,
            parts=[PART],
        ),
    ]
    given = {
        "qualified_providers": {"qerds:example-qtsp"},
        "sealed_events": {"e-1", "e-2"},
        "timestamped_events": {"e-1", "e-2"},
    }
    return order, events, given


def test_complete_evidence_meets_art_44(build: Any) -> None:
    order, events, given = _complete(build)
    assessment = EU.erds_assessment(order, events, **given)
    assert assessment.missing == ()
    assert assessment.verify() is None
    assert [r.article for r in assessment.requirements] == [
        "44(1)(a)",
        "44(1)(b)",
        "44(1)(c)",
        "44(1)(d)",
        "44(1)(e)",
        "44(1)(f)",
    ]
    assert all(r.text.startswith("eIDAS Art 44(1)") for r in assessment.requirements)


@pytest.mark.parametrize(
    ("change", "article", "detail"),
    [
        (
            lambda o, e, g: g.update(qualified_providers=set()),
            "44(1)(a)",
            "not listed as a qualified",
        ),
        (lambda o, e, g: e.pop(0), "44(1)(a)", "no evidence of sending"),
        (lambda o, e, g: e.pop(1), "44(1)(a)", "no evidence of receipt"),
        (
            lambda o, e, g: o.__setitem__(
                0, attrs.evolve(o[0], sender=attrs.evolve(o[0].sender, identifiers=()))
            ),
            "44(1)(b)",
            "no identifier of the sender",
        ),
        (
            lambda o, e, g: o.__setitem__(
                0,
                attrs.evolve(
                    o[0],
                    recipient=attrs.evolve(
                        o[0].recipient,
                        identifiers=[
                            Identifier(scheme="x", value="y", assurance=AssuranceLevel.LOW)
                        ],
                    ),
                ),
            ),
            "44(1)(c)",
            "no identifier of the addressee",
        ),
        (lambda o, e, g: g.update(sealed_events={"e-1"}), "44(1)(d)", "e-2 without an advanced"),
        (
            lambda o, e, g: g.update(timestamped_events=set()),
            "44(1)(f)",
            "qualified electronic time stamp",
        ),
        (
            lambda o, e, g: e.__setitem__(
                1, attrs.evolve(e[1], parts=[attrs.evolve(PART, digest=Digest.of(b"changed"))])
            ),
            "44(1)(e)",
            "with no reason indicated",
        ),
        (
            lambda o, e, g: e.__setitem__(1, attrs.evolve(e[1], parts=())),
            "44(1)(e)",
            "lists no document digests",
        ),
    ],
)
def test_the_checklist_says_what_is_missing(
    change: Any, article: str, detail: str, build: Any
) -> None:
    order, events, given = _complete(build)
    holder = [order]
    change(holder, events, given)
    assessment = EU.erds_assessment(holder[0], events, **given)
    missing = {r.article: r.detail for r in assessment.missing}
    assert article in missing
    assert detail in missing[article]
    with pytest.raises(
        ErdsPresumptionError, match=article.replace("(", r"\(").replace(")", r"\)")
    ) as info:
        assessment.verify()
    assert isinstance(info.value, VerificationError)


def test_an_indicated_change_meets_44_1_e(build: Any) -> None:
    order, events, given = _complete(build)
    events[1] = attrs.evolve(
        events[1],
        parts=[attrs.evolve(PART, digest=Digest.of(b"re-encoded"))],
        reasons=[ReasonCode(code="urn:example:reason:re-encoded", details="converted to PDF/A")],
    )
    requirement = {r.article: r for r in EU.erds_assessment(order, events, **given).requirements}[
        "44(1)(e)"
    ]
    assert requirement.met
    assert "indicated (e-2)" in requirement.detail


def test_erds_arguments_are_checked(build: Any) -> None:
    order, events, _ = _complete(build)
    with pytest.raises(ValueError, match="qualified_providers"):
        EU.erds_assessment(order, events, qualified_providers="qerds:example-qtsp")


def test_eu_sets_no_deadlines_or_time_of_service(build: Any) -> None:
    order, events, _ = _complete(build)
    for call in (
        lambda: EU.period_end(start=T0, days=3),
        lambda: EU.response_deadline("defence", served_at=T0, recipient_country="IT"),
        lambda: EU.time_of_service(order, events, at=T0, determination_id="d"),
        lambda: EU.calendar,
    ):
        with pytest.raises(NotModelledError):
            call()
    with pytest.raises(NotModelledError):
        EU.consent_decision(
            document_kind=DocumentKind.NOTICE,
            target="email",
            recipient=order.recipient,
            consents=[],
            at=T0,
        )
    with pytest.raises(NotModelledError):
        EU.channel_decision(
            recipient_country="IT",
            channel="email",
            document_kind=DocumentKind.NOTICE,
            address_known=True,
            on=date(2026, 3, 2),
        )


# -- Italy: PEC ---------------------------------------------------------------------------

ROME_WINTER = timezone(timedelta(hours=1))
ROME_SUMMER = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("receipt", "perfected", "why"),
    [
        (
            datetime(2026, 3, 2, 22, 15, tzinfo=ROME_WINTER),
            datetime(2026, 3, 3, 7, tzinfo=ROME_WINTER),
            "after 21:00: 07:00 next day",
        ),
        (
            datetime(2026, 3, 2, 21, 0, tzinfo=ROME_WINTER),
            datetime(2026, 3, 3, 7, tzinfo=ROME_WINTER),
            "21:00 itself",
        ),
        (
            datetime(2026, 3, 2, 20, 59, tzinfo=ROME_WINTER),
            datetime(2026, 3, 2, 20, 59, tzinfo=ROME_WINTER),
            "before 21:00",
        ),
        (
            datetime(2026, 3, 3, 6, 59, tzinfo=ROME_WINTER),
            datetime(2026, 3, 3, 7, tzinfo=ROME_WINTER),
            "before 07:00: that morning",
        ),
        (
            datetime(2026, 3, 3, 7, 0, tzinfo=ROME_WINTER),
            datetime(2026, 3, 3, 7, tzinfo=ROME_WINTER),
            "07:00 itself",
        ),
        (
            datetime(2026, 3, 28, 23, 30, tzinfo=ROME_WINTER),
            datetime(2026, 3, 29, 7, tzinfo=ROME_SUMMER),
            "DST begins that night",
        ),
        (
            datetime(2026, 7, 10, 21, 30, tzinfo=ROME_SUMMER),
            datetime(2026, 7, 11, 7, tzinfo=ROME_SUMMER),
            "summer time",
        ),
    ],
)
def test_pec_after_21_is_perfected_at_07(receipt: datetime, perfected: datetime, why: str) -> None:
    assert IT.pec_perfected(receipt) == perfected.astimezone(UTC), why


@settings(max_examples=200)
@given(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    )
)
def test_pec_perfection_is_never_earlier_and_never_in_the_night(receipt: datetime) -> None:
    from zoneinfo import ZoneInfo

    perfected = IT.pec_perfected(receipt)
    local = perfected.astimezone(ZoneInfo("Europe/Rome"))
    assert perfected >= receipt
    assert perfected - receipt <= timedelta(hours=11)  # 21:00 to 07:00 on the night DST ends
    # Service is perfected between 07:00 and 21:00 in Rome, whenever the receipt came.
    assert (local.hour, local.minute) >= (7, 0)
    assert local.hour < 21


def test_italy_time_of_service_rests_on_the_delivery_receipt(build: Any) -> None:
    pec = build.address("email", "avv.rossi@example.it")
    order = build.order([pec], country="IT", zone="Europe/Rome")
    late = datetime(2026, 3, 2, 21, 40, tzinfo=UTC)  # 22:40 in Rome
    events = [
        build.event("e-1", EventKind.SUBMISSION_ACCEPTANCE, late - timedelta(minutes=1), at=pec),
        build.event(
            "e-2", EventKind.CONTENT_CONSIGNMENT, late, grade=EvidenceGrade.ARRIVAL, at=pec
        ),
        build.event(
            "e-3",
            EventKind.CONTENT_ACCESS_TRACKING,
            late + timedelta(hours=1),
            grade=EvidenceGrade.SYSTEM_READ,
            at=pec,
        ),
    ]
    d = IT.time_of_service(order, events, at=late + timedelta(days=2), determination_id="det")
    assert d.time_of_service == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 07:00 in Rome
    assert (d.rests_on, d.presumption) == ("e-2", Presumption.CONCLUSIVE)
    text = " ".join(d.steps)
    assert "perfected for the sender at 2026-03-02T21:39:00.000000Z" in text
    assert "irrelevant" in text
    assert "c.p.c. Art 147" in d.citation


def test_italy_ignores_non_pec_channels(build: Any) -> None:
    wechat = build.address("wechat", build.WECHAT)
    order = build.order([wechat], country="IT", zone="Europe/Rome")
    events = [
        build.event(
            "e-1", EventKind.CONTENT_CONSIGNMENT, T0, grade=EvidenceGrade.ARRIVAL, at=wechat
        )
    ]
    d = IT.time_of_service(order, events, at=T0 + timedelta(days=1), determination_id="det")
    assert d.time_of_service is None
    assert "not a PEC delivery receipt" in " ".join(d.steps)
    assert IT.time_zone == "Europe/Rome"
    assert (
        jurisdiction("IT", on=date(2026, 3, 1), timezone="Europe/Vatican").time_zone
        == "Europe/Vatican"
    )


@pytest.mark.parametrize(
    ("served", "due", "why"),
    [
        # c.p.c. Art 325: 30 days; Art 155: the start day not counted.
        (datetime(2026, 3, 2, 9, tzinfo=UTC), date(2026, 4, 1), "no suspension: 1 April"),
        # Legge 742/1969: 11 days in July, none in August, 19 in September: Saturday 19
        # September, moved to Monday 21 (Art 155(5)).
        (datetime(2026, 7, 20, 9, tzinfo=UTC), date(2026, 9, 21), "across the August suspension"),
        # Served in August: counting starts on 1 September; day 30 is 30 September.
        (datetime(2026, 8, 10, 9, tzinfo=UTC), date(2026, 9, 30), "start deferred to September"),
    ],
)
def test_italian_appeal_with_the_august_suspension(served: datetime, due: date, why: str) -> None:
    deadline = IT.response_deadline("appeal", served_at=served, recipient_country="IT")
    assert deadline.due == due, why
    assert deadline.citation.startswith("c.p.c. Art 325")
    if served.month != 3:
        assert any("day(s) of suspension" in step for step in deadline.steps)


def test_italian_defence_is_not_modelled_and_appeal_joins_a_determination(build: Any) -> None:
    with pytest.raises(NotModelledError, match="hearing"):
        IT.response_deadline("defence", served_at=T0, recipient_country="IT")
    pec = build.address("email", "avv.rossi@example.it")
    order = build.order([pec], country="IT", zone="Europe/Rome", kinds=[DocumentKind.JUDGMENT])
    events = [
        build.event("e-1", EventKind.CONTENT_CONSIGNMENT, T0, grade=EvidenceGrade.ARRIVAL, at=pec)
    ]
    d = IT.time_of_service(
        order, events, at=T0 + timedelta(days=1), determination_id="det", deadlines=["appeal"]
    )
    assert d.deadlines[0].due == date(2026, 4, 1)
    with pytest.raises(ValueError, match="deadlines"):
        IT.time_of_service(order, events, at=T0, determination_id="det", deadlines=["defence"])

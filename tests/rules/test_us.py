"""United States: FRCP 5(b)(2)(E) consent and sending, FRCP 4(f) abroad and Smart Study."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from legaldelivery.errors import InputError
from legaldelivery.records import (
    Consent,
    ConsentGround,
    Digest,
    DocumentKind,
    EventKind,
    EvidenceGrade,
    Presumption,
)
from legaldelivery.rules import Outcome, UnitedStates, calendars, jurisdiction

UTC = timezone.utc
US = jurisdiction("US", on=date(2026, 3, 1), timezone="America/New_York")
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
LATER = datetime(2026, 4, 30, tzinfo=UTC)


def test_timezone_is_required_and_checked() -> None:
    with pytest.raises(InputError, match="several time zones") as info:
        jurisdiction("US", on=date(2026, 3, 1))
    assert info.value.path == "timezone"
    with pytest.raises(InputError, match="IANA"):
        jurisdiction("US", on=date(2026, 3, 1), timezone="Eastern")
    assert US.rule_set == "us-frcp/2016-12-01"
    with pytest.raises(InputError, match="no US rule set"):
        jurisdiction("US", on=date(2016, 11, 30), timezone="America/New_York")


def test_a_state_holiday_calendar_can_be_passed() -> None:
    ny = calendars.united_states().with_rest_days(
        {date(2026, 2, 12): "Lincoln's Birthday"}, source="NY law"
    )
    j = jurisdiction("US", on=date(2026, 1, 1), timezone="America/New_York", calendar=ny)
    start = datetime(2026, 2, 5, 15, tzinfo=UTC)
    # 7 days from Thursday 5 February: Thursday 12 February, a New York holiday (FRCP 6(a)(6)(C)).
    assert j.period_end(start=start, days=7).due == date(2026, 2, 13)
    assert US.period_end(start=start, days=7).due == date(2026, 2, 12)


def _written(**more: Any) -> Consent:
    fields: dict[str, Any] = {
        "consent_id": "c-1",
        "party_id": "d-1",
        "channels": ("email",),
        "document_kinds": (DocumentKind.NOTICE,),
        "ground": ConsentGround.US_WRITTEN_CONSENT,
        "granted_at": T0 - timedelta(days=5),
        "evidence_digest": Digest.of(b"signed consent"),
    }
    fields.update(more)
    return Consent(**fields)


@pytest.mark.parametrize(
    ("kind", "target", "consents", "outcome", "why"),
    [
        (
            DocumentKind.NOTICE,
            "email",
            [_written()],
            Outcome.ALLOWED,
            "5(b)(2)(E): written consent",
        ),
        (DocumentKind.NOTICE, "email", [], Outcome.PROHIBITED, "no consent"),
        (
            DocumentKind.NOTICE,
            "email",
            [_written(ground=ConsentGround.EXPRESS_CONSENT)],
            Outcome.PROHIBITED,
            "consent not shown to be in writing",
        ),
        (
            DocumentKind.NOTICE,
            "email",
            [_written(party_id="p-2")],
            Outcome.PROHIBITED,
            "another party",
        ),
        (
            DocumentKind.NOTICE,
            "portal",
            [],
            Outcome.ALLOWED,
            "registered user of the e-filing system",
        ),
        (
            DocumentKind.SUMMONS,
            "email",
            [_written()],
            Outcome.NEEDS_COURT_ORDER,
            "Rule 4, not Rule 5",
        ),
        (DocumentKind.COMPLAINT, "portal", [], Outcome.NEEDS_COURT_ORDER, "Rule 4, not Rule 5"),
    ],
)
def test_frcp_5b2e_consent(
    kind: DocumentKind, target: str, consents: list[Consent], outcome: Outcome, why: str, build: Any
) -> None:
    order = build.order(
        [build.address("email", build.EMAIL)], country="US", zone="America/New_York"
    )
    decision = US.consent_decision(
        document_kind=kind, target=target, recipient=order.recipient, consents=consents, at=T0
    )
    assert decision.outcome is outcome, why
    expected = (
        "FRCP 4" if kind in (DocumentKind.SUMMONS, DocumentKind.COMPLAINT) else "FRCP 5(b)(2)(E)"
    )
    assert decision.citation.startswith(expected)


def test_consent_to_an_address_object(build: Any) -> None:
    a = build.address("email", build.EMAIL)
    order = build.order([a], country="US", zone="America/New_York")
    decision = US.consent_decision(
        document_kind=DocumentKind.NOTICE,
        target=a,
        recipient=order.recipient,
        consents=[_written()],
        at=T0,
    )
    assert decision.outcome is Outcome.ALLOWED
    with pytest.raises(InputError, match="document_kind"):
        US.consent_decision(
            document_kind="notice", target=a, recipient=order.recipient, consents=[], at=T0
        )  # type: ignore[arg-type]
    with pytest.raises(InputError, match="recipient"):
        US.consent_decision(
            document_kind=DocumentKind.NOTICE, target=a, recipient="d-1", consents=[], at=T0
        )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("country", "channel", "known", "on", "outcome", "why"),
    [
        ("CN", "email", True, date(2026, 1, 5), Outcome.PROHIBITED, "Smart Study: address known"),
        (
            "CN",
            "wechat",
            True,
            date(2026, 1, 5),
            Outcome.PROHIBITED,
            "same reasoning, other channel",
        ),
        (
            "CN",
            "email",
            False,
            date(2026, 1, 5),
            Outcome.NEEDS_COURT_ORDER,
            "unknown address: Art 1",
        ),
        ("CN", "email", True, date(2025, 12, 17), Outcome.NEEDS_COURT_ORDER, "before Smart Study"),
        ("CN", "postal", True, date(2026, 1, 5), Outcome.PROHIBITED, "China objects to Art 10(a)"),
        (
            "PK",
            "email",
            True,
            date(2026, 1, 5),
            Outcome.NEEDS_COURT_ORDER,
            "4(f)(3): as the court orders",
        ),
        ("PK", "postal", True, date(2026, 1, 5), Outcome.ALLOWED, "no objection to Art 10(a)"),
        (
            "AU",
            "postal",
            False,
            date(2026, 1, 5),
            Outcome.NEEDS_COURT_ORDER,
            "Convention not applicable",
        ),
        (
            "DE",
            "email",
            True,
            date(2026, 1, 5),
            Outcome.NEEDS_COURT_ORDER,
            "objects to Art 10: contested",
        ),
        (
            "FR",
            "postal",
            True,
            date(2026, 1, 5),
            Outcome.NEEDS_COURT_ORDER,
            "no data: 4(f)(2)(C)(ii)",
        ),
        ("US", "email", True, date(2026, 1, 5), Outcome.NEEDS_COURT_ORDER, "4(e)(1): state law"),
    ],
)
def test_frcp_4f_service_of_a_summons_abroad(
    country: str, channel: str, known: bool, on: date, outcome: Outcome, why: str
) -> None:
    decision = US.channel_decision(
        recipient_country=country,
        channel=channel,
        document_kind=DocumentKind.SUMMONS,
        address_known=known,
        on=on,
    )
    assert decision.outcome is outcome, why
    if outcome is Outcome.PROHIBITED and channel != "postal":
        assert "Smart Study" in decision.citation
        assert "Shenzhenshixindajixieyouxiangongsi" in decision.citation
    if channel == "wechat":
        assert "unverified" in " ".join(decision.reasoning)


def test_papers_after_the_summons_go_by_rule_5() -> None:
    decision = US.channel_decision(
        recipient_country="CN",
        channel="email",
        document_kind=DocumentKind.NOTICE,
        address_known=True,
        on=date(2026, 1, 5),
    )
    assert decision.outcome is Outcome.ALLOWED
    assert decision.citation == "FRCP 5(b)(2)(E)"


def test_sending_completes_service(build: Any) -> None:
    a = build.address("email", build.EMAIL)
    order = build.order([a], country="US", zone="America/New_York", kinds=[DocumentKind.NOTICE])
    events = [
        build.event("e-1", EventKind.RELAY_TO_NON_ERDS, T0, at=a, source=build.SYSTEM),
        build.event(
            "e-2",
            EventKind.CONTENT_ACCESS_TRACKING,
            T0 + timedelta(days=1),
            grade=EvidenceGrade.SYSTEM_READ,
        ),
    ]
    d = US.time_of_service(order, events, at=LATER, determination_id="det", deadlines=["answer"])
    assert (d.time_of_service, d.rests_on, d.presumption) == (T0, "e-1", Presumption.CONCLUSIVE)
    assert d.citation.startswith("FRCP 5(b)(2)(E): complete upon sending")
    assert d.deadlines[0].due == date(2026, 3, 23)


def test_learning_it_did_not_reach_defeats_sending(build: Any) -> None:
    a = build.address("email", build.EMAIL)
    b = build.address("sms", "+12025550123")
    order = build.order([a, b], country="US", zone="America/New_York", kinds=[DocumentKind.NOTICE])
    events = [
        build.event("e-1", EventKind.RELAY_TO_NON_ERDS, T0, at=a, source=build.SYSTEM),
        build.event(
            "e-2",
            EventKind.RELAY_TO_NON_ERDS_FAILURE,
            T0 + timedelta(minutes=5),
            at=a,
            source=build.SYSTEM,
        ),
        build.event(
            "e-3", EventKind.RELAY_TO_NON_ERDS, T0 + timedelta(hours=2), at=b, source=build.SYSTEM
        ),
    ]
    d = US.time_of_service(order, events, at=LATER, determination_id="det")
    assert d.rests_on == "e-3"
    assert "did not reach" in " ".join(d.steps)
    # Before the failure was known, the first sending stood.
    early = US.time_of_service(
        order, events[:1], at=T0 + timedelta(minutes=1), determination_id="det"
    )
    assert early.rests_on == "e-1"


def test_sending_to_an_unnamed_address_and_nothing_sent(build: Any) -> None:
    a, b = build.address("email", build.EMAIL), build.address("sms", "+12025550123")
    order = build.order([a, b], country="US", zone="America/New_York", kinds=[DocumentKind.NOTICE])
    events = [build.event("e-1", EventKind.RELAY_TO_NON_ERDS, T0, source=build.SYSTEM)]
    d = US.time_of_service(order, events, at=LATER, determination_id="det")
    assert d.time_of_service is None


def test_a_summons_served_by_court_order_is_rebuttable(build: Any) -> None:
    a = build.address("email", build.EMAIL)
    order = build.order([a], country="PK", zone="America/New_York")
    events = [build.event("e-1", EventKind.RELAY_TO_NON_ERDS, T0, at=a, source=build.SYSTEM)]
    d = US.time_of_service(order, events, at=LATER, determination_id="det")
    assert d.presumption is Presumption.REBUTTABLE
    assert "4(f)(3)" in d.citation


def test_is_a_us_jurisdiction() -> None:
    assert isinstance(US, UnitedStates)
    assert US.counting.months_citation is None

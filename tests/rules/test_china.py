"""China: CPL Art 90 consent, Art 283 service abroad, OLR Art 31 time of service, versions."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.records import (
    Consent,
    ConsentGround,
    Digest,
    DocumentKind,
    DocumentPart,
    EventKind,
    EvidenceGrade,
    InboundFiling,
    Presumption,
    ReplyAct,
    VerificationMethod,
)
from legaldelivery.rules import China, Outcome, jurisdiction
from legaldelivery.testing.fakes import sample_order, sample_records

UTC = timezone.utc
CN = jurisdiction("CN", on=date(2026, 3, 1))
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
LATER = datetime(2026, 3, 30, tzinfo=UTC)


def _consent(ground: ConsentGround, **more: Any) -> Consent:
    fields: dict[str, Any] = {
        "consent_id": "c-1",
        "party_id": "d-1",
        "channels": ("wechat",),
        "document_kinds": (DocumentKind.SUMMONS, DocumentKind.JUDGMENT),
        "ground": ground,
        "granted_at": T0 - timedelta(days=2),
        "evidence_digest": Digest.of(b"form"),
    }
    fields.update(more)
    return Consent(**fields)


# -- versions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "rule_set"),
    [
        (date(2022, 1, 1), "cn-cpl/2022-01-01"),
        (date(2023, 12, 31), "cn-cpl/2022-01-01"),
        (date(2024, 1, 1), "cn-cpl/2024-01-01"),
        (date(2026, 3, 1), "cn-cpl/2024-01-01"),
    ],
)
def test_the_rule_set_in_force_is_chosen_by_date(on: date, rule_set: str) -> None:
    assert jurisdiction("CN", on=on).rule_set == rule_set


def test_no_rule_set_before_2022_and_bad_arguments() -> None:
    with pytest.raises(InputError, match="no CN rule set"):
        jurisdiction("CN", on=date(2021, 12, 31))
    with pytest.raises(InputError, match=r"datetime\.date"):
        jurisdiction("CN", on=datetime(2026, 3, 1, tzinfo=UTC))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="code"):
        jurisdiction("FR", on=date(2026, 3, 1))
    with pytest.raises(InputError, match="timezone"):
        jurisdiction("CN", on=date(2026, 3, 1), timezone="Asia/Beijing")
    with pytest.raises(InputError, match="calendar"):
        jurisdiction("CN", on=date(2026, 3, 1), calendar="cn")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="calendar"):
        jurisdiction("EU", on=date(2026, 3, 1), calendar=China.create(on=date(2026, 3, 1)).calendar)


def test_time_zone_default_and_override() -> None:
    assert CN.time_zone == "Asia/Shanghai"
    urumqi = jurisdiction("CN", on=date(2026, 3, 1), timezone="Asia/Urumqi")
    assert urumqi.time_zone == "Asia/Urumqi"
    # 20:30 UTC on 2 March is 02:30 on 3 March in Urumqi (UTC+6) but 04:30 in Beijing: the
    # same start day here; at 17:30 UTC it is 23:30 (2 March) in Urumqi, 01:30 (3 March) in Beijing.
    served = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    assert CN.period_end(start=served, days=1).due == date(2026, 3, 4)
    assert urumqi.period_end(start=served, days=1).due == date(2026, 3, 3)


def test_renumbering_art_274_to_283() -> None:
    assert CN.renumber("274") == "283"
    assert CN.renumber("275") == "285"
    assert CN.renumber("90") == "90"
    old = jurisdiction("CN", on=date(2023, 1, 1))
    assert old.renumber("274") == "274"
    with pytest.raises(InputError, match="article"):
        CN.renumber("999")


def test_public_notice_abroad_is_three_months_then_sixty_days() -> None:
    old = jurisdiction("CN", on=date(2023, 1, 1))
    assert old.rules.period("public_notice_abroad").months == 3
    assert CN.rules.period("public_notice_abroad").days == 60


# -- consent (CPL Art 90, OLR Art 29) -------------------------------------------------


@pytest.mark.parametrize(
    "ground",
    [
        ConsentGround.EXPRESS_CONSENT,  # Art 29(1)
        ConsentGround.PRIOR_AGREEMENT,  # Art 29(2)
        ConsentGround.ADDRESS_IN_PLEADING,  # Art 29(3)
        ConsentGround.ACCEPTED_WITHOUT_OBJECTION,  # Art 29(4)
    ],
)
def test_each_olr_art_29_ground_allows_e_service(ground: ConsentGround, build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    decision = CN.consent_decision(
        document_kind=DocumentKind.SUMMONS,
        target=order.channels[0],
        recipient=order.recipient,
        consents=[_consent(ground)],
        at=T0,
    )
    assert decision.outcome is Outcome.ALLOWED
    assert decision.citation == f"CPL (2023) Art 90; {ground.citation}"
    assert decision.rule_set == "cn-cpl/2024-01-01"


@pytest.mark.parametrize(
    ("consent_fields", "kind", "at", "why"),
    [
        (
            {"ground": ConsentGround.US_WRITTEN_CONSENT},
            DocumentKind.SUMMONS,
            T0,
            "not an Art 29 ground",
        ),
        ({"ground": ConsentGround.OTHER}, DocumentKind.SUMMONS, T0, "not an Art 29 ground"),
        ({"party_id": "p-9"}, DocumentKind.SUMMONS, T0, "another party's consent"),
        ({}, DocumentKind.EVIDENCE, T0, "outside the consented document kinds"),
        ({"revoked_at": T0 - timedelta(hours=1)}, DocumentKind.SUMMONS, T0, "revoked before"),
        ({"channels": ("email",)}, DocumentKind.SUMMONS, T0, "another channel"),
        ({}, DocumentKind.SUMMONS, T0 - timedelta(days=3), "before the consent"),
    ],
)
def test_no_covering_consent_prohibits_e_service(
    consent_fields: dict[str, Any], kind: DocumentKind, at: datetime, why: str, build: Any
) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    fields = {"ground": ConsentGround.EXPRESS_CONSENT, **consent_fields}
    decision = CN.consent_decision(
        document_kind=kind,
        target=order.channels[0],
        recipient=order.recipient,
        consents=[_consent(**fields)],
        at=at,
    )
    assert decision.outcome is Outcome.PROHIBITED, why
    assert decision.citation.startswith("CPL (2023) Art 90")
    assert decision.reasoning[-1] == "No consent in force covers this document, address and time."


def test_no_consent_at_all(build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    decision = CN.consent_decision(
        document_kind=DocumentKind.SUMMONS,
        target="wechat",
        recipient=order.recipient,
        consents=[],
        at=T0,
    )
    assert decision.outcome is Outcome.PROHIBITED


def test_a_judgment_may_be_served_but_paper_on_request(build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    decision = CN.consent_decision(
        document_kind=DocumentKind.JUDGMENT,
        target="wechat",
        recipient=order.recipient,
        consents=[_consent(ConsentGround.EXPRESS_CONSENT)],
        at=T0,
    )
    assert decision.outcome is Outcome.ALLOWED
    assert any("paper copy" in line for line in decision.reasoning)


def test_consent_arguments_are_checked(build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    common: dict[str, Any] = {
        "document_kind": DocumentKind.SUMMONS,
        "target": "wechat",
        "recipient": order.recipient,
        "consents": [],
        "at": T0,
    }
    for key, bad, path in [
        ("document_kind", "summons", "document_kind"),
        ("recipient", "d-1", "recipient"),
        ("consents", "c-1", "consents"),
        ("consents", [object()], "consents[0]"),
        ("at", datetime(2026, 3, 2), "at"),
        ("target", "pigeon", "target"),
        ("target", 7, "target"),
    ]:
        with pytest.raises(InputError) as info:
            CN.consent_decision(**{**common, key: bad})
        assert info.value.path == path


# -- channel legality abroad (CPL Art 283) -------------------------------------------


@pytest.mark.parametrize(
    ("country", "channel", "outcome", "why"),
    [
        ("PK", "wechat", Outcome.ALLOWED, "Pakistan does not object to Hague Art 10(a)/(b)"),
        ("AU", "email", Outcome.ALLOWED, "Australia does not object to Art 10(a)"),
        ("PK", "postal", Outcome.ALLOWED, "Art 283(8): mail where the recipient's law allows"),
        ("US", "postal", Outcome.ALLOWED, "no US objection to Art 10 recorded"),
        ("FR", "email", Outcome.NEEDS_COURT_ORDER, "no data: the court must find the law"),
        ("FR", "postal", Outcome.NEEDS_COURT_ORDER, "no data on mail either"),
        ("CN", "wechat", Outcome.ALLOWED, "domestic: the abroad rules do not apply"),
    ],
)
def test_art_283_channel_abroad(country: str, channel: str, outcome: Outcome, why: str) -> None:
    decision = CN.channel_decision(
        recipient_country=country,
        channel=channel,
        document_kind=DocumentKind.SUMMONS,
        address_known=True,
        on=date(2026, 3, 2),
    )
    assert decision.outcome is outcome, why
    expected = {"postal": "CPL (2023) Art 283(8)", "CN": "CPL (2023) Art 90"}
    assert decision.citation.startswith(
        expected.get(country, expected.get(channel, "CPL (2023) Art 283(9)"))
    )


def test_art_283_caveat_is_new_in_2024() -> None:
    # The 2021 text (Art 274(7)) had no "unless prohibited by the recipient's country"; the
    # 2023 text does, so for a state objecting to Hague Art 10, or one the data does not
    # know, the court must now determine the foreign law.
    old = jurisdiction("CN", on=date(2023, 6, 1))
    for country in ("DE", "FR"):
        before = _email_to(old, country, date(2023, 6, 1))
        assert (before.outcome, before.citation) == (Outcome.ALLOWED, "CPL (2021) Art 274(7)")
        after = _email_to(CN, country, date(2026, 3, 2))
        assert after.outcome is Outcome.NEEDS_COURT_ORDER
    assert "unverified" in " ".join(_email_to(CN, "DE", date(2026, 3, 2)).reasoning)


def test_mail_to_a_state_objecting_to_art_10a_is_prohibited() -> None:
    decision = CN.channel_decision(
        recipient_country="DE",
        channel="postal",
        document_kind=DocumentKind.SUMMONS,
        address_known=True,
        on=date(2026, 3, 2),
    )
    assert decision.outcome is Outcome.PROHIBITED


def _email_to(j: Any, country: str, on: date) -> Any:
    return j.channel_decision(
        recipient_country=country,
        channel="email",
        document_kind=DocumentKind.SUMMONS,
        address_known=True,
        on=on,
    )


def test_channel_decision_checks_its_date_and_arguments() -> None:
    common: dict[str, Any] = {
        "recipient_country": "PK",
        "channel": "wechat",
        "document_kind": DocumentKind.SUMMONS,
        "address_known": True,
        "on": date(2026, 3, 2),
    }
    for key, bad in [
        ("on", date(2023, 6, 1)),
        ("on", datetime(2026, 3, 2, tzinfo=UTC)),
        ("recipient_country", "PAK"),
        ("channel", "pigeon"),
        ("document_kind", "summons"),
        ("address_known", "yes"),
    ]:
        with pytest.raises(InputError) as info:
            CN.channel_decision(**{**common, key: bad})
        assert info.value.path == key
    with pytest.raises(InputError, match="Hague"):
        CN.channel_decision(**{**common, "on": date(2027, 3, 2)})


# -- time of service (CPL Art 90, Interpretation Art 135, OLR Art 31) -----------------


def test_seed_scenario_pakistan_wechat_30_day_defence() -> None:
    """The founding story: WeChat to a defendant in Pakistan; Art 285 gives 30 days."""
    determination = CN.time_of_service(
        sample_order(), sample_records(), at=LATER, determination_id="det-1", deadlines=["defence"]
    )
    # Arrival at the recipient-confirmed WeChat account: 2026-03-02 01:03 UTC (09:03 Beijing).
    assert determination.time_of_service == datetime(2026, 3, 2, 1, 3, tzinfo=UTC)
    assert determination.rests_on == "event-3"
    assert determination.presumption is Presumption.REBUTTABLE
    assert "Art 135" in determination.citation
    (defence,) = determination.deadlines
    assert defence.name == "defence"
    assert defence.citation == "CPL (2023) Art 285; Art 85"
    # 30 days from 2 March (not counted): 1 April 2026, a Wednesday.
    assert defence.due == date(2026, 4, 1)
    assert defence.ends_at == datetime(2026, 4, 1, 16, tzinfo=UTC)
    assert any(
        "conclusively complete by 2026-03-02T06:00:00.000000Z" in s for s in determination.steps
    )


def test_acknowledging_reply_is_conclusive(build: Any) -> None:
    unconfirmed = build.address("wechat", build.WECHAT, VerificationMethod.COURT_VERIFIED)
    order = build.order([unconfirmed])
    events = [
        build.event(
            "e-1", EventKind.CONTENT_CONSIGNMENT, T0, grade=EvidenceGrade.ARRIVAL, at=unconfirmed
        ),
        build.reply("e-2", T0 + timedelta(hours=3)),
    ]
    d = CN.time_of_service(order, events, at=LATER, determination_id="det")
    assert (d.time_of_service, d.rests_on, d.presumption) == (
        T0 + timedelta(hours=3),
        "e-2",
        Presumption.CONCLUSIVE,
    )
    assert "not service by itself" in " ".join(d.steps)


def test_platform_read_is_a_rebuttable_presumption(build: Any) -> None:
    unconfirmed = build.address("wechat", build.WECHAT, VerificationMethod.COURT_VERIFIED)
    order = build.order([unconfirmed])
    events = [
        build.event(
            "e-1", EventKind.CONTENT_CONSIGNMENT, T0, grade=EvidenceGrade.ARRIVAL, at=unconfirmed
        ),
        build.event(
            "e-2",
            EventKind.CONTENT_ACCESS_TRACKING,
            T0 + timedelta(minutes=40),
            grade=EvidenceGrade.SYSTEM_READ,
        ),
    ]
    d = CN.time_of_service(order, events, at=LATER, determination_id="det")
    assert (d.rests_on, d.presumption) == ("e-2", Presumption.REBUTTABLE)
    assert "presumed effective unless disproved" in d.citation


def test_arrival_at_an_unconfirmed_address_alone_is_no_service(build: Any) -> None:
    unconfirmed = build.address("sms", build.SMS, VerificationMethod.PUBLIC_REGISTRY)
    order = build.order([unconfirmed])
    events = [
        build.event(
            "e-1", EventKind.CONTENT_CONSIGNMENT, T0, grade=EvidenceGrade.ARRIVAL, at=unconfirmed
        )
    ]
    d = CN.time_of_service(order, events, at=LATER, determination_id="det", deadlines=["defence"])
    assert (d.time_of_service, d.rests_on, d.presumption, d.deadlines) == (None, None, None, ())
    assert d.reasons[0].code == "urn:legaldelivery:reason:not-yet-served"


def test_a_filing_is_a_procedural_act(build: Any) -> None:
    order = build.order([build.address("email", build.EMAIL)])
    filing = InboundFiling(
        event_id="e-9",
        case_number="(2026) Test 1",
        order_id="o-1",
        party_id="d-1",
        event_time=T0 + timedelta(days=2),
        source=build.PROVIDER,
        document_kind=DocumentKind.DEFENCE,
        parts=[
            DocumentPart(document_id="def", media_type="application/pdf", digest=Digest.of(b"d"))
        ],
    )
    d = CN.time_of_service(order, [filing], at=LATER, determination_id="det")
    assert (d.rests_on, d.presumption) == ("e-9", Presumption.CONCLUSIVE)


@pytest.mark.parametrize(
    ("reply_args", "why"),
    [
        ({"act": ReplyAct.QUESTION}, "a question does not acknowledge receipt"),
        ({"act": ReplyAct.OTHER}, "nor does an other reply"),
        ({"objects": True}, "a reply objecting to e-service"),
        ({"party": "p-9"}, "another party's reply"),
    ],
)
def test_replies_that_do_not_serve(reply_args: dict[str, Any], why: str, build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT, VerificationMethod.OTHER)])
    d = CN.time_of_service(
        order, [build.reply("e-1", T0, **reply_args)], at=LATER, determination_id="det"
    )
    assert d.time_of_service is None, why


def test_events_after_the_determination_time_are_not_used(build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    events = [build.reply("e-1", T0 + timedelta(days=5))]
    early = CN.time_of_service(order, events, at=T0 + timedelta(days=1), determination_id="det")
    assert early.time_of_service is None
    assert "1 event(s) after" in " ".join(early.steps)
    assert CN.time_of_service(order, events, at=LATER, determination_id="det").rests_on == "e-1"


def test_read_event_without_address_finds_it_by_message_id(build: Any) -> None:
    a, b = (
        build.address("wechat", build.WECHAT),
        build.address("email", build.EMAIL, VerificationMethod.OTHER),
    )
    order = build.order([a, b])
    events = [
        build.event(
            "e-1",
            EventKind.RELAY_TO_NON_ERDS,
            T0,
            at=b,
            source=build.SYSTEM,
            provider_message_id="m-1",
        ),
        build.event(
            "e-2",
            EventKind.CONTENT_ACCESS_TRACKING,
            T0 + timedelta(hours=1),
            grade=EvidenceGrade.SYSTEM_READ,
            provider_message_id="m-1",
        ),
    ]
    d = CN.time_of_service(order, events, at=LATER, determination_id="det")
    assert d.rests_on == "e-2"
    assert any("e-2 (email" in step for step in d.steps)


def test_other_orders_and_other_records_are_passed_over(build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    other = attrs.evolve(build.reply("e-1", T0), order_id="o-2")
    records = [order, other, *sample_records()[:1]]
    d = CN.time_of_service(order, records, at=LATER, determination_id="det")
    assert d.time_of_service is None


def test_inconsistent_or_foreign_input_is_an_input_error(build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    wrong = attrs.evolve(build.reply("e-1", T0), order_id="o-1")
    wrong_recipient = attrs.evolve(
        build.event("e-1", EventKind.CONTENT_CONSIGNMENT, T0, grade=EvidenceGrade.ARRIVAL),
        recipient_id="x-1",
    )
    wrong_sender = attrs.evolve(
        build.event("e-1", EventKind.CONTENT_CONSIGNMENT, T0, grade=EvidenceGrade.ARRIVAL),
        sender_id="x-1",
    )
    for events, path in [
        ([wrong, "not a record"], "events[1]"),
        ([wrong_recipient], "events[0].recipient_id"),
        ([wrong_sender], "events[0].sender_id"),
        ("text", "events"),
    ]:
        with pytest.raises(InputError) as info:
            CN.time_of_service(order, events, at=LATER, determination_id="det")
        assert info.value.path == path
    with pytest.raises(InputError, match="order"):
        CN.time_of_service("o-1", [], at=LATER, determination_id="det")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="deadlines"):
        CN.time_of_service(order, [], at=LATER, determination_id="det", deadlines="defence")
    with pytest.raises(InputError, match="deadlines"):
        CN.time_of_service(
            order, [], at=LATER, determination_id="det", deadlines=["defence", "answer"]
        )


def test_many_events_keep_the_steps_bounded(build: Any) -> None:
    order = build.order([build.address("wechat", build.WECHAT)])
    reads = [
        build.event(
            f"e-{i}",
            EventKind.CONTENT_ACCESS_TRACKING,
            T0 + timedelta(minutes=i),
            grade=EvidenceGrade.SYSTEM_READ,
        )
        for i in range(300)
    ]
    d = CN.time_of_service(order, reads, at=LATER, determination_id="det")
    assert len(d.steps) == 200
    assert d.rests_on == "e-0"
    assert any("further steps omitted" in s for s in d.steps)


# The kinds of evidence the property test mixes, and what OLR Art 31 makes of each.
_EFFECT = {
    "arrival": Presumption.REBUTTABLE,  # only at a recipient-confirmed address
    "read": Presumption.REBUTTABLE,
    "download": Presumption.REBUTTABLE,
    "ack": Presumption.CONCLUSIVE,
    "question": None,
    "relay": None,
}


@settings(max_examples=80, deadline=None)
@given(
    plan=st.lists(
        st.tuples(
            st.sampled_from(sorted(_EFFECT)),
            st.integers(
                min_value=0, max_value=2
            ),  # channel: confirmed WeChat, e-mail, unconfirmed SMS
            st.integers(min_value=0, max_value=600),  # minutes after T0
        ),
        max_size=12,
    )
)
def test_the_earliest_completed_effective_service_wins(
    plan: list[tuple[str, int, int]], build: Any
) -> None:
    channels = [
        build.address("wechat", build.WECHAT),
        build.address("email", build.EMAIL, VerificationMethod.RECIPIENT_PROVIDED),
        build.address("sms", build.SMS, VerificationMethod.COURT_VERIFIED),
    ]
    order = build.order(channels)
    events: list[object] = []
    effective: list[tuple[datetime, Presumption, str]] = []
    for n, (what, channel, minutes) in enumerate(plan):
        when, at, eid = T0 + timedelta(minutes=minutes), channels[channel], f"e-{n}"
        if what == "arrival":
            events.append(
                build.event(
                    eid, EventKind.CONTENT_CONSIGNMENT, when, grade=EvidenceGrade.ARRIVAL, at=at
                )
            )
            if channel < 2:
                effective.append((when, Presumption.REBUTTABLE, eid))
        elif what == "read":
            events.append(
                build.event(
                    eid,
                    EventKind.CONTENT_ACCESS_TRACKING,
                    when,
                    grade=EvidenceGrade.SYSTEM_READ,
                    at=at,
                )
            )
            effective.append((when, Presumption.REBUTTABLE, eid))
        elif what == "download":
            events.append(
                build.event(
                    eid, EventKind.CONTENT_HANDOVER, when, grade=EvidenceGrade.HUMAN_ACTION, at=at
                )
            )
            effective.append((when, Presumption.REBUTTABLE, eid))
        elif what == "ack":
            events.append(build.reply(eid, when))
            effective.append((when, Presumption.CONCLUSIVE, eid))
        elif what == "question":
            events.append(build.reply(eid, when, ReplyAct.QUESTION))
        else:
            events.append(
                build.event(eid, EventKind.RELAY_TO_NON_ERDS, when, at=at, source=build.SYSTEM)
            )
    d = CN.time_of_service(order, events, at=LATER, determination_id="det")
    if not effective:
        assert d.time_of_service is None
        return
    first = min(t for t, _, _ in effective)
    at_first = [(p, e) for t, p, e in effective if t == first]
    assert d.time_of_service == first
    assert (d.presumption, d.rests_on) in at_first
    if any(p is Presumption.CONCLUSIVE for p, _ in at_first):
        assert d.presumption is Presumption.CONCLUSIVE


def test_china_is_a_jurisdiction() -> None:
    assert isinstance(CN, China)
    assert CN.code == "CN"
    assert CN.calendar.calendar_id == "cn"

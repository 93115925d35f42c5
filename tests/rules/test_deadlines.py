"""Deadline arithmetic, table by table from the statutes, and its invariants as properties.

Expected dates are worked out by hand from the article cited in each case and the
holiday notice or statute for the dates involved.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant
from legaldelivery.records import Deadline
from legaldelivery.rules import CalendarRangeError, calendars, jurisdiction
from legaldelivery.rules.deadlines import add_months, court_time, end_of_day

UTC = timezone.utc
CST = timezone(timedelta(hours=8))
NY = ZoneInfo("America/New_York")

CN = jurisdiction("CN", on=date(2026, 3, 1))
US_NY = jurisdiction("US", on=date(2026, 3, 1), timezone="America/New_York")
US_LA = jurisdiction("US", on=date(2026, 3, 1), timezone="America/Los_Angeles")
IT = jurisdiction("IT", on=date(2026, 3, 1))


def _cst(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=CST)


# (article, what the case shows, kind, served (Beijing time), recipient country, due)
CN_TABLE = [
    (
        "Art 128; Art 85",
        "15 days end in the 2026 Spring Festival: moved to the first working day",
        "defence",
        _cst(2026, 2, 3),
        "CN",
        date(2026, 2, 24),
    ),
    (
        "Art 285; Art 85",
        "30 days across the Spring Festival: holidays inside a period count",
        "defence",
        _cst(2026, 2, 1),
        "PK",
        date(2026, 3, 3),
    ),
    (
        "Art 128; Art 85",
        "the last day is Sat 28 Feb 2026, a make-up working day: no move",
        "defence",
        _cst(2026, 2, 13),
        "CN",
        date(2026, 2, 28),
    ),
    (
        "Art 171; Art 85",
        "15 days end in the 2026 National Day holiday: moved to 8 October",
        "appeal",
        _cst(2026, 9, 20),
        "CN",
        date(2026, 10, 8),
    ),
    (
        "Art 286; Art 85",
        "30 days end on Sat 3 Oct 2026, in the National Day holiday",
        "appeal",
        _cst(2026, 9, 3),
        "AU",
        date(2026, 10, 8),
    ),
    (
        "Art 171; Art 85",
        "appeal against a ruling: 10 days",
        "appeal_ruling",
        _cst(2026, 3, 2),
        "CN",
        date(2026, 3, 12),
    ),
    (
        "Art 286; Art 85",
        "appeal against a ruling abroad: 30 days, like a judgment",
        "appeal_ruling",
        _cst(2026, 3, 2),
        "PK",
        date(2026, 4, 1),
    ),
    (
        "Art 128; Art 85",
        "an ordinary weekend: Sat 21 March moves to Mon 23 March",
        "defence",
        _cst(2026, 3, 6),
        "CN",
        date(2026, 3, 23),
    ),
    (
        "Art 128; Art 85",
        "'answer' is the same period as 'defence'",
        "answer",
        _cst(2026, 3, 2),
        "CN",
        date(2026, 3, 17),
    ),
    (
        "Art 285; Art 85",
        "Hong Kong is outside mainland China: 30 days",
        "defence",
        _cst(2026, 3, 2),
        "HK",
        date(2026, 4, 1),
    ),
]


@pytest.mark.parametrize(
    ("article", "why", "kind", "served", "country", "due"), CN_TABLE, ids=[c[1] for c in CN_TABLE]
)
def test_china_response_periods(
    article: str, why: str, kind: str, served: datetime, country: str, due: date
) -> None:
    deadline = CN.response_deadline(kind, served_at=served, recipient_country=country)
    assert deadline.due == due, why
    assert deadline.citation == f"CPL (2023) {article}"
    # The period ends at midnight Beijing time, 16:00 UTC, at the end of the due date.
    assert deadline.ends_at == datetime(due.year, due.month, due.day, 16, tzinfo=UTC)


def test_china_start_day_is_the_day_in_the_court_zone() -> None:
    # 20:00 UTC on 2 March is 04:00 on 3 March in Beijing: the start day is 3 March.
    deadline = CN.response_deadline(
        "defence", served_at=datetime(2026, 3, 2, 20, tzinfo=UTC), recipient_country="CN"
    )
    assert deadline.due == date(2026, 3, 18)


def test_china_steps_show_the_holiday_and_its_notice() -> None:
    deadline = CN.response_deadline("defence", served_at=_cst(2026, 2, 3), recipient_country="CN")
    text = "\n".join(deadline.steps)
    assert "2026-02-03 is not counted" in text
    assert "day 15 is 2026-02-18" in text
    assert "2026-02-18 (Wednesday) to 2026-02-23 (Monday): Spring Festival (春节)" in text
    assert "国办发明电\u30142025\u30157号" in text
    assert "The next working day is 2026-02-24 (Tuesday)" in text
    assert "2026-02-24T16:00:00.000000Z" in text


def test_china_abroad_defence_notes_the_extension() -> None:
    deadline = CN.response_deadline("defence", served_at=_cst(2026, 3, 2), recipient_country="PK")
    assert any("extend" in step for step in deadline.steps)


def test_china_2021_rule_set_cites_the_old_numbers() -> None:
    old = jurisdiction("CN", on=date(2023, 12, 1))
    deadline = old.response_deadline(
        "defence", served_at=_cst(2023, 12, 20), recipient_country="PK"
    )
    # 30 days from 20 December 2023: 19 January 2024, a Friday.
    assert (deadline.due, deadline.citation) == (date(2024, 1, 19), "CPL (2021) Art 275; Art 85")


def test_china_2021_rule_set_refuses_a_day_before_the_calendar() -> None:
    old = jurisdiction("CN", on=date(2023, 6, 1))
    with pytest.raises(CalendarRangeError):
        old.response_deadline("defence", served_at=_cst(2023, 6, 1), recipient_country="CN")


def test_us_and_italian_periods_served_in_december_2026_end_in_2027() -> None:
    # FRCP 12(a)(1)(A)(i): 21 days from Fri 11 Dec 2026 is Fri 1 Jan 2027, New Year's Day;
    # Sat and Sun follow, so the answer is due Mon 4 Jan (FRCP 6(a)(1)(C)).
    served = datetime(2026, 12, 11, 15, tzinfo=UTC)
    answer = US_NY.response_deadline("answer", served_at=served, recipient_country="US")
    assert answer.due == date(2027, 1, 4)
    assert any("New Year's Day; 5 U.S.C. 6103(a)" in step for step in answer.steps)
    # c.p.c. Art 325 and 155: 30 days from Mon 7 Dec 2026 is Wed 6 Jan 2027, Epifania.
    appeal = IT.response_deadline(
        "appeal", served_at=datetime(2026, 12, 7, 9, tzinfo=UTC), recipient_country="IT"
    )
    assert appeal.due == date(2027, 1, 7)
    # 4 October 2027 (a Monday) is a national holiday under Legge 151/2025: ten days from
    # Fri 24 Sep 2027 end on it and move to Tuesday 5 October.
    moved = IT.period_end(start=datetime(2027, 9, 24, 9, tzinfo=UTC), days=10)
    assert moved.due == date(2027, 10, 5)


def test_china_deadline_beyond_the_data_raises() -> None:
    with pytest.raises(CalendarRangeError, match="2027-01"):
        CN.response_deadline("defence", served_at=_cst(2026, 12, 20), recipient_country="PK")


def test_china_months_clamp_to_the_month_end_then_a_make_up_saturday() -> None:
    # Civil Code Art 202: 31 January + 1 month has no 31st: 28 February, a make-up Saturday.
    deadline = CN.period_end(start=_cst(2026, 1, 31), months=1)
    assert deadline.due == date(2026, 2, 28)
    assert any("last day of that month" in step for step in deadline.steps)


def test_china_hours_start_at_the_next_full_hour() -> None:
    # CPL Art 85: the starting hour is not counted: 09:20 -> counting from 10:00.
    deadline = CN.period_end(start=datetime(2026, 3, 2, 9, 20, tzinfo=CST), hours=24)
    assert deadline.ends_at == datetime(2026, 3, 3, 10, tzinfo=CST)
    assert deadline.due == date(2026, 3, 3)
    assert "unverified" in " ".join(deadline.steps)


def test_china_deemed_service_by_public_notice() -> None:
    # CPL Art 95: 30 days from 2 March 2026: 1 April. Art 283: 60 days abroad: 1 May, in
    # the Labour Day holiday (1-5 May): 6 May.
    assert CN.deemed_service("public_notice", start=_cst(2026, 3, 2)).due == date(2026, 4, 1)
    abroad = CN.deemed_service("public_notice_abroad", start=_cst(2026, 3, 2))
    assert abroad.due == date(2026, 5, 6)
    assert abroad.citation.startswith("CPL (2023) Art 283")
    mail = CN.deemed_service("mail_abroad", start=_cst(2026, 3, 2))
    assert mail.due == date(2026, 6, 2)  # 3 months: 2 June, a Tuesday
    with pytest.raises(InputError, match="method"):
        CN.deemed_service("pigeon", start=_cst(2026, 3, 2))


# (rule, what the case shows, kind, served, due) -- court in New York, FRCP 6(a)(1).
US_TABLE = [
    (
        "FRCP 12(a)(1)(A)(i)",
        "day 21 is Fri 3 July 2026, the observed Independence Day",
        "answer",
        datetime(2026, 6, 12, 11, tzinfo=NY),
        date(2026, 7, 6),
    ),
    (
        "FRCP 12(a)(1)(A)(i)",
        "day 21 is a Saturday: on to Monday",
        "answer",
        datetime(2026, 3, 7, 11, tzinfo=NY),
        date(2026, 3, 30),
    ),
    (
        "FRCP 12(a)(1)(A)(i)",
        "a weekday: no move; 'defence' is the answer",
        "defence",
        datetime(2026, 3, 2, 11, tzinfo=NY),
        date(2026, 3, 23),
    ),
    (
        "FRCP 12(a)(1)(A)(i)",
        "day 21 is Thanksgiving 2026: on to Friday",
        "answer",
        datetime(2026, 11, 5, 11, tzinfo=NY),
        date(2026, 11, 27),
    ),
    (
        "FRCP 12(a)(1)(A)(ii)",
        "waiver requested at home: 60 days",
        "answer_after_waiver",
        datetime(2026, 3, 2, 11, tzinfo=NY),
        date(2026, 5, 1),
    ),
    (
        "FRAP 4(a)(1)(A)",
        "appeal: 30 days from the entry of judgment",
        "appeal",
        datetime(2026, 3, 2, 11, tzinfo=NY),
        date(2026, 4, 1),
    ),
]


@pytest.mark.parametrize(
    ("rule", "why", "kind", "served", "due"), US_TABLE, ids=[c[1] for c in US_TABLE]
)
def test_frcp_6a_roll_forward(rule: str, why: str, kind: str, served: datetime, due: date) -> None:
    deadline = US_NY.response_deadline(kind, served_at=served, recipient_country="US")
    assert deadline.due == due, why
    assert deadline.citation.startswith(rule)
    assert deadline.citation.endswith("; FRCP 6(a)(1)")
    assert deadline.ends_at == end_of_day(due, "America/New_York")


def test_frcp_waiver_abroad_is_90_days() -> None:
    deadline = US_NY.response_deadline(
        "answer_after_waiver", served_at=datetime(2026, 3, 2, 11, tzinfo=NY), recipient_country="CN"
    )
    # Day 90 after 2 March is Sunday 31 May: on to Monday 1 June.
    assert deadline.due == date(2026, 6, 1)


def test_frcp_6d_adds_no_days_for_electronic_service() -> None:
    deadline = US_NY.response_deadline(
        "answer", served_at=datetime(2026, 3, 2, 11, tzinfo=NY), recipient_country="US"
    )
    assert any(step.startswith("FRCP 6(d)") for step in deadline.steps)


def test_frcp_2025_christmas_closings_and_holiday_chain() -> None:
    # 7 days from 17 Dec 2025: 24 Dec (EO closing), 25 (Christmas), 26 (EO), 27-28 weekend.
    deadline = US_NY.period_end(start=datetime(2025, 12, 17, 11, tzinfo=NY), days=7)
    assert deadline.due == date(2025, 12, 29)
    text = " ".join(deadline.steps)
    assert "Executive Order 14371" in text
    assert "Christmas Day" in text


def test_frcp_midnight_in_the_court_zone() -> None:
    # 06:00 UTC on 3 March is 01:00 in New York (3 March) but 22:00 in Los Angeles (2 March).
    served = datetime(2026, 3, 3, 6, tzinfo=UTC)
    ny = US_NY.response_deadline("answer", served_at=served, recipient_country="US")
    la = US_LA.response_deadline("answer", served_at=served, recipient_country="US")
    assert (ny.due, la.due) == (date(2026, 3, 24), date(2026, 3, 23))
    # Both after the DST change of 8 March: EDT is UTC-4, PDT UTC-7.
    assert ny.ends_at == datetime(2026, 3, 25, 4, tzinfo=UTC)
    assert la.ends_at == datetime(2026, 3, 24, 7, tzinfo=UTC)


def test_frcp_6a2_hours_roll_to_the_same_time_on_the_next_day() -> None:
    # 48 hours from Wed 1 July 12:00 end Fri 3 July 12:00, the observed holiday: run on to
    # Mon 6 July 12:00 (FRCP 6(a)(2)(C)).
    deadline = US_NY.period_end(start=datetime(2026, 7, 1, 12, tzinfo=NY), hours=48)
    assert deadline.ends_at == datetime(2026, 7, 6, 16, tzinfo=UTC)
    assert deadline.due == date(2026, 7, 6)
    assert deadline.citation == "FRCP 6(a)(2)"


def test_frcp_hours_across_the_dst_change_are_elapsed_hours() -> None:
    # 24 hours from Sat 7 March 12:00 EST (17:00 UTC): Sun 8 March 13:00 EDT (DST began at
    # 02:00); a Sunday, so on to Mon 9 March 13:00 EDT = 17:00 UTC.
    deadline = US_NY.period_end(start=datetime(2026, 3, 7, 12, tzinfo=NY), hours=24)
    assert deadline.ends_at == datetime(2026, 3, 9, 17, tzinfo=UTC)
    within = US_NY.period_end(start=datetime(2026, 3, 9, 12, tzinfo=NY), hours=5)
    assert within.ends_at == datetime(2026, 3, 9, 21, tzinfo=UTC)
    assert any("is a working day" in step for step in within.steps)


def test_frcp_has_no_month_periods() -> None:
    with pytest.raises(InputError, match="not months"):
        US_NY.period_end(start=datetime(2026, 3, 2, tzinfo=UTC), months=1)


def test_italy_cpc_155_saturday_and_easter_monday() -> None:
    # Art 155(5): a last day on a Saturday moves on; Art 155(4): Easter Monday is festivo.
    saturday = IT.period_end(start=datetime(2026, 3, 10, 10, tzinfo=UTC), days=4)
    assert saturday.due == date(2026, 3, 16)
    easter = IT.period_end(start=datetime(2026, 3, 27, 10, tzinfo=UTC), days=10)
    assert easter.due == date(2026, 4, 7)
    months = IT.period_end(start=datetime(2026, 1, 31, 10, tzinfo=UTC), months=1)
    assert months.due == date(2026, 3, 2)  # 28 Feb is a Saturday
    assert easter.citation == "c.p.c. Art 155"


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({}, "period"),
        ({"days": 1, "hours": 1}, "period"),
        ({"days": 0}, "days"),
        ({"days": -3}, "days"),
        ({"days": True}, "days"),
        ({"days": 1.5}, "days"),
        ({"hours": 10_000}, "hours"),
        ({"months": 121}, "months"),
    ],
)
def test_period_arguments_are_checked(kwargs: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as info:
        CN.period_end(start=_cst(2026, 3, 2), **kwargs)
    assert info.value.path == path


def test_naive_start_is_rejected() -> None:
    with pytest.raises(InputError, match="naive") as info:
        CN.period_end(start=datetime(2026, 3, 2, 10), days=3)
    assert info.value.path == "start"
    for j in (CN, US_NY, IT):
        kind = "appeal"
        with pytest.raises(InputError, match="naive") as info:
            j.response_deadline(kind, served_at=datetime(2026, 3, 2, 10), recipient_country="CN")
        assert info.value.path == "served_at"


def test_unknown_period_kind() -> None:
    with pytest.raises(InputError, match="kind"):
        CN.response_deadline("reply", served_at=_cst(2026, 3, 2), recipient_country="CN")
    with pytest.raises(InputError, match="recipient_country"):
        CN.response_deadline("defence", served_at=_cst(2026, 3, 2), recipient_country="PAK")


def test_helpers() -> None:
    assert add_months(date(2024, 1, 31), 1) == (date(2024, 2, 29), True)
    assert add_months(date(2026, 11, 30), 3) == (date(2027, 2, 28), True)
    assert add_months(date(2026, 3, 15), 12) == (date(2027, 3, 15), False)
    assert court_time(datetime(2026, 3, 2, 1, tzinfo=UTC), "Asia/Shanghai").hour == 9
    # Havana's DST starts at midnight: the day after 7 March 2026 begins at 01:00.
    assert (
        format_instant(end_of_day(date(2026, 3, 7), "America/Havana"))
        == "2026-03-08T05:00:00.000000Z"
    )


# -- properties -----------------------------------------------------------------------

ZONES = [
    UTC,
    CST,
    timezone(timedelta(hours=-11, minutes=-30)),
    timezone(timedelta(hours=13, minutes=45)),
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Europe/London"),
    pendulum.timezone("Australia/Lord_Howe"),
]
JURISDICTIONS = [CN, US_NY, US_LA, IT]

served_instants = st.datetimes(
    min_value=datetime(2024, 1, 2), max_value=datetime(2026, 10, 1), timezones=st.just(UTC)
)
period_days = st.integers(min_value=1, max_value=60)


def _deadline(j: Any, start: datetime, days: int) -> Deadline:
    try:
        result: Deadline = j.period_end(start=start, days=days)
    except CalendarRangeError:
        assume(False)
        raise
    return result


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(JURISDICTIONS), served_instants, period_days)
def test_a_deadline_never_falls_before_the_service_date(
    j: Any, served: datetime, days: int
) -> None:
    deadline = _deadline(j, served, days)
    local_start = court_time(served, j.time_zone).date()
    assert deadline.due > local_start
    assert deadline.due >= local_start + timedelta(days=days)
    assert deadline.ends_at > served


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(JURISDICTIONS), served_instants, period_days)
def test_the_due_date_is_a_working_day_of_the_court_calendar(
    j: Any, served: datetime, days: int
) -> None:
    deadline = _deadline(j, served, days)
    assert j.calendar.is_working_day(deadline.due)
    # ... and it is the first working day on or after the plain count.
    plain = court_time(served, j.time_zone).date() + timedelta(days=days)
    day = plain
    while day < deadline.due:
        assert not j.calendar.is_working_day(day)
        day += timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(JURISDICTIONS), served_instants, served_instants, period_days)
def test_deadlines_are_monotonic_in_the_service_time(
    j: Any, first: datetime, second: datetime, days: int
) -> None:
    early, late = sorted((first, second))
    assert _deadline(j, early, days).ends_at <= _deadline(j, late, days).ends_at


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(JURISDICTIONS), served_instants, period_days, period_days)
def test_deadlines_are_monotonic_in_the_length(j: Any, served: datetime, a: int, b: int) -> None:
    short, long = sorted((a, b))
    assert _deadline(j, served, short).due <= _deadline(j, served, long).due


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(JURISDICTIONS), served_instants, period_days, st.sampled_from(ZONES))
def test_the_same_instant_in_any_zone_gives_the_same_deadline(
    j: Any, served: datetime, days: int, zone: Any
) -> None:
    assert _deadline(j, served.astimezone(zone), days) == _deadline(j, served, days)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(JURISDICTIONS), served_instants, period_days)
def test_the_period_ends_at_local_midnight_after_the_due_date(
    j: Any, served: datetime, days: int
) -> None:
    deadline = _deadline(j, served, days)
    local_end = court_time(deadline.ends_at, j.time_zone)
    assert (local_end.hour, local_end.minute) == (0, 0)
    assert local_end.date() == deadline.due + timedelta(days=1)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([CN, US_NY, IT]),
    served_instants,
    st.integers(min_value=1, max_value=24 * 20),
    st.sampled_from(ZONES),
)
def test_hour_periods_last_at_least_their_hours(
    j: Any, served: datetime, hours: int, zone: Any
) -> None:
    try:
        deadline = j.period_end(start=served.astimezone(zone), hours=hours)
    except CalendarRangeError:
        assume(False)
        raise
    assert deadline.ends_at - served >= timedelta(hours=hours)
    assert deadline.ends_at - served <= timedelta(hours=hours + 1 + 24 * 10)
    assert deadline == j.period_end(start=served, hours=hours)


@settings(max_examples=60, deadline=None)
@given(served_instants, st.integers(min_value=1, max_value=6))
def test_month_periods_land_on_a_working_day(served: datetime, months: int) -> None:
    try:
        deadline = CN.period_end(start=served, months=months)
    except CalendarRangeError:
        assume(False)
        raise
    assert calendars.china().is_working_day(deadline.due)
    assert deadline.due >= add_months(court_time(served, CN.time_zone).date(), months)[0]

"""Rule set data and the Hague declarations: dated, sourced, and as the statutes say."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest

from legaldelivery.errors import InputError
from legaldelivery.rules import Decision, Outcome, RuleSet, hague
from legaldelivery.rules.base import parse_date

# Periods as the statutes state them, by rule set and key.
STATUTE_PERIODS = [
    ("cn-cpl/2022-01-01", "defence", 15, None),  # CPL (2021) Art 128
    ("cn-cpl/2022-01-01", "defence_abroad", 30, None),  # Art 275
    ("cn-cpl/2022-01-01", "public_notice_abroad", None, 3),  # Art 274(8): three months
    ("cn-cpl/2024-01-01", "defence", 15, None),  # CPL (2023) Art 128
    ("cn-cpl/2024-01-01", "appeal", 15, None),  # Art 171, judgment
    ("cn-cpl/2024-01-01", "appeal_ruling", 10, None),  # Art 171, ruling
    ("cn-cpl/2024-01-01", "defence_abroad", 30, None),  # Art 285
    ("cn-cpl/2024-01-01", "appeal_abroad", 30, None),  # Art 286
    ("cn-cpl/2024-01-01", "public_notice", 30, None),  # Art 95
    ("cn-cpl/2024-01-01", "public_notice_abroad", 60, None),  # Art 283: sixty days
    ("cn-cpl/2024-01-01", "mail_abroad", None, 3),  # Art 283(8): three months
    ("us-frcp/2016-12-01", "answer", 21, None),  # FRCP 12(a)(1)(A)(i)
    ("us-frcp/2016-12-01", "answer_after_waiver", 60, None),  # 12(a)(1)(A)(ii)
    ("us-frcp/2016-12-01", "answer_after_waiver_abroad", 90, None),
    ("us-frcp/2016-12-01", "appeal", 30, None),  # FRAP 4(a)(1)(A)
]


def _version(rule_set: str) -> RuleSet:
    code = rule_set[:2].upper()
    return next(v for v in RuleSet.versions(code) if v.id == rule_set)


@pytest.mark.parametrize(("rule_set", "key", "days", "months"), STATUTE_PERIODS)
def test_periods_are_the_statutes(
    rule_set: str, key: str, days: int | None, months: int | None
) -> None:
    period = _version(rule_set).period(key)
    assert (period.days, period.months) == (days, months)
    assert period.citation


@pytest.mark.parametrize("code", ["CN", "US", "EU", "IT"])
def test_versions_are_sourced_and_do_not_overlap(code: str) -> None:
    versions = RuleSet.versions(code)
    assert versions
    for version in versions:
        assert version.source
        assert version.id.endswith(version.valid_from.isoformat())
        assert all(text for text in version.citations.values())
    for older, newer in pairwise(versions):
        assert older.valid_until is not None
        assert older.valid_until + timedelta(days=1) == newer.valid_from
    assert versions[-1].valid_until is None


def test_select_picks_by_date_and_refuses_gaps() -> None:
    assert RuleSet.select("CN", date(2024, 1, 1)).label == "CPL (2023)"
    assert RuleSet.select("CN", date(2023, 12, 31)).label == "CPL (2021)"
    with pytest.raises(InputError, match="cn-cpl/2022-01-01 from 2022-01-01 to 2023-12-31"):
        RuleSet.select("CN", date(2020, 1, 1))
    with pytest.raises(InputError, match="code"):
        RuleSet.versions("FR")


def test_every_unverified_rule_says_so() -> None:
    cn = RuleSet.select("CN", date(2026, 1, 1))
    assert "unverified" in cn.cite("hours")
    it = RuleSet.select("IT", date(2026, 1, 1))
    assert "unverified" in it.cite("pec")


def test_parse_date() -> None:
    assert parse_date("2026-02-28", "x") == date(2026, 2, 28)
    for bad in ("2026-02-30", "2026-2-28", 20260228, None):
        with pytest.raises(InputError):
            parse_date(bad, "x")


def test_decision_is_validated() -> None:
    with pytest.raises(InputError, match="outcome"):
        Decision(outcome="allowed", citation="c", reasoning=["r"], rule_set="s")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="reasoning"):
        Decision(outcome=Outcome.ALLOWED, citation="c", reasoning=["ok", ""], rule_set="s")
    d = Decision(outcome=Outcome.ALLOWED, citation="c", reasoning=("why",), rule_set="s")
    assert d.reasoning == ("why",)


# -- Hague Service Convention ------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "on", "article", "position"),
    [
        ("CN", date(2026, 3, 2), "10(a)", hague.Position.OBJECTS),  # China objects to Art 10
        ("CN", date(2026, 3, 2), "10(c)", hague.Position.OBJECTS),
        ("CN", date(1991, 12, 31), "10(a)", hague.Position.UNKNOWN),  # not yet a party
        ("PK", date(2026, 3, 2), "10(a)", hague.Position.NO_OBJECTION),
        ("PK", date(2026, 3, 2), "10(b)", hague.Position.NO_OBJECTION),
        ("PK", date(2026, 3, 2), "10(c)", hague.Position.UNKNOWN),  # the data records nothing
        ("AU", date(2026, 3, 2), "10(a)", hague.Position.NO_OBJECTION),
        ("AU", date(2026, 3, 2), "10(b)", hague.Position.UNKNOWN),
        ("FR", date(2026, 3, 2), "10(a)", hague.Position.UNKNOWN),  # not in the data
    ],
)
def test_hague_declarations(country: str, on: date, article: str, position: hague.Position) -> None:
    status = hague.status(country, on=on)
    assert status.position(article) is position
    assert status.source
    if position is not hague.Position.UNKNOWN:
        assert status.source_of(article)


def test_hague_party_dates() -> None:
    assert hague.status("CN", on=date(1992, 1, 1)).party
    assert not hague.status("CN", on=date(1991, 12, 31)).party
    assert hague.status("CN", on=date(1992, 1, 1)).party_since == date(1992, 1, 1)
    assert not hague.status("FR", on=date(2026, 1, 1)).party  # unknown, not "no"


@pytest.mark.parametrize(
    ("args", "path"),
    [
        ({"country": "CN", "on": date(2027, 1, 1)}, "on"),
        ({"country": "CN", "on": date(1969, 2, 9)}, "on"),
        ({"country": "cn", "on": date(2026, 1, 1)}, "country"),
        ({"country": "CN", "on": "2026-01-01"}, "on"),
    ],
)
def test_hague_status_refuses_what_it_does_not_know(args: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as info:
        hague.status(args["country"], on=args["on"])
    assert info.value.path == path


def test_hague_position_needs_an_article_10_paragraph() -> None:
    with pytest.raises(InputError, match="article"):
        hague.status("CN", on=date(2026, 1, 1)).position("11")

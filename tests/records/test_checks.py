"""The shared field rules: text, identifiers, integers, instants, countries, time zones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.records import COUNTRIES, Court, Document, Party, PartyRole, _checks
from legaldelivery.testing.strategies import identifiers, names


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("", "empty"),
        ("   ", "blank"),
        (" Ali", "leading space"),
        ("Ali ", "trailing space"),
        ("Ali\nKhan", "newline in a one-line field"),
        ("Ali\tKhan", "tab"),
        ("Ali\x00", "NUL"),
        ("Ali\x85", "C1 control (NEL)"),
        ("Ali\u2028Khan", "line separator"),
        ("\u202eilA", "right-to-left override"),
        ("Ali\u2066", "left-to-right isolate"),
        ("Ali\ud800", "lone surrogate"),
        ("x" * 257, "too long"),
        (b"Ali", "bytes"),
        (7, "int"),
    ],
)
def test_names_reject(defendant: Party, bad: object, why: str) -> None:
    with pytest.raises(InputError) as info:
        attrs.evolve(defendant, name=bad)
    assert info.value.path == "name", why


@pytest.mark.parametrize(
    "good",
    ["Muhammad Ali", "李伟", "محمد علی", "O'Brien-Smith, Jr.", "x" * 256, "\U0001d518 ZWJ\u200dok"],
)
def test_names_accept(defendant: Party, good: str) -> None:
    assert attrs.evolve(defendant, name=good).name == good


@pytest.mark.parametrize("bad", ["a b", "a\u00a0b", "a\u3000b", "", "x" * 129, "\u200fid", 5])
def test_identifiers_reject(defendant: Party, bad: object) -> None:
    with pytest.raises(InputError, match=r"party_id"):
        attrs.evolve(defendant, party_id=bad)


@given(names())
def test_generated_names_are_accepted(name: str) -> None:
    _checks.line()(name, "name")


@given(identifiers())
def test_generated_identifiers_are_accepted(value: str) -> None:
    _checks.identifier()(value, "id")


@given(names(), st.integers(0, 10), st.sampled_from(["\x00", "\x1b", "\x7f", "\x9f", "\u202d"]))
def test_any_control_character_is_rejected(name: str, at: int, control: str) -> None:
    at = min(at, len(name))
    with pytest.raises(InputError):
        _checks.line()(name[:at] + control + name[at:], "name")


def test_free_text_allows_newlines_only() -> None:
    check = _checks.text(100)
    check("line one\nline two", "details")
    with pytest.raises(InputError, match=r"U\+000D"):
        check("line one\r\nline two", "details")


@pytest.mark.parametrize("bad", [True, False, -1, 2**53, 1.0, "1", None])
def test_sizes_are_ints_in_range(summons: Document, bad: object) -> None:
    with pytest.raises(InputError, match=r"^size: "):
        attrs.evolve(summons, size=bad)


def test_size_limits(summons: Document) -> None:
    assert attrs.evolve(summons, size=2**53 - 1).size == 2**53 - 1
    assert attrs.evolve(summons, size=0).size == 0


def test_instants_are_normalised_to_utc() -> None:
    beijing = datetime(2020, 6, 1, 17, 30, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    assert _checks.utc(beijing) == datetime(2020, 6, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)
    assert _checks.utc(beijing).tzinfo is timezone.utc


@pytest.mark.parametrize("bad", [datetime(2020, 6, 1), "2020-06-01T00:00:00.000000Z", 0, None])
def test_instant_check_rejects(bad: object) -> None:
    with pytest.raises(InputError, match=r"^when: "):
        _checks.instant(_checks.utc(bad), "when")


def test_instant_check_rejects_unnormalised_offsets() -> None:
    with pytest.raises(InputError, match=r"normalised to UTC"):
        _checks.instant(datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=1))), "when")


def test_the_country_list_is_iso_3166_1() -> None:
    # 249 codes are officially assigned (ISO 3166 Maintenance Agency, since 2011's SS/BQ/CW/SX).
    assert len(COUNTRIES) == 249
    assert {"CN", "PK", "AU", "US", "IT", "SS", "BQ", "CW", "SX", "AX", "TW", "PS"} <= COUNTRIES
    # User-assigned, exceptionally reserved and withdrawn codes are not countries.
    assert not {"XK", "EU", "UK", "ZZ", "AA", "AN", "YU", "CS", "QZ"} & COUNTRIES


def test_the_country_list_matches_the_tz_database() -> None:
    tzdata = pytest.importorskip("tzdata")
    table = Path(tzdata.__file__).parent / "zoneinfo" / "iso3166.tab"
    if not table.exists():
        pytest.skip("this tzdata has no iso3166.tab")
    codes = {
        line.split("\t")[0]
        for line in table.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert codes == COUNTRIES


@pytest.mark.parametrize("bad", ["pk", "PAK", "XK", "", None, 86])
def test_country_rejects(defendant: Party, bad: object) -> None:
    with pytest.raises(InputError) as info:
        attrs.evolve(defendant, country=bad)
    assert info.value.path == "country"
    assert "ISO 3166-1" in info.value.message


@pytest.mark.parametrize(
    "zone", ["Asia/Shanghai", "America/New_York", "UTC", "Australia/Sydney", "Asia/Karachi"]
)
def test_time_zones_accept(court: Court, zone: str) -> None:
    assert attrs.evolve(court, time_zone=zone).time_zone == zone


@pytest.mark.parametrize(
    "bad", ["Asia/Beijing", "asia/shanghai ", "../etc/passwd", "/usr/share/zoneinfo/UTC", "", 8]
)
def test_time_zones_reject(court: Court, bad: object) -> None:
    with pytest.raises(InputError, match=r"^time_zone: expected an IANA time zone"):
        attrs.evolve(court, time_zone=bad)


def test_role_must_be_a_member(defendant: Party) -> None:
    with pytest.raises(InputError, match=r"^role: expected a PartyRole member"):
        attrs.evolve(defendant, role="defendant")
    assert attrs.evolve(defendant, role=PartyRole.AGENT).role is PartyRole.AGENT

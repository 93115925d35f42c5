"""The quick accept paths of the field checks against the plain checks they stand in for.

Every quick path (a check's own, its attrs validator, its ``accepts`` test) must give the
verdict the plain check gives, and on a rejection the very same error: type, message,
path, offending value and cause. The plain checks are the reference here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.instants import to_utc
from legaldelivery.records import (
    Address,
    Digest,
    DocumentKind,
    DocumentPart,
    EventKind,
    EvidenceEvent,
    EvidenceGrade,
    PartyRole,
    Sealed,
    _checks,
    addresses,
    documents,
    events,
    parties,
)
from legaldelivery.testing.strategies import identifiers, names

Outcome = tuple[type[BaseException], str, str | None, type[BaseException] | None] | None


@attrs.frozen
class _Holder:
    field: object


FIELD = attrs.fields(_Holder).field


def outcome(call: Callable[[], object]) -> Outcome:
    """None when ``call`` accepts; else what a caller can see of the error it raised."""
    try:
        call()
    except InputError as err:
        cause = None if err.__cause__ is None else type(err.__cause__)
        return (type(err), str(err), err.path, cause)
    return None


def all_ways(check: _checks.Check, value: object) -> list[Outcome]:
    """The outcome of ``check`` on ``value`` by each route a record can take to it."""
    ways = [
        outcome(lambda: check(value, "field")),
        outcome(lambda: _checks.on_field(check)(None, FIELD, value)),
    ]
    optional = _checks.optional(check)
    if value is not None:
        ways.append(outcome(lambda: optional(value, "field")))
        ways.append(outcome(lambda: _checks.on_field(optional)(None, FIELD, value)))
    return ways


def assert_agrees(check: _checks.Check, reference: _checks.Check, value: object) -> None:
    expected = outcome(lambda: reference(value, "field"))
    for got in all_ways(check, value):
        assert got == expected
    accepts = _checks.accepts_of(check)
    assert accepts is not None
    if accepts(value):
        assert expected is None
    optional_accepts = _checks.accepts_of(_checks.optional(check))
    assert optional_accepts is not None
    assert optional_accepts(None)
    if value is not None and optional_accepts(value):
        assert expected is None


class _Str(str):
    """A str subclass: the quick paths leave it to the plain check, which accepts it."""


# Characters the string rules treat specially, and a few ordinary ones.
_SPECIAL = (
    " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
    "\x00\x07\x1b\x7f\x80\x9f\ud800\udbff\udc00\udfff\u202a\u202e\u2066\u2069"
    "\xad\u061c\u180e\u200b\u200d\u200f\u2060\u2064\ufeff"
    "aZ09-_.:/'李\U0001d518"
)
special_text = st.text(alphabet=st.sampled_from(_SPECIAL), max_size=12)
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=12)
# Around the length limits used below (8 and the records' own).
long_text = st.builds(
    lambda c, n, edge: edge + c * n + edge,
    st.sampled_from(["x", " ", "李", "\n"]),
    st.sampled_from([5, 6, 7, 8, 9, 126, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025]),
    st.sampled_from(["", " ", "a", "\n"]),
)
edges = st.sampled_from(["a ", " a", "a b", " ", "a\n", "\na", "x" * 7 + " ", "李 ", "a\xa0"])
strings = st.one_of(edges, special_text, any_text, long_text, identifiers(), names())
others = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.binary(max_size=4),
    st.builds(_Str, st.sampled_from(["ok", "", " x", "a b", "x\x00"])),
    st.just(["a"]),
)


def test_regex_whitespace_is_str_isspace() -> None:
    # The one-match string rules read "not whitespace" as re's \s; the plain rules use
    # str.isspace. They must agree on every code point, which is checked here.
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    by_re = re.findall(r"\s", everything)
    by_isspace = [c for c in everything if c.isspace()]
    assert by_re == by_isspace


def test_printable_characters_are_allowed_but_the_space() -> None:
    # The quickest string test trusts str.isprintable(): among printable characters only
    # " " is whitespace, and none is a character any string rule refuses.
    printable = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isprintable())
    assert [c for c in printable if c.isspace()] == [" "]
    assert re.findall(f"[{_checks._NOT_IN_ID}]", printable) == [" "]
    assert re.findall(f"[{_checks._NOT_IN_LINE}]", printable) == []
    assert re.findall(f"[{_checks._NOT_IN_TEXT}]", printable) == []


_STRING_RULES = [
    (_checks.identifier, _checks._BAD_IN_ID, "an identifier (no spaces or control characters)"),
    (_checks.line, _checks._BAD_IN_LINE, "a single line of text"),
    (_checks.text, _checks._BAD_IN_TEXT, "text"),
]


@pytest.mark.parametrize(
    ("factory", "bad", "what"), _STRING_RULES, ids=["identifier", "line", "text"]
)
@pytest.mark.parametrize("max_len", [8, 128, 256, 1024])
@settings(max_examples=150)
@given(value=st.one_of(strings, others))
def test_string_checks_agree_with_the_plain_rule(
    factory: Callable[[int], _checks.Check],
    bad: re.Pattern[str],
    what: str,
    max_len: int,
    value: object,
) -> None:
    def plain(value: object, path: str) -> None:
        _checks._string(value, path, max_len, bad, what)

    check = factory(max_len)
    assert_agrees(check, plain, value)
    if type(value) is str:
        # Exact, not just safe: every valid plain string takes the quick path.
        quick = _checks.accepts_of(check)
        assert quick is not None
        assert quick(value) == (outcome(lambda: plain(value, "field")) is None)


@given(identifiers())
def test_generated_identifiers_take_the_quick_path(value: str) -> None:
    quick = _checks.accepts_of(_checks.identifier())
    assert quick is not None
    assert quick(value)


@given(names())
def test_generated_names_take_the_quick_path(value: str) -> None:
    quick = _checks.accepts_of(_checks.line())
    assert quick is not None
    assert quick(value)


def test_string_checks_are_built_once() -> None:
    assert _checks.identifier(255) is _checks.identifier(255)
    assert _checks.line() is _checks.line(_checks.NAME_MAX)
    assert _checks.text(100) is not _checks.line(100)


def _plain_instance_of(cls: type[Any] | tuple[type[Any], ...], what: str) -> _checks.Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, cls):
            _checks.fail(path, f"expected {what}", value)

    return check


def _plain_member_of(enum: type[Enum]) -> _checks.Check:
    values = ", ".join(repr(m.value) for m in enum)

    def check(value: Any, path: str) -> None:
        if not isinstance(value, enum):
            _checks.fail(path, f"expected a {enum.__name__} member (one of {values})", value)

    return check


def _plain_integer(minimum: int) -> _checks.Check:
    def check(value: Any, path: str) -> None:
        if type(value) is not int:
            _checks.fail(path, "expected an integer", value)
        if not minimum <= value <= _checks.MAX_SAFE_INT:
            _checks.fail(path, f"expected an integer in {minimum}..{_checks.MAX_SAFE_INT}", value)

    return check


def _plain_exact_bytes(size: int) -> _checks.Check:
    def check(value: Any, path: str) -> None:
        if type(value) is not bytes or len(value) != size:
            _checks.fail(path, f"expected exactly {size} bytes", value)

    return check


def _plain_uri(value: Any, path: str) -> None:
    if not isinstance(value, str) or len(value) > 512 or not _checks._URI.match(value):
        _checks.fail(path, "expected an absolute URI such as 'urn:example:reason:1'", value)


def _plain_country(value: Any, path: str) -> None:
    if not isinstance(value, str) or value not in _checks.COUNTRIES:
        _checks.fail(
            path, "expected an assigned ISO 3166-1 alpha-2 country code such as 'CN'", value
        )


def _plain_instant(value: Any, path: str) -> None:
    if not (isinstance(value, datetime) and value.tzinfo is timezone.utc):
        to_utc(value, path=path)
        _checks.fail(path, "expected a datetime normalised to UTC", value)


class _Grade(str, Enum):
    """A str-valued enum: its members are strings, yet not EvidenceGrade members."""

    ARRIVAL = "arrival"


class _SubDatetime(datetime):
    pass


DIGEST = Digest.of(b"x")
UTC_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

_SIMPLE_RULES: list[tuple[str, _checks.Check, _checks.Check]] = [
    (
        "instance_of",
        _checks.instance_of(Digest, "a Digest"),
        _plain_instance_of(Digest, "a Digest"),
    ),
    (
        "instance_of tuple",
        _checks.instance_of((Digest, Sealed), "a Digest or a Sealed"),
        _plain_instance_of((Digest, Sealed), "a Digest or a Sealed"),
    ),
    ("member_of", _checks.member_of(EvidenceGrade), _plain_member_of(EvidenceGrade)),
    ("member_of roles", _checks.member_of(PartyRole), _plain_member_of(PartyRole)),
    ("integer 0", _checks.integer(0), _plain_integer(0)),
    ("integer 1", _checks.integer(1), _plain_integer(1)),
    ("exact_bytes", _checks.exact_bytes(32), _plain_exact_bytes(32)),
    ("uri", _checks.uri, _plain_uri),
    ("country", _checks.country, _plain_country),
    ("instant", _checks.instant, _plain_instant),
]

_SAMPLED: list[object] = [
    DIGEST,
    Sealed(commitment=bytes(32)),
    EvidenceGrade.ARRIVAL,
    _Grade.ARRIVAL,
    PartyRole.COURT,
    "arrival",
    "CN",
    "cn",
    "XX",
    _Str("CN"),
    "urn:example:reason:1",
    "http://uri.etsi.org/19522/Event/ContentConsignment",
    "urn:" + "x" * 508,
    "urn:" + "x" * 509,
    _Str("urn:x"),
    "no-scheme",
    bytes(32),
    bytearray(32),
    bytes(31),
    0,
    1,
    -1,
    2**53 - 1,
    2**53,
    True,
    1.0,
    UTC_NOW,
    UTC_NOW.replace(fold=1),
    UTC_NOW.replace(tzinfo=None),
    UTC_NOW.astimezone(timezone(timedelta(hours=8))),
    UTC_NOW.replace(tzinfo=timezone(timedelta(0))),
    _SubDatetime(2026, 3, 2, tzinfo=timezone.utc),
]
simple_values = st.one_of(others, strings, st.sampled_from(_SAMPLED))


@pytest.mark.parametrize(
    ("name", "check", "plain"), _SIMPLE_RULES, ids=[r[0] for r in _SIMPLE_RULES]
)
@settings(max_examples=150)
@given(value=simple_values)
def test_simple_checks_agree_with_the_plain_rule(
    name: str, check: _checks.Check, plain: _checks.Check, value: object
) -> None:
    assert_agrees(check, plain, value)


@pytest.mark.parametrize(
    ("name", "check", "plain"), _SIMPLE_RULES, ids=[r[0] for r in _SIMPLE_RULES]
)
def test_simple_checks_agree_on_the_sampled_values(
    name: str, check: _checks.Check, plain: _checks.Check
) -> None:
    # The sampled values above, every one of them, whatever hypothesis draws.
    for value in _SAMPLED:
        assert_agrees(check, plain, value)


def _plain_tuple_of(
    check: _checks.Check,
    *,
    min_len: int,
    max_len: int,
    key: Callable[[Any], Any] | None,
    what: str,
) -> _checks.Check:
    def run(value: Any, path: str) -> None:
        if not isinstance(value, tuple):
            _checks.fail(path, f"expected a tuple of {what}", value)
        if not min_len <= len(value) <= max_len:
            _checks.fail(path, f"expected {min_len}..{max_len} {what}", len(value))
        seen: set[Any] = set()
        for i, item in enumerate(value):
            check(item, f"{path}[{i}]")
            if key is not None:
                k = key(item)
                if k in seen:
                    _checks.fail(f"{path}[{i}]", f"duplicate among {what}", k)
                seen.add(k)

    return run


_PARTS = [
    DocumentPart(document_id=f"d-{n}", media_type="application/pdf", digest=Digest.of(b"%d" % n))
    for n in range(3)
]
items = st.sampled_from([*_PARTS, DIGEST, None, "d-1", DocumentKind.SUMMONS, "summons"])


class _Tuple(tuple):  # type: ignore[type-arg]
    """A tuple subclass: the quick paths leave it to the plain check."""


tuples = st.one_of(
    st.lists(items, max_size=5).map(tuple),
    st.lists(items, max_size=3).map(_Tuple),
    st.lists(items, max_size=3),
    st.just(tuple(_PARTS[:1]) * 4),
    st.none(),
    st.just("d-1"),
)


@pytest.mark.parametrize("min_len", [0, 1])
@pytest.mark.parametrize("max_len", [2, 1000])
@pytest.mark.parametrize("keyed", [False, True])
@settings(max_examples=120)
@given(value=tuples)
def test_tuple_checks_agree_with_the_plain_rule(
    min_len: int, max_len: int, keyed: bool, value: object
) -> None:
    key = (lambda p: p.document_id) if keyed else None
    item = _checks.instance_of(DocumentPart, "a DocumentPart")
    options: dict[str, Any] = {"min_len": min_len, "max_len": max_len, "key": key}
    check = _checks.tuple_of(item, what="parts", **options)
    plain = _plain_tuple_of(
        _plain_instance_of(DocumentPart, "a DocumentPart"), what="parts", **options
    )
    assert_agrees(check, plain, value)


def _plain_identifier(value: Any, path: str) -> None:
    what = "an identifier (no spaces or control characters)"
    _checks._string(value, path, _checks.ID_MAX, _checks._BAD_IN_ID, what)


@settings(max_examples=120)
@given(value=tuples)
def test_tuples_of_strings_and_members_agree(value: object) -> None:
    ids = _checks.tuple_of(_checks.identifier(), key=_checks.itself, what="document ids")
    plain_ids = _plain_tuple_of(
        _plain_identifier,
        min_len=0,
        max_len=1000,
        key=lambda d: d,
        what="document ids",
    )
    assert_agrees(ids, plain_ids, value)
    kinds = _checks.tuple_of(
        _checks.member_of(DocumentKind), min_len=1, max_len=20, key=_checks.itself, what="kinds"
    )
    plain_kinds = _plain_tuple_of(
        _plain_member_of(DocumentKind), min_len=1, max_len=20, key=lambda k: k, what="kinds"
    )
    assert_agrees(kinds, plain_kinds, value)


def test_a_tuple_of_an_unquickened_check_keeps_the_plain_loop() -> None:
    def even(value: Any, path: str) -> None:
        if value % 2:
            _checks.fail(path, "expected an even number", value)

    check = _checks.tuple_of(even, what="numbers")
    assert _checks.accepts_of(check) is None
    check((2, 4), "field")
    with pytest.raises(InputError, match=r"^field\[1\]: expected an even number"):
        _checks.on_field(check)(None, FIELD, (2, 3))


def test_optional_of_an_unquickened_check() -> None:
    def short(value: Any, path: str) -> None:
        if len(value) > 2:
            _checks.fail(path, "too long", value)

    check = _checks.optional(short)
    assert _checks.accepts_of(check) is None
    _checks.on_field(check)(None, FIELD, None)
    with pytest.raises(InputError, match=r"^field: too long"):
        _checks.on_field(check)(None, FIELD, "abc")


personal_values = st.one_of(strings, others, st.just(Sealed(commitment=bytes(32))))


@settings(max_examples=200)
@given(value=personal_values)
def test_personal_checks_agree_with_the_plain_rule(value: object) -> None:
    def plain(value: Any, path: str) -> None:
        if not isinstance(value, Sealed):
            _checks._string(
                value, path, _checks.NAME_MAX, _checks._BAD_IN_LINE, "a single line of text"
            )

    assert_agrees(parties.personal(_checks.line()), plain, value)


def test_personal_of_an_unquickened_check() -> None:
    def upper(value: Any, path: str) -> None:
        if value != value.upper():
            _checks.fail(path, "expected upper case", value)

    check = parties.personal(upper)
    assert _checks.accepts_of(check) is None
    _checks.on_field(check)(None, FIELD, Sealed(commitment=bytes(32)))
    with pytest.raises(InputError, match=r"^field: expected upper case"):
        _checks.on_field(check)(None, FIELD, "abc")


grades = st.sampled_from(
    [None, *EvidenceGrade, _Grade.ARRIVAL, "arrival", "none", 0, PartyRole.COURT, ["x"]]
)


def _plain_grade(kind: EventKind, value: Any) -> None:
    if value is not None:
        _plain_member_of(EvidenceGrade)(value, "grade")
    allowed = kind.grades
    if value not in allowed:
        names = sorted("none" if g is None else g.value for g in allowed)
        _checks.fail(
            "grade",
            f"a {kind.value} event carries grade {' or '.join(names)}",
            None if value is None else value.value,
        )


@attrs.frozen
class _EventStub:
    kind: EventKind


GRADE = attrs.fields(EvidenceEvent).grade


@given(kind=st.sampled_from(EventKind), value=grades)
def test_event_grades_agree_with_the_plain_rule(kind: EventKind, value: object) -> None:
    got = outcome(lambda: events._grade(_EventStub(kind), GRADE, value))  # type: ignore[arg-type]
    assert got == outcome(lambda: _plain_grade(kind, value))


def test_addresses_are_checked_by_the_quick_instance_check() -> None:
    check = _checks.instance_of(Address, "an Address")
    assert check is _checks.instance_of(Address, "an Address")
    with pytest.raises(InputError, match=r"^address: expected an Address \(got 'x'\)"):
        _checks.on_field(check)(None, attrs.fields(EvidenceEvent).address, "x")


def _plain_media_type(value: Any, path: str) -> None:
    if not isinstance(value, str) or not documents._MEDIA_TYPE.match(value):
        _checks.fail(path, "expected a lower-case media type such as 'application/pdf'", value)


def _plain_channel(value: Any, path: str) -> None:
    if not isinstance(value, str) or not (
        value in addresses._KINDS or addresses._OTHER.match(value)
    ):
        _checks.fail(
            path, "expected a known channel kind (e.g. 'wechat', 'email') or 'other:<name>'", value
        )


record_strings = st.one_of(
    strings,
    others,
    st.sampled_from(
        [
            "application/pdf",
            "Application/pdf",
            "image/svg+xml",
            "text/plain; charset=utf-8",
            "application/pdf\n",
            _Str("application/pdf"),
            "wechat",
            "email",
            "WeChat",
            "other:line",
            "other:",
            "other:Line",
            _Str("sms"),
        ]
    ),
)


@settings(max_examples=200)
@given(value=record_strings)
def test_media_types_and_channel_kinds_agree_with_the_plain_rule(value: object) -> None:
    assert_agrees(documents.media_type, _plain_media_type, value)
    assert_agrees(addresses.check_channel, _plain_channel, value)


def test_a_key_that_raises_raises_as_in_the_plain_loop() -> None:
    # An unhashable key: the quick test gives up and the plain loop raises, at item 0.
    check = _checks.tuple_of(
        _checks.instance_of(DocumentPart, "a DocumentPart"), key=lambda p: [p.document_id]
    )
    accepts = _checks.accepts_of(check)
    assert accepts is not None
    assert not accepts(tuple(_PARTS))
    with pytest.raises(TypeError, match="unhashable"):
        _checks.on_field(check)(None, FIELD, tuple(_PARTS))

"""Tests for legaldelivery.canonical: RFC 8785 output, strict decoding, and the fast paths."""

from __future__ import annotations

import collections
import contextlib
import datetime
import enum
import json
import json.encoder
import math
import struct
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from legaldelivery import canonical
from legaldelivery.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, dumps, loads, loads_canonical
from legaldelivery.errors import EncodingError, InputError

VECTORS = json.loads((Path(__file__).parent / "vectors" / "jcs_rfc8785.json").read_text("utf-8"))

# Hypothesis work is bounded: the machine running the suite is shared.
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(value: Any) -> bytes:
    """The canonical bytes by the independent ``rfc8785`` package."""
    encoded: bytes = rfc8785.dumps(value)
    return encoded


def _double(hex_bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(hex_bits))[0]
    return value


def same(a: object, b: object) -> bool:
    """Equal values of equal JSON types (True is not 1, 1.0 is not 1, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        assert isinstance(b, float)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b


def as_read_back(value: object) -> object:
    """What loads(dumps(value)) should be: tuples become lists, integral doubles ints."""
    if isinstance(value, dict):
        return {k: as_read_back(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_read_back(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


# --------------------------------------------------------------------------- strategies

FINITE = st.floats(allow_nan=False, allow_infinity=False)
SAFE_INTS = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
# Names that make code-point and UTF-16 order disagree, with controls and escapes mixed in.
TRICKY_NAMES = st.text(
    alphabet=st.sampled_from(
        [
            *("a", "B", "\x00", "\x1f", '"', "\\", "\x7f", "\xe9", "\u2028", "\ud7ff"),
            *("\ue000", "\uffff", "\ufb33", "\U00010000", "\U0001f600", "\U0010ffff"),
        ]
    ),
    max_size=4,
)
NAMES = st.text(max_size=8) | TRICKY_NAMES
TEXT = st.text(max_size=12)


def json_values(names: st.SearchStrategy[str], scalars: st.SearchStrategy[Any]) -> Any:
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=5)
            | st.lists(inner, max_size=3).map(tuple)
            | st.dictionaries(names, inner, max_size=5)
        ),
        max_leaves=25,
    )


ANY_SCALAR = st.none() | st.booleans() | SAFE_INTS | FINITE | TEXT
ANY_JSON = json_values(NAMES, ANY_SCALAR)
# What records hold: no floats, and text without U+E000..U+FFFF (or without characters
# above U+FFFF; see test_fast_path_takes_records): then code-point order is UTF-16 order.
RECORD_CHARS = st.characters(max_codepoint=0xD7FF) | st.characters(min_codepoint=0x10000)
RECORD_NAMES = st.text(RECORD_CHARS, max_size=8)
RECORD_SCALAR = st.none() | st.booleans() | SAFE_INTS | st.text(RECORD_CHARS, max_size=12)
RECORDS = st.dictionaries(RECORD_NAMES, json_values(RECORD_NAMES, RECORD_SCALAR), max_size=6)
# Values that cannot take the fast path: a float somewhere, or a name above U+E000.
NOT_PLAIN = st.one_of(
    st.builds(lambda v, f: {"value": v, "measure": [f]}, ANY_JSON, FINITE),
    st.builds(lambda v, n: {"\ue000" + n: v, "\U00010000": [1]}, ANY_JSON, NAMES),
    st.builds(lambda v, n: {"\ufb33" + n: v, "a": ["\U0001f600"]}, ANY_JSON, NAMES),
)


# --------------------------------------------------------------------------- RFC 8785 vectors


@pytest.mark.parametrize("case", VECTORS["numbers"], ids=lambda c: c["ieee754"])
def test_appendix_b_numbers(case: dict[str, str]) -> None:
    value = _double(case["ieee754"])
    assert dumps(value) == case["canonical"].encode("ascii")
    assert dumps([value]) == b"[" + case["canonical"].encode("ascii") + b"]"


@pytest.mark.parametrize("case", VECTORS["rejected_numbers"], ids=lambda c: c["note"])
def test_appendix_b_non_finite_numbers_are_rejected(case: dict[str, str]) -> None:
    value = _double(case["ieee754"])
    with pytest.raises(EncodingError, match=r"^\$\.x\[1\]: .*not a JSON number"):
        dumps({"x": [1, value]})


@pytest.mark.parametrize("case", VECTORS["number_layout"], ids=lambda c: c["input"])
def test_ecmascript_number_layout(case: dict[str, str]) -> None:
    assert dumps(float(case["input"])) == case["canonical"].encode("ascii")


@pytest.mark.parametrize("case", VECTORS["documents"], ids=lambda c: c["name"])
def test_rfc_documents(case: dict[str, str]) -> None:
    expected = case["canonical"].encode("utf-8")
    # Parsed independently (stdlib) and by us: both must serialize to the RFC's bytes.
    assert dumps(json.loads(case["input"])) == expected
    assert dumps(loads(case["input"].encode("utf-8"))) == expected
    assert same(loads_canonical(expected), json.loads(case["input"]))


def test_integral_doubles_and_minus_zero() -> None:
    assert dumps([1.0, -0.0, 0.0, -2.0, 1e21, 1e-7]) == b"[1,0,0,-2,1e+21,1e-7]"


# --------------------------------------------------------------------------- strings and names


def test_every_control_character_is_escaped_as_the_rfc_says() -> None:
    controls = "".join(chr(c) for c in range(0x20))
    expected = (
        rb'"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f'
        rb"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c"
        rb'\u001d\u001e\u001f"'
    )
    assert dumps(controls) == expected
    assert dumps([controls]) == b"[" + expected + b"]"
    assert dumps({controls: 1}) == b"{" + expected + b":1}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"', b'"\\""'),
        ("\\", b'"\\\\"'),
        ("/", b'"/"'),
        ("\x7f", b'"\x7f"'),
        ("\u2028\u2029", b'"\xe2\x80\xa8\xe2\x80\xa9"'),
        ("</script>", b'"</script>"'),
        ("\u00e9", b'"\xc3\xa9"'),
        ("\u5f20\u4e09", b'"\xe5\xbc\xa0\xe4\xb8\x89"'),
        ("\U0001f600", b'"\xf0\x9f\x98\x80"'),
        ("A\u030a", b'"A\xcc\x8a"'),  # no Unicode normalization
    ],
)
def test_only_quote_backslash_and_controls_are_escaped(text: str, expected: bytes) -> None:
    assert dumps(text) == expected
    assert dumps({"k": [text]}) == b'{"k":[' + expected + b"]}"


def test_names_sort_by_utf16_code_units_not_code_points() -> None:
    # U+10000 is D800 DC00 in UTF-16: before U+E000, although its code point is larger.
    value = {"\ue000": 1, "\U00010000": 2, "\uffff": 3, "z": 4, "": 5}
    assert dumps(value) == (b'{"":5,"z":4,"\xf0\x90\x80\x80":2,"\xee\x80\x80":1,"\xef\xbf\xbf":3}')


def test_names_sort_as_code_unit_arrays_with_prefixes_first() -> None:
    assert dumps({"ab": 1, "a": 2, "b": 3, "aa": 4, "B": 5}) == b'{"B":5,"a":2,"aa":4,"ab":1,"b":3}'


# --------------------------------------------------------------------------- encoding errors


class _Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "path", "message"),
    [
        ({"record": {"documents": [1, 2, b"%PDF"]}}, "$.record.documents[2]", "type bytes"),
        ({"tags": {"a", "b"}}, "$.tags", "type set"),
        ([datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)], "$[0]", "type datetime"),
        ({"x": _Opaque()}, "$.x", "type _Opaque"),
        ({"a b": {"c-d": [None, {1: "x"}]}}, '$["a b"]["c-d"][1]', "keys must be strings"),
        ({"x": {None: 1}}, "$.x", "keys must be strings"),
        ({"x": {True: 1}}, "$.x", "keys must be strings"),
        ({"seq": 2**53}, "$.seq", "outside"),
        ({"seq": -(2**53)}, "$.seq", "outside"),
        ([10**5000], "$[0]", "a 16610-bit integer"),
        ({"ratio": [math.nan]}, "$.ratio[0]", "not a JSON number"),
        ({"ratio": -math.inf}, "$.ratio", "not a JSON number"),
        ({"name": "ab\ud800"}, "$.name", "lone surrogate U+D800 at index 2"),
        ({"n": ["\udfff"]}, "$.n[0]", "lone surrogate U+DFFF"),
        ({"x": {"\udc00": 1}}, '$.x["\\udc00"]', "object key: lone surrogate U+DC00"),
        (b"bytes", "$", "type bytes"),
    ],
)
def test_unencodable_values_name_their_path(value: object, path: str, message: str) -> None:
    with pytest.raises(EncodingError) as caught:
        dumps(value)
    assert caught.value.path == path
    assert message in caught.value.message
    assert isinstance(caught.value, InputError)


def test_integer_limits_are_inclusive() -> None:
    assert dumps([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[9007199254740991,-9007199254740991]"
    with pytest.raises(EncodingError, match="IEEE 754 double"):
        dumps(MAX_SAFE_INTEGER + 1)


def test_unencodable_values_are_not_echoed() -> None:
    with pytest.raises(EncodingError) as caught:
        dumps({"key": b"-----BEGIN PRIVATE KEY-----"})
    assert "PRIVATE" not in str(caught.value)


def _nested(depth: int, kind: str) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_depth_limit(kind: str) -> None:
    assert loads(dumps(_nested(MAX_DEPTH, kind))) == _nested(MAX_DEPTH, kind)
    with pytest.raises(EncodingError, match="nesting deeper than 100"):
        dumps(_nested(MAX_DEPTH + 1, kind))
    with pytest.raises(EncodingError, match="nesting deeper than 100"):
        dumps(_nested(5000, kind))


def test_reference_cycle_is_an_encoding_error() -> None:
    loop: list[object] = [1]
    loop.append(loop)
    with pytest.raises(EncodingError, match="reference cycle"):
        dumps({"loop": loop})


# --------------------------------------------------------------------------- accepted types


class Kind(str, enum.Enum):
    ORDER = "order"


class Count(enum.IntEnum):
    THREE = 3


class Name(str):
    pass


class Contrary(str):
    """A string that sorts backwards and adds itself oddly: JCS looks at its characters only."""

    def __lt__(self, other: object) -> bool:
        return str.__gt__(self, other)  # type: ignore[operator]

    def __radd__(self, other: object) -> str:
        return "nonsense"


def test_string_subclasses_count_by_their_characters() -> None:
    value = {Contrary("b"): Contrary("x"), Contrary("a"): [Contrary("y")], Contrary("c"): 1}
    assert dumps(value) == b'{"a":["y"],"b":"x","c":1}'


def test_tuples_and_subclasses_are_written_as_their_json_values() -> None:
    value = collections.OrderedDict(
        [("z", (1, 2)), ("kind", Kind.ORDER), ("n", Count.THREE), (Name("b"), Name("x"))]
    )
    assert dumps(value) == b'{"b":"x","kind":"order","n":3,"z":[1,2]}'
    assert dumps(Count.THREE) == b"3"
    assert dumps(True) == b"true"
    assert dumps(None) == b"null"
    assert dumps(()) == b"[]"
    assert dumps({}) == b"{}"


# --------------------------------------------------------------------------- differential


@SETTINGS
@given(ANY_JSON)
def test_matches_reference_implementation(value: object) -> None:
    expected = reference(value)
    assert dumps(value) == expected
    assert canonical._dumps_full(value) == expected


@SETTINGS
@given(st.dictionaries(TRICKY_NAMES, st.integers(0, 9), max_size=8))
def test_name_order_matches_reference_implementation(value: dict[str, int]) -> None:
    assert dumps(value) == reference(value)
    assert dumps([value, {"k": value}]) == reference([value, {"k": value}])


@SETTINGS
@given(RECORDS)
def test_fast_path_matches_reference_implementation(value: dict[str, object]) -> None:
    assert canonical._fast_dumps(value) is not None  # this test is about the fast path
    assert dumps(value) == reference(value)


@SETTINGS
@given(NOT_PLAIN)
def test_full_path_matches_reference_implementation(value: dict[str, object]) -> None:
    assert canonical._fast_dumps(value) is None  # this test is about the full encoder
    assert dumps(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1.5},
        {"a": [2**53]},
        {"a": [-(2**53)]},
        {"\ue000": 1, "\U00010000": 2},
        {"\uff08": [{"x": "\U0001f600"}]},
        {"a": {1: 2}},
        {"a": {None: 2}},
        {Name("k"): 1},
        {"a": Kind.ORDER},
        {"a": Count.THREE},
        {"a": collections.OrderedDict(b=1)},
        {"a": b""},
        {"a": ["ok", "\ud800"]},
        _nested(MAX_DEPTH + 1, "list"),
        "a string",
        7,
    ],
    ids=repr,
)
def test_fast_path_declines_what_it_cannot_vouch_for(value: object) -> None:
    assert canonical._fast_dumps(value) is None


@pytest.mark.parametrize(
    "value",
    [
        {"case": "\uff082020\uff09\u8fbd0681\u6c11\u521d1234\u53f7", "seq": 1},
        {"name": "\U00020000\U0001f600", "note": None, "n": [MAX_SAFE_INTEGER, True]},
        [{"\u5f20": "\uffff"}, (1, 2)],
        _nested(MAX_DEPTH, "dict"),
    ],
    ids=repr,
)
def test_fast_path_takes_records(value: object) -> None:
    assert canonical._fast_dumps(value) == reference(value)


def test_lone_surrogate_leaves_the_fast_path_and_names_the_path() -> None:
    with pytest.raises(EncodingError) as caught:
        dumps({"a": ["ok", "\ud800"]})
    assert caught.value.path == "$.a[1]"


@SETTINGS
@given(ANY_JSON)
def test_round_trip(value: object) -> None:
    encoded = dumps(value)
    # Integral doubles from 2**53 up to 1e21 are written as digit strings that loads
    # refuses as unsafe integers; records never hold them (see the next test).
    assume(not _has_big_integral_double(value))
    decoded = loads(encoded)
    assert same(decoded, as_read_back(value))
    assert dumps(decoded) == encoded
    assert same(loads_canonical(encoded), decoded)


def _has_big_integral_double(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_big_integral_double(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_big_integral_double(v) for v in value)
    return isinstance(value, float) and value.is_integer() and 2**53 <= abs(value) < 1e21


@SETTINGS
@given(st.floats(min_value=2.0**53, max_value=1e21, exclude_max=True), st.booleans())
def test_big_integral_doubles_are_written_but_refused_on_reading(
    magnitude: float, negative: bool
) -> None:
    value = math.floor(magnitude) * (-1.0 if negative else 1.0)
    encoded = dumps(value)
    assert encoded == reference(value)
    assert encoded.lstrip(b"-").isdigit()
    with pytest.raises(EncodingError, match="integer outside"):
        loads(encoded)


# --------------------------------------------------------------------------- strict decoding


@pytest.mark.parametrize(
    ("data", "message", "path"),
    [
        (b'{"a": 1, "a": 2}', "duplicate key 'a' at byte 9", "$"),
        (b'{"x": [{"k": 1}, {"k": 2, "j": 0, "k": 3}]}', "duplicate key 'k' at byte 34", "$.x[1]"),
        (b'{"a": {"b": {}, "b": {}}}', "duplicate key 'b' at byte 16", "$.a"),
        (b'"\xff"', "invalid UTF-8 at byte 1", "$"),
        (b'["ok", "\xe5\xbc"]', "invalid UTF-8 at byte 8", "$"),
        (b'"\xc0\xaf"', "invalid UTF-8 at byte 1", "$"),  # overlong '/'
        (b'"\xe0\x80\xaf"', "invalid UTF-8 at byte 1", "$"),  # overlong '/' in three bytes
        (b'"\xed\xa0\x80"', "invalid UTF-8 at byte 1", "$"),  # an encoded surrogate
        (b'"\xf4\x90\x80\x80"', "invalid UTF-8 at byte 1", "$"),  # beyond U+10FFFF
        (b"\xef\xbb\xbf{}", "byte order mark", "$"),
        (b'{"a": "\\ud800"}', "lone surrogate escape \\ud800", "$.a"),
        (b'["\\udc00"]', "lone surrogate escape \\udc00", "$[0]"),
        (b'["\\ud83d\\u0041"]', "lone surrogate escape \\ud83d", "$[0]"),
        (b'["\\ud83d\\ud83d"]', "lone surrogate escape \\ud83d", "$[0]"),
        (b'{"\\ud800": 1}', "lone surrogate escape", "$"),
        (b"[NaN]", "NaN and Infinity", "$[0]"),
        (b'{"a": Infinity}', "NaN and Infinity", "$.a"),
        (b"-Infinity", "NaN and Infinity", "$"),
        (b"{} {}", "unexpected data after the JSON value at byte 3", "$"),
        (b"[1] x", "unexpected data after the JSON value at byte 4", "$"),
        (b"[1]]", "unexpected data after the JSON value at byte 3", "$"),
        (b"9007199254740992", "integer outside", "$"),
        (b"[-9007199254740992]", "integer outside", "$[0]"),
        (b'{"n": 1' + b"0" * 400 + b"}", "integer outside", "$.n"),
        (b"[1e400]", "out of the range of an IEEE 754 double", "$[0]"),
        (b"-1E+309", "out of the range of an IEEE 754 double", "$"),
        (b"", "unexpected end of data", "$"),
        (b" \n\t", "expected a JSON value at byte 3", "$"),
        (b"[01]", "expected ',' or ']'", "$"),
        (b"[1.]", "expected ',' or ']'", "$"),
        (b"[.5]", "unexpected character '.'", "$[0]"),
        (b"[+1]", "unexpected character '+'", "$[0]"),
        (b"[-]", "invalid number", "$[0]"),
        (b"[1,]", "unexpected character ']'", "$[1]"),
        (b'{"a":1,}', "expected a string for an object key", "$"),
        (b"{'a': 1}", "expected a string for an object key", "$"),
        (b'{"a" 1}', "expected ':'", "$"),
        (b'{"a": 1 "b": 2}', "expected ',' or '}'", "$"),
        (b'["a\nb"]', "unescaped control character U+000A", "$[0]"),
        (b'["\\x41"]', "invalid escape", "$[0]"),
        (b'["\\u12"]', "four hexadecimal digits", "$[0]"),
        (b'["abc', "unterminated string", "$[0]"),
        (b"[true, nul]", "unexpected character 'n'", "$[1]"),
        (b"\x0c[]", "unexpected character '\\x0c'", "$"),
        (b"[1 2]", "expected ',' or ']'", "$"),
    ],
)
def test_strict_decoding_rejections(data: bytes, message: str, path: str) -> None:
    with pytest.raises(EncodingError) as caught:
        loads(data)
    assert message in caught.value.message
    assert caught.value.path == path


def test_positions_are_bytes_not_characters() -> None:
    with pytest.raises(EncodingError, match="duplicate key 'k' at byte 16"):
        loads('{"k": "\u5f20\u4e09", "k": 1}'.encode())


@pytest.mark.parametrize("kind", ["[", '{"k":'])
def test_decoding_depth_limit(kind: str) -> None:
    close = "]" if kind == "[" else "}"
    ok = (kind * MAX_DEPTH + "0" + close * MAX_DEPTH).encode()
    assert loads(ok) is not None
    too_deep = (kind * (MAX_DEPTH + 1) + "0" + close * (MAX_DEPTH + 1)).encode()
    with pytest.raises(EncodingError, match="nesting deeper than 100"):
        loads(too_deep)
    # Far beyond the interpreter's recursion limit: still only an EncodingError.
    with pytest.raises(EncodingError, match="nesting deeper than 100"):
        loads(kind.encode() * 200_000)


def test_wide_documents_with_many_brackets_stay_on_the_fast_path() -> None:
    wide = [{"seq": i, "tags": ["a", "[{"]} for i in range(500)]
    text = json.dumps({"entries": wide, "deep": _nested(MAX_DEPTH - 1, "list")}).encode()
    assert canonical._decode_fast(text.decode()) is not canonical._DECLINED
    assert loads(text) == {"entries": wide, "deep": _nested(MAX_DEPTH - 1, "list")}


def test_brackets_inside_strings_do_not_count_towards_depth() -> None:
    text = json.dumps({"s": "[" * 300, "t": ["{" * 300]}).encode()
    assert loads(text) == {"s": "[" * 300, "t": ["{" * 300]}


def test_accepts_any_valid_spelling() -> None:
    text = b' {"b" : [1, 2.50, -0, 1E2, true, null],\r\n\t"a":"\\u00e9\\/\\ud83d\\ude00"} '
    assert same(loads(text), {"b": [1, 2.5, 0, 100.0, True, None], "a": "\u00e9/\U0001f600"})
    assert same(loads(b"-0.0"), -0.0)
    assert same(loads(b"1e-400"), 0.0)
    assert loads(b'"\\u0000"') == "\x00"


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_accepts_byte_buffers(wrap: Any) -> None:
    assert loads(wrap(b'{"a":[1]}')) == {"a": [1]}
    assert loads_canonical(wrap(b'{"a":[1]}')) == {"a": [1]}


@pytest.mark.parametrize("data", ['{"a": 1}', None, 12, ["{}"]])
def test_rejects_anything_but_bytes(data: object) -> None:
    with pytest.raises(EncodingError, match="expected bytes"):
        loads(data)  # type: ignore[arg-type]


@SETTINGS
@given(ANY_JSON, st.sampled_from([None, 0, 2]), st.booleans())
def test_reads_what_other_writers_write(
    value: object, indent: int | None, ascii_only: bool
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    expected = json.loads(text)
    assert same(loads(text.encode("utf-8")), expected)


# --------------------------------------------------------------------------- loads_canonical


@pytest.mark.parametrize(
    ("data", "at"),
    [
        (b'{"a": 1}', 5),
        (b'{"b":1,"a":2}', 2),
        (b'["\\u00e9"]', 2),
        (b'["\\/"]', 2),
        (b"[1.0]", 2),
        (b"[1E2]", 2),
        (b"-0", 0),
        (b"[1e21]", 3),
        (b"[0.0000001]", 1),
        (b'"\\u001F"', 6),
        (b"[] ", 2),
    ],
)
def test_loads_canonical_rejects_other_spellings(data: bytes, at: int) -> None:
    loads(data)  # valid JSON...
    with pytest.raises(EncodingError, match=f"not canonical JSON .*first difference at byte {at}"):
        loads_canonical(data)  # ...but not its canonical form


@SETTINGS
@given(ANY_JSON)
def test_loads_canonical_accepts_exactly_the_canonical_bytes(value: object) -> None:
    text = json.dumps(value, sort_keys=True, indent=1)
    data = dumps(json.loads(text))
    assume(not _has_big_integral_double(json.loads(text)))
    loads_canonical(data)
    if data != text.encode("utf-8"):
        with pytest.raises(EncodingError, match="not canonical"):
            loads_canonical(text.encode("utf-8"))


# --------------------------------------------------------------------------- robustness

TOKENS = [
    b'"',
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b" ",
    b"\x00",
    b"\\u",
    b"\\ud800",
    b"\\udc00",
    b"NaN",
    b"-Infinity",
    b"1e400",
    b"9007199254740993",
    b"-0",
    b"\xff",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"[" * 120,
    b'{"a":1,"a":2}',
]


@st.composite
def mutated_json(draw: st.DrawFn) -> bytes:
    value = draw(ANY_JSON)
    text = bytearray(
        json.dumps(
            value, indent=draw(st.sampled_from([None, 1])), ensure_ascii=draw(st.booleans())
        ).encode()
    )
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            text[at:at] = draw(st.sampled_from(TOKENS))
        elif action == "delete":
            del text[at : at + draw(st.integers(1, 3))]
        else:
            text[at : at + 1] = bytes([draw(st.integers(0, 255))])
    return bytes(text)


def _decode_or_error(data: bytes) -> None:
    try:
        loads(data)
    except EncodingError as exc:
        error = exc
    else:
        return
    assert error.path is not None
    assert error.path.startswith("$")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_only_encoding_errors_escape_for_arbitrary_bytes(data: bytes) -> None:
    _decode_or_error(data)


@SETTINGS
@given(mutated_json())
def test_only_encoding_errors_escape_for_mutated_json(data: bytes) -> None:
    _decode_or_error(data)


@SETTINGS
@given(mutated_json() | ANY_JSON.map(lambda v: json.dumps(v, ensure_ascii=False).encode()))
def test_fast_decoder_agrees_with_strict_parser(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    fast = canonical._decode_fast(text)
    try:
        strict = canonical._decode_strict(text)
    except EncodingError:
        assert fast is canonical._DECLINED  # the fast path never accepts what strict refuses
        return
    if fast is not canonical._DECLINED:
        assert same(fast, strict)


# --------------------------------------------------------------------------- encoder choice


def test_public_and_direct_stdlib_encoders_agree() -> None:
    public = canonical._select_encoder(None)
    direct = canonical._select_encoder(vars(json.encoder)["c_make_encoder"])
    assert getattr(public, "__self__", None) is canonical._STDLIB_ENCODER
    assert getattr(direct, "__self__", None) is None  # the C core, called directly
    value = {"z": [1, "\u00e9\n", None, (True, False)], "a": {"\u5f20": -3}}
    assert (
        direct(value)
        == public(value)
        == '{"a":{"\u5f20":-3},"z":[1,"\u00e9\\n",null,[true,false]]}'
    )


def _refusing_factory(*args: object) -> object:
    raise TypeError("a future signature")


def _misbehaving_factory(*args: object) -> object:
    return lambda value, level: ["{}"]


@pytest.mark.parametrize("factory", [_refusing_factory, _misbehaving_factory])
def test_a_changed_stdlib_core_falls_back_to_the_public_encoder(factory: Any) -> None:
    encode = canonical._select_encoder(factory)
    assert getattr(encode, "__self__", None) is canonical._STDLIB_ENCODER
    assert encode({"b": 1, "a": [2]}) == '{"a":[2],"b":1}'


# -- the quick canonical check and the depth pass -------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


def _spellings(value: object) -> st.SearchStrategy[bytes]:
    """Canonical bytes when there are any, and other spellings of the same value."""
    plain = json.dumps(value, ensure_ascii=False, allow_nan=True)
    sorted_compact = json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=True
    )
    options = [
        plain.encode("utf-8", "surrogatepass"),
        sorted_compact.encode("utf-8", "surrogatepass"),
        json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True).encode(),
    ]
    with contextlib.suppress(EncodingError):
        options.append(dumps(value))
    return st.sampled_from(options)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), value=_json_values)
def test_the_quick_canonical_check_vouches_only_for_what_the_strict_path_accepts(
    data: st.DataObject, value: object
) -> None:
    raw = data.draw(_spellings(value))
    if data.draw(st.booleans()):
        # A byte changed, inserted or removed anywhere: most such bytes are not canonical.
        where = data.draw(st.integers(min_value=0, max_value=len(raw)))
        raw = raw[:where] + data.draw(st.binary(max_size=2)) + raw[where + 1 :]
    quick = canonical._quick_canonical_value(raw)
    try:
        strict = loads(raw)
        is_canonical = dumps(strict) == raw
    except EncodingError:
        is_canonical = False
    if quick is not canonical._DECLINED:
        assert is_canonical
        assert quick == strict
    # Whatever it declines, loads_canonical still decides as the strict path does.
    if is_canonical:
        assert loads_canonical(raw) == strict
    else:
        with pytest.raises(EncodingError):
            loads_canonical(raw)


def _nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


@settings(max_examples=100, deadline=None)
@given(
    depth=st.integers(min_value=0, max_value=2 * MAX_DEPTH),
    shape=st.lists(st.sampled_from(["[]", "{}", '"[{"', "1"]), min_size=1, max_size=4),
)
def test_the_depth_pass_is_exact_for_valid_json(depth: int, shape: list[str]) -> None:
    opens = "".join('{"k":' if i % 2 else "[" for i in range(depth))
    closes = "".join("}" if i % 2 else "]" for i in reversed(range(depth)))
    inner = "[" + ",".join(shape) + "]"
    text = opens + inner + closes
    json.loads(text)  # the test's own documents are valid JSON
    expected = _nesting(text.replace('"[{"', '""')) <= MAX_DEPTH
    assert canonical._shallow(text) is expected


def test_the_depth_pass_refuses_unbalanced_brackets() -> None:
    assert canonical._shallow("]" + "[]") is False
    assert canonical._shallow("[[" + "]") is False

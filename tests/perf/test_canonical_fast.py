"""``loads_canonical``'s quick pass decides exactly as the plain definition does.

The plain definition: the bytes are canonical when the strict ``loads`` reads them and
``dumps`` of the value gives them back. The quick pass reads with the lenient C decoder
first; it must accept exactly those bytes, return the same value, and otherwise raise the
error the strict path raises.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import EncodingError, canonical

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def plain(data: bytes) -> object:
    """The definition: strict read, then the bytes must be their own canonical form."""
    value = canonical.loads(data)
    if canonical.dumps(value) != data:
        raise EncodingError("not canonical JSON (RFC 8785)", path="$")
    return value


def same_decision(data: bytes) -> None:
    try:
        expected = plain(data)
    except EncodingError as exc:
        complaint = str(exc)
    else:
        got = canonical.loads_canonical(data)
        assert got == expected
        assert canonical.dumps(got) == data
        return
    with pytest.raises(EncodingError) as info:
        canonical.loads_canonical(data)
    if "not canonical" not in complaint:
        assert str(info.value) == complaint  # the strict reader's own complaint


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_canonical_bytes_of_any_value(value: object) -> None:
    try:
        data = canonical.dumps(value)
    except EncodingError:
        data = json.dumps(value).encode()  # NaN, big integers, lone surrogates: not JCS
    same_decision(data)


@settings(max_examples=300, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 1]), sort=st.booleans())
def test_other_spellings_of_any_value(value: object, indent: int | None, sort: bool) -> None:
    same_decision(json.dumps(value, indent=indent, sort_keys=sort, ensure_ascii=False).encode())
    same_decision(json.dumps(value, ensure_ascii=True).encode())


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40))
def test_arbitrary_bytes(data: bytes) -> None:
    same_decision(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',  # a duplicate that re-encodes shorter
        b'{"a":1,"a":2}',
        b'{"n":9007199254740992}',  # one past the safe range
        b'{"n":-0}',
        b'{"n":1.0}',
        b'{"n":1e400}',
        b'{"n":NaN}',
        b'"\\ud800"',
        b'"\\u0041"',
        b"\xef\xbb\xbf{}",
        b'{"a":"\xff"}',
        b"[" * 101 + b"]" * 101,
        b"[" * 100 + b"]" * 100,
        b'{"b":1,"a":2}',
        b'{"\xee\x80\x80":1,"\xf0\x9f\x98\x80":2}',  # code point order, not UTF-16
        b'{"\xf0\x9f\x98\x80":2,"\xee\x80\x80":1}',
        b" {}",
        b"{} ",
        b"{}",
    ],
)
def test_edges(data: bytes) -> None:
    same_decision(data)

"""Canonical JSON (RFC 8785, JCS): the exact bytes the library hashes and signs.

:func:`dumps` writes a JSON value in the one byte form RFC 8785 allows, :func:`loads`
reads JSON strictly (anything ambiguous is an :class:`~legaldelivery.errors.EncodingError`)
and :func:`loads_canonical` additionally insists that the bytes were already canonical.

>>> dumps({"seq": 7, "name": "张三", "tags": ["a", None, True]})
b'{"name":"\\xe5\\xbc\\xa0\\xe4\\xb8\\x89","seq":7,"tags":["a",null,true]}'
>>> loads(b'{"seq": 7, "seq": 8}')
Traceback (most recent call last):
...
legaldelivery.errors.EncodingError: $: duplicate key 'seq' at byte 11

Two limits apply in both directions: integers must lie within ``+/-(2**53 - 1)``
(:data:`MAX_SAFE_INTEGER`; a JCS number is an IEEE 754 double and cannot hold a larger
integer exactly) and containers may nest at most :data:`MAX_DEPTH` (100) levels deep.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import json
import json.encoder
import math
import re
from collections.abc import Callable
from typing import Any

from legaldelivery.errors import EncodingError

__all__ = ["MAX_DEPTH", "MAX_SAFE_INTEGER", "dumps", "loads", "loads_canonical"]

#: Deepest nesting of arrays and objects that :func:`dumps` writes and :func:`loads` reads.
MAX_DEPTH = 100

#: Largest integer magnitude a JCS number (an IEEE 754 double) holds exactly: ``2**53 - 1``.
MAX_SAFE_INTEGER = 2**53 - 1

_ROOT = "$"
_BOM = b"\xef\xbb\xbf"

# RFC 8785 section 3.2.2.2: only '"', '\' and U+0000..U+001F are escaped, five of the
# controls with their short forms, the rest as \u00xx in lowercase hex.
_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x20)}
_ESCAPES.update(
    {
        0x08: "\\b",
        0x09: "\\t",
        0x0A: "\\n",
        0x0C: "\\f",
        0x0D: "\\r",
        0x22: '\\"',
        0x5C: "\\\\",
    }
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TO_ESCAPE_OR_REFUSE = re.compile(r'[\x00-\x1f"\\\ud800-\udfff]')
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_SUPPORTED = "expected dict, list, tuple, str, int, float, bool or None"


class _PendingError(Exception):
    """An encoding or decoding fault on its way up to the root, collecting its path."""

    def __init__(self, message: str, position: int = -1) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.segments: list[str] = []

    def error(self, text: str | None = None) -> EncodingError:
        path = _ROOT + "".join(reversed(self.segments))
        message = self.message
        if text is not None:
            # Positions are reported in bytes: the caller handed us bytes, not characters.
            offset = len(text[: self.position].encode("utf-8"))
            message = f"{message} at byte {offset}"
        return EncodingError(message, path=path)


def _key_segment(key: str) -> str:
    if _IDENTIFIER.match(key):
        return "." + key
    # Readable names stay readable (a Chinese key shows as itself); a lone surrogate is
    # escaped so that the message can always be printed.
    return "[" + json.dumps(key, ensure_ascii=_SURROGATE.search(key) is not None) + "]"


# --------------------------------------------------------------------------- encoding


def dumps(value: object) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    ``value`` is built from dict (string keys only), list, tuple, str, int, float, bool
    and None, at most :data:`MAX_DEPTH` containers deep. Object members are sorted by
    the UTF-16 code units of their names; numbers are written as ECMAScript's
    ``Number.prototype.toString`` writes them; strings escape only ``"``, ``\\`` and
    U+0000..U+001F. Anything JCS cannot represent exactly -- another type, a non-string
    key, NaN or an infinity, an integer beyond ``+/-(2**53 - 1)``, a lone surrogate --
    raises :class:`~legaldelivery.errors.EncodingError` naming its path.

    >>> dumps({"b": [1, 2.5, -0.0], "a": "caf\\u00e9", "c": 1e21})
    b'{"a":"caf\\xc3\\xa9","b":[1,2.5,0],"c":1e+21}'
    >>> dumps({"\\ue000": 1, "\\U0001f600": 2})  # UTF-16 order: the emoji is D83D DE00
    b'{"\\xf0\\x9f\\x98\\x80":2,"\\xee\\x80\\x80":1}'
    >>> dumps({"record": {"documents": [1, 2, b"%PDF"]}})
    Traceback (most recent call last):
    ...
    legaldelivery.errors.EncodingError: $.record.documents[2]: cannot encode ... type bytes: ...

    .. versionadded:: 0.1.0
    """
    fast = _fast_dumps(value)
    return _dumps_full(value) if fast is None else fast


def _dumps_full(value: object) -> bytes:
    """The full JCS encoder: any value, every check, paths in the errors."""
    parts: list[str] = []
    try:
        _emit(value, parts, 0)
    except _PendingError as fault:
        raise fault.error() from None
    return "".join(parts).encode("utf-8")


# The fast path. With sort_keys and compact separators, the C encoder of the standard
# library writes exactly the JCS bytes of a record, because its string escaping is
# JCS's. It differs from RFC 8785 only where records do not go: it writes floats its
# own way, orders names by code point rather than UTF-16 code unit, and quietly turns
# non-string keys and big integers into something. One cheap walk (_plain) vouches for
# the types, the integers and the depth; one look at the output for the name order.
_STDLIB_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    check_circular=False,  # _plain() has bounded the depth, so there is no cycle
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)
_PROBE = {"b": [1, -2, '\u00e9\n\x00"\\', None, True, False], "a": {"": ()}, "\u5f20": []}


def _select_encoder(factory: Callable[..., Any] | None) -> Callable[[Any], str]:
    """The stdlib encoder's C core called directly when it behaves, else the public API.

    ``JSONEncoder.encode`` rebuilds that core on every call, which costs as much as the
    UTF-8 encoding of a record; ``json.encoder.c_make_encoder`` is not public, so it is
    used only when it exists, accepts these arguments and writes the probe exactly as
    the public API does.
    """
    public = _STDLIB_ENCODER.encode
    if factory is None:
        return public
    try:
        core = factory(
            None, None, json.encoder.encode_basestring, None, ":", ",", True, False, False
        )
        agrees = "".join(core(_PROBE, 0)) == public(_PROBE)
    except (TypeError, ValueError):
        return public
    if not agrees:
        return public
    return lambda value: "".join(core(value, 0))


_encode_plain = _select_encoder(getattr(json.encoder, "c_make_encoder", None))


def _fast_dumps(value: object) -> bytes | None:
    """The canonical bytes by the C encoder, or None when it cannot vouch for them."""
    kind = type(value)
    if not (kind is dict or kind is list or kind is tuple) or not _plain(value, 1):
        return None
    try:
        encoded = _encode_plain(value).encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate: the full encoder says where
    # Code-point and UTF-16 order disagree only between a character in U+E000..U+FFFF
    # and one above U+FFFF (a surrogate pair sorts lower). Unless both kinds occur
    # somewhere in the output, no two names can be ordered differently.
    # (Byte values as ints: 'int in bytes' is a plain memchr, several times faster.)
    if (0xEE in encoded or 0xEF in encoded) and (
        0xF0 in encoded or 0xF1 in encoded or 0xF2 in encoded or 0xF3 in encoded or 0xF4 in encoded
    ):
        return None  # the UTF-8 lead bytes of both kinds are present
    return encoded


def _plain(container: Any, depth: int) -> bool:
    """True when the C encoder writes ``container`` as JCS does, name order aside.

    Exact types only: keys must be str and values str, int within the safe range, bool,
    None or such containers; subclasses (enums, OrderedDict, ...) and floats go to the
    full encoder.
    """
    if depth > MAX_DEPTH:
        return False
    if type(container) is dict:
        for name, item in container.items():
            if type(name) is not str:
                return False
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if kind is int:
                if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    continue
                return False
            if (kind is dict or kind is list or kind is tuple) and _plain(item, depth + 1):
                continue
            return False
        return True
    for item in container:
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            return False
        if (kind is dict or kind is list or kind is tuple) and _plain(item, depth + 1):
            continue
        return False
    return True


def _emit(value: object, parts: list[str], depth: int) -> None:
    """Append the canonical text of ``value`` to ``parts`` (the full JCS encoder)."""
    if isinstance(value, str):
        parts.append(_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(_integer(value))
    elif isinstance(value, float):
        parts.append(_number(value))
    elif isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise _PendingError(f"nesting deeper than {MAX_DEPTH} levels (or a reference cycle)")
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            try:
                _emit(item, parts, depth + 1)
            except _PendingError as fault:
                fault.segments.append(f"[{index}]")
                raise
        parts.append("]")
    elif isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise _PendingError(f"nesting deeper than {MAX_DEPTH} levels (or a reference cycle)")
        members = list(value.items())
        for name, _ in members:
            if not isinstance(name, str):
                raise _PendingError(
                    f"object keys must be strings, found a key of type {type(name).__name__}"
                )
        # RFC 8785 section 3.2.3: names compare as arrays of UTF-16 code units, which is
        # code-point order unless a name reaches U+E000 (see _fast_dumps).
        names = "".join(value)
        if names.isascii() or max(names) < "\ue000":
            members.sort(key=_name)
        else:
            members.sort(key=_utf16_name)
        parts.append("{")
        for index, (name, item) in enumerate(members):
            if index:
                parts.append(",")
            try:
                parts.append(_string(name))
            except _PendingError as fault:
                fault.message = "object key: " + fault.message
                fault.segments.append(_key_segment(name))
                raise
            parts.append(":")
            try:
                _emit(item, parts, depth + 1)
            except _PendingError as fault:
                fault.segments.append(_key_segment(name))
                raise
        parts.append("}")
    else:
        # No 'got': the value may be anything, key material included.
        raise _PendingError(f"cannot encode a value of type {type(value).__name__}: {_SUPPORTED}")


def _name(member: tuple[str, object]) -> str:
    return str.__str__(member[0])  # the plain string: a subclass's own ordering is ignored


def _utf16_name(member: tuple[str, object]) -> bytes:
    return str.encode(member[0], "utf-16-be", "surrogatepass")


def _string(value: str) -> str:
    value = str.__str__(value)  # the plain string, whatever a subclass overrides
    if _TO_ESCAPE_OR_REFUSE.search(value) is None:
        return '"' + value + '"'  # the common case: nothing to escape
    lone = _SURROGATE.search(value)
    if lone is not None:
        raise _PendingError(
            f"lone surrogate U+{ord(lone.group()):04X} at index {lone.start()}: "
            "a JSON string must be valid Unicode"
        )
    return '"' + str.translate(value, _ESCAPES) + '"'


def _integer(value: int) -> str:
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return int.__repr__(value)
    bits = value.bit_length()
    shown = int.__repr__(value) if bits <= 128 else f"a {bits}-bit integer"
    raise _PendingError(
        f"integer {shown} is outside +/-(2**53 - 1): a JCS number is an IEEE 754 double "
        "and cannot hold it exactly; write it as a string"
    )


def _number(value: float) -> str:
    """ECMAScript ``Number.prototype.toString`` of a finite double (RFC 8785 3.2.2.3)."""
    if not math.isfinite(value):
        raise _PendingError(
            f"{float.__repr__(value)} is not a JSON number: only finite numbers are allowed"
        )
    if value == 0:
        return "0"  # -0 included
    # repr() gives the shortest digit string that reads back as the same double, the
    # nearest one when there is a choice: the same digits ECMAScript picks. Only the
    # layout differs, so take the digits and the exponent and lay them out again.
    text = float.__repr__(value)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    # Normalise to value = 0.DIGITS x 10**point (ECMAScript's s x 10**(n - k), n = point).
    digits = whole + fraction
    point = len(whole) + int(exponent or 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    digits = significant.rstrip("0")
    count = len(digits)
    if count <= point <= 21:
        body = digits + "0" * (point - count)
    elif 0 < point <= 21:
        body = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        body = "0." + "0" * -point + digits
    else:
        power = point - 1
        body = digits[0] + ("." + digits[1:] if count > 1 else "")
        body += ("e+" if power >= 0 else "e-") + str(abs(power))
    return sign + body


# --------------------------------------------------------------------------- decoding


def loads(data: bytes | bytearray | memoryview) -> object:
    """Parse JSON bytes strictly; objects become dicts, arrays lists.

    The input need not be canonical (whitespace, any key order and any valid escapes are
    accepted), but it must be unambiguous: UTF-8 without a byte order mark, no duplicate
    keys at any depth, no lone surrogates (raw or escaped), no NaN or Infinity, integers
    within ``+/-(2**53 - 1)``, numbers within the range of a double, at most
    :data:`MAX_DEPTH` levels of nesting, and nothing after the value but whitespace.
    Anything else raises :class:`~legaldelivery.errors.EncodingError` naming the byte
    offset and the path. Only bytes are accepted: a ``str`` has no canonical bytes until
    someone encodes it, and that choice belongs to the caller.

    >>> loads(b'{"b": [1, 2.5e0], "a": "caf\\\\u00e9"}')
    {'b': [1, 2.5], 'a': 'café'}
    >>> loads(b'{"parties": [{"name": "\\\\ud800"}]}')
    Traceback (most recent call last):
    ...
    legaldelivery.errors.EncodingError: $.parties[0].name: lone surrogate ... at byte 23

    .. versionadded:: 0.1.0
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise EncodingError(
            f"expected bytes, bytearray or memoryview, not {type(data).__name__}: "
            "encode text as UTF-8 first",
            path=_ROOT,
        )
    raw = bytes(data)
    if raw.startswith(_BOM):
        raise EncodingError("a byte order mark (EF BB BF) at byte 0 is not allowed", path=_ROOT)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError(f"invalid UTF-8 at byte {exc.start}: {exc.reason}", path=_ROOT) from exc
    value = _decode_fast(text)
    if value is _DECLINED:
        value = _decode_strict(text)
    return value


def loads_canonical(data: bytes | bytearray | memoryview) -> object:
    """Like :func:`loads`, but the bytes must also be exactly their canonical form.

    That is, ``dumps(loads(data)) == data``; the audit uses this to report log entries
    that were not stored canonically (and so would not hash or verify as written).

    >>> loads_canonical(b'{"a":1,"b":[true,null]}')
    {'a': 1, 'b': [True, None]}
    >>> loads_canonical(b'{"b":1,"a":2}')
    Traceback (most recent call last):
    ...
    legaldelivery.errors.EncodingError: $: not canonical ... first difference at byte 2 ...

    .. versionadded:: 0.1.0
    """
    raw = bytes(data)
    value = _canonical_value(raw)
    if value is not _DECLINED:
        return value
    value = loads(raw)
    canonical = dumps(value)
    if canonical != raw:
        at = next(
            (i for i, (a, b) in enumerate(zip(canonical, raw, strict=False)) if a != b),
            min(len(canonical), len(raw)),
        )
        raise EncodingError(
            f"not canonical JSON (RFC 8785): first difference at byte {at} "
            f"(canonical has {canonical[at : at + 1]!r}, found {raw[at : at + 1]!r})",
            path=_ROOT,
        )
    return value


_DECLINED = object()

# The C scanner with no hooks at all: quicker than _STDLIB_DECODER, and more lenient.
_PLAIN_DECODER = json.JSONDecoder(strict=True)


def _canonical_value(raw: bytes) -> object:
    """The value of ``raw`` if it is exactly canonical JSON; _DECLINED when not sure.

    Decoding leniently and encoding back is enough to vouch for canonical bytes: every
    input loads() refuses either fails here (invalid UTF-8, a BOM, bad JSON), or decodes
    to something dumps() refuses (NaN or an infinity, an integer beyond the safe range,
    an escaped lone surrogate, nesting too deep), or to something that encodes to other
    bytes (a duplicate key loses a member; whitespace, escapes and number forms come out
    canonical). When the bytes come back unchanged, loads() reads the same value.
    """
    quick = _quick_canonical_value(raw)
    if quick is not _DECLINED:
        return quick
    try:
        value = _PLAIN_DECODER.decode(raw.decode("utf-8"))
        again = dumps(value)
    except (ValueError, RecursionError):  # EncodingError and JSONDecodeError included
        return _DECLINED
    return value if again == raw else _DECLINED


def _quick_canonical_value(raw: bytes) -> object:
    """_canonical_value for the bytes of records, without dumps' walk over the value.

    The hooks of _CHECK_DECODER refuse what only the walk would catch (floats, NaN and
    the infinities, integers beyond the safe range); the bytes themselves bound the
    depth (no more brackets than MAX_DEPTH) and show whether UTF-16 and code-point order
    could differ. Whatever falls outside those is declined, and the careful path decides.
    """
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        return _DECLINED
    if (0xEE in raw or 0xEF in raw) and (
        0xF0 in raw or 0xF1 in raw or 0xF2 in raw or 0xF3 in raw or 0xF4 in raw
    ):
        return _DECLINED  # see _fast_dumps: the careful path orders such names
    try:
        value = _CHECK_DECODER.decode(raw.decode("utf-8"))
        # A lone surrogate, escaped in the input, fails the UTF-8 encoding (a ValueError).
        again = _encode_plain(value).encode("utf-8")
    except (ValueError, RecursionError, _DeclinedError):
        return _DECLINED
    return value if again == raw else _DECLINED


class _DeclinedError(Exception):
    """The fast decoder will not vouch for this text; the strict parser decides."""


def _pairs_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DeclinedError
    return result


def _safe_int(token: str) -> int:
    # No int() on long tokens: 17 characters cover every safe integer and its sign.
    if len(token) > 17:
        raise _DeclinedError
    value = int(token)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise _DeclinedError
    return value


def _finite_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _DeclinedError
    return value


def _no_constant(token: str) -> object:
    raise _DeclinedError


# The standard library's C scanner follows the JSON grammar exactly; the hooks turn
# everything it would accept but we do not into a refusal, and the few things it cannot
# see (escaped lone surrogates, depth) are checked before it runs.
_STDLIB_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs_without_duplicates,
    parse_float=_finite_float,
    parse_int=_safe_int,
    parse_constant=_no_constant,
    strict=True,
)
# For _quick_canonical_value: the C scanner as plain as can be, except that it declines
# every float and constant (records have none, and their canonical spelling is not the
# C encoder's) and unsafe integers; duplicate keys need no hook, since a lost member
# shows on re-encoding.
_CHECK_DECODER = json.JSONDecoder(
    parse_float=_no_constant, parse_int=_safe_int, parse_constant=_no_constant, strict=True
)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_STRING_LITERAL = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _decode_fast(text: str) -> object:
    """The value of ``text`` by the C scanner, or _DECLINED when only _decode_strict can tell."""
    if _SURROGATE_ESCAPE.search(text) is not None:
        return _DECLINED
    if text.count("[") + text.count("{") > MAX_DEPTH and not _shallow(text):
        return _DECLINED
    try:
        return _STDLIB_DECODER.decode(text)
    except (ValueError, RecursionError, _DeclinedError):
        return _DECLINED


def _shallow(text: str) -> bool:
    """True when the brackets outside strings nest at most MAX_DEPTH deep (exact for valid JSON).

    One pass over the brackets, so that refusing a hostile document costs time in
    proportion to its length, not to its length times its depth.
    """
    skeleton = _NOT_BRACKET.sub("", _STRING_LITERAL.sub("", text))
    depth = 0
    for bracket in skeleton:
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        else:
            depth -= 1
            if depth < 0:
                return False  # unbalanced: not JSON, the strict parser explains
    # Unbalanced or mismatched brackets are not JSON either way: the C scanner, which can
    # then recurse no deeper than MAX_DEPTH, refuses them and the strict parser explains.
    return depth == 0


_NOT_WHITESPACE = re.compile(r"[^ \t\n\r]")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_SPECIAL_IN_STRING = re.compile(r'["\\\x00-\x1f]')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SHORT_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def _decode_strict(text: str) -> object:
    """Parse ``text`` by the JSON grammar and our rules, or raise the precise EncodingError."""
    parser = _StrictParser(text)
    try:
        value, end = parser.parse_value(parser.skip(0), 0)
        end = parser.skip(end)
        if end != len(text):
            raise _PendingError("unexpected data after the JSON value", end)
    except _PendingError as fault:
        raise fault.error(text) from None
    return value


class _StrictParser:
    """A recursive-descent JSON parser that knows where it is (slow, used when in doubt)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, pos: int) -> int:
        token = _NOT_WHITESPACE.search(self.text, pos)
        return len(self.text) if token is None else token.start()

    def parse_value(self, pos: int, depth: int) -> tuple[object, int]:
        text = self.text
        char = text[pos : pos + 1]
        if char == "{":
            return self.parse_object(pos, depth + 1)
        if char == "[":
            return self.parse_array(pos, depth + 1)
        if char == '"':
            return self.parse_string(pos)
        if text.startswith(("NaN", "Infinity", "-Infinity"), pos):
            raise _PendingError("NaN and Infinity are not JSON numbers", pos)
        if char and char in "-0123456789":
            return self.parse_number(pos)
        for literal, constant in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, pos):
                return constant, pos + len(literal)
        if not char:
            raise _PendingError("unexpected end of data, expected a JSON value", pos)
        raise _PendingError(f"unexpected character {char!r}, expected a JSON value", pos)

    def parse_object(self, pos: int, depth: int) -> tuple[dict[str, object], int]:
        if depth > MAX_DEPTH:
            raise _PendingError(f"nesting deeper than {MAX_DEPTH} levels", pos)
        text = self.text
        result: dict[str, object] = {}
        pos = self.skip(pos + 1)
        if text[pos : pos + 1] == "}":
            return result, pos + 1
        while True:
            if text[pos : pos + 1] != '"':
                raise _PendingError("expected a string for an object key", pos)
            key_at = pos
            name, pos = self.parse_string(pos)
            if name in result:
                raise _PendingError(f"duplicate key {name!r}", key_at)
            pos = self.skip(pos)
            if text[pos : pos + 1] != ":":
                raise _PendingError("expected ':' after an object key", pos)
            try:
                result[name], pos = self.parse_value(self.skip(pos + 1), depth)
            except _PendingError as fault:
                fault.segments.append(_key_segment(name))
                raise
            pos = self.skip(pos)
            char = text[pos : pos + 1]
            if char == "}":
                return result, pos + 1
            if char != ",":
                raise _PendingError("expected ',' or '}' in an object", pos)
            pos = self.skip(pos + 1)

    def parse_array(self, pos: int, depth: int) -> tuple[list[object], int]:
        if depth > MAX_DEPTH:
            raise _PendingError(f"nesting deeper than {MAX_DEPTH} levels", pos)
        text = self.text
        result: list[object] = []
        pos = self.skip(pos + 1)
        if text[pos : pos + 1] == "]":
            return result, pos + 1
        while True:
            try:
                item, pos = self.parse_value(pos, depth)
            except _PendingError as fault:
                fault.segments.append(f"[{len(result)}]")
                raise
            result.append(item)
            pos = self.skip(pos)
            char = text[pos : pos + 1]
            if char == "]":
                return result, pos + 1
            if char != ",":
                raise _PendingError("expected ',' or ']' in an array", pos)
            pos = self.skip(pos + 1)

    def parse_string(self, pos: int) -> tuple[str, int]:
        text = self.text
        start = pos
        pos += 1
        chunks: list[str] = []
        while True:
            special = _SPECIAL_IN_STRING.search(text, pos)
            end = len(text) if special is None else special.start()
            chunks.append(text[pos:end])
            pos = end
            char = text[pos : pos + 1]
            if char == '"':
                return "".join(chunks), pos + 1
            if char == "\\":
                escape = text[pos + 1 : pos + 2]
                if escape == "u":
                    code = self.hex4(pos)
                    if 0xD800 <= code <= 0xDBFF and text.startswith("\\u", pos + 6):
                        low = self.hex4(pos + 6)
                        if 0xDC00 <= low <= 0xDFFF:
                            chunks.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                            pos += 12
                            continue
                    if 0xD800 <= code <= 0xDFFF:
                        raise _PendingError(
                            f"lone surrogate escape \\u{code:04x} "
                            "(a high surrogate must be followed by a low one)",
                            pos,
                        )
                    chunks.append(chr(code))
                    pos += 6
                elif escape in _SHORT_ESCAPES:
                    chunks.append(_SHORT_ESCAPES[escape])
                    pos += 2
                else:
                    raise _PendingError(f"invalid escape {text[pos : pos + 2]!r} in a string", pos)
            elif not char:
                raise _PendingError("unterminated string", start)
            else:
                raise _PendingError(
                    f"unescaped control character U+{ord(char):04X} in a string", pos
                )

    def hex4(self, pos: int) -> int:
        digits = _HEX4.match(self.text, pos + 2)
        if digits is None:
            raise _PendingError("a \\u escape needs four hexadecimal digits", pos)
        return int(digits.group(), 16)

    def parse_number(self, pos: int) -> tuple[int | float, int]:
        token = _NUMBER.match(self.text, pos)
        if token is None:
            raise _PendingError("invalid number", pos)
        literal = token.group()
        if token.group(1) or token.group(2):
            value = float(literal)
            if not math.isfinite(value):
                raise _PendingError("number out of the range of an IEEE 754 double", pos)
            return value, token.end()
        if len(literal) > 17 or not -MAX_SAFE_INTEGER <= int(literal) <= MAX_SAFE_INTEGER:
            raise _PendingError(
                "integer outside +/-(2**53 - 1): a JSON number is an IEEE 754 double "
                "and cannot hold it exactly",
                pos,
            )
        return int(literal), token.end()

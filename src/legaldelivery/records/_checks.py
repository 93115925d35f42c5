"""Field checks shared by the records: strings, identifiers, instants, integers and codes.

Each check takes the value and the field path and raises :class:`InputError` naming that
path and what was expected; :func:`on_field` adapts a check to an attrs validator.

Decoding a log validates every field of every record, so the checks here also carry a
quick accept path (:func:`quicken`): a cheap test that only ever says yes to values the
check accepts. A value it does not vouch for takes the full check, which alone decides
and alone words the error, so the quick path never changes a verdict or a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime, timezone
from enum import Enum
from importlib import resources
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from legaldelivery.errors import InputError
from legaldelivery.instants import to_utc

Check = Callable[[Any, str], None]
"""A field check: ``check(value, path)`` returns None or raises InputError."""

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
"""An attrs validator: ``validator(instance, attribute, value)``."""

Accepts = Callable[[Any], bool]
"""A quick accept test: True only for values a check accepts (False decides nothing)."""

MAX_SAFE_INT = 2**53 - 1
"""Largest integer a record may hold: JSON numbers are IEEE doubles (RFC 8785)."""

ID_MAX = 128
NAME_MAX = 256
TITLE_MAX = 512
CITATION_MAX = 1024
TEXT_MAX = 4096

_UTC = timezone.utc

# Character classes (the inside of [...]) of what each kind of string may not contain.
# C1 controls, lone surrogates (not encodable as UTF-8), and the bidirectional
# embedding/override/isolate marks, which can make a name display as a different name.
_NEVER = "\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_NOT_IN_LINE = f"\x00-\x1f\u2028\u2029{_NEVER}"
# Free text may span lines, with "\n" only.
_NOT_IN_TEXT = f"\x00-\x09\x0b-\x1f\u2028\u2029{_NEVER}"
# Identifiers also exclude invisible format characters (soft hyphen, zero-width and
# directional marks, BOM): two identifiers that look alike must be equal.
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff"
_NOT_IN_ID = f"\\s\x00-\x1f{_INVISIBLE}{_NEVER}"
_BAD_IN_LINE = re.compile(f"[{_NOT_IN_LINE}]")
_BAD_IN_TEXT = re.compile(f"[{_NOT_IN_TEXT}]")
_BAD_IN_ID = re.compile(f"[{_NOT_IN_ID}]")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[!-~]+\Z")
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*\Z")

_ACCEPTS = "_legaldelivery_accepts"
_VALIDATOR = "_legaldelivery_validator"
# Set on the checks that are an isinstance test and nothing else (to the class or
# classes), so that a tuple of them is checked without a call per item.
_INSTANCE_OF = "_legaldelivery_instance_of"


def fail(path: str, message: str, got: object = InputError._NOTHING) -> NoReturn:
    """Raise the InputError every check raises."""
    raise InputError(message, path=path, got=got)


def quicken(check: Check, accepts: Accepts | None, validator: Validator | None = None) -> Check:
    """Give ``check`` a quick accept path; return ``check``.

    ``accepts(value)`` must be True only for values ``check`` accepts; ``validator``, when
    given, must behave as ``on_field(check)`` does (it saves a call per field). Both are
    looked up by :func:`on_field`, :func:`optional` and :func:`tuple_of`.
    """
    if accepts is not None:
        setattr(check, _ACCEPTS, accepts)
    if validator is not None:
        setattr(check, _VALIDATOR, validator)
    return check


def accepts_of(check: Check) -> Accepts | None:
    """The quick accept test given to ``check`` by :func:`quicken`, or None."""
    found: Accepts | None = getattr(check, _ACCEPTS, None)
    return found


def on_field(check: Check) -> Validator:
    """Adapt a check to an attrs validator whose path is the field's name."""
    quick: Validator | None = getattr(check, _VALIDATOR, None)
    if quick is not None:
        return quick
    accepts = accepts_of(check)
    if accepts is not None:

        def validate_quickly(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
            if not accepts(value):
                check(value, attribute.name)

        return validate_quickly

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        check(value, attribute.name)

    return validate


def _string(value: object, path: str, max_len: int, bad: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str):
        fail(path, f"expected {what}", value)
    if not value or value.isspace():
        fail(path, f"expected {what}, not an empty string", value)
    if len(value) > max_len:
        fail(path, f"expected {what} of at most {max_len} characters", value)
    found = bad.search(value)
    if found is not None:
        fail(path, f"expected {what}; character U+{ord(found.group()):04X} is not allowed", value)
    if value[0].isspace() or value[-1].isspace():
        fail(path, f"expected {what} without leading or trailing whitespace", value)
    return value


_STRING_CHECKS: dict[tuple[str, int], Check] = {}


def _string_check(kind: str, max_len: int) -> Check:
    """The check for one kind of string and length, built once and then shared."""
    found = _STRING_CHECKS.get((kind, max_len))
    if found is not None:
        return found
    bad, not_in, what = {
        "id": (_BAD_IN_ID, _NOT_IN_ID, "an identifier (no spaces or control characters)"),
        "line": (_BAD_IN_LINE, _NOT_IN_LINE, "a single line of text"),
        "text": (_BAD_IN_TEXT, _NOT_IN_TEXT, "text"),
    }[kind]
    # Everything _string asks, in one match: 1..max_len allowed characters, the first and
    # the last not whitespace (re's \s is str.isspace, character by character).
    fine = re.compile(f"(?!\\s)[^{not_in}]{{1,{max_len}}}(?<!\\s)").fullmatch
    # Quicker still for most values: str.isprintable() is False for every character the
    # rules refuse (controls, surrogates, format characters, separators) and for every
    # whitespace character but " " -- a test checks this on every code point.
    no_space = kind == "id"

    def printable(value: str) -> bool:
        return (
            0 < len(value) <= max_len
            and value.isprintable()
            and (" " not in value if no_space else value[0] != " " and value[-1] != " ")
        )

    def check(value: Any, path: str) -> None:
        if type(value) is not str or not (printable(value) or fine(value) is not None):
            _string(value, path, max_len, bad, what)

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is str and 0 < len(value) <= max_len and value.isprintable():
            if no_space:
                if " " not in value:
                    return
            elif value[0] != " " and value[-1] != " ":
                return
        if type(value) is not str or fine(value) is None:
            _string(value, attribute.name, max_len, bad, what)

    def accepts(value: Any) -> bool:
        return type(value) is str and (printable(value) or fine(value) is not None)

    _STRING_CHECKS[kind, max_len] = quicken(check, accepts, validate)
    return check


def identifier(max_len: int = ID_MAX) -> Check:
    """An identifier: 1..max_len characters, no whitespace, controls or lone surrogates."""
    return _string_check("id", max_len)


def line(max_len: int = NAME_MAX) -> Check:
    """One line of text: not blank, no controls, no leading or trailing whitespace."""
    return _string_check("line", max_len)


def text(max_len: int = TEXT_MAX) -> Check:
    """Free text that may span lines (``\\n``); no other control characters."""
    return _string_check("text", max_len)


def uri(value: Any, path: str) -> None:
    """An absolute URI (scheme ``:`` then printable ASCII), at most 512 characters."""
    if not isinstance(value, str) or len(value) > 512 or not _URI.match(value):
        fail(path, "expected an absolute URI such as 'urn:example:reason:1'", value)


def _uri_accepts(value: Any) -> bool:
    return type(value) is str and len(value) <= 512 and _URI.match(value) is not None


quicken(uri, _uri_accepts)


def optional(check: Check) -> Check:
    """``check``, but None passes."""

    def run(value: Any, path: str) -> None:
        if value is not None:
            check(value, path)

    inner = on_field(check)

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            inner(instance, attribute, value)

    inner_accepts = accepts_of(check)
    if inner_accepts is None:
        return quicken(run, None, validate)

    def accepts(value: Any) -> bool:
        return value is None or inner_accepts(value)

    return quicken(run, accepts, validate)


_INSTANCE_CHECKS: dict[tuple[type[Any] | tuple[type[Any], ...], str], Check] = {}


def instance_of(cls: type[Any] | tuple[type[Any], ...], what: str) -> Check:
    """The value is an instance of ``cls`` (``what`` names it in the error)."""
    found = _INSTANCE_CHECKS.get((cls, what))
    if found is not None:
        return found

    def check(value: Any, path: str) -> None:
        if not isinstance(value, cls):
            fail(path, f"expected {what}", value)

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, cls):
            fail(attribute.name, f"expected {what}", value)

    def accepts(value: Any) -> bool:
        return isinstance(value, cls)

    _INSTANCE_CHECKS[cls, what] = quicken(check, accepts, validate)
    setattr(check, _INSTANCE_OF, cls)
    return check


_MEMBER_CHECKS: dict[type[Enum], Check] = {}


def member_of(enum: type[Enum]) -> Check:
    """The value is a member of ``enum`` (a plain string is not: records are typed)."""
    found = _MEMBER_CHECKS.get(enum)
    if found is not None:
        return found
    values = ", ".join(repr(m.value) for m in enum)

    def check(value: Any, path: str) -> None:
        if not isinstance(value, enum):
            fail(path, f"expected a {enum.__name__} member (one of {values})", value)

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, enum):
            check(value, attribute.name)

    def accepts(value: Any) -> bool:
        return isinstance(value, enum)

    _MEMBER_CHECKS[enum] = quicken(check, accepts, validate)
    setattr(check, _INSTANCE_OF, enum)
    return check


def integer(minimum: int = 0) -> Check:
    """An int (never a bool) in ``minimum``..2**53-1."""

    def check(value: Any, path: str) -> None:
        if type(value) is not int:
            fail(path, "expected an integer", value)
        if not minimum <= value <= MAX_SAFE_INT:
            fail(path, f"expected an integer in {minimum}..{MAX_SAFE_INT}", value)

    def accepts(value: Any) -> bool:
        return type(value) is int and minimum <= value <= MAX_SAFE_INT

    return quicken(check, accepts)


def exact_bytes(size: int) -> Check:
    """Bytes of exactly ``size`` length."""

    def check(value: Any, path: str) -> None:
        if type(value) is not bytes or len(value) != size:
            fail(path, f"expected exactly {size} bytes", value)

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is not bytes or len(value) != size:
            fail(attribute.name, f"expected exactly {size} bytes", value)

    def accepts(value: Any) -> bool:
        return type(value) is bytes and len(value) == size

    return quicken(check, accepts, validate)


def itself(value: Any) -> Any:
    """The key of :func:`tuple_of` for items that are their own key."""
    return value


def tuple_of(
    check: Check,
    *,
    min_len: int = 0,
    max_len: int = 1000,
    key: Callable[[Any], Hashable] | None = None,
    what: str = "items",
) -> Check:
    """A tuple whose items each pass ``check`` (path ``field[i]``).

    With ``key``, items whose keys are equal are duplicates and rejected.
    """

    def run(value: Any, path: str) -> None:
        if not isinstance(value, tuple):
            fail(path, f"expected a tuple of {what}", value)
        if not min_len <= len(value) <= max_len:
            fail(path, f"expected {min_len}..{max_len} {what}", len(value))
        seen: set[Hashable] = set()
        for i, item in enumerate(value):
            check(item, f"{path}[{i}]")
            if key is not None:
                k = key(item)
                if k in seen:
                    fail(f"{path}[{i}]", f"duplicate among {what}", k)
                seen.add(k)

    item_accepts = accepts_of(check)
    if item_accepts is None:
        return run
    item_cls: type[Any] | tuple[type[Any], ...] | None = getattr(check, _INSTANCE_OF, None)

    def accepts(value: Any) -> bool:
        # What ``run`` accepts, without formatting a path per item: on the first doubt,
        # ``run`` goes over the items again and says what is wrong where.
        if type(value) is not tuple or not min_len <= len(value) <= max_len:
            return False
        if item_cls is not None:
            for item in value:
                if not isinstance(item, item_cls):
                    return False
        elif not all(map(item_accepts, value)):
            return False
        if key is None:
            return True
        try:
            keys = set(value) if key is itself else {key(item) for item in value}
            return len(keys) == len(value)
        except Exception:  # ``run`` raises it again, at the item it arises at
            return False

    empty_is_fine = min_len == 0

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        # Most optional lists in a log are empty: settle those without another call.
        if type(value) is tuple and not value and empty_is_fine:
            return
        if not accepts(value):
            run(value, attribute.name)

    return quicken(run, accepts, validate)


def to_tuple(value: Sequence[Any]) -> tuple[Any, ...]:
    """Converter: a list or tuple becomes a tuple; anything else is left for the check."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value  # type: ignore[return-value]  # the field's check rejects it with its path


def utc(value: datetime) -> datetime:
    """Converter: an aware datetime becomes a plain UTC datetime; others pass unchanged."""
    if type(value) is datetime and value.tzinfo is _UTC:
        return value
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return to_utc(value)
    # Left for the ``instant`` check, which raises with the field's path.
    return value


def utc_or_none(value: datetime | None) -> datetime | None:
    """Converter: :func:`utc` that lets None through."""
    return None if value is None else utc(value)


def instant(value: Any, path: str) -> None:
    """An aware datetime normalised to UTC (naive datetimes are rejected)."""
    if not (isinstance(value, datetime) and value.tzinfo is _UTC):
        to_utc(value, path=path)  # raises the precise error: naive, or not a datetime
        fail(path, "expected a datetime normalised to UTC", value)


def _instant_accepts(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is _UTC


def _instant_validator(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not (isinstance(value, datetime) and value.tzinfo is _UTC):
        instant(value, attribute.name)


quicken(instant, _instant_accepts, _instant_validator)


def _load_countries() -> frozenset[str]:
    source = resources.files("legaldelivery.records").joinpath("iso3166_alpha2.txt")
    lines = source.read_text(encoding="utf-8").splitlines()
    return frozenset(
        code for row in lines if not row.startswith("#") for code in row.split() if code
    )


COUNTRIES: frozenset[str] = _load_countries()
"""The officially assigned ISO 3166-1 alpha-2 codes (data: ``iso3166_alpha2.txt``)."""


def country(value: Any, path: str) -> None:
    """An officially assigned ISO 3166-1 alpha-2 code, upper case."""
    if not isinstance(value, str) or value not in COUNTRIES:
        fail(path, "expected an assigned ISO 3166-1 alpha-2 country code such as 'CN'", value)


def _country_accepts(value: Any) -> bool:
    return type(value) is str and value in COUNTRIES


def _country_validator(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or value not in COUNTRIES:
        country(value, attribute.name)


quicken(country, _country_accepts, _country_validator)


def time_zone(value: Any, path: str) -> None:
    """An IANA time zone name known to the installed tz database, e.g. 'Asia/Shanghai'."""
    what = "expected an IANA time zone name such as 'Asia/Shanghai'"
    if not isinstance(value, str) or len(value) > 64 or not _ZONE_KEY.match(value):
        fail(path, what, value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InputError(what, path=path, got=value) from exc

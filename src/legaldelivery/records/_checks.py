"""Field checks shared by the records: strings, identifiers, instants, integers and codes.

Each check takes the value and the field path and raises :class:`InputError` naming that
path and what was expected; :func:`on_field` adapts a check to an attrs validator.
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

MAX_SAFE_INT = 2**53 - 1
"""Largest integer a record may hold: JSON numbers are IEEE doubles (RFC 8785)."""

ID_MAX = 128
NAME_MAX = 256
TITLE_MAX = 512
CITATION_MAX = 1024
TEXT_MAX = 4096

# C1 controls, lone surrogates (not encodable as UTF-8), and the bidirectional
# embedding/override/isolate marks, which can make a name display as a different name.
_NEVER = "\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_BAD_IN_LINE = re.compile(f"[\x00-\x1f\u2028\u2029{_NEVER}]")
# Free text may span lines, with "\n" only.
_BAD_IN_TEXT = re.compile(f"[\x00-\x09\x0b-\x1f\u2028\u2029{_NEVER}]")
# Identifiers also exclude invisible format characters (soft hyphen, zero-width and
# directional marks, BOM): two identifiers that look alike must be equal.
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff"
_BAD_IN_ID = re.compile(f"[\\s\x00-\x1f{_INVISIBLE}{_NEVER}]")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[!-~]+\Z")
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*\Z")


def fail(path: str, message: str, got: object = InputError._NOTHING) -> NoReturn:
    """Raise the InputError every check raises."""
    raise InputError(message, path=path, got=got)


def on_field(check: Check) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Adapt a check to an attrs validator whose path is the field's name."""

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


def identifier(max_len: int = ID_MAX) -> Check:
    """An identifier: 1..max_len characters, no whitespace, controls or lone surrogates."""
    what = "an identifier (no spaces or control characters)"

    def check(value: Any, path: str) -> None:
        _string(value, path, max_len, _BAD_IN_ID, what)

    return check


def line(max_len: int = NAME_MAX) -> Check:
    """One line of text: not blank, no controls, no leading or trailing whitespace."""
    what = "a single line of text"

    def check(value: Any, path: str) -> None:
        _string(value, path, max_len, _BAD_IN_LINE, what)

    return check


def text(max_len: int = TEXT_MAX) -> Check:
    """Free text that may span lines (``\\n``); no other control characters."""
    what = "text"

    def check(value: Any, path: str) -> None:
        _string(value, path, max_len, _BAD_IN_TEXT, what)

    return check


def uri(value: Any, path: str) -> None:
    """An absolute URI (scheme ``:`` then printable ASCII), at most 512 characters."""
    if not isinstance(value, str) or len(value) > 512 or not _URI.match(value):
        fail(path, "expected an absolute URI such as 'urn:example:reason:1'", value)


def optional(check: Check) -> Check:
    """``check``, but None passes."""

    def run(value: Any, path: str) -> None:
        if value is not None:
            check(value, path)

    return run


def instance_of(cls: type[Any] | tuple[type[Any], ...], what: str) -> Check:
    """The value is an instance of ``cls`` (``what`` names it in the error)."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, cls):
            fail(path, f"expected {what}", value)

    return check


def member_of(enum: type[Enum]) -> Check:
    """The value is a member of ``enum`` (a plain string is not: records are typed)."""
    values = ", ".join(repr(m.value) for m in enum)

    def check(value: Any, path: str) -> None:
        if not isinstance(value, enum):
            fail(path, f"expected a {enum.__name__} member (one of {values})", value)

    return check


def integer(minimum: int = 0) -> Check:
    """An int (never a bool) in ``minimum``..2**53-1."""

    def check(value: Any, path: str) -> None:
        if type(value) is not int:
            fail(path, "expected an integer", value)
        if not minimum <= value <= MAX_SAFE_INT:
            fail(path, f"expected an integer in {minimum}..{MAX_SAFE_INT}", value)

    return check


def exact_bytes(size: int) -> Check:
    """Bytes of exactly ``size`` length."""

    def check(value: Any, path: str) -> None:
        if type(value) is not bytes or len(value) != size:
            fail(path, f"expected exactly {size} bytes", value)

    return check


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

    return run


def to_tuple(value: Sequence[Any]) -> tuple[Any, ...]:
    """Converter: a list or tuple becomes a tuple; anything else is left for the check."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value  # type: ignore[return-value]  # the field's check rejects it with its path


def utc(value: datetime) -> datetime:
    """Converter: an aware datetime becomes a plain UTC datetime; others pass unchanged."""
    if type(value) is datetime and value.tzinfo is timezone.utc:
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
    if not (isinstance(value, datetime) and value.tzinfo is timezone.utc):
        to_utc(value, path=path)  # raises the precise error: naive, or not a datetime
        fail(path, "expected a datetime normalised to UTC", value)


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


def time_zone(value: Any, path: str) -> None:
    """An IANA time zone name known to the installed tz database, e.g. 'Asia/Shanghai'."""
    what = "expected an IANA time zone name such as 'Asia/Shanghai'"
    if not isinstance(value, str) or len(value) > 64 or not _ZONE_KEY.match(value):
        fail(path, what, value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InputError(what, path=path, got=value) from exc

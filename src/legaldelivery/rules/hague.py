"""The Hague Service Convention (1965) as dated data: who is a party, who objects to Art 10.

Declarations change, so they are data (``rules/data/hague.json``) with a source and
dates, never code. A state the data does not list is *unknown*, not "no objection".

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import functools
from datetime import date
from enum import Enum
from typing import Any

import attrs

from legaldelivery.errors import InputError
from legaldelivery.rules.base import load_data, parse_date

__all__ = ["ARTICLE_10", "HagueStatus", "Position", "status"]

ARTICLE_10 = ("10(a)", "10(b)", "10(c)")
"""The alternative channels of Art 10: (a) postal channels, (b) and (c) judicial officers."""


class Position(Enum):
    """A state's stance on one alternative channel of Art 10.

    .. versionadded:: 0.1.0
    """

    OBJECTS = "objects"
    NO_OBJECTION = "no_objection"
    UNKNOWN = "unknown"
    """The data records nothing: the court must find out."""


@attrs.frozen(kw_only=True)
class HagueStatus:
    """A state's place in the Convention on one date.

    >>> from datetime import date
    >>> s = status("CN", on=date(2026, 3, 1))
    >>> s.party, s.position("10(a)").value
    (True, 'objects')
    >>> status("PK", on=date(2026, 3, 1)).position("10(c)").value
    'unknown'

    .. versionadded:: 0.1.0
    """

    country: str
    on: date
    party: bool
    """Whether the Convention is in force for the state on ``on``."""
    party_since: date | None
    positions: tuple[tuple[str, Position, str], ...]
    """``(article, position, source)`` for each of Art 10(a)-(c)."""
    source: str
    """Where the data comes from."""

    def position(self, article: str) -> Position:
        """The stance on ``article`` (``10(a)``, ``10(b)`` or ``10(c)``)."""
        for name, position, _ in self.positions:
            if name == article:
                return position
        raise InputError(f"expected one of {', '.join(ARTICLE_10)}", path="article", got=article)

    def source_of(self, article: str) -> str:
        """The source of the stance on ``article`` (empty when unknown)."""
        self.position(article)
        return next(src for name, _, src in self.positions if name == article)


@functools.cache
def _data() -> dict[str, Any]:
    return load_data("hague.json")


def status(country: str, *, on: date) -> HagueStatus:
    """The Convention status of ``country`` (ISO 3166-1 alpha-2) on ``on``.

    A date outside the data's known range is an InputError: declarations after it are
    not known.

    .. versionadded:: 0.1.0
    """
    data = _data()
    first = parse_date(data["valid_from"], "valid_from")
    last = parse_date(data["valid_until"], "valid_until")
    if type(on) is not date:
        raise InputError("expected a datetime.date", path="on", got=on)
    if not first <= on <= last:
        raise InputError(
            f"outside the known range {first}..{last} of the Hague Convention data",
            path="on",
            got=str(on),
        )
    if not isinstance(country, str) or len(country) != 2 or not country.isupper():
        raise InputError("expected an ISO 3166-1 alpha-2 code", path="country", got=country)
    entry = data["countries"].get(country)
    if entry is None:
        return HagueStatus(
            country=country,
            on=on,
            party=False,
            party_since=None,
            positions=tuple((a, Position.UNKNOWN, "") for a in ARTICLE_10),
            source=f"{data['source']}: no entry for {country}",
        )
    since = parse_date(entry["party_since"], f"countries.{country}.party_since")
    positions: dict[str, tuple[Position, str]] = dict.fromkeys(ARTICLE_10, (Position.UNKNOWN, ""))
    for declaration in entry["declarations"]:
        if parse_date(declaration["from"], f"countries.{country}.declarations.from") <= on:
            stance = Position.OBJECTS if declaration["objects"] else Position.NO_OBJECTION
            for article in declaration["articles"]:
                positions[article] = (stance, declaration["source"])
    party = since <= on
    return HagueStatus(
        country=country,
        on=on,
        party=party,
        party_since=since,
        positions=tuple(
            (a, *positions[a]) if party else (a, Position.UNKNOWN, "") for a in ARTICLE_10
        ),
        source=f"{data['source']}; {entry['party_source']}",
    )

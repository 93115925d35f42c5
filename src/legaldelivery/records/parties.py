"""Who takes part in service: parties, the court and the case.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import attrs

from legaldelivery.errors import InputError
from legaldelivery.records import _checks
from legaldelivery.records.sealed import Opening, Sealed, seal

__all__ = ["AssuranceLevel", "Case", "Court", "Identifier", "Party", "PartyRole"]


class PartyRole(Enum):
    """A party's procedural role in the case.

    .. versionadded:: 0.1.0
    """

    PLAINTIFF = "plaintiff"
    DEFENDANT = "defendant"
    THIRD_PARTY = "third_party"
    COURT = "court"
    AGENT = "agent"
    """A representative (lawyer, litigation agent) acting for a party."""
    OTHER = "other"


class AssuranceLevel(Enum):
    """How surely an identifier was tied to the person: the eIDAS levels (Art 8).

    .. versionadded:: 0.1.0
    """

    LOW = "low"
    SUBSTANTIAL = "substantial"
    HIGH = "high"


def personal(check: _checks.Check) -> _checks.Check:
    """``check`` for a plain personal value; a :class:`Sealed` one passes as it is."""

    def run(value: Any, path: str) -> None:
        if not isinstance(value, Sealed):
            check(value, path)

    inner = _checks.on_field(check)

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, Sealed):
            inner(instance, attribute, value)

    inner_accepts = _checks.accepts_of(check)
    if inner_accepts is None:
        return _checks.quicken(run, None, validate)

    def accepts(value: Any) -> bool:
        return isinstance(value, Sealed) or inner_accepts(value)

    return _checks.quicken(run, accepts, validate)


@attrs.frozen(kw_only=True)
class Identifier:
    """An identifier of a person under a named scheme, with its assurance level.

    These are the identity details of EN 319 522 (identifier, scheme, assurance). The
    value is personal data and may be sealed.

    >>> Identifier(scheme="passport:PK", value="AB1234567", assurance=AssuranceLevel.HIGH)
    Identifier(scheme='passport:PK', value='AB1234567', assurance=<AssuranceLevel.HIGH: 'high'>)

    .. versionadded:: 0.1.0
    """

    scheme: str = attrs.field(validator=_checks.on_field(_checks.identifier(64)))
    """The identifier scheme, e.g. ``passport:PK``, ``cn-resident-id``, ``wechat-openid``."""
    value: str | Sealed = attrs.field(
        validator=_checks.on_field(personal(_checks.identifier(_checks.NAME_MAX)))
    )
    """The identifier itself, plain or sealed."""
    assurance: AssuranceLevel | None = attrs.field(
        default=None,
        validator=_checks.on_field(_checks.optional(_checks.member_of(AssuranceLevel))),
    )
    """The assurance level of the binding, or None when not assessed."""


_identifiers = _checks.tuple_of(
    _checks.instance_of(Identifier, "an Identifier"),
    max_len=20,
    key=lambda i: (i.scheme, i.value),
    what="identifiers",
)


@attrs.frozen(kw_only=True)
class Party:
    """A party to the case (or the court itself, as the sender of service).

    ``name`` is personal data and may be :class:`Sealed`; see :meth:`sealed`.

    >>> p = Party(party_id="d-1", name="Muhammad Ali", role=PartyRole.DEFENDANT, country="PK")
    >>> p.country
    'PK'
    >>> Party(party_id="d-1", name="M. Ali", role=PartyRole.DEFENDANT, country="PAK")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: country: expected an assigned ISO 3166-1 alpha-2 ...

    .. versionadded:: 0.1.0
    """

    party_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """A stable identifier of the party, unique within the court's system."""
    name: str | Sealed = attrs.field(validator=_checks.on_field(personal(_checks.line())))
    """The party's name, plain or sealed."""
    role: PartyRole = attrs.field(validator=_checks.on_field(_checks.member_of(PartyRole)))
    """The procedural role."""
    country: str = attrs.field(validator=_checks.on_field(_checks.country))
    """Where the party lives or is established: ISO 3166-1 alpha-2 (drives the rules)."""
    identifiers: tuple[Identifier, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_checks.on_field(_identifiers)
    )
    """Identity details (scheme, value, assurance), possibly none."""

    def sealed(self, *, salt: bytes | None = None) -> tuple[Party, Opening]:
        """This party with its plain name sealed, and the opening to keep apart.

        >>> p = Party(party_id="d-1", name="Li Wei", role=PartyRole.DEFENDANT, country="AU")
        >>> sealed, opening = p.sealed()
        >>> isinstance(sealed.name, Sealed), sealed.opened(opening) == p
        (True, True)
        """
        if isinstance(self.name, Sealed):
            raise InputError("is already sealed", path="name")
        commitment, opening = seal(self.name, salt=salt)
        return attrs.evolve(self, name=commitment), opening

    def opened(self, opening: Opening) -> Party:
        """This party with its sealed name replaced by the value ``opening`` proves.

        Raises VerificationError when the opening does not match, InputError when the
        name is not sealed or the opened value is not a valid name.
        """
        if not isinstance(self.name, Sealed):
            raise InputError("is not sealed: nothing to open", path="name")
        self.name.verify(opening)
        return attrs.evolve(self, name=opening.value)


@attrs.frozen(kw_only=True)
class Court:
    """A court: its identifier, name and the IANA time zone its deadlines run in.

    >>> Court(court_id="cn-ln-donggang", name="Donggang People's Court",
    ...       time_zone="Asia/Shanghai").time_zone
    'Asia/Shanghai'
    >>> Court(court_id="x", name="X", time_zone="Asia/Beijing")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: time_zone: expected an IANA time zone name ...

    .. versionadded:: 0.1.0
    """

    court_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """A stable identifier of the court."""
    name: str = attrs.field(validator=_checks.on_field(_checks.line()))
    """The court's name (public, never sealed)."""
    time_zone: str = attrs.field(validator=_checks.on_field(_checks.time_zone))
    """IANA time zone name, e.g. ``Asia/Shanghai``: the clock of its deadlines."""


@attrs.frozen(kw_only=True)
class Case:
    """A case: its number as the court writes it, and the court.

    >>> court = Court(court_id="c", name="C", time_zone="UTC")
    >>> Case(number="(2020)辽0604民初1234号", court=court).number
    '(2020)辽0604民初1234号'

    .. versionadded:: 0.1.0
    """

    number: str = attrs.field(validator=_checks.on_field(_checks.line(_checks.ID_MAX)))
    """The case number, verbatim."""
    court: Court = attrs.field(validator=_checks.on_field(_checks.instance_of(Court, "a Court")))
    """The court seised of the case."""

"""Parties, identifiers, courts and cases."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given

from legaldelivery.errors import InputError
from legaldelivery.records import AssuranceLevel, Case, Court, Identifier, Party, seal
from legaldelivery.testing.strategies import cases, parties


def test_identifiers_carry_scheme_value_and_assurance(defendant: Party) -> None:
    passport = Identifier(scheme="passport:PK", value="AB1234567", assurance=AssuranceLevel.HIGH)
    sealed_id = Identifier(scheme="cn-resident-id", value=seal("110101199003074514")[0])
    party = attrs.evolve(defendant, identifiers=[passport, sealed_id])
    assert party.identifiers == (passport, sealed_id)
    assert sealed_id.assurance is None


def test_identifiers_are_unique(defendant: Party) -> None:
    passport = Identifier(scheme="passport:PK", value="AB1234567")
    with pytest.raises(InputError, match=r"^identifiers\[1\]: duplicate"):
        attrs.evolve(defendant, identifiers=(passport, passport))


@given(parties())
def test_generated_parties_rebuild_equal(party: Party) -> None:
    assert attrs.evolve(party) == party
    assert hash(attrs.evolve(party)) == hash(party)


@given(cases())
def test_generated_cases_have_valid_courts(case: Case) -> None:
    assert isinstance(case.court, Court)


def test_records_are_frozen_and_keyword_only(court: Court) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        court.name = "Another"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Court("c", "C", "UTC")  # type: ignore[misc]

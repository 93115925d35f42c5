"""Consent: scope, legal grounds, and revocation that is never retroactive."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.records import (
    Address,
    ChannelKind,
    Consent,
    ConsentGround,
    Digest,
    DocumentKind,
    VerificationMethod,
)
from legaldelivery.testing.strategies import consents, instants

T0 = datetime(2020, 6, 1, 1, 30, tzinfo=timezone.utc)


def test_grounds_cover_olr_art_29_and_frcp() -> None:
    olr = [
        ConsentGround.EXPRESS_CONSENT,
        ConsentGround.PRIOR_AGREEMENT,
        ConsentGround.ADDRESS_IN_PLEADING,
        ConsentGround.ACCEPTED_WITHOUT_OBJECTION,
    ]
    for number, ground in enumerate(olr, start=1):
        assert ground.citation.startswith(f"SPC Online Litigation Rules (2021) Art 29({number})")
    assert ground.citation != ""
    assert ConsentGround.US_WRITTEN_CONSENT.citation.startswith("FRCP 5(b)(2)(E)")
    assert ConsentGround.OTHER.citation == ""


def test_covers_a_consented_address(consent: Consent, wechat: Address) -> None:
    answer = consent.covers(wechat, DocumentKind.SUMMONS, T0 + timedelta(days=1))
    assert answer
    assert answer.holds
    assert "c-1" in answer.reason
    assert "Art 29(1)" in answer.reason


def test_covers_any_address_of_a_consented_kind(consent: Consent, email: Address) -> None:
    assert consent.covers(email, DocumentKind.COMPLAINT, T0)
    assert consent.covers("email", DocumentKind.COMPLAINT, T0)
    assert consent.covers(ChannelKind.EMAIL, DocumentKind.COMPLAINT, T0)


def test_specific_addresses_do_not_cover_their_whole_kind(
    consent: Consent, wechat: Address
) -> None:
    other = attrs.evolve(wechat, handle="wxid_somebody_else")
    answer = consent.covers(other, DocumentKind.SUMMONS, T0)
    assert not answer
    assert "does not extend to this wechat address" in answer.reason
    answer = consent.covers("wechat", DocumentKind.SUMMONS, T0)
    assert not answer
    assert "every wechat address" in answer.reason
    assert not consent.covers("sms", DocumentKind.SUMMONS, T0)


def test_document_kinds_limit_the_scope(consent: Consent, wechat: Address) -> None:
    answer = consent.covers(wechat, DocumentKind.JUDGMENT, T0)
    assert not answer
    assert "does not extend to judgment documents" in answer.reason


def test_not_before_it_was_granted(consent: Consent, wechat: Address) -> None:
    answer = consent.covers(wechat, DocumentKind.SUMMONS, T0 - timedelta(microseconds=1))
    assert not answer
    assert "granted only at 2020-06-01T01:30:00.000000Z" in answer.reason
    assert consent.is_in_force(T0)


def test_revocation_is_not_retroactive(consent: Consent, wechat: Address) -> None:
    revoked_at = T0 + timedelta(days=10)
    revoked = consent.revoke(revoked_at)
    just_before = revoked_at - timedelta(microseconds=1)
    # Service completed before the revocation stays covered...
    assert revoked.covers(wechat, DocumentKind.SUMMONS, just_before)
    # ...and nothing at or after it is.
    at = revoked.covers(wechat, DocumentKind.SUMMONS, revoked_at)
    assert not at
    assert "revoked at 2020-06-11T01:30:00.000000Z" in at.reason
    assert not revoked.is_in_force(revoked_at + timedelta(days=300))


@given(consents(), instants())
def test_in_force_exactly_from_grant_until_revocation(consent: Consent, at: datetime) -> None:
    expected = consent.granted_at <= at and (consent.revoked_at is None or at < consent.revoked_at)
    assert bool(consent.is_in_force(at)) is expected


@given(consents(), instants(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=99)))
def test_revoking_later_never_changes_the_past(
    consent: Consent, at: datetime, delay: timedelta
) -> None:
    if consent.revoked_at is not None:
        return
    revoked_at = max(at, consent.granted_at) + delay
    revoked = consent.revoke(revoked_at)
    for kind in DocumentKind:
        for channel in consent.channels:
            before = consent.covers(channel, kind, revoked_at - timedelta(microseconds=1))
            after = revoked.covers(channel, kind, revoked_at - timedelta(microseconds=1))
            assert before.holds == after.holds
            assert not revoked.covers(channel, kind, revoked_at)


def test_revocation_before_the_grant_is_rejected(consent: Consent) -> None:
    with pytest.raises(InputError, match=r"^revoked_at: revocation is never retroactive"):
        consent.revoke(T0 - timedelta(seconds=1))
    with pytest.raises(InputError, match=r"^revoked_at: "):
        attrs.evolve(consent, revoked_at=T0 - timedelta(days=1))
    assert consent.revoke(T0).revoked_at == T0


def test_revoking_twice_is_rejected(consent: Consent) -> None:
    once = consent.revoke(T0 + timedelta(days=1))
    with pytest.raises(InputError, match=r"^revoked_at: consent c-1 is already revoked"):
        once.revoke(T0 + timedelta(days=2))


def test_naive_times_are_rejected(consent: Consent, wechat: Address) -> None:
    with pytest.raises(InputError, match=r"^at: naive datetime"):
        consent.covers(wechat, DocumentKind.SUMMONS, datetime(2020, 6, 2))
    with pytest.raises(InputError, match=r"^revoked_at: naive datetime"):
        consent.revoke(datetime(2020, 6, 2))


def test_query_arguments_are_checked(consent: Consent) -> None:
    with pytest.raises(InputError, match=r"^document_kind: "):
        consent.covers("email", "summons", T0)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^target: "):
        consent.covers(42, DocumentKind.SUMMONS, T0)  # type: ignore[arg-type]


def test_scope_must_name_something(consent: Consent) -> None:
    with pytest.raises(
        InputError, match=r"^addresses: a consent must name channel kinds or addresses"
    ):
        attrs.evolve(consent, channels=(), addresses=())
    with pytest.raises(InputError, match=r"^document_kinds: expected 1..20"):
        attrs.evolve(consent, document_kinds=())


def test_scope_has_no_duplicates(consent: Consent, wechat: Address) -> None:
    with pytest.raises(InputError, match=r"^channels\[1\]: duplicate"):
        attrs.evolve(consent, channels=("email", "email"))
    recheck = attrs.evolve(wechat, verification=VerificationMethod.COURT_VERIFIED)
    with pytest.raises(InputError, match=r"^addresses\[1\]: duplicate"):
        attrs.evolve(consent, addresses=(wechat, recheck))
    with pytest.raises(InputError, match=r"^document_kinds\[1\]: duplicate"):
        attrs.evolve(consent, document_kinds=(DocumentKind.SUMMONS, DocumentKind.SUMMONS))
    with pytest.raises(InputError, match=r"^channels\[0\]: expected a known channel kind"):
        attrs.evolve(consent, channels=("fax",))


def test_lists_become_tuples(consent: Consent) -> None:
    rebuilt = attrs.evolve(consent, channels=["email"], document_kinds=[DocumentKind.SUMMONS])
    assert rebuilt.channels == ("email",)
    assert rebuilt.document_kinds == (DocumentKind.SUMMONS,)


def test_evidence_is_a_digest(consent: Consent) -> None:
    with pytest.raises(InputError, match=r"^evidence_digest: expected a Digest"):
        attrs.evolve(consent, evidence_digest=Digest.of(b"x").hex)

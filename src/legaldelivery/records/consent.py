"""A party's consent to electronic service: its scope, legal ground, evidence and revocation.

Revocation is never retroactive: a consent revoked at T still covers a service completed
before T, and nothing at or after T.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import attrs

from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.records import _checks
from legaldelivery.records.addresses import Address, ChannelKind, check_channel
from legaldelivery.records.digest import Digest
from legaldelivery.records.documents import DocumentKind

__all__ = ["Consent", "ConsentAnswer", "ConsentGround"]

_OLR = "SPC Online Litigation Rules (2021) Art 29"


class ConsentGround(Enum):
    """The legal ground on which the consent exists.

    The first four are the grounds of the SPC Online Litigation Rules Art 29; ``.citation``
    names the provision.

    >>> print(ConsentGround.ADDRESS_IN_PLEADING.citation)
    SPC Online Litigation Rules (2021) Art 29(3): an electronic address given in a
    pleading for service

    .. versionadded:: 0.1.0
    """

    EXPRESS_CONSENT = "express_consent"
    PRIOR_AGREEMENT = "prior_agreement"
    ADDRESS_IN_PLEADING = "address_in_pleading"
    ACCEPTED_WITHOUT_OBJECTION = "accepted_without_objection"
    US_WRITTEN_CONSENT = "us_written_consent"
    OTHER = "other"

    @property
    def citation(self) -> str:
        """The provision the ground rests on (empty for OTHER)."""
        return _CITATIONS[self]


_CITATIONS = {
    ConsentGround.EXPRESS_CONSENT: f"{_OLR}(1): express consent",
    ConsentGround.PRIOR_AGREEMENT: (
        f"{_OLR}(2): a prior agreement or undertaking to accept electronic service"
    ),
    ConsentGround.ADDRESS_IN_PLEADING: (
        f"{_OLR}(3): an electronic address given in a pleading for service"
    ),
    ConsentGround.ACCEPTED_WITHOUT_OBJECTION: (
        f"{_OLR}(4): a completed electronic service accepted without objection"
    ),
    ConsentGround.US_WRITTEN_CONSENT: "FRCP 5(b)(2)(E): consent in writing to electronic service",
    ConsentGround.OTHER: "",
}


@attrs.frozen(kw_only=True)
class ConsentAnswer:
    """A reasoned yes or no from :meth:`Consent.covers` or :meth:`Consent.is_in_force`.

    It is truthy when ``holds``; ``reason`` says why, for the record of the decision.

    .. versionadded:: 0.1.0
    """

    holds: bool
    """Whether the consent covers (or is in force) as asked."""
    reason: str
    """Why, in words a court user can read."""

    def __bool__(self) -> bool:
        return self.holds


def _revoked_at(instance: Consent, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    _checks.instant(value, attribute.name)
    if value < instance.granted_at:
        _checks.fail(
            attribute.name,
            f"revocation is never retroactive: expected an instant at or after granted_at "
            f"{format_instant(instance.granted_at)}",
            format_instant(value),
        )


def _scope(instance: Consent, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not instance.channels and not instance.addresses:
        _checks.fail(attribute.name, "a consent must name channel kinds or addresses")


_channels = _checks.tuple_of(check_channel, max_len=50, key=_checks.itself, what="channel kinds")
_addresses = _checks.tuple_of(
    _checks.instance_of(Address, "an Address"),
    max_len=50,
    key=lambda a: a.destination,
    what="addresses",
)
_document_kinds = _checks.tuple_of(
    _checks.member_of(DocumentKind),
    min_len=1,
    max_len=20,
    key=_checks.itself,
    what="document kinds",
)


@attrs.frozen(kw_only=True)
class Consent:
    """A party's consent to electronic service, as the court recorded it.

    Scope: every address of the kinds in ``channels``, plus the specific ``addresses``;
    only the ``document_kinds`` listed (a consent that excludes judgments is common).

    >>> from datetime import datetime, timezone
    >>> t = lambda d: datetime(2026, 3, d, tzinfo=timezone.utc)
    >>> consent = Consent(consent_id="c-1", party_id="d-1", channels=("wechat",),
    ...     document_kinds=(DocumentKind.SUMMONS, DocumentKind.COMPLAINT),
    ...     ground=ConsentGround.EXPRESS_CONSENT, granted_at=t(1),
    ...     evidence_digest=Digest.of(b"signed form"), revoked_at=t(10))
    >>> bool(consent.covers("wechat", DocumentKind.SUMMONS, t(9)))
    True
    >>> print(consent.covers("wechat", DocumentKind.SUMMONS, t(10)).reason)
    consent c-1 was revoked at 2026-03-10T00:00:00.000000Z; revocation is not retroactive,
    so only service completed before then is covered

    .. versionadded:: 0.1.0
    """

    consent_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """A stable identifier of this consent."""
    party_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """The party who consented."""
    channels: tuple[str, ...] = attrs.field(
        default=(), converter=_checks.to_tuple, validator=_checks.on_field(_channels)
    )
    """Channel kinds consented to for any address of that kind."""
    addresses: tuple[Address, ...] = attrs.field(
        default=(),
        converter=_checks.to_tuple,
        validator=[_checks.on_field(_addresses), _scope],
    )
    """Specific addresses consented to."""
    document_kinds: tuple[DocumentKind, ...] = attrs.field(
        converter=_checks.to_tuple, validator=_checks.on_field(_document_kinds)
    )
    """The kinds of document that may be served under this consent (at least one)."""
    ground: ConsentGround = attrs.field(
        validator=_checks.on_field(_checks.member_of(ConsentGround))
    )
    """The legal ground of the consent."""
    granted_at: datetime = attrs.field(
        converter=_checks.utc, validator=_checks.on_field(_checks.instant)
    )
    """When the consent took effect."""
    evidence_digest: Digest = attrs.field(
        validator=_checks.on_field(_checks.instance_of(Digest, "a Digest"))
    )
    """Digest of the evidence: the signed form, message or pleading that shows consent."""
    revoked_at: datetime | None = attrs.field(
        default=None, converter=_checks.utc_or_none, validator=_revoked_at
    )
    """When a revocation took effect (never before ``granted_at``), or None."""

    def is_in_force(self, at: datetime) -> ConsentAnswer:
        """Whether the consent is in force at ``at``: granted at or before it, not revoked."""
        when = to_utc(at, path="at")
        if when < self.granted_at:
            return ConsentAnswer(
                holds=False,
                reason=f"consent {self.consent_id} was granted only at "
                f"{format_instant(self.granted_at)}",
            )
        if self.revoked_at is not None and when >= self.revoked_at:
            return ConsentAnswer(
                holds=False,
                reason=f"consent {self.consent_id} was revoked at "
                f"{format_instant(self.revoked_at)}; revocation is not retroactive, so only "
                "service completed before then is covered",
            )
        return ConsentAnswer(
            holds=True, reason=f"consent {self.consent_id} is in force at {format_instant(when)}"
        )

    def covers(
        self, target: Address | ChannelKind | str, document_kind: DocumentKind, at: datetime
    ) -> ConsentAnswer:
        """Whether service of a ``document_kind`` on ``target`` completed at ``at`` is covered.

        ``target`` is an :class:`Address` or a channel kind; a kind alone is covered only
        by a consent for every address of that kind.
        """
        in_force = self.is_in_force(at)
        if not in_force:
            return in_force
        if not isinstance(document_kind, DocumentKind):
            raise InputError("expected a DocumentKind", path="document_kind", got=document_kind)
        if document_kind not in self.document_kinds:
            kinds = ", ".join(k.value for k in self.document_kinds)
            return ConsentAnswer(
                holds=False,
                reason=f"consent {self.consent_id} does not extend to {document_kind.value} "
                f"documents (it covers: {kinds})",
            )
        if isinstance(target, Address):
            channel = target.channel
            if target.destination in {a.destination for a in self.addresses}:
                scope = f"the consented {channel} address"
            elif channel in self.channels:
                scope = f"every {channel} address"
            else:
                return ConsentAnswer(
                    holds=False,
                    reason=f"consent {self.consent_id} does not extend to this {channel} address",
                )
        elif isinstance(target, (ChannelKind, str)):
            target = target.value if isinstance(target, ChannelKind) else target
            if target not in self.channels:
                return ConsentAnswer(
                    holds=False,
                    reason=f"consent {self.consent_id} does not extend to every {target} address",
                )
            scope = f"every {target} address"
        else:
            raise InputError("expected an Address or a channel kind", path="target", got=target)
        ground = self.ground.citation or self.ground.value
        return ConsentAnswer(
            holds=True,
            reason=f"consent {self.consent_id} ({ground}) covers {document_kind.value} "
            f"documents served to {scope} at {format_instant(to_utc(at))}",
        )

    def revoke(self, at: datetime) -> Consent:
        """This consent, revoked from ``at`` on (not before ``granted_at``; only once)."""
        if self.revoked_at is not None:
            raise InputError(f"consent {self.consent_id} is already revoked", path="revoked_at")
        return attrs.evolve(self, revoked_at=at)

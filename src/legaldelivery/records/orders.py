"""The delivery order: what the court asks to be served, on whom, how, and on what basis.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from legaldelivery.errors import InputError
from legaldelivery.records import _checks
from legaldelivery.records.addresses import Address
from legaldelivery.records.documents import Document
from legaldelivery.records.parties import Case, Party, PartyRole

__all__ = ["DeliveryOrder"]


_party = _checks.instance_of(Party, "a Party")


def _sender(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _party(value, attribute.name)
    if value.role is not PartyRole.COURT:
        _checks.fail(
            f"{attribute.name}.role", "the sender of service is the court", value.role.value
        )


def _recipient(instance: DeliveryOrder, attribute: attrs.Attribute[Any], value: Any) -> None:
    _party(value, attribute.name)
    if value.party_id == instance.sender.party_id:
        _checks.fail(
            f"{attribute.name}.party_id",
            "the recipient must differ from the sender",
            value.party_id,
        )


_documents = _checks.tuple_of(
    _checks.instance_of(Document, "a Document"),
    min_len=1,
    key=lambda d: d.document_id,
    what="documents (unique by document_id)",
)
_channels = _checks.tuple_of(
    _checks.instance_of(Address, "an Address"),
    min_len=1,
    max_len=20,
    key=lambda a: a.destination,
    what="addresses (unique by channel and handle)",
)


@attrs.frozen(kw_only=True)
class DeliveryOrder:
    """A court's order to serve documents on one recipient, by channels in order.

    >>> from datetime import datetime, timezone
    >>> from legaldelivery.records import (Address, Case, Court, Digest, Document,
    ...     DocumentKind, Party, PartyRole, VerificationMethod)
    >>> t = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    >>> court = Court(court_id="cn-ln-dg", name="Donggang People's Court",
    ...               time_zone="Asia/Shanghai")
    >>> order = DeliveryOrder(
    ...     order_id="o-1",
    ...     case=Case(number="(2020)辽0604民初1234号", court=court),
    ...     sender=Party(party_id="cn-ln-dg", name="Donggang People's Court",
    ...                  role=PartyRole.COURT, country="CN"),
    ...     recipient=Party(party_id="d-1", name="Muhammad Ali", role=PartyRole.DEFENDANT,
    ...                     country="PK"),
    ...     documents=[Document.from_bytes(b"...", document_id="summons",
    ...                kind=DocumentKind.SUMMONS, title="Summons", media_type="application/pdf")],
    ...     legal_basis="CPL (2023) Art 283(9)",
    ...     channels=[Address(channel="wechat", handle="o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
    ...               verification=VerificationMethod.RECIPIENT_CONFIRMED, verified_at=t)],
    ...     created_at=t)
    >>> [d.document_id for d in order.documents]
    ['summons']

    .. versionadded:: 0.1.0
    """

    order_id: str = attrs.field(validator=_checks.on_field(_checks.identifier()))
    """A stable identifier of the order; every event of its service names it."""
    case: Case = attrs.field(validator=_checks.on_field(_checks.instance_of(Case, "a Case")))
    """The case (with its court)."""
    sender: Party = attrs.field(validator=_sender)
    """The court, as a party with role ``court``."""
    recipient: Party = attrs.field(validator=_recipient)
    """The party to be served."""
    documents: tuple[Document, ...] = attrs.field(
        converter=_checks.to_tuple, validator=_checks.on_field(_documents)
    )
    """The documents to serve (at least one; document ids unique)."""
    legal_basis: str = attrs.field(validator=_checks.on_field(_checks.line(_checks.CITATION_MAX)))
    """The citation the service rests on, e.g. ``CPL (2023) Art 283(9)``."""
    channels: tuple[Address, ...] = attrs.field(
        converter=_checks.to_tuple, validator=_checks.on_field(_channels)
    )
    """Addresses to try, most preferred first (at least one, no duplicates)."""
    created_at: datetime = attrs.field(
        converter=_checks.utc, validator=_checks.on_field(_checks.instant)
    )
    """When the court issued the order."""

    def document(self, document_id: str) -> Document:
        """The document with ``document_id``; InputError when the order has none such."""
        for doc in self.documents:
            if doc.document_id == document_id:
                return doc
        raise InputError(
            f"order {self.order_id} has no such document", path="document_id", got=document_id
        )

"""Argument checks shared by the jurisdictions: each raises InputError naming the argument."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from legaldelivery.errors import InputError
from legaldelivery.records import (
    COUNTRIES,
    Address,
    ChannelKind,
    Consent,
    DocumentKind,
    channel_kinds,
)
from legaldelivery.rules.base import RuleSet


def consent_list(consents: object) -> list[Consent]:
    """``consents`` as a list, every item a Consent."""
    if isinstance(consents, (str, bytes)) or not isinstance(consents, Iterable):
        raise InputError("expected an iterable of Consent records", path="consents", got=consents)
    result = list(consents)
    for i, consent in enumerate(result):
        if not isinstance(consent, Consent):
            raise InputError(
                "expected a Consent", path=f"consents[{i}]", got=type(consent).__name__
            )
    return result


def check_on(rules: RuleSet, on: date) -> None:
    """``on`` is a date on which ``rules`` is in force."""
    if type(on) is not date:
        raise InputError("expected a datetime.date", path="on", got=on)
    if not rules.in_force(on):
        raise InputError(
            f"rule set {rules.id} is not in force on that date: choose the jurisdiction with "
            "jurisdiction(code, on=...)",
            path="on",
            got=str(on),
        )


def check_country(country: str) -> None:
    """An assigned ISO 3166-1 alpha-2 code."""
    if not isinstance(country, str) or country not in COUNTRIES:
        raise InputError(
            "expected an ISO 3166-1 alpha-2 country code", path="recipient_country", got=country
        )


def check_common(
    country: str, channel: str, document_kind: DocumentKind, address_known: bool
) -> None:
    """The arguments of every ``channel_decision``."""
    check_country(country)
    if not isinstance(channel, str) or not (
        channel in channel_kinds() or channel.startswith("other:")
    ):
        raise InputError(
            "expected a channel kind such as 'wechat' or 'email'", path="channel", got=channel
        )
    if not isinstance(document_kind, DocumentKind):
        raise InputError("expected a DocumentKind", path="document_kind", got=document_kind)
    if not isinstance(address_known, bool):
        raise InputError("expected a bool", path="address_known", got=address_known)


def kind_name(kind: str, kinds: Mapping[str, str]) -> str:
    """The canonical name of the period ``kind``."""
    if not isinstance(kind, str) or kind not in kinds:
        raise InputError(f"expected one of {', '.join(sorted(kinds))}", path="kind", got=kind)
    return kinds[kind]


def check_kinds(deadlines: Sequence[str], kinds: Mapping[str, str]) -> None:
    """Period names for a determination: known, each at most once."""
    if isinstance(deadlines, str) or not isinstance(deadlines, Sequence):
        raise InputError("expected a sequence of period names", path="deadlines", got=deadlines)
    for i, kind in enumerate(deadlines):
        if not isinstance(kind, str) or kind not in kinds:
            raise InputError(
                f"expected one of {', '.join(sorted(kinds))}", path=f"deadlines[{i}]", got=kind
            )
    if len({kinds[k] for k in deadlines}) != len(deadlines):
        raise InputError("expected each period at most once", path="deadlines", got=list(deadlines))


def period_name(days: int | None, hours: int | None, months: int | None) -> str:
    """``period of 15 days`` and the like."""
    for count, unit in ((days, "day"), (hours, "hour"), (months, "month")):
        if isinstance(count, int) and not isinstance(count, bool):
            return f"period of {count} {unit}{'s' if count != 1 else ''}"
    return "period"


def check_target(target: object) -> None:
    """An Address or a channel kind, as :meth:`Consent.covers` takes it."""
    if isinstance(target, (Address, ChannelKind)):
        return
    if not isinstance(target, str) or not (
        target in channel_kinds() or target.startswith("other:")
    ):
        raise InputError("expected an Address or a channel kind", path="target", got=target)

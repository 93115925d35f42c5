"""Electronic and postal addresses for service, the channel kinds they belong to, and
how each address was verified.

A channel kind is a plain string: one of the built-in kinds (:class:`ChannelKind`), a
kind an integrator added with :func:`register_channel_kind`, or ``other:<name>`` for a
channel the library knows nothing about. Each kind has its own handle check.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

import attrs

from legaldelivery.errors import InputError
from legaldelivery.records import _checks
from legaldelivery.records.sealed import Opening, Sealed, seal

__all__ = [
    "Address",
    "ChannelKind",
    "HandleCheck",
    "VerificationMethod",
    "channel_kinds",
    "register_channel_kind",
]


class ChannelKind(Enum):
    """The channel kinds the library knows; their values are the kind strings.

    .. versionadded:: 0.1.0
    """

    WECHAT = "wechat"
    """A WeChat account: an OpenID of the court's official account, or a WeChat ID."""
    EMAIL = "email"
    """An e-mail address (RFC 5322 addr-spec)."""
    SMS = "sms"
    """A mobile number in E.164 form."""
    PORTAL = "portal"
    """An account on a court's e-service platform or e-filing system."""
    POSTAL = "postal"
    """A postal address, as free text (used for fallback to mail)."""


class VerificationMethod(Enum):
    """How the court came to trust that an address reaches the party.

    .. versionadded:: 0.1.0
    """

    RECIPIENT_PROVIDED = "recipient_provided"
    """The party gave the address (for instance in a pleading, OLR Art 29(3))."""
    RECIPIENT_CONFIRMED = "recipient_confirmed"
    """The party confirmed the address, e.g. on the service-address form (Interp. Art 136)."""
    COURT_VERIFIED = "court_verified"
    """The court verified it itself (a test message answered, a call)."""
    PUBLIC_REGISTRY = "public_registry"
    """Taken from a public or official registry (company register, e-filing registration)."""
    PRIOR_SERVICE = "prior_service"
    """Used successfully for earlier service on the same party."""
    OTHER = "other"


HandleCheck = Callable[[str, str], None]
"""A handle check: ``check(handle, path)`` returns None or raises InputError."""

_E164 = re.compile(r"\+[1-9][0-9]{7,14}\Z", re.ASCII)
_OPENID = re.compile(r"[A-Za-z0-9_-]{28}\Z", re.ASCII)
_WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}\Z", re.ASCII)
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(
    rf"(?:{_ATEXT}(?:\.{_ATEXT})*|\"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*\")\Z"
)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(
    rf"{_LABEL}(?:\.{_LABEL})*\.[A-Za-z][A-Za-z0-9-]{{0,61}}[A-Za-z0-9]\Z", re.ASCII
)
_KIND_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z", re.ASCII)
_OTHER = re.compile(r"other:[a-z0-9][a-z0-9._-]{0,62}\Z", re.ASCII)


def _email(handle: str, path: str) -> None:
    """RFC 5322 addr-spec basics: dot-atom or quoted local part, a DNS host name."""
    expected = "expected an e-mail address local@domain (RFC 5322 addr-spec)"
    if len(handle) > 254 or handle.count("@") < 1:
        _checks.fail(path, expected, handle)
    local, _, domain = handle.rpartition("@")
    if not 0 < len(local) <= 64 or not _LOCAL.match(local) or not _DOMAIN.match(domain):
        _checks.fail(path, expected, handle)


def _e164(handle: str, path: str) -> None:
    if not _E164.match(handle):
        _checks.fail(path, "expected an E.164 number: '+' and 8 to 15 digits", handle)


def _wechat(handle: str, path: str) -> None:
    if not (_OPENID.match(handle) or _WECHAT_ID.match(handle)):
        _checks.fail(
            path,
            "expected a WeChat OpenID (28 of A-Z a-z 0-9 _ -) or a WeChat ID "
            "(6 to 20 characters, starting with a letter)",
            handle,
        )


_KINDS: dict[str, HandleCheck] = {
    ChannelKind.WECHAT.value: _wechat,
    ChannelKind.EMAIL.value: _email,
    ChannelKind.SMS.value: _e164,
    ChannelKind.PORTAL.value: _checks.identifier(),
    ChannelKind.POSTAL.value: _checks.text(1000),
}
_generic_handle = _checks.text(1000)


def register_channel_kind(name: str, check: HandleCheck | None = None) -> None:
    """Add a channel kind, with the check its handles must pass.

    ``name`` is lower case (``[a-z][a-z0-9_-]*``, at most 32 characters) and not yet
    known. ``check(handle, path)`` raises :class:`InputError` for a bad handle; without
    one, handles need only be text without control characters. Register at start-up,
    before records with the kind are built or decoded (auditors too).

    >>> from datetime import datetime, timezone
    >>> register_channel_kind("line-app")
    >>> Address(channel="line-app", handle="U4af4980629",
    ...         verification=VerificationMethod.RECIPIENT_PROVIDED,
    ...         verified_at=datetime(2026, 3, 2, tzinfo=timezone.utc)).channel
    'line-app'
    >>> register_channel_kind("line-app")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: name: channel kind is already registered (got 'line-app')

    .. versionadded:: 0.1.0
    """
    if not isinstance(name, str) or not _KIND_NAME.match(name):
        _checks.fail("name", "expected a lower-case channel kind name such as 'line'", name)
    if name in _KINDS:
        _checks.fail("name", "channel kind is already registered", name)
    if check is not None and not callable(check):
        _checks.fail("check", "expected a callable check(handle, path)", check)
    _KINDS[name] = _generic_handle if check is None else check


def channel_kinds() -> frozenset[str]:
    """The channel kinds known now: built-in and registered (``other:*`` not listed).

    >>> {"wechat", "email", "sms", "portal", "postal"} <= channel_kinds()
    True

    .. versionadded:: 0.1.0
    """
    return frozenset(_KINDS)


def _kind_value(value: ChannelKind | str) -> str:
    """Converter: a ChannelKind member becomes its kind string."""
    return value.value if isinstance(value, ChannelKind) else value


def check_channel(value: Any, path: str) -> None:
    """A known channel kind string, or ``other:<name>``."""
    if not isinstance(value, str) or not (value in _KINDS or _OTHER.match(value)):
        _checks.fail(
            path, "expected a known channel kind (e.g. 'wechat', 'email') or 'other:<name>'", value
        )


def _channel_accepts(value: Any) -> bool:
    return type(value) is str and (value in _KINDS or _OTHER.match(value) is not None)


def _channel_validator(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not _channel_accepts(value):
        check_channel(value, attribute.name)


_checks.quicken(check_channel, _channel_accepts, _channel_validator)


def _check_handle(instance: Address, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, Sealed):
        return
    if not isinstance(value, str):
        _checks.fail(attribute.name, "expected a string or a Sealed value", value)
    check = _KINDS.get(instance.channel, _generic_handle)
    try:
        check(value, attribute.name)
    except InputError:
        raise
    except Exception as exc:  # an integrator's check: its failure is still bad input
        raise InputError(
            f"rejected by the {instance.channel!r} handle check", path=attribute.name, got=value
        ) from exc


@attrs.frozen(kw_only=True)
class Address:
    """Where to serve: a channel kind, the handle on it, and how it was verified.

    The handle is personal data and may be :class:`Sealed`; seal a plain, checked
    address with :meth:`sealed` (a sealed handle cannot be checked any more).

    >>> from datetime import datetime, timezone
    >>> a = Address(channel=ChannelKind.SMS, handle="+923001234567",
    ...             verification=VerificationMethod.RECIPIENT_CONFIRMED,
    ...             verified_at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    >>> a.channel, a.destination
    ('sms', ('sms', '+923001234567'))
    >>> attrs.evolve(a, handle="0300 1234567")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: handle: expected an E.164 number: '+' and 8 to 15 digits ...

    .. versionadded:: 0.1.0
    """

    channel: str = attrs.field(converter=_kind_value, validator=_checks.on_field(check_channel))
    """The channel kind (a :class:`ChannelKind` member is accepted and stored as its string)."""
    handle: str | Sealed = attrs.field(validator=_check_handle)
    """The address on that channel, checked for its kind; plain or sealed."""
    verification: VerificationMethod = attrs.field(
        validator=_checks.on_field(_checks.member_of(VerificationMethod))
    )
    """How the court came to trust the address."""
    verified_at: datetime = attrs.field(
        converter=_checks.utc, validator=_checks.on_field(_checks.instant)
    )
    """When it was verified (aware; stored in UTC)."""

    @property
    def destination(self) -> tuple[str, str | Sealed]:
        """``(channel, handle)``: what makes two addresses the same place.

        A sealed handle equals only the same commitment, so a sealed and a plain form of
        one address are different destinations.
        """
        return (self.channel, self.handle)

    def sealed(self, *, salt: bytes | None = None) -> tuple[Address, Opening]:
        """This address with its plain (hence checked) handle sealed, and its opening.

        >>> from datetime import datetime, timezone
        >>> a = Address(channel="email", handle="li.wei@example.com",
        ...             verification=VerificationMethod.RECIPIENT_PROVIDED,
        ...             verified_at=datetime(2026, 3, 2, tzinfo=timezone.utc))
        >>> s, opening = a.sealed()
        >>> s.opened(opening) == a
        True
        """
        if isinstance(self.handle, Sealed):
            raise InputError("is already sealed", path="handle")
        commitment, opening = seal(self.handle, salt=salt)
        return attrs.evolve(self, handle=commitment), opening

    def opened(self, opening: Opening) -> Address:
        """This address with the sealed handle replaced by the value ``opening`` proves.

        Raises VerificationError when the opening does not match; InputError when the
        handle is not sealed or the opened value is not a valid handle for the channel.
        """
        if not isinstance(self.handle, Sealed):
            raise InputError("is not sealed: nothing to open", path="handle")
        self.handle.verify(opening)
        return attrs.evolve(self, handle=opening.value)

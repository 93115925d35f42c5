"""The key ring: which verifiers are trusted, from when, until when, and which are revoked.

A :class:`TrustedKey` is a verifier with its half-open validity window and revocation time;
a :class:`KeyRing` finds them by fingerprint and says whether a signature dated at a given
instant counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import cast

import attrs

from legaldelivery.errors import InputError, SignatureError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.keys._verifiers import Verifier


def _not_before(value: object) -> datetime | None:
    return None if value is None else to_utc(value, path="not_before")


def _not_after(value: object) -> datetime | None:
    return None if value is None else to_utc(value, path="not_after")


def _revoked_at(value: object) -> datetime | None:
    return None if value is None else to_utc(value, path="revoked_at")


def _is_verifier(instance: object, attribute: object, value: Verifier) -> None:
    # Typed for the attrs plugin; checked at run time, where anything can come in.
    if not isinstance(cast(object, value), Verifier):
        raise InputError("expected a Verifier", path="verifier", got=type(value).__name__)


def _shown(value: datetime | None, unbounded: str) -> str:
    return unbounded if value is None else format_instant(value)


@attrs.frozen(kw_only=True)
class TrustedKey:
    """A verifier with the window in which its signatures count, and its revocation.

    The window is half-open: a signature made at ``when`` counts if
    ``not_before <= when < not_after`` (``None`` leaves that side open), and the key is
    not revoked at or before ``when`` (``when < revoked_at``). Half-open windows make
    rotations seamless: the old key's ``not_after`` is the new key's ``not_before``, and
    at that instant only the new key counts.

    >>> from datetime import datetime, timezone
    >>> v = Verifier.from_vkey(
    ...     "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    ... )
    >>> key = TrustedKey(verifier=v, not_after=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> key.check_at(datetime(2026, 1, 1, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    legaldelivery.errors.SignatureError: key ... is expired:
    valid from (always) until 2026-01-01T00:00:00.000000Z; ...

    .. versionadded:: 0.1.0
    """

    verifier: Verifier = attrs.field(validator=_is_verifier)
    not_before: datetime | None = attrs.field(default=None, converter=_not_before)
    not_after: datetime | None = attrs.field(default=None, converter=_not_after)
    revoked_at: datetime | None = attrs.field(default=None, converter=_revoked_at)

    @not_after.validator
    def _check_window(self, attribute: object, value: datetime | None) -> None:
        if value is not None and self.not_before is not None and value <= self.not_before:
            raise InputError(
                f"must be later than not_before ({format_instant(self.not_before)})",
                path="not_after",
                got=format_instant(value),
            )

    @property
    def fingerprint(self) -> str:
        """The fingerprint of :attr:`verifier`."""
        return self.verifier.fingerprint

    def window(self) -> str:
        """The window and revocation, as text for messages."""
        text = (
            f"valid from {_shown(self.not_before, '(always)')} "
            f"until {_shown(self.not_after, '(no end)')}"
        )
        if self.revoked_at is not None:
            text += f", revoked at {format_instant(self.revoked_at)}"
        return text

    def check_at(self, when: datetime) -> None:
        """Return ``None`` if the key's signatures count at ``when``; raise otherwise.

        Raises :class:`~legaldelivery.errors.SignatureError` naming the fingerprint and
        the window; a naive ``when`` is an :class:`~legaldelivery.errors.InputError`.
        """
        at = to_utc(when, path="when")
        problem = None
        if self.revoked_at is not None and self.revoked_at <= at:
            problem = "revoked"
        elif self.not_before is not None and at < self.not_before:
            problem = "not yet valid"
        elif self.not_after is not None and at >= self.not_after:
            problem = "expired"
        if problem is not None:
            raise SignatureError(
                f"key {self.fingerprint} ({self.verifier.name}) is {problem}: "
                f"{self.window()}; the signature is dated {format_instant(at)}"
            )


class KeyRing:
    """Trusted verifiers with validity windows, looked up by fingerprint.

    Iterating yields the verifiers; ``in`` takes a fingerprint or a verifier. The log
    audit adds keys as it meets key rotations recorded in the log itself.

    >>> from datetime import datetime, timezone
    >>> v = Verifier.from_vkey(
    ...     "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    ... )
    >>> ring = KeyRing()
    >>> _ = ring.add(v, not_before=datetime(2025, 1, 1, tzinfo=timezone.utc))
    >>> v.fingerprint in ring, len(ring)
    (True, 1)
    >>> ring.verifier_at(v.fingerprint, datetime(2025, 6, 1, tzinfo=timezone.utc)) == v
    True
    >>> _ = ring.revoke(v.fingerprint, datetime(2025, 7, 1, tzinfo=timezone.utc))
    >>> ring.verifier_at(v.fingerprint, datetime(2025, 8, 1, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    legaldelivery.errors.SignatureError: key ... is revoked: ...

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_keys",)

    def __init__(self, keys: Iterable[Verifier | TrustedKey] = ()) -> None:
        self._keys: dict[str, TrustedKey] = {}
        for key in keys:
            self.add(key)

    def add(
        self,
        key: Verifier | TrustedKey,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> TrustedKey:
        """Trust ``key`` (a verifier, with an optional window, or a :class:`TrustedKey`).

        Adding a key already in the ring with the same name and window does nothing (a
        revocation time given with it is merged, the earlier one wins); with another name
        or window it is an :class:`~legaldelivery.errors.InputError`.
        """
        if isinstance(key, TrustedKey):
            if not_before is not None or not_after is not None:
                raise InputError(
                    "a TrustedKey carries its own window; pass not_before/not_after only "
                    "with a Verifier",
                    path="key",
                )
            entry = key
        elif isinstance(key, Verifier):
            entry = TrustedKey(verifier=key, not_before=not_before, not_after=not_after)
        else:
            raise InputError(
                "expected a Verifier or a TrustedKey", path="key", got=type(key).__name__
            )
        existing = self._keys.get(entry.fingerprint)
        if existing is None:
            self._keys[entry.fingerprint] = entry
            return entry
        if (existing.verifier, existing.not_before, existing.not_after) != (
            entry.verifier,
            entry.not_before,
            entry.not_after,
        ):
            raise InputError(
                f"key {entry.fingerprint} is already trusted as {existing.verifier.name!r}, "
                f"{existing.window()}; refusing {entry.verifier.name!r}, {entry.window()}",
                path="key",
            )
        if entry.revoked_at is not None:
            return self.revoke(entry.fingerprint, entry.revoked_at)
        return existing

    def revoke(self, fingerprint: str, at: datetime) -> TrustedKey:
        """Stop trusting the key's signatures dated at or after ``at``.

        Revoking again keeps the earlier time: a revocation is never undone.
        """
        existing = self[self._check_fingerprint(fingerprint)]
        when = to_utc(at, path="at")
        if existing.revoked_at is not None and existing.revoked_at <= when:
            return existing
        entry = attrs.evolve(existing, revoked_at=when)
        self._keys[fingerprint] = entry
        return entry

    def expire(self, fingerprint: str, at: datetime) -> TrustedKey:
        """End the key's window at ``at`` (exclusive), as a key rotation does.

        An earlier end already set is kept; an end at or before ``not_before`` is an
        :class:`~legaldelivery.errors.InputError`.
        """
        existing = self[self._check_fingerprint(fingerprint)]
        when = to_utc(at, path="at")
        if existing.not_after is not None and existing.not_after <= when:
            return existing
        entry = attrs.evolve(existing, not_after=when)
        self._keys[fingerprint] = entry
        return entry

    def verifier_at(self, fingerprint: str, when: datetime) -> Verifier:
        """The verifier of ``fingerprint`` if its signatures count at ``when``.

        Raises :class:`~legaldelivery.errors.SignatureError` for an unknown key, a key
        not yet valid, expired, or revoked at or before ``when``; the message names the
        fingerprint and the window.
        """
        at = to_utc(when, path="when")
        entry = self._keys.get(self._check_fingerprint(fingerprint))
        if entry is None:
            raise SignatureError(f"key {fingerprint} is not in the key ring")
        entry.check_at(at)
        return entry.verifier

    def verifiers_at(self, when: datetime) -> tuple[Verifier, ...]:
        """Every verifier whose signatures count at ``when``."""
        at = to_utc(when, path="when")
        found = []
        for entry in self._keys.values():
            try:
                entry.check_at(at)
            except SignatureError:
                continue
            found.append(entry.verifier)
        return tuple(found)

    def unrevoked(self) -> tuple[Verifier, ...]:
        """Every verifier not revoked: what an undated statement (a note) may be signed by.

        A note carries no time, so a key revoked because it leaked can no longer vouch
        for any note; an expired key still can (it signed before it expired, or the
        checkpoint it signed is checked against the log anyway).
        """
        return tuple(e.verifier for e in self._keys.values() if e.revoked_at is None)

    def revoked(self) -> tuple[TrustedKey, ...]:
        """The revoked keys."""
        return tuple(e for e in self._keys.values() if e.revoked_at is not None)

    def __getitem__(self, fingerprint: str) -> TrustedKey:
        """The key with ``fingerprint`` and its window; an unknown one is an ``InputError``."""
        entry = self._keys.get(fingerprint)
        if entry is None:
            raise InputError("no such key in the key ring", path="fingerprint", got=fingerprint)
        return entry

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Verifier):
            entry = self._keys.get(item.fingerprint)
            return entry is not None and entry.verifier == item
        return isinstance(item, str) and item in self._keys

    def __iter__(self) -> Iterator[Verifier]:
        return iter([entry.verifier for entry in self._keys.values()])

    def __len__(self) -> int:
        return len(self._keys)

    def entries(self) -> tuple[TrustedKey, ...]:
        """Every key with its window, in the order added."""
        return tuple(self._keys.values())

    def __repr__(self) -> str:
        return f"KeyRing({list(self._keys.values())!r})"

    @staticmethod
    def _check_fingerprint(fingerprint: object) -> str:
        if not isinstance(fingerprint, str):
            raise InputError("expected a fingerprint (str)", path="fingerprint", got=fingerprint)
        return fingerprint

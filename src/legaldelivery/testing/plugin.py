"""The pytest plugin of ``legaldelivery[testing]``: fixtures for tests of code built on
the library (a signed evidence log on disk, a court's key, a clock that only moves when
told, a scriptable channel, the sample order).

Installed with the extra it is active in every pytest run (entry point ``pytest11``);
without it, name it with ``-p legaldelivery.testing.plugin``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from legaldelivery.channels import MemoryChannel
from legaldelivery.errors import InputError
from legaldelivery.instants import to_utc
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import DeliveryOrder
from legaldelivery.testing.fakes import sample_order as _sample_order

__all__ = [
    "FROZEN_AT",
    "TEST_ORIGIN",
    "FrozenClock",
    "court_signer",
    "evidence_log",
    "frozen_clock",
    "memory_channel",
    "sample_order",
]

TEST_ORIGIN = "court.example/test-log"
"""The origin of the :func:`evidence_log` fixture's log, and the name of its key."""

FROZEN_AT = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
"""Where :func:`frozen_clock` starts: 09:00 on 2 March 2026 in Donggang."""


class FrozenClock:
    """A clock that stands still until moved: call it for the time.

    >>> clock = FrozenClock(FROZEN_AT)
    >>> clock.advance(timedelta(hours=1))
    >>> clock().isoformat()
    '2026-03-02T02:00:00+00:00'

    .. versionadded:: 0.1.0
    """

    def __init__(self, start: datetime = FROZEN_AT) -> None:
        self._now = to_utc(start, path="start")

    def __call__(self) -> datetime:
        """The current (frozen) instant, in UTC."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta`` (never backwards: a log's times do not go back)."""
        if not isinstance(delta, timedelta) or delta < timedelta(0):
            raise InputError("expected a timedelta of zero or more", path="delta", got=delta)
        self._now += delta

    def set(self, when: datetime) -> None:
        """Move to ``when`` (an aware datetime not before the current time)."""
        target = to_utc(when, path="when")
        if target < self._now:
            raise InputError("the clock does not go back", path="when", got=when)
        self._now = target


@pytest.fixture
def frozen_clock() -> FrozenClock:
    """A :class:`FrozenClock` at :data:`FROZEN_AT`, moved only by the test.

    .. versionadded:: 0.1.0
    """
    return FrozenClock()


@pytest.fixture(scope="session")
def court_signer() -> Ed25519Signer:
    """A fresh Ed25519 key named :data:`TEST_ORIGIN` (one per test session).

    .. versionadded:: 0.1.0
    """
    return Ed25519Signer.generate(TEST_ORIGIN)


@pytest.fixture
def evidence_log(
    tmp_path: Path, court_signer: Ed25519Signer, frozen_clock: FrozenClock
) -> Iterator[EvidenceLog]:
    """An empty SQLite evidence log in the test's temporary directory, signed by
    ``court_signer`` and timed by ``frozen_clock``; closed after the test.

    .. versionadded:: 0.1.0
    """
    log = EvidenceLog.create(
        tmp_path / "evidence.sqlite", origin=TEST_ORIGIN, signer=court_signer, clock=frozen_clock
    )
    try:
        yield log
    finally:
        log.close()


@pytest.fixture
def memory_channel(frozen_clock: FrozenClock) -> MemoryChannel:
    """A WeChat :class:`~legaldelivery.channels.MemoryChannel` on ``frozen_clock``: each
    message arrives a second after it is sent.

    .. versionadded:: 0.1.0
    """
    return MemoryChannel("wechat", clock=frozen_clock)


@pytest.fixture
def sample_order() -> DeliveryOrder:
    """The sample order of :mod:`legaldelivery.testing.fakes` (WeChat, to Pakistan).

    .. versionadded:: 0.1.0
    """
    return _sample_order()

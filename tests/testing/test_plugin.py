"""The pytest plugin's fixtures, seen from a test suite that uses them (pytester), and
the Hypothesis hook that lets ``st.from_type`` build the library's records."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from importlib.metadata import entry_points

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError
from legaldelivery.records import DeliveryOrder, Digest, EvidenceEvent
from legaldelivery.testing.plugin import FROZEN_AT, FrozenClock
from legaldelivery.testing.strategies import _hypothesis_setup_hook, record_strategies

pytest_plugins = ["pytester"]

PLUGIN = "legaldelivery.testing.plugin"


def plugin_args() -> list[str]:
    """``-p`` the plugin unless the installed entry point already loads it."""
    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    # The plugin module is already imported by this process: too late to rewrite asserts.
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning", "-p", "no:cacheprovider"]
    return quiet + ([] if installed else ["-p", PLUGIN])


USER_TESTS = """
from datetime import datetime, timedelta, timezone

from legaldelivery import audit_log
from legaldelivery.channels import Attachment, Envelope, MemoryChannel, notice_text
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_records


def test_log(evidence_log, court_signer, frozen_clock):
    for record in sample_records():
        evidence_log.append(record)
        frozen_clock.advance(timedelta(minutes=1))
    assert evidence_log.size == len(sample_records())
    assert evidence_log.entry(1).time == datetime(2026, 3, 2, 1, 1, tzinfo=timezone.utc)
    assert audit_log(evidence_log, trusted=[court_signer.verifier]).ok


def test_channel(memory_channel, sample_order, frozen_clock):
    assert isinstance(memory_channel, MemoryChannel)
    envelope = Envelope(
        envelope_id="e-1", order=sample_order, address=sample_order.channels[0],
        contents=[Attachment(document=d, data=SAMPLE_DOCUMENTS[d.document_id])
                  for d in sample_order.documents],
        notice=notice_text(sample_order), attempt=1,
    )
    dispatch = memory_channel.send(envelope)
    assert dispatch.accepted_at == frozen_clock()
    frozen_clock.advance(timedelta(seconds=1))
    assert [type(r).__name__ for r in memory_channel.due(frozen_clock())] == ["Arrived"]


def test_each_test_has_its_own_log(evidence_log, tmp_path):
    assert evidence_log.size == 0
    assert (tmp_path / "evidence.sqlite").exists()
"""


def test_fixtures_work_in_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest(*plugin_args())
    result.assert_outcomes(passed=3)


def test_a_failing_users_test_still_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="def test_log(evidence_log):\n    assert evidence_log.size == 1\n"
    )
    result = pytester.runpytest(*plugin_args())
    result.assert_outcomes(failed=1)


def test_the_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*plugin_args(), "--fixtures")
    for name in ("evidence_log", "court_signer", "frozen_clock", "memory_channel", "sample_order"):
        result.stdout.fnmatch_lines([f"{name}*"])


def test_the_frozen_clock_moves_only_forward() -> None:
    clock = FrozenClock()
    assert clock() == FROZEN_AT
    clock.advance(timedelta(0))
    clock.set(FROZEN_AT + timedelta(days=1))
    assert clock() == FROZEN_AT + timedelta(days=1)
    with pytest.raises(InputError, match="delta"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(InputError, match="go back"):
        clock.set(FROZEN_AT)


@pytest.fixture(scope="module")
def registered() -> None:
    _hypothesis_setup_hook()


@pytest.mark.usefixtures("registered")
@settings(max_examples=10, deadline=None)
@given(st.data())
def test_the_hook_makes_from_type_build_records(data: st.DataObject) -> None:
    order = data.draw(st.from_type(DeliveryOrder))
    assert isinstance(order, DeliveryOrder)
    assert order.sender.party_id != order.recipient.party_id
    assert isinstance(data.draw(st.from_type(EvidenceEvent)), EvidenceEvent)
    assert isinstance(data.draw(st.from_type(Digest)), Digest)


@pytest.mark.usefixtures("registered")
def test_the_hook_registers_every_record_type() -> None:
    from hypothesis.strategies._internal.types import _global_type_lookup

    assert set(record_strategies()) <= set(_global_type_lookup)


@pytest.mark.parametrize(
    "first",
    ["import hypothesis", "import legaldelivery.testing.strategies"],
    ids=["hypothesis-first", "strategies-first"],
)
def test_from_type_works_whichever_is_imported_first(first: str) -> None:
    # A fresh interpreter: the order of the first imports is what is under test.
    program = (
        f"{first}\n"
        "from hypothesis import strategies as st\n"
        "from legaldelivery.records import DeliveryOrder\n"
        "assert isinstance(st.from_type(DeliveryOrder).example(), DeliveryOrder)\n"
        "print('built')\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", program],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "built"


def test_the_entry_point_names_the_hook_module() -> None:
    (hook,) = [ep for ep in entry_points(group="hypothesis") if ep.name == "legaldelivery"]
    assert hook.value == "legaldelivery.testing._hypothesis:setup_hook"

"""Acceptance of issue 8: an integrator's channel in its own package passes the contract,
and deliberately broken variants of it (wrong grade, non-idempotent callbacks, untyped
errors) are caught by it."""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from legaldelivery.testing.contract import ContractViolation

HERE = Path(__file__).resolve().parent
SETTINGS = settings(
    max_examples=20,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@pytest.fixture(scope="module")
def acme() -> Iterator[ModuleType]:
    """The sample package ``acme_sms``, imported as a user's package would be."""
    sys.path.insert(0, str(HERE))
    try:
        yield importlib.import_module("acme_sms.contract")
    finally:
        sys.path.remove(str(HERE))
        for name in [n for n in sys.modules if n == "acme_sms" or n.startswith("acme_sms.")]:
            del sys.modules[name]


def _plain(cls: type[Any]) -> None:
    suite = cls()
    for name in sorted(n for n in dir(suite) if n.startswith("test_")):
        getattr(suite, name)()


def test_the_integrator_channel_passes_the_contract(acme: ModuleType) -> None:
    run_state_machine_as_test(acme.AcmeContract, settings=SETTINGS)
    _plain(acme.AcmeContractTests)


def test_the_sample_package_uses_public_names_only() -> None:
    imported: list[tuple[str, str]] = []
    for module in ("contract.py", "channel.py"):
        tree = ast.parse((HERE / "acme_sms" / module).read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("legaldelivery"):
                imported += [(node.module or "", alias.name) for alias in node.names]
    assert ("legaldelivery.testing.contract", "ChannelContract") in imported
    for module, name in imported:
        assert not any(part.startswith("_") for part in [*module.split("."), name]), name


@pytest.mark.parametrize(
    ("parser", "rule"),
    [
        ("parse_webhook_wrong_grade", "the right grade"),
        ("parse_webhook_not_idempotent", "repeated callbacks are idempotent"),
    ],
)
def test_a_broken_variant_is_caught(acme: ModuleType, parser: str, rule: str) -> None:
    broken_parser = staticmethod(getattr(sys.modules["acme_sms.channel"], parser))
    machine = type("Broken", (acme.AcmeContract,), {"parser": broken_parser})
    # Only finding the violation matters here: shrinking it would just take time.
    quick = settings(SETTINGS, phases=[Phase.generate], report_multiple_bugs=False)
    with pytest.raises(ContractViolation, match=rule):
        run_state_machine_as_test(machine, settings=quick)
    plain = type("BrokenPlain", (acme.AcmeContractTests,), {"parser": broken_parser})
    with pytest.raises(ContractViolation, match=rule):
        _plain(plain)


def test_claiming_evidence_beyond_the_capabilities_is_caught(acme: ModuleType) -> None:
    from legaldelivery.channels import ChannelCapabilities

    channel_module = sys.modules["acme_sms.channel"]

    class Modest(channel_module.AcmeSmsChannel):  # type: ignore[name-defined,misc]
        @property
        def capabilities(self) -> ChannelCapabilities:
            return ChannelCapabilities(evidence=set())

    class Claims(acme.AcmeContractTests):  # type: ignore[name-defined,misc]
        def create_channel(self) -> Any:
            return Modest(channel_module.AcmeProvider(), clock=lambda: acme.NOW)

    with pytest.raises(ContractViolation, match="beyond the capabilities"):
        Claims().test_callbacks_map_to_evidence_with_the_right_grade()


@pytest.mark.parametrize("permanent", [True, False])
def test_untyped_or_mistyped_errors_are_caught(acme: ModuleType, permanent: bool) -> None:
    channel_module = sys.modules["acme_sms.channel"]

    class Leaky(channel_module.AcmeSmsChannel):  # type: ignore[name-defined,misc]
        def send(self, envelope: Any) -> Any:
            try:
                return super().send(envelope)
            except Exception as exc:
                if permanent:
                    raise RuntimeError("provider error") from exc  # not a channel error
                raise channel_module.PermanentChannelError("always permanent") from exc

    class Untyped(acme.AcmeContractTests):  # type: ignore[name-defined,misc]
        def failing_channel(self, channel: Any, *, permanent: bool) -> Any:
            return Leaky(
                channel_module.AcmeProvider(refuse_with=404 if permanent else 503),
                clock=lambda: acme.NOW,
            )

    with pytest.raises(ContractViolation, match="errors are typed"):
        Untyped().test_failures_are_typed()

"""Acme's contract run: how the integrator wires its channel into the library's contract."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from legaldelivery.channels import (
    Arrived,
    Bounced,
    Channel,
    ChannelReport,
    Dispatch,
    Envelope,
    Failed,
)
from legaldelivery.testing.contract import (
    ChannelContract,
    ChannelContractTests,
    ProviderCallback,
)

from .channel import AcmeProvider, AcmeSmsChannel, parse_webhook

NOW = datetime(2026, 3, 2, 1, 2, tzinfo=timezone.utc)
MEANS = {"delivered": Arrived, "retrying": Failed, "undeliverable": Bounced}


class AcmeHooks:
    parser: Callable[[bytes], list[ChannelReport]] = staticmethod(parse_webhook)

    def create_channel(self) -> Channel:
        return AcmeSmsChannel(AcmeProvider(), clock=lambda: NOW)

    def provider_callbacks(
        self, channel: Channel, envelope: Envelope, dispatch: Dispatch
    ) -> Sequence[ProviderCallback]:
        assert isinstance(channel, AcmeSmsChannel)
        hooks = channel.provider.webhooks(dispatch.provider_message_id)
        return [ProviderCallback(payload=p, means=MEANS[s]) for s, p in hooks.items()]

    def parse_callback(self, channel: Channel, payload: bytes) -> Sequence[ChannelReport]:
        return type(self).parser(payload)

    def failing_channel(self, channel: Channel, *, permanent: bool) -> Channel | None:
        return AcmeSmsChannel(
            AcmeProvider(refuse_with=404 if permanent else 503), clock=lambda: NOW
        )


class AcmeContract(AcmeHooks, ChannelContract):
    """The state-machine contract for Acme SMS."""


class AcmeContractTests(AcmeHooks, ChannelContractTests):
    """The plain contract for Acme SMS (collected by the test module that imports it)."""

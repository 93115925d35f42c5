"""The channel contract: checks an integrator runs against their own channel.

Subclass :class:`ChannelContract` (a Hypothesis state machine) or
:class:`ChannelContractTests` (plain pytest tests on one example) and say how to make the
channel, what its provider's callbacks look like and how the host parses them. The
contract then checks that a send returns a dispatch with a provider id; that every
report maps to valid evidence with the right grade; that failures are typed permanent or
transient; that a callback delivered twice is the same evidence; and that no evidence is
claimed beyond the channel's capabilities. A broken channel fails with
:class:`ContractViolation`.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, rule
from hypothesis.strategies import SearchStrategy

from legaldelivery import codec
from legaldelivery.channels.base import (
    Arrived,
    Attachment,
    Bounced,
    Channel,
    ChannelCapabilities,
    ChannelError,
    ChannelReport,
    Dispatch,
    Envelope,
    Failed,
    Filed,
    PermanentChannelError,
    Read,
    Replied,
    TransientChannelError,
    notice_text,
)
from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.records import (
    Address,
    DeliveryOrder,
    Document,
    DocumentKind,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    SourceKind,
    VerificationMethod,
)
from legaldelivery.service.evidence import dispatch_record, evidence_for
from legaldelivery.service.process import SERVICE_SOURCE, OrderState, Send, fold
from legaldelivery.testing import strategies
from legaldelivery.testing.fakes import SAMPLE_DOCUMENTS, sample_order

__all__ = [
    "EXPECTED_GRADES",
    "ChannelContract",
    "ChannelContractTests",
    "ContractViolation",
    "ProviderCallback",
]

EXPECTED_GRADES: dict[type[ChannelReport], EvidenceGrade | None] = {
    Arrived: EvidenceGrade.ARRIVAL,
    Read: EvidenceGrade.SYSTEM_READ,
    Replied: EvidenceGrade.HUMAN_ACTION,
    Filed: EvidenceGrade.HUMAN_ACTION,
    Failed: None,
    Bounced: None,
}
"""The grade of receipt each kind of report is evidence of (None: no receipt)."""


class ContractViolation(AssertionError):  # noqa: N818  # a test failure, like AssertionError
    """The channel under test broke the contract; the message says which rule and how.

    .. versionadded:: 0.1.0
    """


@attrs.frozen(kw_only=True)
class ProviderCallback:
    """One callback the provider would send about a message, and what it means.

    ``payload`` is the raw body as the host receives it; ``means`` is the kind of report
    a correct parser makes of it (a delivery receipt means :class:`Arrived`).

    >>> ProviderCallback(payload=b'{"status":"delivered"}', means=Arrived).means.__name__
    'Arrived'

    .. versionadded:: 0.1.0
    """

    payload: bytes = attrs.field()
    """The raw callback."""
    means: type[ChannelReport] = attrs.field()
    """The report kind it stands for."""

    @payload.validator
    def _check_payload(self, _attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is not bytes:
            raise InputError("expected the raw callback as bytes", path="payload", got=value)

    @means.validator
    def _check_means(self, _attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in EXPECTED_GRADES:
            raise InputError(
                "expected Arrived, Read, Replied, Filed, Failed or Bounced", path="means", got=value
            )


_FIXED_HANDLES = {
    "wechat": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
    "email": "li.wei@example.com",
    "sms": "+8613800138000",
    "portal": "defendant-1",
    "postal": "1 Court Road\nDonggang",
}


def _violation(rule: str, detail: str) -> ContractViolation:
    return ContractViolation(f"{rule}: {detail}")


class _Hooks:
    """What a subclass provides, and the checks both contract forms share."""

    def create_channel(self) -> Channel:
        """A fresh channel under test, with a working provider."""
        raise NotImplementedError("override create_channel() to return the channel under test")

    def provider_callbacks(
        self, channel: Channel, envelope: Envelope, dispatch: Dispatch
    ) -> Sequence[ProviderCallback]:
        """The callbacks the provider would send about this accepted message."""
        raise NotImplementedError("override provider_callbacks() to simulate the provider")

    def parse_callback(self, channel: Channel, payload: bytes) -> Sequence[ChannelReport]:
        """The host's parsing of one raw callback into reports."""
        raise NotImplementedError("override parse_callback() with the host's parser")

    def failing_channel(self, channel: Channel, *, permanent: bool) -> Channel | None:
        """A channel whose provider refuses the next send, permanently or not.

        Default None: the failure rules are skipped.
        """
        return None

    def handles(self, kind: str) -> SearchStrategy[str]:
        """Recipient handles the channel can send to (default: valid handles of ``kind``)."""
        return strategies.handles(kind)

    def example_handle(self, kind: str) -> str:
        """One handle for the plain tests (default: a fixed handle of a built-in kind)."""
        try:
            return _FIXED_HANDLES[kind]
        except KeyError:
            raise NotImplementedError(f"override example_handle() for kind {kind!r}") from None

    # -- the checks ----------------------------------------------------------------------

    def _dispatched(self, channel: Channel, envelope: Envelope) -> tuple[Dispatch, OrderState]:
        try:
            dispatch = channel.send(envelope)
        except ChannelError as exc:
            raise _violation(
                "a send returns a dispatch",
                f"the working provider refused the message: {exc!r}",
            ) from exc
        if not isinstance(dispatch, Dispatch):
            raise _violation(
                "a send returns a dispatch", f"send() returned {type(dispatch).__name__}"
            )
        order = envelope.order
        acceptance = EvidenceEvent(
            event_id="contract/submission",
            kind=EventKind.SUBMISSION_ACCEPTANCE,
            order_id=order.order_id,
            sender_id=order.sender.party_id,
            recipient_id=order.recipient.party_id,
            event_time=dispatch.accepted_at,
            source=SERVICE_SOURCE,
            parts=[DocumentPart.of(d) for d in order.documents],
            submission_time=dispatch.accepted_at,
        )
        state = fold(order.order_id, [order, acceptance])
        send = Send(
            order_id=order.order_id,
            channel_index=order.channels.index(envelope.address),
            address=envelope.address,
            attempt=envelope.attempt,
            event_id=f"contract/send/{envelope.envelope_id}",
        )
        state = fold(order.order_id, [order, acceptance, dispatch_record(state, send, dispatch)])
        return dispatch, state

    def _evidence(
        self, channel: Channel, state: OrderState, dispatch: Dispatch, callback: ProviderCallback
    ) -> list[object]:
        reports = list(self.parse_callback(channel, callback.payload))
        if not reports:
            raise _violation(
                "every report maps to evidence",
                f"the {callback.means.__name__} callback was parsed into no report",
            )
        source = EventSource(kind=SourceKind.PROVIDER, source_id=channel.source_id)
        made: list[object] = []
        capabilities = channel.capabilities
        for report in reports:
            if not isinstance(report, ChannelReport):
                raise _violation(
                    "every report maps to evidence",
                    f"the parser returned a {type(report).__name__}, not a ChannelReport",
                )
            if report.provider_message_id != dispatch.provider_message_id:
                raise _violation(
                    "every report maps to evidence",
                    f"a report names message {report.provider_message_id!r}, the dispatch "
                    f"{dispatch.provider_message_id!r}",
                )
            if type(report) is not callback.means:
                raise _violation(
                    "the right grade",
                    f"the {callback.means.__name__} callback was parsed as {type(report).__name__}"
                    f" (grade {_name(EXPECTED_GRADES.get(type(report)))}, expected "
                    f"{_name(EXPECTED_GRADES[callback.means])})",
                )
            try:
                record = evidence_for(state, report, source=source)
                decoded = codec.decode(codec.encode(record))
            except LegalDeliveryError as exc:
                raise _violation(
                    "every report maps to evidence", f"{type(report).__name__}: {exc}"
                ) from exc
            if decoded != record:
                raise _violation("every report maps to evidence", "the record does not round-trip")
            grade = _grade_of(record)
            if grade is not None and grade not in capabilities.evidence:
                raise _violation(
                    "no evidence beyond the capabilities",
                    f"a {type(report).__name__} claims grade {grade.value}, the channel's "
                    f"capabilities allow {sorted(g.value for g in capabilities.evidence)}",
                )
            made.append(record)
        return made

    def _check_repeat(
        self,
        channel: Channel,
        state: OrderState,
        dispatch: Dispatch,
        callback: ProviderCallback,
        first: list[object],
    ) -> None:
        again = self._evidence(channel, state, dispatch, callback)
        if again != first:
            raise _violation(
                "repeated callbacks are idempotent",
                f"the same {callback.means.__name__} callback delivered twice gave different "
                "evidence (event ids "
                f"{[getattr(r, 'event_id', None) for r in first]} then "
                f"{[getattr(r, 'event_id', None) for r in again]})",
            )

    def _check_failure(self, channel: Channel, envelope: Envelope, *, permanent: bool) -> None:
        failing = self.failing_channel(channel, permanent=permanent)
        if failing is None:
            return
        expected = PermanentChannelError if permanent else TransientChannelError
        try:
            failing.send(envelope)
        except expected as exc:
            if exc.permanent is not permanent:
                raise _violation(
                    "errors are typed", f"{exc!r} says permanent={exc.permanent}"
                ) from exc
            return
        except Exception as exc:
            raise _violation(
                "errors are typed",
                f"a {'permanent' if permanent else 'transient'} refusal raised {exc!r}, "
                f"expected a {expected.__name__}",
            ) from exc
        raise _violation("errors are typed", "the refusing provider's send returned normally")

    def _check_channel(self, channel: Channel) -> None:
        if not isinstance(channel, Channel):
            raise _violation("a channel", f"create_channel() returned {type(channel).__name__}")
        if not isinstance(channel.capabilities, ChannelCapabilities):
            raise _violation("a channel", "capabilities is not a ChannelCapabilities")
        if not isinstance(channel.kind, str) or not isinstance(channel.source_id, str):
            raise _violation("a channel", "kind and source_id must be strings")


def _name(grade: EvidenceGrade | None) -> str:
    return "none" if grade is None else grade.value


def _grade_of(record: object) -> EvidenceGrade | None:
    if isinstance(record, EvidenceEvent):
        return record.grade
    return EvidenceGrade.HUMAN_ACTION  # replies and filings are the recipient's own acts


def _envelope(order: DeliveryOrder, address: Address, data: Sequence[bytes], n: int) -> Envelope:
    documents = [
        Document.from_bytes(
            blob,
            document_id=f"doc-{i}",
            kind=DocumentKind.SUMMONS if i == 0 else DocumentKind.EVIDENCE,
            title=f"Document {i}",
            media_type="application/pdf",
        )
        for i, blob in enumerate(data)
    ]
    order = attrs.evolve(order, documents=tuple(documents), channels=(address,))
    return Envelope(
        envelope_id=f"contract-envelope-{n}",
        order=order,
        address=address,
        contents=[Attachment(document=d, data=b) for d, b in zip(documents, data, strict=True)],
        notice=notice_text(order),
        attempt=1,
    )


class ChannelContract(RuleBasedStateMachine, _Hooks):
    """The contract as a Hypothesis state machine: sends, callbacks, repeats and failures.

    Override :meth:`create_channel`, :meth:`provider_callbacks` and :meth:`parse_callback`
    (and :meth:`failing_channel` to check failures, :meth:`handles` for a kind the library
    does not know); then collect ``YourContract.TestCase``. Each run draws orders and
    documents, sends them, delivers the provider's callbacks in any order and any number of
    times, and checks every rule on every step.

    >>> from legaldelivery.channels import MemoryChannel
    >>> class Incomplete(ChannelContract):
    ...     pass
    >>> Incomplete().create_channel()
    Traceback (most recent call last):
    ...
    NotImplementedError: override create_channel() to return the channel under test

    .. versionadded:: 0.1.0
    """

    messages = Bundle("messages")

    def __init__(self) -> None:
        super().__init__()
        self._sends = 0
        self._seen: dict[tuple[str, bytes], list[object]] = {}

    @initialize()
    def make_channel(self) -> None:
        """Create the channel under test."""
        self.channel = self.create_channel()
        self._check_channel(self.channel)

    @rule(target=messages, data=st.data())
    def send(self, data: st.DataObject) -> Any:
        """Send a drawn order's documents; the provider must accept and name the message."""
        kind = self.channel.kind
        order = data.draw(strategies.delivery_orders(), label="order")
        handle = data.draw(self.handles(kind), label="handle")
        address = Address(
            channel=kind,
            handle=handle,
            verification=VerificationMethod.RECIPIENT_CONFIRMED,
            verified_at=order.created_at,
        )
        blobs = data.draw(
            st.lists(st.binary(min_size=1, max_size=64), min_size=1, max_size=3), label="docs"
        )
        self._sends += 1
        envelope = _envelope(order, address, blobs, self._sends)
        dispatch, state = self._dispatched(self.channel, envelope)
        return (envelope, dispatch, state)

    @rule(message=messages, data=st.data())
    def callback(self, message: Any, data: st.DataObject) -> None:
        """Deliver one of the provider's callbacks (perhaps again): check its evidence."""
        envelope, dispatch, state = message
        callbacks = list(self.provider_callbacks(self.channel, envelope, dispatch))
        if not callbacks:
            return
        chosen = data.draw(st.sampled_from(callbacks), label="callback")
        key = (dispatch.provider_message_id, chosen.payload)
        if key in self._seen:
            self._check_repeat(self.channel, state, dispatch, chosen, self._seen[key])
        else:
            self._seen[key] = self._evidence(self.channel, state, dispatch, chosen)

    @rule(message=messages, permanent=st.booleans())
    def refused(self, message: Any, permanent: bool) -> None:
        """A refusing provider makes the channel raise a typed channel error."""
        self._check_failure(self.channel, message[0], permanent=permanent)


class ChannelContractTests(_Hooks):
    """The contract as plain pytest tests on one fixed example, for simple cases.

    Subclass it as ``TestMyChannel(ChannelContractTests)`` and override the same hooks as
    for :class:`ChannelContract` (``example_handle`` for a kind the library does not know).

    >>> sorted(n for n in dir(ChannelContractTests) if n.startswith("test_"))
    ... # doctest: +NORMALIZE_WHITESPACE
    ['test_callbacks_map_to_evidence_with_the_right_grade', 'test_failures_are_typed',
     'test_repeated_callbacks_are_idempotent', 'test_send_returns_a_dispatch']

    .. versionadded:: 0.1.0
    """

    def example_envelope(self, channel: Channel) -> Envelope:
        """The sample order's documents, for :meth:`example_handle` on the channel's kind."""
        order = sample_order()
        address = attrs.evolve(
            order.channels[0], channel=channel.kind, handle=self.example_handle(channel.kind)
        )
        return _envelope(
            order, address, [SAMPLE_DOCUMENTS[d.document_id] for d in order.documents], 1
        )

    def _sent(self) -> tuple[Channel, Envelope, Dispatch, OrderState]:
        channel = self.create_channel()
        self._check_channel(channel)
        envelope = self.example_envelope(channel)
        dispatch, state = self._dispatched(channel, envelope)
        return channel, envelope, dispatch, state

    def test_send_returns_a_dispatch(self) -> None:
        """A send to a working provider returns a dispatch naming the message."""
        self._sent()

    def test_callbacks_map_to_evidence_with_the_right_grade(self) -> None:
        """Every callback parses into valid evidence, of its grade, within the capabilities."""
        channel, envelope, dispatch, state = self._sent()
        for callback in self.provider_callbacks(channel, envelope, dispatch):
            self._evidence(channel, state, dispatch, callback)

    def test_repeated_callbacks_are_idempotent(self) -> None:
        """Each callback delivered twice is the same evidence."""
        channel, envelope, dispatch, state = self._sent()
        for callback in self.provider_callbacks(channel, envelope, dispatch):
            first = self._evidence(channel, state, dispatch, callback)
            self._check_repeat(channel, state, dispatch, callback, first)

    def test_failures_are_typed(self) -> None:
        """Refusals raise PermanentChannelError or TransientChannelError, as they are."""
        channel = self.create_channel()
        envelope = self.example_envelope(channel)
        for permanent in (True, False):
            self._check_failure(channel, envelope, permanent=permanent)

"""The pure process: its transition table, the fold of records, and the decisions."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import rules as jurisdictions
from legaldelivery.channels import (
    Arrived,
    Bounced,
    Dispatch,
    Failed,
    Filed,
    PermanentChannelError,
    Read,
    Replied,
    TransientChannelError,
    reason,
)
from legaldelivery.errors import InputError
from legaldelivery.records import (
    ConsentGround,
    ConsentRecorded,
    Digest,
    DocumentKind,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    Fallback,
    FallbackMethod,
    InboundFiling,
    RecipientReply,
    ReplyAct,
    ServiceDetermination,
    SourceKind,
    VerificationMethod,
)
from legaldelivery.rules import Outcome
from legaldelivery.service import (
    SERVICE_SOURCE,
    TRANSITIONS,
    AssessSubmission,
    ChannelPhase,
    CheckAt,
    Conclude,
    DeliveryPolicy,
    FallBack,
    OrderState,
    Phase,
    Redetermine,
    Send,
    Trigger,
    apply,
    assess_submission,
    decide,
    dispatch_record,
    evidence_for,
    fold,
    response_periods,
    send_failure_record,
)
from legaldelivery.testing.fakes import sample_records

PROVIDER = EventSource(kind=SourceKind.PROVIDER, source_id="memory:wechat")
POLICY = DeliveryPolicy(first_backoff=timedelta(minutes=1), max_attempts=3)


class Run:
    """A hand-driven order: the test plays the driver, step by step."""

    def __init__(self, kit: SimpleNamespace, kinds: tuple[str, ...] = ("wechat",), **rules: Any):
        self.kit = kit
        self.order = kit.make_order(kinds)
        self.rules = kit.ToyRules(**rules)
        self.now = kit.T0
        self.state = OrderState.initial(self.order.order_id)
        self.messages = 0

    def feed(self, record: object) -> OrderState:
        self.state = apply(self.state, record)
        return self.state

    def decide(self, policy: DeliveryPolicy = POLICY) -> tuple[Any, ...]:
        return decide(self.state, now=self.now, rules=self.rules, policy=policy)

    def submit(self) -> OrderState:
        self.feed(self.order)
        (command,) = self.decide()
        assert isinstance(command, AssessSubmission)
        return self.feed(
            assess_submission(self.order, self.rules, [self.kit.make_consent()], at=self.now)
        )

    def sends(self, policy: DeliveryPolicy = POLICY) -> list[Send]:
        return [c for c in self.decide(policy) if isinstance(c, Send)]

    def dispatch(self, send: Send, at: datetime | None = None) -> str:
        self.messages += 1
        message_id = f"m-{self.messages}"
        dispatch = Dispatch(provider_message_id=message_id, accepted_at=at or self.now)
        self.feed(dispatch_record(self.state, send, dispatch))
        return message_id

    def fail_send(self, send: Send, *, permanent: bool) -> EvidenceEvent:
        error = (PermanentChannelError if permanent else TransientChannelError)("no")
        record = send_failure_record(self.state, send, error, at=self.now)
        self.feed(record)
        return record

    def report(self, report_type: type[Any], message_id: str, at: datetime, **more: Any) -> object:
        report = report_type(
            provider_message_id=message_id,
            occurred_at=at,
            payload_digest=Digest.of(f"{report_type.__name__}:{message_id}:{at}".encode()),
            **more,
        )
        record = evidence_for(self.state, report, source=PROVIDER)
        self.feed(record)
        return record


@pytest.fixture
def run(kit: SimpleNamespace) -> Any:
    return lambda *kinds, **rules: Run(kit, tuple(kinds) or ("wechat",), **rules)


# -- the table ------------------------------------------------------------------------


def test_only_a_superseding_determination_leaves_a_conclusion_and_only_to_active() -> None:
    for (phase, channel, trigger), (target, target_channel) in TRANSITIONS.items():
        if phase.concluded:
            assert trigger is not Trigger.DISPATCHED
            assert trigger is not Trigger.SELECTED
            if target is not phase:
                assert (phase, channel, trigger) == (Phase.SERVED, None, Trigger.REOPENED)
                assert target is Phase.ACTIVE
        assert (channel is None) == (target_channel is None)
        if target.concluded and not phase.concluded:
            assert trigger in (Trigger.REJECTED, Trigger.SERVED, Trigger.ESCALATED)
    assert TRANSITIONS[(Phase.SERVED, None, Trigger.SERVED)] == (Phase.SERVED, None)
    assert not any(key[2] is Trigger.REOPENED and key[0] is not Phase.SERVED for key in TRANSITIONS)


def test_only_an_active_or_served_order_changes_an_address_phase() -> None:
    changes = {
        (phase, channel, trigger, target)
        for (phase, channel, trigger), (_, target) in TRANSITIONS.items()
        if channel is not None and target is not channel
    }
    assert {phase for phase, *_ in changes} == {Phase.ACTIVE, Phase.SERVED}
    # Served, late evidence moves an address that was sent to exactly as it would while
    # active, and nothing else: a reopened order carries on from what happened.
    for phase, channel, trigger, target in changes:
        if phase is Phase.SERVED:
            assert channel not in (ChannelPhase.IDLE, ChannelPhase.SELECTED)
            assert TRANSITIONS[(Phase.ACTIVE, channel, trigger)] == (Phase.ACTIVE, target)
    assert TRANSITIONS[(Phase.SERVED, ChannelPhase.IN_FLIGHT, Trigger.PERMANENT_FAILURE)] == (
        Phase.SERVED,
        ChannelPhase.FAILED,
    )


def test_a_record_the_table_lacks_is_rejected_with_its_phase(run: Any) -> None:
    r = run()
    r.feed(r.order)
    with pytest.raises(InputError, match="cannot come when the order is submitted"):
        r.feed(_served(r))


def _served(r: Run) -> ServiceDetermination:
    return r.rules.time_of_service(
        r.order,
        [_arrival(r, r.now)],
        at=r.now,
        determination_id="det",
    )


def _arrival(r: Run, at: datetime) -> EvidenceEvent:
    return EvidenceEvent(
        event_id="manual-arrival",
        kind=EventKind.CONTENT_CONSIGNMENT,
        order_id=r.order.order_id,
        sender_id=r.order.sender.party_id,
        recipient_id=r.order.recipient.party_id,
        event_time=at,
        source=PROVIDER,
        grade=EvidenceGrade.ARRIVAL,
        address=r.order.channels[0],
    )


# -- the fold ---------------------------------------------------------------------------


def test_the_seed_story_folds_to_an_active_order_with_evidence() -> None:
    state = fold("order-2026-0001", sample_records())
    assert state.phase is Phase.ACTIVE
    (channel,) = state.channels
    assert channel.phase is ChannelPhase.IN_FLIGHT
    assert channel.evidence_at == datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc)
    assert state.first_dispatch == datetime(2026, 3, 2, 1, 2, tzinfo=timezone.utc)


def test_fold_passes_over_other_orders_and_apply_refuses_them(run: Any) -> None:
    r = run()
    other = r.kit.make_order(order_id="order-2")
    state = fold(r.order.order_id, [other, r.order])
    assert state.order == r.order
    with pytest.raises(InputError, match="expected a record of order 'order-1'"):
        apply(state, other)


def test_nothing_comes_before_the_order(run: Any) -> None:
    r = run()
    with pytest.raises(InputError, match="before the order itself"):
        r.feed(assess_submission(r.order, r.rules, [], at=r.now))


def test_fold_names_the_record_that_does_not_fit(run: Any) -> None:
    r = run()
    acceptance = assess_submission(r.order, r.rules, [r.kit.make_consent()], at=r.now)
    other = r.kit.make_order(order_id="order-2")
    with pytest.raises(InputError) as caught:
        fold(r.order.order_id, [r.order, other, r.order, _served(r), acceptance])
    assert str(caught.value).startswith("records[3].record: a ServiceDetermination (served)")


def test_the_same_record_twice_changes_nothing(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    record = r.report(Arrived, mid, r.now + timedelta(seconds=3))
    before = r.state
    assert apply(before, record) is before
    assert apply(before, r.order) is before


def test_another_record_with_a_known_event_id_is_refused(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    record = r.report(Arrived, mid, r.now + timedelta(seconds=3))
    assert isinstance(record, EvidenceEvent)
    with pytest.raises(InputError, match="another record with this event id"):
        apply(r.state, attrs.evolve(record, event_time=r.now + timedelta(seconds=4)))
    with pytest.raises(InputError, match="another order with this id"):
        apply(r.state, attrs.evolve(r.order, legal_basis="another basis"))


def test_evidence_cannot_precede_its_dispatch(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send, at=r.now + timedelta(minutes=1))
    with pytest.raises(InputError, match="cannot precede the dispatch of message m-1"):
        r.report(Arrived, mid, r.now)
    reply = RecipientReply(
        event_id="reply-1",
        order_id=r.order.order_id,
        party_id="defendant-1",
        event_time=r.now,
        source=PROVIDER,
        act=ReplyAct.ACKNOWLEDGEMENT,
        objects_to_e_service=False,
    )
    with pytest.raises(InputError, match="cannot precede the dispatch of the first message"):
        r.feed(reply)


def test_a_reply_before_any_dispatch_is_refused(run: Any) -> None:
    r = run()
    r.submit()
    filing = InboundFiling(
        event_id="filing-1",
        case_number=r.order.case.number,
        order_id=r.order.order_id,
        party_id="defendant-1",
        event_time=r.now,
        source=PROVIDER,
        document_kind=DocumentKind.DEFENCE,
        parts=[attrs.evolve(_part(r), document_id="defence")],
    )
    with pytest.raises(InputError, match="no message of the order was dispatched yet"):
        r.feed(filing)


def _part(r: Run) -> Any:
    from legaldelivery.records import DocumentPart

    return DocumentPart.of(r.order.documents[0])


def test_a_dispatch_names_an_address_of_the_order(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    stranger = attrs.evolve(r.order.channels[0], handle="wxid_someone_else")
    with pytest.raises(InputError, match="expected one of the order's addresses"):
        r.feed(dispatch_record(r.state, attrs.evolve(send, address=stranger), _d("m-1", r.now)))


def test_a_provider_message_id_is_dispatched_once(run: Any) -> None:
    r = run("wechat", "email")
    r.submit()
    sends = r.sends(DeliveryPolicy(parallel=2))
    r.feed(dispatch_record(r.state, sends[0], _d("m-1", r.now)))
    with pytest.raises(InputError, match="already dispatched"):
        r.feed(dispatch_record(r.state, sends[1], _d("m-1", r.now)))


def _d(message_id: str, at: datetime) -> Dispatch:
    return Dispatch(provider_message_id=message_id, accepted_at=at)


# -- decisions ----------------------------------------------------------------------------


def test_a_submitted_order_is_assessed_and_a_new_one_waits(run: Any) -> None:
    r = run()
    assert r.decide() == ()
    r.feed(r.order)
    assert r.decide() == (AssessSubmission(order=r.order),)


def test_the_first_addresses_are_sent_to_up_to_the_parallel_limit(run: Any) -> None:
    r = run("wechat", "email", "sms")
    r.submit()
    assert [s.channel_index for s in r.sends()] == [0]
    assert [s.channel_index for s in r.sends(DeliveryPolicy(parallel=2))] == [0, 1]
    first = r.sends()[0]
    assert (first.attempt, first.event_id, first.order_id) == (1, "order-1/send/0/1", "order-1")


def test_a_transient_failure_is_retried_after_a_growing_backoff(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    r.fail_send(send, permanent=False)
    assert r.state.channels[0].phase is ChannelPhase.RETRY_WAIT
    assert r.decide() == (CheckAt(at=r.now + timedelta(minutes=1)),)
    r.now += timedelta(minutes=1)
    (again,) = r.sends()
    assert again.attempt == 2
    r.fail_send(again, permanent=False)
    assert r.decide() == (CheckAt(at=r.now + timedelta(minutes=2)),)


def test_retries_run_out_and_service_falls_back(run: Any) -> None:
    r = run("wechat", "email")
    r.submit()
    for attempt in range(1, 4):
        (send,) = r.sends()
        assert send.attempt == attempt
        failure = r.fail_send(send, permanent=False)
        r.now += timedelta(hours=1)
    (command,) = [c for c in r.decide() if not isinstance(c, CheckAt)]
    assert isinstance(command, FallBack)
    record = command.record
    assert record.method is FallbackMethod.ANOTHER_CHANNEL
    assert (record.from_address, record.to_address) == r.order.channels
    assert record.triggered_by == failure.event_id
    assert record.reasons[0].code == "urn:legaldelivery:reason:retries-exhausted"
    r.feed(record)
    assert [c.phase for c in r.state.channels] == [ChannelPhase.ABANDONED, ChannelPhase.SELECTED]
    (send,) = r.sends()
    assert (send.channel_index, send.attempt) == (1, 1)


def test_a_permanent_failure_falls_back_at_once(run: Any) -> None:
    r = run("wechat", "email")
    r.submit()
    (send,) = r.sends()
    failure = r.fail_send(send, permanent=True)
    (command,) = r.decide()
    assert isinstance(command, FallBack)
    assert command.record.triggered_by == failure.event_id
    assert command.record.event_id == "order-1/fallback/1"


def test_a_bounce_falls_back(run: Any) -> None:
    r = run("wechat", "email")
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    bounce = r.report(Bounced, mid, r.now, reason=reason("memory:no-such-user"))
    assert r.state.channels[0].phase is ChannelPhase.FAILED
    (command,) = r.decide()
    assert isinstance(command, FallBack)
    assert command.record.triggered_by == bounce.event_id  # type: ignore[attr-defined]
    assert command.record.reasons[0].code == "urn:legaldelivery:reason:memory:no-such-user"


def test_no_arrival_before_the_timeout_falls_back(run: Any) -> None:
    r = run("wechat", "email")
    r.submit()
    (send,) = r.sends()
    r.dispatch(send)
    due = r.now + POLICY.arrival_timeout
    assert r.decide() == (CheckAt(at=due),)
    r.now = due
    (command,) = r.decide()
    assert isinstance(command, FallBack)
    assert command.record.reasons[0].code == "urn:legaldelivery:reason:no-arrival"


def test_arrival_without_effective_service_times_out_later(run: Any) -> None:
    r = run("wechat", "email", serves=False)
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    r.report(Arrived, mid, r.now + timedelta(seconds=2))
    r.now += POLICY.arrival_timeout
    assert r.decide() == (CheckAt(at=r.kit.T0 + POLICY.service_timeout),)
    r.now = r.kit.T0 + POLICY.service_timeout
    (command,) = r.decide()
    assert isinstance(command, FallBack)
    assert command.record.reasons[0].code == "urn:legaldelivery:reason:no-effective-service"


@pytest.mark.parametrize(
    ("postal", "method"),
    [
        (Outcome.ALLOWED, FallbackMethod.POSTAL_MAIL),
        (Outcome.NEEDS_COURT_ORDER, FallbackMethod.POSTAL_MAIL),
        (Outcome.PROHIBITED, FallbackMethod.PUBLIC_NOTICE),
    ],
)
def test_when_every_address_fails_the_order_escalates(
    run: Any, postal: Outcome, method: FallbackMethod
) -> None:
    r = run("wechat", "email", postal=postal)
    r.submit()
    r.fail_send(r.sends()[0], permanent=True)
    r.feed(r.decide()[0].record)
    last = r.fail_send(r.sends()[0], permanent=True)
    (command,) = r.decide()
    assert isinstance(command, Conclude)
    record = command.record
    assert isinstance(record, Fallback)
    assert record.method is method
    assert record.from_address == r.order.channels[1]
    assert record.triggered_by == last.event_id
    assert record.reasons[0].code == "urn:legaldelivery:reason:electronic-service-failed"
    assert f"postal-{postal.value.replace('_', '-')}" in record.reasons[1].code
    r.feed(record)
    assert r.state.phase is Phase.ESCALATED
    assert r.state.conclusion == record
    assert r.decide() == ()


def test_arrival_concludes_with_the_rules_determination(run: Any) -> None:
    r = run("wechat", "email")
    r.submit()
    (send,) = r.sends(DeliveryPolicy(parallel=2))[:1]
    mid = r.dispatch(send)
    arrived = r.report(Arrived, mid, r.now + timedelta(seconds=5))
    r.now += timedelta(minutes=1)
    (command,) = r.decide()
    assert isinstance(command, Conclude)
    determination = command.record
    assert isinstance(determination, ServiceDetermination)
    assert determination.rests_on == arrived.event_id  # type: ignore[attr-defined]
    assert determination.event_id == "order-1/determination"
    r.feed(determination)
    assert r.state.phase is Phase.SERVED
    assert r.decide() == ()


def test_evidence_dated_after_now_is_looked_at_when_its_time_comes(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    later = r.now + timedelta(seconds=30)
    r.report(Arrived, mid, later)
    assert r.decide() == (CheckAt(at=later),)
    r.now = later
    assert isinstance(r.decide()[0], Conclude)


def test_reports_out_of_order_keep_the_earliest_evidence(run: Any) -> None:
    r = run(serves=False)
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    r.report(Read, mid, r.now + timedelta(minutes=9))
    r.report(Arrived, mid, r.now + timedelta(minutes=1))
    assert r.state.channels[0].evidence_at == r.now + timedelta(minutes=1)
    assert r.state.channels[0].phase is ChannelPhase.IN_FLIGHT


def test_an_earlier_attempt_delivered_after_all_cancels_the_retry(run: Any) -> None:
    r = run(serves=False)
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    r.report(Failed, mid, r.now, permanent=False, reason=reason("memory:busy"))
    assert r.state.channels[0].phase is ChannelPhase.RETRY_WAIT
    assert r.state.channels[0].attempts == 1  # a provider's report is not another attempt
    r.report(Arrived, mid, r.now + timedelta(seconds=1))
    assert r.state.channels[0].phase is ChannelPhase.IN_FLIGHT
    assert r.sends() == []


def test_a_failure_about_a_superseded_message_changes_nothing(run: Any) -> None:
    r = run(serves=False)
    r.submit()
    (send,) = r.sends()
    first = r.dispatch(send)
    r.report(Failed, first, r.now, permanent=False, reason=reason("memory:busy"))
    r.now += timedelta(minutes=1)
    (again,) = r.sends()
    r.dispatch(again)
    before = r.state.channels
    r.report(Bounced, first, r.now, reason=reason("memory:late"))
    assert r.state.channels == before


def test_evidence_after_the_conclusion_is_kept_as_late(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    r.report(Arrived, mid, r.now)
    r.feed(r.decide()[0].record)
    read = r.report(Read, mid, r.now + timedelta(hours=1))
    assert r.state.phase is Phase.SERVED
    assert r.state.late == (read.event_id,)  # type: ignore[attr-defined]
    again = attrs.evolve(send, attempt=2, event_id="order-1/send/0/2")
    with pytest.raises(InputError, match="cannot come when the order is served"):
        r.feed(dispatch_record(r.state, again, _d("m-9", r.now)))


def test_a_reply_and_a_filing_link_to_the_address_they_answer(run: Any) -> None:
    r = run("wechat", "email", serves=False)
    r.submit()
    sends = r.sends(DeliveryPolicy(parallel=2))
    r.dispatch(sends[0])
    mid = r.dispatch(sends[1])
    reply = r.report(Replied, mid, r.now, reply_digest=Digest.of(b"ok"), document_ids=["summons"])
    assert isinstance(reply, RecipientReply)
    assert reply.in_reply_to == "order-1/send/1/1"
    assert reply.content_digest == Digest.of(b"ok")
    assert reply.reasons == ()
    filing = r.report(
        Filed,
        mid,
        r.now,
        document_kind=DocumentKind.DEFENCE,
        parts=[attrs.evolve(_part(r), document_id="defence")],
    )
    assert isinstance(filing, InboundFiling)
    assert filing.case_number == r.order.case.number
    assert r.state.channels[1].evidence_at == r.now
    assert r.state.channels[0].evidence_at is None


@settings(max_examples=30, deadline=None)
@given(
    content=st.none() | st.binary(max_size=40).map(Digest.of),
    act=st.sampled_from(ReplyAct),
    objects=st.booleans(),
)
def test_a_reply_records_the_digest_of_what_the_recipient_sent(
    kit: SimpleNamespace, content: Digest | None, act: ReplyAct, objects: bool
) -> None:
    r = Run(kit)
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    reply = r.report(
        Replied, mid, r.now, reply_digest=content, act=act, objects_to_e_service=objects
    )
    assert isinstance(reply, RecipientReply)
    assert reply.content_digest == content
    # The content is a field of the record, never smuggled in as a reason code.
    assert reply.reasons == ()
    assert r.state.records[-1] == reply


def test_a_report_must_name_a_message_of_the_order(run: Any) -> None:
    r = run()
    r.submit()
    with pytest.raises(InputError, match="sent no message with this id"):
        r.report(Arrived, "m-404", r.now)
    (send,) = r.sends()
    mid = r.dispatch(send)
    with pytest.raises(InputError, match="not a document of the order"):
        r.report(Replied, mid, r.now, document_ids=["judgment"])


def test_nothing_is_built_for_an_order_not_yet_accepted(run: Any) -> None:
    r = run()
    r.feed(r.order)
    send = Send(
        order_id="order-1", channel_index=0, address=r.order.channels[0], attempt=1, event_id="x"
    )
    with pytest.raises(InputError, match="order order-1 is submitted: nothing was sent"):
        dispatch_record(r.state, send, _d("m-1", r.now))


# -- submission ---------------------------------------------------------------------------


def test_submission_is_accepted_with_the_citations(run: Any) -> None:
    r = run("wechat", "email")
    record = assess_submission(r.order, r.rules, [r.kit.make_consent()], at=r.now)
    assert record.kind is EventKind.SUBMISSION_ACCEPTANCE
    assert {(c.code, c.details) for c in record.reasons} == {
        ("urn:legaldelivery:reason:consent-allowed", "Toy Art 1"),
        ("urn:legaldelivery:reason:channel-allowed", "Toy Art 2"),
    }
    assert [p.document_id for p in record.parts] == ["summons", "complaint"]
    assert record.submission_time == r.now


def test_a_prohibited_channel_rejects_the_order_naming_it(run: Any) -> None:
    r = run("wechat", "email", prohibited=frozenset({"email"}))
    record = assess_submission(r.order, r.rules, [r.kit.make_consent()], at=r.now)
    assert record.kind is EventKind.SUBMISSION_REJECTION
    assert record.reasons[0].code == "urn:legaldelivery:reason:channel-prohibited"
    assert record.reasons[0].details.startswith("channels[1] (email), summons: Toy Art 2.")
    r.feed(r.order)
    r.feed(record)
    assert r.state.phase is Phase.REJECTED
    assert r.decide() == ()


def test_no_consent_rejects(run: Any) -> None:
    r = run()
    record = assess_submission(r.order, r.rules, [], at=r.now)
    assert record.kind is EventKind.SUBMISSION_REJECTION
    assert record.reasons[0].code == "urn:legaldelivery:reason:consent-prohibited"


def test_a_channel_for_the_court_to_decide_needs_its_authorisation(run: Any) -> None:
    r = run(court_order=frozenset({"wechat"}))
    consents = [r.kit.make_consent()]
    refused = assess_submission(r.order, r.rules, consents, at=r.now)
    assert refused.kind is EventKind.SUBMISSION_REJECTION
    assert refused.reasons[0].code == "urn:legaldelivery:reason:channel-needs-court-order"
    allowed = assess_submission(
        r.order, r.rules, consents, at=r.now, court_authorisation="Order of 1 March 2026"
    )
    assert allowed.kind is EventKind.SUBMISSION_ACCEPTANCE
    assert any("authorised by Order of 1 March 2026" in (c.details or "") for c in allowed.reasons)


def test_a_postal_address_needs_no_consent_to_electronic_service(kit: SimpleNamespace) -> None:
    order = kit.make_order(("wechat",))
    postal = attrs.evolve(order.channels[0], channel="postal", handle="House 7, Street 3, Lahore")
    order = attrs.evolve(order, channels=[postal])
    record = assess_submission(order, kit.ToyRules(), [], at=kit.T0)
    assert record.kind is EventKind.SUBMISSION_ACCEPTANCE


def test_china_accepts_wechat_to_pakistan_with_consent_and_not_without(
    kit: SimpleNamespace,
) -> None:
    china = jurisdictions.jurisdiction("CN", on=date(2026, 3, 2))
    order = kit.make_order(("wechat",))
    accepted = assess_submission(order, china, [kit.make_consent()], at=kit.T0)
    assert accepted.kind is EventKind.SUBMISSION_ACCEPTANCE
    assert any("CPL (2023) Art 90" in (c.details or "") for c in accepted.reasons)
    rejected = assess_submission(order, china, [], at=kit.T0)
    assert rejected.kind is EventKind.SUBMISSION_REJECTION
    assert "CPL (2023) Art 90" in (rejected.reasons[0].details or "")


US = jurisdictions.jurisdiction("US", on=date(2026, 3, 1), timezone="America/New_York")


def _us_service(kit: SimpleNamespace) -> OrderState:
    """A notice to a party in the US who consented in writing to e-mail and the portal."""
    base = kit.make_order(("email", "portal"), country="US")
    notice = attrs.evolve(base.documents[0], kind=DocumentKind.NOTICE)
    order = attrs.evolve(base, documents=[notice])
    consent = attrs.evolve(
        kit.make_consent(),
        ground=ConsentGround.US_WRITTEN_CONSENT,
        document_kinds=(DocumentKind.NOTICE,),
    )
    state = apply(OrderState.initial(order.order_id), order)
    return apply(state, assess_submission(order, US, [consent], at=kit.T0))


# A period for the story to compute (a notice starts none by default).
ANSWER = DeliveryPolicy(deadlines=lambda order: ("answer",))


def test_a_late_bounce_of_us_e_service_reopens_the_order_and_the_next_address_serves(
    kit: SimpleNamespace,
) -> None:
    # FRCP 5(b)(2)(E): complete upon sending, "but not effective if the sender learns
    # that it did not reach the person". The process concludes at sending; a bounce that
    # comes after is put to the rules again, which now see no effective service.
    now = kit.T0
    state = _us_service(kit)
    (send,) = [c for c in decide(state, now=now, rules=US, policy=ANSWER) if isinstance(c, Send)]
    assert send.address.channel == "email"
    state = apply(state, dispatch_record(state, send, _d("m-1", now)))
    (conclude,) = decide(state, now=now, rules=US, policy=ANSWER)
    assert isinstance(conclude, Conclude)
    first = conclude.record
    assert isinstance(first, ServiceDetermination)
    assert (first.event_id, first.supersedes) == ("order-1/determination", None)
    assert first.time_of_service == now
    state = apply(state, first)
    assert state.phase is Phase.SERVED
    assert first.deadlines[0].due == date(2026, 3, 23)  # 21 days after 1 March (New York)

    bounce = Bounced(
        provider_message_id="m-1",
        occurred_at=now + timedelta(minutes=3),
        payload_digest=Digest.of(b"550 5.1.1 no such user"),
        reason=reason("smtp:5.1.1"),
    )
    record = evidence_for(state, bounce, source=PROVIDER)
    state = apply(state, record)
    assert state.phase is Phase.SERVED
    assert state.late == (record.event_id,)
    assert state.channels[0].phase is ChannelPhase.FAILED  # the bounce fails the address

    now += timedelta(days=2)  # the court's system looked again two days later
    (redetermine,) = decide(state, now=now, rules=US, policy=ANSWER)
    assert isinstance(redetermine, Redetermine)
    second = redetermine.record
    assert second.event_id == "order-1/determination/2"
    assert second.supersedes == first.event_id
    assert second.time_of_service is None
    assert second.deadlines == ()
    assert any("did not reach the person" in step for step in second.steps)
    state = apply(state, second)
    assert state.phase is Phase.ACTIVE
    assert state.conclusion is None
    assert state.determinations == (first.event_id, second.event_id)

    # Exactly as if the bounce had come before the conclusion: fall back to the portal.
    (fallback,) = decide(state, now=now, rules=US, policy=ANSWER)
    assert isinstance(fallback, FallBack)
    assert fallback.record.from_address == state.channels[0].address
    assert fallback.record.to_address == state.channels[1].address
    assert fallback.record.triggered_by == record.event_id
    state = apply(state, fallback.record)
    (portal,) = decide(state, now=now, rules=US, policy=ANSWER)
    assert isinstance(portal, Send)
    assert portal.address.channel == "portal"
    now += timedelta(minutes=1)
    state = apply(state, dispatch_record(state, portal, _d("p-1", now)))

    (conclude,) = decide(state, now=now, rules=US, policy=ANSWER)
    assert isinstance(conclude, Conclude)
    third = conclude.record
    assert isinstance(third, ServiceDetermination)
    assert (third.event_id, third.supersedes) == ("order-1/determination/3", second.event_id)
    assert third.time_of_service == now
    assert third.rests_on == portal.event_id
    state = apply(state, third)
    assert state.phase is Phase.SERVED
    assert state.conclusion == third
    # The period runs from the new time of service (sent 3 March, New York); the old
    # determinations stay in the log, each superseded by the next.
    assert third.deadlines[0].due == date(2026, 3, 24)
    assert [r for r in state.records if isinstance(r, ServiceDetermination)] == [
        first,
        second,
        third,
    ]
    # Nothing more came: nothing to review.
    assert decide(state, now=now + timedelta(days=1), rules=US, policy=ANSWER) == ()
    assert fold(state.order_id, state.records) == state


def test_a_late_read_under_china_changes_nothing_and_logs_nothing(kit: SimpleNamespace) -> None:
    china = jurisdictions.jurisdiction("CN", on=date(2026, 3, 2))
    order = kit.make_order(("wechat", "email"))
    state = apply(OrderState.initial(order.order_id), order)
    state = apply(state, assess_submission(order, china, [kit.make_consent()], at=kit.T0))
    (send,) = [c for c in decide(state, now=kit.T0, rules=china) if isinstance(c, Send)]
    state = apply(state, dispatch_record(state, send, _d("m-1", kit.T0)))
    arrived = Arrived(
        provider_message_id="m-1",
        occurred_at=kit.T0 + timedelta(minutes=1),
        payload_digest=Digest.of(b"delivered"),
    )
    state = apply(state, evidence_for(state, arrived, source=PROVIDER))
    now = kit.T0 + timedelta(minutes=2)
    (conclude,) = decide(state, now=now, rules=china)
    assert isinstance(conclude, Conclude)
    state = apply(state, conclude.record)
    late = []
    for report in (
        Read(
            provider_message_id="m-1",
            occurred_at=now + timedelta(hours=2),
            payload_digest=Digest.of(b"read"),
        ),
        Bounced(
            provider_message_id="m-1",
            occurred_at=now + timedelta(hours=3),
            payload_digest=Digest.of(b"bounced"),
            reason=reason("wechat:gone"),
        ),
    ):
        record = evidence_for(state, report, source=PROVIDER)
        late.append(record.event_id)
        state = apply(state, record)
    assert state.late == tuple(late)
    # Rebutting arrival is the court's act: the rules give the same answer, nothing is logged.
    assert decide(state, now=now + timedelta(hours=4), rules=china) == ()
    assert state.phase is Phase.SERVED
    assert state.conclusion == conclude.record
    assert state.determinations == (conclude.record.event_id,)


def test_late_evidence_dated_ahead_of_the_clock_is_weighed_when_its_time_comes(
    kit: SimpleNamespace,
) -> None:
    state = _us_service(kit)
    (send, *_) = decide(state, now=kit.T0, rules=US)
    state = apply(state, dispatch_record(state, send, _d("m-1", kit.T0)))
    (conclude,) = decide(state, now=kit.T0, rules=US)
    state = apply(state, conclude.record)
    ahead = kit.T0 + timedelta(hours=1)
    bounce = Bounced(
        provider_message_id="m-1",
        occurred_at=ahead,
        payload_digest=Digest.of(b"bounced"),
        reason=reason("smtp:5.1.1"),
    )
    state = apply(state, evidence_for(state, bounce, source=PROVIDER))
    assert decide(state, now=kit.T0 + timedelta(minutes=1), rules=US) == (CheckAt(at=ahead),)
    (again,) = decide(state, now=ahead, rules=US)
    assert isinstance(again, Redetermine)
    assert again.record.time_of_service is None


def test_evidence_dated_after_the_determination_is_weighed_even_if_logged_before(
    kit: SimpleNamespace,
) -> None:
    # A bounce the provider dated ahead of our clock, reported before the conclusion: the
    # rules did not see it at sending time, so the served order looks at it later.
    state = _us_service(kit)
    (send, *_) = decide(state, now=kit.T0, rules=US)
    state = apply(state, dispatch_record(state, send, _d("m-1", kit.T0)))
    ahead = kit.T0 + timedelta(minutes=10)
    bounce = Bounced(
        provider_message_id="m-1",
        occurred_at=ahead,
        payload_digest=Digest.of(b"bounced"),
        reason=reason("smtp:5.1.1"),
    )
    state = apply(state, evidence_for(state, bounce, source=PROVIDER))
    (conclude,) = decide(state, now=kit.T0, rules=US)
    assert isinstance(conclude, Conclude)
    state = apply(state, conclude.record)
    assert state.late == ()
    assert decide(state, now=kit.T0, rules=US) == (CheckAt(at=ahead),)
    (again,) = decide(state, now=ahead, rules=US)
    assert isinstance(again, Redetermine)


def test_late_evidence_of_an_earlier_service_supersedes_and_keeps_the_order_served(
    run: Any,
) -> None:
    r = run("wechat", "email")
    r.submit()
    sends = r.sends(DeliveryPolicy(parallel=2))
    first, second = (r.dispatch(s) for s in sends)
    r.now += timedelta(minutes=10)
    r.report(Read, second, r.now)
    (conclude,) = r.decide()
    r.feed(conclude.record)
    # The provider of the first address reports, late, an arrival before that read.
    arrival = r.report(Arrived, first, r.kit.T0 + timedelta(minutes=1))
    (again,) = r.decide()
    assert isinstance(again, Redetermine)
    assert again.record.time_of_service == r.kit.T0 + timedelta(minutes=1)
    assert again.record.rests_on == arrival.event_id  # type: ignore[attr-defined]
    assert again.record.supersedes == conclude.record.event_id
    r.feed(again.record)
    assert r.state.phase is Phase.SERVED
    assert r.state.conclusion == again.record
    assert r.decide() == ()


def test_a_determination_must_supersede_exactly_the_current_one(
    run: Any,
) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    mid = r.dispatch(send)
    r.report(Arrived, mid, r.now)
    with pytest.raises(InputError, match=r"superseding nothing") as info:
        r.feed(attrs.evolve(r.decide()[0].record, supersedes="order-1/other"))
    assert info.value.path == "supersedes"
    (conclude,) = r.decide()
    r.feed(conclude.record)
    # A second answer that names no predecessor (or another one) would be a second
    # current determination.
    other = attrs.evolve(conclude.record, event_id="order-1/determination/2")
    with pytest.raises(InputError, match=r"superseding 'order-1/determination'"):
        r.feed(other)
    with pytest.raises(InputError, match=r"superseding 'order-1/determination'"):
        r.feed(attrs.evolve(other, supersedes="order-1/other"))
    # An interim answer (no time of service, superseding nothing) is kept and changes nothing.
    interim = attrs.evolve(
        other, time_of_service=None, rests_on=None, presumption=None, deadlines=()
    )
    before = r.state
    r.feed(interim)
    assert (r.state.phase, r.state.conclusion) == (before.phase, before.conclusion)
    assert r.state.determinations == before.determinations


def test_only_a_served_order_is_reopened(kit: SimpleNamespace) -> None:
    state = _us_service(kit)
    (send, *_) = decide(state, now=kit.T0, rules=US)
    state = apply(state, dispatch_record(state, send, _d("m-1", kit.T0)))
    (conclude,) = decide(state, now=kit.T0, rules=US)
    reopening = attrs.evolve(
        conclude.record,
        event_id="order-1/determination/2",
        time_of_service=None,
        rests_on=None,
        presumption=None,
        deadlines=(),
        supersedes="order-1/determination",
    )
    with pytest.raises(InputError, match=r"superseding nothing"):
        apply(state, reopening)
    served = apply(state, conclude.record)
    reopened = apply(served, reopening)
    assert reopened.phase is Phase.ACTIVE
    third = attrs.evolve(
        reopening, event_id="order-1/determination/3", supersedes=reopening.event_id
    )
    with pytest.raises(InputError, match=r"\(reopened\) cannot come when the order is active"):
        apply(reopened, third)


def test_a_long_list_of_reasons_is_cut_to_what_a_record_holds(kit: SimpleNamespace) -> None:
    class Chatty(kit.ToyRules):  # type: ignore[misc,name-defined]
        def channel_decision(self, **kwargs: Any) -> Any:
            decision = super().channel_decision(**kwargs)
            kind = kwargs["document_kind"].value
            return attrs.evolve(decision, citation=f"Toy {kwargs['channel']} {kind}")

    base = kit.make_order(("email",))
    emails = [attrs.evolve(base.channels[0], handle=f"user{i}@example.com") for i in range(8)]
    order = attrs.evolve(
        base,
        channels=emails,
        documents=[
            attrs.evolve(kit.make_order().documents[0], document_id=f"d{i}", kind=kind)
            for i, kind in enumerate(DocumentKind)
        ],
    )
    rules = attrs.evolve(Chatty(), prohibited=frozenset({"email"}))
    record = assess_submission(order, rules, [kit.make_consent()], at=kit.T0)
    assert len(record.reasons) == 50
    assert record.reasons[-1].code == "urn:legaldelivery:reason:more-reasons"


# -- the policy ----------------------------------------------------------------------------


@settings(max_examples=60)
@given(
    first=st.integers(0, 3600),
    factor=st.integers(1, 5),
    cap=st.integers(0, 86400),
    failures=st.integers(1, 40),
)
def test_backoff_grows_and_never_passes_its_cap(
    first: int, factor: int, cap: int, failures: int
) -> None:
    policy = DeliveryPolicy(
        first_backoff=timedelta(seconds=first),
        backoff_factor=factor,
        max_backoff=timedelta(seconds=cap),
    )
    assert policy.backoff(failures) <= timedelta(seconds=cap)
    assert policy.backoff(failures) <= policy.backoff(failures + 1)
    assert policy.backoff(1) == min(timedelta(seconds=first), timedelta(seconds=cap))


@pytest.mark.parametrize(
    "fields",
    [
        {"max_attempts": 0},
        {"first_backoff": timedelta(seconds=-1)},
        {"arrival_timeout": timedelta(0)},
        {"parallel": 0},
        {"deadlines": "defence"},
    ],
)
def test_a_policy_out_of_range_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        DeliveryPolicy(**fields)


def test_the_default_periods_follow_the_documents(kit: SimpleNamespace) -> None:
    order = kit.make_order()
    assert response_periods(order) == ("defence",)
    judgment = attrs.evolve(order.documents[0], kind=DocumentKind.JUDGMENT)
    assert response_periods(attrs.evolve(order, documents=[judgment])) == ("appeal",)
    notice = attrs.evolve(order.documents[0], kind=DocumentKind.NOTICE)
    assert response_periods(attrs.evolve(order, documents=[notice])) == ()


def test_consent_records_of_the_order_are_kept_and_change_nothing(run: Any) -> None:
    r = run()
    r.submit()
    before = r.state
    record = ConsentRecorded(
        event_id="consent-2",
        order_id=r.order.order_id,
        event_time=r.now,
        source=SERVICE_SOURCE,
        consent=r.kit.make_consent(),
    )
    after = r.feed(record)
    assert (after.phase, after.channels) == (before.phase, before.channels)
    assert after.records[-1] == record


def test_a_receipt_through_an_unknown_address_counts_for_the_order(run: Any) -> None:
    r = run(serves=False)
    r.submit()
    (send,) = r.sends()
    r.dispatch(send)
    elsewhere = attrs.evolve(
        _arrival(r, r.now),
        address=attrs.evolve(
            r.order.channels[0], verification=VerificationMethod.OTHER, handle="wxid_elsewhere"
        ),
    )
    r.feed(elsewhere)
    assert r.state.channels[0].evidence_at is None
    assert r.state.records[-1] == elsewhere


def test_only_records_of_the_process_are_folded(run: Any) -> None:
    r = run()
    r.submit()
    with pytest.raises(InputError, match="expected a record of the service process"):
        apply(r.state, object())
    stranger = SimpleNamespace(event_id="x-1", order_id=r.order.order_id)
    with pytest.raises(InputError, match="expected a record of the service process"):
        apply(r.state, stranger)
    assert r.state.record("x-1") is None
    assert r.state.channel_of(None) is None


def test_event_ids_stay_identifiers_for_the_longest_order_ids(kit: SimpleNamespace) -> None:
    r = Run(kit)
    r.order = attrs.evolve(r.order, order_id="o" * 128)
    r.state = OrderState.initial(r.order.order_id)
    r.submit()
    (send,) = r.sends()
    assert send.event_id.startswith("ev-")
    assert len(send.event_id) <= 128
    assert r.sends()[0].event_id == send.event_id


def test_a_failure_must_name_an_address_or_a_message(run: Any) -> None:
    r = run()
    r.submit()
    (send,) = r.sends()
    r.dispatch(send)
    failure = attrs.evolve(
        _arrival(r, r.now), kind=EventKind.RELAY_FAILURE, grade=None, address=None
    )
    with pytest.raises(InputError, match="a failure names a dispatched message or an address"):
        r.feed(failure)


def test_an_event_without_a_grade_or_failure_is_kept_and_changes_nothing(run: Any) -> None:
    r = run()
    r.submit()
    before = r.state
    note = attrs.evolve(_arrival(r, r.now), kind=EventKind.NOTIFICATION_FOR_ACCEPTANCE, grade=None)
    after = r.feed(note)
    assert (after.phase, after.channels) == (before.phase, before.channels)


def test_a_fallback_from_no_address_selects_the_next(run: Any) -> None:
    r = run("wechat", "email")
    r.submit()
    record = Fallback(
        event_id="manual-fallback",
        order_id=r.order.order_id,
        event_time=r.now,
        source=SERVICE_SOURCE,
        method=FallbackMethod.ANOTHER_CHANNEL,
        to_address=r.order.channels[1],
    )
    r.feed(record)
    assert [c.phase for c in r.state.channels] == [ChannelPhase.IDLE, ChannelPhase.SELECTED]
    stranger = attrs.evolve(r.order.channels[0], handle="wxid_stranger")
    with pytest.raises(InputError, match="to_address: expected one of the order's addresses"):
        r.feed(attrs.evolve(record, event_id="again", to_address=stranger))


def test_escalation_when_the_rules_do_not_model_postal_service(kit: SimpleNamespace) -> None:
    from legaldelivery.rules import NotModelledError

    class Silent(kit.ToyRules):  # type: ignore[misc,name-defined]
        def channel_decision(self, **kwargs: Any) -> Any:
            if kwargs["channel"] == "postal":
                raise NotModelledError("toy rules do not model mail", path="channel")
            return super().channel_decision(**kwargs)

    r = Run(kit)
    r.rules = Silent()
    r.submit()
    r.fail_send(r.sends()[0], permanent=True)
    (command,) = r.decide()
    assert isinstance(command, Conclude)
    assert command.record.method is FallbackMethod.POSTAL_MAIL  # type: ignore[union-attr]
    assert command.record.reasons[1].code == "urn:legaldelivery:reason:postal-not-modelled"

"""A hypothesis state machine over the process, with China's rules and a real log.

The machine plays the driver: it performs the process's commands with outcomes it draws
(accepted, refused for now, refused for good), lets time pass, and delivers provider
reports of every kind, out of order, early or late, and again. After every step:

* at most one conclusion is logged, and nothing is dispatched after it;
* the time of service is never before the first dispatch;
* a report delivered again changes nothing;
* the state is the fold of the logged records, also after a round trip through the log;
* deciding twice gives the same commands, and a concluded order asks for nothing.

At the end the machine stops answering and lets time run: every order concludes.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from legaldelivery import codec
from legaldelivery import rules as jurisdictions
from legaldelivery.channels import (
    Arrived,
    Bounced,
    ChannelReport,
    Dispatch,
    Failed,
    Filed,
    PermanentChannelError,
    Read,
    Replied,
    TransientChannelError,
    reason,
)
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.records import (
    Digest,
    DocumentKind,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    Fallback,
    FallbackMethod,
    ReplyAct,
    ServiceDetermination,
    SourceKind,
    VerificationMethod,
)
from legaldelivery.service import (
    AssessSubmission,
    CheckAt,
    Conclude,
    DeliveryPolicy,
    FallBack,
    OrderState,
    Send,
    apply,
    assess_submission,
    decide,
    dispatch_record,
    evidence_for,
    fold,
    send_failure_record,
)

CHINA = jurisdictions.jurisdiction("CN", on=date(2026, 3, 2))
PROVIDER = EventSource(kind=SourceKind.PROVIDER, source_id="provider")
SIGNER = Ed25519Signer.generate("court.example/machine")
KINDS = ("wechat", "email", "sms", "portal")
METHODS = (VerificationMethod.RECIPIENT_CONFIRMED, VerificationMethod.COURT_VERIFIED)
REPORTS = (
    "arrived",
    "read",
    "replied",
    "question",
    "objecting",
    "filed",
    "transient",
    "failed",
    "bounced",
)


def _is_conclusion(record: object) -> bool:
    if isinstance(record, EvidenceEvent):
        return record.kind is EventKind.SUBMISSION_REJECTION
    if isinstance(record, ServiceDetermination):
        return record.time_of_service is not None
    return isinstance(record, Fallback) and record.method is not FallbackMethod.ANOTHER_CHANNEL


def _machine(kit: SimpleNamespace) -> type[RuleBasedStateMachine]:
    class ProcessMachine(RuleBasedStateMachine):
        """One order served under China's rules, with everything else drawn."""

        @initialize(
            kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True),
            methods=st.lists(st.sampled_from(METHODS), min_size=3, max_size=3),
            consent=st.integers(0, 5),
            parallel=st.integers(1, 2),
            attempts=st.integers(1, 3),
        )
        def submit(
            self,
            kinds: list[str],
            methods: list[VerificationMethod],
            consent: int,
            parallel: int,
            attempts: int,
        ) -> None:
            order = kit.make_order(kinds)
            channels = [
                attrs.evolve(a, verification=m)
                for a, m in zip(order.channels, methods[: len(order.channels)], strict=True)
            ]
            self.order = attrs.evolve(order, channels=channels)
            self.policy = DeliveryPolicy(
                max_attempts=attempts,
                first_backoff=timedelta(minutes=10),
                arrival_timeout=timedelta(hours=6),
                service_timeout=timedelta(days=2),
                parallel=parallel,
            )
            self.now = kit.T0
            self.log = EvidenceLog.create(":memory:", origin="court.example/machine", signer=SIGNER)
            self.logged: list[object] = []
            self.state = OrderState.initial(self.order.order_id)
            self.reports: list[ChannelReport] = []
            self.messages = 0
            self.record(self.order)
            # Mostly with consent: a rejected order has little more to show.
            consents = [kit.make_consent()] if consent < 5 else []
            self.record(assess_submission(self.order, CHINA, consents, at=self.now))

        # -- helpers ------------------------------------------------------------------

        def record(self, record: object) -> None:
            self.state = apply(self.state, record)
            self.logged.append(record)
            self.log.append(record, time=self.now)

        def decide(self) -> tuple[Any, ...]:
            return decide(self.state, now=self.now, rules=CHINA, policy=self.policy)

        def perform(self, command: Any, outcome: str) -> None:
            if isinstance(command, AssessSubmission):
                raise AssertionError("the submission was assessed when the order was logged")
            if isinstance(command, (FallBack, Conclude)):
                self.record(command.record)
                return
            assert isinstance(command, Send)
            if outcome == "accept":
                self.messages += 1
                dispatch = Dispatch(provider_message_id=f"m-{self.messages}", accepted_at=self.now)
                self.record(dispatch_record(self.state, command, dispatch))
            else:
                error = (TransientChannelError if outcome == "busy" else PermanentChannelError)(
                    "refused"
                )
                self.record(send_failure_record(self.state, command, error, at=self.now))

        def deliver(self, report: ChannelReport) -> None:
            record = evidence_for(self.state, report, source=PROVIDER)
            if record.event_id in self.state.event_ids:
                assert apply(self.state, record) is self.state
                return
            self.record(record)

        # -- rules --------------------------------------------------------------------

        @rule(delta=st.integers(1, 12 * 3600))
        def let_time_pass(self, delta: int) -> None:
            self.now += timedelta(seconds=delta)

        @precondition(lambda self: self.actionable())
        @rule(outcome=st.sampled_from(("accept", "accept", "busy", "refused")))
        def perform_next_command(self, outcome: str) -> None:
            command = next(c for c in self.decide() if not isinstance(c, CheckAt))
            self.perform(command, outcome)

        def actionable(self) -> bool:
            return any(not isinstance(c, CheckAt) for c in self.decide())

        @precondition(lambda self: bool(self.state.messages))
        @rule(
            which=st.integers(0, 20),
            kind=st.sampled_from(REPORTS),
            delay=st.integers(0, 2 * 86400),
        )
        def provider_reports(self, which: int, kind: str, delay: int) -> None:
            message = self.state.messages[which % len(self.state.messages)]
            when = message.dispatched_at + timedelta(seconds=delay)
            common: dict[str, Any] = {
                "provider_message_id": message.message_id,
                "occurred_at": when,
                "payload_digest": Digest.of(f"{kind}:{message.message_id}:{delay}".encode()),
            }
            report: ChannelReport
            if kind == "arrived":
                report = Arrived(**common)
            elif kind == "read":
                report = Read(**common)
            elif kind in ("replied", "question", "objecting"):
                act = ReplyAct.QUESTION if kind == "question" else ReplyAct.ACKNOWLEDGEMENT
                report = Replied(**common, act=act, objects_to_e_service=kind == "objecting")
            elif kind == "filed":
                part = DocumentPart(
                    document_id="defence",
                    media_type="application/pdf",
                    digest=Digest.of(b"Defence."),
                )
                report = Filed(**common, document_kind=DocumentKind.DEFENCE, parts=[part])
            elif kind == "bounced":
                report = Bounced(**common, reason=reason("test:bounced"))
            else:
                report = Failed(**common, permanent=kind == "failed", reason=reason(f"test:{kind}"))
            self.reports.append(report)
            self.deliver(report)

        @precondition(lambda self: bool(self.reports))
        @rule(which=st.integers(0, 50))
        def the_same_report_again(self, which: int) -> None:
            before = self.state
            self.deliver(self.reports[which % len(self.reports)])
            assert self.state is before

        @precondition(lambda self: bool(self.logged))
        @rule(which=st.integers(0, 200))
        def replay_a_logged_record(self, which: int) -> None:
            assert apply(self.state, self.logged[which % len(self.logged)]) is self.state

        # -- invariants -----------------------------------------------------------------

        @invariant()
        def one_conclusion_and_nothing_sent_after_it(self) -> None:
            ends = [i for i, r in enumerate(self.logged) if _is_conclusion(r)]
            assert len(ends) <= 1
            assert self.state.concluded == bool(ends)
            if ends:
                assert self.state.conclusion == self.logged[ends[0]]
                later = self.logged[ends[0] + 1 :]
                assert not any(
                    isinstance(r, EvidenceEvent)
                    and r.kind in (EventKind.RELAY_TO_NON_ERDS, EventKind.RELAY_TO_NON_ERDS_FAILURE)
                    and r.source.kind is SourceKind.COURT_SYSTEM
                    for r in later
                )
                assert self.decide() == ()

        @invariant()
        def service_never_before_the_first_dispatch(self) -> None:
            conclusion = self.state.conclusion
            if isinstance(conclusion, ServiceDetermination):
                assert self.state.first_dispatch is not None
                assert conclusion.time_of_service is not None
                assert conclusion.time_of_service >= self.state.first_dispatch

        @invariant()
        def the_state_is_the_fold_of_the_log(self) -> None:
            assert fold(self.order.order_id, self.logged) == self.state
            decoded = [codec.decode(e.record) for e in self.log.entries()]
            assert fold(self.order.order_id, decoded) == self.state

        @invariant()
        def deciding_is_repeatable(self) -> None:
            assert self.decide() == self.decide()

        def teardown(self) -> None:
            # Nobody answers any more: sends are accepted and lost, time runs on.
            for _ in range(200):
                if self.state.concluded:
                    break
                commands = self.decide()
                actions = [c for c in commands if not isinstance(c, CheckAt)]
                if actions:
                    self.perform(actions[0], "accept")
                else:
                    (wake,) = commands
                    self.now = max(self.now, wake.at)
            assert self.state.concluded
            assert sum(map(_is_conclusion, self.logged)) == 1
            self.one_conclusion_and_nothing_sent_after_it()
            self.service_never_before_the_first_dispatch()

    return ProcessMachine


def test_the_process_keeps_its_invariants(kit: SimpleNamespace) -> None:
    run_state_machine_as_test(
        _machine(kit),
        settings=settings(
            max_examples=100,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

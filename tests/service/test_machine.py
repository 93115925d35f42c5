"""A hypothesis state machine over the process, with China's or the US rules and a real log.

The machine plays the driver: it performs the process's commands with outcomes it draws
(accepted, refused for now, refused for good), lets time pass, and delivers provider
reports of every kind, out of order, early or late (after the conclusion), and again.
After every step:

* exactly one conclusion is current (none while open): every other one was superseded;
  the determinations form one chain, each superseding the one before;
* nothing is sent while the order is concluded;
* only a superseding determination leaves a conclusion, only SERVED, and only to ACTIVE;
* a served order that asks for no new determination is one the rules, asked again over
  everything logged, answer the same for (same time of service, same event);
* the time of service is never before the first dispatch;
* a report delivered again changes nothing;
* the state is the fold of the logged records, also after a round trip through the log;
* deciding twice gives the same commands.

At the end the machine stops answering and lets time run: every order concludes.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import attrs
from hypothesis import HealthCheck, event, settings
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
    ConsentGround,
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
    Phase,
    Redetermine,
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
US = jurisdictions.jurisdiction("US", on=date(2026, 3, 1), timezone="America/New_York")
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


def _is_sent(record: object) -> bool:
    return (
        isinstance(record, EvidenceEvent)
        and record.kind in (EventKind.RELAY_TO_NON_ERDS, EventKind.RELAY_TO_NON_ERDS_FAILURE)
        and record.source.kind is SourceKind.COURT_SYSTEM
    )


def _chained(record: object) -> bool:
    """A determination that concluded or superseded (not an interim answer)."""
    return isinstance(record, ServiceDetermination) and (
        record.time_of_service is not None or record.supersedes is not None
    )


def _machine(kit: SimpleNamespace) -> type[RuleBasedStateMachine]:
    class ProcessMachine(RuleBasedStateMachine):
        """One order served under China's or the US rules, with everything else drawn."""

        @initialize(
            country=st.sampled_from(("CN", "US")),
            kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True),
            methods=st.lists(st.sampled_from(METHODS), min_size=3, max_size=3),
            consent=st.integers(0, 5),
            parallel=st.integers(1, 2),
            attempts=st.integers(1, 3),
        )
        def submit(
            self,
            country: str,
            kinds: list[str],
            methods: list[VerificationMethod],
            consent: int,
            parallel: int,
            attempts: int,
        ) -> None:
            order = kit.make_order(kinds, country="PK" if country == "CN" else "US")
            channels = [
                attrs.evolve(a, verification=m)
                for a, m in zip(order.channels, methods[: len(order.channels)], strict=True)
            ]
            self.order = attrs.evolve(order, channels=channels)
            given = kit.make_consent()
            self.rules = CHINA
            if country == "US":
                # A notice served under FRCP 5(b)(2)(E) on written consent: complete upon
                # sending, not effective if the sender learns it did not reach the person.
                notice = attrs.evolve(order.documents[0], kind=DocumentKind.NOTICE)
                self.order = attrs.evolve(self.order, documents=[notice])
                given = attrs.evolve(
                    given,
                    ground=ConsentGround.US_WRITTEN_CONSENT,
                    document_kinds=(DocumentKind.NOTICE,),
                )
                self.rules = US
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
            self.phases: list[tuple[Phase, Phase]] = []
            """The order's phase before and after each logged record."""
            self.record(self.order)
            # Mostly with consent: a rejected order has little more to show.
            consents = [given] if consent < 5 else []
            self.record(assess_submission(self.order, self.rules, consents, at=self.now))

        # -- helpers ------------------------------------------------------------------

        def record(self, record: object) -> None:
            before = self.state.phase
            self.state = apply(self.state, record)
            self.phases.append((before, self.state.phase))
            if isinstance(record, ServiceDetermination) and record.supersedes is not None:
                event("reopened" if record.time_of_service is None else "served again")
            self.logged.append(record)
            self.log.append(record, time=self.now)

        def decide(self) -> tuple[Any, ...]:
            return decide(self.state, now=self.now, rules=self.rules, policy=self.policy)

        def perform(self, command: Any, outcome: str) -> None:
            if isinstance(command, AssessSubmission):
                raise AssertionError("the submission was assessed when the order was logged")
            if isinstance(command, (FallBack, Conclude, Redetermine)):
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
            self.report(which, kind, delay)

        @precondition(lambda self: self.state.concluded and bool(self.state.messages))
        @rule(
            which=st.integers(0, 20),
            kind=st.sampled_from(("bounced", "failed", "transient", "arrived", "read")),
            delay=st.integers(0, 3600),
        )
        def a_late_report(self, which: int, kind: str, delay: int) -> None:
            # After the conclusion, most often news that a message did not reach.
            self.report(which, kind, delay)

        def report(self, which: int, kind: str, delay: int) -> None:
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
        def exactly_one_current_conclusion(self) -> None:
            chain = [r for r in self.logged if _chained(r)]
            for previous, record in zip([None, *chain], chain, strict=False):
                assert isinstance(record, ServiceDetermination)
                assert record.supersedes == getattr(previous, "event_id", None)
            superseded = {r.supersedes for r in chain}
            current = [
                r
                for r in self.logged
                if _is_conclusion(r) and getattr(r, "event_id", None) not in superseded
            ]
            assert len(current) <= 1
            assert self.state.concluded == bool(current)
            assert self.state.conclusion == (current[0] if current else None)
            assert self.state.determinations == tuple(r.event_id for r in chain)

        @invariant()
        def nothing_sent_while_concluded(self) -> None:
            for record, (before, _) in zip(self.logged, self.phases, strict=True):
                if _is_sent(record):
                    assert not before.concluded
            if self.state.concluded:
                for command in self.decide():
                    assert isinstance(command, (Redetermine, CheckAt)), command
                    assert self.state.phase is Phase.SERVED

        @invariant()
        def only_a_superseding_determination_leaves_served_and_only_to_active(self) -> None:
            for record, (before, after) in zip(self.logged, self.phases, strict=True):
                if before.concluded and after is not before:
                    assert (before, after) == (Phase.SERVED, Phase.ACTIVE)
                    assert isinstance(record, ServiceDetermination)
                    assert record.supersedes is not None
                    assert record.time_of_service is None

        @invariant()
        def a_served_order_left_alone_is_one_the_rules_answer_the_same_for(self) -> None:
            current = self.state.conclusion
            if self.state.phase is not Phase.SERVED:
                return
            assert isinstance(current, ServiceDetermination)
            commands = self.decide()
            again = self.rules.time_of_service(
                self.order,
                self.state.records,
                at=self.now,
                determination_id="check",
                deadlines=tuple(self.policy.deadlines(self.order)),
            )
            same = (again.time_of_service, again.rests_on) == (
                current.time_of_service,
                current.rests_on,
            )
            redetermined = [c.record for c in commands if isinstance(c, Redetermine)]
            if same:
                assert redetermined == []
            else:
                (record,) = redetermined
                assert record.supersedes == current.event_id
                assert (record.time_of_service, record.rests_on) == (
                    again.time_of_service,
                    again.rests_on,
                )

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
            for _ in range(300):
                commands = self.decide()
                actions = [c for c in commands if not isinstance(c, CheckAt)]
                if actions:
                    self.perform(actions[0], "accept")
                elif commands:
                    (wake,) = commands
                    self.now = max(self.now, wake.at)
                else:
                    break
            assert self.state.concluded
            assert self.decide() == ()
            self.exactly_one_current_conclusion()
            self.nothing_sent_while_concluded()
            self.only_a_superseding_determination_leaves_served_and_only_to_active()
            self.service_never_before_the_first_dispatch()

    return ProcessMachine


def test_the_process_keeps_its_invariants(kit: SimpleNamespace) -> None:
    run_state_machine_as_test(
        _machine(kit),
        settings=settings(
            max_examples=100,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

"""The records a driver logs, built from the process's state: the submission's acceptance
or rejection, a dispatch, a failed send, and a provider's report as evidence.

Each record's event id follows from what it records (the order, the address, the attempt,
the report's identity), so the same fact is always the same record and logging it twice
is caught by :func:`~legaldelivery.service.process.apply`.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from legaldelivery.channels.base import (
    PERMANENT_FAILURE,
    TRANSIENT_FAILURE,
    Arrived,
    Bounced,
    ChannelError,
    ChannelReport,
    Dispatch,
    Failed,
    Filed,
    Read,
    Replied,
    reason,
)
from legaldelivery.errors import InputError
from legaldelivery.instants import to_utc
from legaldelivery.records import (
    ChannelKind,
    Consent,
    DeliveryOrder,
    DocumentPart,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    InboundFiling,
    ReasonCode,
    RecipientReply,
    _checks,
)
from legaldelivery.rules.base import Decision, Outcome
from legaldelivery.service.process import (
    SERVICE_SOURCE,
    OrderState,
    Phase,
    Send,
    ServiceRules,
    _event_id,
    _local_date,
    _unique,
)

__all__ = [
    "assess_submission",
    "dispatch_record",
    "evidence_for",
    "send_failure_record",
]


def assess_submission(
    order: DeliveryOrder,
    rules: ServiceRules,
    consents: Iterable[Consent],
    *,
    at: datetime,
    source: EventSource = SERVICE_SOURCE,
    court_authorisation: str | None = None,
) -> EvidenceEvent:
    """SubmissionAcceptance or SubmissionRejection of ``order``, with the citations.

    Every electronic address is checked for every kind of document in the order: consent
    (:meth:`ServiceRules.consent_decision`) and legality of the channel in the
    recipient's country (:meth:`ServiceRules.channel_decision`). One prohibited pair
    rejects the order; a pair that needs a court order passes only with
    ``court_authorisation`` (the reference of the court's order, which is recorded).

    .. versionadded:: 0.1.0
    """
    at = to_utc(at, path="at")
    if court_authorisation is not None:
        _checks.line(_checks.CITATION_MAX)(court_authorisation, "court_authorisation")
    consents = list(consents)
    on = _local_date(at, rules.time_zone)
    kinds = list(dict.fromkeys(d.kind for d in order.documents))
    grounds: list[ReasonCode] = []
    problems: list[ReasonCode] = []
    for i, address in enumerate(order.channels):
        for kind in kinds:
            where = f"channels[{i}] ({address.channel}), {kind.value}"
            checks: list[tuple[str, Decision]] = []
            if address.channel != ChannelKind.POSTAL.value:
                checks.append(
                    (
                        "consent",
                        rules.consent_decision(
                            document_kind=kind,
                            target=address,
                            recipient=order.recipient,
                            consents=consents,
                            at=at,
                        ),
                    )
                )
            checks.append(
                (
                    "channel",
                    rules.channel_decision(
                        recipient_country=order.recipient.country,
                        channel=address.channel,
                        document_kind=kind,
                        address_known=True,
                        on=on,
                    ),
                )
            )
            for what, decision in checks:
                last = decision.reasoning[-1] if decision.reasoning else ""
                if decision.outcome is Outcome.ALLOWED:
                    grounds.append(reason(f"{what}-allowed", decision.citation))
                elif decision.outcome is Outcome.NEEDS_COURT_ORDER and court_authorisation:
                    grounds.append(
                        reason(
                            "court-authorisation",
                            f"{where}: {decision.citation}; authorised by {court_authorisation}",
                        )
                    )
                else:
                    problems.append(
                        reason(
                            f"{what}-{decision.outcome.value.replace('_', '-')}",
                            f"{where}: {decision.citation}. {last}",
                        )
                    )
    return EvidenceEvent(
        event_id=_event_id(order.order_id, "submission"),
        kind=EventKind.SUBMISSION_REJECTION if problems else EventKind.SUBMISSION_ACCEPTANCE,
        order_id=order.order_id,
        sender_id=order.sender.party_id,
        recipient_id=order.recipient.party_id,
        event_time=at,
        source=source,
        reasons=_unique(problems or grounds),
        parts=[DocumentPart.of(d) for d in order.documents],
        submission_time=at,
    )


def _active_order(state: OrderState) -> DeliveryOrder:
    if state.order is None or state.phase in (Phase.NEW, Phase.SUBMITTED, Phase.REJECTED):
        raise InputError(
            f"order {state.order_id} is {state.phase.value}: nothing was sent", path="order_id"
        )
    return state.order


def _event(
    order: DeliveryOrder, event_id: str, kind: EventKind, when: datetime, **more: Any
) -> EvidenceEvent:
    return EvidenceEvent(
        event_id=event_id,
        kind=kind,
        order_id=order.order_id,
        sender_id=order.sender.party_id,
        recipient_id=order.recipient.party_id,
        event_time=when,
        **more,
    )


def dispatch_record(
    state: OrderState, send: Send, dispatch: Dispatch, *, source: EventSource = SERVICE_SOURCE
) -> EvidenceEvent:
    """The RelayToNonERDS event of a send the provider accepted.

    .. versionadded:: 0.1.0
    """
    order = _active_order(state)
    return _event(
        order,
        send.event_id,
        EventKind.RELAY_TO_NON_ERDS,
        dispatch.accepted_at,
        source=source,
        address=send.address,
        provider_message_id=dispatch.provider_message_id,
        payload_digest=dispatch.payload_digest,
        parts=[DocumentPart.of(d) for d in order.documents],
        submission_time=state.accepted_at,
    )


def send_failure_record(
    state: OrderState,
    send: Send,
    error: ChannelError,
    *,
    at: datetime,
    source: EventSource = SERVICE_SOURCE,
) -> EvidenceEvent:
    """The RelayToNonERDSFailure event of a send the channel could not make.

    .. versionadded:: 0.1.0
    """
    order = _active_order(state)
    marker = PERMANENT_FAILURE if error.permanent else TRANSIENT_FAILURE
    return _event(
        order,
        send.event_id,
        EventKind.RELAY_TO_NON_ERDS_FAILURE,
        at,
        source=source,
        address=send.address,
        reasons=[ReasonCode(code=marker), error.reason],
    )


def evidence_for(
    state: OrderState, report: ChannelReport, *, source: EventSource
) -> EvidenceEvent | RecipientReply | InboundFiling:
    """The record a provider's report is logged as (its event id is the report's identity).

    ========== ====================================================================
    report     record
    ========== ====================================================================
    Arrived    ContentConsignment, grade ``arrival``
    Read       ContentAccessTracking, grade ``system_read``
    Replied    RecipientReply (grade ``human_action``), in reply to the dispatch,
               with the digest of what the recipient sent as ``content_digest``
    Filed      InboundFiling linked to the order and its case
    Failed     RelayToNonERDSFailure, marked transient or permanent
    Bounced    ContentConsignmentFailure, permanent
    ========== ====================================================================

    .. versionadded:: 0.1.0
    """
    order = _active_order(state)
    if not isinstance(report, ChannelReport):
        raise InputError("expected a ChannelReport", path="report", got=type(report).__name__)
    message = state.message(report.provider_message_id)
    if message is None:
        raise InputError(
            f"order {state.order_id} sent no message with this id",
            path="provider_message_id",
            got=report.provider_message_id,
        )
    address = state.channels[message.channel_index].address
    digest = hashlib.sha256(
        "\0".join((type(report).__name__, report.provider_message_id, report.identity)).encode()
    ).hexdigest()[:32]
    event_id = _event_id(order.order_id, type(report).__name__.lower(), digest)
    common: dict[str, Any] = {
        "source": source,
        "address": address,
        "payload_digest": report.payload_digest,
        "screenshot_digest": report.screenshot_digest,
    }
    parts = [DocumentPart.of(d) for d in order.documents]
    when = report.occurred_at
    if isinstance(report, Replied):
        unknown = [
            d for d in report.document_ids if d not in {x.document_id for x in order.documents}
        ]
        if unknown:
            raise InputError("not a document of the order", path="document_ids", got=unknown[0])
        return RecipientReply(
            event_id=event_id,
            order_id=order.order_id,
            party_id=order.recipient.party_id,
            event_time=when,
            act=report.act,
            objects_to_e_service=report.objects_to_e_service,
            document_ids=report.document_ids,
            in_reply_to=message.event_id,
            provider_message_id=report.reply_message_id,
            content_digest=report.reply_digest,
            **common,
        )
    if isinstance(report, Filed):
        return InboundFiling(
            event_id=event_id,
            case_number=order.case.number,
            order_id=order.order_id,
            party_id=order.recipient.party_id,
            event_time=when,
            document_kind=report.document_kind,
            parts=report.parts,
            provider_message_id=report.filing_message_id,
            **common,
        )
    mid = report.provider_message_id
    if isinstance(report, Arrived):
        return _event(
            order,
            event_id,
            EventKind.CONTENT_CONSIGNMENT,
            when,
            grade=EvidenceGrade.ARRIVAL,
            provider_message_id=mid,
            parts=parts,
            **common,
        )
    if isinstance(report, Read):
        return _event(
            order,
            event_id,
            EventKind.CONTENT_ACCESS_TRACKING,
            when,
            grade=EvidenceGrade.SYSTEM_READ,
            provider_message_id=mid,
            parts=parts,
            **common,
        )
    if isinstance(report, Failed):
        marker = PERMANENT_FAILURE if report.permanent else TRANSIENT_FAILURE
        return _event(
            order,
            event_id,
            EventKind.RELAY_TO_NON_ERDS_FAILURE,
            when,
            provider_message_id=mid,
            reasons=[ReasonCode(code=marker), report.reason],
            **common,
        )
    if isinstance(report, Bounced):
        return _event(
            order,
            event_id,
            EventKind.CONTENT_CONSIGNMENT_FAILURE,
            when,
            provider_message_id=mid,
            reasons=[ReasonCode(code=PERMANENT_FAILURE), report.reason],
            **common,
        )
    raise InputError(
        "expected Arrived, Read, Replied, Filed, Failed or Bounced",
        path="report",
        got=type(report).__name__,
    )

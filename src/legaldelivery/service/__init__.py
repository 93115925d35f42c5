"""The delivery process: a pure state machine per order, and thin sync and asyncio drivers.

.. versionadded:: 0.1.0
"""

from legaldelivery.service.adriver import AsyncDeliveryService
from legaldelivery.service.driver import DeliveryService
from legaldelivery.service.evidence import (
    assess_submission,
    dispatch_record,
    evidence_for,
    send_failure_record,
)
from legaldelivery.service.process import (
    SERVICE_SOURCE,
    TRANSITIONS,
    Action,
    AssessSubmission,
    ChannelPhase,
    ChannelState,
    CheckAt,
    Command,
    Conclude,
    DeliveryPolicy,
    FallBack,
    Message,
    OrderState,
    Phase,
    Redetermine,
    Send,
    ServiceRules,
    Trigger,
    apply,
    decide,
    fold,
    response_periods,
)

__all__ = [
    "SERVICE_SOURCE",
    "TRANSITIONS",
    "Action",
    "AssessSubmission",
    "AsyncDeliveryService",
    "ChannelPhase",
    "ChannelState",
    "CheckAt",
    "Command",
    "Conclude",
    "DeliveryPolicy",
    "DeliveryService",
    "FallBack",
    "Message",
    "OrderState",
    "Phase",
    "Redetermine",
    "Send",
    "ServiceRules",
    "Trigger",
    "apply",
    "assess_submission",
    "decide",
    "dispatch_record",
    "evidence_for",
    "fold",
    "response_periods",
    "send_failure_record",
]

"""The service of one order as a pure state machine: logged records in, commands out.

The state of an order is a fold of its records (:func:`fold`, :func:`apply`), so replaying
the log reproduces it exactly; every change of phase is a row of :data:`TRANSITIONS`. What
to do next is a function of that state and the time (:func:`decide`): send over an
address, check again at a time, fall back to the next address, conclude, and determine
again when evidence that comes after service changes the rules' answer. Nothing here does
I/O or reads a clock; a driver performs the commands, logs what happened and feeds the
records back.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

# The process lives in three private modules, each readable on its own: the state and the
# transition table (_process_state), the fold (_process_fold) and the decision
# (_process_decide). This module is the public face; import from here.
from legaldelivery.service._process_decide import (
    Action,
    AssessSubmission,
    CheckAt,
    Command,
    Conclude,
    DeliveryPolicy,
    FallBack,
    Redetermine,
    Send,
    decide,
    response_periods,
)
from legaldelivery.service._process_decide import (
    _local_date as _local_date,
)
from legaldelivery.service._process_decide import (
    _unique as _unique,
)
from legaldelivery.service._process_fold import apply, fold
from legaldelivery.service._process_state import (
    SERVICE_SOURCE,
    TRANSITIONS,
    ChannelPhase,
    ChannelState,
    Message,
    OrderState,
    Phase,
    ServiceRules,
    Trigger,
)
from legaldelivery.service._process_state import (
    _event_id as _event_id,
)

__all__ = [
    "SERVICE_SOURCE",
    "TRANSITIONS",
    "Action",
    "AssessSubmission",
    "ChannelPhase",
    "ChannelState",
    "CheckAt",
    "Command",
    "Conclude",
    "DeliveryPolicy",
    "FallBack",
    "Message",
    "OrderState",
    "Phase",
    "Redetermine",
    "Send",
    "ServiceRules",
    "Trigger",
    "apply",
    "decide",
    "fold",
    "response_periods",
]

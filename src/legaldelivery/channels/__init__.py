"""Channels: the interfaces a host implements to serve through its providers, the reports
providers send back, and the reference channels (memory, SMTP).

.. versionadded:: 0.1.0
"""

from legaldelivery.channels.base import (
    PERMANENT_FAILURE,
    REASON_PREFIX,
    TRANSIENT_FAILURE,
    Arrived,
    AsyncChannel,
    Attachment,
    Bounced,
    Channel,
    ChannelCapabilities,
    ChannelError,
    ChannelReport,
    Content,
    Dispatch,
    Envelope,
    Failed,
    Filed,
    PermanentChannelError,
    Read,
    Replied,
    RetrievalLink,
    TransientChannelError,
    notice_text,
    reason,
)
from legaldelivery.channels.mail_reports import parse_dsn, parse_mdn, parse_report
from legaldelivery.channels.memory import Behaviour, MemoryChannel
from legaldelivery.channels.smtp import Security, SmtpChannel

__all__ = [
    "PERMANENT_FAILURE",
    "REASON_PREFIX",
    "TRANSIENT_FAILURE",
    "Arrived",
    "AsyncChannel",
    "Attachment",
    "Behaviour",
    "Bounced",
    "Channel",
    "ChannelCapabilities",
    "ChannelError",
    "ChannelReport",
    "Content",
    "Dispatch",
    "Envelope",
    "Failed",
    "Filed",
    "MemoryChannel",
    "PermanentChannelError",
    "Read",
    "Replied",
    "RetrievalLink",
    "Security",
    "SmtpChannel",
    "TransientChannelError",
    "notice_text",
    "parse_dsn",
    "parse_mdn",
    "parse_report",
    "reason",
]

"""The certificate of service a verified bundle yields, and the timeline of one order.

A :class:`ServiceCertificate` says what was served, to whom, over which channel, when,
with what presumption and which deadlines run -- read from log entries whose signatures
and inclusion proofs have been checked (see :func:`legaldelivery.audit.verify_bundle`).
:func:`timeline_of` turns an order's records into the dated steps of its service, with
English and Chinese labels, for the certificate, the terminal and notebooks.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from legaldelivery import codec
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, to_utc
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import (
    Address,
    ConsentRecorded,
    ConsentRevoked,
    Court,
    Deadline,
    DeliveryOrder,
    Document,
    EventKind,
    EvidenceEvent,
    EvidenceGrade,
    Fallback,
    InboundFiling,
    KeyRevocation,
    KeyRotation,
    Party,
    Presumption,
    RecipientReply,
    Sealed,
    ServiceDetermination,
)

__all__ = [
    "ServiceCertificate",
    "Step",
    "SupersededDetermination",
    "Timeline",
    "TimelineEvent",
    "TrustedTime",
    "WitnessCosignature",
    "build_certificate",
    "document_kind_zh",
    "order_records",
    "order_timeline",
    "record_events",
    "shown",
    "timeline_of",
]


class Step(enum.Enum):
    """What happened at one point of an order's timeline; values are stable identifiers.

    >>> Step.ARRIVAL.value
    'arrival'

    .. versionadded:: 0.1.0
    """

    ORDER = "order"
    ACCEPTANCE = "acceptance"
    REJECTION = "rejection"
    CONSENT = "consent"
    DISPATCH = "dispatch"
    ARRIVAL = "arrival"
    READ = "read"
    REPLY = "reply"
    FILING = "filing"
    FAILURE = "failure"
    FALLBACK = "fallback"
    DETERMINATION = "determination"
    SERVICE = "service"
    """The time of service a determination found (not a record of its own)."""
    DEADLINE = "deadline"
    """The end of a period service started (not a record of its own)."""
    KEY = "key"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class TimelineEvent:
    """One dated step of an order's service, labelled in English and Chinese.

    ``seq`` is the log entry the step comes from (None for the time of service and the
    deadlines, which a determination states rather than records).

    >>> from datetime import datetime, timezone
    >>> e = TimelineEvent(time=datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc),
    ...                   step=Step.ARRIVAL, label="Arrived", label_zh="已到达", seq=4)
    >>> e.step.value, e.seq
    ('arrival', 4)

    .. versionadded:: 0.1.0
    """

    time: datetime
    step: Step
    label: str
    label_zh: str
    detail: str = ""
    seq: int | None = None
    event_id: str | None = None
    channel: str | None = None


# EN 319 522 event -> (step, English label, Chinese label). The Chinese follows the
# wording of Chinese civil procedure where it has one (送达, 签收, 拒收).
_EVENTS: dict[EventKind, tuple[Step, str, str]] = {
    EventKind.SUBMISSION_ACCEPTANCE: (Step.ACCEPTANCE, "Accepted for service", "送达受理"),
    EventKind.SUBMISSION_REJECTION: (Step.REJECTION, "Refused for service", "不予送达"),
    EventKind.RELAY_ACCEPTANCE: (Step.DISPATCH, "Accepted by the relay", "中继受理"),
    EventKind.RELAY_REJECTION: (Step.FAILURE, "Rejected by the relay", "中继拒收"),
    EventKind.RELAY_FAILURE: (Step.FAILURE, "Relay failed", "中继失败"),
    EventKind.NOTIFICATION_FOR_ACCEPTANCE: (Step.DISPATCH, "Notice sent", "发出签收通知"),
    EventKind.NOTIFICATION_FOR_ACCEPTANCE_FAILURE: (
        Step.FAILURE,
        "Notice not sent",
        "签收通知发送失败",
    ),
    EventKind.CONSIGNMENT_ACCEPTANCE: (Step.REPLY, "Accepted by the recipient", "受送达人签收"),
    EventKind.CONSIGNMENT_REJECTION: (Step.FAILURE, "Refused by the recipient", "受送达人拒收"),
    EventKind.ACCEPTANCE_REJECTION_EXPIRY: (Step.FAILURE, "Not accepted in time", "签收期满"),
    EventKind.NOTIFICATION_DELIVERED: (Step.ARRIVAL, "Notice delivered", "通知已送达"),
    EventKind.CONTENT_CONSIGNMENT: (Step.ARRIVAL, "Arrived", "已到达"),
    EventKind.CONTENT_CONSIGNMENT_FAILURE: (Step.FAILURE, "Delivery failed", "投递失败"),
    EventKind.CONSIGNMENT_NOTIFICATION: (Step.ARRIVAL, "Recipient notified", "已通知"),
    EventKind.CONSIGNMENT_NOTIFICATION_FAILURE: (Step.FAILURE, "Notification failed", "通知失败"),
    EventKind.NOTIFICATION_ACCESS_TRACKING: (Step.READ, "Notice opened", "通知已阅读"),
    EventKind.CONTENT_ACCESS_TRACKING: (Step.READ, "Read", "已阅读"),
    EventKind.CONTENT_HANDOVER: (Step.READ, "Handed over", "已交付"),
    EventKind.CONTENT_HANDOVER_FAILURE: (Step.FAILURE, "Handover failed", "交付失败"),
    EventKind.RELAY_TO_NON_ERDS: (Step.DISPATCH, "Sent", "已发送"),
    EventKind.RELAY_TO_NON_ERDS_FAILURE: (Step.FAILURE, "Sending failed", "发送失败"),
    EventKind.RECEIVED_FROM_NON_ERDS: (Step.ARRIVAL, "Provider report", "服务商回执"),
}

_GRADE_STEP = {
    EvidenceGrade.ARRIVAL: Step.ARRIVAL,
    EvidenceGrade.SYSTEM_READ: Step.READ,
    EvidenceGrade.HUMAN_ACTION: Step.REPLY,
}


def shown(value: str | Sealed) -> str:
    """A personal value as a certificate shows it: the value, or that it is sealed.

    >>> from legaldelivery.records import seal
    >>> shown("Defendant One"), shown(seal("Defendant One")[0])
    ('Defendant One', '(sealed)')

    .. versionadded:: 0.1.0
    """
    return "(sealed)" if isinstance(value, Sealed) else value


def _address_text(address: Address | None) -> str:
    return "" if address is None else f"{address.channel}: {shown(address.handle)}"


def _event_step(record: EvidenceEvent) -> tuple[Step, str, str, str]:
    step, label, label_zh = _EVENTS[record.kind]
    if record.kind is EventKind.RECEIVED_FROM_NON_ERDS and record.grade is not None:
        step = _GRADE_STEP[record.grade]
    channel = record.address.channel if record.address is not None else None
    if step is Step.DISPATCH and channel is not None:
        label, label_zh = f"Sent via {channel}", f"经 {channel} 发送"
    bits = [record.kind.value]
    if record.grade is not None:
        bits.append(f"grade {record.grade.value}")
    if record.address is not None:
        bits.append(_address_text(record.address))
    bits.extend(r.details or r.code for r in record.reasons)
    return step, label, label_zh, "; ".join(bits)


def record_events(seq: int | None, record: object) -> list[TimelineEvent]:
    """The timeline events of one record (none for records the timeline leaves out).

    A determination gives three kinds: its own, the time of service and each deadline.

    >>> from legaldelivery.testing.fakes import sample_order
    >>> [e.label for e in record_events(1, sample_order())]
    ['Order to serve']

    .. versionadded:: 0.1.0
    """

    def event(
        time: datetime,
        step: Step,
        label: str,
        label_zh: str,
        detail: str = "",
        *,
        event_id: str | None = None,
        channel: str | None = None,
    ) -> TimelineEvent:
        return TimelineEvent(
            time=time,
            step=step,
            label=label,
            label_zh=label_zh,
            detail=detail,
            seq=seq,
            event_id=event_id,
            channel=channel,
        )

    if isinstance(record, DeliveryOrder):
        titles = ", ".join(d.title for d in record.documents)
        return [event(record.created_at, Step.ORDER, "Order to serve", "送达指令", titles)]
    if isinstance(record, EvidenceEvent):
        step, label, label_zh, detail = _event_step(record)
        channel = record.address.channel if record.address is not None else None
        return [
            event(
                record.event_time,
                step,
                label,
                label_zh,
                detail,
                event_id=record.event_id,
                channel=channel,
            )
        ]
    if isinstance(record, RecipientReply):
        channel = record.address.channel if record.address is not None else None
        objects = "; objects to e-service" if record.objects_to_e_service else ""
        detail = record.act.value + objects
        return [
            event(
                record.event_time,
                Step.REPLY,
                "Recipient replied",
                "受送达人回复",
                detail,
                event_id=record.event_id,
                channel=channel,
            )
        ]
    if isinstance(record, InboundFiling):
        channel = record.address.channel if record.address is not None else None
        parts = ", ".join(p.document_id for p in record.parts)
        return [
            event(
                record.event_time,
                Step.FILING,
                f"{record.document_kind.value.capitalize()} filed",
                "提交" + _DOCUMENT_ZH.get(record.document_kind.value, "文书"),
                parts,
                event_id=record.event_id,
                channel=channel,
            )
        ]
    if isinstance(record, Fallback):
        target = _address_text(record.to_address) or record.method.value
        channel = record.to_address.channel if record.to_address is not None else None
        return [
            event(
                record.event_time,
                Step.FALLBACK,
                f"Fallback to {target}",
                "改用其他送达方式",
                "; ".join(r.details or r.code for r in record.reasons),
                event_id=record.event_id,
                channel=channel,
            )
        ]
    if isinstance(record, ServiceDetermination):
        return _determination(seq, record)
    if isinstance(record, ConsentRecorded):
        detail = f"{record.consent.ground.value}: {', '.join(record.consent.channels)}"
        return [
            event(
                record.event_time,
                Step.CONSENT,
                "Consent to e-service recorded",
                "同意电子送达",
                detail,
                event_id=record.event_id,
            )
        ]
    if isinstance(record, ConsentRevoked):
        return [
            event(
                record.event_time,
                Step.CONSENT,
                "Consent revoked",
                "撤回电子送达同意",
                f"{record.consent_id} from {format_instant(record.revoked_at)}",
                event_id=record.event_id,
            )
        ]
    if isinstance(record, KeyRotation):
        return [
            event(
                record.event_time,
                Step.KEY,
                "Log key rotated",
                "日志密钥轮换",
                f"next key {record.new_fingerprint[:16]}",
                event_id=record.event_id,
            )
        ]
    if isinstance(record, KeyRevocation):
        return [
            event(
                record.event_time,
                Step.KEY,
                "Log key revoked",
                "日志密钥撤销",
                f"key {record.fingerprint[:16]}",
                event_id=record.event_id,
            )
        ]
    return []


_DOCUMENT_ZH = {
    "summons": "传票",
    "complaint": "起诉状",
    "evidence": "证据",
    "notice": "通知书",
    "judgment": "判决书",
    "ruling": "裁定书",
    "mediation_statement": "调解书",
    "defence": "答辩状",
    "other": "文书",
}


def document_kind_zh(kind: str) -> str:
    """The Chinese name of a document kind (its value); ``文书`` for one it does not know.

    >>> document_kind_zh("defence"), document_kind_zh("summons")
    ('答辩状', '传票')

    .. versionadded:: 0.1.0
    """
    return _DOCUMENT_ZH.get(kind, "文书")


def _determination(seq: int | None, record: ServiceDetermination) -> list[TimelineEvent]:
    served = record.time_of_service
    head = TimelineEvent(
        time=record.event_time,
        step=Step.DETERMINATION,
        label="Service determined" if served is not None else "Not yet served",
        label_zh="认定送达" if served is not None else "尚未送达",
        detail=f"{record.rule_set}: {record.citation}",
        seq=seq,
        event_id=record.event_id,
    )
    if served is None:
        return [head]
    assert record.presumption is not None
    found = [
        head,
        TimelineEvent(
            time=served,
            step=Step.SERVICE,
            label="Time of service",
            label_zh="送达时间",
            detail=f"{record.presumption.value}; rests on {record.rests_on}",
            seq=None,
            event_id=record.rests_on,
        ),
    ]
    found.extend(
        TimelineEvent(
            time=d.ends_at,
            step=Step.DEADLINE,
            label=f"Deadline: {d.name}",
            label_zh=f"期限届满：{_PERIOD_ZH.get(d.name, d.name)}",  # noqa: RUF001
            detail=f"last day {d.due.isoformat()}; {d.citation}",
            seq=None,
        )
        for d in record.deadlines
    )
    return found


_PERIOD_ZH = {"defence": "答辩", "appeal": "上诉", "answer": "答辩"}


def timeline_of(records: Iterable[tuple[int | None, object]]) -> tuple[TimelineEvent, ...]:
    """The dated steps of an order's service, earliest first, from ``(seq, record)`` pairs.

    Only the current determination's time of service and deadlines are drawn: the one no
    other supersedes (see ``ServiceDetermination.supersedes``; with several such, one in the
    chain of supersession outranks an interim one logged beside it, then the longer chain,
    then the later entry). The others show their own step, marked ``superseded by ...`` or
    ``not the current one``. Records the timeline has no step for are left out.

    >>> from legaldelivery.testing.fakes import sample_records
    >>> steps = timeline_of(enumerate(sample_records()))
    >>> [e.step.value for e in steps]
    ['consent', 'order', 'acceptance', 'dispatch', 'arrival', 'read', 'reply', 'filing']
    >>> steps[3].label, steps[3].label_zh
    ('Sent via wechat', '经 wechat 发送')

    .. versionadded:: 0.1.0
    """
    pairs = list(records)
    determinations = [
        (i, record)
        for i, (_, record) in enumerate(pairs)
        if isinstance(record, ServiceDetermination)
    ]
    chosen = _current_index([made for _, made in determinations])
    current = None if chosen is None else determinations[chosen][0]
    replaced_by: dict[str, list[str]] = {}
    for _, made in determinations:
        if made.supersedes is not None:
            replaced_by.setdefault(made.supersedes, []).append(made.event_id)
    found: list[TimelineEvent] = []
    for i, (seq, record) in enumerate(pairs):
        events = record_events(seq, record)
        if isinstance(record, ServiceDetermination) and i != current:
            # A determination that is not the current one states no time and starts no period.
            head = events[0]
            later = replaced_by.get(record.event_id)
            status = f"superseded by {', '.join(later)}" if later else "not the current one"
            events = [attrs.evolve(head, detail=f"{status}; {head.detail}")]
        found.extend(events)
    order = {id(e): n for n, e in enumerate(found)}
    return tuple(sorted(found, key=lambda e: (e.time, order[id(e)])))


def _utc_time(value: datetime) -> datetime:
    return to_utc(value, path="time")


@attrs.frozen(kw_only=True)
class TrustedTime:
    """A time-stamping authority's verified statement that the log held the entries by then.

    An RFC 3161 token over the bundle's checkpoint that verified against the TSA
    certificates the verifier trusts: the tree of that checkpoint -- and so every entry
    the bundle proves -- existed no later than ``time``, whatever the log's own clock says.

    >>> from datetime import datetime, timezone
    >>> t = TrustedTime(time=datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc),
    ...                 authority="CN=Test TSA,O=Test Notary,C=CN", serial_number=7,
    ...                 policy="1.3.6.1.4.1.99999.1.1")
    >>> t.authority
    'CN=Test TSA,O=Test Notary,C=CN'

    .. versionadded:: 0.1.0
    """

    time: datetime = attrs.field(converter=_utc_time)
    """The TSA's time (``genTime``), UTC."""
    authority: str
    """The TSA certificate's subject (RFC 4514), as the token's signer names it."""
    serial_number: int
    """The TSA's serial number of the token."""
    policy: str
    """The TSA policy the token was issued under (a dotted OID)."""
    accuracy: timedelta | None = None
    """The accuracy the TSA states for ``time`` (either way), if it states one."""


@attrs.frozen(kw_only=True)
class WitnessCosignature:
    """A witness of the verifier's policy whose cosignature of the checkpoint verified.

    >>> from datetime import datetime, timezone
    >>> w = WitnessCosignature(name="notary.example/w1", key_id="0a1b2c3d",
    ...                        time=datetime(2026, 3, 2, 9, 31, tzinfo=timezone.utc))
    >>> w.name
    'notary.example/w1'

    .. versionadded:: 0.1.0
    """

    name: str
    """The witness's key name."""
    key_id: str
    """The witness key's C2SP key id, 8 lowercase hex digits."""
    time: datetime = attrs.field(converter=_utc_time)
    """When the witness cosigned (the cosignature's own timestamp, UTC)."""


@attrs.frozen(kw_only=True)
class SupersededDetermination:
    """A determination of the order that is not the current one, and what replaced it.

    ``superseded_by`` is the determination naming it in ``supersedes`` (made again on
    later evidence, e.g. a bounce after service by sending) and ``reason`` that one's
    reason codes (else its last step). Both are None for a determination no other names
    that is still not the current one: an interim one logged beside the chain.

    >>> from datetime import datetime, timezone
    >>> s = SupersededDetermination(event_id="o-1/determination", seq=7,
    ...     determined_at=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc),
    ...     time_of_service=datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc),
    ...     superseded_by="o-1/determination/2", reason="bounced: mailbox unknown")
    >>> s.superseded_by
    'o-1/determination/2'

    .. versionadded:: 0.1.0
    """

    event_id: str
    seq: int
    """The log entry that records it."""
    determined_at: datetime = attrs.field(converter=_utc_time)
    time_of_service: datetime | None
    """The time of service it found, no longer in force."""
    superseded_by: str | None = None
    reason: str | None = None


@attrs.frozen(kw_only=True)
class ServiceCertificate:
    """What a verified proof-of-service bundle proves about one order.

    Built by :func:`~legaldelivery.audit.verify_bundle` only from entries whose signature
    and inclusion in the signed checkpoint verified: what was served (``documents``), to
    whom (``recipient``), over which channel (``served_via``; every address dispatched to
    is in ``dispatched_to``), when (``time_of_service``, ``presumption``), and which
    ``deadlines`` run. ``time_of_service`` is None while the rules found no service.
    When the verifier trusted a time-stamping authority and a witness policy,
    ``trusted_time`` says by when the log held these entries and ``witnesses`` who
    cosigned its checkpoint.
    The determination stated is the current one, which no other supersedes; the order's
    other determinations are in ``superseded``.

    Render it with :meth:`to_html` (a standalone page), :meth:`to_text`, or
    :meth:`timeline_svg`; in a notebook it displays itself.

    >>> from legaldelivery.audit.bundle import extract_bundle, verify_bundle
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key)
    >>> _ = log.append_many(sample_records())
    >>> cert = verify_bundle(extract_bundle(log, "order-2026-0001",
    ...                                     checkpoint=log.checkpoint()), trusted=[key.verifier])
    >>> cert.served, [d.document_id for d in cert.documents]
    (False, ['complaint', 'evidence', 'summons'])
    >>> cert.timeline[-1].label
    'Defence filed'

    .. versionadded:: 0.1.0
    """

    order_id: str
    case_number: str
    court: Court
    sender: Party
    recipient: Party
    documents: tuple[Document, ...]
    legal_basis: str
    dispatched_to: tuple[Address, ...]
    served_via: Address | None
    time_of_service: datetime | None
    presumption: Presumption | None
    rests_on: str | None
    evidence: str | None
    """What the time of service rests on, e.g. ``ContentConsignment (grade arrival)``."""
    rule_set: str | None
    citation: str | None
    steps: tuple[str, ...]
    deadlines: tuple[Deadline, ...]
    determined_at: datetime | None
    timeline: tuple[TimelineEvent, ...]
    origin: str
    checkpoint: Checkpoint
    entries: tuple[int, ...]
    """The log entries the bundle proved, by number."""
    signers: tuple[str, ...]
    """Fingerprints of the keys whose signatures verified."""
    late: tuple[str, ...] = ()
    """Event ids of evidence logged after the determination, for the court's review."""
    opened: tuple[str, ...] = ()
    """The sealed fields the bundle opened, as ``entry N: path``."""
    trusted_time: TrustedTime | None = None
    """The earliest verified RFC 3161 time stamp of the checkpoint, if the verifier checked
    any: the log held the proved entries no later than its time."""
    witnesses: tuple[WitnessCosignature, ...] = ()
    """The witnesses of the verifier's policy that cosigned the checkpoint (a quorum)."""
    superseded: tuple[SupersededDetermination, ...] = ()
    """The order's other determinations, in log order: superseded by a later one (or set
    aside beside the chain). Only the current one's time of service and deadlines count."""

    @property
    def served(self) -> bool:
        """Whether the rules found a time of service."""
        return self.time_of_service is not None

    def deadline(self, name: str) -> Deadline:
        """The deadline called ``name``; KeyError when there is none such."""
        for d in self.deadlines:
            if d.name == name:
                return d
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """The certificate as a JSON object (for ``--json`` output and scripts)."""

        def instant(value: datetime | None) -> str | None:
            return None if value is None else format_instant(value)

        def address(a: Address | None) -> dict[str, str] | None:
            return None if a is None else {"channel": a.channel, "handle": shown(a.handle)}

        return {
            "order_id": self.order_id,
            "case_number": self.case_number,
            "court": {"court_id": self.court.court_id, "name": self.court.name},
            "recipient": {
                "party_id": self.recipient.party_id,
                "name": shown(self.recipient.name),
                "country": self.recipient.country,
            },
            "documents": [
                {
                    "document_id": d.document_id,
                    "title": d.title,
                    "kind": d.kind.value,
                    "media_type": d.media_type,
                    "digest": str(d.digest),
                }
                for d in self.documents
            ],
            "legal_basis": self.legal_basis,
            "served": self.served,
            "served_via": address(self.served_via),
            "time_of_service": instant(self.time_of_service),
            "presumption": None if self.presumption is None else self.presumption.value,
            "rests_on": self.rests_on,
            "rule_set": self.rule_set,
            "citation": self.citation,
            "deadlines": [
                {
                    "name": d.name,
                    "due": d.due.isoformat(),
                    "ends_at": format_instant(d.ends_at),
                    "citation": d.citation,
                }
                for d in self.deadlines
            ],
            "origin": self.origin,
            "checkpoint": {
                "size": self.checkpoint.size,
                "root_hash": self.checkpoint.root_hash.hex(),
            },
            "entries": list(self.entries),
            "signers": list(self.signers),
            "late": list(self.late),
            "trusted_time": None
            if self.trusted_time is None
            else {
                "time": format_instant(self.trusted_time.time),
                "authority": self.trusted_time.authority,
                # A serial may have up to 160 bits: a string keeps it exact in any reader.
                "serial_number": str(self.trusted_time.serial_number),
                "policy": self.trusted_time.policy,
                "accuracy_microseconds": None
                if self.trusted_time.accuracy is None
                else self.trusted_time.accuracy // timedelta(microseconds=1),
            },
            "witnesses": [
                {"name": w.name, "key_id": w.key_id, "time": format_instant(w.time)}
                for w in self.witnesses
            ],
            "superseded": [
                {
                    "event_id": d.event_id,
                    "entry": d.seq,
                    "determined_at": format_instant(d.determined_at),
                    "time_of_service": instant(d.time_of_service),
                    "superseded_by": d.superseded_by,
                    "reason": d.reason,
                }
                for d in self.superseded
            ],
        }

    def to_html(self) -> str:
        """A standalone HTML page: the bilingual certificate with its timeline picture."""
        from legaldelivery.audit.render import certificate_html

        return certificate_html(self)

    def to_text(self) -> str:
        """The certificate as plain text, bilingual, for terminals and e-mail."""
        from legaldelivery.audit.render import certificate_text

        return certificate_text(self)

    def timeline_svg(self) -> str:
        """The timeline of the service as an SVG picture."""
        from legaldelivery.audit.render import timeline_svg

        return timeline_svg(self.timeline, zone=self.court.time_zone)

    def _repr_html_(self) -> str:
        from legaldelivery.audit.render import certificate_fragment

        return certificate_fragment(self)


def _why(record: ServiceDetermination) -> str:
    """Why a determination was made again: its reason codes, else its last step or citation."""
    if record.reasons:
        return "; ".join(r.details or r.code for r in record.reasons)
    return record.steps[-1] if record.steps else record.citation


def _chain_length(record: ServiceDetermination, by_id: Mapping[str, ServiceDetermination]) -> int:
    length, seen = 1, {record.event_id}
    while record.supersedes is not None and record.supersedes not in seen:
        earlier = by_id.get(record.supersedes)
        if earlier is None:
            break
        seen.add(earlier.event_id)
        record, length = earlier, length + 1
    return length


def _current_index(determinations: Sequence[ServiceDetermination]) -> int | None:
    """Which of an order's determinations (in log order) is the current one, if any.

    The current one is a determination no other supersedes. When several are (an
    integrator logged an interim one beside the chain, or the log forked), one that states
    a time of service or supersedes another outranks an interim one (no time, superseding
    nothing); then the longer chain of supersession wins; then the later in the log. None
    only when every determination is superseded (a cycle): there is then no current one.
    """
    named = {d.supersedes for d in determinations if d.supersedes is not None}
    by_id = {d.event_id: d for d in determinations}
    best: tuple[bool, int, int] | None = None
    for i, record in enumerate(determinations):
        if record.event_id in named:
            continue
        in_chain = record.time_of_service is not None or record.supersedes is not None
        rank = (in_chain, _chain_length(record, by_id), i)
        if best is None or rank > best:
            best = rank
    return None if best is None else best[2]


def _latest_determination(
    records: Sequence[tuple[int, object]],
) -> tuple[int, ServiceDetermination] | None:
    """The current determination with its entry number (see :func:`_current_index`)."""
    found = [(seq, r) for seq, r in records if isinstance(r, ServiceDetermination)]
    index = _current_index([r for _, r in found])
    return None if index is None else found[index]


def _superseded(
    records: Sequence[tuple[int, object]], current: ServiceDetermination | None
) -> tuple[SupersededDetermination, ...]:
    found = [(seq, r) for seq, r in records if isinstance(r, ServiceDetermination)]
    result = []
    for seq, record in found:
        if record is current:
            continue
        # In a fork, the latest entry naming it speaks for its replacement.
        by = next((r for _, r in reversed(found) if r.supersedes == record.event_id), None)
        result.append(
            SupersededDetermination(
                event_id=record.event_id,
                seq=seq,
                determined_at=record.event_time,
                time_of_service=record.time_of_service,
                superseded_by=None if by is None else by.event_id,
                reason=None if by is None else _why(by),
            )
        )
    return tuple(result)


def _find_event(records: Sequence[tuple[int, object]], event_id: str | None) -> object | None:
    if event_id is None:
        return None
    for _, record in records:
        if getattr(record, "event_id", None) == event_id:
            return record
    return None


def _evidence_of(record: object) -> str | None:
    if isinstance(record, EvidenceEvent):
        grade = f" (grade {record.grade.value})" if record.grade is not None else ""
        return f"{record.kind.value}{grade}"
    if isinstance(record, RecipientReply):
        return f"recipient reply: {record.act.value} (grade human_action)"
    if isinstance(record, InboundFiling):
        return f"inbound filing: {record.document_kind.value} (grade human_action)"
    return None


def build_certificate(
    *,
    order: DeliveryOrder,
    records: Sequence[tuple[int, object]],
    origin: str,
    checkpoint: Checkpoint,
    signers: Sequence[str],
    opened: Sequence[str] = (),
    trusted_time: TrustedTime | None = None,
    witnesses: Sequence[WitnessCosignature] = (),
) -> ServiceCertificate:
    """Assemble the certificate of ``order`` from its *verified* ``(seq, record)`` pairs.

    This states what the records say; it verifies nothing. Use
    :func:`~legaldelivery.audit.verify_bundle`, which calls it after every check held.

    .. versionadded:: 0.1.0
    """
    ordered = sorted(records, key=lambda pair: pair[0])
    found = _latest_determination(ordered)
    determination = None if found is None else found[1]
    rests = None if determination is None else _find_event(ordered, determination.rests_on)
    dispatched: list[Address] = []
    for _, record in ordered:
        if (
            isinstance(record, EvidenceEvent)
            and record.kind is EventKind.RELAY_TO_NON_ERDS
            and record.address is not None
            and record.address not in dispatched
        ):
            dispatched.append(record.address)
    late: list[str] = []
    if found is not None:
        late = [
            event_id
            for seq, record in ordered
            if seq > found[0]
            and isinstance(record, (EvidenceEvent, RecipientReply, InboundFiling))
            and isinstance(event_id := getattr(record, "event_id", None), str)
        ]
    served_via = getattr(rests, "address", None)
    return ServiceCertificate(
        order_id=order.order_id,
        case_number=order.case.number,
        court=order.case.court,
        sender=order.sender,
        recipient=order.recipient,
        documents=order.documents,
        legal_basis=order.legal_basis,
        dispatched_to=tuple(dispatched),
        served_via=served_via if isinstance(served_via, Address) else None,
        time_of_service=None if determination is None else determination.time_of_service,
        presumption=None if determination is None else determination.presumption,
        rests_on=None if determination is None else determination.rests_on,
        evidence=_evidence_of(rests),
        rule_set=None if determination is None else determination.rule_set,
        citation=None if determination is None else determination.citation,
        steps=() if determination is None else determination.steps,
        deadlines=() if determination is None else determination.deadlines,
        determined_at=None if determination is None else determination.event_time,
        timeline=timeline_of(ordered),
        origin=origin,
        checkpoint=checkpoint,
        entries=tuple(seq for seq, _ in ordered),
        signers=tuple(dict.fromkeys(signers)),
        late=tuple(late),
        opened=tuple(opened),
        trusted_time=trusted_time,
        witnesses=tuple(witnesses),
        superseded=_superseded(ordered, determination),
    )


@attrs.frozen(kw_only=True)
class Timeline:
    """The steps of one order's service, to show: as SVG, as text, or in a notebook.

    .. versionadded:: 0.1.0
    """

    order_id: str
    events: tuple[TimelineEvent, ...]
    zone: str = "UTC"
    """The time zone the times are shown in (the court's)."""

    def svg(self) -> str:
        """The timeline picture (see :func:`legaldelivery.audit.render.timeline_svg`)."""
        from legaldelivery.audit.render import timeline_svg

        return timeline_svg(self.events, zone=self.zone, title=f"{self.order_id} ({self.zone})")

    def text(self) -> str:
        """One line per step, for the terminal."""
        from legaldelivery.audit.render import timeline_text

        return timeline_text(self.events, zone=self.zone)

    def __len__(self) -> int:
        return len(self.events)

    def _repr_html_(self) -> str:
        return f"<div>{self.svg()}</div>"


def order_records(
    entries: Iterable[tuple[int, Mapping[str, Any]]], order_id: str
) -> list[tuple[int, object]]:
    """The decoded records of one order, from ``(seq, record JSON)`` pairs of a log.

    They are the order itself, every record naming it, and the recipient's consent records
    that name no order -- the same selection as a proof-of-service bundle's. Records that
    do not decode are left out: an audit reports them.

    .. versionadded:: 0.1.0
    """
    found: list[tuple[int, object]] = []
    consents: dict[str, list[tuple[int, object]]] = {}
    recipient: str | None = None
    for seq, obj in entries:
        about = obj.get("order_id")
        if about is not None and about != order_id:
            continue
        try:
            record = codec.decode(dict(obj))
        except InputError:
            continue
        if about == order_id:
            found.append((seq, record))
            if isinstance(record, DeliveryOrder):
                recipient = record.recipient.party_id
        elif isinstance(record, ConsentRecorded):
            consents.setdefault(record.consent.party_id, []).append((seq, record))
        elif isinstance(record, ConsentRevoked):
            consents.setdefault(record.party_id, []).append((seq, record))
    if recipient is not None:
        found.extend(consents.get(recipient, []))
    return sorted(found, key=lambda pair: pair[0])


def order_timeline(log: EvidenceLog, order_id: str) -> Timeline:
    """The timeline of order ``order_id`` as ``log`` records it, in the court's time zone.

    This reads the log as it is and verifies nothing: audit the log first
    (:func:`~legaldelivery.audit.audit_log`), or show a verified bundle's certificate.

    >>> from datetime import datetime, timezone
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log",
    ...                          signer=Ed25519Signer.generate("court.example/log"))
    >>> _ = log.append_many(sample_records())
    >>> t = order_timeline(log, "order-2026-0001")
    >>> t.zone, len(t), t.events[-1].label
    ('Asia/Shanghai', 8, 'Defence filed')

    Raises :class:`InputError` when the log has no such order.

    .. versionadded:: 0.1.0
    """
    records = order_records(((e.seq, e.record) for e in log.entries()), order_id)
    order = next((r for _, r in records if isinstance(r, DeliveryOrder)), None)
    if order is None:
        raise InputError(f"the log has no delivery order {order_id!r}", path="order_id")
    return Timeline(order_id=order_id, events=timeline_of(records), zone=order.case.court.time_zone)

"""pandas tables of logs, audit findings and timelines, for auditors working in notebooks.

pandas is an optional dependency (``pip install 'legaldelivery[notebook]'``): it is
imported only when :func:`to_dataframe` is called, so the library works without it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator
from typing import Any

from legaldelivery import codec
from legaldelivery.audit.bundle import BundleReport
from legaldelivery.audit.certificate import ServiceCertificate, Timeline, record_events
from legaldelivery.audit.findings import AuditReport
from legaldelivery.errors import InputError
from legaldelivery.log.entry import LogEntry
from legaldelivery.log.evidencelog import EvidenceLog
from legaldelivery.records import DeliveryOrder, EvidenceEvent, InboundFiling

__all__ = ["ENTRY_COLUMNS", "FINDING_COLUMNS", "TIMELINE_COLUMNS", "to_dataframe"]

ENTRY_COLUMNS = (
    "seq",
    "time",
    "record_type",
    "event_id",
    "order_id",
    "case",
    "step",
    "event",
    "grade",
    "channel",
    "event_time",
    "signer",
    "hash",
)
"""The columns of a log's table, one row per entry."""

FINDING_COLUMNS = ("entry", "kind", "message")
"""The columns of an audit report's or bundle report's table, one row per finding."""

TIMELINE_COLUMNS = ("time", "step", "label", "label_zh", "detail", "seq", "event_id", "channel")
"""The columns of a timeline's table, one row per step."""


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError as exc:
        raise ModuleNotFoundError(
            "to_dataframe needs pandas: pip install 'legaldelivery[notebook]'", name="pandas"
        ) from exc


def _entry_rows(entries: Iterable[LogEntry]) -> Iterator[dict[str, Any]]:
    cases: dict[str, str] = {}
    for entry in entries:
        obj = entry.record
        order_id = obj.get("order_id")
        row: dict[str, Any] = {
            "seq": entry.seq,
            "time": entry.time,
            "record_type": entry.record_type,
            "event_id": obj.get("event_id"),
            "order_id": order_id if isinstance(order_id, str) else None,
            "case": None,
            "step": None,
            "event": None,
            "grade": None,
            "channel": None,
            "event_time": None,
            "signer": entry.signer,
            "hash": entry.hash,
        }
        try:
            record = codec.decode(obj)
        except InputError:
            row["step"] = "undecodable"
            yield row
            continue
        if isinstance(record, DeliveryOrder):
            cases[record.order_id] = record.case.number
        if isinstance(record, InboundFiling):
            row["case"] = record.case_number
        elif isinstance(order_id, str):
            row["case"] = cases.get(order_id)
        steps = record_events(entry.seq, record)
        if steps:
            row["step"] = steps[0].step.value
            row["event_time"] = steps[0].time
            row["channel"] = steps[0].channel
        if isinstance(record, EvidenceEvent):
            row["event"] = record.kind.value
            row["grade"] = None if record.grade is None else record.grade.value
        else:
            uri = getattr(record, "uri", None)
            row["event"] = uri.rsplit(":", 1)[-1] if isinstance(uri, str) else None
            grade = getattr(record, "grade", None)
            row["grade"] = getattr(grade, "value", None)
        yield row


def _frame(rows: Iterable[dict[str, Any]], columns: tuple[str, ...], times: tuple[str, ...]) -> Any:
    pd = _pandas()
    frame = pd.DataFrame.from_records(list(rows), columns=list(columns))
    for name in times:
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


def to_dataframe(source: object) -> Any:
    """A :class:`pandas.DataFrame` of a log, an audit report, a bundle report or a timeline.

    * an :class:`~legaldelivery.log.EvidenceLog`, a log path (any store), or log entries:
      one row per entry (:data:`ENTRY_COLUMNS`): its number and time, the record type,
      event id, order, case number, the timeline step, the ETSI event or our event name,
      the evidence grade, channel, the event's own time, signer and hash. Filter by case
      with ``df[df.case == "..."]``. The log is read as it is: audit it first.
    * an :class:`~legaldelivery.audit.AuditReport` or a bundle report: one row per
      finding (:data:`FINDING_COLUMNS`), the report's facts in ``df.attrs``.
    * a :class:`~legaldelivery.audit.certificate.Timeline` or a certificate: one row per
      step of the timeline (:data:`TIMELINE_COLUMNS`).

    Times are pandas UTC timestamps.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log",
    ...                          signer=Ed25519Signer.generate("court.example/log"))
    >>> _ = log.append_many(sample_records())
    >>> df = to_dataframe(log)
    >>> list(df.step)
    ['consent', 'order', 'acceptance', 'dispatch', 'arrival', 'read', 'reply', 'filing']
    >>> df[df.grade == "system_read"].event.tolist()
    ['ContentAccessTracking']

    Raises :class:`ModuleNotFoundError` without pandas, :class:`InputError` for anything
    else.

    .. versionadded:: 0.1.0
    """
    if isinstance(source, EvidenceLog):
        return _frame(_entry_rows(source.entries()), ENTRY_COLUMNS, ("time", "event_time"))
    if isinstance(source, (str, os.PathLike)):
        _pandas()
        with EvidenceLog.open(source) as log:
            return to_dataframe(log)
    if isinstance(source, (AuditReport, BundleReport)):
        frame = _frame(
            (
                {"entry": f.entry, "kind": f.kind.value, "message": f.message}
                for f in source.findings
            ),
            FINDING_COLUMNS,
            (),
        )
        frame.attrs.update(
            {
                "origin": source.origin,
                "ok": source.ok,
                "size": source.size,
            }
        )
        if isinstance(source, AuditReport):
            frame.attrs["root_hash"] = source.root_hash.hex()
        return frame
    if isinstance(source, (Timeline, ServiceCertificate)):
        events = source.events if isinstance(source, Timeline) else source.timeline
        return _frame(
            (
                {
                    "time": e.time,
                    "step": e.step.value,
                    "label": e.label,
                    "label_zh": e.label_zh,
                    "detail": e.detail,
                    "seq": e.seq,
                    "event_id": e.event_id,
                    "channel": e.channel,
                }
                for e in events
            ),
            TIMELINE_COLUMNS,
            ("time",),
        )
    if isinstance(source, Iterable) and not isinstance(source, (bytes, dict)):
        items = list(source)
        if all(isinstance(e, LogEntry) for e in items):
            return _frame(_entry_rows(items), ENTRY_COLUMNS, ("time", "event_time"))
    raise InputError(
        "expected an EvidenceLog, a log path, log entries, an AuditReport, a bundle report, "
        "a Timeline or a ServiceCertificate",
        path="source",
        got=type(source).__name__,
    )

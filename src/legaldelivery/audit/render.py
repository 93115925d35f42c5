"""Rendering for people: the certificate as HTML and text, timelines as SVG, notebook display.

Every label is bilingual (English and Chinese), every value is escaped, and times are
shown in the court's zone beside the UTC instant the evidence records. In Jupyter, run
``%load_ext legaldelivery.audit.render`` (or :func:`enable_notebook_display`) and records,
log entries and audit reports display as tables; bundles, their reports and certificates
display themselves.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import base64
import enum
import html
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from legaldelivery import codec
from legaldelivery.audit.certificate import (
    ServiceCertificate,
    Step,
    SupersededDetermination,
    TimelineEvent,
)
from legaldelivery.audit.findings import AuditReport
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant
from legaldelivery.log.entry import LogEntry
from legaldelivery.records import Deadline, Digest, Presumption, Sealed

if TYPE_CHECKING:
    from legaldelivery.audit.bundle import BundleReport, ProofBundle

__all__ = [
    "LABELS",
    "LANES",
    "audit_report_html",
    "bundle_html",
    "bundle_report_html",
    "certificate_fragment",
    "certificate_html",
    "certificate_text",
    "enable_notebook_display",
    "entry_html",
    "html_of",
    "load_ipython_extension",
    "record_html",
    "timeline_svg",
    "timeline_text",
]

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Certificate of electronic service", "电子送达凭证"),
    "case": ("Case", "案号"),
    "court": ("Court", "法院"),
    "sender": ("Served by", "送达人"),
    "recipient": ("Recipient", "受送达人"),
    "documents": ("Documents served", "送达文书"),
    "basis": ("Legal basis of service", "送达依据"),
    "dispatched": ("Sent to", "发送至"),
    "channel": ("Served through", "送达方式"),
    "time": ("Time of service", "送达时间"),
    "presumption": ("Presumption", "推定效力"),
    "evidence": ("Evidence relied on", "所依据的证据"),
    "deadlines": ("Deadlines", "期限"),
    "rules": ("Rules applied", "适用规则"),
    "reasoning": ("Reasoning", "认定理由"),
    "timeline": ("Timeline", "送达过程"),
    "proof": ("Proof", "证明"),
    "log": ("Evidence log", "证据日志"),
    "checkpoint": ("Signed checkpoint", "签名检查点"),
    "entries": ("Log entries proved", "已证明的日志条目"),
    "signers": ("Signing keys", "签名密钥"),
    "trusted_time": ("Trusted time (RFC 3161)", "可信时间（RFC 3161）"),  # noqa: RUF001
    "held_by": (
        "the log held these entries no later than",
        "证据日志不晚于以下时间已收录上述条目",
    ),
    "stamped_by": ("time-stamped by", "时间戳机构"),
    "witnesses": ("Witness cosignatures", "见证方联署"),
    "cosigned_at": ("cosigned the checkpoint at", "联署检查点的时间"),
    "late": ("Evidence after the determination", "认定后收到的证据"),
    "superseded": ("Earlier determinations", "此前的认定"),
    "superseded_by": ("superseded by", "已被以下认定取代"),
    "set_aside": ("not the current determination", "非现行认定"),
    "opened": ("Sealed values opened", "已开启的密封信息"),
    # Chinese text takes full-width punctuation.
    "not_served": (
        "Not served: the rules found no time of service",
        "未送达：尚无法认定送达时间",  # noqa: RUF001
    ),
    "verified": ("Verified", "已验证"),
    "not_verified": ("NOT verified", "未通过验证"),
    "findings": ("Findings", "发现的问题"),
}
"""Every label of the certificate: key to (English, Chinese)."""

_PRESUMPTION = {
    Presumption.CONCLUSIVE: ("conclusive", "确定，不容反证"),  # noqa: RUF001
    Presumption.REBUTTABLE: (
        "rebuttable: open to proof otherwise",
        "推定送达，可以反证推翻",  # noqa: RUF001
    ),
}

LANES: tuple[tuple[str, str, frozenset[Step]], ...] = (
    ("Court", "法院", frozenset({Step.ORDER, Step.ACCEPTANCE, Step.REJECTION, Step.CONSENT,
                                Step.KEY, Step.OTHER})),
    ("Sent", "发送", frozenset({Step.DISPATCH})),
    ("Arrived", "到达", frozenset({Step.ARRIVAL})),
    ("Read", "阅读", frozenset({Step.READ})),
    ("Replied / filed", "回复 / 提交", frozenset({Step.REPLY, Step.FILING})),
    ("Failed / fallback", "失败 / 改换", frozenset({Step.FAILURE, Step.FALLBACK})),
    ("Law", "法律认定", frozenset({Step.DETERMINATION, Step.SERVICE, Step.DEADLINE})),
)  # fmt: skip
"""The rows of the timeline picture: (English, Chinese, the steps drawn in the row)."""

_COLOURS = {
    Step.ORDER: "#4a5568",
    Step.ACCEPTANCE: "#2b6cb0",
    Step.REJECTION: "#c53030",
    Step.CONSENT: "#6b46c1",
    Step.DISPATCH: "#3182ce",
    Step.ARRIVAL: "#38a169",
    Step.READ: "#2f855a",
    Step.REPLY: "#b7791f",
    Step.FILING: "#975a16",
    Step.FAILURE: "#e53e3e",
    Step.FALLBACK: "#dd6b20",
    Step.DETERMINATION: "#1a202c",
    Step.SERVICE: "#000000",
    Step.DEADLINE: "#9b2c2c",
    Step.KEY: "#718096",
    Step.OTHER: "#a0aec0",
}

_STYLE = """
.ld-certificate { font-family: system-ui, "Noto Sans", "Noto Sans CJK SC", sans-serif;
  color: #1a202c; max-width: 60rem; }
.ld-certificate h1 { font-size: 1.4rem; margin: 0 0 .8rem 0; }
.ld-certificate table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
.ld-certificate th, .ld-certificate td { border: 1px solid #cbd5e0; padding: .3rem .5rem;
  text-align: left; vertical-align: top; }
.ld-certificate th { background: #edf2f7; width: 16rem; font-weight: 600; }
.ld-certificate .zh { color: #4a5568; font-weight: normal; }
.ld-certificate code { font-size: .85em; word-break: break-all; }
.ld-certificate .ok { color: #276749; font-weight: 600; }
.ld-certificate .bad { color: #c53030; font-weight: 600; }
.ld-certificate svg { max-width: 100%; height: auto; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _label(key: str) -> str:
    en, zh = LABELS[key]
    return f'{_e(en)} <span class="zh" lang="zh">{_e(zh)}</span>'


def _when(value: datetime, zone: str) -> str:
    """``2026-03-02 09:03:00 Asia/Shanghai (2026-03-02T01:03:00.000000Z)``."""
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M:%S} {zone} ({format_instant(value)})"


def _ends(deadline: Deadline, zone: str) -> str:
    """When a period ends: ``24:00 on its last day`` when it ends at that midnight."""
    local = deadline.ends_at.astimezone(ZoneInfo(zone))
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0) and (
        local.date() - deadline.due
    ).days == 1:
        return f"24:00 on {deadline.due.isoformat()} {zone} ({format_instant(deadline.ends_at)})"
    return _when(deadline.ends_at, zone)


# -- the certificate --------------------------------------------------------------------


def _rows(cert: ServiceCertificate) -> list[tuple[str, str]]:
    """The certificate's (label key, HTML value) rows, in reading order."""
    zone = cert.court.time_zone
    recipient = cert.recipient
    rows: list[tuple[str, str]] = [
        ("case", _e(cert.case_number)),
        ("court", f"{_e(cert.court.name)} ({_e(cert.court.court_id)}, {_e(zone)})"),
        ("sender", f"{_e(_shown(cert.sender.name))} ({_e(cert.sender.party_id)})"),
        (
            "recipient",
            f"{_e(_shown(recipient.name))} ({_e(recipient.party_id)}, "
            f"{_e(recipient.role.value)}, {_e(recipient.country)})",
        ),
        (
            "documents",
            "<br>".join(
                f"{_e(d.title)} ({_e(d.kind.value)}, {_e(d.media_type)}, {d.size} bytes)"
                f"<br><code>{_e(d.digest)}</code>"
                for d in cert.documents
            ),
        ),
        ("basis", _e(cert.legal_basis)),
        (
            "dispatched",
            "<br>".join(_e(f"{a.channel}: {_shown(a.handle)}") for a in cert.dispatched_to) or "—",
        ),
    ]
    if cert.time_of_service is None:
        rows.append(("time", f'<span class="bad">{_label("not_served")}</span>'))
    else:
        assert cert.presumption is not None
        en, zh = _PRESUMPTION[cert.presumption]
        via = cert.served_via
        rows += [
            ("time", f"<strong>{_e(_when(cert.time_of_service, zone))}</strong>"),
            ("channel", _e(f"{via.channel}: {_shown(via.handle)}") if via is not None else "—"),
            ("evidence", f"{_e(cert.evidence or '—')}<br><code>{_e(cert.rests_on)}</code>"),
            ("presumption", f'{_e(en)} <span class="zh" lang="zh">{_e(zh)}</span>'),
        ]
    if cert.deadlines:
        rows.append(
            (
                "deadlines",
                "<br>".join(
                    f"<strong>{_e(d.name)}</strong>: last day {_e(d.due.isoformat())}, ends "
                    f"{_e(_ends(d, zone))}<br>{_e(d.citation)}"
                    for d in cert.deadlines
                ),
            )
        )
    if cert.rule_set is not None:
        rows.append(("rules", f"{_e(cert.rule_set)}: {_e(cert.citation)}"))
    if cert.steps:
        items = "".join(f"<li>{_e(s)}</li>" for s in cert.steps)
        rows.append(("reasoning", f"<ol>{items}</ol>"))
    if cert.superseded:
        rows.append(("superseded", "<br>".join(_superseded_html(d, zone) for d in cert.superseded)))
    if cert.late:
        rows.append(("late", "<br>".join(f"<code>{_e(x)}</code>" for x in cert.late)))
    if cert.opened:
        rows.append(("opened", "<br>".join(_e(x) for x in cert.opened)))
    return rows


def _superseded_line(d: SupersededDetermination, zone: str) -> tuple[str, str, str]:
    """(what it found, status in English, status in Chinese) of a past determination."""
    found = (
        "not served" if d.time_of_service is None else f"served {_when(d.time_of_service, zone)}"
    )
    what = f"entry {d.seq}, made {_when(d.determined_at, zone)}: {found}"
    if d.superseded_by is None:
        en, zh = LABELS["set_aside"]
        return what, en, zh
    en, zh = LABELS["superseded_by"]
    return what, f"{en} {d.superseded_by}: {d.reason}", f"{zh} {d.superseded_by}"


def _superseded_html(d: SupersededDetermination, zone: str) -> str:
    what, en, zh = _superseded_line(d, zone)
    return (
        f"<code>{_e(d.event_id)}</code> ({_e(what)})<br>"
        f'<span class="bad">{_e(en)}</span> <span class="zh" lang="zh">{_e(zh)}</span>'
    )


def _proof_rows(cert: ServiceCertificate) -> list[tuple[str, str]]:
    cp = cert.checkpoint
    zone = cert.court.time_zone
    rows = [
        ("log", f"<code>{_e(cert.origin)}</code>"),
        (
            "checkpoint",
            f"size {cp.size}, root <code>{_e(cp.root_hash.hex())}</code>",
        ),
        ("entries", _e(", ".join(str(s) for s in cert.entries))),
        ("signers", "<br>".join(f"<code>{_e(s)}</code>" for s in cert.signers)),
    ]
    stamp = cert.trusted_time
    if stamp is not None:
        rows.append(
            (
                "trusted_time",
                f"{_label('held_by')}: <strong>{_e(_when(stamp.time, zone))}</strong><br>"
                f"{_label('stamped_by')}: {_e(stamp.authority)} "
                f"(serial {_e(stamp.serial_number)}, policy {_e(stamp.policy)})",
            )
        )
    if cert.witnesses:
        rows.append(
            (
                "witnesses",
                "<br>".join(
                    f"<code>{_e(w.name)}</code> ({_e(w.key_id)}) {_label('cosigned_at')}: "
                    f"{_e(_when(w.time, zone))}"
                    for w in cert.witnesses
                ),
            )
        )
    return rows


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_label(key)}</th><td>{value}</td></tr>" for key, value in rows)
    return f"<table>{body}</table>"


def _timeline_table(events: Sequence[TimelineEvent], zone: str) -> str:
    rows = "".join(
        f"<tr><td>{i}</td><td>{_e(_clock(ev, ZoneInfo(zone), year=True))}</td>"
        f'<td>{_e(ev.label)} <span class="zh" lang="zh">{_e(ev.label_zh)}</span></td>'
        f"<td>{_e(ev.detail)}</td><td>{'' if ev.seq is None else ev.seq}</td></tr>"
        for i, ev in enumerate(events, 1)
    )
    head = (
        "<tr><th>#</th><th>time 时间</th><th>step 环节</th><th>detail 详情</th>"
        "<th>entry 条目</th></tr>"
    )
    return f"<table>{head}{rows}</table>"


def certificate_fragment(cert: ServiceCertificate) -> str:
    """The certificate as an HTML fragment (a ``<div>`` with its own style), for notebooks.

    .. versionadded:: 0.1.0
    """
    return _certificate_div(cert, style=f"<style>{_STYLE}</style>")


def _certificate_div(cert: ServiceCertificate, *, style: str) -> str:
    zone = cert.court.time_zone
    verified = (
        f'<p class="ok">{_label("verified")}: every entry below is signed and included in '
        f"the signed checkpoint of log <code>{_e(cert.origin)}</code>.</p>"
    )
    return (
        f'<div class="ld-certificate">{style}'
        f"<h1>{_label('title')}</h1>{verified}"
        f"{_table(_rows(cert))}"
        f"<h2>{_label('timeline')}</h2>"
        f"{timeline_svg(cert.timeline, zone=zone)}"
        f"{_timeline_table(cert.timeline, zone)}"
        f"<h2>{_label('proof')}</h2>{_table(_proof_rows(cert))}"
        "</div>"
    )


def certificate_html(cert: ServiceCertificate) -> str:
    """The certificate as a standalone HTML5 page, bilingual, with its timeline picture.

    >>> from legaldelivery import EvidenceLog
    >>> from legaldelivery.audit.bundle import extract_bundle, verify_bundle
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key)
    >>> _ = log.append_many(sample_records())
    >>> bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    >>> page = certificate_html(verify_bundle(bundle, trusted=[key.verifier]))
    >>> page.splitlines()[0], "电子送达凭证" in page
    ('<!DOCTYPE html>', True)

    .. versionadded:: 0.1.0
    """
    title = f"{LABELS['title'][0]} / {LABELS['title'][1]}: {cert.case_number}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{_certificate_div(cert, style='')}\n</body>\n</html>\n"
    )


def _shown(value: str | Sealed) -> str:
    return "(sealed)" if isinstance(value, Sealed) else value


def certificate_text(cert: ServiceCertificate) -> str:
    """The certificate as plain text: bilingual labels, one fact per line.

    ``cert.to_text()`` calls it; see :func:`certificate_html` for a certificate.

    .. versionadded:: 0.1.0
    """
    zone = cert.court.time_zone
    en, zh = LABELS["title"]
    lines = [f"{en.upper()} / {zh}", "=" * 48]

    def put(key: str, value: str) -> None:
        label_en, label_zh = LABELS[key]
        first, *rest = value.split("\n") if value else ["-"]
        lines.append(f"{label_en} / {label_zh}: {first}")
        lines.extend(f"    {line}" for line in rest)

    r = cert.recipient
    put("case", cert.case_number)
    put("court", f"{cert.court.name} ({cert.court.court_id}, {zone})")
    put("sender", f"{_shown(cert.sender.name)} ({cert.sender.party_id})")
    put("recipient", f"{_shown(r.name)} ({r.party_id}, {r.role.value}, {r.country})")
    put(
        "documents",
        "\n".join(f"{d.title} ({d.kind.value}, {d.media_type}) {d.digest}" for d in cert.documents),
    )
    put("basis", cert.legal_basis)
    put("dispatched", "\n".join(f"{a.channel}: {_shown(a.handle)}" for a in cert.dispatched_to))
    if cert.time_of_service is None:
        put("time", " / ".join(LABELS["not_served"]))
    else:
        assert cert.presumption is not None
        via = cert.served_via
        put("time", _when(cert.time_of_service, zone))
        put("channel", f"{via.channel}: {_shown(via.handle)}" if via is not None else "-")
        put("evidence", f"{cert.evidence} ({cert.rests_on})")
        put("presumption", " / ".join(_PRESUMPTION[cert.presumption]))
    for d in cert.deadlines:
        put(
            "deadlines",
            f"{d.name}: last day {d.due.isoformat()}, ends {_ends(d, zone)}\n{d.citation}",
        )
    if cert.rule_set is not None:
        put("rules", f"{cert.rule_set}: {cert.citation}")
    if cert.steps:
        put("reasoning", "\n".join(f"{i}. {s}" for i, s in enumerate(cert.steps, 1)))
    if cert.superseded:
        shown_lines = []
        for past in cert.superseded:
            what, en, zh = _superseded_line(past, zone)
            shown_lines.append(f"{past.event_id} ({what})\n  {en} / {zh}")
        put("superseded", "\n".join(shown_lines))
    if cert.late:
        put("late", "\n".join(cert.late))
    if cert.opened:
        put("opened", "\n".join(cert.opened))
    lines.append("")
    lines.append(f"{LABELS['timeline'][0]} / {LABELS['timeline'][1]}:")
    lines.extend("  " + line for line in timeline_text(cert.timeline, zone=zone).splitlines())
    lines.append("")
    cp = cert.checkpoint
    put("log", cert.origin)
    put("checkpoint", f"size {cp.size}, root {cp.root_hash.hex()}")
    put("entries", ", ".join(str(s) for s in cert.entries))
    put("signers", "\n".join(cert.signers))
    stamp = cert.trusted_time
    if stamp is not None:
        held, held_zh = LABELS["held_by"]
        by, by_zh = LABELS["stamped_by"]
        put(
            "trusted_time",
            f"{held} / {held_zh}: {_when(stamp.time, zone)}\n"
            f"{by} / {by_zh}: {stamp.authority} (serial {stamp.serial_number}, "
            f"policy {stamp.policy})",
        )
    if cert.witnesses:
        at, at_zh = LABELS["cosigned_at"]
        put(
            "witnesses",
            "\n".join(
                f"{w.name} ({w.key_id}) {at} / {at_zh}: {_when(w.time, zone)}"
                for w in cert.witnesses
            ),
        )
    return "\n".join(lines) + "\n"


# -- timelines --------------------------------------------------------------------------


def timeline_text(events: Iterable[TimelineEvent], *, zone: str = "UTC") -> str:
    """A timeline for the terminal: one line per step, times in ``zone``.

    >>> from datetime import datetime, timezone
    >>> print(timeline_text([TimelineEvent(time=datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc),
    ...     step=Step.ARRIVAL, label="Arrived", label_zh="已到达", detail="wechat", seq=4)],
    ...     zone="Asia/Shanghai"))
    2026-03-02 09:03  arrival        Arrived 已到达 -- wechat [entry 4]

    .. versionadded:: 0.1.0
    """
    tz = ZoneInfo(zone)
    lines = []
    for ev in events:
        where = "" if ev.seq is None else f" [entry {ev.seq}]"
        detail = f" -- {ev.detail}" if ev.detail else ""
        lines.append(
            f"{_clock(ev, tz, year=True)}  {ev.step.value:<13}  {ev.label} {ev.label_zh}"
            f"{detail}{where}"
        )
    return "\n".join(lines)


def _lane_of(step: Step) -> int:
    for i, (_, _, steps) in enumerate(LANES):
        if step in steps:
            return i
    raise AssertionError(step)  # pragma: no cover - every step has a lane


def timeline_svg(
    events: Sequence[TimelineEvent], *, zone: str = "UTC", title: str | None = None
) -> str:
    """The timeline as an SVG picture: one row per kind of step, one column per step.

    Columns keep the order of the steps rather than a time scale (a service spans minutes
    and months); the time of each step, in ``zone``, is written under its column, and a
    gap of a day or more is marked on the axis. Hovering a mark shows its details.

    >>> from datetime import datetime, timezone
    >>> svg = timeline_svg([TimelineEvent(time=datetime(2026, 3, 2, 1, 3, tzinfo=timezone.utc),
    ...     step=Step.ARRIVAL, label="Arrived", label_zh="已到达")])
    >>> svg.startswith("<svg"), "Arrived" in svg
    (True, True)

    .. versionadded:: 0.1.0
    """
    tz = ZoneInfo(zone)
    label_w, col, lane_h, top = 190, 58, 30, 34
    texts = [f"{_clock(ev, tz)} {ev.label} {ev.label_zh}" for ev in events]
    # Room for the slanted labels under the axis: about 6.5 px per Latin character and
    # twice that per CJK character, at 50 degrees.
    longest = max((_text_width(t) for t in texts), default=0)
    n = max(len(events), 1)
    width = label_w + n * col + 20 + int(longest * 0.65)
    axis = top + len(LANES) * lane_h + 8
    height = axis + 24 + int(longest * 0.77)
    caption = title or f"{LABELS['timeline'][0]} / {LABELS['timeline'][1]} ({zone})"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(caption)}" '
        "font-family=\"system-ui, 'Noto Sans', 'Noto Sans CJK SC', sans-serif\" "
        'font-size="11">',
        f"<title>{_e(caption)}</title>",
        f'<text x="8" y="18" font-size="13" font-weight="600">{_e(caption)}</text>',
    ]
    for i, (en, zh, _) in enumerate(LANES):
        y = top + i * lane_h + lane_h // 2
        fill = "#f7fafc" if i % 2 == 0 else "#ffffff"
        parts.append(
            f'<rect x="0" y="{y - lane_h // 2}" width="{width}" height="{lane_h}" fill="{fill}"/>'
        )
        parts.append(f'<text x="8" y="{y + 4}">{_e(en)} {_e(zh)}</text>')
        parts.append(f'<line x1="{label_w}" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#e2e8f0"/>')
    parts.append(
        f'<line x1="{label_w}" y1="{axis}" x2="{width - 10}" y2="{axis}" stroke="#4a5568"/>'
    )
    previous: datetime | None = None
    for i, ev in enumerate(events):
        x = label_w + i * col + col // 2
        y = top + _lane_of(ev.step) * lane_h + lane_h // 2
        colour = _COLOURS[ev.step]
        local = ev.time.astimezone(tz)
        if previous is not None and ev.time - previous >= _DAY:
            days = (ev.time - previous).days
            parts.append(
                f'<text x="{x - col // 2}" y="{axis - 3}" text-anchor="middle" '
                f'fill="#718096">+{days} d</text>'
            )
        previous = ev.time
        parts.append(
            f'<line x1="{x}" y1="{y}" x2="{x}" y2="{axis}" stroke="{colour}" '
            'stroke-dasharray="2,3" stroke-opacity="0.5"/>'
        )
        tip = f"{ev.label} {ev.label_zh}\n{local:%Y-%m-%d %H:%M:%S} ({format_instant(ev.time)})"
        if ev.detail:
            tip += f"\n{ev.detail}"
        if ev.seq is not None:
            tip += f"\nentry {ev.seq}"
        if ev.step in (Step.SERVICE, Step.DEADLINE):
            shape = (
                f'<polygon points="{x},{y - 8} {x + 8},{y} {x},{y + 8} {x - 8},{y}" '
                f'fill="{colour}">'
            )
            parts.append(f"{shape}<title>{_e(tip)}</title></polygon>")
        else:
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="7" fill="{colour}"><title>{_e(tip)}</title></circle>'
            )
        parts.append(
            f'<text transform="translate({x + 3},{axis + 10}) rotate(50)" fill="{colour}">'
            f"{_e(texts[i])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


_DAY = datetime(2000, 1, 2, tzinfo=timezone.utc) - datetime(2000, 1, 1, tzinfo=timezone.utc)


def _text_width(text: str) -> float:
    return sum(13.0 if unicodedata.east_asian_width(c) in "WF" else 6.5 for c in text)


def _clock(ev: TimelineEvent, tz: ZoneInfo, *, year: bool = False) -> str:
    """``MM-DD HH:MM`` in ``tz``; a deadline ending at midnight shows as 24:00 of its day."""
    local = ev.time.astimezone(tz)
    day = "%Y-%m-%d" if year else "%m-%d"
    if ev.step is Step.DEADLINE and (local.hour, local.minute, local.second) == (0, 0, 0):
        # The law counts the last day to its end (CPL Art 85, Civil Code Art 203).
        return f"{(local - _DAY).strftime(day)} 24:00"
    return local.strftime(f"{day} %H:%M")


# -- notebook display -------------------------------------------------------------------


def _value_html(value: Any, depth: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, Sealed):
        return f"<em>sealed</em> <code>{_e(str(value)[:28])}…</code>"
    if isinstance(value, Digest):
        return f"<code>{_e(value)}</code>"
    if isinstance(value, enum.Enum):
        return _e(value.value)
    if isinstance(value, datetime):
        return _e(format_instant(value))
    if isinstance(value, date):
        return _e(value.isoformat())
    if isinstance(value, bytes):
        return f"<code>{_e(base64.b64encode(value).decode('ascii'))}</code>"
    if attrs.has(type(value)) and depth < 6:
        return _record_table(value, depth + 1)
    if isinstance(value, tuple):
        if not value:
            return "—"
        return "<br>".join(_value_html(v, depth) for v in value)
    return _e(value)


def _record_table(record: Any, depth: int) -> str:
    rows = "".join(
        f'<tr><th style="text-align:left;vertical-align:top">{_e(f.name)}</th>'
        f'<td style="text-align:left">{_value_html(getattr(record, f.name), depth)}</td></tr>'
        for f in attrs.fields(type(record))
    )
    return f'<table class="ld-record">{rows}</table>'


def record_html(record: object) -> str:
    """Any record as an HTML table of its fields (nested records as nested tables).

    >>> from legaldelivery.testing.fakes import sample_order
    >>> html_text = record_html(sample_order())
    >>> "delivery-order/v1" in html_text and "Defendant One" in html_text
    True

    .. versionadded:: 0.1.0
    """
    if not attrs.has(type(record)):
        raise InputError("expected a record", path="record", got=type(record).__name__)
    try:
        tag = codec.tag_of(record)
    except InputError:
        tag = type(record).__name__
    return f"<div><strong>{_e(tag)}</strong>{_record_table(record, 0)}</div>"


def entry_html(entry: LogEntry) -> str:
    """A log entry as HTML: its header and its record (decoded when it decodes).

    >>> from legaldelivery import EvidenceLog
    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.testing.fakes import sample_order
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log",
    ...                          signer=Ed25519Signer.generate("court.example/log"))
    >>> "delivery-order/v1" in entry_html(log.append(sample_order()))
    True

    .. versionadded:: 0.1.0
    """
    head = (
        f"<tr><th>entry</th><td>{entry.seq}</td></tr>"
        f"<tr><th>time</th><td>{_e(format_instant(entry.time))}</td></tr>"
        f"<tr><th>origin</th><td><code>{_e(entry.origin)}</code></td></tr>"
        f"<tr><th>signer</th><td><code>{_e(entry.signer)}</code></td></tr>"
        f"<tr><th>prev</th><td><code>{_e(entry.prev)}</code></td></tr>"
        f"<tr><th>hash</th><td><code>{_e(entry.hash)}</code></td></tr>"
    )
    try:
        body = record_html(codec.decode(entry.record))
    except InputError as exc:
        body = f"<p>the record does not decode: {_e(exc)}</p>"
    return f'<div class="ld-entry"><table>{head}</table>{body}</div>'


def audit_report_html(report: AuditReport) -> str:
    """An audit report as HTML: verified or not, what was checked, every finding.

    .. versionadded:: 0.1.0
    """
    status = (
        f'<p style="color:#276749;font-weight:600">{_label("verified")}</p>'
        if report.ok
        else f'<p style="color:#c53030;font-weight:600">{_label("not_verified")}: '
        f"{len(report.findings)} finding(s)</p>"
    )
    facts = (
        f"<tr><th>origin</th><td><code>{_e(report.origin)}</code></td></tr>"
        f"<tr><th>entries</th><td>{report.size}</td></tr>"
        f"<tr><th>root</th><td><code>{_e(report.root_hash.hex())}</code></td></tr>"
        f"<tr><th>checkpoints matched</th><td>{_e(', '.join(map(str, report.checkpoints)) or '—')}"
        "</td></tr>"
        f"<tr><th>signers</th><td>{'<br>'.join(f'<code>{_e(s)}</code>' for s in report.signers)}"
        "</td></tr>"
    )
    findings = ""
    if report.findings:
        rows = "".join(
            f"<tr><td>{'log' if f.entry is None else f.entry}</td><td>{_e(f.kind.value)}</td>"
            f"<td>{_e(f.message)}</td></tr>"
            for f in report.findings
        )
        findings = (
            f"<h4>{_label('findings')}</h4><table><tr><th>entry</th><th>kind</th>"
            f"<th>message</th></tr>{rows}</table>"
        )
    return f'<div class="ld-audit">{status}<table>{facts}</table>{findings}</div>'


def bundle_html(bundle: ProofBundle) -> str:
    """A proof-of-service bundle as HTML: what it claims (not yet verified) and its entries.

    .. versionadded:: 0.1.0
    """
    rows = []
    for i, item in enumerate(bundle.entries):
        try:
            entry = LogEntry.parse(item.data)
            what = f"{_e(entry.record_type)} <code>{_e(entry.record.get('event_id') or '')}</code>"
            seq = str(entry.seq)
        except InputError as exc:
            what, seq = f"unreadable: {_e(exc)}", "?"
        rows.append(f"<tr><td>{i}</td><td>{seq}</td><td>{what}</td><td>{len(item.proof)}</td></tr>")
    return (
        '<div class="ld-bundle"><p><strong>Proof-of-service bundle</strong> '
        '<span lang="zh">送达证明包</span> (not yet verified: see <code>verify_bundle</code>)</p>'
        f"<table><tr><th>log</th><td><code>{_e(bundle.origin)}</code></td></tr>"
        f"<tr><th>order</th><td><code>{_e(bundle.order_id)}</code></td></tr>"
        f"<tr><th>keys</th><td>{'<br>'.join(f'<code>{_e(k)}</code>' for k in bundle.keys)}"
        "</td></tr>"
        f"<tr><th>time stamps</th><td>{len(bundle.timestamps) or '—'}</td></tr></table>"
        "<table><tr><th>#</th><th>entry</th><th>record</th><th>proof hashes</th></tr>"
        f"{''.join(rows)}</table></div>"
    )


def bundle_report_html(report: BundleReport) -> str:
    """The result of checking a bundle: the certificate, or every finding.

    .. versionadded:: 0.1.0
    """
    told = "".join(f"<p>note: {_e(f)}</p>" for f in report.notices)
    if report.certificate is not None and report.ok:
        return certificate_fragment(report.certificate) + told
    rows = "".join(
        f"<tr><td>{_e((f.member or '') if f.entry is None else f.entry)}</td>"
        f"<td>{_e(f.kind.value)}</td>"
        f"<td>{_e(f.message)}</td></tr>"
        for f in report.findings
    )
    return (
        f'<div class="ld-bundle-report"><p style="color:#c53030;font-weight:600">'
        f"{_label('not_verified')}: {len(report.findings)} finding(s)</p>"
        f"<table><tr><th>entry</th><th>kind</th><th>message</th></tr>{rows}</table>{told}</div>"
    )


def html_of(obj: object) -> str:
    """HTML for any object the library displays: a record, entry, report, bundle, certificate.

    >>> from legaldelivery.testing.fakes import sample_court
    >>> "Donggang" in html_of(sample_court())
    True

    .. versionadded:: 0.1.0
    """
    if isinstance(obj, LogEntry):
        return entry_html(obj)
    if isinstance(obj, AuditReport):
        return audit_report_html(obj)
    method = getattr(obj, "_repr_html_", None)
    if callable(method):
        text = method()
        if isinstance(text, str):
            return text
    return record_html(obj)


def _formatters() -> list[tuple[type[Any], Callable[[Any], str]]]:
    found: list[tuple[type[Any], Callable[[Any], str]]] = [
        (LogEntry, entry_html),
        (AuditReport, audit_report_html),
    ]
    found.extend((cls, record_html) for cls in codec.record_types().values())
    return found


def enable_notebook_display(ipython: Any | None = None) -> bool:
    """Make records, log entries and audit reports display as HTML in IPython and Jupyter.

    The classes are left untouched: this registers HTML formatters with ``ipython`` (by
    default the running IPython, if any). Returns whether a shell was found. Bundles,
    their reports, certificates and timelines display themselves without it.

    >>> enable_notebook_display()   # outside IPython: nothing to do
    False

    .. versionadded:: 0.1.0
    """
    shell = ipython
    if shell is None:
        module = sys.modules.get("IPython")
        shell = module.get_ipython() if module is not None else None
        if shell is None:
            return False
    formatter = shell.display_formatter.formatters["text/html"]
    for cls, render in _formatters():
        formatter.for_type(cls, render)
    return True


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext legaldelivery.audit.render``: :func:`enable_notebook_display` there.

    .. versionadded:: 0.1.0
    """
    enable_notebook_display(ipython)

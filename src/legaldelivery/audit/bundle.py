"""Proof-of-service bundles: one order's evidence, provable offline without the log.

A bundle holds one order's log entries (exact bytes), an RFC 6962 inclusion proof for
each against one signed checkpoint, that checkpoint (with any witness cosignatures), the
verifier keys and, optionally, openings of sealed personal values and RFC 3161 time-stamp
tokens over the checkpoint. :func:`extract_bundle` cuts it from a log;
:func:`verify_bundle` checks it with nothing but the keys (and TSA certificates, witness
policy) the verifier trusts and returns a
:class:`~legaldelivery.audit.certificate.ServiceCertificate`. The other orders of the log
stay private: only Merkle hashes of their entries appear, inside the proofs.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

# The bundle's parts live in private modules, each readable on its own: the format and
# reading (_bundle_format), extraction (_bundle_extract), what a check can find
# (_bundle_findings) and the checker (_bundle_check). This module is the public face and
# runs the check; import from here.
from legaldelivery.audit._bundle_check import _Checker as _Checker
from legaldelivery.audit._bundle_extract import extract_bundle
from legaldelivery.audit._bundle_findings import BundleFinding, BundleFindingKind
from legaldelivery.audit._bundle_format import (
    BUNDLE_FORMAT,
    TIMESTAMP_FORMATS,
    BundleEntry,
    BundleOpening,
    BundleTimestamp,
    ProofBundle,
)
from legaldelivery.audit.certificate import ServiceCertificate, build_certificate
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import InputError, VerificationError
from legaldelivery.keys import KeyRing, Verifier
from legaldelivery.records import DeliveryOrder

if TYPE_CHECKING:
    # Trusted time and witnesses are imported when a bundle uses them: ASN.1 and X.509
    # parsing need not load with every import of the library.
    from cryptography import x509

    from legaldelivery.witness import WitnessPolicy

__all__ = [
    "BUNDLE_FORMAT",
    "TIMESTAMP_FORMATS",
    "BundleEntry",
    "BundleError",
    "BundleFinding",
    "BundleFindingKind",
    "BundleOpening",
    "BundleReport",
    "BundleTimestamp",
    "ProofBundle",
    "audit_bundle",
    "extract_bundle",
    "verify_bundle",
]


# -- the report -------------------------------------------------------------------------


class BundleError(VerificationError):
    """A bundle did not verify; ``findings`` lists every defect found.

    .. versionadded:: 0.1.0
    """

    def __init__(self, findings: Sequence[BundleFinding]) -> None:
        self.findings = tuple(findings)
        first = self.findings[0] if self.findings else None
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(f"the bundle does not verify: {first}{more}")

    def diagnostics(self) -> str:
        return "\n".join([f"{type(self).__name__}: {self}", *(f"  {f}" for f in self.findings)])


@attrs.frozen(kw_only=True)
class BundleReport:
    """The result of checking a bundle: every finding, and the certificate if none.

    ``notices`` are what an auditor should know that is no defect: a time-stamp token
    that was not checked because no TSA certificate was trusted.

    .. versionadded:: 0.1.0
    """

    origin: str
    order_id: str
    findings: tuple[BundleFinding, ...]
    certificate: ServiceCertificate | None
    checkpoint: Checkpoint | None
    size: int
    """How many entries the bundle holds."""
    notices: tuple[BundleFinding, ...] = ()

    @property
    def ok(self) -> bool:
        """True when there is no finding (and so there is a certificate)."""
        return not self.findings

    def raise_for_findings(self) -> ServiceCertificate:
        """The certificate, or :class:`BundleError` carrying every finding."""
        if self.findings or self.certificate is None:
            raise BundleError(self.findings)
        return self.certificate

    def summary(self) -> str:
        """One paragraph for a human: verified or not, each finding on its own line."""
        head = f"bundle of order {self.order_id!r} from log {self.origin!r}: {self.size} entries"
        told = [f"note: {f}" for f in self.notices]
        if self.ok:
            return "\n".join([head, "verified: no findings", *told])
        lines = [head, f"NOT verified: {len(self.findings)} finding(s)"]
        lines.extend(str(f) for f in self.findings)
        return "\n".join([*lines, *told])

    def _repr_html_(self) -> str:
        from legaldelivery.audit.render import bundle_report_html

        return bundle_report_html(self)


# -- auditing ---------------------------------------------------------------------------


def _load(bundle: ProofBundle | str | os.PathLike[str] | bytes) -> ProofBundle | BundleReport:
    """The bundle; or, when the file is no longer JSON because of damage inside one entry,
    the report naming that entry."""
    if isinstance(bundle, ProofBundle):
        return bundle
    if isinstance(bundle, (str, os.PathLike)):
        try:
            data = Path(bundle).read_bytes()
        except OSError as exc:
            raise InputError(
                f"cannot read the bundle: {exc.__class__.__name__}", path=os.fspath(bundle)
            ) from exc
    elif isinstance(bundle, bytes):
        data = bundle
    else:
        raise InputError(
            "expected a ProofBundle, a bundle file path or its bytes",
            path="bundle",
            got=type(bundle).__name__,
        )
    try:
        return ProofBundle.from_bytes(data)
    except InputError as exc:
        damaged = _damaged_entry(data, exc)
        if damaged is None:
            raise
        return damaged


_AT_BYTE = re.compile(r"at byte (\d+)")
_ENTRY_KEY = re.compile(rb'"entry"\s*:\s*"')
_PROOF_KEY = re.compile(rb'"proof"\s*:')
_SEQ_IN_TEXT = re.compile(rb'\\"seq\\":(\d{1,16})[,}]')


def _member_text(data: bytes, name: str) -> str:
    found = re.search(b'"' + name.encode() + rb'"\s*:\s*"([^"\\]{1,1000})"', data)
    return found.group(1).decode("utf-8", "replace") if found else "?"


def _damaged_entry(data: bytes, exc: InputError) -> BundleReport | None:
    """A report naming the entry whose bytes broke the file's JSON, if that is what happened.

    A changed byte inside an entry's string (a quote, a backslash, invalid UTF-8) makes the
    whole file unreadable as JSON; the parser's error offset still says where. Damage
    outside the entries' strings leaves the file unreadable: None.
    """
    at = _AT_BYTE.search(str(exc))
    if at is None:
        return None
    offset = int(at.group(1))
    starts = [m.end() for m in _ENTRY_KEY.finditer(data)]
    for index, start in enumerate(starts):
        proof = _PROOF_KEY.search(data, start)
        end = proof.start() if proof is not None else len(data)
        if start <= offset < end:
            seq = _SEQ_IN_TEXT.search(data, start, end)
            finding = BundleFinding(
                kind=BundleFindingKind.UNREADABLE,
                entry=int(seq.group(1)) if seq is not None else None,
                message=f"the entry's text breaks the bundle's JSON: {exc}",
                index=index,
            )
            return BundleReport(
                origin=_member_text(data, "origin"),
                order_id=_member_text(data, "order_id"),
                findings=(finding,),
                certificate=None,
                checkpoint=None,
                size=len(starts),
            )
    return None


def _tsa_anchors(value: object) -> tuple[x509.Certificate, ...] | None:
    if value is None:
        return None
    from cryptography import x509

    if isinstance(value, (str, bytes, x509.Certificate)) or not isinstance(value, Iterable):
        raise InputError(
            "expected a sequence of x509 certificates, or None", path="tsa_trusted", got=value
        )
    found = tuple(value)
    for i, cert in enumerate(found):
        if not isinstance(cert, x509.Certificate):
            raise InputError(
                "expected an x509.Certificate (x509.load_pem_x509_certificate reads one)",
                path=f"tsa_trusted[{i}]",
                got=type(cert).__name__,
            )
    # No anchor, no check: the same as None, so that a command line may pass its list.
    return found or None


def audit_bundle(
    bundle: ProofBundle | str | os.PathLike[str] | bytes,
    trusted: Sequence[Verifier] | KeyRing = (),
    *,
    tsa_trusted: Sequence[x509.Certificate] | None = None,
    witnesses: WitnessPolicy | None = None,
) -> BundleReport:
    """Check a bundle offline and return every finding, with the certificate if none.

    Every entry must be canonical and well formed, of the bundle's log, signed by a key
    of ``trusted`` valid at its time (key rotations in the bundle are followed, as in a
    log audit), included in the tree of the signed checkpoint (its inclusion proof leads
    to the checkpoint's root), and about the bundle's order; the checkpoint must be signed
    by a trusted key; openings must open the sealed values they name. Consecutive entries
    must chain and their times must not go backwards.

    Time-stamp tokens the bundle carries are checked against ``tsa_trusted`` (TSA
    certificates, or the CA certificates that issued them; see
    :meth:`~legaldelivery.timestamp.TimestampToken.verify`): each must stamp the
    checkpoint's text and verify, or it is a ``timestamp-invalid`` finding; the
    certificate states the earliest one's time. Without TSA certificates a readable token
    is a ``timestamp-unchecked`` *notice* (not a defect; the certificate then states no
    trusted time), while an unreadable one is still a finding. With a ``witnesses``
    policy, the checkpoint note must carry the cosignatures of a quorum of its witnesses
    (``witness-quorum`` otherwise), and the certificate names them.

    No entry the stamped checkpoint includes may be logged later than a verified token's
    time (``time-after-timestamp``). Each determination's ``supersedes`` must name a
    determination of the order in the bundle, and not all may be superseded
    (``broken-supersession``); two that no other supersedes and that state different times
    of service are ``ambiguous-determination``. The certificate states the current one
    (see :func:`~legaldelivery.audit.certificate.timeline_of`) and lists the others.

    Raises :class:`InputError` only when the bundle cannot be read at all. A file that
    is no longer JSON because a byte inside one entry changed is a finding about that
    entry, not unreadable input.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.log.evidencelog import EvidenceLog
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key)
    >>> _ = log.append_many(sample_records())
    >>> bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    >>> audit_bundle(bundle, trusted=[key.verifier]).ok
    True
    >>> stranger = Ed25519Signer.generate("court.example/log")
    >>> report = audit_bundle(bundle, trusted=[stranger.verifier])
    >>> report.ok, report.findings[0].kind.value
    (False, 'unknown-signer')

    .. versionadded:: 0.1.0
    """
    tsa = _tsa_anchors(tsa_trusted)
    if witnesses is not None:
        from legaldelivery.witness import WitnessPolicy

        if not isinstance(witnesses, WitnessPolicy):
            raise InputError(
                "expected a WitnessPolicy, or None", path="witnesses", got=type(witnesses).__name__
            )
    proof = _load(bundle)
    if isinstance(proof, BundleReport):
        return proof
    checker = _Checker(proof, trusted)
    checker.read_entries()
    checker.check_signatures()
    cp = checker.check_checkpoint()
    if cp is not None:
        checker.check_proofs(cp)
    trusted_time = checker.check_timestamps(cp, tsa)
    if cp is not None and trusted_time is not None:
        checker.check_time_stamped(cp, trusted_time)
    cosigned = checker.check_witnesses(witnesses)
    order = checker.check_relevance()
    opened = checker.open_sealed()
    checker.check_determinations()
    findings = sorted(
        checker.findings,
        key=lambda f: (f.entry is None and f.index is None, f.entry or 0, f.index or 0),
    )
    certificate = None
    if not findings and cp is not None and order is not None:
        records = [(it.entry.seq, it.record) for it in checker.items]
        # The order as opened (a sealed recipient name shows its value).
        opened_order = next((r for _, r in records if isinstance(r, DeliveryOrder)), order)
        certificate = build_certificate(
            order=opened_order,
            records=records,
            origin=proof.origin,
            checkpoint=cp,
            signers=[it.entry.signer for it in checker.items],
            opened=opened,
            trusted_time=trusted_time,
            witnesses=cosigned,
        )
    return BundleReport(
        origin=proof.origin,
        order_id=proof.order_id,
        findings=tuple(findings),
        certificate=certificate,
        checkpoint=cp,
        size=len(proof.entries),
        notices=tuple(checker.notices),
    )


def verify_bundle(
    bundle: ProofBundle | str | os.PathLike[str] | bytes,
    trusted: Sequence[Verifier] | KeyRing = (),
    *,
    tsa_trusted: Sequence[x509.Certificate] | None = None,
    witnesses: WitnessPolicy | None = None,
) -> ServiceCertificate:
    """Check a bundle offline; return its certificate of service, or raise.

    Raises :class:`BundleError` (a :class:`~legaldelivery.errors.VerificationError`)
    carrying every finding when anything does not verify (see :func:`audit_bundle`, also
    for ``tsa_trusted`` and ``witnesses``), and :class:`InputError` when the bundle cannot
    be read.

    >>> from legaldelivery.keys import Ed25519Signer
    >>> from legaldelivery.log.evidencelog import EvidenceLog
    >>> from legaldelivery.testing.fakes import sample_records
    >>> key = Ed25519Signer.generate("court.example/log")
    >>> log = EvidenceLog.create(":memory:", origin="court.example/log", signer=key)
    >>> _ = log.append_many(sample_records())
    >>> bundle = extract_bundle(log, "order-2026-0001", checkpoint=log.checkpoint())
    >>> verify_bundle(bundle, trusted=[key.verifier]).recipient.country
    'PK'
    >>> verify_bundle(bundle.to_bytes().replace(b"Defendant One", b"Defendant Two"),
    ...               trusted=[key.verifier])
    Traceback (most recent call last):
    ...
    legaldelivery.audit.bundle.BundleError: the bundle does not verify: entry 1 ...

    .. versionadded:: 0.1.0
    """
    return audit_bundle(
        bundle, trusted, tsa_trusted=tsa_trusted, witnesses=witnesses
    ).raise_for_findings()

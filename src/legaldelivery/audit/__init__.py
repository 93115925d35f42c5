"""Audit: offline verification of evidence logs, collecting every finding."""

from legaldelivery.audit.findings import AuditError, AuditReport, Finding, FindingKind
from legaldelivery.audit.verify import audit_log, iter_jsonl, verify_log

__all__ = [
    "AuditError",
    "AuditReport",
    "Finding",
    "FindingKind",
    "audit_log",
    "iter_jsonl",
    "verify_log",
]

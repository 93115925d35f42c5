"""Audit: offline verification of evidence logs and proof-of-service bundles, for humans too."""

from legaldelivery.audit.bundle import (
    BundleError,
    BundleFinding,
    BundleFindingKind,
    BundleReport,
    BundleTimestamp,
    ProofBundle,
    audit_bundle,
    extract_bundle,
    verify_bundle,
)
from legaldelivery.audit.certificate import (
    ServiceCertificate,
    SupersededDetermination,
    TrustedTime,
    WitnessCosignature,
    order_timeline,
)
from legaldelivery.audit.findings import AuditError, AuditReport, Finding, FindingKind
from legaldelivery.audit.frame import to_dataframe
from legaldelivery.audit.verify import audit_log, iter_jsonl, verify_log

__all__ = [
    "AuditError",
    "AuditReport",
    "BundleError",
    "BundleFinding",
    "BundleFindingKind",
    "BundleReport",
    "BundleTimestamp",
    "Finding",
    "FindingKind",
    "ProofBundle",
    "ServiceCertificate",
    "SupersededDetermination",
    "TrustedTime",
    "WitnessCosignature",
    "audit_bundle",
    "audit_log",
    "extract_bundle",
    "iter_jsonl",
    "order_timeline",
    "to_dataframe",
    "verify_bundle",
    "verify_log",
]

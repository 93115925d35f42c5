"""Fuzz proof-of-service bundles: reading and verifying them lets only library errors out."""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery.audit.bundle import ProofBundle, audit_bundle, extract_bundle, verify_bundle
from legaldelivery.errors import LegalDeliveryError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.log import EvidenceLog
from legaldelivery.testing.fakes import sample_order, sample_records

from .test_fuzz_decoders import inputs, library_errors_only

ORIGIN = "court.example/bundles"
KEY = Ed25519Signer.generate(ORIGIN)


def _bundle() -> bytes:
    log = EvidenceLog.create(
        ":memory:",
        origin=ORIGIN,
        signer=KEY,
        clock=lambda: datetime(2026, 3, 2, 1, tzinfo=timezone.utc),
    )
    log.append_many(sample_records())
    bundle = extract_bundle(log, sample_order().order_id, checkpoint=log.checkpoint())
    return bundle.to_bytes()


BUNDLE = _bundle()
ORIGINAL = ProofBundle.from_bytes(BUNDLE)


def test_the_seed_bundle_verifies() -> None:
    assert verify_bundle(BUNDLE, [KEY.verifier])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.one_of(inputs(BUNDLE), st.binary(max_size=300)))
def test_mutated_bundles(data: bytes) -> None:
    library_errors_only(ProofBundle.from_bytes, data)
    report = library_errors_only(audit_bundle, data, [KEY.verifier])
    if report is not None and report.ok:
        # A bundle that still verifies carries exactly the entries that were signed.
        again = ProofBundle.from_bytes(data)
        assert [e.data for e in again.entries] == [e.data for e in ORIGINAL.entries]
    with contextlib.suppress(LegalDeliveryError):
        verify_bundle(data, [KEY.verifier])

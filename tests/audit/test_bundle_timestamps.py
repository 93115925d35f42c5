"""Bundles that carry trusted time (RFC 3161 tokens) and are checked under a witness policy."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from asn1crypto import cms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, notes
from legaldelivery.audit.bundle import (
    BundleFindingKind,
    BundleTimestamp,
    ProofBundle,
    audit_bundle,
    extract_bundle,
    verify_bundle,
)
from legaldelivery.checkpoint import Checkpoint
from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.keys import Ed25519Signer
from legaldelivery.testing.fakes import sample_records
from legaldelivery.timestamp import TimestampToken
from legaldelivery.witness import Cosigner, Witness, WitnessPolicy, collect_cosignatures


def _load_test_tsa() -> ModuleType:
    # The security tests' local TSA, built independently of legaldelivery.timestamp; this
    # folder is not a package, so it is loaded from its file.
    path = Path(__file__).resolve().parents[1] / "security" / "_tsa.py"
    spec = importlib.util.spec_from_file_location("bundle_tests_tsa", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tsa = _load_test_tsa()

ORIGIN = "court.example/timestamps"
ORDER = "order-2026-0001"
KEY = Ed25519Signer.generate(ORIGIN)
# The log writes before the test TSA's fixed time: a token older than its entries is a finding.
LOGGED = tsa.T0 - timedelta(hours=1)


def _plain_bundle_json() -> dict[str, Any]:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY, clock=lambda: LOGGED)
    log.append_many(sample_records())
    return extract_bundle(log, ORDER, checkpoint=log.checkpoint()).to_json()


BUNDLE_JSON = _plain_bundle_json()


@pytest.fixture(scope="module")
def pki() -> Any:
    return tsa.Pki()


@pytest.fixture(scope="module")
def log() -> EvidenceLog:
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY, clock=lambda: LOGGED)
    log.append_many(sample_records())
    return log


@pytest.fixture(scope="module")
def note(log: EvidenceLog) -> str:
    return log.checkpoint()


def checkpoint_of(note: str) -> Checkpoint:
    return Checkpoint.from_text(notes.text_of(note))


@pytest.fixture(scope="module")
def token(pki: Any, note: str) -> TimestampToken:
    return pki.tsa("ecdsa").stamp(checkpoint_of(note))


@pytest.fixture(scope="module")
def stamped(log: EvidenceLog, note: str, token: TimestampToken) -> ProofBundle:
    return extract_bundle(log, ORDER, checkpoint=note, timestamps=[token])


def kinds(report: Any) -> list[str]:
    return [f.kind.value for f in report.findings]


# -- trusted time -------------------------------------------------------------------------


def test_a_token_from_the_test_tsa_verifies_and_the_certificate_states_its_time(
    pki: Any, stamped: ProofBundle
) -> None:
    cert = verify_bundle(stamped, trusted=[KEY.verifier], tsa_trusted=[pki.ca])
    assert cert.trusted_time is not None
    assert cert.trusted_time.time == tsa.T0
    assert cert.trusted_time.authority == pki.certs["ecdsa"].subject.rfc4514_string()
    assert cert.trusted_time.policy == tsa.POLICY
    text = cert.to_text()
    assert "no later than" in text
    assert "2026-03-02T09:30:00.000000Z" in text
    assert "Test TSA" in text
    assert "可信时间" in text
    page = cert.to_html()
    assert "2026-03-02 17:30:00 Asia/Shanghai" in page
    assert "时间戳机构" in page
    body = cert.to_json()["trusted_time"]
    assert body["time"] == "2026-03-02T09:30:00.000000Z"
    assert body["serial_number"] == str(cert.trusted_time.serial_number)


def test_the_tsa_certificate_itself_may_be_the_trust_anchor(pki: Any, stamped: ProofBundle) -> None:
    report = audit_bundle(stamped, [KEY.verifier], tsa_trusted=[pki.certs["ecdsa"]])
    assert report.ok
    assert report.certificate is not None
    assert report.certificate.trusted_time is not None


def test_the_certificate_states_the_earliest_of_several_tokens(
    pki: Any, log: EvidenceLog, note: str
) -> None:
    cp = checkpoint_of(note)
    later = pki.tsa("rsa", clock=lambda: tsa.T0 + timedelta(hours=5)).stamp(cp)
    earlier = pki.tsa("ed25519", clock=lambda: tsa.T0 + timedelta(hours=1)).stamp(cp)
    bundle = extract_bundle(log, ORDER, checkpoint=note, timestamps=[later, earlier])
    cert = verify_bundle(bundle, trusted=[KEY.verifier], tsa_trusted=[pki.ca])
    assert cert.trusted_time is not None
    assert cert.trusted_time.time == tsa.T0 + timedelta(hours=1)
    assert cert.trusted_time.authority == pki.certs["ed25519"].subject.rfc4514_string()


def late_logged(pki: Any, last: timedelta) -> tuple[ProofBundle, int]:
    """A bundle whose last entry is logged ``last`` after the test TSA's time, stamped then."""
    records = sample_records()
    now = [LOGGED]
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=KEY, clock=lambda: now[0])
    log.append_many(records[:-1])
    now[0] = tsa.T0 + last
    log.append(records[-1])
    note = log.checkpoint()
    stamp = pki.tsa("ecdsa").stamp(checkpoint_of(note))
    return extract_bundle(log, ORDER, checkpoint=note, timestamps=[stamp]), len(records) - 1


def test_an_entry_logged_after_the_tsa_saw_it_is_a_contradiction(pki: Any) -> None:
    # The test TSA states an accuracy of one second: only beyond it do the clocks disagree.
    bundle, last = late_logged(pki, timedelta(seconds=1, microseconds=1))
    report = audit_bundle(bundle, [KEY.verifier], tsa_trusted=[pki.ca])
    assert kinds(report) == ["time-after-timestamp"]
    (finding,) = report.findings
    assert finding.entry == last
    assert "2026-03-02T09:30:01.000001Z" in finding.message
    assert "2026-03-02T09:30:00.000000Z" in finding.message
    assert "timestamps[0]" in finding.message
    # An unchecked token vouches for no time, so it contradicts nothing.
    assert audit_bundle(bundle, [KEY.verifier]).ok


def test_within_the_tsa_accuracy_an_entry_is_no_contradiction(pki: Any) -> None:
    bundle, _ = late_logged(pki, timedelta(seconds=1))
    assert audit_bundle(bundle, [KEY.verifier], tsa_trusted=[pki.ca]).ok


def test_an_entry_logged_at_the_tsa_time_is_no_contradiction(pki: Any) -> None:
    bundle, _ = late_logged(pki, timedelta(0))
    assert audit_bundle(bundle, [KEY.verifier], tsa_trusted=[pki.ca]).ok


def test_a_token_nobody_trusts_to_check_is_a_notice_not_a_defect(stamped: ProofBundle) -> None:
    report = audit_bundle(stamped, [KEY.verifier])
    assert report.ok
    assert [f.kind for f in report.notices] == [BundleFindingKind.TIMESTAMP_UNCHECKED]
    assert report.notices[0].member == "timestamps[0]"
    assert "note: bundle timestamps[0]: timestamp-unchecked" in report.summary()
    assert report.certificate is not None
    assert report.certificate.trusted_time is None
    assert report.certificate.to_json()["trusted_time"] is None


def test_a_bundle_without_tokens_states_no_trusted_time(
    pki: Any, log: EvidenceLog, note: str
) -> None:
    bundle = extract_bundle(log, ORDER, checkpoint=note)
    assert "timestamps" not in bundle.to_json()
    report = audit_bundle(bundle, [KEY.verifier], tsa_trusted=[pki.ca])
    assert report.ok
    assert report.notices == ()
    assert report.certificate is not None
    assert report.certificate.trusted_time is None
    assert "Trusted time" not in report.certificate.to_text()


def flip_der(bundle: ProofBundle, position: int) -> ProofBundle:
    der = bytearray(bundle.timestamps[0].der())
    der[position % len(der)] ^= 0x01
    stamp = BundleTimestamp(token=base64.b64encode(bytes(der)).decode("ascii"))
    return attrs.evolve(bundle, timestamps=(stamp,))


@pytest.mark.parametrize("position", [-1, -40, 30, 200, 500])
def test_a_token_with_a_changed_byte_is_timestamp_invalid(
    pki: Any, stamped: ProofBundle, position: int
) -> None:
    report = audit_bundle(flip_der(stamped, position), [KEY.verifier], tsa_trusted=[pki.ca])
    assert kinds(report) == ["timestamp-invalid"]
    assert report.findings[0].member in ("timestamps[0]", "timestamps[0].token")
    assert report.certificate is None


def test_a_token_over_another_checkpoint_is_timestamp_invalid(
    pki: Any, log: EvidenceLog, stamped: ProofBundle
) -> None:
    other = pki.tsa("ecdsa").stamp(log.checkpoint_at(log.size - 1))
    bundle = attrs.evolve(stamped, timestamps=(BundleTimestamp.of(other),))
    report = audit_bundle(bundle, [KEY.verifier], tsa_trusted=[pki.ca])
    assert kinds(report) == ["timestamp-invalid"]
    assert "another document" in report.findings[0].message


def test_a_token_by_an_untrusted_tsa_is_timestamp_invalid(stamped: ProofBundle) -> None:
    stranger = tsa.Pki()
    report = audit_bundle(stamped, [KEY.verifier], tsa_trusted=[stranger.ca])
    assert kinds(report) == ["timestamp-invalid"]
    assert "neither trusted nor issued by a trusted CA" in report.findings[0].message


def test_one_bad_token_among_good_ones_fails_the_bundle(
    pki: Any, stamped: ProofBundle, token: TimestampToken
) -> None:
    bad = flip_der(stamped, -1).timestamps[0]
    bundle = attrs.evolve(stamped, timestamps=(BundleTimestamp.of(token), bad))
    report = audit_bundle(bundle, [KEY.verifier], tsa_trusted=[pki.ca])
    assert [(f.kind.value, f.member) for f in report.findings] == [
        ("timestamp-invalid", "timestamps[1]")
    ]


@pytest.mark.parametrize(
    "text", ["not base64!", "MA=", "MAB=", "", "A" * (4 * ((1 << 20) + 2) // 3 + 8)]
)
def test_a_token_that_is_not_strict_base64_is_a_finding_naming_the_member(
    stamped: ProofBundle, text: str
) -> None:
    body = stamped.to_json()
    body["timestamps"][0]["token"] = text
    data = json.dumps(body).encode()
    for tsa_trusted in (None, [tsa.Pki().ca]):
        report = audit_bundle(data, [KEY.verifier], tsa_trusted=tsa_trusted)
        assert [(f.kind.value, f.member) for f in report.findings] == [
            ("timestamp-invalid", "timestamps[0].token")
        ]
        assert "bundle timestamps[0].token: timestamp-invalid" in report.summary()


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"format": "rfc3162", "token": "MAA="}, "timestamps[0].format"),
        ({"format": "opentimestamps", "token": "MAA="}, "timestamps[0].format"),
        ({"format": ["rfc3161"], "token": "MAA="}, "timestamps[0].format"),
        ({"format": None, "token": "MAA="}, "timestamps[0].format"),
        ({"format": "rfc3161"}, "timestamps[0]"),
        ({"format": "rfc3161", "token": "MAA=", "tsa": "x"}, "timestamps[0]"),
        ({"format": "rfc3161", "token": 5}, "timestamps[0].token"),
        ("MAA=", "timestamps[0]"),
    ],
)
def test_an_unknown_format_or_shape_is_unreadable_input(
    stamped: ProofBundle, item: object, path: str
) -> None:
    body = stamped.to_json()
    body["timestamps"] = [item]
    with pytest.raises(InputError) as caught:
        ProofBundle.from_json(body)
    assert caught.value.path == path
    with pytest.raises(InputError):
        audit_bundle(json.dumps(body).encode(), [KEY.verifier])


def test_timestamps_must_be_an_array(stamped: ProofBundle) -> None:
    body = stamped.to_json()
    body["timestamps"] = {"format": "rfc3161"}
    with pytest.raises(InputError, match="timestamps: expected an array"):
        ProofBundle.from_json(body)


def test_a_round_trip_keeps_the_tokens_byte_identical(
    stamped: ProofBundle, token: TimestampToken
) -> None:
    data = stamped.to_bytes()
    again = ProofBundle.from_bytes(data)
    assert again == stamped
    assert again.to_bytes() == data
    assert again.timestamps[0].der() == token.der
    assert json.loads(data)["timestamps"] == [
        {"format": "rfc3161", "token": base64.b64encode(token.der).decode("ascii")}
    ]


def test_extraction_refuses_a_token_over_another_checkpoint(
    pki: Any, log: EvidenceLog, note: str
) -> None:
    other = pki.tsa("ecdsa").stamp(log.checkpoint_at(3))
    with pytest.raises(InputError, match="stamps another document") as caught:
        extract_bundle(log, ORDER, checkpoint=note, timestamps=[other])
    assert caught.value.path == "timestamps[0]"


@pytest.mark.parametrize("bad", [[b"DER"], ["token"], b"DER", None])
def test_extraction_refuses_what_is_not_a_token(log: EvidenceLog, note: str, bad: Any) -> None:
    with pytest.raises(InputError):
        extract_bundle(log, ORDER, checkpoint=note, timestamps=bad)


@pytest.mark.parametrize("bad", ["cert", [b"cert"], [None], 5])
def test_the_tsa_anchors_must_be_certificates(stamped: ProofBundle, bad: Any) -> None:
    with pytest.raises(InputError, match="tsa_trusted"):
        audit_bundle(stamped, [KEY.verifier], tsa_trusted=bad)


def test_the_witness_policy_must_be_a_policy(stamped: ProofBundle) -> None:
    with pytest.raises(InputError, match="witnesses"):
        audit_bundle(stamped, [KEY.verifier], witnesses=[Cosigner.generate("w").verifier])  # type: ignore[arg-type]


def test_an_empty_anchor_list_checks_nothing(stamped: ProofBundle) -> None:
    report = audit_bundle(stamped, [KEY.verifier], tsa_trusted=[])
    assert report.ok
    assert [f.kind.value for f in report.notices] == ["timestamp-unchecked"]


# -- witnesses ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def witnesses(tmp_path_factory: pytest.TempPathFactory) -> list[Witness]:
    return [
        Witness(
            Cosigner.generate(f"w{i}.example/witness"),
            logs={ORIGIN: [KEY.verifier]},
            state_dir=tmp_path_factory.mktemp(f"w{i}"),
        )
        for i in range(3)
    ]


@pytest.fixture(scope="module")
def policy(witnesses: list[Witness]) -> WitnessPolicy:
    return WitnessPolicy(witnesses=[w.verifier for w in witnesses], quorum=2)


def test_two_of_three_witnesses_meet_the_policy(
    log: EvidenceLog, note: str, witnesses: list[Witness], policy: WitnessPolicy
) -> None:
    cosigned = collect_cosignatures(note, witnesses[:2], proofs=log)
    bundle = extract_bundle(log, ORDER, checkpoint=cosigned)
    cert = verify_bundle(bundle.to_bytes(), trusted=[KEY.verifier], witnesses=policy)
    assert [w.name for w in cert.witnesses] == ["w0.example/witness", "w1.example/witness"]
    assert [w.key_id for w in cert.witnesses] == [x.verifier.key_id.hex() for x in witnesses[:2]]
    assert "w1.example/witness" in cert.to_text()
    assert "见证方联署" in cert.to_html()
    assert [w["name"] for w in cert.to_json()["witnesses"]] == [w.name for w in cert.witnesses]
    # Without a policy, the cosignatures are carried but the certificate claims nothing.
    assert verify_bundle(bundle, trusted=[KEY.verifier]).witnesses == ()


def test_one_of_three_witnesses_fails_the_policy(
    log: EvidenceLog, note: str, witnesses: list[Witness], policy: WitnessPolicy
) -> None:
    cosigned = collect_cosignatures(note, witnesses[2:], proofs=log)
    bundle = extract_bundle(log, ORDER, checkpoint=cosigned)
    report = audit_bundle(bundle, [KEY.verifier], witnesses=policy)
    assert [(f.kind.value, f.member) for f in report.findings] == [("witness-quorum", "checkpoint")]
    assert "2 of 3 witnesses must cosign; 1 did" in report.findings[0].message
    assert report.certificate is None
    assert audit_bundle(bundle, [KEY.verifier]).ok


def test_a_forged_cosignature_fails_the_policy(
    log: EvidenceLog, note: str, witnesses: list[Witness], policy: WitnessPolicy
) -> None:
    cosigned = collect_cosignatures(note, witnesses[:2], proofs=log)
    last = cosigned.rstrip("\n").rsplit("\n", 1)[1]
    name, encoded = last[2:].split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    forged = cosigned.replace(last, f"— {name} {base64.b64encode(bytes(raw)).decode()}")
    report = audit_bundle(
        extract_bundle(log, ORDER, checkpoint=forged), [KEY.verifier], witnesses=policy
    )
    assert kinds(report) == ["witness-quorum"]


def test_an_unverified_checkpoint_is_not_also_a_quorum_finding(
    note: str, stamped: ProofBundle, policy: WitnessPolicy
) -> None:
    stranger = Ed25519Signer.generate(ORIGIN)
    report = audit_bundle(stamped, [stranger.verifier], witnesses=policy)
    assert "witness-quorum" not in kinds(report)
    assert "checkpoint-invalid" in kinds(report)


# -- tampering with the token member ---------------------------------------------------------


def token_span(data: bytes) -> tuple[int, int]:
    start = data.index(b'"token": "') + len(b'"token": "')
    return start, data.index(b'"', start)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.integers(min_value=0), mask=st.integers(min_value=1, max_value=255))
def test_no_byte_flip_inside_the_token_member_verifies_or_escapes(
    pki: Any, stamped: ProofBundle, where: int, mask: int
) -> None:
    data = stamped.to_bytes()
    start, end = token_span(data)
    position = start + where % (end - start)
    changed = bytearray(data)
    changed[position] ^= mask
    try:
        report = audit_bundle(bytes(changed), [KEY.verifier], tsa_trusted=[pki.ca])
    except LegalDeliveryError:
        return  # e.g. a quote or a byte that is not UTF-8: the file is no longer JSON
    assert not report.ok
    assert kinds(report) == ["timestamp-invalid"]


def test_a_bit_flip_at_any_position_of_the_der_fails(pki: Any, stamped: ProofBundle) -> None:
    """Every position, one bit each: members no signature covers (versions, algorithm
    parameters) are held to their RFC 5652 values, so they are not malleable either."""
    der = stamped.timestamps[0].der()
    cp = checkpoint_of(stamped.checkpoint)
    for position in range(len(der)):
        changed = bytearray(der)
        changed[position] ^= 1 << (position * 3 % 8)
        with pytest.raises(LegalDeliveryError):
            TimestampToken(der=bytes(changed)).verify(cp, trusted=[pki.ca])


@pytest.mark.parametrize("kind", ["ecdsa", "rsa"])
def test_the_members_no_signature_covers_are_not_malleable(
    pki: Any, stamped: ProofBundle, kind: str
) -> None:
    """The SignedData and SignerInfo versions (value and tag), the NULL parameters of the
    algorithms: every bit of each, found by their place in the structure."""
    cp = checkpoint_of(stamped.checkpoint)
    der = pki.tsa(kind).stamp(cp).der
    signed = cms.ContentInfo.load(der)["content"]
    signer = signed["signer_infos"][0]
    # (the encoding of the structure, of a member in it, the offsets of interest there)
    places = [
        (signed.dump(), signed["version"].dump(), (0, 2)),
        (signed.dump(), signed["digest_algorithms"].dump(), (15, 16)),
        (signer.dump(), signer["version"].dump(), (0, 2)),
        (signer.dump(), signer["digest_algorithm"].dump(), (13, 14)),
    ]
    if kind == "rsa":  # sha256WithRSAEncryption carries a NULL
        places.append((signer.dump(), signer["signature_algorithm"].dump(), (13, 14)))
    for outer, encoded, offsets in places:
        start = der.index(outer) + outer.index(encoded)
        for offset in offsets:
            for bit in range(8):
                changed = bytearray(der)
                changed[start + offset] ^= 1 << bit
                with pytest.raises(LegalDeliveryError):
                    TimestampToken(der=bytes(changed)).verify(cp, trusted=[pki.ca])


# -- display ---------------------------------------------------------------------------------


def test_reports_and_bundles_show_notices_members_and_tokens(
    pki: Any, stamped: ProofBundle
) -> None:
    checked = audit_bundle(stamped, [KEY.verifier])
    page = checked._repr_html_()
    assert "电子送达凭证" in page
    assert "note: bundle timestamps[0]: timestamp-unchecked" in page
    failed = audit_bundle(flip_der(stamped, -1), [KEY.verifier], tsa_trusted=[pki.ca])
    page = failed._repr_html_()
    assert "<td>timestamps[0]</td><td>timestamp-invalid</td>" in page
    assert "<tr><th>time stamps</th><td>1</td></tr>" in stamped._repr_html_()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(
    member=st.one_of(
        JSON,
        st.lists(st.fixed_dictionaries({"format": JSON, "token": JSON}), max_size=2),
        st.lists(
            st.fixed_dictionaries(
                {"format": st.just("rfc3161"), "token": st.text(alphabet="AQgw+/=MA", max_size=40)}
            ),
            max_size=2,
        ),
    )
)
def test_any_timestamps_member_is_input_error_or_a_finding(member: object) -> None:
    body = BUNDLE_JSON.copy()
    body["timestamps"] = member
    try:
        report = audit_bundle(json.dumps(body).encode(), [KEY.verifier])
    except LegalDeliveryError:
        return
    assert report.size == len(body["entries"])
    for finding in report.findings:
        assert finding.kind is BundleFindingKind.TIMESTAMP_INVALID
        assert finding.member is not None

"""Proof-of-service bundles: extraction, offline verification, privacy and tamper evidence."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, codec, notes, rules
from legaldelivery.audit.bundle import (
    BUNDLE_FORMAT,
    BundleEntry,
    BundleError,
    BundleFindingKind,
    ProofBundle,
    audit_bundle,
    extract_bundle,
    verify_bundle,
)
from legaldelivery.errors import InputError, VerificationError
from legaldelivery.keys import Ed25519Signer, Verifier
from legaldelivery.records import (
    Address,
    ConsentRecorded,
    DeliveryOrder,
    EvidenceEvent,
    InboundFiling,
    Party,
    PartyRole,
    RecipientReply,
    ServiceDetermination,
    VerificationMethod,
    seal,
)
from legaldelivery.testing.fakes import sample_order, sample_records

ORIGIN = "court.example/bundle-test"
ORDER = "order-2026-0001"
OTHER = "order-2026-0002"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def other_story() -> list[object]:
    """The same story for a second defendant, in Australia, under another order."""
    party = Party(
        party_id="defendant-2", name="Defendant Two", role=PartyRole.DEFENDANT, country="AU"
    )
    address = Address(
        channel="wechat",
        handle="o6_bmjrAUdefendant2xYz0QkT9w",
        verification=VerificationMethod.RECIPIENT_CONFIRMED,
        verified_at=T0,
    )
    found: list[object] = []
    for record in sample_records():
        if isinstance(record, ConsentRecorded):
            consent = attrs.evolve(record.consent, consent_id="consent-2", party_id="defendant-2")
            found.append(attrs.evolve(record, event_id="event-2-0", consent=consent))
        elif isinstance(record, DeliveryOrder):
            found.append(attrs.evolve(record, order_id=OTHER, recipient=party, channels=(address,)))
        elif isinstance(record, EvidenceEvent):
            found.append(
                attrs.evolve(
                    record,
                    event_id=record.event_id.replace("event-", "event-2-"),
                    order_id=OTHER,
                    recipient_id="defendant-2",
                    address=None,
                )
            )
        elif isinstance(record, (RecipientReply, InboundFiling)):
            found.append(
                attrs.evolve(
                    record,
                    event_id=record.event_id.replace("event-", "event-2-"),
                    order_id=OTHER,
                    party_id="defendant-2",
                )
            )
    return found


def determination(order: DeliveryOrder, records: list[object]) -> ServiceDetermination:
    cn = rules.jurisdiction("CN", on=date(2026, 3, 2))
    return cn.time_of_service(
        order,
        records,
        at=T0 + timedelta(days=20),
        determination_id=f"{order.order_id}/determination",
        deadlines=["defence"],
    )


def two_orders(signer: Ed25519Signer, path: str = ":memory:") -> EvidenceLog:
    ticks = iter(range(10_000))
    log = EvidenceLog.create(
        path, origin=ORIGIN, signer=signer, clock=lambda: T0 + timedelta(minutes=next(ticks))
    )
    mine, theirs = sample_records(), other_story()
    # Interleaved, as a court's log of several cases is.
    for a, b in zip(mine, theirs, strict=False):
        log.append(a)
        log.append(b)
    for record in mine[len(theirs) :]:
        log.append(record)
    log.append(determination(sample_order(), mine))
    return log


@pytest.fixture
def key() -> Ed25519Signer:
    return Ed25519Signer.generate(ORIGIN)


@pytest.fixture
def log(key: Ed25519Signer) -> EvidenceLog:
    return two_orders(key)


@pytest.fixture
def bundle(log: EvidenceLog, key: Ed25519Signer) -> ProofBundle:
    return extract_bundle(log, ORDER, checkpoint=log.checkpoint(), keys=[key.verifier])


def test_a_bundle_verifies_and_certifies_what_the_log_determined(
    log: EvidenceLog, key: Ed25519Signer, bundle: ProofBundle
) -> None:
    logged = [e for e in log.entries() if e.record_type == "service-determination/v1"]
    assert len(logged) == 1
    expected = codec.decode(logged[0].record)
    assert isinstance(expected, ServiceDetermination)
    cert = verify_bundle(bundle, trusted=[key.verifier])
    assert cert.order_id == ORDER
    assert cert.served
    assert cert.time_of_service == expected.time_of_service
    assert cert.presumption == expected.presumption
    assert cert.deadlines == expected.deadlines
    assert cert.rests_on == expected.rests_on
    assert cert.recipient == sample_order().recipient
    assert cert.documents == sample_order().documents
    assert cert.served_via is not None
    assert cert.served_via.channel == "wechat"
    assert cert.checkpoint.size == log.size
    assert cert.checkpoint.root_hash == log.root_hash()
    assert set(cert.signers) == {key.fingerprint}
    # Exactly this order's entries, and the recipient's consent.
    mine = [
        e.seq
        for e in log.entries()
        if e.record.get("order_id") == ORDER
        or (
            e.record_type == "consent-recorded/v1"
            and e.record["consent"]["party_id"] == "defendant-1"
        )
    ]
    assert list(cert.entries) == mine
    assert cert.to_json()["deadlines"][0]["due"] == expected.deadlines[0].due.isoformat()


def test_other_orders_stay_private(log: EvidenceLog, bundle: ProofBundle) -> None:
    data = bundle.to_bytes()
    theirs = [e for e in log.entries() if e.record.get("order_id") == OTHER]
    assert theirs
    for entry in theirs:
        assert entry.data not in data
        # Not even escaped inside the JSON strings of the bundle.
        assert json.dumps(entry.data.decode())[1:-1].encode() not in data
    assert b"Defendant Two" not in data
    assert b"defendant-2" not in data
    assert OTHER.encode() not in data


def test_bundle_file_round_trip(bundle: ProofBundle, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    bundle.write(path)
    assert ProofBundle.read(path) == bundle
    assert ProofBundle.from_bytes(bundle.to_bytes()) == bundle
    assert json.loads(path.read_text("utf-8"))["format"] == BUNDLE_FORMAT
    with pytest.raises(InputError, match="exists"):
        bundle.write(path)
    bundle.write(path, overwrite=True)
    with pytest.raises(InputError):
        ProofBundle.read(tmp_path / "missing.json")


def rfc9162_root(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2, written out again here as a third party would."""
    fn, sn = index, size - 1
    r = hashlib.sha256(b"\x00" + leaf).digest()
    for p in proof:
        assert sn != 0
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    assert sn == 0
    return r


def test_a_third_party_checks_the_proofs_with_hashlib_alone(
    bundle: ProofBundle, tmp_path: Path
) -> None:
    obj = json.loads(bundle.to_bytes())
    _, size_line, root_line = obj["checkpoint"].split("\n")[:3]
    import base64

    root = base64.b64decode(root_line)
    for item in obj["entries"]:
        data = item["entry"].encode("utf-8")
        seq = json.loads(data)["seq"]
        proof = [bytes.fromhex(h) for h in item["proof"]]
        assert rfc9162_root(data, seq, int(size_line), proof) == root


def test_verify_bundle_reads_paths_and_bytes(
    bundle: ProofBundle, key: Ed25519Signer, tmp_path: Path
) -> None:
    path = tmp_path / "b.json"
    bundle.write(path)
    assert verify_bundle(path, trusted=[key.verifier]).order_id == ORDER
    assert verify_bundle(str(path), trusted=[key.verifier]).order_id == ORDER
    assert verify_bundle(bundle.to_bytes(), trusted=[key.verifier]).order_id == ORDER
    with pytest.raises(InputError):
        verify_bundle(42, trusted=[key.verifier])  # type: ignore[arg-type]


def names_entry(report: object, index: int) -> bool:
    return any(f.index == index for f in report.findings)  # type: ignore[attr-defined]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte_of_an_entry_is_found_and_named(
    data: st.DataObject, bundle: ProofBundle, key: Ed25519Signer
) -> None:
    index = data.draw(st.integers(0, len(bundle.entries) - 1), label="entry")
    original = bundle.entries[index].data
    pos = data.draw(st.integers(0, len(original) - 1), label="position")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != original[pos]), label="byte")
    changed = original[:pos] + bytes([new]) + original[pos + 1 :]
    entries = list(bundle.entries)
    entries[index] = attrs.evolve(entries[index], data=changed)
    report = audit_bundle(attrs.evolve(bundle, entries=tuple(entries)), trusted=[key.verifier])
    assert not report.ok
    assert report.certificate is None
    assert names_entry(report, index), report.summary()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_proof_hash_is_found(
    data: st.DataObject, bundle: ProofBundle, key: Ed25519Signer
) -> None:
    index = data.draw(st.integers(0, len(bundle.entries) - 1))
    proof = list(bundle.entries[index].proof)
    which = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    node = bytearray(proof[which])
    node[bit // 8] ^= 1 << (bit % 8)
    proof[which] = bytes(node)
    entries = list(bundle.entries)
    entries[index] = BundleEntry(data=entries[index].data, proof=tuple(proof))
    report = audit_bundle(attrs.evolve(bundle, entries=tuple(entries)), trusted=[key.verifier])
    kinds = {(f.kind, f.index) for f in report.findings}
    assert (BundleFindingKind.NOT_INCLUDED, index) in kinds


def test_the_acceptance_byte_change_in_the_file(
    bundle: ProofBundle, key: Ed25519Signer, log: EvidenceLog
) -> None:
    data = bundle.to_bytes().replace(b"Defendant One", b"Defendant 0ne", 1)
    report = audit_bundle(data, trusted=[key.verifier])
    order_seq = next(
        e.seq
        for e in log.entries()
        if e.record_type == "delivery-order/v1" and e.record["order_id"] == ORDER
    )
    kinds = {(f.kind, f.entry) for f in report.findings}
    assert (BundleFindingKind.BAD_SIGNATURE, order_seq) in kinds
    assert (BundleFindingKind.NOT_INCLUDED, order_seq) in kinds
    assert f"entry {order_seq}" in report.summary()
    with pytest.raises(BundleError) as raised:
        verify_bundle(data, trusted=[key.verifier])
    assert isinstance(raised.value, VerificationError)
    assert raised.value.findings == report.findings
    assert f"entry {order_seq}" in raised.value.diagnostics()


def test_an_untrusted_key_verifies_nothing(bundle: ProofBundle) -> None:
    stranger = Ed25519Signer.generate(ORIGIN)
    report = audit_bundle(bundle, trusted=[stranger.verifier])
    kinds = {f.kind for f in report.findings}
    assert BundleFindingKind.UNKNOWN_SIGNER in kinds
    assert BundleFindingKind.CHECKPOINT_INVALID in kinds
    assert len([f for f in report.findings if f.kind is BundleFindingKind.UNKNOWN_SIGNER]) == len(
        bundle.entries
    )


def test_a_checkpoint_signed_by_another_key_is_refused(
    bundle: ProofBundle, key: Ed25519Signer, log: EvidenceLog
) -> None:
    forged = notes.sign(log.checkpoint_at().to_text(), Ed25519Signer.generate(ORIGIN))
    report = audit_bundle(attrs.evolve(bundle, checkpoint=forged), trusted=[key.verifier])
    assert [f.kind for f in report.findings] == [BundleFindingKind.CHECKPOINT_INVALID]
    garbage = audit_bundle(attrs.evolve(bundle, checkpoint="not a note"), trusted=[key.verifier])
    assert BundleFindingKind.CHECKPOINT_INVALID in {f.kind for f in garbage.findings}


def test_an_older_checkpoint_does_not_cover_later_entries(
    bundle: ProofBundle, key: Ed25519Signer, log: EvidenceLog
) -> None:
    older = log.checkpoint(5)
    report = audit_bundle(attrs.evolve(bundle, checkpoint=older), trusted=[key.verifier])
    kinds = {f.kind for f in report.findings}
    assert BundleFindingKind.OUTSIDE_CHECKPOINT in kinds
    assert BundleFindingKind.NOT_INCLUDED in kinds  # proofs against the wrong tree size


def test_another_orders_entry_slipped_in_is_foreign(
    bundle: ProofBundle, key: Ed25519Signer, log: EvidenceLog
) -> None:
    theirs = next(e for e in log.entries() if e.record.get("order_id") == OTHER)
    stray = BundleEntry(data=theirs.data, proof=tuple(log.inclusion_proof(theirs.seq)))
    report = audit_bundle(
        attrs.evolve(bundle, entries=(*bundle.entries, stray)), trusted=[key.verifier]
    )
    assert [(f.kind, f.entry) for f in report.findings] == [
        (BundleFindingKind.FOREIGN_ENTRY, theirs.seq)
    ]


def test_missing_or_repeated_entries(bundle: ProofBundle, key: Ed25519Signer) -> None:
    without_order = tuple(e for e in bundle.entries if b'"delivery-order/v1"' not in e.data)
    report = audit_bundle(attrs.evolve(bundle, entries=without_order), trusted=[key.verifier])
    assert BundleFindingKind.NO_ORDER in {f.kind for f in report.findings}
    twice = (*bundle.entries, bundle.entries[2])
    report = audit_bundle(attrs.evolve(bundle, entries=twice), trusted=[key.verifier])
    assert [(f.kind, f.index) for f in report.findings] == [
        (BundleFindingKind.DUPLICATE, len(bundle.entries))
    ]


def test_entries_of_another_log_are_found(bundle: ProofBundle, key: Ed25519Signer) -> None:
    report = audit_bundle(
        attrs.evolve(bundle, origin="court.example/other"), trusted=[key.verifier]
    )
    kinds = {f.kind for f in report.findings}
    assert BundleFindingKind.WRONG_ORIGIN in kinds
    assert BundleFindingKind.CHECKPOINT_INVALID in kinds


def test_key_rotations_are_followed_from_the_first_key(tmp_path: Path) -> None:
    first = Ed25519Signer.generate(ORIGIN)
    second = Ed25519Signer.generate(ORIGIN)
    ticks = iter(range(1000))
    log = EvidenceLog.create(
        ":memory:", origin=ORIGIN, signer=first, clock=lambda: T0 + timedelta(minutes=next(ticks))
    )
    records = sample_records()
    log.append_many(records[:3])
    log.append(other_story()[1])
    log.rotate_key(second, reason="scheduled rotation", event_id="key-2")
    log.append_many(records[3:])
    bundle = extract_bundle(log, ORDER, checkpoint=log.checkpoint(), keys=[first.verifier])
    assert second.vkey in bundle.keys
    assert any(b'"key-rotation/v1"' in e.data for e in bundle.entries)
    cert = verify_bundle(bundle, trusted=[first.verifier])
    assert set(cert.signers) == {first.fingerprint, second.fingerprint}
    # Trusting only the new key, the entries before the rotation do not verify.
    report = audit_bundle(bundle, trusted=[second.verifier])
    assert BundleFindingKind.UNKNOWN_SIGNER in {f.kind for f in report.findings}


def test_sealed_names_are_opened_only_with_their_opening() -> None:
    key = Ed25519Signer.generate(ORIGIN)
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=key, clock=lambda: T0)
    order = sample_order()
    sealed_party, opening = order.recipient.sealed()
    records = [
        attrs.evolve(r, recipient=sealed_party) if isinstance(r, DeliveryOrder) else r
        for r in sample_records()
    ]
    log.append_many(records)
    note = log.checkpoint()
    closed = extract_bundle(log, ORDER, checkpoint=note, keys=[key.verifier])
    assert b"Defendant One" not in closed.to_bytes()
    assert verify_bundle(closed, trusted=[key.verifier]).recipient.name == sealed_party.name

    opened = extract_bundle(log, ORDER, checkpoint=note, keys=[key.verifier], openings=[opening])
    assert [(o.seq, o.field) for o in opened.openings] == [(1, "record.recipient.name")]
    again = ProofBundle.from_bytes(opened.to_bytes())
    assert again == opened
    cert = verify_bundle(again, trusted=[key.verifier])
    assert cert.recipient.name == "Defendant One"
    assert cert.opened == ("entry 1: record.recipient.name",)

    _, wrong = seal("Defendant One")
    forged = attrs.evolve(opened, openings=(attrs.evolve(opened.openings[0], opening=wrong),))
    report = audit_bundle(forged, trusted=[key.verifier])
    assert [(f.kind, f.entry) for f in report.findings] == [(BundleFindingKind.BAD_OPENING, 1)]
    misplaced = attrs.evolve(
        opened, openings=(attrs.evolve(opened.openings[0], field="record.case.number"),)
    )
    report = audit_bundle(misplaced, trusted=[key.verifier])
    assert [f.kind for f in report.findings] == [BundleFindingKind.BAD_OPENING]
    nowhere = attrs.evolve(opened, openings=(attrs.evolve(opened.openings[0], seq=99),))
    assert [f.kind for f in audit_bundle(nowhere, trusted=[key.verifier]).findings] == [
        BundleFindingKind.BAD_OPENING
    ]
    with pytest.raises(InputError, match="opens no sealed value"):
        extract_bundle(log, ORDER, checkpoint=note, openings=[seal("someone else")[1]])


def test_extract_refuses_what_does_not_fit_the_log(log: EvidenceLog, key: Ed25519Signer) -> None:
    note = log.checkpoint()
    with pytest.raises(InputError, match="no delivery order"):
        extract_bundle(log, "order-9999", checkpoint=note)
    with pytest.raises(InputError, match="not a signed checkpoint"):
        extract_bundle(log, ORDER, checkpoint="garbage")
    stranger = EvidenceLog.create(":memory:", origin="court.example/elsewhere", signer=key)
    stranger.append(sample_order())
    with pytest.raises(InputError, match="elsewhere"):
        extract_bundle(log, ORDER, checkpoint=stranger.checkpoint())
    forked = EvidenceLog.create(":memory:", origin=ORIGIN, signer=key, clock=lambda: T0)
    forked.append(sample_order())  # same origin, another tree
    with pytest.raises(InputError, match="does not match"):
        extract_bundle(log, ORDER, checkpoint=forked.checkpoint())
    with pytest.raises(InputError, match="EvidenceLog"):
        extract_bundle("log.sqlite", ORDER, checkpoint=note)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda o: o.pop("keys"), "bundle"),
        (lambda o: o.update(extra=1), "bundle"),
        (lambda o: o.update(format="legaldelivery/bundle/v9"), "format"),
        (lambda o: o.update(origin=""), "origin"),
        (lambda o: o.update(keys=["not a vkey"]), "keys[0].vkey"),
        (lambda o: o.update(keys="k"), "keys"),
        (lambda o: o["entries"][0].update(proof=["00"]), "entries[0].proof[0]"),
        (lambda o: o["entries"][0].update(entry=7), "entries[0].entry"),
        (lambda o: o["entries"][0].pop("proof"), "entries[0]"),
        (lambda o: o.update(openings=[{"seq": 1}]), "openings[0]"),
        (
            lambda o: o.update(openings=[{"seq": -1, "field": "record", "salt": "", "value": ""}]),
            "openings[0].seq",
        ),
        (
            lambda o: o.update(openings=[{"seq": 1, "field": "a..b", "salt": "", "value": ""}]),
            "openings[0].field",
        ),
        (
            lambda o: o.update(openings=[{"seq": 1, "field": "a[0]", "salt": "!!", "value": "x"}]),
            "openings[0].salt",
        ),
        (
            lambda o: o.update(
                openings=[{"seq": 1, "field": "a[0].b", "salt": "AAAA", "value": "x"}]
            ),
            "openings[0].salt",
        ),
    ],
)
def test_reading_a_malformed_bundle_names_the_member(
    bundle: ProofBundle, change: object, path: str
) -> None:
    obj = json.loads(bundle.to_bytes())
    change(obj)  # type: ignore[operator]
    with pytest.raises(InputError) as raised:
        ProofBundle.from_bytes(json.dumps(obj).encode())
    assert raised.value.path == path


def test_reading_refuses_ambiguous_json(bundle: ProofBundle) -> None:
    text = bundle.to_bytes().decode()
    doubled = text.replace('"format":', '"order_id": "x", "format":', 1)
    with pytest.raises(InputError, match="duplicate"):
        ProofBundle.from_bytes(doubled.encode())
    with pytest.raises(InputError):
        ProofBundle.from_json([])


def test_an_unreadable_entry_is_named_by_its_position(
    bundle: ProofBundle, key: Ed25519Signer
) -> None:
    entries = list(bundle.entries)
    entries[3] = BundleEntry(data=b"{not json", proof=entries[3].proof)
    entries[4] = BundleEntry(data=entries[4].data.replace(b'{"format"', b'{ "format"'), proof=())
    report = audit_bundle(attrs.evolve(bundle, entries=tuple(entries)), trusted=[key.verifier])
    found = {(f.kind, f.index, f.entry) for f in report.findings}
    assert (BundleFindingKind.UNREADABLE, 3, None) in found
    seq = json.loads(bundle.entries[4].data)["seq"]
    assert (BundleFindingKind.UNREADABLE, 4, seq) in found  # its seq is still legible
    assert "bundle entries[3]" in report.summary()


def test_a_bundle_displays_in_notebooks(bundle: ProofBundle, key: Ed25519Signer) -> None:
    assert "Proof-of-service bundle" in bundle._repr_html_()
    report = audit_bundle(bundle, trusted=[key.verifier])
    assert "电子送达凭证" in report._repr_html_()
    bad = audit_bundle(bundle, trusted=[])
    assert "NOT verified" in bad._repr_html_()
    assert bad.summary().startswith("bundle of order")
    assert isinstance(Verifier.from_vkey(bundle.keys[0]), Verifier)


def handmade(
    items: list[tuple[object, Ed25519Signer, datetime]], *, order_id: str = ORDER
) -> ProofBundle:
    """A bundle of exactly these entries (the whole log), built without an EvidenceLog."""
    from legaldelivery import merkle
    from legaldelivery.checkpoint import Checkpoint
    from legaldelivery.log import GENESIS_PREV, build_entry

    prev, built = GENESIS_PREV, []
    for seq, (record, signer, when) in enumerate(items):
        body = record if isinstance(record, dict) else codec.encode(record)
        entry = build_entry(
            origin=ORIGIN, seq=seq, time=when, prev=prev, record=body, signer=signer
        )
        prev = entry.hash
        built.append(entry)
    leaves = [e.data for e in built]
    checkpoint = Checkpoint(ORIGIN, len(leaves), merkle.root_hash(leaves))
    return ProofBundle(
        origin=ORIGIN,
        order_id=order_id,
        checkpoint=notes.sign(checkpoint.to_text(), items[-1][1]),
        keys=(),
        entries=tuple(
            BundleEntry(
                data=e.data, proof=tuple(merkle.inclusion_proof(leaves, e.seq, len(leaves)))
            )
            for e in built
        ),
    )


def test_a_revoked_key_vouches_for_nothing_after_its_revocation() -> None:
    from legaldelivery.records import KeyRevocation

    key = Ed25519Signer.generate(ORIGIN)
    revocation = KeyRevocation(
        event_id="revoke-1", event_time=T0, fingerprint=key.fingerprint,
        revoked_at=T0 + timedelta(hours=1), reason="the key leaked",
    )  # fmt: skip
    story = sample_records()
    items = [(story[1], key, T0), (revocation, key, T0), (story[2], key, T0 + timedelta(hours=2))]
    report = audit_bundle(handmade(items), trusted=[key.verifier])
    found = {(f.kind, f.entry) for f in report.findings}
    assert (BundleFindingKind.KEY_NOT_VALID, 2) in found
    # The note carries no time: a revoked key signs no checkpoint either.
    assert (BundleFindingKind.CHECKPOINT_INVALID, None) in found


def test_times_that_go_backwards_and_records_that_do_not_decode() -> None:
    key = Ed25519Signer.generate(ORIGIN)
    story = sample_records()
    items = [
        (story[1], key, T0 + timedelta(hours=1)),
        (story[2], key, T0),
        ({"type": "no-such-record/v1", "order_id": ORDER}, key, T0 + timedelta(hours=2)),
    ]
    report = audit_bundle(handmade(items), trusted=[key.verifier])
    assert [(f.kind, f.entry) for f in report.findings] == [
        (BundleFindingKind.TIME_BACKWARDS, 1),
        (BundleFindingKind.UNDECODABLE_RECORD, 2),
    ]


def test_an_entry_by_another_trusted_key_out_of_turn() -> None:
    first, second = Ed25519Signer.generate(ORIGIN), Ed25519Signer.generate(ORIGIN)
    story = sample_records()
    items = [(story[1], first, T0), (story[2], second, T0)]
    report = audit_bundle(handmade(items), trusted=[first.verifier, second.verifier])
    assert [(f.kind, f.entry) for f in report.findings] == [(BundleFindingKind.KEY_NOT_VALID, 1)]


def test_a_rotation_to_an_unusable_key_is_found() -> None:
    from legaldelivery.records import KeyRotation

    first, second = Ed25519Signer.generate(ORIGIN), Ed25519Signer.generate(ORIGIN)
    der = second.verifier.public_bytes_der()
    rotation = KeyRotation(
        event_id="k-2", event_time=T0, new_key_name=ORIGIN, new_key_algorithm="ed25519",
        new_public_key=der, new_fingerprint=hashlib.sha256(der).hexdigest(),
        valid_from=T0 + timedelta(hours=1), previous_valid_until=None, reason="rotation",
    )  # fmt: skip
    body = codec.encode(rotation)
    body["new_key_name"] = "bad name"  # no key may have a space in its name
    story = sample_records()
    items = [(story[1], first, T0), (body, first, T0)]
    report = audit_bundle(handmade(items), trusted=[first.verifier])
    kinds = [f.kind for f in report.findings]
    assert BundleFindingKind.UNDECODABLE_RECORD in kinds or BundleFindingKind.BAD_ROTATION in kinds


def test_the_recipients_revocation_of_consent_belongs_to_the_bundle() -> None:
    from legaldelivery.records import ConsentRevoked, EventSource, SourceKind

    key = Ed25519Signer.generate(ORIGIN)
    source = EventSource(kind=SourceKind.COURT_SYSTEM, source_id="trial-system")
    mine = ConsentRevoked(
        event_id="r-1", event_time=T0, source=source, consent_id="consent-1",
        party_id="defendant-1", revoked_at=T0,
    )  # fmt: skip
    theirs = attrs.evolve(mine, event_id="r-2", party_id="defendant-2")
    story = sample_records()
    items = [(story[1], key, T0), (mine, key, T0), (theirs, key, T0)]
    report = audit_bundle(handmade(items), trusted=[key.verifier])
    assert [(f.kind, f.entry) for f in report.findings] == [(BundleFindingKind.FOREIGN_ENTRY, 2)]
    assert "party 'defendant-2'" in report.findings[0].message


def test_an_opening_of_a_field_that_is_not_there() -> None:
    key = Ed25519Signer.generate(ORIGIN)
    log = EvidenceLog.create(":memory:", origin=ORIGIN, signer=key, clock=lambda: T0)
    sealed, opening = sample_order().recipient.sealed()
    log.append(attrs.evolve(sample_order(), recipient=sealed))
    bundle = extract_bundle(log, ORDER, checkpoint=log.checkpoint(), openings=[opening])
    for field in ("record.recipient.nothing", "record.documents[9].title", "record.case[0]"):
        moved = attrs.evolve(bundle, openings=(attrs.evolve(bundle.openings[0], field=field),))
        report = audit_bundle(moved, trusted=[key.verifier])
        assert [f.kind for f in report.findings] == [BundleFindingKind.BAD_OPENING], field
        assert "no such field" in report.findings[0].message


def test_findings_say_where_they_are() -> None:
    from legaldelivery.audit.bundle import BundleFinding

    kind = BundleFindingKind.NO_ORDER
    assert str(BundleFinding(kind=kind, entry=3, message="m")) == "entry 3: no-order: m"
    assert str(BundleFinding(kind=kind, entry=None, index=2, message="m")).startswith(
        "bundle entries[2]:"
    )
    assert str(BundleFinding(kind=kind, entry=None, message="m")) == "bundle: no-order: m"
    log = two_orders(Ed25519Signer.generate(ORIGIN))
    with pytest.raises(InputError, match="expected an Opening"):
        extract_bundle(log, ORDER, checkpoint=log.checkpoint(), openings=["x"])  # type: ignore[list-item]


def test_a_rotation_that_ends_a_key_before_it_began_is_found() -> None:
    from legaldelivery.records import KeyRotation

    keys = [Ed25519Signer.generate(ORIGIN) for _ in range(3)]

    def rotation(to: Ed25519Signer, at: datetime, event_id: str) -> KeyRotation:
        der = to.verifier.public_bytes_der()
        return KeyRotation(
            event_id=event_id, event_time=at, new_key_name=ORIGIN, new_key_algorithm="ed25519",
            new_public_key=der, new_fingerprint=hashlib.sha256(der).hexdigest(),
            valid_from=at, previous_valid_until=None, reason="rotation",
        )  # fmt: skip

    story = sample_records()
    items = [
        (story[1], keys[0], T0),
        (rotation(keys[1], T0 + timedelta(hours=2), "k-1"), keys[0], T0 + timedelta(hours=2)),
        # Signed by the new key, but ending it an hour before it began.
        (rotation(keys[2], T0 + timedelta(hours=1), "k-2"), keys[1], T0 + timedelta(hours=3)),
    ]
    report = audit_bundle(handmade(items), trusted=[keys[0].verifier])
    assert (BundleFindingKind.BAD_ROTATION, 2) in {(f.kind, f.entry) for f in report.findings}


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte_of_an_entry_in_the_file_is_named(
    data: st.DataObject, bundle: ProofBundle, key: Ed25519Signer
) -> None:
    """Even a change that breaks the file's JSON (a quote, a backslash, bad UTF-8)."""
    raw = bundle.to_bytes()
    index = data.draw(st.integers(0, len(bundle.entries) - 1), label="entry")
    text = json.dumps(bundle.entries[index].data.decode(), ensure_ascii=False).encode()
    start = raw.index(text) + 1  # inside the quotes
    pos = data.draw(st.integers(start, start + len(text) - 3), label="position")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]), label="byte")
    changed = raw[:pos] + bytes([new]) + raw[pos + 1 :]
    report = audit_bundle(changed, trusted=[key.verifier])
    assert not report.ok
    assert names_entry(report, index), report.summary()


def test_damage_outside_the_entries_is_unreadable_input(bundle: ProofBundle) -> None:
    raw = bundle.to_bytes()
    with pytest.raises(InputError):
        audit_bundle(raw.replace(b'"format"', b'"form\\qt"', 1))
    with pytest.raises(InputError):
        audit_bundle(raw[:-3])

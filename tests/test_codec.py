"""The codec: documented encodings, byte-identical round trips, strict decoding, registry."""

from __future__ import annotations

import base64
import copy
import enum
import hashlib
import hmac
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import canonical, codec
from legaldelivery.errors import EncodingError, InputError
from legaldelivery.records import (
    Address,
    Case,
    Court,
    Deadline,
    DeliveryOrder,
    Digest,
    Document,
    DocumentKind,
    EventKind,
    EventSource,
    EvidenceEvent,
    EvidenceGrade,
    KeyRotation,
    Party,
    PartyRole,
    Presumption,
    Sealed,
    ServiceDetermination,
    SourceKind,
    VerificationMethod,
    seal,
)
from legaldelivery.testing import strategies
from legaldelivery.testing.fakes import sample_records

T = datetime(2020, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 B.1
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
# RFC 8032 section 7.1, test 1 public key.
ED25519_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
# The fixed DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 section 4).
ED25519_SPKI = bytes.fromhex("302a300506032b6570032100") + ED25519_PUBLIC


def court() -> Court:
    return Court(court_id="cn-ln-dg", name="Donggang People's Court", time_zone="Asia/Shanghai")


def wechat() -> Address:
    return Address(
        channel="wechat",
        handle=OPENID,
        verification=VerificationMethod.RECIPIENT_CONFIRMED,
        verified_at=T,
    )


def order() -> DeliveryOrder:
    documents = tuple(
        Document.from_bytes(
            name.encode(),
            document_id=name,
            kind=kind,
            title=name.title(),
            media_type="application/pdf",
        )
        for name, kind in [
            ("summons", DocumentKind.SUMMONS),
            ("complaint", DocumentKind.COMPLAINT),
            ("evidence", DocumentKind.EVIDENCE),
        ]
    )
    return DeliveryOrder(
        order_id="o-1",
        case=Case(number="(2020)辽0604民初1234号", court=court()),
        sender=Party(
            party_id="cn-ln-dg", name="Donggang Court", role=PartyRole.COURT, country="CN"
        ),
        recipient=Party(
            party_id="d-1", name="Muhammad Ali", role=PartyRole.DEFENDANT, country="PK"
        ),
        documents=documents,
        legal_basis="CPL (2017) Art 267(7)",
        channels=(wechat(),),
        created_at=T,
    )


# -- the documented encodings, written out by hand ------------------------------------


def test_court_bytes() -> None:
    assert codec.dumps(court()) == (
        b'{"court_id":"cn-ln-dg","name":"Donggang People\'s Court",'
        b'"time_zone":"Asia/Shanghai","type":"court/v1"}'
    )


def test_document_bytes() -> None:
    doc = Document.from_bytes(
        b"abc",
        document_id="d-1",
        kind=DocumentKind.SUMMONS,
        title="传票",
        media_type="application/pdf",
    )
    assert (
        codec.dumps(doc)
        == (
            '{"digest":"sha256:' + ABC + '","document_id":"d-1","kind":"summons",'
            '"media_type":"application/pdf","size":3,"title":"传票","type":"document/v1"}'
        ).encode()
    )


def test_sealed_handle_bytes() -> None:
    salt = bytes(range(32))
    address, _ = Address(
        channel="sms",
        handle="+923001234567",
        verification=VerificationMethod.RECIPIENT_CONFIRMED,
        verified_at=T,
    ).sealed(salt=salt)
    commitment = hmac.new(
        salt, b"legaldelivery/sealed/v1\n+923001234567", hashlib.sha256
    ).hexdigest()
    assert (
        codec.dumps(address)
        == (
            '{"channel":"sms","handle":{"sealed":"hmac-sha256:' + commitment + '"},'
            '"type":"address/v1","verification":"recipient_confirmed",'
            '"verified_at":"2020-06-01T01:30:00.000000Z"}'
        ).encode()
    )


def test_key_rotation_bytes() -> None:
    # The library's DER encoder must agree with RFC 8410's fixed prefix.
    der = ed25519.Ed25519PublicKey.from_public_bytes(ED25519_PUBLIC).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert der == ED25519_SPKI
    rotation = KeyRotation(
        event_id="k-1",
        event_time=T,
        new_key_name="court.example/log",
        new_key_algorithm="ed25519",
        new_public_key=ED25519_SPKI,
        new_fingerprint=hashlib.sha256(ED25519_SPKI).hexdigest(),
        valid_from=T,
        previous_valid_until=None,
        reason="scheduled",
    )
    assert (
        codec.dumps(rotation)
        == (
            '{"event_id":"k-1","event_time":"2020-06-01T01:30:00.000000Z",'
            f'"new_fingerprint":"{hashlib.sha256(ED25519_SPKI).hexdigest()}",'
            '"new_key_algorithm":"ed25519","new_key_name":"court.example/log",'
            f'"new_public_key":"{base64.b64encode(ED25519_SPKI).decode()}",'
            '"previous_valid_until":null,"reason":"scheduled","type":"key-rotation/v1",'
            '"valid_from":"2020-06-01T01:30:00.000000Z"}'
        ).encode()
    )


def test_evidence_event_encoding() -> None:
    event = EvidenceEvent(
        event_id="e-1",
        kind=EventKind.RELAY_TO_NON_ERDS,
        order_id="o-1",
        sender_id="cn-ln-dg",
        recipient_id="d-1",
        event_time=T,
        source=EventSource(kind=SourceKind.COURT_SYSTEM, source_id="trial-system"),
    )
    assert codec.encode(event) == {
        "type": "evidence-event/v1",
        "event_id": "e-1",
        "kind": "RelayToNonERDS",
        "order_id": "o-1",
        "sender_id": "cn-ln-dg",
        "recipient_id": "d-1",
        "event_time": "2020-06-01T01:30:00.000000Z",
        "source": {"kind": "court_system", "source_id": "trial-system"},
        "grade": None,
        "reasons": [],
        "payload_digest": None,
        "screenshot_digest": None,
        "address": None,
        "provider_message_id": None,
        "parts": [],
        "submission_time": None,
    }


def test_determination_encoding_writes_dates() -> None:
    served = datetime(2020, 6, 1, 1, 31, tzinfo=timezone.utc)
    determination = ServiceDetermination(
        event_id="e-6",
        order_id="o-1",
        event_time=served,
        source=EventSource(kind=SourceKind.RULES, source_id="rules"),
        rule_set="cn-cpl/2017",
        time_of_service=served,
        rests_on="e-2",
        presumption=Presumption.CONCLUSIVE,
        citation="CPL (2017) Art 87",
        deadlines=(
            Deadline(
                name="defence",
                due=date(2020, 7, 1),
                ends_at=datetime(2020, 7, 1, 16, tzinfo=timezone.utc),
                citation="CPL (2017) Art 268",
            ),
        ),
    )
    encoded = codec.encode(determination)
    assert encoded["deadlines"] == [
        {
            "name": "defence",
            "due": "2020-07-01",
            "ends_at": "2020-07-01T16:00:00.000000Z",
            "citation": "CPL (2017) Art 268",
            "steps": [],
        }
    ]
    assert encoded["presumption"] == "conclusive"
    assert codec.decode(encoded) == determination


# -- round trips ----------------------------------------------------------------------

STRATEGIES = sorted(strategies.record_strategies().items(), key=lambda item: item[0].__name__)


def _json_only(value: object) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _json_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_only(v) for v in value)
    return value is None or type(value) in (str, int, bool)


@pytest.mark.parametrize(("cls", "strategy"), STRATEGIES, ids=[c.__name__ for c, _ in STRATEGIES])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_record_type_round_trips(
    cls: type[Any], strategy: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    record = data.draw(strategy)
    assert type(record) is cls
    encoded = codec.encode(record)
    assert _json_only(encoded)
    assert encoded["type"] == codec.tag_of(record)
    assert codec.decode(encoded) == record
    raw = codec.dumps(record)
    assert canonical.loads(raw) == encoded
    assert codec.dumps(codec.decode(canonical.loads(raw))) == raw
    assert codec.loads(raw, type(record)) == record


def test_encode_builds_a_fresh_dict_each_time() -> None:
    first = codec.encode(court())
    first["name"] = "changed"
    assert codec.encode(court())["name"] == "Donggang People's Court"


# -- strict decoding ------------------------------------------------------------------


def _set(obj: dict[str, Any], path: list[Any], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    if value is DELETE:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


DELETE = object()

# (path to change in the encoded order, new value, expected error path, message fragment)
ORDER_CASES: list[tuple[list[Any], Any, str, str]] = [
    (["surprise"], 1, "surprise", "unknown field"),
    (["recipient", "nickname"], "Ali", "recipient.nickname", "unknown field"),
    (["documents", 1, "type"], "document/v1", "documents[1].type", "unknown field"),
    (["created_at"], DELETE, "created_at", "missing field"),
    (["recipient", "identifiers"], DELETE, "recipient.identifiers", "missing field"),
    (["channels", 0, "verified_at"], DELETE, "channels[0].verified_at", "missing field"),
    (["documents", 1, "size"], True, "documents[1].size", "expected a JSON integer"),
    (["documents", 1, "size"], 9.0, "documents[1].size", "expected a JSON integer"),
    (["documents", 1, "size"], "9", "documents[1].size", "expected a JSON integer"),
    (["documents", 1, "size"], 2**53, "documents[1].size", "within"),
    (["documents", 0, "size"], -1, "documents[0].size", "expected an integer in 0.."),
    (["order_id"], 1, "order_id", "expected a JSON string"),
    (["order_id"], None, "order_id", "expected a JSON string"),
    (["order_id"], ["o-1"], "order_id", "expected a JSON string"),
    (["documents", 1, "digest"], "sha256:" + "A" * 64, "documents[1].digest", "sha256"),
    (["documents", 1, "digest"], {"sha256": ABC}, "documents[1].digest", "sha256"),
    (["documents", 2, "kind"], "Evidence", "documents[2].kind", "expected one of 'summons'"),
    (["documents", 2, "kind"], 2, "documents[2].kind", "expected one of"),
    (["documents", 2, "document_id"], "summons", "documents[2]", "duplicate"),
    (["documents"], {"0": {}}, "documents", "expected a JSON array"),
    (["documents"], "summons", "documents", "expected a JSON array"),
    (["documents"], [], "documents", "expected 1..1000"),
    (["documents", 0], [], "documents[0]", "expected a JSON object"),
    (["recipient", "country"], "XK", "recipient.country", "ISO 3166-1"),
    (["recipient", "role"], "Defendant", "recipient.role", "expected one of"),
    (["recipient", "name"], 42, "recipient.name", "expected a JSON string or a sealed value"),
    (["recipient", "name"], {"sealed": "hmac-sha256:00"}, "recipient.name.sealed", "hmac"),
    (
        ["recipient", "name"],
        {"sealed": "hmac-sha256:" + "0" * 64, "salt": ""},
        "recipient.name",
        "expected a sealed value",
    ),
    (["sender", "role"], "defendant", "sender.role", "the sender of service is the court"),
    (["case", "court", "time_zone"], "Asia/Beijing", "case.court.time_zone", "IANA"),
    (["case", "court"], None, "case.court", "expected a JSON object"),
    (["channels", 0, "handle"], "li wei", "channels[0].handle", "WeChat"),
    (["channels", 0, "channel"], "fax", "channels[0].channel", "known channel kind"),
    (["created_at"], "2020-06-01T01:30:00.000000", "created_at", "UTC instant"),
    (["created_at"], "2020-06-01T09:30:00.000000+08:00", "created_at", "UTC instant"),
    (["created_at"], "2020-06-01T01:30:00Z", "created_at", "UTC instant"),
    (["created_at"], "2020-02-30T01:30:00.000000Z", "created_at", "calendar"),
    (["created_at"], 1590975000, "created_at", "UTC instant"),
    (["channels", 0, "verified_at"], "yesterday", "channels[0].verified_at", "UTC instant"),
]


@pytest.mark.parametrize(("path", "value", "where", "message"), ORDER_CASES)
def test_decoding_is_strict(path: list[Any], value: Any, where: str, message: str) -> None:
    encoded = copy.deepcopy(codec.encode(order()))
    _set(encoded, path, value)
    with pytest.raises(InputError) as info:
        codec.decode(encoded)
    assert info.value.path == where
    assert message in info.value.message
    assert not getattr(info.value, "__notes__", None)


def test_nested_errors_keep_their_cause() -> None:
    encoded = copy.deepcopy(codec.encode(order()))
    encoded["channels"][0]["verified_at"] = "2020-02-30T01:30:00.000000Z"
    with pytest.raises(InputError) as info:
        codec.decode(encoded)
    assert info.value.path == "channels[0].verified_at"
    assert isinstance(info.value.__cause__, ValueError)
    assert "caused by ValueError" in info.value.diagnostics()


def test_the_first_failing_field_is_named() -> None:
    encoded = copy.deepcopy(codec.encode(order()))
    encoded["documents"][0]["size"] = "big"
    encoded["documents"][2]["kind"] = "nonsense"
    encoded["created_at"] = "never"
    with pytest.raises(InputError) as info:
        codec.decode(encoded)
    assert info.value.path == "documents[0].size"


@pytest.mark.parametrize(
    ("obj", "path", "message"),
    [
        ({"court_id": "c", "name": "C", "time_zone": "UTC"}, "type", "missing record type tag"),
        ({"type": "court/v2", "court_id": "c"}, "type", "unknown record type tag"),
        ({"type": "Court", "court_id": "c"}, "type", "unknown record type tag"),
        ({"type": ["court/v1"], "court_id": "c"}, "type", "unknown record type tag"),
        ({"type": "sealed-opening/v1", "salt": "", "value": ""}, "type", "unknown record type"),
        ([], None, "expected a JSON object"),
        ("court/v1", None, "expected a JSON object"),
    ],
)
def test_tags_are_checked(obj: object, path: str | None, message: str) -> None:
    with pytest.raises(InputError) as info:
        codec.decode(obj)
    assert info.value.path == path
    assert message in info.value.message


def test_decode_as_type() -> None:
    encoded = codec.encode(court())
    assert codec.decode(encoded, Court) == court()
    with pytest.raises(InputError, match=r"^type: expected 'delivery-order/v1'"):
        codec.decode(encoded, DeliveryOrder)


GOOD_B64 = base64.b64encode(ED25519_SPKI).decode()


@pytest.mark.parametrize(
    "value",
    [
        GOOD_B64.rstrip("="),  # padding missing
        GOOD_B64[:-2] + "p=",  # same bytes, non-zero padding bits ('o' -> 'p')
        GOOD_B64.replace("/", "_"),  # URL-safe alphabet
        GOOD_B64 + "\n",
        " " + GOOD_B64,
        GOOD_B64 + "==",
        44,
    ],
)
def test_bytes_are_canonical_padded_base64(value: object) -> None:
    encoded = codec.encode(
        KeyRotation(
            event_id="k-1",
            event_time=T,
            new_key_name="court.example/log",
            new_key_algorithm="ed25519",
            new_public_key=ED25519_SPKI,
            new_fingerprint=hashlib.sha256(ED25519_SPKI).hexdigest(),
            valid_from=T,
            previous_valid_until=None,
            reason="scheduled",
        )
    )
    assert encoded["new_public_key"] == base64.b64encode(ED25519_SPKI).decode()
    encoded["new_public_key"] = value
    with pytest.raises(InputError, match=r"^new_public_key: expected standard padded base64"):
        codec.decode(encoded)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("new_key_algorithm", "Ed25519", "new_key_algorithm"),
        ("new_key_algorithm", None, "new_key_algorithm"),
        ("previous_valid_until", "", "previous_valid_until"),
        ("new_fingerprint", "00" * 32, "new_fingerprint"),
    ],
)
def test_key_rotation_fields_are_checked_on_decode(field: str, value: object, path: str) -> None:
    der = ED25519_SPKI
    encoded = codec.encode(
        KeyRotation(
            event_id="k-1",
            event_time=T,
            new_key_name="n",
            new_key_algorithm="ed25519",
            new_public_key=der,
            new_fingerprint=hashlib.sha256(der).hexdigest(),
            valid_from=T,
            previous_valid_until=None,
            reason="r",
        )
    )
    encoded[field] = value
    with pytest.raises(InputError) as info:
        codec.decode(encoded)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"due": "2020-7-1"}, "deadlines[0].due"),
        ({"due": "2020-02-30"}, "deadlines[0].due"),
        ({"due": 20200701}, "deadlines[0].due"),
        ({"steps": ["ok", 3]}, "deadlines[0].steps[1]"),
        ({"steps": "one step"}, "deadlines[0].steps"),
    ],
)
def test_nested_dates_and_string_lists(change: dict[str, Any], path: str) -> None:
    served = datetime(2020, 6, 1, tzinfo=timezone.utc)
    encoded = codec.encode(
        ServiceDetermination(
            event_id="e",
            order_id="o",
            event_time=served,
            source=EventSource(kind=SourceKind.RULES, source_id="r"),
            rule_set="r",
            time_of_service=served,
            rests_on="e-2",
            presumption=Presumption.REBUTTABLE,
            citation="c",
            deadlines=(
                Deadline(
                    name="d",
                    due=date(2020, 7, 1),
                    ends_at=served + timedelta(days=30),
                    citation="c",
                ),
            ),
        )
    )
    encoded["deadlines"][0].update(change)
    with pytest.raises(InputError) as info:
        codec.decode(encoded)
    assert info.value.path == path


def test_grades_are_checked_on_decode() -> None:
    event = EvidenceEvent(
        event_id="e-1",
        kind=EventKind.CONTENT_CONSIGNMENT,
        order_id="o-1",
        sender_id="c",
        recipient_id="d",
        event_time=T,
        source=EventSource(kind=SourceKind.PROVIDER, source_id="p"),
        grade=EvidenceGrade.ARRIVAL,
    )
    encoded = codec.encode(event)
    encoded["grade"] = None
    with pytest.raises(
        InputError, match=r"^grade: a ContentConsignment event carries grade arrival"
    ):
        codec.decode(encoded)
    encoded["grade"] = "read"
    with pytest.raises(InputError, match=r"^grade: expected one of 'arrival'"):
        codec.decode(encoded)


def test_loads_is_strict_json() -> None:
    raw = codec.dumps(court())
    assert codec.loads(raw) == court()
    with pytest.raises(EncodingError):
        codec.loads(raw[:-1])
    with pytest.raises(EncodingError):
        codec.loads(b'{"type":"court/v1","type":"court/v1"}')
    with pytest.raises(InputError, match=r"^type: expected 'delivery-order/v1'"):
        codec.loads(raw, DeliveryOrder)


# -- the registry ---------------------------------------------------------------------


def test_builtin_tags() -> None:
    assert {codec.tag_of(cls) for cls in codec.BUILTIN_TAGS} == set(codec.BUILTIN_TAGS.values())
    for tag, cls in codec.record_types().items():
        assert codec.tag_of(cls) == tag
    assert codec.tag_of(order()) == "delivery-order/v1"
    assert codec.tag_of(KeyRotation) == "key-rotation/v1"
    with pytest.raises(TypeError):
        codec.record_types()["x/v1"] = Court  # type: ignore[index]


def test_unregistered_types_are_rejected() -> None:
    _, opening = seal("Li Wei")
    # An opening must never reach a log: it has no tag.
    with pytest.raises(InputError, match=r"not a registered record type"):
        codec.encode(opening)
    with pytest.raises(InputError, match=r"not a registered record type"):
        codec.tag_of(opening)
    with pytest.raises(InputError):
        codec.dumps({"type": "court/v1"})


@attrs.frozen(kw_only=True)
class Memo:
    memo_id: str
    written_at: datetime
    pages: int
    urgent: bool
    attachment: bytes
    digest: Digest | None
    to: tuple[Party, ...]
    on: date
    nickname: str | Sealed | None
    copies: int = attrs.field(validator=attrs.validators.gt(0))


def test_integrators_register_their_own_records() -> None:
    codec.register(Memo, "test-memo/v1")
    memo = Memo(
        memo_id="m-1",
        written_at=datetime(2020, 6, 1, tzinfo=timezone.utc),
        pages=3,
        urgent=False,
        attachment=b"\x00\xff",
        digest=None,
        to=(order().recipient,),
        on=date(2020, 6, 1),
        nickname=None,
        copies=1,
    )
    assert codec.tag_of(memo) == "test-memo/v1"
    assert codec.loads(codec.dumps(memo)) == memo
    encoded = codec.encode(memo)
    assert encoded["attachment"] == "AP8="
    assert encoded["nickname"] is None
    sealed_nickname = attrs.evolve(memo, nickname=seal("Ali")[0])
    assert codec.loads(codec.dumps(sealed_nickname)) == sealed_nickname
    assert codec.decode({**encoded, "nickname": "Ali"}).nickname == "Ali"
    with pytest.raises(InputError, match=r"^nickname: expected a JSON string or a sealed value"):
        codec.decode({**encoded, "nickname": 1})
    with pytest.raises(InputError, match=r"^urgent: expected true or false"):
        codec.decode({**encoded, "urgent": 0})
    with pytest.raises(InputError, match=r"^to\[0\].country: "):
        codec.decode({**encoded, "to": [{**encoded["to"][0], "country": "pk"}]})
    # A foreign validator's error is still an InputError, with the cause kept.
    with pytest.raises(InputError, match=r"ValueError") as info:
        codec.decode({**encoded, "copies": 0})
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(InputError, match=r"^tag: tag already registered for Memo"):
        codec.register(attrs.make_class("Other", {"x": attrs.field(type=str)}), "test-memo/v1")
    with pytest.raises(InputError, match=r"^cls: already registered as 'test-memo/v1'"):
        codec.register(Memo, "test-memo/v2")


@pytest.mark.parametrize(
    "tag", ["memo", "Memo/v1", "memo/v0", "memo/1", "memo_note/v1", "-m/v1", ""]
)
def test_register_checks_the_tag_form(tag: str) -> None:
    cls = attrs.make_class("Fresh", {"x": attrs.field(type=str)})
    with pytest.raises(InputError, match=r"^tag: expected a tag"):
        codec.register(cls, tag)


class IntEnum(enum.Enum):
    ONE = 1


@pytest.mark.parametrize(
    ("field_type", "message"),
    [
        (float, "unsupported field type"),
        (dict, "unsupported field type"),
        (list, "unsupported field type"),
        (Any, "unsupported field type"),
        (tuple[str, int], "unsupported field type"),
        (int | str, "unsupported field type"),
        (IntEnum, "string values"),
    ],
)
def test_register_rejects_what_the_canonical_form_cannot_carry(
    field_type: Any, message: str
) -> None:
    cls = attrs.make_class("Bad", {"x": attrs.field(type=field_type)})
    with pytest.raises(InputError, match=message) as info:
        codec.register(cls, "test-bad/v1")
    assert info.value.path == "Bad.x"
    assert "test-bad/v1" not in codec.record_types()


def test_register_rejects_a_type_field_and_non_attrs_classes() -> None:
    cls = attrs.make_class("Typed", {"type": attrs.field(type=str)})
    with pytest.raises(InputError, match=r"may not be named 'type'"):
        codec.register(cls, "test-typed/v1")
    with pytest.raises(InputError, match=r"^cls: expected an attrs class"):
        codec.register(dict, "test-dict/v1")


# -- digests read once ----------------------------------------------------------------

hex64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
digest_texts = st.one_of(
    hex64.map("sha256:".__add__),
    hex64.map("SHA256:".__add__),
    hex64.map(lambda h: "sha256:" + h.upper()),
    st.text(max_size=80),
    st.integers(),
    st.none(),
)


def _document_with_digest(text: object) -> dict[str, Any]:
    body = codec.encode(order().documents[0])
    body.pop("type", None)
    body["digest"] = text
    return {**codec.encode(order()), "documents": [body]}


@settings(max_examples=150)
@given(digest_texts, st.integers(1, 3))
def test_decoding_a_digest_again_reads_it_as_the_first_time(text: object, times: int) -> None:
    try:
        expected: Digest | str = Digest.parse(text, path="documents[0].digest")
    except InputError as err:
        expected = str(err)
    for _ in range(times):
        try:
            got: Digest | str = (
                codec.decode(_document_with_digest(text), DeliveryOrder).documents[0].digest
            )
        except InputError as err:
            got = str(err)
        assert got == expected


def test_the_digests_kept_are_bounded() -> None:
    for n in range(codec._DIGESTS_KEPT + 10):
        digest = Digest.of(b"%d" % n)
        assert (
            codec.decode(_document_with_digest(str(digest)), DeliveryOrder).documents[0].digest
            == digest
        )
        assert len(codec._digests) <= codec._DIGESTS_KEPT


# -- records at the top keep their "type" member while decoded --------------------------
_SAMPLES = [(type(r), codec.encode(r)) for r in sample_records()]
member_edits = st.tuples(
    st.sampled_from(range(len(_SAMPLES))),
    st.sampled_from(["drop", "add", "both", "null"]),
    st.integers(0, 30),
    st.sampled_from(["extra", "Type", "type ", "", "zzz", "aaa"]),
)


def _body_outcome(call: Any) -> object:
    try:
        return call()
    except InputError as err:
        return (type(err), str(err), err.path)


@settings(max_examples=150)
@given(member_edits)
def test_top_level_members_are_checked_as_in_a_body_without_type(edit: Any) -> None:
    which, how, at, extra = edit
    cls, encoded = _SAMPLES[which]
    obj = dict(encoded)
    fields = sorted(k for k in obj if k != "type")
    if how in ("drop", "both"):
        del obj[fields[at % len(fields)]]
    if how in ("add", "both"):
        obj[extra] = None
    if how == "null":
        obj[fields[at % len(fields)]] = None
    body = {k: v for k, v in obj.items() if k != "type"}
    hook = codec._converter.get_structure_hook(cls)
    assert _body_outcome(lambda: codec.decode(obj)) == _body_outcome(lambda: hook(body, cls))


def test_a_leaf_type_decoder_reads_the_body_without_type() -> None:
    decode_body = codec._body_decoder(codec._converter.get_structure_hook(Digest), Digest)
    with pytest.raises(InputError, match=r"^expected 'sha256:' and 64 lowercase hex digits"):
        decode_body({"type": "example-digest/v1", "value": "sha256:" + "0" * 64})

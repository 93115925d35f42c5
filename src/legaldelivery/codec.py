"""Records to canonical JSON objects and back: type tags, strict decoding, canonical bytes.

:func:`encode` turns a record into a JSON-compatible dict whose ``type`` member is the
record's tag (``<kebab-name>/v<N>``); :func:`decode` turns such a dict back into the
record, strictly: an unknown tag, a missing or unknown field, a JSON value of the wrong
type (a bool for an integer, a number for a string) or a value the record rejects is an
:class:`~legaldelivery.errors.InputError` whose path names the field, e.g.
``documents[1].digest``. :func:`dumps` and :func:`loads` add the canonical bytes
(RFC 8785, :mod:`legaldelivery.canonical`).

Field encodings: instants ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; dates ``YYYY-MM-DD``;
digests ``sha256:<64 hex>``; bytes standard padded base64; sealed values
``{"sealed": "hmac-sha256:<64 hex>"}``; enums their string value; tuples arrays; nested
records objects without ``type``; an absent optional value is an explicit ``null``.

>>> from datetime import datetime, timezone
>>> from legaldelivery.records import Court
>>> court = Court(court_id="cn-ln-dg", name="Donggang Court", time_zone="Asia/Shanghai")
>>> dumps(court)
b'{"court_id":"cn-ln-dg","name":"Donggang Court","time_zone":"Asia/Shanghai","type":"court/v1"}'
>>> loads(dumps(court)) == court
True
>>> decode({"type": "court/v1", "court_id": "c", "name": "C", "time_zone": 8})
Traceback (most recent call last):
...
legaldelivery.errors.InputError: time_zone: expected a JSON string (got 8)

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import base64
import binascii
import re
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, overload

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, BaseValidationError
from cattrs.gen import make_dict_structure_fn

from legaldelivery import canonical
from legaldelivery.errors import InputError
from legaldelivery.instants import format_instant, parse_instant
from legaldelivery.records import (
    Address,
    Case,
    Consent,
    ConsentRecorded,
    ConsentRevoked,
    Court,
    DeliveryOrder,
    Digest,
    Document,
    EvidenceEvent,
    Fallback,
    InboundFiling,
    KeyRevocation,
    KeyRotation,
    Party,
    RecipientReply,
    Sealed,
    ServiceDetermination,
)
from legaldelivery.records._checks import MAX_SAFE_INT

__all__ = [
    "BUILTIN_TAGS",
    "decode",
    "dumps",
    "encode",
    "loads",
    "record_types",
    "register",
    "tag_of",
]

T = TypeVar("T")

_TAG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*/v[1-9][0-9]*\Z", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_TYPE = "type"
_MISSING = object()
# Decoders of records at the top (with their "type" member), filled as hooks are built.
_tagged_decoders: dict[type[Any], Callable[[dict[str, Any]], Any]] = {}


# -- errors ---------------------------------------------------------------------------


def _reroot(err: InputError, prefix: str) -> InputError:
    """``err`` under ``prefix``, without the notes cattrs attached on the way up."""
    moved = err.within(prefix)
    moved.__dict__.pop("__notes__", None)
    moved.__cause__ = err.__cause__
    return moved


def _as_input_error(exc: BaseException) -> InputError:
    """The first failure in a cattrs validation group, as one InputError with its path."""
    if isinstance(exc, BaseValidationError):
        inner = exc.exceptions[0]
        err = _as_input_error(inner)
        # A field's failure carries the field's name; the record's own __init__ checks
        # (cross-field rules) carry none and already name their field.
        fields = [
            n for n in getattr(inner, "__notes__", ()) if isinstance(n, AttributeValidationNote)
        ]
        return _reroot(err, fields[0].name) if fields else err
    if isinstance(exc, InputError):
        return exc
    # Our checks raise InputError; an integrator's attrs validator may raise anything.
    wrapped = InputError(f"invalid value ({type(exc).__name__}: {exc})")
    wrapped.__cause__ = exc
    return wrapped


# -- leaf hooks -----------------------------------------------------------------------


def _structure_str(obj: object, _: object) -> str:
    if type(obj) is not str:
        raise InputError("expected a JSON string", got=obj)
    return obj


def _structure_int(obj: object, _: object) -> int:
    if type(obj) is not int:
        raise InputError("expected a JSON integer", got=obj)
    if not -MAX_SAFE_INT <= obj <= MAX_SAFE_INT:
        raise InputError("expected an integer within +-(2**53-1)", got=obj)
    return obj


def _structure_bool(obj: object, _: object) -> bool:
    if type(obj) is not bool:
        raise InputError("expected true or false", got=obj)
    return obj


def _structure_bytes(obj: object, _: object) -> bytes:
    expected = "expected standard padded base64"
    if type(obj) is not str:
        raise InputError(expected, got=obj)
    try:
        data = base64.b64decode(obj, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(expected, got=obj) from exc
    # Non-zero padding bits decode too: only the one canonical spelling is accepted.
    if base64.b64encode(data).decode("ascii") != obj:
        raise InputError(f"{expected} (canonical form)", got=obj)
    return data


def _unstructure_bytes(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _unstructure_datetime(value: datetime) -> str:
    """:func:`format_instant`, quicker for the plain UTC datetimes records hold.

    Records keep their instants as plain ``datetime`` objects in ``timezone.utc``; for
    those, ``isoformat`` with microseconds writes the same characters up to the offset,
    which ``format_instant`` writes as ``Z``. Anything else takes ``format_instant``.
    """
    if type(value) is datetime and value.tzinfo is timezone.utc:
        return value.isoformat(timespec="microseconds")[:-6] + "Z"
    return format_instant(value)


def _unstructure_enum(value: Enum) -> Any:
    # The member's value without the descriptor behind Enum.value: encoded on every field.
    return value._value_


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_unstructure_factory(
    conv: cattrs.Converter,
) -> Callable[[Any], Callable[[tuple[Any, ...]], list[Any]]]:
    def factory(tp: Any) -> Callable[[tuple[Any, ...]], list[Any]]:
        """``tuple[X, ...]`` to a list, each item as the converter writes an X."""
        item_type = get_args(tp)[0]
        if item_type in (str, int, bool):
            return list
        if isinstance(item_type, type) and issubclass(item_type, Enum):
            return _enum_list
        item_hook = conv.get_unstructure_hook(item_type)

        def unstructure(value: tuple[Any, ...]) -> list[Any]:
            return [item_hook(item) for item in value]

        return unstructure

    return factory


def _enum_list(value: tuple[Enum, ...]) -> list[Any]:
    return [item._value_ for item in value]


def _structure_datetime(obj: object, _: object) -> datetime:
    return parse_instant(obj)


def _structure_date(obj: object, _: object) -> date:
    expected = "expected a date 'YYYY-MM-DD'"
    if type(obj) is not str or not _DATE.match(obj):
        raise InputError(expected, got=obj)
    try:
        return date.fromisoformat(obj)
    except ValueError as exc:
        raise InputError(expected, got=obj) from exc


def _structure_enum(obj: object, cls: type[Enum]) -> Enum:
    member = cls._value2member_map_.get(obj) if type(obj) is str else None
    if member is None:
        values = ", ".join(repr(m.value) for m in cls)
        raise InputError(f"expected one of {values}", got=obj)
    return member


_DIGESTS_KEPT = 4096
_digests: dict[str, Digest] = {}


def _structure_digest(obj: object, _: object) -> Digest:
    # A log names each document's digest again in every event about it: digests already
    # read are kept (Digest is immutable), a bounded number, forgotten all at once when full.
    if type(obj) is not str:
        return Digest.parse(obj)
    found = _digests.get(obj)
    if found is None:
        found = Digest.parse(obj)
        if len(_digests) >= _DIGESTS_KEPT:
            _digests.clear()
        _digests[obj] = found
    return found


def _structure_sealed(obj: object, _: object) -> Sealed:
    if type(obj) is not dict or obj.keys() != {"sealed"}:
        raise InputError('expected a sealed value {"sealed": "hmac-sha256:<hex>"}', got=obj)
    return Sealed.parse(obj["sealed"], path="sealed")


def _unstructure_sealed(value: Sealed) -> dict[str, str]:
    return {"sealed": str(value)}


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_personal(tp: Any) -> bool:
    """``str | Sealed`` (optionally ``| None``): a personal field."""
    return _is_union(tp) and set(get_args(tp)) - {type(None)} == {str, Sealed}


def _personal_hook(tp: Any) -> Callable[[object, object], str | Sealed | None]:
    nullable = type(None) in get_args(tp)

    def structure(obj: object, _: object) -> str | Sealed | None:
        if type(obj) is str:
            return obj
        if type(obj) is dict:
            return _structure_sealed(obj, Sealed)
        if obj is None and nullable:
            return None
        raise InputError("expected a JSON string or a sealed value", got=obj)

    return structure


def _is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def _literal_hook(tp: Any) -> Callable[[object, object], str]:
    values = get_args(tp)

    def structure(obj: object, _: object) -> str:
        if type(obj) is not str or obj not in values:
            raise InputError(f"expected one of {', '.join(map(repr, values))}", got=obj)
        return obj

    return structure


def _is_tuple(tp: Any) -> bool:
    return get_origin(tp) is tuple


def _tuple_hook_factory(
    conv: cattrs.Converter,
) -> Callable[[Any], Callable[[object, object], tuple[Any, ...]]]:
    def factory(tp: Any) -> Callable[[object, object], tuple[Any, ...]]:
        (item_type, _ellipsis) = get_args(tp)
        item_hook = conv.get_structure_hook(item_type)

        def structure(obj: object, _: object) -> tuple[Any, ...]:
            if type(obj) is not list:
                raise InputError("expected a JSON array", got=obj)
            items = []
            for i, item in enumerate(obj):
                try:
                    items.append(item_hook(item, item_type))
                except InputError as err:
                    moved = _reroot(err, f"[{i}]")
                    raise moved from moved.__cause__
            return tuple(items)

        return structure

    return factory


def _is_record(tp: Any) -> bool:
    return attrs.has(tp) and tp not in (Digest, Sealed)


def _record_hook_factory(
    conv: cattrs.Converter,
) -> Callable[[type[Any]], Callable[[object, object], Any]]:
    def factory(cls: type[Any]) -> Callable[[object, object], Any]:
        generated = make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=False, _cattrs_detailed_validation=True
        )
        names = frozenset(field.name for field in attrs.fields(cls))
        order = tuple(field.name for field in attrs.fields(cls))
        tagged = names | {_TYPE}

        def run(obj: dict[str, Any]) -> Any:
            try:
                return generated(obj, cls)
            except BaseValidationError as exc:
                # cattrs collects every failing field; the first one (in field order) is
                # reported, with its own cause rather than the group.
                err = _as_input_error(exc)
                raise err from err.__cause__

        def structure(obj: object, _: object) -> Any:
            if type(obj) is not dict:
                raise InputError("expected a JSON object", got=obj)
            if obj.keys() != names:
                _check_members(obj, order)
            return run(obj)

        def structure_tagged(obj: dict[str, Any]) -> Any:
            # A record at the top, still holding its "type" member, which the generated
            # function skips as it skips any member that is not a field: no copy without it.
            if obj.keys() != tagged:
                body = dict(obj)
                del body[_TYPE]
                _check_members(body, order)
            return run(obj)

        _tagged_decoders[cls] = structure_tagged
        return structure

    return factory


def _check_members(obj: dict[Any, Any], names: tuple[str, ...]) -> None:
    """Every field present (an absent value is an explicit null), nothing else."""
    if len(obj) == len(names) and all(name in obj for name in names):
        return
    for name in names:
        if name not in obj:
            raise InputError("missing field (write null for an absent value)", path=name)
    unknown = sorted((k for k in obj if k not in names), key=repr)
    raise InputError("unknown field", path=str(unknown[0]))


def _is_optional(tp: Any) -> bool:
    """``X | None`` for one type X other than ``str | Sealed`` (those have their own hook)."""
    args = get_args(tp)
    return _is_union(tp) and len(args) == 2 and type(None) in args and not _is_personal(tp)


def _optional_hook_factory(
    conv: cattrs.Converter,
) -> Callable[[Any], Callable[[object, object], Any]]:
    def factory(tp: Any) -> Callable[[object, object], Any]:
        """``X | None``: null, or what the hook for X makes of it (found once, not per call)."""
        args = get_args(tp)
        inner = args[0] if args[1] is type(None) else args[1]
        inner_hook = conv.get_structure_hook(inner)

        def structure(obj: object, _: object) -> Any:
            return None if obj is None else inner_hook(obj, inner)

        return structure

    return factory


def _build_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=True, unstruct_collection_overrides={tuple: list})
    for cls, structure in (
        (str, _structure_str),
        (int, _structure_int),
        (bool, _structure_bool),
        (bytes, _structure_bytes),
        (datetime, _structure_datetime),
        (date, _structure_date),
        (Enum, _structure_enum),
        (Digest, _structure_digest),
        (Sealed, _structure_sealed),
    ):
        conv.register_structure_hook(cls, structure)
    conv.register_unstructure_hook(bytes, _unstructure_bytes)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_unstructure_hook(Enum, _unstructure_enum)
    conv.register_unstructure_hook_factory(_is_homogeneous_tuple, _tuple_unstructure_factory(conv))
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_unstructure_hook(Digest, str)
    conv.register_unstructure_hook(Sealed, _unstructure_sealed)
    # Registered last, so they take precedence over cattrs' lenient defaults.
    conv.register_structure_hook_factory(_is_record, _record_hook_factory(conv))
    conv.register_structure_hook_factory(_is_tuple, _tuple_hook_factory(conv))
    conv.register_structure_hook_factory(_is_optional, _optional_hook_factory(conv))
    conv.register_structure_hook_factory(_is_literal, _literal_hook)
    conv.register_structure_hook_factory(_is_personal, _personal_hook)
    return conv


_converter = _build_converter()


# -- the registry ---------------------------------------------------------------------

_LEAF_TYPES = (str, int, bool, bytes, datetime, date, Digest, Sealed)

_tags: dict[type[Any], str] = {}
_types: dict[str, type[Any]] = {}
_encoders: dict[type[Any], Callable[[Any], dict[str, Any]]] = {}
_decoders: dict[type[Any], Callable[[dict[str, Any]], Any]] = {}


def _check_field_type(tp: Any, path: str, seen: set[type[Any]]) -> None:
    """Only the field types the canonical form can carry exactly (never a float)."""
    if tp in _LEAF_TYPES:
        return
    if isinstance(tp, type) and issubclass(tp, Enum):
        if not all(type(m.value) is str for m in tp):
            raise InputError(f"enum {tp.__name__} must have string values", path=path)
        return
    if isinstance(tp, type) and attrs.has(tp):
        if tp not in seen:
            seen.add(tp)
            attrs.resolve_types(tp)
            for field in attrs.fields(tp):
                if field.name == _TYPE:
                    raise InputError("a record field may not be named 'type'", path=path)
                _check_field_type(field.type, f"{path}.{field.name}", seen)
        return
    args = get_args(tp)
    if _is_tuple(tp) and len(args) == 2 and args[1] is Ellipsis:
        _check_field_type(args[0], f"{path}[]", seen)
        return
    if _is_literal(tp) and all(type(a) is str for a in args):
        return
    if _is_personal(tp):
        return
    if _is_union(tp) and type(None) in args and len(args) == 2:
        _check_field_type(args[0] if args[1] is type(None) else args[1], path, seen)
        return
    raise InputError(
        f"unsupported field type {tp!r}: use str, int, bool, bytes, datetime, date, an enum "
        "with string values, Digest, Sealed, a record, tuple[X, ...], a Literal of strings, "
        "str | Sealed, or X | None",
        path=path,
    )


def _body_decoder(
    hook: Callable[[object, object], Any], cls: type[Any]
) -> Callable[[dict[str, Any]], Any]:
    """A decoder that drops the "type" member and hands the rest to ``hook``.

    For a class whose hook is not a record hook (a leaf type such as Digest): those
    have no decoder for tagged objects of their own.
    """

    def decode_body(obj: dict[str, Any]) -> Any:
        body = dict(obj)
        del body[_TYPE]
        return hook(body, cls)

    return decode_body


def register(cls: type[T], tag: str) -> type[T]:
    """Register a record type under ``tag``, so the codec (and the log) accept it.

    ``cls`` is an attrs class whose fields use the supported types (see the module
    docstring; floats never); ``tag`` is ``<kebab-case-name>/v<N>`` and must be new.
    Returns ``cls``. Choose a tag with a prefix of your own (``acme-note/v1``) so a later
    library version cannot take it.

    >>> @attrs.frozen(kw_only=True)
    ... class Note:
    ...     text: str
    >>> register(Note, "example-note/v1") is Note
    True
    >>> encode(Note(text="hello"))
    {'text': 'hello', 'type': 'example-note/v1'}
    >>> register(Note, "example-note/v2")
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: cls: already registered as 'example-note/v1' ...

    .. versionadded:: 0.1.0
    """
    registered = cls
    if not (isinstance(cls, type) and attrs.has(cls)):
        raise InputError("expected an attrs class", path="cls", got=cls)
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise InputError("expected a tag '<kebab-case-name>/v<N>'", path="tag", got=tag)
    if cls in _tags:
        raise InputError(f"already registered as {_tags[cls]!r}", path="cls", got=cls.__name__)
    if tag in _types:
        raise InputError(
            f"tag already registered for {_types[tag].__qualname__}", path="tag", got=tag
        )
    # Every field type is one the hooks handle, so building them cannot fail.
    _check_field_type(cls, cls.__name__, set())
    hook = _converter.get_structure_hook(cls)  # builds the one for tagged objects too
    _decoders[cls] = _tagged_decoders.get(cls) or _body_decoder(hook, cls)
    _encoders[cls] = _converter.get_unstructure_hook(cls)
    _tags[cls] = tag
    _types[tag] = cls
    return registered


def tag_of(cls_or_record: object) -> str:
    """The type tag of a registered record type or record.

    >>> tag_of(DeliveryOrder)
    'delivery-order/v1'

    .. versionadded:: 0.1.0
    """
    cls = cls_or_record if isinstance(cls_or_record, type) else type(cls_or_record)
    tag = _tags.get(cls)
    if tag is None:
        raise InputError("not a registered record type", got=cls.__qualname__)
    return tag


def record_types() -> Mapping[str, type[Any]]:
    """A read-only view of the registry: tag to record type.

    .. versionadded:: 0.1.0
    """
    return types.MappingProxyType(_types)


# -- encoding and decoding ------------------------------------------------------------


def encode(record: object) -> dict[str, Any]:
    """The record as its canonical dict: JSON-compatible, with a ``type`` member.

    .. versionadded:: 0.1.0
    """
    cls = type(record)
    encoder = _encoders.get(cls)
    if encoder is None:
        raise InputError("not a registered record type", path="record", got=cls.__qualname__)
    body = encoder(record)
    body[_TYPE] = _tags[cls]
    return body


@overload
def decode(obj: object) -> object: ...
@overload
def decode(obj: object, as_type: type[T]) -> T: ...
def decode(obj: object, as_type: type[Any] | None = None) -> Any:
    """The record a canonical dict encodes; strict, InputError naming the field otherwise.

    With ``as_type``, the tag must be that type's.

    .. versionadded:: 0.1.0
    """
    if type(obj) is not dict:
        raise InputError("expected a JSON object with a 'type' member", got=obj)
    tag = obj.get(_TYPE, _MISSING)
    if tag is _MISSING:
        raise InputError("missing record type tag", path=_TYPE)
    cls = _types.get(tag) if type(tag) is str else None
    if cls is None:
        raise InputError("unknown record type tag", path=_TYPE, got=tag)
    if as_type is not None and cls is not as_type:
        raise InputError(f"expected {tag_of(as_type)!r}", path=_TYPE, got=tag)
    return _decoders[cls](obj)


def dumps(record: object) -> bytes:
    """The canonical bytes (RFC 8785) of :func:`encode` of the record.

    .. versionadded:: 0.1.0
    """
    return canonical.dumps(encode(record))


@overload
def loads(data: bytes) -> object: ...
@overload
def loads(data: bytes, as_type: type[T]) -> T: ...
def loads(data: bytes, as_type: type[Any] | None = None) -> Any:
    """The record in canonical bytes: strict JSON (EncodingError), then :func:`decode`.

    .. versionadded:: 0.1.0
    """
    obj = canonical.loads(data)
    return decode(obj) if as_type is None else decode(obj, as_type)


BUILTIN_TAGS: Mapping[type[Any], str] = types.MappingProxyType(
    {
        Party: "party/v1",
        Court: "court/v1",
        Case: "case/v1",
        Address: "address/v1",
        Consent: "consent/v1",
        Document: "document/v1",
        DeliveryOrder: "delivery-order/v1",
        EvidenceEvent: "evidence-event/v1",
        RecipientReply: "recipient-reply/v1",
        InboundFiling: "inbound-filing/v1",
        Fallback: "fallback/v1",
        ConsentRecorded: "consent-recorded/v1",
        ConsentRevoked: "consent-revoked/v1",
        ServiceDetermination: "service-determination/v1",
        KeyRotation: "key-rotation/v1",
        KeyRevocation: "key-revocation/v1",
    }
)
"""The library's own record types and their tags (openings of sealed values have none:
they must never enter a log)."""

for _cls, _tag in BUILTIN_TAGS.items():
    register(_cls, _tag)
del _cls, _tag

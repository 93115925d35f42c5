"""Documents: digest and size from bytes or a streamed file, and verification."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery.errors import InputError, VerificationError
from legaldelivery.records import CHUNK_SIZE, Document, DocumentKind
from legaldelivery.records import documents as documents_module

META: dict[str, Any] = {
    "document_id": "evidence-1",
    "kind": DocumentKind.EVIDENCE,
    "title": "Evidence list",
    "media_type": "application/pdf",
}


def test_from_bytes_records_size_and_sha256() -> None:
    doc = Document.from_bytes(b"abc", **META)
    assert doc.size == 3
    # FIPS 180-2 appendix B.1.
    assert doc.digest.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


class CountingReads:
    """Wraps ``open`` to record how many bytes each read asked for."""

    def __init__(self) -> None:
        self.requests: list[int] = []

    def __call__(self, path: Any, mode: str = "r") -> Any:
        f = open(path, mode)  # noqa: SIM115 - closed by the caller's with-block
        requests = self.requests
        read = f.read

        def counted(size: int = -1) -> bytes:
            requests.append(size)
            return read(size)

        f.read = counted  # type: ignore[method-assign]
        return f


def test_from_file_streams_a_file_larger_than_a_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytes(range(256)) * (CHUNK_SIZE // 256) + b"tail of seventeen"
    assert len(data) > CHUNK_SIZE
    path = tmp_path / "big.pdf"
    path.write_bytes(data)
    reads = CountingReads()
    monkeypatch.setattr(documents_module, "open", reads, raising=False)

    doc = Document.from_file(path, **META)

    assert doc.size == len(data)
    assert doc.digest.value == hashlib.sha256(data).digest()
    assert doc == Document.from_bytes(data, **META)
    # Never a whole-file read: every request is one chunk.
    assert reads.requests
    assert all(0 < n <= CHUNK_SIZE for n in reads.requests)
    assert len(reads.requests) >= 2


@settings(max_examples=25)
@given(data=st.binary(max_size=300), chunk_size=st.integers(1, 64))
def test_from_file_matches_from_bytes_for_any_chunking(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, chunk_size: int
) -> None:
    path = tmp_path_factory.mktemp("docs") / "doc.bin"
    path.write_bytes(data)
    assert Document.from_file(path, chunk_size=chunk_size, **META) == Document.from_bytes(
        data, **META
    )


@given(data=st.binary(min_size=1, max_size=200), where=st.integers(0), flip=st.integers(1, 255))
def test_verify_bytes_detects_any_changed_byte(data: bytes, where: int, flip: int) -> None:
    doc = Document.from_bytes(data, **META)
    assert doc.verify_bytes(data) is None
    changed = bytearray(data)
    changed[where % len(data)] ^= flip
    with pytest.raises(VerificationError, match=r"evidence-1: the bytes do not match"):
        doc.verify_bytes(bytes(changed))


@given(data=st.binary(max_size=100), extra=st.binary(min_size=1, max_size=5))
def test_verify_bytes_detects_appended_or_truncated_bytes(data: bytes, extra: bytes) -> None:
    doc = Document.from_bytes(data, **META)
    with pytest.raises(VerificationError):
        doc.verify_bytes(data + extra)
    longer = Document.from_bytes(data + extra, **META)
    with pytest.raises(VerificationError):
        longer.verify_bytes(data)


def test_verify_file(tmp_path: Path) -> None:
    data = b"x" * (CHUNK_SIZE + 1)
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    doc = Document.from_bytes(data, **META)
    assert doc.verify_file(path) is None
    path.write_bytes(data[:-1] + b"y")
    with pytest.raises(VerificationError, match=r"expected 1048577 bytes"):
        doc.verify_file(path, chunk_size=4096)


def test_verify_accepts_bytes_like_and_rejects_text() -> None:
    doc = Document.from_bytes(b"abc", **META)
    doc.verify_bytes(bytearray(b"abc"))
    doc.verify_bytes(memoryview(b"abc"))
    with pytest.raises(InputError, match=r"^data: expected bytes"):
        doc.verify_bytes("abc")  # type: ignore[arg-type]


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read the file") as info:
        Document.from_file(tmp_path / "nope.pdf", **META)
    assert isinstance(info.value.__cause__, FileNotFoundError)
    doc = Document.from_bytes(b"", **META)
    with pytest.raises(InputError):
        doc.verify_file(tmp_path)  # a directory


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "4096"])
def test_chunk_size_must_be_positive(tmp_path: Path, bad: object) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(InputError, match=r"^chunk_size: "):
        Document.from_file(path, chunk_size=bad, **META)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [io.BytesIO(b"abc"), 0, None, b"/tmp/x"])
def test_from_file_takes_paths_only(bad: object) -> None:
    # An int would be a file descriptor to open(): never what a caller meant.
    with pytest.raises(InputError, match=r"^path: expected a file path"):
        Document.from_file(bad, **META)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "good",
    [
        "application/pdf",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/ld+json",
        "text/plain",
    ],
)
def test_media_types_accept(good: str) -> None:
    assert Document.from_bytes(b"", **{**META, "media_type": good}).media_type == good


@pytest.mark.parametrize(
    "bad",
    [
        "application",
        "Application/PDF",
        "application/pdf; charset=x",
        "/pdf",
        "application/",
        "a/b/c",
        ".x/pdf",
        "application/p df",
        "",
    ],
)
def test_media_types_reject(bad: str) -> None:
    with pytest.raises(InputError, match=r"^media_type: expected a lower-case media type"):
        Document.from_bytes(b"", **{**META, "media_type": bad})


def test_kind_and_title(summons: Document) -> None:
    with pytest.raises(InputError, match=r"^kind: "):
        attrs.evolve(summons, kind="summons")
    with pytest.raises(InputError, match=r"^title: "):
        attrs.evolve(summons, title="x" * 513)
    with pytest.raises(InputError, match=r"^digest: expected a Digest"):
        attrs.evolve(summons, digest="sha256:" + "0" * 64)

"""Tests for legaldelivery.checkpoint: C2SP tlog-checkpoint text and signed checkpoints.

The example checkpoint is the published one of c2sp.org/tlog-checkpoint; roots are
computed here with hashlib per RFC 6962.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldelivery import notes
from legaldelivery.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    open_checkpoint,
    sign_checkpoint,
)
from legaldelivery.errors import InputError, NoteError
from legaldelivery.keys import EcdsaP256Signer, Ed25519Signer, KeyRing, Signer

EM = "\u2014"

# c2sp.org/tlog-checkpoint, the specification's example (its key is not published).
SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_NOTE = (
    SPEC_TEXT
    + f"\n{EM} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URY"
    "N7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

EMPTY_ROOT = hashlib.sha256(b"").digest()
ONE_LEAF_ROOT = hashlib.sha256(b"\x00hello world").digest()
ORIGIN = "court.example/log"
LOG = Ed25519Signer.generate(ORIGIN)


def compose(origin: str, size: int, root: bytes, *extensions: str) -> str:
    lines = [origin, str(size), base64.b64encode(root).decode(), *extensions]
    return "".join(line + "\n" for line in lines)


def test_the_spec_example() -> None:
    root = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    checkpoint = Checkpoint("example.com/behind-the-sofa", 20852163, root)
    assert checkpoint.to_text() == SPEC_TEXT
    assert Checkpoint.from_text(SPEC_TEXT) == checkpoint
    assert Checkpoint.from_text(notes.text_of(SPEC_NOTE)) == checkpoint
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        open_checkpoint(SPEC_NOTE, [LOG.verifier])


def test_construction_forms() -> None:
    by_position = Checkpoint(ORIGIN, 1, ONE_LEAF_ROOT, ["Timestamp: 1"])
    by_keyword = Checkpoint(
        origin=ORIGIN, size=1, root_hash=bytearray(ONE_LEAF_ROOT), extensions=("Timestamp: 1",)
    )
    assert by_position == by_keyword
    assert by_keyword.root_hash == ONE_LEAF_ROOT
    assert type(by_keyword.root_hash) is bytes
    assert by_position.extensions == ("Timestamp: 1",)
    assert Checkpoint(ORIGIN, 0, memoryview(EMPTY_ROOT)).extensions == ()
    assert by_position.to_text() == compose(ORIGIN, 1, ONE_LEAF_ROOT, "Timestamp: 1")


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"origin": ""}, "origin"),
        ({"origin": "a\nb"}, "origin"),
        ({"origin": "a\rb"}, "origin"),
        ({"origin": "\ud800"}, "origin"),
        ({"origin": b"log"}, "origin"),
        ({"size": -1}, "size"),
        ({"size": MAX_TREE_SIZE + 1}, "size"),
        ({"size": True}, "size"),
        ({"size": 1.0}, "size"),
        ({"size": "1"}, "size"),
        ({"root_hash": EMPTY_ROOT[:31]}, "root_hash"),
        ({"root_hash": EMPTY_ROOT + b"\x00"}, "root_hash"),
        ({"root_hash": base64.b64encode(EMPTY_ROOT).decode()}, "root_hash"),
        ({"extensions": "a string"}, "extensions"),
        ({"extensions": 5}, "extensions"),
        ({"extensions": ("",)}, r"extensions\[0\]"),
        ({"extensions": ("ok", "two\nlines")}, r"extensions\[1\]"),
        ({"extensions": ("ok", 3)}, r"extensions\[1\]"),
    ],
)
def test_invalid_checkpoints_cannot_be_built(kwargs: dict[str, object], path: str) -> None:
    fields: dict[str, object] = {"origin": ORIGIN, "size": 3, "root_hash": EMPTY_ROOT}
    fields.update(kwargs)
    with pytest.raises(InputError, match=path):
        Checkpoint(**fields)  # type: ignore[arg-type]


def test_largest_size() -> None:
    checkpoint = Checkpoint(ORIGIN, MAX_TREE_SIZE, EMPTY_ROOT)
    assert MAX_TREE_SIZE == 9223372036854775807
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint


line_text = st.text(st.characters(codec="utf-8", min_codepoint=0x20), min_size=1, max_size=20)
checkpoints = st.builds(
    Checkpoint,
    origin=line_text,
    size=st.integers(0, MAX_TREE_SIZE),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(line_text, max_size=3).map(tuple),
)


@settings(max_examples=100)
@given(checkpoint=checkpoints)
def test_text_round_trip(checkpoint: Checkpoint) -> None:
    text = checkpoint.to_text()
    assert text == compose(
        checkpoint.origin, checkpoint.size, checkpoint.root_hash, *checkpoint.extensions
    )
    assert Checkpoint.from_text(text) == checkpoint


@settings(max_examples=100)
@given(
    origin=line_text,
    size=st.integers(0, MAX_TREE_SIZE),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(line_text, max_size=3),
)
def test_valid_texts_read_and_write_back(
    origin: str, size: int, root: bytes, extensions: list[str]
) -> None:
    text = compose(origin, size, root, *extensions)
    checkpoint = Checkpoint.from_text(text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root_hash) == (origin, size, root)
    assert checkpoint.extensions == tuple(extensions)
    assert checkpoint.to_text() == text


ROOT64 = base64.b64encode(EMPTY_ROOT).decode()


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("", "checkpoint"),
        (f"log\n0\n{ROOT64}", "checkpoint"),
        ("log\n0\n", "checkpoint"),
        (f"log\n0\n{ROOT64}\n\n", "line 4"),
        (f"log\n0\n{ROOT64}\next\n\nmore\n", "line 5"),
        (f"\n0\n{ROOT64}\n", "line 1"),
        (f"lo\rg\n0\n{ROOT64}\n", "line 1"),
        (f"log\n0\n{ROOT64}\ne\tx\n", "line 4"),
        (f"log\n\ud800\n{ROOT64}\n", "line 2"),
        (f"log\n\n{ROOT64}\n", "line 2"),
        (f"log\n00\n{ROOT64}\n", "line 2"),
        (f"log\n01\n{ROOT64}\n", "line 2"),
        (f"log\n+1\n{ROOT64}\n", "line 2"),
        (f"log\n-1\n{ROOT64}\n", "line 2"),
        (f"log\n 1\n{ROOT64}\n", "line 2"),
        (f"log\n1 \n{ROOT64}\n", "line 2"),
        (f"log\n1_000\n{ROOT64}\n", "line 2"),
        (f"log\n1.0\n{ROOT64}\n", "line 2"),
        (f"log\n0x10\n{ROOT64}\n", "line 2"),
        (f"log\n\u0661\u0662\n{ROOT64}\n", "line 2"),
        (f"log\n\uff11\n{ROOT64}\n", "line 2"),
        (f"log\n{MAX_TREE_SIZE + 1}\n{ROOT64}\n", "line 2"),
        (f"log\n{'9' * 20}\n{ROOT64}\n", "line 2"),
        (f"log\n{'1' * 5000}\n{ROOT64}\n", "line 2"),
        (f"log\n0\n{ROOT64.rstrip('=')}\n", "line 3"),
        (f"log\n0\n{ROOT64[:-2]}Z=\n", "line 3"),
        (f"log\n0\n{base64.b64encode(EMPTY_ROOT[:31]).decode()}\n", "line 3"),
        (f"log\n0\n{base64.b64encode(EMPTY_ROOT + b'x').decode()}\n", "line 3"),
        (f"log\n0\n {ROOT64}\n", "line 3"),
        (f"log\n0\n{ROOT64.replace('+', '-')}\n", "line 3"),
        (b"log\n0\n" + ROOT64.encode() + b"\n", "checkpoint"),
    ],
)
def test_malformed_texts_name_the_line(text: str, path: str) -> None:
    with pytest.raises(InputError, match=path):
        Checkpoint.from_text(text)


# -- signed checkpoints ---------------------------------------------------------------------


@pytest.mark.parametrize("signer", [LOG, EcdsaP256Signer.generate(ORIGIN)])
def test_signed_checkpoint_opens_to_the_same_checkpoint(signer: Signer) -> None:
    checkpoint = Checkpoint(ORIGIN, 1, ONE_LEAF_ROOT, ("note: example",))
    note = sign_checkpoint(checkpoint, signer)
    assert note.startswith(checkpoint.to_text() + "\n" + EM + " " + ORIGIN + " ")
    opened, note_opened = open_checkpoint(note, [signer.verifier], origin=ORIGIN)
    assert opened == checkpoint
    assert note_opened.verified_by == (signer.verifier,)
    assert open_checkpoint(note.encode(), KeyRing([signer.verifier]))[0] == checkpoint


def test_signed_checkpoint_with_a_witness() -> None:
    witness = Ed25519Signer.generate("witness.example/w1")
    checkpoint = Checkpoint(ORIGIN, 0, EMPTY_ROOT)
    note = sign_checkpoint(checkpoint, LOG, witness)
    assert open_checkpoint(note, [witness.verifier])[0] == checkpoint
    _, opened = open_checkpoint(note, [LOG.verifier, witness.verifier])
    assert opened.verified_by == (LOG.verifier, witness.verifier)


def test_a_checkpoint_of_another_log_is_rejected() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), LOG)
    with pytest.raises(NoteError, match=r"other\.example/log"):
        open_checkpoint(note, [LOG.verifier], origin="other.example/log")


@settings(max_examples=60)
@given(size=st.integers(0, MAX_TREE_SIZE), root=st.binary(min_size=32, max_size=32))
def test_a_changed_size_or_root_is_rejected(size: int, root: bytes) -> None:
    checkpoint = Checkpoint(ORIGIN, 5, ONE_LEAF_ROOT)
    note = sign_checkpoint(checkpoint, LOG)
    forged = compose(ORIGIN, size, root) + note[len(checkpoint.to_text()) :]
    if (size, root) == (5, ONE_LEAF_ROOT):
        assert open_checkpoint(forged, [LOG.verifier])[0] == checkpoint
        return
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(forged, [LOG.verifier])


def test_a_verified_text_that_is_not_a_checkpoint() -> None:
    note = notes.sign("just a note\n", LOG)
    with pytest.raises(InputError, match="3 lines"):
        open_checkpoint(note, [LOG.verifier])


def test_the_signature_is_checked_before_the_text_is_read() -> None:
    note = notes.sign("not\na\ncheckpoint\n", Ed25519Signer.generate(ORIGIN))
    with pytest.raises(NoteError):
        open_checkpoint(note, [LOG.verifier])


def test_sign_checkpoint_checks_its_arguments() -> None:
    with pytest.raises(InputError, match="Checkpoint"):
        sign_checkpoint(SPEC_TEXT, LOG)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="signer"):
        sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT))


def test_revoked_log_key() -> None:
    ring = KeyRing([LOG.verifier])
    note = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), LOG)
    ring.revoke(LOG.fingerprint, datetime(2026, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(NoteError, match="revoked"):
        open_checkpoint(note, ring)

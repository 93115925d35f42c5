"""``checkpoint --signing-key`` refuses a key file that loads as another key than expected.

An encrypted PKCS#8 file has no integrity check: a changed byte in its second AES-CBC
block decrypts to a different but valid Ed25519 key. The command compares the key read
with ``--key-fingerprint``, else the ``PREFIX.vkey`` beside ``PREFIX.key.pem``, else the
log's current key, and exits 2 naming the damage.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldelivery import EvidenceLog, notes
from legaldelivery.cli import main
from legaldelivery.keys import Verifier, read_private_key
from legaldelivery.testing.fakes import sample_order

ORIGIN = "court.example/cli-signing-key"
PASSPHRASE = "correct horse battery staple"
DAMAGED = "the file is damaged or holds another key"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def damage(pem: bytes, position: int, mask: int) -> bytes:
    """The PEM with one byte of ciphertext block 1 (of 4) changed; the padding survives."""
    lines = pem.splitlines()
    der = bytearray(base64.b64decode(b"".join(lines[1:-1]), validate=True))
    # The Ed25519 PKCS#8 key is 48 bytes, encrypted to four 16-byte blocks ending the DER.
    assert der[-66:-64] == b"\x04\x40"
    der[-48 + position] ^= mask
    body = base64.b64encode(bytes(der))
    wrapped = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join([lines[0], *wrapped, lines[-1]]) + b"\n"


class Court:
    """keygen's files (encrypted key, vkey) and a log signed by that key."""

    def __init__(self, folder: Path, *, entries: int = 1) -> None:
        self.folder = folder
        code, _out, err = run_cli(
            "keygen", "--name", ORIGIN, "--out", str(folder / "court"),
            "--passphrase-env", "LD_PASS", "--json",
        )  # fmt: skip
        assert code == 0, err
        self.pem = folder / "court.key.pem"
        self.vkey = folder / "court.vkey"
        self.verifier = Verifier.from_vkey(self.vkey.read_text("utf-8").strip())
        signer = read_private_key(ORIGIN, self.pem, passphrase=PASSPHRASE)
        self.log = str(folder / "log.sqlite")
        log = EvidenceLog.create(self.log, origin=ORIGIN, signer=signer)
        if entries:
            log.append(sample_order())
        log.close()
        self.original = self.pem.read_bytes()

    def damage(self, position: int = 3, mask: int = 0x5A) -> str:
        self.pem.write_bytes(damage(self.original, position, mask))
        other = read_private_key(ORIGIN, self.pem, passphrase=PASSPHRASE)
        # What the command must catch: without a comparison the file yields a valid key.
        assert other.fingerprint != self.verifier.fingerprint
        return other.fingerprint

    def checkpoint(self, *more: str) -> tuple[int, str, str]:
        return run_cli(
            "checkpoint", self.log, "--signing-key", str(self.pem),
            "--passphrase-env", "LD_PASS", *more,
        )  # fmt: skip


@pytest.fixture(autouse=True)
def passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_PASS", PASSPHRASE)


def assert_refused(result: tuple[int, str, str], source: str, found: str) -> None:
    code, out, err = result
    assert code == 2
    assert out == ""
    assert DAMAGED in err
    assert f"expected the key of {source}" in err
    assert found in err
    assert "does not sign this log" not in err
    assert PASSPHRASE not in err


def test_an_intact_key_signs(tmp_path: Path) -> None:
    court = Court(tmp_path)
    code, out, _ = court.checkpoint()
    assert code == 0
    notes.open(out, [court.verifier])
    code, out, _ = court.checkpoint("--key-fingerprint", court.verifier.fingerprint)
    assert code == 0
    notes.open(out, [court.verifier])


def test_a_damaged_key_is_refused_by_the_vkey_beside_it(tmp_path: Path) -> None:
    court = Court(tmp_path)
    found = court.damage()
    assert_refused(court.checkpoint(), repr(str(court.vkey)), found)


def test_a_damaged_key_is_refused_by_the_logs_current_key(tmp_path: Path) -> None:
    court = Court(tmp_path)
    court.vkey.unlink()
    found = court.damage()
    assert_refused(court.checkpoint(), "the log's current key", found)


def test_a_damaged_key_is_refused_by_the_fingerprint_given(tmp_path: Path) -> None:
    court = Court(tmp_path, entries=0)  # an empty log names no key
    court.vkey.unlink()
    found = court.damage()
    given_fp = ("--key-fingerprint", court.verifier.fingerprint)
    assert_refused(court.checkpoint(*given_fp), "--key-fingerprint", found)


def test_the_fingerprint_given_comes_before_the_vkey_beside_the_key(tmp_path: Path) -> None:
    court = Court(tmp_path)
    stranger = "ab" * 32
    code, _, err = court.checkpoint("--key-fingerprint", stranger)
    assert code == 2
    assert DAMAGED in err
    assert stranger in err
    assert "--key-fingerprint" in err


@pytest.fixture(scope="module")
def shared_court(tmp_path_factory: pytest.TempPathFactory) -> Court:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LD_PASS", PASSPHRASE)
        return Court(tmp_path_factory.mktemp("court"))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(0, 15), mask=st.integers(1, 255))
def test_any_damage_to_the_second_block_exits_2(
    shared_court: Court, position: int, mask: int
) -> None:
    court = shared_court
    found = court.damage(position, mask)
    assert_refused(court.checkpoint(), repr(str(court.vkey)), found)


def test_another_key_with_its_own_vkey_still_does_not_sign_the_log(tmp_path: Path) -> None:
    court = Court(tmp_path)
    code, _, _ = run_cli(
        "keygen", "--name", ORIGIN, "--out", str(tmp_path / "other"), "--passphrase-env", "LD_PASS"
    )
    assert code == 0
    code, _, err = run_cli(
        "checkpoint", court.log, "--signing-key", str(tmp_path / "other.key.pem"),
        "--passphrase-env", "LD_PASS",
    )  # fmt: skip
    assert code == 2
    assert "does not sign this log" in err


@pytest.mark.parametrize("bad", ["AB" * 32, "ab" * 31, "g" * 64, ""])
def test_a_malformed_fingerprint_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    court = Court(tmp_path)
    code, _, err = court.checkpoint("--key-fingerprint", bad)
    assert code == 2
    assert "64 lowercase hex digits" in err


def test_an_unreadable_vkey_beside_the_key_is_a_usage_error(tmp_path: Path) -> None:
    court = Court(tmp_path)
    court.vkey.write_text("not a vkey\n", encoding="utf-8")
    code, _, err = court.checkpoint()
    assert code == 2
    assert "beside the signing key, is not a verifier key" in err

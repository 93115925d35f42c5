"""The command line: exit codes 0 (verified), 1 (findings), 2 (usage or unreadable input)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from legaldelivery import EvidenceLog, notes
from legaldelivery.cli import main
from legaldelivery.keys import Ed25519Signer, Signer, Verifier
from legaldelivery.testing.fakes import sample_records

ORIGIN = "court.example/cli-test"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Ed25519Signer, EvidenceLog]:
    signer = Ed25519Signer.generate(ORIGIN)
    t0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
    ticks = iter(range(100))
    log = EvidenceLog.create(
        ":memory:",
        origin=ORIGIN,
        signer=signer,
        clock=lambda: t0 + timedelta(minutes=next(ticks)),
    )
    for record in sample_records():
        log.append(record)
    path = tmp_path / "log.jsonl"
    log.export_jsonl(path)
    (tmp_path / "court.vkey").write_text(signer.vkey + "\n", encoding="utf-8")
    (tmp_path / "checkpoint.txt").write_text(log.checkpoint(), encoding="utf-8")
    return path, signer, log


def test_verify_ok_exits_0(exported: tuple[Path, Ed25519Signer, EvidenceLog]) -> None:
    path, signer, log = exported
    code, out, _ = run_cli(
        "verify",
        str(path),
        "--key",
        str(path.parent / "court.vkey"),
        "--checkpoint",
        str(path.parent / "checkpoint.txt"),
    )
    assert code == 0, out
    assert f"verified: {log.size} entries" in out
    assert f"checkpoint at size {log.size}" in out
    # The vkey may also be given inline.
    assert run_cli("verify", str(path), "--key", signer.vkey)[0] == 0


def test_verify_findings_exit_1_with_entry_numbers(
    exported: tuple[Path, Ed25519Signer, EvidenceLog],
) -> None:
    path, signer, _ = exported
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"seq":1', b'"seq":9')
    path.write_bytes(b"\n".join(lines))
    code, out, err = run_cli("verify", str(path), "--key", signer.vkey)
    assert code == 1
    assert "entry 1: sequence" in out
    assert "NOT verified" in err


def test_verify_usage_and_unreadable_input_exit_2(
    exported: tuple[Path, Ed25519Signer, EvidenceLog], tmp_path: Path
) -> None:
    path, signer, _ = exported
    assert run_cli("verify", str(path))[0] == 2  # --key missing
    assert run_cli("verify", str(tmp_path / "missing.jsonl"), "--key", signer.vkey)[0] == 2
    assert run_cli("verify", str(path), "--key", "not a vkey")[0] == 2
    code, _, err = run_cli(
        "verify", str(path), "--key", signer.vkey, "--checkpoint", str(tmp_path / "nope")
    )
    assert code == 2
    assert "cannot read checkpoint" in err
    assert run_cli("no-such-command")[0] == 2


def test_keygen_writes_an_encrypted_key_by_default(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("correct horse battery staple\n", encoding="utf-8")
    prefix = tmp_path / "court"
    code, out, _ = run_cli(
        "keygen", "--name", ORIGIN, "--out", str(prefix), "--passphrase-file", str(secret)
    )
    assert code == 0, out
    private = tmp_path / "court.key.pem"
    assert b"ENCRYPTED" in private.read_bytes()
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    signer = Signer.from_private_pem(
        ORIGIN, private.read_bytes(), passphrase=b"correct horse battery staple"
    )
    vkey = (tmp_path / "court.vkey").read_text(encoding="utf-8").strip()
    assert Verifier.from_vkey(vkey) == signer.verifier
    assert signer.fingerprint in out
    # A second run must not overwrite the key.
    again = run_cli(
        "keygen", "--name", ORIGIN, "--out", str(prefix), "--passphrase-file", str(secret)
    )
    assert again[0] == 2


def test_keygen_needs_a_passphrase_or_the_insecure_flag(tmp_path: Path) -> None:
    code, _, err = run_cli("keygen", "--name", ORIGIN, "--out", str(tmp_path / "k"))
    assert code == 2
    assert "--unencrypted-insecure" in err
    code, _, err = run_cli(
        "keygen", "--name", ORIGIN, "--out", str(tmp_path / "k"), "--unencrypted-insecure"
    )
    assert code == 0
    assert "UNENCRYPTED" in err
    assert b"ENCRYPTED" not in (tmp_path / "k.key.pem").read_bytes()


def test_keygen_short_passphrase_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_TEST_PASS", "short")
    code, _, err = run_cli(
        "keygen", "--name", ORIGIN, "--out", str(tmp_path / "k"), "--passphrase-env", "LD_TEST_PASS"
    )
    assert code == 2
    assert "at least 8" in err
    assert "short" not in err


def test_module_entry_point_runs_in_a_subprocess(
    exported: tuple[Path, Ed25519Signer, EvidenceLog],
) -> None:
    path, signer, _ = exported
    result = subprocess.run(
        [sys.executable, "-m", "legaldelivery", "verify", str(path), "--key", signer.vkey],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout


def test_checkpoint_from_another_key_is_a_finding(
    exported: tuple[Path, Ed25519Signer, EvidenceLog], tmp_path: Path
) -> None:
    path, signer, log = exported
    other = Ed25519Signer.generate(ORIGIN)
    forged = notes.sign(log.checkpoint_at().to_text(), other)
    (tmp_path / "forged.txt").write_text(forged, encoding="utf-8")
    code, out, _ = run_cli(
        "verify", str(path), "--key", signer.vkey, "--checkpoint", str(tmp_path / "forged.txt")
    )
    assert code == 1
    assert "checkpoint-invalid" in out


def test_demo_runs_and_leaves_evidence_that_verifies(tmp_path: Path) -> None:
    """The acceptance of issue 7, through the command line itself."""
    folder = tmp_path / "D"
    code, out, _ = run_cli("demo", "--dir", str(folder))
    assert code == 0, out
    assert "demo complete: every check held" in out
    assert "NOT verified" in out  # the tampered copy is caught
    for name in ("evidence.sqlite", "court.vkey", "checkpoint.txt", "bundle.json"):
        assert (folder / name).is_file(), name
    assert (folder / "certificate.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    key = str(folder / "court.vkey")
    code, out, _ = run_cli("verify", str(folder / "evidence.sqlite"), "--key", key)
    assert code == 0, out
    code, out, _ = run_cli(
        "verify", str(folder / "evidence.sqlite"), "--key", key,
        "--checkpoint", str(folder / "checkpoint.txt"),
    )  # fmt: skip
    assert code == 0, out
    code, out, _ = run_cli("verify-bundle", str(folder / "bundle.json"), "--key", key)
    assert code == 0, out
    assert "电子送达凭证" in out
    # One byte of an entry inside the bundle changed: exit 1, and the entry is named.
    bundle = folder / "bundle.json"
    data = bundle.read_bytes()
    at = data.index(b"Defendant One") + len(b"Defendant ")
    bundle.write_bytes(data[:at] + b"0" + data[at + 1 :])
    code, out, err = run_cli("verify-bundle", str(bundle), "--key", key)
    assert code == 1
    assert "entry 1 (bundle entries[1]): bad-signature" in out
    assert "entry 1 (bundle entries[1]): not-included" in out
    assert "NOT verified" in err
    # The demo never overwrites a log.
    code, _, err = run_cli("demo", "--dir", str(folder))
    assert code == 2
    assert "never overwrites" in err

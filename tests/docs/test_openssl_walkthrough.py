"""The walkthrough in docs/format.md verifies a real export with openssl and sha256sum."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from legaldelivery import EvidenceLog
from legaldelivery.keys import Ed25519Signer, write_public_key
from legaldelivery.testing.fakes import sample_records

FORMAT_MD = Path(__file__).resolve().parents[2] / "docs" / "format.md"

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("bash") is None,
    reason="needs the openssl command and bash",
)


def walkthrough_script() -> str:
    text = FORMAT_MD.read_text(encoding="utf-8")
    match = re.search(r"<!-- walkthrough -->\n```sh\n(.*?)\n```", text, re.S)
    assert match, "docs/format.md lost its walkthrough block"
    return match.group(1)


def make_export(folder: Path, count: int) -> EvidenceLog:
    signer = Ed25519Signer.generate("court.example/walkthrough")
    t0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    ticks = iter(range(1000))
    log = EvidenceLog.create(
        ":memory:",
        origin="court.example/walkthrough",
        signer=signer,
        clock=lambda: t0 + timedelta(seconds=next(ticks)),
    )
    records = list(sample_records())
    for i in range(count):
        log.append(records[i % len(records)])
    log.export_jsonl(folder / "log.jsonl")
    (folder / "checkpoint.txt").write_text(log.checkpoint(), encoding="utf-8")
    write_public_key(signer.verifier, folder / "court.pub.pem")
    return log


def run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", walkthrough_script()],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_walkthrough_verifies_an_export(tmp_path: Path, count: int) -> None:
    log = make_export(tmp_path, count)
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"checkpoint: {count} entries, root {log.root_hash().hex()}" in result.stdout


@pytest.mark.parametrize(
    ("needle", "replacement", "complaint"),
    [
        (b'"seq":1,', b'"seq":2,', "entry 1: seq is 2"),
        (b'"prev":"', b'"prev":"f', "entry 1: broken chain"),
    ],
)
def test_walkthrough_rejects_a_tampered_export(
    tmp_path: Path, needle: bytes, replacement: bytes, complaint: str
) -> None:
    make_export(tmp_path, 3)
    lines = (tmp_path / "log.jsonl").read_bytes().split(b"\n")
    line = lines[1]
    if needle == b'"prev":"':
        start = line.index(needle) + len(needle)
        line = (
            line[:start] + (b"0" if line[start : start + 1] != b"0" else b"1") + line[start + 1 :]
        )
    else:
        line = line.replace(needle, replacement)
    lines[1] = line
    (tmp_path / "log.jsonl").write_bytes(b"\n".join(lines))
    result = run(tmp_path)
    assert result.returncode != 0
    assert complaint in result.stdout


def test_walkthrough_rejects_a_changed_record(tmp_path: Path) -> None:
    make_export(tmp_path, 2)
    raw = (tmp_path / "log.jsonl").read_bytes()
    # Change one character inside entry 0's record: the signature must fail.
    at = raw.index(b'"record":{') + len(b'"record":{"')
    mutated = raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1 :]
    (tmp_path / "log.jsonl").write_bytes(mutated)
    result = run(tmp_path)
    assert result.returncode != 0
    assert "entry 0: bad signature" in result.stdout


def test_walkthrough_rejects_a_forged_checkpoint(tmp_path: Path) -> None:
    make_export(tmp_path, 3)
    text = (tmp_path / "checkpoint.txt").read_text(encoding="utf-8").split("\n")
    text[2] = "A" * 43 + "="
    (tmp_path / "checkpoint.txt").write_text("\n".join(text), encoding="utf-8")
    result = run(tmp_path)
    assert result.returncode != 0
    assert "differs from the checkpoint's" in result.stdout

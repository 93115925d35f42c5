"""The commands beyond verify and keygen: audit, checkpoint, prove, bundle, verify-bundle,
show, export, and --json and --help on every one."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from legaldelivery import Checkpoint, EvidenceLog, merkle, notes, rules
from legaldelivery.audit.bundle import ProofBundle, verify_bundle
from legaldelivery.cli import main
from legaldelivery.keys import Signer, Verifier, read_private_key_unencrypted_insecure
from legaldelivery.records import seal
from legaldelivery.testing.fakes import sample_order, sample_records

ORIGIN = "court.example/cli-commands"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
COMMANDS = (
    "demo",
    "keygen",
    "verify",
    "audit",
    "checkpoint",
    "prove",
    "bundle",
    "verify-bundle",
    "show",
    "export",
)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class Court:
    """A court's folder: its key files (made by keygen) and a SQLite log signed with them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        code, out, _ = run_cli(
            "keygen", "--name", ORIGIN, "--out", str(folder / "court"), "--unencrypted-insecure"
        )
        assert code == 0, out
        self.vkey = str(folder / "court.vkey")
        self.pem = str(folder / "court.key.pem")
        signer = read_private_key_unencrypted_insecure(ORIGIN, folder / "court.key.pem")
        ticks = iter(range(1000))
        self.log_path = folder / "log.sqlite"
        log = EvidenceLog.create(
            self.log_path,
            origin=ORIGIN,
            signer=signer,
            clock=lambda: T0 + timedelta(minutes=next(ticks)),
        )
        records = sample_records()
        cn = rules.jurisdiction("CN", on=date(2026, 3, 2))
        det = cn.time_of_service(
            sample_order(), records, at=T0 + timedelta(days=20), determination_id="det",
            deadlines=["defence"],
        )  # fmt: skip
        log.append_many([*records, det])
        self.size = log.size
        self.root = log.root_hash()
        log.close()
        self.log = str(self.log_path)

    def checkpoint(self) -> str:
        path = self.folder / "checkpoint.txt"
        if not path.exists():
            code, _out, err = run_cli(
                "checkpoint", self.log, "--signing-key", self.pem, "--unencrypted-insecure",
                "--out", str(path),
            )  # fmt: skip
            assert code == 0, err
        return str(path)


@pytest.fixture
def court(tmp_path: Path) -> Court:
    return Court(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run_cli(command, "--help")
    assert code == 0
    assert out.startswith(f"usage: legaldelivery {command}")


def test_the_top_level_help_lists_every_command() -> None:
    code, out, _ = run_cli("--help")
    assert code == 0
    for command in COMMANDS:
        assert command in out


def test_checkpoint_signed_and_unsigned(court: Court) -> None:
    code, out, err = run_cli("checkpoint", court.log)
    assert code == 0
    assert Checkpoint.from_text(out) == Checkpoint(ORIGIN, court.size, court.root)
    assert "NOT signed" in err
    note = Path(court.checkpoint()).read_text("utf-8")
    verifier = Verifier.from_vkey(Path(court.vkey).read_text("utf-8").strip())
    cp = Checkpoint.from_text(notes.open(note, [verifier]).text)
    assert (cp.size, cp.root_hash) == (court.size, court.root)
    code, out, _ = run_cli(
        "checkpoint", court.log, "--size", "3", "--signing-key", court.pem,
        "--unencrypted-insecure", "--json",
    )  # fmt: skip
    assert code == 0
    body = json.loads(out)
    assert body["size"] == 3
    assert body["signed"] is True
    notes.open(body["note"], [verifier])
    # Refusals: a size beyond the log, a file that exists, a key that does not sign the log.
    assert run_cli("checkpoint", court.log, "--size", "999")[0] == 2
    assert run_cli("checkpoint", court.log, "--out", court.checkpoint())[0] == 2
    run_cli("keygen", "--name", ORIGIN, "--out", str(court.folder / "other"),
            "--unencrypted-insecure")  # fmt: skip
    code, _, err = run_cli(
        "checkpoint", court.log, "--signing-key", str(court.folder / "other.key.pem"),
        "--unencrypted-insecure",
    )  # fmt: skip
    assert code == 2
    assert "does not sign this log" in err


def test_checkpoint_with_an_encrypted_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_PASS", "correct horse battery staple")
    code, _, _ = run_cli(
        "keygen", "--name", ORIGIN, "--out", str(tmp_path / "k"), "--passphrase-env", "LD_PASS"
    )
    assert code == 0
    signer = Signer.from_private_pem(
        ORIGIN, (tmp_path / "k.key.pem").read_bytes(), passphrase=b"correct horse battery staple"
    )
    log = EvidenceLog.create(tmp_path / "l.sqlite", origin=ORIGIN, signer=signer)
    log.append(sample_order())
    log.close()
    key = str(tmp_path / "k.key.pem")
    code, out, _ = run_cli(
        "checkpoint",
        str(tmp_path / "l.sqlite"),
        "--signing-key",
        key,
        "--passphrase-env",
        "LD_PASS",
    )
    assert code == 0
    notes.open(out, [signer.verifier])
    monkeypatch.setenv("LD_PASS", "N0t-the-one-in-use")
    code, _, err = run_cli(
        "checkpoint",
        str(tmp_path / "l.sqlite"),
        "--signing-key",
        key,
        "--passphrase-env",
        "LD_PASS",
    )
    assert code == 2
    assert "N0t-the-one-in-use" not in err


def test_prove_inclusion_and_consistency(court: Court) -> None:
    code, out, _ = run_cli("prove", court.log, "--entry", "4", "--json")
    assert code == 0
    body = json.loads(out)
    with EvidenceLog.open(court.log) as log:
        data = log.store.read_entry(4)
        old_root = log.root_hash(3)
    merkle.verify_inclusion(
        merkle.leaf_hash(data), 4, court.size, [bytes.fromhex(h) for h in body["proof"]], court.root
    )
    assert body["root_hash"] == court.root.hex()
    code, out, _ = run_cli("prove", court.log, "--consistency", "3", "--json")
    assert code == 0
    body = json.loads(out)
    merkle.verify_consistency(
        3, court.size, old_root, court.root, [bytes.fromhex(h) for h in body["proof"]]
    )
    code, out, _ = run_cli("prove", court.log, "--entry", "0", "--size", "1")
    assert code == 0
    assert "proof: 0 hashes" in out
    assert run_cli("prove", court.log, "--entry", "99")[0] == 2
    assert run_cli("prove", court.log, "--consistency", "0")[0] == 2
    assert run_cli("prove", court.log)[0] == 2  # --entry or --consistency is required
    assert run_cli("prove", court.log, "--entry", "-1")[0] == 2
    assert run_cli("prove", court.log, "--entry", "x")[0] == 2


def test_bundle_then_verify_bundle(court: Court) -> None:
    out_path = court.folder / "bundle.json"
    code, out, err = run_cli(
        "bundle", court.log, "order-2026-0001", "--checkpoint", court.checkpoint(),
        "--key", court.vkey, "--out", str(out_path),
    )  # fmt: skip
    assert code == 0, err
    assert "verified, written to" in out
    verifier = Verifier.from_vkey(Path(court.vkey).read_text("utf-8").strip())
    assert verify_bundle(out_path, trusted=[verifier]).order_id == "order-2026-0001"
    html_path = court.folder / "certificate.html"
    code, out, _ = run_cli(
        "verify-bundle", str(out_path), "--key", court.vkey, "--html", str(html_path)
    )
    assert code == 0
    assert "Time of service / 送达时间: 2026-03-02 09:03:00 Asia/Shanghai" in out
    assert html_path.read_text("utf-8").startswith("<!DOCTYPE html>")
    code, out, _ = run_cli("verify-bundle", str(out_path), "--key", court.vkey, "--json")
    assert code == 0
    body = json.loads(out)
    assert body["ok"] is True
    assert body["certificate"]["deadlines"][0]["name"] == "defence"
    # Exists already.
    code, _, err = run_cli(
        "bundle", court.log, "order-2026-0001", "--checkpoint", court.checkpoint(),
        "--key", court.vkey, "--out", str(out_path),
    )  # fmt: skip
    assert code == 2
    assert "exists" in err


def test_bundle_refuses_what_does_not_verify(court: Court) -> None:
    stranger = court.folder / "stranger"
    run_cli("keygen", "--name", ORIGIN, "--out", str(stranger), "--unencrypted-insecure")
    out_path = court.folder / "bundle.json"
    code, out, err = run_cli(
        "bundle", court.log, "order-2026-0001", "--checkpoint", court.checkpoint(),
        "--key", str(stranger) + ".vkey", "--out", str(out_path),
    )  # fmt: skip
    assert code == 1
    assert "unknown-signer" in out
    assert "NOT written" in err
    assert not out_path.exists()
    code, _, err = run_cli(
        "bundle", court.log, "order-9999", "--checkpoint", court.checkpoint(),
        "--key", court.vkey, "--out", str(out_path),
    )  # fmt: skip
    assert code == 2
    assert "no delivery order" in err


def test_bundle_with_openings(tmp_path: Path) -> None:
    court = Court(tmp_path)
    # A log whose recipient's name is sealed, and the opening kept apart.
    signer = read_private_key_unencrypted_insecure(ORIGIN, court.pem)
    sealed, opening = sample_order().recipient.sealed()
    import attrs

    from legaldelivery.records import DeliveryOrder

    path = tmp_path / "sealed.sqlite"
    log = EvidenceLog.create(path, origin=ORIGIN, signer=signer, clock=lambda: T0)
    log.append_many(
        [attrs.evolve(r, recipient=sealed) if isinstance(r, DeliveryOrder) else r
         for r in sample_records()]
    )  # fmt: skip
    (tmp_path / "cp.txt").write_text(log.checkpoint(), encoding="utf-8")
    log.close()
    import base64

    (tmp_path / "openings.json").write_text(
        json.dumps([{"salt": base64.b64encode(opening.salt).decode(), "value": opening.value}]),
        encoding="utf-8",
    )
    code, _, err = run_cli(
        "bundle", str(path), "order-2026-0001", "--checkpoint", str(tmp_path / "cp.txt"),
        "--key", court.vkey, "--out", str(tmp_path / "b.json"),
        "--openings", str(tmp_path / "openings.json"), "--json",
    )  # fmt: skip
    assert code == 0, err
    assert ProofBundle.read(tmp_path / "b.json").openings[0].field == "record.recipient.name"
    code, out, _ = run_cli("verify-bundle", str(tmp_path / "b.json"), "--key", court.vkey)
    assert code == 0
    assert "Defendant One" in out
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    code, _, err = run_cli(
        "bundle", str(path), "order-2026-0001", "--checkpoint", str(tmp_path / "cp.txt"),
        "--key", court.vkey, "--out", str(tmp_path / "c.json"),
        "--openings", str(tmp_path / "bad.json"),
    )  # fmt: skip
    assert code == 2
    assert "openings file" in err
    code, _, err = run_cli(
        "bundle", str(path), "order-2026-0001", "--checkpoint", str(tmp_path / "cp.txt"),
        "--key", court.vkey, "--out", str(tmp_path / "c.json"),
        "--openings", str(tmp_path / "openings.json"),
    )  # fmt: skip
    assert code == 0
    assert seal("x")


def test_verify_bundle_findings_and_unreadable_input(court: Court) -> None:
    out_path = court.folder / "bundle.json"
    run_cli(
        "bundle", court.log, "order-2026-0001", "--checkpoint", court.checkpoint(),
        "--key", court.vkey, "--out", str(out_path),
    )  # fmt: skip
    data = json.loads(out_path.read_bytes())
    data["entries"][2]["proof"][0] = "0" * 64
    out_path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run_cli("verify-bundle", str(out_path), "--key", court.vkey)
    assert code == 1
    assert "entries[2]): not-included" in out
    code, out, _ = run_cli("verify-bundle", str(out_path), "--key", court.vkey, "--json")
    assert code == 1
    body = json.loads(out)
    assert body["ok"] is False
    assert body["certificate"] is None
    assert body["findings"][0]["kind"] == "not-included"
    assert body["findings"][0]["index"] == 2
    out_path.write_text("not json", encoding="utf-8")
    code, _, err = run_cli("verify-bundle", str(out_path), "--key", court.vkey)
    assert code == 2
    assert "cannot read bundle" in err
    assert run_cli("verify-bundle", str(court.folder / "none.json"), "--key", court.vkey)[0] == 2
    assert run_cli("verify-bundle", str(out_path))[0] == 2  # --key missing


def test_audit_with_a_progress_bar_and_an_overview(court: Court) -> None:
    code, out, err = run_cli(
        "audit", court.log, "--key", court.vkey, "--checkpoint", court.checkpoint(), "--progress"
    )
    assert code == 0
    assert "verified: no findings" in out
    assert "1  delivery-order/v1" in out
    assert "orders: 1" in out
    assert f"{court.size}/{court.size}" in err  # the bar, complete
    code, out, err = run_cli("audit", court.log, "--key", court.vkey, "--no-progress", "--json")
    assert code == 0
    assert err == ""
    body = json.loads(out)
    assert body["ok"] is True
    assert body["orders"] == ["order-2026-0001"]
    assert body["record_types"]["evidence-event/v1"] == 4


def test_audit_of_a_jsonl_export_and_of_a_torn_one(court: Court) -> None:
    export = court.folder / "log.jsonl"
    assert run_cli("export", court.log, str(export))[0] == 0
    code, _, err = run_cli("audit", str(export), "--key", court.vkey, "--progress")
    assert code == 0
    assert f"{court.size}/{court.size}" in err
    torn = court.folder / "torn.jsonl"
    torn.write_bytes(export.read_bytes()[:-20])
    code, out, err = run_cli("audit", str(torn), "--key", court.vkey, "--progress")
    assert code == 1
    assert "torn" in out
    assert f"/{court.size}" not in err  # no bar: the path is audited as it is
    lines = export.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b'"seq":3', b'"seq":8')
    bad = court.folder / "bad.jsonl"
    bad.write_bytes(b"\n".join(lines))
    code, out, _ = run_cli("audit", str(bad), "--key", court.vkey, "--progress")
    assert code == 1
    assert "entry 3: sequence" in out
    empty = court.folder / "empty.jsonl"
    empty.write_bytes(b"")
    assert run_cli("audit", str(empty), "--key", court.vkey, "--progress")[0] == 0


def test_verify_json(court: Court) -> None:
    code, out, _ = run_cli("verify", court.log, "--key", court.vkey, "--json")
    assert code == 0
    assert json.loads(out)["size"] == court.size
    run_cli("keygen", "--name", ORIGIN, "--out", str(court.folder / "x"), "--unencrypted-insecure")
    code, out, _ = run_cli("verify", court.log, "--key", str(court.folder / "x.vkey"), "--json")
    assert code == 1
    assert json.loads(out)["findings"][0]["kind"] == "unknown-signer"


def test_show_an_orders_timeline(court: Court) -> None:
    svg = court.folder / "t.svg"
    code, out, _ = run_cli("show", court.log, "order-2026-0001", "--svg", str(svg))
    assert code == 0
    assert "Asia/Shanghai" in out
    assert "Sent via wechat 经 wechat 发送" in out
    assert "2026-04-01 24:00  deadline" in out
    assert svg.read_text("utf-8").startswith("<svg")
    code, out, _ = run_cli("show", court.log, "order-2026-0001", "--json")
    assert code == 0
    steps = [e["step"] for e in json.loads(out)["timeline"]]
    assert steps[0] == "consent"
    assert steps[-1] == "deadline"
    code, _, err = run_cli("show", court.log, "order-9999")
    assert code == 2
    assert "no delivery order" in err


def test_export(court: Court) -> None:
    target = court.folder / "out.jsonl"
    code, out, _ = run_cli("export", court.log, str(target), "--json")
    assert code == 0
    assert json.loads(out) == {"out": str(target), "entries": court.size}
    assert len(target.read_bytes().splitlines()) == court.size
    assert run_cli("export", court.log, str(target))[0] == 2  # exists
    assert run_cli("export", court.log, str(target), "--overwrite")[0] == 0
    assert run_cli("export", court.log, str(court.folder / "no" / "x.jsonl"))[0] == 2


def test_unreadable_logs_exit_2(court: Court) -> None:
    for command in (("show", "o"), ("prove", "--entry", "0"), ("checkpoint",), ("export", "x")):
        code, _, err = run_cli(command[0], str(court.folder / "missing.sqlite"), *command[1:])
        assert code == 2, command
        assert "no such log" in err
    junk = court.folder / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    assert run_cli("show", str(junk), "o")[0] == 2
    assert run_cli("audit", str(junk), "--key", court.vkey)[0] == 2
    assert run_cli("show", str(court.folder / "log.txt"), "o")[0] == 2


def test_keygen_and_demo_json(tmp_path: Path) -> None:
    code, out, _ = run_cli(
        "keygen", "--name", ORIGIN, "--out", str(tmp_path / "k"), "--unencrypted-insecure", "--json"
    )
    assert code == 0
    body = json.loads(out)
    assert body["encrypted"] is False
    assert Verifier.from_vkey(body["vkey"]).fingerprint == body["fingerprint"]
    code, out, _ = run_cli("demo", "--dir", str(tmp_path / "d"), "--json")
    assert code == 0
    body = json.loads(out)
    assert body["ok"] is True
    assert "bundle.json" in body["files"]


def test_a_byte_that_breaks_the_bundles_json_still_names_the_entry(court: Court) -> None:
    out_path = court.folder / "bundle.json"
    run_cli(
        "bundle", court.log, "order-2026-0001", "--checkpoint", court.checkpoint(),
        "--key", court.vkey, "--out", str(out_path),
    )  # fmt: skip
    raw = out_path.read_bytes()
    third = [m for m in range(len(raw)) if raw.startswith(b'"entry": "', m)][2]
    at = raw.index(b'\\"', third + len(b'"entry": "')) + 1
    out_path.write_bytes(raw[:at] + b"#" + raw[at + 1 :])  # \" becomes \#: not JSON any more
    code, out, _ = run_cli("verify-bundle", str(out_path), "--key", court.vkey)
    assert code == 1
    assert "(bundle entries[2]): unreadable" in out

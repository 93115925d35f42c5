"""The command line's trust options: verify --workers, bundle --timestamp, verify-bundle
--tsa-cert, --witness and --quorum."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from legaldelivery import Checkpoint, EvidenceLog, notes
from legaldelivery.cli import main
from legaldelivery.keys import Ed25519Signer
from legaldelivery.testing.fakes import sample_records
from legaldelivery.witness import Cosigner, Witness, collect_cosignatures

ORIGIN = "court.example/cli-trust"
ORDER = "order-2026-0001"


def _load_test_tsa() -> ModuleType:
    # The security tests' local TSA, loaded from its file (tests/ is not a package).
    path = Path(__file__).resolve().parent / "security" / "_tsa.py"
    spec = importlib.util.spec_from_file_location("cli_tests_tsa", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tsa = _load_test_tsa()


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class Folder:
    """A log, its key, a checkpoint cosigned by two of three witnesses, a TSA and its token."""

    def __init__(self, root: Path) -> None:
        self.root = root
        key = Ed25519Signer.generate(ORIGIN)
        self.vkey = self.write("court.vkey", key.vkey + "\n")
        self.log = str(root / "log.sqlite")
        # Logged before the test TSA's fixed time: entries later than a token are a finding.
        logged = tsa.T0 - timedelta(hours=1)
        log = EvidenceLog.create(self.log, origin=ORIGIN, signer=key, clock=lambda: logged)
        log.append_many(sample_records())
        for i in range(3):
            (root / f"w{i}").mkdir()
        self.witnesses = [
            Witness(
                Cosigner.generate(f"w{i}.example/witness"),
                logs={ORIGIN: [key.verifier]},
                state_dir=root / f"w{i}",
            )
            for i in range(3)
        ]
        note = collect_cosignatures(log.checkpoint(), self.witnesses[:2], proofs=log)
        self.checkpoint = self.write("checkpoint.txt", note)
        self.stale = self.write("stale.txt", log.checkpoint(log.size - 1))
        log.close()
        self.witness_vkeys = [
            self.write(f"w{i}.vkey", w.verifier.vkey) for i, w in enumerate(self.witnesses)
        ]
        self.pki = tsa.Pki()
        cp = Checkpoint.from_text(notes.text_of(note))
        self.token = self.write_bytes("token.der", self.pki.tsa("ecdsa").stamp(cp).der)
        self.ca = self.write_bytes("ca.pem", self.pki.ca.public_bytes(Encoding.PEM))
        self.stranger = self.write_bytes("stranger.pem", tsa.Pki().ca.public_bytes(Encoding.PEM))

    def write(self, name: str, text: str) -> str:
        (self.root / name).write_text(text, encoding="utf-8")
        return str(self.root / name)

    def write_bytes(self, name: str, data: bytes) -> str:
        (self.root / name).write_bytes(data)
        return str(self.root / name)

    def bundle(self, *extra: str) -> tuple[int, str, str]:
        return run_cli(
            "bundle", self.log, ORDER, "--checkpoint", self.checkpoint, "--key", self.vkey,
            "--out", str(self.root / "bundle.json"), "--overwrite", *extra,
        )  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Folder:
    return Folder(tmp_path_factory.mktemp("trust"))


@pytest.fixture
def stamped(folder: Folder) -> str:
    code, out, err = folder.bundle("--timestamp", folder.token)
    assert code == 0, err
    assert "verified, written to" in out
    return str(folder.root / "bundle.json")


def test_verify_with_workers_gives_the_same_verdict(folder: Folder) -> None:
    one = run_cli("verify", folder.log, "--key", folder.vkey, "--json")
    two = run_cli("verify", folder.log, "--key", folder.vkey, "--json", "--workers", "2")
    assert one[0] == two[0] == 0
    assert json.loads(one[1]) == json.loads(two[1])
    code, out, _ = run_cli("audit", folder.log, "--key", folder.vkey, "--workers", "2")
    assert code == 0
    assert "verified" in out


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_workers_must_be_a_positive_number(folder: Folder, workers: str) -> None:
    code, _, err = run_cli("verify", folder.log, "--key", folder.vkey, "--workers", workers)
    assert code == 2
    assert "--workers" in err


def test_a_bundle_carries_the_token_and_verify_bundle_checks_it(
    folder: Folder, stamped: str
) -> None:
    body = json.loads(Path(stamped).read_bytes())
    assert [t["format"] for t in body["timestamps"]] == ["rfc3161"]
    code, out, err = run_cli(
        "verify-bundle", stamped, "--key", folder.vkey, "--tsa-cert", folder.ca
    )
    assert code == 0, err
    assert "no later than" in out
    assert "2026-03-02T09:30:00.000000Z" in out
    assert "timestamp-unchecked" not in err
    code, out, _ = run_cli(
        "verify-bundle", stamped, "--key", folder.vkey, "--tsa-cert", folder.ca, "--json"
    )
    assert code == 0
    body = json.loads(out)
    assert body["certificate"]["trusted_time"]["time"] == "2026-03-02T09:30:00.000000Z"
    assert body["notices"] == []


def test_an_unchecked_token_is_noted_and_does_not_fail(folder: Folder, stamped: str) -> None:
    code, out, err = run_cli("verify-bundle", stamped, "--key", folder.vkey)
    assert code == 0
    assert "note: bundle timestamps[0]: timestamp-unchecked" in err
    assert "no later than" not in out
    code, out, _ = run_cli("verify-bundle", stamped, "--key", folder.vkey, "--json")
    assert code == 0
    assert [n["kind"] for n in json.loads(out)["notices"]] == ["timestamp-unchecked"]


def test_a_token_by_an_untrusted_tsa_fails(folder: Folder, stamped: str) -> None:
    code, out, err = run_cli(
        "verify-bundle", stamped, "--key", folder.vkey, "--tsa-cert", folder.stranger
    )
    assert code == 1
    assert "bundle timestamps[0]: timestamp-invalid" in out
    assert "NOT verified: 1 finding(s)" in err
    code, out, _ = run_cli(
        "verify-bundle", stamped, "--key", folder.vkey, "--tsa-cert", folder.stranger, "--json"
    )
    finding = json.loads(out)["findings"][0]
    assert (finding["kind"], finding["member"], finding["index"]) == (
        "timestamp-invalid",
        "timestamps[0]",
        None,
    )


def test_a_damaged_token_text_is_a_finding_naming_the_member(folder: Folder, stamped: str) -> None:
    body = json.loads(Path(stamped).read_bytes())
    body["timestamps"][0]["token"] = body["timestamps"][0]["token"][:-4] + "!!!!"
    Path(stamped).write_text(json.dumps(body), encoding="utf-8")
    code, out, _ = run_cli("verify-bundle", stamped, "--key", folder.vkey)
    assert code == 1
    assert "bundle timestamps[0].token: timestamp-invalid" in out


def test_bundle_refuses_a_token_over_another_checkpoint(folder: Folder) -> None:
    text = notes.text_of(Path(folder.stale).read_text(encoding="utf-8"))
    other = folder.pki.tsa("ecdsa").stamp(Checkpoint.from_text(text))
    path = folder.write_bytes("other.der", other.der)
    code, _, err = folder.bundle("--timestamp", path)
    assert code == 2
    assert "stamps another document" in err


@pytest.mark.parametrize("content", [b"not DER", b""])
def test_bundle_refuses_a_file_that_is_not_a_token(folder: Folder, content: bytes) -> None:
    path = folder.write_bytes("junk.der", content)
    code, _, err = folder.bundle("--timestamp", path)
    assert code == 2
    assert "is not an RFC 3161 token" in err
    code, _, err = folder.bundle("--timestamp", str(folder.root / "missing.der"))
    assert code == 2
    assert "cannot read time-stamp token" in err


def test_tsa_cert_must_be_a_readable_pem(folder: Folder, stamped: str) -> None:
    code, _, err = run_cli(
        "verify-bundle", stamped, "--key", folder.vkey, "--tsa-cert", folder.vkey
    )
    assert code == 2
    assert "holds no PEM certificate" in err
    missing = str(folder.root / "missing.pem")
    code, _, err = run_cli("verify-bundle", stamped, "--key", folder.vkey, "--tsa-cert", missing)
    assert code == 2
    assert "cannot read TSA certificate" in err


def witness_args(folder: Folder, count: int = 3) -> list[str]:
    found = []
    for path in folder.witness_vkeys[:count]:
        found += ["--witness", path]
    return found


def test_two_of_three_witnesses_meet_quorum_two(folder: Folder, stamped: str) -> None:
    code, out, err = run_cli(
        "verify-bundle", stamped, "--key", folder.vkey, *witness_args(folder), "--quorum", "2"
    )
    assert code == 0, err
    assert "w0.example/witness" in out
    assert "w1.example/witness" in out
    inline = Path(folder.witness_vkeys[0]).read_text(encoding="utf-8")
    code, out, _ = run_cli("verify-bundle", stamped, "--key", folder.vkey, "--witness", inline)
    assert code == 0
    assert "Witness cosignatures" in out


def test_quorum_three_fails_with_two_cosignatures(folder: Folder, stamped: str) -> None:
    for extra in (["--quorum", "3"], []):  # the quorum defaults to every witness given
        code, out, _ = run_cli(
            "verify-bundle", stamped, "--key", folder.vkey, *witness_args(folder), *extra
        )
        assert code == 1
        assert "bundle checkpoint: witness-quorum: 3 of 3 witnesses must cosign; 2 did" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--quorum", "2"], "--quorum needs the witnesses"),
        (["--witness", "w+00000000+BAAA"], "--witness/--quorum"),
        (["--witness", "VKEY0", "--quorum", "2"], "expected 1 to 1 witnesses"),
        (["--witness", "VKEY0", "--quorum", "0"], "--quorum"),
    ],
)
def test_witness_usage_errors_exit_2(
    folder: Folder, stamped: str, argv: list[str], message: str
) -> None:
    argv = [folder.witness_vkeys[0] if a == "VKEY0" else a for a in argv]
    code, _, err = run_cli("verify-bundle", stamped, "--key", folder.vkey, *argv)
    assert code == 2
    assert message in err


def test_help_names_the_new_options() -> None:
    pages: dict[str, Any] = {}
    for command in ("verify", "audit", "bundle", "verify-bundle"):
        out = io.StringIO()
        assert main([command, "--help"], out=out) == 0
        pages[command] = out.getvalue()
    assert "--workers" in pages["verify"]
    assert "--workers" in pages["audit"]
    assert "--timestamp" in pages["bundle"]
    for option in ("--tsa-cert", "--witness", "--quorum"):
        assert option in pages["verify-bundle"]

"""The ``legaldelivery`` command: verify logs, make keys, run the demo.

Exit codes, for every command: 0 success (a log verified), 1 the evidence does not
verify (each finding printed on its own line with its entry number), 2 usage errors or
input that cannot be read.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.keys import Verifier

__all__ = ["main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    """Bad arguments or unreadable input: exit 2."""


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _UsageError(f"cannot read {what} {path!r}: {exc.__class__.__name__}") from exc


def _load_verifier(spec: str) -> Verifier:

    text = spec
    if os.path.exists(spec):
        text = _read_text(spec, "key file").strip()
    try:
        return Verifier.from_vkey(text)
    except InputError as exc:
        raise _UsageError(f"--key {spec!r} is not a verifier key (vkey): {exc}") from exc


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery.audit import audit_log

    trusted = [_load_verifier(k) for k in args.key]
    checkpoints = [_read_text(p, "checkpoint") for p in args.checkpoint or ()]
    if not os.path.exists(args.log):
        raise _UsageError(f"no such log: {args.log!r}")
    try:
        report = audit_log(args.log, trusted=trusted, checkpoint=checkpoints)
    except InputError as exc:
        raise _UsageError(f"cannot read log {args.log!r}: {exc}") from exc
    except OSError as exc:
        raise _UsageError(f"cannot read log {args.log!r}: {exc.__class__.__name__}") from exc
    if report.ok:
        print(
            f"verified: {report.size} entries, origin {report.origin!r}, "
            f"root {report.root_hash.hex()}",
            file=out,
        )
        for size in report.checkpoints:
            print(f"checkpoint at size {size}: signature and root match", file=out)
        return EXIT_OK
    for finding in report.findings:
        print(str(finding), file=out)
    print(f"NOT verified: {len(report.findings)} finding(s)", file=err)
    return EXIT_FINDINGS


def _passphrase(args: argparse.Namespace) -> bytes | None:
    if args.unencrypted_insecure:
        return None
    if args.passphrase_file:
        secret = _read_text(args.passphrase_file, "passphrase file").rstrip("\r\n")
    elif args.passphrase_env:
        secret = os.environ.get(args.passphrase_env, "")
        if not secret:
            raise _UsageError(f"environment variable {args.passphrase_env} is empty or unset")
    elif sys.stdin is not None and sys.stdin.isatty():
        secret = getpass.getpass("passphrase for the new private key: ")
        if secret != getpass.getpass("again: "):
            raise _UsageError("the passphrases differ")
    else:
        raise _UsageError(
            "no passphrase: use --passphrase-file, --passphrase-env, a terminal, or "
            "--unencrypted-insecure to write the private key in plain text"
        )
    if len(secret) < 8:
        raise _UsageError("the passphrase must have at least 8 characters")
    return secret.encode("utf-8")


def _cmd_keygen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery import keys

    passphrase = _passphrase(args)
    signer = keys.generate_signer(args.name, args.algorithm)
    prefix = Path(args.out)
    private_path = prefix.with_name(prefix.name + ".key.pem")
    public_path = prefix.with_name(prefix.name + ".pub.pem")
    vkey_path = prefix.with_name(prefix.name + ".vkey")
    for path in (private_path, public_path, vkey_path):
        if path.exists():
            raise _UsageError(f"{path} exists: refusing to overwrite a key")
    if passphrase is None:
        keys.write_private_key_unencrypted_insecure(signer, private_path)
        print("WARNING: the private key is written UNENCRYPTED", file=err)
    else:
        keys.write_private_key(signer, private_path, passphrase=passphrase)
    keys.write_public_key(signer.verifier, public_path)
    vkey_path.write_text(signer.vkey + "\n", encoding="utf-8")
    print(f"private key: {private_path}", file=out)
    print(f"public key:  {public_path}", file=out)
    print(f"vkey:        {vkey_path}", file=out)
    print(f"fingerprint: {signer.fingerprint}", file=out)
    print(f"{signer.vkey}", file=out)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery.demo import run_demo

    return run_demo(out=out, workdir=Path(args.dir) if args.dir else None)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="legaldelivery",
        description="Legally traceable electronic service: verify evidence logs, make keys.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verify = sub.add_parser(
        "verify",
        help="verify a log offline (exit 0 verified, 1 findings, 2 usage/unreadable)",
        description="Verify every entry of a log: canonical bytes, chain, signatures, "
        "key rotations, and the Merkle root against checkpoints.",
    )
    verify.add_argument("log", metavar="LOG", help="a JSON Lines export (.jsonl)")
    verify.add_argument(
        "--key",
        action="append",
        required=True,
        metavar="VKEY_OR_FILE",
        help="a trusted verifier key (C2SP vkey) or a file holding one; repeatable",
    )
    verify.add_argument(
        "--checkpoint",
        action="append",
        metavar="FILE",
        help="a signed checkpoint note the log must match; repeatable",
    )
    verify.set_defaults(func=_cmd_verify)

    keygen = sub.add_parser(
        "keygen",
        help="make a signing key: PREFIX.key.pem (encrypted), PREFIX.pub.pem, PREFIX.vkey",
    )
    keygen.add_argument("--name", required=True, help="the key's name (e.g. the log origin)")
    keygen.add_argument("--out", required=True, metavar="PREFIX", help="path prefix for files")
    keygen.add_argument("--algorithm", choices=["ed25519", "ecdsa-p256"], default="ed25519")
    secret = keygen.add_mutually_exclusive_group()
    secret.add_argument("--passphrase-file", metavar="FILE")
    secret.add_argument("--passphrase-env", metavar="VAR")
    secret.add_argument(
        "--unencrypted-insecure",
        action="store_true",
        help="write the private key in PLAIN TEXT (for throwaway test keys only)",
    )
    keygen.set_defaults(func=_cmd_keygen)

    demo = sub.add_parser("demo", help="run the end-to-end demonstration")
    demo.add_argument("--dir", help="keep the demo's files here (default: a temporary folder)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; return its exit code."""
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    try:
        code: int = args.func(args, stdout, stderr)
    except _UsageError as exc:
        print(f"legaldelivery {args.command}: {exc}", file=stderr)
        return EXIT_USAGE
    except LegalDeliveryError as exc:
        print(f"legaldelivery {args.command}: {exc}", file=stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

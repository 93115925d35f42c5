"""The ``legaldelivery`` command: demo, keys, verification, audits, proofs, bundles.

Commands: ``demo``, ``keygen``, ``verify``, ``audit``, ``checkpoint``, ``prove``,
``bundle``, ``verify-bundle``, ``show`` and ``export``; ``legaldelivery COMMAND --help``
describes each. Exit codes, for every command: 0 success (the evidence verified), 1 the
evidence does not verify (each finding printed on its own line, naming its entry), 2 usage
errors or input that cannot be read. ``--json`` prints one JSON document for scripts.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import getpass
import importlib
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from legaldelivery.errors import InputError, LegalDeliveryError
from legaldelivery.keys import Signer, Verifier
from legaldelivery.log.store import EntryStore

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
"""The evidence verified, or the command did what it was asked."""
EXIT_FINDINGS = 1
"""The evidence does not verify: the findings are printed."""
EXIT_USAGE = 2
"""Bad arguments, or input that cannot be read."""


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


def _emit_json(out: TextIO, value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False), file=out)


@contextlib.contextmanager
def _usage_errors(prefix: str = "") -> Iterator[None]:
    """Input the library refuses is the user's to fix: exit 2 with its message."""
    try:
        yield
    except InputError as exc:
        raise _UsageError(f"{prefix}{exc}") from exc


def _verdict(ok: bool) -> int:
    return EXIT_OK if ok else EXIT_FINDINGS


def _not_verified(
    findings: Sequence[object],
    out: TextIO,
    err: TextIO,
    summary: str = "NOT verified: {count} finding(s)",
) -> int:
    """Every finding on its own line (stdout), the ``summary`` on stderr: exit 1."""
    for finding in findings:
        print(str(finding), file=out)
    print(summary.format(count=len(findings)), file=err)
    return EXIT_FINDINGS


def _finding_json(finding: Any) -> dict[str, Any]:
    return {"entry": finding.entry, "kind": finding.kind.value, "message": finding.message}


def _shown_log(path: str) -> str:
    """The log's location for a message: never a database password."""
    from legaldelivery.log.postgres import display_url, is_postgres_url

    return repr(display_url(path) if is_postgres_url(path) else path)


def _existing_log(path: str) -> str:
    from legaldelivery.log.postgres import is_postgres_url

    if is_postgres_url(path):
        # A database, not a file: whether it holds a log is for the store to say.
        return path
    if not os.path.exists(path):
        raise _UsageError(f"no such log: {path!r}")
    return path


def _open_log(path: str) -> Any:
    from legaldelivery.log import EvidenceLog

    try:
        return EvidenceLog.open(_existing_log(path))
    except InputError as exc:
        raise _UsageError(f"cannot read log {_shown_log(path)}: {exc}") from exc
    except OSError as exc:
        raise _UsageError(f"cannot read log {_shown_log(path)}: {exc.__class__.__name__}") from exc


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "origin": report.origin,
        "size": report.size,
        "root_hash": report.root_hash.hex(),
        "checkpoints": list(report.checkpoints),
        "signers": list(report.signers),
        "findings": [_finding_json(f) for f in report.findings],
    }


# -- verify and audit -------------------------------------------------------------------


def _audit(args: argparse.Namespace, err: TextIO, *, progress: bool | None) -> Any:
    from legaldelivery.audit import audit_log

    trusted = [_load_verifier(k) for k in args.key]
    checkpoints = [_read_text(p, "checkpoint") for p in args.checkpoint or ()]
    path = _existing_log(args.log)
    try:
        with _progress_source(path, err, progress) as source:
            return audit_log(source, trusted=trusted, checkpoint=checkpoints, workers=args.workers)
    except InputError as exc:
        raise _UsageError(f"cannot read log {_shown_log(path)}: {exc}") from exc
    except OSError as exc:
        raise _UsageError(f"cannot read log {_shown_log(path)}: {exc.__class__.__name__}") from exc


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    report = _audit(args, err, progress=False)
    if args.json:
        _emit_json(out, _report_json(report))
        return _verdict(report.ok)
    if report.ok:
        print(
            f"verified: {report.size} entries, origin {report.origin!r}, "
            f"root {report.root_hash.hex()}",
            file=out,
        )
        for size in report.checkpoints:
            print(f"checkpoint at size {size}: signature and root match", file=out)
        return EXIT_OK
    return _not_verified(report.findings, out, err)


def _log_overview(path: str) -> dict[str, Any]:
    """What the log holds: entries by record type, and its orders (read as they are)."""
    from legaldelivery.audit import iter_jsonl
    from legaldelivery.log import LogEntry

    types: Counter[str] = Counter()
    orders: set[str] = set()

    def count(lines: Iterable[bytes]) -> None:
        for data in lines:
            try:
                entry = LogEntry.parse(data)
            except InputError:
                types["(unreadable)"] += 1
                continue
            types[entry.record_type] += 1
            order_id = entry.record.get("order_id")
            if isinstance(order_id, str):
                orders.add(order_id)

    if Path(path).suffix == ".jsonl":
        # Read as the audit reads it: a torn last line is counted, not refused.
        count(line for line, _ in iter_jsonl(path))
    else:
        with _open_log(path) as log:
            count(log.store.iter_entries())
    return {"record_types": dict(sorted(types.items())), "orders": sorted(orders)}


def _cmd_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    report = _audit(args, err, progress=args.progress)
    overview = _log_overview(args.log)
    if args.json:
        _emit_json(out, {**_report_json(report), **overview})
        return _verdict(report.ok)
    print(report.summary(), file=out)
    for size in report.checkpoints:
        print(f"checkpoint at size {size}: signature and root match", file=out)
    print(f"signers: {', '.join(report.signers) or '-'}", file=out)
    print(f"orders: {len(overview['orders'])}", file=out)
    for tag, count in overview["record_types"].items():
        print(f"  {count:>8}  {tag}", file=out)
    return _verdict(report.ok)


class _Source:
    """A log to audit, and whether it must be closed."""

    def __init__(self, source: Any, close: Callable[[], None] | None = None) -> None:
        self.source = source
        self._close = close

    def __enter__(self) -> Any:
        return self.source

    def __exit__(self, *exc: object) -> None:
        if self._close is not None:
            self._close()


def _progress_source(path: str, err: TextIO, progress: bool | None) -> _Source:
    """The log for :func:`audit_log`, reading through a progress bar when one is wanted.

    The audit reads entries only through the store of an ``EvidenceLog``; a read-only view
    of the store counts them into the bar. A JSON Lines file whose last line is torn is
    audited from its path (no bar), so that the audit still reports the torn line.
    """
    wanted = progress if progress is not None else err.isatty()
    if not wanted:
        return _Source(path)
    try:
        # Imported by name: tqdm ships no type information, and is needed only here.
        tqdm = importlib.import_module("tqdm").tqdm
    except ImportError:  # the bar is a convenience: the audit goes on without it
        return _Source(path)
    from legaldelivery.log import EvidenceLog

    store: EntryStore
    if Path(path).suffix == ".jsonl":
        lines = _JsonlLines.of(Path(path))
        if lines is None:
            return _Source(path)
        store = lines
    else:
        log = EvidenceLog.open(path)
        store = log.store
    bar = tqdm(
        total=store.size(),
        unit=" entries",
        file=err,
        delay=0 if progress else 0.5,
        leave=True,
        dynamic_ncols=True,
    )
    viewed = EvidenceLog(_Counted(store, bar.update))

    def close() -> None:
        bar.close()
        store.close()

    return _Source(viewed, close)


class _Counted(EntryStore):
    """A read-only view of a store that reports each entry read to ``tick``."""

    def __init__(self, inner: Any, tick: Callable[[int], object]) -> None:
        self._inner = inner
        self._tick = tick

    @property
    def origin(self) -> str:
        return str(self._inner.origin)

    def size(self) -> int:
        return int(self._inner.size())

    def head(self) -> Any:
        return self._inner.head()

    def append_batch(self, prepare: Any) -> Any:
        raise InputError("a progress view is read-only")

    def read_entry(self, seq: int) -> bytes:
        return bytes(self._inner.read_entry(seq))

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        for data in self._inner.iter_entries(start, stop):
            self._tick(1)
            yield data

    def get_nodes(self, keys: Iterable[Any]) -> dict[Any, bytes]:
        return dict(self._inner.get_nodes(keys))


class _JsonlLines(EntryStore):
    """The complete lines of a JSON Lines export, as a read-only store (for the bar)."""

    def __init__(self, path: Path, origin: str, count: int) -> None:
        self._path = path
        self._origin = origin
        self._count = count

    @classmethod
    def of(cls, path: Path) -> _JsonlLines | None:
        """The view of ``path``, or None when its last line is torn or it names no origin."""
        count = 0
        first = b""
        last = b"\n"
        with open(path, "rb") as f:
            for line in f:
                if count == 0:
                    first = line
                count += 1
                last = line[-1:]
        if last != b"\n":
            return None
        try:
            obj = json.loads(first) if first else None
        except ValueError:
            return None
        origin = obj.get("origin") if isinstance(obj, dict) else None
        if not isinstance(origin, str) or not origin:
            return None
        return cls(path, origin, count)

    @property
    def origin(self) -> str:
        return self._origin

    def size(self) -> int:
        return self._count

    def head(self) -> Any:
        raise InputError("a progress view has no head")

    def append_batch(self, prepare: Any) -> Any:
        raise InputError("a progress view is read-only")

    def read_entry(self, seq: int) -> bytes:
        raise InputError("a progress view reads entries in order only")

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        with open(self._path, "rb") as f:
            for line in f:
                yield line[:-1]

    def get_nodes(self, keys: Iterable[Any]) -> dict[Any, bytes]:
        return {}


# -- keys -------------------------------------------------------------------------------


def _passphrase(args: argparse.Namespace, *, confirm: bool = True) -> bytes | None:
    if args.unencrypted_insecure:
        return None
    if args.passphrase_file:
        secret = _read_text(args.passphrase_file, "passphrase file").rstrip("\r\n")
    elif args.passphrase_env:
        secret = os.environ.get(args.passphrase_env, "")
        if not secret:
            raise _UsageError(f"environment variable {args.passphrase_env} is empty or unset")
    elif sys.stdin is not None and sys.stdin.isatty():
        secret = getpass.getpass("passphrase for the private key: ")
        if confirm and secret != getpass.getpass("again: "):
            raise _UsageError("the passphrases differ")
    else:
        raise _UsageError(
            "no passphrase: use --passphrase-file, --passphrase-env, a terminal, or "
            "--unencrypted-insecure for a private key in plain text"
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
    if args.json:
        _emit_json(
            out,
            {
                "private_key": str(private_path),
                "encrypted": passphrase is not None,
                "public_key": str(public_path),
                "vkey_file": str(vkey_path),
                "fingerprint": signer.fingerprint,
                "vkey": signer.vkey,
            },
        )
        return EXIT_OK
    print(f"private key: {private_path}", file=out)
    print(f"public key:  {public_path}", file=out)
    print(f"vkey:        {vkey_path}", file=out)
    print(f"fingerprint: {signer.fingerprint}", file=out)
    print(f"{signer.vkey}", file=out)
    return EXIT_OK


def _expected_key(args: argparse.Namespace, log_key: str | None) -> tuple[str, str] | None:
    """The fingerprint the signing key file must hold, and where that expectation comes from.

    An encrypted PKCS#8 file has no integrity check: a damaged one can decrypt to another
    valid key, which must not sign in the real one's place.
    """
    if args.key_fingerprint:
        return args.key_fingerprint, "--key-fingerprint"
    path = str(args.signing_key)
    if path.endswith(".key.pem"):
        # keygen writes PREFIX.key.pem beside PREFIX.vkey.
        sibling = path[: -len(".key.pem")] + ".vkey"
        if os.path.exists(sibling):
            text = _read_text(sibling, "key file").strip()
            try:
                return Verifier.from_vkey(text).fingerprint, repr(sibling)
            except InputError as exc:
                raise _UsageError(
                    f"{sibling!r}, beside the signing key, is not a verifier key (vkey): {exc}"
                ) from exc
    if log_key is not None:
        return log_key, "the log's current key"
    return None


def _load_signer(args: argparse.Namespace, name: str, log_key: str | None = None) -> Signer:
    """The signing key, refused unless it is the key expected (see :func:`_expected_key`)."""
    from legaldelivery import keys

    expected = _expected_key(args, log_key)
    fingerprint = None if expected is None else expected[0]
    passphrase = _passphrase(args, confirm=False)
    try:
        if passphrase is None:
            return keys.read_private_key_unencrypted_insecure(
                name, args.signing_key, expect_fingerprint=fingerprint
            )
        return keys.read_private_key(
            name, args.signing_key, passphrase=passphrase, expect_fingerprint=fingerprint
        )
    except InputError as exc:
        # The message never holds the passphrase: the key module does not put it there.
        source = "" if expected is None else f" (expected the key of {expected[1]})"
        raise _UsageError(
            f"cannot read the signing key {args.signing_key!r}{source}: {exc}"
        ) from exc


# -- checkpoints and proofs -------------------------------------------------------------


def _cmd_checkpoint(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery import notes

    with _open_log(args.log) as log:
        with _usage_errors():
            cp = log.checkpoint_at(args.size)
        note = None
        if args.signing_key:
            last = log.size - 1
            signer = _load_signer(
                args, args.key_name or log.origin, _current_key(log) if last >= 0 else None
            )
            if last >= 0 and _current_key(log) != signer.fingerprint:
                raise _UsageError(
                    f"the key {signer.fingerprint} does not sign this log (its current key is "
                    f"{_current_key(log)}): a checkpoint it signs would not verify"
                )
            note = notes.sign(cp.to_text(), signer)
    text = note if note is not None else cp.to_text()
    if args.out:
        target = Path(args.out)
        if target.exists() and not args.overwrite:
            raise _UsageError(f"{target} exists: pass --overwrite to replace it")
        target.write_text(text, encoding="utf-8")
    if args.json:
        _emit_json(
            out,
            {
                "origin": cp.origin,
                "size": cp.size,
                "root_hash": cp.root_hash.hex(),
                "signed": note is not None,
                "note": text,
            },
        )
    elif not args.out:
        out.write(text)
    else:
        print(f"checkpoint of {cp.size} entries written to {args.out}", file=out)
    if note is None:
        print("note: the checkpoint is NOT signed (give --signing-key to sign it)", file=err)
    return EXIT_OK


def _current_key(log: Any) -> str:
    """The fingerprint that may sign the log now: the last signer, or the key it rotated to."""
    from legaldelivery import codec
    from legaldelivery.records import KeyRotation

    last = log.entry(log.size - 1)
    if last.record_type == codec.tag_of(KeyRotation):
        return str(last.record.get("new_fingerprint"))
    return str(last.signer)


def _cmd_prove(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery import merkle

    with _open_log(args.log) as log, _usage_errors():
        size = log.size if args.size is None else args.size
        if args.entry is not None:
            proof = log.inclusion_proof(args.entry, size)
            leaf = merkle.leaf_hash(log.store.read_entry(args.entry))
            root = log.root_hash(size)
            merkle.verify_inclusion(leaf, args.entry, size, proof, root)
            result: dict[str, Any] = {
                "type": "inclusion",
                "entry": args.entry,
                "size": size,
                "leaf_hash": leaf.hex(),
                "root_hash": root.hex(),
            }
        else:
            old = args.consistency
            proof = log.consistency_proof(old, size)
            old_root, new_root = log.root_hash(old), log.root_hash(size)
            merkle.verify_consistency(old, size, old_root, new_root, proof)
            result = {
                "type": "consistency",
                "old_size": old,
                "new_size": size,
                "old_root_hash": old_root.hex(),
                "new_root_hash": new_root.hex(),
            }
    result["proof"] = [p.hex() for p in proof]
    if args.json:
        _emit_json(out, result)
        return EXIT_OK
    for key, value in result.items():
        if key != "proof":
            print(f"{key}: {value}", file=out)
    print(f"proof: {len(proof)} hashes, leaf upwards", file=out)
    for node in proof:
        print(f"  {node.hex()}", file=out)
    return EXIT_OK


# -- bundles ----------------------------------------------------------------------------


def _read_openings(path: str) -> list[Any]:
    from legaldelivery.records import Opening

    try:
        items = json.loads(_read_text(path, "openings file"))
        if not isinstance(items, list):
            raise TypeError("expected a JSON array")
        found = []
        for item in items:
            salt = base64.b64decode(item["salt"], validate=True)
            found.append(Opening(salt=salt, value=item["value"]))
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise _UsageError(
            f"the openings file {path!r} is not a JSON array of {{salt, value}}: {exc}"
        ) from exc
    return found


def _read_token(path: str) -> Any:
    from legaldelivery.timestamp import MAX_TOKEN_BYTES, TimestampToken

    try:
        with open(path, "rb") as f:
            der = f.read(MAX_TOKEN_BYTES + 1)
    except OSError as exc:
        raise _UsageError(
            f"cannot read time-stamp token {path!r}: {exc.__class__.__name__}"
        ) from exc
    with _usage_errors(f"--timestamp {path!r} is not an RFC 3161 token (DER): "):
        return TimestampToken(der=der)


def _read_certificates(path: str) -> list[Any]:
    from cryptography import x509

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _UsageError(
            f"cannot read TSA certificate {path!r}: {exc.__class__.__name__}"
        ) from exc
    try:
        return list(x509.load_pem_x509_certificates(data))
    except ValueError as exc:
        raise _UsageError(f"--tsa-cert {path!r} holds no PEM certificate: {exc}") from exc


def _witness_policy(args: argparse.Namespace) -> Any:
    from legaldelivery.witness import WitnessPolicy

    if not args.witness:
        if args.quorum is not None:
            raise _UsageError("--quorum needs the witnesses it counts (--witness)")
        return None
    vkeys = []
    for spec in args.witness:
        text = _read_text(spec, "witness key file").strip() if os.path.exists(spec) else spec
        vkeys.append(text)
    quorum = len(vkeys) if args.quorum is None else args.quorum
    with _usage_errors("--witness/--quorum: "):
        return WitnessPolicy.from_vkeys(vkeys, quorum=quorum)


def _cmd_bundle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery.audit.bundle import audit_bundle, extract_bundle

    trusted = [_load_verifier(k) for k in args.key]
    note = _read_text(args.checkpoint, "checkpoint")
    openings = _read_openings(args.openings) if args.openings else []
    tokens = [_read_token(path) for path in args.timestamp]
    target = Path(args.out)
    if target.exists() and not args.overwrite:
        raise _UsageError(f"{target} exists: pass --overwrite to replace it")
    with _open_log(args.log) as log, _usage_errors():
        bundle = extract_bundle(
            log, args.order, checkpoint=note, keys=trusted, openings=openings, timestamps=tokens
        )
    report = audit_bundle(bundle, trusted=trusted)
    if not report.ok:
        # A bundle that does not verify with the given keys helps nobody: not written.
        return _not_verified(
            report.findings,
            out,
            err,
            "NOT written: the bundle does not verify ({count} finding(s))",
        )
    bundle.write(target, overwrite=True)
    seqs = report.certificate.entries if report.certificate is not None else ()
    if args.json:
        _emit_json(
            out,
            {
                "order_id": bundle.order_id,
                "out": str(target),
                "entries": list(seqs),
                "checkpoint_size": report.checkpoint.size if report.checkpoint else None,
                "timestamps": len(bundle.timestamps),
            },
        )
        return EXIT_OK
    print(
        f"bundle of order {bundle.order_id!r}: {len(bundle.entries)} entries "
        f"({', '.join(map(str, seqs))}), verified, written to {target}",
        file=out,
    )
    return EXIT_OK


def _bundle_finding_json(finding: Any) -> dict[str, Any]:
    return {**_finding_json(finding), "index": finding.index, "member": finding.member}


def _cmd_verify_bundle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery.audit.bundle import audit_bundle

    trusted = [_load_verifier(k) for k in args.key]
    tsa = [cert for path in args.tsa_cert for cert in _read_certificates(path)]
    policy = _witness_policy(args)
    with _usage_errors(f"cannot read bundle {args.bundle!r}: "):
        report = audit_bundle(args.bundle, trusted=trusted, tsa_trusted=tsa, witnesses=policy)
    certificate = report.certificate
    if certificate is not None and args.html:
        Path(args.html).write_text(certificate.to_html(), encoding="utf-8")
    if args.json:
        _emit_json(
            out,
            {
                "ok": report.ok,
                "order_id": report.order_id,
                "origin": report.origin,
                "findings": [_bundle_finding_json(f) for f in report.findings],
                "notices": [_bundle_finding_json(f) for f in report.notices],
                "certificate": None if certificate is None else certificate.to_json(),
            },
        )
        return _verdict(report.ok)
    for notice in report.notices:
        print(f"note: {notice}", file=err)
    if not report.ok or certificate is None:
        return _not_verified(report.findings, out, err)
    print(
        f"verified: bundle of order {report.order_id!r}, {report.size} entries, each signed "
        f"and included in the checkpoint of size {certificate.checkpoint.size}",
        file=out,
    )
    print(file=out)
    out.write(certificate.to_text())
    if args.html:
        print(f"\ncertificate written to {args.html}", file=out)
    return EXIT_OK


# -- show and export --------------------------------------------------------------------


def _cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery.audit.certificate import order_timeline
    from legaldelivery.instants import format_instant

    with _open_log(args.log) as log, _usage_errors():
        timeline = order_timeline(log, args.order)
    if args.svg:
        Path(args.svg).write_text(timeline.svg(), encoding="utf-8")
    if args.json:
        _emit_json(
            out,
            {
                "order_id": timeline.order_id,
                "zone": timeline.zone,
                "timeline": [
                    {
                        "time": format_instant(e.time),
                        "step": e.step.value,
                        "label": e.label,
                        "label_zh": e.label_zh,
                        "detail": e.detail,
                        "entry": e.seq,
                        "event_id": e.event_id,
                    }
                    for e in timeline.events
                ],
            },
        )
        return EXIT_OK
    print(
        f"order {timeline.order_id} (times in {timeline.zone}; the log is not verified here)",
        file=out,
    )
    print(timeline.text(), file=out)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with _open_log(args.log) as log, _usage_errors():
        try:
            count = log.export_jsonl(args.out, overwrite=args.overwrite)
        except OSError as exc:
            raise _UsageError(f"cannot write {args.out!r}: {exc.__class__.__name__}") from exc
    if args.json:
        _emit_json(out, {"out": args.out, "entries": count})
    else:
        print(f"{count} entries written to {args.out}", file=out)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from legaldelivery.demo import DEMO_FILES, run_demo

    workdir = Path(args.dir) if args.dir else None
    if not args.json:
        return run_demo(out=out, workdir=workdir)
    code = run_demo(out=io.StringIO(), workdir=workdir)
    _emit_json(
        out,
        {
            "ok": code == EXIT_OK,
            "dir": args.dir,
            "files": list(DEMO_FILES) if args.dir else [],
        },
    )
    return code


# -- the parser -------------------------------------------------------------------------


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, not {value}")
    return value


def _add_key(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--key",
        action="append",
        required=required,
        default=None if required else [],
        metavar="VKEY_OR_FILE",
        help="a trusted verifier key (C2SP vkey) or a file holding one; repeatable",
    )


def _fingerprint(text: str) -> str:
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise argparse.ArgumentTypeError(
            f"expected a key fingerprint, 64 lowercase hex digits (keygen prints it), not {text!r}"
        )
    return text


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of 1 or more, not {value}")
    return value


def _add_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="examine entries in N worker processes (default 1; worth it on long logs)",
    )


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _add_secret(parser: argparse.ArgumentParser) -> None:
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase here")
    secret.add_argument("--passphrase-env", metavar="VAR", help="read it from this variable")
    secret.add_argument(
        "--unencrypted-insecure",
        action="store_true",
        help="the private key is in PLAIN TEXT (throwaway test keys only)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="legaldelivery",
        description="Legally traceable electronic service: evidence logs, proofs, bundles. "
        "Exit codes: 0 verified/done, 1 findings, 2 usage or unreadable input.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="serve the founding story end to end and write its evidence",
        description="Serve a complaint, evidence and a summons from a court in China on a "
        "defendant in Pakistan over a simulated WeChat channel; log, determine, audit, "
        "bundle and certify. Writes evidence.sqlite, court.vkey, court.pub.pem, "
        "checkpoint.txt, bundle.json and certificate.html into DIR.",
    )
    demo.add_argument("--dir", help="keep the demo's files here (default: a temporary folder)")
    _add_json(demo)
    demo.set_defaults(func=_cmd_demo)

    keygen = sub.add_parser(
        "keygen",
        help="make a signing key: PREFIX.key.pem (encrypted), PREFIX.pub.pem, PREFIX.vkey",
        description="Make a log signing key. The private key is encrypted with a passphrase "
        "unless --unencrypted-insecure is given.",
    )
    keygen.add_argument("--name", required=True, help="the key's name (e.g. the log origin)")
    keygen.add_argument("--out", required=True, metavar="PREFIX", help="path prefix for files")
    keygen.add_argument("--algorithm", choices=["ed25519", "ecdsa-p256"], default="ed25519")
    _add_secret(keygen)
    _add_json(keygen)
    keygen.set_defaults(func=_cmd_keygen)

    verify = sub.add_parser(
        "verify",
        help="verify a log offline (exit 0 verified, 1 findings, 2 usage/unreadable)",
        description="Verify every entry of a log: canonical bytes, chain, signatures, "
        "key rotations, and the Merkle root against checkpoints.",
    )
    verify.add_argument("log", metavar="LOG", help="a log: .sqlite, or a .jsonl export")
    _add_key(verify)
    verify.add_argument(
        "--checkpoint",
        action="append",
        metavar="FILE",
        help="a signed checkpoint note the log must match; repeatable",
    )
    _add_workers(verify)
    _add_json(verify)
    verify.set_defaults(func=_cmd_verify)

    audit = sub.add_parser(
        "audit",
        help="audit a log: every finding, what it holds, with a progress bar on long logs",
        description="Like verify, and also count what the log holds (records by type, "
        "orders). A progress bar is shown on stderr for long audits in a terminal.",
    )
    audit.add_argument("log", metavar="LOG", help="a log: .sqlite, or a .jsonl export")
    _add_key(audit)
    audit.add_argument("--checkpoint", action="append", metavar="FILE", help="repeatable")
    shown = audit.add_mutually_exclusive_group()
    shown.add_argument("--progress", dest="progress", action="store_true", default=None)
    shown.add_argument("--no-progress", dest="progress", action="store_false")
    _add_workers(audit)
    _add_json(audit)
    audit.set_defaults(func=_cmd_audit)

    checkpoint = sub.add_parser(
        "checkpoint",
        help="print (and with --signing-key, sign) a checkpoint of a log",
        description="The C2SP checkpoint of the log's first SIZE entries (default: all). "
        "With --signing-key it is signed as a C2SP signed note by the log's key.",
    )
    checkpoint.add_argument("log", metavar="LOG")
    checkpoint.add_argument("--size", type=_non_negative, help="tree size (default: all)")
    checkpoint.add_argument("--signing-key", metavar="PEM", help="the log's private key")
    checkpoint.add_argument("--key-name", help="the key's name (default: the log's origin)")
    checkpoint.add_argument(
        "--key-fingerprint",
        type=_fingerprint,
        metavar="FP",
        help="the signing key's fingerprint (64 hex digits); default: that of PREFIX.vkey "
        "beside PREFIX.key.pem, else the log's current key",
    )
    _add_secret(checkpoint)
    checkpoint.add_argument("--out", metavar="FILE", help="write the checkpoint here")
    checkpoint.add_argument("--overwrite", action="store_true")
    _add_json(checkpoint)
    checkpoint.set_defaults(func=_cmd_checkpoint)

    prove = sub.add_parser(
        "prove",
        help="an inclusion proof (--entry) or consistency proof (--consistency)",
        description="Print an RFC 6962 proof from the log, checked before it is printed.",
    )
    prove.add_argument("log", metavar="LOG")
    which = prove.add_mutually_exclusive_group(required=True)
    which.add_argument("--entry", type=_non_negative, metavar="SEQ", help="inclusion of SEQ")
    which.add_argument(
        "--consistency", type=_non_negative, metavar="OLD_SIZE", help="from OLD_SIZE"
    )
    prove.add_argument("--size", type=_non_negative, help="tree size (default: all)")
    _add_json(prove)
    prove.set_defaults(func=_cmd_prove)

    bundle = sub.add_parser(
        "bundle",
        help="extract the proof-of-service bundle of one order",
        description="Cut ORDER's entries from the log, with an inclusion proof for each "
        "against the signed checkpoint; the bundle is checked with the keys before it is "
        "written. Other orders' entries are never included.",
    )
    bundle.add_argument("log", metavar="LOG")
    bundle.add_argument("order", metavar="ORDER_ID")
    bundle.add_argument("--checkpoint", required=True, metavar="FILE", help="signed checkpoint")
    _add_key(bundle)
    bundle.add_argument("--out", required=True, metavar="FILE", help="the bundle file to write")
    bundle.add_argument(
        "--openings", metavar="FILE", help="JSON array of {salt, value} openings to include"
    )
    bundle.add_argument(
        "--timestamp",
        action="append",
        default=[],
        metavar="TOKEN_FILE",
        help="an RFC 3161 time-stamp token (DER) over the checkpoint to carry; repeatable",
    )
    bundle.add_argument("--overwrite", action="store_true")
    _add_json(bundle)
    bundle.set_defaults(func=_cmd_bundle)

    verify_bundle = sub.add_parser(
        "verify-bundle",
        help="verify a proof-of-service bundle offline and print its certificate",
        description="Check every entry's signature and inclusion proof against the signed "
        "checkpoint, the time-stamp tokens against the trusted TSAs and the checkpoint's "
        "cosignatures against the witness policy; print the certificate of service (exit 0) "
        "or every finding (exit 1).",
    )
    verify_bundle.add_argument("bundle", metavar="BUNDLE")
    _add_key(verify_bundle)
    verify_bundle.add_argument(
        "--tsa-cert",
        action="append",
        default=[],
        metavar="PEM",
        help="a trusted TSA certificate, or the CA's that issued it, to check the bundle's "
        "time stamps with; repeatable",
    )
    verify_bundle.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY_OR_FILE",
        help="a witness's cosignature verifier key (C2SP vkey); repeatable",
    )
    verify_bundle.add_argument(
        "--quorum",
        type=_positive,
        metavar="K",
        help="how many of the --witness keys must have cosigned (default: all)",
    )
    verify_bundle.add_argument("--html", metavar="FILE", help="write the certificate as HTML")
    _add_json(verify_bundle)
    verify_bundle.set_defaults(func=_cmd_verify_bundle)

    show = sub.add_parser(
        "show",
        help="the timeline of one order, in the terminal",
        description="Print the steps of ORDER's service as the log records them, in the "
        "court's time zone. The log is not verified: use verify or audit for that.",
    )
    show.add_argument("log", metavar="LOG")
    show.add_argument("order", metavar="ORDER_ID")
    show.add_argument("--svg", metavar="FILE", help="also write the timeline picture (SVG)")
    _add_json(show)
    show.set_defaults(func=_cmd_show)

    export = sub.add_parser(
        "export",
        help="export a log as JSON Lines (one canonical entry per line)",
        description="Write every entry of LOG to OUT as JSON Lines, atomically.",
    )
    export.add_argument("log", metavar="LOG")
    export.add_argument("out", metavar="OUT.jsonl")
    export.add_argument("--overwrite", action="store_true")
    _add_json(export)
    export.set_defaults(func=_cmd_export)
    return parser


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line with ``argv``; return its exit code (0, 1 or 2).

    >>> import io
    >>> main(["prove", "--help"], out=io.StringIO())
    0
    >>> main(["verify"], err=io.StringIO())
    2

    .. versionadded:: 0.1.0
    """
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    parser = _parser()
    try:
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = stdout, stderr
        try:
            args = parser.parse_args(argv)
        finally:
            sys.stdout, sys.stderr = saved
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

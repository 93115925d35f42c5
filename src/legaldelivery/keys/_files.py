"""Key files: PEM private and public keys, written atomically, private ones owner-only.

Private keys are written encrypted (PKCS#8) unless a function whose name ends in
``_unencrypted_insecure`` is called; reading takes an expected fingerprint, because a
damaged file can decode to a valid but different key.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TypeAlias

from legaldelivery.errors import InputError
from legaldelivery.keys._signers import Signer
from legaldelivery.keys._verifiers import Verifier

_PathLike: TypeAlias = "str | os.PathLike[str]"


def _write_file(path: _PathLike, data: bytes, *, mode: int, overwrite: bool) -> None:
    """Write ``data`` to a new file atomically: temp file, fsync, then link or rename.

    Without ``overwrite`` an existing file is never replaced, not even by a race: the
    temporary file is hard-linked to ``path``, which fails if ``path`` exists.
    """
    target = Path(os.fspath(path))
    where = str(target)
    if not overwrite and os.path.lexists(target):
        raise InputError("file exists; pass overwrite=True to replace it", path=where)
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot create a file here ({exc.strerror})", path=where) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        if overwrite:
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)
            except FileExistsError as exc:
                raise InputError(
                    "file exists; pass overwrite=True to replace it", path=where
                ) from exc
            except OSError:
                # A file system without hard links: fall back to a checked rename.
                if os.path.lexists(target):
                    raise InputError(
                        "file exists; pass overwrite=True to replace it", path=where
                    ) from None
                os.replace(temp, target)
    except OSError as exc:
        raise InputError(f"cannot write the file ({exc.strerror})", path=where) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    # Makes the new directory entry durable; not possible (nor needed) everywhere.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_file(path: _PathLike, what: str) -> bytes:
    where = os.fspath(path)
    try:
        with open(where, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"cannot read the {what} file ({exc.strerror})", path=where) from exc


def write_private_key(
    signer: Signer, path: _PathLike, *, passphrase: str | bytes, overwrite: bool = False
) -> None:
    """Save ``signer`` as encrypted PKCS#8 PEM in a new file of mode ``0o600``.

    The file is written atomically (temporary file, fsync, rename); an existing file is
    never replaced unless ``overwrite=True``.

    .. versionadded:: 0.1.0
    """
    _check_signer(signer)
    _write_file(path, signer.private_pem(passphrase), mode=0o600, overwrite=overwrite)


def write_private_key_unencrypted_insecure(
    signer: Signer, path: _PathLike, *, overwrite: bool = False
) -> None:
    """Save ``signer`` as PLAIN TEXT PEM (mode ``0o600``). Anyone who reads it can sign.

    .. versionadded:: 0.1.0
    """
    _check_signer(signer)
    _write_file(path, signer.private_pem_unencrypted_insecure(), mode=0o600, overwrite=overwrite)


def write_public_key(verifier: Verifier, path: _PathLike, *, overwrite: bool = False) -> None:
    """Save ``verifier`` as a PEM ``PUBLIC KEY`` file (mode ``0o644``), atomically.

    .. versionadded:: 0.1.0
    """
    if not isinstance(verifier, Verifier):
        raise InputError("expected a Verifier", path="verifier", got=type(verifier).__name__)
    _write_file(path, verifier.public_pem(), mode=0o644, overwrite=overwrite)


def read_private_key(
    name: str,
    path: _PathLike,
    *,
    passphrase: str | bytes,
    expect_fingerprint: str | None = None,
) -> Signer:
    """Load an encrypted private key file written by :func:`write_private_key`.

    Give ``expect_fingerprint`` whenever the key's fingerprint is known from elsewhere
    (its ``.vkey`` or public key file, the entries of the log it signs): a damaged file
    can decrypt to a valid but *different* key, and without the comparison that key would
    sign in the real one's place. A key with another fingerprint is an
    :class:`~legaldelivery.errors.InputError` naming both fingerprints, never the key
    or the passphrase.

    >>> import tempfile, pathlib
    >>> from legaldelivery.keys import Ed25519Signer
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "court.key.pem"
    >>> signer = Ed25519Signer.generate("court.example/log")
    >>> write_private_key(signer, path, passphrase="correct horse")
    >>> read_private_key(
    ...     "court.example/log", path, passphrase="correct horse",
    ...     expect_fingerprint=signer.fingerprint,
    ... ).fingerprint == signer.fingerprint
    True
    >>> read_private_key(
    ...     "court.example/log", path, passphrase="correct horse", expect_fingerprint="0" * 64
    ... )
    Traceback (most recent call last):
    ...
    legaldelivery.errors.InputError: private key: the key read has fingerprint ...,
    not the expected 000...: the file is damaged or holds another key
    >>> folder.cleanup()

    .. versionadded:: 0.1.0
    """
    return Signer.from_private_pem(
        name,
        _read_file(path, "key"),
        passphrase=passphrase,
        expect_fingerprint=expect_fingerprint,
    )


def read_private_key_unencrypted_insecure(
    name: str, path: _PathLike, *, expect_fingerprint: str | None = None
) -> Signer:
    """Load a PLAIN TEXT private key file; ``expect_fingerprint`` as in :func:`read_private_key`.

    .. versionadded:: 0.1.0
    """
    return Signer.from_private_pem_unencrypted_insecure(
        name, _read_file(path, "key"), expect_fingerprint=expect_fingerprint
    )


def read_public_key(
    name: str, path: _PathLike, *, expect_fingerprint: str | None = None
) -> Verifier:
    """Load a PEM ``PUBLIC KEY`` file under key name ``name``.

    With ``expect_fingerprint``, a key with another fingerprint is an
    :class:`~legaldelivery.errors.InputError`.

    .. versionadded:: 0.1.0
    """
    return Verifier.from_public_pem(
        name, _read_file(path, "public key"), expect_fingerprint=expect_fingerprint
    )


def _check_signer(signer: object) -> None:
    if not isinstance(signer, Signer):
        raise InputError("expected a Signer", path="signer", got=type(signer).__name__)

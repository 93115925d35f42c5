"""A throwaway PostgreSQL cluster for the tests and the bench: initdb, pg_ctl, a private socket.

:func:`start_cluster` makes a cluster in a fresh temporary directory with the system's
PostgreSQL programs, listening only on a Unix socket inside that directory (no TCP port,
nothing another process on the machine can collide with), and :meth:`PgCluster.stop`
stops it and removes the directory. PostgreSQL refuses to run as root, so when the tests
run as root the server runs as an unprivileged user (``postgres`` when the system has one,
else ``nobody``, else a user this module adds). :func:`unavailable` says why no cluster
can be made here; the fixtures skip with that reason, except in CI (``CI=true``) where a
missing PostgreSQL is a failure.

The cluster has four roles, like a deployment (see docs/postgres.md): ``ld_admin`` (the
superuser), ``ld_owner`` (owns the databases and the log's tables, runs migrations),
``ld_app`` (the application servers: may append) and ``ld_auditor`` (may read).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    import pwd

ADMIN = "ld_admin"
OWNER = "ld_owner"
APP = "ld_app"
AUDITOR = "ld_auditor"
ROLES = (OWNER, APP, AUDITOR)

# Tried in this order when running as root; the last resort is added with useradd.
SERVER_USERS = ("postgres", "nobody")
ADDED_USER = "ld-pgtest"


def in_ci() -> bool:
    """True when the CI script runs the tests: a missing PostgreSQL must fail, not skip."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def find_bindir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, newest version first.

    ``LEGALDELIVERY_PG_BINDIR``, when set, is the only place looked at (an explicit
    choice never falls back to another version). Otherwise Debian's versioned directories
    (``/usr/lib/postgresql/<major>/bin``, which are not on PATH), then PATH.
    """
    chosen = os.environ.get("LEGALDELIVERY_PG_BINDIR")
    if chosen is not None:
        candidates = [Path(chosen)]
    else:

        def major(path: str) -> int:
            version = Path(path).parent.parent.name
            return int(version) if version.isdigit() else 0

        found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
        candidates = [Path(p).parent for p in sorted(found, key=major, reverse=True)]
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def driver_missing() -> str | None:
    """Why psycopg cannot be imported here, or None when it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'legaldelivery[postgres]')"
    return None


def unavailable() -> str | None:
    """Why no throwaway cluster can be started here, or None when one can."""
    missing = driver_missing()
    if missing is not None:
        return missing
    if find_bindir() is None:
        return (
            "PostgreSQL's initdb/pg_ctl were not found (install the Debian package "
            "'postgresql', or set LEGALDELIVERY_PG_BINDIR)"
        )
    if os.name != "posix":
        return "the throwaway cluster needs a POSIX system (Unix sockets, pg_ctl)"
    return None


def server_user() -> pwd.struct_passwd | None:
    """The account the server runs as: None for ourselves, an unprivileged one for root."""
    if os.geteuid() != 0:
        return None
    import pwd  # POSIX only: imported here so that loading this module works anywhere

    for name in SERVER_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(ADDED_USER)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ADDED_USER],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(ADDED_USER)


class ClusterError(RuntimeError):
    """The cluster could not be made, started or stopped; carries the programs' output."""


class PgCluster:
    """One running throwaway cluster. Use :func:`start_cluster` to make one."""

    ADMIN = ADMIN
    OWNER = OWNER
    APP = APP
    AUDITOR = AUDITOR

    def __init__(self, bindir: Path, base: Path, account: pwd.struct_passwd | None) -> None:
        self.bindir = bindir
        self.base = base
        self.data = base / "data"
        self.socket_dir = base / "sock"
        self.logfile = base / "server.log"
        self.account = account
        self._names = itertools.count()

    # -- running the programs -----------------------------------------------------------

    def _run(self, program: str, *args: str) -> str:
        command = [str(self.bindir / program), *args]
        extra: dict[str, object] = {}
        if self.account is not None:
            extra = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
        done = subprocess.run(  # type: ignore[call-overload]
            command,
            capture_output=True,
            text=True,
            env=env,
            cwd=self.base,
            check=False,
            timeout=120,
            **extra,
        )
        if done.returncode != 0:
            raise ClusterError(
                f"{program} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                f"{self.server_log()}"
            )
        return str(done.stdout)

    def server_log(self) -> str:
        """The server's log so far (for failure messages)."""
        try:
            return self.logfile.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no server log)"

    def init(self) -> None:
        # --no-sync: a cluster that lives for one test session need not survive a power cut.
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            ADMIN,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self, *, fsync: bool) -> None:
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories='{self.socket_dir}'",
            "-c max_connections=60",
            "-c shared_buffers=32MB",
            f"-c fsync={'on' if fsync else 'off'}",
            f"-c full_page_writes={'on' if fsync else 'off'}",
        ]
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60",
            "-o", " ".join(options), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server and remove its files.

        An immediate shutdown: sessions end at once and no shutdown checkpoint is written,
        since the files are deleted next anyway.
        """
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(
                    "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60", "stop"
                )
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    # -- connecting ---------------------------------------------------------------------

    def url(self, role: str = ADMIN, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URL for ``role`` on ``dbname``, through the private socket."""
        return f"postgresql://{role}@/{dbname}?host={quote(str(self.socket_dir), safe='')}"

    def execute(self, statements: Sequence[str], dbname: str = "postgres") -> None:
        """Run statements as the superuser, each in its own transaction (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(ADMIN, dbname), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())

    def fresh_name(self, prefix: str) -> str:
        """A database or schema name not used before in this cluster."""
        return f"{prefix}_{os.getpid()}_{next(self._names)}"

    def create_database(self, prefix: str = "ld") -> str:
        """A new, empty database owned by ``ld_owner``; returns its name."""
        name = self.fresh_name(prefix)
        self.execute([f'CREATE DATABASE "{name}" OWNER {OWNER}'])
        return name

    def setup_roles(self) -> None:
        self.execute([f"CREATE ROLE {role} LOGIN" for role in ROLES])


def start_cluster(*, fsync: bool = False) -> PgCluster:
    """Make and start a cluster in a new temporary directory (see the module docstring).

    ``fsync=False`` (the tests' choice) keeps commits in the operating system's cache: a
    killed client or server loses nothing, a power cut might. The bench passes True.
    """
    bindir = find_bindir()
    if bindir is None:
        raise ClusterError(unavailable() or "no PostgreSQL programs")
    account = server_user()
    # Short and under /tmp: a Unix socket path must stay below about 100 bytes.
    base = Path(tempfile.mkdtemp(prefix="ld-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    cluster = PgCluster(bindir, base, account)
    try:
        cluster.socket_dir.mkdir()
        if account is not None:
            for path in (base, cluster.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        cluster.init()
        cluster.start(fsync=fsync)
        cluster.setup_roles()
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextlib.contextmanager
def running_cluster(*, fsync: bool = False) -> Iterator[PgCluster]:
    """A started cluster for the length of a ``with`` block."""
    cluster = start_cluster(fsync=fsync)
    try:
        yield cluster
    finally:
        cluster.stop()

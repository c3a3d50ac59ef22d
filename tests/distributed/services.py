"""
The servers a distributed Airflow needs besides its own components: PostgreSQL (the metadata
database, and Celery's result backend), Redis (Celery's broker) and moto's S3 server (the object
storage every worker reaches). Each is started for the test on a free port of 127.0.0.1, with its
files in a temporary folder of its own, and stopped with the stack.

The servers are Debian packages (``make distributed`` installs them: ``scripts/setup-distributed.sh``);
moto and the Python clients come with the ``[distributed]`` extra. :func:`missing` names whatever
is not there, for the tests to skip saying so.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import pwd
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Where Debian installs PostgreSQL's server programs (off PATH), newest version last once sorted.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: Python modules of the ``[distributed]`` extra the stack cannot run without, and what provides them.
PYTHON_MODULES: Mapping[str, str] = {
    "airflow.providers.celery": "apache-airflow-providers-celery",
    "airflow.providers.amazon": "apache-airflow-providers-amazon",
    "s3fs": "s3fs",
    "psycopg2": "psycopg2-binary",
    "redis": "redis",
    "moto.server": "moto[s3] with flask and flask-cors",
    "boto3": "boto3",
}
#: The account PostgreSQL runs under when this process is root (postgres refuses to run as root).
POSTGRES_ACCOUNTS = ("postgres", "nobody")
#: The metadata database's name and owner (a superuser, trust authentication on 127.0.0.1 only).
DATABASE = "airflow"
DATABASE_USER = "airflow"


@dataclass(frozen=True)
class ServerPrograms:
    """
    The server programs the distributed stack runs.

    :param initdb: PostgreSQL's ``initdb``.
    :param postgres: PostgreSQL's server, ``postgres``.
    :param redis_server: ``redis-server``.
    """

    initdb: str
    postgres: str
    redis_server: str


def postgres_programs() -> tuple[str, str] | None:
    """``initdb`` and ``postgres`` from PATH, else from Debian's newest ``/usr/lib/postgresql/*/bin``."""
    initdb, postgres = shutil.which("initdb"), shutil.which("postgres")
    if initdb and postgres:
        return initdb, postgres
    for folder in sorted(glob.glob(POSTGRES_BIN_GLOB), key=_version_key, reverse=True):
        initdb, postgres = os.path.join(folder, "initdb"), os.path.join(folder, "postgres")
        if os.access(initdb, os.X_OK) and os.access(postgres, os.X_OK):
            return initdb, postgres
    return None


def _version_key(folder: str) -> tuple[int, str]:
    version = Path(folder).parent.name
    return (int(version), version) if version.isdigit() else (0, version)


def missing() -> list[str]:
    """What the distributed stack needs and this machine lacks, each with how to get it."""
    lacking = []
    if postgres_programs() is None:
        lacking.append("PostgreSQL's server (initdb, postgres: Debian package postgresql)")
    if shutil.which("redis-server") is None:
        lacking.append("redis-server (Debian package redis-server)")
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        lacking.append("setpriv (util-linux), to run PostgreSQL as another user than root")
    for module, package in PYTHON_MODULES.items():
        if importlib.util.find_spec(module.split(".")[0]) is None or not _importable(module):
            lacking.append(f"the Python module {module} ({package}, in the [distributed] extra)")
    return lacking


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def programs() -> ServerPrograms:
    """The server programs; call :func:`missing` first (this raises when one is absent)."""
    found = postgres_programs()
    redis_server = shutil.which("redis-server")
    if found is None or redis_server is None:
        raise RuntimeError(f"missing: {missing()}")
    return ServerPrograms(initdb=found[0], postgres=found[1], redis_server=redis_server)


def postgres_account() -> pwd.struct_passwd | None:
    """The account to run PostgreSQL under: ``None`` when this process is not root (it runs as us)."""
    if os.geteuid() != 0:
        return None
    for name in POSTGRES_ACCOUNTS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError(f"running as root and none of the accounts {POSTGRES_ACCOUNTS} exists")


def as_account(account: pwd.struct_passwd | None, argv: list[str]) -> list[str]:
    """``argv`` run under ``account`` (``setpriv`` replaces itself with it: no process in between)."""
    if account is None:
        return argv
    return [
        str(shutil.which("setpriv")),
        f"--reuid={account.pw_uid}",
        f"--regid={account.pw_gid}",
        "--clear-groups",
        "--",
        *argv,
    ]


def postgres_argv(programs: ServerPrograms, data: Path, port: int, socket_dir: Path) -> list[str]:
    """
    The server on 127.0.0.1:``port`` in the foreground, tuned for a throwaway cluster: no fsync, no
    synchronous commit, no full-page writes (a crash loses the test's data, never anything else).
    Enough connections for six Airflow components, their pools and Celery's result backend.
    """
    return [
        programs.postgres,
        "-D",
        str(data),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-k",
        str(socket_dir),
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=300",
        "-c",
        "shared_buffers=64MB",
    ]


def initdb_argv(programs: ServerPrograms, data: Path) -> list[str]:
    """A new cluster in ``data`` whose superuser is ``DATABASE_USER``, trusted on local connections."""
    return [
        programs.initdb,
        "-D",
        str(data),
        "-U",
        DATABASE_USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--no-locale",
        "--no-sync",
    ]


def redis_argv(programs: ServerPrograms, port: int, folder: Path) -> list[str]:
    """Redis on 127.0.0.1:``port``, in memory only (no snapshot, no append-only file)."""
    return [
        programs.redis_server,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(folder),
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
    ]


def moto_argv(port: int) -> list[str]:
    """moto's server (every AWS service it emulates; the test uses S3 only) on 127.0.0.1:``port``."""
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def postgres_dsn(port: int, database: str = DATABASE) -> str:
    """libpq connection string of ``database`` on the test's server."""
    return f"host=127.0.0.1 port={port} user={DATABASE_USER} dbname={database} connect_timeout=5"


def wait_until(what: str, ready: Callable[[], bool], alive: Callable[[], bool], timeout: float) -> float:
    """
    Call ``ready`` until it returns true (any exception counts as not yet); return the seconds it
    took. Fail naming ``what`` when ``alive`` says the server exited, or after ``timeout`` seconds.
    """
    started = time.monotonic()
    last_error: BaseException | None = None
    while True:
        try:
            if ready():
                return time.monotonic() - started
        except Exception as exc:  # not serving yet: refused, reset, starting up...
            last_error = exc
        if not alive():
            raise AssertionError(f"{what} exited before it was ready (last error: {last_error!r})")
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} not ready after {timeout:.0f} s (last error: {last_error!r})")
        time.sleep(0.2)

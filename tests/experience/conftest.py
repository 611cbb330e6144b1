"""A throwaway PostgreSQL server for the parity tests, started by the tests themselves.

It uses Debian's `postgresql` package binaries (initdb, pg_ctl) and runs as an unprivileged user
(`postgres` if it exists, else `nobody`) when the tests run as root, on a free loopback port,
in a temporary directory removed afterwards. Without the binaries the tests skip, unless
RATCHET_REQUIRE_REAL=1 (CI), where a missing server fails instead of hiding.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _require(reason: str):
    if os.environ.get("RATCHET_REQUIRE_REAL") == "1":
        pytest.fail(f"PostgreSQL parity test cannot run: {reason}")
    pytest.skip(reason)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_user() -> tuple[list[str], str | None]:
    """The prefix that runs a command as an unprivileged user (initdb refuses root)."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"], user
    _require("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL")
    return [], None


def _temp_root_for_others() -> str:
    """A temporary directory the unprivileged user can reach: root's /tmp may be 0700 (it is
    on some of our machines), in which case /var/tmp or /dev/shm serve."""
    for base in (tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        parts = Path(base).resolve().parts
        ancestors = [Path(*parts[: i + 1]) for i in range(len(parts))]
        if all(os.stat(path).st_mode & stat.S_IXOTH for path in ancestors):
            return base
    _require("no temporary directory that an unprivileged user can reach (chmod 1777 /tmp)")
    return tempfile.gettempdir()


@pytest.fixture(scope="session")
def postgres_url():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _require("psycopg is not installed (pip install 'ratchet-ai[postgres]')")
    bindir = _postgres_bin()
    if bindir is None:
        _require("PostgreSQL binaries not found (apt-get install -y postgresql)")
    prefix, user = _as_user()
    root = Path(tempfile.mkdtemp(prefix="ratchet-pg-", dir=_temp_root_for_others() if user else None))
    data = root / "data"
    if user:
        shutil.chown(root, user)
    run = lambda *args: subprocess.run([*prefix, *map(str, args)], check=True,  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    port = _free_port()
    try:
        run(bindir / "initdb", "-D", data, "-A", "trust", "-U", "ratchet", "--no-sync")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(bindir / "pg_ctl", "-D", data, "-o", options, "-l", root / "server.log", "-w", "start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {error.stderr.strip()[-500:]}")
    yield f"postgresql://ratchet@127.0.0.1:{port}/postgres"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                   capture_output=True, timeout=60)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_store_url(postgres_url):
    """A fresh database on the shared server for one test."""
    import psycopg

    name = f"t_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"


def _count():
    n = 0
    while True:
        n += 1
        yield n


_counter = _count()

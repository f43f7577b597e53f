"""A throw-away PostgreSQL cluster on a loopback port, for the tests (and by hand:
`python tests/gateway/pg_cluster.py` prints a URL and serves until Ctrl-C).

initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user and
its commands run through `runuser`. Only fsync is off (the tests never pull the power): a commit
still waits for its WAL write, so killing a client or the server behaves as in production.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "install PostgreSQL: apt-get install -y postgresql (the server binaries)"


def find_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(os.path.join(out.stdout.strip(), "initdb"))
    candidates.append(shutil.which("initdb") or "")
    for initdb in candidates:
        if initdb and os.access(initdb, os.X_OK):
            bindir = Path(initdb).resolve().parent
            if (bindir / "pg_ctl").exists():
                return bindir
    raise RuntimeError(f"no PostgreSQL server binaries (initdb, pg_ctl) found: {INSTALL_HINT}")


def _version(initdb: str) -> float:
    try:
        return float(Path(initdb).parent.parent.name)
    except ValueError:
        return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """initdb + pg_ctl start in a temp dir; `stop()` kills it (-m immediate) and removes it."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.prefix: list[str] = []
        as_root = os.geteuid() == 0
        # as root, somewhere the postgres user can reach (TMPDIR may be under /root)
        self.root = Path(tempfile.mkdtemp(prefix="hfgate-pg-", dir="/tmp" if as_root else None))
        if as_root:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError as e:
                raise RuntimeError(
                    f"running as root needs a `postgres` user: {INSTALL_HINT}"
                ) from e
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.prefix, str(self.bindir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    @property
    def _options(self) -> str:
        return (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c max_connections=200"
        )

    def restart(self) -> None:
        """Stop the server as a crash would (-m immediate) and start it again: every
        connection a client holds is now dead, and the client does not know yet."""
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", self._options, "start")

    def start(self) -> PgCluster:
        options = self._options
        log = self.root / "log"
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
            self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-o", options, "start")
        except RuntimeError as e:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            shutil.rmtree(self.root, ignore_errors=True)
            raise RuntimeError(f"{e}\n{server_log}") from None
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _stop_on(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    # Both set here: a shell starts a background job with SIGINT ignored, and Python then
    # leaves it ignored, so Ctrl-C's signal alone could never stop a backgrounded run.
    signal.signal(signal.SIGINT, _stop_on)
    signal.signal(signal.SIGTERM, _stop_on)
    cluster = PgCluster().start()
    print(cluster.url, flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()

"""Real servers for fault tests: gunicorn in its own process group (so SIGKILL takes the master
and its workers at once, like a machine losing power), and a private PostgreSQL cluster.

The private cluster is never the shared one at 127.0.0.1:5432: fault tests stop and start it.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class Gunicorn:
    def __init__(self, database_url: str, log: Path, workers: int = 2, **env: str) -> None:
        self.database_url = database_url
        self.log = log
        self.workers = workers
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        env = {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": "fault-test-secret",
               "SESSION_COOKIE_SECURE": "0", "RATELIMIT_ENABLED": "0", **self.env}
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(self.workers), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "60", "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port)
        # The master binds before its workers have imported the app: wait for a real answer.
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/login", timeout=30).status_code == 200:
                    return self
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the whole group: no graceful shutdown, no finishing the request in flight."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.proc = None

    def login(self, username: str, password: str) -> tuple[requests.Session, str]:
        session = requests.Session()
        page = session.get(f"{self.url}/login", timeout=30).text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = {"username": username, "password": password, "csrf_token": token}
        answer = session.post(f"{self.url}/login", data=form, allow_redirects=False, timeout=30)
        assert answer.status_code == 302, answer.text
        page = session.get(f"{self.url}/", timeout=30).text
        return session, re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """initdb in a temp folder, trust auth on 127.0.0.1 only, run as the postgres OS user when root."""

    def __init__(self, workdir: Path) -> None:
        self.bin = postgres_bin()
        self.dir = workdir / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.workdir = workdir

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(prefix + list(args), check=check, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        self.workdir.chmod(0o777)
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8")
        return self

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-w", "-l", str(self.dir / "log"),
                  "-o", f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-w", "-m", mode, "stop", check=False)

"""Run the real site for fault tests and benches: gunicorn against the test database.

Helpers only (no fixtures): start and stop gunicorn, find the worker serving a connection,
restart the test PostgreSQL cluster that scripts/test started, talk HTTP with the stdlib.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(*, database_name: str, media_root: Path, static_root: Path, **extra) -> dict:
    """The environment of a production host, pointed at the test database and storage."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{os.environ.get('TEST_PG_PORT', '5432')}/{database_name}",
        SECRET_KEY="fault-test-" + uuid.uuid4().hex, DEBUG="False", SECURE_SSL_REDIRECT="False",
        SECURE_COOKIES="False", MEDIA_ROOT=str(media_root), STATIC_ROOT=str(static_root),
        THROTTLE_SUBMISSION="100000/min", THROTTLE_TOKEN="100000/min",
        DB_CONNECT_TIMEOUT="2", LOG_LEVEL="WARNING",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def collectstatic(env: dict) -> None:
    result = manage(env, "collectstatic", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr[-3000:]


def manage(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


class Gunicorn:
    def __init__(self, env: dict, *, workers: int = 2, log_path: Path, args: tuple[str, ...] = ()):
        self.env, self.workers, self.port, self.log_path = env, workers, free_port(), log_path
        self.args = args  # more gunicorn options, e.g. ("-c", "config/gunicorn.conf.py")
        self.process = None

    def start(self) -> "Gunicorn":
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{self.port}",
             "-w", str(self.workers), "--no-control-socket", "--timeout", "60", "--graceful-timeout", "2",
             *self.args],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.wait_until(lambda: request(self.port, "GET", "/healthz")[0] == 200, timeout=30)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def worker_serving(self, client_port: int) -> int | None:
        """The worker holding the server side of the connection from client_port."""
        inode = _socket_inode(local_port=self.port, remote_port=client_port)
        for pid in self.worker_pids():
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                        return pid
            except OSError:
                continue
        return None

    @staticmethod
    def wait_until(condition, *, timeout: float, interval: float = 0.05) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if condition():
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(interval)
        raise TimeoutError(f"not true after {timeout} s")


def children_of(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry))
    return children


def _socket_inode(*, local_port: int, remote_port: int) -> str | None:
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == remote_port:
            return inode
    return None


def request(port: int, method: str, path: str, *, body: bytes = None, headers: dict = None,
            timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def multipart(fields: dict, file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 f"Content-Type: text/plain\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def api_token(port: int, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    status, answer = request(port, "POST", "/api/auth/token/", body=body, headers={"Content-Type": "application/json"})
    assert status == 200, answer
    return json.loads(answer)["token"]


def submit(port: int, token: str, *, year: str, task: str, split: str, content: bytes, entry: str,
           timeout: float = 60) -> tuple[int, bytes]:
    body, content_type = multipart({"year": year, "task": task, "split": split, "entry": entry}, "file",
                                   "predictions.txt", content)
    return request(port, "POST", "/api/submissions/", body=body, timeout=timeout,
                   headers={"Content-Type": content_type, "Authorization": f"Token {token}"})


class PostgresCluster:
    """The cluster scripts/test started (TEST_PG_* variables); stopped and started as postgres."""

    def __init__(self):
        self.bin = os.environ["TEST_PG_BIN"]
        self.data = os.environ["TEST_PG_DATA"]
        self.port = os.environ["TEST_PG_PORT"]
        self.socket_dir = os.environ["TEST_PG_SOCKET_DIR"]

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", self.data, *args],
                       check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._pg_ctl("-l", f"{self.socket_dir}/server.log", "-w", "-o", options, "start")

    @staticmethod
    def available() -> bool:
        return all(os.environ.get(name) for name in ("TEST_PG_BIN", "TEST_PG_DATA", "TEST_PG_PORT", "TEST_PG_SOCKET_DIR"))

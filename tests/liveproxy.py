"""Run deploy/nginx.conf, the production reverse proxy, in front of a test or bench gunicorn.

Debian's nginx binary runs the deployment file itself, with only its addresses and paths
replaced (REPLACED below names each value; a value missing from the file fails at once, so the
file and this copy cannot drift apart unnoticed): it listens on loopback ports, proxies to the
given gunicorn port, uses a throwaway self-signed certificate, and writes logs, temporary files,
cache and pid into one temporary folder. Helpers only (no fixtures), stdlib only.
"""

import http.client
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from tests.livesite import ROOT, free_port

DEPLOY_CONFIG = ROOT / "deploy" / "nginx.conf"
UPSTREAM = "server 127.0.0.1:8000;"
CERTIFICATE = "/etc/letsencrypt/live/challenge.example.org/fullchain.pem"
CERTIFICATE_KEY = "/etc/letsencrypt/live/challenge.example.org/privkey.pem"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        raise RuntimeError("nginx is missing: apt-get install -y nginx (scripts/test installs it)")
    return found


def config_for(text: str, *, folder: Path, upstream_port: int, http_port: int, https_port: int) -> str:
    """deploy/nginx.conf's text with its addresses and paths pointed at folder and the ports."""
    replaced = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        UPSTREAM: f"server 127.0.0.1:{upstream_port};",
        CERTIFICATE: str(folder / "certificate.pem"),
        CERTIFICATE_KEY: str(folder / "key.pem"),
        "/var/log/nginx/": f"{folder}/log/",
        "/var/lib/nginx/": f"{folder}/lib/",
        "/var/cache/nginx/": f"{folder}/cache/",
        "/run/nginx.pid": f"{folder}/nginx.pid",
    }
    for value, replacement in replaced.items():
        if value not in text:
            raise ValueError(f"deploy/nginx.conf no longer holds {value!r}; tests/liveproxy.py replaces it")
        text = text.replace(value, replacement)
    return text


class Nginx:
    """nginx with deploy/nginx.conf in front of 127.0.0.1:upstream_port, on https://127.0.0.1:port."""

    def __init__(self, *, upstream_port: int):
        self.upstream_port, self.port, self.http_port = upstream_port, free_port(), free_port()
        self.process = None
        # Its workers run as www-data (the file's `user`), who must reach the cache and
        # temporary folders: a folder of its own under /tmp, not pytest's (root only).
        self.folder = Path(tempfile.mkdtemp(prefix="challenge-nginx."))
        self.folder.chmod(0o755)

    def start(self) -> "Nginx":
        try:
            return self._start()
        except BaseException:
            self.stop()  # and the folder goes
            raise

    def _start(self) -> "Nginx":
        for sub in ("log", "lib", "cache"):
            (self.folder / sub).mkdir()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", str(self.folder / "key.pem"),
                        "-out", str(self.folder / "certificate.pem")], check=True, capture_output=True, timeout=30)
        config = self.folder / "nginx.conf"
        config.write_text(config_for(DEPLOY_CONFIG.read_text(), folder=self.folder, upstream_port=self.upstream_port,
                                     http_port=self.http_port, https_port=self.port))
        command = [nginx_binary(), "-c", str(config), "-p", str(self.folder),
                   "-e", str(self.folder / "log" / "error.log")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
        self.process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        started = time.monotonic()
        while True:
            try:
                if self.request("GET", "/healthz", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() - started > 30:
                raise RuntimeError(f"nginx did not start:\n{self.error_log()[-3000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # fast shutdown: open slow connections are closed
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def error_log(self) -> str:
        path = self.folder / "log" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access_log(self) -> str:
        path = self.folder / "log" / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def connect(self, *, timeout: float = 30) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=client_tls())

    def request(self, method: str, path: str, *, body: bytes = None, headers: dict = None,
                timeout: float = 30) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = self.connect(timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.msg, response.read()
        finally:
            connection.close()


def client_tls() -> ssl.SSLContext:
    """A client's TLS settings for the throwaway certificate (self-signed: not verified)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context

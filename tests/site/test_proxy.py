"""deploy/nginx.conf, run by Debian's nginx in front of the run command's gunicorn on the test
PostgreSQL: slow clients cost the site nothing, and anonymous boards are served from a
one-second cache that signed-in readers and uploads never touch.

Each test prints its figures (run with -s): `scripts/test tests/site/test_proxy.py -s`.
"""

import http.client
import math
import select
import socket
import ssl
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from submissions.leaderboards.models import LeaderboardBoard
from tests import livesite
from tests.base import PASSWORD
from tests.leaderboard_helpers import open_quota, submit
from tests.liveproxy import Nginx, client_tls
from tests.site.test_faults import site_env, static_root  # noqa: F401  (fixtures)
from tests.site.test_live_defenses import RUN_COMMAND_CONFIG

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOW_CLIENTS = 300
SLOW_SECONDS = 30


@pytest.fixture
def proxied_site(site_env, tmp_path):  # noqa: F811  (the fixture imported above)
    """The run command's gunicorn (3 workers, its access log in tmp_path) behind nginx."""
    env = {**site_env, "TRUSTED_PROXIES": "1"}
    server = livesite.Gunicorn(env, workers=3, log_path=tmp_path / "gunicorn.log",
                               args=(*RUN_COMMAND_CONFIG, "--access-logfile", "-")).start()
    proxy = None
    try:
        proxy = Nginx(upstream_port=server.port).start()
        yield server, proxy
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()


class SlowClients:
    """Connections to nginx that send a request at a byte a second: half of them their headers,
    half a multipart upload's body. A connection nginx closes (after client_header_timeout, for
    the slow headers) is opened again at once, as an attacker would."""

    def __init__(self, port: int, *, count: int, token: str):
        self.port, self.count, self.token = port, count, token
        self.sockets: list[tuple[str, ssl.SSLSocket]] = []
        self.reopened = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.tls = client_tls()

    def _open(self, kind: str) -> ssl.SSLSocket:
        connection = self.tls.wrap_socket(socket.create_connection(("127.0.0.1", self.port), timeout=10))
        if kind == "body":
            connection.sendall(
                f"POST /api/submissions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {self.token}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n".encode())
        else:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        return connection

    def start(self) -> "SlowClients":
        self.sockets = [(kind, self._open(kind)) for kind in ("headers", "body") * (self.count // 2)]
        self.thread.start()
        return self

    def _trickle(self) -> None:
        while not self.stopping.wait(1):
            readable = set(select.select([c for _, c in self.sockets], [], [], 0)[0])
            for index, (kind, connection) in enumerate(self.sockets):
                try:
                    if connection in readable and self._answered_or_closed(connection):
                        raise ConnectionResetError
                    connection.sendall(b"x")
                except OSError:
                    connection.close()
                    self.sockets[index] = (kind, self._open(kind))
                    self.reopened += 1

    @staticmethod
    def _answered_or_closed(connection: ssl.SSLSocket) -> bool:
        """Whether nginx hung up or answered; a TLS 1.3 session ticket also makes a socket readable."""
        connection.setblocking(False)
        try:
            return connection.recv(1024) is not None  # b"" (closed) or an answer: this request is over
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        finally:
            connection.settimeout(10)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
        for _, connection in self.sockets:
            connection.close()


def test_300_slow_clients_for_30_s_leave_healthz_through_nginx_under_a_second(proxied_site, world):
    server, proxy = proxied_site
    token = Token.objects.create(user=world.alice).key  # so that gunicorn alone would read the bodies
    slow = SlowClients(proxy.port, count=SLOW_CLIENTS, token=token).start()
    latencies, statuses, held = [], [], 0
    try:
        started = time.monotonic()
        while time.monotonic() - started < SLOW_SECONDS:
            asked = time.monotonic()
            try:
                status = proxy.request("GET", "/healthz", timeout=5)[0]
            except OSError:
                status = None
            latencies.append(time.monotonic() - asked)
            statuses.append(status)
            held = max(held, _connections_to(server.port))
            time.sleep(max(0.0, 0.1 - (time.monotonic() - asked)))
    finally:
        slow.stop()
    latencies.sort()
    p99 = latencies[math.ceil(len(latencies) * 0.99) - 1]
    print(f"\n[proxy] {SLOW_CLIENTS} slow clients (half headers, half upload bodies, a byte a second) for "
          f"{SLOW_SECONDS} s through nginx ({slow.reopened} cut by client_header_timeout and reopened): "
          f"{len(latencies)} /healthz answers, p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; at most {held} connection(s) open to gunicorn")
    assert statuses.count(200) == len(statuses), statuses
    assert p99 < 1, latencies[-10:]
    assert held <= 3  # the probes' own: nginx passes no request on before it has the whole of it
    assert slow.reopened >= SLOW_CLIENTS // 2  # every slow header was cut at least once


def _connections_to(port: int) -> int:
    """Established TCP connections to 127.0.0.1:port (state 01 in /proc/net/tcp)."""
    return sum(1 for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
               if int(line.split()[1].split(":")[1], 16) == port and line.split()[3] == "01")


def _requests_seen_by_gunicorn(log_path, method: str, path: str, *, expected: int = 0) -> int:
    """How many such requests gunicorn's access log shows, once it shows `expected` (it writes
    a line just after its answer) or 5 s have passed, and a moment more for any late one."""
    def count() -> int:
        return log_path.read_text().count(f'"{method} {path} HTTP/1.')
    deadline = time.monotonic() + 5
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    return count()


def _built_at(headers) -> datetime:
    return datetime.fromisoformat(headers["X-Board-Built-At"])


def _session_cookie(port: int) -> str:
    """Sign in through the site's form (on gunicorn itself: plain HTTP needs no Referer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    response.read()
    cookies = response.msg.get_all("Set-Cookie")
    csrf = next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    body = f"csrfmiddlewaretoken={csrf}&username=alice&password={PASSWORD.replace(' ', '+')}".encode()
    connection.request("POST", "/accounts/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return next(c.split(";")[0] for c in response.msg.get_all("Set-Cookie") if c.startswith("sessionid="))


def test_anonymous_boards_come_from_nginx_for_a_second_signed_in_readers_and_uploads_never(proxied_site, world,
                                                                                          tmp_path):
    server, proxy = proxied_site
    log = tmp_path / "gunicorn.log"
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="first")
    page = f"/years/{world.year.slug}/tasks/classification/val/leaderboard/"
    api = f"/api/years/{world.year.slug}/tasks/classification/leaderboard/?split=val"

    # Signed in (a session, or a token): past the cache both times, private, and not stored.
    cookie, token = _session_cookie(server.port), Token.objects.create(user=world.alice).key
    for path, headers in ((page, {"Cookie": cookie}), (api, {"Authorization": f"Token {token}"})):
        before = _requests_seen_by_gunicorn(log, "GET", path)
        answers = [proxy.request("GET", path, headers=headers) for _ in range(2)]
        assert [(s, h["X-Cache-Status"]) for s, h, _ in answers] == [(200, "BYPASS")] * 2, path
        assert all("private" in h["Cache-Control"] for _, h, _ in answers)
        assert _requests_seen_by_gunicorn(log, "GET", path, expected=before + 2) == before + 2
    signed_in_page = proxy.request("GET", page, headers={"Cookie": cookie})[2]
    assert b"Log out" in signed_in_page

    # Anonymous: the first read fills the cache, the second within the second is nginx's alone,
    # and so is a client polling with its ETag (304). nginx keeps a copy until the end of the
    # second it was fetched in: the reads start at the beginning of one.
    for path in (page, api):
        before = _requests_seen_by_gunicorn(log, "GET", path)
        time.sleep(1.02 - time.time() % 1)
        first, second = proxy.request("GET", path), proxy.request("GET", path)
        polled = proxy.request("GET", path, headers={"If-None-Match": first[1]["ETag"]})
        assert (first[1]["X-Cache-Status"], second[1]["X-Cache-Status"]) == ("MISS", "HIT"), path
        assert first[2] == second[2] and b"Log out" not in first[2]  # no signed-in copy was stored
        assert "public" in second[1]["Cache-Control"] and _built_at(second[1]) == _built_at(first[1])
        assert (polled[0], polled[1]["X-Cache-Status"]) == (304, "HIT")
        assert _requests_seen_by_gunicorn(log, "GET", path, expected=before + 1) == before + 1
    # The query string is part of the key: another page of the board is another entry.
    assert proxy.request("GET", api + "&page=1")[1]["X-Cache-Status"] == "MISS"

    # Uploads, and any POST to a board's address, always reach gunicorn.
    body, content_type = livesite.multipart({"year": world.year.slug, "task": "classification", "split": "val",
                                             "entry": "x"}, "file", "predictions.txt", b"not a prediction\n")
    for path, headers in (("/api/submissions/", {"Authorization": f"Token {token}", "Content-Type": content_type}),
                          (api, {"Content-Type": content_type})):
        answers = [proxy.request("POST", path, body=body, headers=headers) for _ in range(2)]
        assert all(s in (400, 405) and "X-Cache-Status" not in h for s, h, _ in answers), answers
        assert _requests_seen_by_gunicorn(log, "POST", path, expected=2) == 2

    # A rebuilt board reaches readers through the cache within 3 s of its build.
    old = _built_at(proxy.request("GET", api)[1])
    submit(world.val, world.charlies_team, world.charlie, wrong=0, entry="second")
    built = LeaderboardBoard.objects.get(split=world.val, basis="all", track="combined").built_at
    committed = time.monotonic()
    seen = []
    while not seen or seen[-1] != built:
        assert time.monotonic() - committed < 3, seen
        seen.append(_built_at(proxy.request("GET", api)[1]))
        time.sleep(0.05)
    assert set(seen) <= {old, built}
    reached = time.monotonic() - committed

    # After a quiet spell longer than max-age + stale-while-revalidate, the first reader gets
    # the board as it is now, never the copy of before the spell. (An entry that moves the board:
    # one that shows nothing new, a team's worse entry, leaves the stored board as it was.)
    stamp_before = _built_at(proxy.request("GET", page)[1])
    submit(world.val, world.alpha, world.alice, wrong=0, entry="third")
    rebuilt = LeaderboardBoard.objects.get(split=world.val, basis="all", track="combined").built_at
    time.sleep(2.1)
    status, headers, _ = proxy.request("GET", page)
    assert status == 200 and headers["X-Cache-Status"] in ("EXPIRED", "MISS"), headers["X-Cache-Status"]
    assert _built_at(headers) == rebuilt != stamp_before
    print(f"\n[proxy] anonymous reads: MISS then HIT (gunicorn saw one), 304 from nginx; signed-in reads and "
          f"POSTs all reached gunicorn; a rebuilt board reached the cached API in {reached:.2f} s")

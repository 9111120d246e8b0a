"""The site's defenses against real gunicorn on the test PostgreSQL: the sign-in brake and the API
throttles hold across worker processes whatever X-Forwarded-For says, and slow clients cannot
starve the run command's gunicorn (tests/site/test_proxy.py: nor the site behind deploy/nginx.conf).

Each test prints its figures (run with -s): `scripts/test tests/site/test_live_defenses.py -s`.
"""

import http.client
import json
import socket
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework.authtoken.models import Token

from challenge.accounts.models import RateCount
from tests import livesite
from tests.base import PASSWORD
from tests.site.test_faults import site_env, static_root  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RUN_COMMAND_CONFIG = ("-c", "config/gunicorn.conf.py")  # what scripts/run passes


@pytest.fixture
def braked_site(site_env, tmp_path):  # noqa: F811  (the fixture imported above)
    env = {**site_env, "SIGNIN_MAX_FAILURES": "5", "SIGNIN_MAX_ADDRESS_FAILURES": "1000",
           "SIGNIN_LOCKOUT_SECONDS": "900"}
    server = livesite.Gunicorn(env, workers=3, log_path=tmp_path / "gunicorn.log").start()
    yield server
    server.stop()


def _exchange(port: int, method: str, path: str, *, body: bytes = b"", headers: dict | None = None,
              timeout: float = 60) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


def _token_attempt(port: int, username: str, password: str, forwarded: str) -> int:
    body = json.dumps({"username": username, "password": password}).encode()
    return _exchange(port, "POST", "/api/auth/token/", body=body, headers={
        "Content-Type": "application/json", "X-Forwarded-For": forwarded})[0]


def _form_sign_in(port: int, path: str, username: str, password: str, forwarded: str) -> tuple[int, bool]:
    """Sign in through an HTML form (with its CSRF cookie): the status, and whether a session came back."""
    _, head, _ = _exchange(port, "GET", path)
    csrf = next(c.split(";")[0].split("=", 1)[1] for c in head.get_all("Set-Cookie") if c.startswith("csrftoken="))
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password,
                                   "next": "/admin/"}).encode()
    status, head, _ = _exchange(port, "POST", path, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        "X-Forwarded-For": forwarded})
    return status, any(c.startswith("sessionid=") for c in head.get_all("Set-Cookie") or [])


def test_the_sign_in_brake_holds_across_three_workers_and_forwarded_addresses(braked_site, world):
    port = braked_site.port
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:  # several workers answer at once
        statuses = list(pool.map(lambda i: _token_attempt(port, "alice", f"guess {i}", f"10.{i}.0.1"), range(30)))
    assert statuses.count(400) <= 5 and statuses.count(400) + statuses.count(429) == 30, statuses
    # The right password now gets in nowhere, from any claimed address.
    assert _token_attempt(port, "alice", PASSWORD, "198.51.100.1") == 429
    assert _form_sign_in(port, "/accounts/login/", "alice", PASSWORD, "198.51.100.2") == (429, False)

    root = get_user_model().objects.create_superuser("root", "root@example.org", None)
    hasher = PBKDF2PasswordHasher()  # the real site knows its own hashers only (see test_faults)
    root.password = hasher.encode(PASSWORD, hasher.salt())
    root.save(update_fields=["password"])
    with ThreadPoolExecutor(max_workers=6) as pool:
        admin = list(pool.map(lambda i: _form_sign_in(port, "/admin/login/", "root", "wrong", f"10.9.{i}.1"),
                              range(12)))
    assert all(signed_in is False for _, signed_in in admin)
    status, signed_in = _form_sign_in(port, "/admin/login/", "root", PASSWORD, "198.51.100.3")
    assert not signed_in and status != 302
    print(f"\n[defense] 30 token guesses for one user from 30 claimed addresses over 3 workers: "
          f"{statuses.count(400)} checked, {statuses.count(429)} refused; 12 admin guesses, then the right "
          f"password refused on the API, the sign-in page and the admin ({time.monotonic() - started:.1f} s)")


def test_api_throttles_count_once_for_every_process(site_env, tmp_path):  # noqa: F811
    RateCount.objects.all().delete()
    env = {**site_env, "THROTTLE_TOKEN": "4/min"}
    # Each worker serves one request and is replaced: no two requests share a process's memory.
    server = livesite.Gunicorn(env, workers=3, log_path=tmp_path / "gunicorn.log",
                               args=("--max-requests", "1")).start()
    try:
        statuses = [_token_attempt(server.port, "alice", PASSWORD, f"10.{i}.0.1") for i in range(8)]
    finally:
        server.stop()
    assert statuses == [200] * 4 + [429] * 4
    print(f"\n[defense] 8 token requests, each in a fresh worker process, each with its own X-Forwarded-For: "
          f"{statuses.count(200)} allowed, {statuses.count(429)} throttled (rate 4/min)")


def test_slow_uploads_do_not_starve_the_run_commands_gunicorn(site_env, world, tmp_path):  # noqa: F811
    assert " ".join(RUN_COMMAND_CONFIG) in (livesite.ROOT / "scripts" / "run").read_text()
    token = Token.objects.create(user=world.alice).key  # so that the upload's body is read, slowly
    server = livesite.Gunicorn(site_env, workers=3, log_path=tmp_path / "gunicorn.log",
                               args=RUN_COMMAND_CONFIG).start()
    slow = []
    try:
        for _ in range(4):  # one more than the workers
            client = socket.create_connection(("127.0.0.1", server.port))
            client.sendall(f"POST /api/submissions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
                           "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
                           "--b\r\n".encode())
            slow.append(client)
        # Every sync worker would now be reading a body; threads take the fourth too.
        server.wait_until(lambda: sum(server.worker_serving(c.getsockname()[1]) is not None for c in slow) >= 3,
                          timeout=10)
        answers = []
        for second in range(6):  # the slow clients trickle a byte a second meanwhile
            for client in slow:
                client.sendall(b"x")
            started = time.monotonic()
            status, _ = livesite.request(server.port, "GET", "/healthz", timeout=10)
            answers.append((status, time.monotonic() - started))
            time.sleep(max(0.0, 1 - (time.monotonic() - started)))
    finally:
        for client in slow:
            client.close()
        server.stop()
    assert all(status == 200 and seconds < 1 for status, seconds in answers), answers
    print(f"\n[defense] 4 clients sending an upload at a byte a second to 3 workers: /healthz answered "
          f"in at most {max(seconds for _, seconds in answers) * 1000:.0f} ms")


def test_slow_clients_hold_no_more_than_their_own_threads_of_the_run_commands_gunicorn(site_env, world,  # noqa: F811
                                                                                        tmp_path):
    """A worker takes no more connections than it has threads, so slow clients cannot pile up on
    one worker while another has threads free: with all threads but one held by slow headers
    and slow bodies, /healthz still answers (README, "Slow clients": 24 would fill every thread)."""
    token = Token.objects.create(user=world.alice).key
    workers, threads = 3, int(site_env.get("WEB_THREADS", "8"))  # config/gunicorn.conf.py's default
    server = livesite.Gunicorn(site_env, workers=workers, log_path=tmp_path / "gunicorn.log",
                               args=RUN_COMMAND_CONFIG).start()
    slow = []
    try:
        with ThreadPoolExecutor(max_workers=workers * threads) as pool:  # every worker past its first request
            for _ in range(4):
                list(pool.map(lambda _: livesite.request(server.port, "GET", "/healthz"), range(workers * threads)))
        for number in range(workers * threads - 1):
            client = socket.create_connection(("127.0.0.1", server.port))
            if number % 2:
                client.sendall(f"POST /api/submissions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
                               "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
                               "--b\r\n".encode())
            else:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(client)
        server.wait_until(lambda: all(server.worker_serving(c.getsockname()[1]) is not None for c in slow), timeout=10)
        answers = []
        for _ in range(6):
            for client in slow:
                client.sendall(b"x")
            started = time.monotonic()
            try:
                status, _ = livesite.request(server.port, "GET", "/healthz", timeout=3)
            except TimeoutError:
                status = None
            answers.append((status, time.monotonic() - started))
            time.sleep(max(0.0, 1 - (time.monotonic() - started)))
        assert all(server.worker_serving(c.getsockname()[1]) is not None for c in slow)  # none was dropped
    finally:
        for client in slow:
            client.close()
        server.stop()
    assert all(status == 200 and seconds < 1 for status, seconds in answers), answers
    print(f"\n[defense] {len(slow)} slow clients (headers and bodies at a byte a second) on {workers} workers x "
          f"{threads} threads: /healthz answered in at most {max(seconds for _, seconds in answers) * 1000:.0f} ms")

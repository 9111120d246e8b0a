"""The site under bench/scale.py: a gzip prediction file of a `make_scale_year` year uploaded
through the API of gunicorn (-c config/gunicorn.conf.py) against a throwaway PostgreSQL, scored
by a `score_pending --loop` worker started for that upload alone (so its peak is that upload's),
and, at 10M images, the same file through the submit form as a browser sends it.

Figures per case: the upload's answer time, the time from its start to its score on the
status endpoint (GET /api/submissions/{id}/), the worker's peak RSS (VmHWM: ground truth,
class set, file and scoring included) and the web workers' peak RSS.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.rush_site import start_cluster
from tests import livesite

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "scale bench password 1"
SETUP = f"""
from tests.base import make_user
user = make_user("scaler")
user.set_password({PASSWORD!r}); user.save()
"""
TEAM = """
from challenge.competition.models import ChallengeYear, Split
from django.contrib.auth import get_user_model
from tests.base import make_team
year = ChallengeYear.objects.get(slug=SLUG)
make_team(year, "Scalers " + SLUG, get_user_model().objects.get(username="scaler"))
print(Split.objects.get(task__year=year, task__slug="classification", name="val").pk)
"""


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def manage(env: dict, *args: str, timeout: float = 1800) -> str:
    result = livesite.manage(env, *args, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def wait_for_score(port: int, token: str, pk: int, timeout: float = 900) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = livesite.request(port, "GET", f"/api/submissions/{pk}/",
                                        headers={"Authorization": f"Token {token}"})
        answer = json.loads(body) if status == 200 else {}
        if answer.get("status") in ("scored", "failed"):
            return answer
        time.sleep(0.2)
    raise TimeoutError(f"submission {pk} not scored after {timeout} s")


class Browser:
    """What a browser sends: a session cookie from the sign-in form, and the CSRF token of each form."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def send(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Cookie": "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(header)
            return response.status, response.read().decode(errors="replace")
        finally:
            connection.close()

    def form_token(self, path: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.send("GET", path)[1]).group(1)

    def sign_in(self) -> None:
        fields = {"username": "scaler", "password": PASSWORD, "csrfmiddlewaretoken": self.form_token("/accounts/login/")}
        body = urlencode(fields).encode()
        status, _ = self.send("POST", "/accounts/login/", body, "application/x-www-form-urlencoded")
        assert status == 302, f"sign-in answered {status}"

    def submit(self, slug: str, split_pk: int, content: bytes) -> tuple[int, float]:
        path = f"/years/{slug}/submit/"
        fields = {"csrfmiddlewaretoken": self.form_token(path), "split": split_pk, "entry_name": "form upload"}
        body, content_type = livesite.multipart(fields, "file", "predictions.txt.gz", content)
        started = time.perf_counter()
        status, _ = self.send("POST", path, body, content_type)
        return status, time.perf_counter() - started


def run_case(env: dict, port: int, token: str, workdir: Path, n_images: int, n_classes: int) -> dict:
    slug = f"scale-{n_images // 1_000_000}m-{n_classes}"
    predictions = workdir / f"{slug}.txt.gz"
    started = time.perf_counter()
    manage(env, "make_scale_year", "--classes", str(n_classes), "--images", str(n_images), "--slug", slug,
           "--predictions", str(predictions))
    split_pk = int(manage(env, "shell", "-c", TEAM.replace("SLUG", repr(slug))).split()[-1])
    print(f"  site: made {slug} in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    content = predictions.read_bytes()
    worker = subprocess.Popen([sys.executable, "manage.py", "score_pending", "--loop", "--interval", "0.1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "worker.log", "ab"))
    try:
        time.sleep(3)  # the worker is up and idle before the clock starts
        idle = peak_rss_mb(worker.pid)
        started = time.perf_counter()
        status, body = livesite.submit(port, token, year=slug, task="classification", split="val", content=content,
                                       entry="api upload", timeout=600)
        answered = time.perf_counter() - started
        if status != 201:
            raise RuntimeError(f"the upload of {slug} answered {status}: {body[:2000]!r}")
        scored = wait_for_score(port, token, json.loads(body)["id"])
        to_score = time.perf_counter() - started
        peak = peak_rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    result = {"images": n_images, "classes": n_classes, "gzip_mb": len(content) / 1e6, "answer": answered,
              "to_score": to_score, "worker_peak": peak, "worker_idle": idle, "status": scored["status"],
              "text_mb": scored["file_size"] / 1e6, "top5": (scored.get("scores") or {}).get("top5_error")}
    if n_images >= 10_000_000:
        browser = Browser(port)
        browser.sign_in()
        result["form_status"], result["form_answer"] = browser.submit(slug, split_pk, content)
    predictions.unlink()
    return result


def upload_to_score_through_site(cases: list[tuple[int, int]]) -> list[dict]:
    """Start the site (PostgreSQL, gunicorn), run every (images, classes) case, remove it all."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-site-"))
    workdir.chmod(0o755)  # the postgres user must reach its cluster folder inside
    (workdir / "cluster").mkdir()
    server, stop_cluster = None, None
    try:
        database_url, stop_cluster = start_cluster(workdir / "cluster")
        env = livesite.site_env(database_name="", media_root=workdir / "media", static_root=workdir / "static",
                                DATABASE_URL=database_url)
        for step in (["migrate", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"], ["shell", "-c", SETUP]):
            manage(env, *step)
        server = livesite.Gunicorn(env, workers=2, log_path=workdir / "gunicorn.log",
                                   args=("-c", "config/gunicorn.conf.py")).start()
        token = livesite.api_token(server.port, "scaler", PASSWORD)
        web_idle = max(peak_rss_mb(pid) for pid in server.worker_pids())
        results = [run_case(env, server.port, token, workdir, n, c) for n, c in cases]
        web_peak = max(peak_rss_mb(pid) for pid in server.worker_pids())
        for result in results:
            result["web_idle"], result["web_peak"] = web_idle, web_peak
        return results
    finally:
        if server:
            server.stop()
        if stop_cluster:
            stop_cluster()
        shutil.rmtree(workdir, ignore_errors=True)


def print_site(results: list[dict]) -> None:
    print(f"\nthrough the site: gzip file uploaded to POST /api/submissions/ (gunicorn -c config/gunicorn.conf.py, "
          f"2 workers), scored by a fresh score_pending --loop worker")
    print(f"{'images':>11} {'classes':>8} {'gzip MB':>8} {'text MB':>8} {'answer s':>9} {'to score s':>10} "
          f"{'worker peak MB':>15} {'top-5 err':>9}")
    for r in results:
        top5 = f"{r['top5']:.4f}" if r["top5"] is not None else r["status"]
        print(f"{r['images']:>11,} {r['classes']:>8,} {r['gzip_mb']:>8.1f} {r['text_mb']:>8.1f} {r['answer']:>9.2f} "
              f"{r['to_score']:>10.2f} {r['worker_peak']:>15.0f} {top5:>9}")
        if "form_status" in r:
            print(f"{'':>20} the same file through the submit form (signed in, CSRF): {r['form_status']} in "
                  f"{r['form_answer']:.2f} s")
    if results:
        print(f"(answer: upload sent to 201; to score: upload start to 'scored' on the status endpoint; worker peak: "
              f"its VmHWM, idle {results[0]['worker_idle']:.0f} MB; the web workers' peak RSS over the run: "
              f"{results[0]['web_peak']:.0f} MB, {results[0]['web_idle']:.0f} MB before the first upload)")


def site_checks(results: list[dict]) -> list[tuple[str, bool | None, str]]:
    big = [r for r in results if r["images"] >= 10_000_000]
    if not big:
        return [("10M-image file accepted through the site and scored", None, "not measured (--quick)"),
                ("score_pending worker peak < 1.5 GB at 10M images", None, "not measured (--quick)")]
    accepted = all(r["status"] == "scored" and r.get("form_status") == 302 for r in big)
    peak = max(r["worker_peak"] for r in big)
    return [
        ("10M-image gzip file accepted through the API (scored) and the submit form", accepted,
         ", ".join(f"{r['classes']:,} classes: API {r['status']}, form {r.get('form_status')}" for r in big)),
        ("score_pending worker peak < 1.5 GB at 10M images", peak < 1500,
         ", ".join(f"{r['classes']:,} classes: {r['worker_peak']:.0f} MB" for r in big)),
    ]

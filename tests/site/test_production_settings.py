"""Production settings: check --deploy is clean, security headers are on, uploads are bounded."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from submissions.models import Submission
from tests.base import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]


def _production_env() -> dict:
    """The environment of a production host: DEBUG off, a real key, no test overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC"))}
    env.update(DEBUG="False", SECRET_KEY=secrets.token_urlsafe(50), DJANGO_SETTINGS_MODULE="config.settings")
    return env


def test_check_deploy_is_clean_with_debug_off_and_a_real_key():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_turn_on_https_only_cookies_hsts_and_frame_denial():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'X_FRAME_OPTIONS', "
        "'SECURE_CONTENT_TYPE_NOSNIFF', 'CONTENT_SECURITY_POLICY']}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_production_env(),
                            capture_output=True, text=True, timeout=60)
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert "default-src 'self'" in values["CONTENT_SECURITY_POLICY"]


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    env = _production_env()
    del env["SECRET_KEY"]
    env["VAR_DIR"] = str(tmp_path)  # no var/secret_key there
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz", "/no-such-page/"])
def test_every_response_carries_the_security_headers(client, world, path):
    response = client.get(path, secure=True)
    assert response.status_code in (200, 404)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.django_db
def test_an_upload_over_the_site_limit_is_refused_with_413_before_it_is_read(client, world, settings):
    settings.MAX_UPLOAD_BYTES = 2_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client.login(username="alice", password=PASSWORD)
    upload = SimpleUploadedFile("big.txt", b"1\n" * 5_000, content_type="text/plain")
    response = client.post(reverse("submissions:submit", args=[world.year.slug]),
                           {"split": world.val.pk, "entry_name": "big", "file": upload})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.content.decode()
    assert response["Content-Security-Policy"] and response["X-Frame-Options"] == "DENY"
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_an_api_upload_over_the_limit_gets_a_json_413(client, world, settings):
    settings.MAX_UPLOAD_BYTES = 2_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    upload = SimpleUploadedFile("big.txt", b"1\n" * 5_000, content_type="text/plain")
    response = client.post("/api/submissions/", {"split": world.val.pk, "file": upload})
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["line"] is None and "larger than this site accepts" in error["message"]


@pytest.mark.django_db
def test_oversized_form_fields_get_400_never_500(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client.post("/accounts/login/", {"username": "alice", "password": "x" * 5_000})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_file_over_the_tasks_own_limit_is_refused_with_a_clear_400(client, world):
    from submissions import scoring

    limit = scoring.max_upload_bytes(world.task.kind, world.val.n_images)
    client.login(username="alice", password=PASSWORD)
    upload = SimpleUploadedFile("big.txt", b"1 2 3 4 5\n" * (limit // 10 + 1), content_type="text/plain")
    response = client.post(reverse("submissions:submit", args=[world.year.slug]),
                           {"split": world.val.pk, "entry_name": "big", "file": upload})
    assert response.status_code == 400
    assert f"{limit:,}" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/submissions/?year=a%00b", "/years/demo/classes/?q=%00", "/?x=%00"])
def test_a_nul_character_in_the_address_is_a_clear_400(client, path):
    make_user("nul-tester")
    client.login(username="nul-tester", password=PASSWORD)
    response = client.get(path)
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_several_hosts_take_the_key_database_and_files_from_what_they_share(tmp_path):
    """On several machines (SEVERAL_HOSTS, on by default with S3) the settings refuse what one
    machine would keep to itself: a key from its own var/secret_key, SQLite, a local disk."""
    (tmp_path / "secret_key").write_text("a key only this machine has")
    base = {**_production_env(), "VAR_DIR": str(tmp_path)}
    keyless = {k: v for k, v in base.items() if k != "SECRET_KEY"}

    def check(env: dict) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    for env in ({**keyless, "SEVERAL_HOSTS": "True", "AWS_STORAGE_BUCKET_NAME": "b"},
                {**keyless, "AWS_STORAGE_BUCKET_NAME": "b"}):  # S3 means several hosts unless told otherwise
        result = check(env)
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr and "SEVERAL_HOSTS" in result.stderr
    result = check({**base, "SEVERAL_HOSTS": "True", "AWS_STORAGE_BUCKET_NAME": ""})
    assert result.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in result.stderr
    result = check({**base, "SEVERAL_HOSTS": "True", "AWS_STORAGE_BUCKET_NAME": "b",
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert result.returncode != 0 and "PostgreSQL" in result.stderr
    assert check({**base, "SEVERAL_HOSTS": "True", "AWS_STORAGE_BUCKET_NAME": "b"}).returncode == 0
    single = check({**keyless, "SEVERAL_HOSTS": "False", "AWS_STORAGE_BUCKET_NAME": "b"})
    assert single.returncode == 0, single.stderr  # one machine with S3: its own key file will do

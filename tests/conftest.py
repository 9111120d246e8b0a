import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.base import make_world

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Every test gets its own private storage folder on local disk."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests change rows directly and read pages at once; the second-long lookup cache has its own tests.
    settings.LEADERBOARD_CACHE_SECONDS = 0
    yield tmp_path / "private"


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """Process caches (stored leaderboard pages, anonymous responses) start empty in every test,
    as in a process that has just started; ids of an earlier test's rows mean nothing here."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_throttle_counts(request, django_db_blocker):
    """Throttle counts are rows (challenge.accounts.rates): rolled back with a test's transaction, and
    emptied with the tables after a transactional test; cleared here too, explicitly, so that a
    live server's requests never leave counts for the next test."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    if transactional or {"transactional_db", "live_server"} & set(request.fixturenames):
        from challenge.accounts.models import RateCount

        with django_db_blocker.unblock():
            RateCount.objects.all().delete()


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def scoring_worker(private_storage):
    """A `score_pending --loop` worker against the test database, beside a live server, as the
    run command starts one: uploads are scored there, never in the request."""
    from django.db import connections

    db = connections["default"].settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "MEDIA_ROOT": str(private_storage), "AWS_STORAGE_BUCKET_NAME": ""}
    worker = subprocess.Popen([sys.executable, "manage.py", "score_pending", "--loop", "--interval", "0.1"],
                              cwd=Path(__file__).resolve().parent.parent, env=env, stdout=subprocess.DEVNULL)
    yield worker
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()

"""The run command's embedded default: the same site on SQLite, set up the way scripts/run does.

The suite runs on PostgreSQL; this test walks the SQLite path in subprocesses (migrate, demo,
history, a submission, the pages people open) so that a newcomer's first start is covered too.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

VISIT_PAGES = r"""
import django, os
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from challenge.competition.models import ChallengeYear, Split
from challenge.competition.services import SHIPPED_ILSVRC2012
from challenge.teams.models import Membership, Team
from submissions import services

year = ChallengeYear.objects.get(slug="demo")
user = get_user_model().objects.create_user("sqlite-user", "s@example.org", "a long password 1")
team = Team.objects.create(year=year, name="Embedded")
Membership.objects.create(team=team, user=user, year=year)
labels = (SHIPPED_ILSVRC2012 / "ILSVRC2012_validation_ground_truth.txt").read_bytes()
split = Split.objects.get(task__year=year, task__slug="classification", name="val")
submission = services.create_submission(team=team, split=split, user=user, data=labels, entry_name="oracle")
call_command("score_pending")  # what the run command's worker does

client = Client()
pages = ["/", "/years/demo/", "/years/demo/tasks/classification/val/leaderboard/",
         "/years/demo/tasks/classification/test/leaderboard/", "/history/", "/years/demo/classes/",
         "/api/years/", "/api/years/demo/", "/api/years/demo/tasks/classification/leaderboard/?split=val",
         f"/teams/{team.pk}/", "/healthz"]
for path in pages:
    response = client.get(path, secure=True)
    assert response.status_code == 200, (path, response.status_code)
board = client.get("/years/demo/tasks/classification/val/leaderboard/", secure=True).content.decode()
assert "Embedded" in board and "0.000%" in board and "Demo: near-oracle" in board, board[:2000]
print("visited", len(pages), "pages")
"""


@pytest.mark.slow
def test_the_site_works_on_the_embedded_sqlite_default(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "private"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECRET_KEY": "sqlite-smoke",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("manage.py", "migrate", "--noinput", "-v", "0")
    run("manage.py", "collectstatic", "--noinput", "-v", "0")
    env.pop("ORGANIZER_PASSWORD", None)
    assert "password" in run("manage.py", "load_demo")
    assert "password" not in run("manage.py", "load_demo")  # safe to load twice; printed once
    run("manage.py", "load_history")
    assert "4 added" in run("manage.py", "load_demo_entries")
    assert "0 added" in run("manage.py", "load_demo_entries")
    assert "visited" in run("-c", VISIT_PAGES)

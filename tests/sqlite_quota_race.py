"""Run as a script: several processes (like gunicorn workers) upload at once on SQLite.

Prints a JSON list of outcomes. Used by tests/submissions/test_quotas_sqlite.py; the caller sets
DATABASE_URL to a fresh SQLite file and MEDIA_ROOT to a scratch folder.
"""

import json
import multiprocessing
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

WORKERS = 8


def upload(barrier, results, index):
    from django.contrib.auth import get_user_model

    from challenge.competition.models import Split
    from challenge.teams.models import Team
    from submissions import quotas, services
    from tests.base import TEST_LABELS, World, predictions_file  # noqa: F401

    team = Team.objects.get(name="Alpha")
    user = get_user_model().objects.get(username="alice" if index % 2 else "bob")
    split = Split.objects.get(name="test")
    barrier.wait()
    try:
        services.create_submission(team=team, split=split, user=user, entry_name=f"w{index}",
                                   data=predictions_file([[label] for label in TEST_LABELS]))
        results.put("created")
    except quotas.QuotaExceeded:
        results.put("over quota")
    except Exception as exc:  # noqa: BLE001
        results.put(f"error: {exc!r}")
    finally:
        connections.close_all()


def main():
    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", run_syncdb=True, verbosity=0)
    from tests.base import make_world

    make_world()
    connections.close_all()  # children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [context.Process(target=upload, args=(barrier, results, i)) for i in range(WORKERS)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    from submissions.models import Submission

    print(json.dumps({"outcomes": outcomes, "rows": Submission.objects.count()}))


if __name__ == "__main__":
    main()
